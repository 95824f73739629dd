//! kordon keeps to the letter of events/SPEC.md where a reader of the text could decide the
//! other way (each case also has a golden vector in events/vectors): one spelling of a number
//! in every path, query parameter and argument; no consistency proof from size 0; the export's
//! own key line under `--key`; an uppercase key id; a cut-short export blamed on the entry
//! where it breaks; a trusted checkpoint of size 0; time zone names in the wrong case; the
//! last second of the time grammar; and texts without a visible character. Every refusal
//! says why, writes nothing, and leaves the ledger or server serving.

use crate::common::World;
use axum::body::Body as HttpBody;
use axum::http::{Request, StatusCode};
use kordon::core::checkpoint::Checkpoint;
use kordon::core::event::*;
use kordon::core::hash::Hash;
use kordon::core::keys;
use kordon::core::note::NoteSigner;
use kordon::core::types::{EventId, Millis};
use kordon::fixture::{b, c};
use kordon::server::{self, AppState, Config};
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use tower::ServiceExt;

fn kordon(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("KORDON_DATA")
        .env_remove("KORDON_KEY")
        .env_remove("KORDON_AS")
        // The messages these tests quote are English; `kordon query` speaks the locale's.
        .env("LANG", "en_GB.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs `kordon` and expects exit code `code` and `says` in what it printed.
fn expect(dir: &Path, args: &[&str], code: i32, says: &str) -> Output {
    let o = kordon(dir, args);
    assert_eq!(o.status.code(), Some(code), "{args:?}: {}", text(&o));
    assert!(
        text(&o).contains(says),
        "{args:?} does not say {says:?}: {}",
        text(&o)
    );
    o
}

/// The JSON report of `kordon verify --json`.
fn report(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(o)))
}

/// The demo ledger in `dir/demo`, its export `dir/a.export` and its verifier key.
fn demo(dir: &Path) -> String {
    expect(dir, &["demo", "--dir", "demo"], 0, "verified");
    expect(
        dir,
        &["--data", "demo", "export", "--out", "a.export"],
        0,
        "exported",
    );
    let cp = kordon(dir, &["--data", "demo", "checkpoint"]);
    String::from_utf8_lossy(&cp.stderr)
        .lines()
        .find_map(|l| l.strip_prefix("verifier key: "))
        .unwrap()
        .to_string()
}

#[test]
fn the_cli_takes_one_spelling_of_a_number_and_no_proof_from_size_0() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo(d);
    let data = ["--data", "demo"];
    let run = |args: &[&str], code, says| expect(d, &[&data[..], args].concat(), code, says);
    // The empty tree is a prefix of every tree: a proof from it proves nothing.
    run(
        &["proof", "consistency", "0", "0"],
        2,
        "size1 must be between 1",
    );
    run(&["proof", "consistency", "0"], 2, "size1 must be between 1");
    run(
        &["proof", "consistency", "5", "3"],
        2,
        "size1 must be between 1",
    );
    run(
        &["proof", "consistency", "1", "1"],
        0,
        "is a prefix of size 1",
    );
    for bad in ["+1", "01", " 1", "1.0", "0x1"] {
        run(&["proof", "inclusion", bad], 2, "plain digits");
        run(&["log", "--from", bad], 2, "plain digits");
    }
    run(&["proof", "inclusion", "1"], 0, "entry 1 in tree");
    run(
        &["proof", "inclusion", "1", "--size", "02"],
        2,
        "plain digits",
    );
    run(
        &["query", "responsibility", "AP-2026/2.1", "--as-of", "007"],
        2,
        "without leading zeros",
    );
    run(
        &["query", "responsibility", "AP-2026/2.1", "--as-of", "7"],
        0,
        "as of entry 7",
    );
}

#[test]
fn verify_with_a_key_ignores_the_exports_key_line_and_refuses_an_uppercase_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let vkey = demo(d);
    let export = std::fs::read(d.join("a.export")).unwrap();
    // The key line is the export's second line.
    let line = export.iter().position(|b| *b == b'\n').unwrap() + 1;
    assert_eq!(&export[line..line + vkey.len()], vkey.as_bytes());
    let garbage = [
        &export[..line],
        b"not a key at all",
        &export[line + vkey.len()..],
    ]
    .concat();
    std::fs::write(d.join("garbage.export"), garbage).unwrap();

    // With --key the export's own key line is only a claim: ignored, and said so.
    let o = expect(
        d,
        &["verify", "garbage.export", "--key", &vkey],
        0,
        "the export names another verifier key (\"not a key at all\"); it was ignored",
    );
    assert!(text(&o).contains("valid: 170 entries"), "{}", text(&o));
    // Without --key the line is the verifier key, and it is malformed.
    let o = expect(d, &["verify", "garbage.export", "--json"], 1, "key.invalid");
    assert_eq!(report(&o)["failure"]["seq"], Value::Null);

    // Hex is lowercase: the same key with an uppercase key id is no verifier key.
    let (name, rest) = vkey.split_once('+').unwrap();
    let (id, key) = rest.split_once('+').unwrap();
    let upper = format!("{name}+{}+{key}", id.to_uppercase());
    assert_ne!(upper, vkey);
    let o = expect(
        d,
        &["verify", "a.export", "--key", &upper, "--json"],
        1,
        "lowercase",
    );
    assert_eq!(report(&o)["failure"]["code"], "key.invalid");
    // The same export verifies with the key as published.
    expect(d, &["verify", "a.export", "--key", &vkey], 0, "valid");
}

