//! The appender opens from a snapshot of the rules' state bound to a checkpoint and replays
//! only the entries after it; a damaged, foreign or outdated snapshot is ignored, never trusted.

use kordon::core::event::*;
use kordon::fixture::Fixture;
use kordon::ledger::{Ledger, Options, Snapshots, Submission};
use kordon::snapshot::{DirSnapshots, SnapshotStore};
use kordon::store::log::LogStore;
use kordon::store::Store;
use std::path::Path;
use std::sync::Arc;

const ORIGIN: &str = "kordon.snapshots/ibm";

fn note(f: &Fixture, n: u64) -> Submission {
    f.sign(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: format!("note {n}"),
            evidence: vec![],
        }),
    )
}

fn open(f: &Fixture, dir: &Path, every: u64, on_close: bool) -> Ledger {
    let store: Arc<dyn Store> = Arc::new(LogStore::open(&dir.join("ledger.log")).unwrap());
    let snaps = Snapshots {
        store: Arc::new(DirSnapshots(dir.join("snapshots"))),
        every,
        on_close,
        projections_every: kordon::ledger::PROJECTIONS_SNAPSHOT_EVERY,
    };
    Ledger::open_with(
        store,
        f.ledger_signer.clone(),
        f.clock.clock(),
        Options {
            snapshots: Some(snaps),
            ..Options::default()
        },
    )
    .unwrap()
}

/// A ledger of `notes` notes after its genesis and one observer, and the submissions made.
fn build(dir: &Path, notes: u64, every: u64, on_close: bool) -> (Fixture, Vec<Submission>) {
    let mut f = Fixture::new(ORIGIN);
    let ledger = open(&f, dir, every, on_close);
    let mut subs = vec![f.genesis(), f.register("monitor", &[Role::Observer])];
    for r in ledger.submit_many(subs.clone()) {
        r.unwrap();
    }
    for n in 0..notes {
        let s = note(&f, n);
        ledger.submit(s.clone()).unwrap();
        subs.push(s);
    }
    (f, subs)
}

/// The rules' state, compared by what the rules read.
fn same_state(a: &Ledger, b: &kordon::core::chain::Chain) {
    a.with_state(|s| {
        assert_eq!(s.size, b.state.size);
        assert_eq!(s.bodies, b.state.bodies);
        assert_eq!(s.keys, b.state.keys);
        assert_eq!(s.commitments, b.state.commitments);
        assert_eq!(s.genesis, b.state.genesis);
    });
}

#[test]
fn a_clean_stop_leaves_a_snapshot_and_the_next_open_replays_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (f, subs) = build(dir.path(), 30, 1_000_000, true);
    let ledger = open(&f, dir.path(), 1_000_000, true);
    assert_eq!(ledger.resumed().from_snapshot, Some(32));
    assert_eq!(ledger.resumed().replayed, 0);
    let full = kordon::ledger::load_chain(ledger.store()).unwrap();
    same_state(&ledger, &full);
    // The old ids are looked up in the store's index, not held in memory: a replay of an event
    // recorded before the snapshot is refused all the same, and nothing is written.
    let err = ledger.submit(subs[5].clone()).unwrap_err();
    assert_eq!(err.fault().unwrap().fault.code(), "event.replayed", "{err}");
    assert_eq!(ledger.size(), 32);
    // And a new event goes on from the snapshot's state.
    let r = ledger.submit(note(&f, 1000)).unwrap();
    assert_eq!(r.seq, 32);
}

#[test]
fn after_a_crash_only_the_entries_after_the_last_snapshot_are_replayed() {
    let dir = tempfile::tempdir().unwrap();
    // No snapshot on close: as after kill -9, the last one is the last periodic one.
    let (f, _) = build(dir.path(), 35, 10, false);
    let ledger = open(&f, dir.path(), 10, false);
    let from = ledger.resumed().from_snapshot.expect("a periodic snapshot");
    assert!((30..37).contains(&from), "snapshot at {from}");
    assert_eq!(ledger.resumed().replayed, 37 - from);
    let full = kordon::ledger::load_chain(ledger.store()).unwrap();
    same_state(&ledger, &full);
}

