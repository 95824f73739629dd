//! The chain: the one path by which an entry is judged, used by the appender before it writes
//! and by the verifier on every entry of an export (SPEC.md, "Verification").
//!
//! Judging an entry is split so the expensive, independent parts can run in parallel outside
//! the core: `prepare` (decode, hash, parse: per entry), `resolve_keys` (in order, cheap),
//! signature checks (batched), then `Chain::accept` (in order: links, time, rules, tree).

use crate::entry::{self, EntryError, EntryRef};
use crate::event::{self, Event, FormatError};
use crate::hash::Hash;
use crate::keys::KeyId;
use crate::merkle::{Frontier, NodeId};
use crate::rules::{introduced_keys, RuleError, State};
use crate::types::Millis;
use std::collections::HashMap;

/// Why an entry is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Fault {
    #[error("entry encoding: {0}")]
    Entry(#[from] EntryError),
    #[error("sequence number is {found}, expected {expected} (an entry is missing, inserted, duplicated or reordered)")]
    Sequence { expected: u64, found: u64 },
    #[error(
        "prev is {found}, but the previous entry's leaf hash is {expected} (the chain is broken)"
    )]
    Prev { expected: Hash, found: Hash },
    #[error("recorded_at {this} is before the previous entry's {previous}")]
    TimeBackwards { previous: Millis, this: Millis },
    #[error("event: {0}")]
    Event(#[from] FormatError),
    #[error("signature does not verify with key {key} of {author}")]
    Signature { author: String, key: KeyId },
    #[error("{0}")]
    Rule(#[from] RuleError),
}

impl Fault {
    /// A stable name for the kind of fault: the rule's name for rule faults.
    pub fn code(&self) -> &'static str {
        match self {
            Fault::Entry(_) => "entry.format",
            Fault::Sequence { .. } => "chain.sequence",
            Fault::Prev { .. } => "chain.prev",
            Fault::TimeBackwards { .. } => "chain.time",
            Fault::Event(FormatError::NotCanonical) => "event.not-canonical",
            Fault::Event(_) => "event.format",
            Fault::Signature { .. } => "signature.invalid",
            Fault::Rule(r) => r.rule.code(),
        }
    }
}

/// A fault located at an entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("entry {seq}{}: {fault}", event_id.as_ref().map(|i| format!(" (event {i})")).unwrap_or_default())]
pub struct EntryFault {
    pub seq: u64,
    pub event_id: Option<String>,
    pub fault: Fault,
}

/// An entry decoded and hashed, with its event parsed.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub bytes: Vec<u8>,
    pub leaf: Hash,
    pub seq: u64,
    pub recorded_at: Millis,
    pub prev: Hash,
    pub signature: [u8; 64],
    pub event: Event,
}

impl Prepared {
    /// The canonical event bytes inside the entry.
    pub fn event_bytes(&self) -> &[u8] {
        &self.bytes[entry::HEADER_LEN..]
    }
}

/// Decodes, hashes and parses one entry. `position` is where the entry was found, used to
/// name it when it cannot even be decoded.
pub fn prepare(bytes: Vec<u8>, position: u64) -> Result<Prepared, EntryFault> {
    let at = |fault: Fault, seq: u64, id: Option<String>| EntryFault {
        seq,
        event_id: id,
        fault,
    };
    let e = EntryRef::decode(&bytes).map_err(|e| at(e.into(), position, None))?;
    let (seq, recorded_at, prev, signature) = (e.seq, e.recorded_at, e.prev, e.signature);
    let event = event::parse(e.event).map_err(|f| at(f.into(), position, None))?;
    let leaf = entry::entry_hash(&bytes);
    Ok(Prepared {
        bytes,
        leaf,
        seq,
        recorded_at,
        prev,
        signature,
        event,
    })
}

/// The public key each event names, looked up in `state` or, for a key introduced by an earlier
/// event of the same run, in those events. `None` means the key is unknown; the rules then
/// reject the event with `key.unknown`.
pub fn resolve_keys<'a>(
    state: &State,
    events: impl IntoIterator<Item = &'a Event>,
) -> Vec<Option<[u8; 32]>> {
    let mut book = KeyBook::default();
    events
        .into_iter()
        .map(|ev| book.resolve(ev, |id| state.public_key(id)))
        .collect()
}

