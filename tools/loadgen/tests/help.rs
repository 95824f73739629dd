//! `--help` teaches the options and starts no run (it writes nothing, not even --dir).

#[test]
fn help_prints_the_options_and_starts_no_run() {
    let dir = std::env::temp_dir().join(format!("kordon-loadgen-help-{}", std::process::id()));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kordon-loadgen"))
        .args([
            std::ffi::OsStr::new("--dir"),
            dir.as_os_str(),
            "--help".as_ref(),
        ])
        .output()
        .expect("the binary runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Usage: kordon-loadgen") && text.contains("--dir"),
        "{text}"
    );
    assert!(!dir.exists(), "--help created {}", dir.display());
}
