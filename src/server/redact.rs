//! What a protected ledger (`--read-token`) tells a writer that does not send the token: that
//! its event was refused, and whether for its bytes alone, but nothing that depends on the
//! ledger's content. A refusal otherwise names the entry it would have been (the ledger's
//! size), the event ids it collides with, and which bodies, keys and successions exist
//! (`body.unknown` against `key.unknown`), all before the signature has shown who is asking.
//!
//! Problems about the request itself (`request.*`, `server.*`, `not-found.route`) say nothing
//! about the ledger and pass unchanged; so does a receipt, which only a registered key's valid
//! signature earns. Format faults keep their code (they depend on the bytes alone) with a
//! generic sentence; every other refusal becomes `422 read.withheld`.

use super::errors::{ApiError, ServerCode, PROBLEM_JSON};
use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// The largest answer rewritten: a batch answer of 1,000 problems is far below it.
const MAX_ANSWER: usize = 16 << 20;

fn says_nothing_of_the_ledger(code: &str) -> bool {
    code.starts_with("request.")
        || code.starts_with("server.")
        || code.starts_with("quota.")
        || code == "not-found.route"
}

/// The faults that depend on the submitted bytes alone, as static codes.
fn format_fault(code: &str) -> Option<&'static str> {
    ["event.format", "event.not-canonical", "entry.format"]
        .into_iter()
        .find(|c| *c == code)
}

/// The problem a protected ledger answers instead of `problem`, if it must hide it.
fn hidden(problem: &Value) -> Option<ApiError> {
    let code = problem.get("code")?.as_str()?;
    if says_nothing_of_the_ledger(code) {
        return None;
    }
    let status = problem
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| StatusCode::from_u16(s as u16).ok())
        .unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    if let Some(code) = format_fault(code) {
        return Some(ApiError::new(
            status,
            code,
            format!("The event is not well formed ({code})"),
            "the submitted bytes are not a well-formed, canonical version-1 event that fits in an entry",
            "sign the exact RFC 8785 canonical bytes of a version-1 event (events/SPEC.md) and submit those bytes unchanged",
        ));
    }
    Some(ApiError::server(
        ServerCode::ReadWithheld,
        "this ledger's content is protected; a refusal names its rule only to a client that sends the read token",
    ))
}

/// Rewrites the problems in a submission's answer (one problem, or a batch's items).
pub async fn refusals(resp: Response) -> Response {
    let (mut parts, body) = resp.into_parts();
    let is_problem = parts
        .headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(PROBLEM_JSON.as_bytes()));
    let is_batch = parts.status == StatusCode::OK
        && parts
            .headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !is_problem && !is_batch {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ANSWER).await else {
        return ApiError::internal("the answer could not be read back").into_response();
    };
    let Ok(mut v) = serde_json::from_slice::<Value>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    if is_problem {
        return match hidden(&v) {
            Some(p) => p.into_response(),
            None => Response::from_parts(parts, Body::from(bytes)),
        };
    }
    let mut changed = false;
    if let Some(items) = v.get_mut("results").and_then(Value::as_array_mut) {
        for item in items {
            let Some(p) = item.get("problem").and_then(hidden) else {
                continue;
            };
            item["status"] = p.status.as_u16().into();
            item["problem"] = p.body();
            changed = true;
        }
    }
    if !changed {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let out = serde_json::to_vec(&v).unwrap_or_default();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(out))
}
