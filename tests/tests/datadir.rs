//! The data directory with real `hallq hub` processes: a second hub on the same directory is
//! refused while the first keeps serving, and the lock dies with its holder; a journal deleted
//! under a running hub stops it, and the next start refuses to begin an empty journal beside the
//! earlier one's key unless told to (`--new-journal`).

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_proto::state::Liveness;
use hallq_proto::{ReplyBody, ReplyResult};
use hallq_tests::{
    BrokerKind, Hall, free_port, hallq_bin, mosquitto_available, ticket, wait_latest,
};

/// Runs `hallq hub --config config extra…`, which must exit by itself (bounded, 20 s): its exit
/// status and what it wrote on stderr.
fn hub_that_exits(dir: &Path, config: &Path, extra: &[&str]) -> (ExitStatus, String) {
    let log = dir.join("refused.log");
    let mut child = Command::new(hallq_bin())
        .arg("hub")
        .arg("--config")
        .arg(config)
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    for _ in 0..400 {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, std::fs::read_to_string(&log).unwrap());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!(
        "the hub did not exit: it serves\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

/// A ticket issued now; its number.
async fn issue(kiosk: &DeviceClient) -> String {
    match kiosk.send(ticket("basic")).await.unwrap().body {
        ReplyBody::Ok(ReplyResult::TicketIssued(t)) => t.number.to_string(),
        other => panic!("no ticket: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_hub_on_the_same_data_directory_is_refused() {
    let hall = Hall::new(BrokerKind::Embedded);
    let first = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    assert_eq!(issue(&kiosk).await, "A001");

    // The same hall.toml with the embedded broker on another port: only the data directory is
    // shared (on the same port the second hub would fail at the listener anyway).
    let second = hall.dir.path().join("second.toml");
    let text = std::fs::read_to_string(&hall.config_path).unwrap().replace(
        &format!("127.0.0.1:{}", hall.port),
        &format!("127.0.0.1:{}", free_port()),
    );
    std::fs::write(&second, text).unwrap();
    let (status, stderr) =
        tokio::task::block_in_place(|| hub_that_exits(hall.dir.path(), &second, &[]));
    assert!(!status.success(), "the second hub fails: {stderr}");
    assert!(
        stderr.contains("in use by another hub")
            && stderr.contains(&format!("pid {}", first.id()))
            && stderr.contains("started "),
        "the error names the holder (pid and start): {stderr}"
    );
    assert!(
        stderr.contains("正被另一个中枢使用"),
        "in Chinese too: {stderr}"
    );

    // The first hub kept serving.
    assert_eq!(issue(&kiosk).await, "A002");

    // A crash leaves the lock file behind, but not the lock: the next hub starts.
    tokio::task::block_in_place(|| first.kill9());
    assert!(hall.data_dir().join("hub.lock").exists());
    let _hub = hall.start_hub();
    let (kiosk, _k2) = hall.device("kiosk-2").await;
    assert_eq!(issue(&kiosk).await, "A003");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_deleted_under_the_hub_stops_it_and_is_not_begun_again_unasked() {
    // Mosquitto keeps the hub's last status for the devices after the hub has gone.
    if !mosquitto_available() {
        return;
    }
    let hall = Hall::new(BrokerKind::Mosquitto);
    let mut hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    assert_eq!(issue(&kiosk).await, "A001");
    assert_eq!(issue(&kiosk).await, "A002");

    let journal = hall.data_dir().join("journal.db");
    std::fs::remove_file(&journal).unwrap();
    // A ticket asked for now is not issued into the deleted file.
    let mut one_try = hall.client_config("kiosk-2");
    one_try.attempts = 1;
    let (kiosk2, _k2) = DeviceClient::connect(&one_try);
    let answer = kiosk2.send(ticket("basic")).await;
    assert!(
        !matches!(
            answer,
            Ok(ref r) if matches!(r.body, ReplyBody::Ok(ReplyResult::TicketIssued(_)))
        ),
        "no ticket is acknowledged into a deleted journal: {answer:?}"
    );

    // The hub stops serving, says why in its log, and every device sees why.
    let status = tokio::task::block_in_place(|| hub.wait_exit())
        .unwrap_or_else(|| panic!("the hub stops serving\n{}", hall.hub_log()));
    assert!(!status.success());
    let log = hall.hub_log();
    assert!(
        log.contains("was deleted while the hub ran") && log.contains("被删除"),
        "{log}"
    );
    let reason = wait_latest(&kiosk, |l| {
        l.hub
            .as_ref()
            .filter(|h| h.status == Liveness::Offline)
            .and_then(|h| h.reason.clone())
    })
    .await;
    assert!(
        reason.zh.contains("日志") && reason.en.contains("journal"),
        "{reason:?}"
    );

    // The next start refuses to begin an empty journal beside the earlier one's key…
    let (status, stderr) =
        tokio::task::block_in_place(|| hub_that_exits(hall.dir.path(), &hall.config_path, &[]));
    assert!(!status.success());
    assert!(
        stderr.contains("no journal")
            && stderr.contains("personal.key")
            && stderr.contains("--new-journal")
            && stderr.contains("没有日志文件"),
        "{stderr}"
    );
    assert!(!journal.exists(), "nothing was begun");

    // … unless told to. (The ticket asked for after the deletion was never acknowledged: the
    // broker delivers it to this hub, which may issue it first.)
    let _hub = hall.start_hub_with(&["--new-journal"]);
    hallq_tests::wait_hub_online(&kiosk).await;
    let number = issue(&kiosk).await;
    assert!(["A001", "A002"].contains(&number.as_str()), "{number}");
}
