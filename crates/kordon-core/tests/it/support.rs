//! Events for the tests, built from JSON bodies, and the ledger they start from. Keys are demo
//! keys derived from labels, as `kordon::fixture` derives them: never for real use.
#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use kordon_core::entry;
use kordon_core::event::{self, Body, Event};
use kordon_core::hash::Hash;
use kordon_core::keys::{self, KeyId};
use kordon_core::note::NoteSigner;
use kordon_core::rules::{RuleError, State};
use kordon_core::types::{BodyId, EventId, Millis};
use serde_json::{json, Value};

pub const ORIGIN: &str = "kordon.test/ibm";

/// When the first entry is recorded: 2026-01-01T00:00:00Z.
pub const T0: u64 = 1_767_225_600_000;

/// Entries are recorded a minute apart.
pub const STEP: u64 = 60_000;

/// The time entry `seq` is recorded at.
pub fn recorded_at(seq: u64) -> Millis {
    Millis(T0 + seq * STEP)
}

/// The demo key labelled `label`.
pub fn key(label: &str) -> SigningKey {
    let seed = Hash::sha256(format!("kordon demo key\n{label}").as_bytes());
    SigningKey::from_bytes(&seed.0)
}

/// Its public key, base64.
pub fn public_key(label: &str) -> String {
    keys::public_key_base64(&key(label).verifying_key().to_bytes())
}

pub fn key_id(label: &str) -> KeyId {
    KeyId::of(&key(label).verifying_key().to_bytes())
}

/// The verifier key of the ledger key that signs this ledger's checkpoints.
pub fn ledger_key() -> String {
    NoteSigner::new(ORIGIN, key("ledger"))
        .unwrap()
        .verifier()
        .to_vkey()
}

/// An event to judge: by `author`, of type `kind`, with a JSON body. By default it is for this
/// ledger, signed with the author's own demo key (labelled as the body), has an id of its own
/// and claims the time it is recorded at.
#[derive(Debug, Clone)]
pub struct Ev {
    pub author: String,
    pub kind: &'static str,
    pub body: Value,
    pub key: String,
    pub id: Option<String>,
    pub ledger: String,
    /// Milliseconds between the recording time and the time the event claims.
    pub skew: i64,
    /// The sequence number it is judged at, if not the next.
    pub seq: Option<u64>,
}

pub fn ev(author: &str, kind: &'static str, body: Value) -> Ev {
    Ev {
        author: author.into(),
        kind,
        body,
        key: author.into(),
        id: None,
        ledger: ORIGIN.into(),
        skew: 0,
        seq: None,
    }
}

impl Ev {
    /// By `author`, with its own key.
    pub fn by(mut self, author: &str) -> Ev {
        self.author = author.into();
        self.key = author.into();
        self
    }

    /// Signed with the demo key `label`.
    pub fn key(mut self, label: &str) -> Ev {
        self.key = label.into();
        self
    }

    pub fn id(mut self, id: &str) -> Ev {
        self.id = Some(id.into());
        self
    }

    pub fn ledger(mut self, origin: &str) -> Ev {
        self.ledger = origin.into();
        self
    }

    /// Claims a time `ms` after the one it is recorded at (before, if negative).
    pub fn skew(mut self, ms: i64) -> Ev {
        self.skew = ms;
        self
    }

    /// Judged at sequence number `seq` instead of the next one.
    pub fn seq(mut self, seq: u64) -> Ev {
        self.seq = Some(seq);
        self
    }

    /// Sets the body member at a JSON pointer (`/registrar/id`).
    pub fn set(mut self, pointer: &str, v: Value) -> Ev {
        let (parent, name) = pointer.rsplit_once('/').unwrap();
        let obj = self
            .body
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .unwrap_or_else(|| panic!("no object at {parent}"));
        obj.insert(name.to_string(), v);
        self
    }

