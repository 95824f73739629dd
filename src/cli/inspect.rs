//! Commands that read the ledger: log, checkpoint, proofs, export and verify.

use super::{EXIT_INTEGRITY, EXIT_OK};
use crate::core::chain;
use crate::datadir;
use crate::export::{self, ExportReader};
use crate::proof as proofs;
use crate::store::{Nodes, Store};
use crate::verify::{self, ExportSource, Options, SnapshotSource};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

/// A sequence number or a count as an argument: digits only, without sign or leading zeros, the
/// one spelling SPEC.md gives every number (so `+1` and `01` are not entry 1).
fn number(s: &str) -> Result<u64, String> {
    crate::core::types::parse_canonical_u64(s).ok_or_else(|| {
        format!("{s:?} is not a number: write it in plain digits, without sign or leading zeros")
    })
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Show the entries from this sequence number on, oldest first (implies --oldest-first).
    #[arg(long, value_parser = number, value_name = "SEQ")]
    from: Option<u64>,
    /// How many entries to show at most.
    #[arg(long, default_value_t = 50, value_parser = number, value_name = "N")]
    limit: u64,
    /// Oldest first, from entry 0 (or --from); without it the latest entries come first, as
    /// in `git log`.
    #[arg(long, visible_alias = "reverse")]
    oldest_first: bool,
    /// One JSON object per line: seq, recorded_at, leaf hash, signature, and the event.
    #[arg(long)]
    json: bool,
}

pub fn log(data: &Path, a: LogArgs) -> Result<u8> {
    let store = datadir::open_store(data)?;
    let snap = store.snapshot()?;
    let size = snap.size();
    let oldest_first = a.oldest_first || a.from.is_some();
    let from = match a.from {
        Some(f) => f,
        None if oldest_first => 0,
        None => size.saturating_sub(a.limit),
    };
    let end = from.saturating_add(a.limit).min(size);
    if from >= size && size > 0 {
        bail!(
            "the ledger has {size} entries (0 to {}); --from {from} is beyond it",
            size - 1
        );
    }
    let mut entries: Vec<(u64, _)> = snap
        .entries(from.min(end), end)?
        .into_iter()
        .enumerate()
        .map(|(i, b)| (from + i as u64, b))
        .collect();
    if !oldest_first {
        entries.reverse();
    }
    for (seq, bytes) in entries {
        let p = chain::prepare(bytes, seq).map_err(|f| anyhow!("{f}"))?;
        if a.json {
            let event: serde_json::Value = serde_json::from_slice(p.event_bytes())?;
            let line = serde_json::json!({
                "seq": p.seq,
                "recorded_at": p.recorded_at.to_rfc3339(),
                "leaf_hash": p.leaf.to_hex(),
                "signature": hex::encode(p.signature),
                "event": event,
            });
            println!("{line}");
        } else {
            // The summary is the author's text: escaped for the terminal.
            println!(
                "{:>6}  {}  {:<28} {:<12} {}",
                p.seq,
                p.recorded_at.to_rfc3339(),
                p.event.kind(),
                p.event.author.as_str(),
                crate::query::terminal_safe(&summary(&p.event.body))
            );
        }
    }
    Ok(EXIT_OK)
}

/// A short human description of what an event is about.
fn summary(body: &crate::core::event::Body) -> String {
    let v = body.to_value();
    for k in ["commitment", "id", "inquiry", "body"] {
        if let Some(s) = v.get(k).and_then(|x| x.as_str()) {
            return s.to_string();
        }
    }
    match body {
        crate::core::event::Body::Genesis(g) => g.origin.clone(),
        _ => String::new(),
    }
}

pub fn checkpoint(data: &Path) -> Result<u8> {
    let store = datadir::open_store(data)?;
    let snap = store.snapshot()?;
    let cp = snap
        .checkpoint()?
        .ok_or_else(|| anyhow!("the ledger has no checkpoint yet"))?;
    // With the witness cosignatures `kordon serve --witness` kept for this size.
    let cp = crate::witness::cosigning::saved_cosigned(data, snap.size(), &cp);
    print!("{cp}");
    if let Some(vkey) = genesis_vkey(&*snap)? {
        eprintln!("verifier key: {vkey}");
    }
    // For people, on stderr: stdout stays the signed note a verifier reads.
    if let Ok(parsed) = crate::core::checkpoint::parse_unverified(cp.as_bytes()) {
        eprintln!(
            "{}",
            super::query::fingerprint_line(&parsed.origin, parsed.size, parsed.root)
        );
    }
    Ok(EXIT_OK)
}

