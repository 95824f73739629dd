//! A data directory: the ledger's store (`ledger.log/`, the segment-log store; or
//! `ledger.redb`, the embedded file of earlier releases, still opened), the key that signs its
//! checkpoints (`ledger.key`, PKCS#8 PEM, readable by its owner only) and the snapshots of the
//! rules' state (`snapshots/`).

use crate::author::Author;
use crate::core::chain;
use crate::core::event::{Body, BodyInfo, Genesis, Policy};
use crate::core::keys;
use crate::core::note::NoteSigner;
use crate::core::types::{BodyId, Millis};
use crate::ledger::{AppendError, Clock, Ledger, OpenError};
use crate::store::log::LogStore;
use crate::store::redb::RedbStore;
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The segment-log store, which `init` creates.
pub const STORE_DIR: &str = "ledger.log";
/// The redb file of a ledger made by an earlier release.
pub const STORE_FILE: &str = "ledger.redb";
pub const KEY_FILE: &str = "ledger.key";

/// Which store a new data directory keeps its ledger in. Both are durable (an append returns
/// only once it is on disk) and both are opened by every command; the choice is made once,
/// by `kordon init --store` (or `kordon demo --store`), and found again from the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum StoreKind {
    /// The segment-log store (`ledger.log/`): one synced append per commit, indexes beside
    /// it, the rules' state from snapshots. Opens in well under a second at ten million
    /// entries and keeps memory to the live state.
    #[default]
    Log,
    /// The redb file (`ledger.redb`) of earlier releases: one embedded database file.
    Redb,
}

impl StoreKind {
    /// What the store is called inside a data directory.
    pub fn file_name(self) -> &'static str {
        match self {
            StoreKind::Log => STORE_DIR,
            StoreKind::Redb => STORE_FILE,
        }
    }

    /// Creates (or opens) this kind of store in `dir`.
    pub fn open_in(self, dir: &Path) -> Result<Box<dyn Store>, StoreError> {
        let path = dir.join(self.file_name());
        Ok(match self {
            StoreKind::Log => Box::new(LogStore::open(&path)?),
            StoreKind::Redb => Box::new(RedbStore::open(&path)?),
        })
    }
}

/// Whether `dir` holds a ledger's store (or its key).
pub fn has_ledger(dir: &Path) -> bool {
    dir.join(STORE_DIR).exists() || dir.join(STORE_FILE).exists() || dir.join(KEY_FILE).exists()
}

#[derive(Debug, thiserror::Error)]
pub enum DataDirError {
    #[error("{path}: {msg}")]
    Io { path: PathBuf, msg: String },
    #[error("{0} already holds a ledger; choose another --data directory")]
    Exists(PathBuf),
    #[error("{0} holds no ledger; create one with `kordon init`")]
    NoLedger(PathBuf),
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("genesis {0}")]
    Genesis(AppendError),
}

fn io(path: &Path, e: impl std::fmt::Display) -> DataDirError {
    DataDirError::Io {
        path: path.to_path_buf(),
        msg: e.to_string(),
    }
}

/// What `kordon init` needs to write the genesis entry.
pub struct InitParams {
    pub origin: String,
    pub time_zone: String,
    pub registrar: BodyInfo,
    pub registrar_key: ed25519_dalek::SigningKey,
    pub policy: Policy,
}

/// Creates a data directory with a new ledger key and the genesis entry, on the default store.
pub fn init(dir: &Path, p: InitParams, clock: Clock) -> Result<Ledger, DataDirError> {
    init_on(dir, p, clock, StoreKind::default())
}

