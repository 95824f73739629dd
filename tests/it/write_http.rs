//! The write path over HTTP under attack and fault: slow bodies that hold no slot, a memory
//! budget for unfinished bodies, batches that can never be admitted, per-key quotas, and a
//! filesystem that fills up and frees again. Each test shows the attack's answer, that nothing
//! was written, and that normal clients are still answered, within bounded counts and times on
//! loopback.

use axum::body::Body as HttpBody;
use axum::http::{header, Request, StatusCode};
use kordon::core::event::*;
use kordon::fixture::{c, Fixture};
use kordon::ledger::{Ledger, Options, Submission};
use kordon::server::client::{Client, ClientError};
use kordon::server::write::{batch_json, submission_json};
use kordon::server::{self, AppState, Config, Quota};
use kordon::store::memory::MemoryStore;
use kordon::store::Store;
use serde_json::Value;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const ORIGIN: &str = "kordon.test/write";

struct World {
    f: Fixture,
    ledger: Arc<Ledger>,
    state: AppState,
}

fn world_with(store: Arc<dyn Store>, config: Config, options: Options) -> World {
    let mut f = Fixture::new(ORIGIN);
    let ledger = Arc::new(
        Ledger::open_with(store, f.ledger_signer.clone(), f.clock.clock(), options).unwrap(),
    );
    if ledger.size() == 0 {
        let subs = vec![
            f.genesis(),
            f.register("cmu", &[Role::Coordinator]),
            f.register("sbgs", &[Role::Executor]),
            f.register("monitor", &[Role::Observer]),
        ];
        for r in ledger.submit_many(subs) {
            r.unwrap();
        }
    }
    let state = AppState::new(Arc::clone(&ledger), config).unwrap();
    World { f, ledger, state }
}

fn note(text: &str) -> Body {
    Body::NoteAdded(NoteAdded {
        commitment: None,
        about: None,
        text: text.into(),
        evidence: vec![],
    })
}

/// A live server on a loopback port, stopped when dropped.
struct Live {
    base: String,
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    /// The server's runtime, kept alive as long as the server runs.
    _rt: tokio::runtime::Runtime,
}

