//! C2SP tlog-tiles paths (<https://c2sp.org/tlog-tiles>): how a tile or an entry bundle is
//! named, and which tree level and leaves a tile spans. Serving them is the server's part.
//!
//! `<N>` is written in 3-digit groups, all but the last prefixed with `x` (`x001/x234/067`).

/// Tile height: 2^8 = 256 hashes a tile.
pub const TILE_HEIGHT: u32 = 8;
pub const TILE_WIDTH: u64 = 256;

/// What a tile path names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TilePath {
    /// `None` for an entry bundle.
    pub level: Option<u8>,
    pub index: u64,
    /// 256 for a full tile, 1..=255 for a partial one.
    pub width: u64,
}

/// Encodes a tile index as `x001/x234/067`.
pub fn encode_index(mut n: u64) -> String {
    let mut parts = vec![format!("{:03}", n % 1000)];
    n /= 1000;
    while n > 0 {
        parts.push(format!("x{:03}", n % 1000));
        n /= 1000;
    }
    parts.reverse();
    parts.join("/")
}

/// The path of a tile below `/tile/`, e.g. `0/x001/234.p/7` or `entries/000`.
pub fn encode_path(t: &TilePath) -> String {
    let level = match t.level {
        Some(l) => l.to_string(),
        None => "entries".to_string(),
    };
    let mut s = format!("{level}/{}", encode_index(t.index));
    if t.width < TILE_WIDTH {
        s.push_str(&format!(".p/{}", t.width));
    }
    s
}

fn decimal_no_leading_zero(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    s.parse().ok()
}

/// Parses the part of a tile path after `/tile/`; only the canonical spelling is accepted.
pub fn parse_path(path: &str) -> Option<TilePath> {
    let (main, width) = match path.split_once(".p/") {
        Some((m, w)) => {
            let w = decimal_no_leading_zero(w)?;
            if !(1..TILE_WIDTH).contains(&w) {
                return None;
            }
            (m, w)
        }
        None => (path, TILE_WIDTH),
    };
    let (level, index) = main.split_once('/')?;
    let level = if level == "entries" {
        None
    } else {
        let l = decimal_no_leading_zero(level)?;
        if l > 63 {
            return None;
        }
        Some(l as u8)
    };
    let groups: Vec<&str> = index.split('/').collect();
    let mut n: u64 = 0;
    for (i, g) in groups.iter().enumerate() {
        let digits = if i + 1 < groups.len() {
            g.strip_prefix('x')?
        } else {
            g
        };
        if digits.len() != 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        n = n
            .checked_mul(1000)?
            .checked_add(digits.parse::<u64>().ok()?)?;
    }
    // One spelling per index: no leading all-zero groups.
    if encode_index(n) != index {
        return None;
    }
    Some(TilePath {
        level,
        index: n,
        width,
    })
}

/// The tree level of the hashes in a tile of level `level`, and the number of leaves the tile's
/// first `width` hashes span from the start of the tree; `None` if that overflows.
pub fn span(level: u8, index: u64, width: u64) -> Option<(u8, u64)> {
    let tree_level = u32::from(level).checked_mul(TILE_HEIGHT)?;
    if tree_level >= 64 {
        return None;
    }
    let end = index
        .checked_mul(TILE_WIDTH)?
        .checked_add(width)?
        .checked_mul(1u64 << tree_level)?;
    Some((tree_level as u8, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_encoding_follows_the_spec() {
        assert_eq!(encode_index(1234067), "x001/x234/067");
        assert_eq!(encode_index(0), "000");
        assert_eq!(encode_index(999), "999");
        assert_eq!(encode_index(1000), "x001/000");
        for n in [0u64, 1, 999, 1000, 1234067, u64::MAX] {
            let p = TilePath {
                level: Some(0),
                index: n,
                width: 256,
            };
            assert_eq!(parse_path(&encode_path(&p)), Some(p));
        }
    }

    #[test]
    fn paths_parse_strictly() {
        assert_eq!(
            parse_path("1/x001/234.p/7"),
            Some(TilePath {
                level: Some(1),
                index: 1234,
                width: 7
            })
        );
        assert_eq!(
            parse_path("entries/000"),
            Some(TilePath {
                level: None,
                index: 0,
                width: 256
            })
        );
        for bad in [
            "0/1",
            "0/0001",
            "0/x000/001",
            "01/000",
            "64/000",
            "0/000.p/0",
            "0/000.p/256",
            "0/000.p/07",
            "0/001/002",
            "x/000",
            "0/abc",
            "0",
            "0/000/",
            "entries/x1/000",
        ] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }
}
