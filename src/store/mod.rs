//! Durable storage of entries, tree nodes and the latest checkpoint behind one narrow trait.
//!
//! A store knows nothing of events, signatures or rules: it keeps bytes at sequence numbers.
//! Every backend runs the same conformance suite (`conformance::run_all`).
//!
//! Backends are registered in [`BACKENDS`] and opened by address with [`open`]:
//! `postgres://…` (or `postgresql://…`), `redb:PATH`, `log:DIR`, `memory:`, or a plain path (a redb
//! file). Adding a backend is its file (with its `BACKEND`), its line in `BACKENDS` and its
//! line in the conformance suite (tests/it/store_conformance.rs, which fails for a registered
//! backend it does not run).

pub mod conformance;
pub mod fs;
pub mod log;
pub mod memory;
pub mod postgres;
pub mod redb;

use crate::core::hash::Hash;
use crate::core::merkle::{NodeId, NodeReader};
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A store address `open` cannot open: an unknown scheme, or a malformed rest.
    #[error("store {address:?}: {why}")]
    Address { address: String, why: String },
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
    /// The append's commit got no clear answer and the store could not find out whether it
    /// landed: the batch may be durable or not. Only stores reached over a network say this.
    #[error("the outcome of the append is unknown: {0}")]
    Unknown(String),
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
    /// For stores that other processes write too: blocks until the store may hold more than
    /// `size` entries, or `timeout` passed, and returns the size it heard of (a wake-up, not a
    /// promise: read a snapshot for the truth). `Ok(None)`, at once: no other process writes
    /// this store, there is nothing to follow (the default).
    fn wait_for_growth(
        &self,
        size: u64,
        timeout: std::time::Duration,
    ) -> Result<Option<u64>, StoreError> {
        let _ = (size, timeout);
        Ok(None)
    }
    /// Where the store keeps snapshots of state derived from its entries itself, for every
    /// process that opens it (PostgreSQL: rows beside the entries). `None` (the default): the
    /// data directory keeps them (`snapshots/`).
    fn snapshot_store(&self) -> Option<Arc<dyn crate::snapshot::SnapshotStore>> {
        None
    }
}

/// A shared store is a store: `Arc<dyn Store>` goes wherever a `&dyn Store` does.
impl<S: Store + ?Sized> Store for Arc<S> {
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
    fn wait_for_growth(
        &self,
        size: u64,
        timeout: std::time::Duration,
    ) -> Result<Option<u64>, StoreError> {
        (**self).wait_for_growth(size, timeout)
    }
    fn snapshot_store(&self) -> Option<Arc<dyn crate::snapshot::SnapshotStore>> {
        (**self).snapshot_store()
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

/// A storage backend, found by the scheme of a store's address (`SCHEME:REST`).
pub struct Backend {
    /// The scheme, e.g. `redb` in `redb:ledger.redb`.
    pub scheme: &'static str,
    /// Other schemes that name the same backend, e.g. `postgresql` for `postgres`.
    pub also: &'static [&'static str],
    /// What follows the colon, for help texts: e.g. `PATH`.
    pub rest: &'static str,
    /// Whether what follows the colon is a path on this machine (a data directory remembers
    /// it made absolute: `datadir::remembered`).
    pub is_path: bool,
    /// One line for help texts.
    pub about: &'static str,
    /// Opens (or creates) the store an address names.
    pub open: OpenFn,
}

/// How a backend opens the store an address names: `(rest, address)`, `rest` being what
/// follows the scheme's colon. An error must not repeat a URL's password: name the address
/// with [`shown`].
pub type OpenFn = fn(&str, &str) -> Result<Arc<dyn Store>, StoreError>;

/// Every backend `open` knows.
pub const BACKENDS: &[Backend] = &[
    redb::BACKEND,
    log::BACKEND,
    memory::BACKEND,
    postgres::BACKEND,
];

/// The scheme of a plain path.
pub const DEFAULT_SCHEME: &str = "redb";

/// Opens the store at `address`: `SCHEME:REST` for a backend in [`BACKENDS`]
/// (`postgres://USER@HOST/DB`, `redb:PATH`, `memory:`), or a plain path, which is a redb file
/// (created if missing).
pub fn open(address: &str) -> Result<Arc<dyn Store>, StoreError> {
    let (backend, rest) = resolve(address)?;
    (backend.open)(rest, address)
}

/// The backend an address names, and what follows its scheme.
pub fn resolve(address: &str) -> Result<(&'static Backend, &str), StoreError> {
    let bad = |why: String| StoreError::Address {
        address: shown(address),
        why,
    };
    let scheme_like = |s: &str| {
        s.len() >= 2
            && s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    };
    let default = || {
        BACKENDS
            .iter()
            .find(|b| b.scheme == DEFAULT_SCHEME)
            .ok_or_else(|| bad(format!("no {DEFAULT_SCHEME} backend")))
    };
    match address.split_once(':') {
        Some((scheme, rest)) if scheme_like(scheme) => BACKENDS
            .iter()
            .find(|b| {
                std::iter::once(&b.scheme)
                    .chain(b.also)
                    .any(|s| s.eq_ignore_ascii_case(scheme))
            })
            .map(|b| (b, rest))
            .ok_or_else(|| {
                bad(format!(
                    "kordon has no {scheme:?} store; it knows {}, or a plain path (a redb file; \
                     write ./{} for a file whose name has a colon)",
                    known(),
                    shown(address)
                ))
            }),
        _ if address.is_empty() => Err(bad(format!("give a path or an address ({})", known()))),
        _ => Ok((default()?, address)),
    }
}

/// The registered address forms, e.g. `redb:PATH, memory:`.
pub fn known() -> String {
    BACKENDS
        .iter()
        .map(|b| format!("{}:{}", b.scheme, b.rest))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An address as errors and logs may show it: a URL (`SCHEME://…`) without its password and
/// its query (which may hold one, as `password=`); any other address as it is.
pub fn shown(address: &str) -> String {
    let Some((scheme, rest)) = address.split_once("://") else {
        return address.to_string();
    };
    let rest = rest.split_once('?').map_or(rest, |(r, _)| r);
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let authority = match authority.rsplit_once('@') {
        Some((user, hosts)) => {
            let user = user.split_once(':').map_or(user, |(u, _)| u);
            format!("{user}@{hosts}")
        }
        None => authority.to_string(),
    };
    let query = if rest.len() < address.len() - scheme.len() - 3 {
        "?…"
    } else {
        ""
    };
    if path.is_empty() && !rest.contains('/') {
        format!("{scheme}://{authority}{query}")
    } else {
        format!("{scheme}://{authority}/{path}{query}")
    }
}
