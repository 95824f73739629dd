//! The HTTP API (`kordon serve`): signed submissions answered with receipts, reads of entries,
//! proofs and checkpoints, the C2SP tlog-tiles endpoints, a live feed and the OpenAPI document.
//!
//! One concern per file: `errors.rs` (problem details), `write.rs` (submissions), `receipt.rs`
//! (receipts and their offline check), `read.rs` (entries, proofs, export, health), `tiles.rs`
//! (C2SP tlog-tiles), `feed.rs` (Server-Sent Events), `openapi.rs` (the document) and
//! `views.rs` (the oversight views, filled by the projections work).
//!
//! The server holds no body's private key: it receives the exact canonical event bytes and the
//! signature a body made, and hands them to `Ledger::submit`, which judges them by the same
//! rules as every other appender and answers only once the entry is durable.

pub mod check;
pub mod client;
pub mod conn;
pub mod dashboard;
pub mod errors;
pub mod feed;
pub mod metrics;
pub mod openapi;
pub mod plans;
pub mod read;
pub mod receipt;
mod redact;
pub mod schema;
pub mod tiles;
pub mod views;
pub mod write;

use crate::core::hash::Hash;
use crate::core::merkle::{NodeId, NodeReader};
use crate::ledger::{Committed, Ledger};
use crate::store::{node_within, Snapshot, Store, StoreError};
use axum::extract::{FromRequestParts, Request, State};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
pub use errors::ApiError;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, watch, Semaphore};

/// How the server behaves at its edges.
#[derive(Debug, Clone)]
pub struct Config {
    /// If set, every read needs `Authorization: Bearer <token>` (health checks excepted).
    pub read_token: Option<String>,
    /// Submissions accepted at once (queued or committing, once their bodies are read); more
    /// get `503`. A batch of more submissions than this is a client error (`413`).
    pub max_pending: usize,
    /// How long a request may take to produce its answer (streamed bodies excepted).
    pub request_timeout: Duration,
    /// How long a client may take to send a submission's body.
    pub body_timeout: Duration,
    /// How long a connection may take to send a request head, from its start or from its
    /// previous answer: also how long an idle keep-alive connection stays open.
    pub header_timeout: Duration,
    /// How long a write of an answer may wait for a client that does not read; then the
    /// connection is closed.
    pub send_timeout: Duration,
    /// Open connections at most (within the descriptor limit, see `conn::connection_cap`).
    pub max_connections: usize,
    /// Witnesses to ask for cosignatures after commits (`kordon serve --witness`): `/checkpoint`
    /// then carries the cosignatures held, and receipts the newest witnessed checkpoint.
    pub witnessing: Option<Arc<crate::witness::cosigning::Cosigning>>,
    /// Bytes of submission bodies the server holds at once while they arrive and wait for their
    /// answer; a body that would go beyond it is answered `503` with `Retry-After`.
    pub body_budget: usize,
    /// How many entries each signing key may add (an admission policy of this server, not a
    /// ledger rule); `None` turns quotas off.
    pub quota: Option<Quota>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            read_token: None,
            max_pending: 1024,
            request_timeout: Duration::from_secs(30),
            body_timeout: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            send_timeout: Duration::from_secs(30),
            max_connections: 4096,
            witnessing: None,
            body_budget: 64 << 20,
            quota: Some(Quota::default()),
        }
    }
}

/// A per-key quota: a bucket of `burst` entries that refills at `per_day` entries a day. Only
/// entries the ledger accepts spend it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub per_day: u64,
    pub burst: u64,
}

impl Default for Quota {
    /// A ministry records hundreds of entries a day: 2,000 a day with bursts of 1,000 leaves
    /// room for a busy reporting day and stops a flood after minutes, not hours.
    fn default() -> Quota {
        Quota {
            per_day: 2_000,
            burst: 1_000,
        }
    }
}

/// The largest submission body accepted: the base64 of the largest event (65,422 bytes) and of
/// a signature, in JSON, is about 87 KiB.
pub const MAX_BODY: usize = 128 * 1024;

/// The ledger's head, as handlers read it: an immutable view of one durable commit.
pub use crate::ledger::Head;

