//! The appender: one submission queue, two pipelined stages, durable group commits, and an
//! immutable head published after each commit.
//!
//! ```text
//! submit / submit_async ──▶ queue ──▶ check thread ──▶ slot ──▶ writer thread ──▶ store
//!   (a future per call)      (mpsc)    parse, keys,   (max-size,   judge (Chain::accept),
//!                                      signatures     max-age)     sign, append (fsync),
//!                                                                  publish Head, answer
//!                                                                        │
//!                         followers (projections, live feed) ◀── Head ──┘  off the write path
//! ```
//!
//! A submission crosses one channel (the queue) and one hand-over (the slot) before its answer
//! comes back on its own one-shot channel. The check stage parses and verifies what queued while
//! the writer commits the previous batch, and keeps adding to the batch waiting in the slot
//! until the writer takes it, so commits grow with the load. The writer never holds a lock that
//! a reader takes across the fsync, and never runs a subscriber: it publishes an immutable
//! `Head` (size, root, checkpoint, key state) and followers read it on their own threads.
//!
//! Guarantees:
//! - a submitter hears `Ok` only after the batch holding its entry is durable in the store,
//!   and only after the head that covers it is published (`head().size > seq`);
//! - a store `Conflict` (another writer appended first) is routine: the writer catches up on the
//!   entries it did not write, judging them with `Chain::accept` like any other, re-judges the
//!   batch against the new state and tries again; only submissions that the new state refuses
//!   are refused;
//! - after any other storage error the writer rebuilds nothing from guesswork: it reopens the
//!   store (`Store::recover`), catches up on what is durable, answers the batch with the truth
//!   (written or not), and pauses writes for `Options::storage_retry`, answering
//!   `AppendError::Unavailable` meanwhile; the head says so (`Head::writes`).

use crate::core::chain::{self, Chain, EntryFault, Fault, KeyBook, Prepared, Sig};
use crate::core::checkpoint::{self, Checkpoint};
use crate::core::entry;
use crate::core::event::{self, Body};
use crate::core::hash::Hash;
use crate::core::keys::{self, KeyId};
use crate::core::merkle::{self, MissingNode, NodeId, NodeReader};
use crate::core::note::NoteSigner;
use crate::core::rules::{KeyState, State};
use crate::core::stage::{self as stages, Signed, Stage, Unwatched, Watch};
use crate::core::types::Millis;
use crate::proof;
pub use crate::proof::ProofRequestError;
use crate::stage::Rayon;
use crate::store::{Batch, NewEntry, Nodes, Store, StoreError};
use rayon::prelude::*;
use std::collections::HashMap;
use std::future::Future;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most submissions one store commit carries (the default max-size).
pub const MAX_BATCH: usize = 8192;

/// How long, at most, an idle writer waits for a batch to grow to the size of the last commit
/// before it commits what it has (the default max-age). Clients that send one request at a time
/// come back with about as many submissions as were just answered; without the wait the first
/// of them would get a commit of their own and the rest the next one: twice the commits (each an
/// fsync) for the same entries. A lone submitter never waits: the last commit held one entry.
pub const MAX_AGE: Duration = Duration::from_millis(2);

/// Where the appender keeps snapshots of the rules' state bound to a checkpoint, and how often
/// it writes them: on open it loads the latest valid one and replays only the entries after it.
#[derive(Clone)]
pub struct Snapshots {
    pub store: Arc<dyn crate::snapshot::SnapshotStore>,
    /// Write a snapshot once this many entries were committed since the last one (written in
    /// the background, by a follower: the writer never waits for it).
    pub every: u64,
    /// Write one when the ledger closes, so the next open replays nothing.
    pub on_close: bool,
    /// Write a snapshot of the projections (`projector::Projector::follow`) once this many
    /// entries were folded since the last one. Larger than `every`: the projections hold the
    /// history and take longer to write.
    pub projections_every: u64,
}

/// The default `Snapshots::every`: opening after a crash replays at most this many entries.
pub const SNAPSHOT_EVERY: u64 = 10_000;

/// The default `Snapshots::projections_every`.
pub const PROJECTIONS_SNAPSHOT_EVERY: u64 = 100_000;

/// How many snapshots opening tries, newest first, before it replays the whole ledger.
const MAX_SNAPSHOTS_TRIED: usize = 4;

impl Snapshots {
    pub fn new(store: Arc<dyn crate::snapshot::SnapshotStore>) -> Snapshots {
        Snapshots {
            store,
            every: SNAPSHOT_EVERY,
            on_close: true,
            projections_every: PROJECTIONS_SNAPSHOT_EVERY,
        }
    }
}

impl std::fmt::Debug for Snapshots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Snapshots(every {}, projections every {}, on close {})",
            self.every, self.projections_every, self.on_close
        )
    }
}

/// How the ledger was opened: from which snapshot, and how many entries it replayed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resumed {
    /// The size of the snapshot of the rules' state that was loaded, if one was.
    pub from_snapshot: Option<u64>,
    /// Why a snapshot that was there was not used.
    pub discarded: Option<String>,
    /// Entries replayed through the rules after the snapshot (or from the start).
    pub replayed: u64,
}

/// How the appender batches and recovers, and who watches its stages.
#[derive(Clone)]
pub struct Options {
    /// max-size: the most submissions one commit carries.
    pub max_batch: usize,
    /// max-age: how long an idle writer waits for a batch to fill (see `MAX_AGE`).
    pub max_age: Duration,
    /// After a storage error, how long writes pause before the store is tried again.
    pub storage_retry: Duration,
    /// How many store conflicts in a row one batch survives (each is caught up on and the batch
    /// re-judged) before its submitters are told the store is contended.
    pub max_conflicts: u32,
    /// Snapshots of the rules' state to open from and to keep writing (none: replay all).
    pub snapshots: Option<Snapshots>,
    /// Hears where each stage of every commit begins and ends: the check stage's prepare, keys
    /// and signatures on one thread, accept, checkpoint and store on the writer's (for timing
    /// the library's own stages, as `kordon-bench` does).
    pub watch: Arc<dyn Watch + Send>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            max_batch: MAX_BATCH,
            max_age: MAX_AGE,
            storage_retry: Duration::from_secs(1),
            max_conflicts: 64,
            snapshots: None,
            watch: Arc::new(Unwatched),
        }
    }
}

impl std::fmt::Debug for Options {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Options")
            .field("max_batch", &self.max_batch)
            .field("max_age", &self.max_age)
            .field("storage_retry", &self.storage_retry)
            .field("max_conflicts", &self.max_conflicts)
            .finish_non_exhaustive()
    }
}

/// A signed event as a body submits it: the canonical event bytes and the signature over
/// `EVENT_CONTEXT ‖ event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub event: Vec<u8>,
    pub signature: [u8; 64],
}

/// What the writer reports of each durable commit it makes (`Ledger::on_commit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitTimes {
    /// Entries the commit added.
    pub entries: usize,
    /// From the arrival of the batch's oldest submission until the commit was durable: the
    /// longest any of its submitters waited for the ledger.
    pub latency: Duration,
    /// The store's durable write of the batch (for redb: the write and its fsync).
    pub store: Duration,
}

type CommitObserver = Box<dyn Fn(&CommitTimes) + Send + Sync>;

/// What the ledger answers once an entry is durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub seq: u64,
    pub leaf: Hash,
    /// The signed checkpoint written with the entry; it covers it.
    pub checkpoint: Arc<str>,
    /// The size of that checkpoint.
    pub size: u64,
    commit: Arc<Commit>,
    index: usize,
}

impl Receipt {
    /// The entry's exact bytes.
    pub fn entry(&self) -> &[u8] {
        &self.commit.entries[self.index].bytes
    }

    /// The id of the event the entry carries.
    pub fn event_id(&self) -> &str {
        self.commit.entries[self.index].event.id.as_str()
    }

    /// The RFC 9162 inclusion proof of this entry in the tree of `size` entries, computed from
    /// the commit's own nodes (no store read). The caller pays for it, not the writer.
    pub fn inclusion_proof(&self) -> Result<Vec<Hash>, String> {
        merkle::inclusion_proof(&MapNodes(self.commit.tree()), self.seq, self.size)
            .map_err(|e| e.to_string())
    }
}

