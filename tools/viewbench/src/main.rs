//! kordon-viewbench: the projections on a large synthetic ledger (`kordon::synthetic`):
//! rebuild rate at several sizes, each view's median and 99th-percentile latency in-process,
//! an as-of query against a rebuild to the same point, and opening from a snapshot.

use anyhow::{Context, Result};
use clap::Parser;
use kordon::core::projection::History;
use kordon::core::types::Millis;
use kordon::projector::{self, rebuild};
use kordon::query::{self, Request, View};
use kordon::store::Store;
use std::time::{Duration, Instant};

/// Measures kordon's projections on a synthetic ledger: rebuild rate, each view's p50/p99,
/// an as-of query against a rebuild, and opening from a snapshot.
///
/// The ledger is generated once into --dir (a few minutes for a million entries on two
/// cores) and reused by later runs with the same directory. A small run:
///
///     kordon-viewbench --entries 200000 --commitments 4000
#[derive(Parser)]
#[command(name = "kordon-viewbench", max_term_width = 100, verbatim_doc_comment)]
struct Args {
    #[command(flatten)]
    ledger: kordon::synthetic::DataDirArgs,
    /// Runs of each view at the head.
    #[arg(long, default_value_t = 200)]
    runs: usize,
}

/// Builds the i-th request of a case.
type MakeRequest<'a> = Box<dyn Fn(usize) -> Request + 'a>;

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i.min(v.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let runs = args.runs.max(1);
    let (dir, made) = args.ledger.open("kordon-viewbench")?;
    if let Some(g) = made {
        println!("{g}");
    }
    let store = kordon::datadir::open_store(&dir)?;
    let snap = store.snapshot()?;
    let size = snap.size();
    println!("ledger: {size} entries in {}", dir.display());

    // 1. Rebuild rate at several sizes, from scratch each time.
    println!("\n== rebuild from the store (parse on all cores, fold on one) ==");
    let mut full: Option<History> = None;
    for n in [size / 10, size / 2, size] {
        let t = Instant::now();
        let h = rebuild(&*snap, n)?;
        let el = t.elapsed().as_secs_f64();
        println!(
            "{n:>9} entries: {el:6.2} s = {:>9.0} entries/s",
            n as f64 / el
        );
        if n == size {
            full = Some(h);
        }
    }
    let h = full.context("the ledger is empty")?;
    println!(
        "  commitments {}, bodies {}",
        h.commitments.len(),
        h.bodies.len()
    );

    // 2. Each view, in-process, through query::answer (the root of the checkpoint included).
    println!(
        "\n== views at the head (query::answer, checkpoint root included), {runs} runs each =="
    );
    let now = Millis(h.entries.last().map(|e| e.recorded_at.0).unwrap_or(0));
    let ids: Vec<String> = h.commitments.keys().map(|c| c.to_string()).collect();
    let bodies: Vec<String> = h
        .bodies
        .values()
        .filter(|b| b.roles.contains(&kordon::core::event::Role::Executor))
        .map(|b| b.id.to_string())
        .collect();
    anyhow::ensure!(
        !ids.is_empty() && !bodies.is_empty(),
        "the ledger has no commitment or no executor to ask about: give --commitments 1 or more"
    );
    let week_ago = h
        .point_at_size(size)
        .today
        .0
        .checked_sub(jiff::Span::new().days(7))
        .ok()
        .map(|d| kordon::core::types::Date(d).to_string());
    let cases: Vec<(View, MakeRequest)> = vec![
        (
            View::Responsibility,
            Box::new(|i| Request {
                commitment: Some(ids[i * 7919 % ids.len()].clone()),
                ..Default::default()
            }),
        ),
        (
            View::Card,
            Box::new(|i| Request {
                commitment: Some(ids[i * 104_729 % ids.len()].clone()),
                ..Default::default()
            }),
        ),
        (
            View::Responsibility,
            Box::new(|i| Request {
                body: Some(bodies[i % bodies.len()].clone()),
                ..Default::default()
            }),
        ),
        (
            View::Overdue,
            Box::new(|i| Request {
                body: Some(bodies[i % bodies.len()].clone()),
                ..Default::default()
            }),
        ),
        (View::Overdue, Box::new(|_| Request::default())),
        (View::Scorecard, Box::new(|_| Request::default())),
        (View::Objectives, Box::new(|_| Request::default())),
        (View::Quality, Box::new(|_| Request::default())),
        (
            View::Changes,
            Box::new(|_| Request {
                since: week_ago.clone(),
                ..Default::default()
            }),
        ),
        (View::Briefing, Box::new(|_| Request::default())),
    ];
    let labels = [
        "responsibility of one commitment",
        "card of one commitment",
        "responsibility: one body's portfolio",
        "overdue for one body",
        "overdue, whole ledger",
        "scorecard, every body",
        "objectives and components",
        "data quality, whole ledger",
        "changes in the last 7 days",
        "briefing, last 7 days",
    ];
    for ((view, req), label) in cases.iter().zip(labels) {
        let mut times = Vec::new();
        for i in 0..runs {
            let r = req(i);
            let t = Instant::now();
            let a = query::answer(&h, &*snap, *view, &r, now)?;
            times.push(t.elapsed());
            std::hint::black_box(&a);
        }
        let p50 = pct(&mut times, 0.5);
        let p99 = pct(&mut times, 0.99);
        println!("{label:<38} p50 {:>10}  p99 {:>10}", ms(p50), ms(p99));
    }

    // 3. As of a past point: filtering costs no more than rebuilding to that point.
    println!("\n== as of the middle of the ledger ==");
    let mid = (size / 2).to_string();
    let mut times = Vec::new();
    for _ in 0..50 {
        let t = Instant::now();
        let a = query::answer(
            &h,
            &*snap,
            View::Overdue,
            &Request {
                as_of: Some(mid.clone()),
                ..Default::default()
            },
            now,
        );
        times.push(t.elapsed());
        std::hint::black_box(a?);
    }
    let t = Instant::now();
    std::hint::black_box(rebuild(&*snap, size / 2)?);
    let rb = t.elapsed();
    println!(
        "overdue as of entry {mid}: p50 {} vs rebuilding to that point {} ({:.0}x cheaper)",
        ms(pct(&mut times, 0.5)),
        ms(rb),
        rb.as_secs_f64() / pct(&mut times, 0.5).as_secs_f64()
    );

    // 4. Opening from a snapshot.
    println!("\n== open from a snapshot ==");
    let snaps = kordon::snapshot::DirSnapshots(dir.join(kordon::datadir::SNAPSHOT_DIR));
    let path = snaps.0.join("projections.snap");
    let at = projector::at(&*snap, size)?;
    // The memory a snapshot takes to write, beyond the projections themselves: encoded whole
    // in memory first (as a store of rows, PostgreSQL's, is given it), then streamed to the
    // file as `DirSnapshots` writes it.
    let held = reset_peak_mib();
    let t = Instant::now();
    let whole = projector::encode_snapshot(&h, at.root).map_err(anyhow::Error::msg)?;
    kordon::snapshot::SnapshotStore::save(&snaps, "projections.snap", size, at.root, &whole)
        .map_err(anyhow::Error::msg)?;
    drop(whole);
    let (in_memory, in_memory_peak) = (t.elapsed(), peak_mib() - held);
    let held = reset_peak_mib();
    let t = Instant::now();
    projector::save_snapshot(&snaps, &h, at).map_err(anyhow::Error::msg)?;
    let (saved, streamed_peak) = (t.elapsed(), peak_mib() - held);
    println!(
        "writing it: encoded in memory first {} (+{in_memory_peak:.0} MiB peak over the {held:.0} MiB held), streamed to the file {} (+{streamed_peak:.0} MiB)",
        ms(in_memory),
        ms(saved),
    );
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let held = reset_peak_mib();
    let t = Instant::now();
    let (h2, opened) = projector::load(&*snap, Some(&snaps))?;
    let open = t.elapsed();
    println!(
        "opening it: +{:.0} MiB peak over the {held:.0} MiB held",
        peak_mib() - held
    );
    anyhow::ensure!(
        opened.from_snapshot == Some(size) && h2.size() == size,
        "the snapshot did not reopen at {size} entries"
    );
    println!(
        "snapshot of {size} entries: {:.0} MiB, written in {}, opened in {} (then {} entries folded)",
        bytes as f64 / (1 << 20) as f64,
        ms(saved),
        ms(open),
        opened.folded
    );
    Ok(())
}

fn status_mib(key: &str) -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    (s.lines())
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// The peak resident memory (VmHWM) since the last `reset_peak_mib`.
fn peak_mib() -> f64 {
    status_mib("VmHWM:")
}

/// Resets the peak resident memory to the present (Linux: `clear_refs` 5) and returns it.
fn reset_peak_mib() -> f64 {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    status_mib("VmRSS:")
}
