//! The ticket page at HQ (issue 15 §1, docs/phone.md "At HQ"), with real processes: the example
//! hall's `hallq hub` with `[phone]` and `[uplink]` to a real 3-node NATS cluster (its link
//! through a line that can be cut), and HQ's pages (`hallq_hq::phone`, as `hallq hq serve` runs
//! them with `[phone] listen`) on a port of their own, on another node. The slip's URL names
//! HQ; the page there, in headless Chromium at 390×844, follows the queue and the call without
//! a reload; a notice chosen at HQ and a rating given at HQ reach the hall's journal (the
//! rating once, however often it is sent); a forged token gets the refusal page; with the
//! hall's link cut the page keeps its last state, and moves again once the link is back. HQ
//! holds no phone key: it checks the tokens the hall sent.
//!
//! With HALLQ_SCREENSHOTS=docs it writes docs/screenshots/phone-hq-*.png from this live run.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "tests")]

#[path = "../../crates/hallq-hq/tests/webdriver/mod.rs"]
mod webdriver;

use std::time::{Duration, Instant};

use hallq_hq::NatsCluster;
use hallq_hq::engines::LinkProxy;
use hallq_proto::{Command, ServiceResult, StaffNo, TicketId};
use hallq_queue::EventKind;
use hallq_tests::phone_page::get;
use hallq_tests::phone_page::{PATIENCE, now, phone, send_ok, serve_next, shot, take, until};
use hallq_tests::{Hall, free_port, wait_for_port};
use webdriver::driver;

/// Waits (bounded) until `check` holds of the journal's events.
fn until_journal(hall: &Hall, what: &str, check: impl Fn(&[(i64, hallq_queue::Event)]) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let events = hall.journal().events_from(0, 1_000_000).unwrap();
        if check(&events) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: not in the journal");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn consents(events: &[(i64, hallq_queue::Event)], ticket: &TicketId) -> Vec<Option<String>> {
    events
        .iter()
        .filter_map(|(_, e)| match &e.kind {
            EventKind::NoticeConsented {
                ticket: t,
                via,
                lead,
                ..
            } if t == ticket && via == "phone-page" => Some(lead.clone()),
            _ => None,
        })
        .collect()
}

