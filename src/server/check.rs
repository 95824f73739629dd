//! `POST /entries/check`: the dry run a body's workspace asks for before it signs. The events
//! are judged by `Ledger::dry_run` (through `Chain::check` / `Chain::accept`, exactly as a
//! submission would be) against the ledger as it stands, and nothing is written. A refusal
//! comes back with the problem `/entries` would answer and a sentence for a person that says,
//! from the ledger's state, why and what to do.

use super::dashboard::i18n::Lang;
use super::dashboard::workspace::explain;
use super::write::{precheck, read_body, MAX_BATCH_BODY, MAX_BATCH_ITEMS};
use super::{ApiError, AppState, Q};
use crate::core::event;
use crate::ledger::Draft;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

/// An event to check: its canonical bytes and, optionally, its signature.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftRequest {
    /// Standard base64 of the exact canonical event bytes (signed or about to be).
    pub event: String,
    /// Standard base64 of the signature, if the event is signed already; without it the
    /// signature is not checked, and every other check is.
    #[serde(default)]
    pub signature: Option<String>,
}

/// Events to check, in order: a later one may build on an earlier one (a plan's objective,
/// then its commitments).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// At most 1000.
    pub events: Vec<DraftRequest>,
}

/// The language of the explanations.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    /// `uk` (the default) or `en`.
    pub lang: Option<String>,
}

/// The verdicts, in order.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckResponse {
    /// The ledger's size the events were judged against.
    pub size: u64,
    /// The ledger's clock when it judged them (the `recorded_at` they would get).
    pub recorded_at: String,
    /// The same, in milliseconds since 1970, for a client comparing its own clock.
    pub recorded_at_ms: u64,
    /// The genesis time policy: how far an event's `at` may be behind and ahead of the ledger.
    pub max_age_seconds: u64,
    pub max_future_seconds: u64,
    #[schema(value_type = Vec<Object>)]
    pub results: Vec<Value>,
}

fn decode(d: &DraftRequest) -> Result<Draft, ApiError> {
    let event = BASE64
        .decode(d.event.as_bytes())
        .map_err(|e| ApiError::malformed(format!("\"event\" is not standard base64: {e}")))?;
    let signature = match &d.signature {
        None => None,
        Some(s) => {
            let sig = BASE64.decode(s.as_bytes()).map_err(|e| {
                ApiError::malformed(format!("\"signature\" is not standard base64: {e}"))
            })?;
            Some(sig.as_slice().try_into().map_err(|_| {
                ApiError::malformed(format!(
                    "\"signature\" is {} bytes; an Ed25519 signature is 64",
                    sig.len()
                ))
            })?)
        }
    };
    Ok(Draft { event, signature })
}

/// Check events without recording them.
///
/// Each event is judged as `POST /entries/batch` would judge it now (canonical form, the
/// signature if one is given, key, time policy, every ledger rule), in order, and nothing is
/// written. A refusal carries the problem `/entries` would answer and an `explanation` for a
/// person, in `lang`, drawn from the ledger's state.
#[utoipa::path(
    post,
    path = "/entries/check",
    tag = "write",
    params(CheckQuery),
    request_body(content = CheckRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "One verdict per event: `ok` with the `seq` it would get, or the `problem` and an `explanation`", body = CheckResponse),
        (status = 400, description = "Not a check request (request.malformed), or more than 1000 events", body = super::errors::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 4 MiB (request.too-large)", body = super::errors::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json (request.media-type)", body = super::errors::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn check(
    State(st): State<AppState>,
    Q(q): Q<CheckQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    precheck(&st, &headers, MAX_BATCH_BODY)?;
    // Held until the answer: the body's share of the server's budget for bodies in memory.
    let read = read_body(&st, body, MAX_BATCH_BODY).await?;
    let req: CheckRequest = serde_json::from_slice(&read.bytes)
        .map_err(|e| ApiError::malformed(format!("the body is not a check request: {e}")))?;
    if req.events.is_empty() || req.events.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::malformed(format!(
            "a check holds 1 to {MAX_BATCH_ITEMS} events; this one holds {}",
            req.events.len()
        )));
    }
    let drafts = req
        .events
        .iter()
        .map(decode)
        .collect::<Result<Vec<_>, _>>()?;
    let lang = q.lang.as_deref().and_then(Lang::parse).unwrap_or(Lang::Uk);
    let answer = st
        .blocking(move |st| {
            let run = st.ledger().dry_run(&drafts);
            let policy = st
                .ledger()
                .with_state(|s| s.genesis.as_ref().map(|g| g.policy));
            let h = st.projector().read();
            let results = run
                .results
                .iter()
                .zip(&drafts)
                .map(|(r, d)| match r {
                    Ok(seq) => json!({
                        "ok": true,
                        "seq": seq,
                        "signature_checked": d.signature.is_some(),
                    }),
                    Err(f) => {
                        let ev = event::parse(&d.event).ok();
                        let problem = ApiError::refused(f);
                        json!({
                            "ok": false,
                            "status": problem.0.status.as_u16(),
                            "code": f.fault.code(),
                            "explanation": explain::explain(
                                lang, &h, policy.as_ref(), f, ev.as_ref(), run.recorded_at,
                            ),
                            "problem": problem.body(),
                        })
                    }
                })
                .collect();
            let p = policy.unwrap_or_default();
            Ok(CheckResponse {
                size: run.size,
                recorded_at: run.recorded_at.to_rfc3339(),
                recorded_at_ms: run.recorded_at.0,
                max_age_seconds: p.max_age_seconds,
                max_future_seconds: p.max_future_seconds,
                results,
            })
        })
        .await?;
    Ok(axum::Json(answer).into_response())
}
