//! kordon-bench: one run that measures what the machine can do (raw Ed25519 verification and
//! SHA-256 on one core), what the library does with it (durable appends through `Ledger`,
//! streaming `verify` of an export) and how much memory verification needs as the ledger grows.
//!
//! See tools/bench/README.md for what each figure means.

use anyhow::{anyhow, bail, Context, Result};
use clap::{Parser, Subcommand};
use kordon::core::chain::Prepared;
use kordon::core::checkpoint;
use kordon::core::entry;
use kordon::core::event;
use kordon::core::keys::{self, SigCheck};
use kordon::core::note::NoteVerifier;
use kordon::core::stage::{Sequential, Stage, Watch};
use kordon::export::{self, ExportReader};
use kordon::fixture;
use kordon::ledger::{Ledger, Submission};
use kordon::store::redb::RedbStore;
use kordon::synthetic::Workload;
use kordon::verify::{self, EntrySource, ExportSource};
use serde_json::{json, Map, Value};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

const ORIGIN: &str = "kordon.bench/ibm";
/// The workload's signing bodies: 8 executors (one commitment each) and 4 observers.
const EXECUTORS: usize = 8;
const OBSERVERS: usize = 4;
/// The batch size the machine-limit sweep compares the others with (the library picks its own
/// with `keys::batch_size`: up to 1024).
const SIG_BATCH: usize = 256;
/// The chunk the verifier reads at a time.
const VERIFY_CHUNK: usize = verify::CHUNK;
/// The most submissions one store commit carries (`ledger::MAX_BATCH`).
const BUILD_BATCH: usize = kordon::ledger::MAX_BATCH;
/// The line the `verify-child` subcommand prints its measurements on.
const CHILD_TAG: &str = "KORDON_BENCH_CHILD ";

#[derive(Parser)]
#[command(
    name = "kordon-bench",
    about = "Measures raw crypto limits, durable appends, streaming verify and verify memory of kordon"
)]
struct Args {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    /// Entries in the big export that is verified [default: 1,000,000; 20,000 with --quick].
    #[arg(long)]
    entries: Option<u64>,
    /// Entries in the small export of the memory comparison [default: 100,000; 2,000 with --quick].
    #[arg(long)]
    small_entries: Option<u64>,
    /// A smoke run: small sizes, short timings.
    #[arg(long)]
    quick: bool,
    /// Where stores and exports go [default: a temporary directory, removed at the end].
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Reuse exports in --dir if they exist and cover the right number of entries.
    #[arg(long)]
    reuse: bool,
    /// Also write every figure as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Events per `submit_many` call in the batched append test.
    #[arg(long, default_value_t = 4096)]
    batch: usize,
    /// Threads calling `submit_many` at once in the second batched append test.
    #[arg(long, default_value_t = 4)]
    batch_submitters: usize,
    /// Concurrent `submit` callers in the group-commit test.
    #[arg(long, default_value_t = 64)]
    threads: usize,
    /// Events appended in the batched append test [default: 200,000; 10,000 with --quick].
    #[arg(long)]
    append_entries: Option<usize>,
    /// Events appended in the concurrent test [default: 64,000; 3,200 with --quick].
    #[arg(long)]
    concurrent_entries: Option<usize>,
    /// Run the machine limits, the append tests and verify this many times and keep the best
    /// of each (on a shared machine the best run is the least disturbed one).
    #[arg(long, default_value_t = 1)]
    repeat: usize,
    /// Seconds each micro-benchmark runs [default: 2; 0.3 with --quick].
    #[arg(long)]
    seconds: Option<f64>,
    /// Skip the append tests (machine limits, build, verify and memory still run).
    #[arg(long)]
    skip_append: bool,
    /// Skip building the exports, verify and the memory test.
    #[arg(long)]
    skip_verify: bool,
    /// Skip the per-stage breakdowns of append and verify.
    #[arg(long)]
    no_breakdown: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// Verifies an export and prints the elapsed time and peak RSS (used by the memory test).
    #[command(hide = true)]
    VerifyChild { file: PathBuf },
}

struct Config {
    entries: u64,
    small: u64,
    append_entries: usize,
    concurrent_entries: usize,
    batch: usize,
    batch_submitters: usize,
    threads: usize,
    secs: f64,
    repeat: usize,
    reuse: bool,
    breakdown: bool,
    skip_append: bool,
    skip_verify: bool,
}

