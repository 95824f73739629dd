//! The oversight dashboard.
//!
//! Through the router (`oneshot`): every page's HTML on the example ledger — status, `lang`,
//! the checkpoint it names, as-of, the language cookie, filters as GET parameters, the CSV —
//! and a ledger full of hostile text, which must come out escaped.
//!
//! In a real browser: `kordon serve`'s router on the example ledger, in process on a loopback
//! port, driven through chromedriver and headless Chromium (Debian's `chromium` and
//! `chromium-driver`, which `.ci/run` installs): every page loads without console errors,
//! filters change the rows, the CSV download has the rows shown, the language switch changes
//! the labels, and "verify in this browser" succeeds for a genuine record and fails for one
//! whose proof was altered in transit (a second port serves the same ledger through a layer
//! that flips a byte of every inclusion proof). Screenshots of every page go to
//! `target/screenshots/` for a person to look at.

use axum::body::Body as HttpBody;
use axum::http::{header, HeaderMap, Request, StatusCode};
use kordon::core::event::*;
use kordon::core::types::{Date, Sha256Hex};
use kordon::fixture::{b, c, Fixture};
use kordon::ledger::Ledger;
use kordon::server::{self, AppState, Config};
use kordon::store::memory::MemoryStore;
use kordon::store::Store;
use std::sync::Arc;
use tower::ServiceExt;

pub(crate) mod browser;
mod copy;
mod hearing;
mod language;
mod pickers;

/// The example ledger (events/examples/ibm-2026.toml), in memory, and the state that serves it.
pub fn example() -> (Arc<Ledger>, AppState) {
    let built = kordon::scenario::build_example().expect("the example builds");
    let signer = kordon::core::note::NoteSigner::new(&built.origin, built.ledger_key.clone())
        .expect("a signer");
    let store: Arc<dyn Store> = Arc::new(built.store.clone());
    let ledger = Arc::new(
        Ledger::open(store, signer, kordon::ledger::system_clock()).expect("the ledger opens"),
    );
    let state = AppState::new(ledger.clone(), Config::default()).expect("the server state");
    (ledger, state)
}

pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

