//! Signed events: the canonical JSON envelope, the vocabulary bodies share, the table of event
//! types, and the checks that turn untrusted bytes into an `Event` (SPEC.md, "Events").
//!
//! The table at the end of this file (`event_types!`) is the one list of event types: it makes
//! `Body`, `EventKind` (with `ALL`, `name`, `from_name`) and `EVENT_TYPES`, and it dispatches
//! each type to its `EventType` implementation, which lives with the type's body in its family
//! file under `events/`.

use crate::events::{About, Before, Effect, EventType, Section};
use crate::keys::KeyId;
use crate::rules::{RuleError, State};
use crate::types::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use crate::events::oversight::*;
pub use crate::events::plan::*;
pub use crate::events::progress::*;
pub use crate::events::registry::*;
pub use crate::events::responsibility::*;

/// The `v` member of every event.
pub const FORMAT_VERSION: u64 = 1;

/// The largest integer a JSON number may hold in an event: JCS (RFC 8785) writes numbers as
/// IEEE 754 doubles, which are exact only up to 2^53 - 1.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// The deepest an event may nest arrays and objects (SPEC.md, "Canonical JSON", step 1); the
/// event object itself is the first level.
pub const MAX_DEPTH: usize = 128;

/// Why event bytes are not a well-formed event.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum FormatError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error(
        "nested {0} levels deep; an event nests arrays and objects at most {MAX_DEPTH} levels"
    )]
    Depth(usize),
    #[error("not in RFC 8785 canonical form (kordon signs and stores canonical bytes only)")]
    NotCanonical,
    #[error(
        "number {0} is not an integer in [-(2^53-1), 2^53-1]; write fractions as decimal strings"
    )]
    Number(String),
    #[error("unsupported format version {0} (this kordon reads version 1)")]
    Version(u64),
    #[error("unknown event type {0:?}")]
    UnknownType(String),
    #[error("envelope: {0}")]
    Envelope(String),
    #[error("body of {kind}: {msg}")]
    Body { kind: String, msg: String },
}

/// The envelope every event shares. Member names are the JSON names.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope {
    v: u64,
    ledger: String,
    id: EventId,
    #[serde(rename = "type")]
    kind: String,
    author: BodyId,
    key: KeyId,
    at: String,
    body: Value,
}

/// A parsed, well-formed event. The canonical bytes it came from are kept by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub ledger: String,
    pub id: EventId,
    pub author: BodyId,
    pub key: KeyId,
    pub at: Millis,
    pub body: Body,
}

impl Event {
    pub fn kind(&self) -> EventKind {
        self.body.kind()
    }
}

/// Builds canonical event bytes from parts; the CLI and tools sign what this returns.
pub fn encode(
    ledger: &str,
    id: &EventId,
    author: &BodyId,
    key: &KeyId,
    at: Millis,
    body: &Body,
) -> Result<Vec<u8>, FormatError> {
    let env = Envelope {
        v: FORMAT_VERSION,
        ledger: ledger.to_string(),
        id: id.clone(),
        kind: body.kind().name().to_string(),
        author: author.clone(),
        key: key.clone(),
        at: at.to_rfc3339(),
        body: body.to_value(),
    };
    let value = serde_json::to_value(&env).map_err(|e| FormatError::Json(e.to_string()))?;
    let bytes = canonical(&value)?;
    // Round-trip through the parser so nothing unparseable is ever signed.
    parse(&bytes)?;
    Ok(bytes)
}

/// RFC 8785 canonical bytes of a JSON value, refusing non-integer numbers.
pub fn canonical(value: &Value) -> Result<Vec<u8>, FormatError> {
    check_numbers(value)?;
    if ascii_keys(value) {
        // For JSON whose numbers are all integers and whose member names are all ASCII,
        // serde_json's compact writer produces exactly the RFC 8785 form: its maps are sorted
        // by code point, which for ASCII names is the UTF-16 order JCS asks for; integers are
        // written the same way; and strings are escaped the same way (the short escapes for
        // \b \t \n \f \r, \u00xx in lowercase hex for other control characters, `"` and
        // `\\`, everything else literal). It is several times faster than a general JCS
        // encoder; `canonical_is_jcs` in the tests holds the two to the same bytes.
        serde_json::to_vec(value).map_err(|e| FormatError::Json(e.to_string()))
    } else {
        serde_json_canonicalizer::to_vec(value).map_err(|e| FormatError::Json(e.to_string()))
    }
}

