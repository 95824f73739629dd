//! The `kordon` binary: exit codes, errors that say what to do, and the demo.

use std::path::Path;
use std::process::{Command, Output};

fn kordon(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("KORDON_DATA")
        .env_remove("KORDON_KEY")
        .env_remove("KORDON_AS")
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

#[test]
fn demo_builds_verifies_and_reuses_its_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let o = kordon(dir.path(), &["demo", "--dir", "d"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("verified: every entry"), "{}", text(&o));
    let o2 = kordon(dir.path(), &["demo", "--dir", "d"]);
    assert!(o2.status.success());
    assert!(
        !text(&o2).contains("built the demo"),
        "the second run reuses the ledger"
    );
    // The demo's keys work with the ordinary commands.
    let o = kordon(
        dir.path(),
        &[
            "--data",
            "d",
            "note",
            "add",
            "--text",
            "hello",
            "--as",
            "monitor",
            "--key",
            "d/keys/monitor.pem",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = kordon(dir.path(), &["--data", "d", "verify", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report["valid"], true);
}

#[test]
fn usage_and_input_errors_exit_2_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Unknown command.
    assert_eq!(kordon(d, &["frobnicate"]).status.code(), Some(2));
    // No ledger yet.
    let o = kordon(d, &["log"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("kordon init"),
        "says what to do: {}",
        text(&o)
    );
    // A key file that is not a key.
    std::fs::write(d.join("bad.pem"), "nonsense").unwrap();
    let o = kordon(d, &["init", "--origin", "x.example/l", "--key", "bad.pem"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("PKCS#8"), "{}", text(&o));
    assert!(
        !d.join("kordon-data/ledger.log").exists() && !d.join("kordon-data/ledger.redb").exists(),
        "nothing was created"
    );
    // A proper init, then a bad origin on a second init is refused without touching the first.
    assert!(kordon(d, &["key", "new", "--out", "r.pem"])
        .status
        .success());
    let o = kordon(
        d,
        &[
            "init",
            "--origin",
            "bad origin",
            "--key",
            "r.pem",
            "--data",
            "other",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        kordon(d, &["init", "--origin", "x.example/l", "--key", "r.pem"])
            .status
            .success()
    );
    let o = kordon(d, &["init", "--origin", "x.example/l", "--key", "r.pem"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("already holds a ledger"), "{}", text(&o));
    // An unknown event type through `record`.
    let o = kordon(
        d,
        &[
            "record", "--type", "x.y", "--body", "{}", "--as", "registry", "--key", "r.pem",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("unknown event type"), "{}", text(&o));
    // A body the rules refuse: nothing is written.
    let o = kordon(
        d,
        &[
            "record",
            "--type",
            "objective.defined",
            "--body",
            r#"{"id":"SO-1","title_uk":"x"}"#,
            "--as",
            "registry",
            "--key",
            "r.pem",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("rule role.required") && text(&o).contains("nothing was written"),
        "{}",
        text(&o)
    );
    let log = kordon(d, &["log"]);
    assert_eq!(
        String::from_utf8_lossy(&log.stdout).lines().count(),
        1,
        "only the genesis"
    );
    // key new refuses to overwrite.
    let o = kordon(d, &["key", "new", "--out", "r.pem"]);
    assert_eq!(o.status.code(), Some(2));
    // Verify of a missing export.
    assert_eq!(kordon(d, &["verify", "nope.export"]).status.code(), Some(2));
}

#[test]
fn verify_pins_the_published_key_and_takes_a_trusted_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(kordon(d, &["demo", "--dir", "demo"]).status.success());
    assert!(
        kordon(d, &["--data", "demo", "export", "--out", "a.export"])
            .status
            .success()
    );
    let cp = kordon(d, &["--data", "demo", "checkpoint"]);
    std::fs::write(d.join("trusted.cp"), &cp.stdout).unwrap();
    let vkey = String::from_utf8_lossy(&cp.stderr)
        .trim()
        .strip_prefix("verifier key: ")
        .unwrap()
        .to_string();
    let o = kordon(
        d,
        &[
            "verify",
            "a.export",
            "--key",
            &vkey,
            "--trusted",
            "trusted.cp",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("consistent with the trusted checkpoint"));
    // Another key: the checkpoint does not verify.
    let other = "kordon.demo/ibm+00000000+AWeGviVRrwsmMU8eTsNts0+7BR0pRWKNfXSDNxbsR5Y3";
    let o = kordon(d, &["verify", "a.export", "--key", other, "--json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}
