//! Body keys: key ids, the event signing message, public-key checks and signature verification
//! (SPEC.md, "Keys" and "Signatures").

use crate::hash::Hash;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::{Signer, SigningKey};
use std::fmt;

/// The domain-separation prefix of every event signature. The author signs
/// `EVENT_CONTEXT ‖ canonical event bytes`, so an event signature can never be replayed as a
/// signature over anything else (a checkpoint note, another protocol's message).
pub const EVENT_CONTEXT: &[u8] = b"kordon/event/v1\n";

/// A key id: lowercase hex of the first 8 bytes of `SHA-256(public key)`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct KeyId(String);

#[cfg(feature = "schema")]
impl schemars::JsonSchema for KeyId {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "KeyId".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "kordon-key-id",
            "pattern": "^[0-9a-f]{16}$",
            "description": "key id: 16 lowercase hex digits of SHA-256(public key)",
        })
    }
}

impl KeyId {
    pub fn of(public_key: &[u8; 32]) -> KeyId {
        // key id = hex(SHA-256(public key)[0..8])
        KeyId(hex::encode(&Hash::sha256(public_key).0[..8]))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for KeyId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        if s.len() == 16
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            Ok(KeyId(s))
        } else {
            Err(format!(
                "key id {s:?} is not 16 lowercase hex digits (hex of the first 8 bytes of SHA-256(public key))"
            ))
        }
    }
}

impl From<KeyId> for String {
    fn from(k: KeyId) -> String {
        k.0
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.0)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("public key is not 32 bytes of standard base64")]
    Encoding,
    #[error("public key is not a valid Ed25519 point encoding")]
    NotAPoint,
    #[error("public key is not in canonical encoding")]
    NotCanonical,
    #[error("public key is weak: a point of small order, which would let anyone forge signatures")]
    Weak,
    #[error("public key has a torsion component; register a key made by a standard Ed25519 key generator")]
    Torsion,
    #[error("private key: {0}")]
    Private(String),
}

/// Decodes a public key from standard base64 and checks it is safe to register.
pub fn parse_public_key(b64: &str) -> Result<[u8; 32], KeyError> {
    use base64::Engine;
    let v = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| KeyError::Encoding)?;
    let pk = <[u8; 32]>::try_from(v.as_slice()).map_err(|_| KeyError::Encoding)?;
    check_public_key(&pk)?;
    Ok(pk)
}

pub fn public_key_base64(pk: &[u8; 32]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(pk)
}

/// Registration refuses any key that is not a canonical encoding of a point in the prime-order
/// subgroup. With such keys every common Ed25519 verifier (RFC 8032 cofactorless, cofactored,
/// ZIP 215) agrees on every honestly produced signature.
pub fn check_public_key(pk: &[u8; 32]) -> Result<(), KeyError> {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    let point = CompressedEdwardsY(*pk)
        .decompress()
        .ok_or(KeyError::NotAPoint)?;
    if point.compress().to_bytes() != *pk {
        return Err(KeyError::NotCanonical);
    }
    if point.is_small_order() {
        return Err(KeyError::Weak);
    }
    if !point.is_torsion_free() {
        return Err(KeyError::Torsion);
    }
    Ok(())
}

/// The exact bytes an author signs for an event: `EVENT_CONTEXT ‖ canonical event bytes`.
pub fn signing_message(canonical_event: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(EVENT_CONTEXT.len() + canonical_event.len());
    m.extend_from_slice(EVENT_CONTEXT);
    m.extend_from_slice(canonical_event);
    m
}

/// Signs canonical event bytes.
pub fn sign_event(key: &SigningKey, canonical_event: &[u8]) -> [u8; 64] {
    key.sign(&signing_message(canonical_event)).to_bytes()
}

/// Verifies one event signature under the ZIP 215 rules (SPEC.md, "Signatures"): the same rules
/// batch verification applies, so a batch and a one-by-one check always agree.
pub fn verify_event(public_key: &[u8; 32], canonical_event: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(vk) = ed25519_zebra::VerificationKey::try_from(*public_key) else {
        return false;
    };
    let sig = ed25519_zebra::Signature::from_bytes(signature);
    vk.verify(&sig, &signing_message(canonical_event)).is_ok()
}

/// One queued signature check.
pub struct SigCheck<'a> {
    pub public_key: [u8; 32],
    pub event: &'a [u8],
    pub signature: [u8; 64],
}