/// Puts `bytes` in place of the directory's snapshot of the rules' state (a directory keeps
/// only the bytes: the size and root given beside them are the header's business).
fn put(snaps: &DirSnapshots, bytes: &[u8]) {
    snaps
        .save("rules.snap", 0, kordon::core::hash::Hash::ZERO, bytes)
        .unwrap();
}

#[test]
fn damaged_foreign_and_outdated_snapshots_are_ignored_and_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _) = build(dir.path(), 12, 1_000_000, true);
    let snaps = DirSnapshots(dir.path().join("snapshots"));
    let good = snaps
        .load("rules.snap", 0)
        .unwrap()
        .expect("written on close");
    let reopen = |bytes: &[u8]| {
        put(&snaps, bytes);
        let l = open(&f, dir.path(), 1_000_000, false);
        assert_eq!(l.resumed().from_snapshot, None, "never trusted");
        assert_eq!(l.resumed().replayed, 14, "rebuilt from every entry");
        assert_eq!(l.size(), 14);
        l.resumed().discarded.clone().expect("says why")
    };
    // One byte of the body changed.
    let mut damaged = good.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    assert!(reopen(&damaged).contains("digest"));
    // Another release's schema.
    let mut other = good.clone();
    other[20] ^= 1;
    assert!(reopen(&other).contains("schema"));
    // Cut short.
    assert!(reopen(&good[..30]).contains("cut short"));
    // A snapshot of another ledger of the same size: its root is not this ledger's.
    let other_dir = tempfile::tempdir().unwrap();
    let mut g = Fixture::new("kordon.other/ibm");
    {
        let l = open(&g, other_dir.path(), 1_000_000, true);
        let mut subs = vec![g.genesis(), g.register("monitor", &[Role::Observer])];
        subs.extend((0..12).map(|n| note(&g, n)));
        for r in l.submit_many(subs) {
            r.unwrap();
        }
    }
    let foreign = DirSnapshots(other_dir.path().join("snapshots"))
        .load("rules.snap", 0)
        .unwrap()
        .unwrap();
    assert!(reopen(&foreign).contains("another ledger"));
    // The good one is used again.
    put(&snaps, &good);
    let l = open(&f, dir.path(), 1_000_000, false);
    assert_eq!(l.resumed().from_snapshot, Some(14));
    drop(l);
    let _ = &mut g;
}

/// A data directory on redb (`ledger.redb`, what `kordon init` makes), including one written
/// before snapshots existed, opens through `datadir::open`, gains snapshots of the rules' state
/// in `snapshots/`, and keeps every rule: the ids of entries before the snapshot are still
/// found (in redb's own index), so a replay is refused.
#[test]
fn a_ledger_redb_directory_opens_appends_and_resumes_from_a_snapshot() {
    use kordon::datadir;
    let dir = tempfile::tempdir().unwrap();
    let mut f = Fixture::new(ORIGIN);
    let mut subs = vec![f.genesis(), f.register("monitor", &[Role::Observer])];
    subs.extend((0..20).map(|n| note(&f, n)));
    {
        let store =
            kordon::store::redb::RedbStore::open(&dir.path().join(datadir::STORE_FILE)).unwrap();
        let l = Ledger::open(Arc::new(store), f.ledger_signer.clone(), f.clock.clock()).unwrap();
        for r in l.submit_many(subs.clone()) {
            r.unwrap();
        }
    }
    std::fs::write(
        dir.path().join(datadir::KEY_FILE),
        kordon::core::keys::private_key_pem(&kordon::fixture::demo_key(&format!(
            "ledger:{ORIGIN}"
        ))),
    )
    .unwrap();
    assert!(dir.path().join("ledger.redb").is_file());
    // The first open replays everything (there is no snapshot yet) and leaves one on close.
    {
        let l = datadir::open(dir.path(), f.clock.clock()).unwrap();
        assert_eq!(l.resumed().from_snapshot, None);
        assert_eq!(l.resumed().replayed, 22);
        l.submit(note(&f, 100)).unwrap();
    }
    assert!(
        dir.path()
            .join(datadir::SNAPSHOT_DIR)
            .join("rules.snap")
            .is_file(),
        "the snapshot is beside the store"
    );
    let l = datadir::open(dir.path(), f.clock.clock()).unwrap();
    assert_eq!(l.resumed().from_snapshot, Some(23));
    assert_eq!(l.resumed().replayed, 0);
    let full = kordon::ledger::load_chain(l.store()).unwrap();
    same_state(&l, &full);
    let err = l.submit(subs[7].clone()).unwrap_err();
    assert_eq!(err.fault().unwrap().fault.code(), "event.replayed", "{err}");
    assert_eq!(l.size(), 23);
    assert_eq!(l.submit(note(&f, 101)).unwrap().seq, 23);
}

