//! The stages the appender and the verifier share (`kordon_core::stage`): a `Watch` hears each
//! of them begin and end with the entries it handled, and the verify loop reaches the same
//! verdict on one thread as on all cores, for a valid ledger and a tampered one.

use kordon::core::stage::{Sequential, Stage, Unwatched, Watch};
use kordon::export::ExportReader;
use kordon::store::memory::MemoryStore;
use kordon::store::Store;
use kordon::synthetic::Workload;
use kordon::verify::{self, ExportSource, Options, Report};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Every stage heard: how many times it began and ended, and the items it handled.
#[derive(Default)]
struct Heard(Mutex<BTreeMap<Stage, (u32, u32, u64)>>);

impl Watch for Heard {
    fn enter(&self, s: Stage) {
        self.0.lock().unwrap().entry(s).or_default().0 += 1;
    }
    fn leave(&self, s: Stage, items: usize) {
        let mut m = self.0.lock().unwrap();
        let e = m.entry(s).or_default();
        e.1 += 1;
        e.2 += items as u64;
    }
}

impl Heard {
    fn of(&self, s: Stage) -> (u32, u32, u64) {
        self.0.lock().unwrap().get(&s).copied().unwrap_or_default()
    }
}

const OPTS: Options<'static> = Options {
    trusted: None,
    progress: &|_| {},
};

fn example() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/events/examples/ibm-2026.export"
    ))
    .unwrap()
}

/// The verify loop over `export`, on all cores (watched) and on one thread.
fn both(export: &[u8], watch: &dyn Watch) -> (Report, Report) {
    let open = || ExportReader::open(export).unwrap();
    let (vkey, cp) = (open().vkey, open().checkpoint);
    let parallel = verify::verify_watched(&vkey, &cp, &mut ExportSource(open()), &OPTS, watch);
    let sequential = kordon::core::verify::verify(
        &vkey,
        &cp,
        &mut ExportSource(open()),
        &OPTS,
        &Sequential(|| rand_core::OsRng),
        &kordon::core::stage::Unwatched,
    );
    (parallel, sequential)
}

#[test]
fn the_verify_loop_tells_its_watch_each_stage_and_one_thread_agrees_with_all_cores() {
    let export = example();
    let heard = Heard::default();
    let (parallel, sequential) = both(&export, &heard);
    assert!(parallel.valid, "{:?}", parallel.failure);
    assert_eq!(parallel, sequential);
    let n = parallel.entries_verified;
    assert!(n > 100);
    // One chunk of entries, then the empty read that ends the loop.
    assert_eq!(heard.of(Stage::Read), (2, 2, n));
    for s in [
        Stage::Prepare,
        Stage::Keys,
        Stage::Signatures,
        Stage::Accept,
    ] {
        assert_eq!(heard.of(s), (1, 1, n), "{s:?}");
    }
    assert_eq!(heard.of(Stage::Store), (0, 0, 0));

    // A signature broken in transit: both name the same entry and code.
    let mut bad = export.clone();
    let at = bad.len() - 40;
    bad[at] ^= 1;
    let (parallel, sequential) = both(&bad, &kordon::core::stage::Unwatched);
    assert!(!parallel.valid);
    assert_eq!(parallel, sequential);
    assert!(parallel.failure.unwrap().seq.is_some());
}

#[test]
fn the_ledger_tells_its_watch_each_stage_of_a_commit() {
    let w = Workload::of("kordon.test/stages", 3, 2).unwrap();
    let heard = Arc::new(Heard::default());
    let store = MemoryStore::new();
    let ledger = w
        .open_watched(
            Arc::new(store.clone()) as Arc<dyn Store>,
            Arc::clone(&heard) as Arc<dyn Watch + Send>,
        )
        .unwrap();
    let setup = w.setup().len() as u64;
    assert_eq!(
        heard.of(Stage::Store),
        (1, 1, setup),
        "the setup, one commit"
    );
    let mut subs = w.sign("s", 0, 50);
    // One refused (a broken signature) is checked and judged but not stored.
    subs[7].signature[0] ^= 1;
    let answers = ledger.submit_many(subs);
    assert_eq!(answers.iter().filter(|a| a.is_err()).count(), 1);
    for s in [
        Stage::Prepare,
        Stage::Keys,
        Stage::Signatures,
        Stage::Accept,
    ] {
        assert_eq!(heard.of(s), (2, 2, setup + 50), "{s:?}");
    }
    assert_eq!(heard.of(Stage::Checkpoint), (2, 2, setup + 49));
    assert_eq!(heard.of(Stage::Store), (2, 2, setup + 49));
    assert_eq!(store.snapshot().unwrap().size(), setup + 49);
}

