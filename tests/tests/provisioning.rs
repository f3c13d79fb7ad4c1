//! Provisioning as a hall's engineer does it, with the real `hallq` binary: `hallq device add`
//! prints a secret once and the device logs in with it and gets a ticket; after `hallq device
//! revoke` and a reload of the running hub (SIGHUP, `systemctl reload hallq-hub`) the device is
//! put out at once and its secret refused, while every other device stays connected; a rotated
//! secret replaces the old one the same way; `hallq device mosquitto` writes the files a real
//! Mosquitto lets the added devices in with and keeps the revoked one out with.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_hub::HallConfig;
use hallq_proto::{ErrorCode, ReplyBody, ReplyResult};
use hallq_tests::{BrokerKind, Hall, hallq_bin, mosquitto_available, ticket, wait_hub_online};
use rumqttc::{AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, Packet};

/// Runs `hallq device ARGS --config <the hall's>`, with `stdin` on standard input.
fn device_cmd(hall: &Hall, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(hallq_bin())
        .arg("device")
        .args(args)
        .arg("--config")
        .arg(&hall.config_path)
        .env("USER", "engineer-li")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// Runs a `hallq device` command that must succeed; returns its standard output.
fn device_ok(hall: &Hall, args: &[&str], stdin: &str) -> String {
    let out = device_cmd(hall, args, stdin);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "hallq device {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// `hallq device add ID --role kiosk`; returns the secret it printed.
fn add_kiosk(hall: &Hall, id: &str) -> String {
    let stdout = device_ok(hall, &["add", id, "--role", "kiosk"], "");
    assert!(
        stdout.contains("shown only this once") && stdout.contains("仅显示这一次"),
        "{stdout}"
    );
    let secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("secret / 密钥: "))
        .unwrap_or_else(|| panic!("no secret line in:\n{stdout}"))
        .to_owned();
    assert_eq!(secret.len(), hallq_hub::secret::RANDOM_LEN);
    secret
}

/// Logs in to the broker on `port` as device `id` with `secret`: the live connection, or why
/// the broker refused it.
async fn login(port: u16, id: &str, secret: &str) -> Result<(AsyncClient, EventLoop), String> {
    let mut opts = MqttOptions::new(id, "127.0.0.1", port);
    opts.set_credentials(id, secret);
    opts.set_keep_alive(Duration::from_secs(5));
    let (client, mut eventloop) = AsyncClient::new(opts, 10);
    let connack = async {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
    };
    // The embedded broker holds a device's CONNECT until its hub serves (at most 10 s).
    match tokio::time::timeout(Duration::from_secs(15), connack).await {
        Ok(Ok(())) => Ok((client, eventloop)),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer to CONNECT within 15 s".into()),
    }
}

/// Whether an error from [`login`] is the broker's refusal (not a network failure).
fn refused(error: &str) -> bool {
    error.contains("refused") || error.contains("Refused")
}

/// `hallq device mosquitto --out OUT`, the hub's password on standard input.
fn generate_mosquitto(hall: &Hall, out: &str) -> String {
    device_ok(
        hall,
        &["mosquitto", "--out", out, "--hub-secret-stdin"],
        &format!("{}\n", hall.hub_secret),
    )
}

/// Device `id` with `secret` sends a ticket request through the hall's hub; returns its number.
async fn ticket_for(hall: &Hall, id: &str, secret: &str) -> String {
    let mut config = hall.client_config(id);
    config.secret = Some(secret.to_owned());
    let (client, _task) = DeviceClient::connect(&config);
    wait_hub_online(&client).await;
    let reply = client.send(ticket("basic")).await.unwrap();
    let number = match &reply.body {
        ReplyBody::Ok(ReplyResult::TicketIssued(t)) => t.number.0.clone(),
        other => panic!("no ticket: {other:?}"),
    };
    let _ = client.disconnect().await;
    number
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_added_device_gets_a_ticket_and_once_revoked_is_put_out_at_the_hubs_reload() {
    let hall = Hall::new(BrokerKind::Embedded);
    let before = std::fs::read_to_string(&hall.config_path).unwrap();

    let secret = add_kiosk(&hall, "kiosk-9");
    let after = std::fs::read_to_string(&hall.config_path).unwrap();
    assert!(
        after.starts_with(&before),
        "the rest of hall.toml is kept as it was"
    );
    assert!(!after.contains(&secret), "the secret is stored nowhere");
    let config = HallConfig::parse(&after).unwrap();
    let added = config.devices.iter().find(|d| d.id.as_str() == "kiosk-9");
    assert!(added.is_some_and(|d| d.secret_hash.is_some() && d.mosquitto_hash.is_some()));

    let hub = hall.start_hub();
    let number = ticket_for(&hall, "kiosk-9", &secret).await;
    assert!(number.starts_with('A'), "{number}");

    let listed = device_ok(&hall, &["list"], "");
    let line = listed.lines().find(|l| l.starts_with("kiosk-9 ")).unwrap();
    assert!(
        line.contains("kiosk") && line.contains("active"),
        "{listed}"
    );
    assert!(
        !listed.contains("$argon2") && !listed.contains("$7$"),
        "{listed}"
    );

    // kiosk-9 is stolen: it is connected, and so is the rest of the hall.
    let mut stolen = hall.client_config("kiosk-9");
    stolen.secret = Some(secret.clone());
    let (thief, _thief_task) = DeviceClient::connect(&stolen);
    wait_hub_online(&thief).await;
    let mut thief_connected = thief.connected();
    let (bystander, _bystander_task) = hall.device("kiosk-1").await;
    let mut bystander_connected = bystander.connected();
    bystander_connected.mark_unchanged();

    let revoked = device_ok(&hall, &["revoke", "kiosk-9"], "");
    assert!(revoked.contains("systemctl reload hallq-hub"), "{revoked}");
    let listed = device_ok(&hall, &["list"], "");
    let line = listed.lines().find(|l| l.starts_with("kiosk-9 ")).unwrap();
    assert!(line.contains("revoked at 20"), "{listed}");

    // The running hub reloads hall.toml: the stolen kiosk is put out now, not at a restart.
    hub.reload();
    tokio::time::timeout(Duration::from_secs(10), thief_connected.wait_for(|c| !*c))
        .await
        .unwrap_or_else(|_| panic!("the revoked device is put out:\n{}", hall.hub_log()))
        .unwrap();
    let _ = thief.disconnect().await;
    let refusal = login(hall.port, "kiosk-9", &secret).await.err();
    assert!(
        refusal.as_deref().is_some_and(refused),
        "the revoked device must be refused: {refusal:?}\n{}",
        hall.hub_log()
    );
    // The rest of the hall never noticed: the same connection, still served.
    let reply = bystander.send(ticket("basic")).await.unwrap();
    assert!(matches!(reply.body, ReplyBody::Ok(_)), "{reply:?}");
    assert!(
        !bystander_connected.has_changed().unwrap(),
        "the other devices keep their connection"
    );

    // A file that cannot be used changes nothing and stops nothing.
    let good = std::fs::read_to_string(&hall.config_path).unwrap();
    std::fs::write(&hall.config_path, "[hall]\nid = \"demo\"\nbroken =\n").unwrap();
    hub.reload();
    let log_has = |needle: &str| {
        (0..100).any(|_| {
            std::thread::sleep(Duration::from_millis(50));
            hall.hub_log().contains(needle)
        })
    };
    assert!(log_has("hall.toml cannot be used"), "{}", hall.hub_log());
    let reply = bystander.send(ticket("basic")).await.unwrap();
    assert!(matches!(reply.body, ReplyBody::Ok(_)), "{reply:?}");
    std::fs::write(&hall.config_path, good).unwrap();

    // The id is not given again by accident.
    let again = device_cmd(&hall, &["add", "kiosk-9", "--role", "kiosk"], "");
    assert!(!again.status.success());
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("--reuse"), "{stderr}");

    // Each change is a staff action in the journal's audit trail, without the secret. kiosk-9
    // was added before the hub had made its journal: that change has no line (the command said
    // so, and made no journal of its own: tests/tests/config_paths.rs).
    let trail = hall.journal().audit_trail().unwrap();
    let actions: Vec<(&str, Option<&str>, &str)> = trail
        .iter()
        .filter(|a| a.action.starts_with("device_"))
        .map(|a| (a.action.as_str(), a.subject.as_deref(), a.actor.as_str()))
        .collect();
    assert_eq!(
        actions,
        [("device_revoked", Some("kiosk-9"), "cli:engineer-li")]
    );
    let reloads: Vec<&str> = trail
        .iter()
        .filter(|a| a.action == "registry_reloaded")
        .map(|a| a.detail.as_str())
        .collect();
    assert_eq!(
        reloads,
        ["removed: kiosk-9"],
        "the reload is on the record:\n{}",
        hall.hub_log()
    );
    assert!(trail.iter().all(|a| !a.detail.contains(&secret)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotate_replaces_the_secret_and_the_old_one_stops_working_at_the_reload() {
    let hall = Hall::new(BrokerKind::Embedded);
    let old = add_kiosk(&hall, "kiosk-9");
    let hub = hall.start_hub();
    let (_session, mut old_loop) = login(hall.port, "kiosk-9", &old)
        .await
        .expect("the old secret works until the rotation is reloaded");
    let stdout = device_ok(&hall, &["rotate", "kiosk-9"], "");
    assert!(stdout.contains("systemctl reload hallq-hub"), "{stdout}");
    let new = stdout
        .lines()
        .find_map(|l| l.strip_prefix("secret / 密钥: "))
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    hub.reload();
    // The session opened with the old secret is closed.
    tokio::time::timeout(Duration::from_secs(10), async {
        while old_loop.poll().await.is_ok() {}
    })
    .await
    .expect("the session of the old secret is closed at the reload");
    ticket_for(&hall, "kiosk-9", &new).await;
    let refusal = login(hall.port, "kiosk-9", &old).await.err();
    assert!(refusal.as_deref().is_some_and(refused), "{refusal:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mosquitto_files_let_added_devices_in_and_keep_the_revoked_one_out() {
    if !mosquitto_available() {
        return;
    }
    let mut hall = Hall::new(BrokerKind::Embedded);
    let kiosk_8 = add_kiosk(&hall, "kiosk-8");
    let kiosk_9 = add_kiosk(&hall, "kiosk-9");

    let dir = hall.dir.path().join("mosquitto");
    let out = dir.display().to_string();
    let stdout = generate_mosquitto(&hall, &out);
    // The devices the test hall registered by hand have only an Argon2 hash.
    assert!(
        stdout.contains("kiosk-1 has no Mosquitto hash")
            && stdout.contains("hallq device rotate kiosk-1"),
        "{stdout}"
    );
    let passwd = std::fs::read_to_string(dir.join("hallq.passwd")).unwrap();
    let users: Vec<&str> = passwd
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(u, _)| u)
        .collect();
    assert_eq!(users, ["hallq-hub", "kiosk-8", "kiosk-9"]);
    assert!(!passwd.contains(&kiosk_8) && !passwd.contains(&hall.hub_secret));
    let mode = std::fs::metadata(dir.join("hallq.passwd"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o640, "the password file is not for everyone");
    let acl = std::fs::read_to_string(dir.join("hallq.acl")).unwrap();
    let config = HallConfig::parse(&std::fs::read_to_string(&hall.config_path).unwrap()).unwrap();
    let devices = config
        .devices
        .iter()
        .map(|d| (&d.id, hallq_hub::broker::Access::of(d.role)));
    assert_eq!(
        acl,
        hallq_hub::mosquitto::acl(&hall.hall, "hallq-hub", devices)
    );

    // Mosquitto drops root for its own user, which must reach the files.
    for p in [hall.dir.path(), dir.as_path()] {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    hall.run_mosquitto(&dir);
    let config = std::fs::read_to_string(&hall.config_path)
        .unwrap()
        .replacen(
            "[broker]\n",
            &format!("[broker]\nhub_secret = \"{}\"\n", hall.hub_secret),
            1,
        );
    std::fs::write(&hall.config_path, config).unwrap();
    let broker = format!("mqtt://127.0.0.1:{}", hall.port);
    let hub = hall.start_hub_with(&["--broker", &broker]);

    ticket_for(&hall, "kiosk-9", &kiosk_9).await;
    let (_kept, mut kept_loop) = login(hall.port, "kiosk-8", &kiosk_8)
        .await
        .expect("kiosk-8 is active");

    let mut stale = hall.client_config("kiosk-8");
    stale.secret = Some(kiosk_8.clone());
    let (client, _task) = DeviceClient::connect(&stale);
    wait_hub_online(&client).await;
    device_ok(&hall, &["revoke", "kiosk-8"], "");
    // Until Mosquitto's files are regenerated it still lets kiosk-8 in; the hub, once it has
    // reloaded hall.toml, answers it as a device it does not know.
    hub.reload();
    let mut reply = client.send(ticket("basic")).await.unwrap();
    for _ in 0..100 {
        if matches!(&reply.body, ReplyBody::Error(_)) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        reply = client.send(ticket("basic")).await.unwrap();
    }
    assert!(
        matches!(&reply.body, ReplyBody::Error(e) if e.code == ErrorCode::UnknownDevice),
        "{reply:?}"
    );
    generate_mosquitto(&hall, &out);
    let passwd = std::fs::read_to_string(dir.join("hallq.passwd")).unwrap();
    assert!(!passwd.contains("kiosk-8:"), "{passwd}");
    hall.reload_mosquitto();

    // Mosquitto 2 checks its connected clients again on reload: the revoked one is put out.
    let kicked = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match kept_loop.poll().await {
                Ok(_) => {}
                Err(e) => return e,
            }
        }
    })
    .await
    .expect("the revoked device's open connection is closed on reload");
    assert!(
        matches!(
            kicked,
            ConnectionError::Io(_) | ConnectionError::MqttState(_)
        ),
        "{kicked:?}"
    );
    let refusal = login(hall.port, "kiosk-8", &kiosk_8).await.err();
    assert!(refusal.as_deref().is_some_and(refused), "{refusal:?}");
    login(hall.port, "kiosk-9", &kiosk_9)
        .await
        .expect("kiosk-9 stays in");
    ticket_for(&hall, "kiosk-9", &kiosk_9).await;
}
