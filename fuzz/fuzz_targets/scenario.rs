//! Scenario files (TOML a person edits): building never panics; an error names the file.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.len() > 16 * 1024 {
        return;
    }
    if let Err(e) = kordon::scenario::build("fuzz.toml", text) {
        assert!(e.to_string().contains("fuzz.toml"), "{e}");
    }
});
