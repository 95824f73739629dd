//! Entries: what the ledger appends around a signed event, and their byte layout
//! (SPEC.md, "Entries").
//!
//! ```text
//! offset  size  field
//!      0     1  entry format version, 0x01
//!      1     8  seq, u64 big-endian (0-based; equals the Merkle leaf index)
//!      9     8  recorded_at, u64 big-endian, milliseconds since 1970-01-01T00:00:00Z
//!     17    32  prev: the leaf hash of entry seq-1 (32 zero bytes for entry 0)
//!     49    64  the author's Ed25519 signature over EVENT_CONTEXT ‖ event
//!    113     n  event: the canonical JSON bytes that were signed, n >= 2
//! ```
//!
//! The leaf hash of an entry is `SHA-256(0x00 ‖ entry bytes)`; it links the chain (`prev`) and is
//! the Merkle leaf, so one hash serves both.

use crate::hash::{leaf_hash, Hash};
use crate::types::Millis;

pub const ENTRY_VERSION: u8 = 1;
pub const HEADER_LEN: usize = 113;
/// An entry is at most 65,535 bytes, so its length always fits the u16 prefix of tlog-tiles
/// entry bundles and kordon exports.
pub const MAX_ENTRY_LEN: usize = 65_535;
pub const MAX_EVENT_LEN: usize = MAX_ENTRY_LEN - HEADER_LEN;

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum EntryError {
    #[error("entry is {0} bytes; the minimum is {min}", min = HEADER_LEN + 2)]
    TooShort(usize),
    #[error("entry is {0} bytes; the maximum is {MAX_ENTRY_LEN}")]
    TooLong(usize),
    #[error("unknown entry format version {0}")]
    Version(u8),
}

/// A decoded entry borrowing the bytes it was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryRef<'a> {
    pub seq: u64,
    pub recorded_at: Millis,
    pub prev: Hash,
    pub signature: [u8; 64],
    pub event: &'a [u8],
}

impl<'a> EntryRef<'a> {
    /// Decodes an entry. Only the layout is checked here; the chain, the event and the
    /// signature are checked by the verifier.
    pub fn decode(bytes: &'a [u8]) -> Result<EntryRef<'a>, EntryError> {
        if bytes.len() > MAX_ENTRY_LEN {
            return Err(EntryError::TooLong(bytes.len()));
        }
        if bytes.len() < HEADER_LEN + 2 {
            return Err(EntryError::TooShort(bytes.len()));
        }
        if bytes[0] != ENTRY_VERSION {
            return Err(EntryError::Version(bytes[0]));
        }
        let u64_at = |o: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[o..o + 8]);
            u64::from_be_bytes(b)
        };
        let mut prev = [0u8; 32];
        prev.copy_from_slice(&bytes[17..49]);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&bytes[49..113]);
        Ok(EntryRef {
            seq: u64_at(1),
            recorded_at: Millis(u64_at(9)),
            prev: Hash(prev),
            signature,
            event: &bytes[HEADER_LEN..],
        })
    }
}

/// Encodes an entry. The caller has checked the event's length against `MAX_EVENT_LEN`.
pub fn encode(
    seq: u64,
    recorded_at: Millis,
    prev: &Hash,
    signature: &[u8; 64],
    event: &[u8],
) -> Result<Vec<u8>, EntryError> {
    let len = HEADER_LEN + event.len();
    if len > MAX_ENTRY_LEN {
        return Err(EntryError::TooLong(len));
    }
    let mut out = Vec::with_capacity(len);
    out.push(ENTRY_VERSION);
    out.extend_from_slice(&seq.to_be_bytes());
    out.extend_from_slice(&recorded_at.0.to_be_bytes());
    out.extend_from_slice(&prev.0);
    out.extend_from_slice(signature);
    out.extend_from_slice(event);
    Ok(out)
}

/// The entry's leaf hash: `SHA-256(0x00 ‖ entry bytes)`.
pub fn entry_hash(entry: &[u8]) -> Hash {
    leaf_hash(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let prev = Hash([9u8; 32]);
        let sig = [7u8; 64];
        let b = encode(42, Millis(1_700_000_000_123), &prev, &sig, b"{}").unwrap();
        assert_eq!(b.len(), HEADER_LEN + 2);
        let e = EntryRef::decode(&b).unwrap();
        assert_eq!(e.seq, 42);
        assert_eq!(e.recorded_at, Millis(1_700_000_000_123));
        assert_eq!(e.prev, prev);
        assert_eq!(e.signature, sig);
        assert_eq!(e.event, b"{}");
    }

    #[test]
    fn bad_layouts() {
        assert_eq!(EntryRef::decode(&[1u8; 10]), Err(EntryError::TooShort(10)));
        let mut b = encode(0, Millis(0), &Hash::ZERO, &[0; 64], b"{}").unwrap();
        b[0] = 2;
        assert_eq!(EntryRef::decode(&b), Err(EntryError::Version(2)));
        let big = vec![b'x'; MAX_EVENT_LEN + 1];
        assert_eq!(
            encode(0, Millis(0), &Hash::ZERO, &[0; 64], &big),
            Err(EntryError::TooLong(MAX_ENTRY_LEN + 1))
        );
        let max = vec![b'x'; MAX_EVENT_LEN];
        assert!(encode(0, Millis(0), &Hash::ZERO, &[0; 64], &max).is_ok());
    }
}
