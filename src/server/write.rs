//! `POST /entries` and `POST /entries/batch`: signed events, answered with receipts once the
//! entries are durable.
//!
//! A submission is JSON with two members, both standard base64 (RFC 4648 §4, with padding):
//!
//! ```text
//! {"event": base64(the exact RFC 8785 canonical event bytes that were signed),
//!  "signature": base64(the 64-byte Ed25519 signature over "kordon/event/v1\n" ‖ event)}
//! ```
//!
//! base64 rather than a JSON string so that no JSON library on the way can change a byte: the
//! decoded bytes are what the ledger checks, stores and hashes, never re-serialized.
//!
//! Admission, in this order, so that what a client holds is bounded before it costs anything:
//!
//! 1. the declared length, and whether the ledger takes writes at all (`503` while writes are
//!    paused after a storage error);
//! 2. the body, read within `Config::body_timeout` under a global memory budget
//!    (`Config::body_budget`): a body reserves bytes as they arrive, so a thousand clients that
//!    send `{` and wait hold a thousand bytes' worth, not a thousand slots;
//! 3. a `--max-pending` slot per submission, only once the body is complete and parsed; a batch
//!    larger than `--max-pending` can never be admitted and is a client error (`413`);
//! 4. the signing key's quota (`Config::quota`), reserved for the submissions and given back for
//!    every one the ledger refuses, so only accepted entries spend it;
//! 5. `Ledger::submit_async`: the handler's task awaits the durable commit; no thread waits.
//!    The receipt's inclusion proof is computed here from the commit's own tree nodes.

use super::errors::Problem;
use super::receipt::{self, Receipt};
use super::{ApiError, AppState, Quota, MAX_BODY};
use crate::ledger::Submission;
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The most submissions one `POST /entries/batch` carries.
pub const MAX_BATCH_ITEMS: usize = 1000;
/// The largest batch body: 1000 typical events, or about 45 of the largest.
pub const MAX_BATCH_BODY: usize = 4 << 20;

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

/// Several submissions, judged in order; refusing one does not refuse the others.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// At most 1000.
    pub submissions: Vec<SubmitRequest>,
}

/// The outcome of one submission of a batch: a receipt (status 201) or a problem.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchItem {
    /// 201 if recorded, else the status the submission alone would have had.
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Problem>)]
    pub problem: Option<serde_json::Value>,
}

/// The answer to a batch, one item per submission, in order.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BatchResponse {
    pub results: Vec<BatchItem>,
}

// ---------------------------------------------------------------------------------------------
// The body budget.

/// The budget counts bytes in units of this many (a semaphore permit each).
pub const BUDGET_UNIT: usize = 1024;

/// The number of units in a budget of `bytes`.
pub(crate) fn budget_units(bytes: usize) -> usize {
    bytes.div_ceil(BUDGET_UNIT).clamp(1, Semaphore::MAX_PERMITS)
}

/// A body read in full, and the share of the budget it holds until the answer is sent.
pub(crate) struct ReadBody {
    pub(crate) bytes: Vec<u8>,
    _held: Option<OwnedSemaphorePermit>,
}

/// Reads a body of at most `max` bytes within the body timeout, reserving budget as the bytes
/// arrive: a client pays for what it sent, not for what it announced.
///
/// Batch bodies leave a quarter of the budget to single submissions, so that bulk uploads, or
/// a crowd of unfinished ones, cannot turn away the body that records one event.
pub(crate) async fn read_body(st: &AppState, body: Body, max: usize) -> Result<ReadBody, ApiError> {
    let limit = st.config().body_timeout;
    let budget = Arc::clone(st.budget());
    let reserve = if max > MAX_BODY {
        budget_units(st.config().body_budget) / 4
    } else {
        0
    };
    tokio::time::timeout(limit, read_limited(body, max, budget, reserve))
        .await
        .map_err(|_| ApiError::timeout(limit.as_secs().max(1)))?
}

