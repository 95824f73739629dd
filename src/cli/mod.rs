//! The command line: argument definitions and dispatch. Each area has its own file; every
//! command reports errors once, with context, and exits with a documented code.
//!
//! Exit codes: 0 success (for `verify`: the ledger is valid); 1 integrity failure (`verify`
//! found a fault); 2 usage or input error (bad arguments, unreadable files, an event the
//! ledger refused).

mod inspect;
mod monitor;
mod plan;
mod query;
mod receipt;
mod record;
mod serve;
mod witness;

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

pub const EXIT_OK: u8 = 0;
pub const EXIT_INTEGRITY: u8 = 1;
pub const EXIT_INPUT: u8 = 2;

/// A signed, hash-chained accountability ledger for integrated border management.
///
/// Bodies record commitments, handovers and reports as events signed with their own Ed25519
/// keys; the ledger chains them, builds an RFC 9162 Merkle tree and signs checkpoints; anyone
/// holding an export verifies all of it offline with `kordon verify`.
///
/// Exit codes: 0 success or valid, 1 integrity failure, 2 usage or input error.
#[derive(Debug, Parser)]
#[command(name = "kordon", version, max_term_width = 100)]
pub struct Cli {
    /// The data directory holding the ledger (ledger.redb) and its checkpoint key (ledger.key).
    #[arg(
        long,
        global = true,
        env = "KORDON_DATA",
        default_value = "kordon-data"
    )]
    pub data: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build (or reuse) the example ledger, signed with demo keys, verify it and show what to
    /// try next.
    Demo {
        /// Where the demo ledger lives.
        #[arg(long, default_value = "kordon-demo")]
        dir: PathBuf,
        /// The store a newly built demo ledger is kept in (an existing one is opened as it is).
        #[arg(long, value_enum, default_value_t)]
        store: crate::datadir::StoreKind,
    },
    /// Create a ledger: a new checkpoint key and the genesis entry signed by the founding
    /// registrar.
    ///
    /// Example: kordon key new --out registry.pem &&
    ///   kordon init --origin kordon.example/ibm --registrar registry --key registry.pem
    Init(InitArgs),
    /// Make or inspect a body's signing key (Ed25519, PKCS#8 PEM).
    #[command(subcommand)]
    Key(KeyCommand),
    /// Register, update or succeed bodies (signed by a registrar).
    #[command(subcommand)]
    Body(record::BodyCommand),
    /// Define a strategic objective (signed by a coordinator).
    #[command(subcommand)]
    Objective(record::ObjectiveCommand),
    /// Assign, make, accept, reject, cancel, supersede or reassign commitments.
    #[command(subcommand)]
    Commitment(record::CommitmentCommand),
    /// Propose, accept, decline or withdraw a handover of responsibility.
    #[command(subcommand)]
    Handover(record::HandoverCommand),
    /// Report the status of a commitment (signed by its lead).
    #[command(subcommand)]
    Status(record::StatusCommand),
    /// Record a measured indicator value (lead or co-executor).
    #[command(subcommand)]
    Indicator(record::IndicatorCommand),
    /// Request (lead) or change (coordinator) a deadline.
    #[command(subcommand)]
    Deadline(record::DeadlineCommand),
    /// Record an overseer's or coordinator's assessment of a claim.
    Assess(record::AssessArgs),
    /// Add a note to the record (any registered body).
    #[command(subcommand)]
    Note(record::NoteCommand),
    /// Raise (overseer) or answer (the addressee) an inquiry.
    #[command(subcommand)]
    Inquiry(record::InquiryCommand),
    /// Sign and record any event type with a JSON body (see events/SPEC.md for each body).
    ///
    /// Example: kordon record --type coexecutor.added
    ///   --body '{"commitment":"AP-2026/2.1","body":"police"}' --as cmu --key cmu.pem
    Record(record::RecordArgs),
    /// Ask the oversight views: responsibility, card, overdue, scorecard, objectives, changes,
    /// briefing, quality; now or --as-of a past date or entry count.
    ///
    /// Examples: kordon query responsibility AP-2026/2.1 --as-of 2026-05-01;
    ///   kordon query overdue --body sbgs; kordon query changes --since 2026-07-15;
    ///   kordon query briefing --week 2026-W37 --format csv
    Query(query::QueryArgs),
    /// List entries.
    Log(inspect::LogArgs),
    /// Print the latest signed checkpoint (C2SP signed note) and the ledger's verifier key.
    Checkpoint,
    /// Print Merkle inclusion or consistency proofs.
    #[command(subcommand)]
    Proof(inspect::ProofCommand),
    /// Write a single-file export: verifier key, latest checkpoint and every entry.
    Export(inspect::ExportArgs),
    /// Verify an export (or the data directory) offline: every link, signature, key, rule and
    /// the checkpoint.
    ///
    /// Exit code 0: valid. 1: an integrity failure, reported with the entry's sequence number
    /// and the reason. 2: the input could not be read.
    Verify(inspect::VerifyArgs),
    /// Serve the HTTP API: signed submissions answered with receipts, entries, proofs,
    /// checkpoints, C2SP tlog-tiles, a live feed and /openapi.json.
    ///
    /// Example: kordon serve --demo   (the demo ledger on http://127.0.0.1:8080/)
    Serve(serve::ServeArgs),
    /// Check a receipt from a server offline, or fetch its upgrade (a witnessed checkpoint).
    #[command(subcommand)]
    Receipt(receipt::ReceiptCommand),
    /// Action plans from spreadsheets (CSV, XLSX) as commitments, in one batch.
    #[command(subcommand)]
    Plan(plan::PlanCommand),
    /// Run a witness: cosign the checkpoints of ledgers (any C2SP log) after checking that
    /// each extends the last, and keep evidence of any fork it is shown.
    ///
    /// Example: kordon witness init --name committee.example/witness &&
    ///   kordon witness add-log "$LEDGER_VKEY" && kordon witness serve
    #[command(subcommand)]
    Witness(witness::WitnessCommand),
    /// Watch a ledger for a body: report every entry signed with its keys that none of its
    /// receipts holds (a stolen or misused key), every key added to or revoked from it, and
    /// any inconsistency between the checkpoints the ledger showed (with evidence).
    ///
    /// Reads only the ledger's tlog-tiles API and checks that every new checkpoint extends the
    /// tree it verified before. Exit code 0: nothing alarming; 1: an entry the body did not
    /// make, or an inconsistency; 2: the ledger could not be read.
    ///
    /// Example (from cron): kordon monitor --server http://ledger:8080 --body sbgs
    ///   --key "$LEDGER_VKEY" --receipts receipts/
    Monitor(monitor::MonitorArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The ledger's origin: its name in checkpoints and the name of its verifier key.
    #[arg(long)]
    pub origin: String,
    /// Id of the founding registrar body.
    #[arg(long, default_value = "registry")]
    pub registrar: String,
    /// The registrar's name in Ukrainian.
    #[arg(long, default_value = "Реєстратор леджера")]
    pub name_uk: String,
    /// The registrar's name in English.
    #[arg(long, default_value = "Ledger registrar")]
    pub name_en: String,
    /// The registrar's kind (free text, e.g. secretariat).
    #[arg(long, default_value = "registrar")]
    pub kind: String,
    /// The registrar's private key (PKCS#8 PEM), e.g. from `kordon key new`.
    #[arg(long, env = "KORDON_KEY")]
    pub key: PathBuf,
    /// IANA time zone in which calendar dates (deadlines) are read: a name of tzdata 2026f,
    /// case-sensitive, such as Europe/Kyiv or UTC (events/vectors/time-zones.txt lists them).
    #[arg(long, default_value = "Europe/Kyiv")]
    pub time_zone: String,
    /// How long after its claimed time an event may still be recorded, in seconds.
    #[arg(long, default_value_t = 7 * 24 * 3600)]
    pub max_age_seconds: u64,
    /// How far ahead of the recording time an event may claim to be, in seconds.
    #[arg(long, default_value_t = 300)]
    pub max_future_seconds: u64,
    /// The store the ledger is kept in: `log`, the segment-log store (`ledger.log/`, opens in
    /// under a second at ten million entries), or `redb`, the single file (`ledger.redb`) of
    /// earlier releases. Every command opens either; the choice is fixed at init.
    #[arg(long, value_enum, default_value_t)]
    pub store: crate::datadir::StoreKind,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a new Ed25519 private key and write it as PKCS#8 PEM (mode 0600).
    New {
        /// Where to write the private key; refuses to overwrite.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print a private key's key id and public key.
    Show {
        /// The private key file (PKCS#8 PEM).
        file: PathBuf,
        /// Print only the public key (base64), for scripts.
        #[arg(long)]
        public: bool,
    },
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Like other Unix tools, the commands that print stop quietly when the reader of their
    // output goes away (`kordon log | head`), instead of failing on a broken pipe. `serve`
    // keeps the signal ignored: a client that closes its connection while the server writes
    // to it must cost an EPIPE on that socket, never the process.
    #[cfg(unix)]
    if !matches!(cli.command, Command::Serve(_)) {
        // SAFETY: setting a signal's disposition to its default before any thread starts
        // (argument parsing starts none).
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("kordon: {e:#}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let data = cli.data;
    match cli.command {
        Command::Demo { dir, store } => crate::demo::run(&dir, store),
        Command::Init(a) => record::init(&data, a),
        Command::Key(k) => record::key(k),
        Command::Body(c) => record::body(&data, c),
        Command::Objective(c) => record::objective(&data, c),
        Command::Commitment(c) => record::commitment(&data, c),
        Command::Handover(c) => record::handover(&data, c),
        Command::Status(c) => record::status(&data, c),
        Command::Indicator(c) => record::indicator(&data, c),
        Command::Deadline(c) => record::deadline(&data, c),
        Command::Assess(a) => record::assess(&data, a),
        Command::Note(c) => record::note(&data, c),
        Command::Inquiry(c) => record::inquiry(&data, c),
        Command::Record(a) => record::generic(&data, a),
        Command::Plan(c) => plan::plan(&data, c),
        Command::Query(a) => query::query(&data, a),
        Command::Log(a) => inspect::log(&data, a),
        Command::Checkpoint => inspect::checkpoint(&data),
        Command::Proof(p) => inspect::proof(&data, p),
        Command::Export(a) => inspect::export(&data, a),
        Command::Verify(a) => inspect::verify(&data, a),
        Command::Serve(a) => serve::serve(&data, a),
        Command::Receipt(c) => receipt::receipt(c),
        Command::Witness(c) => witness::witness(c),
        Command::Monitor(a) => monitor::monitor(a),
    }
}