fn main() -> Result<()> {
    let args = Args::parse();
    if let Some(Cmd::VerifyChild { file }) = &args.cmd {
        return verify_child(file);
    }
    let q = args.quick;
    let entries = args.entries.unwrap_or(if q { 20_000 } else { 1_000_000 });
    let small = args
        .small_entries
        .unwrap_or(if q { 2_000 } else { 100_000 })
        .min(entries);
    let cfg = Config {
        entries,
        small,
        append_entries: args
            .append_entries
            .unwrap_or(if q { 10_000 } else { 200_000 }),
        concurrent_entries: args
            .concurrent_entries
            .unwrap_or(if q { 3_200 } else { 64_000 }),
        batch: args.batch.clamp(1, BUILD_BATCH),
        batch_submitters: args.batch_submitters.max(2),
        threads: args.threads.max(1),
        secs: args.seconds.unwrap_or(if q { 0.3 } else { 2.0 }),
        repeat: args.repeat.max(1),
        reuse: args.reuse,
        breakdown: !args.no_breakdown,
        skip_append: args.skip_append,
        skip_verify: args.skip_verify,
    };
    if entries < 100 {
        bail!("--entries must be at least 100");
    }
    let _tmp;
    let dir = match &args.dir {
        Some(d) => {
            std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
            d.clone()
        }
        None => {
            if args.reuse {
                eprintln!("note: --reuse without --dir has nothing to reuse (the temp dir is new)");
            }
            let t = tempfile::Builder::new()
                .prefix("kordon-bench-")
                .tempdir()
                .context("cannot create a temp dir")?;
            let p = t.path().to_path_buf();
            _tmp = t;
            p
        }
    };
    let load_start = loadavg();
    if load_start.0 > 0.5 {
        println!(
            "note: load average is {:.2} at start: other processes share the {} cores, figures may be lower",
            load_start.0,
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        );
    }
    let mut out = Results::default();
    out.put(
        "config",
        json!({
            "entries": cfg.entries, "small_entries": cfg.small, "append_entries": cfg.append_entries,
            "concurrent_entries": cfg.concurrent_entries, "batch": cfg.batch, "threads": cfg.threads,
            "micro_seconds": cfg.secs, "dir": dir.display().to_string(), "quick": q,
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "rayon_threads": rayon::current_num_threads(),
        }),
    );
    println!(
        "kordon-bench: {} cores, rayon {} threads, data in {}",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1),
        rayon::current_num_threads(),
        dir.display()
    );

    let w = workload()?;

    // 1. Machine limits.
    section("machine", "1. machine limits (one core)");
    let mut limits = machine_limits(&w, &dir, cfg.secs)?;
    for _ in 1..cfg.repeat {
        limits = limits.best(machine_limits(&w, &dir, cfg.secs)?);
    }
    limits.print();
    out.put("machine", limits.json());
    let raw = limits.raw();

    // 2. Durable appends.
    let mut append = None;
    if !cfg.skip_append {
        section("append", "2. durable appends through Ledger on RedbStore");
        let a = append_tests(&dir, &w, &cfg, raw)?;
        out.put("append", a.json(raw));
        append = Some(a);
    }

    // 3 and 4. The exports, verify and memory.
    let ver = if cfg.skip_verify {
        None
    } else {
        Some(verify_tests(&dir, &w, &cfg, &limits, &mut out)?)
    };

    // Summary.
    section("summary", "summary");
    let mut s = String::new();
    s += &format!(
        "raw ed25519 verify (1 core): {}/s   sha256: {} MB/s\n",
        rate(raw),
        int(limits.sha256_mbs as u64)
    );
    s += &format!(
        "  (dalek VerifyingKey::verify {}/s, kordon verify_event/zebra {}/s; zebra batches of 256 {}/s per core; fsync {}/s)\n",
        rate(limits.dalek),
        rate(limits.zebra),
        rate(limits.batch_rate(256)),
        rate(limits.fsync),
    );
    let mut verdict = Vec::new();
    if let Some(a) = &append {
        s += &format!(
            "append (durable, batches of {}): {} entries/s = {:.2}x raw verify\n",
            int(cfg.batch as u64),
            rate(a.batched.rate()),
            a.batched.rate() / raw
        );
        s += &format!(
            "append (durable, {} threads each submit_many batches of {}): {} entries/s = {:.2}x raw verify\n",
            cfg.batch_submitters,
            int(cfg.batch as u64),
            rate(a.batched_multi.rate()),
            a.batched_multi.rate() / raw
        );
        s += &format!(
            "append ({} concurrent submitters): {} entries/s = {:.2}x raw verify ({} commits, {:.1} entries/commit)\n",
            cfg.threads,
            rate(a.concurrent.rate()),
            a.concurrent.rate() / raw,
            int(a.concurrent.commits),
            a.concurrent.entries as f64 / a.concurrent.commits.max(1) as f64
        );
        s += &format!(
            "append (1 submitter, 1 entry per commit): {} entries/s ({:.2} ms per durable commit)\n",
            rate(a.single.rate()),
            1000.0 / a.single.rate()
        );
        verdict.push(target(
            "append (batches) >= 2x raw",
            a.batched.rate() / raw,
            2.0,
        ));
        verdict.push(target(
            &format!(
                "append (batches, {} submitters) >= 2x raw",
                cfg.batch_submitters
            ),
            a.batched_multi.rate() / raw,
            2.0,
        ));
        verdict.push(target(
            "append (concurrent) >= 2x raw",
            a.concurrent.rate() / raw,
            2.0,
        ));
    }
    if let Some(vt) = &ver {
        let (build, v) = (&vt.build, &vt.verify);
        s += &format!(
            "build {} entries: {:.1} s ({:.1} s signing on all cores, {:.1} s appending = {} entries/s){}\n",
            int(cfg.entries),
            build.total_secs,
            build.sign_secs,
            build.append_secs,
            rate(build.append_rate()),
            if build.reused { " [reused]" } else { "" }
        );
        s += &format!(
            "verify {} entries: {} entries/s = {:.2}x raw verify\n",
            int(v.entries),
            rate(v.rate()),
            v.rate() / raw
        );
        if let Some(st) = &vt.stages {
            s += &format!(
                "  verify wall time in each stage (accepting overlaps judging): read {:.0}%, prepare {:.0}%, signatures {:.0}%, rules+tree {:.0}%\n",
                st.read / st.total * 100.0,
                st.prepare / st.total * 100.0,
                st.sigs / st.total * 100.0,
                st.accept / st.total * 100.0
            );
        }
        s += &format!(
            "verify peak RSS: {} entries {:.0} MiB, {} entries {:.0} MiB ({:.2}x)\n",
            short(cfg.small),
            mib(vt.small_child.hwm_kib),
            short(cfg.entries),
            mib(vt.big_child.hwm_kib),
            vt.big_child.hwm_kib as f64 / vt.small_child.hwm_kib.max(1) as f64
        );
        verdict.push(target("verify >= 4.5x raw (issue 14)", v.rate() / raw, 4.5));
    }
    for t in &verdict {
        s += &format!("{t}\n");
    }
    let load_end = loadavg();
    let _ = close_section();
    let others = OTHERS.lock().unwrap_or_else(|p| p.into_inner()).clone();
    if let Some(max) = others.iter().map(|o| o.1).reduce(f64::max) {
        s += &format!(
            "other processes' CPU use per section (cores): {}{}\n",
            others
                .iter()
                .map(|(t, c)| format!("{t} {c:.2}"))
                .collect::<Vec<_>>()
                .join(", "),
            if max > 0.2 {
                "  <- the machine was shared: figures may be lower than on a quiet machine (compare --repeat runs)"
            } else {
                ""
            }
        );
        out.put(
            "other_processes_cores",
            Value::Object(others.iter().map(|(t, c)| (t.clone(), json!(c))).collect()),
        );
    }
    s += &format!(
        "load average (1 min) at start {:.2}, at end {:.2}\n",
        load_start.0, load_end.0
    );
    print!("{s}");
    out.put("summary_text", Value::String(s));
    out.put(
        "loadavg",
        json!({"start_1m": load_start.0, "start_5m": load_start.1, "end_1m": load_end.0, "end_5m": load_end.1}),
    );
    if let Some(path) = &args.json {
        let text = serde_json::to_string_pretty(&Value::Object(out.0))?;
        std::fs::write(path, text + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

struct VerifyTests {
    build: BuildResults,
    verify: VerifyRun,
    stages: Option<VerifyStages>,
    small_child: ChildRun,
    big_child: ChildRun,
}

fn verify_tests(
    dir: &Path,
    w: &Workload,
    cfg: &Config,
    limits: &Limits,
    out: &mut Results,
) -> Result<VerifyTests> {
    let raw = limits.raw();
    section(
        "build",
        &format!(
            "3. build exports of {} and {} entries",
            int(cfg.small),
            int(cfg.entries)
        ),
    );
    let build = build_exports(dir, w, cfg)?;
    out.put("build", build.json());
    section("verify", &format!("3. verify {} entries", int(cfg.entries)));
    let big = export_path(dir, cfg.entries);
    let mut best: Option<VerifyRun> = None;
    for _ in 0..cfg.repeat {
        let v = time_verify(&big)?;
        println!(
            "verify {} entries: {:.2} s = {} entries/s = {:.2}x raw verify (valid: {})",
            int(v.entries),
            v.secs,
            rate(v.rate()),
            v.rate() / raw,
            v.valid
        );
        if !v.valid || best.as_ref().is_none_or(|b| v.secs < b.secs) {
            let stop = !v.valid;
            best = Some(v);
            if stop {
                break;
            }
        }
    }
    let v = best.ok_or_else(|| anyhow!("verify did not run"))?;
    if cfg.repeat > 1 {
        println!("  best of {}: {} entries/s", cfg.repeat, rate(v.rate()));
    }
    out.put(
        "verify",
        json!({"entries": v.entries, "seconds": v.secs, "entries_per_s": v.rate(),
               "ratio_to_raw": v.rate() / raw, "valid": v.valid,
               "export_bytes": std::fs::metadata(&big).map(|m| m.len()).unwrap_or(0)}),
    );
    if !v.valid {
        bail!("the export did not verify: {}", v.failure);
    }
    let mut stages = None;
    if cfg.breakdown {
        let s = verify_stages(&big)?;
        s.print(raw);
        out.put("verify_stages", s.json());
        stages = Some(s);
        let c = cost_model(&big, cfg.entries.min(20_000) as usize)?;
        c.print(limits);
        out.put("cost_model", c.json());
    }

    section("memory", "4. verify peak memory (child process)");
    let small_child = verify_in_child(&export_path(dir, cfg.small))?;
    let big_child = verify_in_child(&big)?;
    for (n, c) in [(cfg.small, &small_child), (cfg.entries, &big_child)] {
        println!(
            "verify-child {:>10} entries: {:.2} s, {} entries/s, peak RSS (VmHWM) {:.1} MiB, valid {}",
            int(n),
            c.secs,
            rate(n as f64 / c.secs),
            mib(c.hwm_kib),
            c.valid
        );
    }
    let mem_ratio = big_child.hwm_kib as f64 / small_child.hwm_kib.max(1) as f64;
    println!(
        "peak RSS ratio {}/{} entries: {:.2}x for {:.0}x the entries ({:.1} bytes of extra peak RSS per extra entry)",
        int(cfg.entries),
        int(cfg.small),
        mem_ratio,
        cfg.entries as f64 / cfg.small as f64,
        (big_child.hwm_kib as f64 - small_child.hwm_kib as f64) * 1024.0
            / (cfg.entries - cfg.small).max(1) as f64
    );
    out.put(
        "memory",
        json!({
            "small": {"entries": cfg.small, "peak_rss_kib": small_child.hwm_kib, "seconds": small_child.secs, "valid": small_child.valid},
            "big": {"entries": cfg.entries, "peak_rss_kib": big_child.hwm_kib, "seconds": big_child.secs, "valid": big_child.valid},
            "ratio": mem_ratio,
        }),
    );
    Ok(VerifyTests {
        build,
        verify: v,
        stages,
        small_child,
        big_child,
    })
}

// ---------------------------------------------------------------------------------------------
// The workload (`kordon::synthetic::Workload`) and the stage timer.

fn workload() -> Result<Workload> {
    Ok(Workload::of(ORIGIN, EXECUTORS, OBSERVERS)?)
}

/// A fresh durable ledger of the workload at `path`, the setup submitted.
fn fresh_ledger(w: &Workload, path: &Path) -> Result<Ledger> {
    let _ = std::fs::remove_file(path);
    Ok(w.open(Arc::new(RedbStore::open(path)?))?)
}

thread_local! {
    /// When the stage running on this thread began (stages do not nest on a thread).
    static ENTERED: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Times the library's own stages: a `Watch` that adds up each stage's wall time and items,
/// whatever thread it runs on.
#[derive(Default)]
struct StageTimer(Mutex<BTreeMap<Stage, (f64, u64)>>);

impl Watch for StageTimer {
    fn enter(&self, _: Stage) {
        ENTERED.with(|e| e.set(Some(Instant::now())));
    }
    fn leave(&self, stage: Stage, items: usize) {
        if let Some(t) = ENTERED.with(|e| e.take()) {
            let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
            let e = m.entry(stage).or_default();
            e.0 += t.elapsed().as_secs_f64();
            e.1 += items as u64;
        }
    }
}

impl StageTimer {
    /// Seconds spent in `stage` so far.
    fn secs(&self, stage: Stage) -> f64 {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&stage)
            .map_or(0.0, |e| e.0)
    }
    fn reset(&self) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Machine limits.

struct Limits {
    dalek: f64,
    zebra: f64,
    /// (batch size, signatures per second on one core) through `keys::verify_batch`.
    batches: Vec<(usize, f64)>,
    /// Batches of 256 on every core at once, total signatures per second.
    batch_all_cores: f64,
    sha256_mbs: f64,
    sign: f64,
    fsync: f64,
    /// (milliseconds, bytes written to storage) per redb write transaction of one 640-byte
    /// row, for: what `RedbStore` does (Immediate + quick repair), Immediate alone, no
    /// durability.
    redb_commit: [(f64, f64); 3],
}

impl Limits {
    /// The best of two runs, figure by figure (highest rate, cheapest commit).
    fn best(self, o: Limits) -> Limits {
        let min = |a: (f64, f64), b: (f64, f64)| if b.0 < a.0 { b } else { a };
        Limits {
            dalek: self.dalek.max(o.dalek),
            zebra: self.zebra.max(o.zebra),
            batches: self
                .batches
                .iter()
                .zip(&o.batches)
                .map(|(a, b)| (a.0, a.1.max(b.1)))
                .collect(),
            batch_all_cores: self.batch_all_cores.max(o.batch_all_cores),
            sha256_mbs: self.sha256_mbs.max(o.sha256_mbs),
            sign: self.sign.max(o.sign),
            fsync: self.fsync.max(o.fsync),
            redb_commit: [
                min(self.redb_commit[0], o.redb_commit[0]),
                min(self.redb_commit[1], o.redb_commit[1]),
                min(self.redb_commit[2], o.redb_commit[2]),
            ],
        }
    }

    /// The raw single-core verify rate: the faster of the two single verifiers.
    fn raw(&self) -> f64 {
        self.dalek.max(self.zebra)
    }
    fn batch_rate(&self, size: usize) -> f64 {
        self.batches
            .iter()
            .find(|(n, _)| *n == size)
            .map(|b| b.1)
            .unwrap_or(0.0)
    }
    fn print(&self) {
        println!(
            "ed25519-dalek VerifyingKey::verify, 200-byte messages: {:>10}/s",
            rate(self.dalek)
        );
        println!(
            "kordon verify_event (ed25519-zebra, ZIP 215):          {:>10}/s",
            rate(self.zebra)
        );
        println!(
            "  => raw single-core verify rate (the faster):         {:>10}/s",
            rate(self.raw())
        );
        for (n, r) in &self.batches {
            println!(
                "kordon verify_batch, {n:>4} per batch (zebra), 1 core:  {:>10}/s  ({:.2}x raw)",
                rate(*r),
                r / self.raw()
            );
        }
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        println!(
            "kordon verify_batch,  256 per batch, {cores} threads at once:  {:>10}/s  ({:.2}x raw, {:.2}x one core: the real parallel speedup)",
            rate(self.batch_all_cores),
            self.batch_all_cores / self.raw(),
            self.batch_all_cores / self.batch_rate(SIG_BATCH).max(1.0)
        );
        println!(
            "encode + sign one bench event, 1 core:                 {:>10}/s",
            rate(self.sign)
        );
        println!(
            "SHA-256 over 64 KiB buffers:                           {:>10} MB/s",
            int(self.sha256_mbs as u64)
        );
        println!(
            "4 KiB write + fdatasync in the data dir:               {:>10}/s  ({:.2} ms)",
            rate(self.fsync),
            1000.0 / self.fsync
        );
        let [qr, imm, none] = self.redb_commit;
        println!(
            "redb commit of one 640-byte row: Immediate+quick_repair (as RedbStore) {:.2} ms, {:.0} KiB written; Immediate {:.2} ms, {:.0} KiB; no durability {:.2} ms, {:.0} KiB",
            qr.0,
            qr.1 / 1024.0,
            imm.0,
            imm.1 / 1024.0,
            none.0,
            none.1 / 1024.0
        );
    }
    fn json(&self) -> Value {
        let batches: Map<String, Value> = self
            .batches
            .iter()
            .map(|(n, r)| (n.to_string(), json!(r)))
            .collect();
        json!({
            "dalek_verify_per_s": self.dalek, "zebra_verify_event_per_s": self.zebra,
            "raw_verify_per_s": self.raw(), "zebra_batch_per_s_one_core": batches,
            "zebra_batch256_per_s_all_cores": self.batch_all_cores,
            "sha256_mb_per_s": self.sha256_mbs, "event_sign_per_s_one_core": self.sign,
            "fsync_per_s": self.fsync,
            "redb_commit_one_row": {
                "immediate_quick_repair": {"ms": self.redb_commit[0].0, "bytes_written": self.redb_commit[0].1},
                "immediate": {"ms": self.redb_commit[1].0, "bytes_written": self.redb_commit[1].1},
                "none": {"ms": self.redb_commit[2].0, "bytes_written": self.redb_commit[2].1},
            },
        })
    }
}

/// Runs `f` (which does `per_call` operations) repeatedly for about `secs`; operations per second.
fn per_second(secs: f64, per_call: u64, mut f: impl FnMut()) -> f64 {
    f(); // warm up
    let t = Instant::now();
    let mut n = 0u64;
    let d = Duration::from_secs_f64(secs);
    while t.elapsed() < d {
        f();
        n += per_call;
    }
    n as f64 / t.elapsed().as_secs_f64()
}

fn machine_limits(w: &Workload, dir: &Path, secs: f64) -> Result<Limits> {
    use ed25519_dalek::{Signer, SigningKey, Verifier};
    use sha2::Digest;
    // Several keys, 64 distinct 200-byte messages.
    let keys: Vec<SigningKey> = (0..4)
        .map(|i| fixture::demo_key(&format!("raw-{i}")))
        .collect();
    let msgs: Vec<Vec<u8>> = (0..64u32)
        .map(|i| {
            let mut m = keys::EVENT_CONTEXT.to_vec();
            while m.len() < 200 {
                m.extend_from_slice(format!("{i:04}-message-bytes-for-verification;").as_bytes());
            }
            m.truncate(200);
            m
        })
        .collect();
    let dalek_items: Vec<(ed25519_dalek::VerifyingKey, &[u8], ed25519_dalek::Signature)> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let k = &keys[i % keys.len()];
            (k.verifying_key(), m.as_slice(), k.sign(m))
        })
        .collect();
    let dalek = per_second(secs, dalek_items.len() as u64, || {
        for (vk, m, s) in &dalek_items {
            assert!(black_box(vk).verify(black_box(m), s).is_ok());
        }
    });
    // verify_event prepends EVENT_CONTEXT itself: pass the rest so the signed message is the
    // same 200 bytes.
    let zebra_items: Vec<([u8; 32], &[u8], [u8; 64])> = msgs
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let k = &keys[i % keys.len()];
            let ev = &m[keys::EVENT_CONTEXT.len()..];
            (k.verifying_key().to_bytes(), ev, keys::sign_event(k, ev))
        })
        .collect();
    let zebra = per_second(secs, zebra_items.len() as u64, || {
        for (pk, ev, sig) in &zebra_items {
            assert!(keys::verify_event(black_box(pk), black_box(ev), sig));
        }
    });
    // `size` checks, cycling through the signed messages.
    let checks_of = |size: usize| -> Vec<SigCheck> {
        (0..size)
            .map(|i| {
                let (pk, ev, sig) = &zebra_items[i % zebra_items.len()];
                SigCheck {
                    public_key: *pk,
                    event: ev,
                    signature: *sig,
                }
            })
            .collect()
    };
    let mut batches = Vec::new();
    for size in [64, SIG_BATCH, 1024] {
        let checks = checks_of(size);
        let r = per_second(secs, checks.len() as u64, || {
            let ok = keys::verify_batch(black_box(&checks), rand_core::OsRng);
            assert!(ok.iter().all(|b| *b));
        });
        batches.push((size, r));
    }
    let batch_all_cores = {
        let checks = checks_of(SIG_BATCH);
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        let barrier = Barrier::new(cores);
        std::thread::scope(|s| {
            let hs: Vec<_> = (0..cores)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        per_second(secs, SIG_BATCH as u64, || {
                            let ok = keys::verify_batch(black_box(&checks), rand_core::OsRng);
                            assert!(ok.iter().all(|b| *b));
                        })
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap_or(0.0)).sum::<f64>()
        })
    };
    let buf = vec![0x5au8; 64 * 1024];
    let sha_ops = per_second(secs, 1, || {
        black_box(sha2::Sha256::digest(black_box(&buf)));
    });
    let mut n = 0;
    let sign = per_second(secs, 16, || {
        for _ in 0..16 {
            black_box(w.event("raw", n));
            n += 1;
        }
    });
    let path = dir.join("fsync-probe");
    let fsync = {
        use std::io::{Seek, SeekFrom};
        let mut f = File::create(&path)?;
        let page = vec![7u8; 4096];
        let mut err = None;
        let r = per_second(secs.min(1.0), 1, || {
            let res = f
                .seek(SeekFrom::Start(0))
                .and_then(|_| f.write_all(&page))
                .and_then(|_| f.sync_data());
            if let Err(e) = res {
                err = Some(e);
            }
        });
        if let Some(e) = err {
            bail!("fsync probe in {}: {e}", dir.display());
        }
        r
    };
    let _ = std::fs::remove_file(&path);
    let redb_commit = [
        redb_commit_cost(dir, true, redb::Durability::Immediate, secs.min(1.0))?,
        redb_commit_cost(dir, false, redb::Durability::Immediate, secs.min(1.0))?,
        redb_commit_cost(dir, false, redb::Durability::None, secs.min(1.0))?,
    ];
    Ok(Limits {
        dalek,
        zebra,
        batches,
        batch_all_cores,
        sha256_mbs: sha_ops * buf.len() as f64 / 1e6,
        sign,
        fsync,
        redb_commit,
    })
}

