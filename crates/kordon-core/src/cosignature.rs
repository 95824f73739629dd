//! C2SP tlog-cosignature: a witness's timestamped statement that it verified a checkpoint's
//! consistency with everything it saw of that log (SPEC.md §16, "Witnesses").
//!
//! Two types, as <https://c2sp.org/tlog-cosignature> (C2SP @ 5ba5ee8) defines them:
//!
//! * `cosignature/v1` with Ed25519, signature type 0x04. The signed message ("Ed25519 signed
//!   message") is `"cosignature/v1\n" ‖ "time " ‖ decimal timestamp ‖ "\n" ‖ note text`.
//! * ML-DSA-44 (FIPS 204), signature type 0x06. The signed message ("ML-DSA-44 signed message")
//!   is the TLS-encoded `cosigned_message`: the 12-byte label `"subtree/v1\n\0"`, the cosigner
//!   name with a one-byte length, the u64 timestamp, the log origin with a one-byte length, the
//!   u64 start (0 for a checkpoint), the u64 end (the tree size) and the 32-byte root hash. It is
//!   signed with ML-DSA.Sign of FIPS 204 §5.2 (the "pure" variant) with an empty context.
//!
//! Either way the note signature is `key ID ‖ timestamp (u64, big-endian) ‖ signature`
//! ("Format", `timestamped_signature`), and the key ID is
//! `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[0..4]`. Verifier keys are C2SP vkeys
//! (`name+hex key ID+base64(type ‖ public key)`, signed-note "Verifier keys").
//!
//! A [`Policy`] names the witnesses a reader trusts and how many of them must have cosigned
//! (k of n, or the groups of the C2SP tlog-policy format); [`Policy::check`] judges a signed
//! checkpoint against it.

use crate::checkpoint::Checkpoint;
use crate::note::{self, NoteError};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use ml_dsa::{EncodedVerifyingKey, ExpandedSigningKey, MlDsa44, B32};
use sha2::{Digest, Sha256};
use std::fmt;

/// Signature type 0x04: timestamped Ed25519 checkpoint cosignatures (signed-note "Signature
/// types").
pub const TYPE_ED25519: u8 = 0x04;
/// Signature type 0x06: timestamped ML-DSA-44 (sub)tree cosignatures.
pub const TYPE_ML_DSA_44: u8 = 0x06;

/// The header line of the Ed25519 signed message.
pub const ED25519_HEADER: &str = "cosignature/v1\n";
/// The label that opens the ML-DSA-44 `cosigned_message`.
pub const ML_DSA_LABEL: &[u8; 12] = b"subtree/v1\n\0";

/// The length of an ML-DSA-44 public key (FIPS 204, Table 2).
pub const ML_DSA_44_PUBLIC_KEY_LEN: usize = 1312;
/// The length of an ML-DSA-44 signature.
pub const ML_DSA_44_SIGNATURE_LEN: usize = 2420;

/// The largest timestamp a cosignature may carry ("It MUST NOT exceed 2^63 - 1").
pub const MAX_TIMESTAMP: u64 = (1 << 63) - 1;

/// A cosignature algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Ed25519,
    MlDsa44,
}

impl Algorithm {
    /// The signature type byte of the algorithm's cosignatures.
    pub fn type_byte(self) -> u8 {
        match self {
            Algorithm::Ed25519 => TYPE_ED25519,
            Algorithm::MlDsa44 => TYPE_ML_DSA_44,
        }
    }

