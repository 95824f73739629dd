//! Who may sign what: the ledger's rules as a pure state machine over events
//! (SPEC.md, "Rules"). The appender applies it before writing; the verifier re-applies it to
//! every entry of an export, so a ledger is valid only if every entry passed these rules.
//!
//! This file holds the rule codes, the state, the envelope checks every entry passes and the
//! checks the event types share; each type's own rules are in its family file (`events/`), and
//! its changes reach the state as `Effect`s, folded by `State::fold`.

use crate::event::*;
use crate::events::Effect;
use crate::keys::{self, KeyId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap, HashSet};

/// A commitment's phase: one type for the rules and the projections (`event.rs`).
pub use crate::event::Phase;

use crate::types::*;

macro_rules! rules {
    ($($V:ident = $code:literal: $text:literal,)*) => {
        /// A rule of SPEC.md §12, by its stable code (the failure code a refusal and a verifier
        /// report).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $(#[doc = $text] $V,)*
        }

        impl Rule {
            /// Every rule, in the order SPEC.md §13.4 lists their codes.
            pub const ALL: &'static [Rule] = &[$(Rule::$V,)*];

            /// The stable code, e.g. `handover.accept.receiver-only`.
            pub fn code(self) -> &'static str {
                match self {
                    $(Rule::$V => $code,)*
                }
            }

            /// What the rule asks, in one sentence.
            pub fn text(self) -> &'static str {
                match self {
                    $(Rule::$V => $text,)*
                }
            }

            pub fn from_code(s: &str) -> Option<Rule> {
                match s {
                    $($code => Some(Rule::$V),)*
                    _ => None,
                }
            }
        }
    };
}

