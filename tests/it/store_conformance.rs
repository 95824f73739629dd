//! Every storage backend passes the same conformance suite.

use kordon::store::{conformance, memory::MemoryStore, redb::RedbStore, Store};

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
fn postgres_store_conforms() {
    let pg = crate::common::pg::Postgres::shared();
    conformance::run_all(&|| {
        let url = pg.create_db();
        Box::new(kordon::store::postgres::PostgresStore::open(&url).unwrap()) as Box<dyn Store>
    });
}
