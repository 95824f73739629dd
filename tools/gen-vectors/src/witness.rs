//! Witness vectors (events/vectors/witness.json): the vector ledger's checkpoint cosigned by two
//! demo witnesses, one Ed25519 (`cosignature/v1`) and one ML-DSA-44, every signed message in
//! hex, the witness policy, and checkpoints a verifier must refuse under it (SPEC.md §16.2,
//! "The signed message", and §16.3, "Witness policy").
//!
//! Deterministic: witness seeds derive from labels like the other demo keys, timestamps are
//! fixed, and the ML-DSA-44 signatures use the deterministic variant (rnd = 32 zero bytes).

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use kordon::core::checkpoint::Checkpoint;
use kordon::core::cosignature::{self, Algorithm, Cosigner, Policy, Witness};
use kordon::fixture::demo_key;
use serde::Serialize;

/// The witnesses: label, key name, algorithm, timestamp of their cosignature.
const WITNESSES: [(&str, &str, Algorithm, u64); 2] = [
    (
        "committee",
        "witness.example/committee",
        Algorithm::Ed25519,
        1_768_376_760,
    ),
    (
        "ngo",
        "witness.example/ngo",
        Algorithm::MlDsa44,
        1_768_376_761,
    ),
];

#[derive(Serialize)]
struct WitnessJson {
    label: &'static str,
    name: &'static str,
    algorithm: &'static str,
    /// The 32-byte seed: the Ed25519 secret key, or the ML-DSA-44 key generation seed ξ.
    seed_hex: String,
    seed_label: String,
    public_key_hex: String,
    key_id_hex: String,
    vkey: String,
}

#[derive(Serialize)]
struct CosignatureJson {
    witness: &'static str,
    timestamp: u64,
    /// The exact bytes signed (the Ed25519 message, or the ML-DSA-44 cosigned_message).
    signed_message_hex: String,
    /// key ID ‖ timestamp ‖ signature.
    signature_hex: String,
    /// The note signature line.
    line: String,
}

#[derive(Serialize)]
struct PolicyCase {
    name: String,
    description: &'static str,
    /// The signed checkpoint to judge.
    checkpoint: String,
    /// The labels of the witnesses the policy trusts, and how many must have cosigned.
    witnesses: Vec<&'static str>,
    quorum: usize,
    expected_code: &'static str,
}

#[derive(Serialize)]
struct Vectors {
    description: &'static str,
    checkpoint_text: String,
    /// The ledger-signed checkpoint (from ledger.json's tree).
    checkpoint: String,
    witnesses: Vec<WitnessJson>,
    cosignatures: Vec<CosignatureJson>,
    /// The checkpoint with both cosignatures appended: valid under the policy below.
    cosigned_checkpoint: String,
    /// The policy "2 of committee, ngo" as a C2SP tlog-policy file.
    tlog_policy: String,
    must_pass: Vec<PolicyCase>,
    must_fail: Vec<PolicyCase>,
}

const DESCRIPTION: &str = "The vector ledger's checkpoint cosigned by two demo witnesses (C2SP tlog-cosignature: Ed25519 cosignature/v1, type 0x04; ML-DSA-44, type 0x06, deterministic signing), the signed messages in hex, a tlog-policy file, checkpoints that meet a policy (must_pass) and checkpoints a verifier must refuse with expected_code (must_fail). Witness seeds are SHA-256(\"kordon demo key\\n\" || seed_label).";

fn cosigners() -> Vec<(Cosigner, u64)> {
    WITNESSES
        .iter()
        .map(|(label, name, alg, ts)| {
            let seed = demo_key(&format!("witness:{label}")).to_bytes();
            (
                Cosigner::from_seed(name, *alg, &seed).unwrap_or_else(|e| panic!("{e}")),
                *ts,
            )
        })
        .collect()
}

