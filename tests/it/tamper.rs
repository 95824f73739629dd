//! The tamper catalogue: every way of altering a ledger that `kordon verify` must catch, each
//! reported with the entry's sequence number (where one entry is to blame) and the reason.

use crate::common::*;
use kordon::core::checkpoint::Checkpoint;
use kordon::core::entry::{self, EntryRef};
use kordon::core::event::*;
use kordon::core::merkle::Frontier;
use kordon::core::note::NoteSigner;
use kordon::export::ExportReader;
use kordon::fixture::{b, demo_key, Fixture};
use kordon::ledger::Submission;
use kordon::verify::Report;

/// An export taken apart.
#[derive(Clone)]
struct Parts {
    vkey: String,
    checkpoint: Vec<u8>,
    entries: Vec<Vec<u8>>,
}

fn split(export: &[u8]) -> Parts {
    let mut r = ExportReader::open(export).unwrap();
    let mut entries = Vec::new();
    while let Some(e) = r.next_entry().unwrap() {
        entries.push(e);
    }
    Parts {
        vkey: r.vkey.clone(),
        checkpoint: r.checkpoint.clone(),
        entries,
    }
}

fn join(p: &Parts) -> Vec<u8> {
    let mut out = format!("kordon-export/v1\n{}\n{}\n", p.vkey, p.checkpoint.len()).into_bytes();
    out.extend_from_slice(&p.checkpoint);
    for e in &p.entries {
        out.extend_from_slice(&(e.len() as u16).to_be_bytes());
        out.extend_from_slice(e);
    }
    out
}

fn verify_parts(p: &Parts, trusted: Option<&[u8]>) -> Report {
    verify_bytes(&join(p), trusted)
}

/// Asserts the report is a failure with `code`, naming entry `seq` (if given).
fn fails(r: &Report, code: &str, seq: Option<u64>) -> String {
    assert!(!r.valid, "tampering with {code} expected was not detected");
    let f = r.failure.as_ref().unwrap();
    assert_eq!(f.code, code, "wrong failure: {}", f.message);
    assert_eq!(f.seq, seq, "wrong entry named: {}", f.message);
    if let Some(s) = seq {
        assert!(
            f.message.contains(&format!("entry {s}")),
            "message names the entry: {}",
            f.message
        );
    }
    f.message.clone()
}

/// A ledger with a commitment and 12 notes: 20 entries.
fn world() -> World {
    let w = World::new();
    w.active_commitment("AP-1", "sbgs");
    for i in 0..12 {
        w.f.clock.advance(60_000);
        w.ok(note(&w, "monitor", &format!("note {i}")));
    }
    w
}

fn note(w: &World, who: &str, text: &str) -> Submission {
    w.sign(
        who,
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: text.into(),
            evidence: vec![],
        }),
    )
}

/// Appends a submission as a dishonest operator would: a well-formed entry and a freshly
/// signed checkpoint, without any rule check.
fn forge_append(p: &mut Parts, f: &Fixture, sub: &Submission) {
    let last = entry::entry_hash(p.entries.last().unwrap());
    let last_at = EntryRef::decode(p.entries.last().unwrap())
        .unwrap()
        .recorded_at;
    let e = entry::encode(
        p.entries.len() as u64,
        last_at,
        &last,
        &sub.signature,
        &sub.event,
    )
    .unwrap();
    p.entries.push(e);
    resign(p, &f.ledger_signer);
}

fn resign(p: &mut Parts, signer: &NoteSigner) {
    let mut fr = Frontier::new();
    let mut scratch = Vec::new();
    for e in &p.entries {
        fr.push(entry::entry_hash(e), &mut scratch);
    }
    p.checkpoint = Checkpoint {
        origin: ORIGIN.into(),
        size: fr.size(),
        root: fr.root(),
        extensions: vec![],
    }
    .sign(signer)
    .unwrap()
    .into_bytes();
}

#[test]
fn the_untouched_export_verifies() {
    let w = world();
    let r = verify_bytes(&w.export(), None);
    assert!(r.valid, "{:?}", r.failure);
    assert_eq!(r.entries_verified, 20);
}

#[test]
fn a_changed_byte_in_an_event_is_caught_at_its_entry() {
    let p = split(&world().export());
    // Change one letter of the note text in entry 9 ("note 1" -> "nose 1").
    let mut t = p.clone();
    let e = &mut t.entries[9];
    let pos = e.windows(6).position(|w| w == b"note 1").unwrap();
    e[pos + 2] = b's';
    let msg = fails(&verify_parts(&t, None), "signature.invalid", Some(9));
    assert!(msg.contains("monitor"), "{msg}");
    // A byte that breaks the JSON.
    let mut t = p.clone();
    let n = t.entries[9].len();
    t.entries[9][n - 1] = b' ';
    fails(&verify_parts(&t, None), "event.format", Some(9));
}

