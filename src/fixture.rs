//! Deterministic ledgers for tests, benchmarks, golden vectors and examples. Keys derive from a
//! label (`SHA-256("kordon demo key\n" ‖ label)`): they are demo keys, never for real use.

use crate::author::Author;
use crate::core::event::*;
use crate::core::keys::{self, KeyId};
use crate::core::note::NoteSigner;
use crate::core::types::*;
use crate::ledger::{Clock, Submission};
use ed25519_dalek::SigningKey;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// 2026-01-01T00:00:00Z in milliseconds.
pub const START: u64 = 1_767_225_600_000;

/// A demo key derived from a label.
pub fn demo_key(label: &str) -> SigningKey {
    let seed = crate::core::hash::Hash::sha256(format!("kordon demo key\n{label}").as_bytes());
    SigningKey::from_bytes(&seed.0)
}

/// A clock that only moves when told, shared by the fixture and the ledger.
#[derive(Clone)]
pub struct ManualClock(pub Arc<AtomicU64>);

impl ManualClock {
    pub fn new(start: u64) -> ManualClock {
        ManualClock(Arc::new(AtomicU64::new(start)))
    }
    pub fn now(&self) -> Millis {
        Millis(self.0.load(Ordering::SeqCst))
    }
    pub fn advance(&self, ms: u64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
    pub fn clock(&self) -> Clock {
        let c = self.0.clone();
        Arc::new(move || Millis(c.load(Ordering::SeqCst)))
    }
}

/// Builds signed events for a demo ledger.
pub struct Fixture {
    pub origin: String,
    pub ledger_signer: NoteSigner,
    pub clock: ManualClock,
    authors: HashMap<String, Author>,
    next_id: AtomicU64,
}

pub fn b(s: &str) -> BodyId {
    BodyId::parse(s).unwrap_or_else(|e| panic!("fixture body id: {e}"))
}

pub fn c(s: &str) -> CommitmentId {
    CommitmentId::parse(s).unwrap_or_else(|e| panic!("fixture commitment id: {e}"))
}

impl Fixture {
    /// A fixture whose founding registrar is `registry`.
    pub fn new(origin: &str) -> Fixture {
        let ledger_signer = NoteSigner::new(origin, demo_key(&format!("ledger:{origin}")))
            .unwrap_or_else(|e| panic!("fixture origin: {e}"));
        let mut f = Fixture {
            origin: origin.to_string(),
            ledger_signer,
            clock: ManualClock::new(START),
            authors: HashMap::new(),
            next_id: AtomicU64::new(0),
        };
        f.add_author("registry", "registry");
        f
    }

    /// Makes `body` sign with the demo key labelled `label` from now on.
    pub fn add_author(&mut self, body: &str, label: &str) -> KeyId {
        let a = Author::new(b(body), demo_key(label));
        let id = a.key_id();
        self.authors.insert(body.to_string(), a);
        id
    }

    pub fn author(&self, body: &str) -> &Author {
        self.authors
            .get(body)
            .unwrap_or_else(|| panic!("fixture has no key for {body}"))
    }

    pub fn public_key_b64(label: &str) -> String {
        keys::public_key_base64(&demo_key(label).verifying_key().to_bytes())
    }

    pub fn genesis(&self) -> Submission {
        self.sign(
            "registry",
            Body::Genesis(Genesis {
                origin: self.origin.clone(),
                time_zone: "Europe/Kyiv".into(),
                registrar: BodyInfo {
                    id: b("registry"),
                    name_uk: "Реєстратор".into(),
                    name_en: "Registrar".into(),
                    kind: "registrar".into(),
                },
                registrar_key: Self::public_key_b64("registry"),
                ledger_key: self.ledger_signer.verifier().to_vkey(),
                policy: Policy::default(),
            }),
        )
    }

    /// `body.registered` for `id` with roles and a demo key labelled `id`, signed by the
    /// registrar; also makes `id` sign with that key.
    pub fn register(&mut self, id: &str, roles: &[Role]) -> Submission {
        self.register_named(id, roles, &format!("Орган {id}"), &format!("Body {id}"))
    }

    /// `register` with the body's names.
    pub fn register_named(
        &mut self,
        id: &str,
        roles: &[Role],
        name_uk: &str,
        name_en: &str,
    ) -> Submission {
        self.add_author(id, id);
        self.sign(
            "registry",
            Body::BodyRegistered(BodyRegistered {
                id: b(id),
                name_uk: name_uk.into(),
                name_en: name_en.into(),
                kind: "agency".into(),
                roles: roles.to_vec(),
                public_keys: vec![Self::public_key_b64(id)],
            }),
        )
    }

    /// Signs `body` as `author` with the next deterministic event id, at the clock's time.
    pub fn sign(&self, author: &str, body: Body) -> Submission {
        let n = self.next_id.fetch_add(1, Ordering::SeqCst);
        let id = EventId::parse(&format!("ev-{n}")).unwrap_or_else(|e| panic!("{e}"));
        self.author(author)
            .sign_with_id(&self.origin, id, self.clock.now(), &body)
            .unwrap_or_else(|e| panic!("fixture event does not encode: {e}"))
    }

    /// The id the next `sign` will use.
    pub fn next_event_id(&self) -> EventId {
        EventId::parse(&format!("ev-{}", self.next_id.load(Ordering::SeqCst)))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A commitment assigned by `coordinator` to `lead`.
    pub fn commitment(id: &str, lead: Option<&str>, deadline: &str) -> CommitmentFields {
        CommitmentFields {
            id: c(id),
            lead: lead.map(b),
            objective: None,
            title_uk: format!("Зобов'язання {id}"),
            title_en: Some(format!("Commitment {id}")),
            description: None,
            co_executors: Vec::new(),
            deadline: Date::parse(deadline).unwrap_or_else(|e| panic!("{e}")),
            indicators: vec![Indicator {
                id: IndicatorId::parse("i1").unwrap_or_else(|e| panic!("{e}")),
                name_uk: "Пункти пропуску".into(),
                name_en: Some("Crossing points".into()),
                unit: Some("crossing points".into()),
                baseline: Some(Decimal::parse("0").unwrap_or_else(|e| panic!("{e}"))),
                target: Some(Decimal::parse("74").unwrap_or_else(|e| panic!("{e}"))),
                milestones: Vec::new(),
            }],
            funding: None,
            act: Some("Cabinet order 1409-r (illustrative)".into()),
        }
    }
}
