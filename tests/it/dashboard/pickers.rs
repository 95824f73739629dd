//! Date and week pickers that speak the page's language, not the browser's: the briefing's
//! week is a list of the ledger's weeks written in words ("7–13 вересня 2026 р."), and every
//! date field (as-of, the changes' since and until) has the day it holds written in words
//! beside it, by the server and then by the script as the reader picks another. Old links
//! (`week=2026-W37`, `since=…`) keep working, with and without scripts.

use super::browser::{js, load, serve, session, shoot, start_driver, until};
use super::{example, fetch};
use axum::http::StatusCode;
use fantoccini::Locator;
use kordon::core::l10n::{self, Lang};
use kordon::core::types::Date;
use serde_json::json;
use std::time::Duration;

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// The `<option>`s of the select `name`: (value, label, selected).
fn options(html: &str, name: &str) -> Vec<(String, String, bool)> {
    let start = html
        .find(&format!("<select name=\"{name}\""))
        .unwrap_or_else(|| panic!("a select {name}"));
    let select = &html[start..];
    let select = &select[..select.find("</select>").unwrap()];
    select
        .split("<option value=\"")
        .skip(1)
        .map(|o| {
            let value = &o[..o.find('"').unwrap()];
            let tag_end = o.find('>').unwrap();
            let label = &o[tag_end + 1..o.find("</option>").unwrap()];
            (
                value.to_string(),
                label.to_string(),
                o[..tag_end].contains("selected"),
            )
        })
        .collect()
}

/// Monday of the ISO week of `d`.
fn monday(d: jiff::civil::Date) -> jiff::civil::Date {
    d.checked_sub(jiff::Span::new().days(i64::from(d.weekday().to_monday_zero_offset())))
        .unwrap()
}

