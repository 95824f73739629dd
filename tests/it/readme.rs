//! The README's walkthroughs are run as written, so the README cannot drift from the code.

use std::process::Command;

fn walkthrough() -> String {
    marked_block("walkthrough")
}

/// The shell commands between `<!-- NAME:start -->` and `<!-- NAME:end -->` in README.md.
fn marked_block(name: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find(&format!("<!-- {name}:start -->"))
        .expect("start marker");
    let end = readme
        .find(&format!("<!-- {name}:end -->"))
        .expect("end marker");
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
        // The walkthroughs' tables in English, whatever this machine's locale (one command
        // asks for Ukrainian with --lang).
        .env("LANG", "en_GB.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
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

/// Whether some line of `out`, split on whitespace, starts with `cells`.
fn has_row(out: &str, cells: &[&str]) -> bool {
    out.lines().any(|l| {
        let words: Vec<&str> = l.split_whitespace().collect();
        words.len() >= cells.len() && words[..cells.len()] == *cells
    })
}

#[test]
fn the_readme_example_walkthrough_runs_as_written() {
    let dir = tempfile::tempdir().unwrap();
    // As in a clone of the repository: the committed example is at events/examples/.
    std::os::unix::fs::symlink(
        concat!(env!("CARGO_MANIFEST_DIR"), "/events"),
        dir.path().join("events"),
    )
    .unwrap();
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
        .args(["-euo", "pipefail", "-c", &marked_block("example")])
        .current_dir(dir.path())
        .env("PATH", path)
        // The walkthroughs' tables in English, whatever this machine's locale (one command
        // asks for Ukrainian with --lang).
        .env("LANG", "en_GB.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("KORDON_DATA")
        .env_remove("KORDON_KEY")
        .env_remove("KORDON_AS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "example walkthrough failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    // The figures the README gives: 170 entries, verified.
    assert!(
        stdout.contains("built the demo ledger in kordon-demo (170 entries"),
        "{stdout}"
    );
    assert!(stdout.contains("verified: every entry"), "{stdout}");
    // SBGS led the item in March; customs leads it after the handover.
    assert!(
        has_row(&stdout, &["AP-2026/2.1", "active", "sbgs"]),
        "{stdout}"
    );
    assert!(
        has_row(&stdout, &["AP-2026/2.1", "active", "customs"]),
        "{stdout}"
    );
    // Overdue on 27 November: three items, a late inquiry, an assignment never accepted.
    for row in [
        &["overdue", "AP-2026/3.2", "mia", "2026-09-30", "58"][..],
        &["overdue", "AP-2026/4.2", "food-safety", "2026-10-01", "57"],
        &["overdue", "AP-2026/1.3", "sbgs", "2026-10-31", "27"],
        &["inquiry_late", "Q-2026-04", "sbgs", "2026-11-20", "7"],
        &["not_accepted", "AP-2026/2.5", "restoration"],
    ] {
        assert!(has_row(&stdout, row), "{row:?}\n{stdout}");
    }
    // The same in Ukrainian, the headings and the reasons too.
    for row in [
        &[
            "прострочено",
            "AP-2026/3.2",
            "mia",
            "2026-09-30",
            "58",
            "виконано",
        ][..],
        &[
            "запит",
            "прострочено",
            "Q-2026-04",
            "sbgs",
            "2026-11-20",
            "7",
        ],
        &["не", "прийнято", "AP-2026/2.5", "restoration"],
        &["вид", "пункт", "орган", "строк", "днів", "подробиці"],
    ] {
        assert!(has_row(&stdout, row), "{row:?}\n{stdout}");
    }
    assert!(
        stdout.contains("overdue станом на запис 170 (27 листопада 2026"),
        "{stdout}"
    );
    // Between the hearings: a handover, a supersession, the committee's verdicts.
    assert!(stdout.contains("customs accepts the handover"), "{stdout}");
    assert!(stdout.contains("superseded by AP-2026/2.4"), "{stdout}");
    assert!(stdout.contains("assessed not confirmed"), "{stdout}");
    // The week-37 briefing as CSV.
    let csv = std::fs::read_to_string(dir.path().join("briefing-2026-W37.csv")).unwrap();
    assert!(
        csv.starts_with("section,commitment,body,date,detail\n"),
        "{csv}"
    );
    assert!(
        csv.contains("deadline,AP-2026/1.1,iwg,2026-09-09,"),
        "{csv}"
    );
    // Export, verify, and the committed example.
    assert!(
        stdout.contains("valid: 170 entries of kordon.demo/ibm"),
        "{stdout}"
    );
    assert!(
        stdout.contains("same bytes as the committed example"),
        "{stdout}"
    );
    // One changed byte: verify names the entry and the reason, and exits 1.
    assert!(
        stderr.contains("INVALID: entry 122 (event ex-0123): signature does not verify"),
        "{stderr}"
    );
    assert!(stderr.contains("code: signature.invalid"), "{stderr}");
    assert!(stdout.contains("exit 1"), "{stdout}");
}
