//! Keeps the projections current: rebuilt from the store at start (or loaded from a snapshot
//! that matches the ledger), then following the ledger's head on a thread of its own
//! (`Ledger::follow`), so the history's write lock is never taken on the writer's thread and a
//! slow page delays no commit.

use crate::core::entry::EntryRef;
use crate::core::event;
use crate::core::hash::Hash;
use crate::core::merkle;
use crate::core::projection::{History, FOLD_VERSION};
use crate::integrity::{self, Binder};
use crate::ledger::Ledger;
use crate::store::{Nodes, Snapshot, Store, StoreError};
use rayon::prelude::*;
use std::sync::{Arc, Condvar, Mutex, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("entry {seq}: {msg}")]
    Entry { seq: u64, msg: String },
}

/// Folds the first `size` entries of a snapshot into a `History`. Parsing runs on all cores;
/// the fold runs in order.
pub fn rebuild(snap: &dyn Snapshot, size: u64) -> Result<History, ProjectError> {
    let mut h = History::new();
    extend(&mut h, snap, size)?;
    Ok(h)
}

/// Folds entries `h.size()..size` of a snapshot into `h`. Reading and parsing the next chunk
/// (on all cores) overlaps folding this one (in order, on one). The entries are bound to the
/// signed checkpoint as they are read (`integrity::Binder`): if they do not lead to its root,
/// this fails, naming the first entry that differs from the stored tree.
pub fn extend(h: &mut History, snap: &dyn Snapshot, size: u64) -> Result<(), ProjectError> {
    type Chunk = Vec<(crate::core::types::Millis, event::Event)>;
    let start = h.size();
    let mut binder = Binder::new(snap, start)?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(2);
    std::thread::scope(|scope| {
        // The fold runs beside; this thread reads and parses (the snapshot stays here).
        let folder = scope.spawn(move || {
            for chunk in rx {
                for (at, ev) in &chunk {
                    h.apply(*at, ev);
                }
            }
        });
        let mut from = start;
        let mut result = Ok(());
        while from < size {
            let end = (from + 8192).min(size);
            match parse_chunk(snap, from, end) {
                Ok(chunk) => {
                    for (leaf, _) in &chunk {
                        binder.push_leaf(*leaf);
                    }
                    let chunk = chunk.into_iter().map(|(_, e)| e).collect();
                    if tx.send(chunk).is_err() {
                        break;
                    }
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
            from = end;
        }
        drop(tx);
        if folder.join().is_err() {
            result = Err(ProjectError::Entry {
                seq: from,
                msg: "the fold stopped unexpectedly".into(),
            });
        }
        result?;
        if start < size {
            let root = match integrity::signed_root(snap, size)? {
                Some(r) => r,
                None => merkle::root_at(&Nodes(snap), size)?,
            };
            binder.finish(snap, &root)?;
        }
        Ok(())
    })
}

type Parsed = (Hash, (crate::core::types::Millis, event::Event));

fn parse_chunk(snap: &dyn Snapshot, start: u64, end: u64) -> Result<Vec<Parsed>, ProjectError> {
    snap.entries(start, end)?
        .into_par_iter()
        .enumerate()
        .map(|(i, b)| {
            let seq = start + i as u64;
            let e = EntryRef::decode(&b).map_err(|e| ProjectError::Entry {
                seq,
                msg: e.to_string(),
            })?;
            let ev = event::parse_trusted(e.event).map_err(|e| ProjectError::Entry {
                seq,
                msg: e.to_string(),
            })?;
            Ok((crate::core::entry::entry_hash(&b), (e.recorded_at, ev)))
        })
        .collect()
}

/// The checkpoint an answer was computed at: the tree size and its root.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct At {
    pub size: u64,
    pub root: Hash,
}

/// The root of the first `size` entries, for quoting an answer.
pub fn at(snap: &dyn Snapshot, size: u64) -> Result<At, StoreError> {
    Ok(At {
        size,
        root: merkle::root_at(&Nodes(snap), size)?,
    })
}

/// How long `Projector::read` waits for the projections to reach the ledger's head before it
/// answers from what it has (each answer names the size it was computed at).
pub const CATCH_UP_WAIT: Duration = Duration::from_secs(5);

/// Live projections over a ledger.
#[derive(Clone)]
pub struct Projector {
    history: Arc<RwLock<History>>,
    /// The ledger's head and the follower's progress, when following one.
    follow: Option<Arc<Following>>,
}

struct Following {
    head: tokio::sync::watch::Receiver<Arc<crate::ledger::Head>>,
    /// The size folded so far, and a signal for those waiting on it.
    folded: Mutex<u64>,
    moved: Condvar,
}

impl Projector {
    /// Rebuilds from the ledger's store, then follows its head on a thread of its own.
    pub fn follow(ledger: &Ledger) -> Result<Projector, ProjectError> {
        let snap = ledger.store().snapshot()?;
        let mut h = History::new();
        extend(&mut h, &*snap, snap.size())?;
        let from = h.size();
        drop(snap);
        let following = Arc::new(Following {
            head: ledger.watch(),
            folded: Mutex::new(from),
            moved: Condvar::new(),
        });
        let p = Projector {
            history: Arc::new(RwLock::new(h)),
            follow: Some(Arc::clone(&following)),
        };
        let history = p.history.clone();
        ledger
            .follow(from, "projections", move |c| {
                let size = {
                    let mut h = history.write().unwrap_or_else(|e| e.into_inner());
                    for e in c.entries {
                        if e.seq == h.size() {
                            h.apply(e.recorded_at, &e.event);
                        }
                    }
                    h.size()
                };
                *following.folded.lock().unwrap_or_else(|e| e.into_inner()) = size;
                following.moved.notify_all();
            })
            .map_err(|e| ProjectError::Entry {
                seq: from,
                msg: format!("cannot start the projections' follower: {e}"),
            })?;
        Ok(p)
    }

    /// Builds projections of a store that no writer is appending to.
    pub fn of_store(store: &dyn Store) -> Result<Projector, ProjectError> {
        let snap = store.snapshot()?;
        let h = rebuild(&*snap, snap.size())?;
        Ok(Projector::from_history(h))
    }

    /// Opens projections for a data directory's store, using and refreshing its snapshot:
    /// a new snapshot is written when at least `SNAPSHOT_EVERY` entries were folded.
    pub fn open_cached(
        store: &dyn Store,
        dir: &std::path::Path,
    ) -> Result<(Projector, Opened), ProjectError> {
        let path = dir.join(SNAPSHOT_FILE);
        let (h, opened) = load(store, &path)?;
        // A snapshot that was refused is replaced, so the warning is given once.
        if opened.folded >= SNAPSHOT_EVERY || opened.discarded.is_some() {
            let snap = store.snapshot()?;
            let at = at(&*snap, h.size())?;
            // The snapshot is a cache: failing to write it only costs time next run.
            let _ = save_snapshot(&path, &h, at);
        }
        Ok((Projector::from_history(h), opened))
    }

    pub fn from_history(h: History) -> Projector {
        Projector {
            history: Arc::new(RwLock::new(h)),
            follow: None,
        }
    }

    /// The projections, as of at least the ledger's head when this is called: a reader sees
    /// every entry acknowledged before it asked. It waits for the follower if it lags (at most
    /// `CATCH_UP_WAIT`, then answers from what it has: `History::size` says how far that is).
    pub fn read(&self) -> RwLockReadGuard<'_, History> {
        if let Some(f) = &self.follow {
            let target = f.head.borrow().size;
            self.wait_for(target, CATCH_UP_WAIT);
        }
        self.history.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the projections hold at least `size` entries; false on time-out.
    pub fn wait_for(&self, size: u64, timeout: Duration) -> bool {
        let Some(f) = &self.follow else {
            return self
                .history
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .size()
                >= size;
        };
        let deadline = Instant::now() + timeout;
        let mut folded = f.folded.lock().unwrap_or_else(|e| e.into_inner());
        while *folded < size {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            folded = f
                .moved
                .wait_timeout(folded, deadline - now)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        true
    }
}

/// Fold at least this many entries before a new snapshot is worth writing.
pub const SNAPSHOT_EVERY: u64 = 10_000;

/// The projections snapshot in a data directory.
pub const SNAPSHOT_FILE: &str = "projections.snap";
const SNAPSHOT_MAGIC: &[u8] = b"kordon-projections/v2\n";

/// What a snapshot's body depends on besides the entries: the fold's version and the table of
/// event types. A snapshot made under another schema is rebuilt, never read.
pub fn snapshot_schema() -> Hash {
    let mut text = format!("kordon-projections fold {FOLD_VERSION}\n");
    for t in event::EVENT_TYPES {
        text.push_str(t);
        text.push('\n');
    }
    Hash::sha256(text.as_bytes())
}

/// How the projections were opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The size of the snapshot that was used, if one was.
    pub from_snapshot: Option<u64>,
    /// Why a snapshot that was present was not used.
    pub discarded: Option<String>,
    /// Entries folded after the snapshot (or from scratch).
    pub folded: u64,
}

/// Writes a snapshot of `h` taken at `at` (which must be `h`'s own size and root), atomically:
/// a reader sees the old file or the new one, never half of one.
///
/// ```text
/// "kordon-projections/v2\n" ‖ schema (32 bytes, `snapshot_schema`) ‖ size (u64 BE)
///   ‖ root (32) ‖ SHA-256(body) (32) ‖ body (MessagePack, named fields)
/// ```
pub fn save_snapshot(path: &std::path::Path, h: &History, at: At) -> std::io::Result<()> {
    use std::io::Write;
    let body = rmp_serde::to_vec_named(h).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("snap.tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(SNAPSHOT_MAGIC)?;
        f.write_all(&snapshot_schema().0)?;
        f.write_all(&at.size.to_be_bytes())?;
        f.write_all(&at.root.0)?;
        f.write_all(&Hash::sha256(&body).0)?;
        f.write_all(&body)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Loads projections for a store: from the snapshot at `path` if it matches the ledger (its
/// size is within the ledger and its root is the ledger's root at that size), then folds the
/// entries after it. A snapshot that does not match is discarded, never trusted.
pub fn load(store: &dyn Store, path: &std::path::Path) -> Result<(History, Opened), ProjectError> {
    let snap = store.snapshot()?;
    let size = snap.size();
    let mut discarded = None;
    if let Ok(bytes) = std::fs::read(path) {
        match read_snapshot(&bytes, &*snap) {
            Ok(mut h) => {
                let from = h.size();
                extend(&mut h, &*snap, size)?;
                return Ok((
                    h,
                    Opened {
                        from_snapshot: Some(from),
                        discarded: None,
                        folded: size - from,
                    },
                ));
            }
            Err(why) => discarded = Some(why),
        }
    }
    let h = rebuild(&*snap, size)?;
    Ok((
        h,
        Opened {
            from_snapshot: None,
            discarded,
            folded: size,
        },
    ))
}

fn read_snapshot(bytes: &[u8], snap: &dyn Snapshot) -> Result<History, String> {
    let rest = bytes
        .strip_prefix(SNAPSHOT_MAGIC)
        .ok_or("not a kordon projections snapshot of this version")?;
    if rest.len() < 104 {
        return Err("snapshot header is cut short".into());
    }
    let (schema, rest) = rest.split_at(32);
    if schema != snapshot_schema().0 {
        return Err("snapshot was made for another fold or table of event types".into());
    }
    let mut n = [0u8; 8];
    n.copy_from_slice(&rest[..8]);
    let size = u64::from_be_bytes(n);
    let root = Hash::from_slice(&rest[8..40]).ok_or("bad root")?;
    let digest = Hash::from_slice(&rest[40..72]).ok_or("bad digest")?;
    let rest = &rest[32..];
    if Hash::sha256(&rest[40..]) != digest {
        return Err("snapshot body does not match its digest (changed or damaged)".into());
    }
    if size > snap.size() {
        return Err(format!(
            "snapshot of {size} entries is ahead of the ledger ({})",
            snap.size()
        ));
    }
    let actual = merkle::root_at(&Nodes(snap), size).map_err(|e| e.to_string())?;
    if actual != root {
        return Err(format!(
            "snapshot root at size {size} does not match the ledger"
        ));
    }
    let h: History =
        rmp_serde::from_slice(&rest[40..]).map_err(|e| format!("snapshot does not decode: {e}"))?;
    if h.size() != size {
        return Err(format!(
            "snapshot holds {} entries, its header says {size}",
            h.size()
        ));
    }
    Ok(h.restored())
}