#[test]
fn a_cut_short_export_is_blamed_on_the_entry_where_it_breaks() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    demo(d);
    let export = std::fs::read(d.join("a.export")).unwrap();
    // Cut inside the last entry (170 entries: seq 0-169).
    std::fs::write(d.join("cut.export"), &export[..export.len() - 10]).unwrap();
    let o = expect(d, &["verify", "cut.export", "--json"], 1, "export.format");
    let r = report(&o);
    assert_eq!(r["failure"]["seq"], 169, "{r}");
    // Every entry before the break was judged first.
    assert_eq!(r["entries_verified"], 169, "{r}");
    let msg = r["failure"]["message"].as_str().unwrap();
    assert!(
        msg.starts_with("entry 169: the export is cut short"),
        "{msg}"
    );
    assert!(msg.contains("the file ends after"), "{msg}");
    // One lone byte after the whole ledger: the stream breaks at entry 170.
    let mut longer = export.clone();
    longer.push(0x01);
    std::fs::write(d.join("long.export"), &longer).unwrap();
    let o = expect(
        d,
        &["verify", "long.export", "--json"],
        1,
        "two-byte length",
    );
    assert_eq!(report(&o)["failure"]["seq"], 170);
    assert_eq!(report(&o)["failure"]["code"], "export.format");
    // The human form names the entry too.
    expect(d, &["verify", "cut.export"], 1, "entry: 169");
}

#[test]
fn a_trusted_checkpoint_of_size_0_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let vkey = demo(d);
    // The empty tree's checkpoint, signed by the demo ledger's own key.
    let pem = std::fs::read_to_string(d.join("demo/ledger.key")).unwrap();
    let origin = vkey.split('+').next().unwrap();
    let signer = NoteSigner::new(origin, keys::parse_private_key_pem(&pem).unwrap()).unwrap();
    let empty = Checkpoint {
        origin: origin.into(),
        size: 0,
        root: Hash::sha256(b""),
        extensions: Vec::new(),
    }
    .sign(&signer)
    .unwrap();
    std::fs::write(d.join("empty.cp"), empty).unwrap();
    let o = expect(
        d,
        &["verify", "a.export", "--trusted", "empty.cp", "--json"],
        1,
        "proves nothing",
    );
    assert_eq!(report(&o)["failure"]["code"], "ledger.empty");
}

#[test]
fn init_refuses_a_time_zone_name_in_the_wrong_case_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    expect(d, &["key", "new", "--out", "registry.pem"], 0, "");
    let init = |zone: &str, data: &str| {
        kordon(
            d,
            &[
                "--data",
                data,
                "init",
                "--origin",
                "kordon.example/tz",
                "--key",
                "registry.pem",
                "--time-zone",
                zone,
            ],
        )
    };
    for (zone, hint) in [
        ("europe/kyiv", "write Europe/Kyiv"),
        ("EUROPE/KYIV", "write Europe/Kyiv"),
        ("utc", "write UTC"),
        ("Etc/Unknown", "2026f"),
    ] {
        let o = init(zone, "refused");
        assert_eq!(o.status.code(), Some(2), "{zone}: {}", text(&o));
        assert!(text(&o).contains("genesis.time-zone"), "{}", text(&o));
        assert!(text(&o).contains(hint), "{zone}: {}", text(&o));
        for f in ["ledger.redb", "ledger.key"] {
            assert!(!d.join("refused").join(f).exists(), "{zone} left {f}");
        }
    }
    // A Link name is valid: the database keeps it so that old names stay meaningful.
    let o = init("Europe/Kiev", "kiev");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    expect(d, &["--data", "kiev", "verify"], 0, "valid: 1 entries");
}

