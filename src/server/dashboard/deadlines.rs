//! Every deadline change across all items (`/dashboard/deadlines`,
//! `views::deadline_changes`): which change of the item it was, from and to, by how many days,
//! the reason and the body that approved it; sortable, and downloadable as CSV.

use super::divergence::title;
use super::download::{self, Csv};
use super::html::E;
use super::i18n::M;
use super::{documented, render, Content, Cx, Page, PageQuery, PageRequest};
use crate::core::projection::views::{self, DeadlineChangesView};
use crate::core::projection::History;
use crate::server::{AppState, Routes, Q};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa::IntoParams;

pub const PAGE: Page = Page {
    section: "deadlines",
    menu: Some(M::h_deadlines),
    path: "/dashboard/deadlines",
    route,
    doc: documented::<__path_page>,
};

fn route(r: Routes) -> Routes {
    r.get("/dashboard/deadlines", page)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadlinesQuery {
    /// `csv`: the log as CSV (UTF-8 with BOM) instead of the page.
    pub format: Option<String>,
    /// The page, from 1, when there are more than 500 changes.
    pub page: Option<String>,
}

/// The deadline-change log across all items.
#[utoipa::path(get, path = "/dashboard/deadlines", tag = "dashboard", operation_id = "dashboard_deadlines", params(PageQuery, DeadlinesQuery),
    responses(
        (status = 200, description = "The page (HTML), or its table as CSV with format=csv", content((String = "text/html"), (String = "text/csv"))),
        (status = 400, description = "A malformed as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<DeadlinesQuery>,
) -> Response {
    if q.format.as_deref() == Some("csv") {
        return download::render(st, req, &PAGE, |cx, h, _| {
            let p = cx.point(h)?;
            let v = views::deadline_changes(h, p);
            Ok((csv(cx, h, &v), p.today, p.size))
        })
        .await;
    }
    render(st, req, &PAGE, move |cx, h, snap| {
        let (p, at) = cx.resolve(h, snap)?;
        let v = views::deadline_changes(h, p);
        Ok(Content {
            title: cx.t(M::h_deadlines).to_string(),
            main: content(cx, h, &v, &q.page),
            point: p,
            at,
        })
    })
    .await
}

const COLUMNS: [M; 8] = [
    M::date,
    M::commitment,
    M::title,
    M::h_change_n,
    M::h_from_to,
    M::h_days_moved,
    M::h_reason,
    M::h_approved_by,
];

fn content(cx: &Cx, h: &History, v: &DeadlineChangesView, page: &Option<String>) -> String {
    let mut m = String::with_capacity(16 * 1024);
    let items: std::collections::BTreeSet<_> = v.changes.iter().map(|r| &r.commitment).collect();
    let days: i64 = v.changes.iter().map(|r| r.days).sum();
    let _ = write!(
        m,
        "<h1>{}</h1><p class=\"help\">{}</p><ul class=\"figures small\">\
         <li class=\"figure\"><span class=\"n\">{}</span><span class=\"l\">{}</span></li>\
         <li class=\"figure\"><span class=\"n\">{}</span><span class=\"l\">{}</span></li>\
         <li class=\"figure warn\"><span class=\"n\">{}</span><span class=\"l\">{}</span></li></ul>",
        E(cx.t(M::h_deadlines)),
        E(cx.t(M::h_deadlines_help)),
        v.changes.len(),
        E(cx.t(M::h_changes_n)),
        items.len(),
        E(cx.t(M::h_items_redated)),
        days,
        E(cx.t(M::h_days_total)),
    );
    download::link(cx, &mut m);
    if v.changes.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
        return m;
    }
    m.push_str("<div class=\"table-wrap\"><table class=\"data sortable cards\" id=\"deadline-log\"><thead><tr>");
    for c in COLUMNS {
        let _ = write!(m, "<th scope=\"col\">{}</th>", E(cx.t(c)));
    }
    m.push_str("</tr></thead><tbody>");
    let (n, pages) = download::page_of(page, v.changes.len());
    for r in &v.changes[download::range(n, v.changes.len())] {
        let l = |c: M| E(cx.t(c));
        let _ = write!(
            m,
            "<tr><td data-label=\"{}\" data-sort=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td>\
             <td data-label=\"{}\" data-sort=\"{}\">{} / {}</td><td data-label=\"{}\" data-sort=\"{}\">{} → {}</td>\
             <td data-label=\"{}\" class=\"num{}\" data-sort=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td></tr>",
            l(M::date),
            r.change.seq,
            cx.datetime(r.change.at),
            l(M::commitment),
            cx.commitment_link(&r.commitment),
            l(M::title),
            E(title(cx, h, &r.commitment, &r.title_uk)),
            l(M::h_change_n),
            r.nth,
            r.nth,
            r.of,
            l(M::h_from_to),
            r.change.to,
            cx.date(r.change.from),
            cx.date(r.change.to),
            l(M::h_days_moved),
            if r.days > 0 { " bad" } else { "" },
            r.days,
            r.days,
            l(M::h_reason),
            E(&r.change.reason),
            l(M::h_approved_by),
            cx.body_link(h, &r.change.by),
        );
    }
    m.push_str("</tbody></table></div>");
    download::pager(cx, &mut m, n, pages);
    m
}

fn csv(cx: &Cx, h: &History, v: &DeadlineChangesView) -> Csv {
    let t = |m| cx.t(m).to_string();
    Csv {
        stem: "deadline-changes",
        header: vec![
            t(M::date),
            t(M::commitment),
            t(M::title),
            t(M::h_change_n),
            t(M::h_changes_of_item),
            t(M::h_from),
            t(M::h_to),
            t(M::h_days_moved),
            t(M::h_reason),
            t(M::h_approved_by),
        ],
        rows: v
            .changes
            .iter()
            .map(|r| {
                vec![
                    h.date_of(r.change.at).to_string(),
                    r.commitment.to_string(),
                    title(cx, h, &r.commitment, &r.title_uk).to_string(),
                    r.nth.to_string(),
                    r.of.to_string(),
                    r.change.from.to_string(),
                    r.change.to.to_string(),
                    r.days.to_string(),
                    r.change.reason.clone(),
                    cx.body_name(h, &r.change.by).to_string(),
                ]
            })
            .collect(),
    }
}
