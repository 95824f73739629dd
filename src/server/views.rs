//! The oversight views (responsibility, commitment card, overdue, scorecard, objectives,
//! changes, briefing, data quality) over HTTP.
//!
//! PLACEHOLDER for the projections work (issue 3): add each view's route here with the
//! `Routes` builder (`r.get("/views/overdue", handler)`), and its `#[utoipa::path]` to
//! `ViewsDoc` below. Routes added through the builder are listed by `server::routes()`, so the
//! OpenAPI test (tests/server.rs) checks that each one is documented and answers. Every view
//! answer should carry the checkpoint it was computed at (`AppState::head()` gives the latest;
//! `AppState::store()` a consistent snapshot) and errors should be `ApiError` problems.

use super::Routes;
use utoipa::OpenApi;

/// Adds the view routes to the API's routes. None yet.
pub fn routes(r: Routes) -> Routes {
    r
}

/// The views' part of the OpenAPI document.
#[derive(OpenApi)]
#[openapi()]
pub struct ViewsDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    ViewsDoc::openapi()
}
