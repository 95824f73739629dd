//! Overview (`/` for a browser): status distributions per objective, per body and per EU IBM
//! component, the counts oversight asks first, what changed in the last 7 days, and the
//! ledger's fingerprint to quote in a committee record.

use super::changes::Summary;
use super::charts::{self, Bar};
use super::html::E;
use super::i18n::{self, M};
use super::{render, Content, Cx, Fail, Page, PageRequest};
use crate::core::projection::views::{Change, ObjectivesView, OverdueView, ScorecardView};
use crate::core::projection::History;
use crate::query::{self, Answered};
use crate::server::AppState;
use crate::store::Snapshot;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use std::fmt::Write;

/// The overview is `read::index`'s answer to a browser: its route and documentation are the
/// API's `/`.
pub const PAGE: Page = Page {
    section: "overview",
    menu: Some(M::overview),
    path: "/",
    route: super::nothing,
    doc: |_| {},
};

/// The overview page, for `read::index` when a browser asks for HTML.
pub async fn html(st: AppState, headers: &HeaderMap, uri: &Uri) -> Response {
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let req = PageRequest::new(uri.path(), pairs, headers);
    render(st, req, &PAGE, |cx, h, snap| {
        let v = view(cx, h, snap)?;
        Ok(content(cx, h, &v))
    })
    .await
}

/// How many of the last changes the overview lists.
const RECENT: usize = 12;

/// What the overview shows, at the page's point.
pub struct Overview {
    /// By objective and component; its checkpoint is the page's.
    pub objectives: Answered<ObjectivesView>,
    pub scores: ScorecardView,
    pub overdue: OverdueView,
    /// Inquiries raised and not answered.
    pub unanswered: usize,
    /// The day a week before the page's, and what changed since.
    pub week_ago: String,
    pub changes: Summary,
}

pub fn view(cx: &Cx, h: &History, snap: &dyn Snapshot) -> Result<Overview, Fail> {
    let asked = query::ask(h, &cx.request(), cx.now)?;
    let objectives = query::answered(snap, asked.objectives(h))?;
    let point = objectives.as_of;
    let week_ago = point
        .today
        .0
        .checked_sub(jiff::Span::new().days(7))
        .map(|d| d.to_string())
        .unwrap_or_default();
    // The last 7 days: how many changes of each kind, and the latest few.
    let from = query::point(h, &week_ago, None)?;
    let unanswered = h
        .inquiries
        .values()
        .filter(|q| q.seq < point.size && q.answered.as_ref().is_none_or(|a| a.0 >= point.size))
        .count();
    Ok(Overview {
        scores: asked.scorecard(h).1,
        overdue: asked.overdue(h).1,
        changes: super::changes::summarize(h, from, point, RECENT),
        objectives,
        unanswered,
        week_ago,
    })
}

pub fn content(cx: &Cx, h: &History, v: &Overview) -> Content {
    let mut m = String::with_capacity(32 * 1024);
    let _ = write!(m, "<h1>{}</h1>", E(cx.t(M::overview)));
    figures(&mut m, cx, v);
    fingerprint(&mut m, cx, h, v);
    distributions(&mut m, cx, h, v);
    recent(&mut m, cx, h, v);
    Content {
        title: cx.t(M::overview).to_string(),
        main: m,
        point: v.objectives.as_of,
        at: v.objectives.checkpoint,
    }
}

/// One key figure, a link to what it counts where there is one.
fn figure(m: &mut String, cx: &Cx, class: &str, n: usize, label: M, href: Option<String>) {
    let inner = format!(
        "<span class=\"n\">{n}</span><span class=\"l\">{}</span>",
        E(cx.t(label))
    );
    match href {
        Some(h) => {
            let _ = write!(
                m,
                "<li class=\"figure {class}\"><a href=\"{}\">{inner}</a></li>",
                E(&h)
            );
        }
        None => {
            let _ = write!(m, "<li class=\"figure {class}\">{inner}</li>");
        }
    }
}