fn ascii_keys(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.iter().all(|(k, x)| k.is_ascii() && ascii_keys(x)),
        Value::Array(a) => a.iter().all(ascii_keys),
        _ => true,
    }
}

/// The path of the first `null` or `[]` in a value, if any.
fn null_or_empty(v: &Value, path: String) -> Option<String> {
    match v {
        Value::Null => Some(path),
        Value::Array(a) if a.is_empty() => Some(path),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .find_map(|(i, x)| null_or_empty(x, format!("{path}[{i}]"))),
        Value::Object(o) => o.iter().find_map(|(k, x)| {
            null_or_empty(
                x,
                if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                },
            )
        }),
        _ => None,
    }
}

fn check_numbers(v: &Value) -> Result<(), FormatError> {
    match v {
        Value::Number(n) => {
            let ok = n.as_u64().is_some_and(|x| x <= MAX_SAFE_INTEGER)
                || n.as_i64()
                    .is_some_and(|x| x.unsigned_abs() <= MAX_SAFE_INTEGER);
            if ok {
                Ok(())
            } else {
                Err(FormatError::Number(n.to_string()))
            }
        }
        Value::Array(a) => a.iter().try_for_each(check_numbers),
        Value::Object(o) => o.values().try_for_each(check_numbers),
        _ => Ok(()),
    }
}

/// The envelope as it is read straight from bytes: the body stays raw JSON until the type,
/// which comes after it in name order, says what it is.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvelope<'a> {
    v: u64,
    ledger: String,
    id: EventId,
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
    author: BodyId,
    key: KeyId,
    #[serde(borrow)]
    at: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    body: &'a serde_json::value::RawValue,
}

/// Parses untrusted event bytes: JSON, integers only, canonical form, known version and type,
/// and a body of the right shape. Verification never re-serializes what it stores; this check
/// only proves the bytes are the one canonical encoding of what they say.
///
/// Bytes that `canon::is_plain_canonical` vouches for (every event kordon writes) are read
/// straight into the typed event; any other bytes, and any the typed reading refuses, go the
/// general way (`parse_general`), which decides and names the fault. Both ways give the same
/// event for the same bytes (`parse_ways_agree` in the tests and the `event` fuzz target).
pub fn parse(bytes: &[u8]) -> Result<Event, FormatError> {
    match parse_plain(bytes) {
        Some(ev) => Ok(ev),
        None => parse_general(bytes),
    }
}

/// The straight way: `None` unless the bytes are plainly canonical and read as an event of
/// format version 1 whose body fits its type.
pub fn parse_plain(bytes: &[u8]) -> Option<Event> {
    if !crate::canon::is_plain_canonical(bytes) {
        return None;
    }
    let env: RawEnvelope<'_> = serde_json::from_slice(bytes).ok()?;
    if env.v != FORMAT_VERSION {
        return None;
    }
    event_of(env).ok()
}

fn event_of(env: RawEnvelope<'_>) -> Result<Event, FormatError> {
    let at = Millis::parse_rfc3339(&env.at).map_err(FormatError::Envelope)?;
    let body = Body::from_json(&env.kind, env.body.get())?;
    Ok(Event {
        ledger: env.ledger,
        id: env.id,
        author: env.author,
        key: env.key,
        at,
        body,
    })
}

/// The general way: the bytes as a JSON tree, written out canonically and compared, then
/// read into the event. Slower, and exact about what is wrong.
pub fn parse_general(bytes: &[u8]) -> Result<Event, FormatError> {
    let value = parse_json(bytes)?;
    if canonical(&value)? != bytes {
        return Err(FormatError::NotCanonical);
    }
    let env: Envelope =
        serde_json::from_value(value).map_err(|e| FormatError::Envelope(e.to_string()))?;
    if env.v != FORMAT_VERSION {
        return Err(FormatError::Version(env.v));
    }
    let at = Millis::parse_rfc3339(&env.at).map_err(FormatError::Envelope)?;
    // One meaning, one encoding: an absent optional member is omitted, never written as
    // `null` or `[]`.
    if let Some(path) = null_or_empty(&env.body, "body".into()) {
        return Err(FormatError::Body {
            kind: env.kind,
            msg: format!("{path} is null or an empty list; omit absent members instead"),
        });
    }
    let body = Body::from_value(&env.kind, env.body)?;
    Ok(Event {
        ledger: env.ledger,
        id: env.id,
        author: env.author,
        key: env.key,
        at,
        body,
    })
}

