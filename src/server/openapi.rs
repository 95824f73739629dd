//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations and
//! served at `/openapi.json`. A test (tests/it/server.rs) checks it against the real routes.

use super::errors::{codes, Problem, TYPE_PREFIX};
use super::{check, dashboard, feed, metrics, plans, read, receipt, schema, tiles, views, write};
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
        metrics::metrics,
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
        (name = "health", description = "Liveness, readiness and metrics"),
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
    add_common_answers(&mut doc);
    doc
}

/// The answers any route may give, whatever its handler: 401 to a read without the token
/// (with --read-token), 414 to a URL over 8 KiB, 503 when every connection is busy or the
/// answer took too long. Added here so that no operation forgets them.
fn add_common_answers(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/problem+json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build(),
        )
    };
    for (path, item) in doc.paths.paths.iter_mut() {
        let public = super::is_public(path);
        for (op, read) in [(item.get.as_mut(), true), (item.post.as_mut(), false)] {
            let Some(op) = op else { continue };
            let answers = &mut op.responses.responses;
            if read && !public {
                answers.entry("401".into()).or_insert_with(|| {
                    problem("The server runs with --read-token and the request carried no valid bearer token (read.unauthorized)")
                });
            }
            answers.entry("414".into()).or_insert_with(|| {
                problem("The path and query are longer than 8 KiB (request.uri-too-long)")
            });
            answers.entry("503".into()).or_insert_with(|| {
                problem("Every connection is busy (server.connections) or the answer took too long (server.timeout); retry after Retry-After")
            });
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/openapi.json", tag = "read",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi())
}