/// One durable commit, shared by its receipts: its entries, and what the inclusion proofs of
/// its entries need, the frontier before it (every left sibling that lies wholly before the
/// commit is one of its nodes) and the nodes it completed. The map of nodes is built by the
/// first receipt that asks for a proof, off the writer's thread.
struct Commit {
    size: u64,
    entries: Arc<[Prepared]>,
    frontier_before: Vec<(NodeId, Hash)>,
    completed: Vec<(NodeId, Hash)>,
    tree: std::sync::OnceLock<HashMap<NodeId, Hash>>,
}

impl Commit {
    fn tree(&self) -> &HashMap<NodeId, Hash> {
        self.tree.get_or_init(|| {
            let mut nodes: HashMap<NodeId, Hash> = self.frontier_before.iter().copied().collect();
            nodes.extend(self.completed.iter().copied());
            nodes.extend(self.entries.iter().map(|p| {
                (
                    NodeId {
                        level: 0,
                        index: p.seq,
                    },
                    p.leaf,
                )
            }));
            nodes
        })
    }
}

impl PartialEq for Commit {
    fn eq(&self, other: &Commit) -> bool {
        self.size == other.size
            && self.entries.last().map(|p| p.leaf) == other.entries.last().map(|p| p.leaf)
    }
}

impl Eq for Commit {}

impl std::fmt::Debug for Commit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Commit(size {}, {} entries)",
            self.size,
            self.entries.len()
        )
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppendError {
    /// The event broke a format, signature or ledger rule; nothing was written.
    #[error("refused: {0}")]
    Rejected(EntryFault),
    /// The store failed while this entry's batch was being written; it was not acknowledged.
    #[error("storage failed, the entry was not written: {0}")]
    Storage(String),
    /// The store failed during the commit and could not be asked afterwards whether the batch
    /// landed: the entry may be in the ledger or not. Look its event id up before submitting it
    /// again (a second submission of a recorded event is refused as a replay).
    #[error("the storage failed during the commit, and whether the entry was written is not known yet: {0}")]
    Unknown(String),
    /// Writes are paused after a storage error; nothing was written. Retry after the pause.
    #[error("writes are paused after a storage error ({reason}); retry in {retry_after:?}")]
    Unavailable {
        reason: Arc<str>,
        retry_after: Duration,
    },
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
    /// The store's checkpoint is not the ledger key's signature over its entries (a restored or
    /// damaged store).
    #[error("the stored checkpoint does not cover the stored entries: {0}; run `kordon verify` on the ledger")]
    Checkpoint(String),
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

/// Whether the ledger takes writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writes {
    Open,
    /// Paused after a storage error until `until`; then the next batch tries the store again.
    Paused {
        reason: Arc<str>,
        until: Instant,
    },
}

/// The ledger as of one durable commit. Immutable: the writer publishes a new one after each
/// commit (and after catching up, or pausing); readers keep the one they were given, and name
/// it (its size and root) in what they answer.
#[derive(Debug, Clone)]
pub struct Head {
    pub size: u64,
    pub root: Hash,
    /// The latest signed checkpoint (a C2SP signed note); empty while the ledger is empty.
    pub checkpoint: Arc<str>,
    /// The ledger's origin, once the genesis is written.
    pub origin: Option<Arc<str>>,
    /// Every key registered so far, with its body and its revocation, as of `size`.
    pub keys: Arc<HashMap<KeyId, KeyState>>,
    pub writes: Writes,
    /// The entries that took the previous head to this one, in order (they end at `size`);
    /// followers that are up to date take them from here instead of reading the store.
    pub recent: Arc<[Prepared]>,
}

impl Head {
    fn empty() -> Head {
        Head {
            size: 0,
            root: merkle::empty_root(),
            checkpoint: Arc::from(""),
            origin: None,
            keys: Arc::new(HashMap::new()),
            writes: Writes::Open,
            recent: Arc::from(Vec::new()),
        }
    }

    /// Whether writes are paused at `now`, and until when.
    pub fn paused(&self, now: Instant) -> Option<(&Arc<str>, Duration)> {
        match &self.writes {
            Writes::Paused { reason, until } if *until > now => Some((reason, *until - now)),
            _ => None,
        }
    }

    /// Whether the last storage operation failed (writes are paused or about to be retried).
    pub fn storage_failed(&self) -> Option<&Arc<str>> {
        match &self.writes {
            Writes::Paused { reason, .. } => Some(reason),
            Writes::Open => None,
        }
    }
}

/// What a follower hears: a run of committed entries, in order, without gaps or repeats.
pub struct Committed<'a> {
    /// The new entries, decoded and with their events parsed.
    pub entries: &'a [Prepared],
    /// The signed checkpoint of the head they belong to.
    pub checkpoint: &'a str,
    /// The ledger's size after them.
    pub size: u64,
}

/// The published head, and ways to wait for it to move.
struct HeadCell {
    now: Mutex<(Arc<Head>, bool)>,
    changed: Condvar,
    watch: tokio::sync::watch::Sender<Arc<Head>>,
}

impl HeadCell {
    fn get(&self) -> Arc<Head> {
        Arc::clone(&lock(&self.now).0)
    }

    fn publish(&self, head: Head) {
        let head = Arc::new(head);
        lock(&self.now).0 = Arc::clone(&head);
        self.changed.notify_all();
        self.watch.send_replace(head);
    }

    fn close(&self) {
        lock(&self.now).1 = true;
        self.changed.notify_all();
    }

