//! Shared set-up for the integration tests: a ledger on an in-memory or redb store built from
//! the deterministic fixture.
#![allow(dead_code)]

use kordon::core::event::*;
use kordon::fixture::{b, c, Fixture};
use kordon::ledger::{AppendError, Ledger, Receipt, Submission};
use kordon::store::memory::MemoryStore;
use kordon::store::Store;
use std::sync::Arc;

pub const ORIGIN: &str = "kordon.test/ibm";

pub struct World {
    pub f: Fixture,
    pub store: MemoryStore,
    pub ledger: Arc<Ledger>,
}

impl World {
    /// A ledger with genesis, a coordinator `cmu`, executors `sbgs` and `customs`, an overseer
    /// `committee` and an observer `monitor`.
    pub fn new() -> World {
        World::with_origin(ORIGIN)
    }

    /// The same ledger under another origin (and so another ledger key).
    pub fn with_origin(origin: &str) -> World {
        let mut f = Fixture::new(origin);
        let store = MemoryStore::new();
        let ledger = Arc::new(
            Ledger::open(
                Arc::new(store.clone()) as Arc<dyn Store>,
                f.ledger_signer.clone(),
                f.clock.clock(),
            )
            .unwrap(),
        );
        let mut subs = vec![f.genesis()];
        subs.push(f.register("cmu", &[Role::Coordinator]));
        subs.push(f.register("sbgs", &[Role::Executor]));
        subs.push(f.register("customs", &[Role::Executor]));
        subs.push(f.register("committee", &[Role::Overseer]));
        subs.push(f.register("monitor", &[Role::Observer]));
        for r in ledger.submit_many(subs) {
            r.unwrap();
        }
        World { f, store, ledger }
    }

    pub fn ok(&self, sub: Submission) -> Receipt {
        match self.ledger.submit(sub) {
            Ok(r) => r,
            Err(e) => panic!("expected the event to be accepted: {e}"),
        }
    }

    /// Submits and expects a refusal with `rule`; checks that nothing was written.
    pub fn refused(&self, sub: Submission, rule: &str) -> String {
        let before = self.ledger.size();
        let cp_before = self.ledger.checkpoint().unwrap();
        let err = match self.ledger.submit(sub.clone()) {
            Ok(r) => panic!(
                "expected refusal {rule}, but it was recorded as entry {}",
                r.seq
            ),
            Err(e) => e,
        };
        let fault = match &err {
            AppendError::Rejected(f) => f,
            other => panic!("expected a rule refusal, got {other}"),
        };
        assert_eq!(fault.fault.code(), rule, "wrong rule for: {err}");
        assert_eq!(
            fault.seq, before,
            "the error names the entry it would have been: {err}"
        );
        assert_eq!(self.ledger.size(), before, "a refused event writes nothing");
        assert_eq!(
            self.ledger.checkpoint().unwrap(),
            cp_before,
            "the checkpoint is unchanged"
        );
        assert_eq!(self.store.snapshot().unwrap().size(), before);
        err.to_string()
    }

    pub fn sign(&self, author: &str, body: Body) -> Submission {
        self.f.sign(author, body)
    }

    /// `commitment.assigned` by cmu to `lead`, accepted by `lead`.
    pub fn active_commitment(&self, id: &str, lead: &str) {
        self.ok(self.sign(
            "cmu",
            Body::CommitmentAssigned(Fixture::commitment(id, Some(lead), "2026-12-31")),
        ));
        self.ok(self.sign(
            lead,
            Body::CommitmentAccepted(CommitmentRef { commitment: c(id) }),
        ));
    }

    /// Exports the ledger to bytes.
    pub fn export(&self) -> Vec<u8> {
        let mut out = Vec::new();
        kordon::export::write(&self.store, &self.ledger.verifier_key(), &mut out).unwrap();
        out
    }
}

pub fn body(s: &str) -> kordon::core::types::BodyId {
    b(s)
}

/// Verifies an export held in memory.
pub fn verify_bytes(export: &[u8], trusted: Option<&[u8]>) -> kordon::verify::Report {
    let reader = kordon::export::ExportReader::open(export).unwrap();
    let vkey = reader.vkey.clone();
    let cp = reader.checkpoint.clone();
    let mut src = kordon::verify::ExportSource(reader);
    kordon::verify::verify(
        &vkey,
        &cp,
        &mut src,
        &kordon::verify::Options {
            trusted,
            progress: &|_| {},
        },
    )
}

