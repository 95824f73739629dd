//! kordon at scale, in one run: for each ledger size, a synthetic ledger is generated in a child
//! process on the store `--store` names (redb, kordon's default, or the segment-log store; with
//! snapshots of the rules' state in the data directory's `snapshots/`), the child is killed
//! with SIGKILL, and then this process measures opening after the kill and after a clean stop,
//! memory, the durable commit of one entry and the bytes written per entry at 30 entries a
//! commit, rebuilding the projections, the whole-ledger views, and `kordon verify`; the
//! machine's limits (one core's Ed25519 verifications, SHA-256, a 4 KiB write + fdatasync) are
//! measured in the same run and printed beside them. Run it niced on a shared machine, and
//! repeat: single runs swing.

use clap::Parser;
use kordon::core::entry::EntryRef;
use kordon::core::event::{Body, NoteAdded};
use kordon::core::keys;
use kordon::core::types::{BodyId, Millis};
use kordon::fixture::{demo_key, ManualClock};
use kordon::ledger::{Ledger, Options, Snapshots};
use kordon::query::{self, Request, View};
use kordon::snapshot::DirSnapshots;
use kordon::store::Store;
use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "kordon at a million entries and beyond, beside the machine's limits")]
struct Args {
    /// Ledger sizes to measure, in one run (each is generated once into --dir and reused).
    #[arg(long, value_delimiter = ',', default_value = "1000000")]
    sizes: Vec<u64>,
    /// Commitments per million entries in the synthetic ledgers.
    #[arg(long, default_value_t = 20_000)]
    commitments_per_million: u64,
    /// Where the ledgers live (DIR/N for N entries). Check `df -h` first: 10M entries take
    /// about 9 GiB.
    #[arg(long, default_value = "/tmp/kordon-scalebench")]
    dir: PathBuf,
    /// Durable single-entry commits timed per size.
    #[arg(long, default_value_t = 400)]
    commits: usize,
    /// The store the ledgers are kept in: `redb` (DIR/N/ledger.redb, what `kordon init`
    /// makes) or `log` (the segment-log store, DIR/N-log/ledger.log, `--store log:DIR`).
    #[arg(long, value_enum, default_value_t = Kind::Redb)]
    store: Kind,
    /// Measure only opening the ledger (after kill -9 and after a clean stop), then stop.
    #[arg(long)]
    open_only: bool,
    /// Remove each ledger after measuring it.
    #[arg(long)]
    remove: bool,
    /// (internal) generate DIR's ledger of N entries and wait to be killed.
    #[arg(long, hide = true, num_args = 2, value_names = ["DIR", "N"])]
    child: Option<Vec<String>>,
    #[arg(long, hide = true, default_value_t = 20_000)]
    child_commitments: u64,
}

/// The stores a data directory's ledger can be kept in here.
#[derive(Clone, Copy, PartialEq, Eq, Debug, clap::ValueEnum)]
enum Kind {
    Redb,
    Log,
}

impl Kind {
    /// The ledger's store in data directory `dir`, as `store::open` takes it.
    fn address(self, dir: &Path) -> String {
        match self {
            Kind::Redb => format!("redb:{}", dir.join("ledger.redb").display()),
            Kind::Log => format!("log:{}", dir.join("ledger.log").display()),
        }
    }

    fn open(self, dir: &Path) -> Arc<dyn Store> {
        kordon::store::open(&self.address(dir)).expect("store")
    }

    /// Whether `dir` holds the generated ledger.
    fn exists(self, dir: &Path) -> bool {
        match self {
            Kind::Redb => dir.join("ledger.redb").exists(),
            Kind::Log => dir.join("ledger.log").exists(),
        }
    }

    /// The folder of the ledger of `n` entries under `root`.
    fn dir(self, root: &Path, n: u64) -> PathBuf {
        match self {
            Kind::Redb => root.join(n.to_string()),
            Kind::Log => root.join(format!("{n}-log")),
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[(((v.len() as f64 - 1.0) * p).round() as usize).min(v.len() - 1)]
}

fn rss_mib() -> f64 {
    status_kib("VmRSS:") / 1024.0
}

fn peak_rss_mib() -> f64 {
    status_kib("VmHWM:") / 1024.0
}

fn status_kib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0.0)
}

