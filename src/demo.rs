//! `kordon demo`: a small example ledger built from demo keys, on the embedded store.
//!
//! Every key here derives from a public label (`fixture::demo_key`): these are demo keys,
//! for the example only. Names of real institutions are used for illustration; all values
//! are fictional.

use crate::core::event::*;
use crate::core::types::*;
use crate::datadir::{self, KEY_FILE, STORE_FILE};
use crate::fixture::{b, c, Fixture};
use crate::ledger::{Ledger, Submission};
use crate::store::redb::RedbStore;
use crate::store::Store;
use anyhow::{anyhow, Context, Result};
use std::path::Path;
use std::sync::Arc;

pub const ORIGIN: &str = "kordon.demo/ibm";

const DAY: u64 = 24 * 3600 * 1000;

struct Script {
    f: Fixture,
    ledger: Ledger,
}

impl Script {
    fn rec(&self, author: &str, body: Body) -> Result<EventId> {
        let id = self.f.next_event_id();
        let sub: Submission = self.f.sign(author, body);
        self.ledger
            .submit(sub)
            .map_err(|e| anyhow!("demo event by {author}: {e}"))?;
        self.f.clock.advance(DAY / 4);
        Ok(id)
    }

    fn days(&self, n: u64) {
        self.f.clock.advance(n * DAY);
    }
}

