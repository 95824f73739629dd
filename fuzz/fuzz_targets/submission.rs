//! HTTP request bodies: `POST /entries` and `POST /entries/batch` JSON. Decoding never panics,
//! and a decoded submission re-encodes to a body that decodes to the same submission.
#![no_main]
use kordon::server::write::{parse_submission, submission_json, BatchRequest};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sub) = parse_submission(data) {
        let again = parse_submission(submission_json(&sub).as_bytes()).expect("round trip");
        assert_eq!(again, sub);
    }
    let _ = serde_json::from_slice::<BatchRequest>(data);
});
