//! A customer's mobile number as it crosses a real hall: kiosk → Mosquitto → `hallq hub` (logging
//! at debug) → journal. It must reach no reply, no state or event message (live or retained), no
//! log line and no byte of the journal's files in clear, while the ticket is issued and the
//! number is kept sealed for its notice.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::process::{Command, Stdio};
use std::time::Duration;

use hallq_journal::PersonalKind;
use hallq_proto::command::IssueTicket;
use hallq_proto::{BusinessCode, Lang, Phone, ReplyBody, ReplyResult};
use hallq_tests::{BrokerKind, Hall, hallq_bin, mosquitto_available};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

const NUMBER: &str = "13800131234";

/// Everything published on the hall's reply, state, event and presence topics while it runs,
/// as a monitor reading the whole hall would see it.
fn monitor(hall: &Hall, n: usize) -> tokio::sync::mpsc::UnboundedReceiver<(String, Vec<u8>)> {
    let (id, password) = hallq_tests::monitor_login(hall, n);
    let mut opts = MqttOptions::new(id.clone(), "127.0.0.1", hall.port);
    opts.set_credentials(id, password);
    opts.set_max_packet_size(1 << 20, 1 << 20);
    let (client, mut eventloop) = AsyncClient::new(opts, 64);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let hall_id = hall.hall.to_string();
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    for part in ["reply", "state", "event", "presence"] {
                        client
                            .subscribe(format!("hallq/v1/{hall_id}/{part}/#"), QoS::AtLeastOnce)
                            .await
                            .unwrap();
                    }
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    if tx.send((p.topic.clone(), p.payload.to_vec())).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    rx
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_number_reaches_no_message_log_or_journal_byte_in_clear() {
    if !mosquitto_available() {
        return;
    }
    let hall = Hall::new(BrokerKind::Mosquitto);
    let log_path = hall.dir.path().join("hub-debug.log");
    let mut hub = Command::new(hallq_bin())
        .arg("hub")
        .arg("--config")
        .arg(&hall.config_path)
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let mut live = monitor(&hall, 0);
    let (kiosk, _task) = hall.device("kiosk-1").await;
    let reply = kiosk
        .send(hallq_proto::Command::IssueTicket(IssueTicket {
            business: BusinessCode::new("basic").unwrap(),
            priority_reason: None,
            green_channel: None,
            lang: Lang::Zh,
            phone: Some(Phone::parse(NUMBER).unwrap()),
            session: None,
            visit: None,
            tier: None,
        }))
        .await
        .unwrap();
    let ReplyBody::Ok(ReplyResult::TicketIssued(issued)) = &reply.body else {
        panic!(
            "no ticket: {reply:?}\n{}",
            std::fs::read_to_string(&log_path).unwrap_or_default()
        );
    };
    assert!(!serde_json::to_string(&reply).unwrap().contains(NUMBER));

    // A late subscriber gets the retained state.
    tokio::time::sleep(Duration::from_millis(800)).await;
    let mut retained = monitor(&hall, 1);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let mut seen = [0, 0];
    for (n, rx) in seen.iter_mut().zip([&mut live, &mut retained]) {
        while let Ok((topic, payload)) = rx.try_recv() {
            *n += 1;
            assert!(
                !contains(&payload, NUMBER) && !contains(&payload, "****1234"),
                "{topic} carries the number"
            );
        }
    }
    // Both looked: the live monitor saw the reply and the state changes, the late one the
    // retained state (board, services, counters, hub).
    assert!(
        seen[0] > 5 && seen[1] >= 4,
        "messages seen (live, late): {seen:?}"
    );

    hub.kill().unwrap();
    hub.wait().unwrap();
    let log = std::fs::read(&log_path).unwrap();
    assert!(log.len() > 1000, "the hub logged at debug");
    assert!(
        !contains(&log, NUMBER),
        "the hub's debug log holds the number"
    );
    for entry in std::fs::read_dir(hall.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !contains(&bytes, NUMBER),
            "{} holds the number",
            path.display()
        );
    }
    // Kept sealed, with its ticket, for the notice.
    let sealed = hall
        .journal()
        .personal(PersonalKind::NoticePhone, issued.ticket.as_str())
        .unwrap()
        .expect("the number is kept for the notice");
    let key = hall.data_dir().join("personal.key");
    let (vault, _) = hallq_hub::privacy::Vault::open_or_create(&key).unwrap();
    assert_eq!(vault.open(&sealed).unwrap(), NUMBER);
}
