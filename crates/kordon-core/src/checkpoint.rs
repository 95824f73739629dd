//! C2SP tlog-checkpoint: origin, tree size, root hash; signed as a note by the ledger key.
//!
//! The text format follows <https://c2sp.org/tlog-checkpoint>: the origin, the tree size in
//! decimal without leading zeros, the standard base64 of the 32-byte RFC 6962 root hash, then
//! optional non-empty extension lines, each line ending in a newline. The checkpoint is signed as
//! a signed note (see `note.rs`) whose key name is the origin.

use crate::hash::Hash;
use crate::note::{self, NoteError, NoteSigner, NoteVerifier};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

/// Why a checkpoint could not be parsed, signed or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Note(#[from] NoteError),
    #[error("checkpoint text does not end in a newline")]
    NotNewlineTerminated,
    #[error("checkpoint text has {found} lines; it needs at least 3 (origin, size, root hash)")]
    TooFewLines { found: usize },
    #[error("checkpoint line {line} contains a control character")]
    ControlCharacter { line: usize },
    #[error("checkpoint origin (line 1) is empty")]
    EmptyOrigin,
    #[error("checkpoint size (line 2) {size:?} is not a decimal number")]
    SizeNotDecimal { size: String },
    #[error("checkpoint size (line 2) {size:?} has a leading zero")]
    SizeLeadingZero { size: String },
    #[error("checkpoint size (line 2) {size:?} does not fit in 64 bits")]
    SizeTooLarge { size: String },
    #[error("checkpoint root hash (line 3) {root:?} is not standard base64")]
    RootNotBase64 { root: String },
    #[error("checkpoint root hash (line 3) is {len} bytes; it must be 32")]
    RootWrongLength { len: usize },
    #[error("checkpoint extension line {line} is empty")]
    EmptyExtensionLine { line: usize },
    #[error("checkpoint fields contain a newline or control character, so its text would not parse back to the same checkpoint")]
    NotRepresentable,
    #[error("checkpoint origin {origin:?} differs from the key name {key_name:?}")]
    OriginMismatch { origin: String, key_name: String },
}

/// A tree head: the log's origin, its size in leaves and its RFC 6962 root hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text: `origin\nsize\nbase64root\n` followed by each extension line and a newline.
    pub fn to_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for ext in &self.extensions {
            text.push_str(ext);
            text.push('\n');
        }
        text
    }

    /// Parses a checkpoint text strictly, so that each checkpoint has exactly one text.
    pub fn parse_text(text: &str) -> Result<Checkpoint, CheckpointError> {
        let body = text
            .strip_suffix('\n')
            .ok_or(CheckpointError::NotNewlineTerminated)?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(CheckpointError::TooFewLines { found: lines.len() });
        }
        // A text that arrives inside a note has already passed this check; a text handed over
        // directly has not, and control characters must not slip into the fields.
        if let Some(index) = lines.iter().position(|l| l.bytes().any(|b| b < 0x20)) {
            return Err(CheckpointError::ControlCharacter { line: index + 1 });
        }

        let origin = lines[0];
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_size(lines[1])?;
        let root = parse_root(lines[2])?;
        let extensions = lines[3..]
            .iter()
            .enumerate()
            .map(|(i, ext)| {
                if ext.is_empty() {
                    Err(CheckpointError::EmptyExtensionLine { line: i + 4 })
                } else {
                    Ok(ext.to_string())
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Checkpoint {
            origin: origin.to_string(),
            size,
            root,
            extensions,
        })
    }

    /// Signs the checkpoint as a note and returns the signed note text.
    ///
    /// The signer's key name must equal the origin, because `open` requires that of every
    /// checkpoint it accepts, and a checkpoint whose fields would not survive the text format
    /// (a newline inside the origin, say) is refused rather than signed in a changed form.
    pub fn sign(&self, signer: &NoteSigner) -> Result<String, CheckpointError> {
        if signer.name() != self.origin {
            return Err(CheckpointError::OriginMismatch {
                origin: self.origin.clone(),
                key_name: signer.name().to_string(),
            });
        }
        let text = self.to_text();
        match Checkpoint::parse_text(&text) {
            Ok(parsed) if parsed == *self => {}
            Ok(_) => return Err(CheckpointError::NotRepresentable),
            Err(CheckpointError::ControlCharacter { .. }) => {
                return Err(CheckpointError::NotRepresentable)
            }
            Err(e) => return Err(e),
        }
        Ok(signer.sign(&text)?)
    }
}

/// Parses the size line: ASCII digits only, no leading zero unless the size is exactly "0".
fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    if line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CheckpointError::SizeNotDecimal {
            size: line.to_string(),
        });
    }
    if line.len() > 1 && line.starts_with('0') {
        return Err(CheckpointError::SizeLeadingZero {
            size: line.to_string(),
        });
    }
    // Only digits remain, so the one way to fail is overflow.
    line.parse::<u64>()
        .map_err(|_| CheckpointError::SizeTooLarge {
            size: line.to_string(),
        })
}

