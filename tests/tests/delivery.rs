//! Commands that did not come the way the contract says (QoS 1, never retained), sent with
//! `mosquitto_pub` to a real `hallq hub` over the embedded broker and over Mosquitto: a QoS 0
//! command is answered `bad_delivery` and not executed; a retained command is never executed
//! again when the hub restarts, and does not stay on the broker.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::process::Command;
use std::time::Duration;

use hallq_proto::{ErrorCode, Reply, ReplyBody};
use hallq_tests::{BrokerKind, Hall, mosquitto_available};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::sync::mpsc::UnboundedReceiver;

/// The hall's `n`th monitor login, subscribed to `filter` (its SUBACK seen) when this returns.
async fn reader(hall: &Hall, n: usize, filter: &str) -> UnboundedReceiver<(String, Vec<u8>)> {
    let (id, password) = hallq_tests::monitor_login(hall, n);
    let mut opts = MqttOptions::new(id.clone(), "127.0.0.1", hall.port);
    opts.set_credentials(id, password);
    let (client, mut eventloop) = AsyncClient::new(opts, 64);
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let (subscribed_tx, subscribed) = tokio::sync::oneshot::channel();
    let filter = format!("hallq/v1/{}/{filter}", hall.hall);
    tokio::spawn(async move {
        let mut subscribed_tx = Some(subscribed_tx);
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    client.subscribe(&filter, QoS::AtLeastOnce).await.unwrap();
                }
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    if let Some(tx) = subscribed_tx.take() {
                        let _ = tx.send(client.clone());
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
    tokio::time::timeout(Duration::from_secs(20), subscribed)
        .await
        .expect("the reader subscribes within 20 s")
        .unwrap();
    rx
}

/// `mosquitto_pub` as `kiosk-2` on its command topic, with `flags` (`-q 0`, `-r`, …); an empty
/// `message` is sent as a zero-length payload.
fn publish(hall: &Hall, flags: &[&str], message: &str) {
    let message: &[&str] = if message.is_empty() {
        &["-n"]
    } else {
        &["-m", message]
    };
    let topic = format!("hallq/v1/{}/cmd/kiosk-2", hall.hall);
    let status = Command::new("mosquitto_pub")
        .args([
            "-h",
            "127.0.0.1",
            "-V",
            "mqttv311",
            "-i",
            "kiosk-2",
            "-u",
            "kiosk-2",
        ])
        .args(["-p", &hall.port.to_string(), "-P", &hall.secrets["kiosk-2"]])
        .args(["-t", &topic])
        .args(message)
        .args(flags)
        .status()
        .expect("mosquitto_pub runs (apt-get install mosquitto-clients)");
    assert!(status.success(), "mosquitto_pub {flags:?} failed");
}

fn ticket_command(id: &str) -> String {
    format!(r#"{{"v":1,"id":"{id}","device":"kiosk-2","kind":"issue_ticket","business":"basic"}}"#)
}

/// The next reply to command `id`, within 20 s.
async fn reply_to(rx: &mut UnboundedReceiver<(String, Vec<u8>)>, id: &str) -> Reply {
    let wait = async {
        loop {
            let (_, payload) = rx.recv().await.expect("the reader runs");
            let reply: Reply = serde_json::from_slice(&payload).unwrap();
            if reply.id.as_ref().is_some_and(|i| i.as_str() == id) {
                return reply;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), wait)
        .await
        .unwrap_or_else(|_| panic!("no reply to {id} within 20 s"))
}

fn tickets(hall: &Hall) -> Vec<String> {
    let j = hall.journal();
    let mut stmt = j
        .connection()
        .prepare("SELECT ticket FROM tickets ORDER BY ticket")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Waits until the hub answers a command (`id`) from kiosk-2.
async fn hub_answering(hall: &Hall, replies: &mut UnboundedReceiver<(String, Vec<u8>)>, id: &str) {
    // Until the hub has subscribed, a command goes to no one: send until one is answered.
    for _ in 0..20 {
        publish(
            hall,
            &["-q", "1"],
            &format!(
                r#"{{"v":1,"id":"{id}","device":"kiosk-2","kind":"session_started","session":"s"}}"#
            ),
        );
        let wait = reply_to(replies, id);
        if tokio::time::timeout(Duration::from_secs(2), wait)
            .await
            .is_ok()
        {
            return;
        }
    }
    panic!("the hub does not answer:\n{}", hall.hub_log());
}

async fn misdelivered_commands_are_not_executed(kind: BrokerKind) {
    // The reader logs in as the hub does: on the embedded broker, with a secret the test knows.
    let hall = match kind {
        BrokerKind::Embedded => Hall::with_sections(kind, "hub_secret = \"hub-test-secret\"\n\n"),
        BrokerKind::Mosquitto => Hall::new(kind),
    };
    let hub = hall.start_hub();
    let mut replies = reader(&hall, 0, "reply/kiosk-2").await;
    hub_answering(&hall, &mut replies, "ping-1").await;

    // QoS 0: answered, refused, not executed.
    publish(&hall, &["-q", "0"], &ticket_command("q0-1"));
    let reply = reply_to(&mut replies, "q0-1").await;
    match &reply.body {
        ReplyBody::Error(e) => assert_eq!(e.code, ErrorCode::BadDelivery, "{e:?}"),
        other => panic!("a QoS 0 command was accepted: {other:?}"),
    }

    // Retained, while the hub runs.
    publish(&hall, &["-q", "1", "-r"], &ticket_command("r-1"));
    publish(&hall, &["-q", "1"], &ticket_command("after-1"));
    reply_to(&mut replies, "after-1").await;
    let before_restart = tickets(&hall);
    match kind {
        // Refused by the broker as it was published: never reaches the hub.
        BrokerKind::Embedded => assert_eq!(before_restart.len(), 1, "{before_restart:?}"),
        // Mosquitto forwards it live with the retain flag cleared (MQTT 3.1.1): the hub cannot
        // tell it from a plain command, and carries it out once, as one.
        BrokerKind::Mosquitto => assert_eq!(before_restart.len(), 2, "{before_restart:?}"),
    }

    // The hub restarts and subscribes again: the retained command is not run again.
    assert!(hub.terminate(), "{}", hall.hub_log());
    // (The reader reconnects by itself.)
    let _hub = hall.start_hub();
    hub_answering(&hall, &mut replies, "ping-2").await;
    publish(&hall, &["-q", "1"], &ticket_command("after-2"));
    reply_to(&mut replies, "after-2").await;
    let after_restart = tickets(&hall);
    assert_eq!(
        after_restart.len(),
        before_restart.len() + 1,
        "only after-2 was issued: {after_restart:?}"
    );

    // And it is no longer on the broker: a new subscriber to the topic gets only what is
    // published after it subscribed (an empty marker, which the hub refuses `malformed`).
    let mut cmds = reader(&hall, 1, "cmd/kiosk-2").await;
    publish(&hall, &["-q", "1"], "");
    let (_, first) = tokio::time::timeout(Duration::from_secs(20), cmds.recv())
        .await
        .expect("the marker arrives")
        .unwrap();
    assert!(
        first.is_empty(),
        "a retained command is still on the broker: {}",
        String::from_utf8_lossy(&first)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn misdelivered_commands_are_not_executed_embedded() {
    misdelivered_commands_are_not_executed(BrokerKind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn misdelivered_commands_are_not_executed_mosquitto() {
    if mosquitto_available() {
        misdelivered_commands_are_not_executed(BrokerKind::Mosquitto).await;
    }
}
