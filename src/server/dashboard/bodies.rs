//! Bodies: every body's scorecard (counts, not one percentage) and the inquiries; with `id`, one
//! body's page: its portfolio and scorecard, handovers in and out, and its inquiries.

use super::charts::{self, Bar};
use super::html::E;
use super::i18n::{self, M};
use super::{render, Content, Cx, Fail, Nav, PageQuery, PageRequest};
use crate::core::projection::views::Scorecard;
use crate::core::projection::{History, InquiryRec, Point};
use crate::core::types::BodyId;
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
    Q(_): Q<BodyQuery>,
) -> Response {
    render(st, req, Nav::Bodies, |cx, h, snap| {
        match cx.req.param("id") {
            Some(id) => {
                let id = id.to_string();
                one(cx, h, snap, &id)
            }
            None => index(cx, h, snap),
        }
    })
    .await
}

/// How an inquiry stood at a point: a label and a class.
fn inquiry_state(h: &History, q: &InquiryRec, p: Point) -> (M, &'static str) {
    match q.answered.as_ref().filter(|a| a.0 < p.size) {
        Some(a) if h.date_of(a.1) <= q.due => (M::answered_on_time, "ok"),
        Some(_) => (M::answered_late, "warn"),
        None if q.due < p.today => (M::late_inquiries, "bad"),
        None => (M::not_answered, "warn"),
    }
}

/// The most inquiries a table lists (open ones first); the rest are counted.
pub const INQUIRY_LIMIT: usize = 200;

fn inquiries_table(cx: &Cx, h: &History, p: Point, m: &mut String, all: &[&InquiryRec]) {
    if all.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
        return;
    }
    // Unanswered first (the most overdue first), then the latest answered.
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

fn scorecard_answer(
    cx: &Cx,
    h: &History,
    snap: &dyn Snapshot,
    body: Option<&str>,
) -> Result<(Vec<Scorecard>, Point, crate::projector::At), Fail> {
    let req = query::Request {
        body: body.map(str::to_string),
        ..cx.request()
    };
    let ans = query::answer(h, snap, View::Scorecard, &req, cx.now)?;
    let (p, at) = (ans.as_of, ans.checkpoint);
    match ans.result {
        ViewResult::Scorecard(s) => Ok((s.bodies, p, at)),
        _ => Err(Fail::bad("unexpected view")),
    }
}

