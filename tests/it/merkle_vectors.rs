// Checks the Merkle proof verifiers against the RFC 6962 / RFC 9162 conformance vectors of
// transparency-dev/merkle (tests/vectors/rfc6962, see PROVENANCE.md there): every probe must
// verify exactly when its `wantErr` is false.

use std::fs;
use std::path::{Path, PathBuf};

use base64::Engine;
use kordon::core::hash::Hash;
use kordon::core::merkle::{verify_consistency, verify_inclusion};
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/rfc6962")
}

/// Every `.json` file under `dir`, sorted so failures are reported in a stable order.
fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let entries = fs::read_dir(&d).unwrap_or_else(|e| panic!("reading {}: {e}", d.display()));
        for entry in entries {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn u64_field(v: &Value, name: &str) -> u64 {
    v[name]
        .as_u64()
        .unwrap_or_else(|| panic!("field {name} is not a u64: {}", v[name]))
}

/// The bytes of a base64 field; the Go generator writes a nil byte slice as `null`.
fn bytes_field(v: &Value) -> Vec<u8> {
    match v {
        Value::Null => Vec::new(),
        Value::String(s) => base64::engine::general_purpose::STANDARD
            .decode(s)
            .unwrap_or_else(|e| panic!("bad base64 {s:?}: {e}")),
        other => panic!("expected a base64 string, got {other}"),
    }
}

/// A root or proof node as a `Hash`.
///
/// Some negative probes hold byte strings that are not 32 bytes long ("WrongRoot", "", "don't
/// care 1"). The Go verifier only ever hashes such bytes into a chain or compares them with
/// `bytes.Equal`, so they are mapped to SHA-256 of themselves: equal strings stay equal (the
/// probe "sizes are equal (one) and proof is empty" compares two equal 12-byte roots and must
/// pass) and any hash chain through them misses the root, as it does in Go.
fn node(bytes: &[u8]) -> Hash {
    Hash::from_slice(bytes).unwrap_or_else(|| Hash::sha256(bytes))
}

fn proof_field(v: &Value) -> Vec<Hash> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().map(|h| node(&bytes_field(h))).collect(),
        other => panic!("expected a proof array, got {other}"),
    }
}

fn check_inclusion(v: &Value) -> Result<(), String> {
    let index = u64_field(v, "leafIdx");
    let size = u64_field(v, "treeSize");
    let root = node(&bytes_field(&v["root"]));
    let proof = proof_field(&v["proof"]);
    // A leaf hash of the wrong length is rejected outright, as the Go verifier does (it checks
    // `len(leafHash)` before anything else); our decoders reject it the same way.
    let leaf_bytes = bytes_field(&v["leafHash"]);
    let leaf = Hash::from_slice(&leaf_bytes)
        .ok_or_else(|| format!("leaf hash has {} bytes, not 32", leaf_bytes.len()))?;
    verify_inclusion(&leaf, index, size, &proof, &root).map_err(|e| e.to_string())
}

fn check_consistency(v: &Value) -> Result<(), String> {
    let size1 = u64_field(v, "size1");
    let size2 = u64_field(v, "size2");
    let root1 = node(&bytes_field(&v["root1"]));
    let root2 = node(&bytes_field(&v["root2"]));
    let proof = proof_field(&v["proof"]);
    verify_consistency(size1, size2, &root1, &root2, &proof).map_err(|e| e.to_string())
}

#[test]
fn rfc6962_vectors() {
    let root = vectors_dir();
    let mut checked = [0usize; 2]; // [inclusion, consistency]
    let mut failures = Vec::new();
    for path in json_files(&root) {
        let rel = path.strip_prefix(&root).unwrap_or(&path).to_path_buf();
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", rel.display()));
        let v: Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", rel.display()));
        let want_err = v["wantErr"]
            .as_bool()
            .unwrap_or_else(|| panic!("{}: no boolean wantErr", rel.display()));
        let result = if rel.starts_with("inclusion") {
            checked[0] += 1;
            check_inclusion(&v)
        } else if rel.starts_with("consistency") {
            checked[1] += 1;
            check_consistency(&v)
        } else {
            panic!(
                "{}: neither an inclusion nor a consistency probe",
                rel.display()
            );
        };
        if result.is_err() != want_err {
            failures.push(format!(
                "{}: wantErr = {want_err}, got {result:?}",
                rel.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} probes disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Guard against passing by reading nothing (a moved folder, a broken walk).
    assert!(checked[0] > 0 && checked[1] > 0, "checked {checked:?}");
    assert!(
        checked[0] + checked[1] > 100,
        "only {checked:?} vector files checked"
    );
}
