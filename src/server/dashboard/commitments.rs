//! Commitments: a table of every commitment at the point, filterable by body, objective, EU IBM
//! component, status, overdue and "claimed without evidence", sortable, and downloadable as CSV.
//!
//! Without JavaScript the filters are GET parameters and the column headers are links. With it,
//! the same filters apply as you change them (on the rows the page holds: all of them, unless
//! there are more than `PAGE_SIZE`, then the form is submitted), headers sort in place, and
//! "download" builds a CSV of exactly the rows shown. `format=csv` is the server's CSV of every
//! matching row.

use super::html::{self, E};
use super::i18n::{self, M};
use super::{documented, given, render, Content, Cx, Page, PageQuery, PageRequest};
use crate::core::event::{Phase, Status};
use crate::core::projection::CommitmentRec;
use crate::core::projection::{status_name, verdict_name, History, Point};
use crate::core::types::{BodyId, Date, ObjectiveId};
use crate::projector::At;
use crate::server::{AppState, Routes, Q};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;
use utoipa::IntoParams;

pub const PAGE: Page = Page {
    section: "commitments",
    menu: Some(M::commitments),
    path: "/dashboard/commitments",
    route,
    doc: documented::<__path_page>,
};

fn route(r: Routes) -> Routes {
    r.get("/dashboard/commitments", page)
}

/// Rows per page: above this the table is paged and filtered by the server.
pub const PAGE_SIZE: usize = 500;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommitmentsQuery {
    /// Only commitments this body leads, co-executes or was assigned (a body id).
    pub body: Option<String>,
    /// Only commitments under this objective (an objective id).
    pub objective: Option<String>,
    /// Only commitments whose objective serves this EU IBM component (e.g. `border_control`).
    pub component: Option<String>,
    /// Only commitments that involve (as lead, co-executor or assignee) a body of this kind:
    /// `local_authority`, `ministry`, `agency`, `coordination_body`, `parliament`, `partner`,
    /// `civil_society` or `other` (README, "Body kinds").
    pub involving: Option<String>,
    /// Only commitments whose latest claimed status is this (`in_progress`, …, or `no_report`).
    pub status: Option<String>,
    /// `1`: overdue only; `at_risk`: at risk only; `0`: open and neither.
    pub overdue: Option<String>,
    /// `1`: only those whose latest report claims implemented or partially implemented
    /// without evidence.
    pub no_evidence: Option<String>,
    /// Text in the id or title.
    pub q: Option<String>,
    /// `id` (default), `title`, `lead`, `objective`, `status`, `deadline` or `overdue`.
    pub sort: Option<String>,
    /// `asc` (default) or `desc`.
    pub dir: Option<String>,
    /// The page, from 1, when more than 500 rows match.
    pub page: Option<String>,
    /// `csv`: every matching row as CSV instead of the page.
    pub format: Option<String>,
}

/// The commitments table.
#[utoipa::path(get, path = "/dashboard/commitments", tag = "dashboard", operation_id = "dashboard_commitments", params(PageQuery, CommitmentsQuery),
    responses(
        (status = 200, description = "The page (HTML), or its table as CSV with format=csv", content((String = "text/html"), (String = "text/csv"))),
        (status = 400, description = "The as-of point is malformed: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<CommitmentsQuery>,
) -> Response {
    if q.format.as_deref() == Some("csv") {
        return csv_download(st, req, q).await;
    }
    render(st, req, &PAGE, move |cx, h, snap| {
        let (point, at) = cx.resolve(h, snap)?;
        let v = view(cx, h, &q, point, at);
        Ok(content(cx, h, &q, &v))
    })
    .await
}

/// One commitment as the table shows it.
pub struct Row<'a> {
    pub c: &'a CommitmentRec,
    /// The row's place in natural id order (the tie-breaker of every sort).
    pub ord: usize,
    pub title: &'a str,
    pub lead: Option<BodyId>,
    pub co: Vec<BodyId>,
    /// Lead, co-executors and a pending assignee: who the body filter matches.
    pub bodies: Vec<BodyId>,
    /// The kinds of those bodies (`BodyKind` names).
    pub kinds: Vec<&'static str>,
    pub objective: String,
    pub components: Vec<&'static str>,
    pub status: &'static str,
    pub verdict: Option<&'static str>,
    pub deadline: Date,
    pub overdue: Option<i64>,
    pub at_risk: bool,
    pub phase: Phase,
    pub no_evidence: bool,
}