fn io_write_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("write_bytes:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn du(path: &Path) -> u64 {
    let mut total = 0;
    if let Ok(rd) = std::fs::read_dir(path) {
        for e in rd.flatten() {
            let p = e.path();
            total += if p.is_dir() {
                du(&p)
            } else {
                e.metadata().map(|m| m.len()).unwrap_or(0)
            };
        }
    }
    total
}

fn params(n: u64, commitments: u64) -> kordon::synthetic::Params {
    kordon::synthetic::Params {
        entries: n,
        commitments,
        ..Default::default()
    }
}

fn snapshots(dir: &Path, on_close: bool) -> Snapshots {
    Snapshots {
        on_close,
        ..Snapshots::new(Arc::new(DirSnapshots(dir.join("snapshots"))))
    }
}

/// The child: generates the ledger, says so, and waits for SIGKILL with its store open (so the
/// store's last background sync and the last periodic snapshot are what a crash leaves).
fn child(kind: Kind, dir: &Path, n: u64, commitments: u64) {
    let store = kind.open(dir);
    let t = Instant::now();
    let summary = kordon::synthetic::generate_with(
        &params(n, commitments),
        Arc::clone(&store),
        Options {
            snapshots: Some(snapshots(dir, false)),
            ..Options::default()
        },
    )
    .expect("generate");
    println!(
        "generated {} {:.3} {}",
        summary.entries,
        t.elapsed().as_secs_f64(),
        summary.entry_bytes
    );
    let _ = std::io::stdout().flush();
    loop {
        std::thread::sleep(Duration::from_secs(3600));
        black_box(&store);
    }
}

struct Limits {
    verify_one_core: f64,
    sha256_mbs: f64,
    fsync_ms: f64,
    /// A 4 KiB append (the file grows, as a log does) + fdatasync: the length must be synced too.
    append_fsync_ms: f64,
}

fn per_second(secs: f64, per_call: u64, mut f: impl FnMut()) -> f64 {
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed().as_secs_f64() < secs {
        f();
        n += per_call;
    }
    n as f64 / t.elapsed().as_secs_f64()
}

fn limits(dir: &Path) -> Limits {
    let key = demo_key("scalebench");
    let pk = key.verifying_key().to_bytes();
    let msgs: Vec<(Vec<u8>, [u8; 64])> = (0..64u32)
        .map(|i| {
            let m = format!("{i:04}-{}", "message-bytes-for-verification;".repeat(6)).into_bytes();
            let s = keys::sign_event(&key, &m);
            (m, s)
        })
        .collect();
    let verify_one_core = per_second(2.0, msgs.len() as u64, || {
        for (m, s) in &msgs {
            assert!(keys::verify_event(black_box(&pk), black_box(m), s));
        }
    });
    let buf = vec![0x5au8; 64 * 1024];
    let sha = per_second(1.0, 1, || {
        black_box(kordon::core::hash::Hash::sha256(black_box(&buf)));
    });
    std::fs::create_dir_all(dir).expect("dir");
    let path = dir.join("fsync-probe");
    let f = std::fs::File::create(&path).expect("probe");
    let page = vec![7u8; 4096];
    let mut times = Vec::new();
    for _ in 0..300 {
        let t = Instant::now();
        std::os::unix::fs::FileExt::write_all_at(&f, &page, 0).expect("write");
        f.sync_data().expect("fdatasync");
        times.push(t.elapsed());
    }
    let _ = std::fs::remove_file(&path);
    let f = std::fs::File::create(&path).expect("probe");
    let mut appends = Vec::new();
    for i in 0..300u64 {
        let t = Instant::now();
        std::os::unix::fs::FileExt::write_all_at(&f, &page, i * 4096).expect("write");
        f.sync_data().expect("fdatasync");
        appends.push(t.elapsed());
    }
    let _ = std::fs::remove_file(&path);
    Limits {
        append_fsync_ms: ms(pct(&mut appends, 0.5)),
        verify_one_core,
        sha256_mbs: sha * buf.len() as f64 / 1e6,
        fsync_ms: ms(pct(&mut times, 0.5)),
    }
}

