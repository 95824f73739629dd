//! `GET /workspace/qr.svg?text=…`: a QR code of a short text (a body's public key, for the
//! registrar to scan), drawn as SVG on the server with the `qrcode` crate, so the page needs no
//! script library and no image crate.

use crate::server::{ApiError, Q};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde::Deserialize;

/// The longest text drawn: a public key with its body id and key id fits with room to spare.
pub const MAX_TEXT: usize = 256;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// The text to encode (at most 256 bytes).
    pub text: String,
}

/// A QR code of a short text, as SVG.
#[utoipa::path(get, path = "/workspace/qr.svg", tag = "dashboard", params(QrQuery),
    responses((status = 200, description = "The QR code", body = String, content_type = "image/svg+xml"),
              (status = 400, description = "No text, or more than 256 bytes (request.bad-parameter)", body = crate::server::errors::Problem, content_type = "application/problem+json")))]
pub async fn qr(Q(q): Q<QrQuery>) -> Result<Response, ApiError> {
    if q.text.is_empty() || q.text.len() > MAX_TEXT {
        return Err(ApiError::bad_parameter(format!(
            "text must be 1 to {MAX_TEXT} bytes; it is {}",
            q.text.len()
        )));
    }
    let code = QrCode::with_error_correction_level(q.text.as_bytes(), EcLevel::M)
        .map_err(|e| ApiError::bad_parameter(format!("cannot encode the text: {e}")))?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    let mut resp = image.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    super::super::security_headers(h);
    Ok(resp)
}