async fn read_limited(
    body: Body,
    max: usize,
    budget: Arc<Semaphore>,
    reserve: usize,
) -> Result<ReadBody, ApiError> {
    let mut out = Vec::new();
    let mut held: Option<OwnedSemaphorePermit> = None;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| ApiError::malformed(format!("reading the body: {e}")))?;
        if out.len() + chunk.len() > max {
            return Err(ApiError::too_large(max));
        }
        let have = held.as_ref().map_or(0, |p| p.num_permits());
        let need = (out.len() + chunk.len()).div_ceil(BUDGET_UNIT);
        if need > have {
            if budget.available_permits() < reserve + (need - have) {
                return Err(ApiError::budget());
            }
            let more = Arc::clone(&budget)
                .try_acquire_many_owned((need - have) as u32)
                .map_err(|_| ApiError::budget())?;
            match &mut held {
                Some(p) => p.merge(more),
                None => held = Some(more),
            }
        }
        out.extend_from_slice(&chunk);
    }
    Ok(ReadBody {
        bytes: out,
        _held: held,
    })
}

// ---------------------------------------------------------------------------------------------
// Per-key quotas.

/// One key's bucket: `tokens` entries may be added now; it refills continuously.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The per-key quotas: a token bucket per signing key (the event's `key`), spent only by
/// entries the ledger accepts. It is this server's admission policy: nothing of it is in the
/// ledger, and `kordon verify` knows nothing of it.
pub(crate) struct Quotas {
    quota: Option<Quota>,
    buckets: Mutex<HashMap<String, Bucket>>,
}

/// Above this many buckets, full ones (the same as no bucket) are dropped.
const MAX_BUCKETS: usize = 10_000;

/// What a request reserved, to be settled once the ledger has answered.
pub(crate) struct Reservation {
    keys: Vec<Option<String>>,
}

