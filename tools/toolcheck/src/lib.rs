//! What every kordon tool's tests check the same way.

use std::path::Path;
use std::process::Command;

/// `exe --dir D --help` prints the usage of `name` with its `--dir` option, succeeds, and
/// starts no run: `D` is not created.
pub fn help_starts_no_run(exe: &str, name: &str) {
    let dir = std::env::temp_dir().join(format!("{name}-help-{}", std::process::id()));
    let out = Command::new(exe)
        .arg("--dir")
        .arg(&dir)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("{exe}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains(&format!("Usage: {name}")) && text.contains("--dir"),
        "{text}"
    );
    assert!(
        !Path::new(&dir).exists(),
        "--help created {}",
        dir.display()
    );
}