    /// Removes the body member at a JSON pointer.
    pub fn unset(mut self, pointer: &str) -> Ev {
        let (parent, name) = pointer.rsplit_once('/').unwrap();
        self.body
            .pointer_mut(parent)
            .and_then(Value::as_object_mut)
            .and_then(|o| o.remove(name))
            .unwrap_or_else(|| panic!("no member at {pointer}"));
        self
    }

    /// The event as the rules see it, recorded as entry `seq`.
    pub fn event(&self, seq: u64) -> Event {
        let body = Body::from_value(self.kind, self.body.clone())
            .unwrap_or_else(|e| panic!("{} body: {e}", self.kind));
        Event {
            ledger: self.ledger.clone(),
            id: EventId::parse(self.id.as_deref().unwrap_or(&format!("ev-{seq}"))).unwrap(),
            author: BodyId::parse(&self.author).unwrap(),
            key: key_id(&self.key),
            at: self.at(seq),
            body,
        }
    }

    /// The time it claims, recorded as entry `seq`.
    pub fn at(&self, seq: u64) -> Millis {
        Millis((recorded_at(seq).0 as i64 + self.skew) as u64)
    }

    /// The canonical bytes of the event and the signature of its key, recorded as entry `seq`.
    pub fn signed(&self, seq: u64) -> (Vec<u8>, [u8; 64]) {
        let e = self.event(seq);
        let bytes = event::encode(&e.ledger, &e.id, &e.author, &e.key, e.at, &e.body).unwrap();
        let sig = keys::sign_event(&key(&self.key), &bytes);
        (bytes, sig)
    }
}

/// The founding registrar's genesis.
pub fn genesis() -> Ev {
    ev(
        "registry",
        "ledger.genesis",
        json!({
            "origin": ORIGIN,
            "time_zone": "Europe/Kyiv",
            "registrar": {"id": "registry", "name_uk": "Реєстратор", "name_en": "Registrar", "kind": "registrar"},
            "registrar_key": public_key("registry"),
            "ledger_key": ledger_key(),
            "policy": {"max_age_seconds": 604_800, "max_future_seconds": 300}
        }),
    )
}

/// The registrar registers `id` with these roles and the demo key labelled `id`.
pub fn register(id: &str, roles: &[&str]) -> Ev {
    ev(
        "registry",
        "body.registered",
        json!({
            "id": id, "name_uk": format!("Орган {id}"), "name_en": format!("Body {id}"),
            "kind": "agency", "roles": roles, "public_keys": [public_key(id)]
        }),
    )
}

/// The ledger every case starts from: the genesis, a coordinator `cmu`, executors `sbgs`,
/// `customs` and `police`, an overseer `committee` and an observer `monitor`.
pub fn base() -> Vec<Ev> {
    vec![
        genesis(),
        register("cmu", &["coordinator"]),
        register("sbgs", &["executor"]),
        register("customs", &["executor"]),
        register("police", &["executor"]),
        register("committee", &["overseer"]),
        register("monitor", &["observer"]),
    ]
}

/// The rules' state after `steps`, each applied at the next sequence number, or the position
/// and refusal of the first step the rules refuse.
pub fn state_after(steps: &[Ev]) -> Result<State, (usize, RuleError)> {
    let mut s = State::new();
    for (i, step) in steps.iter().enumerate() {
        let seq = s.size;
        s.apply(seq, recorded_at(seq), &step.event(seq))
            .map_err(|e| (i, e))?;
    }
    Ok(s)
}

/// The entries of a ledger of `steps`: each event signed with its key, recorded a minute
/// after the last, chained to the one before.
pub fn entries(steps: &[Ev]) -> Vec<Vec<u8>> {
    let mut prev = Hash::ZERO;
    let mut out = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let seq = i as u64;
        let (bytes, sig) = step.signed(seq);
        let e = entry::encode(seq, recorded_at(seq), &prev, &sig, &bytes).unwrap();
        prev = entry::entry_hash(&e);
        out.push(e);
    }
    out
}
