//! Key files against the real `openssl` binary: what kordon writes OpenSSL reads, what
//! OpenSSL writes (plain, encrypted with PBKDF2 or scrypt, Ed448, DER) kordon reads or names.

use std::path::Path;
use std::process::{Command, Output};

/// Runs kordon without a controlling terminal (a new session), so that a passphrase can never
/// be asked for: what a service or a CI job sees.
fn kordon(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    use std::os::unix::process::CommandExt;
    let mut c = Command::new(env!("CARGO_BIN_EXE_kordon"));
    c.args(args)
        .current_dir(dir)
        .env_remove("KORDON_DATA")
        .env_remove("KORDON_KEY")
        .env_remove("KORDON_PASSPHRASE")
        .env_remove("KORDON_PASSPHRASE_FILE")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        c.env(k, v);
    }
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        c.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    c.output().unwrap()
}

fn openssl(dir: &Path, args: &[&str]) -> Output {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl is installed (.ci/run installs Debian's openssl)");
    assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
    o
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The public key (base64) that OpenSSL derives from a private key file.
fn openssl_public(dir: &Path, file: &str, pass: Option<&str>) -> String {
    let mut args = vec!["pkey", "-in", file, "-pubout", "-outform", "DER"];
    let passin;
    if let Some(p) = pass {
        passin = format!("pass:{p}");
        args.extend(["-passin", &passin]);
    }
    let der = openssl(dir, &args).stdout;
    // SubjectPublicKeyInfo of Ed25519: a 12-byte prefix, then the 32-byte key.
    assert_eq!(der.len(), 44, "an Ed25519 SubjectPublicKeyInfo");
    base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &der[12..])
}

fn kordon_public(dir: &Path, file: &str, env: &[(&str, &str)]) -> String {
    let o = kordon(dir, &["key", "show", file, "--public"], env);
    assert!(o.status.success(), "{}", text(&o));
    String::from_utf8(o.stdout).unwrap().trim().to_string()
}

#[test]
fn a_key_kordon_writes_is_read_by_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = kordon(d, &["key", "new", "--out", "k.pem"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    let o = openssl(d, &["pkey", "-in", "k.pem", "-noout", "-text"]);
    assert!(text(&o).contains("ED25519 Private-Key"), "{}", text(&o));
    assert_eq!(
        openssl_public(d, "k.pem", None),
        kordon_public(d, "k.pem", &[])
    );
    // Written the way `openssl genpkey` writes it: the v1 layout, byte for byte.
    let ours = std::fs::read_to_string(d.join("k.pem")).unwrap();
    let theirs = openssl(d, &["pkey", "-in", "k.pem"]).stdout;
    assert_eq!(ours.as_bytes(), theirs.as_slice());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(d.join("k.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // The ledger's own key and the demo's keys come from the same writer.
    let o = kordon(
        d,
        &[
            "--data",
            "l",
            "init",
            "--origin",
            "kordon.test/keys",
            "--key",
            "k.pem",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    openssl(d, &["pkey", "-in", "l/ledger.key", "-noout"]);
    let o = kordon(d, &["demo", "--dir", "demo"], &[]);
    assert!(o.status.success(), "{}", text(&o));
    openssl(d, &["pkey", "-in", "demo/ledger.key", "-noout"]);
    openssl(d, &["pkey", "-in", "demo/keys/sbgs.pem", "-noout"]);
}

#[test]
fn openssl_keys_plain_and_encrypted_are_used_by_kordon() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(
        d,
        &["genpkey", "-algorithm", "ed25519", "-out", "plain.pem"],
    );
    assert_eq!(
        kordon_public(d, "plain.pem", &[]),
        openssl_public(d, "plain.pem", None)
    );
    // PBES2 with PBKDF2 and AES-256-CBC: what `openssl genpkey -aes-256-cbc` writes.
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "ed25519",
            "-aes-256-cbc",
            "-pass",
            "pass:correct horse",
            "-out",
            "enc.pem",
        ],
    );
    // PBES2 with scrypt.
    openssl(
        d,
        &[
            "pkcs8",
            "-topk8",
            "-scrypt",
            "-in",
            "plain.pem",
            "-passout",
            "pass:s3cret",
            "-out",
            "scrypt.pem",
        ],
    );
    std::fs::write(d.join("pass.txt"), "correct horse\n").unwrap();
    let want = openssl_public(d, "enc.pem", Some("correct horse"));
    assert_eq!(
        kordon_public(d, "enc.pem", &[("KORDON_PASSPHRASE", "correct horse")]),
        want
    );
    let o = kordon(
        d,
        &[
            "--passphrase-file",
            "pass.txt",
            "key",
            "show",
            "enc.pem",
            "--public",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), want);
    assert_eq!(
        kordon_public(d, "scrypt.pem", &[("KORDON_PASSPHRASE", "s3cret")]),
        openssl_public(d, "plain.pem", None)
    );

    // No passphrase and no terminal to ask on: a clear refusal, exit 2.
    let o = kordon(d, &["key", "show", "enc.pem"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("this key is encrypted"), "{}", text(&o));
    assert!(text(&o).contains("--passphrase-file"), "{}", text(&o));
    let o = kordon(
        d,
        &["key", "show", "enc.pem"],
        &[("KORDON_PASSPHRASE", "wrong")],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("wrong passphrase"), "{}", text(&o));

    // The encrypted key founds a ledger and signs with it; nothing is written without it.
    let args = [
        "--data",
        "l",
        "init",
        "--origin",
        "kordon.test/enc",
        "--key",
        "enc.pem",
    ];
    let o = kordon(d, &args, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!d.join("l/ledger.redb").exists(), "nothing was written");
    let o = kordon(d, &args, &[("KORDON_PASSPHRASE_FILE", "pass.txt")]);
    assert!(o.status.success(), "{}", text(&o));
    let o = kordon(d, &["--data", "l", "verify"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn kordon_encrypts_keys_that_openssl_decrypts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = kordon(
        d,
        &["key", "new", "--out", "e.pem", "--encrypt"],
        &[("KORDON_PASSPHRASE", "to the border")],
    );
    assert!(o.status.success(), "{}", text(&o));
    let pem = std::fs::read_to_string(d.join("e.pem")).unwrap();
    assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"));
    assert_eq!(
        openssl_public(d, "e.pem", Some("to the border")),
        kordon_public(d, "e.pem", &[("KORDON_PASSPHRASE", "to the border")])
    );
    // --encrypt with no passphrase to be had writes nothing.
    let o = kordon(d, &["key", "new", "--out", "f.pem", "--encrypt"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(!d.join("f.pem").exists());
}

#[test]
fn wrong_key_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let err = |file: &str| {
        let o = kordon(d, &["key", "show", file], &[]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        text(&o)
    };
    openssl(d, &["genpkey", "-algorithm", "ed448", "-out", "ed448.pem"]);
    assert!(
        err("ed448.pem").contains("this is an Ed448 key, kordon needs Ed25519"),
        "{}",
        err("ed448.pem")
    );
    openssl(d, &["genpkey", "-algorithm", "ed25519", "-out", "k.pem"]);
    openssl(
        d,
        &["pkey", "-in", "k.pem", "-outform", "DER", "-out", "k.der"],
    );
    assert!(
        err("k.der").contains("this is DER, not PEM"),
        "{}",
        err("k.der")
    );
    openssl(d, &["pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem"]);
    assert!(err("pub.pem").contains("this is a public key"));
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "ec.pem",
        ],
    );
    assert!(
        err("ec.pem").contains("this is an EC (ECDSA) key"),
        "{}",
        err("ec.pem")
    );
    std::fs::write(d.join("empty.pem"), "").unwrap();
    assert!(err("empty.pem").contains("not an Ed25519 private key in PKCS#8 PEM"));

    // A PEM wrapped at 76 columns (base64 as MIME writes it) is the same key.
    let pem = std::fs::read_to_string(d.join("k.pem")).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut wide = String::from("-----BEGIN PRIVATE KEY-----\n");
    for c in b64.as_bytes().chunks(76) {
        wide.push_str(std::str::from_utf8(c).unwrap());
        wide.push('\n');
    }
    wide.push_str("-----END PRIVATE KEY-----\n");
    std::fs::write(d.join("wide.pem"), wide).unwrap();
    assert_eq!(
        kordon_public(d, "wide.pem", &[]),
        kordon_public(d, "k.pem", &[])
    );
}

#[test]
fn a_private_key_readable_by_others_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(d, &["genpkey", "-algorithm", "ed25519", "-out", "k.pem"]);
    std::fs::set_permissions(d.join("k.pem"), std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = kordon(d, &["key", "show", "k.pem"], &[]);
    assert!(o.status.success());
    assert!(!text(&o).contains("warning"), "{}", text(&o));
    std::fs::set_permissions(d.join("k.pem"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = kordon(d, &["key", "show", "k.pem"], &[]);
    assert!(o.status.success(), "a warning, not a refusal: {}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("can be read by others (mode 0644)") && err.contains("chmod 600 k.pem"),
        "{err}"
    );
}

/// An encrypted key file names its own key-derivation cost; one asking for minutes of PBKDF2
/// or gigabytes of scrypt is refused before any derivation, with what it asked and the limit.
#[test]
fn an_encrypted_key_asking_for_a_ruinous_cost_is_refused_before_deriving() {
    use pkcs8::der::Encode;
    use pkcs8::pkcs5::pbes2::{self, Kdf, Pbkdf2Params, ScryptParams};
    use pkcs8::pkcs5::EncryptionScheme;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (salt, iv) = ([7u8; 16], [9u8; 16]);
    let write = |name: &str, kdf: Kdf<'_>| {
        let params = pbes2::Parameters {
            kdf,
            encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: &iv },
        };
        let info = pkcs8::EncryptedPrivateKeyInfo {
            encryption_algorithm: EncryptionScheme::Pbes2(params),
            encrypted_data: &[0u8; 64],
        };
        let der = info.to_der().unwrap();
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
        let body: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        let pem = format!(
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{}\n-----END ENCRYPTED PRIVATE KEY-----\n",
            body.join("\n")
        );
        std::fs::write(d.join(name), pem).unwrap();
    };
    let pbkdf2 = |iteration_count| Pbkdf2Params {
        salt: &salt,
        iteration_count,
        key_length: None,
        prf: pbes2::Pbkdf2Prf::HmacWithSha256,
    };
    write("rounds.pem", Kdf::Pbkdf2(pbkdf2(4_000_000_000)));
    write(
        "scrypt.pem",
        Kdf::Scrypt(ScryptParams {
            salt: &salt,
            cost_parameter: 1 << 24,
            block_size: 8,
            parallelization: 1,
            key_length: None,
        }),
    );
    for (file, says) in [
        ("rounds.pem", "4000000000 PBKDF2 rounds"),
        ("scrypt.pem", "scrypt with N = 16777216, r = 8, p = 1"),
    ] {
        let o = kordon(d, &["key", "show", file], &[("KORDON_PASSPHRASE", "x")]);
        assert_eq!(o.status.code(), Some(2), "{file}: {}", text(&o));
        assert!(
            text(&o).contains(says) && text(&o).contains("more than kordon spends"),
            "{file}: {}",
            text(&o)
        );
    }
    // The limit is what it says: a key within it is derived (here: a wrong passphrase).
    write("fine.pem", Kdf::Pbkdf2(pbkdf2(2048)));
    let o = kordon(
        d,
        &["key", "show", "fine.pem"],
        &[("KORDON_PASSPHRASE", "x")],
    );
    assert!(text(&o).contains("wrong passphrase"), "{}", text(&o));
}
