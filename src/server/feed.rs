//! `GET /feed`: new entries as Server-Sent Events, each with its sequence number as the event
//! id, so a client that reconnects with `Last-Event-ID` resumes exactly after the last entry it
//! saw: no gap, no duplicate. The events are unnamed (no `event:` field), so a browser's
//! `EventSource.onmessage` receives them. A start past the end of the ledger (a client that
//! followed another ledger, or one restored from an older backup) is refused with a 404
//! problem rather than left waiting for entries it may never see.
//!
//! Each stream subscribes to the ledger's commits first and then reads the store: it replays
//! what is stored from its starting point, then follows the commits, skipping what it already
//! sent. If it falls behind the commits (a slow client), it goes back to the store. Its state is
//! one number, the next sequence number to send.

use super::read::entry_json;
use super::{ApiError, AppState, FeedBatch, Q};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, watch};
use utoipa::IntoParams;

/// Bytes of entries read from the store at a time while replaying (about; at least one
/// entry): the next chunk is read only when the client has taken this one.
const REPLAY_BYTES: u64 = super::read::STREAM_CHUNK as u64;
/// A comment line this often keeps proxies from closing an idle stream.
const KEEPALIVE: Duration = Duration::from_secs(15);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The first sequence number to send (default: the next entry to be recorded).
    /// `Last-Event-ID` takes precedence: the stream then starts after that entry.
    #[serde(default, deserialize_with = "super::read::number::optional")]
    pub from: Option<u64>,
}

/// Live feed of new entries (Server-Sent Events).
///
/// Each event is `id: <seq>` and `data: <the entry as JSON, as GET /entries/{seq}>`, with no
/// event name, so `EventSource.onmessage` receives it. Reconnect with `Last-Event-ID: <seq>`
/// to resume after that entry (a browser's EventSource does so by itself). A
/// `Last-Event-ID` of an entry the ledger does not hold, or a `from` beyond its next entry,
/// is answered 404 `not-found.entry` with the ledger's `tree_size`: the client followed
/// another ledger or an older copy of this one.
#[utoipa::path(get, path = "/feed", tag = "read", params(FeedQuery,
        ("Last-Event-ID" = Option<u64>, Header, description = "Resume after this sequence number")),
    responses(
        (status = 200, description = "An endless event stream", content_type = "text/event-stream"),
        (status = 400, description = "Last-Event-ID or from is not a sequence number (request.parameter)", body = super::errors::Problem, content_type = "application/problem+json"),
        (status = 404, description = "Last-Event-ID names an entry the ledger does not hold, or from is beyond its next entry (not-found.entry, with tree_size)", body = super::errors::Problem, content_type = "application/problem+json"),
    ))]
pub async fn feed(
    State(st): State<AppState>,
    headers: HeaderMap,
    Q(q): Q<FeedQuery>,
) -> Result<Response, ApiError> {
    // Subscribe before reading the head, so no commit falls between the two.
    let rx = st.subscribe_feed();
    let last = headers
        .get("last-event-id")
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| super::read::number::header(s.trim()))
                .ok_or_else(|| {
                    ApiError::bad_parameter("Last-Event-ID must be an entry's sequence number")
                })
        })
        .transpose()?;
    let size = st.head().size;
    let next = match (last, q.from) {
        (Some(l), _) if l >= size => {
            return Err(past_the_end(
                size,
                format!("Last-Event-ID {l} names an entry this ledger does not hold"),
            ))
        }
        (Some(l), _) => l + 1,
        (None, Some(f)) if f > size => {
            return Err(past_the_end(
                size,
                format!("from={f} is beyond the next entry this ledger will record"),
            ))
        }
        (None, Some(f)) => f,
        (None, None) => size,
    };
    let state = Feed {
        stop: st.stopping(),
        st,
        next,
        rx,
        replay: true,
        started: false,
        count: 4,
    };
    let stream = futures_util::stream::unfold(state, |mut s| async move {
        s.step().await.map(|chunk| (Ok::<_, Infallible>(chunk), s))
    });
    let mut resp = Response::new(Body::from_stream(stream));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(resp)
}