impl Row<'_> {
    /// `1` overdue, `at_risk`, `0` open and neither, empty when closed.
    pub fn overdue_key(&self) -> &'static str {
        if self.overdue.is_some() {
            "1"
        } else if self.at_risk {
            "at_risk"
        } else if matches!(self.phase, Phase::Active | Phase::Assigned) {
            "0"
        } else {
            ""
        }
    }
}

/// The EU IBM components of each objective, by name.
fn components_of(h: &History) -> HashMap<&ObjectiveId, Vec<&'static str>> {
    h.objectives
        .values()
        .map(|o| {
            let names = o
                .components
                .iter()
                .filter_map(|k| {
                    let name = serde_json::to_value(k).ok()?;
                    i18n::COMPONENTS
                        .iter()
                        .copied()
                        .find(|x| Some(*x) == name.as_str())
                })
                .collect();
            (&o.id, names)
        })
        .collect()
}

/// Every commitment that exists at `p`, in id order.
pub fn rows<'a>(cx: &Cx, h: &'a History, p: Point) -> Vec<Row<'a>> {
    rows_of(cx, h, p, None)
}

/// The commitments that exist at `p` and, if `body` is given, that it leads, co-executes or
/// was assigned, in id order.
pub fn rows_of<'a>(cx: &Cx, h: &'a History, p: Point, body: Option<&BodyId>) -> Vec<Row<'a>> {
    let n = p.size;
    let comps = components_of(h);
    let mut out: Vec<Row<'a>> = h
        .commitments
        .values()
        .filter(|c| c.exists_at(n))
        .filter(|c| {
            body.is_none_or(|b| {
                c.lead_at(n).as_ref() == Some(b)
                    || c.co_executors_at(n).contains(b)
                    || (c.phase_at(n) == Phase::Assigned && c.assigned_to.as_ref() == Some(b))
            })
        })
        .map(|c| {
            let mut r = row(cx, c, p, &comps);
            for b in &r.bodies {
                let k = h.body_kind(b).name();
                if !r.kinds.contains(&k) {
                    r.kinds.push(k);
                }
            }
            r
        })
        .collect();
    out.sort_by(|a, b| html::natural_cmp(a.c.id.as_str(), b.c.id.as_str()));
    out
}

/// Commitment `c` as a row at `p`.
fn row<'a>(
    cx: &Cx,
    c: &'a CommitmentRec,
    p: Point,
    comps: &HashMap<&ObjectiveId, Vec<&'static str>>,
) -> Row<'a> {
    let n = p.size;
    let lead = c.lead_at(n);
    let co = c.co_executors_at(n);
    let phase = c.phase_at(n);
    let mut bodies: Vec<BodyId> = lead.iter().cloned().collect();
    bodies.extend(co.iter().cloned());
    if phase == Phase::Assigned {
        bodies.extend(c.assigned_to.iter().cloned());
    }
    let claim = c.claim_at(n);
    let components = c
        .fields
        .objective
        .as_ref()
        .and_then(|o| comps.get(o))
        .cloned()
        .unwrap_or_default();
    let overdue = c.overdue_at(p);
    Row {
        c,
        ord: 0,
        title: cx.title(&c.fields.title_uk, c.fields.title_en.as_deref()),
        lead: lead.clone().or_else(|| {
            (phase == Phase::Assigned)
                .then(|| c.assigned_to.clone())
                .flatten()
        }),
        co,
        bodies,
        kinds: Vec::new(),
        objective: c
            .fields
            .objective
            .as_ref()
            .map(|o| o.to_string())
            .unwrap_or_default(),
        components,
        status: claim.map(|x| status_name(x.status)).unwrap_or("no_report"),
        verdict: c.assessment_at(n).map(|a| verdict_name(a.verdict)),
        deadline: c.deadline_at(n),
        at_risk: overdue.is_none() && c.at_risk_at(p).is_some(),
        overdue,
        phase,
        no_evidence: claim.is_some_and(|x| {
            matches!(x.status, Status::Implemented | Status::PartiallyImplemented)
                && x.evidence.is_empty()
        }),
    }
}

