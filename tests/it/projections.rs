//! Projections: scenario tests with hand-checked answers, and a property test that folding
//! incrementally, rebuilding from scratch and answering "as of N" all agree.

use crate::common::*;
use kordon::core::event::*;
use kordon::core::projection::views;
use kordon::core::projection::{History, Phase, Point};
use kordon::core::types::*;
use kordon::fixture::{b, c, Fixture};
use kordon::projector::{rebuild, Projector};
use kordon::store::Store;

const DAY: u64 = 24 * 3600 * 1000;

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn history(w: &World) -> History {
    let snap = w.store.snapshot().unwrap();
    rebuild(&*snap, snap.size()).unwrap()
}

fn note(w: &World, who: &str, commitment: &str, text: &str) -> EventId {
    let id = w.f.next_event_id();
    w.ok(w.sign(
        who,
        Body::NoteAdded(NoteAdded {
            commitment: Some(c(commitment)),
            about: None,
            text: text.into(),
            evidence: vec![],
        }),
    ));
    id
}

#[test]
fn a_handover_pending_then_accepted() {
    let w = World::new(); // entries 0-5 on 2026-01-01
    w.active_commitment("AP-1", "sbgs"); // 6, 7
    w.f.clock.advance(10 * DAY); // 2026-01-11
    let proposal = w.f.next_event_id();
    w.ok(w.sign(
        "sbgs",
        Body::HandoverProposed(Transfer {
            commitment: c("AP-1"),
            to: b("customs"),
            reason: "customs runs it".into(),
        }),
    )); // 8
    w.f.clock.advance(5 * DAY); // 2026-01-16
    w.ok(w.sign(
        "customs",
        Body::HandoverAccepted(HandoverAnswer {
            commitment: c("AP-1"),
            proposal: proposal.clone(),
            reason: None,
        }),
    )); // 9
    let h = history(&w);

    // As of 2026-01-14: sbgs leads, the handover has been pending for 3 days.
    let p = h.point_at_date(d("2026-01-14"));
    assert_eq!(p.size, 9);
    let r = &views::responsibility(&h, p, Some(&c("AP-1")), None).items[0];
    assert_eq!(r.lead, Some(b("sbgs")));
    let pending = r.pending_handover.as_ref().unwrap();
    assert_eq!((pending.to.as_str(), pending.days), ("customs", 3));
    assert_eq!(pending.proposal, Some(proposal));

    // Now: customs leads; sbgs led from entry 7 to entry 9.
    let p = h.point_at_size(h.size());
    let r = &views::responsibility(&h, p, Some(&c("AP-1")), None).items[0];
    assert_eq!(r.lead, Some(b("customs")));
    assert!(r.pending_handover.is_none());
    assert_eq!(r.leads.len(), 2);
    assert_eq!(
        (r.leads[0].body.as_str(), r.leads[0].from, r.leads[0].to),
        ("sbgs", 7, Some(9))
    );
    assert_eq!(
        (r.leads[1].body.as_str(), r.leads[1].from, r.leads[1].to),
        ("customs", 9, None)
    );
    // Customs was a co-executor? No: only the lead moved.
    let sc = views::scorecard(&h, p, None);
    let get = |id: &str| sc.bodies.iter().find(|s| s.body == id).unwrap().clone();
    assert_eq!((get("customs").held, get("customs").handovers_in), (1, 1));
    assert_eq!((get("sbgs").held, get("sbgs").handovers_out), (0, 1));
    // The portfolio of sbgs as of 2026-01-14 holds AP-1; now it is empty.
    assert_eq!(
        views::responsibility(&h, h.point_at_date(d("2026-01-14")), None, Some(&b("sbgs")))
            .items
            .len(),
        1
    );
    assert!(views::responsibility(&h, p, None, Some(&b("sbgs")))
        .items
        .is_empty());
}