/// Creates a data directory with a new ledger key and the genesis entry, on the store `kind`.
pub fn init_on(
    dir: &Path,
    p: InitParams,
    clock: Clock,
    kind: StoreKind,
) -> Result<Ledger, DataDirError> {
    if has_ledger(dir) {
        return Err(DataDirError::Exists(dir.to_path_buf()));
    }
    if !crate::core::rules::valid_origin(&p.origin) {
        return Err(DataDirError::Input(format!(
            "origin {:?} must be 1-255 printable ASCII characters without spaces or '+', e.g. kordon.example/ibm",
            p.origin
        )));
    }
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let ledger_key = keys::generate_key(&mut rand_core::OsRng);
    let signer = NoteSigner::new(&p.origin, ledger_key.clone())
        .map_err(|e| DataDirError::Input(format!("origin: {e}")))?;
    // The key is written first: a ledger file never exists without the key that signs it.
    write_private(&dir.join(KEY_FILE), &keys::private_key_pem(&ledger_key))?;
    let cleanup = || {
        let _ = std::fs::remove_dir_all(dir.join(STORE_DIR));
        let _ = std::fs::remove_file(dir.join(STORE_FILE));
        let _ = std::fs::remove_file(dir.join(KEY_FILE));
    };
    let store: Arc<dyn Store> = match kind.open_in(dir) {
        Ok(s) => Arc::from(s),
        Err(e) => {
            cleanup();
            return Err(e.into());
        }
    };
    let ledger = Ledger::open(store, signer.clone(), clock.clone())?;
    let author = Author::new(p.registrar.id.clone(), p.registrar_key.clone());
    let genesis = Body::Genesis(Genesis {
        origin: p.origin.clone(),
        time_zone: p.time_zone,
        registrar: p.registrar,
        registrar_key: keys::public_key_base64(&p.registrar_key.verifying_key().to_bytes()),
        ledger_key: signer.verifier().to_vkey(),
        policy: p.policy,
    });
    let sub = match author.sign(&p.origin, clock(), &genesis) {
        Ok(s) => s,
        Err(e) => {
            drop(ledger);
            cleanup();
            return Err(DataDirError::Input(e.to_string()));
        }
    };
    if let Err(e) = ledger.submit(sub) {
        // Leave nothing behind: a directory without a genesis is not a ledger.
        drop(ledger);
        cleanup();
        return Err(DataDirError::Genesis(e));
    }
    Ok(ledger)
}

/// Writes a private key file readable by its owner only.
pub fn write_private(path: &Path, contents: &str) -> Result<(), DataDirError> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| io(path, e))?;
    f.write_all(contents.as_bytes()).map_err(|e| io(path, e))?;
    f.sync_all().map_err(|e| io(path, e))
}

/// Opens the store of a data directory without the writer: for reads and verification.
///
/// The stored checkpoint is checked on open (its signature, with the ledger key the genesis
/// names, and that the stored tree leads to its root: `integrity::check_head`), so nothing is
/// read from a store whose head is not the ledger's own. This holds for both stores: the
/// segment-log store of `ledger.log/` and the redb file of earlier releases. A damaged store
/// is an error naming it.
pub fn open_store(dir: &Path) -> Result<Box<dyn Store>, DataDirError> {
    let log = dir.join(STORE_DIR);
    let file = dir.join(STORE_FILE);
    let (path, opened): (PathBuf, Result<Box<dyn Store>, StoreError>) = if log.is_dir() {
        let r = LogStore::open(&log).map(|s| Box::new(s) as Box<dyn Store>);
        (log, r)
    } else if file.exists() {
        let r = RedbStore::open(&file).map(|s| Box::new(s) as Box<dyn Store>);
        (file, r)
    } else {
        return Err(DataDirError::NoLedger(dir.to_path_buf()));
    };
    let damaged = |e: StoreError| {
        let msg = e.to_string();
        if msg.contains(&*path.to_string_lossy()) {
            DataDirError::Input(msg)
        } else {
            DataDirError::Io {
                path: path.clone(),
                msg,
            }
        }
    };
    let store = opened.map_err(damaged)?;
    let snap = store.snapshot().map_err(damaged)?;
    if snap.size() > 0 {
        let vkey = genesis_key(&*snap).map_err(|e| DataDirError::Io {
            path: path.clone(),
            msg: e.to_string(),
        })?;
        crate::integrity::check_head(&*snap, &vkey).map_err(damaged)?;
    }
    drop(snap);
    Ok(store)
}

