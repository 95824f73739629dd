//! The command line: argument definitions and dispatch. Each area has its own file; every
//! command reports errors once, with context, and exits with a documented code.
//!
//! Exit codes: 0 success (for `verify`: the ledger is valid); 1 integrity failure (`verify`
//! found a fault); 2 usage or input error (bad arguments, unreadable files, an event the
//! ledger refused).

mod backup;
mod inspect;
mod migrate;
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
    /// For `kordon demo` and `kordon serve --demo`, the demo's folder (default kordon-demo;
    /// only the flag counts there, never KORDON_DATA).
    #[arg(
        long,
        global = true,
        env = "KORDON_DATA",
        default_value = "kordon-data"
    )]
    pub data: PathBuf,

    /// A file whose first line is the passphrase of an encrypted private key (PKCS#8, e.g.
    /// `openssl genpkey -algorithm ed25519 -aes-256-cbc`), for keys given with --key and for
    /// ledger.key. Without it, KORDON_PASSPHRASE is used, else the terminal asks.
    #[arg(
        long,
        global = true,
        env = "KORDON_PASSPHRASE_FILE",
        value_name = "FILE"
    )]
    pub passphrase_file: Option<PathBuf>,

    /// Whether --data was given on the command line (not by KORDON_DATA or the default).
    #[arg(skip)]
    pub data_given: bool,

    #[command(subcommand)]
    pub command: Command,
}

const INIT_STORE: &str = "Keep the ledger in this store instead of the data directory's \
     ledger.redb. The store must be empty (on PostgreSQL an empty database: kordon creates its \
     tables). The data directory keeps the checkpoint key (ledger.key) and remembers the address \
     in store.url, so later commands find the ledger without --store. log:DIR (for example \
     log:DATA/ledger.log, inside the data directory) keeps it in the segment-log store: one \
     synced append per commit, for a ledger that grows large on one machine.";

