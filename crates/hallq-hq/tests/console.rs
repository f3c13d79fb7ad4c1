//! The console over HTTP against a real PostgreSQL holding a simulated chain (three halls of two
//! regions, each a simulated morning uploaded through the sink): each role sees exactly its
//! own on every page and CSV, a hall's month is the report's own figures, and bad input gets a
//! bilingual 400 with nothing stored.
#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod chain_fixture;
mod common;

use std::collections::BTreeSet;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chain_fixture::{Chain, HALLS};
use hallq_hq::console::Console;
use hallq_hq::user::{self, Scope};
use hallq_journal::Journal;
use hallq_proto::{BusinessDay, Timestamp};
use hallq_report::DayRange;
use tower::ServiceExt as _;

struct Answer {
    status: StatusCode,
    location: Option<String>,
    set_cookie: Vec<String>,
    body: String,
}

async fn send(app: &axum::Router, req: Request<Body>) -> Answer {
    let r = app.clone().oneshot(req).await.unwrap();
    let status = r.status();
    let location = r
        .headers()
        .get(header::LOCATION)
        .map(|v| v.to_str().unwrap().to_owned());
    let set_cookie = r
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let bytes = axum::body::to_bytes(r.into_body(), 1 << 24).await.unwrap();
    Answer {
        status,
        location,
        set_cookie,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(app: &axum::Router, cookie: &str, uri: &str) -> Answer {
    let req = Request::get(uri)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .unwrap();
    send(app, req).await
}

async fn post_login(app: &axum::Router, body: &str) -> Answer {
    let req = Request::post("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.to_owned()))
        .unwrap();
    send(app, req).await
}

/// Logs in and returns the session cookie.
async fn login(app: &axum::Router, login: &str) -> String {
    let a = post_login(app, &format!("login={login}&password=correct-horse-9")).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{login}: {}", a.body);
    let c = a
        .set_cookie
        .iter()
        .find(|c| c.starts_with("hq_session="))
        .unwrap();
    c.split(';').next().unwrap().to_owned()
}

/// The halls named in the first column `col` of a CSV answer.
fn csv_column(body: &str, col: usize) -> BTreeSet<String> {
    let mut r = csv::Reader::from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    r.records()
        .map(|x| x.unwrap().get(col).unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

async fn count(c: &tokio_postgres::Client, table: &str) -> i64 {
    c.query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_sees_exactly_its_own_and_bad_input_is_refused() {
    let chain = Chain::start().await;
    let c = &chain.client;
    let pw = "correct-horse-9";
    user::add(c, "boss", "总部", &Scope::Chain, pw)
        .await
        .unwrap();
    user::add(c, "gd-mgr", "广州区", &Scope::Region("gd-gz".into()), pw)
        .await
        .unwrap();
    user::add(
        c,
        "pd-mgr",
        "浦东厅",
        &Scope::Hall("sh-pudong-01".into()),
        pw,
    )
    .await
    .unwrap();
    let cfg = chain.hq_toml();
    let app = Console::new(
        cfg.pg_config().unwrap(),
        &cfg,
        chain.pg.connect().await.unwrap(),
    )
    .router();
    let (gz1, gz2, sh1) = (HALLS[0].0, HALLS[1].0, HALLS[2].0);
    let month = 202612;

    // Without a session every page and CSV sends to the login page.
    for uri in [
        "/",
        "/hall/gz-tianhe-01?csv=kpis",
        "/compare?csv=ranking",
        "/complaints",
    ] {
        let a = get(&app, "", uri).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{uri}");
        assert_eq!(a.location.as_deref(), Some("/login"), "{uri}");
    }

    // HQ staff: everything.
    let boss = login(&app, "boss").await;
    let a = get(&app, &boss, &format!("/?month={month}")).await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.body.contains("gd-gz") && a.body.contains(">sh<"),
        "{}",
        a.body
    );
    let regions = get(&app, &boss, &format!("/?month={month}&csv=regions")).await;
    assert_eq!(
        csv_column(&regions.body, 0),
        set(&["gd-gz", "sh", "全连锁"])
    );
    let offline = get(&app, &boss, &format!("/?month={month}&csv=offline")).await;
    assert_eq!(csv_column(&offline.body, 0), set(&[sh1]), "the silent hall");
    let ranking = get(&app, &boss, &format!("/compare?month={month}&csv=ranking")).await;
    assert_eq!(csv_column(&ranking.body, 1), set(&[gz1, gz2, sh1]));
    for h in [gz1, gz2, sh1] {
        assert_eq!(
            get(&app, &boss, &format!("/hall/{h}")).await.status,
            StatusCode::OK
        );
    }
    for r in ["gd-gz", "sh"] {
        assert_eq!(
            get(&app, &boss, &format!("/region/{r}")).await.status,
            StatusCode::OK
        );
    }

    // The regional manager of gd-gz: its two halls, nothing of sh.
    let gd = login(&app, "gd-mgr").await;
    let regions = get(&app, &gd, &format!("/?month={month}&csv=regions")).await;
    assert_eq!(csv_column(&regions.body, 0), set(&["gd-gz"]));
    let halls = get(&app, &gd, &format!("/region/gd-gz?month={month}&csv=halls")).await;
    assert_eq!(csv_column(&halls.body, 0), set(&[gz1, gz2]));
    let ranking = get(&app, &gd, &format!("/compare?month={month}&csv=ranking")).await;
    assert_eq!(csv_column(&ranking.body, 1), set(&[gz1, gz2]));
    let complaints = get(&app, &gd, "/complaints?csv=complaints").await;
    assert!(csv_column(&complaints.body, 2).is_subset(&set(&[gz1, gz2])));
    for uri in [
        "/region/sh".to_owned(),
        format!("/hall/{sh1}"),
        format!("/hall/{sh1}?csv=kpis"),
        "/live?page=hall&id=sh-pudong-01".to_owned(),
    ] {
        let a = get(&app, &gd, &uri).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{uri}");
        assert!(!a.body.contains("浦东营业厅"), "{uri}");
    }

    // The hall manager of sh-pudong-01: that hall only.
    let pd = login(&app, "pd-mgr").await;
    let a = get(&app, &pd, "/").await;
    assert_eq!(a.location.as_deref(), Some("/hall/sh-pudong-01"));
    let a = get(&app, &pd, &format!("/hall/{sh1}?csv=floor")).await;
    assert_eq!(a.status, StatusCode::OK);
    let complaints = get(&app, &pd, "/complaints?csv=complaints").await;
    assert!(csv_column(&complaints.body, 2).is_subset(&set(&[sh1])));
    for uri in [
        format!("/hall/{gz1}"),
        format!("/hall/{gz1}?csv=months"),
        "/region/sh".to_owned(),
        "/compare".to_owned(),
        "/live?page=chain".to_owned(),
    ] {
        let a = get(&app, &pd, &uri).await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{uri}");
    }

    // A hall's month is the report's own: its KPI table against `hallq report` on the journal
    // for the same days (November: the days copied before the played one).
    let (path, _) = &chain.journals[0];
    let journal = Journal::open_read_only(path).unwrap();
    let days: BTreeSet<u32> = chain_fixture::events(&journal)
        .iter()
        .filter_map(|e| e.day)
        .map(|d| d as u32)
        .filter(|d| d / 100 == 202611)
        .collect();
    let range = DayRange {
        from: days.first().map(|d| BusinessDay(*d)),
        to: days.last().map(|d| BusinessDay(*d)),
    };
    let rcfg = common::example_report_config();
    let report =
        hallq_report::read::report(&journal, &rcfg, range, Timestamp(0), &mut |_, _| {}).unwrap();
    let kpis = get(&app, &boss, &format!("/hall/{gz1}?month=202611&csv=kpis")).await;
    assert_eq!(kpis.status, StatusCode::OK);
    let mut r = csv::Reader::from_reader(kpis.body.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    for key in ["satisfaction", "within_limit", "wait_service_level"] {
        let k = report.kpi(key).unwrap();
        let row = rows.iter().find(|r| r[0] == k.label).unwrap();
        assert_eq!(&row[1], format!("{}/{}", k.num, k.den), "{key}");
    }
    assert!(
        report.kpi("satisfaction").unwrap().den > 0,
        "a month with ratings"
    );

    // Bad input: a bilingual 400, nothing stored.
    let sessions = count(c, "sessions").await;
    for uri in [
        "/?month=abc",
        "/?month=202613",
        "/?lang=fr",
        "/?foo=1",
        "/?month=202611&month=202612",
        "/compare?kpi=speed",
        "/?csv=nope",
        "/live?page=bogus",
        "/live?page=region",
    ] {
        let a = get(&app, &boss, uri).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}");
        assert!(
            a.body.contains("lang=\"zh\"") && a.body.contains("lang=\"en\""),
            "{uri}: {}",
            a.body
        );
    }
    for (body, want) in [
        ("login=boss", StatusCode::BAD_REQUEST),
        ("password=x", StatusCode::BAD_REQUEST),
        (
            "login=bo%20ss&password=correct-horse-9",
            StatusCode::BAD_REQUEST,
        ),
        ("login=boss&password=", StatusCode::BAD_REQUEST),
        (
            "login=boss&password=wrong-horse-9",
            StatusCode::UNAUTHORIZED,
        ),
        (
            "login=nobody&password=correct-horse-9",
            StatusCode::UNAUTHORIZED,
        ),
    ] {
        let a = post_login(&app, body).await;
        assert_eq!(a.status, want, "{body}: {}", a.body);
        assert!(a.body.contains(" / "), "bilingual: {body}");
        assert!(
            a.set_cookie.iter().all(|c| !c.starts_with("hq_session=")),
            "{body}"
        );
    }
    assert_eq!(count(c, "sessions").await, sessions, "no session stored");
    assert!(user::add(c, "x y", "", &Scope::Chain, pw).await.is_err());
    assert!(
        user::add(c, "short", "", &Scope::Chain, "123")
            .await
            .is_err()
    );
    assert!(
        user::add(c, "nohall", "", &Scope::Hall(String::new()), pw)
            .await
            .is_err()
    );
    assert_eq!(count(c, "users").await, 3, "no user stored");

    // A session past its lifetime opens nothing.
    c.execute(
        "UPDATE sessions SET expires_at = now() - interval '1 second'",
        &[],
    )
    .await
    .unwrap();
    let a = get(&app, &boss, "/").await;
    assert_eq!(a.location.as_deref(), Some("/login"));
}
