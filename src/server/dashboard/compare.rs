//! The hearing comparison (`/dashboard/hearing`, `views::compare`): each item's phase, lead,
//! deadline, latest claim and latest assessment at one point and at another — two dates, two
//! entry counts, or two of the hearings the ledger records (`views::hearings`) — with what
//! changed highlighted. Each cell carries the values it shows as `data-then` and `data-now`
//! (ids, dates, status and verdict names), so a test compares them with the projections.

use super::divergence::{assessment_cell, claim_cell};
use super::download::{self, Csv};
use super::html::E;
use super::i18n::{self, M};
use super::{documented, given, render, Content, Cx, Fail, Page, PageQuery, PageRequest};
use crate::core::projection::views::{self, Changed, CompareView, ComparedItem, ItemState};
use crate::core::projection::{History, Point};
use crate::query;
use crate::server::{AppState, Routes, Q};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa::IntoParams;

pub const PAGE: Page = Page {
    section: "hearing",
    menu: Some(M::h_compare),
    path: "/dashboard/hearing",
    route,
    doc: documented::<__path_page>,
};

fn route(r: Routes) -> Routes {
    r.get("/dashboard/hearing", page)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// The earlier point: a day (YYYY-MM-DD, its end) or a number of entries. Default: the
    /// latest hearing the ledger records before the later point, else 90 days before it.
    pub from: Option<String>,
    /// The later point, likewise. Default: the page's as-of point (now).
    pub to: Option<String>,
    /// `1`: only the items where something changed.
    pub changed: Option<String>,
    /// `csv`: the comparison as CSV (UTF-8 with BOM) instead of the page.
    pub format: Option<String>,
    /// The page, from 1, when more than 500 items are shown.
    pub page: Option<String>,
}

/// The hearing comparison.
#[utoipa::path(get, path = "/dashboard/hearing", tag = "dashboard", operation_id = "dashboard_hearing", params(PageQuery, CompareQuery),
    responses(
        (status = 200, description = "The page (HTML), or its table as CSV with format=csv", content((String = "text/html"), (String = "text/csv"))),
        (status = 400, description = "A malformed point, or `from` after `to`: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<CompareQuery>,
) -> Response {
    if q.format.as_deref() == Some("csv") {
        return download::render(st, req, &PAGE, move |cx, h, _| {
            let v = view(cx, h, &q)?;
            Ok((csv(cx, h, &v), v.to.today, v.to.size))
        })
        .await;
    }
    render(st, req, &PAGE, move |cx, h, snap| {
        let v = view(cx, h, &q)?;
        let at = crate::projector::at(snap, v.to.size).map_err(query::QueryError::from)?;
        Ok(Content {
            title: cx.t(M::h_compare).to_string(),
            main: content(cx, h, &q, &v),
            point: v.to,
            at,
        })
    })
    .await
}

/// The two points, as `query::point` resolves them (the later one defaults to the page's).
pub fn points(cx: &Cx, h: &History, q: &CompareQuery) -> Result<(Point, Point), Fail> {
    let to = match given(&q.to) {
        Some(s) => cx.point_param(h, M::h_now, s)?,
        None => cx.point(h)?,
    };
    let from = match given(&q.from) {
        Some(s) => cx.point_param(h, M::h_then, s)?,
        None => views::hearings(h)
            .into_iter()
            .rev()
            .map(|(d, _, _)| h.point_at_date(d))
            .find(|p| p.size < to.size)
            .map(Ok)
            .unwrap_or_else(|| {
                to.today
                    .0
                    .checked_sub(jiff::Span::new().days(90))
                    .map(|d| h.point_at_date(crate::core::types::Date(d)))
                    .map_err(|e| Fail::bad(e.to_string()))
            })?,
    };
    // With an as-of point the page shows nothing recorded after it: both points stop there.
    let (from, to) = match &cx.req.as_of {
        Some(_) => {
            let cap = cx.point(h)?;
            let stop = |p: Point| if p.size > cap.size { cap } else { p };
            (stop(from), stop(to))
        }
        None => (from, to),
    };
    if from.size > to.size || from.today > to.today {
        let entries = |p: Point| cx.count(p.size, &crate::core::l10n::ENTRIES);
        return Err(Fail::bad(
            cx.t(M::then_after_now)
                .replace("{then}", &crate::core::l10n::date(cx.lang, from.today))
                .replace("{then_size}", &entries(from))
                .replace("{now}", &crate::core::l10n::date(cx.lang, to.today))
                .replace("{now_size}", &entries(to)),
        ));
    }
    Ok((from, to))
}

pub fn view<'h>(cx: &Cx, h: &'h History, q: &CompareQuery) -> Result<CompareView<'h>, Fail> {
    let (from, to) = points(cx, h, q)?;
    Ok(views::compare(h, from, to))
}

