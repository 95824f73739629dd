//! The appender: group-committed, durable appends of signed events to a store.
//!
//! Submissions queue to one writer thread. The writer takes everything queued (up to
//! `MAX_BATCH`), checks formats, verifies the signatures together, applies the rules in order,
//! assigns sequence numbers, writes the batch with its tree nodes and a fresh signed checkpoint
//! in one durable store commit, and only then answers each submitter. One writer and the store's
//! expected-size check mean concurrent submitters can never fork the chain.

use crate::core::chain::{self, Chain, EntryFault, Fault, KeyBook, Prepared, Sig};
use crate::core::checkpoint::Checkpoint;
use crate::core::entry::{self, EntryError, MAX_EVENT_LEN};
use crate::core::event::{self, Body};
use crate::core::hash::Hash;
use crate::core::keys::{self, SigCheck};
use crate::core::merkle::{self, NodeId};
use crate::core::note::NoteSigner;
use crate::core::rules::State;
use crate::core::types::Millis;
use crate::store::{Batch, NewEntry, Nodes, Store, StoreError};
use rayon::prelude::*;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

/// The most submissions one store commit carries.
pub const MAX_BATCH: usize = 8192;

/// A signed event as a body submits it: the canonical event bytes and the signature over
/// `EVENT_CONTEXT ‖ event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub event: Vec<u8>,
    pub signature: [u8; 64],
}

/// What the ledger answers once an entry is durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub seq: u64,
    pub leaf: Hash,
    /// The signed checkpoint written with the entry; it covers it.
    pub checkpoint: String,
    pub size: u64,
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppendError {
    /// The event broke a format, signature or ledger rule; nothing was written.
    #[error("refused: {0}")]
    Rejected(EntryFault),
    /// The store failed; nothing of this batch was acknowledged.
    #[error("storage failed, nothing was written: {0}")]
    Storage(String),
    #[error("the ledger is shutting down")]
    Closed,
}

impl AppendError {
    pub fn fault(&self) -> Option<&EntryFault> {
        match self {
            AppendError::Rejected(f) => Some(f),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the stored ledger is invalid at {0}; run `kordon verify` on it")]
    Invalid(EntryFault),
    #[error(
        "this ledger's genesis names checkpoint key {genesis}, but the key given signs as {given}"
    )]
    WrongLedgerKey { genesis: String, given: String },
}

/// Where the writer gets `recorded_at` from. Tools that build a ledger with a simulated history
/// pass their own clock; the appender never lets time go backwards whatever the clock says.
pub type Clock = Arc<dyn Fn() -> Millis + Send + Sync>;

pub fn system_clock() -> Clock {
    Arc::new(|| {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Millis(ms)
    })
}

type Reply = SyncSender<Vec<Result<Receipt, AppendError>>>;

/// What a subscriber hears after each durable commit, in commit order, before the submitters
/// are answered: so a submitter that reads after its `Ok` sees every subscriber's view updated.
pub struct Committed<'a> {
    /// The new entries, decoded and with their events parsed.
    pub entries: &'a [Prepared],
    /// The signed checkpoint written with them.
    pub checkpoint: &'a str,
    /// The ledger's size after the commit.
    pub size: u64,
}

