//! Projections: a pure fold of entries into the history oversight asks about (SPEC.md is the
//! source of the events; this module only reads them).
//!
//! The model is append-only: every fact carries the sequence number that established it, so
//! a view "as of" any earlier point filters by sequence number instead of re-folding.
//! `History::apply` must be called with entries in order, and only with entries the rules
//! accepted (the ledger and the verifier guarantee that).

pub mod views;

use crate::event::*;
use crate::keys::KeyId;
use crate::types::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A point in the ledger's history: the first `size` entries, read on calendar day `today`
/// (in the ledger's time zone). Deadlines are compared with `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    pub size: u64,
    pub today: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyRec {
    pub id: BodyId,
    pub name_uk: String,
    pub name_en: String,
    pub kind: String,
    pub roles: Vec<Role>,
    pub registered: u64,
    /// (seq, successor)
    pub succeeded: Option<(u64, BodyId)>,
    /// Earlier English names, with the entry that replaced each.
    pub former_names: Vec<(u64, String)>,
}

impl BodyRec {
    /// The English name the body had after the first `size` entries.
    pub fn name_en_at(&self, size: u64) -> &str {
        self.former_names
            .iter()
            .find(|(replaced, _)| *replaced >= size)
            .map(|(_, n)| n.as_str())
            .unwrap_or(&self.name_en)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectiveRec {
    pub id: ObjectiveId,
    pub seq: u64,
    pub parent: Option<ObjectiveId>,
    pub title_uk: String,
    pub title_en: Option<String>,
    pub components: Vec<Component>,
}

/// How a body came to lead a commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// Accepted an assignment.
    Accepted,
    /// Committed itself (`commitment.made`).
    Made,
    /// Accepted a handover.
    Handover,
    /// Reassigned by a coordinator, without its acceptance.
    Reassigned,
    /// Added as a co-executor.
    Added,
}

/// A span of responsibility: from entry `from` (inclusive) to entry `to` (exclusive), open
/// while `to` is `None`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub body: BodyId,
    pub from: u64,
    pub from_at: Millis,
    pub to: Option<u64>,
    pub to_at: Option<Millis>,
    pub how: How,
}

