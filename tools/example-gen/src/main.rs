//! `example-gen`: builds kordon's example ledger from its scenario file, or a synthetic ledger
//! of any size for benchmarks. A thin command line over `kordon::scenario` and
//! `kordon::synthetic`.
//!
//! ```text
//! example-gen scenario events/examples/ibm-2026.toml --out events/examples/ibm-2026.export
//! example-gen scenario events/examples/ibm-2026.toml --check events/examples/ibm-2026.export
//! example-gen synthetic --entries 1000000 --commitments 20000 --out big.export
//! example-gen synthetic --entries 1000000 --commitments 20000 --data big-ledger
//! ```

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use kordon::synthetic::{self, Params};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Builds kordon example ledgers, deterministically (same input, same bytes). Every key is a
/// demo key derived from a public label: for examples and benchmarks only.
#[derive(Parser)]
#[command(name = "example-gen", max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the ledger a scenario file describes and write its export (or check one).
    Scenario {
        /// The scenario file (TOML), e.g. events/examples/ibm-2026.toml.
        file: PathBuf,
        /// Write the export here.
        #[arg(long, required_unless_present_any = ["check", "data"])]
        out: Option<PathBuf>,
        /// Check that this committed export is exactly what the scenario builds (exit 1 if not).
        #[arg(long)]
        check: Option<PathBuf>,
        /// Also (or instead) build a data directory holding the ledger and the demo keys.
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Build a synthetic ledger of any size with a realistic mix of event types.
    Synthetic {
        #[command(flatten)]
        size: synthetic::SizeArgs,
        /// Entries per store commit, at most 8192 (default: 1024 with --out, whose in-memory
        /// store checks duplicates in O(batch²); 8192 with --data). The bytes depend on it.
        #[arg(long)]
        batch: Option<usize>,
        /// Write an export here (the ledger is built in memory).
        #[arg(long, required_unless_present = "data", conflicts_with = "data")]
        out: Option<PathBuf>,
        /// Build a data directory on the embedded store instead (ledger.redb + ledger.key).
        #[arg(long)]
        data: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("example-gen: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Scenario {
            file,
            out,
            check,
            data,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let name = file.display().to_string();
            let built = kordon::scenario::build(&name, &text)?;
            let export = built.export()?;
            println!(
                "{name}: {} entries of {}, verifier key (demo) {}",
                built.entries, built.origin, built.verifier_key
            );
            if let Some(out) = out {
                std::fs::write(&out, &export).with_context(|| out.display().to_string())?;
                println!("wrote {} ({} bytes)", out.display(), export.len());
            }
            if let Some(dir) = data {
                built.install(&dir)?;
                println!("built the data directory {}", dir.display());
            }
            if let Some(check) = check {
                let committed =
                    std::fs::read(&check).with_context(|| check.display().to_string())?;
                if committed != export {
                    eprintln!(
                        "{} is not what {name} builds; regenerate it with: example-gen scenario {name} --out {}",
                        check.display(),
                        check.display()
                    );
                    return Ok(1);
                }
                println!("{} matches {name}, byte for byte", check.display());
            }
            Ok(0)
        }
        Command::Synthetic {
            size,
            batch,
            out,
            data,
        } => {
            let params = Params {
                batch,
                ..size.params()
            };
            let started = Instant::now();
            let summary = match (out, data) {
                (Some(out), None) => {
                    let file = std::fs::File::create(&out)
                        .with_context(|| format!("creating {}", out.display()))?;
                    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
                    let s = synthetic::generate_export(&params, &mut w)?;
                    println!("wrote {}", out.display());
                    s
                }
                (None, Some(dir)) => {
                    let s = synthetic::generate_data_dir(&params, &dir)?;
                    println!("built the data directory {}", dir.display());
                    s
                }
                _ => bail!("give --out EXPORT or --data DIR"),
            };
            println!(
                "{} entries ({} commitments, {} bytes of entries) in {:.1} s; verifier key (demo) {}",
                summary.entries,
                summary.commitments,
                summary.entry_bytes,
                started.elapsed().as_secs_f64(),
                summary.verifier_key
            );
            Ok(0)
        }
    }
}
