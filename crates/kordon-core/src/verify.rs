//! The verify loop: checks every entry of a ledger (its encoding, chain link, signature, key
//! and rules), recomputes the Merkle root, and checks it against the signed checkpoint and,
//! optionally, against a checkpoint the reader trusted earlier (SPEC.md, "Verification").
//!
//! Entries stream from an [`EntrySource`] in chunks; each chunk goes through the stages of
//! `stage` (read, prepare, keys, signatures, accept), the independent ones through the caller's
//! [`Runner`]. Memory holds one chunk and the rules' state, never the whole ledger.

use crate::chain::{self, Chain, EntryFault, KeyBook, Prepared, Sig};
use crate::checkpoint::{self, Checkpoint};
use crate::note::NoteVerifier;
use crate::stage::{self, Runner, Stage, Watch};
use serde::Serialize;

/// Entries read and judged at a time.
pub const CHUNK: usize = 8192;

/// The verdict, as `kordon verify --json` prints it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Report {
    pub valid: bool,
    pub origin: Option<String>,
    pub verifier_key: String,
    /// Entries checked and found valid.
    pub entries_verified: u64,
    pub checkpoint_size: Option<u64>,
    pub root: Option<String>,
    pub trusted_size: Option<u64>,
    /// The trusted witnesses whose cosignatures on the checkpoint verified (with a policy).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<crate::cosignature::Cosigned>,
    pub failure: Option<Failure>,
}

/// What failed: the entry (when one is to blame), a stable code and a sentence.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Failure {
    pub seq: Option<u64>,
    pub event_id: Option<String>,
    pub code: String,
    pub message: String,
    /// For `checkpoint.equivocation`: the two signed checkpoints that contradict each other.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

impl Failure {
    fn new(code: &str, message: impl Into<String>) -> Failure {
        Failure {
            seq: None,
            event_id: None,
            code: code.into(),
            message: message.into(),
            evidence: Vec::new(),
        }
    }

    /// A failure blamed on entry `seq`; the message says so.
    fn at(seq: u64, code: &str, message: impl std::fmt::Display) -> Failure {
        Failure {
            seq: Some(seq),
            ..Failure::new(code, format!("entry {seq}: {message}"))
        }
    }

    fn at_entry(f: EntryFault) -> Failure {
        Failure {
            seq: Some(f.seq),
            event_id: f.event_id.clone(),
            code: f.fault.code().into(),
            message: f.to_string(),
            evidence: Vec::new(),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}", self.code, self.message)
    }
}

#[derive(Clone, Copy)]
pub struct Options<'a> {
    /// A checkpoint (signed note) the reader trusted before; the ledger must have only grown
    /// since.
    pub trusted: Option<&'a [u8]>,
    /// Called with the number of entries verified so far.
    pub progress: &'a (dyn Fn(u64) + Sync),
}

/// A source of entries in order; an empty chunk means the end. A source that breaks after
/// some entries of a chunk returns those entries, and the error on the next call.
pub trait EntrySource {
    fn next_chunk(&mut self, max: usize) -> Result<Vec<Vec<u8>>, String>;
}

/// Verifies a ledger given its verifier key, its signed checkpoint and its entries, running the
/// independent stages through `runner` and telling `watch` where each stage begins and ends.
pub fn verify<R: Runner>(
    vkey: &str,
    checkpoint_note: &[u8],
    source: &mut dyn EntrySource,
    opts: &Options<'_>,
    runner: &R,
    watch: &dyn Watch,
) -> Report {
    let mut report = Report {
        valid: false,
        origin: None,
        verifier_key: vkey.to_string(),
        entries_verified: 0,
        checkpoint_size: None,
        root: None,
        trusted_size: None,
        witnesses: Vec::new(),
        failure: None,
    };
    match run(
        vkey,
        checkpoint_note,
        source,
        opts,
        runner,
        watch,
        &mut report,
    ) {
        Ok(()) => report.valid = true,
        Err(f) => report.failure = Some(f),
    }
    report
}