impl Interval {
    /// The interval as seen at `size`: `None` if it had not started.
    pub fn at(&self, size: u64) -> Option<Interval> {
        if self.from >= size {
            return None;
        }
        let mut i = self.clone();
        if i.to.is_some_and(|t| t >= size) {
            i.to = None;
            i.to_at = None;
        }
        Some(i)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverRec {
    pub proposal: EventId,
    pub seq: u64,
    pub at: Millis,
    pub proposer: BodyId,
    pub from: Option<BodyId>,
    pub to: BodyId,
    pub reason: String,
    /// (seq, at, "accepted" | "declined" | "withdrawn" | "superseded")
    pub outcome: Option<(u64, Millis, Outcome)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadlineRec {
    pub seq: u64,
    pub at: Millis,
    pub from: Date,
    pub to: Date,
    pub reason: String,
    pub by: BodyId,
    pub request: Option<EventId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRec {
    pub seq: u64,
    pub at: Millis,
    pub event_id: EventId,
    pub by: BodyId,
    pub status: Status,
    pub note: Option<String>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessmentRec {
    pub seq: u64,
    pub at: Millis,
    pub by: BodyId,
    pub verdict: Verdict,
    pub claim: Option<EventId>,
    pub note: Option<String>,
    pub evidence: Vec<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureRec {
    pub seq: u64,
    pub at: Millis,
    pub by: BodyId,
    pub indicator: IndicatorId,
    pub value: Decimal,
    pub as_of: Date,
    pub evidence: Vec<Evidence>,
}

/// One signed record in a commitment's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistRec {
    pub seq: u64,
    pub recorded_at: Millis,
    pub claimed_at: Millis,
    #[serde(rename = "type")]
    pub kind: Kind,
    pub author: BodyId,
    pub key: KeyId,
    pub event_id: EventId,
    pub summary: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseName {
    Assigned,
    Active,
    Rejected,
    Cancelled,
    Superseded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentRec {
    pub id: CommitmentId,
    pub fields: CommitmentFields,
    pub created: u64,
    pub created_at: Millis,
    pub created_by: BodyId,
    /// The body an assignment named, and when (for pending assignments).
    pub assigned_to: Option<BodyId>,
    pub phases: Vec<(u64, PhaseName)>,
    pub leads: Vec<Interval>,
    pub co_executors: Vec<Interval>,
    pub handovers: Vec<HandoverRec>,
    pub reassignments: Vec<(u64, Millis, BodyId, BodyId, String)>,
    pub deadlines: Vec<DeadlineRec>,
    pub extension_requests: Vec<(u64, Millis, EventId, Date, String)>,
    pub claims: Vec<ClaimRec>,
    pub assessments: Vec<AssessmentRec>,
    pub measures: Vec<MeasureRec>,
    pub notes: Vec<(u64, Millis, BodyId, String)>,
    pub history: Vec<HistRec>,
    pub superseded_by: Option<CommitmentId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InquiryRec {
    pub id: InquiryId,
    pub seq: u64,
    pub at: Millis,
    pub by: BodyId,
    pub to: BodyId,
    pub commitment: Option<CommitmentId>,
    pub question: String,
    pub due: Date,
    pub answered: Option<(u64, Millis, BodyId)>,
}

/// Compact facts about every entry, for "what changed between two points".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryMeta {
    pub recorded_at: Millis,
    pub kind: Kind,
    pub author: u32,
    /// Index into `History::commitment_order`, or `u32::MAX`.
    pub commitment: u32,
}

/// Everything the views read, folded from entries in order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct History {
    pub origin: String,
    pub time_zone: String,
    pub bodies: BTreeMap<BodyId, BodyRec>,
    body_order: Vec<BodyId>,
    body_ix: HashMap<BodyId, u32>,
    pub objectives: BTreeMap<ObjectiveId, ObjectiveRec>,
    pub commitments: BTreeMap<CommitmentId, CommitmentRec>,
    pub commitment_order: Vec<CommitmentId>,
    commitment_ix: HashMap<CommitmentId, u32>,
    pub inquiries: BTreeMap<InquiryId, InquiryRec>,
    pub entries: Vec<EntryMeta>,
    /// Derived from `time_zone`; restored by `History::restored` after deserialization.
    #[serde(skip)]
    tz: Option<jiff::tz::TimeZone>,
}

impl PartialEq for History {
    fn eq(&self, o: &Self) -> bool {
        self.origin == o.origin
            && self.time_zone == o.time_zone
            && self.bodies == o.bodies
            && self.objectives == o.objectives
            && self.commitments == o.commitments
            && self.inquiries == o.inquiries
            && self.entries == o.entries
            && self.body_order == o.body_order
            && self.commitment_order == o.commitment_order
    }
}

fn short(s: &str) -> String {
    const MAX: usize = 120;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(MAX - 1).collect();
        t.push('…');
        t
    }
}

impl History {
    pub fn new() -> History {
        History::default()
    }

    /// Completes a deserialized history (the time zone is not serialized).
    pub fn restored(mut self) -> History {
        self.tz = jiff::tz::TimeZone::get(&self.time_zone).ok();
        self
    }

    pub fn size(&self) -> u64 {
        self.entries.len() as u64
    }

    /// The calendar date of an instant in the ledger's time zone.
    pub fn date_of(&self, t: Millis) -> Date {
        let ts =
            jiff::Timestamp::from_millisecond(t.0 as i64).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let tz = self.tz.clone().unwrap_or(jiff::tz::TimeZone::UTC);
        Date(ts.to_zoned(tz).date())
    }

    /// The number of entries recorded before the end of `day` (in the ledger's time zone): the
    /// size of the ledger "as of" that date.
    pub fn size_at_end_of(&self, day: Date) -> u64 {
        let tz = self.tz.clone().unwrap_or(jiff::tz::TimeZone::UTC);
        let next = day.0.tomorrow().unwrap_or(day.0);
        let start = next
            .to_zoned(tz)
            .map(|z| z.timestamp().as_millisecond())
            .unwrap_or(i64::MAX);
        self.entries
            .partition_point(|e| (e.recorded_at.0 as i64) < start) as u64
    }

    /// The point "as of" the end of `day`.
    pub fn point_at_date(&self, day: Date) -> Point {
        Point {
            size: self.size_at_end_of(day),
            today: day,
        }
    }

    /// The point after the first `size` entries, read on the day of the last of them.
    pub fn point_at_size(&self, size: u64) -> Point {
        let size = size.min(self.size());
        let today = match size {
            0 => Date(jiff::civil::date(1970, 1, 1)),
            n => self.date_of(self.entries[n as usize - 1].recorded_at),
        };
        Point { size, today }
    }

    pub fn body_name<'a>(&'a self, id: &'a BodyId) -> &'a str {
        self.bodies
            .get(id)
            .map(|b| b.name_en.as_str())
            .unwrap_or(id.as_str())
    }

    fn ix_body(&mut self, b: &BodyId) -> u32 {
        if let Some(i) = self.body_ix.get(b) {
            return *i;
        }
        let i = self.body_order.len() as u32;
        self.body_order.push(b.clone());
        self.body_ix.insert(b.clone(), i);
        i
    }

    pub fn body_at(&self, ix: u32) -> Option<&BodyId> {
        self.body_order.get(ix as usize)
    }

    /// Applies the entry at the next sequence number.
    pub fn apply(&mut self, recorded_at: Millis, ev: &Event) {
        let seq = self.size();
        let author_ix = self.ix_body(&ev.author);
        let mut commitment_ix = u32::MAX;
        let target = commitment_of(&ev.body);
        let mut summary = String::new();
        let author = ev.author.clone();
        match &ev.body {
            Body::Genesis(g) => {
                self.origin = g.origin.clone();
                self.time_zone = g.time_zone.clone();
                self.tz = jiff::tz::TimeZone::get(&g.time_zone).ok();
                self.bodies.insert(
                    g.registrar.id.clone(),
                    BodyRec {
                        id: g.registrar.id.clone(),
                        name_uk: g.registrar.name_uk.clone(),
                        name_en: g.registrar.name_en.clone(),
                        kind: g.registrar.kind.clone(),
                        roles: vec![Role::Registrar],
                        registered: seq,
                        succeeded: None,
                        former_names: Vec::new(),
                    },
                );
            }
            Body::BodyRegistered(b) => {
                self.ix_body(&b.id);
                self.bodies.insert(
                    b.id.clone(),
                    BodyRec {
                        id: b.id.clone(),
                        name_uk: b.name_uk.clone(),
                        name_en: b.name_en.clone(),
                        kind: b.kind.clone(),
                        roles: b.roles.clone(),
                        registered: seq,
                        succeeded: None,
                        former_names: Vec::new(),
                    },
                );
            }
            Body::BodyUpdated(u) => {
                if let Some(b) = self.bodies.get_mut(&u.id) {
                    if let Some(v) = &u.name_uk {
                        b.name_uk = v.clone();
                    }
                    if let Some(v) = &u.name_en {
                        let old = std::mem::replace(&mut b.name_en, v.clone());
                        b.former_names.push((seq, old));
                    }
                    if let Some(v) = &u.kind {
                        b.kind = v.clone();
                    }
                    if let Some(v) = &u.roles {
                        b.roles = v.clone();
                    }
                }
            }
            Body::BodySucceeded(s) => {
                if let Some(b) = self.bodies.get_mut(&s.id) {
                    b.succeeded = Some((seq, s.successor.clone()));
                }
            }
            Body::KeyAdded(_) | Body::KeyRevoked(_) => {}
            Body::ObjectiveDefined(o) => {
                self.objectives.insert(
                    o.id.clone(),
                    ObjectiveRec {
                        id: o.id.clone(),
                        seq,
                        parent: o.parent.clone(),
                        title_uk: o.title_uk.clone(),
                        title_en: o.title_en.clone(),
                        components: o.components.clone(),
                    },
                );
            }
            Body::CommitmentAssigned(f) | Body::CommitmentMade(f) => {
                let made = matches!(ev.body, Body::CommitmentMade(_));
                let lead = if made {
                    author.clone()
                } else {
                    f.lead.clone().unwrap_or(author.clone())
                };
                commitment_ix = self.commitment_order.len() as u32;
                self.commitment_order.push(f.id.clone());
                self.commitment_ix.insert(f.id.clone(), commitment_ix);
                let mut rec = CommitmentRec {
                    id: f.id.clone(),
                    fields: f.clone(),
                    created: seq,
                    created_at: recorded_at,
                    created_by: author.clone(),
                    assigned_to: (!made).then(|| lead.clone()),
                    phases: vec![(
                        seq,
                        if made {
                            PhaseName::Active
                        } else {
                            PhaseName::Assigned
                        },
                    )],
                    leads: Vec::new(),
                    co_executors: f
                        .co_executors
                        .iter()
                        .map(|b| Interval {
                            body: b.clone(),
                            from: seq,
                            from_at: recorded_at,
                            to: None,
                            to_at: None,
                            how: How::Added,
                        })
                        .collect(),
                    handovers: Vec::new(),
                    reassignments: Vec::new(),
                    deadlines: Vec::new(),
                    extension_requests: Vec::new(),
                    claims: Vec::new(),
                    assessments: Vec::new(),
                    measures: Vec::new(),
                    notes: Vec::new(),
                    history: Vec::new(),
                    superseded_by: None,
                };
                if made {
                    rec.leads.push(Interval {
                        body: lead.clone(),
                        from: seq,
                        from_at: recorded_at,
                        to: None,
                        to_at: None,
                        how: How::Made,
                    });
                    summary = format!("{} commits itself, deadline {}", lead, f.deadline);
                } else {
                    summary = format!("assigned to {lead}, deadline {}", f.deadline);
                }
                self.commitments.insert(f.id.clone(), rec);
            }
            Body::InquiryRaised(q) => {
                self.inquiries.insert(
                    q.inquiry.clone(),
                    InquiryRec {
                        id: q.inquiry.clone(),
                        seq,
                        at: recorded_at,
                        by: author.clone(),
                        to: q.to.clone(),
                        commitment: q.commitment.clone(),
                        question: q.question.clone(),
                        due: q.due,
                        answered: None,
                    },
                );
                summary = format!(
                    "inquiry {} to {}, due {}: {}",
                    q.inquiry,
                    q.to,
                    q.due,
                    short(&q.question)
                );
            }
            Body::InquiryAnswered(a) => {
                if let Some(q) = self.inquiries.get_mut(&a.inquiry) {
                    q.answered = Some((seq, recorded_at, author.clone()));
                }
                summary = format!("inquiry {} answered: {}", a.inquiry, short(&a.answer));
            }
            _ => {}
        }
        // Everything else changes one commitment.
        let target = target.or_else(|| match &ev.body {
            Body::InquiryAnswered(a) => self
                .inquiries
                .get(&a.inquiry)
                .and_then(|q| q.commitment.clone()),
            _ => None,
        });
        if let Some(cid) = target {
            if let Some(ix) = self.commitment_ix.get(&cid).copied() {
                commitment_ix = ix;
                let s = self.apply_to_commitment(seq, recorded_at, ev, &cid);
                if summary.is_empty() {
                    summary = s;
                }
                if let Some(c) = self.commitments.get_mut(&cid) {
                    c.history.push(HistRec {
                        seq,
                        recorded_at,
                        claimed_at: ev.at,
                        kind: Kind::of(ev.kind()),
                        author: author.clone(),
                        key: ev.key.clone(),
                        event_id: ev.id.clone(),
                        summary,
                    });
                }
            }
        }
        self.entries.push(EntryMeta {
            recorded_at,
            kind: Kind::of(ev.kind()),
            author: author_ix,
            commitment: commitment_ix,
        });
    }

    fn apply_to_commitment(
        &mut self,
        seq: u64,
        at: Millis,
        ev: &Event,
        cid: &CommitmentId,
    ) -> String {
        let author = ev.author.clone();
        let Some(c) = self.commitments.get_mut(cid) else {
            return String::new();
        };
        let close_lead = |c: &mut CommitmentRec| {
            if let Some(l) = c.leads.last_mut() {
                if l.to.is_none() {
                    l.to = Some(seq);
                    l.to_at = Some(at);
                }
            }
        };
        let current_lead = |c: &CommitmentRec| {
            c.leads
                .last()
                .filter(|l| l.to.is_none())
                .map(|l| l.body.clone())
        };
        let close_pending = |c: &mut CommitmentRec, what: Outcome| {
            if let Some(h) = c.handovers.last_mut() {
                if h.outcome.is_none() {
                    h.outcome = Some((seq, at, what));
                }
            }
        };
        match &ev.body {
            Body::CommitmentAssigned(_) | Body::CommitmentMade(_) => String::new(),
            Body::CommitmentAccepted(_) => {
                c.phases.push((seq, PhaseName::Active));
                c.leads.push(Interval {
                    body: author.clone(),
                    from: seq,
                    from_at: at,
                    to: None,
                    to_at: None,
                    how: How::Accepted,
                });
                format!("{author} accepts the assignment")
            }
            Body::CommitmentRejected(r) => {
                c.phases.push((seq, PhaseName::Rejected));
                format!("{author} rejects the assignment: {}", short(&r.reason))
            }
            Body::CommitmentCancelled(r) => {
                c.phases.push((seq, PhaseName::Cancelled));
                close_lead(c);
                close_pending(c, Outcome::Superseded);
                format!("cancelled: {}", short(&r.reason))
            }
            Body::CommitmentSuperseded(s) => {
                c.phases.push((seq, PhaseName::Superseded));
                c.superseded_by = Some(s.successor.clone());
                close_lead(c);
                close_pending(c, Outcome::Superseded);
                format!("superseded by {}: {}", s.successor, short(&s.reason))
            }
            Body::CommitmentReassigned(t) => {
                let from = current_lead(c).or_else(|| c.assigned_to.clone());
                close_lead(c);
                close_pending(c, Outcome::Superseded);
                if c.phases.last().map(|p| &p.1) != Some(&PhaseName::Active) {
                    c.phases.push((seq, PhaseName::Active));
                }
                c.leads.push(Interval {
                    body: t.to.clone(),
                    from: seq,
                    from_at: at,
                    to: None,
                    to_at: None,
                    how: How::Reassigned,
                });
                close_coexec(c, &t.to, seq, at);
                let from_s = from
                    .as_ref()
                    .map(|b| b.to_string())
                    .unwrap_or_else(|| "nobody".into());
                c.reassignments.push((
                    seq,
                    at,
                    from.unwrap_or(author.clone()),
                    t.to.clone(),
                    t.reason.clone(),
                ));
                format!(
                    "reassigned from {from_s} to {} by {author}: {}",
                    t.to,
                    short(&t.reason)
                )
            }
            Body::HandoverProposed(t) => {
                let from = current_lead(c);
                c.handovers.push(HandoverRec {
                    proposal: ev.id.clone(),
                    seq,
                    at,
                    proposer: author.clone(),
                    from,
                    to: t.to.clone(),
                    reason: t.reason.clone(),
                    outcome: None,
                });
                format!(
                    "handover to {} proposed by {author}: {}",
                    t.to,
                    short(&t.reason)
                )
            }
            Body::HandoverAccepted(_) => {
                let from = current_lead(c);
                close_pending(c, Outcome::Accepted);
                close_lead(c);
                c.leads.push(Interval {
                    body: author.clone(),
                    from: seq,
                    from_at: at,
                    to: None,
                    to_at: None,
                    how: How::Handover,
                });
                close_coexec(c, &author, seq, at);
                format!(
                    "{author} accepts the handover from {}",
                    from.map(|b| b.to_string()).unwrap_or_default()
                )
            }
            Body::HandoverDeclined(a) => {
                close_pending(c, Outcome::Declined);
                format!(
                    "{author} declines the handover: {}",
                    short(a.reason.as_deref().unwrap_or(""))
                )
            }
            Body::HandoverWithdrawn(_) => {
                close_pending(c, Outcome::Withdrawn);
                format!("{author} withdraws the handover")
            }
            Body::CoExecutorAdded(x) => {
                c.co_executors.push(Interval {
                    body: x.body.clone(),
                    from: seq,
                    from_at: at,
                    to: None,
                    to_at: None,
                    how: How::Added,
                });
                format!("co-executor {} added", x.body)
            }
            Body::CoExecutorRemoved(x) => {
                close_coexec(c, &x.body, seq, at);
                format!("co-executor {} removed", x.body)
            }
            Body::StatusReported(s) => {
                c.claims.push(ClaimRec {
                    seq,
                    at,
                    event_id: ev.id.clone(),
                    by: author.clone(),
                    status: s.status,
                    note: s.note.clone(),
                    evidence: s.evidence.clone(),
                });
                format!(
                    "status {} ({} evidence){}",
                    status_name(s.status),
                    s.evidence.len(),
                    s.note
                        .as_deref()
                        .map(|n| format!(": {}", short(n)))
                        .unwrap_or_default()
                )
            }
            Body::IndicatorMeasured(m) => {
                c.measures.push(MeasureRec {
                    seq,
                    at,
                    by: author.clone(),
                    indicator: m.indicator.clone(),
                    value: m.value.clone(),
                    as_of: m.as_of,
                    evidence: m.evidence.clone(),
                });
                format!("indicator {} = {} as of {}", m.indicator, m.value, m.as_of)
            }
            Body::DeadlineExtensionRequested(d) => {
                c.extension_requests
                    .push((seq, at, ev.id.clone(), d.deadline, d.reason.clone()));
                format!(
                    "extension to {} requested: {}",
                    d.deadline,
                    short(&d.reason)
                )
            }
            Body::DeadlineChanged(d) => {
                let from = c
                    .deadlines
                    .last()
                    .map(|x| x.to)
                    .unwrap_or(c.fields.deadline);
                c.deadlines.push(DeadlineRec {
                    seq,
                    at,
                    from,
                    to: d.deadline,
                    reason: d.reason.clone(),
                    by: author.clone(),
                    request: d.request.clone(),
                });
                format!("deadline {from} → {}: {}", d.deadline, short(&d.reason))
            }
            Body::AssessmentRecorded(a) => {
                c.assessments.push(AssessmentRec {
                    seq,
                    at,
                    by: author.clone(),
                    verdict: a.verdict,
                    claim: a.claim.clone(),
                    note: a.note.clone(),
                    evidence: a.evidence.clone(),
                });
                format!(
                    "assessed {}{}",
                    verdict_name(a.verdict),
                    a.note
                        .as_deref()
                        .map(|n| format!(": {}", short(n)))
                        .unwrap_or_default()
                )
            }
            Body::NoteAdded(n) => {
                c.notes.push((seq, at, author.clone(), n.text.clone()));
                format!("note: {}", short(&n.text))
            }
            _ => String::new(),
        }
    }
}

fn close_coexec(c: &mut CommitmentRec, body: &BodyId, seq: u64, at: Millis) {
    for i in c.co_executors.iter_mut() {
        if &i.body == body && i.to.is_none() {
            i.to = Some(seq);
            i.to_at = Some(at);
        }
    }
}

/// The commitment an event is about, if any.
pub fn commitment_of(body: &Body) -> Option<CommitmentId> {
    Some(match body {
        Body::CommitmentAssigned(f) | Body::CommitmentMade(f) => f.id.clone(),
        Body::CommitmentAccepted(r) => r.commitment.clone(),
        Body::CommitmentRejected(r) | Body::CommitmentCancelled(r) => r.commitment.clone(),
        Body::CommitmentSuperseded(s) => s.commitment.clone(),
        Body::CommitmentReassigned(t) | Body::HandoverProposed(t) => t.commitment.clone(),
        Body::HandoverAccepted(a) | Body::HandoverDeclined(a) | Body::HandoverWithdrawn(a) => {
            a.commitment.clone()
        }
        Body::CoExecutorAdded(x) | Body::CoExecutorRemoved(x) => x.commitment.clone(),
        Body::StatusReported(s) => s.commitment.clone(),
        Body::IndicatorMeasured(m) => m.commitment.clone(),
        Body::DeadlineExtensionRequested(d) => d.commitment.clone(),
        Body::DeadlineChanged(d) => d.commitment.clone(),
        Body::AssessmentRecorded(a) => a.commitment.clone(),
        Body::NoteAdded(n) => return n.commitment.clone(),
        Body::InquiryRaised(q) => return q.commitment.clone(),
        _ => return None,
    })
}

pub fn status_name(s: Status) -> &'static str {
    match s {
        Status::NotStarted => "not_started",
        Status::InProgress => "in_progress",
        Status::AtRisk => "at_risk",
        Status::Blocked => "blocked",
        Status::Implemented => "implemented",
        Status::PartiallyImplemented => "partially_implemented",
        Status::NotImplemented => "not_implemented",
    }
}

pub fn verdict_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Confirmed => "confirmed",
        Verdict::PartiallyConfirmed => "partially_confirmed",
        Verdict::NotConfirmed => "not_confirmed",
        Verdict::Contested => "contested",
    }
}

/// The version of the fold (`History::apply`): raise it whenever the same entries would fold
/// into different projections, so that snapshots made by an older fold are rebuilt, not read.
pub const FOLD_VERSION: u32 = 1;

/// An event type, held as its index in `EVENT_TYPES`, serialized by name (in JSON and in
/// snapshots alike), so that a new type in the table never makes an old snapshot misread.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Kind(u8);

impl Kind {
    pub fn of(name: &str) -> Kind {
        Kind(EVENT_TYPES.iter().position(|t| *t == name).unwrap_or(0) as u8)
    }

    pub fn as_str(self) -> &'static str {
        EVENT_TYPES.get(self.0 as usize).copied().unwrap_or("?")
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Kind {
    fn eq(&self, o: &&str) -> bool {
        self.as_str() == *o
    }
}

impl Serialize for Kind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = std::borrow::Cow::<'de, str>::deserialize(d)?;
        EVENT_TYPES
            .iter()
            .position(|t| *t == s)
            .map(|i| Kind(i as u8))
            .ok_or_else(|| serde::de::Error::custom(format!("unknown event type {s:?}")))
    }
}

/// How a proposed handover ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Accepted,
    Declined,
    Withdrawn,
    /// The commitment was reassigned, cancelled or superseded while it was pending.
    Superseded,
}
