//! The oversight views over HTTP: same answers as `kordon query`, JSON and CSV, as-of, and a
//! problem for each malformed question.

use axum::body::Body as HttpBody;
use axum::http::{header, Request, StatusCode};
use kordon::core::event::*;
use kordon::core::types::EventId;
use kordon::fixture::{b, c, Fixture};
use kordon::ledger::Ledger;
use kordon::server::{self, AppState, Config};
use kordon::store::memory::MemoryStore;
use kordon::store::Store;
use serde_json::Value;
use std::sync::Arc;
use tower::ServiceExt;

struct World {
    f: Fixture,
    ledger: Arc<Ledger>,
    app: axum::Router,
    proposal_size: u64,
}

fn world() -> World {
    let mut f = Fixture::new("kordon.test/views");
    let store: Arc<dyn Store> = Arc::new(MemoryStore::new());
    let ledger = Arc::new(Ledger::open(store, f.ledger_signer.clone(), f.clock.clock()).unwrap());
    let state = AppState::new(ledger.clone(), Config::default()).unwrap();
    let app = server::router(state);
    let mut subs = vec![f.genesis()];
    subs.push(f.register("cmu", &[Role::Coordinator]));
    subs.push(f.register("sbgs", &[Role::Executor]));
    subs.push(f.register("customs", &[Role::Executor]));
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
    let proposal = EventId::parse("ev-6").unwrap();
    subs.push(f.sign(
        "sbgs",
        Body::HandoverProposed(Transfer {
            commitment: c("AP-1"),
            to: b("customs"),
            reason: "customs runs it".into(),
        }),
    ));
    for r in ledger.submit_many(subs) {
        r.unwrap();
    }
    let proposal_size = ledger.size();
    f.clock.advance(24 * 3600 * 1000);
    ledger
        .submit(f.sign(
            "customs",
            Body::HandoverAccepted(HandoverAnswer {
                commitment: c("AP-1"),
                proposal,
                reason: None,
            }),
        ))
        .unwrap();
    World {
        f,
        ledger,
        app,
        proposal_size,
    }
}

async fn get(app: &axum::Router, path: &str) -> (StatusCode, String, Vec<u8>) {
    let resp = app
        .clone()
        .oneshot(Request::get(path).body(HttpBody::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 24)
        .await
        .unwrap()
        .to_vec();
    (status, ct, body)
}

fn json(b: &[u8]) -> Value {
    serde_json::from_slice(b).unwrap()
}

#[tokio::test]
async fn responsibility_now_and_as_of_names_its_checkpoint() {
    let w = world();
    let (st, ct, body) = get(&w.app, "/views/responsibility?commitment=AP-1").await;
    assert_eq!(st, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(ct, "application/json");
    let a = json(&body);
    assert_eq!(a["view"], "responsibility");
    assert_eq!(a["result"]["items"][0]["lead"], "customs");
    let size = w.ledger.size();
    assert_eq!(a["checkpoint"]["size"], size);
    assert_eq!(
        a["checkpoint"]["root"],
        w.ledger.root_at(size).unwrap().to_hex()
    );
    // As of the proposal: sbgs led, the handover was pending.
    let (st, _, body) = get(
        &w.app,
        &format!(
            "/views/responsibility?commitment=AP-1&as_of={}",
            w.proposal_size
        ),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let a = json(&body);
    assert_eq!(a["result"]["items"][0]["lead"], "sbgs");
    assert_eq!(a["result"]["items"][0]["pending_handover"]["to"], "customs");
    assert_eq!(a["checkpoint"]["size"], w.proposal_size);
    assert_eq!(
        a["checkpoint"]["root"],
        w.ledger.root_at(w.proposal_size).unwrap().to_hex()
    );
}

#[tokio::test]
async fn http_and_library_answers_agree() {
    let w = world();
    let (_, _, body) = get(&w.app, "/views/card?commitment=AP-1&as_of=5").await;
    let h = kordon::projector::Projector::of_store(w.ledger.store()).unwrap();
    let snap = w.ledger.store().snapshot().unwrap();
    let req = kordon::query::Request {
        commitment: Some("AP-1".into()),
        as_of: Some("5".into()),
        ..Default::default()
    };
    let lib = kordon::query::answer(
        &h.read(),
        &*snap,
        kordon::query::View::Card,
        &req,
        w.f.clock.now(),
    )
    .unwrap();
    assert_eq!(json(&body), serde_json::to_value(&lib).unwrap());
}

#[tokio::test]
async fn views_download_as_csv() {
    let w = world();
    let (st, ct, body) = get(&w.app, "/views/overdue?format=csv&today=2026-07-10").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ct, "text/csv; charset=utf-8");
    let text = String::from_utf8(body).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("kind,item,body,due,days,detail"));
    assert_eq!(
        lines.next(),
        Some("overdue,AP-1,customs,2026-06-30,10,no report")
    );
}

#[tokio::test]
async fn malformed_questions_get_problems() {
    let w = world();
    for (path, status, code) in [
        ("/views/nonsense", 404, "not-found.view"),
        ("/views/card", 400, "request.parameter"),
        ("/views/card?commitment=AP-9", 404, "not-found.view"),
        ("/views/overdue?as_of=yesterday", 400, "request.parameter"),
        ("/views/overdue?as_of=999", 400, "request.parameter"),
        ("/views/overdue?format=xml", 400, "request.parameter"),
        ("/views/changes", 400, "request.parameter"),
        ("/views/briefing?week=2026-W99", 400, "request.parameter"),
        ("/views/scorecard?body=nobody", 404, "not-found.view"),
    ] {
        let (st, ct, body) = get(&w.app, path).await;
        assert_eq!(
            st.as_u16(),
            status,
            "{path}: {}",
            String::from_utf8_lossy(&body)
        );
        assert_eq!(ct, "application/problem+json", "{path}");
        assert_eq!(json(&body)["code"], code, "{path}");
    }
}