fn run<R: Runner>(
    vkey: &str,
    checkpoint_note: &[u8],
    source: &mut dyn EntrySource,
    opts: &Options<'_>,
    runner: &R,
    watch: &dyn Watch,
    report: &mut Report,
) -> Result<(), Failure> {
    let verifier = NoteVerifier::parse(vkey)
        .map_err(|e| Failure::new("key.invalid", format!("verifier key {vkey:?}: {e}")))?;
    report.origin = Some(verifier.name().to_string());
    let cp = checkpoint::open(checkpoint_note, &verifier).map_err(|e| {
        Failure::new(
            "checkpoint.signature",
            format!(
                "the checkpoint does not verify with the ledger key {}: {e}",
                hex::encode(verifier.key_id())
            ),
        )
    })?;
    report.checkpoint_size = Some(cp.size);
    let trusted = match opts.trusted {
        None => None,
        Some(t) => Some(check_trusted(t, &verifier, checkpoint_note, &cp)?),
    };
    report.trusted_size = trusted.as_ref().map(|t| t.size);

    // Chunk by chunk, two at a time: while one chunk is accepted in order (links, rules, the
    // tree), the next is judged (parsed, its keys looked up, its signatures checked), side by
    // side when the runner can. Nothing the judging finds is reported before every entry
    // ahead of it was accepted, so the reported fault is always the earliest one.
    let mut chain = Chain::new();
    let mut book = KeyBook::default();
    let mut position = 0u64;
    let mut judged: Option<Judged> = None;
    let mut next = read(source, watch, position, cp.size);
    loop {
        let Some(j) = judged.take() else {
            // Nothing is waiting to be accepted: judge the chunk read, alone.
            let raw = next?;
            if raw.is_empty() {
                break;
            }
            let j = judge(raw, position, &mut book, runner, watch);
            next = read(source, watch, position + j.n, cp.size);
            judged = Some(j);
            continue;
        };
        let after = position + j.n;
        let (accepted, following) = runner.join(
            || accept(&mut chain, &j, trusted.as_ref(), watch),
            || match next {
                Ok(raw) if raw.is_empty() => Ok(None),
                Ok(raw) => Ok(Some(judge(raw, after, &mut book, runner, watch))),
                Err(f) => Err(f),
            },
        );
        accepted?;
        if let Some(f) = j.late_fault {
            return Err(Failure::at_entry(f));
        }
        position = after;
        report.entries_verified = position;
        (opts.progress)(position);
        match following? {
            None => break,
            Some(f) => {
                next = read(source, watch, position + f.n, cp.size);
                judged = Some(f);
            }
        }
    }

    if cp.size == 0 {
        return Err(Failure::new(
            "ledger.empty",
            "the checkpoint covers no entries: a ledger starts with its genesis",
        ));
    }
    if position < cp.size {
        return Err(Failure::at(
            position,
            "ledger.truncated",
            format!(
                "missing: the checkpoint covers {} entries but only {position} are present",
                cp.size
            ),
        ));
    }
    if let Some(g) = &chain.state.genesis {
        if g.ledger_key != vkey {
            return Err(Failure::at(
                0,
                "genesis.ledger-key",
                format!(
                    "the genesis names ledger key {:?}, not {vkey:?}",
                    g.ledger_key
                ),
            ));
        }
    }
    let root = chain.root();
    report.root = Some(root.to_hex());
    if root != cp.root {
        return Err(Failure::new(
            "checkpoint.root",
            format!(
                "the entries hash to root {} but the checkpoint for size {} says {} (an entry was changed, or the checkpoint does not belong to these entries)",
                root.to_base64(),
                cp.size,
                cp.root.to_base64()
            ),
        ));
    }
    Ok(())
}

/// A chunk judged and waiting to be accepted: its entries parsed up to the first that could
/// not be (`late_fault`), and their signatures' verdicts.
struct Judged {
    /// The entries read, including any after the one at fault.
    n: u64,
    prepared: Vec<Prepared>,
    sigs: Vec<Sig>,
    late_fault: Option<EntryFault>,
}

/// Reads the chunk at `position`: at most what the checkpoint still covers, and at least one
/// entry, so that an entry beyond the checkpoint is found. A stream that breaks inside an
/// entry is blamed on that entry's position; the source returns the whole entries before the
/// break first, so they are judged before it.
fn read(
    source: &mut dyn EntrySource,
    watch: &dyn Watch,
    position: u64,
    size: u64,
) -> Result<Vec<Vec<u8>>, Failure> {
    let want = CHUNK
        .min((size.saturating_sub(position)).min(usize::MAX as u64) as usize)
        .max(1);
    watch.enter(Stage::Read);
    let raw = source
        .next_chunk(want)
        .map_err(|e| Failure::at(position, "export.format", e))?;
    watch.leave(Stage::Read, raw.len());
    if position + raw.len() as u64 > size {
        return Err(Failure::at(
            size,
            "checkpoint.size",
            format!("this entry is beyond the checkpoint, which covers {size} entries"),
        ));
    }
    Ok(raw)
}

