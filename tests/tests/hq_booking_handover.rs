//! The import of a hall's open bookings when it switches to HQ as its booking master (issue 15
//! §3, docs/booking.md "At HQ"), with real processes: a real 3-node NATS cluster and
//! PostgreSQL, HQ (`serve::start`, role `all`: ingest, booking pages) in the test, and a real
//! `hallq hub` with `[uplink]` and its own `[booking]` on a test clock before midnight. The hall
//! sells the last places of a slot of tomorrow itself; HQ publishes the switch from tomorrow and
//! refuses the hall's days with `503 handover_pending` until the hub, at midnight, hands its open
//! bookings over in its journal; then HQ refuses that slot (`409 slot_full`) and sells another;
//! the hall's bookings still check in at the kiosk by code and by number; a restarted hub does
//! not hand over again, and HQ's counts stay as they were.
#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::time::{Duration, Instant};

use hallq_hq::serve::{self, HqConfig, Role};
use hallq_hq::wire::{BookingDoc, BookingMaster, ConfigDoc, Scope};
use hallq_hq::{NatsCluster, Postgres};
use hallq_proto::command::CheckIn;
use hallq_proto::{BusinessDay, Command, Phone, Reply, ReplyBody, ReplyResult, Timestamp, time};
use hallq_tests::booking_api::{self, http, mobile};
use hallq_tests::{Hall, free_port, ticket};
use serde_json::{Value, json};

const HQ_URL: &str = "https://hq.example/book/demo";
/// The slot the hall sells out: 01:00, whose check-in window opens at midnight.
const FULL: u32 = 60;
/// The slot HQ sells after the handover.
const OTHER: u32 = 90;

/// The hall's local business day of `at` (the example hall is UTC+8).
fn day_of(at: Timestamp) -> BusinessDay {
    time::local(at, 480).0
}

fn next_day(day: BusinessDay) -> BusinessDay {
    let (y, m, d) = time::civil_from_days(time::day_number(day) + 1);
    BusinessDay(u32::try_from(y).unwrap() * 10_000 + m * 100 + d)
}

/// The `booking_handover` events of the hub's journal: their `from` and booking codes.
fn handovers(hall: &Hall) -> Vec<(u32, Vec<String>)> {
    let journal = hall.journal();
    let mut stmt = journal
        .connection()
        .prepare("SELECT body FROM events WHERE type = 'booking_handover' ORDER BY seq")
        .unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|b| {
            let v: Value = serde_json::from_str(&b.unwrap()).unwrap();
            let codes = v["bookings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["code"].as_str().unwrap().to_owned())
                .collect();
            (u32::try_from(v["from"].as_u64().unwrap()).unwrap(), codes)
        })
        .collect()
}

/// Books at HQ's API (port `port`) for `n`'s number with a fresh one-time code.
fn book_at_hq(port: u16, n: u32, day: BusinessDay, start_min: u32) -> (u16, Value) {
    let number = mobile(n);
    let (status, body) = http(
        port,
        "POST",
        "/book/demo/api/otp",
        Some(&json!({ "mobile": number }).to_string()),
    );
    assert_eq!(status, 200, "{body}");
    let otp = hallq_booking::web::otp::take_demo_code(&number).unwrap();
    http(
        port,
        "POST",
        "/book/demo/api/bookings",
        Some(
            &json!({ "business": "basic", "day": day.0, "start_min": start_min,
                     "mobile": number, "otp": otp })
            .to_string(),
        ),
    )
}

/// HQ's record of the hall's handover, its bookings of `day`'s slot `start_min` and that slot's
/// places taken.
async fn hq_counts(
    db: &tokio_postgres::Client,
    day: BusinessDay,
    start_min: u32,
) -> (Option<(i32, i32, i32)>, i64, i32) {
    let handover = db
        .query_opt(
            "SELECT from_day, bookings, imported FROM booking_handover WHERE hall = 'demo'",
            &[],
        )
        .await
        .unwrap()
        .map(|r| (r.get(0), r.get(1), r.get(2)));
    let (day, start) = (day.0 as i32, start_min as i32);
    let bookings: i64 = db
        .query_one(
            "SELECT count(*) FROM booking WHERE hall = 'demo' AND day = $1 AND start_min = $2",
            &[&day, &start],
        )
        .await
        .unwrap()
        .get(0);
    let taken = db
        .query_opt(
            "SELECT taken FROM booking_slot WHERE hall = 'demo' AND business = 'basic'
             AND day = $1 AND start_min = $2",
            &[&day, &start],
        )
        .await
        .unwrap()
        .map_or(0, |r| r.get(0));
    (handover, bookings, taken)
}

