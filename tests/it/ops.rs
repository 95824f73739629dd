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

// ---------------------------------------------------------------------------------------------
// Real processes: `kordon serve --log-format json` and `kordon backup`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn kordon(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("KORDON_DATA")
        .env_remove("KORDON_SERVER")
        .env_remove("KORDON_READ_TOKEN")
        .env_remove("KORDON_STORE")
        // The messages quoted below are the English ones.
        .env("LANG", "en_GB.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = kordon(dir, args);
    assert!(o.status.success(), "kordon {args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A `kordon serve` process whose standard error goes to a file.
struct Served {
    child: Child,
    addr: String,
    vkey: String,
    log: PathBuf,
}

impl Served {
    fn start(dir: &Path, args: &[&str], log_env: &str) -> Served {
        let log = dir.join(format!("serve-{}.log", std::process::id() ^ rand_suffix()));
        let mut child = Command::new(env!("CARGO_BIN_EXE_kordon"))
            .args(args)
            .current_dir(dir)
            .env_remove("KORDON_DATA")
            .env_remove("KORDON_READ_TOKEN")
            .env_remove("KORDON_LOG_FORMAT")
            .env("KORDON_LOG", log_env)
            .env("LANG", "en_GB.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let (mut addr, mut vkey) = (None, None);
        while addr.is_none() || vkey.is_none() {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "serve ended early");
            if let Some(rest) = line.strip_prefix("serving ledger ") {
                let u = rest.split(" on http://").nth(1).unwrap().trim();
                addr = Some(u.trim_end_matches('/').to_string());
            }
            if let Some(k) = line.strip_prefix("verifier key: ") {
                vkey = Some(k.trim().to_string());
            }
        }
        // Keep reading standard output so the server never blocks on it.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut out, &mut std::io::sink());
        });
        Served {
            child,
            addr: addr.unwrap(),
            vkey: vkey.unwrap(),
            log,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// One request, raw: the answer's head (lower-cased names) and body.
    fn raw(&self, request: &str) -> (String, String) {
        let mut s = std::net::TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        s.read_to_string(&mut answer).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        (head.to_ascii_lowercase(), body.to_string())
    }

    /// SIGTERM; then everything it logged.
    fn stop(mut self) -> String {
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        assert!(self.child.wait().unwrap().success());
        std::fs::read_to_string(&self.log).unwrap()
    }
}

fn rand_suffix() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(1);
    N.fetch_add(1, Ordering::Relaxed)
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(str::trim)
}

#[test]
fn json_request_logs_name_client_route_status_and_request_id_and_no_secret() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let token = "s3cret-read-token-0123456789";
    let server = Served::start(
        dir,
        &[
            "--data",
            "demo",
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--log-format",
            "json",
            "--read-token",
            token,
        ],
        "info",
    );
    let get = |path: &str, extra: &str| {
        server.raw(&format!(
            "GET {path} HTTP/1.1\r\nHost: kordon\r\n{extra}Connection: close\r\n\r\n"
        ))
    };
    let auth = format!("Authorization: Bearer {token}\r\n");

    // A client's request id is kept, echoed and logged.
    let (head, _) = get("/entries/1", &format!("{auth}X-Request-Id: trace-42.a\r\n"));
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert_eq!(header(&head, "x-request-id"), Some("trace-42.a"));
    // Without one (and without the token), a fresh one is made and echoed.
    let (head, _) = get("/entries/2", "");
    assert!(head.starts_with("http/1.1 401"), "{head}");
    let made = header(&head, "x-request-id").unwrap().to_string();
    assert_eq!(made.len(), 36, "{made}");
    // A client's id that is not visible ASCII of a sensible length is replaced.
    let long = "x".repeat(200);
    let (head, _) = get("/checkpoint", &format!("{auth}X-Request-Id: {long}\r\n"));
    let replaced = header(&head, "x-request-id").unwrap().to_string();
    assert_ne!(replaced, long);
    assert_eq!(replaced.len(), 36);
    // A query string (which may hold anything) and an unknown route.
    let (head, _) = get(
        "/entries/3?secret=query-secret-value",
        &format!("{auth}X-Request-Id: q-1\r\n"),
    );
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let (head, _) = get("/no/such/route", &format!("{auth}X-Request-Id: nf-1\r\n"));
    assert!(head.starts_with("http/1.1 404"), "{head}");

    let log = server.stop();
    // Every line is a JSON object.
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let requests: Vec<&serde_json::Value> =
        lines.iter().filter(|l| l["message"] == "request").collect();
    assert_eq!(requests.len(), 5, "{log}");
    let by_id = |id: &str| {
        *requests
            .iter()
            .find(|l| l["request_id"] == id)
            .unwrap_or_else(|| panic!("no line for request {id}: {log}"))
    };
    let first = by_id("trace-42.a");
    assert_eq!(first["method"], "GET");
    assert_eq!(first["route"], "/entries/{seq}");
    assert_eq!(first["path"], "/entries/1");
    assert_eq!(first["status"], 200);
    assert_eq!(first["level"], "INFO");
    assert!(first["micros"].as_u64().is_some(), "{first}");
    assert!(first["timestamp"]
        .as_str()
        .is_some_and(|t| t.starts_with("20")));
    let client = first["client"].as_str().unwrap();
    assert!(client.starts_with("127.0.0.1:"), "{client}");
    assert!(client[10..].parse::<u16>().is_ok(), "{client}");
    assert_eq!(by_id(&made)["status"], 401);
    assert_eq!(by_id(&replaced)["route"], "/checkpoint");
    assert_eq!(by_id("q-1")["path"], "/entries/3");
    assert_eq!(by_id("nf-1")["route"], "unmatched");
    assert_eq!(by_id("nf-1")["status"], 404);
    // No secret is ever logged: not the token, not the header, not the query.
    for secret in [
        token,
        "Bearer",
        "authorization",
        "query-secret-value",
        &long,
    ] {
        assert!(
            !log.to_ascii_lowercase()
                .contains(&secret.to_ascii_lowercase()),
            "{secret} is in the log: {log}"
        );
    }
}

