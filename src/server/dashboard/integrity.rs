//! Integrity: the ledger's fingerprint, its signed checkpoint and verifier key, and "verify in
//! this browser" for any record: the script fetches the entry (`/entries/{seq}` or
//! `/events/{id}`), its inclusion proof (`/proof/inclusion`), the checkpoint (`/checkpoint`)
//! and the author's key (`/keys/{key_id}`), and checks with Web Crypto (Ed25519, SHA-256):
//! the checkpoint's signed-note signature under the verifier key, the leaf hash
//! SHA-256(0x00 ‖ entry), the RFC 9162 inclusion proof up to the checkpoint's root, and the
//! author's signature over "kordon/event/v1\n" ‖ event. Without JavaScript the page shows the
//! record and how to verify an export offline.

use super::html::E;
use super::i18n::{self, M};
use super::{documented, given, render, Content, Cx, Fail, Page, PageQuery, PageRequest};
use crate::core::entry::{self, EntryRef};
use crate::core::event::{self, Event};
use crate::core::hash::Hash;
use crate::core::projection::{History, Point};
use crate::core::types::Millis;
use crate::projector::At;
use crate::server::{AppState, Routes, Q};
use crate::store::Snapshot;
use crate::witness::cosigning::{self, Cosigning};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa::IntoParams;

pub const PAGE: Page = Page {
    section: "integrity",
    menu: Some(M::integrity),
    path: "/dashboard/integrity",
    route,
    doc: documented::<__path_page>,
};

