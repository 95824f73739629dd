//! The appender end to end on an in-memory store: the vocabulary, who may sign what, and that a
//! refused event writes nothing.

use crate::common::*;
use kordon::core::event::*;
use kordon::core::types::*;
use kordon::fixture::{b, c, Fixture};

#[test]
fn a_commitment_lives_through_handover_and_reports_and_verifies() {
    let w = World::new();
    w.active_commitment("AP-2026/2.1", "sbgs");
    let proposal = w.f.next_event_id();
    w.ok(w.sign(
        "sbgs",
        Body::HandoverProposed(Transfer {
            commitment: c("AP-2026/2.1"),
            to: b("customs"),
            reason: "customs runs the data exchange".into(),
        }),
    ));
    // Only the receiver accepts.
    let msg = w.refused(
        w.sign(
            "sbgs",
            Body::HandoverAccepted(HandoverAnswer {
                commitment: c("AP-2026/2.1"),
                proposal: proposal.clone(),
                reason: None,
            }),
        ),
        "handover.accept.receiver-only",
    );
    assert!(msg.contains("customs"), "{msg}");
    let r = w.ok(w.sign(
        "customs",
        Body::HandoverAccepted(HandoverAnswer {
            commitment: c("AP-2026/2.1"),
            proposal,
            reason: None,
        }),
    ));
    w.ledger.with_state(|s| {
        assert_eq!(s.commitments[&c("AP-2026/2.1")].lead, Some(b("customs")));
    });
    // The old lead may no longer report; the new one may.
    let status = |who: &str| {
        w.sign(
            who,
            Body::StatusReported(StatusReported {
                commitment: c("AP-2026/2.1"),
                status: Status::InProgress,
                note: Some("39 of 74 crossing points connected".into()),
                evidence: vec![Evidence {
                    sha256: Sha256Hex::parse(&"ab".repeat(32)).unwrap(),
                    location: "https://example.org/report.pdf".into(),
                    cites: Some("Order 1409-r".into()),
                }],
            }),
        )
    };
    w.refused(status("sbgs"), "status.lead-only");
    w.ok(status("customs"));
    assert!(r.checkpoint.contains(ORIGIN));

    let report = verify_bytes(&w.export(), None);
    assert!(report.valid, "{:?}", report.failure);
    assert_eq!(report.entries_verified, w.ledger.size());
}

#[test]
fn assignment_binds_the_lead_only_after_acceptance() {
    let w = World::new();
    w.ok(w.sign(
        "cmu",
        Body::CommitmentAssigned(Fixture::commitment("AP-1", Some("sbgs"), "2026-06-30")),
    ));
    w.ledger.with_state(|s| {
        assert_eq!(
            s.commitments[&c("AP-1")].phase,
            kordon::core::rules::Phase::Assigned
        );
    });
    // Not active yet: no status report.
    w.refused(
        w.sign(
            "sbgs",
            Body::StatusReported(StatusReported {
                commitment: c("AP-1"),
                status: Status::InProgress,
                note: None,
                evidence: vec![],
            }),
        ),
        "commitment.not-active",
    );
    // Only the assignee accepts.
    w.refused(
        w.sign(
            "customs",
            Body::CommitmentAccepted(CommitmentRef {
                commitment: c("AP-1"),
            }),
        ),
        "commitment.accept.assignee-only",
    );
    w.ok(w.sign(
        "sbgs",
        Body::CommitmentRejected(CommitmentReason {
            commitment: c("AP-1"),
            reason: "outside our mandate".into(),
        }),
    ));
    // The coordinator reassigns, effective at once.
    w.ok(w.sign(
        "cmu",
        Body::CommitmentReassigned(Transfer {
            commitment: c("AP-1"),
            to: b("customs"),
            reason: "customs holds the mandate".into(),
        }),
    ));
    w.ledger.with_state(|s| {
        let st = &s.commitments[&c("AP-1")];
        assert_eq!(st.phase, kordon::core::rules::Phase::Active);
        assert_eq!(st.lead, Some(b("customs")));
    });
}

