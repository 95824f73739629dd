//! Reads: entries by range, by sequence number and by event id, receipts for any entry,
//! inclusion and consistency proofs, the verifier key, the export download, and health.
//!
//! JSON conventions: hashes are lowercase hex (as `kordon log --json` and `kordon proof` print
//! them), binary blobs (entries, signatures) standard base64, times RFC 3339 UTC. Texts that a
//! C2SP specification defines (checkpoints, tlog-proofs) are given verbatim.

use super::errors::{Problem, ServerCode};
use super::receipt::{self, Receipt, ReceiptBuildError};
use super::{ApiError, AppState, P, Q};
use crate::core::entry::{self, EntryRef};
use crate::core::hash::Hash;
use crate::core::merkle;
use crate::proof;
use crate::store::Snapshot;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

/// Sequence numbers, tree sizes and counts in paths and query parameters have one spelling,
/// as every number in SPEC.md does: plain digits, no sign, no leading zeros. `/entries/+1` and
/// `/entries/01` are refused (400 `request.parameter`), never read as entry 1.
pub mod number {
    use serde::{Deserialize, Deserializer};

    fn parse<E: serde::de::Error>(s: &str) -> Result<u64, E> {
        crate::core::types::parse_canonical_u64(s).ok_or_else(|| {
            E::custom(format!(
                "{s:?} is not a number: write it in plain digits, without sign or leading zeros"
            ))
        })
    }

    /// A sequence number in a path (`/entries/{seq}`).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Seq(pub u64);

    impl<'de> Deserialize<'de> for Seq {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Seq, D::Error> {
            parse(&String::deserialize(d)?).map(Seq)
        }
    }

    /// A required number in a query (`#[serde(deserialize_with = "number::required")]`).
    pub fn required<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        parse(&String::deserialize(d)?)
    }

    /// An optional number in a query (with `#[serde(default)]`).
    pub fn optional<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        parse(&String::deserialize(d)?).map(Some)
    }

    /// A number in a header value (`Last-Event-ID`).
    pub fn header(s: &str) -> Option<u64> {
        crate::core::types::parse_canonical_u64(s)
    }
}

use number::Seq;

/// The most entries one `GET /entries` answers.
pub const MAX_RANGE: u64 = 1000;

/// One entry as JSON (documentation of what `entry_json` writes).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EntryJson {
    pub seq: u64,
    /// When the ledger recorded it (RFC 3339 UTC; the operator's clock).
    #[schema(example = "2026-03-01T10:00:00Z")]
    pub recorded_at: String,
    /// SHA-256(0x00 ‖ entry), hex: the Merkle leaf and the next entry's `prev`.
    pub leaf_hash: String,
    /// The previous entry's leaf hash, hex (zeros for entry 0).
    pub prev: String,
    /// The author's Ed25519 signature, base64.
    pub signature: String,
    /// The signed event (its canonical bytes are embedded verbatim).
    #[schema(value_type = Object)]
    pub event: serde_json::Value,
    /// The entry's exact bytes, base64: hash them to check `leaf_hash`.
    pub entry: String,
}

/// Renders an entry as JSON. The event's canonical bytes are embedded as they are: no
/// re-serialization. `None` if the stored bytes are not a readable entry.
pub fn entry_json(bytes: &[u8]) -> Option<String> {
    let e = EntryRef::decode(bytes).ok()?;
    let event = std::str::from_utf8(e.event).ok()?;
    // Stored events passed `event::parse`; this cheap check keeps a damaged store from breaking
    // the JSON around them.
    serde_json::from_str::<serde::de::IgnoredAny>(event).ok()?;
    Some(format!(
        "{{\"seq\":{},\"recorded_at\":\"{}\",\"leaf_hash\":\"{}\",\"prev\":\"{}\",\"signature\":\"{}\",\"event\":{},\"entry\":\"{}\"}}",
        e.seq,
        e.recorded_at.to_rfc3339(),
        entry::entry_hash(bytes).to_hex(),
        e.prev.to_hex(),
        BASE64.encode(e.signature),
        event,
        BASE64.encode(bytes),
    ))
}

