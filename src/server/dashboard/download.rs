//! CSV downloads of the dashboard's tables: UTF-8 with a byte-order mark (so a spreadsheet on
//! Ukrainian Windows reads the Cyrillic right), the header in the page's language, cells a
//! spreadsheet would run as formulas neutralised, counts as bare integers, and a file name
//! that carries the day shown and the checkpoint's size (`overdue-2026-11-27-412.csv`).

use super::{Cx, Fail, Page, PageRequest};
use crate::core::projection::History;
use crate::server::{ApiError, AppState};
use crate::store::Snapshot;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A table for download: a header row and rows of cells, already in the reader's language.
pub struct Csv {
    /// The file name's stem (`divergence`, `scorecard`, …).
    pub stem: &'static str,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// The file name of a download: its stem, the day shown and the checkpoint's size.
pub fn file_name(stem: &str, day: crate::core::types::Date, size: u64) -> String {
    format!("{stem}-{day}-{size}.csv")
}

/// The bytes of a download: the byte-order mark, then the CSV. Written in place: the
/// buffer is sized from the cells, and a cell is copied only when `csv_safe` changes it.
pub fn bytes(t: &Csv) -> Vec<u8> {
    let cells: usize = t.rows.iter().flatten().map(|c| c.len() + 3).sum();
    let mut out = Vec::with_capacity(cells + t.rows.len() * 2 + 1024);
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut w = csv::Writer::from_writer(out);
    let _ = w.write_record(&t.header);
    for r in &t.rows {
        for c in r {
            let _ = w.write_field(crate::query::csv_safe(c).as_bytes());
        }
        let _ = w.write_record(None::<&[u8]>);
    }
    w.into_inner().unwrap_or_default()
}

/// Renders a page's CSV off the async workers, as `super::render` renders its HTML.
pub async fn render(
    st: AppState,
    req: PageRequest,
    page: &'static Page,
    f: impl FnOnce(&Cx, &History, &dyn Snapshot) -> Result<(Csv, crate::core::types::Date, u64), Fail>
        + Send
        + 'static,
) -> Response {
    let out = st
        .blocking(move |st| {
            let h = st.projector().read();
            let snap = st.store().snapshot()?;
            let cx = Cx::new(req, page, &h, crate::ledger::system_clock()());
            Ok::<_, ApiError>(
                f(&cx, &h, &*snap).map(|(t, day, size)| (file_name(t.stem, day, size), bytes(&t))),
            )
        })
        .await;
    match out {
        Ok(Ok((name, body))) => {
            let mut resp = (StatusCode::OK, body).into_response();
            let h = resp.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
            super::security_headers(h);
            resp
        }
        Ok(Err(f)) => f.into_problem().into_response(),
        Err(e) => e.into_response(),
    }
}

/// The link and button of a page's CSV: the server's file of every row (`format=csv`).
pub fn link(cx: &Cx, m: &mut String) {
    use std::fmt::Write;
    let mut params: Vec<(&str, &str)> = cx
        .req
        .pairs
        .iter()
        .filter(|(k, _)| k != "format")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    params.push(("format", "csv"));
    params.push(("lang", cx.lang.code()));
    let _ = write!(
        m,
        "<p class=\"table-tools no-print\"><a class=\"button csv\" href=\"{}\">{}</a></p>",
        super::html::E(&super::html::url(&cx.req.path, &params)),
        super::html::E(cx.t(super::i18n::M::h_download_csv))
    );
}

/// The rows a page of a long table shows: at most [`PAGE_ROWS`]; the CSV has them all.
pub const PAGE_ROWS: usize = 500;

/// The page asked for (from 1), clamped to the pages there are, and how many pages there are.
pub fn page_of(asked: &Option<String>, rows: usize) -> (usize, usize) {
    let pages = rows.div_ceil(PAGE_ROWS).max(1);
    let n = super::given(asked)
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1)
        .clamp(1, pages);
    (n, pages)
}

/// The range of rows page `n` shows.
pub fn range(n: usize, rows: usize) -> std::ops::Range<usize> {
    let start = (n.saturating_sub(1) * PAGE_ROWS).min(rows);
    start..(start + PAGE_ROWS).min(rows)
}

/// Links to the previous and next page, keeping the other parameters.
pub fn pager(cx: &Cx, m: &mut String, n: usize, pages: usize) {
    use super::html::E;
    use super::i18n::M;
    use std::fmt::Write;
    if pages < 2 {
        return;
    }
    let link = |p: usize| {
        let mut params: Vec<(&str, &str)> = cx
            .req
            .pairs
            .iter()
            .filter(|(k, _)| k != "page")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let s = p.to_string();
        params.push(("page", &s));
        super::html::url(&cx.req.path, &params)
    };
    let _ = write!(
        m,
        "<nav class=\"pager\" aria-label=\"{}\"><p>{} {n} {} {pages}</p><ul>",
        E(cx.t(M::page)),
        E(cx.t(M::page)),
        E(cx.t(M::of))
    );
    if n > 1 {
        let _ = write!(
            m,
            "<li><a rel=\"prev\" href=\"{}\">{}</a></li>",
            E(&link(n - 1)),
            E(cx.t(M::previous))
        );
    }
    if n < pages {
        let _ = write!(
            m,
            "<li><a rel=\"next\" href=\"{}\">{}</a></li>",
            E(&link(n + 1)),
            E(cx.t(M::next))
        );
    }
    m.push_str("</ul></nav>");
}