/// The refusal of a start past the end: how far the ledger goes, and what to do.
fn past_the_end(size: u64, what: String) -> ApiError {
    let holds = match size {
        0 => "it holds no entries yet".to_string(),
        1 => "it holds 1 entry, number 0".to_string(),
        n => format!("it holds {n} entries, 0 to {}", n - 1),
    };
    ApiError::not_found(
        super::errors::ServerCode::NotFoundEntry,
        format!(
            "{what}: {holds}. The client followed another ledger or an older copy of this one; \
             check its checkpoint, then resume with ?from=N (at most {size}) and no Last-Event-ID"
        ),
    )
    .with("tree_size", size)
}

struct Feed {
    st: AppState,
    /// The next sequence number to send.
    next: u64,
    rx: broadcast::Receiver<Arc<FeedBatch>>,
    stop: watch::Receiver<bool>,
    /// Whether the store may hold entries from `next` on that were not sent.
    replay: bool,
    started: bool,
    /// Entries to read in the next replay chunk, adapted to the sizes seen.
    count: u64,
}

fn event(seq: u64, json: &str, out: &mut String) {
    out.push_str("id: ");
    out.push_str(&seq.to_string());
    out.push_str("\ndata: ");
    out.push_str(json);
    out.push_str("\n\n");
}

impl Feed {
    /// The next chunk of the stream, or `None` to end it.
    async fn step(&mut self) -> Option<Bytes> {
        if !self.started {
            self.started = true;
            return Some(Bytes::from(format!(
                "retry: 2000\n: kordon feed from entry {}\n\n",
                self.next
            )));
        }
        loop {
            if *self.stop.borrow() {
                return None;
            }
            if self.replay {
                let (from, count) = (self.next, self.count);
                // Never beyond the published head, though the store may already hold the
                // next commit: an id sent is one a reconnect's Last-Event-ID check accepts.
                let head = self.st.head().size;
                let read = self
                    .st
                    .blocking(move |st| {
                        let snap = st.store().snapshot()?;
                        let end = from.saturating_add(count).min(snap.size()).min(head);
                        if from >= end {
                            return Ok(Vec::new());
                        }
                        Ok(snap.entries(from, end)?)
                    })
                    .await;
                let entries = match read {
                    Ok(e) => e,
                    Err(e) => {
                        tracing::warn!(detail = %e.detail, "feed: reading the store failed");
                        return None;
                    }
                };
                if entries.is_empty() {
                    self.replay = false;
                    continue;
                }
                let raw: u64 = entries.iter().map(|e| e.len() as u64).sum();
                self.count = (REPLAY_BYTES / (raw / entries.len() as u64).max(1)).clamp(1, 4096);
                let mut out = String::new();
                for b in &entries {
                    event(self.next, &entry_json(b)?, &mut out);
                    self.next += 1;
                }
                return Some(Bytes::from(out));
            }
            let got = tokio::select! {
                r = self.rx.recv() => r,
                _ = self.stop.changed() => return None,
                _ = tokio::time::sleep(KEEPALIVE) => return Some(Bytes::from_static(b": keepalive\n\n")),
            };
            match got {
                Ok(batch) => {
                    let end = batch.first + batch.entries.len() as u64;
                    if end <= self.next {
                        continue; // Already sent while replaying.
                    }
                    if batch.first > self.next {
                        // A commit this stream did not hear: read it from the store.
                        self.replay = true;
                        continue;
                    }
                    let skip = (self.next - batch.first) as usize;
                    let mut out = String::new();
                    for b in &batch.entries[skip..] {
                        event(self.next, &entry_json(b)?, &mut out);
                        self.next += 1;
                    }
                    return Some(Bytes::from(out));
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    self.replay = true;
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }
}
