//! Every page of the example in each language, read in a real browser as a person reads it
//! (the visible text, after the page's script has run): a Ukrainian page shows no Latin-script
//! word that kordon wrote, an English page no Cyrillic one. What may remain is what is not
//! kordon's to translate: ids, codes, hashes, key ids, URLs, the names of standards and
//! products, the other language's name on the language switch, and the texts the example's
//! bodies wrote themselves (`events/examples/ibm-2026.toml`).

use super::browser::{load, serve, session, start_driver};
use super::{example, PAGES};
use fantoccini::Client;
use std::collections::{BTreeMap, BTreeSet};

/// Names of standards, formats and products, the same in every language.
const NAMES: &[&str] = &[
    "kordon",
    "SHA",
    "API",
    "CSV",
    "XLSX",
    "JSON",
    "HTTP",
    "HTTPS",
    "RFC",
    "Web",
    "Crypto",
    "JavaScript",
    "Chrome",
    "Firefox",
    "Safari",
    "UTC",
    "ML-DSA",
    "OpenAPI",
    "Ed25519",
    "C2SP",
    "PDF",
    "IBM",
    "localhost",
    "base64",
    "PEM",
    "PKCS",
];

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic()
}

fn is_cyrillic(c: char) -> bool {
    ('\u{400}'..='\u{52f}').contains(&c)
}

/// The words of a text: runs of letters, digits and the marks ids and codes are written with.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || "-_./:'’@+=#\\".contains(c)))
        .map(|w| w.trim_matches(|c: char| ".:'’-".contains(c)))
        .filter(|w| !w.is_empty())
}

