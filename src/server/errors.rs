//! Errors as RFC 9457 problem details (`application/problem+json`).
//!
//! Every error the API gives has a stable `type`, `urn:kordon:problem:<code>`, where `<code>` is
//! the stable name of what went wrong: for a refused event it is the ledger's own name for the
//! fault (`Fault::code()`: `signature.invalid`, `event.not-canonical`, a rule's code such as
//! `status.lead-only`), for everything else one of the `request.*`, `read.*`, `not-found.*` and
//! `server.*` codes of `ServerCode`, whose table below gives each its status, title, hint and
//! meaning. The body also carries the code alone (`code`), a sentence naming what was wrong
//! (`detail`) and one saying what to do (`hint`). A client's mistake is always a 4xx; a 5xx
//! means the server or its storage failed, never the request.

use crate::core::chain::{EntryFault, Fault};
use crate::core::entry::EntryError;
use crate::core::rules::Rule;
use crate::ledger::{AppendError, ProofRequestError};
use crate::store::StoreError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

/// The prefix of every problem `type`.
pub const TYPE_PREFIX: &str = "urn:kordon:problem:";

/// The media type of problem bodies.
pub const PROBLEM_JSON: &str = "application/problem+json";

macro_rules! server_codes {
    ($($V:ident = $code:literal, $status:ident, $title:expr, $hint:expr, $meaning:literal;)*) => {
        /// A problem the server itself reports (a refused event reports the ledger's fault code
        /// instead): each with its code, HTTP status, title, hint and, for the API document,
        /// what it means.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ServerCode {
            $(#[doc = $meaning] $V,)*
        }

        impl ServerCode {
            pub const ALL: &'static [ServerCode] = &[$(ServerCode::$V,)*];

            /// The stable code, e.g. `not-found.entry`.
            pub fn code(self) -> &'static str {
                match self {
                    $(ServerCode::$V => $code,)*
                }
            }

            pub fn status(self) -> StatusCode {
                match self {
                    $(ServerCode::$V => StatusCode::$status,)*
                }
            }

            pub fn title(self) -> &'static str {
                match self {
                    $(ServerCode::$V => $title,)*
                }
            }

            /// What to do about it.
            pub fn hint(self) -> &'static str {
                match self {
                    $(ServerCode::$V => $hint,)*
                }
            }

            /// When it happens, for the API document.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(ServerCode::$V => $meaning,)*
                }
            }
        }
    };
}

const NOT_IN_LEDGER: &str = "Not in the ledger";
const SEE_CHECKPOINT: &str = "GET /checkpoint gives the ledger's current size";

