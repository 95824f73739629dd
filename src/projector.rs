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
use crate::ledger::{Ledger, Snapshots};
use crate::snapshot::{self, Kind, SnapshotStore};
use crate::store::{Nodes, Snapshot, Store, StoreError};
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
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
    /// How they were opened (from which snapshot), when opened for a ledger.
    opened: Option<Arc<Opened>>,
}

struct Following {
    head: tokio::sync::watch::Receiver<Arc<crate::ledger::Head>>,
    /// The size folded so far, and a signal for those waiting on it.
    folded: Mutex<u64>,
    moved: Condvar,
}

impl Projector {
    /// Opens the projections of the ledger's store (from the newest snapshot that checks, when
    /// the ledger keeps snapshots: `Options::snapshots`, folding only the entries after it;
    /// else from every entry), then follows its head on a thread of its own, writing a new
    /// snapshot every `Snapshots::projections_every` entries and when the ledger closes.
    pub fn follow(ledger: &Ledger) -> Result<Projector, ProjectError> {
        let snaps = ledger.snapshots().cloned();
        let snap = ledger.store().snapshot()?;
        let (h, opened) = load(&*snap, snaps.as_ref().map(|s| &*s.store))?;
        if let Some(why) = &opened.discarded {
            tracing::warn!(%why, "a snapshot of the projections was not used");
        }
        tracing::info!(
            from_snapshot = ?opened.from_snapshot,
            folded = opened.folded,
            "projections opened"
        );
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
            opened: Some(Arc::new(opened.clone())),
        };
        let mut saver = snaps.map(|snaps| {
            let saved = opened.from_snapshot.unwrap_or(0);
            Saver::new(Arc::clone(&p.history), ledger.shared_store(), snaps, saved)
        });
        if let Some(s) = &mut saver {
            // Folded many entries (or passed over a snapshot): save now, so the next server
            // to open this ledger does not fold them again.
            if opened.folded >= SNAPSHOT_EVERY || opened.discarded.is_some() {
                s.save_in_background(from);
            }
        }
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
                if let Some(s) = &mut saver {
                    s.folded(size);
                }
            })
            .map_err(|e| ProjectError::Entry {
                seq: from,
                msg: format!("cannot start the projections' follower: {e}"),
            })?;
        Ok(p)
    }

    /// How these projections were opened, when they were opened for a ledger.
    pub fn opened(&self) -> Option<&Opened> {
        self.opened.as_deref()
    }

    /// Builds projections of a store that no writer is appending to.
    pub fn of_store(store: &dyn Store) -> Result<Projector, ProjectError> {
        let snap = store.snapshot()?;
        let h = rebuild(&*snap, snap.size())?;
        Ok(Projector::from_history(h))
    }

    /// Opens projections for a data directory's store, using and refreshing its snapshot
    /// (`datadir::snapshots`: the store's own, else the directory's `snapshots/`): a new one is
    /// written when at least `SNAPSHOT_EVERY` entries were folded, or one was passed over.
    pub fn open_cached(
        store: &dyn Store,
        dir: &std::path::Path,
    ) -> Result<(Projector, Opened), ProjectError> {
        let snaps = crate::datadir::snapshots(dir, store).store;
        let snap = store.snapshot()?;
        let (h, opened) = load(&*snap, Some(&*snaps))?;
        // A snapshot that was refused is replaced, so the warning is given once.
        if opened.folded >= SNAPSHOT_EVERY || opened.discarded.is_some() {
            let at = at(&*snap, h.size())?;
            // The snapshot is a cache: failing to write it only costs time next run.
            let _ = save_snapshot(&*snaps, &h, at);
        }
        // Earlier releases kept their own format in the directory itself: never read now.
        let _ = std::fs::remove_file(dir.join(OLD_SNAPSHOT_FILE));
        let mut p = Projector::from_history(h);
        p.opened = Some(Arc::new(opened.clone()));
        Ok((p, opened))
    }

    pub fn from_history(h: History) -> Projector {
        Projector {
            history: Arc::new(RwLock::new(h)),
            follow: None,
            opened: None,
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

/// Fold at least this many entries from the store, at open, before a new snapshot is worth
/// writing at once (a smaller gap costs less to fold again than to write).
pub const SNAPSHOT_EVERY: u64 = 10_000;

/// The version of the projections snapshot's body (`projection::History` in MessagePack with
/// named fields): the fold's version, raised whenever `History` changes shape.
fn projections_schema() -> Hash {
    snapshot::schema(Kind::Projections, FOLD_VERSION)
}

/// How the projections were opened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Opened {
    /// The size of the snapshot that was used, if one was.
    pub from_snapshot: Option<u64>,
    /// Why a snapshot that was present was not used.
    pub discarded: Option<String>,
    /// Entries folded after the snapshot (or from scratch).
    pub folded: u64,
}

/// A snapshot of `h` bound to `root`, its root at its size (`snapshot::encode`'s frame, kind
/// `Projections`). The body is written straight into the frame: one copy of it in memory.
pub fn encode_snapshot(h: &History, root: Hash) -> Result<Vec<u8>, String> {
    snapshot::encode_with(
        Kind::Projections,
        projections_schema(),
        h.size(),
        root,
        |out| rmp_serde::encode::write_named(out, h).map_err(|e| e.to_string()),
    )
}

/// Saves a snapshot of `h` taken at `at` (which must be `h`'s own size and root) under the
/// projections' name. The store writes it whole or not at all.
pub fn save_snapshot(snaps: &dyn SnapshotStore, h: &History, at: At) -> Result<(), String> {
    snaps.save_framed(
        Kind::Projections.name(),
        frame(h, at),
        Box::new(|w| write_body(w, h)),
    )
}

/// The header of a projections snapshot of `h` at `at`.
fn frame(h: &History, at: At) -> snapshot::Frame {
    snapshot::Frame {
        kind: Kind::Projections,
        schema: projections_schema(),
        size: h.size(),
        root: at.root,
    }
}

fn write_body(w: &mut dyn std::io::Write, h: &History) -> Result<(), String> {
    rmp_serde::encode::write_named(w, h).map_err(|e| e.to_string())
}

/// Saves a snapshot of the projections behind `history` as they are: encoded under the read
/// lock (readers go on reading), which is released once the body is written, before the
/// snapshot is made durable. Returns the time the lock was held.
fn save_locked(
    history: &RwLock<History>,
    store: &dyn Store,
    snaps: &dyn SnapshotStore,
) -> (Duration, Result<(), String>) {
    let t = Instant::now();
    let h = history.read().unwrap_or_else(|e| e.into_inner());
    let at = match store
        .snapshot()
        .map_err(|e| e.to_string())
        .and_then(|snap| at(&*snap, h.size()).map_err(|e| e.to_string()))
    {
        Ok(at) => at,
        Err(e) => return (t.elapsed(), Err(e)),
    };
    let frame = frame(&h, at);
    let held = std::cell::Cell::new(None);
    let held_ref = &held;
    let saved = snaps.save_framed(
        Kind::Projections.name(),
        frame,
        Box::new(move |w| {
            let r = write_body(w, &h);
            drop(h);
            held_ref.set(Some(t.elapsed()));
            r
        }),
    );
    (held.get().unwrap_or_else(|| t.elapsed()), saved)
}

/// How many snapshots opening tries, newest first, before it rebuilds from every entry.
const MAX_SNAPSHOTS_TRIED: usize = 4;

/// Loads the projections of the ledger read through `snap`: from the newest snapshot in
/// `snaps` that checks against it (`snapshot::check`: schema, digest, and the ledger's root at
/// its size), folding only the entries after it; else from every entry. A snapshot that does
/// not check is passed over (its reason kept in `Opened::discarded`), never trusted.
pub fn load(
    snap: &dyn Snapshot,
    snaps: Option<&dyn SnapshotStore>,
) -> Result<(History, Opened), ProjectError> {
    let size = snap.size();
    let mut discarded = None;
    if let Some(snaps) = snaps {
        for skip in 0..MAX_SNAPSHOTS_TRIED {
            let mut read = None;
            let loaded = snaps.load_checked(
                Kind::Projections.name(),
                skip,
                Kind::Projections,
                projections_schema(),
                snap,
                &mut |size, body| {
                    read = Some(decode_body(size, body)?);
                    Ok(())
                },
            );
            match (loaded, read) {
                (Ok(snapshot::Loaded::Read), Some(mut h)) => {
                    let from = h.size();
                    extend(&mut h, snap, size)?;
                    return Ok((
                        h,
                        Opened {
                            from_snapshot: Some(from),
                            discarded,
                            folded: size - from,
                        },
                    ));
                }
                (Ok(snapshot::Loaded::None), _) => break,
                (Ok(snapshot::Loaded::PassedOver(why)), _) => {
                    discarded.get_or_insert(why);
                }
                (Ok(snapshot::Loaded::Read), None) => {
                    discarded.get_or_insert("it was not read".into());
                }
                (Err(e), _) => {
                    discarded.get_or_insert(e);
                    break;
                }
            }
        }
    }
    let h = rebuild(snap, size)?;
    Ok((
        h,
        Opened {
            from_snapshot: None,
            discarded,
            folded: size,
        },
    ))
}

/// Decodes a checked projections snapshot's body, of the first `size` entries.
fn decode_body(size: u64, body: &mut dyn std::io::Read) -> Result<History, String> {
    let h: History = rmp_serde::from_read(body).map_err(|e| format!("it does not decode: {e}"))?;
    if h.size() != size {
        return Err(format!(
            "it holds projections of {} entries, its header says {size}",
            h.size()
        ));
    }
    Ok(h.restored())
}

/// Writes snapshots of live projections: every `Snapshots::projections_every` entries folded,
/// in the background, and when the ledger closes, so the next server to open it folds nothing.
/// Encoding holds the read lock (readers go on reading; the follower waits for it, and a reader
/// waiting for the newest entries with it), so the next snapshot waits at least
/// `QUIET_FACTOR` times as long as the last one took to encode: at most about 1% of the
/// follower's time goes to snapshots, however large the projections grow.
struct Saver {
    history: Arc<RwLock<History>>,
    store: Arc<dyn Store>,
    snaps: Snapshots,
    /// The size of the last snapshot written (or loaded).
    saved: u64,
    /// A background write is under way: the next is skipped until it is done.
    busy: Arc<AtomicBool>,
    /// No background write starts before this (set after each encoding).
    not_before: Arc<Mutex<Instant>>,
}

/// How many times its encoding time a snapshot of the projections waits before the next.
const QUIET_FACTOR: u32 = 100;

impl Saver {
    fn new(
        history: Arc<RwLock<History>>,
        store: Arc<dyn Store>,
        snaps: Snapshots,
        saved: u64,
    ) -> Saver {
        Saver {
            history,
            store,
            snaps,
            saved,
            busy: Arc::new(AtomicBool::new(false)),
            not_before: Arc::new(Mutex::new(Instant::now())),
        }
    }

    fn save_in_background(&mut self, size: u64) {
        if self
            .busy
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return;
        }
        self.saved = size;
        let (history, store, snaps, busy, not_before) = (
            Arc::clone(&self.history),
            Arc::clone(&self.store),
            Arc::clone(&self.snaps.store),
            Arc::clone(&self.busy),
            Arc::clone(&self.not_before),
        );
        let spawned = std::thread::Builder::new()
            .name("kordon-projections-snapshot".into())
            .spawn(move || {
                let (took, written) = save_locked(&history, &*store, &*snaps);
                *not_before.lock().unwrap_or_else(|e| e.into_inner()) =
                    Instant::now() + took * QUIET_FACTOR;
                if let Err(e) = written {
                    // A snapshot is a cache: failing costs only folding time at the next open.
                    tracing::warn!(error = %e, "cannot write a snapshot of the projections");
                }
                busy.store(false, Ordering::Release);
            });
        if spawned.is_err() {
            self.busy.store(false, Ordering::Release);
        }
    }

    /// After the follower folded up to `size`.
    fn folded(&mut self, size: u64) {
        if size >= self.saved + self.snaps.projections_every.max(1)
            && Instant::now() >= *self.not_before.lock().unwrap_or_else(|e| e.into_inner())
        {
            self.save_in_background(size);
        }
    }
}

impl Drop for Saver {
    fn drop(&mut self) {
        // The ledger closes: after a background write (so an older snapshot never lands over
        // this one), the projections as they end.
        let until = Instant::now() + Duration::from_secs(120);
        while self.busy.load(Ordering::Acquire) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        let size = self
            .history
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .size();
        if !self.snaps.on_close || size <= self.saved {
            return;
        }
        let (_, written) = save_locked(&self.history, &*self.store, &*self.snaps.store);
        if let Err(e) = written {
            tracing::warn!(error = %e, size, "cannot write a snapshot of the projections");
        }
    }
}

/// Where releases before the snapshots of `crate::snapshot` kept the projections' snapshot, in
/// the data directory itself (format `kordon-projections/v2`): removed when found.
const OLD_SNAPSHOT_FILE: &str = "projections.snap";
