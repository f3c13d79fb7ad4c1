//! HQ's booking key handed to its hall (issue 15 §3, docs/booking.md "At HQ"), with real
//! processes: a real 3-node NATS cluster and PostgreSQL, HQ (`serve::start`, role `all`) in the
//! test, a real `hallq hub` with `[uplink]` and `[booking] master = "hq"`. HQ puts the hall's key
//! `k_h` where only the hall reads it; the hub takes it, keeps it sealed, and a customer who
//! booked at HQ checks in at the kiosk by mobile number; a booking hashed under another hall's
//! key is not found by the number; the key is in no journal file and not in the log; with HQ's
//! cluster gone, a restarted hub still finds HQ's bookings by number.
#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::time::{Duration, Instant};

use hallq_booking::{BookingCode, SlotRules};
use hallq_hq::booking::Keys;
use hallq_hq::booking::store::{HallBook, Slot};
use hallq_hq::serve::{self, HqConfig, Role};
use hallq_hq::{NatsCluster, Postgres};
use hallq_proto::command::CheckIn;
use hallq_proto::{BusinessCode, Command, ErrorCode, Phone, Reply, ReplyBody, ReplyResult, time};
use hallq_tests::{Hall, ticket};

/// Waits (bounded) until the hub's journal holds a `booking` event `booked` of `code`.
async fn wait_booked(hall: &Hall, code: &BookingCode) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n: i64 = hall
            .journal()
            .connection()
            .query_row(
                "SELECT count(*) FROM events WHERE type = 'booking'
                 AND json_extract(body, '$.booking.type') = 'booked'
                 AND json_extract(body, '$.booking.booking.code') = ?1",
                [code.as_str()],
                |r| r.get(0),
            )
            .unwrap();
        if n > 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{code} not in the hub's journal\n{}",
            hall.hub_log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Waits (bounded) until the hub's audit trail says HQ's booking key is in force.
async fn wait_key_in_force(hall: &Hall) -> String {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = hall
            .journal()
            .audit_trail()
            .unwrap()
            .into_iter()
            .find(|a| a.action == "hq_booking_key");
        if let Some(a) = line {
            return a.detail;
        }
        assert!(
            Instant::now() < deadline,
            "HQ's booking key never in force\n{}",
            hall.hub_log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn by_number(number: &str) -> Command {
    Command::CheckIn(CheckIn {
        phone: Some(Phone::parse(number).unwrap()),
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_who_booked_at_hq_checks_in_at_the_kiosk_by_mobile_number() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
    let servers: Vec<String> = cluster.urls().iter().map(|u| format!("\"{u}\"")).collect();
    let servers = servers.join(", ");
    let key_file = dir.path().join("booking.key");
    let cfg = HqConfig::parse(&format!(
        "[nats]\nservers = [{servers}]\n[postgres]\nconninfo = \"{}\"\n[web]\nlisten = \"127.0.0.1:0\"\n\
         [booking]\nlisten = \"127.0.0.1:0\"\nkey_file = \"{}\"\notp = \"log\"\n\
         [booking.halls.demo]\nname = {{ zh = \"演示营业厅\", en = \"Demo Hall\" }}\n\
         [booking.halls.demo.rules]\ncapacity = {{ basic = 2 }}\n",
        pg.conninfo(),
        key_file.display()
    ))
    .unwrap();
    let hq = serve::start(&cfg, Role::All).await.unwrap();
    let keys = Keys::load(&key_file).unwrap();
    let k_h = hex(&keys.hall_key("demo"));
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
    let slot = |day, start_min| Slot {
        business: basic.clone(),
        day,
        start_min,
    };

    let hall = Hall::example(&format!(
        "\n[uplink]\nservers = [{servers}]\nregion = \"gd-gz\"\ninterval_ms = 100\nstatus_interval_s = 1\n\
         [booking]\nmaster = \"hq\"\nhq_url = \"https://hq.example/book/demo\"\n\
         capacity = {{ basic = 2 }}\n"
    ));
    let hub = hall.start_hub_with(&["--test-start", "09:05", "--test-speed", "1"]);
    let (kiosk, kiosk_loop) = hall.device("kiosk-1").await;
    let detail = wait_key_in_force(&hall).await;
    assert!(detail.contains("fingerprint"), "{detail}");
    assert!(!detail.contains(&k_h), "the audit line holds the key");

    // Booked at HQ, today: one under this hall's key, one hashed under another hall's key.
    let walk_in = kiosk.send(ticket("basic")).await.unwrap();
    let now = walk_in.at_ms;
    let day = time::local(now, 480).0;
    let ours = BookingCode::from_random(0xA1);
    let phone = Phone::parse("13900000001").unwrap();
    book.book(
        &mut db,
        now,
        &ours,
        &keys.person("demo", &phone),
        &slot(day, 600),
    )
    .await
    .unwrap();
    let theirs = BookingCode::from_random(0xB2);
    let other = Phone::parse("13900000002").unwrap();
    book.book(
        &mut db,
        now,
        &theirs,
        &keys.person("sz-futian", &other),
        &slot(day, 630),
    )
    .await
    .unwrap();
    let later = BookingCode::from_random(0xC3);
    let third = Phone::parse("13900000003").unwrap();
    book.book(
        &mut db,
        now,
        &later,
        &keys.person("demo", &third),
        &slot(day, 660),
    )
    .await
    .unwrap();
    for code in [&ours, &theirs, &later] {
        wait_booked(&hall, code).await;
    }

    // Another hall's key does not match: the number finds nothing.
    let reply = kiosk.send(by_number("13900000002")).await.unwrap();
    match &reply.body {
        ReplyBody::Error(e) => assert_eq!(e.code, ErrorCode::UnknownBooking, "{e:?}"),
        other => panic!("another hall's hash was matched: {other:?}"),
    }
    // This hall's: the number finds HQ's booking, a ticket on time.
    let reply = kiosk.send(by_number("13900000001")).await.unwrap();
    assert_eq!(checked_in(&reply), ours.as_str());

    // The key is nowhere in the clear: not in the journal's files, not in the log; its sealed
    // copy in the data directory does not hold it either.
    let data = hall.data_dir();
    for entry in std::fs::read_dir(&data).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(&k_h),
                "{} holds the key",
                path.display()
            );
            assert!(
                !bytes
                    .windows(32)
                    .any(|w| w == keys.hall_key("demo").as_slice()),
                "{} holds the key's bytes",
                path.display()
            );
        }
    }
    assert!(
        data.join("hq-booking.key").is_file(),
        "the key is kept sealed"
    );
    assert!(!hall.hub_log().contains(&k_h), "the log holds the key");

    // HQ out of reach: the hub restarts on the key it kept, and the kiosk still finds HQ's
    // booking by number (10:05: the 11:00 slot's window is open).
    assert!(hub.terminate());
    kiosk_loop.abort();
    drop(kiosk);
    drop(hq);
    for name in cluster.names() {
        cluster.kill(&name);
    }
    let _hub = hall.start_hub_with(&["--test-start", "10:05", "--test-speed", "1"]);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    hallq_tests::wait_hub_online(&kiosk).await;
    let reply = kiosk.send(by_number("13900000003")).await.unwrap();
    assert_eq!(checked_in(&reply), later.as_str());
    assert!(
        hall.hub_log().contains("kept from before"),
        "{}",
        hall.hub_log()
    );
}
