//! kordon beyond one machine, measured: durable appends per second and their latency through
//! the library and over HTTP for redb, a single PostgreSQL and a three-node Patroni cluster with
//! a synchronous standby; the time from killing the primary to the first acknowledged write;
//! the time for a new server to join a large ledger and serve. Beside them, the machine's own
//! limit measured in the same run: synchronous 4 KiB writes (write + fdatasync) per second.
//!
//! `cargo run --release --example cluster_bench -- [--seconds 10] [--join-entries 1000000]
//! [--clients 16] [--skip-cluster] [--join-only]`. The join is measured twice each way: as a
//! server that replays the whole ledger (no snapshot) and as one that starts from the newest
//! snapshot of the rules' state the writers left in the database. It starts its own PostgreSQL and cluster from Debian's
//! packages (`.ci/run` installs them), on loopback ports 18850-18899, as the `postgres` user
//! when run as root, like the tests, with whose harness (tests/it/common/) it shares the code.

#[path = "../tests/it/common/patroni.rs"]
#[allow(dead_code)]
mod patroni;
#[path = "../tests/it/common/pg.rs"]
#[allow(dead_code)]
mod pg;

use kordon::core::event::{Body, NoteAdded, Role};
use kordon::fixture::Fixture;
use kordon::ledger::{system_clock, Ledger, Submission};
use kordon::server::{self, AppState, Config};
use kordon::store::postgres::PostgresStore;
use kordon::store::Store;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ORIGIN: &str = "kordon.bench/ibm";

struct Args {
    seconds: u64,
    join_entries: u64,
    clients: usize,
    skip_cluster: bool,
    join_only: bool,
}

fn args() -> Args {
    let mut a = Args {
        seconds: 10,
        join_entries: 1_000_000,
        clients: 16,
        skip_cluster: false,
        join_only: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(x) = it.next() {
        let mut num = |name: &str| -> u64 {
            it.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} takes a number"))
        };
        match x.as_str() {
            "--seconds" => a.seconds = num("--seconds"),
            "--join-entries" => a.join_entries = num("--join-entries"),
            "--clients" => a.clients = num("--clients") as usize,
            "--skip-cluster" => a.skip_cluster = true,
            "--join-only" => a.join_only = true,
            "--help" | "-h" => {
                println!(
                    "cluster_bench [--seconds N] [--join-entries N] [--clients N] [--skip-cluster] [--join-only]\n\
                     Measures durable appends (library and HTTP) on redb, PostgreSQL and a \
                     three-node Patroni cluster, failover and join times (--join-only: only \
                     the join, on one PostgreSQL)."
                );
                std::process::exit(0);
            }
            other => panic!("unknown argument {other}; see --help"),
        }
    }
    a
}

/// Synchronous 4 KiB writes per second and their median, in `dir`: the disk's limit.
fn fsync_rate(dir: &std::path::Path) -> (f64, Duration) {
    use std::io::Write;
    let path = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![7u8; 4096];
    let mut lat = Vec::new();
    let t = Instant::now();
    while t.elapsed() < Duration::from_secs(3) {
        let s = Instant::now();
        f.write_all(&block).unwrap();
        f.sync_data().unwrap();
        lat.push(s.elapsed());
    }
    let rate = lat.len() as f64 / t.elapsed().as_secs_f64();
    let _ = std::fs::remove_file(path);
    lat.sort();
    (rate, lat[lat.len() / 2])
}

/// A fixture with `n` registered bodies and a ledger on `store` holding them.
fn ledger_on(store: Arc<dyn Store>, n: usize) -> (Arc<Fixture>, Arc<Ledger>, Vec<String>) {
    let mut f = Fixture::new(ORIGIN);
    f.clock.0.store(system_clock()().0, Ordering::SeqCst);
    let names: Vec<String> = (0..n).map(|i| format!("body{i}")).collect();
    let ledger = Ledger::open(store, f.ledger_signer.clone(), system_clock()).unwrap();
    if ledger.head().size == 0 {
        let mut subs = vec![f.genesis()];
        for b in &names {
            subs.push(f.register(b, &[Role::Executor]));
        }
        for r in ledger.submit_many(subs) {
            r.unwrap();
        }
    } else {
        for b in &names {
            f.add_author(b, b);
        }
    }
    (Arc::new(f), Arc::new(ledger), names)
}

fn note(f: &Fixture, who: &str, n: u64) -> Submission {
    f.author(who)
        .sign(
            ORIGIN,
            system_clock()(),
            &Body::NoteAdded(NoteAdded {
                commitment: None,
                about: None,
                text: format!("{who} note {n} {}", "x".repeat(300)),
                evidence: vec![],
            }),
        )
        .unwrap()
}

struct Figures {
    rate: f64,
    p50: Duration,
    p99: Duration,
    n: usize,
}

