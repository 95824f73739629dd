//! `kordon witness serve`: the C2SP tlog-witness HTTP interface over a witness directory.
//!
//! - `POST /add-checkpoint` (tlog-witness "add-checkpoint"): judged by
//!   `kordon_core::witness::judge`; a cosignature is answered only after the new checkpoint is
//!   durable, and the check of the old size and the write happen under one lock, so two
//!   requests can never roll the witness back (the race the specification describes).
//! - `GET /<origin hash>/checkpoint` (tlog-witness "Monitor Retrieval Mechanism"): the latest
//!   checkpoint cosigned for a log, with the log's signatures and this witness's cosignature.
//! - `GET /`: the witness's name, key and the logs it follows; `GET /evidence`,
//!   `GET /evidence/{file}`: the fork evidence it recorded, for `kordon verify --evidence`.

use super::dir::{self, Logs};
use crate::core::cosignature::Cosigner;
use crate::core::witness::{self, AddCheckpoint, Latest, Verdict};
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The largest request accepted: a checkpoint with a hundred ML-DSA-44 signature lines is about
/// 330 KB.
pub const MAX_REQUEST: usize = 1 << 20;

/// A running witness.
pub struct Witness {
    cosigner: Cosigner,
    logs: Logs,
    dir: PathBuf,
    /// What was last cosigned per origin, read from `state/` on first use. The lock is held
    /// from reading the old size to persisting the new checkpoint.
    latest: Mutex<HashMap<String, Option<Latest>>>,
    clock: Box<dyn Fn() -> u64 + Send + Sync>,
}

/// What happened to one request, for the caller's log and for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// The evidence file written, if the request proved a fork.
    pub evidence: Option<String>,
}

impl Witness {
    /// Opens a witness directory; `extra_logs` are followed too (as if in its logs file).
    pub fn open(dir: &Path, extra_logs: &[String]) -> Result<Witness, dir::DirError> {
        let cosigner = dir::read_key(dir)?;
        let mut logs = dir::read_logs(dir)?;
        for v in extra_logs {
            dir::add_log(&mut logs, v)
                .map_err(|e| dir::DirError::Invalid(format!("--log {v}: {e}")))?;
        }
        Ok(Witness {
            cosigner,
            logs,
            dir: dir.to_path_buf(),
            latest: Mutex::new(HashMap::new()),
            clock: Box::new(super::unix_now),
        })
    }

    /// Replaces the clock (POSIX seconds), for tests and simulations.
    pub fn with_clock(mut self, clock: impl Fn() -> u64 + Send + Sync + 'static) -> Witness {
        self.clock = Box::new(clock);
        self
    }

    pub fn cosigner(&self) -> &Cosigner {
        &self.cosigner
    }

    pub fn vkey(&self) -> String {
        self.cosigner.verifier().to_vkey()
    }

    pub fn logs(&self) -> &Logs {
        &self.logs
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn text(status: u16, msg: impl Into<String>) -> Answer {
        let mut body = msg.into().into_bytes();
        body.push(b'\n');
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            body,
            evidence: None,
        }
    }

