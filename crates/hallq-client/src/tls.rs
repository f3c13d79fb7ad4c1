//! How a device reaches its broker: the broker's address ([`BrokerAddr`], `mqtt://` or
//! `mqtts://`) and, over TLS, the one certificate authority it trusts ([`TlsTrust`]).
//!
//! A hall signs its broker's certificate with a CA of its own (`hallq tls init`), and its devices
//! trust that CA and nothing else: no system roots, no webpki roots. A public CA would vouch for
//! anyone who owns a domain name; the hall's CA vouches only for the hall's broker, so a laptop
//! plugged into the hall's network cannot pose as it and collect the devices' passwords.
//!
//! rustls runs on `ring` here, chosen explicitly: rumqttc and rmqtt also link aws-lc-rs, and
//! with two providers built in, rustls refuses to pick a process default.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rumqttc::{TlsConfiguration, Transport};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

/// The default port of MQTT over TLS.
pub const MQTTS_PORT: u16 = 8883;
/// The default port of plain MQTT.
pub const MQTT_PORT: u16 = 1883;

/// Why a CA could not be used, or a broker address read.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The CA file could not be read.
    #[error("cannot read the hall's CA {path} / 无法读取营业厅 CA 证书 {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// The PEM text holds no certificate, or a broken one.
    #[error("the hall's CA holds no readable PEM certificate / CA 文件中没有可用的 PEM 证书: {0}")]
    NoCertificate(String),
    /// A certificate was read but cannot be a trust anchor.
    #[error("the hall's CA cannot be trusted as a root / CA 证书无法作为信任根: {0}")]
    BadCertificate(String),
    /// The broker address is not one of the accepted forms.
    #[error(
        "broker {0:?} is not mqtt://host:port, mqtts://host:port or host:port / 代理地址应为 mqtt://主机:端口、mqtts://主机:端口 或 主机:端口"
    )]
    BadAddress(String),
    /// `mqtts://` without a CA: the device would have nothing to check the broker against.
    #[error(
        "broker {0} is mqtts:// but no CA is given (--ca / HALLQ_CA) / 使用 mqtts:// 须指定营业厅 CA 证书（--ca / HALLQ_CA）"
    )]
    NoCa(String),
    /// A CA with a plain `mqtt://` broker: the CA would silently protect nothing.
    #[error(
        "a CA is given but broker {0} is plain mqtt://; use mqtts:// / 已指定 CA 证书，但代理地址不是 mqtts://"
    )]
    CaWithoutTls(String),
}

/// Where the broker is, and whether it speaks TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerAddr {
    /// Host name or IP address, without brackets. Over TLS the broker's certificate must name it.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// `mqtts://`: TLS.
    pub tls: bool,
}

impl BrokerAddr {
    /// Reads `mqtts://host[:port]` (TLS, port 8883 by default), `mqtt://host[:port]` (1883) or
    /// the bare `host:port` the apps have always taken (plain). IPv6 hosts go in brackets.
    pub fn parse(text: &str) -> Result<Self, TlsError> {
        let bad = || TlsError::BadAddress(text.to_owned());
        let (rest, tls, default_port) = if let Some(rest) = text.strip_prefix("mqtts://") {
            (rest, true, Some(MQTTS_PORT))
        } else if let Some(rest) = text.strip_prefix("mqtt://") {
            (rest, false, Some(MQTT_PORT))
        } else if text.contains("://") {
            return Err(bad());
        } else {
            (text, false, None)
        };
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            // `[::1]` alone: the colon is inside the brackets.
            Some((h, p)) if !p.ends_with(']') => (h, Some(p.parse::<u16>().map_err(|_| bad())?)),
            _ => (rest, None),
        };
        let port = port.or(default_port).ok_or_else(bad)?;
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() || host.contains(['/', '@', ' ']) {
            return Err(bad());
        }
        Ok(Self {
            host: host.to_owned(),
            port,
            tls,
        })
    }
}

impl std::fmt::Display for BrokerAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls { "mqtts" } else { "mqtt" };
        if self.host.contains(':') {
            write!(f, "{scheme}://[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{scheme}://{}:{}", self.host, self.port)
        }
    }
}

/// The hall's CA, the only root a device trusts, as a ready rustls client configuration.
#[derive(Clone)]
pub struct TlsTrust {
    /// Built once: every reconnect reuses it (and its session cache).
    config: Arc<rustls::ClientConfig>,
    /// How many certificates the PEM held, for `Debug`.
    roots: usize,
}

impl std::fmt::Debug for TlsTrust {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsTrust")
            .field("roots", &self.roots)
            .finish_non_exhaustive()
    }
}

impl TlsTrust {
    /// Trusts the certificates of `pem` (the hall's `ca.pem`), and nothing else.
    pub fn from_ca_pem(pem: &[u8]) -> Result<Self, TlsError> {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::NoCertificate(e.to_string()))?;
        if certs.is_empty() {
            return Err(TlsError::NoCertificate("no CERTIFICATE block".into()));
        }
        let mut roots = RootCertStore::empty();
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| TlsError::BadCertificate(e.to_string()))?;
        }
        let count = roots.len();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            // TLS 1.2 and 1.3 only: what Mosquitto's `tls_version tlsv1.2` also allows.
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::BadCertificate(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self {
            config: Arc::new(config),
            roots: count,
        })
    }

    /// Reads the hall's CA from a PEM file.
    pub fn from_ca_file(path: &Path) -> Result<Self, TlsError> {
        let pem = std::fs::read(path).map_err(|source| TlsError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_ca_pem(&pem)
    }

    /// The rumqttc transport that connects over TLS and checks the broker against this CA.
    pub fn transport(&self) -> Transport {
        Transport::tls_with_config(TlsConfiguration::Rustls(Arc::clone(&self.config)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_addresses_in_every_accepted_form() {
        let addr = |host: &str, port, tls| BrokerAddr {
            host: host.into(),
            port,
            tls,
        };
        let cases = [
            ("127.0.0.1:1883", addr("127.0.0.1", 1883, false)),
            ("mqtt://hub.local", addr("hub.local", 1883, false)),
            ("mqtt://hub.local:1884/", addr("hub.local", 1884, false)),
            ("mqtts://hub.local", addr("hub.local", 8883, true)),
            ("mqtts://10.0.0.2:18883", addr("10.0.0.2", 18883, true)),
            ("mqtts://[::1]:8883", addr("::1", 8883, true)),
            ("mqtts://[::1]", addr("::1", 8883, true)),
        ];
        for (text, want) in cases {
            assert_eq!(BrokerAddr::parse(text).unwrap(), want, "{text}");
        }
        for bad in [
            "hub.local",
            "ws://hub:80",
            "mqtts://",
            "mqtts://:8883",
            "mqtt://h:port",
            "mqtt://u@h:1",
        ] {
            assert!(BrokerAddr::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            BrokerAddr::parse("mqtts://[::1]").unwrap().to_string(),
            "mqtts://[::1]:8883"
        );
    }

    #[test]
    fn a_ca_without_a_certificate_is_refused() {
        let err = TlsTrust::from_ca_pem(b"not a certificate").unwrap_err();
        assert!(matches!(err, TlsError::NoCertificate(_)), "{err}");
        let err = TlsTrust::from_ca_pem(
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .unwrap_err();
        assert!(matches!(err, TlsError::BadCertificate(_)), "{err}");
    }
}
