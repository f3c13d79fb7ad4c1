//! Appointments at a standalone hall with real processes (issue 15 §3, docs/booking.md): a hub
//! with `[booking]` serves the JSON API and the page under `/book`; many customers booking the
//! last place of a slot at once, exactly one wins and the journal has that one; bad input gets
//! clear bilingual JSON errors (a malformed body, a bad number, a bad or unknown booking code,
//! a replayed one-time code, a flood of codes); the page books in headless Chromium at a
//! phone's viewport. One-time codes by SMS: asked on the API, received by a real SMSC (the npm
//! package `smpp`, tests/smsc), used to book; a gateway that is down gets a clear bilingual
//! error and takes none of the number's codes for the hour.
#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

#[path = "../../crates/hallq-hq/tests/webdriver/mod.rs"]
mod webdriver;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use fantoccini::Locator;
use hallq_proto::{BusinessDay, time};
use hallq_tests::booking_api::{http, logged_code};
use hallq_tests::smsc::{PASSWORD, SYSTEM_ID, Smsc};
use hallq_tests::{BrokerKind, Hall, free_port};
use serde_json::{Value, json};

fn post(port: u16, path: &str, body: &Value) -> (u16, Value) {
    http(port, "POST", path, Some(&body.to_string()))
}

/// The error's code, after checking it says what happened in both languages.
fn error_code(v: &Value) -> String {
    let e = &v["error"];
    let zh = e["zh"].as_str().unwrap_or_default();
    let en = e["en"].as_str().unwrap_or_default();
    assert!(
        zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
            && en.is_ascii()
            && !en.is_empty(),
        "not a bilingual error: {v}"
    );
    e["code"].as_str().unwrap_or_default().to_owned()
}

fn mobile(n: u32) -> String {
    format!("1390000{n:04}")
}

/// The hall's tomorrow (UTC+8, the test hall's zone).
fn tomorrow() -> BusinessDay {
    use hallq_hub::Clock as _;
    // The hub runs on the wall clock here: its day is the system's.
    let now = hallq_hub::SystemClock.now();
    let today = time::local(now, 480).0;
    let (y, m, d) = time::civil_from_days(time::day_number(today) + 1);
    BusinessDay(u32::try_from(y).unwrap() * 10_000 + m * 100 + d)
}

/// A hall with `[booking]` on a free port, its hub started; codes by the demo's log sender.
fn hall(capacity: u32) -> (Hall, hallq_tests::HubProcess, u16) {
    hall_with(|port| {
        format!(
            "[booking]\nlisten = \"127.0.0.1:{port}\"\ncapacity = {{ basic = {capacity} }}\n\
             otp_per_hour = 3\notp = \"log\"\n\n"
        )
    })
}

/// A hall with the sections `sections(port)` gives for the booking page's free `port`, its hub
/// started and the page answering.
fn hall_with(sections: impl Fn(u16) -> String) -> (Hall, hallq_tests::HubProcess, u16) {
    let port = free_port();
    let hall = Hall::with_sections(BrokerKind::Embedded, &sections(port));
    let hub = hall.start_hub();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "no booking page: {}",
            hall.hub_log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    (hall, hub, port)
}

fn otp(hall: &Hall, port: u16, mobile: &str) -> String {
    let (status, v) = post(port, "/book/api/otp", &json!({ "mobile": mobile }));
    assert_eq!(status, 200, "{v}");
    logged_code(hall, mobile)
}

fn book_body(mobile: &str, code: &str, start_min: u32) -> Value {
    json!({ "business": "basic", "day": tomorrow().0, "start_min": start_min,
            "mobile": mobile, "otp": code })
}

