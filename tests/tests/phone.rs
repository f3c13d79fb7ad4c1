//! The live ticket page on a customer's phone (issue 15 §1, docs/phone.md), end to end: the
//! example hall's hub with `[phone]` on, a kiosk taking a ticket, and the page the reply's URL
//! opens in headless Chromium at two phone viewports (390×844 and 360×800). The page shows the
//! number and the people ahead; a counter calls the ticket and both pages show the counter
//! without a reload; the ticket is served and rated from the page, and the journal holds that
//! rating once however often it is sent. A forged token gets the bilingual refusal page.
//!
//! With HALLQ_SCREENSHOTS=docs it writes docs/screenshots/phone-*.png from this live run.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "tests")]

#[path = "../../crates/hallq-hq/tests/webdriver/mod.rs"]
mod webdriver;

use fantoccini::{Client, Locator};
use hallq_proto::command::TicketRef;
use hallq_proto::{Command, ServiceResult, StaffNo};
use hallq_queue::EventKind;
use hallq_tests::phone_page::{now, phone, send_ok, shot, take, until};
use hallq_tests::{Hall, free_port, wait_for_port};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use webdriver::driver;

/// A mark the page keeps until it is loaded again: the live updates must not reload it.
async fn mark(b: &Client) {
    b.execute("window.hallqNoReload = 1;", vec![])
        .await
        .unwrap();
}

async fn not_reloaded(b: &Client) -> bool {
    b.execute("return window.hallqNoReload === 1;", vec![])
        .await
        .unwrap()
        .as_bool()
        .unwrap_or(false)
}

/// The status line of a plain HTTP/1.0 GET of `path`.
async fn status_of(port: u16, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: hall\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut text = String::new();
    s.read_to_string(&mut text).await.unwrap();
    text.lines().next().unwrap_or_default().to_owned()
}

/// How many ratings of `ticket` the journal holds.
fn ratings_in_journal(hall: &Hall, ticket: &hallq_proto::TicketId) -> usize {
    hall.journal()
        .events_from(0, 1_000_000)
        .unwrap()
        .iter()
        .filter(|(_, e)| matches!(&e.kind, EventKind::Rated { ticket: t, .. } if t == ticket))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ticket_page_follows_the_ticket_from_the_queue_to_the_rating() {
    let port = free_port();
    let hall = Hall::example(&format!(
        "\n[phone]\nenabled = true\nlisten = \"127.0.0.1:{port}\"\n\
         public_base = \"http://127.0.0.1:{port}/\"\n"
    ));
    let hub = hall.start_hub_with(&["--test-start", "10:12", "--test-speed", "1"]);
    wait_for_port(port);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let (counter, _c) = hall.device("counter-1").await;
    let (counter2, _c2) = hall.device("counter-2").await;
    for (c, staff) in [(&counter, "E1001"), (&counter2, "E1002")] {
        let sign_in = Command::SignIn {
            staff: StaffNo::new(staff).unwrap(),
            pin: None,
        };
        send_ok(c, sign_in).await;
    }
    // Two customers before ours, in the same queue.
    take(&kiosk, "basic").await;
    take(&kiosk, "basic").await;
    let ours = take(&kiosk, "basic").await;
    assert_eq!(ours.people_ahead, 2);
    let url = ours.page_url.clone().expect("the reply has the page's URL");
    let base = format!("http://127.0.0.1:{port}/t/");
    assert!(url.starts_with(&base), "{url}");
    assert!(
        !url.contains(ours.ticket.as_str()),
        "not the ticket id: {url}"
    );

    let (_driver, webdriver) = driver().await;
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let big = phone(&webdriver, p1.path(), 390, 844).await;
    let small = phone(&webdriver, p2.path(), 360, 800).await;
    for b in [&big, &small] {
        b.goto(&url).await.unwrap();
        until(b, "#number", "the number", |t| t == ours.number.0).await;
        assert_eq!(now(b, "#ahead").await, "2", "two people ahead");
        assert!(
            now(b, ".docs").await.contains("身份证"),
            "the documents to bring"
        );
        mark(b).await;
    }
    shot(&big, "waiting-390").await;
    shot(&small, "waiting-360").await;

    // The counter calls it: both pages show the counter, large, without a reload.
    let call = Command::CallTicket {
        ticket: TicketRef(ours.number.0.clone()),
    };
    send_ok(&counter, call).await;
    for b in [&big, &small] {
        until(b, "#counter", "the counter called", |t| t.contains('1')).await;
        assert!(not_reloaded(b).await, "the page was updated in place");
        assert!(
            now(b, "#status").await.contains("请到"),
            "{}",
            now(b, "#status").await
        );
    }
    shot(&big, "called-390").await;
    shot(&small, "called-360").await;

    send_ok(&counter, Command::StartService {}).await;
    let finish = Command::Finish {
        result: ServiceResult::Done,
        note: None,
        missing: vec![],
    };
    send_ok(&counter, finish).await;
    until(&big, "#rate", "the rating offered", |t| t.contains("满意")).await;
    assert!(not_reloaded(&big).await, "the page was updated in place");
    shot(&big, "rate-390").await;

    // Rate from the page; the page then thanks for it.
    big.find(Locator::Css("button.grade.satisfied"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(&big, "#rated", "the rating recorded", |t| {
        t.contains("满意")
    })
    .await;
    // Rate again, from the other phone's page and by replaying the request: still once.
    let replay = format!(
        "return fetch('{url}/rate', {{method: 'POST', headers: {{'content-type': \
         'application/x-www-form-urlencoded'}}, body: 'score=dissatisfied'}}).then(r => r.status);"
    );
    for b in [&big, &small] {
        let status = b.execute(&replay, vec![]).await.unwrap();
        assert!(status.as_u64().is_some_and(|s| s < 400), "{status:?}");
    }
    until(&small, "#rated", "the other page shows the rating", |t| {
        t.contains("满意")
    })
    .await;
    assert_eq!(ratings_in_journal(&hall, &ours.ticket), 1, "rated once");
    let row = hall
        .journal()
        .rating_row(ours.ticket.as_str())
        .unwrap()
        .unwrap();
    assert_eq!(row.score, "satisfied", "the first grade stands");

    // English, and the large-text mode.
    big.find(Locator::Id("lang"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(&big, "#rated", "English", |t| t.contains("Thank you")).await;
    shot(&big, "rated-en-390").await;
    big.find(Locator::Id("large"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let large = big
        .execute(
            "return document.documentElement.classList.contains('large');",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(large.as_bool(), Some(true));

    // A forged token: the bilingual page, 404; never a dump.
    let token = url.rsplit('/').next().unwrap();
    let forged: String = token.chars().rev().collect();
    big.goto(&format!("{base}{forged}")).await.unwrap();
    let body = until(&big, "body", "the refusal page", |t| t.contains("无效")).await;
    assert!(body.contains("not valid"), "{body}");
    shot(&big, "bad-token-390").await;
    assert!(
        status_of(port, &format!("/t/{forged}"))
            .await
            .contains(" 404 "),
        "a forged token is not found"
    );
    assert!(
        status_of(port, &format!("/t/{token}"))
            .await
            .contains(" 200 ")
    );

    big.close().await.unwrap();
    small.close().await.unwrap();
    assert!(hub.terminate(), "the hub stops cleanly: {}", hall.hub_log());
}