#[test]
fn roles_are_enforced() {
    let w = World::new();
    // An executor cannot assign.
    let msg = w.refused(
        w.sign(
            "sbgs",
            Body::CommitmentAssigned(Fixture::commitment("AP-2", Some("customs"), "2026-06-30")),
        ),
        "role.required",
    );
    assert!(msg.contains("Coordinator") && msg.contains("sbgs"), "{msg}");
    // An observer cannot assess.
    w.active_commitment("AP-3", "sbgs");
    w.refused(
        w.sign(
            "monitor",
            Body::AssessmentRecorded(AssessmentRecorded {
                commitment: c("AP-3"),
                verdict: Verdict::Confirmed,
                claim: None,
                note: None,
                evidence: vec![],
            }),
        ),
        "role.required",
    );
    // But it may add a note contesting a claim.
    w.ok(w.sign(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: Some(c("AP-3")),
            about: None,
            text: "Two of the crossing points are not connected.".into(),
            evidence: vec![],
        }),
    ));
    // Only the coordinator changes deadlines, with a reason; the original is kept in history.
    w.refused(
        w.sign(
            "sbgs",
            Body::DeadlineChanged(DeadlineChanged {
                commitment: c("AP-3"),
                deadline: Date::parse("2027-03-31").unwrap(),
                reason: "delay".into(),
                request: None,
            }),
        ),
        "role.required",
    );
    w.ok(w.sign(
        "cmu",
        Body::DeadlineChanged(DeadlineChanged {
            commitment: c("AP-3"),
            deadline: Date::parse("2027-03-31").unwrap(),
            reason: "equipment delivery slipped".into(),
            request: None,
        }),
    ));
}

#[test]
fn revoked_and_foreign_keys_sign_nothing() {
    let mut w = World::new();
    // sbgs adds a second key, then revokes its first with it.
    let old = w.f.author("sbgs").key_id();
    w.ok(w.sign(
        "sbgs",
        Body::KeyAdded(KeyAdded {
            body: b("sbgs"),
            public_key: Fixture::public_key_b64("sbgs-2"),
        }),
    ));
    w.f.add_author("sbgs", "sbgs-2");
    w.ok(w.sign(
        "sbgs",
        Body::KeyRevoked(KeyRevoked {
            body: b("sbgs"),
            key: old,
            reason: "rotation".into(),
        }),
    ));
    // Signing with the revoked key now fails.
    w.f.add_author("sbgs", "sbgs");
    let msg = w.refused(
        w.sign(
            "sbgs",
            Body::NoteAdded(NoteAdded {
                commitment: None,
                about: None,
                text: "hello".into(),
                evidence: vec![],
            }),
        ),
        "key.revoked",
    );
    assert!(msg.contains("revoked at entry"), "{msg}");
    // A key that was never registered.
    w.f.add_author("sbgs", "stranger");
    w.refused(
        w.sign(
            "sbgs",
            Body::NoteAdded(NoteAdded {
                commitment: None,
                about: None,
                text: "hello".into(),
                evidence: vec![],
            }),
        ),
        "key.unknown",
    );
    // customs' key used to sign as sbgs.
    w.f.add_author("sbgs", "customs");
    w.refused(
        w.sign(
            "sbgs",
            Body::NoteAdded(NoteAdded {
                commitment: None,
                about: None,
                text: "hello".into(),
                evidence: vec![],
            }),
        ),
        "key.not-authors",
    );
}

#[test]
fn succession_stops_the_old_body_and_reassignment_moves_its_work() {
    let mut w = World::new();
    w.active_commitment("AP-4", "customs");
    let s = w.f.register("customs-2", &[Role::Executor]);
    w.ok(s);
    w.ok(w.sign(
        "registry",
        Body::BodySucceeded(BodySucceeded {
            id: b("customs"),
            successor: b("customs-2"),
            reason: "reorganisation".into(),
        }),
    ));
    w.refused(
        w.sign(
            "customs",
            Body::StatusReported(StatusReported {
                commitment: c("AP-4"),
                status: Status::AtRisk,
                note: None,
                evidence: vec![],
            }),
        ),
        "body.succeeded",
    );
    w.ok(w.sign(
        "cmu",
        Body::CommitmentReassigned(Transfer {
            commitment: c("AP-4"),
            to: b("customs-2"),
            reason: "succession of the customs service".into(),
        }),
    ));
    w.ok(w.sign(
        "customs-2",
        Body::StatusReported(StatusReported {
            commitment: c("AP-4"),
            status: Status::InProgress,
            note: None,
            evidence: vec![],
        }),
    ));
}

#[test]
fn replayed_ids_bad_signatures_and_other_ledgers_are_refused() {
    let w = World::new();
    let note = |text: &str| {
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: text.into(),
            evidence: vec![],
        })
    };
    let sub = w.sign("monitor", note("first"));
    w.ok(sub.clone());
    let msg = w.refused(sub, "event.replayed");
    assert!(msg.contains("ev-"), "the error names the event: {msg}");

    let mut bad = w.sign("monitor", note("second"));
    bad.signature[10] ^= 0x40;
    let msg = w.refused(bad, "signature.invalid");
    assert!(msg.contains("monitor"), "{msg}");

    let other = Fixture::new("kordon.other/ibm");
    let mut f2 = other;
    f2.add_author("monitor", "monitor");
    w.refused(f2.sign("monitor", note("elsewhere")), "ledger.origin");

    // Bytes that are not canonical JSON.
    let mut spaced = w.sign("monitor", note("third"));
    spaced.event.insert(1, b' ');
    w.refused(spaced, "event.not-canonical");
}

