//! `kordon query`: the oversight views, as tables, CSV or JSON, now or as of a past point.

use super::EXIT_OK;
use crate::core::projection::views::Table;
use crate::datadir;
use crate::projector::Projector;
use crate::query::{self, Request, View};
use crate::store::Store;
use anyhow::Result;
use clap::{Args, ValueEnum};
use std::path::Path;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Which view.
    view: View,
    /// A commitment id (required by `card`; filters `responsibility`).
    commitment: Option<String>,
    /// Only what concerns this body.
    #[arg(long)]
    body: Option<String>,
    /// Answer as of the end of a date (YYYY-MM-DD, the ledger's time zone) or after the first
    /// N entries (a number).
    #[arg(long, value_name = "DATE|N")]
    as_of: Option<String>,
    /// The day deadlines are compared with (default: the as-of date, else today).
    #[arg(long, value_name = "DATE")]
    today: Option<String>,
    /// Start of `changes` or `briefing` (date or entry count); briefing default: 7 days back.
    #[arg(long, value_name = "DATE|N")]
    since: Option<String>,
    /// End of `changes` or `briefing` (default: as of now).
    #[arg(long, value_name = "DATE|N")]
    until: Option<String>,
    /// The ISO week of a briefing, e.g. 2026-W37 (Monday to Sunday).
    #[arg(long, value_name = "YYYY-Www")]
    week: Option<String>,
    /// Output format: table (fits 80 columns), csv (a header row, one fact per column) or json.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

pub fn query(data: &Path, a: QueryArgs) -> Result<u8> {
    let store = datadir::open_store(data)?;
    let (projector, opened) = Projector::open_cached(&store, data)?;
    if let Some(why) = &opened.discarded {
        eprintln!(
            "warning: {} was not used ({why}); the projections were rebuilt from the ledger",
            data.join(crate::projector::SNAPSHOT_FILE).display()
        );
    }
    let h = projector.read();
    let snap = store.snapshot()?;
    let req = Request {
        commitment: a.commitment,
        body: a.body,
        as_of: a.as_of,
        today: a.today,
        since: a.since,
        until: a.until,
        week: a.week,
    };
    let ans = query::answer(&h, &*snap, a.view, &req, crate::ledger::system_clock()())?;
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&ans)?),
        Format::Csv => print!("{}", ans.csv()?),
        Format::Table => {
            println!(
                "{} as of entry {} ({}), checkpoint size {} root {}",
                ans.view,
                ans.as_of.size,
                ans.as_of.today,
                ans.checkpoint.size,
                &ans.checkpoint.root.to_hex()[..16]
            );
            print!("{}", render(&ans.narrow(), 80));
        }
    }
    Ok(EXIT_OK)
}

/// Renders a table in at most `width` columns: each column as wide as its widest cell; if
/// that is too wide, the widest columns give way first (down to 6 characters), and cells cut
/// short end in `…`.
pub fn render(t: &Table, width: usize) -> String {
    if t.rows.is_empty() {
        return "(nothing)\n".into();
    }
    let t = &Table {
        header: t.header.clone(),
        rows: t
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| query::terminal_safe(c).into_owned())
                    .collect()
            })
            .collect(),
    };
    let n = t.header.len();
    let mut w: Vec<usize> = t.header.iter().map(|h| h.chars().count()).collect();
    for r in &t.rows {
        for (i, c) in r.iter().enumerate().take(n) {
            w[i] = w[i].max(c.chars().count());
        }
    }
    let total = |w: &[usize]| w.iter().sum::<usize>() + 2 * (w.len().saturating_sub(1));
    while total(&w) > width {
        let (i, max) = w
            .iter()
            .copied()
            .enumerate()
            .max_by_key(|(_, x)| *x)
            .unwrap_or((0, 0));
        if max <= 6 {
            break;
        }
        w[i] = max - 1;
    }
    let cut = |c: &str, w: usize| -> String {
        if c.chars().count() <= w {
            c.to_string()
        } else {
            let mut s: String = c.chars().take(w.saturating_sub(1)).collect();
            s.push('…');
            s
        }
    };
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate().take(n) {
            let c = cut(c, w[i]);
            if i + 1 == n {
                s.push_str(&c);
            } else {
                let pad = w[i] - c.chars().count();
                s.push_str(&c);
                s.push_str(&" ".repeat(pad + 2));
            }
        }
        let mut s = s.trim_end().to_string();
        s.push('\n');
        s
    };
    let mut out = line(t.header.clone());
    for r in &t.rows {
        out.push_str(&line(r.iter().map(|s| s.as_str()).collect()));
    }
    out
}
