//! The stages of judging entries that can run in parallel, written once for the appender, the
//! verifier and the benchmarks (SPEC.md, "Verification").
//!
//! Judging a run of entries is: parse each one (independent), resolve the key each event names
//! (in order, cheap), check the signatures in batches (independent), then `Chain::accept` each
//! entry in order. The core runs every stage itself, sequentially unless told otherwise: the
//! parallel map and the randomness that blinds batch verification come from a [`Runner`] the
//! caller passes (kordon's runs on all cores), so the core reads no clock, spawns no thread and
//! takes no randomness from the system. A [`Watch`] hears where each stage begins and ends, so
//! a caller can time the library's own stages with its own clock.

use crate::chain::{Fault, KeyBook, Prepared, Sig};
use crate::entry::{self, EntryError, MAX_EVENT_LEN};
use crate::event::{self, Event};
use crate::keys::{self, KeyId, SigCheck};

/// A stage of judging entries or of committing them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Reading the next entries from their source (the verifier).
    Read,
    /// Decoding, hashing and parsing entries (the verifier), or parsing submitted events (the
    /// appender): independent per entry.
    Prepare,
    /// Looking up the public key each event names, in order.
    Keys,
    /// Signature verification in batches: independent per batch.
    Signatures,
    /// Links, time, rules and the Merkle tree, entry by entry in order (`Chain::accept`); for
    /// the appender, encoding each entry too.
    Accept,
    /// Signing the checkpoint of a commit (the appender).
    Checkpoint,
    /// The durable store commit (the appender).
    Store,
}

impl Stage {
    pub const ALL: [Stage; 7] = [
        Stage::Read,
        Stage::Prepare,
        Stage::Keys,
        Stage::Signatures,
        Stage::Accept,
        Stage::Checkpoint,
        Stage::Store,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Read => "read",
            Stage::Prepare => "prepare",
            Stage::Keys => "keys",
            Stage::Signatures => "signatures",
            Stage::Accept => "accept",
            Stage::Checkpoint => "checkpoint",
            Stage::Store => "store",
        }
    }
}

/// How the independent stages run: a map over items (in parallel, or not), how many workers it
/// spreads over (which sizes the signature batches) and where the randomness that blinds a
/// batch verification comes from (it never changes a verdict; see `keys::verify_batch`).
pub trait Runner: Sync {
    type Rng: rand_core::RngCore + rand_core::CryptoRng;

    /// How many workers `map` spreads its items over.
    fn workers(&self) -> usize;

    /// `f` applied to every item; the results in the items' order.
    fn map<T, R, F>(&self, items: Vec<T>, f: F) -> Vec<R>
    where
        T: Send,
        R: Send,
        F: Fn(T) -> R + Sync + Send;

    /// Fresh randomness for one batch verification.
    fn rng(&self) -> Self::Rng;

    /// Runs `a` and `b`, side by side if the runner can (the verifier accepts one chunk in
    /// order while it judges the next); one after the other by default.
    fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        (a(), b())
    }
}

/// Hears where each stage begins and ends. Stages do not nest on one thread; the appender's
/// stages run on two threads, the verifier's on one. Every method defaults to nothing.
pub trait Watch: Sync {
    fn enter(&self, _stage: Stage) {}
    /// `items`: how many entries (or submissions) the stage handled.
    fn leave(&self, _stage: Stage, _items: usize) {}
}

/// A watch that hears nothing.
pub struct Unwatched;

impl Watch for Unwatched {}

/// Runs `f` as stage `stage` of `items` items, telling `watch`.
pub fn watched<T>(watch: &dyn Watch, stage: Stage, items: usize, f: impl FnOnce() -> T) -> T {
    watch.enter(stage);
    let out = f();
    watch.leave(stage, items);
    out
}

/// One signature to check: the canonical event bytes and the signature over
/// `EVENT_CONTEXT ‖ event`.
#[derive(Debug, Clone, Copy)]
pub struct Signed<'a> {
    pub event: &'a [u8],
    pub signature: [u8; 64],
}