fn check_in(code: Option<&str>, number: Option<&str>) -> Command {
    Command::CheckIn(CheckIn {
        code: code.map(str::to_owned),
        phone: number.map(|n| Phone::parse(n).unwrap()),
        ..CheckIn::default()
    })
}

fn checked_in(reply: &Reply) -> &str {
    match &reply.body {
        ReplyBody::Ok(ReplyResult::CheckedIn { late, booking, .. }) => {
            assert!(!late, "{reply:?}");
            booking
        }
        other => panic!("not checked in: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hall_hands_its_open_bookings_to_hq_at_the_switch_once() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
    let servers: Vec<String> = cluster.urls().iter().map(|u| format!("\"{u}\"")).collect();
    let servers = servers.join(", ");
    let key = dir.path().join("booking.key");
    // HQ's rules are the hall's: open all day, two places a slot.
    let cfg = HqConfig::parse(&format!(
        "[nats]\nservers = [{servers}]\n[postgres]\nconninfo = \"{}\"\n\
         [booking]\nlisten = \"127.0.0.1:0\"\nkey_file = \"{}\"\notp = \"log\"\n\
         [booking.halls.demo]\nname = {{ zh = \"演示营业厅\", en = \"Demo Hall\" }}\n\
         [booking.halls.demo.rules]\ncapacity = {{ basic = 2 }}\nopen_min = 0\nclose_min = 1440\n",
        pg.conninfo(),
        key.display()
    ))
    .unwrap();
    let running = serve::start(&cfg, Role::All).await.unwrap();
    let hq_port = running.booking.unwrap().port();
    let db = pg.connect().await.unwrap();

    let port = free_port();
    let hall = Hall::example(&format!(
        "\n[uplink]\nservers = [{servers}]\nregion = \"gd-gz\"\ninterval_ms = 100\nstatus_interval_s = 1\n\
         [booking]\nlisten = \"127.0.0.1:{port}\"\notp = \"log\"\ncapacity = {{ basic = 2 }}\n"
    ));
    // Open all day, so that tomorrow's 01:00 slot can be booked and checked in after midnight.
    let toml = std::fs::read_to_string(&hall.config_path).unwrap();
    let toml = toml
        .replace("open = \"08:30\"", "open = \"00:00\"")
        .replace("close = \"17:30\"", "close = \"24:00\"");
    std::fs::write(&hall.config_path, toml).unwrap();
    // Ten simulated minutes before midnight, at four times real time.
    let clock = ["--test-start", "23:50", "--test-speed", "4"];
    let hub = hall.start_hub_with(&clock);
    let (kiosk, kiosk_loop) = hall.device("kiosk-1").await;
    hallq_tests::wait_for_port(port);
    let today = day_of(kiosk.send(ticket("basic")).await.unwrap().at_ms);
    let tomorrow = next_day(today);

    // The hall sells both places of tomorrow's 01:00 slot itself.
    let first = booking_api::book(&hall, port, tomorrow, &mobile(1), FULL);
    let second = booking_api::book(&hall, port, tomorrow, &mobile(2), FULL);

    // HQ switches the hall from tomorrow on; the hub takes it.
    let doc = ConfigDoc {
        booking: Some(BookingDoc {
            master: Some(BookingMaster::Hq),
            from: Some(tomorrow.0),
            hq_url: Some(HQ_URL.into()),
        }),
        ..ConfigDoc::default()
    };
    hallq_hq::config::publish_with(&cfg, &Scope::Hall("demo".into()), &doc, "test")
        .await
        .unwrap();

    // Until the handover is in, HQ sells none of the hall's days from tomorrow on: its counts
    // do not yet hold the hall's.
    let (status, body) = http(
        hq_port,
        "POST",
        "/book/demo/api/bookings",
        Some(
            &json!({ "business": "basic", "day": tomorrow.0, "start_min": FULL,
                     "mobile": mobile(3), "otp": "123456" })
            .to_string(),
        ),
    );
    let still = day_of(kiosk.send(ticket("basic")).await.unwrap().at_ms);
    assert_eq!(still, today, "the test came past midnight too late");
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "handover_pending", "{body}");
    assert!(
        body["error"]["zh"].as_str().unwrap().contains("移交总部")
            && body["error"]["en"].as_str().unwrap().contains("moving"),
        "{body}"
    );
    let (status, body) = http(
        hq_port,
        "GET",
        &format!("/book/demo/api/slots?business=basic&day={}", tomorrow.0),
        None,
    );
    assert_eq!(
        (status, &body["error"]["code"]),
        (503, &json!("handover_pending")),
        "{body}"
    );
    assert!(handovers(&hall).is_empty(), "handed over before its day");

    // Past midnight the hub hands over; HQ counts it in.
    let deadline = Instant::now() + Duration::from_secs(300);
    let (handover, bookings, taken) = loop {
        let counts = hq_counts(&db, tomorrow, FULL).await;
        if counts.0.is_some() {
            break counts;
        }
        assert!(
            Instant::now() < deadline,
            "no handover reached HQ: {:?}\n{}",
            handovers(&hall),
            hall.hub_log()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(handover, Some((tomorrow.0 as i32, 2, 2)));
    assert_eq!((bookings, taken), (2, 2));
    let mut codes = vec![first.clone(), second.clone()];
    codes.sort();
    let journaled = handovers(&hall);
    assert_eq!(journaled.len(), 1, "{journaled:?}");
    let mut handed = journaled[0].1.clone();
    handed.sort();
    assert_eq!((journaled[0].0, handed), (tomorrow.0, codes));

    // HQ never sells a place the hall sold; it sells the others.
    let (status, body) = book_at_hq(hq_port, 3, tomorrow, FULL);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("slot_full")),
        "{body}"
    );
    let (status, body) = book_at_hq(hq_port, 4, tomorrow, OTHER);
    assert_eq!(status, 201, "{body}");
    // The hall's own bookings are nobody's by number at HQ: not cancelled there.
    let (status, body) = http(
        hq_port,
        "POST",
        &format!("/book/demo/api/bookings/{first}/cancel"),
        Some(&json!({ "mobile": mobile(1) }).to_string()),
    );
    assert_eq!(status / 100, 4, "{body}");
    assert_eq!(hq_counts(&db, tomorrow, FULL).await.2, 2);

    // At the hall, its bookings check in as before: by code, and by number.
    let reply = kiosk
        .send(check_in(Some(first.as_str()), None))
        .await
        .unwrap();
    assert_eq!(checked_in(&reply), first.as_str());
    let reply = kiosk.send(check_in(None, Some(&mobile(2)))).await.unwrap();
    assert_eq!(checked_in(&reply), second.as_str());

    // A restarted hub does not hand over again: its journal holds one handover, HQ's counts
    // stay. The restarted hub's ticks run while its ticket is taken and uploaded.
    assert!(hub.terminate());
    kiosk_loop.abort();
    drop(kiosk);
    let _hub = hall.start_hub_with(&clock);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    hallq_tests::wait_hub_online(&kiosk).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let after = kiosk.send(ticket("basic")).await.unwrap();
    assert!(day_of(after.at_ms) >= tomorrow);
    let last: i64 = hall
        .journal()
        .connection()
        .query_row("SELECT max(seq) FROM events", [], |r| r.get(0))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let mark: Option<i64> = db
            .query_opt("SELECT max(seq) FROM marks WHERE hall = 'demo'", &[])
            .await
            .unwrap()
            .and_then(|r| r.get(0));
        if mark.is_some_and(|m| m >= last) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the hub's events never reached HQ"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(handovers(&hall).len(), 1, "handed over twice");
    assert_eq!(
        hq_counts(&db, tomorrow, FULL).await,
        (Some((tomorrow.0 as i32, 2, 2)), 2, 2)
    );
    drop(running);
}
