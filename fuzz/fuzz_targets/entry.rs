//! Entry bytes (the store, an export, a tile bundle): decoding never panics, and a decoded entry
//! encodes back to the same bytes; `chain::prepare` never panics on them.
#![no_main]
use kordon::core::{chain, entry};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(e) = entry::EntryRef::decode(data) {
        let again = entry::encode(e.seq, e.recorded_at, &e.prev, &e.signature, e.event)
            .expect("a decoded entry encodes");
        assert_eq!(again, data);
    }
    let _ = chain::prepare(data.to_vec(), 0);
});