    /// Waits until `ready(head)` or the ledger closes; `None` on time-out.
    fn wait(&self, timeout: Duration, ready: impl Fn(&Head) -> bool) -> Option<(Arc<Head>, bool)> {
        let deadline = Instant::now() + timeout;
        let mut g = lock(&self.now);
        loop {
            if ready(&g.0) || g.1 {
                return Some((Arc::clone(&g.0), g.1));
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            g = self
                .changed
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }
}

/// How a submitter waits for its answer: a thread blocks on a channel, a task awaits a
/// one-shot.
enum Reply {
    Blocking(mpsc::SyncSender<Vec<Result<Receipt, AppendError>>>),
    Async(tokio::sync::oneshot::Sender<Vec<Result<Receipt, AppendError>>>),
}

impl Reply {
    fn send(self, answer: Vec<Result<Receipt, AppendError>>) {
        match self {
            Reply::Blocking(tx) => {
                let _ = tx.send(answer);
            }
            Reply::Async(tx) => {
                let _ = tx.send(answer);
            }
        }
    }
}

struct Job {
    subs: Vec<Submission>,
    reply: Reply,
    queued: Instant,
}

/// A batch that passed the checking stage, waiting in the slot for the writer.
struct Checked {
    subs: Vec<Submission>,
    parsed: Vec<Result<event::Event, Fault>>,
    sigs: Vec<Sig>,
    /// Each waiting submitter and how many of the batch's submissions are its.
    replies: Vec<(Reply, usize)>,
    /// When the oldest submission of the batch was queued.
    oldest: Instant,
}

impl Checked {
    fn extend(&mut self, more: Checked) {
        self.subs.extend(more.subs);
        self.parsed.extend(more.parsed);
        self.sigs.extend(more.sigs);
        self.replies.extend(more.replies);
        self.oldest = self.oldest.min(more.oldest);
    }
}

/// The hand-over between the stages: at most one batch, which the checker grows until the
/// writer takes it.
struct Slot {
    batch: Option<Checked>,
    /// The checker has stopped: nothing more will come.
    done: bool,
    /// Another writer appended to the store (`Store::wait_for_growth` heard of it): the
    /// writer catches up when it is idle, so the head follows the store.
    behind: bool,
}

/// The chain as of the head, kept cheaply: a chain at some earlier size and the durable batches
/// written since, applied only when someone needs the state (`with_state`, a failed or
/// conflicting commit), or replaced by a copy of the writer's chain once they grow long. So the
/// writer does not judge every entry twice.
struct Durable {
    chain: Chain,
    pending: Vec<Arc<[Prepared]>>,
    pending_len: usize,
}

/// Past this many pending entries the writer replaces the durable chain by a copy of its own.
const PENDING_MAX: usize = 1 << 16;

impl Durable {
    /// Applies the pending batches and returns the chain as of the head.
    fn current(&mut self) -> &mut Chain {
        let mut scratch = Vec::new();
        for batch in self.pending.drain(..) {
            for p in batch.iter() {
                scratch.clear();
                // Judged and written in this order a moment ago: this cannot fail.
                if let Err(f) = self.chain.accept(p, Sig::Valid, &mut scratch) {
                    tracing::error!(fault = %f, "the durable chain refused a written entry");
                }
            }
        }
        self.pending_len = 0;
        // Every entry applied is durable: the store's index answers for their ids.
        self.chain.state.forget_event_ids();
        &mut self.chain
    }
}

struct Shared {
    store: Arc<dyn Store>,
    signer: NoteSigner,
    clock: Clock,
    options: Options,
    /// The rules' state as of the head: what `with_state` reads, and what the writer falls
    /// back to when a commit fails. The writer holds it only while it applies a durable batch.
    durable: Mutex<Durable>,
    head: HeadCell,
    /// Durable commits written by this ledger.
    commits: std::sync::atomic::AtomicU64,
    /// Told of each durable commit this ledger writes (`Ledger::on_commit`).
    observers: RwLock<Vec<CommitObserver>>,
    slot: Mutex<Slot>,
    /// Signalled when the slot gets a batch (for the writer) or loses one (for the checker).
    slot_changed: Condvar,
}

/// A ledger open for appending.
pub struct Ledger {
    shared: Arc<Shared>,
    resumed: Resumed,
    queue: Mutex<Option<Sender<Job>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    followers: Mutex<Vec<JoinHandle<()>>>,
}

impl Ledger {
    /// Opens a ledger on `store`, rebuilding the rules' state from its entries.
    pub fn open(
        store: Arc<dyn Store>,
        signer: NoteSigner,
        clock: Clock,
    ) -> Result<Ledger, OpenError> {
        Ledger::open_with(store, signer, clock, Options::default())
    }

    /// `open`, telling `watch` where each stage of every commit begins and ends.
    pub fn open_watched(
        store: Arc<dyn Store>,
        signer: NoteSigner,
        clock: Clock,
        watch: Arc<dyn Watch + Send>,
    ) -> Result<Ledger, OpenError> {
        let options = Options {
            watch,
            ..Options::default()
        };
        Ledger::open_with(store, signer, clock, options)
    }

    /// `open` with batching and recovery options.
    pub fn open_with(
        store: Arc<dyn Store>,
        signer: NoteSigner,
        clock: Clock,
        options: Options,
    ) -> Result<Ledger, OpenError> {
        let snap = store.snapshot()?;
        let (chain, resumed) = resume_chain(&store, &*snap, options.snapshots.as_ref())?;
        let checkpoint = snap.checkpoint()?.unwrap_or_default();
        drop(snap);
        if let Some(g) = &chain.state.genesis {
            let given = signer.verifier().to_vkey();
            if g.ledger_key != given {
                return Err(OpenError::WrongLedgerKey {
                    genesis: g.ledger_key.clone(),
                    given,
                });
            }
        }
        // What was restored or reopened is what the ledger key signed: the checkpoint verifies
        // and names the entries' size and root.
        if chain.size() > 0 {
            let opened =
                checkpoint::open(checkpoint.as_bytes(), &signer.verifier()).map_err(|e| {
                    OpenError::Checkpoint(format!("its signature does not verify ({e})"))
                })?;
            if opened.size != chain.size() || opened.root != chain.root() {
                return Err(OpenError::Checkpoint(format!(
                    "it names {} entries and root {}, the store holds {} with root {}",
                    opened.size,
                    opened.root.to_base64(),
                    chain.size(),
                    chain.root().to_base64()
                )));
            }
        }
        let mut head = Head::empty();
        head.size = chain.size();
        head.root = chain.root();
        head.checkpoint = Arc::from(checkpoint);
        head.origin = chain.state.origin().map(Arc::from);
        head.keys = Arc::new(chain.state.keys.clone());
        let (watch, _) = tokio::sync::watch::channel(Arc::new(head.clone()));
        let book = KeyBook::from_state(&chain.state);
        // `saved` is what the snapshot store holds: the entries replayed on this open are
        // not in it yet, so a clean stop (or the next period) writes them.
        let snapshot_writer = options.snapshots.clone().map(|snaps| SnapshotWriter {
            state: chain.state.clone(),
            saved: resumed.from_snapshot.unwrap_or(0),
            snaps,
            store: Arc::clone(&store),
        });
        let options = Options {
            max_batch: options.max_batch.clamp(1, MAX_BATCH),
            ..options
        };
        let shared = Arc::new(Shared {
            store,
            signer,
            clock,
            options,
            durable: Mutex::new(Durable {
                chain: chain.clone(),
                pending: Vec::new(),
                pending_len: 0,
            }),
            head: HeadCell {
                now: Mutex::new((Arc::new(head), false)),
                changed: Condvar::new(),
                watch,
            },
            commits: std::sync::atomic::AtomicU64::new(0),
            observers: RwLock::new(Vec::new()),
            slot: Mutex::new(Slot {
                batch: None,
                done: false,
                behind: false,
            }),
            slot_changed: Condvar::new(),
        });
        let (tx, rx) = mpsc::channel();
        let spawn_err =
            |e: std::io::Error| StoreError::Backend(format!("cannot start a ledger thread: {e}"));
        let s = Arc::clone(&shared);
        let checker = std::thread::Builder::new()
            .name("kordon-check".into())
            .spawn(move || check_loop(&s, rx, book))
            .map_err(spawn_err)?;
        let s = Arc::clone(&shared);
        let writer = std::thread::Builder::new()
            .name("kordon-writer".into())
            .spawn(move || {
                Writer {
                    shared: &s,
                    chain,
                    unsettled: false,
                    needs_recovery: false,
                    store_time: Duration::ZERO,
                }
                .run()
            })
            .map_err(spawn_err)?;
        // Stores that other servers write too tell when they grow; the writer then catches up.
        let s = Arc::clone(&shared);
        let watcher = std::thread::Builder::new()
            .name("kordon-store-watch".into())
            .spawn(move || watch_store(&s))
            .map_err(spawn_err)?;
        let ledger = Ledger {
            shared,
            resumed,
            queue: Mutex::new(Some(tx)),
            threads: Mutex::new(vec![checker, writer]),
            followers: Mutex::new(vec![watcher]),
        };
        if let Some(mut w) = snapshot_writer {
            let from = w.state.size;
            ledger
                .follow(from, "snapshots", move |c| w.follow(c))
                .map_err(|e| StoreError::Backend(format!("cannot start a ledger thread: {e}")))?;
        }
        Ok(ledger)
    }

    /// How this ledger was opened (from a snapshot, and how many entries were replayed).
    pub fn resumed(&self) -> &Resumed {
        &self.resumed
    }

    /// Where this ledger keeps its snapshots, if it does (`Options::snapshots`).
    pub fn snapshots(&self) -> Option<&Snapshots> {
        self.shared.options.snapshots.as_ref()
    }

    /// Queues submissions and returns at once; the future resolves, with one answer per
    /// submission in order, only once every accepted one is durable (or refused). It needs no
    /// particular async runtime. Refusing one submission does not refuse the others.
    pub fn submit_async(
        &self,
        subs: Vec<Submission>,
    ) -> impl Future<Output = Vec<Result<Receipt, AppendError>>> + Send + 'static {
        let n = subs.len();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let queued = self.enqueue(subs, Reply::Async(tx));
        async move {
            match queued {
                Err(e) => vec![Err(e); n],
                Ok(()) => rx
                    .await
                    .unwrap_or_else(|_| vec![Err(AppendError::Closed); n]),
            }
        }
    }

    /// Submits one signed event and waits until it is durable (or refused).
    pub fn submit(&self, sub: Submission) -> Result<Receipt, AppendError> {
        self.submit_many(vec![sub])
            .pop()
            .unwrap_or(Err(AppendError::Closed))
    }

    /// Submits several events and waits; each gets its own answer, in order. Refusing one does
    /// not refuse the others. The same queue as `submit_async`, for callers that are threads.
    pub fn submit_many(&self, subs: Vec<Submission>) -> Vec<Result<Receipt, AppendError>> {
        let n = subs.len();
        let (tx, rx) = mpsc::sync_channel(1);
        if let Err(e) = self.enqueue(subs, Reply::Blocking(tx)) {
            return vec![Err(e); n];
        }
        rx.recv()
            .unwrap_or_else(|_| vec![Err(AppendError::Closed); n])
    }

    fn enqueue(&self, subs: Vec<Submission>, reply: Reply) -> Result<(), AppendError> {
        if subs.is_empty() {
            reply.send(Vec::new());
            return Ok(());
        }
        if let Some((reason, retry_after)) = self.shared.head.get().paused(Instant::now()) {
            return Err(AppendError::Unavailable {
                reason: Arc::clone(reason),
                retry_after,
            });
        }
        let q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let q = q.as_ref().ok_or(AppendError::Closed)?;
        q.send(Job {
            subs,
            reply,
            queued: Instant::now(),
        })
        .map_err(|_| AppendError::Closed)
    }

    /// How many durable commits this ledger has written since it opened (each one store
    /// commit, an fsync for a durable store): entries divided by commits is the batch size.
    pub fn commits(&self) -> u64 {
        self.shared
            .commits
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The head: the ledger as of its latest durable commit.
    pub fn head(&self) -> Arc<Head> {
        self.shared.head.get()
    }

    /// A receiver of every new head, for async callers.
    pub fn watch(&self) -> tokio::sync::watch::Receiver<Arc<Head>> {
        self.shared.head.watch.subscribe()
    }

    /// Waits (at most `timeout`) until the ledger holds at least `size` entries: for callers
    /// that need to read their own writes, or someone else's, from the head.
    pub fn wait_for(&self, size: u64, timeout: Duration) -> Option<Arc<Head>> {
        self.shared
            .head
            .wait(timeout, |h| h.size >= size)
            .and_then(|(h, _)| (h.size >= size).then_some(h))
    }

    /// `wait_for` for async callers; resolves with `None` if the ledger closes first.
    pub fn wait_for_async(
        &self,
        size: u64,
    ) -> impl Future<Output = Option<Arc<Head>>> + Send + 'static {
        let mut rx = self.watch();
        async move {
            rx.wait_for(|h| h.size >= size)
                .await
                .ok()
                .map(|h| Arc::clone(&h))
        }
    }

    /// Calls `f` with every entry committed from `from` on, in order, without gaps or repeats,
    /// on a thread of its own: a slow follower delays nobody but itself. Entries it missed
    /// while busy are read back from the store. It stops when the ledger is dropped, after the
    /// last commit.
    pub fn follow(
        &self,
        from: u64,
        name: &str,
        f: impl FnMut(&Committed<'_>) + Send + 'static,
    ) -> std::io::Result<()> {
        let shared = Arc::clone(&self.shared);
        let t = std::thread::Builder::new()
            .name(format!("kordon-follow-{name}"))
            .spawn(move || follow_loop(&shared, from, f))?;
        self.followers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(t);
        Ok(())
    }

    /// Calls `f` on the writer's thread right after each durable commit this ledger writes
    /// (never for entries another server appended to a shared store), with its size and
    /// timings: for metrics. `f` must be quick; it delays the next commit.
    pub fn on_commit(&self, f: impl Fn(&CommitTimes) + Send + Sync + 'static) {
        self.shared
            .observers
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(Box::new(f));
    }

    /// `follow` from the current head: `f` hears every commit after this call.
    pub fn subscribe(&self, f: impl FnMut(&Committed<'_>) + Send + 'static) {
        let from = self.head().size;
        if let Err(e) = self.follow(from, "subscriber", f) {
            tracing::error!(error = %e, "cannot start a follower thread");
        }
    }

    /// The store, for reads.
    pub fn store(&self) -> &dyn Store {
        &*self.shared.store
    }

    /// The store, shared: for a follower that reads it after this call returns.
    pub fn shared_store(&self) -> Arc<dyn Store> {
        Arc::clone(&self.shared.store)
    }

    /// Runs `f` on the rules' state as of the head (it waits while the writer applies a
    /// commit, never while it writes one).
    pub fn with_state<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&lock(&self.shared.durable).current().state)
    }

    pub fn size(&self) -> u64 {
        self.head().size
    }

    /// The ledger's clock: what `recorded_at` an entry written now would get (at least).
    pub fn now(&self) -> Millis {
        (self.shared.clock)()
    }

    pub fn verifier_key(&self) -> String {
        self.shared.signer.verifier().to_vkey()
    }

    /// The latest signed checkpoint (the head's).
    pub fn checkpoint(&self) -> Result<Option<String>, StoreError> {
        let h = self.head();
        Ok((!h.checkpoint.is_empty()).then(|| h.checkpoint.to_string()))
    }

    /// An RFC 9162 inclusion proof of entry `seq` in the tree of `size` entries.
    pub fn inclusion_proof(&self, seq: u64, size: u64) -> Result<Vec<Hash>, ProofRequestError> {
        let snap = self.shared.store.snapshot()?;
        proof::inclusion_path(&Nodes(&*snap), snap.size(), seq, size)
    }

    /// An RFC 9162 consistency proof between two tree sizes.
    pub fn consistency_proof(
        &self,
        size1: u64,
        size2: u64,
    ) -> Result<Vec<Hash>, ProofRequestError> {
        let snap = self.shared.store.snapshot()?;
        proof::consistency_path(&Nodes(&*snap), snap.size(), size1, size2)
    }

    /// The root hash of the first `size` entries.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofRequestError> {
        let snap = self.shared.store.snapshot()?;
        proof::root(&Nodes(&*snap), snap.size(), size)
    }
}

