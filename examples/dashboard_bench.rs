//! How fast the dashboard's pages render on a large ledger: builds (once) a synthetic ledger
//! (`kordon::synthetic`, 1,000,000 entries and 20,000 commitments by default) in a data
//! directory, serves it with `kordon serve`'s router in process, and asks for every page —
//! latest and as of a past date, the big tables and the long periods included — printing each
//! page's median, 95th percentile and largest time (the whole request: routing, projections,
//! the checkpoint's root, HTML) against the 200 ms budget.
//!
//! Usage: cargo run --release --example dashboard_bench -- [--entries N] [--commitments M]
//! [--dir DIR] [--runs R]

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use kordon::server::{self, AppState, Config};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tower::ServiceExt;

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let entries: u64 = arg("--entries")
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let commitments: u64 = arg("--commitments")
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let runs: usize = arg("--runs").and_then(|s| s.parse().ok()).unwrap_or(15);
    let dir = PathBuf::from(
        arg("--dir").unwrap_or_else(|| format!("/tmp/kordon-dashboard-bench-{entries}")),
    );
    if !kordon::datadir::has_ledger(&dir) {
        let t = Instant::now();
        let params = kordon::synthetic::Params {
            entries,
            commitments,
            ..Default::default()
        };
        kordon::synthetic::generate_data_dir(&params, &dir).expect("generate the ledger");
        println!(
            "generated {entries} entries, {commitments} commitments in {} in {:.1} s",
            dir.display(),
            t.elapsed().as_secs_f64()
        );
    }
    let t = Instant::now();
    let ledger = Arc::new(
        kordon::datadir::open(&dir, kordon::ledger::system_clock()).expect("open the ledger"),
    );
    println!(
        "opened {} ({} entries) in {:.1} s",
        dir.display(),
        ledger.size(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let state = AppState::new(ledger.clone(), Config::default()).expect("the server state");
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
            .expect("a commitment");
        let body = c
            .lead_at(h.size())
            .or_else(|| c.co_executors_at(h.size()).into_iter().next())
            .map(|b| b.to_string())
            .unwrap_or_default();
        let last = h.date_of(h.entries.last().expect("entries").recorded_at);
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
            .expect("a date")
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
        .expect("a runtime");
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
                .expect("a request");
            let t = Instant::now();
            let (status, len) = rt.block_on(async {
                let resp = app.clone().oneshot(req).await.expect("an answer");
                let status = resp.status();
                let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                    .await
                    .expect("a body");
                (status, body.len())
            });
            let el = t.elapsed();
            assert_eq!(status, StatusCode::OK, "{url}");
            size = len;
            if i > 0 {
                times.push(el);
            }
        }
        times.sort();
        let median = times[times.len() / 2];
        let p95 = times[((times.len() as f64 - 1.0) * 0.95).round() as usize];
        let max = *times.last().expect("runs");
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
}
