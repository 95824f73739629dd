//! The bodies' workspace ("Мій орган"): where a clerk records, accepts and reports from the
//! browser, signing on their own machine. The server renders what waits for the chosen body
//! (computed from the projections) with each row's action one click away, and the frame of the
//! forms; `assets/workspace/workspace.js` builds every form from `GET /schema/events`, encodes
//! the event canonically, asks `POST /entries/check` before signing, signs with a Web Crypto
//! Ed25519 key that never leaves the browser (non-extractable, in IndexedDB), submits, and
//! verifies the receipt with the Integrity page's code (`assets/dashboard/verify.js`).
//!
//! Pages: `/workspace` (choose a body; then what waits for it), `/workspace/form` (one event),
//! `/workspace/keys` (the body's key: generate, import, register, rotate, lost), `/workspace/plan`
//! (an action plan from a spreadsheet, as one batch). `qr.rs` draws a public key's QR code.

pub mod explain;
pub mod qr;

use super::html::{url, E};
use super::i18n::{self, Lang, M};
use super::{documented, given, render, Content, Cx, Fail, PageQuery, PageRequest};
use crate::core::event::{EventKind, Phase, Policy, Role};
use crate::core::projection::{CommitmentRec, History};
use crate::core::types::{BodyId, Date};
use crate::server::schema::{self, Signer};
use crate::server::{AppState, Routes, Q};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{json, Value};
use std::fmt::Write;
use utoipa::IntoParams;

pub const JS: &str = include_str!("../../../../assets/workspace/workspace.js");
pub const CSS: &str = include_str!("../../../../assets/workspace/workspace.css");

/// The pages' parameters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WorkspaceQuery {
    /// The body the clerk works for (its id).
    pub body: Option<String>,
    /// On `/workspace/form`: the event type to record. Any body member may be given too, to
    /// fill the form in (`commitment=AP-2026/2.1&proposal=ev-9`).
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// What the ledger's rules hold that the projections do not: the genesis policy and the keys.
#[derive(Debug, Clone)]
struct Ledgerside {
    policy: Policy,
    /// The ledger's clock, which `recorded_at` and the time policy follow.
    now: u64,
    vkey: String,
    /// Every registered key: id, body, revoked.
    keys: Vec<(String, String, bool)>,
}

fn ledgerside(st: &AppState) -> Ledgerside {
    let policy = st
        .ledger()
        .with_state(|s| s.genesis.as_ref().map(|g| g.policy).unwrap_or_default());
    // The keys of the head: what the next entry is judged with.
    let head = st.ledger().head();
    Ledgerside {
        policy,
        now: st.ledger().now().0,
        vkey: st.verifier_key().to_string(),
        keys: head
            .keys
            .iter()
            .map(|(id, k)| (id.to_string(), k.body.to_string(), k.revoked_at.is_some()))
            .collect(),
    }
}

/// Which page of the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tab {
    Home,
    Form,
    Keys,
    Plan,
}

/// The section of the dashboard the workspace's pages belong to (its menu entry is My body).
pub const SECTION: &str = "workspace";

/// `/workspace`: the menu's My body.
pub const HOME: super::Page = super::Page {
    section: SECTION,
    menu: Some(M::ws_my_body),
    path: "/workspace",
    route: route_home,
    doc: documented::<__path_home>,
};

/// `/workspace/form`, reached from a body's rows.
pub const FORM: super::Page = super::Page {
    section: SECTION,
    menu: None,
    path: "/workspace/form",
    route: route_form,
    doc: documented::<__path_form>,
};

/// `/workspace/keys`, a tab of the body's page.
pub const KEYS: super::Page = super::Page {
    section: SECTION,
    menu: None,
    path: "/workspace/keys",
    route: route_keys,
    doc: documented::<__path_keys>,
};

/// `/workspace/plan`, a coordinator's tab.
pub const PLAN: super::Page = super::Page {
    section: SECTION,
    menu: None,
    path: "/workspace/plan",
    route: route_plan,
    doc: documented::<__path_plan>,
};

fn route_home(r: Routes) -> Routes {
    r.get("/workspace", home)
}

fn route_form(r: Routes) -> Routes {
    r.get("/workspace/form", form)
}

fn route_keys(r: Routes) -> Routes {
    r.get("/workspace/keys", keys)
}

fn route_plan(r: Routes) -> Routes {
    r.get("/workspace/plan", plan)
}

/// My body: choose the body; then what waits for it.
#[utoipa::path(get, path = "/workspace", tag = "dashboard", params(PageQuery, WorkspaceQuery),
    responses((status = 200, description = "The page", content_type = "text/html"),
              (status = 400, description = "A malformed as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
              (status = 404, description = "No such body: an HTML page for a browser, else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json")))))]
pub async fn home(
    st: State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<WorkspaceQuery>,
) -> Response {
    show(st, req, &HOME, Tab::Home, q).await
}

/// A form for one event: built by the script from the event types' schema.
#[utoipa::path(get, path = "/workspace/form", tag = "dashboard", params(PageQuery, WorkspaceQuery),
    responses((status = 200, description = "The page", content_type = "text/html"),
              (status = 400, description = "A malformed as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
              (status = 404, description = "No such body or event type: an HTML page for a browser, else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json")))))]
pub async fn form(
    st: State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<WorkspaceQuery>,
) -> Response {
    show(st, req, &FORM, Tab::Form, q).await
}

/// The body's key in this browser: generate, import, register, rotate, lost.
#[utoipa::path(get, path = "/workspace/keys", tag = "dashboard", params(PageQuery, WorkspaceQuery),
    responses((status = 200, description = "The page", content_type = "text/html"),
              (status = 400, description = "A malformed as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
              (status = 404, description = "No such body: an HTML page for a browser, else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json")))))]
pub async fn keys(
    st: State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<WorkspaceQuery>,
) -> Response {
    show(st, req, &KEYS, Tab::Keys, q).await
}

