//! The workspace in a real browser (headless Chromium through chromedriver, as the dashboard's
//! tests): the canonical encoder against the golden vectors, the example's events and Rust on
//! generated bodies of every type; the browser's verifier (verify.js) on the vectors' good and
//! must-fail checkpoints, signatures and inclusion proofs; then clerks' walkthroughs in Ukrainian, each checked through
//! the API (author, type, exact body), with every request the pages make recorded and searched
//! for key material, and `kordon verify` run on the export at the end.

use super::{Desk, PLAN_CSV};
use crate::dashboard::browser::{
    console_errors, js, load, screenshot_dir, serve, session, start_driver, until,
};
use axum::body::Body as HttpBody;
use axum::extract::{Request, State};
use axum::middleware::{self, Next};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use fantoccini::{Client, Locator};
use kordon::core::event::*;
use kordon::core::types::Millis;
use kordon::store::Store;
use serde_json::{json, Value};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Every request a page made: method, path and query, and body.
type Log = Arc<Mutex<Vec<String>>>;

async fn record(State(log): State<Log>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20)
        .await
        .unwrap_or_default();
    log.lock().unwrap().push(format!(
        "{} {} {}",
        parts.method,
        parts.uri,
        String::from_utf8_lossy(&bytes)
    ));
    next.run(Request::from_parts(parts, HttpBody::from(bytes)))
        .await
}

async fn shoot_at(c: &Client, name: &str, width: u32) {
    c.set_window_size(width, 900).await.unwrap();
    let h = js(
        c,
        "return Math.min(7000, Math.max(document.documentElement.scrollHeight, 600))",
    )
    .await
    .as_u64()
    .unwrap_or(900) as u32;
    c.set_window_size(width, h + 140).await.unwrap();
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).unwrap();
    c.set_window_size(1366, 1000).await.unwrap();
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn type_into(c: &Client, css: &str, text: &str) {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"));
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

async fn choose(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("{css} = {value}: {e}"));
}

async fn upload(c: &Client, css: &str, path: &Path) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(&path.display().to_string())
        .await
        .unwrap();
}

/// Imports a PEM key for `body` on its keys page and waits until the page says it is ready.
async fn import_key(c: &Client, base: &str, body: &str, pem: &Path) {
    load(c, &format!("{base}/workspace/keys?body={body}")).await;
    upload(c, "#ws-pem-file", pem).await;
    until(
        c,
        "the PEM read",
        "return document.getElementById('ws-pem').value.includes('PRIVATE KEY')",
    )
    .await;
    click(c, "#ws-import").await;
    let msg = until(
        c,
        "the key imported",
        "return document.getElementById('ws-key-msg').textContent",
    )
    .await;
    let state = js(
        c,
        "return document.getElementById('ws-key-state').dataset.state",
    )
    .await;
    assert_eq!(
        state,
        json!("ready"),
        "{body}'s imported key is registered: {msg}"
    );
}

/// Opens an action from "My body": the link of `action` in the row that names `item`.
async fn act(c: &Client, base: &str, body: &str, action: &str, item: &str) {
    load(c, &format!("{base}/workspace?body={body}")).await;
    let href = js(
        c,
        &format!(
            "var a = [...document.querySelectorAll('a[data-action=\"{action}\"]')].find(a => a.closest('tr').textContent.includes('{item}')); return a ? a.href : ''"
        ),
    )
    .await;
    let href = href.as_str().unwrap().to_string();
    assert!(
        !href.is_empty(),
        "{body}: no {action} for {item} in My body"
    );
    load(c, &href).await;
    form_ready(c).await;
}

async fn form_ready(c: &Client) {
    until(
        c,
        "the form",
        "return document.getElementById('ws-form').dataset.ready === 'true'",
    )
    .await;
}

/// Preview; the dry run's verdict.
async fn preview(c: &Client) -> Value {
    click(c, "#ws-preview").await;
    until(
        c,
        "the dry run",
        "var v = document.getElementById('ws-verdict').dataset.verdict; return v || ''",
    )
    .await
}

/// Sign and record; waits for the receipt to be verified in the browser. Returns the seq.
async fn sign(c: &Client) -> u64 {
    click(c, "#ws-sign").await;
    let r = until(c, "the receipt", "var s = document.getElementById('ws-receipt-status'); return s && s.dataset.result !== 'running' && s.dataset.result").await;
    let steps = js(c, "return [...document.querySelectorAll('#ws-receipt-steps li')].map(l => l.dataset.ok + ' ' + l.textContent)").await;
    assert_eq!(
        r,
        json!("ok"),
        "the receipt verifies in the browser: {steps}"
    );
    assert_eq!(steps.as_array().unwrap().len(), 4, "{steps}");
    js(
        c,
        "return Number(document.getElementById('ws-seq').textContent)",
    )
    .await
    .as_u64()
    .unwrap()
}

