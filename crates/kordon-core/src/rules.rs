//! Who may sign what: the ledger's rules as a pure state machine over events
//! (SPEC.md, "Rules"). The appender applies it before writing; the verifier re-applies it to
//! every entry of an export, so a ledger is valid only if every entry passed these rules.

use crate::event::*;
use crate::keys::{self, KeyId};
use crate::note::NoteVerifier;
use crate::types::*;
use std::collections::{BTreeSet, HashMap, HashSet};

/// A broken rule: a stable name (`handover.accept.receiver-only`) and a sentence that says what
/// was wrong with this event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("rule {rule}: {msg}")]
pub struct RuleError {
    pub rule: &'static str,
    pub msg: String,
}

fn fail<T>(rule: &'static str, msg: impl Into<String>) -> Result<T, RuleError> {
    Err(RuleError {
        rule,
        msg: msg.into(),
    })
}

fn ensure(cond: bool, rule: &'static str, msg: impl FnOnce() -> String) -> Result<(), RuleError> {
    if cond {
        Ok(())
    } else {
        fail(rule, msg())
    }
}

/// A required text holds at least one visible character (SPEC.md, "Value formats"): not only
/// white space, controls, format or default-ignorable characters such as U+200B.
fn non_empty(s: &str, field: &str) -> Result<(), RuleError> {
    ensure(crate::text::has_visible(s), "text.required", || {
        if s.is_empty() {
            format!("{field} must not be empty")
        } else {
            format!("{field} must hold a visible character; it has only white space, control, format or other invisible characters")
        }
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyState {
    pub name_uk: String,
    pub name_en: String,
    pub kind: String,
    pub roles: BTreeSet<Role>,
    pub successor: Option<BodyId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyState {
    pub body: BodyId,
    pub public_key: [u8; 32],
    pub added_at: u64,
    /// The sequence number of the `key.revoked` entry; the key signs nothing after it.
    pub revoked_at: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Assigned by a coordinator; the lead has not accepted yet and is not responsible.
    Assigned,
    Active,
    Rejected,
    Cancelled,
    Superseded,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingHandover {
    pub proposal: EventId,
    pub proposer: BodyId,
    pub to: BodyId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitmentState {
    pub phase: Phase,
    /// The accountable body: the assignee while `Assigned`, the lead while `Active`.
    pub lead: Option<BodyId>,
    pub co_executors: BTreeSet<BodyId>,
    pub indicators: HashSet<IndicatorId>,
    pub pending: Option<PendingHandover>,
    pub claims: HashSet<EventId>,
    pub extension_requests: HashSet<EventId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InquiryState {
    pub to: BodyId,
    pub answered: bool,
}

/// The rules' view of the ledger after some prefix of entries.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub genesis: Option<Genesis>,
    pub bodies: HashMap<BodyId, BodyState>,
    pub keys: HashMap<KeyId, KeyState>,
    pub objectives: HashSet<ObjectiveId>,
    pub commitments: HashMap<CommitmentId, CommitmentState>,
    pub inquiries: HashMap<InquiryId, InquiryState>,
    /// The first 16 bytes of SHA-256 of every event id seen, for replay detection.
    event_ids: HashSet<u128>,
    /// Number of entries applied.
    pub size: u64,
}

fn id_fingerprint(id: &EventId) -> u128 {
    let h = crate::hash::Hash::sha256(id.as_str().as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.0[..16]);
    u128::from_be_bytes(b)
}

/// The public keys an event introduces, so that a batch can check the signature of a later
/// event signed with a key registered earlier in the same batch.
pub fn introduced_keys(body: &Body) -> Vec<[u8; 32]> {
    let decode = |b64: &str| keys::parse_public_key(b64).ok();
    match body {
        Body::Genesis(g) => decode(&g.registrar_key).into_iter().collect(),
        Body::BodyRegistered(b) => b.public_keys.iter().filter_map(|k| decode(k)).collect(),
        Body::KeyAdded(k) => decode(&k.public_key).into_iter().collect(),
        _ => Vec::new(),
    }
}

impl State {
    pub fn new() -> State {
        State::default()
    }

    pub fn origin(&self) -> Option<&str> {
        self.genesis.as_ref().map(|g| g.origin.as_str())
    }

    /// The public key registered under `id`, revoked or not: keys are never forgotten, so an
    /// old signature can always be checked.
    pub fn public_key(&self, id: &KeyId) -> Option<[u8; 32]> {
        self.keys.get(id).map(|k| k.public_key)
    }

    pub fn has_event_id(&self, id: &EventId) -> bool {
        self.event_ids.contains(&id_fingerprint(id))
    }

    fn body(&self, id: &BodyId) -> Result<&BodyState, RuleError> {
        match self.bodies.get(id) {
            Some(b) => Ok(b),
            None => fail("body.unknown", format!("body {id} is not registered")),
        }
    }

    fn active_body(&self, id: &BodyId) -> Result<&BodyState, RuleError> {
        let b = self.body(id)?;
        match &b.successor {
            Some(s) => fail(
                "body.succeeded",
                format!("body {id} was succeeded by {s} and can take part in nothing more"),
            ),
            None => Ok(b),
        }
    }

    fn has_role(&self, id: &BodyId, role: Role) -> bool {
        self.bodies.get(id).is_some_and(|b| b.roles.contains(&role))
    }

    fn require_role(&self, author: &BodyId, role: Role, kind: &str) -> Result<(), RuleError> {
        ensure(self.has_role(author, role), "role.required", || {
            format!(
                "{kind} must be signed by a body with the {role:?} role; {author} does not have it"
            )
        })
    }

    fn commitment(&self, id: &CommitmentId) -> Result<&CommitmentState, RuleError> {
        match self.commitments.get(id) {
            Some(c) => Ok(c),
            None => fail(
                "commitment.unknown",
                format!("commitment {id} does not exist"),
            ),
        }
    }

    fn active_commitment(
        &self,
        id: &CommitmentId,
        kind: &str,
    ) -> Result<&CommitmentState, RuleError> {
        let c = self.commitment(id)?;
        ensure(c.phase == Phase::Active, "commitment.not-active", || {
            format!("{kind} needs commitment {id} to be active (accepted and not cancelled or superseded); it is {:?}", c.phase)
        })?;
        Ok(c)
    }

    fn is_lead(c: &CommitmentState, body: &BodyId) -> bool {
        c.lead.as_ref() == Some(body)
    }

    /// Checks every rule for the event at `seq`, recorded at `recorded_at`, and applies it.
    /// On error nothing changes. The caller has already checked the signature with the key
    /// named by `event.key`.
    pub fn apply(&mut self, seq: u64, recorded_at: Millis, event: &Event) -> Result<(), RuleError> {
        self.check(seq, recorded_at, event)?;
        self.mutate(seq, event);
        self.event_ids.insert(id_fingerprint(&event.id));
        self.size = seq + 1;
        Ok(())
    }

    fn check_envelope(&self, seq: u64, recorded_at: Millis, ev: &Event) -> Result<(), RuleError> {
        ensure(seq == self.size, "chain.sequence", || {
            format!("entry has sequence number {seq}; the next is {}", self.size)
        })?;
        let Some(genesis) = &self.genesis else {
            return fail("genesis.first", "the first entry must be ledger.genesis");
        };
        ensure(!matches!(ev.body, Body::Genesis(_)), "genesis.once", || {
            "ledger.genesis may only be the first entry".into()
        })?;
        ensure(ev.ledger == genesis.origin, "ledger.origin", || {
            format!(
                "event is for ledger {:?}, this ledger is {:?}",
                ev.ledger, genesis.origin
            )
        })?;
        ensure(!self.has_event_id(&ev.id), "event.replayed", || {
            format!("event id {} was recorded before", ev.id)
        })?;
        check_time(&genesis.policy, recorded_at, ev.at)?;
        let author = self.active_body(&ev.author)?;
        let _ = author;
        let Some(key) = self.keys.get(&ev.key) else {
            return fail("key.unknown", format!("key {} is not registered", ev.key));
        };
        ensure(key.body == ev.author, "key.not-authors", || {
            format!(
                "key {} belongs to {}, not to the author {}",
                ev.key, key.body, ev.author
            )
        })?;
        if let Some(r) = key.revoked_at {
            return fail(
                "key.revoked",
                format!("key {} of {} was revoked at entry {r}", ev.key, ev.author),
            );
        }
        Ok(())
    }

    fn check(&self, seq: u64, recorded_at: Millis, ev: &Event) -> Result<(), RuleError> {
        if let Body::Genesis(g) = &ev.body {
            return check_genesis(seq, self.size, recorded_at, ev, g);
        }
        self.check_envelope(seq, recorded_at, ev)?;
        let author = &ev.author;
        let kind = ev.kind();
        match &ev.body {
            Body::Genesis(_) => unreachable!("handled above"),
            Body::BodyRegistered(b) => {
                self.require_role(author, Role::Registrar, kind)?;
                ensure(!self.bodies.contains_key(&b.id), "body.exists", || {
                    format!("body {} is already registered", b.id)
                })?;
                non_empty(&b.name_uk, "name_uk")?;
                non_empty(&b.name_en, "name_en")?;
                non_empty(&b.kind, "kind")?;
                check_roles(&b.roles)?;
                self.check_new_keys(&b.public_keys)?;
            }
            Body::BodyUpdated(b) => {
                self.active_body(&b.id)?;
                ensure(
                    b.name_uk.is_some()
                        || b.name_en.is_some()
                        || b.kind.is_some()
                        || b.roles.is_some(),
                    "body.update.empty",
                    || "body.updated must change at least one field".into(),
                )?;
                for (v, f) in [
                    (&b.name_uk, "name_uk"),
                    (&b.name_en, "name_en"),
                    (&b.kind, "kind"),
                ] {
                    if let Some(v) = v {
                        non_empty(v, f)?;
                    }
                }
                let registrar = self.has_role(author, Role::Registrar);
                ensure(registrar || *author == b.id, "body.update.who", || {
                    format!("only a registrar or {} itself may update {}", b.id, b.id)
                })?;
                ensure(b.roles.is_none() || registrar, "body.update.roles", || {
                    "only a registrar may change a body's roles".into()
                })?;
                if let Some(r) = &b.roles {
                    check_roles(r)?;
                }
            }
            Body::BodySucceeded(b) => {
                self.require_role(author, Role::Registrar, kind)?;
                self.active_body(&b.id)?;
                self.active_body(&b.successor)?;
                ensure(b.id != b.successor, "body.successor", || {
                    "a body cannot succeed itself".into()
                })?;
                non_empty(&b.reason, "reason")?;
            }
            Body::KeyAdded(k) => {
                self.active_body(&k.body)?;
                ensure(
                    self.has_role(author, Role::Registrar) || *author == k.body,
                    "key.add.who",
                    || {
                        format!(
                            "only a registrar or {} itself may add a key for {}",
                            k.body, k.body
                        )
                    },
                )?;
                self.check_new_keys(std::slice::from_ref(&k.public_key))?;
            }
            Body::KeyRevoked(k) => {
                self.body(&k.body)?;
                let Some(ks) = self.keys.get(&k.key) else {
                    return fail("key.unknown", format!("key {} is not registered", k.key));
                };
                ensure(ks.body == k.body, "key.not-authors", || {
                    format!("key {} belongs to {}, not {}", k.key, ks.body, k.body)
                })?;
                ensure(ks.revoked_at.is_none(), "key.revoked", || {
                    format!("key {} is already revoked", k.key)
                })?;
                let registrar = self.has_role(author, Role::Registrar);
                ensure(registrar || *author == k.body, "key.revoke.who", || {
                    format!("only a registrar or {} itself may revoke its key", k.body)
                })?;
                ensure(
                    registrar || ev.key != k.key,
                    "key.revoke.self-signed",
                    || {
                        "a body revokes its key with another of its valid keys, not with the key being revoked".into()
                    },
                )?;
                non_empty(&k.reason, "reason")?;
            }
            Body::ObjectiveDefined(o) => {
                self.require_role(author, Role::Coordinator, kind)?;
                ensure(!self.objectives.contains(&o.id), "objective.exists", || {
                    format!("objective {} is already defined", o.id)
                })?;
                if let Some(p) = &o.parent {
                    ensure(self.objectives.contains(p), "objective.unknown", || {
                        format!("parent objective {p} is not defined")
                    })?;
                }
                non_empty(&o.title_uk, "title_uk")?;
            }
            Body::CommitmentAssigned(c) => {
                self.require_role(author, Role::Coordinator, kind)?;
                let Some(lead) = &c.lead else {
                    return fail("commitment.lead", "commitment.assigned needs a lead");
                };
                self.check_commitment_fields(c, lead)?;
            }
            Body::CommitmentMade(c) => {
                self.require_role(author, Role::Executor, kind)?;
                ensure(
                    c.lead.is_none() || c.lead.as_ref() == Some(author),
                    "commitment.lead",
                    || {
                        "in commitment.made the author is the lead; leave lead out or name the author".into()
                    },
                )?;
                self.check_commitment_fields(c, author)?;
            }
            Body::CommitmentAccepted(r) => {
                let c = self.commitment(&r.commitment)?;
                ensure(
                    c.phase == Phase::Assigned,
                    "commitment.not-assigned",
                    || {
                        format!(
                            "commitment {} is not awaiting acceptance (it is {:?})",
                            r.commitment, c.phase
                        )
                    },
                )?;
                ensure(
                    Self::is_lead(c, author),
                    "commitment.accept.assignee-only",
                    || {
                        format!(
                            "only the assigned lead may accept commitment {}",
                            r.commitment
                        )
                    },
                )?;
            }
            Body::CommitmentRejected(r) => {
                let c = self.commitment(&r.commitment)?;
                ensure(
                    c.phase == Phase::Assigned,
                    "commitment.not-assigned",
                    || {
                        format!(
                            "commitment {} is not awaiting acceptance (it is {:?})",
                            r.commitment, c.phase
                        )
                    },
                )?;
                ensure(
                    Self::is_lead(c, author),
                    "commitment.reject.assignee-only",
                    || {
                        format!(
                            "only the assigned lead may reject commitment {}",
                            r.commitment
                        )
                    },
                )?;
                non_empty(&r.reason, "reason")?;
            }
            Body::CommitmentCancelled(r) => {
                self.require_role(author, Role::Coordinator, kind)?;
                self.open_commitment(&r.commitment)?;
                non_empty(&r.reason, "reason")?;
            }
            Body::CommitmentSuperseded(s) => {
                self.require_role(author, Role::Coordinator, kind)?;
                self.open_commitment(&s.commitment)?;
                self.commitment(&s.successor)?;
                ensure(s.successor != s.commitment, "commitment.successor", || {
                    "a commitment cannot supersede itself".into()
                })?;
                non_empty(&s.reason, "reason")?;
            }
            Body::CommitmentReassigned(t) => {
                self.require_role(author, Role::Coordinator, kind)?;
                let c = self.open_commitment(&t.commitment)?;
                self.check_executor(&t.to)?;
                // Reassigning to the current assignee would make it responsible without its
                // acceptance; only acceptance does that.
                ensure(!Self::is_lead(c, &t.to), "handover.same-lead", || {
                    format!("{} already leads or is assigned {}", t.to, t.commitment)
                })?;
                non_empty(&t.reason, "reason")?;
            }
            Body::HandoverProposed(t) => {
                let c = self.active_commitment(&t.commitment, kind)?;
                ensure(
                    Self::is_lead(c, author) || self.has_role(author, Role::Coordinator),
                    "handover.propose.who",
                    || {
                        format!(
                            "only the lead of {} or a coordinator may propose a handover",
                            t.commitment
                        )
                    },
                )?;
                ensure(c.pending.is_none(), "handover.pending", || {
                    format!("commitment {} already has a pending handover; it must be answered or withdrawn first", t.commitment)
                })?;
                self.check_executor(&t.to)?;
                ensure(!Self::is_lead(c, &t.to), "handover.same-lead", || {
                    format!("{} already leads {}", t.to, t.commitment)
                })?;
                non_empty(&t.reason, "reason")?;
            }
            Body::HandoverAccepted(a) | Body::HandoverDeclined(a) | Body::HandoverWithdrawn(a) => {
                let c = self.active_commitment(&a.commitment, kind)?;
                let Some(p) = c.pending.as_ref().filter(|p| p.proposal == a.proposal) else {
                    return fail(
                        "handover.no-such-proposal",
                        format!(
                            "commitment {} has no pending handover proposed by event {}",
                            a.commitment, a.proposal
                        ),
                    );
                };
                match &ev.body {
                    Body::HandoverWithdrawn(_) => ensure(
                        *author == p.proposer,
                        "handover.withdraw.proposer-only",
                        || {
                            format!(
                                "only the proposer {} may withdraw this handover",
                                p.proposer
                            )
                        },
                    )?,
                    Body::HandoverAccepted(_) => {
                        ensure(*author == p.to, "handover.accept.receiver-only", || {
                            format!(
                                "only the receiving body {} may accept this handover, not {author}",
                                p.to
                            )
                        })?
                    }
                    _ => {
                        ensure(*author == p.to, "handover.decline.receiver-only", || {
                            format!("only the receiving body {} may decline this handover, not {author}", p.to)
                        })?;
                        match &a.reason {
                            Some(r) => non_empty(r, "reason")?,
                            None => {
                                return fail("text.required", "handover.declined needs a reason")
                            }
                        }
                    }
                }
                if matches!(ev.body, Body::HandoverAccepted(_)) {
                    // The receiver must still be able to lead when it accepts.
                    self.check_executor(&p.to)?;
                }
            }
            Body::CoExecutorAdded(x) | Body::CoExecutorRemoved(x) => {
                let c = self.open_commitment(&x.commitment)?;
                ensure(
                    Self::is_lead(c, author) && c.phase == Phase::Active
                        || self.has_role(author, Role::Coordinator),
                    "coexecutor.who",
                    || {
                        format!(
                            "only the lead of {} or a coordinator may change its co-executors",
                            x.commitment
                        )
                    },
                )?;
                if matches!(ev.body, Body::CoExecutorAdded(_)) {
                    self.active_body(&x.body)?;
                    ensure(!Self::is_lead(c, &x.body), "coexecutor.is-lead", || {
                        format!(
                            "{} leads {}; it cannot also be a co-executor",
                            x.body, x.commitment
                        )
                    })?;
                    ensure(
                        !c.co_executors.contains(&x.body),
                        "coexecutor.exists",
                        || format!("{} is already a co-executor of {}", x.body, x.commitment),
                    )?;
                } else {
                    ensure(
                        c.co_executors.contains(&x.body),
                        "coexecutor.unknown",
                        || format!("{} is not a co-executor of {}", x.body, x.commitment),
                    )?;
                }
            }
            Body::StatusReported(s) => {
                let c = self.active_commitment(&s.commitment, kind)?;
                ensure(Self::is_lead(c, author), "status.lead-only", || {
                    format!("only the lead of {} may report its status", s.commitment)
                })?;
            }
            Body::IndicatorMeasured(m) => {
                let c = self.active_commitment(&m.commitment, kind)?;
                ensure(
                    Self::is_lead(c, author) || c.co_executors.contains(author),
                    "indicator.who",
                    || {
                        format!(
                            "only the lead or a co-executor of {} may record a measurement",
                            m.commitment
                        )
                    },
                )?;
                ensure(
                    c.indicators.contains(&m.indicator),
                    "indicator.unknown",
                    || {
                        format!(
                            "commitment {} has no indicator {}",
                            m.commitment, m.indicator
                        )
                    },
                )?;
            }
            Body::DeadlineExtensionRequested(d) => {
                let c = self.active_commitment(&d.commitment, kind)?;
                ensure(
                    Self::is_lead(c, author),
                    "deadline.request.lead-only",
                    || {
                        format!(
                            "only the lead of {} may request a deadline extension",
                            d.commitment
                        )
                    },
                )?;
                non_empty(&d.reason, "reason")?;
            }
            Body::DeadlineChanged(d) => {
                self.require_role(author, Role::Coordinator, kind)?;
                let c = self.open_commitment(&d.commitment)?;
                if let Some(r) = &d.request {
                    ensure(
                        c.extension_requests.contains(r),
                        "deadline.no-such-request",
                        || format!("event {r} is not an extension request for {}", d.commitment),
                    )?;
                }
                non_empty(&d.reason, "reason")?;
            }
            Body::AssessmentRecorded(a) => {
                ensure(
                    self.has_role(author, Role::Overseer)
                        || self.has_role(author, Role::Coordinator),
                    "role.required",
                    || {
                        format!("assessment.recorded must be signed by an overseer or coordinator; {author} is neither")
                    },
                )?;
                let c = self.commitment(&a.commitment)?;
                if let Some(claim) = &a.claim {
                    ensure(c.claims.contains(claim), "assessment.no-such-claim", || {
                        format!("event {claim} is not a status report of {}", a.commitment)
                    })?;
                }
            }
            Body::NoteAdded(n) => {
                if let Some(c) = &n.commitment {
                    self.commitment(c)?;
                }
                if let Some(about) = &n.about {
                    ensure(self.has_event_id(about), "note.no-such-event", || {
                        format!("event {about} is not in the ledger")
                    })?;
                }
                non_empty(&n.text, "text")?;
            }
            Body::InquiryRaised(q) => {
                self.require_role(author, Role::Overseer, kind)?;
                ensure(
                    !self.inquiries.contains_key(&q.inquiry),
                    "inquiry.exists",
                    || format!("inquiry {} already exists", q.inquiry),
                )?;
                self.active_body(&q.to)?;
                if let Some(c) = &q.commitment {
                    self.commitment(c)?;
                }
                non_empty(&q.question, "question")?;
            }
            Body::InquiryAnswered(a) => {
                let Some(q) = self.inquiries.get(&a.inquiry) else {
                    return fail(
                        "inquiry.unknown",
                        format!("inquiry {} does not exist", a.inquiry),
                    );
                };
                ensure(!q.answered, "inquiry.answered", || {
                    format!(
                        "inquiry {} is already answered; add a note instead",
                        a.inquiry
                    )
                })?;
                ensure(
                    self.is_or_succeeds(author, &q.to),
                    "inquiry.answer.addressee-only",
                    || {
                        format!(
                            "only {} (or its successor) may answer inquiry {}",
                            q.to, a.inquiry
                        )
                    },
                )?;
                non_empty(&a.answer, "answer")?;
            }
        }
        Ok(())
    }

    /// True if `body` is `target` or a successor of `target`, following succession links.
    fn is_or_succeeds(&self, body: &BodyId, target: &BodyId) -> bool {
        let mut cur = target;
        // Succession never forms a cycle (a succeeded body cannot be a successor, since a
        // successor must be active), so this ends; the bound is a second guard.
        for _ in 0..=self.bodies.len() {
            if cur == body {
                return true;
            }
            match self.bodies.get(cur).and_then(|b| b.successor.as_ref()) {
                Some(next) => cur = next,
                None => return false,
            }
        }
        false
    }

    fn open_commitment(&self, id: &CommitmentId) -> Result<&CommitmentState, RuleError> {
        let c = self.commitment(id)?;
        ensure(
            !matches!(c.phase, Phase::Cancelled | Phase::Superseded),
            "commitment.closed",
            || {
                format!(
                    "commitment {id} is {:?}; nothing more can change it",
                    c.phase
                )
            },
        )?;
        Ok(c)
    }

    fn check_executor(&self, id: &BodyId) -> Result<(), RuleError> {
        self.active_body(id)?;
        ensure(self.has_role(id, Role::Executor), "role.required", || {
            format!("{id} cannot lead a commitment: it does not have the executor role")
        })
    }

    fn check_new_keys(&self, pks: &[String]) -> Result<(), RuleError> {
        let mut seen = HashSet::new();
        for pk in pks {
            let bytes = match keys::parse_public_key(pk) {
                Ok(b) => b,
                Err(e) => return fail("key.invalid", format!("public key {pk}: {e}")),
            };
            let id = KeyId::of(&bytes);
            ensure(
                !self.keys.contains_key(&id) && seen.insert(id.clone()),
                "key.exists",
                || format!("key {id} is already registered"),
            )?;
        }
        Ok(())
    }

    fn check_commitment_fields(
        &self,
        c: &CommitmentFields,
        lead: &BodyId,
    ) -> Result<(), RuleError> {
        ensure(
            !self.commitments.contains_key(&c.id),
            "commitment.exists",
            || format!("commitment {} already exists", c.id),
        )?;
        non_empty(&c.title_uk, "title_uk")?;
        if let Some(o) = &c.objective {
            ensure(self.objectives.contains(o), "objective.unknown", || {
                format!("objective {o} is not defined")
            })?;
        }
        self.check_executor(lead)?;
        let mut seen = BTreeSet::new();
        for b in &c.co_executors {
            self.active_body(b)?;
            ensure(b != lead, "coexecutor.is-lead", || {
                format!("{b} leads {}; it cannot also be a co-executor", c.id)
            })?;
            ensure(seen.insert(b), "coexecutor.exists", || {
                format!("co-executor {b} is listed twice")
            })?;
        }
        let mut ids = HashSet::new();
        for i in &c.indicators {
            ensure(ids.insert(&i.id), "indicator.duplicate", || {
                format!("indicator {} is listed twice", i.id)
            })?;
        }
        Ok(())
    }

    fn mutate(&mut self, seq: u64, ev: &Event) {
        let author = ev.author.clone();
        match &ev.body {
            Body::Genesis(g) => {
                let pk = keys::parse_public_key(&g.registrar_key).unwrap_or([0; 32]);
                self.bodies.insert(
                    g.registrar.id.clone(),
                    BodyState {
                        name_uk: g.registrar.name_uk.clone(),
                        name_en: g.registrar.name_en.clone(),
                        kind: g.registrar.kind.clone(),
                        roles: [Role::Registrar].into_iter().collect(),
                        successor: None,
                    },
                );
                self.keys.insert(
                    KeyId::of(&pk),
                    KeyState {
                        body: g.registrar.id.clone(),
                        public_key: pk,
                        added_at: seq,
                        revoked_at: None,
                    },
                );
                self.genesis = Some(g.clone());
            }
            Body::BodyRegistered(b) => {
                self.bodies.insert(
                    b.id.clone(),
                    BodyState {
                        name_uk: b.name_uk.clone(),
                        name_en: b.name_en.clone(),
                        kind: b.kind.clone(),
                        roles: b.roles.iter().copied().collect(),
                        successor: None,
                    },
                );
                for pk in &b.public_keys {
                    self.add_key(&b.id, pk, seq);
                }
            }
            Body::BodyUpdated(u) => {
                if let Some(b) = self.bodies.get_mut(&u.id) {
                    if let Some(v) = &u.name_uk {
                        b.name_uk = v.clone();
                    }
                    if let Some(v) = &u.name_en {
                        b.name_en = v.clone();
                    }
                    if let Some(v) = &u.kind {
                        b.kind = v.clone();
                    }
                    if let Some(r) = &u.roles {
                        b.roles = r.iter().copied().collect();
                    }
                }
            }
            Body::BodySucceeded(s) => {
                if let Some(b) = self.bodies.get_mut(&s.id) {
                    b.successor = Some(s.successor.clone());
                }
            }
            Body::KeyAdded(k) => self.add_key(&k.body, &k.public_key, seq),
            Body::KeyRevoked(k) => {
                if let Some(ks) = self.keys.get_mut(&k.key) {
                    ks.revoked_at = Some(seq);
                }
            }
            Body::ObjectiveDefined(o) => {
                self.objectives.insert(o.id.clone());
            }
            Body::CommitmentAssigned(c) | Body::CommitmentMade(c) => {
                let made = matches!(ev.body, Body::CommitmentMade(_));
                self.commitments.insert(
                    c.id.clone(),
                    CommitmentState {
                        phase: if made { Phase::Active } else { Phase::Assigned },
                        lead: Some(if made {
                            author
                        } else {
                            c.lead.clone().unwrap_or(author)
                        }),
                        co_executors: c.co_executors.iter().cloned().collect(),
                        indicators: c.indicators.iter().map(|i| i.id.clone()).collect(),
                        pending: None,
                        claims: HashSet::new(),
                        extension_requests: HashSet::new(),
                    },
                );
            }
            Body::CommitmentAccepted(r) => self.set_phase(&r.commitment, Phase::Active),
            Body::CommitmentRejected(r) => {
                self.set_phase(&r.commitment, Phase::Rejected);
                if let Some(c) = self.commitments.get_mut(&r.commitment) {
                    c.lead = None;
                }
            }
            Body::CommitmentCancelled(r) => self.close(&r.commitment, Phase::Cancelled),
            Body::CommitmentSuperseded(s) => self.close(&s.commitment, Phase::Superseded),
            Body::CommitmentReassigned(t) => {
                if let Some(c) = self.commitments.get_mut(&t.commitment) {
                    c.phase = Phase::Active;
                    c.lead = Some(t.to.clone());
                    c.co_executors.remove(&t.to);
                    c.pending = None;
                }
            }
            Body::HandoverProposed(t) => {
                if let Some(c) = self.commitments.get_mut(&t.commitment) {
                    c.pending = Some(PendingHandover {
                        proposal: ev.id.clone(),
                        proposer: author,
                        to: t.to.clone(),
                    });
                }
            }
            Body::HandoverAccepted(a) => {
                if let Some(c) = self.commitments.get_mut(&a.commitment) {
                    if let Some(p) = c.pending.take() {
                        c.co_executors.remove(&p.to);
                        c.lead = Some(p.to);
                    }
                }
            }
            Body::HandoverDeclined(a) | Body::HandoverWithdrawn(a) => {
                if let Some(c) = self.commitments.get_mut(&a.commitment) {
                    c.pending = None;
                }
            }
            Body::CoExecutorAdded(x) => {
                if let Some(c) = self.commitments.get_mut(&x.commitment) {
                    c.co_executors.insert(x.body.clone());
                }
            }
            Body::CoExecutorRemoved(x) => {
                if let Some(c) = self.commitments.get_mut(&x.commitment) {
                    c.co_executors.remove(&x.body);
                }
            }
            Body::StatusReported(s) => {
                if let Some(c) = self.commitments.get_mut(&s.commitment) {
                    c.claims.insert(ev.id.clone());
                }
            }
            Body::DeadlineExtensionRequested(d) => {
                if let Some(c) = self.commitments.get_mut(&d.commitment) {
                    c.extension_requests.insert(ev.id.clone());
                }
            }
            Body::InquiryRaised(q) => {
                self.inquiries.insert(
                    q.inquiry.clone(),
                    InquiryState {
                        to: q.to.clone(),
                        answered: false,
                    },
                );
            }
            Body::InquiryAnswered(a) => {
                if let Some(q) = self.inquiries.get_mut(&a.inquiry) {
                    q.answered = true;
                }
            }
            Body::IndicatorMeasured(_)
            | Body::DeadlineChanged(_)
            | Body::AssessmentRecorded(_)
            | Body::NoteAdded(_) => {}
        }
    }

    fn add_key(&mut self, body: &BodyId, b64: &str, seq: u64) {
        if let Ok(pk) = keys::parse_public_key(b64) {
            self.keys.insert(
                KeyId::of(&pk),
                KeyState {
                    body: body.clone(),
                    public_key: pk,
                    added_at: seq,
                    revoked_at: None,
                },
            );
        }
    }

    fn set_phase(&mut self, id: &CommitmentId, phase: Phase) {
        if let Some(c) = self.commitments.get_mut(id) {
            c.phase = phase;
        }
    }

    fn close(&mut self, id: &CommitmentId, phase: Phase) {
        if let Some(c) = self.commitments.get_mut(id) {
            c.phase = phase;
            c.pending = None;
        }
    }
}

fn check_roles(roles: &[Role]) -> Result<(), RuleError> {
    ensure(!roles.is_empty(), "body.roles", || {
        "a body needs at least one role".into()
    })?;
    let distinct: BTreeSet<&Role> = roles.iter().collect();
    ensure(distinct.len() == roles.len(), "body.roles", || {
        "a role is listed twice".into()
    })
}

fn check_time(policy: &Policy, recorded_at: Millis, at: Millis) -> Result<(), RuleError> {
    let age = recorded_at.0 as i128 - at.0 as i128;
    ensure(
        age <= policy.max_age_seconds as i128 * 1000,
        "time.too-old",
        || {
            format!(
            "event claims {} but is recorded at {}, more than the {} s the genesis policy allows",
            at, recorded_at, policy.max_age_seconds
        )
        },
    )?;
    ensure(
        -age <= policy.max_future_seconds as i128 * 1000,
        "time.in-future",
        || {
            format!(
            "event claims {} but is recorded at {}, more than the {} s ahead the genesis policy allows",
            at, recorded_at, policy.max_future_seconds
        )
        },
    )
}

fn check_genesis(
    seq: u64,
    size: u64,
    recorded_at: Millis,
    ev: &Event,
    g: &Genesis,
) -> Result<(), RuleError> {
    ensure(seq == 0 && size == 0, "genesis.once", || {
        "ledger.genesis may only be the first entry".into()
    })?;
    ensure(ev.ledger == g.origin, "ledger.origin", || {
        format!(
            "genesis names origin {:?} but the event is for ledger {:?}",
            g.origin, ev.ledger
        )
    })?;
    ensure(valid_origin(&g.origin), "genesis.origin", || {
        format!(
            "origin {:?} must be 1-255 printable ASCII characters without spaces or '+'",
            g.origin
        )
    })?;
    ensure(ev.author == g.registrar.id, "genesis.author", || {
        format!(
            "genesis must be signed by the founding registrar {}",
            g.registrar.id
        )
    })?;
    let pk = match keys::parse_public_key(&g.registrar_key) {
        Ok(pk) => pk,
        Err(e) => return fail("key.invalid", format!("registrar key: {e}")),
    };
    ensure(KeyId::of(&pk) == ev.key, "key.not-authors", || {
        format!(
            "genesis must be signed with the registrar key {}",
            KeyId::of(&pk)
        )
    })?;
    match NoteVerifier::parse(&g.ledger_key) {
        Ok(v) => {
            ensure(v.name() == g.origin, "genesis.ledger-key", || {
                format!(
                    "ledger key is named {:?}; it must be named after the origin {:?}",
                    v.name(),
                    g.origin
                )
            })?;
            if let Err(e) = keys::check_public_key(&v.public_key()) {
                return fail("genesis.ledger-key", format!("ledger key: {e}"));
            }
        }
        // Not a verifier key at all (SPEC.md, "Verifier key"): the same fault as a malformed
        // verifier key given to the verifier.
        Err(e) => return fail("key.invalid", format!("ledger key {:?}: {e}", g.ledger_key)),
    }
    check_time_zone(&g.time_zone)?;
    non_empty(&g.registrar.name_uk, "name_uk")?;
    non_empty(&g.registrar.name_en, "name_en")?;
    non_empty(&g.registrar.kind, "kind")?;
    check_time(&g.policy, recorded_at, ev.at)
}

/// A genesis time zone is a name of the IANA database release kordon lists, exactly as listed.
fn check_time_zone(name: &str) -> Result<(), RuleError> {
    ensure(crate::timezone::is_valid(name), "genesis.time-zone", || {
        let hint = match crate::timezone::suggestion(name) {
            Some(s) => format!("names are case-sensitive: write {s}"),
            None => format!(
                "use a name of the IANA time zone database {}, such as Europe/Kyiv",
                crate::timezone::TZDATA_RELEASE
            ),
        };
        format!("unknown time zone {name:?} ({hint})")
    })
}

/// An origin is the checkpoint's first line and the ledger key's name: printable ASCII, no
/// spaces, no '+' (which would break the verifier-key syntax).
pub fn valid_origin(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.bytes().all(|c| c.is_ascii_graphic() && c != b'+')
}