/// The entries an open had to replay (after a crash, no snapshot on close) are written into
/// the snapshot when that ledger closes: the open after it replays nothing.
#[test]
fn entries_replayed_after_a_crash_are_in_the_snapshot_written_at_the_next_clean_stop() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _) = build(dir.path(), 25, 1_000_000, false);
    {
        let l = open(&f, dir.path(), 1_000_000, true);
        assert_eq!(l.resumed().from_snapshot, None);
        assert_eq!(l.resumed().replayed, 27);
    }
    let l = open(&f, dir.path(), 1_000_000, true);
    assert_eq!(l.resumed().from_snapshot, Some(27));
    assert_eq!(l.resumed().replayed, 0);
}

/// Runs the kordon binary in `dir`; its exit code and what it printed.
fn kordon_cli(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_kordon"))
        .args(args)
        .current_dir(dir)
        .env_remove("KORDON_DATA")
        .env_remove("KORDON_STORE")
        .env_remove("KORDON_KEY")
        .env_remove("KORDON_AS")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.code(), text)
}

/// `kordon init --store log:DIR` keeps the ledger in the segment-log store: the data directory
/// remembers the store's absolute path in store.url, so later commands find it from any working
/// directory; each command that appends leaves the rules' state in the data directory's
/// `snapshots/`, from which the next one resumes. Without `--store`, `init` makes ledger.redb.
#[test]
fn init_with_store_log_keeps_the_ledger_in_the_log_store_with_snapshots_beside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let ok = |dir: &Path, args: &[&str]| {
        let (code, text) = kordon_cli(dir, args);
        assert_eq!(code, Some(0), "{args:?}: {text}");
        text
    };
    for k in ["registry", "cmu"] {
        ok(d, &["key", "new", "--out", &format!("{k}.pem")]);
    }
    let init = |data: &str, store: &[&str]| {
        let mut args = vec![
            "--data",
            data,
            "init",
            "--origin",
            "kordon.example/log",
            "--registrar",
            "registry",
            "--key",
            "registry.pem",
        ];
        args.extend_from_slice(store);
        ok(d, &args);
    };
    init("plain", &[]);
    assert!(d.join("plain/ledger.redb").is_file(), "redb is the default");
    assert!(!d.join("plain/store.url").exists());

    init("dd", &["--store", "log:dd/ledger.log"]);
    assert!(d.join("dd/ledger.log/log").is_file());
    assert!(!d.join("dd/ledger.redb").exists());
    let url = std::fs::read_to_string(d.join("dd/store.url")).unwrap();
    let remembered = format!("log:{}\n", d.join("dd/ledger.log").display());
    assert_eq!(url, remembered, "an absolute path is remembered");
    let cmu = ok(d, &["key", "show", "cmu.pem", "--public"]);
    ok(
        d,
        &[
            "--data",
            "dd",
            "body",
            "register",
            "--id",
            "cmu",
            "--name-uk",
            "Координаційний центр",
            "--name-en",
            "IBM Coordination Centre",
            "--kind",
            "coordination-body",
            "--role",
            "coordinator",
            "--public-key",
            cmu.trim(),
            "--as",
            "registry",
            "--key",
            "registry.pem",
        ],
    );
    // The appending command left the rules' state at the head; it checks against the ledger.
    let snaps = DirSnapshots(d.join("dd").join(kordon::datadir::SNAPSHOT_DIR));
    let bytes = snaps
        .load("rules.snap", 0)
        .unwrap()
        .expect("a snapshot in the data directory");
    let store = kordon::datadir::open_store(&d.join("dd")).unwrap();
    let snap = store.snapshot().unwrap();
    assert_eq!(snap.size(), 2);
    assert!(
        store.has_fingerprint_index(),
        "the log store answers for old ids"
    );
    drop(snap);
    drop(store);
    // From another working directory, the ledger is found and opens from that snapshot.
    std::fs::create_dir(d.join("elsewhere")).unwrap();
    let log = ok(&d.join("elsewhere"), &["--data", "../dd", "log"]);
    assert!(log.contains("body.registered"), "{log}");
    let l = kordon::datadir::open(&d.join("dd"), kordon::ledger::system_clock()).unwrap();
    assert_eq!(l.resumed().from_snapshot, Some(2));
    assert_eq!(l.resumed().replayed, 0);
    drop(l);
    assert!(!bytes.is_empty());
}

