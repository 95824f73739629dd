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
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.0)?;
            // Named for this writer: two processes on one directory (a server, a query) never
            // write into each other's file; each renames a whole one over the name.
            static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let tmp = self
                .0
                .join(format!("{name}.{}.{n}.tmp", std::process::id()));
            {
                let mut f = std::fs::File::create(&tmp)?;
                f.write_all(bytes)?;
                f.sync_data()?;
            }
            if let Err(e) = std::fs::rename(&tmp, self.0.join(name)) {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
            std::fs::File::open(&self.0)?.sync_all()
        };
        write().map_err(|e| format!("{}: {e}", self.0.join(name).display()))
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
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.push(kind as u8);
    out.extend_from_slice(&schema.0);
    out.extend_from_slice(&size.to_be_bytes());
    out.extend_from_slice(&root.0);
    let digest_at = out.len();
    out.extend_from_slice(&[0; 32]);
    body(&mut out)?;
    let digest = Hash::sha256(&out[digest_at + 32..]);
    out[digest_at..digest_at + 32].copy_from_slice(&digest.0);
    Ok(out)
}

/// Checks a snapshot against the ledger read through `snap` and returns its size and body, or
/// why it cannot be used.
pub fn check<'a>(
    bytes: &'a [u8],
    kind: Kind,
    schema: Hash,
    snap: &dyn Snapshot,
) -> Result<(u64, &'a [u8]), String> {
    let rest = bytes
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
    let body = &rest[HEAD..];
    if Hash::sha256(body).0[..] != rest[73..105] {
        return Err("its body does not match its digest (changed or damaged)".into());
    }
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
    Ok((size, body))
}
