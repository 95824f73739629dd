//! What a read trusts: a damaged or edited data directory gives a clear error naming the file
//! and the entry, never a panic and never a wrong answer citing a genuine checkpoint.

use std::path::Path;
use std::process::{Command, Output};

fn kordon(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("KORDON_DATA")
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

/// The demo ledger in `dir/d` (170 entries, no projections snapshot).
fn demo(dir: &Path) {
    let o = kordon(dir, &["demo", "--data", "d"]);
    assert!(o.status.success(), "{}", text(&o));
}

/// The demo ledger in `dir/d` on the store `store`: `redb` (`d/ledger.redb`, what `kordon
/// demo` makes) or `log` (the segment-log store in `d/ledger.log/`, imported from the demo's
/// export, remembered in `d/store.url`).
fn demo_on(dir: &Path, store: &str) {
    if store == "redb" {
        return demo(dir);
    }
    let ok = |args: &[&str]| {
        let o = kordon(dir, args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
    };
    ok(&["demo", "--data", "made"]);
    ok(&["--data", "made", "export", "--out", "demo.export"]);
    std::fs::create_dir(dir.join("d")).unwrap();
    std::fs::copy(dir.join("made/ledger.key"), dir.join("d/ledger.key")).unwrap();
    ok(&[
        "--data",
        "d",
        "import",
        "demo.export",
        "--store",
        "log:d/ledger.log",
    ]);
}

const CARD: [&str; 6] = [
    "--data",
    "d",
    "query",
    "responsibility",
    "AP-2026/1.1",
    "--format=json",
];

#[test]
fn a_changed_snapshot_is_rebuilt_with_a_warning_and_the_answer_stays_right() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    demo(dir);
    let truth = kordon(dir, &CARD);
    assert!(truth.status.success(), "{}", text(&truth));
    // A snapshot of the whole ledger, as `kordon query` writes one.
    let store = kordon::datadir::open_store(&dir.join("d")).unwrap();
    let snaps = kordon::snapshot::DirSnapshots(dir.join("d").join(kordon::datadir::SNAPSHOT_DIR));
    let snap_path = snaps.0.join("projections.snap");
    {
        use kordon::store::Store;
        let p = kordon::projector::Projector::of_store(&store).unwrap();
        let s = store.snapshot().unwrap();
        let at = kordon::projector::at(&*s, s.size()).unwrap();
        kordon::projector::save_snapshot(&snaps, &p.read(), at).unwrap();
    }
    drop(store);
    let good = std::fs::read(&snap_path).unwrap();
    let o = kordon(dir, &CARD);
    assert_eq!(o.stdout, truth.stdout);
    assert!(
        !String::from_utf8_lossy(&o.stderr).contains("warning"),
        "{}",
        text(&o)
    );

    // Re-encode the body: another lead for the commitment (same length, so it still decodes).
    let at = good
        .windows(4)
        .rposition(|w| w == b"sbgs")
        .expect("the snapshot names sbgs");
    let mut bad = good.clone();
    bad[at..at + 4].copy_from_slice(b"cmu_");
    std::fs::write(&snap_path, &bad).unwrap();
    let o = kordon(dir, &CARD);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        o.stdout, truth.stdout,
        "the answer came from the changed snapshot"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("warning") && err.contains("digest"), "{err}");
    assert!(err.contains("projections.snap"), "{err}");
    // It was replaced: the next query is quiet and still right.
    let o = kordon(dir, &CARD);
    assert_eq!(o.stdout, truth.stdout);
    assert!(!String::from_utf8_lossy(&o.stderr).contains("warning"));

    // A snapshot of another fold or table of event types (its schema hash) is not read.
    let mut other = good.clone();
    let schema = b"kordon-snapshot/v3\n".len() + 1;
    other[schema] ^= 1;
    std::fs::write(&snap_path, &other).unwrap();
    let o = kordon(dir, &CARD);
    assert_eq!(o.stdout, truth.stdout);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("another schema"),
        "{}",
        text(&o)
    );
}

/// Changes `from` into `to` (same length) inside `file`; panics if it is not there.
fn edit(file: &Path, from: &[u8], to: &[u8]) {
    let mut bytes = std::fs::read(file).unwrap();
    let at = bytes
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| panic!("{} does not hold {:?}", file.display(), from));
    bytes[at..at + to.len()].copy_from_slice(to);
    std::fs::write(file, bytes).unwrap();
}

#[test]
fn a_changed_byte_in_ledger_redb_fails_reads_naming_the_entry() {
    a_changed_byte_fails_reads_naming_the_entry("redb", "ledger.redb");
}

