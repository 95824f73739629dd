//! The live state of every commitment at the head of the ledger, kept up to date as entries
//! are folded: what the whole-ledger views (overdue, the scorecard, the objectives, data
//! quality, a body's portfolio) read when they are asked about the head, instead of walking
//! each commitment's history (`views::overdue_at_head` and the others `*_at_head`).
//!
//! A `Live` is a function of the commitment's record at the head (`Live::of`), recomputed for
//! each commitment an entry touches, so it cannot drift from the records the views read at
//! any other point; the views' tests hold the two ways to the same answers.

use super::*;
use crate::event::Status;
use crate::projection::views::Risk;

/// One commitment at the head, in a few compact facts (bodies by `History`'s body index).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    pub created_at: Millis,
    pub objective: Option<ObjectiveId>,
    pub phase: Phase,
    pub lead: Option<u32>,
    pub assigned_to: Option<u32>,
    /// One per open co-executor interval.
    pub co_executors: Vec<u32>,
    pub deadline: Date,
    /// The status of the latest claim.
    pub claim: Option<Status>,
    /// The latest assessment confirmed the commitment.
    pub confirmed: bool,
    pub deadline_changes: u32,
    /// Accepted handovers: (to, from).
    pub handovers: Vec<(u32, Option<u32>)>,
    /// Every milestone of every indicator, in the order `at_risk_at` looks at them.
    pub milestones: Vec<LiveMilestone>,
    /// The problems of its fields the data-quality view lists (they never change).
    pub problems: Vec<(&'static str, Arc<Summary>)>,
    /// Its claims of implementation without evidence, in order: (by, the problem in words).
    pub unevidenced: Vec<(u32, Arc<Summary>)>,
}

/// A milestone and the latest measurement of its indicator by its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveMilestone {
    pub indicator: IndicatorId,
    pub date: Date,
    pub value: Decimal,
    /// The indicator falls from its baseline to its target (a milestone is reached by going
    /// down to it).
    pub falling: bool,
    /// (as_of, seq, value) of the latest measurement by `date`, by (as_of, seq).
    pub latest: Option<(Date, u64, Decimal)>,
    pub reached: bool,
}

impl Live {
    /// The facts of `c` after every entry folded so far; `ix` gives a body's index.
    pub fn of(c: &CommitmentRec, ix: &impl Fn(&BodyId) -> u32) -> Live {
        let mut live = Live {
            created_at: c.created_at,
            objective: c.fields.objective.clone(),
            phase: Phase::Assigned,
            lead: None,
            assigned_to: None,
            co_executors: Vec::new(),
            deadline: c.fields.deadline,
            claim: None,
            confirmed: false,
            deadline_changes: 0,
            handovers: Vec::new(),
            milestones: c
                .fields
                .indicators
                .iter()
                .flat_map(|ind| {
                    ind.milestones.iter().map(|m| LiveMilestone {
                        indicator: ind.id.clone(),
                        date: m.date,
                        value: m.value.clone(),
                        falling: views::falling(ind),
                        latest: None,
                        reached: false,
                    })
                })
                .collect(),
            problems: (views::field_problems(&c.fields).into_iter())
                .map(|(k, d)| (k, Arc::new(d)))
                .collect(),
            unevidenced: Vec::new(),
        };
        live.refresh(c, ix);
        for m in &c.measures {
            live.measured(m);
        }
        for cl in &c.claims {
            live.claimed(cl, ix(&cl.by));
        }
        live
    }

    /// A new claim by the body of index `by`: a problem if it claims implementation without
    /// evidence.
    pub fn claimed(&mut self, cl: &ClaimRec, by: u32) {
        if let Some(p) = views::claim_problem(cl) {
            self.unevidenced.push((by, Arc::new(p)));
        }
    }

    /// Recomputes every fact but the milestones from `c` (the milestones follow measurements,
    /// `measured`).
    pub fn refresh(&mut self, c: &CommitmentRec, ix: &impl Fn(&BodyId) -> u32) {
        let n = u64::MAX;
        self.phase = c.phase_at(n);
        self.lead = c.lead_ref_at(n).map(ix);
        self.assigned_to = c.assigned_to.as_ref().map(ix);
        self.co_executors.clear();
        self.co_executors.extend(
            c.co_executors
                .iter()
                .filter(|l| l.to.is_none())
                .map(|l| ix(&l.body)),
        );
        self.deadline = c.deadline_at(n);
        self.claim = c.claim_at(n).map(|x| x.status);
        self.confirmed = c
            .assessment_at(n)
            .is_some_and(|a| a.verdict == Verdict::Confirmed);
        self.deadline_changes = c.deadlines.len() as u32;
        self.handovers.clear();
        self.handovers.extend(
            c.handovers
                .iter()
                .filter(|x| x.outcome.is_some_and(|o| o.2 == Outcome::Accepted))
                .map(|x| (ix(&x.to), x.from.as_ref().map(ix))),
        );
    }

