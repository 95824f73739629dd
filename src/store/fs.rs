//! The few file operations the segment-log store needs, behind a trait, so that the same store
//! runs on the real file system (`OsDir`) and on `CutDir`, a file system in memory that keeps
//! only what was synced when the power is cut: the simulated power cut of the durability tests.

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};

/// One open file: positioned reads and writes, its length, and a data sync.
pub trait File: Send + Sync {
    /// Reads exactly `buf.len()` bytes at `offset`; a short file is `UnexpectedEof`.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;
    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()>;
    fn len(&self) -> io::Result<u64>;
    fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
    fn set_len(&self, len: u64) -> io::Result<()>;
    /// `fdatasync`: the file's data and length survive a power cut once this returns.
    fn sync_data(&self) -> io::Result<()>;
}

/// A directory of files.
pub trait Dir: Send + Sync {
    /// Opens `name`, creating it (empty) if `create`; `None` if it does not exist.
    fn open(&self, name: &str, create: bool) -> io::Result<Option<Arc<dyn File>>>;
    fn list(&self) -> io::Result<Vec<String>>;
    fn remove(&self, name: &str) -> io::Result<()>;
    /// Makes the directory's entries (files created or removed) survive a power cut.
    fn sync(&self) -> io::Result<()>;
    /// Where the directory is, for messages.
    fn describe(&self) -> String;
}

/// A directory on the real file system.
pub struct OsDir(pub PathBuf);

struct OsFile(std::fs::File);

impl File for OsFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::read_exact_at(&self.0, buf, offset)
    }
    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        std::os::unix::fs::FileExt::write_all_at(&self.0, buf, offset)
    }
    fn len(&self) -> io::Result<u64> {
        Ok(self.0.metadata()?.len())
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        self.0.set_len(len)
    }
    fn sync_data(&self) -> io::Result<()> {
        self.0.sync_data()
    }
}

impl Dir for OsDir {
    fn open(&self, name: &str, create: bool) -> io::Result<Option<Arc<dyn File>>> {
        let r = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .truncate(false)
            .open(self.0.join(name));
        match r {
            Ok(f) => Ok(Some(Arc::new(OsFile(f)))),
            Err(e) if e.kind() == io::ErrorKind::NotFound && !create => Ok(None),
            Err(e) => Err(e),
        }
    }
    fn list(&self) -> io::Result<Vec<String>> {
        let mut out = Vec::new();
        for e in std::fs::read_dir(&self.0)? {
            if let Some(n) = e?.file_name().to_str() {
                out.push(n.to_string());
            }
        }
        Ok(out)
    }
    fn remove(&self, name: &str) -> io::Result<()> {
        match std::fs::remove_file(self.0.join(name)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            r => r,
        }
    }
    fn sync(&self) -> io::Result<()> {
        std::fs::File::open(&self.0)?.sync_all()
    }
    fn describe(&self) -> String {
        self.0.display().to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// The simulated power cut.

/// A file system in memory that remembers what was synced. `cut` is the power cut: every file
/// goes back to what its last `sync_data` made durable, with an arbitrary part of the writes
/// since then kept (whole, torn, or not at all, chosen by a seed), and files whose creation was
/// never made durable by a directory sync disappear. A store that keeps its promises on this
/// loses nothing it acknowledged, whatever the seed.
#[derive(Clone, Default)]
pub struct CutDir {
    inner: Arc<Mutex<CutState>>,
}

#[derive(Default)]
struct CutState {
    files: BTreeMap<String, Arc<CutFile>>,
    /// Names whose creation (and not a later removal) survives a cut.
    durable_names: BTreeSet<String>,
}

#[derive(Default)]
struct CutFile {
    data: Mutex<CutData>,
}

#[derive(Default, Clone)]
struct CutData {
    /// What a reader sees now.
    now: Vec<u8>,
    /// What survives a cut.
    durable: Vec<u8>,
    /// Writes (offset, bytes) and truncations (len, None) since the last sync, in order.
    pending: Vec<(u64, Option<Vec<u8>>)>,
    /// Fails every operation once the power was cut under it (a handle from before the cut).
    dead: bool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn dead() -> io::Error {
    io::Error::other("the power was cut: this handle is gone")
}

impl File for CutFile {
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let d = lock(&self.data);
        if d.dead {
            return Err(dead());
        }
        let end = offset as usize + buf.len();
        if end > d.now.len() {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "short read"));
        }
        buf.copy_from_slice(&d.now[offset as usize..end]);
        Ok(())
    }
    fn write_all_at(&self, buf: &[u8], offset: u64) -> io::Result<()> {
        let mut d = lock(&self.data);
        if d.dead {
            return Err(dead());
        }
        write_into(&mut d.now, offset, buf);
        d.pending.push((offset, Some(buf.to_vec())));
        Ok(())
    }
    fn len(&self) -> io::Result<u64> {
        let d = lock(&self.data);
        if d.dead {
            return Err(dead());
        }
        Ok(d.now.len() as u64)
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut d = lock(&self.data);
        if d.dead {
            return Err(dead());
        }
        d.now.resize(len as usize, 0);
        d.pending.push((len, None));
        Ok(())
    }
    fn sync_data(&self) -> io::Result<()> {
        let mut d = lock(&self.data);
        if d.dead {
            return Err(dead());
        }
        d.durable = d.now.clone();
        d.pending.clear();
        Ok(())
    }
}

