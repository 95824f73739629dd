//! `kordon serve`, `--server` on the recording commands and `kordon receipt verify`, as a
//! person runs them: real processes, a real port, a signal to stop.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

fn kordon(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("KORDON_DATA")
        .env_remove("KORDON_KEY")
        .env_remove("KORDON_AS")
        .env_remove("KORDON_SERVER")
        .env_remove("KORDON_READ_TOKEN")
        .env_remove("KORDON_LEDGER_KEY")
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

/// A `kordon serve` child process (also used by the workspace's `kordon plan import --server`).
pub struct Server {
    child: Child,
    pub url: String,
    pub vkey: String,
    out: BufReader<std::process::ChildStdout>,
}

/// Starts `kordon serve` on a free port and reads where it listens and its verifier key.
pub fn serve(dir: &Path, args: &[&str]) -> Server {
    serve_with(dir, args, &[])
}

/// `serve` with options of `kordon serve` itself.
fn serve_with(dir: &Path, args: &[&str], serve_args: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(args)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(serve_args)
        .current_dir(dir)
        .env_remove("KORDON_DATA")
        .env_remove("KORDON_READ_TOKEN")
        .env("KORDON_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let (mut url, mut vkey) = (None, None);
    while url.is_none() || vkey.is_none() {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "serve ended early");
        if let Some(rest) = line.strip_prefix("serving ledger ") {
            let u = rest.split(" on ").nth(1).unwrap().trim();
            url = Some(u.trim_end_matches('/').to_string());
        }
        if let Some(k) = line.strip_prefix("verifier key: ") {
            vkey = Some(k.trim().to_string());
        }
    }
    Server {
        child,
        url: url.unwrap(),
        vkey: vkey.unwrap(),
        out,
    }
}

impl Server {
    /// SIGTERM, then the exit status and the rest of standard output.
    pub fn stop(mut self) -> (bool, String) {
        // SAFETY: sending a signal to our own child process.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let status = self.child.wait().unwrap();
        let mut rest = String::new();
        let _ = std::io::Read::read_to_string(&mut self.out, &mut rest);
        (status.success(), rest)
    }
}

#[test]
fn record_through_a_server_and_verify_the_receipt_offline() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["key", "new", "--out", "registry.pem"]);
    ok(dir, &["key", "new", "--out", "sbgs.pem"]);
    ok(
        dir,
        &[
            "--data",
            "ledger",
            "init",
            "--origin",
            "kordon.example/api",
            "--key",
            "registry.pem",
        ],
    );
    let server = serve(dir, &["--data", "ledger"]);
    let sbgs_pk = ok(dir, &["key", "show", "sbgs.pem", "--public"]);

    // Sign here, record there, check and keep the receipt.
    let out = ok(
        dir,
        &[
            "body",
            "register",
            "--id",
            "sbgs",
            "--name-uk",
            "ДПСУ",
            "--name-en",
            "SBGS",
            "--role",
            "executor",
            "--public-key",
            sbgs_pk.trim(),
            "--as",
            "registry",
            "--key",
            "registry.pem",
            "--server",
            &server.url,
            "--ledger-key",
            &server.vkey,
        ],
    );
    assert!(
        out.contains("recorded entry 1: body.registered by registry"),
        "{out}"
    );
    assert!(
        out.contains("receipt verified with the pinned ledger key"),
        "{out}"
    );
    assert!(dir.join("receipts/1.json").exists(), "{out}");

    // Offline: with the published key, and with the receipt's own.
    let out = ok(
        dir,
        &[
            "receipt",
            "verify",
            "receipts/1.json",
            "--key",
            &server.vkey,
        ],
    );
    assert!(out.contains("valid: entry 1"), "{out}");
    assert!(out.contains("body.registered by registry"), "{out}");
    let out = ok(dir, &["receipt", "verify", "receipts/1.json"]);
    assert!(
        out.contains("checked with the verifier key in the receipt"),
        "{out}"
    );

    // A changed receipt fails (exit 1); an unreadable one is an input error (exit 2).
    let r = std::fs::read_to_string(dir.join("receipts/1.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&r).unwrap();
    v["seq"] = 0.into();
    std::fs::write(dir.join("bad.json"), v.to_string()).unwrap();
    let o = kordon(dir, &["receipt", "verify", "bad.json"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("INVALID"), "{}", text(&o));
    let o = kordon(dir, &["receipt", "verify", "missing.json"]);
    assert_eq!(o.status.code(), Some(2));

    // A refusal names the rule and writes nothing (exit 2), as on the local path.
    let o = kordon(
        dir,
        &[
            "status",
            "report",
            "--commitment",
            "AP-9",
            "--status",
            "in_progress",
            "--as",
            "sbgs",
            "--key",
            "sbgs.pem",
            "--server",
            &server.url,
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("commitment.unknown"), "{}", text(&o));
    assert!(text(&o).contains("nothing was written"), "{}", text(&o));

    // SIGTERM stops it gracefully; the ledger holds both entries and verifies.
    let (clean, rest) = server.stop();
    assert!(clean, "{rest}");
    assert!(rest.contains("stopped"), "{rest}");
    let out = ok(dir, &["--data", "ledger", "verify"]);
    assert!(
        out.contains("valid: 2 entries of kordon.example/api"),
        "{out}"
    );
}

#[test]
fn serve_demo_builds_the_demo_ledger_and_serves_it() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // Without a ledger there is nothing to serve: an input error that says what to do.
    let o = kordon(
        dir,
        &["--data", "unused", "serve", "--listen", "127.0.0.1:0"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("kordon init"), "{}", text(&o));
    let tmp2 = tempfile::tempdir().unwrap();
    // A --store on the command line contradicts --demo: refused, nothing built.
    let o = kordon(
        tmp2.path(),
        &[
            "serve",
            "--demo",
            "--store",
            "redb:x.redb",
            "--listen",
            "127.0.0.1:0",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("--store cannot be used with --demo"),
        "{}",
        text(&o)
    );
    assert!(!tmp2.path().join("kordon-demo").exists() && !tmp2.path().join("x.redb").exists());
    // An exported KORDON_STORE (meant for the real ledger) is left aside by --demo.
    let mut child = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args([
            "serve",
            "--demo",
            "--demo-dir",
            "d",
            "--listen",
            "127.0.0.1:0",
        ])
        .current_dir(tmp2.path())
        .env("KORDON_LOG", "warn")
        .env("KORDON_STORE", "postgres://nobody@127.0.0.1:1/none")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = String::new();
    let mut url = None;
    while url.is_none() {
        let mut line = String::new();
        assert!(out.read_line(&mut line).unwrap() > 0, "{seen}");
        if let Some(rest) = line.strip_prefix("serving ledger ") {
            url = rest.split(" on ").nth(1).map(|u| u.trim().to_string());
        }
        seen.push_str(&line);
    }
    for _ in 0..3 {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        seen.push_str(&line);
    }
    assert!(seen.contains("built the demo ledger in d"), "{seen}");
    assert!(seen.contains("kordon.demo/ibm"), "{seen}");
    assert!(seen.contains("in a browser"), "{seen}");
    assert!(seen.contains("verifier key: kordon.demo/ibm+"), "{seen}");
    let client = kordon::server::client::Client::new(url.as_deref().unwrap(), None);
    assert!(client
        .checkpoint()
        .unwrap()
        .starts_with("kordon.demo/ibm\n"));
    // SAFETY: sending a signal to our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGTERM);
    }
    assert!(child.wait().unwrap().success());
}

#[test]
fn serve_takes_the_store_by_address_and_refuses_a_bad_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(dir, &["key", "new", "--out", "registry.pem"]);
    ok(
        dir,
        &[
            "--data",
            "ledger",
            "init",
            "--origin",
            "kordon.example/store",
            "--key",
            "registry.pem",
        ],
    );
    // The entries elsewhere, the checkpoint key in the data directory.
    std::fs::create_dir(dir.join("elsewhere")).unwrap();
    std::fs::rename(
        dir.join("ledger/ledger.redb"),
        dir.join("elsewhere/entries.redb"),
    )
    .unwrap();
    let server = serve_with(
        dir,
        &["--data", "ledger"],
        &["--store", "redb:elsewhere/entries.redb"],
    );
    let client = kordon::server::client::Client::new(&server.url, None);
    assert!(client
        .checkpoint()
        .unwrap()
        .starts_with("kordon.example/store\n1\n"));
    let (clean, rest) = server.stop();
    assert!(clean, "{rest}");
    assert!(!dir.join("ledger/ledger.redb").exists());
    for (store, says) in [
        ("nosuch:x", "redb:PATH, log:DIR, memory:"),
        ("memory:", "holds no ledger"),
    ] {
        let o = kordon(
            dir,
            &[
                "--data",
                "ledger",
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--store",
                store,
            ],
        );
        assert_eq!(o.status.code(), Some(2), "{store}: {}", text(&o));
        assert!(text(&o).contains(says), "{store}: {}", text(&o));
    }
}
