//! The export bundle: one file holding the ledger's verifier key, its latest signed checkpoint
//! and every entry it covers, streamed (SPEC.md, "Export bundle").
//!
//! ```text
//! "kordon-export/v1\n"
//! verifier key (C2SP vkey text) "\n"
//! decimal byte length of the checkpoint note "\n"
//! checkpoint note (C2SP signed note)
//! then, for each entry in order: u16 big-endian length ‖ entry bytes
//! ```

use crate::core::entry::MAX_ENTRY_LEN;
use crate::store::{Store, StoreError};
use std::io::{self, BufRead, BufReader, Read, Write};

pub const MAGIC: &str = "kordon-export/v1";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("not a kordon export: {0}")]
    Format(String),
    /// The entry stream breaks inside an entry (SPEC.md, "Export bundle": `export.format`).
    #[error("the export is cut short inside an entry: {0}")]
    CutShort(String),
    #[error("the ledger is empty; nothing to export")]
    Empty,
}

/// The bundle's header: magic, verifier key, the checkpoint's length and the checkpoint.
pub fn header(vkey: &str, checkpoint: &str) -> Vec<u8> {
    let mut out = format!("{MAGIC}\n{vkey}\n{}\n", checkpoint.len()).into_bytes();
    out.extend_from_slice(checkpoint.as_bytes());
    out
}

/// One entry as the bundle frames it: u16 big-endian length ‖ entry bytes.
pub fn frame(entry: &[u8], out: &mut Vec<u8>) -> Result<(), ExportError> {
    let len = u16::try_from(entry.len())
        .map_err(|_| ExportError::Format(format!("entry of {} bytes", entry.len())))?;
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(entry);
    Ok(())
}

/// Writes an export of the store as it is now; returns the number of entries written.
pub fn write(store: &dyn Store, vkey: &str, out: &mut dyn Write) -> Result<u64, ExportError> {
    let snap = store.snapshot()?;
    let checkpoint = snap.checkpoint()?.ok_or(ExportError::Empty)?;
    write_entries(&*snap, vkey, &checkpoint, out)
}

/// Writes an export carrying `checkpoint` (a signed note of the ledger, for example with
/// witness cosignatures) and the entries it covers; returns the number of entries written.
pub fn write_at(
    store: &dyn Store,
    vkey: &str,
    checkpoint: &str,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let snap = store.snapshot()?;
    write_entries(&*snap, vkey, checkpoint, out)
}

fn write_entries(
    snap: &dyn crate::store::Snapshot,
    vkey: &str,
    checkpoint: &str,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let signed = crate::core::checkpoint::parse_unverified(checkpoint.as_bytes())
        .map_err(|e| ExportError::Format(format!("the checkpoint: {e}")))?;
    let size = signed.size;
    if size > snap.size() {
        return Err(ExportError::Format(format!(
            "the checkpoint covers {size} entries; the store holds {}",
            snap.size()
        )));
    }
    out.write_all(&header(vkey, checkpoint))?;
    // Every entry written is bound to the checkpoint in the header (integrity::Binder): an
    // export of a damaged store fails, naming the entry, instead of carrying it.
    let mut binder = crate::integrity::Binder::new(snap, 0)?;
    let mut start = 0;
    let mut buf = Vec::new();
    while start < size {
        let end = (start + 4096).min(size);
        buf.clear();
        for e in snap.entries(start, end)? {
            binder.push(&e);
            frame(&e, &mut buf)?;
        }
        out.write_all(&buf)?;
        start = end;
    }
    binder.finish(snap, &signed.root)?;
    out.flush()?;
    Ok(size)
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// The header of an export, and a reader positioned at its first entry.
pub struct ExportReader<R: Read> {
    pub vkey: String,
    pub checkpoint: Vec<u8>,
    inner: BufReader<R>,
    read: u64,
    /// Set once the stream broke inside an entry: every later read reports the same break,
    /// so a reader that judges the entries before it first still hears of it.
    broken: Option<String>,
}

impl<R: Read> ExportReader<R> {
    pub fn open(r: R) -> Result<ExportReader<R>, ExportError> {
        let mut inner = BufReader::with_capacity(1 << 20, r);
        let mut line = |what: &str| -> Result<String, ExportError> {
            let mut buf = Vec::new();
            (&mut inner).take(4096).read_until(b'\n', &mut buf)?;
            if buf.last() != Some(&b'\n') {
                return Err(ExportError::Format(format!("missing {what} line")));
            }
            buf.pop();
            String::from_utf8(buf)
                .map_err(|_| ExportError::Format(format!("{what} line is not UTF-8")))
        };
        let magic = line("header")?;
        if magic != MAGIC {
            return Err(ExportError::Format(format!(
                "first line is {magic:?}, expected {MAGIC:?}"
            )));
        }
        let vkey = line("verifier key")?;
        let len_line = line("checkpoint length")?;
        // Plain decimal digits only: no sign, no leading zeros.
        let plain = !len_line.is_empty()
            && len_line.bytes().all(|c| c.is_ascii_digit())
            && (len_line == "0" || !len_line.starts_with('0'));
        let len: usize = len_line.parse().ok().filter(|_| plain).ok_or_else(|| {
            ExportError::Format("checkpoint length is not a plain decimal number".into())
        })?;
        if len > 1 << 20 {
            return Err(ExportError::Format(format!(
                "checkpoint of {len} bytes is too large"
            )));
        }
        let mut checkpoint = vec![0u8; len];
        inner
            .read_exact(&mut checkpoint)
            .map_err(|_| ExportError::Format("the checkpoint is cut short".into()))?;
        Ok(ExportReader {
            vkey,
            checkpoint,
            inner,
            read: 0,
            broken: None,
        })
    }

    /// The next entry, `None` at the end of the file. An entry cut short (a lone length byte,
    /// or fewer bytes than its length says) is an error, and stays one: the stream ends there.
    pub fn next_entry(&mut self) -> Result<Option<Vec<u8>>, ExportError> {
        if let Some(why) = &self.broken {
            return Err(ExportError::CutShort(why.clone()));
        }
        let mut len = [0u8; 2];
        if read_full(&mut self.inner, &mut len[..1])? == 0 {
            return Ok(None);
        }
        if read_full(&mut self.inner, &mut len[1..])? < 1 {
            return Err(
                self.cut("the file ends after the first byte of its two-byte length".into())
            );
        }
        let n = u16::from_be_bytes(len) as usize;
        debug_assert!(n <= MAX_ENTRY_LEN);
        let mut e = vec![0u8; n];
        let got = read_full(&mut self.inner, &mut e)?;
        if got < n {
            return Err(self.cut(format!(
                "its length says {n} bytes, but the file ends after {got} of them"
            )));
        }
        self.read += 1;
        Ok(Some(e))
    }

    fn cut(&mut self, why: String) -> ExportError {
        self.broken = Some(why.clone());
        ExportError::CutShort(why)
    }
}
