//! Snapshots bound to a checkpoint: a state derived from the first `size` entries (the rules'
//! state, the projections), saved with the tree size and root it was derived at and a digest of
//! its body, so that opening a ledger loads the latest one and replays only the entries after
//! it. A snapshot is a cache, never a source of truth: one that does not decode, whose digest
//! or schema does not match, or whose root is not the ledger's root at its size is ignored
//! with a warning and the state is rebuilt from the entries.
//!
//! ```text
//! "kordon-snapshot/v3\n" ‖ kind (u8) ‖ schema (32) ‖ size (u64 BE) ‖ root (32)
//!   ‖ SHA-256(body) (32) ‖ body
//! ```
//!
//! `schema` is the SHA-256 of what the body's layout depends on (its kind's version, the fold's
//! version, the table of event types): a snapshot written by another release under another
//! schema is rebuilt, never misread. The format succeeds `projections.snap` v2 (which had the
//! same fields without a kind).
//!
//! Snapshots live beside the store behind `SnapshotStore`: files in a data directory
//! (`DirSnapshots`), or rows of the database (`store::postgres::PgSnapshots`), so a server
//! joining a shared ledger starts from one too.

use crate::core::event;
use crate::core::hash::Hash;
use crate::core::merkle;
use crate::store::{Nodes, Snapshot};
use std::path::PathBuf;

const MAGIC: &[u8] = b"kordon-snapshot/v3\n";
const HEAD: usize = 1 + 32 + 8 + 32 + 32;

/// What a snapshot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The rules' state (`rules::State`), with which the appender resumes.
    Rules = 1,
    /// The projections (`projection::History`).
    Projections = 2,
}

impl Kind {
    /// The name a `SnapshotStore` keeps it under.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Rules => "rules.snap",
            Kind::Projections => "projections.snap",
        }
    }
}

/// Where snapshots are kept. Each is saved whole (a reader gets a snapshot or none, never half
/// of one); a store may keep several under one name, and `load` gives them newest (largest
/// size) first, so that a reader can fall back to an older one when the newest does not check.
pub trait SnapshotStore: Send + Sync {
    /// The `skip`-th newest snapshot saved under `name` (0: the newest), if there is one.
    fn load(&self, name: &str, skip: usize) -> Result<Option<Vec<u8>>, String>;
    /// Saves `bytes`, a snapshot of the first `size` entries, whose root is `root`.
    fn save(&self, name: &str, size: u64, root: Hash, bytes: &[u8]) -> Result<(), String>;

    /// The `skip`-th newest snapshot under `name`, checked as `check` checks it (same
    /// reasons, same order) against the ledger read through `snap` before `read` is given its
    /// body. An error is the store's (no older snapshot will be tried). The default loads it
    /// whole; a store of files hashes the file, then reads it again as it decodes, so the
    /// snapshot's bytes are never whole in memory beside what they decode into.
    fn load_checked(
        &self,
        name: &str,
        skip: usize,
        kind: Kind,
        schema: Hash,
        snap: &dyn Snapshot,
        read: ReadBody<'_>,
    ) -> Result<Loaded, String> {
        let Some(bytes) = self.load(name, skip)? else {
            return Ok(Loaded::None);
        };
        Ok(match check(&bytes, kind, schema, snap) {
            Ok((size, mut body)) => match read(size, &mut body) {
                Ok(()) => Loaded::Read,
                Err(why) => Loaded::PassedOver(why),
            },
            Err(why) => Loaded::PassedOver(why),
        })
    }

    /// Saves the snapshot `encode_with` would frame, its body written by `body` (called once;
    /// whatever it holds, a lock say, is released when it returns, before the snapshot is made
    /// durable). The default encodes it whole in memory and `save`s it; a store of files writes
    /// it straight to the file, so no copy of a large body is ever in memory.
    fn save_framed(&self, name: &str, frame: Frame, body: WriteBody<'_>) -> Result<(), String> {
        let bytes = encode_with(frame.kind, frame.schema, frame.size, frame.root, |out| {
            body(out)
        })?;
        self.save(name, frame.size, frame.root, &bytes)
    }
}

/// Reads a checked snapshot's body (for `SnapshotStore::load_checked`): given the size the
/// snapshot is of and a reader of its body.
pub type ReadBody<'a> = &'a mut dyn FnMut(u64, &mut dyn std::io::Read) -> Result<(), String>;

/// What `SnapshotStore::load_checked` found: no snapshot, one read, or one passed over (why).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    None,
    Read,
    PassedOver(String),
}

/// What a snapshot's header says: its kind, schema, and the size and root it was derived at.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub kind: Kind,
    pub schema: Hash,
    pub size: u64,
    pub root: Hash,
}

