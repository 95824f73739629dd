//! The witness's judgement, pure: the C2SP tlog-witness `add-checkpoint` request, what a witness
//! answers to it given what it last cosigned, and fork evidence anyone can check
//! (SPEC.md §16, "Witnesses").
//!
//! <https://c2sp.org/tlog-witness> (C2SP @ 5ba5ee8), "add-checkpoint": the request body is an
//! old size line `old N`, zero to 63 consistency proof lines (one base64 hash each), an empty
//! line and the checkpoint (a signed note). The witness answers, in the specification's order:
//! 404 for an unknown origin; 403 when no trusted log signature verifies or a trusted line is
//! bad; 400 when the old size exceeds the checkpoint's; 409 with its own size when the old size
//! is not the size it last cosigned; 422 when a size-0 checkpoint has another root than the
//! empty tree's, when a proof is sent with old size 0, when the proof does not verify, or when
//! the sizes are equal and the roots are not; otherwise 200 and a cosignature. IO (keeping the
//! state durably, the clock, HTTP) is the caller's; this module only decides.

use crate::checkpoint::Checkpoint;
use crate::cosignature::{self, CosignatureVerifier};
use crate::hash::Hash;
use crate::merkle;
use crate::note::{self, NoteVerifier};
use serde::{Deserialize, Serialize};

/// "The client MUST NOT send more than 63 consistency proof lines."
pub const MAX_PROOF_LINES: usize = 63;

/// A parsed `add-checkpoint` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddCheckpoint {
    pub old_size: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint, verbatim.
    pub note: Vec<u8>,
}

impl AddCheckpoint {
    /// The request body: `old N\n`, each proof hash in base64 on its own line, `\n`, the note.
    pub fn to_body(&self) -> Vec<u8> {
        let mut b = format!("old {}\n", self.old_size).into_bytes();
        for h in &self.proof {
            b.extend_from_slice(h.to_base64().as_bytes());
            b.push(b'\n');
        }
        b.push(b'\n');
        b.extend_from_slice(&self.note);
        b
    }

    /// Parses a request body strictly: each line ends in a newline; the old size is decimal
    /// without leading zeros; at most 63 proof lines, each the canonical base64 of 32 bytes.
    pub fn parse(body: &[u8]) -> Result<AddCheckpoint, String> {
        let split = body
            .windows(2)
            .position(|w| w == b"\n\n")
            .ok_or("the request has no empty line before the checkpoint")?;
        let head = std::str::from_utf8(&body[..split])
            .map_err(|_| "the old size and proof lines are not UTF-8")?;
        let mut lines = head.split('\n');
        let old = lines
            .next()
            .and_then(|l| l.strip_prefix("old "))
            .ok_or("the first line must be \"old <size>\"")?;
        if old.is_empty()
            || !old.bytes().all(|b| b.is_ascii_digit())
            || (old.len() > 1 && old.starts_with('0'))
        {
            return Err(format!(
                "the old size {old:?} is not a decimal number without leading zeros"
            ));
        }
        let old_size = old
            .parse()
            .map_err(|_| format!("the old size {old} does not fit in 64 bits"))?;
        let mut proof = Vec::new();
        for (i, l) in lines.enumerate() {
            if i >= MAX_PROOF_LINES {
                return Err(format!(
                    "more than {MAX_PROOF_LINES} consistency proof lines"
                ));
            }
            proof.push(
                Hash::from_base64(l)
                    .ok_or_else(|| format!("proof line {} is not a base64 SHA-256 hash", i + 1))?,
            );
        }
        Ok(AddCheckpoint {
            old_size,
            proof,
            note: body[split + 2..].to_vec(),
        })
    }
}

/// A key a log signs its checkpoints with: an Ed25519 note key (type 0x01, as kordon's ledger
/// key), or a cosignature-type key (0x04 or 0x06), which tlog-checkpoint allows logs to use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogKey {
    Note(NoteVerifier),
    Cosignature(CosignatureVerifier),
}

