//! `cargo run -p gen-vectors` writes kordon's golden vectors into events/vectors;
//! `cargo run -p gen-vectors -- --check` regenerates them in memory and fails if any committed
//! file differs. An optional directory argument replaces events/vectors.

use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

/// Writes kordon's golden vectors (the deterministic fixture ledger, its export, proofs and
/// must-fail cases), or with --check compares them with the committed files.
#[derive(Parser)]
#[command(name = "gen-vectors", max_term_width = 100)]
struct Args {
    /// Regenerate in memory and fail (exit 1) if any committed file differs; write nothing.
    #[arg(long)]
    check: bool,
    /// The vectors' directory [default: events/vectors of this repository].
    dir: Option<PathBuf>,
}

fn main() -> ExitCode {
    let Args { check, dir } = Args::parse();
    let dir = dir.unwrap_or_else(gen_vectors::default_dir);
    if check {
        match gen_vectors::check(&dir) {
            Ok(v) => {
                println!(
                    "{}: up to date ({} entries, {} must-fail cases)",
                    dir.display(),
                    v.entries,
                    v.cases
                );
                ExitCode::SUCCESS
            }
            Err(problems) => {
                for p in &problems {
                    eprintln!("gen-vectors: {p}");
                }
                eprintln!(
                    "gen-vectors: regenerate with `cargo run -p gen-vectors` and commit the result"
                );
                ExitCode::FAILURE
            }
        }
    } else {
        match gen_vectors::write(&dir) {
            Ok(v) => {
                println!(
                    "wrote {} ({} entries, {} must-fail cases)",
                    dir.display(),
                    v.entries,
                    v.cases
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("gen-vectors: {e}");
                ExitCode::FAILURE
            }
        }
    }
}
