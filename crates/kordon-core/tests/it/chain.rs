//! Judging signed entries (`chain.rs`): decoding and parsing (`prepare`), finding each event's
//! key (`KeyBook`, `resolve_keys`), and `Chain::accept`, which the appender and the verifier
//! both call. A refused entry changes nothing, and the fault names the entry and the rule.

use crate::support::*;
use kordon_core::chain::{self, Chain, Fault, KeyBook, Sig};
use kordon_core::entry;
use kordon_core::event::FormatError;
use kordon_core::hash::{leaf_hash, node_hash, Hash};
use kordon_core::keys;
use kordon_core::rules::{introduced_keys, Rule};
use kordon_core::types::Millis;
use serde_json::json;

/// The signature verdict for a prepared entry, checked one by one with the key the book gives.
fn verdict(book: &mut KeyBook, p: &chain::Prepared, chain: &Chain) -> Sig {
    match book.resolve(&p.event, |id| chain.state.public_key(id)) {
        None => Sig::NoKey,
        Some(pk) if keys::verify_event(&pk, p.event_bytes(), &p.signature) => Sig::Valid,
        Some(_) => Sig::Invalid,
    }
}

/// A chain after accepting `entries`, each checked as a verifier checks it.
fn accept_all(entries: &[Vec<u8>]) -> Chain {
    let mut chain = Chain::new();
    let mut book = KeyBook::default();
    let mut nodes = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let p = chain::prepare(e.clone(), i as u64).unwrap();
        let sig = verdict(&mut book, &p, &chain);
        chain
            .accept(&p, sig, &mut nodes)
            .unwrap_or_else(|f| panic!("entry {i}: {f}"));
    }
    chain
}