/// The filters as the request gives them.
pub struct Filters {
    pub body: Option<String>,
    pub objective: Option<String>,
    pub component: Option<String>,
    pub involving: Option<String>,
    pub status: Option<String>,
    pub overdue: Option<String>,
    pub no_evidence: bool,
    pub q: Option<String>,
}

impl Filters {
    pub fn of(q: &CommitmentsQuery) -> Filters {
        let p = |v: &Option<String>| given(v).map(str::to_string);
        Filters {
            body: p(&q.body),
            objective: p(&q.objective),
            component: p(&q.component),
            involving: p(&q.involving),
            status: p(&q.status),
            overdue: p(&q.overdue),
            no_evidence: given(&q.no_evidence).is_some_and(|v| v != "0"),
            q: p(&q.q).map(|s| s.to_lowercase()),
        }
    }

    pub fn matches(&self, r: &Row<'_>) -> bool {
        self.body
            .as_deref()
            .is_none_or(|b| r.bodies.iter().any(|x| x.as_str() == b))
            && self.objective.as_deref().is_none_or(|o| r.objective == o)
            && self
                .component
                .as_deref()
                .is_none_or(|k| r.components.contains(&k))
            && self
                .involving
                .as_deref()
                .is_none_or(|k| r.kinds.contains(&k))
            && self.status.as_deref().is_none_or(|s| r.status == s)
            && self.overdue.as_deref().is_none_or(|o| r.overdue_key() == o)
            && (!self.no_evidence || r.no_evidence)
            && self.q.as_deref().is_none_or(|q| search_text(r).contains(q))
    }
}

fn search_text(r: &Row<'_>) -> String {
    format!("{} {}", r.c.id, r.title).to_lowercase()
}

const SORTS: [&str; 7] = [
    "id",
    "title",
    "lead",
    "objective",
    "status",
    "deadline",
    "overdue",
];

