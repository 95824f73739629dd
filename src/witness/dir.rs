//! A witness's directory: its key (`witness.key`), the logs it follows (`logs`), the latest
//! checkpoint it cosigned for each (`state/`) and the fork evidence it recorded (`evidence/`).
//!
//! ```text
//! witness.key           kordon-witness-key/v1, name, algorithm, seed (mode 0600)
//! logs                  "log <vkey> [url]" lines, as in C2SP tlog-policy; # comments
//! state/<hex SHA-256 of the origin>      the signed checkpoint last cosigned, with the
//!                                        witness's cosignature appended
//! evidence/<hex SHA-256 of the origin>-<size>-<n>.json   kordon-evidence/v1 files
//! ```
//!
//! The state files are written with `write_atomic` (fsync, rename, fsync of the directory)
//! before the witness answers, so an answered cosignature survives a crash or `kill -9`.

use crate::core::checkpoint;
use crate::core::cosignature::{Algorithm, Cosigner};
use crate::core::hash::Hash;
use crate::core::witness::{Evidence, Latest, LogKey};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const KEY_FILE: &str = "witness.key";
pub const LOGS_FILE: &str = "logs";
pub const KEY_FORMAT: &str = "kordon-witness-key/v1";

#[derive(Debug, thiserror::Error)]
pub enum DirError {
    #[error("{path}: {msg}")]
    Io { path: PathBuf, msg: String },
    #[error("{0} already holds a witness key; choose another --dir")]
    Exists(PathBuf),
    #[error("{0} holds no witness; create one with `kordon witness init`")]
    Missing(PathBuf),
    #[error("{0}")]
    Invalid(String),
}

fn io(path: &Path, e: impl std::fmt::Display) -> DirError {
    DirError::Io {
        path: path.to_path_buf(),
        msg: e.to_string(),
    }
}

/// The hex SHA-256 of an origin: the file name of its state, and the `<origin hash>` of
/// tlog-witness's monitoring URL.
pub fn origin_hash(origin: &str) -> String {
    Hash::sha256(origin.as_bytes()).to_hex()
}

/// The text of a witness key file.
pub fn key_text(c: &Cosigner) -> String {
    format!(
        "{KEY_FORMAT}\nname {}\nalgorithm {}\nseed {}\n",
        c.name(),
        c.algorithm(),
        hex::encode(c.seed())
    )
}

/// Parses a witness key file.
pub fn parse_key(text: &str) -> Result<Cosigner, String> {
    let mut lines = text.lines();
    if lines.next() != Some(KEY_FORMAT) {
        return Err(format!("the first line must be {KEY_FORMAT}"));
    }
    let mut field = |k: &str| {
        lines
            .next()
            .and_then(|l| l.strip_prefix(k))
            .and_then(|l| l.strip_prefix(' '))
            .map(str::to_string)
            .ok_or_else(|| format!("missing the {k} line"))
    };
    let name = field("name")?;
    let alg = field("algorithm")?;
    let alg = Algorithm::parse(&alg)
        .ok_or_else(|| format!("algorithm {alg:?}: use ed25519 or ml-dsa-44"))?;
    let seed = field("seed")?;
    let mut s = [0u8; 32];
    hex::decode_to_slice(&seed, &mut s).map_err(|_| "the seed is not 64 hex digits")?;
    Cosigner::from_seed(&name, alg, &s).map_err(|e| e.to_string())
}

/// Creates a witness directory with a new key; returns the cosigner.
pub fn init(dir: &Path, name: &str, alg: Algorithm, seed: [u8; 32]) -> Result<Cosigner, DirError> {
    let key_path = dir.join(KEY_FILE);
    if key_path.exists() {
        return Err(DirError::Exists(dir.to_path_buf()));
    }
    let c = Cosigner::from_seed(name, alg, &seed).map_err(|e| DirError::Invalid(e.to_string()))?;
    std::fs::create_dir_all(dir.join("state")).map_err(|e| io(dir, e))?;
    std::fs::create_dir_all(dir.join("evidence")).map_err(|e| io(dir, e))?;
    crate::datadir::write_private(&key_path, &key_text(&c))
        .map_err(|e| DirError::Invalid(e.to_string()))?;
    let logs = dir.join(LOGS_FILE);
    if !logs.exists() {
        std::fs::write(
            &logs,
            "# The logs this witness follows, one per line: log <verifier key> [url]\n# (the C2SP tlog-policy syntax). Add with `kordon witness add-log`.\n",
        )
        .map_err(|e| io(&logs, e))?;
    }
    super::sync_dir(dir).map_err(|e| io(dir, e))?;
    Ok(c)
}

