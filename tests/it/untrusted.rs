//! Untrusted text and peers at the edges: a server that names another ledger gets no
//! signature; ledger text reaches no terminal as escape sequences, no spreadsheet as a
//! formula, no page as a reordering; files named by flags are capped or streamed; hyper's own
//! refusals and over-long URLs; `nosniff` on every answer.

use crate::hostile::{get, ledger_with_notes, Served};
use kordon::core::checkpoint::Checkpoint;
use kordon::core::hash::Hash;
use kordon::core::note::NoteSigner;
use kordon::fixture::demo_key;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn kordon(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("KORDON_DATA")
        .env_remove("KORDON_LEDGER_KEY")
        .env_remove("KORDON_SERVER")
        .env_remove("KORDON_READ_TOKEN")
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

fn ok(dir: &Path, args: &[&str]) -> String {
    let o = kordon(dir, args);
    assert!(o.status.success(), "kordon {args:?}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A fake kordon server: answers `/verifier-key` and `/checkpoint` as given, counts the
/// submissions it receives (and refuses them).
struct Fake {
    url: String,
    posts: Arc<AtomicUsize>,
}

fn fake(vkey: String, checkpoint: String) -> Fake {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let posts = Arc::new(AtomicUsize::new(0));
    let p = Arc::clone(&posts);
    std::thread::spawn(move || {
        for s in listener.incoming().take(64) {
            let Ok(mut s) = s else { continue };
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            let body = if line.starts_with("POST") {
                p.fetch_add(1, Ordering::SeqCst);
                String::new()
            } else if line.contains("/verifier-key") {
                format!("{vkey}\n")
            } else {
                checkpoint.clone()
            };
            let status = if body.is_empty() { "500 No" } else { "200 OK" };
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    Fake { url, posts }
}

#[test]
fn the_cli_signs_only_for_the_pinned_ledger() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["key", "new", "--out", "registry.pem"]);
    let init = ok(
        dir,
        &[
            "--data",
            "l",
            "init",
            "--origin",
            "kordon.example/real",
            "--key",
            "registry.pem",
        ],
    );
    let real_vkey = init.lines().last().unwrap().trim().to_string();
    // A server that signs checkpoints for another ledger with its own key.
    let other = NoteSigner::new("other.example/ledger", demo_key("fake")).unwrap();
    let cp = Checkpoint {
        origin: "other.example/ledger".into(),
        size: 3,
        root: Hash::sha256(b"x"),
        extensions: vec![],
    }
    .sign(&other)
    .unwrap();
    let note = |server: &str, pin: Option<&str>| {
        let mut args = vec![
            "note",
            "add",
            "--text",
            "hello",
            "--as",
            "registry",
            "--key",
            "registry.pem",
            "--server",
            server,
        ];
        if let Some(k) = pin {
            args.extend(["--ledger-key", k]);
        }
        kordon(dir, &args)
    };

    // 1. Pinned with --ledger-key: a server with another key is refused before signing.
    let f = fake(other.verifier().to_vkey(), cp.clone());
    let o = note(&f.url, Some(&real_vkey));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("nothing was signed"), "{}", text(&o));
    assert_eq!(f.posts.load(Ordering::SeqCst), 0, "something was submitted");

    // 2. A server that claims the real key but shows another ledger's checkpoint.
    let f = fake(real_vkey.clone(), cp.clone());
    let o = note(&f.url, Some(&real_vkey));
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("not signed by the ledger key"),
        "{}",
        text(&o)
    );
    assert_eq!(f.posts.load(Ordering::SeqCst), 0);

    // 3. Without --ledger-key, the first use of the real server pins it ...
    let mut srv = Served::start(dir, &["--data", "l"]);
    let real = format!("http://{}", srv.addr);
    let o = note(&real, None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("first use of ledger kordon.example/real"),
        "{}",
        text(&o)
    );
    let record = std::fs::read_to_string(dir.join("receipts/ledger.vkey")).unwrap();
    assert_eq!(record.trim(), real_vkey);
    let o = note(&real, None);
    assert!(o.status.success(), "{}", text(&o));
    assert!(!text(&o).contains("first use"), "{}", text(&o));
    assert!(srv.alive());
    // ... and a server for another ledger is refused from then on.
    let f = fake(other.verifier().to_vkey(), cp);
    let o = note(&f.url, None);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("receipts/ledger.vkey"), "{}", text(&o));
    assert_eq!(f.posts.load(Ordering::SeqCst), 0);
}

#[test]
fn ledger_text_reaches_no_terminal_spreadsheet_or_page_unescaped() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["demo", "--dir", "d"]);
    let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{202e}evil\u{9b}31m";
    ok(
        dir,
        &[
            "--data",
            "d",
            "note",
            "add",
            "--text",
            hostile,
            "--commitment",
            "AP-2026/2.1",
            "--as",
            "monitor",
            "--key",
            "d/keys/monitor.pem",
        ],
    );
    for args in [
        &["--data", "d", "log", "--from", "170"][..],
        &["--data", "d", "query", "card", "AP-2026/2.1"][..],
    ] {
        let out = ok(dir, args);
        for c in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}'] {
            assert!(!out.contains(c), "{args:?} printed {c:?}: {out:?}");
        }
        if args.contains(&"card") {
            assert!(out.contains("\\u{1b}"), "{args:?} shows the escape: {out}");
        }
    }

    // CSV: formula cells are neutralised, also after spaces and in full width.
    for (cell, safe) in [
        ("=1+1", "'=1+1"),
        ("  =HYPERLINK(\"x\")", "'  =HYPERLINK(\"x\")"),
        ("\u{3000}+A1", "'\u{3000}+A1"),
        ("＝SUM(A1)", "'＝SUM(A1)"),
        ("＠x", "'＠x"),
        ("－1", "'－1"),
        ("-3", "-3"),
        ("+1.5", "+1.5"),
        ("plain", "plain"),
    ] {
        assert_eq!(kordon::query::csv_safe(cell), safe, "{cell:?}");
    }
    let o = kordon(
        dir,
        &[
            "--data",
            "d",
            "commitment",
            "assign",
            "--id",
            "AP-9/1",
            "--lead",
            "sbgs",
            "--title-uk",
            " =cmd|' /C calc'!A0",
            "--deadline",
            "2027-12-31",
            "--as",
            "cmu",
            "--key",
            "d/keys/cmu.pem",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    // The dashboard isolates bidirectional overrides.
    let e = kordon::server::dashboard::html::E("a\u{202e}b<").to_string();
    assert_eq!(e, "\u{2068}a\u{202e}b&lt;\u{2069}");
    assert_eq!(
        kordon::server::dashboard::html::E("plain").to_string(),
        "plain"
    );
    let mut srv = Served::start(dir, &["--data", "d"]);
    let (status, page) = get(
        &srv.addr,
        "/dashboard/changes?since=170",
        &[("Accept", "text/html")],
    );
    assert_eq!(status, 200);
    let at = page.find("evil").expect("the page shows the note");
    let before = &page[..at];
    assert!(
        before.rfind('\u{2068}') > before.rfind('\u{2069}'),
        "the override is not isolated"
    );
    assert!(page[at..].contains('\u{2069}'), "the isolate is not closed");
    // The commitments table's CSV download carries the title neutralised.
    let (status, csv) = get(&srv.addr, "/dashboard/commitments?format=csv", &[]);
    assert_eq!(status, 200, "{csv}");
    assert!(csv.contains("' =cmd"), "{csv}");
    assert!(!csv.contains(", =cmd") && !csv.contains("\" =cmd"), "{csv}");
    assert!(srv.alive());
}

#[test]
fn files_named_by_flags_are_capped_or_streamed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["demo", "--dir", "d"]);
    // /dev/zero never ends: each flag stops at its cap with a clear error.
    for args in [
        &[
            "--data",
            "d",
            "record",
            "--type",
            "note.added",
            "--body",
            "@/dev/zero",
            "--as",
            "monitor",
            "--key",
            "d/keys/monitor.pem",
        ][..],
        &["receipt", "verify", "/dev/zero"][..],
        &["--data", "d", "verify", "--trusted", "/dev/zero"][..],
        &[
            "--data",
            "d",
            "note",
            "add",
            "--text",
            "x",
            "--as",
            "monitor",
            "--key",
            "/dev/zero",
        ][..],
    ] {
        let o = kordon(dir, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("larger than"), "{args:?}: {}", text(&o));
    }
    // Evidence is hashed as a stream: a 24 MB document, the right SHA-256.
    let doc = dir.join("report.bin");
    let mut f = std::fs::File::create(&doc).unwrap();
    let block: Vec<u8> = (0..1 << 20).map(|i| (i % 251) as u8).collect();
    for _ in 0..24 {
        f.write_all(&block).unwrap();
    }
    drop(f);
    let mut all = Vec::new();
    std::fs::File::open(&doc)
        .unwrap()
        .read_to_end(&mut all)
        .unwrap();
    let want = Hash::sha256(&all).to_hex();
    let out = ok(
        dir,
        &[
            "--data",
            "d",
            "note",
            "add",
            "--text",
            "report",
            "--evidence",
            "file:report.bin=https://example.org/r",
            "--as",
            "monitor",
            "--key",
            "d/keys/monitor.pem",
        ],
    );
    assert!(out.contains("recorded entry"), "{out}");
    let log = ok(dir, &["--data", "d", "log", "--from", "170", "--json"]);
    assert!(log.contains(&want), "{log}");
}

