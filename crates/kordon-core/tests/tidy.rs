//! Architecture invariant, checked: kordon-core does no IO, reads no clock, spawns no thread and
//! takes no randomness from the system, and its dependency list holds no IO, async, storage or
//! thread-pool crate. A verifier (or a partner's system) can depend on this crate alone.

use std::path::{Path, PathBuf};

/// Names that mean IO, clocks, threads, processes, the environment or system randomness.
const FORBIDDEN: &[&str] = &[
    "std::fs",
    "std::net",
    "std::io::stdin",
    "std::io::stdout",
    "std::io::stderr",
    "std::thread",
    "std::process",
    "std::env",
    "std::time::SystemTime",
    "std::time::Instant",
    "SystemTime::now",
    "Instant::now",
    "OsRng",
    "getrandom",
    "thread_rng",
    "println!",
    "eprintln!",
    "print!(",
    "eprint!(",
    "dbg!(",
    "tokio",
    "rayon",
];

/// The crates kordon-core may depend on, each pure computation or data.
const ALLOWED_DEPENDENCIES: &[&str] = &[
    "serde",
    "serde_json",
    "serde_json_canonicalizer",
    "ed25519-dalek",
    "ed25519-zebra",
    "curve25519-dalek",
    "sha2",
    "base64",
    "hex",
    "thiserror",
    "jiff",
    "rand_core",
    // ML-DSA-44 (FIPS 204) for C2SP cosignatures: pure computation, built without its
    // `getrandom` feature, so the caller passes the signing randomness.
    "ml-dsa",
    // Optional, off by default: derives an OpenAPI schema for the receipt type.
    "utoipa",
    // Optional, off by default (feature `schema`): derives the JSON Schema of the event bodies
    // that the server serves to the browser's forms and encoder (GET /schema/events).
    "schemars",
    // Plurals, grouped numbers and dates for people (module `l10n`): ICU4X with compiled-in
    // CLDR data, static tables and computation.
    "icu_locale_core",
    "icu_plurals",
    "icu_decimal",
    "icu_datetime",
    "icu_calendar",
    "icu_provider",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn the_core_names_no_io_clock_thread_or_system_randomness() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 10, "found only {} source files", files.len());
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for bad in FORBIDDEN {
                if code.contains(bad) {
                    found.push(format!("{}:{}: {bad}", f.display(), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the pure core names:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_core_depends_on_no_io_crate() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    let mut section = String::new();
    let mut deps = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        if section == "[dependencies]" && !line.is_empty() && !line.starts_with('#') {
            deps.push(line.split(['=', ' ']).next().unwrap().to_string());
        }
        assert!(
            !section.starts_with("[target") || !section.ends_with("dependencies]"),
            "kordon-core has platform-specific dependencies: {section}"
        );
    }
    assert!(deps.len() >= 10, "read only {deps:?}");
    let extra: Vec<_> = deps
        .iter()
        .filter(|d| !ALLOWED_DEPENDENCIES.contains(&d.as_str()))
        .collect();
    assert!(
        extra.is_empty(),
        "kordon-core depends on {extra:?}: the core must stay pure (no IO, async, storage or \
         thread-pool crate); if it is pure computation, add it to ALLOWED_DEPENDENCIES with a reason"
    );
}