impl LogKey {
    /// Parses a log's vkey of type 0x01, 0x04 or 0x06.
    pub fn parse(vkey: &str) -> Result<LogKey, String> {
        let parts = cosignature::split_vkey(vkey).map_err(|e| e.to_string())?;
        match parts.type_byte {
            note::ALG_ED25519 => NoteVerifier::parse(vkey)
                .map(LogKey::Note)
                .map_err(|e| e.to_string()),
            cosignature::TYPE_ED25519 | cosignature::TYPE_ML_DSA_44 => {
                CosignatureVerifier::parse(vkey)
                    .map(LogKey::Cosignature)
                    .map_err(|e| e.to_string())
            }
            t => Err(format!(
                "log key type 0x{t:02x} is not supported (0x01, 0x04 or 0x06)"
            )),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            LogKey::Note(v) => v.name(),
            LogKey::Cosignature(v) => v.name(),
        }
    }

    pub fn to_vkey(&self) -> String {
        match self {
            LogKey::Note(v) => v.to_vkey(),
            LogKey::Cosignature(v) => v.to_vkey(),
        }
    }

    fn matches(&self, s: &note::NoteSignature) -> bool {
        match self {
            LogKey::Note(v) => s.name == v.name() && s.key_id == v.key_id(),
            LogKey::Cosignature(v) => v.matches(s),
        }
    }
}

/// Opens a checkpoint signed by any of `keys` (the keys one log is trusted under): signature
/// lines of other keys are ignored; every line of a trusted key must verify, and at least one
/// must be there (signed-note "Signatures"). The origin is the checkpoint's first line.
pub fn open_log_checkpoint(note_bytes: &[u8], keys: &[LogKey]) -> Result<Checkpoint, OpenError> {
    let parsed = note::parse(note_bytes).map_err(|e| OpenError::Malformed(e.to_string()))?;
    let cp =
        Checkpoint::parse_text(&parsed.text).map_err(|e| OpenError::Malformed(e.to_string()))?;
    let mut verified = false;
    for s in &parsed.signatures {
        let Some(k) = keys.iter().find(|k| k.matches(s)) else {
            continue;
        };
        let ok = match k {
            LogKey::Note(v) => v.verify_signature(parsed.text.as_bytes(), &s.signature),
            LogKey::Cosignature(v) => v.verify(&parsed.text, &cp, &s.signature).is_ok(),
        };
        if !ok {
            return Err(OpenError::BadSignature(k.name().to_string()));
        }
        verified = true;
    }
    if !verified {
        return Err(OpenError::NoTrustedSignature);
    }
    Ok(cp)
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("the checkpoint is malformed: {0}")]
    Malformed(String),
    #[error("a signature line of the log key {0} does not verify")]
    BadSignature(String),
    #[error("no signature by a trusted key of this log")]
    NoTrustedSignature,
}

/// What a witness last cosigned for a log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Latest {
    pub size: u64,
    pub root: Hash,
    /// The signed checkpoint as submitted (the log's signatures), kept as evidence.
    pub note: Vec<u8>,
}

/// The witness's answer to a request, before any IO.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Cosign `checkpoint` and record it as the latest (after persisting it).
    Cosign {
        checkpoint: Checkpoint,
        text: String,
    },
    /// A refusal with the HTTP status the specification names, and a sentence.
    Refuse { status: u16, reason: String },
    /// 409: the old size is not what the witness last cosigned; answer with its size.
    Conflict { size: u64 },
}

/// The outcome: the verdict, and fork evidence when the request proves the log signed two
/// checkpoints that cannot both be true.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    pub evidence: Option<Evidence>,
}

