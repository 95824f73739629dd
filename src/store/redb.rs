//! The embedded store on redb: one file, crash-safe, every append synced before it returns.
//!
//! redb commits with `Durability::Immediate` write the data, fsync, flip the commit slot and
//! fsync again, so an acknowledged commit survives a power cut, and a torn commit is rolled
//! back on open. Quick repair saves the allocator state in each commit and commits in two
//! phases, so reopening after a crash does not scan the file.

use super::*;
use ::redb::{
    Database, Durability, ReadTransaction, ReadableTable, ReadableTableMetadata, TableDefinition,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

/// Event id fingerprint (first 16 bytes of its SHA-256) → sequence number. A fingerprint match
/// is confirmed against the stored id before it is believed.
type Index = Arc<RwLock<HashMap<u128, u64>>>;

fn fingerprint(id: &str) -> u128 {
    let h = crate::core::hash::Hash::sha256(id.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.0[..16]);
    u128::from_be_bytes(b)
}

/// Entry sequence number → leaf hash (32 bytes) ‖ entry bytes.
const ENTRIES: TableDefinition<u64, &[u8]> = TableDefinition::new("entries");
/// `node_key(level, index)` → hash, for interior nodes (level >= 1) of complete subtrees.
const NODES: TableDefinition<u64, [u8; 32]> = TableDefinition::new("nodes");
/// Sequence number → the event id its entry carries. Written in sequence order, which costs a
/// B-tree append; the id → sequence number index is kept in memory (`Index`), rebuilt from this
/// table on open. An on-disk index keyed by (random) event ids would rewrite a page per insert.
const EVENT_IDS: TableDefinition<u64, &str> = TableDefinition::new("event_ids_by_seq");
/// Named values: `checkpoint` holds the latest signed checkpoint.
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");

fn be(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

thread_local! {
    /// Set while this thread runs redb code under `guarded`.
    static IN_REDB: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs redb code, turning a panic inside it into `StoreError::Corrupt`. redb asserts its file's
/// invariants (a truncated or overwritten file fails them, e.g. in its page manager) instead of
/// returning an error, so a damaged `ledger.redb` would otherwise end the process with a panic.
/// The panic's message is kept out of the output: the error says what happened instead.
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, StoreError>) -> Result<T, StoreError> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_REDB.with(|f| f.get()) {
                previous(info);
            }
        }));
    });
    let was = IN_REDB.with(|f| f.replace(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_REDB.with(|f| f.set(was));
    match r {
        Ok(r) => r,
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| p.downcast_ref::<&str>().copied())
                .unwrap_or("an internal check failed");
            Err(StoreError::Corrupt(format!(
                "{what}: the file is damaged or truncated (redb: {msg})"
            )))
        }
    }
}

/// The smallest redb file: its header and first pages. A shorter file is a truncated one.
const MIN_FILE: u64 = 4096;

/// Every write transaction is durable (synced before `commit` returns) and quick-repair (it
/// saves the allocator state and commits in two phases, so recovery never scans the file).
fn begin(db: &Database) -> Result<::redb::WriteTransaction, StoreError> {
    let mut tx = db.begin_write().map_err(be)?;
    tx.set_durability(Durability::Immediate);
    tx.set_quick_repair(true);
    Ok(tx)
}

pub struct RedbStore {
    path: PathBuf,
    /// `None` after a failure closed the file, until `recover` reopens it. redb refuses every
    /// operation after an I/O error ("close and re-open the database").
    db: RwLock<Option<Arc<Database>>>,
    ids: Index,
}

fn open_db(path: &Path) -> Result<Database, StoreError> {
    let mut builder = Database::builder();
    // The v3 file format is the one later redb releases read.
    builder.create_with_file_format_v3(true);
    let db = builder
        .create(path)
        .map_err(|e| StoreError::Backend(format!("cannot open {}: {e}", path.display())))?;
    // Create the tables so read transactions never meet a missing table.
    let tx = begin(&db)?;
    {
        tx.open_table(ENTRIES).map_err(be)?;
        tx.open_table(NODES).map_err(be)?;
        tx.open_table(EVENT_IDS).map_err(be)?;
        tx.open_table(META).map_err(be)?;
    }
    tx.commit().map_err(be)?;
    Ok(db)
}

/// Adds to `index` the event ids of entries `from..`.
fn load_index(db: &Database, index: &mut HashMap<u128, u64>, from: u64) -> Result<(), StoreError> {
    let rtx = db.begin_read().map_err(be)?;
    let t = rtx.open_table(EVENT_IDS).map_err(be)?;
    for row in t.range(from..).map_err(be)? {
        let (k, v) = row.map_err(be)?;
        index.insert(fingerprint(v.value()), k.value());
    }
    Ok(())
}