/// Decodes, hashes and parses a chunk (independently per entry), then gives each signature's
/// verdict, keys looked up in `book`, every key any event so far introduced.
fn judge<R: Runner>(
    raw: Vec<Vec<u8>>,
    position: u64,
    book: &mut KeyBook,
    runner: &R,
    watch: &dyn Watch,
) -> Judged {
    let n = raw.len() as u64;
    let mut results: Vec<Result<Prepared, EntryFault>> =
        stage::watched(watch, Stage::Prepare, raw.len(), || {
            let numbered: Vec<(u64, Vec<u8>)> = (position..).zip(raw).collect();
            runner.map(numbered, |(at, b)| chain::prepare(b, at))
        });
    let late_fault = match results.iter().position(|r| r.is_err()) {
        Some(i) => results.drain(i..).next().and_then(|r| r.err()),
        None => None,
    };
    let prepared: Vec<Prepared> = results.into_iter().flatten().collect();
    let sigs = stage::prepared_verdicts(runner, watch, book, &prepared);
    Judged {
        n,
        prepared,
        sigs,
        late_fault,
    }
}

/// Accepts a judged chunk entry by entry, in order, checking the tree against a trusted
/// checkpoint when it reaches its size.
fn accept(
    chain: &mut Chain,
    j: &Judged,
    trusted: Option<&Checkpoint>,
    watch: &dyn Watch,
) -> Result<(), Failure> {
    let mut scratch = Vec::new();
    watch.enter(Stage::Accept);
    for (p, sig) in j.prepared.iter().zip(&j.sigs) {
        scratch.clear();
        chain
            .accept(p, *sig, &mut scratch)
            .map_err(Failure::at_entry)?;
        if let Some(t) = trusted {
            if chain.size() == t.size && chain.root() != t.root {
                return Err(fork(t, chain));
            }
        }
    }
    watch.leave(Stage::Accept, j.prepared.len());
    Ok(())
}

fn fork(t: &Checkpoint, chain: &Chain) -> Failure {
    Failure::at(
        t.size.saturating_sub(1),
        "checkpoint.fork",
        format!(
                "at size {} the entries hash to {}, but the trusted checkpoint says {}: the ledger was rewritten after you trusted it",
                t.size,
                chain.root().to_base64(),
                t.root.to_base64()
            )
    )
}

/// Checks a trusted checkpoint against the current one before any entry is read.
fn check_trusted(
    trusted_note: &[u8],
    verifier: &NoteVerifier,
    current_note: &[u8],
    current: &Checkpoint,
) -> Result<Checkpoint, Failure> {
    let t = checkpoint::open(trusted_note, verifier).map_err(|e| {
        Failure::new(
            "checkpoint.trusted-signature",
            format!("the trusted checkpoint does not verify with the ledger key: {e}"),
        )
    })?;
    if t.size == 0 {
        return Err(Failure::new(
            "ledger.empty",
            "the trusted checkpoint covers no entries, so it proves nothing: trust a checkpoint of a ledger that has at least its genesis",
        ));
    }
    if t.size > current.size {
        return Err(Failure::at(
            current.size,
            "ledger.truncated",
            format!(
                    "you trusted a checkpoint of {} entries; this ledger's checkpoint covers only {}: entries were removed",
                    t.size, current.size
                )
        ));
    }
    if t.size == current.size && t.root != current.root {
        return Err(Failure {
            evidence: vec![
                String::from_utf8_lossy(trusted_note).into_owned(),
                String::from_utf8_lossy(current_note).into_owned(),
            ],
            ..Failure::new(
                "checkpoint.equivocation",
                format!(
                    "two checkpoints signed by the ledger key for size {} name different roots ({} and {}): proof that the ledger forked",
                    t.size,
                    t.root.to_base64(),
                    current.root.to_base64()
                ),
            )
        });
    }
    Ok(t)
}

