//! The dashboard in a real browser: headless Chromium driven through chromedriver (WebDriver,
//! with `fantoccini`). Debian's `chromium` and `chromium-driver` must be installed (`.ci/run`
//! installs them); without them the test fails and says what to install.

use super::{example, PAGES};
use axum::body::Body as HttpBody;
use axum::extract::Request;
use axum::http::header;
use axum::middleware::{self, Next};
use axum::response::Response;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// `POST /session/{id}/se/log`: the browser's console messages since the last call
/// (chromedriver's log endpoint, which `goog:loggingPrefs` turns on).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or("")))
    }
    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (
            axum::http::Method::POST,
            Some(json!({"type": "browser"}).to_string()),
        )
    }
}

/// chromedriver, stopped when dropped.
pub(crate) struct Driver {
    child: Child,
    pub(crate) port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn binary(env: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    assert!(
        path.exists(),
        "{} is missing: the dashboard's browser tests need Debian's chromium and chromedriver \
         (`apt-get install chromium chromium-driver`, as .ci/run does), or {env} set to the binary",
        path.display()
    );
    path
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(crate) fn start_driver() -> Driver {
    let exe = binary("CHROMEDRIVER", CHROMEDRIVER);
    let port = free_port();
    let child = Command::new(exe)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    driver
}

/// Where screenshots go: `target/screenshots/` (or under `CARGO_TARGET_DIR`).
pub(crate) fn screenshot_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) async fn session(driver: &Driver, profile: &Path, downloads: &Path) -> Client {
    let chromium = binary("CHROMIUM", CHROMIUM);
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--lang=uk",
                "--window-size=1280,1000",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": {
                "download.default_directory": downloads,
                "download.prompt_for_download": false,
            }
        },
        "goog:loggingPrefs": {"browser": "ALL"}
    });
    let Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session with headless Chromium")
}

