//! HTML helpers: escaping (every string from the ledger goes through `E`), URLs with
//! percent-encoded query values, and links to documents named in evidence.

use std::fmt;

/// Writes a string HTML-escaped, safe in text and in quoted attribute values. A string that
/// holds bidirectional embeddings, overrides or isolates is written isolated, between FSI
/// (U+2068) and PDI (U+2069): the characters `<bdi>` stands for, which also work inside an
/// attribute. A PDI closes every embedding and override opened inside it, so a ledger text
/// cannot reorder the page around it.
pub struct E<'a>(pub &'a str);

fn bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

impl fmt::Display for E<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.chars().any(bidi_control) {
            f.write_str("\u{2068}")?;
            Escaped(self.0).fmt(f)?;
            return f.write_str("\u{2069}");
        }
        Escaped(self.0).fmt(f)
    }
}

struct Escaped<'a>(&'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0;
        let mut last = 0;
        for (i, c) in s.char_indices() {
            let rep = match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => continue,
            };
            f.write_str(&s[last..i])?;
            f.write_str(rep)?;
            last = i + 1;
        }
        f.write_str(&s[last..])
    }
}

/// The escaped string.
pub fn esc(s: &str) -> String {
    E(s).to_string()
}

/// Percent-encodes a query component (everything but RFC 3986 unreserved characters).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?k=v&…` with the values encoded (raw: escape it with `E` inside HTML).
pub fn url(path: &str, params: &[(&str, &str)]) -> String {
    let mut u = path.to_string();
    let mut first = true;
    for (k, v) in params {
        if v.is_empty() {
            continue;
        }
        u.push(if first { '?' } else { '&' });
        first = false;
        u.push_str(&encode(k));
        u.push('=');
        u.push_str(&encode(v));
    }
    u
}

/// A document's location: a link when it is an http(s) URL (opened without the referrer and
/// without access to this page), plain text otherwise.
pub fn location(loc: &str, external: &str) -> String {
    let l = loc.trim();
    let lower = l.to_ascii_lowercase();
    if (lower.starts_with("https://") || lower.starts_with("http://"))
        && !l.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        format!(
            "<a href=\"{}\" rel=\"noopener noreferrer nofollow\" class=\"ext\">{}<span class=\"visually-hidden\"> ({})</span></a>",
            E(l),
            E(l),
            E(external)
        )
    } else {
        format!("<span class=\"loc\">{}</span>", E(l))
    }
}

/// Orders identifiers such as `AP-2026/2.1` and `AP-2026/10.1` as people expect: runs of
/// digits compare as numbers.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let n = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let m = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (p, q) = (&x[..n], &y[..m]);
                let p = &p[p.iter().take_while(|c| **c == b'0').count().min(n - 1)..];
                let q = &q[q.iter().take_while(|c| **c == b'0').count().min(m - 1)..];
                let o = p.len().cmp(&q.len()).then_with(|| p.cmp(q));
                if o != Ordering::Equal {
                    return o;
                }
                x = &x[n..];
                y = &y[m..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

/// A key whose byte order is `natural_cmp`'s order: each run of digits becomes `0`, its length
/// (leading zeros dropped) and its digits. For sorting many ids with `sort_by_cached_key`.
pub fn natural_key(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len() + 8);
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            let run = &b[start..i];
            let zeros = run
                .iter()
                .take_while(|c| **c == b'0')
                .count()
                .min(run.len() - 1);
            let digits = &run[zeros..];
            out.push(b'0');
            out.push(digits.len().min(255) as u8);
            out.extend_from_slice(digits);
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_html_interprets() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("Київ"), "Київ");
    }

    #[test]
    fn urls_encode_values() {
        assert_eq!(
            url("/dashboard/commitment", &[("id", "AP-2026/2.1"), ("x", "")]),
            "/dashboard/commitment?id=AP-2026%2F2.1"
        );
        assert_eq!(url("/", &[("q", "a&b c")]), "/?q=a%26b%20c");
    }

    #[test]
    fn only_http_locations_are_links() {
        assert!(location("javascript:alert(1)", "x").starts_with("<span"));
        assert!(location("https://example.org/a.pdf", "x").starts_with("<a "));
        assert!(location("https://e.org/\"><script>", "x").contains("&quot;&gt;&lt;script&gt;"));
    }

    #[test]
    fn natural_order() {
        let mut v = vec!["AP-2026/10.1", "AP-2026/2.1", "AP-2026/1.3", "AP-2026/1.10"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            v,
            ["AP-2026/1.3", "AP-2026/1.10", "AP-2026/2.1", "AP-2026/10.1"]
        );
        let ids = [
            "AP-2026/1.3",
            "AP-2026/1.10",
            "AP-2026/1.1",
            "a",
            "a0",
            "a00",
            "a1",
            "a01",
            "a-1",
            "a.1",
            "a/1",
            "aa",
            "a9",
            "a10",
            "b",
            "A",
            "0",
            "",
            "a1b",
            "a1.",
            "a12x",
            "Z-7",
        ];
        for x in ids {
            for y in ids {
                assert_eq!(
                    natural_key(x).cmp(&natural_key(y)),
                    natural_cmp(x, y),
                    "{x:?} {y:?}"
                );
            }
        }
    }
}
