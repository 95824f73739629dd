//! A refusal in words: what the ledger's state says about why an event would be refused, and
//! what the clerk can do, from the rule that failed (`Rule`, whose `text` is the fallback) and
//! the projections ("this handover was already accepted by Customs on 24 April 2026").

use super::super::i18n::{self, Lang, Say, M};
use crate::core::chain::{EntryFault, Fault};
use crate::core::event::{Body, Event, Outcome, Phase, Policy};
use crate::core::projection::History;
use crate::core::rules::Rule;
use crate::core::types::{BodyId, CommitmentId, Date, Millis};

/// A date in words: "24 квітня 2026" or "24 April 2026".
pub fn day_words(l: Lang, d: Date) -> String {
    const UK: [&str; 12] = [
        "січня",
        "лютого",
        "березня",
        "квітня",
        "травня",
        "червня",
        "липня",
        "серпня",
        "вересня",
        "жовтня",
        "листопада",
        "грудня",
    ];
    const EN: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let m = (d.0.month() as usize).clamp(1, 12) - 1;
    match l {
        Lang::Uk => format!("{} {} {}", d.0.day(), UK[m], d.0.year()),
        Lang::En => format!("{} {} {}", d.0.day(), EN[m], d.0.year()),
    }
}

/// An instant in words, to the minute in UTC: "1 грудня 2026, 23:49 UTC".
pub fn moment_words(l: Lang, t: Millis) -> String {
    match jiff::Timestamp::from_millisecond(t.0 as i64) {
        Ok(ts) => {
            let z = ts.to_zoned(jiff::tz::TimeZone::UTC);
            format!(
                "{}, {} UTC",
                day_words(l, Date(z.date())),
                z.strftime("%H:%M")
            )
        }
        Err(_) => t.to_rfc3339(),
    }
}

struct Words<'a> {
    l: Lang,
    h: &'a History,
}

impl Words<'_> {
    fn body(&self, id: &BodyId) -> String {
        match self.h.bodies.get(id) {
            Some(b) => self.l.pick(&b.name_uk, &b.name_en).to_string(),
            None => id.to_string(),
        }
    }
    fn day(&self, t: Millis) -> String {
        day_words(self.l, self.h.date_of(t))
    }
    fn item(&self, c: &CommitmentId) -> String {
        match self.h.commitments.get(c) {
            Some(r) => {
                let title = match (self.l, &r.fields.title_en) {
                    (Lang::En, Some(e)) if !e.trim().is_empty() => e.as_str(),
                    _ => r.fields.title_uk.as_str(),
                };
                format!("{c} «{title}»")
            }
            None => c.to_string(),
        }
    }
    fn fill(&self, m: M, args: &[(&str, String)]) -> String {
        let mut s = self.l.t(m).to_string();
        for (k, v) in args {
            s = s.replace(&format!("{{{k}}}"), v);
        }
        s
    }
}

/// The commitment an event is about, if any.
fn commitment_of(ev: &Event) -> Option<&CommitmentId> {
    match &ev.body {
        Body::CommitmentAccepted(b) => Some(&b.commitment),
        Body::CommitmentRejected(b) | Body::CommitmentCancelled(b) => Some(&b.commitment),
        Body::CommitmentSuperseded(b) => Some(&b.commitment),
        Body::CommitmentReassigned(b) | Body::HandoverProposed(b) => Some(&b.commitment),
        Body::HandoverAccepted(b) | Body::HandoverDeclined(b) | Body::HandoverWithdrawn(b) => {
            Some(&b.commitment)
        }
        Body::CoExecutorAdded(b) | Body::CoExecutorRemoved(b) => Some(&b.commitment),
        Body::StatusReported(b) => Some(&b.commitment),
        Body::IndicatorMeasured(b) => Some(&b.commitment),
        Body::DeadlineExtensionRequested(b) => Some(&b.commitment),
        Body::DeadlineChanged(b) => Some(&b.commitment),
        Body::AssessmentRecorded(b) => Some(&b.commitment),
        Body::NoteAdded(b) => b.commitment.as_ref(),
        Body::InquiryRaised(b) => b.commitment.as_ref(),
        Body::CommitmentAssigned(b) | Body::CommitmentMade(b) => Some(&b.id),
        Body::Genesis(_)
        | Body::BodyRegistered(_)
        | Body::BodyUpdated(_)
        | Body::BodySucceeded(_)
        | Body::KeyAdded(_)
        | Body::KeyRevoked(_)
        | Body::ObjectiveDefined(_)
        | Body::InquiryAnswered(_) => None,
    }
}

