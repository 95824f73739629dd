//! Newtypes for the identifiers, dates, times and decimals that must not be confused
//! (SPEC.md, "Value formats"). Each checks its format when it is deserialized.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident, $check:expr, $what:literal, $format:literal, $pattern:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn parse(s: &str) -> Result<Self, String> {
                Self::try_from(s.to_string())
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> {
                let check: fn(&str) -> bool = $check;
                if check(&s) {
                    Ok($name(s))
                } else {
                    Err(format!("{:?} is not a valid {}", s, $what))
                }
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }

        /// A string with the grammar's pattern (ECMAScript syntax, as JSON Schema uses) and a
        /// `format` naming what it identifies, so a form knows what to offer for it.
        #[cfg(feature = "schema")]
        impl schemars::JsonSchema for $name {
            fn inline_schema() -> bool {
                true
            }
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "string",
                    "format": $format,
                    "pattern": $pattern,
                    "description": $what,
                })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

fn is_body_id(s: &str) -> bool {
    // [a-z0-9][a-z0-9-]{0,63}
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 64
        && (b[0].is_ascii_lowercase() || b[0].is_ascii_digit())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
}

fn is_item_id(s: &str) -> bool {
    // [A-Za-z0-9][A-Za-z0-9._/-]{0,127}
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'/' | b'-'))
}

fn is_event_id(s: &str) -> bool {
    // [A-Za-z0-9][A-Za-z0-9._:-]{0,127}
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b':' | b'-'))
}

string_newtype!(
    /// A body's stable id, e.g. `sbgs`: 1–64 of `a-z 0-9 -`, not starting with `-`.
    BodyId, is_body_id, "body id (1-64 of a-z, 0-9 and '-', starting with a letter or digit)",
    "kordon-body-id", "^[a-z0-9][a-z0-9-]{0,63}$"
);
string_newtype!(
    /// A commitment's id, following the act's numbering, e.g. `AP-2026/2.1`.
    CommitmentId, is_item_id, "commitment id (1-128 of A-Z, a-z, 0-9, '.', '_', '/', '-', starting with a letter or digit)",
    "kordon-commitment-id", "^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$"
);
string_newtype!(
    /// An objective's id, e.g. `SO-2`.
    ObjectiveId, is_item_id, "objective id (1-128 of A-Z, a-z, 0-9, '.', '_', '/', '-', starting with a letter or digit)",
    "kordon-objective-id", "^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$"
);
string_newtype!(
    /// An inquiry's id, chosen by the overseer that raises it.
    InquiryId, is_item_id, "inquiry id (1-128 of A-Z, a-z, 0-9, '.', '_', '/', '-', starting with a letter or digit)",
    "kordon-inquiry-id", "^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$"
);
string_newtype!(
    /// An indicator's id, unique within its commitment.
    IndicatorId, is_item_id, "indicator id (1-128 of A-Z, a-z, 0-9, '.', '_', '/', '-', starting with a letter or digit)",
    "kordon-indicator-id", "^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$"
);
string_newtype!(
    /// An event's id, unique in the ledger: 1–128 of `A-Z a-z 0-9 . _ : -`.
    EventId, is_event_id, "event id (1-128 of A-Z, a-z, 0-9, '.', '_', ':', '-', starting with a letter or digit)",
    "kordon-event-id", "^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$"
);

fn is_decimal(s: &str) -> bool {
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?, at most 40 characters
    if s.is_empty() || s.len() > 40 {
        return false;
    }
    let negative = s.starts_with('-');
    let s = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let int_ok = int == "0"
        || (!int.is_empty() && !int.starts_with('0') && int.bytes().all(|c| c.is_ascii_digit()));
    let frac_ok = frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|c| c.is_ascii_digit()));
    // "-0" and "-0.00" would be second spellings of zero.
    let negative_zero = negative && s.bytes().all(|c| c == b'0' || c == b'.');
    int_ok && frac_ok && !negative_zero
}

string_newtype!(
    /// A decimal number written as a string (JSON numbers are never fractional in kordon),
    /// e.g. `"74"`, `"-1.5"`.
    Decimal, is_decimal, "decimal (digits with an optional '-' and '.fraction', no leading zeros, as a string)",
    "kordon-decimal", "^(?!-0(\\.0+)?$)(?=.{1,40}$)-?(0|[1-9][0-9]*)(\\.[0-9]+)?$"
);

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

string_newtype!(
    /// A SHA-256 digest of an evidence document, 64 lowercase hex digits.
    Sha256Hex, is_sha256_hex, "SHA-256 digest (64 lowercase hex digits)",
    "kordon-sha256", "^[0-9a-f]{64}$"
);

/// A calendar date, `YYYY-MM-DD`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Date(pub jiff::civil::Date);

impl Date {
    pub fn parse(s: &str) -> Result<Date, String> {
        Date::try_from(s.to_string())
    }
}

