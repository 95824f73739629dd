//! Errors as RFC 9457 problem details (`application/problem+json`).
//!
//! Every error the API gives has a stable `type`, `urn:kordon:problem:<code>`, where `<code>` is
//! the stable name of what went wrong: for a refused event it is the ledger's own name for the
//! fault (`Fault::code()`: `signature.invalid`, `event.not-canonical`, a rule's name such as
//! `status.lead-only`), for everything else one of the `request.*`, `read.*`, `not-found.*` and
//! `server.*` codes below. The body also carries the code alone (`code`), a sentence naming
//! what was wrong (`detail`) and one saying what to do (`hint`). A client's mistake is always a
//! 4xx; a 5xx means the server or its storage failed, never the request.

use crate::core::chain::{EntryFault, Fault};
use crate::core::entry::EntryError;
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
    pub code: String,
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
        code: impl Into<String>,
        title: impl Into<String>,
        detail: impl Into<String>,
        hint: impl Into<String>,
    ) -> ApiError {
        ApiError(Box::new(ProblemData {
            status,
            code: code.into(),
            title: title.into(),
            detail: detail.into(),
            hint: hint.into(),
            extra: Map::new(),
            retry_after: None,
        }))
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
        m.insert("code".into(), self.code.clone().into());
        m.insert("hint".into(), self.hint.clone().into());
        for (k, v) in &self.extra {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(m)
    }

    // --- The request itself. ---

    pub fn malformed(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.malformed",
            "The request body is not a submission",
            detail,
            "send {\"event\": base64 of the exact canonical event bytes, \"signature\": base64 of the 64-byte Ed25519 signature}",
        )
    }

    pub fn bad_parameter(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "request.parameter",
            "A path or query parameter is not valid",
            detail,
            "see /openapi.json for each endpoint's parameters",
        )
    }

    pub fn media_type(found: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "request.media-type",
            "Submissions are JSON",
            format!("the request's Content-Type is {found:?}"),
            "send the submission with Content-Type: application/json",
        )
    }

    pub fn too_large(max: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request.too-large",
            "The request body is too large",
            format!("a submission is at most {max} bytes (an entry is at most 65,535 bytes)"),
            "submit one event per request; an event must fit in an entry of 65,535 bytes",
        )
        .with("max_bytes", max)
    }

    pub fn timeout(secs: u64) -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            "request.timeout",
            "The request body took too long",
            format!("the request body did not arrive within {secs} s"),
            "send the body at once; retry",
        )
    }

    pub fn server_timeout(secs: u64) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server.timeout",
            "The answer took too long",
            format!("the server could not answer within {secs} s"),
            "retry later; for large reads ask for smaller ranges",
        )
        .retry_after(5)
    }

    pub fn uri_too_long(len: usize, max: usize) -> ApiError {
        ApiError::new(
            StatusCode::URI_TOO_LONG,
            "request.uri-too-long",
            "The request's URL is too long",
            format!("the path and query are {len} bytes; at most {max} are read"),
            "ask for less in one request (see /openapi.json for each endpoint's parameters)",
        )
        .with("max_bytes", max)
    }

    pub fn too_many_connections() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server.connections",
            "Too many open connections",
            "the server holds as many connections as it serves at once, all of them busy",
            "retry after the number of seconds in Retry-After; reuse one connection for several requests",
        )
        .retry_after(1)
    }

    pub fn unauthorized() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "read.unauthorized",
            "Reading this ledger needs a bearer token",
            "this server was started with --read-token; the request carried no valid token",
            "send Authorization: Bearer <token>, as given by the ledger's operator",
        )
    }

    pub fn route_not_found(path: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not-found.route",
            "No such endpoint",
            format!("nothing is served at {path}"),
            "the endpoints are listed in /openapi.json",
        )
    }

    pub fn method_not_allowed() -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "request.method",
            "Method not allowed on this endpoint",
            "this endpoint does not answer that HTTP method",
            "the endpoints and their methods are listed in /openapi.json",
        )
    }

    pub fn not_found(code: &str, detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            code,
            "Not in the ledger",
            detail,
            "GET /checkpoint gives the ledger's current size",
        )
    }

    pub fn busy(retry: u64) -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server.busy",
            "Too many submissions in flight",
            "the server holds as many unanswered submissions as it accepts at once",
            "retry after the number of seconds in Retry-After; nothing was written",
        )
        .retry_after(retry)
    }

    pub fn closed() -> ApiError {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "server.shutting-down",
            "The ledger is shutting down",
            "the server is stopping and accepts no more submissions; nothing was written",
            "retry against the restarted server",
        )
        .retry_after(5)
    }

    pub fn storage(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server.storage",
            "The ledger's storage failed",
            detail,
            "nothing was acknowledged; retry later and tell the ledger's operator",
        )
    }

    pub fn internal(detail: impl Into<String>) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server.internal",
            "The server failed",
            detail,
            "retry later and tell the ledger's operator",
        )
    }

    /// A refused event: the status follows the kind of fault, the code is the fault's own.
    pub fn refused(f: &EntryFault) -> ApiError {
        let code = f.fault.code();
        let (status, title, hint) = match &f.fault {
            Fault::Entry(EntryError::TooLong(_)) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "The event does not fit in an entry".to_string(),
                "an entry is at most 65,535 bytes, its event at most 65,422; shorten the event",
            ),
            Fault::Entry(_) | Fault::Event(_) => (
                StatusCode::BAD_REQUEST,
                format!("The event is not well formed ({code})"),
                "sign the exact RFC 8785 canonical bytes of a version-1 event (events/SPEC.md) and submit those bytes unchanged",
            ),
            Fault::Signature { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "The signature does not verify".to_string(),
                "sign \"kordon/event/v1\\n\" followed by the exact event bytes with the key the event names",
            ),
            Fault::Rule(r) if r.rule == "event.replayed" => (
                StatusCode::CONFLICT,
                "The event id is already in the ledger".to_string(),
                "each event needs a new id; if this is a retry, the first submission was recorded: GET /events/{id}",
            ),
            _ => (
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("The ledger refused the event: rule {code}"),
                "the event breaks a ledger rule (events/SPEC.md, \"Rules\"); nothing was written",
            ),
        };
        let mut e = ApiError::new(status, code, title, f.to_string(), hint);
        if let Some(id) = &f.event_id {
            e = e.with("event_id", id.clone());
        }
        e
    }
}

