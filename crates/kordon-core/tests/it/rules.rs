//! The rules (SPEC.md §12) as a table of cases: a history before, one event, and the verdict
//! the rules must give it, accepted or refused by a named rule. `check` runs every case against
//! the core's `State`: the history must be accepted, the event judged as the case says, and a
//! refused event must leave the state exactly as it was. Every rule has at least one case.

use crate::support::*;
use kordon_core::rules::{Rule, State};
use serde_json::{json, Value};
use std::collections::BTreeSet;

/// One case: on `base()` (unless `from_empty`) and then `before`, the rules judge `event`.
struct Case {
    name: &'static str,
    from_empty: bool,
    before: Vec<Ev>,
    event: Ev,
    /// `None`: accepted.
    expect: Option<Rule>,
}

fn refused(name: &'static str, rule: Rule, before: Vec<Ev>, event: Ev) -> Case {
    Case {
        name,
        from_empty: false,
        before,
        event,
        expect: Some(rule),
    }
}

fn accepted(name: &'static str, before: Vec<Ev>, event: Ev) -> Case {
    Case {
        name,
        from_empty: false,
        before,
        event,
        expect: None,
    }
}

impl Case {
    /// Starts from an empty ledger instead of `base()`.
    fn on_an_empty_ledger(mut self) -> Case {
        self.from_empty = true;
        self
    }
}

/// Runs one case; `Err` says how it went wrong.
fn check(case: &Case) -> Result<(), String> {
    let mut steps = if case.from_empty { Vec::new() } else { base() };
    steps.extend(case.before.iter().cloned());
    let mut state: State = state_after(&steps)
        .map_err(|(i, e)| format!("step {i} of the history before is refused: {e}"))?;
    let before = state.clone();
    let seq = case.event.seq.unwrap_or(state.size);
    let verdict = state.apply(seq, recorded_at(seq), &case.event.event(seq));
    match (&verdict, case.expect) {
        (Ok(()), None) => {
            if state.size != before.size + 1 {
                return Err(format!("accepted, but the size is {}", state.size));
            }
            Ok(())
        }
        (Err(e), Some(rule)) if e.rule == rule => {
            if state != before {
                return Err(format!("refused with {rule}, but the state changed"));
            }
            if e.msg.trim().is_empty() {
                return Err(format!(
                    "refused with {rule}, without a sentence saying why"
                ));
            }
            Ok(())
        }
        (Ok(()), Some(rule)) => Err(format!("accepted; expected a refusal with {rule}")),
        (Err(e), None) => Err(format!("refused; expected it accepted: {e}")),
        (Err(e), Some(rule)) => Err(format!("expected {rule}, got {e}")),
    }
}

// ---------------------------------------------------------------------------------------------
// Events the cases are made of.

const DEADLINE: &str = "2026-12-31";

/// A coordinator assigns commitment `id` to `lead`, with one indicator `i1`.
fn assign(id: &str, lead: &str) -> Ev {
    ev(
        "cmu",
        "commitment.assigned",
        json!({
            "id": id, "lead": lead, "title_uk": format!("Зобов’язання {id}"), "deadline": DEADLINE,
            "indicators": [{"id": "i1", "name_uk": "Пункти пропуску", "baseline": "0", "target": "74"}]
        }),
    )
}

fn accept(by: &str, id: &str) -> Ev {
    ev(by, "commitment.accepted", json!({"commitment": id}))
}

/// `id`, assigned to `lead` and accepted.
fn active(id: &str, lead: &str) -> Vec<Ev> {
    vec![assign(id, lead), accept(lead, id)]
}

/// `AP-1`, led by `sbgs`.
fn ap1() -> Vec<Ev> {
    active("AP-1", "sbgs")
}

fn with(mut a: Vec<Ev>, more: impl IntoIterator<Item = Ev>) -> Vec<Ev> {
    a.extend(more);
    a
}

fn propose(by: &str, to: &str) -> Ev {
    ev(
        by,
        "handover.proposed",
        json!({"commitment": "AP-1", "to": to, "reason": "customs runs the data exchange"}),
    )
    .id("proposal-1")
}

fn answer(by: &str, kind: &'static str, proposal: &str) -> Ev {
    ev(
        by,
        kind,
        json!({"commitment": "AP-1", "proposal": proposal, "reason": "not our mandate"}),
    )
}

fn status(by: &str, id: &str) -> Ev {
    ev(
        by,
        "status.reported",
        json!({"commitment": id, "status": "in_progress"}),
    )
}

fn note(by: &str, text: &str) -> Ev {
    ev(by, "note.added", json!({"text": text}))
}

fn inquiry(to: &str) -> Ev {
    ev(
        "committee",
        "inquiry.raised",
        json!({"inquiry": "Q-1", "to": to, "question": "When?", "due": "2026-03-01"}),
    )
}