/// One durable commit as the live feed passes it on.
#[derive(Debug)]
pub struct FeedBatch {
    /// The sequence number of the first entry.
    pub first: u64,
    /// Each entry's bytes, in order.
    pub entries: Vec<Vec<u8>>,
}

/// A checkpoint an answer cites: its size and its signed note, with whatever witness
/// cosignatures are held for that size.
#[derive(Debug, Clone)]
pub struct Cited {
    pub size: u64,
    pub checkpoint: Arc<str>,
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    ledger: Arc<Ledger>,
    config: Config,
    origin: String,
    vkey: String,
    slots: Arc<Semaphore>,
    budget: Arc<Semaphore>,
    quotas: write::Quotas,
    feed: broadcast::Sender<Arc<FeedBatch>>,
    stopping: watch::Sender<bool>,
    nodes: NodeCache,
    projector: crate::projector::Projector,
    metrics: Arc<metrics::Metrics>,
}

impl AppState {
    /// Serves `ledger`. Starts a follower that passes commits on to the live feed.
    pub fn new(ledger: Arc<Ledger>, config: Config) -> Result<AppState, StoreError> {
        let origin = ledger
            .head()
            .origin
            .as_deref()
            .unwrap_or_default()
            .to_string();
        let (feed, _) = broadcast::channel(4096);
        let (stopping, _) = watch::channel(false);
        {
            let feed = feed.clone();
            ledger.subscribe(move |c: &Committed<'_>| {
                if feed.receiver_count() > 0 {
                    if let Some(first) = c.entries.first() {
                        let _ = feed.send(Arc::new(FeedBatch {
                            first: first.seq,
                            entries: c.entries.iter().map(|p| p.bytes.clone()).collect(),
                        }));
                    }
                }
            });
        }
        // Witnesses hear of every commit (off the write path: the hook only swaps the newest
        // checkpoint), and of the checkpoint the ledger already has.
        if let Some(w) = &config.witnessing {
            let hook = w.hook();
            ledger.subscribe(move |c: &Committed<'_>| hook(c.size, c.checkpoint));
            let h = ledger.head();
            w.offer(h.size, &h.checkpoint);
        }
        // Appends and their timings, from the writer's own stages.
        let metrics = Arc::new(metrics::Metrics::new());
        {
            let m = Arc::clone(&metrics);
            ledger.on_commit(move |t| m.commit(t));
        }
        // The oversight views follow the ledger's head from here on.
        let projector = crate::projector::Projector::follow(&ledger)
            .map_err(|e| StoreError::Backend(format!("cannot build the projections: {e}")))?;
        let slots = Arc::new(Semaphore::new(config.max_pending.max(1)));
        let budget = Arc::new(Semaphore::new(write::budget_units(config.body_budget)));
        Ok(AppState {
            inner: Arc::new(Inner {
                quotas: write::Quotas::new(config.quota),
                projector,
                metrics,
                nodes: NodeCache::default(),
                vkey: ledger.verifier_key(),
                ledger,
                slots,
                budget,
                config,
                origin,
                feed,
                stopping,
            }),
        })
    }

    pub fn ledger(&self) -> &Arc<Ledger> {
        &self.inner.ledger
    }

    /// The projections the views read.
    pub fn projector(&self) -> &crate::projector::Projector {
        &self.inner.projector
    }