fn d(s: &str) -> Date {
    Date::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn dec(s: &str) -> Decimal {
    Decimal::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

fn evidence(doc: &str, location: &str, cites: &str) -> Vec<Evidence> {
    vec![Evidence {
        sha256: Sha256Hex::parse(&crate::core::hash::Hash::sha256(doc.as_bytes()).to_hex())
            .unwrap_or_else(|e| panic!("{e}")),
        location: location.into(),
        cites: Some(cites.into()),
    }]
}

/// Builds the demo ledger in `dir` (which must not hold one yet).
pub fn build(dir: &Path) -> Result<u64> {
    std::fs::create_dir_all(dir.join("keys")).with_context(|| dir.display().to_string())?;
    let mut f = Fixture::new(ORIGIN);
    let store = Arc::new(RedbStore::open(&dir.join(STORE_FILE))?);
    let ledger = Ledger::open(store, f.ledger_signer.clone(), f.clock.clock())?;
    let bodies: &[(&str, &[Role], &str, &str)] = &[
        (
            "cmu",
            &[Role::Coordinator],
            "Координаційний центр ІУК",
            "IBM Coordination Centre",
        ),
        (
            "iwg",
            &[Role::Coordinator],
            "Міжвідомча робоча група з ІУК",
            "Interagency Working Group on IBM",
        ),
        (
            "mia",
            &[Role::Executor],
            "Міністерство внутрішніх справ",
            "Ministry of Internal Affairs",
        ),
        (
            "sbgs",
            &[Role::Executor],
            "Адміністрація ДПСУ",
            "State Border Guard Service Administration",
        ),
        (
            "customs",
            &[Role::Executor],
            "Державна митна служба",
            "State Customs Service",
        ),
        (
            "mof",
            &[Role::Executor],
            "Міністерство фінансів",
            "Ministry of Finance",
        ),
        (
            "rada-eu",
            &[Role::Overseer],
            "Комітет ВРУ з питань інтеграції до ЄС",
            "Verkhovna Rada Committee on EU Integration",
        ),
        (
            "monitor",
            &[Role::Observer],
            "Громадський монітор кордону (вигаданий)",
            "Border Monitor NGO (fictional)",
        ),
    ];
    let mut subs = vec![f.genesis()];
    for (id, roles, uk, en) in bodies {
        subs.push(f.register_named(id, roles, uk, en));
    }
    for r in ledger.submit_many(subs) {
        r.map_err(|e| anyhow!("demo registration: {e}"))?;
    }
    let s = Script { f, ledger };
    s.days(10);
    s.rec(
        "iwg",
        Body::ObjectiveDefined(ObjectiveDefined {
            id: ObjectiveId::parse("SO-2").map_err(|e| anyhow!(e))?,
            parent: None,
            title_uk: "Обмін інформацією між відомствами".into(),
            title_en: Some("Inter-agency information exchange".into()),
            components: vec![
                Component::InformationExchange,
                Component::InterAgencyCooperation,
            ],
        }),
    )?;
    let mut item = Fixture::commitment("AP-2026/2.1", Some("sbgs"), "2026-06-30");
    item.objective = Some(ObjectiveId::parse("SO-2").map_err(|e| anyhow!(e))?);
    item.title_uk =
        "Спільне використання електронних даних ДПСУ та митниці у пунктах пропуску".into();
    item.title_en =
        Some("Joint use of electronic data by SBGS and customs at road crossing points".into());
    item.co_executors = vec![b("customs"), b("mof")];
    item.indicators[0].milestones = vec![Milestone {
        date: d("2026-03-31"),
        value: dec("39"),
    }];
    item.funding = Some(Funding {
        amount: dec("12500000"),
        currency: "UAH".into(),
        source: FundingSource::StateBudget,
    });
    s.rec("iwg", Body::CommitmentAssigned(item))?;
    s.days(3);
    s.rec(
        "sbgs",
        Body::CommitmentAccepted(CommitmentRef {
            commitment: c("AP-2026/2.1"),
        }),
    )?;
    s.days(30);
    let claim = s.rec(
        "sbgs",
        Body::StatusReported(StatusReported {
            commitment: c("AP-2026/2.1"),
            status: Status::InProgress,
            note: Some("31 of 74 crossing points connected (fictional figure)".into()),
            evidence: evidence(
                "q1 report",
                "https://example.org/sbgs/q1.pdf",
                "Order 1409-r, item 2.1",
            ),
        }),
    )?;
    s.rec(
        "monitor",
        Body::NoteAdded(NoteAdded {
            commitment: Some(c("AP-2026/2.1")),
            about: Some(claim.clone()),
            text: "Our visit found 24 connected crossing points, not 31.".into(),
            evidence: vec![],
        }),
    )?;
    s.rec(
        "rada-eu",
        Body::AssessmentRecorded(AssessmentRecorded {
            commitment: c("AP-2026/2.1"),
            verdict: Verdict::PartiallyConfirmed,
            claim: Some(claim),
            note: Some("Confirmed for 24 crossing points at the hearing.".into()),
            evidence: vec![],
        }),
    )?;
    s.days(5);
    let proposal = s.rec(
        "sbgs",
        Body::HandoverProposed(Transfer {
            commitment: c("AP-2026/2.1"),
            to: b("customs"),
            reason: "Customs operates the shared data platform".into(),
        }),
    )?;
    s.days(4);
    s.rec(
        "customs",
        Body::HandoverAccepted(HandoverAnswer {
            commitment: c("AP-2026/2.1"),
            proposal,
            reason: None,
        }),
    )?;
    let request = s.rec(
        "customs",
        Body::DeadlineExtensionRequested(DeadlineRequest {
            commitment: c("AP-2026/2.1"),
            deadline: d("2026-12-31"),
            reason: "Equipment deliveries slipped by two quarters".into(),
        }),
    )?;
    s.days(7);
    s.rec(
        "iwg",
        Body::DeadlineChanged(DeadlineChanged {
            commitment: c("AP-2026/2.1"),
            deadline: d("2026-12-31"),
            reason: "Granted at the working group's meeting".into(),
            request: Some(request),
        }),
    )?;
    s.rec(
        "rada-eu",
        Body::InquiryRaised(InquiryRaised {
            inquiry: InquiryId::parse("Q-2026-01").map_err(|e| anyhow!(e))?,
            to: b("customs"),
            commitment: Some(c("AP-2026/2.1")),
            question: "Which crossing points remain unconnected, and why?".into(),
            due: d("2026-04-15"),
        }),
    )?;
    s.days(6);
    s.rec(
        "customs",
        Body::InquiryAnswered(InquiryAnswered {
            inquiry: InquiryId::parse("Q-2026-01").map_err(|e| anyhow!(e))?,
            answer: "Fifty crossing points; the list is attached.".into(),
            evidence: evidence(
                "list",
                "https://example.org/customs/list.xlsx",
                "Letter of 2026-04-10",
            ),
        }),
    )?;
    let mut made = Fixture::commitment("AP-2026/3.4", None, "2026-09-30");
    made.title_uk = "Навчання персоналу з аналізу ризиків".into();
    made.title_en = Some("Risk analysis training for staff".into());
    made.indicators[0].name_uk = "Навчені працівники".into();
    made.indicators[0].unit = Some("officers".into());
    made.indicators[0].target = Some(dec("400"));
    s.rec("mia", Body::CommitmentMade(made))?;
    s.rec(
        "mia",
        Body::IndicatorMeasured(IndicatorMeasured {
            commitment: c("AP-2026/3.4"),
            indicator: IndicatorId::parse("i1").map_err(|e| anyhow!(e))?,
            value: dec("120"),
            as_of: d("2026-03-01"),
            evidence: vec![],
        }),
    )?;
    let size = s.ledger.size();
    drop(s.ledger);
    datadir::write_private(
        &dir.join(KEY_FILE),
        &crate::core::keys::private_key_pem(&crate::fixture::demo_key(&format!("ledger:{ORIGIN}"))),
    )?;
    let ids = bodies.iter().map(|b| b.0).chain(["registry"]);
    for id in ids {
        datadir::write_private(
            &dir.join("keys").join(format!("{id}.pem")),
            &crate::core::keys::private_key_pem(&crate::fixture::demo_key(id)),
        )?;
    }
    Ok(size)
}

/// Creates the demo ledger if `dir` holds none, verifies it, and prints what to try.
pub fn run(dir: &Path) -> Result<u8> {
    if !dir.join(STORE_FILE).exists() {
        let n = build(dir)?;
        println!("built the demo ledger in {} ({n} entries)", dir.display());
    }
    let store = datadir::open_store(dir)?;
    let snap = store.snapshot()?;
    let cp = snap
        .checkpoint()?
        .ok_or_else(|| anyhow!("the demo ledger is empty"))?;
    let vkey = Fixture::new(ORIGIN).ledger_signer.verifier().to_vkey();
    let report = crate::verify::verify(
        &vkey,
        cp.as_bytes(),
        &mut crate::verify::SnapshotSource {
            snapshot: &*snap,
            next: 0,
        },
        &crate::verify::Options {
            trusted: None,
            progress: &|_| {},
        },
    );
    println!(
        "ledger {ORIGIN}: {} entries, root {}",
        snap.size(),
        report.root.as_deref().unwrap_or("?")
    );
    println!("verifier key (demo): {vkey}");
    match &report.failure {
        None => println!("verified: every entry, signature, key and rule"),
        Some(f) => println!("INVALID: {}", f.message),
    }
    println!();
    println!("Try:");
    println!("  kordon --data {} log", dir.display());
    println!(
        "  kordon --data {} export --out demo.export && kordon verify demo.export",
        dir.display()
    );
    println!(
        "Demo keys (for this example only) are in {}/keys.",
        dir.display()
    );
    Ok(if report.valid { 0 } else { 1 })
}
