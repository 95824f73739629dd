//! `kordon witness` (run a C2SP witness), the witness-policy flags of `verify`, `receipt verify`
//! and `monitor`, and `kordon verify --evidence`.

use super::{EXIT_INTEGRITY, EXIT_OK};
use crate::core::cosignature::{Algorithm, CosignatureVerifier, Policy, Witness};
use crate::core::witness::{Evidence, LogKey};
use crate::witness::{dir, server};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Create a witness: a new signing key (and an empty list of logs) in --dir.
    ///
    /// A witness cosigns a log's checkpoints only after checking that each one extends the
    /// last it cosigned, so a log cannot show different histories to readers who require its
    /// cosignature. Run one next to your own systems, and give the printed verifier key to the
    /// ledgers you witness and to readers.
    ///
    /// Example: kordon witness init --name committee.rada.example/witness
    Init {
        /// The witness's directory.
        #[arg(long, env = "KORDON_WITNESS_DIR", default_value = "kordon-witness")]
        dir: PathBuf,
        /// The witness's key name: a schema-less URL that identifies it (need not resolve).
        #[arg(long)]
        name: String,
        /// ml-dsa-44 (post-quantum, what C2SP recommends for new witnesses) or ed25519 (which
        /// browsers can also check today).
        #[arg(long, default_value = "ml-dsa-44")]
        algorithm: String,
    },
    /// Follow a log: add its verifier key (its name is the log's origin). Any C2SP log works:
    /// keys of type 0x01 (Ed25519 notes, as kordon's), 0x04 or 0x06.
    ///
    /// Example: kordon witness add-log "$(curl -s http://ledger:8080/verifier-key)"
    AddLog {
        /// The witness's folder (from `kordon witness init`).
        #[arg(long, env = "KORDON_WITNESS_DIR", default_value = "kordon-witness")]
        dir: PathBuf,
        /// The log's verifier key(s).
        #[arg(required = true)]
        vkeys: Vec<String>,
    },
    /// Serve the C2SP tlog-witness API: POST /add-checkpoint, GET /<origin hash>/checkpoint,
    /// and the fork evidence recorded at GET /evidence.
    ///
    /// Every cosignature is answered only after the checkpoint is on disk (fsynced), so a crash
    /// or kill -9 loses nothing it answered. A checkpoint that does not extend the last one
    /// cosigned is refused; two signed checkpoints of one size with different roots are saved
    /// as evidence that `kordon verify --evidence FILE` checks.
    ///
    /// Example: kordon witness serve --listen 0.0.0.0:7380
    Serve {
        /// The witness's folder (from `kordon witness init`).
        #[arg(long, env = "KORDON_WITNESS_DIR", default_value = "kordon-witness")]
        dir: PathBuf,
        /// The address to listen on (host:port).
        #[arg(long, default_value = "127.0.0.1:7380")]
        listen: String,
        /// Also follow this log (verifier key), as if it were in the logs file.
        #[arg(long = "log", value_name = "VKEY")]
        logs: Vec<String>,
        /// How log lines on standard error are written: text, or json (one object per line,
        /// for a log collector). KORDON_LOG filters them (e.g. warn).
        #[arg(long, value_enum, env = "KORDON_LOG_FORMAT", default_value_t = crate::server::LogFormat::Text)]
        log_format: crate::server::LogFormat,
    },
    /// Print the witness's verifier key and the logs it follows.
    Show {
        /// The witness's folder (from `kordon witness init`).
        #[arg(long, env = "KORDON_WITNESS_DIR", default_value = "kordon-witness")]
        dir: PathBuf,
    },
}

pub fn witness(c: WitnessCommand) -> Result<u8> {
    match c {
        WitnessCommand::Init {
            dir,
            name,
            algorithm,
        } => {
            let alg = Algorithm::parse(&algorithm)
                .ok_or_else(|| anyhow!("--algorithm {algorithm:?}: use ml-dsa-44 or ed25519"))?;
            let mut seed = [0u8; 32];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut seed);
            let c = dir::init(&dir, &name, alg, seed)?;
            println!("created witness {name} ({alg}) in {}", dir.display());
            println!("verifier key: {}", c.verifier().to_vkey());
            println!(
                "next: kordon witness add-log --dir {} LOG-VKEY, then kordon witness serve --dir {}",
                dir.display(),
                dir.display()
            );
            Ok(EXIT_OK)
        }
        WitnessCommand::AddLog { dir, vkeys } => {
            dir::read_key(&dir)?;
            dir::append_logs(&dir, &vkeys)?;
            for v in &vkeys {
                println!("following {}", v.split('+').next().unwrap_or(v));
            }
            Ok(EXIT_OK)
        }
        WitnessCommand::Show { dir } => {
            let w = server::Witness::open(&dir, &[])?;
            println!("{}", w.vkey());
            for (origin, keys) in w.logs() {
                let size = dir::read_latest(&dir, origin)?
                    .map(|l| format!("cosigned up to size {}", l.size))
                    .unwrap_or_else(|| "nothing cosigned yet".into());
                eprintln!("log {origin} ({} key(s)): {size}", keys.len());
            }
            Ok(EXIT_OK)
        }
        WitnessCommand::Serve {
            dir,
            listen,
            logs,
            log_format,
        } => {
            if let Some(w) = crate::server::init_logging(log_format) {
                tracing::warn!("{w}");
            }
            let w = Arc::new(server::Witness::open(&dir, &logs)?);
            if w.logs().is_empty() {
                eprintln!(
                    "note: this witness follows no log yet; add one with `kordon witness add-log` or --log"
                );
            }
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("kordon-witness")
                .build()
                .context("starting the runtime")?;
            rt.block_on(async {
                let listener = tokio::net::TcpListener::bind(&listen)
                    .await
                    .with_context(|| format!("cannot listen on {listen}"))?;
                let addr = listener.local_addr()?;
                let shutdown = super::serve::shutdown_signal();
                println!(
                    "witness {} on http://{addr}/ following {} log(s)",
                    w.cosigner().name(),
                    w.logs().len()
                );
                println!("verifier key: {}", w.vkey());
                println!(
                    "ledgers: kordon serve --witness NAME={}@http://{addr}",
                    w.vkey()
                );
                server::serve(listener, Arc::clone(&w), shutdown)
                    .await
                    .map_err(|e| anyhow!("serving: {e}"))
            })?;
            println!("stopped");
            Ok(EXIT_OK)
        }
    }
}

