//! A data directory: the key that signs the ledger's checkpoints (`ledger.key`, PKCS#8 PEM,
//! readable by its owner only) and the ledger itself: the embedded `ledger.redb`, or, in
//! `store.url`, the address of a store elsewhere (`postgres://…`, shared by several servers;
//! `log:DIR`, the segment-log store). Snapshots of the rules' state are kept in `snapshots/`,
//! or by the store itself when it keeps them (PostgreSQL keeps them as rows, for every server
//! on the ledger).

use crate::author::Author;
use crate::core::chain;
use crate::core::event::{Body, BodyInfo, Genesis, Policy};
use crate::core::keys;
use crate::core::note::NoteSigner;
use crate::core::types::{BodyId, Millis};
use crate::ledger::{AppendError, Clock, Ledger, OpenError};
use crate::store::redb::RedbStore;
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const STORE_FILE: &str = "ledger.redb";
pub const KEY_FILE: &str = "ledger.key";
/// One line: the URL of the store that holds this directory's ledger (`store::open`).
pub const STORE_URL_FILE: &str = "store.url";

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

/// Creates a data directory with a new ledger key and the genesis entry.
pub fn init(dir: &Path, p: InitParams, clock: Clock) -> Result<Ledger, DataDirError> {
    init_at(dir, None, p, clock)
}