fn figures(mut lat: Vec<Duration>, wall: Duration) -> Figures {
    lat.sort();
    let at = |q: f64| {
        lat.get(((lat.len() as f64 * q) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Figures {
        rate: lat.len() as f64 / wall.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        n: lat.len(),
    }
}

/// `clients` threads each submitting one note at a time through `submit` for `secs`.
fn load(
    f: &Arc<Fixture>,
    names: &[String],
    clients: usize,
    secs: u64,
    submit: impl Fn(&Submission) -> bool + Send + Sync + 'static,
) -> Figures {
    let submit = Arc::new(submit);
    let stop = Arc::new(AtomicBool::new(false));
    let all = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let (f, who, submit, stop, all) = (
                Arc::clone(f),
                names[i % names.len()].clone(),
                Arc::clone(&submit),
                Arc::clone(&stop),
                Arc::clone(&all),
            );
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let sub = note(&f, &who, n * 1000 + i as u64);
                    let t = Instant::now();
                    if submit(&sub) {
                        lat.push(t.elapsed());
                    }
                }
                all.lock().unwrap().extend(lat);
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(secs));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    let wall = start.elapsed();
    let lat = std::mem::take(&mut *all.lock().unwrap());
    figures(lat, wall)
}

/// An HTTP server on the ledger, in process; its port. Runs until the process ends.
fn serve(ledger: Arc<Ledger>) -> (u16, tokio::runtime::Runtime) {
    let state = AppState::new(ledger, Config::default()).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    rt.spawn(server::serve(listener, state, std::future::pending()));
    (port, rt)
}

fn http_submit(port: u16) -> impl Fn(&Submission) -> bool + Send + Sync + 'static {
    use base64::Engine;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(60)))
        .http_status_as_error(false)
        .build()
        .new_agent();
    move |sub| {
        let b64 = base64::engine::general_purpose::STANDARD;
        let body = format!(
            "{{\"event\":\"{}\",\"signature\":\"{}\"}}",
            b64.encode(&sub.event),
            b64.encode(sub.signature)
        );
        agent
            .post(&format!("http://127.0.0.1:{port}/entries"))
            .header("content-type", "application/json")
            .send(body.as_bytes())
            .is_ok_and(|r| r.status() == 201)
    }
}

fn row(kind: &str, via: &str, f: &Figures, fsync: f64) {
    println!(
        "{kind:<22} {via:<8} {:>9.0} entries/s  p50 {:>7.2} ms  p99 {:>7.2} ms  ({} appends; {:.2}× the disk's fsyncs/s)",
        f.rate,
        f.p50.as_secs_f64() * 1e3,
        f.p99.as_secs_f64() * 1e3,
        f.n,
        f.rate / fsync
    );
}

fn measure(kind: &str, store: Arc<dyn Store>, a: &Args, fsync: f64) {
    let (f, ledger, names) = ledger_on(store, a.clients);
    let l = Arc::clone(&ledger);
    let lib = load(&f, &names, a.clients, a.seconds, move |s| {
        l.submit(s.clone()).is_ok()
    });
    row(kind, "library", &lib, fsync);
    let (port, rt) = serve(Arc::clone(&ledger));
    let http = load(&f, &names, a.clients, a.seconds, http_submit(port));
    row(kind, "HTTP", &http, fsync);
    rt.shutdown_background();
}

fn main() {
    let a = args();
    let tmp = tempfile::tempdir().unwrap();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let (fsync, fsync_p50) = fsync_rate(tmp.path());
    println!(
        "machine: {cores} cores; the disk: {fsync:.0} synchronous 4 KiB writes/s (p50 {:.2} ms)",
        fsync_p50.as_secs_f64() * 1e3
    );
    println!(
        "{} clients, one note (~600 bytes) at a time each, {} s per row",
        a.clients, a.seconds
    );

    let single = pg::Postgres::start(&[]);
    if !a.join_only {
        rows(&a, &single, tmp.path(), fsync);
    }
    if a.join_entries > 0 {
        join(&a, &single);
    }
}

