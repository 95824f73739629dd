//! The segment-log store: a directory in which every commit is one frame appended to a log and
//! synced once, the shape transparency logs use on POSIX storage. What reads need (the tree's
//! hashes, where each entry lies, which sequence number holds an event id) is kept in files
//! beside the log that are written with each commit but synced only in the background: the
//! log is the truth, and on open the store re-derives them from the frames written after the
//! last background sync, so reopening after a crash reads at most a few seconds of log.
//!
//! ```text
//! log      frames: header (40) ‖ records ‖ nodes ‖ checkpoint ‖ SHA-256(header ‖ …) (32)
//!          record: len u32 ‖ id_len u16 ‖ event id ‖ leaf (32) ‖ entry bytes
//!          node:   level u8 ‖ index u64 ‖ hash (32)                (all integers big-endian)
//! hashes   every leaf and interior hash at its sumdb position (`stored_hash_index`), 32 bytes each
//! offsets  per entry: the offset of its bytes in the log (u64) ‖ their length (u32)
//! ids-A-B  the event ids of entries A..B (hex): (fingerprint u128 ‖ seq u64) sorted by
//!          fingerprint, then fences, a Bloom filter and a footer with their digest
//! state    two slots, the newest valid one wins: what the background sync made durable
//!          (size, end of the log at that size, the checkpoint), with its digest
//! ```
//!
//! Durability: `append` returns only after the frame is written and `fdatasync`ed. A frame is
//! valid only if its digest matches, so a torn frame (a crash during a commit) is dropped on
//! open, and with it nothing that was acknowledged. Everything else is derived from frames.
//! The event-id index holds the ids since the last background sync in memory and older ones in
//! sorted files with a Bloom filter each (about 1.3 bytes of memory per entry), merged in the
//! background so that there are few: memory does not hold the ids of the whole history.

use super::fs::{Dir, File, OsDir};
use super::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::Duration;

const LOG: &str = "log";
const HASHES: &str = "hashes";
const OFFSETS: &str = "offsets";
const STATE: &str = "state";
const FRAME_MAGIC: &[u8; 4] = b"KLG1";
const HEADER: usize = 40;
const DIGEST: usize = 32;
const OFFSET_LEN: u64 = 12;
const STATE_MAGIC: &[u8; 16] = b"kordon-log-state";
const SLOT: u64 = 16 * 1024;
const RUN_MAGIC: &[u8; 8] = b"KIDXRUN1";
const RUN_FOOTER: usize = 8 + 8 + 8 + 4 + 8 + 8 + DIGEST + 8;
const RECORD: usize = 24;
/// Records per fence: one read of 3 KiB finds an id in a run.
const BLOCK: usize = 128;
const BLOOM_BITS_PER_KEY: usize = 10;
const BLOOM_K: u32 = 7;

/// When the background sync runs: after this many entries, or this long after the first entry
/// it has not synced. Reopening after a crash re-reads at most about this much log.
#[derive(Debug, Clone, Copy)]
pub struct SyncPolicy {
    pub entries: u64,
    pub every: Duration,
}

impl Default for SyncPolicy {
    fn default() -> SyncPolicy {
        SyncPolicy {
            entries: 65_536,
            every: Duration::from_secs(5),
        }
    }
}

fn be(e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn corrupt(what: impl Into<String>) -> StoreError {
    StoreError::Corrupt(what.into())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The first 16 bytes of SHA-256 of an event id: the key of the id index. A match is taken as
/// the id (a collision is a 2^-128 event).
pub fn fingerprint(id: &str) -> u128 {
    let h = Hash::sha256(id.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&h.0[..16]);
    u128::from_be_bytes(b)
}

/// The position of a tree node in the `hashes` file (golang.org/x/mod/sumdb/tlog's
/// `StoredHashIndex`): level L's n-th hash is stored right after level L+1's (2n+1)-th.
pub fn stored_hash_index(level: u8, mut n: u64) -> u64 {
    for _ in 0..level {
        n = 2 * n + 1;
    }
    let mut i = 0u64;
    let mut m = n;
    while m > 0 {
        i += m;
        m >>= 1;
    }
    i + level as u64
}

/// Hashes stored for a tree of `n` leaves: every node of every complete subtree.
pub fn stored_hash_count(n: u64) -> u64 {
    2 * n - n.count_ones() as u64
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap_or([0; 4]))
}
fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_be_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]))
}
fn u128_at(b: &[u8], at: usize) -> u128 {
    u128::from_be_bytes(b[at..at + 16].try_into().unwrap_or([0; 16]))
}

// ---------------------------------------------------------------------------------------------
// Sorted runs of event ids.

struct Run {
    name: String,
    file: Arc<dyn File>,
    start: u64,
    end: u64,
    n: u64,
    fences: Vec<u128>,
    bloom: Vec<u64>,
}

fn bloom_bits(fp: u128, m: u64, k: u32) -> impl Iterator<Item = u64> {
    let h1 = fp as u64;
    let h2 = ((fp >> 64) as u64) | 1;
    (0..k as u64).map(move |i| h1.wrapping_add(i.wrapping_mul(h2)) % m)
}

fn run_name(start: u64, end: u64) -> String {
    format!("ids-{start:016x}-{end:016x}")
}

fn parse_run_name(name: &str) -> Option<(u64, u64)> {
    let rest = name.strip_prefix("ids-")?;
    let (a, b) = rest.split_once('-')?;
    if a.len() != 16 || b.len() != 16 {
        return None;
    }
    Some((
        u64::from_str_radix(a, 16).ok()?,
        u64::from_str_radix(b, 16).ok()?,
    ))
}

