//! The conformance suite every storage backend runs (see tests/it/store_conformance.rs).
//! Each check panics with a message naming the broken promise.

use super::*;
use crate::core::hash::leaf_hash;
use crate::core::merkle::{root_of, Frontier};

/// Builds a batch of `n` synthetic entries continuing a frontier.
pub fn synthetic(
    frontier: &mut Frontier,
    start: u64,
    n: u64,
) -> (Vec<NewEntry>, Vec<(NodeId, Hash)>) {
    let mut entries = Vec::new();
    let mut nodes = Vec::new();
    for i in start..start + n {
        let bytes = format!("entry-{i}").into_bytes();
        let leaf = leaf_hash(&bytes);
        frontier.push(leaf, &mut nodes);
        entries.push(NewEntry {
            bytes,
            leaf,
            event_id: format!("ev-{i}"),
        });
    }
    (entries, nodes)
}

fn append(store: &dyn Store, frontier: &mut Frontier, n: u64) -> Result<(), StoreError> {
    let start = frontier.size();
    let (entries, nodes) = synthetic(frontier, start, n);
    let cp = format!("checkpoint {}", frontier.size());
    store.append(Batch {
        expected_size: start,
        entries: &entries,
        nodes: &nodes,
        checkpoint: &cp,
    })
}

/// Runs every check on fresh stores made by `make`.
pub fn run_all(make: &dyn Fn() -> Box<dyn Store>) {
    empty_store(&*make());
    append_and_read_back(&*make());
    stale_append_is_refused_and_writes_nothing(&*make());
    duplicate_event_id_is_refused_and_writes_nothing(&*make());
    duplicate_event_id_within_a_batch_is_refused(&*make());
    snapshots_are_isolated(&*make());
    reads_beyond_the_end_are_errors(&*make());
}

pub fn empty_store(store: &dyn Store) {
    let s = store.snapshot().expect("snapshot of an empty store");
    assert_eq!(s.size(), 0, "an empty store has size 0");
    assert_eq!(
        s.checkpoint().expect("checkpoint"),
        None,
        "no checkpoint before the first append"
    );
    assert!(s.entries(0, 0).expect("empty range").is_empty());
}

pub fn append_and_read_back(store: &dyn Store) {
    let mut f = Frontier::new();
    append(store, &mut f, 5).expect("first batch");
    append(store, &mut f, 12).expect("second batch");
    let s = store.snapshot().expect("snapshot");
    assert_eq!(s.size(), 17);
    let all = s.entries(0, 17).expect("all entries");
    for (i, b) in all.iter().enumerate() {
        assert_eq!(
            b,
            format!("entry-{i}").as_bytes(),
            "entry {i} reads back unchanged"
        );
    }
    assert_eq!(s.entries(3, 6).expect("middle").len(), 3);
    let leaves: Vec<Hash> = all.iter().map(|b| leaf_hash(b)).collect();
    for (i, l) in leaves.iter().enumerate() {
        assert_eq!(
            s.node(NodeId {
                level: 0,
                index: i as u64
            })
            .expect("leaf"),
            *l
        );
    }
    // Every complete interior node is readable and right.
    for level in 1..5u8 {
        let width = 1u64 << level;
        for index in 0..(17 / width) {
            let lo = (index * width) as usize;
            let want = root_of(&leaves[lo..lo + width as usize]);
            assert_eq!(
                s.node(NodeId { level, index }).expect("node"),
                want,
                "node {level}/{index}"
            );
        }
    }
    assert_eq!(
        crate::core::merkle::root_at(&Nodes(&*s), 17).expect("root"),
        root_of(&leaves)
    );
    assert_eq!(s.seq_of_event("ev-9").expect("id"), Some(9));
    assert_eq!(s.seq_of_event("nope").expect("id"), None);
    assert_eq!(
        s.checkpoint().expect("cp").as_deref(),
        Some("checkpoint 17")
    );
}

pub fn stale_append_is_refused_and_writes_nothing(store: &dyn Store) {
    let mut f = Frontier::new();
    append(store, &mut f, 3).expect("first batch");
    let mut stale = Frontier::new();
    let err = append(store, &mut stale, 2).expect_err("append at a stale size must fail");
    assert!(
        matches!(
            err,
            StoreError::Conflict {
                expected: 0,
                actual: 3
            }
        ),
        "conflict names both sizes: {err}"
    );
    let s = store.snapshot().expect("snapshot");
    assert_eq!(s.size(), 3, "a refused append writes nothing");
    assert_eq!(s.checkpoint().expect("cp").as_deref(), Some("checkpoint 3"));
}

pub fn duplicate_event_id_is_refused_and_writes_nothing(store: &dyn Store) {
    let mut f = Frontier::new();
    append(store, &mut f, 2).expect("first batch");
    let (mut entries, nodes) = synthetic(&mut f.clone(), 2, 2);
    entries[1].event_id = "ev-0".into();
    let err = store
        .append(Batch {
            expected_size: 2,
            entries: &entries,
            nodes: &nodes,
            checkpoint: "x",
        })
        .expect_err("a stored event id must be refused");
    assert!(
        err.to_string().contains("ev-0"),
        "the error names the id: {err}"
    );
    let s = store.snapshot().expect("snapshot");
    assert_eq!(s.size(), 2, "nothing of the refused batch was written");
    assert_eq!(s.seq_of_event("ev-2").expect("id"), None);
}

pub fn duplicate_event_id_within_a_batch_is_refused(store: &dyn Store) {
    let mut f = Frontier::new();
    let (mut entries, nodes) = synthetic(&mut f, 0, 3);
    entries[2].event_id = "ev-1".into();
    store
        .append(Batch {
            expected_size: 0,
            entries: &entries,
            nodes: &nodes,
            checkpoint: "x",
        })
        .expect_err("an id twice in one batch must be refused");
    let s = store.snapshot().expect("snapshot");
    assert_eq!(s.size(), 0, "nothing of the refused batch was written");
    assert_eq!(s.seq_of_event("ev-0").expect("id"), None, "nor indexed");
}

pub fn snapshots_are_isolated(store: &dyn Store) {
    let mut f = Frontier::new();
    append(store, &mut f, 4).expect("first batch");
    let before = store.snapshot().expect("snapshot");
    append(store, &mut f, 4).expect("second batch");
    assert_eq!(before.size(), 4, "a snapshot does not see later appends");
    assert_eq!(
        before.checkpoint().expect("cp").as_deref(),
        Some("checkpoint 4")
    );
    assert!(before.entries(0, 8).is_err());
    assert_eq!(before.seq_of_event("ev-6").expect("id"), None);
    assert_eq!(store.snapshot().expect("snapshot").size(), 8);
}

pub fn reads_beyond_the_end_are_errors(store: &dyn Store) {
    let mut f = Frontier::new();
    append(store, &mut f, 3).expect("batch");
    let s = store.snapshot().expect("snapshot");
    assert!(s.entries(2, 4).is_err(), "reading past the end is an error");
    assert!(s.node(NodeId { level: 0, index: 3 }).is_err());
    assert!(
        s.node(NodeId { level: 2, index: 0 }).is_err(),
        "an incomplete subtree has no node"
    );
    assert!(s
        .node(NodeId {
            level: 60,
            index: u64::MAX
        })
        .is_err());
}
