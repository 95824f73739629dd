//! Durability under a power cut that drops what was not synced: the segment-log store runs on
//! a simulated file system (`CutDir`) that keeps only what `fdatasync` made durable (and, by a
//! seed, an arbitrary part of the rest, whole or torn), cut while appends are in flight.

use kordon::core::event::*;
use kordon::core::merkle::Frontier;
use kordon::fixture::Fixture;
use kordon::ledger::Ledger;
use kordon::store::fs::{CutDir, Dir};
use kordon::store::log::{LogStore, SyncPolicy};
use kordon::store::{conformance, Batch, Nodes, Store};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Syncs in the background often, so cuts fall before, during and after background syncs.
const POLICY: SyncPolicy = SyncPolicy {
    entries: 64,
    every: Duration::from_millis(3),
};

/// Appends synthetic batches until the power is cut under the store, and returns the size the
/// last acknowledged append left.
fn append_until_cut(dir: &CutDir, seed: u64) -> u64 {
    let store = LogStore::open_in(Arc::new(dir.clone()) as Arc<dyn Dir>, POLICY).unwrap();
    let size = store.snapshot().unwrap().size();
    let snap = store.snapshot().unwrap();
    let mut f = Frontier::from_reader(&Nodes(&*snap), size).unwrap();
    drop(snap);
    let acked = AtomicU64::new(size);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0.. {
                let start = f.size();
                let (entries, nodes) =
                    conformance::synthetic(&mut f, start, 1 + (i * 7 + seed) % 23);
                let r = store.append(Batch {
                    expected_size: start,
                    entries: &entries,
                    nodes: &nodes,
                    checkpoint: &format!("checkpoint {}", f.size()),
                });
                if r.is_err() {
                    return;
                }
                acked.store(f.size(), Ordering::SeqCst);
            }
        });
        std::thread::sleep(Duration::from_micros(500 + seed * 397 % 4000));
        dir.cut(seed);
    });
    // The store's handles are dead; dropping it must not panic (its last sync fails).
    drop(store);
    acked.load(Ordering::SeqCst)
}

#[test]
fn a_power_cut_during_appends_loses_no_acknowledged_entry() {
    let dir = CutDir::new();
    let mut acked = 0;
    for seed in 0..40u64 {
        let now = append_until_cut(&dir, seed);
        assert!(now >= acked, "acknowledged sizes only grow");
        acked = now;
        let store = LogStore::open_in(Arc::new(dir.clone()) as Arc<dyn Dir>, POLICY)
            .unwrap_or_else(|e| panic!("cut {seed}: the store reopens after a power cut: {e}"));
        let snap = store.snapshot().unwrap();
        let size = snap.size();
        assert!(
            size >= acked,
            "cut {seed}: {acked} entries were acknowledged, {size} survived"
        );
        // Everything that survived is whole: bytes, leaves, ids, tree and checkpoint agree.
        let all = snap.entries(0, size).unwrap();
        let mut f = Frontier::new();
        for (i, b) in all.iter().enumerate() {
            assert_eq!(b, format!("entry-{i}").as_bytes(), "cut {seed}: entry {i}");
            f.push(kordon::core::hash::leaf_hash(b), &mut Vec::new());
        }
        for i in (0..size).step_by(7) {
            assert_eq!(snap.seq_of_event(&format!("ev-{i}")).unwrap(), Some(i));
        }
        assert_eq!(snap.seq_of_event(&format!("ev-{size}")).unwrap(), None);
        if size > 0 {
            assert_eq!(
                kordon::core::merkle::root_at(&Nodes(&*snap), size).unwrap(),
                f.root(),
                "cut {seed}: the stored tree is the tree of the entries"
            );
            assert_eq!(
                snap.checkpoint().unwrap(),
                Some(format!("checkpoint {size}"))
            );
        }
        acked = size;
    }
    assert!(
        acked > 200,
        "the test appended enough to mean something: {acked}"
    );
}

#[test]
fn a_ledger_on_the_log_store_keeps_every_acknowledged_entry_through_power_cuts() {
    let dir = CutDir::new();
    let origin = "kordon.powercut/ibm";
    let mut acked = 0u64;
    for cycle in 0..6u64 {
        let mut f = Fixture::new(origin);
        let store: Arc<dyn Store> =
            Arc::new(LogStore::open_in(Arc::new(dir.clone()) as Arc<dyn Dir>, POLICY).unwrap());
        // Opening replays the whole chain through the rules: a torn or lost entry fails it.
        let ledger = Ledger::open(Arc::clone(&store), f.ledger_signer.clone(), f.clock.clock())
            .unwrap_or_else(|e| panic!("cycle {cycle}: the ledger reopens: {e}"));
        assert!(
            ledger.size() >= acked,
            "cycle {cycle}: {acked} acknowledged, {} kept",
            ledger.size()
        );
        if ledger.size() == 0 {
            for r in ledger.submit_many(vec![f.genesis(), f.register("monitor", &[Role::Observer])])
            {
                r.unwrap();
            }
        } else {
            f.add_author("monitor", "monitor");
        }
        let author = f.author("monitor");
        let last = AtomicU64::new(ledger.size());
        std::thread::scope(|s| {
            s.spawn(|| {
                for n in 0.. {
                    let note = author
                        .sign(
                            origin,
                            f.clock.now(),
                            &Body::NoteAdded(NoteAdded {
                                commitment: None,
                                about: None,
                                text: format!("note {cycle}/{n}"),
                                evidence: vec![],
                            }),
                        )
                        .unwrap();
                    match ledger.submit(note) {
                        Ok(r) => last.store(r.seq + 1, Ordering::SeqCst),
                        Err(_) => return,
                    }
                }
            });
            std::thread::sleep(Duration::from_millis(20 + cycle * 13));
            dir.cut(cycle + 1);
        });
        acked = last.load(Ordering::SeqCst);
        drop(ledger);
    }
    assert!(acked > 20, "{acked}");
}
