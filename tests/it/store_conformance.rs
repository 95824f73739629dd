//! Every storage backend passes the same conformance suite, opened by its address as
//! `kordon serve --store` opens it.

use kordon::store::{self, conformance, redb::RedbStore, Store, StoreError};
use std::path::Path;

/// The address of a fresh, empty store of backend `scheme`, the `n`th in `dir`, or `None` for
/// a backend whose suite runs in a test of its own (it needs a server: `postgres_store_conforms`).
/// A backend registered in `store::BACKENDS` fails here until it is given one, and so runs the
/// suite.
fn scratch(scheme: &str, dir: &Path, n: usize) -> Option<String> {
    Some(match scheme {
        "redb" => format!("redb:{}", dir.join(format!("s{n}.redb")).display()),
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
    assert!(store::BACKENDS.len() >= 3);
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
        ("nosuch:x", "redb:PATH, memory:, postgres://USER@HOST/DB"),
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
