//! Connections: the accept loop, and the limits that keep hostile clients from holding the
//! server.
//!
//! - **Request heads** must arrive whole within `Config::header_timeout` of the connection's
//!   start or of its previous answer (hyper's header-read timeout): a slowloris connection that
//!   sends a byte now and then, and a keep-alive connection left idle, are closed alike.
//! - **Answers** must make progress: a write that the client does not read for
//!   `Config::send_timeout` fails (tokio-io-timeout), and the connection closes with it. Bodies
//!   are streamed in small chunks with backpressure (`read.rs`), so a client that stops reading
//!   holds one chunk, not the answer.
//! - **Open connections** are capped (`Config::max_connections`, and never more than the
//!   process's descriptor limit allows, less a reserve for the store and the answers below).
//!   At the cap, a new connection evicts the connection that has been idle longest (no request
//!   in flight: a slowloris or an idle keep-alive), so normal clients and health checks still
//!   get in; if every connection is busy, the newcomer is answered `503 server.connections` and
//!   closed, and the others are untouched.

use super::errors::ApiError;
use super::AppState;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Notify};
use tower::ServiceExt;

/// Descriptors kept free of connections: the store, the runtime, logs, and the sockets of
/// connections being refused.
pub const FD_RESERVE: u64 = 128;

/// The process's limit on open descriptors (the soft `RLIMIT_NOFILE`), if it has one.
pub fn fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut r = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into the struct we pass it.
        if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } == 0
            && r.rlim_cur != libc::RLIM_INFINITY
        {
            // rlim_t is u64 on Linux but not on every Unix.
            #[allow(clippy::unnecessary_cast)]
            return Some(r.rlim_cur as u64);
        }
    }
    None
}

/// Raises the soft descriptor limit to the hard one (what a server may use without privilege);
/// returns the limit in force afterwards.
pub fn raise_fd_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut r = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit read and write the struct we pass them.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) == 0 && r.rlim_cur < r.rlim_max {
                r.rlim_cur = r.rlim_max;
                libc::setrlimit(libc::RLIMIT_NOFILE, &r);
            }
        }
    }
    fd_limit()
}

/// The connection cap in force: the configured one, within what the descriptor limit allows.
pub fn connection_cap(configured: usize) -> usize {
    let by_fds = fd_limit()
        .map(|l| l.saturating_sub(FD_RESERVE).max(16) as usize)
        .unwrap_or(usize::MAX);
    configured.clamp(1, by_fds.max(1))
}

/// One open connection as the accept loop sees it.
struct Slot {
    /// Requests whose answer is not yet fully sent.
    busy: usize,
    /// Since when nothing was in flight (or since it opened).
    idle_since: Instant,
    /// Closes the connection at once (eviction).
    kill: Arc<Notify>,
}

/// The open connections.
#[derive(Default)]
struct Table {
    slots: Mutex<HashMap<u64, Slot>>,
    next: AtomicU64,
    /// Notified whenever a connection ends (for the graceful shutdown's wait).
    ended: Notify,
}

