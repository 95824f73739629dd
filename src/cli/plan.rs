//! `kordon plan import FILE`: an action plan from a spreadsheet (CSV or XLSX, the Cabinet's
//! layout), the same reading as the workspace's import (`crate::plan::parse`, or the server's
//! `POST /plans/parse` with `--server`). Every row and problem is printed; with any error, or
//! any row the ledger would refuse (checked first, writing nothing), nothing is written. Then
//! every row is signed as `commitment.assigned` and recorded as one batch.

use super::record::SignArgs;
use super::{EXIT_INPUT, EXIT_OK};
use crate::author::{new_event_id, Author};
use crate::core::event::{Body, CommitmentFields};
use crate::core::types::BodyId;
use crate::datadir;
use crate::ledger::{system_clock, Draft, Submission};
use crate::plan::{self, Plan, Severity};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Import an action plan: read the table, show every row and problem, check every row
    /// against the ledger without writing, then sign and record them all as one batch.
    ///
    /// The table's header row names its columns (Ukrainian or English): number (№), task,
    /// measure (захід), indicator, unit, baseline, target, executors (the first is the lead),
    /// funding, source, deadline (2026-12-31, 31.12.2026, "IV квартал 2026" or a year),
    /// objective. Example:
    ///
    ///   kordon plan import plan-2026.xlsx --prefix AP-2026/ --act "Розпорядження КМУ № 1409-р"
    ///   --as cmu --key cmu.pem
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The plan: a CSV (UTF-8 or Windows-1251, `,` or `;`) or XLSX file (its first sheet).
    pub file: PathBuf,
    /// Put before each row's number to make its commitment id ("AP-2026/" and "2.1" make
    /// "AP-2026/2.1").
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// The act every row cites.
    #[arg(long)]
    pub act: Option<String>,
    /// The currency of the funding column.
    #[arg(long, default_value = "UAH")]
    pub currency: String,
    /// Read and check only: print the rows, their problems and the ledger's verdicts, and
    /// write nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub sign: SignArgs,
}

pub fn plan(data: &std::path::Path, c: PlanCommand) -> Result<u8> {
    match c {
        PlanCommand::Import(a) => import(data, a),
    }
}