/// Milliseconds and bytes written to storage per redb write transaction inserting one 640-byte
/// row, with the given durability settings, in a fresh file in `dir` (the same redb version and
/// file format as `RedbStore`).
fn redb_commit_cost(
    dir: &Path,
    quick_repair: bool,
    durability: redb::Durability,
    secs: f64,
) -> Result<(f64, f64)> {
    const ROWS: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("rows");
    let path = dir.join("redb-probe.redb");
    let _ = std::fs::remove_file(&path);
    let mut b = redb::Database::builder();
    b.create_with_file_format_v3(true);
    let db = b.create(&path)?;
    let row = vec![0x42u8; 640];
    let mut i = 0u64;
    let mut err: Option<anyhow::Error> = None;
    let io0 = io_write_bytes();
    let per_s = per_second(secs, 1, || {
        let go = || -> Result<()> {
            let mut tx = db.begin_write()?;
            tx.set_durability(durability);
            tx.set_quick_repair(quick_repair);
            tx.open_table(ROWS)?.insert(i, row.as_slice())?;
            tx.commit()?;
            Ok(())
        };
        if let Err(e) = go() {
            err = Some(e);
        }
        i += 1;
    });
    let written = (io_write_bytes() - io0) as f64 / i.max(1) as f64;
    drop(db);
    let _ = std::fs::remove_file(&path);
    match err {
        Some(e) => Err(e),
        None => Ok((1000.0 / per_s, written)),
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Appends.

struct Timed {
    entries: u64,
    secs: f64,
    commits: u64,
    /// Bytes this process caused to be written to storage during the test (/proc/self/io).
    written: u64,
}

impl Timed {
    fn rate(&self) -> f64 {
        self.entries as f64 / self.secs
    }
    fn json(&self, raw: f64) -> Value {
        json!({"entries": self.entries, "seconds": self.secs, "entries_per_s": self.rate(),
               "ratio_to_raw": self.rate() / raw, "commits": self.commits,
               "entries_per_commit": self.entries as f64 / self.commits.max(1) as f64,
               "bytes_written": self.written,
               "bytes_written_per_entry": self.written as f64 / self.entries.max(1) as f64,
               "bytes_written_per_commit": self.written as f64 / self.commits.max(1) as f64})
    }
    /// "written 1.2 KiB/entry, 4.8 MiB/commit"
    fn io(&self) -> String {
        format!(
            "storage writes {:.1} KiB/entry, {:.2} MiB/commit",
            self.written as f64 / self.entries.max(1) as f64 / 1024.0,
            self.written as f64 / self.commits.max(1) as f64 / 1048576.0
        )
    }
}

/// Bytes this process has caused to be written to storage (Linux `/proc/self/io`), 0 elsewhere.
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

struct AppendResults {
    batch: usize,
    threads: usize,
    avg_event_bytes: f64,
    sign_secs: f64,
    signed: u64,
    batched: Timed,
    batched_multi: Timed,
    batch_submitters: usize,
    concurrent: Timed,
    single: Timed,
    stages: Option<AppendStages>,
}

impl AppendResults {
    fn json(&self, raw: f64) -> Value {
        json!({
            "batch": self.batch, "threads": self.threads, "avg_event_bytes": self.avg_event_bytes,
            "presign_seconds": self.sign_secs, "presigned": self.signed,
            "batched": self.batched.json(raw), "batched_multi": self.batched_multi.json(raw),
            "batch_submitters": self.batch_submitters, "concurrent": self.concurrent.json(raw),
            "single_submitter": self.single.json(raw),
            "stages": self.stages.as_ref().map(|s| s.json()),
        })
    }
}

fn append_tests(dir: &Path, w: &Workload, cfg: &Config, raw: f64) -> Result<AppendResults> {
    // Sign everything before any timing.
    let t = Instant::now();
    let batched_subs = w.sign("a", 0, cfg.append_entries as u64);
    let mut conc_subs = w.sign("c", 0, cfg.concurrent_entries as u64);
    let sign_secs = t.elapsed().as_secs_f64();
    let signed = (batched_subs.len() + conc_subs.len()) as u64;
    let avg_event_bytes = batched_subs
        .iter()
        .map(|s| s.event.len() as f64)
        .sum::<f64>()
        / batched_subs.len().max(1) as f64;
    println!(
        "pre-signed {} events in {:.1} s on all cores (avg event {:.0} bytes, entry {:.0} bytes)",
        int(signed),
        sign_secs,
        avg_event_bytes,
        avg_event_bytes + entry::HEADER_LEN as f64
    );

    // a) One submitter, submit_many in batches; b) many threads each calling submit.
    let stage_subs = cfg.breakdown.then(|| batched_subs.clone());
    let mut batched: Option<Timed> = None;
    let mut batched_multi: Option<Timed> = None;
    for _ in 0..cfg.repeat {
        for submitters in [1, cfg.batch_submitters] {
            let t = append_batched(dir, w, batched_subs.clone(), cfg.batch, submitters)?;
            println!(
                "append, {submitters} submitter(s) each calling submit_many with batches of {}: {} entries in {:.2} s = {} entries/s = {:.2}x raw verify ({} commits); {}",
                cfg.batch,
                int(t.entries),
                t.secs,
                rate(t.rate()),
                t.rate() / raw,
                int(t.commits),
                t.io()
            );
            let best = if submitters == 1 {
                &mut batched
            } else {
                &mut batched_multi
            };
            if best.as_ref().is_none_or(|b| t.rate() > b.rate()) {
                *best = Some(t);
            }
        }
    }
    drop(batched_subs);
    let batched_multi = batched_multi.ok_or_else(|| anyhow!("no append round ran"))?;
    let batched = batched.ok_or_else(|| anyhow!("no append round ran"))?;
    let path = dir.join("append-concurrent.redb");
    let mut concurrent: Option<Timed> = None;
    let mut ledger = None;
    for round in 0..cfg.repeat {
        let last = round + 1 == cfg.repeat;
        let subs = if last {
            std::mem::take(&mut conc_subs)
        } else {
            conc_subs.clone()
        };
        let (t, l) = append_concurrent(&path, w, subs, cfg.threads)?;
        println!(
            "append, {} threads each calling submit: {} entries in {:.2} s = {} entries/s = {:.2}x raw verify ({} commits, {:.1} entries per commit); {}",
            cfg.threads,
            int(t.entries),
            t.secs,
            rate(t.rate()),
            t.rate() / raw,
            int(t.commits),
            t.entries as f64 / t.commits.max(1) as f64,
            t.io()
        );
        if concurrent.as_ref().is_none_or(|b| t.rate() > b.rate()) {
            concurrent = Some(t);
        }
        ledger = Some(l);
    }
    let concurrent = concurrent.ok_or_else(|| anyhow!("no append round ran"))?;
    let ledger = ledger.ok_or_else(|| anyhow!("no append round ran"))?;
    if cfg.repeat > 1 {
        println!(
            "  best of {}: batches {} entries/s, batches from {} submitters {} entries/s, concurrent {} entries/s",
            cfg.repeat,
            rate(batched.rate()),
            cfg.batch_submitters,
            rate(batched_multi.rate()),
            rate(concurrent.rate())
        );
    }

    // c) One submitter, one entry per commit: the cost of a durable commit.
    let mut i = 0u64;
    let io0 = io_write_bytes();
    let t = Instant::now();
    let limit = Duration::from_secs_f64(cfg.secs);
    while t.elapsed() < limit || i < 10 {
        ledger
            .submit(w.event("s", i))
            .map_err(|e| anyhow!("refused: {e}"))?;
        i += 1;
    }
    // Signing one event (~40 µs) is inside this loop, a few percent of a durable commit.
    let single = Timed {
        entries: i,
        secs: t.elapsed().as_secs_f64(),
        commits: i,
        written: io_write_bytes() - io0,
    };
    drop(ledger);
    let _ = std::fs::remove_file(&path);
    println!(
        "append, 1 submitter, 1 entry per submit: {} entries/s ({:.2} ms per durable commit, signing included); {}",
        rate(single.rate()),
        1000.0 / single.rate(),
        single.io()
    );

    let stages = match stage_subs {
        Some(subs) => {
            let s = append_stages(dir, w, subs, cfg.batch)?;
            s.print();
            Some(s)
        }
        None => None,
    };
    Ok(AppendResults {
        batch: cfg.batch,
        threads: cfg.threads,
        avg_event_bytes,
        sign_secs,
        signed,
        batched,
        batched_multi,
        batch_submitters: cfg.batch_submitters,
        concurrent,
        single,
        stages,
    })
}

/// `submitters` threads call `submit_many` with `batch` events at a time on a fresh ledger
/// (the batches are dealt to the threads in turn).
fn append_batched(
    dir: &Path,
    w: &Workload,
    subs: Vec<Submission>,
    batch: usize,
    submitters: usize,
) -> Result<Timed> {
    let path = dir.join("append-batches.redb");
    let ledger = fresh_ledger(w, &path)?;
    let mut shares: Vec<Vec<Vec<Submission>>> = (0..submitters).map(|_| Vec::new()).collect();
    let mut it = subs.into_iter();
    for i in 0.. {
        let chunk: Vec<Submission> = it.by_ref().take(batch).collect();
        if chunk.is_empty() {
            break;
        }
        shares[i % submitters].push(chunk);
    }
    let timed = submitting(&ledger, shares)?;
    drop(ledger);
    let _ = std::fs::remove_file(&path);
    Ok(timed)
}

/// `threads` threads each call `submit` one event at a time on a fresh ledger at `path`;
/// returns the ledger for more tests.
fn append_concurrent(
    path: &Path,
    w: &Workload,
    subs: Vec<Submission>,
    threads: usize,
) -> Result<(Timed, Ledger)> {
    let ledger = fresh_ledger(w, path)?;
    let mut shares: Vec<Vec<Vec<Submission>>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, s) in subs.into_iter().enumerate() {
        shares[i % threads].push(vec![s]);
    }
    let timed = submitting(&ledger, shares)?;
    Ok((timed, ledger))
}

/// One thread per share, all started together, each submitting its calls in turn (a call of
/// one event is `submit`, of more `submit_many`): the time until every answer is in, and the
/// number of commits (every receipt names the ledger's size after its commit: one distinct
/// size per commit).
fn submitting(ledger: &Ledger, shares: Vec<Vec<Vec<Submission>>>) -> Result<Timed> {
    let n = shares.iter().flatten().map(Vec::len).sum::<usize>() as u64;
    let barrier = Barrier::new(shares.len() + 1);
    let io0 = io_write_bytes();
    let (secs, mut sizes) = std::thread::scope(|scope| -> Result<(f64, Vec<u64>)> {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                let barrier = &barrier;
                scope.spawn(move || -> Result<Vec<u64>> {
                    barrier.wait();
                    let mut sizes = Vec::new();
                    for mut call in share {
                        let answers = match call.len() {
                            1 => vec![ledger.submit(call.remove(0))],
                            _ => ledger.submit_many(call),
                        };
                        for r in answers {
                            sizes.push(r.map_err(|e| anyhow!("append refused: {e}"))?.size);
                        }
                    }
                    Ok(sizes)
                })
            })
            .collect();
        barrier.wait();
        let t = Instant::now();
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.join().map_err(|_| anyhow!("submitter panicked"))??);
        }
        Ok((t.elapsed().as_secs_f64(), all))
    })?;
    sizes.sort_unstable();
    sizes.dedup();
    Ok(Timed {
        entries: n,
        secs,
        commits: sizes.len() as u64,
        written: io_write_bytes() - io0,
    })
}

