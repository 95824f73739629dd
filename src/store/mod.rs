//! Durable storage of entries, tree nodes and the latest checkpoint behind one narrow trait.
//!
//! A store knows nothing of events, signatures or rules: it keeps bytes at sequence numbers.
//! Every backend runs the same conformance suite (`conformance::run_all`).

pub mod conformance;
pub mod fs;
pub mod log;
pub mod memory;
pub mod redb;

use crate::core::hash::Hash;
use crate::core::merkle::{NodeId, NodeReader};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer appended first: the caller's view of the ledger is stale.
    #[error("append expected the ledger to hold {expected} entries, it holds {actual}")]
    Conflict { expected: u64, actual: u64 },
    #[error("entry {0} is not in the ledger")]
    Missing(u64),
    #[error("tree node {0:?} is not stored")]
    MissingNode(NodeId),
    /// The batch carries an event id the store already holds (or holds twice); nothing was
    /// written. The appender's rules refuse replays first, so this is a last line of defence.
    #[error("event id {0} is already stored")]
    DuplicateEvent(String),
    #[error("storage: {0}")]
    Backend(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// One entry to append: its bytes, its leaf hash and the event id it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub bytes: Vec<u8>,
    pub leaf: Hash,
    pub event_id: String,
}

/// A batch to append atomically: the entries, the interior tree nodes they complete, and the
/// signed checkpoint of the tree after them.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    pub expected_size: u64,
    pub entries: &'a [NewEntry],
    pub nodes: &'a [(NodeId, Hash)],
    pub checkpoint: &'a str,
}

/// The storage contract.
///
/// - `append` is atomic and durable: when it returns `Ok`, every entry of the batch survives a
///   crash or power cut; when it returns `Err`, none of them was written.
/// - `append` refuses a batch unless the store holds exactly `expected_size` entries, so two
///   writers can never fork the chain.
/// - A snapshot is a consistent, immutable view: appends after it was taken are invisible to it.
/// - After `append` failed for any reason but `Conflict`, the store may refuse everything until
///   `recover` has succeeded; `recover` brings it back to what is durable (reopening files),
///   without losing or inventing an entry. The appender calls it after every failed append.
pub trait Store: Send + Sync {
    fn append(&self, batch: Batch<'_>) -> Result<(), StoreError>;
    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StoreError>;
    /// Makes the store usable again after a failed append (default: nothing to do).
    fn recover(&self) -> Result<(), StoreError> {
        Ok(())
    }
    /// Whether the store keeps a local index of event ids by fingerprint that answers
    /// `seq_of_fingerprint` quickly (default: no). The appender's rules then look old ids up in
    /// it instead of keeping one per entry in memory.
    fn has_fingerprint_index(&self) -> bool {
        false
    }
    /// The sequence number of the entry whose event id has `fp` as its fingerprint (the first
    /// 16 bytes of its SHA-256, big-endian), among every entry appended so far.
    fn seq_of_fingerprint(&self, fp: u128) -> Result<Option<u64>, StoreError> {
        let _ = fp;
        Err(StoreError::Backend(
            "this store keeps no index of event ids".into(),
        ))
    }
}

/// A boxed store is a store (what `datadir::open_store` returns goes wherever a store does).
impl<S: Store + ?Sized> Store for Box<S> {
    fn append(&self, batch: Batch<'_>) -> Result<(), StoreError> {
        (**self).append(batch)
    }
    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StoreError> {
        (**self).snapshot()
    }
    fn recover(&self) -> Result<(), StoreError> {
        (**self).recover()
    }
    fn has_fingerprint_index(&self) -> bool {
        (**self).has_fingerprint_index()
    }
    fn seq_of_fingerprint(&self, fp: u128) -> Result<Option<u64>, StoreError> {
        (**self).seq_of_fingerprint(fp)
    }
}

/// A consistent read view of a store.
pub trait Snapshot {
    /// Number of entries.
    fn size(&self) -> u64;
    /// Entry bytes for sequence numbers `start..end`, in order; `end <= size`.
    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError>;
    /// The hash of a node of a complete subtree; level 0 is an entry's leaf hash.
    fn node(&self, id: NodeId) -> Result<Hash, StoreError>;
    /// The sequence number of the entry that carries event `id`.
    fn seq_of_event(&self, id: &str) -> Result<Option<u64>, StoreError>;
    /// The latest signed checkpoint (a C2SP signed note), if any entry was appended.
    fn checkpoint(&self) -> Result<Option<String>, StoreError>;
}

/// Adapts a snapshot to the Merkle module's reader.
pub struct Nodes<'a>(pub &'a dyn Snapshot);

impl NodeReader for Nodes<'_> {
    type Error = StoreError;
    fn node(&self, id: NodeId) -> Result<Hash, StoreError> {
        self.0.node(id)
    }
}

/// The key of an interior node in stores that keep nodes in one ordered map: the level in the
/// top byte, the index in the low 56 bits (2^56 leaves is far beyond any ledger).
pub fn node_key(id: NodeId) -> u64 {
    ((id.level as u64) << 56) | (id.index & ((1u64 << 56) - 1))
}

/// True if node `id` is a complete subtree of a tree of `size` leaves.
pub fn node_within(id: NodeId, size: u64) -> bool {
    // The node covers leaves [index · 2^level, (index + 1) · 2^level).
    let end = 1u64
        .checked_shl(id.level as u32)
        .and_then(|w| id.index.checked_add(1)?.checked_mul(w));
    end.is_some_and(|e| e <= size)
}
