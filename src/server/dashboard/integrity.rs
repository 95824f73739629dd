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
use super::{render, Content, Cx, Fail, Nav, PageQuery, PageRequest};
use crate::core::entry::{self, EntryRef};
use crate::core::event;
use crate::core::projection::History;
use crate::server::{AppState, Q};
use crate::store::Snapshot;
use crate::witness::cosigning::{self, Cosigning};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;
use std::fmt::Write;
use utoipa::IntoParams;

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IntegrityQuery {
    /// A record to show and verify: an entry's sequence number or an event id.
    pub seq: Option<String>,
}

/// The integrity page.
#[utoipa::path(get, path = "/dashboard/integrity", tag = "dashboard", params(PageQuery, IntegrityQuery),
    responses(
        (status = 200, description = "The page (an HTML page for a browser, else problem+json)", content_type = "text/html"),
        (status = 400, description = "A malformed as-of point (an HTML page for a browser, else problem+json)", content_type = "text/html"),
        (status = 404, description = "No such record (an HTML page for a browser, else problem+json)", content_type = "text/html"),
    ))]
pub async fn page(
    State(st): State<AppState>,
    req: PageRequest,
    Q(_): Q<PageQuery>,
    Q(_): Q<IntegrityQuery>,
) -> Response {
    let vkey = st.verifier_key().to_string();
    let witnessing = st.witnessing().cloned();
    render(st, req, Nav::Integrity, move |cx, h, snap| {
        build(cx, h, snap, &vkey, witnessing.as_deref())
    })
    .await
}

fn build(
    cx: &Cx,
    h: &History,
    snap: &dyn Snapshot,
    vkey: &str,
    witnessing: Option<&Cosigning>,
) -> Result<Content, Fail> {
    let (point, at) = cx.resolve(h, snap)?;
    let checkpoint = snap.checkpoint()?.unwrap_or_default();
    // The checkpoint with every cosignature held for its size (as /checkpoint serves it).
    let checkpoint = match witnessing {
        Some(w) if !checkpoint.is_empty() => w.cosigned(snap.size(), &checkpoint),
        _ => checkpoint,
    };
    let latest = snap.size();
    let mut m = String::with_capacity(16 * 1024);
    let _ = write!(m, "<h1>{}</h1>", E(cx.t(M::integrity)));

    // The fingerprint at the point.
    let time = point
        .size
        .checked_sub(1)
        .and_then(|i| h.entries.get(i as usize))
        .map(|e| cx.datetime(e.recorded_at))
        .unwrap_or_default();
    let _ = write!(
        m,
        "<section aria-labelledby=\"fp\"><h2 id=\"fp\">{}</h2><p class=\"help\">{}</p><dl class=\"facts\">\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd><code class=\"hash\">{}</code><br><code class=\"hash sub\">{}</code></dd><dt>{}</dt><dd>{}</dd></dl>",
        E(cx.t(M::fingerprint)),
        E(cx.t(M::fingerprint_help)),
        E(cx.t(M::tree_size)),
        at.size,
        E(cx.t(M::root_hash)),
        at.root.to_hex(),
        at.root.to_base64(),
        E(cx.t(M::checkpoint_time)),
        time
    );
    if point.size < latest {
        let _ = write!(m, "<p class=\"notice\">{}</p>", E(cx.t(M::as_of_note)));
    }
    m.push_str("</section>");

    // The signed checkpoint and the key.
    let _ = write!(
        m,
        "<section aria-labelledby=\"cp\"><h2 id=\"cp\">{}</h2><p class=\"help\">{}</p><pre class=\"note\" id=\"checkpoint-note\">{}</pre>\
         <p><a href=\"/checkpoint\">/checkpoint</a></p></section>",
        E(cx.t(M::signed_checkpoint)),
        E(cx.t(M::signed_checkpoint_help)),
        E(&checkpoint),
    );

    witnesses_section(cx, &mut m, witnessing, &checkpoint);

    // Verify a record.
    let record = cx.req.param("seq").map(str::to_string);
    let last = latest.saturating_sub(1);
    let default_seq = record
        .clone()
        .unwrap_or_else(|| point.size.saturating_sub(1).to_string());
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
        E(vkey),
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
    if let Some(r) = &record {
        // A number in its one spelling is a sequence number; anything else (`007` too) is
        // looked up as an event id, as the in-browser verifier does.
        let seq = if let Some(n) = crate::core::types::parse_canonical_u64(r) {
            Some(n)
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
        let ev = event::parse_trusted(e.event).map_err(|e| Fail::bad(e.to_string()))?;
        let _ = write!(
            m,
            "<article class=\"panel\" id=\"record\"><h3>{} #{seq}</h3><dl class=\"facts\">\
             <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd><code>{}</code></dd><dt>{}</dt><dd>{}</dd>\
             <dt>{}</dt><dd><code>{}</code></dd><dt>{}</dt><dd><code class=\"hash\">{}</code></dd></dl>\
             <p><a href=\"/entries/{seq}\">/entries/{seq}</a> · <a href=\"/proof/inclusion?seq={seq}\">/proof/inclusion?seq={seq}</a> · \
             <a href=\"/keys/{}\">/keys/{}</a></p></article>",
            E(cx.t(M::entry_details)),
            E(cx.t(M::recorded_at)),
            cx.datetime(e.recorded_at),
            E(cx.t(M::event_type)),
            E(i18n::event_type(cx.lang, ev.kind())),
            E(cx.t(M::event_id)),
            E(ev.id.as_str()),
            E(cx.t(M::signed_by)),
            cx.body_link(h, &ev.author),
            E(cx.t(M::key)),
            E(ev.key.as_str()),
            E(cx.t(M::leaf_hash)),
            entry::entry_hash(&bytes).to_hex(),
            E(ev.key.as_str()),
            E(ev.key.as_str()),
        );
    }
    m.push_str("</section>");

    // Offline.
    let _ = write!(
        m,
        "<section aria-labelledby=\"offline\"><h2 id=\"offline\">{}</h2><p>{}</p>\
         <pre class=\"cmd\">curl -o ledger.export http://HOST/export\nkordon verify ledger.export --key '{}'</pre>\
         <p><a href=\"/export\" download>{}</a> · <a href=\"/verifier-key\">/verifier-key</a></p></section>",
        E(cx.t(M::offline)),
        E(cx.t(M::offline_help)),
        E(vkey),
        E(cx.t(M::download_export)),
    );
    Ok(Content {
        title: cx.t(M::integrity).to_string(),
        main: m,
        point,
        at,
    })
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
            "<p class=\"notice\">{}</p></section>",
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
    m.push_str("</tbody></table>");
    let _ = write!(
        m,
        "<pre class=\"cmd\">curl -o witnesses.policy http://HOST/witnesses/policy\nkordon verify ledger.export --key 'VKEY' --witness-policy witnesses.policy</pre>\
         <p><a href=\"/witnesses/policy\">/witnesses/policy</a> · <a href=\"/witnesses\">/witnesses</a></p></section>"
    );
}
