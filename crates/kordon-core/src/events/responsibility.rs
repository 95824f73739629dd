//! Responsibility: who leads a commitment and who co-executes it. A coordinator's reassignment
//! takes effect at once; a handover only when the receiving body accepts it (SPEC.md §12.4).

use super::{short, About, Before, Effect, EventType, Section};
use crate::event::{ty, Event, How, Outcome, Phase, Role};
use crate::l10n::Lang;
use crate::rules::{ensure, fail, non_empty, PendingHandover, Rule, RuleError, State};
use crate::types::*;
use serde::{Deserialize, Serialize};

/// `handover.proposed` and `commitment.reassigned`: move the lead to `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub commitment: CommitmentId,
    pub to: BodyId,
    pub reason: String,
}

/// `handover.accepted`, `handover.declined`, `handover.withdrawn`: answer one proposal, named by
/// the event id of its `handover.proposed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct HandoverAnswer {
    pub commitment: CommitmentId,
    pub proposal: EventId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CoExecutorChange {
    pub commitment: CommitmentId,
    pub body: BodyId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// *C active*, then `handover.no-such-proposal`: the pending handover an answer names.
fn pending<'s>(
    s: &'s State,
    a: &HandoverAnswer,
    ev: &Event,
) -> Result<&'s PendingHandover, RuleError> {
    let c = s.active_commitment(&a.commitment, ev.kind())?;
    match c.pending.as_ref().filter(|p| p.proposal == a.proposal) {
        Some(p) => Ok(p),
        None => fail(
            Rule::HandoverNoSuchProposal,
            format!(
                "commitment {} has no pending handover proposed by event {}",
                a.commitment, a.proposal
            ),
        ),
    }
}

/// *C open*, then `coexecutor.who`.
fn check_coexecutor_change<'s>(
    s: &'s State,
    x: &CoExecutorChange,
    ev: &Event,
) -> Result<&'s crate::rules::CommitmentState, RuleError> {
    let c = s.open_commitment(&x.commitment)?;
    ensure(
        State::is_lead(c, &ev.author) && c.phase == Phase::Active
            || s.has_role(&ev.author, Role::Coordinator),
        Rule::CoexecutorWho,
        || {
            format!(
                "only the lead of {} or a coordinator may change its co-executors",
                x.commitment
            )
        },
    )?;
    Ok(c)
}

impl EventType for ty::CommitmentReassigned {
    type Body = Transfer;
    const SECTION: Section = Section::HandedOver;

    fn check(t: &Transfer, s: &State, ev: &Event, _: u64, _: Millis) -> Result<(), RuleError> {
        s.require_role(&ev.author, Role::Coordinator, ev.kind())?;
        let c = s.open_commitment(&t.commitment)?;
        s.check_executor(&t.to)?;
        // Reassigning to the current assignee would make it responsible without its
        // acceptance; only acceptance does that.
        ensure(!State::is_lead(c, &t.to), Rule::HandoverSameLead, || {
            format!("{} already leads or is assigned {}", t.to, t.commitment)
        })?;
        non_empty(&t.reason, "reason")
    }

    fn effects<'a>(t: &'a Transfer, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::Reassigned {
            commitment: &t.commitment,
            to: &t.to,
            reason: &t.reason,
        });
        out(Effect::HandoverEnded {
            commitment: &t.commitment,
            outcome: Outcome::Superseded,
        });
        out(Effect::Phase {
            commitment: &t.commitment,
            phase: Phase::Active,
        });
        out(Effect::Lead {
            commitment: &t.commitment,
            to: &t.to,
            how: How::Reassigned,
        });
    }

    fn about(t: &Transfer) -> About<'_> {
        About::Commitment(&t.commitment)
    }

    fn summary(t: &Transfer, ev: &Event, before: &Before<'_>, l: Lang) -> String {
        let from = before
            .lead
            .or(before.assignee)
            .map(|b| b.to_string())
            .unwrap_or_else(|| l.pick("нікого", "nobody").into());
        let (to, by, why) = (&t.to, &ev.author, short(&t.reason));
        match l {
            Lang::Uk => format!("перепризначено від {from} до {to} рішенням {by}: {why}"),
            Lang::En => format!("reassigned from {from} to {to} by {by}: {why}"),
        }
    }

    fn introduced_keys(_: &Transfer) -> &[String] {
        &[]
    }
}