    /// Handles an `add-checkpoint` request body.
    pub fn add_checkpoint(&self, body: &[u8]) -> Answer {
        let req = match AddCheckpoint::parse(body) {
            Ok(r) => r,
            Err(e) => return Self::text(400, e),
        };
        // The origin is the checkpoint's first line; it selects the keys.
        let origin = req
            .note
            .split(|&b| b == b'\n')
            .next()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .unwrap_or_default();
        let keys = self.logs.get(&origin).map(Vec::as_slice);
        let mut map = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        let latest = match map.get(&origin) {
            Some(l) => l.clone(),
            None if keys.is_some() => match dir::read_latest(&self.dir, &origin) {
                Ok(l) => {
                    map.insert(origin.clone(), l.clone());
                    l
                }
                Err(e) => {
                    tracing::error!(error = %e, "reading the witness state");
                    return Self::text(500, "the witness cannot read its state");
                }
            },
            None => None,
        };
        let out = witness::judge(&req, keys, latest.as_ref(), self.cosigner.name());
        let mut evidence = None;
        if let Some(ev) = &out.evidence {
            let size = latest.as_ref().map_or(0, |l| l.size);
            match dir::write_evidence(&self.dir, ev, size) {
                Ok(name) => {
                    tracing::warn!(origin = %origin, size, file = %name, "the log forked: two signed checkpoints of one size with different roots; evidence recorded");
                    evidence = Some(name);
                }
                Err(e) => tracing::error!(error = %e, "recording fork evidence"),
            }
        }
        let mut answer = match out.verdict {
            Verdict::Refuse { status, reason } => Self::text(status, reason),
            Verdict::Conflict { size } => Answer {
                status: 409,
                content_type: "text/x.tlog.size",
                body: format!("{size}\n").into_bytes(),
                evidence: None,
            },
            Verdict::Cosign { checkpoint, text } => {
                // tlog-witness: "The cosignature MUST NOT omit the timestamp".
                let now = (self.clock)().max(1);
                let mut rnd = [0u8; 32];
                rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut rnd);
                let line = match self.cosigner.cosign(&text, &checkpoint, now, &rnd) {
                    Ok(l) => l,
                    Err(e) => return Self::text(422, format!("cannot cosign: {e}")),
                };
                let mut stored = req.note.clone();
                stored.extend_from_slice(line.as_bytes());
                // Persisted (fsynced) before answering, under the lock.
                if let Err(e) = dir::write_latest(&self.dir, &origin, &stored) {
                    tracing::error!(error = %e, "persisting the witness state");
                    return Self::text(500, "the witness cannot persist its state");
                }
                map.insert(
                    origin.clone(),
                    Some(Latest {
                        size: checkpoint.size,
                        root: checkpoint.root,
                        note: stored,
                    }),
                );
                tracing::info!(origin = %origin, size = checkpoint.size, "cosigned");
                Answer {
                    status: 200,
                    content_type: "text/plain; charset=utf-8",
                    body: line.into_bytes(),
                    evidence: None,
                }
            }
        };
        answer.evidence = evidence;
        answer
    }

    /// The latest checkpoint cosigned for the log whose origin hashes to `hash`.
    pub fn checkpoint_of(&self, hash: &str) -> Option<Vec<u8>> {
        let origin = self.logs.keys().find(|o| dir::origin_hash(o) == hash)?;
        {
            let map = self.latest.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(Some(l)) = map.get(origin) {
                return Some(l.note.clone());
            }
        }
        dir::read_latest(&self.dir, origin)
            .ok()
            .flatten()
            .map(|l| l.note)
    }
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut r = (
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            self.body,
        )
            .into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        r
    }
}

async fn add_checkpoint(State(w): State<Arc<Witness>>, body: Bytes) -> Answer {
    match tokio::task::spawn_blocking(move || w.add_checkpoint(&body)).await {
        Ok(a) => a,
        Err(_) => Witness::text(500, "the witness failed"),
    }
}

async fn info(State(w): State<Arc<Witness>>) -> Response {
    let logs: Vec<serde_json::Value> = w
        .logs
        .iter()
        .map(|(origin, keys)| {
            serde_json::json!({
                "origin": origin,
                "keys": keys.iter().map(|k| k.to_vkey()).collect::<Vec<_>>(),
                "checkpoint": format!("/{}/checkpoint", dir::origin_hash(origin)),
            })
        })
        .collect();
    axum::Json(serde_json::json!({
        "witness": w.cosigner.name(),
        "verifier_key": w.vkey(),
        "algorithm": w.cosigner.algorithm().as_str(),
        "add_checkpoint": "/add-checkpoint",
        "logs": logs,
        "evidence": "/evidence",
    }))
    .into_response()
}

async fn checkpoint(State(w): State<Arc<Witness>>, UrlPath(hash): UrlPath<String>) -> Answer {
    match w.checkpoint_of(&hash) {
        Some(note) => Answer {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: note,
            evidence: None,
        },
        None => Witness::text(404, "this witness has cosigned no checkpoint of that log"),
    }
}

async fn evidence_list(State(w): State<Arc<Witness>>) -> Response {
    axum::Json(serde_json::json!({ "evidence": dir::list_evidence(&w.dir) })).into_response()
}

async fn evidence_file(State(w): State<Arc<Witness>>, UrlPath(name): UrlPath<String>) -> Response {
    // Only names the listing gives: no path can leave the evidence directory.
    if !dir::list_evidence(&w.dir).contains(&name) {
        return Witness::text(404, "no such evidence").into_response();
    }
    match std::fs::read(w.dir.join("evidence").join(&name)) {
        Ok(b) => ([(header::CONTENT_TYPE, "application/json")], b).into_response(),
        Err(_) => Witness::text(404, "no such evidence").into_response(),
    }
}

async fn not_found() -> Answer {
    Witness::text(404, "no such endpoint; POST /add-checkpoint")
}

/// The witness's routes.
pub fn router(w: Arc<Witness>) -> Router {
    Router::new()
        .route("/", get(info))
        .route("/add-checkpoint", post(add_checkpoint))
        .route("/evidence", get(evidence_list))
        .route("/evidence/{name}", get(evidence_file))
        .route("/{hash}/checkpoint", get(checkpoint))
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_REQUEST))
        .with_state(w)
}

/// Serves the witness on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    w: Arc<Witness>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(w))
        .with_graceful_shutdown(shutdown)
        .await
}
