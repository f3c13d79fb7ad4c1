//! What every app binary does at start the same way: its logging, the check that Chinese can be
//! drawn, where its hall is (`--broker`, `--hall`, `--ca`), its device's MQTT client, and its
//! own clock (shown only until the hub says the hall's time).

use std::path::PathBuf;
use std::time::Duration;

use hallq_client::{BrokerAddr, ClientConfig, TlsError, TlsTrust};
use hallq_proto::{DeviceId, HallId, Timestamp};

/// Where a device finds its hall: flattened into each app's command line.
#[derive(Debug, Clone, clap::Args)]
pub struct HallArgs {
    /// The hall's MQTT broker: `mqtts://host:8883` (TLS, with `--ca`), `mqtt://host:1883` or
    /// `host:port` (plain).
    #[arg(long, env = "HALLQ_BROKER", default_value = "127.0.0.1:1883")]
    pub broker: String,
    /// The hall's CA certificate (`ca.pem` from `hallq tls init`): over `mqtts://` the broker
    /// must prove itself with a certificate it signed. No other authority is trusted.
    #[arg(long, env = "HALLQ_CA", value_name = "FILE")]
    pub ca: Option<PathBuf>,
    /// The hall's id (hall.toml's `[hall] id`).
    #[arg(long, env = "HALLQ_HALL", default_value = "demo")]
    pub hall: String,
    /// Hall-local time is UTC plus this many minutes (China: 480), for the clock.
    #[arg(long, default_value_t = 480, allow_negative_numbers = true)]
    pub utc_offset_min: i32,
}

/// Where an app's window opens: flattened into each app's command line.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct WindowArgs {
    /// Open the window with its top left corner here, in screen pixels (`hallq demo` sets its
    /// windows side by side). Default: where the window manager puts it.
    #[arg(long, value_name = "X,Y", value_parser = parse_position, allow_hyphen_values = true)]
    pub window_position: Option<(i32, i32)>,
    /// Lay the screen out at this size in pixels instead of the profile's screen: the whole
    /// design, scaled to fit (`hallq demo` shrinks its three windows onto one screen this way;
    /// Slint's SLINT_SCALE_FACTOR grew the wall display's window past the screen under X11).
    #[arg(long, value_name = "WxH", value_parser = parse_size)]
    pub window_size: Option<(u32, u32)>,
}

impl WindowArgs {
    /// Moves `window` to `--window-position`, if given. Call it before the window is shown.
    pub fn place(&self, window: &slint::Window) {
        if let Some((x, y)) = self.window_position {
            window.set_position(slint::PhysicalPosition::new(x, y));
        }
    }
}

/// `WxH` in pixels, each at least 1.
fn parse_size(s: &str) -> Result<(u32, u32), String> {
    let bad =
        || format!("{s:?}: expected WxH in pixels, such as 736x414 / 应为 宽x高 像素，如 736x414");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let w: u32 = w.trim().parse().map_err(|_| bad())?;
    let h: u32 = h.trim().parse().map_err(|_| bad())?;
    if w == 0 || h == 0 {
        return Err(bad());
    }
    Ok((w, h))
}

/// `X,Y` in pixels.
fn parse_position(s: &str) -> Result<(i32, i32), String> {
    let bad = || format!("{s:?}: expected X,Y in pixels, such as 0,40 / 应为 X,Y 像素坐标");
    let (x, y) = s.split_once(',').ok_or_else(bad)?;
    Ok((
        x.trim().parse().map_err(|_| bad())?,
        y.trim().parse().map_err(|_| bad())?,
    ))
}