#[test]
fn times_up_to_the_grammars_last_second_are_judged_by_the_policy() {
    let w = World::new();
    let at = Millis::parse_rfc3339("9999-12-31T23:59:59Z").unwrap();
    let note = |t: &str| {
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: t.into(),
            evidence: vec![],
        })
    };
    let sub =
        w.f.author("monitor")
            .sign_with_id(
                &w.f.origin,
                EventId::parse("far-future").unwrap(),
                at,
                &note("from the far future"),
            )
            .unwrap();
    let msg = w.refused(sub, "time.in-future");
    assert!(msg.contains("9999-12-31T23:59:59Z"), "{msg}");
    w.ok(w.sign("monitor", note("still recording")));
}

#[test]
fn texts_without_a_visible_character_are_refused_and_change_nothing() {
    let w = World::new();
    w.active_commitment("AP-1", "sbgs");
    let note = |t: &str| {
        Body::NoteAdded(NoteAdded {
            commitment: Some(c("AP-1")),
            about: None,
            text: t.into(),
            evidence: vec![],
        })
    };
    for blank in [
        "",
        " \t\n",
        "\u{200b}",
        "\u{2060}",
        "\u{0}",
        "\u{1c}",
        "\u{feff}\u{200d}",
        "\u{3000}\u{a0}",
        "\u{2800}",
    ] {
        let msg = w.refused(w.sign("monitor", note(blank)), "text.required");
        assert!(msg.contains("text must"), "{msg}");
    }
    // Every required text, not only notes: a handover's reason, a body's name.
    w.refused(
        w.sign(
            "sbgs",
            Body::HandoverProposed(Transfer {
                commitment: c("AP-1"),
                to: b("customs"),
                reason: "\u{200b}\u{200b}".into(),
            }),
        ),
        "text.required",
    );
    let reg = w.sign(
        "registry",
        Body::BodyRegistered(BodyRegistered {
            id: b("ghost"),
            name_uk: "\u{2060}".into(),
            name_en: "Ghost".into(),
            kind: "agency".into(),
            roles: vec![Role::Observer],
            public_keys: Vec::new(),
        }),
    );
    let msg = w.refused(reg, "text.required");
    assert!(
        msg.contains("name_uk must hold a visible character"),
        "{msg}"
    );
    // One visible character among invisible ones is enough; so is a lone combining mark.
    w.ok(w.sign("monitor", note("\u{200b}✓\u{2060}")));
    w.ok(w.sign("monitor", note("\u{301}")));
}

async fn status_of(
    app: &axum::Router,
    path: &str,
    last_event_id: Option<&str>,
) -> (StatusCode, Value) {
    let mut req = Request::get(path);
    if let Some(id) = last_event_id {
        req = req.header("last-event-id", id);
    }
    let resp = app
        .clone()
        .oneshot(req.body(HttpBody::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
    (status, json)
}

#[tokio::test]
async fn paths_and_queries_take_one_spelling_of_a_sequence_number() {
    let w = World::new();
    let ledger = Arc::new(w.ledger);
    let state = AppState::new(Arc::clone(&ledger), Config::default()).unwrap();
    let app = server::router(state);
    for (path, last) in [
        ("/entries/+1", None),
        ("/entries/01", None),
        ("/entries/%2B1", None),
        ("/entries/1.0", None),
        ("/entries/-0", None),
        ("/entries/+1/receipt", None),
        ("/entries/00/receipt", None),
        ("/entries?from=+1", None),
        ("/entries?from=1&limit=010", None),
        ("/entries?from=", None),
        ("/proof/inclusion?seq=+1", None),
        ("/proof/inclusion?seq=1&size=05", None),
        ("/proof/consistency?size1=01&size2=5", None),
        ("/proof/consistency?size1=1&size2=+5", None),
        ("/proof/consistency?size1=0&size2=5", None),
        ("/feed?from=+0", None),
        ("/feed", Some("+3")),
        ("/feed", Some("03")),
        ("/views/responsibility?as_of=007", None),
    ] {
        let (status, p) = status_of(&app, path, last).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path} {last:?}: {p}");
        assert_eq!(p["code"], "request.parameter", "{path}: {p}");
    }
    // The one spelling works, and the server still answers after every refusal.
    let (status, e) = status_of(&app, "/entries/1", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(e["seq"], 1);
    let (status, e) = status_of(&app, "/entries/0/receipt", None).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let (status, page) = status_of(&app, "/entries?from=1&limit=2", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["entries"].as_array().unwrap().len(), 2);
    let (status, p) = status_of(&app, "/proof/consistency?size1=1&size2=5", None).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    let (status, _) = status_of(&app, "/views/responsibility?as_of=6", None).await;
    assert_eq!(status, StatusCode::OK);
}