fn reply(by: &str) -> Ev {
    ev(
        by,
        "inquiry.answered",
        json!({"inquiry": "Q-1", "answer": "By June."}),
    )
}

fn succeed(id: &str, successor: &str) -> Ev {
    ev(
        "registry",
        "body.succeeded",
        json!({"id": id, "successor": successor, "reason": "merged"}),
    )
}

fn add_key(by: &str, body: &str, label: &str) -> Ev {
    ev(
        by,
        "key.added",
        json!({"body": body, "public_key": public_key(label)}),
    )
}

fn revoke(by: &str, body: &str, label: &str) -> Ev {
    ev(
        by,
        "key.revoked",
        json!({"body": body, "key": key_id(label).as_str(), "reason": "rotated"}),
    )
}

fn coexecutor(by: &str, kind: &'static str, body: &str) -> Ev {
    ev(by, kind, json!({"commitment": "AP-1", "body": body}))
}

fn objective(id: &str) -> Ev {
    ev(
        "cmu",
        "objective.defined",
        json!({"id": id, "title_uk": "Ціль"}),
    )
}

fn body_update(by: &str, body: Value) -> Ev {
    ev(by, "body.updated", body)
}

// ---------------------------------------------------------------------------------------------
// The table.

fn cases() -> Vec<Case> {
    use Rule::*;
    let week = 7 * 24 * 3600 * 1000;
    vec![
        // The chain and the genesis (SPEC.md §12.2, §12.3).
        accepted("a genesis founds an empty ledger", vec![], genesis()).on_an_empty_ledger(),
        refused(
            "the first entry must be the genesis",
            GenesisFirst,
            vec![],
            note("registry", "hello"),
        )
        .on_an_empty_ledger(),
        refused("a second genesis", GenesisOnce, vec![], genesis().id("g2")),
        refused(
            "a genesis at a later sequence number",
            GenesisOnce,
            vec![],
            genesis().seq(1),
        )
        .on_an_empty_ledger(),
        refused(
            "a genesis for another ledger than it names",
            LedgerOrigin,
            vec![],
            genesis().ledger("kordon.test/other"),
        )
        .on_an_empty_ledger(),
        refused(
            "an origin with a space",
            GenesisOrigin,
            vec![],
            genesis()
                .set("/origin", json!("kordon test"))
                .ledger("kordon test"),
        )
        .on_an_empty_ledger(),
        refused(
            "a genesis signed by another body than its registrar",
            GenesisAuthor,
            vec![],
            genesis().set("/registrar/id", json!("cmu")),
        )
        .on_an_empty_ledger(),
        refused(
            "a registrar key that is not a key",
            KeyInvalid,
            vec![],
            genesis().set("/registrar_key", json!("AAAA")),
        )
        .on_an_empty_ledger(),
        refused(
            "a genesis signed with another key than the registrar key it names",
            KeyNotAuthors,
            vec![],
            genesis().key("someone-else"),
        )
        .on_an_empty_ledger(),
        refused(
            "a ledger key that is not a verifier key",
            KeyInvalid,
            vec![],
            genesis().set("/ledger_key", json!("not a verifier key")),
        )
        .on_an_empty_ledger(),
        refused(
            "a ledger key named after another origin",
            GenesisLedgerKey,
            vec![],
            genesis().set(
                "/ledger_key",
                json!(
                    kordon_core::note::NoteSigner::new("kordon.test/other", key("ledger"))
                        .unwrap()
                        .verifier()
                        .to_vkey()
                ),
            ),
        )
        .on_an_empty_ledger(),
        refused(
            "a time zone outside the IANA database",
            GenesisTimeZone,
            vec![],
            genesis().set("/time_zone", json!("Mars/Olympus_Mons")),
        )
        .on_an_empty_ledger(),
        refused(
            "a time zone spelled in the wrong case",
            GenesisTimeZone,
            vec![],
            genesis().set("/time_zone", json!("europe/kyiv")),
        )
        .on_an_empty_ledger(),
        refused(
            "a registrar without a name",
            TextRequired,
            vec![],
            genesis().set("/registrar/name_en", json!("  ")),
        )
        .on_an_empty_ledger(),
        refused(
            "a genesis claiming a time later than the policy allows",
            TimeInFuture,
            vec![],
            genesis().skew(300_001),
        )
        .on_an_empty_ledger(),
        refused(
            "an entry at a sequence number the state is not at",
            ChainSequence,
            vec![],
            note("sbgs", "hello").seq(9),
        ),
        // Envelope checks (§12.2).
        refused(
            "an event for another ledger",
            LedgerOrigin,
            vec![],
            note("sbgs", "hello").ledger("kordon.test/other"),
        ),
        refused(
            "an event id recorded before",
            EventReplayed,
            vec![note("sbgs", "first").id("n-1")],
            note("sbgs", "again").id("n-1"),
        ),
        accepted(
            "an event recorded exactly as late as the policy allows",
            vec![],
            note("sbgs", "late").skew(-week),
        ),
        refused(
            "an event recorded later than the policy allows",
            TimeTooOld,
            vec![],
            note("sbgs", "too late").skew(-week - 1),
        ),
        accepted(
            "an event claiming exactly as far ahead as the policy allows",
            vec![],
            note("sbgs", "early").skew(300_000),
        ),
        refused(
            "an event claiming a time further ahead than the policy allows",
            TimeInFuture,
            vec![],
            note("sbgs", "too early").skew(300_001),
        ),
        refused(
            "an author that is not registered",
            BodyUnknown,
            vec![],
            note("ghost", "boo"),
        ),
        refused(
            "an author that was succeeded",
            BodySucceeded,
            vec![succeed("police", "customs")],
            note("police", "still here"),
        ),
        refused(
            "a key that is not registered",
            KeyUnknown,
            vec![],
            note("sbgs", "hello").key("stray"),
        ),
        refused(
            "another body's key",
            KeyNotAuthors,
            vec![],
            note("sbgs", "hello").key("customs"),
        ),
        refused(
            "a revoked key",
            KeyRevoked,
            vec![
                add_key("sbgs", "sbgs", "sbgs-2"),
                revoke("sbgs", "sbgs", "sbgs").key("sbgs-2"),
            ],
            note("sbgs", "hello"),
        ),
        accepted(
            "a key added later signs",
            vec![add_key("sbgs", "sbgs", "sbgs-2")],
            note("sbgs", "hello").key("sbgs-2"),
        ),
        // The registry (§12.4).
        accepted(
            "a registrar registers a body",
            vec![],
            register("mia", &["executor"]),
        ),
        refused(
            "a body registered by a non-registrar",
            RoleRequired,
            vec![],
            register("mia", &["executor"]).by("cmu"),
        ),
        refused(
            "a body id registered twice",
            BodyExists,
            vec![],
            register("sbgs", &["executor"]).set("/public_keys", json!([public_key("x")])),
        ),
        refused(
            "a body without a name",
            TextRequired,
            vec![],
            register("mia", &["executor"]).set("/kind", json!("")),
        ),
        refused(
            "a body without a role",
            BodyRoles,
            vec![],
            register("mia", &[]),
        ),
        refused(
            "a body with a role twice",
            BodyRoles,
            vec![],
            register("mia", &["executor", "executor"]),
        ),
        refused(
            "a public key that is not a key",
            KeyInvalid,
            vec![],
            register("mia", &["executor"]).set("/public_keys", json!(["bm90IGEga2V5"])),
        ),
        refused(
            "a public key registered to another body",
            KeyExists,
            vec![],
            register("mia", &["executor"]).set("/public_keys", json!([public_key("sbgs")])),
        ),
        refused(
            "a public key listed twice",
            KeyExists,
            vec![],
            register("mia", &["executor"]).set(
                "/public_keys",
                json!([public_key("mia"), public_key("mia")]),
            ),
        ),
        accepted(
            "a body renames itself",
            vec![],
            body_update(
                "sbgs",
                json!({"id": "sbgs", "name_en": "State Border Guard"}),
            ),
        ),
        refused(
            "an update of a body that is not registered",
            BodyUnknown,
            vec![],
            body_update("registry", json!({"id": "ghost", "name_en": "Ghost"})),
        ),
        refused(
            "an update of a succeeded body",
            BodySucceeded,
            vec![succeed("police", "customs")],
            body_update("registry", json!({"id": "police", "name_en": "Police"})),
        ),
        refused(
            "an update that changes nothing",
            BodyUpdateEmpty,
            vec![],
            body_update("sbgs", json!({"id": "sbgs"})),
        ),
        refused(
            "an update to an empty name",
            TextRequired,
            vec![],
            body_update("sbgs", json!({"id": "sbgs", "name_uk": " "})),
        ),
        refused(
            "a body updating another",
            BodyUpdateWho,
            vec![],
            body_update("customs", json!({"id": "sbgs", "name_en": "Mine now"})),
        ),
        refused(
            "a body giving itself roles",
            BodyUpdateRoles,
            vec![],
            body_update("sbgs", json!({"id": "sbgs", "roles": ["coordinator"]})),
        ),
        accepted(
            "a registrar changes a body's roles",
            vec![],
            body_update(
                "registry",
                json!({"id": "sbgs", "roles": ["executor", "coordinator"]}),
            ),
        ),
        refused(
            "a registrar listing a role twice",
            BodyRoles,
            vec![],
            body_update(
                "registry",
                json!({"id": "sbgs", "roles": ["executor", "executor"]}),
            ),
        ),
        refused(
            "a succession recorded by a non-registrar",
            RoleRequired,
            vec![],
            succeed("police", "customs").by("cmu"),
        ),
        refused(
            "a body succeeding itself",
            BodySuccessor,
            vec![],
            succeed("police", "police"),
        ),
        refused(
            "a successor that was itself succeeded",
            BodySucceeded,
            vec![succeed("police", "customs")],
            succeed("sbgs", "police"),
        ),
        refused(
            "a body added a key by another body",
            KeyAddWho,
            vec![],
            add_key("customs", "sbgs", "sbgs-2"),
        ),
        refused(
            "a key added twice",
            KeyExists,
            vec![],
            add_key("sbgs", "sbgs", "sbgs"),
        ),
        refused(
            "a key added for a body that is not registered",
            BodyUnknown,
            vec![],
            add_key("registry", "ghost", "ghost"),
        ),
        refused(
            "an added key that is not a key",
            KeyInvalid,
            vec![],
            add_key("sbgs", "sbgs", "x").set("/public_key", json!("!!")),
        ),
        accepted(
            "a registrar revokes a body's key",
            vec![],
            revoke("registry", "sbgs", "sbgs"),
        ),
        accepted(
            "a registrar revokes its own key with that key",
            vec![],
            revoke("registry", "registry", "registry"),
        ),
        accepted(
            "a body revokes its key with another of its keys",
            vec![add_key("sbgs", "sbgs", "sbgs-2")],
            revoke("sbgs", "sbgs", "sbgs").key("sbgs-2"),
        ),
        refused(
            "a body revoking its key with that key",
            KeyRevokeSelfSigned,
            vec![add_key("sbgs", "sbgs", "sbgs-2")],
            revoke("sbgs", "sbgs", "sbgs"),
        ),
        refused(
            "a body revoking another body's key",
            KeyRevokeWho,
            vec![],
            revoke("customs", "sbgs", "sbgs"),
        ),
        refused(
            "a revocation of a key that is not registered",
            KeyUnknown,
            vec![],
            revoke("registry", "sbgs", "stray"),
        ),
        refused(
            "a revocation of a key for a body it does not belong to",
            KeyNotAuthors,
            vec![],
            revoke("registry", "customs", "sbgs"),
        ),
        refused(
            "a key revoked twice",
            KeyRevoked,
            vec![revoke("registry", "sbgs", "sbgs")],
            revoke("registry", "sbgs", "sbgs").id("again"),
        ),
        refused(
            "a revocation without a reason",
            TextRequired,
            vec![],
            revoke("registry", "sbgs", "sbgs").set("/reason", json!("")),
        ),
        // The plan.
        accepted(
            "a coordinator defines an objective",
            vec![],
            objective("O-1"),
        ),
        refused(
            "an objective defined by an executor",
            RoleRequired,
            vec![],
            objective("O-1").by("sbgs"),
        ),
        refused(
            "an objective defined twice",
            ObjectiveExists,
            vec![objective("O-1")],
            objective("O-1").id("again"),
        ),
        refused(
            "an objective under one that is not defined",
            ObjectiveUnknown,
            vec![],
            objective("O-2").set("/parent", json!("O-9")),
        ),
        refused(
            "an objective without a title",
            TextRequired,
            vec![],
            objective("O-1").set("/title_uk", json!("")),
        ),
        accepted(
            "a coordinator assigns a commitment",
            vec![],
            assign("AP-1", "sbgs"),
        ),
        refused(
            "an assignment by an executor",
            RoleRequired,
            vec![],
            assign("AP-1", "customs").by("sbgs"),
        ),
        refused(
            "an assignment without a lead",
            CommitmentLead,
            vec![],
            assign("AP-1", "sbgs").unset("/lead"),
        ),
        refused(
            "a commitment id used twice",
            CommitmentExists,
            vec![assign("AP-1", "sbgs")],
            assign("AP-1", "customs").id("again"),
        ),
        refused(
            "a commitment without a title",
            TextRequired,
            vec![],
            assign("AP-1", "sbgs").set("/title_uk", json!("")),
        ),
        refused(
            "a commitment under an objective that is not defined",
            ObjectiveUnknown,
            vec![],
            assign("AP-1", "sbgs").set("/objective", json!("O-9")),
        ),
        refused(
            "a commitment led by a body without the executor role",
            RoleRequired,
            vec![],
            assign("AP-1", "monitor"),
        ),
        refused(
            "a commitment led by a body that is not registered",
            BodyUnknown,
            vec![],
            assign("AP-1", "ghost"),
        ),
        refused(
            "a co-executor that is not registered",
            BodyUnknown,
            vec![],
            assign("AP-1", "sbgs").set("/co_executors", json!(["ghost"])),
        ),
        refused(
            "the lead as its own co-executor",
            CoexecutorIsLead,
            vec![],
            assign("AP-1", "sbgs").set("/co_executors", json!(["sbgs"])),
        ),
        refused(
            "a co-executor listed twice",
            CoexecutorExists,
            vec![],
            assign("AP-1", "sbgs").set("/co_executors", json!(["customs", "customs"])),
        ),
        refused(
            "an indicator id listed twice",
            IndicatorDuplicate,
            vec![],
            assign("AP-1", "sbgs").set(
                "/indicators",
                json!([{"id": "i1", "name_uk": "A"}, {"id": "i1", "name_uk": "B"}]),
            ),
        ),
        accepted(
            "an executor commits itself",
            vec![],
            ev(
                "sbgs",
                "commitment.made",
                json!({"id": "AP-2", "title_uk": "Власне", "deadline": DEADLINE}),
            ),
        ),
        refused(
            "a commitment made by a non-executor",
            RoleRequired,
            vec![],
            ev(
                "cmu",
                "commitment.made",
                json!({"id": "AP-2", "title_uk": "Власне", "deadline": DEADLINE}),
            ),
        ),
        refused(
            "a commitment made in another body's name",
            CommitmentLead,
            vec![],
            ev(
                "sbgs",
                "commitment.made",
                json!({"id": "AP-2", "lead": "customs", "title_uk": "Чуже", "deadline": DEADLINE}),
            ),
        ),
        accepted(
            "the assignee accepts",
            vec![assign("AP-1", "sbgs")],
            accept("sbgs", "AP-1"),
        ),
        refused(
            "an acceptance of a commitment that does not exist",
            CommitmentUnknown,
            vec![],
            accept("sbgs", "AP-9"),
        ),
        refused(
            "an acceptance by another body than the assignee",
            CommitmentAcceptAssigneeOnly,
            vec![assign("AP-1", "sbgs")],
            accept("customs", "AP-1"),
        ),
        refused(
            "an acceptance of an accepted commitment",
            CommitmentNotAssigned,
            ap1(),
            accept("sbgs", "AP-1").id("again"),
        ),
        refused(
            "a rejection by another body than the assignee",
            CommitmentRejectAssigneeOnly,
            vec![assign("AP-1", "sbgs")],
            ev(
                "customs",
                "commitment.rejected",
                json!({"commitment": "AP-1", "reason": "no"}),
            ),
        ),
        refused(
            "a rejection without a reason",
            TextRequired,
            vec![assign("AP-1", "sbgs")],
            ev(
                "sbgs",
                "commitment.rejected",
                json!({"commitment": "AP-1", "reason": ""}),
            ),
        ),
        refused(
            "a commitment cancelled twice",
            CommitmentClosed,
            with(
                ap1(),
                [ev(
                    "cmu",
                    "commitment.cancelled",
                    json!({"commitment": "AP-1", "reason": "dropped"}),
                )],
            ),
            ev(
                "cmu",
                "commitment.cancelled",
                json!({"commitment": "AP-1", "reason": "dropped again"}),
            ),
        ),
        refused(
            "a cancellation by an executor",
            RoleRequired,
            ap1(),
            ev(
                "sbgs",
                "commitment.cancelled",
                json!({"commitment": "AP-1", "reason": "tired"}),
            ),
        ),
        refused(
            "a commitment superseding itself",
            CommitmentSuccessor,
            ap1(),
            ev(
                "cmu",
                "commitment.superseded",
                json!({"commitment": "AP-1", "successor": "AP-1", "reason": "loop"}),
            ),
        ),
        refused(
            "a commitment superseded by one that does not exist",
            CommitmentUnknown,
            ap1(),
            ev(
                "cmu",
                "commitment.superseded",
                json!({"commitment": "AP-1", "successor": "AP-9", "reason": "merged"}),
            ),
        ),
        // Responsibility.
        accepted(
            "a coordinator reassigns a rejected assignment",
            vec![
                assign("AP-1", "sbgs"),
                ev(
                    "sbgs",
                    "commitment.rejected",
                    json!({"commitment": "AP-1", "reason": "not ours"}),
                ),
            ],
            ev(
                "cmu",
                "commitment.reassigned",
                json!({"commitment": "AP-1", "to": "customs", "reason": "customs holds it"}),
            ),
        ),
        refused(
            "a reassignment to the assignee, who has not accepted",
            HandoverSameLead,
            vec![assign("AP-1", "sbgs")],
            ev(
                "cmu",
                "commitment.reassigned",
                json!({"commitment": "AP-1", "to": "sbgs", "reason": "hurry"}),
            ),
        ),
        refused(
            "a reassignment of a closed commitment",
            CommitmentClosed,
            with(
                ap1(),
                [ev(
                    "cmu",
                    "commitment.cancelled",
                    json!({"commitment": "AP-1", "reason": "dropped"}),
                )],
            ),
            ev(
                "cmu",
                "commitment.reassigned",
                json!({"commitment": "AP-1", "to": "customs", "reason": "revive"}),
            ),
        ),
        accepted(
            "a coordinator proposes a handover",
            ap1(),
            propose("cmu", "customs"),
        ),
        refused(
            "a handover proposed by a body that does not lead",
            HandoverProposeWho,
            ap1(),
            propose("customs", "customs"),
        ),
        refused(
            "a handover proposed while another is pending",
            HandoverPending,
            with(ap1(), [propose("sbgs", "customs")]),
            propose("sbgs", "police").id("proposal-2"),
        ),
        refused(
            "a handover to the lead",
            HandoverSameLead,
            ap1(),
            propose("sbgs", "sbgs"),
        ),
        refused(
            "a handover to a body that cannot lead",
            RoleRequired,
            ap1(),
            propose("sbgs", "committee"),
        ),
        refused(
            "a handover of a commitment not yet accepted",
            CommitmentNotActive,
            vec![assign("AP-1", "sbgs")],
            propose("cmu", "customs"),
        ),
        refused(
            "a handover without a reason",
            TextRequired,
            ap1(),
            propose("sbgs", "customs").set("/reason", json!("")),
        ),
        accepted(
            "the receiver accepts a handover",
            with(ap1(), [propose("sbgs", "customs")]),
            answer("customs", "handover.accepted", "proposal-1"),
        ),
        refused(
            "an answer to a proposal that is not pending",
            HandoverNoSuchProposal,
            with(ap1(), [propose("sbgs", "customs")]),
            answer("customs", "handover.accepted", "proposal-9"),
        ),
        refused(
            "a handover accepted by its proposer",
            HandoverAcceptReceiverOnly,
            with(ap1(), [propose("sbgs", "customs")]),
            answer("sbgs", "handover.accepted", "proposal-1"),
        ),
        refused(
            "a handover accepted by a receiver that lost the executor role",
            RoleRequired,
            with(
                ap1(),
                [
                    propose("sbgs", "customs"),
                    body_update("registry", json!({"id": "customs", "roles": ["observer"]})),
                ],
            ),
            answer("customs", "handover.accepted", "proposal-1"),
        ),
        refused(
            "a handover declined by another body than the receiver",
            HandoverDeclineReceiverOnly,
            with(ap1(), [propose("sbgs", "customs")]),
            answer("police", "handover.declined", "proposal-1"),
        ),
        refused(
            "a handover declined without a reason",
            TextRequired,
            with(ap1(), [propose("sbgs", "customs")]),
            answer("customs", "handover.declined", "proposal-1").unset("/reason"),
        ),
        refused(
            "a handover withdrawn by another body than its proposer",
            HandoverWithdrawProposerOnly,
            with(ap1(), [propose("sbgs", "customs")]),
            answer("customs", "handover.withdrawn", "proposal-1"),
        ),
        accepted(
            "the lead adds a co-executor",
            ap1(),
            coexecutor("sbgs", "coexecutor.added", "customs"),
        ),
        refused(
            "a co-executor added by a body that does not lead",
            CoexecutorWho,
            ap1(),
            coexecutor("customs", "coexecutor.added", "customs"),
        ),
        refused(
            "the lead added as a co-executor",
            CoexecutorIsLead,
            ap1(),
            coexecutor("cmu", "coexecutor.added", "sbgs"),
        ),
        refused(
            "a co-executor added twice",
            CoexecutorExists,
            with(ap1(), [coexecutor("sbgs", "coexecutor.added", "customs")]),
            coexecutor("sbgs", "coexecutor.added", "customs").id("again"),
        ),
        refused(
            "a removal of a body that is not a co-executor",
            CoexecutorUnknown,
            ap1(),
            coexecutor("sbgs", "coexecutor.removed", "customs"),
        ),
        // Progress.
        accepted("the lead reports its status", ap1(), status("sbgs", "AP-1")),
        refused(
            "a status report by another body than the lead",
            StatusLeadOnly,
            ap1(),
            status("customs", "AP-1"),
        ),
        refused(
            "a status report on an assignment not yet accepted",
            CommitmentNotActive,
            vec![assign("AP-1", "sbgs")],
            status("sbgs", "AP-1"),
        ),
        refused(
            "a status report on a commitment that does not exist",
            CommitmentUnknown,
            vec![],
            status("sbgs", "AP-9"),
        ),
        accepted(
            "a co-executor records a measurement",
            with(ap1(), [coexecutor("sbgs", "coexecutor.added", "customs")]),
            ev(
                "customs",
                "indicator.measured",
                json!({"commitment": "AP-1", "indicator": "i1", "value": "12", "as_of": "2026-02-01"}),
            ),
        ),
        refused(
            "a measurement by a body that neither leads nor co-executes",
            IndicatorWho,
            ap1(),
            ev(
                "monitor",
                "indicator.measured",
                json!({"commitment": "AP-1", "indicator": "i1", "value": "12", "as_of": "2026-02-01"}),
            ),
        ),
        refused(
            "a measurement of an indicator the commitment does not define",
            IndicatorUnknown,
            ap1(),
            ev(
                "sbgs",
                "indicator.measured",
                json!({"commitment": "AP-1", "indicator": "i9", "value": "12", "as_of": "2026-02-01"}),
            ),
        ),
        refused(
            "an extension requested by another body than the lead",
            DeadlineRequestLeadOnly,
            ap1(),
            ev(
                "customs",
                "deadline.extension_requested",
                json!({"commitment": "AP-1", "deadline": "2027-06-30", "reason": "winter"}),
            ),
        ),
        accepted(
            "a coordinator grants an extension request",
            with(
                ap1(),
                [ev(
                    "sbgs",
                    "deadline.extension_requested",
                    json!({"commitment": "AP-1", "deadline": "2027-06-30", "reason": "winter"}),
                )
                .id("request-1")],
            ),
            ev(
                "cmu",
                "deadline.changed",
                json!({"commitment": "AP-1", "deadline": "2027-06-30", "reason": "granted", "request": "request-1"}),
            ),
        ),
        refused(
            "a deadline change naming an event that is not an extension request",
            DeadlineNoSuchRequest,
            with(ap1(), [status("sbgs", "AP-1").id("claim-1")]),
            ev(
                "cmu",
                "deadline.changed",
                json!({"commitment": "AP-1", "deadline": "2027-06-30", "reason": "granted", "request": "claim-1"}),
            ),
        ),
        refused(
            "a deadline changed by an executor",
            RoleRequired,
            ap1(),
            ev(
                "sbgs",
                "deadline.changed",
                json!({"commitment": "AP-1", "deadline": "2027-06-30", "reason": "we need it"}),
            ),
        ),
        // Oversight.
        accepted(
            "an overseer assesses a claim",
            with(ap1(), [status("sbgs", "AP-1").id("claim-1")]),
            ev(
                "committee",
                "assessment.recorded",
                json!({"commitment": "AP-1", "verdict": "contested", "claim": "claim-1"}),
            ),
        ),
        refused(
            "an assessment by an observer",
            RoleRequired,
            ap1(),
            ev(
                "monitor",
                "assessment.recorded",
                json!({"commitment": "AP-1", "verdict": "confirmed"}),
            ),
        ),
        refused(
            "an assessment naming an event that is not a claim of the commitment",
            AssessmentNoSuchClaim,
            with(
                with(ap1(), active("AP-2", "customs")),
                [status("customs", "AP-2").id("claim-2")],
            ),
            ev(
                "committee",
                "assessment.recorded",
                json!({"commitment": "AP-1", "verdict": "confirmed", "claim": "claim-2"}),
            ),
        ),
        accepted(
            "a note about an earlier event",
            vec![note("sbgs", "first").id("n-1")],
            note("monitor", "about that").set("/about", json!("n-1")),
        ),
        refused(
            "a note about an event that is not in the ledger",
            NoteNoSuchEvent,
            vec![],
            note("monitor", "about what?").set("/about", json!("n-9")),
        ),
        refused(
            "a note on a commitment that does not exist",
            CommitmentUnknown,
            vec![],
            note("monitor", "hm").set("/commitment", json!("AP-9")),
        ),
        refused(
            "an empty note",
            TextRequired,
            vec![],
            note("monitor", "\u{a0}\t"),
        ),
        refused(
            "a note of invisible characters only",
            TextRequired,
            vec![],
            note("monitor", "\u{200b}\u{2060}"),
        ),
        accepted("an overseer raises an inquiry", vec![], inquiry("sbgs")),
        refused(
            "an inquiry raised by a coordinator",
            RoleRequired,
            vec![],
            inquiry("sbgs").by("cmu"),
        ),
        refused(
            "an inquiry id used twice",
            InquiryExists,
            vec![inquiry("sbgs")],
            inquiry("customs").id("again"),
        ),
        refused(
            "an inquiry to a succeeded body",
            BodySucceeded,
            vec![succeed("police", "customs")],
            inquiry("police"),
        ),
        accepted(
            "the addressee's successor answers",
            vec![inquiry("police"), succeed("police", "customs")],
            reply("customs"),
        ),
        refused(
            "an answer to an inquiry that does not exist",
            InquiryUnknown,
            vec![],
            reply("sbgs"),
        ),
        refused(
            "an inquiry answered twice",
            InquiryAnswered,
            vec![inquiry("sbgs"), reply("sbgs")],
            reply("sbgs").id("again"),
        ),
        refused(
            "an answer by another body than the addressee",
            InquiryAnswerAddresseeOnly,
            vec![inquiry("sbgs")],
            reply("customs"),
        ),
    ]
}