impl Table {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Slot>> {
        self.slots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a connection if there is room, evicting the longest-idle one at the cap.
    fn admit(&self, cap: usize) -> Option<(u64, Arc<Notify>)> {
        let mut slots = self.lock();
        if slots.len() >= cap {
            let victim = slots
                .iter()
                .filter(|(_, s)| s.busy == 0)
                .min_by_key(|(_, s)| s.idle_since)
                .map(|(id, _)| *id)?;
            if let Some(v) = slots.remove(&victim) {
                v.kill.notify_one();
            }
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let kill = Arc::new(Notify::new());
        slots.insert(
            id,
            Slot {
                busy: 0,
                idle_since: Instant::now(),
                kill: Arc::clone(&kill),
            },
        );
        Some((id, kill))
    }

    fn start_request(&self, id: u64) {
        if let Some(s) = self.lock().get_mut(&id) {
            s.busy += 1;
        }
    }

    fn end_request(&self, id: u64) {
        if let Some(s) = self.lock().get_mut(&id) {
            s.busy = s.busy.saturating_sub(1);
            if s.busy == 0 {
                s.idle_since = Instant::now();
            }
        }
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
        self.ended.notify_waiters();
    }

    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// Marks a request finished when its answer's body is sent or dropped.
struct InFlight {
    table: Arc<Table>,
    id: u64,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.table.end_request(self.id);
    }
}

/// A response body that keeps its request counted as in flight until it is done.
struct Tracked {
    body: axum::body::Body,
    _guard: InFlight,
}

impl http_body::Body for Tracked {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then shuts down gracefully: no new
/// connection is accepted, idle connections close, and every request in flight (submissions
/// included) is answered before this returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let cfg = state.config().clone();
    let cap = connection_cap(cfg.max_connections);
    let table = Arc::new(Table::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    let mut last_accept_error = None::<Instant>;
    loop {
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(s) => s,
                Err(e) => {
                    // Out of descriptors (EMFILE) or a connection reset before accept: log at
                    // most once a second, wait a little, and go on accepting.
                    if last_accept_error.is_none_or(|t| t.elapsed() > Duration::from_secs(1)) {
                        tracing::warn!(error = %e, "accepting a connection failed");
                        last_accept_error = Some(Instant::now());
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let Some((id, kill)) = table.admit(cap) else {
            tokio::spawn(refuse(stream, cfg.send_timeout.min(Duration::from_secs(2))));
            continue;
        };
        let conn = Connection {
            table: Arc::clone(&table),
            id,
            kill,
            stop: stop_rx.clone(),
            app: app.clone(),
            peer,
            header_timeout: cfg.header_timeout,
            send_timeout: cfg.send_timeout,
        };
        tokio::spawn(conn.run(stream));
    }
    tracing::info!("shutting down: finishing requests in flight");
    state.begin_shutdown();
    let _ = stop_tx.send(true);
    drop(listener);
    loop {
        let ended = table.ended.notified();
        if table.len() == 0 {
            break;
        }
        ended.await;
    }
    Ok(())
}

struct Connection {
    table: Arc<Table>,
    id: u64,
    kill: Arc<Notify>,
    stop: watch::Receiver<bool>,
    app: Router,
    /// The client's address, given to each request as `ConnectInfo` (for the request log).
    peer: std::net::SocketAddr,
    header_timeout: Duration,
    send_timeout: Duration,
}

impl Connection {
    async fn run(mut self, stream: TcpStream) {
        let mut io = tokio_io_timeout::TimeoutStream::new(stream);
        io.set_write_timeout(Some(self.send_timeout));
        let io = TokioIo::new(Box::pin(io));
        let (table, id, app) = (Arc::clone(&self.table), self.id, self.app.clone());
        let peer = axum::extract::ConnectInfo(self.peer);
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(peer);
            table.start_request(id);
            let guard = InFlight {
                table: Arc::clone(&table),
                id,
            };
            let app = app.clone();
            async move {
                let resp = app
                    .oneshot(req.map(axum::body::Body::new))
                    .await
                    .unwrap_or_else(|never| match never {});
                Ok::<_, std::convert::Infallible>(resp.map(|body| Tracked {
                    body,
                    _guard: guard,
                }))
            }
        });
        let conn = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_timeout)
            .serve_connection(io, service);
        tokio::pin!(conn);
        let mut stopping = *self.stop.borrow();
        if stopping {
            conn.as_mut().graceful_shutdown();
        }
        loop {
            tokio::select! {
                r = conn.as_mut() => {
                    if let Err(e) = r {
                        tracing::debug!(error = %e, "connection ended");
                    }
                    break;
                }
                _ = self.kill.notified() => break,
                changed = self.stop.changed(), if !stopping => {
                    stopping = true;
                    if changed.is_ok() {
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        }
        self.table.remove(self.id);
    }
}

/// Answers a connection over the cap with `503 server.connections` and closes it.
async fn refuse(mut stream: TcpStream, within: Duration) {
    let p = ApiError::too_many_connections();
    let body = serde_json::to_vec(&p.body()).unwrap_or_default();
    let head = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: {}\r\nx-content-type-options: nosniff\r\nretry-after: 1\r\nconnection: close\r\ncontent-length: {}\r\n\r\n",
        super::errors::PROBLEM_JSON,
        body.len()
    );
    let _ = tokio::time::timeout(within, async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(&body).await?;
        stream.shutdown().await
    })
    .await;
}
