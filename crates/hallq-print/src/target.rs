//! Where the bytes go: a network printer's raw port, a device node, or a file.
//!
//! Blocking std IO: the kiosk app calls [`Printer::print`] from a blocking task. A network
//! printer that does not answer fails within [`TIMEOUT`] instead of freezing the kiosk.

use std::fmt;
use std::fs::OpenOptions;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::error::PrintError;
use crate::escpos::{DLE, EOT};

/// How long a network printer may take to accept the connection or the bytes.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// How long a network printer may take to answer a status request: it answers at once when it
/// is alive.
pub const STATUS_TIMEOUT: Duration = Duration::from_secs(1);

/// The raw printing port of network receipt printers (JetDirect).
pub const RAW_PORT: u16 = 9100;

/// A ticket printer the kiosk can reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Printer {
    /// A network printer's raw port: `tcp://10.0.0.5:9100` (the port defaults to 9100).
    Tcp(SocketAddr),
    /// A printer device node, opened for writing: `device:/dev/usb/lp0`. The node must exist; a
    /// write blocks while the printer is offline, as the kernel driver decides.
    Device(PathBuf),
    /// A file, created or appended to: `file:/var/lib/hallq/tickets.bin`. For tests, demos and
    /// a printer behind a spooler.
    File(PathBuf),
}

/// What the paper sensor says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// Enough paper.
    Present,
    /// The roll is nearly used up: print, but tell staff.
    NearEnd,
    /// This printer cannot be asked (a device node or a file), or its answer was not a status.
    Unknown,
}

impl Printer {
    /// Sends `bytes` (a whole ticket) to the printer, with the network [`TIMEOUT`].
    pub fn print(&self, bytes: &[u8]) -> Result<(), PrintError> {
        self.print_within(bytes, TIMEOUT)
    }

    /// Sends `bytes` to the printer; a network printer gets `timeout` to accept the connection
    /// and each write.
    #[tracing::instrument(skip_all, fields(printer = %self, bytes = bytes.len()), err)]
    pub fn print_within(&self, bytes: &[u8], timeout: Duration) -> Result<(), PrintError> {
        let target = self.to_string();
        match self {
            Self::Tcp(addr) => {
                let mut stream = connect(addr, timeout, &target)?;
                let write = |e: io::Error| write_error(e, &target);
                stream.set_write_timeout(Some(timeout)).map_err(write)?;
                stream.write_all(bytes).map_err(write)?;
                stream.flush().map_err(write)?;
                // The printer prints what it has when the sender closes: say we are done.
                stream.shutdown(Shutdown::Write).map_err(write)?;
            }
            Self::Device(path) => {
                let mut device = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(|source| PrintError::Open {
                        target: target.clone(),
                        source,
                    })?;
                device
                    .write_all(bytes)
                    .map_err(|e| write_error(e, &target))?;
                device.flush().map_err(|e| write_error(e, &target))?;
            }
            Self::File(path) => {
                let mut file = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|source| PrintError::Open {
                        target: target.clone(),
                        source,
                    })?;
                file.write_all(bytes).map_err(|e| write_error(e, &target))?;
                file.flush().map_err(|e| write_error(e, &target))?;
            }
        }
        Ok(())
    }

    /// Asks a network printer's paper sensor (`DLE EOT 4`). An empty roll is
    /// [`PrintError::PaperOut`], so the kiosk can refuse to issue a ticket it cannot print; a
    /// printer that does not answer within [`STATUS_TIMEOUT`] is [`PrintError::NotResponding`].
    #[tracing::instrument(skip_all, fields(printer = %self), err)]
    pub fn paper(&self) -> Result<Paper, PrintError> {
        let Self::Tcp(addr) = self else {
            return Ok(Paper::Unknown);
        };
        let target = self.to_string();
        let mut stream = connect(addr, STATUS_TIMEOUT, &target)?;
        let not_responding = |source: io::Error| PrintError::NotResponding {
            target: target.clone(),
            source,
        };
        stream
            .set_write_timeout(Some(STATUS_TIMEOUT))
            .map_err(not_responding)?;
        stream
            .set_read_timeout(Some(STATUS_TIMEOUT))
            .map_err(not_responding)?;
        stream.write_all(&[DLE, EOT, 4]).map_err(not_responding)?;
        let mut status = [0u8; 1];
        stream.read_exact(&mut status).map_err(not_responding)?;
        paper_status(status[0])
    }
}

