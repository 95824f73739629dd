//! Operations: `/metrics` scraped and parsed by a Prometheus text parser (the counters move by
//! exactly what was done), `kordon serve --log-format json` lines parsed (request ids echoed,
//! no secret logged), and `kordon backup` of a running ledger restored, verified and served.

use crate::common::FaultStore;
use axum::body::Body as HttpBody;
use axum::http::{header, Request, StatusCode};
use kordon::core::event::*;
use kordon::fixture::Fixture;
use kordon::ledger::Ledger;
use kordon::server::write::submission_json;
use kordon::server::{self, AppState, Config};
use kordon::store::memory::MemoryStore;
use kordon::store::Store;
use openmetrics_parser::{MetricsExposition, OpenMetricsType, OpenMetricsValue};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

const ORIGIN: &str = "kordon.test/ops";

fn note(text: &str) -> Body {
    Body::NoteAdded(NoteAdded {
        commitment: None,
        about: None,
        text: text.into(),
        evidence: vec![],
    })
}

/// One scrape, parsed by a strict OpenMetrics parser (families by name, without `_total`).
struct Scrape(MetricsExposition<OpenMetricsType, OpenMetricsValue>);

impl Scrape {
    fn parse(text: &str) -> Scrape {
        Scrape(
            openmetrics_parser::openmetrics::parse_openmetrics(text)
                .unwrap_or_else(|e| panic!("not an OpenMetrics exposition ({e:?}):\n{text}")),
        )
    }

    /// The sample of family `name` with exactly `labels`.
    fn sample(&self, name: &str, labels: &[(&str, &str)]) -> Option<&OpenMetricsValue> {
        let family = self.0.families.get(name)?;
        if family.get_label_names().len() != labels.len() {
            return None;
        }
        family
            .iter_samples()
            .find(|s| {
                let set = s.get_labelset().unwrap();
                labels
                    .iter()
                    .all(|(k, v)| set.get_label_value(k) == Some(*v))
            })
            .map(|s| &s.value)
    }

    /// The value of counter or gauge `name` with `labels`; 0 if there is none yet.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        match self.sample(name, labels) {
            None => 0.0,
            Some(OpenMetricsValue::Counter(c)) => c.value.as_f64(),
            Some(OpenMetricsValue::Gauge(g)) => g.as_f64(),
            Some(other) => panic!("{name} is not a counter or gauge: {other:?}"),
        }
    }

    fn has(&self, name: &str) -> bool {
        self.0
            .families
            .get(name)
            .is_some_and(|f| f.iter_samples().next().is_some())
    }

    /// Histogram `name` with `labels`: (count, sum, cumulative buckets).
    fn histogram(&self, name: &str, labels: &[(&str, &str)]) -> (f64, f64, Vec<(f64, f64)>) {
        match self.sample(name, labels) {
            Some(OpenMetricsValue::Histogram(h)) => (
                h.count.unwrap_or(0) as f64,
                h.sum.as_ref().map_or(0.0, |s| s.as_f64()),
                h.buckets
                    .iter()
                    .map(|b| (b.upper_bound, b.count.as_f64()))
                    .collect(),
            ),
            other => panic!("{name} is not a histogram: {other:?}"),
        }
    }
}

async fn call(app: &axum::Router, req: Request<HttpBody>) -> (StatusCode, Vec<u8>) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (status, body)
}

fn get(path: &str) -> Request<HttpBody> {
    Request::get(path).body(HttpBody::empty()).unwrap()
}

