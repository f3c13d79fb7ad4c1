//! The hall under attack, over real MQTT: the real `hallq hub`, the embedded broker and Eclipse
//! Mosquitto, attackers as bare MQTT clients. Each test attacks, then checks that the hall still
//! serves (an honest kiosk gets a ticket and a counter calls it) and that every refusal the hub
//! saw is in its journal with its code.
//!
//! Attacks: wrong, missing and borrowed credentials; a device taking another's client id; devices
//! sending what their role may not; spoofing another device (in the envelope, and by its topic);
//! replays; oversized and malformed payloads; a last will aimed at the hall's state; a flood of
//! tickets from one kiosk; one mobile number taking ticket after ticket.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod raw;

use std::time::Instant;

use hallq_client::DeviceClient;
use hallq_proto::command::TicketRef;
use hallq_proto::topic::Topics;
use hallq_proto::{
    Command, CommandId, DeviceId, ErrorCode, Phone, Reply, ReplyBody, ReplyResult, ServiceResult,
    StaffNo,
};
use hallq_tests::{BrokerKind, Hall, HubProcess, mosquitto_available, ticket};
use raw::{Login, Raw, Seen, holds, journaled_refusal, marker, refusal_codes};
use tokio::task::JoinHandle;

fn code_of(reply: &Reply) -> Option<ErrorCode> {
    match &reply.body {
        ReplyBody::Error(e) => Some(e.code),
        ReplyBody::Ok(_) => None,
    }
}

/// The last lines of the hub's log, for a failure's message.
fn log_tail(hall: &Hall) -> String {
    let log = hall.hub_log();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// The honest part of the hall: kiosk-2 and counter 3's terminal, signed in.
struct Service {
    kiosk: DeviceClient,
    counter: DeviceClient,
    _tasks: [JoinHandle<()>; 2],
}

impl Service {
    async fn start(hall: &Hall) -> Self {
        let (kiosk, k) = hall.device("kiosk-2").await;
        let (counter, c) = hall.device("counter-3").await;
        let signed = counter
            .send(Command::SignIn {
                staff: StaffNo::new("E1003").unwrap(),
                pin: None,
            })
            .await
            .unwrap();
        assert_eq!(code_of(&signed), None, "{signed:?}");
        Self {
            kiosk,
            counter,
            _tasks: [k, c],
        }
    }

    /// The hall still serves: a ticket for the honest kiosk, called, served and finished at
    /// counter 3. Returns the ticket's number.
    async fn still_serves(&self, hall: &Hall, after: &str) -> String {
        let issued = self.kiosk.send(ticket("basic")).await.unwrap_or_else(|e| {
            panic!(
                "after {after}: no ticket for an honest kiosk: {e}\n{}",
                hall.hub_log()
            )
        });
        let ReplyBody::Ok(ReplyResult::TicketIssued(t)) = &issued.body else {
            panic!("after {after}: the honest kiosk was refused: {issued:?}")
        };
        let number = t.number.0.clone();
        let called = self
            .counter
            .send(Command::CallTicket {
                ticket: TicketRef(number.clone()),
            })
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "after {after}: the counter got no answer: {e}\n{}",
                    log_tail(hall)
                )
            });
        assert!(
            matches!(&called.body, ReplyBody::Ok(ReplyResult::Called { number: n, .. }) if n.0 == number),
            "after {after}: the counter could not call {number}: {called:?}"
        );
        for cmd in [
            Command::StartService {},
            Command::Finish {
                result: ServiceResult::Done,
                note: None,
                missing: vec![],
            },
        ] {
            let reply = self.counter.send(cmd).await.unwrap_or_else(|e| {
                panic!(
                    "after {after}: the counter got no answer: {e}\n{}",
                    log_tail(hall)
                )
            });
            assert_eq!(code_of(&reply), None, "after {after}: {reply:?}");
        }
        number
    }
}

/// A hall for these tests (see [`raw::hall`]) with its hub started.
fn hall_with(kind: BrokerKind, sections: &str) -> (Hall, HubProcess) {
    let hall = raw::hall(kind, sections);
    let hub = hall.start_hub();
    (hall, hub)
}