#[test]
fn of_many_customers_booking_the_last_place_at_once_exactly_one_wins() {
    let (hall, _hub, port) = hall(1);
    const CUSTOMERS: u32 = 24;
    let codes: Vec<String> = (0..CUSTOMERS)
        .map(|n| otp(&hall, port, &mobile(n)))
        .collect();
    let start = Arc::new(Barrier::new(CUSTOMERS as usize));
    let runs: Vec<_> = codes
        .into_iter()
        .enumerate()
        .map(|(n, code)| {
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                let body = book_body(&mobile(u32::try_from(n).unwrap()), &code, 9 * 60);
                start.wait();
                post(port, "/book/api/bookings", &body)
            })
        })
        .collect();
    let answers: Vec<(u16, Value)> = runs.into_iter().map(|r| r.join().unwrap()).collect();
    let won: Vec<_> = answers.iter().filter(|(s, _)| *s == 201).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    for (status, v) in answers.iter().filter(|(s, _)| *s != 201) {
        assert_eq!(
            (*status, error_code(v)),
            (409, "slot_full".to_owned()),
            "{v}"
        );
    }
    let code = won[0].1["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 8);

    // The slot shows no place left.
    let (_, slots) = http(
        port,
        "GET",
        &format!("/book/api/slots?business=basic&day={}", tomorrow().0),
        None,
    );
    let nine = slots["slots"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["start_min"] == 540)
        .unwrap();
    assert_eq!(
        (nine["left"].as_u64(), nine["open"].as_bool()),
        (Some(0), Some(false))
    );

    // The journal has the one booking, and no number.
    let journal = hall.journal();
    let bodies: Vec<String> = journal
        .connection()
        .prepare("SELECT body FROM events WHERE type = 'booking'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(
        bodies[0].contains(&code) && bodies[0].contains("\"booked\""),
        "{bodies:?}"
    );
    let all = std::fs::read(hall.data_dir().join("journal.db")).unwrap();
    let wal = std::fs::read(hall.data_dir().join("journal.db-wal")).unwrap_or_default();
    for n in 0..CUSTOMERS {
        let m = mobile(n);
        assert!(
            !all.windows(11)
                .chain(wal.windows(11))
                .any(|w| w == m.as_bytes()),
            "{m} in the journal"
        );
        assert!(!hall.hub_log().contains(&m), "{m} in the hub's log");
    }

    // Its holder cancels with the code and the number; someone else's number finds nothing.
    let (status, v) = post(
        port,
        &format!("/book/api/bookings/{code}/cancel"),
        &json!({ "mobile": mobile(500) }),
    );
    assert_eq!((status, error_code(&v)), (404, "unknown_booking".into()));
    let winner = won[0].1.clone();
    let holder = (0..CUSTOMERS)
        .map(mobile)
        .find(|m| {
            let (s, v) = post(
                port,
                &format!("/book/api/bookings/{code}/change"),
                &json!({ "mobile": m, "day": tomorrow().0, "start_min": 600 }),
            );
            s == 200 && v["time"] == "10:00"
        })
        .unwrap_or_else(|| panic!("no number moved {winner}"));
    let (status, v) = post(
        port,
        &format!("/book/api/bookings/{code}/cancel"),
        &json!({ "mobile": holder }),
    );
    assert_eq!(
        (status, v["status"].as_str()),
        (200, Some("cancelled")),
        "{v}"
    );
}

