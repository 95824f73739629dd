//! An export bundle from anyone: reading it and verifying it never panics, whatever the bytes.
#![no_main]
use kordon::export::ExportReader;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(reader) = ExportReader::open(data) else {
        return;
    };
    let report = kordon::verify::verify_export(reader);
    assert!(report.valid == report.failure.is_none());
});