type Subscriber = Box<dyn Fn(&Committed<'_>) + Send + Sync>;

struct Shared {
    store: Arc<dyn Store>,
    signer: NoteSigner,
    clock: Clock,
    chain: Mutex<Chain>,
    subscribers: Mutex<Vec<Subscriber>>,
}

/// A ledger open for appending.
pub struct Ledger {
    shared: Arc<Shared>,
    queue: Option<Sender<(Vec<Submission>, Reply)>>,
    threads: Vec<JoinHandle<()>>,
}

impl Ledger {
    /// Opens a ledger on `store`, rebuilding the rules' state from its entries.
    pub fn open(
        store: Arc<dyn Store>,
        signer: NoteSigner,
        clock: Clock,
    ) -> Result<Ledger, OpenError> {
        let chain = load_chain(&*store)?;
        if let Some(g) = &chain.state.genesis {
            let given = signer.verifier().to_vkey();
            if g.ledger_key != given {
                return Err(OpenError::WrongLedgerKey {
                    genesis: g.ledger_key.clone(),
                    given,
                });
            }
        }
        let shared = Arc::new(Shared {
            store,
            signer,
            clock,
            chain: Mutex::new(chain),
            subscribers: Mutex::new(Vec::new()),
        });
        let (tx, rx) = mpsc::channel();
        // The checking stage runs one batch ahead of the writing stage, so parsing and
        // signature checks of the next batch overlap the durable commit of this one.
        // A rendezvous: the checker hands a batch over only when the writer takes it, so what
        // arrives meanwhile gathers into the next batch instead of many small ones.
        let (checked_tx, checked_rx) = mpsc::sync_channel(0);
        let book = KeyBook::from_state(&lock(&shared.chain).state);
        let spawn_err =
            |e: std::io::Error| StoreError::Backend(format!("cannot start a ledger thread: {e}"));
        let checker = std::thread::Builder::new()
            .name("kordon-check".into())
            .spawn(move || check_loop(rx, checked_tx, book))
            .map_err(spawn_err)?;
        let w = Arc::clone(&shared);
        let writer = std::thread::Builder::new()
            .name("kordon-writer".into())
            .spawn(move || write_loop(&w, checked_rx))
            .map_err(spawn_err)?;
        Ok(Ledger {
            shared,
            queue: Some(tx),
            threads: vec![checker, writer],
        })
    }

    /// Submits one signed event and waits until it is durable (or refused).
    pub fn submit(&self, sub: Submission) -> Result<Receipt, AppendError> {
        self.submit_many(vec![sub])
            .pop()
            .unwrap_or(Err(AppendError::Closed))
    }

    /// Submits several events; each gets its own answer, in order. Refusing one does not
    /// refuse the others.
    pub fn submit_many(&self, subs: Vec<Submission>) -> Vec<Result<Receipt, AppendError>> {
        let n = subs.len();
        let closed = || (0..n).map(|_| Err(AppendError::Closed)).collect();
        let Some(q) = &self.queue else {
            return closed();
        };
        let (tx, rx) = mpsc::sync_channel(1);
        if q.send((subs, tx)).is_err() {
            return closed();
        }
        rx.recv().unwrap_or_else(|_| closed())
    }

    /// Calls `f` after every durable commit from now on (on the writer thread: keep it quick).
    pub fn subscribe(&self, f: impl Fn(&Committed<'_>) + Send + Sync + 'static) {
        self.shared
            .subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(f));
    }

    /// The store, for reads.
    pub fn store(&self) -> &dyn Store {
        &*self.shared.store
    }

    /// Runs `f` on the rules' state as of the last commit.
    pub fn with_state<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&lock(&self.shared.chain).state)
    }

    pub fn size(&self) -> u64 {
        lock(&self.shared.chain).size()
    }

    pub fn verifier_key(&self) -> String {
        self.shared.signer.verifier().to_vkey()
    }

    /// The latest signed checkpoint.
    pub fn checkpoint(&self) -> Result<Option<String>, StoreError> {
        self.shared.store.snapshot()?.checkpoint()
    }

    /// An RFC 9162 inclusion proof of entry `seq` in the tree of `size` entries.
    pub fn inclusion_proof(&self, seq: u64, size: u64) -> Result<Vec<Hash>, ProofRequestError> {
        let snap = self.shared.store.snapshot()?;
        if size > snap.size() {
            return Err(ProofRequestError::Size {
                size,
                have: snap.size(),
            });
        }
        merkle::inclusion_proof(&Nodes(&*snap), seq, size).map_err(ProofRequestError::from_proof)
    }

    /// An RFC 9162 consistency proof between two tree sizes.
    pub fn consistency_proof(
        &self,
        size1: u64,
        size2: u64,
    ) -> Result<Vec<Hash>, ProofRequestError> {
        let snap = self.shared.store.snapshot()?;
        if size2 > snap.size() {
            return Err(ProofRequestError::Size {
                size: size2,
                have: snap.size(),
            });
        }
        merkle::consistency_proof(&Nodes(&*snap), size1, size2)
            .map_err(ProofRequestError::from_proof)
    }

    /// The root hash of the first `size` entries.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofRequestError> {
        let snap = self.shared.store.snapshot()?;
        if size > snap.size() {
            return Err(ProofRequestError::Size {
                size,
                have: snap.size(),
            });
        }
        Ok(merkle::root_at(&Nodes(&*snap), size)?)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProofRequestError {
    #[error("the ledger has {have} entries; size {size} is beyond it")]
    Size { size: u64, have: u64 },
    #[error("{0}")]
    Proof(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ProofRequestError {
    fn from_proof(e: merkle::ProofError<StoreError>) -> ProofRequestError {
        match e {
            merkle::ProofError::Storage(s) => ProofRequestError::Store(s),
            other => ProofRequestError::Proof(other.to_string()),
        }
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        // Closing the queue lets both stages finish what they have and stop.
        self.queue.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn lock(m: &Mutex<Chain>) -> MutexGuard<'_, Chain> {
    // A panic in the writer cannot leave a half-applied state: `Chain::accept` mutates only
    // after all checks pass. So a poisoned lock still guards a consistent chain.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Rebuilds the chain from a store by replaying its entries through the same checks the
/// appender ran when it wrote them. Signatures were verified before they were written; the
/// full offline check, signatures included, is `kordon verify`.
pub fn load_chain(store: &dyn Store) -> Result<Chain, OpenError> {
    let snap = store.snapshot()?;
    let size = snap.size();
    let mut chain = Chain::new();
    let mut scratch = Vec::new();
    let mut start = 0;
    while start < size {
        let end = (start + 4096).min(size);
        let prepared: Vec<Result<Prepared, EntryFault>> = snap
            .entries(start, end)?
            .into_par_iter()
            .enumerate()
            .map(|(i, b)| chain::prepare(b, start + i as u64))
            .collect();
        for p in prepared {
            let p = p.map_err(OpenError::Invalid)?;
            scratch.clear();
            chain
                .accept(&p, Sig::Valid, &mut scratch)
                .map_err(OpenError::Invalid)?;
        }
        start = end;
    }
    Ok(chain)
}

/// A batch that passed the checking stage.
struct Checked {
    subs: Vec<Submission>,
    parsed: Vec<Result<event::Event, Fault>>,
    sigs: Vec<Sig>,
    /// Each waiting submitter and how many of the batch's submissions are its.
    replies: Vec<(Reply, usize)>,
}

/// Stage one: gathers everything queued (up to `MAX_BATCH`), parses it and checks its
/// signatures on all cores, and hands it to the writer.
fn check_loop(rx: Receiver<(Vec<Submission>, Reply)>, out: SyncSender<Checked>, mut book: KeyBook) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        let mut count = jobs[0].0.len();
        while count < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => {
                    count += job.0.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        let mut subs = Vec::with_capacity(count);
        let mut replies = Vec::with_capacity(jobs.len());
        for (s, reply) in jobs {
            replies.push((reply, s.len()));
            subs.extend(s);
        }
        let (parsed, sigs) = check(&subs, &mut book);
        if out
            .send(Checked {
                subs,
                parsed,
                sigs,
                replies,
            })
            .is_err()
        {
            return;
        }
    }
}

/// Stage two: judges each checked batch in order, writes it and answers its submitters.
fn write_loop(shared: &Shared, rx: Receiver<Checked>) {
    while let Ok(c) = rx.recv() {
        let mut results = commit(shared, c.subs, c.parsed, c.sigs).into_iter();
        // Answer each submitter with its own slice of the results, in submission order.
        for (reply, n) in c.replies {
            let mine: Vec<_> = results.by_ref().take(n).collect();
            let _ = reply.send(mine);
        }
    }
}

/// Formats and signatures: parses every event and checks every signature it can, in parallel.
fn check(subs: &[Submission], book: &mut KeyBook) -> (Vec<Result<event::Event, Fault>>, Vec<Sig>) {
    let parsed: Vec<Result<event::Event, Fault>> = subs
        .par_iter()
        .map(|s| {
            if s.event.len() > MAX_EVENT_LEN {
                return Err(Fault::Entry(EntryError::TooLong(
                    entry::HEADER_LEN + s.event.len(),
                )));
            }
            event::parse(&s.event).map_err(Fault::from)
        })
        .collect();
    let mut checks = Vec::new();
    let mut check_of = vec![None; subs.len()];
    for (i, p) in parsed.iter().enumerate() {
        if let Ok(ev) = p {
            if let Some(pk) = book.resolve(ev, |_| None) {
                check_of[i] = Some(checks.len());
                checks.push(SigCheck {
                    public_key: pk,
                    event: &subs[i].event,
                    signature: subs[i].signature,
                });
            }
        }
    }
    let ok: Vec<bool> = checks
        .par_chunks(keys::batch_size(checks.len(), rayon::current_num_threads()))
        .flat_map_iter(|c| keys::verify_batch(c, rand_core::OsRng))
        .collect();
    let sigs = check_of
        .iter()
        .map(|c| match c {
            Some(i) if ok[*i] => Sig::Valid,
            Some(_) => Sig::Invalid,
            None => Sig::NoKey,
        })
        .collect();
    (parsed, sigs)
}

/// Judges, writes and acknowledges one checked batch. Returns one result per submission, in
/// order.
fn commit(
    shared: &Shared,
    subs: Vec<Submission>,
    parsed: Vec<Result<event::Event, Fault>>,
    sigs: Vec<Sig>,
) -> Vec<Result<Receipt, AppendError>> {
    let mut chain = lock(&shared.chain);
    let base = chain.size();
    let recorded_at = Millis((shared.clock)().0.max(chain.last_recorded.0));
    let ledger_key = shared.signer.verifier().to_vkey();

    // 4. Rules and chain, in order.
    let mut results: Vec<Result<Receipt, AppendError>> = Vec::with_capacity(subs.len());
    let mut entries = Vec::new();
    let mut accepted: Vec<Prepared> = Vec::new();
    let mut nodes: Vec<(NodeId, Hash)> = Vec::new();
    for (i, (sub, p)) in subs.into_iter().zip(parsed).enumerate() {
        let seq = chain.size();
        let reject = |fault: Fault, id: Option<String>| {
            Err(AppendError::Rejected(EntryFault {
                seq,
                event_id: id,
                fault,
            }))
        };
        let ev = match p {
            Ok(ev) => ev,
            Err(f) => {
                results.push(reject(f, None));
                continue;
            }
        };
        if let Body::Genesis(g) = &ev.body {
            if g.ledger_key != ledger_key {
                results.push(reject(
                    crate::core::rules::RuleError {
                        rule: crate::core::rules::Rule::GenesisLedgerKey,
                        msg: format!("this ledger signs checkpoints with {ledger_key}; the genesis must name it"),
                    }
                    .into(),
                    Some(ev.id.to_string()),
                ));
                continue;
            }
        }
        let sig = sigs[i];
        let bytes = match entry::encode(
            seq,
            recorded_at,
            &chain.last_leaf_or_zero(),
            &sub.signature,
            &sub.event,
        ) {
            Ok(b) => b,
            Err(e) => {
                results.push(reject(e.into(), Some(ev.id.to_string())));
                continue;
            }
        };
        let leaf = entry::entry_hash(&bytes);
        let prepared = Prepared {
            bytes,
            leaf,
            seq,
            recorded_at,
            prev: chain.last_leaf_or_zero(),
            signature: sub.signature,
            event: ev,
        };
        match chain.accept(&prepared, sig, &mut nodes) {
            Ok(()) => {
                entries.push(NewEntry {
                    bytes: prepared.bytes.clone(),
                    leaf,
                    event_id: prepared.event.id.to_string(),
                });
                accepted.push(prepared);
                results.push(Ok(Receipt {
                    seq,
                    leaf,
                    checkpoint: String::new(),
                    size: 0,
                }));
            }
            Err(f) => results.push(Err(AppendError::Rejected(f))),
        }
    }
    if entries.is_empty() {
        return results;
    }

    // 5. One durable commit with the tree nodes and the new checkpoint.
    let size = chain.size();
    let written = chain
        .state
        .origin()
        .ok_or_else(|| "no genesis".to_string())
        .and_then(|origin| {
            Checkpoint {
                origin: origin.to_string(),
                size,
                root: chain.root(),
                extensions: Vec::new(),
            }
            .sign(&shared.signer)
            .map_err(|e| e.to_string())
        })
        .and_then(|cp| {
            shared
                .store
                .append(Batch {
                    expected_size: base,
                    entries: &entries,
                    nodes: &nodes,
                    checkpoint: &cp,
                })
                .map(|()| cp)
                .map_err(|e| e.to_string())
        });
    match written {
        Ok(cp) => {
            let done = Committed {
                entries: &accepted,
                checkpoint: &cp,
                size,
            };
            for s in shared
                .subscribers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
            {
                s(&done);
            }
            for r in results.iter_mut().flatten() {
                r.checkpoint = cp.clone();
                r.size = size;
            }
        }
        Err(e) => {
            // The in-memory chain ran ahead of the store: rebuild it from what is durable.
            match load_chain(&*shared.store) {
                Ok(c) => *chain = c,
                Err(_) => *chain = Chain::new(),
            }
            for r in results.iter_mut() {
                if r.is_ok() {
                    *r = Err(AppendError::Storage(e.clone()));
                }
            }
        }
    }
    results
}

trait LastLeaf {
    fn last_leaf_or_zero(&self) -> Hash;
}

impl LastLeaf for Chain {
    fn last_leaf_or_zero(&self) -> Hash {
        if self.size() == 0 {
            Hash::ZERO
        } else {
            self.last_leaf
        }
    }
}
