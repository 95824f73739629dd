//! The weekly briefing for any ISO week (`View::Briefing`), laid out to print on A4: new
//! commitments, handovers, status reports, deadline changes, what became overdue, and the
//! inquiries still open.

use super::html::E;
use super::i18n::{self, M};
use super::{render, Content, Cx, Fail, Nav, PageQuery, PageRequest};
use crate::core::projection::views::Change;
use crate::core::projection::History;
use crate::query::{self, View, ViewResult};
use crate::server::{AppState, Q};
use crate::store::Snapshot;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa::IntoParams;

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
    Q(_): Q<BriefingQuery>,
) -> Response {
    render(st, req, Nav::Briefing, build).await
}

fn week_of(d: jiff::civil::Date) -> String {
    let w = d.iso_week_date();
    format!("{:04}-W{:02}", w.year(), w.week())
}

fn changes_table(cx: &Cx, h: &History, m: &mut String, id: &str, heading: M, list: &[Change]) {
    let _ = write!(
        m,
        "<section class=\"brief\" aria-labelledby=\"{id}\"><h2 id=\"{id}\">{} <span class=\"count\">({})</span></h2>",
        E(cx.t(heading)),
        list.len()
    );
    if list.is_empty() {
        let _ = write!(m, "<p>{}</p></section>", E(cx.t(M::no_items)));
        return;
    }
    let _ = write!(
        m,
        "<table class=\"data\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        E(cx.t(M::date)),
        E(cx.t(M::commitment)),
        E(cx.t(M::author)),
        E(cx.t(M::summary)),
    );
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
            E(&c.summary)
        );
    }
    m.push_str("</tbody></table></section>");
}

fn build(cx: &Cx, h: &History, snap: &dyn Snapshot) -> Result<Content, Fail> {
    let (point, _) = cx.resolve(h, snap)?;
    let week = cx
        .req
        .param("week")
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
    let ans = query::answer(h, snap, View::Briefing, &req, cx.now)?;
    let (to_point, at) = (ans.as_of, ans.checkpoint);
    let ViewResult::Briefing(b) = ans.result else {
        return Err(Fail::bad("unexpected view"));
    };
    let shift = |days: i64| {
        monday
            .0
            .checked_add(jiff::Span::new().days(days))
            .map(week_of)
            .unwrap_or_else(|_| week.clone())
    };
    let mut m = String::with_capacity(32 * 1024);
    let _ = write!(
        m,
        "<form class=\"filters no-print\" method=\"get\" action=\"/dashboard/briefing\"><fieldset><legend>{}</legend>\
         <a class=\"button\" rel=\"prev\" href=\"{}\">← {}</a>\
         <label class=\"field\"><span>{}</span><input type=\"week\" name=\"week\" value=\"{}\" pattern=\"[0-9]{{4}}-W[0-9]{{2}}\"></label>",
        E(cx.t(M::week)),
        E(&cx.link("/dashboard/briefing", &[("week", &shift(-7))])),
        E(cx.t(M::previous_week)),
        E(cx.t(M::week)),
        E(&week),
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
    let _ = write!(
        m,
        "<header class=\"brief-head\"><h1>{} {}</h1><p>{} – {} · {} · {} {} {}, {} <code class=\"hash\">{}</code></p></header>",
        E(cx.t(M::briefing_for)),
        E(&week),
        cx.date(monday),
        cx.date(sunday),
        E(&h.origin),
        E(cx.t(M::checkpoint)),
        at.size,
        E(cx.t(M::entries)),
        E(cx.t(M::root_hash)),
        at.root.to_hex(),
    );
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
    let _ = write!(
        m,
        "<section class=\"brief\" aria-labelledby=\"b-overdue\"><h2 id=\"b-overdue\">{} <span class=\"count\">({})</span></h2>",
        E(cx.t(M::newly_overdue)),
        b.newly_overdue.len()
    );
    if b.newly_overdue.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
    } else {
        let _ = write!(
            m,
            "<table class=\"data\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            E(cx.t(M::commitment)),
            E(cx.t(M::title)),
            E(cx.t(M::lead)),
            E(cx.t(M::deadline)),
            E(cx.t(M::overdue_days)),
        );
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
    let _ = write!(
        m,
        "<section class=\"brief\" aria-labelledby=\"b-inq\"><h2 id=\"b-inq\">{} <span class=\"count\">({})</span></h2>",
        E(cx.t(M::open_inquiries)),
        b.open_inquiries.len()
    );
    if b.open_inquiries.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
    } else {
        let _ = write!(
            m,
            "<table class=\"data\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            E(cx.t(M::inquiry)),
            E(cx.t(M::addressee)),
            E(cx.t(M::commitment)),
            E(cx.t(M::due)),
            E(cx.t(M::question)),
        );
        for q in &b.open_inquiries {
            let late = q.due < to_point.today;
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
    Ok(Content {
        title: format!("{} {week}", cx.t(M::briefing)),
        main: m,
        point: to_point,
        at,
    })
}