/// Writes a snapshot's body (for `SnapshotStore::save_framed`).
pub type WriteBody<'a> = Box<dyn FnOnce(&mut dyn std::io::Write) -> Result<(), String> + 'a>;

/// A writer that hashes what goes through it.
struct Hashing<W> {
    inner: W,
    sha: sha2::Sha256,
}

impl<W: std::io::Write> std::io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.sha.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Snapshots as files in a directory (a data directory's `snapshots/`): one per name, the
/// newest, replaced atomically (written beside it, synced, renamed over it).
pub struct DirSnapshots(pub PathBuf);

impl SnapshotStore for DirSnapshots {
    fn load(&self, name: &str, skip: usize) -> Result<Option<Vec<u8>>, String> {
        let path = self.0.join(name);
        match std::fs::read(&path) {
            Ok(b) if skip == 0 => Ok(Some(b)),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    fn save(&self, name: &str, _size: u64, _root: Hash, bytes: &[u8]) -> Result<(), String> {
        use std::io::Write;
        self.replace(name, |f| f.write_all(bytes).map_err(|e| e.to_string()))
    }

    fn load_checked(
        &self,
        name: &str,
        skip: usize,
        kind: Kind,
        schema: Hash,
        snap: &dyn Snapshot,
        read: ReadBody<'_>,
    ) -> Result<Loaded, String> {
        use std::io::{Read, Seek, SeekFrom};
        let path = self.0.join(name);
        let at = |e: std::io::Error| format!("{}: {e}", path.display());
        let mut f = match std::fs::File::open(&path) {
            Ok(f) if skip == 0 => f,
            Ok(_) => return Ok(Loaded::None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Loaded::None),
            Err(e) => return Err(at(e)),
        };
        let mut head = Vec::with_capacity(HEADER_LEN);
        (&mut f)
            .take(HEADER_LEN as u64)
            .read_to_end(&mut head)
            .map_err(at)?;
        let (size, root, digest) = match check_head(&head, kind, schema) {
            Ok(h) => h,
            Err(why) => return Ok(Loaded::PassedOver(why)),
        };
        // One pass to check the digest, a second to decode what it vouches for: the file is
        // read twice (the second time from the page cache), never held whole.
        let mut sha = sha2::Sha256::default();
        std::io::copy(&mut f, &mut sha).map_err(at)?;
        if <[u8; 32]>::from(sha2::Digest::finalize(sha)) != digest {
            return Ok(Loaded::PassedOver(DAMAGED.into()));
        }
        if let Err(why) = check_root(size, root, snap) {
            return Ok(Loaded::PassedOver(why));
        }
        f.seek(SeekFrom::Start(HEADER_LEN as u64)).map_err(at)?;
        let mut body = std::io::BufReader::with_capacity(1 << 20, f);
        Ok(match read(size, &mut body) {
            Ok(()) => Loaded::Read,
            Err(why) => Loaded::PassedOver(why),
        })
    }

    fn save_framed(&self, name: &str, frame: Frame, body: WriteBody<'_>) -> Result<(), String> {
        use std::io::{Seek, SeekFrom, Write};
        self.replace(name, |f| {
            // Through `&File` (it writes and seeks too), so the buffered writer and the seek
            // back to the digest share the file.
            let mut f: &std::fs::File = f;
            let io = |e: std::io::Error| e.to_string();
            let head = header(frame);
            let digest_at = head.len() as u64 - 32;
            f.write_all(&head).map_err(io)?;
            let mut w = Hashing {
                inner: std::io::BufWriter::with_capacity(1 << 20, f),
                sha: sha2::Sha256::default(),
            };
            body(&mut w)?;
            w.flush().map_err(io)?;
            let digest: [u8; 32] = sha2::Digest::finalize(w.sha).into();
            f.seek(SeekFrom::Start(digest_at)).map_err(io)?;
            f.write_all(&digest).map_err(io)
        })
    }
}

impl DirSnapshots {
    /// Replaces the snapshot `name` by the file `write` writes: written beside it under a name
    /// of this writer's own (two processes on one directory, a server and a query, never write
    /// into each other's file), synced, renamed over it; removed if anything fails.
    fn replace(
        &self,
        name: &str,
        write: impl FnOnce(&mut std::fs::File) -> Result<(), String>,
    ) -> Result<(), String> {
        let at = |e: String| format!("{}: {e}", self.0.join(name).display());
        std::fs::create_dir_all(&self.0).map_err(|e| at(e.to_string()))?;
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = self
            .0
            .join(format!("{name}.{}.{n}.tmp", std::process::id()));
        let done = (|| {
            let mut f = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
            write(&mut f)?;
            f.sync_data().map_err(|e| e.to_string())?;
            drop(f);
            std::fs::rename(&tmp, self.0.join(name)).map_err(|e| e.to_string())
        })();
        if let Err(e) = done {
            let _ = std::fs::remove_file(&tmp);
            return Err(at(e));
        }
        (std::fs::File::open(&self.0).and_then(|d| d.sync_all())).map_err(|e| at(e.to_string()))
    }
}

/// The schema of a kind's body: its version `v` (raised whenever its layout changes), the
/// projections' fold version and the table of event types.
pub fn schema(kind: Kind, v: u32) -> Hash {
    let mut text = format!("kordon-snapshot kind {} v{v}\n", kind as u8);
    for t in event::EVENT_TYPES {
        text.push_str(t);
        text.push('\n');
    }
    Hash::sha256(text.as_bytes())
}

/// Frames `body`, derived from the first `size` entries whose root is `root`.
pub fn encode(kind: Kind, schema: Hash, size: u64, root: Hash, body: &[u8]) -> Vec<u8> {
    encode_with(kind, schema, size, root, |out| {
        out.extend_from_slice(body);
        Ok(())
    })
    .unwrap_or_default()
}

/// `encode`, with the body written by `body` straight after the header (no second copy of a
/// large body in memory).
pub fn encode_with(
    kind: Kind,
    schema: Hash,
    size: u64,
    root: Hash,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), String>,
) -> Result<Vec<u8>, String> {
    let mut out = header(Frame {
        kind,
        schema,
        size,
        root,
    });
    let digest_at = out.len() - 32;
    body(&mut out)?;
    let digest = Hash::sha256(&out[digest_at + 32..]);
    out[digest_at..digest_at + 32].copy_from_slice(&digest.0);
    Ok(out)
}

/// A snapshot's header, its digest left zero (it follows the body).
fn header(f: Frame) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN);
    out.extend_from_slice(MAGIC);
    out.push(f.kind as u8);
    out.extend_from_slice(&f.schema.0);
    out.extend_from_slice(&f.size.to_be_bytes());
    out.extend_from_slice(&f.root.0);
    out.extend_from_slice(&[0; 32]);
    out
}