fn json_response(body: String) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// One entry, checked against its leaf hash (by the store) and bound to the root of the stored
/// tree by its inclusion proof, which the store's nodes must give.
fn read_entry(st: &AppState, snap: &dyn Snapshot, seq: u64) -> Result<Vec<u8>, ApiError> {
    if seq >= snap.size() {
        return Err(ApiError::not_found(
            ServerCode::NotFoundEntry,
            format!(
                "the ledger has {} entries; there is no entry {seq}",
                snap.size()
            ),
        ));
    }
    let bytes = snap.entries(seq, seq + 1)?.pop().unwrap_or_default();
    let size = snap.size();
    let nodes = st.nodes(snap);
    let p = proof::inclusion(&nodes, size, seq, size)?;
    merkle::verify_inclusion(&entry::entry_hash(&bytes), seq, size, &p.path, &p.root).map_err(
        |e| {
            ApiError::storage(format!(
                "entry {seq} does not match the stored tree ({e}): the store is damaged"
            ))
        },
    )?;
    Ok(bytes)
}

fn render(bytes: &[u8], seq: u64) -> Result<String, ApiError> {
    entry_json(bytes).ok_or_else(|| ApiError::storage(format!("entry {seq} is not readable")))
}

/// The ledger at a glance: for a browser (Accept: text/html) the dashboard's overview, for an
/// API client this JSON.
#[utoipa::path(get, path = "/", tag = "read", params(super::dashboard::PageQuery),
    responses(
        (status = 200, description = "Origin, size, verifier key, latest checkpoint and links; for a browser (Accept: text/html) the dashboard's overview page", content((Object = "application/json"), (String = "text/html"))),
        (status = 400, description = "For a browser: a malformed as-of point (an HTML page)", body = String, content_type = "text/html"),
    ))]
pub async fn index(
    State(st): State<AppState>,
    headers: HeaderMap,
    uri: axum::http::Uri,
) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"));
    if wants_html {
        return super::dashboard::overview::html(st, &headers, &uri).await;
    }
    let head = st.head();
    let origin = st.origin();
    axum::Json(json!({
        "origin": origin,
        "size": head.size,
        "verifier_key": st.verifier_key(),
        "checkpoint": &*head.checkpoint,
        "links": {
            "submit": "POST /entries",
            "entries": "/entries?from=0&limit=100",
            "entry": "/entries/{seq}",
            "receipt": "/entries/{seq}/receipt",
            "event": "/events/{id}",
            "inclusion": "/proof/inclusion?seq={seq}&size={size}",
            "consistency": "/proof/consistency?size1={size1}&size2={size2}",
            "checkpoint": "/checkpoint",
            "tiles": "/tile/{level}/{index}, /tile/entries/{index}",
            "feed": "/feed",
            "export": "/export",
            "openapi": "/openapi.json",
        }
    }))
    .into_response()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// The first sequence number (default 0).
    #[serde(default, deserialize_with = "number::optional")]
    pub from: Option<u64>,
    /// How many entries at most (default 100, at most 1000).
    #[serde(default, deserialize_with = "number::optional")]
    pub limit: Option<u64>,
}

/// A page of entries.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct EntryPage {
    /// The ledger's size when the page was read.
    pub tree_size: u64,
    pub from: u64,
    pub entries: Vec<EntryJson>,
    /// The `from` of the next page, or null at the end of the ledger.
    pub next: Option<u64>,
}

