//! The example ledger (events/examples/ibm-2026.toml): the committed export is exactly what the
//! scenario builds, it verifies, and its story exercises what the README walks through.

use kordon::core::chain;
use kordon::core::event::EVENT_TYPES;
use kordon::core::projection::views;
use kordon::core::types::{BodyId, CommitmentId, Date};
use kordon::scenario;
use kordon::store::Store;
use std::collections::BTreeMap;

fn repo(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn verify(export: &[u8], vkey: &str) -> kordon::verify::Report {
    let header = kordon::export::ExportReader::open(export).unwrap();
    kordon::verify::verify(
        vkey,
        &header.checkpoint,
        &mut kordon::verify::ExportSource(kordon::export::ExportReader::open(export).unwrap()),
        &kordon::verify::Options {
            trusted: None,
            progress: &|_| {},
        },
    )
}

#[test]
fn the_committed_export_is_what_the_scenario_builds_and_it_verifies() {
    // The scenario compiled into the binary is the file in the repository.
    let text = std::fs::read_to_string(repo(scenario::EXAMPLE_PATH)).unwrap();
    assert_eq!(text, scenario::EXAMPLE);
    let built = scenario::build(scenario::EXAMPLE_PATH, &text).unwrap();
    let export = built.export().unwrap();
    let committed = std::fs::read(repo(scenario::EXAMPLE_EXPORT_PATH)).unwrap();
    assert!(
        committed == export,
        "{} is stale; regenerate it with: cargo run -p example-gen -- scenario {} --out {}",
        scenario::EXAMPLE_EXPORT_PATH,
        scenario::EXAMPLE_PATH,
        scenario::EXAMPLE_EXPORT_PATH
    );
    // Building again gives the same bytes.
    assert_eq!(scenario::build_example().unwrap().export().unwrap(), export);
    // It verifies under the demo ledger key that `kordon demo` publishes.
    assert_eq!(built.origin, kordon::demo::ORIGIN);
    let vkey = kordon::demo::verifier_key().unwrap();
    assert_eq!(built.verifier_key, vkey);
    let report = verify(&committed, &vkey);
    assert!(report.valid, "{:?}", report.failure);
    assert_eq!(report.entries_verified, built.entries);
}

#[test]
fn the_example_exercises_every_event_type_over_2026() {
    let built = scenario::build_example().unwrap();
    let snap = built.store.snapshot().unwrap();
    let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
    let mut first = None;
    let mut last = None;
    for (i, e) in snap
        .entries(0, snap.size())
        .unwrap()
        .into_iter()
        .enumerate()
    {
        let p = chain::prepare(e, i as u64).unwrap();
        assert_eq!(p.event.id.as_str(), format!("ex-{:04}", i + 1));
        *counts.entry(p.event.kind().name()).or_default() += 1;
        first.get_or_insert(p.recorded_at);
        last = Some(p.recorded_at);
    }
    for t in EVENT_TYPES {
        assert!(counts.contains_key(t), "{t} is missing: {counts:?}");
    }
    let first = first.unwrap().to_rfc3339();
    let last = last.unwrap().to_rfc3339();
    assert!(first.starts_with("2026-01-"), "{first}");
    // The story ends before its "today", 2026-11-27.
    assert!(last.as_str() < "2026-11-27", "{last}");
    // The figures README.md gives: 17 bodies, 5 objectives, 20 commitments, 170 entries.
    assert_eq!(counts["body.registered"] + 1, 17);
    assert_eq!(counts["objective.defined"], 5);
    assert_eq!(
        counts["commitment.assigned"] + counts["commitment.made"],
        20
    );
    assert_eq!(snap.size(), 170);
    assert!(counts["deadline.changed"] >= 3);
}

#[test]
fn the_story_holds_what_the_readme_asks_about() {
    let built = scenario::build_example().unwrap();
    let snap = built.store.snapshot().unwrap();
    let h = kordon::projector::rebuild(&*snap, snap.size()).unwrap();
    let c = |s: &str| CommitmentId::parse(s).unwrap();
    let b = |s: &str| BodyId::parse(s).unwrap();
    let d = |s: &str| Date::parse(s).unwrap();
    // Responsibility changes hands: SBGS led AP-2026/2.1 in March, customs leads it now.
    let item = &h.commitments[&c("AP-2026/2.1")];
    assert_eq!(
        item.lead_at(h.point_at_date(d("2026-03-31")).size),
        Some(b("sbgs"))
    );
    assert_eq!(item.lead_at(h.size()), Some(b("customs")));
    // One deadline extended twice, both on request.
    let scanners = &h.commitments[&c("AP-2026/1.1")];
    assert_eq!(scanners.deadlines.len(), 2);
    assert!(scanners.deadlines.iter().all(|x| x.request.is_some()));
    assert_eq!(scanners.deadline_at(h.size()), d("2027-03-31"));
    // Overdue on the story's today: items, a late inquiry, an assignment never accepted.
    let today = h.point_at_date(d(kordon::demo::TODAY));
    let o = views::overdue(&h, today, None);
    let overdue: Vec<_> = o.overdue.iter().map(|x| x.commitment.to_string()).collect();
    assert_eq!(overdue, ["AP-2026/3.2", "AP-2026/4.2", "AP-2026/1.3"]);
    assert_eq!(o.inquiries_past_due.len(), 1);
    assert_eq!(o.inquiries_past_due[0].inquiry.as_str(), "Q-2026-04");
    assert_eq!(o.never_accepted.len(), 1);
    assert!(!o.at_risk.is_empty());
    // The claim contested by civil society was assessed by the committee at the second hearing.
    let sps = &h.commitments[&c("AP-2026/4.2")];
    let verdicts: Vec<_> = sps
        .assessments
        .iter()
        .map(|a| (a.by.to_string(), views_name(a.verdict)))
        .collect();
    assert_eq!(
        verdicts,
        [
            ("cmu".to_string(), "contested"),
            ("rada-eu".to_string(), "not_confirmed")
        ]
    );
    // Between the hearings things changed; the briefing of week 37 has content.
    let changes = views::changes(
        &h,
        h.point_at_date(d("2026-04-15")),
        h.point_at_date(d("2026-10-15")),
    );
    let rows =
        kordon::core::projection::views::Tabular::table(&changes, kordon::core::l10n::Lang::En)
            .rows
            .len();
    assert!(rows > 40, "{rows}");
    // The succeeded hromada's item passed to its successor.
    assert_eq!(
        h.commitments[&c("AP-2026/5.3")].lead_at(h.size()),
        Some(b("hromada-ob"))
    );
    assert!(h.bodies[&b("hromada-pr")].succeeded.is_some());
}

fn views_name(v: kordon::core::event::Verdict) -> &'static str {
    kordon::core::projection::verdict_name(v)
}

