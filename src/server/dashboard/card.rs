//! A commitment's card: everything `views::card` knows about one item — its fields, who was
//! responsible when, handovers, deadline changes with reasons, the latest claim beside the
//! latest assessment, indicator progress charted against baseline, milestones and target,
//! evidence with its hash, open inquiries, and its signed history as a timeline.

use super::charts;
use super::html::{self, E};
use super::i18n::{self, M};
use super::{documented, given, render, Content, Cx, Fail, Page, PageQuery, PageRequest};
use crate::core::event::{EventKind, Evidence};
use crate::core::projection::views::{Card, IndicatorProgress};
use crate::core::projection::{status_name, verdict_name, AssessmentRec, ClaimRec, History};
use crate::query::{self, Answered};
use crate::server::{AppState, Routes, Q};
use crate::store::Snapshot;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa::IntoParams;

/// Shown under Commitments; not in the navigation itself.
pub const PAGE: Page = Page {
    section: "commitments",
    menu: None,
    path: "/dashboard/commitment",
    route,
    doc: documented::<__path_page>,
};

fn route(r: Routes) -> Routes {
    r.get("/dashboard/commitment", page)
}

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
    Q(q): Q<CardQuery>,
) -> Response {
    render(st, req, &PAGE, move |cx, h, snap| {
        let v = view(cx, h, snap, &q)?;
        Ok(content(cx, h, &v))
    })
    .await
}

/// The card of the commitment asked for, at the page's point.
pub fn view(
    cx: &Cx,
    h: &History,
    snap: &dyn Snapshot,
    q: &CardQuery,
) -> Result<Answered<Card>, Fail> {
    let Some(id) = given(&q.id) else {
        return Err(Fail::bad(cx.t(M::choose_commitment)));
    };
    let req = query::Request {
        commitment: Some(id.to_string()),
        ..cx.request()
    };
    Ok(query::answered(
        snap,
        query::ask(h, &req, cx.now)?.card(h)?,
    )?)
}

pub fn content(cx: &Cx, h: &History, v: &Answered<Card>) -> Content {
    let card = &v.result;
    let f = &card.fields;
    let title = cx.title(&f.title_uk, f.title_en.as_deref());
    let mut m = String::with_capacity(32 * 1024);
    heading(&mut m, cx, card);
    facts(&mut m, cx, h, card);
    claims(&mut m, cx, h, card);
    indicators(&mut m, cx, h, v);
    responsibility(&mut m, cx, h, card);
    handovers(&mut m, cx, h, v);
    deadlines(&mut m, cx, h, card);
    open_inquiries(&mut m, cx, h, card);
    history(&mut m, cx, h, card);
    Content {
        title: format!("{} {}", f.id, title),
        main: m,
        point: v.as_of,
        at: v.checkpoint,
    }
}

/// A link to the integrity page's record `seq`.
fn record_link(cx: &Cx, seq: u64) -> String {
    E(&cx.link("/dashboard/integrity", &[("seq", &seq.to_string())])).to_string()
}

/// A table's opening, with a header row.
fn thead(m: &mut String, cx: &Cx, attrs: &str, caption: Option<M>, columns: &[M]) {
    let _ = write!(m, "<div class=\"table-wrap\"><table class=\"data\"{attrs}>");
    if let Some(c) = caption {
        let _ = write!(m, "<caption>{}</caption>", E(cx.t(c)));
    }
    m.push_str("<thead><tr>");
    for c in columns {
        let _ = write!(m, "<th scope=\"col\">{}</th>", E(cx.t(*c)));
    }
    m.push_str("</tr></thead><tbody>");
}

