//! Answering a view request: resolve the points it names, compute the view from the
//! projections, and name the checkpoint it was computed at. Shared by `kordon query` and the
//! HTTP API, so both give the same answers to the same question.

use crate::core::l10n::Lang;
use crate::core::projection::views::{self, Table, Tabular};
use crate::core::projection::{History, Point};
use crate::core::types::{BodyId, CommitmentId, Date, Millis};
use crate::projector::{self, At};
use crate::store::{Snapshot, StoreError};
use serde::{Deserialize, Serialize};

/// The views.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
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

impl View {
    pub const ALL: [View; 8] = [
        View::Responsibility,
        View::Card,
        View::Overdue,
        View::Scorecard,
        View::Objectives,
        View::Changes,
        View::Briefing,
        View::Quality,
    ];

    pub fn name(self) -> &'static str {
        match self {
            View::Responsibility => "responsibility",
            View::Card => "card",
            View::Overdue => "overdue",
            View::Scorecard => "scorecard",
            View::Objectives => "objectives",
            View::Changes => "changes",
            View::Briefing => "briefing",
            View::Quality => "quality",
        }
    }
}

/// A question, as the CLI's flags or the API's query parameters put it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Request {
    /// A commitment id (required by `card`; filters `responsibility`).
    pub commitment: Option<String>,
    /// Only what concerns this body.
    pub body: Option<String>,
    /// The end of a date (YYYY-MM-DD, the ledger's time zone) or a number of entries.
    pub as_of: Option<String>,
    /// The day deadlines are compared with (default: the as-of date, else today).
    pub today: Option<String>,
    /// Start of `changes` or `briefing` (a date or a number of entries).
    pub since: Option<String>,
    /// End of `changes` or `briefing` (default: as of now).
    pub until: Option<String>,
    /// The ISO week of a briefing, e.g. 2026-W37.
    pub week: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// The question is malformed; the message says how to ask it.
    #[error("{0}")]
    BadRequest(String),
    /// The question is well-formed but names something that does not exist at that point.
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn bad<T>(msg: impl Into<String>) -> Result<T, QueryError> {
    Err(QueryError::BadRequest(msg.into()))
}

/// A view's result.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ViewResult {
    Responsibility(views::ResponsibilityView),
    Card(Box<views::Card>),
    Overdue(views::OverdueView),
    Scorecard(views::ScorecardView),
    Objectives(views::ObjectivesView),
    Changes(views::ChangesView),
    Briefing(views::Briefing),
    Quality(views::QualityView),
}

impl ViewResult {
    fn tabular(&self) -> &dyn Tabular {
        match self {
            ViewResult::Responsibility(v) => v,
            ViewResult::Card(v) => &**v,
            ViewResult::Overdue(v) => v,
            ViewResult::Scorecard(v) => v,
            ViewResult::Objectives(v) => v,
            ViewResult::Changes(v) => v,
            ViewResult::Briefing(v) => v,
            ViewResult::Quality(v) => v,
        }
    }
}

/// An answer: the view, the checkpoint it was computed at, the point it describes, and the
/// result. Its JSON form is stable.
#[derive(Debug, Clone, Serialize)]
pub struct Answer {
    pub view: &'static str,
    pub checkpoint: At,
    pub as_of: Point,
    pub result: ViewResult,
}

impl Answer {
    /// Every fact in its own column, for CSV; kordon's texts (summaries, reasons) in `l`.
    pub fn table(&self, l: Lang) -> Table {
        self.result.tabular().table(l)
    }

    /// The table for an 80-column terminal.
    pub fn narrow(&self, l: Lang) -> Table {
        self.result.tabular().narrow(l)
    }

    /// The table with its column headings in words for people in `l`, for a terminal (CSV keeps
    /// the column keys, which scripts read).
    pub fn narrow_for_people(&self, l: Lang) -> Table {
        let mut t = self.narrow(l);
        t.header = t.header.iter().map(|k| heading(l, k)).collect();
        t
    }

