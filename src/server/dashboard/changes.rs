//! Changes: what was added, handed over, re-dated, reported, assessed, closed and asked between
//! two dates or two hearings (`View::Changes`), and how the status counts moved.

use super::html::E;
use super::i18n::{self, M};
use super::{documented, given, render, Content, Cx, Fail, Page, PageQuery, PageRequest};
use crate::core::entry::EntryRef;
use crate::core::event::{self, Body, EventKind, Role};
use crate::core::events::Section;
use crate::core::projection::views::{self, Change};
use crate::core::projection::{History, Point};
use crate::core::types::Date;
use crate::projector::At;
use crate::query;
use crate::server::{AppState, Routes, Q};
use crate::store::Snapshot;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use utoipa::IntoParams;

pub const PAGE: Page = Page {
    section: "changes",
    menu: Some(M::changes),
    path: "/dashboard/changes",
    route,
    doc: documented::<__path_page>,
};

fn route(r: Routes) -> Routes {
    r.get("/dashboard/changes", page)
}

/// The most changes listed per section; the CSV link has them all.
pub const SECTION_LIMIT: usize = 200;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// The start: a date (YYYY-MM-DD, changes after the end of that day) or a number of
    /// entries. Default: the last hearing, else 30 days before.
    pub since: Option<String>,
    /// The end: a date or a number of entries. Default: the page's as-of point.
    pub until: Option<String>,
}