rules! {
    GenesisFirst = "genesis.first": "the first entry of a ledger is its ledger.genesis",
    GenesisOnce = "genesis.once": "ledger.genesis is entry 0 of an empty ledger, and nothing else is",
    GenesisOrigin = "genesis.origin": "the origin is 1-255 printable ASCII characters, without spaces or '+'",
    GenesisAuthor = "genesis.author": "the genesis is signed by the founding registrar it names",
    GenesisLedgerKey = "genesis.ledger-key": "the genesis names a valid ledger key, named after the origin, and that key signs the checkpoints",
    GenesisTimeZone = "genesis.time-zone": "the genesis names a time zone of the IANA database",
    LedgerOrigin = "ledger.origin": "the event names this ledger's origin",
    EventReplayed = "event.replayed": "an event id is recorded once",
    TimeTooOld = "time.too-old": "an event is recorded at most the genesis policy's max_age_seconds after the time it claims",
    TimeInFuture = "time.in-future": "an event claims a time at most the genesis policy's max_future_seconds after it is recorded",
    BodyUnknown = "body.unknown": "the body is registered",
    BodySucceeded = "body.succeeded": "the body has not been succeeded",
    BodyExists = "body.exists": "a body id is registered once",
    BodyRoles = "body.roles": "a body has at least one role, and no role twice",
    BodyUpdateEmpty = "body.update.empty": "body.updated changes at least one member",
    BodyUpdateWho = "body.update.who": "only a registrar or the body itself updates a body",
    BodyUpdateRoles = "body.update.roles": "only a registrar changes a body's roles",
    BodySuccessor = "body.successor": "a body does not succeed itself",
    KeyUnknown = "key.unknown": "the key is registered",
    KeyNotAuthors = "key.not-authors": "the key belongs to the body it signs or is revoked for",
    KeyRevoked = "key.revoked": "the key has not been revoked",
    KeyInvalid = "key.invalid": "a public key is a canonical Ed25519 key, not of small order and without a torsion component",
    KeyExists = "key.exists": "a public key is registered once",
    KeyAddWho = "key.add.who": "only a registrar or the body itself adds a key for a body",
    KeyRevokeWho = "key.revoke.who": "only a registrar or the body itself revokes a body's key",
    KeyRevokeSelfSigned = "key.revoke.self-signed": "a body revokes its key with another of its keys, not with the key it revokes",
    RoleRequired = "role.required": "the author (or the body to lead) holds the role the event needs",
    TextRequired = "text.required": "a required text is not empty or only white space",
    ObjectiveExists = "objective.exists": "an objective id is defined once",
    ObjectiveUnknown = "objective.unknown": "the objective named is defined",
    CommitmentUnknown = "commitment.unknown": "the commitment exists",
    CommitmentExists = "commitment.exists": "a commitment id is used once",
    CommitmentLead = "commitment.lead": "commitment.assigned names its lead; commitment.made names none but its author",
    CommitmentNotActive = "commitment.not-active": "the commitment is active: accepted, and not rejected, cancelled or superseded",
    CommitmentNotAssigned = "commitment.not-assigned": "the commitment is awaiting acceptance",
    CommitmentClosed = "commitment.closed": "the commitment is not cancelled or superseded",
    CommitmentAcceptAssigneeOnly = "commitment.accept.assignee-only": "only the assignee accepts an assignment",
    CommitmentRejectAssigneeOnly = "commitment.reject.assignee-only": "only the assignee rejects an assignment",
    CommitmentSuccessor = "commitment.successor": "a commitment does not supersede itself",
    HandoverProposeWho = "handover.propose.who": "only the lead or a coordinator proposes a handover",
    HandoverPending = "handover.pending": "a commitment has at most one pending handover",
    HandoverSameLead = "handover.same-lead": "a commitment is handed over or reassigned only to a body that does not lead it (or is not assigned it) already",
    HandoverNoSuchProposal = "handover.no-such-proposal": "an answer names the commitment's pending handover",
    HandoverAcceptReceiverOnly = "handover.accept.receiver-only": "only the receiving body accepts a handover",
    HandoverDeclineReceiverOnly = "handover.decline.receiver-only": "only the receiving body declines a handover",
    HandoverWithdrawProposerOnly = "handover.withdraw.proposer-only": "only the proposer withdraws a handover",
    CoexecutorWho = "coexecutor.who": "only the lead of an active commitment, or a coordinator, changes its co-executors",
    CoexecutorIsLead = "coexecutor.is-lead": "the lead is not also a co-executor",
    CoexecutorExists = "coexecutor.exists": "a body is a co-executor of a commitment once",
    CoexecutorUnknown = "coexecutor.unknown": "only a co-executor is removed",
    IndicatorDuplicate = "indicator.duplicate": "a commitment's indicator ids are distinct",
    IndicatorWho = "indicator.who": "only the lead or a co-executor records a measurement",
    IndicatorUnknown = "indicator.unknown": "a measurement names one of the commitment's indicators",
    StatusLeadOnly = "status.lead-only": "only the lead reports a commitment's status",
    DeadlineRequestLeadOnly = "deadline.request.lead-only": "only the lead requests a deadline extension",
    DeadlineNoSuchRequest = "deadline.no-such-request": "a deadline change names an extension request of the same commitment",
    AssessmentNoSuchClaim = "assessment.no-such-claim": "an assessment names a status report of the same commitment",
    NoteNoSuchEvent = "note.no-such-event": "a note is about an event already in the ledger",
    InquiryExists = "inquiry.exists": "an inquiry id is used once",
    InquiryUnknown = "inquiry.unknown": "the inquiry exists",
    InquiryAnswered = "inquiry.answered": "an inquiry is answered once",
    InquiryAnswerAddresseeOnly = "inquiry.answer.addressee-only": "only the addressee, or a successor of it, answers an inquiry",
    ChainSequence = "chain.sequence": "an entry's sequence number is the number of entries before it",
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// A broken rule: which one (`Rule::HandoverAcceptReceiverOnly`, whose code is
/// `handover.accept.receiver-only`) and a sentence that says what was wrong with this event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule {rule}: {msg}")]
pub struct RuleError {
    pub rule: Rule,
    pub msg: String,
}

pub(crate) fn fail<T>(rule: Rule, msg: impl Into<String>) -> Result<T, RuleError> {
    Err(RuleError {
        rule,
        msg: msg.into(),
    })
}

pub(crate) fn ensure(
    cond: bool,
    rule: Rule,
    msg: impl FnOnce() -> String,
) -> Result<(), RuleError> {
    if cond {
        Ok(())
    } else {
        fail(rule, msg())
    }
}

/// *non-empty*: a required text holds at least one visible character (SPEC.md, "Value
/// formats"): not only white space, controls, format or default-ignorable characters such as
/// U+200B (`text.required`).
pub(crate) fn non_empty(s: &str, field: &str) -> Result<(), RuleError> {
    ensure(crate::text::has_visible(s), Rule::TextRequired, || {
        if s.is_empty() {
            format!("{field} must not be empty")
        } else {
            format!("{field} must hold a visible character; it has only white space, control, format or other invisible characters")
        }
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyState {
    pub name_uk: String,
    pub name_en: String,
    pub kind: String,
    pub roles: BTreeSet<Role>,
    pub successor: Option<BodyId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyState {
    pub body: BodyId,
    pub public_key: [u8; 32],
    pub added_at: u64,
    /// The sequence number of the `key.revoked` entry; the key signs nothing after it.
    pub revoked_at: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingHandover {
    pub proposal: EventId,
    pub proposer: BodyId,
    pub to: BodyId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentState {
    pub phase: Phase,
    /// The accountable body: the assignee while `Assigned`, the lead while `Active`, the last
    /// lead once closed; none once rejected.
    pub lead: Option<BodyId>,
    pub co_executors: BTreeSet<BodyId>,
    pub indicators: HashSet<IndicatorId>,
    pub pending: Option<PendingHandover>,
    /// The status reports on it (by id fingerprint), which an assessment may name.
    pub claims: IdSet,
    /// The extension requests on it, which a deadline change may answer.
    pub extension_requests: IdSet,
}

/// A set of event ids kept as their 16-byte fingerprints (the first bytes of their SHA-256),
/// so that a commitment with thousands of reports holds 16 bytes for each, not the id's text.
/// A false match is a 2^-128 event, as for replay detection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdSet(HashSet<u128>);

impl IdSet {
    pub fn contains(&self, id: &EventId) -> bool {
        self.0.contains(&id_fingerprint(id))
    }
    pub fn insert(&mut self, id: EventId) {
        self.0.insert(id_fingerprint(&id));
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Serialized as pairs of u64 (every format has them; not every one has u128).
impl Serialize for IdSet {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v: Vec<(u64, u64)> = self
            .0
            .iter()
            .map(|f| ((f >> 64) as u64, *f as u64))
            .collect();
        v.sort_unstable();
        v.serialize(s)
    }
}

impl<'de> Deserialize<'de> for IdSet {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<IdSet, D::Error> {
        let v: Vec<(u64, u64)> = Vec::deserialize(d)?;
        Ok(IdSet(
            v.into_iter()
                .map(|(hi, lo)| ((hi as u128) << 64) | lo as u128)
                .collect(),
        ))
    }
}

/// Where the rules look up the ids of events the state has forgotten
/// (`State::forget_event_ids`): `seen(fingerprint, size)` says whether an entry before `size`
/// carries an event id with that fingerprint. The caller's index answers (the store's, kept on
/// disk), so the state need not hold an id for every entry in memory. It must answer every
/// question exactly; when it cannot, it answers `true`, which refuses the event as a replay
/// rather than let one through.
pub type OlderIds = std::sync::Arc<dyn Fn(u128, u64) -> bool + Send + Sync>;

/// The state's link to an `OlderIds` index, if any; two states are equal whatever their index.
#[derive(Clone, Default)]
pub struct Older(Option<OlderIds>);

impl std::fmt::Debug for Older {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Older(index)"
        } else {
            "Older(none)"
        })
    }
}

impl PartialEq for Older {
    fn eq(&self, _: &Older) -> bool {
        true
    }
}

impl Eq for Older {}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InquiryState {
    pub to: BodyId,
    pub answered: bool,
}

/// The rules' view of the ledger after some prefix of entries. Its serde form (for snapshots
/// of it) leaves out the event ids, which `event_ids` and `restore_event_ids` carry apart.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub genesis: Option<Genesis>,
    pub bodies: HashMap<BodyId, BodyState>,
    pub keys: HashMap<KeyId, KeyState>,
    pub objectives: HashSet<ObjectiveId>,
    pub commitments: HashMap<CommitmentId, CommitmentState>,
    pub inquiries: HashMap<InquiryId, InquiryState>,
    /// The first 16 bytes of SHA-256 of every event id seen, for replay detection; with an
    /// `older` index, only of those seen since the state last forgot them.
    #[serde(skip)]
    event_ids: HashSet<u128>,
    #[serde(skip)]
    older: Older,
    /// Number of entries applied.
    pub size: u64,
}

fn id_fingerprint(id: &EventId) -> u128 {
    let h = crate::hash::Hash::sha256(id.as_str().as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.0[..16]);
    u128::from_be_bytes(b)
}

/// The public keys an event introduces, so that a batch can check the signature of a later
/// event signed with a key registered earlier in the same batch.
pub fn introduced_keys(body: &Body) -> Vec<[u8; 32]> {
    body.introduced_keys()
        .iter()
        .filter_map(|k| keys::parse_public_key(k).ok())
        .collect()
}

impl State {
    pub fn new() -> State {
        State::default()
    }

    pub fn origin(&self) -> Option<&str> {
        self.genesis.as_ref().map(|g| g.origin.as_str())
    }

    /// The public key registered under `id`, revoked or not: keys are never forgotten, so an
    /// old signature can always be checked.
    pub fn public_key(&self, id: &KeyId) -> Option<[u8; 32]> {
        self.keys.get(id).map(|k| k.public_key)
    }

    pub fn has_event_id(&self, id: &EventId) -> bool {
        let fp = id_fingerprint(id);
        self.event_ids.contains(&fp) || self.older.0.as_ref().is_some_and(|f| f(fp, self.size))
    }

    /// Looks up the ids of entries this state forgets (`forget_event_ids`) in `older`.
    pub fn set_older_ids(&mut self, older: OlderIds) {
        self.older = Older(Some(older));
    }

    /// Whether an `older` index answers for forgotten ids.
    pub fn has_older_ids(&self) -> bool {
        self.older.0.is_some()
    }

    /// Forgets the event ids applied so far, which the `older` index must now answer for
    /// (the caller knows their entries are in it). Without an index it forgets nothing.
    pub fn forget_event_ids(&mut self) {
        if self.older.0.is_some() {
            self.event_ids.clear();
        }
    }

    /// The fingerprints of the event ids the state holds itself, for a snapshot.
    pub fn event_ids(&self) -> Vec<u128> {
        let mut v: Vec<u128> = self.event_ids.iter().copied().collect();
        v.sort_unstable();
        v
    }

    /// Gives back the ids a snapshot carried (`event_ids`) to a state read from it.
    pub fn restore_event_ids(&mut self, ids: impl IntoIterator<Item = u128>) {
        self.event_ids.extend(ids);
    }

    /// Checks every rule for the event at `seq`, recorded at `recorded_at`, and applies it.
    /// On error nothing changes. The caller has already checked the signature with the key
    /// named by `event.key`.
    pub fn apply(&mut self, seq: u64, recorded_at: Millis, event: &Event) -> Result<(), RuleError> {
        self.check(seq, recorded_at, event)?;
        event.body.effects(event, &mut |e| self.fold(seq, e));
        self.event_ids.insert(id_fingerprint(&event.id));
        self.size = seq + 1;
        Ok(())
    }

    /// Checks every rule for the event at `seq` without applying it.
    pub fn check(&self, seq: u64, recorded_at: Millis, ev: &Event) -> Result<(), RuleError> {
        // A genesis checks its own envelope (SPEC.md §12.3).
        if !matches!(ev.body, Body::Genesis(_)) {
            self.check_envelope(seq, recorded_at, ev)?;
        }
        ev.body.check(self, ev, seq, recorded_at)
    }

    /// SPEC.md §12.2, in its order.
    fn check_envelope(&self, seq: u64, recorded_at: Millis, ev: &Event) -> Result<(), RuleError> {
        ensure(seq == self.size, Rule::ChainSequence, || {
            format!("entry has sequence number {seq}; the next is {}", self.size)
        })?;
        let Some(genesis) = &self.genesis else {
            return fail(Rule::GenesisFirst, "the first entry must be ledger.genesis");
        };
        ensure(ev.ledger == genesis.origin, Rule::LedgerOrigin, || {
            format!(
                "event is for ledger {:?}, this ledger is {:?}",
                ev.ledger, genesis.origin
            )
        })?;
        ensure(!self.has_event_id(&ev.id), Rule::EventReplayed, || {
            format!("event id {} was recorded before", ev.id)
        })?;
        check_time(&genesis.policy, recorded_at, ev.at)?;
        self.active_body(&ev.author)?;
        let Some(key) = self.keys.get(&ev.key) else {
            return fail(
                Rule::KeyUnknown,
                format!("key {} is not registered", ev.key),
            );
        };
        ensure(key.body == ev.author, Rule::KeyNotAuthors, || {
            format!(
                "key {} belongs to {}, not to the author {}",
                ev.key, key.body, ev.author
            )
        })?;
        if let Some(r) = key.revoked_at {
            return fail(
                Rule::KeyRevoked,
                format!("key {} of {} was revoked at entry {r}", ev.key, ev.author),
            );
        }
        Ok(())
    }

    // -----------------------------------------------------------------------------------------
    // Checks the event types share (SPEC.md §12.1, "common checks").

    /// *X registered* (`body.unknown`).
    pub(crate) fn body(&self, id: &BodyId) -> Result<&BodyState, RuleError> {
        match self.bodies.get(id) {
            Some(b) => Ok(b),
            None => fail(Rule::BodyUnknown, format!("body {id} is not registered")),
        }
    }

    /// *active body X*: registered and not succeeded.
    pub(crate) fn active_body(&self, id: &BodyId) -> Result<&BodyState, RuleError> {
        let b = self.body(id)?;
        match &b.successor {
            Some(s) => fail(
                Rule::BodySucceeded,
                format!("body {id} was succeeded by {s} and can take part in nothing more"),
            ),
            None => Ok(b),
        }
    }

    pub(crate) fn has_role(&self, id: &BodyId, role: Role) -> bool {
        self.bodies.get(id).is_some_and(|b| b.roles.contains(&role))
    }

    /// *role R*: the author holds role R.
    pub(crate) fn require_role(
        &self,
        author: &BodyId,
        role: Role,
        kind: EventKind,
    ) -> Result<(), RuleError> {
        ensure(self.has_role(author, role), Rule::RoleRequired, || {
            format!(
                "{kind} must be signed by a body with the {role:?} role; {author} does not have it"
            )
        })
    }

    /// *executor X*: an active body with the executor role.
    pub(crate) fn check_executor(&self, id: &BodyId) -> Result<(), RuleError> {
        self.active_body(id)?;
        ensure(
            self.has_role(id, Role::Executor),
            Rule::RoleRequired,
            || format!("{id} cannot lead a commitment: it does not have the executor role"),
        )
    }

    /// *commitment C exists*.
    pub(crate) fn commitment(&self, id: &CommitmentId) -> Result<&CommitmentState, RuleError> {
        match self.commitments.get(id) {
            Some(c) => Ok(c),
            None => fail(
                Rule::CommitmentUnknown,
                format!("commitment {id} does not exist"),
            ),
        }
    }

    /// *C open*: exists, not cancelled or superseded.
    pub(crate) fn open_commitment(&self, id: &CommitmentId) -> Result<&CommitmentState, RuleError> {
        let c = self.commitment(id)?;
        ensure(!c.phase.is_closed(), Rule::CommitmentClosed, || {
            format!(
                "commitment {id} is {:?}; nothing more can change it",
                c.phase
            )
        })?;
        Ok(c)
    }

    /// *C active*: exists, in phase Active.
    pub(crate) fn active_commitment(
        &self,
        id: &CommitmentId,
        kind: EventKind,
    ) -> Result<&CommitmentState, RuleError> {
        let c = self.commitment(id)?;
        ensure(c.phase == Phase::Active, Rule::CommitmentNotActive, || {
            format!("{kind} needs commitment {id} to be active (accepted and not cancelled or superseded); it is {:?}", c.phase)
        })?;
        Ok(c)
    }

    pub(crate) fn is_lead(c: &CommitmentState, body: &BodyId) -> bool {
        c.lead.as_ref() == Some(body)
    }

    /// True if `body` is `target` or a successor of `target`, following succession links.
    pub(crate) fn is_or_succeeds(&self, body: &BodyId, target: &BodyId) -> bool {
        let mut cur = target;
        // Succession never forms a cycle (a succeeded body cannot be a successor, since a
        // successor must be active), so this ends; the bound is a second guard.
        for _ in 0..=self.bodies.len() {
            if cur == body {
                return true;
            }
            match self.bodies.get(cur).and_then(|b| b.successor.as_ref()) {
                Some(next) => cur = next,
                None => return false,
            }
        }
        false
    }

    // -----------------------------------------------------------------------------------------
    // The fold.

    /// Applies one effect of the accepted entry `seq`.
    fn fold(&mut self, seq: u64, e: Effect<'_>) {
        match e {
            Effect::Founded(g) => self.genesis = Some(g.clone()),
            Effect::BodyJoined {
                id,
                name_uk,
                name_en,
                kind,
                roles,
            } => {
                self.bodies.insert(
                    id.clone(),
                    BodyState {
                        name_uk: name_uk.to_string(),
                        name_en: name_en.to_string(),
                        kind: kind.to_string(),
                        roles: roles.iter().copied().collect(),
                        successor: None,
                    },
                );
            }
            Effect::BodyChanged(u) => {
                if let Some(b) = self.bodies.get_mut(&u.id) {
                    if let Some(v) = &u.name_uk {
                        b.name_uk = v.clone();
                    }
                    if let Some(v) = &u.name_en {
                        b.name_en = v.clone();
                    }
                    if let Some(v) = &u.kind {
                        b.kind = v.clone();
                    }
                    if let Some(r) = &u.roles {
                        b.roles = r.iter().copied().collect();
                    }
                }
            }
            Effect::BodySucceeded { id, successor } => {
                if let Some(b) = self.bodies.get_mut(id) {
                    b.successor = Some(successor.clone());
                }
            }
            Effect::KeyAdded { body, public_key } => {
                if let Ok(pk) = keys::parse_public_key(public_key) {
                    self.keys.insert(
                        KeyId::of(&pk),
                        KeyState {
                            body: body.clone(),
                            public_key: pk,
                            added_at: seq,
                            revoked_at: None,
                        },
                    );
                }
            }
            Effect::KeyRevoked { key } => {
                if let Some(ks) = self.keys.get_mut(key) {
                    ks.revoked_at = Some(seq);
                }
            }
            Effect::ObjectiveDefined(o) => {
                self.objectives.insert(o.id.clone());
            }
            Effect::CommitmentCreated {
                fields,
                lead,
                phase,
            } => {
                self.commitments.insert(
                    fields.id.clone(),
                    CommitmentState {
                        phase,
                        lead: Some(lead.clone()),
                        co_executors: fields.co_executors.iter().cloned().collect(),
                        indicators: fields.indicators.iter().map(|i| i.id.clone()).collect(),
                        pending: None,
                        claims: IdSet::default(),
                        extension_requests: IdSet::default(),
                    },
                );
            }
            Effect::Phase { commitment, phase } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    c.phase = phase;
                }
            }
            Effect::Lead { commitment, to, .. } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    c.co_executors.remove(to);
                    c.lead = Some(to.clone());
                }
            }
            Effect::LeadCleared { commitment } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    c.lead = None;
                }
            }
            Effect::Closed {
                commitment,
                superseded_by,
            } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    c.phase = match superseded_by {
                        Some(_) => Phase::Superseded,
                        None => Phase::Cancelled,
                    };
                    c.pending = None;
                }
            }
            Effect::HandoverProposed {
                commitment,
                proposal,
                proposer,
                to,
                ..
            } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    c.pending = Some(PendingHandover {
                        proposal: proposal.clone(),
                        proposer: proposer.clone(),
                        to: to.clone(),
                    });
                }
            }
            Effect::HandoverEnded { commitment, .. } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    c.pending = None;
                }
            }
            Effect::CoExecutorAdded { commitment, body } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    c.co_executors.insert(body.clone());
                }
            }
            Effect::CoExecutorRemoved { commitment, body } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    c.co_executors.remove(body);
                }
            }
            Effect::Claim { id, report } => {
                if let Some(c) = self.commitments.get_mut(&report.commitment) {
                    c.claims.insert(id.clone());
                }
            }
            Effect::ExtensionRequested { id, request } => {
                if let Some(c) = self.commitments.get_mut(&request.commitment) {
                    c.extension_requests.insert(id.clone());
                }
            }
            Effect::InquiryRaised(q) => {
                self.inquiries.insert(
                    q.inquiry.clone(),
                    InquiryState {
                        to: q.to.clone(),
                        answered: false,
                    },
                );
            }
            Effect::InquiryAnswered(a) => {
                if let Some(q) = self.inquiries.get_mut(&a.inquiry) {
                    q.answered = true;
                }
            }
            // Records the rules never consult: only the projections keep them.
            Effect::Reassigned { .. }
            | Effect::Measured(_)
            | Effect::DeadlineChanged(_)
            | Effect::Assessed(_)
            | Effect::Noted(_) => {}
        }
    }
}

/// The time policy (SPEC.md §12.2 step 5).
pub(crate) fn check_time(
    policy: &Policy,
    recorded_at: Millis,
    at: Millis,
) -> Result<(), RuleError> {
    let age = recorded_at.0 as i128 - at.0 as i128;
    ensure(
        age <= policy.max_age_seconds as i128 * 1000,
        Rule::TimeTooOld,
        || {
            format!(
            "event claims {} but is recorded at {}, more than the {} s the genesis policy allows",
            at, recorded_at, policy.max_age_seconds
        )
        },
    )?;
    ensure(
        -age <= policy.max_future_seconds as i128 * 1000,
        Rule::TimeInFuture,
        || {
            format!(
            "event claims {} but is recorded at {}, more than the {} s ahead the genesis policy allows",
            at, recorded_at, policy.max_future_seconds
        )
        },
    )
}

/// An origin is the checkpoint's first line and the ledger key's name: printable ASCII, no
/// spaces, no '+' (which would break the verifier-key syntax).
pub fn valid_origin(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.bytes().all(|c| c.is_ascii_graphic() && c != b'+')
}