/// The crumbs, the id and title, and badges: latest status, phase, overdue, at risk.
fn heading(m: &mut String, cx: &Cx, card: &Card) {
    let f = &card.fields;
    let phase = serde_json::to_value(card.phase)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    let status = card
        .latest_claim
        .as_ref()
        .map(|c| status_name(c.status))
        .unwrap_or("no_report");
    let _ = write!(
        m,
        "<p class=\"crumbs\"><a href=\"{}\">{}</a> ›</p><h1><span class=\"id\">{}</span> {}</h1>",
        E(&cx.link("/dashboard/commitments", &[])),
        E(cx.t(M::commitments)),
        E(f.id.as_str()),
        E(cx.title(&f.title_uk, f.title_en.as_deref()))
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
            " <span class=\"badge bad\">{}: {}</span>",
            E(cx.t(M::overdue)),
            E(&cx.count(d.max(0) as u64, &crate::core::l10n::DAYS))
        );
    }
    if let Some(r) = &card.at_risk {
        let _ = write!(
            m,
            " <span class=\"badge warn\">{}: {}</span>",
            E(cx.t(M::at_risk_reason)),
            E(&r.text(cx.lang))
        );
    }
    m.push_str("</p>");
}

/// One fact of the facts list (`value` is HTML).
fn fact(m: &mut String, cx: &Cx, label: M, value: &str) {
    let _ = write!(m, "<dt>{}</dt><dd>{value}</dd>", E(cx.t(label)));
}

/// Who leads and co-executes it, its objective, deadline, creation, texts and funding.
fn facts(m: &mut String, cx: &Cx, h: &History, card: &Card) {
    let f = &card.fields;
    let _ = write!(m, "<dl class=\"facts card-facts\">");
    let lead = card.responsibility.lead.as_ref();
    let lead = lead
        .map(|b| cx.body_link(h, b))
        .unwrap_or_else(|| "—".into());
    fact(m, cx, M::lead, &lead);
    if !card.responsibility.co_executors.is_empty() {
        let co = &card.responsibility.co_executors;
        let names: Vec<String> = co.iter().map(|b| cx.body_link(h, b)).collect();
        fact(m, cx, M::co_executors, &names.join(", "));
    }
    objective_facts(m, cx, h, card);
    deadline_fact(m, cx, card);
    if let Some(r) = h.commitments.get(&f.id) {
        let created = format!(
            "{} — {}",
            cx.datetime(r.created_at),
            cx.body_link(h, &r.created_by)
        );
        fact(m, cx, M::created, &created);
    }
    if let Some(d) = &f.description {
        fact(m, cx, M::description, &E(d).to_string());
    }
    if let Some(a) = &f.act {
        fact(m, cx, M::act, &E(a).to_string());
    }
    if let Some(fu) = &f.funding {
        let src = serde_json::to_value(fu.source)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let funding = format!(
            "<span class=\"nowrap\">{}</span> ({})",
            E(&crate::core::l10n::money(
                cx.lang,
                fu.amount.as_str(),
                &fu.currency
            )),
            E(i18n::funding_source(cx.lang, &src))
        );
        fact(m, cx, M::funding, &funding);
    }
    if let Some(s) = &card.superseded_by {
        fact(m, cx, M::superseded_by, &cx.commitment_link(s));
    }
    m.push_str("</dl>");
}

/// The objective it serves and that objective's EU IBM components.
fn objective_facts(m: &mut String, cx: &Cx, h: &History, card: &Card) {
    let Some(o) = &card.fields.objective else {
        return;
    };
    let obj = h.objectives.get(o);
    let t = obj
        .map(|x| cx.title(&x.title_uk, x.title_en.as_deref()))
        .unwrap_or("");
    let comps: Vec<&str> = obj
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
    let link = format!(
        "<a href=\"{}\">{}</a> {}",
        E(&cx.link("/dashboard/commitments", &[("objective", o.as_str())])),
        E(o.as_str()),
        E(t)
    );
    fact(m, cx, M::objective, &link);
    if !comps.is_empty() {
        fact(m, cx, M::component, &E(&comps.join(", ")).to_string());
    }
}

/// The current deadline, and how far it slipped from the original.
fn deadline_fact(m: &mut String, cx: &Cx, card: &Card) {
    let d = &card.deadline;
    let _ = write!(
        m,
        "<dt>{}</dt><dd>{}",
        E(cx.t(M::current_deadline)),
        cx.date(d.current)
    );
    if d.current != d.original {
        let _ = write!(
            m,
            " <span class=\"sub\">({} {}, {} {})</span>",
            E(cx.t(M::original_deadline)).to_string().to_lowercase(),
            cx.date(d.original),
            E(cx.t(M::days_slipped)).to_string().to_lowercase(),
            d.days_slipped
        );
    }
    m.push_str("</dd>");
}

