//! The plan: strategic objectives and commitments, from assignment (or a body's own commitment)
//! through acceptance or rejection to cancellation or supersession (SPEC.md §12.4).

use super::{short, About, Before, Effect, EventType, Section};
use crate::event::{ty, Component, Event, Funding, Indicator, Phase, Role};
use crate::l10n::{self, Lang};
use crate::rules::{ensure, fail, non_empty, Rule, RuleError, State};
use crate::types::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ObjectiveDefined {
    pub id: ObjectiveId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ObjectiveId>,
    pub title_uk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub components: Vec<Component>,
}

/// The fields of a commitment, shared by `commitment.assigned` (with a lead) and
/// `commitment.made` (the author is the lead).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CommitmentFields {
    pub id: CommitmentId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<BodyId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<ObjectiveId>,
    pub title_uk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_en: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub co_executors: Vec<BodyId>,
    pub deadline: Date,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indicators: Vec<Indicator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding: Option<Funding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub act: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CommitmentRef {
    pub commitment: CommitmentId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CommitmentReason {
    pub commitment: CommitmentId,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CommitmentSuperseded {
    pub commitment: CommitmentId,
    pub successor: CommitmentId,
    pub reason: String,
}

/// The *commitment field checks* of `commitment.assigned` and `commitment.made`, in order.
fn check_fields(s: &State, c: &CommitmentFields, lead: &BodyId) -> Result<(), RuleError> {
    ensure(
        !s.commitments.contains_key(&c.id),
        Rule::CommitmentExists,
        || format!("commitment {} already exists", c.id),
    )?;
    non_empty(&c.title_uk, "title_uk")?;
    if let Some(o) = &c.objective {
        ensure(s.objectives.contains(o), Rule::ObjectiveUnknown, || {
            format!("objective {o} is not defined")
        })?;
    }
    s.check_executor(lead)?;
    let mut seen = BTreeSet::new();
    for b in &c.co_executors {
        s.active_body(b)?;
        ensure(b != lead, Rule::CoexecutorIsLead, || {
            format!("{b} leads {}; it cannot also be a co-executor", c.id)
        })?;
        ensure(seen.insert(b), Rule::CoexecutorExists, || {
            format!("co-executor {b} is listed twice")
        })?;
    }
    let mut ids = HashSet::new();
    for i in &c.indicators {
        ensure(ids.insert(&i.id), Rule::IndicatorDuplicate, || {
            format!("indicator {} is listed twice", i.id)
        })?;
    }
    Ok(())
}

/// `commitment.not-assigned`, then the assignee-only rule `who`, for an answer (`verb`) to an
/// assignment.
fn check_answer(
    s: &State,
    ev: &Event,
    id: &CommitmentId,
    who: Rule,
    verb: &str,
) -> Result<(), RuleError> {
    let c = s.commitment(id)?;
    ensure(
        c.phase == Phase::Assigned,
        Rule::CommitmentNotAssigned,
        || {
            format!(
                "commitment {id} is not awaiting acceptance (it is {:?})",
                c.phase
            )
        },
    )?;
    ensure(State::is_lead(c, &ev.author), who, || {
        format!("only the assigned lead may {verb} commitment {id}")
    })
}

impl EventType for ty::ObjectiveDefined {
    type Body = ObjectiveDefined;
    const SECTION: Section = Section::Other;

    fn check(
        o: &ObjectiveDefined,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        s.require_role(&ev.author, Role::Coordinator, ev.kind())?;
        ensure(!s.objectives.contains(&o.id), Rule::ObjectiveExists, || {
            format!("objective {} is already defined", o.id)
        })?;
        if let Some(p) = &o.parent {
            ensure(s.objectives.contains(p), Rule::ObjectiveUnknown, || {
                format!("parent objective {p} is not defined")
            })?;
        }
        non_empty(&o.title_uk, "title_uk")
    }

    fn effects<'a>(o: &'a ObjectiveDefined, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::ObjectiveDefined(o));
    }

    fn about(_: &ObjectiveDefined) -> About<'_> {
        About::Nothing
    }

    fn summary(_: &ObjectiveDefined, _: &Event, _: &Before<'_>, _: Lang) -> String {
        String::new()
    }

    fn introduced_keys(_: &ObjectiveDefined) -> &[String] {
        &[]
    }
}

impl EventType for ty::CommitmentAssigned {
    type Body = CommitmentFields;
    const SECTION: Section = Section::Added;

    fn check(
        c: &CommitmentFields,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        s.require_role(&ev.author, Role::Coordinator, ev.kind())?;
        let Some(lead) = &c.lead else {
            return fail(Rule::CommitmentLead, "commitment.assigned needs a lead");
        };
        check_fields(s, c, lead)
    }

    fn effects<'a>(c: &'a CommitmentFields, ev: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::CommitmentCreated {
            fields: c,
            lead: c.lead.as_ref().unwrap_or(&ev.author),
            phase: Phase::Assigned,
        });
    }

    fn about(c: &CommitmentFields) -> About<'_> {
        About::Commitment(&c.id)
    }

    fn summary(c: &CommitmentFields, ev: &Event, _: &Before<'_>, l: Lang) -> String {
        let lead = c.lead.as_ref().unwrap_or(&ev.author);
        let d = l10n::date(l, c.deadline);
        match l {
            Lang::Uk => format!("доручено {lead}, строк {d}"),
            Lang::En => format!("assigned to {lead}, deadline {d}"),
        }
    }

    fn introduced_keys(_: &CommitmentFields) -> &[String] {
        &[]
    }
}

impl EventType for ty::CommitmentMade {
    type Body = CommitmentFields;
    const SECTION: Section = Section::Added;

