//! The chain's engines as real local processes, for `hallq hq demo` and the tests alike.
//!
//! Each engine lives in a folder the caller gives (its data, configuration and log), listens on
//! loopback ports chosen at run time, and is stopped when its handle drops. Every wait is
//! bounded; an engine that stops or never comes up is an error carrying the end of its log.
//! These are single-machine instances: no TLS, no passwords (PostgreSQL trusts loopback). A
//! production chain runs its engines from deploy/ instead.

mod nats;
mod postgres;
mod process;
mod proxy;

pub use nats::NatsCluster;
pub use postgres::Postgres;
pub use proxy::LinkProxy;

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use crate::error::HqError;

/// A loopback port free right now. The engine binds it a moment later; another process taking
/// it in between makes that engine fail to start, which its error says.
fn free_port() -> Result<u16, HqError> {
    let io = |source| HqError::Io {
        path: PathBuf::from("127.0.0.1:0"),
        source,
    };
    let listener = TcpListener::bind(("127.0.0.1", 0)).map_err(io)?;
    Ok(listener.local_addr().map_err(io)?.port())
}

/// How many times an engine is started on new ports when a port it was given was taken
/// meanwhile (by another test, or another program, between [`free_port`] and its bind).
const PORT_ATTEMPTS: usize = 3;

/// Whether `err` is an engine that could not bind its port.
fn port_taken(err: &HqError) -> bool {
    matches!(err, HqError::Engine { tail, .. }
        if tail.to_ascii_lowercase().contains("address already in use"))
}

/// Makes `dir` (and its parents) if missing.
fn make_dir(dir: &Path) -> Result<(), HqError> {
    std::fs::create_dir_all(dir).map_err(|source| HqError::Io {
        path: dir.to_owned(),
        source,
    })
}

/// The first of `candidates` that is a file, or [`HqError::Missing`] naming the package.
fn find_binary(
    binary: &str,
    candidates: &[PathBuf],
    package: &'static str,
) -> Result<PathBuf, HqError> {
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| HqError::Missing {
            binary: binary.to_owned(),
            looked: candidates
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            package,
        })
}

/// `name` in each folder of `PATH`, then in `extra` folders.
fn on_path(name: &str, extra: &[&str]) -> Vec<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra.iter().map(PathBuf::from))
        .map(|d| d.join(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A missing engine names the Debian package to install.
    #[test]
    fn a_missing_binary_names_its_package() {
        let err = find_binary(
            "nats-server",
            &[PathBuf::from("/nonexistent/nats-server")],
            "nats-server",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("install the Debian package nats-server"),
            "{err}"
        );
        assert!(err.contains("/nonexistent/nats-server"), "{err}");
    }
}
