//! C2SP signed notes with Ed25519 keys: verifier keys, signing, opening (SPEC.md, "Checkpoints").
//!
//! The format follows <https://c2sp.org/signed-note>: a UTF-8 text ending in a newline, a blank
//! line, then one or more lines `— <key name> base64(key ID ‖ signature)`. Only Ed25519
//! (signature type 0x01) is implemented. Signatures by keys other than the one the caller trusts
//! (for example witness cosignatures) are parsed for structure and otherwise ignored, as the
//! specification requires.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;

/// The signature type identifier byte of Ed25519 note signatures.
pub const ALG_ED25519: u8 = 0x01;

/// The most signature lines a note may carry.
///
/// The specification requires accepting at least 16 and asks verifiers to set some limit; 100 is
/// the limit of the Go reference implementation (golang.org/x/mod/sumdb/note), so notes that Go
/// accepts are accepted here too.
pub const MAX_SIGNATURES: usize = 100;

/// The prefix of every signature line: an em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a note, a verifier key or a signing request was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("note is not valid UTF-8 (at byte {offset})")]
    NotUtf8 { offset: usize },
    #[error(
        "note contains control character 0x{byte:02x} at byte {offset}; only newline is allowed"
    )]
    ControlCharacter { offset: usize, byte: u8 },
    #[error("note has no blank line separating the text from the signatures")]
    MissingSeparator,
    #[error("note has no signature lines after the blank line")]
    NoSignatures,
    #[error("note does not end in a newline after its last signature line")]
    MissingFinalNewline,
    #[error("note has more than {max} signature lines")]
    TooManySignatures { max: usize },
    #[error("signature line {line}: {problem}")]
    MalformedSignatureLine { line: usize, problem: &'static str },
    #[error("note text does not end in a newline")]
    TextNotNewlineTerminated,
    #[error("invalid key name {name:?}: it must be non-empty and contain no spaces or '+'")]
    InvalidName { name: String },
    #[error("malformed verifier key: {problem}")]
    MalformedVerifierKey { problem: &'static str },
    #[error("verifier key has signature type 0x{alg:02x}; only Ed25519 (0x01) is supported")]
    UnsupportedAlgorithm { alg: u8 },
    #[error("verifier key id {found} does not match its name and key (expected {expected})")]
    KeyIdMismatch { expected: String, found: String },
    #[error("verifier key is not a valid Ed25519 public key")]
    InvalidPublicKey,
    #[error("signature by {name}+{key_id} does not verify")]
    BadSignature { name: String, key_id: String },
    #[error("note carries no signature from key {name:?}")]
    NoSignatureFromKey { name: String },
}

/// key ID = first 4 bytes of SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)
pub fn key_id(name: &str, public_key: &[u8; 32]) -> [u8; 4] {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', ALG_ED25519]);
    h.update(public_key);
    let digest = h.finalize();
    [digest[0], digest[1], digest[2], digest[3]]
}

/// Reports whether `name` is a valid key name: non-empty, no Unicode white space, no '+'.
///
/// `char::is_whitespace` uses the Unicode White_Space property, the same set as Go's
/// `unicode.IsSpace`, which the reference implementation uses.
fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if is_valid_name(name) {
        Ok(())
    } else {
        Err(NoteError::InvalidName {
            name: name.to_string(),
        })
    }
}

/// Checks that `bytes` is UTF-8 with no ASCII control character other than newline, the rule
/// the specification sets for whole notes (and so for their texts).
fn check_note_bytes(bytes: &[u8]) -> Result<&str, NoteError> {
    let text = std::str::from_utf8(bytes).map_err(|e| NoteError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    if let Some(offset) = bytes.iter().position(|&b| b < 0x20 && b != b'\n') {
        return Err(NoteError::ControlCharacter {
            offset,
            byte: bytes[offset],
        });
    }
    Ok(text)
}

/// A named Ed25519 key that signs notes.
#[derive(Clone)]
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    key_id: [u8; 4],
}

impl fmt::Debug for NoteSigner {
    // The secret key is deliberately left out so that it never reaches logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NoteSigner")
            .field("name", &self.name)
            .field("key_id", &hex::encode(self.key_id))
            .finish_non_exhaustive()
    }
}