/// An action plan from a spreadsheet, reviewed and signed as one batch.
#[utoipa::path(get, path = "/workspace/plan", tag = "dashboard", params(PageQuery, WorkspaceQuery),
    responses((status = 200, description = "The page", content_type = "text/html"),
              (status = 400, description = "A malformed as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
              (status = 404, description = "No such body: an HTML page for a browser, else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json")))))]
pub async fn plan(
    st: State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<WorkspaceQuery>,
) -> Response {
    show(st, req, &PLAN, Tab::Plan, q).await
}

async fn show(
    State(st): State<AppState>,
    req: PageRequest,
    page: &'static super::Page,
    tab: Tab,
    q: WorkspaceQuery,
) -> Response {
    let side = ledgerside(&st);
    render(st, req, page, move |cx, h, snap| {
        let (point, at) = cx.resolve(h, snap)?;
        let main = match given(&q.body) {
            None => chooser(cx, h),
            Some(b) => {
                let id = BodyId::parse(b)
                    .ok()
                    .filter(|id| h.bodies.contains_key(id))
                    .ok_or_else(|| Fail::not_found(format!("{}: {b}", cx.t(M::ws_no_such_body))))?;
                let mut m = String::with_capacity(32 * 1024);
                frame(&mut m, cx, h, &id, tab);
                match tab {
                    Tab::Home => waiting(&mut m, cx, h, &id),
                    Tab::Form => form_page(&mut m, cx, h, &id, given(&q.kind))?,
                    Tab::Keys => keys_page(&mut m, cx, &id),
                    Tab::Plan => plan_page(&mut m, cx),
                }
                data(&mut m, cx, h, &id, &side);
                m
            }
        };
        Ok(Content {
            title: cx.t(M::ws_my_body).to_string(),
            main,
            point,
            at,
        })
    })
    .await
}

fn link(cx: &Cx, path: &str, body: &BodyId, params: &[(&str, &str)]) -> String {
    let mut all = vec![("body", body.as_str())];
    all.extend_from_slice(params);
    if cx.lang == Lang::En && !cx.req.pairs.is_empty() {
        // The language is remembered in a cookie; links carry only what they need.
    }
    url(path, &all)
}

/// The list of bodies to work for.
fn chooser(cx: &Cx, h: &History) -> String {
    let mut m = String::new();
    let _ = write!(
        m,
        "<h1>{}</h1><p class=\"lead-text\">{}</p><p class=\"help\">{}</p><ul class=\"ws-bodies\" id=\"ws-bodies\">",
        E(cx.t(M::ws_my_body)),
        E(cx.t(M::ws_choose_body)),
        E(cx.t(M::ws_intro)),
    );
    for b in h.bodies.values().filter(|b| b.succeeded.is_none()) {
        let roles: Vec<&str> = b
            .roles
            .iter()
            .map(|r| i18n::role_label(cx.lang, *r))
            .collect();
        let _ = write!(
            m,
            "<li><a href=\"{}\" data-body=\"{}\"><strong>{}</strong> <span class=\"muted\">{} · {}</span></a></li>",
            E(&url("/workspace", &[("body", b.id.as_str())])),
            E(b.id.as_str()),
            E(cx.lang.pick(&b.name_uk, &b.name_en)),
            E(b.id.as_str()),
            E(&roles.join(", ")),
        );
    }
    m.push_str("</ul>");
    m
}

/// The body's heading, its key's state (filled by the script) and the workspace's tabs.
fn frame(m: &mut String, cx: &Cx, h: &History, id: &BodyId, tab: Tab) {
    let b = &h.bodies[id];
    let roles: Vec<&str> = b
        .roles
        .iter()
        .map(|r| i18n::role_label(cx.lang, *r))
        .collect();
    let _ = write!(
        m,
        "<h1><span class=\"muted\">{}:</span> {}</h1><p class=\"help\">{} · {}</p>",
        E(cx.t(M::ws_my_body)),
        E(cx.lang.pick(&b.name_uk, &b.name_en)),
        E(id.as_str()),
        E(&roles.join(", ")),
    );
    let _ = write!(
        m,
        "<div class=\"ws-key\" id=\"ws-key\" data-state=\"unknown\" role=\"status\"><span id=\"ws-key-text\">{}</span> \
         <a id=\"ws-key-link\" href=\"{}\">{}</a></div>\
         <noscript><p class=\"problem\">{}</p></noscript>",
        E(cx.t(M::ws_key_checking)),
        E(&link(cx, "/workspace/keys", id, &[])),
        E(cx.t(M::ws_keys)),
        E(cx.t(M::ws_needs_script)),
    );
    let tabs = [
        (Tab::Home, "/workspace", M::ws_waiting),
        (Tab::Keys, "/workspace/keys", M::ws_keys),
    ];
    m.push_str("<nav class=\"ws-tabs\" aria-label=\"workspace\"><ul>");
    for (p, path, label) in tabs {
        let cur = if p == tab {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            m,
            "<li><a href=\"{}\"{cur}>{}</a></li>",
            E(&link(cx, path, id, &[])),
            E(cx.t(label))
        );
    }
    if b.roles.contains(&Role::Coordinator) {
        let cur = if tab == Tab::Plan {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            m,
            "<li><a href=\"{}\"{cur}>{}</a></li>",
            E(&link(cx, "/workspace/plan", id, &[])),
            E(cx.t(M::ws_plan))
        );
    }
    m.push_str("</ul></nav>");
}

/// May a body with `roles` sign events of this kind (as far as roles decide)?
fn allowed(k: EventKind, roles: &[Role]) -> bool {
    let s = schema::signer(k);
    s != Signer::Founder
        && (s.roles().is_empty() || roles.iter().any(|r| s.roles().contains(&r.name())))
}

