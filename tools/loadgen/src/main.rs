//! kordon-loadgen: the HTTP API under load, over loopback only, bounded in count and time.
//!
//! One run measures, on the machine it runs on:
//!
//! 1. **library appends**: `--clients` threads each calling `Ledger::submit` one event at a
//!    time on a fresh redb ledger (durable commits): the rate the HTTP path is compared with;
//! 2. **HTTP submissions**: the same pre-signed events, the same number of concurrent clients,
//!    each POSTing one event at a time over a keep-alive connection to `kordon::server` on
//!    127.0.0.1, on a fresh redb ledger: durable entries per second and latency percentiles
//!    (every answer must be a 201 with a receipt);
//! 3. **batched**: the same again with each client (thread) sending `--batch` events per request
//!    (`POST /entries/batch`; `Ledger::submit_many` for the library), as a system that
//!    exports its events in bulk does;
//! 4. **HTTP reads** on a ledger of `--entries` entries (built once, reusable with `--reuse`):
//!    for each of `GET /entries/{random seq}`, `GET /proof/inclusion?seq={random}` and
//!    `GET /checkpoint`, requests per second and latency percentiles over `--read-seconds`.
//!
//! The server runs in this process on its own tokio runtime; the clients run on another runtime
//! with one thread, speaking HTTP/1.1 directly over TCP, so the client costs as little CPU as
//! possible. Both share the machine's cores, as a load generator on the same machine does.

use anyhow::{bail, Context, Result};
use clap::Parser;
use kordon::ledger::{Ledger, Submission};
use kordon::server::{self, AppState, Config};
use kordon::store::redb::RedbStore;
use kordon::synthetic::Workload;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const ORIGIN: &str = "kordon.load/ibm";
const EXECUTORS: usize = 8;
const OBSERVERS: usize = 4;

#[derive(Parser)]
#[command(
    name = "kordon-loadgen",
    about = "Loads the kordon HTTP API over loopback and compares it with the library's append rate"
)]
struct Args {
    /// Concurrent clients (and library submitter threads).
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Events submitted in each write test [default: 64,000; 6,400 with --quick].
    #[arg(long)]
    writes: Option<u64>,
    /// Entries in the ledger the reads run against [default: 1,000,000; 20,000 with --quick].
    #[arg(long)]
    entries: Option<u64>,
    /// Seconds each read test runs [default: 8; 2 with --quick].
    #[arg(long)]
    read_seconds: Option<f64>,
    /// Where ledgers are kept (default: a temporary directory, removed at the end).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Reuse DIR/reads-N.redb if it holds exactly N entries.
    #[arg(long)]
    reuse: bool,
    /// A short run (about half a minute).
    #[arg(long)]
    quick: bool,
    /// Skip the read tests (and building the big ledger).
    #[arg(long)]
    skip_reads: bool,
    /// Events per request in the batched write tests (0 skips them).
    #[arg(long, default_value_t = 16)]
    batch: usize,
}

// ---------------------------------------------------------------------------------------------
// The workload: `kordon::synthetic::Workload`, a dozen signing bodies, ~500-byte events that
// any order accepts.

fn workload() -> Result<Workload> {
    Ok(Workload::of(ORIGIN, EXECUTORS, OBSERVERS)?)
}

/// A durable ledger of the workload at `path` (created with the setup events if new).
fn open(w: &Workload, path: &Path) -> Result<Arc<Ledger>> {
    Ok(Arc::new(w.open(Arc::new(RedbStore::open(path)?))?))
}

// ---------------------------------------------------------------------------------------------
// Measurements.

#[derive(Default, Clone)]
struct Run {
    /// Durable commits (store transactions) the run's entries took.
    commits: u64,
    ok: u64,
    errors: u64,
    secs: f64,
    /// Latencies in microseconds.
    lat: Vec<u32>,
    first_error: Option<String>,
}

