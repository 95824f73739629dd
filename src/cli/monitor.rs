//! `kordon monitor`: a body follows a ledger and hears of entries made with its keys that it
//! did not make, of changes to its keys, and of any inconsistency (`crate::monitor`).

use super::{EXIT_INTEGRITY, EXIT_OK};
use crate::monitor::{self, State};
use crate::server::client::Client;
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// The ledger's server (its tlog-tiles API is all the monitor reads).
    #[arg(long, env = "KORDON_SERVER", value_name = "URL", value_parser = super::server_url)]
    server: String,
    /// The body to watch (its id in the ledger).
    #[arg(long = "body", value_name = "ID")]
    body: String,
    /// The ledger's verifier key as published. Without it, the server's key is taken on the
    /// first run and pinned in the state file.
    #[arg(long, value_name = "VKEY", env = "KORDON_LEDGER_KEY")]
    key: Option<String>,
    /// The body's receipts (as `--server` keeps them): entries among them are the body's own.
    #[arg(long, default_value = "receipts")]
    receipts: PathBuf,
    /// Where the monitor keeps what it verified (default: monitor-<body>.json).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Keep following, checking every --interval seconds, until Ctrl-C.
    #[arg(long)]
    follow: bool,
    /// How often to read the ledger again, e.g. 30s or 5m.
    #[arg(long, default_value_t = 30)]
    interval: u64,
    /// Print each finding (and a summary) as JSON lines.
    #[arg(long)]
    json: bool,
}

/// Exit codes: 0 nothing alarming; 1 an entry the body did not make, or an inconsistency
/// (with evidence); 2 the ledger could not be read or checked.
pub fn monitor(a: MonitorArgs) -> Result<u8> {
    let state_path = a
        .state
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("monitor-{}.json", a.body)));
    let client = Client::new(&a.server, std::env::var("KORDON_READ_TOKEN").ok());
    let mut state: State = if state_path.exists() {
        let text = std::fs::read_to_string(&state_path)
            .with_context(|| format!("reading {}", state_path.display()))?;
        let s: State = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a monitor state file", state_path.display()))?;
        if s.keys.body != a.body {
            bail!(
                "{} watches body {}, not {}; use another --state",
                state_path.display(),
                s.keys.body,
                a.body
            );
        }
        if let Some(k) = &a.key {
            if *k != s.verifier_key {
                bail!(
                    "{} was made for ledger key {}, not {k}",
                    state_path.display(),
                    s.verifier_key
                );
            }
        }
        s
    } else {
        let key = match &a.key {
            Some(k) => k.clone(),
            None => {
                let k = client.verifier_key().map_err(|e| anyhow!("{e}"))?;
                eprintln!(
                    "note: pinned the server's ledger key {k}; pass --key to pin the published one"
                );
                k
            }
        };
        State::new(&key, &a.body).map_err(|e| anyhow!("--key: {e}"))?
    };
    let evidence_dir = state_path
        .parent()
        .map(|p| p.join("evidence"))
        .unwrap_or_else(|| PathBuf::from("evidence"));
    let mut alarm = false;
    loop {
        let receipts = monitor::receipt_leaves(&a.receipts).map_err(|e| anyhow!("{e}"))?;
        let step = monitor::follow(&client, &mut state, &receipts, &evidence_dir)
            .map_err(|e| anyhow!("{e}"))?;
        for f in &step.findings {
            alarm |= f.alarming();
            if a.json {
                println!("{}", serde_json::to_string(f)?);
            } else {
                println!("{}", f.describe());
            }
        }
        let json = serde_json::to_vec_pretty(&state)?;
        crate::witness::write_atomic(&state_path, &json)
            .with_context(|| format!("writing {}", state_path.display()))?;
        if a.json {
            println!(
                "{}",
                serde_json::json!({"checked": true, "size": state.size, "new_entries": step.new_entries,
                    "body_keys": state.keys.keys, "alarming": alarm})
            );
        } else {
            eprintln!(
                "checked {} to size {} ({} new entries, consistent with what this monitor verified before); body {} has {} key(s)",
                state.origin,
                step.checkpoint.size,
                step.new_entries,
                a.body,
                state.keys.keys.len()
            );
        }
        if !a.follow {
            break;
        }
        std::thread::sleep(Duration::from_secs(a.interval.max(1)));
    }
    Ok(if alarm { EXIT_INTEGRITY } else { EXIT_OK })
}
