//! A one-pass check that bytes are already canonical (RFC 8785) in the plain form kordon's
//! events take, so that `event::parse` can read them straight into typed events without
//! building a JSON tree, writing it out again and comparing (SPEC.md, "Canonical JSON").
//!
//! The check is sound, not complete: when it says yes, the bytes are exactly
//! `canonical(parse(bytes))` and hold no `null` and no `[]`; when it says no, the bytes may
//! still be canonical, and the general path decides and names the fault. It says yes only for
//! JSON that is:
//!
//! - valid UTF-8, one object, no whitespace outside strings, nested at most `DEPTH` levels;
//! - objects whose member names are ASCII without escapes, in strictly increasing byte order
//!   (for ASCII names the UTF-16 order JCS sorts by; strict, so no name twice);
//! - non-empty arrays;
//! - strings with exactly the escapes JCS writes: `\"`, `\\`, `\b`, `\t`, `\n`, `\f`, `\r`,
//!   and `\u00xx` in lowercase hex for the other control characters; every other character
//!   literal;
//! - integers `0` or `-?[1-9][0-9]*` of at most 15 digits (so within ±(2^53 − 1));
//! - `true` and `false`.

/// The deepest nesting the check follows (an event's own levels are far fewer; deeper input
/// goes the general way, which enforces `event::MAX_DEPTH`).
pub const DEPTH: usize = 32;

/// The most digits of an integer the check accepts: every 15-digit integer is below 2^53.
const DIGITS: usize = 15;

/// Whether `b` is certainly canonical JSON of the plain form above.
pub fn is_plain_canonical(b: &[u8]) -> bool {
    std::str::from_utf8(b).is_ok() && Scan { b, i: 0 }.document()
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Scan<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn document(&mut self) -> bool {
        self.peek() == Some(b'{') && self.value(1) && self.i == self.b.len()
    }

    fn value(&mut self, depth: usize) -> bool {
        match self.peek() {
            Some(b'{') => depth <= DEPTH && self.object(depth),
            Some(b'[') => depth <= DEPTH && self.array(depth),
            Some(b'"') => self.string().is_some(),
            Some(b't') => self.word(b"true"),
            Some(b'f') => self.word(b"false"),
            Some(b'-' | b'0'..=b'9') => self.integer(),
            _ => false,
        }
    }

    fn word(&mut self, w: &[u8]) -> bool {
        if self.b[self.i..].starts_with(w) {
            self.i += w.len();
            true
        } else {
            false
        }
    }

    fn integer(&mut self) -> bool {
        let negative = self.eat(b'-');
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        let digits = &self.b[start..self.i];
        match digits {
            [] => false,
            // `0`, never `-0` or `01`.
            [b'0'] => !negative,
            [b'0', ..] => false,
            _ => digits.len() <= DIGITS,
        }
    }

    /// A string; its contents (between the quotes) if it is written canonically.
    fn string(&mut self) -> Option<&'a [u8]> {
        if !self.eat(b'"') {
            return None;
        }
        let start = self.i;
        loop {
            let c = self.peek()?;
            self.i += 1;
            match c {
                b'"' => {
                    let b: &'a [u8] = self.b;
                    return Some(&b[start..self.i - 1]);
                }
                0x00..=0x1f => return None,
                b'\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    match e {
                        b'"' | b'\\' | b'b' | b't' | b'n' | b'f' | b'r' => {}
                        b'u' => {
                            let hex = self.b.get(self.i..self.i + 4)?;
                            self.i += 4;
                            // \u00xx in lowercase hex, only for a control character without a
                            // short escape.
                            let code = match hex {
                                [b'0', b'0', h, l] => Some((nibble(*h)? << 4) | nibble(*l)?),
                                _ => None,
                            }?;
                            if code >= 0x20 || matches!(code, 0x08 | 0x09 | 0x0a | 0x0c | 0x0d) {
                                return None;
                            }
                        }
                        _ => return None,
                    }
                }
                _ => {}
            }
        }
    }

    fn object(&mut self, depth: usize) -> bool {
        self.i += 1;
        if self.eat(b'}') {
            return true;
        }
        let mut last: Option<&'a [u8]> = None;
        loop {
            let Some(name) = self.string() else {
                return false;
            };
            if !name.iter().all(|c| c.is_ascii() && *c != b'\\') {
                return false;
            }
            if last.is_some_and(|l| l >= name) {
                return false;
            }
            last = Some(name);
            if !self.eat(b':') || !self.value(depth + 1) {
                return false;
            }
            if self.eat(b'}') {
                return true;
            }
            if !self.eat(b',') {
                return false;
            }
        }
    }

    fn array(&mut self, depth: usize) -> bool {
        self.i += 1;
        loop {
            if !self.value(depth + 1) {
                return false;
            }
            if self.eat(b']') {
                return true;
            }
            if !self.eat(b',') {
                return false;
            }
        }
    }
}