/// RFC 9162's Merkle tree hash, computed the plain recursive way.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => Hash::sha256(b""),
        1 => leaves[0],
        n => {
            let k = n.next_power_of_two() / 2;
            node_hash(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// The chain's observable state, to compare before and after a refused entry.
fn snapshot(c: &Chain) -> (u64, Hash, Hash, Millis, kordon_core::rules::State) {
    (
        c.size(),
        c.root(),
        c.last_leaf,
        c.last_recorded,
        c.state.clone(),
    )
}

/// A ledger of the base bodies and a note, its entries and the chain after all but the last.
fn ledger() -> (Vec<Vec<u8>>, Chain) {
    let mut steps = base();
    steps.push(note("sbgs", "the last one"));
    let entries = entries(&steps);
    let chain = accept_all(&entries[..entries.len() - 1]);
    (entries, chain)
}

fn note(by: &str, text: &str) -> Ev {
    ev(by, "note.added", json!({"text": text}))
}

/// Accepts the prepared last entry of `entries` on `chain` with `sig`, expecting a fault; checks
/// that nothing changed and returns the fault.
fn refuse(chain: &mut Chain, p: &chain::Prepared, sig: Sig) -> chain::EntryFault {
    let before = snapshot(chain);
    let mut nodes = Vec::new();
    let f = chain.accept(p, sig, &mut nodes).unwrap_err();
    assert!(nodes.is_empty(), "a refused entry completes no tree node");
    assert_eq!(snapshot(chain), before, "a refused entry changes nothing");
    f
}

#[test]
fn a_valid_ledger_is_accepted_and_its_root_is_the_rfc9162_root() {
    let (entries, _) = ledger();
    let chain = accept_all(&entries);
    let leaves: Vec<Hash> = entries.iter().map(|e| leaf_hash(e)).collect();
    assert_eq!(chain.size(), entries.len() as u64);
    assert_eq!(chain.root(), mth(&leaves));
    assert_eq!(chain.last_leaf, *leaves.last().unwrap());
    assert_eq!(chain.state.size, chain.size());
    assert_eq!(chain.last_recorded, recorded_at(chain.size() - 1));
}

#[test]
fn accepting_an_entry_reports_the_tree_nodes_it_completes() {
    let (entries, _) = ledger();
    let mut chain = Chain::new();
    let mut book = KeyBook::default();
    let mut total = 0;
    for (i, e) in entries.iter().enumerate() {
        let p = chain::prepare(e.clone(), i as u64).unwrap();
        let sig = verdict(&mut book, &p, &chain);
        let mut nodes = Vec::new();
        chain.accept(&p, sig, &mut nodes).unwrap();
        // One node above the leaves per level the new leaf completes, lowest first.
        let n = i as u64 + 1;
        assert_eq!(nodes.len() as u32, n.trailing_zeros(), "entry {i}");
        if n.is_power_of_two() && n > 1 {
            assert_eq!(nodes.last().unwrap().1, chain.root(), "entry {i}");
        }
        total += nodes.len();
    }
    // A tree of n leaves has n - popcount(n) complete subtrees above its leaves.
    let n = entries.len() as u64;
    assert_eq!(total as u64, n - n.count_ones() as u64);
}

#[test]
fn an_entry_out_of_sequence_is_refused_with_the_position_it_should_have() {
    let (entries, mut chain) = ledger();
    let mut p = chain::prepare(entries.last().unwrap().clone(), 0).unwrap();
    p.seq += 1;
    let f = refuse(&mut chain, &p, Sig::Valid);
    assert_eq!(f.fault.code(), "chain.sequence");
    assert_eq!(f.seq, chain.size(), "the fault names the expected position");
    assert!(matches!(f.fault, Fault::Sequence { expected, found } if found == expected + 1));
}

#[test]
fn an_entry_that_does_not_link_to_the_last_is_refused() {
    let (entries, mut chain) = ledger();
    let mut p = chain::prepare(entries.last().unwrap().clone(), 0).unwrap();
    p.prev = Hash::sha256(b"another history");
    let f = refuse(&mut chain, &p, Sig::Valid);
    assert_eq!(f.fault.code(), "chain.prev");
    assert!(
        f.to_string().contains(&format!("entry {}", chain.size())),
        "{f}"
    );
}

#[test]
fn an_entry_recorded_before_the_last_is_refused() {
    let (entries, mut chain) = ledger();
    let mut p = chain::prepare(entries.last().unwrap().clone(), 0).unwrap();
    p.recorded_at = Millis(chain.last_recorded.0 - 1);
    let f = refuse(&mut chain, &p, Sig::Valid);
    assert_eq!(f.fault.code(), "chain.time");
    // The same time as the last is allowed.
    p.recorded_at = chain.last_recorded;
    p.event.at = chain.last_recorded;
    chain.accept(&p, Sig::Valid, &mut Vec::new()).unwrap();
}

#[test]
fn a_bad_signature_is_refused_and_names_the_key() {
    let (entries, mut chain) = ledger();
    let p = chain::prepare(entries.last().unwrap().clone(), 0).unwrap();
    let f = refuse(&mut chain, &p, Sig::Invalid);
    assert_eq!(f.fault.code(), "signature.invalid");
    assert_eq!(f.event_id.as_deref(), Some(p.event.id.as_str()));
    assert!(f.to_string().contains(key_id("sbgs").as_str()), "{f}");
}

#[test]
fn a_signature_by_another_key_does_not_verify() {
    let mut steps = base();
    steps.push(note("sbgs", "forged").key("sbgs"));
    let mut entries = entries(&steps);
    // Re-sign the last event with customs' key, leaving it naming sbgs' key.
    let last = entries.len() - 1;
    let p = chain::prepare(entries[last].clone(), last as u64).unwrap();
    let sig = keys::sign_event(&key("customs"), p.event_bytes());
    entries[last] = entry::encode(p.seq, p.recorded_at, &p.prev, &sig, p.event_bytes()).unwrap();
    let mut chain = accept_all(&entries[..last]);
    let p = chain::prepare(entries[last].clone(), last as u64).unwrap();
    let mut book = KeyBook::from_state(&chain.state);
    assert_eq!(verdict(&mut book, &p, &chain), Sig::Invalid);
    assert_eq!(
        refuse(&mut chain, &p, Sig::Invalid).fault.code(),
        "signature.invalid"
    );
}

#[test]
fn an_unknown_key_is_left_to_the_rules() {
    let mut steps = base();
    steps.push(note("sbgs", "who signs?").key("stray"));
    let entries = entries(&steps);
    let last = entries.len() - 1;
    let mut chain = accept_all(&entries[..last]);
    let p = chain::prepare(entries[last].clone(), last as u64).unwrap();
    let mut book = KeyBook::from_state(&chain.state);
    assert_eq!(verdict(&mut book, &p, &chain), Sig::NoKey);
    let f = refuse(&mut chain, &p, Sig::NoKey);
    assert_eq!(f.fault, Fault::Rule(rule_error(&f, Rule::KeyUnknown)));
}

fn rule_error(f: &chain::EntryFault, want: Rule) -> kordon_core::rules::RuleError {
    match &f.fault {
        Fault::Rule(r) => {
            assert_eq!(r.rule, want, "{f}");
            r.clone()
        }
        other => panic!("expected rule {want}, got {other}"),
    }
}

#[test]
fn a_rule_fault_names_the_rule_and_changes_nothing() {
    let mut steps = base();
    steps.push(ev(
        "sbgs",
        "commitment.accepted",
        json!({"commitment": "AP-9"}),
    ));
    let entries = entries(&steps);
    let last = entries.len() - 1;
    let mut chain = accept_all(&entries[..last]);
    let p = chain::prepare(entries[last].clone(), last as u64).unwrap();
    let f = refuse(&mut chain, &p, Sig::Valid);
    rule_error(&f, Rule::CommitmentUnknown);
    assert_eq!(f.fault.code(), "commitment.unknown");
    assert_eq!(f.seq, last as u64);
    let text = f.to_string();
    assert!(
        text.starts_with(&format!("entry {last} (event ev-{last})")) && text.contains("AP-9"),
        "{text}"
    );
}

#[test]
fn prepare_names_entries_that_do_not_decode_or_parse() {
    let f = chain::prepare(vec![9; 10], 4).unwrap_err();
    assert_eq!(
        (f.seq, f.fault.code(), f.event_id),
        (4, "entry.format", None)
    );
    let (bytes, sig) = note("sbgs", "x").signed(0);
    // Not canonical: a space before the event.
    let mut spaced = b" ".to_vec();
    spaced.extend_from_slice(&bytes);
    let e = entry::encode(0, recorded_at(0), &Hash::ZERO, &sig, &spaced).unwrap();
    let f = chain::prepare(e, 7).unwrap_err();
    assert_eq!(f.fault, Fault::Event(FormatError::NotCanonical));
    assert_eq!((f.seq, f.fault.code()), (7, "event.not-canonical"));
    // Canonical, but of no known type.
    let text = String::from_utf8(bytes)
        .unwrap()
        .replace("note.added", "note.zzz");
    let e = entry::encode(0, recorded_at(0), &Hash::ZERO, &sig, text.as_bytes()).unwrap();
    let f = chain::prepare(e, 0).unwrap_err();
    assert_eq!(f.fault.code(), "event.format");
    assert!(matches!(f.fault, Fault::Event(FormatError::UnknownType(_))));
}

#[test]
fn prepare_keeps_the_bytes_and_hashes_the_entry() {
    let (entries, _) = ledger();
    let e = entries[3].clone();
    let p = chain::prepare(e.clone(), 3).unwrap();
    assert_eq!(p.leaf, leaf_hash(&e));
    assert_eq!(p.bytes, e);
    assert_eq!(p.seq, 3);
    assert_eq!(&e[entry::HEADER_LEN..], p.event_bytes());
}

#[test]
fn keys_registered_earlier_in_a_batch_resolve_for_later_events() {
    // One batch: the genesis (signed by the key it introduces), a body registered with its
    // key, a key that body adds, and an event signed with that added key.
    let steps = vec![
        genesis(),
        register("sbgs", &["executor"]),
        ev(
            "sbgs",
            "key.added",
            json!({"body": "sbgs", "public_key": public_key("sbgs-2")}),
        ),
        note("sbgs", "with the new key").key("sbgs-2"),
        note("sbgs", "with a key nobody registered").key("stray"),
    ];
    let events: Vec<_> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| s.event(i as u64))
        .collect();
    let empty = kordon_core::rules::State::new();
    let found = chain::resolve_keys(&empty, &events);
    let pk = |l: &str| Some(key(l).verifying_key().to_bytes());
    assert_eq!(
        found,
        vec![
            pk("registry"),
            pk("registry"),
            pk("sbgs"),
            pk("sbgs-2"),
            None
        ]
    );
    // And the whole batch, signed, is accepted but for the stray key, which the rules refuse.
    let entries = entries(&steps);
    let mut chain = accept_all(&entries[..4]);
    let p = chain::prepare(entries[4].clone(), 4).unwrap();
    rule_error(&refuse(&mut chain, &p, Sig::NoKey), Rule::KeyUnknown);
}

#[test]
fn a_key_book_from_a_state_knows_its_keys_revoked_or_not() {
    let mut steps = base();
    steps.push(ev(
        "registry",
        "key.revoked",
        json!({"body": "sbgs", "key": key_id("sbgs").as_str(), "reason": "lost"}),
    ));
    let s = state_after(&steps).unwrap();
    let mut book = KeyBook::from_state(&s);
    let old = note("sbgs", "old signature").event(0);
    assert_eq!(
        book.resolve(&old, |_| None),
        Some(key("sbgs").verifying_key().to_bytes()),
        "an old signature can always be checked"
    );
}

#[test]
fn the_keys_each_type_introduces() {
    let pk = |l: &str| key(l).verifying_key().to_bytes();
    assert_eq!(
        introduced_keys(&genesis().event(0).body),
        vec![pk("registry")]
    );
    assert_eq!(
        introduced_keys(&register("sbgs", &["executor"]).event(1).body),
        vec![pk("sbgs")]
    );
    let added = ev(
        "sbgs",
        "key.added",
        json!({"body": "sbgs", "public_key": public_key("sbgs-2")}),
    );
    assert_eq!(introduced_keys(&added.event(2).body), vec![pk("sbgs-2")]);
    // A key that does not decode introduces nothing (the rules refuse it with key.invalid).
    let bad = added.set("/public_key", json!("!!"));
    assert!(introduced_keys(&bad.event(2).body).is_empty());
    assert!(introduced_keys(&note("sbgs", "x").event(3).body).is_empty());
}
