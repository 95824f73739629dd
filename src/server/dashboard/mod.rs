//! The oversight dashboard: server-rendered HTML pages for parliamentary staff, served by
//! `kordon serve` beside the API, from assets compiled into the binary.
//!
//! Every page reads fully without JavaScript; `assets/dashboard/dashboard.js` adds live
//! filtering, sorting, CSV download of the rows shown, chart read-outs, localized dates and
//! the in-browser verification of a record (Web Crypto). Pages are computed from the
//! projections (`query::answer` and the `History` facts the views are made of), never by
//! scanning the store, and each names the checkpoint (tree size and root) it shows.
//!
//! One file per page (`overview.rs`, `commitments.rs`, `card.rs`, `bodies.rs`, `changes.rs`,
//! `briefing.rs`, `integrity.rs`), each with its `PAGE` (its route, its documentation, its
//! place in the navigation) listed in [`PAGES`], its typed query, the typed view it computes,
//! and the section functions that write it; the words in `i18n.rs` (Ukrainian by default,
//! English with `?lang=en`, remembered in a cookie), the frame of every page in `layout.rs`,
//! the charts in `charts.rs` and HTML helpers in `html.rs`. The bodies' workspace
//! (`workspace/`) has its four pages in the same table, in the section `workspace`. `keys.rs`
//! is the small API endpoint the in-browser verification needs: a key id's public key.
//!
//! Everything from the ledger is untrusted text: it is HTML-escaped wherever it is written,
//! and every page is sent with a Content-Security-Policy that allows scripts only from this
//! server's files (no inline script).

pub mod bodies;
pub mod briefing;
pub mod card;
pub mod changes;
pub mod charts;
pub mod commitments;
pub mod compare;
pub mod deadlines;
pub mod divergence;
pub mod download;
pub mod html;
pub mod i18n;
pub mod integrity;
pub mod keys;
pub mod layout;
pub mod overview;
pub mod quality;
pub mod workspace;

use super::errors::ServerCode;
use super::{ApiError, AppState, Routes};
use crate::core::projection::{History, Outcome, Point};
use crate::core::types::{BodyId, CommitmentId, Date, Millis};
use crate::projector::{self, At};
use crate::query::{self, QueryError};
use crate::store::Snapshot;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use html::E;
use i18n::{Lang, Say, M};
use serde::Deserialize;
use std::fmt::Write;
use std::sync::OnceLock;
use utoipa::{IntoParams, OpenApi};

/// The cookie that remembers the reader's language.
pub const LANG_COOKIE: &str = "kordon_lang";

/// Content-Security-Policy of every page: scripts and styles only from this server's files,
/// no inline script, no plug-ins, no framing, fetches only to this server.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; \
    frame-ancestors 'none'";

pub const CSS: &str = include_str!("../../../assets/dashboard/dashboard.css");
pub const JS: &str = include_str!("../../../assets/dashboard/dashboard.js");
pub const FAVICON: &str = include_str!("../../../assets/dashboard/favicon.svg");
/// The browser's verification of signatures, checkpoints and proofs (SPEC.md), shared by the
/// Integrity page and the workspace's receipts.
pub const VERIFY_JS: &str = include_str!("../../../assets/dashboard/verify.js");

/// A page of the dashboard: where it is served and documented, and where the navigation shows
/// it. Adding a page is its file (with its `PAGE`) and its line in [`PAGES`].
pub struct Page {
    /// The section it belongs to: the body's `data-page`, and the navigation entry marked
    /// current while it is shown.
    pub section: &'static str,
    /// Its label, if the navigation lists it (linking to `path`).
    pub menu: Option<M>,
    pub path: &'static str,
    /// Adds its route to the server's routes.
    pub route: fn(Routes) -> Routes,
    /// Adds its operation to the OpenAPI document.
    pub doc: fn(&mut utoipa::openapi::OpenApi),
}