server_codes! {
    RequestMalformed = "request.malformed", BAD_REQUEST,
        "The request body is not a submission",
        "send {\"event\": base64 of the exact canonical event bytes, \"signature\": base64 of the 64-byte Ed25519 signature}",
        "the body is not a submission (JSON, base64, a 64-byte signature)";
    RequestParameter = "request.parameter", BAD_REQUEST,
        "A path or query parameter is not valid",
        "see /openapi.json for each endpoint's parameters",
        "a path or query parameter is not valid";
    RequestMediaType = "request.media-type", UNSUPPORTED_MEDIA_TYPE,
        "Submissions are JSON",
        "send the submission with Content-Type: application/json",
        "a submission that is not application/json";
    RequestTooLarge = "request.too-large", PAYLOAD_TOO_LARGE,
        "The request body is too large",
        "submit one event per request; an event must fit in an entry of 65,535 bytes",
        "a request body over the limit";
    RequestTimeout = "request.timeout", REQUEST_TIMEOUT,
        "The request body took too long",
        "send the body at once; retry",
        "the request body did not arrive in time";
    RequestUriTooLong = "request.uri-too-long", URI_TOO_LONG,
        "The request's URL is too long",
        "ask for less in one request (see /openapi.json for each endpoint's parameters)",
        "the path and query are longer than 8 KiB";
    RequestMethod = "request.method", METHOD_NOT_ALLOWED,
        "Method not allowed on this endpoint",
        "the endpoints and their methods are listed in /openapi.json",
        "the endpoint does not answer that method";
    ReadUnauthorized = "read.unauthorized", UNAUTHORIZED,
        "Reading this ledger needs a bearer token",
        "send Authorization: Bearer <token>, as given by the ledger's operator",
        "--read-token is set and the request has no valid bearer token";
    ReadWithheld = "read.withheld", UNPROCESSABLE_ENTITY,
        "The ledger refused the event",
        "check the event's ledger, author, key and signature; send Authorization: Bearer <token> to be told the rule; nothing was written",
        "--read-token is set and the submission carried no token: the event was refused, its rule is not named";
    NotFoundRoute = "not-found.route", NOT_FOUND,
        "No such endpoint",
        "the endpoints are listed in /openapi.json",
        "no such endpoint";
    NotFoundEntry = "not-found.entry", NOT_FOUND, NOT_IN_LEDGER, SEE_CHECKPOINT,
        "no entry with that sequence number";
    NotFoundEvent = "not-found.event", NOT_FOUND, NOT_IN_LEDGER, SEE_CHECKPOINT,
        "no entry carries that event id";
    NotFoundTreeSize = "not-found.tree-size", NOT_FOUND, NOT_IN_LEDGER, SEE_CHECKPOINT,
        "a tree size beyond the ledger";
    NotFoundTile = "not-found.tile", NOT_FOUND, NOT_IN_LEDGER, SEE_CHECKPOINT,
        "a tile or entry bundle the tree does not have (yet)";
    NotFoundCheckpoint = "not-found.checkpoint", NOT_FOUND, NOT_IN_LEDGER, SEE_CHECKPOINT,
        "the ledger is empty";
    NotFoundView = "not-found.view", NOT_FOUND, NOT_IN_LEDGER, SEE_CHECKPOINT,
        "no such view, or the commitment or body it names does not exist at that point";
    NotFoundKey = "not-found.key", NOT_FOUND, NOT_IN_LEDGER, SEE_CHECKPOINT,
        "no key with that key id is registered";
    NotFoundWitnesses = "not-found.witnesses", NOT_FOUND,
        "This ledger asks no witnesses",
        "its operator configures them with kordon serve --witness; GET /witnesses says which it asks",
        "no witnesses are configured";
    ServerBusy = "server.busy", SERVICE_UNAVAILABLE,
        "Too many submissions in flight",
        "retry after the number of seconds in Retry-After; nothing was written",
        "too many submissions in flight; Retry-After says when to retry";
    RequestBatchTooLarge = "request.batch-too-large", PAYLOAD_TOO_LARGE,
        "The batch holds more submissions than can be admitted at once",
        "split the batch into batches of at most max_submissions; retrying it unchanged cannot succeed",
        "a batch of more submissions than --max-pending, or than a key's --quota-burst";
    RequestQuota = "request.quota", TOO_MANY_REQUESTS,
        "This key's quota of entries is spent",
        "retry after the number of seconds in Retry-After; for a bulk import ask the operator to raise --quota-per-day and --quota-burst",
        "the signing key's quota is spent; Retry-After says when to retry";
    ServerStorageUnavailable = "server.storage-unavailable", SERVICE_UNAVAILABLE,
        "The ledger's storage failed; writes are paused",
        "retry after the number of seconds in Retry-After; nothing was written",
        "writes are paused after a storage error; Retry-After says when to retry";
    ServerOutcomeUnknown = "server.outcome-unknown", SERVICE_UNAVAILABLE,
        "Whether the entry was written is not known yet",
        "look the event up (GET /events/{id}) before submitting it again: if it is there, it was recorded; a second submission of it is refused as a replay",
        "the storage failed during the commit and could not be asked afterwards whether the entry landed";
    ServerShuttingDown = "server.shutting-down", SERVICE_UNAVAILABLE,
        "The ledger is shutting down",
        "retry against the restarted server",
        "the server is stopping";
    ServerConnections = "server.connections", SERVICE_UNAVAILABLE,
        "Too many open connections",
        "retry after the number of seconds in Retry-After; reuse one connection for several requests",
        "every connection the server holds is busy; Retry-After says when to retry";
    ServerTimeout = "server.timeout", SERVICE_UNAVAILABLE,
        "The answer took too long",
        "retry later; for large reads ask for smaller ranges",
        "a read took longer than --request-timeout";
    ServerStorage = "server.storage", INTERNAL_SERVER_ERROR,
        "The ledger's storage failed",
        "nothing was acknowledged; retry later and tell the ledger's operator",
        "the storage failed; nothing was acknowledged";
    ServerInternal = "server.internal", INTERNAL_SERVER_ERROR,
        "The server failed",
        "retry later and tell the ledger's operator",
        "the server failed";
}