const COLUMNS: [(Changed, M); 5] = [
    (Changed::Phase, M::h_phase_status),
    (Changed::Lead, M::lead),
    (Changed::Deadline, M::deadline),
    (Changed::Claim, M::h_latest_claim),
    (Changed::Assessment, M::h_latest_assessment),
];

fn only_changed(q: &CompareQuery) -> bool {
    given(&q.changed).is_some_and(|v| v != "0")
}

fn content(cx: &Cx, h: &History, q: &CompareQuery, v: &CompareView) -> String {
    let mut m = String::with_capacity(64 * 1024);
    let changed_n = v.items.iter().filter(|i| !i.changed.is_empty()).count();
    let _ = write!(
        m,
        "<h1>{}</h1><p class=\"help\">{}</p>",
        E(cx.t(M::h_compare)),
        E(cx.t(M::h_compare_help))
    );
    form(&mut m, cx, h, q, v);
    let _ = write!(
        m,
        "<p class=\"compare-span\"><strong>{}</strong> {} ({} {}) → <strong>{}</strong> {} ({} {}) · {}: <strong>{changed_n}</strong> / {}</p>",
        E(cx.t(M::h_then)),
        cx.date(v.from.today),
        v.from.size,
        E(cx.t(M::entries)),
        E(cx.t(M::h_now)),
        cx.date(v.to.today),
        v.to.size,
        E(cx.t(M::entries)),
        E(cx.t(M::h_items_changed)),
        v.items.len(),
    );
    download::link(cx, &mut m);
    m.push_str("<div class=\"table-wrap\"><table class=\"data sortable cards compare\" id=\"compare\"><thead><tr>");
    let _ = write!(m, "<th scope=\"col\">{}</th>", E(cx.t(M::commitment)));
    for (_, l) in COLUMNS {
        let _ = write!(m, "<th scope=\"col\">{}</th>", E(cx.t(l)));
    }
    m.push_str("</tr></thead><tbody>");
    let shown: Vec<&ComparedItem> = v
        .items
        .iter()
        .filter(|i| !only_changed(q) || !i.changed.is_empty())
        .collect();
    let (n, pages) = download::page_of(&q.page, shown.len());
    for i in &shown[download::range(n, shown.len())] {
        row(&mut m, cx, h, i);
    }
    m.push_str("</tbody></table></div>");
    download::pager(cx, &mut m, n, pages);
    m
}