    pub fn store(&self) -> &dyn Store {
        self.inner.ledger.store()
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The ledger's origin (empty before the genesis).
    pub fn origin(&self) -> String {
        if !self.inner.origin.is_empty() {
            return self.inner.origin.clone();
        }
        // The genesis may have been written after the server started.
        self.inner
            .ledger
            .head()
            .origin
            .as_deref()
            .unwrap_or_default()
            .to_string()
    }

    /// The ledger's verifier key (C2SP vkey).
    pub fn verifier_key(&self) -> &str {
        &self.inner.vkey
    }

    /// The ledger's head: size, root, signed checkpoint and whether it takes writes. A handler
    /// reads it once and answers from it.
    pub fn head(&self) -> Arc<Head> {
        self.inner.ledger.head()
    }

    /// The latest size and checkpoint with every witness cosignature held for that size.
    pub fn cosigned_head(&self) -> Cited {
        let h = self.head();
        let mut c = Cited {
            size: h.size,
            checkpoint: Arc::clone(&h.checkpoint),
        };
        if let Some(w) = &self.inner.config.witnessing {
            if !c.checkpoint.is_empty() {
                c.checkpoint = w.cosigned(c.size, &c.checkpoint).into();
            }
        }
        c
    }

    /// The checkpoint a receipt for entry `seq` is best given against: the newest one the
    /// witness policy accepted, if it covers the entry, else the latest with the cosignatures
    /// held for it.
    pub fn receipt_checkpoint(&self, seq: u64) -> Cited {
        if let Some(w) = self
            .inner
            .config
            .witnessing
            .as_ref()
            .and_then(|w| w.witnessed())
            .filter(|w| w.size > seq)
        {
            return Cited {
                size: w.size,
                checkpoint: w.note.into(),
            };
        }
        self.cosigned_head()
    }

    /// The witnessing configured, if any.
    pub fn witnessing(&self) -> Option<&Arc<crate::witness::cosigning::Cosigning>> {
        self.inner.config.witnessing.as_ref()
    }

    pub(crate) fn slots(&self) -> &Arc<Semaphore> {
        &self.inner.slots
    }

    /// Request-body bytes (in `write::BUDGET_UNIT`s) that may be held at once.
    pub(crate) fn budget(&self) -> &Arc<Semaphore> {
        &self.inner.budget
    }

    /// Bytes of request bodies held now (in whole `write::BUDGET_UNIT`s), against
    /// `Config::body_budget`.
    pub fn bodies_held(&self) -> usize {
        let total = write::budget_units(self.inner.config.body_budget);
        (total - self.inner.budget.available_permits().min(total)) * write::BUDGET_UNIT
    }

    pub(crate) fn quotas(&self) -> &write::Quotas {
        &self.inner.quotas
    }

    /// Reads tree nodes through the shared cache of upper nodes.
    pub(crate) fn nodes<'a>(&'a self, snap: &'a dyn Snapshot) -> CachedNodes<'a> {
        CachedNodes {
            snap,
            cache: &self.inner.nodes,
        }
    }

    /// The server's metrics (`/metrics`).
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    /// Clients following the live feed now.
    pub fn feed_subscribers(&self) -> usize {
        self.inner.feed.receiver_count()
    }

    pub(crate) fn subscribe_feed(&self) -> broadcast::Receiver<Arc<FeedBatch>> {
        self.inner.feed.subscribe()
    }

    /// A receiver that turns true when the server begins to shut down.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.inner.stopping.subscribe()
    }

    pub fn is_stopping(&self) -> bool {
        *self.inner.stopping.borrow()
    }

    /// Starts the graceful shutdown: live feeds end, `/readyz` answers 503; requests in flight,
    /// submissions included, still complete.
    pub fn begin_shutdown(&self) {
        self.inner.stopping.send_replace(true);
    }

    /// Runs blocking work (store reads) off the async workers.
    pub async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&AppState) -> Result<T, ApiError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let st = self.clone();
        tokio::task::spawn_blocking(move || f(&st))
            .await
            .map_err(|e| ApiError::internal(format!("a worker failed: {e}")))?
    }
}

/// Tree nodes of level `NodeCache::MIN_LEVEL` and up, kept in memory once read: a node of a
/// complete subtree never changes, and every proof of a large tree reads the same upper nodes.
#[derive(Default)]
pub(crate) struct NodeCache {
    map: RwLock<HashMap<NodeId, Hash>>,
}

impl NodeCache {
    /// Nodes covering at least 2^8 entries: at most one per 256 entries per level.
    const MIN_LEVEL: u8 = 8;
    /// A bound on the memory (about 64 bytes a node).
    const MAX_NODES: usize = 1 << 20;
}

/// A snapshot's `NodeReader` through the cache.
pub(crate) struct CachedNodes<'a> {
    snap: &'a dyn Snapshot,
    cache: &'a NodeCache,
}

