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
//! Handlers hand their submissions to one `Submitter` thread, which passes everything that
//! queued up while the previous commit ran to `Ledger::submit_many` at once (one durable commit),
//! and a second thread builds the receipts of a commit from one snapshot while the next commit
//! runs. So no request holds a thread while it waits, and receipts of one commit share their
//! proof's upper nodes.

use super::errors::Problem;
use super::receipt::{self, Receipt, ReceiptBuildError};
use super::{ApiError, AppState, MAX_BODY};
use crate::core::checkpoint::{self, Checkpoint};
use crate::core::hash::Hash;
use crate::core::merkle::NodeId;
use crate::ledger::{self, AppendError, Ledger, Submission};
use crate::store::{Snapshot, StoreError};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

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

type Reply = tokio::sync::oneshot::Sender<Vec<Result<Receipt, ApiError>>>;

struct Job {
    subs: Vec<Submission>,
    reply: Reply,
}

/// The two threads between the handlers and the ledger.
pub(crate) struct Submitter {
    tx: Option<mpsc::Sender<Job>>,
    threads: Vec<JoinHandle<()>>,
}

impl Submitter {
    /// `slots` is the bound on submissions in flight: the submit thread waits (briefly) for
    /// those already admitted to arrive, so one commit carries them all.
    pub(crate) fn start(
        ledger: Arc<Ledger>,
        vkey: String,
        slots: Arc<Semaphore>,
        max_pending: usize,
    ) -> std::io::Result<Submitter> {
        let (tx, rx) = mpsc::channel::<Job>();
        let (done_tx, done_rx) = mpsc::channel::<Committed>();
        let l = Arc::clone(&ledger);
        let submit = std::thread::Builder::new()
            .name("kordon-http-submit".into())
            .spawn(move || submit_loop(&l, rx, done_tx, &slots, max_pending))?;
        let receipts = std::thread::Builder::new()
            .name("kordon-http-receipts".into())
            .spawn(move || receipt_loop(&ledger, &vkey, done_rx))?;
        Ok(Submitter {
            tx: Some(tx),
            threads: vec![submit, receipts],
        })
    }

    /// Queues submissions; the answer arrives once they are durable (or refused).
    pub(crate) async fn submit(
        &self,
        subs: Vec<Submission>,
    ) -> Result<Vec<Result<Receipt, ApiError>>, ApiError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.tx
            .as_ref()
            .ok_or_else(ApiError::closed)?
            .send(Job { subs, reply })
            .map_err(|_| ApiError::closed())?;
        answer
            .await
            .map_err(|_| ApiError::internal("the submission thread stopped"))
    }
}