impl Live {
    fn start(state: AppState) -> Live {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(server::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Live {
            base: format!("http://{addr}"),
            addr,
            stop: Some(stop),
            _rt: rt,
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Raises the open-file limit to its hard limit, for tests that hold many sockets.
fn raise_fd_limit(need: u64) {
    unsafe {
        let mut l = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut l), 0);
        if l.rlim_cur < l.rlim_max {
            l.rlim_cur = l.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
        assert!(
            l.rlim_cur >= need,
            "this test needs {need} open files; the limit is {} (raise it with ulimit -n)",
            l.rlim_cur
        );
    }
}

/// A connection that sends a request's head and the start of its body, then nothing.
fn stalled(addr: std::net::SocketAddr, path: &str, declared: usize, sent: &[u8]) -> TcpStream {
    let mut s = TcpStream::connect(addr).expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(sent).unwrap();
    s
}

/// Submits `n` events one at a time and returns the slowest answer's time.
fn real_writer(base: &str, subs: &[Submission]) -> Duration {
    let client = Client::new(base, None);
    let mut slowest = Duration::ZERO;
    for s in subs {
        let t = Instant::now();
        client
            .submit(s)
            .expect("a real writer is answered with a receipt");
        slowest = slowest.max(t.elapsed());
    }
    slowest
}

#[test]
fn a_thousand_connections_that_send_a_brace_and_wait_do_not_turn_real_writers_away() {
    raise_fd_limit(2600);
    let config = Config {
        max_pending: 64,
        body_timeout: Duration::from_secs(20),
        ..Config::default()
    };
    let w = world_with(Arc::new(MemoryStore::new()), config, Options::default());
    let live = Live::start(w.state.clone());
    let slow: Vec<TcpStream> = (0..1100)
        .map(|_| stalled(live.addr, "/entries", 400, b"{"))
        .collect();
    // Every one of them is being read (each holds its byte of the budget), none holds a slot.
    let start = Instant::now();
    while w.state.bodies_held() < 1000 * 1024 {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "only {} bytes held",
            w.state.bodies_held()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(w.state.bodies_held() <= 1100 * 1024);
    let size = w.ledger.size();
    let subs: Vec<Submission> = (0..20)
        .map(|i| w.f.sign("monitor", note(&format!("real {i}"))))
        .collect();
    let slowest = real_writer(&live.base, &subs);
    assert!(
        slowest < Duration::from_secs(2),
        "a real writer waited {slowest:?}"
    );
    assert_eq!(w.ledger.size(), size + 20);
    // The slow ones are answered 408 once the body timeout passes, and free what they held.
    let mut answered = 0;
    for mut s in slow.into_iter().take(20) {
        s.set_read_timeout(Some(Duration::from_secs(40))).unwrap();
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).unwrap_or(0);
        let text = String::from_utf8_lossy(&buf[..n]);
        assert!(text.starts_with("HTTP/1.1 408"), "{text}");
        answered += 1;
    }
    assert_eq!(answered, 20);
    assert_eq!(w.ledger.size(), size + 20, "the slow ones wrote nothing");
}

#[test]
fn unfinished_batch_bodies_hold_no_more_than_the_budget_and_single_writers_still_get_through() {
    raise_fd_limit(600);
    let budget = 16 << 20;
    let config = Config {
        body_budget: budget,
        body_timeout: Duration::from_secs(5),
        ..Config::default()
    };
    let w = world_with(Arc::new(MemoryStore::new()), config, Options::default());
    let live = Live::start(w.state.clone());
    let chunk = vec![b' '; 1 << 20];
    let mut conns = Vec::new();
    let mut peak = 0;
    for _ in 0..200 {
        // 4 MiB announced, 1 MiB sent, then nothing.
        let mut s = stalled(live.addr, "/entries/batch", 4 << 20, b"{\"submissions\":[");
        let _ = s.write_all(&chunk);
        conns.push(s);
        peak = peak.max(w.state.bodies_held());
    }
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..20 {
        peak = peak.max(w.state.bodies_held());
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(
        peak <= budget,
        "held {peak} bytes of bodies against a budget of {budget}"
    );
    assert!(
        peak >= budget / 2,
        "the bodies were being read ({peak} bytes held)"
    );
    // Those beyond the budget were turned away at once with 503 and Retry-After.
    let mut busy = 0;
    for s in conns.iter_mut() {
        s.set_read_timeout(Some(Duration::from_millis(20))).unwrap();
        let mut buf = [0u8; 512];
        if let Ok(n) = s.read(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]).to_lowercase();
            if text.starts_with("http/1.1 503") {
                assert!(text.contains("retry-after"), "{text}");
                assert!(text.contains("server.busy"), "{text}");
                busy += 1;
            }
        }
    }
    assert!(busy >= 150, "only {busy} of 200 were turned away");
    // A single submission is still recorded: batches leave it a share of the budget.
    let subs: Vec<Submission> = (0..5)
        .map(|i| w.f.sign("monitor", note(&format!("single {i}"))))
        .collect();
    let slowest = real_writer(&live.base, &subs);
    assert!(
        slowest < Duration::from_secs(2),
        "a single writer waited {slowest:?}"
    );
    drop(conns);
    let start = Instant::now();
    while w.state.bodies_held() > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "bodies are still held"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

async fn post(
    app: &axum::Router,
    path: &str,
    body: String,
) -> (StatusCode, axum::http::HeaderMap, Value) {
    let req = Request::post(path)
        .header(header::CONTENT_TYPE, "application/json")
        .body(HttpBody::from(body))
        .unwrap();
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    (
        status,
        headers,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_larger_than_max_pending_is_a_client_error_with_the_limit() {
    let config = Config {
        max_pending: 4,
        ..Config::default()
    };
    let w = world_with(Arc::new(MemoryStore::new()), config, Options::default());
    let app = server::router(w.state.clone());
    let size = w.ledger.size();
    let five: Vec<Submission> = (0..5)
        .map(|i| w.f.sign("monitor", note(&format!("b{i}"))))
        .collect();
    let (status, headers, body) = post(&app, "/entries/batch", batch_json(&five)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "request.batch-too-large");
    assert_eq!(body["max_submissions"], 4);
    assert!(
        headers.get(header::RETRY_AFTER).is_none(),
        "retrying cannot help: no Retry-After"
    );
    assert_eq!(w.ledger.size(), size, "nothing was written");
    // Split as the problem says, it is recorded.
    let (status, _, body) = post(&app, "/entries/batch", batch_json(&five[..4])).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == 201),
        "{body}"
    );
    let (status, _, _) = post(&app, "/entries/batch", batch_json(&five[4..])).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(w.ledger.size(), size + 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn per_key_quotas_count_only_accepted_entries_and_answer_429_with_retry_after() {
    let config = Config {
        // Three at once, then one an hour.
        quota: Some(Quota {
            per_day: 24,
            burst: 3,
        }),
        ..Config::default()
    };
    let w = world_with(Arc::new(MemoryStore::new()), config, Options::default());
    let app = server::router(w.state.clone());
    // Bad signatures by the monitor's key are refused and spend nothing.
    for i in 0..6 {
        let mut bad = w.f.sign("monitor", note(&format!("forged {i}")));
        bad.signature[0] ^= 1;
        let (status, _, body) = post(&app, "/entries", submission_json(&bad)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(body["code"], "signature.invalid");
    }
    for i in 0..3 {
        let sub = w.f.sign("monitor", note(&format!("within the quota {i}")));
        let (status, _, body) = post(&app, "/entries", submission_json(&sub)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let size = w.ledger.size();
    let over = w.f.sign("monitor", note("one too many"));
    let (status, headers, body) = post(&app, "/entries", submission_json(&over)).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(body["code"], "request.quota");
    assert_eq!(body["burst"], 3);
    let retry: u64 = headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "Retry-After {retry}");
    assert_eq!(w.ledger.size(), size, "nothing was written");
    // Another key is not held back by the monitor's quota.
    let other = w.f.sign(
        "cmu",
        Body::CommitmentAssigned(Fixture::commitment("AP-9", Some("sbgs"), "2026-12-31")),
    );
    let (status, _, _) = post(&app, "/entries", submission_json(&other)).await;
    assert_eq!(status, StatusCode::CREATED);
    // A batch that needs more than the burst from one key can never pass: a client error.
    let many: Vec<Submission> = (0..4)
        .map(|i| w.f.sign("sbgs", note(&format!("bulk {i}"))))
        .collect();
    let (status, _, body) = post(&app, "/entries/batch", batch_json(&many)).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["code"], "request.batch-too-large");
    assert_eq!(body["max_submissions"], 3);
    let accept = w.f.sign(
        "sbgs",
        Body::CommitmentAccepted(CommitmentRef {
            commitment: c("AP-9"),
        }),
    );
    let (status, _, _) = post(&app, "/entries", submission_json(&accept)).await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_quota_a_key_may_record_as_fast_as_the_ledger_does() {
    let config = Config {
        quota: None,
        ..Config::default()
    };
    let w = world_with(Arc::new(MemoryStore::new()), config, Options::default());
    let app = server::router(w.state.clone());
    let subs: Vec<Submission> = (0..1000)
        .map(|i| w.f.sign("monitor", note(&format!("bulk {i}"))))
        .collect();
    let (status, _, body) = post(&app, "/entries/batch", batch_json(&subs)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["results"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["status"] == 201));
}

/// A tmpfs of `mib` MiB mounted on a fresh directory, unmounted when dropped. Needs root (CI
/// runs as root); a machine that cannot mount fails the test, it does not skip it.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(mib: u64) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={mib}m"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("run mount");
        assert!(
            out.status.success(),
            "this test mounts a small tmpfs to fill it up and needs root: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Tmpfs { dir }
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Fills the filesystem with a file until a write fails.
    fn fill(&self) -> std::path::PathBuf {
        let path = self.path().join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        for size in [1 << 20, 4096, 1] {
            let chunk = vec![0u8; size];
            while f.write_all(&chunk).is_ok() {}
        }
        let _ = f.sync_all();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

fn get(base: &str, path: &str) -> (u16, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut resp = agent.get(format!("{base}{path}")).call().unwrap();
    let status = resp.status().as_u16();
    (status, resp.body_mut().read_to_string().unwrap_or_default())
}

fn get_bytes(base: &str, path: &str) -> (u16, Vec<u8>) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();
    let mut resp = agent.get(format!("{base}{path}")).call().unwrap();
    let status = resp.status().as_u16();
    let mut out = Vec::new();
    resp.body_mut()
        .as_reader()
        .read_to_end(&mut out)
        .expect("a whole body");
    (status, out)
}

#[test]
fn a_full_disk_pauses_writes_honestly_and_they_resume_when_space_is_freed() {
    let fs = Tmpfs::mount(12);
    let store = kordon::store::redb::RedbStore::open(&fs.path().join("ledger.redb")).unwrap();
    let options = Options {
        storage_retry: Duration::from_millis(300),
        ..Options::default()
    };
    let config = Config {
        quota: None,
        ..Config::default()
    };
    let w = world_with(Arc::new(store), config, options);
    let live = Live::start(w.state.clone());
    let client = Client::new(&live.base, None);
    let mut acknowledged = Vec::new();
    for i in 0..5 {
        acknowledged.push(
            client
                .submit(&w.f.sign("monitor", note(&format!("before {i}"))))
                .unwrap(),
        );
    }
    let filler = fs.fill();
    // Writes fail once the disk is full: the truth (server.storage, nothing recorded), then a
    // pause (server.storage-unavailable with Retry-After); never a rule the event did not break.
    let text = "x".repeat(4000);
    let mut storage_errors = 0;
    let mut paused = 0;
    for i in 0..400 {
        let sub = w.f.sign("monitor", note(&format!("{i} {text}")));
        match client.submit(&sub) {
            Ok(r) => acknowledged.push(r),
            Err(ClientError::Problem {
                status: 500, code, ..
            }) => {
                assert_eq!(code, "server.storage");
                storage_errors += 1;
            }
            Err(ClientError::Problem {
                status: 503, code, ..
            }) => {
                assert_eq!(code, "server.storage-unavailable");
                paused += 1;
            }
            Err(e) => panic!("a full disk must not be blamed on the event: {e}"),
        }
        if storage_errors > 0 && paused > 0 {
            break;
        }
    }
    assert!(storage_errors > 0, "the disk never filled up");
    assert!(paused > 0, "writes were not paused");
    let (status, body) = get(&live.base, "/readyz");
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("server.storage-unavailable"), "{body}");
    // Reads still work (the store was reopened): an export is whole and valid, or a problem.
    let (status, bytes) = get_bytes(&live.base, "/export");
    if status == 200 {
        let report = crate::common::verify_bytes(&bytes, None);
        assert!(report.valid, "{:?}", report.failure);
    } else {
        assert_eq!(status, 503);
    }
    // Free the space: writes resume, the ledger holds every acknowledged entry and no other.
    std::fs::remove_file(filler).unwrap();
    let start = Instant::now();
    let next = loop {
        let sub = w.f.sign("monitor", note("after the space was freed"));
        match client.submit(&sub) {
            Ok(r) => break r,
            Err(ClientError::Problem {
                status: 500 | 503, ..
            }) => {
                assert!(
                    start.elapsed() < Duration::from_secs(20),
                    "writes never resumed"
                );
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("{e}"),
        }
    };
    let last = acknowledged.last().unwrap();
    assert_eq!(next.seq, last.seq + 1, "no entry was lost or invented");
    let (status, _) = get(&live.base, "/readyz");
    assert_eq!(status, 200);
    let (status, _) = get(&live.base, &format!("/entries/{}", last.seq));
    assert_eq!(status, 200);
    let mut export = Vec::new();
    kordon::export::write(w.ledger.store(), &w.ledger.verifier_key(), &mut export).unwrap();
    let report = crate::common::verify_bytes(&export, None);
    assert!(report.valid, "{:?}", report.failure);
    assert_eq!(report.entries_verified, next.seq + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_the_store_cannot_be_read_reads_say_so_and_the_server_is_not_ready() {
    let store = crate::common::FaultStore::new(Arc::new(MemoryStore::new()));
    let options = Options {
        storage_retry: Duration::from_millis(200),
        ..Options::default()
    };
    let w = world_with(store.clone(), Config::default(), options);
    let app = server::router(w.state.clone());
    let size = w.ledger.size();
    store
        .broken
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let sub = w.f.sign("monitor", note("on a dead disk"));
    let (status, _, body) = post(&app, "/entries", submission_json(&sub)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["code"], "server.storage");
    let get = |path: &'static str| {
        let app = app.clone();
        async move {
            let resp = app
                .oneshot(Request::get(path).body(HttpBody::empty()).unwrap())
                .await
                .unwrap();
            let status = resp.status();
            let ct = resp.headers().get(header::CONTENT_TYPE).cloned();
            let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .unwrap();
            (status, ct, bytes)
        }
    };
    let (status, ct, bytes) = get("/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ct.unwrap(), "application/problem+json");
    assert!(String::from_utf8_lossy(&bytes).contains("server.storage-unavailable"));
    // The export cannot be read: a problem, never a 200 with an empty body.
    let (status, ct, bytes) = get("/export").await;
    assert_eq!(
        status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(ct.unwrap(), "application/problem+json");
    let (status, _, _) = get("/entries/0").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    // Writes are refused at once while paused, without reaching the ledger's queue.
    let (status, headers, body) = post(&app, "/entries", submission_json(&sub)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["code"], "server.storage-unavailable");
    assert!(headers.get(header::RETRY_AFTER).is_some());
    // The disk comes back: the writer reopens the store on its own, and everything works.
    store
        .broken
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let start = Instant::now();
    loop {
        let (status, _, _) = get("/readyz").await;
        let (entry, _, _) = get("/entries/0").await;
        if status == StatusCode::OK && entry == StatusCode::OK {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the store was never reopened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, _, body) = post(&app, "/entries", submission_json(&sub)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["seq"], size);
    let (status, _, bytes) = get("/export").await;
    assert_eq!(status, StatusCode::OK);
    let report = crate::common::verify_bytes(&bytes, None);
    assert!(report.valid, "{:?}", report.failure);
}
