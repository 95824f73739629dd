//! Words and numbers for people, in Ukrainian and English: plural forms, grouped numbers and
//! money, dates and date ranges as people write them, and the ledger's fingerprint (a
//! checkpoint's size and root) in the one form every output quotes.
//!
//! The grammar is Unicode's, not ours: ICU4X with its compiled-in CLDR data (plural rules,
//! decimal symbols and grouping, date patterns and month names, date-range patterns). That is
//! static data and computation, so it belongs to the pure core: no IO, no clock. Each formatter
//! is built once per language on first use and kept.

use std::fmt::Write as _;
use std::sync::OnceLock;

use icu_calendar::{Date as IcuDate, Gregorian};
use icu_datetime::fieldsets::{MD, YMD};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_decimal::DecimalFormatter;
use icu_locale_core::{locale, Locale};
use icu_plurals::{PluralCategory, PluralRules};

use crate::event::{Phase, Status, Verdict};
use crate::hash::Hash;
use crate::types::Date;

/// The reader's language: kordon speaks Ukrainian first, and English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Uk,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Uk, Lang::En];

    /// Its BCP 47 code: `uk` or `en`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Uk => "uk",
            Lang::En => "en",
        }
    }

    /// A language from a code as people and systems write it (`uk`, `uk-UA`, `en_GB.UTF-8`, …),
    /// or `None` for any other language.
    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim();
        let base = s
            .split(['-', '_', '.', '@'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        match base.as_str() {
            "uk" | "ua" => Some(Lang::Uk),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, for a switch.
    pub fn other(self) -> Lang {
        match self {
            Lang::Uk => Lang::En,
            Lang::En => Lang::Uk,
        }
    }

    /// Picks the text for this language from a pair.
    pub fn pick<'a>(self, uk: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Uk => uk,
            Lang::En => en,
        }
    }

    fn locale(self) -> Locale {
        match self {
            Lang::Uk => locale!("uk"),
            Lang::En => locale!("en"),
        }
    }

    fn ix(self) -> usize {
        self as usize
    }
}

struct Formatters {
    plurals: PluralRules,
    decimal: DecimalFormatter,
    date: FixedCalendarDateTimeFormatter<Gregorian, YMD>,
    month_day: FixedCalendarDateTimeFormatter<Gregorian, MD>,
}

fn formatters(l: Lang) -> &'static Formatters {
    static CELLS: [OnceLock<Formatters>; 2] = [OnceLock::new(), OnceLock::new()];
    CELLS[l.ix()].get_or_init(|| {
        let loc = l.locale();
        // The data is compiled in for both languages: failing here is a build defect, which
        // the tests below catch, not a reader's input.
        Formatters {
            plurals: PluralRules::try_new_cardinal((&loc).into())
                .expect("compiled-in plural rules"),
            decimal: DecimalFormatter::try_new((&loc).into(), Default::default())
                .expect("compiled-in decimal symbols"),
            date: FixedCalendarDateTimeFormatter::try_new((&loc).into(), YMD::long())
                .expect("compiled-in date patterns"),
            month_day: FixedCalendarDateTimeFormatter::try_new((&loc).into(), MD::long())
                .expect("compiled-in date patterns"),
        }
    })
}

/// CLDR's plural category of a count in a language (Ukrainian: one, few, many; English: one,
/// other).
pub fn plural_category(l: Lang, n: u64) -> PluralCategory {
    formatters(l).plurals.category_for(n)
}

/// The noun forms a count takes: Ukrainian has three (1 запис, 2 записи, 5 записів), English
/// two (1 entry, 2 entries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noun {
    pub uk: [&'static str; 3],
    pub en: [&'static str; 2],
}

impl Noun {
    /// The form that goes with `n` in `l`.
    pub fn form(&self, l: Lang, n: u64) -> &'static str {
        let c = plural_category(l, n);
        match l {
            Lang::Uk => match c {
                PluralCategory::One => self.uk[0],
                PluralCategory::Few => self.uk[1],
                // `many`, and `other` (fractions) take the genitive plural.
                _ => self.uk[2],
            },
            Lang::En => match c {
                PluralCategory::One => self.en[0],
                _ => self.en[1],
            },
        }
    }
}

