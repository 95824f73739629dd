//! `cargo run -p gen-vectors` writes kordon's golden vectors into events/vectors;
//! `cargo run -p gen-vectors -- --check` regenerates them in memory and fails if any committed
//! file differs. An optional directory argument replaces events/vectors.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut check = false;
    let mut dir: Option<PathBuf> = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("usage: gen-vectors [--check] [DIR]\n\nWrites (or with --check, compares) the golden vectors in DIR (default: events/vectors).");
                return ExitCode::SUCCESS;
            }
            other if other.starts_with('-') => {
                eprintln!(
                    "gen-vectors: unknown option {other}; usage: gen-vectors [--check] [DIR]"
                );
                return ExitCode::from(2);
            }
            other => dir = Some(PathBuf::from(other)),
        }
    }
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