async fn scrape(app: &axum::Router) -> Scrape {
    let resp = app.clone().oneshot(get("/metrics")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let ct = resp.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(ct.starts_with("application/openmetrics-text"), "{ct}");
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    Scrape::parse(std::str::from_utf8(&body).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_exactly_what_was_done() {
    let mut f = Fixture::new(ORIGIN);
    let store = FaultStore::new(Arc::new(MemoryStore::new()));
    let ledger = Arc::new(
        Ledger::open(
            Arc::clone(&store) as Arc<dyn Store>,
            f.ledger_signer.clone(),
            f.clock.clock(),
        )
        .unwrap(),
    );
    let subs = vec![
        f.genesis(),
        f.register("cmu", &[Role::Coordinator]),
        f.register("sbgs", &[Role::Executor]),
    ];
    for r in ledger.submit_many(subs) {
        r.unwrap();
    }
    // Commits made before the server started are not its own.
    let state = AppState::new(Arc::clone(&ledger), Config::default()).unwrap();
    let app = server::router(state.clone());

    let before = scrape(&app).await;
    assert_eq!(before.value("kordon_appended_entries", &[]), 0.0);
    assert_eq!(before.value("kordon_commits", &[]), 0.0);
    assert_eq!(before.value("kordon_ledger_entries", &[]), 3.0);
    assert_eq!(before.value("kordon_submissions_pending", &[]), 0.0);
    assert_eq!(
        before.value("kordon_submissions_pending_limit", &[]),
        1024.0
    );
    assert_eq!(before.value("kordon_feed_subscribers", &[]), 0.0);
    // No witnesses configured: no witness series.
    assert!(before.has("kordon_witnessed_entries"));
    assert!(!before.has("kordon_witness_cosigned_entries"));

    // Four submissions, one at a time: four entries in four commits.
    for i in 0..4 {
        let sub = f.sign("sbgs", note(&format!("note {i}")));
        let req = Request::post("/entries")
            .header(header::CONTENT_TYPE, "application/json")
            .body(HttpBody::from(submission_json(&sub)))
            .unwrap();
        let (status, body) = call(&app, req).await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    // One refused (a report on a commitment that does not exist): counted as a request, not
    // as an entry.
    let bad = f.sign(
        "sbgs",
        Body::StatusReported(StatusReported {
            commitment: kordon::fixture::c("AP-9"),
            status: Status::InProgress,
            note: None,
            evidence: vec![],
        }),
    );
    let req = Request::post("/entries")
        .header(header::CONTENT_TYPE, "application/json")
        .body(HttpBody::from(submission_json(&bad)))
        .unwrap();
    let (status, _) = call(&app, req).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Reads: three entries, one past the end, one bad number, one unknown path (twice), the
    // checkpoint.
    for seq in [0, 1, 2] {
        assert_eq!(
            call(&app, get(&format!("/entries/{seq}"))).await.0,
            StatusCode::OK
        );
    }
    assert_eq!(
        call(&app, get("/entries/999")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&app, get("/entries/x")).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(call(&app, get("/no/such/a")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, get("/no/such/b")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(call(&app, get("/checkpoint")).await.0, StatusCode::OK);

    // A submission held at the store's gate: pending while it commits, and the time it waits
    // there is the store write's.
    store.set_gate(false);
    let held = {
        let app = app.clone();
        let sub = f.sign("sbgs", note("held at the gate"));
        tokio::spawn(async move {
            let req = Request::post("/entries")
                .header(header::CONTENT_TYPE, "application/json")
                .body(HttpBody::from(submission_json(&sub)))
                .unwrap();
            call(&app, req).await.0
        })
    };
    tokio::task::spawn_blocking({
        let store = Arc::clone(&store);
        move || store.wait_for_waiting(1)
    })
    .await
    .unwrap();
    let during = scrape(&app).await;
    assert_eq!(during.value("kordon_submissions_pending", &[]), 1.0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    store.set_gate(true);
    assert_eq!(held.await.unwrap(), StatusCode::CREATED);

    // A feed subscriber.
    let feed = {
        let app = app.clone();
        app.oneshot(get("/feed")).await.unwrap()
    };
    assert_eq!(feed.status(), StatusCode::OK);

    let after = scrape(&app).await;
    let delta = |name: &str, labels: &[(&str, &str)]| {
        after.value(name, labels) - before.value(name, labels)
    };
    assert_eq!(delta("kordon_appended_entries", &[]), 5.0);
    assert_eq!(delta("kordon_commits", &[]), 5.0);
    assert_eq!(after.value("kordon_ledger_entries", &[]), 8.0);
    assert_eq!(after.value("kordon_submissions_pending", &[]), 0.0);
    assert_eq!(after.value("kordon_feed_subscribers", &[]), 1.0);
    for h in [
        "kordon_commit_latency_seconds",
        "kordon_store_write_seconds",
    ] {
        let (count, sum, buckets) = after.histogram(h, &[]);
        assert_eq!(count, 5.0, "{h}");
        // The held commit waited 300 ms in the store: both histograms saw it.
        assert!((0.3..30.0).contains(&sum), "{h}_sum = {sum}");
        let below = |le: f64| buckets.iter().find(|b| b.0 >= le).map_or(0.0, |b| b.1);
        assert_eq!(buckets.last().unwrap(), &(f64::INFINITY, 5.0), "{h}");
        assert!(
            below(0.2) <= 4.0,
            "{h}: the held commit is above 0.2 s: {buckets:?}"
        );
    }
    // Requests by route template, method and status: never the raw path.
    let req = |route: &str, method: &str, status: &str| {
        after.value(
            "kordon_http_requests",
            &[("route", route), ("method", method), ("status", status)],
        )
    };
    assert_eq!(req("/entries", "POST", "201"), 5.0);
    assert_eq!(req("/entries", "POST", "422"), 1.0);
    assert_eq!(req("/entries/{seq}", "GET", "200"), 3.0);
    assert_eq!(req("/entries/{seq}", "GET", "404"), 1.0);
    assert_eq!(req("/entries/{seq}", "GET", "400"), 1.0);
    assert_eq!(req("unmatched", "GET", "404"), 2.0);
    assert_eq!(req("/checkpoint", "GET", "200"), 1.0);
    // Each scrape is counted once it is answered: two before this one.
    assert_eq!(req("/metrics", "GET", "200"), 2.0);
    let routes: Vec<String> = after.0.families["kordon_http_requests"]
        .iter_samples()
        .map(|s| {
            s.get_labelset()
                .unwrap()
                .get_label_value("route")
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        !routes
            .iter()
            .any(|r| r.contains("999") || r.contains("such")),
        "a raw path became a label: {routes:?}"
    );
    assert_eq!(
        after
            .histogram(
                "kordon_http_request_duration_seconds",
                &[("route", "/entries/{seq}")]
            )
            .0,
        5.0
    );
    drop(feed);
    // The subscriber leaves when its stream is dropped.
    let mut left = false;
    for _ in 0..100 {
        if scrape(&app).await.value("kordon_feed_subscribers", &[]) == 0.0 {
            left = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(left, "the feed subscriber is still counted after it left");
}

#[tokio::test]
async fn metrics_need_the_read_token_when_reads_do() {
    let f = Fixture::new(ORIGIN);
    let ledger = Arc::new(
        Ledger::open(
            Arc::new(MemoryStore::new()),
            f.ledger_signer.clone(),
            f.clock.clock(),
        )
        .unwrap(),
    );
    ledger.submit(f.genesis()).unwrap();
    let token = "0123456789abcdef0123";
    let state = AppState::new(
        ledger,
        Config {
            read_token: Some(token.into()),
            ..Config::default()
        },
    )
    .unwrap();
    let app = server::router(state);
    let (status, body) = call(&app, get("/metrics")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!String::from_utf8_lossy(&body).contains("kordon_"));
    let req = Request::get("/metrics")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(HttpBody::empty())
        .unwrap();
    let (status, body) = call(&app, req).await;
    assert_eq!(status, StatusCode::OK);
    let s = Scrape::parse(std::str::from_utf8(&body).unwrap());
    // The refused scrape is counted too, under its route and status.
    assert_eq!(
        s.value(
            "kordon_http_requests",
            &[("route", "/metrics"), ("method", "GET"), ("status", "401")]
        ),
        1.0
    );
    // Not for other origins' pages: no CORS on /metrics.
    let req = Request::get("/metrics")
        .header(header::ORIGIN, "https://elsewhere.example")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(HttpBody::empty())
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    assert!(resp
        .headers()
        .get(header::ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
}
