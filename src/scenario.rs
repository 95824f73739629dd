//! Scenario files: a history written by a person (TOML, `events/examples/*.toml`) turned into a
//! signed ledger, deterministically: the same file always gives the same bytes.
//!
//! A scenario lists `[[body]]`, `[[objective]]` and `[[commitment]]` tables and a timeline of
//! `[[event]]` tables. Each table is one signed event; its members are the event body's members
//! as events/SPEC.md §5 names them, plus a few keys that say who signs it and when:
//!
//! - `at`: when the author signed it (a TOML date-time; without an offset it is read in the
//!   ledger's time zone). The ledger records it 2 seconds later.
//! - `by`: the author (for `[[body]]`, always the registrar); `type`: the event type
//!   (`[[event]]` only); `label`: a name other tables use to refer to this event (the
//!   `proposal`, `request`, `claim` and `about` members take a label, never an event id).
//! - `[[body]]`: `illustrative = true` for a real institution (its `name_en` must end with
//!   "(illustrative)") or `fictional = true` for a made-up one (ending "(fictional)");
//!   `demo_key` names the demo key it signs with (default: `demo:ID`). The body whose id is
//!   `[ledger] registrar` is registered by the genesis.
//! - `[[commitment]]`: `commitment.made` when `by` is the lead, `commitment.assigned` otherwise.
//! - `demo_key = "LABEL"` in `key.added` gives the `public_key` of that demo key (and the body
//!   signs with it from then on); in `key.revoked`, the `key` id of that demo key.
//! - An `evidence` item may give `document = "TEXT"` instead of `sha256`: the digest of TEXT,
//!   standing for the document.
//! - Numbers become decimal strings (`target = 74` is `"74"`), dates become `YYYY-MM-DD`.
//!
//! Tables are applied in time order (equal times in file order), each submitted through
//! `Ledger::submit`, so every rule is enforced: a scenario that breaks one fails to build, with
//! the file, the line of the table and the rule's message. Event ids are `ex-0001`, `ex-0002`, …
//! in that order. Every key is a demo key (`fixture::demo_key`): for examples only.

use crate::author::Author;
use crate::core::chain;
use crate::core::event::{Body, BodyInfo, EventKind, Genesis, Policy, EVENT_TYPES};
use crate::core::hash::Hash;
use crate::core::keys::{self, KeyId};
use crate::core::merkle::Frontier;
use crate::core::note::NoteSigner;
use crate::core::types::{BodyId, EventId, Millis};
use crate::datadir::{self, KEY_FILE, STORE_FILE};
use crate::fixture::{demo_key, ManualClock};
use crate::ledger::Ledger;
use crate::store::memory::MemoryStore;
use crate::store::redb::RedbStore;
use crate::store::{Batch, NewEntry, Store};
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use toml::value::{Datetime, Offset};
use toml::{Spanned, Table, Value};

/// The example scenario: a year (2026) of integrated border management, compiled into the
/// binary so `kordon demo` works anywhere.
pub const EXAMPLE: &str = include_str!("../events/examples/ibm-2026.toml");
/// Where the example scenario lives in the repository.
pub const EXAMPLE_PATH: &str = "events/examples/ibm-2026.toml";
/// Where its export is committed (checked by tests/it/example.rs).
pub const EXAMPLE_EXPORT_PATH: &str = "events/examples/ibm-2026.export";

/// Milliseconds between an event's `at` and the time the ledger records it.
pub const RECORD_DELAY_MS: u64 = 2_000;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file is not TOML, or its sections have the wrong shape.
    #[error("{file}: {msg}")]
    File { file: String, msg: String },
    /// One table could not be turned into an event, or the ledger refused the event.
    #[error("{file}:{line}: {what}: {msg}")]
    Step {
        file: String,
        line: usize,
        what: String,
        msg: String,
    },
    #[error("{0}")]
    Io(String),
}