#[test]
fn every_case_gets_its_verdict() {
    let cases = cases();
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check(c).err().map(|e| format!("{}: {e}", c.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_case() {
    let covered: BTreeSet<Rule> = cases().iter().filter_map(|c| c.expect).collect();
    let missing: Vec<&str> = Rule::ALL
        .iter()
        .filter(|r| !covered.contains(r))
        .map(|r| r.code())
        .collect();
    assert!(missing.is_empty(), "rules without a case: {missing:?}");
}

#[test]
fn the_case_names_are_distinct() {
    let mut seen = BTreeSet::new();
    for c in cases() {
        assert!(seen.insert(c.name), "{} twice", c.name);
    }
}

/// The runner itself fails when a case is wrong: a verdict other than the expected one, or a
/// history that does not hold.
#[test]
fn check_fails_a_wrong_case() {
    let wrong_rule = refused("x", Rule::BodyExists, ap1(), status("customs", "AP-1"));
    assert!(check(&wrong_rule).unwrap_err().contains("status.lead-only"));
    let not_refused = refused("x", Rule::StatusLeadOnly, ap1(), status("sbgs", "AP-1"));
    assert!(check(&not_refused).unwrap_err().contains("accepted"));
    let not_accepted = accepted("x", ap1(), status("customs", "AP-1"));
    assert!(check(&not_accepted).unwrap_err().contains("refused"));
    let bad_history = accepted("x", vec![accept("sbgs", "AP-1")], note("sbgs", "hi"));
    assert!(check(&bad_history)
        .unwrap_err()
        .contains("history before is refused"));
}

#[test]
fn rule_codes_are_unique_and_round_trip() {
    let mut seen = BTreeSet::new();
    for r in Rule::ALL {
        assert!(seen.insert(r.code()), "{r} twice");
        assert_eq!(Rule::from_code(r.code()), Some(*r));
        assert_eq!(r.to_string(), r.code());
        assert!(!r.text().is_empty(), "{r} has no text");
    }
    assert_eq!(Rule::ALL.len(), 63);
    assert_eq!(Rule::from_code("status.lead"), None);
}

/// What an accepted event leaves behind, beyond its verdict: the lifecycle the effects fold.
#[test]
fn the_lifecycle_follows_the_effects() {
    use kordon_core::event::Phase;
    use kordon_core::types::{BodyId, CommitmentId};
    let b = |s: &str| BodyId::parse(s).unwrap();
    let c = CommitmentId::parse("AP-1").unwrap();
    let mut steps = base();
    steps.push(assign("AP-1", "sbgs"));
    let s = state_after(&steps).unwrap();
    assert_eq!(s.commitments[&c].phase, Phase::Assigned);
    assert_eq!(s.commitments[&c].lead, Some(b("sbgs")));
    steps.push(accept("sbgs", "AP-1"));
    steps.push(coexecutor("sbgs", "coexecutor.added", "customs"));
    steps.push(propose("sbgs", "customs"));
    let s = state_after(&steps).unwrap();
    let st = &s.commitments[&c];
    assert_eq!(st.phase, Phase::Active);
    assert!(st.co_executors.contains(&b("customs")));
    assert_eq!(
        st.pending.as_ref().map(|p| p.to.clone()),
        Some(b("customs"))
    );
    // Accepting the handover makes the receiver the lead and no longer a co-executor.
    steps.push(answer("customs", "handover.accepted", "proposal-1"));
    let s = state_after(&steps).unwrap();
    let st = &s.commitments[&c];
    assert_eq!(st.lead, Some(b("customs")));
    assert!(st.pending.is_none() && st.co_executors.is_empty());
    // A reassignment clears a pending handover; supersession closes.
    steps.push(propose("customs", "police").id("proposal-2"));
    steps.push(ev(
        "cmu",
        "commitment.reassigned",
        json!({"commitment": "AP-1", "to": "sbgs", "reason": "back"}),
    ));
    steps.extend(active("AP-2", "police"));
    steps.push(ev(
        "cmu",
        "commitment.superseded",
        json!({"commitment": "AP-1", "successor": "AP-2", "reason": "merged"}),
    ));
    let s = state_after(&steps).unwrap();
    let st = &s.commitments[&c];
    assert_eq!(st.phase, Phase::Superseded);
    assert_eq!(st.lead, Some(b("sbgs")));
    assert!(st.pending.is_none());
    // Rejection clears the lead.
    steps.push(assign("AP-3", "police"));
    steps.push(ev(
        "police",
        "commitment.rejected",
        json!({"commitment": "AP-3", "reason": "not ours"}),
    ));
    let s = state_after(&steps).unwrap();
    let st = &s.commitments[&CommitmentId::parse("AP-3").unwrap()];
    assert_eq!((st.phase, st.lead.clone()), (Phase::Rejected, None));
}