impl Run {
    fn merge(&mut self, o: Run) {
        self.ok += o.ok;
        self.errors += o.errors;
        self.lat.extend(o.lat);
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
    }
    fn rate(&self) -> f64 {
        self.ok as f64 / self.secs
    }
    fn pct(&mut self, p: f64) -> f64 {
        if self.lat.is_empty() {
            return 0.0;
        }
        self.lat.sort_unstable();
        let i = ((self.lat.len() as f64 * p).ceil() as usize).clamp(1, self.lat.len()) - 1;
        self.lat[i] as f64 / 1000.0
    }
    fn line(&mut self, what: &str, unit: &str) -> String {
        let (p50, p99, max) = (self.pct(0.50), self.pct(0.99), self.pct(1.0));
        let mut s = format!(
            "{what:<44} {:>9.0} {unit}/s   p50 {p50:>6.2} ms   p99 {p99:>6.2} ms   max {max:>7.2} ms   ({} ok, {} errors, {:.1} s)",
            self.rate(),
            self.ok,
            self.errors,
            self.secs
        );
        if self.commits > 0 {
            s.push_str(&format!(
                "\n{:<44} {} durable commits, {:.1} entries per commit",
                "",
                self.commits,
                self.ok as f64 / self.commits as f64
            ));
        }
        if let Some(e) = &self.first_error {
            s.push_str(&format!("\n    first error: {e}"));
        }
        s
    }
}

// ---------------------------------------------------------------------------------------------
// 1. The library alone.

fn library_appends(ledger: &Ledger, subs: &[Submission], clients: usize, batch: usize) -> Run {
    let per = subs.len().div_ceil(clients);
    let barrier = Barrier::new(clients + 1);
    let results = Mutex::new(Run::default());
    let start = std::thread::scope(|s| {
        for chunk in subs.chunks(per) {
            let (barrier, results) = (&barrier, &results);
            s.spawn(move || {
                let mut run = Run::default();
                barrier.wait();
                for group in chunk.chunks(batch.max(1)) {
                    let t = Instant::now();
                    for r in ledger.submit_many(group.to_vec()) {
                        match r {
                            Ok(_) => run.ok += 1,
                            Err(e) => {
                                run.errors += 1;
                                run.first_error.get_or_insert(e.to_string());
                            }
                        }
                    }
                    run.lat.push(t.elapsed().as_micros() as u32);
                }
                results.lock().unwrap().merge(run);
            });
        }
        // Threads beyond the chunks' count never wait; make up the barrier.
        for _ in subs.chunks(per).count()..clients {
            let barrier = &barrier;
            s.spawn(move || barrier.wait());
        }
        barrier.wait();
        Instant::now()
    });
    let mut run = results.into_inner().unwrap();
    run.secs = start.elapsed().as_secs_f64();
    run
}

// ---------------------------------------------------------------------------------------------
// 2 and 3. HTTP clients: HTTP/1.1 keep-alive over TCP, one request at a time per connection.

struct Conn {
    r: BufReader<tokio::net::tcp::OwnedReadHalf>,
    w: tokio::net::tcp::OwnedWriteHalf,
    line: String,
    body: Vec<u8>,
}

impl Conn {
    async fn open(addr: std::net::SocketAddr) -> std::io::Result<Conn> {
        let s = TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        let (r, w) = s.into_split();
        Ok(Conn {
            r: BufReader::with_capacity(64 * 1024, r),
            w,
            line: String::new(),
            body: Vec::new(),
        })
    }

