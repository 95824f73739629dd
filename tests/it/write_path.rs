//! The write path of the library: one queue whose futures resolve only once the commit is
//! durable, max-size and max-age batching, the immutable head and waiting for a size,
//! followers off the writer's thread, receipts' proofs, store conflicts from a second writer
//! (caught up on, without a full replay), and storage failures (the ledger never lies).

use crate::common::{FaultStore, World, ORIGIN};
use kordon::core::event::*;
use kordon::core::merkle;
use kordon::fixture::Fixture;
use kordon::ledger::{AppendError, Ledger, Options, Submission, Writes};
use kordon::store::memory::MemoryStore;
use kordon::store::redb::RedbStore;
use kordon::store::{Nodes, Store};
use std::future::Future;
use std::pin::pin;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

fn note(text: &str) -> Body {
    Body::NoteAdded(NoteAdded {
        commitment: None,
        about: None,
        text: text.into(),
        evidence: vec![],
    })
}

/// A fixture ledger on `store` with a coordinator `cmu` and an observer `monitor`.
fn setup(f: &mut Fixture, store: Arc<dyn Store>, options: Options) -> Ledger {
    let ledger = Ledger::open_with(store, f.ledger_signer.clone(), f.clock.clock(), options)
        .expect("the ledger opens");
    if ledger.size() == 0 {
        let subs = vec![
            f.genesis(),
            f.register("cmu", &[Role::Coordinator]),
            f.register("monitor", &[Role::Observer]),
        ];
        for r in ledger.submit_many(subs) {
            r.expect("the set-up is accepted");
        }
    }
    ledger
}

fn poll_once<F: Future>(fut: std::pin::Pin<&mut F>) -> Poll<F::Output> {
    let waker = std::task::Waker::noop();
    fut.poll(&mut Context::from_waker(waker))
}

