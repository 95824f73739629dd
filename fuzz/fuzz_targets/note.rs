//! Signed notes, checkpoints and verifier keys (an export header, `--trusted`, a server's
//! answer): parsing and opening never panic; a checkpoint that parses prints back the same text.
#![no_main]
use kordon::core::{checkpoint, note};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = note::parse(data);
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(v) = note::NoteVerifier::parse(text) {
            assert_eq!(
                note::NoteVerifier::parse(&v.to_vkey())
                    .ok()
                    .map(|w| w.to_vkey()),
                Some(v.to_vkey())
            );
        }
        if let Ok(c) = checkpoint::Checkpoint::parse_text(text) {
            assert_eq!(c.to_text(), text, "a checkpoint has one spelling");
        }
    }
    if let Ok(c) = checkpoint::parse_unverified(data) {
        let _ = c.to_text();
    }
    // Opening with a fixed key exercises the signature-line paths.
    let signer = note::NoteSigner::new("fuzz.example/log", kordon::fixture::demo_key("fuzz"))
        .expect("signer");
    let _ = checkpoint::open(data, &signer.verifier());
    let _ = note::open(data, &signer.verifier());
});