fn write_into(v: &mut Vec<u8>, offset: u64, buf: &[u8]) {
    let end = offset as usize + buf.len();
    if v.len() < end {
        v.resize(end, 0);
    }
    v[offset as usize..end].copy_from_slice(buf);
}

impl CutDir {
    pub fn new() -> CutDir {
        CutDir::default()
    }

    /// Cuts the power: afterwards the directory holds what survived, and handles opened before
    /// fail. `seed` chooses which of the unsynced writes reach the disk anyway, and where a
    /// write is torn (seed 0 keeps none of them).
    pub fn cut(&self, seed: u64) {
        let mut s = lock(&self.inner);
        let mut rng = seed;
        let mut next = move || {
            // splitmix64
            rng = rng.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = rng;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let names: Vec<String> = s.files.keys().cloned().collect();
        let mut survivors = BTreeMap::new();
        for name in names {
            let old = Arc::clone(&s.files[&name]);
            let mut d = lock(&old.data);
            d.dead = true;
            if !s.durable_names.contains(&name) {
                continue;
            }
            let mut kept = d.durable.clone();
            if seed != 0 {
                for (off, w) in &d.pending {
                    match (next() % 3, w) {
                        (0, _) => {}
                        (1, Some(bytes)) => write_into(&mut kept, *off, bytes),
                        // A torn write: a prefix reaches the disk, in 512-byte sectors.
                        (_, Some(bytes)) => {
                            let sectors = bytes.len().div_ceil(512).max(1);
                            let n = (next() as usize % sectors) * 512;
                            write_into(&mut kept, *off, &bytes[..n.min(bytes.len())]);
                        }
                        (_, None) => kept.resize(*off as usize, 0),
                    }
                }
            }
            survivors.insert(
                name,
                Arc::new(CutFile {
                    data: Mutex::new(CutData {
                        now: kept.clone(),
                        durable: kept,
                        pending: Vec::new(),
                        dead: false,
                    }),
                }),
            );
        }
        s.files = survivors;
    }

    /// Total bytes of every file now (for tests that check nothing grew).
    pub fn bytes(&self) -> u64 {
        let s = lock(&self.inner);
        s.files
            .values()
            .map(|f| lock(&f.data).now.len() as u64)
            .sum()
    }
}

impl Dir for CutDir {
    fn open(&self, name: &str, create: bool) -> io::Result<Option<Arc<dyn File>>> {
        let mut s = lock(&self.inner);
        if let Some(f) = s.files.get(name) {
            return Ok(Some(Arc::clone(f) as Arc<dyn File>));
        }
        if !create {
            return Ok(None);
        }
        let f = Arc::new(CutFile::default());
        s.files.insert(name.to_string(), Arc::clone(&f));
        Ok(Some(f))
    }
    fn list(&self) -> io::Result<Vec<String>> {
        Ok(lock(&self.inner).files.keys().cloned().collect())
    }
    fn remove(&self, name: &str) -> io::Result<()> {
        lock(&self.inner).files.remove(name);
        Ok(())
    }
    fn sync(&self) -> io::Result<()> {
        let mut s = lock(&self.inner);
        s.durable_names = s.files.keys().cloned().collect();
        Ok(())
    }
    fn describe(&self) -> String {
        "(simulated file system)".into()
    }
}