fn ratings(hall: &Hall, ticket: &TicketId) -> usize {
    hall.journal()
        .events_from(0, 1_000_000)
        .unwrap()
        .iter()
        .filter(|(_, e)| matches!(&e.kind, EventKind::Rated { ticket: t, .. } if t == ticket))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_s_page_at_hq_follows_the_hall_takes_its_notice_and_rating_and_outlives_a_cut() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let urls = cluster.urls();
    // HQ's pages, on their own port, fed from the cluster's third node.
    let hq_port = free_port();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", hq_port))
        .await
        .unwrap();
    let hq_nats = async_nats::connect(urls[2].as_str()).await.unwrap();
    let hq = tokio::spawn(hallq_hq::phone::serve(hq_nats, listener));

    // The hall's line to the first node, which the test cuts.
    let node: std::net::SocketAddr = urls[0].trim_start_matches("nats://").parse().unwrap();
    let line = LinkProxy::start(node).await.unwrap();
    // The hall prints HQ's address in its QR codes; its hub serves the same pages on its own.
    let hub_port = free_port();
    let hall = Hall::example(&format!(
        "\n[phone]\nenabled = true\nlisten = \"127.0.0.1:{hub_port}\"\n\
         public_base = \"http://127.0.0.1:{hq_port}\"\n\n\
         [notify.page]\npeople_ahead = [2]\n\n\
         [uplink]\nservers = [\"nats://{}\"]\nregion = \"gd-gz\"\ninterval_ms = 100\n\
         status_interval_s = 1\n",
        line.addr()
    ));
    let hub = hall.start_hub_with(&["--test-start", "10:12", "--test-speed", "1"]);
    wait_for_port(hub_port);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let (counter, _c) = hall.device("counter-1").await;
    let sign_in = Command::SignIn {
        staff: StaffNo::new("E1001").unwrap(),
        pin: None,
    };
    send_ok(&counter, sign_in).await;
    for _ in 0..4 {
        take(&kiosk, "basic").await;
    }
    let ours = take(&kiosk, "basic").await;
    assert_eq!(ours.people_ahead, 4);
    let url = ours.page_url.clone().expect("the reply has the page's URL");
    let at_hq = format!("http://127.0.0.1:{hq_port}/t/");
    assert!(url.starts_with(&at_hq), "the QR code names HQ: {url}");
    let token = url.rsplit('/').next().unwrap().to_owned();
    // The same token opens the page at the hub and, once the hall's board is up, at HQ.
    assert!(
        get(hub_port, &format!("/t/{token}"))
            .await
            .0
            .contains(" 200 ")
    );
    let deadline = Instant::now() + PATIENCE;
    while !get(hq_port, &format!("/t/{token}"))
        .await
        .0
        .contains(" 200 ")
    {
        assert!(Instant::now() < deadline, "the page never opened at HQ");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let (_driver, webdriver) = driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = phone(&webdriver, profile.path(), 390, 844).await;
    b.goto(&url).await.unwrap();
    until(&b, "#number", "the number at HQ", |t| t == ours.number.0).await;
    assert_eq!(now(&b, "#ahead").await, "4");

    // "Tell me when 2 are ahead", chosen at HQ: the hall journals the consent.
    until(&b, "#notice", "the notice offered at HQ", |t| {
        t.contains("快到我时提醒我")
    })
    .await;
    b.find(fantoccini::Locator::Css("button.lead[value='ahead-2']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(&b, "#notice", "the choice shown at HQ", |t| {
        t.contains("已设置") && t.contains("前面还剩 2 人时")
    })
    .await;
    until_journal(&hall, "the consent given at HQ", |e| {
        consents(e, &ours.ticket) == vec![Some("ahead-2".to_owned())]
    });
    shot(&b, "hq-notice-390").await;
    b.execute("window.hallqNoReload = 1;", vec![])
        .await
        .unwrap();

    // The hall's line cut: the queue moves at the hall, the page at HQ keeps its last state.
    let (_, before) = get(hub_port, &format!("/t/{token}/live")).await;
    line.cut();
    serve_next(&counter).await;
    let deadline = Instant::now() + PATIENCE;
    while get(hub_port, &format!("/t/{token}/live")).await.1 == before {
        assert!(Instant::now() < deadline, "the hub's own page never moved");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(now(&b, "#ahead").await, "4", "the last state, kept at HQ");
    assert_eq!(now(&b, "#number").await, ours.number.0);
    let (status, body) = get(hq_port, &format!("/t/{token}")).await;
    assert!(status.contains(" 200 "), "{status}: {body}");

    // The line back: the page at HQ moves again, in place.
    line.restore();
    until(&b, "#ahead", "3 ahead at HQ after the link returned", |t| {
        t == "3"
    })
    .await;
    for _ in 0..3 {
        serve_next(&counter).await;
    }
    until(&b, "#ahead", "none ahead at HQ", |t| t == "0").await;
    send_ok(&counter, Command::CallNext {}).await;
    until(&b, "#counter", "the counter called, at HQ", |t| {
        t.contains('1')
    })
    .await;
    assert!(now(&b, "#status").await.contains("请到"));
    let kept = b
        .execute("return window.hallqNoReload === 1;", vec![])
        .await
        .unwrap();
    assert_eq!(kept.as_bool(), Some(true), "updated in place");
    shot(&b, "hq-called-390").await;

    send_ok(&counter, Command::StartService {}).await;
    let finish = Command::Finish {
        result: ServiceResult::Done,
        note: None,
        missing: vec![],
    };
    send_ok(&counter, finish).await;
    until(&b, "#rate", "the rating offered at HQ", |t| {
        t.contains("满意")
    })
    .await;
    // Twice clicked (the second click lands on the same command, or on the page already
    // showing the grade).
    let twice = "const b = document.querySelector('button.grade.satisfied'); b.click(); b.click();";
    b.execute(twice, vec![]).await.unwrap();
    until(&b, "#rated", "the rating recorded through HQ", |t| {
        t.contains("满意")
    })
    .await;
    shot(&b, "hq-rated-390").await;
    // Sent again at HQ: still one rating, the first.
    let replay = format!(
        "return fetch('{url}/rate', {{method: 'POST', headers: {{'content-type': \
         'application/x-www-form-urlencoded'}}, body: 'score=dissatisfied'}}).then(r => r.status);"
    );
    let status = b.execute(&replay, vec![]).await.unwrap();
    assert!(status.as_u64().is_some_and(|s| s < 400), "{status:?}");
    until_journal(&hall, "the rating given at HQ", |e| {
        e.iter().any(
            |(_, e)| matches!(&e.kind, EventKind::Rated { ticket, .. } if *ticket == ours.ticket),
        )
    });
    assert_eq!(ratings(&hall, &ours.ticket), 1, "rated once");
    let row = hall
        .journal()
        .rating_row(ours.ticket.as_str())
        .unwrap()
        .unwrap();
    assert_eq!(row.score, "satisfied", "the first grade stands");

    // A forged token (this ticket's, one character of its MAC changed): the refusal page at
    // HQ, as at the hub.
    let mut forged: Vec<char> = token.chars().collect();
    forged[30] = if forged[30] == 'a' { 'b' } else { 'a' };
    let forged: String = forged.into_iter().collect();
    b.goto(&format!("{at_hq}{forged}")).await.unwrap();
    until(&b, "body", "the refusal at HQ", |t| {
        t.contains("无效的排队号链接") && t.contains("This ticket link is not valid")
    })
    .await;
    shot(&b, "hq-forged-390").await;
    for port in [hq_port, hub_port] {
        let (status, _) = get(port, &format!("/t/{forged}")).await;
        assert!(status.contains(" 404 "), "port {port}: {status}");
    }
    b.close().await.unwrap();
    hq.abort();
    assert!(hub.terminate(), "the hub stops cleanly: {}", hall.hub_log());
    drop(cluster);
}