/// A store wrapper for fault tests: it can hold appends at a gate, fail the next appends
/// (before or after writing them), and records the entry ranges read from it.
pub struct FaultStore {
    pub inner: Arc<dyn Store>,
    gate: std::sync::Mutex<bool>,
    gate_moved: std::sync::Condvar,
    /// Appends waiting at the closed gate.
    pub waiting: std::sync::atomic::AtomicUsize,
    /// Fail this many appends before writing them.
    pub fail_before: std::sync::atomic::AtomicUsize,
    /// Fail this many appends after writing them (the batch lands, the caller hears an error).
    pub fail_after: std::sync::atomic::AtomicUsize,
    pub recovered: std::sync::atomic::AtomicUsize,
    /// While set, every operation fails (the disk is gone): appends, snapshots, reopening.
    pub broken: std::sync::atomic::AtomicBool,
    /// The number of entries of every append that was written, in order.
    pub appends: std::sync::Mutex<Vec<usize>>,
    /// Every `entries(start, end)` read, in order.
    pub reads: std::sync::Mutex<Vec<(u64, u64)>>,
}

impl FaultStore {
    pub fn new(inner: Arc<dyn Store>) -> Arc<FaultStore> {
        Arc::new(FaultStore {
            inner,
            gate: std::sync::Mutex::new(true),
            gate_moved: std::sync::Condvar::new(),
            waiting: Default::default(),
            fail_before: Default::default(),
            fail_after: Default::default(),
            recovered: Default::default(),
            broken: Default::default(),
            appends: Default::default(),
            reads: Default::default(),
        })
    }

    /// Closes (false) or opens (true) the gate appends wait at.
    pub fn set_gate(&self, open: bool) {
        *self.gate.lock().unwrap() = open;
        self.gate_moved.notify_all();
    }

    /// Waits until `n` appends wait at the gate.
    pub fn wait_for_waiting(&self, n: usize) {
        let start = std::time::Instant::now();
        while self.waiting.load(std::sync::atomic::Ordering::SeqCst) < n {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(20),
                "no append reached the gate"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    fn take(counter: &std::sync::atomic::AtomicUsize) -> bool {
        counter
            .fetch_update(
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
                |n| n.checked_sub(1),
            )
            .is_ok()
    }
}

impl Store for FaultStore {
    fn append(&self, batch: kordon::store::Batch<'_>) -> Result<(), kordon::store::StoreError> {
        use std::sync::atomic::Ordering::SeqCst;
        {
            let mut open = self.gate.lock().unwrap();
            self.waiting.fetch_add(1, SeqCst);
            while !*open {
                open = self.gate_moved.wait(open).unwrap();
            }
            self.waiting.fetch_sub(1, SeqCst);
        }
        if self.broken.load(SeqCst) {
            return Err(kordon::store::StoreError::Backend(
                "injected: input/output error".into(),
            ));
        }
        if FaultStore::take(&self.fail_before) {
            return Err(kordon::store::StoreError::Backend(
                "injected: no space left on device".into(),
            ));
        }
        self.inner.append(batch)?;
        self.appends.lock().unwrap().push(batch.entries.len());
        if FaultStore::take(&self.fail_after) {
            return Err(kordon::store::StoreError::Backend(
                "injected: the commit's last fsync failed".into(),
            ));
        }
        Ok(())
    }

    fn snapshot(&self) -> Result<Box<dyn kordon::store::Snapshot + '_>, kordon::store::StoreError> {
        if self.broken.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(kordon::store::StoreError::Backend(
                "injected: input/output error".into(),
            ));
        }
        Ok(Box::new(Recording {
            inner: self.inner.snapshot()?,
            reads: &self.reads,
        }))
    }

    fn recover(&self) -> Result<(), kordon::store::StoreError> {
        self.recovered
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if self.broken.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(kordon::store::StoreError::Backend(
                "injected: cannot reopen".into(),
            ));
        }
        self.inner.recover()
    }
}

struct Recording<'a> {
    inner: Box<dyn kordon::store::Snapshot + 'a>,
    reads: &'a std::sync::Mutex<Vec<(u64, u64)>>,
}

impl kordon::store::Snapshot for Recording<'_> {
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, kordon::store::StoreError> {
        self.reads.lock().unwrap().push((start, end));
        self.inner.entries(start, end)
    }
    fn node(
        &self,
        id: kordon::core::merkle::NodeId,
    ) -> Result<kordon::core::hash::Hash, kordon::store::StoreError> {
        self.inner.node(id)
    }
    fn seq_of_event(&self, id: &str) -> Result<Option<u64>, kordon::store::StoreError> {
        self.inner.seq_of_event(id)
    }
    fn checkpoint(&self) -> Result<Option<String>, kordon::store::StoreError> {
        self.inner.checkpoint()
    }
}

/// A three-node Patroni cluster with etcd, started by the tests (see `common/patroni.rs`).
pub mod patroni;
/// PostgreSQL and Patroni started by the tests (see `common/pg.rs`).
pub mod pg;