#[test]
fn a_changed_byte_in_ledger_log_fails_reads_naming_the_entry() {
    a_changed_byte_fails_reads_naming_the_entry("log", "ledger.log/log");
}

fn a_changed_byte_fails_reads_naming_the_entry(store: &str, file: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    demo_on(dir, store);
    edit(
        &dir.join("d").join(file),
        "61 із 74 пунктів пропуску".as_bytes(),
        "71 із 74 пунктів пропуску".as_bytes(),
    );
    for args in [
        &["--data", "d", "query", "overdue", "--as-of", "2026-11-27"][..],
        &["--data", "d", "export", "--out", "e.export"][..],
        &["--data", "d", "log", "--limit", "1000"][..],
        &["--data", "d", "verify"][..],
    ] {
        let o = kordon(dir, args);
        let t = text(&o);
        assert!(!t.contains("panicked"), "{args:?}: {t}");
        assert!(
            matches!(o.status.code(), Some(1) | Some(2)),
            "{args:?} must fail: {t}"
        );
        assert!(t.contains("entry "), "{args:?} names the entry: {t}");
        if args[2] != "verify" {
            assert_eq!(o.status.code(), Some(2), "{args:?}: {t}");
            assert!(t.contains("does not match"), "{args:?}: {t}");
        }
    }
    assert!(
        !dir.join("e.export").exists(),
        "a partial export was left behind"
    );
}

#[test]
fn a_truncated_ledger_redb_gives_every_command_a_clear_error() {
    a_truncated_store_gives_every_command_a_clear_error("redb", "ledger.redb", "ledger.redb");
}

#[test]
fn a_truncated_ledger_log_gives_every_command_a_clear_error() {
    a_truncated_store_gives_every_command_a_clear_error("log", "ledger.log/log", "ledger.log");
}

fn a_truncated_store_gives_every_command_a_clear_error(store: &str, file: &str, named: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    demo_on(dir, store);
    let path = dir.join("d").join(file);
    let whole = std::fs::read(&path).unwrap();
    let n = whole.len();
    // `serve` too: it must refuse to start, not serve a damaged ledger.
    let commands: [&[&str]; 6] = [
        &["log"],
        &["checkpoint"],
        &["query", "overdue"],
        &["export", "--out", "e.export"],
        &["verify"],
        &["serve", "--listen", "127.0.0.1:0", "--max-connections", "1"],
    ];
    for cut in [0, 1, 512, 4096, 8192, n / 4, n / 2, n - 4096, n - 1] {
        for args in commands {
            std::fs::write(&path, &whole[..cut]).unwrap();
            let mut all = vec!["--data", "d"];
            all.extend_from_slice(args);
            let o = kordon(dir, &all);
            let t = text(&o);
            assert!(!t.contains("panicked"), "cut at {cut}, {args:?}: {t}");
            assert_eq!(o.status.code(), Some(2), "cut at {cut}, {args:?}: {t}");
            assert!(t.contains(named), "cut at {cut}, {args:?}: {t}");
            let _ = std::fs::remove_file(dir.join("e.export"));
        }
    }
}

/// The files the segment-log store derives from its log (the tree's hashes, where each entry
/// lies, the id index) are caches: cut short or removed, they are derived again from the log
/// on open, with a warning, and every answer stays what it was.
#[test]
fn damaged_indexes_of_ledger_log_are_derived_again_and_answers_stay_right() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    demo_on(dir, "log");
    let truth = kordon(dir, &CARD);
    assert!(truth.status.success(), "{}", text(&truth));
    let store = dir.join("d/ledger.log");
    for file in ["hashes", "offsets"] {
        let whole = std::fs::read(store.join(file)).unwrap();
        std::fs::write(store.join(file), &whole[..whole.len() / 3]).unwrap();
        let o = kordon(dir, &CARD);
        assert!(o.status.success(), "{file}: {}", text(&o));
        assert_eq!(o.stdout, truth.stdout, "{file} cut short changed an answer");
        let o = kordon(dir, &["--data", "d", "verify"]);
        assert!(o.status.success(), "{file}: {}", text(&o));
    }
    // A changed leaf in `hashes` is not derived again (it is as long as it should be): the
    // entry it names no longer matches, and reads say so instead of serving it.
    let mut hashes = std::fs::read(store.join("hashes")).unwrap();
    hashes[0] ^= 1;
    std::fs::write(store.join("hashes"), &hashes).unwrap();
    let o = kordon(dir, &["--data", "d", "log", "--limit", "1000"]);
    let t = text(&o);
    assert!(!t.contains("panicked"), "{t}");
    assert_eq!(o.status.code(), Some(2), "{t}");
}