fn print_plan(p: &Plan) {
    for pr in &p.problems {
        println!("file: {}: {}", severity(pr.severity), pr.text_en);
    }
    for r in &p.rows {
        match &r.body {
            Some(b) => println!(
                "line {}: {} \"{}\", lead {}, deadline {}",
                r.line,
                b.id,
                b.title_uk,
                b.lead.as_ref().map(|l| l.as_str()).unwrap_or("-"),
                b.deadline
            ),
            None => println!("line {}: not importable", r.line),
        }
        for pr in &r.problems {
            println!(
                "  {}{}: {}",
                severity(pr.severity),
                pr.column
                    .map(|c| format!(" ({})", c.name()))
                    .unwrap_or_default(),
                pr.text_en
            );
        }
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn import(data: &std::path::Path, a: ImportArgs) -> Result<u8> {
    let bytes = std::fs::read(&a.file).with_context(|| format!("reading {}", a.file.display()))?;
    let key = datadir::read_key(&a.sign.key)?;
    let author = Author::new(
        BodyId::parse(&a.sign.author).map_err(|e| anyhow!("--as: {e}"))?,
        key,
    );
    let opts = plan::Options {
        id_prefix: a.prefix.clone(),
        act: a.act.clone(),
        currency: Some(a.currency.clone()),
    };
    if let Some(url) = &a.sign.server {
        return import_remote(url, &a, &bytes, &author);
    }
    let ledger = datadir::open(data, system_clock())?;
    let snap = ledger.store().snapshot()?;
    let h = crate::projector::rebuild(&*snap, snap.size())
        .map_err(|e| anyhow!("reading the ledger: {e}"))?;
    let origin = h.origin.clone();
    let parsed = plan::parse(&bytes, &h, &opts);
    print_plan(&parsed);
    let bodies = importable(&parsed)?;
    let subs = sign_all(&author, &origin, &bodies)?;
    let drafts: Vec<Draft> = subs
        .iter()
        .map(|s| Draft {
            event: s.event.clone(),
            signature: Some(s.signature),
        })
        .collect();
    let run = ledger.dry_run(&drafts);
    let refused: Vec<String> = run
        .results
        .iter()
        .zip(&bodies)
        .filter_map(|(r, b)| r.as_ref().err().map(|f| format!("{}: {f}", b.id)))
        .collect();
    if !refused.is_empty() {
        for r in &refused {
            eprintln!("kordon: the ledger would refuse {r}");
        }
        eprintln!("kordon: nothing was written");
        return Ok(EXIT_INPUT);
    }
    if a.dry_run {
        println!(
            "{} rows would be recorded; nothing was written (--dry-run)",
            subs.len()
        );
        return Ok(EXIT_OK);
    }
    let results = ledger.submit_many(subs);
    let mut failed = 0;
    for (r, b) in results.iter().zip(&bodies) {
        match r {
            Ok(rec) => println!("recorded entry {}: commitment.assigned {}", rec.seq, b.id),
            Err(e) => {
                failed += 1;
                eprintln!("kordon: {}: {e}", b.id);
            }
        }
    }
    Ok(if failed == 0 { EXIT_OK } else { EXIT_INPUT })
}

/// The rows' bodies, or an error if the plan has any error (nothing is signed then).
fn importable(p: &Plan) -> Result<Vec<CommitmentFields>> {
    let errors = p.errors();
    if errors > 0 {
        bail!("the plan has {errors} error(s); fix them in the file and import again\nnothing was written");
    }
    if p.rows.is_empty() {
        bail!("the plan has no rows\nnothing was written");
    }
    Ok(p.rows.iter().filter_map(|r| r.body.clone()).collect())
}

fn sign_all(author: &Author, origin: &str, bodies: &[CommitmentFields]) -> Result<Vec<Submission>> {
    let at = system_clock()();
    bodies
        .iter()
        .map(|b| {
            author
                .sign_with_id(
                    origin,
                    new_event_id(),
                    at,
                    &Body::CommitmentAssigned(b.clone()),
                )
                .map_err(|e| anyhow!("{}: {e}", b.id))
        })
        .collect()
}

fn import_remote(url: &str, a: &ImportArgs, bytes: &[u8], author: &Author) -> Result<u8> {
    use crate::server::client::Client;
    let client = Client::new(url, a.sign.read_token.clone());
    let dir = super::receipt::receipts_dir(&a.sign.receipts, &a.sign.key);
    // The origin signed comes from the pinned ledger, never from what a server says.
    let pinned = super::receipt::pin_ledger(&client, url, a.sign.ledger_key.as_deref(), &dir)?;
    let origin = pinned.origin.clone();
    let q = crate::server::dashboard::html::url(
        "/plans/parse",
        &[
            ("prefix", a.prefix.as_str()),
            ("act", a.act.as_deref().unwrap_or("")),
            ("currency", a.currency.as_str()),
        ],
    );
    let answer = client.post(&q, "application/octet-stream", bytes.to_vec())?;
    let parsed: serde_json::Value = serde_json::from_str(&answer)?;
    // The server's reading, with the same types as a local one.
    let plan: PlanView = serde_json::from_value(parsed)?;
    for pr in &plan.problems {
        println!("file: {}: {}", pr.severity, pr.text_en);
    }
    for r in &plan.rows {
        println!(
            "line {}: {}",
            r.line,
            r.body
                .as_ref()
                .map(|b| b.id.as_str())
                .unwrap_or("not importable")
        );
        for pr in &r.problems {
            println!("  {}: {}", pr.severity, pr.text_en);
        }
    }
    if plan.errors > 0 {
        bail!(
            "the plan has {} error(s); fix them in the file and import again\nnothing was written",
            plan.errors
        );
    }
    let bodies: Vec<CommitmentFields> = plan.rows.into_iter().filter_map(|r| r.body).collect();
    let subs = sign_all(author, &origin, &bodies)?;
    let check = serde_json::json!({
        "events": subs.iter().map(|s| serde_json::json!({
            "event": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &s.event),
            "signature": base64::Engine::encode(&base64::engine::general_purpose::STANDARD, s.signature),
        })).collect::<Vec<_>>()
    });
    let verdicts: serde_json::Value = serde_json::from_str(&client.post(
        "/entries/check?lang=en",
        "application/json",
        check.to_string().into_bytes(),
    )?)?;
    let refused: Vec<String> = verdicts["results"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(&bodies)
        .filter(|(v, _)| v["ok"] != true)
        .map(|(v, b)| {
            format!(
                "{} ({}): {}",
                b.id,
                v["code"].as_str().unwrap_or(""),
                v["explanation"].as_str().unwrap_or("")
            )
        })
        .collect();
    if !refused.is_empty() {
        for r in &refused {
            eprintln!("kordon: the ledger would refuse {r}");
        }
        eprintln!("kordon: nothing was written");
        return Ok(EXIT_INPUT);
    }
    if a.dry_run {
        println!(
            "{} rows would be recorded; nothing was written (--dry-run)",
            subs.len()
        );
        return Ok(EXIT_OK);
    }
    let mut failed = 0;
    for (s, b) in subs.iter().zip(&bodies) {
        // One at a time, each receipt checked and kept, as every --server command does.
        if super::receipt::submit_remote(
            &client,
            s,
            &pinned,
            &dir,
            "commitment.assigned",
            author.body.as_str(),
        )
        .map_err(|e| eprintln!("kordon: {}: {e:#}", b.id))
        .is_err()
        {
            failed += 1;
        }
    }
    Ok(if failed == 0 { EXIT_OK } else { EXIT_INPUT })
}

#[derive(serde::Deserialize)]
struct ProblemView {
    severity: String,
    text_en: String,
}

#[derive(serde::Deserialize)]
struct RowView {
    line: usize,
    body: Option<CommitmentFields>,
    problems: Vec<ProblemView>,
}

#[derive(serde::Deserialize)]
struct PlanView {
    problems: Vec<ProblemView>,
    rows: Vec<RowView>,
    errors: usize,
}