/// The route table: every page, in the navigation's order.
pub const PAGES: [&Page; 15] = [
    &overview::PAGE,
    &commitments::PAGE,
    &card::PAGE,
    &bodies::PAGE,
    &changes::PAGE,
    &briefing::PAGE,
    &compare::PAGE,
    &divergence::PAGE,
    &deadlines::PAGE,
    &quality::PAGE,
    &integrity::PAGE,
    &workspace::HOME,
    &workspace::FORM,
    &workspace::KEYS,
    &workspace::PLAN,
];

/// A page's `doc`: the operation its handler's `#[utoipa::path]` describes, under the
/// dashboard's tag (which the `OpenApi` derive would add for a path it lists).
pub fn documented<P: utoipa::Path>(doc: &mut utoipa::openapi::OpenApi) {
    let mut operation = P::operation();
    operation.tags = Some(vec!["dashboard".to_string()]);
    doc.paths
        .add_path_operation(P::path(), P::methods(), operation);
}

/// A page that adds nothing (the overview is `read::index`'s answer to a browser).
pub fn nothing<T>(t: T) -> T {
    t
}

/// Adds the dashboard's pages, its assets and `GET /keys/{key_id}` to the API's routes. The
/// overview itself is `/` (see `read::index`, which answers JSON to API clients).
pub fn routes(r: Routes) -> Routes {
    PAGES
        .iter()
        .fold(r, |r, p| (p.route)(r))
        .get("/dashboard/assets/dashboard.css", css)
        .get("/dashboard/assets/dashboard.js", js)
        .get("/dashboard/assets/favicon.svg", favicon)
        .get_public("/keys/{key_id}", keys::key)
        .get("/dashboard/assets/verify.js", verify_js)
        .get("/workspace/qr.svg", workspace::qr::qr)
        .get("/workspace/assets/workspace.js", workspace_js)
        .get("/workspace/assets/workspace.css", workspace_css)
}

/// The dashboard's part of the OpenAPI document (the pages add theirs).
#[derive(OpenApi)]
#[openapi(
    paths(
        css,
        js,
        favicon,
        keys::key,
        verify_js,
        workspace::qr::qr,
        workspace_js,
        workspace_css
    ),
    components(schemas(keys::KeyInfo)),
    tags((name = "dashboard", description = "The oversight dashboard: HTML pages for people (Ukrainian by default, `lang=en` for English)"))
)]
pub struct DashboardDoc;

pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = DashboardDoc::openapi();
    for p in PAGES {
        (p.doc)(&mut doc);
    }
    doc
}

/// A page parameter as given: trimmed, `None` if missing or empty.
pub fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The parameters every page takes.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// `uk` (Ukrainian, the default) or `en` (English); remembered in a cookie.
    pub lang: Option<String>,
    /// Show the ledger as it stood at the end of this day (YYYY-MM-DD, in the ledger's time
    /// zone), or after its first N entries. Default: now.
    pub as_of: Option<String>,
}

/// What a page request carries: the language (from `lang`, else the cookie, else Ukrainian),
/// the as-of point as given, and the query pairs (for links that keep them).
#[derive(Debug, Clone)]
pub struct PageRequest {
    pub lang: Lang,
    /// `lang` was given in the query: remember it.
    pub remember: bool,
    pub as_of: Option<String>,
    pub path: String,
    pub pairs: Vec<(String, String)>,
    /// The client accepts HTML (a browser). Others get a page's errors as problem+json.
    pub wants_html: bool,
    /// The address the reader reached this server by (`http://host:port`, from `Host` and
    /// `X-Forwarded-Proto`), for links that leave the screen: the briefing's QR code.
    pub base: Option<String>,
}

impl<S: Send + Sync> FromRequestParts<S> for PageRequest {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
                .map(|q| q.0)
                .map_err(|e| ApiError::bad_parameter(e.body_text()))?;
        Ok(PageRequest::new(parts.uri.path(), pairs, &parts.headers))
    }
}