impl TryFrom<String> for Date {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        let b = s.as_bytes();
        let shape = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape {
            return Err(format!("{s:?} is not a date in the form YYYY-MM-DD"));
        }
        s.parse::<jiff::civil::Date>()
            .map(Date)
            .map_err(|_| format!("{s:?} is not a valid calendar date"))
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for Date {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "date YYYY-MM-DD of the proleptic Gregorian calendar",
        })
    }
}

impl From<Date> for String {
    fn from(d: Date) -> String {
        d.to_string()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.strftime("%Y-%m-%d"))
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Date({self})")
    }
}

/// Parses a count or a sequence number in its one spelling (SPEC.md, "Conventions"): ASCII
/// decimal digits, no sign, no leading zero (`0` is written only for zero itself), at most
/// 2^64 − 1. `+1`, `01`, ` 1` and `1.0` are refused, so every number has exactly one text.
pub fn parse_canonical_u64(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let plain = !b.is_empty() && b.iter().all(u8::is_ascii_digit) && (b.len() == 1 || b[0] != b'0');
    // Only digits remain, so the one way to fail is overflow.
    plain.then(|| s.parse().ok()).flatten()
}

/// The last instant the time grammar can write: 9999-12-31T23:59:59.999Z.
pub const MAX_EVENT_TIME: Millis = Millis(253_402_300_799_999);

/// Days from 1970-01-01 to the proleptic Gregorian date `y-m-d` (H. Hinnant's
/// `days_from_civil`), for `y` in 1970..=9999 and a valid `m` and `d`.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// An instant in milliseconds since the Unix epoch (UTC). Entries carry it as a 64-bit integer;
/// events carry it as RFC 3339 text in UTC (`2026-03-01T10:00:00Z`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct Millis(pub u64);

impl Millis {
    /// Parses the strict RFC 3339 UTC form events use:
    /// `YYYY-MM-DDTHH:MM:SS` with an optional `.` and 1–9 fraction digits, then `Z`, from
    /// 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z. The fraction is truncated to
    /// milliseconds. The conversion is done here, not by a date library, so that every time
    /// the grammar allows has a value (a library's own range may end before year 9999).
    pub fn parse_rfc3339(s: &str) -> Result<Millis, String> {
        let b = s.as_bytes();
        let base = b.len() >= 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[10] == b'T'
            && b[13] == b':'
            && b[16] == b':'
            && b[..19]
                .iter()
                .enumerate()
                .all(|(i, c)| matches!(i, 4 | 7 | 10 | 13 | 16) || c.is_ascii_digit());
        let tail = &b[19.min(b.len())..];
        let tail_ok = tail == b"Z"
            || (tail.len() >= 3
                && tail.len() <= 11
                && tail[0] == b'.'
                && tail[tail.len() - 1] == b'Z'
                && tail[1..tail.len() - 1].iter().all(|c| c.is_ascii_digit()));
        if !(base && tail_ok) {
            return Err(format!(
                "{s:?} is not an RFC 3339 UTC time like 2026-03-01T10:00:00Z"
            ));
        }
        let num = |r: std::ops::Range<usize>| -> i64 {
            b[r].iter().fold(0, |n, c| n * 10 + i64::from(c - b'0'))
        };
        let (y, mo, d) = (num(0..4), num(5..7), num(8..10));
        let (h, mi, sec) = (num(11..13), num(14..16), num(17..19));
        // The date must exist in the proleptic Gregorian calendar.
        if jiff::civil::Date::new(y as i16, mo as i8, d as i8).is_err() {
            return Err(format!("{s:?} is not a valid calendar date and time"));
        }
        // Seconds run 00-59: a leap second ":60" would be a second spelling of ":59".
        if h > 23 || mi > 59 || sec > 59 {
            return Err(format!(
                "{s:?} is not a valid time of day (hours 00-23, minutes and seconds 00-59)"
            ));
        }
        if y < 1970 {
            return Err(format!("{s:?} is before 1970"));
        }
        // The first three fraction digits, as milliseconds; the rest is truncated.
        let frac = if tail.len() > 1 {
            &tail[1..tail.len() - 1]
        } else {
            &[][..]
        };
        let ms = frac
            .iter()
            .chain(std::iter::repeat(&b'0'))
            .take(3)
            .fold(0, |n, c| n * 10 + i64::from(c - b'0'));
        let seconds = days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + sec;
        Ok(Millis((seconds * 1_000 + ms) as u64))
    }

    /// Formats as RFC 3339 UTC with millisecond precision when needed; the inverse of
    /// `parse_rfc3339` for every instant up to `MAX_EVENT_TIME`.
    pub fn to_rfc3339(self) -> String {
        if self > MAX_EVENT_TIME {
            return format!("@{}ms", self.0);
        }
        let ms = self.0 as i64;
        let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
        let (y, m, d) = civil_from_days(days);
        let (h, mi, s, milli) = (
            rest / 3_600_000,
            rest / 60_000 % 60,
            rest / 1_000 % 60,
            rest % 1_000,
        );
        if milli == 0 {
            format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
        } else {
            format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{milli:03}Z")
        }
    }
}

