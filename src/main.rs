//! The `kordon` command: parses arguments and hands over to `kordon::cli`.

use std::process::ExitCode;

fn main() -> ExitCode {
    kordon::cli::main()
}
