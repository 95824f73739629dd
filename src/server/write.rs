//! `POST /entries`: a body's signed event, answered with a receipt once the entry is durable.
//!
//! The body is JSON with two members, both standard base64 (RFC 4648 §4, with padding):
//!
//! ```text
//! {"event": base64(the exact RFC 8785 canonical event bytes that were signed),
//!  "signature": base64(the 64-byte Ed25519 signature over "kordon/event/v1\n" ‖ event)}
//! ```
//!
//! base64 rather than a JSON string so that no JSON library on the way can change a byte: the
//! decoded bytes are what the ledger checks, stores and hashes, never re-serialized.

use super::receipt::{self, Receipt, ReceiptBuildError};
use super::{ApiError, AppState, MAX_BODY};
use crate::ledger::Submission;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use futures_util::StreamExt;
use serde::Deserialize;

/// A submission.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// Standard base64 of the exact canonical event bytes that were signed.
    #[schema(example = "eyJhdCI6IjIwMjYtMDEtMDFUMDA6MDA6MDBaIiwiYm9keSI6e30sLi4ufQ==")]
    pub event: String,
    /// Standard base64 of the 64-byte Ed25519 signature over `kordon/event/v1\n` ‖ event.
    pub signature: String,
}

/// Submit a signed event.
///
/// The event is checked (canonical form, signature, key, every ledger rule) and appended with
/// others in one durable commit; the answer, a receipt, is sent only after that commit. A
/// refused event writes nothing and is answered with a problem naming the rule.
#[utoipa::path(
    post,
    path = "/entries",
    tag = "write",
    request_body(content = SubmitRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "Recorded and durable: the receipt", body = Receipt,
         headers(("Location" = String, description = "/entries/{seq}"))),
        (status = 400, description = "Not a submission (request.malformed), or the event is not well formed (event.format, event.not-canonical)", body = super::errors::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event id is already in the ledger (event.replayed)", body = super::errors::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body (request.too-large) or the event (entry.format) is too large", body = super::errors::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json (request.media-type)", body = super::errors::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused by a rule: signature.invalid, key.unknown, ledger.origin, status.lead-only, ...", body = super::errors::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many submissions in flight (server.busy) or shutting down; see Retry-After", body = super::errors::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if st.is_stopping() {
        return Err(ApiError::closed());
    }
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("");
        let essence = ct.split(';').next().unwrap_or("").trim();
        if !essence.eq_ignore_ascii_case("application/json") {
            return Err(ApiError::media_type(ct));
        }
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(ApiError::too_large(MAX_BODY));
    }
    // Bound what is held at once: reading, queued and committing.
    let permit = st
        .slots()
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::busy(1))?;
    let limit = st.config().body_timeout;
    let bytes = tokio::time::timeout(limit, read_limited(body, MAX_BODY))
        .await
        .map_err(|_| ApiError::timeout(limit.as_secs()))??;
    let sub = parse_submission(&bytes)?;
    let (receipt, seq) = st
        .blocking(move |st| {
            let _permit = permit;
            let r = st.ledger().submit(sub)?;
            let snap = st.store().snapshot()?;
            let receipt = receipt::build(&*snap, r.seq, &r.checkpoint, st.verifier_key()).map_err(
                |e| match e {
                    ReceiptBuildError::Store(s) => ApiError::from(s),
                    other => ApiError::internal(other.to_string()),
                },
            )?;
            Ok((receipt, r.seq))
        })
        .await?;
    let mut resp = (StatusCode::CREATED, axum::Json(receipt)).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("/entries/{seq}")) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// Reads a body of at most `max` bytes.
async fn read_limited(body: Body, max: usize) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::malformed(format!("reading the body: {e}")))?;
        if out.len() + chunk.len() > max {
            return Err(ApiError::too_large(max));
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Decodes the JSON body into the exact event bytes and the signature.
pub fn parse_submission(body: &[u8]) -> Result<Submission, ApiError> {
    let req: SubmitRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError::malformed(format!("the body is not a submission: {e}")))?;
    let event = BASE64
        .decode(req.event.as_bytes())
        .map_err(|e| ApiError::malformed(format!("\"event\" is not standard base64: {e}")))?;
    let sig = BASE64
        .decode(req.signature.as_bytes())
        .map_err(|e| ApiError::malformed(format!("\"signature\" is not standard base64: {e}")))?;
    let signature: [u8; 64] = sig.as_slice().try_into().map_err(|_| {
        ApiError::malformed(format!(
            "\"signature\" is {} bytes; an Ed25519 signature is 64",
            sig.len()
        ))
    })?;
    Ok(Submission { event, signature })
}

/// The JSON body of a submission, as a client sends it.
pub fn submission_json(sub: &Submission) -> String {
    serde_json::json!({
        "event": BASE64.encode(&sub.event),
        "signature": BASE64.encode(sub.signature),
    })
    .to_string()
}