    /// Sends a request and reads the answer; returns its status (the body is in `self.body`).
    async fn call(&mut self, req: &[u8]) -> std::io::Result<u16> {
        self.w.write_all(req).await?;
        self.line.clear();
        self.r.read_line(&mut self.line).await?;
        let status: u16 = self
            .line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("status line {:?}", self.line)))?;
        let mut len = None;
        loop {
            self.line.clear();
            if self.r.read_line(&mut self.line).await? == 0 {
                return Err(std::io::Error::other("connection closed"));
            }
            let l = self.line.trim_end();
            if l.is_empty() {
                break;
            }
            if let Some((k, v)) = l.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse::<usize>().ok();
                }
            }
        }
        let len = len.ok_or_else(|| std::io::Error::other("no content-length"))?;
        self.body.resize(len, 0);
        self.r.read_exact(&mut self.body).await?;
        Ok(status)
    }
}

fn post(body: &str) -> Vec<u8> {
    post_to("/entries", body)
}

fn post_to(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").into_bytes()
}

/// A server on 127.0.0.1 over `ledger`, on its own runtime.
struct Served {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    rt: tokio::runtime::Runtime,
}

impl Served {
    fn start(ledger: Arc<Ledger>) -> Result<Served> {
        // A load test is a bulk import: the per-key quotas would stop it within a second.
        let config = Config {
            quota: None,
            ..Config::default()
        };
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .max_blocking_threads(config.max_pending + 64)
            .thread_name("server")
            .build()?;
        let state = AppState::new(ledger, config)?;
        let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let done = rt.spawn(server::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Ok(Served {
            addr,
            stop: Some(stop),
            done: Some(done),
            rt,
        })
    }

    fn stop(mut self) -> Result<()> {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(d) = self.done.take() {
            self.rt.block_on(d)??;
        }
        self.rt.shutdown_timeout(Duration::from_secs(10));
        Ok(())
    }
}

fn client_runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

impl Run {
    /// Records one call's answer: a status in `want` counts its number of entries (or
    /// requests) as done, another status is an error; a broken connection too, and then
    /// false (the client stops).
    fn answer(
        &mut self,
        got: std::io::Result<u16>,
        want: &[(u16, u64)],
        body: &[u8],
        t: Instant,
    ) -> bool {
        match got {
            Ok(s) => match want.iter().find(|(w, _)| *w == s) {
                Some((_, n)) => self.ok += n,
                None => {
                    self.errors += 1;
                    self.first_error
                        .get_or_insert(format!("{s}: {}", String::from_utf8_lossy(body)));
                }
            },
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e.to_string());
                return false;
            }
        }
        self.lat.push(t.elapsed().as_micros() as u32);
        true
    }
}

/// A connection per item of `work`, opened first, then each driven at once by
/// `client(k, item, conn)`: their runs merged, timed from the start.
fn clients<S, F, Fut>(addr: std::net::SocketAddr, work: Vec<S>, client: F) -> Result<Run>
where
    F: Fn(usize, S, Conn) -> Fut,
    Fut: std::future::Future<Output = Run> + Send + 'static,
{
    client_runtime()?.block_on(async move {
        let mut conns = Vec::new();
        for _ in 0..work.len() {
            conns.push(Conn::open(addr).await?);
        }
        let start = Instant::now();
        let tasks: Vec<_> = work
            .into_iter()
            .zip(conns)
            .enumerate()
            .map(|(k, (w, c))| tokio::spawn(client(k, w, c)))
            .collect();
        let mut total = Run::default();
        for t in tasks {
            total.merge(t.await?);
        }
        total.secs = start.elapsed().as_secs_f64();
        Ok(total)
    })
}

/// `clients` connections, each sending its share of `requests` in order; each request carries
/// `per_request` events (a batch answers 200 with one 201 per event).
fn http_writes(
    addr: std::net::SocketAddr,
    requests: Vec<Vec<u8>>,
    clients_n: usize,
    per_request: usize,
) -> Result<Run> {
    let per = requests.len().div_ceil(clients_n);
    let mut shares: Vec<Vec<Vec<u8>>> = Vec::new();
    let mut it = requests.into_iter();
    loop {
        let share: Vec<Vec<u8>> = it.by_ref().take(per).collect();
        if share.is_empty() {
            break;
        }
        shares.push(share);
    }
    // Every submission of a batch must be recorded: the ledger's size is checked against the
    // count at the end of the run.
    let mut want = vec![(201, 1)];
    if per_request > 1 {
        want.push((200, per_request as u64));
    }
    clients(addr, shares, |_, share, mut c| {
        let want = want.clone();
        async move {
            let mut run = Run::default();
            for req in share {
                let t = Instant::now();
                let got = c.call(&req).await;
                if !run.answer(got, &want, &c.body, t) {
                    break;
                }
            }
            run
        }
    })
}

