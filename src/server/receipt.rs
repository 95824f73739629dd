//! Building receipts from the store; the format and its offline check are
//! `kordon_core::receipt` (a verifier needs no server to check one).

pub use crate::core::receipt::*;

use crate::core::checkpoint::{self, Checkpoint};
use crate::core::entry::{self, EntryRef};
use crate::proof::{self, ProofRequestError};
use crate::store::{Nodes, Snapshot, StoreError};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::Deserialize;

/// Builds the receipt of entry `seq` against the signed checkpoint `cp` (which must cover it),
/// reading the entry and the proof from `snap`.
pub fn build(
    snap: &dyn Snapshot,
    seq: u64,
    cp: &str,
    vkey: &str,
) -> Result<Receipt, ReceiptBuildError> {
    let parsed = checkpoint::parse_unverified(cp.as_bytes())
        .map_err(|e| ReceiptBuildError::Checkpoint(e.to_string()))?;
    build_parsed(snap, seq, cp, &parsed, vkey)
}

/// The event id inside entry bytes, without the full (canonical-form) parse: the entry was
/// judged when it was appended.
fn event_id(entry: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Id<'a> {
        #[serde(borrow)]
        id: std::borrow::Cow<'a, str>,
    }
    EntryRef::decode(entry)
        .ok()
        .and_then(|e| serde_json::from_slice::<Id<'_>>(e.event).ok())
        .map(|i| i.id.into_owned())
        .unwrap_or_default()
}

/// `build` with the checkpoint already parsed (`cp` is its signed note, `parsed` its fields).
pub fn build_parsed(
    snap: &dyn Snapshot,
    seq: u64,
    cp: &str,
    parsed: &Checkpoint,
    vkey: &str,
) -> Result<Receipt, ReceiptBuildError> {
    let not_covered = ReceiptBuildError::NotCovered {
        seq,
        size: parsed.size,
    };
    if seq >= parsed.size {
        return Err(not_covered);
    }
    let proof = proof::inclusion_path(&Nodes(snap), snap.size(), seq, parsed.size).map_err(
        |e| match e {
            ProofRequestError::Store(s) => ReceiptBuildError::Store(s),
            _ => not_covered,
        },
    )?;
    let bytes = snap
        .entries(seq, seq + 1)?
        .pop()
        .ok_or(StoreError::Missing(seq))?;
    let event_id = event_id(&bytes);
    Ok(Receipt {
        receipt: FORMAT.into(),
        origin: parsed.origin.clone(),
        seq,
        event_id,
        leaf_hash: entry::entry_hash(&bytes).to_hex(),
        entry: BASE64.encode(&bytes),
        verifier_key: vkey.to_string(),
        tlog_proof: TlogProof {
            extra: None,
            index: seq,
            proof,
            checkpoint: cp.to_string(),
        }
        .to_text(),
        upgraded_from: None,
    })
}

/// The receipt of an entry the ledger has just recorded, from its answer alone: the entry's
/// bytes, and the inclusion proof computed from the commit's own tree nodes (no store read).
pub fn from_ledger(r: &crate::ledger::Receipt, vkey: &str) -> Result<Receipt, String> {
    // A checkpoint's first line is its origin (C2SP tlog-checkpoint).
    let origin = r.checkpoint.lines().next().unwrap_or_default().to_string();
    Ok(Receipt {
        receipt: FORMAT.into(),
        origin,
        seq: r.seq,
        event_id: r.event_id().to_string(),
        leaf_hash: r.leaf.to_hex(),
        entry: BASE64.encode(r.entry()),
        verifier_key: vkey.to_string(),
        tlog_proof: TlogProof {
            extra: None,
            index: r.seq,
            proof: r.inclusion_proof()?,
            checkpoint: r.checkpoint.to_string(),
        }
        .to_text(),
        upgraded_from: None,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ReceiptBuildError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the checkpoint of size {size} does not cover entry {seq}")]
    NotCovered { seq: u64, size: u64 },
    #[error("checkpoint: {0}")]
    Checkpoint(String),
}