/// A ledger like `open`'s, whose projections are snapshotted every `projections_every` entries
/// (and on close when `on_close`), with projections following it as `kordon serve` runs them.
fn serve(
    f: &Fixture,
    dir: &Path,
    projections_every: u64,
    on_close: bool,
) -> (Ledger, kordon::projector::Projector) {
    let store: Arc<dyn Store> = Arc::new(LogStore::open(&dir.join("ledger.log")).unwrap());
    let snaps = Snapshots {
        projections_every,
        on_close,
        ..Snapshots::new(Arc::new(DirSnapshots(dir.join("snapshots"))))
    };
    let ledger = Ledger::open_with(
        store,
        f.ledger_signer.clone(),
        f.clock.clock(),
        Options {
            snapshots: Some(snaps),
            ..Options::default()
        },
    )
    .unwrap();
    let p = kordon::projector::Projector::follow(&ledger).unwrap();
    (ledger, p)
}

/// The size in the header of a snapshot (`kordon::snapshot`'s frame).
fn snapshot_size(bytes: &[u8]) -> u64 {
    let at = b"kordon-snapshot/v3\n".len() + 1 + 32;
    u64::from_be_bytes(bytes[at..at + 8].try_into().unwrap())
}

/// Projections rebuilt from every entry, to compare with.
fn rebuilt(ledger: &Ledger) -> kordon::core::projection::History {
    let snap = ledger.store().snapshot().unwrap();
    kordon::projector::rebuild(&*snap, snap.size()).unwrap()
}

#[test]
fn a_server_opens_its_projections_from_the_snapshot_the_last_one_left() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _) = build(dir.path(), 30, 1_000_000, true);
    let path = dir.path().join("snapshots").join("projections.snap");
    assert!(!path.exists(), "a ledger alone writes no projections");

    // The first server finds none: built from every entry; it follows 10 more, and writes a
    // snapshot of them all when it stops.
    let (ledger, p) = serve(&f, dir.path(), 1_000_000, true);
    let o = p.opened().unwrap().clone();
    assert_eq!((o.from_snapshot, o.folded, o.discarded), (None, 32, None));
    for n in 30..40 {
        ledger.submit(note(&f, n)).unwrap();
    }
    assert!(p.wait_for(42, std::time::Duration::from_secs(10)));
    drop(p);
    drop(ledger);
    let bytes = std::fs::read(&path).expect("written when the ledger closed");
    assert_eq!(snapshot_size(&bytes), 42);

    // The next opens from it and folds nothing; its projections are a rebuild's.
    let (ledger, p) = serve(&f, dir.path(), 1_000_000, false);
    let o = p.opened().unwrap().clone();
    assert_eq!(
        (o.from_snapshot, o.folded, o.discarded),
        (Some(42), 0, None)
    );
    assert_eq!(*p.read(), rebuilt(&ledger));
    // What it follows after the snapshot is folded on top, the same as a rebuild.
    for n in 40..45 {
        ledger.submit(note(&f, n)).unwrap();
    }
    assert!(p.wait_for(47, std::time::Duration::from_secs(10)));
    assert_eq!(*p.read(), rebuilt(&ledger));
    drop(p);
    drop(ledger);
    assert_eq!(
        snapshot_size(&std::fs::read(&path).unwrap()),
        42,
        "no snapshot on close when told not to (as after kill -9)"
    );

    // After a crash: the snapshot is older than the ledger; only the entries after it fold.
    let (ledger, p) = serve(&f, dir.path(), 1_000_000, true);
    let o = p.opened().unwrap().clone();
    assert_eq!((o.from_snapshot, o.folded), (Some(42), 5));
    assert_eq!(*p.read(), rebuilt(&ledger));
    drop(p);
    drop(ledger);
    assert_eq!(snapshot_size(&std::fs::read(&path).unwrap()), 47);
}

