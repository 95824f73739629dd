//! Overview (`/` for a browser): status distributions per objective, per body and per EU IBM
//! component, the counts oversight asks first, what changed in the last 7 days, and the
//! ledger's fingerprint to quote in a committee record.

use super::charts::{self, Bar};
use super::html::E;
use super::i18n::{self, M};
use super::{render, Content, Cx, Fail, Nav, PageRequest};
use crate::core::projection::views::Change;
use crate::core::projection::History;
use crate::query::{self, View, ViewResult};
use crate::server::AppState;
use crate::store::Snapshot;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use std::fmt::Write;

/// The overview page, for `read::index` when a browser asks for HTML.
pub async fn html(st: AppState, headers: &HeaderMap, uri: &Uri) -> Response {
    let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let req = PageRequest::new(uri.path(), pairs, headers);
    render(st, req, Nav::Overview, build).await
}

/// How many of the last changes the overview lists.
const RECENT: usize = 12;

fn build(cx: &Cx, h: &History, snap: &dyn Snapshot) -> Result<Content, Fail> {
    let req = cx.request();
    let objectives = query::answer(h, snap, View::Objectives, &req, cx.now)?;
    let (point, at) = (objectives.as_of, objectives.checkpoint);
    let ViewResult::Objectives(objectives) = objectives.result else {
        return Err(Fail::bad("unexpected view"));
    };
    let ViewResult::Scorecard(scores) =
        query::answer(h, snap, View::Scorecard, &req, cx.now)?.result
    else {
        return Err(Fail::bad("unexpected view"));
    };
    let ViewResult::Overdue(overdue) = query::answer(h, snap, View::Overdue, &req, cx.now)?.result
    else {
        return Err(Fail::bad("unexpected view"));
    };
    let week_ago = point
        .today
        .0
        .checked_sub(jiff::Span::new().days(7))
        .map(|d| d.to_string())
        .unwrap_or_default();
    // The last 7 days: how many changes of each kind, and the latest few.
    let from = query::point(h, &week_ago, None)?;
    let changes = super::changes::summarize(h, from, point, RECENT);

    let mut m = String::with_capacity(32 * 1024);
    let _ = write!(m, "<h1>{}</h1>", E(cx.t(M::overview)));

    // Key figures.
    let open: u32 = objectives.objectives.iter().map(|r| r.open).sum();
    let unanswered = h
        .inquiries
        .values()
        .filter(|q| q.seq < point.size && q.answered.as_ref().is_none_or(|a| a.0 >= point.size))
        .count();
    let _ = write!(
        m,
        "<section aria-labelledby=\"figures\"><h2 id=\"figures\">{}</h2><ul class=\"figures\">",
        E(cx.t(M::key_figures))
    );
    let figure = |m: &mut String, class: &str, n: usize, label: M, href: Option<String>| {
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
    };
    figure(
        &mut m,
        "",
        open as usize,
        M::open_commitments,
        Some(cx.link("/dashboard/commitments", &[])),
    );
    figure(
        &mut m,
        "bad",
        overdue.overdue.len(),
        M::overdue_items,
        Some(cx.link("/dashboard/commitments", &[("overdue", "1")])),
    );
    figure(
        &mut m,
        "warn",
        overdue.at_risk.len(),
        M::at_risk_items,
        Some(cx.link("/dashboard/commitments", &[("overdue", "at_risk")])),
    );
    figure(
        &mut m,
        "warn",
        unanswered,
        M::unanswered_inquiries,
        Some(cx.link("/dashboard/bodies", &[]) + "#inquiries"),
    );
    figure(
        &mut m,
        "bad",
        overdue.inquiries_past_due.len(),
        M::late_inquiries,
        Some(cx.link("/dashboard/bodies", &[]) + "#inquiries"),
    );
    figure(
        &mut m,
        "",
        overdue.never_accepted.len(),
        M::never_accepted,
        None,
    );
    m.push_str("</ul></section>");

    // The fingerprint.
    let time = point
        .size
        .checked_sub(1)
        .and_then(|i| h.entries.get(i as usize))
        .map(|e| e.recorded_at);
    let _ = write!(
        m,
        "<section aria-labelledby=\"fp\" class=\"fingerprint\"><h2 id=\"fp\">{}</h2><p class=\"help\">{}</p><dl class=\"facts\">\
         <dt>{}</dt><dd id=\"fp-size\">{}</dd><dt>{}</dt><dd><code class=\"hash\" id=\"fp-root\">{}</code></dd><dt>{}</dt><dd>{}</dd></dl>\
         <p class=\"quote\"><span class=\"l\">{}:</span> <q id=\"fp-quote\">{} · {} {} · SHA-256 {} · {}</q></p></section>",
        E(cx.t(M::fingerprint)),
        E(cx.t(M::fingerprint_help)),
        E(cx.t(M::tree_size)),
        at.size,
        E(cx.t(M::root_hash)),
        at.root.to_hex(),
        E(cx.t(M::checkpoint_time)),
        time.map(|t| cx.datetime(t)).unwrap_or_default(),
        E(cx.t(M::quote)),
        E(&h.origin),
        at.size,
        E(cx.t(M::entries)),
        at.root.to_hex(),
        time.map(|t| t.to_rfc3339()).unwrap_or_default(),
    );

    // Status distributions.
    let _ = write!(
        m,
        "<section aria-labelledby=\"dist\"><h2 id=\"dist\">{}</h2><p class=\"help\">{}</p><div class=\"charts\">",
        E(cx.t(M::status)),
        E(cx.t(M::chart_help))
    );
    let bars: Vec<Bar<'_>> = objectives
        .objectives
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
            }
        })
        .collect();
    m.push_str(&charts::status_bars(
        cx,
        "chart-objectives",
        cx.t(M::status_by_objective),
        &bars,
    ));
    let bars: Vec<Bar<'_>> = scores
        .bodies
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
            }
        })
        .collect();
    m.push_str(&charts::status_bars(
        cx,
        "chart-bodies",
        cx.t(M::status_by_body),
        &bars,
    ));
    let bars: Vec<Bar<'_>> = objectives
        .components
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
        })
        .collect();
    m.push_str(&charts::status_bars(
        cx,
        "chart-components",
        cx.t(M::status_by_component),
        &bars,
    ));
    m.push_str("</div></section>");

    // The last 7 days.
    let mut recent: Vec<&Change> = changes.latest.iter().flatten().collect();
    recent.sort_by_key(|c| std::cmp::Reverse(c.seq));
    recent.truncate(RECENT);
    let _ = write!(
        m,
        "<section aria-labelledby=\"recent\"><h2 id=\"recent\">{}</h2>",
        E(cx.t(M::last_7_days))
    );
    m.push_str("<ul class=\"counts\">");
    for section in crate::core::events::Section::ALL {
        let n = changes.counts[section.index()];
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
        super::changes::table(cx, h, &mut m, &recent);
    }
    let _ = write!(
        m,
        "<p><a href=\"{}\">{}</a></p></section>",
        E(&cx.link("/dashboard/changes", &[("since", &week_ago)])),
        E(cx.t(M::all_changes))
    );
    Ok(Content {
        title: cx.t(M::overview).to_string(),
        main: m,
        point,
        at,
    })
}
