//! `GET /keys/{key_id}`: the public key a key id names, which body it belongs to, and the
//! entries that registered and revoked it. Events name their signing key only by key id
//! (SPEC.md §6), so a reader checking an event's signature — the dashboard's in-browser
//! verification, or anyone else — needs this to find the key. The answer is only a claim of
//! the server: check that `key_id` = hex(SHA-256(public key)[0..8]), and, to be thorough, verify
//! the entry `registered_at` that introduced it.

use crate::core::keys::KeyId;
use crate::server::errors::{Problem, ServerCode};
use crate::server::{ApiError, AppState, P};
use axum::extract::State;
use axum::Json;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A registered key.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct KeyInfo {
    /// The key id: hex(SHA-256(public key)[0..8]).
    #[schema(example = "19322b5e00096251")]
    pub key_id: String,
    /// The body it is registered to.
    pub body: String,
    /// The Ed25519 public key, base64 of 32 bytes.
    #[schema(example = "jxtzPA3OBDrHEGnhIpqlm708KJAckgsQ2wXXs7ajoIc=")]
    pub public_key: String,
    /// The sequence number of the entry that registered it.
    pub registered_at: u64,
    /// The sequence number of the `key.revoked` entry, if it was revoked (it still verifies
    /// what it signed before).
    pub revoked_at: Option<u64>,
}

/// A key id's public key, for checking the signatures of the events that name it.
#[utoipa::path(get, path = "/keys/{key_id}", tag = "read",
    params(("key_id" = String, Path, description = "A key id: 16 lowercase hex digits, as events name it in `key`")),
    responses(
        (status = 200, description = "The key", body = KeyInfo),
        (status = 400, description = "Not a key id (request.parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No key with that id is registered (not-found.key)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn key(State(st): State<AppState>, P(id): P<String>) -> Result<Json<KeyInfo>, ApiError> {
    let key_id = KeyId::try_from(id.clone()).map_err(|_| {
        ApiError::bad_parameter(format!("{id:?} is not a key id (16 lowercase hex digits)"))
    })?;
    // The key state of the head: no lock, and the same head the page names.
    let found = st.head().keys.get(&key_id).cloned();
    let Some(k) = found else {
        return Err(ApiError::not_found(
            ServerCode::NotFoundKey,
            format!("no key with id {key_id} is registered"),
        ));
    };
    Ok(Json(KeyInfo {
        key_id: key_id.as_str().to_string(),
        body: k.body.to_string(),
        public_key: BASE64.encode(k.public_key),
        registered_at: k.added_at,
        revoked_at: k.revoked_at,
    }))
}
