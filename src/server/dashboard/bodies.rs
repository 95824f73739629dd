//! Bodies: every body's scorecard (counts, not one percentage) and the inquiries; with `id`, one
//! body's page: its portfolio and scorecard, handovers in and out, and its inquiries.

use super::charts::{self, Bar};
use super::html::E;
use super::i18n::{self, M};
use super::{documented, given, render, Content, Cx, Fail, Page, PageQuery, PageRequest};
use crate::core::projection::views::{Scorecard, ScorecardView};
use crate::core::projection::{
    BodyRec, CommitmentRec, HandoverRec, History, InquiryRec, Outcome, Point,
};
use crate::core::types::{BodyId, CommitmentId};
use crate::query::{self, Answered};
use crate::server::{AppState, Routes, Q};
use crate::store::Snapshot;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa::IntoParams;

pub const PAGE: Page = Page {
    section: "bodies",
    menu: Some(M::bodies),
    path: "/dashboard/bodies",
    route,
    doc: documented::<__path_page>,
};

fn route(r: Routes) -> Routes {
    r.get("/dashboard/bodies", page)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BodyQuery {
    /// A body id: that body's page. Without it, every body's scorecard.
    pub id: Option<String>,
}

/// The bodies' scorecards, or one body's page.
#[utoipa::path(get, path = "/dashboard/bodies", tag = "dashboard", operation_id = "dashboard_bodies", params(PageQuery, BodyQuery),
    responses(
        (status = 200, description = "The page", body = String, content_type = "text/html"),
        (status = 400, description = "A malformed id or as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
        (status = 404, description = "No such body: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<BodyQuery>,
) -> Response {
    render(st, req, &PAGE, move |cx, h, snap| match given(&q.id) {
        Some(id) => Ok(one(cx, h, &body_view(cx, h, snap, id)?)),
        None => Ok(index(cx, h, &scorecards(cx, h, snap, None)?)),
    })
    .await
}

/// How an inquiry stood at a point: a label and a class.
fn inquiry_state(h: &History, q: &InquiryRec, p: Point) -> (M, &'static str) {
    match q.answered.as_ref().filter(|a| a.0 < p.size) {
        Some(a) if h.date_of(a.1) <= q.due => (M::answered_on_time, "ok"),
        Some(_) => (M::answered_late, "warn"),
        None if q.due < p.today => (M::inquiry_past_due, "bad"),
        None => (M::not_answered, "warn"),
    }
}

/// The most inquiries a table lists (open ones first); the rest are counted.
pub const INQUIRY_LIMIT: usize = 200;

/// Unanswered first (the most overdue first), then the latest answered.
fn in_order<'a>(all: &[&'a InquiryRec], p: Point) -> Vec<&'a InquiryRec> {
    let mut list: Vec<&InquiryRec> = all.to_vec();
    list.sort_by_key(|q| {
        let answered = q.answered.as_ref().is_some_and(|a| a.0 < p.size);
        (
            answered,
            if answered {
                std::cmp::Reverse(q.seq)
            } else {
                std::cmp::Reverse(0)
            },
            q.due,
        )
    });
    list
}

fn inquiries_table(cx: &Cx, h: &History, p: Point, m: &mut String, all: &[&InquiryRec]) {
    if all.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
        return;
    }
    let mut list = in_order(all, p);
    if list.len() > INQUIRY_LIMIT {
        let _ = write!(
            m,
            "<p class=\"help\">{} {INQUIRY_LIMIT} {} {}.</p>",
            E(cx.t(M::rows_shown)),
            E(cx.t(M::of)),
            list.len()
        );
        list.truncate(INQUIRY_LIMIT);
    }
    let _ = write!(
        m,
        "<div class=\"table-wrap\"><table class=\"data\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        E(cx.t(M::inquiry)),
        E(cx.t(M::raised_by)),
        E(cx.t(M::addressee)),
        E(cx.t(M::commitment)),
        E(cx.t(M::question)),
        E(cx.t(M::due)),
        E(cx.t(M::answered)),
    );
    for q in &list {
        let (label, class) = inquiry_state(h, q, p);
        let answered = q
            .answered
            .as_ref()
            .filter(|a| a.0 < p.size)
            .map(|a| format!(" {}", cx.datetime(a.1)))
            .unwrap_or_default();
        let _ = write!(
            m,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"state {class}\">{}</span>{answered}</td></tr>",
            E(q.id.as_str()),
            cx.body_link(h, &q.by),
            cx.body_link(h, &q.to),
            q.commitment
                .as_ref()
                .map(|c| cx.commitment_link(c))
                .unwrap_or_default(),
            E(&q.question),
            cx.date(q.due),
            E(cx.t(label)),
        );
    }
    m.push_str("</tbody></table></div>");
}