#[test]
fn a_deadline_moved_twice() {
    let w = World::new();
    w.ok(w.sign(
        "cmu",
        Body::CommitmentAssigned(Fixture::commitment("AP-2", Some("sbgs"), "2026-01-31")),
    ));
    w.ok(w.sign(
        "sbgs",
        Body::CommitmentAccepted(CommitmentRef {
            commitment: c("AP-2"),
        }),
    ));
    let change = |to: &str, why: &str| {
        w.sign(
            "cmu",
            Body::DeadlineChanged(DeadlineChanged {
                commitment: c("AP-2"),
                deadline: d(to),
                reason: why.into(),
                request: None,
            }),
        )
    };
    w.f.clock.advance(40 * DAY); // 2026-02-10: nine days overdue
    let h = history(&w);
    let o = views::overdue(&h, h.point_at_date(d("2026-02-10")), None);
    assert_eq!(o.overdue.len(), 1);
    assert_eq!(o.overdue[0].days_over, 10);
    w.ok(change("2026-03-31", "equipment late"));
    w.f.clock.advance(60 * DAY); // 2026-04-11
    w.ok(change("2026-06-30", "tender repeated"));
    let h = history(&w);
    let card = views::card(&h, h.point_at_size(h.size()), &c("AP-2")).unwrap();
    assert_eq!(card.deadline.original, d("2026-01-31"));
    assert_eq!(card.deadline.current, d("2026-06-30"));
    assert_eq!(card.deadline.changes.len(), 2);
    assert_eq!(card.deadline.days_slipped, 150);
    assert_eq!(card.deadline.changes[0].from, d("2026-01-31"));
    assert_eq!(card.deadline.changes[1].from, d("2026-03-31"));
    assert_eq!(card.deadline.changes[1].by, b("cmu"));
    // Between the two changes, on 2026-04-05, it was overdue against 2026-03-31.
    let o = views::overdue(&h, h.point_at_date(d("2026-04-05")), None);
    assert_eq!(o.overdue[0].days_over, 5);
    assert_eq!(o.overdue[0].deadline, d("2026-03-31"));
    // Not any more.
    assert!(views::overdue(&h, h.point_at_date(d("2026-04-12")), None)
        .overdue
        .is_empty());
    // The scorecard counts both changes against the lead.
    let sc = views::scorecard(&h, h.point_at_size(h.size()), Some(&b("sbgs")));
    assert_eq!(sc.bodies[0].deadline_changes, 2);
}

#[test]
fn a_claim_contested_then_assessed_stays_beside_the_assessment() {
    let w = World::new();
    w.active_commitment("AP-3", "sbgs");
    let claim = w.f.next_event_id();
    w.ok(w.sign(
        "sbgs",
        Body::StatusReported(StatusReported {
            commitment: c("AP-3"),
            status: Status::Implemented,
            note: Some("done".into()),
            evidence: vec![],
        }),
    ));
    note(&w, "monitor", "AP-3", "Not done: two sites are closed.");
    w.ok(w.sign(
        "committee",
        Body::AssessmentRecorded(AssessmentRecorded {
            commitment: c("AP-3"),
            verdict: Verdict::NotConfirmed,
            claim: Some(claim.clone()),
            note: Some("Not on time and not in full".into()),
            evidence: vec![],
        }),
    ));
    let h = history(&w);
    let p = h.point_at_size(h.size());
    let card = views::card(&h, p, &c("AP-3")).unwrap();
    assert_eq!(
        card.latest_claim.as_ref().unwrap().status,
        Status::Implemented
    );
    assert_eq!(
        card.latest_assessment.as_ref().unwrap().verdict,
        Verdict::NotConfirmed
    );
    assert_eq!(card.latest_assessment.as_ref().unwrap().claim, Some(claim));
    assert_eq!(
        card.history.len(),
        5,
        "assigned, accepted, claim, note, assessment"
    );
    assert_eq!(card.history[3].kind, "note.added");
    assert_eq!(card.history[3].author, b("monitor"));
    // The claim without evidence is a data-quality issue.
    let q = views::data_quality(&h, p);
    assert!(q
        .issues
        .iter()
        .any(|i| i.kind == "claim_without_evidence" && i.commitment == Some(c("AP-3"))));
    // Claimed implemented: not overdue even after the deadline; not confirmed in the scorecard.
    let late = h.point_at_date(d("2027-02-01"));
    assert!(views::overdue(&h, late, None).overdue.is_empty());
    let sc = views::scorecard(&h, p, Some(&b("sbgs")));
    assert_eq!(
        (
            sc.bodies[0].claimed_implemented,
            sc.bodies[0].confirmed_by_overseer
        ),
        (1, 0)
    );
}

