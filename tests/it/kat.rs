//! Known-answer tests of the ML-DSA-44 implementation kordon's cosignatures use (FIPS 204, NIST
//! ACVP vectors in tests/vectors/ml-dsa), and an ML-DSA-44 signed checkpoint made by another
//! implementation (tests/vectors/tlog-cosignature), which kordon must accept.

use base64::Engine;
use kordon::core::cosignature::{Algorithm, Cosigner};
use kordon::core::witness::{self, LogKey};
use ml_dsa::{EncodedSignature, EncodedVerifyingKey, ExpandedSigningKeyBytes, MlDsa44, B32};
use serde_json::Value;
use std::path::Path;

fn vectors(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).expect("vector JSON")
}

fn hexv(v: &Value, k: &str) -> Vec<u8> {
    hex::decode(v[k].as_str().unwrap_or_else(|| panic!("no {k}"))).expect("hex")
}

fn cases(file: &Value) -> Vec<(&Value, &Value)> {
    let mut out = Vec::new();
    for g in file["testGroups"].as_array().expect("groups") {
        assert_eq!(g["parameterSet"], "ML-DSA-44");
        for t in g["tests"].as_array().expect("tests") {
            out.push((g, t));
        }
    }
    out
}

#[test]
fn ml_dsa_44_key_generation_matches_fips_204() {
    let file = vectors("ml-dsa/key-gen-44.json");
    let all = cases(&file);
    assert_eq!(all.len(), 25);
    for (_, t) in all {
        let seed: [u8; 32] = hexv(t, "seed").try_into().expect("32-byte seed");
        // The core's path: a witness key from its seed.
        let c = Cosigner::from_seed("kat.example/w", Algorithm::MlDsa44, &seed).unwrap();
        assert_eq!(
            c.verifier().public_key(),
            hexv(t, "pk"),
            "tcId {}",
            t["tcId"]
        );
        let sk = ml_dsa::SigningKey::<MlDsa44>::from_seed(&B32::from(seed));
        #[allow(deprecated)]
        let expanded = sk.expanded_key().to_expanded();
        assert_eq!(expanded.as_slice(), hexv(t, "sk"), "tcId {}", t["tcId"]);
    }
}

#[test]
fn ml_dsa_44_signing_matches_fips_204() {
    let file = vectors("ml-dsa/sig-gen-44.json");
    let all = cases(&file);
    assert_eq!(all.len(), 20);
    for (g, t) in all {
        let sk_bytes = ExpandedSigningKeyBytes::<MlDsa44>::try_from(hexv(t, "sk").as_slice())
            .expect("sk length");
        #[allow(deprecated)]
        let sk = ml_dsa::ExpandedSigningKey::<MlDsa44>::from_expanded(&sk_bytes);
        let rnd = if g["deterministic"] == true {
            B32::default()
        } else {
            B32::try_from(hexv(t, "rnd").as_slice()).expect("rnd")
        };
        let sig = sk.sign_internal(&[&hexv(t, "message")], &rnd);
        assert_eq!(
            sig.encode().as_slice(),
            hexv(t, "signature"),
            "tcId {}",
            t["tcId"]
        );
    }
}

#[test]
fn ml_dsa_44_verification_matches_fips_204() {
    let file = vectors("ml-dsa/sig-ver-44.json");
    let mut passed = 0;
    let mut failed = 0;
    for g in file["testGroups"].as_array().expect("groups") {
        let pk = EncodedVerifyingKey::<MlDsa44>::try_from(hexv(g, "pk").as_slice()).unwrap();
        let vk = ml_dsa::VerifyingKey::<MlDsa44>::decode(&pk);
        for t in g["tests"].as_array().expect("tests") {
            let expected = t["testPassed"] == true;
            let got = EncodedSignature::<MlDsa44>::try_from(hexv(t, "signature").as_slice())
                .ok()
                .and_then(|e| ml_dsa::Signature::<MlDsa44>::decode(&e))
                .is_some_and(|s| vk.verify_internal(&hexv(t, "message"), &s));
            assert_eq!(got, expected, "tcId {} ({})", t["tcId"], t["reason"]);
            if expected {
                passed += 1
            } else {
                failed += 1
            }
        }
    }
    // Both verdicts are exercised: valid signatures and each kind of defect.
    assert!(passed >= 3 && failed >= 3, "{passed} pass, {failed} fail");
}

fn torchwood() -> (LogKey, Vec<u8>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/tlog-cosignature");
    let vkey = std::fs::read_to_string(dir.join("mldsa-log.vkey")).unwrap();
    let note = std::fs::read(dir.join("mldsa-log.checkpoint")).unwrap();
    (
        LogKey::parse(vkey.trim_end()).expect("ML-DSA-44 vkey"),
        note,
    )
}

#[test]
fn an_ml_dsa_44_checkpoint_signed_by_another_implementation_verifies() {
    let (key, note) = torchwood();
    let cp = witness::open_log_checkpoint(&note, std::slice::from_ref(&key)).expect("verifies");
    assert_eq!(cp.origin, "example.com/mldsa-log");
    assert_eq!(cp.size, 1);
    assert_eq!(cp.root, kordon::core::hash::leaf_hash(b"testonly"));
    // The vkey parses back to the same text.
    let LogKey::Cosignature(v) = &key else {
        panic!("not a cosignature key")
    };
    assert_eq!(v.algorithm(), Algorithm::MlDsa44);
}

#[test]
fn the_other_implementations_checkpoint_with_a_changed_byte_fails() {
    let (key, note) = torchwood();
    let text = String::from_utf8(note.clone()).unwrap();
    let (head, line) = text.split_once("\n\n").unwrap();
    let (prefix, b64) = line.trim_end().rsplit_once(' ').unwrap();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap();
    // The timestamp (bytes 4..12) is signed, and so is every byte of the signature.
    for i in [4, 11, 12, 500, raw.len() - 1] {
        let mut r = raw.clone();
        r[i] ^= 1;
        let bad = format!(
            "{head}\n\n{prefix} {}\n",
            base64::engine::general_purpose::STANDARD.encode(&r)
        );
        assert!(
            witness::open_log_checkpoint(bad.as_bytes(), std::slice::from_ref(&key)).is_err(),
            "byte {i}"
        );
    }
    let resized = text.replacen("\n1\n", "\n2\n", 1);
    assert!(witness::open_log_checkpoint(resized.as_bytes(), &[key]).is_err());
}
