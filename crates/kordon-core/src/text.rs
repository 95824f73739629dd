//! Which characters of a text are visible (SPEC.md, "Value formats", *visible character*): a
//! text the rules require (`text.required`) must hold at least one.
//!
//! The rule is a fixed table, not a Unicode library's current data, so that every verifier
//! reaches the same verdict whatever Unicode version its platform ships: the table is part of
//! format version 1 and does not change when Unicode adds characters.

/// The invisible characters, as inclusive ranges of code points in ascending order: every
/// character that is
///
/// * White_Space (PropList.txt): U+0009–U+000D, U+0020, U+0085, U+00A0, U+1680,
///   U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000 — these include every character of
///   the separator categories Zs, Zl and Zp;
/// * of general category Cc (control: U+0000–U+001F, U+007F–U+009F) or Cf (format, such as
///   U+00AD, U+200B–U+200F, U+202A–U+202E, U+2060–U+2064, U+FEFF, the tags U+E0001 and
///   U+E0020–U+E007F);
/// * Default_Ignorable_Code_Point (DerivedCoreProperties.txt), which adds the Hangul fillers
///   U+115F, U+1160, U+3164, U+FFA0, the combining grapheme joiner U+034F, the variation
///   selectors, and the code points reserved as default-ignorable (U+2065, U+FFF0–U+FFF8,
///   U+E0000–U+E0FFF);
/// * or one of two symbols that render as blank space: U+2800 BRAILLE PATTERN BLANK and
///   U+1D159 MUSICAL SYMBOL NULL NOTEHEAD,
///
/// taken from the Unicode Character Database 15.0 (unchanged in 16.0 for these properties).
pub const INVISIBLE: &[(u32, u32)] = &[
    (0x0000, 0x0020),
    (0x007F, 0x00A0),
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x115F, 0x1160),
    (0x1680, 0x1680),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x2000, 0x200F),
    (0x2028, 0x202F),
    (0x205F, 0x206F),
    (0x2800, 0x2800),
    (0x3000, 0x3000),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D159, 0x1D159),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
];

/// Whether `c` is a visible character: any Unicode scalar value not in `INVISIBLE`.
pub fn is_visible(c: char) -> bool {
    let c = c as u32;
    // The last range that starts at or before `c`, if `c` falls inside it.
    let i = INVISIBLE.partition_point(|&(lo, _)| lo <= c);
    !(i > 0 && c <= INVISIBLE[i - 1].1)
}

/// Whether `s` holds at least one visible character: the test `text.required` applies.
pub fn has_visible(s: &str) -> bool {
    s.chars().any(is_visible)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_chars() -> impl Iterator<Item = char> {
        (0..=0x10FFFF).filter_map(char::from_u32)
    }

    #[test]
    fn the_table_is_sorted_and_disjoint() {
        for w in INVISIBLE.windows(2) {
            assert!(w[0].0 <= w[0].1, "{:x?}", w[0]);
            // Adjacent ranges would have been written as one.
            assert!(w[0].1 + 1 < w[1].0, "{:x?} {:x?}", w[0], w[1]);
        }
    }

    #[test]
    fn white_space_and_controls_are_invisible() {
        // `char::is_whitespace` is the White_Space property; `is_control` is category Cc.
        for c in all_chars().filter(|c| c.is_whitespace() || c.is_control()) {
            assert!(!is_visible(c), "U+{:04X}", c as u32);
        }
        // U+001C-U+001F are not White_Space (unlike many languages' strip()), but are
        // controls, so they are invisible all the same.
        assert!(!'\u{1c}'.is_whitespace());
        assert!(!is_visible('\u{1c}'));
        assert_eq!(all_chars().filter(|c| c.is_whitespace()).count(), 25);
    }

    #[test]
    fn format_and_default_ignorable_characters_are_invisible() {
        for c in [
            '\u{00}',
            '\u{7f}',
            '\u{85}',
            '\u{ad}',
            '\u{34f}',
            '\u{61c}',
            '\u{115f}',
            '\u{180e}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{202e}',
            '\u{2060}',
            '\u{2064}',
            '\u{2065}',
            '\u{2066}',
            '\u{2800}',
            '\u{3164}',
            '\u{fe0f}',
            '\u{feff}',
            '\u{ffa0}',
            '\u{fff9}',
            '\u{1d159}',
            '\u{1d173}',
            '\u{e0001}',
            '\u{e0041}',
            '\u{e0100}',
            '\u{e01ef}',
            '\u{e0fff}',
        ] {
            assert!(!is_visible(c), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn letters_digits_marks_and_symbols_are_visible() {
        for c in [
            'a',
            'Z',
            '0',
            '.',
            '-',
            'Я',
            'ї',
            '€',
            '٠',
            '中',
            '✓',
            '😀',
            '\u{301}',
            '\u{e000}',
            '\u{fffd}',
            '\u{2801}',
            '\u{1d15a}',
            '\u{13440}',
            '\u{e1000}',
            '\u{10ffff}',
        ] {
            assert!(is_visible(c), "U+{:04X}", c as u32);
        }
        // The only letters in the table are the four Hangul fillers, which render as nothing.
        let letters: Vec<u32> = all_chars()
            .filter(|c| !is_visible(*c) && c.is_alphanumeric())
            .map(|c| c as u32)
            .collect();
        assert_eq!(letters, [0x115F, 0x1160, 0x3164, 0xFFA0]);
    }

    #[test]
    fn a_text_needs_one_visible_character() {
        assert!(has_visible("Звіт за I квартал"));
        assert!(has_visible(" x "));
        assert!(has_visible("\u{200b}.\u{200b}"));
        for blank in [
            "",
            " ",
            "\t\n\r",
            "\u{0}",
            "\u{200b}",
            "\u{2060}",
            "\u{feff}\u{200d}",
            "\u{1c}\u{1d}\u{1e}\u{1f}",
            "\u{3000}\u{a0}\u{2800}",
            "\u{e0020}\u{e007f}",
        ] {
            assert!(!has_visible(blank), "{blank:?}");
        }
    }
}
