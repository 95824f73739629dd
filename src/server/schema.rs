//! `GET /schema/events`: one description of the event types, derived from the Rust body types
//! (JSON Schema 2020-12, through `schemars`), that drives the workspace's forms and the
//! browser's canonical encoder, so a new event type needs no new JavaScript.
//!
//! The document holds, for each type of SPEC.md §5.3 in the table's order, who may sign it and
//! its body's schema (a reference into `$defs`). Every identifier is a string with its grammar's
//! `pattern` and a `format` saying what it names (`kordon-body-id`, `kordon-event-id`, …); each
//! property of a body also says what a form offers for it (`x-pick`): a list of the ledger's
//! bodies, commitments, objectives, inquiries, the commitment's indicators, its pending handover,
//! its claims, its extension requests or its events, a body's keys, a public key, or a new id
//! that the author chooses (a commitment's number in the act, say). Absent optional members are
//! omitted (SPEC.md §5.2): no schema allows `null`, and every list has at least one element.

use crate::core::event::{schema::body_schema, EventKind};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use schemars::generate::SchemaSettings;
use serde_json::{json, Map, Value};
use std::sync::OnceLock;

/// Who may sign an event type (SPEC.md §11, §12.4 "signer"): which bodies a form is offered to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// The founding registrar, once, with `kordon init`: no form.
    Founder,
    Registrar,
    /// A registrar, or the body itself.
    RegistrarOrSelf,
    Coordinator,
    Executor,
    /// The body a commitment was assigned to.
    Assignee,
    /// The lead, or a coordinator.
    LeadOrCoordinator,
    /// The body a handover is offered to.
    Receiver,
    /// The body that proposed a handover.
    Proposer,
    Lead,
    LeadOrCoExecutor,
    OverseerOrCoordinator,
    Overseer,
    /// The body an inquiry is addressed to (or its successor).
    Addressee,
    AnyBody,
}

impl Signer {
    pub fn name(self) -> &'static str {
        match self {
            Signer::Founder => "founder",
            Signer::Registrar => "registrar",
            Signer::RegistrarOrSelf => "registrar-or-self",
            Signer::Coordinator => "coordinator",
            Signer::Executor => "executor",
            Signer::Assignee => "assignee",
            Signer::LeadOrCoordinator => "lead-or-coordinator",
            Signer::Receiver => "receiver",
            Signer::Proposer => "proposer",
            Signer::Lead => "lead",
            Signer::LeadOrCoExecutor => "lead-or-co-executor",
            Signer::OverseerOrCoordinator => "overseer-or-coordinator",
            Signer::Overseer => "overseer",
            Signer::Addressee => "addressee",
            Signer::AnyBody => "any-body",
        }
    }

    /// The roles of which a body needs one to sign (empty: any registered body, subject to the
    /// rules that name a particular one, such as the lead).
    pub fn roles(self) -> &'static [&'static str] {
        match self {
            Signer::Founder | Signer::Registrar => &["registrar"],
            Signer::Coordinator => &["coordinator"],
            Signer::Executor => &["executor"],
            Signer::LeadOrCoordinator => &["executor", "coordinator"],
            Signer::OverseerOrCoordinator => &["overseer", "coordinator"],
            Signer::Overseer => &["overseer"],
            Signer::RegistrarOrSelf
            | Signer::Assignee
            | Signer::Receiver
            | Signer::Proposer
            | Signer::Lead
            | Signer::LeadOrCoExecutor
            | Signer::Addressee
            | Signer::AnyBody => &[],
        }
    }
}