/// Opens the data directory's ledger for appending, timed.
fn open_ledger(kind: Kind, dir: &Path, on_close: bool) -> (Ledger, Duration, Duration) {
    let t = Instant::now();
    let store = kind.open(dir);
    let store_open = t.elapsed();
    let p = params(1, 0);
    let signer = kordon::synthetic::ledger_signer(&p).expect("signer");
    let last = {
        let snap = store.snapshot().expect("snapshot");
        let b = snap
            .entries(snap.size() - 1, snap.size())
            .expect("last")
            .pop()
            .unwrap_or_default();
        EntryRef::decode(&b).expect("entry").recorded_at
    };
    let clock = ManualClock::new(last.0 + 1000);
    let ledger = Ledger::open_with(
        store,
        signer,
        clock.clock(),
        Options {
            snapshots: Some(snapshots(dir, on_close)),
            ..Options::default()
        },
    )
    .expect("open");
    (ledger, store_open, t.elapsed())
}

/// Signs notes as `observer-0` with its current key, at times after the ledger's last entry.
struct Notes {
    author: kordon::author::Author,
    origin: String,
    at: u64,
}

impl Notes {
    fn new(ledger: &Ledger) -> Notes {
        let body = BodyId::parse("observer-0").expect("body");
        let current: Vec<keys::KeyId> = ledger.with_state(|s| {
            s.keys
                .iter()
                .filter(|(_, k)| k.body == body && k.revoked_at.is_none())
                .map(|(id, _)| id.clone())
                .collect()
        });
        let key = std::iter::once("synthetic:observer-0".to_string())
            .chain((1..64).map(|i| format!("synthetic:observer-0:{i}")))
            .map(|l| demo_key(&l))
            .find(|k| current.contains(&keys::KeyId::of(&k.verifying_key().to_bytes())))
            .expect("observer-0's current demo key");
        let origin = ledger.head().origin.as_deref().unwrap_or("").to_string();
        let last = {
            let snap = ledger.store().snapshot().expect("snapshot");
            let b = snap
                .entries(snap.size() - 1, snap.size())
                .expect("last")
                .pop()
                .unwrap_or_default();
            EntryRef::decode(&b).expect("entry").recorded_at.0
        };
        Notes {
            author: kordon::author::Author::new(body, key),
            origin,
            at: last + 1000,
        }
    }

    fn next(&mut self, text_len: usize) -> kordon::ledger::Submission {
        self.at += 1;
        self.author
            .sign(
                &self.origin,
                Millis(self.at),
                &Body::NoteAdded(NoteAdded {
                    commitment: None,
                    about: None,
                    text: format!("{:x} {}", self.at, "x".repeat(text_len)),
                    evidence: vec![],
                }),
            )
            .expect("sign")
    }
}

