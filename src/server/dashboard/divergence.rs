//! The divergence board (`/dashboard/divergence`): where what executors claim and what
//! overseers found part ways — claimed implemented but not confirmed, contested claims, claims
//! without evidence, and assessments older than the latest claim (`views::divergence`).

use super::download::{self, Csv};
use super::html::E;
use super::i18n::{self, Lang, Say, M};
use super::{documented, render, Content, Cx, Page, PageQuery, PageRequest};
use crate::core::projection::views::{self, DivergenceItem, DivergenceKind, DivergenceView};
use crate::core::projection::History;
use crate::server::{AppState, Routes, Q};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa::IntoParams;

pub const PAGE: Page = Page {
    section: "divergence",
    menu: Some(M::h_divergence),
    path: "/dashboard/divergence",
    route,
    doc: documented::<__path_page>,
};

fn route(r: Routes) -> Routes {
    r.get("/dashboard/divergence", page)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DivergenceQuery {
    /// `csv`: the board as CSV (UTF-8 with BOM) instead of the page.
    pub format: Option<String>,
    /// Only this kind of divergence (`unconfirmed`, `contested`, `no_evidence`,
    /// `stale_assessment`); the page lists at most 500 items of each kind unless one is chosen.
    pub kind: Option<String>,
    /// The page of the chosen kind, from 1.
    pub page: Option<String>,
}

/// The divergence board.
#[utoipa::path(get, path = "/dashboard/divergence", tag = "dashboard", operation_id = "dashboard_divergence", params(PageQuery, DivergenceQuery),
    responses(
        (status = 200, description = "The page (HTML), or its table as CSV with format=csv", content((String = "text/html"), (String = "text/csv"))),
        (status = 400, description = "A malformed as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<DivergenceQuery>,
) -> Response {
    if q.format.as_deref() == Some("csv") {
        return download::render(st, req, &PAGE, |cx, h, _| {
            let p = cx.point(h)?;
            let v = views::divergence(h, p);
            Ok((csv(cx, h, &v), p.today, p.size))
        })
        .await;
    }
    render(st, req, &PAGE, move |cx, h, snap| {
        let (p, at) = cx.resolve(h, snap)?;
        let v = views::divergence(h, p);
        let kind = match super::given(&q.kind) {
            None => None,
            Some(k) => Some(
                DivergenceKind::ALL
                    .into_iter()
                    .find(|x| x.name() == k)
                    .ok_or_else(|| {
                        let all: Vec<&str> = DivergenceKind::ALL.iter().map(|x| x.name()).collect();
                        super::Fail::bad(
                            cx.t(M::bad_choice)
                                .replace("{field}", cx.t(M::h_divergence_kind))
                                .replace("{value}", k)
                                .replace("{list}", &all.join(", ")),
                        )
                    })?,
            ),
        };
        Ok(Content {
            title: cx.t(M::h_divergence).to_string(),
            main: content(cx, h, &v, kind, &q.page),
            point: p,
            at,
        })
    })
    .await
}

pub fn kind_label(l: Lang, k: DivergenceKind) -> &'static str {
    l.t(match k {
        DivergenceKind::Unconfirmed => M::h_div_unconfirmed,
        DivergenceKind::Contested => M::h_div_contested,
        DivergenceKind::NoEvidence => M::h_div_no_evidence,
        DivergenceKind::StaleAssessment => M::h_div_stale,
    })
}

fn kind_help(l: Lang, k: DivergenceKind) -> &'static str {
    l.t(match k {
        DivergenceKind::Unconfirmed => M::h_div_unconfirmed_help,
        DivergenceKind::Contested => M::h_div_contested_help,
        DivergenceKind::NoEvidence => M::h_div_no_evidence_help,
        DivergenceKind::StaleAssessment => M::h_div_stale_help,
    })
}

/// A commitment's title in the reader's language.
pub fn title<'a>(
    cx: &Cx,
    h: &'a History,
    id: &crate::core::types::CommitmentId,
    uk: &'a str,
) -> &'a str {
    h.commitments
        .get(id)
        .map(|c| cx.title(&c.fields.title_uk, c.fields.title_en.as_deref()))
        .unwrap_or(uk)
}