/// Wall time of each stage of the appender's commits, heard from the library's own `Ledger`
/// through its stage watch (`Ledger::open_watched`), on a fresh ledger fed by one submitter:
/// the check stage of a batch and the write stage of the one before it then never overlap.
#[derive(Default)]
struct AppendStages {
    entries: u64,
    parse: f64,
    keys: f64,
    sigs: f64,
    rules: f64,
    checkpoint: f64,
    store: f64,
    total: f64,
}

impl AppendStages {
    fn check(&self) -> f64 {
        self.parse + self.keys + self.sigs
    }
    fn write(&self) -> f64 {
        self.rules + self.checkpoint + self.store
    }
    fn print(&self) {
        println!(
            "append breakdown (the Ledger's own stages, one submitter, {} entries, wall time):",
            int(self.entries)
        );
        let rows = [
            ("check: parse events (all cores)", self.parse),
            ("check: resolve keys", self.keys),
            ("check: verify signatures (batches, all cores)", self.sigs),
            ("write: encode + hash + rules + tree (1 core)", self.rules),
            ("write: sign checkpoint", self.checkpoint),
            ("write: redb durable commit (1 core + fsync)", self.store),
        ];
        print_stages(&rows, 48, self.total, self.entries);
        println!(
            "  {:<48} {:>7.2} s  => {} entries/s",
            "total, from the first submit to the last answer",
            self.total,
            rate(self.entries as f64 / self.total)
        );
        println!(
            "  the Ledger overlaps checking batch k+1 with writing batch k: if that overlap were free, {} entries/s (check {:.2} s, write {:.2} s)",
            rate(self.entries as f64 / self.check().max(self.write())),
            self.check(),
            self.write()
        );
    }
    fn json(&self) -> Value {
        json!({"entries": self.entries, "parse_s": self.parse, "keys_s": self.keys,
               "sigs_s": self.sigs, "rules_s": self.rules, "checkpoint_s": self.checkpoint,
               "store_s": self.store, "total_s": self.total,
               "check_stage_s": self.check(), "write_stage_s": self.write()})
    }
}