/// A problem: what the API answers instead of a result (boxed, so results stay small).
#[derive(Debug, Clone)]
pub struct ApiError(pub Box<ProblemData>);

impl std::ops::Deref for ApiError {
    type Target = ProblemData;
    fn deref(&self) -> &ProblemData {
        &self.0
    }
}

impl std::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut ProblemData {
        &mut self.0
    }
}

/// The members of a problem.
#[derive(Debug, Clone)]
pub struct ProblemData {
    pub status: StatusCode,
    /// The stable code; the problem `type` is `TYPE_PREFIX` followed by it.
    pub code: &'static str,
    pub title: String,
    pub detail: String,
    pub hint: String,
    /// Extension members (`seq`, `event_id`, `max_bytes`, ...).
    pub extra: Map<String, Value>,
    /// Seconds, for `Retry-After`.
    pub retry_after: Option<u64>,
}

/// The body as serialized; documented in the OpenAPI document as `Problem`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:kordon:problem:<code>`: stable, one per kind of problem.
    #[serde(rename = "type")]
    #[schema(example = "urn:kordon:problem:status.lead-only")]
    pub kind: String,
    #[schema(example = "The ledger refused the event: rule status.lead-only")]
    pub title: String,
    #[schema(example = 422)]
    pub status: u16,
    /// What was wrong with this request.
    pub detail: String,
    /// The code alone, e.g. `signature.invalid`, `event.replayed`, `request.too-large`.
    #[schema(example = "status.lead-only")]
    pub code: String,
    /// What to do about it.
    pub hint: String,
}

impl ApiError {
    pub fn new(
        status: StatusCode,
        code: &'static str,
        title: impl Into<String>,
        detail: impl Into<String>,
        hint: impl Into<String>,
    ) -> ApiError {
        ApiError(Box::new(ProblemData {
            status,
            code,
            title: title.into(),
            detail: detail.into(),
            hint: hint.into(),
            extra: Map::new(),
            retry_after: None,
        }))
    }

    /// One of the server's own problems, with its status, title and hint.
    pub fn server(c: ServerCode, detail: impl Into<String>) -> ApiError {
        ApiError::new(c.status(), c.code(), c.title(), detail, c.hint())
    }