/// Parses the root line: canonical standard base64 (with padding) of exactly 32 bytes.
fn parse_root(line: &str) -> Result<Hash, CheckpointError> {
    let bytes = BASE64
        .decode(line)
        .map_err(|_| CheckpointError::RootNotBase64 {
            root: line.to_string(),
        })?;
    Hash::from_slice(&bytes).ok_or(CheckpointError::RootWrongLength { len: bytes.len() })
}

/// Opens a signed checkpoint: verifies the note with `verifier`, parses the text and requires the
/// origin to equal the key name, as C2SP makes the log's key name its origin.
pub fn open(note: &[u8], verifier: &NoteVerifier) -> Result<Checkpoint, CheckpointError> {
    let opened = note::open(note, verifier)?;
    let checkpoint = Checkpoint::parse_text(&opened.text)?;
    if checkpoint.origin != verifier.name() {
        return Err(CheckpointError::OriginMismatch {
            origin: checkpoint.origin,
            key_name: verifier.name().to_string(),
        });
    }
    Ok(checkpoint)
}

/// Parses a signed checkpoint's structure without verifying any signature. Its result must not
/// be trusted; it serves to report forks and to compare checkpoints.
pub fn parse_unverified(note: &[u8]) -> Result<Checkpoint, CheckpointError> {
    let parsed = note::parse(note)?;
    Checkpoint::parse_text(&parsed.text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use ed25519_dalek::SigningKey;

    const ORIGIN: &str = "example.com/kordon";

    fn signer() -> NoteSigner {
        NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[7u8; 32])).expect("valid name")
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            origin: ORIGIN.to_string(),
            size: 20852163,
            root: leaf_hash(b"kordon"),
            extensions: vec![],
        }
    }

    #[test]
    fn text_format_matches_the_spec_example() {
        let text =
            "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
        let cp = Checkpoint::parse_text(text).expect("parse");
        assert_eq!(cp.origin, "example.com/behind-the-sofa");
        assert_eq!(cp.size, 20852163);
        assert!(cp.extensions.is_empty());
        assert_eq!(cp.to_text(), text);
    }

    #[test]
    fn sign_then_open_round_trips() {
        let s = signer();
        for cp in [
            checkpoint(),
            Checkpoint {
                size: 0,
                root: Hash::sha256(b""),
                ..checkpoint()
            },
            Checkpoint {
                size: u64::MAX,
                extensions: vec!["ext one".into(), "— two".into()],
                ..checkpoint()
            },
        ] {
            let note = cp.sign(&s).expect("sign");
            assert!(note.starts_with(&cp.to_text()));
            assert_eq!(open(note.as_bytes(), &s.verifier()), Ok(cp.clone()));
            assert_eq!(parse_unverified(note.as_bytes()), Ok(cp.clone()));
            assert_eq!(Checkpoint::parse_text(&cp.to_text()), Ok(cp));
        }
    }

    #[test]
    fn tampering_is_detected() {
        let s = signer();
        let cp = checkpoint();
        let note = cp.sign(&s).unwrap();
        let bigger = note.replacen("20852163", "20852164", 1);
        assert!(matches!(
            open(bigger.as_bytes(), &s.verifier()),
            Err(CheckpointError::Note(NoteError::BadSignature { .. }))
        ));
        // Parsing without verification still sees the (forged) structure.
        assert_eq!(parse_unverified(bigger.as_bytes()).unwrap().size, 20852164);

        let other = NoteSigner::new(ORIGIN, SigningKey::from_bytes(&[8u8; 32])).unwrap();
        assert!(matches!(
            open(note.as_bytes(), &other.verifier()),
            Err(CheckpointError::Note(NoteError::NoSignatureFromKey { .. }))
        ));
    }

    #[test]
    fn origin_must_match_the_key_name() {
        let cp = checkpoint();
        let elsewhere = NoteSigner::new("example.com/other", SigningKey::from_bytes(&[7u8; 32]))
            .expect("valid name");
        assert!(matches!(
            cp.sign(&elsewhere),
            Err(CheckpointError::OriginMismatch { .. })
        ));
        // A note signed by that key over this text opens as a note, but not as a checkpoint.
        let note = elsewhere.sign(&cp.to_text()).unwrap();
        assert_eq!(
            open(note.as_bytes(), &elsewhere.verifier()),
            Err(CheckpointError::OriginMismatch {
                origin: ORIGIN.into(),
                key_name: "example.com/other".into(),
            })
        );
    }

    #[test]
    fn cosignatures_are_ignored() {
        let s = signer();
        let note = checkpoint().sign(&s).unwrap();
        let mut raw = vec![0x12, 0x34, 0x56, 0x78];
        raw.extend_from_slice(&1_679_315_147u64.to_be_bytes());
        raw.extend_from_slice(&[0x33; 64]);
        let with_cosig = format!("{note}— witness.example/w1 {}\n", BASE64.encode(raw));
        assert_eq!(open(with_cosig.as_bytes(), &s.verifier()), Ok(checkpoint()));
    }

    #[test]
    fn unrepresentable_checkpoints_are_not_signed() {
        let s = signer();
        let cases = [
            Checkpoint {
                extensions: vec!["a\nb".into()],
                ..checkpoint()
            },
            Checkpoint {
                extensions: vec!["tab\there".into()],
                ..checkpoint()
            },
        ];
        for cp in cases {
            assert_eq!(cp.sign(&s), Err(CheckpointError::NotRepresentable));
        }
        let empty_ext = Checkpoint {
            extensions: vec![String::new()],
            ..checkpoint()
        };
        assert_eq!(
            empty_ext.sign(&s),
            Err(CheckpointError::EmptyExtensionLine { line: 4 })
        );
    }

    #[test]
    fn malformed_texts_are_rejected() {
        let root = leaf_hash(b"kordon").to_base64();
        let short_root = BASE64.encode([1u8; 31]);
        let long_root = BASE64.encode([1u8; 33]);
        let unpadded = root.trim_end_matches('=').to_string();
        let cases: Vec<(String, CheckpointError)> = vec![
            (
                format!("o\n1\n{root}"),
                CheckpointError::NotNewlineTerminated,
            ),
            (
                "o\n1\n".to_string(),
                CheckpointError::TooFewLines { found: 2 },
            ),
            (String::new(), CheckpointError::NotNewlineTerminated),
            (format!("\n1\n{root}\n"), CheckpointError::EmptyOrigin),
            (
                format!("o\n01\n{root}\n"),
                CheckpointError::SizeLeadingZero { size: "01".into() },
            ),
            (
                format!("o\n00\n{root}\n"),
                CheckpointError::SizeLeadingZero { size: "00".into() },
            ),
            (
                format!("o\n+1\n{root}\n"),
                CheckpointError::SizeNotDecimal { size: "+1".into() },
            ),
            (
                format!("o\n-1\n{root}\n"),
                CheckpointError::SizeNotDecimal { size: "-1".into() },
            ),
            (
                format!("o\n\n{root}\n"),
                CheckpointError::SizeNotDecimal { size: "".into() },
            ),
            (
                format!("o\n1 \n{root}\n"),
                CheckpointError::SizeNotDecimal { size: "1 ".into() },
            ),
            (
                format!("o\n18446744073709551616\n{root}\n"),
                CheckpointError::SizeTooLarge {
                    size: "18446744073709551616".into(),
                },
            ),
            (
                format!("o\n1\n{short_root}\n"),
                CheckpointError::RootWrongLength { len: 31 },
            ),
            (
                format!("o\n1\n{long_root}\n"),
                CheckpointError::RootWrongLength { len: 33 },
            ),
            (
                format!("o\n1\n{unpadded}\n"),
                CheckpointError::RootNotBase64 {
                    root: unpadded.clone(),
                },
            ),
            (
                "o\n1\nnot*base64\n".to_string(),
                CheckpointError::RootNotBase64 {
                    root: "not*base64".into(),
                },
            ),
            (
                format!("o\n1\n{root}\next\n\n"),
                CheckpointError::EmptyExtensionLine { line: 5 },
            ),
            (
                format!("o\r\n1\n{root}\n"),
                CheckpointError::ControlCharacter { line: 1 },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(Checkpoint::parse_text(&text), Err(want), "{text:?}");
        }
        assert_eq!(
            Checkpoint::parse_text(&format!("o\n0\n{root}\n")).map(|c| c.size),
            Ok(0)
        );
    }

    #[test]
    fn malformed_notes_are_rejected() {
        let s = signer();
        let v = s.verifier();
        let good = checkpoint().sign(&s).unwrap();
        let no_blank = good.replacen("\n\n", "\n", 1);
        assert_eq!(
            open(no_blank.as_bytes(), &v),
            Err(CheckpointError::Note(NoteError::MissingSeparator))
        );
        let text_only = checkpoint().to_text() + "\n";
        assert_eq!(
            parse_unverified(text_only.as_bytes()),
            Err(CheckpointError::Note(NoteError::NoSignatures))
        );
        let mut bad_utf8 = good.clone().into_bytes();
        bad_utf8[1] = 0xFF;
        assert!(matches!(
            open(&bad_utf8, &v),
            Err(CheckpointError::Note(NoteError::NotUtf8 { .. }))
        ));
        // A text signed correctly but not a checkpoint: the signature verifies, the text fails.
        let not_cp = s.sign(&format!("{ORIGIN}\n007\nAAAA\n")).unwrap();
        assert_eq!(
            open(not_cp.as_bytes(), &v),
            Err(CheckpointError::SizeLeadingZero { size: "007".into() })
        );
        let e = CheckpointError::RootWrongLength { len: 31 };
        assert_eq!(
            e.to_string(),
            "checkpoint root hash (line 3) is 31 bytes; it must be 32"
        );
    }
}