impl Quotas {
    pub(crate) fn new(quota: Option<Quota>) -> Quotas {
        Quotas {
            quota,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refill(q: &Quota, b: &mut Bucket, now: Instant) {
        let per_sec = q.per_day as f64 / 86_400.0;
        let dt = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + dt * per_sec).min(q.burst as f64);
        b.at = now;
    }

    /// Reserves one entry of quota for each submission (by the key its event names), all or
    /// none. Submissions whose key cannot be read reserve nothing: the ledger refuses them.
    pub(crate) fn reserve(&self, subs: &[Submission]) -> Result<Reservation, ApiError> {
        let keys: Vec<Option<String>> = subs.iter().map(|s| key_of(&s.event)).collect();
        let Some(q) = self.quota else {
            return Ok(Reservation { keys: Vec::new() });
        };
        let mut want: HashMap<&str, u64> = HashMap::new();
        for k in keys.iter().flatten() {
            *want.entry(k.as_str()).or_default() += 1;
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let mut wait = 0f64;
        for (k, n) in &want {
            if *n > q.burst {
                return Err(ApiError::quota_batch(k, q.burst));
            }
            let mut b = buckets.get(*k).copied().unwrap_or(Bucket {
                tokens: q.burst as f64,
                at: now,
            });
            Quotas::refill(&q, &mut b, now);
            if b.tokens < *n as f64 {
                let per_sec = (q.per_day as f64 / 86_400.0).max(f64::MIN_POSITIVE);
                wait = wait.max((*n as f64 - b.tokens) / per_sec);
            }
        }
        if wait > 0.0 {
            return Err(ApiError::quota(q.per_day, q.burst, wait.ceil() as u64));
        }
        if buckets.len() > MAX_BUCKETS {
            buckets.retain(|_, b| {
                Quotas::refill(&q, b, now);
                b.tokens < q.burst as f64
            });
        }
        for (k, n) in want {
            let b = buckets.entry(k.to_string()).or_insert(Bucket {
                tokens: q.burst as f64,
                at: now,
            });
            Quotas::refill(&q, b, now);
            b.tokens -= n as f64;
        }
        Ok(Reservation { keys })
    }

    /// Gives back the quota of every submission the ledger did not record.
    pub(crate) fn settle<T, E>(&self, r: Reservation, answers: &[Result<T, E>]) {
        let Some(q) = self.quota else { return };
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        for (key, a) in r.keys.iter().zip(answers) {
            if let (Some(k), Err(_)) = (key, a) {
                if let Some(b) = buckets.get_mut(k) {
                    b.tokens = (b.tokens + 1.0).min(q.burst as f64);
                }
            }
        }
    }
}

/// The key id an event names, read without judging the event (the ledger does that).
fn key_of(event: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct Key<'a> {
        #[serde(borrow)]
        key: std::borrow::Cow<'a, str>,
    }
    serde_json::from_slice::<Key<'_>>(event)
        .ok()
        .map(|k| k.key.into_owned())
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// Checks what can be checked before reading a body: not stopping, the ledger takes writes,
/// JSON, declared length.
pub(crate) fn precheck(st: &AppState, headers: &HeaderMap, max: usize) -> Result<(), ApiError> {
    if st.is_stopping() {
        return Err(ApiError::closed());
    }
    if let Some((reason, wait)) = st.head().paused(Instant::now()) {
        return Err(ApiError::storage_unavailable(reason, wait));
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
    if declared.is_some_and(|n| n > max as u64) {
        return Err(ApiError::too_large(max));
    }
    Ok(())
}

/// Submits admitted submissions and turns the ledger's answers into receipts or problems,
/// settling the quota. The wait runs in a task of its own that holds the slots until the ledger
/// answers: a client that hangs up cannot free its slot while its submission is still queued.
async fn record(
    st: &AppState,
    subs: Vec<Submission>,
    slots: OwnedSemaphorePermit,
) -> Result<Vec<Result<Receipt, ApiError>>, ApiError> {
    let reserved = st.quotas().reserve(&subs)?;
    let pending = st.ledger().submit_async(subs);
    let task = st.clone();
    let answers = tokio::spawn(async move {
        let answers = pending.await;
        task.quotas().settle(reserved, &answers);
        drop(slots);
        answers
    })
    .await
    .map_err(|e| ApiError::internal(format!("a submission task failed: {e}")))?;
    let vkey = st.verifier_key();
    Ok(answers
        .into_iter()
        .map(|a| {
            let r = a?;
            receipt::from_ledger(&r, vkey).map_err(ApiError::internal)
        })
        .collect())
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
        (status = 400, description = "Not a submission (request.malformed), or the event is not well formed (event.format, event.not-canonical)", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (request.timeout)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The event id is already in the ledger (event.replayed)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body (request.too-large) or the event (entry.format) is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json (request.media-type)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Refused by a rule: signature.invalid, key.unknown, ledger.origin, status.lead-only, ...", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "The signing key's quota is spent (request.quota); see Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 500, description = "The storage failed while writing; the entry was not recorded (server.storage)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many submissions in flight or bodies held (server.busy), writes paused after a storage error (server.storage-unavailable), a commit whose outcome could not be learnt (server.outcome-unknown: look the event id up before resending), or shutting down; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    precheck(&st, &headers, MAX_BODY)?;
    let body = read_body(&st, body, MAX_BODY).await?;
    let sub = parse_submission(&body.bytes)?;
    // Bound what is queued and committing; the body is already here.
    let slot = st
        .slots()
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::busy(1))?;
    let receipt = record(&st, vec![sub], slot)
        .await?
        .pop()
        .unwrap_or_else(|| Err(ApiError::internal("no answer")))?;
    let location = format!("/entries/{}", receipt.seq);
    let mut resp = (StatusCode::CREATED, axum::Json(receipt)).into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

/// Submit several signed events at once.
///
/// For systems that send many events: each submission is judged in order, as if submitted
/// alone one after the other (a later one may build on an earlier one), and gets its own
/// receipt or problem; refusing one refuses none of the others. The answer comes once every
/// recorded entry is durable.
#[utoipa::path(
    post,
    path = "/entries/batch",
    tag = "write",
    request_body(content = BatchRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "One result per submission, in order", body = BatchResponse),
        (status = 400, description = "Not a batch (request.malformed), or more than 1000 submissions", body = Problem, content_type = "application/problem+json"),
        (status = 408, description = "The body did not arrive in time (request.timeout)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 4 MiB (request.too-large), or the batch holds more submissions than the server admits at once or than a key's quota allows (request.batch-too-large)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json (request.media-type)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "A signing key's quota is spent (request.quota); see Retry-After", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many submissions in flight or bodies held (server.busy), writes paused after a storage error (server.storage-unavailable), a commit whose outcome could not be learnt (server.outcome-unknown: look the event id up before resending), or shutting down; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn submit_batch(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    precheck(&st, &headers, MAX_BATCH_BODY)?;
    let body = read_body(&st, body, MAX_BATCH_BODY).await?;
    let req: BatchRequest = serde_json::from_slice(&body.bytes)
        .map_err(|e| ApiError::malformed(format!("the body is not a batch: {e}")))?;
    if req.submissions.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::malformed(format!(
            "a batch holds at most {MAX_BATCH_ITEMS} submissions; this one holds {}",
            req.submissions.len()
        )));
    }
    let max_pending = st.config().max_pending.max(1);
    if req.submissions.len() > max_pending {
        return Err(ApiError::batch_too_large(
            req.submissions.len(),
            max_pending,
        ));
    }
    let n = req.submissions.len().max(1) as u32;
    let slots = st
        .slots()
        .clone()
        .try_acquire_many_owned(n)
        .map_err(|_| ApiError::busy(1))?;
    // Malformed items are answered without reaching the ledger; the rest go in order.
    let decoded: Vec<Result<Submission, ApiError>> = req.submissions.iter().map(decode).collect();
    let subs: Vec<Submission> = decoded.iter().flatten().cloned().collect();
    let mut answers = if subs.is_empty() {
        Vec::new()
    } else {
        record(&st, subs, slots).await?
    }
    .into_iter();
    let results = decoded
        .into_iter()
        .map(|d| {
            let r = d.and_then(|_| {
                answers
                    .next()
                    .unwrap_or_else(|| Err(ApiError::internal("no answer")))
            });
            match r {
                Ok(receipt) => BatchItem {
                    status: 201,
                    receipt: Some(receipt),
                    problem: None,
                },
                Err(e) => BatchItem {
                    status: e.status.as_u16(),
                    receipt: None,
                    problem: Some(e.body()),
                },
            }
        })
        .collect();
    Ok(axum::Json(BatchResponse { results }).into_response())
}

fn decode(req: &SubmitRequest) -> Result<Submission, ApiError> {
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

/// Decodes the JSON body into the exact event bytes and the signature.
pub fn parse_submission(body: &[u8]) -> Result<Submission, ApiError> {
    let req: SubmitRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError::malformed(format!("the body is not a submission: {e}")))?;
    decode(&req)
}

/// The JSON body of a submission, as a client sends it.
pub fn submission_json(sub: &Submission) -> String {
    serde_json::json!({
        "event": BASE64.encode(&sub.event),
        "signature": BASE64.encode(sub.signature),
    })
    .to_string()
}

/// The JSON body of a batch.
pub fn batch_json(subs: &[Submission]) -> String {
    let items: Vec<serde_json::Value> = subs
        .iter()
        .map(|s| {
            serde_json::json!({
                "event": BASE64.encode(&s.event),
                "signature": BASE64.encode(s.signature),
            })
        })
        .collect();
    serde_json::json!({ "submissions": items }).to_string()
}