#[test]
fn hyper_refusals_long_urls_and_nosniff() {
    let tmp = tempfile::tempdir().unwrap();
    ledger_with_notes(tmp.path(), 3, 10);
    let mut srv = Served::start(tmp.path(), &["--data", "."]);
    let raw = |req: &[u8]| -> String {
        let mut s = std::net::TcpStream::connect(&srv.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(req).unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    };
    // A 60 KB URL: 414 as problem+json. (Past 64 KiB hyper answers a bare 414 itself.)
    let long = format!(
        "GET /entries?x={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(60_000)
    );
    let a = raw(long.as_bytes());
    assert!(a.starts_with("HTTP/1.1 414"), "{}", &a[..a.len().min(300)]);
    assert!(a.contains("application/problem+json"), "{a}");
    assert!(a.contains("request.uri-too-long"), "{a}");
    assert!(
        a.to_lowercase().contains("x-content-type-options: nosniff"),
        "{a}"
    );
    let huge = format!(
        "GET /entries?x={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "a".repeat(100_000)
    );
    assert!(raw(huge.as_bytes()).starts_with("HTTP/1.1 414"));
    // Two Content-Lengths and a NUL in a header: hyper refuses them itself, before any
    // handler (a bare 400, then it closes the connection).
    let a = raw(
        b"POST /entries HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
    );
    assert!(a.starts_with("HTTP/1.1 400"), "{a}");
    let a = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n");
    assert!(a.starts_with("HTTP/1.1 400"), "{a}");
    // nosniff on every kind of answer.
    for path in [
        "/healthz",
        "/entries?limit=1",
        "/tile/entries/000.p/3",
        "/nope",
        "/checkpoint",
    ] {
        let a =
            raw(format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes());
        assert!(
            a.to_lowercase().contains("x-content-type-options: nosniff"),
            "{path}: {a}"
        );
    }
    assert!(srv.alive());
    assert_eq!(get(&srv.addr, "/healthz", &[]).0, 200);
}
