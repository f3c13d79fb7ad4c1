//! HQ's booking page and API (`/book/<hall>`) served by two HQ processes on one real PostgreSQL:
//! 24 customers at once for a slot's last three places, split over both, get exactly three
//! bookings; the rest `slot_full`; bad input gets a clear error in both languages and stores
//! nothing; cancel and change with the code and the number. The one-time codes are shared
//! through the database: a code asked at one process books at the other, once, also when both
//! take it at the same moment, and a flood spread over both stops where it stops at one.
#![allow(clippy::unwrap_used)]

mod common;

use hallq_hq::Postgres;
use hallq_hq::serve::{self, HqConfig, Role};
use serde_json::{Value, json};

const HALL: &str = "gz-tianhe-01";

fn config(pg: &Postgres, key: &std::path::Path) -> HqConfig {
    HqConfig::parse(&format!(
        "[nats]\nservers = [\"nats://127.0.0.1:9\"]\n[postgres]\nconninfo = \"{}\"\n\
         [web]\nlisten = \"127.0.0.1:0\"\n\
         [booking]\nlisten = \"127.0.0.1:0\"\nkey_file = \"{}\"\notp = \"log\"\notp_per_hour = 3\n\
         [booking.halls.{HALL}]\nname = {{ zh = \"天河营业厅\", en = \"Tianhe hall\" }}\n\
         business = {{ basic = {{ zh = \"基础业务\", en = \"Basic services\" }} }}\n\
         [booking.halls.{HALL}.rules]\ncapacity = {{ basic = 5 }}\nhorizon_days = 7\n",
        pg.conninfo(),
        key.display()
    ))
    .unwrap()
}

/// Tomorrow in Beijing, `YYYYMMDD`: its 10:00 slot is open whatever the hour of the run.
fn tomorrow() -> u32 {
    #[allow(
        clippy::disallowed_methods,
        reason = "the test books at HQ's real time"
    )]
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let (today, _) = hallq_proto::time::local(hallq_proto::Timestamp(ms), 480);
    let (y, m, d) = hallq_proto::time::civil_from_days(hallq_proto::time::day_number(today) + 1);
    (y as u32) * 10_000 + m * 100 + d
}

struct Hq {
    base: String,
    _running: serve::Running,
}

async fn start(cfg: &HqConfig) -> Hq {
    let running = serve::start(cfg, Role::Web).await.unwrap();
    Hq {
        base: format!("http://{}/book/{HALL}", running.booking.unwrap()),
        _running: running,
    }
}

