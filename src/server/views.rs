//! The oversight views over HTTP: `GET /views/{view}` with the same parameters, as-of and
//! answers as `kordon query` (both call `crate::query::answer`), as JSON or CSV. Every answer
//! names the checkpoint it was computed at.

use super::errors::{Problem, ServerCode};
use super::{ApiError, AppState, Routes, P, Q};
use crate::query::{self, QueryError, Request, View};
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi};

/// Adds the view routes to the API's routes.
pub fn routes(r: Routes) -> Routes {
    r.get("/views/{view}", view)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `json` (default) or `csv` (UTF-8, a header row, one fact per column).
    pub format: Option<String>,
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> ApiError {
        match e {
            QueryError::BadRequest(m) => ApiError::bad_parameter(m),
            QueryError::NotFound(m) => ApiError::not_found(ServerCode::NotFoundView, m),
            QueryError::Store(s) => s.into(),
        }
    }
}

#[utoipa::path(get, path = "/views/{view}", tag = "views",
    params(
        ("view" = View, Path, description = "responsibility, card, overdue, scorecard, objectives, changes, briefing or quality"),
        Request, FormatQuery,
    ),
    responses(
        (status = 200, description = "The answer: view, checkpoint (size, root), as_of (size, today) and result; or the result as CSV with format=csv", content((Object = "application/json"), (String = "text/csv"))),
        (status = 400, description = "A parameter is malformed (request.parameter)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such view, or the commitment or body does not exist at that point (not-found.view)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn view(
    State(st): State<AppState>,
    P(name): P<String>,
    Q(req): Q<Request>,
    Q(fmt): Q<FormatQuery>,
) -> Result<Response, ApiError> {
    let Some(view) = View::ALL.iter().copied().find(|v| v.name() == name) else {
        return Err(ApiError::not_found(
            ServerCode::NotFoundView,
            format!(
                "there is no view {name:?}; the views are {}",
                View::ALL.map(View::name).join(", ")
            ),
        ));
    };
    let csv = match fmt.format.as_deref() {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(ApiError::bad_parameter(format!(
                "format {other:?} is not json or csv"
            )))
        }
    };
    st.blocking(move |st| {
        // Projections first, then the snapshot: the store commits before the projections
        // hear of it, so the snapshot holds at least every entry the projections folded and
        // can prove the checkpoint the answer names.
        let h = st.projector().read();
        let snap = st.store().snapshot()?;
        let ans = query::answer(&h, &*snap, view, &req, crate::ledger::system_clock()())?;
        if csv {
            let body = ans
                .csv(crate::core::l10n::Lang::En)
                .map_err(|e| ApiError::internal(format!("CSV: {e}")))?;
            let disposition = format!("attachment; filename=\"{}.csv\"", ans.view);
            Ok((
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/csv; charset=utf-8"),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_str(&disposition)
                            .unwrap_or(HeaderValue::from_static("attachment")),
                    ),
                ],
                body,
            )
                .into_response())
        } else {
            let body = serde_json::to_string(&ans)
                .map_err(|e| ApiError::internal(format!("JSON: {e}")))?;
            Ok((
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response())
        }
    })
    .await
}

/// The views' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi(paths(view), components(schemas(View)))]
pub struct ViewsDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ViewsDoc::openapi()
}
