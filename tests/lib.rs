//! Helpers shared by hallq's end-to-end tests: they run the real `hallq` binary as a separate
//! process, the way a hall runs it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The `hallq` binary of this build, built first if needed.
///
/// Cargo builds another package's binary only when asked, so the first call runs
/// `cargo build -p hallq` with the profile these tests were built with; later calls reuse it.
pub fn hallq_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("the test knows its own path");
        // target/<profile>/deps/<test> → target/<profile>
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("test runs from target/");
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut build = Command::new(cargo);
        build.args(["build", "--quiet", "-p", "hallq", "--bin", "hallq"]);
        if release {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building hallq failed");
        profile_dir.join("hallq")
    })
}