/// An event to judge without writing it: its canonical bytes and, if it is already signed,
/// its signature (without one, the signature is not checked and every other check runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub event: Vec<u8>,
    pub signature: Option<[u8; 64]>,
}

/// What a dry run found: the ledger's size and clock it judged against, and for each event the
/// sequence number it would be recorded at, or the fault that would refuse it.
#[derive(Debug, Clone)]
pub struct DryRun {
    pub size: u64,
    pub recorded_at: Millis,
    pub results: Vec<Result<u64, EntryFault>>,
}

impl Ledger {
    /// Judges `drafts` in order as `submit_many` would if they were submitted now, through
    /// `Chain::check` (one event) or `Chain::accept` on a copy of the chain (several, so that
    /// a later one may build on an earlier one), and writes nothing: the ledger, its state and
    /// its store are untouched whatever the verdicts. It judges against the head (the durable
    /// chain), so an event queued but not yet committed is not counted. A copy of the rules'
    /// state for a batch costs memory and time in proportion to the ledger, during which the
    /// writer waits to apply its next commit to the durable chain (it never waits to write).
    pub fn dry_run(&self, drafts: &[Draft]) -> DryRun {
        let mut durable = lock(&self.shared.durable);
        let chain: &Chain = durable.current();
        let recorded_at = (self.shared.clock)().max(chain.last_recorded);
        let size = chain.size();
        let mut copy: Option<Chain> = None;
        let mut book = KeyBook::default();
        let mut results = Vec::with_capacity(drafts.len());
        for (i, d) in drafts.iter().enumerate() {
            let current: &Chain = copy.as_ref().unwrap_or(chain);
            let seq = current.size();
            let prev = if seq == 0 {
                Hash::ZERO
            } else {
                current.last_leaf
            };
            let key_of = |id: &crate::core::keys::KeyId| current.state.public_key(id);
            let signature = d.signature.unwrap_or([0; 64]);
            let prepared = entry::encode(seq, recorded_at, &prev, &signature, &d.event)
                .map_err(|e| EntryFault {
                    seq,
                    event_id: None,
                    fault: Fault::Entry(e),
                })
                .and_then(|bytes| chain::prepare(bytes, seq));
            let p = match prepared {
                Ok(p) => p,
                Err(f) => {
                    results.push(Err(f));
                    continue;
                }
            };
            let key = book.resolve(&p.event, key_of);
            let sig = match (d.signature, key) {
                (None, _) => Sig::Valid,
                (Some(_), None) => Sig::NoKey,
                (Some(s), Some(pk)) if keys::verify_event(&pk, &d.event, &s) => Sig::Valid,
                (Some(_), Some(_)) => Sig::Invalid,
            };
            let last = i + 1 == drafts.len();
            let verdict = if last && copy.is_none() {
                chain.check(&p, sig)
            } else {
                copy.get_or_insert_with(|| chain.clone())
                    .accept(&p, sig, &mut Vec::new())
            };
            results.push(verdict.map(|()| seq));
        }
        DryRun {
            size,
            recorded_at,
            results,
        }
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        // Closing the queue lets both stages finish what they hold and stop; then the
        // followers hear the last commit and stop.
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).take();
        for t in self
            .threads
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            let _ = t.join();
        }
        self.shared.head.close();
        for t in self
            .followers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
        {
            let _ = t.join();
        }
    }
}