impl Run {
    /// Writes a run of `records` (sorted by fingerprint) for entries `start..end`, synced.
    fn write(
        dir: &dyn Dir,
        start: u64,
        end: u64,
        records: &[(u128, u64)],
    ) -> Result<Run, StoreError> {
        let name = run_name(start, end);
        let n = records.len();
        let nb = n.div_ceil(BLOCK);
        let m = ((n * BLOOM_BITS_PER_KEY).max(64) as u64).div_ceil(64) * 64;
        let mut bloom = vec![0u64; (m / 64) as usize];
        let mut fences = Vec::with_capacity(nb);
        let mut out = Vec::with_capacity(n * RECORD + nb * 16 + bloom.len() * 8 + RUN_FOOTER);
        for (i, (fp, seq)) in records.iter().enumerate() {
            if i % BLOCK == 0 {
                fences.push(*fp);
            }
            for b in bloom_bits(*fp, m, BLOOM_K) {
                bloom[(b / 64) as usize] |= 1 << (b % 64);
            }
            out.extend_from_slice(&fp.to_be_bytes());
            out.extend_from_slice(&seq.to_be_bytes());
        }
        let tail_at = out.len();
        for f in &fences {
            out.extend_from_slice(&f.to_be_bytes());
        }
        for w in &bloom {
            out.extend_from_slice(&w.to_be_bytes());
        }
        out.extend_from_slice(&(n as u64).to_be_bytes());
        out.extend_from_slice(&(nb as u64).to_be_bytes());
        out.extend_from_slice(&m.to_be_bytes());
        out.extend_from_slice(&BLOOM_K.to_be_bytes());
        out.extend_from_slice(&start.to_be_bytes());
        out.extend_from_slice(&end.to_be_bytes());
        let digest = Hash::sha256(&out[tail_at..]);
        out.extend_from_slice(&digest.0);
        out.extend_from_slice(RUN_MAGIC);
        let file = dir
            .open(&name, true)
            .map_err(be)?
            .ok_or_else(|| be("cannot create an id run"))?;
        file.set_len(0).map_err(be)?;
        file.write_all_at(&out, 0).map_err(be)?;
        file.sync_data().map_err(be)?;
        Ok(Run {
            name,
            file,
            start,
            end,
            n: n as u64,
            fences,
            bloom,
        })
    }

    /// Opens a run, checking its fences, filter and footer against their digest.
    fn open(dir: &dyn Dir, name: &str) -> Result<Run, StoreError> {
        let bad = |why: &str| corrupt(format!("id index {name}: {why}"));
        let (start, end) = parse_run_name(name).ok_or_else(|| bad("not a run's name"))?;
        let file = dir
            .open(name, false)
            .map_err(be)?
            .ok_or_else(|| bad("missing"))?;
        let len = file.len().map_err(be)?;
        if len < RUN_FOOTER as u64 {
            return Err(bad("cut short"));
        }
        let mut footer = [0u8; RUN_FOOTER];
        file.read_exact_at(&mut footer, len - RUN_FOOTER as u64)
            .map_err(be)?;
        if &footer[RUN_FOOTER - 8..] != RUN_MAGIC {
            return Err(bad("no footer"));
        }
        let n = u64_at(&footer, 0);
        let nb = u64_at(&footer, 8);
        let m = u64_at(&footer, 16);
        let k = u32_at(&footer, 24);
        if u64_at(&footer, 28) != start || u64_at(&footer, 36) != end || k != BLOOM_K {
            return Err(bad("footer does not match its name"));
        }
        let tail_len = nb
            .checked_mul(16)
            .and_then(|f| f.checked_add(m / 8))
            .ok_or_else(|| bad("sizes overflow"))?;
        let expect = n
            .checked_mul(RECORD as u64)
            .and_then(|r| r.checked_add(tail_len + RUN_FOOTER as u64))
            .ok_or_else(|| bad("sizes overflow"))?;
        if expect != len || m % 64 != 0 || nb != n.div_ceil(BLOCK as u64) {
            return Err(bad("its length does not match its footer"));
        }
        let mut tail = vec![0u8; tail_len as usize];
        file.read_exact_at(&mut tail, n * RECORD as u64)
            .map_err(be)?;
        let mut hashed = tail.clone();
        hashed.extend_from_slice(&footer[..RUN_FOOTER - 8 - DIGEST]);
        if Hash::sha256(&hashed).0[..] != footer[RUN_FOOTER - 8 - DIGEST..RUN_FOOTER - 8] {
            return Err(bad("its digest does not match"));
        }
        let fences = (0..nb as usize).map(|i| u128_at(&tail, i * 16)).collect();
        let base = nb as usize * 16;
        let bloom = (0..(m / 64) as usize)
            .map(|i| u64_at(&tail, base + i * 8))
            .collect();
        Ok(Run {
            name: name.to_string(),
            file,
            start,
            end,
            n,
            fences,
            bloom,
        })
    }

    fn m(&self) -> u64 {
        self.bloom.len() as u64 * 64
    }

    fn get(&self, fp: u128) -> Result<Option<u64>, StoreError> {
        if self.n == 0 {
            return Ok(None);
        }
        let m = self.m();
        for b in bloom_bits(fp, m, BLOOM_K) {
            if self.bloom[(b / 64) as usize] & (1 << (b % 64)) == 0 {
                return Ok(None);
            }
        }
        let block = self.fences.partition_point(|f| *f <= fp);
        if block == 0 {
            return Ok(None);
        }
        let first = (block - 1) * BLOCK;
        let count = BLOCK.min(self.n as usize - first);
        let mut buf = vec![0u8; count * RECORD];
        self.file
            .read_exact_at(&mut buf, (first * RECORD) as u64)
            .map_err(be)?;
        let (mut lo, mut hi) = (0usize, count);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let k = u128_at(&buf, mid * RECORD);
            match k.cmp(&fp) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Ok(Some(u64_at(&buf, mid * RECORD + 16))),
            }
        }
        Ok(None)
    }

    /// Every record, in order.
    fn records(&self) -> Result<Vec<(u128, u64)>, StoreError> {
        let mut buf = vec![0u8; self.n as usize * RECORD];
        self.file.read_exact_at(&mut buf, 0).map_err(be)?;
        Ok(buf
            .chunks_exact(RECORD)
            .map(|r| (u128_at(r, 0), u64_at(r, 16)))
            .collect())
    }
}

