//! `kordon serve`: the HTTP API over a data directory (or the demo ledger).

use super::EXIT_OK;
use crate::datadir;
use crate::ledger::system_clock;
use crate::server::{self, AppState, Config};
use crate::store;
use crate::witness::cosigning::{
    self, policy_of, Cosigning, Options, ProofSource, WitnessEndpoint,
};
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (host:port).
    #[arg(long, env = "KORDON_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Make every read need `Authorization: Bearer TOKEN` (health checks excepted), and tell
    /// writers without it nothing of the ledger's content. At least 16 characters (e.g.
    /// `openssl rand -hex 16`); an empty or shorter token is refused. Without it reads are
    /// public: transparency is the point.
    #[arg(
        long,
        env = "KORDON_READ_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub read_token: Option<String>,
    /// Serve the demo ledger (signed with demo keys) from ./kordon-demo or the folder --data
    /// names, building it first if it holds none.
    #[arg(long)]
    pub demo: bool,
    /// The former name of --data with --demo; --data is the one name for the demo's folder.
    #[arg(long, hide = true, value_name = "DIR")]
    pub demo_dir: Option<PathBuf>,
    /// Serve the ledger in this store instead of the data directory's own: an address such as
    /// postgres://USER@HOST/DB or redb:PATH, or a path (see --help for every kind).
    #[arg(
        long,
        env = "KORDON_STORE",
        value_name = "ADDRESS",
        hide_env_values = true,
        long_help = super::store_help(SERVE_STORE)
    )]
    pub store: Option<String>,
    /// Submissions accepted at once (queued or committing, once their body is read); more are
    /// answered 503 with Retry-After. A batch of more than this is answered 413.
    #[arg(long, default_value_t = 1024)]
    pub max_pending: usize,
    /// Seconds a read may take to produce its answer; then it is answered 503
    /// (server.timeout) with Retry-After. Streamed answers (export, feed) are bounded by
    /// --send-timeout instead.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub request_timeout: u64,
    /// Seconds a connection may take to send a request's head (from its start, or from its
    /// previous answer: so also how long an idle keep-alive connection stays open).
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub header_timeout: u64,
    /// Seconds an answer may wait for a client that reads nothing; then the connection is
    /// closed.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    pub send_timeout: u64,
    /// Open connections at most; never more than the descriptor limit allows (the soft limit
    /// is raised to the hard one at start, and 128 descriptors are kept for the rest). At the
    /// cap the longest-idle connection is closed for a new one; if all are busy, the new one
    /// is answered 503.
    #[arg(long, default_value_t = 4096, value_name = "N")]
    pub max_connections: usize,
    /// Ask this witness to cosign checkpoints after commits: NAME=VKEY@URL, its label, verifier
    /// key (from `kordon witness init`) and URL. Repeat for each. Witnesses are asked off the
    /// write path: a slow or dead witness never delays an append. With --demo and no
    /// --witness, the demo's two witnesses run in this process.
    #[arg(long = "witness", value_name = "NAME=VKEY@URL")]
    pub witnesses: Vec<String>,
    /// How many witnesses must cosign a checkpoint before receipts carry it (default: a
    /// majority of the --witness given).
    #[arg(long, value_name = "K")]
    pub witness_quorum: Option<usize>,
    /// Seconds a client may take to send a submission's body; slower ones are answered 408.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub body_timeout: u64,
    /// MiB of submission bodies held at once while they arrive and wait for their answer;
    /// beyond it submissions are answered 503 with Retry-After.
    #[arg(long, default_value_t = 64, value_name = "MIB")]
    pub body_budget: usize,
    /// Entries each signing key may add per day (the sustained rate of its quota); beyond it
    /// they are answered 429 with Retry-After. Only accepted entries count. 0 turns quotas off
    /// (for a bulk import, e.g. `--quota-per-day 0`, then restart without it).
    #[arg(long, default_value_t = 2000, value_name = "N")]
    pub quota_per_day: u64,
    /// Entries a signing key may add at once before the daily rate applies (the quota's burst).
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub quota_burst: u64,
    /// How log lines on standard error are written: text for people, or json for a log
    /// collector (one object per line). Each request gets a line with the client's address,
    /// method, route, path, status, time taken (micros) and request id (the client's
    /// x-request-id, or a new one, echoed in the answer). KORDON_LOG filters lines: a level
    /// (error, warn, info, debug, trace; default info) or directives such as
    /// `warn,kordon::witness=info`.
    #[arg(long, value_enum, env = "KORDON_LOG_FORMAT", default_value_t = server::LogFormat::Text)]
    pub log_format: server::LogFormat,
}

