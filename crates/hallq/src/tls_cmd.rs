//! `hallq tls init`: the hall's own certificate authority and its broker's certificate.
//!
//! A hall's devices pin the hall's CA (`ca.pem`) and trust nothing else, so the CA is made here,
//! for this hall alone, and never by a public authority. Files written to `--out`:
//!
//! | file | what | mode | where it goes |
//! |---|---|---|---|
//! | `ca.pem` | the hall's CA certificate | 0644 | every device (`--ca` / `HALLQ_CA`), and Mosquitto's `cafile` |
//! | `ca.key` | the CA's private key | 0600 | nowhere: keep it offline once the hub's certificate is made |
//! | `server.pem` | the broker's certificate, signed by the CA, naming `--host`s | 0644 | the hub (`tls_cert`) or Mosquitto (`certfile`) |
//! | `server.key` | its private key | 0600 | beside it (`tls_key` / `keyfile`) |
//!
//! Run again on the same folder it keeps the CA (when `ca.key` is there) and issues a new
//! server certificate: new host names or a renewal, with nothing to change on the devices.
//! Keys are ECDSA P-256; the CA is valid for 20 years, the server certificate for 5.

#![allow(
    clippy::print_stdout,
    reason = "where the files are and what to copy where is this command's output"
)]

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use hallq_proto::HallId;

use crate::device_cmd::{NewFile, write_atomically};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// Years the hall's CA is valid: devices pin it, so its end is a visit to every device.
const CA_YEARS: i64 = 20;
/// Years the broker's certificate is valid; `hallq tls init` on the same folder renews it.
const SERVER_YEARS: i64 = 5;

/// Options of `hallq tls`.
#[derive(Debug, clap::Args)]
pub(crate) struct TlsArgs {
    #[command(subcommand)]
    command: TlsCmd,
}

#[derive(Debug, clap::Subcommand)]
enum TlsCmd {
    /// Make the hall's CA (ca.pem, ca.key) and the broker's certificate signed by it
    /// (server.pem, server.key) in --out. Keys are written readable by their owner only. Run
    /// again, it keeps the CA and renews the server certificate.
    Init {
        /// The hall's id (hall.toml's `[hall] id`), named in the certificates.
        #[arg(long)]
        hall: String,
        /// The folder to write to; made (0700) if missing.
        #[arg(long)]
        out: PathBuf,
        /// A name or IP address the devices use to reach the broker (repeat for several). The
        /// device's `mqtts://HOST` must be one of them. `localhost` and `127.0.0.1` are always
        /// added, and the machine's host name when none is given.
        #[arg(long = "host", value_name = "NAME_OR_IP")]
        hosts: Vec<String>,
    },
}

/// Runs `hallq tls …`.
pub(crate) fn run(args: &TlsArgs) -> anyhow::Result<()> {
    match &args.command {
        TlsCmd::Init { hall, out, hosts } => init(hall, out, hosts),
    }
}

/// The files of one `tls init`, as PEM text.
#[derive(Debug)]
pub(crate) struct HallPki {
    /// The CA certificate.
    pub(crate) ca_pem: String,
    /// The CA key; `None` when an existing CA was reused (its key file is left as it is).
    pub(crate) ca_key: Option<String>,
    /// The broker's certificate.
    pub(crate) server_pem: String,
    /// The broker's key.
    pub(crate) server_key: String,
}

/// The names a certificate for `hosts` holds: those given (or the machine's host name),
/// then `localhost` and `127.0.0.1`, each once.
fn names(hosts: &[String]) -> Vec<String> {
    let mut names: Vec<String> = hosts.iter().map(|h| h.trim().to_owned()).collect();
    if names.is_empty()
        && let Ok(name) = std::fs::read_to_string("/proc/sys/kernel/hostname")
        && !name.trim().is_empty()
    {
        names.push(name.trim().to_owned());
    }
    names.extend(["localhost".to_owned(), "127.0.0.1".to_owned()]);
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| !n.is_empty() && seen.insert(n.to_ascii_lowercase()));
    names
}