impl NodeReader for CachedNodes<'_> {
    type Error = StoreError;
    fn node(&self, id: NodeId) -> Result<Hash, StoreError> {
        if id.level < NodeCache::MIN_LEVEL || !node_within(id, self.snap.size()) {
            return self.snap.node(id);
        }
        if let Some(h) = self
            .cache
            .map
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&id)
        {
            return Ok(*h);
        }
        let h = self.snap.node(id)?;
        let mut m = self.cache.map.write().unwrap_or_else(|p| p.into_inner());
        if m.len() < NodeCache::MAX_NODES {
            m.insert(id, h);
        }
        Ok(h)
    }
}

/// One route as registered: the method, the axum path, and the OpenAPI paths that document it
/// (the same path, except for the tile routes whose index spans several segments).
#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub documented_as: Vec<&'static str>,
}

/// Builds the router and the list of its routes together, so the list the OpenAPI test checks
/// is the list axum serves.
pub struct Routes {
    router: Router<AppState>,
    table: Vec<Route>,
}

impl Default for Routes {
    fn default() -> Routes {
        Routes {
            router: Router::new(),
            table: Vec::new(),
        }
    }
}

impl Routes {
    /// A GET route (HEAD is answered too), documented under the same path.
    pub fn get<H, T>(self, path: &'static str, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.get_as(path, &[path], handler)
    }

    /// A GET route of the public read API: as `get`, and readable from any origin (CORS), so
    /// a verifier page served elsewhere can fetch checkpoints, tiles, entries, proofs and keys.
    pub fn get_public<H, T>(self, path: &'static str, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.get_public_as(path, &[path], handler)
    }

    /// `get_public` for a route with a wildcard, documented under other paths.
    pub fn get_public_as<H, T>(
        mut self,
        path: &'static str,
        docs: &[&'static str],
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        // OPTIONS is routed so that the layer sees preflights (the router's fallback for
        // other methods would answer them 405 first); the layer answers them itself.
        let route = axum::routing::get(handler)
            .options(|| async { axum::http::StatusCode::NO_CONTENT })
            .layer(cors());
        self.router = self.router.route(path, route);
        self.table.push(Route {
            method: Method::GET,
            path,
            documented_as: docs.to_vec(),
        });
        self
    }

    /// A GET route documented under other paths (for routes with a wildcard).
    pub fn get_as<H, T>(mut self, path: &'static str, docs: &[&'static str], handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, axum::routing::get(handler));
        self.table.push(Route {
            method: Method::GET,
            path,
            documented_as: docs.to_vec(),
        });
        self
    }

    /// A POST route.
    pub fn post<H, T>(mut self, path: &'static str, handler: H) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, axum::routing::post(handler));
        self.table.push(Route {
            method: Method::POST,
            path,
            documented_as: vec![path],
        });
        self
    }

    pub fn table(&self) -> &[Route] {
        &self.table
    }
}

/// Marks an answer worth compressing (entry bundles and exports: text-like entries that gzip
/// to about a third); hash tiles, proofs and the rest are sent as they are.
#[derive(Debug, Clone, Copy)]
pub struct Gzip;

/// The compression layer's predicate: only answers marked `Gzip`.
#[derive(Debug, Clone, Copy)]
struct Marked;

impl tower_http::compression::Predicate for Marked {
    fn should_compress<B>(&self, response: &axum::http::Response<B>) -> bool
    where
        B: http_body::Body,
    {
        response.extensions().get::<Gzip>().is_some()
    }
}