/// The latest claim beside the latest assessment, and every report and assessment below.
fn claims(m: &mut String, cx: &Cx, h: &History, card: &Card) {
    let _ = write!(
        m,
        "<section aria-labelledby=\"claim\"><h2 id=\"claim\">{}</h2><div class=\"two\">",
        E(cx.t(M::claim_vs_assessment))
    );
    latest_claim(m, cx, h, card.latest_claim.as_ref());
    latest_assessment(m, cx, h, card.latest_assessment.as_ref());
    m.push_str("</div>");
    all_reports(m, cx, h, card);
    m.push_str("</section>");
}

fn latest_claim(m: &mut String, cx: &Cx, h: &History, claim: Option<&ClaimRec>) {
    let _ = write!(
        m,
        "<article class=\"panel\" id=\"latest-claim\"><h3>{}</h3>",
        E(cx.t(M::claim))
    );
    match claim {
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
            evidence_list(cx, m, &c.evidence);
            let _ = write!(
                m,
                "<p class=\"sub\">{} <a href=\"{}\">#{}</a> · <code>{}</code></p>",
                E(cx.t(M::seq)),
                record_link(cx, c.seq),
                c.seq,
                E(c.event_id.as_str())
            );
        }
    }
    m.push_str("</article>");
}

fn latest_assessment(m: &mut String, cx: &Cx, h: &History, assessment: Option<&AssessmentRec>) {
    let _ = write!(
        m,
        "<article class=\"panel\" id=\"latest-assessment\"><h3>{}</h3>",
        E(cx.t(M::assessment))
    );
    match assessment {
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
                evidence_list(cx, m, &a.evidence);
            }
            let _ = write!(
                m,
                "<p class=\"sub\">{} <a href=\"{}\">#{}</a></p>",
                E(cx.t(M::seq)),
                record_link(cx, a.seq),
                a.seq
            );
        }
    }
    m.push_str("</article>");
}

/// Every report and assessment, latest first, with its evidence.
fn all_reports(m: &mut String, cx: &Cx, h: &History, card: &Card) {
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
            record_link(cx, c.seq),
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
            record_link(cx, a.seq),
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
    m.push_str("</ol></details>");
}

/// Each indicator: its baseline, target and latest value, its chart and its measurements.
fn indicators(m: &mut String, cx: &Cx, h: &History, v: &Answered<Card>) {
    let card = &v.result;
    let _ = write!(
        m,
        "<section aria-labelledby=\"indicators\"><h2 id=\"indicators\">{}</h2>",
        E(cx.t(M::indicators))
    );
    if card.indicators.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_indicators)));
    }
    let start = h
        .commitments
        .get(&card.fields.id)
        .map(|r| h.date_of(r.created_at))
        .unwrap_or(card.deadline.original);
    for ip in &card.indicators {
        indicator(m, cx, ip);
        let chart = charts::indicator(cx, ip, start, card.deadline.current, v.as_of.today);
        m.push_str(&chart);
        measurements(m, cx, h, ip);
        m.push_str("</article>");
    }
    m.push_str("</section>");
}

/// An indicator's heading and facts.
fn indicator(m: &mut String, cx: &Cx, ip: &IndicatorProgress) {
    let ind = &ip.indicator;
    let _ = write!(
        m,
        "<article class=\"indicator\"><h3><code>{}</code> {}</h3><dl class=\"facts inline\">",
        E(ind.id.as_str()),
        E(cx.title(&ind.name_uk, ind.name_en.as_deref()))
    );
    let number = |d: &crate::core::types::Decimal| crate::core::l10n::decimal(cx.lang, d.as_str());
    for (label, v) in [
        (M::unit, ind.unit.clone()),
        (M::baseline, ind.baseline.as_ref().map(number)),
        (M::target, ind.target.as_ref().map(number)),
    ] {
        fact(m, cx, label, &E(v.as_deref().unwrap_or("—")).to_string());
    }
    if let Some(l) = &ip.latest {
        let latest = format!(
            "<strong>{}</strong> ({})",
            E(&number(&l.value)),
            cx.date(l.as_of)
        );
        fact(m, cx, M::measured, &latest);
    }
    m.push_str("</dl>");
}