fn form(m: &mut String, cx: &Cx, h: &History, q: &CompareQuery, v: &CompareView) {
    let _ = write!(
        m,
        "<form class=\"filters no-print\" method=\"get\" action=\"/dashboard/hearing\"><fieldset><legend>{}</legend>\
         <div class=\"field\"><label for=\"from\">{}</label><input id=\"from\" name=\"from\" value=\"{}\" size=\"10\" aria-describedby=\"from-words\">\
         <span class=\"date-words\" id=\"from-words\">{}</span></div>\
         <div class=\"field\"><label for=\"to\">{}</label><input id=\"to\" name=\"to\" value=\"{}\" size=\"10\" aria-describedby=\"to-words\">\
         <span class=\"date-words\" id=\"to-words\">{}</span></div>\
         <label class=\"field check\"><input type=\"checkbox\" name=\"changed\" value=\"1\"{}> <span>{}</span></label>",
        E(cx.t(M::h_compare_between)),
        E(cx.t(M::h_then)),
        E(given(&q.from).map(str::to_string).unwrap_or_else(|| v.from.today.to_string()).as_str()),
        E(&crate::core::l10n::date(cx.lang, v.from.today)),
        E(cx.t(M::h_now)),
        E(given(&q.to).map(str::to_string).unwrap_or_else(|| v.to.today.to_string()).as_str()),
        E(&crate::core::l10n::date(cx.lang, v.to.today)),
        if only_changed(q) { " checked" } else { "" },
        E(cx.t(M::h_only_changed)),
    );
    if let Some(a) = &cx.req.as_of {
        let _ = write!(
            m,
            "<input type=\"hidden\" name=\"as_of\" value=\"{}\">",
            E(a)
        );
    }
    let _ = write!(
        m,
        "<button type=\"submit\">{}</button></fieldset></form>",
        E(cx.t(M::show))
    );
    let hs = views::hearings(h);
    if !hs.is_empty() {
        let _ = write!(
            m,
            "<p class=\"no-print hearings\">{}: ",
            E(cx.t(M::h_hearings))
        );
        let mut first = true;
        for w in hs.windows(2) {
            let (a, b) = (w[0].0.to_string(), w[1].0.to_string());
            if !first {
                m.push_str(" · ");
            }
            first = false;
            let _ = write!(
                m,
                "<a href=\"{}\">{} → {}</a>",
                E(&cx.link("/dashboard/hearing", &[("from", &a), ("to", &b)])),
                cx.date(w[0].0),
                cx.date(w[1].0)
            );
        }
        if let Some(last) = hs.last() {
            if !first {
                m.push_str(" · ");
            }
            let a = last.0.to_string();
            let _ = write!(
                m,
                "<a href=\"{}\">{} → {}</a>",
                E(&cx.link("/dashboard/hearing", &[("from", &a)])),
                cx.date(last.0),
                E(cx.t(M::h_now))
            );
        }
        m.push_str("</p>");
    }
}

/// The raw values of a column at a state, for `data-then`/`data-now`.
fn raw(s: Option<&ItemState>, c: Changed) -> String {
    let Some(s) = s else { return String::new() };
    match c {
        Changed::Phase | Changed::Added => s.phase.name().to_string(),
        Changed::Lead => s.lead.as_ref().map(|b| b.to_string()).unwrap_or_default(),
        Changed::Deadline => s.deadline.to_string(),
        Changed::Claim => s
            .claim
            .as_ref()
            .map(|c| format!("{} {}", c.seq, c.status.name()))
            .unwrap_or_default(),
        Changed::Assessment => s
            .assessment
            .as_ref()
            .map(|a| format!("{} {}", a.seq, a.verdict.name()))
            .unwrap_or_default(),
    }
}

fn shown(cx: &Cx, h: &History, s: &ItemState, c: Changed) -> String {
    match c {
        Changed::Phase | Changed::Added => {
            let mut out = E(i18n::phase_label(cx.lang, s.phase)).to_string();
            if let Some(d) = s.overdue_days {
                let _ = write!(
                    out,
                    " <span class=\"bad\">{} {d} {}</span>",
                    E(cx.t(M::overdue)),
                    E(cx.t(M::days))
                );
            }
            out
        }
        // A replaced or cancelled item has no lead any more: a dash, not an empty cell.
        Changed::Lead => s
            .lead
            .as_ref()
            .map(|b| cx.body_link(h, b))
            .unwrap_or_else(|| "<span class=\"sub\">—</span>".to_string()),
        Changed::Deadline => cx.date(s.deadline),
        Changed::Claim => match &s.claim {
            Some(c) => claim_cell(cx, h, c),
            None => format!(
                "<span class=\"sub\">{}</span>",
                E(i18n::status_label(cx.lang, None))
            ),
        },
        Changed::Assessment => assessment_cell(cx, h, s.assessment),
    }
}

