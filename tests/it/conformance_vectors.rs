//! Conformance against published vectors: the C2SP signed-note example and the RFC 8785 (JCS) test data.
//!
//! The vectors are copied into tests/vectors with a PROVENANCE.md beside each set, so these
//! tests do not depend on anything outside the repository.

use kordon::core::note::{self, NoteError, NoteVerifier};
use std::fs;
use std::path::{Path, PathBuf};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn example_verifier() -> NoteVerifier {
    let vkey = String::from_utf8(read(&vectors().join("signed-note/example.vkey")))
        .expect("example.vkey is UTF-8");
    NoteVerifier::parse(vkey.trim_end()).expect("example.vkey parses")
}

fn example_note() -> Vec<u8> {
    read(&vectors().join("signed-note/example.note"))
}

#[test]
fn signed_note_example_verifier_key_parses() {
    let v = example_verifier();
    assert_eq!(v.name(), "example.com/foo");
    assert_eq!(v.key_id(), [0x53, 0x0d, 0x90, 0x3a]);
    assert_eq!(
        v.to_vkey(),
        "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
    );
}

#[test]
fn signed_note_example_opens() {
    let opened = note::open(&example_note(), &example_verifier()).expect("example note opens");
    assert_eq!(opened.text, "This is an example message.\n");
    assert_eq!(opened.signatures.len(), 1);
    assert_eq!(opened.signatures[0].name, "example.com/foo");
}

#[test]
fn signed_note_example_with_one_text_byte_changed_fails() {
    let v = example_verifier();
    let original = example_note();
    let text_len = note::parse(&original).expect("parses").text.len();
    // Change each byte of the text (except the final newline, whose change would break the
    // structure instead) to another printable ASCII byte; every change must be caught.
    for i in 0..text_len - 1 {
        let mut tampered = original.clone();
        tampered[i] = if tampered[i] == b'x' { b'y' } else { b'x' };
        assert!(
            matches!(
                note::open(&tampered, &v),
                Err(NoteError::BadSignature { .. })
            ),
            "byte {i} changed"
        );
    }
}

#[test]
fn signed_note_example_other_name_or_key_id_is_no_match() {
    let v = example_verifier();
    let public = v.public_key();
    let key = ed25519_dalek::VerifyingKey::from_bytes(&public).expect("valid key");

    // The same key under another name has another name and key ID: no match.
    let renamed = NoteVerifier::new("example.com/bar", key).expect("valid name");
    assert!(matches!(
        note::open(&example_note(), &renamed),
        Err(NoteError::NoSignatureFromKey { .. })
    ));

    // Another key under the same name has another key ID: no match.
    let other_key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]).verifying_key();
    let same_name = NoteVerifier::new("example.com/foo", other_key).expect("valid name");
    assert_ne!(same_name.key_id(), v.key_id());
    assert!(matches!(
        note::open(&example_note(), &same_name),
        Err(NoteError::NoSignatureFromKey { .. })
    ));

    // The note's signature line renamed: the known key no longer matches it.
    let text = String::from_utf8(example_note()).expect("UTF-8");
    let renamed_line = text.replace("— example.com/foo ", "— example.com/bar ");
    assert!(matches!(
        note::open(renamed_line.as_bytes(), &v),
        Err(NoteError::NoSignatureFromKey { .. })
    ));
}

#[test]
fn jcs_vectors_canonicalize_exactly() {
    let dir = vectors().join("jcs");
    let mut inputs: Vec<PathBuf> = fs::read_dir(dir.join("input"))
        .expect("jcs/input exists")
        .map(|e| e.expect("directory entry").path())
        .collect();
    inputs.sort();

    let mut checked = 0;
    for input in &inputs {
        let file = input.file_name().expect("file name").to_owned();
        let stem = input
            .file_stem()
            .expect("file stem")
            .to_string_lossy()
            .into_owned();
        let value: serde_json::Value = serde_json::from_slice(&read(input))
            .unwrap_or_else(|e| panic!("{}: {e}", input.display()));
        let canonical = serde_json_canonicalizer::to_vec(&value)
            .unwrap_or_else(|e| panic!("{}: {e}", input.display()));

        let expected = read(&dir.join("output").join(&file));
        assert_eq!(
            String::from_utf8_lossy(&canonical),
            String::from_utf8_lossy(&expected),
            "{}",
            input.display()
        );
        assert_eq!(canonical, expected, "{}", input.display());

        let hex_text = String::from_utf8(read(&dir.join("outhex").join(format!("{stem}.txt"))))
            .expect("outhex is ASCII");
        let hex_digits: String = hex_text.split_whitespace().collect();
        let from_hex = hex::decode(&hex_digits).expect("outhex is hex");
        assert_eq!(canonical, from_hex, "{} (outhex)", input.display());
        checked += 1;
    }
    assert_eq!(checked, inputs.len());
    assert!(checked >= 6, "only {checked} JCS vectors found");
}
