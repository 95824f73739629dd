//! C2SP tile paths from a URL: parsing never panics, only the canonical spelling is accepted
//! (it prints back the same path), and the span of an accepted tile is computed without
//! overflow.
#![no_main]
use kordon::core::tiles;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(t) = tiles::parse_path(path) {
        assert_eq!(tiles::encode_path(&t), path);
        if let Some(level) = t.level {
            let _ = tiles::span(level, t.index, t.width);
        }
    }
});
