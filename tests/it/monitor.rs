//! `kordon monitor`: a body finds an entry signed with its key that its receipts do not hold,
//! hears of its key changes, and catches a ledger that rewrote its history, with evidence.

use crate::common::World;
use kordon::core::event::{Body, KeyAdded, KeyRevoked, NoteAdded};
use kordon::core::keys::KeyId;
use kordon::core::witness::{Evidence, LogKey};
use kordon::fixture::{b, Fixture};
use kordon::monitor::{self, Finding, State};
use kordon::server::client::Client;
use kordon::server::receipt;
use std::process::Command;
use std::sync::Arc;

fn serve(rt: &tokio::runtime::Runtime, w: &World) -> String {
    let st =
        kordon::server::AppState::new(Arc::clone(&w.ledger), kordon::server::Config::default())
            .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    rt.spawn(kordon::server::serve(listener, st, std::future::pending()));
    url
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn note(text: &str) -> Body {
    Body::NoteAdded(NoteAdded {
        commitment: None,
        about: None,
        text: text.into(),
        evidence: vec![],
    })
}

/// Records `body` as `author` and keeps its receipt in `dir`, as `--server` does.
fn recorded(w: &World, author: &str, body: Body, dir: &std::path::Path) -> u64 {
    let r = w.ok(w.sign(author, body));
    let snap = kordon::store::Store::snapshot(&w.store).unwrap();
    let rec = receipt::build(&*snap, r.seq, &r.checkpoint, &w.ledger.verifier_key()).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join(format!("{}.json", r.seq)),
        serde_json::to_string(&rec).unwrap(),
    )
    .unwrap();
    r.seq
}

#[test]
fn the_monitor_finds_an_entry_signed_with_the_bodys_key_that_its_receipts_do_not_hold() {
    let w = World::new();
    let tmp = tempfile::tempdir().unwrap();
    let receipts = tmp.path().join("receipts");
    // The monitor NGO records two notes through its own client: it holds their receipts.
    let mine1 = recorded(&w, "monitor", note("our report"), &receipts);
    let mine2 = recorded(&w, "monitor", note("our second report"), &receipts);
    // Someone else holding the NGO's key records a note in its name.
    let stolen = w
        .ok(w.sign("monitor", note("a statement we never made")))
        .seq;
    // The registrar adds a second key to the NGO, and later the NGO revokes it.
    w.ok(w.sign(
        "registry",
        Body::KeyAdded(KeyAdded {
            body: b("monitor"),
            public_key: Fixture::public_key_b64("monitor-2"),
        }),
    ));
    let second = KeyId::of(
        &kordon::fixture::demo_key("monitor-2")
            .verifying_key()
            .to_bytes(),
    );
    let revoked_by = recorded(
        &w,
        "monitor",
        Body::KeyRevoked(KeyRevoked {
            body: b("monitor"),
            key: second.clone(),
            reason: "not ours".into(),
        }),
        &receipts,
    );
    // Another body's entries are none of the NGO's business.
    w.ok(w.sign("sbgs", note("sbgs reports")));

    let rt = rt();
    let url = serve(&rt, &w);
    let client = Client::new(&url, None);
    let mut state = State::new(&w.ledger.verifier_key(), "monitor").unwrap();
    let leaves = monitor::receipt_leaves(&receipts).unwrap();
    assert_eq!(leaves.len(), 3);
    let step = monitor::follow(&client, &mut state, &leaves, &tmp.path().join("ev")).unwrap();
    assert_eq!(state.size, w.ledger.size());
    let unexpected: Vec<u64> = step
        .findings
        .iter()
        .filter_map(|f| match f {
            Finding::UnexpectedEntry { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect();
    assert_eq!(unexpected, [stolen], "{:?}", step.findings);
    assert!(!unexpected.contains(&mine1) && !unexpected.contains(&mine2));
    assert!(step.findings.iter().any(
        |f| matches!(f, Finding::KeyAdded { key, by, .. } if *key == second.to_string() && by == "registry")
    ));
    assert!(step.findings.iter().any(
        |f| matches!(f, Finding::KeyRevoked { seq, key, .. } if *seq == revoked_by && *key == second.to_string())
    ));
    // The same findings from the library function the dashboard uses, over the store.
    let snap = kordon::store::Store::snapshot(&w.store).unwrap();
    let all = monitor::findings_for_body(&*snap, "monitor", &leaves).unwrap();
    assert_eq!(all, step.findings);

    // The command line: exit 1 with the finding as JSON, then (state kept) exit 0.
    let state_file = tmp.path().join("monitor.json");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_kordon"))
            .args(["monitor", "--server", &url, "--body", "monitor", "--json"])
            .args(["--key", &w.ledger.verifier_key()])
            .args(["--receipts", receipts.to_str().unwrap()])
            .args(["--state", state_file.to_str().unwrap()])
            .env_remove("KORDON_READ_TOKEN")
            .output()
            .unwrap()
    };
    let o = run();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.lines()
            .any(|l| l.contains("\"finding\":\"unexpected-entry\"")
                && l.contains(&format!("\"seq\":{stolen}"))),
        "{out}"
    );
    let o = run();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    // A new entry made with a receipt is fine; one without is found.
    recorded(&w, "monitor", note("ours again"), &receipts);
    assert_eq!(run().status.code(), Some(0));
    w.ok(w.sign("monitor", note("not ours again")));
    assert_eq!(run().status.code(), Some(1));
}

#[test]
fn the_monitor_catches_a_rewritten_history_with_evidence_anyone_can_check() {
    let honest = World::new();
    let forked = World::new();
    honest.ok(honest.sign("sbgs", note("the truth")));
    let rt = rt();
    let url = serve(&rt, &honest);
    let tmp = tempfile::tempdir().unwrap();
    let mut state = State::new(&honest.ledger.verifier_key(), "customs").unwrap();
    let none = Default::default();
    monitor::follow(&Client::new(&url, None), &mut state, &none, tmp.path()).unwrap();
    let verified = state.size;
    // The operator rewrites the last entry and goes on: a larger checkpoint, same key.
    forked.ok(forked.sign("sbgs", note("a different truth")));
    forked.ok(forked.sign("sbgs", note("more")));
    forked.ok(forked.sign("sbgs", note("and more")));
    let furl = serve(&rt, &forked);
    let step = monitor::follow(&Client::new(&furl, None), &mut state, &none, tmp.path()).unwrap();
    assert_eq!(
        state.size, verified,
        "an inconsistent checkpoint is not adopted"
    );
    let Some(Finding::Inconsistent {
        evidence: Some(path),
        detail,
    }) = step.findings.first()
    else {
        panic!("{:?}", step.findings)
    };
    assert!(detail.contains("rewrote"), "{detail}");
    let ev: Evidence = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let fork = ev
        .verify(Some(&[
            LogKey::parse(&honest.ledger.verifier_key()).unwrap()
        ]))
        .unwrap();
    assert_eq!(fork.sizes, [verified, forked.ledger.size()]);
    let o = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(["verify", "--evidence", path])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The honest ledger, growing, is still followed without complaint.
    honest.ok(honest.sign("sbgs", note("next")));
    let step = monitor::follow(&Client::new(&url, None), &mut state, &none, tmp.path()).unwrap();
    assert!(
        step.findings.iter().all(|f| !f.alarming()),
        "{:?}",
        step.findings
    );
    assert_eq!(state.size, honest.ledger.size());
}
