//! Projections: a pure fold of entries into the history oversight asks about (SPEC.md is the
//! source of the events; this module only reads them).
//!
//! The model is append-only: every fact carries the sequence number that established it, so
//! a view "as of" any earlier point filters by sequence number instead of re-folding.
//! `History::apply` must be called with entries in order, and only with entries the rules
//! accepted (the ledger and the verifier guarantee that). It folds the same `Effect`s the
//! rules' state does (`events/`), so the commitment lifecycle is not written twice.

pub mod live;
pub mod views;

use crate::event::*;
use crate::events::{About, Before, Effect};
use crate::keys::KeyId;
use crate::l10n::Lang;
use crate::types::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The lifecycle vocabulary the views speak, shared with the rules (`event.rs`).
pub use crate::event::{How, Outcome, Phase};

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
    /// (seq, at, how it ended)
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
    pub kind: EventKind,
    pub author: BodyId,
    pub key: KeyId,
    pub event_id: EventId,
    /// Shared with the entry's `EntryMeta` (an `Arc` serializes as the summary itself).
    pub summary: Arc<Summary>,
}

/// A record's summary line in both languages, written when the record is folded (an event's
/// `summary`), so a page or a table in either language reads it without the event.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Summary {
    pub uk: String,
    pub en: String,
}