/// Sets a certificate's validity: from the day before `today` (a device's clock may lag) for
/// `years`, in whole days after 1970-01-01.
fn set_validity(params: &mut CertificateParams, today: i64, years: i64) -> anyhow::Result<()> {
    let date = |days: i64| -> anyhow::Result<_> {
        let (y, m, d) = hallq_proto::time::civil_from_days(days);
        let y = i32::try_from(y).context("year out of range")?;
        Ok(rcgen::date_time_ymd(y, u8::try_from(m)?, u8::try_from(d)?))
    };
    params.not_before = date(today - 1)?;
    params.not_after = date(today + years * 365)?;
    Ok(())
}

/// Makes the hall's CA (or reuses `existing_ca`: its certificate and key PEM) and a server
/// certificate for `hosts`, valid from the day before `today` (devices' clocks may lag).
pub(crate) fn generate(
    hall: &HallId,
    hosts: &[String],
    today: i64,
    existing_ca: Option<(&str, &str)>,
) -> anyhow::Result<HallPki> {
    let (issuer, ca_pem, ca_key) = match existing_ca {
        Some((cert, key)) => {
            let key = KeyPair::from_pem(key).context("ca.key is not a PEM private key")?;
            let issuer = Issuer::from_ca_cert_pem(cert, key)
                .context("ca.pem is not a CA certificate / ca.pem 不是 CA 证书")?;
            (issuer, cert.to_owned(), None)
        }
        None => {
            let key = KeyPair::generate()?;
            let mut params = CertificateParams::default();
            params.distinguished_name = rcgen::DistinguishedName::new();
            params
                .distinguished_name
                .push(DnType::CommonName, format!("hallq {hall} hall CA"));
            params
                .distinguished_name
                .push(DnType::OrganizationName, "hallq");
            // Signs server certificates only, never another CA.
            params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
            params.key_usages = vec![
                KeyUsagePurpose::KeyCertSign,
                KeyUsagePurpose::CrlSign,
                KeyUsagePurpose::DigitalSignature,
            ];
            set_validity(&mut params, today, CA_YEARS)?;
            let cert = params.self_signed(&key)?;
            let (ca_pem, ca_key) = (cert.pem(), key.serialize_pem());
            (Issuer::new(params, key), ca_pem, Some(ca_key))
        }
    };

    let names = names(hosts);
    let mut params = CertificateParams::new(names.clone())
        .with_context(|| format!("a host name is not valid / 主机名无效: {names:?}"))?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(
        DnType::CommonName,
        names.first().map_or("hallq broker", String::as_str),
    );
    params
        .distinguished_name
        .push(DnType::OrganizationName, format!("hallq {hall}"));
    params.is_ca = IsCa::NoCa;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    set_validity(&mut params, today, SERVER_YEARS)?;
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &issuer)?;
    Ok(HallPki {
        ca_pem,
        ca_key,
        server_pem: cert.pem(),
        server_key: key.serialize_pem(),
    })
}

/// The days since 1970-01-01 now, in UTC, on the clock every staff command uses.
fn today() -> i64 {
    crate::device_cmd::now().0.div_euclid(86_400_000)
}

