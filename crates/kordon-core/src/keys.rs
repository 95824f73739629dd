//! Body keys: key ids, the event signing message, public-key checks and signature verification
//! (SPEC.md, "Keys" and "Signatures").

use crate::hash::Hash;
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
    Private(PrivateKeyError),
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

/// Why a private key file could not be read. Each says what the file is and what to do.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PrivateKeyError {
    #[error("this key is encrypted (ENCRYPTED PRIVATE KEY); give its passphrase")]
    Encrypted,
    #[error(
        "this is DER, not PEM; convert it with `openssl pkey -inform DER -in FILE -out key.pem`"
    )]
    Der,
    #[error("this is a public key, not a private key; give the private key it was made from")]
    PublicKey,
    #[error("this is a certificate, not a private key")]
    Certificate,
    #[error("this is an OpenSSH private key; kordon reads PKCS#8: convert a copy with `ssh-keygen -p -m PKCS8 -f COPY`")]
    OpenSsh,
    #[error("this is an {0} key, kordon needs Ed25519 (`kordon key new`, or `openssl genpkey -algorithm ed25519`)")]
    Algorithm(&'static str),
    #[error("this is a key of algorithm {0}, kordon needs Ed25519 (1.3.101.112)")]
    UnknownAlgorithm(String),
    #[error(
        "the key's embedded public key does not belong to its private key: the file is damaged"
    )]
    PublicKeyMismatch,
    #[error("not an Ed25519 private key in PKCS#8 PEM: {0}; make one with `kordon key new` or `openssl genpkey -algorithm ed25519`")]
    Malformed(String),
}

/// What a private key file holds: a key, or a PKCS#8 `EncryptedPrivateKeyInfo` (DER) that
/// the caller decrypts with the passphrase it asks for, then reads with `signing_key_from_der`.
pub enum PrivateKeyFile {
    Plain(SigningKey),
    Encrypted(Vec<u8>),
}

/// The PEM labels (RFC 7468) a key file may carry, and what each means.
const PEM_PRIVATE: &str = "PRIVATE KEY";
const PEM_ENCRYPTED: &str = "ENCRYPTED PRIVATE KEY";

/// Reads a private key file: PKCS#8 PEM (RFC 8410, `openssl genpkey -algorithm ed25519`), in
/// the v1 layout (RFC 5208) or the v2 layout with the public key (RFC 5958), plain or
/// encrypted (PBES2). The base64 may be wrapped at any width (64 columns as RFC 7468 asks, or
/// 76 as some tools write) and lines may end in CRLF; text before the first `-----BEGIN`
/// line (comments, `openssl -text` output) is ignored.
pub fn read_private_key(bytes: &[u8]) -> Result<PrivateKeyFile, PrivateKeyError> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(if bytes.first() == Some(&0x30) {
            PrivateKeyError::Der
        } else {
            PrivateKeyError::Malformed("the file is not text".into())
        });
    };
    if !text.contains("-----BEGIN ") && bytes.first() == Some(&0x30) {
        return Err(PrivateKeyError::Der);
    }
    let (label, der) = pem_block(text)?;
    match label {
        PEM_PRIVATE => signing_key_from_der(&der).map(PrivateKeyFile::Plain),
        PEM_ENCRYPTED => Ok(PrivateKeyFile::Encrypted(der)),
        "PUBLIC KEY" => Err(PrivateKeyError::PublicKey),
        "CERTIFICATE" => Err(PrivateKeyError::Certificate),
        "OPENSSH PRIVATE KEY" => Err(PrivateKeyError::OpenSsh),
        "RSA PRIVATE KEY" => Err(PrivateKeyError::Algorithm("RSA")),
        "EC PRIVATE KEY" => Err(PrivateKeyError::Algorithm("EC (ECDSA)")),
        other => Err(PrivateKeyError::Malformed(format!(
            "a PEM labelled {other:?}, not \"{PEM_PRIVATE}\""
        ))),
    }
}

