//! The HTTP API: routes without a socket (`oneshot`), and end to end over a real TCP port with a
//! real HTTP client (submit → receipt → read → live feed, resuming with Last-Event-ID, graceful
//! shutdown), every bad input's status and problem type, the tlog-tiles endpoints against an
//! independently computed Merkle tree, and the OpenAPI document against the real routes.

use axum::body::Body as HttpBody;
use axum::http::{header, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use kordon::author::Author;
use kordon::core::entry;
use kordon::core::event::*;
use kordon::core::hash::{leaf_hash, node_hash, Hash};
use kordon::core::merkle;
use kordon::fixture::{b, c, demo_key, Fixture};
use kordon::ledger::{Ledger, Submission};
use kordon::server::client::{Client, ClientError};
use kordon::server::receipt::{self, Receipt};
use kordon::server::write::submission_json;
use kordon::server::{self, AppState, Config};
use kordon::store::memory::MemoryStore;
use kordon::store::redb::RedbStore;
use kordon::store::Store;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::sync::Arc;
use std::time::Duration;
use tower::ServiceExt;

const ORIGIN: &str = "kordon.test/api";

/// A ledger with a coordinator `cmu`, executors `sbgs` and `customs`, an observer `monitor`,
/// and commitment AP-1 led by `sbgs`.
struct World {
    f: Fixture,
    ledger: Arc<Ledger>,
    state: AppState,
}

fn world_on(store: Arc<dyn Store>, config: Config) -> World {
    let mut f = Fixture::new(ORIGIN);
    let ledger = Arc::new(Ledger::open(store, f.ledger_signer.clone(), f.clock.clock()).unwrap());
    let mut subs = vec![f.genesis()];
    subs.push(f.register("cmu", &[Role::Coordinator]));
    subs.push(f.register("sbgs", &[Role::Executor]));
    subs.push(f.register("customs", &[Role::Executor]));
    subs.push(f.register("monitor", &[Role::Observer]));
    subs.push(f.sign(
        "cmu",
        Body::CommitmentAssigned(Fixture::commitment("AP-1", Some("sbgs"), "2026-06-30")),
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
    let state = AppState::new(Arc::clone(&ledger), config).unwrap();
    World { f, ledger, state }
}

fn world() -> World {
    world_on(Arc::new(MemoryStore::new()), Config::default())
}

fn note(text: &str) -> Body {
    Body::NoteAdded(NoteAdded {
        commitment: None,
        about: None,
        text: text.into(),
        evidence: vec![],
    })
}

fn report(status: Status) -> Body {
    Body::StatusReported(StatusReported {
        commitment: c("AP-1"),
        status,
        note: None,
        evidence: vec![],
    })
}

impl World {
    fn router(&self) -> Router {
        server::router(self.state.clone())
    }
    fn vkey(&self) -> String {
        self.ledger.verifier_key()
    }
}

struct Answer {
    status: StatusCode,
    content_type: String,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

async fn call(app: &Router, req: Request<HttpBody>) -> Answer {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let headers = resp.headers().clone();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap()
        .to_vec();
    Answer {
        status,
        content_type,
        headers,
        body,
    }
}

async fn get(app: &Router, path: &str) -> Answer {
    call(app, Request::get(path).body(HttpBody::empty()).unwrap()).await
}

async fn post_raw(app: &Router, body: impl Into<HttpBody>) -> Answer {
    call(
        app,
        Request::post("/entries")
            .header(header::CONTENT_TYPE, "application/json")
            .body(body.into())
            .unwrap(),
    )
    .await
}

async fn post(app: &Router, sub: &Submission) -> Answer {
    post_raw(app, submission_json(sub)).await
}

/// Checks a problem answer: status, media type, stable type and code, and the sentences.
fn assert_problem(a: &Answer, status: u16, code: &str) -> Value {
    let p = a.json();
    assert_eq!(a.status.as_u16(), status, "{p}");
    assert_eq!(a.content_type, "application/problem+json", "{p}");
    assert_eq!(p["type"], format!("urn:kordon:problem:{code}"), "{p}");
    assert_eq!(p["code"], code, "{p}");
    assert_eq!(p["status"], status, "{p}");
    for k in ["title", "detail", "hint"] {
        assert!(p[k].as_str().is_some_and(|s| !s.is_empty()), "{k}: {p}");
    }
    p
}

#[tokio::test]
async fn a_submission_is_answered_with_a_receipt_that_verifies_offline() {
    let w = world();
    let app = w.router();
    let before = w.ledger.size();
    let sub = w.f.sign("sbgs", report(Status::InProgress));
    let a = post(&app, &sub).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    assert_eq!(
        a.headers[header::LOCATION],
        format!("/entries/{before}").as_str()
    );
    let r: Receipt = serde_json::from_slice(&a.body).unwrap();
    assert_eq!(r.seq, before);
    assert_eq!(r.origin, ORIGIN);
    assert_eq!(r.verifier_key, w.vkey());
    // The receipt carries the exact bytes submitted, inside the entry.
    let entry_bytes = BASE64.decode(&r.entry).unwrap();
    assert!(entry_bytes.ends_with(&sub.event));
    assert_eq!(entry::entry_hash(&entry_bytes).to_hex(), r.leaf_hash);
    // Offline, with the pinned key and with the receipt's own.
    let v = receipt::verify(&r, Some(&w.vkey())).unwrap();
    assert_eq!(
        (v.seq, v.kind.as_str(), v.author.as_str()),
        (before, "status.reported", "sbgs")
    );
    assert_eq!(v.checkpoint.size, before + 1);
    receipt::verify(&r, None).unwrap();
    // The tlog-proof is the C2SP text: header, index, hashes, blank line, the checkpoint.
    assert!(r
        .tlog_proof
        .starts_with(&format!("c2sp.org/tlog-proof@v1\nindex {before}\n")));
    let cp = w.ledger.checkpoint().unwrap().unwrap();
    assert!(r.tlog_proof.ends_with(&format!("\n\n{cp}")));

    // Another key, a changed entry or a changed proof fail.
    let other = Fixture::new("kordon.other/api")
        .ledger_signer
        .verifier()
        .to_vkey();
    assert!(receipt::verify(&r, Some(&other)).is_err());
    let mut bad = r.clone();
    let mut e = entry_bytes.clone();
    *e.last_mut().unwrap() ^= 1;
    bad.entry = BASE64.encode(&e);
    assert!(receipt::verify(&bad, None).is_err());
    let mut bad = r.clone();
    bad.leaf_hash = leaf_hash(b"x").to_hex();
    assert!(receipt::verify(&bad, None).is_err());
    let mut bad = r.clone();
    bad.seq += 1;
    assert!(receipt::verify(&bad, None).is_err());
    let lines: Vec<&str> = r.tlog_proof.split('\n').collect();
    let mut tampered = lines.clone();
    let flipped = Hash([7; 32]).to_base64();
    tampered[2] = &flipped;
    let mut bad = r.clone();
    bad.tlog_proof = tampered.join("\n");
    assert!(matches!(
        receipt::verify(&bad, None),
        Err(receipt::ReceiptError::Proof { .. })
    ));

    // The entry is readable by sequence number and by event id, with the exact bytes.
    let e = get(&app, &format!("/entries/{before}")).await;
    assert_eq!(e.status, StatusCode::OK);
    let j = e.json();
    assert_eq!(j["seq"], before);
    assert_eq!(j["leaf_hash"], r.leaf_hash);
    assert_eq!(j["entry"], r.entry);
    assert_eq!(j["event"]["type"], "status.reported");
    assert_eq!(j["signature"], BASE64.encode(sub.signature));
    let id = j["event"]["id"].as_str().unwrap().to_string();
    let by_id = get(&app, &format!("/events/{id}")).await;
    assert_eq!(by_id.body, e.body);
    // A receipt can be fetched again for any entry.
    let again = get(&app, &format!("/entries/{before}/receipt")).await;
    let r2: Receipt = serde_json::from_slice(&again.body).unwrap();
    assert_eq!(receipt::verify(&r2, Some(&w.vkey())).unwrap().seq, before);
}

/// Every bad input: its documented status and problem type, and an unchanged ledger.
#[tokio::test]
async fn each_bad_input_gets_its_problem_and_changes_nothing() {
    let w = world();
    let app = w.router();
    let recorded = w.f.sign("sbgs", report(Status::InProgress));
    assert_eq!(post(&app, &recorded).await.status, StatusCode::CREATED);

    let size = w.ledger.size();
    let checkpoint = w.ledger.checkpoint().unwrap();
    let unchanged = |what: &str| {
        assert_eq!(w.ledger.size(), size, "{what} changed the ledger");
        assert_eq!(w.ledger.checkpoint().unwrap(), checkpoint, "{what}");
    };

    // Malformed JSON, unknown members, bad base64, a short signature.
    for body in [
        "{not json".to_string(),
        "{}".into(),
        r#"{"event":"e30=","signature":"AA==","extra":1}"#.into(),
        r#"{"event":"***","signature":"AA=="}"#.into(),
        format!(
            r#"{{"event":"e30=","signature":"{}"}}"#,
            BASE64.encode([0u8; 63])
        ),
    ] {
        let a = post_raw(&app, body.clone()).await;
        assert_problem(&a, 400, "request.malformed");
        unchanged(&body);
    }
    // Not JSON at all.
    let a = call(
        &app,
        Request::post("/entries")
            .header(header::CONTENT_TYPE, "text/plain")
            .body(HttpBody::from("hello"))
            .unwrap(),
    )
    .await;
    assert_problem(&a, 415, "request.media-type");

    // Non-canonical bytes, correctly signed.
    let mut spaced = w.f.sign("sbgs", report(Status::AtRisk));
    spaced.event.insert(1, b' ');
    spaced.signature = kordon::core::keys::sign_event(&demo_key("sbgs"), &spaced.event);
    assert_problem(&post(&app, &spaced).await, 400, "event.not-canonical");
    unchanged("non-canonical");

    // Not an event.
    let mut junk = w.f.sign("sbgs", report(Status::AtRisk));
    junk.event = b"[1,2,3]".to_vec();
    assert_problem(&post(&app, &junk).await, 400, "event.format");
    unchanged("not an event");

    // A bad signature.
    let mut forged = w.f.sign("sbgs", report(Status::AtRisk));
    forged.signature[7] ^= 0x10;
    let p = assert_problem(&post(&app, &forged).await, 422, "signature.invalid");
    assert!(p["event_id"].is_string());
    unchanged("bad signature");

    // An unknown key.
    let stranger = Author::new(b("sbgs"), demo_key("stranger"));
    let sub = stranger
        .sign(ORIGIN, w.f.clock.now(), &report(Status::AtRisk))
        .unwrap();
    assert_problem(&post(&app, &sub).await, 422, "key.unknown");
    unchanged("unknown key");

    // A rule: only the lead reports status.
    let sub = w.f.sign("customs", report(Status::Implemented));
    let p = assert_problem(&post(&app, &sub).await, 422, "status.lead-only");
    assert!(p["detail"].as_str().unwrap().contains("status.lead-only"));
    unchanged("rule violation");

    // Another ledger's origin.
    let mut other = Fixture::new("kordon.other/api");
    other.add_author("sbgs", "sbgs");
    let sub = other.sign("sbgs", report(Status::AtRisk));
    assert_problem(&post(&app, &sub).await, 422, "ledger.origin");
    unchanged("wrong origin");

    // A replayed event id.
    let p = assert_problem(&post(&app, &recorded).await, 409, "event.replayed");
    assert!(p["hint"].as_str().unwrap().contains("/events/"));
    unchanged("replay");

    // An oversize body, declared and undeclared.
    let big = vec![b'x'; server::MAX_BODY + 1];
    let a = post_raw(&app, big.clone()).await;
    assert_problem(&a, 413, "request.too-large");
    let stream = futures_util::stream::iter(
        big.chunks(4096)
            .map(|c| Ok::<_, std::io::Error>(axum::body::Bytes::copy_from_slice(c)))
            .collect::<Vec<_>>(),
    );
    let a = post_raw(&app, HttpBody::from_stream(stream)).await;
    assert_problem(&a, 413, "request.too-large");
    unchanged("oversize body");

    // An event too long for an entry, in a body under the limit.
    let long = w.f.sign("monitor", note(&"x".repeat(entry::MAX_EVENT_LEN)));
    assert_problem(&post(&app, &long).await, 413, "entry.format");
    unchanged("oversize event");

    // A client's mistake is never a 5xx; the good event still goes in afterwards.
    let ok = w.f.sign("sbgs", report(Status::AtRisk));
    assert_eq!(post(&app, &ok).await.status, StatusCode::CREATED);
    assert_eq!(w.ledger.size(), size + 1);
}

#[tokio::test]
async fn a_batch_judges_each_submission_in_order_and_alone() {
    let w = world();
    let app = w.router();
    let before = w.ledger.size();
    // AP-2 is made and then reported on in the same batch; a bad one in between is refused
    // alone; a malformed item is answered without reaching the ledger.
    let made = w.f.sign(
        "customs",
        Body::CommitmentMade(Fixture::commitment("AP-2", None, "2026-09-30")),
    );
    let mut forged = w.f.sign("sbgs", report(Status::AtRisk));
    forged.signature[0] ^= 1;
    let reported = w.f.sign(
        "customs",
        Body::StatusReported(StatusReported {
            commitment: c("AP-2"),
            status: Status::InProgress,
            note: None,
            evidence: vec![],
        }),
    );
    let mut body: Value = serde_json::from_str(&kordon::server::write::batch_json(&[
        made, forged, reported,
    ]))
    .unwrap();
    body["submissions"]
        .as_array_mut()
        .unwrap()
        .insert(1, serde_json::json!({"event": "***", "signature": "AA=="}));
    let a = call(
        &app,
        Request::post("/entries/batch")
            .header(header::CONTENT_TYPE, "application/json")
            .body(HttpBody::from(body.to_string()))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let results = a.json()["results"].as_array().unwrap().clone();
    let statuses: Vec<u64> = results
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![201, 400, 422, 201]);
    assert_eq!(results[1]["problem"]["code"], "request.malformed");
    assert_eq!(results[2]["problem"]["code"], "signature.invalid");
    assert_eq!(w.ledger.size(), before + 2);
    for (i, seq) in [(0, before), (3, before + 1)] {
        let r: Receipt = serde_json::from_value(results[i]["receipt"].clone()).unwrap();
        assert_eq!(receipt::verify(&r, Some(&w.vkey())).unwrap().seq, seq);
    }
    // Too many submissions, or not a batch.
    let many = serde_json::json!({"submissions": vec![serde_json::json!({"event": "", "signature": ""}); 1001]});
    let a = call(
        &app,
        Request::post("/entries/batch")
            .header(header::CONTENT_TYPE, "application/json")
            .body(HttpBody::from(many.to_string()))
            .unwrap(),
    )
    .await;
    assert_problem(&a, 400, "request.malformed");
    assert_eq!(w.ledger.size(), before + 2);
}

#[tokio::test]
async fn reads_entries_proofs_and_keys() {
    let w = world();
    let app = w.router();
    let n = w.ledger.size();

    let page = get(&app, "/entries?from=2&limit=3").await.json();
    assert_eq!(page["tree_size"], n);
    assert_eq!(page["from"], 2);
    let seqs: Vec<u64> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, vec![2, 3, 4]);
    assert_eq!(page["next"], 5);
    let last = get(&app, &format!("/entries?from={}", n - 1)).await.json();
    assert_eq!(last["entries"].as_array().unwrap().len(), 1);
    assert!(last["next"].is_null());
    let beyond = get(&app, "/entries?from=1000").await.json();
    assert!(beyond["entries"].as_array().unwrap().is_empty());
    assert_problem(
        &get(&app, "/entries?from=-1").await,
        400,
        "request.parameter",
    );
    assert_problem(&get(&app, "/entries/99").await, 404, "not-found.entry");
    assert_problem(&get(&app, "/entries/x").await, 400, "request.parameter");
    assert_problem(&get(&app, "/events/nope").await, 404, "not-found.event");
    assert_problem(&get(&app, "/nothing/here").await, 404, "not-found.route");
    let a = call(
        &app,
        Request::delete("/entries").body(HttpBody::empty()).unwrap(),
    )
    .await;
    assert_problem(&a, 405, "request.method");

    // The verifier key, and the checkpoint it verifies.
    let vkey = get(&app, "/verifier-key").await.text();
    assert_eq!(vkey.trim(), w.vkey());
    let cp_text = get(&app, "/checkpoint").await;
    assert_eq!(cp_text.content_type, "text/plain; charset=utf-8");
    let verifier = kordon::core::note::NoteVerifier::parse(vkey.trim()).unwrap();
    let cp = kordon::core::checkpoint::open(&cp_text.body, &verifier).unwrap();
    assert_eq!(cp.size, n);

    // Inclusion proofs verify against the checkpoint's root.
    for seq in 0..n {
        let p = get(&app, &format!("/proof/inclusion?seq={seq}"))
            .await
            .json();
        assert_eq!(p["tree_size"], n);
        assert_eq!(p["root_hash"], cp.root.to_hex());
        assert_eq!(p["checkpoint"], cp_text.text());
        let proof: Vec<Hash> = p["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| Hash::from_hex(h.as_str().unwrap()).unwrap())
            .collect();
        let leaf = Hash::from_hex(p["leaf_hash"].as_str().unwrap()).unwrap();
        merkle::verify_inclusion(&leaf, seq, n, &proof, &cp.root).unwrap();
    }
    let p = get(&app, "/proof/inclusion?seq=1&size=3").await.json();
    assert!(p["checkpoint"].is_null());
    assert_problem(
        &get(&app, "/proof/inclusion?seq=5&size=3").await,
        400,
        "request.parameter",
    );
    assert_problem(
        &get(&app, "/proof/inclusion?seq=0&size=99").await,
        404,
        "not-found.tree-size",
    );
    assert_problem(
        &get(&app, "/proof/inclusion").await,
        400,
        "request.parameter",
    );

    // Consistency proofs verify between any two sizes.
    for size1 in 1..=n {
        let p = get(&app, &format!("/proof/consistency?size1={size1}"))
            .await
            .json();
        let h = |k: &str| Hash::from_hex(p[k].as_str().unwrap()).unwrap();
        let proof: Vec<Hash> = p["proof"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| Hash::from_hex(h.as_str().unwrap()).unwrap())
            .collect();
        assert_eq!(h("root2"), cp.root);
        merkle::verify_consistency(size1, n, &h("root1"), &h("root2"), &proof).unwrap();
    }
    assert_problem(
        &get(&app, "/proof/consistency?size1=0").await,
        400,
        "request.parameter",
    );
    assert_problem(
        &get(&app, "/proof/consistency?size1=3&size2=2").await,
        400,
        "request.parameter",
    );

    // The index, as JSON and for a browser.
    let idx = get(&app, "/").await.json();
    assert_eq!(idx["origin"], ORIGIN);
    assert_eq!(idx["size"], n);
    let html = call(
        &app,
        Request::get("/")
            .header(header::ACCEPT, "text/html")
            .body(HttpBody::empty())
            .unwrap(),
    )
    .await;
    assert!(html.content_type.starts_with("text/html"));
    assert!(html.text().contains(ORIGIN));
    assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK);
    assert_eq!(get(&app, "/readyz").await.json()["size"], n);
}

#[tokio::test]
async fn the_export_download_verifies_offline() {
    let w = world();
    let app = w.router();
    let a = get(&app, "/export").await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.content_type, "application/octet-stream");
    assert!(a.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains("kordon.test_api.kordon-export"));
    let reader = kordon::export::ExportReader::open(std::io::Cursor::new(a.body)).unwrap();
    let cp = reader.checkpoint.clone();
    let report = kordon::verify::verify(
        &w.vkey(),
        &cp,
        &mut kordon::verify::ExportSource(reader),
        &kordon::verify::Options {
            trusted: None,
            progress: &|_| {},
        },
    );
    assert!(report.valid, "{:?}", report.failure);
    assert_eq!(report.entries_verified, w.ledger.size());
}

#[tokio::test]
async fn a_read_token_protects_every_read_but_not_health_or_submissions() {
    let config = Config {
        read_token: Some("s3cret".into()),
        ..Config::default()
    };
    let w = world_on(Arc::new(MemoryStore::new()), config);
    let app = w.router();
    for path in [
        "/",
        "/entries",
        "/entries/0",
        "/checkpoint",
        "/tile/0/000.p/1",
        "/feed",
        "/export",
        "/openapi.json",
        "/verifier-key",
    ] {
        let a = get(&app, path).await;
        assert_problem(&a, 401, "read.unauthorized");
        assert!(a.headers.contains_key(header::WWW_AUTHENTICATE));
        let wrong = call(
            &app,
            Request::get(path)
                .header(header::AUTHORIZATION, "Bearer s3cres")
                .body(HttpBody::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let ok = call(
        &app,
        Request::get("/entries/0")
            .header(header::AUTHORIZATION, "Bearer s3cret")
            .body(HttpBody::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(get(&app, "/healthz").await.status, StatusCode::OK);
    assert_eq!(get(&app, "/readyz").await.status, StatusCode::OK);
    let sub = w.f.sign("sbgs", report(Status::AtRisk));
    assert_eq!(post(&app, &sub).await.status, StatusCode::CREATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_body_holds_no_slot_and_a_full_server_answers_503_with_retry_after() {
    let config = Config {
        max_pending: 1,
        body_timeout: Duration::from_secs(2),
        ..Config::default()
    };
    let store = crate::common::FaultStore::new(Arc::new(MemoryStore::new()));
    let w = world_on(store.clone(), config);
    let app = w.router();
    // A submission whose body never arrives...
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<axum::body::Bytes, std::io::Error>>(1);
    tx.send(Ok(axum::body::Bytes::from_static(b"{\"event\":")))
        .await
        .unwrap();
    let stream =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|i| (i, rx)) });
    let slow = tokio::spawn({
        let app = app.clone();
        async move { post_raw(&app, HttpBody::from_stream(stream)).await }
    });
    let start = std::time::Instant::now();
    while w.state.bodies_held() == 0 {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the slow body never started"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // ...holds no slot: a real writer is answered meanwhile.
    let sub = w.f.sign("sbgs", report(Status::AtRisk));
    assert_eq!(post(&app, &sub).await.status, StatusCode::CREATED);
    // A submission whose commit is held at the store holds the only slot...
    store.set_gate(false);
    let held = tokio::spawn({
        let app = app.clone();
        let sub = w.f.sign("monitor", note("held"));
        async move { post(&app, &sub).await }
    });
    let waiting = store.clone();
    tokio::task::spawn_blocking(move || waiting.wait_for_waiting(1))
        .await
        .unwrap();
    // ...so the next one is turned away, told when to come back, and nothing is written.
    let size = w.ledger.size();
    let next = w.f.sign("sbgs", report(Status::InProgress));
    let a = post(&app, &next).await;
    assert_problem(&a, 503, "server.busy");
    assert_eq!(a.headers[header::RETRY_AFTER], "1");
    assert_eq!(w.ledger.size(), size);
    store.set_gate(true);
    assert_eq!(held.await.unwrap().status, StatusCode::CREATED);
    // The slow one times out (a client's fault: 408) and gives back what it held.
    let slow = slow.await.unwrap();
    assert_problem(&slow, 408, "request.timeout");
    drop(tx);
    assert_eq!(w.state.bodies_held(), 0);
    assert_eq!(post(&app, &next).await.status, StatusCode::CREATED);
}

// ---------------------------------------------------------------------------------------------
// tlog-tiles, checked against a Merkle tree computed here from the entries.

/// MTH of a list of leaf hashes, straight from RFC 9162.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Hash::sha256(b""),
        1 => leaves[0],
        n => {
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

fn hashes(body: &[u8]) -> Vec<Hash> {
    assert_eq!(body.len() % 32, 0);
    body.chunks(32)
        .map(|c| Hash::from_slice(c).unwrap())
        .collect()
}

#[tokio::test]
async fn tiles_and_entry_bundles_rebuild_the_checkpointed_tree() {
    let w = world();
    let subs: Vec<Submission> = (0..600)
        .map(|i| w.f.sign("monitor", note(&format!("n{i}"))))
        .collect();
    for r in w.ledger.submit_many(subs) {
        r.unwrap();
    }
    let app = w.router();
    let n = w.ledger.size();
    assert!(n > 512 && n < 768, "{n}");
    let cp = get(&app, "/checkpoint").await;
    assert_eq!(cp.headers[header::CACHE_CONTROL], "no-cache");
    let verifier = kordon::core::note::NoteVerifier::parse(&w.vkey()).unwrap();
    let cp = kordon::core::checkpoint::open(&cp.body, &verifier).unwrap();

    // The entries, from the store, and their leaf hashes computed here.
    let snap = w.ledger.store().snapshot().unwrap();
    let entries = snap.entries(0, n).unwrap();
    let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
    assert_eq!(
        mth(&leaves),
        cp.root,
        "the checkpoint's root is the RFC 9162 root"
    );

    // Level 0: two full tiles and a partial one; their hashes are the leaves.
    let full = (n / 256) as usize;
    let partial = n % 256;
    let mut from_tiles = Vec::new();
    for i in 0..full {
        let t = get(&app, &format!("/tile/0/{i:03}")).await;
        assert_eq!(t.status, StatusCode::OK);
        assert_eq!(t.content_type, "application/octet-stream");
        assert!(t.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("immutable"));
        assert_eq!(t.body.len(), 8192);
        from_tiles.extend(hashes(&t.body));
    }
    let t = get(&app, &format!("/tile/0/{full:03}.p/{partial}")).await;
    assert_eq!(t.status, StatusCode::OK);
    from_tiles.extend(hashes(&t.body));
    assert_eq!(from_tiles, leaves);
    assert_eq!(mth(&from_tiles), cp.root);
    // A narrower partial tile is a prefix; the full tile does not exist yet.
    let narrow = get(&app, &format!("/tile/0/{full:03}.p/3")).await;
    assert_eq!(hashes(&narrow.body), leaves[full * 256..full * 256 + 3]);
    assert_problem(
        &get(&app, &format!("/tile/0/{full:03}")).await,
        404,
        "not-found.tile",
    );
    assert_problem(
        &get(&app, &format!("/tile/0/{full:03}.p/{}", partial + 1)).await,
        404,
        "not-found.tile",
    );

    // Level 1: each hash is the MTH of a full level-0 tile.
    let t1 = get(&app, &format!("/tile/1/000.p/{full}")).await;
    let level1 = hashes(&t1.body);
    assert_eq!(level1.len(), full);
    for (i, h) in level1.iter().enumerate() {
        assert_eq!(*h, mth(&leaves[i * 256..(i + 1) * 256]));
    }
    assert_problem(&get(&app, "/tile/1/000").await, 404, "not-found.tile");
    assert_problem(&get(&app, "/tile/2/000.p/1").await, 404, "not-found.tile");

    // Entry bundles: u16-length-prefixed entries that hash to the level-0 tiles.
    let mut bundled = Vec::new();
    for path in (0..full)
        .map(|i| format!("/tile/entries/{i:03}"))
        .chain([format!("/tile/entries/{full:03}.p/{partial}")])
    {
        let b = get(&app, &path).await;
        assert_eq!(b.status, StatusCode::OK, "{path}");
        let mut rest = &b.body[..];
        while !rest.is_empty() {
            let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
            bundled.push(rest[2..2 + len].to_vec());
            rest = &rest[2 + len..];
        }
    }
    assert_eq!(bundled, entries);
    assert_problem(
        &get(&app, &format!("/tile/entries/{full:03}")).await,
        404,
        "not-found.tile",
    );

    // Non-canonical or malformed paths are not tiles.
    for bad in [
        "/tile/0/0",
        "/tile/0/x000/000",
        "/tile/00/000",
        "/tile/0/000.p/0",
        "/tile/entries/000.p/256",
        "/tile/64/000",
    ] {
        assert_problem(&get(&app, bad).await, 404, "not-found.tile");
    }
}

// ---------------------------------------------------------------------------------------------
// The OpenAPI document against the real routes.

/// A concrete URL for a documented path: example values for path and required query params.
fn example_url(path: &str, op: &Value) -> String {
    let mut url = path
        .replace("{seq}", "0")
        .replace("{id}", "ev-0")
        .replace("{level}", "0")
        .replace("{index}", "000.p/1");
    let mut query = Vec::new();
    for p in op["parameters"].as_array().into_iter().flatten() {
        if p["in"] == "query" && p["required"] == true {
            let v = if p["name"] == "size1" { "1" } else { "0" };
            query.push(format!("{}={v}", p["name"].as_str().unwrap()));
        }
    }
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    url
}

#[tokio::test]
async fn the_openapi_document_matches_the_routes() {
    let w = world();
    let app = w.router();
    let served = get(&app, "/openapi.json").await;
    assert_eq!(served.status, StatusCode::OK);
    let doc = served.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let description = doc["info"]["description"].as_str().unwrap();
    for code in [
        "signature.invalid",
        "event.replayed",
        "request.too-large",
        "server.busy",
    ] {
        assert!(
            description.contains(code),
            "the problem codes are documented: {code}"
        );
    }
    let paths = doc["paths"].as_object().unwrap();

    // Every documented operation answers (it may refuse the example, but it is routed).
    let mut documented = std::collections::BTreeSet::new();
    for (path, item) in paths {
        for method in ["get", "post"] {
            let Some(op) = item.get(method) else { continue };
            documented.insert((method.to_uppercase(), path.clone()));
            let url = example_url(path, op);
            let req = Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&url)
                .header(header::CONTENT_TYPE, "application/json")
                .body(HttpBody::from("{}"))
                .unwrap();
            let a = if path == "/feed" {
                // An endless stream: only look at the head.
                let resp = app.clone().oneshot(req).await.unwrap();
                assert_eq!(resp.status(), StatusCode::OK);
                continue;
            } else {
                call(&app, req).await
            };
            assert_ne!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {url}");
            if a.status == StatusCode::NOT_FOUND {
                assert_ne!(
                    a.json()["code"],
                    "not-found.route",
                    "{method} {url} is documented but not routed"
                );
            }
            assert!(!a.status.is_server_error(), "{method} {url}: {}", a.text());
            // Every documented status of this operation is one the document lists.
            let listed: Vec<&String> = op["responses"].as_object().unwrap().keys().collect();
            assert!(
                listed.iter().any(|s| s.as_str() == a.status.as_str()),
                "{method} {url} answered {} which is not documented ({listed:?})",
                a.status
            );
        }
    }

    // Every route is documented, under the same method.
    for route in server::routes().table() {
        for doc_path in &route.documented_as {
            assert!(
                documented.contains(&(route.method.to_string(), doc_path.to_string())),
                "{} {} is routed but not documented as {doc_path}",
                route.method,
                route.path
            );
        }
    }
    let routed: std::collections::BTreeSet<(String, String)> = server::routes()
        .table()
        .iter()
        .flat_map(|r| {
            r.documented_as
                .iter()
                .map(|p| (r.method.to_string(), p.to_string()))
        })
        .collect();
    assert_eq!(routed, documented);
}

// ---------------------------------------------------------------------------------------------
// End to end over TCP.

struct Running {
    base: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    rt: tokio::runtime::Runtime,
}

impl Running {
    fn start(state: AppState) -> Running {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let done = rt.spawn(server::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Running {
            base: format!("http://{addr}"),
            stop: Some(stop),
            done: Some(done),
            rt,
        }
    }

    /// Starts the graceful shutdown and waits for it to complete.
    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(d) = self.done.take() {
            self.rt
                .block_on(async { tokio::time::timeout(Duration::from_secs(20), d).await })
                .expect("the server shut down in time")
                .unwrap()
                .unwrap();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// A Server-Sent Events reader over a real connection.
struct Sse {
    lines: BufReader<ureq::BodyReader<'static>>,
}

impl Sse {
    fn open(base: &str, query: &str, last_event_id: Option<u64>) -> Sse {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(20)))
            .build()
            .into();
        let mut req = agent.get(format!("{base}/feed{query}"));
        if let Some(id) = last_event_id {
            req = req.header("Last-Event-ID", &id.to_string());
        }
        let resp = req.call().unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        Sse {
            lines: BufReader::new(resp.into_body().into_reader()),
        }
    }

    /// The next event: (id, data as JSON). Comments and keep-alives are skipped.
    fn next(&mut self) -> (u64, Value) {
        let (mut id, mut data, mut kind) = (None, None, None::<String>);
        loop {
            let mut line = String::new();
            let n = self.lines.read_line(&mut line).unwrap();
            assert!(n > 0, "the stream ended");
            let line = line.trim_end_matches('\n');
            if line.is_empty() {
                if let (Some(id), Some(data)) = (id, data.take()) {
                    // Unnamed, so that EventSource.onmessage receives it.
                    assert_eq!(kind, None, "events carry no event name");
                    return (id, data);
                }
                continue;
            }
            if let Some(v) = line.strip_prefix("id: ") {
                id = Some(v.parse().unwrap());
            } else if let Some(v) = line.strip_prefix("data: ") {
                data = Some(serde_json::from_str::<Value>(v).unwrap());
            } else if let Some(v) = line.strip_prefix("event: ") {
                kind = Some(v.to_string());
            }
        }
    }
}

#[test]
fn end_to_end_submit_receipt_read_and_feed_exactly_once_across_reconnects() {
    let w = world();
    let mut srv = Running::start(w.state.clone());
    let client = Client::new(&srv.base, None);
    assert_eq!(client.origin().unwrap(), ORIGIN);
    assert_eq!(client.verifier_key().unwrap(), w.vkey());

    // A feed from the start replays what is stored, then follows.
    let mut replay = Sse::open(&srv.base, "?from=0", None);
    let stored = w.ledger.size();
    for want in 0..stored {
        let (id, data) = replay.next();
        assert_eq!(id, want);
        assert_eq!(data["seq"], want);
    }

    // A live subscriber from now on.
    let mut live = Sse::open(&srv.base, "", None);

    // Submit → receipt verifies → entry readable → both subscribers see it exactly once.
    let sub = w.f.sign("sbgs", report(Status::InProgress));
    let r = client.submit(&sub).unwrap();
    let v = receipt::verify(&r, Some(&w.vkey())).unwrap();
    assert_eq!(v.seq, stored);
    let entry: Value =
        serde_json::from_str(&client.get(&format!("/entries/{}", r.seq)).unwrap()).unwrap();
    assert_eq!(entry["leaf_hash"], r.leaf_hash);
    for feed in [&mut replay, &mut live] {
        let (id, data) = feed.next();
        assert_eq!(id, r.seq);
        assert_eq!(data["leaf_hash"], r.leaf_hash);
        assert_eq!(data["entry"], r.entry);
    }

    // Refused submissions over the wire: problem details, nothing written, nothing fed.
    match client.submit(&sub) {
        Err(ClientError::Problem {
            status: 409, code, ..
        }) => assert_eq!(code, "event.replayed"),
        other => panic!("expected a 409 problem, got {other:?}"),
    }

    // Many submissions from several clients while a subscriber reconnects mid-stream: it sees
    // every entry exactly once, in order.
    let first = w.ledger.size();
    let total = 120u64;
    let subs: Vec<Submission> = (0..total)
        .map(|i| w.f.sign("monitor", note(&format!("live {i}"))))
        .collect();
    let mut feed = Sse::open(&srv.base, "", None);
    let writers: Vec<_> = subs
        .chunks(30)
        .map(|chunk| {
            let chunk = chunk.to_vec();
            let base = srv.base.clone();
            std::thread::spawn(move || {
                let c = Client::new(&base, None);
                chunk
                    .iter()
                    .map(|s| c.submit(s).unwrap().seq)
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut seen = Vec::new();
    let mut reconnects = 0;
    while (seen.len() as u64) < total {
        let (id, data) = feed.next();
        assert_eq!(data["seq"], id);
        seen.push(id);
        // Drop the connection every 25 events and resume from the last id seen.
        if seen.len() % 25 == 0 {
            drop(feed);
            feed = Sse::open(&srv.base, "", Some(id));
            reconnects += 1;
        }
    }
    let mut acknowledged: Vec<u64> = writers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    acknowledged.sort();
    let expected: Vec<u64> = (first..first + total).collect();
    assert_eq!(acknowledged, expected);
    assert_eq!(
        seen, expected,
        "no gap, no duplicate across {reconnects} reconnects"
    );
    assert!(reconnects >= 4);
    // Nothing more arrives: the next event is the next entry.
    let extra = client.submit(&w.f.sign("monitor", note("after"))).unwrap();
    assert_eq!(feed.next().0, extra.seq);
    srv.shutdown();
}

#[test]
fn graceful_shutdown_answers_submissions_in_flight_and_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.redb");
    let w = world_on(Arc::new(RedbStore::open(&path).unwrap()), Config::default());
    let mut srv = Running::start(w.state.clone());
    // A live feed must not hold the shutdown up.
    let _feed = Sse::open(&srv.base, "", None);
    let (tx, rx) = std::sync::mpsc::channel::<Receipt>();
    let writers: Vec<_> = (0..16)
        .map(|t| {
            let subs: Vec<Submission> = (0..40)
                .map(|i| w.f.sign("monitor", note(&format!("t{t} n{i}"))))
                .collect();
            let base = srv.base.clone();
            let tx = tx.clone();
            std::thread::spawn(move || {
                let c = Client::new(&base, None);
                for s in &subs {
                    match c.submit(s) {
                        Ok(r) => tx.send(r).unwrap(),
                        // Once the server stops: refused connections or 503s, never a 5xx
                        // for an acknowledged entry.
                        Err(ClientError::Transport { .. }) => return,
                        Err(ClientError::Problem { status: 503, .. }) => return,
                        Err(e) => panic!("{e}"),
                    }
                }
            })
        })
        .collect();
    drop(tx);
    // Let some submissions through, then shut down while others are in flight.
    let mut receipts: Vec<Receipt> = rx.iter().take(100).collect();
    srv.shutdown();
    for h in writers {
        h.join().unwrap();
    }
    receipts.extend(rx.try_iter());
    assert!(receipts.len() >= 100);
    let vkey = w.vkey();
    drop(w);
    drop(srv);
    // Every acknowledged entry is in the store, byte for byte, after reopening it.
    let store = RedbStore::open(&path).unwrap();
    let snap = store.snapshot().unwrap();
    for r in &receipts {
        receipt::verify(r, Some(&vkey)).unwrap();
        let bytes = snap.entries(r.seq, r.seq + 1).unwrap().pop().unwrap();
        assert_eq!(BASE64.encode(&bytes), r.entry);
    }
    let state = kordon::ledger::load_chain(&store).expect("the reopened ledger is valid");
    assert!(state.size() >= receipts.len() as u64);
}

/// A feed asked to start past the end of the ledger (a `Last-Event-ID` of an entry it does not
/// hold, a `from` beyond its next entry) is refused at once with a problem that says how far
/// the ledger goes, instead of waiting silently; the edge cases that are not past the end
/// still stream, and the server serves others afterwards.
#[test]
fn a_feed_past_the_end_is_refused_clearly() {
    let w = world();
    let mut srv = Running::start(w.state.clone());
    let size = w.ledger.size();
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(20)))
        .http_status_as_error(false)
        .build()
        .into();
    for (query, last) in [
        (String::new(), Some(size)),
        (String::new(), Some(size + 1000)),
        (format!("?from={}", size + 1), None),
        // Last-Event-ID wins over from, so a past-the-end id is refused whatever from says.
        ("?from=0".to_string(), Some(u64::MAX)),
    ] {
        let mut req = agent.get(format!("{}/feed{query}", srv.base));
        if let Some(l) = last {
            req = req.header("Last-Event-ID", &l.to_string());
        }
        let mut resp = req.call().unwrap();
        assert_eq!(resp.status(), 404, "{query} {last:?}");
        assert_eq!(
            resp.headers()["content-type"],
            "application/problem+json",
            "{query} {last:?}"
        );
        let p: Value = serde_json::from_str(&resp.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(p["code"], "not-found.entry", "{p}");
        assert_eq!(p["tree_size"], size, "{p}");
        let detail = p["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("it holds {size} entries, 0 to {}", size - 1))
                && detail.contains("another ledger or an older copy"),
            "{detail}"
        );
    }
    // The last entry's id and from = the next entry are not past the end: they wait for it.
    let mut by_id = Sse::open(&srv.base, "", Some(size - 1));
    let mut by_from = Sse::open(&srv.base, &format!("?from={size}"), None);
    let r = Client::new(&srv.base, None)
        .submit(&w.f.sign("monitor", note("after the refusals")))
        .unwrap();
    assert_eq!(r.seq, size);
    assert_eq!(by_id.next().0, size);
    assert_eq!(by_from.next().0, size);
    // Nothing was written by the refusals: the only new entry is the one submitted.
    assert_eq!(w.ledger.size(), size + 1);
    srv.shutdown();
}

/// The media type of a Content-Type header, without its parameters.
fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// `/openapi.json` passes a real OpenAPI 3.1 validator (Python's openapi-spec-validator, which
/// `.ci/run` installs if missing), its operation ids are unique, and every answer the routes give
/// to a set of good, bad and browser requests has a status and a content type the document lists
/// for that operation; every (status, content type) documented for an operation is seen, except
/// the few no single request to a default server can provoke (named below).
#[tokio::test]
async fn the_openapi_document_validates_and_documents_every_answer() {
    let w = world();
    let app = w.router();
    let doc = get(&app, "/openapi.json").await.json();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let python = std::env::var("KORDON_PYTHON").unwrap_or_else(|_| "python3".into());
    let out = std::process::Command::new(&python)
        .args(["-m", "openapi_spec_validator"])
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{python}: {e} (.ci/run installs openapi-spec-validator)"));
    assert!(
        out.status.success(),
        "openapi-spec-validator refuses the document: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let mut ids = std::collections::BTreeMap::new();
    // (method, path) -> status -> documented media types
    let mut documented = std::collections::BTreeMap::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post"] {
            let Some(op) = item.get(method) else { continue };
            let id = op["operationId"].as_str().unwrap().to_string();
            if let Some(other) = ids.insert(id.clone(), format!("{method} {path}")) {
                panic!("operationId {id} is used by {other} and {method} {path}");
            }
            let mut by_status = std::collections::BTreeMap::new();
            for (status, r) in op["responses"].as_object().unwrap() {
                let types: std::collections::BTreeSet<String> = r["content"]
                    .as_object()
                    .map(|c| c.keys().map(|k| essence(k)).collect())
                    .unwrap_or_default();
                assert!(
                    !types.is_empty(),
                    "{method} {path} {status}: no content type"
                );
                by_status.insert(status.clone(), types);
            }
            documented.insert((method.to_string(), path.clone()), by_status);
        }
    }

    // The probes: each GET operation with its example URL, with its parameters spoiled, past
    // the end, as CSV, each as a browser and as an API client; and the submission's refusals.
    let size = w.ledger.size();
    let mut probes: Vec<(String, String, Request<HttpBody>)> = Vec::new();
    let long = format!("/entries?from=0&x={}", "a".repeat(9000));
    for (method, path) in documented.keys() {
        let key = (method.clone(), path.clone());
        if method == "post" || path == "/feed" {
            continue;
        }
        let op = &doc["paths"][path]["get"];
        let good = example_url(path, op);
        let mut urls = vec![good.clone()];
        // Path parameters that are not numbers, and numbers past the end.
        urls.push(
            path.replace("{seq}", "x")
                .replace("{id}", "%20")
                .replace("{level}", "x")
                .replace("{index}", "x")
                .replace("{key_id}", "x")
                .replace("{view}", "x"),
        );
        urls.push(
            path.replace("{seq}", &format!("{}", size + 10))
                .replace("{id}", "no-such-event")
                .replace("{level}", "0")
                .replace("{index}", "999")
                .replace("{key_id}", "0000000000000000")
                .replace("{view}", "overdue"),
        );
        let sep = if good.contains('?') { '&' } else { '?' };
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["in"] == "query" {
                let name = p["name"].as_str().unwrap();
                urls.push(format!("{good}{sep}{name}=x"));
                urls.push(format!("{good}{sep}{name}={}", size + 10));
                if name == "format" {
                    urls.push(format!("{good}{sep}format=csv"));
                }
            }
        }
        // The views by name, with what each needs.
        if path == "/keys/{key_id}" {
            let k = kordon::core::keys::KeyId::of(&demo_key("sbgs").verifying_key().to_bytes());
            urls.push(format!("/keys/{k}"));
        }
        if path == "/dashboard/commitment" {
            urls.push("/dashboard/commitment?id=AP-1".into());
        }
        if path == "/views/{view}" {
            urls.push("/views/card?commitment=AP-1&format=csv".into());
            urls.push("/views/overdue?format=x".into());
            urls.push("/views/card?commitment=NOPE".into());
        }
        urls.push(long.replace("/entries", path.split('{').next().unwrap()));
        for url in urls {
            for accept in ["application/json", "text/html"] {
                let req = Request::get(url.as_str())
                    .header(header::ACCEPT, accept)
                    .body(HttpBody::empty())
                    .unwrap();
                probes.push((key.0.clone(), key.1.clone(), req));
            }
        }
    }
    let sub = w.f.sign("sbgs", report(Status::InProgress));
    let good_body = submission_json(&sub);
    let post = |path: &str, ct: &str, body: Vec<u8>| {
        Request::post(path)
            .header(header::CONTENT_TYPE, ct)
            .body(HttpBody::from(body))
            .unwrap()
    };
    for path in ["/entries", "/entries/batch"] {
        let key = ("post".to_string(), path.to_string());
        let body = if path == "/entries" {
            good_body.clone().into_bytes()
        } else {
            format!("{{\"submissions\": [{good_body}]}}").into_bytes()
        };
        for req in [
            post(path, "application/json", b"{}".to_vec()),
            post(path, "text/plain", body.clone()),
            post(path, "application/json", vec![b' '; (4 << 20) + 1]),
            post(path, "application/json", body.clone()),
            post(path, "application/json", body.clone()),
            post(
                &format!("{path}?x={}", "a".repeat(9000)),
                "application/json",
                body.clone(),
            ),
        ] {
            probes.push((key.0.clone(), key.1.clone(), req));
        }
    }
    let mut bad_sig = submission_json(&w.f.sign("sbgs", note("tampered")));
    let at = bad_sig.find("\"signature\":\"").unwrap() + 13;
    let flip = if &bad_sig[at..at + 1] == "A" {
        "B"
    } else {
        "A"
    };
    bad_sig.replace_range(at..at + 1, flip);
    probes.push((
        "post".into(),
        "/entries".into(),
        post("/entries", "application/json", bad_sig.into_bytes()),
    ));

    let mut seen = std::collections::BTreeSet::new();
    for (method, path, req) in probes {
        let what = format!("{} {}", req.method(), req.uri());
        let a = call(&app, req).await;
        let status = a.status.as_str().to_string();
        let by_status = &documented[&(method.clone(), path.clone())];
        let Some(types) = by_status.get(&status) else {
            panic!(
                "{what} answered {status}, not documented ({:?})",
                by_status.keys()
            );
        };
        let got = essence(&a.content_type);
        assert!(
            types.contains(&got),
            "{what} answered {status} as {got}, documented as {types:?}"
        );
        seen.insert((method, path, status, got));
    }
    // What one request to a default server cannot provoke: a read token, connections all busy,
    // a slow body or answer, a day's quota, a storage failure, an empty ledger, witnesses.
    let unreachable = |path: &str, status: &str| {
        matches!(status, "401" | "408" | "429" | "500" | "503")
            || (path == "/witnesses/policy" && status == "200")
            || (matches!(path, "/checkpoint" | "/export") && status == "404")
    };
    for ((method, path), by_status) in &documented {
        // Submissions other than /entries and /entries/batch are not probed here (their own
        // tests send them); their answers are still documented by their handlers.
        if method == "post" && !matches!(path.as_str(), "/entries" | "/entries/batch") {
            continue;
        }
        if path == "/feed" {
            continue; // An endless stream; its refusals are a_feed_past_the_end_is_refused_clearly.
        }
        for (status, types) in by_status {
            if unreachable(path, status) {
                continue;
            }
            for t in types {
                assert!(
                    seen.contains(&(method.clone(), path.clone(), status.clone(), t.clone())),
                    "{method} {path}: {status} {t} is documented but no probe saw it"
                );
            }
        }
    }
}

/// A bare C2SP tlog-proof, as another transparency log's tooling keeps it, is checked with the
/// entry beside it and the published key; an entry that is not the proven one, another key, or
/// a proof without its entry or key is refused, each with its exit code.
#[test]
fn a_bare_tlog_proof_is_verified_with_its_entry() {
    let w = world();
    let mut srv = Running::start(w.state.clone());
    let client = Client::new(&srv.base, None);
    let r = client
        .submit(&w.f.sign("sbgs", report(Status::InProgress)))
        .unwrap();
    let other = client
        .submit(&w.f.sign("monitor", note("another")))
        .unwrap();
    srv.shutdown();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("p.tlog-proof"), &r.tlog_proof).unwrap();
    std::fs::write(d.join("e.entry"), BASE64.decode(&r.entry).unwrap()).unwrap();
    std::fs::write(d.join("e.b64"), format!("{}\n", r.entry)).unwrap();
    std::fs::write(d.join("other.entry"), BASE64.decode(&other.entry).unwrap()).unwrap();
    let vkey = w.vkey();
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_kordon"))
            .args(args)
            .current_dir(d)
            .output()
            .unwrap();
        let t = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        (o.status.code(), t)
    };
    for entry in ["e.entry", "e.b64"] {
        let (code, t) = run(&[
            "receipt",
            "verify",
            "p.tlog-proof",
            "--entry",
            entry,
            "--key",
            &vkey,
        ]);
        assert_eq!(code, Some(0), "{t}");
        assert!(
            t.contains(&format!("valid: entry {} (event", r.seq)) && t.contains(ORIGIN),
            "{t}"
        );
    }
    // Another entry of the same ledger is not the one the proof is for.
    let (code, t) = run(&[
        "receipt",
        "verify",
        "p.tlog-proof",
        "--entry",
        "other.entry",
        "--key",
        &vkey,
    ]);
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("INVALID"), "{t}");
    // Another ledger's key: the checkpoint does not verify.
    let stranger = Fixture::new("kordon.test/other")
        .ledger_signer
        .verifier()
        .to_string();
    let (code, t) = run(&[
        "receipt",
        "verify",
        "p.tlog-proof",
        "--entry",
        "e.entry",
        "--key",
        &stranger,
    ]);
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("checkpoint does not verify"), "{t}");
    // A bare proof alone, or without a key, says what it needs; --entry with a JSON receipt too.
    let (code, t) = run(&["receipt", "verify", "p.tlog-proof", "--key", &vkey]);
    assert_eq!(code, Some(2), "{t}");
    assert!(t.contains("--entry FILE"), "{t}");
    let (code, t) = run(&["receipt", "verify", "p.tlog-proof", "--entry", "e.entry"]);
    assert_eq!(code, Some(2), "{t}");
    assert!(t.contains("--key VKEY"), "{t}");
    std::fs::write(d.join("r.json"), serde_json::to_string(&r).unwrap()).unwrap();
    let (code, t) = run(&["receipt", "verify", "r.json", "--entry", "e.entry"]);
    assert_eq!(code, Some(2), "{t}");
    assert!(t.contains("not a bare tlog-proof"), "{t}");
    // A proof whose hash was altered no longer leads to the root.
    let mut lines: Vec<String> = r.tlog_proof.lines().map(str::to_string).collect();
    let at = lines.iter().position(|l| l.starts_with("index ")).unwrap() + 1;
    assert!(!lines[at].is_empty(), "the proof has a hash to alter");
    let flip = if lines[at].starts_with('A') { "B" } else { "A" };
    lines[at].replace_range(0..1, flip);
    std::fs::write(d.join("bad.tlog-proof"), lines.join("\n") + "\n").unwrap();
    let (code, t) = run(&[
        "receipt",
        "verify",
        "bad.tlog-proof",
        "--entry",
        "e.entry",
        "--key",
        &vkey,
    ]);
    assert_eq!(code, Some(1), "{t}");
    assert!(t.contains("inclusion proof does not lead"), "{t}");
}

/// CORS: the public read API answers any origin's GET and its preflight; the dashboard's pages,
/// the index and writes carry no CORS header, and a preflight for a POST does not allow it.
#[tokio::test]
async fn cors_opens_the_read_api_and_never_the_writes() {
    let w = world();
    let app = w.router();
    let origin = "https://verifier.example";
    let with_origin = |method: &str, path: &str, extra: &[(&str, &str)]| {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::ORIGIN, origin);
        for (k, v) in extra {
            b = b.header(*k, *v);
        }
        b.body(HttpBody::empty()).unwrap()
    };
    let tile = format!("/tile/0/000.p/{}", w.ledger.size());
    for path in [
        "/checkpoint",
        tile.as_str(),
        "/entries/0",
        "/entries?from=0",
        "/proof/inclusion?seq=0&size=2",
        "/verifier-key",
    ] {
        let a = call(&app, with_origin("GET", path, &[])).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(a.headers["access-control-allow-origin"], "*", "{path}");
        let pre = call(
            &app,
            with_origin("OPTIONS", path, &[("access-control-request-method", "GET")]),
        )
        .await;
        assert!(pre.status.is_success(), "{path}: {}", pre.status);
        assert_eq!(pre.headers["access-control-allow-origin"], "*");
        assert_eq!(pre.headers["access-control-allow-methods"], "GET,HEAD");
    }
    // Writes: no CORS header on the answer, and the preflight allows GET and HEAD only.
    let sub = submission_json(&w.f.sign("monitor", note("from a page elsewhere")));
    let a = call(
        &app,
        Request::post("/entries")
            .header(header::ORIGIN, origin)
            .header(header::CONTENT_TYPE, "application/json")
            .body(HttpBody::from(sub))
            .unwrap(),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    assert!(a.headers.get("access-control-allow-origin").is_none());
    let pre = call(
        &app,
        with_origin(
            "OPTIONS",
            "/entries",
            &[("access-control-request-method", "POST")],
        ),
    )
    .await;
    assert!(!pre.headers["access-control-allow-methods"]
        .to_str()
        .unwrap()
        .contains("POST"));
    let pre = call(
        &app,
        with_origin(
            "OPTIONS",
            "/entries/batch",
            &[("access-control-request-method", "POST")],
        ),
    )
    .await;
    assert!(pre.headers.get("access-control-allow-origin").is_none());
    // Pages and the index are not part of the read API.
    for path in ["/", "/dashboard/commitments", "/views/overdue"] {
        let a = call(&app, with_origin("GET", path, &[])).await;
        assert!(
            a.headers.get("access-control-allow-origin").is_none(),
            "{path}"
        );
    }
}

/// Entry bundles and exports are gzipped for a client that accepts it, and decompress to the
/// exact bytes sent to a client that does not; hash tiles and other answers are not compressed.
#[tokio::test]
async fn entry_bundles_and_exports_are_gzipped_where_accepted() {
    use std::io::Read;
    let w = world();
    for i in 0..40 {
        w.ledger
            .submit(w.f.sign("monitor", note(&format!("note {i} on the crossing points"))))
            .unwrap();
    }
    let app = w.router();
    let size = w.ledger.size();
    let bundle = format!("/tile/entries/000.p/{size}");
    let hashes = format!("/tile/0/000.p/{size}");
    let fetch = |path: String, gzip: bool| {
        let app = app.clone();
        async move {
            let mut b = Request::get(path.as_str());
            if gzip {
                b = b.header(header::ACCEPT_ENCODING, "gzip");
            }
            call(&app, b.body(HttpBody::empty()).unwrap()).await
        }
    };
    for path in [bundle.clone(), "/export".to_string()] {
        let plain = fetch(path.clone(), false).await;
        assert_eq!(plain.status, StatusCode::OK);
        assert!(
            plain.headers.get(header::CONTENT_ENCODING).is_none(),
            "{path}"
        );
        let zipped = fetch(path.clone(), true).await;
        assert_eq!(zipped.status, StatusCode::OK);
        assert_eq!(zipped.headers[header::CONTENT_ENCODING], "gzip", "{path}");
        assert!(zipped
            .headers
            .get_all(header::VARY)
            .iter()
            .any(|v| v.to_str().unwrap().contains("accept-encoding")));
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(zipped.body.as_slice())
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, plain.body, "{path}: the same bytes");
        assert!(
            zipped.body.len() * 2 < plain.body.len(),
            "{path}: {} -> {} bytes",
            plain.body.len(),
            zipped.body.len()
        );
    }
    for path in [
        hashes,
        "/checkpoint".to_string(),
        "/entries?from=0".to_string(),
    ] {
        let a = fetch(path.clone(), true).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(a.headers.get(header::CONTENT_ENCODING).is_none(), "{path}");
    }
}