/// Opens the file and adds the event ids of entries `from..` to `index`, refusing a file too
/// short to be a ledger and turning redb's assertions on a damaged file into an error that
/// names it.
fn open_checked(
    path: &Path,
    index: &mut HashMap<u128, u64>,
    from: u64,
) -> Result<Database, StoreError> {
    if let Ok(m) = std::fs::metadata(path) {
        if m.len() < MIN_FILE {
            return Err(StoreError::Corrupt(format!(
                "{}: the file is {} bytes, too short to be a ledger (truncated?)",
                path.display(),
                m.len()
            )));
        }
    }
    let what = path.display().to_string();
    guarded(&what, || {
        let db = open_db(path)?;
        load_index(&db, index, from)?;
        Ok(db)
    })
    .map_err(|e| match e {
        StoreError::Backend(m) if !m.contains(&what) => StoreError::Backend(format!("{what}: {m}")),
        other => other,
    })
}

impl RedbStore {
    /// Opens the store at `path`, creating it if it does not exist.
    pub fn open(path: &Path) -> Result<RedbStore, StoreError> {
        let mut index = HashMap::new();
        let db = open_checked(path, &mut index, 0)?;
        Ok(RedbStore {
            path: path.to_path_buf(),
            db: RwLock::new(Some(Arc::new(db))),
            ids: Arc::new(RwLock::new(index)),
        })
    }

    fn index(&self) -> std::sync::RwLockReadGuard<'_, HashMap<u128, u64>> {
        self.ids.read().unwrap_or_else(|p| p.into_inner())
    }

    fn db(&self) -> Result<Arc<Database>, StoreError> {
        self.db
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| {
                StoreError::Backend(format!(
                    "{} is closed after a storage error and not reopened yet",
                    self.path.display()
                ))
            })
    }

    /// Closes the file after a failed write: redb accepts nothing more until it is reopened.
    fn close_after(&self, e: StoreError) -> StoreError {
        self.db.write().unwrap_or_else(|p| p.into_inner()).take();
        e
    }
}

impl Store for RedbStore {
    fn append(&self, batch: Batch<'_>) -> Result<(), StoreError> {
        let db = self.db()?;
        guarded("ledger.redb", || self.append_to(&db, batch)).map_err(|e| match e {
            StoreError::Conflict { .. } | StoreError::DuplicateEvent(_) => e,
            other => self.close_after(other),
        })
    }

    /// The id index is in memory (rebuilt on open): a lookup is a hash-map read.
    fn has_fingerprint_index(&self) -> bool {
        true
    }

    fn seq_of_fingerprint(&self, fp: u128) -> Result<Option<u64>, StoreError> {
        Ok(self.index().get(&fp).copied())
    }

    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StoreError> {
        let db = self.db()?;
        let (tx, size) = guarded("ledger.redb", || {
            let tx = db.begin_read().map_err(be)?;
            let size = tx.open_table(ENTRIES).map_err(be)?.len().map_err(be)?;
            Ok((tx, size))
        })?;
        Ok(Box::new(RedbSnapshot {
            tx,
            size,
            ids: self.ids.clone(),
        }))
    }

    /// Reopens the file (redb repairs a torn commit on open) and adds the ids of entries that
    /// are durable but were not indexed (a commit that reported an error and still landed).
    fn recover(&self) -> Result<(), StoreError> {
        let mut slot = self.db.write().unwrap_or_else(|p| p.into_inner());
        // Our handle goes first: redb locks the file while any handle, or a snapshot taken
        // from one, is alive; a reader still holding an old snapshot makes this fail, and the
        // caller tries again later.
        slot.take();
        let db = {
            let mut index = self.ids.write().unwrap_or_else(|p| p.into_inner());
            let known = index.len() as u64;
            open_checked(&self.path, &mut index, known)?
        };
        *slot = Some(Arc::new(db));
        Ok(())
    }
}

impl RedbStore {
    fn append_to(&self, db: &Database, batch: Batch<'_>) -> Result<(), StoreError> {
        let tx = begin(db)?;
        {
            let mut entries = tx.open_table(ENTRIES).map_err(be)?;
            let actual = entries.len().map_err(be)?;
            if actual != batch.expected_size {
                return Err(StoreError::Conflict {
                    expected: batch.expected_size,
                    actual,
                });
            }
            let mut ids = tx.open_table(EVENT_IDS).map_err(be)?;
            let index = self.index();
            let mut fresh: HashMap<u128, &str> = HashMap::with_capacity(batch.entries.len());
            let mut value = Vec::new();
            for (i, e) in batch.entries.iter().enumerate() {
                let seq = batch.expected_size + i as u64;
                value.clear();
                value.extend_from_slice(&e.leaf.0);
                value.extend_from_slice(&e.bytes);
                entries.insert(seq, value.as_slice()).map_err(be)?;
                ids.insert(seq, e.event_id.as_str()).map_err(be)?;
                let fp = fingerprint(&e.event_id);
                let stored = match index.get(&fp) {
                    Some(s) => ids.get(*s).map_err(be)?.map(|v| v.value() == e.event_id),
                    None => None,
                };
                let in_batch = fresh
                    .insert(fp, &e.event_id)
                    .is_some_and(|o| o == e.event_id);
                if stored == Some(true) || in_batch {
                    // Dropping the transaction without commit writes nothing.
                    return Err(StoreError::DuplicateEvent(e.event_id.clone()));
                }
            }
            let mut nodes = tx.open_table(NODES).map_err(be)?;
            for (id, h) in batch.nodes {
                nodes.insert(node_key(*id), h.0).map_err(be)?;
            }
            let mut meta = tx.open_table(META).map_err(be)?;
            meta.insert("checkpoint", batch.checkpoint.as_bytes())
                .map_err(be)?;
        }
        tx.commit().map_err(be)?;
        let mut index = self.ids.write().unwrap_or_else(|p| p.into_inner());
        for (i, e) in batch.entries.iter().enumerate() {
            index.insert(fingerprint(&e.event_id), batch.expected_size + i as u64);
        }
        Ok(())
    }
}

