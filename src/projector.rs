//! Keeps the projections current: rebuilt from the store at start (or loaded from a snapshot
//! that matches the ledger), then fed every commit by `Ledger::subscribe`.

use crate::core::entry::EntryRef;
use crate::core::event;
use crate::core::hash::Hash;
use crate::core::merkle;
use crate::core::projection::History;
use crate::ledger::Ledger;
use crate::store::{Nodes, Snapshot, Store, StoreError};
use rayon::prelude::*;
use std::sync::{Arc, RwLock, RwLockReadGuard};

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

/// Folds entries `h.size()..size` of a snapshot into `h`.
pub fn extend(h: &mut History, snap: &dyn Snapshot, size: u64) -> Result<(), ProjectError> {
    let mut start = h.size();
    while start < size {
        let end = (start + 8192).min(size);
        let parsed: Vec<_> = snap
            .entries(start, end)?
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
                Ok((e.recorded_at, ev))
            })
            .collect::<Result<_, ProjectError>>()?;
        for (at, ev) in &parsed {
            h.apply(*at, ev);
        }
        start = end;
    }
    Ok(())
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

/// Live projections over a ledger.
#[derive(Clone)]
pub struct Projector {
    history: Arc<RwLock<History>>,
}

impl Projector {
    /// Rebuilds from the ledger's store and follows its commits.
    pub fn follow(ledger: &Ledger) -> Result<Projector, ProjectError> {
        let p = Projector {
            history: Arc::new(RwLock::new(History::new())),
        };
        // Hold the history while subscribing and catching up: a commit that lands meanwhile
        // waits for the lock, then applies only the entries the catch-up did not fold.
        let mut h = p.history.write().unwrap_or_else(|e| e.into_inner());
        let h2 = p.history.clone();
        ledger.subscribe(move |c| {
            let mut h = h2.write().unwrap_or_else(|e| e.into_inner());
            for e in c.entries {
                if e.seq == h.size() {
                    h.apply(e.recorded_at, &e.event);
                }
            }
        });
        let snap = ledger.store().snapshot()?;
        extend(&mut h, &*snap, snap.size())?;
        drop(h);
        Ok(p)
    }

    /// Builds projections of a store that no writer is appending to.
    pub fn of_store(store: &dyn Store) -> Result<Projector, ProjectError> {
        let snap = store.snapshot()?;
        let h = rebuild(&*snap, snap.size())?;
        Ok(Projector {
            history: Arc::new(RwLock::new(h)),
        })
    }

    pub fn read(&self) -> RwLockReadGuard<'_, History> {
        self.history.read().unwrap_or_else(|e| e.into_inner())
    }
}