/// The entry at `seq` through the API: author, type and body.
async fn entry(base: &str, seq: u64) -> (String, String, Value, String) {
    let v: Value = reqwest_json(&format!("{base}/entries/{seq}")).await;
    let bytes = BASE64.decode(v["entry"].as_str().unwrap()).unwrap();
    let ev: Value = serde_json::from_slice(&bytes[113..]).unwrap();
    (
        ev["author"].as_str().unwrap().to_string(),
        ev["type"].as_str().unwrap().to_string(),
        ev["body"].clone(),
        ev["id"].as_str().unwrap().to_string(),
    )
}

async fn reqwest_json(url: &str) -> Value {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        let mut r = agent.get(&url).call().unwrap();
        serde_json::from_str(&r.body_mut().read_to_string().unwrap()).unwrap()
    })
    .await
    .unwrap()
}

fn kordon(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kordon"))
        .current_dir(dir)
        .env_remove("KORDON_DATA")
        .args(args)
        .output()
        .unwrap()
}

/// Texts that test an encoder: Cyrillic, quotes, backslashes, every control character,
/// U+2028, astral characters, combining marks.
fn nasty(rng: &mut u64, n: usize) -> String {
    const PARTS: &[&str] = &[
        "Звіт",
        "«лапки»",
        "\"",
        "\\",
        "/",
        "\u{7f}",
        "\u{2028}",
        "\u{2029}",
        "😀",
        "𝄞",
        "e\u{301}",
        "\u{feff}",
        " ",
        "ї",
        "Ґ",
        "\u{10ffff}",
        "&<>",
        "'",
        "\u{200b}",
    ];
    let mut s = String::new();
    for _ in 0..n {
        *rng ^= *rng << 13;
        *rng ^= *rng >> 7;
        *rng ^= *rng << 17;
        let k = (*rng % 40) as usize;
        if k < PARTS.len() {
            s.push_str(PARTS[k]);
        } else {
            s.push(char::from_u32((*rng % 32) as u32).unwrap());
        }
    }
    if s.trim().is_empty() {
        s.push('ф');
    }
    s
}

