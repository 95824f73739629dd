//! Event bytes from outside (a submission, an export, a receipt): `event::parse` must never
//! panic, and what it accepts is canonical: encoding the parsed event again gives the same bytes.
//! The straight way (`parse_plain`) never accepts what the general way refuses, nor reads it
//! differently.
#![no_main]
use kordon::core::event;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(plain) = event::parse_plain(data) {
        assert_eq!(
            Ok(plain),
            event::parse_general(data),
            "the straight way accepted bytes the general way reads otherwise"
        );
    }
    let Ok(ev) = event::parse(data) else {
        return;
    };
    let again = event::encode(&ev.ledger, &ev.id, &ev.author, &ev.key, ev.at, &ev.body)
        .expect("a parsed event encodes");
    assert_eq!(
        again, data,
        "parse accepted bytes that are not the canonical encoding"
    );
    let trusted = event::parse_trusted(data).expect("parse_trusted accepts what parse accepts");
    assert_eq!(trusted.id, ev.id);
});
