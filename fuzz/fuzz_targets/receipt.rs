//! Receipts and C2SP tlog-proofs (`kordon receipt verify FILE`): never panic; a tlog-proof that
//! parses prints back the same text.
#![no_main]
use kordon::core::receipt::{self, Receipt, TlogProof};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(p) = TlogProof::parse(text) {
            assert_eq!(TlogProof::parse(&p.to_text()).ok(), Some(p));
        }
    }
    if let Ok(r) = serde_json::from_slice::<Receipt>(data) {
        let _ = receipt::verify(&r, None);
        let _ = receipt::verify(&r, Some(&r.verifier_key));
    }
});