impl NoteSigner {
    pub fn new(name: &str, key: SigningKey) -> Result<Self, NoteError> {
        check_name(name)?;
        let key_id = key_id(name, key.verifying_key().as_bytes());
        Ok(NoteSigner {
            name: name.to_string(),
            key,
            key_id,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
        }
    }

    /// Signs `text` and returns the whole note: the text, a blank line and one signature line.
    ///
    /// The text is checked against the note rules first, because a signature over a text that
    /// cannot appear in a note would produce a note that nobody can open.
    pub fn sign(&self, text: &str) -> Result<String, NoteError> {
        check_note_bytes(text.as_bytes())?;
        if !text.ends_with('\n') {
            return Err(NoteError::TextNotNewlineTerminated);
        }
        let signature = self.key.sign(text.as_bytes());
        let mut raw = Vec::with_capacity(4 + 64);
        raw.extend_from_slice(&self.key_id);
        raw.extend_from_slice(&signature.to_bytes());
        Ok(format!(
            "{text}\n{SIG_PREFIX}{} {}\n",
            self.name,
            BASE64.encode(raw)
        ))
    }
}

/// A named Ed25519 public key that verifies notes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: [u8; 4],
    key: VerifyingKey,
}

impl NoteVerifier {
    /// Parses a verifier key `name+hexkeyid+base64(0x01 ‖ pubkey)`.
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let (name, rest) = vkey
            .split_once('+')
            .ok_or(NoteError::MalformedVerifierKey {
                problem: "missing '+' after the name",
            })?;
        let (id_hex, key_b64) = rest
            .split_once('+')
            .ok_or(NoteError::MalformedVerifierKey {
                problem: "missing '+' after the key id",
            })?;
        check_name(name)?;
        // Hex is lowercase (SPEC.md, "Conventions"): one key has one verifier key text, so an
        // uppercase key ID is refused rather than read as the same key.
        if id_hex.len() != 8
            || !id_hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return Err(NoteError::MalformedVerifierKey {
                problem: "key id is not 8 lowercase hexadecimal digits",
            });
        }
        let mut found = [0u8; 4];
        hex::decode_to_slice(id_hex, &mut found).map_err(|_| NoteError::MalformedVerifierKey {
            problem: "key id is not 8 lowercase hexadecimal digits",
        })?;
        let key = BASE64
            .decode(key_b64)
            .map_err(|_| NoteError::MalformedVerifierKey {
                problem: "key is not base64",
            })?;
        let (&alg, public) = key.split_first().ok_or(NoteError::MalformedVerifierKey {
            problem: "key is empty",
        })?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnsupportedAlgorithm { alg });
        }
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| NoteError::MalformedVerifierKey {
                problem: "Ed25519 public key is not 32 bytes",
            })?;
        let expected = key_id(name, &public);
        if expected != found {
            return Err(NoteError::KeyIdMismatch {
                expected: hex::encode(expected),
                found: id_hex.to_string(),
            });
        }
        let key = VerifyingKey::from_bytes(&public).map_err(|_| NoteError::InvalidPublicKey)?;
        Ok(NoteVerifier {
            name: name.to_string(),
            key_id: expected,
            key,
        })
    }

    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(NoteVerifier {
            name: name.to_string(),
            key_id: key_id(name, key.as_bytes()),
            key,
        })
    }

    /// The verifier key in the form `name+hexkeyid+base64(0x01 ‖ pubkey)`.
    pub fn to_vkey(&self) -> String {
        let mut key = Vec::with_capacity(33);
        key.push(ALG_ED25519);
        key.extend_from_slice(self.key.as_bytes());
        format!(
            "{}+{}+{}",
            self.name,
            hex::encode(self.key_id),
            BASE64.encode(key)
        )
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    fn matches(&self, sig: &NoteSignature) -> bool {
        sig.name == self.name && sig.key_id == self.key_id
    }

    /// Whether `signature` (the bytes after the key ID) is this key's valid signature over the
    /// note text `text`, checked as `open` checks it.
    pub fn verify_signature(&self, text: &[u8], signature: &[u8]) -> bool {
        Signature::from_slice(signature)
            .map(|s| self.key.verify_strict(text, &s).is_ok())
            .unwrap_or(false)
    }
}

impl fmt::Display for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_vkey())
    }
}

/// A parsed note: its text (with the final newline) and its signature lines in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

/// One signature line: the key name, the key ID and the signature bytes after the key ID.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: [u8; 4],
    pub signature: Vec<u8>,
}

