//! The time zone names a genesis may give (SPEC.md, "Genesis", `genesis.time-zone`): exactly
//! the names listed in `time_zones.txt`, byte for byte.
//!
//! The list is fixed here rather than read from the bundled time zone database at run time,
//! so that upgrading the database (which adds names every few releases) cannot change which
//! ledgers are valid; a test holds the list to the database the views compute dates with.

/// The IANA time zone database release the list is taken from.
pub const TZDATA_RELEASE: &str = "2026f";

/// The list: one name a line, sorted by bytes, `#` lines are comments.
pub const NAMES_FILE: &str = include_str!("time_zones.txt");

/// Every valid name, in byte order.
pub fn names() -> impl Iterator<Item = &'static str> {
    NAMES_FILE.lines().filter(|l| !l.starts_with('#'))
}

/// Whether `name` is a valid time zone name: case-sensitive, Zone and Link names alike.
pub fn is_valid(name: &str) -> bool {
    names().any(|n| n == name)
}

/// The valid name that `name` spells in another case (`europe/kyiv` → `Europe/Kyiv`), to
/// suggest in an error message.
pub fn suggestion(name: &str) -> Option<&'static str> {
    names().find(|n| n.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_list_is_sorted_unique_and_plain() {
        let all: Vec<&str> = names().collect();
        assert_eq!(all.len(), 597);
        for w in all.windows(2) {
            assert!(w[0] < w[1], "{} then {}", w[0], w[1]);
        }
        for n in &all {
            assert!(
                !n.is_empty()
                    && n.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"/_-+".contains(&b)),
                "{n:?}"
            );
        }
    }

    #[test]
    fn the_list_is_the_bundled_database_without_factory() {
        // If this fails after an upgrade of jiff's bundled database, the set of valid names
        // would change: update time_zones.txt, TZDATA_RELEASE and SPEC.md together, on
        // purpose, and regenerate the vectors.
        let db = jiff::tz::TimeZoneDatabase::bundled();
        let bundled: BTreeSet<String> = db.available().map(|n| n.as_str().to_string()).collect();
        let mut listed: BTreeSet<String> = names().map(String::from).collect();
        listed.insert("Factory".into());
        assert_eq!(bundled, listed);
        for n in names() {
            let tz = db.get(n).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert!(tz.iana_name().is_some(), "{n}");
        }
    }

    #[test]
    fn names_are_case_sensitive_and_links_count() {
        for ok in [
            "Europe/Kyiv",
            "Europe/Kiev",
            "UTC",
            "Etc/UTC",
            "America/New_York",
        ] {
            assert!(is_valid(ok), "{ok}");
        }
        for bad in [
            "europe/kyiv",
            "EUROPE/KYIV",
            "utc",
            "Etc/Unknown",
            "Factory",
            "Europe/Kyiv ",
            "",
            "Europe/Nowhere",
            "localtime",
        ] {
            assert!(!is_valid(bad), "{bad}");
        }
        assert_eq!(suggestion("europe/kyiv"), Some("Europe/Kyiv"));
        assert_eq!(suggestion("utc"), Some("UTC"));
        assert_eq!(suggestion("Etc/Unknown"), None);
    }
}