impl EventType for ty::HandoverProposed {
    type Body = Transfer;
    const SECTION: Section = Section::HandedOver;

    fn check(t: &Transfer, s: &State, ev: &Event, _: u64, _: Millis) -> Result<(), RuleError> {
        let c = s.active_commitment(&t.commitment, ev.kind())?;
        ensure(
            State::is_lead(c, &ev.author) || s.has_role(&ev.author, Role::Coordinator),
            Rule::HandoverProposeWho,
            || {
                format!(
                    "only the lead of {} or a coordinator may propose a handover",
                    t.commitment
                )
            },
        )?;
        ensure(c.pending.is_none(), Rule::HandoverPending, || {
            format!("commitment {} already has a pending handover; it must be answered or withdrawn first", t.commitment)
        })?;
        s.check_executor(&t.to)?;
        ensure(!State::is_lead(c, &t.to), Rule::HandoverSameLead, || {
            format!("{} already leads {}", t.to, t.commitment)
        })?;
        non_empty(&t.reason, "reason")
    }

    fn effects<'a>(t: &'a Transfer, ev: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::HandoverProposed {
            commitment: &t.commitment,
            proposal: &ev.id,
            proposer: &ev.author,
            to: &t.to,
            reason: &t.reason,
        });
    }

    fn about(t: &Transfer) -> About<'_> {
        About::Commitment(&t.commitment)
    }

    fn summary(t: &Transfer, ev: &Event, _: &Before<'_>, l: Lang) -> String {
        let (to, by, why) = (&t.to, &ev.author, short(&t.reason));
        match l {
            Lang::Uk => format!("{by} пропонує передати зобов’язання {to}: {why}"),
            Lang::En => format!("handover to {to} proposed by {by}: {why}"),
        }
    }

    fn introduced_keys(_: &Transfer) -> &[String] {
        &[]
    }
}

impl EventType for ty::HandoverAccepted {
    type Body = HandoverAnswer;
    const SECTION: Section = Section::HandedOver;

    fn check(
        a: &HandoverAnswer,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        let p = pending(s, a, ev)?;
        ensure(ev.author == p.to, Rule::HandoverAcceptReceiverOnly, || {
            format!(
                "only the receiving body {} may accept this handover, not {}",
                p.to, ev.author
            )
        })?;
        // The receiver must still be able to lead when it accepts.
        s.check_executor(&p.to)
    }

    fn effects<'a>(a: &'a HandoverAnswer, ev: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::HandoverEnded {
            commitment: &a.commitment,
            outcome: Outcome::Accepted,
        });
        // The author is the receiver (`handover.accept.receiver-only`).
        out(Effect::Lead {
            commitment: &a.commitment,
            to: &ev.author,
            how: How::Handover,
        });
    }

    fn about(a: &HandoverAnswer) -> About<'_> {
        About::Commitment(&a.commitment)
    }

    fn summary(_: &HandoverAnswer, ev: &Event, before: &Before<'_>, l: Lang) -> String {
        let (a, from) = (
            &ev.author,
            before.lead.map(|b| b.to_string()).unwrap_or_default(),
        );
        match l {
            Lang::Uk => format!("{a} приймає передачу від {from}"),
            Lang::En => format!("{a} accepts the handover from {from}"),
        }
    }

    fn introduced_keys(_: &HandoverAnswer) -> &[String] {
        &[]
    }
}

impl EventType for ty::HandoverDeclined {
    type Body = HandoverAnswer;
    const SECTION: Section = Section::HandedOver;

    fn check(
        a: &HandoverAnswer,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        let p = pending(s, a, ev)?;
        ensure(ev.author == p.to, Rule::HandoverDeclineReceiverOnly, || {
            format!(
                "only the receiving body {} may decline this handover, not {}",
                p.to, ev.author
            )
        })?;
        match &a.reason {
            Some(r) => non_empty(r, "reason"),
            None => fail(Rule::TextRequired, "handover.declined needs a reason"),
        }
    }

