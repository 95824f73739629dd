//! The golden vectors in events/vectors (events/SPEC.md): they must be exactly what
//! tools/gen-vectors produces, every byte in ledger.json must check out against the library
//! and against plain SHA-256 / RFC 8032 code, ledger.export must verify, and every must-fail
//! case must be rejected with its code.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::{Signature, VerifyingKey};
use kordon::core::checkpoint;
use kordon::core::event;
use kordon::core::hash::Hash;
use kordon::core::keys;
use kordon::core::merkle;
use kordon::core::note::NoteVerifier;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("events/vectors")
}

fn read(name: &str) -> Vec<u8> {
    let p = dir().join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

fn json(name: &str) -> Value {
    serde_json::from_slice(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn s<'a>(v: &'a Value, field: &str) -> &'a str {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is not a string in {v}"))
}

fn u(v: &Value, field: &str) -> u64 {
    v[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} is not an integer in {v}"))
}

fn unhex(v: &Value, field: &str) -> Vec<u8> {
    hex::decode(s(v, field)).unwrap_or_else(|e| panic!("{field}: {e}"))
}

fn hash(v: &Value, field: &str) -> Hash {
    Hash::from_hex(s(v, field)).unwrap_or_else(|| panic!("{field} is not a hash"))
}

fn hashes(v: &Value) -> Vec<Hash> {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .iter()
        .map(|h| Hash::from_hex(h.as_str().unwrap_or("")).unwrap_or_else(|| panic!("{h}")))
        .collect()
}

/// `SHA-256(0x00 ‖ entry)`, written without the library.
fn leaf(entry: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(entry);
    h.finalize().into()
}

/// The export layout (SPEC.md, "Export bundle"), written without the library.
fn export(vkey: &str, checkpoint: &str, entries: &[Vec<u8>]) -> Vec<u8> {
    export_with(vkey, checkpoint, entries, &[])
}

/// The export layout with `tail` after the last entry (a stream cut short).
fn export_with(vkey: &str, checkpoint: &str, entries: &[Vec<u8>], tail: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"kordon-export/v1\n");
    out.extend_from_slice(vkey.as_bytes());
    out.push(b'\n');
    out.extend_from_slice(checkpoint.len().to_string().as_bytes());
    out.push(b'\n');
    out.extend_from_slice(checkpoint.as_bytes());
    for e in entries {
        out.extend_from_slice(&(e.len() as u16).to_be_bytes());
        out.extend_from_slice(e);
    }
    out.extend_from_slice(tail);
    out
}

fn verify(export: &[u8], trusted: Option<&[u8]>) -> kordon::verify::Report {
    verify_pinned(export, None, trusted)
}

/// Verifies with `pinned` as the ledger's key when given (`kordon verify --key`), else with
/// the export's own key line.
fn verify_pinned(
    export: &[u8],
    pinned: Option<&str>,
    trusted: Option<&[u8]>,
) -> kordon::verify::Report {
    let reader = kordon::export::ExportReader::open(export).expect("export header");
    let vkey = pinned.map_or_else(|| reader.vkey.clone(), str::to_string);
    let cp = reader.checkpoint.clone();
    let mut src = kordon::verify::ExportSource(reader);
    kordon::verify::verify(
        &vkey,
        &cp,
        &mut src,
        &kordon::verify::Options {
            trusted,
            progress: &|_| {},
        },
    )
}