/// Parses untrusted bytes as one JSON value nested at most `MAX_DEPTH` levels. serde_json's
/// own limit refuses the 128th level, so the depth is measured first and its limit lifted.
fn parse_json(bytes: &[u8]) -> Result<Value, FormatError> {
    // Counting every `[` and `{` is a vectorized pass and bounds the depth; only an event with
    // more than MAX_DEPTH of them (in strings, say) pays for the exact scan.
    let brackets = bytes.iter().filter(|b| matches!(b, b'[' | b'{')).count();
    if brackets > MAX_DEPTH {
        let depth = nesting_depth(bytes);
        if depth > MAX_DEPTH {
            return Err(FormatError::Depth(depth));
        }
    }
    let json = |e: serde_json::Error| FormatError::Json(e.to_string());
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.disable_recursion_limit();
    let value = Value::deserialize(&mut de).map_err(json)?;
    de.end().map_err(json)?;
    Ok(value)
}

/// How deep `[` and `{` nest outside strings: exact for JSON, and for bytes that are not JSON
/// at least as deep as a parser gets before it refuses them.
fn nesting_depth(bytes: &[u8]) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Parses event bytes already verified when they were appended (the local store), skipping
/// the canonical-form and number checks. Never use it on bytes from outside.
pub fn parse_trusted(bytes: &[u8]) -> Result<Event, FormatError> {
    let env: RawEnvelope<'_> =
        serde_json::from_slice(bytes).map_err(|e| FormatError::Envelope(e.to_string()))?;
    event_of(env)
}

// ---------------------------------------------------------------------------------------------
// Vocabulary shared by several bodies.