/// The long help of a `--store` flag: what it does for the command (`intro`), then every
/// address form the store registry (`store::BACKENDS`) knows.
pub(crate) fn store_help(intro: &str) -> String {
    let mut h = format!("{intro}\n\nAddresses:");
    for b in crate::store::BACKENDS {
        h.push_str(&format!("\n  {}:{}\n      {}", b.scheme, b.rest, b.about));
    }
    h.push_str(&format!(
        "\n  PATH\n      a plain path is a {} file (write ./NAME for a name with a colon)\n\n\
         Example: postgres://kordon@db1,db2,db3/kordon?target_session_attrs=read-write\n\
         A URL's password is never shown in messages; prefer a ~/.pgpass file or the \
         KORDON_STORE variable to a password on the command line.",
        crate::store::DEFAULT_SCHEME
    ));
    h
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Build (or reuse) the example ledger, signed with demo keys, verify it and show what to
    /// try next.
    ///
    /// The demo lives in ./kordon-demo, or in the folder --data names: then query it with the
    /// same --data (`kordon --data kordon-demo query overdue`), serve it with `kordon serve
    /// --demo`.
    Demo {
        /// The former name of --data here; --data is the one name for the demo's folder.
        #[arg(long, hide = true, value_name = "DIR")]
        dir: Option<PathBuf>,
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
    /// Write a verified export into an empty ledger (ledger.redb here, or the store given with
    /// --store): how a ledger moves between stores, redb to PostgreSQL and back. The data
    /// directory needs the ledger's ledger.key; afterwards `kordon export` writes the same bytes.
    ///
    /// Example: cp old/ledger.key new/ && kordon import ledger.export --data new
    ///   --store postgres://kordon@db1,db2,db3/kordon?target_session_attrs=read-write
    Import(migrate::ImportArgs),
    /// Back up a running server: stream its export (one signed checkpoint, with the witness
    /// cosignatures held, and exactly the entries it covers, while writes go on), verify it,
    /// and only then write it under its name.
    ///
    /// Restore with `kordon import`: put the ledger's ledger.key (kept apart from the backups)
    /// in an empty folder, import the backup there, and serve it.
    ///
    /// Example: kordon backup --server http://127.0.0.1:8080 --out ledger-2026-12-02.export;
    ///   cp /safe/ledger.key new/ && kordon import ledger-2026-12-02.export --data new &&
    ///   kordon --data new serve
    Backup(backup::BackupArgs),
    /// Serve the website and the HTTP API: the oversight dashboard for a browser at
    /// http://127.0.0.1:8080/ (commitments, bodies, changes, the briefing, integrity checked in
    /// the browser), and for programs signed submissions answered with receipts, entries,
    /// proofs, checkpoints, C2SP tlog-tiles, a live feed and /openapi.json.
    ///
    /// Example: kordon serve --demo   (the demo ledger; open http://127.0.0.1:8080/)
    Serve(serve::ServeArgs),
    /// Check a receipt from a server offline, or fetch its upgrade (a witnessed checkpoint).
    #[command(subcommand)]
    Receipt(receipt::ReceiptCommand),
    /// Print a shell completion script, generated from these same definitions.
    ///
    /// Examples: kordon completions bash > /etc/bash_completion.d/kordon;
    ///   kordon completions zsh > "${fpath[1]}/_kordon"; kordon completions fish >
    ///   ~/.config/fish/completions/kordon.fish
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one page per command into a folder.
    ///
    /// Examples: kordon man > kordon.1 && man ./kordon.1;
    ///   kordon man --dir /usr/local/share/man/man1   (kordon.1, kordon-serve.1, …)
    Man {
        /// Write kordon.1 and a page per command (kordon-serve.1, kordon-receipt-verify.1, …)
        /// into this folder instead of printing kordon.1.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
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
    /// Keep the ledger in this store instead of ledger.redb: an address such as
    /// postgres://USER@HOST/DB or redb:PATH, or a path (see --help for every kind).
    #[arg(
        long,
        env = "KORDON_STORE",
        value_name = "ADDRESS",
        hide_env_values = true,
        long_help = store_help(INIT_STORE)
    )]
    pub store: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Generate a new Ed25519 private key and write it as PKCS#8 PEM (mode 0600), the layout
    /// `openssl genpkey -algorithm ed25519` writes, so OpenSSL, Node, Python and Web Crypto
    /// read it too.
    ///
    /// Example: kordon key new --out sbgs.pem --encrypt
    New {
        /// Where to write the private key; refuses to overwrite.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Encrypt the key under a passphrase (PBES2: PBKDF2-SHA256, AES-256-CBC), asked on the
        /// terminal twice, or read from --passphrase-file or KORDON_PASSPHRASE.
        #[arg(long)]
        encrypt: bool,
    },
    /// Print a private key's key id and public key.
    ///
    /// Reads PKCS#8 PEM keys from kordon or `openssl genpkey -algorithm ed25519`, plain or
    /// encrypted (asking for the passphrase).
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
    let cli = parse();
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
            if let Some(h) = hint(&e) {
                eprintln!("hint: {h}");
            }
            ExitCode::from(EXIT_INPUT)
        }
    }
}

/// A server's base URL as `--server` takes it: `http://host:port`, or `host:port`, to which
/// `http://` is added (what `kordon serve` prints is `127.0.0.1:8080`).
pub fn server_url(s: &str) -> Result<String, String> {
    let s = s.trim().trim_end_matches('/');
    if s.is_empty() {
        return Err("give the server as http://HOST:PORT, e.g. http://127.0.0.1:8080".into());
    }
    let url = match s.split_once("://") {
        None => format!("http://{s}"),
        Some(("http", _)) => s.to_string(),
        Some(("https", _)) => {
            return Err(format!(
                "{s}: kordon's client speaks plain HTTP; give the server's own http:// address (on its host, or through a tunnel), not its TLS proxy's"
            ))
        }
        Some((scheme, _)) => {
            return Err(format!(
                "{s}: {scheme}:// is not HTTP; give the server as http://HOST:PORT, e.g. http://127.0.0.1:8080"
            ))
        }
    };
    let authority = &url["http://".len()..];
    let host_port = authority.split('/').next().unwrap_or_default();
    if host_port.is_empty() || host_port.contains(char::is_whitespace) || host_port.contains('@') {
        return Err(format!(
            "{s}: not a server address; give it as http://HOST:PORT, e.g. http://127.0.0.1:8080"
        ));
    }
    Ok(url)
}

