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
    /// A bare C2SP tlog-proof (`c2sp.org/tlog-proof@v1`: index, inclusion proof, signed
    /// checkpoint), as other transparency-log tools keep it, is checked the same way with the
    /// entry beside it (--entry) and the ledger's published key (--key).
    ///
    /// Examples: kordon receipt verify receipts/7.json --key "$(cat ledger.vkey)";
    ///   kordon receipt verify 7.tlog-proof --entry 7.entry --key "$(cat ledger.vkey)"
    Verify {
        /// The receipt (JSON), as `--server` stores it or `POST /entries` answers it; or a bare
        /// tlog-proof, with --entry.
        file: PathBuf,
        /// With a bare tlog-proof: the entry it proves, its exact bytes (events/SPEC.md,
        /// "Entries"), or those bytes in base64 (the `entry` of `GET /entries/{seq}`).
        #[arg(long, value_name = "FILE")]
        entry: Option<PathBuf>,
        /// The ledger's verifier key as published (name+id+key). Without it the key in the
        /// receipt is used, which proves the receipt is consistent but not whose ledger it is.
        #[arg(long, value_name = "VKEY")]
        key: Option<String>,
        #[command(flatten)]
        policy: super::witness::PolicyArgs,
    },
    /// Replace a receipt by one against the newest checkpoint the ledger's witnesses cosigned:
    /// fetched from the server, checked (the same entry, the new checkpoint, the consistency
    /// proof from the old checkpoint to the new), then written over FILE.
    ///
    /// A receipt answered at once carries the checkpoint of its commit, before any witness saw
    /// it; once a quorum has cosigned a later checkpoint, the upgrade proves to anyone that the
    /// witnesses saw the history holding the entry.
    ///
    /// Example: kordon receipt upgrade receipts/7.json --server http://ledger:8080
    ///   --witness "$COMMITTEE_VKEY" --witness "$MONITOR_VKEY" --quorum 2
    Upgrade {
        /// The receipt to upgrade (rewritten in place; the old one is kept as FILE.orig).
        file: PathBuf,
        /// The ledger's server.
        #[arg(long, env = "KORDON_SERVER", value_name = "URL", value_parser = super::server_url)]
        server: String,
        /// The ledger's verifier key as published; without it, the one in the receipt.
        #[arg(long, value_name = "VKEY")]
        key: Option<String>,
        #[command(flatten)]
        policy: super::witness::PolicyArgs,
    },
}

pub fn receipt(c: ReceiptCommand) -> Result<u8> {
    let (file, entry, key, policy) = match c {
        ReceiptCommand::Verify {
            file,
            entry,
            key,
            policy,
        } => (file, entry, key, policy),
        ReceiptCommand::Upgrade {
            file,
            server,
            key,
            policy,
        } => return upgrade(&file, &server, key.as_deref(), &policy),
    };
    let policy = policy.policy()?;
    let text = read_receipt(&file)?;
    let bare = text.starts_with(receipt::TLOG_PROOF_HEADER);
    let r: Receipt = match (bare, &entry) {
        (true, Some(entry)) => {
            let Some(vkey) = key.as_deref() else {
                bail!(
                    "a bare tlog-proof carries no verifier key: give the ledger's published key with --key VKEY (GET /verifier-key)"
                );
            };
            let bytes = read_entry(entry)?;
            receipt::from_tlog_proof(&text, &bytes, vkey)
                .with_context(|| format!("{} with {}", file.display(), entry.display()))?
        }
        (true, None) => bail!(
            "{} is a bare tlog-proof: give the entry it proves with --entry FILE (its bytes, or the base64 `entry` of GET /entries/{{seq}}) and the ledger's key with --key",
            file.display()
        ),
        (false, Some(_)) => bail!(
            "{} is not a bare tlog-proof (it does not start with {:?}); --entry goes with one. A kordon receipt (JSON) carries its entry",
            file.display(),
            receipt::TLOG_PROOF_HEADER
        ),
        (false, None) => serde_json::from_str(&text)
            .with_context(|| format!("{} is not a kordon receipt", file.display()))?,
    };
    let checked = match &policy {
        Some(p) => receipt::verify_witnessed(&r, key.as_deref(), p),
        None => receipt::verify(&r, key.as_deref()).map(|v| (v, Vec::new())),
    };
    match checked {
        Ok((v, witnesses)) => {
            println!(
                "valid: entry {} (event {}, {} by {}) is in ledger {}",
                v.seq, v.event_id, v.kind, v.author, v.origin
            );
            println!(
                "checkpoint: size {} root {}",
                v.checkpoint.size,
                v.checkpoint.root.to_base64()
            );
            println!(
                "{}",
                super::query::fingerprint_line(&v.origin, v.checkpoint.size, v.checkpoint.root)
            );
            println!("leaf hash {}", v.leaf);
            for w in &witnesses {
                println!(
                    "witnessed by {} ({}, {}) at {}",
                    w.witness,
                    w.name,
                    w.algorithm,
                    crate::core::types::Millis(w.timestamp.saturating_mul(1000)).to_rfc3339()
                );
            }
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
            if let receipt::ReceiptError::Witness { code, .. } = &e {
                eprintln!("code: {code}");
            }
            Ok(EXIT_INTEGRITY)
        }
    }
}

