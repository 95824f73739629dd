//! Witnesses: `kordon witness` (a C2SP tlog-witness server, `server.rs`, over a directory kept
//! by `dir.rs`) and the ledger's side, which asks witnesses for cosignatures after commits and
//! keeps what they answer (`cosigning.rs`).
//!
//! The judgement (what a witness answers, fork evidence, cosignature bytes) is pure and lives in
//! `kordon_core::witness` and `kordon_core::cosignature`; this module adds the files, the clock,
//! randomness and HTTP.

pub mod cosigning;
pub mod dir;
pub mod server;

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one, whole:
/// a temporary file beside it, fsynced, renamed over it, then the directory fsynced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    sync_dir(dir)
}

/// Replaces `path` by `bytes` through a temporary file and a rename, without fsync: readers
/// never see a half-written file, but a power cut may lose the latest write. For caches whose
/// content can be had again (the ledger's copy of cosignatures, which the witnesses keep).
pub fn write_replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path)
}

/// Fsyncs a directory, so that a file created or renamed in it survives a crash.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Seconds since the Unix epoch (POSIX time), from the system clock.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