fn append_stages(
    dir: &Path,
    w: &Workload,
    subs: Vec<Submission>,
    batch: usize,
) -> Result<AppendStages> {
    let path = dir.join("append-stages.redb");
    let _ = std::fs::remove_file(&path);
    let timer = Arc::new(StageTimer::default());
    let ledger = w.open_watched(
        Arc::new(RedbStore::open(&path)?),
        Arc::clone(&timer) as Arc<dyn Watch + Send>,
    )?;
    timer.reset();
    let entries = subs.len() as u64;
    let t = Instant::now();
    let mut it = subs.into_iter();
    loop {
        let chunk: Vec<Submission> = it.by_ref().take(batch).collect();
        if chunk.is_empty() {
            break;
        }
        for r in ledger.submit_many(chunk) {
            r.map_err(|e| anyhow!("append refused: {e}"))?;
        }
    }
    let total = t.elapsed().as_secs_f64();
    drop(ledger);
    let _ = std::fs::remove_file(&path);
    Ok(AppendStages {
        entries,
        parse: timer.secs(Stage::Prepare),
        keys: timer.secs(Stage::Keys),
        sigs: timer.secs(Stage::Signatures),
        rules: timer.secs(Stage::Accept),
        checkpoint: timer.secs(Stage::Checkpoint),
        store: timer.secs(Stage::Store),
        total,
    })
}