/// Reads a receipt file. A receipt holds one entry (at most 64 KiB, in base64), a proof and a
/// checkpoint with its cosignatures: far below 1 MiB, so a larger file is refused unread.
fn read_receipt(file: &Path) -> Result<String> {
    crate::datadir::read_small(file, 1 << 20).with_context(|| format!("reading {}", file.display()))
}

/// An entry file for a bare tlog-proof: its exact bytes, or those bytes in base64 (an entry
/// is at most 65,535 bytes; a larger file is refused unread).
fn read_entry(file: &Path) -> Result<Vec<u8>> {
    use base64::Engine;
    use std::io::Read;
    let f = std::fs::File::open(file).with_context(|| format!("reading {}", file.display()))?;
    let mut bytes = Vec::new();
    f.take(1 << 17)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {}", file.display()))?;
    if bytes.len() >= 1 << 17 {
        bail!("{}: larger than any entry", file.display());
    }
    if crate::core::entry::EntryRef::decode(&bytes).is_ok() {
        return Ok(bytes);
    }
    let text: String = String::from_utf8_lossy(&bytes)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    match base64::engine::general_purpose::STANDARD.decode(text.as_bytes()) {
        Ok(decoded) => Ok(decoded),
        Err(_) => Ok(bytes),
    }
}

/// `kordon receipt upgrade`.
fn upgrade(
    file: &Path,
    server: &str,
    key: Option<&str>,
    policy: &super::witness::PolicyArgs,
) -> Result<u8> {
    let policy = policy.policy()?;
    let text = read_receipt(file)?;
    let old: Receipt = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a kordon receipt", file.display()))?;
    let key = key.unwrap_or(&old.verifier_key).to_string();
    let before = receipt::verify(&old, Some(&key))
        .map_err(|e| anyhow!("{} does not verify: {e}", file.display()))?;
    let client = Client::new(server, std::env::var("KORDON_READ_TOKEN").ok());
    let mut new = client
        .receipt(old.seq)
        .map_err(|e| anyhow!("fetching the receipt of entry {}: {e}", old.seq))?;
    let after = receipt::verify(&new, Some(&key))
        .map_err(|e| anyhow!("the server's receipt does not verify: {e}"))?;
    if after.leaf != before.leaf || after.seq != before.seq {
        bail!(
            "the server's receipt is for another entry (leaf {}, not {}): the ledger changed entry {}",
            after.leaf,
            before.leaf,
            old.seq
        );
    }
    if after.checkpoint.size < before.checkpoint.size {
        bail!(
            "the server's checkpoint (size {}) is older than the receipt's (size {})",
            after.checkpoint.size,
            before.checkpoint.size
        );
    }
    if let Some(p) = &policy {
        if let Err(e) = receipt::verify_witnessed(&new, Some(&key), p) {
            eprintln!("not upgraded: the server has no checkpoint covering entry {} that the witnesses cosigned yet ({e}); try again later", old.seq);
            return Ok(EXIT_INTEGRITY);
        }
    }
    let old_cp = receipt::TlogProof::parse(&old.tlog_proof)
        .map_err(|e| anyhow!("{e}"))?
        .checkpoint;
    if after.checkpoint.size > before.checkpoint.size {
        let proof = client
            .consistency(before.checkpoint.size, after.checkpoint.size)
            .map_err(|e| anyhow!("fetching the consistency proof: {e}"))?;
        new.upgraded_from = Some(receipt::Upgrade {
            checkpoint: old_cp,
            consistency: proof.iter().map(|h| h.to_base64()).collect(),
        });
    } else if after.checkpoint.root != before.checkpoint.root {
        bail!(
            "the server signed size {} with another root than this receipt's checkpoint: the ledger forked",
            after.checkpoint.size
        );
    }
    // The consistency proof is checked here, with the rest.
    let (v, witnesses) = match &policy {
        Some(p) => receipt::verify_witnessed(&new, Some(&key), p).map_err(|e| anyhow!("{e}"))?,
        None => (
            receipt::verify(&new, Some(&key)).map_err(|e| anyhow!("{e}"))?,
            Vec::new(),
        ),
    };
    let orig = PathBuf::from(format!("{}.orig", file.display()));
    if !orig.exists() {
        std::fs::write(&orig, &text).with_context(|| format!("writing {}", orig.display()))?;
    }
    let json = serde_json::to_string_pretty(&new)? + "\n";
    crate::witness::write_atomic(file, json.as_bytes())
        .with_context(|| format!("writing {}", file.display()))?;
    println!(
        "upgraded: entry {} now proven by the checkpoint of size {} (was {}), consistent with the old one",
        v.seq, v.checkpoint.size, before.checkpoint.size
    );
    for w in &witnesses {
        println!("witnessed by {} ({})", w.witness, w.algorithm);
    }
    Ok(EXIT_OK)
}