impl Drop for Submitter {
    fn drop(&mut self) {
        // Closing the queue lets both threads finish what they hold and stop.
        self.tx.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// One commit's results, on their way to the receipt thread.
struct Committed {
    jobs: Vec<(usize, Reply)>,
    results: Vec<Result<ledger::Receipt, AppendError>>,
}

/// How long the submit thread waits, at most, for as many submissions as the last commit
/// carried (or as hold a slot) before it commits what it has. Without it, the first clients to
/// come back after a commit would get a commit of their own and the others the next one: twice
/// the commits (each an fsync) for the same entries. A lone client never waits.
pub const LINGER: Duration = Duration::from_millis(2);

fn submit_loop(
    ledger: &Ledger,
    rx: mpsc::Receiver<Job>,
    done: mpsc::Sender<Committed>,
    slots: &Semaphore,
    max_pending: usize,
) {
    // The size of the last commit: clients that send one request at a time come back with
    // about as many submissions as they were just answered for.
    let mut expect = 1usize;
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        let mut count = jobs[0].subs.len();
        let deadline = Instant::now() + LINGER;
        while count < ledger::MAX_BATCH {
            let job = match rx.try_recv() {
                Ok(j) => Some(j),
                Err(mpsc::TryRecvError::Disconnected) => None,
                Err(mpsc::TryRecvError::Empty) => {
                    // As many as the last commit, or every admitted one, is here: commit now.
                    let admitted = max_pending.saturating_sub(slots.available_permits());
                    let now = Instant::now();
                    if count >= expect.max(admitted) || now >= deadline {
                        None
                    } else {
                        rx.recv_timeout(deadline - now).ok()
                    }
                }
            };
            match job {
                Some(j) => {
                    count += j.subs.len();
                    jobs.push(j);
                }
                None => break,
            }
        }
        expect = count;
        let mut subs = Vec::with_capacity(count);
        let mut replies = Vec::with_capacity(jobs.len());
        for j in jobs {
            replies.push((j.subs.len(), j.reply));
            subs.extend(j.subs);
        }
        let results = ledger.submit_many(subs);
        if done
            .send(Committed {
                jobs: replies,
                results,
            })
            .is_err()
        {
            return;
        }
    }
}

fn receipt_loop(ledger: &Ledger, vkey: &str, rx: mpsc::Receiver<Committed>) {
    while let Ok(c) = rx.recv() {
        let mut b = Builder::new(ledger, vkey, &c.results);
        let mut results = c.results.into_iter();
        // Answer each request as soon as its own receipts are ready.
        for (n, reply) in c.jobs {
            let mine = results.by_ref().take(n).map(|r| b.receipt(r)).collect();
            let _ = reply.send(mine);
        }
    }
}

/// Builds the receipts of one commit from one snapshot, parsing its checkpoint once.
struct Builder<'a> {
    vkey: &'a str,
    snap: Result<Box<dyn Snapshot + 'a>, ApiError>,
    seqs: Vec<u64>,
    /// The commit's signed checkpoint, parsed (all receipts of a commit share it).
    checkpoint: Option<(String, Checkpoint)>,
    cached: Option<HashMap<u64, Vec<u8>>>,
    nodes: RefCell<HashMap<NodeId, Hash>>,
}

impl<'a> Builder<'a> {
    fn new(
        ledger: &'a Ledger,
        vkey: &'a str,
        results: &[Result<ledger::Receipt, AppendError>],
    ) -> Builder<'a> {
        let seqs: Vec<u64> = results.iter().flatten().map(|r| r.seq).collect();
        let snap = if seqs.is_empty() {
            Err(ApiError::internal("nothing was recorded"))
        } else {
            ledger.store().snapshot().map_err(ApiError::from)
        };
        Builder {
            vkey,
            snap,
            seqs,
            checkpoint: None,
            cached: None,
            // The commit's own leaf hashes are known: its proofs need not read them.
            nodes: RefCell::new(
                results
                    .iter()
                    .flatten()
                    .map(|r| {
                        (
                            NodeId {
                                level: 0,
                                index: r.seq,
                            },
                            r.leaf,
                        )
                    })
                    .collect(),
            ),
        }
    }

    fn receipt(&mut self, r: Result<ledger::Receipt, AppendError>) -> Result<Receipt, ApiError> {
        let r = r?;
        let snap = self.snap.as_ref().map_err(|e| e.clone())?;
        if self.cached.is_none() {
            self.cached = Some(preload(&**snap, &self.seqs));
        }
        if self.checkpoint.as_ref().map(|c| c.0.as_str()) != Some(r.checkpoint.as_str()) {
            let parsed = checkpoint::parse_unverified(r.checkpoint.as_bytes())
                .map_err(|e| ApiError::internal(format!("the new checkpoint: {e}")))?;
            self.checkpoint = Some((r.checkpoint.clone(), parsed));
        }
        let (cp, parsed) = self
            .checkpoint
            .as_ref()
            .ok_or_else(|| ApiError::internal("no checkpoint"))?;
        let view = Cached {
            inner: &**snap,
            entries: self.cached.as_ref(),
            nodes: &self.nodes,
        };
        receipt::build_parsed(&view, r.seq, cp, parsed, self.vkey).map_err(|e| match e {
            ReceiptBuildError::Store(s) => ApiError::from(s),
            other => ApiError::internal(other.to_string()),
        })
    }
}