/// Every public key seen so far, by key id: those of a state, and those introduced by events
/// seen since (accepted or not). A key id is the hash of its key, so a superset of the state's
/// keys never gives a different key for an id; whether the key was registered, and not revoked,
/// for the author, is for the rules to say.
#[derive(Debug, Clone, Default)]
pub struct KeyBook {
    keys: HashMap<KeyId, [u8; 32]>,
}

impl KeyBook {
    pub fn from_state(state: &State) -> KeyBook {
        KeyBook {
            keys: state
                .keys
                .iter()
                .map(|(id, k)| (id.clone(), k.public_key))
                .collect(),
        }
    }

    /// The key `ev` names, then remembers the keys `ev` introduces.
    pub fn resolve(
        &mut self,
        ev: &Event,
        fallback: impl Fn(&KeyId) -> Option<[u8; 32]>,
    ) -> Option<[u8; 32]> {
        let introduced = introduced_keys(&ev.body);
        let pk = self
            .keys
            .get(&ev.key)
            .copied()
            .or_else(|| fallback(&ev.key))
            // A genesis event is signed by the key it introduces.
            .or_else(|| introduced.iter().find(|k| KeyId::of(k) == ev.key).copied());
        for k in introduced {
            self.keys.entry(KeyId::of(&k)).or_insert(k);
        }
        pk
    }
}

/// The outcome of an entry's signature check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sig {
    Valid,
    Invalid,
    /// The key is not registered; the rules name the fault.
    NoKey,
}

/// The state of a chain after some prefix of entries: what the next entry must link to, the
/// rules' state and the Merkle frontier.
#[derive(Debug, Clone, Default)]
pub struct Chain {
    pub state: State,
    pub frontier: Frontier,
    pub last_leaf: Hash,
    pub last_recorded: Millis,
}

impl Chain {
    pub fn new() -> Chain {
        Chain::default()
    }

    pub fn size(&self) -> u64 {
        self.frontier.size()
    }

    pub fn root(&self) -> Hash {
        self.frontier.root()
    }

    /// Judges the next entry and, if it is valid, applies it; on a fault nothing changes.
    /// `completed` receives the tree nodes the entry completes.
    pub fn accept(
        &mut self,
        p: &Prepared,
        sig: Sig,
        completed: &mut Vec<(NodeId, Hash)>,
    ) -> Result<(), EntryFault> {
        self.judge_link(p, sig)?;
        self.state
            .apply(p.seq, p.recorded_at, &p.event)
            .map_err(|r| fault_at(p, r.into()))?;
        self.frontier.push(p.leaf, completed);
        self.last_leaf = p.leaf;
        self.last_recorded = p.recorded_at;
        Ok(())
    }

    /// Judges the next entry exactly as `accept` does, and changes nothing: the dry run a
    /// body's workspace asks for before it signs (`POST /entries/check`).
    pub fn check(&self, p: &Prepared, sig: Sig) -> Result<(), EntryFault> {
        self.judge_link(p, sig)?;
        self.state
            .check(p.seq, p.recorded_at, &p.event)
            .map_err(|r| fault_at(p, r.into()))
    }

    /// The checks of `accept` before the rules: sequence, link, time, signature verdict.
    fn judge_link(&self, p: &Prepared, sig: Sig) -> Result<(), EntryFault> {
        let at = |fault: Fault| fault_at(p, fault);
        let expected = self.size();
        if p.seq != expected {
            return Err(EntryFault {
                seq: expected,
                event_id: Some(p.event.id.to_string()),
                fault: Fault::Sequence {
                    expected,
                    found: p.seq,
                },
            });
        }
        let want_prev = if expected == 0 {
            Hash::ZERO
        } else {
            self.last_leaf
        };
        if p.prev != want_prev {
            return Err(at(Fault::Prev {
                expected: want_prev,
                found: p.prev,
            }));
        }
        if p.recorded_at < self.last_recorded {
            return Err(at(Fault::TimeBackwards {
                previous: self.last_recorded,
                this: p.recorded_at,
            }));
        }
        if sig == Sig::Invalid {
            return Err(at(Fault::Signature {
                author: p.event.author.to_string(),
                key: p.event.key.clone(),
            }));
        }
        Ok(())
    }
}

fn fault_at(p: &Prepared, fault: Fault) -> EntryFault {
    EntryFault {
        seq: p.seq,
        event_id: Some(p.event.id.to_string()),
        fault,
    }
}