/// Judges an `add-checkpoint` request for a log whose checkpoints verify under `keys` (`None`:
/// the origin is unknown), given what the witness last cosigned for it.
pub fn judge(
    req: &AddCheckpoint,
    keys: Option<&[LogKey]>,
    latest: Option<&Latest>,
    seen_by: &str,
) -> Outcome {
    let refuse = |status: u16, reason: String| Outcome {
        verdict: Verdict::Refuse { status, reason },
        evidence: None,
    };
    let Some(keys) = keys else {
        return refuse(
            404,
            "this witness does not follow that log (unknown origin)".into(),
        );
    };
    let cp = match open_log_checkpoint(&req.note, keys) {
        Ok(cp) => cp,
        Err(OpenError::Malformed(m)) => return refuse(400, m),
        Err(e) => return refuse(403, e.to_string()),
    };
    if keys.iter().all(|k| k.name() != cp.origin) {
        return refuse(
            403,
            format!(
                "the checkpoint's origin {:?} is not the key name",
                cp.origin
            ),
        );
    }
    // Whatever the answer, a validly signed checkpoint of the size the witness holds with
    // another root proves a fork (tlog-witness: the witness "MAY log the request ... as it
    // might be proof of log misbehavior").
    let evidence = latest
        .filter(|l| l.size == cp.size && l.root != cp.root)
        .map(|l| Evidence::equal_size(keys, &l.note, &req.note, seen_by));
    let with = |verdict| Outcome {
        verdict,
        evidence: evidence.clone(),
    };
    if req.old_size > cp.size {
        return with(Verdict::Refuse {
            status: 400,
            reason: format!(
                "the old size {} is larger than the checkpoint's size {}",
                req.old_size, cp.size
            ),
        });
    }
    let known = latest.map_or(0, |l| l.size);
    if req.old_size != known {
        return with(Verdict::Conflict { size: known });
    }
    if cp.size == 0 && cp.root != merkle::empty_root() {
        return with(Verdict::Refuse {
            status: 422,
            reason: "a checkpoint of size 0 must carry the root of the empty tree".into(),
        });
    }
    match latest {
        None if !req.proof.is_empty() => {
            return with(Verdict::Refuse {
                status: 422,
                reason: "the old size is 0, so the consistency proof must be empty".into(),
            })
        }
        None => {}
        Some(l) if l.size == 0 && !req.proof.is_empty() => {
            return with(Verdict::Refuse {
                status: 422,
                reason: "the old size is 0, so the consistency proof must be empty".into(),
            })
        }
        Some(l) if l.size == 0 => {}
        Some(l) => {
            if let Err(e) =
                merkle::verify_consistency(l.size, cp.size, &l.root, &cp.root, &req.proof)
            {
                let reason = if l.size == cp.size {
                    format!(
                        "this witness cosigned size {} with another root: the log forked",
                        cp.size
                    )
                } else {
                    format!(
                        "the consistency proof from size {} to {} does not verify: {e}",
                        l.size, cp.size
                    )
                };
                return with(Verdict::Refuse {
                    status: 422,
                    reason,
                });
            }
        }
    }
    // Refused above unless the note parsed, so its text is there.
    let text = note::parse(&req.note)
        .map(|n| n.text)
        .unwrap_or_else(|_| cp.to_text());
    with(Verdict::Cosign {
        checkpoint: cp,
        text,
    })
}

/// The format tag of evidence files.
pub const EVIDENCE_FORMAT: &str = "kordon-evidence/v1";

/// Proof that a log signed two checkpoints that cannot both be true: two signed checkpoints of
/// one origin and one size with different roots, or of two sizes with a consistency proof that
/// leads to the larger root but to another root than the smaller checkpoint's (RFC 9162
/// §2.1.4.2 binds both). Anyone can check it with the log's key (`kordon verify --evidence`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Always `kordon-evidence/v1`.
    pub evidence: String,
    pub origin: String,
    /// The log key(s) that signed both checkpoints, as vkeys.
    pub log_keys: Vec<String>,
    /// The two signed checkpoints, verbatim (the smaller first).
    pub checkpoints: [String; 2],
    /// For two sizes: the consistency path (base64) from the smaller to the larger, computed
    /// from the larger tree (`merkle::consistency_roots`); empty for one size.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proof: Vec<String>,
    /// Who recorded it (a witness's or monitor's name), for the reader's information.
    pub seen_by: String,
}

