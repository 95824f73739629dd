//! The server against hostile clients, over real sockets on loopback: a client that pipelines
//! and hangs up, slowloris and idle connections, a full connection table, readers that never
//! read, and writers without the read token. Each attack is bounded in count and time, and
//! each test shows normal clients still answered.

use kordon::author::Author;
use kordon::core::event::*;
use kordon::fixture::{b, demo_key, Fixture};
use kordon::ledger::{system_clock, Ledger};
use kordon::server::{self, AppState, Config};
use kordon::store::memory::MemoryStore;
use kordon::store::Store;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// Set-up: an in-process server with a chosen Config, and the real binary.

pub struct InProcess {
    pub addr: String,
    pub state: AppState,
    pub fixture: Fixture,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    rt: Option<tokio::runtime::Runtime>,
}

impl InProcess {
    /// A ledger with a coordinator `cmu` and an observer `monitor`, served on a free port.
    pub fn start(config: Config) -> InProcess {
        let mut f = Fixture::new("kordon.test/hostile");
        let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
        let ledger =
            Arc::new(Ledger::open(store, f.ledger_signer.clone(), f.clock.clock()).unwrap());
        let subs = vec![
            f.genesis(),
            f.register("cmu", &[Role::Coordinator]),
            f.register("monitor", &[Role::Observer]),
        ];
        for r in ledger.submit_many(subs) {
            r.unwrap();
        }
        let state = AppState::new(ledger, config).unwrap();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(server::serve(listener, state.clone(), async {
            let _ = stopped.await;
        }));
        InProcess {
            addr,
            state,
            fixture: f,
            stop: Some(stop),
            rt: Some(rt),
        }
    }
}

