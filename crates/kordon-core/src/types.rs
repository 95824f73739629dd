//! Newtypes for the identifiers, dates, times and decimals that must not be confused
//! (SPEC.md, "Value formats"). Each checks its format when it is deserialized.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_newtype {
    ($(#[$doc:meta])* $name:ident, $check:expr, $what:literal) => {
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
    BodyId, is_body_id, "body id (1-64 of a-z, 0-9 and '-', starting with a letter or digit)"
);
string_newtype!(
    /// A commitment's id, following the act's numbering, e.g. `AP-2026/2.1`.
    CommitmentId, is_item_id, "commitment id (1-128 of A-Z, a-z, 0-9, '.', '_', '/', '-', starting with a letter or digit)"
);
string_newtype!(
    /// An objective's id, e.g. `SO-2`.
    ObjectiveId, is_item_id, "objective id (1-128 of A-Z, a-z, 0-9, '.', '_', '/', '-', starting with a letter or digit)"
);
string_newtype!(
    /// An inquiry's id, chosen by the overseer that raises it.
    InquiryId, is_item_id, "inquiry id (1-128 of A-Z, a-z, 0-9, '.', '_', '/', '-', starting with a letter or digit)"
);
string_newtype!(
    /// An indicator's id, unique within its commitment.
    IndicatorId, is_item_id, "indicator id (1-128 of A-Z, a-z, 0-9, '.', '_', '/', '-', starting with a letter or digit)"
);
string_newtype!(
    /// An event's id, unique in the ledger: 1–128 of `A-Z a-z 0-9 . _ : -`.
    EventId, is_event_id, "event id (1-128 of A-Z, a-z, 0-9, '.', '_', ':', '-', starting with a letter or digit)"
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
    Decimal, is_decimal, "decimal (digits with an optional '-' and '.fraction', no leading zeros, as a string)"
);

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c))
}

string_newtype!(
    /// A SHA-256 digest of an evidence document, 64 lowercase hex digits.
    Sha256Hex, is_sha256_hex, "SHA-256 digest (64 lowercase hex digits)"
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

/// An instant in milliseconds since the Unix epoch (UTC). Entries carry it as a 64-bit integer;
/// events carry it as RFC 3339 text in UTC (`2026-03-01T10:00:00Z`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Default)]
pub struct Millis(pub u64);

impl Millis {
    /// Parses the strict RFC 3339 UTC form events use:
    /// `YYYY-MM-DDTHH:MM:SS` with an optional `.` and 1–9 fraction digits, then `Z`.
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
        // Seconds run 00-59: a leap second ":60" would be a second spelling of ":59".
        let seconds_ok = b.len() >= 19 && b[17] <= b'5';
        let tail = &b[19.min(b.len())..];
        let tail_ok = tail == b"Z"
            || (tail.len() >= 3
                && tail.len() <= 11
                && tail[0] == b'.'
                && tail[tail.len() - 1] == b'Z'
                && tail[1..tail.len() - 1].iter().all(|c| c.is_ascii_digit()));
        if !(base && tail_ok && seconds_ok) {
            return Err(format!(
                "{s:?} is not an RFC 3339 UTC time like 2026-03-01T10:00:00Z"
            ));
        }
        let ts: jiff::Timestamp = s
            .parse()
            .map_err(|_| format!("{s:?} is not a valid RFC 3339 time"))?;
        let ms = ts.as_millisecond();
        if ms < 0 {
            return Err(format!("{s:?} is before 1970"));
        }
        Ok(Millis(ms as u64))
    }

    /// Formats as RFC 3339 UTC with millisecond precision when needed.
    pub fn to_rfc3339(self) -> String {
        match jiff::Timestamp::from_millisecond(self.0 as i64) {
            Ok(ts) => {
                if self.0 % 1000 == 0 {
                    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
                } else {
                    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
                }
            }
            Err(_) => format!("@{}ms", self.0),
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
        ] {
            assert!(Millis::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }
}
