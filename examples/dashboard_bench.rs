//! How fast the dashboard's pages render on a large ledger: builds (once) a synthetic ledger
//! (`kordon::synthetic`, 1,000,000 entries and 20,000 commitments by default) in a data
//! directory, serves it with `kordon serve`'s router in process, and asks for every page —
//! latest and as of a past date, the big tables and the long periods included — printing each
//! page's median, 95th percentile and largest time (the whole request: routing, projections,
//! the checkpoint's root, HTML) against the 200 ms budget.
//!
//! Usage: cargo run --release --example dashboard_bench -- --help

use anyhow::{Context, Result};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use clap::Parser;
use kordon::server::{self, AppState, Config};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// Times every dashboard page on a synthetic ledger, served in process by `kordon serve`'s
/// router: each page's median, 95th percentile and largest time against its 200 ms budget.
///
/// The ledger is generated once into --dir (a few minutes for a million entries on two
/// cores) and reused by later runs with the same directory. A small run:
///
///     cargo run --release --example dashboard_bench -- --entries 200000 --commitments 4000
#[derive(Parser)]
#[command(name = "dashboard_bench", max_term_width = 100, verbatim_doc_comment)]
struct Args {
    #[command(flatten)]
    ledger: kordon::synthetic::DataDirArgs,
    /// Timed requests per page, after one warm-up.
    #[arg(long, default_value_t = 15)]
    runs: usize,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() -> Result<()> {
    let args = Args::parse();
    let commitments = args.ledger.size.commitments;
    let runs = args.runs.max(1);
    let (dir, made) = args.ledger.open("kordon-dashboard-bench")?;
    if let Some(g) = made {
        println!("{g} into {}", dir.display());
    }
    let t = Instant::now();
    let ledger = Arc::new(
        kordon::datadir::open(&dir, kordon::ledger::system_clock())
            .with_context(|| format!("opening {}", dir.display()))?,
    );
    println!(
        "opened {} ({} entries) in {:.1} s",
        dir.display(),
        ledger.size(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let state = AppState::new(ledger.clone(), Config::default())?;
    println!(
        "projections built in {:.1} s (once, when the server starts)",
        t.elapsed().as_secs_f64()
    );

    // What to ask for: a busy commitment, a busy body, the last week, long periods, the past.
    let (card_id, history_len, body, last_day, first_day, mid, seq) = {
        let h = state.projector().read();
        let c = h
            .commitments
            .values()
            .max_by_key(|c| c.history.len())
            .context("the ledger has no commitment: give --commitments 1 or more")?;
        let body = c
            .lead_at(h.size())
            .or_else(|| c.co_executors_at(h.size()).into_iter().next())
            .map(|b| b.to_string())
            .unwrap_or_default();
        let last = h.date_of(h.entries.last().context("the ledger is empty")?.recorded_at);
        let first = h.date_of(h.entries[0].recorded_at);
        let mid = h.date_of(h.entries[h.entries.len() / 2].recorded_at);
        (
            c.id.to_string(),
            c.history.len(),
            body,
            last,
            first,
            mid,
            h.size() / 2,
        )
    };
    let day = |d: i64| {
        last_day
            .0
            .checked_add(jiff::Span::new().days(d))
            .unwrap_or(last_day.0)
            .to_string()
    };
    let week = {
        let w = last_day.0.iso_week_date();
        format!("{:04}-W{:02}", w.year(), w.week())
    };
    let enc = |s: &str| s.replace('/', "%2F");
    let pages: Vec<(String, String)> = vec![
        ("overview".into(), "/".into()),
        ("overview as of mid-year".into(), format!("/?as_of={mid}")),
        (
            format!("commitments ({commitments}, page 1 of 500 rows)"),
            "/dashboard/commitments".into(),
        ),
        (
            "commitments, sorted by deadline, page 3".into(),
            "/dashboard/commitments?sort=deadline&dir=desc&page=3".into(),
        ),
        (
            "commitments filtered (status + body)".into(),
            format!("/dashboard/commitments?status=in_progress&body={body}"),
        ),
        (
            "commitments as of mid-year".into(),
            format!("/dashboard/commitments?as_of={mid}"),
        ),
        (
            "commitments CSV (all rows)".into(),
            "/dashboard/commitments?format=csv".into(),
        ),
        (
            format!("commitment card ({history_len} records)"),
            format!("/dashboard/commitment?id={}", enc(&card_id)),
        ),
        (
            "commitment card as of mid-year".into(),
            format!("/dashboard/commitment?id={}&as_of={mid}", enc(&card_id)),
        ),
        ("bodies".into(), "/dashboard/bodies".into()),
        (
            format!("body {body}"),
            format!("/dashboard/bodies?id={body}"),
        ),
        (
            "changes, last 30 days".into(),
            format!("/dashboard/changes?since={}", day(-30)),
        ),
        (
            "changes, whole year".into(),
            format!("/dashboard/changes?since={first_day}&until={last_day}"),
        ),
        (
            format!("briefing {week}"),
            format!("/dashboard/briefing?week={week}"),
        ),
        ("integrity".into(), "/dashboard/integrity".into()),
        (
            format!("integrity, record {seq}"),
            format!("/dashboard/integrity?seq={seq}"),
        ),
    ];
    let app = server::router(state);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting a runtime")?;
    println!(
        "\n{:<48} {:>10} {:>10} {:>10} {:>9}  budget 200 ms",
        "page", "median", "p95", "max", "size"
    );
    let mut worst = Duration::ZERO;
    for (name, url) in &pages {
        let mut times = Vec::with_capacity(runs);
        let mut size = 0;
        for i in 0..=runs {
            let req = Request::get(url.as_str())
                .header(header::ACCEPT, "text/html")
                .body(Body::empty())
                .context("a request")?;
            let t = Instant::now();
            let (status, len) = rt.block_on(async {
                let resp = app.clone().oneshot(req).await?;
                let status = resp.status();
                let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                    .await
                    .context("reading an answer")?;
                anyhow::Ok((status, body.len()))
            })?;
            let el = t.elapsed();
            anyhow::ensure!(status == StatusCode::OK, "{url} answered {status}");
            size = len;
            if i > 0 {
                times.push(el);
            }
        }
        times.sort();
        let median = times[times.len() / 2];
        let p95 = times[((times.len() as f64 - 1.0) * 0.95).round() as usize];
        let max = times[times.len() - 1];
        worst = worst.max(p95);
        println!(
            "{:<48} {:>7.1} ms {:>7.1} ms {:>7.1} ms {:>6} KB  {}",
            name,
            ms(median),
            ms(p95),
            ms(max),
            size / 1024,
            if p95 <= Duration::from_millis(200) {
                "ok"
            } else {
                "OVER"
            }
        );
    }
    println!(
        "\nslowest page (95th percentile): {:.1} ms; {} runs per page after one warm-up",
        ms(worst),
        runs
    );
    Ok(())
}
