//! Every storage backend passes the same conformance suite.

use kordon::core::merkle::Frontier;
use kordon::store::fs::OsDir;
use kordon::store::log::{LogStore, SyncPolicy};
use kordon::store::{conformance, memory::MemoryStore, redb::RedbStore, Store};
use std::sync::Arc;

#[test]
fn memory_store_conforms() {
    conformance::run_all(&|| Box::new(MemoryStore::new()) as Box<dyn Store>);
}

#[test]
fn redb_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let n = std::cell::Cell::new(0);
    conformance::run_all(&|| {
        n.set(n.get() + 1);
        let path = dir.path().join(format!("s{}.redb", n.get()));
        Box::new(RedbStore::open(&path).unwrap()) as Box<dyn Store>
    });
}

#[test]
fn redb_store_keeps_data_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l.redb");
    let mut f = kordon::core::merkle::Frontier::new();
    {
        let s = RedbStore::open(&path).unwrap();
        let (entries, nodes) = conformance::synthetic(&mut f, 0, 10);
        s.append(kordon::store::Batch {
            expected_size: 0,
            entries: &entries,
            nodes: &nodes,
            checkpoint: "cp10",
        })
        .unwrap();
    }
    let s = RedbStore::open(&path).unwrap();
    let snap = s.snapshot().unwrap();
    assert_eq!(snap.size(), 10);
    assert_eq!(snap.entries(9, 10).unwrap()[0], b"entry-9");
    assert_eq!(snap.checkpoint().unwrap().as_deref(), Some("cp10"));
    assert_eq!(
        snap.seq_of_event("ev-7").unwrap(),
        Some(7),
        "the id index is rebuilt on open"
    );
    assert_eq!(snap.seq_of_event("ev-70").unwrap(), None);
    let root = kordon::core::merkle::root_at(&kordon::store::Nodes(&*snap), 10).unwrap();
    assert_eq!(root, f.root());
}

#[test]
fn log_store_conforms() {
    let dir = tempfile::tempdir().unwrap();
    let n = std::cell::Cell::new(0);
    conformance::run_all(&|| {
        n.set(n.get() + 1);
        let path = dir.path().join(format!("s{}", n.get()));
        Box::new(LogStore::open(&path).unwrap()) as Box<dyn Store>
    });
}

/// Appends `n` synthetic entries continuing `f`, with the checkpoint the suite uses.
fn append_synthetic(s: &dyn Store, f: &mut Frontier, n: u64) {
    let start = f.size();
    let (entries, nodes) = conformance::synthetic(f, start, n);
    s.append(kordon::store::Batch {
        expected_size: start,
        entries: &entries,
        nodes: &nodes,
        checkpoint: &format!("checkpoint {}", f.size()),
    })
    .unwrap();
}

/// Every entry, leaf, id and the root, as a fresh store of the same entries would hold them.
fn check_holds(s: &dyn Store, size: u64) {
    let snap = s.snapshot().unwrap();
    assert_eq!(snap.size(), size);
    let all = snap.entries(0, size).unwrap();
    let mut f = Frontier::new();
    for (i, b) in all.iter().enumerate() {
        assert_eq!(b, format!("entry-{i}").as_bytes(), "entry {i}");
        f.push(kordon::core::hash::leaf_hash(b), &mut Vec::new());
        assert_eq!(
            snap.seq_of_event(&format!("ev-{i}")).unwrap(),
            Some(i as u64),
            "the id of entry {i} is indexed"
        );
    }
    assert_eq!(snap.seq_of_event(&format!("ev-{size}")).unwrap(), None);
    if size > 0 {
        assert_eq!(
            kordon::core::merkle::root_at(&kordon::store::Nodes(&*snap), size).unwrap(),
            f.root()
        );
        assert_eq!(
            snap.checkpoint().unwrap(),
            Some(format!("checkpoint {size}"))
        );
    }
}