/// `clients` connections sending requests made by `make(client, i)` for `secs` seconds.
fn http_reads(
    addr: std::net::SocketAddr,
    clients_n: usize,
    secs: f64,
    make: MakeRequest,
) -> Result<Run> {
    // Timed from when the connections are open, as the runs are.
    let deadline = std::sync::OnceLock::new();
    clients(addr, vec![(); clients_n], |k, (), mut c| {
        let make = Arc::clone(&make);
        let deadline = *deadline.get_or_init(|| Instant::now() + Duration::from_secs_f64(secs));
        async move {
            let mut run = Run::default();
            let mut i = 0u64;
            while Instant::now() < deadline {
                let req = make(k, i);
                i += 1;
                let t = Instant::now();
                let got = c.call(&req).await;
                if !run.answer(got, &[(200, 1)], &c.body, t) {
                    break;
                }
            }
            run
        }
    })
}

/// Makes the request of client `k` number `i`.
type MakeRequest = Arc<dyn Fn(usize, u64) -> Vec<u8> + Send + Sync>;

/// A deterministic pseudo-random number for client `k`, request `i`.
fn mix(k: usize, i: u64) -> u64 {
    let mut x =
        (k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ i.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 29)
}

// ---------------------------------------------------------------------------------------------

fn build_big(w: &Workload, path: &Path, entries: u64, reuse: bool) -> Result<Arc<Ledger>> {
    if reuse && path.exists() {
        let ledger = open(w, path)?;
        if ledger.size() == entries {
            println!("reusing {} ({entries} entries)", path.display());
            return Ok(ledger);
        }
        drop(ledger);
        println!(
            "{} does not hold exactly {entries} entries; rebuilding",
            path.display()
        );
    }
    let _ = std::fs::remove_file(path);
    let t = Instant::now();
    let ledger = open(w, path)?;
    let f = w.fill(&ledger, "r", entries, &[], |_, _| Ok(()))?;
    println!(
        "built {} entries in {:.1} s (signing {:.1} s, appending {:.1} s = {:.0} entries/s in batches of {})",
        ledger.size(),
        t.elapsed().as_secs_f64(),
        f.sign_secs,
        f.append_secs,
        f.signed as f64 / f.append_secs,
        kordon::ledger::MAX_BATCH
    );
    Ok(ledger)
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn main() -> Result<()> {
    let a = Args::parse();
    let writes = a.writes.unwrap_or(if a.quick { 6_400 } else { 64_000 });
    let entries = a
        .entries
        .unwrap_or(if a.quick { 20_000 } else { 1_000_000 });
    let read_secs = a.read_seconds.unwrap_or(if a.quick { 2.0 } else { 8.0 });
    let clients = a.clients.max(1);
    if writes == 0 {
        bail!("--writes must be at least 1");
    }
    let tmp;
    let dir = match &a.dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| d.display().to_string())?;
            d.clone()
        }
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    println!(
        "kordon-loadgen: {clients} clients, {writes} submissions per write test, reads on {entries} entries, {} cores, load average {}",
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        loadavg()
    );
    let w = workload()?;
    let t = Instant::now();
    let subs = w.sign("w", 0, writes);
    println!(
        "signed {writes} events in {:.1} s (before any timing; ~{} bytes each)",
        t.elapsed().as_secs_f64(),
        subs.iter().map(|s| s.event.len()).sum::<usize>() / subs.len()
    );

    let mut modes = vec![1usize];
    if a.batch > 1 {
        modes.push(a.batch);
    }
    for batch in modes {
        // 1. The library alone.
        let path = dir.join("library.redb");
        let _ = std::fs::remove_file(&path);
        let ledger = open(&w, &path)?;
        let commits = ledger.commits();
        let mut lib = library_appends(&ledger, &subs, clients, batch);
        lib.commits = ledger.commits() - commits;
        drop(ledger);
        let _ = std::fs::remove_file(&path);

        // 2. Over HTTP, the same events and concurrency.
        let path = dir.join("http.redb");
        let _ = std::fs::remove_file(&path);
        let ledger = open(&w, &path)?;
        let commits = ledger.commits();
        let srv = Served::start(Arc::clone(&ledger))?;
        let requests: Vec<Vec<u8>> = if batch == 1 {
            subs.iter()
                .map(|s| post(&server::write::submission_json(s)))
                .collect()
        } else {
            // Whole batches only, so each 200 stands for `batch` entries.
            subs[..subs.len() / batch * batch]
                .chunks(batch)
                .map(|g| post_to("/entries/batch", &server::write::batch_json(g)))
                .collect()
        };
        let mut http = http_writes(srv.addr, requests, clients, batch)?;
        http.commits = ledger.commits() - commits;
        srv.stop()?;
        let size = ledger.size();
        drop(ledger);
        let _ = std::fs::remove_file(&path);
        if size != w.setup().len() as u64 + http.ok {
            bail!(
                "the ledger holds {size} entries, expected {} (every acknowledged submission must be an entry)",
                w.setup().len() as u64 + http.ok
            );
        }

        println!();
        if batch == 1 {
            println!("writes: {clients} concurrent clients, one event per request, one request at a time each; durable (redb, fsync per commit)");
            println!(
                "{}",
                lib.line("library: Ledger::submit from threads", "entries")
            );
            println!("{}", http.line("HTTP: POST /entries", "entries"));
        } else {
            println!("batched writes: {clients} concurrent clients, {batch} events per request, one request at a time each; latency per request");
            println!(
                "{}",
                lib.line(
                    &format!("library: Ledger::submit_many({batch}) from threads"),
                    "entries"
                )
            );
            println!(
                "{}",
                http.line(
                    &format!("HTTP: POST /entries/batch ({batch} events)"),
                    "entries"
                )
            );
        }
        println!(
            "HTTP / library: {:.2} (throughput); p99 {:.2} ms vs {:.2} ms",
            http.rate() / lib.rate(),
            http.pct(0.99),
            lib.pct(0.99)
        );
    }

    if !a.skip_reads {
        println!();
        let path = dir.join(format!("reads-{entries}.redb"));
        let ledger = build_big(&w, &path, entries, a.reuse)?;
        let n = ledger.size();
        let srv = Served::start(Arc::clone(&ledger))?;
        println!(
            "reads: {clients} concurrent clients on a ledger of {n} entries, {read_secs} s each"
        );
        let cases: Vec<(&str, MakeRequest)> = vec![
            (
                "GET /entries/{random seq}",
                Arc::new(move |k, i| get(&format!("/entries/{}", mix(k, i) % n))),
            ),
            (
                "GET /proof/inclusion?seq={random}",
                Arc::new(move |k, i| get(&format!("/proof/inclusion?seq={}", mix(k, i) % n))),
            ),
            ("GET /checkpoint", Arc::new(|_, _| get("/checkpoint"))),
        ];
        for (what, make) in cases {
            let mut r = http_reads(srv.addr, clients, read_secs, make)?;
            println!("{}", r.line(what, "req"));
        }
        srv.stop()?;
        drop(ledger);
        if a.dir.is_none() {
            let _ = std::fs::remove_file(&path);
        }
    }
    println!();
    println!("load average at the end: {}", loadavg());
    Ok(())
}