/// Verifies a ledger as `verify` does, and first requires its checkpoint to meet a witness
/// policy (SPEC.md §16.3, "Witness policy"): every line of a trusted witness verifies
/// (`witness.signature`) and the quorum cosigned (`witness.quorum`). The policy is checked
/// before any entry is read, so a checkpoint no quorum witnessed costs nothing to refuse.
pub fn verify_witnessed<R: Runner>(
    vkey: &str,
    checkpoint_note: &[u8],
    source: &mut dyn EntrySource,
    opts: &Options<'_>,
    policy: &crate::cosignature::Policy,
    runner: &R,
) -> Report {
    let failed = |f: Failure| Report {
        valid: false,
        origin: None,
        verifier_key: vkey.to_string(),
        entries_verified: 0,
        checkpoint_size: checkpoint::parse_unverified(checkpoint_note)
            .ok()
            .map(|c| c.size),
        root: None,
        trusted_size: None,
        witnesses: Vec::new(),
        failure: Some(f),
    };
    // The ledger's own signature first: cosignatures of a checkpoint the ledger did not sign
    // mean nothing.
    let verifier = match NoteVerifier::parse(vkey) {
        Ok(v) => v,
        Err(e) => {
            return failed(Failure::new(
                "key.invalid",
                format!("verifier key {vkey:?}: {e}"),
            ))
        }
    };
    if let Err(e) = checkpoint::open(checkpoint_note, &verifier) {
        return failed(Failure::new(
            "checkpoint.signature",
            format!(
                "the checkpoint does not verify with the ledger key {}: {e}",
                hex::encode(verifier.key_id())
            ),
        ));
    }
    let witnesses = match check_witnesses(checkpoint_note, policy) {
        Ok(w) => w,
        Err(f) => return failed(f),
    };
    let mut report = verify(
        vkey,
        checkpoint_note,
        source,
        opts,
        runner,
        &crate::stage::Unwatched,
    );
    report.witnesses = witnesses;
    report
}

/// Checks a signed checkpoint's cosignatures against a witness policy.
pub fn check_witnesses(
    checkpoint_note: &[u8],
    policy: &crate::cosignature::Policy,
) -> Result<Vec<crate::cosignature::Cosigned>, Failure> {
    policy
        .check(checkpoint_note)
        .map_err(|e| Failure::new(e.code(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stage::{SeededRng, Sequential, Unwatched};

    struct Chunks(Vec<Result<Vec<Vec<u8>>, String>>);

    impl EntrySource for Chunks {
        fn next_chunk(&mut self, _max: usize) -> Result<Vec<Vec<u8>>, String> {
            if self.0.is_empty() {
                Ok(Vec::new())
            } else {
                self.0.remove(0)
            }
        }
    }

    fn run_on(vkey: &str, note: &[u8], chunks: Chunks) -> Report {
        let mut src = chunks;
        verify(
            vkey,
            note,
            &mut src,
            &Options {
                trusted: None,
                progress: &|_| {},
            },
            &Sequential(|| SeededRng(3)),
            &Unwatched,
        )
    }

    #[test]
    fn a_bad_verifier_key_or_checkpoint_fails_before_any_entry_is_read() {
        let r = run_on("not a key", b"", Chunks(vec![Err("never read".into())]));
        assert!(!r.valid);
        assert_eq!(
            r.failure.as_ref().map(|f| f.code.as_str()),
            Some("key.invalid")
        );
        let signer = crate::note::NoteSigner::new(
            "kordon.test/v",
            ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]),
        )
        .unwrap();
        let vkey = signer.verifier().to_vkey();
        let r = run_on(&vkey, b"garbage", Chunks(vec![Err("never read".into())]));
        assert_eq!(
            r.failure.as_ref().map(|f| f.code.as_str()),
            Some("checkpoint.signature")
        );
        assert_eq!(r.entries_verified, 0);
        // A checkpoint of no entries: the source's error is the first fault it meets.
        let note = Checkpoint {
            origin: "kordon.test/v".into(),
            size: 0,
            root: crate::merkle::empty_root(),
            extensions: Vec::new(),
        }
        .sign(&signer)
        .unwrap();
        let r = run_on(&vkey, note.as_bytes(), Chunks(vec![Err("cut".into())]));
        assert_eq!(
            r.failure.as_ref().map(|f| f.code.as_str()),
            Some("export.format")
        );
        let r = run_on(&vkey, note.as_bytes(), Chunks(vec![]));
        assert_eq!(
            r.failure.as_ref().map(|f| f.code.as_str()),
            Some("ledger.empty")
        );
    }
}