fn split(note: &str) -> (String, Checkpoint) {
    let parsed = kordon::core::note::parse(note.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    let cp = Checkpoint::parse_text(&parsed.text).unwrap_or_else(|e| panic!("{e}"));
    (parsed.text, cp)
}

/// Replaces the base64 of a signature line by `f(bytes)`.
fn mutate_line(line: &str, f: impl Fn(&mut Vec<u8>)) -> String {
    let (head, b64) = line
        .trim_end()
        .rsplit_once(' ')
        .unwrap_or_else(|| panic!("{line}"));
    let mut raw = BASE64.decode(b64).unwrap_or_else(|e| panic!("{e}"));
    f(&mut raw);
    format!("{head} {}\n", BASE64.encode(raw))
}

/// `checkpoint` is the ledger-signed vector checkpoint; `previous` another checkpoint of the same
/// ledger at a smaller size.
pub fn generate(checkpoint: &str, previous: &str) -> Vec<u8> {
    let (text, cp) = split(checkpoint);
    let signers = cosigners();
    let zero = [0u8; 32];
    let mut witnesses = Vec::new();
    let mut cosigs = Vec::new();
    let mut lines = Vec::new();
    for ((signer, ts), (label, name, alg, _)) in signers.iter().zip(WITNESSES) {
        let v = signer.verifier();
        witnesses.push(WitnessJson {
            label,
            name,
            algorithm: alg.as_str(),
            seed_hex: hex::encode(signer.seed()),
            seed_label: format!("witness:{label}"),
            public_key_hex: hex::encode(v.public_key()),
            key_id_hex: hex::encode(v.key_id()),
            vkey: v.to_vkey(),
        });
        let line = signer
            .cosign(&text, &cp, *ts, &zero)
            .unwrap_or_else(|e| panic!("{e}"));
        let msg = match alg {
            Algorithm::Ed25519 => cosignature::ed25519_message(&text, *ts),
            Algorithm::MlDsa44 => {
                cosignature::ml_dsa_message(name, *ts, &cp.origin, 0, cp.size, &cp)
                    .unwrap_or_else(|e| panic!("{e}"))
            }
        };
        let raw = BASE64
            .decode(line.trim_end().rsplit_once(' ').map(|x| x.1).unwrap_or(""))
            .unwrap_or_else(|e| panic!("{e}"));
        cosigs.push(CosignatureJson {
            witness: label,
            timestamp: *ts,
            signed_message_hex: hex::encode(msg),
            signature_hex: hex::encode(raw),
            line: line.clone(),
        });
        lines.push(line);
    }
    let with = |ls: &[&str]| format!("{checkpoint}{}", ls.concat());
    let cosigned = with(&[&lines[0], &lines[1]]);
    let policy = Policy::k_of_n(
        signers
            .iter()
            .zip(WITNESSES)
            .map(|((s, _), (label, ..))| Witness {
                label: label.to_string(),
                key: s.verifier().clone(),
            })
            .collect(),
        2,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let tlog_policy = format!(
        "log {}\nwitness committee {}\nwitness ngo {}\ngroup both 2 committee ngo\nquorum both\n",
        ledger_vkey(checkpoint),
        witnesses[0].vkey,
        witnesses[1].vkey
    );
    assert_eq!(
        Policy::parse_tlog_policy(&tlog_policy)
            .unwrap_or_else(|e| panic!("{e}"))
            .0
            .check(cosigned.as_bytes())
            .map(|c| c.len()),
        Ok(2)
    );

    let case = |name: &str,
                description: &'static str,
                note: String,
                ws: Vec<&'static str>,
                quorum: usize,
                code: &'static str| PolicyCase {
        name: name.into(),
        description,
        checkpoint: note,
        witnesses: ws,
        quorum,
        expected_code: code,
    };
    let both = vec!["committee", "ngo"];
    // Another witness not in the policy: its line is ignored.
    let outsider = Cosigner::from_seed(
        "witness.example/outsider",
        Algorithm::Ed25519,
        &demo_key("witness:outsider").to_bytes(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let outsider_line = outsider
        .cosign(&text, &cp, 1_768_376_762, &zero)
        .unwrap_or_else(|e| panic!("{e}"));
    // The committee's name with another key: another key ID, so not the committee's line.
    let impostor = Cosigner::from_seed(
        "witness.example/committee",
        Algorithm::Ed25519,
        &demo_key("witness:impostor").to_bytes(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let impostor_line = impostor
        .cosign(&text, &cp, 1_768_376_763, &zero)
        .unwrap_or_else(|e| panic!("{e}"));
    let (ptext, pcp) = split(previous);
    let stale_line = signers[0]
        .0
        .cosign(&ptext, &pcp, 1_768_376_700, &zero)
        .unwrap_or_else(|e| panic!("{e}"));
    // A timestamp of 2^63, signed correctly: too large all the same.
    let big_ts = 1u64 << 63;
    let ed_key = ed25519_dalek::SigningKey::from_bytes(&signers[0].0.seed());
    let big_sig =
        ed25519_dalek::Signer::sign(&ed_key, &cosignature::ed25519_message(&text, big_ts));
    let mut big_raw = signers[0].0.verifier().key_id().to_vec();
    big_raw.extend_from_slice(&big_ts.to_be_bytes());
    big_raw.extend_from_slice(&big_sig.to_bytes());
    let big_line = format!(
        "\u{2014} witness.example/committee {}\n",
        BASE64.encode(big_raw)
    );

    let must_pass = vec![
        case("both", "both witnesses cosigned: 2 of 2", cosigned.clone(), both.clone(), 2, ""),
        case(
            "one-of-two",
            "a quorum of 1: the committee's cosignature alone suffices",
            with(&[&lines[0]]),
            both.clone(),
            1,
            "",
        ),
        case(
            "unknown-lines-ignored",
            "lines of a witness the policy does not name, and of another key under a trusted name, are ignored",
            with(&[&outsider_line, &lines[0], &impostor_line, &lines[1]]),
            both.clone(),
            2,
            "",
        ),
    ];
    let must_fail =
        vec![
        case(
            "quorum-not-met",
            "only the committee cosigned; the policy needs 2",
            with(&[&lines[0]]),
            both.clone(),
            2,
            "witness.quorum",
        ),
        case(
            "no-cosignature",
            "the ledger's signature only",
            checkpoint.to_string(),
            both.clone(),
            1,
            "witness.quorum",
        ),
        case(
            "impostor-not-counted",
            "a line under the committee's name by another key is ignored, so only the NGO counts",
            with(&[&impostor_line, &lines[1]]),
            both.clone(),
            2,
            "witness.quorum",
        ),
        case(
            "one-witness-counted-once",
            "the committee's line twice is one witness",
            with(&[&lines[0], &lines[0]]),
            both.clone(),
            2,
            "witness.quorum",
        ),
        case(
            "ed25519-signature-changed",
            "one bit of the committee's Ed25519 signature flipped",
            with(&[&mutate_line(&lines[0], |r| r[40] ^= 1), &lines[1]]),
            both.clone(),
            1,
            "witness.signature",
        ),
        case(
            "ed25519-timestamp-changed",
            "the committee's timestamp changed by one second (it is signed)",
            with(&[&mutate_line(&lines[0], |r| r[11] ^= 1), &lines[1]]),
            both.clone(),
            1,
            "witness.signature",
        ),
        case(
            "ed25519-truncated",
            "the committee's cosignature without its last byte",
            with(&[&mutate_line(&lines[0], |r| {
                r.pop();
            }), &lines[1]]),
            both.clone(),
            1,
            "witness.signature",
        ),
        case(
            "ml-dsa-44-signature-changed",
            "one bit of the NGO's ML-DSA-44 signature flipped",
            with(&[&lines[0], &mutate_line(&lines[1], |r| r[1000] ^= 1)]),
            both.clone(),
            1,
            "witness.signature",
        ),
        case(
            "ml-dsa-44-timestamp-changed",
            "the NGO's timestamp changed (it is part of cosigned_message)",
            with(&[&lines[0], &mutate_line(&lines[1], |r| r[11] ^= 1)]),
            both.clone(),
            1,
            "witness.signature",
        ),
        case(
            "cosignature-of-another-size",
            "the committee's cosignature of the ledger's smaller checkpoint, attached to this one",
            with(&[&stale_line, &lines[1]]),
            both.clone(),
            1,
            "witness.signature",
        ),
        case(
            "timestamp-too-large",
            "a correctly signed timestamp of 2^63, which exceeds 2^63 - 1",
            with(&[&big_line, &lines[1]]),
            both.clone(),
            1,
            "witness.signature",
        ),
    ];
    // Every case judged by the library as the vectors say.
    for c in must_pass.iter().chain(&must_fail) {
        let p = Policy::k_of_n(
            policy
                .witnesses
                .iter()
                .filter(|w| c.witnesses.contains(&w.label.as_str()))
                .cloned()
                .collect(),
            c.quorum,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        match (p.check(c.checkpoint.as_bytes()), c.expected_code) {
            (Ok(_), "") => {}
            (Err(e), code) if e.code() == code => {}
            (got, want) => panic!("witness case {}: {got:?}, expected {want:?}", c.name),
        }
    }
    let v = Vectors {
        description: DESCRIPTION,
        checkpoint_text: text,
        checkpoint: checkpoint.to_string(),
        witnesses,
        cosignatures: cosigs,
        cosigned_checkpoint: cosigned,
        tlog_policy,
        must_pass,
        must_fail,
    };
    let mut out = serde_json::to_vec_pretty(&v).unwrap_or_else(|e| panic!("{e}"));
    out.push(b'\n');
    out
}

fn ledger_vkey(checkpoint: &str) -> String {
    let origin = checkpoint.lines().next().unwrap_or_default();
    kordon::core::note::NoteSigner::new(origin, demo_key(&format!("ledger:{origin}")))
        .unwrap_or_else(|e| panic!("{e}"))
        .verifier()
        .to_vkey()
}

/// How many must-fail cases `generate` writes (for the README).
pub const MUST_FAIL_CASES: usize = 11;
