//! `kordon query`: the oversight views, as tables, CSV or JSON, now or as of a past point.

use super::EXIT_OK;
use crate::core::projection::views::{self, Table, Tabular};
use crate::core::projection::{History, Point};
use crate::core::types::{BodyId, CommitmentId, Date, Millis};
use crate::datadir;
use crate::projector::{self, Projector};
use crate::store::Store;
use anyhow::{anyhow, bail, Result};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum View {
    /// Lead and co-executors of each commitment, with their intervals and pending handovers.
    Responsibility,
    /// Everything about one commitment, with its signed history.
    Card,
    /// Overdue and at-risk items, late inquiries, assignments never accepted.
    Overdue,
    /// Per body: held, claimed, confirmed, overdue, re-dated, handovers, inquiries.
    Scorecard,
    /// Commitments rolled up by objective and by EU IBM component.
    Objectives,
    /// What was added, handed over, re-dated, reported, assessed between two points.
    Changes,
    /// The weekly briefing: new items, handovers, status and deadline changes, newly overdue,
    /// open inquiries.
    Briefing,
    /// Missing baselines, targets or units; claims without evidence; bodies that never report.
    Quality,
}

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

/// What `--format json` prints: the view with the checkpoint it was computed at.
#[derive(Serialize)]
struct Answer<'a, T: Serialize> {
    view: &'a str,
    checkpoint: projector::At,
    as_of: Point,
    result: T,
}

fn today_utc_date(h: &History) -> Date {
    let now = crate::ledger::system_clock()();
    h.date_of(Millis(now.0))
}

/// Resolves `DATE|N` to a point.
fn point(h: &History, s: &str, today: Option<Date>) -> Result<Point> {
    let p = if s.bytes().all(|c| c.is_ascii_digit()) {
        let n: u64 = s.parse()?;
        if n > h.size() {
            bail!("the ledger has {} entries; {n} is beyond it", h.size());
        }
        h.point_at_size(n)
    } else {
        let d = Date::parse(s)
            .map_err(|e| anyhow!("{e} (give a date YYYY-MM-DD or an entry count)"))?;
        h.point_at_date(d)
    };
    Ok(Point {
        today: today.unwrap_or(p.today),
        ..p
    })
}

fn iso_week(s: &str) -> Result<(Date, Date)> {
    let bad = || anyhow!("{s:?} is not an ISO week like 2026-W37");
    let (y, w) = s.split_once("-W").ok_or_else(bad)?;
    let y: i16 = y.parse().map_err(|_| bad())?;
    let w: i8 = w.parse().map_err(|_| bad())?;
    let monday = jiff::civil::ISOWeekDate::new(y, w, jiff::civil::Weekday::Monday)
        .map_err(|_| bad())?
        .date();
    let sunday = monday
        .checked_add(jiff::Span::new().days(6))
        .map_err(|_| bad())?;
    Ok((Date(monday), Date(sunday)))
}

pub fn query(data: &Path, a: QueryArgs) -> Result<u8> {
    let store = datadir::open_store(data)?;
    let (projector, _) = Projector::open_cached(&store, data)?;
    let h = projector.read();
    let snap = store.snapshot()?;
    let today = a
        .today
        .as_deref()
        .map(Date::parse)
        .transpose()
        .map_err(|e| anyhow!(e))?;
    let now = match &a.as_of {
        Some(s) => point(&h, s, today)?,
        None => Point {
            size: h.size(),
            today: today.unwrap_or_else(|| today_utc_date(&h)),
        },
    };
    let body = a
        .body
        .as_deref()
        .map(BodyId::parse)
        .transpose()
        .map_err(|e| anyhow!("--body: {e}"))?;
    if let Some(b) = &body {
        if !h.bodies.contains_key(b) {
            bail!("body {b} is not registered");
        }
    }
    let commitment = a
        .commitment
        .as_deref()
        .map(CommitmentId::parse)
        .transpose()
        .map_err(|e| anyhow!("commitment: {e}"))?;
    let until = match &a.until {
        Some(s) => point(&h, s, today)?,
        None => now,
    };
    let name = format!("{:?}", a.view).to_lowercase();
    let out = |at: Point, v: &dyn Emit| -> Result<u8> {
        let cp = projector::at(&*snap, at.size)?;
        v.emit(&name, cp, at, a.format)?;
        Ok(EXIT_OK)
    };
    match a.view {
        View::Responsibility => out(
            now,
            &views::responsibility(&h, now, commitment.as_ref(), body.as_ref()),
        ),
        View::Card => {
            let id = commitment.ok_or_else(|| {
                anyhow!("card needs a commitment id, e.g. kordon query card AP-2026/2.1")
            })?;
            let c = views::card(&h, now, &id)
                .ok_or_else(|| anyhow!("commitment {id} does not exist at that point"))?;
            out(now, &c)
        }
        View::Overdue => out(now, &views::overdue(&h, now, body.as_ref())),
        View::Scorecard => out(now, &views::scorecard(&h, now, body.as_ref())),
        View::Objectives => out(now, &views::objectives(&h, now)),
        View::Quality => out(now, &views::data_quality(&h, now)),
        View::Changes => {
            let since = a
                .since
                .as_deref()
                .ok_or_else(|| anyhow!("changes needs --since DATE|N"))?;
            let from = point(&h, since, today)?;
            out(until, &views::changes(&h, from, until))
        }
        View::Briefing => {
            let (from, to) = match (&a.week, &a.since) {
                (Some(w), _) => {
                    let (mon, sun) = iso_week(w)?;
                    let before = Date(mon.0.yesterday().map_err(|e| anyhow!("{e}"))?);
                    (h.point_at_date(before), h.point_at_date(sun))
                }
                (None, Some(s)) => (point(&h, s, today)?, until),
                (None, None) => {
                    let start = until
                        .today
                        .0
                        .checked_sub(jiff::Span::new().days(7))
                        .map_err(|e| anyhow!("{e}"))?;
                    (h.point_at_date(Date(start)), until)
                }
            };
            out(to, &views::briefing(&h, from, to))
        }
    }
}

/// A view that prints itself in each format.
trait Emit {
    fn emit(&self, name: &str, cp: projector::At, at: Point, format: Format) -> Result<()>;
}

impl<T: Serialize + Tabular> Emit for T {
    fn emit(&self, name: &str, cp: projector::At, at: Point, format: Format) -> Result<()> {
        match format {
            Format::Json => {
                let a = Answer {
                    view: name,
                    checkpoint: cp,
                    as_of: at,
                    result: self,
                };
                println!("{}", serde_json::to_string_pretty(&a)?);
            }
            Format::Csv => {
                let t = self.table();
                let mut w = csv::Writer::from_writer(std::io::stdout());
                w.write_record(&t.header)?;
                for r in &t.rows {
                    w.write_record(r)?;
                }
                w.flush()?;
            }
            Format::Table => {
                println!(
                    "{name} as of entry {} ({}), checkpoint size {} root {}",
                    at.size,
                    at.today,
                    cp.size,
                    &cp.root.to_hex()[..16]
                );
                print!("{}", render(&self.narrow(), 80));
            }
        }
        Ok(())
    }
}

/// Renders a table in at most `width` columns: each column as wide as its widest cell; if
/// that is too wide, the widest columns give way first (down to 6 characters), and cells cut
/// short end in `…`.
pub fn render(t: &Table, width: usize) -> String {
    if t.rows.is_empty() {
        return "(nothing)\n".into();
    }
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