/// SPEC.md §12.4's "signer" column, one arm per type.
pub fn signer(k: EventKind) -> Signer {
    match k {
        EventKind::Genesis => Signer::Founder,
        EventKind::BodyRegistered | EventKind::BodySucceeded => Signer::Registrar,
        EventKind::BodyUpdated | EventKind::KeyAdded | EventKind::KeyRevoked => {
            Signer::RegistrarOrSelf
        }
        EventKind::ObjectiveDefined
        | EventKind::CommitmentAssigned
        | EventKind::CommitmentCancelled
        | EventKind::CommitmentSuperseded
        | EventKind::CommitmentReassigned
        | EventKind::DeadlineChanged => Signer::Coordinator,
        EventKind::CommitmentMade => Signer::Executor,
        EventKind::CommitmentAccepted | EventKind::CommitmentRejected => Signer::Assignee,
        EventKind::HandoverProposed | EventKind::CoExecutorAdded | EventKind::CoExecutorRemoved => {
            Signer::LeadOrCoordinator
        }
        EventKind::HandoverAccepted | EventKind::HandoverDeclined => Signer::Receiver,
        EventKind::HandoverWithdrawn => Signer::Proposer,
        EventKind::StatusReported | EventKind::DeadlineExtensionRequested => Signer::Lead,
        EventKind::IndicatorMeasured => Signer::LeadOrCoExecutor,
        EventKind::AssessmentRecorded => Signer::OverseerOrCoordinator,
        EventKind::InquiryRaised => Signer::Overseer,
        EventKind::InquiryAnswered => Signer::Addressee,
        EventKind::NoteAdded => Signer::AnyBody,
    }
}

/// Members the body type leaves optional but a rule of the type requires (SPEC.md §5.3: "opt
/// (required by rule …)"), so that a form asks for them.
pub fn required_by_rule(k: EventKind) -> &'static [&'static str] {
    match k {
        EventKind::CommitmentAssigned => &["lead"],
        EventKind::HandoverDeclined => &["reason"],
        _ => &[],
    }
}

/// What a form offers for a property, by the definition it is in and its name. Identifiers
/// that name something already in the ledger follow from their `format`; the exceptions are
/// new ids (chosen by the author), the event ids (whose meaning depends on the member), and the
/// public keys (plain strings in the body types).
fn pick(def: &str, prop: &str, schema: &Value, objects: &[&str]) -> Result<&'static str, String> {
    const NEW: &[(&str, &str)] = &[
        ("BodyRegistered", "id"),
        ("CommitmentFields", "id"),
        ("ObjectiveDefined", "id"),
        ("InquiryRaised", "inquiry"),
        ("Indicator", "id"),
    ];
    const EVENTS: &[(&str, &str, &str)] = &[
        ("HandoverAnswer", "proposal", "proposal"),
        ("DeadlineChanged", "request", "request"),
        ("AssessmentRecorded", "claim", "claim"),
        ("NoteAdded", "about", "event"),
    ];
    const PUBLIC_KEYS: &[(&str, &str)] = &[
        ("BodyRegistered", "public_keys"),
        ("KeyAdded", "public_key"),
        ("Genesis", "registrar_key"),
    ];
    if NEW.contains(&(def, prop)) {
        return Ok("new");
    }
    if PUBLIC_KEYS.contains(&(def, prop)) {
        return Ok("public-key");
    }
    // The lead of a commitment, and the body a commitment passes to, must be executors.
    if matches!(
        (def, prop),
        ("CommitmentFields", "lead") | ("Transfer", "to")
    ) {
        return Ok("executor");
    }
    let item = if schema["type"] == "array" {
        &schema["items"]
    } else {
        schema
    };
    let format = item["format"].as_str().unwrap_or("");
    Ok(match format {
        "kordon-body-id" => "body",
        "kordon-commitment-id" => "commitment",
        "kordon-objective-id" => "objective",
        "kordon-inquiry-id" => "inquiry",
        "kordon-indicator-id" => "indicator",
        "kordon-key-id" => "key",
        "kordon-event-id" => match EVENTS.iter().find(|(d, p, _)| *d == def && *p == prop) {
            Some((_, _, what)) => what,
            None => return Err(format!("{def}.{prop}: an event id without a picker")),
        },
        "kordon-decimal" => "decimal",
        "kordon-sha256" => "sha256",
        "date" => "date",
        _ if item.get("enum").is_some() => "choice",
        _ if item.get("$ref").is_some() => {
            match objects.contains(&item["$ref"].as_str().unwrap_or("")) {
                true => "object",
                false => "choice",
            }
        }
        _ if item["type"] == "integer" => "integer",
        _ if item["type"] == "string" => "text",
        other => return Err(format!("{def}.{prop}: no picker for format {other:?}")),
    })
}

