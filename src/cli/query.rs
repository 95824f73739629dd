//! `kordon query`: the oversight views, as tables, CSV or JSON, now or as of a past point.

use super::EXIT_OK;
use crate::core::l10n::{self, Fingerprint, Lang};
use crate::core::projection::views::Table;
use crate::datadir;
use crate::projector::Projector;
use crate::query::{self, Request, View};
use crate::store::Store;
use anyhow::Result;
use clap::{Args, ValueEnum};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
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
    pub format: Format,
    /// With --format csv: start the file with the UTF-8 byte-order mark (EF BB BF). Excel on
    /// Windows reads a CSV without it in the system's legacy code page (Cyrillic comes out as
    /// mojibake on a Ukrainian Windows); with it, as UTF-8. Scripts and most other tools
    /// expect plain UTF-8, the default. The dashboard's CSV downloads always carry the mark.
    #[arg(long, requires = "format")]
    pub bom: bool,
    /// The language of the table's headings and of the texts kordon writes in it (record
    /// summaries, reasons): uk or en. Default: the locale (LC_ALL, then LC_MESSAGES, then
    /// LANG, as en_GB.UTF-8 or uk_UA.UTF-8), and Ukrainian when the locale names neither.
    /// (A ledger records no language of its own.) CSV keeps its column keys in any language;
    /// JSON carries both languages.
    #[arg(long, value_name = "uk|en", value_parser = parse_lang)]
    lang: Option<Lang>,
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("{s:?} is not a language kordon speaks: use uk or en"))
}

/// The language the environment asks for: the first of LC_ALL, LC_MESSAGES and LANG that is
/// set and not empty decides (POSIX's order); a locale kordon does not speak, such as C,
/// leaves Ukrainian, kordon's first language.
pub fn locale_lang() -> Lang {
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.is_empty())
        .and_then(|v| Lang::parse(&v))
        .unwrap_or(Lang::Uk)
}

pub fn query(data: &Path, a: QueryArgs) -> Result<u8> {
    let store = datadir::open_store(data)?;
    let (projector, opened) = Projector::open_cached(&store, data)?;
    if let Some(why) = &opened.discarded {
        eprintln!(
            "warning: the snapshot of the projections (projections.snap) was not used ({why}); the projections were rebuilt from the ledger"
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
    let l = a.lang.unwrap_or_else(locale_lang);
    match a.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&ans)?),
        Format::Csv if a.bom => print!("\u{feff}{}", ans.csv(l)?),
        Format::Csv => print!("{}", ans.csv(l)?),
        Format::Table => {
            let fp = Fingerprint {
                size: ans.checkpoint.size,
                root: ans.checkpoint.root,
            };
            let (entry, today) = (ans.as_of.size, l10n::date(l, ans.as_of.today));
            match l {
                Lang::Uk => println!(
                    "{} станом на запис {entry} ({today}); відбиток: {}",
                    ans.view,
                    fp.quote(l, &h.origin)
                ),
                Lang::En => println!(
                    "{} as of entry {entry} ({today}); fingerprint: {}",
                    ans.view,
                    fp.quote(l, &h.origin)
                ),
            }
            print!("{}", render(&ans.narrow_for_people(l), 80, l));
        }
    }
    Ok(EXIT_OK)
}

/// The fingerprint line every command that names a checkpoint prints, in the locale's
/// language: "fingerprint: kordon.demo/ibm · 170 entries · root f5f9 40d6 …".
pub fn fingerprint_line(origin: &str, size: u64, root: crate::core::hash::Hash) -> String {
    let l = locale_lang();
    format!(
        "{}: {}",
        l.pick("відбиток", "fingerprint"),
        Fingerprint { size, root }.quote(l, origin)
    )
}

/// Renders a table in at most `width` columns: each column as wide as its widest cell; if
/// that is too wide, the widest columns give way first (down to 6 characters), and cells cut
/// short end in `…`.
pub fn render(t: &Table, width: usize, l: Lang) -> String {
    if t.rows.is_empty() {
        return l.pick("(нічого)\n", "(nothing)\n").into();
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