/// The counts oversight asks first.
fn figures(m: &mut String, cx: &Cx, v: &Overview) {
    let open: u32 = v.objectives.result.objectives.iter().map(|r| r.open).sum();
    let _ = write!(
        m,
        "<section aria-labelledby=\"figures\"><h2 id=\"figures\">{}</h2><ul class=\"figures\">",
        E(cx.t(M::key_figures))
    );
    let commitments = |p: &[(&str, &str)]| Some(cx.link("/dashboard/commitments", p));
    let inquiries = || Some(cx.link("/dashboard/bodies", &[]) + "#inquiries");
    let o = &v.overdue;
    figure(
        m,
        cx,
        "",
        open as usize,
        M::open_commitments,
        commitments(&[]),
    );
    let overdue = commitments(&[("overdue", "1")]);
    figure(m, cx, "bad", o.overdue.len(), M::overdue_items, overdue);
    let at_risk = commitments(&[("overdue", "at_risk")]);
    figure(m, cx, "warn", o.at_risk.len(), M::at_risk_items, at_risk);
    figure(
        m,
        cx,
        "warn",
        v.unanswered,
        M::unanswered_inquiries,
        inquiries(),
    );
    let late = o.inquiries_past_due.len();
    figure(m, cx, "bad", late, M::late_inquiries, inquiries());
    figure(m, cx, "", o.never_accepted.len(), M::never_accepted, None);
    m.push_str("</ul></section>");
}

/// The fingerprint to quote: origin, size, root and time of the checkpoint shown.
fn fingerprint(m: &mut String, cx: &Cx, h: &History, v: &Overview) {
    let (point, at) = (v.objectives.as_of, v.objectives.checkpoint);
    let time = point
        .size
        .checked_sub(1)
        .and_then(|i| h.entries.get(i as usize))
        .map(|e| e.recorded_at);
    let (size, root) = cx.fingerprint(&at);
    // The line as shown (the quotation line and the checkpoint's time) is what the button copies.
    let quote = match time {
        Some(t) => format!("{} · {}", cx.fingerprint_quote(h, &at), t.to_rfc3339()),
        None => cx.fingerprint_quote(h, &at),
    };
    let _ = write!(
        m,
        "<section aria-labelledby=\"fp\" class=\"fingerprint\"><h2 id=\"fp\">{}</h2><p class=\"help\">{}</p><dl class=\"facts\">\
         <dt>{}</dt><dd id=\"fp-size\">{}</dd><dt>{}</dt><dd id=\"fp-root\">{}</dd><dt>{}</dt><dd>{}</dd></dl>\
         <p class=\"quote\"><span class=\"l\">{}:</span> <q id=\"fp-quote\">{}</q> {}</p></section>",
        E(cx.t(M::fingerprint)),
        E(cx.t(M::fingerprint_help)),
        E(cx.t(M::tree_size)),
        size,
        E(cx.t(M::root_hash)),
        root,
        E(cx.t(M::checkpoint_time)),
        time.map(|t| cx.datetime(t)).unwrap_or_default(),
        E(cx.t(M::quote)),
        E(&quote),
        cx.copy_button(&quote),
    );
}

/// Status charts by objective, by body and by component.
fn distributions(m: &mut String, cx: &Cx, h: &History, v: &Overview) {
    let _ = write!(
        m,
        "<section aria-labelledby=\"dist\"><h2 id=\"dist\">{}</h2><p class=\"help\">{}</p><div class=\"charts\">",
        E(cx.t(M::status)),
        E(cx.t(M::chart_help))
    );
    let o = &v.objectives.result;
    for (id, caption, bars) in [
        (
            "chart-objectives",
            M::status_by_objective,
            objective_bars(cx, h, o),
        ),
        (
            "chart-bodies",
            M::status_by_body,
            body_bars(cx, h, &v.scores),
        ),
        (
            "chart-components",
            M::status_by_component,
            component_bars(cx, o),
        ),
    ] {
        m.push_str(&charts::status_bars(cx, id, cx.t(caption), &bars));
    }
    m.push_str("</div></section>");
}