/// Replaces every free text of a sample body with a nasty one.
fn roughen(v: &mut Value, schema: &Value, doc: &Value, rng: &mut u64) {
    let s = match schema["$ref"].as_str() {
        Some(r) => &doc["$defs"][r.trim_start_matches("#/$defs/")],
        None => schema,
    };
    match v {
        Value::Object(o) => {
            for (k, x) in o.iter_mut() {
                roughen(x, &s["properties"][k], doc, rng);
            }
        }
        Value::Array(a) => {
            for x in a.iter_mut() {
                roughen(x, &s["items"], doc, rng);
            }
        }
        Value::String(t)
            if s["type"] == "string" && s["format"].is_null() && s["enum"].is_null() =>
        {
            *t = nasty(rng, 12);
        }
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browsers_encoder_writes_kordons_bytes() {
    let d = Desk::now();
    let base = serve(d.router()).await;
    let driver = start_driver();
    let tmp = tempfile::tempdir().unwrap();
    let c = session(&driver, &tmp.path().join("profile"), tmp.path()).await;
    let run = async {
        load(
            &c,
            &format!("{base}/workspace/form?body=sbgs&type=note.added"),
        )
        .await;
        form_ready(&c).await;
        // The golden vectors and the example ledger's 170 events: parsed and encoded again,
        // the same text, byte for byte.
        let vectors: Value = serde_json::from_str(
            &std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("events/vectors/ledger.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let mut texts: Vec<String> = vectors["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_string())
            .collect();
        let export = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("events/examples/ibm-2026.export"),
        )
        .unwrap();
        let mut reader = kordon::export::ExportReader::open(&export[..]).unwrap();
        while let Some(e) = reader.next_entry().unwrap() {
            texts.push(String::from_utf8(e[113..].to_vec()).unwrap());
        }
        assert!(texts.len() >= 21 + 170, "{}", texts.len());
        let out = c
            .execute(
                "var W = window.kordonWorkspace; return arguments[0].map(function (t) { \
                   var v = JSON.parse(t); \
                   var a = W.canonical(v); \
                   var b = new TextDecoder().decode(W.encodeEvent({ledger: v.ledger, id: v.id, type: v.type, author: v.author, key: v.key, at: v.at, body: v.body})); \
                   return a === t && b === t ? '' : t; })",
                vec![json!(texts)],
            )
            .await
            .unwrap();
        let bad: Vec<&Value> = out
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| *x != "")
            .collect();
        assert!(
            bad.is_empty(),
            "the browser re-encodes differently: {bad:?}"
        );

        // Generated bodies of every type with hostile texts: Rust's bytes, the browser's bytes.
        let (doc, _) = kordon::server::schema::build();
        let mut rng = 0x9e3779b97f4a7c15u64;
        let mut cases = Vec::new();
        for (t, k) in doc["types"].as_array().unwrap().iter().zip(EventKind::ALL) {
            for round in 0..6 {
                let mut n = round * 31 + 3;
                let mut body = super::sample(&doc, &t["body"], round % 2 == 0, &mut n);
                roughen(&mut body, &t["body"], &doc, &mut rng);
                let typed =
                    Body::from_value(k.name(), body.clone()).unwrap_or_else(|e| panic!("{k}: {e}"));
                let at = Millis(1_767_225_600_000 + rng % 86_400_000 * 1000 + round);
                let bytes = kordon::core::event::encode(
                    "kordon.test/«ledger»",
                    &kordon::core::types::EventId::parse(&format!("ev:{round}.{}", k.index()))
                        .unwrap(),
                    &kordon::fixture::b("sbgs"),
                    &kordon::core::keys::KeyId::of(&[7u8; 32]),
                    at,
                    &typed,
                )
                .unwrap_or_else(|e| panic!("{k}: {e}"));
                let text = String::from_utf8(bytes).unwrap();
                let parsed: Value = serde_json::from_str(&text).unwrap();
                cases.push(json!({"parts": parsed, "expect_b64": BASE64.encode(text.as_bytes())}));
            }
        }
        let out = c
            .execute(
                "var W = window.kordonWorkspace; return arguments[0].map(function (x) { \
                   var v = x.parts; \
                   var bytes = W.encodeEvent({ledger: v.ledger, id: v.id, type: v.type, author: v.author, key: v.key, at: v.at, body: v.body}); \
                   var s = ''; for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]); \
                   return btoa(s) === x.expect_b64 ? '' : v.type + ': ' + btoa(s); })",
                vec![json!(cases)],
            )
            .await
            .unwrap();
        let bad: Vec<&Value> = out
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| *x != "")
            .collect();
        assert!(
            bad.is_empty(),
            "the browser's bytes differ from Rust's: {bad:?}"
        );
        assert_eq!(cases.len(), EventKind::ALL.len() * 6);

        // The schema's patterns, as the browser reads them, agree with Rust's grammars.
        type Check = fn(&str) -> bool;
        let grammars: [(&str, Check, &[&str]); 6] = [
            (
                "kordon-body-id",
                |s| kordon::core::types::BodyId::parse(s).is_ok(),
                &["sbgs", "state-customs-2", "-sbgs", "SBGS", "sb gs", "", "а"],
            ),
            (
                "kordon-commitment-id",
                |s| kordon::core::types::CommitmentId::parse(s).is_ok(),
                &["AP-2026/2.1", "1.1", "/AP", "AP 1", "AP:1", "AP_1.x"],
            ),
            (
                "kordon-event-id",
                |s| kordon::core::types::EventId::parse(s).is_ok(),
                &["ev-8", "01J9Z:abc", "ev/8", ":x", "e.v_1"],
            ),
            (
                "kordon-decimal",
                |s| kordon::core::types::Decimal::parse(s).is_ok(),
                &[
                    "0",
                    "74",
                    "-1.5",
                    "1250000.50",
                    "-0",
                    "-0.00",
                    "01",
                    "1.",
                    ".5",
                    "+1",
                    "1e3",
                    "1234567890123456789012345678901234567890",
                    "12345678901234567890123456789012345678901",
                    "0.0",
                ],
            ),
            (
                "kordon-sha256",
                |s| kordon::core::types::Sha256Hex::parse(s).is_ok(),
                &[
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855",
                    "e3b0",
                ],
            ),
            (
                "kordon-key-id",
                |s| kordon::core::keys::KeyId::try_from(s.to_string()).is_ok(),
                &["19322b5e00096251", "19322B5E00096251", "19322b5e0009625"],
            ),
        ];
        let mut long = "a".repeat(64);
        let extra = [long.clone(), {
            long.push('a');
            long
        }];
        let pattern_of = |format: &str| -> String {
            fn find(v: &Value, f: &str) -> Option<String> {
                match v {
                    Value::Object(o) => {
                        if o.get("format").and_then(|x| x.as_str()) == Some(f) {
                            return o
                                .get("pattern")
                                .and_then(|p| p.as_str())
                                .map(str::to_string);
                        }
                        o.values().find_map(|x| find(x, f))
                    }
                    Value::Array(a) => a.iter().find_map(|x| find(x, f)),
                    _ => None,
                }
            }
            find(&doc, format).unwrap_or_else(|| panic!("no pattern for {format}"))
        };
        for (format, rust, samples) in grammars {
            let mut all: Vec<String> = samples.iter().map(|s| s.to_string()).collect();
            if format == "kordon-body-id" {
                all.extend(extra.iter().cloned());
            }
            let pattern = pattern_of(format);
            let js_says = c
                .execute(
                    "var re = new RegExp(arguments[0], 'u'); return arguments[1].map(function (s) { return re.test(s); })",
                    vec![json!(pattern), json!(all)],
                )
                .await
                .unwrap();
            for (s, j) in all.iter().zip(js_says.as_array().unwrap()) {
                assert_eq!(
                    j.as_bool().unwrap(),
                    rust(s),
                    "{format} {s:?}: the browser's pattern and Rust disagree"
                );
            }
        }

        // The browser's verifier (verify.js, shared by the Integrity page and receipts) on the
        // vectors that apply to it: the signed checkpoint and inclusion proofs that must pass,
        // every must-fail checkpoint, signature and inclusion proof.
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("events/vectors");
        let read = |name: &str| -> Value {
            serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap()
        };
        let must_fail = read("must-fail.json");
        let proofs_fail = read("proofs-must-fail.json");
        let keys: std::collections::HashMap<String, String> = vectors["keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| {
                (
                    k["body"].as_str().unwrap().to_string(),
                    k["public_key"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let mut checkpoints = vec![
            json!({"name": "ledger", "note": vectors["tree"]["checkpoint"], "vkey": vectors["tree"]["verifier_key"], "ok": true}),
        ];
        let mut signatures = Vec::new();
        for case in must_fail["cases"].as_array().unwrap() {
            match case["expected_code"].as_str().unwrap() {
                "checkpoint.signature" => checkpoints.push(json!({
                    "name": case["name"], "note": case["checkpoint"], "vkey": case["verifier_key"], "ok": false,
                })),
                // Cases about a signature over an event (others cut an export).
                "signature.invalid" if case["event"].is_string() => {
                    let ev: Value = serde_json::from_str(case["event"].as_str().unwrap()).unwrap();
                    signatures.push(json!({
                        "name": case["name"], "event": case["event"], "sig": case["signature_hex"],
                        "key": keys[ev["author"].as_str().unwrap()],
                    }));
                }
                _ => {}
            }
        }
        assert_eq!(checkpoints.len(), 6, "{checkpoints:?}");
        assert!(signatures.len() >= 2);
        let mut proofs: Vec<Value> = vectors["inclusion_proofs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| json!({"name": format!("ledger-{}", p["seq"]), "p": p, "ok": true}))
            .collect();
        for p in proofs_fail["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["kind"] == "inclusion")
        {
            proofs.push(json!({"name": p["name"], "p": p, "ok": false}));
        }
        let verdicts = c
            .execute_async(
                "var done = arguments[arguments.length - 1]; var V = window.kordonVerify; var enc = new TextEncoder(); \
                 var cps = arguments[0].map(function (x) { return V.verifyCheckpoint(x.note, x.vkey).then(function () { return true; }, function () { return false; }).then(function (ok) { return ok === x.ok ? '' : 'checkpoint ' + x.name; }); }); \
                 var sigs = arguments[1].map(function (x) { return V.ed25519Key(V.fromB64(x.key)).then(function (k) { return V.ed25519Verify(k, V.fromHex(x.sig), V.concat(enc.encode('kordon/event/v1\\n'), enc.encode(x.event))); }).then(function (ok) { return ok ? 'signature ' + x.name : ''; }); }); \
                 var prs = arguments[2].map(function (x) { var p = x.p; return V.inclusionRoot(Number(p.seq), Number(p.size), V.fromHex(p.leaf_hash_hex), p.proof_hex.map(V.fromHex)).then(function (r) { return V.hex(r) === p.root_hex; }, function () { return false; }).then(function (ok) { return ok === x.ok ? '' : 'proof ' + x.name; }); }); \
                 Promise.all(cps.concat(sigs, prs)).then(done, function (e) { done(['error ' + e]); });",
                vec![json!(checkpoints), json!(signatures), json!(proofs)],
            )
            .await
            .unwrap();
        let wrong: Vec<&Value> = verdicts
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| *x != "")
            .collect();
        assert!(
            wrong.is_empty(),
            "the browser's verifier disagrees with the vectors: {wrong:?}"
        );
        assert_eq!(
            verdicts.as_array().unwrap().len(),
            checkpoints.len() + signatures.len() + proofs.len()
        );
        assert!(console_errors(&c).await.is_empty());
    };
    let outcome = tokio::time::timeout(Duration::from_secs(300), run).await;
    let _ = c.close().await;
    drop(driver);
    outcome.expect("the encoder test finished in time");
}

/// The PKCS#8 v1 layout OpenSSL writes (`openssl genpkey -algorithm ed25519`), for a seed.
fn openssl_pem(seed: &[u8; 32]) -> String {
    let mut der = vec![
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    der.extend_from_slice(seed);
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        BASE64.encode(der)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerks_record_accept_and_report_from_the_browser_in_ukrainian() {
    let d = Desk::now();
    let log: Log = Arc::default();
    let base = serve(
        d.router()
            .layer(middleware::from_fn_with_state(log.clone(), record)),
    )
    .await;
    // A second ledger whose clock is two hours behind this computer's.
    let late = Desk::new(
        Arc::new(|| Millis(kordon::ledger::system_clock()().0 - 2 * 3600 * 1000)),
        kordon::ledger::system_clock()().0 - 2 * 3600 * 1000,
    );
    let late_base = serve(
        late.router()
            .layer(middleware::from_fn_with_state(log.clone(), record)),
    )
    .await;
    let driver = start_driver();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let c = session(&driver, &dir.join("profile"), dir).await;
    // The bodies' keys as files: what `kordon key new` writes, and OpenSSL's layout for one.
    let mut secrets = Vec::new();
    for body in ["cmu", "sbgs", "customs", "registry"] {
        let key = kordon::fixture::demo_key(body);
        let pem = if body == "customs" {
            openssl_pem(&key.to_bytes())
        } else {
            kordon::core::keys::private_key_pem(&key)
        };
        std::fs::write(dir.join(format!("{body}.pem")), &pem).unwrap();
        let inner: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        secrets.push(inner);
        secrets.push(hex::encode(key.to_bytes()));
        secrets.push(BASE64.encode(key.to_bytes()));
    }
    std::fs::write(dir.join("plan.csv"), PLAN_CSV).unwrap();
    let report = b"Report on crossing points, Q3: 39 of 74 connected.\n";
    std::fs::write(dir.join("report-q3.txt"), report).unwrap();
    let report_sha = kordon::core::hash::Hash::sha256(report).to_hex();
    let run = async {
        c.set_window_size(1366, 1000).await.unwrap();
        let start = d.ledger.size();

        // 1. The coordinator imports a three-row action plan and signs it as one batch.
        import_key(&c, &base, "cmu", &dir.join("cmu.pem")).await;
        load(&c, &format!("{base}/workspace/plan?body=cmu")).await;
        type_into(&c, "#ws-plan-prefix", "AP-2026/").await;
        type_into(&c, "#ws-plan-act", "Розпорядження КМУ № 1409-р").await;
        upload(&c, "#ws-plan-file", &dir.join("plan.csv")).await;
        click(&c, "#ws-plan-read").await;
        let v = until(
            &c,
            "the plan checked",
            "var v = document.getElementById('ws-verdict').dataset.verdict; return v || ''",
        )
        .await;
        assert_eq!(
            v,
            json!("ok"),
            "{}",
            js(
                &c,
                "return document.getElementById('ws-plan-review').textContent"
            )
            .await
        );
        let rows = js(&c, "return [...document.querySelectorAll('#ws-plan-rows tbody tr')].map(r => r.dataset.check)").await;
        assert_eq!(rows, json!(["ok", "ok", "ok"]));
        shoot_at(&c, "workspace-plan-review-uk", 1366).await;
        click(&c, "#ws-plan-sign").await;
        until(&c, "three receipts verified", "return document.querySelectorAll('#ws-receipt .ws-receipt-status[data-result=ok]').length === 3").await;
        assert_eq!(
            js(
                &c,
                "return document.getElementById('ws-verdict').dataset.recorded"
            )
            .await,
            json!("3")
        );
        shoot_at(&c, "workspace-plan-recorded-uk", 1366).await;
        let h = d.state.projector().read().clone();
        let want = kordon::plan::parse(
            PLAN_CSV.as_bytes(),
            &{
                // The plan as it read before it was recorded: against the ledger without it.
                let snap = d.store.snapshot().unwrap();
                kordon::projector::rebuild(&*snap, start).unwrap()
            },
            &kordon::plan::Options {
                id_prefix: "AP-2026/".into(),
                act: Some("Розпорядження КМУ № 1409-р".into()),
                currency: None,
            },
        );
        for (i, row) in want.rows.iter().enumerate() {
            let (author, kind, body, _) = entry(&base, start + i as u64).await;
            assert_eq!(
                (author.as_str(), kind.as_str()),
                ("cmu", "commitment.assigned")
            );
            assert_eq!(
                body,
                serde_json::to_value(row.body.as_ref().unwrap()).unwrap(),
                "row {i}"
            );
        }
        assert!(h.commitments.len() >= 4);

        // 2. The executor unlocks its imported key and accepts the assignment.
        import_key(&c, &base, "sbgs", &dir.join("sbgs.pem")).await;
        load(&c, &format!("{base}/workspace?body=sbgs")).await;
        shoot_at(&c, "workspace-my-body-uk", 1366).await;
        shoot_at(&c, "workspace-my-body-uk-phone", 390).await;
        act(&c, &base, "sbgs", "commitment.accepted", "AP-2026/1.1").await;
        assert_eq!(preview(&c).await, json!("ok"));
        let plain = js(&c, "return document.getElementById('ws-plain').textContent").await;
        assert!(
            plain
                .as_str()
                .unwrap()
                .contains("Адміністрація ДПСУ підписує «доручення прийнято»"),
            "{plain}"
        );
        let seq = sign(&c).await;
        assert_eq!(entry(&base, seq).await.0, "sbgs");
        assert_eq!(entry(&base, seq).await.1, "commitment.accepted");
        assert_eq!(
            entry(&base, seq).await.2,
            json!({"commitment": "AP-2026/1.1"})
        );
        shoot_at(&c, "workspace-receipt-uk", 1366).await;
        // The receipt is kept in the browser (IndexedDB) and offered as a file that
        // `kordon receipt verify` accepts.
        let kept = c
            .execute_async(
                "var done = arguments[arguments.length - 1]; var r = indexedDB.open('kordon-workspace'); \
                 r.onsuccess = function () { var q = r.result.transaction('receipts').objectStore('receipts').getAll(); \
                 q.onsuccess = function () { done(q.result.map(function (x) { return x.body + ' ' + x.seq + ' ' + x.verified; })); }; };",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            kept.as_array()
                .unwrap()
                .contains(&json!(format!("sbgs {seq} true"))),
            "{kept}"
        );
        click(&c, "a[data-receipt]").await;
        let file = dir.join(format!("receipt-{seq}.json"));
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while !file.exists() || std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0) == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the receipt was not downloaded"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        std::fs::copy(&file, dir.join("receipt.json")).unwrap();
        let vkey = d.ledger.verifier_key();
        let o = kordon(dir, &["receipt", "verify", "receipt.json", "--key", &vkey]);
        assert!(
            o.status.success(),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        // The receipt's fingerprint reads the same in the browser (its script) and on the
        // command line (the core's `Fingerprint::quote`), in Ukrainian.
        let shown = js(
            &c,
            "return document.querySelector('#ws-receipt .ws-fingerprint q').textContent",
        )
        .await;
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_kordon"))
            .args(["receipt", "verify", "receipt.json", "--key", &vkey])
            .current_dir(dir)
            .env("LANG", "uk_UA.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES")
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        let line = out
            .lines()
            .find_map(|l| l.strip_prefix("відбиток: "))
            .unwrap_or_else(|| panic!("no fingerprint line: {out}"));
        assert_eq!(shown, json!(line), "{out}");
        assert!(
            line.contains("\u{a0}записи")
                || line.contains("\u{a0}запис")
                || line.contains("\u{a0}записів"),
            "{line}"
        );

        // 3. It reports status with an evidence file, hashed in the browser.
        act(&c, &base, "sbgs", "status.reported", "AP-2026/1.1").await;
        choose(&c, "#f-status", "in_progress").await;
        type_into(&c, "#f-note", "39 з 74 пунктів пропуску підключено").await;
        click(&c, "[data-field=evidence] > button").await;
        upload(&c, ".ws-evidence-file", &dir.join("report-q3.txt")).await;
        until(
            &c,
            "the file hashed",
            "return /^[0-9a-f]{64}$/.test(document.getElementById('f-evidence-0--sha256').value)",
        )
        .await;
        type_into(
            &c,
            "#f-evidence-0--location",
            "https://example.org/report-q3.txt",
        )
        .await;
        assert_eq!(preview(&c).await, json!("ok"));
        shoot_at(&c, "workspace-preview-uk", 1366).await;
        let seq = sign(&c).await;
        let (author, kind, body, report_id) = entry(&base, seq).await;
        assert_eq!(
            (author.as_str(), kind.as_str()),
            ("sbgs", "status.reported")
        );
        assert_eq!(
            body,
            json!({"commitment": "AP-2026/1.1", "status": "in_progress", "note": "39 з 74 пунктів пропуску підключено",
                   "evidence": [{"sha256": report_sha, "location": "https://example.org/report-q3.txt"}]})
        );

        // 4. A handover offered by the lead and accepted by the receiving body.
        act(&c, &base, "sbgs", "handover.proposed", "AP-2026/1.1").await;
        choose(&c, "#f-to", "customs").await;
        type_into(&c, "#f-reason", "Обмін даними веде митниця").await;
        assert_eq!(preview(&c).await, json!("ok"));
        let seq = sign(&c).await;
        let (_, kind, body, proposal) = entry(&base, seq).await;
        assert_eq!(kind, "handover.proposed");
        assert_eq!(
            body,
            json!({"commitment": "AP-2026/1.1", "to": "customs", "reason": "Обмін даними веде митниця"})
        );
        import_key(&c, &base, "customs", &dir.join("customs.pem")).await;
        act(&c, &base, "customs", "handover.accepted", "AP-2026/1.1").await;
        assert_eq!(preview(&c).await, json!("ok"));
        let seq = sign(&c).await;
        let (author, kind, body, _) = entry(&base, seq).await;
        assert_eq!(
            (author.as_str(), kind.as_str()),
            ("customs", "handover.accepted")
        );
        assert_eq!(
            body,
            json!({"commitment": "AP-2026/1.1", "proposal": proposal})
        );

        // 5. The overseer generates its key in the browser; the registrar registers it.
        load(&c, &format!("{base}/workspace/keys?body=committee")).await;
        click(&c, "#ws-generate").await;
        until(&c, "the key generated", "return document.getElementById('ws-key-state') && document.getElementById('ws-key-state').dataset.state === 'unregistered'").await;
        let public = js(&c, "return document.getElementById('ws-public-text').value").await;
        let public = public.as_str().unwrap().to_string();
        assert_eq!(BASE64.decode(&public).unwrap().len(), 32);
        until(
            &c,
            "the QR code",
            "var i = document.getElementById('ws-qr'); return i.complete && i.naturalWidth > 0",
        )
        .await;
        shoot_at(&c, "workspace-keys-uk", 1366).await;
        import_key(&c, &base, "registry", &dir.join("registry.pem")).await;
        load(
            &c,
            &format!("{base}/workspace/form?body=registry&type=key.added"),
        )
        .await;
        form_ready(&c).await;
        choose(&c, "#f-body", "committee").await;
        type_into(&c, "#f-public_key", &public).await;
        assert_eq!(preview(&c).await, json!("ok"));
        let seq = sign(&c).await;
        let (author, kind, body, _) = entry(&base, seq).await;
        assert_eq!((author.as_str(), kind.as_str()), ("registry", "key.added"));
        assert_eq!(body, json!({"body": "committee", "public_key": public}));
        // Now the overseer's browser may sign: it assesses the claim, from what waits for it.
        act(&c, &base, "committee", "assessment.recorded", "AP-2026/1.1").await;
        choose(&c, "#f-verdict", "partially_confirmed").await;
        type_into(
            &c,
            "#f-note",
            "Підтверджено 39 пунктів; решта — у IV кварталі",
        )
        .await;
        assert_eq!(preview(&c).await, json!("ok"));
        let seq = sign(&c).await;
        let (author, kind, body, _) = entry(&base, seq).await;
        assert_eq!(
            (author.as_str(), kind.as_str()),
            ("committee", "assessment.recorded")
        );
        assert_eq!(
            body,
            json!({"commitment": "AP-2026/1.1", "verdict": "partially_confirmed", "claim": report_id,
                   "note": "Підтверджено 39 пунктів; решта — у IV кварталі"})
        );

        // 6. A refusal in words: sbgs no longer leads AP-2026/1.1.
        let before = d.ledger.size();
        load(
            &c,
            &format!("{base}/workspace/form?body=sbgs&type=status.reported&commitment=AP-2026/1.1"),
        )
        .await;
        form_ready(&c).await;
        choose(&c, "#f-status", "implemented").await;
        assert_eq!(preview(&c).await, json!("refused"));
        let why = js(
            &c,
            "return document.querySelector('#ws-verdict .ws-explanation').textContent",
        )
        .await;
        let why = why.as_str().unwrap();
        assert!(why.contains("відповідає Державна митна служба"), "{why}");
        assert!(why.contains("запропонувати передачу"), "what to do: {why}");
        assert!(why.contains("Нічого не записано"), "{why}");
        assert_eq!(
            js(
                &c,
                "return document.getElementById('ws-verdict').dataset.code"
            )
            .await,
            json!("status.lead-only")
        );
        assert_eq!(
            js(&c, "return document.getElementById('ws-sign').disabled").await,
            json!(true)
        );
        shoot_at(&c, "workspace-refused-uk", 1366).await;
        shoot_at(&c, "workspace-refused-uk-phone", 390).await;
        assert_eq!(d.ledger.size(), before, "nothing was written");

        // 7. A wrong clock is warned about before signing, and the dry run explains it.
        import_key(&c, &late_base, "sbgs", &dir.join("sbgs.pem")).await;
        load(
            &c,
            &format!("{late_base}/workspace/form?body=sbgs&type=status.reported&commitment=AP-1"),
        )
        .await;
        form_ready(&c).await;
        let warning = until(
            &c,
            "the clock warning",
            "var w = document.getElementById('ws-clock'); return !w.hidden && w.textContent",
        )
        .await;
        assert!(
            warning
                .as_str()
                .unwrap()
                .contains("випереджає годинник реєстру на 2 год"),
            "{warning}"
        );
        choose(&c, "#f-status", "in_progress").await;
        assert_eq!(preview(&c).await, json!("refused"));
        assert_eq!(
            js(
                &c,
                "return document.getElementById('ws-verdict').dataset.code"
            )
            .await,
            json!("time.in-future")
        );
        let why = js(
            &c,
            "return document.querySelector('#ws-verdict .ws-explanation').textContent",
        )
        .await;
        assert!(why.as_str().unwrap().contains("Виправте годинник"), "{why}");
        // Both times in words to the minute, as a clerk reads them, not as RFC 3339.
        let month = [
            "січня",
            "лютого",
            "березня",
            "квітня",
            "травня",
            "червня",
            "липня",
            "серпня",
            "вересня",
            "жовтня",
            "листопада",
            "грудня",
        ];
        let why_text = why.as_str().unwrap();
        assert_eq!(why_text.matches(" UTC)").count(), 2, "{why}");
        assert!(month.iter().any(|m| why_text.contains(m)), "{why}");
        assert!(!why_text.contains("Z)"), "{why}");
        shoot_at(&c, "workspace-clock-uk", 1366).await;
        assert_eq!(late.ledger.size(), 8, "nothing was written");

        // Every form, in both languages, at 1366 px; in Ukrainian on a 390 px phone.
        for lang in ["uk", "en"] {
            for k in EventKind::ALL.iter().filter(|k| **k != EventKind::Genesis) {
                let who = match kordon::server::schema::signer(*k).roles().first() {
                    Some(&"registrar") => "registry",
                    Some(&"coordinator") => "cmu",
                    Some(&"overseer") => "committee",
                    _ => "sbgs",
                };
                load(
                    &c,
                    &format!(
                        "{base}/workspace/form?body={who}&type={}&lang={lang}",
                        k.name()
                    ),
                )
                .await;
                form_ready(&c).await;
                assert_eq!(
                    js(&c, "return document.documentElement.lang").await,
                    json!(lang)
                );
                // A new id's help fits what it names: a body's id is not numbered like an act.
                let help = js(
                    &c,
                    "var f = document.querySelector('[data-field=\"id\"] .help'); return f ? f.textContent : ''",
                )
                .await;
                let help = help.as_str().unwrap();
                match (*k, lang) {
                    (EventKind::BodyRegistered, "uk") => {
                        assert!(help.contains("латиницею"), "{help}")
                    }
                    (EventKind::BodyRegistered, _) => {
                        assert!(help.contains("Latin letters"), "{help}")
                    }
                    (EventKind::CommitmentAssigned, _) => {
                        assert!(help.contains("AP-2026/2.1"), "{help}")
                    }
                    _ => {}
                }
                let name = k.name().replace('.', "-");
                shoot_at(&c, &format!("workspace-form-{name}-{lang}"), 1366).await;
                if lang == "uk" {
                    shoot_at(&c, &format!("workspace-form-{name}-uk-phone"), 390).await;
                }
            }
        }
        load(&c, &format!("{base}/workspace?lang=uk")).await;
        shoot_at(&c, "workspace-choose-uk", 1366).await;
        let errors = console_errors(&c).await;
        assert!(errors.is_empty(), "console errors: {errors:?}");

        // No request the pages made carried any key material.
        let requests = log.lock().unwrap().clone();
        assert!(requests.len() > 50, "{}", requests.len());
        assert!(requests.iter().any(|r| r.starts_with("POST /entries ")));
        for r in &requests {
            assert!(!r.contains("PRIVATE KEY"), "{r}");
            for s in &secrets {
                assert!(
                    !r.contains(s.as_str()),
                    "a request carried key material: {r}"
                );
            }
        }

        // The ledger the clerks wrote verifies offline.
        let mut export = Vec::new();
        kordon::export::write(&d.store, &d.ledger.verifier_key(), &mut export).unwrap();
        std::fs::write(dir.join("ledger.export"), export).unwrap();
        let o = kordon(
            dir,
            &["verify", "ledger.export", "--key", &d.ledger.verifier_key()],
        );
        assert!(
            o.status.success(),
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let outcome = tokio::time::timeout(Duration::from_secs(600), run).await;
    let _ = c.close().await;
    drop(driver);
    outcome.expect("the walkthrough finished in time");
}