/// Verifies many signatures, returning for each whether it is valid. Runs one batch
/// verification (ZIP 215) and, only if the batch fails, checks each signature alone to name the
/// bad ones. The randomness only blinds the batch equation; the result does not depend on it.
pub fn verify_batch<R: rand_core::RngCore + rand_core::CryptoRng>(
    checks: &[SigCheck<'_>],
    rng: R,
) -> Vec<bool> {
    if checks.is_empty() {
        return Vec::new();
    }
    let mut items = Vec::with_capacity(checks.len());
    let mut msg = Vec::new();
    for c in checks {
        msg.clear();
        msg.extend_from_slice(EVENT_CONTEXT);
        msg.extend_from_slice(c.event);
        let sig = ed25519_zebra::Signature::from_bytes(&c.signature);
        items.push(ed25519_zebra::batch::Item::from((
            ed25519_zebra::VerificationKeyBytes::from(c.public_key),
            sig,
            &msg,
        )));
    }
    let mut verifier = ed25519_zebra::batch::Verifier::new();
    for item in &items {
        verifier.queue(item.clone());
    }
    if verifier.verify(rng).is_ok() {
        return vec![true; checks.len()];
    }
    items
        .into_iter()
        .map(|item| item.verify_single().is_ok())
        .collect()
}

/// How many signatures to verify in one batch when `n` are waiting: batches grow cheaper per
/// signature up to about a thousand, but every core should get at least one.
pub fn batch_size(n: usize, cores: usize) -> usize {
    (n / cores.max(1)).clamp(64, 1024)
}

/// Generates a new signing key from `rng` (the caller passes the operating system's
/// randomness; the core reads none itself).
pub fn generate_key(rng: &mut impl rand_core::CryptoRngCore) -> SigningKey {
    SigningKey::generate(rng)
}

/// Reads an Ed25519 private key in PKCS#8 PEM (`openssl genpkey -algorithm ed25519` output).
pub fn parse_private_key_pem(pem: &str) -> Result<SigningKey, KeyError> {
    SigningKey::from_pkcs8_pem(pem).map_err(|e| {
        KeyError::Private(format!(
            "not an Ed25519 private key in PKCS#8 PEM ({e}); make one with `kordon key new` or `openssl genpkey -algorithm ed25519`"
        ))
    })
}

/// Writes a private key as PKCS#8 PEM.
pub fn private_key_pem(key: &SigningKey) -> String {
    match key.to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF) {
        Ok(pem) => pem.to_string(),
        // Encoding a 32-byte seed into a fixed DER structure cannot fail.
        Err(e) => unreachable!("PKCS#8 encoding of an Ed25519 key failed: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed, not random, generator: the batch check's blinding factors do not change its
    /// verdict, and the core's tests read no randomness from the system.
    struct TestRng(u64);

    impl rand_core::RngCore for TestRng {
        fn next_u32(&mut self) -> u32 {
            self.next_u64() as u32
        }
        fn next_u64(&mut self) -> u64 {
            // SplitMix64.
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

    impl rand_core::CryptoRng for TestRng {}

    #[test]
    fn key_id_is_hex_of_sha256_prefix() {
        let pk = SigningKey::from_bytes(&[1u8; 32])
            .verifying_key()
            .to_bytes();
        let id = KeyId::of(&pk);
        assert_eq!(id.as_str(), &Hash::sha256(&pk).to_hex()[..16]);
        assert!(KeyId::try_from("ABCDEF0123456789".to_string()).is_err());
        assert!(KeyId::try_from("abc".to_string()).is_err());
    }

    #[test]
    fn weak_and_non_canonical_keys_are_refused() {
        // The identity point (y = 1) has order 1.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(check_public_key(&identity), Err(KeyError::Weak));
        // y = p + 1 encodes the identity non-canonically (p = 2^255 - 19).
        let mut noncanon = [0xffu8; 32];
        noncanon[0] = 0xee;
        noncanon[31] = 0x7f;
        assert!(check_public_key(&noncanon).is_err());
        let good = SigningKey::from_bytes(&[2u8; 32])
            .verifying_key()
            .to_bytes();
        assert_eq!(check_public_key(&good), Ok(()));
    }

    #[test]
    fn torsion_key_is_refused() {
        use curve25519_dalek::constants::EIGHT_TORSION;
        let good = SigningKey::from_bytes(&[3u8; 32]).verifying_key();
        let mixed = good.to_edwards() + EIGHT_TORSION[1];
        assert_eq!(
            check_public_key(&mixed.compress().to_bytes()),
            Err(KeyError::Torsion)
        );
    }

    #[test]
    fn batch_names_the_bad_signature() {
        let k1 = SigningKey::from_bytes(&[4u8; 32]);
        let k2 = SigningKey::from_bytes(&[5u8; 32]);
        let events: Vec<Vec<u8>> = (0..10)
            .map(|i| format!("{{\"n\":{i}}}").into_bytes())
            .collect();
        let mut checks: Vec<SigCheck> = events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let k = if i % 2 == 0 { &k1 } else { &k2 };
                SigCheck {
                    public_key: k.verifying_key().to_bytes(),
                    event: e,
                    signature: sign_event(k, e),
                }
            })
            .collect();
        assert_eq!(verify_batch(&checks, TestRng(7)), vec![true; 10]);
        checks[7].signature[3] ^= 1;
        let got = verify_batch(&checks, TestRng(7));
        assert_eq!(got.iter().filter(|ok| !**ok).count(), 1);
        assert!(!got[7]);
        assert!(!verify_event(
            &checks[7].public_key,
            checks[7].event,
            &checks[7].signature
        ));
        assert!(verify_event(
            &checks[6].public_key,
            checks[6].event,
            &checks[6].signature
        ));
    }

    #[test]
    fn context_separates_domains() {
        let k = SigningKey::from_bytes(&[6u8; 32]);
        let e = b"{}";
        // A plain signature over the bytes, without the context, is not an event signature.
        let plain = k.sign(e).to_bytes();
        assert!(!verify_event(&k.verifying_key().to_bytes(), e, &plain));
    }

    #[test]
    fn pem_round_trip_and_garbage() {
        let k = SigningKey::from_bytes(&[8u8; 32]);
        let pem = private_key_pem(&k);
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert_eq!(
            parse_private_key_pem(&pem).unwrap().to_bytes(),
            k.to_bytes()
        );
        assert!(parse_private_key_pem("not a key").is_err());
    }
}