    /// Adds an extension member.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> ApiError {
        self.extra.insert(key.to_string(), value.into());
        self
    }

    pub fn retry_after(mut self, secs: u64) -> ApiError {
        self.retry_after = Some(secs);
        self
    }

    /// The problem `type` URI.
    pub fn type_uri(&self) -> String {
        format!("{TYPE_PREFIX}{}", self.code)
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), self.type_uri().into());
        m.insert("title".into(), self.title.clone().into());
        m.insert("status".into(), self.status.as_u16().into());
        m.insert("detail".into(), self.detail.clone().into());
        m.insert("code".into(), self.code.into());
        m.insert("hint".into(), self.hint.clone().into());
        for (k, v) in &self.extra {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(m)
    }

    // --- The request itself. ---

    pub fn malformed(detail: impl Into<String>) -> ApiError {
        ApiError::server(ServerCode::RequestMalformed, detail)
    }

    pub fn bad_parameter(detail: impl Into<String>) -> ApiError {
        ApiError::server(ServerCode::RequestParameter, detail)
    }

    pub fn media_type(found: &str) -> ApiError {
        ApiError::server(
            ServerCode::RequestMediaType,
            format!("the request's Content-Type is {found:?}"),
        )
    }

    pub fn too_large(max: usize) -> ApiError {
        ApiError::server(
            ServerCode::RequestTooLarge,
            format!("a submission is at most {max} bytes (an entry is at most 65,535 bytes)"),
        )
        .with("max_bytes", max)
    }

    pub fn timeout(secs: u64) -> ApiError {
        ApiError::server(
            ServerCode::RequestTimeout,
            format!("the request body did not arrive within {secs} s"),
        )
    }

    pub fn server_timeout(secs: u64) -> ApiError {
        ApiError::server(
            ServerCode::ServerTimeout,
            format!("the server could not answer within {secs} s"),
        )
        .retry_after(5)
    }

    pub fn uri_too_long(len: usize, max: usize) -> ApiError {
        ApiError::server(
            ServerCode::RequestUriTooLong,
            format!("the path and query are {len} bytes; at most {max} are read"),
        )
        .with("max_bytes", max)
    }

    pub fn too_many_connections() -> ApiError {
        ApiError::server(
            ServerCode::ServerConnections,
            "the server holds as many connections as it serves at once, all of them busy",
        )
        .retry_after(1)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::server(
            ServerCode::ReadUnauthorized,
            "this server was started with --read-token; the request carried no valid token",
        )
    }

    pub fn route_not_found(path: &str) -> ApiError {
        ApiError::server(
            ServerCode::NotFoundRoute,
            format!("nothing is served at {path}"),
        )
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::server(
            ServerCode::RequestMethod,
            "this endpoint does not answer that HTTP method",
        )
    }

    /// Something the ledger does not hold (`code` is one of the `not-found.*` codes).
    pub fn not_found(code: ServerCode, detail: impl Into<String>) -> ApiError {
        ApiError::server(code, detail)
    }

    pub fn busy(retry: u64) -> ApiError {
        ApiError::server(
            ServerCode::ServerBusy,
            "the server holds as many unanswered submissions as it accepts at once",
        )
        .retry_after(retry)
    }

    /// The bodies being read already hold the server's memory budget.
    pub fn budget() -> ApiError {
        let c = ServerCode::ServerBusy;
        ApiError::new(
            c.status(),
            c.code(),
            "Too many request bodies held",
            "the request bodies being received hold all the memory this server gives them",
            c.hint(),
        )
        .retry_after(1)
    }

    /// A batch of more submissions than the server ever admits at once.
    pub fn batch_too_large(n: usize, max: usize) -> ApiError {
        ApiError::server(
            ServerCode::RequestBatchTooLarge,
            format!("this server admits at most {max} submissions at once (--max-pending); the batch holds {n}"),
        )
        .with("max_submissions", max)
    }

    /// A batch that needs more of one key's quota than the quota's burst.
    pub fn quota_batch(key: &str, burst: u64) -> ApiError {
        ApiError::server(
            ServerCode::RequestBatchTooLarge,
            format!("key {key} may add at most {burst} entries at once (--quota-burst); split the batch, or ask the operator to raise the quota for a bulk import"),
        )
        .with("max_submissions", burst)
    }

    /// The signing key's quota is spent.
    pub fn quota(per_day: u64, burst: u64, retry: u64) -> ApiError {
        ApiError::server(
            ServerCode::RequestQuota,
            format!("each key may add {per_day} entries a day, at most {burst} at once; this one has used its share"),
        )
        .with("per_day", per_day)
        .with("burst", burst)
        .retry_after(retry.max(1))
    }

    /// Writes are paused after a storage error.
    pub fn storage_unavailable(reason: &str, wait: std::time::Duration) -> ApiError {
        ApiError::server(
            ServerCode::ServerStorageUnavailable,
            format!("the last write to the ledger's storage failed ({reason}); nothing more is accepted until it works again"),
        )
        .retry_after(wait.as_secs_f64().ceil().max(1.0) as u64)
    }

    pub fn closed() -> ApiError {
        ApiError::server(
            ServerCode::ServerShuttingDown,
            "the server is stopping and accepts no more submissions; nothing was written",
        )
        .retry_after(5)
    }

    pub fn storage(detail: impl Into<String>) -> ApiError {
        ApiError::server(ServerCode::ServerStorage, detail)
    }

    pub fn internal(detail: impl Into<String>) -> ApiError {
        ApiError::server(ServerCode::ServerInternal, detail)
    }

    /// A refused event: the status follows the kind of fault, the code is the fault's own.
    pub fn refused(f: &EntryFault) -> ApiError {
        let code = f.fault.code();
        let (title, hint) = match &f.fault {
            Fault::Entry(EntryError::TooLong(_)) => (
                "The event does not fit in an entry".to_string(),
                "an entry is at most 65,535 bytes, its event at most 65,422; shorten the event",
            ),
            Fault::Entry(_) | Fault::Event(_) => (
                format!("The event is not well formed ({code})"),
                "sign the exact RFC 8785 canonical bytes of a version-1 event (events/SPEC.md) and submit those bytes unchanged",
            ),
            Fault::Signature { .. } => (
                "The signature does not verify".to_string(),
                "sign \"kordon/event/v1\\n\" followed by the exact event bytes with the key the event names",
            ),
            Fault::Rule(r) if r.rule == Rule::EventReplayed => (
                "The event id is already in the ledger".to_string(),
                "each event needs a new id; if this is a retry, the first submission was recorded: GET /events/{id}",
            ),
            Fault::Sequence { .. }
            | Fault::Prev { .. }
            | Fault::TimeBackwards { .. }
            | Fault::Rule(_) => (
                format!("The ledger refused the event: rule {code}"),
                "the event breaks a ledger rule (events/SPEC.md, \"Rules\"); nothing was written",
            ),
        };
        let mut e = ApiError::new(fault_status(&f.fault), code, title, f.to_string(), hint);
        if let Some(id) = &f.event_id {
            e = e.with("event_id", id.clone());
        }
        e
    }
}