/// The label and decoded bytes of the first PEM block of `text`.
fn pem_block(text: &str) -> Result<(&str, Vec<u8>), PrivateKeyError> {
    use base64::Engine;
    let bad = |m: &str| PrivateKeyError::Malformed(m.to_string());
    let start = text
        .find("-----BEGIN ")
        .ok_or_else(|| bad("there is no -----BEGIN PRIVATE KEY----- line"))?;
    let rest = &text[start + "-----BEGIN ".len()..];
    let (label, rest) = rest
        .split_once("-----")
        .ok_or_else(|| bad("the -----BEGIN line is not closed by -----"))?;
    let end_line = format!("-----END {label}-----");
    let (body, _) = rest
        .split_once(end_line.as_str())
        .ok_or_else(|| PrivateKeyError::Malformed(format!("there is no {end_line} line")))?;
    let mut b64 = String::with_capacity(body.len());
    for line in body.lines() {
        let line = line.trim();
        // RFC 1421 headers (`Proc-Type: …`) belong to legacy formats kordon does not read.
        if line.contains(':') {
            return Err(bad(
                "the PEM has headers (a legacy OpenSSL format); convert it with `openssl pkey`",
            ));
        }
        b64.push_str(line);
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .map_err(|_| bad("the text between the PEM lines is not base64"))?;
    Ok((label, der))
}

/// Reads a PKCS#8 `PrivateKeyInfo` (DER, v1 or v2) holding an Ed25519 key; names the
/// algorithm of any other key.
pub fn signing_key_from_der(der: &[u8]) -> Result<SigningKey, PrivateKeyError> {
    use ed25519_dalek::pkcs8::{KeypairBytes, ObjectIdentifier, PrivateKeyInfo};
    let info = PrivateKeyInfo::try_from(der)
        .map_err(|e| PrivateKeyError::Malformed(format!("not PKCS#8 ({e})")))?;
    let oid = info.algorithm.oid;
    const NAMES: &[(&str, &str)] = &[
        ("1.3.101.113", "Ed448"),
        ("1.3.101.110", "X25519"),
        ("1.3.101.111", "X448"),
        ("1.2.840.113549.1.1.1", "RSA"),
        ("1.2.840.10045.2.1", "EC (ECDSA)"),
        ("1.2.840.10040.4.1", "DSA"),
    ];
    if oid != ObjectIdentifier::new_unwrap("1.3.101.112") {
        let s = oid.to_string();
        return Err(match NAMES.iter().find(|(o, _)| *o == s) {
            Some((_, name)) => PrivateKeyError::Algorithm(name),
            None => PrivateKeyError::UnknownAlgorithm(s),
        });
    }
    let embedded = info.public_key.is_some();
    let kp = KeypairBytes::try_from(info)
        .map_err(|e| PrivateKeyError::Malformed(format!("not an Ed25519 key ({e})")))?;
    if embedded {
        SigningKey::try_from(&kp).map_err(|_| PrivateKeyError::PublicKeyMismatch)
    } else {
        Ok(SigningKey::from_bytes(&kp.secret_key))
    }
}

/// Reads an unencrypted Ed25519 private key in PKCS#8 PEM (see `read_private_key`).
pub fn parse_private_key_pem(pem: &str) -> Result<SigningKey, KeyError> {
    match read_private_key(pem.as_bytes()) {
        Ok(PrivateKeyFile::Plain(k)) => Ok(k),
        Ok(PrivateKeyFile::Encrypted(_)) => Err(KeyError::Private(PrivateKeyError::Encrypted)),
        Err(e) => Err(KeyError::Private(e)),
    }
}

/// The PKCS#8 v1 `PrivateKeyInfo` (RFC 5208, RFC 8410 §7) of a key, DER: the layout
/// `openssl genpkey -algorithm ed25519` writes and every common tool reads (OpenSSL 3, Node,
/// Python `cryptography`, Web Crypto), without the optional public key of v2.
pub fn private_key_der(key: &SigningKey) -> Vec<u8> {
    use ed25519_dalek::pkcs8::{EncodePrivateKey, KeypairBytes};
    let kp = KeypairBytes {
        secret_key: key.to_bytes(),
        public_key: None,
    };
    match kp.to_pkcs8_der() {
        Ok(doc) => doc.as_bytes().to_vec(),
        // Encoding a 32-byte seed into a fixed DER structure cannot fail.
        Err(e) => unreachable!("PKCS#8 encoding of an Ed25519 key failed: {e}"),
    }
}

/// Writes a private key as PKCS#8 v1 PEM (`-----BEGIN PRIVATE KEY-----`, 64 columns, LF).
pub fn private_key_pem(key: &SigningKey) -> String {
    pem(PEM_PRIVATE, &private_key_der(key))
}

/// PEM text (RFC 7468): the label's lines around base64 wrapped at 64 columns.
pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        // Base64 is ASCII, so every chunk is valid UTF-8.
        s.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

/// The label of an encrypted key's PEM, for the caller that encrypts.
pub const ENCRYPTED_PEM_LABEL: &str = PEM_ENCRYPTED;

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed, not random, generator: the batch check's blinding factors do not change its
    /// verdict, and the core's tests read no randomness from the system.
    use crate::stage::SeededRng as TestRng;

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
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(
            parse_private_key_pem(&pem).unwrap().to_bytes(),
            k.to_bytes()
        );
        assert!(parse_private_key_pem("not a key").is_err());
    }

    /// The v1 layout, byte for byte as `openssl genpkey -algorithm ed25519` writes it
    /// (RFC 8410 §10.3 shows the same prefix): version 0, the Ed25519 OID, the seed.
    #[test]
    fn writes_the_v1_layout() {
        let k = SigningKey::from_bytes(&[9u8; 32]);
        let der = private_key_der(&k);
        let mut want = hex::decode("302e020100300506032b657004220420").unwrap();
        want.extend_from_slice(&[9u8; 32]);
        assert_eq!(der, want);
        assert_eq!(
            private_key_pem(&k),
            format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &want)
            )
        );
    }

    /// The v2 layout (RFC 5958, with the public key) is still read, and a public key that
    /// does not belong to the seed is refused.
    #[test]
    fn reads_the_v2_layout_and_checks_its_public_key() {
        use ed25519_dalek::pkcs8::{EncodePrivateKey, KeypairBytes};
        let k = SigningKey::from_bytes(&[10u8; 32]);
        let v2 = KeypairBytes {
            secret_key: k.to_bytes(),
            public_key: Some(ed25519_dalek::pkcs8::PublicKeyBytes(
                k.verifying_key().to_bytes(),
            )),
        }
        .to_pkcs8_der()
        .unwrap();
        assert_eq!(v2.as_bytes()[4], 0x01, "version 1 means v2 (RFC 5958)");
        assert_eq!(signing_key_from_der(v2.as_bytes()).unwrap(), k);
        let wrong = KeypairBytes {
            secret_key: k.to_bytes(),
            public_key: Some(ed25519_dalek::pkcs8::PublicKeyBytes(
                SigningKey::from_bytes(&[11u8; 32])
                    .verifying_key()
                    .to_bytes(),
            )),
        }
        .to_pkcs8_der()
        .unwrap();
        assert_eq!(
            signing_key_from_der(wrong.as_bytes()),
            Err(PrivateKeyError::PublicKeyMismatch)
        );
    }

    #[test]
    fn wrapping_and_line_endings_do_not_matter() {
        let k = SigningKey::from_bytes(&[12u8; 32]);
        let der = private_key_der(&k);
        let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &der);
        // 76 columns (MIME), 20 columns, CRLF, a comment before the block.
        let wrapped = |w: usize, eol: &str| {
            let lines: Vec<&str> = b64
                .as_bytes()
                .chunks(w)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            format!(
                "a comment\n-----BEGIN PRIVATE KEY-----{eol}{}{eol}-----END PRIVATE KEY-----{eol}",
                lines.join(eol)
            )
        };
        for text in [wrapped(76, "\n"), wrapped(20, "\n"), wrapped(64, "\r\n")] {
            assert_eq!(parse_private_key_pem(&text).unwrap(), k, "{text}");
        }
    }

    #[test]
    fn each_wrong_file_is_named() {
        let k = SigningKey::from_bytes(&[13u8; 32]);
        let der = private_key_der(&k);
        let err = |bytes: &[u8]| match read_private_key(bytes) {
            Err(e) => e,
            Ok(_) => panic!("accepted {bytes:?}"),
        };
        assert_eq!(err(&der), PrivateKeyError::Der);
        // An Ed448 key (RFC 8410 §10.3's layout with OID 1.3.101.113 and a 57-byte seed).
        let mut ed448 = hex::decode("3047020100300506032b6571043b0439").unwrap();
        ed448.extend_from_slice(&[1u8; 57]);
        assert_eq!(
            err(pem("PRIVATE KEY", &ed448).as_bytes()),
            PrivateKeyError::Algorithm("Ed448")
        );
        assert!(PrivateKeyError::Algorithm("Ed448")
            .to_string()
            .contains("this is an Ed448 key, kordon needs Ed25519"));
        assert_eq!(
            err(pem("PUBLIC KEY", &der).as_bytes()),
            PrivateKeyError::PublicKey
        );
        assert_eq!(
            err(pem("OPENSSH PRIVATE KEY", b"openssh-key-v1").as_bytes()),
            PrivateKeyError::OpenSsh
        );
        assert_eq!(
            err(pem("RSA PRIVATE KEY", &der).as_bytes()),
            PrivateKeyError::Algorithm("RSA")
        );
        assert!(matches!(
            read_private_key(pem("ENCRYPTED PRIVATE KEY", &der).as_bytes()),
            Ok(PrivateKeyFile::Encrypted(d)) if d == der
        ));
        assert_eq!(
            parse_private_key_pem(&pem("ENCRYPTED PRIVATE KEY", &der)),
            Err(KeyError::Private(PrivateKeyError::Encrypted))
        );
        for bad in [
            "",
            "hello",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n",
            "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
        ] {
            assert!(
                matches!(err(bad.as_bytes()), PrivateKeyError::Malformed(_)),
                "{bad:?}"
            );
        }
        assert!(matches!(err(&[0xff, 0xfe]), PrivateKeyError::Malformed(_)));
    }
}