fn sort(rows: &mut [Row<'_>], key: &str, desc: bool, cx: &Cx, h: &History) {
    match key {
        "title" => rows.sort_by_cached_key(|r| (r.title.to_lowercase(), r.ord)),
        "lead" => rows.sort_by_cached_key(|r| {
            (
                r.lead
                    .as_ref()
                    .map(|l| cx.body_name(h, l).to_lowercase())
                    .unwrap_or_default(),
                r.ord,
            )
        }),
        "objective" => rows.sort_by_cached_key(|r| (html::natural_key(&r.objective), r.ord)),
        "status" => {
            rows.sort_by_key(|r| (i18n::STATUSES.iter().position(|x| *x == r.status), r.ord))
        }
        "deadline" => rows.sort_by_key(|r| (r.deadline, r.ord)),
        "overdue" => rows.sort_by_key(|r| (r.overdue.unwrap_or(-1), r.ord)),
        _ => rows.sort_by_key(|r| r.ord),
    }
    if desc {
        rows.reverse();
    }
}

/// The columns, their sort keys and labels.
fn columns() -> [(&'static str, M); 10] {
    [
        ("id", M::id),
        ("title", M::title),
        ("lead", M::lead),
        ("objective", M::objective),
        ("", M::component),
        ("status", M::status),
        ("", M::assessment),
        ("deadline", M::deadline),
        ("overdue", M::overdue),
        ("", M::evidence),
    ]
}

/// A row's cells as text, for CSV.
fn csv_cells(cx: &Cx, h: &History, r: &Row<'_>) -> Vec<String> {
    vec![
        r.c.id.to_string(),
        r.title.to_string(),
        r.lead
            .as_ref()
            .map(|l| cx.body_name(h, l).to_string())
            .unwrap_or_default(),
        r.objective.clone(),
        r.components
            .iter()
            .map(|k| i18n::component(cx.lang, k))
            .collect::<Vec<_>>()
            .join("; "),
        i18n::status(cx.lang, r.status).to_string(),
        r.verdict
            .map(|v| i18n::verdict(cx.lang, v).to_string())
            .unwrap_or_default(),
        r.deadline.to_string(),
        overdue_text(cx, r),
        if r.no_evidence {
            cx.t(M::no_evidence).to_string()
        } else {
            String::new()
        },
    ]
}

fn overdue_text(cx: &Cx, r: &Row<'_>) -> String {
    match (r.overdue, r.at_risk) {
        (Some(d), _) => cx.count(d.max(0) as u64, &crate::core::l10n::DAYS),
        (None, true) => cx.t(M::at_risk_items).to_string(),
        _ => String::new(),
    }
}

/// A cell that a spreadsheet would read as a formula gets a leading apostrophe (the ledger's
/// texts are untrusted): `query::csv_safe`, which the CLI's CSV uses too. The script does the
/// same.
pub fn csv_safe(s: &str) -> String {
    crate::query::csv_safe(s).into_owned()
}

async fn csv_download(st: AppState, req: PageRequest, q: CommitmentsQuery) -> Response {
    super::download::render(st, req, &PAGE, move |cx, h, snap| {
        let (point, _) = cx.resolve(h, snap)?;
        let f = Filters::of(&q);
        let mut rows: Vec<Row<'_>> = rows(cx, h, point)
            .into_iter()
            .filter(|r| f.matches(r))
            .collect();
        let key = given(&q.sort).unwrap_or("id");
        sort(&mut rows, key, given(&q.dir) == Some("desc"), cx, h);
        let table = super::download::Csv {
            stem: "commitments",
            header: columns()
                .iter()
                .map(|(_, m)| cx.t(*m).to_string())
                .collect(),
            rows: rows.iter().map(|r| csv_cells(cx, h, r)).collect(),
        };
        Ok((table, point.today, point.size))
    })
    .await
}

/// The table as the page shows it: the rows at the point, filtered, sorted and (when there
/// are more than `PAGE_SIZE`) paged, and the options of the filters.
pub struct Listing<'h> {
    pub point: Point,
    pub at: At,
    /// Commitments at the point, and those the filters match.
    pub total: usize,
    pub shown: usize,
    /// More than `PAGE_SIZE`: the server filters and pages; else every row is sent, those
    /// the filters do not match hidden, for the script to filter live.
    pub paged: bool,
    pub page: usize,
    pub pages: usize,
    pub sort: &'static str,
    pub desc: bool,
    pub filters: Filters,
    pub rows: Vec<Row<'h>>,
    pub options: FilterOptions,
}

/// The choices of each filter: (value, label), from what exists at the point.
pub struct FilterOptions {
    pub bodies: Vec<(String, String)>,
    pub objectives: Vec<(String, String)>,
    pub components: Vec<(String, String)>,
    pub kinds: Vec<(String, String)>,
    pub statuses: Vec<(String, String)>,
    pub overdue: Vec<(String, String)>,
}

pub fn view<'h>(
    cx: &Cx,
    h: &'h History,
    q: &CommitmentsQuery,
    point: Point,
    at: At,
) -> Listing<'h> {
    let all = rows(cx, h, point);
    let total = all.len();
    let filters = Filters::of(q);
    let sort_key = given(&q.sort)
        .and_then(|k| SORTS.iter().copied().find(|s| *s == k))
        .unwrap_or("id");
    let desc = given(&q.dir) == Some("desc");
    let options = filter_options(cx, h, point, &all);
    let (matching, hidden): (Vec<Row<'_>>, Vec<Row<'_>>) =
        all.into_iter().partition(|r| filters.matches(r));
    let shown = matching.len();
    let paged = total > PAGE_SIZE;
    let mut rows = matching;
    if !paged {
        rows.extend(hidden);
    }
    sort(&mut rows, sort_key, desc, cx, h);
    let pages = shown.div_ceil(PAGE_SIZE).max(1);
    let page = given(&q.page)
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    if paged {
        rows = rows
            .into_iter()
            .skip((page - 1) * PAGE_SIZE)
            .take(PAGE_SIZE)
            .collect();
    }
    Listing {
        point,
        at,
        total,
        shown,
        paged,
        page,
        pages,
        sort: sort_key,
        desc,
        filters,
        rows,
        options,
    }
}