/// `init` with the ledger in the store at `store` (an address for `store::open`), which must be
/// empty; the directory keeps the key and remembers the URL in `store.url`.
pub fn init_at(
    dir: &Path,
    store: Option<&str>,
    p: InitParams,
    clock: Clock,
) -> Result<Ledger, DataDirError> {
    if has_ledger(dir) || dir.join(KEY_FILE).exists() {
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
    let elsewhere = match store {
        Some(url) => {
            let s = crate::store::open(url)?;
            if s.snapshot()?.size() > 0 {
                return Err(DataDirError::Input(
                    "the store given with --store already holds a ledger; \
                     serve it with `kordon serve --store` and its ledger.key"
                        .into(),
                ));
            }
            Some(s)
        }
        None => None,
    };
    // The key is written first: a ledger file never exists without the key that signs it.
    write_private(&dir.join(KEY_FILE), &keys::private_key_pem(&ledger_key))?;
    let cleanup = || {
        let _ = std::fs::remove_file(dir.join(STORE_FILE));
        let _ = std::fs::remove_dir_all(dir.join(SNAPSHOT_DIR));
        let _ = std::fs::remove_file(dir.join(STORE_URL_FILE));
        let _ = std::fs::remove_file(dir.join(KEY_FILE));
    };
    let store: Arc<dyn Store> = match elsewhere {
        Some(s) => match write_private(
            &dir.join(STORE_URL_FILE),
            &format!("{}\n", remembered(store.unwrap_or(""))),
        ) {
            Ok(()) => s,
            Err(e) => {
                cleanup();
                return Err(e);
            }
        },
        None => match RedbStore::open(&dir.join(STORE_FILE)) {
            Ok(s) => Arc::new(s),
            Err(e) => {
                cleanup();
                return Err(e.into());
            }
        },
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

/// Whether `dir` holds a ledger (the embedded file or the URL of one elsewhere).
pub fn has_ledger(dir: &Path) -> bool {
    dir.join(STORE_FILE).exists() || dir.join(STORE_URL_FILE).exists()
}

/// The address a data directory remembers in `store.url` for a store given by `address`: a
/// file's or a directory's path (`redb:PATH`, `log:DIR`, a plain path) is made absolute, since later commands may run from another directory; URLs
/// and other addresses are kept as given.
pub fn remembered(address: &str) -> String {
    let Ok((backend, rest)) = crate::store::resolve(address) else {
        return address.to_string();
    };
    if !backend.is_path {
        return address.to_string();
    }
    let Ok(path) = std::path::absolute(rest) else {
        return address.to_string();
    };
    if rest.len() == address.len() {
        path.display().to_string()
    } else {
        format!(
            "{}:{}",
            &address[..address.len() - rest.len() - 1],
            path.display()
        )
    }
}

/// The URL in the directory's `store.url`, if it has one.
pub fn store_url(dir: &Path) -> Result<Option<String>, DataDirError> {
    let path = dir.join(STORE_URL_FILE);
    match read_small(&path, 64 * 1024) {
        Ok(s) => Ok(Some(s.trim().to_string())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(&path, e)),
    }
}

/// Opens the store of a data directory without the writer: for reads and verification.
///
/// The stored checkpoint is checked on open (its signature, with the ledger key the genesis
/// names, and that the stored tree leads to its root: `integrity::check_head`), so nothing is
/// read from a store whose head is not the ledger's own. A damaged file is an error naming it.
pub fn open_store(dir: &Path) -> Result<Arc<dyn Store>, DataDirError> {
    open_store_at(dir, None)
}

/// The store at `store` (an address for `store::open`) if given, else the directory's own (its `store.url`, or
/// ledger.redb), its head checked as `open_store` says.
pub fn open_store_at(dir: &Path, store: Option<&str>) -> Result<Arc<dyn Store>, DataDirError> {
    let given = store.is_some();
    let url = match store {
        Some(u) => Some(u.to_string()),
        None => store_url(dir)?,
    };
    if let Some(url) = url {
        // A store in a file or directory here (`redb:PATH`, `log:DIR`) is named in its errors;
        // a store elsewhere names no file: its errors say what they are.
        let path = match crate::store::resolve(&url) {
            Ok((b, rest)) if b.is_path => Some(PathBuf::from(rest)),
            _ => None,
        };
        let damaged = |e: StoreError| match &path {
            Some(p) => naming(p, e),
            None => DataDirError::Store(e),
        };
        if let Some(p) = path.as_ref().filter(|_| !given) {
            if !p.exists() {
                return Err(DataDirError::Io {
                    path: p.clone(),
                    msg: format!(
                        "the store {} names is not there (moved or deleted?)",
                        dir.join(STORE_URL_FILE).display()
                    ),
                });
            }
        }
        let store = crate::store::open(&url).map_err(damaged)?;
        check_opened(&*store, damaged)?;
        return Ok(store);
    }
    let path = dir.join(STORE_FILE);
    if !path.exists() {
        return Err(DataDirError::NoLedger(dir.to_path_buf()));
    }
    let damaged = |e: StoreError| naming(&path, e);
    let store = RedbStore::open(&path).map_err(damaged)?;
    check_opened(&store, damaged)?;
    Ok(Arc::new(store))
}

/// A store error of the store at `path`, naming it.
fn naming(path: &Path, e: StoreError) -> DataDirError {
    let msg = e.to_string();
    if msg.contains(&*path.to_string_lossy()) {
        DataDirError::Input(msg)
    } else {
        DataDirError::Io {
            path: path.to_path_buf(),
            msg,
        }
    }
}

/// Checks an opened store's head (`integrity::check_head`) with the key its genesis names.
fn check_opened(
    store: &dyn Store,
    damaged: impl Fn(StoreError) -> DataDirError,
) -> Result<(), DataDirError> {
    let snap = store.snapshot().map_err(&damaged)?;
    if snap.size() > 0 {
        let vkey = genesis_key(&*snap).map_err(|e| damaged(StoreError::Corrupt(e.to_string())))?;
        crate::integrity::check_head(&*snap, &vkey).map_err(&damaged)?;
    }
    Ok(())
}

/// The key that signs the checkpoints of the ledger in `dir`.
pub fn ledger_signer(dir: &Path, origin: &str) -> Result<NoteSigner, DataDirError> {
    let key = read_key(&dir.join(KEY_FILE))?;
    NoteSigner::new(origin, key).map_err(|e| DataDirError::Input(e.to_string()))
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
    open_at(dir, None, clock)
}

/// `open` with the ledger in the store at `store` (an address for `store::open`: any
/// registered backend, or a plain path) if given, else the directory's own (`store.url` or
/// ledger.redb); the checkpoints are signed with the directory's ledger.key either way.
pub fn open_at(dir: &Path, store: Option<&str>, clock: Clock) -> Result<Ledger, DataDirError> {
    let elsewhere = store.is_some() || store_url(dir)?.is_some();
    let store = open_store_at(dir, store)?;
    let origin = origin_of(&*store)?.ok_or_else(|| {
        if elsewhere {
            DataDirError::Input(
                "the store holds no ledger (no genesis): create one with `kordon init --store`"
                    .into(),
            )
        } else {
            DataDirError::NoLedger(dir.to_path_buf())
        }
    })?;
    let signer = ledger_signer(dir, &origin)?;
    let snapshots = snapshots(dir, &*store);
    Ok(Ledger::open_with(
        store,
        signer,
        clock,
        crate::ledger::Options {
            snapshots: Some(snapshots),
            ..crate::ledger::Options::default()
        },
    )?)
}

/// Where the ledger of a data directory keeps its snapshots of the rules' state (written every
/// `ledger::SNAPSHOT_EVERY` entries and on close; a cache, ignored and rebuilt when it does not
/// match): the store's own when it keeps them (`Store::snapshot_store`, PostgreSQL's rows,
/// which every server on the ledger shares), else the directory's `snapshots/`.
pub fn snapshots(dir: &Path, store: &dyn Store) -> crate::ledger::Snapshots {
    crate::ledger::Snapshots::new(
        store
            .snapshot_store()
            .unwrap_or_else(|| Arc::new(crate::snapshot::DirSnapshots(dir.join(SNAPSHOT_DIR)))),
    )
}

/// The directory, in a data directory, of the snapshots of a store that keeps none itself.
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

/// Reads a private key file (a body's, or `ledger.key`): plain or encrypted PKCS#8 PEM.
pub fn read_key(path: &Path) -> Result<ed25519_dalek::SigningKey, DataDirError> {
    crate::keyfile::read(path).map_err(|e| DataDirError::Input(e.to_string()))
}

pub fn body_id(s: &str) -> Result<BodyId, DataDirError> {
    BodyId::parse(s).map_err(DataDirError::Input)
}

pub fn now(clock: &Clock) -> Millis {
    clock()
}