/// CORS for the public read API: `GET` (and `HEAD`) from any origin, without credentials; the
/// headers a verifier needs to read are exposed. Writes never carry it, so a page elsewhere
/// can read the ledger but never submit to it from a visitor's browser.
fn cors() -> tower_http::cors::CorsLayer {
    use tower_http::cors::{Any, CorsLayer};
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD])
        .allow_headers([
            header::AUTHORIZATION,
            header::HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([header::CONTENT_LENGTH, header::RETRY_AFTER])
        .max_age(std::time::Duration::from_secs(86_400))
}

/// Every route of the API, in the order they are documented.
pub fn routes() -> Routes {
    let r = Routes::default()
        .get("/", read::index)
        .post("/entries", write::submit)
        .post("/entries/batch", write::submit_batch)
        .post("/entries/check", check::check)
        .get("/schema/events", schema::events)
        .post("/plans/parse", plans::parse)
        .get_public("/entries", read::entries)
        .get_public("/entries/{seq}", read::entry)
        .get_public("/entries/{seq}/receipt", read::receipt)
        .get_public("/events/{id}", read::event)
        .get_public("/proof/inclusion", read::inclusion)
        .get_public("/proof/consistency", read::consistency)
        .get_public("/verifier-key", read::verifier_key)
        .get_public("/export", read::export)
        .get_public("/checkpoint", tiles::checkpoint)
        .get_public("/witnesses", read::witnesses)
        .get_public("/witnesses/policy", read::witness_policy)
        .get_public_as(
            "/tile/{*path}",
            &["/tile/{level}/{index}", "/tile/entries/{index}"],
            tiles::tile,
        )
        .get_public("/feed", feed::feed)
        .get("/openapi.json", openapi::document)
        .get("/metrics", metrics::metrics)
        .get("/healthz", read::healthz)
        .get("/readyz", read::readyz);
    // The oversight views (projections): see views.rs; the dashboard's pages: dashboard/.
    dashboard::routes(views::routes(r))
}

/// The API's router over `state`, with its middleware: request ids, request logs and
/// metrics, headers every answer carries, the bearer token for reads, request timeouts, and
/// problem+json for unknown routes, methods and over-long URLs.
pub fn router(state: AppState) -> Router {
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    let routes = routes();
    routes
        .router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), guard))
        // gzip where the client accepts it (Accept-Encoding), for marked answers only.
        .layer(tower_http::compression::CompressionLayer::new().compress_when(Marked))
        .layer(middleware::from_fn_with_state(state.clone(), log))
        // Every request has an `x-request-id` (the client's, or a new UUID), and its answer
        // echoes it: a client's report and the server's log line name the same request.
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(middleware::map_request(drop_unfit_request_id))
        .with_state(state)
}

/// The longest `x-request-id` a client may choose.
pub const MAX_REQUEST_ID: usize = 128;

/// Drops a client's `x-request-id` that is not 1 to `MAX_REQUEST_ID` visible ASCII characters,
/// so that a new one is made: what lands in the logs is never arbitrary bytes or a flood.
async fn drop_unfit_request_id(mut req: Request) -> Request {
    let fit = |v: &axum::http::HeaderValue| {
        let b = v.as_bytes();
        !b.is_empty() && b.len() <= MAX_REQUEST_ID && b.iter().all(|c| c.is_ascii_graphic())
    };
    let name = header::HeaderName::from_static(REQUEST_ID);
    let all: Vec<_> = req.headers().get_all(&name).iter().collect();
    if all.len() != 1 || !all.iter().all(|v| fit(v)) {
        req.headers_mut().remove(&name);
    }
    req
}

/// The header that names a request, in the request and in its answer.
pub const REQUEST_ID: &str = "x-request-id";

/// The longest request target (path and query) answered; longer ones get `414`.
pub const MAX_URI: usize = 8 * 1024;

async fn not_found(req: Request) -> ApiError {
    ApiError::route_not_found(req.uri().path())
}

async fn method_not_allowed() -> ApiError {
    ApiError::method_not_allowed()
}

/// Paths that answer without a token: a load balancer's health checks.
pub(crate) fn is_public(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz")
}

/// Compares in time independent of where the strings differ.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() != b.len()) as u8;
    for (i, x) in a.iter().enumerate() {
        diff |= x ^ b.get(i).copied().unwrap_or(0);
    }
    diff == 0
}

/// The shortest `--read-token` accepted: a short token is guessed, and an empty one would
/// silently turn the protection off.
pub const MIN_READ_TOKEN: usize = 16;

/// Checks a read token before a server starts with it.
pub fn check_read_token(token: &str) -> Result<(), String> {
    let n = token.chars().count();
    if token.trim() != token || token.chars().any(char::is_control) {
        return Err("the read token must not hold spaces at its ends or control characters".into());
    }
    if n < MIN_READ_TOKEN {
        return Err(format!(
            "the read token is {n} characters; it needs at least {MIN_READ_TOKEN} (e.g. `openssl rand -hex 16`). An empty token would turn the protection off: leave --read-token and KORDON_READ_TOKEN unset for a public ledger"
        ));
    }
    Ok(())
}