struct Row {
    item: Option<String>,
    text: String,
    due: Option<Date>,
    actions: Vec<(EventKind, Vec<(&'static str, String)>)>,
}

fn current_lead(r: &CommitmentRec) -> Option<&BodyId> {
    r.leads
        .iter()
        .rev()
        .find(|i| i.to.is_none())
        .map(|i| &i.body)
}

fn phase(r: &CommitmentRec) -> Phase {
    r.phases.last().map(|(_, p)| *p).unwrap_or(Phase::Active)
}

fn deadline(r: &CommitmentRec) -> Date {
    r.deadlines
        .last()
        .map(|d| d.to)
        .unwrap_or(r.fields.deadline)
}

/// What waits for the body, section by section, each row with its actions.
fn waiting(m: &mut String, cx: &Cx, h: &History, id: &BodyId) {
    let today = h.date_of(cx.now);
    let roles: Vec<Role> = h.bodies[id].roles.clone();
    let has = |r: Role| roles.contains(&r);
    let c = |k: &CommitmentRec| ("commitment", k.id.to_string());
    let mut sections: Vec<(M, Vec<Row>)> = Vec::new();
    let days = |d: Date| -> i64 {
        d.0.since(today.0)
            .map(|s| s.get_days() as i64)
            .unwrap_or_default()
    };

    let mut assigned = Vec::new();
    let mut offered = Vec::new();
    let mut proposed = Vec::new();
    let mut led = Vec::new();
    let mut coexec = Vec::new();
    let mut indicators = Vec::new();
    let mut requests = Vec::new();
    let mut claims = Vec::new();
    for r in h.commitments.values() {
        let ph = phase(r);
        let title = cx
            .title(&r.fields.title_uk, r.fields.title_en.as_deref())
            .to_string();
        if ph == Phase::Assigned && r.assigned_to.as_ref() == Some(id) {
            assigned.push(Row {
                item: Some(r.id.to_string()),
                text: title.clone(),
                due: Some(deadline(r)),
                actions: vec![
                    (EventKind::CommitmentAccepted, vec![c(r)]),
                    (EventKind::CommitmentRejected, vec![c(r)]),
                ],
            });
        }
        if ph == Phase::Active {
            if let Some(x) = r.handovers.iter().rev().find(|x| x.outcome.is_none()) {
                let who = cx.body_name(h, &x.proposer).to_string();
                if &x.to == id {
                    offered.push(Row {
                        item: Some(r.id.to_string()),
                        text: format!("{title} — {} {who}: «{}»", cx.t(M::ws_from), x.reason),
                        due: None,
                        actions: vec![
                            (
                                EventKind::HandoverAccepted,
                                vec![c(r), ("proposal", x.proposal.to_string())],
                            ),
                            (
                                EventKind::HandoverDeclined,
                                vec![c(r), ("proposal", x.proposal.to_string())],
                            ),
                        ],
                    });
                }
                if &x.proposer == id {
                    proposed.push(Row {
                        item: Some(r.id.to_string()),
                        text: format!("{title} — {} {}", cx.t(M::ws_to), cx.body_name(h, &x.to)),
                        due: None,
                        actions: vec![(
                            EventKind::HandoverWithdrawn,
                            vec![c(r), ("proposal", x.proposal.to_string())],
                        )],
                    });
                }
            }
            let lead = current_lead(r);
            if lead == Some(id) {
                let last = r.claims.last();
                let since = last.map(|l| h.date_of(l.at));
                let mut text = title.clone();
                match since {
                    Some(d) => {
                        let _ = write!(
                            text,
                            " — {} {}",
                            cx.t(M::ws_last_report),
                            explain::day_words(cx.lang, d)
                        );
                    }
                    None => {
                        let _ = write!(text, " — {}", cx.t(M::ws_no_report_yet));
                    }
                }
                let mut actions = vec![(EventKind::StatusReported, vec![c(r)])];
                if !r.fields.indicators.is_empty() {
                    actions.push((EventKind::IndicatorMeasured, vec![c(r)]));
                }
                actions.push((EventKind::DeadlineExtensionRequested, vec![c(r)]));
                actions.push((EventKind::HandoverProposed, vec![c(r)]));
                led.push(Row {
                    item: Some(r.id.to_string()),
                    text,
                    due: Some(deadline(r)),
                    actions,
                });
            }
            let co = r
                .co_executors
                .iter()
                .any(|i| &i.body == id && i.to.is_none());
            if co {
                let mut actions = vec![(EventKind::NoteAdded, vec![c(r)])];
                if !r.fields.indicators.is_empty() {
                    actions.insert(0, (EventKind::IndicatorMeasured, vec![c(r)]));
                }
                coexec.push(Row {
                    item: Some(r.id.to_string()),
                    text: format!(
                        "{title} — {} {}",
                        cx.t(M::lead).to_lowercase(),
                        lead.map(|l| cx.body_name(h, l)).unwrap_or("—")
                    ),
                    due: Some(deadline(r)),
                    actions,
                });
            }
            // Indicators whose milestone has passed with no measurement since.
            if lead == Some(id) || co {
                for ind in &r.fields.indicators {
                    let last = r
                        .measures
                        .iter()
                        .filter(|x| x.indicator == ind.id)
                        .map(|x| x.as_of)
                        .max();
                    let due = ind
                        .milestones
                        .iter()
                        .map(|x| x.date)
                        .filter(|d| *d <= today && last.is_none_or(|l| l < *d))
                        .max();
                    if let Some(d) = due {
                        indicators.push(Row {
                            item: Some(r.id.to_string()),
                            text: format!("{} — {}", ind.name_uk, title),
                            due: Some(d),
                            actions: vec![(
                                EventKind::IndicatorMeasured,
                                vec![c(r), ("indicator", ind.id.to_string())],
                            )],
                        });
                    }
                }
            }
        }
        if has(Role::Coordinator) && !ph.is_closed() {
            for (_, at, rid, want, reason) in &r.extension_requests {
                let decided = r.deadlines.iter().any(|d| d.request.as_ref() == Some(rid));
                if !decided {
                    requests.push(Row {
                        item: Some(r.id.to_string()),
                        text: format!(
                            "{title} — {} {}: {} ({})",
                            cx.t(M::ws_requested),
                            explain::day_words(cx.lang, h.date_of(*at)),
                            explain::day_words(cx.lang, *want),
                            reason
                        ),
                        due: None,
                        actions: vec![(
                            EventKind::DeadlineChanged,
                            vec![
                                c(r),
                                ("request", rid.to_string()),
                                ("deadline", want.to_string()),
                            ],
                        )],
                    });
                }
            }
        }
        if has(Role::Overseer) || has(Role::Coordinator) {
            if let Some(last) = r.claims.last() {
                let assessed = r.assessments.iter().any(|a| a.seq > last.seq);
                if !assessed {
                    claims.push(Row {
                        item: Some(r.id.to_string()),
                        text: format!(
                            "{title} — {}: {} ({})",
                            cx.body_name(h, &last.by),
                            i18n::status_label(cx.lang, Some(last.status)),
                            explain::day_words(cx.lang, h.date_of(last.at))
                        ),
                        due: None,
                        actions: vec![(
                            EventKind::AssessmentRecorded,
                            vec![c(r), ("claim", last.event_id.to_string())],
                        )],
                    });
                }
            }
        }
    }
    let mut inquiries = Vec::new();
    for q in h.inquiries.values() {
        if &q.to == id && q.answered.is_none() {
            inquiries.push(Row {
                item: q.commitment.as_ref().map(|c| c.to_string()),
                text: format!("{} — {}", q.id, q.question),
                due: Some(q.due),
                actions: vec![(
                    EventKind::InquiryAnswered,
                    vec![("inquiry", q.id.to_string())],
                )],
            });
        }
    }
    led.sort_by_key(|r| r.due);
    inquiries.sort_by_key(|r| r.due);
    sections.push((M::ws_sec_assigned, assigned));
    sections.push((M::ws_sec_offered, offered));
    sections.push((M::ws_sec_inquiries, inquiries));
    sections.push((M::ws_sec_led, led));
    sections.push((M::ws_sec_indicators, indicators));
    sections.push((M::ws_sec_proposed, proposed));
    if has(Role::Coordinator) {
        sections.push((M::ws_sec_requests, requests));
    }
    if has(Role::Overseer) || has(Role::Coordinator) {
        sections.push((M::ws_sec_claims, claims));
    }
    sections.push((M::ws_sec_coexec, coexec));

    let total: usize = sections.iter().map(|(_, r)| r.len()).sum();
    let _ = write!(
        m,
        "<h2 id=\"waiting\">{}</h2><p class=\"help\">{} <strong id=\"ws-waiting-count\">{}</strong></p>",
        E(cx.t(M::ws_waiting)),
        E(cx.t(M::ws_waiting_count)),
        total
    );
    for (title, rows) in &sections {
        if rows.is_empty() {
            continue;
        }
        let _ = write!(
            m,
            "<section class=\"ws-section\"><h3>{} <span class=\"count\">{}</span></h3><table class=\"ws-table\"><tbody>",
            E(cx.t(*title)),
            rows.len()
        );
        for r in rows {
            let due = r
                .due
                .map(|d| {
                    let n = days(d);
                    let cls = if n < 0 {
                        "due overdue"
                    } else if n <= 30 {
                        "due soon"
                    } else {
                        "due"
                    };
                    format!(
                        "<span class=\"{cls}\">{} {}</span>",
                        E(cx.t(M::deadline)),
                        cx.date(d)
                    )
                })
                .unwrap_or_default();
            let item = r
                .item
                .as_ref()
                .map(|i| {
                    format!(
                        "<a href=\"{}\">{}</a> ",
                        E(&url("/dashboard/commitment", &[("id", i)])),
                        E(i)
                    )
                })
                .unwrap_or_default();
            let _ = write!(
                m,
                "<tr><td class=\"what\">{item}{} {due}</td><td class=\"actions\">",
                E(&r.text)
            );
            for (k, params) in &r.actions {
                let mut p: Vec<(&str, &str)> = vec![("type", k.name())];
                p.extend(params.iter().map(|(a, b)| (*a, b.as_str())));
                let _ = write!(
                    m,
                    "<a class=\"button\" data-action=\"{}\" href=\"{}\">{}</a> ",
                    E(k.name()),
                    E(&link(cx, "/workspace/form", id, &p)),
                    E(action_label(cx.lang, *k))
                );
            }
            m.push_str("</td></tr>");
        }
        m.push_str("</tbody></table></section>");
    }
    if total == 0 {
        let _ = write!(m, "<p class=\"empty\">{}</p>", E(cx.t(M::ws_nothing_waits)));
    }

    // Every form the body's roles allow, grouped by what they are for.
    let _ = write!(
        m,
        "<h2 id=\"all-forms\">{}</h2><p class=\"help\">{}</p><ul class=\"ws-forms\">",
        E(cx.t(M::ws_all_forms)),
        E(cx.t(M::ws_all_forms_help))
    );
    for k in EventKind::ALL {
        if !allowed(*k, &roles) {
            continue;
        }
        let _ = write!(
            m,
            "<li><a href=\"{}\" data-form=\"{}\">{}</a></li>",
            E(&link(cx, "/workspace/form", id, &[("type", k.name())])),
            E(k.name()),
            E(action_label(cx.lang, *k))
        );
    }
    m.push_str("</ul>");
    let _ = write!(
        m,
        "<h2 id=\"receipts\">{}</h2><p class=\"help\">{}</p><div id=\"ws-receipts\" class=\"ws-receipts\"></div>",
        E(cx.t(M::ws_receipts)),
        E(cx.t(M::ws_receipts_help))
    );
}

/// The verb on an action's button ("Прийняти доручення").
pub fn action_label(l: Lang, k: EventKind) -> &'static str {
    let (uk, en) = match k {
        EventKind::Genesis => ("Створити реєстр", "Create the ledger"),
        EventKind::BodyRegistered => ("Зареєструвати орган", "Register a body"),
        EventKind::BodyUpdated => ("Оновити дані органу", "Update a body"),
        EventKind::BodySucceeded => ("Записати правонаступництво", "Record a succession"),
        EventKind::KeyAdded => ("Додати ключ", "Add a key"),
        EventKind::KeyRevoked => ("Відкликати ключ", "Revoke a key"),
        EventKind::ObjectiveDefined => ("Визначити ціль", "Define an objective"),
        EventKind::CommitmentAssigned => ("Доручити зобов’язання", "Assign a commitment"),
        EventKind::CommitmentAccepted => ("Прийняти доручення", "Accept the assignment"),
        EventKind::CommitmentRejected => ("Відхилити доручення", "Reject the assignment"),
        EventKind::CommitmentMade => ("Взяти зобов’язання", "Make a commitment"),
        EventKind::CommitmentCancelled => ("Скасувати зобов’язання", "Cancel a commitment"),
        EventKind::CommitmentSuperseded => ("Замінити зобов’язання", "Supersede a commitment"),
        EventKind::CommitmentReassigned => ("Перепризначити", "Reassign"),
        EventKind::HandoverProposed => ("Запропонувати передачу", "Propose a handover"),
        EventKind::HandoverAccepted => ("Прийняти передачу", "Accept the handover"),
        EventKind::HandoverDeclined => ("Відхилити передачу", "Decline the handover"),
        EventKind::HandoverWithdrawn => ("Відкликати передачу", "Withdraw the handover"),
        EventKind::CoExecutorAdded => ("Додати співвиконавця", "Add a co-executor"),
        EventKind::CoExecutorRemoved => ("Вилучити співвиконавця", "Remove a co-executor"),
        EventKind::StatusReported => ("Звітувати про стан", "Report status"),
        EventKind::IndicatorMeasured => {
            ("Записати значення показника", "Record an indicator value")
        }
        EventKind::DeadlineExtensionRequested => {
            ("Попросити продовжити строк", "Request an extension")
        }
        EventKind::DeadlineChanged => ("Змінити строк", "Change the deadline"),
        EventKind::AssessmentRecorded => ("Оцінити", "Assess"),
        EventKind::NoteAdded => ("Додати примітку або оскаржити", "Add a note or contest"),
        EventKind::InquiryRaised => ("Надіслати запит", "Raise an inquiry"),
        EventKind::InquiryAnswered => ("Відповісти на запит", "Answer the inquiry"),
    };
    l.pick(uk, en)
}

fn form_page(
    m: &mut String,
    cx: &Cx,
    h: &History,
    id: &BodyId,
    kind: Option<&str>,
) -> Result<(), Fail> {
    let named = kind;
    let kind = named
        .and_then(EventKind::from_name)
        .filter(|k| *k != EventKind::Genesis)
        .ok_or_else(|| {
            Fail::not_found(format!(
                "{}: {}",
                cx.t(M::ws_no_such_form),
                named.unwrap_or("")
            ))
        })?;
    let roles = &h.bodies[id].roles;
    let _ = write!(
        m,
        "<h2 id=\"form-title\">{}</h2><p class=\"help\">{}</p>",
        E(action_label(cx.lang, kind)),
        E(&format!(
            "{}: {}",
            cx.t(M::ws_signer),
            signer_text(cx.lang, schema::signer(kind))
        ))
    );
    if !allowed(kind, roles) {
        let _ = write!(
            m,
            "<p class=\"problem\" role=\"alert\">{}</p>",
            E(cx.t(M::ws_role_missing))
        );
    }
    let _ = write!(
        m,
        "<div class=\"ws-clock\" id=\"ws-clock\" role=\"alert\" hidden></div>\
         <form id=\"ws-form\" class=\"ws-form\" data-type=\"{k}\" novalidate><div id=\"ws-fields\"><p>{loading}</p></div>\
         <p class=\"ws-buttons\"><button type=\"submit\" id=\"ws-preview\">{preview}</button></p></form>\
         <section id=\"ws-review\" class=\"ws-review\" hidden aria-live=\"polite\">\
         <h3>{review}</h3><p id=\"ws-plain\" class=\"ws-plain\"></p>\
         <details id=\"ws-json-box\"><summary>{json}</summary><pre id=\"ws-json\" class=\"ws-json\"></pre></details>\
         <div id=\"ws-verdict\" class=\"ws-verdict\" role=\"status\"></div>\
         <p class=\"ws-buttons\"><button type=\"button\" id=\"ws-sign\" disabled>{sign}</button> \
         <button type=\"button\" id=\"ws-edit\" class=\"secondary\">{edit}</button></p></section>\
         <section id=\"ws-receipt\" class=\"ws-receipt\" hidden aria-live=\"polite\"></section>",
        k = E(kind.name()),
        loading = E(cx.t(M::ws_loading)),
        preview = E(cx.t(M::ws_preview)),
        review = E(cx.t(M::ws_review)),
        json = E(cx.t(M::ws_exact_json)),
        sign = E(cx.t(M::ws_sign)),
        edit = E(cx.t(M::ws_edit)),
    );
    Ok(())
}

fn signer_text(l: Lang, s: Signer) -> &'static str {
    let (uk, en) = match s {
        Signer::Founder => (
            "реєстратор-засновник, один раз",
            "the founding registrar, once",
        ),
        Signer::Registrar => ("реєстратор", "a registrar"),
        Signer::RegistrarOrSelf => ("реєстратор або сам орган", "a registrar or the body itself"),
        Signer::Coordinator => ("координатор", "a coordinator"),
        Signer::Executor => (
            "виконавець, який стає відповідальним",
            "an executor, who becomes the lead",
        ),
        Signer::Assignee => ("орган, якому доручено", "the body it was assigned to"),
        Signer::LeadOrCoordinator => (
            "відповідальний виконавець або координатор",
            "the lead or a coordinator",
        ),
        Signer::Receiver => (
            "орган, якому пропонують передачу",
            "the body the handover is offered to",
        ),
        Signer::Proposer => (
            "орган, що запропонував передачу",
            "the body that proposed the handover",
        ),
        Signer::Lead => ("відповідальний виконавець", "the lead"),
        Signer::LeadOrCoExecutor => (
            "відповідальний виконавець або співвиконавець",
            "the lead or a co-executor",
        ),
        Signer::OverseerOrCoordinator => (
            "орган нагляду або координатор",
            "an overseer or a coordinator",
        ),
        Signer::Overseer => ("орган нагляду", "an overseer"),
        Signer::Addressee => (
            "орган, якому адресовано запит",
            "the body the inquiry is addressed to",
        ),
        Signer::AnyBody => ("будь-який зареєстрований орган", "any registered body"),
    };
    l.pick(uk, en)
}