pub async fn fetch(app: &axum::Router, path: &str, cookie: Option<&str>) -> Page {
    let mut req = Request::get(path).header(header::ACCEPT, "text/html,application/xhtml+xml");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let resp = app
        .clone()
        .oneshot(req.body(HttpBody::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    Page {
        status,
        headers,
        body: String::from_utf8(bytes.to_vec()).expect("UTF-8"),
    }
}

/// Every page of the dashboard on the example ledger, with a name for screenshots.
pub const PAGES: [(&str, &str); 13] = [
    ("overview", "/"),
    ("commitments", "/dashboard/commitments"),
    ("commitment-card", "/dashboard/commitment?id=AP-2026/2.1"),
    ("bodies", "/dashboard/bodies"),
    ("body", "/dashboard/bodies?id=customs"),
    (
        "changes",
        "/dashboard/changes?since=2026-04-15&until=2026-10-15",
    ),
    ("briefing", "/dashboard/briefing?week=2026-W37"),
    ("integrity", "/dashboard/integrity"),
    ("integrity-record", "/dashboard/integrity?seq=8"),
    (
        "hearing",
        "/dashboard/hearing?from=2026-04-15&to=2026-10-15",
    ),
    ("divergence", "/dashboard/divergence"),
    ("deadlines", "/dashboard/deadlines"),
    ("quality", "/dashboard/quality"),
];

/// The value of `attr="…"` on the element that has `marker` (first occurrence).
fn attr_after(html: &str, marker: &str, attr: &str) -> Option<String> {
    let at = html.find(marker)?;
    let rest = &html[at..];
    let end = rest.find('>')?;
    let tag = &rest[..end];
    let key = format!("{attr}=\"");
    let i = tag.find(&key)? + key.len();
    let j = tag[i..].find('"')? + i;
    Some(tag[i..j].to_string())
}

/// Every `<script` tag: only the external file and the JSON words (no inline script).
fn assert_no_inline_script(path: &str, html: &str) {
    let mut n = 0;
    for (i, _) in html.match_indices("<script") {
        let tag = &html[i..i + html[i..].find('>').unwrap()];
        assert!(
            tag.contains(" src=\"/dashboard/assets/dashboard.js")
                || tag.contains(" src=\"/dashboard/assets/verify.js")
                || tag.contains("type=\"application/json\""),
            "{path}: an inline script: {tag}"
        );
        n += 1;
    }
    assert_eq!(
        n, 3,
        "{path}: the two script files and the words, nothing else"
    );
}

fn head_root(ledger: &Ledger) -> String {
    let snap = ledger.store().snapshot().unwrap();
    kordon::projector::at(&*snap, snap.size())
        .unwrap()
        .root
        .to_hex()
}

#[tokio::test]
async fn every_page_is_html_in_ukrainian_and_names_its_checkpoint() {
    let (ledger, state) = example();
    let app = server::router(state.clone());
    for (name, path) in PAGES {
        // Changes and the briefing show the end of their period; the others the latest state.
        let (size, root) = match name {
            "changes" | "hearing" => at_date(&state, "2026-10-15"),
            "briefing" => at_date(&state, "2026-09-13"),
            _ => (ledger.size(), head_root(&ledger)),
        };
        let size = size.to_string();
        let p = fetch(&app, path, None).await;
        assert_eq!(p.status, StatusCode::OK, "{name} {path}: {}", p.body);
        assert_eq!(
            p.headers[header::CONTENT_TYPE],
            "text/html; charset=utf-8",
            "{path}"
        );
        let csp = p.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(p.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(
            p.body.starts_with("<!doctype html>\n<html lang=\"uk\""),
            "{path}"
        );
        assert!(p.body.contains("<main id=\"main\""), "{path}");
        assert_eq!(
            attr_after(&p.body, "id=\"checkpoint\"", "data-size").as_deref(),
            Some(size.as_str()),
            "{path}: the checkpoint's size"
        );
        assert_eq!(
            attr_after(&p.body, "id=\"checkpoint\"", "data-root").as_deref(),
            Some(root.as_str()),
            "{path}: the checkpoint's root"
        );
        assert_no_inline_script(path, &p.body);
        assert!(p.headers.get(header::SET_COOKIE).is_none(), "{path}");
    }
    // Words of each page, in Ukrainian.
    let overview = fetch(&app, "/", None).await.body;
    for w in [
        "Стан за стратегічними цілями",
        "Стан за відповідальними органами",
        "Прострочені зобов’язання",
        "Запити без відповіді",
        "Що змінилося за останні 7 днів",
        "Відбиток реєстру",
        "<svg class=\"bar\"",
    ] {
        assert!(overview.contains(w), "overview: {w}");
    }
    let card = fetch(&app, "/dashboard/commitment?id=AP-2026/2.1", None)
        .await
        .body;
    for w in [
        "Історія підписаних записів",
        "Передачі відповідальності",
        "Заява виконавця і оцінка",
        "class=\"indicator-chart\"",
        "class=\"baseline\"",
        "class=\"target\"",
        "class=\"milestone\"",
        "class=\"measure\"",
        "Усі звіти та оцінки",
    ] {
        assert!(card.contains(w), "card: {w}");
    }
    // Evidence, with its hash.
    let card = fetch(&app, "/dashboard/commitment?id=AP-2026/1.2", None)
        .await
        .body;
    assert!(card.contains("SHA-256 документа"));
    assert!(card.contains("rel=\"noopener noreferrer nofollow\""));
}

#[tokio::test]
async fn the_root_answers_json_to_api_clients_and_the_overview_to_browsers() {
    let (_, state) = example();
    let app = server::router(state);
    for accept in [None, Some("application/json")] {
        let mut req = Request::get("/");
        if let Some(a) = accept {
            req = req.header(header::ACCEPT, a);
        }
        let resp = app
            .clone()
            .oneshot(req.body(HttpBody::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v["origin"], "kordon.demo/ibm");
    }
    let html = fetch(&app, "/", None).await;
    assert!(html.body.contains("<h1>Огляд</h1>"));
}

#[tokio::test]
async fn english_is_one_click_away_and_remembered() {
    let (_, state) = example();
    let app = server::router(state);
    let uk = fetch(&app, "/dashboard/commitments", None).await;
    let switch = attr_after(&uk.body, "id=\"lang-switch\"", "href").unwrap();
    assert_eq!(switch, "/dashboard/commitments?lang=en");
    let en = fetch(&app, &switch, None).await;
    assert!(en.body.starts_with("<!doctype html>\n<html lang=\"en\""));
    assert!(en.body.contains("<h1>Commitments</h1>"));
    assert!(en.body.contains(">Українською</a>"));
    let cookie = en.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(cookie.starts_with("kordon_lang=en;"), "{cookie}");
    // The cookie keeps English on every page.
    let jar = cookie.split(';').next().unwrap().to_string();
    for (name, path) in PAGES {
        let p = fetch(&app, path, Some(&jar)).await;
        assert!(
            p.body.starts_with("<!doctype html>\n<html lang=\"en\""),
            "{name}: English from the cookie"
        );
        // No Ukrainian label is left in the frame (ledger texts may be Ukrainian).
        for w in ["Огляд", "Зобов’язання</a>", "Станом на", "Контрольна точка"]
        {
            assert!(!p.body.contains(w), "{name}: {w} in English");
        }
    }
    let back = fetch(&app, "/?lang=uk", Some(&jar)).await;
    assert!(back.body.contains("<html lang=\"uk\""));
    assert!(back.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .starts_with("kordon_lang=uk;"));
}

/// The size and root of the ledger at the end of a day.
fn at_date(state: &AppState, day: &str) -> (u64, String) {
    let h = state.projector().read();
    let size = h.point_at_date(Date::parse(day).unwrap()).size;
    let snap = state.store().snapshot().unwrap();
    (
        size,
        kordon::projector::at(&*snap, size).unwrap().root.to_hex(),
    )
}

#[tokio::test]
async fn every_page_is_available_as_of_a_past_date() {
    let (_, state) = example();
    let app = server::router(state.clone());
    let (size, root) = at_date(&state, "2026-03-31");
    assert!(size > 10 && size < 170, "{size}");
    for (name, path) in PAGES {
        if name == "integrity-record" {
            continue;
        }
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!("{path}{sep}as_of=2026-03-31");
        let p = fetch(&app, &url, None).await;
        assert_eq!(p.status, StatusCode::OK, "{url}: {}", p.body);
        // A week or a period that ends after the date stops at the date.
        assert_eq!(
            attr_after(&p.body, "id=\"checkpoint\"", "data-size"),
            Some(size.to_string()),
            "{url}"
        );
        assert_eq!(
            attr_after(&p.body, "id=\"checkpoint\"", "data-root"),
            Some(root.clone()),
            "{url}"
        );
        assert_eq!(
            attr_after(&p.body, "id=\"as-of\"", "value").as_deref(),
            Some("2026-03-31"),
            "{url}: the date picker shows the date"
        );
        // Links keep the date.
        assert!(
            p.body
                .contains("href=\"/dashboard/commitments?as_of=2026-03-31\""),
            "{url}"
        );
    }
    // Commitments created later are not there yet; one created before is, with the status
    // it had then.
    let table = fetch(&app, "/dashboard/commitments?as_of=2026-01-20", None)
        .await
        .body;
    let later = fetch(&app, "/dashboard/commitments", None).await.body;
    let rows = |html: &str| html.matches("<tr data-id=").count();
    assert!(
        rows(&table) < rows(&later),
        "{} {}",
        rows(&table),
        rows(&later)
    );
    let card = fetch(
        &app,
        "/dashboard/commitment?id=AP-2026/2.1&as_of=2026-01-10",
        None,
    )
    .await;
    assert_eq!(card.status, StatusCode::NOT_FOUND, "{}", card.body);
    assert!(card.body.contains("<html lang=\"uk\""));
    // A malformed date is a page that says so.
    let bad = fetch(&app, "/dashboard/commitments?as_of=2026-02-30", None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("role=\"alert\""), "{}", bad.body);
    let bad = fetch(&app, "/?as_of=yesterday", None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// The ids of the rows a table shows (not `hidden`).
fn visible_rows(html: &str) -> Vec<(String, String)> {
    html.match_indices("<tr data-id=\"")
        .map(|(i, _)| {
            let tag = &html[i..i + html[i..].find('>').unwrap()];
            let id = attr_after(&html[i..], "<tr", "data-id").unwrap();
            let status = attr_after(&html[i..], "<tr", "data-status").unwrap();
            (id, status, tag.ends_with(" hidden"))
        })
        .filter(|(_, _, hidden)| !hidden)
        .map(|(id, s, _)| (id, s))
        .collect()
}

#[tokio::test]
async fn filters_work_as_get_parameters_and_the_csv_has_the_same_rows() {
    let (_, state) = example();
    let app = server::router(state);
    let all = visible_rows(&fetch(&app, "/dashboard/commitments", None).await.body);
    assert_eq!(all.len(), 20);
    let done = visible_rows(
        &fetch(&app, "/dashboard/commitments?status=implemented", None)
            .await
            .body,
    );
    assert!(!done.is_empty() && done.len() < all.len());
    assert!(done.iter().all(|(_, s)| s == "implemented"));
    let customs = fetch(&app, "/dashboard/commitments?body=customs", None)
        .await
        .body;
    let customs_rows = visible_rows(&customs);
    assert!(!customs_rows.is_empty() && customs_rows.len() < all.len());
    assert!(customs.contains("<option value=\"customs\" selected>"));
    let late = visible_rows(
        &fetch(
            &app,
            "/dashboard/commitments?overdue=1&as_of=2026-11-27",
            None,
        )
        .await
        .body,
    );
    let no_evidence = visible_rows(
        &fetch(&app, "/dashboard/commitments?no_evidence=1", None)
            .await
            .body,
    );
    assert!(!late.is_empty() && late.len() < all.len(), "{late:?}");
    assert!(!no_evidence.is_empty() && no_evidence.len() < all.len());
    let comp = visible_rows(
        &fetch(
            &app,
            "/dashboard/commitments?component=border_control&objective=SO-1",
            None,
        )
        .await
        .body,
    );
    assert!(!comp.is_empty() && comp.iter().all(|(id, _)| id.starts_with("AP-2026/1.")));
    // Sorted by deadline, descending: the header says so.
    let sorted = fetch(&app, "/dashboard/commitments?sort=deadline&dir=desc", None)
        .await
        .body;
    assert!(sorted.contains("aria-sort=\"descending\" data-key=\"deadline\""));
    // The server's CSV of the same filter has the same rows, in a spreadsheet-safe form.
    let resp = app
        .clone()
        .oneshot(
            Request::get("/dashboard/commitments?body=customs&format=csv")
                .body(HttpBody::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        resp.headers()[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a BOM for spreadsheets");
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let ids: Vec<String> = r.records().map(|x| x.unwrap()[0].to_string()).collect();
    let want: Vec<String> = customs_rows.into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, want);
}

#[tokio::test]
async fn the_key_endpoint_names_the_public_key() {
    let (ledger, state) = example();
    let app = server::router(state);
    let (key, body) = ledger.with_state(|s| {
        let (id, k) = s
            .keys
            .iter()
            .find(|(_, k)| k.body.as_str() == "customs")
            .unwrap();
        (id.as_str().to_string(), k.public_key)
    });
    let resp = app
        .clone()
        .oneshot(
            Request::get(format!("/keys/{key}"))
                .body(HttpBody::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["body"], "customs");
    assert_eq!(v["key_id"], key);
    assert_eq!(
        v["public_key"],
        kordon::core::keys::public_key_base64(&body)
    );
    for (path, status) in [
        ("/keys/nothex", StatusCode::BAD_REQUEST),
        ("/keys/0000000000000000", StatusCode::NOT_FOUND),
    ] {
        let resp = app
            .clone()
            .oneshot(Request::get(path).body(HttpBody::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{path}");
        assert_eq!(
            resp.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
    }
}

#[tokio::test]
async fn changes_briefing_and_integrity_pages_answer_what_they_are_asked() {
    let (ledger, state) = example();
    let app = server::router(state.clone());
    // Between the two hearings: the hearings are offered, and the page ends at the second.
    let p = fetch(
        &app,
        "/dashboard/changes?since=2026-04-15&until=2026-10-15",
        None,
    )
    .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.contains("<option value=\"2026-04-15\" selected>"));
    assert!(p.body.contains("<option value=\"2026-10-15\" selected>"));
    let (size, _) = at_date(&state, "2026-10-15");
    assert_eq!(
        attr_after(&p.body, "id=\"checkpoint\"", "data-size"),
        Some(size.to_string())
    );
    assert!(p.body.contains("id=\"delta\""));
    // The briefing of a week, with its sections and the print stylesheet's page.
    let p = fetch(&app, "/dashboard/briefing?week=2026-W37", None).await;
    assert!(p.body.contains("2026-W37"));
    assert!(p
        .body
        .contains("rel=\"prev\" href=\"/dashboard/briefing?week=2026-W36\""));
    let (size, _) = at_date(&state, "2026-09-13");
    assert_eq!(
        attr_after(&p.body, "id=\"checkpoint\"", "data-size"),
        Some(size.to_string())
    );
    let css = fetch(&app, "/dashboard/assets/dashboard.css", None).await;
    assert!(css.body.contains("@page { size: A4"));
    assert_eq!(css.headers[header::CONTENT_TYPE], "text/css; charset=utf-8");
    let bad = fetch(&app, "/dashboard/briefing?week=2026-37", None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // Integrity: the signed checkpoint, the verifier key, a record.
    let p = fetch(&app, "/dashboard/integrity?seq=8", None).await;
    let cp = ledger.checkpoint().unwrap().unwrap();
    assert!(p.body.contains(&cp), "the signed checkpoint, verbatim");
    assert!(p.body.contains(&ledger.verifier_key()));
    assert!(p.body.contains("id=\"record\""));
    let missing = fetch(&app, "/dashboard/integrity?seq=100000", None).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let js = fetch(&app, "/dashboard/assets/dashboard.js", None).await;
    assert_eq!(
        js.headers[header::CONTENT_TYPE],
        "text/javascript; charset=utf-8"
    );
    assert!(js.body.contains("crypto.subtle") && !js.body.contains("eval("));
}

/// A ledger whose every text is hostile HTML.
fn hostile() -> (AppState, Fixture) {
    let mut f = Fixture::new("kordon.test/hostile");
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let ledger = Arc::new(Ledger::open(store, f.ledger_signer.clone(), f.clock.clock()).unwrap());
    let state = AppState::new(ledger.clone(), Config::default()).unwrap();
    let x = "<script>alert(1)</script>\"'><img src=x onerror=alert(2)>";
    let mut subs = vec![f.genesis()];
    subs.push(f.register_named("cmu", &[Role::Coordinator], x, x));
    subs.push(f.register_named("sbgs", &[Role::Executor], x, x));
    subs.push(f.register_named("rada", &[Role::Overseer], x, x));
    let mut fields = Fixture::commitment("AP-1", Some("sbgs"), "2026-06-30");
    fields.title_uk = x.into();
    fields.title_en = Some(x.into());
    fields.description = Some(x.into());
    fields.act = Some(x.into());
    subs.push(f.sign("cmu", Body::CommitmentAssigned(fields)));
    subs.push(f.sign(
        "sbgs",
        Body::CommitmentAccepted(CommitmentRef {
            commitment: c("AP-1"),
        }),
    ));
    let claim = f.next_event_id();
    subs.push(f.sign(
        "sbgs",
        Body::StatusReported(StatusReported {
            commitment: c("AP-1"),
            status: Status::Implemented,
            note: Some(x.into()),
            evidence: vec![Evidence {
                sha256: Sha256Hex::parse(&"ab".repeat(32)).unwrap(),
                location: "javascript:alert(3)".into(),
                cites: Some(x.into()),
            }],
        }),
    ));
    subs.push(f.sign(
        "rada",
        Body::AssessmentRecorded(AssessmentRecorded {
            commitment: c("AP-1"),
            verdict: Verdict::Contested,
            claim: Some(claim),
            note: Some(x.into()),
            evidence: Vec::new(),
        }),
    ));
    subs.push(f.sign(
        "rada",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: x.into(),
            evidence: Vec::new(),
        }),
    ));
    subs.push(f.sign(
        "rada",
        Body::InquiryRaised(InquiryRaised {
            inquiry: kordon::core::types::InquiryId::parse("Q-1").unwrap(),
            to: b("sbgs"),
            commitment: Some(c("AP-1")),
            question: x.into(),
            due: Date::parse("2026-02-01").unwrap(),
        }),
    ));
    for r in ledger.submit_many(subs) {
        r.unwrap();
    }
    (state, f)
}

#[tokio::test]
async fn text_from_the_ledger_is_escaped_everywhere() {
    let (state, _f) = hostile();
    let app = server::router(state);
    let since = "/dashboard/changes?since=1";
    for path in [
        "/",
        "/dashboard/commitments",
        "/dashboard/commitments?q=%3Cscript%3E",
        "/dashboard/commitment?id=AP-1",
        "/dashboard/bodies",
        "/dashboard/bodies?id=sbgs",
        since,
        "/dashboard/briefing",
        "/dashboard/integrity?seq=4",
        "/dashboard/commitments?lang=en",
    ] {
        let p = fetch(&app, path, None).await;
        assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
        assert!(!p.body.contains("<script>alert"), "{path}: unescaped");
        assert!(!p.body.contains("<img src=x"), "{path}: unescaped");
        assert!(
            !p.body.contains("href=\"javascript:"),
            "{path}: a script link"
        );
        assert_no_inline_script(path, &p.body);
    }
    let card = fetch(&app, "/dashboard/commitment?id=AP-1", None)
        .await
        .body;
    assert!(card.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&gt;&lt;img"));
    assert!(card.contains("javascript:alert(3)"), "shown as text");
    // A query parameter echoed back is escaped too.
    let p = fetch(
        &app,
        "/dashboard/commitments?q=%22%3E%3Cscript%3Ealert(9)%3C/script%3E",
        None,
    )
    .await;
    assert!(!p.body.contains("<script>alert(9)"));
}

#[test]
fn the_changes_summary_agrees_with_the_changes_view() {
    use kordon::core::events::Section;
    use kordon::core::projection::views;
    use kordon::server::dashboard::changes::summarize;
    let (_, state) = example();
    let h = state.projector().read();
    for (from, to) in [(0, h.size()), (40, 120), (100, 101), (150, 150), (120, 40)] {
        let (a, b) = (h.point_at_size(from), h.point_at_size(to));
        let v = views::changes(&h, a, b);
        let s = summarize(&h, a, b, usize::MAX);
        for section in Section::ALL {
            let (i, list) = (section.index(), v.section(*section));
            assert_eq!(s.counts[i], list.len(), "section {section}, {from}..{to}");
            let newest_first: Vec<_> = list.iter().rev().cloned().collect();
            assert_eq!(s.latest[i], newest_first, "section {section}, {from}..{to}");
        }
        let total: usize = s.counts.iter().sum();
        assert_eq!(total as u64, b.size.saturating_sub(a.size), "{from}..{to}");
        let limited = summarize(&h, a, b, 2);
        assert_eq!(limited.counts, s.counts);
        assert!(limited.latest.iter().all(|l| l.len() <= 2));
    }
}