impl PageRequest {
    pub fn new(path: &str, pairs: Vec<(String, String)>, headers: &HeaderMap) -> PageRequest {
        let from_query = pairs
            .iter()
            .rev()
            .find(|(k, _)| k == "lang")
            .and_then(|(_, v)| Lang::parse(v));
        let from_cookie = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .and_then(|(_, v)| Lang::parse(v));
        let as_of = pairs
            .iter()
            .rev()
            .find(|(k, _)| k == "as_of")
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty());
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b".-:[]".contains(&c))
            });
        let scheme = match headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
        {
            Some("https") => "https",
            _ => "http",
        };
        PageRequest {
            base: host.map(|h| format!("{scheme}://{h}")),
            lang: from_query.or(from_cookie).unwrap_or(Lang::Uk),
            remember: from_query.is_some(),
            as_of,
            path: path.to_string(),
            wants_html: headers
                .get_all(header::ACCEPT)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|a| a.contains("text/html")),
            pairs: pairs
                .into_iter()
                .filter(|(k, v)| k != "lang" && !v.is_empty())
                .collect(),
        }
    }
}

/// Everything a page renders with: the request, the ledger's time zone and the present.
pub struct Cx {
    pub req: PageRequest,
    pub lang: Lang,
    pub page: &'static Page,
    pub now: Millis,
    pub tz: jiff::tz::TimeZone,
    pub origin: String,
}

impl Cx {
    pub fn new(req: PageRequest, page: &'static Page, h: &History, now: Millis) -> Cx {
        Cx {
            lang: req.lang,
            page,
            now,
            tz: jiff::tz::TimeZone::get(&h.time_zone).unwrap_or(jiff::tz::TimeZone::UTC),
            origin: h.origin.clone(),
            req,
        }
    }