#[test]
fn a_succeeded_body_with_its_commitments_reassigned() {
    let mut w = World::new();
    w.active_commitment("AP-4", "customs");
    w.active_commitment("AP-5", "customs");
    w.f.clock.advance(3 * DAY);
    let reg = w.f.register("customs-2", &[Role::Executor]);
    w.ok(reg);
    w.ok(w.sign(
        "registry",
        Body::BodySucceeded(BodySucceeded {
            id: b("customs"),
            successor: b("customs-2"),
            reason: "reorganisation".into(),
        }),
    ));
    for id in ["AP-4", "AP-5"] {
        w.ok(w.sign(
            "cmu",
            Body::CommitmentReassigned(Transfer {
                commitment: c(id),
                to: b("customs-2"),
                reason: "succession".into(),
            }),
        ));
    }
    let h = history(&w);
    let p = h.point_at_size(h.size());
    assert_eq!(
        h.bodies[&b("customs")].succeeded.as_ref().unwrap().1,
        b("customs-2")
    );
    let r = views::responsibility(&h, p, None, Some(&b("customs-2")));
    assert_eq!(r.items.len(), 2);
    for item in &r.items {
        assert_eq!(item.forced_reassignments, 1);
        assert_eq!(
            item.leads.last().unwrap().how,
            kordon::core::projection::How::Reassigned
        );
        assert_eq!(item.leads[0].body, b("customs"));
    }
    let sc = views::scorecard(&h, p, None);
    let held = |id: &str| sc.bodies.iter().find(|s| s.body == id).unwrap().held;
    assert_eq!((held("customs"), held("customs-2")), (0, 2));
}

#[test]
fn changes_and_the_briefing_between_two_hearings() {
    let w = World::new(); // 2026-01-01
    w.active_commitment("AP-6", "sbgs");
    w.f.clock.advance(14 * DAY); // 2026-01-15; the first hearing was at the end of 2026-01-14
    w.ok(w.sign(
        "cmu",
        Body::CommitmentAssigned(Fixture::commitment("AP-7", Some("customs"), "2026-01-20")),
    ));
    w.ok(w.sign(
        "sbgs",
        Body::StatusReported(StatusReported {
            commitment: c("AP-6"),
            status: Status::AtRisk,
            note: None,
            evidence: vec![],
        }),
    ));
    w.ok(w.sign(
        "committee",
        Body::InquiryRaised(InquiryRaised {
            inquiry: InquiryId::parse("Q-1").unwrap(),
            to: b("customs"),
            commitment: Some(c("AP-7")),
            question: "Why not accepted?".into(),
            due: d("2026-01-25"),
        }),
    ));
    w.f.clock.advance(14 * DAY); // 2026-01-29: second hearing
    let h = history(&w);
    let first = h.point_at_date(d("2026-01-14"));
    let second = h.point_at_date(d("2026-01-29"));
    let ch = views::changes(&h, first, second);
    assert_eq!(ch.added.len(), 1);
    assert_eq!(ch.added[0].commitment, Some(c("AP-7")));
    assert_eq!(ch.reported.len(), 1);
    assert_eq!(ch.inquiries.len(), 1);
    let br = views::briefing(&h, first, second);
    assert_eq!(br.new_commitments.len(), 1);
    assert_eq!(br.status_changes.len(), 1);
    assert_eq!(br.open_inquiries.len(), 1);
    // AP-7 was never accepted: not overdue (its lead never took it) but listed as such.
    let o = views::overdue(&h, second, None);
    assert_eq!(o.never_accepted.len(), 1);
    assert_eq!(o.never_accepted[0].days, 14);
    assert_eq!(o.inquiries_past_due.len(), 1);
    assert_eq!(o.inquiries_past_due[0].days_over, 4);
    // AP-7's deadline passed while still assigned: it is overdue too.
    assert_eq!(
        br.newly_overdue
            .iter()
            .map(|x| x.commitment.to_string())
            .collect::<Vec<_>>(),
        vec!["AP-7"]
    );
    // AP-6 is at risk by its lead's own report.
    assert!(o.at_risk.iter().any(|r| r.commitment == c("AP-6")));
    assert_eq!(
        h.commitments[&c("AP-7")].phase_at(second.size),
        Phase::Assigned
    );
}