/// Words that are codes rather than language: with a digit, or written like a URL, a path or
/// an origin, or a group of the fingerprint's hex.
fn is_code(w: &str) -> bool {
    w.chars().any(|c| c.is_ascii_digit())
        || w.contains(['/', '.', ':', '@', '=', '#', '\\'])
        || (w.len() == 4 && w.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Every word of the example's own texts, as the scenario file has them.
fn scenario_words() -> BTreeSet<String> {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events/examples/ibm-2026.toml"),
    )
    .unwrap();
    let doc: toml::Value = toml::from_str(&text).unwrap();
    let mut out = BTreeSet::new();
    fn walk(v: &toml::Value, out: &mut BTreeSet<String>) {
        match v {
            toml::Value::String(s) => out.extend(words(s).map(str::to_string)),
            toml::Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            toml::Value::Table(t) => t.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    walk(&doc, &mut out);
    out
}

/// The text a reader sees, with every folded part unfolded and every list's options (which
/// show only when the list is opened: the briefing's weeks, the filters' choices); commands and
/// hashes (`code`, `pre`, `kbd`, `samp`) are not language and are left out.
async fn visible_text(c: &Client) -> String {
    const SCRIPT: &str = "document.querySelectorAll('details').forEach(d => d.open = true);
        const out = [...document.querySelectorAll('select option')].map(o => o.textContent);
        const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        while (w.nextNode()) {
          const p = w.currentNode.parentElement;
          if (!p || p.closest('code, pre, kbd, samp, script, style, template')) continue;
          if (!p.checkVisibility()) continue;
          out.push(w.currentNode.nodeValue);
        }
        return out.join(' ');";
    let v = c.execute(SCRIPT, vec![]).await.expect("the page's text");
    v.as_str().unwrap_or_default().to_string()
}

/// Where the text ends a sentence twice (two full stops with only spaces between, as the
/// text nodes of "<time>15 жовт. 2026 р.</time>." read), with what comes before; an ellipsis
/// written as three dots is not one.
fn doubled_stop(text: &str) -> Option<String> {
    let t = text.replace("...", "…");
    let chars: Vec<char> = t.chars().collect();
    let mut last_stop: Option<usize> = None;
    for (i, &c) in chars.iter().enumerate() {
        match c {
            '.' if last_stop.is_some() => {
                let from = i.saturating_sub(40);
                return Some(chars[from..=i].iter().collect());
            }
            '.' => last_stop = Some(i),
            c if c.is_whitespace() => {}
            _ => last_stop = None,
        }
    }
    None
}

/// A word of the example's own texts, or the start of one that a summary cut short ("зв…").
fn is_own(own: &BTreeSet<String>, text: &str, w: &str) -> bool {
    own.contains(w) || (text.contains(&format!("{w}…")) && own.iter().any(|o| o.starts_with(w)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_page_speaks_the_other_language() {
    let (_ledger, state) = example();
    let mut paths: Vec<(String, String)> = PAGES
        .iter()
        .map(|(n, p)| (n.to_string(), p.to_string()))
        .collect();
    let (cards, bodies): (Vec<String>, Vec<String>) = {
        let h = state.projector().read();
        (
            h.commitments.keys().map(|c| c.to_string()).collect(),
            h.bodies.keys().map(|b| b.to_string()).collect(),
        )
    };
    assert!(
        cards.len() >= 20 && bodies.len() >= 17,
        "the example's items"
    );
    for c in &cards {
        paths.push((format!("card {c}"), format!("/dashboard/commitment?id={c}")));
    }
    for b in &bodies {
        paths.push((format!("body {b}"), format!("/dashboard/bodies?id={b}")));
    }
    let own = scenario_words();
    let names: BTreeSet<&str> = NAMES.iter().copied().collect();
    let base = serve(kordon::server::router(state.clone())).await;
    let driver = start_driver();
    let tmp = tempfile::tempdir().unwrap();
    let c = session(&driver, &tmp.path().join("profile"), tmp.path()).await;
    let mut found: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    // A sentence ends once: a date that ends in "р." ("15 жовт. 2026 р.") takes no second stop.
    let mut doubled: Vec<String> = Vec::new();
    let mut read = 0;
    for (name, path) in &paths {
        for lang in ["uk", "en"] {
            let sep = if path.contains('?') { '&' } else { '?' };
            load(&c, &format!("{base}{path}{sep}lang={lang}")).await;
            let text = visible_text(&c).await;
            assert!(text.len() > 200, "{name} ({lang}) shows almost nothing");
            read += 1;
            if let Some(at) = doubled_stop(&text) {
                doubled.push(format!("{name} ({lang}): …{at}"));
            }
            let wrong: BTreeSet<String> = words(&text)
                .filter(|w| match lang {
                    "uk" => w.chars().any(is_latin),
                    _ => w.chars().any(is_cyrillic),
                })
                .filter(|w| !is_code(w) && !names.contains(w) && !is_own(&own, &text, w))
                // The language switch names the other language in itself.
                .filter(|w| *w != "English" && *w != "Українською")
                .map(str::to_string)
                .collect();
            if !wrong.is_empty() {
                found.insert(format!("{name} ({lang}) {path}"), wrong);
            }
        }
    }
    assert_eq!(read, paths.len() * 2);
    assert!(
        doubled.is_empty(),
        "a doubled full stop:\n{}",
        doubled.join("\n")
    );
    assert!(
        found.is_empty(),
        "words in the other language, by page:\n{}",
        found
            .iter()
            .map(|(p, w)| format!("{p}: {}", w.iter().cloned().collect::<Vec<_>>().join(" ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_scan_tells_words_from_codes() {
    let ws: Vec<&str> =
        words("Стан «in progress»: AP-2026/2.1, 3f2a ab12, kordon.demo/ibm — ok.").collect();
    assert!(ws.contains(&"in") && ws.contains(&"progress") && ws.contains(&"ok"));
    assert!(is_code("AP-2026/2.1") && is_code("3f2a") && is_code("kordon.demo/ibm"));
    assert!(!is_code("progress") && !is_code("in_progress") && !is_code("ok"));
}
