//! `GET /metrics`: the server's figures for Prometheus, in the OpenMetrics text format that
//! prometheus-client writes (Prometheus's own text format with `# EOF`, `# UNIT` and `_total`
//! on counters; Prometheus and its agents scrape it natively).
//!
//! - **Appends**: entries and commits this server wrote, and two histograms from the writer's
//!   own stages (`Ledger::on_commit`): a commit's latency, from the arrival of its oldest
//!   submission until it is durable, and the store's durable write (for redb: the write and its
//!   fsync).
//! - **Queue**: submissions accepted and not yet answered (against `--max-pending`), and the
//!   bytes of submission bodies held (against `--body-budget`).
//! - **HTTP**: requests by route, method and status, and their latency by route. The route is
//!   the matched template (`/entries/{seq}`), never the path a client sent, so the number of
//!   series stays bounded whatever clients ask; requests that match no route count as
//!   `unmatched`.
//! - **Feed** subscribers, the ledger's size, and **witnesses**: per configured witness, the
//!   size and age of its latest cosignature and its consecutive failures; the size of the newest
//!   checkpoint the witness policy accepted.
//!
//! Gauges are read when scraped; counters and histograms move as things happen. `/metrics`
//! follows the rule of every other read: public, unless the server runs with `--read-token`.

use super::{ApiError, AppState};
use crate::ledger::CommitTimes;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

/// The content type of the OpenMetrics text format.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The label of requests that matched no route.
pub const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct WitnessLabel {
    witness: String,
}

type FloatGauge = Gauge<f64, AtomicU64>;

/// Buckets from 100 µs to about 13 s, doubling: a commit of one entry on an SSD takes about a
/// millisecond, a large batch or a slow disk tens to hundreds.
fn seconds_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.0001, 2.0, 18))
}

