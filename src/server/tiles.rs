//! The C2SP tlog-tiles read API (<https://c2sp.org/tlog-tiles>), so that transparency-log
//! clients and mirrors can fetch and check the ledger without knowing kordon:
//!
//! - `/checkpoint`: the latest signed checkpoint;
//! - `/tile/<L>/<N>[.p/<W>]`: tile `N` of level `L`, the 256 (or `W`) hashes
//!   `MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L])`;
//! - `/tile/entries/<N>[.p/<W>]`: entry bundle `N`, each entry as a big-endian u16 length and
//!   its bytes (a kordon entry is at most 65,535 bytes, so it always fits).
//!
//! The store keeps the hash of every complete perfect subtree (`NodeId`, level 0 = leaf hash),
//! so a tile of level `L` is the run of stored nodes at tree level `8·L` from index `N·256`.
//! `<N>` is written in 3-digit groups, all but the last prefixed with `x` (`x001/x234/067`).

use super::errors::Problem;
use super::{ApiError, AppState, P};
use crate::core::merkle::NodeId;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

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
fn span(level: u8, index: u64, width: u64) -> Option<(u8, u64)> {
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

fn octets(body: Vec<u8>, private: bool) -> Response {
    let cache = if private {
        "private, max-age=31536000, immutable"
    } else {
        "public, max-age=31536000, immutable"
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}

/// The latest signed checkpoint (C2SP tlog-checkpoint signed note).
#[utoipa::path(get, path = "/checkpoint", tag = "tlog-tiles",
    responses(
        (status = 200, description = "The checkpoint: origin, size, base64 root hash, then the ledger's signature", body = String, content_type = "text/plain; charset=utf-8"),
        (status = 404, description = "The ledger is empty (not-found.checkpoint)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn checkpoint(State(st): State<AppState>) -> Result<Response, ApiError> {
    let head = st.head();
    if head.checkpoint.is_empty() {
        return Err(ApiError::not_found(
            "not-found.checkpoint",
            "the ledger is empty; it has no checkpoint yet",
        ));
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        head.checkpoint.to_string(),
    )
        .into_response())
}

/// A Merkle tree tile or an entry bundle.
#[utoipa::path(get, path = "/tile/{level}/{index}", tag = "tlog-tiles",
    params(
        ("level" = u8, Path, description = "0 to 63; hashes of tree level 8·level"),
        ("index" = String, Path, description = "The tile index in 3-digit groups, all but the last prefixed with x (x001/x234/067), then .p/<W> for a partial tile of W hashes"),
    ),
    responses(
        (status = 200, description = "256 (or W) 32-byte hashes", content_type = "application/octet-stream"),
        (status = 404, description = "No such tile in the tree (not-found.tile)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn tile(State(st): State<AppState>, P(path): P<String>) -> Result<Response, ApiError> {
    let t = parse_path(&path).ok_or_else(|| {
        ApiError::not_found(
            "not-found.tile",
            format!("/tile/{path} is not a tile path (c2sp.org/tlog-tiles)"),
        )
    })?;
    let private = st.config().read_token.is_some();
    match t.level {
        Some(level) => {
            let body = st
                .blocking(move |st| {
                    let snap = st.store().snapshot()?;
                    let missing = || {
                        ApiError::not_found(
                            "not-found.tile",
                            format!(
                                "the tree of {} entries has no tile {}",
                                snap.size(),
                                encode_path(&t)
                            ),
                        )
                    };
                    let (tree_level, end) = span(level, t.index, t.width).ok_or_else(missing)?;
                    if end > snap.size() {
                        return Err(missing());
                    }
                    let mut out = Vec::with_capacity(t.width as usize * 32);
                    for i in 0..t.width {
                        let h = snap.node(NodeId {
                            level: tree_level,
                            index: t.index * TILE_WIDTH + i,
                        })?;
                        out.extend_from_slice(&h.0);
                    }
                    Ok(out)
                })
                .await?;
            Ok(octets(body, private))
        }
        None => {
            let body = st
                .blocking(move |st| {
                    let snap = st.store().snapshot()?;
                    let start = t.index.checked_mul(TILE_WIDTH);
                    let end = start.and_then(|s| s.checked_add(t.width));
                    let (Some(start), Some(end)) = (start, end) else {
                        return Err(ApiError::not_found("not-found.tile", "no such bundle"));
                    };
                    if end > snap.size() {
                        return Err(ApiError::not_found(
                            "not-found.tile",
                            format!(
                                "the ledger of {} entries has no entry bundle {}",
                                snap.size(),
                                encode_path(&t)
                            ),
                        ));
                    }
                    let entries = snap.entries(start, end)?;
                    let mut out =
                        Vec::with_capacity(entries.iter().map(|e| e.len() + 2).sum::<usize>());
                    for e in entries {
                        let len = u16::try_from(e.len()).map_err(|_| {
                            ApiError::storage(format!("an entry of {} bytes", e.len()))
                        })?;
                        out.extend_from_slice(&len.to_be_bytes());
                        out.extend_from_slice(&e);
                    }
                    Ok(out)
                })
                .await?;
            Ok(octets(body, private))
        }
    }
}

/// Documentation only: `/tile/entries/{index}` is served by the same route as the tiles.
#[utoipa::path(get, path = "/tile/entries/{index}", tag = "tlog-tiles",
    params(("index" = String, Path, description = "The bundle index as for tiles (x001/x234/067), then .p/<W> for a partial bundle of W entries")),
    responses(
        (status = 200, description = "256 (or W) entries, each a big-endian u16 length and the entry's bytes", content_type = "application/octet-stream"),
        (status = 404, description = "No such bundle (not-found.tile)", body = Problem, content_type = "application/problem+json"),
    ))]
#[allow(dead_code)]
fn entry_bundle_doc() {}

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
