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
        !d.join("kordon-data/ledger.redb").exists(),
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
        .lines()
        .find_map(|l| l.strip_prefix("verifier key: "))
        .unwrap()
        .to_string();
    // And, for people, the fingerprint of that checkpoint in the core's one form.
    let said = String::from_utf8_lossy(&cp.stderr).to_string();
    assert!(
        said.lines()
            .any(|l| l.contains("kordon.demo/ibm · 170\u{a0}")
                && (l.contains(" · root ") || l.contains(" · корінь "))),
        "{said}"
    );
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

/// Every command and every flag of every command has a help text (`kordon X --help` teaches),
/// and `serve --help` says that the server is also a website.
#[test]
fn every_command_and_flag_has_help() {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            if matches!(id, "help" | "version") || a.is_hide_set() {
                continue;
            }
            if a.get_help().is_none() && a.get_long_help().is_none() {
                missing.push(format!("{path} {id}"));
            }
        }
        for sub in cmd.get_subcommands() {
            let p = format!("{path} {}", sub.get_name());
            if sub.get_name() != "help" && sub.get_about().is_none() {
                missing.push(format!("{p} (the command)"));
            }
            walk(sub, &p, missing);
        }
    }
    let cmd = kordon::cli::Cli::command();
    let mut missing = Vec::new();
    walk(&cmd, "kordon", &mut missing);
    assert!(missing.is_empty(), "without help text: {missing:#?}");

    let dir = tempfile::tempdir().unwrap();
    let o = kordon(dir.path(), &["serve", "--help"]);
    let t = text(&o);
    assert!(
        t.contains("dashboard") && t.contains("http://127.0.0.1:8080/"),
        "{t}"
    );
    // Every --store lists every registered store, from the one registry.
    for cmd in ["serve", "init", "import"] {
        // The help is wrapped to the terminal's width: compare words.
        let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        let t = words(&text(&kordon(dir.path(), &[cmd, "--help"])));
        for b in kordon::store::BACKENDS {
            let form = format!("{}:{}", b.scheme, b.rest);
            assert!(
                t.contains(&form) && t.contains(&words(b.about)),
                "{cmd}: {form}\n{t}"
            );
        }
    }
}

/// What a new user does first: `kordon demo` (in ./kordon-demo, or where --data says; never
/// where KORDON_DATA points), then a query without --data is pointed at the demo, `kordon log`
/// shows the latest entries first, and `--server HOST:PORT` is taken as http://HOST:PORT.
#[test]
fn the_first_minutes_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // --data names the demo's folder; the old --dir still works.
    let o = kordon(d, &["--data", "mine", "demo"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(d.join("mine/ledger.redb").exists());
    assert!(
        text(&o).contains("kordon --data mine query"),
        "{}",
        text(&o)
    );
    assert!(
        text(&o).contains("kordon --data mine serve --demo"),
        "{}",
        text(&o)
    );
    let o = kordon(d, &["demo", "--data", "mine"]);
    assert!(o.status.success(), "after the command too: {}", text(&o));
    assert!(!d.join("kordon-demo").exists());
    // KORDON_DATA is someone's real ledger: the demo never goes there.
    let o = Command::new(env!("CARGO_BIN_EXE_kordon"))
        .arg("demo")
        .current_dir(d)
        .env("KORDON_DATA", "real")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(d.join("kordon-demo/ledger.redb").exists());
    assert!(!d.join("real").exists());

    // A query with no ledger in ./kordon-data points at the demo.
    let o = kordon(d, &["query", "overdue"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("the demo ledger is in kordon-demo: add --data kordon-demo"),
        "{}",
        text(&o)
    );

    // log: the latest first, --oldest-first (or --from) oldest first.
    let seqs = |args: &[&str]| -> Vec<u64> {
        let o = kordon(d, args);
        assert!(o.status.success(), "{args:?}: {}", text(&o));
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
            .collect()
    };
    let all = seqs(&[
        "--data",
        "kordon-demo",
        "log",
        "--oldest-first",
        "--limit",
        "100000",
    ]);
    let n = all.len() as u64;
    assert_eq!(all, (0..n).collect::<Vec<_>>());
    assert_eq!(
        seqs(&["--data", "kordon-demo", "log", "--limit", "3"]),
        vec![n - 1, n - 2, n - 3]
    );
    assert_eq!(seqs(&["--data", "kordon-demo", "log"]).len(), 50);
    assert_eq!(
        seqs(&["--data", "kordon-demo", "log", "--reverse", "--limit", "2"]),
        vec![0, 1]
    );
    assert_eq!(
        seqs(&[
            "--data",
            "kordon-demo",
            "log",
            "--from",
            "5",
            "--limit",
            "2"
        ]),
        vec![5, 6]
    );

    // --server without a scheme is HTTP; https and other schemes are refused with what to do.
    let record = |server: &str| {
        kordon(
            d,
            &[
                "note",
                "add",
                "--text",
                "hello",
                "--as",
                "monitor",
                "--key",
                "kordon-demo/keys/monitor.pem",
                "--server",
                server,
            ],
        )
    };
    let o = record("127.0.0.1:9");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("http://127.0.0.1:9"), "{}", text(&o));
    assert!(!text(&o).contains("invalid format"), "{}", text(&o));
    let o = record("https://ledger.example");
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("plain HTTP"), "{}", text(&o));
    let o = record("ftp://ledger.example");
    assert!(text(&o).contains("is not HTTP"), "{}", text(&o));
}