fn ledger_entries(ledger: &Value) -> Vec<Vec<u8>> {
    ledger["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| unhex(e, "entry_hex"))
        .collect()
}

#[test]
fn committed_vectors_are_what_the_generator_produces() {
    let v = match gen_vectors::check(&dir()) {
        Ok(v) => v,
        Err(problems) => panic!(
            "events/vectors is stale; run `cargo run -p gen-vectors`:\n{}",
            problems.join("\n")
        ),
    };
    assert_eq!(v.files.len(), gen_vectors::FILES.len());
    assert!(v.entries >= 20, "only {} entries", v.entries);
    assert!(v.cases >= 40, "only {} must-fail cases", v.cases);
}

#[test]
fn every_entry_checks_out_byte_by_byte() {
    let ledger = json("ledger.json");
    let entries = ledger["entries"].as_array().expect("entries");
    assert!(entries.len() >= 20, "only {} entries", entries.len());
    let mut prev = [0u8; 32];
    let mut last_recorded = 0u64;
    let mut kinds = std::collections::BTreeSet::new();
    for (i, e) in entries.iter().enumerate() {
        let bytes = unhex(e, "entry_hex");
        let event = unhex(e, "event_hex");
        let sig: [u8; 64] = unhex(e, "signature_hex").try_into().expect("64 bytes");
        let seq = u(e, "seq");
        let recorded = u(e, "recorded_at");
        assert_eq!(seq, i as u64);
        // Layout: version, seq, recorded_at, prev, signature, event.
        assert_eq!(bytes[0], 1);
        assert_eq!(&bytes[1..9], &seq.to_be_bytes());
        assert_eq!(&bytes[9..17], &recorded.to_be_bytes());
        assert_eq!(&bytes[17..49], &prev, "entry {i}: prev");
        assert_eq!(hex::encode(&bytes[17..49]), s(e, "prev_hex"));
        assert_eq!(&bytes[49..113], &sig);
        assert_eq!(&bytes[113..], event.as_slice());
        assert!(bytes.len() <= 65_535);
        assert!(recorded >= last_recorded, "entry {i}: time runs backwards");
        last_recorded = recorded;
        assert_eq!(s(e, "event").as_bytes(), event.as_slice());
        // Leaf hash, with plain SHA-256 and with the library.
        let l = leaf(&bytes);
        assert_eq!(
            hex::encode(l),
            s(e, "leaf_hash_hex"),
            "entry {i}: leaf hash"
        );
        assert_eq!(kordon::core::entry::entry_hash(&bytes).0, l);
        prev = l;
        // The event is the canonical (RFC 8785) encoding of what it parses to.
        let value: Value = serde_json::from_slice(&event).expect("event is JSON");
        assert_eq!(
            event::canonical(&value).expect("integers only"),
            event,
            "entry {i}: not canonical"
        );
        let parsed = event::parse(&event).unwrap_or_else(|e| panic!("entry {i}: {e}"));
        assert_eq!(parsed.kind(), s(e, "type"));
        assert_eq!(parsed.id.as_str(), s(e, "event_id"));
        kinds.insert(parsed.kind());
        // Key id and signing message.
        let pk: [u8; 32] = BASE64
            .decode(s(e, "public_key"))
            .expect("base64")
            .try_into()
            .expect("32 bytes");
        assert_eq!(
            hex::encode(&Sha256::digest(pk)[..8]),
            s(e, "key_id"),
            "key id = hex(SHA-256(pk)[0..8])"
        );
        assert_eq!(parsed.key.as_str(), s(e, "key_id"));
        let mut msg = b"kordon/event/v1\n".to_vec();
        msg.extend_from_slice(&event);
        assert_eq!(hex::encode(&msg), s(e, "signing_message_hex"));
        // The signature verifies under ZIP 215 (the library) and under strict RFC 8032
        // (ed25519-dalek's verify_strict), as SPEC.md says honest signatures always do.
        assert!(keys::verify_event(&pk, &event, &sig), "entry {i}: ZIP 215");
        VerifyingKey::from_bytes(&pk)
            .expect("key")
            .verify_strict(&msg, &Signature::from_bytes(&sig))
            .unwrap_or_else(|err| panic!("entry {i}: RFC 8032: {err}"));
        assert_eq!(keys::check_public_key(&pk), Ok(()));
    }
    assert!(
        kinds.len() >= 15,
        "only {} event types: {kinds:?}",
        kinds.len()
    );
    // The genesis names the ledger key that signs the checkpoints.
    let genesis: Value = serde_json::from_str(s(&entries[0], "event")).expect("genesis");
    assert_eq!(genesis["type"], "ledger.genesis");
    assert_eq!(genesis["body"]["ledger_key"], ledger["verifier_key"]);
}

#[test]
fn tree_proofs_and_checkpoints_check_out() {
    let ledger = json("ledger.json");
    let leaves: Vec<Hash> = ledger["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| hash(e, "leaf_hash_hex"))
        .collect();
    let tree = &ledger["tree"];
    let size = u(tree, "size");
    assert_eq!(size, leaves.len() as u64);
    let root = merkle::root_of(&leaves);
    assert_eq!(root, hash(tree, "root_hex"));
    assert_eq!(root.to_base64(), s(tree, "root_base64"));

    let verifier = NoteVerifier::parse(s(&ledger, "verifier_key")).expect("verifier key");
    assert_eq!(verifier.name(), s(&ledger, "origin"));
    assert_eq!(
        BASE64.encode(verifier.public_key()),
        s(&ledger, "ledger_public_key")
    );
    let cp = checkpoint::open(s(tree, "checkpoint").as_bytes(), &verifier).expect("checkpoint");
    assert_eq!(
        (cp.origin.as_str(), cp.size, cp.root),
        (verifier.name(), size, root)
    );
    // The checkpoint text is exactly origin, size and base64 root, one per line.
    assert!(s(tree, "checkpoint").starts_with(&format!(
        "{}\n{size}\n{}\n\n\u{2014} {} ",
        verifier.name(),
        root.to_base64(),
        verifier.name()
    )));

    // The small tree, node by node.
    let small = &ledger["small_tree"];
    let n = u(small, "size") as usize;
    assert_eq!(hashes(&small["leaf_hashes_hex"]), leaves[..n]);
    let node01 = kordon::core::hash::node_hash(&leaves[0], &leaves[1]);
    assert_eq!(node01, hash(small, "node_0_1_hex"));
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(node01.0);
    h.update(leaves[2].0);
    let small_root = Hash(h.finalize().into());
    assert_eq!(small_root, hash(small, "root_hex"));
    assert_eq!(small_root, merkle::root_of(&leaves[..n]));
    let small_cp =
        checkpoint::open(s(small, "checkpoint").as_bytes(), &verifier).expect("small checkpoint");
    assert_eq!((small_cp.size, small_cp.root), (n as u64, small_root));

    let inclusion = ledger["inclusion_proofs"].as_array().expect("proofs");
    assert!(inclusion.len() >= 3);
    for p in inclusion {
        let (seq, at) = (u(p, "seq"), u(p, "size"));
        let proof = hashes(&p["proof_hex"]);
        let root_at = merkle::root_of(&leaves[..at as usize]);
        assert_eq!(root_at, hash(p, "root_hex"));
        assert_eq!(leaves[seq as usize], hash(p, "leaf_hash_hex"));
        merkle::verify_inclusion(&leaves[seq as usize], seq, at, &proof, &root_at)
            .unwrap_or_else(|e| panic!("inclusion of {seq} in {at}: {e}"));
        if let Some(first) = proof.first() {
            let mut bad = proof.clone();
            bad[0] = Hash::sha256(first.as_bytes());
            assert!(
                merkle::verify_inclusion(&leaves[seq as usize], seq, at, &bad, &root_at).is_err()
            );
        }
    }
    let consistency = ledger["consistency_proofs"].as_array().expect("proofs");
    assert!(consistency.len() >= 2);
    for p in consistency {
        let (s1, s2) = (u(p, "size1"), u(p, "size2"));
        let r1 = merkle::root_of(&leaves[..s1 as usize]);
        let r2 = merkle::root_of(&leaves[..s2 as usize]);
        assert_eq!((r1, r2), (hash(p, "root1_hex"), hash(p, "root2_hex")));
        let proof = hashes(&p["proof_hex"]);
        merkle::verify_consistency(s1, s2, &r1, &r2, &proof)
            .unwrap_or_else(|e| panic!("consistency {s1} -> {s2}: {e}"));
        assert!(merkle::verify_consistency(s1, s2, &r2, &r2, &proof).is_err());
    }
}

#[test]
fn the_export_verifies() {
    let ledger = json("ledger.json");
    let entries = ledger_entries(&ledger);
    let bytes = read("ledger.export");
    assert_eq!(
        bytes,
        export(
            s(&ledger, "verifier_key"),
            s(&ledger["tree"], "checkpoint"),
            &entries
        ),
        "ledger.export is not the layout SPEC.md describes"
    );
    let report = verify(&bytes, None);
    assert!(report.valid, "{:?}", report.failure);
    assert_eq!(report.entries_verified, entries.len() as u64);
    assert_eq!(report.checkpoint_size, Some(entries.len() as u64));
    assert_eq!(report.root.as_deref(), Some(s(&ledger["tree"], "root_hex")));
    // Trusting the small tree's checkpoint: the ledger has only grown since.
    let report = verify(
        &bytes,
        Some(s(&ledger["small_tree"], "checkpoint").as_bytes()),
    );
    assert!(report.valid, "{:?}", report.failure);
    assert_eq!(report.trusted_size, Some(3));
}

/// A case of must-fail.json or must-pass.json run through the verifier as an export: the
/// base entries and the case's own, its key line (and the key the reader pins, when they
/// differ), its checkpoints and any bytes after the last entry.
fn run_case(base: &[Vec<u8>], c: &Value) -> kordon::verify::Report {
    let name = s(c, "name");
    let n = u(c, "base_entries") as usize;
    let mut all = base[..n].to_vec();
    for e in c["entries_hex"].as_array().expect("entries_hex") {
        all.push(hex::decode(e.as_str().expect("hex")).expect("hex"));
    }
    if let Some(ev) = c["event"].as_str() {
        let last = all.last().expect("an entry carries the event");
        assert_eq!(&last[113..], ev.as_bytes(), "{name}: event");
        assert_eq!(hex::encode(&last[49..113]), s(c, "signature_hex"), "{name}");
    }
    let key = s(c, "verifier_key");
    let line = c["export_key_line"].as_str();
    let tail = c["export_tail_hex"]
        .as_str()
        .map(|t| hex::decode(t).expect("hex"))
        .unwrap_or_default();
    let bytes = export_with(line.unwrap_or(key), s(c, "checkpoint"), &all, &tail);
    let trusted = c["trusted_checkpoint"].as_str().map(str::as_bytes);
    verify_pinned(&bytes, line.map(|_| key), trusted)
}

#[test]
fn every_must_fail_case_is_rejected_with_its_code() {
    let ledger = json("ledger.json");
    let base = ledger_entries(&ledger);
    let doc = json("must-fail.json");
    assert_eq!(doc["base"], "ledger.json");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 80, "only {} cases", cases.len());
    let mut codes = std::collections::BTreeSet::new();
    let mut names = std::collections::BTreeSet::new();
    for c in cases {
        let name = s(c, "name");
        assert!(names.insert(name.to_string()), "case {name} twice");
        let report = run_case(&base, c);
        assert!(!report.valid, "must-fail case {name} was accepted");
        let f = report.failure.expect("a failure");
        assert_eq!(f.code, s(c, "expected_code"), "{name}: {}", f.message);
        assert_eq!(f.seq, c["expected_seq"].as_u64(), "{name}: {}", f.message);
        codes.insert(f.code);
    }
    for code in [
        "event.not-canonical",
        "event.format",
        "signature.invalid",
        "chain.prev",
        "chain.sequence",
        "chain.time",
        "entry.format",
        "genesis.first",
        "ledger.origin",
        "event.replayed",
        "key.unknown",
        "key.revoked",
        "key.not-authors",
        "key.invalid",
        "role.required",
        "time.too-old",
        "time.in-future",
        "checkpoint.signature",
        "checkpoint.root",
        "ledger.truncated",
        "checkpoint.fork",
        "checkpoint.equivocation",
        "ledger.empty",
        "body.roles",
        "body.update.empty",
        "handover.same-lead",
        "export.format",
        "genesis.time-zone",
        "text.required",
        "checkpoint.trusted-signature",
        "checkpoint.size",
        "genesis.ledger-key",
    ] {
        assert!(codes.contains(code), "no must-fail case reports {code}");
    }
}

#[test]
fn every_must_pass_case_is_accepted() {
    let ledger = json("ledger.json");
    let base = ledger_entries(&ledger);
    let doc = json("must-pass.json");
    assert_eq!(doc["base"], "ledger.json");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 8, "only {} cases", cases.len());
    let mut names = std::collections::BTreeSet::new();
    for c in cases {
        let name = s(c, "name");
        assert!(names.insert(name.to_string()), "case {name} twice");
        let report = run_case(&base, c);
        assert!(report.valid, "must-pass case {name}: {:?}", report.failure);
        assert_eq!(report.entries_verified, u(c, "entries_verified"), "{name}");
        assert_eq!(report.root.as_deref(), Some(s(c, "root_hex")), "{name}");
    }
    // The pairs the decisions come in: each must-pass case has must-fail cases beside it.
    let fails = json("must-fail.json");
    let failing: std::collections::BTreeSet<&str> = fails["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| s(c, "name"))
        .collect();
    for pair in [
        "time-last-second",
        "genesis-time-zone-lowercase",
        "text-zero-width-space",
        "cosignature-name-white-space",
        "checkpoint-control-character",
    ] {
        assert!(failing.contains(pair), "no must-fail case {pair}");
    }
}

#[test]
fn every_proof_case_is_refused() {
    let ledger = json("ledger.json");
    let leaves: Vec<Hash> = ledger["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| hash(e, "leaf_hash_hex"))
        .collect();
    let doc = json("proofs-must-fail.json");
    let cases = doc["cases"].as_array().expect("cases");
    let mut kinds = std::collections::BTreeSet::new();
    for c in cases {
        let name = s(c, "name");
        let proof = hashes(&c["proof_hex"]);
        let refused = match s(c, "kind") {
            "consistency" => merkle::verify_consistency(
                u(c, "size1"),
                u(c, "size2"),
                &hash(c, "root1_hex"),
                &hash(c, "root2_hex"),
                &proof,
            )
            .is_err(),
            "inclusion" => {
                let seq = u(c, "seq");
                assert_eq!(
                    hash(c, "leaf_hash_hex"),
                    leaves[(seq as usize).min(leaves.len() - 1)],
                    "{name}: a leaf of the ledger"
                );
                merkle::verify_inclusion(
                    &hash(c, "leaf_hash_hex"),
                    seq,
                    u(c, "size"),
                    &proof,
                    &hash(c, "root_hex"),
                )
                .is_err()
            }
            other => panic!("{name}: unknown kind {other}"),
        };
        assert!(refused, "proof case {name} was accepted");
        kinds.insert(s(c, "kind").to_string());
    }
    assert_eq!(kinds.len(), 2);
    let names: Vec<&str> = cases.iter().map(|c| s(c, "name")).collect();
    assert!(names.contains(&"consistency-zero-zero"), "{names:?}");
}

#[test]
fn the_time_zone_list_is_the_one_the_rules_use() {
    let text = String::from_utf8(read("time-zones.txt")).expect("UTF-8");
    let listed: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    let core: Vec<&str> = kordon::core::timezone::names().collect();
    assert_eq!(listed, core);
    assert!(listed.contains(&"Europe/Kyiv") && listed.contains(&"Europe/Kiev"));
    assert!(listed.contains(&"UTC") && !listed.contains(&"utc"));
    assert!(!listed.contains(&"Etc/Unknown") && !listed.contains(&"Factory"));
}