impl Summary {
    pub fn get(&self, l: Lang) -> &str {
        match l {
            Lang::Uk => &self.uk,
            Lang::En => &self.en,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.uk.is_empty() && self.en.is_empty()
    }
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
    pub phases: Vec<(u64, Phase)>,
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
    pub kind: EventKind,
    pub author: u32,
    /// Index into `History::commitment_order`, or `u32::MAX`.
    pub commitment: u32,
    /// The summary of the entry's record in its commitment's history, if it has one: what
    /// "what changed" lists, read by sequence number without looking the commitment up. Not
    /// in the snapshot (it is the record's own, shared): `History::restored` links it again.
    #[serde(skip)]
    pub summary: Option<Arc<Summary>>,
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
    /// Each commitment at the head, by its index in `commitment_order`: derived from the
    /// records, kept up to date by `apply` and rebuilt by `History::restored`.
    #[serde(skip)]
    live: Vec<live::Live>,
    /// The inquiries at the head, kept and rebuilt the same way.
    #[serde(skip)]
    live_inquiries: live::Inquiries,
    /// The bodies (by index) that have reported a status, kept and rebuilt the same way.
    #[serde(skip)]
    live_reporters: std::collections::HashSet<u32>,
    /// The inquiries about each commitment, in the order they were raised (an index kept and
    /// rebuilt the same way: a card lists its commitment's inquiries without reading all).
    #[serde(skip)]
    inquiries_about: HashMap<CommitmentId, Vec<InquiryId>>,
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

impl History {
    pub fn new() -> History {
        History::default()
    }

    /// Completes a deserialized history (the time zone is not serialized).
    pub fn restored(mut self) -> History {
        self.tz = jiff::tz::TimeZone::get(&self.time_zone).ok();
        let live = self
            .commitment_order
            .iter()
            .filter_map(|id| self.commitments.get(id))
            .map(|c| live::Live::of(c, &|b| self.body_index(b)))
            .collect();
        self.live = live;
        let mut inquiries = live::Inquiries::default();
        let mut by_seq: Vec<&InquiryRec> = self.inquiries.values().collect();
        by_seq.sort_by_key(|q| q.seq);
        for q in by_seq {
            let to = self.body_index(&q.to);
            inquiries.raised(q, to);
            if let Some(a) = &q.answered {
                inquiries.answered(q, to, self.date_of(a.1) <= q.due);
            }
        }
        let mut about: HashMap<CommitmentId, Vec<InquiryId>> = HashMap::new();
        let mut raised: Vec<&InquiryRec> = self.inquiries.values().collect();
        raised.sort_by_key(|q| q.seq);
        for q in raised {
            if let Some(c) = &q.commitment {
                about.entry(c.clone()).or_default().push(q.id.clone());
            }
        }
        self.inquiries_about = about;
        self.live_inquiries = inquiries;
        let reporters = self
            .commitments
            .values()
            .flat_map(|c| &c.claims)
            .map(|cl| self.body_index(&cl.by))
            .collect();
        self.live_reporters = reporters;
        for c in self.commitments.values() {
            for r in &c.history {
                if let Some(m) = self.entries.get_mut(r.seq as usize) {
                    m.summary = Some(r.summary.clone());
                }
            }
        }
        self
    }

    /// The inquiries about a commitment (at any point: filter them by `seq`), in the order
    /// they were raised.
    pub fn inquiries_about(&self, c: &CommitmentId) -> impl Iterator<Item = &InquiryRec> {
        self.inquiries_about
            .get(c)
            .into_iter()
            .flatten()
            .filter_map(|q| self.inquiries.get(q))
    }

    /// The bodies (by index) that have reported a status.
    pub fn live_reporters(&self) -> &std::collections::HashSet<u32> {
        &self.live_reporters
    }

    /// The inquiries at the head.
    pub fn live_inquiries(&self) -> &live::Inquiries {
        &self.live_inquiries
    }

    /// The record of the commitment of index `ix` (in `commitment_order`).
    pub fn commitment_at(&self, ix: usize) -> Option<&CommitmentRec> {
        self.commitment_order
            .get(ix)
            .and_then(|id| self.commitments.get(id))
    }

    /// A registered body's index (`u32::MAX` for a body never seen, which no view counts).
    fn body_index(&self, b: &BodyId) -> u32 {
        self.body_ix.get(b).copied().unwrap_or(u32::MAX)
    }

    /// The facts of every commitment at the head, in the order they were created.
    pub fn live_facts(&self) -> &[live::Live] {
        &self.live
    }

    pub fn size(&self) -> u64 {
        self.entries.len() as u64
    }

    /// The calendar date of an instant in the ledger's time zone.
    pub fn date_of(&self, t: Millis) -> Date {
        let ts =
            jiff::Timestamp::from_millisecond(t.0 as i64).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let dt = match &self.tz {
            Some(tz) => tz.to_datetime(ts),
            None => jiff::tz::TimeZone::UTC.to_datetime(ts),
        };
        Date(dt.date())
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

    /// The index of a body seen in the ledger (an author or a registered body).
    pub fn body_ix_of(&self, b: &BodyId) -> Option<u32> {
        self.body_ix.get(b).copied()
    }

    pub fn body_at(&self, ix: u32) -> Option<&BodyId> {
        self.body_order.get(ix as usize)
    }

    /// Applies the entry at the next sequence number.
    pub fn apply(&mut self, recorded_at: Millis, ev: &Event) {
        let seq = self.size();
        let author = self.ix_body(&ev.author);
        // The commitment whose history lists the entry: the one it is about, or the one its
        // inquiry is about.
        let target = match ev.body.about() {
            About::Commitment(c) => Some(c.clone()),
            About::Inquiry(q) => self.inquiries.get(q).and_then(|q| q.commitment.clone()),
            About::Nothing => None,
        };
        let summary = target.as_ref().map(|cid| {
            let before = match self.commitments.get(cid) {
                Some(c) => Before {
                    lead: c.leads.last().filter(|l| l.to.is_none()).map(|l| &l.body),
                    assignee: c.assigned_to.as_ref(),
                    deadline: Some(c.deadlines.last().map_or(c.fields.deadline, |d| d.to)),
                },
                None => Before::default(),
            };
            Arc::new(Summary {
                uk: ev.body.summary(ev, &before, Lang::Uk),
                en: ev.body.summary(ev, &before, Lang::En),
            })
        });
        let cx = Cx {
            seq,
            at: recorded_at,
            ev,
        };
        let mut changed: Vec<CommitmentId> = Vec::new();
        ev.body.effects(ev, &mut |e| {
            if let Some(c) = live::changed(&e) {
                if !changed.contains(c) {
                    changed.push(c.clone());
                }
            }
            self.fold(&cx, e)
        });
        for cid in &changed {
            self.refresh_live(cid);
        }
        let mut commitment = u32::MAX;
        let mut listed = None;
        if let (Some(cid), Some(summary)) = (target, summary) {
            if let Some(ix) = self.commitment_ix.get(&cid).copied() {
                commitment = ix;
                if let Some(c) = self.commitments.get_mut(&cid) {
                    listed = Some(summary.clone());
                    c.history.push(HistRec {
                        seq,
                        recorded_at,
                        claimed_at: ev.at,
                        kind: ev.kind(),
                        author: ev.author.clone(),
                        key: ev.key.clone(),
                        event_id: ev.id.clone(),
                        summary,
                    });
                }
            }
        }
        self.entries.push(EntryMeta {
            recorded_at,
            kind: ev.kind(),
            author,
            commitment,
            summary: listed,
        });
    }

    /// Brings the head facts of `cid` up to date with its record.
    fn refresh_live(&mut self, cid: &CommitmentId) {
        let (Some(&i), Some(c)) = (self.commitment_ix.get(cid), self.commitments.get(cid)) else {
            return;
        };
        let ix = |b: &BodyId| self.body_ix.get(b).copied().unwrap_or(u32::MAX);
        let n = self.live.len();
        match self.live.get_mut(i as usize) {
            Some(l) => l.refresh(c, &ix),
            // Commitments are created in order, each refreshed by the entry that creates it.
            None if i as usize == n => {
                let l = live::Live::of(c, &ix);
                self.live.push(l);
            }
            None => {}
        }
    }

    /// Applies one effect of the entry `cx.seq`.
    fn fold(&mut self, cx: &Cx<'_>, e: Effect<'_>) {
        let (seq, at) = (cx.seq, cx.at);
        match e {
            Effect::Founded(g) => {
                self.origin = g.origin.clone();
                self.time_zone = g.time_zone.clone();
                self.tz = jiff::tz::TimeZone::get(&g.time_zone).ok();
            }
            Effect::BodyJoined {
                id,
                name_uk,
                name_en,
                kind,
                roles,
            } => {
                self.ix_body(id);
                self.bodies.insert(
                    id.clone(),
                    BodyRec {
                        id: id.clone(),
                        name_uk: name_uk.to_string(),
                        name_en: name_en.to_string(),
                        kind: kind.to_string(),
                        roles: roles.to_vec(),
                        registered: seq,
                        succeeded: None,
                        former_names: Vec::new(),
                    },
                );
            }
            Effect::BodyChanged(u) => {
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
            Effect::BodySucceeded { id, successor } => {
                if let Some(b) = self.bodies.get_mut(id) {
                    b.succeeded = Some((seq, successor.clone()));
                }
            }
            // Keys are the rules' and the verifier's concern; no view shows them.
            Effect::KeyAdded { .. } | Effect::KeyRevoked { .. } => {}
            Effect::ObjectiveDefined(o) => {
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
            Effect::CommitmentCreated {
                fields,
                lead,
                phase,
            } => {
                let ix = self.commitment_order.len() as u32;
                self.commitment_order.push(fields.id.clone());
                self.commitment_ix.insert(fields.id.clone(), ix);
                let made = phase == Phase::Active;
                let interval = |body: &BodyId, how| Interval {
                    body: body.clone(),
                    from: seq,
                    from_at: at,
                    to: None,
                    to_at: None,
                    how,
                };
                self.commitments.insert(
                    fields.id.clone(),
                    CommitmentRec {
                        id: fields.id.clone(),
                        fields: fields.clone(),
                        created: seq,
                        created_at: at,
                        created_by: cx.ev.author.clone(),
                        assigned_to: (!made).then(|| lead.clone()),
                        phases: vec![(seq, phase)],
                        leads: if made {
                            vec![interval(lead, How::Made)]
                        } else {
                            Vec::new()
                        },
                        co_executors: fields
                            .co_executors
                            .iter()
                            .map(|b| interval(b, How::Added))
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
                    },
                );
            }
            Effect::Phase { commitment, phase } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    if c.phases.last().map(|p| p.1) != Some(phase) {
                        c.phases.push((seq, phase));
                    }
                }
            }
            Effect::Lead {
                commitment,
                to,
                how,
            } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    end_lead(c, seq, at);
                    c.leads.push(Interval {
                        body: to.clone(),
                        from: seq,
                        from_at: at,
                        to: None,
                        to_at: None,
                        how,
                    });
                    end_coexec(c, to, seq, at);
                }
            }
            Effect::LeadCleared { commitment } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    end_lead(c, seq, at);
                }
            }
            Effect::Closed {
                commitment,
                superseded_by,
            } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    let phase = match superseded_by {
                        Some(s) => {
                            c.superseded_by = Some(s.clone());
                            Phase::Superseded
                        }
                        None => Phase::Cancelled,
                    };
                    c.phases.push((seq, phase));
                    end_lead(c, seq, at);
                    end_handover(c, seq, at, Outcome::Superseded);
                }
            }
            Effect::Reassigned {
                commitment,
                to,
                reason,
            } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    let from = current_lead(c)
                        .or(c.assigned_to.as_ref())
                        .unwrap_or(&cx.ev.author)
                        .clone();
                    c.reassignments
                        .push((seq, at, from, to.clone(), reason.to_string()));
                }
            }
            Effect::HandoverProposed {
                commitment,
                proposal,
                proposer,
                to,
                reason,
            } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    let from = current_lead(c).cloned();
                    c.handovers.push(HandoverRec {
                        proposal: proposal.clone(),
                        seq,
                        at,
                        proposer: proposer.clone(),
                        from,
                        to: to.clone(),
                        reason: reason.to_string(),
                        outcome: None,
                    });
                }
            }
            Effect::HandoverEnded {
                commitment,
                outcome,
            } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    end_handover(c, seq, at, outcome);
                }
            }
            Effect::CoExecutorAdded { commitment, body } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    c.co_executors.push(Interval {
                        body: body.clone(),
                        from: seq,
                        from_at: at,
                        to: None,
                        to_at: None,
                        how: How::Added,
                    });
                }
            }
            Effect::CoExecutorRemoved { commitment, body } => {
                if let Some(c) = self.commitments.get_mut(commitment) {
                    end_coexec(c, body, seq, at);
                }
            }
            Effect::Claim { id, report } => {
                if let Some(c) = self.commitments.get_mut(&report.commitment) {
                    let rec = ClaimRec {
                        seq,
                        at,
                        event_id: id.clone(),
                        by: cx.ev.author.clone(),
                        status: report.status,
                        note: report.note.clone(),
                        evidence: report.evidence.clone(),
                    };
                    let by = self.body_ix.get(&rec.by).copied().unwrap_or(u32::MAX);
                    self.live_reporters.insert(by);
                    let ix = self.commitment_ix.get(&report.commitment).copied();
                    if let Some(l) = ix.and_then(|i| self.live.get_mut(i as usize)) {
                        l.claimed(&rec, by);
                    }
                    c.claims.push(rec);
                }
            }
            Effect::Measured(m) => {
                if let Some(c) = self.commitments.get_mut(&m.commitment) {
                    let rec = MeasureRec {
                        seq,
                        at,
                        by: cx.ev.author.clone(),
                        indicator: m.indicator.clone(),
                        value: m.value.clone(),
                        as_of: m.as_of,
                        evidence: m.evidence.clone(),
                    };
                    let ix = self.commitment_ix.get(&m.commitment).copied();
                    if let Some(l) = ix.and_then(|i| self.live.get_mut(i as usize)) {
                        l.measured(&rec);
                    }
                    c.measures.push(rec);
                }
            }
            Effect::ExtensionRequested { id, request } => {
                if let Some(c) = self.commitments.get_mut(&request.commitment) {
                    c.extension_requests.push((
                        seq,
                        at,
                        id.clone(),
                        request.deadline,
                        request.reason.clone(),
                    ));
                }
            }
            Effect::DeadlineChanged(d) => {
                if let Some(c) = self.commitments.get_mut(&d.commitment) {
                    let from = c.deadlines.last().map_or(c.fields.deadline, |x| x.to);
                    c.deadlines.push(DeadlineRec {
                        seq,
                        at,
                        from,
                        to: d.deadline,
                        reason: d.reason.clone(),
                        by: cx.ev.author.clone(),
                        request: d.request.clone(),
                    });
                }
            }
            Effect::Assessed(a) => {
                if let Some(c) = self.commitments.get_mut(&a.commitment) {
                    c.assessments.push(AssessmentRec {
                        seq,
                        at,
                        by: cx.ev.author.clone(),
                        verdict: a.verdict,
                        claim: a.claim.clone(),
                        note: a.note.clone(),
                        evidence: a.evidence.clone(),
                    });
                }
            }
            Effect::Noted(n) => {
                if let Some(c) = n
                    .commitment
                    .as_ref()
                    .and_then(|c| self.commitments.get_mut(c))
                {
                    c.notes
                        .push((seq, at, cx.ev.author.clone(), n.text.clone()));
                }
            }
            Effect::InquiryRaised(q) => {
                let rec = InquiryRec {
                    id: q.inquiry.clone(),
                    seq,
                    at,
                    by: cx.ev.author.clone(),
                    to: q.to.clone(),
                    commitment: q.commitment.clone(),
                    question: q.question.clone(),
                    due: q.due,
                    answered: None,
                };
                let to = self.body_index(&q.to);
                self.live_inquiries.raised(&rec, to);
                if let Some(c) = &q.commitment {
                    self.inquiries_about
                        .entry(c.clone())
                        .or_default()
                        .push(q.inquiry.clone());
                }
                self.inquiries.insert(q.inquiry.clone(), rec);
            }
            Effect::InquiryAnswered(a) => {
                let on_time = self.date_of(at);
                if let Some(q) = self.inquiries.get_mut(&a.inquiry) {
                    if q.answered.is_none() {
                        let to = self.body_ix.get(&q.to).copied().unwrap_or(u32::MAX);
                        self.live_inquiries.answered(q, to, on_time <= q.due);
                    }
                    q.answered = Some((seq, at, cx.ev.author.clone()));
                }
            }
        }
    }
}

