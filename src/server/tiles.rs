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

use super::errors::{Problem, ServerCode};
use super::read::EntryStream;
use super::{ApiError, AppState, P};
use crate::core::merkle::NodeId;
use crate::core::tiles::{encode_path, parse_path, span, TILE_WIDTH};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

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
        (status = 200, description = "The checkpoint: origin, size, base64 root hash, then the ledger's signature and every witness cosignature held for this size", body = String, content_type = "text/plain; charset=utf-8"),
        (status = 404, description = "The ledger is empty (not-found.checkpoint)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn checkpoint(State(st): State<AppState>) -> Result<Response, ApiError> {
    // A note carries only signatures over its own text: the cosignatures of this size.
    let head = st.cosigned_head();
    if head.checkpoint.is_empty() {
        return Err(ApiError::not_found(
            ServerCode::NotFoundCheckpoint,
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
            ServerCode::NotFoundTile,
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
                            ServerCode::NotFoundTile,
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
            let (start, end) = st
                .blocking(move |st| {
                    let snap = st.store().snapshot()?;
                    let start = t.index.checked_mul(TILE_WIDTH);
                    let end = start.and_then(|s| s.checked_add(t.width));
                    let (Some(start), Some(end)) = (start, end) else {
                        return Err(ApiError::not_found(
                            ServerCode::NotFoundTile,
                            "no such bundle",
                        ));
                    };
                    if end > snap.size() {
                        return Err(ApiError::not_found(
                            ServerCode::NotFoundTile,
                            format!(
                                "the ledger of {} entries has no entry bundle {}",
                                snap.size(),
                                encode_path(&t)
                            ),
                        ));
                    }
                    Ok((start, end))
                })
                .await?;
            // Up to 256 entries of up to 64 KiB each: streamed a chunk at a time.
            let body = EntryStream::new(st, start, end, |_, _, bytes, out| {
                crate::export::frame(bytes, out).map_err(|e| ApiError::storage(e.to_string()))
            })
            .body()
            .await?;
            let mut resp = octets(Vec::new(), private);
            *resp.body_mut() = body;
            resp.extensions_mut().insert(super::Gzip);
            Ok(resp)
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