    fn check(
        c: &CommitmentFields,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        let author = &ev.author;
        s.require_role(author, Role::Executor, ev.kind())?;
        ensure(
            c.lead.is_none() || c.lead.as_ref() == Some(author),
            Rule::CommitmentLead,
            || {
                "in commitment.made the author is the lead; leave lead out or name the author"
                    .into()
            },
        )?;
        check_fields(s, c, author)
    }

    fn effects<'a>(c: &'a CommitmentFields, ev: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::CommitmentCreated {
            fields: c,
            lead: &ev.author,
            phase: Phase::Active,
        });
    }

    fn about(c: &CommitmentFields) -> About<'_> {
        About::Commitment(&c.id)
    }

    fn summary(c: &CommitmentFields, ev: &Event, _: &Before<'_>, l: Lang) -> String {
        let (a, d) = (&ev.author, l10n::date(l, c.deadline));
        match l {
            Lang::Uk => format!("{a} бере зобов’язання, строк {d}"),
            Lang::En => format!("{a} commits itself, deadline {d}"),
        }
    }

    fn introduced_keys(_: &CommitmentFields) -> &[String] {
        &[]
    }
}

impl EventType for ty::CommitmentAccepted {
    type Body = CommitmentRef;
    const SECTION: Section = Section::Added;

    fn check(r: &CommitmentRef, s: &State, ev: &Event, _: u64, _: Millis) -> Result<(), RuleError> {
        check_answer(
            s,
            ev,
            &r.commitment,
            Rule::CommitmentAcceptAssigneeOnly,
            "accept",
        )
    }

    fn effects<'a>(r: &'a CommitmentRef, ev: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::Phase {
            commitment: &r.commitment,
            phase: Phase::Active,
        });
        out(Effect::Lead {
            commitment: &r.commitment,
            to: &ev.author,
            how: crate::event::How::Accepted,
        });
    }

    fn about(r: &CommitmentRef) -> About<'_> {
        About::Commitment(&r.commitment)
    }

    fn summary(_: &CommitmentRef, ev: &Event, _: &Before<'_>, l: Lang) -> String {
        match l {
            Lang::Uk => format!("{} приймає доручення", ev.author),
            Lang::En => format!("{} accepts the assignment", ev.author),
        }
    }

    fn introduced_keys(_: &CommitmentRef) -> &[String] {
        &[]
    }
}

impl EventType for ty::CommitmentRejected {
    type Body = CommitmentReason;
    const SECTION: Section = Section::Closed;

    fn check(
        r: &CommitmentReason,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        check_answer(
            s,
            ev,
            &r.commitment,
            Rule::CommitmentRejectAssigneeOnly,
            "reject",
        )?;
        non_empty(&r.reason, "reason")
    }

    fn effects<'a>(r: &'a CommitmentReason, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::Phase {
            commitment: &r.commitment,
            phase: Phase::Rejected,
        });
        out(Effect::LeadCleared {
            commitment: &r.commitment,
        });
    }

    fn about(r: &CommitmentReason) -> About<'_> {
        About::Commitment(&r.commitment)
    }

    fn summary(r: &CommitmentReason, ev: &Event, _: &Before<'_>, l: Lang) -> String {
        let (a, why) = (&ev.author, short(&r.reason));
        match l {
            Lang::Uk => format!("{a} відхиляє доручення: {why}"),
            Lang::En => format!("{a} rejects the assignment: {why}"),
        }
    }

    fn introduced_keys(_: &CommitmentReason) -> &[String] {
        &[]
    }
}

impl EventType for ty::CommitmentCancelled {
    type Body = CommitmentReason;
    const SECTION: Section = Section::Closed;

    fn check(
        r: &CommitmentReason,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        s.require_role(&ev.author, Role::Coordinator, ev.kind())?;
        s.open_commitment(&r.commitment)?;
        non_empty(&r.reason, "reason")
    }

    fn effects<'a>(r: &'a CommitmentReason, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::Closed {
            commitment: &r.commitment,
            superseded_by: None,
        });
    }

    fn about(r: &CommitmentReason) -> About<'_> {
        About::Commitment(&r.commitment)
    }

    fn summary(r: &CommitmentReason, _: &Event, _: &Before<'_>, l: Lang) -> String {
        format!("{}: {}", l.pick("скасовано", "cancelled"), short(&r.reason))
    }

    fn introduced_keys(_: &CommitmentReason) -> &[String] {
        &[]
    }
}

impl EventType for ty::CommitmentSuperseded {
    type Body = CommitmentSuperseded;
    const SECTION: Section = Section::Closed;

    fn check(
        c: &CommitmentSuperseded,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        s.require_role(&ev.author, Role::Coordinator, ev.kind())?;
        s.open_commitment(&c.commitment)?;
        s.commitment(&c.successor)?;
        ensure(
            c.successor != c.commitment,
            Rule::CommitmentSuccessor,
            || "a commitment cannot supersede itself".into(),
        )?;
        non_empty(&c.reason, "reason")
    }

    fn effects<'a>(c: &'a CommitmentSuperseded, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::Closed {
            commitment: &c.commitment,
            superseded_by: Some(&c.successor),
        });
    }

    fn about(c: &CommitmentSuperseded) -> About<'_> {
        About::Commitment(&c.commitment)
    }

    fn summary(c: &CommitmentSuperseded, _: &Event, _: &Before<'_>, l: Lang) -> String {
        let (to, why) = (&c.successor, short(&c.reason));
        match l {
            Lang::Uk => format!("замінено на {to}: {why}"),
            Lang::En => format!("superseded by {to}: {why}"),
        }
    }

    fn introduced_keys(_: &CommitmentSuperseded) -> &[String] {
        &[]
    }
}
