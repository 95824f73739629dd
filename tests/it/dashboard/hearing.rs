//! The pages a hearing needs, through the router: the hearing comparison's cells against the
//! projections' as-of answers, the divergence board and the card's claim beside its own
//! assessment, the deadline-change log and data quality across all items, body kinds and the
//! "involving" filter, the briefing as a handout (overdue counted to today, as the CLI does),
//! and CSV downloads (BOM, headers in the page's language, numbers as numbers, file names with
//! the day and the checkpoint's size).

use super::{example, fetch};
use axum::http::{header, StatusCode};
use kordon::core::projection::views::{self, BodyKind, DivergenceKind};
use kordon::core::projection::History;
use kordon::core::types::CommitmentId;
use kordon::query;

/// Every `<tr data-id=…>` of the table `id`, with its cells' `data-col`, `data-then` and
/// `data-now`.
/// A row of the comparison: the item's id, and each cell's column, then and now.
type CompareRow = (String, Vec<(String, String, String)>);

fn compare_rows(html: &str) -> Vec<CompareRow> {
    let table = &html[html.find("id=\"compare\"").expect("the comparison table")..];
    let table = &table[..table.find("</table>").unwrap()];
    let attr = |tag: &str, a: &str| -> String {
        let k = format!("{a}=\"");
        tag.find(&k)
            .map(|i| {
                let rest = &tag[i + k.len()..];
                unescape(&rest[..rest.find('"').unwrap()])
            })
            .unwrap_or_default()
    };
    table
        .split("<tr data-id=\"")
        .skip(1)
        .map(|row| {
            let id = unescape(&row[..row.find('"').unwrap()]);
            let cells = row
                .split("<td ")
                .skip(1)
                .map(|td| {
                    let tag = &td[..td.find('>').unwrap()];
                    (
                        attr(tag, "data-col"),
                        attr(tag, "data-then"),
                        attr(tag, "data-now"),
                    )
                })
                .collect();
            (id, cells)
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&#x2F;", "/")
        .replace("&#47;", "/")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// What the comparison should show for a commitment at a point, from the projections.
fn expected(
    h: &History,
    id: &CommitmentId,
    p: kordon::core::projection::Point,
    col: &str,
) -> String {
    let c = &h.commitments[id];
    if !c.exists_at(p.size) {
        return String::new();
    }
    match col {
        "phase" => c.phase_at(p.size).name().to_string(),
        "lead" => c.lead_at(p.size).map(|b| b.to_string()).unwrap_or_default(),
        "deadline" => c.deadline_at(p.size).to_string(),
        "claim" => c
            .claim_at(p.size)
            .map(|x| format!("{} {}", x.seq, x.status.name()))
            .unwrap_or_default(),
        "assessment" => c
            .assessment_at(p.size)
            .map(|x| format!("{} {}", x.seq, x.verdict.name()))
            .unwrap_or_default(),
        other => panic!("unknown column {other}"),
    }
}

#[tokio::test]
async fn the_hearing_comparison_shows_each_item_then_and_now_as_the_projections_answer() {
    let (_ledger, state) = example();
    let app = kordon::server::router(state.clone());
    let h = state.projector().read().clone();
    for (lang, from, to) in [
        ("uk", "2026-04-15", "2026-10-15"),
        ("en", "2026-04-15", "2026-10-15"),
        ("uk", "2026-01-31", "2026-11-27"),
    ] {
        let path = format!("/dashboard/hearing?from={from}&to={to}&lang={lang}");
        let p = fetch(&app, &path, None).await;
        assert_eq!(p.status, StatusCode::OK, "{path}: {}", p.body);
        let a = query::point(&h, from, None).unwrap();
        let b = query::point(&h, to, None).unwrap();
        let rows = compare_rows(&p.body);
        let exist: Vec<&CommitmentId> = h
            .commitments
            .values()
            .filter(|c| c.exists_at(b.size))
            .map(|c| &c.id)
            .collect();
        assert_eq!(
            rows.len(),
            exist.len(),
            "{path}: a row per item at the later point"
        );
        let mut changed = 0;
        for (id, cells) in &rows {
            let cid = CommitmentId::parse(id).unwrap();
            assert_eq!(cells.len(), 5, "{path} {id}");
            for (col, then, now) in cells {
                assert_eq!(then, &expected(&h, &cid, a, col), "{path} {id} {col} then");
                assert_eq!(now, &expected(&h, &cid, b, col), "{path} {id} {col} now");
                if then != now {
                    changed += 1;
                }
            }
        }
        assert!(
            changed > 0,
            "{path}: something changed between the hearings"
        );
        // An item without a lead (replaced, cancelled) shows a dash, not an empty cell.
        let mut leadless = 0;
        for td in p
            .body
            .split("<td ")
            .filter(|td| td.starts_with("data-label") && td.contains("data-col=\"lead\""))
        {
            let tag_end = td.find('>').unwrap();
            if td[..tag_end].contains("data-now=\"\"") {
                assert!(td[tag_end..].contains("—"), "{path}: {td}");
                leadless += 1;
            }
        }
        assert!(
            leadless > 0,
            "{path}: the example replaces and cancels items"
        );
        // A changed cell is highlighted, an unchanged one is not.
        assert!(p.body.contains("class=\"changed\""), "{path}");
        let label = if lang == "uk" { "Тоді" } else { "Then" };
        assert!(
            p.body.contains(label),
            "{path}: labels in the page's language"
        );
    }
    // By default: from the latest hearing the ledger records (a note by the parliamentary
    // committee) to now; the hearings are offered as links.
    let p = fetch(&app, "/dashboard/hearing", None).await;
    assert_eq!(p.status, StatusCode::OK);
    let hearings = views::hearings(&h);
    let days: Vec<String> = hearings.iter().map(|x| x.0.to_string()).collect();
    assert_eq!(days, ["2026-04-15", "2026-10-15"]);
    assert!(
        p.body.contains("name=\"from\" value=\"2026-10-15\""),
        "the default"
    );
    assert!(p.body.contains("from=2026-04-15&amp;to=2026-10-15"));
    // Only the changed rows.
    let all = compare_rows(
        &fetch(
            &app,
            "/dashboard/hearing?from=2026-04-15&to=2026-10-15",
            None,
        )
        .await
        .body,
    );
    let only = compare_rows(
        &fetch(
            &app,
            "/dashboard/hearing?from=2026-04-15&to=2026-10-15&changed=1",
            None,
        )
        .await
        .body,
    );
    assert!(
        only.len() < all.len() && !only.is_empty(),
        "{} of {}",
        only.len(),
        all.len()
    );
    // Bad input: a clear 400, in the page.
    for bad in [
        "from=2026-10-15&to=2026-04-15",
        "from=yesterday",
        "to=99999999",
    ] {
        let p = fetch(&app, &format!("/dashboard/hearing?{bad}"), None).await;
        assert_eq!(p.status, StatusCode::BAD_REQUEST, "{bad}: {}", p.body);
        assert!(p.body.contains("role=\"alert\""), "{bad}");
    }
    // The CSV: a row per item, both points' values side by side.
    let p = fetch(
        &app,
        "/dashboard/hearing?from=2026-04-15&to=2026-10-15&format=csv",
        None,
    )
    .await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.body.starts_with('\u{feff}'));
    let mut r = csv::Reader::from_reader(p.body.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[0], "Зобов’язання");
    assert_eq!(header[7], "Строк (Тоді)");
    assert_eq!(r.records().count(), all.len());
}

#[tokio::test]
async fn the_divergence_board_lists_what_the_view_finds_and_the_card_reads_right() {
    let (_ledger, state) = example();
    let app = kordon::server::router(state.clone());
    let h = state.projector().read().clone();
    let p = h.point_at_size(h.size());
    let v = views::divergence(&h, p);
    for k in DivergenceKind::ALL {
        assert!(
            v.items.iter().any(|i| i.kind == k),
            "the example has a case of {k:?}"
        );
    }
    let page = fetch(&app, "/dashboard/divergence", None).await;
    assert_eq!(page.status, StatusCode::OK);
    for k in DivergenceKind::ALL {
        let sect = &page.body[page.body.find(&format!("id=\"d-{}\"", k.name())).unwrap()..];
        let sect = &sect[..sect.find("</section>").unwrap()];
        let n = v.items.iter().filter(|i| i.kind == k).count();
        assert_eq!(sect.matches("<tr><th scope=\"row\"").count(), n, "{k:?}");
        for i in v.items.iter().filter(|i| i.kind == k) {
            assert!(
                sect.contains(&format!(
                    "id={}",
                    kordon::server::dashboard::html::encode(i.commitment.as_str())
                )) || sect.contains(i.commitment.as_str()),
                "{k:?} {}",
                i.commitment
            );
        }
    }
    // Each kind's rule, checked on the projections.
    for i in &v.items {
        let c = &h.commitments[&i.commitment];
        let claim = c.claim_at(p.size).unwrap();
        assert_eq!(&i.claim, claim);
        match i.kind {
            DivergenceKind::Unconfirmed => {
                assert_eq!(claim.status, kordon::core::event::Status::Implemented);
                assert!(c
                    .assessment_of(&claim.event_id, p.size)
                    .is_none_or(|a| a.verdict != kordon::core::event::Verdict::Confirmed));
            }
            DivergenceKind::Contested => assert!(matches!(
                c.assessment_at(p.size).unwrap().verdict,
                kordon::core::event::Verdict::Contested
                    | kordon::core::event::Verdict::NotConfirmed
            )),
            DivergenceKind::NoEvidence => assert!(claim.evidence.is_empty()),
            DivergenceKind::StaleAssessment => {
                assert!(c.assessment_at(p.size).unwrap().seq < claim.seq)
            }
        }
    }
    // Card 2.1: the September claim has no assessment of its own; the April assessment is
    // shown as the assessment of an earlier report, with that report's date.
    let id = CommitmentId::parse("AP-2026/2.1").unwrap();
    assert!(v
        .items
        .iter()
        .any(|i| i.commitment == id && i.kind == DivergenceKind::StaleAssessment));
    let card = fetch(&app, "/dashboard/commitment?id=AP-2026/2.1", None)
        .await
        .body;
    let panel = &card[card.find("id=\"latest-assessment\"").unwrap()..];
    let panel = &panel[..panel.find("</article>").unwrap()];
    assert!(
        panel.starts_with("id=\"latest-assessment\" data-of=\"earlier\""),
        "{panel}"
    );
    assert!(panel.contains("Цей звіт ще не оцінено"), "{panel}");
    let assessed = &h.commitments[&id]
        .assessment_at(p.size)
        .unwrap()
        .claim
        .clone()
        .unwrap();
    let day = h.commitments[&id]
        .claims
        .iter()
        .find(|c| &c.event_id == assessed)
        .map(|c| h.date_of(c.at))
        .unwrap();
    assert!(
        panel.contains(&format!("datetime=\"{day}\"")),
        "the assessed report's date: {panel}"
    );
    // As of 2026-05-01 the latest claim is the one assessed: shown as its own assessment.
    let card = fetch(
        &app,
        "/dashboard/commitment?id=AP-2026/2.1&as_of=2026-05-01",
        None,
    )
    .await
    .body;
    assert!(card.contains("id=\"latest-assessment\" data-of=\"latest\""));
}

#[tokio::test]
async fn the_deadline_log_and_data_quality_list_every_row_and_download_for_excel() {
    let (_ledger, state) = example();
    let app = kordon::server::router(state.clone());
    let h = state.projector().read().clone();
    let p = query::ask(
        &h,
        &query::Request::default(),
        kordon::ledger::system_clock()(),
    )
    .unwrap()
    .at;
    let log = views::deadline_changes(&h, p);
    assert!(log.changes.len() >= 3, "the example redates several items");
    let page = fetch(&app, "/dashboard/deadlines", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let table = &page.body[page.body.find("id=\"deadline-log\"").unwrap()..];
    assert_eq!(table.matches("<tr><td").count(), log.changes.len());
    for r in &log.changes {
        assert!(
            table.contains(&r.change.reason.replace('\'', "&#39;"))
                || table.contains(&r.change.reason),
            "{}",
            r.change.reason
        );
        let total = h.commitments[&r.commitment].deadlines.len() as u32;
        assert_eq!(r.of, total);
    }
    // CSV: BOM, Ukrainian header, days as a bare integer, a dated and sized file name.
    let csv_page = fetch(&app, "/dashboard/deadlines?format=csv", None).await;
    assert_eq!(csv_page.status, StatusCode::OK);
    assert_eq!(
        csv_page.headers[header::CONTENT_TYPE],
        "text/csv; charset=utf-8"
    );
    let cd = csv_page.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert_eq!(
        cd,
        format!(
            "attachment; filename=\"deadline-changes-{}-{}.csv\"",
            p.today, p.size
        )
    );
    assert!(csv_page.body.starts_with('\u{feff}'));
    let mut r = csv::Reader::from_reader(csv_page.body.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header[7], "Днів перенесено");
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), log.changes.len());
    for (row, want) in rows.iter().zip(&log.changes) {
        assert_eq!(
            row[7].parse::<i64>().unwrap(),
            want.days,
            "an integer column"
        );
        assert_eq!(&row[1], want.commitment.as_str());
        assert!(!row[2].is_empty(), "the title beside the id");
    }
    let en = fetch(&app, "/dashboard/deadlines?format=csv&lang=en", None)
        .await
        .body;
    assert!(
        en.trim_start_matches('\u{feff}')
            .starts_with("Date,Commitment,Title"),
        "{}",
        &en[..60]
    );

    // Data quality: every issue of the view, under its kind.
    let q = views::data_quality(&h, p);
    assert!(!q.issues.is_empty());
    let page = fetch(&app, "/dashboard/quality", None).await;
    assert_eq!(page.status, StatusCode::OK);
    for kind in [
        "no_indicator",
        "indicator_incomplete",
        "claim_without_evidence",
        "never_reports",
    ] {
        let n = q.issues.iter().filter(|i| i.kind == kind).count();
        let sect = &page.body[page.body.find(&format!("id=\"q-{kind}\"")).unwrap()..];
        let sect = &sect[..sect.find("</section>").unwrap()];
        assert_eq!(sect.matches("<tr><td").count(), n, "{kind}");
    }
    let qcsv = fetch(&app, "/dashboard/quality?format=csv", None).await;
    let mut r = csv::Reader::from_reader(qcsv.body.trim_start_matches('\u{feff}').as_bytes());
    assert_eq!(r.records().count(), q.issues.len());
    // The scorecard and the briefing download too, their counts as numbers.
    let sc = fetch(&app, "/dashboard/bodies?format=csv", None).await;
    assert_eq!(sc.status, StatusCode::OK);
    assert!(sc.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains(&format!("scorecard-{}-{}.csv", p.today, p.size)));
    let mut r = csv::Reader::from_reader(sc.body.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), h.bodies.len());
    for row in &rows {
        for cell in row.iter().skip(3) {
            cell.parse::<u32>()
                .unwrap_or_else(|_| panic!("a count: {cell:?}"));
        }
    }
    let b = fetch(&app, "/dashboard/briefing?week=2026-W37&format=csv", None).await;
    assert_eq!(b.status, StatusCode::OK);
    assert!(b.body.starts_with('\u{feff}'));
    let cp = h.point_at_date(kordon::core::types::Date::parse("2026-09-13").unwrap());
    assert!(b.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains(&format!("briefing-2026-09-13-{}.csv", cp.size)));
    let commitments = fetch(&app, "/dashboard/commitments?format=csv", None).await;
    assert!(commitments.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .contains(&format!("commitments-{}-{}.csv", p.today, p.size)));
    // The CLI's CSV stays plain UTF-8.
    let cli = query::answer(
        &h,
        &*state.store().snapshot().unwrap(),
        query::View::Quality,
        &Default::default(),
        kordon::ledger::system_clock()(),
    )
    .unwrap();
    assert!(!cli
        .csv(kordon::core::l10n::Lang::Uk)
        .unwrap()
        .starts_with('\u{feff}'));
}