const SERVE_STORE: &str = "Serve the ledger in this store instead of the data directory's own \
     (ledger.redb, or the store its store.url names); the data directory keeps the checkpoint key \
     (ledger.key). Several servers may serve one PostgreSQL ledger; each follows what the others \
     write.";

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when the
/// future is first polled, so a signal sent as soon as the "serving" lines are printed is heard
/// (call it before printing them, inside the runtime).
pub(crate) fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let handlers =
            signal(SignalKind::terminate()).and_then(|t| Ok((t, signal(SignalKind::interrupt())?)));
        async move {
            match handlers {
                Ok((mut term, mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {},
                        _ = int.recv() => {},
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

pub fn serve(data: &Path, a: ServeArgs) -> Result<u8> {
    // With --demo, `data` is the demo's folder (the command line chose it).
    let dir = data.to_path_buf();
    if a.demo && !datadir::has_ledger(&dir) {
        let n = crate::demo::build(&dir)?;
        println!("built the demo ledger in {} ({n} entries)", dir.display());
    }
    if let Some(t) = &a.read_token {
        server::check_read_token(t).map_err(|e| anyhow!("--read-token: {e}"))?;
    }
    if let Some(w) = server::init_logging(a.log_format) {
        tracing::warn!("{w}");
    }
    let store = a.store.as_deref();
    let ledger = Arc::new(
        datadir::open_at(&dir, store, system_clock()).with_context(|| {
            match store {
                // The address as errors may show it: never a URL's password.
                Some(address) => format!(
                    "opening the ledger in {} (key in {})",
                    store::shown(address),
                    dir.display()
                ),
                None => format!("opening {}", dir.display()),
            }
        })?,
    );
    let from = match store.map(str::to_string).or(datadir::store_url(&dir)?) {
        Some(address) => store::shown(&address),
        None => dir.display().to_string(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(a.max_pending.max(1) + 64)
        .thread_name("kordon-http")
        .build()
        .context("starting the runtime")?;
    let mut endpoints = a
        .witnesses
        .iter()
        .map(|w| WitnessEndpoint::parse(w).map_err(|e| anyhow!("--witness {e}")))
        .collect::<Result<Vec<_>>>()?;
    if a.demo && endpoints.is_empty() {
        endpoints = rt.block_on(demo_witnesses(&dir, &ledger.verifier_key()))?;
    }
    let witnessing = if endpoints.is_empty() {
        if a.witness_quorum.is_some() {
            bail!("--witness-quorum needs witnesses: give --witness NAME=VKEY@URL for each");
        }
        None
    } else {
        let quorum = a.witness_quorum.unwrap_or(endpoints.len() / 2 + 1);
        let policy = policy_of(&endpoints, quorum).map_err(|e| anyhow!("{e}"))?;
        for e in &endpoints {
            println!("witness {} ({}) at {}", e.label, e.key.algorithm(), e.url);
        }
        println!("witness policy: {}", policy.describe());
        Some(Arc::new(
            Cosigning::start(
                endpoints,
                policy,
                Arc::clone(&ledger) as Arc<dyn ProofSource>,
                Options {
                    state: Some(dir.join(cosigning::STATE_FILE)),
                    ..Options::default()
                },
            )
            .map_err(|e| anyhow!("{e}"))?,
        ))
    };
    let fds = server::conn::raise_fd_limit();
    let config = Config {
        // Checked above: an empty or short token is refused, never taken as "no token".
        read_token: a.read_token.clone(),
        max_pending: a.max_pending.max(1),
        request_timeout: Duration::from_secs(a.request_timeout.max(1)),
        header_timeout: Duration::from_secs(a.header_timeout.max(1)),
        send_timeout: Duration::from_secs(a.send_timeout.max(1)),
        max_connections: a.max_connections.max(1),
        body_timeout: Duration::from_secs(a.body_timeout.max(1)),
        body_budget: a.body_budget.max(1).saturating_mul(1 << 20),
        quota: (a.quota_per_day > 0).then_some(server::Quota {
            per_day: a.quota_per_day,
            burst: a.quota_burst.max(1),
        }),
        witnessing: witnessing.clone(),
    };
    let cap = server::conn::connection_cap(config.max_connections);
    if cap < config.max_connections {
        tracing::warn!(
            configured = config.max_connections,
            cap,
            descriptors = fds.unwrap_or(0),
            "the descriptor limit allows fewer connections than --max-connections"
        );
    }
    let state = AppState::new(Arc::clone(&ledger), config)?;
    let served = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .with_context(|| format!("cannot listen on {}", a.listen))?;
        let addr = listener.local_addr()?;
        let shutdown = shutdown_signal();
        let head = state.head();
        println!(
            "serving ledger {} ({} entries) from {from} on http://{addr}/",
            state.origin(),
            head.size,
        );
        println!(
            "open http://{addr}/ in a browser; the API is described at http://{addr}/openapi.json"
        );
        println!("verifier key: {}", state.verifier_key());
        if a.demo {
            println!(
                "demo keys (for this example only) are in {}/keys",
                dir.display()
            );
        }
        if state.config().read_token.is_some() {
            println!("reads need the bearer token given with --read-token");
        }
        println!("stop with Ctrl-C: requests in flight are answered and acknowledged entries kept");
        server::serve(listener, state.clone(), shutdown)
            .await
            .map_err(|e| anyhow!("serving: {e}"))
    });
    // Let submissions still running finish before the writer stops.
    drop(state);
    drop(witnessing);
    rt.shutdown_timeout(Duration::from_secs(30));
    drop(ledger);
    served?;
    println!("stopped");
    Ok(EXIT_OK)
}

/// Starts the demo's witnesses in this process (on loopback ports of their own), following
/// the demo ledger; returns how the ledger reaches them.
async fn demo_witnesses(dir: &Path, ledger_vkey: &str) -> Result<Vec<WitnessEndpoint>> {
    use crate::witness::{dir as wdir, server as wserver};
    let mut out = Vec::new();
    for (label, name, alg, seed) in crate::demo::witnesses() {
        let wd = dir.join("witnesses").join(label);
        if !wd.join(wdir::KEY_FILE).exists() {
            wdir::init(&wd, name, alg, seed)?;
        }
        let w = Arc::new(wserver::Witness::open(&wd, &[ledger_vkey.to_string()])?);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        out.push(WitnessEndpoint {
            label: label.to_string(),
            key: w.cosigner().verifier().clone(),
            url,
        });
        tokio::spawn(wserver::serve(listener, w, std::future::pending()));
    }
    Ok(out)
}
