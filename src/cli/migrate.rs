//! `kordon import`: a verified export written into an empty store, the way a ledger moves
//! between stores (redb → PostgreSQL and back) with byte-identical exports.

use super::{EXIT_INTEGRITY, EXIT_OK};
use crate::datadir::{self, KEY_FILE, STORE_FILE, STORE_URL_FILE};
use crate::export::ExportReader;
use crate::store::redb::RedbStore;
use crate::store::Store;
use crate::verify;
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export to import (from `kordon export` or `GET /export`).
    export: PathBuf,
    /// The store to write into: an address such as postgres://USER@HOST/DB or redb:PATH, or a
    /// path (see --help for every kind).
    #[arg(
        long,
        env = "KORDON_STORE",
        value_name = "ADDRESS",
        hide_env_values = true,
        long_help = super::store_help(IMPORT_STORE)
    )]
    store: Option<String>,
}

const IMPORT_STORE: &str = "The store to write into: empty, or holding the export's first \
     entries (an import that stopped continues). The data directory then remembers it in \
     store.url. Without it: the data directory's own store (the one its store.url names, or \
     ledger.redb, created if missing).";

pub fn import(data: &Path, a: ImportArgs) -> Result<u8> {
    let open = || -> Result<ExportReader<std::fs::File>> {
        let f = std::fs::File::open(&a.export)
            .with_context(|| format!("opening {}", a.export.display()))?;
        ExportReader::open(f).with_context(|| a.export.display().to_string())
    };
    let key_path = data.join(KEY_FILE);
    if !key_path.exists() {
        bail!(
            "{} has no {KEY_FILE}: copy there the {KEY_FILE} of the ledger you exported \
             (the key that signs its checkpoints; new checkpoints need it)",
            data.display()
        );
    }
    // 1. Verify the whole export, as `kordon verify` does, before anything is written.
    let report = verify::verify_export(open()?);
    if !report.valid {
        let f = report.failure.as_ref();
        eprintln!(
            "INVALID: {}",
            f.map_or("the export does not verify", |f| f.message.as_str())
        );
        if let Some(seq) = f.and_then(|f| f.seq) {
            eprintln!("entry: {seq}");
        }
        eprintln!("nothing was imported");
        return Ok(EXIT_INTEGRITY);
    }
    let origin = report
        .origin
        .clone()
        .ok_or_else(|| anyhow!("the export names no origin"))?;
    let signer = datadir::ledger_signer(data, &origin)?;

    // 2. The target: the store given, or the directory's own (created if it has none).
    let (store, remember): (Arc<dyn Store>, bool) = match &a.store {
        Some(url) => {
            if datadir::store_url(data)?.is_some_and(|u| u != datadir::remembered(url)) {
                bail!(
                    "{} already names another store in {STORE_URL_FILE}; import into a new directory",
                    data.display()
                );
            }
            if data.join(STORE_FILE).exists() {
                bail!(
                    "{} holds {STORE_FILE}; import into a new directory",
                    data.display()
                );
            }
            (crate::store::open(url)?, true)
        }
        None => match datadir::store_url(data)? {
            Some(url) => (crate::store::open(&url)?, false),
            None => (Arc::new(RedbStore::open(&data.join(STORE_FILE))?), false),
        },
    };
    let mut reader = open()?;
    let done = crate::migrate::import(&mut reader, &*store, &signer)?;
    if remember && datadir::store_url(data)?.is_none() {
        let url = a.store.as_deref().unwrap_or_default();
        let url = datadir::remembered(url);
        datadir::write_private(&data.join(STORE_URL_FILE), &format!("{url}\n"))?;
    }
    if done.resumed_from > 0 {
        println!(
            "the store already held the first {} entries; continued from there",
            done.resumed_from
        );
    }
    println!(
        "imported {} entries of {origin} into {}; `kordon export` now writes the same file",
        done.size,
        a.store.as_deref().map_or_else(
            || data.join(STORE_FILE).display().to_string(),
            |_| "the store given with --store".to_string()
        )
    );
    Ok(EXIT_OK)
}