struct RedbSnapshot {
    tx: ReadTransaction,
    size: u64,
    ids: Index,
}

impl Snapshot for RedbSnapshot {
    fn size(&self) -> u64 {
        self.size
    }

    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        if end > self.size || start > end {
            return Err(StoreError::Missing(end.saturating_sub(1).max(start)));
        }
        guarded("ledger.redb", || {
            let t = self.tx.open_table(ENTRIES).map_err(be)?;
            let mut out = Vec::with_capacity((end - start) as usize);
            for (i, row) in t.range(start..end).map_err(be)?.enumerate() {
                let (k, v) = row.map_err(be)?;
                let v = v.value();
                let seq = k.value();
                if seq != start + i as u64 || v.len() < 32 {
                    return Err(StoreError::Corrupt(format!("entry row {seq}")));
                }
                // The entry's bytes must hash to the leaf stored beside them (and written
                // with them): a changed byte is named, never served.
                let bytes = &v[32..];
                if crate::core::entry::entry_hash(bytes).0[..] != v[..32] {
                    return Err(StoreError::Corrupt(format!(
                        "entry {seq} does not match its stored leaf hash: ledger.redb was changed or damaged"
                    )));
                }
                out.push(bytes.to_vec());
            }
            if out.len() as u64 != end - start {
                return Err(StoreError::Missing(start + out.len() as u64));
            }
            Ok(out)
        })
    }

    fn node(&self, id: NodeId) -> Result<Hash, StoreError> {
        if !node_within(id, self.size) {
            return Err(StoreError::MissingNode(id));
        }
        guarded("ledger.redb", || self.node_unguarded(id))
    }

    fn seq_of_event(&self, id: &str) -> Result<Option<u64>, StoreError> {
        guarded("ledger.redb", || self.seq_of_event_unguarded(id))
    }

    fn checkpoint(&self) -> Result<Option<String>, StoreError> {
        guarded("ledger.redb", || self.checkpoint_unguarded())
    }
}

impl RedbSnapshot {
    fn node_unguarded(&self, id: NodeId) -> Result<Hash, StoreError> {
        if id.level == 0 {
            let t = self.tx.open_table(ENTRIES).map_err(be)?;
            let v = t
                .get(id.index)
                .map_err(be)?
                .ok_or(StoreError::MissingNode(id))?;
            return Hash::from_slice(&v.value()[..32.min(v.value().len())])
                .ok_or_else(|| StoreError::Corrupt(format!("entry row {}", id.index)));
        }
        let t = self.tx.open_table(NODES).map_err(be)?;
        let v = t.get(node_key(id)).map_err(be)?;
        v.map(|v| Hash(v.value()))
            .ok_or(StoreError::MissingNode(id))
    }

    fn seq_of_event_unguarded(&self, id: &str) -> Result<Option<u64>, StoreError> {
        let seq = {
            let index = self.ids.read().unwrap_or_else(|p| p.into_inner());
            index.get(&fingerprint(id)).copied()
        };
        let Some(seq) = seq.filter(|s| *s < self.size) else {
            return Ok(None);
        };
        let t = self.tx.open_table(EVENT_IDS).map_err(be)?;
        let same = t.get(seq).map_err(be)?.is_some_and(|v| v.value() == id);
        Ok(same.then_some(seq))
    }

    fn checkpoint_unguarded(&self) -> Result<Option<String>, StoreError> {
        let t = self.tx.open_table(META).map_err(be)?;
        let v = t.get("checkpoint").map_err(be)?;
        match v {
            None => Ok(None),
            Some(v) => String::from_utf8(v.value().to_vec())
                .map(Some)
                .map_err(|_| StoreError::Corrupt("checkpoint is not UTF-8".into())),
        }
    }
}

/// `redb:PATH` (or a plain path): the embedded file store.
pub const BACKEND: Backend = Backend {
    scheme: "redb",
    also: &[],
    rest: "PATH",
    is_path: true,
    about: "the embedded store: one file, durable commits (created if missing)",
    open: |rest, address| {
        if rest.is_empty() {
            return Err(StoreError::Address {
                address: shown(address),
                why: "give the redb file's path after redb:".into(),
            });
        }
        Ok(Arc::new(RedbStore::open(Path::new(rest))?))
    },
};
