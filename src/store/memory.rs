//! An in-memory store: the reference backend for tests. Nothing survives the process.

use super::*;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

#[derive(Default)]
struct Inner {
    entries: Vec<(Hash, Vec<u8>)>,
    nodes: HashMap<u64, Hash>,
    ids: HashMap<String, u64>,
    checkpoints: Vec<(u64, String)>,
}

/// An in-memory store. Clones share the same data.
#[derive(Clone, Default)]
pub struct MemoryStore {
    inner: Arc<RwLock<Inner>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn read(&self) -> Result<std::sync::RwLockReadGuard<'_, Inner>, StoreError> {
        self.inner
            .read()
            .map_err(|_| StoreError::Backend("lock poisoned".into()))
    }
}

impl Store for MemoryStore {
    fn append(&self, batch: Batch<'_>) -> Result<(), StoreError> {
        let mut g = self
            .inner
            .write()
            .map_err(|_| StoreError::Backend("lock poisoned".into()))?;
        let actual = g.entries.len() as u64;
        if actual != batch.expected_size {
            return Err(StoreError::Conflict {
                expected: batch.expected_size,
                actual,
            });
        }
        let mut fresh = std::collections::HashSet::new();
        for e in batch.entries {
            if g.ids.contains_key(&e.event_id) || !fresh.insert(e.event_id.as_str()) {
                return Err(StoreError::DuplicateEvent(e.event_id.clone()));
            }
        }
        for e in batch.entries {
            let seq = g.entries.len() as u64;
            g.ids.insert(e.event_id.clone(), seq);
            g.entries.push((e.leaf, e.bytes.clone()));
        }
        for (id, h) in batch.nodes {
            g.nodes.insert(node_key(*id), *h);
        }
        let size = g.entries.len() as u64;
        g.checkpoints.push((size, batch.checkpoint.to_string()));
        Ok(())
    }

    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StoreError> {
        let g = self.read()?;
        Ok(Box::new(MemorySnapshot {
            store: self.clone(),
            size: g.entries.len() as u64,
            checkpoint: g.checkpoints.last().map(|c| c.1.clone()),
        }))
    }
}

struct MemorySnapshot {
    store: MemoryStore,
    size: u64,
    checkpoint: Option<String>,
}

impl Snapshot for MemorySnapshot {
    fn size(&self) -> u64 {
        self.size
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        if end > self.size || start > end {
            return Err(StoreError::Missing(end.saturating_sub(1).max(start)));
        }
        let g = self.store.read()?;
        Ok(g.entries[start as usize..end as usize]
            .iter()
            .map(|(_, b)| b.clone())
            .collect())
    }

    fn node(&self, id: NodeId) -> Result<Hash, StoreError> {
        let g = self.store.read()?;
        if !node_within(id, self.size) {
            return Err(StoreError::MissingNode(id));
        }
        if id.level == 0 {
            return Ok(g.entries[id.index as usize].0);
        }
        g.nodes
            .get(&node_key(id))
            .copied()
            .ok_or(StoreError::MissingNode(id))
    }

    fn seq_of_event(&self, id: &str) -> Result<Option<u64>, StoreError> {
        let g = self.store.read()?;
        Ok(g.ids.get(id).copied().filter(|s| *s < self.size))
    }

    fn checkpoint(&self) -> Result<Option<String>, StoreError> {
        Ok(self.checkpoint.clone())
    }
}

/// `memory:`: an empty store in memory; nothing survives the process.
pub const BACKEND: Backend = Backend {
    scheme: "memory",
    also: &[],
    rest: "",
    is_path: false,
    about: "an empty store in memory, gone when the process ends (for tests)",
    open: |rest, address| {
        if !rest.is_empty() {
            return Err(StoreError::Address {
                address: shown(address),
                why: "memory: takes nothing after the colon".into(),
            });
        }
        Ok(Arc::new(MemoryStore::new()))
    },
};