#[test]
fn a_bad_log_filter_is_named_and_text_stays_the_default() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let server = Served::start(
        dir,
        &[
            "--data",
            "demo",
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ],
        "info,=bogus[",
    );
    let (head, _) = server.raw("GET /healthz HTTP/1.1\r\nHost: k\r\nConnection: close\r\n\r\n");
    assert!(head.starts_with("http/1.1 200"), "{head}");
    let log = server.stop();
    assert!(log.contains("KORDON_LOG="), "{log}");
    assert!(log.contains("is not a log filter"), "{log}");
    // The text format: not JSON, and the request line still names its fields.
    let line = log.lines().find(|l| l.contains("request")).unwrap();
    assert!(
        serde_json::from_str::<serde_json::Value>(line).is_err(),
        "{line}"
    );
    assert!(line.contains("route=/healthz"), "{line}");
    assert!(line.contains("status=200"), "{line}");
}

#[test]
fn a_backup_of_a_running_ledger_is_restored_verified_and_served() {
    use kordon::author::Author;
    use kordon::server::client::Client;
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let server = Served::start(
        dir,
        &[
            "--data",
            "demo",
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ],
        "warn",
    );
    let url = server.url();
    let origin = Client::new(&url, None).origin().unwrap();
    let start_size: u64 = Client::new(&url, None)
        .checkpoint()
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();

    // The demo's two witnesses, as /metrics shows them once they cosigned the head.
    let t = std::time::Instant::now();
    let scraped = loop {
        let s = Scrape::parse(&Client::new(&url, None).get("/metrics").unwrap());
        if s.value("kordon_witnessed_entries", &[]) == start_size as f64 {
            break s;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the demo's witnesses never cosigned"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    for w in ["monitor", "rada-eu"] {
        let l = [("witness", w)];
        assert_eq!(
            scraped.value("kordon_witness_cosigned_entries", &l),
            start_size as f64
        );
        assert_eq!(scraped.value("kordon_witness_failures", &l), 0.0);
        let age = scraped.value("kordon_witness_cosignature_age_seconds", &l);
        assert!((0.0..60.0).contains(&age), "{w}: {age}");
    }

    // A writer adds notes one after another until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let writer = {
        let (stop, written, url, origin) =
            (stop.clone(), written.clone(), url.clone(), origin.clone());
        let key = kordon::keyfile::read(&dir.join("demo/keys/cmu.pem")).unwrap();
        std::thread::spawn(move || {
            let cmu = Author::new(kordon::fixture::b("cmu"), key);
            let client = Client::new(&url, None);
            while !stop.load(Ordering::SeqCst) {
                let now = jiff::Timestamp::now().as_millisecond() as u64;
                let sub = cmu
                    .sign(
                        &origin,
                        kordon::core::types::Millis(now),
                        &note("written during the backup"),
                    )
                    .unwrap();
                client.submit(&sub).unwrap();
                written.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    let wait_for = |n: u64| {
        let t = std::time::Instant::now();
        while written.load(Ordering::SeqCst) < n {
            assert!(t.elapsed() < Duration::from_secs(60), "the writer is stuck");
            std::thread::sleep(Duration::from_millis(5));
        }
    };
    wait_for(3);
    let out = ok(
        dir,
        &[
            "backup",
            "--server",
            &server.addr,
            "--out",
            "ledger.export",
            "--key",
            &server.vkey,
        ],
    );
    let during = written.load(Ordering::SeqCst);
    wait_for(during + 3);
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    let end_size = start_size + written.load(Ordering::SeqCst);

    // The backup is one checkpoint and exactly its entries: a size between the two.
    let reader =
        kordon::export::ExportReader::open(std::fs::File::open(dir.join("ledger.export")).unwrap())
            .unwrap();
    let backed_cp = String::from_utf8(reader.checkpoint.clone()).unwrap();
    let backed_size: u64 = backed_cp.lines().nth(1).unwrap().parse().unwrap();
    assert!(
        start_size + 3 <= backed_size && backed_size < end_size,
        "{start_size} {backed_size} {end_size}"
    );
    assert!(
        out.contains(&format!("backed up {backed_size} entries of {origin}")),
        "{out}"
    );
    assert!(
        out.contains("kordon import ledger.export --data NEW"),
        "{out}"
    );
    assert!(!dir.join(".ledger.export.partial").exists());

    // An existing backup is never overwritten; a wrong key leaves no file behind.
    let before = std::fs::read(dir.join("ledger.export")).unwrap();
    let o = kordon(dir, &["backup", "--server", &url, "--out", "ledger.export"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("exists"), "{}", text(&o));
    assert_eq!(std::fs::read(dir.join("ledger.export")).unwrap(), before);
    let wrong = "kordon.test/other+01020304+AQxcjeqayKNe0xWNPtOCZPYQ7qKFBFr4280cJh1xkfRr";
    let o = kordon(
        dir,
        &[
            "backup",
            "--server",
            &url,
            "--out",
            "other.export",
            "--key",
            wrong,
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("not the"), "{}", text(&o));
    assert!(!dir.join("other.export").exists() && !dir.join(".other.export.partial").exists());
    // A server that is not there: an input error, no file.
    let o = kordon(
        dir,
        &["backup", "--server", "127.0.0.1:9", "--out", "none.export"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!dir.join("none.export").exists() && !dir.join(".none.export.partial").exists());
    server.stop();

    // Restore: the ledger key (kept apart), the backup imported into an empty folder.
    std::fs::create_dir(dir.join("restored")).unwrap();
    let o = kordon(dir, &["--data", "restored", "import", "ledger.export"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("ledger.key"), "{}", text(&o));
    assert!(!dir.join("restored/ledger.redb").exists());
    std::fs::copy(dir.join("demo/ledger.key"), dir.join("restored/ledger.key")).unwrap();
    ok(dir, &["--data", "restored", "import", "ledger.export"]);
    let v = ok(dir, &["--data", "restored", "verify"]);
    assert!(v.contains("VALID") || v.contains("valid"), "{v}");
    // The restored checkpoint is the one backed up (its signed note, byte for byte).
    let cp = ok(dir, &["--data", "restored", "checkpoint"]);
    let body = |note: &str| note.split("\n\n").next().unwrap().to_string();
    assert_eq!(body(&cp), body(&backed_cp));
    assert!(
        cp.contains(backed_cp.lines().find(|l| l.starts_with("— ")).unwrap()),
        "{cp}"
    );

    // It serves again, with the same checkpoint, and takes writes.
    let restored = Served::start(
        dir,
        &["--data", "restored", "serve", "--listen", "127.0.0.1:0"],
        "warn",
    );
    assert_eq!(restored.vkey, reader.vkey);
    let client = Client::new(&restored.url(), None);
    assert_eq!(body(&client.checkpoint().unwrap()), body(&backed_cp));
    let cmu = Author::new(
        kordon::fixture::b("cmu"),
        kordon::keyfile::read(&dir.join("demo/keys/cmu.pem")).unwrap(),
    );
    let now = jiff::Timestamp::now().as_millisecond() as u64;
    let sub = cmu
        .sign(
            &origin,
            kordon::core::types::Millis(now),
            &note("after the restore"),
        )
        .unwrap();
    assert_eq!(client.submit(&sub).unwrap().seq, backed_size);
    restored.stop();
}

/// Media types openapi-python-client does not generate code for (it warns and leaves those
/// answers out): every other warning is a fault of the document.
const UNSUPPORTED_BY_THE_GENERATOR: &[&str] = &[
    "GET /metrics",
    "GET /dashboard/assets/favicon.svg",
    "GET /workspace/qr.svg",
];

#[test]
fn a_client_generated_from_the_openapi_document_reads_a_live_server() {
    let python = std::env::var("KORDON_PYTHON").unwrap_or_else(|_| "python3".into());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let server = Served::start(
        dir,
        &[
            "--data",
            "demo",
            "serve",
            "--demo",
            "--listen",
            "127.0.0.1:0",
        ],
        "warn",
    );
    let client = kordon::server::client::Client::new(&server.url(), None);
    std::fs::write(
        dir.join("openapi.json"),
        client.get("/openapi.json").unwrap(),
    )
    .unwrap();

    let out = Command::new(&python)
        .args(["-m", "openapi_python_client", "generate", "--meta", "none"])
        .arg("--path")
        .arg(dir.join("openapi.json"))
        .arg("--output-path")
        .arg(dir.join("pkg/kordon_client"))
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e} (.ci/run installs openapi-python-client)"));
    let said = text(&out);
    assert!(out.status.success(), "the generator failed: {said}");
    for w in said
        .lines()
        .filter_map(|l| l.strip_prefix("WARNING parsing "))
    {
        assert!(
            UNSUPPORTED_BY_THE_GENERATOR
                .iter()
                .any(|u| w.starts_with(u)),
            "the generator warns about {w}: {said}"
        );
    }
    assert!(
        dir.join("pkg/kordon_client/api/read/entry.py").exists(),
        "{said}"
    );

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/openapi/use_client.py");
    let seq = 5u64;
    let out = Command::new(&python)
        .arg(&script)
        .arg(dir.join("pkg"))
        .arg(server.url())
        .arg(seq.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the generated client failed: {}",
        text(&out)
    );
    let read: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();

    // What the generated client read is what kordon answers.
    let json = |path: &str| -> serde_json::Value {
        serde_json::from_str(&client.get(path).unwrap()).unwrap()
    };
    let size = read["size"].as_u64().unwrap();
    assert!(size > seq);
    let signed = |note: &str| note.split("\n\n").next().unwrap().to_string();
    let cp = client.checkpoint().unwrap();
    assert_eq!(signed(read["checkpoint"].as_str().unwrap()), signed(&cp));
    assert_eq!(read["entry"], json(&format!("/entries/{seq}")));
    assert_eq!(
        read["proof"],
        json(&format!("/proof/inclusion?seq={seq}&size={size}"))
    );
    assert_eq!(read["view"], json("/views/overdue"));
    assert_eq!(read["missing"]["status"], 404);
    assert_eq!(read["missing"]["code"], "not-found.entry");
    server.stop();
}
