//! A commitment's card: everything `views::card` knows about one item — its fields, who was
//! responsible when, handovers, deadline changes with reasons, the latest claim beside the
//! latest assessment, indicator progress charted against baseline, milestones and target,
//! evidence with its hash, open inquiries, and its signed history as a timeline.

use super::charts;
use super::html::{self, E};
use super::i18n::{self, M};
use super::{render, Content, Cx, Fail, Nav, PageQuery, PageRequest};
use crate::core::event::{EventKind, Evidence};
use crate::core::projection::views::Card;
use crate::core::projection::{status_name, verdict_name, History};
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
pub struct CardQuery {
    /// The commitment id, e.g. `AP-2026/2.1`.
    #[param(required = true)]
    pub id: Option<String>,
}

/// One commitment's card.
#[utoipa::path(get, path = "/dashboard/commitment", tag = "dashboard", operation_id = "dashboard_commitment", params(PageQuery, CardQuery),
    responses(
        (status = 200, description = "The page", body = String, content_type = "text/html"),
        (status = 400, description = "No id, or a malformed id or as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
        (status = 404, description = "No such commitment at that point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(_): Q<CardQuery>,
) -> Response {
    render(st, req, Nav::Commitments, build).await
}

fn evidence_list(cx: &Cx, out: &mut String, ev: &[Evidence]) {
    if ev.is_empty() {
        let _ = write!(
            out,
            "<p class=\"flag-line\"><span class=\"flag\">{}</span></p>",
            E(cx.t(M::no_evidence))
        );
        return;
    }
    let _ = write!(
        out,
        "<ul class=\"evidence\" aria-label=\"{}\">",
        E(cx.t(M::evidence))
    );
    for e in ev {
        let _ = write!(
            out,
            "<li><dl class=\"facts tight\"><dt>{}</dt><dd><code class=\"hash\">{}</code></dd><dt>{}</dt><dd>{}</dd>",
            E(cx.t(M::sha256)),
            E(e.sha256.as_str()),
            E(cx.t(M::location)),
            html::location(&e.location, cx.t(M::external_link)),
        );
        if let Some(c) = &e.cites {
            let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", E(cx.t(M::cites)), E(c));
        }
        out.push_str("</dl></li>");
    }
    out.push_str("</ul>");
}

fn build(cx: &Cx, h: &History, snap: &dyn Snapshot) -> Result<Content, Fail> {
    let Some(id) = cx.req.param("id").map(str::to_string) else {
        return Err(Fail::bad(cx.t(M::choose_commitment)));
    };
    let req = query::Request {
        commitment: Some(id),
        ..cx.request()
    };
    let ans = query::answer(h, snap, View::Card, &req, cx.now)?;
    let (point, at) = (ans.as_of, ans.checkpoint);
    let ViewResult::Card(card) = ans.result else {
        return Err(Fail::bad("unexpected view"));
    };
    let card: &Card = &card;
    let f = &card.fields;
    let n = point.size;
    let rec = h.commitments.get(&f.id);
    let title = cx.title(&f.title_uk, f.title_en.as_deref());
    let phase = serde_json::to_value(card.phase)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let status = card
        .latest_claim
        .as_ref()
        .map(|c| status_name(c.status))
        .unwrap_or("no_report");

    let mut m = String::with_capacity(32 * 1024);
    let _ = write!(
        m,
        "<p class=\"crumbs\"><a href=\"{}\">{}</a> ›</p><h1><span class=\"id\">{}</span> {}</h1>",
        E(&cx.link("/dashboard/commitments", &[])),
        E(cx.t(M::commitments)),
        E(f.id.as_str()),
        E(title)
    );
    if cx.lang == i18n::Lang::En && f.title_en.is_some() {
        let _ = write!(m, "<p class=\"sub\" lang=\"uk\">{}</p>", E(&f.title_uk));
    }
    let _ = write!(
        m,
        "<p class=\"badges\"><span class=\"status st-{status}\">{}</span> <span class=\"badge\">{}: {}</span>",
        E(i18n::status(cx.lang, status)),
        E(cx.t(M::phase)),
        E(i18n::phase(cx.lang, &phase)),
    );
    if let Some(d) = card.overdue_days {
        let _ = write!(
            m,
            " <span class=\"badge bad\">{}: {d} {}</span>",
            E(cx.t(M::overdue)),
            E(cx.t(M::days))
        );
    }
    if let Some(r) = &card.at_risk {
        let _ = write!(
            m,
            " <span class=\"badge warn\">{}: {}</span>",
            E(cx.t(M::at_risk_reason)),
            E(r)
        );
    }
    m.push_str("</p>");

    // Facts.
    let _ = write!(m, "<dl class=\"facts card-facts\">");
    let _ = write!(
        m,
        "<dt>{}</dt><dd>{}</dd>",
        E(cx.t(M::lead)),
        card.responsibility
            .lead
            .as_ref()
            .map(|b| cx.body_link(h, b))
            .unwrap_or_else(|| "—".into())
    );
    if !card.responsibility.co_executors.is_empty() {
        let names: Vec<String> = card
            .responsibility
            .co_executors
            .iter()
            .map(|b| cx.body_link(h, b))
            .collect();
        let _ = write!(
            m,
            "<dt>{}</dt><dd>{}</dd>",
            E(cx.t(M::co_executors)),
            names.join(", ")
        );
    }
    if let Some(o) = &f.objective {
        let t = h
            .objectives
            .get(o)
            .map(|x| cx.title(&x.title_uk, x.title_en.as_deref()))
            .unwrap_or("");
        let comps: Vec<&str> = h
            .objectives
            .get(o)
            .map(|x| {
                x.components
                    .iter()
                    .filter_map(|c| {
                        let v = serde_json::to_value(c).ok()?;
                        let s = v.as_str()?;
                        i18n::COMPONENTS.iter().copied().find(|k| *k == s)
                    })
                    .map(|k| i18n::component(cx.lang, k))
                    .collect()
            })
            .unwrap_or_default();
        let _ = write!(
            m,
            "<dt>{}</dt><dd><a href=\"{}\">{}</a> {}</dd>",
            E(cx.t(M::objective)),
            E(&cx.link("/dashboard/commitments", &[("objective", o.as_str())])),
            E(o.as_str()),
            E(t)
        );
        if !comps.is_empty() {
            let _ = write!(
                m,
                "<dt>{}</dt><dd>{}</dd>",
                E(cx.t(M::component)),
                E(&comps.join(", "))
            );
        }
    }
    let _ = write!(
        m,
        "<dt>{}</dt><dd>{}",
        E(cx.t(M::current_deadline)),
        cx.date(card.deadline.current)
    );
    if card.deadline.current != card.deadline.original {
        let _ = write!(
            m,
            " <span class=\"sub\">({} {}, {} {})</span>",
            E(cx.t(M::original_deadline)).to_string().to_lowercase(),
            cx.date(card.deadline.original),
            E(cx.t(M::days_slipped)).to_string().to_lowercase(),
            card.deadline.days_slipped
        );
    }
    m.push_str("</dd>");
    if let Some(r) = rec {
        let _ = write!(
            m,
            "<dt>{}</dt><dd>{} — {}</dd>",
            E(cx.t(M::created)),
            cx.datetime(r.created_at),
            cx.body_link(h, &r.created_by)
        );
    }
    if let Some(d) = &f.description {
        let _ = write!(m, "<dt>{}</dt><dd>{}</dd>", E(cx.t(M::description)), E(d));
    }
    if let Some(a) = &f.act {
        let _ = write!(m, "<dt>{}</dt><dd>{}</dd>", E(cx.t(M::act)), E(a));
    }
    if let Some(fu) = &f.funding {
        let src = serde_json::to_value(fu.source)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = write!(
            m,
            "<dt>{}</dt><dd>{} {} ({})</dd>",
            E(cx.t(M::funding)),
            E(fu.amount.as_str()),
            E(&fu.currency),
            E(i18n::funding_source(cx.lang, &src))
        );
    }
    if let Some(s) = &card.superseded_by {
        let _ = write!(
            m,
            "<dt>{}</dt><dd>{}</dd>",
            E(cx.t(M::superseded_by)),
            cx.commitment_link(s)
        );
    }
    m.push_str("</dl>");

    // The claim beside the assessment.
    let _ = write!(
        m,
        "<section aria-labelledby=\"claim\"><h2 id=\"claim\">{}</h2><div class=\"two\">",
        E(cx.t(M::claim_vs_assessment))
    );
    let _ = write!(
        m,
        "<article class=\"panel\" id=\"latest-claim\"><h3>{}</h3>",
        E(cx.t(M::claim))
    );
    match &card.latest_claim {
        None => {
            let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_claim)));
        }
        Some(c) => {
            let s = status_name(c.status);
            let _ = write!(
                m,
                "<p><span class=\"status st-{s}\">{}</span> — {}, {}</p>",
                E(i18n::status(cx.lang, s)),
                cx.body_link(h, &c.by),
                cx.datetime(c.at)
            );
            if let Some(note) = &c.note {
                let _ = write!(m, "<blockquote>{}</blockquote>", E(note));
            }
            evidence_list(cx, &mut m, &c.evidence);
            let _ = write!(
                m,
                "<p class=\"sub\">{} <a href=\"{}\">#{}</a> · <code>{}</code></p>",
                E(cx.t(M::seq)),
                E(&cx.link("/dashboard/integrity", &[("seq", &c.seq.to_string())])),
                c.seq,
                E(c.event_id.as_str())
            );
        }
    }
    m.push_str("</article>");
    let _ = write!(
        m,
        "<article class=\"panel\" id=\"latest-assessment\"><h3>{}</h3>",
        E(cx.t(M::assessment))
    );
    match &card.latest_assessment {
        None => {
            let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_assessment)));
        }
        Some(a) => {
            let v = verdict_name(a.verdict);
            let _ = write!(
                m,
                "<p><span class=\"verdict v-{v}\">{}</span> — {}, {}</p>",
                E(i18n::verdict(cx.lang, v)),
                cx.body_link(h, &a.by),
                cx.datetime(a.at)
            );
            if let Some(claim) = &a.claim {
                let _ = write!(
                    m,
                    "<p class=\"sub\">{}: <code>{}</code></p>",
                    E(cx.t(M::assessed_claim)),
                    E(claim.as_str())
                );
            }
            if let Some(note) = &a.note {
                let _ = write!(m, "<blockquote>{}</blockquote>", E(note));
            }
            if !a.evidence.is_empty() {
                evidence_list(cx, &mut m, &a.evidence);
            }
            let _ = write!(
                m,
                "<p class=\"sub\">{} <a href=\"{}\">#{}</a></p>",
                E(cx.t(M::seq)),
                E(&cx.link("/dashboard/integrity", &[("seq", &a.seq.to_string())])),
                a.seq
            );
        }
    }
    m.push_str("</article></div>");
    // Every report and assessment, with its evidence.
    let _ = write!(
        m,
        "<details class=\"all-claims\"><summary>{} ({})</summary><ol class=\"plain claims\">",
        E(cx.t(M::all_reports)),
        card.claims.len() + card.assessments.len()
    );
    let mut items: Vec<(u64, String)> = Vec::new();
    for c in &card.claims {
        let s = status_name(c.status);
        let mut li = format!(
            "<li><span class=\"status st-{s}\">{}</span> — {}, {} <a href=\"{}\">#{}</a>",
            E(i18n::status(cx.lang, s)),
            cx.body_link(h, &c.by),
            cx.datetime(c.at),
            E(&cx.link("/dashboard/integrity", &[("seq", &c.seq.to_string())])),
            c.seq
        );
        if let Some(note) = &c.note {
            let _ = write!(li, "<blockquote>{}</blockquote>", E(note));
        }
        evidence_list(cx, &mut li, &c.evidence);
        li.push_str("</li>");
        items.push((c.seq, li));
    }
    for a in &card.assessments {
        let v = verdict_name(a.verdict);
        let mut li = format!(
            "<li><span class=\"verdict v-{v}\">{}: {}</span> — {}, {} <a href=\"{}\">#{}</a>",
            E(cx.t(M::assessment)),
            E(i18n::verdict(cx.lang, v)),
            cx.body_link(h, &a.by),
            cx.datetime(a.at),
            E(&cx.link("/dashboard/integrity", &[("seq", &a.seq.to_string())])),
            a.seq
        );
        if let Some(note) = &a.note {
            let _ = write!(li, "<blockquote>{}</blockquote>", E(note));
        }
        if !a.evidence.is_empty() {
            evidence_list(cx, &mut li, &a.evidence);
        }
        li.push_str("</li>");
        items.push((a.seq, li));
    }
    items.sort_by_key(|x| std::cmp::Reverse(x.0));
    for (_, li) in items {
        m.push_str(&li);
    }
    m.push_str("</ol></details></section>");

    // Indicators.
    let _ = write!(
        m,
        "<section aria-labelledby=\"indicators\"><h2 id=\"indicators\">{}</h2>",
        E(cx.t(M::indicators))
    );
    if card.indicators.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_indicators)));
    }
    let start = rec
        .map(|r| h.date_of(r.created_at))
        .unwrap_or(card.deadline.original);
    for ip in &card.indicators {
        let ind = &ip.indicator;
        let _ = write!(
            m,
            "<article class=\"indicator\"><h3><code>{}</code> {}</h3><dl class=\"facts inline\">",
            E(ind.id.as_str()),
            E(cx.title(&ind.name_uk, ind.name_en.as_deref()))
        );
        for (label, v) in [
            (M::unit, ind.unit.as_deref()),
            (M::baseline, ind.baseline.as_ref().map(|d| d.as_str())),
            (M::target, ind.target.as_ref().map(|d| d.as_str())),
        ] {
            let _ = write!(
                m,
                "<dt>{}</dt><dd>{}</dd>",
                E(cx.t(label)),
                E(v.unwrap_or("—"))
            );
        }
        if let Some(l) = &ip.latest {
            let _ = write!(
                m,
                "<dt>{}</dt><dd><strong>{}</strong> ({})</dd>",
                E(cx.t(M::measured)),
                E(l.value.as_str()),
                cx.date(l.as_of)
            );
        }
        m.push_str("</dl>");
        m.push_str(&charts::indicator(
            cx,
            ip,
            start,
            card.deadline.current,
            point.today,
        ));
        let _ = write!(
            m,
            "<details><summary>{} ({})</summary>",
            E(cx.t(M::measurements)),
            ip.measurements.len()
        );
        if ip.measurements.is_empty() && ind.milestones.is_empty() {
            let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_measurements)));
        } else {
            let _ = write!(
                m,
                "<div class=\"table-wrap\"><table class=\"data\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
                E(cx.t(M::date)),
                E(cx.t(M::value)),
                E(cx.t(M::source)),
                E(cx.t(M::signed_by)),
                E(cx.t(M::evidence)),
            );
            for ms in &ind.milestones {
                let _ = write!(
                    m,
                    "<tr class=\"milestone-row\"><td>{}</td><td class=\"num\">{}</td><td>{}</td><td></td><td></td></tr>",
                    cx.date(ms.date),
                    E(ms.value.as_str()),
                    E(cx.t(M::milestones))
                );
            }
            for x in &ip.measurements {
                let mut ev = String::new();
                if !x.evidence.is_empty() {
                    evidence_list(cx, &mut ev, &x.evidence);
                }
                let _ = write!(
                    m,
                    "<tr><td>{}</td><td class=\"num\">{}</td><td><a href=\"{}\">#{}</a></td><td>{}</td><td>{}</td></tr>",
                    cx.date(x.as_of),
                    E(x.value.as_str()),
                    E(&cx.link("/dashboard/integrity", &[("seq", &x.seq.to_string())])),
                    x.seq,
                    cx.body_link(h, &x.by),
                    ev
                );
            }
            m.push_str("</tbody></table></div>");
        }
        m.push_str("</details></article>");
    }
    m.push_str("</section>");

    // Responsibility.
    let r = &card.responsibility;
    let _ = write!(
        m,
        "<section aria-labelledby=\"resp\"><h2 id=\"resp\">{}</h2>",
        E(cx.t(M::responsibility))
    );
    if let Some(p) = &r.pending_assignment {
        let _ = write!(
            m,
            "<p class=\"notice warn\">{}: {} ({} {})</p>",
            E(cx.t(M::pending_assignment)),
            cx.body_link(h, &p.to),
            p.days,
            E(cx.t(M::days))
        );
    }
    if let Some(p) = &r.pending_handover {
        let _ = write!(
            m,
            "<p class=\"notice warn\">{}: → {} ({} {})</p>",
            E(cx.t(M::pending_handover)),
            cx.body_link(h, &p.to),
            p.days,
            E(cx.t(M::days))
        );
    }
    let _ = write!(
        m,
        "<div class=\"table-wrap\"><table class=\"data\"><caption>{}</caption><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        E(cx.t(M::lead_history)),
        E(cx.t(M::body)),
        E(cx.t(M::role_in_item)),
        E(cx.t(M::from)),
        E(cx.t(M::to)),
        E(cx.t(M::how)),
    );
    let mut spans: Vec<(&crate::core::projection::Interval, M)> =
        r.leads.iter().map(|l| (l, M::role_lead)).collect();
    spans.extend(r.co_executor_history.iter().map(|l| (l, M::role_co)));
    spans.sort_by_key(|(l, _)| l.from);
    for (l, role) in spans {
        let how = serde_json::to_value(l.how)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let _ = write!(
            m,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            cx.body_link(h, &l.body),
            E(cx.t(role)),
            cx.datetime(l.from_at),
            l.to_at
                .map(|t| cx.datetime(t))
                .unwrap_or_else(|| E(cx.t(M::until_now)).to_string()),
            E(i18n::how(cx.lang, &how)),
        );
    }
    m.push_str("</tbody></table></div></section>");

    // Handovers.
    let _ = write!(
        m,
        "<section aria-labelledby=\"handovers\"><h2 id=\"handovers\">{}</h2>",
        E(cx.t(M::handovers))
    );
    if card.handovers.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
    } else {
        let _ = write!(
            m,
            "<div class=\"table-wrap\"><table class=\"data\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            E(cx.t(M::date)),
            E(cx.t(M::from)),
            E(cx.t(M::to)),
            E(cx.t(M::proposed_by)),
            E(cx.t(M::reason)),
            E(cx.t(M::outcome)),
        );
        for x in &card.handovers {
            let outcome = match &x.outcome {
                Some((_, at, o)) => {
                    let name = serde_json::to_value(o)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    format!(
                        "<span class=\"outcome o-{}\">{}</span> {}",
                        E(&name),
                        E(i18n::outcome(cx.lang, &name)),
                        cx.datetime(*at)
                    )
                }
                None => format!(
                    "<span class=\"outcome o-pending\">{}</span>",
                    E(cx.t(M::pending))
                ),
            };
            let _ = write!(
                m,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                cx.datetime(x.at),
                x.from
                    .as_ref()
                    .map(|b| cx.body_link(h, b))
                    .unwrap_or_default(),
                cx.body_link(h, &x.to),
                cx.body_link(h, &x.proposer),
                E(&x.reason),
                outcome
            );
        }
        m.push_str("</tbody></table></div>");
    }
    if let Some(rec) = rec {
        let reassign: Vec<_> = rec.reassignments.iter().filter(|x| x.0 < n).collect();
        if !reassign.is_empty() {
            let _ = write!(
                m,
                "<h3>{}</h3><ul class=\"plain\">",
                E(i18n::event_type(cx.lang, EventKind::CommitmentReassigned))
            );
            for (_, at, from, to, reason) in reassign {
                let _ = write!(
                    m,
                    "<li>{}: {} → {} — {}</li>",
                    cx.datetime(*at),
                    cx.body_link(h, from),
                    cx.body_link(h, to),
                    E(reason)
                );
            }
            m.push_str("</ul>");
        }
    }
    m.push_str("</section>");

    // Deadlines.
    let d = &card.deadline;
    let _ = write!(
        m,
        "<section aria-labelledby=\"deadlines\"><h2 id=\"deadlines\">{}</h2><dl class=\"facts inline\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        E(cx.t(M::deadline_changes)),
        E(cx.t(M::original_deadline)),
        cx.date(d.original),
        E(cx.t(M::current_deadline)),
        cx.date(d.current),
        E(cx.t(M::days_slipped)),
        d.days_slipped
    );
    if !d.changes.is_empty() {
        let _ = write!(
            m,
            "<div class=\"table-wrap\"><table class=\"data\" id=\"deadline-changes\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            E(cx.t(M::date)),
            E(cx.t(M::from)),
            E(cx.t(M::to)),
            E(cx.t(M::reason)),
            E(cx.t(M::changed_by)),
        );
        for c in &d.changes {
            let _ = write!(
                m,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                cx.datetime(c.at),
                cx.date(c.from),
                cx.date(c.to),
                E(&c.reason),
                cx.body_link(h, &c.by)
            );
        }
        m.push_str("</tbody></table></div>");
    }
    if !card.extension_requests.is_empty() {
        let _ = write!(
            m,
            "<h3>{}</h3><ul class=\"plain\">",
            E(cx.t(M::extension_requests))
        );
        for (_, at, _, to, reason) in &card.extension_requests {
            let _ = write!(
                m,
                "<li>{}: {} {} — {}</li>",
                cx.datetime(*at),
                E(cx.t(M::requested)),
                cx.date(*to),
                E(reason)
            );
        }
        m.push_str("</ul>");
    }
    m.push_str("</section>");

    // Open inquiries.
    if !card.open_inquiries.is_empty() {
        let _ = write!(
            m,
            "<section aria-labelledby=\"inq\"><h2 id=\"inq\">{}</h2><ul class=\"plain\">",
            E(cx.t(M::open_inquiries))
        );
        for q in &card.open_inquiries {
            let _ = write!(
                m,
                "<li><strong>{}</strong> — {} → {}, {} {}: {}</li>",
                E(q.id.as_str()),
                cx.body_link(h, &q.by),
                cx.body_link(h, &q.to),
                E(cx.t(M::due)).to_string().to_lowercase(),
                cx.date(q.due),
                E(&q.question)
            );
        }
        m.push_str("</ul></section>");
    }

    // The signed history.
    let _ = write!(
        m,
        "<section aria-labelledby=\"history\"><h2 id=\"history\">{}</h2><p class=\"help\">{}</p><ol class=\"timeline\" reversed>",
        E(cx.t(M::history)),
        E(cx.t(M::history_help))
    );
    for x in card.history.iter().rev() {
        let _ = write!(
            m,
            "<li class=\"event k-{}\"><div class=\"when\">{}</div><div class=\"what\"><strong>{}</strong> — {}\
             <div class=\"sig\">{} {} · {} <code>{}</code> · {} <code>{}</code> · <a href=\"{}\">#{} {}</a></div>\
             <div class=\"summary\">{}</div></div></li>",
            E(&x.kind.name().replace('.', "-")),
            cx.datetime(x.recorded_at),
            E(i18n::event_type(cx.lang, x.kind)),
            cx.body_link(h, &x.author),
            E(cx.t(M::signed_by)),
            cx.body_link(h, &x.author),
            E(cx.t(M::key)),
            E(x.key.as_str()),
            E(cx.t(M::event_id)),
            E(x.event_id.as_str()),
            E(&cx.link("/dashboard/integrity", &[("seq", &x.seq.to_string())])),
            x.seq,
            E(cx.t(M::verify)).to_string().to_lowercase(),
            E(&x.summary),
        );
    }
    m.push_str("</ol></section>");
    Ok(Content {
        title: format!("{} {}", f.id, title),
        main: m,
        point,
        at,
    })
}
