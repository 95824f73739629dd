//! `--help` teaches the options and starts no run (it writes nothing, not even --dir).

#[test]
fn help_prints_the_options_and_starts_no_run() {
    toolcheck::help_starts_no_run(env!("CARGO_BIN_EXE_kordon-viewbench"), "kordon-viewbench");
}
