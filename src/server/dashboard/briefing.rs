//! The weekly briefing for any ISO week (`View::Briefing`), laid out to print on A4: new
//! commitments, handovers, status reports, deadline changes, what became overdue, and the
//! inquiries still open.

use super::html::E;
use super::i18n::{self, M};
use super::{documented, given, render, Content, Cx, Fail, Page, PageQuery, PageRequest};
use crate::core::projection::views::{Briefing, Change};
use crate::core::projection::History;
use crate::core::types::Date;
use crate::query::{self, Answered};
use crate::server::{AppState, Routes, Q};
use crate::store::Snapshot;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa::IntoParams;

pub const PAGE: Page = Page {
    section: "briefing",
    menu: Some(M::briefing),
    path: "/dashboard/briefing",
    route,
    doc: documented::<__path_page>,
};

fn route(r: Routes) -> Routes {
    r.get("/dashboard/briefing", page)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BriefingQuery {
    /// The ISO week, e.g. `2026-W37`. Default: the week of the page's as-of day.
    pub week: Option<String>,
}

/// The weekly briefing.
#[utoipa::path(get, path = "/dashboard/briefing", tag = "dashboard", operation_id = "dashboard_briefing", params(PageQuery, BriefingQuery),
    responses(
        (status = 200, description = "The page (HTML, with a print stylesheet for A4)", body = String, content_type = "text/html"),
        (status = 400, description = "A malformed week or as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<BriefingQuery>,
) -> Response {
    render(st, req, &PAGE, move |cx, h, snap| {
        let v = view(cx, h, snap, &q)?;
        Ok(content(cx, h, &v))
    })
    .await
}

/// What the page shows: the week, and its briefing as known at the page's point.
pub struct WeekBriefing {
    pub week: String,
    pub monday: Date,
    pub sunday: Date,
    pub briefing: Answered<Briefing>,
}

fn week_of(d: jiff::civil::Date) -> String {
    let w = d.iso_week_date();
    format!("{:04}-W{:02}", w.year(), w.week())
}

/// The briefing of the week asked for (default: the week of the page's day).
pub fn view(
    cx: &Cx,
    h: &History,
    snap: &dyn Snapshot,
    q: &BriefingQuery,
) -> Result<WeekBriefing, Fail> {
    let point = cx.point(h)?;
    let week = given(&q.week)
        .map(str::to_string)
        .unwrap_or_else(|| week_of(point.today.0));
    let (monday, sunday) = query::iso_week(&week)?;
    // The week, as known at the page's point: a briefing of a week that ends after the as-of
    // day stops there (with no as-of, the week ends at its Sunday, capped by the ledger).
    let before = monday
        .0
        .yesterday()
        .map_err(|e| Fail::bad(e.to_string()))?
        .to_string();
    let until = match &cx.req.as_of {
        Some(a) if point.size < h.point_at_date(sunday).size => a.clone(),
        _ => sunday.to_string(),
    };
    let req = query::Request {
        since: Some(before),
        until: Some(until),
        ..Default::default()
    };
    let briefing = query::answered(snap, query::ask(h, &req, cx.now)?.briefing(h)?)?;
    Ok(WeekBriefing {
        week,
        monday,
        sunday,
        briefing,
    })
}

/// The page: the week picker, the heading, and a section per list.
pub fn content(cx: &Cx, h: &History, v: &WeekBriefing) -> Content {
    let b = &v.briefing.result;
    let mut m = String::with_capacity(32 * 1024);
    week_form(&mut m, cx, v);
    heading(&mut m, cx, h, v);
    changes_table(
        cx,
        h,
        &mut m,
        "b-new",
        M::new_commitments,
        &b.new_commitments,
    );
    changes_table(cx, h, &mut m, "b-handovers", M::handovers, &b.handovers);
    changes_table(
        cx,
        h,
        &mut m,
        "b-status",
        M::status_changes,
        &b.status_changes,
    );
    changes_table(
        cx,
        h,
        &mut m,
        "b-deadlines",
        M::deadline_changes,
        &b.deadline_changes,
    );
    newly_overdue(&mut m, cx, h, b);
    open_inquiries(&mut m, cx, h, b, v.briefing.as_of.today);
    Content {
        title: format!("{} {}", cx.t(M::briefing), v.week),
        main: m,
        point: v.briefing.as_of,
        at: v.briefing.checkpoint,
    }
}

/// The previous and next week, and a week picker (without JavaScript too).
fn week_form(m: &mut String, cx: &Cx, v: &WeekBriefing) {
    let shift = |days: i64| {
        v.monday
            .0
            .checked_add(jiff::Span::new().days(days))
            .map(week_of)
            .unwrap_or_else(|_| v.week.clone())
    };
    let _ = write!(
        m,
        "<form class=\"filters no-print\" method=\"get\" action=\"/dashboard/briefing\"><fieldset><legend>{}</legend>\
         <a class=\"button\" rel=\"prev\" href=\"{}\">← {}</a>\
         <label class=\"field\"><span>{}</span><input type=\"week\" name=\"week\" value=\"{}\" pattern=\"[0-9]{{4}}-W[0-9]{{2}}\"></label>",
        E(cx.t(M::week)),
        E(&cx.link("/dashboard/briefing", &[("week", &shift(-7))])),
        E(cx.t(M::previous_week)),
        E(cx.t(M::week)),
        E(&v.week),
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
        "<button type=\"submit\">{}</button> <a class=\"button\" rel=\"next\" href=\"{}\">{} →</a> \
         <button type=\"button\" id=\"print\" class=\"js-only\" hidden>{}</button></fieldset></form>",
        E(cx.t(M::show)),
        E(&cx.link("/dashboard/briefing", &[("week", &shift(7))])),
        E(cx.t(M::next_week)),
        E(cx.t(M::print)),
    );
}

/// The week, the ledger and the checkpoint the briefing was made at.
fn heading(m: &mut String, cx: &Cx, h: &History, v: &WeekBriefing) {
    let at = &v.briefing.checkpoint;
    let (size, root) = cx.fingerprint(at);
    let _ = write!(
        m,
        "<header class=\"brief-head\"><h1>{} {}</h1><p>{} · {} · {} {}, {} {}</p></header>",
        E(cx.t(M::briefing_for)),
        E(&v.week),
        E(&crate::core::l10n::date_range(cx.lang, v.monday, v.sunday)),
        E(&h.origin),
        E(cx.t(M::checkpoint)),
        size,
        E(cx.t(M::root_short)),
        root,
    );
}

/// A section's opening: its heading with the number of items.
fn section_head(m: &mut String, cx: &Cx, id: &str, heading: M, n: usize) {
    let _ = write!(
        m,
        "<section class=\"brief\" aria-labelledby=\"{id}\"><h2 id=\"{id}\">{} <span class=\"count\">({})</span></h2>",
        E(cx.t(heading)),
        n
    );
}

/// A table's header row.
fn thead(m: &mut String, cx: &Cx, columns: &[M]) {
    m.push_str("<table class=\"data\"><thead><tr>");
    for c in columns {
        let _ = write!(m, "<th scope=\"col\">{}</th>", E(cx.t(*c)));
    }
    m.push_str("</tr></thead><tbody>");
}

fn changes_table(cx: &Cx, h: &History, m: &mut String, id: &str, heading: M, list: &[Change]) {
    section_head(m, cx, id, heading, list.len());
    if list.is_empty() {
        let _ = write!(m, "<p>{}</p></section>", E(cx.t(M::no_items)));
        return;
    }
    thead(m, cx, &[M::date, M::commitment, M::author, M::summary]);
    for c in list {
        let author = crate::core::types::BodyId::parse(&c.author)
            .map(|b| cx.body_link(h, &b))
            .unwrap_or_default();
        let _ = write!(
            m,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td><span class=\"kind\">{}</span> {}</td></tr>",
            cx.datetime(c.recorded_at),
            c.commitment
                .as_ref()
                .map(|x| cx.commitment_link(x))
                .unwrap_or_default(),
            author,
            E(i18n::event_type(cx.lang, c.kind)),
            E(c.summary.get(cx.lang))
        );
    }
    m.push_str("</tbody></table></section>");
}

fn newly_overdue(m: &mut String, cx: &Cx, h: &History, b: &Briefing) {
    section_head(m, cx, "b-overdue", M::newly_overdue, b.newly_overdue.len());
    if b.newly_overdue.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
    } else {
        let columns = [
            M::commitment,
            M::title,
            M::lead,
            M::deadline,
            M::overdue_days,
        ];
        thead(m, cx, &columns);
        for o in &b.newly_overdue {
            let title = h
                .commitments
                .get(&o.commitment)
                .map(|c| cx.title(&c.fields.title_uk, c.fields.title_en.as_deref()))
                .unwrap_or(&o.title_uk);
            let _ = write!(
                m,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num bad\">{}</td></tr>",
                cx.commitment_link(&o.commitment),
                E(title),
                o.lead
                    .as_ref()
                    .map(|l| cx.body_link(h, l))
                    .unwrap_or_default(),
                cx.date(o.deadline),
                o.days_over
            );
        }
        m.push_str("</tbody></table>");
    }
    m.push_str("</section>");
}

/// The inquiries still open at the end of the week; late ones (due before `today`) marked.
fn open_inquiries(m: &mut String, cx: &Cx, h: &History, b: &Briefing, today: Date) {
    section_head(m, cx, "b-inq", M::open_inquiries, b.open_inquiries.len());
    if b.open_inquiries.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
    } else {
        let columns = [M::inquiry, M::addressee, M::commitment, M::due, M::question];
        thead(m, cx, &columns);
        for q in &b.open_inquiries {
            let late = q.due < today;
            let _ = write!(
                m,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
                E(q.id.as_str()),
                cx.body_link(h, &q.to),
                q.commitment
                    .as_ref()
                    .map(|c| cx.commitment_link(c))
                    .unwrap_or_default(),
                if late { "bad" } else { "" },
                cx.date(q.due),
                E(&q.question)
            );
        }
        m.push_str("</tbody></table>");
    }
    m.push_str("</section>");
}
