//! `kordon receipt verify`, and the `--server` path of the commands that record: sign locally,
//! submit to a server, check the receipt it answers with and keep it.

use super::{EXIT_INTEGRITY, EXIT_OK};
use crate::ledger::Submission;
use crate::server::client::{Client, ClientError};
use crate::server::receipt::{self, Receipt};
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum ReceiptCommand {
    /// Check a receipt offline: the entry's leaf hash, the checkpoint's signature and the
    /// inclusion proof from the entry to the checkpoint's root.
    ///
    /// Exit code 0: the receipt proves the ledger holds the entry. 1: it does not. 2: the file
    /// could not be read.
    ///
    /// Example: kordon receipt verify receipts/7.json --key "$(cat ledger.vkey)"
    Verify {
        /// The receipt (JSON), as `--server` stores it or `POST /entries` answers it.
        file: PathBuf,
        /// The ledger's verifier key as published (name+id+key). Without it the key in the
        /// receipt is used, which proves the receipt is consistent but not whose ledger it is.
        #[arg(long, value_name = "VKEY")]
        key: Option<String>,
    },
}

pub fn receipt(c: ReceiptCommand) -> Result<u8> {
    let ReceiptCommand::Verify { file, key } = c;
    let text =
        std::fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
    let r: Receipt = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a kordon receipt", file.display()))?;
    match receipt::verify(&r, key.as_deref()) {
        Ok(v) => {
            println!(
                "valid: entry {} (event {}, {} by {}) is in ledger {}",
                v.seq, v.event_id, v.kind, v.author, v.origin
            );
            println!(
                "checkpoint: size {} root {}",
                v.checkpoint.size,
                v.checkpoint.root.to_base64()
            );
            println!("leaf hash {}", v.leaf);
            if key.is_none() {
                println!(
                    "note: checked with the verifier key in the receipt ({}); pin the published key with --key",
                    r.verifier_key
                );
            }
            Ok(EXIT_OK)
        }
        Err(e) => {
            eprintln!("INVALID: {e}");
            Ok(EXIT_INTEGRITY)
        }
    }
}

/// Where to keep receipts: `--receipts DIR`, else `receipts/` beside the signing key.
pub fn receipts_dir(explicit: &Option<PathBuf>, key: &Path) -> PathBuf {
    explicit.clone().unwrap_or_else(|| {
        key.parent()
            .unwrap_or_else(|| Path::new("."))
            .join("receipts")
    })
}

/// Submits `sub` to `server`, checks the receipt (with `ledger_key` if given, else the key the
/// server publishes), stores it in `dir` and prints what the local path prints.
pub fn submit_remote(
    client: &Client,
    sub: &Submission,
    ledger_key: Option<&str>,
    dir: &Path,
    kind: &str,
    author: &str,
) -> Result<u8> {
    let r = match client.submit(sub) {
        Ok(r) => r,
        Err(ClientError::Problem {
            status,
            code,
            detail,
            ..
        }) if (400..500).contains(&status) => {
            bail!("the ledger refused this {kind} ({code}): {detail}\nnothing was written")
        }
        Err(e) => bail!("{e}"),
    };
    let v = receipt::verify(&r, ledger_key).map_err(|e| {
        anyhow!(
            "the server recorded entry {} but its receipt does not verify: {e}",
            r.seq
        )
    })?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut path = dir.join(format!("{}.json", r.seq));
    if path.exists() {
        path = dir.join(format!("{}-{}.json", r.seq, r.event_id));
    }
    let json = serde_json::to_string_pretty(&r)?;
    std::fs::write(&path, json + "\n").with_context(|| format!("writing {}", path.display()))?;
    println!(
        "recorded entry {}: {kind} by {author} (event {})",
        r.seq, r.event_id
    );
    println!("leaf hash {}", v.leaf);
    println!(
        "checkpoint: size {} root {}",
        v.checkpoint.size,
        v.checkpoint.root.to_base64()
    );
    println!(
        "receipt verified{} and saved to {}",
        if ledger_key.is_some() {
            " with the pinned ledger key"
        } else {
            " with the server's verifier key"
        },
        path.display()
    );
    Ok(EXIT_OK)
}