fn keys_page(m: &mut String, cx: &Cx, id: &BodyId) {
    let _ = write!(
        m,
        "<h2>{title}</h2><p class=\"help\">{help}</p>\
         <section class=\"ws-keybox\" id=\"ws-keybox\"><h3>{this}</h3><div id=\"ws-key-detail\"></div>\
         <p id=\"ws-public\" class=\"ws-public\" hidden><label for=\"ws-public-text\">{public}</label>\
         <textarea id=\"ws-public-text\" readonly rows=\"2\"></textarea>\
         <img id=\"ws-qr\" alt=\"{qr}\" width=\"200\" height=\"200\"></p></section>\
         <section><h3>{gen_t}</h3><p>{gen_h}</p><p><button type=\"button\" id=\"ws-generate\">{gen_b}</button></p></section>\
         <section><h3>{imp_t}</h3><p>{imp_h}</p>\
         <p><label for=\"ws-pem-file\">{imp_file}</label> <input type=\"file\" id=\"ws-pem-file\" accept=\".pem,.key,text/plain\"></p>\
         <p><label for=\"ws-pem\">{imp_paste}</label><br><textarea id=\"ws-pem\" rows=\"4\" cols=\"64\" autocomplete=\"off\" spellcheck=\"false\"></textarea></p>\
         <p><button type=\"button\" id=\"ws-import\">{imp_b}</button></p><p id=\"ws-key-msg\" role=\"status\"></p></section>\
         <section><h3>{reg_t}</h3><ol><li>{reg_1}</li><li>{reg_2}</li><li>{reg_3}</li></ol></section>\
         <section><h3>{rot_t}</h3><ol><li>{rot_1}</li><li>{rot_2} <a href=\"{add}\">{add_l}</a></li><li>{rot_3} <a href=\"{revoke}\">{revoke_l}</a></li></ol></section>\
         <section><h3>{lost_t}</h3><p>{lost_h}</p><ol><li>{lost_1}</li><li>{lost_2}</li><li>{lost_3}</li></ol>\
         <p><button type=\"button\" id=\"ws-forget\" class=\"secondary\">{forget}</button></p></section>\
         <section><h3>{trust_t}</h3><p>{trust}</p></section>",
        title = E(cx.t(M::ws_keys)),
        help = E(cx.t(M::ws_keys_help)),
        this = E(cx.t(M::ws_key_here)),
        public = E(cx.t(M::ws_public_key)),
        qr = E(cx.t(M::ws_qr_alt)),
        gen_t = E(cx.t(M::ws_gen_title)),
        gen_h = E(cx.t(M::ws_gen_help)),
        gen_b = E(cx.t(M::ws_gen_button)),
        imp_t = E(cx.t(M::ws_import_title)),
        imp_h = E(cx.t(M::ws_import_help)),
        imp_file = E(cx.t(M::ws_import_file)),
        imp_paste = E(cx.t(M::ws_import_paste)),
        imp_b = E(cx.t(M::ws_import_button)),
        reg_t = E(cx.t(M::ws_reg_title)),
        reg_1 = E(cx.t(M::ws_reg_1)),
        reg_2 = E(cx.t(M::ws_reg_2)),
        reg_3 = E(cx.t(M::ws_reg_3)),
        rot_t = E(cx.t(M::ws_rot_title)),
        rot_1 = E(cx.t(M::ws_rot_1)),
        rot_2 = E(cx.t(M::ws_rot_2)),
        rot_3 = E(cx.t(M::ws_rot_3)),
        add = E(&link(cx, "/workspace/form", id, &[("type", "key.added"), ("body", id.as_str())])),
        add_l = E(action_label(cx.lang, EventKind::KeyAdded)),
        revoke = E(&link(cx, "/workspace/form", id, &[("type", "key.revoked")])),
        revoke_l = E(action_label(cx.lang, EventKind::KeyRevoked)),
        lost_t = E(cx.t(M::ws_lost_title)),
        lost_h = E(cx.t(M::ws_lost_help)),
        lost_1 = E(cx.t(M::ws_lost_1)),
        lost_2 = E(cx.t(M::ws_lost_2)),
        lost_3 = E(cx.t(M::ws_lost_3)),
        forget = E(cx.t(M::ws_forget)),
        trust_t = E(cx.t(M::ws_trust_title)),
        trust = E(cx.t(M::ws_trust)),
    );
}