fn filter_options(cx: &Cx, h: &History, point: Point, all: &[Row<'_>]) -> FilterOptions {
    let mut bodies: BTreeSet<&BodyId> = BTreeSet::new();
    let mut comps: BTreeSet<&str> = BTreeSet::new();
    let mut kinds: BTreeSet<&str> = BTreeSet::new();
    for r in all {
        bodies.extend(r.bodies.iter());
        comps.extend(r.components.iter().copied());
        kinds.extend(r.kinds.iter().copied());
    }
    let mut body_opts: Vec<(String, String)> = bodies
        .iter()
        .map(|b| (b.to_string(), cx.body_name(h, b).to_string()))
        .collect();
    body_opts.sort_by_key(|a| a.1.to_lowercase());
    let mut obj_opts: Vec<(String, String)> = h
        .objectives
        .values()
        .filter(|o| o.seq < point.size)
        .map(|o| {
            let title = cx.title(&o.title_uk, o.title_en.as_deref());
            (o.id.to_string(), format!("{} — {}", o.id, title))
        })
        .collect();
    obj_opts.sort_by(|a, b| html::natural_cmp(&a.0, &b.0));
    let labelled = |v: &str, l: &str| (v.to_string(), l.to_string());
    FilterOptions {
        bodies: body_opts,
        objectives: obj_opts,
        components: i18n::COMPONENTS
            .iter()
            .filter(|c| comps.contains(*c))
            .map(|c| labelled(c, i18n::component(cx.lang, c)))
            .collect(),
        kinds: crate::core::projection::views::BodyKind::ALL
            .iter()
            .filter(|k| kinds.contains(k.name()))
            .map(|k| labelled(k.name(), i18n::body_kind_group(cx.lang, *k)))
            .collect(),
        statuses: i18n::STATUSES
            .iter()
            .map(|s| labelled(s, i18n::status(cx.lang, s)))
            .collect(),
        overdue: vec![
            labelled("1", cx.t(M::overdue)),
            labelled("at_risk", cx.t(M::at_risk_items)),
            labelled("0", cx.t(M::on_track)),
        ],
    }
}

pub fn content(cx: &Cx, h: &History, q: &CommitmentsQuery, v: &Listing<'_>) -> Content {
    let mut m = String::with_capacity(4096 + v.rows.len() * 1200);
    let _ = write!(m, "<h1>{}</h1>", E(cx.t(M::commitments)));
    filters_form(&mut m, cx, q, v);
    table_tools(&mut m, cx, v);
    table(&mut m, cx, h, v);
    let _ = write!(
        m,
        "<p class=\"empty\" id=\"no-rows\"{}>{}</p>",
        if v.shown == 0 { "" } else { " hidden" },
        E(cx.t(M::no_rows))
    );
    if v.paged && v.pages > 1 {
        pager(&mut m, cx, v);
    }
    Content {
        title: cx.t(M::commitments).to_string(),
        main: m,
        point: v.point,
        at: v.at,
    }
}

/// The filters, as a GET form (the script applies them as they change).
fn filters_form(m: &mut String, cx: &Cx, q: &CommitmentsQuery, v: &Listing<'_>) {
    let (f, o) = (&v.filters, &v.options);
    let _ = write!(
        m,
        "<form class=\"filters\" id=\"filters\" method=\"get\" action=\"/dashboard/commitments\" data-paged=\"{}\"><fieldset><legend>{}</legend>",
        if v.paged { "1" } else { "0" },
        E(cx.t(M::filters))
    );
    // "Any" agrees with its label: Орган — будь-який, Ціль — будь-яка, Строки — будь-які.
    for (name, label, any_word, options, selected) in [
        ("body", M::body, M::any, &o.bodies, &f.body),
        (
            "objective",
            M::objective,
            M::any_f,
            &o.objectives,
            &f.objective,
        ),
        (
            "component",
            M::component,
            M::any,
            &o.components,
            &f.component,
        ),
        ("involving", M::h_involving, M::any, &o.kinds, &f.involving),
        ("status", M::latest_status, M::any, &o.statuses, &f.status),
        ("overdue", M::deadlines, M::any_pl, &o.overdue, &f.overdue),
    ] {
        super::select(
            m,
            name,
            cx.t(label),
            cx.t(any_word),
            options,
            selected.as_deref(),
        );
    }
    let _ = write!(
        m,
        "<label class=\"field check\"><input type=\"checkbox\" name=\"no_evidence\" value=\"1\" data-filter=\"no_evidence\"{}> \
         <span>{} <small>({})</small></span></label>\
         <label class=\"field grow\"><span>{}</span><input type=\"search\" name=\"q\" value=\"{}\" data-filter=\"q\"></label>",
        if f.no_evidence { " checked" } else { "" },
        E(cx.t(M::claimed_without_evidence)),
        E(cx.t(M::claimed_without_evidence_help)),
        E(cx.t(M::search)),
        E(given(&q.q).unwrap_or("")),
    );
    let kept = [
        ("as_of", cx.req.as_of.as_deref()),
        ("sort", given(&q.sort)),
        ("dir", given(&q.dir)),
    ];
    for (k, v) in kept {
        if let Some(v) = v {
            let _ = write!(m, "<input type=\"hidden\" name=\"{k}\" value=\"{}\">", E(v));
        }
    }
    let _ = write!(
        m,
        "<div class=\"actions\"><button type=\"submit\">{}</button> <a href=\"{}\">{}</a></div></fieldset></form>",
        E(cx.t(M::apply)),
        E(&cx.link("/dashboard/commitments", &[])),
        E(cx.t(M::reset))
    );
}

/// The query's parameters but `drop`, as (key, value) pairs for a link.
fn params_but<'a>(cx: &'a Cx, drop: &[&str]) -> Vec<(&'a str, &'a str)> {
    cx.req
        .pairs
        .iter()
        .filter(|(k, _)| !drop.contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// How many rows are shown of how many, and the two CSV downloads.
fn table_tools(m: &mut String, cx: &Cx, v: &Listing<'_>) {
    let mut csv_params = params_but(cx, &["page", "format"]);
    csv_params.push(("format", "csv"));
    let _ = write!(
        m,
        "<div class=\"table-tools\"><p class=\"count\" aria-live=\"polite\">{}: <strong id=\"rows-shown\">{}</strong> {} <span id=\"rows-total\">{}</span></p>\
         <button type=\"button\" id=\"csv-download\" class=\"js-only\" hidden>{}</button> \
         <a id=\"csv-all\" href=\"{}\" download>{}</a></div>",
        E(cx.t(M::rows_shown)),
        if v.paged { v.rows.len() } else { v.shown },
        E(cx.t(M::of)),
        if v.paged { v.shown } else { v.total },
        E(cx.t(M::download_csv)),
        E(&html::url("/dashboard/commitments", &csv_params)),
        E(cx.t(M::download_all_csv)),
    );
}

/// The table: sortable column headers (links without JavaScript) and a row a commitment.
fn table(m: &mut String, cx: &Cx, h: &History, v: &Listing<'_>) {
    let _ = write!(
        m,
        "<div class=\"table-wrap\"><table class=\"data sortable\" id=\"commitments\" data-paged=\"{}\"><caption class=\"visually-hidden\">{}</caption><thead><tr>",
        if v.paged { "1" } else { "0" },
        E(cx.t(M::commitments))
    );
    for (key, label) in columns() {
        column_head(m, cx, v, key, label);
    }
    m.push_str("</tr></thead><tbody>");
    for r in &v.rows {
        row_html(m, cx, h, r, v.paged || v.filters.matches(r));
    }
    m.push_str("</tbody></table></div>");
}

/// A column's header: a link that sorts by it (the other way when it is the current sort).
fn column_head(m: &mut String, cx: &Cx, v: &Listing<'_>, key: &str, label: M) {
    if key.is_empty() {
        let _ = write!(m, "<th scope=\"col\">{}</th>", E(cx.t(label)));
        return;
    }
    let active = key == v.sort;
    let aria = match (active, v.desc) {
        (false, _) => "",
        (true, true) => " aria-sort=\"descending\"",
        (true, false) => " aria-sort=\"ascending\"",
    };
    let next_dir = if active && !v.desc { "desc" } else { "asc" };
    let mut params = params_but(cx, &["sort", "dir", "page"]);
    params.push(("sort", key));
    params.push(("dir", next_dir));
    let _ = write!(
        m,
        "<th scope=\"col\"{aria} data-key=\"{key}\"><a href=\"{}\" class=\"sort\" data-sort=\"{key}\">{}</a></th>",
        E(&html::url("/dashboard/commitments", &params)),
        E(cx.t(label))
    );
}

/// The previous and next page.
fn pager(m: &mut String, cx: &Cx, v: &Listing<'_>) {
    let (page_no, pages) = (v.page, v.pages);
    let _ = write!(
        m,
        "<nav class=\"pager\" aria-label=\"{}\"><p>{} {page_no} {} {pages}</p><ul>",
        E(cx.t(M::page)),
        E(cx.t(M::page)),
        E(cx.t(M::of))
    );
    let link = |n: usize| {
        let mut params = params_but(cx, &["page"]);
        let s = n.to_string();
        params.push(("page", &s));
        html::url("/dashboard/commitments", &params)
    };
    if page_no > 1 {
        let _ = write!(
            m,
            "<li><a rel=\"prev\" href=\"{}\">{}</a></li>",
            E(&link(page_no - 1)),
            E(cx.t(M::previous))
        );
    }
    if page_no < pages {
        let _ = write!(
            m,
            "<li><a rel=\"next\" href=\"{}\">{}</a></li>",
            E(&link(page_no + 1)),
            E(cx.t(M::next))
        );
    }
    m.push_str("</ul></nav>");
}

/// A row: the facts the script filters and sorts by as data attributes, then its cells.
fn row_html(m: &mut String, cx: &Cx, h: &History, r: &Row<'_>, visible: bool) {
    let bodies: Vec<&str> = r.bodies.iter().map(|b| b.as_str()).collect();
    let _ = write!(
        m,
        "<tr data-id=\"{}\" data-bodies=\"{}\" data-objective=\"{}\" data-components=\"{}\" data-involving=\"{}\" data-status=\"{}\" data-overdue=\"{}\" data-noev=\"{}\" data-search=\"{}\"{}>",
        E(r.c.id.as_str()),
        E(&bodies.join(" ")),
        E(&r.objective),
        r.components.join(" "),
        r.kinds.join(" "),
        r.status,
        r.overdue_key(),
        if r.no_evidence { "1" } else { "0" },
        E(&search_text(r)),
        if visible { "" } else { " hidden" }
    );
    let _ = write!(
        m,
        "<th scope=\"row\" data-v=\"{}\">{}</th><td>{}</td>",
        E(r.c.id.as_str()),
        cx.commitment_link(&r.c.id),
        E(r.title)
    );
    lead_cell(m, cx, h, r);
    let comps: Vec<&str> = r
        .components
        .iter()
        .map(|k| i18n::component(cx.lang, k))
        .collect();
    let _ = write!(
        m,
        "<td data-v=\"{}\">{}</td><td class=\"small\" data-csv=\"{}\">{}</td>",
        E(&r.objective),
        E(&r.objective),
        E(&comps.join("; ")),
        E(&comps.join(", "))
    );
    status_cell(m, cx, r);
    deadline_cells(m, cx, r);
}

/// The lead (or assignee, marked), and the co-executors below it.
fn lead_cell(m: &mut String, cx: &Cx, h: &History, r: &Row<'_>) {
    let lead_name = r
        .lead
        .as_ref()
        .map(|l| cx.body_name(h, l).to_string())
        .unwrap_or_default();
    let _ = write!(
        m,
        "<td data-v=\"{}\" data-csv=\"{}\">{}",
        E(&lead_name.to_lowercase()),
        E(&lead_name),
        r.lead
            .as_ref()
            .map(|l| cx.body_link(h, l))
            .unwrap_or_default()
    );
    if r.phase == Phase::Assigned {
        let _ = write!(
            m,
            " <span class=\"badge\">{}</span>",
            E(i18n::phase(cx.lang, "assigned"))
        );
    }
    if !r.co.is_empty() {
        let names: Vec<String> = r.co.iter().map(|b| cx.body_short_link(h, b)).collect();
        let _ = write!(
            m,
            "<div class=\"sub\"><span class=\"visually-hidden\">{}: </span>+ {}</div>",
            E(cx.t(M::co_executors)),
            names.join(", ")
        );
    }
    m.push_str("</td>");
}

/// The latest claimed status (and a closed item's phase), and the latest assessment.
fn status_cell(m: &mut String, cx: &Cx, r: &Row<'_>) {
    let closed = match r.phase {
        Phase::Cancelled => Some("cancelled"),
        Phase::Superseded => Some("superseded"),
        Phase::Rejected => Some("rejected"),
        _ => None,
    };
    let phase_note = closed
        .map(|p| {
            format!(
                " <span class=\"badge muted\">{}</span>",
                E(i18n::phase(cx.lang, p))
            )
        })
        .unwrap_or_default();
    let _ = write!(
        m,
        "<td data-v=\"{}\" data-csv=\"{}\"><span class=\"status st-{}\">{}</span>{phase_note}</td>",
        i18n::STATUSES
            .iter()
            .position(|s| *s == r.status)
            .unwrap_or(99),
        E(i18n::status(cx.lang, r.status)),
        r.status,
        E(i18n::status(cx.lang, r.status)),
    );
    let _ = write!(
        m,
        "<td>{}</td>",
        r.verdict
            .map(|v| format!(
                "<span class=\"verdict v-{v}\">{}</span>",
                E(i18n::verdict(cx.lang, v))
            ))
            .unwrap_or_default()
    );
}

/// The deadline, how overdue (or at risk) it is, and a claim without evidence.
fn deadline_cells(m: &mut String, cx: &Cx, r: &Row<'_>) {
    let _ = write!(
        m,
        "<td data-v=\"{}\" data-csv=\"{}\">{}</td>",
        r.deadline,
        r.deadline,
        cx.date(r.deadline)
    );
    let _ = write!(
        m,
        "<td data-v=\"{}\" data-csv=\"{}\" class=\"{}\">{}</td>",
        r.overdue.unwrap_or(-1),
        E(&overdue_text(cx, r)),
        if r.overdue.is_some() {
            "bad"
        } else if r.at_risk {
            "warn"
        } else {
            ""
        },
        E(&overdue_text(cx, r))
    );
    let _ = write!(
        m,
        "<td>{}</td></tr>",
        if r.no_evidence {
            format!("<span class=\"flag\">{}</span>", E(cx.t(M::no_evidence)))
        } else {
            String::new()
        }
    );
}

/// Used by the body page: the rows of one body's portfolio.
pub fn portfolio<'a>(cx: &Cx, h: &'a History, p: Point, body: &BodyId) -> Vec<Row<'a>> {
    rows_of(cx, h, p, Some(body))
}

