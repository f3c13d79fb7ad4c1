//! MQTT over TLS as a hall runs it: the hall's CA and the broker's certificate made by the real
//! `hallq tls init`, the real hub with its embedded broker's TLS listener (or Eclipse Mosquitto
//! with deploy/mosquitto/hallq-tls.conf), and devices that pin the hall's CA. Every handshake is
//! a real one over a socket.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use hallq_client::{ClientConfig, DeviceClient, TlsTrust};
use hallq_proto::{ReplyBody, ReplyResult};
use hallq_tests::{
    BrokerKind, Hall, free_port, hallq_bin, mosquitto_available, ticket, wait_for_port,
    wait_hub_online,
};
use rumqttc::{Event, MqttOptions, Packet};

/// Runs `hallq tls init` for `hall_id` into a new folder, naming `hosts` (with 127.0.0.1 and
/// localhost, which the command always adds).
fn tls_init(hall_id: &str, hosts: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(hallq_bin());
    cmd.args(["tls", "init", "--hall", hall_id, "--out"])
        .arg(dir.path().join("tls"));
    for host in hosts {
        cmd.args(["--host", host]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "hallq tls init failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("ca.pem"), "it says what to copy: {said}");
    dir
}

fn file(pki: &tempfile::TempDir, name: &str) -> PathBuf {
    pki.path().join("tls").join(name)
}

/// The `[broker]` keys of an embedded TLS listener on `addr` with the files of `pki`. They are
/// added at the end of the test hall's `[broker]` table, before its `[hub]`.
fn tls_keys(addr: &str, pki: &tempfile::TempDir) -> String {
    format!(
        "tls_listen = \"{addr}\"\ntls_cert = \"{}\"\ntls_key = \"{}\"\n\n",
        file(pki, "server.pem").display(),
        file(pki, "server.key").display()
    )
}

/// Device `id` of `hall` over TLS to `host:port`, trusting only the CA in `ca`.
fn tls_client(hall: &Hall, id: &str, host: &str, port: u16, ca: &Path) -> ClientConfig {
    let mut c = hall.client_config(id);
    c.host = host.to_owned();
    c.port = port;
    c.tls = Some(TlsTrust::from_ca_file(ca).unwrap());
    c
}

/// A ticket from kiosk-1 over TLS: the whole path kiosk → broker → hub → journal → reply.
async fn ticket_over_tls(hall: &Hall, host: &str, port: u16, ca: &Path) {
    let config = tls_client(hall, "kiosk-1", host, port, ca);
    let (kiosk, _task) = DeviceClient::connect(&config);
    wait_hub_online(&kiosk).await;
    let reply = kiosk.send(ticket("basic")).await.unwrap();
    match &reply.body {
        ReplyBody::Ok(ReplyResult::TicketIssued(t)) => assert_eq!(t.number.0, "A001"),
        other => panic!("no ticket over TLS: {other:?}\n{}", hall.hub_log()),
    }
    let _ = kiosk.disconnect().await;
}

/// What a bare MQTT client sees of a broker within 5 s: `Ok` at its CONNACK, or the first
/// error (a refused handshake, a closed socket).
async fn first_outcome(mut opts: MqttOptions) -> Result<(), String> {
    opts.set_keep_alive(Duration::from_secs(5));
    let (_client, mut eventloop) = rumqttc::AsyncClient::new(opts, 10);
    let poll = async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(format!("{e} / {e:?}")),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(5), poll)
        .await
        .unwrap_or_else(|_| Err("no answer within 5 s".into()))
}

/// kiosk-1's bare login to `port`.
fn bare_login(hall: &Hall, port: u16) -> MqttOptions {
    let mut opts = MqttOptions::new("kiosk-1", "127.0.0.1", port);
    opts.set_credentials("kiosk-1", hall.secrets["kiosk-1"].clone());
    opts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_pinning_the_hall_ca_gets_a_ticket_over_tls_from_the_embedded_broker() {
    let pki = tls_init("testhall", &[]);
    let tls_port = free_port();
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        &tls_keys(&format!("127.0.0.1:{tls_port}"), &pki),
    );
    let _hub = hall.start_hub();
    wait_for_port(tls_port);
    ticket_over_tls(&hall, "127.0.0.1", tls_port, &file(&pki, "ca.pem")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_pinning_the_hall_ca_gets_a_ticket_over_tls_from_mosquitto() {
    if !mosquitto_available() {
        return;
    }
    let pki = tls_init("testhall", &[]);
    let tls_port = free_port();
    let mut hall = Hall::new(BrokerKind::Mosquitto);
    // deploy/mosquitto/hallq-tls.conf as it is, on this test's port and with its files.
    let deploy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/mosquitto");
    let tls_conf = std::fs::read_to_string(deploy.join("hallq-tls.conf"))
        .unwrap()
        .replace("listener 8883", &format!("listener {tls_port} 127.0.0.1"))
        .replace(
            "/etc/mosquitto/certs/hallq/",
            &format!("{}/", pki.path().join("tls").display()),
        );
    assert!(tls_conf.contains("tls_version tlsv1.2"));
    // Started as root, Mosquitto reads its certificates after it has dropped to the `mosquitto`
    // user: the files are that user's, as deploy/README.md says, and their folders open to it.
    let uid = Command::new("id").arg("-u").output().unwrap().stdout;
    if String::from_utf8_lossy(&uid).trim() == "0" {
        for dir in [pki.path().to_owned(), pki.path().join("tls")] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        let chown = Command::new("chown")
            .args(["-R", "mosquitto:"])
            .arg(pki.path().join("tls"))
            .status()
            .unwrap();
        assert!(chown.success(), "chown to the mosquitto user");
    }
    hall.restart_mosquitto_with(&tls_conf, tls_port);
    // The hub stays on Mosquitto's plain listener, as on a hall's machine (127.0.0.1 there).
    let _hub = hall.start_hub();
    ticket_over_tls(&hall, "127.0.0.1", tls_port, &file(&pki, "ca.pem")).await;

    // Mosquitto, too, refuses a device that trusts another CA, and plain MQTT on its TLS port.
    let other = tls_init("otherhall", &[]);
    let mut opts = bare_login(&hall, tls_port);
    opts.set_transport(
        TlsTrust::from_ca_file(&file(&other, "ca.pem"))
            .unwrap()
            .transport(),
    );
    let refused = first_outcome(opts).await.unwrap_err();
    assert!(refused.contains("UnknownIssuer"), "{refused}");
    assert!(first_outcome(bare_login(&hall, tls_port)).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_pinning_another_ca_is_refused_at_the_handshake() {
    let pki = tls_init("testhall", &[]);
    // Another hall's CA, and another CA of this same hall (same name, another key): neither
    // signed this broker's certificate.
    let other_hall = tls_init("otherhall", &[]);
    let same_name = tls_init("testhall", &[]);
    let tls_port = free_port();
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        &tls_keys(&format!("127.0.0.1:{tls_port}"), &pki),
    );
    let _hub = hall.start_hub();
    wait_for_port(tls_port);
    // The broker holds device logins until the hub serves: wait for that on the plain port.
    let (_display, _task) = hall.device("display-main").await;

    for (other, error) in [(&other_hall, "UnknownIssuer"), (&same_name, "BadSignature")] {
        let mut opts = bare_login(&hall, tls_port);
        opts.set_transport(
            TlsTrust::from_ca_file(&file(other, "ca.pem"))
                .unwrap()
                .transport(),
        );
        let refused = first_outcome(opts).await.unwrap_err();
        assert!(refused.contains(error), "{refused}");
    }
    // The same login with the hall's own CA gets in: the refusal was the certificate's.
    let mut opts = bare_login(&hall, tls_port);
    opts.set_transport(
        TlsTrust::from_ca_file(&file(&pki, "ca.pem"))
            .unwrap()
            .transport(),
    );
    first_outcome(opts).await.unwrap();

    // A device client with the wrong CA never connects, and so never sends its password.
    let config = tls_client(
        &hall,
        "kiosk-2",
        "127.0.0.1",
        tls_port,
        &file(&other_hall, "ca.pem"),
    );
    let (kiosk, _task) = DeviceClient::connect(&config);
    let mut connected = kiosk.connected();
    let got_in = tokio::time::timeout(Duration::from_secs(3), connected.wait_for(|c| *c)).await;
    assert!(got_in.is_err(), "a device trusting another CA connected");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_mqtt_to_the_tls_port_fails() {
    let pki = tls_init("testhall", &[]);
    let tls_port = free_port();
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        &tls_keys(&format!("127.0.0.1:{tls_port}"), &pki),
    );
    let _hub = hall.start_hub();
    wait_for_port(tls_port);
    let (_display, _task) = hall.device("display-main").await;
    // The right login in plain text: the TLS listener answers no CONNECT, whatever it says.
    let refused = first_outcome(bare_login(&hall, tls_port)).await;
    assert!(refused.is_err(), "plain MQTT got in on the TLS port");
    // And the plain port still serves plain MQTT (`plain` is on by default).
    first_outcome(bare_login(&hall, hall.port)).await.unwrap();
}

/// This machine's address on its network, if it has one (the one its default route leaves by).
fn network_address() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    // No packet is sent: connecting a UDP socket only picks the route. 192.0.2.1 is TEST-NET-1.
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

fn opens(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_plain_off_the_plain_port_is_not_open_on_the_public_address() {
    // 127.0.0.2 stands for the hall's network: a socket bound to 0.0.0.0 answers there, one
    // bound to 127.0.0.1 does not. The machine's own network address is checked too, if it has
    // one. The certificate names 127.0.0.2, as a hall's names its hub's address.
    let wildcard = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let public = "127.0.0.2".parse::<IpAddr>().unwrap();
    assert!(
        opens(SocketAddr::new(
            public,
            wildcard.local_addr().unwrap().port()
        )),
        "127.0.0.2 must reach a socket bound to 0.0.0.0 for this test to mean anything"
    );
    drop(wildcard);

    let pki = tls_init("testhall", &["127.0.0.2"]);
    let tls_port = free_port();
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        &format!(
            "plain = false\n{}",
            tls_keys(&format!("0.0.0.0:{tls_port}"), &pki)
        ),
    );
    // The hall asks for the plain listener on every address, as the example hall.toml does.
    let text = std::fs::read_to_string(&hall.config_path).unwrap();
    let text = text.replace(
        &format!("listen = \"127.0.0.1:{}\"", hall.port),
        &format!("listen = \"0.0.0.0:{}\"", hall.port),
    );
    assert!(text.contains("listen = \"0.0.0.0:"));
    std::fs::write(&hall.config_path, text).unwrap();

    let _hub = hall.start_hub();
    wait_for_port(tls_port);
    let mut addresses = vec![public];
    addresses.extend(network_address());
    for ip in addresses {
        assert!(
            !opens(SocketAddr::new(ip, hall.port)),
            "the plain port is open on {ip} with plain = false"
        );
        assert!(
            opens(SocketAddr::new(ip, tls_port)),
            "the TLS port is not open on {ip}"
        );
    }
    // The hub's own connection is on loopback: it serves, and a device gets its ticket over
    // TLS at the public address.
    ticket_over_tls(&hall, "127.0.0.2", tls_port, &file(&pki, "ca.pem")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tls_connection_that_sends_nothing_after_its_handshake_is_closed() {
    use tokio::io::AsyncReadExt as _;
    let pki = tls_init("testhall", &[]);
    let tls_port = free_port();
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        &tls_keys(&format!("127.0.0.1:{tls_port}"), &pki),
    );
    let _hub = hall.start_hub();
    wait_for_port(tls_port);
    let (_display, _task) = hall.device("display-main").await;

    // A bare TLS client trusting the hall's CA: its handshake completes, then it says nothing.
    let mut roots = rustls::RootCertStore::empty();
    let ca = std::fs::read(file(&pki, "ca.pem")).unwrap();
    for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&ca) {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let mut idle = Vec::new();
    for _ in 0..3 {
        let tcp = tokio::net::TcpStream::connect(("127.0.0.1", tls_port))
            .await
            .unwrap();
        let name = rustls::pki_types::ServerName::try_from("127.0.0.1").unwrap();
        idle.push(connector.connect(name, tcp).await.unwrap());
    }
    // Each is closed by the broker (the time-out is 10 s; a minute is the bound).
    for (n, tls) in idle.iter_mut().enumerate() {
        let mut buf = [0_u8; 16];
        let read = tokio::time::timeout(Duration::from_secs(60), tls.read(&mut buf)).await;
        assert!(
            matches!(read, Ok(Ok(0) | Err(_))),
            "idle TLS connection {n} is still open after a minute: {read:?}"
        );
    }
    // A device that does send its CONNECT is still served over TLS.
    ticket_over_tls(&hall, "127.0.0.1", tls_port, &file(&pki, "ca.pem")).await;
}