/// `kordon completions bash` is a script bash loads and completes with (commands and flags);
/// `kordon man` is a roff page naming every command, and `--dir` writes one page per command.
#[test]
fn shell_completions_and_man_pages() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = kordon(d, &["completions", "bash"]);
    assert!(o.status.success(), "{}", text(&o));
    std::fs::write(d.join("kordon.bash"), &o.stdout).unwrap();
    let complete = |words: &str| {
        let script = format!(
            "source ./kordon.bash; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); _kordon kordon \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let o = Command::new("bash")
            .args(["-c", &script])
            .current_dir(d)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", text(&o));
        String::from_utf8_lossy(&o.stdout).to_string()
    };
    let got = complete("kordon rece");
    assert_eq!(got.trim(), "receipt", "{got}");
    let got = complete("kordon receipt verify --en");
    assert!(got.lines().any(|l| l == "--entry"), "{got}");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let o = kordon(d, &["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", text(&o));
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("passphrase-file"),
            "{shell}"
        );
    }
    let o = kordon(d, &["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));

    let o = kordon(d, &["man"]);
    assert!(o.status.success(), "{}", text(&o));
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(page.contains(".TH kordon 1"), "{page}");
    for cmd in ["demo", "serve", "receipt", "completions"] {
        assert!(page.contains(cmd), "{cmd} in the page");
    }
    let o = kordon(d, &["man", "--dir", "man1"]);
    assert!(o.status.success(), "{}", text(&o));
    for page in [
        "kordon.1",
        "kordon-serve.1",
        "kordon-receipt-verify.1",
        "kordon-key-new.1",
    ] {
        let text = std::fs::read_to_string(d.join("man1").join(page)).unwrap();
        assert!(text.starts_with(".ie"), "{page} is roff");
    }
    let serve = std::fs::read_to_string(d.join("man1/kordon-serve.1")).unwrap();
    assert!(serve.contains("read\\-token"), "its flags are on its page");
}

/// deploy/kordon.service passes `systemd-analyze verify` (with ExecStart pointing at the binary
/// under test), runs as its own user in its state directory, and keeps the hardening.
#[test]
fn the_systemd_unit_verifies_and_is_hardened() {
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/kordon.service"
    ))
    .unwrap();
    for line in [
        "User=kordon",
        "StateDirectory=kordon",
        "Environment=KORDON_DATA=/var/lib/kordon",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
        "UMask=0077",
        "ExecStart=/usr/local/bin/kordon serve",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line}");
    }
    let dir = tempfile::tempdir().unwrap();
    let local = unit
        .replace("/usr/local/bin/kordon", env!("CARGO_BIN_EXE_kordon"))
        // The manual page is not installed where the test runs.
        .replace("Documentation=man:kordon(1)\n", "");
    let path = dir.path().join("kordon.service");
    std::fs::write(&path, local).unwrap();
    let o = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&path)
        .output()
        .expect("systemd-analyze (.ci/run installs Debian's systemd)");
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).trim().is_empty(), "no warnings: {}", text(&o));
}

