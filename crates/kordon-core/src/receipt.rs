//! Receipts: what a submitter keeps to prove, later and offline, that the ledger accepted its
//! record.
//!
//! A receipt is a JSON object:
//!
//! ```text
//! {
//!   "receipt": "kordon-receipt/v1",
//!   "origin": "kordon.example/ibm",
//!   "seq": 12,                      the entry's sequence number (its Merkle leaf index)
//!   "event_id": "...",
//!   "leaf_hash": "<hex>",           SHA-256(0x00 ‖ entry)
//!   "entry": "<base64>",            the entry's exact bytes (events/SPEC.md, "Entries")
//!   "verifier_key": "<vkey>",       the ledger's key as the server gave it
//!   "tlog_proof": "c2sp.org/tlog-proof@v1\nindex 12\n<hash>\n...\n\n<signed checkpoint>"
//! }
//! ```
//!
//! `tlog_proof` is a C2SP tlog-proof (<https://c2sp.org/tlog-proof>): the entry's index, the
//! RFC 6962 inclusion proof (one base64 hash a line, from the leaf's sibling up) and the signed
//! checkpoint that covers it, verbatim. Checking a receipt needs nothing but the receipt and the
//! ledger's verifier key: the leaf hash is recomputed from the entry bytes, the checkpoint's
//! signature is checked with the key, and the proof must lead from the leaf to its root.

use crate::chain;
use crate::checkpoint::{self, Checkpoint};
use crate::entry;
use crate::hash::Hash;
use crate::merkle;
use crate::note::NoteVerifier;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "kordon-receipt/v1";
pub const TLOG_PROOF_HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A receipt (see the module documentation for its fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Receipt {
    /// Always `kordon-receipt/v1`.
    pub receipt: String,
    pub origin: String,
    pub seq: u64,
    pub event_id: String,
    /// SHA-256(0x00 ‖ entry), hex.
    pub leaf_hash: String,
    /// The entry's exact bytes, standard base64.
    pub entry: String,
    /// The ledger's verifier key (C2SP vkey) as the server gave it; pin the published one.
    pub verifier_key: String,
    /// A C2SP tlog-proof: index, inclusion proof and the signed checkpoint that covers the entry.
    pub tlog_proof: String,
    /// Set by an upgrade (`kordon receipt upgrade`): the checkpoint of the receipt this one
    /// replaces, and the RFC 9162 consistency proof from it to this receipt's checkpoint, so the
    /// upgraded receipt still shows the ledger only grew since the first answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgraded_from: Option<Upgrade>,
}

/// What an upgraded receipt keeps of the receipt it replaced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct Upgrade {
    /// The earlier signed checkpoint, verbatim.
    pub checkpoint: String,
    /// Consistency proof hashes (base64), lowest node first, from the earlier checkpoint's
    /// size to this receipt's.
    pub consistency: Vec<String>,
}

/// A tlog-proof, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