    /// CSV: UTF-8, a header row, one fact per column; cells a spreadsheet would run as a
    /// formula are neutralised (`csv_safe`).
    pub fn csv(&self, l: Lang) -> Result<String, csv::Error> {
        let t = self.table(l);
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&t.header)?;
        for r in &t.rows {
            w.write_record(r.iter().map(|c| csv_safe(c).into_owned()))?;
        }
        let bytes = w.into_inner().map_err(|e| e.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// A cell that a spreadsheet would read as a formula gets a leading apostrophe: one that starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return, also after leading white space and in
/// their full-width forms (`＝＋－＠`, which spreadsheets fold to the ASCII ones). Numbers
/// (`-3`, `+1.5`) stay as they are. The ledger's texts are untrusted; the dashboard's script
/// does the same for the CSV it makes.
pub fn csv_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let first = s.trim_start_matches(|c: char| c.is_whitespace() && c != '\t' && c != '\r');
    let risky = first.starts_with([
        '=', '+', '-', '@', '\t', '\r', '\u{FF1D}', '\u{FF0B}', '\u{FF0D}', '\u{FF20}',
    ]);
    if risky && s.trim().parse::<f64>().is_err() {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// Text from the ledger made safe for a terminal: control characters (C0, DEL, C1) and the
/// bidirectional embeddings, overrides and isolates are written as visible `\u{…}` escapes,
/// so no escape sequence or reordering reaches the terminal.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    fn unsafe_char(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
    }
    if !s.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Resolves `DATE|N` to a point; `today` overrides the point's day.
pub fn point(h: &History, s: &str, today: Option<Date>) -> Result<Point, QueryError> {
    let p = if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
        // One spelling of a count: `007` is not 7 entries.
        let n = crate::core::types::parse_canonical_u64(s).ok_or_else(|| {
            QueryError::BadRequest(format!(
                "{s} is not a number of entries: write it without leading zeros"
            ))
        })?;
        if n > h.size() {
            return bad(format!(
                "the ledger has {} entries; {n} is beyond it",
                h.size()
            ));
        }
        h.point_at_size(n)
    } else {
        match Date::parse(s) {
            Ok(d) => h.point_at_date(d),
            Err(e) => {
                return bad(format!(
                    "{e} (give a date YYYY-MM-DD or a number of entries)"
                ))
            }
        }
    };
    Ok(Point {
        today: today.unwrap_or(p.today),
        ..p
    })
}

/// Monday and Sunday of an ISO week such as `2026-W37`.
pub fn iso_week(s: &str) -> Result<(Date, Date), QueryError> {
    let err = || QueryError::BadRequest(format!("{s:?} is not an ISO week like 2026-W37"));
    let (y, w) = s.split_once("-W").ok_or_else(err)?;
    let y: i16 = y.parse().map_err(|_| err())?;
    let w: i8 = w.parse().map_err(|_| err())?;
    let monday = jiff::civil::ISOWeekDate::new(y, w, jiff::civil::Weekday::Monday)
        .map_err(|_| err())?
        .date();
    let sunday = monday
        .checked_add(jiff::Span::new().days(6))
        .map_err(|_| err())?;
    Ok((Date(monday), Date(sunday)))
}

/// Answers `view` for `req` over projections `h` of the ledger read through `snap`. `now` is
/// the present time, for "today" when the request names no point.
pub fn answer(
    h: &History,
    snap: &dyn Snapshot,
    view: View,
    req: &Request,
    now: Millis,
) -> Result<Answer, QueryError> {
    let asked = ask(h, req, now)?;
    let (at, result) = match view {
        View::Responsibility => wrap(asked.responsibility(h), ViewResult::Responsibility),
        View::Card => wrap(asked.card(h)?, |c| ViewResult::Card(Box::new(c))),
        View::Overdue => wrap(asked.overdue(h), ViewResult::Overdue),
        View::Scorecard => wrap(asked.scorecard(h), ViewResult::Scorecard),
        View::Objectives => wrap(asked.objectives(h), ViewResult::Objectives),
        View::Quality => wrap(asked.quality(h), ViewResult::Quality),
        View::Changes => wrap(asked.changes(h)?, ViewResult::Changes),
        View::Briefing => wrap(asked.briefing(h)?, ViewResult::Briefing),
    };
    Ok(Answer {
        view: view.name(),
        checkpoint: projector::at(snap, at.size)?,
        as_of: at,
        result,
    })
}

fn wrap<T>((p, v): (Point, T), f: impl FnOnce(T) -> ViewResult) -> (Point, ViewResult) {
    (p, f(v))
}

/// One view's result, typed, with the checkpoint and the point it was computed at: what
/// [`answer`] puts in an [`Answer`] as a `ViewResult`. For callers that know which view they
/// asked (the dashboard's pages).
#[derive(Debug, Clone)]
pub struct Answered<T> {
    pub checkpoint: At,
    pub as_of: Point,
    pub result: T,
}

/// A view computed by an [`Asked`] (its point and result), with the checkpoint of that point.
pub fn answered<T>(
    snap: &dyn Snapshot,
    (p, result): (Point, T),
) -> Result<Answered<T>, QueryError> {
    Ok(Answered {
        checkpoint: projector::at(snap, p.size)?,
        as_of: p,
        result,
    })
}

/// A request resolved against the projections: its points and filters, checked once, from
/// which every view is computed.
#[derive(Debug, Clone)]
pub struct Asked {
    /// The day deadlines are compared with, if the request names one.
    pub today: Option<Date>,
    /// The request's point: `as_of`, else now.
    pub at: Point,
    /// The end of a period: `until`, else `at`.
    pub until: Point,
    pub body: Option<BodyId>,
    pub commitment: Option<CommitmentId>,
    /// The start of a period, as given (resolved by the view that needs it).
    pub since: Option<String>,
    /// A briefing's ISO week, as given.
    pub week: Option<String>,
}

/// Resolves `req` over `h`; `now` is the present, for "today" when the request names no point.
pub fn ask(h: &History, req: &Request, now: Millis) -> Result<Asked, QueryError> {
    let today = match req.today.as_deref() {
        Some(t) => Some(Date::parse(t).map_err(QueryError::BadRequest)?),
        None => None,
    };
    let at = match &req.as_of {
        Some(s) => point(h, s, today)?,
        None => Point {
            size: h.size(),
            today: today.unwrap_or_else(|| h.date_of(now)),
        },
    };
    let body = match req.body.as_deref() {
        Some(b) => {
            let b = BodyId::parse(b).map_err(|e| QueryError::BadRequest(format!("body: {e}")))?;
            if !h.bodies.contains_key(&b) {
                return Err(QueryError::NotFound(format!("body {b} is not registered")));
            }
            Some(b)
        }
        None => None,
    };
    let commitment = match req.commitment.as_deref() {
        Some(c) => Some(
            CommitmentId::parse(c)
                .map_err(|e| QueryError::BadRequest(format!("commitment: {e}")))?,
        ),
        None => None,
    };
    let until = match &req.until {
        Some(s) => point(h, s, today)?,
        None => at,
    };
    Ok(Asked {
        today,
        at,
        until,
        body,
        commitment,
        since: req.since.clone(),
        week: req.week.clone(),
    })
}

impl Asked {
    pub fn responsibility(&self, h: &History) -> (Point, views::ResponsibilityView) {
        let v = views::responsibility(h, self.at, self.commitment.as_ref(), self.body.as_ref());
        (self.at, v)
    }

