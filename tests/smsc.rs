//! A real SMPP 3.4 server for the notice tests: tests/smsc/smsc.js on the npm package `smpp`
//! (installed with `npm ci` from the vendored package-lock.json into the test's own folder),
//! run by Node. It records every `submit_sm` it accepts as a JSON line.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// One message the server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submitted {
    /// `destination_addr`.
    pub destination: String,
    /// `source_addr`.
    pub source: String,
    /// The text, as the server decoded it.
    pub text: String,
}

/// A running SMSC.
#[derive(Debug)]
pub struct Smsc {
    child: Option<Child>,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    out: PathBuf,
    dir: tempfile::TempDir,
}

/// The account the server accepts.
pub const SYSTEM_ID: &str = "hallq";
/// Its password.
pub const PASSWORD: &str = "smpp-pw";

fn script_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("smsc")
}

impl Smsc {
    /// Installs the package (once per server) and starts the server on `port` (0: any free).
    pub fn start(port: u16) -> Self {
        let dir = tempfile::tempdir().unwrap();
        for f in ["smsc.js", "package.json", "package-lock.json"] {
            std::fs::copy(script_dir().join(f), dir.path().join(f)).unwrap();
        }
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--silent"])
            .current_dir(dir.path())
            .status()
            .expect("npm runs (Debian's nodejs and npm, ./dev setup)");
        assert!(status.success(), "npm ci of the test SMSC failed");
        let out = dir.path().join("submitted.jsonl");
        Self::spawn(dir, out, port)
    }

    fn spawn(dir: tempfile::TempDir, out: PathBuf, port: u16) -> Self {
        let mut child = Command::new("node")
            .arg("smsc.js")
            .arg(port.to_string())
            .arg(&out)
            .args([SYSTEM_ID, PASSWORD])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("node runs");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMSC did not start: {line:?}"));
        Self {
            child: Some(child),
            port,
            out,
            dir,
        }
    }

    /// Stops the server (its port then refuses connections).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port, keeping what it recorded.
    pub fn restart(self) -> Self {
        let mut me = self;
        me.stop();
        let (dir, out, port) = (
            std::mem::replace(&mut me.dir, tempfile::tempdir().unwrap()),
            me.out.clone(),
            me.port,
        );
        Self::spawn(dir, out, port)
    }

    /// Every message accepted so far, in order.
    pub fn submitted(&self) -> Vec<Submitted> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        text.lines()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                Submitted {
                    destination: s("destination"),
                    source: s("source"),
                    text: s("text"),
                }
            })
            .collect()
    }
}

impl Drop for Smsc {
    fn drop(&mut self) {
        self.stop();
    }
}