#[test]
fn an_edit_that_breaks_a_rule_fails_with_its_line_and_the_rule() {
    // Customs, not the police, must accept the handover customs was offered.
    let needle = "by = \"customs\"\ntype = \"handover.accepted\"";
    assert!(scenario::EXAMPLE.contains(needle));
    let edited = scenario::EXAMPLE.replace(needle, "by = \"police\"\ntype = \"handover.accepted\"");
    let line = scenario::EXAMPLE[..scenario::EXAMPLE.find(needle).unwrap()]
        .lines()
        .count()
        - 1;
    let err = scenario::build("edited.toml", &edited)
        .err()
        .expect("the edit breaks a rule")
        .to_string();
    assert!(
        err.starts_with(&format!(
            "edited.toml:{line}: [[event]] handover.accepted by police"
        )),
        "{err}"
    );
    assert!(err.contains("rule handover.accept.receiver-only"), "{err}");
}

#[test]
fn the_demo_data_directory_holds_the_example_and_its_demo_keys() {
    let dir = tempfile::tempdir().unwrap();
    let n = kordon::demo::build(dir.path()).unwrap();
    let store = kordon::datadir::open_store(dir.path()).unwrap();
    assert_eq!(store.snapshot().unwrap().size(), n);
    let mut out = Vec::new();
    kordon::export::write(&store, &kordon::demo::verifier_key().unwrap(), &mut out).unwrap();
    assert_eq!(
        out,
        std::fs::read(repo(scenario::EXAMPLE_EXPORT_PATH)).unwrap()
    );
    // Customs rotated its key in June: its key file is the new key.
    let customs = kordon::datadir::read_key(&dir.path().join("keys/customs.pem")).unwrap();
    assert_eq!(
        customs.to_bytes(),
        kordon::fixture::demo_key("demo:customs:2026-06").to_bytes()
    );
    let readme = std::fs::read_to_string(dir.path().join("keys/README.txt")).unwrap();
    assert!(readme.starts_with("DEMO KEYS"), "{readme}");
}