/// Checks a snapshot against the ledger read through `snap` and returns its size and body, or
/// why it cannot be used.
pub fn check<'a>(
    bytes: &'a [u8],
    kind: Kind,
    schema: Hash,
    snap: &dyn Snapshot,
) -> Result<(u64, &'a [u8]), String> {
    let (size, root, digest) = check_head(bytes, kind, schema)?;
    let body = &bytes[HEADER_LEN..];
    if Hash::sha256(body).0 != digest {
        return Err(DAMAGED.into());
    }
    check_root(size, root, snap)?;
    Ok((size, body))
}

const DAMAGED: &str = "its body does not match its digest (changed or damaged)";

/// The length of a snapshot's header: everything before its body.
const HEADER_LEN: usize = MAGIC.len() + HEAD;

/// Checks a snapshot's header (its first `HEADER_LEN` bytes, or all of it if shorter) and
/// returns the size, root and digest of the body it announces.
fn check_head(head: &[u8], kind: Kind, schema: Hash) -> Result<(u64, Hash, [u8; 32]), String> {
    let rest = head
        .strip_prefix(MAGIC)
        .ok_or("not a kordon snapshot of this version")?;
    if rest.len() < HEAD {
        return Err("its header is cut short".into());
    }
    if rest[0] != kind as u8 {
        return Err(format!("it holds kind {}, not {:?}", rest[0], kind));
    }
    if rest[1..33] != schema.0 {
        return Err("it was written for another schema (by another release, for another fold or table of event types)".into());
    }
    let size = u64::from_be_bytes(rest[33..41].try_into().unwrap_or([0; 8]));
    let root = Hash::from_slice(&rest[41..73]).ok_or("bad root")?;
    let digest: [u8; 32] = rest[73..105].try_into().unwrap_or([0; 32]);
    Ok((size, root, digest))
}

/// Checks that a snapshot's size and root are the ledger's.
fn check_root(size: u64, root: Hash, snap: &dyn Snapshot) -> Result<(), String> {
    if size > snap.size() {
        return Err(format!(
            "it is of {size} entries, beyond the ledger's {} (a snapshot of another ledger?)",
            snap.size()
        ));
    }
    let actual = merkle::root_at(&Nodes(snap), size).map_err(|e| e.to_string())?;
    if actual != root {
        return Err(format!(
            "its root at size {size} is not the ledger's (a snapshot of another ledger)"
        ));
    }
    Ok(())
}