#[test]
fn a_changed_byte_in_a_signature_is_caught() {
    let mut p = split(&world().export());
    p.entries[7][60] ^= 0x01;
    fails(&verify_parts(&p, None), "signature.invalid", Some(7));
}

#[test]
fn changed_entry_fields_are_caught() {
    let p = split(&world().export());
    // seq
    let mut t = p.clone();
    t.entries[5][8] ^= 1;
    let msg = fails(&verify_parts(&t, None), "chain.sequence", Some(5));
    assert!(msg.contains("expected 5"), "{msg}");
    // prev
    let mut t = p.clone();
    t.entries[5][20] ^= 1;
    fails(&verify_parts(&t, None), "chain.prev", Some(5));
    // recorded_at: entry 5's hash changes, so entry 6's link breaks.
    let mut t = p.clone();
    t.entries[5][16] ^= 1;
    fails(&verify_parts(&t, None), "chain.prev", Some(6));
    // recorded_at of the last entry: only the root can tell.
    let mut t = p.clone();
    let last = t.entries.len() - 1;
    t.entries[last][16] ^= 1;
    fails(&verify_parts(&t, None), "checkpoint.root", None);
    // version byte
    let mut t = p.clone();
    t.entries[3][0] = 9;
    fails(&verify_parts(&t, None), "entry.format", Some(3));
}

#[test]
fn deleted_inserted_duplicated_and_reordered_entries_are_caught() {
    let p = split(&world().export());
    let mut t = p.clone();
    t.entries.remove(8);
    let msg = fails(&verify_parts(&t, None), "chain.sequence", Some(8));
    assert!(msg.contains("found 9") || msg.contains("is 9"), "{msg}");

    let mut t = p.clone();
    let copy = t.entries[4].clone();
    t.entries.insert(10, copy);
    fails(&verify_parts(&t, None), "chain.sequence", Some(10));

    let mut t = p.clone();
    let copy = t.entries[12].clone();
    t.entries.insert(13, copy);
    fails(&verify_parts(&t, None), "chain.sequence", Some(13));

    let mut t = p.clone();
    t.entries.swap(14, 15);
    fails(&verify_parts(&t, None), "chain.sequence", Some(14));

    // Entries cut off the end without a new checkpoint.
    let mut t = p.clone();
    t.entries.truncate(17);
    let msg = fails(&verify_parts(&t, None), "ledger.truncated", Some(17));
    assert!(msg.contains("20"), "{msg}");
}

#[test]
fn a_truncated_ledger_with_a_fresh_checkpoint_is_caught_by_trusted() {
    // Fixture ledgers are deterministic, so a shorter one is an exact prefix of a longer one.
    let long = world();
    let trusted = long.ledger.checkpoint().unwrap().unwrap();
    let mut p = split(&long.export());
    p.entries.truncate(15);
    resign(&mut p, &long.f.ledger_signer);
    assert!(
        verify_parts(&p, None).valid,
        "without a trusted checkpoint it looks fine"
    );
    let msg = fails(
        &verify_parts(&p, Some(trusted.as_bytes())),
        "ledger.truncated",
        Some(15),
    );
    assert!(msg.contains("20") && msg.contains("15"), "{msg}");
}

#[test]
fn two_checkpoints_of_one_size_with_different_roots_prove_equivocation() {
    let a = world();
    let trusted = a.ledger.checkpoint().unwrap().unwrap();
    // A second history of the same length, differing in one note.
    let b = World::new();
    b.active_commitment("AP-1", "sbgs");
    for i in 0..12 {
        b.f.clock.advance(60_000);
        let text = if i == 5 {
            "rewritten".to_string()
        } else {
            format!("note {i}")
        };
        b.ok(note(&b, "monitor", &text));
    }
    let r = verify_bytes(&b.export(), Some(trusted.as_bytes()));
    fails(&r, "checkpoint.equivocation", None);
    let f = r.failure.unwrap();
    assert_eq!(
        f.evidence.len(),
        2,
        "both signed checkpoints are given as proof"
    );
    assert_ne!(f.evidence[0], f.evidence[1]);

    // A rewritten history that is longer: the prefix no longer matches the trusted root.
    b.ok(note(&b, "monitor", "one more"));
    let r = verify_bytes(&b.export(), Some(trusted.as_bytes()));
    fails(&r, "checkpoint.fork", Some(19));
}