    pub fn card(&self, h: &History) -> Result<(Point, views::Card), QueryError> {
        let Some(id) = &self.commitment else {
            return bad("card needs a commitment id, e.g. AP-2026/2.1");
        };
        match views::card(h, self.at, id) {
            Some(c) => Ok((self.at, c)),
            None => Err(QueryError::NotFound(format!(
                "commitment {id} does not exist at that point"
            ))),
        }
    }

    pub fn overdue(&self, h: &History) -> (Point, views::OverdueView) {
        (self.at, views::overdue(h, self.at, self.body.as_ref()))
    }

    pub fn scorecard(&self, h: &History) -> (Point, views::ScorecardView) {
        (self.at, views::scorecard(h, self.at, self.body.as_ref()))
    }

    pub fn objectives(&self, h: &History) -> (Point, views::ObjectivesView) {
        (self.at, views::objectives(h, self.at))
    }

    pub fn quality(&self, h: &History) -> (Point, views::QualityView) {
        (self.at, views::data_quality(h, self.at))
    }

    pub fn changes(&self, h: &History) -> Result<(Point, views::ChangesView), QueryError> {
        let Some(since) = self.since.as_deref() else {
            return bad("changes needs since (a date YYYY-MM-DD or a number of entries)");
        };
        let from = point(h, since, self.today)?;
        Ok((self.until, views::changes(h, from, self.until)))
    }

    pub fn briefing(&self, h: &History) -> Result<(Point, views::Briefing), QueryError> {
        let (from, to) = match (&self.week, &self.since) {
            (Some(w), _) => {
                let (mon, sun) = iso_week(w)?;
                let before = mon
                    .0
                    .yesterday()
                    .map_err(|e| QueryError::BadRequest(e.to_string()))?;
                (h.point_at_date(Date(before)), h.point_at_date(sun))
            }
            (None, Some(s)) => (point(h, s, self.today)?, self.until),
            (None, None) => {
                let start = self
                    .until
                    .today
                    .0
                    .checked_sub(jiff::Span::new().days(7))
                    .map_err(|e| QueryError::BadRequest(e.to_string()))?;
                (h.point_at_date(Date(start)), self.until)
            }
        };
        Ok((to, views::briefing(h, from, to)))
    }
}

/// A column's heading for people: Ukrainian words for the column keys of the views' tables;
/// in English, the key itself (short, and what CSV and the JSON call it).
pub fn heading(l: Lang, key: &'static str) -> &'static str {
    if l == Lang::En {
        return key;
    }
    match key {
        "seq" => "№",
        "date" => "дата",
        "type" => "тип",
        "author" => "автор",
        "summary" => "зміст",
        "recorded_at" => "записано",
        "key" => "ключ",
        "commitment" => "зобов’язання",
        "commitments" => "зобов’язань",
        "phase" => "етап",
        "lead" => "відповідальний",
        "co_executors" => "співвиконавці",
        "lead_since" => "відповідає з",
        "pending" => "очікує",
        "reassignments" => "перепризначень",
        "kind" => "вид",
        "item" => "пункт",
        "body" => "орган",
        "due" => "строк",
        "days" => "днів",
        "detail" => "подробиці",
        "held" => "веде",
        "coex" | "co_exec" => "співвик.",
        "await" | "awaiting" => "не прийн.",
        "done" | "claimed_done" => "заявл. вик.",
        "conf" | "confirmed" => "підтв.",
        "late" | "overdue" => "простр.",
        "redat" | "redated" => "змін строку",
        "ho in/out" => "передачі до/від",
        "ho_in" => "передачі до",
        "ho_out" => "передачі від",
        "inq ok/lt/op" => "запити вч/із зап/без відп",
        "inq_on_time" => "запити вчасно",
        "inq_late" => "запити із запізненням",
        "inq_open" => "запити без відповіді",
        "open" => "відкриті",
        "statuses" => "стани",
        "section" => "розділ",
        other => other,
    }
}
