//! The switch to HQ as a hall's booking master by a published revision (issue 15 §3,
//! docs/booking.md "At HQ"), with real processes: a real 3-node NATS cluster and PostgreSQL,
//! HQ's publish (`hallq_hq::config::publish_with`, as `hallq hq config publish` does), and a real
//! `hallq hub` with `[uplink]` and its own `[booking]` (the hub sells). HQ publishes the hall's
//! document with `[booking] master = "hq"` from tomorrow; the hub takes it and still sells
//! today; once its clock passes midnight, its API answers `409 booking_at_hq` naming HQ's page.
#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::time::{Duration, Instant};

use hallq_hq::serve::HqConfig;
use hallq_hq::wire::{BookingDoc, BookingMaster, ConfigDoc, Scope};
use hallq_hq::{NatsCluster, Postgres};
use hallq_proto::{BusinessDay, Timestamp, time};
use hallq_tests::booking_api::http;
use hallq_tests::{Hall, free_port, ticket};

const HQ_URL: &str = "https://hq.example/book/demo";

/// The hall's local business day of `at` (the example hall is UTC+8).
fn day_of(at: Timestamp) -> BusinessDay {
    time::local(at, 480).0
}

fn next_day(day: BusinessDay) -> BusinessDay {
    let (y, m, d) = time::civil_from_days(time::day_number(day) + 1);
    BusinessDay(u32::try_from(y).unwrap() * 10_000 + m * 100 + d)
}

/// A one-time code asked at the hub's API for the `n`th number (each number has its own
/// hourly limit): the status and the body.
fn ask_code(port: u16, n: u32) -> (u16, serde_json::Value) {
    http(
        port,
        "POST",
        "/book/api/otp",
        Some(&format!(r#"{{"mobile":"1390000{n:04}"}}"#)),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_published_switch_to_hq_takes_effect_at_the_business_day_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
    let servers: Vec<String> = cluster.urls().iter().map(|u| format!("\"{u}\"")).collect();
    let servers = servers.join(", ");
    let hq = HqConfig::parse(&format!(
        "[nats]\nservers = [{servers}]\n[postgres]\nconninfo = \"{}\"\n",
        pg.conninfo()
    ))
    .unwrap();

    let port = free_port();
    let hall = Hall::example(&format!(
        "\n[uplink]\nservers = [{servers}]\nregion = \"gd-gz\"\ninterval_ms = 100\nstatus_interval_s = 1\n\
         [booking]\nlisten = \"127.0.0.1:{port}\"\notp = \"log\"\ncapacity = {{ basic = 2 }}\n"
    ));
    // Three simulated minutes before midnight, at twice real time.
    let _hub = hall.start_hub_with(&["--test-start", "23:57", "--test-speed", "2"]);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    hallq_tests::wait_for_port(port);
    let today = day_of(kiosk.send(ticket("basic")).await.unwrap().at_ms);
    let tomorrow = next_day(today);

    // HQ switches the hall from tomorrow on.
    let doc = ConfigDoc {
        booking: Some(BookingDoc {
            master: Some(BookingMaster::Hq),
            from: Some(tomorrow.0),
            hq_url: Some(HQ_URL.into()),
        }),
        ..ConfigDoc::default()
    };
    hallq_hq::config::publish_with(&hq, &Scope::Hall("demo".into()), &doc, "test")
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let applied: i64 = hall
            .journal()
            .connection()
            .query_row(
                "SELECT count(*) FROM events WHERE type = 'config_applied'
                 AND body LIKE '%booking%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if applied > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the switch was not taken\n{}",
            hall.hub_log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // Taken, and still today: the hub sells (a code is sent).
    let (status, body) = ask_code(port, 0);
    let still = day_of(kiosk.send(ticket("basic")).await.unwrap().at_ms);
    assert_eq!(
        still, today,
        "the test came past midnight too late to see the hub sell"
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["sent"], true, "{body}");

    // Past midnight: HQ sells; the hub refuses, naming HQ's page, in both languages. A refusal
    // answered while the hub's clock was still on today would be a switch before its day.
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut n = 1;
    let (status, body) = loop {
        let (status, body) = ask_code(port, n);
        n += 1;
        if status != 200 {
            let after = day_of(kiosk.send(ticket("basic")).await.unwrap().at_ms);
            assert_eq!(
                after, tomorrow,
                "refused before the day it was published for: {body}"
            );
            break (status, body);
        }
        assert!(
            Instant::now() < deadline,
            "the hub still sells\n{}",
            hall.hub_log()
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "booking_at_hq", "{body}");
    assert!(
        body["error"]["zh"].as_str().unwrap().contains(HQ_URL)
            && body["error"]["en"].as_str().unwrap().contains(HQ_URL),
        "{body}"
    );
    let (status, body) = http(
        port,
        "POST",
        "/book/api/bookings",
        Some(&format!(
            r#"{{"business":"basic","day":{},"start_min":600,"mobile":"13900000001","otp":"123456"}}"#,
            tomorrow.0
        )),
    );
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (409, Some("booking_at_hq")),
        "{body}"
    );
}