/// The changes between two points.
#[utoipa::path(get, path = "/dashboard/changes", tag = "dashboard", operation_id = "dashboard_changes", params(PageQuery, ChangesQuery),
    responses(
        (status = 200, description = "The page", body = String, content_type = "text/html"),
        (status = 400, description = "A date or size is malformed or beyond the ledger: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<ChangesQuery>,
) -> Response {
    render(st, req, &PAGE, move |cx, h, snap| {
        let v = view(cx, h, snap, &q)?;
        Ok(content(cx, h, &q, &v))
    })
    .await
}

/// What changed between two points, as a page shows it: how many changes each section has, and
/// the latest `limit` of each, newest first. The same facts as `views::changes` (built the same
/// way, from the projections' per-entry facts), but a long period costs a pass over small
/// per-entry records instead of a `Change` for every entry: a year of a large ledger stays
/// within a page's time budget.
pub struct Summary {
    pub from: Point,
    pub to: Point,
    /// By section, in the order of `Section::ALL`.
    pub counts: [usize; Section::ALL.len()],
    pub latest: [Vec<Change>; Section::ALL.len()],
}

impl Summary {
    pub fn total(&self) -> usize {
        self.counts.iter().sum()
    }
}

pub fn summarize(h: &History, from: Point, to: Point, limit: usize) -> Summary {
    let mut out = Summary {
        from,
        to,
        counts: [0; Section::ALL.len()],
        latest: Default::default(),
    };
    let (a, b) = (from.size.min(h.size()), to.size.min(h.size()));
    for seq in (a..b.max(a)).rev() {
        let s = h.entries[seq as usize].kind.section().index();
        out.counts[s] += 1;
        if out.latest[s].len() < limit {
            out.latest[s].extend(views::change_at(h, seq));
        }
    }
    out
}

/// A table of changes.
pub fn table(cx: &Cx, h: &History, out: &mut String, rows: &[&Change]) {
    let _ = write!(
        out,
        "<div class=\"table-wrap\"><table class=\"data changes\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        E(cx.t(M::seq)),
        E(cx.t(M::recorded_at)),
        E(cx.t(M::event_type)),
        E(cx.t(M::author)),
        E(cx.t(M::commitment)),
        E(cx.t(M::summary)),
    );
    for c in rows {
        let author = crate::core::types::BodyId::parse(&c.author)
            .map(|b| cx.body_link(h, &b))
            .unwrap_or_else(|_| E(&c.author).to_string());
        let _ = write!(
            out,
            "<tr><td class=\"num\"><a href=\"{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            E(&cx.link("/dashboard/integrity", &[("seq", &c.seq.to_string())])),
            c.seq,
            cx.datetime(c.recorded_at),
            E(i18n::event_type(cx.lang, c.kind)),
            author,
            c.commitment
                .as_ref()
                .map(|id| cx.commitment_link(id))
                .unwrap_or_default(),
            E(c.summary.get(cx.lang)),
        );
    }
    out.push_str("</tbody></table></div>");
}

/// A general record of an overseer (a note not about one commitment): the hearings.
pub struct Hearing {
    pub seq: u64,
    pub date: Date,
    pub text: String,
}

/// The overseers' general records up to `size`, latest first (at most `max`). Reads the
/// projections' per-entry facts, then only those entries from the store.
pub fn hearings(h: &History, snap: &dyn Snapshot, size: u64, max: usize) -> Vec<Hearing> {
    let overseer = |ix: u32| {
        h.body_at(ix)
            .and_then(|b| h.bodies.get(b))
            .is_some_and(|b| b.roles.contains(&Role::Overseer))
    };
    let mut out = Vec::new();
    let end = (size as usize).min(h.entries.len());
    for seq in (0..end).rev() {
        let e = &h.entries[seq];
        if e.commitment != u32::MAX || e.kind != EventKind::NoteAdded || !overseer(e.author) {
            continue;
        }
        let text = snap
            .entries(seq as u64, seq as u64 + 1)
            .ok()
            .and_then(|mut v| v.pop())
            .and_then(|b| {
                let e = EntryRef::decode(&b).ok()?;
                match event::parse_trusted(e.event).ok()?.body {
                    Body::NoteAdded(n) => Some(n.text),
                    _ => None,
                }
            })
            .unwrap_or_default();
        out.push(Hearing {
            seq: seq as u64,
            date: h.date_of(e.recorded_at),
            text,
        });
        if out.len() >= max {
            break;
        }
    }
    out
}

fn excerpt(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// Status counts (latest claims) of every commitment at a point, with overdue and open.
fn counts(h: &History, p: Point) -> (BTreeMap<String, u32>, u32, u32) {
    let v = views::objectives(h, p);
    let mut all = BTreeMap::new();
    let (mut overdue, mut open) = (0, 0);
    for r in &v.objectives {
        for (k, n) in &r.statuses {
            *all.entry(k.clone()).or_insert(0) += n;
        }
        overdue += r.overdue;
        open += r.open;
    }
    (all, overdue, open)
}

/// What the page shows: the period asked for (default: since the last hearing, else 30 days),
/// as known at the page's point, and the overseers' records that can bound it.
pub struct Period {
    /// The start as the date form shows it: as asked, else the default.
    pub since: String,
    pub hearings: Vec<Hearing>,
    /// The end point's checkpoint.
    pub at: At,
    pub summary: Summary,
}

pub fn view(cx: &Cx, h: &History, snap: &dyn Snapshot, q: &ChangesQuery) -> Result<Period, Fail> {
    let point = cx.point(h)?;
    let hearings = hearings(h, snap, point.size, 40);
    let since = match given(&q.since) {
        Some(s) => s.to_string(),
        None => hearings
            .iter()
            .find(|x| x.date < point.today)
            .map(|x| x.date.to_string())
            .or_else(|| {
                point
                    .today
                    .0
                    .checked_sub(jiff::Span::new().days(30))
                    .ok()
                    .map(|d| d.to_string())
            })
            .unwrap_or_default(),
    };
    let until = given(&q.until).map(str::to_string);
    // A period that ends after the page's as-of point stops there.
    let until_asked = match (&until, &cx.req.as_of) {
        (Some(u), Some(a)) if cx.point_param(h, M::until, u)?.size > point.size => Some(a.clone()),
        _ => until.clone(),
    };
    // The two points, as `query::answer` resolves them for `View::Changes`.
    let from_point = cx.point_param(h, M::since, &since)?;
    let to_point = match &until_asked {
        Some(u) => cx.point_param(h, M::until, u)?,
        None => point,
    };
    let at = crate::projector::at(snap, to_point.size).map_err(query::QueryError::from)?;
    Ok(Period {
        summary: summarize(h, from_point, to_point, SECTION_LIMIT),
        since,
        hearings,
        at,
    })
}

pub fn content(cx: &Cx, h: &History, q: &ChangesQuery, v: &Period) -> Content {
    let mut m = String::with_capacity(64 * 1024);
    let _ = write!(m, "<h1>{}</h1>", E(cx.t(M::changes)));
    dates_form(&mut m, cx, q, v);
    hearings_form(&mut m, cx, q, v);
    delta(&mut m, cx, h, &v.summary);
    sections(&mut m, cx, h, &v.summary);
    Content {
        title: cx.t(M::changes).to_string(),
        main: m,
        point: v.summary.to,
        at: v.at,
    }
}

/// The page's as-of point, kept by a form.
fn as_of_input(m: &mut String, cx: &Cx) {
    if let Some(a) = &cx.req.as_of {
        let _ = write!(
            m,
            "<input type=\"hidden\" name=\"as_of\" value=\"{}\">",
            E(a)
        );
    }
}

/// Two dates.
fn dates_form(m: &mut String, cx: &Cx, q: &ChangesQuery, v: &Period) {
    let _ = write!(
        m,
        "<form class=\"filters\" method=\"get\" action=\"/dashboard/changes\"><fieldset><legend>{}</legend>\
         <div class=\"field\"><label for=\"since\">{}</label>{}</div>\
         <div class=\"field\"><label for=\"until\">{}</label>{}</div>",
        E(cx.t(M::between)),
        E(cx.t(M::since)),
        cx.date_field(
            "since",
            "since",
            if v.since.len() == 10 { &v.since } else { "" },
            " required"
        ),
        E(cx.t(M::until)),
        cx.date_field(
            "until",
            "until",
            given(&q.until).filter(|u| u.len() == 10).unwrap_or(""),
            ""
        ),
    );
    as_of_input(m, cx);
    let _ = write!(
        m,
        "<button type=\"submit\">{}</button></fieldset></form>",
        E(cx.t(M::compare))
    );
}

/// Two hearings (the overseers' general records), when there are any.
fn hearings_form(m: &mut String, cx: &Cx, q: &ChangesQuery, v: &Period) {
    let hearings = &v.hearings;
    if hearings.is_empty() {
        return;
    }
    let _ = write!(
        m,
        "<form class=\"filters\" method=\"get\" action=\"/dashboard/changes\" id=\"hearings-form\"><fieldset><legend>{}</legend><p class=\"help\">{}</p>",
        E(cx.t(M::hearings)),
        E(cx.t(M::hearings_help)),
    );
    let options: Vec<(String, String)> = hearings
        .iter()
        .map(|x| {
            (
                x.date.to_string(),
                format!("{} — {}", x.date, excerpt(&x.text, 90)),
            )
        })
        .collect();
    let older = hearings.get(1).map(|x| x.date.to_string());
    let newer = hearings.first().map(|x| x.date.to_string());
    let since = given(&q.since).or(older.as_deref());
    super::select(m, "since", cx.t(M::since), "—", &options, since);
    let until = given(&q.until).or(newer.as_deref());
    super::select(m, "until", cx.t(M::until), "—", &options, until);
    as_of_input(m, cx);
    let _ = write!(
        m,
        "<button type=\"submit\">{}</button></fieldset></form>",
        E(cx.t(M::compare))
    );
}

/// How the status counts, the open and the overdue moved between the two points.
fn delta(m: &mut String, cx: &Cx, h: &History, v: &Summary) {
    let _ = write!(
        m,
        "<h2 id=\"result\">{} {} → {}</h2><p class=\"help\">{}: {} → {} (+{})</p>",
        E(cx.t(M::between)),
        cx.date(v.from.today),
        cx.date(v.to.today),
        E(cx.t(M::tree_size)),
        crate::core::l10n::integer(cx.lang, v.from.size),
        crate::core::l10n::integer(cx.lang, v.to.size),
        E(&cx.count(
            v.to.size.saturating_sub(v.from.size),
            &crate::core::l10n::ENTRIES
        )),
    );
    let (before, overdue_before, open_before) = counts(h, v.from);
    let (after, overdue_after, open_after) = counts(h, v.to);
    let _ = write!(
        m,
        "<div class=\"table-wrap\"><table class=\"data delta\" id=\"delta\"><caption>{}</caption><thead><tr><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">Δ</th></tr></thead><tbody>",
        E(cx.t(M::status)),
        E(cx.t(M::status)),
        cx.date(v.from.today),
        cx.date(v.to.today),
    );
    let mut row = |label: &str, a: u32, b: u32| {
        let d = b as i64 - a as i64;
        let _ = write!(
            m,
            "<tr><th scope=\"row\">{}</th><td class=\"num\">{a}</td><td class=\"num\">{b}</td><td class=\"num\">{}</td></tr>",
            E(label),
            if d > 0 { format!("+{d}") } else { d.to_string() }
        );
    };
    for s in i18n::STATUSES {
        let (a, b) = (
            before.get(s).copied().unwrap_or(0),
            after.get(s).copied().unwrap_or(0),
        );
        if a > 0 || b > 0 {
            row(i18n::status(cx.lang, s), a, b);
        }
    }
    row(cx.t(M::open_commitments), open_before, open_after);
    row(cx.t(M::overdue_items), overdue_before, overdue_after);
    m.push_str("</tbody></table></div>");
}

/// Each section's latest changes, with a link to all of them as CSV.
fn sections(m: &mut String, cx: &Cx, h: &History, v: &Summary) {
    let csv = crate::server::dashboard::html::url(
        "/views/changes",
        &[
            ("since", &v.from.size.to_string()),
            ("until", &v.to.size.to_string()),
            ("format", "csv"),
        ],
    );
    for section in Section::ALL {
        let (i, label) = (section.index(), i18n::section(*section));
        let n = v.counts[i];
        if n == 0 {
            continue;
        }
        let id = format!("s-{}", label.name());
        let _ = write!(
            m,
            "<h3 id=\"{}\">{} <span class=\"count\">({})</span></h3>",
            E(&id),
            E(cx.t(label)),
            n
        );
        let shown: Vec<&Change> = v.latest[i].iter().collect();
        table(cx, h, m, &shown);
        if n > shown.len() {
            let _ = write!(
                m,
                "<p class=\"more\">{}: {} — <a href=\"{}\">CSV</a></p>",
                E(cx.t(M::more_items)),
                n - shown.len(),
                E(&csv)
            );
        }
    }
    if v.total() == 0 {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_changes)));
    } else {
        let _ = write!(
            m,
            "<p><a href=\"{}\" download>{} (CSV)</a></p>",
            E(&csv),
            E(cx.t(M::all_changes))
        );
    }
}
