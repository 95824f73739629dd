//! The PostgreSQL store against a real server: writers that race, commits whose connection is
//! lost before or after the server ran them, and commits the server made locally without the
//! synchronous standby's acknowledgement.

use crate::common::pg::{Cut, Postgres, Proxy};
use kordon::core::merkle::Frontier;
use kordon::store::postgres::PostgresStore;
use kordon::store::{conformance, Batch, Store, StoreError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Appends `n` synthetic entries continuing `f` at `expected`.
fn append(store: &dyn Store, f: &mut Frontier, n: u64) -> Result<(), StoreError> {
    let start = f.size();
    let (entries, nodes) = conformance::synthetic(f, start, n);
    let cp = format!("checkpoint {}", f.size());
    store.append(Batch {
        expected_size: start,
        entries: &entries,
        nodes: &nodes,
        checkpoint: &cp,
    })
}

fn size(store: &dyn Store) -> u64 {
    store.snapshot().unwrap().size()
}

#[test]
fn two_handles_on_one_database_never_fork() {
    let url = Postgres::shared().create_db();
    let a = Arc::new(PostgresStore::open(&url).unwrap());
    let b = Arc::new(PostgresStore::open(&url).unwrap());
    let mut f = Frontier::new();
    append(&*a, &mut f, 2).unwrap();
    // Both try to append at size 2, at the same moment, many times over.
    let mut wins = [0u32; 2];
    for round in 0..20u64 {
        let base = f.clone();
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let results: Vec<Result<(), StoreError>> = [&a, &b]
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (s, barrier, mut f) = (Arc::clone(s), Arc::clone(&barrier), base.clone());
                std::thread::spawn(move || {
                    let start = f.size();
                    let (mut entries, nodes) = conformance::synthetic(&mut f, start, 3);
                    for e in &mut entries {
                        e.event_id = format!("{}-{i}-{round}", e.event_id);
                    }
                    barrier.wait();
                    s.append(Batch {
                        expected_size: start,
                        entries: &entries,
                        nodes: &nodes,
                        checkpoint: "x",
                    })
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        let won: Vec<usize> = (0..2).filter(|i| results[*i].is_ok()).collect();
        assert_eq!(
            won.len(),
            1,
            "exactly one writer wins each round: {results:?}"
        );
        wins[won[0]] += 1;
        let lost = &results[1 - won[0]];
        assert!(
            matches!(lost, Err(StoreError::Conflict { expected, actual })
                if *expected == f.size() && *actual == f.size() + 3),
            "the other hears a conflict naming both sizes: {lost:?}"
        );
        // Continue from the winner's entries.
        let (entries, _) = conformance::synthetic(&mut f, base.size(), 3);
        let _ = entries;
        assert_eq!(size(&*a), f.size());
        assert_eq!(size(&*b), f.size());
    }
    // Both sides read the same, complete, unforked tree.
    let sa = a.snapshot().unwrap();
    let sb = b.snapshot().unwrap();
    assert_eq!(sa.size(), 2 + 20 * 3);
    let root_a = kordon::core::merkle::root_at(&kordon::store::Nodes(&*sa), sa.size()).unwrap();
    let root_b = kordon::core::merkle::root_at(&kordon::store::Nodes(&*sb), sb.size()).unwrap();
    assert_eq!(root_a, root_b);
    assert_eq!(root_a, f.root(), "the nodes stored are the tree's");
    assert!(wins.iter().sum::<u32>() == 20);
}

#[test]
fn a_connection_lost_before_commit_reaches_the_server_writes_nothing_and_says_so() {
    let pg = Postgres::shared();
    let url = pg.create_db();
    let db = url.rsplit('/').next().unwrap().to_string();
    let proxy = Proxy::start(pg.port);
    let store = PostgresStore::open(&proxy.url(&db)).unwrap();
    let mut f = Frontier::new();
    append(&store, &mut f, 4).unwrap();
    proxy.cut(Cut::BeforeCommit);
    let mut g = f.clone();
    let err = append(&store, &mut g, 3).expect_err("the batch did not land");
    assert_eq!(proxy.cuts(), 1, "the connection was cut at COMMIT");
    assert!(
        err.to_string().contains("not written"),
        "the error says nothing was written: {err}"
    );
    assert_eq!(size(&store), 4, "nothing of the batch is stored");
    // The store serves on: the same entries append at the same size.
    append(&store, &mut f, 3).unwrap();
    assert_eq!(size(&store), 7);
}

#[test]
fn a_connection_lost_after_the_server_committed_is_answered_ok() {
    let pg = Postgres::shared();
    let url = pg.create_db();
    let db = url.rsplit('/').next().unwrap().to_string();
    let proxy = Proxy::start(pg.port);
    let store = PostgresStore::open(&proxy.url(&db)).unwrap();
    let mut f = Frontier::new();
    append(&store, &mut f, 4).unwrap();
    proxy.cut(Cut::AfterCommit);
    append(&store, &mut f, 3).expect("the batch landed: the store finds out and says so");
    assert_eq!(proxy.cuts(), 1, "the answer to COMMIT was lost");
    let s = store.snapshot().unwrap();
    assert_eq!(s.size(), 7);
    assert_eq!(s.checkpoint().unwrap().as_deref(), Some("checkpoint 7"));
    assert_eq!(s.seq_of_event("ev-6").unwrap(), Some(6));
    // A retry of the same batch is refused as a conflict, never written twice.
    let mut again = Frontier::new();
    append(&store, &mut again, 4).unwrap_err();
    assert_eq!(size(&store), 7);
}

/// A server of its own, whose COMMITs can be made to wait for a synchronous standby that is
/// not there: the stand-in for a cluster that lost its standby, where a commit can become
/// visible on the primary without being on a second machine.
fn wait_for_standby(pg: &Postgres, on: bool) {
    let names = if on { "nobody" } else { "" };
    pg.psql(
        "postgres",
        &format!("ALTER SYSTEM SET synchronous_standby_names = '{names}'"),
    )
    .unwrap();
    pg.psql("postgres", "SELECT pg_reload_conf()").unwrap();
    // The checkpointer applies the setting for every session shortly after the reload.
    std::thread::sleep(Duration::from_secs(1));
}

#[test]
fn a_commit_made_locally_but_not_acknowledged_is_never_reported() {
    let pg = Postgres::start(&["synchronous_commit=on"]);
    let url = pg.create_db();
    let db = url.rsplit('/').next().unwrap().to_string();
    let writer = Arc::new(PostgresStore::open(&url).unwrap());
    let reader = Arc::new(PostgresStore::open(&url).unwrap());
    let mut f = Frontier::new();
    append(&*writer, &mut f, 4).unwrap();
    assert_eq!(size(&*reader), 4);
    wait_for_standby(&pg, true);
    let w = Arc::clone(&writer);
    let mut g = f.clone();
    let appending = std::thread::spawn(move || append(&*w, &mut g, 3));
    // The COMMIT waits for the standby; cancelling the wait commits it on this server only
    // (PostgreSQL warns: "the transaction has already committed locally").
    let until = Instant::now() + Duration::from_secs(30);
    loop {
        let n = pg
            .psql(
                &db,
                "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity \
                 WHERE wait_event = 'SyncRep' AND query = 'COMMIT'",
            )
            .unwrap();
        if n == "1" {
            break;
        }
        assert!(
            Instant::now() < until && !appending.is_finished(),
            "the COMMIT never waited for the standby"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The rows are visible on the server now…
    let until = Instant::now() + Duration::from_secs(10);
    while pg.psql(&db, "SELECT size FROM kordon_head").unwrap() != "7" {
        assert!(
            Instant::now() < until,
            "the cancelled commit did not land locally"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // …but neither the writer nor any reader reports size 7 while no standby has it.
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        !appending.is_finished(),
        "the writer does not answer before it knows"
    );
    let r = Arc::clone(&reader);
    let reading = std::thread::spawn(move || r.snapshot().map(|s| s.size()));
    std::thread::sleep(Duration::from_secs(2));
    if reading.is_finished() {
        panic!(
            "a reader does not report a size the cluster has not acknowledged: {:?}",
            reading.join().unwrap()
        );
    }
    // The standby is back (here: the wait is lifted), and the commit is acknowledged.
    wait_for_standby(&pg, false);
    let appended = appending.join().unwrap();
    assert!(
        appended.is_ok(),
        "the batch landed and is acknowledged now: {appended:?}"
    );
    assert_eq!(reading.join().unwrap().unwrap(), 7);
    assert_eq!(size(&*writer), 7);
}

fn kordon(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("KORDON_DATA")
        .env_remove("KORDON_STORE")
        .env_remove("KORDON_KEY")
        .output()
        .unwrap()
}

fn ok(o: std::process::Output) -> String {
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "{text}");
    text
}

#[test]
fn a_ledger_moves_from_redb_into_postgres_and_back_with_identical_exports() {
    let url = Postgres::shared().create_db();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(kordon(d, &["demo", "--dir", "redb"]));
    ok(kordon(
        d,
        &["--data", "redb", "export", "--out", "a.export"],
    ));
    // Into PostgreSQL: the ledger's key, then the export.
    std::fs::create_dir(d.join("pg")).unwrap();
    std::fs::copy(d.join("redb/ledger.key"), d.join("pg/ledger.key")).unwrap();
    let out = ok(kordon(
        d,
        &["--data", "pg", "import", "a.export", "--store", &url],
    ));
    assert!(out.contains("imported 170 entries"), "{out}");
    assert_eq!(
        std::fs::read_to_string(d.join("pg/store.url"))
            .unwrap()
            .trim(),
        url,
        "the directory remembers where its ledger lives"
    );
    assert!(!d.join("pg/ledger.redb").exists());
    ok(kordon(d, &["--data", "pg", "export", "--out", "b.export"]));
    assert!(
        std::fs::read(d.join("a.export")).unwrap() == std::fs::read(d.join("b.export")).unwrap(),
        "PostgreSQL exports the same bytes as redb did"
    );
    ok(kordon(d, &["--data", "pg", "verify"]));
    // The ledger in PostgreSQL takes new entries, through the ordinary commands.
    let out = ok(kordon(
        d,
        &[
            "--data",
            "pg",
            "note",
            "add",
            "--text",
            "recorded in PostgreSQL",
            "--as",
            "monitor",
            "--key",
            "redb/keys/monitor.pem",
        ],
    ));
    assert!(out.contains("recorded entry 170"), "{out}");
    ok(kordon(d, &["--data", "pg", "export", "--out", "c.export"]));
    // And back into redb.
    std::fs::create_dir(d.join("back")).unwrap();
    std::fs::copy(d.join("redb/ledger.key"), d.join("back/ledger.key")).unwrap();
    let out = ok(kordon(d, &["--data", "back", "import", "c.export"]));
    assert!(out.contains("imported 171 entries"), "{out}");
    ok(kordon(
        d,
        &["--data", "back", "export", "--out", "d.export"],
    ));
    assert!(
        std::fs::read(d.join("c.export")).unwrap() == std::fs::read(d.join("d.export")).unwrap(),
        "redb exports the same bytes as PostgreSQL did"
    );
    ok(kordon(d, &["verify", "d.export"]));
}

#[test]
fn an_import_refuses_a_damaged_export_or_a_foreign_key_and_writes_nothing() {
    let url = Postgres::shared().create_db();
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(kordon(d, &["demo", "--dir", "redb"]));
    ok(kordon(
        d,
        &["--data", "redb", "export", "--out", "a.export"],
    ));
    let mut bytes = std::fs::read(d.join("a.export")).unwrap();
    let n = bytes.len();
    bytes[n - 30] ^= 1;
    std::fs::write(d.join("bad.export"), &bytes).unwrap();
    std::fs::create_dir(d.join("pg")).unwrap();
    std::fs::copy(d.join("redb/ledger.key"), d.join("pg/ledger.key")).unwrap();
    let o = kordon(
        d,
        &["--data", "pg", "import", "bad.export", "--store", &url],
    );
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("nothing was imported"));
    assert!(!d.join("pg/store.url").exists());
    let store = PostgresStore::open(&url).unwrap();
    assert_eq!(size(&store), 0, "nothing was written");
    // Another ledger's key: refused before anything is written.
    std::fs::create_dir(d.join("other")).unwrap();
    ok(kordon(d, &["key", "new", "--out", "other/ledger.key"]));
    let o = kordon(
        d,
        &["--data", "other", "import", "a.export", "--store", &url],
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("verifier key"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(size(&store), 0, "nothing was written");
    // Without the ledger's key at all: told what to copy.
    std::fs::create_dir(d.join("nokey")).unwrap();
    let o = kordon(
        d,
        &["--data", "nokey", "import", "a.export", "--store", &url],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("copy there the ledger.key"));
}

/// A store that fails every append after the first `n`.
struct FailAfter<S> {
    inner: S,
    left: std::sync::atomic::AtomicU64,
}

impl<S: Store> Store for FailAfter<S> {
    fn append(&self, batch: Batch<'_>) -> Result<(), StoreError> {
        use std::sync::atomic::Ordering;
        if self
            .left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_err()
        {
            return Err(StoreError::Backend("the disk is gone".into()));
        }
        self.inner.append(batch)
    }
    fn snapshot(&self) -> Result<Box<dyn kordon::store::Snapshot + '_>, StoreError> {
        self.inner.snapshot()
    }
}

#[test]
fn an_import_stopped_half_way_continues_where_it_stopped() {
    let params = kordon::synthetic::Params {
        entries: 10_000,
        commitments: 200,
        ..Default::default()
    };
    let mut export = Vec::new();
    kordon::synthetic::generate_export(&params, &mut export).unwrap();
    let signer = kordon::synthetic::ledger_signer(&params).unwrap();
    let url = Postgres::shared().create_db();
    let stopping = FailAfter {
        inner: PostgresStore::open(&url).unwrap(),
        left: std::sync::atomic::AtomicU64::new(1),
    };
    let mut reader = kordon::export::ExportReader::open(&export[..]).unwrap();
    let err = kordon::migrate::import(&mut reader, &stopping, &signer).unwrap_err();
    assert!(err.to_string().contains("the disk is gone"), "{err}");
    let store = PostgresStore::open(&url).unwrap();
    let half = store.snapshot().unwrap();
    assert_eq!(half.size(), kordon::migrate::IMPORT_BATCH as u64);
    // What is there is a valid, shorter ledger, under a checkpoint signed by the ledger's key.
    let cp = half.checkpoint().unwrap().unwrap();
    let opened = kordon::core::checkpoint::open(cp.as_bytes(), &signer.verifier()).unwrap();
    assert_eq!(opened.size, half.size());
    drop(half);
    let mut reader = kordon::export::ExportReader::open(&export[..]).unwrap();
    let done = kordon::migrate::import(&mut reader, &store, &signer).unwrap();
    assert_eq!(done.resumed_from, kordon::migrate::IMPORT_BATCH as u64);
    assert_eq!(done.size, 10_000);
    let mut again = Vec::new();
    kordon::export::write(&store, &reader.vkey, &mut again).unwrap();
    assert!(
        again == export,
        "the finished import exports the same bytes"
    );
}

#[test]
fn a_store_hears_of_appends_made_through_another_connection() {
    let url = Postgres::shared().create_db();
    let a = Arc::new(PostgresStore::open(&url).unwrap());
    let b = PostgresStore::open(&url).unwrap();
    let mut f = Frontier::new();
    append(&b, &mut f, 3).unwrap();
    // A first call reads the head: it already knows of the 3 entries.
    assert_eq!(
        a.wait_for_growth(0, Duration::from_secs(5)).unwrap(),
        Some(3)
    );
    // Nothing new: the wait runs out and says the size it knows.
    let t = Instant::now();
    assert_eq!(
        a.wait_for_growth(3, Duration::from_millis(300)).unwrap(),
        Some(3)
    );
    assert!(t.elapsed() >= Duration::from_millis(300));
    // An append elsewhere wakes the waiter at once, with the new size.
    let waiter = {
        let a = Arc::clone(&a);
        std::thread::spawn(move || {
            let t = Instant::now();
            (
                a.wait_for_growth(3, Duration::from_secs(30)).unwrap(),
                t.elapsed(),
            )
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    append(&b, &mut f, 2).unwrap();
    let (heard, waited) = waiter.join().unwrap();
    assert_eq!(heard, Some(5));
    assert!(
        waited < Duration::from_secs(10),
        "woken by the notification: {waited:?}"
    );
    // Stores nobody else writes have nothing to follow.
    let m = kordon::store::memory::MemoryStore::new();
    assert_eq!(m.wait_for_growth(0, Duration::from_secs(60)).unwrap(), None);
}

/// A note by `author`, numbered `n`.
fn note(f: &kordon::fixture::Fixture, author: &str, n: u64) -> kordon::ledger::Submission {
    use kordon::core::event::{Body, NoteAdded};
    f.sign(
        author,
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: format!("note {n} from {author}"),
            evidence: vec![],
        }),
    )
}

#[test]
fn two_ledgers_on_one_database_follow_each_other_and_write_side_by_side() {
    use kordon::core::event::Role;
    use kordon::ledger::Ledger;
    let url = Postgres::shared().create_db();
    let mut f = kordon::fixture::Fixture::new("kordon.pg-test/ibm");
    let open = |f: &kordon::fixture::Fixture| {
        Ledger::open(
            Arc::new(PostgresStore::open(&url).unwrap()),
            f.ledger_signer.clone(),
            f.clock.clock(),
        )
        .unwrap()
    };
    let a = open(&f);
    let subs = vec![
        f.genesis(),
        f.register("sbgs", &[Role::Executor]),
        f.register("customs", &[Role::Executor]),
    ];
    for r in a.submit_many(subs) {
        r.unwrap();
    }
    let b = open(&f);
    assert_eq!(
        b.head().size,
        3,
        "a second server opens on what the first wrote"
    );
    // B hears of what A writes without writing anything itself: its head and its followers.
    let heard = Arc::new(std::sync::atomic::AtomicU64::new(0));
    {
        let heard = Arc::clone(&heard);
        b.follow(3, "test", move |c| {
            heard.fetch_add(c.entries.len() as u64, std::sync::atomic::Ordering::SeqCst);
        })
        .unwrap();
    }
    let r = a.submit(note(&f, "sbgs", 0)).unwrap();
    let head = b
        .wait_for(r.seq + 1, Duration::from_secs(10))
        .expect("B follows A's entry within seconds");
    assert_eq!(head.size, 4);
    assert_eq!(
        &*head.checkpoint,
        &*a.head().checkpoint,
        "the same signed checkpoint"
    );
    let until = Instant::now() + Duration::from_secs(5);
    while heard.load(std::sync::atomic::Ordering::SeqCst) < 1 {
        assert!(Instant::now() < until, "B's followers hear A's entry");
        std::thread::sleep(Duration::from_millis(20));
    }
    // Both write at once: conflicts are routine, every submission is recorded once.
    let (a, b) = (Arc::new(a), Arc::new(b));
    let f = Arc::new(f);
    let writers: Vec<_> = [(Arc::clone(&a), "sbgs"), (Arc::clone(&b), "customs")]
        .into_iter()
        .map(|(l, who)| {
            let f = Arc::clone(&f);
            std::thread::spawn(move || {
                let mut seqs = Vec::new();
                for n in 0..40u64 {
                    let r = l.submit(note(&f, who, n + 1));
                    seqs.push(
                        r.unwrap_or_else(|e| panic!("{who}'s note {n} was refused: {e}"))
                            .seq,
                    );
                }
                seqs
            })
        })
        .collect();
    let mut all: Vec<u64> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    all.sort();
    all.dedup();
    assert_eq!(
        all.len(),
        80,
        "every entry has a sequence number of its own"
    );
    // They settle on the same head.
    let size = 4 + 80;
    let ha = a
        .wait_for(size, Duration::from_secs(10))
        .expect("A settles");
    let hb = b
        .wait_for(size, Duration::from_secs(10))
        .expect("B settles");
    assert_eq!((ha.size, ha.root), (hb.size, hb.root));
    assert_eq!(ha.checkpoint, hb.checkpoint);
}

#[test]
fn a_restored_database_whose_checkpoint_does_not_cover_its_entries_is_refused() {
    use kordon::core::event::Role;
    use kordon::ledger::{Ledger, OpenError};
    let pg = Postgres::shared();
    let url = pg.create_db();
    let db = url.rsplit('/').next().unwrap().to_string();
    let mut f = kordon::fixture::Fixture::new("kordon.pg-restore/ibm");
    let open = |f: &kordon::fixture::Fixture| {
        Ledger::open(
            Arc::new(PostgresStore::open(&url).unwrap()),
            f.ledger_signer.clone(),
            f.clock.clock(),
        )
    };
    let l = open(&f).unwrap();
    let subs = vec![f.genesis(), f.register("sbgs", &[Role::Executor])];
    for r in l.submit_many(subs) {
        r.unwrap();
    }
    l.submit(note(&f, "sbgs", 1)).unwrap();
    drop(l);
    open(&f).expect("an intact database opens");
    // A restore that brought back the head of another moment than the entries'.
    pg.psql(&db, "UPDATE kordon_head SET size = size - 1")
        .unwrap();
    let err = open(&f).err().expect("refused");
    assert!(matches!(err, OpenError::Checkpoint(_)), "{err}");
    assert!(err.to_string().contains("names 3 entries"), "{err}");
    // A checkpoint not signed by the ledger's key.
    pg.psql(
        &db,
        "UPDATE kordon_head SET size = size + 1, checkpoint = replace(checkpoint, 'kordon.pg-restore', 'kordon.pg-restorf')",
    )
    .unwrap();
    let err = open(&f).err().expect("refused");
    assert!(
        err.to_string().contains("signature does not verify"),
        "{err}"
    );
}

#[test]
fn a_changed_row_in_the_database_is_named_and_never_served() {
    use kordon::core::event::Role;
    use kordon::ledger::Ledger;
    let pg = Postgres::shared();
    let url = pg.create_db();
    let db = url.rsplit('/').next().unwrap().to_string();
    let mut f = kordon::fixture::Fixture::new("kordon.pg-changed/ibm");
    let store = Arc::new(PostgresStore::open(&url).unwrap());
    let l = Ledger::open(store.clone(), f.ledger_signer.clone(), f.clock.clock()).unwrap();
    for r in l.submit_many(vec![f.genesis(), f.register("sbgs", &[Role::Executor])]) {
        r.unwrap();
    }
    l.submit(note(&f, "sbgs", 1)).unwrap();
    drop(l);
    let intact = store.snapshot().unwrap().entries(0, 3).unwrap();
    let nowhere = tempfile::tempdir().unwrap();
    kordon::datadir::open_store_at(nowhere.path(), Some(&url)).expect("an intact ledger opens");

    // One byte of entry 2 flipped in place: reading it is refused, naming the entry.
    let flip = "UPDATE kordon_entries SET bytes = set_byte(bytes, 40, get_byte(bytes, 40) # 1) WHERE seq = 2";
    pg.psql(&db, flip).unwrap();
    let err = store.snapshot().unwrap().entries(1, 3).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err}");
    assert!(
        err.to_string()
            .contains("entry 2 does not match its stored leaf hash"),
        "{err}"
    );
    assert_eq!(
        store.snapshot().unwrap().entries(0, 2).unwrap(),
        intact[..2]
    );
    let err = Ledger::open(store.clone(), f.ledger_signer.clone(), f.clock.clock())
        .err()
        .expect("a ledger over a changed entry does not open");
    assert!(err.to_string().contains("entry 2"), "{err}");
    pg.psql(&db, flip).unwrap();
    assert_eq!(store.snapshot().unwrap().entries(0, 3).unwrap(), intact);

    // A changed tree node: the stored tree no longer leads to the signed root, so the data
    // directory's open refuses the store before serving a proof from it.
    pg.psql(
        &db,
        "UPDATE kordon_nodes SET hash = set_byte(hash, 0, get_byte(hash, 0) # 1) WHERE level = 1 AND idx = 0",
    )
    .unwrap();
    let err = kordon::datadir::open_store_at(nowhere.path(), Some(&url))
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("stored tree's root at 3 entries"),
        "{err}"
    );
}

/// The sizes of the snapshots of the rules' state the database holds, newest first.
fn snapshot_sizes(pg: &Postgres, db: &str) -> Vec<u64> {
    pg.psql(
        db,
        "SELECT size FROM kordon_snapshots WHERE name = 'rules.snap' ORDER BY size DESC",
    )
    .unwrap()
    .split_whitespace()
    .map(|s| s.parse().unwrap())
    .collect()
}

/// A server joining a ledger in PostgreSQL starts from the newest snapshot of the rules' state
/// that the servers before it left in the database (rows of `kordon_snapshots`, never files of
/// its own data directory) and replays only the entries after it. A damaged newest row is
/// passed over for an older one; with every row damaged the state is rebuilt from all entries.
/// Each time the rules answer as they would after a full replay, old events are still refused
/// as replays, and a clean stop leaves a snapshot at the head for the next server.
#[test]
fn a_server_joining_a_postgres_ledger_resumes_from_a_snapshot_and_passes_over_damaged_ones() {
    use kordon::core::event::Role;
    use kordon::ledger::{Ledger, Options, Snapshots};
    let pg = Postgres::shared();
    let url = pg.create_db();
    let db = url.rsplit('/').next().unwrap().to_string();
    let mut f = kordon::fixture::Fixture::new("kordon.pg-snapshots/ibm");
    let data = tempfile::tempdir().unwrap();
    let open = |f: &kordon::fixture::Fixture, every: u64, on_close: bool| {
        let store: Arc<dyn Store> = Arc::new(PostgresStore::open(&url).unwrap());
        let snapshots = Snapshots {
            every,
            on_close,
            ..kordon::datadir::snapshots(data.path(), &*store)
        };
        Ledger::open_with(
            store,
            f.ledger_signer.clone(),
            f.clock.clock(),
            Options {
                snapshots: Some(snapshots),
                ..Options::default()
            },
        )
        .unwrap()
    };
    // The rules' state, compared by what the rules read, with a full replay's.
    let same_as_a_full_replay = |l: &Ledger| {
        let full = kordon::ledger::load_chain(l.store()).unwrap();
        l.with_state(|s| {
            assert_eq!(s.size, full.state.size);
            assert_eq!(s.bodies, full.state.bodies);
            assert_eq!(s.keys, full.state.keys);
            assert_eq!(s.commitments, full.state.commitments);
            assert_eq!(s.genesis, full.state.genesis);
        });
    };

    // The first server writes 27 entries, a snapshot every 10, none when it stops (as a kill).
    let mut subs = vec![f.genesis(), f.register("monitor", &[Role::Observer])];
    let a = open(&f, 10, false);
    for r in a.submit_many(subs.clone()) {
        r.unwrap();
    }
    for n in 0..25 {
        let s = note(&f, "monitor", n);
        a.submit(s.clone()).unwrap();
        subs.push(s);
    }
    // The snapshots are written by a follower, off the write path: wait for the second.
    let until = Instant::now() + Duration::from_secs(20);
    while snapshot_sizes(pg, &db).first().is_none_or(|s| *s < 20) {
        assert!(Instant::now() < until, "no snapshot at 20 or beyond");
        std::thread::sleep(Duration::from_millis(50));
    }
    drop(a);
    let sizes = snapshot_sizes(pg, &db);
    assert!(sizes.len() >= 2 && sizes.len() <= 3, "{sizes:?}");
    assert!(sizes.iter().all(|s| *s <= 27), "{sizes:?}");
    let newest = sizes[0];

    // A server joining starts from the newest and replays only what came after it.
    let b = open(&f, 1_000_000, false);
    assert_eq!(b.resumed().from_snapshot, Some(newest));
    assert_eq!(b.resumed().replayed, 27 - newest);
    assert_eq!(b.resumed().discarded, None);
    same_as_a_full_replay(&b);
    let err = b.submit(subs[5].clone()).unwrap_err();
    assert_eq!(err.fault().unwrap().fault.code(), "event.replayed", "{err}");
    assert_eq!(b.size(), 27, "nothing was written");
    drop(b);
    assert!(
        !data.path().join(kordon::datadir::SNAPSHOT_DIR).exists(),
        "a ledger in PostgreSQL keeps its snapshots in the database"
    );

    // The newest row damaged (one byte of its body): passed over for the one before it.
    let flip_last = |which: &str| {
        pg.psql(
            &db,
            &format!(
                "UPDATE kordon_snapshots SET bytes = set_byte(bytes, length(bytes) - 1, \
                 get_byte(bytes, length(bytes) - 1) # 1) WHERE {which}"
            ),
        )
        .unwrap();
    };
    flip_last(&format!("size = {newest}"));
    let c = open(&f, 1_000_000, false);
    assert_eq!(c.resumed().from_snapshot, Some(sizes[1]));
    assert_eq!(c.resumed().replayed, 27 - sizes[1]);
    let why = c.resumed().discarded.clone().expect("says why");
    assert!(why.contains("digest"), "{why}");
    same_as_a_full_replay(&c);
    drop(c);

    // Every row damaged: never trusted, the state rebuilt from every entry, the same answers.
    flip_last(&format!("size <> {newest}"));
    let d = open(&f, 1_000_000, true);
    assert_eq!(
        d.resumed().from_snapshot,
        None,
        "a damaged snapshot is never used"
    );
    assert_eq!(d.resumed().replayed, 27);
    same_as_a_full_replay(&d);
    let err = d.submit(subs[20].clone()).unwrap_err();
    assert_eq!(err.fault().unwrap().fault.code(), "event.replayed", "{err}");
    assert_eq!(d.submit(note(&f, "monitor", 100)).unwrap().seq, 27);
    // It stops cleanly: a snapshot at its head, and the next server replays nothing.
    drop(d);
    assert_eq!(snapshot_sizes(pg, &db)[0], 28);
    assert!(
        snapshot_sizes(pg, &db).len() <= 3,
        "only the newest are kept"
    );
    let e = open(&f, 1_000_000, false);
    assert_eq!(e.resumed().from_snapshot, Some(28));
    assert_eq!(e.resumed().replayed, 0);
    same_as_a_full_replay(&e);
    let _ = &mut f;
}

/// A server joining a ledger in PostgreSQL opens its projections from the row the server
/// before it left in `kordon_snapshots` (not from files of its own data directory), folding
/// only what came after; a damaged row is passed over and the projections rebuilt.
#[test]
fn a_server_joining_a_postgres_ledger_opens_its_projections_from_a_snapshot_row() {
    use kordon::core::event::Role;
    use kordon::ledger::{Ledger, Options};
    use kordon::projector::Projector;
    let pg = Postgres::shared();
    let url = pg.create_db();
    let db = url.rsplit('/').next().unwrap().to_string();
    let mut f = kordon::fixture::Fixture::new("kordon.pg-projections/ibm");
    let data = tempfile::tempdir().unwrap();
    let subs = vec![f.genesis(), f.register("monitor", &[Role::Observer])];
    let signer = f.ledger_signer.clone();
    let clock = f.clock.clock();
    let open = || {
        let store: Arc<dyn Store> = Arc::new(PostgresStore::open(&url).unwrap());
        let snapshots = kordon::datadir::snapshots(data.path(), &*store);
        let ledger = Ledger::open_with(
            store,
            signer.clone(),
            clock.clone(),
            Options {
                snapshots: Some(snapshots),
                ..Options::default()
            },
        )
        .unwrap();
        let p = Projector::follow(&ledger).unwrap();
        (ledger, p)
    };
    let rebuilt = |l: &Ledger| {
        let snap = l.store().snapshot().unwrap();
        kordon::projector::rebuild(&*snap, snap.size()).unwrap()
    };
    let rows = || {
        pg.psql(
            &db,
            "SELECT size FROM kordon_snapshots WHERE name = 'projections.snap' ORDER BY size DESC",
        )
        .unwrap()
        .split_whitespace()
        .map(|s| s.parse::<u64>().unwrap())
        .collect::<Vec<_>>()
    };
    {
        let (a, p) = open();
        assert_eq!(p.opened().unwrap().from_snapshot, None);
        for r in a.submit_many(subs) {
            r.unwrap();
        }
        for n in 0..20 {
            a.submit(note(&f, "monitor", n)).unwrap();
        }
        assert!(p.wait_for(22, Duration::from_secs(10)));
    }
    // Written when the first server stopped, into the database every server shares.
    assert_eq!(rows(), [22]);
    assert!(!data.path().join(kordon::datadir::SNAPSHOT_DIR).exists());

    let (b, p) = open();
    let o = p.opened().unwrap().clone();
    assert_eq!(
        (o.from_snapshot, o.folded, o.discarded),
        (Some(22), 0, None)
    );
    assert_eq!(*p.read(), rebuilt(&b));
    b.submit(note(&f, "monitor", 100)).unwrap();
    assert!(p.wait_for(23, Duration::from_secs(10)));
    assert_eq!(*p.read(), rebuilt(&b));
    drop(p);
    drop(b);
    assert_eq!(rows(), [23, 22]);

    // The newest row damaged: the one before it is used, and the entry after it folded.
    pg.psql(
        &db,
        "UPDATE kordon_snapshots SET bytes = set_byte(bytes, length(bytes) - 1, \
         get_byte(bytes, length(bytes) - 1) # 1) WHERE name = 'projections.snap' AND size = 23",
    )
    .unwrap();
    let (c, p) = open();
    let o = p.opened().unwrap().clone();
    assert_eq!((o.from_snapshot, o.folded), (Some(22), 1));
    assert!(o.discarded.unwrap().contains("digest"));
    assert_eq!(*p.read(), rebuilt(&c));
}

/// Several servers on one ledger write snapshots into the same table: a write is skipped when
/// one of that name at its size or beyond is already there (another server was first), and
/// only the three newest sizes are kept; a reader is offered them newest first.
#[test]
fn snapshot_rows_written_by_several_servers_keep_the_newest_three_and_skip_older_ones() {
    use kordon::core::hash::Hash;
    let pg = Postgres::shared();
    let url = pg.create_db();
    let db = url.rsplit('/').next().unwrap().to_string();
    let a = PostgresStore::open(&url).unwrap().snapshot_store().unwrap();
    let b = PostgresStore::open(&url).unwrap().snapshot_store().unwrap();
    let root = |n: u8| Hash([n; 32]);
    a.save("rules.snap", 20, root(20), b"at 20").unwrap();
    // B, behind A, does not add an older one, nor one of the same size.
    b.save("rules.snap", 15, root(15), b"at 15").unwrap();
    b.save("rules.snap", 20, root(20), b"at 20 again").unwrap();
    assert_eq!(snapshot_sizes(pg, &db), [20]);
    for n in [30, 40, 50] {
        let s = if n % 20 == 0 { &a } else { &b };
        s.save("rules.snap", n, root(n as u8), format!("at {n}").as_bytes())
            .unwrap();
    }
    assert_eq!(snapshot_sizes(pg, &db), [50, 40, 30]);
    // Another name is kept apart.
    a.save("other.snap", 10, root(10), b"other").unwrap();
    assert_eq!(snapshot_sizes(pg, &db), [50, 40, 30]);
    let offered: Vec<Vec<u8>> = (0..4)
        .map_while(|skip| b.load("rules.snap", skip).unwrap())
        .collect();
    assert_eq!(
        offered,
        [b"at 50".to_vec(), b"at 40".to_vec(), b"at 30".to_vec()]
    );
    assert_eq!(a.load("none.snap", 0).unwrap(), None);
}