/// Parses a note's structure without verifying any signature.
///
/// Every signature line is returned, including repeated ones, so that callers can see exactly
/// what the note carries.
pub fn parse(note: &[u8]) -> Result<Note, NoteError> {
    let note = check_note_bytes(note)?;
    // The text is separated from the signatures by the last blank line, so the text itself may
    // contain blank lines.
    let split = note.rfind("\n\n").ok_or(NoteError::MissingSeparator)?;
    let text = &note[..split + 1];
    let block = &note[split + 2..];
    if block.is_empty() {
        return Err(NoteError::NoSignatures);
    }
    let Some(block) = block.strip_suffix('\n') else {
        return Err(NoteError::MissingFinalNewline);
    };

    let mut signatures = Vec::new();
    for (index, line) in block.split('\n').enumerate() {
        let line_no = index + 1;
        if line_no > MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures {
                max: MAX_SIGNATURES,
            });
        }
        signatures.push(parse_signature_line(line, line_no)?);
    }
    Ok(Note {
        text: text.to_string(),
        signatures,
    })
}

fn parse_signature_line(line: &str, line_no: usize) -> Result<NoteSignature, NoteError> {
    let bad = |problem| NoteError::MalformedSignatureLine {
        line: line_no,
        problem,
    };
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or(bad("does not start with an em dash and a space"))?;
    let (name, b64) = rest
        .split_once(' ')
        .ok_or(bad("no space between the key name and the signature"))?;
    if !is_valid_name(name) {
        return Err(bad(
            "invalid key name (must be non-empty, without spaces or '+')",
        ));
    }
    if b64.is_empty() {
        return Err(bad("empty signature"));
    }
    let raw = BASE64.decode(b64).map_err(|_| bad("not base64"))?;
    // Four bytes of key ID and at least one byte of signature, as in the Go implementation.
    if raw.len() < 5 {
        return Err(bad("signature shorter than 5 bytes"));
    }
    Ok(NoteSignature {
        name: name.to_string(),
        key_id: [raw[0], raw[1], raw[2], raw[3]],
        signature: raw[4..].to_vec(),
    })
}

