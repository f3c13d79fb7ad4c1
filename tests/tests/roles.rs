//! The role matrix over real MQTT: every device of the test hall sends one well-formed command of
//! every kind of the contract to the real hub, and only the kinds of its role's row of
//! docs/protocol.md ("Who may send what") get past the role check; every other kind is refused
//! `forbidden` and journaled. Then the broker's layer: no device may publish on another device's
//! topics or on the hub's, nor read another device's replies (nor, but for a supervisor console,
//! its presence), over the embedded broker and over Eclipse Mosquitto.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod raw;

use hallq_proto::examples::examples;
use hallq_proto::topic::Topics;
use hallq_proto::{Command, CommandId, CounterNo, ErrorCode, ReplyBody};
use hallq_tests::{BrokerKind, DEVICES, mosquitto_available};
use raw::{Login, Raw, holds, journaled_refusal, marker};
use rumqttc::SubscribeReasonCode;

/// docs/protocol.md's role table, written out again as the oracle (the hub's own table lives in
/// hallq-profiles; this one is read off the documentation).
fn allowed(role: &str) -> &'static [&'static str] {
    match role {
        "kiosk" => &[
            "issue_ticket",
            "session_started",
            "self_service_chosen",
            "session_abandoned",
            "print_result",
            "check_in",
        ],
        "greeter" => &[
            "issue_ticket",
            "consultation",
            "wandering",
            "product_experience",
            "document_precheck",
            "requeue",
            "cancel_ticket",
            "complaint_open",
            "callback_done",
            "check_in",
            "inspection_record",
            "correction_follow_up",
        ],
        "counter" => &[
            "sign_in",
            "sign_out",
            "pause",
            "resume",
            "open_counter",
            "close_counter",
            "call_next",
            "call_ticket",
            "recall",
            "start_service",
            "back_office",
            "finish",
            "no_show",
            "transfer",
            "requeue",
            "cancel_ticket",
            "complaint_open",
            "complaint_update",
            "complaint_resolve",
        ],
        "evaluator" => &["rate"],
        "supervisor" => &[
            "open_counter",
            "close_counter",
            "complaint_open",
            "complaint_update",
            "complaint_resolve",
            "complaint_result_resend",
            "callback_done",
            "announcement_post",
            "announcement_clear",
            "inspection_record",
            "correction_follow_up",
            "correction_close",
        ],
        "door_counter" => &["door_count"],
        "display" => &["call_announced"],
        other => panic!("no row for role {other}"),
    }
}

/// The contract's example of `kind`, made right for `role`: a counter terminal's open/close
/// names no counter (its own), a supervisor's names one.
fn command_for(kind: &str, role: &str) -> Command {
    let mut cmd = examples()
        .into_iter()
        .find(|c| c.kind() == kind)
        .unwrap_or_else(|| panic!("no example of {kind}"));
    let named = (role != "counter").then_some(CounterNo(2));
    match &mut cmd {
        Command::OpenCounter { counter } | Command::CloseCounter { counter } => *counter = named,
        _ => {}
    }
    cmd
}

