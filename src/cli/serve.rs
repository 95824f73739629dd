//! `kordon serve`: the HTTP API over a data directory (or the demo ledger).

use super::EXIT_OK;
use crate::datadir;
use crate::ledger::system_clock;
use crate::server::{self, AppState, Config};
use anyhow::{anyhow, Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address to listen on (host:port).
    #[arg(long, env = "KORDON_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Make every read need `Authorization: Bearer TOKEN` (health checks excepted). Without
    /// it reads are public: transparency is the point.
    #[arg(
        long,
        env = "KORDON_READ_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub read_token: Option<String>,
    /// Serve the demo ledger (signed with demo keys), building it first if --demo-dir holds
    /// none.
    #[arg(long)]
    pub demo: bool,
    /// Where the demo ledger lives.
    #[arg(long, default_value = "kordon-demo")]
    pub demo_dir: PathBuf,
    /// Submissions accepted at once (queued or committing, once their body is read); more are
    /// answered 503 with Retry-After. A batch of more than this is answered 413.
    #[arg(long, default_value_t = 1024)]
    pub max_pending: usize,
    /// Seconds a read may take before it is answered 408.
    #[arg(long, default_value_t = 30)]
    pub request_timeout: u64,
    /// Seconds a client may take to send a submission's body; slower ones are answered 408.
    #[arg(long, default_value_t = 10)]
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
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

pub fn serve(data: &Path, a: ServeArgs) -> Result<u8> {
    let dir = if a.demo {
        if !datadir::has_ledger(&a.demo_dir) {
            let n = crate::demo::build(&a.demo_dir)?;
            println!(
                "built the demo ledger in {} ({n} entries)",
                a.demo_dir.display()
            );
        }
        a.demo_dir.clone()
    } else {
        data.to_path_buf()
    };
    server::init_logging();
    let ledger = Arc::new(
        datadir::open(&dir, system_clock())
            .with_context(|| format!("opening {}", dir.display()))?,
    );
    let config = Config {
        read_token: a.read_token.clone().filter(|t| !t.is_empty()),
        max_pending: a.max_pending.max(1),
        request_timeout: Duration::from_secs(a.request_timeout.max(1)),
        body_timeout: Duration::from_secs(a.body_timeout.max(1)),
        body_budget: a.body_budget.max(1).saturating_mul(1 << 20),
        quota: (a.quota_per_day > 0).then_some(server::Quota {
            per_day: a.quota_per_day,
            burst: a.quota_burst.max(1),
        }),
    };
    let state = AppState::new(Arc::clone(&ledger), config)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(a.max_pending.max(1) + 64)
        .thread_name("kordon-http")
        .build()
        .context("starting the runtime")?;
    let served = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .with_context(|| format!("cannot listen on {}", a.listen))?;
        let addr = listener.local_addr()?;
        let head = state.head();
        println!(
            "serving ledger {} ({} entries) from {} on http://{addr}/",
            state.origin(),
            head.size,
            dir.display()
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
        server::serve(listener, state.clone(), shutdown_signal())
            .await
            .map_err(|e| anyhow!("serving: {e}"))
    });
    // Let submissions still running finish before the writer stops.
    drop(state);
    rt.shutdown_timeout(Duration::from_secs(30));
    drop(ledger);
    served?;
    println!("stopped");
    Ok(EXIT_OK)
}