/// POSTs that write nothing and answer from the ledger's state (a dry run's verdicts and
/// explanations, a plan's rows matched against the bodies and objectives): reads, for the token.
fn is_read_post(path: &str) -> bool {
    matches!(path, "/entries/check" | "/plans/parse")
}

/// The bearer token for reads, and the request timeout.
async fn guard(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let is_read = req.method() == Method::GET
        || req.method() == Method::HEAD
        || (req.method() == Method::POST && is_read_post(req.uri().path()));
    let authorized = match &st.config().read_token {
        None => true,
        Some(token) => req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .is_some_and(|g| same_secret(g.as_bytes(), token.as_bytes())),
    };
    if is_read && !authorized && !is_public(req.uri().path()) {
        return ApiError::unauthorized().into_response();
    }
    // A submission bounds the time to read its body itself and is never cut off once it is
    // queued: the append completes, and its answer is the receipt.
    if req.method() == Method::POST {
        let resp = next.run(req).await;
        if authorized {
            return resp;
        }
        // A protected ledger tells a writer without the token nothing about its content.
        return redact::refusals(resp).await;
    }
    let limit = st.config().request_timeout;
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::server_timeout(limit.as_secs()).into_response(),
    }
}

/// One structured log line per request, its metrics, and the headers every answer carries.
/// The line names the client's address, the method, the route template matched, the path (cut
/// short, without its query), the status, the time taken and the request id; never a header's
/// value otherwise (no token, no `Authorization`).
async fn log(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    // Cut the logged path short: it is the client's text.
    let path: String = req.uri().path().chars().take(200).collect();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or(metrics::UNMATCHED, |m| m.as_str())
        .to_string();
    let client = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    let request_id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut resp = if uri_len > MAX_URI {
        ApiError::uri_too_long(uri_len, MAX_URI).into_response()
    } else {
        next.run(req).await
    };
    // No answer is to be sniffed into another type (a problem, an entry's text, a tile).
    resp.headers_mut().insert(
        header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    );
    let status = resp.status().as_u16();
    let took = start.elapsed();
    let micros = took.as_micros() as u64;
    st.metrics().request(&route, method.as_str(), status, took);
    if status >= 500 {
        tracing::warn!(%client, %method, %route, %path, status, micros, %request_id, "request");
    } else {
        tracing::info!(%client, %method, %route, %path, status, micros, %request_id, "request");
    }
    resp
}

/// `Path<T>` whose rejection is a problem.
pub struct P<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for P<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| P(p.0))
            .map_err(|e| ApiError::bad_parameter(e.body_text()))
    }
}

/// `Query<T>` whose rejection is a problem.
pub struct Q<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for Q<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Q(q.0))
            .map_err(|e| ApiError::bad_parameter(e.body_text()))
    }
}

/// Serves the API on `listener` until `shutdown` completes, then shuts down gracefully: the
/// live feeds end, no new connection is accepted, and every request in flight (submissions
/// included) is answered before this returns. Drop the `Ledger` afterwards to stop its writer.
/// Connections are bounded in number and time (`conn.rs`).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state.clone());
    conn::serve(listener, app, state, shutdown).await
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    #[default]
    Text,
    /// One JSON object per line (timestamp, level, message and the fields at the top level),
    /// for a log collector.
    Json,
}

/// The environment variable that filters log lines.
pub const LOG_ENV: &str = "KORDON_LOG";

/// Starts logging to standard error in `format`, filtered by `KORDON_LOG` (a level such as
/// `warn`, or tracing's directives such as `info,kordon::witness=debug`; default `info`).
/// Returns a warning to show if `KORDON_LOG` could not be read. Does nothing if a subscriber is
/// already set.
pub fn init_logging(format: LogFormat) -> Option<String> {
    use tracing_subscriber::EnvFilter;
    let (filter, warning) = match std::env::var(LOG_ENV) {
        Ok(v) if !v.trim().is_empty() => match EnvFilter::try_new(v.trim()) {
            Ok(f) => (f, None),
            Err(e) => (
                EnvFilter::new("info"),
                Some(format!(
                    "{LOG_ENV}={v:?} is not a log filter ({e}); logging at info. Give a level (error, warn, info, debug, trace) or directives such as info,kordon::witness=debug"
                )),
            ),
        },
        _ => (EnvFilter::new("info"), None),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
    warning
}