impl Drop for InProcess {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// One plain GET over a new connection: the status and the body.
pub fn get(addr: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    read_answer(&mut s)
}

/// Reads a whole `Connection: close` answer.
fn read_answer(s: &mut TcpStream) -> (u16, String) {
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// Waits until the server closes `s` (EOF or reset); returns how long that took.
fn closed_within(s: &TcpStream, limit: Duration) -> Option<Duration> {
    let mut s = s;
    let start = Instant::now();
    s.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let mut buf = [0u8; 4096];
    while start.elapsed() < limit {
        match s.read(&mut buf) {
            Ok(0) => return Some(start.elapsed()),
            Ok(_) => {}
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(_) => return Some(start.elapsed()),
        }
    }
    None
}

/// `kordon serve` as a child process, on a free port.
pub struct Served {
    pub child: Child,
    pub addr: String,
}

impl Served {
    pub fn start(dir: &Path, args: &[&str]) -> Served {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kordon"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .current_dir(dir)
            .env_remove("KORDON_DATA")
            .env_remove("KORDON_READ_TOKEN")
            .env("KORDON_LOG", "error")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let addr = loop {
            let mut line = String::new();
            assert!(out.read_line(&mut line).unwrap() > 0, "serve ended early");
            if let Some(rest) = line.strip_prefix("serving ledger ") {
                let u = rest.split(" on http://").nth(1).unwrap().trim();
                break u.trim_end_matches('/').to_string();
            }
        };
        // Keep reading its output so that it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            let _ = out.read_to_string(&mut sink);
        });
        Served { child, addr }
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Resident memory of the server process, in bytes.
    pub fn rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap();
        kb * 1024
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A data directory whose ledger holds `n` notes of about `size` bytes each.
pub fn ledger_with_notes(dir: &Path, n: usize, size: usize) {
    let origin = "kordon.test/big";
    let ledger = kordon::datadir::init(
        dir,
        kordon::datadir::InitParams {
            origin: origin.into(),
            time_zone: "Europe/Kyiv".into(),
            registrar: BodyInfo {
                id: b("registry"),
                name_uk: "Реєстратор".into(),
                name_en: "Registrar".into(),
                kind: "registrar".into(),
            },
            registrar_key: demo_key("registry"),
            policy: Policy::default(),
        },
        system_clock(),
    )
    .unwrap();
    let author = Author::new(b("registry"), demo_key("registry"));
    let now = system_clock()();
    let subs: Vec<_> = (0..n)
        .map(|i| {
            let text = format!("{i} {}", "x".repeat(size));
            author
                .sign(
                    origin,
                    now,
                    &Body::NoteAdded(NoteAdded {
                        commitment: None,
                        about: None,
                        text,
                        evidence: vec![],
                    }),
                )
                .unwrap()
        })
        .collect();
    for chunk in subs.chunks(64) {
        for r in ledger.submit_many(chunk.to_vec()) {
            r.unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Item 1: a client that pipelines and hangs up.

#[test]
fn serve_survives_200_pipelined_closes_and_still_answers() {
    let tmp = tempfile::tempdir().unwrap();
    ledger_with_notes(tmp.path(), 4, 100);
    let mut srv = Served::start(tmp.path(), &["--data", "."]);
    let pipelined = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".repeat(50);
    for i in 0..200 {
        let mut s = TcpStream::connect(&srv.addr).unwrap();
        s.write_all(pipelined.as_bytes()).unwrap();
        let mut buf = [0u8; 200];
        let _ = s.read(&mut buf);
        drop(s);
        if i % 50 == 49 {
            assert!(srv.alive(), "kordon serve died after {} closes", i + 1);
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        srv.alive(),
        "kordon serve died of a closed pipelined connection"
    );
    let (status, body) = get(&srv.addr, "/healthz", &[]);
    assert_eq!(status, 200, "{body}");
    let (status, body) = get(&srv.addr, "/entries?limit=2", &[]);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"tree_size\":5"), "{body}");
}

// ---------------------------------------------------------------------------------------------
// Item 2: timeouts and the connection cap.

fn quick(config: Config) -> Config {
    Config {
        header_timeout: Duration::from_secs(1),
        send_timeout: Duration::from_secs(2),
        ..config
    }
}

#[test]
fn slowloris_and_idle_connections_are_closed_within_the_header_timeout() {
    let srv = InProcess::start(quick(Config::default()));
    // Slowloris: a head that never ends, one byte every 200 ms.
    let mut slow: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(&srv.addr).unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            s
        })
        .collect();
    // Idle keep-alive: one answered request, then nothing.
    let mut idle = TcpStream::connect(&srv.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 1024];
    assert!(idle.read(&mut buf).unwrap() > 0);
    let start = Instant::now();
    let dribble = std::thread::spawn({
        let mut streams: Vec<TcpStream> = slow.iter().map(|s| s.try_clone().unwrap()).collect();
        move || {
            for _ in 0..15 {
                for s in &mut streams {
                    let _ = s.write_all(b"X");
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    });
    // Meanwhile normal clients are answered at once.
    let t = Instant::now();
    assert_eq!(get(&srv.addr, "/healthz", &[]).0, 200);
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    for s in &mut slow {
        let took = closed_within(s, Duration::from_secs(4));
        assert!(took.is_some(), "a slowloris connection stayed open");
    }
    assert!(
        start.elapsed() < Duration::from_millis(2500),
        "slowloris connections closed after {:?}",
        start.elapsed()
    );
    assert!(
        closed_within(&idle, Duration::from_secs(3)).is_some(),
        "an idle keep-alive connection stayed open"
    );
    dribble.join().unwrap();
    assert_eq!(get(&srv.addr, "/healthz", &[]).0, 200);
}

#[test]
fn at_the_connection_cap_idle_connections_give_way_and_busy_ones_are_kept() {
    let srv = InProcess::start(Config {
        max_connections: 8,
        header_timeout: Duration::from_secs(30),
        ..Config::default()
    });
    // Fill the table with connections that send nothing.
    let idle: Vec<TcpStream> = (0..8)
        .map(|_| TcpStream::connect(&srv.addr).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // A normal client still gets in (the longest-idle connection is closed for it), within a
    // fraction of the header timeout; five of them, each keeping its connection open.
    let mut kept = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let mut s = TcpStream::connect(&srv.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        let mut buf = [0u8; 1024];
        let n = s.read(&mut buf).unwrap();
        let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        kept.push(s);
    }
    let evicted = idle
        .iter()
        .filter(|s| closed_within(s, Duration::from_millis(300)).is_some())
        .count();
    assert!(
        evicted >= 5,
        "{evicted} idle connections were closed for 5 clients"
    );
    drop(idle);
    drop(kept);
    std::thread::sleep(Duration::from_millis(200));

    // Eight connections that are each busy with a live feed are not cut off for a newcomer:
    // it is answered 503 server.connections, and they go on.
    let mut feeds: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = TcpStream::connect(&srv.addr).unwrap();
            s.write_all(b"GET /feed?from=0 HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut buf = [0u8; 512];
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            assert!(s.read(&mut buf).unwrap() > 0);
            s
        })
        .collect();
    let (status, body) = get(&srv.addr, "/healthz", &[]);
    assert_eq!(status, 503, "{body}");
    let p: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(p["code"], "server.connections", "{p}");
    for s in &mut feeds {
        assert!(
            closed_within(s, Duration::from_millis(200)).is_none(),
            "a busy connection was closed"
        );
    }
    drop(feeds);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(get(&srv.addr, "/healthz", &[]).0, 200);
}

// ---------------------------------------------------------------------------------------------
// Item 3: readers that never read.

#[test]
fn stalled_readers_hold_little_memory_and_are_cut_off() {
    let tmp = tempfile::tempdir().unwrap();
    // 240 entries of 60 KB: a 14 MB export, 60 MB of JSON for 1,000 entries.
    ledger_with_notes(tmp.path(), 240, 60_000);
    let mut srv = Served::start(tmp.path(), &["--data", ".", "--send-timeout", "3"]);
    assert_eq!(get(&srv.addr, "/healthz", &[]).0, 200);
    // Warm up: one full read of each answer, so that caches and pools count in the baseline.
    for path in ["/export", "/entries?limit=1000", "/tile/entries/000.p/240"] {
        assert_eq!(get(&srv.addr, path, &[]).0, 200, "{path}");
    }
    let before = srv.rss();
    let paths = [
        "/export",
        "/entries?limit=1000",
        "/feed?from=0",
        "/tile/entries/000.p/240",
    ];
    let mut stalled = Vec::new();
    for i in 0..48 {
        let mut s = TcpStream::connect(&srv.addr).unwrap();
        // A small receive window, and nothing read: the server's writes stall.
        let req = format!("GET {} HTTP/1.1\r\nHost: x\r\n\r\n", paths[i % paths.len()]);
        s.write_all(req.as_bytes()).unwrap();
        stalled.push(s);
    }
    std::thread::sleep(Duration::from_millis(1500));
    let during = srv.rss();
    let growth = during.saturating_sub(before);
    // Unbounded, each would hold its whole answer: 48 × 14-60 MB. Bounded: a chunk each.
    const BOUND: u64 = 96 << 20;
    assert!(
        growth < BOUND,
        "48 stalled readers grew the server by {} MB (from {} MB)",
        growth >> 20,
        before >> 20
    );
    // Normal clients are answered meanwhile, quickly.
    let t = Instant::now();
    let (status, body) = get(&srv.addr, "/entries?limit=2", &[]);
    assert_eq!(status, 200, "{body}");
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "{:?}",
        t.elapsed()
    );
    // Writers that make no progress are cut off after --send-timeout (3 s).
    let cut = stalled
        .iter()
        .filter(|s| closed_within(s, Duration::from_secs(8)).is_some())
        .count();
    assert!(cut >= 40, "only {cut} of 48 stalled readers were cut off");
    assert!(srv.alive());
    eprintln!(
        "stalled readers: RSS {} MB before, {} MB with 48 stalled, growth {} MB (bound {} MB)",
        before >> 20,
        during >> 20,
        growth >> 20,
        BOUND >> 20
    );
}

// ---------------------------------------------------------------------------------------------
// Item 8: the read token.

#[test]
fn an_empty_or_short_read_token_is_refused_at_start() {
    let tmp = tempfile::tempdir().unwrap();
    ledger_with_notes(tmp.path(), 1, 10);
    for (flag, env) in [
        (Some(""), None),
        (Some("short"), None),
        (None, Some("")),
        (None, Some("fifteen-chars!!")),
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kordon"));
        cmd.args(["--data", ".", "serve", "--listen", "127.0.0.1:0"])
            .current_dir(tmp.path())
            .env_remove("KORDON_READ_TOKEN");
        if let Some(t) = flag {
            cmd.args(["--read-token", t]);
        }
        if let Some(t) = env {
            cmd.env("KORDON_READ_TOKEN", t);
        }
        let o = cmd.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flag:?} {env:?}: {err}");
        assert!(err.contains("read token"), "{err}");
        assert!(!String::from_utf8_lossy(&o.stdout).contains("serving"));
    }
}

#[test]
fn with_a_read_token_refusals_and_readyz_reveal_nothing_to_writers_without_it() {
    let token = "a-long-enough-read-token";
    let mut srv = InProcess::start(Config {
        read_token: Some(token.into()),
        ..Config::default()
    });
    let size = srv.state.head().size;
    let base = format!("http://{}", srv.addr);
    let post = |body: &str, auth: bool| -> (u16, serde_json::Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut req = agent
            .post(format!("{base}/entries"))
            .header("Content-Type", "application/json");
        if auth {
            req = req.header("Authorization", &format!("Bearer {token}"));
        }
        let mut r = req.send(body.to_string()).unwrap();
        let status = r.status().as_u16();
        let v = serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
        (status, v)
    };
    let f = &mut srv.fixture;
    // An unknown body, and a known body with an unknown key: the same answer.
    f.add_author("ghost", "ghost");
    let unknown_body = f.sign(
        "ghost",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: "hello".into(),
            evidence: vec![],
        }),
    );
    f.add_author("monitor", "not-monitors-key");
    let unknown_key = f.sign(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: "hello".into(),
            evidence: vec![],
        }),
    );
    // A replay of the genesis id, and a valid event signed for another ledger.
    let mut other = Fixture::new("kordon.test/other");
    other.add_author("cmu", "cmu");
    let foreign = other.sign(
        "cmu",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: "hello".into(),
            evidence: vec![],
        }),
    );
    let json = kordon::server::write::submission_json;
    let mut seen = Vec::new();
    for sub in [&unknown_body, &unknown_key, &foreign] {
        let (status, p) = post(&json(sub), false);
        assert_eq!(status, 422, "{p}");
        assert_eq!(p["code"], "read.withheld", "{p}");
        let text = p.to_string();
        for leak in [
            format!("entry {size}"),
            "ghost".to_string(),
            "monitor".to_string(),
            "kordon.test/hostile".to_string(),
            "ev-".to_string(),
        ] {
            assert!(
                !text.contains(&leak),
                "the refusal reveals {leak:?}: {text}"
            );
        }
        assert!(p.get("event_id").is_none(), "{p}");
        seen.push(text);
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "refusals differ: {seen:?}"
    );
    // Malformed bytes keep their code, without the entry number.
    let malformed = kordon::ledger::Submission {
        event: b"{}".to_vec(),
        signature: [0; 64],
    };
    let (status, p) = post(&json(&malformed), false);
    assert_eq!(status, 400, "{p}");
    assert!(!p.to_string().contains(&format!("entry {size}")), "{p}");
    // With the token, the writer is told the rule.
    let (status, p) = post(&json(&unknown_key), true);
    assert_eq!(status, 422, "{p}");
    assert_eq!(p["code"], "key.unknown", "{p}");
    // A batch's items are hidden alike.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut r = agent
        .post(format!("{base}/entries/batch"))
        .header("Content-Type", "application/json")
        .send(kordon::server::write::batch_json(&[
            unknown_body.clone(),
            unknown_key.clone(),
        ]))
        .unwrap();
    let v: serde_json::Value =
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap();
    for item in v["results"].as_array().unwrap() {
        assert_eq!(item["problem"]["code"], "read.withheld", "{v}");
    }
    // /readyz says ready, not how big the ledger is; reads still need the token.
    let (status, body) = get(&srv.addr, "/readyz", &[]);
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v, serde_json::json!({"status": "ready"}));
    assert_eq!(get(&srv.addr, "/entries", &[]).0, 401);
    let auth = format!("Bearer {token}");
    assert_eq!(
        get(&srv.addr, "/entries", &[("Authorization", &auth)]).0,
        200
    );
    // Nothing was written.
    assert_eq!(srv.state.head().size, size);
}