/// What valid evidence proves.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fork {
    pub origin: String,
    pub sizes: [u64; 2],
    /// The roots the two checkpoints name (base64).
    pub roots: [String; 2],
    /// For two sizes: the root the larger tree has at the smaller size (base64).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub larger_tree_root_at_smaller: Option<String>,
}

impl Evidence {
    fn equal_size(keys: &[LogKey], a: &[u8], b: &[u8], seen_by: &str) -> Evidence {
        let origin = checkpoint_origin(a);
        Evidence {
            evidence: EVIDENCE_FORMAT.into(),
            origin,
            log_keys: keys.iter().map(LogKey::to_vkey).collect(),
            checkpoints: [
                String::from_utf8_lossy(a).into_owned(),
                String::from_utf8_lossy(b).into_owned(),
            ],
            proof: Vec::new(),
            seen_by: seen_by.into(),
        }
    }

    /// Evidence from two signed checkpoints of different sizes and the path the larger tree
    /// yields (`merkle::consistency_evidence` over it).
    pub fn inconsistent(
        keys: &[LogKey],
        smaller: &[u8],
        larger: &[u8],
        proof: &[Hash],
        seen_by: &str,
    ) -> Evidence {
        Evidence {
            evidence: EVIDENCE_FORMAT.into(),
            origin: checkpoint_origin(smaller),
            log_keys: keys.iter().map(LogKey::to_vkey).collect(),
            checkpoints: [
                String::from_utf8_lossy(smaller).into_owned(),
                String::from_utf8_lossy(larger).into_owned(),
            ],
            proof: proof.iter().map(Hash::to_base64).collect(),
            seen_by: seen_by.into(),
        }
    }

    /// Checks the evidence with the log's keys (`None`: those it names, which proves the
    /// checkpoints are consistent with each other but not whose log it is).
    pub fn verify(&self, keys: Option<&[LogKey]>) -> Result<Fork, String> {
        if self.evidence != EVIDENCE_FORMAT {
            return Err(format!(
                "\"evidence\" is {:?}, expected {EVIDENCE_FORMAT:?}",
                self.evidence
            ));
        }
        let own: Vec<LogKey>;
        let keys = match keys {
            Some(k) => k,
            None => {
                own = self
                    .log_keys
                    .iter()
                    .map(|k| LogKey::parse(k))
                    .collect::<Result<_, _>>()
                    .map_err(|e| format!("a log key in the evidence: {e}"))?;
                &own
            }
        };
        let open = |i: usize| {
            open_log_checkpoint(self.checkpoints[i].as_bytes(), keys)
                .map_err(|e| format!("checkpoint {}: {e}", i + 1))
        };
        let (a, b) = (open(0)?, open(1)?);
        if a.origin != b.origin || a.origin != self.origin {
            return Err(format!(
                "the checkpoints name origins {:?} and {:?}: two logs, not a fork of one",
                a.origin, b.origin
            ));
        }
        let roots = [a.root.to_base64(), b.root.to_base64()];
        if a.size == b.size {
            if a.root == b.root {
                return Err(format!(
                    "both checkpoints of size {} name the same root: no fork",
                    a.size
                ));
            }
            return Ok(Fork {
                origin: a.origin,
                sizes: [a.size, b.size],
                roots,
                larger_tree_root_at_smaller: None,
            });
        }
        let (small, large) = if a.size < b.size { (&a, &b) } else { (&b, &a) };
        let proof = self
            .proof
            .iter()
            .map(|h| Hash::from_base64(h).ok_or_else(|| format!("proof hash {h:?} is not base64")))
            .collect::<Result<Vec<_>, _>>()?;
        let (old, new) = merkle::consistency_roots(small.size, large.size, &proof)
            .map_err(|e| format!("the proof: {e}"))?;
        if new != large.root {
            return Err(format!(
                "the proof does not lead to the larger checkpoint's root (size {}): it proves nothing",
                large.size
            ));
        }
        if old == small.root {
            return Err(format!(
                "the proof shows size {} is a prefix of size {}: the checkpoints are consistent",
                small.size, large.size
            ));
        }
        Ok(Fork {
            origin: a.origin.clone(),
            sizes: [small.size, large.size],
            roots: [small.root.to_base64(), large.root.to_base64()],
            larger_tree_root_at_smaller: Some(old.to_base64()),
        })
    }
}

