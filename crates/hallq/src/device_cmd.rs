//! `hallq device …`: work on device firmware profiles (firmware-profiles/README.md).
//!
//! `hallq device check FILE…` resolves and validates each profile (a folder: every profile
//! directly in it) and prints `OK` or its problems; it fails if any profile is invalid.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the verdict per file is this command's output"
)]

use std::path::{Path, PathBuf};

/// Options of `hallq device`.
#[derive(Debug, clap::Args)]
pub(crate) struct DeviceArgs {
    #[command(subcommand)]
    command: DeviceCmd,
}

#[derive(Debug, clap::Subcommand)]
enum DeviceCmd {
    /// Validate firmware profiles: packages, substitutions, every key and rule. Prints OK per
    /// file or its problems (in English and Chinese); exits non-zero if any is invalid. A folder
    /// checks every `*.toml` directly in it (not its packages/).
    Check {
        /// Profile files or folders of profiles.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

/// Runs `hallq device …`.
pub(crate) fn run(args: &DeviceArgs) -> anyhow::Result<()> {
    match &args.command {
        DeviceCmd::Check { files } => check(files),
    }
}

fn check(paths: &[PathBuf]) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            files.extend(profiles_in(path)?);
        } else {
            files.push(path.clone());
        }
    }
    let mut bad = 0;
    for file in &files {
        match hallq_profiles::load_file(file) {
            Ok(p) => println!(
                "OK    {}  ({} {} · {})",
                file.display(),
                p.kind(),
                p.device.model,
                p.device.vendor
            ),
            Err(e) => {
                bad += 1;
                eprintln!("FAIL  {e}");
            }
        }
    }
    anyhow::ensure!(
        bad == 0,
        "{bad} of {} profiles are invalid / {bad} 个固件配置无效",
        files.len()
    );
    Ok(())
}

/// The profile files directly in `dir`, sorted.
fn profiles_in(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}