impl From<AppendError> for ApiError {
    fn from(e: AppendError) -> ApiError {
        match e {
            AppendError::Rejected(f) => ApiError::refused(&f),
            AppendError::Storage(s) => ApiError::storage(s),
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
                ApiError::not_found("not-found.tree-size", e.to_string())
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

/// The codes the server itself uses (besides the ledger's fault codes), for the documentation.
pub const SERVER_CODES: &[(&str, u16, &str)] = &[
    (
        "request.malformed",
        400,
        "the body is not a submission (JSON, base64, a 64-byte signature)",
    ),
    (
        "request.parameter",
        400,
        "a path or query parameter is not valid",
    ),
    (
        "request.media-type",
        415,
        "a submission that is not application/json",
    ),
    ("request.too-large", 413, "a request body over the limit"),
    (
        "request.timeout",
        408,
        "the request body did not arrive in time",
    ),
    (
        "request.uri-too-long",
        414,
        "the path and query are longer than 8 KiB",
    ),
    (
        "request.method",
        405,
        "the endpoint does not answer that method",
    ),
    (
        "read.unauthorized",
        401,
        "--read-token is set and the request has no valid bearer token",
    ),
    ("not-found.route", 404, "no such endpoint"),
    (
        "event.refused",
        422,
        "--read-token is set and the submission carried no token: the event was refused, its rule is not named",
    ),
    ("not-found.entry", 404, "no entry with that sequence number"),
    ("not-found.event", 404, "no entry carries that event id"),
    ("not-found.tree-size", 404, "a tree size beyond the ledger"),
    (
        "not-found.tile",
        404,
        "a tile or entry bundle the tree does not have (yet)",
    ),
    ("not-found.checkpoint", 404, "the ledger is empty"),
    (
        "server.busy",
        503,
        "too many submissions in flight; Retry-After says when to retry",
    ),
    ("server.shutting-down", 503, "the server is stopping"),
    (
        "server.connections",
        503,
        "every connection the server holds is busy; Retry-After says when to retry",
    ),
    (
        "server.timeout",
        503,
        "a read took longer than --request-timeout",
    ),
    (
        "server.storage",
        500,
        "the storage failed; nothing was acknowledged",
    ),
    ("server.internal", 500, "the server failed"),
];

/// The ledger's fault codes as a submission can meet them, with their status.
pub const FAULT_CODES: &[(&str, u16, &str)] = &[
    (
        "event.format",
        400,
        "the event bytes are not a well-formed version-1 event",
    ),
    (
        "event.not-canonical",
        400,
        "the event bytes are JSON but not RFC 8785 canonical",
    ),
    (
        "entry.format",
        413,
        "the event does not fit in an entry (65,535 bytes); 400 if too short",
    ),
    (
        "signature.invalid",
        422,
        "the signature does not verify with the key the event names",
    ),
    (
        "event.replayed",
        409,
        "an entry already carries this event id",
    ),
    ("ledger.origin", 422, "the event names another ledger"),
    (
        "key.unknown",
        422,
        "the key the event names is not registered",
    ),
    (
        "<rule>",
        422,
        "any other ledger rule (events/SPEC.md, \"Rules\"), e.g. status.lead-only",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

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