fn genesis_vkey(snap: &dyn crate::store::Snapshot) -> Result<Option<String>> {
    if snap.size() == 0 {
        return Ok(None);
    }
    let first = snap.entries(0, 1)?.pop().unwrap_or_default();
    let p = chain::prepare(first, 0).map_err(|f| anyhow!("{f}"))?;
    Ok(match p.event.body {
        crate::core::event::Body::Genesis(g) => Some(g.ledger_key),
        _ => None,
    })
}

#[derive(Debug, Subcommand)]
pub enum ProofCommand {
    /// Prove that entry SEQ is in the tree of SIZE entries (default: the whole ledger).
    Inclusion {
        /// The entry's sequence number.
        #[arg(value_parser = number)]
        seq: u64,
        /// The tree size the proof is for [default: the latest checkpoint's].
        #[arg(long, value_parser = number)]
        size: Option<u64>,
    },
    /// Prove that the tree of SIZE1 entries (at least 1) is a prefix of the tree of SIZE2
    /// entries (default: the whole ledger).
    Consistency {
        /// The older tree size.
        #[arg(value_parser = number)]
        size1: u64,
        /// The newer tree size [default: the latest checkpoint's].
        #[arg(value_parser = number)]
        size2: Option<u64>,
    },
}

pub fn proof(data: &Path, p: ProofCommand) -> Result<u8> {
    let store = datadir::open_store(data)?;
    let snap = store.snapshot()?;
    let nodes = Nodes(&*snap);
    let have = snap.size();
    match p {
        ProofCommand::Inclusion { seq, size } => {
            let p = proofs::inclusion(&nodes, have, seq, size.unwrap_or(have))?;
            println!("entry {seq} in tree of size {}", p.size);
            println!("leaf hash {}", p.leaf);
            println!("root      {} ({})", p.root, p.root.to_base64());
            for h in p.path {
                println!("{h}");
            }
        }
        ProofCommand::Consistency { size1, size2 } => {
            let c = proofs::consistency(&nodes, have, size1, size2.unwrap_or(have))?;
            println!(
                "tree of size {size1} (root {}) is a prefix of size {} (root {})",
                c.root1, c.size2, c.root2
            );
            for h in c.path {
                println!("{h}");
            }
        }
    }
    Ok(EXIT_OK)
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write; refuses to overwrite.
    #[arg(long)]
    out: PathBuf,
    /// Export up to the newest checkpoint the witnesses' quorum cosigned (kept by `kordon
    /// serve --witness`), instead of the latest checkpoint with whatever cosignatures it has.
    #[arg(long)]
    witnessed: bool,
}

pub fn export(data: &Path, a: ExportArgs) -> Result<u8> {
    let store = datadir::open_store(data)?;
    let vkey = genesis_vkey(&*store.snapshot()?)?.ok_or_else(|| anyhow!("the ledger is empty"))?;
    let snap = store.snapshot()?;
    let latest = snap
        .checkpoint()?
        .ok_or_else(|| anyhow!("the ledger is empty"))?;
    let note = if a.witnessed {
        crate::witness::cosigning::saved_witnessed(data)
            .ok_or_else(|| anyhow!("no checkpoint of this ledger has been witnessed by a quorum yet (run `kordon serve --witness ...`)"))?
            .note
    } else {
        crate::witness::cosigning::saved_cosigned(data, snap.size(), &latest)
    };
    drop(snap);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let mut w = std::io::BufWriter::new(file);
    let n = match export::write_at(&store, &vkey, &note, &mut w) {
        Ok(n) => n,
        Err(e) => {
            // Leave no partial export behind that could pass for a whole one.
            drop(w);
            let _ = std::fs::remove_file(&a.out);
            bail!("{e}; nothing was exported");
        }
    };
    w.into_inner()
        .map_err(|e| anyhow!("{e}"))?
        .sync_all()
        .context("syncing the export")?;
    println!("exported {n} entries to {}", a.out.display());
    Ok(EXIT_OK)
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// An export file from `kordon export`. Without it, the --data directory is verified.
    export: Option<PathBuf>,
    /// A checkpoint you trusted before (a file): proves the ledger only grew since.
    #[arg(long, value_name = "FILE")]
    trusted: Option<PathBuf>,
    /// The ledger's verifier key as published (name+id+key). Without it the key in the
    /// export is used, which proves integrity but not whose ledger it is.
    #[arg(long, value_name = "VKEY")]
    key: Option<String>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    policy: super::witness::PolicyArgs,
    /// Check fork evidence recorded by a witness or a monitor (two signed checkpoints that
    /// cannot both be true) instead of a ledger; exit 0 when it proves the fork. --key pins
    /// the log's key.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["export", "trusted"])]
    evidence: Option<PathBuf>,
}