#[tokio::test]
async fn the_week_picker_lists_the_ledgers_weeks_in_the_pages_language() {
    let (_ledger, state) = example();
    let (first, today) = {
        let h = state.projector().read();
        let now = kordon::core::types::Millis(
            jiff::Timestamp::now().as_millisecond().try_into().unwrap(),
        );
        (h.date_of(h.entries[0].recorded_at), h.date_of(now))
    };
    let app = kordon::server::router(state);
    let weeks = std::iter::successors(Some(monday(first.0)), |d| {
        d.checked_add(jiff::Span::new().days(7)).ok()
    })
    .take_while(|d| *d <= today.0)
    .count();
    for lang in [Lang::Uk, Lang::En] {
        let page = fetch(
            &app,
            &format!("/dashboard/briefing?week=2026-W37&lang={}", lang.code()),
            None,
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            !page.body.contains("type=\"week\""),
            "no browser week field"
        );
        let opts = options(&page.body, "week");
        assert_eq!(opts.len(), weeks, "from the first entry's week to this one");
        let iso = |d: jiff::civil::Date| {
            let w = d.iso_week_date();
            format!("{:04}-W{:02}", w.year(), w.week())
        };
        assert_eq!(opts[0].0, iso(today.0), "the present week first");
        assert_eq!(
            opts.last().unwrap().0,
            iso(first.0),
            "the first entry's week last"
        );
        let w37: Vec<_> = opts.iter().filter(|o| o.2).collect();
        assert_eq!(w37.len(), 1);
        assert_eq!(w37[0].0, "2026-W37");
        // Each week in words, as the handout's title writes it.
        let words = l10n::date_range(lang, date("2026-09-07"), date("2026-09-13"));
        assert_eq!(w37[0].1, words);
        match lang {
            Lang::Uk => assert_eq!(words, "7–13 вересня 2026\u{202f}р."),
            Lang::En => assert!(words.contains("September"), "{words}"),
        }
        for (v, label, _) in &opts {
            let (mon, sun) = kordon::query::iso_week(v).unwrap();
            assert_eq!(*label, l10n::date_range(lang, mon, sun), "{v}");
        }
    }
    // An old link to a week outside the ledger's still opens it, and the list keeps it.
    let page = fetch(&app, "/dashboard/briefing?week=2025-W02", None).await;
    assert_eq!(page.status, StatusCode::OK);
    let opts = options(&page.body, "week");
    let chosen: Vec<_> = opts.iter().filter(|o| o.2).collect();
    assert_eq!(chosen.len(), 1);
    assert_eq!(
        (chosen[0].0.as_str(), chosen[0].1.as_str()),
        ("2025-W02", "6–12 січня 2025\u{202f}р.")
    );
    assert_eq!(
        opts.last().unwrap().0,
        "2025-W02",
        "in its place, the oldest"
    );
    // A week that is not one: the reader is told, not served a failure.
    let page = fetch(&app, "/dashboard/briefing?week=2026-W99", None).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn date_fields_say_their_day_in_the_pages_language() {
    let (_ledger, state) = example();
    let app = kordon::server::router(state);
    for (lang, since, until, as_of) in [
        (
            "uk",
            "15 квітня 2026\u{202f}р.",
            "15 жовтня 2026\u{202f}р.",
            "27 листопада 2026\u{202f}р.",
        ),
        (
            "en",
            "April 15, 2026",
            "October 15, 2026",
            "November 27, 2026",
        ),
    ] {
        let changes = fetch(
            &app,
            &format!("/dashboard/changes?since=2026-04-15&until=2026-10-15&lang={lang}"),
            None,
        )
        .await;
        let overview = fetch(&app, &format!("/?as_of=2026-11-27&lang={lang}"), None).await;
        // The hearing comparison's fields take a date or a number of entries (plain text, so
        // old links such as from=81 keep working); beside each, the day it stands for.
        let hearing = fetch(
            &app,
            &format!("/dashboard/hearing?from=81&to=2026-10-15&lang={lang}"),
            None,
        )
        .await;
        assert_eq!(hearing.status, StatusCode::OK);
        for (id, value, words) in [("from", "81", since), ("to", "2026-10-15", until)] {
            assert!(
                hearing.body.contains(&format!(
                    "id=\"{id}\" name=\"{id}\" value=\"{value}\" size=\"10\" aria-describedby=\"{id}-words\">\
                     <span class=\"date-words\" id=\"{id}-words\">{words}</span>"
                )),
                "{id} ({lang}): {words}"
            );
        }
        for (page, id, value, words) in [
            (&changes, "since", "2026-04-15", since),
            (&changes, "until", "2026-10-15", until),
            (&overview, "as-of", "2026-11-27", as_of),
        ] {
            assert_eq!(page.status, StatusCode::OK);
            let html = &page.body;
            assert!(html.contains(&format!("<html lang=\"{lang}\"")));
            assert!(
                html.contains(&format!(
                    "id=\"{id}\" name=\"{}\" value=\"{value}\" aria-describedby=\"{id}-words\"",
                    id.replace('-', "_")
                )),
                "{id} ({lang})"
            );
            assert!(
                html.contains(&format!(
                    "<span class=\"date-words\" id=\"{id}-words\">{words}</span>"
                )),
                "{id} ({lang}): {words}"
            );
        }
    }
}

/// The problem a refused page states (its `role="alert"` paragraph), unescaped.
fn problem(html: &str) -> String {
    let mark = "role=\"alert\">";
    let at = html.find(mark).expect("a page that says what is wrong") + mark.len();
    html[at..at + html[at..].find("</p>").unwrap()]
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[tokio::test]
async fn a_day_or_week_that_is_not_one_is_refused_in_the_pages_language() {
    let (_ledger, state) = example();
    let app = kordon::server::router(state);
    for (path, uk, en) in [
        (
            "/dashboard/briefing?week=2026-W99",
            "Тиждень: «2026-W99» — не тиждень; оберіть його зі списку або запишіть як 2026-W37.",
            "Week: “2026-W99” is not a week; pick one from the list or write it as 2026-W37.",
        ),
        (
            "/dashboard/changes?since=15.04.2026",
            "Від: «15.04.2026» — не дата (РРРР-ММ-ДД) і не кількість записів.",
            "Since: “15.04.2026” is neither a date (YYYY-MM-DD) nor a number of entries.",
        ),
        (
            "/dashboard/changes?since=2026-04-15&until=2026-02-30",
            "До: «2026-02-30» — не дата (РРРР-ММ-ДД) і не кількість записів.",
            "Until: “2026-02-30” is neither a date (YYYY-MM-DD) nor a number of entries.",
        ),
        (
            "/dashboard/commitments?as_of=27.11.2026",
            "Станом на: «27.11.2026» — не дата (РРРР-ММ-ДД) і не кількість записів.",
            "As of: “27.11.2026” is neither a date (YYYY-MM-DD) nor a number of entries.",
        ),
        (
            "/dashboard/hearing?from=quiet&to=2026-10-15",
            "Тоді: «quiet» — не дата (РРРР-ММ-ДД) і не кількість записів.",
            "Then: “quiet” is neither a date (YYYY-MM-DD) nor a number of entries.",
        ),
        (
            "/dashboard/hearing?from=2026-10-15&to=2026-04-15",
            "«Тоді» (15 жовтня 2026\u{202f}р., 158\u{a0}записів) пізніше, ніж «Тепер» (15 квітня 2026\u{202f}р., 81\u{a0}запис): поміняйте їх місцями.",
            "“Then” (October 15, 2026, 158\u{a0}entries) is after “Now” (April 15, 2026, 81\u{a0}entries): swap the two.",
        ),
        (
            "/dashboard/divergence?kind=late",
            "Розбіжність: «late» — такого немає; можливі: unconfirmed, contested, no_evidence, stale_assessment.",
            "Divergence: “late” is not one of unconfirmed, contested, no_evidence, stale_assessment.",
        ),
        (
            "/dashboard/quality?kind=typos",
            "Проблема: «typos» — такого немає; можливі: no_indicator, indicator_incomplete, claim_without_evidence, never_reports.",
            "Issue: “typos” is not one of no_indicator, indicator_incomplete, claim_without_evidence, never_reports.",
        ),
        (
            "/dashboard/briefing?issuer=Rada!",
            "Видає: «Rada!» — такого органу в реєстрі немає.",
            "Issued by: “Rada!” is not a body the ledger knows.",
        ),
        (
            "/dashboard/briefing?as_of=5000",
            "Станом на: у реєстрі 170\u{a0}записів, а 5000 — більше.",
            "As of: the ledger has 170\u{a0}entries, and 5000 is more.",
        ),
    ] {
        for (lang, said) in [("uk", uk), ("en", en)] {
            let page = fetch(&app, &format!("{path}&lang={lang}"), None).await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{path} ({lang})");
            assert!(page.body.contains(&format!("<html lang=\"{lang}\"")));
            assert_eq!(problem(&page.body), said, "{path} ({lang})");
        }
    }
    // A well-formed id of no body: not found, said the same way.
    for (lang, said) in [
        ("uk", "Видає: «nobody» — такого органу в реєстрі немає."),
        ("en", "Issued by: “nobody” is not a body the ledger knows."),
    ] {
        let page = fetch(
            &app,
            &format!("/dashboard/briefing?issuer=nobody&lang={lang}"),
            None,
        )
        .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{lang}");
        assert_eq!(problem(&page.body), said, "{lang}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pickers_in_a_real_browser() {
    let (_ledger, state) = example();
    let base = serve(kordon::server::router(state)).await;
    let driver = start_driver();
    let tmp = tempfile::tempdir().unwrap();
    let c = session(&driver, &tmp.path().join("profile"), tmp.path()).await;
    let run = async {
        for lang in [Lang::Uk, Lang::En] {
            let code = lang.code();
            load(
                &c,
                &format!("{base}/dashboard/briefing?week=2026-W37&lang={code}"),
            )
            .await;
            // Every week's label in the page's language: no Latin letters on a Ukrainian page,
            // no Cyrillic on an English one.
            let labels = js(
                &c,
                "return [...document.querySelectorAll('#week option')].map(o => o.textContent)",
            )
            .await;
            let labels: Vec<String> = serde_json::from_value(labels).unwrap();
            assert!(labels.len() > 40, "{labels:?}");
            for l in &labels {
                let foreign = match lang {
                    Lang::Uk => l.chars().any(|c| c.is_ascii_alphabetic()),
                    Lang::En => l.chars().any(|c| ('\u{400}'..='\u{52f}').contains(&c)),
                };
                assert!(!foreign, "{code}: {l}");
            }
            assert_eq!(
                js(&c, "return document.getElementById('week').value").await,
                json!("2026-W37")
            );
            shoot(&c, &format!("pickers-briefing-{code}")).await;
            // Choosing a week and showing it loads that week's briefing.
            c.find(Locator::Css("#week option[value='2026-W20']"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            c.find(Locator::Css("form.filters button[type=submit]"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            until(
                &c,
                "the week's briefing",
                "return location.search.includes('week=2026-W20') && document.readyState === 'complete'",
            )
            .await;
            let words = l10n::date_range(lang, date("2026-05-11"), date("2026-05-17"));
            let head = js(&c, "return document.querySelector('h1').textContent").await;
            assert!(
                head.as_str().unwrap().contains(&words),
                "{head} has {words}"
            );
            assert_eq!(
                js(&c, "return document.getElementById('week').value").await,
                json!("2026-W20")
            );

            // A date field says its day in the page's language, and follows the day picked.
            load(
                &c,
                &format!("{base}/dashboard/changes?since=2026-04-15&until=2026-10-15&lang={code}"),
            )
            .await;
            let shown = js(
                &c,
                "return document.getElementById('since-words').textContent",
            )
            .await;
            assert_eq!(shown, json!(l10n::date(lang, date("2026-04-15"))));
            js(
                &c,
                "const i = document.getElementById('since'); i.value = '2026-05-01';
                 i.dispatchEvent(new Event('input', { bubbles: true })); return true",
            )
            .await;
            let picked = l10n::date(lang, date("2026-05-01"));
            let followed = until(
                &c,
                "the words to follow",
                &format!(
                    "const t = document.getElementById('since-words').textContent; return t !== {:?} && t",
                    shown.as_str().unwrap()
                ),
            )
            .await;
            // The browser's CLDR words, the server's words: the same but for the kind of
            // space before "р." (a narrow no-break one in the server's newer CLDR data).
            let spaces = |s: &str| s.replace(['\u{202f}', '\u{a0}'], " ");
            assert_eq!(
                spaces(followed.as_str().unwrap()),
                spaces(&picked),
                "the script's words are the server's"
            );
            // The form, as the reader sees it on opening the page (not the whole long page).
            let png = c.screenshot().await.unwrap();
            std::fs::write(
                super::browser::screenshot_dir().join(format!("pickers-changes-{code}.png")),
                png,
            )
            .unwrap();
            c.find(Locator::Css("form.filters button[type=submit]"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            until(
                &c,
                "the changes since the day picked",
                "return location.search.includes('since=2026-05-01') && document.readyState === 'complete'",
            )
            .await;
            assert_eq!(
                js(
                    &c,
                    "return document.getElementById('since-words').textContent"
                )
                .await,
                json!(picked),
                "the server's words for the day picked"
            );
        }
    };
    let outcome = tokio::time::timeout(Duration::from_secs(180), run).await;
    let _ = c.close().await;
    drop(driver);
    outcome.expect("the browser test finished in time");
}