    fn effects<'a>(a: &'a HandoverAnswer, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::HandoverEnded {
            commitment: &a.commitment,
            outcome: Outcome::Declined,
        });
    }

    fn about(a: &HandoverAnswer) -> About<'_> {
        About::Commitment(&a.commitment)
    }

    fn summary(a: &HandoverAnswer, ev: &Event, _: &Before<'_>, l: Lang) -> String {
        let (who, why) = (&ev.author, short(a.reason.as_deref().unwrap_or("")));
        match l {
            Lang::Uk => format!("{who} відхиляє передачу: {why}"),
            Lang::En => format!("{who} declines the handover: {why}"),
        }
    }

    fn introduced_keys(_: &HandoverAnswer) -> &[String] {
        &[]
    }
}

impl EventType for ty::HandoverWithdrawn {
    type Body = HandoverAnswer;
    const SECTION: Section = Section::HandedOver;

    fn check(
        a: &HandoverAnswer,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        let p = pending(s, a, ev)?;
        ensure(
            ev.author == p.proposer,
            Rule::HandoverWithdrawProposerOnly,
            || {
                format!(
                    "only the proposer {} may withdraw this handover",
                    p.proposer
                )
            },
        )
    }

    fn effects<'a>(a: &'a HandoverAnswer, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::HandoverEnded {
            commitment: &a.commitment,
            outcome: Outcome::Withdrawn,
        });
    }

    fn about(a: &HandoverAnswer) -> About<'_> {
        About::Commitment(&a.commitment)
    }

    fn summary(_: &HandoverAnswer, ev: &Event, _: &Before<'_>, l: Lang) -> String {
        match l {
            Lang::Uk => format!("{} відкликає передачу", ev.author),
            Lang::En => format!("{} withdraws the handover", ev.author),
        }
    }

    fn introduced_keys(_: &HandoverAnswer) -> &[String] {
        &[]
    }
}

impl EventType for ty::CoExecutorAdded {
    type Body = CoExecutorChange;
    const SECTION: Section = Section::Other;

    fn check(
        x: &CoExecutorChange,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        let c = check_coexecutor_change(s, x, ev)?;
        s.active_body(&x.body)?;
        ensure(!State::is_lead(c, &x.body), Rule::CoexecutorIsLead, || {
            format!(
                "{} leads {}; it cannot also be a co-executor",
                x.body, x.commitment
            )
        })?;
        ensure(
            !c.co_executors.contains(&x.body),
            Rule::CoexecutorExists,
            || format!("{} is already a co-executor of {}", x.body, x.commitment),
        )
    }

    fn effects<'a>(x: &'a CoExecutorChange, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::CoExecutorAdded {
            commitment: &x.commitment,
            body: &x.body,
        });
    }

    fn about(x: &CoExecutorChange) -> About<'_> {
        About::Commitment(&x.commitment)
    }

    fn summary(x: &CoExecutorChange, _: &Event, _: &Before<'_>, l: Lang) -> String {
        match l {
            Lang::Uk => format!("додано співвиконавця {}", x.body),
            Lang::En => format!("co-executor {} added", x.body),
        }
    }

    fn introduced_keys(_: &CoExecutorChange) -> &[String] {
        &[]
    }
}

impl EventType for ty::CoExecutorRemoved {
    type Body = CoExecutorChange;
    const SECTION: Section = Section::Other;

    fn check(
        x: &CoExecutorChange,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        let c = check_coexecutor_change(s, x, ev)?;
        ensure(
            c.co_executors.contains(&x.body),
            Rule::CoexecutorUnknown,
            || format!("{} is not a co-executor of {}", x.body, x.commitment),
        )
    }

    fn effects<'a>(x: &'a CoExecutorChange, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::CoExecutorRemoved {
            commitment: &x.commitment,
            body: &x.body,
        });
    }

    fn about(x: &CoExecutorChange) -> About<'_> {
        About::Commitment(&x.commitment)
    }

    fn summary(x: &CoExecutorChange, _: &Event, _: &Before<'_>, l: Lang) -> String {
        match l {
            Lang::Uk => format!("вилучено співвиконавця {}", x.body),
            Lang::En => format!("co-executor {} removed", x.body),
        }
    }

    fn introduced_keys(_: &CoExecutorChange) -> &[String] {
        &[]
    }
}