#[test]
fn a_store_given_by_a_relative_path_is_remembered_so_any_directory_finds_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::create_dir(d.join("elsewhere")).unwrap();
    assert!(kordon(d, &["key", "new", "--out", "r.pem"])
        .status
        .success());
    let o = kordon(
        d,
        &[
            "--data",
            "dd",
            "init",
            "--origin",
            "x.example/l",
            "--key",
            "r.pem",
            "--store",
            "redb:l.redb",
        ],
    );
    assert!(o.status.success(), "{}", text(&o));
    let remembered = std::fs::read_to_string(d.join("dd/store.url")).unwrap();
    let path = remembered.trim().strip_prefix("redb:").unwrap();
    assert!(Path::new(path).is_absolute(), "{remembered}");
    assert_eq!(
        std::fs::canonicalize(path).unwrap(),
        std::fs::canonicalize(d.join("l.redb")).unwrap()
    );
    // From another directory, the data directory still names the same ledger.
    let o = kordon(&d.join("elsewhere"), &["--data", "../dd", "log"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        !d.join("elsewhere/l.redb").exists(),
        "a second, empty store was made"
    );
}

#[test]
fn query_speaks_the_language_asked_and_refuses_one_it_does_not_speak() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let o = kordon(d, &["demo"]);
    assert!(o.status.success(), "{}", text(&o));
    let data = ["--data", "kordon-demo"];
    let q = |lang: &str| {
        let mut args = data.to_vec();
        args.extend(["query", "overdue", "--as-of", "2026-11-27", "--lang", lang]);
        kordon(d, &args)
    };
    let uk = q("uk");
    assert!(uk.status.success(), "{}", text(&uk));
    let uk = String::from_utf8_lossy(&uk.stdout).to_string();
    assert!(
        uk.contains("відбиток: kordon.demo/ibm · 170\u{a0}записів · корінь "),
        "{uk}"
    );
    assert!(
        uk.contains("проміжне значення") || uk.contains("під загрозою"),
        "{uk}"
    );
    assert!(
        !uk.contains("not reached") && !uk.contains("at_risk"),
        "{uk}"
    );
    let en = q("en_GB.UTF-8");
    assert!(en.status.success(), "{}", text(&en));
    let en = String::from_utf8_lossy(&en.stdout).to_string();
    assert!(
        en.contains("fingerprint: kordon.demo/ibm · 170\u{a0}entries · root "),
        "{en}"
    );
    assert!(!en.contains("записів"), "{en}");
    // A language kordon does not speak: the usage error names the two it does, nothing runs.
    let de = q("de");
    assert_eq!(de.status.code(), Some(2), "{}", text(&de));
    assert!(
        text(&de).contains("\"de\" is not a language kordon speaks: use uk or en"),
        "{}",
        text(&de)
    );
    assert!(de.stdout.is_empty());
}

#[test]
fn query_csv_is_plain_utf8_unless_a_bom_is_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let o = kordon(d, &["demo"]);
    assert!(o.status.success(), "{}", text(&o));
    let q = |extra: &[&str]| {
        let mut args = vec![
            "--data",
            "kordon-demo",
            "query",
            "briefing",
            "--week",
            "2026-W37",
        ];
        args.extend(extra);
        args.extend(["--lang", "uk"]);
        kordon(d, &args)
    };
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let plain = q(&["--format", "csv"]);
    assert!(plain.status.success(), "{}", text(&plain));
    assert!(!plain.stdout.starts_with(BOM), "plain CSV by default");
    assert!(std::str::from_utf8(&plain.stdout).is_ok());
    let marked = q(&["--format", "csv", "--bom"]);
    assert!(marked.status.success(), "{}", text(&marked));
    assert!(marked.stdout.starts_with(BOM), "--bom starts with EF BB BF");
    assert_eq!(
        &marked.stdout[BOM.len()..],
        &plain.stdout[..],
        "and is otherwise the same"
    );
    // Without CSV the mark means nothing: a usage error that says what goes with it.
    for refused in [&["--bom"][..], &["--format", "json", "--bom"][..]] {
        let o = q(refused);
        assert_eq!(o.status.code(), Some(2), "{refused:?}: {}", text(&o));
        assert!(o.stdout.is_empty(), "{refused:?}");
        assert!(text(&o).contains("--format"), "{refused:?}: {}", text(&o));
    }
    let o = q(&["--format", "table", "--bom"]);
    assert!(
        text(&o).contains("--bom needs --format csv"),
        "{}",
        text(&o)
    );
}