    pub fn t(&self, m: M) -> &'static str {
        self.lang.t(m)
    }

    /// The question `query::answer` is asked, as of the page's point.
    pub fn request(&self) -> query::Request {
        query::Request {
            as_of: self.req.as_of.clone(),
            ..Default::default()
        }
    }

    /// The point the page shows, exactly as `query::answer` resolves it.
    pub fn point(&self, h: &History) -> Result<Point, Fail> {
        if let Some(a) = &self.req.as_of {
            self.point_param(h, M::as_of, a)?;
        }
        Ok(query::ask(h, &self.request(), self.now)?.at)
    }

    /// A `DATE|N` parameter (as-of, since, until) resolved as `query::point` resolves it, or
    /// refused in the page's language, naming the field: a reader who typed a date by hand
    /// (a browser without a date picker) reads what to write instead.
    pub fn point_param(&self, h: &History, field: M, value: &str) -> Result<Point, Fail> {
        query::point(h, value, None).map_err(|e| match e {
            QueryError::BadRequest(_) => {
                let count = value.bytes().all(|c| c.is_ascii_digit())
                    && crate::core::types::parse_canonical_u64(value).is_some();
                let m = if count { M::point_beyond } else { M::bad_point };
                Fail::bad(
                    self.t(m)
                        .replace("{field}", self.t(field))
                        .replace("{value}", value)
                        .replace("{size}", &self.count(h.size(), &crate::core::l10n::ENTRIES)),
                )
            }
            e => e.into(),
        })
    }

    /// The point the page shows and the checkpoint it names.
    pub fn resolve(&self, h: &History, snap: &dyn Snapshot) -> Result<(Point, At), Fail> {
        let p = self.point(h)?;
        Ok((p, projector::at(snap, p.size).map_err(QueryError::from)?))
    }

    /// A link to a dashboard page with parameters, keeping the as-of date. Raw: escape it
    /// (with `E`) when writing it into HTML.
    pub fn link(&self, path: &str, params: &[(&str, &str)]) -> String {
        let mut all: Vec<(&str, &str)> = params.to_vec();
        if let Some(a) = &self.req.as_of {
            if !params.iter().any(|(k, _)| *k == "as_of") {
                all.push(("as_of", a));
            }
        }
        html::url(path, &all)
    }

    /// The current page with the other language.
    pub fn lang_switch(&self) -> String {
        let mut params: Vec<(&str, &str)> = self
            .req
            .pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        params.push(("lang", self.lang.other().code()));
        html::url(&self.req.path, &params)
    }

    /// A count with its noun in the reader's language and grammar: "173 записи", "5 днів".
    pub fn count(&self, n: u64, noun: &crate::core::l10n::Noun) -> String {
        crate::core::l10n::count(self.lang, n, noun)
    }

    /// The ledger's fingerprint at a checkpoint as every page shows it (`l10n::Fingerprint`):
    /// the number of entries, and the root as groups of four hex digits, each value free of
    /// breakable spaces. HTML.
    pub fn fingerprint(&self, at: &At) -> (String, String) {
        let fp = crate::core::l10n::Fingerprint {
            size: at.size,
            root: at.root,
        };
        (
            format!(
                "<span class=\"fp-size nowrap\">{}</span>",
                E(&self.count(at.size, &crate::core::l10n::ENTRIES))
            ),
            // A phone narrower than the root may wrap it between groups of four (`<wbr>`),
            // never inside one; wider screens keep it whole (no-break spaces).
            format!(
                "<code class=\"hash fp-root\" title=\"{}\">{}</code>",
                at.root.to_hex(),
                E(&fp.root_text())
                    .to_string()
                    .replace('\u{a0}', "\u{a0}<wbr>")
            ),
        )
    }

    /// The quotation line of the fingerprint at `at` (`Fingerprint::quote`). Text.
    pub fn fingerprint_quote(&self, h: &History, at: &At) -> String {
        crate::core::l10n::Fingerprint {
            size: at.size,
            root: at.root,
        }
        .quote(self.lang, &h.origin)
    }

    /// The button that copies a quotation line (`text`) to the clipboard, and the live region
    /// that says it did. HTML. Rendered hidden: the script reveals it, so a page read without
    /// scripts shows nothing that does not work; it never prints.
    pub fn copy_button(&self, text: &str) -> String {
        format!(
            "<span class=\"copy no-print\"><button type=\"button\" class=\"copy js-only\" data-copy=\"{}\" hidden>{}</button>\
             <span class=\"copy-status\" role=\"status\" aria-live=\"polite\"></span></span>",
            E(text),
            E(self.t(M::copy_quote))
        )
    }

    /// A date field: the browser's own date input (the accessible choice, with its calendar)
    /// and, beside it, the date it holds written in words in the page's language
    /// (`l10n::date`: "27 листопада 2026 р."), since the input itself speaks the browser's
    /// language (an English browser shows "mm/dd/yyyy" on a Ukrainian page). The words are
    /// the server's; the script rewrites them as the reader picks another day. `attrs` are
    /// the input's other attributes (HTML). The label is the caller's (`for` = `id`).
    pub fn date_field(&self, id: &str, name: &str, value: &str, attrs: &str) -> String {
        let words = Date::parse(value)
            .map(|d| crate::core::l10n::date(self.lang, d))
            .unwrap_or_default();
        format!(
            "<input type=\"date\" id=\"{id}\" name=\"{name}\" value=\"{}\" aria-describedby=\"{id}-words\"{attrs}>\
             <span class=\"date-words\" id=\"{id}-words\">{}</span>",
            E(value),
            E(&words),
            id = E(id),
            name = E(name),
        )
    }

    /// A date, localized by the script.
    pub fn date(&self, d: Date) -> String {
        format!("<time datetime=\"{d}\">{d}</time>")
    }

    /// An instant, in the ledger's time zone, localized by the script.
    pub fn datetime(&self, t: Millis) -> String {
        let shown = jiff::Timestamp::from_millisecond(t.0 as i64)
            .map(|ts| {
                ts.to_zoned(self.tz.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        format!(
            "<time datetime=\"{}\" data-dt=\"1\">{}</time>",
            t.to_rfc3339(),
            shown
        )
    }

    /// A body's name in the reader's language (its id if unknown).
    pub fn body_name<'a>(&self, h: &'a History, id: &'a BodyId) -> &'a str {
        h.bodies
            .get(id)
            .map(|b| self.lang.pick(&b.name_uk, &b.name_en))
            .unwrap_or(id.as_str())
    }

    /// A link to a body's page, named in the reader's language, with its id as a tooltip.
    pub fn body_link(&self, h: &History, id: &BodyId) -> String {
        format!(
            "<a href=\"{}\" title=\"{}\">{}</a>",
            E(&self.link("/dashboard/bodies", &[("id", id.as_str())])),
            E(id.as_str()),
            E(self.body_name(h, id))
        )
    }

    /// A short link to a body: its id, with its name as a tooltip (for crowded tables).
    pub fn body_short_link(&self, h: &History, id: &BodyId) -> String {
        format!(
            "<a href=\"{}\" title=\"{}\">{}</a>",
            E(&self.link("/dashboard/bodies", &[("id", id.as_str())])),
            E(self.body_name(h, id)),
            E(id.as_str())
        )
    }

    /// A link to a commitment's card.
    pub fn commitment_link(&self, id: &CommitmentId) -> String {
        format!(
            "<a href=\"{}\">{}</a>",
            E(&self.link("/dashboard/commitment", &[("id", id.as_str())])),
            E(id.as_str())
        )
    }

    /// A commitment's title in the reader's language.
    pub fn title<'a>(&self, uk: &'a str, en: Option<&'a str>) -> &'a str {
        match (self.lang, en) {
            (Lang::En, Some(e)) if !e.trim().is_empty() => e,
            _ => uk,
        }
    }
}

/// What a page renders into the frame.
pub struct Content {
    pub title: String,
    pub main: String,
    pub point: Point,
    pub at: At,
}

/// A page that cannot be shown: the status and what to tell the reader.
#[derive(Debug)]
pub struct Fail {
    pub status: StatusCode,
    pub message: String,
}

impl Fail {
    pub fn bad(message: impl Into<String>) -> Fail {
        Fail {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Fail {
        Fail {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }
}

impl Fail {
    /// The same failure as an API problem (for clients that do not ask for HTML).
    pub fn into_problem(self) -> ApiError {
        match self.status {
            StatusCode::NOT_FOUND => ApiError::not_found(ServerCode::NotFoundView, self.message),
            StatusCode::BAD_REQUEST => ApiError::bad_parameter(self.message),
            _ => ApiError::internal(self.message),
        }
    }
}

impl From<QueryError> for Fail {
    fn from(e: QueryError) -> Fail {
        match e {
            QueryError::BadRequest(m) => Fail::bad(m),
            QueryError::NotFound(m) => Fail::not_found(m),
            QueryError::Store(s) => Fail {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                message: s.to_string(),
            },
        }
    }
}

impl From<crate::store::StoreError> for Fail {
    fn from(e: crate::store::StoreError) -> Fail {
        QueryError::Store(e).into()
    }
}

/// Renders a page off the async workers: reads the projections, then a snapshot (which holds
/// at least every entry the projections folded), and frames what `f` makes of them.
pub async fn render(
    st: AppState,
    req: PageRequest,
    page: &'static Page,
    f: impl FnOnce(&Cx, &History, &dyn Snapshot) -> Result<Content, Fail> + Send + 'static,
) -> Response {
    let remember = req.remember.then_some(req.lang);
    let wants_html = req.wants_html;
    let rendered = st
        .blocking(move |st| {
            let h = st.projector().read();
            let snap = st.store().snapshot()?;
            let cx = Cx::new(req, page, &h, crate::ledger::system_clock()());
            match f(&cx, &h, &*snap) {
                Ok(c) => Ok((StatusCode::OK, layout::page(&cx, &h, &c))),
                Err(fail) if wants_html => Ok((fail.status, layout::error(&cx, &h, &fail))),
                // An API client that did not ask for HTML gets the problem as JSON.
                Err(fail) => Err(fail.into_problem()),
            }
        })
        .await;
    match rendered {
        Ok((status, body)) => html_response(status, body, remember),
        Err(e) => e.into_response(),
    }
}

/// An HTML answer with the dashboard's security headers (and the language cookie if the
/// reader chose one).
pub fn html_response(status: StatusCode, body: String, remember: Option<Lang>) -> Response {
    let mut resp = (status, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    security_headers(h);
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(l) = remember {
        if let Ok(v) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            l.code()
        )) {
            h.insert(header::SET_COOKIE, v);
        }
    }
    resp
}

pub fn security_headers(h: &mut HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// A short digest of an asset, so its URL changes when the binary's copy does.
pub fn asset_version() -> &'static str {
    static V: OnceLock<String> = OnceLock::new();
    V.get_or_init(|| {
        let mut all = String::with_capacity(CSS.len() + JS.len() + FAVICON.len());
        all.push_str(CSS);
        all.push_str(JS);
        all.push_str(FAVICON);
        all.push_str(VERIFY_JS);
        all.push_str(workspace::JS);
        all.push_str(workspace::CSS);
        crate::core::hash::Hash::sha256(all.as_bytes()).to_hex()[..12].to_string()
    })
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    security_headers(h);
    resp
}

/// The dashboard's stylesheet (screen and print).
#[utoipa::path(get, path = "/dashboard/assets/dashboard.css", tag = "dashboard",
    responses((status = 200, description = "The stylesheet", body = String, content_type = "text/css")))]
pub async fn css() -> Response {
    asset("text/css; charset=utf-8", CSS)
}

/// The dashboard's script: filters, sorting, CSV, charts, dates and in-browser verification.
#[utoipa::path(get, path = "/dashboard/assets/dashboard.js", tag = "dashboard",
    responses((status = 200, description = "The script", body = String, content_type = "text/javascript")))]