fn measure(args: &Args, n: u64, lim: &Limits) {
    let dir = args.store.dir(&args.dir, n);
    let commitments = (n * args.commitments_per_million / 1_000_000).max(10);
    println!(
        "\n== {n} entries, {commitments} commitments, {:?} store, in {} ==",
        args.store,
        dir.display()
    );
    if !args.store.exists(&dir) {
        std::fs::create_dir_all(&dir).expect("dir");
        let exe = std::env::current_exe().expect("exe");
        let mut c = std::process::Command::new(exe)
            .arg("--store")
            .arg(format!("{:?}", args.store).to_lowercase())
            .arg("--child")
            .arg(&dir)
            .arg(n.to_string())
            .arg("--child-commitments")
            .arg(commitments.to_string())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("child");
        let out = BufReader::new(c.stdout.take().expect("stdout"));
        for line in out.lines() {
            let line = line.expect("line");
            if let Some(rest) = line.strip_prefix("generated ") {
                let v: Vec<&str> = rest.split(' ').collect();
                let secs: f64 = v[1].parse().unwrap_or(0.0);
                let bytes: f64 = v[2].parse().unwrap_or(0.0);
                println!(
                    "generated (example-gen synthetic's generator, every event signed and judged): {:.1} s = {:.0} entries/s, {:.0} MiB of entries, {:.0} MiB on disk",
                    secs,
                    n as f64 / secs,
                    bytes / 1048576.0,
                    du(&dir) as f64 / 1048576.0
                );
                break;
            }
        }
        // SIGKILL: no clean close of the store, no snapshot on close.
        c.kill().expect("kill");
        let _ = c.wait();
        let (ledger, store_open, open) = open_ledger(args.store, &dir, true);
        println!(
            "open after kill -9: {:.0} ms (store {:.0} ms; rules' state from the snapshot at {:?}, {} entries replayed); RSS {:.0} MiB",
            ms(open),
            ms(store_open),
            ledger.resumed().from_snapshot,
            ledger.resumed().replayed,
            rss_mib()
        );
        drop(ledger);
    }
    let mut opens = Vec::new();
    let mut ledger = None;
    for _ in 0..3 {
        drop(ledger.take());
        let (l, _, t) = open_ledger(args.store, &dir, true);
        assert_eq!(
            l.resumed().replayed,
            0,
            "a clean stop left a snapshot at the head"
        );
        opens.push(t);
        ledger = Some(l);
    }
    let ledger = ledger.expect("ledger");
    let best = opens.iter().min().copied().unwrap_or_default();
    let worst = opens.iter().max().copied().unwrap_or_default();
    println!(
        "open after a clean stop: best {:.0} ms, worst {:.0} ms of 3; RSS of the open ledger {:.0} MiB",
        ms(best),
        ms(worst),
        rss_mib()
    );
    if args.open_only {
        return;
    }

    // The commit path.
    let mut notes = Notes::new(&ledger);
    let mut times = Vec::with_capacity(args.commits);
    let io0 = io_write_bytes();
    let mut bytes = 0u64;
    for _ in 0..args.commits {
        let s = notes.next(500);
        bytes += (kordon::core::entry::HEADER_LEN + s.event.len()) as u64;
        let t = Instant::now();
        ledger.submit(s).expect("commit");
        times.push(t.elapsed());
    }
    let written = io_write_bytes() - io0;
    let p50 = pct(&mut times, 0.5);
    let p99 = pct(&mut times, 0.99);
    println!(
        "durable commit of one entry: p50 {:.2} ms, p99 {:.2} ms ({:.1}x the 4 KiB write + fdatasync, {:.1}x the 4 KiB append + fdatasync); {:.1} KiB written per commit ({:.1}x the entry)",
        ms(p50),
        ms(p99),
        ms(p50) / lim.fsync_ms,
        ms(p50) / lim.append_fsync_ms,
        written as f64 / args.commits as f64 / 1024.0,
        written as f64 / bytes as f64
    );
    let batches = 200;
    let io0 = io_write_bytes();
    let mut bytes = 0u64;
    let t = Instant::now();
    for _ in 0..batches {
        let subs: Vec<_> = (0..30).map(|_| notes.next(500)).collect();
        bytes += subs
            .iter()
            .map(|s| (kordon::core::entry::HEADER_LEN + s.event.len()) as u64)
            .sum::<u64>();
        for r in ledger.submit_many(subs) {
            r.expect("commit");
        }
    }
    let el = t.elapsed();
    // Let the store's background sync of this stretch (every 5 s) land inside the measurement.
    std::thread::sleep(Duration::from_secs(6));
    let written = io_write_bytes() - io0;
    println!(
        "30 entries a commit: {:.0} entries/s, {:.2} bytes written per entry byte (goal <= 3), {:.2} ms a commit",
        batches as f64 * 30.0 / el.as_secs_f64(),
        written as f64 / bytes as f64,
        ms(el) / batches as f64
    );
    let size = ledger.size();
    drop(ledger);

    // Projections and views.
    let store = args.store.open(&dir);
    let snap = store.snapshot().expect("snapshot");
    let rss0 = rss_mib();
    let t = Instant::now();
    let h = kordon::projector::rebuild(&*snap, size).expect("rebuild");
    let el = t.elapsed();
    println!(
        "rebuild of the projections: {:.1} s = {:.0} entries/s (goal >= 300,000); RSS {:.0} MiB ({:.0} MiB more)",
        el.as_secs_f64(),
        size as f64 / el.as_secs_f64(),
        rss_mib(),
        rss_mib() - rss0
    );
    // Opening the projections from projections.snap (what `kordon serve` and `query` do).
    {
        let snaps = DirSnapshots(dir.join("projections-bench"));
        let path = snaps.0.join("projections.snap");
        let at = kordon::projector::at(&*snap, size).expect("at");
        let t = Instant::now();
        kordon::projector::save_snapshot(&snaps, &h, at).expect("save projections");
        let saved = t.elapsed();
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let mut loads = Vec::new();
        for _ in 0..2 {
            let t = Instant::now();
            let (l, opened) =
                kordon::projector::load(&*snap, Some(&snaps)).expect("load projections");
            loads.push(t.elapsed());
            assert_eq!(opened.from_snapshot, Some(size), "{:?}", opened.discarded);
            black_box(l);
        }
        println!(
            "projections.snap: {:.0} MiB, written in {:.1} s; opened from it best {:.2} s, worst {:.2} s of 2 (goal < 1 s at 1M)",
            bytes as f64 / 1048576.0,
            saved.as_secs_f64(),
            loads.iter().min().copied().unwrap_or_default().as_secs_f64(),
            loads.iter().max().copied().unwrap_or_default().as_secs_f64()
        );
        let _ = std::fs::remove_file(&path);
    }
    let now = Millis(h.entries.last().map(|e| e.recorded_at.0).unwrap_or(0));
    let week_ago = h
        .point_at_size(size)
        .today
        .0
        .checked_sub(jiff::Span::new().days(7))
        .ok()
        .map(|d| kordon::core::types::Date(d).to_string());
    let cases: Vec<(&str, View, Request)> = vec![
        ("scorecard", View::Scorecard, Request::default()),
        ("data quality", View::Quality, Request::default()),
        ("briefing", View::Briefing, Request::default()),
        (
            "changes over 7 days",
            View::Changes,
            Request {
                since: week_ago,
                ..Default::default()
            },
        ),
        ("overdue", View::Overdue, Request::default()),
    ];
    for (label, view, req) in &cases {
        let mut times = Vec::new();
        for _ in 0..30 {
            let t = Instant::now();
            black_box(query::answer(&h, &*snap, *view, req, now).expect("answer"));
            times.push(t.elapsed());
        }
        println!(
            "view {label:<20} p50 {:>8.1} ms  p99 {:>8.1} ms (goal p99 < 20 ms)",
            ms(pct(&mut times, 0.5)),
            ms(pct(&mut times, 0.99))
        );
    }
    drop(h);

    // kordon verify over the store's entries.
    let cp = snap.checkpoint().expect("cp").expect("a checkpoint");
    let vkey = kordon::synthetic::ledger_signer(&params(1, 0))
        .expect("signer")
        .verifier()
        .to_vkey();
    let t = Instant::now();
    let report = kordon::verify::verify(
        &vkey,
        cp.as_bytes(),
        &mut kordon::verify::SnapshotSource {
            snapshot: &*snap,
            next: 0,
        },
        &kordon::verify::Options {
            trusted: None,
            progress: &|_| {},
        },
    );
    let el = t.elapsed();
    assert!(report.valid, "{:?}", report.failure);
    let rate = report.entries_verified as f64 / el.as_secs_f64();
    println!(
        "kordon verify: {:.1} s = {:.0} entries/s = {:.2}x one core's raw Ed25519 verify (goal >= 4.5x)",
        el.as_secs_f64(),
        rate,
        rate / lim.verify_one_core
    );
    println!(
        "peak RSS of this process so far {:.0} MiB; ledger on disk {:.0} MiB",
        peak_rss_mib(),
        du(&dir) as f64 / 1048576.0
    );
    drop(snap);
    drop(store);
    if args.remove {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

fn main() {
    let args = Args::parse();
    if let Some(c) = &args.child {
        let n: u64 = c[1].parse().expect("N");
        child(args.store, Path::new(&c[0]), n, args.child_commitments);
        return;
    }
    let lim = limits(&args.dir);
    println!(
        "machine: {} cores; one core's Ed25519 verify {:.0}/s; SHA-256 {:.0} MB/s; 4 KiB write + fdatasync p50 {:.3} ms; 4 KiB append + fdatasync p50 {:.3} ms",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        lim.verify_one_core,
        lim.sha256_mbs,
        lim.fsync_ms,
        lim.append_fsync_ms
    );
    for n in &args.sizes {
        measure(&args, *n, &lim);
    }
}