/// A built scenario: the ledger in memory, and what is needed to install or export it.
pub struct Built {
    pub store: MemoryStore,
    pub origin: String,
    pub verifier_key: String,
    /// The demo key that signs the checkpoints.
    pub ledger_key: ed25519_dalek::SigningKey,
    pub entries: u64,
    /// Each body's current demo key label, in registration order.
    pub keys: Vec<(String, String)>,
}

impl Built {
    /// The export bundle (SPEC.md §14) of the built ledger.
    pub fn export(&self) -> Result<Vec<u8>, ScenarioError> {
        let mut out = Vec::new();
        crate::export::write(&self.store, &self.verifier_key, &mut out)
            .map_err(|e| ScenarioError::Io(e.to_string()))?;
        Ok(out)
    }

    /// Writes a data directory holding this ledger on the embedded store: `ledger.redb`,
    /// `ledger.key` (the demo checkpoint key) and `keys/BODY.pem` (each body's demo key).
    /// The directory must not hold a ledger yet.
    pub fn install(&self, dir: &Path) -> Result<(), ScenarioError> {
        let io = |e: &dyn std::fmt::Display| ScenarioError::Io(format!("{}: {e}", dir.display()));
        if dir.join(STORE_FILE).exists() || dir.join(KEY_FILE).exists() {
            return Err(io(&"already holds a ledger"));
        }
        std::fs::create_dir_all(dir.join("keys")).map_err(|e| io(&e))?;
        datadir::write_private(
            &dir.join(KEY_FILE),
            &keys::private_key_pem(&self.ledger_key),
        )
        .map_err(|e| io(&e))?;
        let store = RedbStore::open(&dir.join(STORE_FILE)).map_err(|e| io(&e))?;
        copy_store(&self.store, &store).map_err(|e| io(&e))?;
        let keys_dir = dir.join("keys");
        for (body, label) in &self.keys {
            let path = keys_dir.join(format!("{body}.pem"));
            if !path.exists() {
                datadir::write_private(&path, &keys::private_key_pem(&demo_key(label)))
                    .map_err(|e| io(&e))?;
            }
        }
        let readme = keys_dir.join("README.txt");
        if !readme.exists() {
            let mut text = String::from(DEMO_KEYS_README);
            for (body, label) in &self.keys {
                text.push_str(&format!("{body}.pem  demo key labelled {label:?}\n"));
            }
            std::fs::write(readme, text).map_err(|e| io(&e))?;
        }
        Ok(())
    }
}

const DEMO_KEYS_README: &str = "\
DEMO KEYS, FOR THE EXAMPLE LEDGER ONLY.

