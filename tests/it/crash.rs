//! Durability: a writer killed with SIGKILL at arbitrary moments loses no acknowledged entry,
//! and the ledger reopens with a valid chain.
//!
//! The test re-runs its own binary as the child writer (selected by an environment variable),
//! so the kill hits a real process in the middle of real appends and fsyncs.

use kordon::core::event::*;
use kordon::fixture::Fixture;
use kordon::ledger::Ledger;
use kordon::store::log::LogStore;
use kordon::store::redb::RedbStore;
use kordon::store::Store;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "KORDON_CRASH_CHILD_DB";
const CHILD_KIND: &str = "KORDON_CRASH_CHILD_KIND";
const ORIGIN: &str = "kordon.crash/ibm";

/// Opens the store under test: `redb` (a file) or `log` (a directory).
fn open_store(kind: &str, path: &std::path::Path) -> Arc<dyn Store> {
    match kind {
        "log" => Arc::new(LogStore::open(path).expect("the log store reopens after a kill")),
        _ => Arc::new(RedbStore::open(path).expect("the ledger reopens after a kill")),
    }
}

fn child(kind: &str, path: &str) {
    let mut f = Fixture::new(ORIGIN);
    f.clock.0.store(
        kordon::ledger::system_clock()().0,
        std::sync::atomic::Ordering::SeqCst,
    );
    let store = open_store(kind, std::path::Path::new(path));
    let fresh = store.snapshot().unwrap().size() == 0;
    let ledger = Ledger::open(
        store,
        f.ledger_signer.clone(),
        kordon::ledger::system_clock(),
    )
    .unwrap();
    if fresh {
        let g = f.genesis();
        let r = f.register("monitor", &[Role::Observer]);
        for x in ledger.submit_many(vec![g, r]) {
            x.unwrap();
        }
    } else {
        f.add_author("monitor", "monitor");
    }
    let author = f.author("monitor");
    let mut n = 0u64;
    loop {
        let batch: Vec<_> = (0..40)
            .map(|i| {
                n += 1;
                author
                    .sign(
                        ORIGIN,
                        kordon::ledger::system_clock()(),
                        &Body::NoteAdded(NoteAdded {
                            commitment: None,
                            about: None,
                            text: format!("note {n} {i} {}", "x".repeat(200)),
                            evidence: vec![],
                        }),
                    )
                    .unwrap()
            })
            .collect();
        let mut last = 0;
        for r in ledger.submit_many(batch) {
            last = r.unwrap().seq;
        }
        // Acknowledged: only now does the child tell the world.
        println!("{last}");
    }
}

/// A test's name as the test harness knows it (`crash::killed_…`), to re-run it as a child.
fn this_test(name: &str) -> String {
    let module = module_path!().split_once("::").map_or("", |(_, m)| m);
    format!("{module}::{name}")
}

#[test]
fn killed_writers_lose_no_acknowledged_entry() {
    killed_writers(
        "redb",
        "ledger.redb",
        "killed_writers_lose_no_acknowledged_entry",
    );
}

#[test]
fn killed_writers_lose_no_acknowledged_entry_on_the_log_store() {
    killed_writers(
        "log",
        "ledger.log",
        "killed_writers_lose_no_acknowledged_entry_on_the_log_store",
    );
}

fn killed_writers(kind: &str, file: &str, test: &str) {
    if let (Ok(path), Ok(k)) = (std::env::var(CHILD_ENV), std::env::var(CHILD_KIND)) {
        child(&k, &path);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join(file);
    let exe = std::env::current_exe().unwrap();
    let mut acknowledged: u64 = 0;
    for cycle in 0..4u64 {
        let mut c = Command::new(&exe)
            .args([
                "--exact",
                &this_test(test),
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &db)
            .env(CHILD_KIND, kind)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = BufReader::new(c.stdout.take().unwrap());
        let start = Instant::now();
        // Let it run a different number of batches each cycle, then kill it mid-flight.
        let want = 3 + cycle * 2;
        let mut acks = 0;
        for line in out.lines() {
            let line = line.unwrap();
            if let Ok(seq) = line.trim().parse::<u64>() {
                acknowledged = acknowledged.max(seq);
                acks += 1;
                if acks >= want {
                    break;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "child made no progress"
            );
        }
        assert_eq!(acks, want, "cycle {cycle}: the child writer stopped early");
        std::thread::sleep(Duration::from_millis(3 * cycle));
        c.kill().unwrap(); // SIGKILL
        c.wait().unwrap();

        let store = open_store(kind, &db);
        let snap = store.snapshot().unwrap();
        assert!(
            snap.size() > acknowledged,
            "cycle {cycle}: entry {acknowledged} was acknowledged but the ledger has {} entries",
            snap.size()
        );
        let cp = snap.checkpoint().unwrap().unwrap();
        let f = Fixture::new(ORIGIN);
        let report = kordon::verify::verify(
            &f.ledger_signer.verifier().to_vkey(),
            cp.as_bytes(),
            &mut kordon::verify::SnapshotSource {
                snapshot: &*snap,
                next: 0,
            },
            &kordon::verify::Options {
                trusted: None,
                progress: &|_| {},
            },
        );
        assert!(report.valid, "cycle {cycle}: {:?}", report.failure);
    }
    assert!(acknowledged > 100);
}