/// The signature verdict of each item, in order: `keys[i]` is the public key item `i` names
/// (`None`: the key is unknown, `Sig::NoKey`, and the rules name the fault). The signatures
/// whose key is known are verified in batches of `keys::batch_size`, one batch per call of the
/// runner's map.
pub fn signature_verdicts<R: Runner>(
    runner: &R,
    keys: &[Option<[u8; 32]>],
    signed: &[Signed<'_>],
) -> Vec<Sig> {
    debug_assert_eq!(keys.len(), signed.len());
    let checks: Vec<SigCheck<'_>> = keys
        .iter()
        .zip(signed)
        .filter_map(|(k, s)| {
            k.map(|public_key| SigCheck {
                public_key,
                event: s.event,
                signature: s.signature,
            })
        })
        .collect();
    let batch = keys::batch_size(checks.len(), runner.workers());
    let batches: Vec<&[SigCheck<'_>]> = checks.chunks(batch).collect();
    let mut ok = runner
        .map(batches, |b| keys::verify_batch(b, runner.rng()))
        .into_iter()
        .flatten();
    keys.iter()
        .map(|k| match k {
            None => Sig::NoKey,
            Some(_) if ok.next() == Some(true) => Sig::Valid,
            Some(_) => Sig::Invalid,
        })
        .collect()
}

/// The signature verdicts of prepared entries (stages `Keys` and `Signatures`): each event's
/// key looked up in `book`, which remembers every key the events introduce (a key id is the
/// hash of its key, so the book never gives a wrong key; whether the author may sign with it
/// is for the rules), then the signatures checked in batches.
pub fn prepared_verdicts<R: Runner>(
    runner: &R,
    watch: &dyn Watch,
    book: &mut KeyBook,
    prepared: &[Prepared],
) -> Vec<Sig> {
    let m = prepared.len();
    let keys: Vec<Option<[u8; 32]>> = watched(watch, Stage::Keys, m, || {
        prepared
            .iter()
            .map(|p| book.resolve(&p.event, |_| None))
            .collect()
    });
    watched(watch, Stage::Signatures, m, || {
        let signed: Vec<Signed<'_>> = prepared
            .iter()
            .map(|p| Signed {
                event: p.event_bytes(),
                signature: p.signature,
            })
            .collect();
        signature_verdicts(runner, &keys, &signed)
    })
}

/// What the appender's check stage makes of a batch of submissions: each event parsed (or the
/// fault that refuses it) and each signature's verdict.
#[derive(Debug)]
pub struct Checked {
    pub events: Vec<Result<Event, Fault>>,
    pub sigs: Vec<Sig>,
}

/// Parses a submitted event: too long for an entry, or not a canonical event, is a fault.
pub fn parse_submitted(event: &[u8]) -> Result<Event, Fault> {
    if event.len() > MAX_EVENT_LEN {
        return Err(Fault::Entry(EntryError::TooLong(
            entry::HEADER_LEN + event.len(),
        )));
    }
    event::parse(event).map_err(Fault::from)
}

/// The appender's check stage: parses every submission (stage `Prepare`), resolves the keys in
/// order in `book` (`Keys`; `known` is asked for a key the book has not seen) and checks the
/// signatures (`Signatures`).
pub fn check_submissions<R: Runner>(
    runner: &R,
    watch: &dyn Watch,
    subs: &[Signed<'_>],
    book: &mut KeyBook,
    known: impl Fn(&KeyId) -> Option<[u8; 32]>,
) -> Checked {
    let n = subs.len();
    let events: Vec<Result<Event, Fault>> = watched(watch, Stage::Prepare, n, || {
        runner.map(subs.iter().map(|s| s.event).collect(), parse_submitted)
    });
    let keys: Vec<Option<[u8; 32]>> = watched(watch, Stage::Keys, n, || {
        events
            .iter()
            .map(|e| e.as_ref().ok().and_then(|ev| book.resolve(ev, &known)))
            .collect()
    });
    let sigs = watched(watch, Stage::Signatures, n, || {
        signature_verdicts(runner, &keys, subs)
    });
    Checked { events, sigs }
}

/// Runs every stage on the calling thread, with randomness from `.0` (a fresh generator per
/// batch): for tests, and for measuring one core's cost of each stage. Batch blinding must be
/// unpredictable to whoever made the signatures: pass the system's randomness wherever they
/// come from outside.
pub struct Sequential<F>(pub F);

impl<G, F> Runner for Sequential<F>
where
    G: rand_core::RngCore + rand_core::CryptoRng,
    F: Fn() -> G + Sync,
{
    type Rng = G;
    fn workers(&self) -> usize {
        1
    }
    fn map<T, R, M>(&self, items: Vec<T>, f: M) -> Vec<R>
    where
        T: Send,
        R: Send,
        M: Fn(T) -> R + Sync + Send,
    {
        items.into_iter().map(f).collect()
    }
    fn rng(&self) -> G {
        (self.0)()
    }
}

/// SplitMix64: a small deterministic generator, the same everywhere. Predictable: for tests
/// and synthetic data, never to blind a batch of signatures that came from outside.
#[derive(Debug, Clone)]
pub struct SeededRng(pub u64);

impl rand_core::RngCore for SeededRng {
    fn next_u32(&mut self) -> u32 {
        self.next_u64() as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        rand_core::impls::fill_bytes_via_next(self, dest)
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for SeededRng {}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    #[test]
    fn verdicts_name_the_bad_signature_and_the_unknown_key() {
        let k = SigningKey::from_bytes(&[9u8; 32]);
        let pk = k.verifying_key().to_bytes();
        let events: Vec<Vec<u8>> = (0..300)
            .map(|i| format!("{{\"n\":{i}}}").into_bytes())
            .collect();
        let mut signed: Vec<Signed> = events
            .iter()
            .map(|e| Signed {
                event: e,
                signature: keys::sign_event(&k, e),
            })
            .collect();
        signed[201].signature[0] ^= 1;
        let mut ks = vec![Some(pk); signed.len()];
        ks[7] = None;
        // Batches of at least 64: the bad one sits in the fourth batch.
        let got = signature_verdicts(&Sequential(|| SeededRng(1)), &ks, &signed);
        assert_eq!(got.len(), 300);
        assert_eq!(got[7], Sig::NoKey);
        assert_eq!(got[201], Sig::Invalid);
        let valid = got.iter().filter(|s| **s == Sig::Valid).count();
        assert_eq!(valid, 298);
        // The blinding does not change a verdict.
        assert_eq!(
            signature_verdicts(&Sequential(|| SeededRng(99)), &ks, &signed),
            got
        );
    }

    #[test]
    fn a_watch_hears_each_check_stage_once_in_order() {
        struct Log(std::sync::Mutex<Vec<(Stage, bool, usize)>>);
        impl Watch for Log {
            fn enter(&self, s: Stage) {
                self.0.lock().unwrap().push((s, true, 0));
            }
            fn leave(&self, s: Stage, n: usize) {
                self.0.lock().unwrap().push((s, false, n));
            }
        }
        let log = Log(Default::default());
        let too_long = vec![b' '; MAX_EVENT_LEN + 1];
        let subs = [
            Signed {
                event: b"not json",
                signature: [0; 64],
            },
            Signed {
                event: &too_long,
                signature: [0; 64],
            },
        ];
        let c = check_submissions(
            &Sequential(|| SeededRng(0)),
            &log,
            &subs,
            &mut KeyBook::default(),
            |_| None,
        );
        assert!(matches!(c.events[0], Err(Fault::Event(_))));
        assert!(matches!(
            c.events[1],
            Err(Fault::Entry(EntryError::TooLong(_)))
        ));
        assert_eq!(c.sigs, vec![Sig::NoKey, Sig::NoKey]);
        let l = log.0.into_inner().unwrap();
        let want: Vec<(Stage, bool, usize)> = [Stage::Prepare, Stage::Keys, Stage::Signatures]
            .iter()
            .flat_map(|s| [(*s, true, 0), (*s, false, 2)])
            .collect();
        assert_eq!(l, want);
    }
}