/// An enum of names. Each variant is written as its name in JSON, and `ALL`, `name` and
/// `from_name` come from the same table, so the three cannot disagree; a match on the enum is
/// exhaustive, so a label or colour forgotten for a new variant does not compile.
macro_rules! names {
    ($(#[$m:meta])* pub enum $E:ident { $($(#[$vm:meta])* $V:ident = $n:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        pub enum $E {
            $($(#[$vm])* #[serde(rename = $n)] $V,)*
        }

        impl $E {
            /// Every variant, in the order of the table.
            pub const ALL: &'static [$E] = &[$($E::$V,)*];

            /// The name, as written in JSON.
            pub const fn name(self) -> &'static str {
                match self {
                    $($E::$V => $n,)*
                }
            }

            pub fn from_name(s: &str) -> Option<$E> {
                match s {
                    $($n => Some($E::$V),)*
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $E {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}
pub(crate) use names;

names! {
    /// What a body may do in the ledger (SPEC.md, "Roles").
    pub enum Role {
        Executor = "executor",
        Coordinator = "coordinator",
        Overseer = "overseer",
        Observer = "observer",
        Registrar = "registrar",
    }
}

names! {
    /// The components of European IBM (Regulation (EU) 2019/1896, article 3).
    pub enum Component {
        BorderControl = "border_control",
        SearchAndRescue = "search_and_rescue",
        RiskAnalysis = "risk_analysis",
        InformationExchange = "information_exchange",
        InterAgencyCooperation = "inter_agency_cooperation",
        CooperationAmongEuBodies = "cooperation_among_eu_bodies",
        CooperationWithThirdCountries = "cooperation_with_third_countries",
        SchengenMeasures = "schengen_measures",
        Return = "return",
        Technology = "technology",
        QualityControl = "quality_control",
        SolidarityMechanisms = "solidarity_mechanisms",
        FundamentalRights = "fundamental_rights",
        EducationAndTraining = "education_and_training",
        ResearchAndInnovation = "research_and_innovation",
    }
}

names! {
    /// An executor's claim about a commitment.
    pub enum Status {
        NotStarted = "not_started",
        InProgress = "in_progress",
        AtRisk = "at_risk",
        Blocked = "blocked",
        Implemented = "implemented",
        PartiallyImplemented = "partially_implemented",
        NotImplemented = "not_implemented",
    }
}

names! {
    /// An overseer's or coordinator's assessment of a claim.
    pub enum Verdict {
        Confirmed = "confirmed",
        PartiallyConfirmed = "partially_confirmed",
        NotConfirmed = "not_confirmed",
        Contested = "contested",
    }
}

names! {
    pub enum FundingSource {
        StateBudget = "state_budget",
        LocalBudget = "local_budget",
        InternationalTechnicalAssistance = "international_technical_assistance",
        NoneNeeded = "none_needed",
        Other = "other",
    }
}

names! {
    /// A commitment's phase (SPEC.md §12.1): the one lifecycle the rules and the projections
    /// share.
    pub enum Phase {
        /// Assigned by a coordinator; the lead has not accepted yet and is not responsible.
        Assigned = "assigned",
        Active = "active",
        Rejected = "rejected",
        /// Final, like `Superseded`: the commitment is closed.
        Cancelled = "cancelled",
        Superseded = "superseded",
    }
}

impl Phase {
    /// Cancelled or superseded: nothing more can change the commitment.
    pub fn is_closed(self) -> bool {
        match self {
            Phase::Cancelled | Phase::Superseded => true,
            Phase::Assigned | Phase::Active | Phase::Rejected => false,
        }
    }
}

names! {
    /// How a body came to lead a commitment.
    pub enum How {
        /// Accepted an assignment.
        Accepted = "accepted",
        /// Committed itself (`commitment.made`).
        Made = "made",
        /// Accepted a handover.
        Handover = "handover",
        /// Reassigned by a coordinator, without its acceptance.
        Reassigned = "reassigned",
        /// Added as a co-executor.
        Added = "added",
    }
}

names! {
    /// How a proposed handover ended.
    pub enum Outcome {
        Accepted = "accepted",
        Declined = "declined",
        Withdrawn = "withdrawn",
        /// The commitment was reassigned, cancelled or superseded while it was pending.
        Superseded = "superseded",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Funding {
    pub amount: Decimal,
    pub currency: String,
    pub source: FundingSource,
}

/// A document that backs a claim: its digest, where it lives, what act it cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub sha256: Sha256Hex,
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cites: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub date: Date,
    pub value: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: IndicatorId,
    pub name_uk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub milestones: Vec<Milestone>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct BodyInfo {
    pub id: BodyId,
    pub name_uk: String,
    pub name_en: String,
    pub kind: String,
}

/// How far an event's claimed time may be from the ledger's recording time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// An event may be recorded at most this many seconds after its claimed time.
    pub max_age_seconds: u64,
    /// An event may claim a time at most this many seconds after it is recorded.
    pub max_future_seconds: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_age_seconds: 7 * 24 * 3600,
            max_future_seconds: 300,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The table of event types.

macro_rules! event_types {
    ($($V:ident($ty:ty) = $name:literal,)*) => {
        /// The typed body of an event; the variant is the event's `type`.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Body {
            $($V($ty),)*
        }

        /// An event type. Matches on it are exhaustive, so a type added to the table without
        /// its label, section or rules does not compile. In JSON it is its name; in binary
        /// formats its position in the table (`index`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u8)]
        pub enum EventKind {
            $($V,)*
        }

        /// One marker type per event type, on which its family file (`events/`) implements
        /// `EventType`: the table names the marker, so a type without an implementation, or
        /// with an implementation for another body, does not compile.
        pub mod ty {
            $(
                #[doc = concat!("`", $name, "`")]
                #[derive(Debug, Clone, Copy)]
                pub struct $V;
            )*
        }

        /// Every event type's name, in the order SPEC.md lists them.
        pub const EVENT_TYPES: &[&str] = &[$($name,)*];

        impl EventKind {
            /// Every event type, in the table's order (`index` is the position here).
            pub const ALL: &'static [EventKind] = &[$(EventKind::$V,)*];

            /// The `type` member of its events, e.g. `handover.proposed`.
            pub fn name(self) -> &'static str {
                match self {
                    $(EventKind::$V => $name,)*
                }
            }

            pub fn from_name(s: &str) -> Option<EventKind> {
                match s {
                    $($name => Some(EventKind::$V),)*
                    _ => None,
                }
            }

            /// The section of "what changed" (`views::changes`) its events are listed in.
            pub fn section(self) -> Section {
                match self {
                    $(EventKind::$V => <ty::$V as EventType>::SECTION,)*
                }
            }
        }

        impl Body {
            pub fn kind(&self) -> EventKind {
                match self {
                    $(Body::$V(_) => EventKind::$V,)*
                }
            }

            pub fn to_value(&self) -> Value {
                let v = match self {
                    $(Body::$V(b) => serde_json::to_value(b),)*
                };
                // Serializing plain structs of strings and enums cannot fail.
                v.unwrap_or(Value::Null)
            }

            pub fn from_value(kind: &str, value: Value) -> Result<Body, FormatError> {
                let err = |e: serde_json::Error| FormatError::Body {
                    kind: kind.to_string(),
                    msg: e.to_string(),
                };
                Ok(match kind {
                    $($name => Body::$V(serde_json::from_value(value).map_err(err)?),)*
                    other => return Err(FormatError::UnknownType(other.to_string())),
                })
            }

            /// The body of type `kind` from its JSON text, read straight into its struct.
            pub fn from_json(kind: &str, json: &str) -> Result<Body, FormatError> {
                let err = |e: serde_json::Error| FormatError::Body {
                    kind: kind.to_string(),
                    msg: e.to_string(),
                };
                Ok(match kind {
                    $($name => Body::$V(serde_json::from_str(json).map_err(err)?),)*
                    other => return Err(FormatError::UnknownType(other.to_string())),
                })
            }

            /// The rules of this event's type (SPEC.md §12.4), after the envelope checks.
            pub(crate) fn check(
                &self,
                s: &State,
                ev: &Event,
                seq: u64,
                recorded_at: Millis,
            ) -> Result<(), RuleError> {
                match self {
                    $(Body::$V(b) => <ty::$V as EventType>::check(b, s, ev, seq, recorded_at),)*
                }
            }

            /// What the event changes, once accepted, in the order the changes apply.
            pub fn effects<'a>(&'a self, ev: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
                match self {
                    $(Body::$V(b) => <ty::$V as EventType>::effects(b, ev, out),)*
                }
            }

            /// What the event is about: a commitment, an inquiry, or neither.
            pub fn about(&self) -> About<'_> {
                match self {
                    $(Body::$V(b) => <ty::$V as EventType>::about(b),)*
                }
            }

            /// One line for a commitment's history in the language `l`; `before` is that
            /// history just before it.
            pub fn summary(&self, ev: &Event, before: &Before<'_>, l: crate::l10n::Lang) -> String {
                match self {
                    $(Body::$V(b) => <ty::$V as EventType>::summary(b, ev, before, l),)*
                }
            }

            /// The public keys (base64) the event registers.
            pub fn introduced_keys(&self) -> &[String] {
                match self {
                    $(Body::$V(b) => <ty::$V as EventType>::introduced_keys(b),)*
                }
            }
        }
    };
}

/// The table of event types, handed to `$m` (so more than one macro can read it).
macro_rules! for_each_type {
    ($m:ident) => {
        $m! {
            Genesis(Genesis) = "ledger.genesis",
            BodyRegistered(BodyRegistered) = "body.registered",
            BodyUpdated(BodyUpdated) = "body.updated",
            BodySucceeded(BodySucceeded) = "body.succeeded",
            KeyAdded(KeyAdded) = "key.added",
            KeyRevoked(KeyRevoked) = "key.revoked",
            ObjectiveDefined(ObjectiveDefined) = "objective.defined",
            CommitmentAssigned(CommitmentFields) = "commitment.assigned",
            CommitmentAccepted(CommitmentRef) = "commitment.accepted",
            CommitmentRejected(CommitmentReason) = "commitment.rejected",
            CommitmentMade(CommitmentFields) = "commitment.made",
            CommitmentCancelled(CommitmentReason) = "commitment.cancelled",
            CommitmentSuperseded(CommitmentSuperseded) = "commitment.superseded",
            CommitmentReassigned(Transfer) = "commitment.reassigned",
            HandoverProposed(Transfer) = "handover.proposed",
            HandoverAccepted(HandoverAnswer) = "handover.accepted",
            HandoverDeclined(HandoverAnswer) = "handover.declined",
            HandoverWithdrawn(HandoverAnswer) = "handover.withdrawn",
            CoExecutorAdded(CoExecutorChange) = "coexecutor.added",
            CoExecutorRemoved(CoExecutorChange) = "coexecutor.removed",
            StatusReported(StatusReported) = "status.reported",
            IndicatorMeasured(IndicatorMeasured) = "indicator.measured",
            DeadlineExtensionRequested(DeadlineRequest) = "deadline.extension_requested",
            DeadlineChanged(DeadlineChanged) = "deadline.changed",
            AssessmentRecorded(AssessmentRecorded) = "assessment.recorded",
            NoteAdded(NoteAdded) = "note.added",
            InquiryRaised(InquiryRaised) = "inquiry.raised",
            InquiryAnswered(InquiryAnswered) = "inquiry.answered",
        }
    };
}

macro_rules! table_to_types {
    ($($V:ident($ty:ty) = $name:literal,)*) => {
        event_types! { $($V($ty) = $name,)* }
    };
}
for_each_type!(table_to_types);

/// The JSON Schema of each type's body, derived from the body types (SPEC.md §5.3).
#[cfg(feature = "schema")]
pub mod schema {
    use super::*;

    macro_rules! body_schemas {
        ($($V:ident($ty:ty) = $name:literal,)*) => {
            /// The schema of `kind`'s body: a reference into `gen`'s definitions.
            pub fn body_schema(kind: EventKind, gen: &mut schemars::SchemaGenerator) -> schemars::Schema {
                match kind {
                    $(EventKind::$V => gen.subschema_for::<$ty>(),)*
                }
            }
        };
    }
    for_each_type!(body_schemas);
}

impl EventKind {
    /// Its position in the table.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Option<EventKind> {
        EventKind::ALL.get(i).copied()
    }

    /// SHA-256 of the table: every type's name followed by a newline, in the table's order. It
    /// changes when a type is added, removed, renamed or moved, so a file that stores kinds by
    /// position (or facts folded by these types) can tell that it was written by another table.
    pub fn table_hash() -> crate::hash::Hash {
        let mut text = String::new();
        for k in EventKind::ALL {
            text.push_str(k.name());
            text.push('\n');
        }
        crate::hash::Hash::sha256(text.as_bytes())
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl PartialEq<&str> for EventKind {
    fn eq(&self, o: &&str) -> bool {
        self.name() == *o
    }
}

impl PartialEq<str> for EventKind {
    fn eq(&self, o: &str) -> bool {
        self.name() == o
    }
}

/// Text (the name) in human-readable formats such as JSON; the position in the table (one
/// byte) in binary ones.
/// By name, in JSON and in binary forms alike (the projections snapshot): a position in the
/// table would silently misread an old snapshot once a type is added or reordered.
impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
        EventKind::from_name(&name)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown event type {name:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        encode(
            "kordon.example/ibm",
            &EventId::parse("e1").unwrap(),
            &BodyId::parse("sbgs").unwrap(),
            &KeyId::try_from("0123456789abcdef".to_string()).unwrap(),
            Millis::parse_rfc3339("2026-03-01T10:00:00Z").unwrap(),
            &Body::CommitmentAccepted(CommitmentRef {
                commitment: CommitmentId::parse("AP-2026/2.1").unwrap(),
            }),
        )
        .unwrap()
    }

    #[test]
    fn encode_is_canonical_and_parses_back() {
        let bytes = sample();
        assert_eq!(
            std::str::from_utf8(&bytes).unwrap(),
            r#"{"at":"2026-03-01T10:00:00Z","author":"sbgs","body":{"commitment":"AP-2026/2.1"},"id":"e1","key":"0123456789abcdef","ledger":"kordon.example/ibm","type":"commitment.accepted","v":1}"#
        );
        let ev = parse(&bytes).unwrap();
        assert_eq!(ev.kind(), EventKind::CommitmentAccepted);
        assert_eq!(ev.author.as_str(), "sbgs");
    }

    #[test]
    fn non_canonical_bytes_are_refused() {
        let bytes = sample();
        let mut spaced = b" ".to_vec();
        spaced.extend_from_slice(&bytes);
        assert_eq!(parse(&spaced), Err(FormatError::NotCanonical));
        let s = String::from_utf8(bytes).unwrap();
        // Members out of order.
        let reordered = s.replacen(
            r#"{"at":"2026-03-01T10:00:00Z","author":"sbgs","#,
            r#"{"author":"sbgs","at":"2026-03-01T10:00:00Z","#,
            1,
        );
        assert_eq!(parse(reordered.as_bytes()), Err(FormatError::NotCanonical));
    }

    #[test]
    fn floats_and_big_integers_are_refused() {
        let s = String::from_utf8(sample()).unwrap();
        let float = s.replace(r#""v":1"#, r#""v":1.5"#);
        assert!(matches!(
            parse(float.as_bytes()),
            Err(FormatError::Number(_))
        ));
        let big = s.replace(r#""v":1"#, r#""v":9007199254740993"#);
        assert!(matches!(parse(big.as_bytes()), Err(FormatError::Number(_))));
    }

    #[test]
    fn unknown_members_types_and_versions_are_refused() {
        let s = String::from_utf8(sample()).unwrap();
        let extra = s.replace(r#""v":1"#, r#""v":1,"x":1"#);
        assert!(matches!(
            parse(extra.as_bytes()),
            Err(FormatError::Envelope(_))
        ));
        let body_extra = s.replace(r#""AP-2026/2.1"}"#, r#""AP-2026/2.1","x":1}"#);
        assert!(matches!(
            parse(body_extra.as_bytes()),
            Err(FormatError::Body { .. })
        ));
        let ty = s.replace("commitment.accepted", "commitment.zzz");
        assert!(matches!(
            parse(ty.as_bytes()),
            Err(FormatError::UnknownType(_))
        ));
        let v2 = s.replace(r#""v":1"#, r#""v":2"#);
        assert_eq!(parse(v2.as_bytes()), Err(FormatError::Version(2)));
        assert!(matches!(parse(b"not json"), Err(FormatError::Json(_))));
    }

    #[test]
    fn absent_members_have_one_spelling() {
        let s = String::from_utf8(sample()).unwrap();
        let null = s.replace(r#""AP-2026/2.1"}"#, r#""AP-2026/2.1","x":null}"#);
        // Canonical order puts "x" after "commitment"; the null is refused before the unknown
        // member is.
        let err = parse(null.as_bytes()).unwrap_err();
        assert!(err.to_string().contains("body.x is null"), "{err}");
        let status = r#"{"at":"2026-03-01T10:00:00Z","author":"sbgs","body":{"commitment":"AP-1","evidence":[],"status":"in_progress"},"id":"e2","key":"0123456789abcdef","ledger":"l","type":"status.reported","v":1}"#;
        let err = parse(status.as_bytes()).unwrap_err();
        assert!(
            err.to_string()
                .contains("evidence is null or an empty list"),
            "{err}"
        );
    }

    #[test]
    fn canonical_is_jcs() {
        // Strings with every kind of character JCS treats specially, integers at the limits,
        // nested objects with keys that sort differently by bytes and by length.
        let mut strings: Vec<String> = (0u32..0x80)
            .filter_map(char::from_u32)
            .map(|c| format!("a{c}b"))
            .collect();
        strings.extend(
            [
                "\u{7f}",
                "\u{2028}\u{2029}",
                "€",
                "😀",
                "\u{fffd}",
                "\u{e000}",
                "\u{10000}",
                "\\/\"",
            ]
            .map(String::from),
        );
        for (i, s) in strings.iter().enumerate() {
            let v = serde_json::json!({
                "b": s, "a": [s, i, -(i as i64), MAX_SAFE_INTEGER, -(MAX_SAFE_INTEGER as i64)],
                "aa": {"z": true, "Z": false, "_": null, "0": s}, "ab": []
            });
            let fast = canonical(&v).unwrap();
            let jcs = serde_json_canonicalizer::to_vec(&v).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&jcs),
                "string {s:?}"
            );
        }
        // Non-ASCII member names take the general encoder (UTF-16 order differs from UTF-8).
        let v = serde_json::json!({"\u{e000}": 1, "😀": 2});
        assert_eq!(
            canonical(&v).unwrap(),
            serde_json_canonicalizer::to_vec(&v).unwrap()
        );
    }

    #[test]
    fn nesting_is_allowed_to_exactly_128_levels() {
        // The envelope is level 1 and the body level 2; an unknown body member "x" holds the
        // rest. The bytes are canonical, so the depth alone decides between the two faults:
        // at 128 levels the shape check refuses "x", at 129 the depth check comes first.
        let s = String::from_utf8(sample()).unwrap();
        let nested = |levels: usize| {
            let arrays = levels - 2;
            let x = format!("{}{}", "[".repeat(arrays), "]".repeat(arrays));
            s.replace(r#""AP-2026/2.1"}"#, &format!(r#""AP-2026/2.1","x":{x}}}"#))
        };
        assert_eq!(nesting_depth(nested(128).as_bytes()), 128);
        let at_limit = parse(nested(128).as_bytes()).unwrap_err();
        assert!(matches!(at_limit, FormatError::Body { .. }), "{at_limit}");
        assert_eq!(parse(nested(129).as_bytes()), Err(FormatError::Depth(129)));
        // Brackets inside strings do not count, nor do escaped quotes end a string.
        assert_eq!(nesting_depth(br#"{"a":"[[[{{{\"[","b":[{}]}"#), 3);
        // An event with many brackets in its texts is judged by its real depth.
        let texty = s.replace("AP-2026/2.1", &"[{".repeat(200));
        assert!(matches!(
            parse(texty.as_bytes()),
            Err(FormatError::Body { .. })
        ));
        assert!(parse(&vec![b'['; 100_000]).is_err());
    }

    #[test]
    fn every_type_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for t in EVENT_TYPES {
            assert!(seen.insert(*t), "{t} twice");
        }
        assert_eq!(EventKind::ALL.len(), EVENT_TYPES.len());
        for (i, k) in EventKind::ALL.iter().enumerate() {
            assert_eq!(k.name(), EVENT_TYPES[i]);
            assert_eq!(k.index(), i);
            assert_eq!(EventKind::from_index(i), Some(*k));
            assert_eq!(EventKind::from_name(k.name()), Some(*k));
        }
        assert_eq!(EventKind::from_name("commitment.zzz"), None);
        assert_eq!(EventKind::from_index(EVENT_TYPES.len()), None);
    }

    #[test]
    fn kinds_are_their_names_in_json() {
        let k = EventKind::HandoverAccepted;
        assert_eq!(serde_json::to_string(&k).unwrap(), "\"handover.accepted\"");
        assert_eq!(
            serde_json::from_str::<EventKind>("\"handover.accepted\"").unwrap(),
            k
        );
        assert!(serde_json::from_str::<EventKind>("\"handover.zzz\"").is_err());
        assert_eq!(k.to_string(), "handover.accepted");
        assert!(k == "handover.accepted");
    }

    #[test]
    fn the_table_hash_is_of_the_names_in_order() {
        let text: String = EVENT_TYPES.iter().map(|t| format!("{t}\n")).collect();
        assert_eq!(
            EventKind::table_hash(),
            crate::hash::Hash::sha256(text.as_bytes())
        );
        assert!(text.starts_with("ledger.genesis\nbody.registered\n"));
    }

    #[test]
    fn names_are_the_json_spelling() {
        fn check<T: Serialize + Copy + std::fmt::Debug>(all: &[T], name: fn(T) -> &'static str) {
            for v in all {
                assert_eq!(
                    serde_json::to_value(v).unwrap(),
                    Value::String(name(*v).into()),
                    "{v:?}"
                );
            }
        }
        check(Role::ALL, Role::name);
        check(Component::ALL, Component::name);
        check(Status::ALL, Status::name);
        check(Verdict::ALL, Verdict::name);
        check(FundingSource::ALL, FundingSource::name);
        check(Phase::ALL, Phase::name);
        check(How::ALL, How::name);
        check(Outcome::ALL, Outcome::name);
        assert_eq!(Status::from_name("at_risk"), Some(Status::AtRisk));
        assert_eq!(Status::from_name("AtRisk"), None);
        assert_eq!(Component::ALL.len(), 15);
    }
}