async fn every_role_may_send_exactly_its_kinds(kind: BrokerKind) {
    let hall = raw::hall(kind, "");
    let _hub = hall.start_hub();
    let mut wrong = Vec::new();
    let mut forbidden = Vec::new();
    let mut other_refusals = Vec::new();
    for (device, role, _) in DEVICES {
        let (client, _task) = hall.device(device).await;
        for k in Command::KINDS {
            let id = format!("{device}-role-{k}");
            let reply = client
                .send_with_id(CommandId::new(&id).unwrap(), command_for(k, role))
                .await
                .unwrap_or_else(|e| panic!("{device} {k}: {e}\n{}", hall.hub_log()));
            let code = match &reply.body {
                ReplyBody::Ok(_) => None,
                ReplyBody::Error(e) => Some(e.code),
            };
            let may = allowed(role).contains(&k);
            match (may, code) {
                (true, Some(ErrorCode::Forbidden)) => {
                    wrong.push(format!("{device} ({role}) was refused {k}: {reply:?}"));
                }
                (false, c) if c != Some(ErrorCode::Forbidden) => {
                    wrong.push(format!(
                        "{device} ({role}) got past the role check with {k}: {reply:?}"
                    ));
                }
                (false, _) => forbidden.push((device, id)),
                (true, Some(c)) => other_refusals.push((device, id, c)),
                (true, None) => {}
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "the role table is not kept:\n{}",
        wrong.join("\n")
    );
    let expected: usize = DEVICES
        .iter()
        .map(|(_, role, _)| Command::KINDS.len() - allowed(role).len())
        .sum();
    assert_eq!(forbidden.len(), expected);

    // Every refusal is in the journal with its code.
    for (device, id) in &forbidden {
        let found = journaled_refusal(&hall, device, id);
        assert_eq!(
            found.as_ref().map(|(_, code)| code.as_str()),
            Some("forbidden"),
            "{device} {id}: {found:?}"
        );
    }
    for (device, id, code) in &other_refusals {
        let found = journaled_refusal(&hall, device, id);
        let want = serde_json::to_value(code).unwrap();
        assert_eq!(
            found.as_ref().map(|(_, c)| c.as_str()),
            want.as_str(),
            "{device} {id}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_may_send_exactly_its_kinds_embedded() {
    every_role_may_send_exactly_its_kinds(BrokerKind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_role_may_send_exactly_its_kinds_mosquitto() {
    if mosquitto_available() {
        every_role_may_send_exactly_its_kinds(BrokerKind::Mosquitto).await;
    }
}

/// For every device: its publishes on topics that are not its own never reach anyone (the
/// hall's monitor, which sees what the hub sees, gets the device's next allowed message and
/// nothing of the denied ones before it), its subscriptions to others' topics are refused (in the
/// SUBACK by rmqtt; silently by Mosquitto), and messages on those topics never reach it.
async fn every_device_is_confined_to_its_topics(kind: BrokerKind) {
    let hall = raw::hall(kind, "");
    let _hub = hall.start_hub();
    let topics = Topics::new(&hall.hall);
    let mut monitor = Raw::connected(hall.port, &Login::monitor(&hall)).await;
    assert!(matches!(
        monitor.subscribe(&topics.everything()).await,
        SubscribeReasonCode::Success(_)
    ));
    let writer = Raw::connected(hall.port, &Login::writer(&hall)).await;
    let other_hall = Topics::new(&hallq_proto::HallId::new("otherhall").unwrap());
    let mut failures = Vec::new();
    for (i, (device, role, _)) in DEVICES.iter().enumerate() {
        // A supervisor console reads every device's presence: its device panel.
        let reads_presence = *role == "supervisor";
        let me = hallq_proto::DeviceId::new(*device).unwrap();
        let victim_id = DEVICES[(i + 1) % DEVICES.len()].0;
        let victim = hallq_proto::DeviceId::new(victim_id).unwrap();
        let mut attacker = Raw::connected(hall.port, &Login::device(&hall, device)).await;

        // Publishing where it may not.
        let denied_topics = [
            topics.cmd(&victim),
            topics.presence(&victim),
            topics.reply(&victim),
            topics.reply(&me),
            topics.board(),
            topics.services(),
            topics.counter(CounterNo(1)),
            topics.complaints(),
            topics.hub(),
            topics.call(),
        ];
        let mut markers = Vec::new();
        for topic in &denied_topics {
            let m = marker(&format!("{device}-pub"));
            let payload = format!(
                r#"{{"v":1,"id":"{m}","device":"{victim_id}","kind":"door_count","entered":1}}"#
            );
            attacker
                .publish(topic, payload, topic.contains("/state/"))
                .await;
            markers.push((topic.clone(), m));
        }
        let sentinel = marker(&format!("{device}-sentinel"));
        attacker
            .publish(&topics.presence(&me), sentinel.clone(), false)
            .await;
        let seen = monitor.messages_until(|p| holds(p, &sentinel)).await;
        for (topic, m) in &markers {
            if seen.iter().any(|p| holds(p, m)) {
                failures.push(format!("{device} published on {topic}"));
            }
        }

        // Reading where it may not.
        assert!(
            matches!(
                attacker.subscribe(&topics.reply(&me)).await,
                SubscribeReasonCode::Success(_)
            ),
            "{device} may read its own replies"
        );
        let denied_filters = [
            topics.reply(&victim),
            topics.cmd(&victim),
            topics.cmd(&me),
            topics.all_cmds(),
            topics.all_presence(),
            format!("{}/reply/+", topics.everything().trim_end_matches("/#")),
            topics.everything(),
            "#".to_string(),
            other_hall.everything(),
        ];
        let denied_filters = denied_filters
            .into_iter()
            .filter(|f| !(reads_presence && *f == topics.all_presence()));
        // rmqtt refuses them in the SUBACK (0x80). Mosquitto's acl_file grants the SUBACK and
        // checks each message against the login's read rules as it delivers it: the denial is
        // silent, and shown below by what never arrives.
        for filter in denied_filters {
            let code = attacker.subscribe(&filter).await;
            if kind == BrokerKind::Embedded && code != SubscribeReasonCode::Failure {
                failures.push(format!("{device} subscribed to {filter}: {code:?}"));
            }
        }
        // And nothing of those topics reaches it: a writer with the hub's rights writes on each,
        // then on the device's own reply topic, which it reads.
        let mut secrets = Vec::new();
        let unread = [
            topics.reply(&victim),
            topics.cmd(&victim),
            topics.cmd(&me),
            topics.presence(&victim),
        ];
        for topic in unread
            .into_iter()
            .filter(|t| !(reads_presence && *t == topics.presence(&victim)))
        {
            let m = marker(&format!("{device}-read"));
            writer.publish(&topic, m.clone(), false).await;
            secrets.push((topic, m));
        }
        let sentinel = marker(&format!("{device}-own-reply"));
        writer
            .publish(&topics.reply(&me), sentinel.clone(), false)
            .await;
        let got = attacker.messages_until(|p| holds(p, &sentinel)).await;
        for (topic, m) in &secrets {
            if got.iter().any(|p| holds(p, m)) {
                failures.push(format!("{device} read {topic}"));
            }
        }
        // The monitor sees the writer's publishes too; drain them up to the last.
        monitor.messages_until(|p| holds(p, &sentinel)).await;
        attacker.cut();
    }
    assert!(
        failures.is_empty(),
        "the broker let devices out of their topics:\n{}",
        failures.join("\n")
    );
    // The forged retained board never replaced the hub's: a late reader gets the hub's.
    let mut late = Raw::connected(hall.port, &Login::device(&hall, "display-main")).await;
    late.subscribe(&topics.board()).await;
    let board = late.messages_until(|p| p.topic == topics.board()).await;
    let board = board.last().unwrap();
    assert!(
        serde_json::from_slice::<hallq_proto::state::Board>(&board.payload).is_ok(),
        "the retained board is the hub's: {}",
        String::from_utf8_lossy(&board.payload)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_device_is_confined_to_its_topics_embedded() {
    every_device_is_confined_to_its_topics(BrokerKind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_device_is_confined_to_its_topics_mosquitto() {
    if mosquitto_available() {
        every_device_is_confined_to_its_topics(BrokerKind::Mosquitto).await;
    }
}