/// Where to keep receipts: `--receipts DIR`, else `receipts/` beside the signing key.
pub fn receipts_dir(explicit: &Option<PathBuf>, key: &Path) -> PathBuf {
    explicit.clone().unwrap_or_else(|| {
        key.parent()
            .unwrap_or_else(|| Path::new("."))
            .join("receipts")
    })
}

/// The record of the ledger that `--server` signs for, kept beside the receipts: its verifier
/// key, pinned on first use when no `--ledger-key` is given.
pub const LEDGER_RECORD: &str = "ledger.vkey";

/// The ledger a `--server` command signs for, established before anything is signed.
pub struct Pinned {
    pub vkey: String,
    pub origin: String,
    /// Where the key came from, for messages.
    pub source: String,
}

/// Establishes which ledger to sign for: the key given with `--ledger-key`, else the one
/// recorded in `dir` (`LEDGER_RECORD`), else (first use) the server's, which is then recorded.
/// The server must serve that very ledger: its verifier key and a checkpoint signed by it for
/// the key's origin. A server that disagrees is refused here, before anything is signed, so
/// that no signature for another ledger leaves this machine.
pub fn pin_ledger(
    client: &Client,
    url: &str,
    explicit: Option<&str>,
    dir: &Path,
) -> Result<Pinned> {
    use crate::core::{checkpoint, note::NoteVerifier};
    let record = dir.join(LEDGER_RECORD);
    let pinned = match explicit {
        Some(k) => Some((k.trim().to_string(), "--ledger-key".to_string())),
        None => match crate::datadir::read_small(&record, 4096) {
            Ok(k) => Some((k.trim().to_string(), record.display().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => bail!("reading {}: {e}", record.display()),
        },
    };
    let served = client.verifier_key()?;
    let cp = client.checkpoint()?;
    let refuse = |why: String| -> anyhow::Error {
        anyhow!("{why}\nthe server at {url} is not the ledger this command signs for; nothing was signed")
    };
    let (vkey, source) = match pinned {
        Some((vkey, source)) => {
            if served.trim() != vkey {
                return Err(refuse(format!(
                    "the server's ledger key is {}, the pinned one ({source}) is {vkey}",
                    served.trim()
                )));
            }
            (vkey, source)
        }
        None => (served.trim().to_string(), String::new()),
    };
    let verifier = NoteVerifier::parse(&vkey)
        .map_err(|e| anyhow!("the ledger key {vkey:?} is not a verifier key (name+id+key): {e}"))?;
    let c = checkpoint::open(cp.as_bytes(), &verifier).map_err(|e| {
        refuse(format!(
            "the server's checkpoint is not signed by the ledger key {vkey}: {e}"
        ))
    })?;
    if c.origin != verifier.name() {
        return Err(refuse(format!(
            "the server's checkpoint is for ledger {:?}, the key names {:?}",
            c.origin,
            verifier.name()
        )));
    }
    let source = if source.is_empty() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        std::fs::write(&record, format!("{vkey}\n"))
            .with_context(|| format!("writing {}", record.display()))?;
        eprintln!(
            "note: first use of ledger {}: its key {vkey} is now pinned in {}; from now on this \
             key signs only for it. Compare the key with the one its operator published, or \
             pin it yourself with --ledger-key.",
            c.origin,
            record.display()
        );
        record.display().to_string()
    } else {
        source
    };
    Ok(Pinned {
        vkey,
        origin: c.origin,
        source,
    })
}

/// Submits `sub` to `server`, checks the receipt with the pinned ledger key, stores it in
/// `dir` and prints what the local path prints.
pub fn submit_remote(
    client: &Client,
    sub: &Submission,
    pinned: &Pinned,
    dir: &Path,
    kind: &str,
    author: &str,
) -> Result<u8> {
    let ledger_key = Some(pinned.vkey.as_str());
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
        "{}",
        super::query::fingerprint_line(&v.origin, v.checkpoint.size, v.checkpoint.root)
    );
    println!(
        "receipt verified with the pinned ledger key ({}) and saved to {}",
        pinned.source,
        path.display()
    );
    Ok(EXIT_OK)
}