fn init(hall: &str, out: &Path, hosts: &[String]) -> anyhow::Result<()> {
    let hall = HallId::new(hall)?;
    if !out.exists() {
        std::fs::create_dir_all(out)
            .with_context(|| format!("cannot create / 无法创建 {}", out.display()))?;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o700))?;
    }
    let (ca_pem_path, ca_key_path) = (out.join("ca.pem"), out.join("ca.key"));
    let existing = if ca_key_path.exists() {
        let read = |p: &Path| {
            std::fs::read_to_string(p)
                .with_context(|| format!("cannot read / 无法读取 {}", p.display()))
        };
        Some((read(&ca_pem_path)?, read(&ca_key_path)?))
    } else {
        None
    };
    let pki = generate(
        &hall,
        hosts,
        today(),
        existing.as_ref().map(|(c, k)| (c.as_str(), k.as_str())),
    )?;
    if let Some(key) = &pki.ca_key {
        write_atomically(&ca_key_path, key.as_bytes(), NewFile::PRIVATE)?;
        write_atomically(&ca_pem_path, pki.ca_pem.as_bytes(), NewFile::PUBLIC)?;
    }
    let (server_pem, server_key) = (out.join("server.pem"), out.join("server.key"));
    write_atomically(&server_key, pki.server_key.as_bytes(), NewFile::PRIVATE)?;
    write_atomically(&server_pem, pki.server_pem.as_bytes(), NewFile::PUBLIC)?;

    let names = names(hosts).join(", ");
    let kept = if pki.ca_key.is_some() {
        "made / 新建"
    } else {
        "kept / 沿用"
    };
    println!(
        "hall {hall}: TLS files in {dir}\n\
         \n  {ca}   the hall's CA ({kept}): copy this, and only this, to every device (--ca / HALLQ_CA)\n  \
         {cak}   the CA's key (0600): keep it off the network; needed only to renew the server certificate\n  \
         {sp}   the broker's certificate for: {names}\n  \
         {sk}   its key (0600): for the hub or Mosquitto only\n\
         \nhall.toml (embedded broker):\n  [broker]\n  tls_listen = \"0.0.0.0:8883\"\n  tls_cert = \"{sp}\"\n  tls_key = \"{sk}\"\n  plain = false   # TLS only: plain MQTT stays on loopback for the hub\n\
         \nMosquitto: deploy/mosquitto/hallq-tls.conf (cafile, certfile, keyfile)\n\
         Devices: --broker mqtts://HOST:8883 --ca ca.pem, HOST one of the names above.\n\
         \n营业厅 {hall} 的 TLS 文件已写入 {dir}：只需把 ca.pem 复制到每台设备（--ca / HALLQ_CA）；ca.key 与 server.key 切勿外传。",
        dir = out.display(),
        ca = ca_pem_path.display(),
        cak = ca_key_path.display(),
        sp = server_pem.display(),
        sk = server_key.display(),
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::client::WebPkiServerVerifier;
    use rustls::client::danger::ServerCertVerifier as _;
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

    use super::*;

    /// 2026-01-01.
    const TODAY: i64 = 20_454;

    fn verify(ca_pem: &str, server_pem: &str, name: &str) -> Result<(), rustls::Error> {
        verify_on(TODAY, ca_pem, server_pem, name)
    }

    /// Verifies `server_pem` for `name` as a device trusting only `ca_pem` does, on day `day`.
    fn verify_on(
        day: i64,
        ca_pem: &str,
        server_pem: &str,
        name: &str,
    ) -> Result<(), rustls::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from_pem_slice(ca_pem.as_bytes()).unwrap())?;
        let verifier = WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            Arc::new(rustls::crypto::ring::default_provider()),
        )
        .build()
        .unwrap();
        let server = CertificateDer::from_pem_slice(server_pem.as_bytes()).unwrap();
        let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            u64::try_from(day).unwrap() * 86_400 + 3_600,
        ));
        verifier
            .verify_server_cert(
                &server,
                &[],
                &ServerName::try_from(name.to_owned()).unwrap(),
                &[],
                now,
            )
            .map(|_| ())
    }

    fn hall() -> HallId {
        HallId::new("hall-1").unwrap()
    }

    #[test]
    fn the_server_certificate_verifies_against_the_hall_ca_for_every_host() {
        let hosts = ["hub.hall-1.lan".to_owned(), "192.168.10.5".to_owned()];
        let pki = generate(&hall(), &hosts, TODAY, None).unwrap();
        for name in ["hub.hall-1.lan", "192.168.10.5", "localhost", "127.0.0.1"] {
            verify(&pki.ca_pem, &pki.server_pem, name).unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let err = verify(&pki.ca_pem, &pki.server_pem, "other.lan").unwrap_err();
        assert!(
            matches!(
                err,
                rustls::Error::InvalidCertificate(rustls::CertificateError::NotValidForName)
                    | rustls::Error::InvalidCertificate(
                        rustls::CertificateError::NotValidForNameContext { .. }
                    )
            ),
            "{err:?}"
        );
        assert!(pki.ca_key.unwrap().contains("PRIVATE KEY"));
        assert!(pki.server_key.contains("PRIVATE KEY"));
    }

    #[test]
    fn another_ca_does_not_vouch_for_this_broker() {
        let hosts = ["hub.lan".to_owned()];
        let ours = generate(&hall(), &hosts, TODAY, None).unwrap();
        let other_hall = generate(&HallId::new("hall-2").unwrap(), &hosts, TODAY, None).unwrap();
        let err = verify(&other_hall.ca_pem, &ours.server_pem, "hub.lan").unwrap_err();
        assert!(
            matches!(
                err,
                rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
            ),
            "{err:?}"
        );
        // A second CA of the same hall has the same name, but not the same key.
        let same_hall = generate(&hall(), &hosts, TODAY, None).unwrap();
        let err = verify(&same_hall.ca_pem, &ours.server_pem, "hub.lan").unwrap_err();
        assert!(
            matches!(
                err,
                rustls::Error::InvalidCertificate(rustls::CertificateError::BadSignature)
            ),
            "{err:?}"
        );
    }

    #[test]
    fn a_second_run_keeps_the_ca_and_issues_a_server_certificate_it_vouches_for() {
        let first = generate(&hall(), &["hub.lan".to_owned()], TODAY, None).unwrap();
        let ca_key = first.ca_key.clone().unwrap();
        let second = generate(
            &hall(),
            &["hub2.lan".to_owned()],
            TODAY + 400,
            Some((&first.ca_pem, &ca_key)),
        )
        .unwrap();
        assert!(second.ca_key.is_none());
        assert_eq!(second.ca_pem, first.ca_pem);
        verify_on(TODAY + 400, &first.ca_pem, &second.server_pem, "hub2.lan").unwrap();
        assert_ne!(second.server_key, first.server_key);
    }

    #[test]
    fn certificates_are_valid_from_the_day_before_for_their_years() {
        let pki = generate(&hall(), &["hub.lan".to_owned()], TODAY, None).unwrap();
        verify_on(TODAY - 1, &pki.ca_pem, &pki.server_pem, "hub.lan").unwrap();
        verify_on(TODAY + 5 * 365 - 1, &pki.ca_pem, &pki.server_pem, "hub.lan").unwrap();
        let expired = verify_on(TODAY + 5 * 365 + 1, &pki.ca_pem, &pki.server_pem, "hub.lan");
        assert!(expired.is_err(), "the server certificate lasts 5 years");
        let early = verify_on(TODAY - 2, &pki.ca_pem, &pki.server_pem, "hub.lan");
        assert!(early.is_err(), "nor is it valid before the day before");
    }

    #[test]
    fn the_ca_is_a_ca_and_the_server_certificate_is_not() {
        let pki = generate(&hall(), &["hub.lan".to_owned()], TODAY, None).unwrap();
        // The server certificate cannot sign another: a leaf as issuer is refused.
        let server_as_ca = verify(&pki.server_pem, &pki.server_pem, "hub.lan").unwrap_err();
        assert!(
            matches!(server_as_ca, rustls::Error::InvalidCertificate(_)),
            "{server_as_ca:?}"
        );
    }

    #[test]
    fn keys_are_written_for_their_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("tls");
        init("hall-1", &out, &["hub.lan".to_owned()]).unwrap();
        let mode = |f: &str| std::fs::metadata(out.join(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode("ca.key"), 0o600);
        assert_eq!(mode("server.key"), 0o600);
        assert_eq!(mode("ca.pem"), 0o644);
        assert_eq!(mode("server.pem"), 0o644);
        assert_eq!(
            std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let ca = std::fs::read_to_string(out.join("ca.pem")).unwrap();
        init("hall-1", &out, &["hub.lan".to_owned()]).unwrap();
        assert_eq!(std::fs::read_to_string(out.join("ca.pem")).unwrap(), ca);
    }

    #[test]
    fn names_always_include_loopback_once() {
        assert_eq!(
            names(&["hub.lan".into(), "LOCALHOST".into()]),
            ["hub.lan", "LOCALHOST", "127.0.0.1"]
        );
    }
}