/// Every body's scorecard, or (`body`) one body's.
fn scorecards(
    cx: &Cx,
    h: &History,
    snap: &dyn Snapshot,
    body: Option<&str>,
) -> Result<Answered<ScorecardView>, Fail> {
    let req = query::Request {
        body: body.map(str::to_string),
        ..cx.request()
    };
    Ok(query::answered(
        snap,
        query::ask(h, &req, cx.now)?.scorecard(h),
    )?)
}

/// Every body's scorecard, a chart of their claims, and every inquiry.
fn index(cx: &Cx, h: &History, v: &Answered<ScorecardView>) -> Content {
    let mut m = String::with_capacity(32 * 1024);
    let _ = write!(m, "<h1>{}</h1>", E(cx.t(M::bodies)));
    let bars = super::overview::body_bars(cx, h, &v.result);
    let caption = cx.t(M::status_by_body);
    m.push_str(&charts::status_bars(cx, "chart-bodies", caption, &bars));
    scorecard_table(&mut m, cx, h, &v.result.bodies);
    let point = v.as_of;
    let list: Vec<&InquiryRec> = h
        .inquiries
        .values()
        .filter(|q| q.seq < point.size)
        .collect();
    let _ = write!(m, "<h2 id=\"inquiries\">{}</h2>", E(cx.t(M::inquiries)));
    inquiries_table(cx, h, point, &mut m, &list);
    Content {
        title: cx.t(M::bodies).to_string(),
        main: m,
        point,
        at: v.checkpoint,
    }
}

/// A body's roles, in the reader's language.
fn roles(cx: &Cx, b: &BodyRec) -> Vec<&'static str> {
    b.roles
        .iter()
        .map(|r| {
            let v = serde_json::to_value(r).unwrap_or_default();
            i18n::role(cx.lang, v.as_str().unwrap_or(""))
        })
        .collect()
}

/// The scorecards, a row a body.
fn scorecard_table(m: &mut String, cx: &Cx, h: &History, cards: &[Scorecard]) {
    let _ = write!(
        m,
        "<h2 id=\"scorecards\">{}</h2><div class=\"table-wrap\"><table class=\"data\" id=\"scorecard\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th>",
        E(cx.t(M::scorecard)),
        E(cx.t(M::body)),
        E(cx.t(M::roles)),
    );
    for l in [
        M::held,
        M::co_executing,
        M::awaiting_acceptance,
        M::claimed_implemented,
        M::confirmed_by_overseer,
        M::overdue,
        M::redated,
        M::handovers_in,
        M::handovers_out,
        M::inquiries_received,
        M::inq_on_time,
        M::inq_late,
        M::inq_open,
    ] {
        let _ = write!(m, "<th scope=\"col\" class=\"num\">{}</th>", E(cx.t(l)));
    }
    m.push_str("</tr></thead><tbody>");
    for s in cards {
        let Ok(id) = BodyId::parse(&s.body) else {
            continue;
        };
        let roles = h.bodies.get(&id).map(|b| roles(cx, b)).unwrap_or_default();
        let _ = write!(
            m,
            "<tr><th scope=\"row\">{}</th><td class=\"small\">{}</td>",
            cx.body_link(h, &id),
            E(&roles.join(", "))
        );
        scorecard_cells(m, s);
        m.push_str("</tr>");
    }
    m.push_str("</tbody></table></div>");
}

/// A scorecard's counts as table cells, those that call for attention marked.
fn scorecard_cells(m: &mut String, s: &Scorecard) {
    for (v, bad) in [
        (s.held, false),
        (s.co_executing, false),
        (s.awaiting_acceptance, s.awaiting_acceptance > 0),
        (s.claimed_implemented, false),
        (s.confirmed_by_overseer, false),
        (s.overdue, s.overdue > 0),
        (s.deadline_changes, false),
        (s.handovers_in, false),
        (s.handovers_out, false),
        (s.inquiries_received, false),
        (s.inquiries_answered_on_time, false),
        (s.inquiries_answered_late, s.inquiries_answered_late > 0),
        (s.inquiries_open, s.inquiries_open > 0),
    ] {
        let _ = write!(
            m,
            "<td class=\"num{}\">{v}</td>",
            if bad { " bad" } else { "" }
        );
    }
}

/// One body at the page's point: its record and scorecard.
pub struct BodyView<'h> {
    pub id: BodyId,
    pub body: &'h BodyRec,
    pub point: Point,
    pub at: crate::projector::At,
    pub scorecard: Scorecard,
}

