//! Progress: the lead's status reports (claims), measurements of indicators, and deadlines
//! (SPEC.md §12.4).

use super::{short, About, Before, Effect, EventType, Section};
use crate::event::{ty, Event, Evidence, Role, Status};
use crate::l10n::{self, Lang};
use crate::rules::{ensure, non_empty, Rule, RuleError, State};
use crate::types::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StatusReported {
    pub commitment: CommitmentId,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IndicatorMeasured {
    pub commitment: CommitmentId,
    pub indicator: IndicatorId,
    pub value: Decimal,
    pub as_of: Date,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DeadlineRequest {
    pub commitment: CommitmentId,
    pub deadline: Date,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct DeadlineChanged {
    pub commitment: CommitmentId,
    pub deadline: Date,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<EventId>,
}

impl EventType for ty::StatusReported {
    type Body = StatusReported;
    const SECTION: Section = Section::Reported;

    fn check(
        r: &StatusReported,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        let c = s.active_commitment(&r.commitment, ev.kind())?;
        ensure(State::is_lead(c, &ev.author), Rule::StatusLeadOnly, || {
            format!("only the lead of {} may report its status", r.commitment)
        })
    }

    fn effects<'a>(r: &'a StatusReported, ev: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::Claim {
            id: &ev.id,
            report: r,
        });
    }

    fn about(r: &StatusReported) -> About<'_> {
        About::Commitment(&r.commitment)
    }

    fn summary(r: &StatusReported, _: &Event, _: &Before<'_>, l: Lang) -> String {
        let evidence = l10n::count(l, r.evidence.len() as u64, &l10n::EVIDENCE);
        let note = r
            .note
            .as_deref()
            .map(|n| format!(": {}", short(n)))
            .unwrap_or_default();
        let status = l10n::status(l, Some(r.status));
        match l {
            Lang::Uk => format!("стан «{status}» ({evidence}){note}"),
            Lang::En => format!("status {status} ({evidence}){note}"),
        }
    }

    fn introduced_keys(_: &StatusReported) -> &[String] {
        &[]
    }
}

impl EventType for ty::IndicatorMeasured {
    type Body = IndicatorMeasured;
    const SECTION: Section = Section::Reported;

    fn check(
        m: &IndicatorMeasured,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        let c = s.active_commitment(&m.commitment, ev.kind())?;
        ensure(
            State::is_lead(c, &ev.author) || c.co_executors.contains(&ev.author),
            Rule::IndicatorWho,
            || {
                format!(
                    "only the lead or a co-executor of {} may record a measurement",
                    m.commitment
                )
            },
        )?;
        ensure(
            c.indicators.contains(&m.indicator),
            Rule::IndicatorUnknown,
            || {
                format!(
                    "commitment {} has no indicator {}",
                    m.commitment, m.indicator
                )
            },
        )
    }

    fn effects<'a>(m: &'a IndicatorMeasured, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::Measured(m));
    }

    fn about(m: &IndicatorMeasured) -> About<'_> {
        About::Commitment(&m.commitment)
    }

    fn summary(m: &IndicatorMeasured, _: &Event, _: &Before<'_>, l: Lang) -> String {
        let (i, v, d) = (
            &m.indicator,
            l10n::decimal(l, &m.value.to_string()),
            l10n::date(l, m.as_of),
        );
        match l {
            Lang::Uk => format!("показник {i} = {v} станом на {d}"),
            Lang::En => format!("indicator {i} = {v} as of {d}"),
        }
    }

    fn introduced_keys(_: &IndicatorMeasured) -> &[String] {
        &[]
    }
}

impl EventType for ty::DeadlineExtensionRequested {
    type Body = DeadlineRequest;
    const SECTION: Section = Section::Redated;

    fn check(
        d: &DeadlineRequest,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        let c = s.active_commitment(&d.commitment, ev.kind())?;
        ensure(
            State::is_lead(c, &ev.author),
            Rule::DeadlineRequestLeadOnly,
            || {
                format!(
                    "only the lead of {} may request a deadline extension",
                    d.commitment
                )
            },
        )?;
        non_empty(&d.reason, "reason")
    }

    fn effects<'a>(d: &'a DeadlineRequest, ev: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::ExtensionRequested {
            id: &ev.id,
            request: d,
        });
    }

    fn about(d: &DeadlineRequest) -> About<'_> {
        About::Commitment(&d.commitment)
    }

    fn summary(d: &DeadlineRequest, _: &Event, _: &Before<'_>, l: Lang) -> String {
        let (to, why) = (l10n::date(l, d.deadline), short(&d.reason));
        match l {
            Lang::Uk => format!("запит на продовження строку до {to}: {why}"),
            Lang::En => format!("extension to {to} requested: {why}"),
        }
    }

    fn introduced_keys(_: &DeadlineRequest) -> &[String] {
        &[]
    }
}

impl EventType for ty::DeadlineChanged {
    type Body = DeadlineChanged;
    const SECTION: Section = Section::Redated;

    fn check(
        d: &DeadlineChanged,
        s: &State,
        ev: &Event,
        _: u64,
        _: Millis,
    ) -> Result<(), RuleError> {
        s.require_role(&ev.author, Role::Coordinator, ev.kind())?;
        let c = s.open_commitment(&d.commitment)?;
        if let Some(r) = &d.request {
            ensure(
                c.extension_requests.contains(r),
                Rule::DeadlineNoSuchRequest,
                || format!("event {r} is not an extension request for {}", d.commitment),
            )?;
        }
        non_empty(&d.reason, "reason")
    }

    fn effects<'a>(d: &'a DeadlineChanged, _: &'a Event, out: &mut impl FnMut(Effect<'a>)) {
        out(Effect::DeadlineChanged(d));
    }

    fn about(d: &DeadlineChanged) -> About<'_> {
        About::Commitment(&d.commitment)
    }

    fn summary(d: &DeadlineChanged, _: &Event, before: &Before<'_>, l: Lang) -> String {
        let from = before
            .deadline
            .map(|x| l10n::date(l, x))
            .unwrap_or_default();
        let (to, why) = (l10n::date(l, d.deadline), short(&d.reason));
        format!("{} {from} → {to}: {why}", l.pick("строк", "deadline"))
    }

    fn introduced_keys(_: &DeadlineChanged) -> &[String] {
        &[]
    }
}
