//! Binding what a read serves to the checkpoint it cites.
//!
//! The store is a file anyone with access to the disk can change. Three checks keep a damaged
//! or edited `ledger.redb` from producing an answer that looks right:
//!
//! 1. every entry read is checked against the leaf hash stored beside it (`store::redb`);
//! 2. on open, the stored checkpoint's signature is checked with the ledger key named in the
//!    genesis, and the stored tree nodes must lead to its root (`check_head`);
//! 3. a reader of a whole range (projections, exports) recomputes the Merkle tree over the
//!    entries it reads and compares the root with the signed one (`Binder`): so every entry it
//!    served is bound to the signed root, at the cost of one hash per entry. On a mismatch it
//!    finds and names the first entry whose leaf or subtree differs from what is stored.

use crate::core::checkpoint;
use crate::core::entry;
use crate::core::hash::Hash;
use crate::core::merkle::{self, Frontier};
use crate::core::note::NoteVerifier;
use crate::store::{Nodes, Snapshot, StoreError};

/// Checks the snapshot's stored checkpoint: signed by `vkey`, of the snapshot's size, and the
/// root of the stored tree. Returns its root.
pub fn check_head(snap: &dyn Snapshot, vkey: &str) -> Result<Hash, StoreError> {
    let Some(cp) = snap.checkpoint()? else {
        if snap.size() == 0 {
            return Ok(merkle::empty_root());
        }
        return Err(StoreError::Corrupt(format!(
            "the ledger holds {} entries but no checkpoint",
            snap.size()
        )));
    };
    let verifier = NoteVerifier::parse(vkey)
        .map_err(|e| StoreError::Corrupt(format!("the genesis's ledger key {vkey:?}: {e}")))?;
    let c = checkpoint::open(cp.as_bytes(), &verifier).map_err(|e| {
        StoreError::Corrupt(format!(
            "the stored checkpoint does not verify with the ledger's key: {e}"
        ))
    })?;
    if c.size != snap.size() {
        return Err(StoreError::Corrupt(format!(
            "the stored checkpoint is of {} entries, the store holds {}",
            c.size,
            snap.size()
        )));
    }
    let root = merkle::root_at(&Nodes(snap), c.size)?;
    if root != c.root {
        return Err(StoreError::Corrupt(format!(
            "the stored tree's root at {} entries is not the signed checkpoint's",
            c.size
        )));
    }
    Ok(c.root)
}

/// The root of the snapshot's stored checkpoint, if it covers exactly `size` entries.
pub fn signed_root(snap: &dyn Snapshot, size: u64) -> Result<Option<Hash>, StoreError> {
    let Some(cp) = snap.checkpoint()? else {
        return Ok((size == 0).then(merkle::empty_root));
    };
    let c = checkpoint::parse_unverified(cp.as_bytes())
        .map_err(|e| StoreError::Corrupt(format!("the stored checkpoint: {e}")))?;
    Ok((c.size == size).then_some(c.root))
}

/// Recomputes the tree over entries read in order, to bind them to a signed root.
pub struct Binder {
    start: u64,
    frontier: Frontier,
    scratch: Vec<(merkle::NodeId, Hash)>,
}

impl Binder {
    /// Starts after the first `start` entries (whose subtrees are read from the store).
    pub fn new(snap: &dyn Snapshot, start: u64) -> Result<Binder, StoreError> {
        Ok(Binder {
            start,
            frontier: Frontier::from_reader(&Nodes(snap), start)?,
            scratch: Vec::new(),
        })
    }

    /// The next entry's bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.push_leaf(entry::entry_hash(bytes));
    }

    /// The next entry's leaf hash.
    pub fn push_leaf(&mut self, leaf: Hash) {
        self.scratch.clear();
        self.frontier.push(leaf, &mut self.scratch);
    }

    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    /// Compares the recomputed root with `root` (the signed checkpoint's, at this size). On a
    /// mismatch, names the first entry that differs from the stored tree.
    pub fn finish(&self, snap: &dyn Snapshot, root: &Hash) -> Result<(), StoreError> {
        if self.frontier.root() == *root {
            return Ok(());
        }
        Err(StoreError::Corrupt(locate(snap, self.start, self.size())))
    }
}

/// Finds the first entry of `start..end` whose bytes or subtree differ from the stored tree.
fn locate(snap: &dyn Snapshot, start: u64, end: u64) -> String {
    let Ok(mut f) = Frontier::from_reader(&Nodes(snap), start) else {
        return format!("entries {start}..{end} do not lead to the signed root");
    };
    let mut done = Vec::new();
    let mut seq = start;
    while seq < end {
        let stop = (seq + 1024).min(end);
        let Ok(entries) = snap.entries(seq, stop) else {
            return format!("entry {seq} cannot be read");
        };
        for bytes in entries {
            let leaf = entry::entry_hash(&bytes);
            let stored = snap.node(merkle::NodeId {
                level: 0,
                index: seq,
            });
            if stored.ok() != Some(leaf) {
                return format!("entry {seq} does not match its stored leaf hash");
            }
            done.clear();
            f.push(leaf, &mut done);
            for (id, h) in &done {
                if snap.node(*id).ok() != Some(*h) {
                    return format!(
                        "entry {seq} does not match the stored tree (the subtree of entries {}..{})",
                        id.index << id.level,
                        (id.index + 1) << id.level
                    );
                }
            }
            seq += 1;
        }
    }
    format!("entries {start}..{end} do not lead to the signed root")
}