/// Why an app cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// `--broker` or `--ca` cannot be used.
    #[error("--broker / --ca: {0}")]
    Broker(#[from] TlsError),
    /// The hall or device id is not a valid id.
    #[error("{0}")]
    Id(#[from] hallq_proto::InvalidId),
}

impl HallArgs {
    /// The MQTT client configuration of `device`, its secret from `HALLQ_DEVICE_SECRET` (never
    /// the command line, where `ps` shows it).
    ///
    /// Over `mqtts://` the device trusts the CA of `--ca` and nothing else; a CA with a plain
    /// broker, or `mqtts://` without one, is refused rather than quietly left unprotected.
    pub fn client_config(&self, device: &str) -> Result<ClientConfig, StartError> {
        let addr = BrokerAddr::parse(&self.broker)?;
        let tls = match (&self.ca, addr.tls) {
            (Some(ca), true) => Some(TlsTrust::from_ca_file(ca)?),
            (None, false) => None,
            (None, true) => return Err(TlsError::NoCa(addr.to_string()).into()),
            (Some(_), false) => return Err(TlsError::CaWithoutTls(addr.to_string()).into()),
        };
        let mut config = ClientConfig::new(
            addr.host,
            addr.port,
            HallId::new(self.hall.as_str())?,
            DeviceId::new(device)?,
        );
        config.tls = tls;
        config.secret = std::env::var("HALLQ_DEVICE_SECRET").ok();
        Ok(config)
    }

    /// `HH:MM` of `now` in the hall's time.
    pub fn hhmm(&self, now: Timestamp) -> String {
        hallq_proto::time::hhmm(now, self.utc_offset_min)
    }
}

/// Logging to stderr, filtered by `RUST_LOG` (default `info`), and the CJK font check: a
/// missing font is said in both languages at start.
pub fn init() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        // Colours for a person at a terminal only: a log kept in a file or the journal reads
        // (and is searched) as plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    match crate::fonts::check_cjk() {
        Ok(font) => tracing::info!(font = %font.display(), "CJK font found"),
        Err(message) => tracing::error!("{message}"),
    }
}

/// A tokio runtime for an app's background work: two workers are plenty for one device.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

/// The device's wall clock: ids that differ from one start to the next, and its header clock
/// until the hub has said the hall's time ([`crate::HallClock`]).
#[allow(
    clippy::disallowed_methods,
    reason = "a device's own clock for its screen and timers; the hub keeps the hall's time"
)]
pub fn wall_clock() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp(ms)
}

/// The profile's timings applied to a client configuration.
pub fn apply_timings(config: &mut ClientConfig, timings: &hallq_profiles::Timings) {
    config.keep_alive = Duration::from_secs(u64::from(timings.keepalive_secs));
    config.reply_timeout = Duration::from_millis(u64::from(timings.reply_timeout_ms));
    config.attempts = timings.attempts;
}

/// Includes the code slint-build generated for the calling crate, in a module `generated`
/// with the lints that code does not meet allowed there and nowhere else.
#[macro_export]
macro_rules! generated_ui {
    () => {
        /// The code slint-build generates from the app's `.slint` files.
        #[allow(
            missing_docs,
            missing_debug_implementations,
            unreachable_pub,
            unused_qualifications,
            unsafe_code,
            clippy::all,
            clippy::pedantic,
            clippy::restriction,
            reason = "generated by slint-build"
        )]
        mod generated {
            slint::include_modules!();
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(broker: &str, ca: Option<&str>) -> HallArgs {
        HallArgs {
            broker: broker.into(),
            hall: "demo".into(),
            utc_offset_min: 480,
            ca: ca.map(PathBuf::from),
        }
    }

    #[test]
    fn a_window_position_is_two_numbers() {
        assert_eq!(parse_position("1280,40"), Ok((1280, 40)));
        assert_eq!(parse_position("-10, 0"), Ok((-10, 0)));
        assert!(parse_position("1280").unwrap_err().contains("X,Y"));
    }

    #[test]
    fn a_window_size_is_two_positive_numbers() {
        assert_eq!(parse_size("736x414"), Ok((736, 414)));
        assert_eq!(parse_size("1080X1920"), Ok((1080, 1920)));
        for bad in ["736", "0x414", "736x", "axb"] {
            assert!(parse_size(bad).unwrap_err().contains("WxH"), "{bad}");
        }
    }

    #[test]
    fn plain_brokers_are_read_as_before_and_with_a_scheme() {
        for broker in ["10.0.0.2:1884", "mqtt://10.0.0.2:1884"] {
            let c = args(broker, None).client_config("kiosk-1").unwrap();
            assert_eq!(
                (c.host.as_str(), c.port, c.tls.is_some()),
                ("10.0.0.2", 1884, false)
            );
        }
    }

    #[test]
    fn tls_and_its_ca_go_together() {
        let err = args("mqtts://hub.lan", None)
            .client_config("kiosk-1")
            .unwrap_err();
        assert!(
            matches!(err, StartError::Broker(TlsError::NoCa(_))),
            "{err}"
        );
        let err = args("mqtt://hub.lan", Some("ca.pem"))
            .client_config("kiosk-1")
            .unwrap_err();
        assert!(
            matches!(err, StartError::Broker(TlsError::CaWithoutTls(_))),
            "{err}"
        );
        let err = args("mqtts://hub.lan", Some("/nonexistent/ca.pem"))
            .client_config("kiosk-1")
            .unwrap_err();
        assert!(
            matches!(err, StartError::Broker(TlsError::Read { .. })),
            "{err}"
        );
        assert!(err.to_string().contains("CA"), "{err}");
    }
}