pub fn verify(data: &Path, a: VerifyArgs) -> Result<u8> {
    if let Some(ev) = &a.evidence {
        return super::witness::verify_evidence(ev, a.key.as_deref(), a.json);
    }
    let policy = a.policy.policy()?;
    // A checkpoint is a few hundred bytes (at most 100 signatures).
    let trusted = a
        .trusted
        .as_ref()
        .map(|p| {
            crate::datadir::read_small(p, 64 * 1024)
                .map(String::into_bytes)
                .with_context(|| format!("reading {}", p.display()))
        })
        .transpose()?;
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} entries ({per_sec}, {eta})")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let progress = |n: u64| bar.set_position(n);
    let opts = Options {
        trusted: trusted.as_deref(),
        progress: &progress,
    };
    let mut ignored_line = None;
    let report = match &a.export {
        Some(path) => {
            let file =
                std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
            let reader = ExportReader::open(file).with_context(|| path.display().to_string())?;
            // With --key, the export's own key line is only a claim and is ignored (SPEC.md,
            // "Export bundle"); say so when it names another key.
            if a.key.as_ref().is_some_and(|k| *k != reader.vkey) {
                ignored_line = Some(reader.vkey.clone());
            }
            let vkey = pinned_key(&a.key, &reader.vkey)?;
            let cp = reader.checkpoint.clone();
            if let Ok(c) = crate::core::checkpoint::parse_unverified(&cp) {
                bar.set_length(c.size);
            }
            match &policy {
                Some(p) => {
                    verify::verify_witnessed(&vkey, &cp, &mut ExportSource(reader), &opts, p)
                }
                None => verify::verify(&vkey, &cp, &mut ExportSource(reader), &opts),
            }
        }
        None => {
            let store = datadir::open_store(data)?;
            let snap = store.snapshot()?;
            let cp = snap
                .checkpoint()?
                .ok_or_else(|| anyhow!("the ledger in {} is empty", data.display()))?;
            // The cosignatures `kordon serve` kept for this size, if any.
            let cp = crate::witness::cosigning::saved_cosigned(data, snap.size(), &cp);
            let own = genesis_vkey(&*snap)?.unwrap_or_default();
            let vkey = pinned_key(&a.key, &own)?;
            bar.set_length(snap.size());
            let mut src = SnapshotSource {
                snapshot: &*snap,
                next: 0,
            };
            match &policy {
                Some(p) => verify::verify_witnessed(&vkey, cp.as_bytes(), &mut src, &opts, p),
                None => verify::verify(&vkey, cp.as_bytes(), &mut src, &opts),
            }
        }
    };
    bar.finish_and_clear();
    if let Some(line) = ignored_line {
        eprintln!(
            "note: the export names another verifier key ({line:?}); it was ignored, and the key given with --key was used"
        );
    }
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.valid {
        println!(
            "valid: {} entries of {}, root {}",
            report.entries_verified,
            report.origin.as_deref().unwrap_or("?"),
            report.root.as_deref().unwrap_or("?")
        );
        if let Some(t) = report.trusted_size {
            println!("consistent with the trusted checkpoint of {t} entries");
        }
        for w in &report.witnesses {
            println!(
                "witnessed by {} ({}, {}) at {}",
                w.witness,
                w.name,
                w.algorithm,
                crate::core::types::Millis(w.timestamp.saturating_mul(1000)).to_rfc3339()
            );
        }
        if a.key.is_none() {
            println!(
                "note: the verifier key was taken from the input; pin the published key with --key"
            );
        }
    } else if let Some(f) = &report.failure {
        eprintln!("INVALID: {}", f.message);
        eprintln!("code: {}", f.code);
        if let Some(seq) = f.seq {
            eprintln!("entry: {seq}");
        }
        for e in &f.evidence {
            eprintln!("--- signed checkpoint ---\n{e}");
        }
    }
    Ok(if report.valid {
        EXIT_OK
    } else {
        EXIT_INTEGRITY
    })
}

/// The key to verify with: the published one if given (a mismatch then fails the checkpoint
/// signature, naming the key), else the one the input carries.
fn pinned_key(pinned: &Option<String>, found: &str) -> Result<String> {
    Ok(pinned.clone().unwrap_or_else(|| found.to_string()))
}