/// Removes `null` from a schema (an absent member is omitted, never null) and requires lists
/// to hold at least one element (SPEC.md §5.2).
fn no_null(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if let Some(Value::Array(types)) = o.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let t = types[0].clone();
                    o.insert("type".into(), t);
                }
            }
            for key in ["anyOf", "oneOf"] {
                if let Some(Value::Array(alts)) = o.get_mut(key) {
                    alts.retain(|a| a.get("type") != Some(&json!("null")));
                    if alts.len() == 1 {
                        let only = alts.remove(0);
                        o.remove(key);
                        if let Value::Object(inner) = only {
                            for (k, x) in inner {
                                o.entry(k).or_insert(x);
                            }
                        }
                    }
                }
            }
            if o.get("type") == Some(&json!("array")) {
                o.insert("minItems".into(), json!(1));
            }
            for x in o.values_mut() {
                no_null(x);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(no_null),
        _ => {}
    }
}

/// The document and the problems found while building it (none, or a test fails).
pub fn build() -> (Value, Vec<String>) {
    let mut gen = SchemaSettings::draft2020_12().into_generator();
    let mut types = Vec::new();
    for k in EventKind::ALL {
        let body = body_schema(*k, &mut gen);
        let s = signer(*k);
        types.push(json!({
            "type": k.name(),
            "signer": s.name(),
            "roles": s.roles(),
            "form": s != Signer::Founder,
            "required_by_rule": required_by_rule(*k),
            "body": body.to_value(),
        }));
    }
    let mut defs = gen.take_definitions(true);
    let mut problems = Vec::new();
    // References to definitions that are objects (evidence, indicators, funding, …), as
    // opposed to enumerations (statuses, roles, …).
    let object_refs: Vec<String> = defs
        .iter()
        .filter(|(_, d)| d.get("properties").is_some())
        .map(|(n, _)| format!("#/$defs/{n}"))
        .collect();
    let objects: Vec<&str> = object_refs.iter().map(String::as_str).collect();
    for (name, def) in defs.iter_mut() {
        no_null(def);
        if let Some(Value::Object(props)) = def.get_mut("properties") {
            for (prop, schema) in props.iter_mut() {
                match pick(name, prop, schema, &objects) {
                    Ok(p) => {
                        if let Value::Object(o) = schema {
                            o.insert("x-pick".into(), json!(p));
                        }
                    }
                    Err(e) => problems.push(e),
                }
            }
        }
    }
    let doc = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "format": "kordon-event-types/v1",
        "description": "kordon's event types (events/SPEC.md §5): each type's signer and body schema. An event is the RFC 8785 canonical JSON of the envelope below; the signature is Ed25519 over the context followed by those bytes.",
        "envelope": {
            "v": crate::core::event::FORMAT_VERSION,
            "members": ["at", "author", "body", "id", "key", "ledger", "type", "v"],
            "signing_context": std::str::from_utf8(crate::core::keys::EVENT_CONTEXT).unwrap_or_default(),
        },
        "types": types,
        "$defs": Value::Object(defs.into_iter().collect::<Map<String, Value>>()),
    });
    (doc, problems)
}

/// The document, built once.
pub fn document() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| build().0)
}

/// The event types and their bodies' schemas.
///
/// One description, generated from kordon's own body types, of every event type: who signs
/// it and the JSON Schema of its body, with each identifier's pattern and what it names. The
/// workspace's forms and the browser's encoder are driven by it.
#[utoipa::path(get, path = "/schema/events", tag = "write",
    responses((status = 200, description = "The event types (JSON Schema 2020-12 of each body)", body = Object)))]
pub async fn events() -> Response {
    let mut resp = axum::Json(document()).into_response();
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    resp
}