// ---------------------------------------------------------------------------------------------
// 3. Building the exports.

struct BuildResults {
    entries: u64,
    reused: bool,
    sign_secs: f64,
    append_secs: f64,
    export_secs: f64,
    total_secs: f64,
}

impl BuildResults {
    fn append_rate(&self) -> f64 {
        if self.append_secs > 0.0 {
            self.entries as f64 / self.append_secs
        } else {
            0.0
        }
    }
    fn json(&self) -> Value {
        json!({"entries": self.entries, "reused": self.reused, "sign_seconds": self.sign_secs,
               "append_seconds": self.append_secs, "append_entries_per_s": self.append_rate(),
               "export_seconds": self.export_secs, "total_seconds": self.total_secs,
               "batch": BUILD_BATCH})
    }
}

fn export_path(dir: &Path, n: u64) -> PathBuf {
    dir.join(format!("export-{n}.kordon"))
}

/// True if `path` is an export whose signed checkpoint covers exactly `n` entries and whose
/// file is long enough to hold them.
fn export_ok(path: &Path, n: u64) -> bool {
    let check = || -> Result<bool> {
        let r = ExportReader::open(File::open(path)?)?;
        let v = NoteVerifier::parse(&r.vkey).map_err(|e| anyhow!("{e}"))?;
        let cp = checkpoint::open(&r.checkpoint, &v).map_err(|e| anyhow!("{e}"))?;
        let len = std::fs::metadata(path)?.len();
        Ok(cp.size == n && cp.origin == ORIGIN && len > n * (entry::HEADER_LEN as u64 + 2))
    };
    check().unwrap_or(false)
}

fn write_export(ledger: &Ledger, path: &Path) -> Result<()> {
    let tmp = path.with_extension("partial");
    let mut f = BufWriter::with_capacity(1 << 20, File::create(&tmp)?);
    export::write(ledger.store(), &ledger.verifier_key(), &mut f)?;
    f.into_inner().map_err(|e| anyhow!("{e}"))?.sync_all()?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Builds one ledger of `entries` entries through `Ledger::submit_many` in batches of
/// `MAX_BATCH`, writing the small export when the ledger holds exactly `small` entries and the
/// big one at the end.
fn build_exports(dir: &Path, w: &Workload, cfg: &Config) -> Result<BuildResults> {
    let (big, small) = (export_path(dir, cfg.entries), export_path(dir, cfg.small));
    if cfg.reuse && export_ok(&big, cfg.entries) && export_ok(&small, cfg.small) {
        println!("reusing {} and {}", big.display(), small.display());
        return Ok(BuildResults {
            entries: cfg.entries,
            reused: true,
            sign_secs: 0.0,
            append_secs: 0.0,
            export_secs: 0.0,
            total_secs: 0.0,
        });
    }
    let total = Instant::now();
    let path = dir.join("build.redb");
    let ledger = fresh_ledger(w, &path)?;
    let setup = ledger.size();
    let mut export_secs = 0.0;
    let mut last_print = Instant::now();
    let filled = w.fill(&ledger, "v", cfg.entries, &[cfg.small], |l, f| {
        if l.size() == cfg.small {
            let te = Instant::now();
            write_export(l, &small).map_err(|e| e.to_string())?;
            export_secs += te.elapsed().as_secs_f64();
        }
        if last_print.elapsed() > Duration::from_secs(5) {
            println!(
                "  ... {} entries (signing {:.1} s, appending {:.1} s)",
                int(l.size()),
                f.sign_secs,
                f.append_secs
            );
            last_print = Instant::now();
        }
        Ok(())
    })?;
    let (sign_secs, append_secs) = (filled.sign_secs, filled.append_secs);
    let te = Instant::now();
    write_export(&ledger, &big)?;
    export_secs += te.elapsed().as_secs_f64();
    let r = BuildResults {
        entries: cfg.entries - setup,
        reused: false,
        sign_secs,
        append_secs,
        export_secs,
        total_secs: total.elapsed().as_secs_f64(),
    };
    drop(ledger);
    let db_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&path);
    println!(
        "built {} entries in {:.1} s: signing {:.1} s (all cores), appending {:.1} s = {} entries/s (batches of {}), exports {:.1} s; redb file {:.0} MiB, export {:.0} MiB",
        int(cfg.entries),
        r.total_secs,
        r.sign_secs,
        r.append_secs,
        rate(r.append_rate()),
        BUILD_BATCH,
        r.export_secs,
        db_bytes as f64 / 1048576.0,
        std::fs::metadata(&big).map(|m| m.len()).unwrap_or(0) as f64 / 1048576.0
    );
    if r.total_secs > 60.0 {
        println!(
            "  note: building took more than 60 s ({:.0} s)",
            r.total_secs
        );
    }
    Ok(r)
}

// ---------------------------------------------------------------------------------------------
// 3. Verify.

struct VerifyRun {
    entries: u64,
    secs: f64,
    valid: bool,
    failure: String,
}

impl VerifyRun {
    fn rate(&self) -> f64 {
        self.entries as f64 / self.secs
    }
}

/// Times `kordon::verify::verify` over an export streamed from the file.
fn time_verify(path: &Path) -> Result<VerifyRun> {
    let t = Instant::now();
    let r = ExportReader::open(File::open(path)?)?;
    let vkey = r.vkey.clone();
    let cp = r.checkpoint.clone();
    let mut src = ExportSource(r);
    let report = verify::verify(
        &vkey,
        &cp,
        &mut src,
        &verify::Options {
            trusted: None,
            progress: &|_| {},
        },
    );
    Ok(VerifyRun {
        entries: report.entries_verified,
        secs: t.elapsed().as_secs_f64(),
        valid: report.valid,
        failure: report.failure.map(|f| f.to_string()).unwrap_or_default(),
    })
}