/// Reads the `DLE EOT 4` answer: bits 1 and 4 are always set and bits 0 and 7 clear; bits 2–3
/// say the roll is nearly used up, bits 5–6 that it is out.
fn paper_status(b: u8) -> Result<Paper, PrintError> {
    if b & 0b1001_0011 != 0b0001_0010 {
        Ok(Paper::Unknown)
    } else if b & 0b0110_0000 != 0 {
        Err(PrintError::PaperOut)
    } else if b & 0b0000_1100 != 0 {
        Ok(Paper::NearEnd)
    } else {
        Ok(Paper::Present)
    }
}

fn connect(addr: &SocketAddr, timeout: Duration, target: &str) -> Result<TcpStream, PrintError> {
    TcpStream::connect_timeout(addr, timeout).map_err(|source| PrintError::NotResponding {
        target: target.to_owned(),
        source,
    })
}

/// A write that timed out means the printer stopped taking data: it is not responding.
fn write_error(source: io::Error, target: &str) -> PrintError {
    let target = target.to_owned();
    match source.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
            PrintError::NotResponding { target, source }
        }
        _ => PrintError::Write { target, source },
    }
}

impl FromStr for Printer {
    type Err = PrintError;

    /// `tcp://IP[:PORT]` (port 9100 unless given), `device:PATH` or `file:PATH`.
    fn from_str(s: &str) -> Result<Self, PrintError> {
        let invalid = || PrintError::InvalidTarget(s.to_owned());
        let s = s.trim();
        if let Some(rest) = s.strip_prefix("tcp://") {
            let rest = rest.trim_end_matches('/');
            let addr = rest
                .parse::<SocketAddr>()
                .or_else(|_| format!("{rest}:{RAW_PORT}").parse())
                .or_else(|_| format!("[{rest}]:{RAW_PORT}").parse())
                .map_err(|_| invalid())?;
            Ok(Self::Tcp(addr))
        } else if let Some(path) = s.strip_prefix("device:").filter(|p| !p.is_empty()) {
            Ok(Self::Device(PathBuf::from(path)))
        } else if let Some(path) = s.strip_prefix("file:").filter(|p| !p.is_empty()) {
            Ok(Self::File(PathBuf::from(path)))
        } else {
            Err(invalid())
        }
    }
}

impl fmt::Display for Printer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Tcp(addr) => write!(f, "tcp://{addr}"),
            Self::Device(path) => write!(f, "device:{}", path.display()),
            Self::File(path) => write!(f, "file:{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printer_addresses_parse_and_print_back() {
        for s in [
            "tcp://10.0.0.5:9100",
            "device:/dev/usb/lp0",
            "file:/tmp/t.bin",
            "tcp://[::1]:9100",
        ] {
            assert_eq!(s.parse::<Printer>().unwrap().to_string(), s);
        }
        assert_eq!(
            "tcp://10.0.0.5".parse::<Printer>().unwrap(),
            Printer::Tcp("10.0.0.5:9100".parse().unwrap())
        );
        assert_eq!(
            "device:/dev/usb/lp0".parse::<Printer>().unwrap(),
            Printer::Device("/dev/usb/lp0".into())
        );
    }

    #[test]
    fn bad_printer_addresses_are_refused_with_the_expected_forms() {
        for s in [
            "10.0.0.5:9100",
            "tcp://printer.local",
            "lpt1",
            "file:",
            "usb:/dev/x",
        ] {
            let err = s.parse::<Printer>().unwrap_err();
            assert!(matches!(err, PrintError::InvalidTarget(_)), "{s}");
            assert!(err.to_string().contains("tcp://IP:PORT"), "{err}");
        }
    }

    #[test]
    fn the_paper_sensor_byte_is_read_as_epson_documents_it() {
        assert_eq!(paper_status(0x12).unwrap(), Paper::Present);
        assert_eq!(paper_status(0x1E).unwrap(), Paper::NearEnd);
        assert!(matches!(paper_status(0x72), Err(PrintError::PaperOut)));
        assert!(matches!(paper_status(0x7E), Err(PrintError::PaperOut)));
        assert_eq!(paper_status(0xFF).unwrap(), Paper::Unknown);
    }
}