fn route(r: Routes) -> Routes {
    r.get("/dashboard/integrity", page)
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IntegrityQuery {
    /// A record to show and verify: an entry's sequence number or an event id.
    pub seq: Option<String>,
}

/// The integrity page.
#[utoipa::path(get, path = "/dashboard/integrity", tag = "dashboard", operation_id = "dashboard_integrity", params(PageQuery, IntegrityQuery),
    responses(
        (status = 200, description = "The page", body = String, content_type = "text/html"),
        (status = 400, description = "A malformed as-of point: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
        (status = 404, description = "No such record: an HTML page for a browser (Accept: text/html), else problem details", content((String = "text/html"), (crate::server::errors::Problem = "application/problem+json"))),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(q): Q<IntegrityQuery>,
) -> Response {
    let vkey = st.verifier_key().to_string();
    let witnessing = st.witnessing().cloned();
    render(st, req, &PAGE, move |cx, h, snap| {
        let v = view(cx, h, snap, &q, vkey, witnessing)?;
        Ok(content(cx, h, &q, &v))
    })
    .await
}

/// What the page shows: the checkpoint at the page's point, the latest signed one (with the
/// cosignatures held for it), who witnesses it, and the record asked for.
pub struct Integrity {
    pub point: Point,
    pub at: At,
    /// The latest signed checkpoint, and the size of the ledger it covers.
    pub checkpoint: String,
    pub latest: u64,
    pub vkey: String,
    /// The witnesses asked to cosign, if any.
    pub witnessing: Option<std::sync::Arc<Cosigning>>,
    pub record: Option<Record>,
}

/// One entry, to show and verify.
pub struct Record {
    pub seq: u64,
    pub recorded_at: Millis,
    pub leaf: Hash,
    pub event: Event,
}

pub fn view(
    cx: &Cx,
    h: &History,
    snap: &dyn Snapshot,
    q: &IntegrityQuery,
    vkey: String,
    witnessing: Option<std::sync::Arc<Cosigning>>,
) -> Result<Integrity, Fail> {
    let (point, at) = cx.resolve(h, snap)?;
    let checkpoint = snap.checkpoint()?.unwrap_or_default();
    // The checkpoint with every cosignature held for its size (as /checkpoint serves it).
    let checkpoint = match &witnessing {
        Some(w) if !checkpoint.is_empty() => w.cosigned(snap.size(), &checkpoint),
        _ => checkpoint,
    };
    let latest = snap.size();
    Ok(Integrity {
        point,
        at,
        checkpoint,
        latest,
        vkey,
        witnessing,
        record: given(&q.seq).map(|r| record(snap, r, latest)).transpose()?,
    })
}

/// The record `r` names: a sequence number (digits), else an event id.
fn record(snap: &dyn Snapshot, r: &str, latest: u64) -> Result<Record, Fail> {
    let seq = if !r.is_empty() && r.bytes().all(|c| c.is_ascii_digit()) {
        r.parse::<u64>().ok()
    } else {
        snap.seq_of_event(r)?
    };
    let Some(seq) = seq.filter(|s| *s < latest) else {
        return Err(Fail::not_found(format!(
            "the ledger has {latest} entries and no record {r:?}"
        )));
    };
    let bytes = snap
        .entries(seq, seq + 1)?
        .pop()
        .ok_or_else(|| Fail::not_found(format!("no entry {seq}")))?;
    let e = EntryRef::decode(&bytes).map_err(|e| Fail::bad(e.to_string()))?;
    let event = event::parse_trusted(e.event).map_err(|e| Fail::bad(e.to_string()))?;
    Ok(Record {
        seq,
        recorded_at: e.recorded_at,
        leaf: entry::entry_hash(&bytes),
        event,
    })
}

pub fn content(cx: &Cx, h: &History, q: &IntegrityQuery, v: &Integrity) -> Content {
    let mut m = String::with_capacity(16 * 1024);
    let _ = write!(m, "<h1>{}</h1>", E(cx.t(M::integrity)));
    fingerprint(&mut m, cx, h, v);
    checkpoint(&mut m, cx, v);
    witnesses_section(cx, &mut m, v.witnessing.as_deref(), &v.checkpoint);
    verify_form(&mut m, cx, q, v);
    if let Some(r) = &v.record {
        record_panel(&mut m, cx, h, r);
    }
    m.push_str("</section>");
    offline(&mut m, cx, v);
    Content {
        title: cx.t(M::integrity).to_string(),
        main: m,
        point: v.point,
        at: v.at,
    }
}

/// The fingerprint at the page's point.
fn fingerprint(m: &mut String, cx: &Cx, h: &History, v: &Integrity) {
    let (fp_size, fp_root) = cx.fingerprint(&v.at);
    let time = v
        .point
        .size
        .checked_sub(1)
        .and_then(|i| h.entries.get(i as usize))
        .map(|e| cx.datetime(e.recorded_at))
        .unwrap_or_default();
    let _ = write!(
        m,
        "<section aria-labelledby=\"fp\"><h2 id=\"fp\">{}</h2><p class=\"help\">{}</p><dl class=\"facts\">\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}<br><code class=\"hash sub\">{}</code></dd><dt>{}</dt><dd>{}</dd></dl>\
         <p class=\"quote\"><span class=\"l\">{}:</span> <q id=\"fp-quote\">{}</q> {}</p>",
        E(cx.t(M::fingerprint)),
        E(cx.t(M::fingerprint_help)),
        E(cx.t(M::tree_size)),
        fp_size,
        E(cx.t(M::root_hash)),
        fp_root,
        v.at.root.to_base64(),
        E(cx.t(M::checkpoint_time)),
        time,
        E(cx.t(M::quote)),
        E(&cx.fingerprint_quote(h, &v.at)),
        cx.copy_button(&cx.fingerprint_quote(h, &v.at)),
    );
    if v.point.size < v.latest {
        let _ = write!(m, "<p class=\"notice\">{}</p>", E(cx.t(M::as_of_note)));
    }
    m.push_str("</section>");
}

/// The signed checkpoint and the key.
fn checkpoint(m: &mut String, cx: &Cx, v: &Integrity) {
    let _ = write!(
        m,
        "<section aria-labelledby=\"cp\"><h2 id=\"cp\">{}</h2><p class=\"help\">{}</p><pre class=\"note\" id=\"checkpoint-note\">{}</pre>\
         <p><a href=\"/checkpoint\">/checkpoint</a></p></section>",
        E(cx.t(M::signed_checkpoint)),
        E(cx.t(M::signed_checkpoint_help)),
        E(&v.checkpoint),
    );
}

/// "Verify in this browser": the record and the key to check it with (the script does it).
fn verify_form(m: &mut String, cx: &Cx, q: &IntegrityQuery, v: &Integrity) {
    let last = v.latest.saturating_sub(1);
    let default_seq = given(&q.seq)
        .map(str::to_string)
        .unwrap_or_else(|| v.point.size.saturating_sub(1).to_string());
    let _ = write!(
        m,
        "<section aria-labelledby=\"verify\" id=\"verify-section\"><h2 id=\"verify\">{}</h2><p class=\"help\">{}</p>\
         <form id=\"verify-form\" class=\"filters\" method=\"get\" action=\"/dashboard/integrity#verify\"><fieldset><legend>{}</legend>\
         <label class=\"field\"><span>{} (0–{last})</span><input id=\"verify-seq\" name=\"seq\" value=\"{}\" required inputmode=\"numeric\" autocomplete=\"off\"></label>\
         <label class=\"field grow\"><span>{}</span><input id=\"vkey\" value=\"{}\" spellcheck=\"false\" autocomplete=\"off\"></label>\
         <p class=\"help wide\">{}</p>",
        E(cx.t(M::verify_title)),
        E(cx.t(M::verify_help)),
        E(cx.t(M::entry_details)),
        E(cx.t(M::record_seq)),
        E(&default_seq),
        E(cx.t(M::verifier_key)),
        E(&v.vkey),
        E(cx.t(M::verifier_key_help)),
    );
    if let Some(a) = &cx.req.as_of {
        let _ = write!(
            m,
            "<input type=\"hidden\" name=\"as_of\" value=\"{}\">",
            E(a)
        );
    }
    let _ = write!(
        m,
        "<div class=\"actions\"><button type=\"submit\" id=\"verify-button\">{}</button></div></fieldset></form>\
         <noscript><p class=\"notice\">{}</p></noscript>\
         <div id=\"verify-out\" hidden><p id=\"verify-result\" role=\"status\" aria-live=\"polite\"></p><ol id=\"verify-steps\" class=\"steps\"></ol></div>",
        E(cx.t(M::verify_button)),
        E(cx.t(M::needs_js)),
    );
}

/// The record's facts and where the API serves it.
fn record_panel(m: &mut String, cx: &Cx, h: &History, r: &Record) {
    let (seq, ev) = (r.seq, &r.event);
    let _ = write!(
        m,
        "<article class=\"panel\" id=\"record\"><h3>{} #{seq}</h3><dl class=\"facts\">\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd><code>{}</code></dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd><code>{}</code></dd><dt>{}</dt><dd><code class=\"hash\">{}</code></dd></dl>\
         <p><a href=\"/entries/{seq}\">/entries/{seq}</a> · <a href=\"/proof/inclusion?seq={seq}\">/proof/inclusion?seq={seq}</a> · \
         <a href=\"/keys/{}\">/keys/{}</a></p></article>",
        E(cx.t(M::entry_details)),
        E(cx.t(M::recorded_at)),
        cx.datetime(r.recorded_at),
        E(cx.t(M::event_type)),
        E(i18n::event_type(cx.lang, ev.kind())),
        E(cx.t(M::event_id)),
        E(ev.id.as_str()),
        E(cx.t(M::signed_by)),
        cx.body_link(h, &ev.author),
        E(cx.t(M::key)),
        E(ev.key.as_str()),
        E(cx.t(M::leaf_hash)),
        r.leaf.to_hex(),
        E(ev.key.as_str()),
        E(ev.key.as_str()),
    );
    // What it says, in the page's words where the ledger has them, and what checking it
    // cannot show.
    if let Some(ch) = crate::core::projection::views::change_at(h, seq) {
        let _ = write!(
            m,
            "<section class=\"panel\" id=\"record-says\"><h3>{}</h3><p><span class=\"kind\">{}</span> {} {}</p></section>",
            E(cx.t(M::h_record_says)),
            E(i18n::event_type(cx.lang, ch.kind)),
            ch.commitment
                .as_ref()
                .map(|c| cx.commitment_link(c))
                .unwrap_or_default(),
            E(ch.summary.get(cx.lang)),
        );
    }
    let _ = write!(
        m,
        "<section class=\"panel\" id=\"not-proven\"><h3>{}</h3><p>{}</p></section>",
        E(cx.t(M::h_not_proven)),
        E(cx.t(M::h_not_proven_text))
    );
}

/// How to verify an export offline.
fn offline(m: &mut String, cx: &Cx, v: &Integrity) {
    let _ = write!(
        m,
        "<section aria-labelledby=\"offline\"><h2 id=\"offline\">{}</h2><p>{}</p>\
         <pre class=\"cmd\">curl -o ledger.export http://HOST/export\nkordon verify ledger.export --key '{}'</pre>\
         <p><a href=\"/export\" download>{}</a> · <a href=\"/verifier-key\">/verifier-key</a></p></section>",
        E(cx.t(M::offline)),
        E(cx.t(M::offline_help)),
        E(&v.vkey),
        E(cx.t(M::download_export)),
    );
}

/// Who witnessed the checkpoint shown: each configured witness, its algorithm, when it
/// cosigned (or the last size it cosigned), and a cell the script fills in after checking the
/// Ed25519 cosignatures with Web Crypto (ML-DSA-44 cannot be checked there yet; the page says
/// so and points to the command line).
fn witnesses_section(cx: &Cx, m: &mut String, w: Option<&Cosigning>, checkpoint: &str) {
    let _ = write!(
        m,
        "<section aria-labelledby=\"wit\"><h2 id=\"wit\">{}</h2><p class=\"help\">{}</p>",
        E(cx.t(M::witnesses)),
        E(cx.t(M::witnesses_help))
    );
    let Some(w) = w else {
        let _ = write!(
            m,
            "<p class=\"notice\">{} (<code>kordon serve --witness</code>).</p></section>",
            E(cx.t(M::no_witnesses))
        );
        return;
    };
    let found = cosigning::who_cosigned(w.policy(), checkpoint);
    let _ = write!(
        m,
        "<p>{}: <strong>{}</strong></p>",
        E(cx.t(M::witness_policy)),
        E(&w.policy().describe())
    );
    if let Some(x) = w.witnessed() {
        let _ = write!(m, "<p>{} {}</p>", E(cx.t(M::witnessed_checkpoint)), x.size);
    }
    let _ = write!(
        m,
        "<table id=\"witness-table\"><thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead><tbody>",
        E(cx.t(M::witness)),
        E(cx.t(M::algorithm)),
        E(cx.t(M::cosigned_at)),
        E(cx.t(M::in_browser)),
    );
    let status = w.status();
    for e in w.endpoints() {
        witness_row(cx, m, e, &found, &status);
    }
    m.push_str("</tbody></table>");
    let _ = write!(
        m,
        "<pre class=\"cmd\">curl -o witnesses.policy http://HOST/witnesses/policy\nkordon verify ledger.export --key 'VKEY' --witness-policy witnesses.policy</pre>\
         <p><a href=\"/witnesses/policy\">/witnesses/policy</a> · <a href=\"/witnesses\">/witnesses</a></p></section>"
    );
}

/// A witness's row: its name and key, algorithm, and when it cosigned the checkpoint shown (or
/// the last size it cosigned, and whether asking it fails).
fn witness_row(
    cx: &Cx,
    m: &mut String,
    e: &cosigning::WitnessEndpoint,
    found: &[crate::core::cosignature::Cosigned],
    status: &[cosigning::WitnessStatus],
) {
    let here = found.iter().find(|c| c.witness == e.label);
    let when = match here {
        Some(c) => cx.datetime(crate::core::types::Millis(c.timestamp.saturating_mul(1000))),
        None => {
            let st = status.iter().find(|s| s.label == e.label);
            let last = st
                .and_then(|s| s.latest.as_ref())
                .map(|l| format!("; {} {}", cx.t(M::latest_cosigned), l.size))
                .unwrap_or_default();
            let failing = st
                .filter(|s| s.failures > 0)
                .map(|_| format!(" ({})", cx.t(M::witness_failing)))
                .unwrap_or_default();
            format!(
                "<span class=\"sub\">{}{}{}</span>",
                E(cx.t(M::not_cosigned)),
                E(&last),
                E(&failing)
            )
        }
    };
    let _ = write!(
        m,
        "<tr class=\"witness\" data-vkey=\"{}\" data-alg=\"{}\" data-cosigned=\"{}\"><td><strong>{}</strong><br><code class=\"sub\">{}</code></td><td>{}</td><td>{}</td><td class=\"witness-check\">…</td></tr>",
        E(&e.key.to_vkey()),
        E(e.key.algorithm().as_str()),
        here.is_some(),
        E(&e.label),
        E(e.key.name()),
        E(e.key.algorithm().as_str()),
        when,
    );
}