/// An export of three chunks of the verify loop, built from a workload.
fn three_chunks() -> (String, Vec<u8>, Vec<Vec<u8>>) {
    let w = Workload::of("kordon.test/chunks", 3, 2).unwrap();
    let store = MemoryStore::new();
    let ledger = w.open(Arc::new(store.clone()) as Arc<dyn Store>).unwrap();
    let n = 2 * verify::CHUNK as u64 + 300 - w.setup().len() as u64;
    for r in ledger.submit_many(w.sign("c", 0, n)) {
        r.unwrap();
    }
    let vkey = ledger.verifier_key();
    let mut out = Vec::new();
    kordon::export::write(&store, &vkey, &mut out).unwrap();
    let mut reader = ExportReader::open(&out[..]).unwrap();
    let checkpoint = String::from_utf8(reader.checkpoint.clone()).unwrap();
    let mut entries = Vec::new();
    while let Some(e) = reader.next_entry().unwrap() {
        entries.push(e);
    }
    assert_eq!(entries.len(), 2 * verify::CHUNK + 300);
    (vkey, checkpoint.into_bytes(), entries)
}

/// The export of `entries` under the checkpoint, cut after `keep` bytes if given.
fn framed(vkey: &str, cp: &[u8], entries: &[Vec<u8>], keep: Option<usize>) -> Vec<u8> {
    let mut out = kordon::export::header(vkey, std::str::from_utf8(cp).unwrap());
    for e in entries {
        kordon::export::frame(e, &mut out).unwrap();
    }
    if let Some(k) = keep {
        out.truncate(k);
    }
    out
}

/// The verify loop accepts a chunk while it judges the next; whatever the judging of a later
/// chunk finds, the fault reported is the earliest, as on one thread where nothing overlaps.
#[test]
fn over_several_chunks_the_earliest_fault_is_reported_whatever_later_chunks_hold() {
    let (vkey, cp, entries) = three_chunks();
    let chunk = verify::CHUNK as u64;
    let heard = Heard::default();
    let (parallel, sequential) = both(&framed(&vkey, &cp, &entries, None), &heard);
    assert!(parallel.valid, "{:?}", parallel.failure);
    assert_eq!(parallel, sequential);
    assert_eq!(parallel.entries_verified, entries.len() as u64);
    // Three chunks and the empty read that ends the loop; each chunk judged and accepted once.
    assert_eq!(heard.of(Stage::Read), (4, 4, entries.len() as u64));
    assert_eq!(heard.of(Stage::Accept), (3, 3, entries.len() as u64));

    // A signature broken in the second chunk, and the third chunk's entries unreadable.
    let sig_at = chunk as usize + 10;
    let mut bad = entries.clone();
    bad[sig_at][kordon::core::entry::HEADER_LEN - 1] ^= 1;
    for e in &mut bad[2 * chunk as usize..] {
        let l = e.len();
        e[l - 1] = b'x';
    }
    let (parallel, sequential) = both(&framed(&vkey, &cp, &bad, None), &Unwatched);
    assert_eq!(parallel, sequential);
    let f = parallel.failure.as_ref().unwrap();
    assert_eq!(f.seq, Some(sig_at as u64), "{f:?}");
    assert_eq!(parallel.entries_verified, chunk);

    // The third chunk's unreadable entries alone: the first of them, after two chunks.
    let mut late = entries.clone();
    for e in &mut late[2 * chunk as usize + 5..] {
        let l = e.len();
        e[l - 1] = b'x';
    }
    let (parallel, sequential) = both(&framed(&vkey, &cp, &late, None), &Unwatched);
    assert_eq!(parallel, sequential);
    let f = parallel.failure.as_ref().unwrap();
    assert_eq!(f.seq, Some(2 * chunk + 5), "{f:?}");
    assert_eq!(parallel.entries_verified, 2 * chunk);

    // The stream cut inside the third chunk, with the signature in the second broken: the
    // signature is blamed, not the cut; without it, the cut is.
    let whole = framed(&vkey, &cp, &bad[..2 * chunk as usize + 100], None);
    let cut = whole.len() - 7;
    let mut broken = entries.clone();
    broken[sig_at][kordon::core::entry::HEADER_LEN - 1] ^= 1;
    let (parallel, sequential) = both(&framed(&vkey, &cp, &broken, Some(cut)), &Unwatched);
    assert_eq!(parallel, sequential);
    assert_eq!(parallel.failure.as_ref().unwrap().seq, Some(sig_at as u64));
    let (parallel, sequential) = both(&framed(&vkey, &cp, &entries, Some(cut)), &Unwatched);
    assert_eq!(parallel, sequential);
    let f = parallel.failure.as_ref().unwrap();
    assert_eq!(f.code, "export.format", "{f:?}");
    assert_eq!(f.seq, Some(2 * chunk + 99), "{f:?}");
}