impl TlogProof {
    pub fn to_text(&self) -> String {
        let mut s = String::from(TLOG_PROOF_HEADER);
        s.push('\n');
        if let Some(x) = &self.extra {
            s.push_str("extra ");
            s.push_str(&BASE64.encode(x));
            s.push('\n');
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.proof {
            s.push_str(&h.to_base64());
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    /// Parses the text strictly: the header, an optional `extra` line, `index N` without
    /// leading zeros, base64 hashes, an empty line, then the checkpoint.
    pub fn parse(text: &str) -> Result<TlogProof, ReceiptError> {
        let bad = |m: String| ReceiptError::Format(format!("tlog-proof: {m}"));
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no empty line before the checkpoint".into()))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(TLOG_PROOF_HEADER) {
            return Err(bad(format!("the first line must be {TLOG_PROOF_HEADER}")));
        }
        let mut line = lines.next();
        let mut extra = None;
        if let Some(x) = line.and_then(|l| l.strip_prefix("extra ")) {
            extra = Some(
                BASE64
                    .decode(x)
                    .map_err(|_| bad("the extra line is not base64".into()))?,
            );
            line = lines.next();
        }
        let index = line
            .and_then(|l| l.strip_prefix("index "))
            .ok_or_else(|| bad("missing the index line".into()))?;
        if index.is_empty()
            || !index.bytes().all(|b| b.is_ascii_digit())
            || (index.len() > 1 && index.starts_with('0'))
        {
            return Err(bad(format!("index {index:?} is not a decimal number")));
        }
        let index = index
            .parse()
            .map_err(|_| bad(format!("index {index:?} does not fit in 64 bits")))?;
        let proof = lines
            .map(|l| {
                Hash::from_base64(l)
                    .ok_or_else(|| bad(format!("proof line {l:?} is not a base64 SHA-256 hash")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TlogProof {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_string(),
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    #[error("not a kordon receipt: {0}")]
    Format(String),
    #[error("the verifier key is not valid: {0}")]
    Key(String),
    #[error("the checkpoint does not verify with {key}: {msg}")]
    Checkpoint { key: String, msg: String },
    #[error("{0}")]
    Mismatch(String),
    #[error("the inclusion proof does not lead from entry {seq} to the checkpoint's root: {msg}")]
    Proof { seq: u64, msg: String },
    #[error("[{code}] {msg}")]
    Witness { code: &'static str, msg: String },
    #[error("the upgrade: {0}")]
    Upgrade(String),
}

/// What a valid receipt proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub origin: String,
    pub seq: u64,
    pub event_id: String,
    pub kind: String,
    pub author: String,
    pub leaf: Hash,
    pub checkpoint: Checkpoint,
}

/// Checks a receipt offline with the ledger's verifier key (`None`: the key in the receipt,
/// which proves the receipt is consistent but not whose ledger it is).
pub fn verify(r: &Receipt, vkey: Option<&str>) -> Result<Verified, ReceiptError> {
    if r.receipt != FORMAT {
        return Err(ReceiptError::Format(format!(
            "\"receipt\" is {:?}, expected {FORMAT:?}",
            r.receipt
        )));
    }
    let key = vkey.unwrap_or(&r.verifier_key);
    let verifier = NoteVerifier::parse(key).map_err(|e| ReceiptError::Key(e.to_string()))?;
    let tp = TlogProof::parse(&r.tlog_proof)?;
    let cp = checkpoint::open(tp.checkpoint.as_bytes(), &verifier).map_err(|e| {
        ReceiptError::Checkpoint {
            key: key.to_string(),
            msg: e.to_string(),
        }
    })?;
    let bytes = BASE64
        .decode(&r.entry)
        .map_err(|_| ReceiptError::Format("\"entry\" is not base64".into()))?;
    let leaf = entry::entry_hash(&bytes);
    if leaf.to_hex() != r.leaf_hash {
        return Err(ReceiptError::Mismatch(format!(
            "the entry hashes to {leaf}, the receipt says {}",
            r.leaf_hash
        )));
    }
    let p = chain::prepare(bytes, r.seq)
        .map_err(|f| ReceiptError::Format(format!("the entry is not valid: {f}")))?;
    if p.seq != r.seq || tp.index != r.seq {
        return Err(ReceiptError::Mismatch(format!(
            "the receipt names entry {}, the entry says {} and the proof's index is {}",
            r.seq, p.seq, tp.index
        )));
    }
    if p.event.id.as_str() != r.event_id {
        return Err(ReceiptError::Mismatch(format!(
            "the receipt names event {}, the entry carries {}",
            r.event_id, p.event.id
        )));
    }
    if p.event.ledger != cp.origin || r.origin != cp.origin {
        return Err(ReceiptError::Mismatch(format!(
            "the event names ledger {}, the receipt {} and the checkpoint {}",
            p.event.ledger, r.origin, cp.origin
        )));
    }
    merkle::verify_inclusion(&leaf, r.seq, cp.size, &tp.proof, &cp.root).map_err(|e| {
        ReceiptError::Proof {
            seq: r.seq,
            msg: e.to_string(),
        }
    })?;
    if let Some(u) = &r.upgraded_from {
        let old = checkpoint::open(u.checkpoint.as_bytes(), &verifier).map_err(|e| {
            ReceiptError::Upgrade(format!("the earlier checkpoint does not verify: {e}"))
        })?;
        let proof = u
            .consistency
            .iter()
            .map(|h| {
                crate::hash::Hash::from_base64(h)
                    .ok_or_else(|| ReceiptError::Upgrade(format!("{h:?} is not a base64 hash")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        if old.size <= r.seq {
            return Err(ReceiptError::Upgrade(format!(
                "the earlier checkpoint (size {}) does not cover entry {}",
                old.size, r.seq
            )));
        }
        merkle::verify_consistency(old.size, cp.size, &old.root, &cp.root, &proof).map_err(
            |e| {
                ReceiptError::Upgrade(format!(
                    "the earlier checkpoint (size {}) is not a prefix of this one (size {}): {e}",
                    old.size, cp.size
                ))
            },
        )?;
    }
    Ok(Verified {
        origin: cp.origin.clone(),
        seq: r.seq,
        event_id: r.event_id.clone(),
        kind: p.event.kind().to_string(),
        author: p.event.author.to_string(),
        leaf,
        checkpoint: cp,
    })
}

/// The receipt made of a bare C2SP tlog-proof (as another log's tooling keeps it), the entry's
/// exact bytes given beside it, and the ledger's published verifier key: checked by `verify`
/// exactly as a receipt the server answered (SPEC.md §13.5). Refuses what is not a tlog-proof
/// or not an entry; whether they belong together is `verify`'s to say.
pub fn from_tlog_proof(
    tlog_proof: &str,
    entry_bytes: &[u8],
    vkey: &str,
) -> Result<Receipt, ReceiptError> {
    let tp = TlogProof::parse(tlog_proof)?;
    let p = chain::prepare(entry_bytes.to_vec(), tp.index)
        .map_err(|f| ReceiptError::Format(format!("the entry is not a kordon entry: {f}")))?;
    Ok(Receipt {
        receipt: FORMAT.to_string(),
        origin: p.event.ledger.to_string(),
        seq: tp.index,
        event_id: p.event.id.to_string(),
        leaf_hash: entry::entry_hash(entry_bytes).to_hex(),
        entry: BASE64.encode(entry_bytes),
        verifier_key: vkey.to_string(),
        tlog_proof: tlog_proof.to_string(),
        upgraded_from: None,
    })
}

/// Checks a receipt as `verify` does, and its checkpoint's cosignatures against a witness
/// policy (`witness.signature`, `witness.quorum`).
pub fn verify_witnessed(
    r: &Receipt,
    vkey: Option<&str>,
    policy: &crate::cosignature::Policy,
) -> Result<(Verified, Vec<crate::cosignature::Cosigned>), ReceiptError> {
    let v = verify(r, vkey)?;
    let tp = TlogProof::parse(&r.tlog_proof)?;
    let w = policy
        .check(tp.checkpoint.as_bytes())
        .map_err(|e| ReceiptError::Witness {
            code: e.code(),
            msg: e.to_string(),
        })?;
    Ok((v, w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlog_proof_text_round_trips() {
        let p = TlogProof {
            extra: Some(b"x".to_vec()),
            index: 73894,
            proof: vec![Hash([1; 32]), Hash([2; 32])],
            checkpoint: "example.com/log\n5\nAAAA\n\n— example.com/log abc=\n".into(),
        };
        let text = p.to_text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra eA==\nindex 73894\n"));
        assert_eq!(TlogProof::parse(&text), Ok(p));
        for bad in [
            "c2sp.org/tlog-proof@v1\nindex 01\n\ncp\n",
            "c2sp.org/tlog-proof@v2\nindex 1\n\ncp\n",
            "c2sp.org/tlog-proof@v1\nindex 1\nnot-base64\n\ncp\n",
            "c2sp.org/tlog-proof@v1\nindex 1\n",
        ] {
            assert!(TlogProof::parse(bad).is_err(), "{bad:?}");
        }
        let none = TlogProof::parse("c2sp.org/tlog-proof@v1\nindex 0\n\ncp\n").unwrap();
        assert!(none.proof.is_empty() && none.extra.is_none() && none.index == 0);
    }
}