#[tokio::test]
async fn body_kinds_read_the_recorded_texts_and_filter_the_commitments() {
    for (text, kind) in [
        ("local authority (border hromada)", BodyKind::LocalAuthority),
        ("міська рада", BodyKind::LocalAuthority),
        ("ministry", BodyKind::Ministry),
        ("Міністерство внутрішніх справ", BodyKind::Ministry),
        ("law-enforcement agency", BodyKind::Agency),
        ("central executive body", BodyKind::Agency),
        ("state agency", BodyKind::Agency),
        ("secretariat", BodyKind::CoordinationBody),
        ("interagency working group", BodyKind::CoordinationBody),
        ("coordination centre", BodyKind::CoordinationBody),
        ("parliamentary committee", BodyKind::Parliament),
        ("Комітет Верховної Ради", BodyKind::Parliament),
        ("international partner", BodyKind::Partner),
        ("civil-society organisation", BodyKind::CivilSociety),
        ("громадська організація", BodyKind::CivilSociety),
        ("an observatory", BodyKind::Other),
    ] {
        assert_eq!(BodyKind::of(text), kind, "{text}");
    }
    let (_ledger, state) = example();
    let app = kordon::server::router(state.clone());
    let h = state.projector().read().clone();
    let p = h.point_at_size(h.size());
    // Every body of the example falls in the vocabulary (none is "other").
    for b in h.bodies.values() {
        assert_ne!(
            BodyKind::of(&b.kind),
            BodyKind::Other,
            "{}: {}",
            b.id,
            b.kind
        );
    }
    let local: Vec<String> = h
        .commitments
        .values()
        .filter(|c| c.exists_at(p.size))
        .filter(|c| {
            c.bodies_at(p.size)
                .iter()
                .any(|b| h.body_kind(b) == BodyKind::LocalAuthority)
        })
        .map(|c| c.id.to_string())
        .collect();
    assert!(!local.is_empty(), "the example involves hromadas");
    let page = fetch(
        &app,
        "/dashboard/commitments?involving=local_authority",
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    let shown = super::visible_rows(&page.body);
    let ids: Vec<String> = shown.into_iter().map(|(id, _)| id).collect();
    let mut want = local.clone();
    want.sort_by(|a, b| kordon::server::dashboard::html::natural_cmp(a, b));
    assert_eq!(ids, want);
    assert!(page.body.contains("органи місцевого самоврядування"));
    let en = fetch(
        &app,
        "/dashboard/commitments?involving=local_authority&lang=en",
        None,
    )
    .await;
    assert!(en.body.contains(">local authorities</option>"));
}

#[tokio::test]
async fn the_briefing_is_a_handout_that_counts_the_current_week_to_today() {
    let (_ledger, state) = example();
    let app = kordon::server::router(state.clone());
    let h = state.projector().read().clone();
    let page = fetch(&app, "/dashboard/briefing?week=2026-W37", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let b = &page.body;
    assert!(b.contains("<h1>Тижнева довідка, <span class=\"daterange\" data-from=\"2026-09-07\" data-to=\"2026-09-13\">"), "the title in words");
    assert!(b.contains("Видає</dt><dd>"), "the issuing body");
    let committee = h
        .bodies
        .values()
        .find(|x| BodyKind::of(&x.kind) == BodyKind::Parliament)
        .unwrap();
    assert!(b.contains(&format!(
        "Видає</dt><dd>{}",
        kordon::server::dashboard::html::esc(&committee.name_uk)
    )));
    assert!(b.contains("Підготовлено"));
    assert!(
        b.contains("class=\"brief-figures\""),
        "key figures at the top"
    );
    assert!(b.find("brief-figures").unwrap() < b.find("id=\"b-new\"").unwrap());
    // The footer: the fingerprint and a QR code of the verification of that checkpoint.
    let cp = h.point_at_date(kordon::core::types::Date::parse("2026-09-13").unwrap());
    let foot = &b[b.find("id=\"handout-foot\"").unwrap()..];
    assert!(foot.contains("<svg"), "a QR code");
    assert!(!foot.contains("<?xml"));
    assert!(foot.contains(&format!("/dashboard/integrity?as_of={}", cp.size)));
    let snap = state.store().snapshot().unwrap();
    let root = kordon::projector::at(&*snap, cp.size)
        .unwrap()
        .root
        .to_hex();
    assert!(foot.contains(&root));
    // Titles beside ids.
    let status = &b[b.find("id=\"b-status\"").unwrap()..];
    let status = &status[..status.find("</section>").unwrap()];
    // A section of one event type does not say the type again before each summary (it read
    // "звіт про стан стан «виконується»").
    assert!(!status.contains("class=\"kind\""), "{status}");
    assert!(
        status.contains("<td data-label=\"Зміст\">стан «"),
        "{status}"
    );
    assert!(
        status.contains("class=\"t\""),
        "titles beside the ids: {status}"
    );
    // The current week runs to today: overdue days as `kordon query briefing` counts them.
    let now = kordon::ledger::system_clock()();
    let today = h.date_of(now);
    let week = {
        let w = today.0.iso_week_date();
        format!("{:04}-W{:02}", w.year(), w.week())
    };
    let page = fetch(&app, &format!("/dashboard/briefing?week={week}"), None).await;
    assert_eq!(page.status, StatusCode::OK);
    let cli = query::ask(&h, &query::Request::default(), now)
        .unwrap()
        .briefing(&h)
        .unwrap()
        .1;
    for o in &cli.newly_overdue {
        let row = &page.body[page.body.find(&format!("{}</a>", o.commitment)).unwrap()..];
        let cell = &row[row.find("class=\"num bad\">").unwrap() + 16..];
        let days: i64 = cell[..cell.find('<').unwrap()].parse().unwrap();
        assert_eq!(days, o.days_over, "{}", o.commitment);
    }
    // The overdue items of the CLI's answer are counted to today.
    let p_today = query::ask(&h, &query::Request::default(), now).unwrap().at;
    for o in &cli.newly_overdue {
        assert_eq!(
            Some(o.days_over),
            h.commitments[&o.commitment].overdue_at(p_today)
        );
    }
    // Charts: the today line is labelled and dated; every bar shows its overdue count, which
    // links to those commitments.
    let card = fetch(&app, "/dashboard/commitment?id=AP-2026/2.1", None)
        .await
        .body;
    assert!(
        card.contains("class=\"today-label\""),
        "the today line is labelled"
    );
    assert!(
        card.contains(&format!(">сьогодні {}</text>", p_today.today)),
        "the today line names its date"
    );
    let overview = fetch(&app, "/", None).await.body;
    let scorecards = query::ask(&h, &query::Request::default(), now)
        .unwrap()
        .scorecard(&h)
        .1;
    let overdue_body = scorecards
        .bodies
        .iter()
        .find(|s| s.overdue > 0)
        .expect("a body with overdue items");
    assert!(
        overview.contains(&format!(
            "body={}&amp;overdue=1\">Прострочено {}</a>",
            overdue_body.body, overdue_body.overdue
        )),
        "the per-body chart shows overdue"
    );
    // Bad input: an unknown issuer.
    let p = fetch(
        &app,
        "/dashboard/briefing?week=2026-W37&issuer=nobody",
        None,
    )
    .await;
    assert_eq!(p.status, StatusCode::NOT_FOUND);
}

/// The pages in headless Chromium: at 390 px (a phone) and 1366 px (a laptop), in both
/// languages, no page is wider than the viewport; at 1366 px the commitments table and the
/// scorecard show every key column without scrolling; the briefing prints on at most two A4
/// pages. Screenshots of every page, both languages, both widths, go to `target/screenshots/`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone_and_a_laptop_and_the_briefing_prints_on_two_a4_pages() {
    use super::browser::{console_errors, js, load, screenshot_dir, serve, session, start_driver};
    let (_ledger, state) = example();
    let base = serve(kordon::server::router(state.clone())).await;
    let driver = start_driver();
    let tmp = tempfile::tempdir().unwrap();
    let downloads = tmp.path().join("downloads");
    std::fs::create_dir_all(&downloads).unwrap();
    let c = session(&driver, &tmp.path().join("profile"), &downloads).await;
    let run = async {
        let mut too_wide = Vec::new();
        for width in [390u32, 1366] {
            c.set_window_size(width, 900).await.unwrap();
            for lang in ["uk", "en"] {
                for (name, path) in super::PAGES {
                    let sep = if path.contains('?') { '&' } else { '?' };
                    let url = format!("{base}{path}{sep}lang={lang}");
                    load(&c, &url).await;
                    let errors = console_errors(&c).await;
                    assert!(errors.is_empty(), "{url}: console errors: {errors:?}");
                    let w = js(
                        &c,
                        "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]",
                    )
                    .await;
                    let (sw, cw) = (w[0].as_u64().unwrap(), w[1].as_u64().unwrap());
                    if sw > cw {
                        let culprit = js(&c, "var w = document.documentElement.clientWidth; var out = []; document.querySelectorAll('main *').forEach(function (e) { var r = e.getBoundingClientRect(); if (r.right > w + 1 && out.length < 3) out.push(e.tagName + '.' + e.className + ' ' + Math.round(r.right)); }); return out.join(', ')").await;
                        too_wide.push(format!("{name} {lang} {width}px: {sw} > {cw} ({culprit})"));
                    }
                    // A full-page screenshot at this width.
                    let h = js(&c, "return Math.min(8000, Math.max(document.documentElement.scrollHeight, 600))")
                        .await
                        .as_u64()
                        .unwrap_or(900) as u32;
                    c.set_window_size(width, h + 140).await.unwrap();
                    let png = c.screenshot().await.unwrap();
                    std::fs::write(
                        screenshot_dir().join(format!("{name}-{lang}-{width}.png")),
                        png,
                    )
                    .unwrap();
                    c.set_window_size(width, 900).await.unwrap();
                }
            }
            if width == 1366 {
                for (path, table) in [
                    ("/dashboard/commitments", "commitments"),
                    ("/dashboard/bodies", "scorecard"),
                ] {
                    for lang in ["uk", "en"] {
                        load(&c, &format!("{base}{path}?lang={lang}")).await;
                        let fits = js(
                            &c,
                            &format!("var t = document.getElementById('{table}'); var w = t.closest('.table-wrap'); return [w.scrollWidth, w.clientWidth]"),
                        )
                        .await;
                        assert!(
                            fits[0].as_u64() <= fits[1].as_u64(),
                            "{path} {lang}: the table scrolls sideways at 1366 px: {fits}"
                        );
                    }
                }
            }
        }
        assert!(
            too_wide.is_empty(),
            "pages wider than the viewport: {too_wide:#?}"
        );

        // The scorecard sorts by any column: by overdue, descending after two clicks.
        c.set_window_size(1366, 900).await.unwrap();
        load(&c, &format!("{base}/dashboard/bodies?lang=en")).await;
        let col = js(&c, "var hs = [...document.querySelectorAll('#scorecard thead th')]; return hs.findIndex(function (h) { return h.textContent.trim().startsWith('Overdue'); })").await.as_i64().unwrap();
        assert!(col > 1, "the overdue column");
        for _ in 0..2 {
            js(&c, &format!("document.querySelectorAll('#scorecard thead th')[{col}].querySelector('button').click(); return true")).await;
        }
        let values = js(&c, &format!("return [...document.querySelectorAll('#scorecard tbody tr')].map(function (r) {{ return Number(r.cells[{col}].textContent.trim()); }})")).await;
        let v: Vec<i64> = values
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect();
        let mut sorted = v.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(v, sorted, "sorted by overdue, descending");

        // The Integrity page tells apart a record that does not exist, a verifier key that is
        // not this ledger's, and a genuine record; each step in plain words, the technical
        // check folded.
        let verify = |seq: &str, vkey: Option<&str>| {
            let set_key = vkey
                .map(|k| format!("document.getElementById('vkey').value = {};", json_str(k)))
                .unwrap_or_default();
            format!(
                "{set_key} document.getElementById('verify-seq').value = '{seq}'; document.getElementById('verify-button').click(); return true"
            )
        };
        let result = "var r = document.getElementById('verify-result').dataset.result; return r !== 'running' && r";
        load(&c, &format!("{base}/dashboard/integrity?lang=uk")).await;
        js(&c, &verify("8", None)).await;
        assert_eq!(
            super::browser::until(&c, "a genuine record", result).await,
            "ok"
        );
        let plain = js(&c, "return [...document.querySelectorAll('#verify-steps li > .name')].map(function (n) { return n.textContent; }).join('|')").await;
        assert!(
            plain.as_str().unwrap().contains("без жодної зміни"),
            "{plain}"
        );
        let folded = js(&c, "return [...document.querySelectorAll('#verify-steps li details')].every(function (d) { return !d.open && d.querySelector('.detail'); })").await;
        assert_eq!(folded, serde_json::json!(true));
        js(&c, &verify("999999", None)).await;
        assert_eq!(
            super::browser::until(&c, "no such record", result).await,
            "missing"
        );
        let text = js(
            &c,
            "return document.getElementById('verify-result').textContent",
        )
        .await;
        assert!(
            text.as_str().unwrap().contains("Такого запису немає"),
            "{text}"
        );
        let genuine = js(&c, "return document.getElementById('vkey').value").await;
        let genuine = genuine.as_str().unwrap().to_string();
        let other = format!(
            "another.example/ledger{}",
            &genuine[genuine.find('+').unwrap()..]
        );
        js(&c, &verify("8", Some(&other))).await;
        assert_eq!(
            super::browser::until(&c, "a wrong key", result).await,
            "wrongkey"
        );
        let text = js(
            &c,
            "return document.getElementById('verify-result').textContent",
        )
        .await;
        assert!(text.as_str().unwrap().contains("не підходить"), "{text}");
        assert!(
            !text.as_str().unwrap().contains("НЕ пройшла"),
            "not reported as tampering: {text}"
        );
        // What the record says, and what checking it does not prove.
        load(&c, &format!("{base}/dashboard/integrity?seq=8&lang=uk")).await;
        let says = js(&c, "return document.getElementById('record-says') && document.getElementById('not-proven').textContent").await;
        assert!(says.as_str().unwrap().contains("не доводить"), "{says}");

        // The briefing, printed to PDF on A4, in both languages: at most two pages.
        for lang in ["uk", "en"] {
            load(
                &c,
                &format!("{base}/dashboard/briefing?week=2026-W37&lang={lang}"),
            )
            .await;
            let title = js(
                &c,
                "return document.querySelector('.daterange').textContent",
            )
            .await;
            let title = title.as_str().unwrap();
            assert!(!title.contains("2026-09"), "the days in words: {title}");
            assert!(
                title.contains(if lang == "uk" {
                    "вересня"
                } else {
                    "September"
                }),
                "{title}"
            );
            let pdf = c
                .print(
                    fantoccini::wd::PrintConfiguration::builder()
                        .background(true)
                        .build()
                        .unwrap(),
                )
                .await
                .unwrap();
            std::fs::write(screenshot_dir().join(format!("briefing-{lang}.pdf")), &pdf).unwrap();
            let pages = pdf_pages(&pdf);
            assert!(
                (1..=2).contains(&pages),
                "{lang}: the briefing prints on {pages} A4 pages"
            );
        }
    };
    let outcome = tokio::time::timeout(std::time::Duration::from_secs(600), run).await;
    let _ = c.close().await;
    drop(driver);
    outcome.expect("the browser test finished in time");
}

/// The pages of a PDF: its page objects (`/Type /Page`, not `/Pages`).
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    let mut n = 0;
    for (i, _) in text.match_indices("/Type") {
        let rest = text[i + 5..].trim_start();
        if rest.starts_with("/Page") && !rest.starts_with("/Pages") {
            n += 1;
        }
    }
    n
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
