//! Moving a ledger between stores (redb → PostgreSQL and back): an export written into an
//! empty store entry by entry, the bytes unchanged, so that the new store exports as the very
//! same file.

use crate::core::chain;
use crate::core::checkpoint::{self, Checkpoint};
use crate::core::merkle::{self, Frontier};
use crate::core::note::NoteSigner;
use crate::export::{ExportError, ExportReader};
use crate::store::{Batch, NewEntry, Nodes, Store, StoreError};
use std::io::Read;

/// Entries written per store commit.
pub const IMPORT_BATCH: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The export does not belong to the ledger key given, or breaks.
    #[error("{0}")]
    Refused(String),
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Entries the store holds now (the export's size).
    pub size: u64,
    /// Entries the store already held (an import that stopped half-way and was run again).
    pub resumed_from: u64,
}

/// Writes the entries of an export into `store` as they are, with their tree nodes, in
/// commits of `IMPORT_BATCH` entries. Each commit but the last carries a checkpoint signed by
/// `signer`, the ledger's own key, so a store left half-way is a valid, shorter ledger; the last
/// carries the export's checkpoint itself, so the store exports as the same bytes. A store that
/// holds a prefix of the export (the same tree at its size) is continued; any other is refused.
///
/// Verify the export first (`verify::verify`): this checks only that the export's checkpoint is
/// signed by `signer` and that the entries build the tree it names.
pub fn import<R: Read>(
    reader: &mut ExportReader<R>,
    store: &dyn Store,
    signer: &NoteSigner,
) -> Result<Imported, ImportError> {
    let verifier = signer.verifier();
    if reader.vkey != verifier.to_vkey() {
        return Err(ImportError::Refused(format!(
            "the export is of the ledger with verifier key {}, but this ledger.key signs as {}",
            reader.vkey,
            verifier.to_vkey()
        )));
    }
    let final_cp = String::from_utf8(reader.checkpoint.clone())
        .map_err(|_| ImportError::Refused("the export's checkpoint is not UTF-8".into()))?;
    let target = checkpoint::open(final_cp.as_bytes(), &verifier).map_err(|e| {
        ImportError::Refused(format!("the export's checkpoint does not verify: {e}"))
    })?;
    let snap = store.snapshot()?;
    let held = snap.size();
    if held > target.size {
        return Err(ImportError::Refused(format!(
            "the store holds {held} entries, more than the export's {}",
            target.size
        )));
    }
    let held_root = merkle::root_at(&Nodes(&*snap), held)?;
    drop(snap);

    let mut frontier = Frontier::new();
    let mut entries: Vec<NewEntry> = Vec::with_capacity(IMPORT_BATCH);
    let mut nodes = Vec::new();
    let mut base = held;
    // One entry read ahead, so the last commit is known to be the last when it is made.
    let mut next = reader.next_entry()?;
    while let Some(bytes) = next {
        next = reader.next_entry()?;
        let end = next.is_none();
        let seq = frontier.size();
        let p = chain::prepare(bytes, seq).map_err(|f| {
            ImportError::Refused(format!("entry {seq} of the export is invalid: {f}"))
        })?;
        if seq < held {
            // Already in the store: only the tree is rebuilt.
            frontier.push(p.leaf, &mut Vec::new());
            if frontier.size() == held && frontier.root() != held_root {
                return Err(ImportError::Refused(format!(
                    "the store's {held} entries are not the export's first {held}"
                )));
            }
            continue;
        }
        frontier.push(p.leaf, &mut nodes);
        entries.push(NewEntry {
            leaf: p.leaf,
            event_id: p.event.id.to_string(),
            bytes: p.bytes,
        });
        if entries.len() < IMPORT_BATCH && !end {
            continue;
        }
        let size = frontier.size();
        let cp = if end {
            if size != target.size || frontier.root() != target.root {
                return Err(ImportError::Refused(format!(
                    "the export's {size} entries do not build the tree its checkpoint names \
                     (size {}, root {})",
                    target.size,
                    target.root.to_base64()
                )));
            }
            final_cp.clone()
        } else {
            Checkpoint {
                origin: target.origin.clone(),
                size,
                root: frontier.root(),
                extensions: Vec::new(),
            }
            .sign(signer)
            .map_err(|e| ImportError::Refused(format!("signing a checkpoint: {e}")))?
        };
        store.append(Batch {
            expected_size: base,
            entries: &entries,
            nodes: &nodes,
            checkpoint: &cp,
        })?;
        base = size;
        entries.clear();
        nodes.clear();
    }
    if frontier.size() != target.size || frontier.root() != target.root {
        return Err(ImportError::Refused(format!(
            "the export holds {} entries; its checkpoint names {}",
            frontier.size(),
            target.size
        )));
    }
    Ok(Imported {
        size: frontier.size(),
        resumed_from: held,
    })
}
