//! Data quality across all items (`/dashboard/quality`, `views::data_quality`): commitments
//! without a measurable indicator, indicators without baseline, target or unit, claims of
//! implementation without evidence, and bodies that lead open commitments and never report.

use super::divergence::title;
use super::download::{self, Csv};
use super::html::E;
use super::i18n::{Lang, Say, M};
use super::{documented, render, Content, Cx, Page, PageQuery, PageRequest};
use crate::core::projection::views::{self, QualityIssue, QualityView};
use crate::core::projection::History;
use crate::server::{AppState, Routes, Q};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa::IntoParams;

pub const PAGE: Page = Page {
    section: "quality",
    menu: Some(M::h_quality),
    path: "/dashboard/quality",
    route,
    doc: documented::<__path_page>,
};

fn route(r: Routes) -> Routes {
    r.get("/dashboard/quality", page)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QualityQuery {
    /// `csv`: the issues as CSV (UTF-8 with BOM) instead of the page.
    pub format: Option<String>,
    /// Only this kind of issue (`no_indicator`, `indicator_incomplete`,
    /// `claim_without_evidence`, `never_reports`); the page lists at most 500 of each kind
    /// unless one is chosen.
    pub kind: Option<String>,
    /// The page of the chosen kind, from 1.
    pub page: Option<String>,
}

/// Data quality across all items.
#[utoipa::path(get, path = "/dashboard/quality", tag = "dashboard", operation_id = "dashboard_quality", params(PageQuery, QualityQuery),
    responses(
        (status = 200, description = "The page (HTML), or its table as CSV with format=csv", content((String = "text/html"), (String = "text/csv"))),
        (status = 400, description = "A malformed as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<QualityQuery>,
) -> Response {
    if q.format.as_deref() == Some("csv") {
        return download::render(st, req, &PAGE, |cx, h, _| {
            let p = cx.point(h)?;
            let v = views::data_quality(h, p);
            Ok((csv(cx, h, &v), p.today, p.size))
        })
        .await;
    }
    render(st, req, &PAGE, move |cx, h, snap| {
        let (p, at) = cx.resolve(h, snap)?;
        let v = views::data_quality(h, p);
        let kind = match super::given(&q.kind) {
            None => None,
            Some(k) => Some(KINDS.into_iter().find(|x| *x == k).ok_or_else(|| {
                super::Fail::bad(
                    cx.t(M::bad_choice)
                        .replace("{field}", cx.t(M::h_q_kind))
                        .replace("{value}", k)
                        .replace("{list}", &KINDS.join(", ")),
                )
            })?),
        };
        Ok(Content {
            title: cx.t(M::h_quality).to_string(),
            main: content(cx, h, &v, kind, &q.page),
            point: p,
            at,
        })
    })
    .await
}

/// The kinds of issue, in the page's order.
pub const KINDS: [&str; 4] = [
    "no_indicator",
    "indicator_incomplete",
    "claim_without_evidence",
    "never_reports",
];

pub fn kind_label(l: Lang, kind: &str) -> &'static str {
    l.t(match kind {
        "no_indicator" => M::h_q_no_indicator,
        "indicator_incomplete" => M::h_q_indicator_incomplete,
        "claim_without_evidence" => M::h_q_claim_without_evidence,
        "never_reports" => M::h_q_never_reports,
        _ => M::h_q_other,
    })
}

/// What is wrong, in the reader's language.
pub fn detail(cx: &Cx, i: &QualityIssue) -> String {
    i.detail.get(cx.lang).to_string()
}

fn content(
    cx: &Cx,
    h: &History,
    v: &QualityView,
    only: Option<&str>,
    page: &Option<String>,
) -> String {
    let mut m = String::with_capacity(16 * 1024);
    let _ = write!(
        m,
        "<h1>{}</h1><p class=\"help\">{}</p><ul class=\"figures small\">",
        E(cx.t(M::h_quality)),
        E(cx.t(M::h_quality_help))
    );
    for k in KINDS {
        let n = v.issues.iter().filter(|i| i.kind == k).count();
        let _ = write!(
            m,
            "<li class=\"figure{}\"><a href=\"#q-{k}\"><span class=\"n\">{n}</span><span class=\"l\">{}</span></a></li>",
            if n > 0 { " warn" } else { "" },
            E(kind_label(cx.lang, k))
        );
    }
    m.push_str("</ul>");
    download::link(cx, &mut m);
    for k in KINDS.into_iter().filter(|k| only.is_none_or(|o| o == *k)) {
        let all: Vec<&QualityIssue> = v.issues.iter().filter(|i| i.kind == k).collect();
        let (n, pages) = match only {
            Some(_) => download::page_of(page, all.len()),
            None => (1, 1),
        };
        let list = &all[download::range(n, all.len())];
        let _ = write!(
            m,
            "<section aria-labelledby=\"q-{k}\"><h2 id=\"q-{k}\">{} <span class=\"count\">({})</span></h2>",
            E(kind_label(cx.lang, k)),
            all.len()
        );
        if list.is_empty() {
            let _ = write!(m, "<p>{}</p></section>", E(cx.t(M::no_items)));
            continue;
        }
        let _ = write!(
            m,
            "<div class=\"table-wrap\"><table class=\"data sortable cards\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
            E(cx.t(M::commitment)),
            E(cx.t(M::title)),
            E(cx.t(M::body)),
            E(cx.t(M::h_q_detail)),
        );
        for i in list.iter().copied() {
            let (link, t) = match &i.commitment {
                Some(c) => {
                    let uk = h
                        .commitments
                        .get(c)
                        .map(|r| r.fields.title_uk.as_str())
                        .unwrap_or_default();
                    (cx.commitment_link(c), title(cx, h, c, uk).to_string())
                }
                None => (String::new(), String::new()),
            };
            let _ = write!(
                m,
                "<tr><td data-label=\"{}\">{link}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td></tr>",
                E(cx.t(M::commitment)),
                E(cx.t(M::title)),
                E(&t),
                E(cx.t(M::body)),
                i.body.as_ref().map(|b| cx.body_link(h, b)).unwrap_or_default(),
                E(cx.t(M::h_q_detail)),
                E(&detail(cx, i)),
            );
        }
        m.push_str("</tbody></table></div>");
        if all.len() > list.len() {
            if only.is_some() {
                download::pager(cx, &mut m, n, pages);
            } else {
                let _ = write!(
                    m,
                    "<p><a href=\"{}\">{} ({})</a></p>",
                    E(&cx.link("/dashboard/quality", &[("kind", k)])),
                    E(cx.t(M::more_items)),
                    all.len()
                );
            }
        }
        m.push_str("</section>");
    }
    m
}

fn csv(cx: &Cx, h: &History, v: &QualityView) -> Csv {
    let t = |m| cx.t(m).to_string();
    Csv {
        stem: "quality",
        header: vec![
            t(M::h_q_kind),
            t(M::commitment),
            t(M::title),
            t(M::body),
            t(M::h_q_detail),
        ],
        rows: v
            .issues
            .iter()
            .map(|i| {
                vec![
                    kind_label(cx.lang, i.kind).to_string(),
                    i.commitment
                        .as_ref()
                        .map(|c| c.to_string())
                        .unwrap_or_default(),
                    i.commitment
                        .as_ref()
                        .and_then(|c| h.commitments.get(c))
                        .map(|c| {
                            cx.title(&c.fields.title_uk, c.fields.title_en.as_deref())
                                .to_string()
                        })
                        .unwrap_or_default(),
                    i.body
                        .as_ref()
                        .map(|b| cx.body_name(h, b).to_string())
                        .unwrap_or_default(),
                    detail(cx, i),
                ]
            })
            .collect(),
    }
}