pub async fn js() -> Response {
    asset("text/javascript; charset=utf-8", JS)
}

/// The browser's verification (SPEC.md §2, §7–§10), shared by the Integrity page and receipts.
#[utoipa::path(get, path = "/dashboard/assets/verify.js", tag = "dashboard",
    responses((status = 200, description = "The script", body = String, content_type = "text/javascript")))]
pub async fn verify_js() -> Response {
    asset("text/javascript; charset=utf-8", VERIFY_JS)
}

/// The workspace's script: forms from the event types' schema, the canonical encoder, keys in
/// Web Crypto, signing, submission and receipts.
#[utoipa::path(get, path = "/workspace/assets/workspace.js", tag = "dashboard",
    responses((status = 200, description = "The script", body = String, content_type = "text/javascript")))]
pub async fn workspace_js() -> Response {
    asset("text/javascript; charset=utf-8", workspace::JS)
}

/// The workspace's stylesheet.
#[utoipa::path(get, path = "/workspace/assets/workspace.css", tag = "dashboard",
    responses((status = 200, description = "The stylesheet", body = String, content_type = "text/css")))]
pub async fn workspace_css() -> Response {
    asset("text/css; charset=utf-8", workspace::CSS)
}

/// The dashboard's icon.
#[utoipa::path(get, path = "/dashboard/assets/favicon.svg", tag = "dashboard",
    responses((status = 200, description = "The icon", body = String, content_type = "image/svg+xml")))]