    /// A new measurement: the milestones of its indicator it may now be the latest for.
    pub fn measured(&mut self, m: &MeasureRec) {
        for ms in self
            .milestones
            .iter_mut()
            .filter(|ms| ms.indicator == m.indicator && m.as_of <= ms.date)
        {
            if ms
                .latest
                .as_ref()
                .is_none_or(|l| (m.as_of, m.seq) > (l.0, l.1))
            {
                ms.reached = views::reaches(&m.value, &ms.value, ms.falling);
                ms.latest = Some((m.as_of, m.seq, m.value.clone()));
            }
        }
    }

    pub fn open(&self) -> bool {
        matches!(self.phase, Phase::Assigned | Phase::Active)
    }

    /// Days over the deadline on `today`, as `CommitmentRec::overdue_at` counts them.
    pub fn overdue(&self, today: Date) -> Option<i64> {
        if !self.open() || self.claim == Some(Status::Implemented) {
            return None;
        }
        (self.deadline < today).then(|| views::days_between(self.deadline, today))
    }

    /// Why the commitment is at risk on `today`, as `CommitmentRec::at_risk_at` says.
    pub fn at_risk(&self, today: Date) -> Option<Risk> {
        if !self.open() || self.overdue(today).is_some() {
            return None;
        }
        match self.claim {
            Some(s @ (Status::AtRisk | Status::Blocked)) => {
                return Some(Risk::Reported { status: s })
            }
            Some(Status::Implemented) => return None,
            _ => {}
        }
        self.milestones
            .iter()
            .find(|m| m.date < today && !m.reached)
            .map(|m| Risk::Milestone {
                value: m.value.clone(),
                indicator: m.indicator.clone(),
                by: m.date,
                measured: m.latest.as_ref().map(|l| l.2.clone()),
            })
    }

    /// Whether `body` answers for the commitment: it leads it, is a co-executor, or was
    /// assigned it and has not yet accepted.
    pub fn involves(&self, body: u32) -> bool {
        self.lead == Some(body)
            || self.co_executors.contains(&body)
            || (self.phase == Phase::Assigned && self.assigned_to == Some(body))
    }
}

/// The inquiries at the head: each body's counts, and the open ones by due date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inquiries {
    /// By body index: received, answered on time, answered late, open.
    pub counts: Vec<[u32; 4]>,
    /// The open inquiries, by (due, id).
    pub open: std::collections::BTreeSet<(Date, InquiryId)>,
}

impl Inquiries {
    fn count(&mut self, body: u32) -> Option<&mut [u32; 4]> {
        let i = usize::try_from(body).ok().filter(|_| body != u32::MAX)?;
        if self.counts.len() <= i {
            self.counts.resize(i + 1, [0; 4]);
        }
        self.counts.get_mut(i)
    }

    /// An inquiry raised to the body of index `to`.
    pub fn raised(&mut self, q: &InquiryRec, to: u32) {
        if let Some(c) = self.count(to) {
            c[0] += 1;
            c[3] += 1;
        }
        self.open.insert((q.due, q.id.clone()));
    }

    /// An open inquiry answered, on time or not (by the answer's date in the ledger's zone).
    pub fn answered(&mut self, q: &InquiryRec, to: u32, on_time: bool) {
        if !self.open.remove(&(q.due, q.id.clone())) {
            return;
        }
        if let Some(c) = self.count(to) {
            c[3] -= 1;
            c[if on_time { 1 } else { 2 }] += 1;
        }
    }
}

/// The commitment whose facts (all but its milestones) an effect may change, if any. Every
/// effect is named, so a new one must say.
pub(super) fn changed<'a>(e: &Effect<'a>) -> Option<&'a CommitmentId> {
    match e {
        Effect::CommitmentCreated { fields, .. } => Some(&fields.id),
        Effect::Phase { commitment, .. }
        | Effect::Lead { commitment, .. }
        | Effect::LeadCleared { commitment }
        | Effect::Closed { commitment, .. }
        | Effect::Reassigned { commitment, .. }
        | Effect::HandoverProposed { commitment, .. }
        | Effect::HandoverEnded { commitment, .. }
        | Effect::CoExecutorAdded { commitment, .. }
        | Effect::CoExecutorRemoved { commitment, .. } => Some(commitment),
        Effect::Claim { report, .. } => Some(&report.commitment),
        Effect::ExtensionRequested { request, .. } => Some(&request.commitment),
        Effect::DeadlineChanged(d) => Some(&d.commitment),
        Effect::Assessed(a) => Some(&a.commitment),
        Effect::Noted(n) => n.commitment.as_ref(),
        Effect::Founded(_)
        | Effect::BodyJoined { .. }
        | Effect::BodyChanged(_)
        | Effect::BodySucceeded { .. }
        | Effect::KeyAdded { .. }
        | Effect::KeyRevoked { .. }
        | Effect::ObjectiveDefined(_)
        | Effect::Measured(_)
        | Effect::InquiryRaised(_)
        | Effect::InquiryAnswered(_) => None,
    }
}
