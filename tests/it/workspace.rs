//! The bodies' workspace.
//!
//! Without a browser: the event types' schema against the Rust body types (every type, every
//! member, required or not, in the order serde knows them), the dry run (`POST /entries/check`:
//! verdicts, explanations in words from the ledger's state, nothing written, bad input), plan
//! parsing from CSV and XLSX with every kind of problem, `kordon plan import` on a data
//! directory, and the workspace pages' HTML (no inline script, every body and form reachable).
//!
//! In a real browser (`workspace/browser.rs`): the canonical encoder against the golden vectors
//! and Rust, and the clerks' walkthroughs in Ukrainian.

use axum::body::Body as HttpBody;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use kordon::core::event::*;
use kordon::core::types::EventId;
use kordon::fixture::{c, Fixture};
use kordon::ledger::{Ledger, Submission};
use kordon::server::{self, AppState, Config};
use kordon::store::memory::MemoryStore;
use kordon::store::Store;
use serde_json::{json, Value};
use std::sync::Arc;
use tower::ServiceExt;

pub mod browser;

pub const ORIGIN: &str = "kordon.test/workspace";

/// A ledger for the workspace: a registrar, a coordinator `cmu`, executors `sbgs` and
/// `customs`, an overseer `committee` and an observer `monitor`, with real names; AP-1 assigned
/// to and accepted by `sbgs`. Signed at `now` (the fixture's clock), recorded by `clock`.
pub struct Desk {
    pub f: Fixture,
    pub ledger: Arc<Ledger>,
    pub store: MemoryStore,
    pub state: AppState,
}

impl Desk {
    pub fn new(clock: kordon::ledger::Clock, now: u64) -> Desk {
        let mut f = Fixture::new(ORIGIN);
        f.clock = kordon::fixture::ManualClock::new(now);
        let store = MemoryStore::new();
        let ledger = Arc::new(
            Ledger::open(
                Arc::new(store.clone()) as Arc<dyn Store>,
                f.ledger_signer.clone(),
                clock,
            )
            .unwrap(),
        );
        let mut subs = vec![f.genesis()];
        subs.push(f.register_named(
            "cmu",
            &[Role::Coordinator],
            "Координаційний центр ІУК",
            "IBM Coordination Centre",
        ));
        subs.push(f.register_named(
            "sbgs",
            &[Role::Executor],
            "Адміністрація ДПСУ",
            "SBGS Administration",
        ));
        subs.push(f.register_named(
            "customs",
            &[Role::Executor],
            "Державна митна служба",
            "State Customs Service",
        ));
        subs.push(f.register_named(
            "committee",
            &[Role::Overseer],
            "Комітет з питань інтеграції до ЄС",
            "Committee on EU Integration",
        ));
        subs.push(f.register_named(
            "monitor",
            &[Role::Observer],
            "Громадський монітор",
            "Civic monitor",
        ));
        subs.push(f.sign(
            "cmu",
            Body::CommitmentAssigned(Fixture::commitment("AP-1", Some("sbgs"), "2026-12-31")),
        ));
        subs.push(f.sign(
            "sbgs",
            Body::CommitmentAccepted(CommitmentRef {
                commitment: c("AP-1"),
            }),
        ));
        for r in ledger.submit_many(subs) {
            r.unwrap();
        }
        let state = AppState::new(Arc::clone(&ledger), Config::default()).unwrap();
        Desk {
            f,
            ledger,
            store,
            state,
        }
    }

    /// A desk whose ledger clock and authors' clock are the machine's.
    pub fn now() -> Desk {
        let now = kordon::ledger::system_clock()().0;
        Desk::new(kordon::ledger::system_clock(), now)
    }

    pub fn router(&self) -> Router {
        server::router(self.state.clone())
    }
}

async fn call(app: &Router, req: Request<HttpBody>) -> (StatusCode, Value, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&body).to_string();
    let v = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let _ = ct;
    (status, v, text)
}