/// The id index: ids since the last background sync in memory, older ones in runs.
#[derive(Default)]
struct Ids {
    tail: HashMap<u128, u64>,
    /// The tail's ids in sequence order, for the next run.
    order: Vec<(u128, u64)>,
    runs: Vec<Arc<Run>>,
}

impl Ids {
    fn get(&self, fp: u128) -> Result<Option<u64>, StoreError> {
        if let Some(s) = self.tail.get(&fp) {
            return Ok(Some(*s));
        }
        for r in self.runs.iter().rev() {
            if let Some(s) = r.get(fp)? {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }
}

// ---------------------------------------------------------------------------------------------
// The state file.

#[derive(Debug, Clone, Default)]
struct State {
    generation: u64,
    size: u64,
    log_end: u64,
    checkpoint: String,
}

fn encode_state(s: &State) -> Result<Vec<u8>, StoreError> {
    let mut b = Vec::new();
    b.extend_from_slice(STATE_MAGIC);
    b.extend_from_slice(&s.generation.to_be_bytes());
    b.extend_from_slice(&s.size.to_be_bytes());
    b.extend_from_slice(&s.log_end.to_be_bytes());
    b.extend_from_slice(&(s.checkpoint.len() as u32).to_be_bytes());
    b.extend_from_slice(s.checkpoint.as_bytes());
    let d = Hash::sha256(&b);
    b.extend_from_slice(&d.0);
    if b.len() as u64 > SLOT {
        return Err(be("the checkpoint is too long for the state file"));
    }
    Ok(b)
}

fn decode_state(b: &[u8]) -> Option<State> {
    let fixed = 16 + 8 + 8 + 8 + 4;
    if b.len() < fixed + DIGEST || &b[..16] != STATE_MAGIC {
        return None;
    }
    let cp_len = u32_at(b, 40) as usize;
    let end = fixed.checked_add(cp_len)?;
    if end + DIGEST > b.len() || Hash::sha256(&b[..end]).0[..] != b[end..end + DIGEST] {
        return None;
    }
    Some(State {
        generation: u64_at(b, 16),
        size: u64_at(b, 24),
        log_end: u64_at(b, 32),
        checkpoint: String::from_utf8(b[fixed..end].to_vec()).ok()?,
    })
}

fn read_state(file: &dyn File) -> Result<Option<State>, StoreError> {
    let len = file.len().map_err(be)?;
    let mut best: Option<State> = None;
    for slot in 0..2u64 {
        let at = slot * SLOT;
        if at >= len {
            continue;
        }
        let n = (len - at).min(SLOT) as usize;
        let mut b = vec![0u8; n];
        file.read_exact_at(&mut b, at).map_err(be)?;
        if let Some(s) = decode_state(&b) {
            if best.as_ref().is_none_or(|b| s.generation > b.generation) {
                best = Some(s);
            }
        }
    }
    Ok(best)
}

fn write_state(file: &dyn File, s: &State) -> Result<(), StoreError> {
    let b = encode_state(s)?;
    file.write_all_at(&b, (s.generation % 2) * SLOT)
        .map_err(be)?;
    file.sync_data().map_err(be)
}

// ---------------------------------------------------------------------------------------------
// One opening of the store.

#[derive(Clone)]
struct Head {
    size: u64,
    log_end: u64,
    checkpoint: Option<Arc<str>>,
}

struct Files {
    log: Arc<dyn File>,
    hashes: Arc<dyn File>,
    offsets: Arc<dyn File>,
    state: Arc<dyn File>,
}

struct Opened {
    files: Files,
    head: RwLock<Head>,
    ids: RwLock<Ids>,
    /// The state last written (generation, and what it made durable).
    synced: Mutex<State>,
}

/// The segment-log store.
pub struct LogStore {
    dir: Arc<dyn Dir>,
    policy: SyncPolicy,
    /// `None` after a failed write, until `recover` reopens the files.
    open: Arc<RwLock<Option<Arc<Opened>>>>,
    /// Serializes appends.
    write: Mutex<()>,
    /// Serializes background syncs, merges and reopening.
    maintenance: Arc<Mutex<()>>,
    wake: Arc<(Mutex<Wake>, Condvar)>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The directory's lock, held while open (released when the file closes).
    lock: Option<std::fs::File>,
}

/// Locks `dir` for this process, or says that another one has it.
fn lock_dir(dir: &Path) -> Result<std::fs::File, StoreError> {
    let path = dir.join("lock");
    let f = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| be(format!("{}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a descriptor this function owns; it has no memory effects.
        let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
        if r != 0 {
            return Err(be(format!(
                "{} is in use by another kordon process (its lock is held)",
                dir.display()
            )));
        }
    }
    Ok(f)
}

#[derive(Default)]
struct Wake {
    /// Entries appended since the last sync, and when the first of them was.
    unsynced: u64,
    since: Option<std::time::Instant>,
    stop: bool,
}

fn open_file(dir: &dyn Dir, name: &str) -> Result<Arc<dyn File>, StoreError> {
    dir.open(name, true)
        .map_err(|e| be(format!("{}/{name}: {e}", dir.describe())))?
        .ok_or_else(|| be(format!("{}/{name} cannot be created", dir.describe())))
}

/// One frame, decoded from the log: `(event id, leaf, entry bytes offset, length)` per entry.
struct Frame {
    first: u64,
    entries: Vec<(String, Hash, u64, u32)>,
    nodes: Vec<(NodeId, Hash)>,
    checkpoint: String,
    len: u64,
}

/// Reads the frame at `off`, or `None` if there is no whole, valid frame there.
fn read_frame(log: &dyn File, off: u64, log_len: u64) -> Result<Option<Frame>, StoreError> {
    if off + (HEADER + DIGEST) as u64 > log_len {
        return Ok(None);
    }
    let mut h = [0u8; HEADER];
    log.read_exact_at(&mut h, off).map_err(be)?;
    if &h[..4] != FRAME_MAGIC || h[4] != 1 {
        return Ok(None);
    }
    let first = u64_at(&h, 8);
    let count = u32_at(&h, 16) as usize;
    let nodes = u32_at(&h, 20) as usize;
    let cp_len = u32_at(&h, 24) as usize;
    let payload = u64_at(&h, 28);
    let len = HEADER as u64 + payload + DIGEST as u64;
    if off + len > log_len || payload > u32::MAX as u64 {
        return Ok(None);
    }
    let mut body = vec![0u8; (payload as usize) + DIGEST];
    log.read_exact_at(&mut body, off + HEADER as u64)
        .map_err(be)?;
    let (p, d) = body.split_at(payload as usize);
    let mut hashed = Vec::with_capacity(HEADER + p.len());
    hashed.extend_from_slice(&h);
    hashed.extend_from_slice(p);
    if Hash::sha256(&hashed).0[..] != d[..] {
        return Ok(None);
    }
    // The digest matched: the frame is as it was written, so its lengths are consistent.
    let mut at = 0usize;
    let mut entries = Vec::with_capacity(count);
    let short = || corrupt("a log frame's records do not fit it");
    for _ in 0..count {
        if at + 6 > p.len() {
            return Err(short());
        }
        let n = u32_at(p, at) as usize;
        let idl = u16::from_be_bytes([p[at + 4], p[at + 5]]) as usize;
        at += 6;
        if at + idl + 32 + n > p.len() {
            return Err(short());
        }
        let id = String::from_utf8_lossy(&p[at..at + idl]).into_owned();
        at += idl;
        let leaf = Hash::from_slice(&p[at..at + 32]).ok_or_else(short)?;
        at += 32;
        entries.push((id, leaf, off + (HEADER + at) as u64, n as u32));
        at += n;
    }
    let mut ns = Vec::with_capacity(nodes);
    for _ in 0..nodes {
        if at + 41 > p.len() {
            return Err(short());
        }
        let level = p[at];
        let index = u64_at(p, at + 1);
        let hash = Hash::from_slice(&p[at + 9..at + 41]).ok_or_else(short)?;
        ns.push((NodeId { level, index }, hash));
        at += 41;
    }
    if at + cp_len != p.len() {
        return Err(short());
    }
    let checkpoint = String::from_utf8_lossy(&p[at..]).into_owned();
    Ok(Some(Frame {
        first,
        entries,
        nodes: ns,
        checkpoint,
        len,
    }))
}

/// The offset of a whole frame for entries after `size` somewhere after `off`, if there is one.
fn later_frame(
    log: &dyn File,
    off: u64,
    log_len: u64,
    size: u64,
) -> Result<Option<u64>, StoreError> {
    let mut rest = vec![0u8; (log_len - off) as usize];
    log.read_exact_at(&mut rest, off).map_err(be)?;
    let mut from = 1;
    while let Some(i) = rest[from..]
        .windows(FRAME_MAGIC.len())
        .position(|w| w == FRAME_MAGIC)
    {
        let at = off + (from + i) as u64;
        if let Ok(Some(f)) = read_frame(log, at, log_len) {
            if f.first > size {
                return Ok(Some(at));
            }
        }
        from += i + 1;
    }
    Ok(None)
}

/// Places a batch's leaves and nodes at their sumdb positions: the hashes a tree of `size`
/// leaves gains by growing to `size + leaves.len()`, in one buffer.
fn place_hashes(size: u64, leaves: &[Hash], nodes: &[(NodeId, Hash)]) -> Result<Vec<u8>, String> {
    let new_size = size + leaves.len() as u64;
    let old = stored_hash_count(size);
    let count = (stored_hash_count(new_size) - old) as usize;
    let mut buf = vec![0u8; count * 32];
    let mut filled = vec![false; count];
    let mut put = |level: u8, index: u64, h: &Hash| -> Result<(), String> {
        let pos = stored_hash_index(level, index);
        if pos < old || pos >= old + count as u64 {
            return Err(format!(
                "node {level}/{index} is not one that entries {size}..{new_size} complete"
            ));
        }
        let i = (pos - old) as usize;
        if std::mem::replace(&mut filled[i], true) {
            return Err(format!("node {level}/{index} is given twice"));
        }
        buf[i * 32..i * 32 + 32].copy_from_slice(&h.0);
        Ok(())
    };
    for (i, l) in leaves.iter().enumerate() {
        put(0, size + i as u64, l)?;
    }
    for (id, h) in nodes {
        if id.level == 0 {
            return Err("a leaf was given as a node".into());
        }
        put(id.level, id.index, h)?;
    }
    if filled.iter().any(|f| !f) {
        return Err(format!(
            "the batch does not give every node that entries {size}..{new_size} complete"
        ));
    }
    Ok(buf)
}

impl Opened {
    /// Opens the files in `dir` and brings the derived files up to the log.
    fn load(dir: &dyn Dir) -> Result<Opened, StoreError> {
        let existed = dir.open(STATE, false).map_err(be)?.is_some();
        let files = Files {
            log: open_file(dir, LOG)?,
            hashes: open_file(dir, HASHES)?,
            offsets: open_file(dir, OFFSETS)?,
            state: open_file(dir, STATE)?,
        };
        let log_len = files.log.len().map_err(be)?;
        let state = match read_state(&*files.state)? {
            Some(s) => s,
            None if !existed || log_len == 0 => {
                // A new store: its files are made durable before anything is written.
                let s = State {
                    generation: 1,
                    ..State::default()
                };
                write_state(&*files.state, &s)?;
                for f in [&files.log, &files.hashes, &files.offsets] {
                    f.sync_data().map_err(be)?;
                }
                dir.sync().map_err(be)?;
                s
            }
            None => {
                // Both state slots are damaged: the log still holds everything; derive again.
                tracing::warn!(dir = %dir.describe(), "the log store's state file is damaged; re-deriving its indexes from the log");
                State::default()
            }
        };
        if state.log_end > log_len {
            return Err(corrupt(format!(
                "{}: the log holds {log_len} bytes, fewer than the {} its state says were synced",
                dir.describe(),
                state.log_end
            )));
        }
        let need_offsets = state.size * OFFSET_LEN;
        let need_hashes = stored_hash_count(state.size) * 32;
        let mut state = state;
        let runs = match (
            files.offsets.len().map_err(be)? >= need_offsets,
            files.hashes.len().map_err(be)? >= need_hashes,
            load_runs(dir, state.size),
        ) {
            (true, true, Ok(runs)) => runs,
            (_, _, r) => {
                if let Err(e) = r {
                    tracing::warn!(error = %e, "the log store's id index is damaged; re-deriving it from the log");
                }
                let generation = state.generation;
                state = State {
                    generation,
                    ..State::default()
                };
                Vec::new()
            }
        };
        let opened = Opened {
            head: RwLock::new(Head {
                size: state.size,
                log_end: state.log_end,
                checkpoint: (!state.checkpoint.is_empty())
                    .then(|| Arc::from(state.checkpoint.as_str())),
            }),
            ids: RwLock::new(Ids {
                runs,
                ..Ids::default()
            }),
            synced: Mutex::new(state),
            files,
        };
        opened.replay(log_len)?;
        Ok(opened)
    }

    /// Re-derives the files beside the log from the frames after the last sync, and cuts off
    /// a torn frame at the end.
    fn replay(&self, log_len: u64) -> Result<(), StoreError> {
        let mut head = self.head.write().unwrap_or_else(|p| p.into_inner());
        let mut ids = self.ids.write().unwrap_or_else(|p| p.into_inner());
        let f = &self.files;
        let mut off = head.log_end;
        while let Some(frame) = read_frame(&*f.log, off, log_len)? {
            if frame.first != head.size {
                return Err(corrupt(format!(
                    "a log frame at byte {off} starts at entry {}, after {} entries",
                    frame.first, head.size
                )));
            }
            let leaves: Vec<Hash> = frame.entries.iter().map(|e| e.1).collect();
            let hashes = place_hashes(head.size, &leaves, &frame.nodes).map_err(corrupt)?;
            f.hashes
                .write_all_at(&hashes, stored_hash_count(head.size) * 32)
                .map_err(be)?;
            let mut offs = Vec::with_capacity(frame.entries.len() * OFFSET_LEN as usize);
            for (i, (id, _, at, n)) in frame.entries.iter().enumerate() {
                offs.extend_from_slice(&at.to_be_bytes());
                offs.extend_from_slice(&n.to_be_bytes());
                let seq = head.size + i as u64;
                let fp = fingerprint(id);
                ids.tail.insert(fp, seq);
                ids.order.push((fp, seq));
            }
            f.offsets
                .write_all_at(&offs, head.size * OFFSET_LEN)
                .map_err(be)?;
            head.size += frame.entries.len() as u64;
            head.checkpoint = Some(Arc::from(frame.checkpoint.as_str()));
            off += frame.len;
        }
        head.log_end = off;
        if off < log_len {
            // Appends are synced one at a time, so only the last frame can be torn by a crash:
            // it was never acknowledged. A damaged frame with whole frames after it is not a
            // torn write but damage to acknowledged entries: refuse rather than cut them off.
            if let Some(at) = later_frame(&*f.log, off, log_len, head.size)? {
                return Err(corrupt(format!(
                    "the log frame at byte {off} (entry {}) is damaged, and a whole frame follows at byte {at}: the log was changed or its disk is failing",
                    head.size
                )));
            }
            tracing::warn!(
                at = off,
                entries = head.size,
                "cutting off a log frame torn by a crash (never acknowledged)"
            );
            f.log.set_len(off).map_err(be)?;
            f.log.sync_data().map_err(be)?;
        }
        f.offsets.set_len(head.size * OFFSET_LEN).map_err(be)?;
        f.hashes
            .set_len(stored_hash_count(head.size) * 32)
            .map_err(be)?;
        Ok(())
    }

    /// Makes the derived files durable up to the current size, writes the tail of the id
    /// index as a run, records it in the state file, and merges runs. Appends go on meanwhile.
    fn sync(&self, dir: &dyn Dir) -> Result<(), StoreError> {
        let head = self.head.read().unwrap_or_else(|p| p.into_inner()).clone();
        let mut synced = lock(&self.synced);
        if head.size == synced.size {
            return Ok(());
        }
        let from = synced.size;
        let mut records: Vec<(u128, u64)> = {
            let ids = self.ids.read().unwrap_or_else(|p| p.into_inner());
            ids.order
                .iter()
                .copied()
                .filter(|(_, s)| *s >= from && *s < head.size)
                .collect()
        };
        records.sort_unstable();
        let run = Arc::new(Run::write(dir, from, head.size, &records)?);
        dir.sync().map_err(be)?;
        self.files.offsets.sync_data().map_err(be)?;
        self.files.hashes.sync_data().map_err(be)?;
        let next = State {
            generation: synced.generation + 1,
            size: head.size,
            log_end: head.log_end,
            checkpoint: head.checkpoint.as_deref().unwrap_or("").to_string(),
        };
        write_state(&*self.files.state, &next)?;
        *synced = next;
        {
            let mut ids = self.ids.write().unwrap_or_else(|p| p.into_inner());
            ids.runs.push(run);
            let order = std::mem::take(&mut ids.order);
            let (gone, kept): (Vec<_>, Vec<_>) =
                order.into_iter().partition(|(_, s)| *s < head.size);
            for (fp, _) in gone {
                ids.tail.remove(&fp);
            }
            ids.order = kept;
        }
        drop(synced);
        self.merge(dir)
    }

    /// Merges the newest runs while the one before is not much larger (so a ledger of n
    /// entries keeps about log2(n / 65,536) runs).
    fn merge(&self, dir: &dyn Dir) -> Result<(), StoreError> {
        loop {
            let (a, b) = {
                let ids = self.ids.read().unwrap_or_else(|p| p.into_inner());
                let n = ids.runs.len();
                if n < 2 {
                    return Ok(());
                }
                let (a, b) = (&ids.runs[n - 2], &ids.runs[n - 1]);
                if a.n > 2 * b.n.max(1) && n <= 24 {
                    return Ok(());
                }
                (Arc::clone(a), Arc::clone(b))
            };
            let (ra, rb) = (a.records()?, b.records()?);
            let mut merged = Vec::with_capacity(ra.len() + rb.len());
            let (mut i, mut j) = (0, 0);
            while i < ra.len() || j < rb.len() {
                if j >= rb.len() || (i < ra.len() && ra[i] <= rb[j]) {
                    merged.push(ra[i]);
                    i += 1;
                } else {
                    merged.push(rb[j]);
                    j += 1;
                }
            }
            let run = Arc::new(Run::write(dir, a.start, b.end, &merged)?);
            dir.sync().map_err(be)?;
            {
                let mut ids = self.ids.write().unwrap_or_else(|p| p.into_inner());
                let n = ids.runs.len();
                ids.runs.truncate(n - 2);
                ids.runs.push(run);
            }
            let _ = dir.remove(&a.name);
            let _ = dir.remove(&b.name);
        }
    }
}

/// The runs that cover entries `0..size`, fewest first; other run files are removed.
fn load_runs(dir: &dyn Dir, size: u64) -> Result<Vec<Arc<Run>>, StoreError> {
    let mut found: Vec<(u64, u64, String)> = dir
        .list()
        .map_err(be)?
        .into_iter()
        .filter_map(|n| parse_run_name(&n).map(|(a, b)| (a, b, n)))
        .collect();
    // From each start, the longest run that stays within `size`.
    found.sort_by(|x, y| x.0.cmp(&y.0).then(y.1.cmp(&x.1)));
    let mut chosen = Vec::new();
    let mut at = 0u64;
    while at < size {
        let next = found
            .iter()
            .filter(|r| r.0 == at && r.1 <= size && r.1 > at)
            .max_by_key(|r| r.1)
            .ok_or_else(|| corrupt(format!("no id run starts at entry {at}")))?;
        chosen.push(Arc::new(Run::open(dir, &next.2)?));
        at = next.1;
    }
    for (_, _, n) in &found {
        if !chosen.iter().any(|r| &r.name == n) {
            let _ = dir.remove(n);
        }
    }
    Ok(chosen)
}

impl LogStore {
    /// Opens (or creates) the store in directory `path`. One process at a time: the directory
    /// is locked (`flock` on its `lock` file) while the store is open.
    pub fn open(path: &Path) -> Result<LogStore, StoreError> {
        std::fs::create_dir_all(path)
            .map_err(|e| be(format!("cannot create {}: {e}", path.display())))?;
        let lock = lock_dir(path)?;
        let mut store =
            LogStore::open_in(Arc::new(OsDir(path.to_path_buf())), SyncPolicy::default())?;
        store.lock = Some(lock);
        Ok(store)
    }

    /// Opens the store in any `Dir` (the simulated power cut's, in tests).
    pub fn open_in(dir: Arc<dyn Dir>, policy: SyncPolicy) -> Result<LogStore, StoreError> {
        let opened = Arc::new(Opened::load(&*dir)?);
        let store = LogStore {
            dir,
            policy,
            open: Arc::new(RwLock::new(Some(opened))),
            write: Mutex::new(()),
            maintenance: Arc::new(Mutex::new(())),
            wake: Arc::new((Mutex::new(Wake::default()), Condvar::new())),
            thread: Mutex::new(None),
            lock: None,
        };
        store.start_sync_thread()?;
        Ok(store)
    }

    fn start_sync_thread(&self) -> Result<(), StoreError> {
        let wake = Arc::clone(&self.wake);
        let dir = Arc::clone(&self.dir);
        let maintenance = Arc::clone(&self.maintenance);
        // The thread follows whatever is open now (`recover` replaces it), and ends with the
        // store.
        let slot = Arc::downgrade(&self.open);
        let policy = self.policy;
        let t = std::thread::Builder::new()
            .name("kordon-log-sync".into())
            .spawn(move || loop {
                let (m, cv) = &*wake;
                let mut w = lock(m);
                loop {
                    if w.stop {
                        return;
                    }
                    let due = w.unsynced >= policy.entries
                        || w.since.is_some_and(|t| t.elapsed() >= policy.every);
                    if due {
                        break;
                    }
                    let wait = w
                        .since
                        .map(|t| policy.every.saturating_sub(t.elapsed()))
                        .unwrap_or(policy.every);
                    w = cv
                        .wait_timeout(w, wait.max(Duration::from_millis(1)))
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
                w.unsynced = 0;
                w.since = None;
                drop(w);
                let Some(slot) = slot.upgrade() else {
                    return;
                };
                let open = slot.read().unwrap_or_else(|p| p.into_inner()).clone();
                drop(slot);
                let Some(open) = open else {
                    continue;
                };
                let _g = lock(&maintenance);
                if let Err(e) = open.sync(&*dir) {
                    tracing::error!(error = %e, "the log store's background sync failed; it is retried");
                    let mut w = lock(m);
                    w.since.get_or_insert_with(std::time::Instant::now);
                }
            })
            .map_err(|e| be(format!("cannot start the log store's sync thread: {e}")))?;
        *lock(&self.thread) = Some(t);
        Ok(())
    }

    fn current(&self) -> Result<Arc<Opened>, StoreError> {
        self.open
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .ok_or_else(|| {
                be(format!(
                    "{} is closed after a storage error and not reopened yet",
                    self.dir.describe()
                ))
            })
    }

    fn fail(&self, e: StoreError) -> StoreError {
        self.open.write().unwrap_or_else(|p| p.into_inner()).take();
        e
    }

    /// Makes everything written so far durable in the files beside the log (as the
    /// background sync does), so the next open reads no log.
    pub fn sync(&self) -> Result<(), StoreError> {
        let open = self.current()?;
        let _g = lock(&self.maintenance);
        open.sync(&*self.dir)
    }

    /// The sequence number of the entry whose event id has fingerprint `fp` (see
    /// `fingerprint`), among every entry appended so far.
    pub fn seq_of_fingerprint(&self, fp: u128) -> Result<Option<u64>, StoreError> {
        let open = self.current()?;
        let ids = open.ids.read().unwrap_or_else(|p| p.into_inner());
        ids.get(fp)
    }

    /// How many id runs the index has now (for tests and benchmarks).
    pub fn id_runs(&self) -> usize {
        self.current()
            .map(|o| o.ids.read().unwrap_or_else(|p| p.into_inner()).runs.len())
            .unwrap_or(0)
    }

    fn append_to(&self, open: &Opened, batch: Batch<'_>) -> Result<(), StoreError> {
        let head = open.head.read().unwrap_or_else(|p| p.into_inner()).clone();
        if head.size != batch.expected_size {
            return Err(StoreError::Conflict {
                expected: batch.expected_size,
                actual: head.size,
            });
        }
        let fps: Vec<u128> = batch
            .entries
            .iter()
            .map(|e| fingerprint(&e.event_id))
            .collect();
        {
            let ids = open.ids.read().unwrap_or_else(|p| p.into_inner());
            let mut fresh = HashSet::with_capacity(fps.len());
            for (e, fp) in batch.entries.iter().zip(&fps) {
                if !fresh.insert(*fp) || ids.get(*fp)?.is_some() {
                    return Err(StoreError::DuplicateEvent(e.event_id.clone()));
                }
            }
        }
        let leaves: Vec<Hash> = batch.entries.iter().map(|e| e.leaf).collect();
        let hashes = place_hashes(head.size, &leaves, batch.nodes).map_err(be)?;
        // The frame.
        let mut payload = Vec::with_capacity(
            batch
                .entries
                .iter()
                .map(|e| 38 + e.event_id.len() + e.bytes.len())
                .sum::<usize>()
                + batch.nodes.len() * 41
                + batch.checkpoint.len(),
        );
        let mut offs = Vec::with_capacity(batch.entries.len() * OFFSET_LEN as usize);
        for e in batch.entries {
            let id = e.event_id.as_bytes();
            if id.len() > u16::MAX as usize || e.bytes.len() > u32::MAX as usize {
                return Err(be("an entry or its event id is too long for the log"));
            }
            payload.extend_from_slice(&(e.bytes.len() as u32).to_be_bytes());
            payload.extend_from_slice(&(id.len() as u16).to_be_bytes());
            payload.extend_from_slice(id);
            payload.extend_from_slice(&e.leaf.0);
            let at = head.log_end + (HEADER + payload.len()) as u64;
            offs.extend_from_slice(&at.to_be_bytes());
            offs.extend_from_slice(&(e.bytes.len() as u32).to_be_bytes());
            payload.extend_from_slice(&e.bytes);
        }
        for (id, h) in batch.nodes {
            payload.push(id.level);
            payload.extend_from_slice(&id.index.to_be_bytes());
            payload.extend_from_slice(&h.0);
        }
        payload.extend_from_slice(batch.checkpoint.as_bytes());
        let mut frame = Vec::with_capacity(HEADER + payload.len() + DIGEST);
        frame.extend_from_slice(FRAME_MAGIC);
        frame.extend_from_slice(&[1, 0, 0, 0]);
        frame.extend_from_slice(&head.size.to_be_bytes());
        frame.extend_from_slice(&(batch.entries.len() as u32).to_be_bytes());
        frame.extend_from_slice(&(batch.nodes.len() as u32).to_be_bytes());
        frame.extend_from_slice(&(batch.checkpoint.len() as u32).to_be_bytes());
        frame.extend_from_slice(&(payload.len() as u64).to_be_bytes());
        frame.extend_from_slice(&[0u8; 4]);
        frame.extend_from_slice(&payload);
        let digest = Hash::sha256(&frame);
        frame.extend_from_slice(&digest.0);
        let f = &open.files;
        f.log.write_all_at(&frame, head.log_end).map_err(be)?;
        f.log.sync_data().map_err(be)?;
        // Durable from here: the files beside the log follow it, synced in the background.
        f.offsets
            .write_all_at(&offs, head.size * OFFSET_LEN)
            .map_err(be)?;
        f.hashes
            .write_all_at(&hashes, stored_hash_count(head.size) * 32)
            .map_err(be)?;
        let n = batch.entries.len() as u64;
        {
            let mut ids = open.ids.write().unwrap_or_else(|p| p.into_inner());
            for (i, fp) in fps.into_iter().enumerate() {
                ids.tail.insert(fp, head.size + i as u64);
                ids.order.push((fp, head.size + i as u64));
            }
        }
        *open.head.write().unwrap_or_else(|p| p.into_inner()) = Head {
            size: head.size + n,
            log_end: head.log_end + frame.len() as u64,
            checkpoint: Some(Arc::from(batch.checkpoint)),
        };
        let (m, cv) = &*self.wake;
        let mut w = lock(m);
        w.unsynced += n;
        w.since.get_or_insert_with(std::time::Instant::now);
        if w.unsynced >= self.policy.entries {
            cv.notify_all();
        }
        Ok(())
    }
}

impl Drop for LogStore {
    /// A clean stop syncs what the background sync has not, so the next open reads no log.
    fn drop(&mut self) {
        {
            let (m, cv) = &*self.wake;
            lock(m).stop = true;
            cv.notify_all();
        }
        if let Some(t) = lock(&self.thread).take() {
            let _ = t.join();
        }
        if let Ok(open) = self.current() {
            let _g = lock(&self.maintenance);
            if let Err(e) = open.sync(&*self.dir) {
                tracing::warn!(error = %e, "the log store could not sync on close; the next open re-reads the log");
            }
        }
    }
}

impl Store for LogStore {
    fn append(&self, batch: Batch<'_>) -> Result<(), StoreError> {
        let open = self.current()?;
        let _w = lock(&self.write);
        self.append_to(&open, batch).map_err(|e| match e {
            StoreError::Conflict { .. } | StoreError::DuplicateEvent(_) => e,
            other => self.fail(other),
        })
    }

    fn has_fingerprint_index(&self) -> bool {
        true
    }

    fn seq_of_fingerprint(&self, fp: u128) -> Result<Option<u64>, StoreError> {
        LogStore::seq_of_fingerprint(self, fp)
    }

    fn snapshot(&self) -> Result<Box<dyn Snapshot + '_>, StoreError> {
        let open = self.current()?;
        let head = open.head.read().unwrap_or_else(|p| p.into_inner()).clone();
        Ok(Box::new(LogSnapshot { open, head }))
    }

    /// Reopens the files and re-derives what the log holds beyond the last sync; a frame torn
    /// by the failure is dropped, a frame that landed in spite of an error is kept.
    fn recover(&self) -> Result<(), StoreError> {
        let _w = lock(&self.write);
        let _g = lock(&self.maintenance);
        let mut slot = self.open.write().unwrap_or_else(|p| p.into_inner());
        slot.take();
        let opened = Arc::new(Opened::load(&*self.dir)?);
        *slot = Some(opened);
        Ok(())
    }
}

struct LogSnapshot {
    open: Arc<Opened>,
    head: Head,
}

impl LogSnapshot {
    fn hash_at(&self, pos: u64) -> Result<Hash, StoreError> {
        let mut b = [0u8; 32];
        self.open
            .files
            .hashes
            .read_exact_at(&mut b, pos * 32)
            .map_err(be)?;
        Ok(Hash(b))
    }
}

impl Snapshot for LogSnapshot {
    fn size(&self) -> u64 {
        self.head.size
    }

    /// Reads the entries with one read of their offsets and one of their bytes, and checks
    /// each against its leaf hash: a changed byte is named, never served.
    fn entries(&self, start: u64, end: u64) -> Result<Vec<Vec<u8>>, StoreError> {
        if end > self.head.size || start > end {
            return Err(StoreError::Missing(end.saturating_sub(1).max(start)));
        }
        if start == end {
            return Ok(Vec::new());
        }
        let f = &self.open.files;
        let n = (end - start) as usize;
        let mut offs = vec![0u8; n * OFFSET_LEN as usize];
        f.offsets
            .read_exact_at(&mut offs, start * OFFSET_LEN)
            .map_err(be)?;
        let at = |i: usize| {
            (
                u64_at(&offs, i * OFFSET_LEN as usize),
                u32_at(&offs, i * OFFSET_LEN as usize + 8) as u64,
            )
        };
        let (first, _) = at(0);
        let (last, last_len) = at(n - 1);
        let span_end = last
            .checked_add(last_len)
            .filter(|e| *e >= first && *e <= self.head.log_end)
            .ok_or_else(|| corrupt(format!("the offsets of entries {start}..{end} are damaged")))?;
        let mut bytes = vec![0u8; (span_end - first) as usize];
        f.log.read_exact_at(&mut bytes, first).map_err(be)?;
        let lo = stored_hash_index(0, start);
        let hi = stored_hash_index(0, end - 1);
        let mut hashes = vec![0u8; ((hi - lo + 1) * 32) as usize];
        f.hashes.read_exact_at(&mut hashes, lo * 32).map_err(be)?;
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let (o, len) = at(i);
            let seq = start + i as u64;
            let range = o
                .checked_sub(first)
                .map(|r| r as usize)
                .filter(|r| r + len as usize <= bytes.len())
                .ok_or_else(|| corrupt(format!("the offset of entry {seq} is damaged")))?;
            let b = &bytes[range..range + len as usize];
            let p = ((stored_hash_index(0, seq) - lo) * 32) as usize;
            if crate::core::hash::leaf_hash(b).0[..] != hashes[p..p + 32] {
                return Err(corrupt(format!(
                    "entry {seq} does not match its stored leaf hash: the log was changed or damaged"
                )));
            }
            out.push(b.to_vec());
        }
        Ok(out)
    }

    fn node(&self, id: NodeId) -> Result<Hash, StoreError> {
        if !node_within(id, self.head.size) {
            return Err(StoreError::MissingNode(id));
        }
        self.hash_at(stored_hash_index(id.level, id.index))
    }

    fn seq_of_event(&self, id: &str) -> Result<Option<u64>, StoreError> {
        let ids = self.open.ids.read().unwrap_or_else(|p| p.into_inner());
        Ok(ids.get(fingerprint(id))?.filter(|s| *s < self.head.size))
    }

    fn checkpoint(&self) -> Result<Option<String>, StoreError> {
        Ok(self.head.checkpoint.as_deref().map(str::to_string))
    }
}

/// `log:DIR`: the segment-log store, a directory (created if missing).
pub const BACKEND: Backend = Backend {
    scheme: "log",
    also: &[],
    rest: "DIR",
    is_path: true,
    about: "the segment-log store: a directory, one synced append per commit (created if missing)",
    open: |rest, address| {
        if rest.is_empty() {
            return Err(StoreError::Address {
                address: shown(address),
                why: "give the log store's directory after log:".into(),
            });
        }
        Ok(Arc::new(LogStore::open(Path::new(rest))?))
    },
};