fn objective_bars<'a>(cx: &Cx, h: &History, v: &'a ObjectivesView) -> Vec<Bar<'a>> {
    v.objectives
        .iter()
        .filter(|r| r.commitments > 0)
        .map(|r| {
            let title = crate::core::types::ObjectiveId::parse(&r.key)
                .ok()
                .and_then(|id| h.objectives.get(&id))
                .map(|o| cx.title(&o.title_uk, o.title_en.as_deref()).to_string())
                .unwrap_or_default();
            Bar {
                label_html: format!(
                    "<a href=\"{}\">{}</a> <span class=\"sub\">{}</span>",
                    E(&cx.link("/dashboard/commitments", &[("objective", &r.key)])),
                    E(&r.key),
                    E(&title)
                ),
                label_text: r.key.clone(),
                filter: ("objective", r.key.clone()),
                counts: &r.statuses,
                overdue: Some(r.overdue),
            }
        })
        .collect()
}

/// A bar per body that holds commitments: its latest claims (also the bodies page's chart).
pub fn body_bars<'a>(cx: &Cx, h: &History, v: &'a ScorecardView) -> Vec<Bar<'a>> {
    v.bodies
        .iter()
        .filter(|s| s.held > 0)
        .map(|s| {
            let id = crate::core::types::BodyId::parse(&s.body).ok();
            let name = id
                .as_ref()
                .map(|b| cx.body_name(h, b).to_string())
                .unwrap_or_else(|| s.body.clone());
            Bar {
                label_html: format!(
                    "<a href=\"{}\">{}</a>",
                    E(&cx.link("/dashboard/bodies", &[("id", &s.body)])),
                    E(&name)
                ),
                label_text: name,
                filter: ("body", s.body.clone()),
                counts: &s.claims,
                overdue: Some(s.overdue),
            }
        })
        .collect()
}

fn component_bars<'a>(cx: &Cx, v: &'a ObjectivesView) -> Vec<Bar<'a>> {
    v.components
        .iter()
        .map(|r| Bar {
            label_html: format!(
                "<a href=\"{}\">{}</a>",
                E(&cx.link("/dashboard/commitments", &[("component", &r.key)])),
                E(i18n::component(cx.lang, &r.key))
            ),
            label_text: i18n::component(cx.lang, &r.key).to_string(),
            filter: ("component", r.key.clone()),
            counts: &r.statuses,
            overdue: Some(r.overdue),
        })
        .collect()
}

/// The last 7 days: changes by kind, the latest few, a link to them all.
fn recent(m: &mut String, cx: &Cx, h: &History, v: &Overview) {
    let mut recent: Vec<&Change> = v.changes.latest.iter().flatten().collect();
    recent.sort_by_key(|c| std::cmp::Reverse(c.seq));
    recent.truncate(RECENT);
    let _ = write!(
        m,
        "<section aria-labelledby=\"recent\"><h2 id=\"recent\">{}</h2>",
        E(cx.t(M::last_7_days))
    );
    m.push_str("<ul class=\"counts\">");
    for section in crate::core::events::Section::ALL {
        let n = v.changes.counts[section.index()];
        if n > 0 {
            let _ = write!(
                m,
                "<li><span class=\"n\">{}</span> {}</li>",
                n,
                E(cx.t(i18n::section(*section)))
            );
        }
    }
    m.push_str("</ul>");
    if recent.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_changes)));
    } else {
        super::changes::table(cx, h, m, &recent);
    }
    let _ = write!(
        m,
        "<p><a href=\"{}\">{}</a></p></section>",
        E(&cx.link("/dashboard/changes", &[("since", &v.week_ago)])),
        E(cx.t(M::all_changes))
    );
}