/// The ledger key (C2SP vkey) named by the genesis entry of a non-empty snapshot.
fn genesis_key(snap: &dyn crate::store::Snapshot) -> Result<String, DataDirError> {
    let first = snap.entries(0, 1)?.pop().unwrap_or_default();
    match chain::prepare(first, 0) {
        Ok(p) => match p.event.body {
            Body::Genesis(g) => Ok(g.ledger_key),
            _ => Err(DataDirError::Input("entry 0 is not a genesis".into())),
        },
        Err(f) => Err(DataDirError::Input(f.to_string())),
    }
}

/// The origin named by the genesis entry of a store.
pub fn origin_of(store: &dyn Store) -> Result<Option<String>, DataDirError> {
    let snap = store.snapshot()?;
    if snap.size() == 0 {
        return Ok(None);
    }
    let first = snap.entries(0, 1)?.pop().unwrap_or_default();
    match chain::prepare(first, 0) {
        Ok(p) => match p.event.body {
            Body::Genesis(g) => Ok(Some(g.origin)),
            _ => Err(DataDirError::Input("entry 0 is not a genesis".into())),
        },
        Err(f) => Err(DataDirError::Input(f.to_string())),
    }
}

/// Opens a data directory for appending.
pub fn open(dir: &Path, clock: Clock) -> Result<Ledger, DataDirError> {
    let store: Arc<dyn Store> = Arc::from(open_store(dir)?);
    let origin = origin_of(&*store)?.ok_or_else(|| DataDirError::NoLedger(dir.to_path_buf()))?;
    let key_path = dir.join(KEY_FILE);
    let pem = std::fs::read_to_string(&key_path).map_err(|e| io(&key_path, e))?;
    let key = keys::parse_private_key_pem(&pem).map_err(|e| io(&key_path, e))?;
    let signer = NoteSigner::new(&origin, key).map_err(|e| DataDirError::Input(e.to_string()))?;
    Ok(Ledger::open_with(
        store,
        signer,
        clock,
        crate::ledger::Options {
            snapshots: Some(snapshots(dir)),
            ..crate::ledger::Options::default()
        },
    )?)
}

/// Where a data directory keeps its snapshots: `snapshots/` (the rules' state, written every
/// `ledger::SNAPSHOT_EVERY` entries and on close; a cache, rebuilt when it does not match).
pub fn snapshots(dir: &Path) -> crate::ledger::Snapshots {
    crate::ledger::Snapshots::new(Arc::new(crate::snapshot::DirSnapshots(
        dir.join(SNAPSHOT_DIR),
    )))
}

pub const SNAPSHOT_DIR: &str = "snapshots";

/// Reads a small text file a flag names, refusing one larger than `max` bytes (a flag that
/// names the wrong file, or a device, must not fill the memory).
pub fn read_small(path: &std::path::Path, max: u64) -> std::io::Result<String> {
    use std::io::Read;
    let f = std::fs::File::open(path)?;
    let mut text = String::new();
    f.take(max + 1).read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("it is larger than {max} bytes, more than such a file ever holds"),
        ));
    }
    Ok(text)
}

/// Reads a body's private key file (a PEM of about 120 bytes; a larger file is refused).
pub fn read_key(path: &Path) -> Result<ed25519_dalek::SigningKey, DataDirError> {
    let pem = read_small(path, 64 * 1024).map_err(|e| io(path, e))?;
    keys::parse_private_key_pem(&pem).map_err(|e| io(path, e))
}

pub fn body_id(s: &str) -> Result<BodyId, DataDirError> {
    BodyId::parse(s).map_err(DataDirError::Input)
}

pub fn now(clock: &Clock) -> Millis {
    clock()
}