// ---------------------------------------------------------------------------------------------
// Property: incremental == rebuild, and as-of N == fold of the first N entries.

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

fn random_event(
    rng: &mut Rng,
    proposals: &[(String, EventId)],
    claims: &[(String, EventId)],
) -> Option<Body> {
    let ids = ["A-1", "A-2", "A-3", "A-4", "A-5"];
    let execs = ["sbgs", "customs"];
    let cid = c(rng.pick(&ids));
    let date = |rng: &mut Rng| {
        Date(jiff::civil::date(
            2026,
            1 + (rng.next() % 12) as i8,
            1 + (rng.next() % 28) as i8,
        ))
    };
    // Two milestones of the indicator, which measurements may or may not reach by their dates.
    let with_milestones = |rng: &mut Rng, mut f: CommitmentFields| {
        let (first, second) = (date(rng), date(rng));
        f.indicators[0].milestones = vec![
            Milestone {
                date: first.min(second),
                value: Decimal::parse("30").unwrap(),
            },
            Milestone {
                date: first.max(second),
                value: Decimal::parse("60").unwrap(),
            },
        ];
        f
    };
    Some(match rng.next() % 16 {
        0 => {
            let deadline = date(rng).to_string();
            let f = Fixture::commitment(cid.as_str(), Some(rng.pick(&execs)), &deadline);
            Body::CommitmentAssigned(with_milestones(rng, f))
        }
        1 => {
            let f = Fixture::commitment(cid.as_str(), None, &date(rng).to_string());
            Body::CommitmentMade(with_milestones(rng, f))
        }
        2 => Body::CommitmentAccepted(CommitmentRef { commitment: cid }),
        3 => Body::HandoverProposed(Transfer {
            commitment: cid,
            to: b(rng.pick(&execs)),
            reason: "r".into(),
        }),
        4 | 5 => {
            let (cm, p) = proposals.last()?.clone();
            let a = HandoverAnswer {
                commitment: c(&cm),
                proposal: p,
                reason: Some("r".into()),
            };
            match rng.next() % 3 {
                0 => Body::HandoverAccepted(HandoverAnswer { reason: None, ..a }),
                1 => Body::HandoverDeclined(a),
                _ => Body::HandoverWithdrawn(a),
            }
        }
        6 => Body::CommitmentReassigned(Transfer {
            commitment: cid,
            to: b(rng.pick(&execs)),
            reason: "r".into(),
        }),
        7 => Body::StatusReported(StatusReported {
            commitment: cid,
            status: rng.pick(&[
                Status::InProgress,
                Status::AtRisk,
                Status::Implemented,
                Status::Blocked,
            ]),
            note: None,
            evidence: vec![],
        }),
        8 => Body::IndicatorMeasured(IndicatorMeasured {
            commitment: cid,
            indicator: IndicatorId::parse("i1").unwrap(),
            value: Decimal::parse(&(rng.next() % 80).to_string()).unwrap(),
            as_of: date(rng),
            evidence: vec![],
        }),
        9 => Body::DeadlineChanged(DeadlineChanged {
            commitment: cid,
            deadline: date(rng),
            reason: "r".into(),
            request: None,
        }),
        10 => Body::AssessmentRecorded(AssessmentRecorded {
            commitment: cid.clone(),
            verdict: rng.pick(&[
                Verdict::Confirmed,
                Verdict::Contested,
                Verdict::NotConfirmed,
            ]),
            claim: claims
                .iter()
                .rev()
                .find(|x| x.0 == cid.as_str())
                .map(|x| x.1.clone()),
            note: None,
            evidence: vec![],
        }),
        11 => Body::CoExecutorAdded(CoExecutorChange {
            commitment: cid,
            body: b(rng.pick(&execs)),
            reason: None,
        }),
        12 => Body::CoExecutorRemoved(CoExecutorChange {
            commitment: cid,
            body: b(rng.pick(&execs)),
            reason: None,
        }),
        13 => Body::CommitmentCancelled(CommitmentReason {
            commitment: cid,
            reason: "r".into(),
        }),
        14 => Body::InquiryRaised(InquiryRaised {
            inquiry: InquiryId::parse(&format!("Q-{}", rng.next() % 6)).unwrap(),
            to: b(rng.pick(&execs)),
            commitment: Some(cid),
            question: "q".into(),
            due: date(rng),
        }),
        _ => Body::InquiryAnswered(InquiryAnswered {
            inquiry: InquiryId::parse(&format!("Q-{}", rng.next() % 6)).unwrap(),
            answer: "a".into(),
            evidence: vec![],
        }),
    })
}

