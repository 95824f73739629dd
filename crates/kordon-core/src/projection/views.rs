//! The views oversight asks for, each computed from `History` at a `Point`. Nothing here is
//! stored: overdue, at risk and on time are computed from deadlines, statuses and the day.
//!
//! Every view is also a `Table` (one fact per column) for terminals and CSV; JSON is the
//! serde form of the view structs.

use super::*;
use crate::events::Section;

/// A flat table: a header row and rows of cells.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
}

pub trait Tabular {
    /// Every fact in its own column (CSV); the texts kordon writes (summaries) in `l`.
    fn table(&self, l: Lang) -> Table;
    /// The same for an 80-column terminal: fewer or combined columns where needed.
    fn narrow(&self, l: Lang) -> Table {
        self.table(l)
    }
}

fn opt<T: std::fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(|x| x.to_string()).unwrap_or_default()
}

/// Calendar days from `a` to `b` (negative if `b` is earlier).
pub(super) fn days_between(a: Date, b: Date) -> i64 {
    // Civil days are all 24 hours long; the duration is computed from day numbers.
    a.0.duration_until(b.0).as_secs() / 86_400
}

/// An inquiry as it stood at `size`: an answer recorded later is not yet there.
fn inquiry_at(q: &InquiryRec, size: u64) -> InquiryRec {
    let mut q = q.clone();
    if q.answered.as_ref().is_some_and(|a| a.0 >= size) {
        q.answered = None;
    }
    q
}

// ---------------------------------------------------------------------------------------------
// Facts about one commitment at a point.

impl CommitmentRec {
    pub fn exists_at(&self, size: u64) -> bool {
        self.created < size
    }

    pub fn phase_at(&self, size: u64) -> Phase {
        self.phases
            .iter()
            .rev()
            .find(|p| p.0 < size)
            .map(|p| p.1)
            .unwrap_or(Phase::Assigned)
    }

    pub fn lead_at(&self, size: u64) -> Option<BodyId> {
        self.lead_ref_at(size).cloned()
    }

    /// The lead at `size`, without copying it: the interval that had started and not ended.
    pub fn lead_ref_at(&self, size: u64) -> Option<&BodyId> {
        self.leads
            .iter()
            .rev()
            .find(|l| l.from < size && l.to.is_none_or(|t| t >= size))
            .map(|l| &l.body)
    }

    pub fn co_executors_at(&self, size: u64) -> Vec<BodyId> {
        self.co_executors
            .iter()
            .filter(|l| l.from < size && l.to.is_none_or(|t| t >= size))
            .map(|l| l.body.clone())
            .collect()
    }

    pub fn is_co_executor_at(&self, size: u64, body: &BodyId) -> bool {
        self.co_executors
            .iter()
            .any(|l| &l.body == body && l.from < size && l.to.is_none_or(|t| t >= size))
    }

    pub fn deadline_at(&self, size: u64) -> Date {
        self.deadlines
            .iter()
            .rev()
            .find(|d| d.seq < size)
            .map(|d| d.to)
            .unwrap_or(self.fields.deadline)
    }

    pub fn claim_at(&self, size: u64) -> Option<&ClaimRec> {
        self.claims.iter().rev().find(|c| c.seq < size)
    }

    pub fn assessment_at(&self, size: u64) -> Option<&AssessmentRec> {
        self.assessments.iter().rev().find(|c| c.seq < size)
    }

    pub fn pending_handover_at(&self, size: u64) -> Option<&HandoverRec> {
        self.handovers
            .iter()
            .rev()
            .find(|h| h.seq < size)
            .filter(|h| h.outcome.is_none_or(|o| o.0 >= size))
    }

    /// Open (not cancelled, superseded or rejected) at the point.
    pub fn open_at(&self, size: u64) -> bool {
        matches!(self.phase_at(size), Phase::Assigned | Phase::Active)
    }

    /// Overdue: open, not claimed implemented, and its deadline is before `today`. Returns the
    /// number of days over.
    pub fn overdue_at(&self, p: Point) -> Option<i64> {
        if !self.exists_at(p.size) || !self.open_at(p.size) {
            return None;
        }
        if self
            .claim_at(p.size)
            .is_some_and(|c| c.status == Status::Implemented)
        {
            return None;
        }
        let deadline = self.deadline_at(p.size);
        (deadline < p.today).then(|| days_between(deadline, p.today))
    }

    /// Why the commitment is at risk at the point, if it is.
    pub fn at_risk_at(&self, p: Point) -> Option<Risk> {
        if !self.exists_at(p.size) || !self.open_at(p.size) || self.overdue_at(p).is_some() {
            return None;
        }
        if let Some(c) = self.claim_at(p.size) {
            if matches!(c.status, Status::AtRisk | Status::Blocked) {
                return Some(Risk::Reported { status: c.status });
            }
            if c.status == Status::Implemented {
                return None;
            }
        }
        for ind in &self.fields.indicators {
            for m in &ind.milestones {
                if m.date >= p.today {
                    continue;
                }
                let latest = self
                    .measures
                    .iter()
                    .filter(|x| x.seq < p.size && x.indicator == ind.id && x.as_of <= m.date)
                    .max_by_key(|x| (x.as_of, x.seq));
                let reached = latest.is_some_and(|x| decimal_ge(&x.value, &m.value, ind));
                if !reached {
                    return Some(Risk::Milestone {
                        value: m.value.clone(),
                        indicator: ind.id.clone(),
                        by: m.date,
                        measured: latest.map(|x| x.value.clone()),
                    });
                }
            }
        }
        None
    }
}

/// Why an open commitment that is not overdue is at risk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "why", rename_all = "snake_case")]
pub enum Risk {
    /// The lead's latest report says at risk or blocked.
    Reported { status: Status },
    /// A milestone of an indicator passed without a measurement reaching it.
    Milestone {
        value: Decimal,
        indicator: IndicatorId,
        by: Date,
        /// The latest measurement by then, if any.
        measured: Option<Decimal>,
    },
}

impl Risk {
    /// The reason in words: "проміжне значення 55 показника i1 до 30 червня 2026 р. не
    /// досягнуто (виміряно 40)".
    pub fn text(&self, l: Lang) -> String {
        use crate::l10n;
        match self {
            Risk::Reported { status } => {
                let s = l10n::status(l, Some(*status));
                match l {
                    Lang::Uk => format!("відповідальний повідомляє: «{s}»"),
                    Lang::En => format!("the lead reports {s}"),
                }
            }
            Risk::Milestone {
                value,
                indicator,
                by,
                measured,
            } => {
                let v = l10n::decimal(l, value.as_str());
                let d = l10n::date(l, *by);
                let m = measured
                    .as_ref()
                    .map(|x| {
                        let x = l10n::decimal(l, x.as_str());
                        match l {
                            Lang::Uk => format!(" (виміряно {x})"),
                            Lang::En => format!(" (measured {x})"),
                        }
                    })
                    .unwrap_or_default();
                match l {
                    Lang::Uk => {
                        format!(
                            "проміжне значення {v} показника {indicator} до {d} не досягнуто{m}"
                        )
                    }
                    Lang::En => format!("milestone {v} of {indicator} by {d} not reached{m}"),
                }
            }
        }
    }
}

/// Whether `value` reaches `goal`, in the direction from baseline to target (a falling
/// indicator, such as waiting time, reaches its goal by going down).
fn decimal_ge(value: &Decimal, goal: &Decimal, ind: &Indicator) -> bool {
    reaches(value, goal, falling(ind))
}

fn number(d: &Decimal) -> f64 {
    d.as_str().parse::<f64>().unwrap_or(0.0)
}

/// The indicator falls from its baseline to its target.
pub(super) fn falling(ind: &Indicator) -> bool {
    matches!((&ind.baseline, &ind.target), (Some(b), Some(t)) if number(t) < number(b))
}

/// Whether `value` reaches `goal` in the indicator's direction.
pub(super) fn reaches(value: &Decimal, goal: &Decimal, falling: bool) -> bool {
    if falling {
        number(value) <= number(goal)
    } else {
        number(value) >= number(goal)
    }
}