pub async fn favicon() -> Response {
    asset("image/svg+xml", FAVICON)
}

/// Writes a `<select>` of options (value, label), with `selected` chosen.
pub fn select(
    out: &mut String,
    name: &str,
    label: &str,
    any: &str,
    options: &[(String, String)],
    selected: Option<&str>,
) {
    let _ = write!(
        out,
        "<label class=\"field\"><span>{}</span><select name=\"{}\" data-filter=\"{}\"><option value=\"\">{}</option>",
        E(label),
        E(name),
        E(name),
        E(any)
    );
    for (v, l) in options {
        let sel = if selected == Some(v.as_str()) {
            " selected"
        } else {
            ""
        };
        let _ = write!(out, "<option value=\"{}\"{sel}>{}</option>", E(v), E(l));
    }
    out.push_str("</select></label>");
}

/// A handover's outcome as a badge with its time, or pending.
pub fn outcome(cx: &Cx, o: Option<(Millis, Outcome)>) -> String {
    match o {
        Some((at, o)) => {
            let name = serde_json::to_value(o)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default();
            format!(
                "<span class=\"outcome o-{}\">{}</span> {}",
                E(&name),
                E(i18n::outcome(cx.lang, &name)),
                cx.datetime(at)
            )
        }
        None => format!(
            "<span class=\"outcome o-pending\">{}</span>",
            E(cx.t(M::pending))
        ),
    }
}