#[test]
fn a_submission_resolves_only_once_its_commit_is_durable_and_the_head_covers_it() {
    let mut f = Fixture::new(ORIGIN);
    let store = FaultStore::new(Arc::new(MemoryStore::new()));
    let ledger = setup(&mut f, store.clone(), Options::default());
    let before = ledger.head();
    store.set_gate(false);
    let mut fut = pin!(ledger.submit_async(vec![f.sign("monitor", note("held"))]));
    store.wait_for_waiting(1);
    // The append is in progress but not done: the future is pending, nothing is published.
    for _ in 0..5 {
        assert!(poll_once(fut.as_mut()).is_pending());
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(ledger.head().size, before.size);
    assert_eq!(store.inner.snapshot().unwrap().size(), before.size);
    store.set_gate(true);
    let answers = loop {
        if let Poll::Ready(a) = poll_once(fut.as_mut()) {
            break a;
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let r = answers.into_iter().next().unwrap().expect("recorded");
    assert_eq!(r.seq, before.size);
    // Resolved after the head moved past it and the store holds it.
    let head = ledger.head();
    assert!(head.size > r.seq);
    assert_eq!(&*head.checkpoint, &*r.checkpoint);
    assert_eq!(store.inner.snapshot().unwrap().size(), r.seq + 1);
    // The head a reader held before is unchanged: heads are immutable.
    assert_eq!(before.size, r.seq);
}

#[test]
fn followers_hear_every_commit_once_in_order_off_the_writers_thread() {
    let w = World::new();
    // A follower that blocks until released: a page render that takes its time.
    let (release, hold) = std::sync::mpsc::channel::<()>();
    let hold = Mutex::new(hold);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = Arc::clone(&seen);
    w.ledger.subscribe(move |c| {
        let _ = hold.lock().unwrap().recv();
        let mut v = s2.lock().unwrap();
        for e in c.entries {
            v.push(e.seq);
        }
        assert_eq!(c.size, c.entries.last().unwrap().seq + 1);
    });
    let start = w.ledger.size();
    // Submitters are answered while the follower is still stuck on the first commit.
    let mut seqs = Vec::new();
    for i in 0..5 {
        seqs.push(w.ok(w.sign("monitor", note(&format!("n{i}")))).seq);
    }
    assert_eq!(seqs, (start..start + 5).collect::<Vec<_>>());
    assert!(
        seen.lock().unwrap().is_empty(),
        "the follower has not moved"
    );
    for _ in 0..5 {
        release.send(()).unwrap();
    }
    // It catches up: every entry once, in order, whether from the head or from the store.
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.lock().unwrap().len() < 5 {
        assert!(Instant::now() < deadline, "the follower did not catch up");
        let _ = release.send(());
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(*seen.lock().unwrap(), seqs);
}

#[test]
fn wait_for_returns_once_the_head_reaches_a_size() {
    let w = World::new();
    let size = w.ledger.size();
    assert!(w
        .ledger
        .wait_for(size + 1, Duration::from_millis(50))
        .is_none());
    let sub = w.sign("monitor", note("later"));
    std::thread::scope(|s| {
        let waiter = s.spawn(|| w.ledger.wait_for(size + 1, Duration::from_secs(20)));
        w.ok(sub);
        let head = waiter.join().unwrap().expect("the head reached the size");
        assert!(head.size > size);
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let head = rt.block_on(w.ledger.wait_for_async(size + 1)).unwrap();
    assert_eq!(head.size, size + 1);
}

#[test]
fn receipts_carry_proofs_that_match_the_store_for_every_batch_shape() {
    let w = World::new();
    // Batches that start and end at every kind of boundary of the tree.
    for n in [1usize, 2, 3, 5, 8, 13, 1, 31, 64, 7] {
        let subs: Vec<Submission> = (0..n)
            .map(|i| w.sign("monitor", note(&format!("{n}/{i}"))))
            .collect();
        let rs = w.ledger.submit_many(subs);
        let snap = w.store.snapshot().unwrap();
        for r in rs {
            let r = r.unwrap();
            let proof = r.inclusion_proof().unwrap();
            let from_store = merkle::inclusion_proof(&Nodes(&*snap), r.seq, r.size).unwrap();
            assert_eq!(proof, from_store, "entry {} of a batch of {n}", r.seq);
            let root = merkle::root_at(&Nodes(&*snap), r.size).unwrap();
            merkle::verify_inclusion(&r.leaf, r.seq, r.size, &proof, &root).unwrap();
            assert_eq!(r.entry(), &snap.entries(r.seq, r.seq + 1).unwrap()[0][..]);
        }
    }
}

#[test]
fn commits_hold_at_most_max_size_submissions() {
    let mut f = Fixture::new(ORIGIN);
    let store = FaultStore::new(Arc::new(MemoryStore::new()));
    let options = Options {
        max_batch: 4,
        ..Options::default()
    };
    let ledger = setup(&mut f, store.clone(), options);
    store.appends.lock().unwrap().clear();
    let commits = ledger.commits();
    // Hold the writer so that 20 submissions queue up behind it.
    store.set_gate(false);
    let first = ledger.submit_async(vec![f.sign("monitor", note("first"))]);
    store.wait_for_waiting(1);
    let queued: Vec<_> = (0..20)
        .map(|i| ledger.submit_async(vec![f.sign("monitor", note(&format!("q{i}")))]))
        .collect();
    // The check stage takes them in meanwhile (how many in this time depends on the machine's
    // load, so the sizes of the batches are not fixed: only their bound is).
    std::thread::sleep(Duration::from_millis(300));
    store.set_gate(true);
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(first).pop().unwrap().unwrap();
    for q in queued {
        rt.block_on(q).pop().unwrap().unwrap();
    }
    assert_eq!(
        ledger.commits() - commits,
        store.appends.lock().unwrap().len() as u64
    );
    drop(ledger);
    let sizes = store.appends.lock().unwrap();
    assert_eq!(sizes.iter().sum::<usize>(), 21);
    assert!(sizes.iter().all(|n| *n <= 4), "{sizes:?}");
    // Queued submissions were committed together, not one commit each.
    assert!(sizes.len() < 21 && sizes.contains(&4), "{sizes:?}");
}

#[test]
fn an_idle_writer_waits_at_most_max_age_for_a_batch_to_fill() {
    let mut f = Fixture::new(ORIGIN);
    let age = Duration::from_secs(1);
    let options = Options {
        max_age: age,
        ..Options::default()
    };
    let ledger = setup(&mut f, Arc::new(MemoryStore::new()), options);
    // The set-up commit held 3 entries, so a lone submission now waits for company: max-age.
    let t = Instant::now();
    ledger.submit(f.sign("monitor", note("alone"))).unwrap();
    assert!(t.elapsed() >= age, "waited {:?}", t.elapsed());
    // That commit held one: the next lone submission does not wait (a bound far below age).
    let t = Instant::now();
    ledger
        .submit(f.sign("monitor", note("alone again")))
        .unwrap();
    let quick = t.elapsed();
    assert!(quick < age, "waited {quick:?}");
}

/// Two ledgers (two writers) on one store, each with submissions that build on what the other
/// wrote.
fn two_writers_share_one_store(store: Arc<FaultStore>) {
    let mut f = Fixture::new(ORIGIN);
    let a = setup(&mut f, store.clone(), Options::default());
    let b = Ledger::open(store.clone(), f.ledger_signer.clone(), f.clock.clock()).unwrap();
    let base = a.size();
    assert_eq!(b.size(), base);
    // A registers a body; B, which has not seen it, records an event signed by its new key.
    a.submit(f.register("sbgs", &[Role::Executor])).unwrap();
    store.reads.lock().unwrap().clear();
    let r = b
        .submit(f.sign("sbgs", note("from the other writer's new body")))
        .expect("B caught up and accepted it");
    assert_eq!(r.seq, base + 1);
    // B read only the entry it had not seen: no replay from 0.
    let reads = store.reads.lock().unwrap().clone();
    assert!(!reads.is_empty());
    assert!(reads.iter().all(|(start, _)| *start >= base), "{reads:?}");
    // An event A already recorded is refused by B as a replay, naming the rule.
    let dup = f.sign("monitor", note("once"));
    a.submit(dup.clone()).unwrap();
    match b.submit(dup) {
        Err(AppendError::Rejected(fault)) => assert_eq!(fault.fault.code(), "event.replayed"),
        other => panic!("expected event.replayed, got {other:?}"),
    }
    // Both write at once from several threads: every submission is acknowledged exactly once.
    let subs: Vec<Submission> = (0..240)
        .map(|i| f.sign("monitor", note(&format!("c{i}"))))
        .collect();
    let mut seqs: Vec<u64> = std::thread::scope(|s| {
        let handles: Vec<_> = subs
            .chunks(20)
            .enumerate()
            .map(|(i, chunk)| {
                let l = if i % 2 == 0 { &a } else { &b };
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|sub| l.submit(sub.clone()).expect("accepted").seq)
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), 240);
    let size = store.snapshot().unwrap().size();
    assert_eq!(size, base + 3 + 240);
    // Each ledger's head catches up with what the other wrote when it writes next; both agree.
    a.submit(f.sign("monitor", note("a last"))).unwrap();
    b.submit(f.sign("monitor", note("b last"))).unwrap();
    assert_eq!(b.head().size, size + 2);
    assert_eq!(
        b.head().root,
        merkle::root_at(&Nodes(&*store.snapshot().unwrap()), size + 2).unwrap()
    );
    let vkey = a.verifier_key();
    drop(a);
    drop(b);
    let mut export = Vec::new();
    kordon::export::write(&*store, &vkey, &mut export).unwrap();
    let report = crate::common::verify_bytes(&export, None);
    assert!(report.valid, "{:?}", report.failure);
}

#[test]
fn a_conflict_with_another_writer_on_a_memory_store_is_caught_up_and_retried() {
    two_writers_share_one_store(FaultStore::new(Arc::new(MemoryStore::new())));
}

#[test]
fn a_conflict_with_another_writer_on_redb_is_caught_up_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    let redb = RedbStore::open(&dir.path().join("ledger.redb")).unwrap();
    two_writers_share_one_store(FaultStore::new(Arc::new(redb)));
}

#[test]
fn after_a_storage_error_the_ledger_pauses_then_recovers_and_never_blames_the_event() {
    let mut f = Fixture::new(ORIGIN);
    let store = FaultStore::new(Arc::new(MemoryStore::new()));
    let retry = Duration::from_millis(300);
    let options = Options {
        storage_retry: retry,
        ..Options::default()
    };
    let ledger = setup(&mut f, store.clone(), options);
    let size = ledger.size();
    store.fail_before.store(1, SeqCst);
    let lost = f.sign("monitor", note("on a full disk"));
    match ledger.submit(lost.clone()) {
        Err(AppendError::Storage(why)) => assert!(why.contains("no space left"), "{why}"),
        other => panic!("expected a storage error, got {other:?}"),
    }
    assert!(store.recovered.load(SeqCst) >= 1, "the store was reopened");
    // Writes pause: refused at once with the reason and when to retry; nothing is written.
    let head = ledger.head();
    assert_eq!(head.size, size);
    assert!(matches!(head.writes, Writes::Paused { .. }));
    match ledger.submit(f.sign("monitor", note("during the pause"))) {
        Err(AppendError::Unavailable {
            reason,
            retry_after,
        }) => {
            assert!(reason.contains("no space left"), "{reason}");
            assert!(retry_after <= retry);
        }
        other => panic!("expected unavailable, got {other:?}"),
    }
    assert_eq!(store.snapshot().unwrap().size(), size);
    // After the pause the same event, still valid, is recorded where it belongs (no
    // "genesis.first", no reset chain).
    std::thread::sleep(retry);
    let r = ledger
        .submit(lost)
        .expect("the valid event is recorded after the pause");
    assert_eq!(r.seq, size);
    assert_eq!(ledger.head().writes, Writes::Open);
    let report = crate::common::verify_bytes(
        &{
            let mut out = Vec::new();
            kordon::export::write(&*store, &ledger.verifier_key(), &mut out).unwrap();
            out
        },
        None,
    );
    assert!(report.valid, "{:?}", report.failure);
}

#[test]
fn a_batch_that_landed_before_the_store_failed_is_acknowledged_not_denied() {
    let mut f = Fixture::new(ORIGIN);
    let store = FaultStore::new(Arc::new(MemoryStore::new()));
    let ledger = setup(&mut f, store.clone(), Options::default());
    let size = ledger.size();
    store.fail_after.store(1, SeqCst);
    let r = ledger
        .submit(f.sign("monitor", note("written, then the fsync failed")))
        .expect("the entry is durable: the submitter hears so");
    assert_eq!(r.seq, size);
    assert_eq!(store.snapshot().unwrap().size(), size + 1);
    assert_eq!(ledger.head().size, size + 1);
    let proof = r.inclusion_proof().unwrap();
    let snap = store.snapshot().unwrap();
    let root = merkle::root_at(&Nodes(&*snap), r.size).unwrap();
    merkle::verify_inclusion(&r.leaf, r.seq, r.size, &proof, &root).unwrap();
}