fn all_views(h: &History, p: Point) -> serde_json::Value {
    let cards: Vec<_> = h
        .commitments
        .keys()
        .filter_map(|id| views::card(h, p, id))
        .collect();
    serde_json::json!({
        "responsibility": views::responsibility(h, p, None, None),
        "responsibility of sbgs": views::responsibility(h, p, None, Some(&b("sbgs"))),
        "responsibility of A-2": views::responsibility(h, p, Some(&c("A-2")), None),
        "responsibility of A-3 for customs":
            views::responsibility(h, p, Some(&c("A-3")), Some(&b("customs"))),
        "overdue": views::overdue(h, p, None),
        "overdue of sbgs": views::overdue(h, p, Some(&b("sbgs"))),
        "overdue of customs": views::overdue(h, p, Some(&b("customs"))),
        "scorecard": views::scorecard(h, p, None),
        "scorecard of customs": views::scorecard(h, p, Some(&b("customs"))),
        "objectives": views::objectives(h, p),
        "quality": views::data_quality(h, p),
        "changes": views::changes(h, Point { size: p.size / 2, today: p.today }, p),
        "briefing": views::briefing(h, Point { size: p.size / 3, today: p.today }, p),
        "cards": cards,
    })
}

#[test]
fn incremental_rebuild_and_as_of_agree_on_random_histories() {
    let mut accepted_total = 0;
    let mut kinds = std::collections::BTreeSet::new();
    for seed in 1..=6u64 {
        let w = World::new();
        let live = Projector::follow(&w.ledger).unwrap();
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut proposals = Vec::new();
        let mut claims = Vec::new();
        for _ in 0..400 {
            w.f.clock.advance(rng.next() % (3 * DAY));
            let Some(body) = random_event(&mut rng, &proposals, &claims) else {
                continue;
            };
            let execs = ["sbgs", "customs"];
            let author = match &body {
                Body::CommitmentAssigned(_)
                | Body::CommitmentReassigned(_)
                | Body::DeadlineChanged(_)
                | Body::CommitmentCancelled(_) => "cmu",
                Body::AssessmentRecorded(_) | Body::InquiryRaised(_) => "committee",
                _ => rng.pick(&execs),
            };
            let id = w.f.next_event_id();
            let kind = body.kind();
            let cm = kordon::core::projection::commitment_of(&body)
                .map(|x| x.to_string())
                .unwrap_or_default();
            if w.ledger.submit(w.sign(author, body)).is_ok() {
                accepted_total += 1;
                kinds.insert(kind);
                match kind {
                    EventKind::HandoverProposed => proposals.push((cm, id)),
                    EventKind::StatusReported => claims.push((cm, id)),
                    _ => {}
                }
            }
        }
        let full = history(&w);
        assert_eq!(
            *live.read(),
            full,
            "seed {seed}: incremental and rebuilt projections differ"
        );
        // The head facts, kept up to date entry by entry, are those made afresh from the
        // records when a snapshot is read back.
        assert_eq!(live.read().live_facts(), full.live_facts());
        let bytes = rmp_serde::to_vec_named(&full).unwrap();
        let restored = rmp_serde::from_slice::<History>(&bytes).unwrap().restored();
        assert_eq!(restored.live_facts(), full.live_facts(), "seed {seed}");
        // Each entry's summary, linked again from the records when a snapshot is read back, is
        // its record's in its commitment's history; an entry no history lists has none.
        assert_eq!(restored.entries, full.entries, "seed {seed}");
        let mut listed = 0;
        for seq in 0..full.size() {
            let rec = full
                .commitments
                .values()
                .flat_map(|c| &c.history)
                .find(|r| r.seq == seq);
            let change = views::change_at(&restored, seq).unwrap();
            match rec {
                Some(r) => {
                    assert_eq!(*change.summary, *r.summary, "seed {seed}: {seq}");
                    assert!(!r.summary.is_empty());
                    listed += 1;
                }
                None => assert!(change.summary.is_empty(), "seed {seed}: {seq}"),
            }
        }
        assert!(
            listed * 2 > full.size(),
            "seed {seed}: {listed} of {}",
            full.size()
        );
        assert_eq!(live.read().live_inquiries(), full.live_inquiries());
        assert_eq!(
            restored.live_inquiries(),
            full.live_inquiries(),
            "seed {seed}"
        );
        assert_eq!(full.live_facts().len(), full.commitments.len());
        assert_eq!(
            restored.live_reporters(),
            full.live_reporters(),
            "seed {seed}"
        );
        assert_eq!(live.read().live_reporters(), full.live_reporters());
        for id in full.commitments.keys() {
            let ids = |h: &History| {
                h.inquiries_about(id)
                    .map(|q| q.id.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(ids(&restored), ids(&full), "seed {seed}: {id}");
            assert_eq!(ids(&live.read()), ids(&full), "seed {seed}: {id}");
        }
        let snap = w.store.snapshot().unwrap();
        for n in [
            0,
            1,
            6,
            full.size() / 3,
            full.size() / 2,
            full.size() - 1,
            full.size(),
        ] {
            let prefix = rebuild(&*snap, n).unwrap();
            // A card's open inquiries, from the index of inquiries by commitment, are those a
            // scan of every inquiry finds.
            let p = full.point_at_size(n);
            for id in full.commitments.keys() {
                let Some(card) = views::card(&full, p, id) else {
                    continue;
                };
                let scanned: Vec<_> = full
                    .inquiries
                    .values()
                    .filter(|q| {
                        q.commitment.as_ref() == Some(id)
                            && q.seq < n
                            && q.answered.as_ref().is_none_or(|a| a.0 >= n)
                    })
                    .map(|q| q.id.clone())
                    .collect();
                let listed: Vec<_> = card.open_inquiries.iter().map(|q| q.id.clone()).collect();
                assert_eq!(listed, scanned, "seed {seed}: {id} as of {n}");
            }
            // Read on the day of the last entry and later (deadlines and milestones pass): the
            // views of the first n entries, at their head, read from each commitment's head
            // facts; as of n on the whole history, from its records.
            for days in [0, 20, 75, 400] {
                let p = full.point_at_size(n);
                let today = Date(p.today.0.checked_add(jiff::Span::new().days(days)).unwrap());
                let p = Point { today, ..p };
                assert_eq!(
                    all_views(&full, p),
                    all_views(&prefix, p),
                    "seed {seed}: as of {n} on {today} differs from the fold of the first {n}"
                );
                // A briefing's newly overdue: overdue at its end and not at its start.
                let from = Point { size: n / 3, ..p };
                let before: std::collections::HashSet<_> = views::overdue(&full, from, None)
                    .overdue
                    .into_iter()
                    .map(|o| o.commitment)
                    .collect();
                let newly: Vec<_> = views::overdue(&full, p, None)
                    .overdue
                    .into_iter()
                    .filter(|o| !before.contains(&o.commitment))
                    .collect();
                for h in [&full, &prefix] {
                    assert_eq!(
                        views::briefing(h, from, p).newly_overdue,
                        newly,
                        "seed {seed}"
                    );
                }
            }
        }
    }
    assert!(
        accepted_total > 250,
        "the random walk must exercise the rules: {accepted_total} accepted"
    );
    assert!(
        kinds.len() >= 14,
        "the random walk must reach most event types: {kinds:?}"
    );
}

#[test]
fn a_snapshot_that_matches_is_used_and_one_that_does_not_is_discarded() {
    use kordon::projector::{at, load, save_snapshot};
    use kordon::snapshot::DirSnapshots;
    let w = World::new();
    w.active_commitment("AP-8", "sbgs");
    let dir = tempfile::tempdir().unwrap();
    let snaps = DirSnapshots(dir.path().to_path_buf());
    let path = dir.path().join("projections.snap");
    let open = || load(&*w.store.snapshot().unwrap(), Some(&snaps)).unwrap();
    // No snapshot: rebuilt.
    let (h0, o) = open();
    assert_eq!((o.from_snapshot, o.discarded.as_deref()), (None, None));
    let snap = w.store.snapshot().unwrap();
    save_snapshot(&snaps, &h0, at(&*snap, h0.size()).unwrap()).unwrap();
    // More entries, then open: the snapshot is used and the rest folded.
    for i in 0..3 {
        note(&w, "monitor", "AP-8", &format!("n{i}"));
    }
    let (h1, o) = open();
    assert_eq!(o.discarded, None);
    assert_eq!(o.from_snapshot, Some(h0.size()));
    assert_eq!(o.folded, 3);
    assert_eq!(h1, history(&w), "snapshot + fold equals a rebuild");
    // A snapshot of another ledger (same size, other root) is discarded.
    let other = World::new();
    other.active_commitment("AP-9", "customs");
    let hs = history(&other);
    let osnap = other.store.snapshot().unwrap();
    save_snapshot(&snaps, &hs, at(&*osnap, hs.size()).unwrap()).unwrap();
    let (h2, o) = open();
    assert!(o.discarded.unwrap().contains("another ledger"));
    assert_eq!(o.from_snapshot, None);
    assert_eq!(h2, history(&w));
    // A corrupt one too.
    let mut bytes = std::fs::read(&path).unwrap();
    let n = bytes.len();
    bytes.truncate(n - 7);
    std::fs::write(&path, &bytes).unwrap();
    let (_, o) = open();
    assert!(o.discarded.is_some());
}

/// A projections snapshot written to a file is streamed (its body never whole in memory) and
/// is byte for byte the snapshot encoded in memory (what PostgreSQL stores); a body that fails
/// half-way leaves the snapshot that was there, and no file beside it; read back as it
/// decodes, a damaged one is passed over for the reason `snapshot::check` gives.
#[test]
fn a_streamed_snapshot_is_the_encoded_one_and_a_failed_or_damaged_one_changes_nothing() {
    use kordon::projector::{at, encode_snapshot, save_snapshot};
    use kordon::snapshot::{DirSnapshots, Frame, Kind, SnapshotStore};
    let w = World::new();
    w.active_commitment("AP-8", "sbgs");
    for i in 0..40 {
        note(&w, "monitor", "AP-8", &format!("n{i}"));
    }
    let h = history(&w);
    let snap = w.store.snapshot().unwrap();
    let a = at(&*snap, h.size()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let snaps = DirSnapshots(dir.path().to_path_buf());
    save_snapshot(&snaps, &h, a).unwrap();
    let path = dir.path().join("projections.snap");
    let written = std::fs::read(&path).unwrap();
    assert!(written.len() > 4096, "{}", written.len());
    assert_eq!(written, encode_snapshot(&h, a.root).unwrap());
    let frame = Frame {
        kind: Kind::Projections,
        schema: kordon::core::hash::Hash::ZERO,
        size: h.size(),
        root: a.root,
    };
    let failed = snaps.save_framed(
        "projections.snap",
        frame,
        Box::new(|w| {
            w.write_all(&[7; 100_000]).map_err(|e| e.to_string())?;
            Err("the body could not be encoded".into())
        }),
    );
    assert!(failed.unwrap_err().contains("could not be encoded"));
    assert_eq!(std::fs::read(&path).unwrap(), written);
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["projections.snap"]);
    let (back, o) = kordon::projector::load(&*snap, Some(&snaps as &dyn SnapshotStore)).unwrap();
    assert_eq!((o.from_snapshot, o.folded), (Some(h.size()), 0));
    assert_eq!(back, h);
    // Read as it decodes, after its digest was checked: one byte changed in the body is
    // caught by the digest before anything is decoded, and the projections are rebuilt.
    let mut damaged = written.clone();
    let i = damaged.len() / 2;
    damaged[i] ^= 0x20;
    std::fs::write(&path, &damaged).unwrap();
    let (back, o) = kordon::projector::load(&*snap, Some(&snaps as &dyn SnapshotStore)).unwrap();
    assert!(o.discarded.unwrap().contains("does not match its digest"));
    assert_eq!((o.from_snapshot, o.folded), (None, h.size()));
    assert_eq!(back, h);
    // Cut inside its header: passed over as the header says.
    std::fs::write(&path, &written[..30]).unwrap();
    let (_, o) = kordon::projector::load(&*snap, Some(&snaps as &dyn SnapshotStore)).unwrap();
    assert_eq!(o.discarded.as_deref(), Some("its header is cut short"));
}

/// An inquiry answered on its due day is answered on time, one answered the day after is late
/// (in the ledger's time zone), and one never answered is open and, after its due day, past
/// due: the head facts the scorecard and overdue read say so, as the scan of the records does.
#[test]
fn inquiries_answered_on_the_due_day_are_on_time_at_the_head_as_in_the_records() {
    let w = World::new(); // 2026-01-01
    w.active_commitment("AP-8", "sbgs");
    let ask = |id: &str, due: &str| {
        w.ok(w.sign(
            "committee",
            Body::InquiryRaised(InquiryRaised {
                inquiry: InquiryId::parse(id).unwrap(),
                to: b("sbgs"),
                commitment: Some(c("AP-8")),
                question: "When?".into(),
                due: d(due),
            }),
        ));
    };
    let answer = |id: &str| {
        w.ok(w.sign(
            "sbgs",
            Body::InquiryAnswered(InquiryAnswered {
                inquiry: InquiryId::parse(id).unwrap(),
                answer: "Soon.".into(),
                evidence: vec![],
            }),
        ));
    };
    ask("Q-on-time", "2026-01-03");
    ask("Q-late", "2026-01-02");
    ask("Q-open", "2026-01-04");
    w.f.clock.advance(2 * DAY); // 2026-01-03
    answer("Q-on-time");
    answer("Q-late");
    let h = history(&w);
    for today in ["2026-01-03", "2026-01-05"] {
        let p = Point {
            size: h.size(),
            today: d(today),
        };
        let head = views::scorecard_at_head(&h, p.today, Some(&b("sbgs")));
        assert_eq!(head, views::scorecard_scanned(&h, p, Some(&b("sbgs"))));
        let s = &head.bodies[0];
        assert_eq!(
            (
                s.inquiries_received,
                s.inquiries_answered_on_time,
                s.inquiries_answered_late,
                s.inquiries_open
            ),
            (3, 1, 1, 1)
        );
        let o = views::overdue_at_head(&h, p.today, None);
        assert_eq!(o, views::overdue_scanned(&h, p, None));
        let late: Vec<_> = o
            .inquiries_past_due
            .iter()
            .map(|q| q.inquiry.to_string())
            .collect();
        let expect: &[&str] = if today == "2026-01-05" {
            &["Q-open"]
        } else {
            &[]
        };
        assert_eq!(late, expect, "{today}");
    }
}

/// On the example ledger (every event type, indicators with and without baselines, claims with
/// and without evidence, late inquiries): every whole-ledger view at the head, read from the
/// head facts, is what the scan of the records gives, for the whole ledger and each body, on
/// the story's day and later.
#[test]
fn on_the_example_the_views_at_the_head_are_the_scan_of_the_records() {
    let built = kordon::scenario::build_example().unwrap();
    let snap = built.store.snapshot().unwrap();
    let h = rebuild(&*snap, snap.size()).unwrap();
    let q = views::data_quality_at_head(&h);
    assert_eq!(
        q,
        views::data_quality_scanned(&h, h.point_at_size(h.size()))
    );
    for kind in ["no_indicator", "claim_without_evidence", "never_reports"] {
        assert!(q.issues.iter().any(|i| i.kind == kind), "{kind}");
    }
    let bodies: Vec<Option<BodyId>> = std::iter::once(None)
        .chain(h.bodies.keys().cloned().map(Some))
        .collect();
    for today in [kordon::demo::TODAY, "2027-02-01", "2028-01-01"] {
        let p = Point {
            size: h.size(),
            today: d(today),
        };
        for b in &bodies {
            let o = views::overdue_at_head(&h, p.today, b.as_ref());
            assert_eq!(
                o,
                views::overdue_scanned(&h, p, b.as_ref()),
                "{today} {b:?}"
            );
            let s = views::scorecard_at_head(&h, p.today, b.as_ref());
            assert_eq!(
                s,
                views::scorecard_scanned(&h, p, b.as_ref()),
                "{today} {b:?}"
            );
        }
        // The objectives through the public entry, at the head and one entry before.
        let o = views::objectives(&h, p);
        assert!(!o.objectives.is_empty());
        let before = rebuild(&*snap, snap.size() - 1).unwrap();
        let q = Point {
            size: snap.size() - 1,
            today: p.today,
        };
        assert_eq!(views::objectives(&h, q), views::objectives(&before, q));
    }
}