#[test]
fn every_summary_and_reason_of_the_example_reads_in_ukrainian() {
    let built = scenario::build_example().unwrap();
    let snap = built.store.snapshot().unwrap();
    let h = kordon::projector::rebuild(&*snap, snap.size()).unwrap();
    let b = |s: &str| BodyId::parse(s).unwrap();
    let d = |s: &str| Date::parse(s).unwrap();
    // What may stay in Latin letters: ids and codes, and what the partners wrote in English.
    let mut ids: std::collections::BTreeSet<String> =
        h.bodies.keys().map(|b| b.to_string()).collect();
    ids.extend(h.commitments.keys().map(|c| c.to_string()));
    ids.extend(h.inquiries.keys().map(|q| q.to_string()));
    for c in h.commitments.values() {
        ids.extend(c.fields.indicators.iter().map(|i| i.id.to_string()));
    }
    let partners = [b("eu4ibm"), b("euam")];
    let latin = |text: &str| -> Vec<String> {
        text.split(|c: char| !(c.is_alphanumeric() || "-_/.".contains(c)))
            .map(|w| w.trim_matches('.'))
            .filter(|w| w.chars().any(|c| c.is_ascii_alphabetic()))
            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()) && !ids.contains(*w))
            .map(str::to_string)
            .collect()
    };
    let mut seen = 0;
    for c in h.commitments.values() {
        for r in c.history.iter().filter(|r| !partners.contains(&r.author)) {
            assert!(!r.summary.uk.is_empty() && !r.summary.en.is_empty());
            assert_ne!(r.summary.uk, r.summary.en, "{} {}", c.id, r.seq);
            let words = latin(&r.summary.uk);
            assert!(
                words.is_empty(),
                "{} entry {}: {:?} in «{}»",
                c.id,
                r.seq,
                words,
                r.summary.uk
            );
            seen += 1;
        }
    }
    assert!(seen > 100, "{seen} summaries");
    // At-risk reasons and data-quality problems too, at the story's today.
    let p = h.point_at_date(d("2026-11-27"));
    let o = views::overdue(&h, p, None);
    assert!(!o.at_risk.is_empty());
    for r in &o.at_risk {
        let uk = r.reason.text(kordon::core::l10n::Lang::Uk);
        assert!(latin(&uk).is_empty(), "{uk}");
        assert_ne!(uk, r.reason.text(kordon::core::l10n::Lang::En));
    }
    let q = views::data_quality(&h, p);
    assert!(!q.issues.is_empty());
    for i in &q.issues {
        assert!(latin(&i.detail.uk).is_empty(), "{}", i.detail.uk);
    }
}

/// `event::parse` reads the events kordon writes straight into typed events; the general way
/// (a JSON tree written out canonically and compared) decides everything else. Every event of
/// the example takes the straight way, and whatever one-byte change of one event of each type
/// the straight way still accepts, the general way accepts as the same event.
#[test]
fn the_straight_and_the_general_parse_agree_on_every_example_event_and_its_mutations() {
    use kordon::core::entry::EntryRef;
    use kordon::core::event;
    let built = scenario::build_example().unwrap();
    let snap = built.store.snapshot().unwrap();
    let events: Vec<Vec<u8>> = snap
        .entries(0, snap.size())
        .unwrap()
        .iter()
        .map(|e| EntryRef::decode(e).unwrap().event.to_vec())
        .collect();
    let mut one_of_each: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for b in &events {
        let plain = event::parse_plain(b).expect("every event kordon writes is plainly canonical");
        assert_eq!(Ok(plain.clone()), event::parse_general(b));
        one_of_each
            .entry(plain.kind().name().to_string())
            .or_insert_with(|| b.clone());
    }
    assert_eq!(one_of_each.len(), EVENT_TYPES.len());
    let (mut accepted, mut refused) = (0u32, 0u32);
    for b in one_of_each.values() {
        for i in 0..b.len() {
            let mut variants = Vec::new();
            for c in [b'0', b'"', b'a'] {
                let mut v = b.clone();
                v[i] = c;
                variants.push(v);
            }
            let mut v = b.clone();
            v.remove(i);
            variants.push(v);
            for v in variants {
                match event::parse_plain(&v) {
                    Some(ev) => {
                        accepted += 1;
                        assert_eq!(
                            Ok(ev),
                            event::parse_general(&v),
                            "{}",
                            String::from_utf8_lossy(&v)
                        );
                    }
                    None => {
                        refused += 1;
                        // Whatever the straight way refuses, parse still decides the general way.
                        assert_eq!(event::parse(&v), event::parse_general(&v));
                    }
                }
            }
        }
    }
    // Both outcomes were reached, so both halves of the agreement were tested.
    assert!(accepted > 100 && refused > 1000, "{accepted} {refused}");
}
