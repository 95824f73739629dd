//! `kordon demo` and `kordon serve --demo`: the example ledger (events/examples/ibm-2026.toml,
//! built by `scenario`) in a data directory on the embedded store.
//!
//! Every key here derives from a public label (`fixture::demo_key`): these are demo keys, for
//! the example only. Names of real institutions are used for illustration; all values are
//! fictional.

use crate::core::cosignature::Algorithm;
use crate::datadir::{self, STORE_FILE};
use crate::scenario;
use crate::store::Store;
use anyhow::{anyhow, bail, Result};
use std::path::Path;

/// The example ledger's origin (its name in checkpoints and verifier keys).
pub const ORIGIN: &str = "kordon.demo/ibm";

/// The day the example's story is told on: "today" for its overdue items.
pub const TODAY: &str = "2026-11-27";

/// Builds the example ledger in `dir` (which must not hold one yet); returns its size.
pub fn build(dir: &Path) -> Result<u64> {
    let built = scenario::build_example().map_err(|e| anyhow!("the example scenario: {e}"))?;
    if built.origin != ORIGIN {
        bail!(
            "the example scenario's origin is {}, expected {ORIGIN}",
            built.origin
        );
    }
    built.install(dir).map_err(|e| anyhow!("{e}"))?;
    Ok(built.entries)
}

/// The demo ledger's verifier key (its checkpoint key is the demo key `ledger:ORIGIN`).
pub fn verifier_key() -> Result<String> {
    let key = crate::fixture::demo_key(&format!("ledger:{ORIGIN}"));
    Ok(crate::core::note::NoteSigner::new(ORIGIN, key)
        .map_err(|e| anyhow!("{e}"))?
        .verifier()
        .to_vkey())
}

/// The demo's two witnesses: the parliamentary committee's secretariat (Ed25519, which
/// browsers can check) and the civil-society monitor (ML-DSA-44). Their keys are demo keys:
/// the seed of the witness labelled L is SHA-256("kordon demo key\n" ‖ "witness:" ‖ L).
pub fn witnesses() -> Vec<(&'static str, &'static str, Algorithm, [u8; 32])> {
    [
        (
            "rada-eu",
            "witness.rada-eu.demo/committee",
            Algorithm::Ed25519,
        ),
        ("monitor", "witness.monitor.demo/ngo", Algorithm::MlDsa44),
    ]
    .into_iter()
    .map(|(label, name, alg)| {
        let seed = crate::fixture::demo_key(&format!("witness:{label}")).to_bytes();
        (label, name, alg, seed)
    })
    .collect()
}

/// Creates the demo ledger if `dir` holds none, verifies it, and prints what to try.
/// Where `kordon demo` and `kordon serve --demo` keep the demo unless --data says otherwise.
pub const DEFAULT_DIR: &str = "kordon-demo";

pub fn run(dir: &Path) -> Result<u8> {
    if !dir.join(STORE_FILE).exists() {
        let n = build(dir)?;
        println!(
            "built the demo ledger in {} ({n} entries: the example year 2026 from {})",
            dir.display(),
            scenario::EXAMPLE_PATH
        );
    }
    let store = datadir::open_store(dir)?;
    let snap = store.snapshot()?;
    let cp = snap
        .checkpoint()?
        .ok_or_else(|| anyhow!("the demo ledger is empty"))?;
    let vkey = verifier_key()?;
    let report = crate::verify::verify(
        &vkey,
        cp.as_bytes(),
        &mut crate::verify::SnapshotSource {
            snapshot: &*snap,
            next: 0,
        },
        &crate::verify::Options {
            trusted: None,
            progress: &|_| {},
        },
    );
    println!(
        "ledger {ORIGIN}: {} entries, root {}",
        snap.size(),
        report.root.as_deref().unwrap_or("?")
    );
    println!("verifier key (demo): {vkey}");
    match &report.failure {
        None => println!("verified: every entry, signature, key and rule"),
        Some(f) => println!("INVALID: {}", f.message),
    }
    let d = dir.display();
    println!();
    println!("Real institutions are named for illustration only; every value is fictional.");
    println!("The story's today is {TODAY}. Try:");
    println!("  kordon --data {d} query responsibility AP-2026/2.1 --as-of 2026-03-31");
    println!("  kordon --data {d} query overdue --as-of {TODAY}");
    println!("  kordon --data {d} query changes --since 2026-04-15 --until 2026-10-15");
    println!("  kordon --data {d} query briefing --week 2026-W37 --format csv");
    println!("  kordon --data {d} export --out demo.export && kordon verify demo.export");
    println!(
        "  kordon --data {d} serve --demo   (the API and dashboard on http://127.0.0.1:8080/)"
    );
    println!("Demo keys (for this example only, anyone can derive them) are in {d}/keys.");
    Ok(if report.valid { 0 } else { 1 })
}
