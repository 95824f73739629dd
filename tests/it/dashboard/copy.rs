//! The copy button beside the ledger's fingerprint, in a real browser and in both languages:
//! wherever a page shows the fingerprint (the banner of every page, the overview's and the
//! Integrity page's quotation line, the briefing's handout footer) a button copies the
//! quotation line to the clipboard, exactly, and says so in the page's language in a live
//! region; without the Clipboard API (plain http on another host) it copies through a
//! selected field. Without scripts it is not there to click, and it never prints.

use super::browser::{js, load, serve, session, shoot, start_driver, until};
use super::{example, fetch};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, Locator};
use kordon::core::hash::Hash;
use kordon::core::l10n::{Fingerprint, Lang};
use serde_json::{json, Value};
use std::time::Duration;

/// A chromedriver command with a JSON body, sent to the session: `permissions` (WebDriver's
/// Set Permission) or `goog/cdp/execute` (a DevTools command).
#[derive(Debug)]
struct Post(&'static str, Value);

impl WebDriverCompatibleCommand for Post {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/{}", session.unwrap_or(""), self.0))
    }
    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        (axum::http::Method::POST, Some(self.1.to_string()))
    }
}

/// What the clipboard holds (read through `clip`, the page's Clipboard object).
async fn clipboard(c: &Client, clip: &str) -> String {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         {clip}.readText().then(done, e => done('unreadable: ' + e));"
    );
    let v = c
        .execute_async(&script, vec![])
        .await
        .expect("the clipboard");
    v.as_str().unwrap_or_default().to_string()
}