#[test]
fn claimed_time_must_be_near_the_recording_time() {
    let w = World::new();
    let sub = w.sign(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: "late".into(),
            evidence: vec![],
        }),
    );
    // Eight days pass before it is submitted; the default policy allows seven.
    w.f.clock.advance(8 * 24 * 3600 * 1000);
    let msg = w.refused(sub, "time.too-old");
    assert!(msg.contains("2026-01-01T00:00:00Z"), "{msg}");
}

#[test]
fn a_batch_accepts_the_good_and_refuses_the_bad_independently() {
    let w = World::new();
    let good1 = w.sign(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: "one".into(),
            evidence: vec![],
        }),
    );
    let mut bad = w.sign(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: "two".into(),
            evidence: vec![],
        }),
    );
    bad.signature[0] ^= 1;
    let good2 = w.sign(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: "three".into(),
            evidence: vec![],
        }),
    );
    let before = w.ledger.size();
    let rs = w.ledger.submit_many(vec![good1, bad, good2]);
    assert_eq!(rs[0].as_ref().unwrap().seq, before);
    assert_eq!(
        rs[1].as_ref().unwrap_err().fault().unwrap().fault.code(),
        "signature.invalid"
    );
    assert_eq!(
        rs[2].as_ref().unwrap().seq,
        before + 1,
        "no gap where the bad one was"
    );
    assert!(verify_bytes(&w.export(), None).valid);
}

#[test]
fn concurrent_submitters_never_fork_the_chain() {
    let w = World::new();
    let per_thread = 150;
    let subs: Vec<Vec<_>> = (0..8)
        .map(|t| {
            (0..per_thread)
                .map(|i| {
                    w.sign(
                        "monitor",
                        Body::NoteAdded(NoteAdded {
                            commitment: None,
                            about: None,
                            text: format!("thread {t} note {i}"),
                            evidence: vec![],
                        }),
                    )
                })
                .collect()
        })
        .collect();
    let before = w.ledger.size();
    let seqs = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for batch in subs {
            let ledger = &w.ledger;
            let seqs = &seqs;
            s.spawn(move || {
                for sub in batch {
                    let r = ledger.submit(sub).unwrap();
                    seqs.lock().unwrap().push(r.seq);
                }
            });
        }
    });
    let mut seqs = seqs.into_inner().unwrap();
    seqs.sort();
    let want: Vec<u64> = (before..before + 8 * per_thread).collect();
    assert_eq!(
        seqs, want,
        "every submission got its own sequence number, no gaps"
    );
    let report = verify_bytes(&w.export(), None);
    assert!(report.valid, "{:?}", report.failure);
}

#[test]
fn reassigning_to_the_assignee_cannot_skip_its_acceptance() {
    let w = World::new();
    w.ok(w.sign(
        "cmu",
        Body::CommitmentAssigned(Fixture::commitment("AP-7", Some("sbgs"), "2026-06-30")),
    ));
    w.refused(
        w.sign(
            "cmu",
            Body::CommitmentReassigned(Transfer {
                commitment: c("AP-7"),
                to: b("sbgs"),
                reason: "make it active".into(),
            }),
        ),
        "handover.same-lead",
    );
}

#[test]
fn a_key_added_and_used_in_the_same_batch() {
    let mut w = World::new();
    let add = w.sign(
        "monitor",
        Body::KeyAdded(KeyAdded {
            body: b("monitor"),
            public_key: Fixture::public_key_b64("monitor-2"),
        }),
    );
    w.f.add_author("monitor", "monitor-2");
    let use_it = w.sign(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: "signed with the key added just before".into(),
            evidence: vec![],
        }),
    );
    let rs = w.ledger.submit_many(vec![add, use_it]);
    assert!(rs.iter().all(|r| r.is_ok()), "{rs:?}");
    // And in separate batches back to back, while the first may still be being written.
    w.f.add_author("monitor", "monitor");
    let add3 = w.sign(
        "monitor",
        Body::KeyAdded(KeyAdded {
            body: b("monitor"),
            public_key: Fixture::public_key_b64("monitor-3"),
        }),
    );
    w.f.add_author("monitor", "monitor-3");
    let use3 = w.sign(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: None,
            about: None,
            text: "and again".into(),
            evidence: vec![],
        }),
    );
    std::thread::scope(|s| {
        let l = &w.ledger;
        let a = s.spawn(move || l.submit(add3));
        a.join().unwrap().unwrap();
        s.spawn(move || l.submit(use3)).join().unwrap().unwrap();
    });
    assert!(verify_bytes(&w.export(), None).valid);
}