fn in_scope(c: &CommitmentRec, p: Point, body: Option<&BodyId>) -> bool {
    if !c.exists_at(p.size) {
        return false;
    }
    match body {
        None => true,
        Some(b) => {
            c.lead_ref_at(p.size) == Some(b)
                || c.is_co_executor_at(p.size, b)
                || (c.phase_at(p.size) == Phase::Assigned && c.assigned_to.as_ref() == Some(b))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Responsibility.

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pending {
    pub to: BodyId,
    pub from: Option<BodyId>,
    pub since_seq: u64,
    pub since: Millis,
    pub days: i64,
    pub proposal: Option<EventId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Responsibility {
    pub commitment: CommitmentId,
    pub title_uk: String,
    pub phase: Phase,
    pub lead: Option<BodyId>,
    pub co_executors: Vec<BodyId>,
    pub leads: Vec<Interval>,
    pub co_executor_history: Vec<Interval>,
    pub pending_assignment: Option<Pending>,
    pub pending_handover: Option<Pending>,
    pub forced_reassignments: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponsibilityView {
    pub items: Vec<Responsibility>,
}

pub fn responsibility(
    h: &History,
    p: Point,
    commitment: Option<&CommitmentId>,
    body: Option<&BodyId>,
) -> ResponsibilityView {
    let items = match (commitment, body) {
        (Some(id), _) => h
            .commitments
            .get(id)
            .filter(|c| in_scope(c, p, body))
            .map(|c| responsibility_of(h, c, p))
            .into_iter()
            .collect(),
        // A body's portfolio at the head: the commitments it answers for, found from the
        // head facts, in id order as the scan lists them.
        (None, Some(b)) if p.size == h.size() => {
            let who = h.body_ix_of(b).unwrap_or(u32::MAX);
            let mut of: Vec<&CommitmentRec> = h
                .live_facts()
                .iter()
                .enumerate()
                .filter(|(_, l)| l.involves(who))
                .filter_map(|(i, _)| h.commitment_at(i))
                .collect();
            of.sort_by(|x, y| x.id.cmp(&y.id));
            of.into_iter().map(|c| responsibility_of(h, c, p)).collect()
        }
        _ => h
            .commitments
            .values()
            .filter(|c| in_scope(c, p, body))
            .map(|c| responsibility_of(h, c, p))
            .collect(),
    };
    ResponsibilityView { items }
}

fn responsibility_of(h: &History, c: &CommitmentRec, p: Point) -> Responsibility {
    let days = |t: Millis| days_between(h.date_of(t), p.today);
    let phase = c.phase_at(p.size);
    let pending_assignment = (phase == Phase::Assigned).then(|| Pending {
        to: c
            .assigned_to
            .clone()
            .unwrap_or_else(|| c.created_by.clone()),
        from: Some(c.created_by.clone()),
        since_seq: c.created,
        since: c.created_at,
        days: days(c.created_at),
        proposal: None,
    });
    let pending_handover = c.pending_handover_at(p.size).map(|x| Pending {
        to: x.to.clone(),
        from: x.from.clone(),
        since_seq: x.seq,
        since: x.at,
        days: days(x.at),
        proposal: Some(x.proposal.clone()),
    });
    Responsibility {
        commitment: c.id.clone(),
        title_uk: c.fields.title_uk.clone(),
        phase,
        lead: c.lead_at(p.size),
        co_executors: c.co_executors_at(p.size),
        leads: c.leads.iter().filter_map(|l| l.at(p.size)).collect(),
        co_executor_history: c.co_executors.iter().filter_map(|l| l.at(p.size)).collect(),
        pending_assignment,
        pending_handover,
        forced_reassignments: c.reassignments.iter().filter(|r| r.0 < p.size).count() as u32,
    }
}

impl Tabular for ResponsibilityView {
    /// In English the phase is its code (`active`), as scripts read it; in Ukrainian, words.
    fn table(&self, l: Lang) -> Table {
        Table {
            header: vec![
                "commitment",
                "phase",
                "lead",
                "co_executors",
                "lead_since",
                "pending",
                "reassignments",
            ],
            rows: self
                .items
                .iter()
                .map(|r| {
                    let pending = match (&r.pending_assignment, &r.pending_handover) {
                        (Some(a), _) => match l {
                            Lang::Uk => format!("доручено {} ({} дн.)", a.to, a.days),
                            Lang::En => format!("assigned to {} ({} d)", a.to, a.days),
                        },
                        (_, Some(h)) => match l {
                            Lang::Uk => format!("передача {} ({} дн.)", h.to, h.days),
                            Lang::En => format!("handover to {} ({} d)", h.to, h.days),
                        },
                        _ => String::new(),
                    };
                    vec![
                        r.commitment.to_string(),
                        match l {
                            Lang::Uk => crate::l10n::phase(l, r.phase).to_string(),
                            Lang::En => format!("{:?}", r.phase).to_lowercase(),
                        },
                        opt(&r.lead),
                        r.co_executors
                            .iter()
                            .map(|b| b.as_str())
                            .collect::<Vec<_>>()
                            .join(" "),
                        r.leads
                            .last()
                            .filter(|l| l.to.is_none())
                            .map(|l| l.from_at.to_rfc3339()[..10].to_string())
                            .unwrap_or_default(),
                        pending,
                        r.forced_reassignments.to_string(),
                    ]
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Commitment card.

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorProgress {
    pub indicator: Indicator,
    pub latest: Option<MeasureRec>,
    pub measurements: Vec<MeasureRec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineLog {
    pub original: Date,
    pub current: Date,
    pub changes: Vec<DeadlineRec>,
    pub days_slipped: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Card {
    pub fields: CommitmentFields,
    pub phase: Phase,
    pub responsibility: Responsibility,
    pub indicators: Vec<IndicatorProgress>,
    pub deadline: DeadlineLog,
    pub latest_claim: Option<ClaimRec>,
    pub latest_assessment: Option<AssessmentRec>,
    pub claims: Vec<ClaimRec>,
    pub assessments: Vec<AssessmentRec>,
    pub extension_requests: Vec<(u64, Millis, EventId, Date, String)>,
    pub handovers: Vec<HandoverRec>,
    pub open_inquiries: Vec<InquiryRec>,
    pub overdue_days: Option<i64>,
    pub at_risk: Option<Risk>,
    pub superseded_by: Option<CommitmentId>,
    pub history: Vec<HistRec>,
}

pub fn card(h: &History, p: Point, id: &CommitmentId) -> Option<Card> {
    let c = h.commitments.get(id).filter(|c| c.exists_at(p.size))?;
    let n = p.size;
    let indicators = c
        .fields
        .indicators
        .iter()
        .map(|ind| {
            let measurements: Vec<MeasureRec> = c
                .measures
                .iter()
                .filter(|m| m.seq < n && m.indicator == ind.id)
                .cloned()
                .collect();
            let latest = measurements
                .iter()
                .max_by_key(|m| (m.as_of, m.seq))
                .cloned();
            IndicatorProgress {
                indicator: ind.clone(),
                latest,
                measurements,
            }
        })
        .collect();
    let changes: Vec<DeadlineRec> = c.deadlines.iter().filter(|d| d.seq < n).cloned().collect();
    let current = c.deadline_at(n);
    Some(Card {
        fields: c.fields.clone(),
        phase: c.phase_at(n),
        responsibility: responsibility_of(h, c, p),
        indicators,
        deadline: DeadlineLog {
            original: c.fields.deadline,
            current,
            days_slipped: days_between(c.fields.deadline, current),
            changes,
        },
        latest_claim: c.claim_at(n).cloned(),
        latest_assessment: c.assessment_at(n).cloned(),
        claims: c.claims.iter().filter(|x| x.seq < n).cloned().collect(),
        assessments: c
            .assessments
            .iter()
            .filter(|x| x.seq < n)
            .cloned()
            .collect(),
        extension_requests: c
            .extension_requests
            .iter()
            .filter(|x| x.0 < n)
            .cloned()
            .collect(),
        handovers: c
            .handovers
            .iter()
            .filter(|x| x.seq < n)
            .map(|x| {
                let mut x = x.clone();
                if x.outcome.is_some_and(|o| o.0 >= n) {
                    x.outcome = None;
                }
                x
            })
            .collect(),
        open_inquiries: {
            let mut open: Vec<InquiryRec> = h
                .inquiries_about(id)
                .filter(|q| q.seq < n && q.answered.as_ref().is_none_or(|a| a.0 >= n))
                .map(|q| inquiry_at(q, n))
                .collect();
            // By id, as the inquiries are kept.
            open.sort_by(|a, b| a.id.cmp(&b.id));
            open
        },
        overdue_days: c.overdue_at(p),
        at_risk: c.at_risk_at(p),
        superseded_by: c
            .superseded_by
            .clone()
            .filter(|_| c.phase_at(n) == Phase::Superseded),
        history: c.history.iter().filter(|x| x.seq < n).cloned().collect(),
    })
}

impl Tabular for Card {
    fn narrow(&self, l: Lang) -> Table {
        Table {
            header: vec!["seq", "date", "type", "author", "summary"],
            rows: self
                .history
                .iter()
                .map(|r| {
                    vec![
                        r.seq.to_string(),
                        r.recorded_at.to_rfc3339()[..10].to_string(),
                        r.kind.to_string(),
                        r.author.to_string(),
                        r.summary.get(l).to_string(),
                    ]
                })
                .collect(),
        }
    }

    fn table(&self, l: Lang) -> Table {
        Table {
            header: vec!["seq", "recorded_at", "type", "author", "key", "summary"],
            rows: self
                .history
                .iter()
                .map(|r| {
                    vec![
                        r.seq.to_string(),
                        r.recorded_at.to_rfc3339(),
                        r.kind.to_string(),
                        r.author.to_string(),
                        r.key.to_string(),
                        r.summary.get(l).to_string(),
                    ]
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Overdue and at risk.

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueItem {
    pub commitment: CommitmentId,
    pub title_uk: String,
    pub lead: Option<BodyId>,
    pub deadline: Date,
    pub days_over: i64,
    pub latest_status: Option<Status>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AtRiskItem {
    pub commitment: CommitmentId,
    pub lead: Option<BodyId>,
    pub deadline: Date,
    pub reason: Risk,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateInquiry {
    pub inquiry: InquiryId,
    pub to: BodyId,
    pub commitment: Option<CommitmentId>,
    pub due: Date,
    pub days_over: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnacceptedItem {
    pub commitment: CommitmentId,
    pub assigned_to: BodyId,
    pub since: Millis,
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueView {
    pub overdue: Vec<OverdueItem>,
    pub at_risk: Vec<AtRiskItem>,
    pub inquiries_past_due: Vec<LateInquiry>,
    pub never_accepted: Vec<UnacceptedItem>,
}

pub fn overdue(h: &History, p: Point, body: Option<&BodyId>) -> OverdueView {
    if p.size == h.size() {
        overdue_at_head(h, p.today, body)
    } else {
        overdue_scanned(h, p, body)
    }
}

/// `overdue` at the head of the ledger, from each commitment's head facts (`live`).
pub fn overdue_at_head(h: &History, today: Date, body: Option<&BodyId>) -> OverdueView {
    let mut v = OverdueView {
        overdue: Vec::new(),
        at_risk: Vec::new(),
        inquiries_past_due: Vec::new(),
        never_accepted: Vec::new(),
    };
    // A body never seen answers for nothing.
    let who = body.map(|b| h.body_ix_of(b).unwrap_or(u32::MAX));
    let name = |i: Option<u32>| i.and_then(|i| h.body_at(i)).cloned();
    for (i, l) in h.live_facts().iter().enumerate() {
        if who.is_some_and(|b| !l.involves(b)) {
            continue;
        }
        let id = || h.commitment_order[i].clone();
        if let Some(days) = l.overdue(today) {
            v.overdue.push(OverdueItem {
                commitment: id(),
                title_uk: h
                    .commitment_at(i)
                    .map(|c| c.fields.title_uk.clone())
                    .unwrap_or_default(),
                lead: name(l.lead),
                deadline: l.deadline,
                days_over: days,
                latest_status: l.claim,
            });
        } else if let Some(reason) = l.at_risk(today) {
            v.at_risk.push(AtRiskItem {
                commitment: id(),
                lead: name(l.lead),
                deadline: l.deadline,
                reason,
            });
        }
        if l.phase == Phase::Assigned {
            if let Some(to) = name(l.assigned_to) {
                v.never_accepted.push(UnacceptedItem {
                    commitment: id(),
                    assigned_to: to,
                    since: l.created_at,
                    days: days_between(h.date_of(l.created_at), today),
                });
            }
        }
    }
    // The order the scan gives: by commitment id, the overdue by days over first.
    v.at_risk.sort_by(|a, b| a.commitment.cmp(&b.commitment));
    v.never_accepted
        .sort_by(|a, b| a.commitment.cmp(&b.commitment));
    v.overdue.sort_by(|a, b| {
        b.days_over
            .cmp(&a.days_over)
            .then(a.commitment.cmp(&b.commitment))
    });
    // The open inquiries due before today, by id as the scan lists them.
    for (_, q) in h
        .live_inquiries()
        .open
        .iter()
        .take_while(|(due, _)| *due < today)
    {
        if let Some(q) = h
            .inquiries
            .get(q)
            .filter(|q| body.is_none_or(|b| &q.to == b))
        {
            v.inquiries_past_due.push(late_inquiry(q, today));
        }
    }
    v.inquiries_past_due
        .sort_by(|a, b| a.inquiry.cmp(&b.inquiry));
    v
}

/// The inquiries open after `size` entries whose due date is before `today`.
fn late_inquiries(h: &History, size: u64, today: Date, body: Option<&BodyId>, v: &mut OverdueView) {
    for q in h.inquiries.values() {
        let open = q.seq < size && q.answered.as_ref().is_none_or(|a| a.0 >= size);
        if open && q.due < today && body.is_none_or(|b| &q.to == b) {
            v.inquiries_past_due.push(late_inquiry(q, today));
        }
    }
}

fn late_inquiry(q: &InquiryRec, today: Date) -> LateInquiry {
    LateInquiry {
        inquiry: q.id.clone(),
        to: q.to.clone(),
        commitment: q.commitment.clone(),
        due: q.due,
        days_over: days_between(q.due, today),
    }
}

/// `overdue` at any point, from each commitment's whole record.
pub fn overdue_scanned(h: &History, p: Point, body: Option<&BodyId>) -> OverdueView {
    let mut v = OverdueView {
        overdue: Vec::new(),
        at_risk: Vec::new(),
        inquiries_past_due: Vec::new(),
        never_accepted: Vec::new(),
    };
    for c in h.commitments.values().filter(|c| in_scope(c, p, body)) {
        if let Some(days) = c.overdue_at(p) {
            v.overdue.push(OverdueItem {
                commitment: c.id.clone(),
                title_uk: c.fields.title_uk.clone(),
                lead: c.lead_at(p.size),
                deadline: c.deadline_at(p.size),
                days_over: days,
                latest_status: c.claim_at(p.size).map(|x| x.status),
            });
        } else if let Some(reason) = c.at_risk_at(p) {
            v.at_risk.push(AtRiskItem {
                commitment: c.id.clone(),
                lead: c.lead_at(p.size),
                deadline: c.deadline_at(p.size),
                reason,
            });
        }
        if c.phase_at(p.size) == Phase::Assigned {
            if let Some(to) = &c.assigned_to {
                v.never_accepted.push(UnacceptedItem {
                    commitment: c.id.clone(),
                    assigned_to: to.clone(),
                    since: c.created_at,
                    days: days_between(h.date_of(c.created_at), p.today),
                });
            }
        }
    }
    v.overdue.sort_by(|a, b| {
        b.days_over
            .cmp(&a.days_over)
            .then(a.commitment.cmp(&b.commitment))
    });
    late_inquiries(h, p.size, p.today, body, &mut v);
    v
}

impl Tabular for OverdueView {
    /// In English the kinds and statuses are their codes (`at_risk`, `in_progress`), as scripts
    /// read them; in Ukrainian, words.
    fn table(&self, l: Lang) -> Table {
        let mut rows = Vec::new();
        for o in &self.overdue {
            rows.push(vec![
                l.pick("прострочено", "overdue").into(),
                o.commitment.to_string(),
                opt(&o.lead),
                o.deadline.to_string(),
                o.days_over.to_string(),
                match l {
                    Lang::Uk => crate::l10n::status(l, o.latest_status),
                    Lang::En => o.latest_status.map(Status::name).unwrap_or("no report"),
                }
                .to_string(),
            ]);
        }
        for o in &self.at_risk {
            rows.push(vec![
                l.pick("під загрозою", "at_risk").into(),
                o.commitment.to_string(),
                opt(&o.lead),
                o.deadline.to_string(),
                String::new(),
                o.reason.text(l),
            ]);
        }
        for q in &self.inquiries_past_due {
            rows.push(vec![
                l.pick("запит прострочено", "inquiry_late").into(),
                q.inquiry.to_string(),
                q.to.to_string(),
                q.due.to_string(),
                q.days_over.to_string(),
                opt(&q.commitment),
            ]);
        }
        for a in &self.never_accepted {
            rows.push(vec![
                l.pick("не прийнято", "not_accepted").into(),
                a.commitment.to_string(),
                a.assigned_to.to_string(),
                String::new(),
                a.days.to_string(),
                l.pick("доручення не прийнято", "assignment not accepted")
                    .into(),
            ]);
        }
        Table {
            header: vec!["kind", "item", "body", "due", "days", "detail"],
            rows,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scorecard.

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Scorecard {
    pub body: String,
    pub name_en: String,
    pub held: u32,
    pub co_executing: u32,
    pub awaiting_acceptance: u32,
    /// Latest claim per held commitment: status name → count ("no_report" for none).
    pub claims: BTreeMap<String, u32>,
    pub claimed_implemented: u32,
    pub confirmed_by_overseer: u32,
    pub overdue: u32,
    pub deadline_changes: u32,
    pub handovers_in: u32,
    pub handovers_out: u32,
    pub inquiries_received: u32,
    pub inquiries_answered_on_time: u32,
    pub inquiries_answered_late: u32,
    pub inquiries_open: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScorecardView {
    pub bodies: Vec<Scorecard>,
}

pub fn scorecard(h: &History, p: Point, body: Option<&BodyId>) -> ScorecardView {
    if p.size == h.size() {
        scorecard_at_head(h, p.today, body)
    } else {
        scorecard_scanned(h, p, body)
    }
}

/// `scorecard` at the head of the ledger, from each commitment's head facts (`live`).
pub fn scorecard_at_head(h: &History, today: Date, body: Option<&BodyId>) -> ScorecardView {
    // Cards by body index, for the bodies registered (and asked about).
    let mut cards: Vec<Option<Scorecard>> = Vec::new();
    for b in h.bodies.values() {
        if body.is_some_and(|x| x != &b.id) {
            continue;
        }
        if let Some(i) = h.body_ix_of(&b.id) {
            let i = i as usize;
            if cards.len() <= i {
                cards.resize(i + 1, None);
            }
            cards[i] = Some(Scorecard {
                body: b.id.to_string(),
                name_en: b.name_en.clone(),
                ..Default::default()
            });
        }
    }
    fn card(cards: &mut [Option<Scorecard>], i: Option<u32>) -> Option<&mut Scorecard> {
        cards.get_mut(i? as usize).and_then(|c| c.as_mut())
    }
    for l in h.live_facts() {
        if let Some(s) = card(&mut cards, l.lead) {
            s.held += 1;
            let key = l.claim.map(|x| x.name()).unwrap_or("no_report");
            match s.claims.get_mut(key) {
                Some(count) => *count += 1,
                None => {
                    s.claims.insert(key.to_string(), 1);
                }
            }
            if l.claim == Some(Status::Implemented) {
                s.claimed_implemented += 1;
            }
            if l.confirmed {
                s.confirmed_by_overseer += 1;
            }
            if l.overdue(today).is_some() {
                s.overdue += 1;
            }
            s.deadline_changes += l.deadline_changes;
        }
        for b in &l.co_executors {
            if let Some(s) = card(&mut cards, Some(*b)) {
                s.co_executing += 1;
            }
        }
        if l.phase == Phase::Assigned {
            if let Some(s) = card(&mut cards, l.assigned_to) {
                s.awaiting_acceptance += 1;
            }
        }
        for (to, from) in &l.handovers {
            if let Some(s) = card(&mut cards, Some(*to)) {
                s.handovers_in += 1;
            }
            if let Some(s) = card(&mut cards, *from) {
                s.handovers_out += 1;
            }
        }
    }
    for (i, q) in h.live_inquiries().counts.iter().enumerate() {
        if let Some(s) = card(&mut cards, Some(i as u32)) {
            InquiryCounts(*q).add_to(s);
        }
    }
    let mut bodies: Vec<Scorecard> = cards.into_iter().flatten().collect();
    bodies.sort_by(|a, b| a.body.cmp(&b.body));
    ScorecardView { bodies }
}

/// A body's inquiries: received, answered on time, answered late, open.
#[derive(Default)]
struct InquiryCounts([u32; 4]);

impl InquiryCounts {
    fn add_to(&self, s: &mut Scorecard) {
        s.inquiries_received += self.0[0];
        s.inquiries_answered_on_time += self.0[1];
        s.inquiries_answered_late += self.0[2];
        s.inquiries_open += self.0[3];
    }
}

/// Each body's inquiries after `size` entries.
fn inquiry_counts(h: &History, size: u64) -> HashMap<BodyId, InquiryCounts> {
    let mut out: HashMap<BodyId, InquiryCounts> = HashMap::new();
    for q in h.inquiries.values().filter(|q| q.seq < size) {
        let c = match out.get_mut(&q.to) {
            Some(c) => c,
            None => out.entry(q.to.clone()).or_default(),
        };
        c.0[0] += 1;
        match q.answered.as_ref().filter(|a| a.0 < size) {
            Some(a) if h.date_of(a.1) <= q.due => c.0[1] += 1,
            Some(_) => c.0[2] += 1,
            None => c.0[3] += 1,
        }
    }
    out
}

/// `scorecard` at any point, from each commitment's whole record.
pub fn scorecard_scanned(h: &History, p: Point, body: Option<&BodyId>) -> ScorecardView {
    let mut cards: BTreeMap<BodyId, Scorecard> = BTreeMap::new();
    for b in h.bodies.values().filter(|b| b.registered < p.size) {
        if body.is_some_and(|x| x != &b.id) {
            continue;
        }
        cards.insert(
            b.id.clone(),
            Scorecard {
                body: b.id.to_string(),
                name_en: b.name_en_at(p.size).to_string(),
                ..Default::default()
            },
        );
    }
    for c in h.commitments.values().filter(|c| c.exists_at(p.size)) {
        let n = p.size;
        if let Some(lead) = c.lead_ref_at(n) {
            if let Some(s) = cards.get_mut(lead) {
                s.held += 1;
                let claim = c.claim_at(n);
                let key = claim.map(|x| x.status.name()).unwrap_or("no_report");
                match s.claims.get_mut(key) {
                    Some(count) => *count += 1,
                    None => {
                        s.claims.insert(key.to_string(), 1);
                    }
                }
                if claim.is_some_and(|x| x.status == Status::Implemented) {
                    s.claimed_implemented += 1;
                }
                if c.assessment_at(n)
                    .is_some_and(|a| a.verdict == Verdict::Confirmed)
                {
                    s.confirmed_by_overseer += 1;
                }
                if c.overdue_at(p).is_some() {
                    s.overdue += 1;
                }
                s.deadline_changes += c.deadlines.iter().filter(|d| d.seq < n).count() as u32;
            }
        }
        for l in &c.co_executors {
            if l.from < n && l.to.is_none_or(|t| t >= n) {
                if let Some(s) = cards.get_mut(&l.body) {
                    s.co_executing += 1;
                }
            }
        }
        if c.phase_at(n) == Phase::Assigned {
            if let Some(s) = c.assigned_to.as_ref().and_then(|b| cards.get_mut(b)) {
                s.awaiting_acceptance += 1;
            }
        }
        for x in c.handovers.iter().filter(|x| {
            x.outcome
                .is_some_and(|o| o.0 < n && o.2 == Outcome::Accepted)
        }) {
            if let Some(s) = cards.get_mut(&x.to) {
                s.handovers_in += 1;
            }
            if let Some(s) = x.from.as_ref().and_then(|f| cards.get_mut(f)) {
                s.handovers_out += 1;
            }
        }
    }
    for (b, q) in inquiry_counts(h, p.size) {
        if let Some(s) = cards.get_mut(&b) {
            q.add_to(s);
        }
    }
    ScorecardView {
        bodies: cards.into_values().collect(),
    }
}

impl Tabular for ScorecardView {
    fn narrow(&self, _: Lang) -> Table {
        Table {
            header: vec![
                "body",
                "held",
                "coex",
                "await",
                "done",
                "conf",
                "late",
                "redat",
                "ho in/out",
                "inq ok/lt/op",
            ],
            rows: self
                .bodies
                .iter()
                .map(|s| {
                    vec![
                        s.body.clone(),
                        s.held.to_string(),
                        s.co_executing.to_string(),
                        s.awaiting_acceptance.to_string(),
                        s.claimed_implemented.to_string(),
                        s.confirmed_by_overseer.to_string(),
                        s.overdue.to_string(),
                        s.deadline_changes.to_string(),
                        format!("{}/{}", s.handovers_in, s.handovers_out),
                        format!(
                            "{}/{}/{}",
                            s.inquiries_answered_on_time,
                            s.inquiries_answered_late,
                            s.inquiries_open
                        ),
                    ]
                })
                .collect(),
        }
    }

    fn table(&self, _: Lang) -> Table {
        Table {
            header: vec![
                "body",
                "held",
                "co_exec",
                "awaiting",
                "claimed_done",
                "confirmed",
                "overdue",
                "redated",
                "ho_in",
                "ho_out",
                "inq_on_time",
                "inq_late",
                "inq_open",
            ],
            rows: self
                .bodies
                .iter()
                .map(|s| {
                    vec![
                        s.body.clone(),
                        s.held.to_string(),
                        s.co_executing.to_string(),
                        s.awaiting_acceptance.to_string(),
                        s.claimed_implemented.to_string(),
                        s.confirmed_by_overseer.to_string(),
                        s.overdue.to_string(),
                        s.deadline_changes.to_string(),
                        s.handovers_in.to_string(),
                        s.handovers_out.to_string(),
                        s.inquiries_answered_on_time.to_string(),
                        s.inquiries_answered_late.to_string(),
                        s.inquiries_open.to_string(),
                    ]
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Objectives and EU IBM components.

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Rollup {
    pub key: String,
    pub title: String,
    pub commitments: u32,
    pub open: u32,
    pub overdue: u32,
    /// Latest claim of each commitment: status → count.
    pub statuses: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectivesView {
    pub objectives: Vec<Rollup>,
    pub components: Vec<Rollup>,
}

pub fn objectives(h: &History, p: Point) -> ObjectivesView {
    let n = p.size;
    if n == h.size() {
        rollups(
            h,
            n,
            h.live_facts().iter().map(|l| RollupFacts {
                objective: l.objective.as_ref(),
                open: l.open(),
                overdue: l.overdue(p.today).is_some(),
                claim: l.claim,
            }),
        )
    } else {
        rollups(
            h,
            n,
            h.commitments
                .values()
                .filter(|c| c.exists_at(n))
                .map(|c| RollupFacts {
                    objective: c.fields.objective.as_ref(),
                    open: c.open_at(n),
                    overdue: c.overdue_at(p).is_some(),
                    claim: c.claim_at(n).map(|x| x.status),
                }),
        )
    }
}

/// What the rollups count of one commitment at a point.
struct RollupFacts<'a> {
    objective: Option<&'a ObjectiveId>,
    open: bool,
    overdue: bool,
    claim: Option<Status>,
}

/// The rollups by objective and by EU IBM component of the commitments that exist after
/// `size` entries.
fn rollups<'a>(
    h: &History,
    size: u64,
    commitments: impl Iterator<Item = RollupFacts<'a>>,
) -> ObjectivesView {
    let mut objs: BTreeMap<String, Rollup> = h
        .objectives
        .values()
        .filter(|o| o.seq < size)
        .map(|o| {
            (
                o.id.to_string(),
                Rollup {
                    key: o.id.to_string(),
                    title: o.title_en.clone().unwrap_or_else(|| o.title_uk.clone()),
                    ..Default::default()
                },
            )
        })
        .collect();
    let mut comps: BTreeMap<String, Rollup> = BTreeMap::new();
    let add = |r: &mut Rollup, c: &RollupFacts<'_>| {
        r.commitments += 1;
        if c.open {
            r.open += 1;
        }
        if c.overdue {
            r.overdue += 1;
        }
        let s = c.claim.map(|x| x.name()).unwrap_or("no_report");
        match r.statuses.get_mut(s) {
            Some(count) => *count += 1,
            None => {
                r.statuses.insert(s.to_string(), 1);
            }
        }
    };
    for c in commitments {
        let oid = c.objective.map(|o| o.as_str()).unwrap_or("(none)");
        let r = match objs.get_mut(oid) {
            Some(r) => r,
            None => objs.entry(oid.to_string()).or_insert_with(|| Rollup {
                key: oid.to_string(),
                title: String::new(),
                ..Default::default()
            }),
        };
        add(r, &c);
        let components = c
            .objective
            .and_then(|o| h.objectives.get(o))
            .map(|o| o.components.as_slice())
            .unwrap_or_default();
        for comp in components {
            let name = comp.name();
            let r = match comps.get_mut(name) {
                Some(r) => r,
                None => comps.entry(name.to_string()).or_insert_with(|| Rollup {
                    key: name.to_string(),
                    title: name.replace('_', " "),
                    ..Default::default()
                }),
            };
            add(r, &c);
        }
    }
    ObjectivesView {
        objectives: objs.into_values().collect(),
        components: comps.into_values().collect(),
    }
}

impl Tabular for ObjectivesView {
    fn table(&self, _: Lang) -> Table {
        let row = |kind: &str, r: &Rollup| {
            vec![
                kind.to_string(),
                r.key.clone(),
                r.commitments.to_string(),
                r.open.to_string(),
                r.overdue.to_string(),
                r.statuses
                    .iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect::<Vec<_>>()
                    .join(" "),
            ]
        };
        let mut rows: Vec<Vec<String>> = self
            .objectives
            .iter()
            .map(|r| row("objective", r))
            .collect();
        rows.extend(self.components.iter().map(|r| row("component", r)));
        Table {
            header: vec!["kind", "key", "commitments", "open", "overdue", "statuses"],
            rows,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Changes between two points, and the briefing.

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub seq: u64,
    pub recorded_at: Millis,
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub author: String,
    pub commitment: Option<CommitmentId>,
    pub summary: std::sync::Arc<Summary>,
}

/// What changed between two points, by section (`EventKind::section`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangesView {
    pub from: Point,
    pub to: Point,
    pub added: Vec<Change>,
    pub handed_over: Vec<Change>,
    pub redated: Vec<Change>,
    pub reported: Vec<Change>,
    pub assessed: Vec<Change>,
    pub closed: Vec<Change>,
    pub inquiries: Vec<Change>,
    pub other: Vec<Change>,
}

/// The change the entry `seq` makes: its type, author, commitment and summary line.
pub fn change_at(h: &History, seq: u64) -> Option<Change> {
    let m = h.entries.get(seq as usize)?;
    let commitment = h.commitment_order.get(m.commitment as usize).cloned();
    let summary = m.summary.clone().unwrap_or_default();
    Some(Change {
        seq,
        recorded_at: m.recorded_at,
        kind: m.kind,
        author: h
            .body_at(m.author)
            .map(|b| b.to_string())
            .unwrap_or_default(),
        commitment,
        summary,
    })
}

pub fn changes(h: &History, from: Point, to: Point) -> ChangesView {
    let mut v = ChangesView {
        from,
        to,
        added: vec![],
        handed_over: vec![],
        redated: vec![],
        reported: vec![],
        assessed: vec![],
        closed: vec![],
        inquiries: vec![],
        other: vec![],
    };
    let (a, b) = (from.size.min(h.size()), to.size.min(h.size()));
    for seq in a..b.max(a) {
        if let Some(ch) = change_at(h, seq) {
            v.section_mut(ch.kind.section()).push(ch);
        }
    }
    v
}

impl ChangesView {
    /// The changes of one section.
    pub fn section(&self, s: Section) -> &[Change] {
        match s {
            Section::Added => &self.added,
            Section::HandedOver => &self.handed_over,
            Section::Redated => &self.redated,
            Section::Reported => &self.reported,
            Section::Assessed => &self.assessed,
            Section::Closed => &self.closed,
            Section::Inquiries => &self.inquiries,
            Section::Other => &self.other,
        }
    }

    fn section_mut(&mut self, s: Section) -> &mut Vec<Change> {
        match s {
            Section::Added => &mut self.added,
            Section::HandedOver => &mut self.handed_over,
            Section::Redated => &mut self.redated,
            Section::Reported => &mut self.reported,
            Section::Assessed => &mut self.assessed,
            Section::Closed => &mut self.closed,
            Section::Inquiries => &mut self.inquiries,
            Section::Other => &mut self.other,
        }
    }

    fn all(&self) -> Vec<(&'static str, &Change)> {
        let mut out = Vec::new();
        for s in Section::ALL {
            out.extend(self.section(*s).iter().map(|c| (s.name(), c)));
        }
        out
    }
}

impl Tabular for ChangesView {
    fn narrow(&self, l: Lang) -> Table {
        Table {
            header: vec!["seq", "date", "author", "commitment", "summary"],
            rows: self
                .all()
                .into_iter()
                .map(|(_, c)| {
                    vec![
                        c.seq.to_string(),
                        c.recorded_at.to_rfc3339()[..10].to_string(),
                        c.author.clone(),
                        opt(&c.commitment),
                        if c.summary.is_empty() {
                            c.kind.to_string()
                        } else {
                            c.summary.get(l).to_string()
                        },
                    ]
                })
                .collect(),
        }
    }

    fn table(&self, l: Lang) -> Table {
        Table {
            header: vec![
                "section",
                "seq",
                "recorded_at",
                "type",
                "author",
                "commitment",
                "summary",
            ],
            rows: self
                .all()
                .into_iter()
                .map(|(s, c)| {
                    vec![
                        s.to_string(),
                        c.seq.to_string(),
                        c.recorded_at.to_rfc3339(),
                        c.kind.to_string(),
                        c.author.clone(),
                        opt(&c.commitment),
                        c.summary.get(l).to_string(),
                    ]
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Briefing {
    pub from: Point,
    pub to: Point,
    pub new_commitments: Vec<Change>,
    pub handovers: Vec<Change>,
    pub status_changes: Vec<Change>,
    pub deadline_changes: Vec<Change>,
    pub newly_overdue: Vec<OverdueItem>,
    pub open_inquiries: Vec<InquiryRec>,
}

/// The weekly briefing: what happened between two points, and what became overdue.
pub fn briefing(h: &History, from: Point, to: Point) -> Briefing {
    let ch = changes(h, from, to);
    // Overdue at the end and not at the start: only the commitments overdue at the end are
    // asked about the start, instead of listing everything overdue at the start.
    let newly_overdue = overdue(h, to, None)
        .overdue
        .into_iter()
        .filter(|o| {
            !h.commitments
                .get(&o.commitment)
                .is_some_and(|c| in_scope(c, from, None) && c.overdue_at(from).is_some())
        })
        .collect();
    let open_inquiries = if to.size == h.size() {
        let mut open: Vec<InquiryRec> = (h.live_inquiries().open.iter())
            .filter_map(|(_, id)| h.inquiries.get(id).cloned())
            .collect();
        open.sort_by(|a, b| a.id.cmp(&b.id));
        open
    } else {
        (h.inquiries.values())
            .filter(|q| q.seq < to.size && q.answered.as_ref().is_none_or(|a| a.0 >= to.size))
            .map(|q| inquiry_at(q, to.size))
            .collect()
    };
    Briefing {
        from,
        to,
        new_commitments: ch
            .added
            .into_iter()
            .filter(|c| c.kind != EventKind::CommitmentAccepted)
            .collect(),
        handovers: ch.handed_over,
        status_changes: ch
            .reported
            .into_iter()
            .filter(|c| c.kind == EventKind::StatusReported)
            .collect(),
        deadline_changes: ch
            .redated
            .into_iter()
            .filter(|c| c.kind == EventKind::DeadlineChanged)
            .collect(),
        newly_overdue,
        open_inquiries,
    }
}

impl Tabular for Briefing {
    fn table(&self, l: Lang) -> Table {
        let mut rows = Vec::new();
        let mut push = |section: &str, list: &[Change]| {
            for c in list {
                rows.push(vec![
                    section.to_string(),
                    opt(&c.commitment),
                    c.author.clone(),
                    c.recorded_at.to_rfc3339()[..10].to_string(),
                    c.summary.get(l).to_string(),
                ]);
            }
        };
        push("new_commitment", &self.new_commitments);
        push("handover", &self.handovers);
        push("status", &self.status_changes);
        push("deadline", &self.deadline_changes);
        for o in &self.newly_overdue {
            rows.push(vec![
                "newly_overdue".into(),
                o.commitment.to_string(),
                opt(&o.lead),
                o.deadline.to_string(),
                match l {
                    Lang::Uk => format!(
                        "{} прострочення",
                        crate::l10n::count(l, o.days_over as u64, &crate::l10n::DAYS)
                    ),
                    Lang::En => format!(
                        "{} over",
                        crate::l10n::count(l, o.days_over as u64, &crate::l10n::DAYS)
                    ),
                },
            ]);
        }
        for q in &self.open_inquiries {
            rows.push(vec![
                "open_inquiry".into(),
                opt(&q.commitment),
                q.to.to_string(),
                q.due.to_string(),
                format!("{}: {}", q.id, q.question),
            ]);
        }
        Table {
            header: vec!["section", "commitment", "body", "date", "detail"],
            rows,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Data quality.

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualityIssue {
    pub kind: &'static str,
    pub commitment: Option<CommitmentId>,
    pub body: Option<BodyId>,
    /// The problem in words, in both languages (shared with the head facts it comes from).
    pub detail: std::sync::Arc<Summary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualityView {
    pub issues: Vec<QualityIssue>,
}

pub fn data_quality(h: &History, p: Point) -> QualityView {
    if p.size == h.size() {
        data_quality_at_head(h)
    } else {
        data_quality_scanned(h, p)
    }
}

/// The problems of a commitment's fields: no indicator, or an indicator without a baseline,
/// a target or a unit (kind and words, in the order the view lists them).
pub(super) fn field_problems(f: &CommitmentFields) -> Vec<(&'static str, Summary)> {
    let mut out = Vec::new();
    if f.indicators.is_empty() {
        out.push((
            "no_indicator",
            Summary {
                uk: "немає вимірюваного показника".into(),
                en: "no measurable indicator".into(),
            },
        ));
    }
    for i in &f.indicators {
        let missing: Vec<(&str, &str)> = [
            (i.baseline.is_none(), ("базового значення", "baseline")),
            (i.target.is_none(), ("цільового значення", "target")),
            (i.unit.is_none(), ("одиниці виміру", "unit")),
        ]
        .into_iter()
        .filter(|(m, _)| *m)
        .map(|(_, n)| n)
        .collect();
        let list = |uk: bool| {
            missing
                .iter()
                .map(|x| if uk { x.0 } else { x.1 })
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !missing.is_empty() {
            out.push((
                "indicator_incomplete",
                Summary {
                    uk: format!("показник {} не має {}", i.id, list(true)),
                    en: format!("indicator {} has no {}", i.id, list(false)),
                },
            ));
        }
    }
    out
}

/// The problem of a claim, if it has one: implemented (wholly or partly) without evidence.
pub(super) fn claim_problem(cl: &ClaimRec) -> Option<Summary> {
    (matches!(
        cl.status,
        Status::Implemented | Status::PartiallyImplemented
    ) && cl.evidence.is_empty())
    .then(|| Summary {
        uk: format!(
            "запис {}: заявлено «{}» без доказів",
            cl.seq,
            crate::l10n::status(Lang::Uk, Some(cl.status))
        ),
        en: format!(
            "entry {}: {} claimed without evidence",
            cl.seq,
            cl.status.name()
        ),
    })
}

/// A body that leads `n` open commitments and has never reported a status.
fn never_reports(b: BodyId, n: u32) -> QualityIssue {
    QualityIssue {
        kind: "never_reports",
        commitment: None,
        detail: std::sync::Arc::new(Summary {
            uk: format!(
                "відповідає за {} і жодного разу не звітував про стан",
                crate::l10n::count(Lang::Uk, n as u64, &crate::l10n::OPEN_COMMITMENTS)
            ),
            en: format!(
                "leads {} and has never reported a status",
                crate::l10n::count(Lang::En, n as u64, &crate::l10n::OPEN_COMMITMENTS)
            ),
        }),
        body: Some(b),
    }
}

/// `data_quality` at the head of the ledger, from each commitment's head facts (`live`).
pub fn data_quality_at_head(h: &History) -> QualityView {
    let mut issues = Vec::new();
    let mut holders: BTreeMap<BodyId, u32> = BTreeMap::new();
    let name = |i: Option<u32>| i.and_then(|i| h.body_at(i)).cloned();
    for (id, _) in h.commitments.iter() {
        let Some(l) = h
            .commitment_ix
            .get(id)
            .and_then(|i| h.live_facts().get(*i as usize))
        else {
            continue;
        };
        for (kind, detail) in &l.problems {
            issues.push(QualityIssue {
                kind,
                commitment: Some(id.clone()),
                body: name(l.lead),
                detail: detail.clone(),
            });
        }
        for (by, detail) in &l.unevidenced {
            issues.push(QualityIssue {
                kind: "claim_without_evidence",
                commitment: Some(id.clone()),
                body: name(Some(*by)),
                detail: detail.clone(),
            });
        }
        if l.open() {
            if let Some(b) = name(l.lead) {
                *holders.entry(b).or_default() += 1;
            }
        }
    }
    for (b, n) in holders {
        let reported = h
            .body_ix_of(&b)
            .is_some_and(|i| h.live_reporters().contains(&i));
        if !reported {
            issues.push(never_reports(b, n));
        }
    }
    QualityView { issues }
}

/// `data_quality` at any point, from each commitment's whole record.
pub fn data_quality_scanned(h: &History, p: Point) -> QualityView {
    let mut issues = Vec::new();
    let mut reporters: std::collections::HashSet<&BodyId> = std::collections::HashSet::new();
    let mut holders: BTreeMap<BodyId, u32> = BTreeMap::new();
    for c in h.commitments.values().filter(|c| c.exists_at(p.size)) {
        for (kind, detail) in field_problems(&c.fields) {
            issues.push(QualityIssue {
                kind,
                commitment: Some(c.id.clone()),
                body: c.lead_at(p.size),
                detail: detail.into(),
            });
        }
        for cl in c.claims.iter().filter(|x| x.seq < p.size) {
            reporters.insert(&cl.by);
            if let Some(detail) = claim_problem(cl) {
                issues.push(QualityIssue {
                    kind: "claim_without_evidence",
                    commitment: Some(c.id.clone()),
                    body: Some(cl.by.clone()),
                    detail: detail.into(),
                });
            }
        }
        if c.open_at(p.size) {
            if let Some(l) = c.lead_ref_at(p.size).cloned() {
                *holders.entry(l).or_default() += 1;
            }
        }
    }
    for (b, n) in holders {
        if !reporters.contains(&b) {
            issues.push(never_reports(b, n));
        }
    }
    QualityView { issues }
}

impl Tabular for QualityView {
    fn table(&self, l: Lang) -> Table {
        Table {
            header: vec!["kind", "commitment", "body", "detail"],
            rows: self
                .issues
                .iter()
                .map(|i| {
                    vec![
                        i.kind.to_string(),
                        opt(&i.commitment),
                        opt(&i.body),
                        i.detail.get(l).to_string(),
                    ]
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Body kinds: a vocabulary over the free text a body's `kind` records.

/// What kind of body a body is, read from the free text of its `kind` (SPEC.md §11.1):
/// the ledger records the text as registered; this is how views group it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    LocalAuthority,
    Ministry,
    Agency,
    CoordinationBody,
    Parliament,
    Partner,
    CivilSociety,
    Other,
}

impl BodyKind {
    pub const ALL: [BodyKind; 8] = [
        BodyKind::LocalAuthority,
        BodyKind::Ministry,
        BodyKind::Agency,
        BodyKind::CoordinationBody,
        BodyKind::Parliament,
        BodyKind::Partner,
        BodyKind::CivilSociety,
        BodyKind::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BodyKind::LocalAuthority => "local_authority",
            BodyKind::Ministry => "ministry",
            BodyKind::Agency => "agency",
            BodyKind::CoordinationBody => "coordination_body",
            BodyKind::Parliament => "parliament",
            BodyKind::Partner => "partner",
            BodyKind::CivilSociety => "civil_society",
            BodyKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<BodyKind> {
        BodyKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// The kind a recorded `kind` text names: the first rule whose words it contains
    /// (case-insensitive, English or Ukrainian), in this order, else `Other`. The order
    /// matters where words overlap: "parliamentary committee" is parliament, not a
    /// coordination body; "громадська організація" is civil society, not a hromada.
    pub fn of(kind: &str) -> BodyKind {
        let k = kind.to_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| k.contains(w));
        if has(&["parliament", "verkhovna", "rada", "парламент", "верховн"]) {
            BodyKind::Parliament
        } else if has(&["civil", "ngo", "non-governmental", "громадськ", "неурядов"])
        {
            BodyKind::CivilSociety
        } else if has(&[
            "local",
            "hromada",
            "municipal",
            "oblast",
            "city council",
            "village council",
            "місцев",
            "громад",
            "обласн",
            "міськ",
            "сільськ",
            "селищн",
        ]) {
            BodyKind::LocalAuthority
        } else if has(&["partner", "international", "donor", "партнер", "міжнародн"])
        {
            BodyKind::Partner
        } else if has(&["ministry", "міністерств"]) {
            BodyKind::Ministry
        } else if has(&[
            "coordinat",
            "secretariat",
            "working group",
            "council",
            "commission",
            "координац",
            "секретаріат",
            "робоча група",
            "рада",
            "комісі",
        ]) {
            BodyKind::CoordinationBody
        } else if has(&[
            "agency",
            "service",
            "executive",
            "law-enforcement",
            "law enforcement",
            "police",
            "guard",
            "customs",
            "state ",
            "агентств",
            "служб",
            "виконавчої влади",
            "правоохорон",
            "поліці",
            "митн",
            "державн",
        ]) {
            BodyKind::Agency
        } else {
            BodyKind::Other
        }
    }
}

impl History {
    /// The kind of a registered body (`Other` if unknown).
    pub fn body_kind(&self, b: &BodyId) -> BodyKind {
        self.bodies
            .get(b)
            .map(|r| BodyKind::of(&r.kind))
            .unwrap_or(BodyKind::Other)
    }
}

impl CommitmentRec {
    /// The bodies involved at `size`: lead, co-executors and a pending assignee.
    pub fn bodies_at(&self, size: u64) -> Vec<BodyId> {
        let mut out: Vec<BodyId> = self.lead_at(size).into_iter().collect();
        out.extend(self.co_executors_at(size));
        if self.phase_at(size) == Phase::Assigned {
            out.extend(self.assigned_to.iter().cloned());
        }
        out
    }

    /// The latest assessment recorded before `size` of the claim `claim`.
    pub fn assessment_of(&self, claim: &EventId, size: u64) -> Option<&AssessmentRec> {
        self.assessments
            .iter()
            .rev()
            .find(|a| a.seq < size && a.claim.as_ref() == Some(claim))
    }
}

// ---------------------------------------------------------------------------------------------
// Divergences: where what executors claim and what overseers found part ways.

/// Why an item is on the divergence board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DivergenceKind {
    /// The latest claim is "implemented" and no overseer confirmed that claim.
    Unconfirmed,
    /// The overseers' latest word on the item is "contested" or "not confirmed" (of the latest
    /// claim or of an earlier one: a newer report does not settle a dispute).
    Contested,
    /// The latest claim says implemented or partially implemented, with no evidence.
    NoEvidence,
    /// The latest assessment is older than the latest claim: it assessed an earlier report.
    StaleAssessment,
}

impl DivergenceKind {
    pub const ALL: [DivergenceKind; 4] = [
        DivergenceKind::Unconfirmed,
        DivergenceKind::Contested,
        DivergenceKind::NoEvidence,
        DivergenceKind::StaleAssessment,
    ];

    pub fn name(self) -> &'static str {
        match self {
            DivergenceKind::Unconfirmed => "unconfirmed",
            DivergenceKind::Contested => "contested",
            DivergenceKind::NoEvidence => "no_evidence",
            DivergenceKind::StaleAssessment => "stale_assessment",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DivergenceItem {
    pub kind: DivergenceKind,
    pub commitment: CommitmentId,
    pub title_uk: String,
    pub lead: Option<BodyId>,
    /// The latest claim.
    pub claim: ClaimRec,
    /// The assessment of that claim, if any.
    pub assessment_of_claim: Option<AssessmentRec>,
    /// The latest assessment of any claim of the item, if any.
    pub latest_assessment: Option<AssessmentRec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DivergenceView {
    /// By kind, then in commitment order; an item is listed once per kind that applies.
    pub items: Vec<DivergenceItem>,
}

/// The divergence board at `p`: over every commitment that exists there and has a claim.
pub fn divergence(h: &History, p: Point) -> DivergenceView {
    let mut items = Vec::new();
    for c in h.commitments.values().filter(|c| c.exists_at(p.size)) {
        let Some(claim) = c.claim_at(p.size) else {
            continue;
        };
        let of_claim = c.assessment_of(&claim.event_id, p.size);
        let latest = c.assessment_at(p.size);
        let kinds = [
            (
                DivergenceKind::Unconfirmed,
                claim.status == Status::Implemented
                    && of_claim.is_none_or(|a| a.verdict != Verdict::Confirmed),
            ),
            (
                DivergenceKind::Contested,
                latest.is_some_and(|a| {
                    matches!(a.verdict, Verdict::Contested | Verdict::NotConfirmed)
                }),
            ),
            (
                DivergenceKind::NoEvidence,
                matches!(
                    claim.status,
                    Status::Implemented | Status::PartiallyImplemented
                ) && claim.evidence.is_empty(),
            ),
            (
                DivergenceKind::StaleAssessment,
                latest.is_some_and(|a| a.seq < claim.seq),
            ),
        ];
        for (kind, applies) in kinds {
            if applies {
                items.push(DivergenceItem {
                    kind,
                    commitment: c.id.clone(),
                    title_uk: c.fields.title_uk.clone(),
                    lead: c.lead_at(p.size),
                    claim: claim.clone(),
                    assessment_of_claim: of_claim.cloned(),
                    latest_assessment: latest.cloned(),
                });
            }
        }
    }
    items.sort_by_key(|a| a.kind);
    DivergenceView { items }
}

impl Tabular for DivergenceView {
    fn table(&self, _: Lang) -> Table {
        Table {
            header: vec![
                "kind",
                "commitment",
                "lead",
                "claim_seq",
                "claim_date",
                "claim_status",
                "claim_evidence",
                "assessment_seq",
                "assessment_date",
                "verdict",
            ],
            rows: self
                .items
                .iter()
                .map(|i| {
                    let a = i
                        .assessment_of_claim
                        .as_ref()
                        .or(i.latest_assessment.as_ref());
                    vec![
                        i.kind.name().to_string(),
                        i.commitment.to_string(),
                        opt(&i.lead),
                        i.claim.seq.to_string(),
                        i.claim.at.to_rfc3339()[..10].to_string(),
                        i.claim.status.name().to_string(),
                        i.claim.evidence.len().to_string(),
                        a.map(|a| a.seq.to_string()).unwrap_or_default(),
                        a.map(|a| a.at.to_rfc3339()[..10].to_string())
                            .unwrap_or_default(),
                        a.map(|a| a.verdict.name().to_string()).unwrap_or_default(),
                    ]
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Every deadline change, across all items.

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineChangeRow {
    pub commitment: CommitmentId,
    pub title_uk: String,
    pub lead: Option<BodyId>,
    /// Which change of the item this is (1 = the first), and how many it had at the point.
    pub nth: u32,
    pub of: u32,
    pub change: DeadlineRec,
    /// Days the deadline moved (negative if brought forward).
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineChangesView {
    /// In ledger order.
    pub changes: Vec<DeadlineChangeRow>,
}

/// Every deadline change recorded before `p`, across all commitments.
pub fn deadline_changes(h: &History, p: Point) -> DeadlineChangesView {
    let mut changes = Vec::new();
    for c in h.commitments.values().filter(|c| c.exists_at(p.size)) {
        let list: Vec<&DeadlineRec> = c.deadlines.iter().filter(|d| d.seq < p.size).collect();
        let of = list.len() as u32;
        for (i, d) in list.into_iter().enumerate() {
            changes.push(DeadlineChangeRow {
                commitment: c.id.clone(),
                title_uk: c.fields.title_uk.clone(),
                lead: c.lead_at(d.seq + 1),
                nth: i as u32 + 1,
                of,
                change: d.clone(),
                days: days_between(d.from, d.to),
            });
        }
    }
    changes.sort_by_key(|r| r.change.seq);
    DeadlineChangesView { changes }
}

impl Tabular for DeadlineChangesView {
    fn table(&self, _: Lang) -> Table {
        Table {
            header: vec![
                "seq",
                "recorded_at",
                "commitment",
                "change",
                "of",
                "from",
                "to",
                "days",
                "reason",
                "approved_by",
            ],
            rows: self
                .changes
                .iter()
                .map(|r| {
                    vec![
                        r.change.seq.to_string(),
                        r.change.at.to_rfc3339(),
                        r.commitment.to_string(),
                        r.nth.to_string(),
                        r.of.to_string(),
                        r.change.from.to_string(),
                        r.change.to.to_string(),
                        r.days.to_string(),
                        r.change.reason.clone(),
                        r.change.by.to_string(),
                    ]
                })
                .collect(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The hearing comparison: each item then and now.

/// One item as it stood at a point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemState<'a> {
    pub phase: Phase,
    pub lead: Option<BodyId>,
    pub deadline: Date,
    pub overdue_days: Option<i64>,
    pub claim: Option<&'a ClaimRec>,
    pub assessment: Option<&'a AssessmentRec>,
}

impl<'a> ItemState<'a> {
    pub fn of(c: &'a CommitmentRec, p: Point) -> Option<ItemState<'a>> {
        c.exists_at(p.size).then(|| ItemState {
            phase: c.phase_at(p.size),
            lead: c.lead_at(p.size),
            deadline: c.deadline_at(p.size),
            overdue_days: c.overdue_at(p),
            claim: c.claim_at(p.size),
            assessment: c.assessment_at(p.size),
        })
    }
}

/// What of an item differs between the two points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Changed {
    Added,
    Phase,
    Lead,
    Deadline,
    Claim,
    Assessment,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComparedItem<'a> {
    pub commitment: &'a CommitmentId,
    pub title_uk: &'a str,
    /// `None`: the item did not exist yet.
    pub then: Option<ItemState<'a>>,
    pub now: ItemState<'a>,
    pub changed: Vec<Changed>,
}

/// The comparison borrows the projections' records: it is computed for every item at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompareView<'a> {
    pub from: Point,
    pub to: Point,
    /// Every item that exists at `to`, in commitment order.
    pub items: Vec<ComparedItem<'a>>,
}

/// Each item at `from` and at `to`, and what changed between.
pub fn compare(h: &History, from: Point, to: Point) -> CompareView<'_> {
    let items = h
        .commitments
        .values()
        .filter_map(|c| {
            let now = ItemState::of(c, to)?;
            let then = ItemState::of(c, from);
            let mut changed = Vec::new();
            match &then {
                None => changed.push(Changed::Added),
                Some(t) => {
                    let seq = |x: Option<&ClaimRec>| x.map(|c| c.seq);
                    let aseq = |x: Option<&AssessmentRec>| x.map(|c| c.seq);
                    for (k, differs) in [
                        (Changed::Phase, t.phase != now.phase),
                        (Changed::Lead, t.lead != now.lead),
                        (Changed::Deadline, t.deadline != now.deadline),
                        (Changed::Claim, seq(t.claim) != seq(now.claim)),
                        (
                            Changed::Assessment,
                            aseq(t.assessment) != aseq(now.assessment),
                        ),
                    ] {
                        if differs {
                            changed.push(k);
                        }
                    }
                }
            }
            Some(ComparedItem {
                commitment: &c.id,
                title_uk: &c.fields.title_uk,
                then,
                now,
                changed,
            })
        })
        .collect();
    CompareView { from, to, items }
}

/// The hearings the ledger records: notes without a commitment by a parliamentary body, by
/// day (the dates a hearing comparison is usually asked between).
pub fn hearings(h: &History) -> Vec<(Date, u64, BodyId)> {
    let mut out: Vec<(Date, u64, BodyId)> = Vec::new();
    for (seq, e) in h.entries.iter().enumerate() {
        if e.kind != EventKind::NoteAdded || e.commitment != u32::MAX {
            continue;
        }
        let Some(author) = h.body_at(e.author) else {
            continue;
        };
        if h.body_kind(author) != BodyKind::Parliament {
            continue;
        }
        let day = h.date_of(e.recorded_at);
        if out.last().is_none_or(|(d, _, _)| *d != day) {
            out.push((day, seq as u64, author.clone()));
        }
    }
    out
}