fn row(m: &mut String, cx: &Cx, h: &History, i: &ComparedItem) {
    let added = i.changed.contains(&Changed::Added);
    let title = h
        .commitments
        .get(i.commitment)
        .map(|c| cx.title(&c.fields.title_uk, c.fields.title_en.as_deref()))
        .unwrap_or(i.title_uk);
    let _ = write!(
        m,
        "<tr data-id=\"{}\"{}><th scope=\"row\" data-label=\"{}\">{} <span class=\"sub\">{}</span>{}</th>",
        E(i.commitment.as_str()),
        if i.changed.is_empty() { "" } else { " class=\"has-change\"" },
        E(cx.t(M::commitment)),
        cx.commitment_link(i.commitment),
        E(title),
        if added {
            format!(" <span class=\"badge new\">{}</span>", E(cx.t(M::h_added)))
        } else {
            String::new()
        }
    );
    for (c, label) in COLUMNS {
        let changed = added || i.changed.contains(&c);
        let _ = write!(
            m,
            "<td data-label=\"{}\" data-col=\"{}\" data-then=\"{}\" data-now=\"{}\"{}>",
            E(cx.t(label)),
            col_name(c),
            E(&raw(i.then.as_ref(), c)),
            E(&raw(Some(&i.now), c)),
            if changed { " class=\"changed\"" } else { "" }
        );
        match (&i.then, changed) {
            (Some(t), true) => {
                let _ = write!(
                    m,
                    "<div class=\"then\"><span class=\"sub\">{}:</span> {}</div><div class=\"now\"><span class=\"sub\">{}:</span> {}</div>",
                    E(cx.t(M::h_then)),
                    shown(cx, h, t, c),
                    E(cx.t(M::h_now)),
                    shown(cx, h, &i.now, c)
                );
            }
            _ => m.push_str(&shown(cx, h, &i.now, c)),
        }
        m.push_str("</td>");
    }
    m.push_str("</tr>");
}

pub fn col_name(c: Changed) -> &'static str {
    match c {
        Changed::Added => "added",
        Changed::Phase => "phase",
        Changed::Lead => "lead",
        Changed::Deadline => "deadline",
        Changed::Claim => "claim",
        Changed::Assessment => "assessment",
    }
}

fn csv(cx: &Cx, h: &History, v: &CompareView) -> Csv {
    let t = |m| cx.t(m).to_string();
    let pair = |a: M, b: M| format!("{} ({})", cx.t(a), cx.t(b));
    let mut header = vec![t(M::commitment), t(M::title), t(M::h_what_changed)];
    for (_, l) in COLUMNS {
        header.push(pair(l, M::h_then));
        header.push(pair(l, M::h_now));
    }
    let text = |s: Option<&ItemState>, c: Changed| -> String {
        let Some(s) = s else { return String::new() };
        match c {
            Changed::Phase | Changed::Added => i18n::phase_label(cx.lang, s.phase).to_string(),
            Changed::Lead => s
                .lead
                .as_ref()
                .map(|b| cx.body_name(h, b).to_string())
                .unwrap_or_default(),
            Changed::Deadline => s.deadline.to_string(),
            Changed::Claim => s
                .claim
                .as_ref()
                .map(|c| {
                    format!(
                        "{} {}",
                        i18n::status(cx.lang, c.status.name()),
                        h.date_of(c.at)
                    )
                })
                .unwrap_or_default(),
            Changed::Assessment => s
                .assessment
                .as_ref()
                .map(|a| {
                    format!(
                        "{} {}",
                        i18n::verdict(cx.lang, a.verdict.name()),
                        h.date_of(a.at)
                    )
                })
                .unwrap_or_default(),
        }
    };
    let rows = v
        .items
        .iter()
        .map(|i| {
            let mut r = vec![
                i.commitment.to_string(),
                h.commitments
                    .get(i.commitment)
                    .map(|c| {
                        cx.title(&c.fields.title_uk, c.fields.title_en.as_deref())
                            .to_string()
                    })
                    .unwrap_or_else(|| i.title_uk.to_string()),
                i.changed
                    .iter()
                    .map(|c| change_label(cx, *c))
                    .collect::<Vec<_>>()
                    .join("; "),
            ];
            for (c, _) in COLUMNS {
                r.push(text(i.then.as_ref(), c));
                r.push(text(Some(&i.now), c));
            }
            r
        })
        .collect();
    Csv {
        stem: "hearing-comparison",
        header,
        rows,
    }
}

fn change_label(cx: &Cx, c: Changed) -> &'static str {
    match c {
        Changed::Added => cx.t(M::h_added),
        other => COLUMNS
            .iter()
            .find(|(k, _)| *k == other)
            .map(|(_, l)| cx.t(*l))
            .unwrap_or_default(),
    }
}
