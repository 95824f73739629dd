//! Action plans from spreadsheets (`POST /plans/parse`, `kordon plan import FILE`): CSV in
//! UTF-8 or Windows-1251 and XLSX workbooks, never a panic; the reading serializes as the
//! endpoint answers it, and every row that imports is one the ledger's grammar accepts.
#![no_main]
use kordon::core::event::{self, CommitmentFields, Role};
use kordon::core::projection::History;
use kordon::core::types::Millis;
use kordon::fixture::Fixture;
use kordon::plan::{self, Options};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// A ledger's state with the bodies the seeds name (by id and by name), so rows can import.
fn history() -> &'static History {
    static H: OnceLock<History> = OnceLock::new();
    H.get_or_init(|| {
        let mut f = Fixture::new("kordon.test/fuzz");
        let mut subs = vec![f.genesis()];
        subs.push(f.register_named("cmu", &[Role::Coordinator], "Координаційний центр", "CMU"));
        subs.push(f.register_named("sbgs", &[Role::Executor], "Адміністрація ДПСУ", "SBGS"));
        subs.push(f.register_named(
            "customs",
            &[Role::Executor],
            "Державна митна служба",
            "Customs",
        ));
        let mut h = History::new();
        for (i, s) in subs.iter().enumerate() {
            h.apply(Millis(i as u64), &event::parse(&s.event).unwrap());
        }
        h
    })
}

fuzz_target!(|data: &[u8]| {
    let opts = Options {
        id_prefix: "AP-2026/".into(),
        act: Some("Розпорядження № 1".into()),
        currency: None,
    };
    let plan = plan::parse(data, history(), &opts);
    serde_json::to_string(&plan).unwrap();
    for row in &plan.rows {
        // The body's types check their grammar when read: a body read back is the same.
        if let Some(b) = &row.body {
            let text = serde_json::to_string(b).unwrap();
            let back: CommitmentFields = serde_json::from_str(&text).unwrap();
            assert_eq!(&back, b);
        }
    }
});