/// A lowercase hex digit's value.
fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::canonical;

    /// What the general path says: canonical, and no null or empty list.
    fn general(b: &[u8]) -> bool {
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(b) else {
            return false;
        };
        fn plain(v: &serde_json::Value) -> bool {
            match v {
                serde_json::Value::Null => false,
                serde_json::Value::Array(a) => !a.is_empty() && a.iter().all(plain),
                serde_json::Value::Object(o) => o.values().all(plain),
                _ => true,
            }
        }
        v.is_object() && plain(&v) && canonical(&v).is_ok_and(|c| c == b)
    }

    #[test]
    fn says_yes_to_canonical_plain_json_and_no_to_each_way_of_leaving_it() {
        let yes: &[&[u8]] = &[
            br#"{}"#,
            br#"{"a":1,"b":[true,false,{"c":"x"}],"c":-12}"#,
            br#"{"a":"\"\\\b\t\n\f\r\u0000\u001f"}"#,
            "{\"a\":\"\u{7f}/\u{2028}€😀\"}".as_bytes(),
            br#"{"a":999999999999999,"b":-999999999999999,"c":0}"#,
            br#"{"A":1,"B":2,"a":3,"aa":4,"ab":5,"b":6}"#,
        ];
        for b in yes {
            assert!(is_plain_canonical(b), "{}", String::from_utf8_lossy(b));
            assert!(general(b), "{}", String::from_utf8_lossy(b));
        }
        let no: &[&[u8]] = &[
            b"",
            b"[1]",
            b"1",
            br#"{"a":1} "#,
            br#"{ "a":1}"#,
            br#"{"a" :1}"#,
            br#"{"b":1,"a":2}"#,
            br#"{"a":1,"a":1}"#,
            br#"{"a":null}"#,
            br#"{"a":[]}"#,
            br#"{"a":01}"#,
            br#"{"a":-0}"#,
            br#"{"a":1.0}"#,
            br#"{"a":1e3}"#,
            br#"{"a":9999999999999999}"#,
            br#"{"a":"\/"}"#,
            br#"{"a":"\u0041"}"#,
            br#"{"a":"\u000A"}"#,
            br#"{"a":"\u000a"}"#,
            br#"{"a":"\u001F"}"#,
            br#"{"a":"\u00e9"}"#,
            br#"{"a":"\u007f"}"#,
            br#"{"a":"\ud83d\ude00"}"#,
            b"{\"a\":\"\n\"}",
            br#"{"\u0061":1}"#,
            "{\"é\":1}".as_bytes(),
            b"{\"a\":\"\xff\"}",
            br#"{"a":tru}"#,
            br#"{"a":1,}"#,
            br#"{"a":[1,]}"#,
            br#"{"a":"x}"#,
        ];
        for b in no {
            assert!(!is_plain_canonical(b), "{}", String::from_utf8_lossy(b));
        }
        let deep = format!("{}1{}", r#"{"a":"#.repeat(DEPTH), "}".repeat(DEPTH));
        assert!(is_plain_canonical(deep.as_bytes()));
        let deeper = format!("{{\"a\":{deep}}}");
        assert!(!is_plain_canonical(deeper.as_bytes()));
    }

    /// Soundness on many near-canonical inputs: every byte of canonical documents replaced,
    /// dropped or doubled; whenever the check says yes, the general path agrees.
    #[test]
    fn never_says_yes_where_the_general_path_says_no() {
        let seeds: &[&[u8]] = &[
            br#"{"a":[1,-2,{"b":"x\ny\u0001"}],"c":true,"d":{"e":"\"\\"}}"#,
            "{\"k\":\"ґ€😀\",\"n\":123456789012345,\"z\":false}".as_bytes(),
        ];
        let alphabet = b"{}[]\",:\\-0123456789abefnrtux eE.";
        let mut checked = 0;
        for seed in seeds {
            assert!(is_plain_canonical(seed) && general(seed));
            for i in 0..seed.len() {
                let mut variants: Vec<Vec<u8>> = Vec::new();
                for &c in alphabet {
                    let mut v = seed.to_vec();
                    v[i] = c;
                    variants.push(v);
                    let mut v = seed.to_vec();
                    v.insert(i, c);
                    variants.push(v);
                }
                let mut v = seed.to_vec();
                v.remove(i);
                variants.push(v);
                for v in variants {
                    if is_plain_canonical(&v) {
                        assert!(general(&v), "{}", String::from_utf8_lossy(&v));
                        checked += 1;
                    }
                }
            }
        }
        // The mutations reach documents the check accepts, so the agreement is tested.
        assert!(checked > 100, "{checked}");
    }
}
