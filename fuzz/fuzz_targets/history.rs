//! Structure-aware: a random history of signed events (registrations, commitments, handovers,
//! reports, notes, from bodies with and without the right role) is fed to the appender one
//! event at a time, then its export to the verifier. They must agree: every accepted event is
//! in the export and the export verifies with the same root; a refused event writes nothing;
//! one byte changed in an entry makes verification fail.
#![no_main]
use arbitrary::Arbitrary;
use kordon::core::event::*;
use kordon::core::types::EventId;
use kordon::fixture::{b, c, Fixture};
use kordon::ledger::Ledger;
use kordon::store::memory::MemoryStore;
use kordon::store::Store;
use libfuzzer_sys::fuzz_target;
use std::sync::Arc;

const BODIES: [&str; 4] = ["cmu", "sbgs", "customs", "monitor"];
const ITEMS: [&str; 3] = ["AP-1", "AP-2", "AP-3"];
const STATUSES: [Status; 4] = [
    Status::InProgress,
    Status::Implemented,
    Status::AtRisk,
    Status::NotStarted,
];

#[derive(Debug, Arbitrary)]
enum Op {
    Register { who: u8, role: u8 },
    Assign { by: u8, item: u8, lead: u8 },
    Accept { by: u8, item: u8 },
    Report { by: u8, item: u8, status: u8 },
    Propose { by: u8, item: u8, to: u8 },
    AcceptHandover { by: u8, item: u8, back: u8 },
    Note { by: u8, text: String },
    Wait { ms: u32 },
}

#[derive(Debug, Arbitrary)]
struct Input {
    ops: Vec<Op>,
    flip: Option<u32>,
}

fn pick<T: Copy>(xs: &[T], i: u8) -> T {
    xs[i as usize % xs.len()]
}

fuzz_target!(|input: Input| {
    if input.ops.len() > 64 {
        return;
    }
    let mut f = Fixture::new("kordon.fuzz/history");
    let store = MemoryStore::new();
    let ledger = Ledger::open(
        Arc::new(store.clone()) as Arc<dyn Store>,
        f.ledger_signer.clone(),
        f.clock.clock(),
    )
    .expect("open");
    ledger.submit(f.genesis()).expect("genesis");
    let mut proposals: Vec<EventId> = Vec::new();
    let mut registered = Vec::new();
    for op in &input.ops {
        let sub = match op {
            Op::Register { who, role } => {
                let id = pick(&BODIES, *who);
                let role = pick(
                    &[
                        Role::Coordinator,
                        Role::Executor,
                        Role::Observer,
                        Role::Overseer,
                    ],
                    *role,
                );
                registered.push(id);
                f.register(id, &[role])
            }
            Op::Wait { ms } => {
                f.clock.advance(*ms as u64 % 100_000_000);
                continue;
            }
            other => {
                let by = match other {
                    Op::Assign { by, .. }
                    | Op::Accept { by, .. }
                    | Op::Report { by, .. }
                    | Op::Propose { by, .. }
                    | Op::AcceptHandover { by, .. }
                    | Op::Note { by, .. } => pick(&BODIES, *by),
                    _ => unreachable!(),
                };
                if !registered.contains(&by) {
                    continue; // The fixture has no key for a body never registered.
                }
                let body = match other {
                    Op::Assign { item, lead, .. } => Body::CommitmentAssigned(Fixture::commitment(
                        pick(&ITEMS, *item),
                        Some(pick(&BODIES, *lead)),
                        "2027-06-30",
                    )),
                    Op::Accept { item, .. } => Body::CommitmentAccepted(CommitmentRef {
                        commitment: c(pick(&ITEMS, *item)),
                    }),
                    Op::Report { item, status, .. } => Body::StatusReported(StatusReported {
                        commitment: c(pick(&ITEMS, *item)),
                        status: pick(&STATUSES, *status),
                        note: None,
                        evidence: vec![],
                    }),
                    Op::Propose { item, to, .. } => {
                        proposals.push(f.next_event_id());
                        Body::HandoverProposed(Transfer {
                            commitment: c(pick(&ITEMS, *item)),
                            to: b(pick(&BODIES, *to)),
                            reason: "reorganisation".into(),
                        })
                    }
                    Op::AcceptHandover { item, back, .. } => {
                        let Some(p) = proposals
                            .iter()
                            .rev()
                            .nth(*back as usize % proposals.len().max(1))
                        else {
                            continue;
                        };
                        Body::HandoverAccepted(HandoverAnswer {
                            commitment: c(pick(&ITEMS, *item)),
                            proposal: p.clone(),
                            reason: None,
                        })
                    }
                    Op::Note { text, .. } => Body::NoteAdded(NoteAdded {
                        commitment: None,
                        about: None,
                        text: text.chars().take(200).collect(),
                        evidence: vec![],
                    }),
                    _ => unreachable!(),
                };
                f.sign(by, body)
            }
        };
        let before = store.snapshot().expect("snapshot").size();
        match ledger.submit(sub) {
            Ok(r) => assert_eq!(r.seq, before),
            Err(_) => assert_eq!(
                store.snapshot().expect("snapshot").size(),
                before,
                "a refusal wrote"
            ),
        }
    }
    let size = store.snapshot().expect("snapshot").size();
    let root = ledger.root_at(size).expect("root");
    let mut export = Vec::new();
    kordon::export::write(&store, &ledger.verifier_key(), &mut export).expect("export");
    let verify = |bytes: &[u8]| {
        let reader = kordon::export::ExportReader::open(bytes).expect("export header");
        let vkey = reader.vkey.clone();
        let cp = reader.checkpoint.clone();
        kordon::verify::verify(
            &vkey,
            &cp,
            &mut kordon::verify::ExportSource(reader),
            &kordon::verify::Options {
                trusted: None,
                progress: &|_| {},
            },
        )
    };
    let report = verify(&export);
    assert!(
        report.valid,
        "the verifier refused what the appender accepted: {:?}",
        report.failure
    );
    assert_eq!(report.entries_verified, size);
    assert_eq!(report.root.as_deref(), Some(root.to_hex().as_str()));
    if let Some(k) = input.flip {
        // The entries start after the header and the checkpoint note.
        let header = {
            let r = kordon::export::ExportReader::open(&export[..]).expect("header");
            let lines = kordon::export::MAGIC.len() + 1 + r.vkey.len() + 1;
            lines + r.checkpoint.len().to_string().len() + 1 + r.checkpoint.len()
        };
        let span = export.len() - header;
        let at = header + k as usize % span;
        export[at] ^= 1 << (k % 8);
        assert!(
            !verify(&export).valid,
            "a changed byte at {at} went unnoticed"
        );
    }
});
