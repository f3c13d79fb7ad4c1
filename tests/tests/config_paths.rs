//! hall.toml's relative paths are taken from its folder: the example configuration copied into
//! a folder with the firmware profiles beside it works with `hallq device rotate` and `hallq hub`
//! run from another working directory (as systemd runs the hub, in `/`), and the journal lands
//! beside the file.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::Path;
use std::process::{Command, Stdio};

use hallq_client::{ClientConfig, DeviceClient};
use hallq_proto::{DeviceId, ErrorCode, HallId, ReplyBody, ReplyResult};
use hallq_tests::{free_port, hallq_bin, ticket, wait_for_port, wait_hub_online};

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Kills the hub when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_hall_runs_from_its_own_folder_whatever_the_working_directory() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let etc = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let config = etc.path().join("hall.toml");
    std::fs::copy(repo.join("deploy/hall.example.toml"), &config).unwrap();
    copy_dir(
        &repo.join("firmware-profiles"),
        &etc.path().join("firmware-profiles"),
    );

    // `hallq device rotate` reads the profiles the devices name and writes its audit record.
    let rotated = Command::new(hallq_bin())
        .args(["device", "rotate", "kiosk-1", "--config"])
        .arg(&config)
        .current_dir(elsewhere.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&rotated.stdout);
    assert!(
        rotated.status.success(),
        "rotate: {stdout}{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let secret = stdout
        .lines()
        .find_map(|l| l.strip_prefix("secret / 密钥: "))
        .unwrap()
        .trim()
        .to_owned();

    let port = free_port();
    let log = etc.path().join("hub.log");
    let _hub = Killed(
        Command::new(hallq_bin())
            .arg("hub")
            .arg("--config")
            .arg(&config)
            .current_dir(elsewhere.path())
            .env("HALLQ_LISTEN", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    let started = std::panic::catch_unwind(|| wait_for_port(port));
    assert!(
        started.is_ok(),
        "the hub does not start:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );

    let mut kiosk = ClientConfig::new(
        "127.0.0.1",
        port,
        HallId::new("demo").unwrap(),
        DeviceId::new("kiosk-1").unwrap(),
    );
    kiosk.secret = Some(secret);
    let (kiosk, _conn) = DeviceClient::connect(&kiosk);
    wait_hub_online(&kiosk).await;
    // The hub answers: a ticket within the example's opening hours, `hall_closed` outside them.
    let reply = kiosk.send(ticket("basic")).await.unwrap();
    let served = match &reply.body {
        ReplyBody::Ok(ReplyResult::TicketIssued(_)) => true,
        ReplyBody::Error(e) => e.code == ErrorCode::HallClosed,
        ReplyBody::Ok(_) => false,
    };
    assert!(served, "{reply:?}");

    // The journal is beside hall.toml, not in the working directory.
    assert!(etc.path().join("hallq-data/journal.db").exists());
    assert!(!elsewhere.path().join("hallq-data").exists());
}

#[test]
fn a_device_command_against_a_folder_without_a_journal_creates_none_and_says_so() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let etc = tempfile::tempdir().unwrap();
    let config = etc.path().join("hall.toml");
    std::fs::copy(repo.join("deploy/hall.example.toml"), &config).unwrap();
    copy_dir(
        &repo.join("firmware-profiles"),
        &etc.path().join("firmware-profiles"),
    );
    let data = etc.path().join("hallq-data");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("data_dir = \"./hallq-data\""),
        "the example hall's data directory"
    );

    for args in [
        &["device", "rotate", "kiosk-1"][..],
        &["device", "revoke", "kiosk-2"][..],
        &["device", "add", "kiosk-9", "--role", "kiosk"][..],
    ] {
        let out = Command::new(hallq_bin())
            .args(args)
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        // The registry is changed (a hall is provisioned before its hub first runs) ...
        assert!(out.status.success(), "{args:?}: {said}");
        // ... but no journal is made where there was none, and the command says so, twice.
        assert!(
            !data.join("journal.db").exists() && !data.exists(),
            "{args:?} created {}",
            data.display()
        );
        assert!(said.contains("no journal"), "{args:?}: {said}");
        assert!(said.contains("没有日志库"), "{args:?}: {said}");
    }
}