async fn post(url: &str, body: Value) -> (u16, Value) {
    let r = reqwest::Client::new()
        .post(url)
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Asks a code for `mobile` at `hq` and reads it where the demo sender puts it.
async fn code_for(hq: &Hq, mobile: &str) -> String {
    let (status, body) = post(&format!("{}/api/otp", hq.base), json!({ "mobile": mobile })).await;
    assert_eq!(status, 200, "{body}");
    hallq_booking::web::otp::take_demo_code(mobile).unwrap()
}

async fn book(hq: &Hq, mobile: &str, otp: &str, day: u32, start_min: u32) -> (u16, Value) {
    post(
        &format!("{}/api/bookings", hq.base),
        json!({ "business": "basic", "day": day, "start_min": start_min, "mobile": mobile, "otp": otp }),
    )
    .await
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_four_customers_at_two_hq_processes_get_the_last_three_places_and_no_more() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let cfg = config(&pg, &dir.path().join("booking.key"));
    let (a, b) = (start(&cfg).await, start(&cfg).await);
    let day = tomorrow();
    // Two places sold already.
    for n in 0..2 {
        let mobile = format!("138000000{n:02}");
        let otp = code_for(&a, &mobile).await;
        assert_eq!(book(&a, &mobile, &otp, day, 600).await.0, 201);
    }
    // 24 customers, half at each process, each with the code its process sent.
    let mut asked = Vec::new();
    for n in 0..24 {
        let hq = if n % 2 == 0 { &a } else { &b };
        let mobile = format!("139000000{n:02}");
        let otp = code_for(hq, &mobile).await;
        asked.push((hq.base.clone(), mobile, otp));
    }
    let tasks: Vec<_> = asked
        .into_iter()
        .map(|(base, mobile, otp)| {
            tokio::spawn(async move {
                post(
                    &format!("{base}/api/bookings"),
                    json!({ "business": "basic", "day": day, "start_min": 600, "mobile": mobile, "otp": otp }),
                )
                .await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for t in tasks {
        let (status, body) = t.await.unwrap();
        if status == 201 {
            assert_eq!(body["status"], "booked");
            assert_eq!(body["time"], "10:00");
        } else {
            assert_eq!((status, error_code(&body)), (409, "slot_full"), "{body}");
            assert_eq!(body["error"]["zh"], "该时段已约满，请选择其他时段");
        }
        statuses.push(status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 3);
    let db = pg.connect().await.unwrap();
    let one = |sql: &'static str| {
        let db = &db;
        async move { db.query_one(sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(one("SELECT count(*) FROM booking").await, 5);
    assert_eq!(one("SELECT sum(taken)::bigint FROM booking_slot").await, 5);
    assert_eq!(one("SELECT count(*) FROM booking_outbox").await, 5);
    assert_eq!(
        one("SELECT count(*) FROM booking WHERE person LIKE '%139000000%' OR person LIKE '%138000000%'")
            .await,
        0,
        "no number is stored"
    );
    // Both processes show the slot full.
    for hq in [&a, &b] {
        let slots: Value = reqwest::get(format!("{}/api/slots?business=basic&day={day}", hq.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ten = slots["slots"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["start_min"] == 600)
            .unwrap();
        assert_eq!(
            (ten["left"].as_u64(), ten["open"].as_bool()),
            (Some(0), Some(false))
        );
    }
}

#[tokio::test]
async fn bad_input_gets_a_clear_error_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let hq = start(&config(&pg, &dir.path().join("booking.key"))).await;
    let day = tomorrow();
    let root = hq.base.trim_end_matches(HALL).to_owned();
    // An unknown hall.
    let (status, body) = post(
        &format!("{root}nowhere/api/otp"),
        json!({ "mobile": "13900000001" }),
    )
    .await;
    assert_eq!((status, error_code(&body)), (404, "unknown_hall"));
    assert!(body["error"]["zh"].as_str().unwrap().contains("营业厅"));
    // Not JSON, a bad number.
    let r = reqwest::Client::new()
        .post(format!("{}/api/otp", hq.base))
        .body("mobile=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let (status, body) = post(
        &format!("{}/api/otp", hq.base),
        json!({ "mobile": "12345" }),
    )
    .await;
    assert_eq!((status, error_code(&body)), (400, "bad_mobile"));
    // Booking without a code, with a wrong one, a bad slot, a replayed code.
    let mobile = "13900000001";
    assert_eq!(
        error_code(&book(&hq, mobile, "123456", day, 600).await.1),
        "otp_missing"
    );
    let otp = code_for(&hq, mobile).await;
    let wrong = if otp == "000000" { "000001" } else { "000000" };
    assert_eq!(
        error_code(&book(&hq, mobile, wrong, day, 600).await.1),
        "otp_wrong"
    );
    let (status, body) = book(&hq, mobile, &otp, day, 601).await;
    assert_eq!((status, error_code(&body)), (422, "no_such_slot"));
    assert_eq!(
        error_code(&book(&hq, mobile, &otp, day, 600).await.1),
        "otp_missing",
        "a code is used once"
    );
    // Flooding the one-time code: the hour's three, then 429 in both languages.
    for _ in 0..2 {
        code_for(&hq, mobile).await;
    }
    let (status, body) = post(&format!("{}/api/otp", hq.base), json!({ "mobile": mobile })).await;
    assert_eq!((status, error_code(&body)), (429, "otp_flood"));
    assert!(body["error"]["zh"].as_str().unwrap().contains("频繁"));
    let db = pg.connect().await.unwrap();
    for table in ["booking", "booking_slot", "booking_outbox"] {
        let n: i64 = db
            .query_one(&format!("SELECT count(*) FROM {table}"), &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(n, 0, "{table}");
    }
}

#[tokio::test]
async fn the_holder_changes_and_cancels_with_code_and_number_and_nobody_else_can() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let hq = start(&config(&pg, &dir.path().join("booking.key"))).await;
    let day = tomorrow();
    let mobile = "13900000007";
    let otp = code_for(&hq, mobile).await;
    let (status, made) = book(&hq, mobile, &otp, day, 600).await;
    assert_eq!(status, 201, "{made}");
    let code = made["code"].as_str().unwrap().to_owned();
    let url = |what: &str| format!("{}/api/bookings/{code}/{what}", hq.base);
    let (status, body) = post(&url("cancel"), json!({ "mobile": "13900000008" })).await;
    assert_eq!(
        (status, error_code(&body)),
        (404, "unknown_booking"),
        "another number"
    );
    let (status, moved) = post(
        &url("change"),
        json!({ "mobile": mobile, "day": day, "start_min": 630 }),
    )
    .await;
    assert_eq!(
        (status, moved["time"].as_str()),
        (200, Some("10:30")),
        "{moved}"
    );
    let (status, gone) = post(&url("cancel"), json!({ "mobile": mobile })).await;
    assert_eq!((status, gone["status"].as_str()), (200, Some("cancelled")));
    let (status, body) = post(&url("cancel"), json!({ "mobile": mobile })).await;
    assert_eq!((status, error_code(&body)), (409, "not_open"));
    // The page is the hub's, on this hall's path.
    let page = reqwest::get(&hq.base).await.unwrap().text().await.unwrap();
    assert!(page.contains("天河营业厅") && page.contains(&format!("data-base=\"/book/{HALL}\"")));
}

/// Every row of every table of the store, as text.
async fn every_row(pg: &Postgres) -> String {
    let db = pg.connect().await.unwrap();
    let tables = db
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .await
        .unwrap();
    let mut all = String::new();
    for t in tables {
        let table: String = t.get(0);
        for row in db
            .query(&format!("SELECT t::text FROM \"{table}\" t"), &[])
            .await
            .unwrap()
        {
            all.push_str(&format!("{table}: {}\n", row.get::<_, String>(0)));
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_code_asked_at_one_process_books_at_the_other_and_then_at_neither() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let cfg = config(&pg, &dir.path().join("booking.key"));
    let (a, b) = (start(&cfg).await, start(&cfg).await);
    let day = tomorrow();
    let mobile = "13900000021";
    let otp = code_for(&a, mobile).await;
    // While the code lives, the store holds neither the number nor the code.
    let rows = every_row(&pg).await;
    assert!(rows.contains("booking_otp: "), "{rows}");
    assert!(!rows.contains(mobile) && !rows.contains(&otp), "{rows}");
    let (status, made) = book(&b, mobile, &otp, day, 600).await;
    assert_eq!(status, 201, "{made}");
    for hq in [&a, &b] {
        let (status, body) = book(hq, mobile, &otp, day, 630).await;
        assert_eq!(
            (status, error_code(&body)),
            (401, "otp_missing"),
            "a replay is refused at either process"
        );
        assert_eq!(body["error"]["zh"], "验证码无效或已过期，请重新获取");
    }
    // Wrong tries count at both: the fifth, wherever it is made, voids the code.
    let otp = code_for(&b, mobile).await;
    let wrong = if otp == "000000" { "000001" } else { "000000" };
    for n in 0..4 {
        let hq = if n % 2 == 0 { &a } else { &b };
        assert_eq!(
            error_code(&book(hq, mobile, wrong, day, 630).await.1),
            "otp_wrong"
        );
    }
    assert_eq!(
        error_code(&book(&a, mobile, wrong, day, 630).await.1),
        "otp_exhausted"
    );
    assert_eq!(
        error_code(&book(&b, mobile, &otp, day, 630).await.1),
        "otp_exhausted",
        "void at the other process too, even if right"
    );
    let rows = every_row(&pg).await;
    assert!(!rows.contains(mobile), "no number in any table: {rows}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_code_taken_at_two_processes_at_once_books_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let cfg = config(&pg, &dir.path().join("booking.key"));
    let (a, b) = (start(&cfg).await, start(&cfg).await);
    let day = tomorrow();
    for n in 0..4 {
        let mobile = format!("1370000000{n}");
        let otp = code_for(if n % 2 == 0 { &a } else { &b }, &mobile).await;
        // Twelve requests with the one code, half at each process, at once.
        let tasks: Vec<_> = (0..12)
            .map(|i| {
                let base = if i % 2 == 0 { &a.base } else { &b.base }.clone();
                let (mobile, otp) = (mobile.clone(), otp.clone());
                tokio::spawn(async move {
                    post(
                        &format!("{base}/api/bookings"),
                        json!({ "business": "basic", "day": day, "start_min": 660 + 30 * (i % 2),
                                "mobile": mobile, "otp": otp }),
                    )
                    .await
                })
            })
            .collect();
        let mut made = 0;
        for t in tasks {
            let (status, body) = t.await.unwrap();
            match status {
                201 => made += 1,
                _ => assert_eq!((status, error_code(&body)), (401, "otp_missing"), "{body}"),
            }
        }
        assert_eq!(made, 1, "the code of {mobile} booked once");
    }
    let db = pg.connect().await.unwrap();
    let n: i64 = db
        .query_one("SELECT count(*) FROM booking", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_codes_spread_over_two_processes_stops_at_one_process_count() {
    let dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(dir.path()).await.unwrap();
    let cfg = config(&pg, &dir.path().join("booking.key"));
    let (a, b) = (start(&cfg).await, start(&cfg).await);
    let mobile = "13900000031";
    // otp_per_hour = 3 in all: two at A, one at B.
    for hq in [&a, &b, &a] {
        code_for(hq, mobile).await;
    }
    for hq in [&b, &a] {
        let (status, body) =
            post(&format!("{}/api/otp", hq.base), json!({ "mobile": mobile })).await;
        assert_eq!((status, error_code(&body)), (429, "otp_flood"), "{body}");
        assert!(
            body["error"]["en"]
                .as_str()
                .unwrap()
                .contains("Too many codes")
        );
    }
    // Asked at once at both, a fresh number gets its three and no more.
    let other = "13900000032";
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let base = if i % 2 == 0 { &a.base } else { &b.base }.clone();
            tokio::spawn(async move {
                post(&format!("{base}/api/otp"), json!({ "mobile": other }))
                    .await
                    .0
            })
        })
        .collect();
    let mut sent = 0;
    for t in tasks {
        match t.await.unwrap() {
            200 => sent += 1,
            status => assert_eq!(status, 429),
        }
    }
    assert_eq!(sent, 3);
    let rows = every_row(&pg).await;
    assert!(
        !rows.contains(mobile) && !rows.contains(other),
        "no number in any table: {rows}"
    );
}