/// Publishes `payload` on the raw client's own command topic and returns the hub's reply (the
/// client must read its reply topic).
async fn exchange(raw: &mut Raw, hall: &Hall, device: &str, payload: impl Into<Vec<u8>>) -> Reply {
    let topics = Topics::new(&hall.hall);
    let me = DeviceId::new(device).unwrap();
    raw.publish(&topics.cmd(&me), payload, false).await;
    let got = raw.messages_until(|p| p.topic == topics.reply(&me)).await;
    serde_json::from_slice(&got.last().unwrap().payload).unwrap()
}

/// Device `id`'s bare login, reading its replies.
async fn bare_device(hall: &Hall, id: &str) -> Raw {
    let mut raw = Raw::connected(hall.port, &Login::device(hall, id)).await;
    let me = DeviceId::new(id).unwrap();
    raw.subscribe(&Topics::new(&hall.hall).reply(&me)).await;
    raw
}

/// Both brokers for one scenario.
macro_rules! on_both_brokers {
    ($scenario:ident: $embedded:ident, $mosquitto:ident) => {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $embedded() {
            $scenario(BrokerKind::Embedded).await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $mosquitto() {
            if mosquitto_available() {
                $scenario(BrokerKind::Mosquitto).await;
            }
        }
    };
}

// --- Logging in ---------------------------------------------------------------------------------

async fn bad_logins_are_refused_at_connect(kind: BrokerKind) {
    let (hall, _hub) = hall_with(kind, "");
    let service = Service::start(&hall).await;
    let kiosk1 = Login::device(&hall, "kiosk-1");
    let attempts = [
        (
            "a wrong password",
            Login {
                password: Some("not-the-secret".into()),
                ..kiosk1.clone()
            },
        ),
        (
            "another device's secret",
            Login {
                password: hall.secrets.get("kiosk-2").cloned(),
                ..kiosk1.clone()
            },
        ),
        (
            "no credentials",
            Login {
                client_id: "kiosk-1".into(),
                ..Login::default()
            },
        ),
        (
            "a user name without a password",
            Login {
                password: None,
                ..kiosk1.clone()
            },
        ),
        (
            "an unknown user",
            Login {
                client_id: "kiosk-9".into(),
                username: Some("kiosk-9".into()),
                password: Some("guess".into()),
                ..Login::default()
            },
        ),
        (
            "the hub's user with a guess",
            Login {
                client_id: "hallq-hub-x".into(),
                username: Some("hallq-hub".into()),
                password: Some("hallq-hub".into()),
                ..Login::default()
            },
        ),
    ];
    for (what, login) in attempts {
        let mut raw = Raw::connect(hall.port, &login);
        let outcome = raw.connack().await;
        assert!(outcome.is_err(), "{what}: connected");
    }
    // Nothing of it reached the hub.
    assert!(
        refusal_codes(&hall, "kiosk-1").is_empty(),
        "the hub never saw them"
    );
    service.still_serves(&hall, "bad logins").await;
}

on_both_brokers!(bad_logins_are_refused_at_connect:
    bad_logins_are_refused_at_connect_embedded, bad_logins_are_refused_at_connect_mosquitto);

/// A device's login under another device's client id would take over that device's session
/// (the broker drops the older connection with the same client id).
async fn a_login_cannot_take_another_devices_client_id(kind: BrokerKind) {
    let (hall, _hub) = hall_with(kind, "");
    let service = Service::start(&hall).await;
    let mut victim = bare_device(&hall, "kiosk-1").await;
    let takeover = Login {
        client_id: "kiosk-1".into(),
        ..Login::device(&hall, "greeter-1")
    };
    let mut raw = Raw::connect(hall.port, &takeover);
    let outcome = raw.connack().await;
    // The victim is still connected: its next command is answered.
    let reply = exchange(
        &mut victim,
        &hall,
        "kiosk-1",
        r#"{"v":1,"id":"still-here","device":"kiosk-1","kind":"session_started","session":"s1"}"#,
    )
    .await;
    assert_eq!(code_of(&reply), None, "{reply:?}");
    // The embedded broker refuses the login; Mosquitto gives it its own user name as client id.
    if kind == BrokerKind::Embedded {
        assert!(
            outcome.is_err(),
            "greeter-1's login took kiosk-1's client id"
        );
    }
    service.still_serves(&hall, "a client id takeover").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_cannot_take_another_devices_client_id_embedded() {
    a_login_cannot_take_another_devices_client_id(BrokerKind::Embedded).await;
}

/// deploy/mosquitto/hallq.conf ties a login to its client id (`use_username_as_clientid`):
/// greeter-1's login asking for `kiosk-1` gets its own id and kiosk-1 stays on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_cannot_take_another_devices_client_id_mosquitto() {
    if mosquitto_available() {
        a_login_cannot_take_another_devices_client_id(BrokerKind::Mosquitto).await;
    }
}

// --- Roles and identity -------------------------------------------------------------------------

async fn devices_out_of_their_role_are_refused_and_journaled(kind: BrokerKind) {
    let (hall, _hub) = hall_with(kind, "");
    let service = Service::start(&hall).await;
    let number = service.still_serves(&hall, "nothing yet").await;
    let cases = [
        ("display-main", Command::CallNext {}),
        ("display-main", ticket("basic")),
        (
            "display-main",
            Command::Finish {
                result: ServiceResult::Done,
                note: None,
                missing: vec![],
            },
        ),
        ("kiosk-1", Command::CallNext {}),
        (
            "kiosk-1",
            Command::CallTicket {
                ticket: TicketRef(number.clone()),
            },
        ),
        ("kiosk-1", Command::Recall {}),
        (
            "kiosk-1",
            Command::CancelTicket {
                ticket: TicketRef(number),
                reason: None,
            },
        ),
        ("evaluator-1", ticket("vip")),
        ("door-1", Command::CallNext {}),
    ];
    for (device, cmd) in cases {
        let (client, _task) = hall.device(device).await;
        let id = CommandId::new(marker(device)).unwrap();
        let what = cmd.kind();
        let reply = client.send_with_id(id.clone(), cmd).await.unwrap();
        assert_eq!(
            code_of(&reply),
            Some(ErrorCode::Forbidden),
            "{device} {what}"
        );
        let found = journaled_refusal(&hall, device, id.as_str());
        assert_eq!(
            found.map(|(_, c)| c),
            Some("forbidden".to_string()),
            "{device} {what} journaled"
        );
    }
    service.still_serves(&hall, "role violations").await;
}

on_both_brokers!(devices_out_of_their_role_are_refused_and_journaled:
    devices_out_of_their_role_are_refused_and_journaled_embedded,
    devices_out_of_their_role_are_refused_and_journaled_mosquitto);

async fn a_device_spoofing_another_is_refused(kind: BrokerKind) {
    let (hall, _hub) = hall_with(kind, "");
    let service = Service::start(&hall).await;
    let topics = Topics::new(&hall.hall);
    let mut monitor = Raw::connected(hall.port, &Login::monitor(&hall)).await;
    monitor.subscribe(&topics.all_cmds()).await;
    let mut door = bare_device(&hall, "door-1").await;

    // Its own topic, another's name in the envelope: device_mismatch, journaled.
    let id = marker("spoof-envelope");
    let reply = exchange(
        &mut door,
        &hall,
        "door-1",
        format!(r#"{{"v":1,"id":"{id}","device":"counter-3","kind":"call_next"}}"#),
    )
    .await;
    assert_eq!(
        code_of(&reply),
        Some(ErrorCode::DeviceMismatch),
        "{reply:?}"
    );
    assert_eq!(
        journaled_refusal(&hall, "door-1", &id),
        Some(("refusals", "device_mismatch".to_string()))
    );

    // Another's topic, with the other's name: the broker drops it; the hub never sees it, the
    // counter is not moved, no reply goes to the counter.
    let spoof = marker("spoof-topic");
    let victim = DeviceId::new("counter-3").unwrap();
    door.publish(
        &topics.cmd(&victim),
        format!(r#"{{"v":1,"id":"{spoof}","device":"counter-3","kind":"sign_out"}}"#),
        false,
    )
    .await;
    let sentinel = marker("after-spoof");
    let reply = exchange(
        &mut door,
        &hall,
        "door-1",
        format!(r#"{{"v":1,"id":"{sentinel}","device":"door-1","kind":"door_count","entered":1}}"#),
    )
    .await;
    assert_eq!(code_of(&reply), None, "{reply:?}");
    let seen = monitor.messages_until(|p| holds(p, &sentinel)).await;
    assert!(
        !seen.iter().any(|p| holds(p, &spoof)),
        "the spoofed command reached the hub's topics"
    );
    assert_eq!(journaled_refusal(&hall, "counter-3", &spoof), None);
    let journaled: i64 = hall
        .journal()
        .connection()
        .query_row(
            "SELECT count(*) FROM commands WHERE command_id = ?1",
            [&spoof],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(journaled, 0, "the spoofed sign_out was never applied");
    // Counter 3 is still signed in: it serves.
    service.still_serves(&hall, "spoofing").await;
}

on_both_brokers!(a_device_spoofing_another_is_refused:
    a_device_spoofing_another_is_refused_embedded, a_device_spoofing_another_is_refused_mosquitto);

// --- Replays ------------------------------------------------------------------------------------

async fn replayed_commands_change_nothing(kind: BrokerKind) {
    let (hall, _hub) = hall_with(kind, "");
    let service = Service::start(&hall).await;
    let topics = Topics::new(&hall.hall);
    let mut monitor = Raw::connected(hall.port, &Login::monitor(&hall)).await;
    monitor.subscribe(&topics.call()).await;
    let mut kiosk = bare_device(&hall, "kiosk-1").await;
    let (counter, _c) = hall.device("counter-1").await;
    let signed = counter
        .send(Command::SignIn {
            staff: StaffNo::new("E1001").unwrap(),
            pin: None,
        })
        .await
        .unwrap();
    assert_eq!(code_of(&signed), None);

    // A ticket request captured and replayed: the very same reply, one ticket.
    let id = marker("replayed-ticket");
    let payload = format!(
        r#"{{"v":1,"id":"{id}","device":"kiosk-1","kind":"issue_ticket","business":"basic"}}"#
    );
    let mut replies = Vec::new();
    for _ in 0..5 {
        let reply = exchange(&mut kiosk, &hall, "kiosk-1", payload.clone()).await;
        replies.push(serde_json::to_string(&reply).unwrap());
    }
    assert!(replies.windows(2).all(|w| w[0] == w[1]), "{replies:#?}");
    let first: Reply = serde_json::from_str(&replies[0]).unwrap();
    let ReplyBody::Ok(ReplyResult::TicketIssued(t)) = first.body else {
        panic!("{first:?}")
    };
    // A replay with other fields under the same id changes nothing either.
    let altered = payload.replace("\"basic\"", "\"vip\"");
    let again = exchange(&mut kiosk, &hall, "kiosk-1", altered).await;
    assert_eq!(serde_json::to_string(&again).unwrap(), replies[0]);
    let tickets: i64 = hall
        .journal()
        .connection()
        .query_row(
            "SELECT count(*) FROM events WHERE device = 'kiosk-1' AND command_id = ?1 AND type = 'ticket_issued'",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tickets, 1, "one ticket for the replayed id");

    // A call replayed: one call event, one voice announcement.
    let call_id = CommandId::new(marker("replayed-call")).unwrap();
    let call = Command::CallTicket {
        ticket: TicketRef(t.number.0.clone()),
    };
    let mut calls = Vec::new();
    for _ in 0..3 {
        calls.push(
            counter
                .send_with_id(call_id.clone(), call.clone())
                .await
                .unwrap(),
        );
    }
    assert!(calls.windows(2).all(|w| w[0] == w[1]), "{calls:#?}");
    assert_eq!(code_of(&calls[0]), None, "{:?}", calls[0]);
    // The honest service's call comes after the replays: every call event of the replayed
    // ticket is before it.
    let next = service.still_serves(&hall, "replays").await;
    let events = monitor
        .messages_until(|p| holds(p, &format!("\"number\":\"{next}\"")))
        .await;
    let announced = events
        .iter()
        .filter(|p| holds(p, &format!("\"number\":\"{}\"", t.number.0)))
        .count();
    assert_eq!(announced, 1, "one call event for the replayed call");
}

on_both_brokers!(replayed_commands_change_nothing:
    replayed_commands_change_nothing_embedded, replayed_commands_change_nothing_mosquitto);

// --- Payloads -----------------------------------------------------------------------------------

async fn malformed_payloads_are_refused_and_journaled(kind: BrokerKind) {
    let (hall, _hub) = hall_with(kind, "");
    let service = Service::start(&hall).await;
    let mut kiosk = bare_device(&hall, "kiosk-1").await;
    let mut deep =
        br#"{"v":1,"id":"deep","device":"kiosk-1","kind":"consultation","note":"#.to_vec();
    deep.extend("[".repeat(3000).as_bytes());
    deep.extend("]".repeat(3000).as_bytes());
    deep.push(b'}');
    let mut not_utf8 =
        br#"{"v":1,"id":"utf8","device":"kiosk-1","kind":"consultation","note":""#.to_vec();
    not_utf8.extend([0xFF, 0xC0, 0x80, 0xED, 0xA0, 0x80]);
    not_utf8.extend(br#""}"#);
    let cases: Vec<(&str, Vec<u8>, ErrorCode)> = vec![
        ("empty", Vec::new(), ErrorCode::Malformed),
        ("not JSON", b"GET / HTTP/1.1\r\n\r\n".to_vec(), ErrorCode::Malformed),
        ("an array", b"[1,2,3]".to_vec(), ErrorCode::Malformed),
        ("null", b"null".to_vec(), ErrorCode::Malformed),
        ("a number id", br#"{"v":1,"id":7,"device":"kiosk-1","kind":"call_next"}"#.to_vec(), ErrorCode::Malformed),
        ("invalid UTF-8", not_utf8, ErrorCode::Malformed),
        ("deep nesting", deep, ErrorCode::Malformed),
        (
            "a string version",
            br#"{"v":"1","id":"t1","device":"kiosk-1","kind":"issue_ticket","business":"basic"}"#.to_vec(),
            ErrorCode::Malformed,
        ),
        (
            "a number business",
            br#"{"v":1,"id":"t2","device":"kiosk-1","kind":"issue_ticket","business":7}"#.to_vec(),
            ErrorCode::InvalidField,
        ),
        (
            "a bool phone",
            br#"{"v":1,"id":"t3","device":"kiosk-1","kind":"issue_ticket","business":"basic","phone":true}"#.to_vec(),
            ErrorCode::InvalidField,
        ),
        (
            "an object kind",
            br#"{"v":1,"id":"t4","device":"kiosk-1","kind":{"a":1}}"#.to_vec(),
            ErrorCode::Malformed,
        ),
        (
            "a wildcard device",
            br#"{"v":1,"id":"t5","device":"kiosk-1/#","kind":"call_next"}"#.to_vec(),
            ErrorCode::InvalidField,
        ),
        (
            "a huge counter",
            br#"{"v":1,"id":"t6","device":"kiosk-1","kind":"open_counter","counter":18446744073709551616}"#.to_vec(),
            ErrorCode::InvalidField,
        ),
    ];
    let before = refusal_codes(&hall, "kiosk-1").len();
    for (what, payload, want) in &cases {
        let reply = exchange(&mut kiosk, &hall, "kiosk-1", payload.clone()).await;
        assert_eq!(code_of(&reply), Some(*want), "{what}: {reply:?}");
    }
    let codes = refusal_codes(&hall, "kiosk-1");
    let want: Vec<String> = cases
        .iter()
        .map(|(_, _, c)| {
            serde_json::to_value(c)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        codes[before..],
        want[..],
        "each refusal journaled with its code"
    );
    service.still_serves(&hall, "malformed payloads").await;
}

on_both_brokers!(malformed_payloads_are_refused_and_journaled:
    malformed_payloads_are_refused_and_journaled_embedded,
    malformed_payloads_are_refused_and_journaled_mosquitto);

/// What became of an oversized publish.
#[derive(Debug, PartialEq)]
enum Fate {
    /// The broker dropped the connection.
    Dropped,
    /// The hub refused it `too_large` (and journaled it).
    TooLarge,
    /// The broker acknowledged and discarded it: the hub never saw it.
    Discarded,
}

async fn oversized_payloads_are_refused_and_the_hub_is_unharmed(kind: BrokerKind) {
    let (hall, _hub) = hall_with(kind, "");
    let service = Service::start(&hall).await;
    let topics = Topics::new(&hall.hall);
    let me = DeviceId::new("kiosk-1").unwrap();
    let mut fates = Vec::new();
    // 64 KiB: Mosquitto's `message_size_limit`, which it lets through; 3 MiB: over rmqtt's 1 MiB.
    for size in [9 * 1024, 65536, 100 * 1024, 3 * 1024 * 1024] {
        let login = Login {
            max_packet: Some(8 * 1024 * 1024),
            ..Login::device(&hall, "kiosk-1")
        };
        let mut kiosk = Raw::connected(hall.port, &login).await;
        kiosk.subscribe(&topics.reply(&me)).await;
        let id = marker("big");
        let mut payload =
            format!(r#"{{"v":1,"id":"{id}","device":"kiosk-1","kind":"consultation","note":""#)
                .into_bytes();
        payload.resize(size - 2, b'x');
        payload.extend(br#""}"#);
        kiosk.publish(&topics.cmd(&me), payload, false).await;
        // Then a small command: its reply tells that everything before it was dealt with.
        let sentinel = marker("after-big");
        // A broker that cuts the connection over the big one may have done so already: then
        // nothing more can be sent, and the connection's end is what is seen next.
        let _ = kiosk
            .try_publish(
                &topics.cmd(&me),
                format!(r#"{{"v":1,"id":"{sentinel}","device":"kiosk-1","kind":"session_started","session":"s"}}"#),
                false,
            )
            .await;
        let mut fate = Fate::Discarded;
        loop {
            match kiosk.next().await {
                Some(Seen::Message(p)) if p.topic == topics.reply(&me) => {
                    let reply: Reply = serde_json::from_slice(&p.payload).unwrap();
                    if code_of(&reply) == Some(ErrorCode::TooLarge) {
                        fate = Fate::TooLarge;
                    } else {
                        assert_eq!(code_of(&reply), None, "{size} bytes: {reply:?}");
                        break;
                    }
                }
                Some(Seen::Closed(_)) | None => {
                    fate = Fate::Dropped;
                    break;
                }
                Some(_) => {}
            }
        }
        if fate == Fate::TooLarge {
            let rows: i64 = hall
                .journal()
                .connection()
                .query_row(
                    "SELECT count(*) FROM refusals WHERE device = 'kiosk-1' AND code = 'too_large' AND payload_bytes = ?1",
                    [size as i64],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(
                rows, 1,
                "{size} bytes: the refusal is journaled with its size"
            );
        }
        service
            .still_serves(&hall, &format!("a payload of {size} bytes ({fate:?})"))
            .await;
        fates.push((size, fate));
    }
    // The embedded broker passes everything up to its 1 MiB packet limit to the hub, which
    // refuses and journals it, and drops a client that sends more. Mosquitto passes up to its
    // `message_size_limit` and acknowledges and discards the rest.
    let expected = match kind {
        BrokerKind::Embedded => [
            Fate::TooLarge,
            Fate::TooLarge,
            Fate::TooLarge,
            Fate::Dropped,
        ],
        BrokerKind::Mosquitto => [
            Fate::TooLarge,
            Fate::TooLarge,
            Fate::Discarded,
            Fate::Discarded,
        ],
    };
    let fates: Vec<&Fate> = fates.iter().map(|(_, f)| f).collect();
    assert_eq!(fates, expected.iter().collect::<Vec<_>>());
}

on_both_brokers!(oversized_payloads_are_refused_and_the_hub_is_unharmed:
    oversized_payloads_are_refused_and_the_hub_is_unharmed_embedded,
    oversized_payloads_are_refused_and_the_hub_is_unharmed_mosquitto);

// --- Last will ----------------------------------------------------------------------------------

/// A kiosk that connects with a last will on the board, then pulls its cable, would leave a forged
/// retained board for every display. The embedded broker refuses such a CONNECT; whatever a
/// broker does, the will never reaches anyone and the hall's state stays the hub's.
async fn a_will_aimed_at_the_hall_state_is_refused(kind: BrokerKind) {
    let (hall, _hub) = hall_with(kind, "");
    let service = Service::start(&hall).await;
    let topics = Topics::new(&hall.hall);
    let mut monitor = Raw::connected(hall.port, &Login::monitor(&hall)).await;
    monitor.subscribe(&topics.everything()).await;
    let forged = marker("forged-will");
    let mut accepted = Vec::new();
    for topic in [
        topics.board(),
        topics.hub(),
        topics.presence(&DeviceId::new("kiosk-2").unwrap()),
    ] {
        let login = Login {
            will: Some((topic.clone(), forged.clone().into_bytes())),
            ..Login::device(&hall, "kiosk-1")
        };
        let mut raw = Raw::connect(hall.port, &login);
        if raw.connack().await.is_ok() {
            // Pull the cable: a broker that kept the will publishes it now.
            raw.cut();
            accepted.push(topic);
        }
    }
    if kind == BrokerKind::Embedded {
        assert!(
            accepted.is_empty(),
            "wills accepted at CONNECT: {accepted:?}"
        );
    }
    if !accepted.is_empty() {
        // A will goes out as soon as the broker sees the socket close; give a loaded machine
        // time for that before the line is drawn.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    }
    let sentinel = marker("after-wills");
    let writer = Raw::connected(hall.port, &Login::writer(&hall)).await;
    writer
        .publish(
            &topics.presence(&DeviceId::new("kiosk-1").unwrap()),
            sentinel.clone(),
            false,
        )
        .await;
    let seen = monitor.messages_until(|p| holds(p, &sentinel)).await;
    let leaked: Vec<&str> = seen
        .iter()
        .filter(|p| holds(p, &forged))
        .map(|p| p.topic.as_str())
        .collect();
    assert!(leaked.is_empty(), "forged wills published on {leaked:?}");
    service.still_serves(&hall, "forged wills").await;
    let mut late = Raw::connected(hall.port, &Login::device(&hall, "display-main")).await;
    for topic in [topics.board(), topics.hub()] {
        late.subscribe(&topic).await;
        let got = late.messages_until(|p| p.topic == topic).await;
        assert!(!got.iter().any(|p| holds(p, &forged)), "{topic} forged");
    }
}

on_both_brokers!(a_will_aimed_at_the_hall_state_is_refused:
    a_will_aimed_at_the_hall_state_is_refused_embedded,
    a_will_aimed_at_the_hall_state_is_refused_mosquitto);

// --- Floods -------------------------------------------------------------------------------------

/// The limits these tests set (deploy/hall.example.toml's defaults, written out so the bounds
/// below do not move with them).
const LIMITS: &str = "[limits]\ncommands_per_minute = 120\ncommand_burst = 60\n\
    tickets_per_minute = 6\nticket_burst = 10\ntickets_per_phone_per_day = 3\n\
    refusals_journaled_per_minute = 60\n\n";
const TICKET_BURST: usize = 10;
const TICKETS_PER_MINUTE: f64 = 6.0;
const REFUSALS_JOURNALED: usize = 60;

/// One kiosk pulls 100 tickets as fast as it can: it gets at most its burst (and what the
/// bucket refilled meanwhile), the rest are refused `rate_limited` and journaled, and another
/// kiosk is not affected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flooding_kiosk_is_rate_limited_and_others_are_not() {
    let (hall, _hub) = hall_with(BrokerKind::Embedded, LIMITS);
    let service = Service::start(&hall).await;
    let (flooder, _f) = hall.device("kiosk-1").await;
    let started = Instant::now();
    let mut issued = 0usize;
    let mut limited = Vec::new();
    for _ in 0..100 {
        let id = flooder.next_id();
        let reply = flooder
            .send_with_id(id.clone(), ticket("basic"))
            .await
            .unwrap();
        match code_of(&reply) {
            None => issued += 1,
            Some(ErrorCode::RateLimited) => limited.push(id),
            Some(other) => panic!("refused {other:?}: {reply:?}"),
        }
    }
    let elapsed_min = started.elapsed().as_secs_f64() / 60.0;
    let refilled = (elapsed_min * TICKETS_PER_MINUTE).ceil() as usize;
    assert!(
        (TICKET_BURST..=TICKET_BURST + refilled).contains(&issued),
        "{issued} tickets for a flood (burst {TICKET_BURST}, +{refilled} refilled)"
    );
    assert_eq!(issued + limited.len(), 100);
    let tickets: i64 = hall
        .journal()
        .connection()
        .query_row(
            "SELECT count(*) FROM events WHERE device = 'kiosk-1' AND type = 'ticket_issued'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tickets as usize, issued);
    // The refusals are journaled one by one up to the budget, the rest counted.
    let rows = refusal_codes(&hall, "kiosk-1");
    assert!(rows.iter().all(|c| c == "rate_limited"), "{rows:?}");
    assert!(
        rows.len() >= limited.len().min(REFUSALS_JOURNALED) && rows.len() <= limited.len(),
        "{} refusal rows for {} refusals",
        rows.len(),
        limited.len()
    );
    for id in limited.iter().take(rows.len().min(REFUSALS_JOURNALED)) {
        assert_eq!(
            journaled_refusal(&hall, "kiosk-1", id.as_str()),
            Some(("refusals", "rate_limited".to_string())),
            "{id}"
        );
    }
    // Another kiosk, and the counter, are untouched.
    service.still_serves(&hall, "a flood").await;
}

/// One mobile number gets at most its daily tickets, whichever kiosk asks; another number is
/// not affected, and the refusal never repeats the number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_gets_at_most_its_tickets_a_day() {
    let (hall, _hub) = hall_with(BrokerKind::Embedded, LIMITS);
    let service = Service::start(&hall).await;
    let (kiosk1, _k) = hall.device("kiosk-1").await;
    let (greeter, _g) = hall.device("greeter-1").await;
    let with_phone = |number: &str| {
        let Command::IssueTicket(mut t) = ticket("basic") else {
            unreachable!()
        };
        t.phone = Some(Phone::parse(number).unwrap());
        Command::IssueTicket(t)
    };
    for _ in 0..3 {
        let reply = kiosk1.send(with_phone("13800131234")).await.unwrap();
        assert_eq!(code_of(&reply), None, "{reply:?}");
    }
    let mut refused = Vec::new();
    for client in [&kiosk1, &greeter] {
        let id = client.next_id();
        let reply = client
            .send_with_id(id.clone(), with_phone("138-0013-1234"))
            .await
            .unwrap();
        assert_eq!(code_of(&reply), Some(ErrorCode::PhoneLimit), "{reply:?}");
        let ReplyBody::Error(e) = &reply.body else {
            unreachable!()
        };
        let said = format!("{} {} {}", e.zh, e.en, e.detail.clone().unwrap_or_default());
        assert!(
            !said.contains("0013") && !said.contains("1234"),
            "the refusal repeats the number: {said}"
        );
        refused.push((client.device().to_string(), id));
    }
    for (device, id) in &refused {
        let found = journaled_refusal(&hall, device, id.as_str());
        assert_eq!(found.map(|(_, c)| c), Some("phone_limit".to_string()));
    }
    let other = greeter.send(with_phone("13900139999")).await.unwrap();
    assert_eq!(code_of(&other), None, "another number: {other:?}");
    service.still_serves(&hall, "a number's cap").await;
}