/// A count with its noun: "173 записи", "1 234 записи", "5 entries".
pub fn count(l: Lang, n: u64, noun: &Noun) -> String {
    format!("{}\u{a0}{}", integer(l, n), noun.form(l, n))
}

/// An integer with the language's grouping: "12 500 000" (no-break spaces) or "12,500,000".
pub fn integer(l: Lang, n: u64) -> String {
    formatters(l)
        .decimal
        .format(&icu_decimal::input::Decimal::from(n))
        .to_string()
}

/// A decimal as written in the ledger ("12500000.50", "-3") in the language's grouping and
/// decimal sign ("12 500 000,50"); a text that is not a plain decimal comes back unchanged.
pub fn decimal(l: Lang, s: &str) -> String {
    match icu_decimal::input::Decimal::try_from_str(s) {
        Ok(d) => formatters(l).decimal.format(&d).to_string(),
        Err(_) => s.to_string(),
    }
}

/// An amount of money: "12 500 000 грн", "12,500,000 UAH"; the ledger's currency code, with
/// the hryvnia and the euro named as Ukrainian writes them.
pub fn money(l: Lang, amount: &str, currency: &str) -> String {
    let unit = match (l, currency) {
        (Lang::Uk, "UAH") => "грн",
        (Lang::Uk, "EUR") => "євро",
        (Lang::Uk, "USD") => "дол. США",
        _ => currency,
    };
    format!("{}\u{a0}{unit}", decimal(l, amount))
}

fn icu_date(d: Date) -> Option<IcuDate<Gregorian>> {
    IcuDate::try_new_gregorian(d.0.year() as i32, d.0.month() as u8, d.0.day() as u8).ok()
}

/// A date as people write it: "24 квітня 2026 р." or "April 24, 2026" (CLDR's long date).
pub fn date(l: Lang, d: Date) -> String {
    match icu_date(d) {
        Some(x) => formatters(l).date.format(&x).to_string(),
        None => d.to_string(),
    }
}

/// A span of days as people write it: "7–13 вересня 2026 р.", "31 серпня – 6 вересня 2026 р.",
/// "August 31 – September 6, 2026". The words are CLDR's long dates (the first without its
/// year when both share it); only the joining is ours, since ICU4X's range formatter is not
/// yet stable.
pub fn date_range(l: Lang, from: Date, to: Date) -> String {
    let (Some(a), Some(b)) = (icu_date(from), icu_date(to)) else {
        return format!("{from} – {to}");
    };
    let f = formatters(l);
    let end = f.date.format(&b).to_string();
    if from == to {
        end
    } else if from.0.year() != to.0.year() {
        format!("{} – {end}", f.date.format(&a))
    } else if l == Lang::Uk && from.0.month() == to.0.month() {
        // Ukrainian writes the shared month once: the day comes first in its long date.
        format!("{}–{end}", from.0.day())
    } else {
        format!("{} – {end}", f.month_day.format(&a))
    }
}

/// The ledger's fingerprint at a checkpoint for people: its size and root in the one form every
/// output shows and a committee record quotes. It is display only: nothing signs or hashes it
/// (SPEC.md, "The fingerprint, for people").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    pub size: u64,
    pub root: Hash,
}

impl Fingerprint {
    /// The size with its digits grouped in threes by no-break spaces: "1 000 000". The same in
    /// both languages, so a Ukrainian and an English record quote it alike.
    pub fn size_text(&self) -> String {
        group(&self.size.to_string(), 3, true)
    }

    /// The root as 16 groups of 4 lower-case hex digits joined by no-break spaces, to be read
    /// aloud and compared group by group: "3f2a 91c0 …".
    pub fn root_text(&self) -> String {
        group(&self.root.to_hex(), 4, false)
    }

    /// The quotation line: "kordon <origin> · 170 записів · корінь 3f2a 91c0 …". Each value holds
    /// only no-break spaces inside, so a line may wrap between values, never inside one.
    pub fn quote(&self, l: Lang, origin: &str) -> String {
        format!(
            "{origin} · {}\u{a0}{} · {} {}",
            self.size_text(),
            ENTRIES.form(l, self.size),
            l.pick("корінь", "root"),
            self.root_text()
        )
    }
}

