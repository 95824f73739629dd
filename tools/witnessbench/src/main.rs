//! kordon-witnessbench: what witnessing costs a ledger, measured in one run beside the
//! machine's limits.
//!
//! 1. Machine limits, in this run: Ed25519 signatures per second and SHA-256 throughput on one
//!    core, ML-DSA-44 signing and verification per second, and the latency of a 4 KiB write
//!    with fsync (the floor under every durable commit and every witness answer).
//! 2. Durable appends per second through `Ledger` on the embedded store, from concurrent
//!    submitters each waiting for its entry, with no witness and with three witnesses
//!    (two Ed25519, one ML-DSA-44, each a real `kordon witness` over loopback HTTP keeping its
//!    state with fsync), rounds interleaved; best and spread of each, and their ratio.
//! 3. Time from a commit (the submitter's acknowledgement) to a checkpoint covering it that a
//!    2-of-3 quorum cosigned, on an otherwise idle ledger: min, median, p90, max.
//!
//! The machine is shared: repeat with --rounds and read the spread, not one figure.

use clap::Parser;
use kordon::core::cosignature::Algorithm;
use kordon::ledger::{Ledger, Submission};
use kordon::store::redb::RedbStore;
use kordon::store::Store;
use kordon::synthetic::Workload;
use kordon::witness::cosigning::{self, Cosigning, Options, StoreProofs, WitnessEndpoint};
use kordon::witness::{dir, server};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ORIGIN: &str = "kordon.bench/witness";

/// Measures what witnessing costs a ledger: durable appends with three witnesses (two
/// Ed25519, one ML-DSA-44, each a real `kordon witness` over loopback) against none, rounds
/// interleaved, and the time from a commit to a checkpoint a 2-of-3 quorum cosigned; beside the
/// machine's limits measured in the same run. The machine is shared: repeat with --rounds and
/// read the spread, not one figure.
#[derive(Parser)]
#[command(name = "kordon-witnessbench", max_term_width = 100)]
struct Args {
    /// Rounds of each (no witness, three witnesses).
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Entries appended per round.
    #[arg(long, default_value_t = 3000)]
    entries: usize,
    /// Submitter threads, each waiting for its entry.
    #[arg(long, default_value_t = 8)]
    submitters: usize,
    /// Commits timed to a quorum-cosigned checkpoint.
    #[arg(long, default_value_t = 20)]
    latency_samples: usize,
    /// A short run: 2 rounds of 300 entries, 5 latency samples.
    #[arg(long)]
    quick: bool,
    /// Where the ledgers and witnesses live while the bench runs (removed at the end)
    /// [default: a directory in the system's temp directory].
    #[arg(long)]
    dir: Option<PathBuf>,
}

fn args() -> Args {
    let mut a = Args::parse();
    if a.quick {
        a.rounds = 2;
        a.entries = 300;
        a.latency_samples = 5;
    }
    a.rounds = a.rounds.max(1);
    a.entries = a.entries.max(1);
    a.submitters = a.submitters.max(1);
    a.latency_samples = a.latency_samples.max(1);
    a
}

fn die(msg: &str) -> ! {
    eprintln!("kordon-witnessbench: {msg}");
    std::process::exit(2)
}

fn scratch(dir: Option<PathBuf>) -> PathBuf {
    let d = dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("kordon-witnessbench-{}", std::process::id()))
    });
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap_or_else(|e| die(&format!("{}: {e}", d.display())));
    d
}

fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn machine_limits(dir: &Path) {
    println!("machine limits (this run)");
    let key = kordon::fixture::demo_key("bench");
    let msg = [7u8; 200];
    let t = Instant::now();
    let n = 3000;
    for _ in 0..n {
        std::hint::black_box(ed25519_dalek_sign(&key, &msg));
    }
    println!(
        "  Ed25519 sign, 1 core:            {:>10.0} /s",
        per_sec(n, t.elapsed())
    );
    let data = vec![0x5au8; 64 << 20];
    let t = Instant::now();
    std::hint::black_box(Sha256::digest(&data));
    println!(
        "  SHA-256, 1 core:                 {:>10.0} MB/s",
        64.0 / t.elapsed().as_secs_f64() * 1.048576
    );
    let c = kordon::core::cosignature::Cosigner::from_seed(
        "bench.example/w",
        Algorithm::MlDsa44,
        &[1; 32],
    )
    .unwrap_or_else(|e| die(&e.to_string()));
    let cp = kordon::core::checkpoint::Checkpoint {
        origin: ORIGIN.into(),
        size: 1000,
        root: kordon::core::hash::leaf_hash(b"x"),
        extensions: vec![],
    };
    let text = cp.to_text();
    let n = 200;
    let t = Instant::now();
    let mut line = String::new();
    for i in 0..n {
        line = c
            .cosign(&text, &cp, 1_800_000_000 + i as u64, &[i as u8; 32])
            .unwrap_or_else(|e| die(&e.to_string()));
    }
    println!(
        "  ML-DSA-44 cosign, 1 core:        {:>10.0} /s",
        per_sec(n, t.elapsed())
    );
    let note = format!("{text}\n{line}");
    let parsed = kordon::core::note::parse(note.as_bytes()).unwrap_or_else(|e| die(&e.to_string()));
    let sig = parsed.signatures[0].signature.clone();
    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(c.verifier().verify(&text, &cp, &sig).is_ok());
    }
    println!(
        "  ML-DSA-44 verify, 1 core:        {:>10.0} /s",
        per_sec(n, t.elapsed())
    );
    let p = dir.join("fsync-probe");
    let mut f = std::fs::File::create(&p).unwrap_or_else(|e| die(&e.to_string()));
    let mut lat = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        f.write_all(&[0u8; 4096])
            .unwrap_or_else(|e| die(&e.to_string()));
        f.sync_all().unwrap_or_else(|e| die(&e.to_string()));
        lat.push(t.elapsed());
    }
    lat.sort();
    println!(
        "  4 KiB write + fsync:             {:>10.2} ms median, {:.2} ms best ({} samples)",
        ms(lat[lat.len() / 2]),
        ms(lat[0]),
        lat.len()
    );
    println!(
        "  cores: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}

fn ed25519_dalek_sign(key: &ed25519_dalek::SigningKey, msg: &[u8]) -> [u8; 64] {
    ed25519_dalek::Signer::sign(key, msg).to_bytes()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A fresh durable ledger of the workload (its setup submitted); returns it and its store.
fn ledger(dir: &Path, w: &Workload) -> (Arc<Ledger>, Arc<dyn Store>) {
    let store: Arc<dyn Store> =
        Arc::new(RedbStore::open(&dir.join("ledger.redb")).unwrap_or_else(|e| die(&e.to_string())));
    let l = w
        .open(Arc::clone(&store))
        .unwrap_or_else(|e| die(&e.to_string()));
    (Arc::new(l), store)
}

/// Appends `subs` from `k` threads, each waiting for its entry; returns the elapsed time.
fn append(l: &Arc<Ledger>, subs: Vec<Submission>, k: usize) -> Duration {
    let per = subs.len().div_ceil(k);
    let chunks: Vec<Vec<Submission>> = subs.chunks(per).map(|c| c.to_vec()).collect();
    let t = Instant::now();
    std::thread::scope(|s| {
        for c in chunks {
            let l = Arc::clone(l);
            s.spawn(move || {
                for sub in c {
                    l.submit(sub).unwrap_or_else(|e| die(&e.to_string()));
                }
            });
        }
    });
    t.elapsed()
}

/// Three witnesses over loopback following `vkey`, each in its own directory.
fn witnesses(rt: &tokio::runtime::Runtime, root: &Path, vkey: &str) -> Vec<WitnessEndpoint> {
    let mut out = Vec::new();
    for (i, alg) in [Algorithm::Ed25519, Algorithm::Ed25519, Algorithm::MlDsa44]
        .into_iter()
        .enumerate()
    {
        let d = root.join(format!("w{i}"));
        dir::init(&d, &format!("w{i}.bench/witness"), alg, [i as u8 + 1; 32])
            .unwrap_or_else(|e| die(&e.to_string()));
        let w = Arc::new(
            server::Witness::open(&d, &[vkey.to_string()]).unwrap_or_else(|e| die(&e.to_string())),
        );
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap_or_else(|e| die(&e.to_string()));
        let url = format!(
            "http://{}",
            listener
                .local_addr()
                .unwrap_or_else(|e| die(&e.to_string()))
        );
        out.push(WitnessEndpoint {
            label: format!("w{i}"),
            key: w.cosigner().verifier().clone(),
            url,
        });
        rt.spawn(server::serve(listener, w, std::future::pending()));
    }
    out
}

/// Witnessing as `kordon serve --witness` sets it up: default options, the cosignatures kept in
/// the data directory.
fn start_cosigning(
    l: &Arc<Ledger>,
    store: &Arc<dyn Store>,
    eps: Vec<WitnessEndpoint>,
    data: &Path,
) -> Arc<Cosigning> {
    let policy = cosigning::policy_of(&eps, 2).unwrap_or_else(|e| die(&e));
    let c = Arc::new(
        Cosigning::start(
            eps,
            policy,
            Arc::new(StoreProofs(Arc::clone(store))),
            Options {
                state: Some(data.join(cosigning::STATE_FILE)),
                ..Options::default()
            },
        )
        .unwrap_or_else(|e| die(&e)),
    );
    let hook = c.hook();
    l.subscribe(move |x| hook(x.size, x.checkpoint));
    if let Ok(Some(cp)) = l.checkpoint() {
        c.offer(l.size(), &cp);
    }
    c
}

fn stats(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(|a, b| a.total_cmp(b));
    (v[v.len() - 1], v[0], v[v.len() / 2])
}

fn main() {
    let a = args();
    let root = scratch(a.dir.clone());
    // `kordon::synthetic::Workload`: the benchmarks' dozen signing bodies and their events.
    let w = Workload::of(ORIGIN, 8, 4).unwrap_or_else(|e| die(&e.to_string()));
    machine_limits(&root);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap_or_else(|e| die(&e.to_string()));

    println!(
        "\ndurable appends: {} entries a round from {} submitters, each waiting for its entry; {} rounds of each, interleaved",
        a.entries, a.submitters, a.rounds
    );
    let mut none = Vec::new();
    let mut three = Vec::new();
    let mut cosigned_rounds = 0usize;
    for r in 0..a.rounds {
        // Alternate which goes first, so neither always runs on a warmer (or busier) machine.
        let order = if r % 2 == 0 {
            [false, true]
        } else {
            [true, false]
        };
        for with in order {
            let d = root.join(format!("r{r}-{with}"));
            std::fs::create_dir_all(&d).unwrap_or_else(|e| die(&e.to_string()));
            let (l, store) = ledger(&d, &w);
            let c = with.then(|| {
                let eps = witnesses(&rt, &d, &l.verifier_key());
                start_cosigning(&l, &store, eps, &d)
            });
            let subs = w.sign("load", 0, a.entries as u64);
            let took = append(&l, subs, a.submitters);
            let rate = per_sec(a.entries, took);
            if let Some(c) = &c {
                // The witnesses kept up while appends ran: the quorum reached the last commit.
                if c.wait_witnessed(l.size(), Duration::from_secs(30))
                    .is_some()
                {
                    cosigned_rounds += 1;
                }
                three.push(rate);
            } else {
                none.push(rate);
            }
            println!(
                "  round {}: {:<14} {:>8.0} appends/s",
                r + 1,
                if with { "3 witnesses" } else { "no witness" },
                rate
            );
        }
    }
    let (nb, nw, nm) = stats(none);
    let (tb, tw, tm) = stats(three);
    println!("  no witness:   best {nb:.0}/s, median {nm:.0}/s, worst {nw:.0}/s");
    println!("  3 witnesses:  best {tb:.0}/s, median {tm:.0}/s, worst {tw:.0}/s");
    println!(
        "  ratio (3 witnesses / none): best {:.2}, median {:.2}; the quorum caught up with the last commit in {cosigned_rounds} of {} rounds",
        tb / nb,
        tm / nm,
        a.rounds
    );

    println!(
        "\ncommit to a 2-of-3 quorum-cosigned checkpoint, idle ledger, {} samples",
        a.latency_samples
    );
    let d = root.join("latency");
    std::fs::create_dir_all(&d).unwrap_or_else(|e| die(&e.to_string()));
    let (l, store) = ledger(&d, &w);
    let eps = witnesses(&rt, &d, &l.verifier_key());
    let c = start_cosigning(&l, &store, eps, &d);
    c.wait_witnessed(l.size(), Duration::from_secs(30))
        .unwrap_or_else(|| die("the witnesses never cosigned the first checkpoint"));
    let mut lat = Vec::new();
    for sub in w.sign("latency", 0, a.latency_samples as u64) {
        std::thread::sleep(Duration::from_millis(250));
        let r = l.submit(sub).unwrap_or_else(|e| die(&e.to_string()));
        let t = Instant::now();
        c.wait_witnessed(r.size, Duration::from_secs(30))
            .unwrap_or_else(|| die("no quorum within 30 s"));
        lat.push(ms(t.elapsed()));
    }
    let (max, min, med) = stats(lat.clone());
    lat.sort_by(|a, b| a.total_cmp(b));
    let p90 = lat[(lat.len() * 9 / 10).min(lat.len() - 1)];
    println!("  min {min:.1} ms, median {med:.1} ms, p90 {p90:.1} ms, max {max:.1} ms");
    println!("  (each includes each witness's fsync and, for one, an ML-DSA-44 signature)");
    drop(c);
    let _ = std::fs::remove_dir_all(&root);
}