fn body_view<'h>(
    cx: &Cx,
    h: &'h History,
    snap: &dyn Snapshot,
    id: &str,
) -> Result<BodyView<'h>, Fail> {
    let cards = scorecards(cx, h, snap, Some(id))?;
    let (point, at) = (cards.as_of, cards.checkpoint);
    let body = BodyId::parse(id).map_err(Fail::bad)?;
    let Some(b) = h.bodies.get(&body).filter(|b| b.registered < point.size) else {
        return Err(Fail::not_found(format!(
            "body {id} is not registered at that point"
        )));
    };
    Ok(BodyView {
        id: body,
        body: b,
        point,
        at,
        scorecard: cards.result.bodies.into_iter().next().unwrap_or_default(),
    })
}

/// One body's page: who it is, its scorecard, portfolio, handovers and inquiries.
fn one(cx: &Cx, h: &History, v: &BodyView<'_>) -> Content {
    let mut m = String::with_capacity(32 * 1024);
    body_facts(&mut m, cx, h, v);
    body_scorecard(&mut m, cx, h, v);
    portfolio(&mut m, cx, h, v);
    handovers(&mut m, cx, h, v);
    body_inquiries(&mut m, cx, h, v);
    Content {
        title: cx.body_name(h, &v.id).to_string(),
        main: m,
        point: v.point,
        at: v.at,
    }
}

/// The heading and facts: names, id, kind, roles, registration, succession, former names.
fn body_facts(m: &mut String, cx: &Cx, h: &History, v: &BodyView<'_>) {
    let (b, n) = (v.body, v.point.size);
    let _ = write!(
        m,
        "<p class=\"crumbs\"><a href=\"{}\">{}</a> ›</p><h1>{}</h1>",
        E(&cx.link("/dashboard/bodies", &[])),
        E(cx.t(M::bodies)),
        E(cx.body_name(h, &v.id))
    );
    let other_name = cx.lang.pick(&b.name_en, &b.name_uk);
    let _ = write!(
        m,
        "<p class=\"sub\" lang=\"{}\">{}</p><dl class=\"facts\"><dt>{}</dt><dd><code>{}</code></dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>",
        cx.lang.other().code(),
        E(other_name),
        E(cx.t(M::id)),
        E(v.id.as_str()),
        E(cx.t(M::kind)),
        E(i18n::body_kind(cx.lang, &b.kind)),
        E(cx.t(M::roles)),
        E(&roles(cx, b).join(", ")),
    );
    if let Some(e) = h.entries.get(b.registered as usize) {
        let _ = write!(
            m,
            "<dt>{}</dt><dd>{}</dd>",
            E(cx.t(M::registered)),
            cx.datetime(e.recorded_at)
        );
    }
    if let Some((seq, succ)) = b.succeeded.as_ref().filter(|x| x.0 < n) {
        let _ = write!(
            m,
            "<dt>{}</dt><dd>{} (#{seq})</dd>",
            E(cx.t(M::succeeded_by)),
            cx.body_link(h, succ)
        );
    }
    let former: Vec<&str> = b
        .former_names
        .iter()
        .filter(|x| x.0 < n)
        .map(|x| x.1.as_str())
        .collect();
    if !former.is_empty() {
        let _ = write!(
            m,
            "<dt>{}</dt><dd>{}</dd>",
            E(cx.t(M::former_names)),
            E(&former.join("; "))
        );
    }
    m.push_str("</dl>");
}

/// The body's scorecard as figures, and a chart of its commitments' latest claims.
fn body_scorecard(m: &mut String, cx: &Cx, h: &History, v: &BodyView<'_>) {
    let s = &v.scorecard;
    let _ = write!(
        m,
        "<section aria-labelledby=\"score\"><h2 id=\"score\">{}</h2><ul class=\"figures small\">",
        E(cx.t(M::scorecard))
    );
    for (v, l, class) in [
        (s.held, M::held, ""),
        (s.co_executing, M::co_executing, ""),
        (s.awaiting_acceptance, M::awaiting_acceptance, "warn"),
        (s.claimed_implemented, M::claimed_implemented, ""),
        (s.confirmed_by_overseer, M::confirmed_by_overseer, ""),
        (s.overdue, M::overdue_items, "bad"),
        (s.deadline_changes, M::redated, ""),
        (s.handovers_in, M::handovers_in, ""),
        (s.handovers_out, M::handovers_out, ""),
        (s.inquiries_received, M::inquiries_received, ""),
        (s.inquiries_answered_late, M::inq_late, "warn"),
        (s.inquiries_open, M::inq_open, "warn"),
    ] {
        let class = if v > 0 { class } else { "" };
        let _ = write!(
            m,
            "<li class=\"figure {class}\"><span class=\"n\">{v}</span><span class=\"l\">{}</span></li>",
            E(cx.t(l))
        );
    }
    m.push_str("</ul>");
    if s.held > 0 {
        let name = cx.body_name(h, &v.id).to_string();
        m.push_str(&charts::status_bars(
            cx,
            "chart-body",
            cx.t(M::latest_status),
            &[Bar {
                label_html: E(&name).to_string(),
                label_text: name.clone(),
                filter: ("body", v.id.to_string()),
                counts: &s.claims,
            }],
        ));
    }
    m.push_str("</section>");
}