    /// The name used in files and on the command line: `ed25519` or `ml-dsa-44`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Ed25519 => "ed25519",
            Algorithm::MlDsa44 => "ml-dsa-44",
        }
    }

    pub fn parse(s: &str) -> Option<Algorithm> {
        match s {
            "ed25519" => Some(Algorithm::Ed25519),
            "ml-dsa-44" => Some(Algorithm::MlDsa44),
            _ => None,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a cosigner key, a cosignature or a policy was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CosignatureError {
    #[error("malformed verifier key: {0}")]
    MalformedKey(&'static str),
    #[error("invalid key name {0:?}: it must be 1-255 bytes without spaces or '+'")]
    InvalidName(String),
    #[error("verifier key has signature type 0x{0:02x}; a cosigner key is 0x04 (Ed25519) or 0x06 (ML-DSA-44)")]
    UnsupportedType(u8),
    #[error("verifier key id {found} does not match its name and key (expected {expected})")]
    KeyIdMismatch { expected: String, found: String },
    #[error("the Ed25519 public key is not a valid point")]
    InvalidPublicKey,
    #[error("cosignature is {found} bytes; a {alg} cosignature is {expected}")]
    WrongLength {
        alg: Algorithm,
        expected: usize,
        found: usize,
    },
    #[error("cosignature timestamp {0} exceeds 2^63 - 1")]
    TimestampTooLarge(u64),
    #[error("the log origin must be 1-255 bytes to be cosigned with ML-DSA-44")]
    OriginTooLong,
    #[error("the {alg} cosignature by {name} does not verify")]
    BadSignature { alg: Algorithm, name: String },
}

/// key ID = SHA-256(name ‖ 0x0A ‖ type ‖ public key)[0..4]
pub fn key_id(name: &str, type_byte: u8, public_key: &[u8]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', type_byte]);
    h.update(public_key);
    let d = h.finalize();
    [d[0], d[1], d[2], d[3]]
}

/// A key name: non-empty, no Unicode white space, no '+' (signed-note "Format"); at most 255
/// bytes so that it fits the ML-DSA-44 message's one-byte length.
fn check_name(name: &str) -> Result<(), CosignatureError> {
    if name.is_empty() || name.len() > 255 || name.chars().any(|c| c.is_whitespace() || c == '+') {
        return Err(CosignatureError::InvalidName(name.to_string()));
    }
    Ok(())
}

/// The parts of a vkey `name+hex(key ID)+base64(type ‖ key)`, split at the first two '+' (the
/// base64 may contain '+'), with the key ID checked against the name and key.
pub struct VkeyParts {
    pub name: String,
    pub key_id: [u8; 4],
    pub type_byte: u8,
    pub key: Vec<u8>,
}

/// Splits and checks a vkey of any signature type.
pub fn split_vkey(vkey: &str) -> Result<VkeyParts, CosignatureError> {
    let bad = CosignatureError::MalformedKey;
    let (name, rest) = vkey
        .split_once('+')
        .ok_or(bad("missing '+' after the name"))?;
    let (id_hex, b64) = rest
        .split_once('+')
        .ok_or(bad("missing '+' after the key id"))?;
    check_name(name)?;
    let mut found = [0u8; 4];
    if id_hex.len() != 8 || hex::decode_to_slice(id_hex, &mut found).is_err() {
        return Err(bad("key id is not 8 hexadecimal digits"));
    }
    let raw = BASE64.decode(b64).map_err(|_| bad("key is not base64"))?;
    let (&type_byte, key) = raw.split_first().ok_or(bad("key is empty"))?;
    let expected = key_id(name, type_byte, key);
    if expected != found {
        return Err(CosignatureError::KeyIdMismatch {
            expected: hex::encode(expected),
            found: id_hex.to_string(),
        });
    }
    Ok(VkeyParts {
        name: name.to_string(),
        key_id: found,
        type_byte,
        key: key.to_vec(),
    })
}

#[derive(Clone)]
enum PublicKey {
    Ed25519(VerifyingKey),
    MlDsa44(Box<ml_dsa::VerifyingKey<MlDsa44>>),
}

/// A witness's public key: verifies its cosignatures.
#[derive(Clone)]
pub struct CosignatureVerifier {
    name: String,
    key_id: [u8; 4],
    key: PublicKey,
    /// The public key's bytes (32 for Ed25519, 1312 for ML-DSA-44).
    raw: Vec<u8>,
}

impl fmt::Debug for CosignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CosignatureVerifier")
            .field("name", &self.name)
            .field("key_id", &hex::encode(self.key_id))
            .field("algorithm", &self.algorithm())
            .finish()
    }
}

impl PartialEq for CosignatureVerifier {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.algorithm() == other.algorithm() && self.raw == other.raw
    }
}

impl Eq for CosignatureVerifier {}

impl CosignatureVerifier {
    /// Parses a cosigner vkey of type 0x04 (Ed25519, 32-byte key) or 0x06 (ML-DSA-44, 1312-byte
    /// key).
    pub fn parse(vkey: &str) -> Result<CosignatureVerifier, CosignatureError> {
        let p = split_vkey(vkey)?;
        Self::from_parts(&p.name, p.type_byte, &p.key)
    }

