//! The frame of every page: language, navigation, the as-of date picker, the checkpoint the
//! page shows, and the assets (one stylesheet, one script; nothing inline).

use super::html::E;
use super::i18n::{self, M};
use super::{asset_version, workspace, Content, Cx, Fail};
use crate::core::projection::History;
use std::fmt::Write;

fn head(out: &mut String, cx: &Cx, h: &History, title: &str) {
    let v = asset_version();
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"{lang}\" data-tz=\"{tz}\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} — kordon {origin}</title>\n\
         <link rel=\"icon\" href=\"/dashboard/assets/favicon.svg?v={v}\" type=\"image/svg+xml\">\n\
         <link rel=\"stylesheet\" href=\"/dashboard/assets/dashboard.css?v={v}\">\n\
         <script src=\"/dashboard/assets/verify.js?v={v}\" defer></script>\n\
         <script src=\"/dashboard/assets/dashboard.js?v={v}\" defer></script>\n{extra}</head>\n",
        extra = if cx.page.section == workspace::SECTION {
            format!(
                "<link rel=\"stylesheet\" href=\"/workspace/assets/workspace.css?v={v}\">\n\
                 <script src=\"/workspace/assets/workspace.js?v={v}\" defer></script>\n"
            )
        } else {
            String::new()
        },
        lang = cx.lang.code(),
        tz = E(&h.time_zone),
        title = E(title),
        origin = E(&h.origin),
    );
}

fn header(out: &mut String, cx: &Cx, today: Option<crate::core::types::Date>) {
    let other = cx.lang.other();
    let _ = write!(
        out,
        "<body data-page=\"{page}\">\n<a class=\"skip\" href=\"#main\">{skip}</a>\n\
         <header class=\"site\">\n<div class=\"bar\">\
         <a class=\"brand\" href=\"{home}\"><span class=\"logo\" aria-hidden=\"true\">◆</span> kordon \
         <span class=\"origin\">{origin}</span></a>\
         <a class=\"lang\" id=\"lang-switch\" href=\"{switch}\" hreflang=\"{oc}\" lang=\"{oc}\">{switch_label}</a>\
         </div>\n<nav aria-label=\"{nav}\"><ul>",
        page = cx.page.section,
        skip = E(cx.t(M::skip)),
        home = E(&cx.link("/", &[])),
        origin = E(&cx.origin),
        switch = E(&cx.lang_switch()),
        oc = other.code(),
        switch_label = E(cx.t(M::switch_lang)),
        nav = E(cx.t(M::nav_label)),
    );
    for p in super::PAGES {
        let Some(label) = p.menu else { continue };
        let current = if p.section == cx.page.section {
            " aria-current=\"page\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<li><a href=\"{}\"{current}>{}</a></li>",
            E(&cx.link(p.path, &[])),
            E(cx.t(label))
        );
    }
    out.push_str("</ul></nav>\n");
    as_of_picker(out, cx, today);
    out.push_str("</form>\n</header>\n");
}

/// The as-of picker: the same page, the same parameters, another date.
fn as_of_picker(out: &mut String, cx: &Cx, today: Option<crate::core::types::Date>) {
    let _ = write!(
        out,
        "<form class=\"asof\" method=\"get\" action=\"{}\">",
        E(&cx.req.path)
    );
    for (k, v) in &cx.req.pairs {
        if k == "as_of" || k == "page" {
            continue;
        }
        let _ = write!(
            out,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            E(k),
            E(v)
        );
    }
    let now = cx.now;
    let max = jiff::Timestamp::from_millisecond(now.0 as i64)
        .map(|t| t.to_zoned(cx.tz.clone()).date().to_string())
        .unwrap_or_default();
    let value = today.map(|d| d.to_string()).unwrap_or_default();
    let _ = write!(
        out,
        "<label for=\"as-of\">{}</label> {} <button type=\"submit\">{}</button>",
        E(cx.t(M::as_of)),
        cx.date_field("as-of", "as_of", &value, &format!(" max=\"{}\"", E(&max))),
        E(cx.t(M::show))
    );
    if cx.req.as_of.is_some() {
        let params: Vec<(&str, &str)> = cx
            .req
            .pairs
            .iter()
            .filter(|(k, _)| k != "as_of" && k != "page")
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let _ = write!(
            out,
            " <a class=\"latest\" href=\"{}\">{}</a>",
            E(&super::html::url(&cx.req.path, &params)),
            E(cx.t(M::latest))
        );
    }
}