#[test]
fn a_damaged_or_foreign_projections_snapshot_is_never_trusted_and_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _) = build(dir.path(), 20, 1_000_000, true);
    let (ledger, p) = serve(&f, dir.path(), 1_000_000, true);
    drop(p);
    drop(ledger);
    let path = dir.path().join("snapshots").join("projections.snap");
    let good = std::fs::read(&path).unwrap();
    let truth = {
        let (ledger, _) = serve(&f, dir.path(), 1_000_000, false);
        rebuilt(&ledger)
    };
    let reopen = |bytes: &[u8]| {
        std::fs::write(&path, bytes).unwrap();
        let (ledger, p) = serve(&f, dir.path(), 1_000_000, false);
        let o = p.opened().unwrap().clone();
        assert_eq!(o.from_snapshot, None, "never trusted");
        assert_eq!(o.folded, 22, "rebuilt from every entry");
        assert_eq!(*p.read(), truth);
        // Passed over, it is replaced by a good one at once (written in the background).
        let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::fs::read(&path).unwrap() == bytes {
            assert!(std::time::Instant::now() < until, "not replaced");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        drop(p);
        drop(ledger);
        let (_ledger, p) = serve(&f, dir.path(), 1_000_000, false);
        assert_eq!(
            p.opened().unwrap().from_snapshot,
            Some(22),
            "the replacement is used"
        );
        o.discarded.expect("says why")
    };
    // One byte of the body changed: the digest no longer matches.
    let mut damaged = good.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    assert!(reopen(&damaged).contains("digest"));
    // A snapshot of the rules' state in its place: another kind.
    let rules = std::fs::read(dir.path().join("snapshots").join("rules.snap")).unwrap();
    assert!(reopen(&rules).contains("kind"));
    // Another ledger's projections of the same size.
    let other = tempfile::tempdir().unwrap();
    let mut g = Fixture::new("kordon.other/ibm");
    {
        let (l, p) = serve(&g, other.path(), 1_000_000, true);
        let mut subs = vec![g.genesis(), g.register("monitor", &[Role::Observer])];
        subs.extend((0..20).map(|n| note(&g, n)));
        for r in l.submit_many(subs) {
            r.unwrap();
        }
        assert!(p.wait_for(22, std::time::Duration::from_secs(10)));
    }
    let foreign = std::fs::read(other.path().join("snapshots").join("projections.snap")).unwrap();
    assert_eq!(snapshot_size(&foreign), 22);
    assert!(reopen(&foreign).contains("another ledger"));
}

#[test]
fn a_running_server_writes_a_projections_snapshot_every_so_many_entries() {
    let dir = tempfile::tempdir().unwrap();
    let (f, _) = build(dir.path(), 0, 1_000_000, true);
    // Every 10 entries, none on close (as when the process is killed). A snapshot also waits a
    // hundred times its last encoding time, so the ledger keeps being written until one at 20
    // or beyond is there.
    let (ledger, p) = serve(&f, dir.path(), 10, false);
    let path = dir.path().join("snapshots").join("projections.snap");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut n = 0;
    while n < 25 || std::fs::read(&path).map_or(0, |b| snapshot_size(&b)) < 20 {
        assert!(
            std::time::Instant::now() < until,
            "no snapshot at 20 or beyond after {n} notes"
        );
        ledger.submit(note(&f, n)).unwrap();
        n += 1;
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    drop(p);
    drop(ledger);
    let size = 2 + n;
    let at = snapshot_size(&std::fs::read(&path).unwrap());
    assert!((20..=size).contains(&at), "{at} of {size}");
    let (ledger, p) = serve(&f, dir.path(), 10, false);
    let o = p.opened().unwrap().clone();
    assert_eq!((o.from_snapshot, o.folded), (Some(at), size - at));
    assert_eq!(*p.read(), rebuilt(&ledger));
}