/// "запис/записи/записів", "entry/entries".
pub const ENTRIES: Noun = Noun {
    uk: ["запис", "записи", "записів"],
    en: ["entry", "entries"],
};

/// Days, as in "5 днів прострочення".
pub const DAYS: Noun = Noun {
    uk: ["день", "дні", "днів"],
    en: ["day", "days"],
};

/// Open commitments, as in "відповідає за 3 відкриті зобов’язання".
pub const OPEN_COMMITMENTS: Noun = Noun {
    uk: [
        "відкрите зобов’язання",
        "відкриті зобов’язання",
        "відкритих зобов’язань",
    ],
    en: ["open commitment", "open commitments"],
};

/// Documents given as evidence.
pub const EVIDENCE: Noun = Noun {
    uk: ["доказ", "докази", "доказів"],
    en: ["evidence document", "evidence documents"],
};

/// A status's name for people; `None` is a commitment with no report yet.
pub fn status(l: Lang, s: Option<Status>) -> &'static str {
    let (uk, en) = match s {
        Some(Status::NotStarted) => ("не розпочато", "not started"),
        Some(Status::InProgress) => ("виконується", "in progress"),
        Some(Status::AtRisk) => ("під загрозою", "at risk"),
        Some(Status::Blocked) => ("заблоковано", "blocked"),
        Some(Status::Implemented) => ("виконано", "implemented"),
        Some(Status::PartiallyImplemented) => ("виконано частково", "partially implemented"),
        Some(Status::NotImplemented) => ("не виконано", "not implemented"),
        None => ("без звіту", "no report"),
    };
    l.pick(uk, en)
}

/// A commitment's phase for people. "Active" is a commitment accepted and in force, which is
/// not the status "виконується" a lead reports.
pub fn phase(l: Lang, p: Phase) -> &'static str {
    let (uk, en) = match p {
        Phase::Assigned => ("доручено, не прийнято", "assigned, not accepted"),
        Phase::Active => ("прийнято до виконання", "active"),
        Phase::Rejected => ("відхилено", "rejected"),
        Phase::Cancelled => ("скасовано", "cancelled"),
        Phase::Superseded => ("замінено", "superseded"),
    };
    l.pick(uk, en)
}

/// A verdict's name for people; `None` is a claim not assessed.
pub fn verdict(l: Lang, v: Option<Verdict>) -> &'static str {
    let (uk, en) = match v {
        Some(Verdict::Confirmed) => ("підтверджено", "confirmed"),
        Some(Verdict::PartiallyConfirmed) => ("підтверджено частково", "partially confirmed"),
        Some(Verdict::NotConfirmed) => ("не підтверджено", "not confirmed"),
        Some(Verdict::Contested) => ("оскаржено", "contested"),
        None => ("без оцінки", "not assessed"),
    };
    l.pick(uk, en)
}