/// Serialized as RFC 3339 text in human-readable formats (JSON), as the integer otherwise.
impl Serialize for Millis {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&self.to_rfc3339())
        } else {
            s.serialize_u64(self.0)
        }
    }
}

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if d.is_human_readable() {
            let s = String::deserialize(d)?;
            Millis::parse_rfc3339(&s).map_err(serde::de::Error::custom)
        } else {
            u64::deserialize(d).map(Millis)
        }
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_check_their_shape() {
        assert!(BodyId::parse("sbgs").is_ok());
        assert!(BodyId::parse("state-customs-2").is_ok());
        assert!(BodyId::parse("SBGS").is_err());
        assert!(BodyId::parse("-x").is_err());
        assert!(BodyId::parse("").is_err());
        assert!(CommitmentId::parse("AP-2026/2.1").is_ok());
        assert!(CommitmentId::parse("AP 2026").is_err());
        assert!(EventId::parse("01J9Z:abc").is_ok());
        assert!(EventId::parse("a/b").is_err());
    }

    #[test]
    fn decimals_are_strict() {
        for ok in ["0", "74", "-1.5", "0.25", "1000000"] {
            assert!(Decimal::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "01", "1.", ".5", "1e3", "+1", "--1", "1.2.3", "NaN", "-0", "-0.0",
        ] {
            assert!(Decimal::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_and_times() {
        assert_eq!(Date::parse("2026-02-28").unwrap().to_string(), "2026-02-28");
        assert!(Date::parse("2026-02-30").is_err());
        assert!(Date::parse("2026-2-3").is_err());
        let t = Millis::parse_rfc3339("2026-03-01T10:00:00Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-03-01T10:00:00Z");
        let t2 = Millis::parse_rfc3339("2026-03-01T10:00:00.250Z").unwrap();
        assert_eq!(t2.0 - t.0, 250);
        assert_eq!(t2.to_rfc3339(), "2026-03-01T10:00:00.250Z");
        for bad in [
            "2026-03-01T10:00:00+02:00",
            "2026-03-01 10:00:00Z",
            "2026-03-01T10:00:00",
            "2026-13-01T10:00:00Z",
            "2026-03-01T10:00:00.Z",
            "2026-12-31T23:59:60Z",
            "2026-03-01T24:00:00Z",
            "2026-03-01T10:60:00Z",
            "1969-12-31T23:59:59Z",
            "2026-02-29T10:00:00Z",
            "2026-03-01T10:00:00.1234567890Z",
            "2026-03-01t10:00:00z",
        ] {
            assert!(Millis::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_cover_the_whole_grammar() {
        // The last second the grammar allows has a value, and formats back to its text.
        let last = Millis::parse_rfc3339("9999-12-31T23:59:59Z").unwrap();
        assert_eq!(last.0, 253_402_300_799_000);
        assert_eq!(last.to_rfc3339(), "9999-12-31T23:59:59Z");
        let max = Millis::parse_rfc3339("9999-12-31T23:59:59.999999999Z").unwrap();
        assert_eq!(max, MAX_EVENT_TIME);
        assert_eq!(max.to_rfc3339(), "9999-12-31T23:59:59.999Z");
        assert_eq!(
            Millis(MAX_EVENT_TIME.0 + 1).to_rfc3339(),
            "@253402300800000ms"
        );
        assert_eq!(Millis(0).to_rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            Millis::parse_rfc3339("2026-03-31T15:00:00.2509Z")
                .unwrap()
                .0
                % 1000,
            250
        );
        // Agrees with jiff over its range, leap days and century years included.
        for t in [
            "1970-01-01T00:00:00Z",
            "2000-02-29T23:59:59.001Z",
            "2024-02-29T12:00:00Z",
            "2100-03-01T00:00:00Z",
            "2400-02-29T06:30:15.5Z",
            "9999-12-30T21:00:00Z",
        ] {
            let ours = Millis::parse_rfc3339(t).unwrap();
            let jiffs: jiff::Timestamp = t.parse().unwrap();
            assert_eq!(ours.0 as i64, jiffs.as_millisecond(), "{t}");
            assert_eq!(Millis::parse_rfc3339(&ours.to_rfc3339()).unwrap(), ours);
        }
    }

    #[test]
    fn numbers_have_one_spelling() {
        assert_eq!(parse_canonical_u64("0"), Some(0));
        assert_eq!(parse_canonical_u64("170"), Some(170));
        assert_eq!(parse_canonical_u64("18446744073709551615"), Some(u64::MAX));
        for bad in [
            "",
            "+1",
            "-1",
            "01",
            "00",
            " 1",
            "1 ",
            "1.0",
            "1e3",
            "0x1",
            "١",
            "18446744073709551616",
        ] {
            assert_eq!(parse_canonical_u64(bad), None, "{bad:?}");
        }
    }
}