/// Reads the key of a witness directory.
pub fn read_key(dir: &Path) -> Result<Cosigner, DirError> {
    let p = dir.join(KEY_FILE);
    if !p.exists() {
        return Err(DirError::Missing(dir.to_path_buf()));
    }
    let text = std::fs::read_to_string(&p).map_err(|e| io(&p, e))?;
    parse_key(&text).map_err(|e| DirError::Invalid(format!("{}: {e}", p.display())))
}

/// The logs a witness follows: origin → the keys its checkpoints verify under.
pub type Logs = BTreeMap<String, Vec<LogKey>>;

/// Parses a logs file (`log <vkey> [url]` lines, comments, blank lines).
pub fn parse_logs(text: &str) -> Result<Logs, String> {
    let mut logs = Logs::new();
    for (i, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [] => {}
            [w, ..] if w.starts_with('#') => {}
            ["log", vkey] | ["log", vkey, _] => {
                add_log(&mut logs, vkey).map_err(|e| format!("line {}: {e}", i + 1))?
            }
            _ => {
                return Err(format!(
                    "line {}: expected \"log <verifier key> [url]\"",
                    i + 1
                ))
            }
        }
    }
    Ok(logs)
}

/// Adds a log's key: its origin is the key's name (tlog-policy: "This name MUST correspond to
/// the log's origin line").
pub fn add_log(logs: &mut Logs, vkey: &str) -> Result<(), String> {
    let key = LogKey::parse(vkey)?;
    let keys = logs.entry(key.name().to_string()).or_default();
    if !keys.contains(&key) {
        keys.push(key);
    }
    Ok(())
}

pub fn read_logs(dir: &Path) -> Result<Logs, DirError> {
    let p = dir.join(LOGS_FILE);
    match std::fs::read_to_string(&p) {
        Ok(t) => parse_logs(&t).map_err(|e| DirError::Invalid(format!("{}: {e}", p.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Logs::new()),
        Err(e) => Err(io(&p, e)),
    }
}

/// Appends log keys to the logs file (each checked first).
pub fn append_logs(dir: &Path, vkeys: &[String]) -> Result<(), DirError> {
    let mut logs = read_logs(dir)?;
    let p = dir.join(LOGS_FILE);
    let mut text = std::fs::read_to_string(&p).unwrap_or_default();
    for v in vkeys {
        add_log(&mut logs, v).map_err(|e| DirError::Invalid(format!("{v}: {e}")))?;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!("log {v}\n"));
    }
    super::write_atomic(&p, text.as_bytes()).map_err(|e| io(&p, e))
}

/// The state file of an origin.
pub fn state_path(dir: &Path, origin: &str) -> PathBuf {
    dir.join("state").join(origin_hash(origin))
}

/// What the witness last cosigned for `origin` (`None`: never).
pub fn read_latest(dir: &Path, origin: &str) -> Result<Option<Latest>, DirError> {
    let p = state_path(dir, origin);
    let note = match std::fs::read(&p) {
        Ok(n) => n,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&p, e)),
    };
    // The witness wrote this file after verifying the checkpoint in it.
    let cp = checkpoint::parse_unverified(&note)
        .map_err(|e| DirError::Invalid(format!("{}: {e}", p.display())))?;
    if cp.origin != origin {
        return Err(DirError::Invalid(format!(
            "{} holds a checkpoint of {:?}, not {origin:?}",
            p.display(),
            cp.origin
        )));
    }
    Ok(Some(Latest {
        size: cp.size,
        root: cp.root,
        note,
    }))
}

/// Records the latest cosigned checkpoint of an origin, durably.
pub fn write_latest(dir: &Path, origin: &str, note: &[u8]) -> Result<(), DirError> {
    let p = state_path(dir, origin);
    std::fs::create_dir_all(dir.join("state")).map_err(|e| io(dir, e))?;
    super::write_atomic(&p, note).map_err(|e| io(&p, e))
}

/// Records fork evidence, durably, under a new name; returns the file name.
pub fn write_evidence(dir: &Path, ev: &Evidence, size: u64) -> Result<String, DirError> {
    let d = dir.join("evidence");
    std::fs::create_dir_all(&d).map_err(|e| io(&d, e))?;
    let json = serde_json::to_string_pretty(ev).map_err(|e| DirError::Invalid(e.to_string()))?;
    let stem = format!("{}-{size}", origin_hash(&ev.origin));
    // The same pair of checkpoints shown twice is one piece of evidence.
    for n in 0.. {
        let name = format!("{stem}-{n}.json");
        let p = d.join(&name);
        match std::fs::read(&p) {
            Ok(existing) if existing == json.as_bytes() => return Ok(name),
            Ok(_) => continue,
            Err(_) => {
                super::write_atomic(&p, json.as_bytes()).map_err(|e| io(&p, e))?;
                return Ok(name);
            }
        }
    }
    unreachable!("the loop returns")
}

/// The names of the evidence files, sorted.
pub fn list_evidence(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir.join("evidence"))
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json") && !n.starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}