    fn from_parts(
        name: &str,
        type_byte: u8,
        key: &[u8],
    ) -> Result<CosignatureVerifier, CosignatureError> {
        check_name(name)?;
        let public = match type_byte {
            TYPE_ED25519 => {
                let bytes: [u8; 32] = key
                    .try_into()
                    .map_err(|_| CosignatureError::MalformedKey("Ed25519 key is not 32 bytes"))?;
                PublicKey::Ed25519(
                    VerifyingKey::from_bytes(&bytes)
                        .map_err(|_| CosignatureError::InvalidPublicKey)?,
                )
            }
            TYPE_ML_DSA_44 => {
                let enc = EncodedVerifyingKey::<MlDsa44>::try_from(key).map_err(|_| {
                    CosignatureError::MalformedKey("ML-DSA-44 key is not 1312 bytes")
                })?;
                // Every 1312-byte string is the encoding of some ML-DSA-44 key (FIPS 204
                // pkDecode: ρ and ten-bit coefficients of t1).
                PublicKey::MlDsa44(Box::new(ml_dsa::VerifyingKey::decode(&enc)))
            }
            other => return Err(CosignatureError::UnsupportedType(other)),
        };
        Ok(CosignatureVerifier {
            name: name.to_string(),
            key_id: key_id(name, type_byte, key),
            key: public,
            raw: key.to_vec(),
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    pub fn algorithm(&self) -> Algorithm {
        match self.key {
            PublicKey::Ed25519(_) => Algorithm::Ed25519,
            PublicKey::MlDsa44(_) => Algorithm::MlDsa44,
        }
    }

    pub fn public_key(&self) -> &[u8] {
        &self.raw
    }

    /// The vkey: `name+hex(key ID)+base64(type ‖ public key)`.
    pub fn to_vkey(&self) -> String {
        let mut k = Vec::with_capacity(1 + self.raw.len());
        k.push(self.algorithm().type_byte());
        k.extend_from_slice(&self.raw);
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            BASE64.encode(k)
        )
    }

    /// Whether a signature line names this key (same name and key ID); only such lines are
    /// checked, every other is ignored (signed-note "Signatures").
    pub fn matches(&self, sig: &note::NoteSignature) -> bool {
        sig.name == self.name && sig.key_id == self.key_id
    }

    /// Verifies one cosignature (the bytes after the key ID) over the checkpoint whose note
    /// text is `text`; returns its timestamp.
    pub fn verify(
        &self,
        text: &str,
        cp: &Checkpoint,
        signature: &[u8],
    ) -> Result<u64, CosignatureError> {
        let alg = self.algorithm();
        let expected = 8 + match alg {
            Algorithm::Ed25519 => 64,
            Algorithm::MlDsa44 => ML_DSA_44_SIGNATURE_LEN,
        };
        if signature.len() != expected {
            return Err(CosignatureError::WrongLength {
                alg,
                expected,
                found: signature.len(),
            });
        }
        let (ts, sig) = signature.split_at(8);
        // Eight bytes, by the length check above.
        let timestamp = u64::from_be_bytes(ts.try_into().unwrap_or([0xff; 8]));
        if timestamp > MAX_TIMESTAMP {
            return Err(CosignatureError::TimestampTooLarge(timestamp));
        }
        let bad = || CosignatureError::BadSignature {
            alg,
            name: self.name.clone(),
        };
        match &self.key {
            PublicKey::Ed25519(k) => {
                let s = Signature::from_slice(sig).map_err(|_| bad())?;
                k.verify_strict(&ed25519_message(text, timestamp), &s)
                    .map_err(|_| bad())?;
            }
            PublicKey::MlDsa44(k) => {
                let msg = ml_dsa_message(&self.name, timestamp, &cp.origin, 0, cp.size, cp)?;
                let s = ml_dsa::Signature::<MlDsa44>::try_from(sig).map_err(|_| bad())?;
                // ML-DSA.Verify (FIPS 204 Algorithm 3) with an empty context string.
                if !k.verify_with_context(&msg, &[], &s) {
                    return Err(bad());
                }
            }
        }
        Ok(timestamp)
    }
}

impl fmt::Display for CosignatureVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// The Ed25519 signed message: `cosignature/v1\ntime <timestamp>\n` then the whole note text
/// (tlog-cosignature, "Ed25519 signed message").
pub fn ed25519_message(text: &str, timestamp: u64) -> Vec<u8> {
    let mut m = Vec::with_capacity(48 + text.len());
    m.extend_from_slice(ED25519_HEADER.as_bytes());
    m.extend_from_slice(format!("time {timestamp}\n").as_bytes());
    m.extend_from_slice(text.as_bytes());
    m
}

/// The ML-DSA-44 signed message, `cosigned_message` in the TLS presentation language
/// (tlog-cosignature, "ML-DSA-44 signed message"):
///
/// ```text
/// uint8 label[12] = "subtree/v1\n\0"; opaque cosigner_name<1..2^8-1>; uint64 timestamp;
/// opaque log_origin<1..2^8-1>; uint64 start; uint64 end; uint8 hash[32];
/// ```
pub fn ml_dsa_message(
    cosigner: &str,
    timestamp: u64,
    origin: &str,
    start: u64,
    end: u64,
    cp: &Checkpoint,
) -> Result<Vec<u8>, CosignatureError> {
    check_name(cosigner)?;
    if origin.is_empty() || origin.len() > 255 {
        return Err(CosignatureError::OriginTooLong);
    }
    let mut m = Vec::with_capacity(12 + 2 + cosigner.len() + origin.len() + 24 + 32);
    m.extend_from_slice(ML_DSA_LABEL);
    // Lengths fit one byte: both are checked to be at most 255 bytes above.
    m.push(cosigner.len() as u8);
    m.extend_from_slice(cosigner.as_bytes());
    m.extend_from_slice(&timestamp.to_be_bytes());
    m.push(origin.len() as u8);
    m.extend_from_slice(origin.as_bytes());
    m.extend_from_slice(&start.to_be_bytes());
    m.extend_from_slice(&end.to_be_bytes());
    m.extend_from_slice(cp.root.as_bytes());
    Ok(m)
}

enum Secret {
    Ed25519(SigningKey),
    MlDsa44 {
        seed: [u8; 32],
        key: Box<ExpandedSigningKey<MlDsa44>>,
    },
}

/// A witness's signing key, named: makes cosignatures.
pub struct Cosigner {
    name: String,
    secret: Secret,
    verifier: CosignatureVerifier,
}

impl fmt::Debug for Cosigner {
    // The secret is left out so that it never reaches a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cosigner")
            .field("name", &self.name)
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

impl Cosigner {
    /// A cosigner from a 32-byte seed: the Ed25519 secret key (RFC 8032) or the ML-DSA-44 key
    /// generation seed ξ (FIPS 204 Algorithm 6, ML-DSA.KeyGen_internal).
    pub fn from_seed(
        name: &str,
        alg: Algorithm,
        seed: &[u8; 32],
    ) -> Result<Cosigner, CosignatureError> {
        check_name(name)?;
        let (secret, raw) = match alg {
            Algorithm::Ed25519 => {
                let k = SigningKey::from_bytes(seed);
                let raw = k.verifying_key().to_bytes().to_vec();
                (Secret::Ed25519(k), raw)
            }
            Algorithm::MlDsa44 => {
                let sk = ml_dsa::SigningKey::<MlDsa44>::from_seed(&B32::from(*seed));
                let raw = ml_dsa::signature::Keypair::verifying_key(&sk)
                    .encode()
                    .to_vec();
                let key = Box::new(sk.expanded_key().clone());
                (Secret::MlDsa44 { seed: *seed, key }, raw)
            }
        };
        let verifier = CosignatureVerifier::from_parts(name, alg.type_byte(), &raw)?;
        Ok(Cosigner {
            name: name.to_string(),
            secret,
            verifier,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn algorithm(&self) -> Algorithm {
        self.verifier.algorithm()
    }

    /// The seed the key derives from (secret: write it only to a private file).
    pub fn seed(&self) -> [u8; 32] {
        match &self.secret {
            Secret::Ed25519(k) => k.to_bytes(),
            Secret::MlDsa44 { seed, .. } => *seed,
        }
    }

    pub fn verifier(&self) -> &CosignatureVerifier {
        &self.verifier
    }

    /// Cosigns the checkpoint whose note text is `text` at `timestamp` (POSIX seconds) and
    /// returns the signature line `— name base64(key ID ‖ timestamp ‖ signature)\n`.
    ///
    /// `rnd` is ML-DSA's per-signature randomness (FIPS 204 Algorithm 2, "hedged" when random,
    /// deterministic when all zero); Ed25519 signing is deterministic and ignores it.
    pub fn cosign(
        &self,
        text: &str,
        cp: &Checkpoint,
        timestamp: u64,
        rnd: &[u8; 32],
    ) -> Result<String, CosignatureError> {
        if timestamp > MAX_TIMESTAMP {
            return Err(CosignatureError::TimestampTooLarge(timestamp));
        }
        let mut raw = Vec::with_capacity(12 + ML_DSA_44_SIGNATURE_LEN);
        raw.extend_from_slice(&self.verifier.key_id);
        raw.extend_from_slice(&timestamp.to_be_bytes());
        match &self.secret {
            Secret::Ed25519(k) => {
                raw.extend_from_slice(&k.sign(&ed25519_message(text, timestamp)).to_bytes());
            }
            Secret::MlDsa44 { key, .. } => {
                let msg = ml_dsa_message(&self.name, timestamp, &cp.origin, 0, cp.size, cp)?;
                // ML-DSA.Sign (FIPS 204 Algorithm 2) with an empty context: M' = 0x00 ‖
                // len(ctx) = 0x00 ‖ ctx (empty) ‖ M, then ML-DSA.Sign_internal.
                let sig = key.sign_internal(&[&[0u8, 0u8], &msg], &B32::from(*rnd));
                raw.extend_from_slice(&sig.encode());
            }
        }
        Ok(format!("\u{2014} {} {}\n", self.name, BASE64.encode(raw)))
    }
}

/// One witness a policy trusts: a label (the policy's own name for it) and its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    pub label: String,
    pub key: CosignatureVerifier,
}

/// Which witnesses must have cosigned: a witness, or at least `k` of a group's members.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Quorum {
    /// No cosignature is required (tlog-policy `quorum none`).
    None,
    /// The witness at this index of `Policy::witnesses`.
    Witness(usize),
    /// At least `k` of the members (1 <= k <= members.len()).
    Group { k: usize, members: Vec<Quorum> },
}

impl Quorum {
    fn met(&self, signed: &[bool]) -> bool {
        match self {
            Quorum::None => true,
            Quorum::Witness(i) => signed.get(*i).copied().unwrap_or(false),
            Quorum::Group { k, members } => members.iter().filter(|m| m.met(signed)).count() >= *k,
        }
    }
}

/// A witness policy: the witnesses trusted and the quorum a checkpoint needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    pub witnesses: Vec<Witness>,
    pub quorum: Quorum,
}

/// A valid cosignature found on a checkpoint.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Cosigned {
    /// The policy's label for the witness.
    pub witness: String,
    /// The witness's key name.
    pub name: String,
    pub key_id: String,
    pub algorithm: String,
    /// When the witness cosigned (POSIX seconds).
    pub timestamp: u64,
}

/// Why a checkpoint does not meet a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the checkpoint is not a valid signed note: {0}")]
    Note(#[from] NoteError),
    #[error("the checkpoint text: {0}")]
    Checkpoint(String),
    #[error("witness {witness}: {error}")]
    BadCosignature {
        witness: String,
        error: CosignatureError,
    },
    #[error("{have} of the trusted witnesses cosigned this checkpoint ({signed}); the policy needs {need}")]
    Quorum {
        have: usize,
        need: String,
        signed: String,
    },
    #[error("witness policy: {0}")]
    Invalid(String),
}

impl PolicyError {
    /// The stable failure code (SPEC.md §16.3, "Witness policy").
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::BadCosignature { .. } => "witness.signature",
            PolicyError::Invalid(_) => "witness.policy",
            _ => "witness.quorum",
        }
    }
}