/// The commitments the body leads, co-executes or was assigned.
fn portfolio(m: &mut String, cx: &Cx, h: &History, v: &BodyView<'_>) {
    let rows = super::commitments::portfolio(cx, h, v.point, &v.id);
    let _ = write!(
        m,
        "<section aria-labelledby=\"portfolio\"><h2 id=\"portfolio\">{} <span class=\"count\">({})</span></h2>",
        E(cx.t(M::portfolio)),
        rows.len()
    );
    if rows.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
    } else {
        super::commitments::compact_table(m, cx, &rows, &v.id);
        let _ = write!(
            m,
            "<p><a href=\"{}\">{} →</a></p>",
            E(&cx.link("/dashboard/commitments", &[("body", v.id.as_str())])),
            E(cx.t(M::commitments))
        );
    }
    m.push_str("</section>");
}

/// A handover to or from the body: its sequence number, direction, commitment, the proposal
/// and its outcome if known at the point.
type Move<'h> = (
    u64,
    M,
    &'h CommitmentId,
    &'h HandoverRec,
    Option<(u64, crate::core::types::Millis, Outcome)>,
);

/// The handovers to and from the body, latest first.
fn moves<'h>(h: &'h History, body: &BodyId, n: u64) -> Vec<Move<'h>> {
    let mut moves = Vec::new();
    for c in h
        .commitments
        .values()
        .filter(|c: &&CommitmentRec| c.exists_at(n))
    {
        for x in c.handovers.iter().filter(|x| x.seq < n) {
            let dir = if &x.to == body {
                M::incoming
            } else if x.from.as_ref() == Some(body) {
                M::outgoing
            } else {
                continue;
            };
            let outcome = x.outcome.filter(|o| o.0 < n);
            moves.push((x.seq, dir, &c.id, x, outcome));
        }
    }
    moves.sort_by_key(|x| std::cmp::Reverse(x.0));
    moves
}

fn handovers(m: &mut String, cx: &Cx, h: &History, v: &BodyView<'_>) {
    let _ = write!(
        m,
        "<section aria-labelledby=\"handovers\"><h2 id=\"handovers\">{}</h2>",
        E(cx.t(M::handovers))
    );
    let moves = moves(h, &v.id, v.point.size);
    if moves.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
    } else {
        let _ = write!(
            m,
            "<div class=\"table-wrap\"><table class=\"data\" id=\"body-handovers\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            E(cx.t(M::date)),
            E(cx.t(M::direction)),
            E(cx.t(M::commitment)),
            E(cx.t(M::from)),
            E(cx.t(M::to)),
            E(cx.t(M::reason)),
            E(cx.t(M::outcome)),
        );
        for (_, dir, cid, x, outcome) in moves {
            let _ = write!(
                m,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                cx.datetime(x.at),
                E(cx.t(dir)),
                cx.commitment_link(cid),
                x.from
                    .as_ref()
                    .map(|b| cx.body_link(h, b))
                    .unwrap_or_default(),
                cx.body_link(h, &x.to),
                E(&x.reason),
                super::outcome(cx, outcome.map(|(_, at, o)| (at, o)))
            );
        }
        m.push_str("</tbody></table></div>");
    }
    m.push_str("</section>");
}

/// The inquiries the body received, and those it raised.
fn body_inquiries(m: &mut String, cx: &Cx, h: &History, v: &BodyView<'_>) {
    let (n, body) = (v.point.size, &v.id);
    let received: Vec<&InquiryRec> = h
        .inquiries
        .values()
        .filter(|q| q.seq < n && &q.to == body)
        .collect();
    let raised: Vec<&InquiryRec> = h
        .inquiries
        .values()
        .filter(|q| q.seq < n && &q.by == body)
        .collect();
    let _ = write!(
        m,
        "<section aria-labelledby=\"inquiries\"><h2 id=\"inquiries\">{}</h2><h3>{}</h3>",
        E(cx.t(M::inquiries)),
        E(cx.t(M::inquiries_received))
    );
    inquiries_table(cx, h, v.point, m, &received);
    if !raised.is_empty() {
        let _ = write!(m, "<h3>{}</h3>", E(cx.t(M::raised_by)));
        inquiries_table(cx, h, v.point, m, &raised);
    }
    m.push_str("</section>");
}