Each private key here derives from a public label (seed = SHA-256(\"kordon demo key\\n\" || label),
events/SPEC.md section 6): anyone can recompute them, so they prove nothing about who signed.
Never use them, or a ledger signed with them, for anything real.

";

/// Builds the example scenario.
pub fn build_example() -> Result<Built, ScenarioError> {
    build(EXAMPLE_PATH, EXAMPLE)
}

/// Builds the ledger a scenario describes, in memory. `file` names the scenario in errors.
pub fn build(file: &str, text: &str) -> Result<Built, ScenarioError> {
    let parsed: FileSpec = toml::from_str(text).map_err(|e| ScenarioError::File {
        file: file.to_string(),
        msg: e.to_string(),
    })?;
    let mut b = Builder::new(file, text, &parsed.ledger)?;
    let steps = b.steps(&parsed)?;
    b.run(&parsed.ledger, steps)
}

// ---------------------------------------------------------------------------------------------
// The file.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSpec {
    ledger: LedgerSpec,
    #[serde(default)]
    body: Vec<Spanned<Table>>,
    #[serde(default)]
    objective: Vec<Spanned<Table>>,
    #[serde(default)]
    commitment: Vec<Spanned<Table>>,
    #[serde(default)]
    event: Vec<Spanned<Table>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LedgerSpec {
    origin: String,
    time_zone: String,
    registrar: String,
    /// Label of the demo key that signs checkpoints (default `ledger:ORIGIN`).
    #[serde(default)]
    ledger_key: Option<String>,
    #[serde(default)]
    max_age_seconds: Option<u64>,
    #[serde(default)]
    max_future_seconds: Option<u64>,
    /// Free text for the reader: what the scenario is.
    #[serde(default)]
    #[allow(dead_code)]
    title: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

/// What one table becomes before it is signed.
struct Step {
    at: Millis,
    offset: usize,
    line: usize,
    what: String,
    author: String,
    kind: EventKind,
    body: Map<String, Json>,
    label: Option<String>,
    /// For `[[body]]`: the demo key label it signs with.
    key_label: Option<String>,
}

struct Builder<'a> {
    file: &'a str,
    text: &'a str,
    tz: jiff::tz::TimeZone,
    origin: String,
}

/// Members of a table that are not members of the event body.
const META: &[&str] = &["at", "by", "type", "label"];

impl<'a> Builder<'a> {
    fn new(file: &'a str, text: &'a str, l: &LedgerSpec) -> Result<Builder<'a>, ScenarioError> {
        let tz = jiff::tz::TimeZone::get(&l.time_zone).map_err(|_| ScenarioError::File {
            file: file.to_string(),
            msg: format!(
                "[ledger] time_zone {:?} is not an IANA time zone",
                l.time_zone
            ),
        })?;
        Ok(Builder {
            file,
            text,
            tz,
            origin: l.origin.clone(),
        })
    }

    fn line_of(&self, offset: usize) -> usize {
        self.text[..offset.min(self.text.len())]
            .bytes()
            .filter(|&c| c == b'\n')
            .count()
            + 1
    }

    fn err(&self, line: usize, what: &str, msg: impl Into<String>) -> ScenarioError {
        ScenarioError::Step {
            file: self.file.to_string(),
            line,
            what: what.to_string(),
            msg: msg.into(),
        }
    }

    /// A TOML date-time as milliseconds; without an offset it is local time in the ledger's
    /// time zone.
    fn instant(&self, dt: &Datetime) -> Result<Millis, String> {
        let (Some(d), Some(t)) = (dt.date, dt.time) else {
            return Err(format!(
                "at = {dt} needs a date and a time, e.g. 2026-03-02T10:00:00"
            ));
        };
        let civil = jiff::civil::DateTime::new(
            d.year as i16,
            d.month as i8,
            d.day as i8,
            t.hour as i8,
            t.minute as i8,
            t.second.unwrap_or(0) as i8,
            t.nanosecond.unwrap_or(0) as i32,
        )
        .map_err(|e| format!("at = {dt}: {e}"))?;
        let ts = match dt.offset {
            None => civil.to_zoned(self.tz.clone()).map(|z| z.timestamp()),
            Some(Offset::Z) => civil
                .to_zoned(jiff::tz::TimeZone::UTC)
                .map(|z| z.timestamp()),
            Some(Offset::Custom { minutes }) => jiff::tz::Offset::from_seconds(minutes as i32 * 60)
                .and_then(|o| o.to_timestamp(civil)),
        }
        .map_err(|e| format!("at = {dt}: {e}"))?;
        u64::try_from(ts.as_millisecond())
            .map(Millis)
            .map_err(|_| format!("at = {dt} is before 1970"))
    }

    /// Reads the tables into steps, in the order they will be signed.
    fn steps(&mut self, f: &FileSpec) -> Result<Vec<Step>, ScenarioError> {
        let mut steps = Vec::new();
        let mut registrar_seen = false;
        for t in &f.body {
            let mut s = self.step(
                t,
                "[[body]]",
                EventKind::BodyRegistered,
                false,
                &["illustrative", "fictional", "demo_key"],
            )?;
            let id = self.string(t.get_ref(), "id", s.line, &s.what)?;
            s.what = format!("[[body]] {id}");
            let illustrative = self.flag(t.get_ref(), "illustrative", s.line, &s.what)?;
            let fictional = self.flag(t.get_ref(), "fictional", s.line, &s.what)?;
            let name_en = self.string(t.get_ref(), "name_en", s.line, &s.what)?;
            match (illustrative, fictional) {
                (true, false) if name_en.ends_with("(illustrative)") => {}
                (false, true) if name_en.ends_with("(fictional)") => {}
                (true, false) | (false, true) => {
                    return Err(self.err(
                        s.line,
                        &s.what,
                        "name_en must end with \"(illustrative)\" or \"(fictional)\", as the body is marked",
                    ))
                }
                _ => {
                    return Err(self.err(
                        s.line,
                        &s.what,
                        "mark the body with exactly one of illustrative = true (a real institution, used for illustration) or fictional = true (made up)",
                    ))
                }
            }
            let label = match t.get_ref().get("demo_key") {
                None => format!("demo:{id}"),
                Some(_) => self.string(t.get_ref(), "demo_key", s.line, &s.what)?,
            };
            if id == f.ledger.registrar {
                registrar_seen = true;
                s.kind = EventKind::Genesis;
            } else {
                s.body.insert(
                    "public_keys".into(),
                    Json::Array(vec![Json::String(public_key_of(&label))]),
                );
            }
            s.author = f.ledger.registrar.clone();
            s.key_label = Some(label);
            steps.push(s);
        }
        if !registrar_seen {
            return Err(ScenarioError::File {
                file: self.file.to_string(),
                msg: format!(
                    "no [[body]] has the id of [ledger] registrar ({:?})",
                    f.ledger.registrar
                ),
            });
        }
        for t in &f.objective {
            let mut s = self.step(t, "[[objective]]", EventKind::ObjectiveDefined, true, &[])?;
            s.what = format!(
                "[[objective]] {}",
                self.string(t.get_ref(), "id", s.line, &s.what)?
            );
            steps.push(s);
        }
        for t in &f.commitment {
            let mut s = self.step(
                t,
                "[[commitment]]",
                EventKind::CommitmentAssigned,
                true,
                &[],
            )?;
            s.what = format!(
                "[[commitment]] {}",
                self.string(t.get_ref(), "id", s.line, &s.what)?
            );
            let lead = s
                .body
                .get("lead")
                .and_then(|l| l.as_str())
                .map(str::to_string);
            if lead.is_none() || lead.as_deref() == Some(s.author.as_str()) {
                s.kind = EventKind::CommitmentMade;
                s.body.remove("lead");
            }
            steps.push(s);
        }
        for t in &f.event {
            let mut s = self.step(t, "[[event]]", EventKind::NoteAdded, true, &[])?;
            let name = self.string(t.get_ref(), "type", s.line, &s.what)?;
            s.kind = EventKind::from_name(&name).ok_or_else(|| {
                self.err(
                    s.line,
                    &s.what,
                    format!(
                        "unknown event type {name:?}; the types are: {}",
                        EVENT_TYPES.join(", ")
                    ),
                )
            })?;
            s.what = format!("[[event]] {} by {}", s.kind, s.author);
            steps.push(s);
        }
        // Time order; equal times keep the file's order.
        steps.sort_by_key(|s| (s.at, s.offset));
        if let Some(first) = steps.first() {
            if first.kind != EventKind::Genesis {
                return Err(self.err(
                    first.line,
                    &first.what,
                    "comes before the registrar's [[body]] (the genesis); nothing can be signed before it",
                ));
            }
        }
        Ok(steps)
    }

    /// The common part of a table: `at`, `by`, `label`, and the body members converted to JSON;
    /// `kind` is the table's event type, which the caller may refine.
    fn step(
        &self,
        t: &Spanned<Table>,
        what: &str,
        kind: EventKind,
        needs_by: bool,
        meta: &[&str],
    ) -> Result<Step, ScenarioError> {
        let offset = t.span().start;
        let line = self.line_of(offset);
        let table = t.get_ref();
        let at = match table.get("at") {
            Some(Value::Datetime(dt)) => self.instant(dt).map_err(|m| self.err(line, what, m))?,
            _ => {
                return Err(self.err(
                    line,
                    what,
                    "needs at = a date-time, e.g. at = 2026-03-02T10:00:00",
                ))
            }
        };
        let author = if needs_by {
            self.string(table, "by", line, what)?
        } else {
            String::new()
        };
        let label = match table.get("label") {
            None => None,
            Some(_) => Some(self.string(table, "label", line, what)?),
        };
        let mut body = Map::new();
        for (k, v) in table {
            if META.contains(&k.as_str()) || meta.contains(&k.as_str()) {
                continue;
            }
            let j = to_json(v, k).map_err(|m| self.err(line, what, m))?;
            body.insert(k.clone(), j);
        }
        Ok(Step {
            at,
            offset,
            line,
            what: what.to_string(),
            author,
            kind,
            body,
            label,
            key_label: None,
        })
    }

    fn string(
        &self,
        t: &Table,
        key: &str,
        line: usize,
        what: &str,
    ) -> Result<String, ScenarioError> {
        match t.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(self.err(line, what, format!("needs {key} = \"…\" (a string)"))),
        }
    }

    fn flag(&self, t: &Table, key: &str, line: usize, what: &str) -> Result<bool, ScenarioError> {
        match t.get(key) {
            None => Ok(false),
            Some(Value::Boolean(b)) => Ok(*b),
            Some(_) => Err(self.err(line, what, format!("{key} must be true or false"))),
        }
    }

    /// Signs and submits every step, in order.
    fn run(&mut self, l: &LedgerSpec, steps: Vec<Step>) -> Result<Built, ScenarioError> {
        let ledger_label = l
            .ledger_key
            .clone()
            .unwrap_or_else(|| format!("ledger:{}", self.origin));
        let ledger_key = demo_key(&ledger_label);
        let signer =
            NoteSigner::new(&self.origin, ledger_key.clone()).map_err(|e| ScenarioError::File {
                file: self.file.to_string(),
                msg: format!("[ledger] origin: {e}"),
            })?;
        let verifier_key = signer.verifier().to_vkey();
        let store = MemoryStore::new();
        let first_at = steps.first().map(|s| s.at).unwrap_or_default();
        let clock = ManualClock::new(first_at.0);
        let ledger = Ledger::open(Arc::new(store.clone()), signer, clock.clock())
            .map_err(|e| ScenarioError::Io(e.to_string()))?;
        let default = Policy::default();
        let policy = Policy {
            max_age_seconds: l.max_age_seconds.unwrap_or(default.max_age_seconds),
            max_future_seconds: l.max_future_seconds.unwrap_or(default.max_future_seconds),
        };
        // Each body's demo keys in the order added, with whether each is revoked.
        let mut keyring: Vec<(String, Vec<(String, bool)>)> = Vec::new();
        let mut labels: HashMap<String, (EventId, usize)> = HashMap::new();
        for (n, mut s) in steps.into_iter().enumerate() {
            let id = EventId::parse(&format!("ex-{:04}", n + 1)).map_err(ScenarioError::Io)?;
            let fail = |m: String| self.err(s.line, &s.what, m);
            if let Some(label) = &s.key_label {
                let body = s.body.get("id").and_then(|v| v.as_str()).unwrap_or("");
                keyring.push((body.to_string(), vec![(label.clone(), false)]));
            }
            if s.kind == EventKind::Genesis {
                let roles = s.body.remove("roles").unwrap_or(Json::Null);
                let info: BodyInfo = serde_json::from_value(Json::Object(s.body.clone()))
                    .map_err(|e| fail(format!("the registrar's [[body]]: {e}")))?;
                if roles != serde_json::json!(["registrar"]) {
                    return Err(fail(
                        "the founding registrar has exactly roles = [\"registrar\"]".into(),
                    ));
                }
                let label = s.key_label.clone().unwrap_or_default();
                s.body = match serde_json::to_value(Genesis {
                    origin: self.origin.clone(),
                    time_zone: l.time_zone.clone(),
                    registrar: info,
                    registrar_key: public_key_of(&label),
                    ledger_key: verifier_key.clone(),
                    policy,
                }) {
                    Ok(Json::Object(m)) => m,
                    _ => return Err(fail("the genesis does not encode".into())),
                };
            }
            // Labels → event ids; demo keys → public keys or key ids.
            for member in ["proposal", "request", "claim", "about"] {
                if let Some(v) = s.body.get_mut(member) {
                    let label = v.as_str().unwrap_or("").to_string();
                    match labels.get(&label) {
                        Some((eid, _)) => *v = Json::String(eid.to_string()),
                        None => {
                            return Err(fail(format!(
                                "{member} = {label:?} names no earlier table's label"
                            )))
                        }
                    }
                }
            }
            let mut adds_key: Option<(String, String)> = None;
            let mut revokes_key: Option<(String, String)> = None;
            if let Some(v) = s.body.remove("demo_key") {
                let label = v.as_str().unwrap_or("").to_string();
                let target = s
                    .body
                    .get("body")
                    .and_then(|b| b.as_str())
                    .unwrap_or("")
                    .to_string();
                match s.kind {
                    EventKind::KeyAdded => {
                        s.body
                            .insert("public_key".into(), Json::String(public_key_of(&label)));
                        adds_key = Some((target, label));
                    }
                    EventKind::KeyRevoked => {
                        s.body
                            .insert("key".into(), Json::String(key_id_of(&label).to_string()));
                        revokes_key = Some((target, label));
                    }
                    _ => return Err(fail("demo_key is for key.added and key.revoked".into())),
                }
            }
            let body = Body::from_value(s.kind.name(), Json::Object(s.body.clone()))
                .map_err(|e| fail(e.to_string()))?;
            let author_id = BodyId::parse(&s.author).map_err(|e| fail(format!("by: {e}")))?;
            let signing = keyring
                .iter()
                .find(|(b, _)| *b == s.author)
                .and_then(|(_, ks)| ks.iter().rev().find(|(_, revoked)| !revoked))
                .map(|(l, _)| l.clone())
                .ok_or_else(|| fail(format!("{} has no [[body]] or no unrevoked key", s.author)))?;
            let author = Author::new(author_id, demo_key(&signing));
            let sub = author
                .sign_with_id(&self.origin, id.clone(), s.at, &body)
                .map_err(|e| fail(e.to_string()))?;
            clock.0.store(
                s.at.0 + RECORD_DELAY_MS,
                std::sync::atomic::Ordering::SeqCst,
            );
            ledger
                .submit(sub)
                .map_err(|e| fail(format!("{e} (at {})", s.at.to_rfc3339())))?;
            if let Some(label) = s.label.take() {
                if labels.insert(label.clone(), (id, s.line)).is_some() {
                    return Err(fail(format!("label {label:?} is used twice")));
                }
            }
            if let Some((body, label)) = adds_key {
                match keyring.iter_mut().find(|(b, _)| *b == body) {
                    Some((_, ks)) => ks.push((label, false)),
                    None => keyring.push((body, vec![(label, false)])),
                }
            }
            if let Some((body, label)) = revokes_key {
                if let Some((_, ks)) = keyring.iter_mut().find(|(b, _)| *b == body) {
                    for k in ks.iter_mut().filter(|k| k.0 == label) {
                        k.1 = true;
                    }
                }
            }
        }
        let entries = ledger.size();
        drop(ledger);
        let keys = keyring
            .into_iter()
            .filter_map(|(b, ks)| {
                let current = ks.iter().rev().find(|k| !k.1).or(ks.last())?;
                Some((b, current.0.clone()))
            })
            .collect();
        Ok(Built {
            store,
            origin: self.origin.clone(),
            verifier_key,
            ledger_key,
            entries,
            keys,
        })
    }
}