/// Wall time of each stage of `verify`, heard through its stage watch.
#[derive(Default)]
struct VerifyStages {
    entries: u64,
    read: f64,
    prepare: f64,
    keys: f64,
    sigs: f64,
    accept: f64,
    total: f64,
}

impl VerifyStages {
    fn print(&self, raw: f64) {
        println!(
            "verify breakdown (the verify loop's own stages, chunks of {}, {} entries, wall time; accepting one chunk overlaps judging the next, so the shares add up to more than 100%):",
            VERIFY_CHUNK,
            int(self.entries)
        );
        let rows = [
            ("read entries from the export (1 core)", self.read),
            (
                "prepare: decode, leaf hash, parse JSON (all cores)",
                self.prepare,
            ),
            ("resolve keys (1 core)", self.keys),
            ("verify signatures (batches, all cores)", self.sigs),
            ("links + rules + tree (1 core)", self.accept),
        ];
        print_stages(&rows, 52, self.total, self.entries);
        println!(
            "  {:<52} {:>7.2} s  => {} entries/s = {:.2}x raw",
            "total",
            self.total,
            rate(self.entries as f64 / self.total),
            self.entries as f64 / self.total / raw
        );
    }
    fn json(&self) -> Value {
        json!({"entries": self.entries, "read_s": self.read, "prepare_s": self.prepare,
               "keys_s": self.keys, "sigs_s": self.sigs, "accept_s": self.accept,
               "total_s": self.total})
    }
}

/// A breakdown's rows: each stage's seconds, its share of `total` and its cost per entry.
fn print_stages(rows: &[(&str, f64)], width: usize, total: f64, entries: u64) {
    for (name, s) in rows {
        println!(
            "  {name:<width$} {s:>7.2} s {:>5.1}%  {:>6.2} µs/entry",
            s / total * 100.0,
            s / entries as f64 * 1e6
        );
    }
}

/// The verify loop's own stages, timed through its watch (`verify::verify_watched`).
fn verify_stages(path: &Path) -> Result<VerifyStages> {
    let r = ExportReader::open(File::open(path)?)?;
    let (vkey, cp) = (r.vkey.clone(), r.checkpoint.clone());
    let timer = StageTimer::default();
    let t = Instant::now();
    let report = verify::verify_watched(
        &vkey,
        &cp,
        &mut ExportSource(r),
        &verify::Options {
            trusted: None,
            progress: &|_| {},
        },
        &timer,
    );
    let total = t.elapsed().as_secs_f64();
    if !report.valid {
        bail!("the export did not verify: {:?}", report.failure);
    }
    Ok(VerifyStages {
        entries: report.entries_verified,
        read: timer.secs(Stage::Read),
        prepare: timer.secs(Stage::Prepare),
        keys: timer.secs(Stage::Keys),
        sigs: timer.secs(Stage::Signatures),
        accept: timer.secs(Stage::Accept),
        total,
    })
}

/// Single-core cost of each piece of work per entry, on the first `n` entries of an export:
/// what a perfectly parallel verifier on this machine could reach.
struct CostModel {
    n: usize,
    avg_entry: f64,
    read: f64,
    json_value: f64,
    canonical: f64,
    general: f64,
    plain_check: f64,
    parse: f64,
    leaf_hash: f64,
    prepare: f64,
    sig_batch: f64,
    /// The batch size `sig_batch` was measured with (the library's for a full chunk).
    batch: usize,
    sig_single: f64,
    accept: f64,
}

impl CostModel {
    fn print(&self, lim: &Limits) {
        println!(
            "single-core cost per entry (first {} entries, avg entry {:.0} bytes), µs:",
            int(self.n as u64),
            self.avg_entry
        );
        let batch_label = format!("signature, verify_batch of {}", self.batch);
        let rows = [
            ("read from export", self.read),
            ("  serde_json::from_slice -> Value", self.json_value),
            ("  event::canonical(value) (JCS re-encode)", self.canonical),
            (
                "event::parse_general (tree, JCS check, typed)",
                self.general,
            ),
            ("  canon::is_plain_canonical (one pass)", self.plain_check),
            ("event::parse total (check, straight to typed)", self.parse),
            ("leaf hash", self.leaf_hash),
            ("chain::prepare total", self.prepare),
            (batch_label.as_str(), self.sig_batch),
            ("signature, verify_event one by one", self.sig_single),
            (
                "resolve keys + Chain::accept (links, rules, tree)",
                self.accept,
            ),
        ];
        for (name, us) in rows {
            println!("  {name:<46} {us:>7.2}");
        }
        let cores = rayon::current_num_threads() as f64;
        let serial = self.read + self.accept;
        let parallel = self.prepare + self.sig_batch;
        // The verify loop accepts one chunk (serial) while it judges the next (parallel), so
        // the bound is all the work spread over the cores, or the serial part if that is more.
        let bound = 1e6 / ((serial + parallel) / cores).max(serial);
        println!(
            "  => bound on {} cores if all the work spreads perfectly and read+accept (serial) overlap the rest: {} entries/s = {:.2}x raw",
            cores,
            rate(bound),
            bound / lim.raw()
        );
        let sig_only = cores * 1e6 / self.sig_batch;
        println!(
            "  => signatures alone on {} cores (batch): {} /s = {:.2}x raw",
            cores,
            rate(sig_only),
            sig_only / lim.raw()
        );
    }
    fn json(&self) -> Value {
        json!({"entries": self.n, "avg_entry_bytes": self.avg_entry, "read_us": self.read,
               "json_value_us": self.json_value, "canonical_us": self.canonical,
               "parse_general_us": self.general, "plain_check_us": self.plain_check,
               "parse_us": self.parse, "leaf_hash_us": self.leaf_hash, "prepare_us": self.prepare,
               "sig_batch_us": self.sig_batch, "sig_batch_size": self.batch,
               "sig_single_us": self.sig_single,
               "accept_us": self.accept})
    }
}

/// The first `left` entries of a source.
struct First<S> {
    inner: S,
    left: usize,
}

impl<S: EntrySource> EntrySource for First<S> {
    fn next_chunk(&mut self, max: usize) -> Result<Vec<Vec<u8>>, String> {
        if self.left == 0 {
            return Ok(Vec::new());
        }
        let chunk = self.inner.next_chunk(max.min(self.left))?;
        self.left -= chunk.len();
        Ok(chunk)
    }
}

