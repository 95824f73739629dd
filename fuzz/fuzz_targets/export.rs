//! An export bundle from anyone: reading it and verifying it never panics, whatever the bytes.
#![no_main]
use kordon::export::ExportReader;
use kordon::verify::{self, ExportSource, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = ExportReader::open(data) else {
        return;
    };
    let vkey = reader.vkey.clone();
    let cp = reader.checkpoint.clone();
    let report = verify::verify(
        &vkey,
        &cp,
        &mut ExportSource(reader),
        &Options {
            trusted: None,
            progress: &|_| {},
        },
    );
    assert!(report.valid == report.failure.is_none());
});
