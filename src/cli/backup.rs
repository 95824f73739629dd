//! `kordon backup`: a consistent, verified copy of a running ledger, taken over its HTTP API.
//!
//! A running server holds its store (redb takes a lock on ledger.redb; PostgreSQL is another
//! process's), so a backup does not copy files: it streams `GET /export`, which is one signed
//! checkpoint (with the witness cosignatures held for it) and exactly the entries it covers,
//! however many entries are appended meanwhile. The file is verified as `kordon verify` does
//! before it takes its name, so a backup that exists is whole and valid. `kordon import` turns
//! it back into a data directory (with the ledger's ledger.key, kept apart from backups).

use super::{EXIT_INTEGRITY, EXIT_OK};
use crate::export::ExportReader;
use crate::server::client::Client;
use crate::verify;
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The running server to back up (http://HOST:PORT).
    #[arg(long, env = "KORDON_SERVER", value_name = "URL", value_parser = super::server_url)]
    server: String,
    /// The file to write (an export bundle); refuses to overwrite one. Name it by date, e.g.
    /// ledger-2026-12-02.export.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The server's read token, if it runs with --read-token.
    #[arg(
        long,
        env = "KORDON_READ_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    read_token: Option<String>,
    /// The ledger's verifier key (what `kordon checkpoint` prints last): the backup is refused
    /// unless its checkpoint is signed by this key, so a wrong or impostor server is noticed.
    #[arg(long, value_name = "VKEY")]
    key: Option<String>,
}

pub fn backup(a: BackupArgs) -> Result<u8> {
    if a.out.exists() {
        bail!(
            "{} exists; give a new file (backups are never overwritten)",
            a.out.display()
        );
    }
    let dir = match a.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        bail!("{} is not a folder", dir.display());
    }
    let name = a
        .out
        .file_name()
        .ok_or_else(|| anyhow!("{}: give a file name", a.out.display()))?;
    let partial = dir.join(format!(".{}.partial", name.to_string_lossy()));
    let client = Client::new(&a.server, a.read_token.clone());
    let result = fetch_and_verify(&client, &partial, a.key.as_deref());
    match result {
        Ok(Fetched::Valid(report, bytes)) => {
            std::fs::rename(&partial, &a.out).with_context(|| {
                format!("renaming {} to {}", partial.display(), a.out.display())
            })?;
            sync_dir(&dir);
            let size = report.checkpoint_size.unwrap_or(report.entries_verified);
            println!(
                "backed up {size} entries of {} ({bytes} bytes) into {}, verified",
                report.origin.as_deref().unwrap_or("the ledger"),
                a.out.display()
            );
            println!("checkpoint root: {}", report.root.as_deref().unwrap_or("-"));
            println!("verifier key: {}", report.verifier_key);
            println!(
                "restore: put the ledger's ledger.key into an empty folder NEW, then `kordon import {} --data NEW` and `kordon --data NEW serve`",
                a.out.display()
            );
            Ok(EXIT_OK)
        }
        Ok(Fetched::Invalid(message)) => {
            let _ = std::fs::remove_file(&partial);
            eprintln!("INVALID: {message}");
            eprintln!("no backup was written");
            Ok(EXIT_INTEGRITY)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e.context("no backup was written"))
        }
    }
}

enum Fetched {
    Valid(Box<verify::Report>, u64),
    Invalid(String),
}

fn fetch_and_verify(client: &Client, partial: &Path, key: Option<&str>) -> Result<Fetched> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(partial)
        .with_context(|| {
            format!(
                "creating {} (remove it if an earlier backup was cut off)",
                partial.display()
            )
        })?;
    let bytes = {
        let mut w = std::io::BufWriter::new(&mut f);
        let n = client
            .get_to("/export", &mut w)
            .map_err(|e| anyhow!("fetching the export: {e}"))?;
        w.flush()
            .with_context(|| format!("writing {}", partial.display()))?;
        n
    };
    f.sync_all()
        .with_context(|| format!("writing {}", partial.display()))?;
    drop(f);
    let reader = ExportReader::open(
        std::fs::File::open(partial).with_context(|| format!("reading {}", partial.display()))?,
    );
    let reader = match reader {
        Ok(r) => r,
        Err(e) => return Ok(Fetched::Invalid(format!("the server's export: {e}"))),
    };
    if let Some(k) = key {
        if reader.vkey.trim() != k.trim() {
            return Ok(Fetched::Invalid(format!(
                "the server's ledger has verifier key {}, not the {} given with --key",
                reader.vkey, k
            )));
        }
    }
    let report = verify::verify_export(reader);
    if !report.valid {
        let f = report.failure.as_ref();
        let mut message = f.map_or("the export does not verify".to_string(), |f| {
            f.message.clone()
        });
        if let Some(seq) = f.and_then(|f| f.seq) {
            message.push_str(&format!(" (entry {seq})"));
        }
        return Ok(Fetched::Invalid(message));
    }
    Ok(Fetched::Valid(Box::new(report), bytes))
}

/// Makes a rename in `dir` durable (best effort: not every file system syncs folders).
fn sync_dir(dir: &Path) {
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