/// Parses a note and checks that `verifier` signed it.
///
/// Signature lines from other keys (another name or another key ID) are ignored. Every line that
/// names this verifier's name and key ID must verify: one that does not makes the whole note
/// invalid, as the specification recommends, even if another such line verifies.
pub fn open(note: &[u8], verifier: &NoteVerifier) -> Result<Note, NoteError> {
    let parsed = parse(note)?;
    let mut verified = false;
    for sig in parsed.signatures.iter().filter(|s| verifier.matches(s)) {
        let ok = Signature::from_slice(&sig.signature)
            .map(|s| {
                verifier
                    .key
                    .verify_strict(parsed.text.as_bytes(), &s)
                    .is_ok()
            })
            .unwrap_or(false);
        if !ok {
            return Err(NoteError::BadSignature {
                name: sig.name.clone(),
                key_id: hex::encode(sig.key_id),
            });
        }
        verified = true;
    }
    if verified {
        Ok(parsed)
    } else {
        Err(NoteError::NoSignatureFromKey {
            name: verifier.name.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAME: &str = "example.com/log";

    fn signer() -> NoteSigner {
        NoteSigner::new(NAME, SigningKey::from_bytes(&[7u8; 32])).expect("valid name")
    }

    fn other_signer(name: &str) -> NoteSigner {
        NoteSigner::new(name, SigningKey::from_bytes(&[9u8; 32])).expect("valid name")
    }

    /// A signature line shaped like a C2SP Ed25519 cosignature: key ID, 8-byte timestamp and a
    /// 64-byte signature, 76 bytes in all, under another name.
    fn cosignature_line() -> String {
        let mut raw = vec![0xAB, 0xCD, 0xEF, 0x01];
        raw.extend_from_slice(&1_679_315_147u64.to_be_bytes());
        raw.extend_from_slice(&[0x5A; 64]);
        format!("— witness.example/w1 {}\n", BASE64.encode(raw))
    }

    #[test]
    fn sign_then_open_round_trips() {
        let s = signer();
        let text = "hello\n\nworld\n";
        let note = s.sign(text).expect("sign");
        assert!(note.starts_with("hello\n\nworld\n\n— example.com/log "));
        let opened = open(note.as_bytes(), &s.verifier()).expect("open");
        assert_eq!(opened.text, text);
        assert_eq!(opened.signatures.len(), 1);
        assert_eq!(opened.signatures[0].name, NAME);
        assert_eq!(opened.signatures[0].key_id, s.key_id());
        assert_eq!(opened.signatures[0].signature.len(), 64);
    }

    #[test]
    fn signing_is_deterministic() {
        assert_eq!(signer().sign("a\n"), signer().sign("a\n"));
    }

    #[test]
    fn key_id_matches_the_formula() {
        let s = signer();
        let public = s.verifier().public_key();
        let mut input = NAME.as_bytes().to_vec();
        input.extend_from_slice(&[0x0A, 0x01]);
        input.extend_from_slice(&public);
        assert_eq!(s.key_id()[..], Sha256::digest(&input)[..4]);
        assert_eq!(key_id(NAME, &public), s.key_id());
    }

    #[test]
    fn vkey_round_trips_and_displays() {
        let v = signer().verifier();
        let vkey = v.to_vkey();
        assert_eq!(vkey, v.to_string());
        assert!(vkey.starts_with("example.com/log+"));
        assert_eq!(NoteVerifier::parse(&vkey), Ok(v.clone()));
        let rebuilt = NoteVerifier::new(NAME, VerifyingKey::from_bytes(&v.public_key()).unwrap());
        assert_eq!(rebuilt, Ok(v));
    }

    #[test]
    fn vkey_errors() {
        let vkey = signer().verifier().to_vkey();
        let (name, rest) = vkey.split_once('+').unwrap();
        let (id, key) = rest.split_once('+').unwrap();

        // Wrong key ID.
        let wrong_id = format!("{name}+00000000+{key}");
        assert!(matches!(
            NoteVerifier::parse(&wrong_id),
            Err(NoteError::KeyIdMismatch { .. })
        ));
        // Another name with the same key ID and key.
        let renamed = format!("example.com/other+{id}+{key}");
        assert!(matches!(
            NoteVerifier::parse(&renamed),
            Err(NoteError::KeyIdMismatch { .. })
        ));
        // Type byte other than 0x01.
        let mut raw = BASE64.decode(key).unwrap();
        raw[0] = 0x04;
        let other_alg = format!("{name}+{id}+{}", BASE64.encode(&raw));
        assert_eq!(
            NoteVerifier::parse(&other_alg),
            Err(NoteError::UnsupportedAlgorithm { alg: 0x04 })
        );
        // Truncated key.
        raw[0] = 0x01;
        let short = format!("{name}+{id}+{}", BASE64.encode(&raw[..32]));
        assert!(matches!(
            NoteVerifier::parse(&short),
            Err(NoteError::MalformedVerifierKey { .. })
        ));
        // The same key with its key ID in uppercase: a second spelling, refused.
        let upper = format!("{name}+{}+{key}", id.to_uppercase());
        assert_ne!(upper, vkey, "the test key's id has a letter");
        assert_eq!(
            NoteVerifier::parse(&upper),
            Err(NoteError::MalformedVerifierKey {
                problem: "key id is not 8 lowercase hexadecimal digits"
            })
        );
        for bad in [
            "",
            "name",
            "name+0011",
            "name+001122+AQ==",
            "name+zzzzzzzz+AQ==",
            "name+00112233+!!!",
            "name+00112233+",
            "+00112233+AQ==",
            "na me+00112233+AQ==",
        ] {
            assert!(NoteVerifier::parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            NoteVerifier::new("bad name", signer().verifier().key),
            Err(NoteError::InvalidName { .. })
        ));
    }

    #[test]
    fn signer_rejects_bad_names_and_texts() {
        for name in ["", "a b", "a+b", "a\u{00A0}b", "a\nb"] {
            assert!(matches!(
                NoteSigner::new(name, SigningKey::from_bytes(&[7u8; 32])),
                Err(NoteError::InvalidName { .. })
            ));
        }
        let s = signer();
        assert_eq!(
            s.sign("no newline"),
            Err(NoteError::TextNotNewlineTerminated)
        );
        assert!(matches!(
            s.sign("tab\there\n"),
            Err(NoteError::ControlCharacter { byte: 0x09, .. })
        ));
    }

    #[test]
    fn tampered_text_fails() {
        let s = signer();
        let note = s.sign("size 10\n").unwrap().replacen("10", "11", 1);
        assert!(matches!(
            open(note.as_bytes(), &s.verifier()),
            Err(NoteError::BadSignature { .. })
        ));
    }

    #[test]
    fn tampered_signature_fails() {
        let s = signer();
        let note = s.sign("text\n").unwrap();
        let (head, b64) = note.trim_end().rsplit_once(' ').unwrap();
        let mut raw = BASE64.decode(b64).unwrap();
        raw[10] ^= 1;
        let note = format!("{head} {}\n", BASE64.encode(&raw));
        assert!(matches!(
            open(note.as_bytes(), &s.verifier()),
            Err(NoteError::BadSignature { .. })
        ));
        // A signature of the wrong length from the trusted key is a bad signature too.
        let short = format!("{head} {}\n", BASE64.encode(&raw[..40]));
        assert!(matches!(
            open(short.as_bytes(), &s.verifier()),
            Err(NoteError::BadSignature { .. })
        ));
    }

    #[test]
    fn other_key_id_or_name_is_not_a_match() {
        let s = signer();
        let note = s.sign("text\n").unwrap();
        // Same name, other key: another key ID, so the line is ignored.
        let other_key = other_signer(NAME).verifier();
        assert_eq!(
            open(note.as_bytes(), &other_key),
            Err(NoteError::NoSignatureFromKey { name: NAME.into() })
        );
        // Same key, other name.
        let other_name =
            NoteVerifier::new("example.com/other", s.verifier().key).expect("valid name");
        assert!(matches!(
            open(note.as_bytes(), &other_name),
            Err(NoteError::NoSignatureFromKey { .. })
        ));
        // The key ID on the line altered: no longer this key's line.
        let (head, b64) = note.trim_end().rsplit_once(' ').unwrap();
        let mut raw = BASE64.decode(b64).unwrap();
        raw[0] ^= 0xFF;
        let altered = format!("{head} {}\n", BASE64.encode(&raw));
        assert!(matches!(
            open(altered.as_bytes(), &s.verifier()),
            Err(NoteError::NoSignatureFromKey { .. })
        ));
        // The name on the line altered.
        let renamed = note.replace("— example.com/log ", "— example.com/lag ");
        assert!(matches!(
            open(renamed.as_bytes(), &s.verifier()),
            Err(NoteError::NoSignatureFromKey { .. })
        ));
    }

    #[test]
    fn unknown_signatures_are_ignored() {
        let s = signer();
        let note = s.sign("text\n").unwrap();
        let before = note.replacen("\n\n", &format!("\n\n{}", cosignature_line()), 1);
        let after = format!("{note}{}", cosignature_line());
        let witness = other_signer("witness.example/w2").sign("text\n").unwrap();
        let witness_line = witness.rsplit_once("\n\n").unwrap().1;
        let both = format!("{note}{witness_line}");
        for n in [before, after, both] {
            let opened = open(n.as_bytes(), &s.verifier()).expect("open");
            assert_eq!(opened.text, "text\n");
            assert_eq!(opened.signatures.len(), 2);
        }
    }

    #[test]
    fn a_second_bad_line_from_the_key_is_fatal() {
        let s = signer();
        let note = s.sign("text\n").unwrap();
        let line = note.rsplit_once("\n\n").unwrap().1.to_string();
        let (head, b64) = line.trim_end().rsplit_once(' ').unwrap();
        let mut raw = BASE64.decode(b64).unwrap();
        raw[40] ^= 0x80;
        let bad_line = format!("{head} {}\n", BASE64.encode(&raw));
        let doubled = format!("{note}{bad_line}");
        assert!(matches!(
            open(doubled.as_bytes(), &s.verifier()),
            Err(NoteError::BadSignature { .. })
        ));
        // An exact duplicate of a good line is fine.
        let dup = format!("{note}{line}");
        assert!(open(dup.as_bytes(), &s.verifier()).is_ok());
    }

    #[test]
    fn malformed_notes_are_rejected() {
        let s = signer();
        let good = s.sign("text\n").unwrap();
        let line = good.rsplit_once("\n\n").unwrap().1;
        let b64 = line.trim_end().rsplit_once(' ').unwrap().1;
        let cases: Vec<(Vec<u8>, NoteError)> = vec![
            (
                format!("text\n{line}").into_bytes(),
                NoteError::MissingSeparator,
            ),
            (b"text\n\n".to_vec(), NoteError::NoSignatures),
            (
                good.trim_end().as_bytes().to_vec(),
                NoteError::MissingFinalNewline,
            ),
            (
                format!("text\n\n- example.com/log {b64}\n").into_bytes(),
                NoteError::MalformedSignatureLine {
                    line: 1,
                    problem: "does not start with an em dash and a space",
                },
            ),
            (
                format!("text\n\n{line}— example.com/log !!notbase64!!\n").into_bytes(),
                NoteError::MalformedSignatureLine {
                    line: 2,
                    problem: "not base64",
                },
            ),
            (
                format!("text\n\n— example.com/log {}\n", &b64[..b64.len() - 1]).into_bytes(),
                NoteError::MalformedSignatureLine {
                    line: 1,
                    problem: "not base64",
                },
            ),
            (
                "text\n\n— example.com/log AAAAAA==\n".as_bytes().to_vec(),
                NoteError::MalformedSignatureLine {
                    line: 1,
                    problem: "signature shorter than 5 bytes",
                },
            ),
            (
                "text\n\n— example.com/log \n".as_bytes().to_vec(),
                NoteError::MalformedSignatureLine {
                    line: 1,
                    problem: "empty signature",
                },
            ),
            (
                format!("text\n\n— example.com/log{b64}\n").into_bytes(),
                NoteError::MalformedSignatureLine {
                    line: 1,
                    problem: "no space between the key name and the signature",
                },
            ),
            (
                format!("text\n\n— a+b {b64}\n").into_bytes(),
                NoteError::MalformedSignatureLine {
                    line: 1,
                    problem: "invalid key name (must be non-empty, without spaces or '+')",
                },
            ),
            (
                format!("text\n\n—  {b64}\n").into_bytes(),
                NoteError::MalformedSignatureLine {
                    line: 1,
                    problem: "invalid key name (must be non-empty, without spaces or '+')",
                },
            ),
            (
                format!("text\n\n— example.com/log {b64} extra\n").into_bytes(),
                NoteError::MalformedSignatureLine {
                    line: 1,
                    problem: "not base64",
                },
            ),
            (
                good.replace("text", "te\rxt").into_bytes(),
                NoteError::ControlCharacter {
                    offset: 2,
                    byte: 0x0D,
                },
            ),
            (
                [b"te\xffxt\n\n", line.as_bytes()].concat(),
                NoteError::NotUtf8 { offset: 2 },
            ),
            (b"".to_vec(), NoteError::MissingSeparator),
            (b"\n".to_vec(), NoteError::MissingSeparator),
        ];
        for (input, want) in cases {
            assert_eq!(parse(&input), Err(want.clone()), "{input:?}");
            assert_eq!(open(&input, &s.verifier()), Err(want), "{input:?}");
        }
    }

    #[test]
    fn signature_count_limit() {
        let s = signer();
        let note = s.sign("text\n").unwrap();
        let cosig = cosignature_line();
        let at_limit = format!("{note}{}", cosig.repeat(MAX_SIGNATURES - 1));
        assert_eq!(
            open(at_limit.as_bytes(), &s.verifier())
                .unwrap()
                .signatures
                .len(),
            MAX_SIGNATURES
        );
        let over = format!("{note}{}", cosig.repeat(MAX_SIGNATURES));
        assert_eq!(
            open(over.as_bytes(), &s.verifier()),
            Err(NoteError::TooManySignatures {
                max: MAX_SIGNATURES
            })
        );
    }

    #[test]
    fn errors_read_clearly() {
        let e = NoteError::MalformedSignatureLine {
            line: 2,
            problem: "not base64",
        };
        assert_eq!(e.to_string(), "signature line 2: not base64");
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A small deterministic fuzz over mutations of a good note: every result must be an
        // error or a successful parse, never a panic.
        let s = signer();
        let v = s.verifier();
        let good = s.sign("origin\n5\nroot\n").unwrap().into_bytes();
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let mut m = good.clone();
            let pos = (state as usize) % m.len();
            match (state >> 32) % 3 {
                0 => m[pos] = (state >> 40) as u8,
                1 => m.truncate(pos),
                _ => m.insert(pos, (state >> 48) as u8),
            }
            let _ = parse(&m);
            if let Ok(n) = open(&m, &v) {
                assert_eq!(n.text.as_bytes(), &good[..n.text.len()]);
            }
        }
    }
}