/// The library's verify loop on one core (`stage::Sequential`) over the first `n` entries, its
/// stages timed through its watch; then the parts of a parse and the single-signature check,
/// each alone on one core. The checkpoint covers more than `n` entries, so that run ends
/// "truncated": only the stages' times are used.
fn cost_model(path: &Path, n: usize) -> Result<CostModel> {
    let r = ExportReader::open(File::open(path)?)?;
    let (vkey, cp) = (r.vkey.clone(), r.checkpoint.clone());
    let timer = StageTimer::default();
    let report = kordon::core::verify::verify(
        &vkey,
        &cp,
        &mut First {
            inner: ExportSource(r),
            left: n,
        },
        &verify::Options {
            trusted: None,
            progress: &|_| {},
        },
        &Sequential(|| rand_core::OsRng),
        &timer,
    );
    let n = report.entries_verified as usize;
    match report.failure.as_ref().map(|f| f.code.as_str()) {
        None | Some("ledger.truncated") if n > 0 => {}
        _ => bail!(
            "the one-core verify of the first entries failed: {:?}",
            report.failure
        ),
    }
    let stage_us = |s: Stage| timer.secs(s) * 1e6 / n as f64;

    let us = |t: Instant, n: usize| t.elapsed().as_secs_f64() * 1e6 / n as f64;
    let mut r = ExportReader::open(File::open(path)?)?;
    let mut raw = Vec::with_capacity(n);
    while raw.len() < n {
        match r.next_entry()? {
            Some(e) => raw.push(e),
            None => break,
        }
    }
    let avg_entry = raw.iter().map(|e| e.len() as f64).sum::<f64>() / n as f64;
    let events: Vec<&[u8]> = raw.iter().map(|e| &e[entry::HEADER_LEN..]).collect();
    let t = Instant::now();
    let values: Vec<Value> = events
        .iter()
        .map(|e| serde_json::from_slice(e).expect("json"))
        .collect();
    let json_value = us(t, n);
    let t = Instant::now();
    for v in &values {
        black_box(event::canonical(v).expect("canonical"));
    }
    let canonical = us(t, n);
    drop(values);
    let t = Instant::now();
    for e in &events {
        black_box(event::parse_general(e).expect("parse"));
    }
    let general = us(t, n);
    let t = Instant::now();
    for e in &events {
        assert!(black_box(kordon::core::canon::is_plain_canonical(e)));
    }
    let plain_check = us(t, n);
    let t = Instant::now();
    for e in &events {
        black_box(event::parse(e).expect("parse"));
    }
    let parse = us(t, n);
    let t = Instant::now();
    for e in &raw {
        black_box(entry::entry_hash(e));
    }
    let leaf_hash = us(t, n);
    let m = n.min(4000);
    let prepared: Vec<Prepared> = raw
        .into_iter()
        .take(m)
        .enumerate()
        .map(|(i, b)| kordon::core::chain::prepare(b, i as u64).expect("prepare"))
        .collect();
    // The first entries register every key the later ones name.
    let public_keys =
        kordon::core::chain::resolve_keys(&Default::default(), prepared.iter().map(|p| &p.event));
    let checks: Vec<SigCheck> = prepared
        .iter()
        .zip(&public_keys)
        .map(|(p, k)| SigCheck {
            public_key: k.expect("a registered key"),
            event: p.event_bytes(),
            signature: p.signature,
        })
        .collect();
    let t = Instant::now();
    for c in &checks {
        assert!(keys::verify_event(&c.public_key, c.event, &c.signature));
    }
    let sig_single = us(t, m);
    Ok(CostModel {
        n,
        avg_entry,
        read: stage_us(Stage::Read),
        json_value,
        canonical,
        general,
        plain_check,
        parse,
        leaf_hash,
        prepare: stage_us(Stage::Prepare),
        sig_batch: stage_us(Stage::Signatures),
        batch: keys::batch_size(VERIFY_CHUNK, 1),
        sig_single,
        accept: stage_us(Stage::Accept) + stage_us(Stage::Keys),
    })
}

// ---------------------------------------------------------------------------------------------
// 4. Memory: verify in a child process and read its peak RSS.

struct ChildRun {
    secs: f64,
    hwm_kib: u64,
    valid: bool,
}

fn proc_status_kib(field: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    s.lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn verify_child(file: &Path) -> Result<()> {
    let v = time_verify(file)?;
    let line = json!({
        "entries": v.entries, "seconds": v.secs, "valid": v.valid, "failure": v.failure,
        "vm_hwm_kib": proc_status_kib("VmHWM:"), "vm_rss_kib": proc_status_kib("VmRSS:"),
    });
    println!("{CHILD_TAG}{line}");
    Ok(())
}

fn verify_in_child(file: &Path) -> Result<ChildRun> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .arg("verify-child")
        .arg(file)
        .output()
        .context("cannot run the verify child")?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix(CHILD_TAG))
        .ok_or_else(|| {
            anyhow!(
                "the verify child printed no result (status {}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    let v: Value = serde_json::from_str(line)?;
    Ok(ChildRun {
        secs: v["seconds"].as_f64().unwrap_or(0.0),
        hwm_kib: v["vm_hwm_kib"]
            .as_u64()
            .ok_or_else(|| anyhow!("the child could not read VmHWM"))?,
        valid: v["valid"].as_bool().unwrap_or(false),
    })
}

// ---------------------------------------------------------------------------------------------
// Output helpers.

#[derive(Default)]
struct Results(Map<String, Value>);

impl Results {
    fn put(&mut self, k: &str, v: Value) {
        self.0.insert(k.to_string(), v);
    }
}

/// Prints a section title. Also closes the previous section: prints how much CPU other
/// processes used while it ran, so a run disturbed by other work on the machine shows it.
fn section(key: &str, title: &str) {
    if let Some(line) = close_section() {
        println!("{line}");
    }
    println!("\n== {title} ==");
    let _ = std::io::stdout().flush();
    *lock_meter() = Some((key.to_string(), CpuSnap::now()));
}

/// Ends the current section; returns the line describing other processes' CPU use in it.
fn close_section() -> Option<String> {
    let (title, start) = lock_meter().take()?;
    let end = CpuSnap::now();
    let secs = end.at.duration_since(start.at).as_secs_f64();
    if secs < 0.5 || end.busy == 0 {
        return None;
    }
    let hz = 100.0; // USER_HZ, the unit of /proc/stat and /proc/self/stat on Linux
    let busy = end.busy.saturating_sub(start.busy) as f64 / hz;
    let own = end.own.saturating_sub(start.own) as f64 / hz;
    let others = ((busy - own) / secs).max(0.0);
    OTHERS
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push((title, others));
    Some(format!(
        "  [other processes used {others:.2} cores on average during this section ({secs:.0} s), partly perhaps cores this section left idle]"
    ))
}

fn lock_meter() -> std::sync::MutexGuard<'static, Option<(String, CpuSnap)>> {
    METER.lock().unwrap_or_else(|p| p.into_inner())
}

static METER: std::sync::Mutex<Option<(String, CpuSnap)>> = std::sync::Mutex::new(None);
/// (section, average cores used by other processes).
static OTHERS: std::sync::Mutex<Vec<(String, f64)>> = std::sync::Mutex::new(Vec::new());

/// Busy CPU ticks of the whole machine and of this process with its waited-for children.
struct CpuSnap {
    at: Instant,
    busy: u64,
    own: u64,
}

impl CpuSnap {
    fn now() -> CpuSnap {
        let busy = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                let l = s.lines().next()?.to_string();
                let v: Vec<u64> = l
                    .split_whitespace()
                    .skip(1)
                    .filter_map(|x| x.parse().ok())
                    .collect();
                // user nice system idle iowait irq softirq steal ...
                (v.len() >= 8).then(|| v[0] + v[1] + v[2] + v[5] + v[6] + v[7])
            })
            .unwrap_or(0);
        let own = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| {
                // Fields after the ")" that ends the command name; utime is field 14.
                let rest = s.rsplit_once(')')?.1.to_string();
                let v: Vec<u64> = rest
                    .split_whitespace()
                    .filter_map(|x| x.parse().ok())
                    .collect();
                // rest starts at field 3 (state, not a number, skipped): utime, stime,
                // cutime, cstime are fields 14..=17, i.e. v[10..14] after skipping "state".
                Some(v.get(10)? + v.get(11)? + v.get(12)? + v.get(13)?)
            })
            .unwrap_or(0);
        CpuSnap {
            at: Instant::now(),
            busy,
            own,
        }
    }
}

/// 1234567 -> "1,234,567".
fn int(n: u64) -> String {
    let digits = n.to_string().into_bytes();
    let groups: Vec<&str> = digits
        .rchunks(3)
        .rev()
        .map(|g| std::str::from_utf8(g).unwrap_or(""))
        .collect();
    groups.join(",")
}

fn rate(r: f64) -> String {
    int(r.round() as u64)
}

/// 100000 -> "100k", 1000000 -> "1M".
fn short(n: u64) -> String {
    if n >= 1_000_000 && n / 1_000_000 * 1_000_000 == n {
        format!("{}M", n / 1_000_000)
    } else if n >= 1000 && n / 1000 * 1000 == n {
        format!("{}k", n / 1000)
    } else {
        int(n)
    }
}

/// The 1- and 5-minute load averages, (0, 0) where /proc/loadavg is missing.
fn loadavg() -> (f64, f64) {
    let s = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let mut it = s.split_whitespace().map(|v| v.parse().unwrap_or(0.0));
    (it.next().unwrap_or(0.0), it.next().unwrap_or(0.0))
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn target(what: &str, got: f64, want: f64) -> String {
    format!(
        "target {what}: {:.2}x -> {}",
        got,
        if got >= want { "MET" } else { "MISSED" }
    )
}