/// An indicator's milestones and measurements, in a table that opens on request.
fn measurements(m: &mut String, cx: &Cx, h: &History, ip: &IndicatorProgress) {
    let ind = &ip.indicator;
    let _ = write!(
        m,
        "<details><summary>{} ({})</summary>",
        E(cx.t(M::measurements)),
        ip.measurements.len()
    );
    if ip.measurements.is_empty() && ind.milestones.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_measurements)));
    } else {
        let columns = [M::date, M::value, M::source, M::signed_by, M::evidence];
        thead(m, cx, "", None, &columns);
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
                record_link(cx, x.seq),
                x.seq,
                cx.body_link(h, &x.by),
                ev
            );
        }
        m.push_str("</tbody></table></div>");
    }
    m.push_str("</details>");
}

/// Pending assignment or handover, and who led and co-executed it when.
fn responsibility(m: &mut String, cx: &Cx, h: &History, card: &Card) {
    let r = &card.responsibility;
    let _ = write!(
        m,
        "<section aria-labelledby=\"resp\"><h2 id=\"resp\">{}</h2>",
        E(cx.t(M::responsibility))
    );
    for (label, p) in [
        (M::pending_assignment, &r.pending_assignment),
        (M::pending_handover, &r.pending_handover),
    ] {
        if let Some(p) = p {
            let arrow = if label == M::pending_handover {
                "→ "
            } else {
                ""
            };
            let _ = write!(
                m,
                "<p class=\"notice warn\">{}: {arrow}{} ({})</p>",
                E(cx.t(label)),
                cx.body_link(h, &p.to),
                E(&cx.count(p.days.max(0) as u64, &crate::core::l10n::DAYS))
            );
        }
    }
    let columns = [M::body, M::role_in_item, M::from, M::to, M::how];
    thead(m, cx, "", Some(M::lead_history), &columns);
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
}

/// Its handovers with their outcomes, and its reassignments.
fn handovers(m: &mut String, cx: &Cx, h: &History, v: &Answered<Card>) {
    let card = &v.result;
    let _ = write!(
        m,
        "<section aria-labelledby=\"handovers\"><h2 id=\"handovers\">{}</h2>",
        E(cx.t(M::handovers))
    );
    if card.handovers.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
    } else {
        let columns = [
            M::date,
            M::from,
            M::to,
            M::proposed_by,
            M::reason,
            M::outcome,
        ];
        thead(m, cx, "", None, &columns);
        for x in &card.handovers {
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
                super::outcome(cx, x.outcome.map(|(_, at, o)| (at, o)))
            );
        }
        m.push_str("</tbody></table></div>");
    }
    reassignments(m, cx, h, card, v.as_of.size);
    m.push_str("</section>");
}

/// Who reassigned it, from whom to whom, before entry `n`.
fn reassignments(m: &mut String, cx: &Cx, h: &History, card: &Card, n: u64) {
    let Some(rec) = h.commitments.get(&card.fields.id) else {
        return;
    };
    let reassign: Vec<_> = rec.reassignments.iter().filter(|x| x.0 < n).collect();
    if reassign.is_empty() {
        return;
    }
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

/// The deadline's original and current dates, its changes with reasons, and the requests.
fn deadlines(m: &mut String, cx: &Cx, h: &History, card: &Card) {
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
        let columns = [M::date, M::from, M::to, M::reason, M::changed_by];
        thead(m, cx, " id=\"deadline-changes\"", None, &columns);
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
}

fn open_inquiries(m: &mut String, cx: &Cx, h: &History, card: &Card) {
    if card.open_inquiries.is_empty() {
        return;
    }
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

/// The signed history, latest first: who signed what with which key, each record verifiable.
fn history(m: &mut String, cx: &Cx, h: &History, card: &Card) {
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
            record_link(cx, x.seq),
            x.seq,
            E(cx.t(M::verify)).to_string().to_lowercase(),
            E(x.summary.get(cx.lang)),
        );
    }
    m.push_str("</ol></section>");
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