/// What to tell a clerk about `fault`, for `ev` (when it parsed), judged at `recorded_at`.
/// Always a sentence; the rule's code is added by the caller, never shown alone.
pub fn explain(
    l: Lang,
    h: &History,
    policy: Option<&Policy>,
    fault: &EntryFault,
    ev: Option<&Event>,
    recorded_at: Millis,
) -> String {
    let w = Words { l, h };
    let rule = match &fault.fault {
        Fault::Rule(r) => r.rule,
        Fault::Signature { .. } => return l.t(M::ws_why_signature).to_string(),
        Fault::Event(_) | Fault::Entry(_) => {
            return format!("{} ({})", l.t(M::ws_why_format), fault.fault);
        }
        Fault::Sequence { .. } | Fault::Prev { .. } | Fault::TimeBackwards { .. } => {
            return l.t(M::ws_why_retry).to_string()
        }
    };
    let generic = || {
        format!(
            "{} {}",
            w.fill(M::ws_why_rule, &[("rule", rule.text().to_string())]),
            l.t(M::ws_nothing_written)
        )
    };
    let Some(ev) = ev else {
        return generic();
    };
    let author = w.body(&ev.author);
    let c = commitment_of(ev);
    let rec = c.and_then(|c| h.commitments.get(c));
    let lead_of = |r: &crate::core::projection::CommitmentRec| {
        r.leads
            .iter()
            .rev()
            .find(|i| i.to.is_none())
            .map(|i| (w.body(&i.body), w.day(i.from_at)))
    };
    let text = match rule {
        Rule::StatusLeadOnly | Rule::DeadlineRequestLeadOnly | Rule::IndicatorWho => {
            match (c, rec.and_then(lead_of)) {
                (Some(c), Some((lead, since))) => w.fill(
                    M::ws_why_not_lead,
                    &[
                        ("item", w.item(c)),
                        ("lead", lead),
                        ("since", since),
                        ("author", author),
                    ],
                ),
                _ => return generic(),
            }
        }
        Rule::HandoverNoSuchProposal => {
            let proposal = match &ev.body {
                Body::HandoverAccepted(b)
                | Body::HandoverDeclined(b)
                | Body::HandoverWithdrawn(b) => &b.proposal,
                _ => return generic(),
            };
            let found = rec.and_then(|r| r.handovers.iter().find(|x| &x.proposal == proposal));
            match found.and_then(|x| x.outcome.map(|o| (x, o))) {
                Some((x, (_, at, outcome))) => {
                    let (m, who) = match outcome {
                        Outcome::Accepted => (M::ws_why_handover_accepted, w.body(&x.to)),
                        Outcome::Declined => (M::ws_why_handover_declined, w.body(&x.to)),
                        Outcome::Withdrawn => (M::ws_why_handover_withdrawn, w.body(&x.proposer)),
                        Outcome::Superseded => (M::ws_why_handover_overtaken, String::new()),
                    };
                    w.fill(m, &[("who", who), ("day", w.day(at))])
                }
                None => w.fill(
                    M::ws_why_no_proposal,
                    &[
                        ("proposal", proposal.to_string()),
                        ("item", c.map(|c| w.item(c)).unwrap_or_default()),
                    ],
                ),
            }
        }
        Rule::HandoverAcceptReceiverOnly | Rule::HandoverDeclineReceiverOnly => {
            match rec.and_then(|r| r.handovers.iter().rev().find(|x| x.outcome.is_none())) {
                Some(x) => w.fill(
                    M::ws_why_not_receiver,
                    &[("to", w.body(&x.to)), ("author", author)],
                ),
                None => return generic(),
            }
        }
        Rule::HandoverWithdrawProposerOnly => {
            match rec.and_then(|r| r.handovers.iter().rev().find(|x| x.outcome.is_none())) {
                Some(x) => w.fill(M::ws_why_not_proposer, &[("who", w.body(&x.proposer))]),
                None => return generic(),
            }
        }
        Rule::HandoverPending => {
            match rec.and_then(|r| r.handovers.iter().rev().find(|x| x.outcome.is_none())) {
                Some(x) => w.fill(
                    M::ws_why_pending,
                    &[("to", w.body(&x.to)), ("day", w.day(x.at))],
                ),
                None => return generic(),
            }
        }
        Rule::CommitmentNotAssigned => match rec {
            Some(r) => {
                let last = r.phases.last().map(|(_, p)| *p).unwrap_or(Phase::Active);
                match (last, lead_of(r)) {
                    (Phase::Active, Some((lead, since))) => w.fill(
                        M::ws_why_already_accepted,
                        &[("lead", lead), ("day", since)],
                    ),
                    (p, _) => w.fill(
                        M::ws_why_phase,
                        &[("phase", i18n::phase_label(l, p).to_string())],
                    ),
                }
            }
            None => return generic(),
        },
        Rule::CommitmentAcceptAssigneeOnly | Rule::CommitmentRejectAssigneeOnly => {
            match rec.and_then(|r| r.assigned_to.as_ref()) {
                Some(to) => w.fill(M::ws_why_not_assignee, &[("to", w.body(to))]),
                None => return generic(),
            }
        }
        Rule::CommitmentNotActive | Rule::CommitmentClosed => match rec {
            Some(r) => {
                let p = r.phases.last().map(|(_, p)| *p).unwrap_or(Phase::Active);
                w.fill(
                    M::ws_why_phase,
                    &[("phase", i18n::phase_label(l, p).to_string())],
                )
            }
            None => return generic(),
        },
        Rule::CommitmentUnknown => w.fill(
            M::ws_why_no_commitment,
            &[("item", c.map(|c| c.to_string()).unwrap_or_default())],
        ),
        Rule::EventReplayed => l.t(M::ws_why_replayed).to_string(),
        Rule::TimeInFuture | Rule::TimeTooOld => {
            let p = policy.copied().unwrap_or_default();
            w.fill(
                M::ws_why_clock,
                &[
                    ("yours", moment_words(l, ev.at)),
                    ("ledger", moment_words(l, recorded_at)),
                    ("ahead", (p.max_future_seconds / 60).to_string()),
                    ("behind", (p.max_age_seconds / 86400).to_string()),
                ],
            )
        }
        Rule::KeyUnknown => w.fill(M::ws_why_key_unknown, &[("author", author)]),
        Rule::KeyRevoked => l.t(M::ws_why_key_revoked).to_string(),
        Rule::KeyNotAuthors => w.fill(M::ws_why_key_not_authors, &[("author", author)]),
        Rule::RoleRequired => w.fill(
            M::ws_why_role,
            &[("author", author), ("rule", rule_detail(fault))],
        ),
        Rule::InquiryAnswered => {
            let q = match &ev.body {
                Body::InquiryAnswered(b) => h.inquiries.get(&b.inquiry),
                _ => None,
            };
            match q.and_then(|q| q.answered.as_ref()) {
                Some((_, at, by)) => w.fill(
                    M::ws_why_answered,
                    &[("who", w.body(by)), ("day", w.day(*at))],
                ),
                None => return generic(),
            }
        }
        Rule::InquiryAnswerAddresseeOnly => {
            let q = match &ev.body {
                Body::InquiryAnswered(b) => h.inquiries.get(&b.inquiry),
                _ => None,
            };
            match q {
                Some(q) => w.fill(M::ws_why_not_addressee, &[("to", w.body(&q.to))]),
                None => return generic(),
            }
        }
        _ => return generic(),
    };
    format!("{text} {}", l.t(M::ws_nothing_written))
}

/// The rule's own sentence about this event (in English, from the core).
fn rule_detail(f: &EntryFault) -> String {
    match &f.fault {
        Fault::Rule(r) => r.msg.clone(),
        other => other.to_string(),
    }
}