#[test]
fn under_a_small_descriptor_limit_idle_sockets_do_not_lock_clients_out() {
    let tmp = tempfile::tempdir().unwrap();
    ledger_with_notes(tmp.path(), 2, 10);
    // 300 descriptors, hard and soft: the cap becomes 300 - 128 connections.
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -n 300 && exec {} --data . serve --listen 127.0.0.1:0 --header-timeout 60",
            env!("CARGO_BIN_EXE_kordon")
        ))
        .current_dir(tmp.path())
        .env("KORDON_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "serve ended early");
        if let Some(rest) = line.strip_prefix("serving ledger ") {
            let u = rest.split(" on http://").nth(1).unwrap().trim();
            break u.trim_end_matches('/').to_string();
        }
    };
    // 400 sockets that send nothing: more than the process could hold.
    let idle: Vec<TcpStream> = (0..400)
        .filter_map(|_| TcpStream::connect(&addr).ok())
        .collect();
    assert!(idle.len() >= 300, "{} sockets opened", idle.len());
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..10 {
        let t = Instant::now();
        let (status, body) = get(&addr, "/healthz", &[]);
        assert_eq!(status, 200, "{body}");
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }
    assert!(child.try_wait().unwrap().is_none(), "the server died");
    drop(idle);
    let _ = child.kill();
    let _ = child.wait();
}
