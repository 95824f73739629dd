//! The README's walkthrough is run as written, so the README cannot drift from the code.

use std::process::Command;

fn walkthrough() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("<!-- walkthrough:start -->")
        .expect("walkthrough start marker");
    let end = readme
        .find("<!-- walkthrough:end -->")
        .expect("walkthrough end marker");
    let block = &readme[start..end];
    let mut script = String::new();
    let mut inside = false;
    for line in block.lines() {
        if line.starts_with("```") {
            inside = !inside;
            continue;
        }
        if inside {
            script.push_str(line);
            script.push('\n');
        }
    }
    assert!(
        script.lines().count() > 20,
        "the walkthrough has its commands"
    );
    script
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_kordon"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &walkthrough()])
        .current_dir(dir.path())
        .env("PATH", path)
        .env_remove("KORDON_DATA")
        .env_remove("KORDON_KEY")
        .env_remove("KORDON_AS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "walkthrough failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    // The refused report names the rule and writes nothing.
    assert!(stderr.contains("rule status.lead-only"), "{stderr}");
    assert!(stdout.contains("exit 2"), "{stdout}");
    // The genuine export verifies; the tampered one names an entry and exits 1.
    assert!(
        stdout.contains("valid: 9 entries of kordon.example/ibm"),
        "{stdout}"
    );
    assert!(stderr.contains("INVALID: entry 8"), "{stderr}");
    assert!(stdout.contains("exit 1"), "{stdout}");
    // The views answer: customs leads after the handover; the card names its checkpoint.
    assert!(stdout.contains("AP-2026/2.1  active  customs"), "{stdout}");
    assert!(
        stdout.contains("overdue  AP-2026/2.1  customs  2026-12-31  15"),
        "{stdout}"
    );
    let card: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("card.json")).unwrap()).unwrap();
    assert_eq!(card["result"]["responsibility"]["lead"], "customs");
    assert!(card["checkpoint"]["root"].as_str().unwrap().len() == 64);
    let csv = std::fs::read_to_string(dir.path().join("briefing.csv")).unwrap();
    assert!(
        csv.starts_with("section,commitment,body,date,detail"),
        "{csv}"
    );
}
