//! The event types, by family: each family file holds its types' bodies, their rules (SPEC.md
//! §12.4) and the effects an accepted event has, together.
//!
//! - `registry`: the genesis, bodies and their keys;
//! - `plan`: objectives and commitments, from assignment to cancellation;
//! - `responsibility`: who leads and who co-executes: reassignments, handovers, co-executors;
//! - `progress`: status reports, measurements and deadlines;
//! - `oversight`: assessments, notes and inquiries.
//!
//! An accepted event changes state only through its `Effect`s. Both folds, the rules' `State`
//! (`rules.rs`) and the projections' `History` (`projection/`), match on every effect, so the
//! commitment lifecycle (phases, leads, co-executors, pending handovers) is written once, here,
//! and the two cannot drift apart.

pub mod oversight;
pub mod plan;
pub mod progress;
pub mod registry;
pub mod responsibility;

use crate::event::{
    names, AssessmentRecorded, BodyUpdated, CommitmentFields, DeadlineChanged, DeadlineRequest,
    Event, Genesis, How, IndicatorMeasured, InquiryAnswered, InquiryRaised, NoteAdded,
    ObjectiveDefined, Outcome, Phase, Role, StatusReported,
};
use crate::keys::KeyId;
use crate::rules::{RuleError, State};
use crate::types::*;
use serde::{Deserialize, Serialize};

/// An event type: what its family file says about it. The table in `event.rs` names a marker
/// type (`event::ty::*`) per event type and dispatches to its implementation; every item is
/// required, so a new type cannot leave one out.
pub trait EventType {
    /// The body its events carry.
    type Body;

    /// The section of "what changed" its events are listed in.
    const SECTION: Section;

    /// Its rules, in the order SPEC.md §12.4 lists them. The envelope checks (§12.2) have
    /// passed, except for a genesis, which checks its own (§12.3). `seq` and `recorded_at` are
    /// the entry's.
    fn check(
        b: &Self::Body,
        s: &State,
        ev: &Event,
        seq: u64,
        recorded_at: Millis,
    ) -> Result<(), RuleError>;