fn plan_page(m: &mut String, cx: &Cx) {
    let _ = write!(
        m,
        "<h2>{title}</h2><p class=\"help\">{help}</p>\
         <form id=\"ws-plan-form\" class=\"ws-form\"><p><label for=\"ws-plan-file\">{file}</label> \
         <input type=\"file\" id=\"ws-plan-file\" accept=\".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\"></p>\
         <p><label for=\"ws-plan-prefix\">{prefix}</label> <input id=\"ws-plan-prefix\" value=\"\" placeholder=\"AP-2026/\"></p>\
         <p><label for=\"ws-plan-act\">{act}</label> <input id=\"ws-plan-act\" size=\"48\"></p>\
         <p><button type=\"submit\" id=\"ws-plan-read\">{read}</button></p></form>\
         <div class=\"ws-clock\" id=\"ws-clock\" role=\"alert\" hidden></div>\
         <section id=\"ws-plan-review\" hidden aria-live=\"polite\"><h3>{review}</h3><p id=\"ws-plan-summary\"></p>\
         <div class=\"table-wrap\"><table class=\"ws-plan\" id=\"ws-plan-rows\"><thead><tr><th>{line}</th><th>{id}</th><th>{measure}</th><th>{lead}</th><th>{indicator}</th><th>{funding}</th><th>{deadline}</th><th>{problems}</th></tr></thead><tbody></tbody></table></div>\
         <div id=\"ws-verdict\" class=\"ws-verdict\" role=\"status\"></div>\
         <p class=\"ws-buttons\"><button type=\"button\" id=\"ws-plan-sign\" disabled>{sign}</button></p></section>\
         <section id=\"ws-receipt\" class=\"ws-receipt\" hidden aria-live=\"polite\"></section>",
        title = E(cx.t(M::ws_plan)),
        help = E(cx.t(M::ws_plan_help)),
        file = E(cx.t(M::ws_plan_file)),
        prefix = E(cx.t(M::ws_plan_prefix)),
        act = E(cx.t(M::ws_plan_act)),
        read = E(cx.t(M::ws_plan_read)),
        review = E(cx.t(M::ws_review)),
        line = E(cx.t(M::ws_line)),
        id = E(cx.t(M::id)),
        measure = E(cx.t(M::title)),
        lead = E(cx.t(M::f_lead)),
        indicator = E(cx.t(M::f_indicators)),
        funding = E(cx.t(M::f_funding)),
        deadline = E(cx.t(M::deadline)),
        problems = E(cx.t(M::ws_problems)),
        sign = E(cx.t(M::ws_plan_sign)),
    );
}