fn group(s: &str, n: usize, from_right: bool) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() * 2);
    let offset = if from_right { chars.len() % n } else { 0 };
    for (i, c) in chars.iter().enumerate() {
        if i > 0 && (i + n - offset) % n == 0 {
            out.push('\u{a0}');
        }
        let _ = out.write_char(*c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    #[test]
    fn ukrainian_counts_take_the_plural_category_cldr_gives() {
        // CLDR's rules for Ukrainian: one (…1 but not …11), few (…2-4 but not …12-14), many.
        let want = [
            (1, PluralCategory::One),
            (2, PluralCategory::Few),
            (5, PluralCategory::Many),
            (11, PluralCategory::Many),
            (21, PluralCategory::One),
            (22, PluralCategory::Few),
            (25, PluralCategory::Many),
            (111, PluralCategory::Many),
            (171, PluralCategory::One),
            (173, PluralCategory::Few),
        ];
        for (n, c) in want {
            assert_eq!(plural_category(Lang::Uk, n), c, "{n}");
        }
        assert_eq!(plural_category(Lang::En, 1), PluralCategory::One);
        assert_eq!(plural_category(Lang::En, 21), PluralCategory::Other);
        assert_eq!(count(Lang::Uk, 173, &ENTRIES), "173\u{a0}записи");
        assert_eq!(count(Lang::Uk, 171, &ENTRIES), "171\u{a0}запис");
        assert_eq!(count(Lang::Uk, 5, &ENTRIES), "5\u{a0}записів");
        assert_eq!(count(Lang::En, 1, &ENTRIES), "1\u{a0}entry");
        assert_eq!(count(Lang::En, 170, &ENTRIES), "170\u{a0}entries");
    }

    #[test]
    fn numbers_and_money_are_grouped_as_each_language_writes_them() {
        // CLDR's Ukrainian group separator is a no-break space, its decimal sign a comma.
        let uk = integer(Lang::Uk, 12_500_000);
        assert_eq!(uk.replace(['\u{a0}', '\u{202f}'], " "), "12 500 000");
        assert!(
            !uk.contains(' '),
            "a plain space would let the number break: {uk:?}"
        );
        assert_eq!(integer(Lang::En, 12_500_000), "12,500,000");
        assert_eq!(
            money(Lang::Uk, "12500000", "UAH").replace(['\u{a0}', '\u{202f}'], " "),
            "12 500 000 грн"
        );
        assert_eq!(money(Lang::En, "12500000", "UAH"), "12,500,000\u{a0}UAH");
        assert_eq!(
            decimal(Lang::Uk, "1234.5").replace(['\u{a0}', '\u{202f}'], " "),
            "1 234,5"
        );
        assert_eq!(decimal(Lang::En, "-1234.5"), "-1,234.5");
        assert_eq!(decimal(Lang::Uk, "not a number"), "not a number");
    }

    #[test]
    fn dates_and_weeks_read_as_people_write_them() {
        assert!(
            date(Lang::Uk, day("2026-04-24")).starts_with("24 квітня 2026"),
            "{}",
            date(Lang::Uk, day("2026-04-24"))
        );
        assert_eq!(date(Lang::En, day("2026-04-24")), "April 24, 2026");
        let week = date_range(Lang::Uk, day("2026-09-07"), day("2026-09-13"));
        assert!(week.starts_with("7–13 вересня 2026"), "{week}");
        let across = date_range(Lang::Uk, day("2026-08-31"), day("2026-09-06"));
        assert!(across.starts_with("31 серпня – 6 вересня 2026"), "{across}");
        let en = date_range(Lang::En, day("2026-09-07"), day("2026-09-13"));
        assert_eq!(en, "September 7 – September 13, 2026");
        let years = date_range(Lang::En, day("2026-12-28"), day("2027-01-03"));
        assert_eq!(years, "December 28, 2026 – January 3, 2027");
    }

    #[test]
    fn languages_are_read_from_codes_and_locales() {
        assert_eq!(Lang::parse("uk_UA.UTF-8"), Some(Lang::Uk));
        assert_eq!(Lang::parse("en_GB.UTF-8"), Some(Lang::En));
        assert_eq!(Lang::parse("uk-UA"), Some(Lang::Uk));
        assert_eq!(Lang::parse("C"), None);
        assert_eq!(Lang::parse("de"), None);
    }

    #[test]
    fn the_fingerprint_is_grouped_and_never_breaks_inside_a_value() {
        let f = Fingerprint {
            size: 1_234_567,
            root: Hash([0xab; 32]),
        };
        assert_eq!(f.size_text(), "1\u{a0}234\u{a0}567");
        assert_eq!(
            Fingerprint { size: 170, ..f }.size_text(),
            "170",
            "three digits have no separator"
        );
        let root = f.root_text();
        assert_eq!(root.split('\u{a0}').count(), 16);
        assert!(root.split('\u{a0}').all(|g| g == "abab"));
        assert_eq!(root.replace('\u{a0}', ""), f.root.to_hex());
        let q = f.quote(Lang::Uk, "kordon.example/ibm");
        assert_eq!(
            q,
            format!("kordon.example/ibm · 1\u{a0}234\u{a0}567\u{a0}записів · корінь {root}")
        );
        // Plain spaces only between values: no value holds one, so a line breaks only there.
        assert!(!f.size_text().contains(' ') && !root.contains(' '));
        assert_eq!(q.matches(' ').count(), 5, "{q}");
        let one = Fingerprint { size: 1, ..f };
        assert!(one
            .quote(Lang::En, "o")
            .starts_with("o · 1\u{a0}entry · root "));
        assert!(one
            .quote(Lang::Uk, "o")
            .starts_with("o · 1\u{a0}запис · корінь "));
    }
}
