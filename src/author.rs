//! Signing events on behalf of a body: what a body's own system (or the CLI) does before it
//! submits. The server never holds a body's private key.

use crate::core::event::{self, Body, FormatError};
use crate::core::keys::{self, KeyId};
use crate::core::types::{BodyId, EventId, Millis};
use crate::ledger::Submission;
use ed25519_dalek::SigningKey;

/// A body and one of its signing keys.
pub struct Author {
    pub body: BodyId,
    pub key: SigningKey,
}

impl Author {
    pub fn new(body: BodyId, key: SigningKey) -> Author {
        Author { body, key }
    }

    pub fn key_id(&self) -> KeyId {
        KeyId::of(&self.key.verifying_key().to_bytes())
    }

    /// Encodes and signs an event with the given id and claimed time.
    pub fn sign_with_id(
        &self,
        ledger: &str,
        id: EventId,
        at: Millis,
        body: &Body,
    ) -> Result<Submission, FormatError> {
        let bytes = event::encode(ledger, &id, &self.body, &self.key_id(), at, body)?;
        let signature = keys::sign_event(&self.key, &bytes);
        Ok(Submission {
            event: bytes,
            signature,
        })
    }

    /// Encodes and signs an event with a fresh random id.
    pub fn sign(&self, ledger: &str, at: Millis, body: &Body) -> Result<Submission, FormatError> {
        self.sign_with_id(ledger, new_event_id(), at, body)
    }
}

/// A fresh event id: 128 random bits in lowercase hex.
pub fn new_event_id() -> EventId {
    use rand_core::RngCore;
    let mut b = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut b);
    match EventId::parse(&hex::encode(b)) {
        Ok(id) => id,
        // 32 hex digits always satisfy the event id syntax.
        Err(e) => unreachable!("{e}"),
    }
}