#[test]
fn events_signed_with_a_revoked_key_are_caught() {
    let mut w = world();
    let old = w.f.author("sbgs").key_id();
    w.ok(w.sign(
        "sbgs",
        Body::KeyAdded(KeyAdded {
            body: b("sbgs"),
            public_key: Fixture::public_key_b64("sbgs-2"),
        }),
    ));
    w.f.add_author("sbgs", "sbgs-2");
    w.ok(w.sign(
        "sbgs",
        Body::KeyRevoked(KeyRevoked {
            body: b("sbgs"),
            key: old,
            reason: "rotation".into(),
        }),
    ));
    w.f.add_author("sbgs", "sbgs");
    let mut p = split(&w.export());
    let n = p.entries.len() as u64;
    forge_append(&mut p, &w.f, &note(&w, "sbgs", "signed with the old key"));
    let msg = fails(&verify_parts(&p, None), "key.revoked", Some(n));
    assert!(msg.contains("revoked at entry"), "{msg}");
}

#[test]
fn events_signed_by_an_unregistered_key_are_caught() {
    let mut w = world();
    w.f.add_author("sbgs", "intruder");
    let mut p = split(&w.export());
    forge_append(&mut p, &w.f, &note(&w, "sbgs", "who am I"));
    fails(&verify_parts(&p, None), "key.unknown", Some(20));
}

#[test]
fn events_by_a_body_the_rules_do_not_allow_are_caught() {
    let w = world();
    let mut p = split(&w.export());
    // An observer assigns a commitment.
    let sub = w.sign(
        "monitor",
        Body::CommitmentAssigned(Fixture::commitment("AP-9", Some("sbgs"), "2026-06-30")),
    );
    forge_append(&mut p, &w.f, &sub);
    let msg = fails(&verify_parts(&p, None), "role.required", Some(20));
    assert!(msg.contains("monitor"), "{msg}");
}

#[test]
fn an_event_from_another_ledger_is_caught() {
    let w = world();
    let mut other = Fixture::new("kordon.elsewhere/ibm");
    other.add_author("monitor", "monitor");
    let mut p = split(&w.export());
    forge_append(
        &mut p,
        &w.f,
        &other.sign(
            "monitor",
            Body::NoteAdded(NoteAdded {
                commitment: None,
                about: None,
                text: "from elsewhere".into(),
                evidence: vec![],
            }),
        ),
    );
    let msg = fails(&verify_parts(&p, None), "ledger.origin", Some(20));
    assert!(msg.contains("kordon.elsewhere/ibm"), "{msg}");
}

#[test]
fn a_replayed_event_is_caught() {
    let w = world();
    let mut p = split(&w.export());
    let e = EntryRef::decode(&p.entries[10]).unwrap();
    let sub = Submission {
        event: e.event.to_vec(),
        signature: e.signature,
    };
    forge_append(&mut p, &w.f, &sub);
    let msg = fails(&verify_parts(&p, None), "event.replayed", Some(20));
    assert!(msg.contains("recorded before"), "{msg}");
}

#[test]
fn a_changed_or_foreign_checkpoint_is_caught() {
    let w = world();
    let p = split(&w.export());
    // One byte of the checkpoint's size line.
    let mut t = p.clone();
    let pos = t.checkpoint.iter().position(|c| *c == b'\n').unwrap() + 1;
    t.checkpoint[pos] = b'3';
    fails(&verify_parts(&t, None), "checkpoint.signature", None);
    // One byte of the signature.
    let mut t = p.clone();
    let n = t.checkpoint.len();
    t.checkpoint[n - 5] ^= 0x01;
    fails(&verify_parts(&t, None), "checkpoint.signature", None);
    // A checkpoint signed by another key under the same name.
    let mut t = p.clone();
    let impostor = NoteSigner::new(ORIGIN, demo_key("impostor")).unwrap();
    resign(&mut t, &impostor);
    let msg = fails(&verify_parts(&t, None), "checkpoint.signature", None);
    assert!(msg.contains("ledger key"), "{msg}");
    // The impostor also swaps the verifier key in the export: the genesis still names the
    // real key, so the export is refused.
    t.vkey = impostor.verifier().to_vkey();
    fails(&verify_parts(&t, None), "genesis.ledger-key", Some(0));
}

#[test]
fn a_trusted_checkpoint_by_the_wrong_key_is_refused() {
    let w = world();
    let mut p = split(&w.export());
    let impostor = NoteSigner::new(ORIGIN, demo_key("impostor")).unwrap();
    let real = p.checkpoint.clone();
    resign(&mut p, &impostor);
    let fake_trusted = p.checkpoint.clone();
    p.checkpoint = real;
    fails(
        &verify_parts(&p, Some(&fake_trusted)),
        "checkpoint.trusted-signature",
        None,
    );
}

#[test]
fn of_several_faults_the_earliest_is_reported() {
    let mut p = split(&world().export());
    // A format fault late in the chunk, and a broken link early.
    let n = p.entries[15].len();
    p.entries[15][n - 1] = b' ';
    p.entries[6][20] ^= 1;
    fails(&verify_parts(&p, None), "chain.prev", Some(6));
}