/// The console's errors since the last call.
pub(crate) async fn console_errors(c: &Client) -> Vec<String> {
    let v = c.issue_cmd(BrowserLog).await.expect("the browser log");
    v.as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["level"] == "SEVERE")
        .map(|e| e["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

pub(crate) async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

/// Waits until `script` returns something truthy; returns it.
pub(crate) async fn until(c: &Client, what: &str, script: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = js(c, script).await;
        let truthy =
            !matches!(&v, Value::Null | Value::Bool(false)) && v != json!("") && v != json!(0);
        if truthy {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) async fn load(c: &Client, url: &str) {
    c.goto(url).await.unwrap_or_else(|e| panic!("{url}: {e}"));
    until(
        c,
        "the page to load",
        "return document.readyState === 'complete'",
    )
    .await;
}

/// A screenshot of the whole page.
pub(crate) async fn shoot(c: &Client, name: &str) {
    let h = js(
        c,
        "return Math.min(6000, Math.max(document.documentElement.scrollHeight, 600))",
    )
    .await
    .as_u64()
    .unwrap_or(1000) as u32;
    c.set_window_size(1280, h + 140).await.unwrap();
    let png = c.screenshot().await.unwrap();
    let path = screenshot_dir().join(format!("{name}.png"));
    std::fs::write(&path, png).unwrap();
    c.set_window_size(1280, 1000).await.unwrap();
}

/// Flips one hex digit of the first hash of every inclusion proof: a record altered in transit.
async fn tamper(req: Request, next: Next) -> Response {
    let proof = req.uri().path() == "/proof/inclusion";
    let resp = next.run(req).await;
    if !proof {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    let mut v: Value = serde_json::from_slice(&bytes).unwrap();
    if let Some(first) = v["proof"].get_mut(0) {
        let mut h = first.as_str().unwrap().to_string();
        let last = if h.ends_with('0') { "1" } else { "0" };
        h.replace_range(h.len() - 1.., last);
        *first = Value::String(h);
    }
    let out = serde_json::to_vec(&v).unwrap();
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, HttpBody::from(out))
}

pub(crate) async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_a_real_browser() {
    let (_ledger, state) = example();
    let base = serve(kordon::server::router(state.clone())).await;
    let tampered =
        serve(kordon::server::router(state.clone()).layer(middleware::from_fn(tamper))).await;
    let driver = start_driver();
    let tmp = tempfile::tempdir().unwrap();
    let downloads = tmp.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let c = session(&driver, &tmp.path().join("profile"), &downloads).await;
    let run = async {
        // Every page, in both languages: no console errors, and a screenshot.
        for lang in ["uk", "en"] {
            for (name, path) in PAGES {
                let sep = if path.contains('?') { '&' } else { '?' };
                let url = format!("{base}{path}{sep}lang={lang}");
                load(&c, &url).await;
                if name == "integrity-record" {
                    until(
                        &c,
                        "the verification",
                        "return document.getElementById('verify-result').dataset.result !== 'running' && document.getElementById('verify-result').dataset.result",
                    )
                    .await;
                }
                let html_lang = js(&c, "return document.documentElement.lang").await;
                assert_eq!(html_lang, json!(lang), "{url}");
                let errors = console_errors(&c).await;
                assert!(errors.is_empty(), "{url}: console errors: {errors:?}");
                // Dates are localized by the script (the ISO form stays in datetime).
                let localized = js(
                    &c,
                    "var t = document.querySelector('main time[datetime]'); return t ? t.textContent !== t.getAttribute('datetime') : true",
                )
                .await;
                assert_eq!(localized, json!(true), "{url}: dates localized");
                shoot(&c, &format!("{name}-{lang}")).await;
            }
        }

        // The language switch changes the labels, and is remembered.
        load(&c, &format!("{base}/?lang=uk")).await;
        assert_eq!(
            js(&c, "return document.querySelector('h1').textContent").await,
            json!("Огляд")
        );
        c.find(Locator::Id("lang-switch"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        until(
            &c,
            "English",
            "return document.documentElement.lang === 'en'",
        )
        .await;
        assert_eq!(
            js(&c, "return document.querySelector('h1').textContent").await,
            json!("Overview")
        );
        let nav = js(
            &c,
            "return [...document.querySelectorAll('nav a')].map(a => a.textContent).join('|')",
        )
        .await;
        assert_eq!(
            nav,
            json!("Overview|Commitments|Bodies|Changes|Weekly briefing|Integrity|My body")
        );
        c.find(Locator::LinkText("Commitments"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        until(&c, "the commitments", "return document.querySelector('h1') && document.querySelector('h1').textContent === 'Commitments'").await;
        c.find(Locator::Id("lang-switch"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        until(
            &c,
            "Ukrainian",
            "return document.documentElement.lang === 'uk'",
        )
        .await;
        assert_eq!(
            js(&c, "return document.querySelector('h1').textContent").await,
            json!("Зобов’язання")
        );

        // Filters change the rows, live.
        load(&c, &format!("{base}/dashboard/commitments")).await;
        let visible = "return [...document.querySelectorAll('#commitments tbody tr')].filter(r => !r.hidden).map(r => r.dataset.id)";
        let all = js(&c, visible).await;
        assert_eq!(all.as_array().unwrap().len(), 20);
        let status = c.find(Locator::Css("select[name=status]")).await.unwrap();
        status.select_by_value("implemented").await.unwrap();
        let done = until(
            &c,
            "the status filter",
            &format!("var v = (function(){{ {visible} }})(); return v.length < 20 && v"),
        )
        .await;
        let statuses = js(&c, "return [...document.querySelectorAll('#commitments tbody tr')].filter(r => !r.hidden).map(r => r.dataset.status)").await;
        assert!(
            statuses
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s == "implemented"),
            "{statuses}"
        );
        assert_eq!(
            js(
                &c,
                "return document.getElementById('rows-shown').textContent"
            )
            .await,
            json!(done.as_array().unwrap().len().to_string())
        );
        assert!(js(&c, "return location.search")
            .await
            .as_str()
            .unwrap()
            .contains("status=implemented"));
        status.select_by_value("").await.unwrap();
        let body = c.find(Locator::Css("select[name=body]")).await.unwrap();
        body.select_by_value("customs").await.unwrap();
        let customs = until(
            &c,
            "the body filter",
            &format!("var v = (function(){{ {visible} }})(); return v.length < 20 && v"),
        )
        .await;
        assert!(!customs.as_array().unwrap().is_empty());
        // The evidence filter narrows further (or shows the empty message).
        c.find(Locator::Css("input[name=no_evidence]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let narrowed = js(&c, visible).await;
        assert!(narrowed.as_array().unwrap().len() <= customs.as_array().unwrap().len());
        c.find(Locator::Css("input[name=no_evidence]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();

        // Sorting by deadline, in place.
        c.find(Locator::Css("a.sort[data-sort=deadline]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let deadlines = js(&c, "return [...document.querySelectorAll('#commitments tbody tr')].filter(r => !r.hidden).map(r => r.cells[7].dataset.v)").await;
        let d: Vec<&str> = deadlines
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        let mut sorted = d.clone();
        sorted.sort();
        assert_eq!(d, sorted, "sorted by deadline");
        assert_eq!(
            js(
                &c,
                "return document.querySelector('th[data-key=deadline]').getAttribute('aria-sort')"
            )
            .await,
            json!("ascending")
        );
        let order = js(&c, visible).await;

        // The CSV download has exactly the rows shown, in their order.
        js(&c, "window.__csv = []; var o = URL.createObjectURL; URL.createObjectURL = function (b) { window.__csv.push(b); return o.call(URL, b); }; return true").await;
        c.find(Locator::Id("csv-download"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        until(&c, "the CSV blob", "return window.__csv.length > 0").await;
        let text = c
            .execute_async(
                "var done = arguments[arguments.length - 1]; window.__csv[0].text().then(done);",
                vec![],
            )
            .await
            .unwrap();
        let text = text
            .as_str()
            .unwrap()
            .trim_start_matches('\u{feff}')
            .to_string();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
        assert_eq!(header[0], "Ідентифікатор");
        assert_eq!(header[7], "Строк");
        let ids: Vec<Value> = r
            .records()
            .map(|x| json!(x.unwrap()[0].to_string()))
            .collect();
        assert_eq!(Value::Array(ids), order, "the CSV has the rows shown");
        shoot(&c, "commitments-filtered-uk").await;
        assert!(console_errors(&c).await.is_empty());

        // Without JavaScript's help the same filter works as a GET parameter.
        load(
            &c,
            &format!("{base}/dashboard/commitments?status=implemented"),
        )
        .await;
        let statuses = js(&c, "return [...document.querySelectorAll('#commitments tbody tr')].filter(r => !r.hidden).map(r => r.dataset.status)").await;
        assert!(!statuses.as_array().unwrap().is_empty());
        assert!(statuses
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s == "implemented"));

        // Chart segments are links to the commitments they count, and read out on focus.
        load(&c, &format!("{base}/")).await;
        let seg = c
            .find(Locator::Css("#chart-objectives svg a"))
            .await
            .unwrap();
        js(
            &c,
            "document.querySelector('#chart-objectives svg a').focus(); return true",
        )
        .await;
        let info = js(
            &c,
            "return document.querySelector('#chart-objectives .chart-info').textContent",
        )
        .await;
        assert!(info.as_str().unwrap().contains("SO-"), "{info}");
        seg.click().await.unwrap();
        until(&c, "the filtered commitments", "return location.pathname === '/dashboard/commitments' && location.search.includes('objective=')").await;

        // Verify in this browser: a genuine record.
        for seq in [0u64, 8, 120, 169] {
            load(&c, &format!("{base}/dashboard/integrity?seq={seq}")).await;
            let result = until(
                &c,
                "the verification",
                "var r = document.getElementById('verify-result').dataset.result; return r !== 'running' && r",
            )
            .await;
            let steps = js(&c, "return [...document.querySelectorAll('#verify-steps li')].map(l => l.dataset.ok + ' ' + l.textContent)").await;
            assert_eq!(result, json!("ok"), "entry {seq}: {steps}");
            let steps = steps.as_array().unwrap();
            assert_eq!(steps.len(), 5, "{steps:?}");
            assert!(
                steps
                    .iter()
                    .all(|s| s.as_str().unwrap().starts_with("true ")),
                "{steps:?}"
            );
            if seq == 8 {
                shoot(&c, "integrity-verified-uk").await;
            }
        }
        // The form verifies another record, by event id too.
        let input = c.find(Locator::Id("verify-seq")).await.unwrap();
        input.clear().await.unwrap();
        input.send_keys("ex-0123").await.unwrap();
        c.find(Locator::Id("verify-button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        until(&c, "the verification of ex-0123", "var r = document.getElementById('verify-result').dataset.result; return r !== 'running' && r === 'ok' && document.querySelectorAll('#verify-steps li').length === 5").await;
        assert!(console_errors(&c).await.is_empty());

        // A proof altered in transit fails, and the page says which step.
        load(&c, &format!("{tampered}/dashboard/integrity?seq=8&lang=en")).await;
        let result = until(
            &c,
            "the verification",
            "var r = document.getElementById('verify-result').dataset.result; return r !== 'running' && r",
        )
        .await;
        assert_eq!(result, json!("fail"));
        let steps = js(
            &c,
            "return [...document.querySelectorAll('#verify-steps li')].map(l => l.dataset.ok)",
        )
        .await;
        assert_eq!(
            steps,
            json!(["true", "true", "false", "true", "true"]),
            "only the proof fails"
        );
        let text = js(
            &c,
            "return document.getElementById('verify-result').textContent",
        )
        .await;
        assert!(text.as_str().unwrap().contains("FAILED"), "{text}");
        shoot(&c, "integrity-tampered-en").await;

        // The briefing prints on A4: the print stylesheet hides the controls.
        load(&c, &format!("{base}/dashboard/briefing?week=2026-W37")).await;
        let print_button = js(&c, "return !document.getElementById('print').hidden").await;
        assert_eq!(print_button, json!(true));
        let hidden_in_print = js(&c, "return [...document.styleSheets].some(s => [...s.cssRules].some(r => r.media && r.media.mediaText === 'print' && r.cssText.includes('header.site')))").await;
        assert_eq!(hidden_in_print, json!(true));
    };
    let outcome = tokio::time::timeout(Duration::from_secs(300), run).await;
    let _ = c.close().await;
    drop(driver);
    outcome.expect("the browser test finished in time");
}

/// The Integrity page with two witnesses (Ed25519 and ML-DSA-44): the script checks the
/// Ed25519 cosignature of /checkpoint with Web Crypto and says the ML-DSA-44 one needs the
/// command line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_integrity_page_checks_witness_cosignatures_in_the_browser() {
    use kordon::core::cosignature::Algorithm;
    use kordon::witness::cosigning::{self, Cosigning, Options, ProofSource, WitnessEndpoint};
    use kordon::witness::{dir, server as wserver};
    let (ledger, _) = example();
    let tmp = tempfile::tempdir().unwrap();
    let mut endpoints = Vec::new();
    for (label, alg) in [
        ("committee", Algorithm::Ed25519),
        ("ngo", Algorithm::MlDsa44),
    ] {
        let d = tmp.path().join(label);
        dir::init(&d, &format!("{label}.test/w"), alg, [label.len() as u8; 32]).unwrap();
        let w = Arc::new(wserver::Witness::open(&d, &[ledger.verifier_key()]).unwrap());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        endpoints.push(WitnessEndpoint {
            label: label.into(),
            key: w.cosigner().verifier().clone(),
            url: format!("http://{}", listener.local_addr().unwrap()),
        });
        tokio::spawn(wserver::serve(listener, w, std::future::pending()));
    }
    let policy = cosigning::policy_of(&endpoints, 2).unwrap();
    let c = Arc::new(
        Cosigning::start(
            endpoints,
            policy,
            Arc::clone(&ledger) as Arc<dyn ProofSource>,
            Options::default(),
        )
        .unwrap(),
    );
    let config = kordon::server::Config {
        witnessing: Some(Arc::clone(&c)),
        ..Default::default()
    };
    let state = kordon::server::AppState::new(Arc::clone(&ledger), config).unwrap();
    let size = ledger.size();
    let cw = Arc::clone(&c);
    let witnessed =
        tokio::task::spawn_blocking(move || cw.wait_witnessed(size, Duration::from_secs(30)))
            .await
            .unwrap();
    assert!(witnessed.is_some(), "{:?}", c.status());
    let base = serve(kordon::server::router(state)).await;
    let driver = start_driver();
    let downloads = tmp.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let b = session(&driver, &tmp.path().join("profile"), &downloads).await;
    let run = async {
        load(&b, &format!("{base}/dashboard/integrity?lang=en")).await;
        let cells = until(
            &b,
            "the witness checks",
            "var c = [...document.querySelectorAll('#witness-table .witness-check')]; return c.length === 2 && c.every(x => x.dataset.ok) && c.map(x => x.dataset.ok + ' ' + x.textContent)",
        )
        .await;
        let cells = cells.as_array().unwrap();
        assert!(cells[0].as_str().unwrap().starts_with("true "), "{cells:?}");
        assert!(cells[1].as_str().unwrap().starts_with("na "), "{cells:?}");
        assert!(cells[1].as_str().unwrap().contains("ML-DSA"), "{cells:?}");
        assert!(console_errors(&b).await.is_empty());
        shoot(&b, "integrity-witnesses-en").await;
    };
    let outcome = tokio::time::timeout(Duration::from_secs(120), run).await;
    let _ = b.close().await;
    drop(driver);
    outcome.expect("the browser test finished in time");
}

/// The live feed in a real browser: `EventSource.onmessage` receives the entries (the events
/// are unnamed), each with its sequence number as `lastEventId`; a start past the end of the
/// ledger is refused, and the browser closes the stream instead of waiting or retrying.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_reaches_event_source_onmessage_in_the_browser() {
    let (ledger, state) = example();
    let base = serve(kordon::server::router(state)).await;
    let driver = start_driver();
    let tmp = tempfile::tempdir().unwrap();
    let c = session(&driver, &tmp.path().join("profile"), tmp.path()).await;
    let run = async {
        load(&c, &format!("{base}/")).await;
        js(
            &c,
            "window.__seen = []; var s = new EventSource('/feed?from=0'); \
             s.onmessage = function (e) { window.__seen.push([e.lastEventId, JSON.parse(e.data).seq]); \
             if (window.__seen.length === 3) { s.close(); } }; return true",
        )
        .await;
        until(&c, "three messages", "return window.__seen.length >= 3").await;
        assert_eq!(
            js(&c, "return window.__seen").await,
            json!([["0", 0], ["1", 1], ["2", 2]])
        );
        let past = ledger.size() + 5;
        js(
            &c,
            &format!(
                "window.__past = null; var p = new EventSource('/feed?from={past}'); \
                 p.onmessage = function () {{ window.__past = 'message'; }}; \
                 p.onerror = function () {{ window.__past = 'closed:' + p.readyState; }}; return true"
            ),
        )
        .await;
        let got = until(&c, "the refusal", "return window.__past").await;
        assert_eq!(got, json!("closed:2"), "EventSource.CLOSED, no retry");
    };
    let outcome = tokio::time::timeout(Duration::from_secs(120), run).await;
    c.close().await.unwrap();
    outcome.expect("the browser test finished in time");
}

/// CORS in a real browser: a page served from another origin reads the public read API (a
/// simple GET, and a GET with a header that needs a preflight), but cannot submit: the
/// preflight of a JSON POST is refused, and even a simple POST's answer is not readable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_origin_reads_the_ledger_but_cannot_write_in_the_browser() {
    let (ledger, state) = example();
    let api = serve(kordon::server::router(state)).await;
    // A page on another origin (another port), without a CSP, as a verifier elsewhere is.
    let page = serve(axum::Router::new().route(
        "/",
        axum::routing::get(|| async {
            axum::response::Html("<!doctype html><title>elsewhere</title><p>elsewhere</p>")
        }),
    ))
    .await;
    let driver = start_driver();
    let tmp = tempfile::tempdir().unwrap();
    let c = session(&driver, &tmp.path().join("profile"), tmp.path()).await;
    let run = async {
        load(&c, &format!("{page}/")).await;
        let fetch = |script: String| {
            let c = &c;
            async move {
                c.execute_async(&script, vec![])
                    .await
                    .unwrap_or_else(|e| panic!("{script}: {e}"))
            }
        };
        // A simple GET.
        let got = fetch(format!(
            "var done = arguments[arguments.length - 1]; \
             fetch('{api}/checkpoint').then(r => r.text()).then(t => done(t), e => done('error: ' + e));"
        ))
        .await;
        assert!(
            got.as_str().unwrap().starts_with("kordon.demo/ibm\n"),
            "{got}"
        );
        // A GET with Last-Event-ID: preflighted, allowed.
        let got = fetch(format!(
            "var done = arguments[arguments.length - 1]; \
             fetch('{api}/entries/3', {{headers: {{'Last-Event-ID': '1'}}}}).then(r => r.json()).then(j => done(j.seq), e => done('error: ' + e));"
        ))
        .await;
        assert_eq!(got, json!(3));
        // A JSON POST: the preflight does not allow it, the request is never sent.
        let size = ledger.size();
        let got = fetch(format!(
            "var done = arguments[arguments.length - 1]; \
             fetch('{api}/entries', {{method: 'POST', headers: {{'Content-Type': 'application/json'}}, body: '{{}}'}}).then(r => done('read ' + r.status), e => done('refused'));"
        ))
        .await;
        assert_eq!(got, json!("refused"));
        // A simple POST is sent (browsers do), but its answer is not readable by the page.
        let got = fetch(format!(
            "var done = arguments[arguments.length - 1]; \
             fetch('{api}/entries', {{method: 'POST', headers: {{'Content-Type': 'text/plain'}}, body: 'x'}}).then(r => done('read ' + r.status), e => done('refused'));"
        ))
        .await;
        assert_eq!(got, json!("refused"));
        assert_eq!(ledger.size(), size, "nothing was written");
    };
    let outcome = tokio::time::timeout(Duration::from_secs(120), run).await;
    c.close().await.unwrap();
    outcome.expect("the browser test finished in time");
}