impl Policy {
    /// `k` of the `witnesses`: the common policy. Refuses duplicate keys and a `k` outside
    /// 1..=n (0 is allowed only with no witnesses: no cosignature required).
    pub fn k_of_n(witnesses: Vec<Witness>, k: usize) -> Result<Policy, PolicyError> {
        check_unique(&witnesses)?;
        let n = witnesses.len();
        if n == 0 && k == 0 {
            return Ok(Policy {
                witnesses,
                quorum: Quorum::None,
            });
        }
        if k == 0 || k > n {
            return Err(PolicyError::Invalid(format!(
                "a quorum of {k} of {n} witnesses is impossible; give 1 to {n}"
            )));
        }
        let members = (0..n).map(Quorum::Witness).collect();
        Ok(Policy {
            witnesses,
            quorum: Quorum::Group { k, members },
        })
    }

    /// Parses a C2SP tlog-policy file (<https://c2sp.org/tlog-policy>): `witness NAME VKEY
    /// [URL]`, `group NAME all|any|K MEMBER...`, `quorum NAME|none`, comments and `log` lines
    /// (which are returned, since the ledger's key is checked separately). Returns the policy
    /// and the log vkeys.
    pub fn parse_tlog_policy(text: &str) -> Result<(Policy, Vec<String>), PolicyError> {
        let bad = |n: usize, m: String| PolicyError::Invalid(format!("line {n}: {m}"));
        let mut witnesses: Vec<Witness> = Vec::new();
        let mut names: Vec<(String, Quorum)> = Vec::new();
        let mut logs = Vec::new();
        let mut quorum = None;
        for (i, line) in text.split('\n').enumerate() {
            let n = i + 1;
            if let Some(b) = line
                .bytes()
                .find(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
            {
                return Err(bad(n, format!("control character 0x{b:02x}")));
            }
            let words: Vec<&str> = line.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
            let Some(&head) = words.first() else { continue };
            if head.starts_with('#') {
                continue;
            }
            let lookup = |name: &str, names: &[(String, Quorum)]| {
                names
                    .iter()
                    .find(|(x, _)| x == name)
                    .map(|(_, q)| q.clone())
            };
            match head {
                "log" if words.len() == 2 || words.len() == 3 => logs.push(words[1].to_string()),
                "witness" if words.len() == 3 || words.len() == 4 => {
                    let name = words[1];
                    if name == "none" || lookup(name, &names).is_some() {
                        return Err(bad(n, format!("the name {name:?} is already defined")));
                    }
                    let key = CosignatureVerifier::parse(words[2])
                        .map_err(|e| bad(n, format!("witness {name}: {e}")))?;
                    names.push((name.to_string(), Quorum::Witness(witnesses.len())));
                    witnesses.push(Witness {
                        label: name.to_string(),
                        key,
                    });
                }
                "group" if words.len() >= 4 => {
                    let name = words[1];
                    if name == "none" || lookup(name, &names).is_some() {
                        return Err(bad(n, format!("the name {name:?} is already defined")));
                    }
                    let member_names = &words[3..];
                    let mut members = Vec::new();
                    for (j, m) in member_names.iter().enumerate() {
                        if member_names[..j].contains(m) {
                            return Err(bad(n, format!("{m} is listed twice")));
                        }
                        members.push(lookup(m, &names).ok_or_else(|| {
                            bad(n, format!("{m} is not defined on an earlier line"))
                        })?);
                    }
                    let count = members.len();
                    let k = match words[2] {
                        "all" => count,
                        "any" => 1,
                        k if !k.is_empty()
                            && k.bytes().all(|b| b.is_ascii_digit())
                            && !(k.len() > 1 && k.starts_with('0')) =>
                        {
                            k.parse().unwrap_or(usize::MAX)
                        }
                        other => return Err(bad(n, format!("threshold {other:?}"))),
                    };
                    if k == 0 || k > count {
                        return Err(bad(n, format!("threshold {k} of {count} members")));
                    }
                    names.push((name.to_string(), Quorum::Group { k, members }));
                }
                "quorum" if words.len() == 2 => {
                    if quorum.is_some() {
                        return Err(bad(n, "a second quorum line".into()));
                    }
                    quorum = Some(if words[1] == "none" {
                        Quorum::None
                    } else {
                        lookup(words[1], &names).ok_or_else(|| {
                            bad(n, format!("{} is not defined on an earlier line", words[1]))
                        })?
                    });
                }
                other => return Err(bad(n, format!("cannot read a {other:?} line here"))),
            }
        }
        check_unique(&witnesses)?;
        let quorum =
            quorum.ok_or_else(|| PolicyError::Invalid("the policy has no quorum line".into()))?;
        Ok((Policy { witnesses, quorum }, logs))
    }

    /// A short description, e.g. "2 of 3 witnesses".
    pub fn describe(&self) -> String {
        match &self.quorum {
            Quorum::None => "no cosignature required".into(),
            Quorum::Witness(i) => format!("witness {}", self.witnesses[*i].label),
            Quorum::Group { k, members }
                if members.len() == self.witnesses.len()
                    && members.iter().all(|m| matches!(m, Quorum::Witness(_))) =>
            {
                format!("{k} of {} witnesses", members.len())
            }
            Quorum::Group { .. } => "the policy's groups".into(),
        }
    }

    /// Checks a signed checkpoint's cosignatures against the policy.
    ///
    /// Every signature line that names a trusted witness (name and key ID) must verify, or the
    /// whole checkpoint is refused (`witness.signature`, as signed-note advises for a known
    /// key); lines of other keys are ignored. Then the witnesses with a valid cosignature must
    /// meet the quorum (`witness.quorum`). The ledger's own signature is checked separately
    /// (`checkpoint::open`).
    pub fn check(&self, note_bytes: &[u8]) -> Result<Vec<Cosigned>, PolicyError> {
        let parsed = note::parse(note_bytes)?;
        let cp = Checkpoint::parse_text(&parsed.text)
            .map_err(|e| PolicyError::Checkpoint(e.to_string()))?;
        let found = verify_cosignatures(&self.witnesses, &parsed, &cp)?;
        let mut signed = vec![false; self.witnesses.len()];
        for c in &found {
            if let Some(i) = self.witnesses.iter().position(|w| w.label == c.witness) {
                signed[i] = true;
            }
        }
        if !self.quorum.met(&signed) {
            let names: Vec<&str> = found.iter().map(|c| c.witness.as_str()).collect();
            return Err(PolicyError::Quorum {
                have: found.len(),
                need: self.describe(),
                signed: if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                },
            });
        }
        Ok(found)
    }
}