/// The flags that make a verifier require witnesses.
#[derive(Debug, Args, Default)]
pub struct PolicyArgs {
    /// Require cosignatures by this witness: its verifier key (type 0x04 Ed25519 or 0x06
    /// ML-DSA-44), optionally labelled NAME=VKEY. Repeat for each witness you trust.
    #[arg(long = "witness", value_name = "[NAME=]VKEY")]
    pub witnesses: Vec<String>,
    /// How many of the --witness keys must have cosigned (default: a majority).
    #[arg(long, value_name = "K")]
    pub quorum: Option<usize>,
    /// A C2SP tlog-policy file (witness, group and quorum lines) instead of --witness/--quorum.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["witnesses", "quorum"])]
    pub witness_policy: Option<PathBuf>,
}

impl PolicyArgs {
    /// The policy, or `None` when no witness is required.
    pub fn policy(&self) -> Result<Option<Policy>> {
        if let Some(p) = &self.witness_policy {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let (policy, _) =
                Policy::parse_tlog_policy(&text).map_err(|e| anyhow!("{}: {e}", p.display()))?;
            return Ok(Some(policy));
        }
        if self.witnesses.is_empty() {
            if self.quorum.is_some() {
                bail!("--quorum needs the witnesses' keys: give --witness VKEY for each");
            }
            return Ok(None);
        }
        let mut ws = Vec::new();
        for w in &self.witnesses {
            let (label, vkey) = match w.split_once('=') {
                Some((l, v)) if !l.contains('+') => (Some(l.to_string()), v),
                _ => (None, w.as_str()),
            };
            let key =
                CosignatureVerifier::parse(vkey).map_err(|e| anyhow!("--witness {vkey:?}: {e}"))?;
            ws.push(Witness {
                label: label.unwrap_or_else(|| key.name().to_string()),
                key,
            });
        }
        let k = self.quorum.unwrap_or(ws.len() / 2 + 1);
        Ok(Some(Policy::k_of_n(ws, k).map_err(|e| anyhow!("{e}"))?))
    }
}

/// `kordon verify --evidence FILE`: checks fork evidence; exit 0 when it proves a fork.
pub fn verify_evidence(path: &Path, key: Option<&str>, json: bool) -> Result<u8> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let ev: Evidence = serde_json::from_str(&text)
        .with_context(|| format!("{} is not kordon evidence", path.display()))?;
    let keys = key
        .map(|k| LogKey::parse(k).map_err(|e| anyhow!("--key: {e}")))
        .transpose()?;
    let result = ev.verify(keys.as_ref().map(std::slice::from_ref));
    if json {
        let v = match &result {
            Ok(f) => serde_json::json!({"proven": true, "fork": f, "seen_by": ev.seen_by}),
            Err(e) => serde_json::json!({"proven": false, "reason": e}),
        };
        println!("{}", serde_json::to_string_pretty(&v)?);
    }
    match result {
        Ok(f) => {
            if !json {
                if f.sizes[0] == f.sizes[1] {
                    println!(
                        "PROVEN: the log {} signed two checkpoints of size {} with different roots ({} and {}): it showed two histories",
                        f.origin, f.sizes[0], f.roots[0], f.roots[1]
                    );
                } else {
                    println!(
                        "PROVEN: the log {} signed size {} (root {}) and size {} (root {}), and the larger tree does not extend the smaller: it showed two histories",
                        f.origin, f.sizes[0], f.roots[0], f.sizes[1], f.roots[1]
                    );
                }
                println!("recorded by {}", ev.seen_by);
                if key.is_none() {
                    println!("note: checked with the log key in the evidence; pin the published key with --key");
                }
            }
            Ok(EXIT_OK)
        }
        Err(e) => {
            if !json {
                eprintln!("NOT PROVEN: {e}");
            }
            Ok(EXIT_INTEGRITY)
        }
    }
}