#[test]
fn bad_input_to_the_api_gets_clear_bilingual_errors_and_never_books() {
    let (hall, _hub, port) = hall(5);
    let m = mobile(7);
    // Not JSON, a bad number, a bad booking code, an unknown one.
    let (s, v) = http(port, "POST", "/book/api/otp", Some("{not json"));
    assert_eq!((s, error_code(&v)), (400, "bad_request".into()));
    let (s, v) = post(port, "/book/api/otp", &json!({ "mobile": "12345" }));
    assert_eq!((s, error_code(&v)), (400, "bad_mobile".into()));
    let (s, v) = post(
        port,
        "/book/api/bookings/NOT-A-CODE!/cancel",
        &json!({ "mobile": m }),
    );
    assert_eq!((s, error_code(&v)), (422, "bad_code".into()));
    let (s, v) = post(
        port,
        "/book/api/bookings/ABCD1234/cancel",
        &json!({ "mobile": m }),
    );
    assert_eq!((s, error_code(&v)), (404, "unknown_booking".into()));
    let (s, v) = http(port, "GET", "/book/nothing-here", None);
    assert_eq!((s, error_code(&v)), (404, "not_found".into()));

    // Booking without asking a code, with a wrong one, then the right one twice (a replay).
    let (s, v) = post(port, "/book/api/bookings", &book_body(&m, "123456", 540));
    assert_eq!((s, error_code(&v)), (401, "otp_missing".into()));
    let code = otp(&hall, port, &m);
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let (s, v) = post(port, "/book/api/bookings", &book_body(&m, wrong, 540));
    assert_eq!((s, error_code(&v)), (401, "otp_wrong".into()));
    let (s, v) = post(port, "/book/api/bookings", &book_body(&m, &code, 540));
    assert_eq!(s, 201, "{v}");
    let (s, v) = post(port, "/book/api/bookings", &book_body(&m, &code, 570));
    assert_eq!(
        (s, error_code(&v)),
        (401, "otp_missing".into()),
        "a replayed code"
    );

    // A slot that does not exist is refused by the book.
    let code = otp(&hall, port, &m);
    let (s, v) = post(port, "/book/api/bookings", &book_body(&m, &code, 545));
    assert_eq!((s, error_code(&v)), (422, "no_such_slot".into()));
    // The number had its three codes this hour: a fourth is refused.
    let (s, v) = post(port, "/book/api/otp", &json!({ "mobile": m }));
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(port, "/book/api/otp", &json!({ "mobile": m }));
    assert_eq!((s, error_code(&v)), (429, "otp_flood".into()));

    let journal = hall.journal();
    let booked: i64 = journal
        .connection()
        .query_row(
            "SELECT count(*) FROM events WHERE type = 'booking'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(booked, 1, "only the one good booking is journaled");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_books_a_slot_in_chromium_at_a_phone_viewport() {
    let (hall, _hub, port) = tokio::task::spawn_blocking(|| hall(2)).await.unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let (_driver, webdriver) = webdriver::driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = webdriver::browser(&webdriver, profile.path()).await;
    b.set_window_size(390, 844).await.unwrap();
    b.goto(&format!("{base}/book")).await.unwrap();
    assert!(webdriver::text(&b, "h1").await.contains("预约取号"));
    // Tomorrow, the 09:00 slot: two places.
    let day = b.find(Locator::Css("#day")).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while day
        .find(Locator::Css(&format!("option[value='{}']", tomorrow().0)))
        .await
        .is_err()
    {
        assert!(Instant::now() < deadline, "no days listed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    day.select_by_value(&tomorrow().0.to_string())
        .await
        .unwrap();
    let slot = "#slots button[data-start='540']";
    let deadline = Instant::now() + Duration::from_secs(30);
    while !webdriver::text(&b, slot).await.contains("(2)") {
        assert!(
            Instant::now() < deadline,
            "the 09:00 slot never showed two places"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.find(Locator::Css(slot))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let m = mobile(2468);
    b.find(Locator::Css("#mobile"))
        .await
        .unwrap()
        .send_keys(&m)
        .await
        .unwrap();
    b.find(Locator::Css("#send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let code = {
        let hall = &hall;
        let m = m.clone();
        tokio::task::block_in_place(move || logged_code(hall, &m))
    };
    b.find(Locator::Css("#otp"))
        .await
        .unwrap()
        .send_keys(&code)
        .await
        .unwrap();
    b.find(Locator::Css("#book"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let booked = webdriver::text(&b, "#code").await;
    assert_eq!(booked.len(), 8, "{booked}");
    assert!(webdriver::text(&b, "#msg").await.contains("预约成功"));
    // The page fits the phone: nothing wider than its viewport.
    let wide = b
        .execute("return document.documentElement.scrollWidth", vec![])
        .await
        .unwrap();
    assert!(wide.as_u64().unwrap() <= 390, "the page is {wide} px wide");
    // The picture in docs/screenshots/ is retaken only when asked (HALLQ_SCREENSHOTS=docs, as
    // live_screens and phone do): a test run leaves the repository as it found it.
    let png = b.screenshot().await.unwrap();
    if std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs") {
        let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots");
        std::fs::write(shots.join("booking-phone.png"), png).unwrap();
    }
    // A bad number on the page: the error in both languages, no crash.
    b.find(Locator::Css("#mobile"))
        .await
        .unwrap()
        .clear()
        .await
        .unwrap();
    b.find(Locator::Css("#mobile"))
        .await
        .unwrap()
        .send_keys("123")
        .await
        .unwrap();
    b.find(Locator::Css("#send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let msg = webdriver::text(&b, "#msg").await;
        if msg.contains("手机号码格式错误") && msg.contains("Not a mobile number") {
            break;
        }
        assert!(Instant::now() < deadline, "no error shown: {msg}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    b.close().await.unwrap();
}

/// `[booking]` sending its codes by SMS (the default `otp`) through `[notify.smpp]`, the SMSC
/// at `smsc_port`; the notices themselves stay off.
fn sms_sections(port: u16, smsc_port: u16, per_hour: u32) -> String {
    format!(
        "[booking]\nlisten = \"127.0.0.1:{port}\"\ncapacity = {{ basic = 5 }}\n\
         otp_per_hour = {per_hour}\n\n\
         [notify.smpp]\nhost = \"127.0.0.1\"\nport = {smsc_port}\nsystem_id = \"{SYSTEM_ID}\"\n\
         password = \"{PASSWORD}\"\nsource_addr = \"10690000\"\ntimeout_secs = 5\n\n"
    )
}

/// The code of the `n`th SMS the SMSC accepted (1-based), once it has; checks it went to `mobile`.
fn sms_code(smsc: &Smsc, n: usize, mobile: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = smsc.submitted();
        if let Some(sms) = got.get(n - 1) {
            assert_eq!(sms.destination, mobile, "{got:?}");
            assert!(sms.text.contains("预约验证码"), "{sms:?}");
            let code: String = sms
                .text
                .split("预约验证码")
                .nth(1)
                .unwrap_or_default()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            assert_eq!(code.len(), 6, "{sms:?}");
            return code;
        }
        assert!(Instant::now() < deadline, "the SMSC got no code: {got:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_code_asked_on_the_api_reaches_a_real_smsc_by_sms_and_books() {
    let smsc = Smsc::start(0);
    let (hall, _hub, port) = hall_with(|port| sms_sections(port, smsc.port, 3));
    let m = mobile(21);
    let (s, v) = post(port, "/book/api/otp", &json!({ "mobile": m }));
    assert_eq!((s, v["to"].as_str()), (200, Some("139****0021")), "{v}");
    let code = sms_code(&smsc, 1, &m);
    let (s, v) = post(port, "/book/api/bookings", &book_body(&m, &code, 600));
    assert_eq!(s, 201, "{v}");
    assert_eq!(smsc.submitted().len(), 1, "one code, one SMS");
    // The hub's log has the number only masked, and never the code.
    let log = hall.hub_log();
    assert!(log.contains("139****0021"), "{log}");
    assert!(!log.contains(&m) && !log.contains(&code), "{log}");
    assert!(!log.contains("DEMO one-time code"), "{log}");
}

#[test]
fn a_gateway_that_is_down_gets_a_clear_error_and_takes_none_of_the_hours_codes() {
    let mut smsc = Smsc::start(0);
    // One code an hour: a failed send that counted would leave none.
    let (hall, _hub, port) = hall_with(|port| sms_sections(port, smsc.port, 1));
    smsc.stop();
    let m = mobile(22);
    for _ in 0..2 {
        let (s, v) = post(port, "/book/api/otp", &json!({ "mobile": m }));
        assert_eq!((s, error_code(&v)), (503, "otp_not_sent".into()), "{v}");
        let (zh, en) = (v["error"]["zh"].as_str(), v["error"]["en"].as_str());
        assert!(zh.is_some_and(|t| t.contains("短信发送失败")), "{v}");
        assert!(en.is_some_and(|t| t.contains("could not be sent")), "{v}");
    }
    let (s, v) = post(port, "/book/api/bookings", &book_body(&m, "000000", 600));
    assert_eq!(
        (s, error_code(&v)),
        (401, "otp_missing".into()),
        "a code not sent is no code"
    );
    let smsc = smsc.restart();
    let (s, v) = post(port, "/book/api/otp", &json!({ "mobile": m }));
    assert_eq!(s, 200, "the failed sends were not counted: {v}");
    let code = sms_code(&smsc, 1, &m);
    let (s, v) = post(port, "/book/api/bookings", &book_body(&m, &code, 600));
    assert_eq!(s, 201, "{v}");
    let log = hall.hub_log();
    assert!(log.contains("验证码发送失败") && !log.contains(&m), "{log}");
}
