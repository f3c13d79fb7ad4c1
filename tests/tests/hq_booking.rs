//! HQ as a hall's booking master (issue 15 §3, docs/booking.md "At HQ") with real processes: a
//! real 3-node NATS cluster and PostgreSQL, HQ (`serve::start`, role `all`: the booking pages
//! and the outbox's publisher) in the test, and a real `hallq hub` with `[uplink]` and
//! `[booking] master = "hq"`. The hub's own booking API refuses with `409 booking_at_hq` naming
//! HQ's page; a booking made at HQ is in the hub's journal and checks in at the kiosk as the
//! hub's own do; one made while the hub is stopped arrives when it starts again, once, and stays
//! once when every change is delivered again from the start of the stream.
#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::time::{Duration, Instant};

use async_nats::jetstream;
use hallq_booking::{BookingCode, PersonKey, SlotRules};
use hallq_hq::booking::store::{HallBook, Slot};
use hallq_hq::serve::{self, HqConfig, Role};
use hallq_hq::{NatsCluster, Postgres};
use hallq_proto::command::CheckIn;
use hallq_proto::{BusinessCode, BusinessDay, Command, ReplyBody, ReplyResult, Timestamp, time};
use hallq_tests::booking_api::http;
use hallq_tests::{Hall, free_port, ticket};
use serde_json::Value;

const HQ_URL: &str = "https://hq.example/book/demo";