/// Every metric the server keeps, and the registry that encodes them.
pub struct Metrics {
    registry: Registry,
    entries: Counter,
    commits: Counter,
    commit_latency: Histogram,
    store_write: Histogram,
    requests: Family<RequestLabels, Counter>,
    request_latency: Family<RouteLabel, Histogram, fn() -> Histogram>,
    queued: Gauge,
    queue_capacity: Gauge,
    bodies_held: Gauge,
    feed_subscribers: Gauge,
    ledger_size: Gauge,
    witness_size: Family<WitnessLabel, Gauge>,
    witness_age: Family<WitnessLabel, FloatGauge>,
    witness_failures: Family<WitnessLabel, Gauge>,
    witnessed_size: Gauge,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut m = Metrics {
            registry: Registry::with_prefix("kordon"),
            entries: Counter::default(),
            commits: Counter::default(),
            commit_latency: seconds_buckets(),
            store_write: seconds_buckets(),
            requests: Family::default(),
            request_latency: Family::new_with_constructor(seconds_buckets),
            queued: Gauge::default(),
            queue_capacity: Gauge::default(),
            bodies_held: Gauge::default(),
            feed_subscribers: Gauge::default(),
            ledger_size: Gauge::default(),
            witness_size: Family::default(),
            witness_age: Family::default(),
            witness_failures: Family::default(),
            witnessed_size: Gauge::default(),
        };
        let r = &mut m.registry;
        r.register(
            "appended_entries",
            "Entries this server appended to the ledger",
            m.entries.clone(),
        );
        r.register(
            "commits",
            "Durable store commits this server made (each one fsync for redb); entries over commits is the batch size",
            m.commits.clone(),
        );
        r.register(
            "commit_latency_seconds",
            "From the arrival of a commit's oldest submission until the commit is durable",
            m.commit_latency.clone(),
        );
        r.register(
            "store_write_seconds",
            "The store's durable write of one commit (for redb: the write and its fsync)",
            m.store_write.clone(),
        );
        r.register(
            "submissions_pending",
            "Submissions accepted and not yet answered (queued, being checked or committing)",
            m.queued.clone(),
        );
        r.register(
            "submissions_pending_limit",
            "Submissions accepted at once at most (--max-pending); beyond it they get 503",
            m.queue_capacity.clone(),
        );
        r.register(
            "submission_bodies_held_bytes",
            "Bytes of submission bodies held while they arrive and wait for their answer",
            m.bodies_held.clone(),
        );
        r.register(
            "http_requests",
            "HTTP requests answered, by route template, method and status",
            m.requests.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "Time to produce an answer's head, by route template (streamed bodies excluded)",
            m.request_latency.clone(),
        );
        r.register(
            "feed_subscribers",
            "Clients following the live feed (/feed)",
            m.feed_subscribers.clone(),
        );
        r.register(
            "ledger_entries",
            "Entries in the ledger (its latest durable checkpoint's size)",
            m.ledger_size.clone(),
        );
        r.register(
            "witness_cosigned_entries",
            "The size of the latest checkpoint each witness cosigned",
            m.witness_size.clone(),
        );
        r.register(
            "witness_cosignature_age_seconds",
            "Seconds since the timestamp of each witness's latest cosignature",
            m.witness_age.clone(),
        );
        r.register(
            "witness_failures",
            "Consecutive failed requests to each witness (0 after a success)",
            m.witness_failures.clone(),
        );
        r.register(
            "witnessed_entries",
            "The size of the newest checkpoint the witness policy accepted (what receipts cite)",
            m.witnessed_size.clone(),
        );
        m
    }

    /// Counts one durable commit (called on the writer's thread).
    pub fn commit(&self, t: &CommitTimes) {
        self.entries.inc_by(t.entries as u64);
        self.commits.inc();
        self.commit_latency.observe(t.latency.as_secs_f64());
        self.store_write.observe(t.store.as_secs_f64());
    }

    /// Counts one answered request.
    pub fn request(&self, route: &str, method: &str, status: u16, took: Duration) {
        self.requests
            .get_or_create(&RequestLabels {
                route: route.to_string(),
                method: method.to_string(),
                status,
            })
            .inc();
        self.request_latency
            .get_or_create(&RouteLabel {
                route: route.to_string(),
            })
            .observe(took.as_secs_f64());
    }

    /// The text exposition, with the gauges read from `st` now.
    fn encode(&self, st: &AppState) -> Result<String, std::fmt::Error> {
        let cfg = st.config();
        let limit = cfg.max_pending.max(1);
        let free = st.slots().available_permits().min(limit);
        self.queued.set((limit - free) as i64);
        self.queue_capacity.set(limit as i64);
        self.bodies_held.set(st.bodies_held() as i64);
        self.feed_subscribers.set(st.feed_subscribers() as i64);
        self.ledger_size.set(st.head().size as i64);
        if let Some(w) = st.witnessing() {
            let now = jiff::Timestamp::now().as_second();
            for s in w.status() {
                let label = WitnessLabel {
                    witness: s.label.clone(),
                };
                let (size, age) = match &s.latest {
                    Some(h) => (h.size as i64, (now - h.timestamp as i64).max(0) as f64),
                    None => (0, f64::NAN),
                };
                self.witness_size.get_or_create(&label).set(size);
                self.witness_age.get_or_create(&label).set(age);
                self.witness_failures
                    .get_or_create(&label)
                    .set(s.failures as i64);
            }
            self.witnessed_size
                .set(w.witnessed().map_or(0, |x| x.size as i64));
        }
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

/// The server's metrics for Prometheus (OpenMetrics text). Public unless the server runs with
/// `--read-token`; then a scrape needs the token like any read.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses(
        (status = 200, description = "Counters, gauges and histograms in the OpenMetrics text format (what Prometheus scrapes)", body = String, content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8"),
    ))]
pub async fn metrics(State(st): State<AppState>) -> Result<Response, ApiError> {
    let text = st
        .metrics()
        .encode(&st)
        .map_err(|e| ApiError::internal(format!("encoding the metrics: {e}")))?;
    Ok((
        [(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE))],
        text,
    )
        .into_response())
}