/// The throughput rows and the failover.
fn rows(a: &Args, single: &pg::Postgres, tmp: &std::path::Path, fsync: f64) {
    let redb = kordon::store::redb::RedbStore::open(&tmp.join("bench.redb")).unwrap();
    measure("redb", Arc::new(redb), a, fsync);

    let url = single.create_db();
    measure(
        "PostgreSQL (1 node)",
        Arc::new(PostgresStore::open(&url).unwrap()),
        a,
        fsync,
    );

    if !a.skip_cluster {
        let mut cluster = patroni::Cluster::start(3);
        let db = cluster.create_db("kordon_bench");
        let url = cluster.url(&db);
        measure(
            "Patroni (3 nodes, sync)",
            Arc::new(PostgresStore::open(&url).unwrap()),
            a,
            fsync,
        );
        // Failover: writers on, the primary killed like a machine dies.
        let (f, ledger, names) = ledger_on(Arc::new(PostgresStore::open(&url).unwrap()), 4);
        let acked = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..4)
            .map(|i| {
                let (f, l, who, acked, stop) = (
                    Arc::clone(&f),
                    Arc::clone(&ledger),
                    names[i].clone(),
                    Arc::clone(&acked),
                    Arc::clone(&stop),
                );
                std::thread::spawn(move || {
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        n += 1;
                        if l.submit(note(&f, &who, n)).is_ok() {
                            acked.fetch_add(1, Ordering::SeqCst);
                        } else {
                            std::thread::sleep(Duration::from_millis(20));
                        }
                    }
                })
            })
            .collect();
        for round in 0..2 {
            std::thread::sleep(Duration::from_secs(2));
            cluster.wait_settled(Duration::from_secs(120));
            let leader = cluster.leader().unwrap();
            let before = acked.load(Ordering::SeqCst);
            let t = Instant::now();
            if round == 0 {
                cluster.kill_node(leader);
            } else {
                cluster.kill_postgres(leader);
            }
            while acked.load(Ordering::SeqCst) == before {
                std::thread::sleep(Duration::from_millis(10));
            }
            let what = if round == 0 {
                "machine killed (Patroni and PostgreSQL, SIGKILL)"
            } else {
                "PostgreSQL killed, restarted in place"
            };
            println!(
                "failover: {what}: first acknowledged write after {:.1} s (ttl 10 s, loop_wait 1 s)",
                t.elapsed().as_secs_f64()
            );
            if round == 0 {
                cluster.replace_node(leader);
            }
            cluster.wait_healthy(Duration::from_secs(120));
        }
        stop.store(true, Ordering::Relaxed);
        for w in writers {
            w.join().unwrap();
        }
    }
}

/// Joining a large ledger: a new server opens it from PostgreSQL and serves, replaying every
/// entry (as before snapshots) and from the newest snapshot the writer left (rows of
/// `kordon_snapshots`), twice each, alternately.
fn join(a: &Args, single: &pg::Postgres) {
    let url = single.create_db();
    let params = kordon::synthetic::Params {
        entries: a.join_entries,
        commitments: (a.join_entries / 50).max(10),
        ..Default::default()
    };
    let snapshots = |store: &dyn Store| {
        kordon::ledger::Snapshots::new(store.snapshot_store().expect("PostgreSQL keeps snapshots"))
    };
    let t = Instant::now();
    let store: Arc<dyn Store> = Arc::new(PostgresStore::open(&url).unwrap());
    let options = kordon::ledger::Options {
        snapshots: Some(snapshots(&*store)),
        ..Default::default()
    };
    kordon::synthetic::generate_with(&params, store, options).unwrap();
    println!(
        "join: {} synthetic entries written into PostgreSQL in {:.1} s (a snapshot of the rules' state every {} entries and at the end)",
        a.join_entries,
        t.elapsed().as_secs_f64(),
        kordon::ledger::SNAPSHOT_EVERY
    );
    let signer = kordon::synthetic::ledger_signer(&params).unwrap();
    // The first server to serve it builds the projections from every entry and leaves a
    // snapshot of them (written in the background at once, and waited for when it stops).
    {
        let t = Instant::now();
        let store: Arc<dyn Store> = Arc::new(PostgresStore::open(&url).unwrap());
        let options = kordon::ledger::Options {
            snapshots: Some(snapshots(&*store)),
            ..Default::default()
        };
        let ledger = Ledger::open_with(store, signer.clone(), system_clock(), options).unwrap();
        let p = kordon::projector::Projector::follow(&ledger).unwrap();
        let built = t.elapsed();
        drop(p);
        drop(ledger);
        println!(
            "join: the first server built the projections from every entry in {:.1} s; with the snapshot of them written, {:.1} s",
            built.as_secs_f64(),
            t.elapsed().as_secs_f64()
        );
    }
    for round in 0..4 {
        let from_snapshot = round % 2 == 1;
        let t = Instant::now();
        let store: Arc<dyn Store> = Arc::new(PostgresStore::open(&url).unwrap());
        let options = kordon::ledger::Options {
            snapshots: from_snapshot.then(|| snapshots(&*store)),
            ..Default::default()
        };
        let ledger =
            Arc::new(Ledger::open_with(store, signer.clone(), system_clock(), options).unwrap());
        let opened = t.elapsed();
        let (port, rt) = serve(Arc::clone(&ledger));
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        while !agent
            .get(&format!("http://127.0.0.1:{port}/readyz"))
            .call()
            .is_ok_and(|r| r.status() == 200)
        {
            std::thread::sleep(Duration::from_millis(10));
        }
        let ready = t.elapsed();
        let r = ledger.resumed();
        println!(
            "join: a new server on the {}-entry ledger, {}: open {:.2} s (rules' state from the snapshot at {:?}, {} entries replayed), /readyz 200 after {:.1} s (projections {})",
            ledger.head().size,
            if from_snapshot { "from the snapshots" } else { "replaying every entry" },
            opened.as_secs_f64(),
            r.from_snapshot,
            r.replayed,
            ready.as_secs_f64(),
            if from_snapshot { "from the snapshot" } else { "built from the store" }
        );
        rt.shutdown_background();
    }
}