/// The entry being folded.
struct Cx<'a> {
    seq: u64,
    at: Millis,
    ev: &'a Event,
}

/// The lead whose interval is open.
fn current_lead(c: &CommitmentRec) -> Option<&BodyId> {
    c.leads.last().filter(|l| l.to.is_none()).map(|l| &l.body)
}

fn end_lead(c: &mut CommitmentRec, seq: u64, at: Millis) {
    if let Some(l) = c.leads.last_mut() {
        if l.to.is_none() {
            l.to = Some(seq);
            l.to_at = Some(at);
        }
    }
}

fn end_handover(c: &mut CommitmentRec, seq: u64, at: Millis, outcome: Outcome) {
    if let Some(h) = c.handovers.last_mut() {
        if h.outcome.is_none() {
            h.outcome = Some((seq, at, outcome));
        }
    }
}

fn end_coexec(c: &mut CommitmentRec, body: &BodyId, seq: u64, at: Millis) {
    for i in c.co_executors.iter_mut() {
        if &i.body == body && i.to.is_none() {
            i.to = Some(seq);
            i.to_at = Some(at);
        }
    }
}

/// The commitment an event is about, if it names one itself (an answer to an inquiry names
/// only the inquiry).
pub fn commitment_of(body: &Body) -> Option<CommitmentId> {
    match body.about() {
        About::Commitment(c) => Some(c.clone()),
        About::Inquiry(_) | About::Nothing => None,
    }
}

/// The name of a status, as written in JSON.
pub fn status_name(s: Status) -> &'static str {
    s.name()
}

/// The name of a verdict, as written in JSON.
pub fn verdict_name(v: Verdict) -> &'static str {
    v.name()
}

/// The version of the fold (`History::apply`): raise it whenever the same entries would fold
/// into different projections, so that snapshots made by an older fold are rebuilt, not read.
pub const FOLD_VERSION: u32 = 1;