/// The ledger as the script needs it for pickers, prefilling and the clock check, as data (the
/// policy allows no inline script).
fn data(m: &mut String, cx: &Cx, h: &History, id: &BodyId, side: &Ledgerside) {
    let bodies: Vec<Value> = h
        .bodies
        .values()
        .map(|b| {
            json!({
                "id": b.id, "name_uk": b.name_uk, "name_en": b.name_en,
                "roles": b.roles, "active": b.succeeded.is_none(),
            })
        })
        .collect();
    let commitments: Vec<Value> = h
        .commitment_order
        .iter()
        .filter_map(|c| h.commitments.get(c))
        .map(|r| {
            let pending = r
                .handovers
                .iter()
                .rev()
                .find(|x| x.outcome.is_none())
                .map(|x| json!({"proposal": x.proposal, "proposer": x.proposer, "to": x.to, "reason": x.reason}));
            json!({
                "id": r.id,
                "title_uk": r.fields.title_uk,
                "title_en": r.fields.title_en,
                "phase": phase(r).name(),
                "lead": current_lead(r).or(r.assigned_to.as_ref()),
                "assigned_to": r.assigned_to,
                "co": r.co_executors.iter().filter(|i| i.to.is_none()).map(|i| &i.body).collect::<Vec<_>>(),
                "deadline": deadline(r).to_string(),
                "indicators": r.fields.indicators.iter().map(|i| json!({
                    "id": i.id, "name_uk": i.name_uk, "name_en": i.name_en, "unit": i.unit, "target": i.target,
                })).collect::<Vec<_>>(),
                "pending": pending,
                "claims": r.claims.iter().map(|x| json!({
                    "id": x.event_id, "by": x.by, "status": x.status, "day": h.date_of(x.at).to_string(),
                })).collect::<Vec<_>>(),
                "requests": r.extension_requests.iter().map(|(_, at, rid, want, _)| json!({
                    "id": rid, "deadline": want.to_string(), "day": h.date_of(*at).to_string(),
                })).collect::<Vec<_>>(),
                "events": r.history.iter().rev().take(40).map(|x| json!({
                    "id": x.event_id, "type": x.kind, "by": x.author, "day": h.date_of(x.recorded_at).to_string(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let objectives: Vec<Value> = h
        .objectives
        .values()
        .map(|o| json!({"id": o.id, "title_uk": o.title_uk, "title_en": o.title_en}))
        .collect();
    let inquiries: Vec<Value> = h
        .inquiries
        .values()
        .map(|q| {
            json!({"id": q.id, "to": q.to, "question": q.question, "due": q.due.to_string(),
                   "answered": q.answered.is_some(), "commitment": q.commitment})
        })
        .collect();
    let keys: Vec<Value> = side
        .keys
        .iter()
        .map(|(k, b, revoked)| json!({"id": k, "body": b, "revoked": revoked}))
        .collect();
    let mut words = serde_json::Map::new();
    for w in WORDS {
        words.insert(w.name().to_string(), cx.t(*w).into());
    }
    // The fingerprint's noun forms, from the core's one definition (`l10n::ENTRIES`), for the
    // script to say the fingerprint as every page says it.
    let entries = &crate::core::l10n::ENTRIES;
    words.insert(
        "fp_entries".into(),
        match cx.lang {
            Lang::Uk => entries.uk.join("|"),
            Lang::En => entries.en.join("|"),
        }
        .into(),
    );
    words.insert("root_short".into(), cx.t(M::root_short).into());
    let types: serde_json::Map<String, Value> = EventKind::ALL
        .iter()
        .map(|k| {
            (
                k.name().to_string(),
                json!({"label": i18n::event_type(cx.lang, *k), "action": action_label(cx.lang, *k)}),
            )
        })
        .collect();
    let fields: Vec<Value> = FIELDS
        .iter()
        .map(|(name, m, help)| json!([name, cx.t(*m), help.map(|h| cx.t(h))]))
        .collect();
    let enums = json!({
        "Status": crate::core::event::Status::ALL.iter().map(|s| json!([s.name(), i18n::status_label(cx.lang, Some(*s))])).collect::<Vec<_>>(),
        "Verdict": crate::core::event::Verdict::ALL.iter().map(|s| json!([s.name(), i18n::verdict_label(cx.lang, Some(*s))])).collect::<Vec<_>>(),
        "Role": Role::ALL.iter().map(|s| json!([s.name(), i18n::role_label(cx.lang, *s)])).collect::<Vec<_>>(),
        "Component": crate::core::event::Component::ALL.iter().map(|s| json!([s.name(), i18n::component_label(cx.lang, *s)])).collect::<Vec<_>>(),
        "FundingSource": crate::core::event::FundingSource::ALL.iter().map(|s| json!([s.name(), i18n::funding_source_label(cx.lang, *s)])).collect::<Vec<_>>(),
    });
    let d = json!({
        "body": id,
        "origin": h.origin,
        "lang": cx.lang.code(),
        "server_now_ms": side.now,
        "policy": side.policy,
        "verifier_key": side.vkey,
        "bodies": bodies,
        "commitments": commitments,
        "objectives": objectives,
        "inquiries": inquiries,
        "keys": keys,
        "words": words,
        "types": types,
        "fields": fields,
        "enums": enums,
    });
    let json = d
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let _ = write!(
        m,
        "<script type=\"application/json\" id=\"kordon-workspace\">{json}</script>"
    );
}

/// The members of every body, in the order a form shows them, with their labels and help. A
/// test holds this list to the schema: every member of every body has its label here.
pub const FIELDS: &[(&str, M, Option<M>)] = &[
    ("commitment", M::f_commitment, None),
    ("inquiry", M::f_inquiry, None),
    ("id", M::f_id, Some(M::fh_id)),
    ("body", M::f_body, None),
    ("to", M::f_to, None),
    ("proposal", M::f_proposal, None),
    ("claim", M::f_claim, None),
    ("request", M::f_request, None),
    ("about", M::f_about, None),
    ("status", M::f_status, None),
    ("verdict", M::f_verdict, None),
    ("indicator", M::f_indicator, None),
    ("value", M::f_value, None),
    ("as_of", M::f_as_of, None),
    ("lead", M::f_lead, None),
    ("successor", M::f_successor, None),
    ("parent", M::f_parent, None),
    ("objective", M::f_objective, None),
    ("title_uk", M::f_title_uk, None),
    ("title_en", M::f_title_en, None),
    ("name_uk", M::f_name_uk, None),
    ("name_en", M::f_name_en, None),
    ("kind", M::f_kind, Some(M::fh_kind)),
    ("roles", M::f_roles, None),
    ("components", M::f_components, None),
    ("description", M::f_description, None),
    ("co_executors", M::f_co_executors, None),
    ("deadline", M::f_deadline, None),
    ("due", M::f_due, None),
    ("question", M::f_question, None),
    ("answer", M::f_answer, None),
    ("text", M::f_text, None),
    ("note", M::f_note, None),
    ("reason", M::f_reason, None),
    ("indicators", M::f_indicators, None),
    ("unit", M::f_unit, None),
    ("baseline", M::f_baseline, None),
    ("target", M::f_target, None),
    ("milestones", M::f_milestones, None),
    ("date", M::f_date, None),
    ("funding", M::f_funding, None),
    ("amount", M::f_amount, None),
    ("currency", M::f_currency, None),
    ("source", M::f_source, None),
    ("act", M::f_act, Some(M::fh_act)),
    ("evidence", M::f_evidence, Some(M::fh_evidence)),
    ("sha256", M::f_sha256, None),
    ("location", M::f_location, Some(M::fh_location)),
    ("cites", M::f_cites, None),
    ("public_key", M::f_public_key, Some(M::fh_public_key)),
    ("public_keys", M::f_public_keys, Some(M::fh_public_key)),
    ("key", M::f_key, None),
    ("origin", M::f_origin, None),
    ("time_zone", M::f_time_zone, None),
    ("registrar", M::f_registrar, None),
    ("registrar_key", M::f_registrar_key, None),
    ("ledger_key", M::f_ledger_key, None),
    ("policy", M::f_policy, None),
    ("max_age_seconds", M::f_max_age_seconds, None),
    ("max_future_seconds", M::f_max_future_seconds, None),
];

/// The script's words.
pub const WORDS: &[M] = &[
    M::ws_key_none,
    M::ws_key_ready,
    M::ws_key_unregistered,
    M::ws_key_revoked,
    M::ws_key_unsupported,
    M::ws_key_checking,
    M::ws_key_made,
    M::ws_key_imported,
    M::ws_key_bad_pem,
    M::ws_key_forgotten,
    M::ws_forget_confirm,
    M::ws_choose,
    M::ws_optional,
    M::ws_required,
    M::ws_add,
    M::ws_remove,
    M::ws_file_hash,
    M::ws_hashing,
    M::ws_file_stays,
    M::ws_checking,
    M::ws_check_ok,
    M::ws_check_refused,
    M::ws_code,
    M::ws_signing,
    M::ws_submitting,
    M::ws_recorded,
    M::ws_receipt_verified,
    M::ws_receipt_failed,
    M::ws_receipt_download,
    M::ws_fingerprint,
    M::ws_clock_ahead,
    M::ws_clock_behind,
    M::ws_clock_ok,
    M::ws_fix,
    M::ws_no_key_to_sign,
    M::ws_none_pending,
    M::ws_author_signs,
    M::ws_at,
    M::ws_no_receipts,
    M::ws_plan_rows,
    M::ws_plan_errors,
    M::ws_plan_warnings,
    M::ws_plan_ok,
    M::ws_plan_recorded,
    M::ws_new_id,
    M::fh_body_id,
    M::ws_event_id,
    M::ws_invalid,
    M::ws_another,
    M::step_checkpoint,
    M::step_leaf,
    M::step_proof,
    M::step_signature,
    M::ws_step_entry,
    M::ws_step_mine,
];
