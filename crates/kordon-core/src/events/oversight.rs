//! Oversight: assessments of claims, notes, and inquiries with their answers (SPEC.md §12.4).

use super::{short, About, Before, Effect, EventType, Section};
use crate::event::{ty, Event, Evidence, Role, Verdict};
use crate::l10n::{self, Lang};
use crate::rules::{ensure, fail, non_empty, Rule, RuleError, State};
use crate::types::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct AssessmentRecorded {
    pub commitment: CommitmentId,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim: Option<EventId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NoteAdded {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<CommitmentId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<EventId>,
    pub text: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct InquiryRaised {
    pub inquiry: InquiryId,
    pub to: BodyId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commitment: Option<CommitmentId>,
    pub question: String,
    pub due: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct InquiryAnswered {
    pub inquiry: InquiryId,
    pub answer: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

impl EventType for ty::AssessmentRecorded {
    type Body = AssessmentRecorded;
    const SECTION: Section = Section::Assessed;

    fn check(
        a: &AssessmentRecorded,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        let author = &ev.author;
        ensure(
            s.has_role(author, Role::Overseer) || s.has_role(author, Role::Coordinator),
            Rule::RoleRequired,
            || {
                format!("assessment.recorded must be signed by an overseer or coordinator; {author} is neither")
            },
        )?;
        let c = s.commitment(&a.commitment)?;
        if let Some(claim) = &a.claim {
            ensure(
                c.claims.contains(claim),
                Rule::AssessmentNoSuchClaim,
                || format!("event {claim} is not a status report of {}", a.commitment),
            )?;
        }
        Ok(())
    }

    fn effects<'a>(a: &'a AssessmentRecorded, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::Assessed(a));
    }

    fn about(a: &AssessmentRecorded) -> About<'_> {
        About::Commitment(&a.commitment)
    }

    fn summary(a: &AssessmentRecorded, _: &Event, _: &Before<'_>, l: Lang) -> String {
        let note = a
            .note
            .as_deref()
            .map(|n| format!(": {}", short(n)))
            .unwrap_or_default();
        let verdict = l10n::verdict(l, Some(a.verdict));
        match l {
            Lang::Uk => format!("оцінка «{verdict}»{note}"),
            Lang::En => format!("assessed {verdict}{note}"),
        }
    }

    fn introduced_keys(_: &AssessmentRecorded) -> &[String] {
        &[]
    }
}

impl EventType for ty::NoteAdded {
    type Body = NoteAdded;
    const SECTION: Section = Section::Assessed;

    fn check(n: &NoteAdded, s: &State, _: &Event, _: u64, _: Millis) -> Result<(), RuleError> {
        if let Some(c) = &n.commitment {
            s.commitment(c)?;
        }
        if let Some(about) = &n.about {
            ensure(s.has_event_id(about), Rule::NoteNoSuchEvent, || {
                format!("event {about} is not in the ledger")
            })?;
        }
        non_empty(&n.text, "text")
    }

    fn effects<'a>(n: &'a NoteAdded, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::Noted(n));
    }

    fn about(n: &NoteAdded) -> About<'_> {
        n.commitment.as_ref().into()
    }

    fn summary(n: &NoteAdded, _: &Event, _: &Before<'_>, l: Lang) -> String {
        format!("{}: {}", l.pick("примітка", "note"), short(&n.text))
    }

    fn introduced_keys(_: &NoteAdded) -> &[String] {
        &[]
    }
}

impl EventType for ty::InquiryRaised {
    type Body = InquiryRaised;
    const SECTION: Section = Section::Inquiries;

    fn check(q: &InquiryRaised, s: &State, ev: &Event, _: u64, _: Millis) -> Result<(), RuleError> {
        s.require_role(&ev.author, Role::Overseer, ev.kind())?;
        ensure(
            !s.inquiries.contains_key(&q.inquiry),
            Rule::InquiryExists,
            || format!("inquiry {} already exists", q.inquiry),
        )?;
        s.active_body(&q.to)?;
        if let Some(c) = &q.commitment {
            s.commitment(c)?;
        }
        non_empty(&q.question, "question")
    }

    fn effects<'a>(q: &'a InquiryRaised, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::InquiryRaised(q));
    }

    fn about(q: &InquiryRaised) -> About<'_> {
        q.commitment.as_ref().into()
    }

    fn summary(q: &InquiryRaised, _: &Event, _: &Before<'_>, l: Lang) -> String {
        let (id, to, due, what) = (&q.inquiry, &q.to, l10n::date(l, q.due), short(&q.question));
        match l {
            Lang::Uk => format!("запит {id} до {to}, відповісти до {due}: {what}"),
            Lang::En => format!("inquiry {id} to {to}, due {due}: {what}"),
        }
    }

    fn introduced_keys(_: &InquiryRaised) -> &[String] {
        &[]
    }
}

impl EventType for ty::InquiryAnswered {
    type Body = InquiryAnswered;
    const SECTION: Section = Section::Inquiries;

    fn check(
        a: &InquiryAnswered,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        let Some(q) = s.inquiries.get(&a.inquiry) else {
            return fail(
                Rule::InquiryUnknown,
                format!("inquiry {} does not exist", a.inquiry),
            );
        };
        ensure(!q.answered, Rule::InquiryAnswered, || {
            format!(
                "inquiry {} is already answered; add a note instead",
                a.inquiry
            )
        })?;
        ensure(
            s.is_or_succeeds(&ev.author, &q.to),
            Rule::InquiryAnswerAddresseeOnly,
            || {
                format!(
                    "only {} (or its successor) may answer inquiry {}",
                    q.to, a.inquiry
                )
            },
        )?;
        non_empty(&a.answer, "answer")
    }

    fn effects<'a>(a: &'a InquiryAnswered, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::InquiryAnswered(a));
    }

    fn about(a: &InquiryAnswered) -> About<'_> {
        About::Inquiry(&a.inquiry)
    }

    fn summary(a: &InquiryAnswered, _: &Event, _: &Before<'_>, l: Lang) -> String {
        let (id, what) = (&a.inquiry, short(&a.answer));
        match l {
            Lang::Uk => format!("відповідь на запит {id}: {what}"),
            Lang::En => format!("inquiry {id} answered: {what}"),
        }
    }

    fn introduced_keys(_: &InquiryAnswered) -> &[String] {
        &[]
    }
}
