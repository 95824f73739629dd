//! A small blocking client of the API, for the CLI's `--server` path and for tests: submit a
//! signed event and get its receipt, read the checkpoint and the verifier key.
//!
//! Plain `http://` only (no TLS in this build): put a TLS-terminating proxy in front of a
//! server that is reached over a network, or add ureq's `rustls` feature.

use super::receipt::Receipt;
use super::write::submission_json;
use crate::ledger::Submission;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach {url}: {msg}")]
    Transport { url: String, msg: String },
    /// The server answered with a problem (or another error status).
    #[error("{}", .detail)]
    Problem {
        status: u16,
        code: String,
        detail: String,
        body: String,
    },
    #[error("the server's answer is not what was expected: {0}")]
    Answer(String),
}

pub struct Client {
    base: String,
    read_token: Option<String>,
    agent: ureq::Agent,
}

impl Client {
    /// A client of the server at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn new(base: &str, read_token: Option<String>) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Client {
            base: base.trim_end_matches('/').to_string(),
            read_token,
            agent,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn answer(
        &self,
        url: &str,
        r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<String, ClientError> {
        let mut resp = r.map_err(|e| ClientError::Transport {
            url: url.to_string(),
            msg: e.to_string(),
        })?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| ClientError::Transport {
                url: url.to_string(),
                msg: e.to_string(),
            })?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let problem: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let text = |k: &str| problem.get(k).and_then(|v| v.as_str()).map(str::to_string);
        Err(ClientError::Problem {
            status,
            code: text("code").unwrap_or_else(|| format!("http.{status}")),
            detail: text("detail").unwrap_or_else(|| format!("HTTP {status}: {body}")),
            body,
        })
    }

    /// GETs `path` and returns the body as text.
    pub fn get(&self, path: &str) -> Result<String, ClientError> {
        let url = self.url(path);
        let mut req = self.agent.get(&url);
        if let Some(t) = &self.read_token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        self.answer(&url, req.call())
    }

    /// The latest signed checkpoint.
    pub fn checkpoint(&self) -> Result<String, ClientError> {
        self.get("/checkpoint")
    }

    /// The ledger's origin: the first line of its checkpoint.
    pub fn origin(&self) -> Result<String, ClientError> {
        let cp = self.checkpoint()?;
        cp.lines()
            .next()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .ok_or_else(|| ClientError::Answer("the checkpoint has no origin line".into()))
    }

    /// The ledger's verifier key.
    pub fn verifier_key(&self) -> Result<String, ClientError> {
        Ok(self.get("/verifier-key")?.trim().to_string())
    }

    /// POSTs `body` to `path` and returns the answer's body as text.
    pub fn post(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<String, ClientError> {
        let url = self.url(path);
        let r = self
            .agent
            .post(&url)
            .header("Content-Type", content_type)
            .send(&body[..]);
        self.answer(&url, r)
    }

    /// Submits a signed event; returns its receipt once the entry is durable.
    pub fn submit(&self, sub: &Submission) -> Result<Receipt, ClientError> {
        let url = self.url("/entries");
        let mut req = self
            .agent
            .post(&url)
            .header("Content-Type", "application/json");
        // A protected ledger names the rule of a refusal only to a client with the token.
        if let Some(t) = &self.read_token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let r = req.send(submission_json(sub));
        let body = self.answer(&url, r)?;
        serde_json::from_str(&body).map_err(|e| ClientError::Answer(format!("receipt: {e}")))
    }

    /// The receipt of entry `seq`, against the server's newest witnessed checkpoint covering it.
    pub fn receipt(&self, seq: u64) -> Result<Receipt, ClientError> {
        let body = self.get(&format!("/entries/{seq}/receipt"))?;
        serde_json::from_str(&body).map_err(|e| ClientError::Answer(format!("receipt: {e}")))
    }

    /// An RFC 9162 consistency proof between two sizes.
    pub fn consistency(
        &self,
        size1: u64,
        size2: u64,
    ) -> Result<Vec<crate::core::hash::Hash>, ClientError> {
        let body = self.get(&format!("/proof/consistency?size1={size1}&size2={size2}"))?;
        let p: super::read::ConsistencyProof = serde_json::from_str(&body)
            .map_err(|e| ClientError::Answer(format!("consistency proof: {e}")))?;
        p.proof
            .iter()
            .map(|h| {
                crate::core::hash::Hash::from_hex(h)
                    .ok_or_else(|| ClientError::Answer(format!("{h:?} is not a hex hash")))
            })
            .collect()
    }

    /// GETs `path` and copies the body into `out` as it arrives (an export, whatever its size);
    /// returns the bytes written. An error status is a `Problem`, with nothing written.
    pub fn get_to(&self, path: &str, out: &mut dyn std::io::Write) -> Result<u64, ClientError> {
        let url = self.url(path);
        // No overall deadline: an export of millions of entries takes minutes. A server that
        // stops sending is cut off by the read timeout.
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_recv_response(Some(Duration::from_secs(60)))
            .timeout_recv_body(None)
            .build()
            .into();
        let mut req = agent.get(&url);
        if let Some(t) = &self.read_token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let r = req.call();
        let transport = |e: &dyn std::fmt::Display| ClientError::Transport {
            url: url.clone(),
            msg: e.to_string(),
        };
        let mut resp = r.map_err(|e| transport(&e))?;
        if !resp.status().is_success() {
            return self.answer(&url, Ok(resp)).map(|_| 0);
        }
        let mut body = resp.body_mut().with_config().limit(u64::MAX).reader();
        std::io::copy(&mut body, out).map_err(|e| transport(&e))
    }

    /// GETs `path` and returns the body as bytes (tiles, entry bundles).
    pub fn get_bytes(&self, path: &str) -> Result<Vec<u8>, ClientError> {
        let url = self.url(path);
        let mut req = self.agent.get(&url);
        if let Some(t) = &self.read_token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let mut resp = req.call().map_err(|e| ClientError::Transport {
            url: url.clone(),
            msg: e.to_string(),
        })?;
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .map_err(|e| ClientError::Transport {
                url: url.clone(),
                msg: e.to_string(),
            })?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        Err(ClientError::Problem {
            status,
            code: format!("http.{status}"),
            detail: format!("HTTP {status} for {url}"),
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}
