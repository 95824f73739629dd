//! Signed events: the canonical JSON envelope, the typed body of each event type, and the
//! checks that turn untrusted bytes into an `Event` (SPEC.md, "Events").

use crate::keys::KeyId;
use crate::types::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    pub fn kind(&self) -> &'static str {
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
        kind: body.kind().to_string(),
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

/// Parses untrusted event bytes: JSON, integers only, canonical form, known version and type,
/// and a body of the right shape. Verification never re-serializes what it stores; this check
/// only proves the bytes are the one canonical encoding of what they say.
pub fn parse(bytes: &[u8]) -> Result<Event, FormatError> {
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
    let env: Envelope =
        serde_json::from_slice(bytes).map_err(|e| FormatError::Envelope(e.to_string()))?;
    let at = Millis::parse_rfc3339(&env.at).map_err(FormatError::Envelope)?;
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

// ---------------------------------------------------------------------------------------------
// Vocabulary shared by several bodies.

/// What a body may do in the ledger (SPEC.md, "Roles").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Executor,
    Coordinator,
    Overseer,
    Observer,
    Registrar,
}

/// The components of European IBM (Regulation (EU) 2019/1896, article 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    BorderControl,
    SearchAndRescue,
    RiskAnalysis,
    InformationExchange,
    InterAgencyCooperation,
    CooperationAmongEuBodies,
    CooperationWithThirdCountries,
    SchengenMeasures,
    Return,
    Technology,
    QualityControl,
    SolidarityMechanisms,
    FundamentalRights,
    EducationAndTraining,
    ResearchAndInnovation,
}

/// An executor's claim about a commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    NotStarted,
    InProgress,
    AtRisk,
    Blocked,
    Implemented,
    PartiallyImplemented,
    NotImplemented,
}

/// An overseer's or coordinator's assessment of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Confirmed,
    PartiallyConfirmed,
    NotConfirmed,
    Contested,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundingSource {
    StateBudget,
    LocalBudget,
    InternationalTechnicalAssistance,
    NoneNeeded,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Funding {
    pub amount: Decimal,
    pub currency: String,
    pub source: FundingSource,
}

/// A document that backs a claim: its digest, where it lives, what act it cites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub sha256: Sha256Hex,
    pub location: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cites: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    pub date: Date,
    pub value: Decimal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[serde(deny_unknown_fields)]
pub struct BodyInfo {
    pub id: BodyId,
    pub name_uk: String,
    pub name_en: String,
    pub kind: String,
}

/// How far an event's claimed time may be from the ledger's recording time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
// Bodies, one struct per event type.

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Genesis {
    pub origin: String,
    pub time_zone: String,
    pub registrar: BodyInfo,
    pub registrar_key: String,
    pub ledger_key: String,
    pub policy: Policy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyRegistered {
    pub id: BodyId,
    pub name_uk: String,
    pub name_en: String,
    pub kind: String,
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub public_keys: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodyUpdated {
    pub id: BodyId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_uk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<Role>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BodySucceeded {
    pub id: BodyId,
    pub successor: BodyId,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyAdded {
    pub body: BodyId,
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRevoked {
    pub body: BodyId,
    pub key: KeyId,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectiveDefined {
    pub id: ObjectiveId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ObjectiveId>,
    pub title_uk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// The fields of a commitment, shared by `commitment.assigned` (with a lead) and
/// `commitment.made` (the author is the lead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentFields {
    pub id: CommitmentId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<BodyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<ObjectiveId>,
    pub title_uk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_executors: Vec<BodyId>,
    pub deadline: Date,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<Indicator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding: Option<Funding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentRef {
    pub commitment: CommitmentId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentReason {
    pub commitment: CommitmentId,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitmentSuperseded {
    pub commitment: CommitmentId,
    pub successor: CommitmentId,
    pub reason: String,
}

/// `handover.proposed` and `commitment.reassigned`: move the lead to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub commitment: CommitmentId,
    pub to: BodyId,
    pub reason: String,
}

/// `handover.accepted`, `handover.declined`, `handover.withdrawn`: answer one proposal, named by
/// the event id of its `handover.proposed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoverAnswer {
    pub commitment: CommitmentId,
    pub proposal: EventId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoExecutorChange {
    pub commitment: CommitmentId,
    pub body: BodyId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusReported {
    pub commitment: CommitmentId,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorMeasured {
    pub commitment: CommitmentId,
    pub indicator: IndicatorId,
    pub value: Decimal,
    pub as_of: Date,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineRequest {
    pub commitment: CommitmentId,
    pub deadline: Date,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeadlineChanged {
    pub commitment: CommitmentId,
    pub deadline: Date,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<EventId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssessmentRecorded {
    pub commitment: CommitmentId,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<EventId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteAdded {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<CommitmentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<EventId>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InquiryRaised {
    pub inquiry: InquiryId,
    pub to: BodyId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<CommitmentId>,
    pub question: String,
    pub due: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InquiryAnswered {
    pub inquiry: InquiryId,
    pub answer: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

macro_rules! bodies {
    ($($variant:ident($ty:ty) = $name:literal,)*) => {
        /// The typed body of an event; the variant is the event's `type`.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum Body {
            $($variant($ty),)*
        }

        /// Every event type, in the order SPEC.md lists them.
        pub const EVENT_TYPES: &[&str] = &[$($name,)*];

        impl Body {
            pub fn kind(&self) -> &'static str {
                match self {
                    $(Body::$variant(_) => $name,)*
                }
            }

            pub fn to_value(&self) -> Value {
                let v = match self {
                    $(Body::$variant(b) => serde_json::to_value(b),)*
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
                    $($name => Body::$variant(serde_json::from_value(value).map_err(err)?),)*
                    other => return Err(FormatError::UnknownType(other.to_string())),
                })
            }
        }
    };
}

bodies! {
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
        assert_eq!(ev.kind(), "commitment.accepted");
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
        assert_eq!(EVENT_TYPES.len(), 28);
    }
}
