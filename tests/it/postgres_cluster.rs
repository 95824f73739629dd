//! The PostgreSQL store on a three-node Patroni cluster with a synchronous standby in strict
//! mode: primaries killed with SIGKILL while writers append lose no acknowledged entry.

use crate::common::patroni::Cluster;
use kordon::core::hash::Hash;
use kordon::core::merkle::Frontier;
use kordon::store::postgres::{Options, PostgresStore};
use kordon::store::{conformance, Batch, Nodes, Store, StoreError};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Appends synthetic batches until `stop`, from the store's own size each time; returns every
/// batch the store acknowledged: (first seq, leaf hashes).
fn writer(store: Arc<PostgresStore>, id: usize, stop: Arc<AtomicBool>) -> Vec<(u64, Vec<Hash>)> {
    let mut acked = Vec::new();
    let mut n = 0u64;
    while !stop.load(Ordering::SeqCst) {
        let snap = match store.snapshot() {
            Ok(s) => s,
            Err(_) => {
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        let size = snap.size();
        // The frontier of what is stored, rebuilt from the leaves (small ledgers only).
        let mut f = Frontier::new();
        let leaves: Vec<Hash> = (0..size)
            .map(|i| snap.node(kordon::core::merkle::NodeId { level: 0, index: i }))
            .collect::<Result<_, _>>()
            .unwrap_or_default();
        if leaves.len() as u64 != size {
            continue;
        }
        for l in &leaves {
            f.push(*l, &mut Vec::new());
        }
        drop(snap);
        let (mut entries, nodes) = conformance::synthetic(&mut f, size, 5);
        for e in &mut entries {
            n += 1;
            e.event_id = format!("w{id}-{n}");
            e.bytes = format!("w{id}-{n}-{}", "x".repeat(100)).into_bytes();
            e.leaf = kordon::core::hash::leaf_hash(&e.bytes);
        }
        // Recompute the nodes for the bytes actually written.
        let mut f2 = Frontier::new();
        for l in &leaves {
            f2.push(*l, &mut Vec::new());
        }
        let mut nodes2 = Vec::new();
        for e in &entries {
            f2.push(e.leaf, &mut nodes2);
        }
        let _ = nodes;
        let cp = format!("checkpoint {}", f2.size());
        match store.append(Batch {
            expected_size: size,
            entries: &entries,
            nodes: &nodes2,
            checkpoint: &cp,
        }) {
            Ok(()) => acked.push((size, entries.iter().map(|e| e.leaf).collect())),
            Err(StoreError::Conflict { .. }) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    acked
}

#[test]
fn killing_primaries_loses_no_acknowledged_append_and_never_forks() {
    let mut cluster = Cluster::start(3);
    let db = cluster.create_db("kordon_failover");
    let url = cluster.url(&db);
    let opts = Options {
        outcome_timeout: Duration::from_secs(90),
        ..Options::default()
    };
    let stores: Vec<Arc<PostgresStore>> = (0..2)
        .map(|_| Arc::new(PostgresStore::open_with(&url, opts.clone()).unwrap()))
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = stores
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (s, stop) = (Arc::clone(s), Arc::clone(&stop));
            std::thread::spawn(move || writer(s, i, stop))
        })
        .collect();
    let progress = |what: &str| {
        let s = stores[0].snapshot().map(|s| s.size()).unwrap_or(0);
        eprintln!("{what}: size {s}");
        s
    };
    let kills = Mutex::new(Vec::new());
    for round in 0..3 {
        // Let the writers work, then kill the primary like a machine dies.
        let before = progress("writing");
        let until = Instant::now() + Duration::from_secs(60);
        while progress("writing") < before + 50 {
            assert!(Instant::now() < until, "writes did not resume");
            std::thread::sleep(Duration::from_millis(500));
        }
        let leader = cluster.leader().expect("a leader");
        let t = Instant::now();
        // Twice a machine dies; once only PostgreSQL does, and Patroni restarts it in place
        // with whatever its WAL holds, acknowledged or not.
        let in_place = round == 1;
        if in_place {
            cluster.kill_postgres(leader);
        } else {
            cluster.kill_node(leader);
        }
        let at = progress("killed");
        // Writes resume on the new primary.
        let until = Instant::now() + Duration::from_secs(90);
        while progress("failing over") <= at {
            assert!(
                Instant::now() < until,
                "round {round}: writes did not resume after the kill"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
        kills.lock().unwrap().push(t.elapsed());
        // The dead machine is replaced by a new one, cloned from the new primary.
        if !in_place {
            cluster.replace_node(leader);
        }
        cluster.wait_healthy(Duration::from_secs(120));
    }
    stop.store(true, Ordering::SeqCst);
    let acked: Vec<(u64, Vec<Hash>)> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    eprintln!(
        "failover to the first acknowledged write: {:?}",
        kills.lock().unwrap()
    );
    // Every acknowledged batch is stored, at its place, with its leaf hashes; no two overlap.
    let check = PostgresStore::open(&url).unwrap();
    let snap = check.snapshot().unwrap();
    let mut covered = vec![false; snap.size() as usize];
    for (start, leaves) in &acked {
        for (i, l) in leaves.iter().enumerate() {
            let seq = start + i as u64;
            assert!(seq < snap.size(), "acknowledged entry {seq} is missing");
            let stored = snap
                .node(kordon::core::merkle::NodeId {
                    level: 0,
                    index: seq,
                })
                .unwrap();
            assert_eq!(
                stored, *l,
                "acknowledged entry {seq} has another leaf: a fork"
            );
            assert!(!covered[seq as usize], "entry {seq} acknowledged twice");
            covered[seq as usize] = true;
        }
    }
    assert!(
        acked.len() > 30,
        "the writers made progress: {}",
        acked.len()
    );
    // The stored tree is the tree of the stored leaves, on every node alike.
    let mut f = Frontier::new();
    for i in 0..snap.size() {
        f.push(
            snap.node(kordon::core::merkle::NodeId { level: 0, index: i })
                .unwrap(),
            &mut Vec::new(),
        );
    }
    let root = kordon::core::merkle::root_at(&Nodes(&*snap), snap.size()).unwrap();
    assert_eq!(root, f.root());
    let size = snap.size();
    for i in 0..cluster.nodes.len() {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let s = cluster
                .psql(i, &db, "SELECT size FROM kordon_head")
                .unwrap_or_default();
            if s == size.to_string() {
                break;
            }
            assert!(
                Instant::now() < until,
                "node {i} never caught up: {s} of {size}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}