fn index(cx: &Cx, h: &History, snap: &dyn Snapshot) -> Result<Content, Fail> {
    let (cards, point, at) = scorecard_answer(cx, h, snap, None)?;
    let mut m = String::with_capacity(32 * 1024);
    let _ = write!(m, "<h1>{}</h1>", E(cx.t(M::bodies)));
    let bars: Vec<Bar<'_>> = cards
        .iter()
        .filter(|s| s.held > 0)
        .map(|s| {
            let name = BodyId::parse(&s.body)
                .map(|b| cx.body_name(h, &b).to_string())
                .unwrap_or_else(|_| s.body.clone());
            Bar {
                label_html: format!(
                    "<a href=\"{}\">{}</a>",
                    E(&cx.link("/dashboard/bodies", &[("id", &s.body)])),
                    E(&name)
                ),
                label_text: name,
                filter: ("body", s.body.clone()),
                counts: &s.claims,
            }
        })
        .collect();
    m.push_str(&charts::status_bars(
        cx,
        "chart-bodies",
        cx.t(M::status_by_body),
        &bars,
    ));
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
    for s in &cards {
        let Ok(id) = BodyId::parse(&s.body) else {
            continue;
        };
        let roles: Vec<&str> = h
            .bodies
            .get(&id)
            .map(|b| {
                b.roles
                    .iter()
                    .map(|r| {
                        let v = serde_json::to_value(r).unwrap_or_default();
                        i18n::role(cx.lang, v.as_str().unwrap_or(""))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let _ = write!(
            m,
            "<tr><th scope=\"row\">{}</th><td class=\"small\">{}</td>",
            cx.body_link(h, &id),
            E(&roles.join(", "))
        );
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
        m.push_str("</tr>");
    }
    m.push_str("</tbody></table></div>");
    let list: Vec<&InquiryRec> = h
        .inquiries
        .values()
        .filter(|q| q.seq < point.size)
        .collect();
    let _ = write!(m, "<h2 id=\"inquiries\">{}</h2>", E(cx.t(M::inquiries)));
    inquiries_table(cx, h, point, &mut m, &list);
    Ok(Content {
        title: cx.t(M::bodies).to_string(),
        main: m,
        point,
        at,
    })
}

fn one(cx: &Cx, h: &History, snap: &dyn Snapshot, id: &str) -> Result<Content, Fail> {
    let (cards, point, at) = scorecard_answer(cx, h, snap, Some(id))?;
    let body = BodyId::parse(id).map_err(Fail::bad)?;
    let Some(b) = h.bodies.get(&body).filter(|b| b.registered < point.size) else {
        return Err(Fail::not_found(format!(
            "body {id} is not registered at that point"
        )));
    };
    let s = cards.into_iter().next().unwrap_or_default();
    let n = point.size;
    let mut m = String::with_capacity(32 * 1024);
    let _ = write!(
        m,
        "<p class=\"crumbs\"><a href=\"{}\">{}</a> ›</p><h1>{}</h1>",
        E(&cx.link("/dashboard/bodies", &[])),
        E(cx.t(M::bodies)),
        E(cx.body_name(h, &body))
    );
    let roles: Vec<&str> = b
        .roles
        .iter()
        .map(|r| {
            let v = serde_json::to_value(r).unwrap_or_default();
            i18n::role(cx.lang, v.as_str().unwrap_or(""))
        })
        .collect();
    let other_name = cx.lang.pick(&b.name_en, &b.name_uk);
    let _ = write!(
        m,
        "<p class=\"sub\" lang=\"{}\">{}</p><dl class=\"facts\"><dt>{}</dt><dd><code>{}</code></dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>",
        cx.lang.other().code(),
        E(other_name),
        E(cx.t(M::id)),
        E(body.as_str()),
        E(cx.t(M::kind)),
        E(&b.kind),
        E(cx.t(M::roles)),
        E(&roles.join(", ")),
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

    // Scorecard.
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
        let name = cx.body_name(h, &body).to_string();
        m.push_str(&charts::status_bars(
            cx,
            "chart-body",
            cx.t(M::latest_status),
            &[Bar {
                label_html: E(&name).to_string(),
                label_text: name.clone(),
                filter: ("body", body.to_string()),
                counts: &s.claims,
            }],
        ));
    }
    m.push_str("</section>");

    // Portfolio.
    let rows = super::commitments::portfolio(cx, h, point, &body);
    let _ = write!(
        m,
        "<section aria-labelledby=\"portfolio\"><h2 id=\"portfolio\">{} <span class=\"count\">({})</span></h2>",
        E(cx.t(M::portfolio)),
        rows.len()
    );
    if rows.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
    } else {
        super::commitments::compact_table(&mut m, cx, &rows, &body);
        let _ = write!(
            m,
            "<p><a href=\"{}\">{} →</a></p>",
            E(&cx.link("/dashboard/commitments", &[("body", body.as_str())])),
            E(cx.t(M::commitments))
        );
    }
    m.push_str("</section>");

    // Handovers in and out.
    let _ = write!(
        m,
        "<section aria-labelledby=\"handovers\"><h2 id=\"handovers\">{}</h2>",
        E(cx.t(M::handovers))
    );
    let mut moves = Vec::new();
    for c in h.commitments.values().filter(|c| c.exists_at(n)) {
        for x in c.handovers.iter().filter(|x| x.seq < n) {
            let dir = if x.to == body {
                M::incoming
            } else if x.from.as_ref() == Some(&body) {
                M::outgoing
            } else {
                continue;
            };
            let outcome = x.outcome.filter(|o| o.0 < n);
            moves.push((x.seq, dir, &c.id, x, outcome));
        }
    }
    moves.sort_by_key(|x| std::cmp::Reverse(x.0));
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
            let o = match outcome {
                Some((_, at, o)) => {
                    let name = serde_json::to_value(o)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    format!(
                        "<span class=\"outcome o-{}\">{}</span> {}",
                        E(&name),
                        E(i18n::outcome(cx.lang, &name)),
                        cx.datetime(at)
                    )
                }
                None => format!(
                    "<span class=\"outcome o-pending\">{}</span>",
                    E(cx.t(M::pending))
                ),
            };
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
                o
            );
        }
        m.push_str("</tbody></table></div>");
    }
    m.push_str("</section>");

    // Inquiries.
    let received: Vec<&InquiryRec> = h
        .inquiries
        .values()
        .filter(|q| q.seq < n && q.to == body)
        .collect();
    let raised: Vec<&InquiryRec> = h
        .inquiries
        .values()
        .filter(|q| q.seq < n && q.by == body)
        .collect();
    let _ = write!(
        m,
        "<section aria-labelledby=\"inquiries\"><h2 id=\"inquiries\">{}</h2><h3>{}</h3>",
        E(cx.t(M::inquiries)),
        E(cx.t(M::inquiries_received))
    );
    inquiries_table(cx, h, point, &mut m, &received);
    if !raised.is_empty() {
        let _ = write!(m, "<h3>{}</h3>", E(cx.t(M::raised_by)));
        inquiries_table(cx, h, point, &mut m, &raised);
    }
    m.push_str("</section>");
    Ok(Content {
        title: cx.body_name(h, &body).to_string(),
        main: m,
        point,
        at,
    })
}