/// Writes a compact table of rows (the body page's portfolio).
pub fn compact_table(m: &mut String, cx: &Cx, rows: &[Row<'_>], body: &BodyId) {
    let _ = write!(
        m,
        "<div class=\"table-wrap\"><table class=\"data\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th>\
         <th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        E(cx.t(M::id)),
        E(cx.t(M::title)),
        E(cx.t(M::role_in_item)),
        E(cx.t(M::status)),
        E(cx.t(M::deadline)),
        E(cx.t(M::overdue)),
    );
    for r in rows {
        let role = if r.lead.as_ref() == Some(body) && r.phase != Phase::Assigned {
            M::role_lead
        } else if r.co.contains(body) {
            M::role_co
        } else {
            M::role_assignee
        };
        let _ = write!(
            m,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td><span class=\"status st-{}\">{}</span></td><td>{}</td><td class=\"{}\">{}</td></tr>",
            cx.commitment_link(&r.c.id),
            E(r.title),
            E(cx.t(role)),
            r.status,
            E(i18n::status(cx.lang, r.status)),
            cx.date(r.deadline),
            if r.overdue.is_some() { "bad" } else if r.at_risk { "warn" } else { "" },
            E(&overdue_text(cx, r)),
        );
    }
    m.push_str("</tbody></table></div>");
}