/// The status of a refused event: 413 for an event too large for an entry, 400 for bytes that
/// are not a well-formed event, 409 for an event id already recorded, else 422.
pub fn fault_status(f: &Fault) -> StatusCode {
    match f {
        Fault::Entry(EntryError::TooLong(_)) => StatusCode::PAYLOAD_TOO_LARGE,
        Fault::Entry(_) | Fault::Event(_) => StatusCode::BAD_REQUEST,
        Fault::Rule(r) => rule_status(r.rule),
        Fault::Signature { .. }
        | Fault::Sequence { .. }
        | Fault::Prev { .. }
        | Fault::TimeBackwards { .. } => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

/// The status of an event refused by a rule.
pub fn rule_status(r: Rule) -> StatusCode {
    if r == Rule::EventReplayed {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

impl From<AppendError> for ApiError {
    fn from(e: AppendError) -> ApiError {
        match e {
            AppendError::Rejected(f) => ApiError::refused(&f),
            AppendError::Storage(s) => ApiError::storage(s),
            AppendError::Unknown(s) => {
                ApiError::server(ServerCode::ServerOutcomeUnknown, s).retry_after(5)
            }
            AppendError::Unavailable {
                reason,
                retry_after,
            } => ApiError::storage_unavailable(&reason, retry_after),
            AppendError::Closed => ApiError::closed(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::storage(e.to_string())
    }
}

impl From<ProofRequestError> for ApiError {
    fn from(e: ProofRequestError) -> ApiError {
        match e {
            ProofRequestError::Size { .. } => {
                ApiError::not_found(ServerCode::NotFoundTreeSize, e.to_string())
            }
            ProofRequestError::Proof(p) => ApiError::bad_parameter(p),
            ProofRequestError::Store(s) => s.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = %self.code, detail = %self.detail, "request failed");
        }
        let body = serde_json::to_vec(&self.body()).unwrap_or_default();
        let mut r = (self.status, body).into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(s) = self.retry_after {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"kordon\""),
            );
        }
        r
    }
}

/// Every code a problem can carry, with its status and meaning, for the API document: the
/// faults a submission can meet (format, signature, then every rule of SPEC.md §12), then the
/// server's own.
pub fn codes() -> Vec<(&'static str, u16, String)> {
    let mut out: Vec<(&'static str, u16, String)> = vec![
        (
            "event.format",
            400,
            "the event bytes are not a well-formed version-1 event".into(),
        ),
        (
            "event.not-canonical",
            400,
            "the event bytes are JSON but not RFC 8785 canonical".into(),
        ),
        (
            "entry.format",
            413,
            "the event does not fit in an entry (65,535 bytes); 400 if too short".into(),
        ),
        (
            "signature.invalid",
            422,
            "the signature does not verify with the key the event names".into(),
        ),
    ];
    for r in Rule::ALL {
        out.push((
            r.code(),
            rule_status(*r).as_u16(),
            format!("rule: {}", r.text()),
        ));
    }
    for c in ServerCode::ALL {
        out.push((c.code(), c.status().as_u16(), c.meaning().to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_server_code_is_unique_and_an_error_status() {
        let mut seen = std::collections::HashSet::new();
        for c in ServerCode::ALL {
            assert!(seen.insert(c.code()), "{} twice", c.code());
            assert!(
                c.status().is_client_error() || c.status().is_server_error(),
                "{}",
                c.code()
            );
            let prefix = c.code().split('.').next().unwrap_or("");
            assert!(
                ["request", "read", "not-found", "server"].contains(&prefix),
                "{}",
                c.code()
            );
            // A server failure is never blamed on the request, and the reverse.
            assert_eq!(
                prefix == "server",
                c.status().is_server_error() || c.status() == StatusCode::SERVICE_UNAVAILABLE,
                "{}",
                c.code()
            );
            let e = ApiError::server(*c, "d");
            assert_eq!(e.body()["type"], format!("{TYPE_PREFIX}{}", c.code()));
            assert_eq!(e.body()["status"], c.status().as_u16());
        }
        // The document lists every code once.
        let mut listed = std::collections::HashSet::new();
        for (code, _, what) in codes() {
            assert!(listed.insert(code), "{code} listed twice");
            assert!(!what.is_empty(), "{code}");
        }
        assert!(listed.contains("status.lead-only") && listed.contains("not-found.key"));
        assert_eq!(listed.len(), 4 + Rule::ALL.len() + ServerCode::ALL.len());
    }

    #[test]
    fn a_replayed_event_is_a_conflict_and_other_rules_are_unprocessable() {
        assert_eq!(rule_status(Rule::EventReplayed), StatusCode::CONFLICT);
        for r in Rule::ALL.iter().filter(|r| **r != Rule::EventReplayed) {
            assert_eq!(rule_status(*r), StatusCode::UNPROCESSABLE_ENTITY, "{r}");
        }
    }

    #[test]
    fn body_has_the_rfc9457_members_and_the_code() {
        let e = ApiError::too_large(10);
        let b = e.body();
        assert_eq!(b["type"], "urn:kordon:problem:request.too-large");
        assert_eq!(b["status"], 413);
        assert_eq!(b["code"], "request.too-large");
        assert_eq!(b["max_bytes"], 10);
        assert!(b["detail"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(b["hint"].as_str().is_some_and(|s| !s.is_empty()));
    }
}