/// How long one wait for the store's growth lasts: also how long a dropped ledger may wait for
/// its watcher to stop.
const WATCH_WAIT: Duration = Duration::from_secs(1);

/// Wakes the writer whenever the store holds entries beyond the head (another server wrote
/// them), until the ledger closes. Returns at once for stores nobody else writes.
fn watch_store(s: &Shared) {
    loop {
        if lock(&s.head.now).1 {
            return;
        }
        let size = s.head.get().size;
        match s.store.wait_for_growth(size, WATCH_WAIT) {
            Ok(None) => return,
            Ok(Some(heard)) if heard > s.head.get().size => {
                lock(&s.slot).behind = true;
                s.slot_changed.notify_all();
                // Give the writer the time to catch up before asking again.
                let _ = s.head.wait(WATCH_WAIT, |h| h.size >= heard);
            }
            Ok(Some(_)) => {}
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the store for other writers");
                let _ = s.head.wait(WATCH_WAIT, |_| false);
            }
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in the writer cannot leave a half-applied state: `Chain::accept` mutates only
    // after all checks pass. So a poisoned lock still guards a consistent value.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Rebuilds the chain from a store by replaying its entries through the same checks the
/// appender ran when it wrote them. Signatures were verified before they were written; the
/// full offline check, signatures included, is `kordon verify`.
pub fn load_chain(store: &dyn Store) -> Result<Chain, OpenError> {
    load_chain_from(&*store.snapshot()?)
}

/// `load_chain` over one snapshot.
pub fn load_chain_from(snap: &dyn crate::store::Snapshot) -> Result<Chain, OpenError> {
    let size = snap.size();
    let mut chain = Chain::new();
    replay(snap, &mut chain, size)?;
    Ok(chain)
}

/// The version of the rules' state snapshot's body (`rules::State` and its ids, MessagePack);
/// raise it when `State` changes shape.
const RULES_SNAPSHOT_VERSION: u32 = 1;

fn rules_schema() -> Hash {
    crate::snapshot::schema(crate::snapshot::Kind::Rules, RULES_SNAPSHOT_VERSION)
}

/// The chain of a store for appending: from the latest valid snapshot of the rules' state if
/// there is one (then replaying only the entries after it), else from the first entry. When
/// the store keeps an index of event ids, the state looks old ids up there instead of keeping
/// one per entry in memory.
fn resume_chain(
    store: &Arc<dyn Store>,
    snap: &dyn crate::store::Snapshot,
    snapshots: Option<&Snapshots>,
) -> Result<(Chain, Resumed), OpenError> {
    let size = snap.size();
    let mut resumed = Resumed::default();
    let mut chain = Chain::new();
    if let Some(snaps) = snapshots {
        // The newest snapshot that checks; a store that keeps several (PostgreSQL) offers the
        // older ones when the newest does not.
        for skip in 0..MAX_SNAPSHOTS_TRIED {
            match snaps.store.load(crate::snapshot::Kind::Rules.name(), skip) {
                Ok(None) => break,
                Ok(Some(bytes)) => match read_rules_snapshot(&bytes, snap) {
                    Ok(c) => {
                        resumed.from_snapshot = Some(c.size());
                        chain = c;
                        break;
                    }
                    Err(why) => {
                        tracing::warn!(%why, "ignoring a snapshot of the rules' state");
                        resumed.discarded.get_or_insert(why);
                    }
                },
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the snapshots of the rules' state; replaying the ledger");
                    resumed.discarded.get_or_insert(e);
                    break;
                }
            }
        }
    }
    if store.has_fingerprint_index() {
        let index = Arc::clone(store);
        chain.state.set_older_ids(Arc::new(move |fp, size| {
            match index.seq_of_fingerprint(fp) {
                Ok(Some(seq)) => seq < size,
                Ok(None) => false,
                Err(e) => {
                    // Unanswerable: refuse as a replay rather than let one through.
                    tracing::error!(error = %e, "the store's event-id index failed");
                    true
                }
            }
        }));
        chain.state.forget_event_ids();
    }
    resumed.replayed = size - chain.size();
    replay(snap, &mut chain, size)?;
    Ok((chain, resumed))
}

/// A chain resumed from a snapshot of the rules' state: the frontier, last leaf and last time
/// are read back from the store at the snapshot's size.
fn read_rules_snapshot(bytes: &[u8], snap: &dyn crate::store::Snapshot) -> Result<Chain, String> {
    let (size, body) =
        crate::snapshot::check(bytes, crate::snapshot::Kind::Rules, rules_schema(), snap)?;
    let (mut state, ids): (State, Vec<(u64, u64)>) =
        rmp_serde::from_slice(body).map_err(|e| format!("it does not decode: {e}"))?;
    if state.size != size {
        return Err(format!(
            "it holds a state of {} entries, its header says {size}",
            state.size
        ));
    }
    state.restore_event_ids(
        ids.into_iter()
            .map(|(hi, lo)| ((hi as u128) << 64) | lo as u128),
    );
    let frontier = merkle::Frontier::from_reader(&Nodes(snap), size).map_err(|e| e.to_string())?;
    let (last_leaf, last_recorded) = if size == 0 {
        (Hash::ZERO, Millis(0))
    } else {
        let b = snap
            .entries(size - 1, size)
            .map_err(|e| e.to_string())?
            .pop()
            .unwrap_or_default();
        let e = entry::EntryRef::decode(&b).map_err(|e| e.to_string())?;
        (entry::entry_hash(&b), e.recorded_at)
    };
    Ok(Chain {
        state,
        frontier,
        last_leaf,
        last_recorded,
    })
}

/// The body of a snapshot of the rules' state: the state, and the ids it holds itself (none
/// when an index answers for them).
fn encode_rules_snapshot(state: &State, root: Hash) -> Result<Vec<u8>, String> {
    let ids: Vec<(u64, u64)> = state
        .event_ids()
        .into_iter()
        .map(|f| ((f >> 64) as u64, f as u64))
        .collect();
    let body = rmp_serde::to_vec(&(state, ids)).map_err(|e| e.to_string())?;
    Ok(crate::snapshot::encode(
        crate::snapshot::Kind::Rules,
        rules_schema(),
        state.size,
        root,
        &body,
    ))
}

/// Keeps its own copy of the rules' state by following the head, and writes it as a snapshot
/// every `Snapshots::every` entries and when the ledger closes: off the write path.
struct SnapshotWriter {
    state: State,
    saved: u64,
    snaps: Snapshots,
    store: Arc<dyn Store>,
}

impl SnapshotWriter {
    fn follow(&mut self, c: &Committed<'_>) {
        for p in c.entries {
            if p.seq == self.state.size {
                if let Err(e) = self.state.apply(p.seq, p.recorded_at, &p.event) {
                    // The writer accepted it against the same state: this cannot happen.
                    tracing::error!(seq = p.seq, error = %e, "the snapshot's state refused a committed entry");
                    return;
                }
            }
        }
        self.state.forget_event_ids();
        if self.state.size >= self.saved + self.snaps.every.max(1) {
            self.save();
        }
    }

    fn save(&mut self) {
        let size = self.state.size;
        let written = self
            .store
            .snapshot()
            .map_err(|e| e.to_string())
            .and_then(|snap| merkle::root_at(&Nodes(&*snap), size).map_err(|e| e.to_string()))
            .and_then(|root| Ok((root, encode_rules_snapshot(&self.state, root)?)))
            .and_then(|(root, bytes)| {
                self.snaps
                    .store
                    .save(crate::snapshot::Kind::Rules.name(), size, root, &bytes)
            });
        match written {
            Ok(()) => self.saved = size,
            // A snapshot is a cache: failing costs only replay time at the next open.
            Err(e) => {
                tracing::warn!(error = %e, size, "cannot write a snapshot of the rules' state")
            }
        }
    }
}

impl Drop for SnapshotWriter {
    fn drop(&mut self) {
        if self.snaps.on_close && self.state.size > self.saved {
            self.save();
        }
    }
}

/// Replays entries `chain.size()..size` of a snapshot into `chain`, parsing on all cores.
fn replay(
    snap: &dyn crate::store::Snapshot,
    chain: &mut Chain,
    size: u64,
) -> Result<(), OpenError> {
    let mut scratch = Vec::new();
    let mut start = chain.size();
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
        chain.state.forget_event_ids();
        start = end;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Stage one: the check thread.

/// Takes everything queued (up to max-size), parses it and checks its signatures on all cores,
/// and adds it to the batch waiting in the slot (or waits while that batch is full).
fn check_loop(shared: &Shared, rx: Receiver<Job>, mut book: KeyBook) {
    let max = shared.options.max_batch;
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        let mut count = jobs[0].subs.len();
        while count < max {
            match rx.try_recv() {
                Ok(job) => {
                    count += job.subs.len();
                    jobs.push(job);
                }
                Err(_) => break,
            }
        }
        // Keys that the book has not seen may have come in entries another writer appended,
        // which our writer caught up on: the head knows them.
        let head_keys = Arc::clone(&shared.head.get().keys);
        let mut subs = Vec::with_capacity(count);
        let mut replies = Vec::with_capacity(jobs.len());
        let mut oldest = jobs[0].queued;
        for j in jobs {
            oldest = oldest.min(j.queued);
            replies.push((j.reply, j.subs.len()));
            subs.extend(j.subs);
        }
        let signed: Vec<Signed<'_>> = subs
            .iter()
            .map(|s| Signed {
                event: &s.event,
                signature: s.signature,
            })
            .collect();
        let known = |id: &_| head_keys.get(id).map(|k: &KeyState| k.public_key);
        let watch = &*shared.options.watch;
        let checked = stages::check_submissions(&Rayon, watch, &signed, &mut book, known);
        drop(signed);
        let (parsed, sigs) = (checked.events, checked.sigs);
        let checked = Checked {
            subs,
            parsed,
            sigs,
            replies,
            oldest,
        };
        let mut slot = lock(&shared.slot);
        while slot
            .batch
            .as_ref()
            .is_some_and(|b| b.subs.len() + checked.subs.len() > max)
        {
            slot = shared
                .slot_changed
                .wait(slot)
                .unwrap_or_else(|p| p.into_inner());
        }
        match &mut slot.batch {
            Some(b) => b.extend(checked),
            None => slot.batch = Some(checked),
        }
        drop(slot);
        shared.slot_changed.notify_all();
    }
    lock(&shared.slot).done = true;
    shared.slot_changed.notify_all();
}

// ---------------------------------------------------------------------------------------------
// Stage two: the writer thread.

/// The writer: the only thread that changes the chain. `chain` is its working copy, ahead of
/// `Shared::durable` only while a batch is being written.
struct Writer<'a> {
    shared: &'a Shared,
    chain: Chain,
    /// The durable chain, locked, and the batch it still has to apply (see `written`).
    unsettled: bool,
    /// The store failed and could not be reopened yet: try again before the next write, and
    /// every `storage_retry` while idle (so reads work again without waiting for a write).
    needs_recovery: bool,
    /// How long the last store write took.
    store_time: Duration,
}

