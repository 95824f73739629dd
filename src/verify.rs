//! The offline verifier on all cores: the core's verify loop (`kordon_core::verify`) with its
//! independent stages (parsing, signature batches) on rayon's pool and batch blinding from the
//! operating system, over the entry sources kordon reads (an export, a store snapshot).
//!
//! `stage::Rayon` is the runner the appender uses too, so both judge entries by the same code
//! on the same cores.

use crate::core::stage::{Unwatched, Watch};
pub use crate::core::verify::{check_witnesses, EntrySource, Failure, Options, Report, CHUNK};
use crate::stage::Rayon;

/// Verifies a ledger given its verifier key, its signed checkpoint and its entries.
pub fn verify(
    vkey: &str,
    checkpoint_note: &[u8],
    source: &mut dyn EntrySource,
    opts: &Options<'_>,
) -> Report {
    verify_watched(vkey, checkpoint_note, source, opts, &Unwatched)
}

/// `verify`, telling `watch` where each of the loop's stages begins and ends (for timing them).
pub fn verify_watched(
    vkey: &str,
    checkpoint_note: &[u8],
    source: &mut dyn EntrySource,
    opts: &Options<'_>,
    watch: &dyn Watch,
) -> Report {
    crate::core::verify::verify(vkey, checkpoint_note, source, opts, &Rayon, watch)
}

/// Verifies a ledger as `verify` does, and first requires its checkpoint to meet a witness
/// policy (`kordon_core::verify::verify_witnessed`).
pub fn verify_witnessed(
    vkey: &str,
    checkpoint_note: &[u8],
    source: &mut dyn EntrySource,
    opts: &Options<'_>,
    policy: &crate::core::cosignature::Policy,
) -> Report {
    crate::core::verify::verify_witnessed(vkey, checkpoint_note, source, opts, policy, &Rayon)
}

/// Verifies a whole export against its own verifier key and checkpoint, with nothing
/// trusted beside it (what `kordon import` and `kordon backup` check before writing).
pub fn verify_export<R: std::io::Read>(reader: crate::export::ExportReader<R>) -> Report {
    let vkey = reader.vkey.clone();
    let cp = reader.checkpoint.clone();
    verify(
        &vkey,
        &cp,
        &mut ExportSource(reader),
        &Options {
            trusted: None,
            progress: &|_| {},
        },
    )
}

/// Reads entries from an export.
pub struct ExportSource<R: std::io::Read>(pub crate::export::ExportReader<R>);

impl<R: std::io::Read> EntrySource for ExportSource<R> {
    fn next_chunk(&mut self, max: usize) -> Result<Vec<Vec<u8>>, String> {
        let mut out = Vec::with_capacity(max);
        while out.len() < max {
            match self.0.next_entry() {
                Ok(Some(e)) => out.push(e),
                Ok(None) => break,
                // The reader keeps reporting the break, so the next call returns it.
                Err(_) if !out.is_empty() => break,
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(out)
    }
}

/// Reads entries from a store snapshot.
pub struct SnapshotSource<'a> {
    pub snapshot: &'a dyn crate::store::Snapshot,
    pub next: u64,
}

impl EntrySource for SnapshotSource<'_> {
    fn next_chunk(&mut self, max: usize) -> Result<Vec<Vec<u8>>, String> {
        let end = (self.next + max as u64).min(self.snapshot.size());
        let out = self
            .snapshot
            .entries(self.next, end)
            .map_err(|e| e.to_string())?;
        self.next = end;
        Ok(out)
    }
}