fn public_key_of(label: &str) -> String {
    keys::public_key_base64(&demo_key(label).verifying_key().to_bytes())
}

fn key_id_of(label: &str) -> KeyId {
    KeyId::of(&demo_key(label).verifying_key().to_bytes())
}

/// A TOML value as the JSON an event body holds: numbers as decimal strings, dates as
/// `YYYY-MM-DD`, evidence `document` texts as their SHA-256.
fn to_json(v: &Value, path: &str) -> Result<Json, String> {
    Ok(match v {
        Value::String(s) => Json::String(s.clone()),
        Value::Integer(i) => Json::String(i.to_string()),
        Value::Float(f) if f.is_finite() => Json::String(f.to_string()),
        Value::Float(f) => return Err(format!("{path} = {f} is not a number an event can hold")),
        Value::Boolean(_) => {
            return Err(format!(
                "{path}: no event member holds true or false (SPEC.md §3)"
            ))
        }
        Value::Datetime(dt) => match (dt.date, dt.time) {
            (Some(d), None) => Json::String(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
            _ => {
                return Err(format!(
                    "{path} = {dt}: only dates (YYYY-MM-DD) appear in event bodies"
                ))
            }
        },
        Value::Array(a) => Json::Array(
            a.iter()
                .enumerate()
                .map(|(i, x)| to_json(x, &format!("{path}[{i}]")))
                .collect::<Result<_, _>>()?,
        ),
        Value::Table(t) => {
            let mut m = Map::new();
            for (k, x) in t {
                m.insert(k.clone(), to_json(x, &format!("{path}.{k}"))?);
            }
            if path.starts_with("evidence[") {
                if let Some(Json::String(doc)) = m.remove("document") {
                    m.insert(
                        "sha256".into(),
                        Json::String(Hash::sha256(doc.as_bytes()).to_hex()),
                    );
                }
            }
            Json::Object(m)
        }
    })
}

/// Copies a ledger into an empty store as one batch: the same entries, their tree nodes and
/// the source's latest checkpoint. Used to install a ledger built in memory with one durable
/// commit instead of one per event.
fn copy_store(src: &dyn Store, dst: &dyn Store) -> Result<(), String> {
    let snap = src.snapshot().map_err(|e| e.to_string())?;
    let checkpoint = snap
        .checkpoint()
        .map_err(|e| e.to_string())?
        .ok_or("the ledger is empty")?;
    let mut frontier = Frontier::new();
    let mut nodes = Vec::new();
    let mut entries = Vec::new();
    let size = snap.size();
    for (i, bytes) in snap
        .entries(0, size)
        .map_err(|e| e.to_string())?
        .into_iter()
        .enumerate()
    {
        let p = chain::prepare(bytes, i as u64).map_err(|e| e.to_string())?;
        frontier.push(p.leaf, &mut nodes);
        entries.push(NewEntry {
            leaf: p.leaf,
            event_id: p.event.id.to_string(),
            bytes: p.bytes,
        });
    }
    dst.append(Batch {
        expected_size: 0,
        entries: &entries,
        nodes: &nodes,
        checkpoint: &checkpoint,
    })
    .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"
[ledger]
origin = "kordon.test/scenario"
time_zone = "Europe/Kyiv"
registrar = "registry"

[[body]]
id = "registry"
at = 2026-01-05T09:00:00
name_uk = "Реєстратор (вигаданий)"
name_en = "Registrar (fictional)"
kind = "secretariat"
roles = ["registrar"]
fictional = true

[[body]]
id = "lead"
at = 2026-01-05T09:10:00
name_uk = "Виконавець (вигаданий)"
name_en = "Executor (fictional)"
kind = "agency"
roles = ["executor"]
fictional = true

[[body]]
id = "other"
at = 2026-01-05T09:20:00
name_uk = "Інший (вигаданий)"
name_en = "Other (fictional)"
kind = "agency"
roles = ["executor"]
fictional = true

[[commitment]]
id = "C-1"
at = 2026-01-06T10:00:00
by = "lead"
title_uk = "Зобов'язання"
deadline = 2026-06-30
indicators = [{ id = "i1", name_uk = "Кількість", baseline = 0, target = 12.5 }]

[[event]]
at = 2026-01-07T10:00:00
by = "lead"
type = "status.reported"
label = "claim-1"
commitment = "C-1"
status = "in_progress"
evidence = [{ document = "report", location = "https://example.org/r" }]
"#;

    #[test]
    fn a_small_scenario_builds_the_same_bytes_twice() {
        let a = build("small.toml", SMALL).unwrap();
        assert_eq!(a.entries, 5);
        let b = build("small.toml", SMALL).unwrap();
        assert_eq!(a.export().unwrap(), b.export().unwrap());
        let snap = a.store.snapshot().unwrap();
        let e = chain::prepare(snap.entries(3, 4).unwrap().remove(0), 3).unwrap();
        let text = String::from_utf8(e.event_bytes().to_vec()).unwrap();
        assert!(text.contains(r#""target":"12.5""#), "{text}");
        assert!(text.contains(r#""baseline":"0""#), "{text}");
        assert!(text.contains(r#""deadline":"2026-06-30""#), "{text}");
        assert!(text.contains(r#""id":"ex-0004""#), "{text}");
        // 10:00 in Kyiv in January is 08:00 UTC.
        assert!(text.contains(r#""at":"2026-01-06T08:00:00Z""#), "{text}");
        assert_eq!(
            e.recorded_at.0,
            Millis::parse_rfc3339("2026-01-06T08:00:02Z").unwrap().0
        );
        let e = chain::prepare(snap.entries(4, 5).unwrap().remove(0), 4).unwrap();
        let text = String::from_utf8(e.event_bytes().to_vec()).unwrap();
        let digest = Hash::sha256(b"report").to_hex();
        assert!(text.contains(&digest), "{text}");
    }

    #[test]
    fn a_broken_rule_names_the_line_and_the_rule() {
        let bad = format!(
            "{SMALL}\n[[event]]\nat = 2026-01-08T10:00:00\nby = \"other\"\ntype = \"status.reported\"\ncommitment = \"C-1\"\nstatus = \"implemented\"\n"
        );
        let line = bad
            .lines()
            .position(|l| l == "at = 2026-01-08T10:00:00")
            .unwrap();
        let err = build("bad.toml", &bad).err().unwrap().to_string();
        assert!(
            err.starts_with(&format!(
                "bad.toml:{line}: [[event]] status.reported by other"
            )),
            "{err}"
        );
        assert!(err.contains("rule status.lead-only"), "{err}");
    }

    #[test]
    fn unknown_labels_unmarked_bodies_and_bad_members_are_refused() {
        let bad = format!(
            "{SMALL}\n[[event]]\nat = 2026-01-08T10:00:00\nby = \"registry\"\ntype = \"note.added\"\nabout = \"nope\"\ntext = \"x\"\n"
        );
        let err = build("bad.toml", &bad).err().unwrap().to_string();
        assert!(err.contains("names no earlier table's label"), "{err}");
        let unmarked = SMALL.replace(
            "fictional = true\n\n[[body]]\nid = \"lead\"",
            "\n[[body]]\nid = \"lead\"",
        );
        let err = build("bad.toml", &unmarked).err().unwrap().to_string();
        assert!(err.contains("mark the body"), "{err}");
        let extra = SMALL.replace(
            "status = \"in_progress\"",
            "status = \"in_progress\"\nsurprise = \"x\"",
        );
        let err = build("bad.toml", &extra).err().unwrap().to_string();
        assert!(err.contains("surprise"), "{err}");
        let unknown = format!(
            "{SMALL}\n[[event]]\nat = 2026-01-08T10:00:00\nby = \"registry\"\ntype = \"note.zzz\"\ntext = \"x\"\n"
        );
        let err = build("bad.toml", &unknown).err().unwrap().to_string();
        let line = SMALL.lines().count() + 2;
        assert!(
            err.contains("unknown event type \"note.zzz\"")
                && err.contains("note.added")
                && err.contains(&format!(":{line}")),
            "{err}"
        );
    }

    #[test]
    fn install_writes_a_data_directory_with_the_same_ledger() {
        let built = build("small.toml", SMALL).unwrap();
        let dir = tempfile::tempdir().unwrap();
        built.install(dir.path()).unwrap();
        let store = datadir::open_store(dir.path()).unwrap();
        let mut out = Vec::new();
        crate::export::write(&store, &built.verifier_key, &mut out).unwrap();
        assert_eq!(out, built.export().unwrap());
        assert!(dir.path().join("keys/lead.pem").exists());
        assert!(std::fs::read_to_string(dir.path().join("keys/README.txt"))
            .unwrap()
            .starts_with("DEMO KEYS"));
    }
}