/// Clicks the `n`th copy button of the page and returns what the clipboard then holds and
/// what the live region beside the button says.
async fn copy(c: &Client, n: usize, clip: &str, word: &str) -> String {
    let reset = format!(
        "const done = arguments[arguments.length - 1]; {clip}.writeText('—').then(() => done(true), e => done(String(e)));"
    );
    let cleared = c.execute_async(&reset, vec![]).await.unwrap();
    assert_eq!(cleared, json!(true), "the clipboard can be written");
    let buttons = c.find_all(Locator::Css("button[data-copy]")).await.unwrap();
    buttons[n].click().await.unwrap();
    let said = until(
        c,
        "the live region",
        &format!(
            "const s = document.querySelectorAll('button[data-copy]')[{n}].parentNode.querySelector('[role=status]');
             return s.textContent === {word:?} && s.getAttribute('aria-live') === 'polite'"
        ),
    )
    .await;
    assert_eq!(said, json!(true));
    clipboard(c, clip).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_copy_button_puts_the_quotation_line_on_the_clipboard() {
    let (_ledger, state) = example();
    let origin = state.projector().read().origin.clone();
    let app = kordon::server::router(state.clone());
    // Without scripts there is no button to see: it is sent hidden, for the script to show.
    for path in [
        "/",
        "/dashboard/integrity",
        "/dashboard/briefing?week=2026-W37",
    ] {
        let page = fetch(&app, path, None).await;
        let buttons: Vec<&str> = page.body.split("<button ").skip(1).collect();
        let copies: Vec<&&str> = buttons
            .iter()
            .filter(|b| b.contains("data-copy="))
            .collect();
        assert_eq!(copies.len(), 2, "{path}: the banner's and the page's own");
        for b in copies {
            let tag = &b[..b.find('>').unwrap()];
            assert!(tag.starts_with("type=\"button\""), "{path}: {tag}");
            assert!(
                tag.ends_with(" hidden"),
                "{path}: shown without scripts: {tag}"
            );
        }
    }

    let base = serve(app).await;
    let driver = start_driver();
    let tmp = tempfile::tempdir().unwrap();
    let c = session(&driver, &tmp.path().join("profile"), tmp.path()).await;
    // The clipboard is the page's to read only with the reader's leave: the test gives it.
    c.issue_cmd(Post(
        "goog/cdp/execute",
        json!({"cmd": "Browser.grantPermissions", "params": {
            "origin": base,
            "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"],
        }}),
    ))
    .await
    .expect("chromedriver grants the clipboard");
    let run = async {
        for (lang, code, label, word) in [
            (
                Lang::Uk,
                "uk",
                "Копіювати рядок для цитування",
                "Скопійовано",
            ),
            (Lang::En, "en", "Copy the line to quote", "Copied"),
        ] {
            for (name, path) in [
                ("overview", "/"),
                ("integrity", "/dashboard/integrity"),
                ("briefing", "/dashboard/briefing?week=2026-W37"),
            ] {
                let sep = if path.contains('?') { '&' } else { '?' };
                load(&c, &format!("{base}{path}{sep}lang={code}")).await;
                // The quotation line of the checkpoint the page names, as the core writes it.
                let banner = js(&c, "const b = document.getElementById('checkpoint'); return [b.dataset.size, b.dataset.root]").await;
                let quote = Fingerprint {
                    size: banner[0].as_str().unwrap().parse().unwrap(),
                    root: Hash::from_hex(banner[1].as_str().unwrap()).unwrap(),
                }
                .quote(lang, &origin);
                let shown = js(&c, "return [...document.querySelectorAll('button[data-copy]')].map(b => [b.type, b.textContent, !b.hidden && b.offsetWidth > 0])").await;
                assert_eq!(
                    shown,
                    json!([["button", label, true], ["button", label, true]]),
                    "{name} ({code})"
                );
                // The banner's button copies the quotation line itself.
                assert_eq!(
                    copy(&c, 0, "navigator.clipboard", word).await,
                    quote,
                    "{name} ({code}): the banner"
                );
                // The page's own copies the line it shows: the quotation line (on the overview
                // with the checkpoint's time after it).
                let got = copy(&c, 1, "navigator.clipboard", word).await;
                match name {
                    "overview" => {
                        let q =
                            js(&c, "return document.getElementById('fp-quote').textContent").await;
                        assert_eq!(got, q.as_str().unwrap(), "{name} ({code})");
                        assert!(got.starts_with(&format!("{quote} · 20")), "{got}");
                    }
                    _ => assert_eq!(got, quote, "{name} ({code})"),
                }
                if name == "integrity" {
                    let q = js(&c, "return document.getElementById('fp-quote').textContent").await;
                    assert_eq!(q, json!(quote), "the line shown is the line copied");
                }
                shoot(&c, &format!("copy-{name}-{code}")).await;
                // It never prints.
                c.issue_cmd(Post(
                    "goog/cdp/execute",
                    json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": "print"}}),
                ))
                .await
                .unwrap();
                let printed = js(&c, "return [...document.querySelectorAll('button[data-copy]')].filter(b => getComputedStyle(b).display !== 'none').length").await;
                assert_eq!(printed, json!(0), "{name} ({code}): a copy button in print");
                c.issue_cmd(Post(
                    "goog/cdp/execute",
                    json!({"cmd": "Emulation.setEmulatedMedia", "params": {"media": ""}}),
                ))
                .await
                .unwrap();
            }
        }

        // Without the Clipboard API (what a page served over plain http from another host
        // has), the line is copied through a selected field, and said the same.
        load(&c, &format!("{base}/dashboard/integrity?lang=uk")).await;
        js(
            &c,
            "window.realClipboard = navigator.clipboard;
             Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined, configurable: true });
             return navigator.clipboard === undefined",
        )
        .await;
        let quote = js(&c, "return document.getElementById('fp-quote').textContent").await;
        let got = copy(&c, 1, "window.realClipboard", "Скопійовано").await;
        assert_eq!(
            got,
            quote.as_str().unwrap(),
            "copied without the Clipboard API"
        );
        let left = js(
            &c,
            "return document.querySelectorAll('textarea.copy-field').length",
        )
        .await;
        assert_eq!(left, json!(0), "the field is gone once the line is copied");
    };
    let outcome = tokio::time::timeout(Duration::from_secs(240), run).await;
    let _ = c.close().await;
    drop(driver);
    outcome.expect("the browser test finished in time");
}