fn check_unique(witnesses: &[Witness]) -> Result<(), PolicyError> {
    for (i, w) in witnesses.iter().enumerate() {
        if let Some(d) = witnesses[..i]
            .iter()
            .find(|x| x.key.public_key() == w.key.public_key() || x.label == w.label)
        {
            return Err(PolicyError::Invalid(format!(
                "witnesses {} and {} are the same witness (one name or one key)",
                d.label, w.label
            )));
        }
    }
    Ok(())
}

/// The valid cosignatures by `witnesses` on a parsed note (one per witness, the first valid
/// line). A line that names a witness but does not verify is an error.
pub fn verify_cosignatures(
    witnesses: &[Witness],
    parsed: &note::Note,
    cp: &Checkpoint,
) -> Result<Vec<Cosigned>, PolicyError> {
    let mut found = Vec::new();
    for w in witnesses {
        let mut first = None;
        for sig in parsed.signatures.iter().filter(|s| w.key.matches(s)) {
            let ts = w
                .key
                .verify(&parsed.text, cp, &sig.signature)
                .map_err(|error| PolicyError::BadCosignature {
                    witness: w.label.clone(),
                    error,
                })?;
            first.get_or_insert(ts);
        }
        if let Some(timestamp) = first {
            found.push(Cosigned {
                witness: w.label.clone(),
                name: w.key.name().to_string(),
                key_id: hex::encode(w.key.key_id()),
                algorithm: w.key.algorithm().to_string(),
                timestamp,
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    fn cp() -> (String, Checkpoint) {
        let cp = Checkpoint {
            origin: "example.com/behind-the-sofa".into(),
            size: 20852163,
            root: leaf_hash(b"x"),
            extensions: vec![],
        };
        (cp.to_text(), cp)
    }

    fn witness(label: &str, alg: Algorithm, seed: u8) -> (Cosigner, Witness) {
        let c = Cosigner::from_seed(&format!("{label}.example/w"), alg, &[seed; 32]).unwrap();
        let w = Witness {
            label: label.into(),
            key: c.verifier().clone(),
        };
        (c, w)
    }

    fn note_with(lines: &[String]) -> String {
        let (text, _) = cp();
        format!("{text}\n{}", lines.concat())
    }

    #[test]
    fn both_algorithms_round_trip_and_keys_parse_back() {
        let (text, c) = cp();
        for alg in [Algorithm::Ed25519, Algorithm::MlDsa44] {
            let (signer, w) = witness("a", alg, 3);
            let line = signer.cosign(&text, &c, 1679315147, &[0; 32]).unwrap();
            let parsed = note::parse(note_with(&[line]).as_bytes()).unwrap();
            let sig = &parsed.signatures[0];
            assert!(w.key.matches(sig));
            let len = if alg == Algorithm::Ed25519 { 72 } else { 2428 };
            assert_eq!(sig.signature.len(), len);
            assert_eq!(w.key.verify(&text, &c, &sig.signature), Ok(1679315147));
            let vkey = w.key.to_vkey();
            assert_eq!(CosignatureVerifier::parse(&vkey).unwrap(), w.key);
            // The key ID formula with this type byte.
            let mut input = w.key.name().as_bytes().to_vec();
            input.push(b'\n');
            input.push(alg.type_byte());
            input.extend_from_slice(w.key.public_key());
            assert_eq!(w.key.key_id()[..], Sha256::digest(&input)[..4]);
        }
    }

    #[test]
    fn a_changed_byte_anywhere_fails() {
        let (text, c) = cp();
        for alg in [Algorithm::Ed25519, Algorithm::MlDsa44] {
            let (signer, w) = witness("a", alg, 4);
            let line = signer.cosign(&text, &c, 5, &[1; 32]).unwrap();
            let parsed = note::parse(note_with(&[line]).as_bytes()).unwrap();
            let sig = parsed.signatures[0].signature.clone();
            for i in [0, 7, 8, 40, sig.len() - 1] {
                let mut s = sig.clone();
                s[i] ^= 1;
                assert!(w.key.verify(&text, &c, &s).is_err(), "{alg} byte {i}");
            }
            let other = Checkpoint {
                size: c.size + 1,
                ..c.clone()
            };
            assert!(w.key.verify(&other.to_text(), &other, &sig).is_err());
        }
    }

    #[test]
    fn policy_counts_witnesses_and_refuses_bad_lines() {
        let (text, c) = cp();
        let (s1, w1) = witness("one", Algorithm::Ed25519, 1);
        let (s2, w2) = witness("two", Algorithm::MlDsa44, 2);
        let (_, w3) = witness("three", Algorithm::Ed25519, 3);
        let p = Policy::k_of_n(vec![w1, w2, w3], 2).unwrap();
        let l1 = s1.cosign(&text, &c, 10, &[0; 32]).unwrap();
        let l2 = s2.cosign(&text, &c, 11, &[0; 32]).unwrap();
        let got = p
            .check(note_with(&[l1.clone(), l2.clone()]).as_bytes())
            .unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].timestamp, 11);
        let one = p
            .check(note_with(std::slice::from_ref(&l1)).as_bytes())
            .unwrap_err();
        assert_eq!(one.code(), "witness.quorum");
        // A bad line from a trusted witness fails even with the quorum met.
        let (head, b64) = l2.trim_end().rsplit_once(' ').unwrap();
        let mut raw = BASE64.decode(b64).unwrap();
        raw[100] ^= 1;
        let bad = format!("{head} {}\n", BASE64.encode(&raw));
        let e = p
            .check(note_with(&[l1.clone(), bad]).as_bytes())
            .unwrap_err();
        assert_eq!(e.code(), "witness.signature", "{e}");
        let (other, _) = witness("two", Algorithm::Ed25519, 9);
        let forged = other.cosign(&text, &c, 12, &[0; 32]).unwrap();
        // Same name, another key: another key ID, so the line is ignored, not counted.
        assert_eq!(
            p.check(note_with(&[l1, forged]).as_bytes())
                .unwrap_err()
                .code(),
            "witness.quorum"
        );
        assert!(Policy::k_of_n(vec![], 1).is_err());
    }

    #[test]
    fn tlog_policy_groups() {
        let k = |l, s| witness(l, Algorithm::Ed25519, s).1.key.to_vkey();
        let text = format!(
            "# comment\nlog example.com/log+00000000+AQ==\nwitness X1 {}\nwitness X2 {}\n\twitness Y1 {} https://y1.example/\ngroup X 2 X1 X2\ngroup XY all X Y1\nquorum XY\n",
            k("x1", 1), k("x2", 2), k("y1", 3)
        );
        let (p, logs) = Policy::parse_tlog_policy(&text).unwrap();
        assert_eq!(logs.len(), 1);
        assert!(p.quorum.met(&[true, true, true]));
        assert!(!p.quorum.met(&[true, false, true]));
        for bad in [
            "quorum none\nquorum none\n",
            "group G 1 X\nquorum G\n",
            "witness A bad\nquorum A\n",
            "quorum Q\n",
            "",
        ] {
            assert!(Policy::parse_tlog_policy(bad).is_err(), "{bad:?}");
        }
        let (none, _) = Policy::parse_tlog_policy("quorum none\n").unwrap();
        assert!(none.check(note_with(&[]).as_bytes()).is_err()); // no signature line at all
    }

    #[test]
    fn keys_of_other_types_or_lengths_are_refused() {
        let (_, w) = witness("a", Algorithm::Ed25519, 1);
        let vkey = w.key.to_vkey();
        let (name, rest) = vkey.split_once('+').unwrap();
        let (_, b64) = rest.split_once('+').unwrap();
        let mut raw = BASE64.decode(b64).unwrap();
        raw[0] = 0x01;
        let id = hex::encode(key_id(name, 0x01, &raw[1..]));
        let v1 = format!("{name}+{id}+{}", BASE64.encode(&raw));
        assert_eq!(
            CosignatureVerifier::parse(&v1),
            Err(CosignatureError::UnsupportedType(0x01))
        );
        raw[0] = 0x06;
        let id = hex::encode(key_id(name, 0x06, &raw[1..]));
        let short = format!("{name}+{id}+{}", BASE64.encode(&raw));
        assert!(matches!(
            CosignatureVerifier::parse(&short),
            Err(CosignatureError::MalformedKey(_))
        ));
    }
}
