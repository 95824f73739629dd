//! `POST /plans/parse`: reads an action plan (CSV or XLSX) into the `commitment.assigned`
//! bodies it makes and the problems of every row, against the ledger's bodies, objectives and
//! commitments. It only reads: no key, no state change; the workspace signs the bodies in the
//! browser and submits them as one batch.

use super::{ApiError, AppState, Q};
use crate::plan;
use axum::body::Body;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The largest plan file read: a few thousand rows.
pub const MAX_PLAN: usize = 4 << 20;

/// How to read the plan.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlanQuery {
    /// Put before each row's number to make the commitment id (`AP-2026/` and `2.1` make
    /// `AP-2026/2.1`).
    pub prefix: Option<String>,
    /// The act every row cites (e.g. "Cabinet order 1409-r").
    pub act: Option<String>,
    /// The currency of the funding column (default UAH).
    pub currency: Option<String>,
}

/// Read an action plan from a spreadsheet.
///
/// The body is the file itself (CSV in UTF-8 or Windows-1251, or XLSX). The answer lists the
/// columns found, the file's problems, and each row with its line, its cells, the
/// `commitment.assigned` body it makes and its problems (errors stop an import; warnings such as
/// a missing target do not). Nothing is written.
#[utoipa::path(post, path = "/plans/parse", tag = "write", params(PlanQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream", description = "The CSV or XLSX file"),
    responses(
        (status = 200, description = "The plan's rows, bodies and problems", body = Object),
        (status = 413, description = "The file is larger than 4 MiB (request.too-large)", body = super::errors::Problem, content_type = "application/problem+json"),
    ))]
pub async fn parse(
    State(st): State<AppState>,
    Q(q): Q<PlanQuery>,
    body: Body,
) -> Result<Response, ApiError> {
    let bytes = axum::body::to_bytes(body, MAX_PLAN).await.map_err(|_| {
        ApiError::server(
            super::errors::ServerCode::RequestTooLarge,
            format!("a plan file is at most {MAX_PLAN} bytes; split the plan"),
        )
        .with("max_bytes", MAX_PLAN)
    })?;
    let opts = plan::Options {
        id_prefix: q.prefix.unwrap_or_default().trim().to_string(),
        act: q.act,
        currency: q.currency.filter(|c| !c.trim().is_empty()),
    };
    let parsed = st
        .blocking(move |st| {
            let h = st.projector().read();
            Ok(plan::parse(&bytes, &h, &opts))
        })
        .await?;
    let errors = parsed.errors();
    let mut v = serde_json::to_value(&parsed).map_err(|e| ApiError::internal(e.to_string()))?;
    v["errors"] = errors.into();
    Ok(axum::Json(v).into_response())
}
