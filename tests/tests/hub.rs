//! The hub as a hall runs it: `hallq hub` as a process, devices as MQTT clients, over the embedded
//! broker and over Eclipse Mosquitto, with the journal checked on disk.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::time::Duration;

use hallq_client::{DeviceClient, Update};
use hallq_proto::state::NoticeKind;
use hallq_proto::{
    Command, CommandId, ErrorCode, Reply, ReplyBody, ReplyResult, Score, ServiceResult, StaffNo,
};
use hallq_tests::{BrokerKind, Hall, mosquitto_available, ticket, wait_for, wait_latest};

fn ok(reply: &Reply) -> &ReplyResult {
    match &reply.body {
        ReplyBody::Ok(r) => r,
        ReplyBody::Error(e) => panic!("refused: {e:?}"),
    }
}

fn error_code(reply: &Reply) -> ErrorCode {
    match &reply.body {
        ReplyBody::Error(e) => e.code,
        ReplyBody::Ok(r) => panic!("accepted: {r:?}"),
    }
}

/// A whole visit: ticket, call, service, rating; the display sees the call and the board, the
/// evaluator sees its prompt, and the journal holds it all.
async fn a_visit_end_to_end(kind: BrokerKind) {
    let hall = Hall::new(kind);
    let hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let (counter, _c) = hall.device("counter-3").await;
    let (evaluator, _e) = hall.device("evaluator-3").await;
    let (display, _d) = hall.device("display-main").await;

    let issued = kiosk.send(ticket("basic")).await.unwrap();
    let ReplyResult::TicketIssued(t) = ok(&issued) else {
        panic!("{issued:?}")
    };
    assert_eq!(t.number.0, "A001");
    assert_eq!(t.people_ahead, 0);
    assert_eq!(t.estimated_wait_min, None, "no counter is open yet");
    assert_eq!(
        t.documents.len(),
        1,
        "one-time notification of the documents"
    );

    let signed = counter
        .send(Command::SignIn {
            staff: StaffNo::new("E1003").unwrap(),
            pin: None,
        })
        .await
        .unwrap();
    assert!(matches!(ok(&signed), ReplyResult::Counter(s) if s.open && s.staff.is_some()));

    let call_seen = tokio::spawn({
        let display = display.clone();
        async move {
            wait_for(&display, |u| match u {
                Update::Call(c) => Some(c.clone()),
                _ => None,
            })
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let called = counter.send(Command::CallNext {}).await.unwrap();
    assert!(matches!(ok(&called), ReplyResult::Called { number, .. } if number.0 == "A001"));
    let call = call_seen.await.unwrap();
    assert_eq!((call.number.0.as_str(), call.counter.0), ("A001", 3));
    assert_eq!(call.speech.zh, "请 A001 号到 3 号窗口办理");

    ok(&counter.send(Command::StartService {}).await.unwrap());
    let prompt_seen = tokio::spawn({
        let evaluator = evaluator.clone();
        async move {
            wait_for(&evaluator, |u| match u {
                Update::Counter(c) if c.counter.0 == 3 => c.awaiting_rating.clone(),
                _ => None,
            })
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    ok(&counter
        .send(Command::Finish {
            result: ServiceResult::Done,
            note: None,
            missing: vec![],
        })
        .await
        .unwrap());
    let prompt = prompt_seen.await.unwrap();
    assert_eq!(prompt.ticket, t.ticket);
    let rated = evaluator
        .send(Command::Rate {
            score: Score::VerySatisfied,
            ticket: Some(prompt.ticket.clone()),
        })
        .await
        .unwrap();
    assert!(matches!(ok(&rated), ReplyResult::Rated { ticket } if *ticket == t.ticket));

    let journal = hall.journal();
    let row = journal.ticket_row(t.ticket.as_str()).unwrap().unwrap();
    assert_eq!(row.status, "served");
    assert_eq!(row.counter.map(|c| c.0), Some(3));
    assert_eq!(
        journal
            .rating_row(t.ticket.as_str())
            .unwrap()
            .unwrap()
            .score,
        "very_satisfied"
    );
    assert!(journal.integrity_check().unwrap());
    assert!(
        hub.terminate(),
        "the hub stops cleanly on SIGTERM: {}",
        hall.hub_log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_end_to_end_over_the_embedded_broker() {
    a_visit_end_to_end(BrokerKind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_end_to_end_over_mosquitto() {
    if mosquitto_available() {
        a_visit_end_to_end(BrokerKind::Mosquitto).await;
    }
}

async fn redelivered_command_issues_one_ticket(kind: BrokerKind) {
    let hall = Hall::new(kind);
    let _hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let id = CommandId::new("kiosk-1-retry-1").unwrap();
    let first = kiosk
        .send_with_id(id.clone(), ticket("complex"))
        .await
        .unwrap();
    let second = kiosk
        .send_with_id(id.clone(), ticket("complex"))
        .await
        .unwrap();
    assert_eq!(first, second, "the same id gets the very same reply");
    let third = kiosk.send(ticket("complex")).await.unwrap();
    assert_ne!(ok(&first), ok(&third), "a new id is a new ticket");
    let tickets: i64 = hall
        .journal()
        .connection()
        .query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tickets, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivered_command_issues_one_ticket_embedded() {
    redelivered_command_issues_one_ticket(BrokerKind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redelivered_command_issues_one_ticket_mosquitto() {
    if mosquitto_available() {
        redelivered_command_issues_one_ticket(BrokerKind::Mosquitto).await;
    }
}

/// Sends a raw payload on the device's own command topic and waits for the reply that names no
/// waiting command (an unreadable id, or a raw send).
async fn raw(client: &DeviceClient, hall: &Hall, payload: &[u8]) -> Reply {
    let topic = hallq_proto::topic::Topics::new(&hall.hall).cmd(client.device());
    let waiter = tokio::spawn({
        let client = client.clone();
        async move {
            wait_for(&client, |u| match u {
                Update::Reply(r) => Some((**r).clone()),
                _ => None,
            })
            .await
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    client.publish_raw(topic, payload.to_vec()).await.unwrap();
    waiter.await.unwrap()
}

async fn bad_input_gets_its_error_and_the_hub_keeps_serving(kind: BrokerKind) {
    let hall = Hall::new(kind);
    let _hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let (display, _d) = hall.device("display-main").await;

    let malformed = raw(&kiosk, &hall, b"{not json").await;
    assert_eq!(
        (malformed.id.clone(), error_code(&malformed)),
        (None, ErrorCode::Malformed)
    );
    let cases: [(&str, Vec<u8>, ErrorCode); 5] = [
        (
            "kind",
            br#"{"v":1,"id":"b1","device":"kiosk-1","kind":"launch_rocket"}"#.to_vec(),
            ErrorCode::UnknownKind,
        ),
        (
            "version",
            br#"{"v":9,"id":"b2","device":"kiosk-1","kind":"issue_ticket","business":"basic"}"#
                .to_vec(),
            ErrorCode::UnsupportedVersion,
        ),
        (
            "role",
            br#"{"v":1,"id":"b3","device":"kiosk-1","kind":"call_next"}"#.to_vec(),
            ErrorCode::Forbidden,
        ),
        (
            "spoof",
            br#"{"v":1,"id":"b4","device":"kiosk-2","kind":"issue_ticket","business":"basic"}"#
                .to_vec(),
            ErrorCode::DeviceMismatch,
        ),
        (
            "field",
            br#"{"v":1,"id":"b5","device":"kiosk-1","kind":"issue_ticket","bussiness":"basic"}"#
                .to_vec(),
            ErrorCode::InvalidField,
        ),
    ];
    for (what, payload, code) in cases {
        let reply = raw(&kiosk, &hall, &payload).await;
        assert_eq!(error_code(&reply), code, "{what}");
        assert!(reply.id.is_some(), "{what}: the reply names the command");
    }
    let mut big = br#"{"v":1,"id":"b6","device":"kiosk-1","kind":"consultation","note":""#.to_vec();
    big.extend(std::iter::repeat_n(b'x', 9000));
    big.extend(br#""}"#);
    let oversized = raw(&kiosk, &hall, &big).await;
    assert_eq!(error_code(&oversized), ErrorCode::TooLarge);

    // A display may not send commands at all.
    let from_display = raw(
        &display,
        &hall,
        br#"{"v":1,"id":"d1","device":"display-main","kind":"call_next"}"#,
    )
    .await;
    assert_eq!(error_code(&from_display), ErrorCode::Forbidden);

    // A wrong password never connects; nothing reaches the hub.
    let mut wrong = hall.client_config("kiosk-2");
    wrong.secret = Some("not-the-secret".into());
    let (intruder, _i) = DeviceClient::connect(&wrong);
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        !*intruder.connected().borrow(),
        "a wrong password is refused"
    );

    // And the hub still serves.
    let fine = kiosk.send(ticket("basic")).await.unwrap();
    assert!(matches!(ok(&fine), ReplyResult::TicketIssued(_)));
    let refusals: i64 = hall
        .journal()
        .connection()
        .query_row("SELECT count(*) FROM refusals", [], |r| r.get(0))
        .unwrap();
    assert!(refusals >= 5, "refusals are journaled: {refusals}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_its_error_and_the_hub_keeps_serving_embedded() {
    bad_input_gets_its_error_and_the_hub_keeps_serving(BrokerKind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_its_error_and_the_hub_keeps_serving_mosquitto() {
    if mosquitto_available() {
        bad_input_gets_its_error_and_the_hub_keeps_serving(BrokerKind::Mosquitto).await;
    }
}

async fn late_subscriber_and_device_will(kind: BrokerKind) {
    let hall = Hall::new(kind);
    let _hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    ok(&kiosk.send(ticket("repair")).await.unwrap());
    ok(&kiosk.send(ticket("repair")).await.unwrap());

    // A display that connects now gets the present board at once, from the retained message.
    let (late, _l) = DeviceClient::connect(&hall.client_config("display-main"));
    let board = wait_latest(&late, |l| l.board.clone()).await;
    let repair = board
        .queues
        .iter()
        .find(|q| q.business.as_str() == "repair")
        .unwrap();
    assert_eq!(repair.waiting, 2);

    // kiosk-2 comes online, then dies without a goodbye: its will tells the hub, and the board
    // shows the maintenance notice.
    // The board may have dropped kiosk-2's notice before this line runs: read the latest board,
    // not the next update.
    let (kiosk2, task2) = hall.device("kiosk-2").await;
    wait_latest(&late, |l| {
        l.board
            .as_ref()
            .filter(|b| {
                !b.notices
                    .iter()
                    .any(|n| n.device.as_ref() == Some(kiosk2.device()))
            })
            .map(|_| ())
    })
    .await;
    let notice = wait_for(&late, |u| match u {
        Update::Board(b) => b
            .notices
            .iter()
            .find(|n| n.device.as_ref().is_some_and(|d| d.as_str() == "kiosk-2"))
            .cloned(),
        _ => None,
    });
    task2.abort();
    let notice = notice.await;
    assert_eq!(notice.kind, NoticeKind::DeviceMaintenance);
    assert!(notice.text.zh.starts_with("设备维护中"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_subscriber_and_device_will_embedded() {
    late_subscriber_and_device_will(BrokerKind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_subscriber_and_device_will_mosquitto() {
    if mosquitto_available() {
        late_subscriber_and_device_will(BrokerKind::Mosquitto).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_endpoint_serves_prometheus_text() {
    use std::io::{Read as _, Write as _};
    let hall = Hall::new(BrokerKind::Embedded);
    let port = hallq_tests::free_port();
    let mut text = std::fs::read_to_string(&hall.config_path).unwrap();
    text = text.replace(
        "[hub]\n",
        &format!("[hub]\nmetrics_listen = \"127.0.0.1:{port}\"\n"),
    );
    std::fs::write(&hall.config_path, text).unwrap();
    let _hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    ok(&kiosk.send(ticket("basic")).await.unwrap());
    let body = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        body
    })
    .await
    .unwrap();
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    assert!(body.contains("hallq_commands_total 1"), "{body}");
    assert!(
        body.contains("hallq_waiting{business=\"basic\"} 1"),
        "{body}"
    );
    assert!(
        body.contains("hallq_devices_online 1"),
        "the kiosk's birth counts: {body}"
    );
    assert!(body.contains("hallq_commit_seconds_count"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_mode_runs_the_hub_on_a_simulated_clock() {
    let hall = Hall::new(BrokerKind::Embedded);
    let _hub = hall.start_hub_with(&["--test-start", "08:25", "--test-speed", "600"]);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let issued = kiosk.send(ticket("basic")).await.unwrap();
    let ReplyResult::TicketIssued(t) = ok(&issued) else {
        panic!("{issued:?}")
    };
    // Hall time started at 08:25 and runs 600× faster: a few real seconds later it is still
    // the morning, whatever the wall clock says.
    let (_, minute) = hallq_proto::time::local(t.issued_at_ms, 480);
    assert!(
        (8 * 60 + 25..11 * 60).contains(&minute),
        "issued at minute {minute} of the day"
    );
}

/// A question the greeter could not answer at the door owes a call-back: the supervisor sees it
/// counting down in the retained state, records it in one command, and it leaves the list; the
/// journal keeps both, and a second record is refused.
async fn a_call_back_owed_is_seen_and_recorded(kind: BrokerKind) {
    use hallq_proto::command::Touch;
    let hall = Hall::new(kind);
    let _hub = hall.start_hub();
    let (greeter, _g) = hall.device("greeter-1").await;
    let (supervisor, _s) = hall.device("supervisor-1").await;
    let asked = greeter
        .send(Command::Consultation(Touch {
            visit: None,
            business: Some(hallq_proto::BusinessCode::new("complex").unwrap()),
            resolved: Some(false),
            note: None,
        }))
        .await
        .unwrap();
    let ReplyResult::Recorded { visit: Some(visit) } = ok(&asked).clone() else {
        panic!("{asked:?}")
    };
    let owed = wait_latest(&supervisor, |l| {
        l.complaints
            .as_ref()
            .and_then(|c| c.callbacks.first().cloned())
    })
    .await;
    assert_eq!(owed.visit, visit);
    assert_eq!(owed.due_ms.0 - owed.asked_at_ms.0, 24 * 3_600_000);

    let done = Command::CallbackDone {
        visit: visit.clone(),
        note: Some("explained by phone, 13800131234".into()),
    };
    let reply = supervisor.send(done.clone()).await.unwrap();
    assert!(matches!(ok(&reply), ReplyResult::Recorded { visit: Some(v) } if *v == visit));
    wait_latest(&supervisor, |l| {
        l.complaints
            .as_ref()
            .filter(|c| c.callbacks.is_empty())
            .map(|_| ())
    })
    .await;
    assert_eq!(
        error_code(&supervisor.send(done).await.unwrap()),
        ErrorCode::NoCallbackOwed
    );
    let journal = hall.journal();
    let (made_at, note): (Option<i64>, String) = journal
        .connection()
        .query_row(
            "SELECT done_at_ms, note FROM callbacks WHERE visit = ?1",
            [visit.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(made_at.is_some());
    assert!(
        !note.contains("13800131234"),
        "a number typed into the note is cut: {note}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_back_owed_is_seen_and_recorded_embedded() {
    a_call_back_owed_is_seen_and_recorded(BrokerKind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_back_owed_is_seen_and_recorded_mosquitto() {
    if mosquitto_available() {
        a_call_back_owed_is_seen_and_recorded(BrokerKind::Mosquitto).await;
    }
}
