//! The command line the README and ARCHITECTURE name: `scenario --check` on the committed
//! example, and a small synthetic ledger that `kordon::verify` accepts.

use std::path::Path;
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn example_gen(args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_example-gen"))
        .args(args)
        .current_dir(repo())
        .output()
        .unwrap();
    (
        o.status.code(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[test]
fn the_committed_example_export_is_what_its_scenario_builds() {
    let (code, out) = example_gen(&[
        "scenario",
        "events/examples/ibm-2026.toml",
        "--check",
        "events/examples/ibm-2026.export",
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("matches events/examples/ibm-2026.toml, byte for byte"),
        "{out}"
    );
    assert!(
        out.contains("verifier key (demo) kordon.demo/ibm+"),
        "{out}"
    );
}

#[test]
fn a_check_against_other_bytes_fails_and_says_how_to_regenerate() {
    let other =
        std::env::temp_dir().join(format!("example-gen-other-{}.export", std::process::id()));
    std::fs::write(&other, b"not the example").unwrap();
    let (code, out) = example_gen(&[
        "scenario",
        "events/examples/ibm-2026.toml",
        "--check",
        other.to_str().unwrap(),
    ]);
    std::fs::remove_file(&other).unwrap();
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("regenerate it with"), "{out}");
}

#[test]
fn a_small_synthetic_ledger_is_written_and_verifies() {
    let path = std::env::temp_dir().join(format!("example-gen-syn-{}.export", std::process::id()));
    let (code, out) = example_gen(&[
        "synthetic",
        "--entries",
        "3000",
        "--commitments",
        "150",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("3000 entries (150 commitments"), "{out}");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let header = kordon::export::ExportReader::open(&bytes[..]).unwrap();
    let report = kordon::verify::verify(
        &header.vkey,
        &header.checkpoint,
        &mut kordon::verify::ExportSource(kordon::export::ExportReader::open(&bytes[..]).unwrap()),
        &kordon::verify::Options {
            trusted: None,
            progress: &|_| {},
        },
    );
    assert!(report.valid, "{:?}", report.failure);
    assert_eq!(report.entries_verified, 3000);
}