/// The entries of a commit, read in one range.
fn preload(snap: &dyn Snapshot, seqs: &[u64]) -> HashMap<u64, Vec<u8>> {
    let mut entries = HashMap::new();
    if let (Some(&lo), Some(&hi)) = (seqs.iter().min(), seqs.iter().max()) {
        if hi - lo < 1 << 16 {
            if let Ok(all) = snap.entries(lo, hi + 1) {
                entries.extend((lo..).zip(all));
            }
        }
    }
    entries
}

/// A snapshot that serves the commit's preloaded entries and remembers the tree nodes it read,
/// which the receipts of one commit mostly share.
struct Cached<'a> {
    inner: &'a dyn Snapshot,
    entries: Option<&'a HashMap<u64, Vec<u8>>>,
    nodes: &'a RefCell<HashMap<NodeId, Hash>>,
}

impl Snapshot for Cached<'_> {
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        if end == start + 1 {
            if let Some(e) = self.entries.and_then(|m| m.get(&start)) {
                return Ok(vec![e.clone()]);
            }
        }
        self.inner.entries(start, end)
    }
    fn node(&self, id: NodeId) -> Result<Hash, StoreError> {
        if let Some(h) = self.nodes.borrow().get(&id) {
            return Ok(*h);
        }
        let h = self.inner.node(id)?;
        self.nodes.borrow_mut().insert(id, h);
        Ok(h)
    }
    fn seq_of_event(&self, id: &str) -> Result<Option<u64>, StoreError> {
        self.inner.seq_of_event(id)
    }
    fn checkpoint(&self) -> Result<Option<String>, StoreError> {
        self.inner.checkpoint()
    }
}

// ---------------------------------------------------------------------------------------------
// Handlers.

/// Checks what can be checked before reading a body: not stopping, JSON, declared length.
pub(crate) fn precheck(st: &AppState, headers: &HeaderMap, max: usize) -> Result<(), ApiError> {
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
    if declared.is_some_and(|n| n > max as u64) {
        return Err(ApiError::too_large(max));
    }
    Ok(())
}

pub(crate) async fn read_body(st: &AppState, body: Body, max: usize) -> Result<Vec<u8>, ApiError> {
    let limit = st.config().body_timeout;
    tokio::time::timeout(limit, read_limited(body, max))
        .await
        .map_err(|_| ApiError::timeout(limit.as_secs()))?
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
        (status = 503, description = "Too many submissions in flight (server.busy) or shutting down; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    precheck(&st, &headers, MAX_BODY)?;
    // Bound what is held at once: reading, queued and committing.
    let _permit = st
        .slots()
        .clone()
        .try_acquire_owned()
        .map_err(|_| ApiError::busy(1))?;
    let bytes = read_body(&st, body, MAX_BODY).await?;
    let sub = parse_submission(&bytes)?;
    let receipt = st
        .submitter()
        .submit(vec![sub])
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
        (status = 413, description = "The body is larger than 4 MiB (request.too-large)", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json (request.media-type)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "Too many submissions in flight (server.busy) or shutting down; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn submit_batch(
    State(st): State<AppState>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    precheck(&st, &headers, MAX_BATCH_BODY)?;
    let bytes = read_body(&st, body, MAX_BATCH_BODY).await?;
    let req: BatchRequest = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::malformed(format!("the body is not a batch: {e}")))?;
    if req.submissions.len() > MAX_BATCH_ITEMS {
        return Err(ApiError::malformed(format!(
            "a batch holds at most {MAX_BATCH_ITEMS} submissions; this one holds {}",
            req.submissions.len()
        )));
    }
    let n = req.submissions.len().max(1) as u32;
    let _permits = st
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
        st.submitter().submit(subs).await?
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