fn content(
    cx: &Cx,
    h: &History,
    v: &DivergenceView,
    only: Option<DivergenceKind>,
    page: &Option<String>,
) -> String {
    let mut m = String::with_capacity(16 * 1024);
    let _ = write!(
        m,
        "<h1>{}</h1><p class=\"help\">{}</p>",
        E(cx.t(M::h_divergence)),
        E(cx.t(M::h_divergence_help))
    );
    m.push_str("<ul class=\"figures small\">");
    for k in DivergenceKind::ALL {
        let n = v.items.iter().filter(|i| i.kind == k).count();
        let _ = write!(
            m,
            "<li class=\"figure{}\"><a href=\"#d-{}\"><span class=\"n\">{n}</span><span class=\"l\">{}</span></a></li>",
            if n > 0 { " warn" } else { "" },
            k.name(),
            E(kind_label(cx.lang, k))
        );
    }
    m.push_str("</ul>");
    download::link(cx, &mut m);
    let cols = [
        M::commitment,
        M::title,
        M::lead,
        M::h_latest_claim,
        M::h_assessment_of_claim,
        M::h_latest_assessment,
    ];
    for k in DivergenceKind::ALL
        .into_iter()
        .filter(|k| only.is_none_or(|o| o == *k))
    {
        let all: Vec<&DivergenceItem> = v.items.iter().filter(|i| i.kind == k).collect();
        let (n, pages) = match only {
            Some(_) => download::page_of(page, all.len()),
            None => (1, 1),
        };
        let items = &all[download::range(n, all.len())];
        let _ = write!(
            m,
            "<section aria-labelledby=\"d-{n}\"><h2 id=\"d-{n}\">{} <span class=\"count\">({})</span></h2><p class=\"help\">{}</p>",
            E(kind_label(cx.lang, k)),
            all.len(),
            E(kind_help(cx.lang, k)),
            n = k.name(),
        );
        if items.is_empty() {
            let _ = write!(m, "<p>{}</p></section>", E(cx.t(M::no_items)));
            continue;
        }
        m.push_str("<div class=\"table-wrap\"><table class=\"data sortable cards\"><thead><tr>");
        for c in cols {
            let _ = write!(m, "<th scope=\"col\">{}</th>", E(cx.t(c)));
        }
        m.push_str("</tr></thead><tbody>");
        for i in items.iter().copied() {
            let _ = write!(
                m,
                "<tr><th scope=\"row\" data-label=\"{}\">{}</th><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td>\
                 <td data-label=\"{}\" data-sort=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td></tr>",
                E(cx.t(M::commitment)),
                cx.commitment_link(&i.commitment),
                E(cx.t(M::title)),
                E(title(cx, h, &i.commitment, &i.title_uk)),
                E(cx.t(M::lead)),
                i.lead.as_ref().map(|l| cx.body_link(h, l)).unwrap_or_default(),
                E(cx.t(M::h_latest_claim)),
                i.claim.seq,
                claim_cell(cx, h, &i.claim),
                E(cx.t(M::h_assessment_of_claim)),
                assessment_cell(cx, h, i.assessment_of_claim.as_ref()),
                E(cx.t(M::h_latest_assessment)),
                assessment_cell(cx, h, i.latest_assessment.as_ref()),
            );
        }
        m.push_str("</tbody></table></div>");
        if all.len() > items.len() {
            if only.is_some() {
                download::pager(cx, &mut m, n, pages);
            } else {
                let _ = write!(
                    m,
                    "<p><a href=\"{}\">{} ({})</a></p>",
                    E(&cx.link("/dashboard/divergence", &[("kind", k.name())])),
                    E(cx.t(M::more_items)),
                    all.len()
                );
            }
        }
        m.push_str("</section>");
    }
    m
}

/// A claim: its status, who, when, and how many evidence documents.
pub fn claim_cell(cx: &Cx, h: &History, c: &crate::core::projection::ClaimRec) -> String {
    let s = c.status.name();
    format!(
        "<span class=\"status st-{s}\">{}</span> {} {}, {} {}",
        E(i18n::status(cx.lang, s)),
        cx.body_short_link(h, &c.by),
        cx.date(h.date_of(c.at)),
        E(cx.t(M::h_evidence_n)),
        c.evidence.len()
    )
}

/// An assessment: its verdict, who, when; or "not assessed".
pub fn assessment_cell(
    cx: &Cx,
    h: &History,
    a: Option<&crate::core::projection::AssessmentRec>,
) -> String {
    match a {
        None => format!("<span class=\"sub\">{}</span>", E(cx.t(M::no_assessment))),
        Some(a) => {
            let v = a.verdict.name();
            format!(
                "<span class=\"verdict v-{v}\">{}</span> {} {}",
                E(i18n::verdict(cx.lang, v)),
                cx.body_short_link(h, &a.by),
                cx.date(h.date_of(a.at))
            )
        }
    }
}

fn csv(cx: &Cx, h: &History, v: &DivergenceView) -> Csv {
    let t = |m| cx.t(m).to_string();
    let header = vec![
        t(M::h_divergence_kind),
        t(M::commitment),
        t(M::title),
        t(M::lead),
        t(M::h_claim_date),
        t(M::h_claim_status),
        t(M::h_evidence_n),
        t(M::h_assessment_date),
        t(M::h_verdict),
        t(M::h_latest_assessment_date),
    ];
    let rows = v
        .items
        .iter()
        .map(|i| {
            vec![
                kind_label(cx.lang, i.kind).to_string(),
                i.commitment.to_string(),
                title(cx, h, &i.commitment, &i.title_uk).to_string(),
                i.lead
                    .as_ref()
                    .map(|l| cx.body_name(h, l).to_string())
                    .unwrap_or_default(),
                h.date_of(i.claim.at).to_string(),
                i18n::status(cx.lang, i.claim.status.name()).to_string(),
                i.claim.evidence.len().to_string(),
                i.assessment_of_claim
                    .as_ref()
                    .map(|a| h.date_of(a.at).to_string())
                    .unwrap_or_default(),
                i.assessment_of_claim
                    .as_ref()
                    .map(|a| i18n::verdict(cx.lang, a.verdict.name()).to_string())
                    .unwrap_or_default(),
                i.latest_assessment
                    .as_ref()
                    .map(|a| h.date_of(a.at).to_string())
                    .unwrap_or_default(),
            ]
        })
        .collect();
    Csv {
        stem: "divergence",
        header,
        rows,
    }
}