    /// What an accepted event changes, in the order the changes apply.
    fn effects<'a>(b: &'a Self::Body, ev: &'a Event, out: &mut impl FnMut(Effect<'a>));

    /// What it is about (a commitment's history lists it).
    fn about(b: &Self::Body) -> About<'_>;

    /// Its line in a commitment's history, in the reader's language. `before` is what that
    /// history said just before the event; for a type that is never about a commitment, the
    /// line is empty.
    fn summary(b: &Self::Body, ev: &Event, before: &Before<'_>, l: crate::l10n::Lang) -> String;

    /// The public keys (base64) it registers, which later events of the same batch may sign
    /// with before the batch is applied.
    fn introduced_keys(b: &Self::Body) -> &[String];
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum About<'a> {
    /// One commitment: the event is part of its history.
    Commitment(&'a CommitmentId),
    /// An inquiry: part of the history of the commitment the inquiry is about, if any.
    Inquiry(&'a InquiryId),
    Nothing,
}

/// About the commitment, if one is named.
impl<'a> From<Option<&'a CommitmentId>> for About<'a> {
    fn from(c: Option<&'a CommitmentId>) -> About<'a> {
        c.map_or(About::Nothing, About::Commitment)
    }
}

/// What a commitment's history said just before an event: what its summary may mention.
#[derive(Debug, Clone, Copy, Default)]
pub struct Before<'a> {
    /// The lead whose responsibility is open.
    pub lead: Option<&'a BodyId>,
    /// The body an assignment named.
    pub assignee: Option<&'a BodyId>,
    /// The deadline in force.
    pub deadline: Option<Date>,
}

/// A change an accepted event makes: the vocabulary the rules' state and the projections fold.
/// Each fold matches every variant; an effect one of them does not keep is an explicit empty
/// arm there.
#[derive(Debug, Clone, Copy)]
pub enum Effect<'a> {
    /// The ledger is founded: origin, time zone, policy and ledger key are fixed.
    Founded(&'a Genesis),
    /// A body joins the ledger.
    BodyJoined {
        id: &'a BodyId,
        name_uk: &'a str,
        name_en: &'a str,
        kind: &'a str,
        roles: &'a [Role],
    },
    /// The given members of a body replace the old ones.
    BodyChanged(&'a BodyUpdated),
    /// `id` is succeeded by `successor` and can take part in nothing more.
    BodySucceeded {
        id: &'a BodyId,
        successor: &'a BodyId,
    },
    /// A key (base64) is registered to `body`.
    KeyAdded {
        body: &'a BodyId,
        public_key: &'a str,
    },
    /// A key signs nothing after this entry.
    KeyRevoked {
        key: &'a KeyId,
    },
    ObjectiveDefined(&'a ObjectiveDefined),
    /// A commitment begins, in phase `Assigned` (an assignment to `lead`, not yet accepted) or
    /// `Active` (made by `lead` itself), with the co-executors its fields name.
    CommitmentCreated {
        fields: &'a CommitmentFields,
        lead: &'a BodyId,
        phase: Phase,
    },
    /// The commitment enters `phase` (`Active` or `Rejected`; closing is `Closed`).
    Phase {
        commitment: &'a CommitmentId,
        phase: Phase,
    },
    /// `to` leads the commitment from now on, and is no longer one of its co-executors.
    Lead {
        commitment: &'a CommitmentId,
        to: &'a BodyId,
        how: How,
    },
    /// Nobody leads the commitment any more (a rejected assignment).
    LeadCleared {
        commitment: &'a CommitmentId,
    },
    /// The commitment is cancelled, or superseded by `superseded_by`: a final phase. A pending
    /// handover lapses, and nobody is responsible for it from now on.
    Closed {
        commitment: &'a CommitmentId,
        superseded_by: Option<&'a CommitmentId>,
    },
    /// A coordinator moves the lead to `to` without its acceptance (the `Lead` change follows);
    /// the record of a forced reassignment.
    Reassigned {
        commitment: &'a CommitmentId,
        to: &'a BodyId,
        reason: &'a str,
    },
    /// A handover to `to` is pending until answered, withdrawn or overtaken.
    HandoverProposed {
        commitment: &'a CommitmentId,
        proposal: &'a EventId,
        proposer: &'a BodyId,
        to: &'a BodyId,
        reason: &'a str,
    },
    /// The pending handover, if any, ends so.
    HandoverEnded {
        commitment: &'a CommitmentId,
        outcome: Outcome,
    },
    CoExecutorAdded {
        commitment: &'a CommitmentId,
        body: &'a BodyId,
    },
    CoExecutorRemoved {
        commitment: &'a CommitmentId,
        body: &'a BodyId,
    },
    /// A status report: a claim, which an assessment may name by its event id.
    Claim {
        id: &'a EventId,
        report: &'a StatusReported,
    },
    Measured(&'a IndicatorMeasured),
    /// A request for a later deadline, which a deadline change may name by its event id.
    ExtensionRequested {
        id: &'a EventId,
        request: &'a DeadlineRequest,
    },
    DeadlineChanged(&'a DeadlineChanged),
    Assessed(&'a AssessmentRecorded),
    Noted(&'a NoteAdded),
    InquiryRaised(&'a InquiryRaised),
    InquiryAnswered(&'a InquiryAnswered),
}

names! {
    /// The sections of "what changed between two points" (`views::changes`), in order.
    pub enum Section {
        /// New and accepted commitments.
        Added = "added",
        /// Handovers and reassignments.
        HandedOver = "handed_over",
        /// Deadline changes and extension requests.
        Redated = "redated",
        /// Status reports and measurements.
        Reported = "reported",
        /// Assessments and notes.
        Assessed = "assessed",
        /// Cancelled, superseded and rejected commitments.
        Closed = "closed",
        Inquiries = "inquiries",
        /// Everything else: the registry, objectives, co-executors.
        Other = "other",
    }
}

impl Section {
    /// Its position in `ALL`.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A text cut to 120 characters for a summary line.
pub(crate) fn short(s: &str) -> String {
    const MAX: usize = 120;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX - 1).collect();
        t.push('…');
        t
    }
}
