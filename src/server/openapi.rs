//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations and
//! served at `/openapi.json`. A test (tests/it/server.rs) checks it against the real routes.

use super::errors::{codes, Problem, TYPE_PREFIX};
use super::{check, dashboard, feed, plans, read, receipt, schema, tiles, views, write};
use axum::Json;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "kordon",
        description = "The HTTP API of a kordon ledger: a signed, hash-chained accountability ledger."
    ),
    paths(
        read::index,
        write::submit,
        write::submit_batch,
        check::check,
        schema::events,
        plans::parse,
        read::entries,
        read::entry,
        read::receipt,
        read::event,
        read::inclusion,
        read::consistency,
        read::verifier_key,
        read::export,
        read::witnesses,
        read::witness_policy,
        tiles::checkpoint,
        tiles::tile,
        tiles::entry_bundle_doc,
        feed::feed,
        document,
        read::healthz,
        read::readyz,
    ),
    components(schemas(
        Problem,
        write::SubmitRequest,
        write::BatchRequest,
        write::BatchItem,
        write::BatchResponse,
        check::DraftRequest,
        check::CheckRequest,
        check::CheckResponse,
        receipt::Receipt,
        read::EntryJson,
        read::EntryPage,
        read::InclusionProof,
        read::ConsistencyProof
    )),
    tags(
        (name = "write", description = "Signed submissions, answered with receipts"),
        (name = "read", description = "Entries, the verifier key, the export and the live feed"),
        (name = "proofs", description = "RFC 9162 inclusion and consistency proofs"),
        (name = "tlog-tiles", description = "The C2SP tlog-tiles API (c2sp.org/tlog-tiles)"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

/// The whole document: the API's own paths and the views'.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(views::openapi());
    doc.merge(dashboard::openapi());
    let mut text = String::from(
        "The HTTP API of a kordon ledger. Reads are public unless the server runs with \
         --read-token, then every read needs `Authorization: Bearer <token>` (/healthz and \
         /readyz excepted). Submissions need no token: the signature authenticates them.\n\n\
         Errors are RFC 9457 problem details (application/problem+json) whose `type` is \
         ",
    );
    text.push_str(TYPE_PREFIX);
    text.push_str(
        "<code>, with the code also in `code`, what was wrong in `detail` and what to do in \
         `hint`. A refused submission writes nothing.\n\n| code | status | meaning |\n|---|---|---|\n",
    );
    for (code, status, what) in codes() {
        text.push_str(&format!("| `{code}` | {status} | {what} |\n"));
    }
    doc.info.description = Some(text);
    doc.info.version = env!("CARGO_PKG_VERSION").to_string();
    doc
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "read",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}
