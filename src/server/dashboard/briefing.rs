//! The weekly briefing for any ISO week (`View::Briefing`), laid out to print on A4: new
//! commitments, handovers, status reports, deadline changes, what became overdue, and the
//! inquiries still open.

use super::html::E;
use super::i18n::{self, M};
use super::{documented, given, render, Content, Cx, Fail, Page, PageQuery, PageRequest};
use crate::core::projection::views::{self, Briefing, Change};
use crate::core::projection::History;
use crate::core::types::Date;
use crate::query::{self, Answered};
use crate::server::{AppState, Routes, Q};
use crate::store::Snapshot;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa::IntoParams;

pub const PAGE: Page = Page {
    section: "briefing",
    menu: Some(M::briefing),
    path: "/dashboard/briefing",
    route,
    doc: documented::<__path_page>,
};

fn route(r: Routes) -> Routes {
    r.get("/dashboard/briefing", page)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BriefingQuery {
    /// The ISO week, e.g. `2026-W37`. Default: the week of the page's as-of day.
    pub week: Option<String>,
    /// The body that issues the handout (a body id). Default: the first parliamentary body
    /// registered, else the registrar.
    pub issuer: Option<String>,
    /// `csv`: the briefing's lists as one CSV (UTF-8 with BOM) instead of the page.
    pub format: Option<String>,
}

/// The weekly briefing.
#[utoipa::path(get, path = "/dashboard/briefing", tag = "dashboard", operation_id = "dashboard_briefing", params(PageQuery, BriefingQuery),
    responses(
        (status = 200, description = "The page (HTML, with a print stylesheet for A4), or its lists as CSV with format=csv", content((String = "text/html"), (String = "text/csv"))),
        (status = 400, description = "A malformed week, issuer or as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
        (status = 404, description = "The issuer is not a registered body: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<BriefingQuery>,
) -> Response {
    if q.format.as_deref() == Some("csv") {
        return super::download::render(st, req, &PAGE, move |cx, h, snap| {
            let v = view(cx, h, snap, &q)?;
            let (day, size) = (v.briefing.as_of.today, v.briefing.checkpoint.size);
            Ok((csv(cx, h, &v), day, size))
        })
        .await;
    }
    render(st, req, &PAGE, move |cx, h, snap| {
        let v = view(cx, h, snap, &q)?;
        Ok(content(cx, h, &v))
    })
    .await
}

/// What the page shows: the week, and its briefing as known at the page's point.
pub struct WeekBriefing {
    pub week: String,
    /// The body that issues it.
    pub issuer: Option<crate::core::types::BodyId>,
    pub monday: Date,
    pub sunday: Date,
    pub briefing: Answered<Briefing>,
}

fn week_of(d: jiff::civil::Date) -> String {
    let w = d.iso_week_date();
    format!("{:04}-W{:02}", w.year(), w.week())
}

/// The briefing of the week asked for (default: the week of the page's day).
pub fn view(
    cx: &Cx,
    h: &History,
    snap: &dyn Snapshot,
    q: &BriefingQuery,
) -> Result<WeekBriefing, Fail> {
    let point = cx.point(h)?;
    let week = given(&q.week)
        .map(str::to_string)
        .unwrap_or_else(|| week_of(point.today.0));
    let (monday, sunday) = query::iso_week(&week).map_err(|_| {
        Fail::bad(
            cx.t(M::bad_week)
                .replace("{field}", cx.t(M::week))
                .replace("{value}", &week),
        )
    })?;
    // The week, as known at the page's point: a briefing of a week that ends after the as-of
    // day stops there (with no as-of, the week ends at its Sunday, capped by the ledger).
    let before = monday
        .0
        .yesterday()
        .map_err(|e| Fail::bad(e.to_string()))?
        .to_string();
    // The current week (its Sunday not reached yet) runs to the page's day, so what is overdue
    // is counted to that day, as `kordon query briefing` counts it.
    let until = match &cx.req.as_of {
        Some(a) if point.size < h.point_at_date(sunday).size => a.clone(),
        None if point.today < sunday && point.today >= monday => point.today.to_string(),
        _ => sunday.to_string(),
    };
    let req = query::Request {
        since: Some(before),
        until: Some(until),
        ..Default::default()
    };
    let briefing = query::answered(snap, query::ask(h, &req, cx.now)?.briefing(h)?)?;
    let issuer = match given(&q.issuer) {
        Some(b) => {
            let unknown = || {
                cx.t(M::unknown_body)
                    .replace("{field}", cx.t(M::h_issued_by))
                    .replace("{value}", b)
            };
            let id = crate::core::types::BodyId::parse(b).map_err(|_| Fail::bad(unknown()))?;
            if !h.bodies.contains_key(&id) {
                return Err(Fail::not_found(unknown()));
            }
            Some(id)
        }
        None => h
            .bodies
            .values()
            .filter(|b| b.registered < briefing.as_of.size.max(1))
            .min_by_key(|b| {
                (
                    views::BodyKind::of(&b.kind) != views::BodyKind::Parliament,
                    !b.roles.contains(&crate::core::event::Role::Registrar),
                    b.registered,
                )
            })
            .map(|b| b.id.clone()),
    };
    Ok(WeekBriefing {
        issuer,
        week,
        monday,
        sunday,
        briefing,
    })
}

/// The page: the week picker, the heading, and a section per list.
pub fn content(cx: &Cx, h: &History, v: &WeekBriefing) -> Content {
    let b = &v.briefing.result;
    let mut m = String::with_capacity(32 * 1024);
    week_form(&mut m, cx, h, v);
    super::download::link(cx, &mut m);
    heading(&mut m, cx, h, v);
    figures(&mut m, cx, b, v.briefing.as_of.today);
    changes_table(
        cx,
        h,
        &mut m,
        "b-new",
        M::new_commitments,
        &b.new_commitments,
    );
    changes_table(cx, h, &mut m, "b-handovers", M::handovers, &b.handovers);
    changes_table(
        cx,
        h,
        &mut m,
        "b-status",
        M::status_changes,
        &b.status_changes,
    );
    changes_table(
        cx,
        h,
        &mut m,
        "b-deadlines",
        M::deadline_changes,
        &b.deadline_changes,
    );
    newly_overdue(&mut m, cx, h, b);
    open_inquiries(&mut m, cx, h, b, v.briefing.as_of.today);
    handout_footer(&mut m, cx, h, v);
    Content {
        title: format!("{} {}", cx.t(M::briefing), v.week),
        main: m,
        point: v.briefing.as_of,
        at: v.briefing.checkpoint,
    }
}

/// The weeks a briefing can be asked for, newest first: from the week of the ledger's first
/// entry to the present week (at most twenty years of them), each as its ISO week (what
/// `week=` takes) and its Monday.
fn weeks(cx: &Cx, h: &History) -> Vec<(String, Date)> {
    let monday = |d: Date| {
        let back = i64::from(d.0.weekday().to_monday_zero_offset());
        d.0.checked_sub(jiff::Span::new().days(back)).map(Date).ok()
    };
    let now = h.date_of(cx.now);
    let first = h
        .entries
        .first()
        .map(|e| h.date_of(e.recorded_at))
        .unwrap_or(now);
    let (Some(mut w), Some(first)) = (monday(now), monday(first.min(now))) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    while w >= first && out.len() < 20 * 53 {
        out.push((week_of(w.0), w));
        match w.0.checked_sub(jiff::Span::new().days(7)) {
            Ok(d) => w = Date(d),
            Err(_) => break,
        }
    }
    out
}

/// The previous and next week, and a week picker (without JavaScript too): a list of the
/// ledger's weeks, each written in words in the page's language as the handout's title
/// writes it, since a browser's own week field speaks the browser's language, not the page's.
fn week_form(m: &mut String, cx: &Cx, h: &History, v: &WeekBriefing) {
    let shift = |days: i64| {
        v.monday
            .0
            .checked_add(jiff::Span::new().days(days))
            .map(week_of)
            .unwrap_or_else(|_| v.week.clone())
    };
    let _ = write!(
        m,
        "<form class=\"filters no-print\" method=\"get\" action=\"/dashboard/briefing\"><fieldset><legend>{}</legend>\
         <a class=\"button\" rel=\"prev\" href=\"{}\">← {}</a>\
         <label class=\"field\"><span>{}</span><select name=\"week\" id=\"week\">",
        E(cx.t(M::week)),
        E(&cx.link("/dashboard/briefing", &[("week", &shift(-7))])),
        E(cx.t(M::previous_week)),
        E(cx.t(M::week)),
    );
    // The week shown is always one of the options, also one outside the ledger's weeks (an
    // old link, a week not begun), so the form sends it back as it came.
    let shown = week_of(v.monday.0);
    let mut options = weeks(cx, h);
    if !options.iter().any(|(w, _)| *w == shown) {
        let at = options.partition_point(|(_, d)| *d > v.monday);
        options.insert(at, (shown.clone(), v.monday));
    }
    for (week, monday) in &options {
        let sunday = monday
            .0
            .checked_add(jiff::Span::new().days(6))
            .map(Date)
            .unwrap_or(*monday);
        let _ = write!(
            m,
            "<option value=\"{}\"{}>{}</option>",
            E(week),
            if *week == shown { " selected" } else { "" },
            E(&crate::core::l10n::date_range(cx.lang, *monday, sunday)),
        );
    }
    m.push_str("</select></label>");
    if let Some(a) = &cx.req.as_of {
        let _ = write!(
            m,
            "<input type=\"hidden\" name=\"as_of\" value=\"{}\">",
            E(a)
        );
    }
    let _ = write!(
        m,
        "<button type=\"submit\">{}</button> <a class=\"button\" rel=\"next\" href=\"{}\">{} →</a> \
         <button type=\"button\" id=\"print\" class=\"js-only\" hidden>{}</button></fieldset></form>",
        E(cx.t(M::show)),
        E(&cx.link("/dashboard/briefing", &[("week", &shift(7))])),
        E(cx.t(M::next_week)),
        E(cx.t(M::print)),
    );
}

/// The handout's head: its title in words (the week's days, which the script writes as people
/// write dates; ISO dates without it), the issuing body, the ledger and the day prepared.
fn heading(m: &mut String, cx: &Cx, h: &History, v: &WeekBriefing) {
    let prepared = h.date_of(cx.now);
    let _ = write!(
        m,
        "<header class=\"brief-head\"><h1>{}, <span class=\"daterange\" data-from=\"{}\" data-to=\"{}\">{}</span> <span class=\"sub week\">({})</span></h1>\
         <dl class=\"facts inline tight\"><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl></header>",
        E(cx.t(M::h_handout_title)),
        v.monday,
        v.briefing.as_of.today.min(v.sunday),
        E(&crate::core::l10n::date_range(
            cx.lang,
            v.monday,
            v.briefing.as_of.today.min(v.sunday)
        )),
        E(&v.week),
        E(cx.t(M::h_issued_by)),
        v.issuer
            .as_ref()
            .map(|b| E(cx.body_name(h, b)).to_string())
            .unwrap_or_default(),
        E(cx.t(M::h_prepared)),
        cx.date(prepared),
        E(cx.t(M::today_is)),
        cx.date(v.briefing.as_of.today),
    );
}

/// The key figures: how many of each list, and how many open inquiries are past due.
fn figures(m: &mut String, cx: &Cx, b: &Briefing, today: Date) {
    let late = b.open_inquiries.iter().filter(|q| q.due < today).count();
    let figs: [(&str, M, usize, &str); 7] = [
        ("b-new", M::new_commitments, b.new_commitments.len(), ""),
        ("b-status", M::status_changes, b.status_changes.len(), ""),
        ("b-handovers", M::handovers, b.handovers.len(), ""),
        (
            "b-deadlines",
            M::deadline_changes,
            b.deadline_changes.len(),
            "warn",
        ),
        ("b-overdue", M::newly_overdue, b.newly_overdue.len(), "bad"),
        ("b-inq", M::open_inquiries, b.open_inquiries.len(), ""),
        ("b-inq", M::late_inquiries, late, "bad"),
    ];
    let _ = write!(
        m,
        "<section class=\"brief-figures\" aria-label=\"{}\"><ul class=\"figures small\">",
        E(cx.t(M::key_figures))
    );
    for (href, label, n, class) in figs {
        let class = if n > 0 && !class.is_empty() {
            format!(" {class}")
        } else {
            String::new()
        };
        let _ = write!(
            m,
            "<li class=\"figure{class}\"><a href=\"#{href}\"><span class=\"n\">{n}</span><span class=\"l\">{}</span></a></li>",
            E(cx.t(label))
        );
    }
    m.push_str("</ul></section>");
}

/// The handout's footer: the checkpoint's fingerprint, and a QR code of the address that
/// opens the verification of that checkpoint (the Integrity page at its size).
fn handout_footer(m: &mut String, cx: &Cx, h: &History, v: &WeekBriefing) {
    let at = &v.briefing.checkpoint;
    let (size, root) = cx.fingerprint(at);
    let path = super::html::url(
        "/dashboard/integrity",
        &[("as_of", &at.size.to_string()), ("lang", cx.lang.code())],
    );
    let url = match &cx.req.base {
        Some(b) => format!("{b}{path}"),
        None => path.clone(),
    };
    let qr = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map(|c| {
            c.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(96, 96)
                .quiet_zone(true)
                .dark_color(qrcode::render::svg::Color("#000000"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build()
        })
        .unwrap_or_default();
    // The crate writes an XML declaration first; inside HTML only the <svg> element belongs.
    let svg = qr.find("<svg").map(|i| &qr[i..]).unwrap_or_default();
    let _ = write!(
        m,
        "<footer class=\"handout-foot\" id=\"handout-foot\"><div class=\"qr\" role=\"img\" aria-label=\"{}\">{svg}</div>\
         <div><p><strong>{}</strong>: {} {}, {} {} {}</p>\
         <p>{} <a href=\"{}\">{}</a></p><p class=\"sub\">{}</p></div></footer>",
        E(cx.t(M::h_handout_verify)),
        E(cx.t(M::h_handout_fingerprint)),
        E(cx.t(M::checkpoint)),
        size,
        E(cx.t(M::root_short)),
        root,
        cx.copy_button(&cx.fingerprint_quote(h, at)),
        E(cx.t(M::h_handout_verify)),
        E(&path),
        E(&url),
        E(cx.t(M::h_overdue_to_today)),
    );
}

/// A section's opening: its heading with the number of items.
fn section_head(m: &mut String, cx: &Cx, id: &str, heading: M, n: usize) {
    let _ = write!(
        m,
        "<section class=\"brief\" aria-labelledby=\"{id}\"><h2 id=\"{id}\">{} <span class=\"count\">({})</span></h2>",
        E(cx.t(heading)),
        n
    );
}

/// A table's header row.
fn thead(m: &mut String, cx: &Cx, columns: &[M]) {
    m.push_str("<table class=\"data cards\"><thead><tr>");
    for c in columns {
        let _ = write!(m, "<th scope=\"col\">{}</th>", E(cx.t(*c)));
    }
    m.push_str("</tr></thead><tbody>");
}

fn changes_table(cx: &Cx, h: &History, m: &mut String, id: &str, heading: M, list: &[Change]) {
    section_head(m, cx, id, heading, list.len());
    if list.is_empty() {
        let _ = write!(m, "<p>{}</p></section>", E(cx.t(M::no_items)));
        return;
    }
    thead(m, cx, &[M::date, M::commitment, M::author, M::summary]);
    // The heading names a section of one event type; the type is said again per row only
    // where a section mixes them (a summary already begins with what happened).
    let mixed = list.iter().any(|c| c.kind != list[0].kind);
    for c in list {
        let author = crate::core::types::BodyId::parse(&c.author)
            .map(|b| cx.body_link(h, &b))
            .unwrap_or_default();
        let _ = write!(
            m,
            "<tr><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}</td><td data-label=\"{}\">{}{}</td></tr>",
            E(cx.t(M::date)),
            cx.date(h.date_of(c.recorded_at)),
            E(cx.t(M::commitment)),
            c.commitment
                .as_ref()
                .map(|x| with_title(cx, h, x))
                .unwrap_or_default(),
            E(cx.t(M::author)),
            author,
            E(cx.t(M::summary)),
            if mixed {
                format!(
                    "<span class=\"kind\">{}</span> ",
                    E(i18n::event_type(cx.lang, c.kind))
                )
            } else {
                String::new()
            },
            E(c.summary.get(cx.lang))
        );
    }
    m.push_str("</tbody></table></section>");
}

fn newly_overdue(m: &mut String, cx: &Cx, h: &History, b: &Briefing) {
    section_head(m, cx, "b-overdue", M::newly_overdue, b.newly_overdue.len());
    if b.newly_overdue.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
    } else {
        let columns = [
            M::commitment,
            M::title,
            M::lead,
            M::deadline,
            M::overdue_days,
        ];
        thead(m, cx, &columns);
        for o in &b.newly_overdue {
            let title = h
                .commitments
                .get(&o.commitment)
                .map(|c| cx.title(&c.fields.title_uk, c.fields.title_en.as_deref()))
                .unwrap_or(&o.title_uk);
            let _ = write!(
                m,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"num bad\">{}</td></tr>",
                cx.commitment_link(&o.commitment),
                E(title),
                o.lead
                    .as_ref()
                    .map(|l| cx.body_link(h, l))
                    .unwrap_or_default(),
                cx.date(o.deadline),
                o.days_over
            );
        }
        m.push_str("</tbody></table>");
    }
    m.push_str("</section>");
}

/// The inquiries still open at the end of the week; late ones (due before `today`) marked.
fn open_inquiries(m: &mut String, cx: &Cx, h: &History, b: &Briefing, today: Date) {
    section_head(m, cx, "b-inq", M::open_inquiries, b.open_inquiries.len());
    if b.open_inquiries.is_empty() {
        let _ = write!(m, "<p>{}</p>", E(cx.t(M::no_items)));
    } else {
        let columns = [M::inquiry, M::addressee, M::commitment, M::due, M::question];
        thead(m, cx, &columns);
        for q in &b.open_inquiries {
            let late = q.due < today;
            let _ = write!(
                m,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>",
                E(q.id.as_str()),
                cx.body_link(h, &q.to),
                q.commitment
                    .as_ref()
                    .map(|c| with_title(cx, h, c))
                    .unwrap_or_default(),
                if late { "bad" } else { "" },
                cx.date(q.due),
                E(&q.question)
            );
        }
        m.push_str("</tbody></table>");
    }
    m.push_str("</section>");
}

/// A commitment's link with its title beside it.
fn with_title(cx: &Cx, h: &History, id: &crate::core::types::CommitmentId) -> String {
    let t = h
        .commitments
        .get(id)
        .map(|c| cx.title(&c.fields.title_uk, c.fields.title_en.as_deref()))
        .unwrap_or_default();
    format!(
        "{} <span class=\"t\">{}</span>",
        cx.commitment_link(id),
        E(t)
    )
}

/// The briefing as one CSV: a row per item of every list, the list named in the first column.
fn csv(cx: &Cx, h: &History, v: &WeekBriefing) -> super::download::Csv {
    let b = &v.briefing.result;
    let t = |m| cx.t(m).to_string();
    let title = |id: &Option<crate::core::types::CommitmentId>| {
        id.as_ref()
            .and_then(|c| h.commitments.get(c))
            .map(|c| {
                cx.title(&c.fields.title_uk, c.fields.title_en.as_deref())
                    .to_string()
            })
            .unwrap_or_default()
    };
    let body = |id: &str| {
        crate::core::types::BodyId::parse(id)
            .map(|b| cx.body_name(h, &b).to_string())
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    for (section, list) in [
        (M::new_commitments, &b.new_commitments),
        (M::handovers, &b.handovers),
        (M::status_changes, &b.status_changes),
        (M::deadline_changes, &b.deadline_changes),
    ] {
        let mixed = list.iter().any(|c| c.kind != list[0].kind);
        for c in list {
            rows.push(vec![
                t(section),
                c.commitment
                    .as_ref()
                    .map(|x| x.to_string())
                    .unwrap_or_default(),
                title(&c.commitment),
                body(&c.author),
                h.date_of(c.recorded_at).to_string(),
                String::new(),
                if mixed {
                    format!(
                        "{} {}",
                        i18n::event_type(cx.lang, c.kind),
                        c.summary.get(cx.lang)
                    )
                } else {
                    c.summary.get(cx.lang).to_string()
                },
            ]);
        }
    }
    for o in &b.newly_overdue {
        let id = Some(o.commitment.clone());
        rows.push(vec![
            t(M::newly_overdue),
            o.commitment.to_string(),
            title(&id),
            o.lead
                .as_ref()
                .map(|l| cx.body_name(h, l).to_string())
                .unwrap_or_default(),
            o.deadline.to_string(),
            o.days_over.to_string(),
            String::new(),
        ]);
    }
    for q in &b.open_inquiries {
        rows.push(vec![
            t(M::open_inquiries),
            q.commitment
                .as_ref()
                .map(|x| x.to_string())
                .unwrap_or_default(),
            title(&q.commitment),
            cx.body_name(h, &q.to).to_string(),
            q.due.to_string(),
            String::new(),
            format!("{}: {}", q.id, q.question),
        ]);
    }
    super::download::Csv {
        stem: "briefing",
        header: vec![
            t(M::h_section),
            t(M::commitment),
            t(M::title),
            t(M::body),
            t(M::date),
            t(M::overdue_days),
            t(M::summary),
        ],
        rows,
    }
}