/// Entries by range, in order.
#[utoipa::path(get, path = "/entries", tag = "read", params(RangeQuery),
    responses(
        (status = 200, description = "The entries from `from`, at most `limit`", body = EntryPage),
        (status = 400, description = "A parameter is not a number (request.parameter)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn entries(
    State(st): State<AppState>,
    Q(q): Q<RangeQuery>,
) -> Result<Response, ApiError> {
    let from = q.from.unwrap_or(0);
    let limit = q.limit.unwrap_or(100).min(MAX_RANGE);
    let size = st.blocking(|st| Ok(st.store().snapshot()?.size())).await?;
    let end = from.saturating_add(limit).min(size);
    let next = if end < size && from < end {
        end.to_string()
    } else {
        "null".into()
    };
    let head = format!("{{\"tree_size\":{size},\"from\":{from},\"entries\":[");
    let tail = format!("],\"next\":{next}}}");
    let body = EntryStream::new(st, from, end.max(from), |seq, from, bytes, out| {
        if seq > from {
            out.push(b',');
        }
        out.extend_from_slice(render(bytes, seq)?.as_bytes());
        Ok(())
    })
    .framed(head.into(), tail.into())
    .body()
    .await?;
    let mut resp = Response::new(body);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}

/// Bytes of entries read per chunk of a streamed answer (about; at least one entry).
pub const STREAM_CHUNK: usize = 128 * 1024;

/// Renders one entry (`seq`, the stream's first `from`, its bytes) into a chunk.
pub(crate) type RenderEntry = fn(u64, u64, &[u8], &mut Vec<u8>) -> Result<(), ApiError>;

/// An answer made of entries `from..end`, streamed with backpressure: a chunk of about
/// `STREAM_CHUNK` bytes is read (from a fresh snapshot: stored entries never change) only when
/// the client has taken the previous one, and no thread is held in between. A client that stops
/// reading holds one chunk, and its connection is closed after `--send-timeout`.
pub(crate) struct EntryStream {
    st: AppState,
    from: u64,
    next: u64,
    end: u64,
    /// Entries to read in the next chunk, adapted to the sizes seen.
    count: u64,
    render: RenderEntry,
    head: Option<Bytes>,
    tail: Option<Bytes>,
    /// For a whole-ledger answer: the tree recomputed over what was sent, and the signed root
    /// it must reach.
    binder: Option<(crate::integrity::Binder, Hash)>,
}

impl EntryStream {
    pub(crate) fn new(st: AppState, from: u64, end: u64, render: RenderEntry) -> EntryStream {
        EntryStream {
            st,
            from,
            next: from,
            end,
            count: 4,
            render,
            head: None,
            tail: None,
            binder: None,
        }
    }

    /// Binds the entries sent to the signed `root` of a tree of `end` entries: if they do not
    /// lead to it, the body is cut short after the last chunk instead of ending cleanly.
    pub(crate) fn bound(mut self, binder: crate::integrity::Binder, root: Hash) -> EntryStream {
        self.binder = Some((binder, root));
        self
    }

    /// Sends `head` before the entries and `tail` after them.
    pub(crate) fn framed(mut self, head: Bytes, tail: Bytes) -> EntryStream {
        self.head = Some(head);
        self.tail = Some(tail);
        self
    }

    /// The next chunk of entries, rendered; `None` after the last.
    async fn chunk(&mut self) -> Option<Result<Bytes, ApiError>> {
        if self.next >= self.end {
            return None;
        }
        let (start, stop) = (self.next, self.end.min(self.next + self.count));
        let (from, render, end) = (self.from, self.render, self.end);
        let mut binder = self.binder.take();
        let r = self
            .st
            .blocking(move |st| {
                let snap = st.store().snapshot()?;
                let entries = snap.entries(start, stop)?;
                let raw: usize = entries.iter().map(Vec::len).sum();
                let mut out = Vec::with_capacity(raw + raw / 2);
                for (i, b) in entries.iter().enumerate() {
                    if let Some((bd, _)) = &mut binder {
                        bd.push(b);
                    }
                    render(start + i as u64, from, b, &mut out)?;
                }
                if let (Some((bd, root)), true) = (&binder, stop == end) {
                    bd.finish(&*snap, root)?;
                }
                Ok((out, raw, binder))
            })
            .await;
        Some(r.map(|(out, raw, binder)| {
            self.binder = binder;
            let read = stop - start;
            self.next = stop;
            let avg = (raw as u64 / read.max(1)).max(1);
            self.count = (STREAM_CHUNK as u64 / avg).clamp(1, 4096);
            Bytes::from(out)
        }))
    }

    /// The answer's body. The first chunk is read before it is returned, so that a failure
    /// there is answered as a problem; a later failure cuts the body short, so the client sees
    /// an incomplete answer, never a short one that looks whole.
    pub(crate) async fn body(mut self) -> Result<Body, ApiError> {
        let first = match self.chunk().await {
            Some(r) => Some(r?),
            None => None,
        };
        let head = self.head.take();
        let prefix: Vec<Bytes> = head.into_iter().chain(first).collect();
        let stream = futures_util::stream::unfold(
            (self, prefix.into_iter()),
            |(mut s, mut prefix)| async move {
                if let Some(b) = prefix.next() {
                    return Some((Ok(b), (s, prefix)));
                }
                match s.chunk().await {
                    Some(Ok(b)) => Some((Ok(b), (s, prefix))),
                    Some(Err(e)) => {
                        tracing::warn!(detail = %e.detail, "a streamed answer failed");
                        s.end = s.next;
                        s.tail = None;
                        Some((Err(std::io::Error::other(e.detail.clone())), (s, prefix)))
                    }
                    None => s.tail.take().map(|t| (Ok(t), (s, prefix))),
                }
            },
        );
        // Fused: a wrapper (the gzip layer) may poll once more after the end.
        Ok(Body::from_stream(futures_util::StreamExt::fuse(stream)))
    }
}

/// One entry by sequence number.
#[utoipa::path(get, path = "/entries/{seq}", tag = "read",
    params(("seq" = u64, Path, description = "The entry's sequence number (0-based)")),
    responses(
        (status = 200, description = "The entry", body = EntryJson),
        (status = 400, description = "seq is not a sequence number (request.parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry (not-found.entry)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn entry(State(st): State<AppState>, P(Seq(seq)): P<Seq>) -> Result<Response, ApiError> {
    let snap = st.store().snapshot()?;
    let bytes = read_entry(&st, &*snap, seq)?;
    Ok(json_response(render(&bytes, seq)?))
}

/// One entry by the id of the event it carries.
#[utoipa::path(get, path = "/events/{id}", tag = "read",
    params(("id" = String, Path, description = "The event id")),
    responses(
        (status = 200, description = "The entry that carries the event", body = EntryJson),
        (status = 404, description = "No entry carries it (not-found.event)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn event(State(st): State<AppState>, P(id): P<String>) -> Result<Response, ApiError> {
    let snap = st.store().snapshot()?;
    let seq = snap.seq_of_event(&id)?.ok_or_else(|| {
        ApiError::not_found(
            ServerCode::NotFoundEvent,
            format!("no entry carries event {id:?}"),
        )
    })?;
    let bytes = read_entry(&st, &*snap, seq)?;
    Ok(json_response(render(&bytes, seq)?))
}

/// A receipt for any entry, against the newest witnessed checkpoint that covers it (else the
/// latest, with the cosignatures held for it).
///
/// The same receipt a submission is answered with, for a submitter that lost its answer or
/// wants one against a later checkpoint: a receipt issued before the witnesses cosigned is
/// upgraded by fetching it again (`kordon receipt upgrade`).
#[utoipa::path(get, path = "/entries/{seq}/receipt", tag = "read",
    params(("seq" = u64, Path, description = "The entry's sequence number")),
    responses(
        (status = 200, description = "The receipt", body = Receipt),
        (status = 400, description = "seq is not a sequence number (request.parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such entry (not-found.entry)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn receipt(
    State(st): State<AppState>,
    P(Seq(seq)): P<Seq>,
) -> Result<Response, ApiError> {
    let head = st.head();
    if seq >= head.size {
        return Err(ApiError::not_found(
            ServerCode::NotFoundEntry,
            format!(
                "the ledger has {} entries; there is no entry {seq}",
                head.size
            ),
        ));
    }
    let snap = st.store().snapshot()?;
    let cp = st.receipt_checkpoint(seq);
    let r =
        receipt::build(&*snap, seq, &cp.checkpoint, st.verifier_key()).map_err(|e| match e {
            ReceiptBuildError::Store(s) => ApiError::from(s),
            other => ApiError::internal(other.to_string()),
        })?;
    Ok(axum::Json(r).into_response())
}

/// The witnesses this ledger asks for cosignatures, the policy, and what each did lately.
#[utoipa::path(get, path = "/witnesses", tag = "read",
    responses(
        (status = 200, description = "The policy (quorum), the newest witnessed checkpoint's size, and per witness its name, key, algorithm, URL, latest cosignature (size, root, time) and recent failures", body = Object),
    ))]
pub async fn witnesses(State(st): State<AppState>) -> Result<Response, ApiError> {
    let Some(w) = st.witnessing() else {
        return Ok(axum::Json(serde_json::json!({
            "policy": "no witnesses configured",
            "witnesses": [],
            "witnessed": null,
        }))
        .into_response());
    };
    Ok(axum::Json(serde_json::json!({
        "policy": w.policy().describe(),
        "witnesses": w.status(),
        "witnessed": w.witnessed().map(|x| serde_json::json!({"size": x.size, "checkpoint": x.note})),
    }))
    .into_response())
}

/// The witness policy as a C2SP tlog-policy file, for `kordon verify --witness-policy`.
#[utoipa::path(get, path = "/witnesses/policy", tag = "read",
    responses(
        (status = 200, description = "log, witness, group and quorum lines (C2SP tlog-policy)", body = String, content_type = "text/plain; charset=utf-8"),
        (status = 404, description = "No witnesses are configured (not-found.witnesses)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn witness_policy(State(st): State<AppState>) -> Result<Response, ApiError> {
    let w = st.witnessing().ok_or_else(|| {
        ApiError::not_found(
            crate::server::errors::ServerCode::NotFoundWitnesses,
            "this ledger asks no witnesses (kordon serve --witness)",
        )
    })?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        w.policy_file(st.verifier_key()),
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InclusionQuery {
    /// The entry's sequence number.
    #[serde(deserialize_with = "number::required")]
    pub seq: u64,
    /// The tree size (default: the latest checkpoint's).
    #[serde(default, deserialize_with = "number::optional")]
    pub size: Option<u64>,
}

/// An RFC 9162 inclusion proof.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct InclusionProof {
    pub seq: u64,
    pub tree_size: u64,
    /// The entry's leaf hash, hex.
    pub leaf_hash: String,
    /// The root of the tree of `tree_size` entries, hex.
    pub root_hash: String,
    /// The audit path, hex, from the leaf's sibling up.
    pub proof: Vec<String>,
    /// The signed checkpoint, when `tree_size` is the latest checkpoint's size.
    pub checkpoint: Option<String>,
}

fn hexes(p: &[Hash]) -> Vec<String> {
    p.iter().map(Hash::to_hex).collect()
}

/// Prove an entry is in the tree of a given size.
#[utoipa::path(get, path = "/proof/inclusion", tag = "proofs", params(InclusionQuery),
    responses(
        (status = 200, description = "The proof", body = InclusionProof),
        (status = 400, description = "seq is not below size (request.parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "size is beyond the ledger (not-found.tree-size)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn inclusion(
    State(st): State<AppState>,
    Q(q): Q<InclusionQuery>,
) -> Result<axum::Json<InclusionProof>, ApiError> {
    let head = st.head();
    let snap = st.store().snapshot()?;
    let size = q.size.unwrap_or(head.size);
    let p = proof::inclusion(&st.nodes(&*snap), snap.size(), q.seq, size)?;
    Ok(axum::Json(InclusionProof {
        seq: q.seq,
        tree_size: size,
        leaf_hash: p.leaf.to_hex(),
        root_hash: p.root.to_hex(),
        proof: hexes(&p.path),
        checkpoint: (size == head.size).then(|| head.checkpoint.to_string()),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsistencyQuery {
    /// The smaller tree size (at least 1).
    #[serde(deserialize_with = "number::required")]
    pub size1: u64,
    /// The larger tree size (default: the latest checkpoint's).
    #[serde(default, deserialize_with = "number::optional")]
    pub size2: Option<u64>,
}

/// An RFC 9162 consistency proof.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ConsistencyProof {
    pub size1: u64,
    pub size2: u64,
    /// Roots of both trees, hex.
    pub root1: String,
    pub root2: String,
    /// The proof, hex.
    pub proof: Vec<String>,
    /// The signed checkpoint, when `size2` is the latest checkpoint's size.
    pub checkpoint: Option<String>,
}

/// Prove the tree of `size1` entries is a prefix of the tree of `size2`.
#[utoipa::path(get, path = "/proof/consistency", tag = "proofs", params(ConsistencyQuery),
    responses(
        (status = 200, description = "The proof", body = ConsistencyProof),
        (status = 400, description = "size1 is 0 or above size2 (request.parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "A size is beyond the ledger (not-found.tree-size)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn consistency(
    State(st): State<AppState>,
    Q(q): Q<ConsistencyQuery>,
) -> Result<axum::Json<ConsistencyProof>, ApiError> {
    let head = st.head();
    let snap = st.store().snapshot()?;
    let size2 = q.size2.unwrap_or(head.size);
    let c = proof::consistency(&st.nodes(&*snap), snap.size(), q.size1, size2)?;
    Ok(axum::Json(ConsistencyProof {
        size1: q.size1,
        size2,
        root1: c.root1.to_hex(),
        root2: c.root2.to_hex(),
        proof: hexes(&c.path),
        checkpoint: (size2 == head.size).then(|| head.checkpoint.to_string()),
    }))
}

/// The ledger's verifier key (C2SP signed-note vkey), which checks its checkpoints.
#[utoipa::path(get, path = "/verifier-key", tag = "read",
    responses((status = 200, description = "`name+keyid+base64key` and a newline", body = String, content_type = "text/plain")))]
pub async fn verifier_key(State(st): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        )],
        format!("{}\n", st.verifier_key()),
    )
        .into_response()
}

/// The export bundle (`kordon export`), streamed: check it with `kordon verify FILE`.
#[utoipa::path(get, path = "/export", tag = "read",
    responses(
        (status = 200, description = "The export bundle (events/SPEC.md, \"Export bundle\")", content_type = "application/octet-stream"),
        (status = 404, description = "The ledger is empty (not-found.checkpoint)", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "The store cannot be read after a storage error (server.storage-unavailable)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn export(State(st): State<AppState>) -> Result<Response, ApiError> {
    if st.head().size == 0 {
        return Err(ApiError::not_found(
            ServerCode::NotFoundCheckpoint,
            "the ledger is empty; there is nothing to export",
        ));
    }
    // The status line goes out before the first byte of the bundle: the store must be readable
    // and the first chunk read, so that a broken store is a problem (503 while writes are
    // paused after a storage error), never a 200 with an empty body.
    let unavailable = |e: ApiError| match st.head().storage_failed() {
        Some(reason) => ApiError::storage_unavailable(reason, std::time::Duration::from_secs(1)),
        None => e,
    };
    // The header names the checkpoint cited (with the witness cosignatures held for it); the
    // entries it covers follow, a chunk at a time, bound to its root.
    let cited = st.cosigned_head();
    let checkpoint = std::sync::Arc::clone(&cited.checkpoint);
    let (size, binder, root) = st
        .blocking(move |st| {
            let snap = st.store().snapshot()?;
            snap.checkpoint()?;
            let signed = crate::core::checkpoint::parse_unverified(checkpoint.as_bytes())
                .map_err(|e| ApiError::storage(format!("the checkpoint: {e}")))?;
            if signed.size > snap.size() {
                return Err(ApiError::storage(format!(
                    "the checkpoint covers {} entries; the store holds {}",
                    signed.size,
                    snap.size()
                )));
            }
            let binder = crate::integrity::Binder::new(&*snap, 0)?;
            Ok((signed.size, binder, signed.root))
        })
        .await
        .map_err(unavailable)?;
    let head = crate::export::header(st.verifier_key(), &cited.checkpoint);
    let body = EntryStream::new(st.clone(), 0, size, |_, _, bytes, out| {
        crate::export::frame(bytes, out).map_err(|e| ApiError::storage(e.to_string()))
    })
    .framed(head.into(), Bytes::new())
    .bound(binder, root)
    .body()
    .await
    .map_err(unavailable)?;
    let name: String = st
        .origin()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}.kordon-export\""))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp.extensions_mut().insert(super::Gzip);
    Ok(resp)
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "health",
    responses((status = 200, description = "Alive", body = Object)))]
pub async fn healthz() -> axum::Json<serde_json::Value> {
    axum::Json(json!({"status": "ok"}))
}

/// Readiness: the ledger is open, takes writes, and the server is not shutting down.
#[utoipa::path(get, path = "/readyz", tag = "health",
    responses(
        (status = 200, description = "Ready, with the ledger's size (not with --read-token: the size is then not public)", body = Object),
        (status = 503, description = "Shutting down (server.shutting-down), or writes paused after a storage error (server.storage-unavailable)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(st): State<AppState>) -> Result<Response, ApiError> {
    if st.is_stopping() {
        return Err(ApiError::closed());
    }
    if let Some((reason, wait)) = st.head().paused(std::time::Instant::now()) {
        return Err(ApiError::storage_unavailable(reason, wait));
    }
    let body = if st.config().read_token.is_some() {
        json!({"status": "ready"})
    } else {
        json!({"status": "ready", "size": st.head().size})
    };
    Ok((StatusCode::OK, axum::Json(body)).into_response())
}
