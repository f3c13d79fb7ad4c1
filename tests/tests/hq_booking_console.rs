//! The console's booking line of a hall HQ sells bookings for (issue 15 §3, docs/booking.md
//! "At HQ"), with real processes: a real 3-node NATS cluster and PostgreSQL, HQ (`serve::start`,
//! role `all`: the console, the status subscriber, the outbox's publisher) in the test, a real
//! `hallq hub` with `[uplink]` and `[booking] master = "hq"`, and the hall's console page in
//! headless Chromium, open throughout (its numbers and its red move live, no reload): a booking
//! made at HQ shows sent and then in the hall's journal; with the hub stopped, a second one is
//! sent and not journaled, and the line turns red once `[booking] behind_alert_s` has passed;
//! the hub back, the two counts are equal again and the red is gone.
#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

#[path = "../../crates/hallq-hq/tests/webdriver/mod.rs"]
mod webdriver;

use std::time::{Duration, Instant};

use fantoccini::Client;
use hallq_booking::{BookingCode, PersonKey, SlotRules};
use hallq_hq::booking::store::{HallBook, Slot};
use hallq_hq::serve::{self, HqConfig, Role};
use hallq_hq::user::{self, Scope};
use hallq_hq::{NatsCluster, Postgres};
use hallq_proto::{BusinessCode, BusinessDay, Timestamp, time};
use hallq_tests::{Hall, ticket};
use webdriver::{browser, driver, login, text};

/// The booking line's cell on the hall page.
const LINE: &str = "[data-k='hall:demo:bookings']";

/// `[booking] behind_alert_s` of this HQ: long enough that a change in flight to a running hub
/// is never red, short enough to wait for.
const ALERT_S: u64 = 20;

/// Whether the line is shown red now.
async fn red(b: &Client) -> bool {
    let class = b
        .execute(
            "return document.querySelector(arguments[0]).parentElement.className",
            vec![serde_json::json!(LINE)],
        )
        .await
        .unwrap();
    class.as_str() == Some("red")
}

/// Waits (bounded) until the line reads as `done` accepts and is red or not as `want_red`.
async fn until(b: &Client, what: &str, want_red: bool, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let t = text(b, LINE).await;
        if done(&t) && red(b).await == want_red {
            return t;
        }
        assert!(Instant::now() < deadline, "{what}: the line stayed {t:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

fn person(n: u32) -> PersonKey {
    PersonKey::new(format!("{n:032x}")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hall_page_shows_bookings_sent_and_journaled_and_turns_red_while_the_hub_is_away() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
    let servers: Vec<String> = cluster.urls().iter().map(|u| format!("\"{u}\"")).collect();
    let servers = servers.join(", ");
    let cfg = HqConfig::parse(&format!(
        "[nats]\nservers = [{servers}]\n[postgres]\nconninfo = \"{}\"\n[web]\nlisten = \"127.0.0.1:0\"\n\
         [booking]\nlisten = \"127.0.0.1:0\"\nkey_file = \"{}\"\notp = \"log\"\nbehind_alert_s = {ALERT_S}\n\
         [booking.halls.demo]\nname = {{ zh = \"演示营业厅\", en = \"Demo Hall\" }}\n\
         [booking.halls.demo.rules]\ncapacity = {{ basic = 2 }}\n",
        pg.conninfo(),
        dir.path().join("booking.key").display()
    ))
    .unwrap();
    let hq = serve::start(&cfg, Role::All).await.unwrap();
    let base = format!("http://{}", hq.web.unwrap());
    let mut db = pg.connect().await.unwrap();
    user::add(&db, "boss", "总部值班", &Scope::Chain, "correct-horse-9")
        .await
        .unwrap();
    let rules = SlotRules {
        capacity: [(BusinessCode::new("basic").unwrap(), 2)].into(),
        ..SlotRules::default()
    };
    let book = HallBook {
        hall: "demo",
        rules: &rules,
    };
    let basic = BusinessCode::new("basic").unwrap();

    let hall = Hall::example(&format!(
        "\n[uplink]\nservers = [{servers}]\nregion = \"gd-gz\"\ninterval_ms = 100\nstatus_interval_s = 1\n\
         [booking]\nmaster = \"hq\"\nhq_url = \"https://hq.example/book/demo\"\n\
         capacity = {{ basic = 2 }}\n"
    ));
    let hub = hall.start_hub_with(&["--test-start", "09:05", "--test-speed", "1"]);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    // The hub's time, to book at: its day's 10:00.
    let now = kiosk.send(ticket("basic")).await.unwrap().at_ms;
    let day = time::local(now, 480).0;

    let (_driver, webdriver) = driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = browser(&webdriver, profile.path()).await;
    login(&b, &base, "boss", "correct-horse-9").await;
    b.goto(&format!("{base}/hall/demo?lang=en")).await.unwrap();
    // The hall's first status made its page; before any booking, nothing is behind.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !text(&b, "body").await.contains("Bookings:") {
        assert!(Instant::now() < deadline, "{}", text(&b, "body").await);
        tokio::time::sleep(Duration::from_millis(500)).await;
        b.goto(&format!("{base}/hall/demo?lang=en")).await.unwrap();
    }
    until(&b, "no booking yet", false, |t| {
        t == "Bookings: 0 sent, 0 in the hall's journal"
    })
    .await;

    // A booking made at HQ: sent, then in the hall's journal, on the page left open.
    let a = BookingCode::from_random(0xA1);
    let slot = |day: BusinessDay| Slot {
        business: basic.clone(),
        day,
        start_min: 600,
    };
    book.book(&mut db, now, &a, &person(1), &slot(day))
        .await
        .unwrap();
    until(&b, "the first booking journaled", false, |t| {
        t == "Bookings: 1 sent, 1 in the hall's journal"
    })
    .await;

    // The hub stops; a booking for tomorrow is sent and not journaled: behind, then red once
    // the limit has passed.
    assert!(hub.terminate());
    let (y, m, d) = time::civil_from_days(time::day_number(day) + 1);
    let tomorrow = BusinessDay((y as u32) * 10_000 + m * 100 + d);
    let c = BookingCode::from_random(0xB2);
    book.book(
        &mut db,
        Timestamp(now.0 + 60_000),
        &c,
        &person(2),
        &slot(tomorrow),
    )
    .await
    .unwrap();
    let behind = until(&b, "sent while the hub is away", false, |t| {
        t.starts_with("Bookings: 2 sent, 1 in the hall's journal (behind since ")
    })
    .await;
    until(&b, "red after the limit", true, |t| t == behind).await;
    let zh = {
        b.goto(&format!("{base}/hall/demo?lang=zh")).await.unwrap();
        let t = text(&b, LINE).await;
        b.goto(&format!("{base}/hall/demo?lang=en")).await.unwrap();
        t
    };
    assert!(
        zh.starts_with("预约：已下发 2 条，营业厅已记入 1 条（自 "),
        "{zh}"
    );

    // The hub back: it journals the change, and the line is level and no longer red.
    let _hub = hall.start_hub_with(&["--test-start", "16:00", "--test-speed", "1"]);
    until(&b, "the hub back", false, |t| {
        t == "Bookings: 2 sent, 2 in the hall's journal"
    })
    .await;
    b.close().await.unwrap();
    hq.stop().await;
}