/// Parses the command line, noting whether --data came from it.
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let matches = Cli::command().get_matches();
    let given = |m: &clap::ArgMatches| {
        m.value_source("data") == Some(clap::parser::ValueSource::CommandLine)
    };
    let data_given = given(&matches) || matches.subcommand().is_some_and(|(_, m)| given(m));
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    cli.data_given = data_given;
    // `requires` refuses --bom without --format; the mark only means something in CSV.
    if let Command::Query(a) = &cli.command {
        if a.bom && a.format != query::Format::Csv {
            Cli::command()
                .error(
                    clap::error::ErrorKind::ArgumentConflict,
                    "--bom needs --format csv: the byte-order mark is for spreadsheets reading \
                     a CSV file (kordon query VIEW --format csv --bom)",
                )
                .exit();
        }
    }
    // The demo builds and serves its own ledger: a --store on the command line contradicts it,
    // while an exported KORDON_STORE (meant for the real ledger) is left aside, as KORDON_DATA is.
    if let Command::Serve(a) = &mut cli.command {
        if a.demo && a.store.is_some() {
            let from_flag = matches.subcommand_matches("serve").is_some_and(|m| {
                m.value_source("store") == Some(clap::parser::ValueSource::CommandLine)
            });
            if from_flag {
                Cli::command()
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        "--store cannot be used with --demo: the demo keeps its own ledger in \
                         its folder (--data DIR); serve another store without --demo",
                    )
                    .exit();
            }
            a.store = None;
        }
    }
    cli
}

/// The demo's folder: --data when given on the command line, else ./kordon-demo.
fn demo_dir(cli_data: &std::path::Path, data_given: bool, old: Option<PathBuf>) -> PathBuf {
    old.unwrap_or_else(|| {
        if data_given {
            cli_data.to_path_buf()
        } else {
            PathBuf::from(crate::demo::DEFAULT_DIR)
        }
    })
}

/// Points at the demo when the data directory holds no ledger but ./kordon-demo does: what a
/// new user has after `kordon demo`.
fn hint(e: &anyhow::Error) -> Option<String> {
    let missing = e.chain().find_map(|c| match c.downcast_ref() {
        Some(crate::datadir::DataDirError::NoLedger(p)) => Some(p.clone()),
        _ => None,
    })?;
    let demo = std::path::Path::new(crate::demo::DEFAULT_DIR);
    if missing != demo && demo.join(crate::datadir::STORE_FILE).exists() {
        Some(format!(
            "the demo ledger is in {0}: add --data {0} (kordon --data {0} query overdue), or export KORDON_DATA={0}",
            demo.display()
        ))
    } else {
        None
    }
}

pub fn run(cli: Cli) -> anyhow::Result<u8> {
    crate::keyfile::configure(crate::keyfile::Passphrase {
        file: cli.passphrase_file.clone(),
    });
    let data = cli.data;
    let given = cli.data_given;
    match cli.command {
        Command::Demo { dir } => crate::demo::run(&demo_dir(&data, given, dir)),
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
        Command::Import(a) => migrate::import(&data, a),
        Command::Backup(a) => backup::backup(a),
        Command::Serve(a) => {
            let demo = demo_dir(&data, given, a.demo_dir.clone());
            serve::serve(if a.demo { &demo } else { &data }, a)
        }
        Command::Receipt(c) => receipt::receipt(c),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "kordon", &mut std::io::stdout());
            Ok(EXIT_OK)
        }
        Command::Man { dir } => {
            use clap::CommandFactory;
            let cmd = Cli::command();
            match dir {
                Some(dir) => {
                    std::fs::create_dir_all(&dir)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
                    clap_mangen::generate_to(cmd, &dir)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
                    println!("wrote the manual pages into {}", dir.display());
                }
                None => clap_mangen::Man::new(cmd)
                    .render(&mut std::io::stdout())
                    .map_err(|e| anyhow::anyhow!("writing the manual page: {e}"))?,
            }
            Ok(EXIT_OK)
        }
        Command::Witness(c) => witness::witness(c),
        Command::Monitor(a) => monitor::monitor(a),
    }
}