fn footer(out: &mut String, cx: &Cx) {
    let _ = writeln!(
        out,
        "<footer class=\"site\"><p>{} <a href=\"/openapi.json\">/openapi.json</a>. \
         <a href=\"/export\">{}</a> · <a href=\"/verifier-key\">{}</a></p></footer>",
        E(cx.t(M::footer)),
        E(cx.t(M::download_export)),
        E(cx.t(M::verifier_key)),
    );
    // The script's words, as data (not executed: the policy allows no inline script).
    let mut words = serde_json::Map::new();
    for m in i18n::JS_MESSAGES {
        words.insert(m.name().to_string(), cx.t(*m).into());
    }
    words.insert("locale".into(), cx.lang.code().into());
    let json = serde_json::Value::Object(words)
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    let _ = write!(
        out,
        "<script type=\"application/json\" id=\"kordon-i18n\">{json}</script>\n</body>\n</html>\n"
    );
}

/// A page: the frame around `c`.
pub fn page(cx: &Cx, h: &History, c: &Content) -> String {
    let mut out = String::with_capacity(c.main.len() + 8192);
    head(&mut out, cx, h, &c.title);
    header(&mut out, cx, Some(c.point.today));
    // Which checkpoint the page shows.
    let time =
        c.at.size
            .checked_sub(1)
            .and_then(|i| h.entries.get(i as usize))
            .map(|e| cx.datetime(e.recorded_at))
            .unwrap_or_default();
    let (count, root_text) = cx.fingerprint(&c.at);
    let when = if cx.req.as_of.is_some() || c.point.size < h.size() {
        format!("{} {}", E(cx.t(M::shown_at)), cx.date(c.point.today))
    } else {
        E(cx.t(M::shown_latest)).to_string()
    };
    let _ = write!(
        out,
        "<section class=\"checkpoint-banner\" aria-label=\"{cp}\" id=\"checkpoint\" data-size=\"{size}\" data-root=\"{root}\">\
         <p><strong>{when}</strong> · {cp}: <strong>{count}</strong>, \
         {root_l} {root_text}, {time_l} {time}. {copy}</p>",
        cp = E(cx.t(M::checkpoint)),
        root_l = E(cx.t(M::root_short)),
        time_l = E(cx.t(M::checkpoint_time)).to_string().to_lowercase(),
        size = c.at.size,
        root = c.at.root.to_hex(),
        copy = cx.copy_button(&cx.fingerprint_quote(h, &c.at)),
    );
    if h.origin.starts_with("kordon.demo/") {
        let _ = write!(out, "<p class=\"demo\">{}</p>", E(cx.t(M::demo_notice)));
    }
    out.push_str("</section>\n<main id=\"main\" tabindex=\"-1\">\n");
    out.push_str(&c.main);
    out.push_str("</main>\n");
    footer(&mut out, cx);
    out
}

/// A page that could not be shown, in the same frame.
pub fn error(cx: &Cx, h: &History, f: &Fail) -> String {
    let mut out = String::with_capacity(4096);
    let title = if f.status.as_u16() == 404 {
        cx.t(M::not_found)
    } else {
        cx.t(M::bad_request)
    };
    head(&mut out, cx, h, title);
    header(&mut out, cx, None);
    let _ = writeln!(
        out,
        "<main id=\"main\" tabindex=\"-1\"><h1>{}</h1><p class=\"problem\" role=\"alert\">{}</p>\
         <p><a href=\"{}\">{}</a></p></main>",
        E(title),
        E(&f.message),
        E(&cx.link("/", &[])),
        E(cx.t(M::back_to_overview)),
    );
    footer(&mut out, cx);
    out
}

/// A section heading with an id (for links) and optional help text.
pub fn section(out: &mut String, id: &str, title: &str, help: Option<&str>) {
    let _ = write!(out, "<h2 id=\"{}\">{}</h2>", E(id), E(title));
    if let Some(h) = help {
        let _ = write!(out, "<p class=\"help\">{}</p>", E(h));
    }
}