async fn check(app: &Router, lang: &str, subs: &[(&Submission, bool)]) -> (StatusCode, Value) {
    let events: Vec<Value> = subs
        .iter()
        .map(|(s, signed)| {
            let mut v = json!({"event": BASE64.encode(&s.event)});
            if *signed {
                v["signature"] = json!(BASE64.encode(s.signature));
            }
            v
        })
        .collect();
    let req = Request::post(format!("/entries/check?lang={lang}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(HttpBody::from(json!({ "events": events }).to_string()))
        .unwrap();
    let (s, v, _) = call(app, req).await;
    (s, v)
}

// ---------------------------------------------------------------------------------------------
// The schema.

/// The members serde knows for a body type, in declaration order: its "unknown field" error
/// lists them all (every body type denies unknown fields).
fn serde_members(result: Result<impl std::fmt::Debug, String>) -> Vec<String> {
    let msg = match result {
        Ok(v) => panic!("an unknown member was accepted: {v:?}"),
        Err(e) => e,
    };
    let list = msg
        .split("expected one of ")
        .nth(1)
        .or_else(|| msg.split("expected ").nth(1))
        .unwrap_or_else(|| panic!("no member list in {msg}"));
    list.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// A value the schema allows, every optional member included (`full`) or none of them; texts
/// hold Cyrillic, quotes and control characters.
fn sample(doc: &Value, s: &Value, full: bool, n: &mut u64) -> Value {
    *n += 1;
    if let Some(r) = s["$ref"].as_str() {
        let name = r.trim_start_matches("#/$defs/");
        return sample(doc, &doc["$defs"][name], full, n);
    }
    if let Some(e) = s["enum"].as_array() {
        return e[(*n as usize) % e.len()].clone();
    }
    if let Some(one) = s["oneOf"].as_array() {
        // schemars writes documented enum variants as oneOf of consts.
        let pick = &one[(*n as usize) % one.len()];
        return pick["const"].clone();
    }
    match s["type"].as_str() {
        Some("object") => {
            let mut o = serde_json::Map::new();
            let req: Vec<&str> = s["required"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
                .unwrap_or_default();
            for (k, p) in s["properties"].as_object().unwrap() {
                if full || req.contains(&k.as_str()) {
                    o.insert(k.clone(), sample(doc, p, full, n));
                }
            }
            Value::Object(o)
        }
        Some("array") => {
            assert_eq!(s["minItems"], 1, "lists hold at least one element: {s}");
            json!([sample(doc, &s["items"], full, n)])
        }
        Some("integer") => json!(*n % 1000),
        Some("string") => match s["format"].as_str().unwrap_or("") {
            "kordon-body-id" => json!(format!("body-{n}")),
            "kordon-commitment-id"
            | "kordon-objective-id"
            | "kordon-inquiry-id"
            | "kordon-indicator-id" => json!(format!("AP-2026/{n}.1")),
            "kordon-event-id" => json!(format!("ev:{n}")),
            "kordon-key-id" => json!(format!("{:016x}", *n)),
            "kordon-decimal" => json!(format!("-{n}.50")),
            "kordon-sha256" => json!(format!("{:064x}", *n)),
            "date" => json!("2026-02-28"),
            "" => json!(format!("Звіт «{n}» \"в лапках\"\n\tі 😀 \u{1}")),
            other => panic!("a format the sample does not know: {other}"),
        },
        other => panic!("a schema the sample does not know: {other:?} in {s}"),
    }
}

#[test]
fn the_schema_describes_every_event_type_and_every_member_of_the_rust_types() {
    let (doc, problems) = kordon::server::schema::build();
    assert!(problems.is_empty(), "{problems:?}");
    let types = doc["types"].as_array().unwrap();
    let names: Vec<&str> = types.iter().map(|t| t["type"].as_str().unwrap()).collect();
    assert_eq!(names, EVENT_TYPES, "every type, in the table's order");
    let labels: Vec<&str> = kordon::server::dashboard::workspace::FIELDS
        .iter()
        .map(|(n, _, _)| *n)
        .collect();
    for (t, k) in types.iter().zip(EventKind::ALL) {
        let body = &t["body"];
        let name = body["$ref"]
            .as_str()
            .unwrap()
            .trim_start_matches("#/$defs/");
        let def = &doc["$defs"][name];
        let props: Vec<String> = def["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        // The members serde reads are exactly the schema's.
        let mut rust = serde_members(
            Body::from_value(k.name(), json!({"zzz-not-a-member": 1})).map_err(|e| e.to_string()),
        );
        rust.sort();
        let mut schema_props = props.clone();
        schema_props.sort();
        assert_eq!(schema_props, rust, "{k}: schema members vs Rust");
        assert_eq!(def["additionalProperties"], false, "{k}");
        for p in &props {
            assert!(
                labels.contains(&p.as_str()),
                "{k}.{p} has no label in FIELDS"
            );
            assert!(
                def["properties"][p]["x-pick"].is_string(),
                "{k}.{p}: no x-pick"
            );
        }
        // A body with every member, and one with only the required ones, both parse, and
        // Rust writes them back exactly: names, types and optionality agree.
        for full in [true, false] {
            let mut n = 7;
            let v = sample(&doc, body, full, &mut n);
            let parsed = Body::from_value(k.name(), v.clone())
                .unwrap_or_else(|e| panic!("{k} (full: {full}): {e}\n{v}"));
            assert_eq!(parsed.to_value(), v, "{k} (full: {full}) round trip");
            // Each required member missing is refused; each optional one missing is not.
            if full {
                let req: Vec<&str> = def["required"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| x.as_str()).collect())
                    .unwrap_or_default();
                for p in &props {
                    let mut w = v.clone();
                    w.as_object_mut().unwrap().remove(p);
                    let ok = Body::from_value(k.name(), w).is_ok();
                    assert_eq!(ok, !req.contains(&p.as_str()), "{k}: without {p}");
                }
            }
        }
        for m in t["required_by_rule"].as_array().unwrap() {
            let m = m.as_str().unwrap();
            assert!(
                props.iter().any(|p| p == m),
                "{k}: {m} is required by rule but no member"
            );
            assert!(
                !def["required"]
                    .as_array()
                    .is_some_and(|r| r.contains(&json!(m))),
                "{k}: {m} is required by the type already"
            );
        }
        assert!(t["signer"].is_string() && t["roles"].is_array(), "{t}");
        assert_eq!(t["form"], *k != EventKind::Genesis, "{k}");
    }
    // Every kind of picker the schema asks for is one the script knows.
    let script = kordon::server::dashboard::workspace::JS;
    let mut picks = std::collections::BTreeSet::new();
    fn collect(v: &Value, out: &mut std::collections::BTreeSet<String>) {
        match v {
            Value::Object(o) => {
                if let Some(p) = o.get("x-pick").and_then(|p| p.as_str()) {
                    out.insert(p.to_string());
                }
                o.values().for_each(|x| collect(x, out));
            }
            Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
            _ => {}
        }
    }
    collect(&doc, &mut picks);
    for p in &picks {
        let handled = script.contains(&format!("kind === '{p}'"))
            || script.contains(&format!("itemPick === '{p}'"))
            || ["text", "choice", "object"].contains(&p.as_str());
        assert!(handled, "workspace.js has no picker for x-pick {p:?}");
    }
    assert!(picks.len() >= 15, "{picks:?}");
    // The nested objects too.
    let nested: [(&str, Result<(), String>); 6] = [
        (
            "Evidence",
            serde_json::from_value::<Evidence>(json!({"zzz": 1}))
                .map(|_| ())
                .map_err(|e| e.to_string()),
        ),
        (
            "Indicator",
            serde_json::from_value::<Indicator>(json!({"zzz": 1}))
                .map(|_| ())
                .map_err(|e| e.to_string()),
        ),
        (
            "Milestone",
            serde_json::from_value::<Milestone>(json!({"zzz": 1}))
                .map(|_| ())
                .map_err(|e| e.to_string()),
        ),
        (
            "Funding",
            serde_json::from_value::<Funding>(json!({"zzz": 1}))
                .map(|_| ())
                .map_err(|e| e.to_string()),
        ),
        (
            "BodyInfo",
            serde_json::from_value::<BodyInfo>(json!({"zzz": 1}))
                .map(|_| ())
                .map_err(|e| e.to_string()),
        ),
        (
            "Policy",
            serde_json::from_value::<Policy>(json!({"zzz": 1}))
                .map(|_| ())
                .map_err(|e| e.to_string()),
        ),
    ];
    for (name, r) in nested {
        let mut rust = serde_members(r);
        rust.sort();
        let mut props: Vec<String> = doc["$defs"][name]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        props.sort();
        assert_eq!(props, rust, "{name}");
        for p in &props {
            assert!(
                labels.contains(&p.as_str()),
                "{name}.{p} has no label in FIELDS"
            );
        }
    }
    // The enumerations are the core's.
    let names_of = |d: &str| -> Vec<String> {
        let s = &doc["$defs"][d];
        match s["enum"].as_array() {
            Some(e) => e.iter().map(|x| x.as_str().unwrap().to_string()).collect(),
            None => s["oneOf"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x["const"].as_str().unwrap().to_string())
                .collect(),
        }
    };
    let status: Vec<String> = Status::ALL.iter().map(|s| s.name().to_string()).collect();
    assert_eq!(names_of("Status"), status);
    let comps: Vec<String> = Component::ALL
        .iter()
        .map(|s| s.name().to_string())
        .collect();
    assert_eq!(names_of("Component"), comps);
    // Nothing in it allows null.
    assert!(
        !doc.to_string().contains("\"null\""),
        "no schema allows null"
    );
}

#[tokio::test]
async fn the_schema_is_served() {
    let d = Desk::now();
    let req = Request::get("/schema/events")
        .body(HttpBody::empty())
        .unwrap();
    let (s, v, _) = call(&d.router(), req).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(&v, kordon::server::schema::document());
    assert_eq!(v["types"].as_array().unwrap().len(), EventKind::ALL.len());
}

// ---------------------------------------------------------------------------------------------
// The dry run.

#[tokio::test]
async fn a_dry_run_judges_without_writing_and_explains_in_words() {
    let d = Desk::now();
    let app = d.router();
    let size = d.ledger.size();
    let cp = d.ledger.checkpoint().unwrap();
    // customs reports on AP-1, which sbgs leads: refused, in words, naming the lead.
    let wrong = d.f.sign(
        "customs",
        Body::StatusReported(StatusReported {
            commitment: c("AP-1"),
            status: Status::Implemented,
            note: None,
            evidence: vec![],
        }),
    );
    let (s, v) = check(&app, "uk", &[(&wrong, true)]).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let r = &v["results"][0];
    assert_eq!(r["ok"], false, "{v}");
    assert_eq!(r["code"], "status.lead-only");
    assert_eq!(r["status"], 422);
    assert_eq!(r["problem"]["code"], "status.lead-only");
    let text = r["explanation"].as_str().unwrap();
    assert!(text.contains("Адміністрація ДПСУ"), "{text}");
    assert!(text.contains("AP-1"), "{text}");
    assert!(text.contains("Нічого не записано"), "{text}");
    assert!(
        !text.contains("status.lead-only"),
        "never the code alone: {text}"
    );
    let (_, en) = check(&app, "en", &[(&wrong, false)]).await;
    let text = en["results"][0]["explanation"].as_str().unwrap();
    assert!(text.contains("is led by SBGS Administration"), "{text}");
    // A good one says which entry it would be, and is not written either.
    let good = d.f.sign(
        "sbgs",
        Body::StatusReported(StatusReported {
            commitment: c("AP-1"),
            status: Status::InProgress,
            note: Some("39 з 74".into()),
            evidence: vec![],
        }),
    );
    let (_, v) = check(&app, "uk", &[(&good, true)]).await;
    assert_eq!(
        v["results"][0],
        json!({"ok": true, "seq": size, "signature_checked": true})
    );
    assert_eq!(v["size"], size);
    assert_eq!(v["max_future_seconds"], 300);
    assert!(v["recorded_at_ms"].as_u64().unwrap() > 0);
    assert_eq!(d.ledger.size(), size, "a dry run writes nothing");
    assert_eq!(d.ledger.checkpoint().unwrap(), cp);
    // A bad signature is found when one is given.
    let mut forged = good.clone();
    forged.signature[0] ^= 1;
    let (_, v) = check(&app, "uk", &[(&forged, true)]).await;
    assert_eq!(v["results"][0]["code"], "signature.invalid");
    let (_, v) = check(&app, "uk", &[(&forged, false)]).await;
    assert_eq!(
        v["results"][0]["ok"], true,
        "unsigned: the signature is not checked"
    );
    assert_eq!(v["results"][0]["signature_checked"], false);
    // A batch is judged in order: a handover, then its acceptance, which builds on it.
    let propose = d.f.sign(
        "sbgs",
        Body::HandoverProposed(Transfer {
            commitment: c("AP-1"),
            to: kordon::fixture::b("customs"),
            reason: "Митниця веде обмін даними".into(),
        }),
    );
    let proposal: Value = serde_json::from_slice(&propose.event).unwrap();
    let accept = d.f.sign(
        "customs",
        Body::HandoverAccepted(HandoverAnswer {
            commitment: c("AP-1"),
            proposal: EventId::parse(proposal["id"].as_str().unwrap()).unwrap(),
            reason: None,
        }),
    );
    let (_, v) = check(&app, "uk", &[(&propose, true), (&accept, true)]).await;
    assert_eq!(v["results"][0]["seq"], size);
    assert_eq!(v["results"][1]["seq"], size + 1, "{v}");
    let (_, v) = check(&app, "uk", &[(&accept, true)]).await;
    assert_eq!(
        v["results"][0]["code"], "handover.no-such-proposal",
        "alone, nothing is pending"
    );
    assert_eq!(d.ledger.size(), size);
    // Once recorded, answering again is explained from the handover's history.
    d.ledger.submit(propose).unwrap();
    d.ledger.submit(accept.clone()).unwrap();
    let again = d.f.sign(
        "customs",
        Body::HandoverAccepted(HandoverAnswer {
            commitment: c("AP-1"),
            proposal: EventId::parse(proposal["id"].as_str().unwrap()).unwrap(),
            reason: None,
        }),
    );
    // The projections follow the ledger after each commit; wait for them.
    for _ in 0..100 {
        if d.state.projector().read().size() == d.ledger.size() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let (_, v) = check(&app, "uk", &[(&again, true)]).await;
    let text = v["results"][0]["explanation"].as_str().unwrap();
    assert!(text.contains("вже прийняв Державна митна служба"), "{text}");
    let (_, v) = check(&app, "en", &[(&again, true)]).await;
    let text = v["results"][0]["explanation"].as_str().unwrap();
    assert!(
        text.contains("already accepted by State Customs Service on"),
        "{text}"
    );
    // A replay of a recorded event.
    let (_, v) = check(&app, "en", &[(&accept, true)]).await;
    assert_eq!(v["results"][0]["code"], "event.replayed");
    assert_eq!(v["results"][0]["status"], 409);
}

#[tokio::test]
async fn a_dry_run_refuses_bad_input_and_the_server_still_serves() {
    let d = Desk::now();
    let app = d.router();
    let size = d.ledger.size();
    let post = |body: &str| {
        Request::post("/entries/check")
            .header(header::CONTENT_TYPE, "application/json")
            .body(HttpBody::from(body.to_string()))
            .unwrap()
    };
    for bad in [
        "not json",
        "{}",
        r#"{"events": []}"#,
        r#"{"events": [{"event": "%%%"}]}"#,
        r#"{"events": [{"event": "e30=", "signature": "AAAA"}]}"#,
        r#"{"events": [{"event": "e30=", "extra": 1}]}"#,
    ] {
        let (s, v, _) = call(&app, post(bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert_eq!(v["code"], "request.malformed", "{bad}");
    }
    // Bytes that are not an event are a verdict, not an error of the request.
    let (s, v, _) = call(&app, post(r#"{"events": [{"event": "e30="}]}"#)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["results"][0]["code"], "event.format");
    assert!(v["results"][0]["explanation"].as_str().unwrap().len() > 10);
    let too_many = json!({"events": vec![json!({"event": "e30="}); 1001]}).to_string();
    let (s, _, _) = call(&app, post(&too_many)).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let wrong_type = Request::post("/entries/check")
        .header(header::CONTENT_TYPE, "text/plain")
        .body(HttpBody::from("{}"))
        .unwrap();
    let (s, v, _) = call(&app, wrong_type).await;
    assert_eq!(s, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{v}");
    assert_eq!(d.ledger.size(), size);
    // And the server still serves.
    let (s, _, _) = call(
        &app,
        Request::get("/checkpoint").body(HttpBody::empty()).unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn on_a_protected_ledger_the_dry_run_and_plan_reading_need_the_read_token() {
    // Both answer from the ledger's state (the size, who accepted what and when, which bodies
    // exist), so a writer without the token learns nothing from them.
    let d = Desk::now();
    let token = "a-long-enough-read-token";
    let state = AppState::new(
        Arc::clone(&d.ledger),
        Config {
            read_token: Some(token.into()),
            ..Config::default()
        },
    )
    .unwrap();
    let app = server::router(state);
    let size = d.ledger.size();
    let again = d.f.sign(
        "sbgs",
        Body::CommitmentAccepted(CommitmentRef {
            commitment: c("AP-1"),
        }),
    );
    let check_body = json!({"events": [{"event": BASE64.encode(&again.event)}]}).to_string();
    let ask = |path: &str, body: Vec<u8>, auth: Option<&str>| {
        let mut r = Request::post(path).header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = auth {
            r = r.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        r.body(HttpBody::from(body)).unwrap()
    };
    for auth in [None, Some("a-long-enough-read-tokem")] {
        let (s, v, text) = call(&app, ask("/entries/check", check_body.clone().into(), auth)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{text}");
        assert_eq!(v["code"], "read.unauthorized");
        assert!(
            !text.contains("AP-1") && !text.contains(&size.to_string()),
            "{text}"
        );
        let (s, v, text) = call(&app, ask("/plans/parse", PLAN_CSV.into(), auth)).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{text}");
        assert_eq!(v["code"], "read.unauthorized");
        assert!(!text.contains("customs"), "{text}");
    }
    // With the token both answer as on a public ledger, and nothing was written.
    let (s, v, text) = call(&app, ask("/entries/check", check_body.into(), Some(token))).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["size"], size);
    assert_eq!(v["results"][0]["ok"], false, "{v}");
    let (s, v, text) = call(&app, ask("/plans/parse", PLAN_CSV.into(), Some(token))).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["rows"].as_array().unwrap().len(), 3);
    assert_eq!(d.ledger.size(), size);
    // A submission still needs no token.
    let fresh = d.f.sign(
        "sbgs",
        Body::NoteAdded(NoteAdded {
            commitment: Some(c("AP-1")),
            about: None,
            text: "Примітка".into(),
            evidence: vec![],
        }),
    );
    let (s, _, text) = call(
        &app,
        ask(
            "/entries",
            kordon::server::write::submission_json(&fresh).into_bytes(),
            None,
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{text}");
}

// ---------------------------------------------------------------------------------------------
// Plans.

/// The Cabinet's layout: a title row, the header, three measures.
pub const PLAN_CSV: &str = "\u{feff}План заходів на 2026 рік;;;;;;;;;;\n\
№;Завдання;Найменування заходу;Індикатор виконання;Одиниця виміру;Базове значення;Цільове значення;Відповідальні за виконання;Обсяг фінансування, грн;Джерело фінансування;Строк виконання\n\
1.1;Обмін даними;Спільне використання електронних даних у пунктах пропуску;Пункти пропуску з обміном даними;пунктів;0;74;\"Адміністрація ДПСУ; customs\";1 250 000,50;державний бюджет;31.12.2026\n\
1.2;Аналіз ризиків;Спільна модель аналізу ризиків;Модель затверджена;модель;0;1;customs;;не потребує;IV квартал 2026\n\
1.3;Прикордонні громади;Навчання посадових осіб громад;Навчені посадові особи;осіб;0;120;sbgs;300000;міжнародна технічна допомога;2027-06-30\n";

#[tokio::test]
async fn a_csv_plan_becomes_three_assignments_with_their_problems() {
    let d = Desk::now();
    let h = d.state.projector().read().clone();
    let opts = kordon::plan::Options {
        id_prefix: "AP-2026/".into(),
        act: Some("Розпорядження КМУ № 1409-р".into()),
        currency: None,
    };
    let p = kordon::plan::parse(PLAN_CSV.as_bytes(), &h, &opts);
    assert!(p.problems.is_empty(), "{:?}", p.problems);
    assert_eq!(p.errors(), 0, "{:?}", p.rows);
    assert_eq!(p.rows.len(), 3);
    assert_eq!(p.rows[0].line, 3, "lines are the file's");
    let b0 = p.rows[0].body.as_ref().unwrap();
    assert_eq!(
        serde_json::to_value(b0).unwrap(),
        json!({
            "id": "AP-2026/1.1",
            "lead": "sbgs",
            "title_uk": "Спільне використання електронних даних у пунктах пропуску",
            "description": "Обмін даними",
            "co_executors": ["customs"],
            "deadline": "2026-12-31",
            "indicators": [{"id": "i1", "name_uk": "Пункти пропуску з обміном даними", "unit": "пунктів", "baseline": "0", "target": "74"}],
            "funding": {"amount": "1250000.50", "currency": "UAH", "source": "state_budget"},
            "act": "Розпорядження КМУ № 1409-р",
        })
    );
    let b1 = p.rows[1].body.as_ref().unwrap();
    assert_eq!(b1.deadline.to_string(), "2026-12-31");
    assert_eq!(
        b1.funding.as_ref().unwrap().source,
        FundingSource::NoneNeeded
    );
    let b2 = p.rows[2].body.as_ref().unwrap();
    assert_eq!(b2.lead.as_ref().unwrap().as_str(), "sbgs");
    assert_eq!(
        b2.funding.as_ref().unwrap().source,
        FundingSource::InternationalTechnicalAssistance
    );

    // Every kind of problem a clerk makes.
    let bad = "id,measure,indicator,baseline,target,executors,deadline,source\n\
AP-9,Захід без цілі,Показник,0,,sbgs,2026-13-01,\n\
AP-9,Другий з тим самим номером,Показник,0,5,Невідомий орган,2026-12-01,\n\
AP-1,Номер уже є,,,,monitor,2026-12-01,якийсь фонд\n\
,Без номера,Показник,п'ять,5,,завтра,\n";
    let p = kordon::plan::parse(bad.as_bytes(), &h, &kordon::plan::Options::default());
    let kinds = |i: usize| -> Vec<String> {
        p.rows[i]
            .problems
            .iter()
            .map(|x| {
                serde_json::to_value(x.kind)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(kinds(0), ["bad-date", "missing-target"]);
    assert_eq!(kinds(1), ["duplicate-id", "unknown-body"]);
    assert_eq!(
        kinds(2),
        [
            "id-exists",
            "not-executor",
            "missing-indicator",
            "unknown-source",
            "missing-amount"
        ]
    );
    assert_eq!(
        kinds(3),
        ["missing-id", "missing-executor", "bad-date", "bad-number"]
    );
    assert!(p.rows.iter().all(|r| r.body.is_none()) || p.rows[0].body.is_none());
    assert_eq!(p.errors(), 9);
    assert!(p.rows[1].problems[1].text_uk.contains("Невідомий орган"));
    // Not a table at all, and a table without the layout's header.
    let p = kordon::plan::parse(&[0xff, 0xfe, 0, 0, 1, 2], &h, &Default::default());
    assert_eq!(p.problems[0].kind, kordon::plan::ProblemKind::NotATable);
    let p = kordon::plan::parse(b"a,b,c\n1,2,3\n", &h, &Default::default());
    assert_eq!(p.problems[0].kind, kordon::plan::ProblemKind::NoHeader);
    let p = kordon::plan::parse(
        "№,захід,строк\n1,Захід,2026-12-31\n".as_bytes(),
        &h,
        &Default::default(),
    );
    assert_eq!(p.problems[0].kind, kordon::plan::ProblemKind::MissingColumn);
}

/// A minimal XLSX workbook (Office Open XML): one sheet of inline strings and numbers, with
/// a deadline written as a date serial, as spreadsheets store dates.
pub fn plan_xlsx() -> Vec<u8> {
    use std::io::Write;
    let rows: [[&str; 8]; 3] = [
        [
            "№",
            "Захід",
            "Індикатор",
            "Базове значення",
            "Цільове значення",
            "Виконавці",
            "Строк",
            "Джерело",
        ],
        [
            "2.1",
            "Відеоспостереження на ділянці кордону",
            "Ділянки",
            "0",
            "12",
            "sbgs;customs",
            "#46387",
            "державний бюджет",
        ],
        [
            "2.2",
            "Мобільні групи",
            "Групи",
            "2",
            "6",
            "Державна митна служба",
            "30.06.2026",
            "",
        ],
    ];
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (i, row) in rows.iter().enumerate() {
        sheet.push_str(&format!("<row r=\"{}\">", i + 1));
        for (j, cell) in row.iter().enumerate() {
            let r = format!("{}{}", (b'A' + j as u8) as char, i + 1);
            if let Some(serial) = cell.strip_prefix('#') {
                sheet.push_str(&format!("<c r=\"{r}\" s=\"1\"><v>{serial}</v></c>"));
            } else if !cell.is_empty() && cell.parse::<f64>().is_ok() && i > 0 && j > 2 {
                sheet.push_str(&format!("<c r=\"{r}\"><v>{cell}</v></c>"));
            } else {
                sheet.push_str(&format!(
                    "<c r=\"{r}\" t=\"inlineStr\"><is><t>{cell}</t></is></c>"
                ));
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let files = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#.to_string()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_string()),
        ("xl/workbook.xml", r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="План" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_string()),
        ("xl/_rels/workbook.xml.rels", r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#.to_string()),
        ("xl/styles.xml", r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="0"/><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#.to_string()),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut out);
        let opts: zip::write::SimpleFileOptions = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in files {
            z.start_file(name, opts).unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    out.into_inner()
}

#[tokio::test]
async fn an_xlsx_plan_is_read_like_a_csv_one_through_the_endpoint() {
    let d = Desk::now();
    let app = d.router();
    let size = d.ledger.size();
    let req = Request::post("/plans/parse?prefix=AP-2026/&act=Order%201409-r")
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(HttpBody::from(plan_xlsx()))
        .unwrap();
    let (s, v, text) = call(&app, req).await;
    assert_eq!(s, StatusCode::OK, "{text}");
    assert_eq!(v["errors"], 0, "{v}");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["body"]["id"], "AP-2026/2.1");
    assert_eq!(rows[0]["body"]["deadline"], "2026-12-31", "a date serial");
    assert_eq!(rows[0]["body"]["co_executors"], json!(["customs"]));
    assert_eq!(
        rows[0]["body"]["indicators"][0]["target"], "12",
        "a number cell"
    );
    assert_eq!(rows[0]["body"]["act"], "Order 1409-r");
    assert_eq!(
        rows[1]["body"]["lead"], "customs",
        "a body named by its name"
    );
    assert_eq!(rows[1]["body"]["deadline"], "2026-06-30");
    // A broken workbook is a problem of the file, not an error of the server.
    let mut broken = plan_xlsx();
    broken.truncate(200);
    let req = Request::post("/plans/parse")
        .body(HttpBody::from(broken))
        .unwrap();
    let (s, v, _) = call(&app, req).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["problems"][0]["kind"], "not-a-table", "{v}");
    assert!(v["errors"].as_u64().unwrap() > 0);
    assert_eq!(d.ledger.size(), size, "reading a plan writes nothing");
}

fn kordon_cli(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kordon"))
        .current_dir(dir)
        .env_remove("KORDON_DATA")
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn kordon_plan_import_records_a_plan_in_one_batch_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let ok = |args: &[&str]| {
        let o = kordon_cli(dir, args);
        assert!(
            o.status.success(),
            "{args:?}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    for k in ["registry", "cmu", "sbgs", "customs"] {
        ok(&["key", "new", "--out", &format!("{k}.pem")]);
    }
    ok(&[
        "--data",
        "ledger",
        "init",
        "--origin",
        "kordon.test/plan",
        "--key",
        "registry.pem",
    ]);
    let public = |k: &str| {
        ok(&["key", "show", &format!("{k}.pem"), "--public"])
            .trim()
            .to_string()
    };
    for (id, role, uk) in [
        ("cmu", "coordinator", "Координаційний центр"),
        ("sbgs", "executor", "Адміністрація ДПСУ"),
        ("customs", "executor", "Державна митна служба"),
    ] {
        let pk = public(id);
        ok(&[
            "--data",
            "ledger",
            "body",
            "register",
            "--id",
            id,
            "--name-uk",
            uk,
            "--name-en",
            id,
            "--role",
            role,
            "--public-key",
            &pk,
            "--as",
            "registry",
            "--key",
            "registry.pem",
        ]);
    }
    std::fs::write(dir.join("plan.csv"), PLAN_CSV).unwrap();
    std::fs::write(dir.join("plan.xlsx"), plan_xlsx()).unwrap();
    // A dry run writes nothing.
    let out = ok(&[
        "--data",
        "ledger",
        "plan",
        "import",
        "plan.csv",
        "--prefix",
        "AP-2026/",
        "--dry-run",
        "--as",
        "cmu",
        "--key",
        "cmu.pem",
    ]);
    assert!(out.contains("3 rows would be recorded"), "{out}");
    let log = ok(&["--data", "ledger", "log"]);
    assert!(!log.contains("commitment.assigned"), "{log}");
    // A plan with an error writes nothing and says why (exit 2).
    std::fs::write(
        dir.join("bad.csv"),
        "№,захід,виконавці,строк\n1,Захід,sbgs,2026-12-31\n2,Захід,nobody,2026-12-31\n",
    )
    .unwrap();
    let o = kordon_cli(
        dir,
        &[
            "--data", "ledger", "plan", "import", "bad.csv", "--as", "cmu", "--key", "cmu.pem",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stdout.contains("Body \"nobody\" is not registered"),
        "{stdout}"
    );
    assert!(stderr.contains("nothing was written"), "{stderr}");
    // A plan signed by a body that is not a coordinator: the ledger would refuse every row,
    // so nothing is written.
    let o = kordon_cli(
        dir,
        &[
            "--data", "ledger", "plan", "import", "plan.csv", "--as", "sbgs", "--key", "sbgs.pem",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("role.required"));
    // The plan itself, then the XLSX one.
    let out = ok(&[
        "--data",
        "ledger",
        "plan",
        "import",
        "plan.csv",
        "--prefix",
        "AP-2026/",
        "--act",
        "Розпорядження КМУ № 1409-р",
        "--as",
        "cmu",
        "--key",
        "cmu.pem",
    ]);
    assert_eq!(out.matches("recorded entry").count(), 3, "{out}");
    let out = ok(&[
        "--data",
        "ledger",
        "plan",
        "import",
        "plan.xlsx",
        "--prefix",
        "AP-2026/",
        "--as",
        "cmu",
        "--key",
        "cmu.pem",
    ]);
    assert_eq!(out.matches("recorded entry").count(), 2, "{out}");
    let card = ok(&[
        "--data",
        "ledger",
        "query",
        "card",
        "AP-2026/1.1",
        "--format",
        "json",
    ]);
    assert!(card.contains("1250000.50"), "{card}");
    // Importing the same plan again: every number exists already.
    let o = kordon_cli(
        dir,
        &[
            "--data", "ledger", "plan", "import", "plan.csv", "--prefix", "AP-2026/", "--as",
            "cmu", "--key", "cmu.pem",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).contains("already in the ledger"));
    // Through a server: the plan read by POST /plans/parse, signed here for the ledger pinned
    // first (its key recorded beside the receipts), each receipt checked and kept.
    let srv = crate::server_cli::serve(dir, &["--data", "ledger"]);
    let out = ok(&[
        "plan",
        "import",
        "plan.csv",
        "--prefix",
        "AP-2027/",
        "--server",
        &srv.url,
        "--receipts",
        "remote-receipts",
        "--as",
        "cmu",
        "--key",
        "cmu.pem",
    ]);
    assert_eq!(out.matches("recorded entry").count(), 3, "{out}");
    let pinned = std::fs::read_to_string(dir.join("remote-receipts/ledger.vkey")).unwrap();
    assert_eq!(pinned.trim(), srv.vkey);
    let kept = std::fs::read_dir(dir.join("remote-receipts"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    assert_eq!(kept, 3);
    // A server serving another ledger than the pinned one: nothing is signed or written.
    let o = kordon_cli(
        dir,
        &[
            "plan",
            "import",
            "plan.csv",
            "--prefix",
            "AP-2028/",
            "--server",
            &srv.url,
            "--receipts",
            "remote-receipts",
            "--ledger-key",
            "kordon.test/other+01020304+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
            "--as",
            "cmu",
            "--key",
            "cmu.pem",
        ],
    );
    assert_ne!(o.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("nothing was signed"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (stopped, _) = srv.stop();
    assert!(stopped);
    let log = ok(&["--data", "ledger", "log"]);
    assert!(
        log.contains("AP-2027/1.3") && !log.contains("AP-2028/"),
        "{log}"
    );
    ok(&["--data", "ledger", "export", "--out", "plan.export"]);
    ok(&["verify", "plan.export"]);
}

// ---------------------------------------------------------------------------------------------
// The pages.

async fn page(app: &Router, path: &str) -> (StatusCode, String) {
    let req = Request::get(path)
        .header(header::ACCEPT, "text/html")
        .body(HttpBody::empty())
        .unwrap();
    let (s, _, text) = call(app, req).await;
    (s, text)
}

#[tokio::test]
async fn the_workspace_pages_are_html_without_inline_script() {
    let d = Desk::now();
    let app = d.router();
    let (s, home) = page(&app, "/workspace").await;
    assert_eq!(s, StatusCode::OK);
    for b in ["cmu", "sbgs", "customs", "committee", "monitor", "registry"] {
        assert!(home.contains(&format!("data-body=\"{b}\"")), "{b}");
    }
    let (_, mine) = page(&app, "/workspace?body=sbgs").await;
    // sbgs leads AP-1: its actions are one click away.
    assert!(mine.contains("data-action=\"status.reported\""), "{mine}");
    assert!(mine.contains("/workspace/form?body=sbgs&amp;type=status.reported&amp;commitment=AP-1"));
    // Forms only for what its roles allow: an executor cannot define objectives.
    assert!(mine.contains("data-form=\"commitment.made\""));
    assert!(!mine.contains("data-form=\"objective.defined\""));
    assert!(!mine.contains("data-form=\"ledger.genesis\""));
    let (_, coord) = page(&app, "/workspace?body=cmu").await;
    assert!(coord.contains("data-form=\"objective.defined\""));
    assert!(coord.contains("/workspace/plan?body=cmu"));
    for k in EventKind::ALL.iter().filter(|k| **k != EventKind::Genesis) {
        let (s, html) = page(&app, &format!("/workspace/form?body=cmu&type={}", k.name())).await;
        assert_eq!(s, StatusCode::OK, "{k}");
        assert!(html.contains(&format!("data-type=\"{}\"", k.name())));
        let mut scripts = 0;
        for (i, _) in html.match_indices("<script") {
            let tag = &html[i..i + html[i..].find('>').unwrap()];
            assert!(
                tag.contains(" src=\"/") || tag.contains("type=\"application/json\""),
                "{k}: an inline script: {tag}"
            );
            scripts += 1;
        }
        assert_eq!(
            scripts, 5,
            "verify.js, dashboard.js, workspace.js and two data blocks"
        );
    }
    for path in ["/workspace/keys?body=sbgs", "/workspace/plan?body=cmu"] {
        let (s, _) = page(&app, path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
    }
    let (s, html) = page(&app, "/workspace?body=nobody").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(html.contains("Такого органу немає"), "{html}");
    let (s, _) = page(&app, "/workspace/form?body=sbgs&type=ledger.genesis").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = page(&app, "/workspace/form?body=sbgs&type=zzz").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The QR code of a public key, and its limits.
    let pk = Fixture::public_key_b64("sbgs");
    let req = Request::get(format!(
        "/workspace/qr.svg?text={}",
        kordon::server::dashboard::html::encode(&pk)
    ))
    .body(HttpBody::empty())
    .unwrap();
    let (s, _, svg) = call(&app, req).await;
    assert_eq!(s, StatusCode::OK);
    assert!(svg.contains("<svg") && svg.contains("</svg>"));
    let long = "x".repeat(300);
    let req = Request::get(format!("/workspace/qr.svg?text={long}"))
        .body(HttpBody::empty())
        .unwrap();
    let (s, v, _) = call(&app, req).await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
}
