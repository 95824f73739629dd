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
    pub ledger: Ledger,
}

impl World {
    /// A ledger with genesis, a coordinator `cmu`, executors `sbgs` and `customs`, an overseer
    /// `committee` and an observer `monitor`.
    pub fn new() -> World {
        let mut f = Fixture::new(ORIGIN);
        let store = MemoryStore::new();
        let ledger = Ledger::open(
            Arc::new(store.clone()) as Arc<dyn Store>,
            f.ledger_signer.clone(),
            f.clock.clock(),
        )
        .unwrap();
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

/// A three-node Patroni cluster with etcd, started by the tests (see `common/patroni.rs`).
pub mod patroni;
/// PostgreSQL and Patroni started by the tests (see `common/pg.rs`).
pub mod pg;
