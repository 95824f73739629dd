//! Every storage backend passes the same conformance suite, opened by its address as
//! `kordon serve --store` opens it.

use kordon::core::merkle::Frontier;
use kordon::store::fs::OsDir;
use kordon::store::log::{LogStore, SyncPolicy};
use kordon::store::{self, conformance, redb::RedbStore, Store, StoreError};
use std::path::Path;
use std::sync::Arc;

/// The address of a fresh, empty store of backend `scheme`, the `n`th in `dir`, or `None` for
/// a backend whose suite runs in a test of its own (it needs a server: `postgres_store_conforms`).
/// A backend registered in `store::BACKENDS` fails here until it is given one, and so runs the
/// suite.
fn scratch(scheme: &str, dir: &Path, n: usize) -> Option<String> {
    Some(match scheme {
        "redb" => format!("redb:{}", dir.join(format!("s{n}.redb")).display()),
        "log" => format!("log:{}", dir.join(format!("s{n}")).display()),
        "memory" => "memory:".into(),
        "postgres" => return None,
        other => panic!(
            "the {other} store is registered but not in the conformance suite: give it a \
             scratch address here"
        ),
    })
}

#[test]
fn every_registered_backend_conforms() {
    assert!(store::BACKENDS.len() >= 4);
    for b in store::BACKENDS {
        let dir = tempfile::tempdir().unwrap();
        if scratch(b.scheme, dir.path(), 0).is_none() {
            continue;
        }
        let n = std::cell::Cell::new(0);
        conformance::run_all(&|| {
            n.set(n.get() + 1);
            let address = scratch(b.scheme, dir.path(), n.get()).unwrap();
            Box::new(store::open(&address).unwrap_or_else(|e| panic!("{address}: {e}")))
        });
    }
}

#[test]
fn addresses_name_a_backend_or_a_redb_path_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A plain path is a redb file, created if missing.
    let path = dir.path().join("plain.redb");
    store::open(path.to_str().unwrap()).unwrap();
    assert!(path.exists());
    assert_eq!(store::resolve("REDB:x").unwrap().0.scheme, "redb");
    assert_eq!(
        store::resolve("./odd:name.redb").unwrap().1,
        "./odd:name.redb"
    );
    assert_eq!(
        store::resolve("postgresql://h/db").unwrap().0.scheme,
        "postgres"
    );
    assert_eq!(store::resolve("Postgres://h/db").unwrap().1, "//h/db");
    // A URL's password (in its user part or its query) is never repeated in an error.
    let secret = "nosuch://kordon:hunter2@db1,db2/k?password=hunter3";
    let e = store::open(secret).err().unwrap().to_string();
    assert!(e.contains("nosuch://kordon@db1,db2/k?…"), "{e}");
    assert!(!e.contains("hunter"), "{e}");
    assert_eq!(store::shown("redb:a:b"), "redb:a:b");
    assert_eq!(store::shown("postgres://h"), "postgres://h");
    for (bad, says) in [
        (
            "nosuch:x",
            "redb:PATH, log:DIR, memory:, postgres://USER@HOST/DB",
        ),
        ("log:", "directory"),
        ("postgres:kordon@h/db", "postgres://USER@HOST:PORT/DB"),
        ("redb:", "path"),
        ("memory:x", "nothing after the colon"),
        ("", "give a path"),
    ] {
        match store::open(bad) {
            Err(e @ StoreError::Address { .. }) => {
                assert!(e.to_string().contains(says), "{bad}: {e}")
            }
            Err(e) => panic!("{bad}: {e}"),
            Ok(_) => panic!("{bad} opened"),
        }
    }
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
fn postgres_store_conforms() {
    let pg = crate::common::pg::Postgres::shared();
    // Opened by its address through the registry, as `kordon serve --store` opens it, in both
    // of the schemes it is registered under.
    let n = std::cell::Cell::new(0);
    conformance::run_all(&|| {
        n.set(n.get() + 1);
        let url = pg.create_db();
        let url = if n.get() % 2 == 0 {
            url.replacen("postgres://", "postgresql://", 1)
        } else {
            url
        };
        assert_eq!(store::resolve(&url).unwrap().0.scheme, "postgres");
        Box::new(store::open(&url).unwrap_or_else(|e| panic!("{}: {e}", store::shown(&url))))
            as Box<dyn Store>
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