fn checkpoint_origin(note_bytes: &[u8]) -> String {
    crate::checkpoint::parse_unverified(note_bytes)
        .map(|c| c.origin)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::note::NoteSigner;
    use ed25519_dalek::SigningKey;

    const ORIGIN: &str = "example.com/log";

    fn log() -> NoteSigner {
        NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[5; 32])).unwrap()
    }

    fn signed(size: u64, root: Hash) -> Vec<u8> {
        Checkpoint {
            origin: ORIGIN.into(),
            size,
            root,
            extensions: vec![],
        }
        .sign(&log())
        .unwrap()
        .into_bytes()
    }

    fn leaves(n: u64) -> merkle::MemoryNodes {
        let l: Vec<Hash> = (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        merkle::MemoryNodes::from_leaves(&l)
    }

    fn status(o: &Outcome) -> u16 {
        match &o.verdict {
            Verdict::Cosign { .. } => 200,
            Verdict::Refuse { status, .. } => *status,
            Verdict::Conflict { .. } => 409,
        }
    }

    #[test]
    fn request_body_round_trips_and_bad_bodies_fail() {
        let r = AddCheckpoint {
            old_size: 20852014,
            proof: vec![Hash([1; 32]), Hash([2; 32])],
            note: signed(3, Hash([3; 32])),
        };
        assert_eq!(AddCheckpoint::parse(&r.to_body()), Ok(r.clone()));
        for bad in [
            &b"old 01\n\nx"[..],
            b"old \n\nx",
            b"old -1\n\nx",
            b"new 1\n\nx",
            b"old 1\nnot-base64\n\nx",
            b"old 1",
        ] {
            assert!(AddCheckpoint::parse(bad).is_err(), "{bad:?}");
        }
        let many = format!(
            "old 1\n{}\nx",
            format!("{}\n", Hash([0; 32]).to_base64()).repeat(64)
        );
        assert!(AddCheckpoint::parse(many.as_bytes()).is_err());
    }

    #[test]
    fn the_specifications_status_codes() {
        let keys = [LogKey::Note(log().verifier())];
        let t = leaves(10);
        let t5 = merkle::MemoryNodes::from_leaves(&t.leaves()[..5]);
        let first = AddCheckpoint {
            old_size: 0,
            proof: vec![],
            note: signed(5, t5.root()),
        };
        assert_eq!(status(&judge(&first, None, None, "w")), 404);
        assert_eq!(status(&judge(&first, Some(&keys), None, "w")), 200);
        let latest = Latest {
            size: 5,
            root: t5.root(),
            note: first.note.clone(),
        };
        let proof = merkle::consistency_proof(&t, 5, 10).unwrap();
        let next = AddCheckpoint {
            old_size: 5,
            proof: proof.clone(),
            note: signed(10, t.root()),
        };
        assert_eq!(status(&judge(&next, Some(&keys), Some(&latest), "w")), 200);
        // Stale old size: 409 with the witness's size.
        let stale = AddCheckpoint {
            old_size: 0,
            ..next.clone()
        };
        assert_eq!(
            judge(&stale, Some(&keys), Some(&latest), "w").verdict,
            Verdict::Conflict { size: 5 }
        );
        // Old size above the checkpoint's: 400.
        let over = AddCheckpoint {
            old_size: 11,
            ..next.clone()
        };
        assert_eq!(status(&judge(&over, Some(&keys), Some(&latest), "w")), 400);
        // A bad proof: 422.
        let mut bad = next.clone();
        bad.proof[0] = Hash([9; 32]);
        assert_eq!(status(&judge(&bad, Some(&keys), Some(&latest), "w")), 422);
        // A proof with old size 0: 422.
        let proof0 = AddCheckpoint {
            old_size: 0,
            proof: proof.clone(),
            note: signed(10, t.root()),
        };
        assert_eq!(status(&judge(&proof0, Some(&keys), None, "w")), 422);
        // Size 0 with a root other than the empty tree's: 422.
        let zero = AddCheckpoint {
            old_size: 0,
            proof: vec![],
            note: signed(0, Hash([1; 32])),
        };
        assert_eq!(status(&judge(&zero, Some(&keys), None, "w")), 422);
        // Signed by another key: 403.
        let other = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[6; 32])).unwrap();
        let forged = AddCheckpoint {
            note: Checkpoint::parse_text(&format!("{ORIGIN}\n5\n{}\n", t5.root().to_base64()))
                .unwrap()
                .sign(&other)
                .unwrap()
                .into_bytes(),
            ..first.clone()
        };
        assert_eq!(status(&judge(&forged, Some(&keys), None, "w")), 403);
    }

    #[test]
    fn a_fork_is_refused_and_its_evidence_verifies() {
        let keys = [LogKey::Note(log().verifier())];
        let t = leaves(8);
        let a = signed(8, t.root());
        let latest = Latest {
            size: 8,
            root: t.root(),
            note: a.clone(),
        };
        let b = signed(8, leaf_hash(b"another history"));
        let req = AddCheckpoint {
            old_size: 8,
            proof: vec![],
            note: b,
        };
        let out = judge(&req, Some(&keys), Some(&latest), "witness.example/w");
        assert_eq!(status(&out), 422);
        let ev = out.evidence.expect("evidence");
        let fork = ev.verify(Some(&keys)).unwrap();
        assert_eq!(fork.sizes, [8, 8]);
        // The same evidence under another key does not verify.
        let other = [LogKey::Note(
            NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[6; 32]))
                .unwrap()
                .verifier(),
        )];
        assert!(ev.verify(Some(&other)).is_err());
        // Both checkpoints equal: no fork.
        let mut same = ev.clone();
        same.checkpoints[1] = same.checkpoints[0].clone();
        assert!(same.verify(Some(&keys)).is_err());
        // Even with a stale old size the fork is recorded (the answer is 409).
        let stale = AddCheckpoint { old_size: 3, ..req };
        let out = judge(&stale, Some(&keys), Some(&latest), "w");
        assert_eq!(status(&out), 409);
        assert!(out.evidence.is_some());
    }

    #[test]
    fn evidence_across_sizes() {
        let keys = [LogKey::Note(log().verifier())];
        let honest = leaves(6);
        let mut rewritten: Vec<Hash> = honest.leaves().to_vec();
        rewritten[2] = leaf_hash(b"changed");
        rewritten.extend((6..9).map(|i: u64| leaf_hash(&i.to_be_bytes())));
        let forked = merkle::MemoryNodes::from_leaves(&rewritten);
        let small = signed(6, honest.root());
        let large = signed(9, forked.root());
        let proof = merkle::consistency_evidence(&forked, 6, 9).unwrap();
        let ev = Evidence::inconsistent(&keys, &small, &large, &proof, "monitor");
        let fork = ev.verify(Some(&keys)).unwrap();
        assert_eq!(fork.sizes, [6, 9]);
        // A consistent pair is not evidence.
        let grown = leaves(9);
        let ok = Evidence::inconsistent(
            &keys,
            &small,
            &signed(9, grown.root()),
            &merkle::consistency_evidence(&grown, 6, 9).unwrap(),
            "m",
        );
        assert!(ok.verify(Some(&keys)).is_err());
    }
}
