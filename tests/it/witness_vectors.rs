//! The witness golden vectors (events/vectors/witness.json): every cosignature's signed message
//! rebuilt here from the C2SP tlog-cosignature text, each signature checked with the
//! primitives directly, and every must-pass and must-fail case judged by kordon's policy check.

use kordon::core::cosignature::{CosignatureVerifier, Policy, Witness};
use ml_dsa::{EncodedVerifyingKey, MlDsa44};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn vectors() -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events/vectors/witness.json");
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k}"))
}

#[test]
fn witness_keys_derive_from_their_seeds_as_documented() {
    let v = vectors();
    for w in v["witnesses"].as_array().unwrap() {
        let label = s(w, "seed_label");
        let seed: [u8; 32] = Sha256::digest(format!("kordon demo key\n{label}").as_bytes()).into();
        assert_eq!(hex::encode(seed), s(w, "seed_hex"));
        let (type_byte, public) = match s(w, "algorithm") {
            "ed25519" => (
                0x04u8,
                ed25519_dalek::SigningKey::from_bytes(&seed)
                    .verifying_key()
                    .to_bytes()
                    .to_vec(),
            ),
            "ml-dsa-44" => {
                let sk = ml_dsa::SigningKey::<MlDsa44>::from_seed(&seed.into());
                (
                    0x06,
                    ml_dsa::signature::Keypair::verifying_key(&sk)
                        .encode()
                        .to_vec(),
                )
            }
            other => panic!("{other}"),
        };
        assert_eq!(hex::encode(&public), s(w, "public_key_hex"));
        let mut id = s(w, "name").as_bytes().to_vec();
        id.push(b'\n');
        id.push(type_byte);
        id.extend_from_slice(&public);
        assert_eq!(hex::encode(&Sha256::digest(&id)[..4]), s(w, "key_id_hex"));
        let parsed = CosignatureVerifier::parse(s(w, "vkey")).unwrap();
        assert_eq!(parsed.public_key(), public);
    }
}

#[test]
fn every_signed_message_is_the_specifications_and_every_signature_verifies() {
    let v = vectors();
    let text = s(&v, "checkpoint_text");
    let lines: Vec<&str> = text.lines().collect();
    let (origin, size, root) = (
        lines[0],
        lines[1].parse::<u64>().unwrap(),
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, lines[2]).unwrap(),
    );
    for (c, w) in v["cosignatures"]
        .as_array()
        .unwrap()
        .iter()
        .zip(v["witnesses"].as_array().unwrap())
    {
        let ts = c["timestamp"].as_u64().unwrap();
        let name = s(w, "name");
        let expected = match s(w, "algorithm") {
            "ed25519" => format!("cosignature/v1\ntime {ts}\n{text}").into_bytes(),
            _ => {
                let mut m = b"subtree/v1\n\0".to_vec();
                m.push(name.len() as u8);
                m.extend_from_slice(name.as_bytes());
                m.extend_from_slice(&ts.to_be_bytes());
                m.push(origin.len() as u8);
                m.extend_from_slice(origin.as_bytes());
                m.extend_from_slice(&0u64.to_be_bytes());
                m.extend_from_slice(&size.to_be_bytes());
                m.extend_from_slice(&root);
                m
            }
        };
        assert_eq!(hex::encode(&expected), s(c, "signed_message_hex"), "{name}");
        let raw = hex::decode(s(c, "signature_hex")).unwrap();
        assert_eq!(hex::encode(&raw[..4]), s(w, "key_id_hex"));
        assert_eq!(u64::from_be_bytes(raw[4..12].try_into().unwrap()), ts);
        let public = hex::decode(s(w, "public_key_hex")).unwrap();
        match s(w, "algorithm") {
            "ed25519" => {
                let k =
                    ed25519_dalek::VerifyingKey::from_bytes(&public.try_into().unwrap()).unwrap();
                let sig = ed25519_dalek::Signature::from_slice(&raw[12..]).unwrap();
                k.verify_strict(&expected, &sig).unwrap();
            }
            _ => {
                let enc = EncodedVerifyingKey::<MlDsa44>::try_from(public.as_slice()).unwrap();
                let k = ml_dsa::VerifyingKey::<MlDsa44>::decode(&enc);
                let sig = ml_dsa::Signature::<MlDsa44>::try_from(&raw[12..]).unwrap();
                assert!(k.verify_with_context(&expected, &[], &sig), "{name}");
            }
        }
        assert!(s(&v, "cosigned_checkpoint").contains(s(c, "line")));
    }
}

#[test]
fn the_policy_cases_are_judged_as_the_vectors_say() {
    let v = vectors();
    let keys: Vec<Witness> = v["witnesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| Witness {
            label: s(w, "label").into(),
            key: CosignatureVerifier::parse(s(w, "vkey")).unwrap(),
        })
        .collect();
    let (from_file, logs) = Policy::parse_tlog_policy(s(&v, "tlog_policy")).unwrap();
    assert_eq!(logs.len(), 1);
    assert_eq!(
        from_file
            .check(s(&v, "cosigned_checkpoint").as_bytes())
            .unwrap()
            .len(),
        2
    );
    let judge = |c: &Value| {
        let trusted: Vec<Witness> = keys
            .iter()
            .filter(|w| {
                c["witnesses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|l| l == &w.label)
            })
            .cloned()
            .collect();
        Policy::k_of_n(trusted, c["quorum"].as_u64().unwrap() as usize)
            .unwrap()
            .check(s(c, "checkpoint").as_bytes())
    };
    let pass = v["must_pass"].as_array().unwrap();
    assert!(pass.len() >= 3);
    for c in pass {
        assert!(judge(c).is_ok(), "{}: {:?}", s(c, "name"), judge(c));
    }
    let fail = v["must_fail"].as_array().unwrap();
    assert!(fail.len() >= 10);
    let mut codes = std::collections::BTreeSet::new();
    for c in fail {
        let e = judge(c).expect_err(s(c, "name"));
        assert_eq!(e.code(), s(c, "expected_code"), "{}: {e}", s(c, "name"));
        codes.insert(e.code());
    }
    assert_eq!(
        codes.into_iter().collect::<Vec<_>>(),
        ["witness.quorum", "witness.signature"]
    );
}