/// One batch judged against the working chain.
struct Judged {
    base: u64,
    results: Vec<Result<(), AppendError>>,
    entries: Vec<NewEntry>,
    accepted: Vec<Prepared>,
    nodes: Vec<(NodeId, Hash)>,
    frontier_before: Vec<(NodeId, Hash)>,
}

/// How one attempt to write a batch ended.
enum Attempt {
    Written(Arc<str>),
    /// Another writer appended first; we caught up on its entries.
    Conflict,
    /// The store is still closed after an earlier failure; nothing was tried.
    Paused,
    /// The store failed; `landed` holds the batch's checkpoint if it is durable all the same.
    Failed {
        error: String,
        landed: Option<Arc<str>>,
        /// Whether the store could be asked afterwards, so that "not landed" is the truth.
        known: bool,
    },
}

impl Writer<'_> {
    fn run(mut self) {
        let mut last = 1usize;
        while let Some(batch) = self.next_batch(last) {
            last = batch.subs.len().max(1);
            self.commit(batch);
        }
    }

    /// Takes the batch from the slot: at once if it holds at least as many submissions as the
    /// last commit (or max-size), else once the oldest has waited max-age.
    fn next_batch(&mut self, last: usize) -> Option<Checked> {
        let s = self.shared;
        let target = last.min(s.options.max_batch);
        let mut slot = lock(&s.slot);
        loop {
            match &slot.batch {
                None if slot.done => return None,
                None if self.needs_recovery => {
                    let (g, waited) = s
                        .slot_changed
                        .wait_timeout(slot, s.options.storage_retry)
                        .unwrap_or_else(|p| p.into_inner());
                    slot = g;
                    if waited.timed_out() && slot.batch.is_none() {
                        drop(slot);
                        self.recover();
                        slot = lock(&s.slot);
                    }
                }
                None if slot.behind => {
                    slot.behind = false;
                    drop(slot);
                    if let Err(why) = self.catch_up() {
                        tracing::warn!(%why, "cannot follow the store's new entries yet");
                    }
                    slot = lock(&s.slot);
                }
                None => {
                    slot = s.slot_changed.wait(slot).unwrap_or_else(|p| p.into_inner());
                }
                Some(b) => {
                    let waited = b.oldest.elapsed();
                    if slot.done || b.subs.len() >= target || waited >= s.options.max_age {
                        let batch = slot.batch.take();
                        drop(slot);
                        s.slot_changed.notify_all();
                        return batch;
                    }
                    slot = s
                        .slot_changed
                        .wait_timeout(slot, s.options.max_age - waited)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
    }

    /// Judges, writes and answers one checked batch.
    fn commit(&mut self, mut batch: Checked) {
        let s = self.shared;
        let n = batch.subs.len();
        if let Some((reason, retry_after)) = s.head.get().paused(Instant::now()) {
            let e = AppendError::Unavailable {
                reason: Arc::clone(reason),
                retry_after,
            };
            return answer(batch.replies, vec![Err(e); n]);
        }
        let mut conflicts = 0;
        let results = loop {
            let judged = self.judge(&batch);
            if judged.entries.is_empty() {
                // Every submission was refused. If another writer appended meanwhile, the
                // refusals may come from a stale state (a key it registered): catch up and
                // judge again. Otherwise they stand.
                if conflicts < s.options.max_conflicts && self.stale() {
                    conflicts += 1;
                    match self.catch_up() {
                        Ok(()) => {
                            recheck_unknown_keys(&mut batch, &self.chain.state);
                            continue;
                        }
                        Err(why) => self.pause(&why),
                    }
                }
                break self.receipts(judged, Arc::from(""));
            }
            match self.write(&judged) {
                Attempt::Written(cp) => {
                    self.observe(judged.entries.len(), batch.oldest);
                    break self.written(judged, cp);
                }
                Attempt::Conflict if conflicts < s.options.max_conflicts => {
                    conflicts += 1;
                    // Keys the caught-up entries introduced may sign our submissions.
                    recheck_unknown_keys(&mut batch, &self.chain.state);
                }
                Attempt::Conflict => {
                    let e = AppendError::Storage(format!(
                        "the store changed under {conflicts} attempts in a row; retry"
                    ));
                    break judged
                        .results
                        .into_iter()
                        .map(|r| r.and(Err(e.clone())))
                        .collect();
                }
                Attempt::Failed {
                    landed: Some(cp), ..
                } => {
                    // The store failed after our batch became durable: it stands, covered by
                    // the checkpoint written with it.
                    self.observe(judged.entries.len(), batch.oldest);
                    break self.receipts(judged, cp);
                }
                Attempt::Paused => {
                    let head = s.head.get();
                    let (reason, retry_after) = head
                        .paused(Instant::now())
                        .map(|(r, d)| (Arc::clone(r), d))
                        .unwrap_or_else(|| {
                            (Arc::from("the store is closed"), s.options.storage_retry)
                        });
                    let e = AppendError::Unavailable {
                        reason,
                        retry_after,
                    };
                    break judged
                        .results
                        .into_iter()
                        .map(|r| r.and(Err(e.clone())))
                        .collect();
                }
                Attempt::Failed {
                    error,
                    known: false,
                    ..
                } => {
                    let e = AppendError::Unknown(error);
                    break judged
                        .results
                        .into_iter()
                        .map(|r| r.and(Err(e.clone())))
                        .collect();
                }
                Attempt::Failed { error, .. } => {
                    let e = AppendError::Storage(error);
                    break judged
                        .results
                        .into_iter()
                        .map(|r| r.and(Err(e.clone())))
                        .collect();
                }
            }
        };
        answer(batch.replies, results);
        self.settle();
    }

    /// Tells the observers of a durable commit of `entries` entries whose oldest submission
    /// was queued at `oldest`.
    fn observe(&self, entries: usize, oldest: Instant) {
        let times = CommitTimes {
            entries,
            latency: oldest.elapsed(),
            store: self.store_time,
        };
        for f in self
            .shared
            .observers
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
        {
            f(&times);
        }
    }

    /// Step 4: rules and chain, in order, against the working chain (which moves ahead).
    fn judge(&mut self, batch: &Checked) -> Judged {
        let s = self.shared;
        s.options.watch.enter(Stage::Accept);
        let chain = &mut self.chain;
        let base = chain.size();
        let frontier_before = chain.frontier.nodes();
        let recorded_at = Millis((s.clock)().0.max(chain.last_recorded.0));
        let ledger_key = s.signer.verifier().to_vkey();
        let mut results = Vec::with_capacity(batch.subs.len());
        let mut entries = Vec::new();
        let mut accepted: Vec<Prepared> = Vec::new();
        let mut nodes: Vec<(NodeId, Hash)> = Vec::new();
        for (i, (sub, p)) in batch.subs.iter().zip(&batch.parsed).enumerate() {
            let seq = chain.size();
            let reject = |fault: Fault, id: Option<String>| {
                Err(AppendError::Rejected(EntryFault {
                    seq,
                    event_id: id,
                    fault,
                }))
            };
            let ev = match p {
                Ok(ev) => ev.clone(),
                Err(f) => {
                    results.push(reject(f.clone(), None));
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
            let prev = chain.last_leaf_or_zero();
            let bytes = match entry::encode(seq, recorded_at, &prev, &sub.signature, &sub.event) {
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
                prev,
                signature: sub.signature,
                event: ev,
            };
            match chain.accept(&prepared, batch.sigs[i], &mut nodes) {
                Ok(()) => {
                    entries.push(NewEntry {
                        bytes: prepared.bytes.clone(),
                        leaf,
                        event_id: prepared.event.id.to_string(),
                    });
                    accepted.push(prepared);
                    results.push(Ok(()));
                }
                Err(f) => results.push(Err(AppendError::Rejected(f))),
            }
        }
        s.options.watch.leave(Stage::Accept, batch.subs.len());
        Judged {
            base,
            results,
            entries,
            accepted,
            nodes,
            frontier_before,
        }
    }

    /// Reopens the store after a failure and catches up with it; on failure, writes stay
    /// paused.
    fn recover(&mut self) -> bool {
        let s = self.shared;
        let done = s
            .store
            .recover()
            .map_err(|e| e.to_string())
            .and_then(|()| self.catch_up());
        match done {
            Ok(()) => {
                tracing::info!("the store is open again");
                self.needs_recovery = false;
                true
            }
            Err(why) => {
                tracing::error!(%why, "the store cannot be reopened yet");
                self.pause(&why);
                false
            }
        }
    }

    /// Step 5: one durable commit with the tree nodes and the new checkpoint. On any failure
    /// the working chain goes back to the durable one, caught up with the store.
    fn write(&mut self, j: &Judged) -> Attempt {
        let s = self.shared;
        if self.needs_recovery && !self.recover() {
            self.chain = lock(&s.durable).current().clone();
            return Attempt::Paused;
        }
        let size = self.chain.size();
        let watch = &*s.options.watch;
        let n = j.entries.len();
        let signed = self
            .chain
            .state
            .origin()
            .ok_or_else(|| "no genesis".to_string())
            .and_then(|origin| {
                stages::watched(watch, Stage::Checkpoint, n, || {
                    Checkpoint {
                        origin: origin.to_string(),
                        size,
                        root: self.chain.root(),
                        extensions: Vec::new(),
                    }
                    .sign(&s.signer)
                    .map_err(|e| e.to_string())
                })
            });
        let cp = match signed {
            Ok(cp) => cp,
            Err(e) => {
                self.chain = lock(&s.durable).current().clone();
                return Attempt::Failed {
                    error: format!("signing the checkpoint: {e}"),
                    landed: None,
                    known: true,
                };
            }
        };
        let started = Instant::now();
        let appended = stages::watched(watch, Stage::Store, n, || {
            s.store.append(Batch {
                expected_size: j.base,
                entries: &j.entries,
                nodes: &j.nodes,
                checkpoint: &cp,
            })
        });
        self.store_time = started.elapsed();
        match appended {
            Ok(()) => {
                s.commits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Attempt::Written(Arc::from(cp))
            }
            Err(StoreError::Conflict { .. }) => {
                // `catch_up` replaces the working chain with the durable one, caught up.
                match self.catch_up() {
                    Ok(()) => Attempt::Conflict,
                    Err(why) => {
                        self.chain = lock(&s.durable).current().clone();
                        self.pause(&why);
                        Attempt::Failed {
                            error: why,
                            landed: None,
                            known: true,
                        }
                    }
                }
            }
            Err(e) => {
                let error = e.to_string();
                // The store itself could not find out whether the batch landed.
                let unknown = matches!(e, StoreError::Unknown(_));
                tracing::error!(%error, "the store failed to append a batch");
                self.chain = lock(&s.durable).current().clone();
                let recovered = s
                    .store
                    .recover()
                    .map_err(|e| format!("{error}; reopening the store failed: {e}"))
                    .and_then(|()| self.catch_up());
                // Whether our own batch is what the store now holds after `base`.
                let landed = recovered.is_ok()
                    && self.chain.size() >= j.base + j.accepted.len() as u64
                    && self.landed(j);
                self.needs_recovery = recovered.is_err();
                // Any other failure wrote nothing (the store's contract), unless reading back
                // showed the batch did land (a failure after the commit): then it stands.
                let known = !unknown;
                self.pause(&match recovered {
                    Ok(()) => error.clone(),
                    Err(why) => why,
                });
                Attempt::Failed {
                    error,
                    landed: landed.then(|| Arc::from(cp)),
                    known,
                }
            }
        }
    }

    /// Whether the store holds entries this ledger has not seen (another writer's).
    fn stale(&self) -> bool {
        self.shared
            .store
            .snapshot()
            .is_ok_and(|snap| snap.size() != self.chain.size())
    }

    /// Whether the store's entries after `j.base` are the batch's own (same leaf hashes).
    fn landed(&self, j: &Judged) -> bool {
        let Ok(snap) = self.shared.store.snapshot() else {
            return false;
        };
        let ids = (0..j.accepted.len() as u64).map(|i| NodeId {
            level: 0,
            index: j.base + i,
        });
        ids.zip(&j.accepted)
            .all(|(id, p)| snap.node(id).is_ok_and(|h| h == p.leaf))
    }

    /// Pauses writes for `Options::storage_retry`, saying why.
    fn pause(&self, why: &str) {
        let s = self.shared;
        let mut h = (*s.head.get()).clone();
        h.writes = Writes::Paused {
            reason: Arc::from(why),
            until: Instant::now() + s.options.storage_retry,
        };
        h.recent = Arc::from(Vec::new());
        s.head.publish(h);
    }

    /// Brings the durable chain (and the working chain with it) up to what the store holds,
    /// judging every entry it did not write with `Chain::accept`, its signature verified, and
    /// checking the store's checkpoint against the root; then publishes the head.
    fn catch_up(&mut self) -> Result<(), String> {
        let s = self.shared;
        let snap = s.store.snapshot().map_err(|e| e.to_string())?;
        let size = snap.size();
        let mut guard = lock(&s.durable);
        let durable = guard.current();
        let have = durable.size();
        if size < have {
            return Err(format!(
                "the store holds {size} entries, fewer than the {have} this ledger wrote"
            ));
        }
        let mut caught = Vec::new();
        let mut scratch = Vec::new();
        let mut book = KeyBook::from_state(&durable.state);
        let mut start = have;
        while start < size {
            let end = (start + 4096).min(size);
            let prepared: Vec<Prepared> = snap
                .entries(start, end)
                .map_err(|e| e.to_string())?
                .into_par_iter()
                .enumerate()
                .map(|(i, b)| chain::prepare(b, start + i as u64))
                .collect::<Result<_, _>>()
                .map_err(|f| format!("the store holds an invalid entry: {f}"))?;
            let sigs = stages::prepared_verdicts(&Rayon, &Unwatched, &mut book, &prepared);
            for (p, sig) in prepared.into_iter().zip(sigs) {
                scratch.clear();
                durable
                    .accept(&p, sig, &mut scratch)
                    .map_err(|f| format!("the store holds an entry this ledger refuses: {f}"))?;
                caught.push(p);
            }
            start = end;
        }
        durable.state.forget_event_ids();
        let cp = snap
            .checkpoint()
            .map_err(|e| e.to_string())?
            .unwrap_or_default();
        if size > 0 {
            let verifier = s.signer.verifier();
            let opened = checkpoint::open(cp.as_bytes(), &verifier)
                .map_err(|e| format!("the store's checkpoint does not verify: {e}"))?;
            if opened.size != size || opened.root != durable.root() {
                return Err(format!(
                    "the store's checkpoint (size {}) does not match its {size} entries",
                    opened.size
                ));
            }
        }
        self.chain = durable.clone();
        if size > have || s.head.get().storage_failed().is_some() {
            let head = head_of(durable, &s.head.get(), Arc::from(cp), Arc::from(caught));
            s.head.publish(head);
        }
        Ok(())
    }

    /// The batch is durable: log it for the durable chain, publish the head and build the
    /// answers. The log is pushed before the head moves, so `with_state` never sees a state
    /// behind the head.
    fn written(&mut self, mut j: Judged, cp: Arc<str>) -> Vec<Result<Receipt, AppendError>> {
        let s = self.shared;
        let recent: Arc<[Prepared]> = Arc::from(std::mem::take(&mut j.accepted));
        {
            let mut durable = lock(&s.durable);
            durable.pending_len += recent.len();
            durable.pending.push(Arc::clone(&recent));
            self.unsettled = durable.pending_len > PENDING_MAX;
            // The working chain is what the durable one becomes once it applies the log.
            let head = head_of(
                &self.chain,
                &s.head.get(),
                Arc::clone(&cp),
                Arc::clone(&recent),
            );
            s.head.publish(head);
        }
        // The batch is durable: the store's index answers for its ids from now on.
        self.chain.state.forget_event_ids();
        self.answers(j.base, j.results, recent, j.frontier_before, j.nodes, cp)
    }

    /// Once the log of durable batches is long, replaces the durable chain by a copy of the
    /// writer's (which equals it with the log applied), after the submitters are answered.
    fn settle(&mut self) {
        if std::mem::take(&mut self.unsettled) {
            let mut durable = lock(&self.shared.durable);
            durable.chain = self.chain.clone();
            durable.pending.clear();
            durable.pending_len = 0;
        }
    }

    /// The answers of a durable batch, in submission order.
    fn receipts(&self, j: Judged, cp: Arc<str>) -> Vec<Result<Receipt, AppendError>> {
        self.answers(
            j.base,
            j.results,
            Arc::from(j.accepted),
            j.frontier_before,
            j.nodes,
            cp,
        )
    }

    fn answers(
        &self,
        base: u64,
        results: Vec<Result<(), AppendError>>,
        entries: Arc<[Prepared]>,
        frontier_before: Vec<(NodeId, Hash)>,
        completed: Vec<(NodeId, Hash)>,
        cp: Arc<str>,
    ) -> Vec<Result<Receipt, AppendError>> {
        let size = base + entries.len() as u64;
        let n = entries.len();
        let commit = Arc::new(Commit {
            size,
            entries,
            frontier_before,
            completed,
            tree: std::sync::OnceLock::new(),
        });
        let mut next = 0;
        results
            .into_iter()
            .map(|r| {
                r?;
                // One accepted entry per `Ok`, in order.
                if next >= n {
                    return Err(AppendError::Storage("an answer lost its entry".into()));
                }
                let p = &commit.entries[next];
                next += 1;
                Ok(Receipt {
                    seq: p.seq,
                    leaf: p.leaf,
                    checkpoint: Arc::clone(&cp),
                    size,
                    commit: Arc::clone(&commit),
                    index: next - 1,
                })
            })
            .collect()
    }
}

struct MapNodes<'a>(&'a HashMap<NodeId, Hash>);

impl NodeReader for MapNodes<'_> {
    type Error = MissingNode;
    fn node(&self, id: NodeId) -> Result<Hash, MissingNode> {
        self.0.get(&id).copied().ok_or(MissingNode(id))
    }
}

/// The head after `chain`, which `recent` extended from `prev`.
fn head_of(chain: &Chain, prev: &Head, checkpoint: Arc<str>, recent: Arc<[Prepared]>) -> Head {
    let keys = &chain.state.keys;
    let changed = keys.len() != prev.keys.len()
        || keys.iter().any(|(id, k)| {
            prev.keys
                .get(id)
                .is_none_or(|p| p.revoked_at != k.revoked_at)
        });
    Head {
        size: chain.size(),
        root: chain.root(),
        checkpoint,
        origin: prev
            .origin
            .clone()
            .or_else(|| chain.state.origin().map(Arc::from)),
        keys: if changed {
            Arc::new(keys.clone())
        } else {
            Arc::clone(&prev.keys)
        },
        writes: Writes::Open,
        recent,
    }
}

/// After catching up, submissions whose key was unknown may name a key that the caught-up
/// entries (or earlier submissions of the batch) introduced: resolve and verify them again.
fn recheck_unknown_keys(batch: &mut Checked, state: &State) {
    if !batch.sigs.contains(&Sig::NoKey) {
        return;
    }
    let mut book = KeyBook::default();
    let keys: Vec<Option<[u8; 32]>> = batch
        .parsed
        .iter()
        .map(|p| {
            p.as_ref()
                .ok()
                .and_then(|ev| book.resolve(ev, |id| state.public_key(id)))
        })
        .collect();
    let redo: Vec<usize> = (0..batch.sigs.len())
        .filter(|&i| batch.sigs[i] == Sig::NoKey && keys[i].is_some())
        .collect();
    let redo_keys: Vec<Option<[u8; 32]>> = redo.iter().map(|&i| keys[i]).collect();
    let signed: Vec<Signed<'_>> = redo
        .iter()
        .map(|&i| Signed {
            event: &batch.subs[i].event,
            signature: batch.subs[i].signature,
        })
        .collect();
    let sigs = stages::signature_verdicts(&Rayon, &redo_keys, &signed);
    drop(signed);
    for (i, sig) in redo.into_iter().zip(sigs) {
        batch.sigs[i] = sig;
    }
}

/// Answers each submitter with its own slice of the results, in submission order.
fn answer(replies: Vec<(Reply, usize)>, results: Vec<Result<Receipt, AppendError>>) {
    let mut results = results.into_iter();
    for (reply, n) in replies {
        reply.send(results.by_ref().take(n).collect());
    }
}

// ---------------------------------------------------------------------------------------------
// Followers.

fn follow_loop(shared: &Shared, mut next: u64, mut f: impl FnMut(&Committed<'_>)) {
    loop {
        let Some((head, closed)) = shared
            .head
            .wait(Duration::from_secs(3600), |h| h.size > next)
        else {
            continue;
        };
        if head.size <= next {
            if closed {
                return;
            }
            continue;
        }
        let first = head.size - head.recent.len() as u64;
        if first <= next {
            let skip = (next - first) as usize;
            f(&Committed {
                entries: &head.recent[skip..],
                checkpoint: &head.checkpoint,
                size: head.size,
            });
            next = head.size;
            continue;
        }
        // Behind by more than the last commit: read what was missed from the store.
        match read_range(shared, next, first.min(next + 4096)) {
            Ok(entries) => {
                let end = next + entries.len() as u64;
                f(&Committed {
                    entries: &entries,
                    checkpoint: &head.checkpoint,
                    size: end,
                });
                next = end;
            }
            Err(e) => {
                tracing::error!(error = %e, from = next, "a follower cannot read the store");
                if closed {
                    return;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

fn read_range(shared: &Shared, start: u64, end: u64) -> Result<Vec<Prepared>, String> {
    let snap = shared.store.snapshot().map_err(|e| e.to_string())?;
    snap.entries(start, end)
        .map_err(|e| e.to_string())?
        .into_par_iter()
        .enumerate()
        .map(|(i, b)| chain::prepare(b, start + i as u64).map_err(|f| f.to_string()))
        .collect()
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