#[test]
fn log_store_keeps_data_across_reopen_and_merges_its_id_index() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let mut f = Frontier::new();
    let policy = SyncPolicy {
        entries: 40,
        every: std::time::Duration::from_secs(3600),
    };
    let open = || LogStore::open_in(Arc::new(OsDir(path.clone())), policy).unwrap();
    std::fs::create_dir_all(&path).unwrap();
    {
        let s = open();
        for _ in 0..30 {
            append_synthetic(&s, &mut f, 17);
        }
        // The background sync wrote id runs and merged them: far fewer than the 12 syncs.
        s.sync().unwrap();
        assert!(s.id_runs() <= 5, "{} runs", s.id_runs());
        check_holds(&s, 510);
    }
    let s = open();
    check_holds(&s, 510);
    append_synthetic(&s, &mut f, 3);
    check_holds(&s, 513);
}

#[test]
fn log_store_cuts_off_a_torn_last_frame_and_refuses_a_damaged_earlier_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let mut f = Frontier::new();
    // No background sync: every frame is after the last sync, as after a crash.
    let policy = SyncPolicy {
        entries: u64::MAX,
        every: std::time::Duration::from_secs(3600),
    };
    std::fs::create_dir_all(&path).unwrap();
    let log = path.join("log");
    let lens: Vec<u64> = {
        let s = LogStore::open_in(Arc::new(OsDir(path.clone())), policy).unwrap();
        let mut lens = Vec::new();
        for _ in 0..3 {
            append_synthetic(&s, &mut f, 4);
            lens.push(std::fs::metadata(&log).unwrap().len());
        }
        // Dropping syncs; forget it instead, as a crash would.
        std::mem::forget(s);
        lens
    };
    let flip = |at: u64| {
        let mut b = std::fs::read(&log).unwrap();
        b[at as usize] ^= 0x20;
        std::fs::write(&log, b).unwrap();
    };
    // A byte of the last frame changed: a torn write, cut off; the two frames before stay.
    flip(lens[2] - 40);
    {
        let s = LogStore::open_in(Arc::new(OsDir(path.clone())), policy).unwrap();
        check_holds(&s, 8);
        assert_eq!(std::fs::metadata(&log).unwrap().len(), lens[1]);
        std::mem::forget(s);
    }
    // A byte of the first frame changed while the second is whole: damage, refused.
    flip(lens[0] - 40);
    let err = LogStore::open_in(Arc::new(OsDir(path.clone())), policy)
        .err()
        .expect("a damaged acknowledged frame must not be cut off");
    assert!(
        err.to_string().contains("damaged") && err.to_string().contains("entry 0"),
        "{err}"
    );
    assert_eq!(
        std::fs::metadata(&log).unwrap().len(),
        lens[1],
        "nothing was cut off"
    );
}

#[test]
fn log_store_names_a_changed_entry_and_rebuilds_damaged_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("l");
    let mut f = Frontier::new();
    {
        let s = LogStore::open(&path).unwrap();
        append_synthetic(&s, &mut f, 20);
    }
    // Damaged state and id index: the log still holds everything, so both are derived again.
    std::fs::write(path.join("state"), b"garbage").unwrap();
    for e in std::fs::read_dir(&path).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().unwrap().to_str().unwrap().starts_with("ids-") {
            std::fs::write(&p, b"garbage").unwrap();
        }
    }
    {
        let s = LogStore::open(&path).unwrap();
        check_holds(&s, 20);
    }
    // One byte of entry 7 changed in the log: reading it names it.
    let mut b = std::fs::read(path.join("log")).unwrap();
    let at = b
        .windows(7)
        .position(|w| w == b"entry-7")
        .expect("the entry is in the log");
    b[at] = b'E';
    std::fs::write(path.join("log"), b).unwrap();
    let s = LogStore::open(&path).unwrap();
    let snap = s.snapshot().unwrap();
    let err = snap
        .entries(0, 20)
        .expect_err("a changed entry is never served");
    assert!(err.to_string().contains("entry 7"), "{err}");
    assert_eq!(
        snap.entries(8, 20).unwrap().len(),
        12,
        "the others still read"
    );
}