/// The journal's `booking` events and `hq_booking` commands: `(type, code)` and the command ids.
fn journal_bookings(hall: &Hall) -> (Vec<(String, String)>, Vec<String>) {
    let journal = hall.journal();
    let c = journal.connection();
    let mut stmt = c
        .prepare("SELECT body FROM events WHERE type = 'booking' ORDER BY seq")
        .unwrap();
    let events = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|r| {
            let v: Value = serde_json::from_str(&r.unwrap()).unwrap();
            let b = &v["booking"];
            let code = b["code"].as_str().or_else(|| b["booking"]["code"].as_str());
            (
                b["type"].as_str().unwrap().to_owned(),
                code.unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let mut stmt = c
        .prepare("SELECT command_id FROM commands WHERE device = 'hq-booking' ORDER BY command_id")
        .unwrap();
    let ids = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (events, ids)
}

/// Waits (bounded) until the hub's journal holds `(kind, code)`.
async fn wait_journaled(hall: &Hall, kind: &str, code: &BookingCode) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let want = (kind.to_owned(), code.to_string());
    while !journal_bookings(hall).0.contains(&want) {
        assert!(
            Instant::now() < deadline,
            "{want:?} not in the hub's journal: {:?}\n{}",
            journal_bookings(hall),
            hall.hub_log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn person(n: u32) -> PersonKey {
    PersonKey::new(format!("{n:032x}")).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn bookings_made_at_hq_reach_the_hub_once_and_check_in_there() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
    let servers: Vec<String> = cluster.urls().iter().map(|u| format!("\"{u}\"")).collect();
    let servers = servers.join(", ");
    let key = dir.path().join("booking.key");
    let cfg = HqConfig::parse(&format!(
        "[nats]\nservers = [{servers}]\n[postgres]\nconninfo = \"{}\"\n[web]\nlisten = \"127.0.0.1:0\"\n\
         [booking]\nlisten = \"127.0.0.1:0\"\nkey_file = \"{}\"\notp = \"log\"\n\
         [booking.halls.demo]\nname = {{ zh = \"演示营业厅\", en = \"Demo Hall\" }}\n\
         [booking.halls.demo.rules]\ncapacity = {{ basic = 2 }}\n",
        pg.conninfo(),
        key.display()
    ))
    .unwrap();
    let _hq = serve::start(&cfg, Role::All).await.unwrap();
    let mut db = pg.connect().await.unwrap();
    let rules = SlotRules {
        capacity: [(BusinessCode::new("basic").unwrap(), 2)].into(),
        ..SlotRules::default()
    };
    let book = HallBook {
        hall: "demo",
        rules: &rules,
    };
    let basic = BusinessCode::new("basic").unwrap();

    let port = free_port();
    let hall = Hall::example(&format!(
        "\n[uplink]\nservers = [{servers}]\nregion = \"gd-gz\"\ninterval_ms = 100\nstatus_interval_s = 1\n\
         [booking]\nlisten = \"127.0.0.1:{port}\"\nmaster = \"hq\"\nhq_url = \"{HQ_URL}\"\n\
         capacity = {{ basic = 2 }}\n"
    ));
    let hub = hall.start_hub_with(&["--test-start", "09:05", "--test-speed", "1"]);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    hallq_tests::wait_for_port(port);

    // The hub's own API refuses, naming HQ's page, in both languages.
    let (status, body) = http(
        port,
        "POST",
        "/book/api/otp",
        Some(r#"{"mobile":"13900000001"}"#),
    );
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "booking_at_hq");
    let (zh, en) = (
        body["error"]["zh"].as_str().unwrap(),
        body["error"]["en"].as_str().unwrap(),
    );
    assert!(
        zh.contains("总部") && zh.contains(HQ_URL) && en.contains(HQ_URL),
        "{body}"
    );
    let (status, body) = http(
        port,
        "POST",
        "/book/api/bookings/ABCD2345/cancel",
        Some(r#"{"mobile":"13900000001"}"#),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("booking_at_hq"))
    );

    // A booking made at HQ for 10:00 of the hub's day, at the hub's time.
    let walk_in = kiosk.send(ticket("basic")).await.unwrap();
    let now = walk_in.at_ms;
    let day = time::local(now, 480).0;
    let a = BookingCode::from_random(0xA1);
    book.book(
        &mut db,
        now,
        &a,
        &person(1),
        &Slot {
            business: basic.clone(),
            day,
            start_min: 600,
        },
    )
    .await
    .unwrap();
    wait_journaled(&hall, "booked", &a).await;
    // It checks in at the kiosk like the hub's own bookings: on time, a ticket.
    let reply = kiosk
        .send(Command::CheckIn(CheckIn {
            code: Some(a.to_string()),
            ..CheckIn::default()
        }))
        .await
        .unwrap();
    match &reply.body {
        ReplyBody::Ok(ReplyResult::CheckedIn { late, booking, .. }) => {
            assert!(!late);
            assert_eq!(booking, a.as_str());
        }
        other => panic!("{other:?}"),
    }
    wait_journaled(&hall, "checked_in", &a).await;

    // The hub stops; a booking for tomorrow is made at HQ meanwhile, and published.
    assert!(hub.terminate());
    let (y, m, d) = time::civil_from_days(time::day_number(day) + 1);
    let tomorrow = BusinessDay((y as u32) * 10_000 + m * 100 + d);
    let b = BookingCode::from_random(0xB2);
    let later = Timestamp(now.0 + 60_000);
    book.book(
        &mut db,
        later,
        &b,
        &person(2),
        &Slot {
            business: basic.clone(),
            day: tomorrow,
            start_min: 600,
        },
    )
    .await
    .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let unsent: i64 = db
            .query_one(
                "SELECT count(*) FROM booking_outbox WHERE stream_seq IS NULL",
                &[],
            )
            .await
            .unwrap()
            .get(0);
        if unsent == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "HQ did not publish the booking");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Back: the booking arrives, once.
    // (Each start on a later simulated hour of the day: the hub's clock never runs backwards.)
    let hub = hall.start_hub_with(&["--test-start", "16:00", "--test-speed", "1"]);
    wait_journaled(&hall, "booked", &b).await;
    assert!(hub.terminate());

    // Every change delivered again from the stream's start (the hub's consumer lost, as if no
    // acknowledgement had ever reached HQ): each is still journaled once.
    let js = jetstream::new(cluster.connect().await.unwrap());
    let stream = js
        .get_stream(hallq_hq::wire::BOOKINGS_STREAM)
        .await
        .unwrap();
    stream.delete_consumer("booking-demo").await.unwrap();
    let _hub = hall.start_hub_with(&["--test-start", "16:30", "--test-speed", "1"]);
    // A cancellation made now comes after both in the stream: once it is in, the redelivered
    // ones have been through the writer.
    book.cancel(&mut db, later, &b, &person(2)).await.unwrap();
    wait_journaled(&hall, "cancelled", &b).await;
    let (events, ids) = journal_bookings(&hall);
    let count = |kind: &str, code: &BookingCode| {
        events
            .iter()
            .filter(|(k, c)| k == kind && c == code.as_str())
            .count()
    };
    assert_eq!(count("booked", &a), 1, "{events:?}");
    assert_eq!(count("checked_in", &a), 1, "{events:?}");
    assert_eq!(count("booked", &b), 1, "{events:?}");
    assert_eq!(count("cancelled", &b), 1, "{events:?}");
    assert_eq!(
        ids,
        ["hq-booking-1", "hq-booking-2", "hq-booking-3"],
        "one journal command per change, by stream sequence"
    );
}
