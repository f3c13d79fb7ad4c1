//! "Tell me when my turn is near", chosen on the ticket page (issue 15 §2, docs/notify.md), end
//! to end: the example hall's hub with `[phone]` on and `[notify.page]` offering lead times, a
//! kiosk taking tickets, the page in headless Chromium at a phone's viewport (390×844). The
//! customer chooses "when 2 are ahead" on the page; the journal records the consent; a counter
//! serves the queue forward; the page shows "your turn is near" once, with the call's
//! vibration, exactly when 2 are ahead, and never again, nor after the ticket is served.
//!
//! With HALLQ_SCREENSHOTS=docs it writes docs/screenshots/phone-notice-*.png from this live run.

#![allow(clippy::unwrap_used, clippy::print_stderr, reason = "tests")]

#[path = "../../crates/hallq-hq/tests/webdriver/mod.rs"]
mod webdriver;

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use hallq_proto::{Command, ServiceResult, StaffNo, TicketId};
use hallq_queue::EventKind;
use hallq_tests::phone_page::{PATIENCE, now, phone, send_ok, serve_next, shot, take, until};
use hallq_tests::{Hall, free_port, wait_for_port};
use webdriver::driver;

/// Counts the page's vibrations from now on (`navigator.vibrate`, the call's cue), and marks
/// the page so that a reload would show.
async fn watch_cues(b: &Client) {
    let js = "window.hallqNoReload = 1; window.hallqCues = 0; \
              navigator.vibrate = function () { window.hallqCues += 1; return true; };";
    b.execute(js, vec![]).await.unwrap();
}

async fn cues(b: &Client) -> (bool, u64) {
    let v = b
        .execute(
            "return [window.hallqNoReload === 1, window.hallqCues || 0];",
            vec![],
        )
        .await
        .unwrap();
    (
        v[0].as_bool().unwrap_or(false),
        v[1].as_u64().unwrap_or(u64::MAX),
    )
}

/// The journal's page consents and page notices of `ticket`.
fn journaled(hall: &Hall, ticket: &TicketId) -> (Vec<Option<String>>, usize) {
    let events = hall.journal().events_from(0, 1_000_000).unwrap();
    let consents = events
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
        .collect();
    let notices = events
        .iter()
        .filter(|(_, e)| {
            matches!(&e.kind, EventKind::NoticeSent { ticket: t, kind, channel, result, .. }
                if t == ticket && kind == "near" && channel == "page" && result == "sent")
        })
        .count();
    (consents, notices)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lead_time_chosen_on_the_page_fires_once_when_reached_and_never_after() {
    let port = free_port();
    let hall = Hall::example(&format!(
        "\n[phone]\nenabled = true\nlisten = \"127.0.0.1:{port}\"\n\
         public_base = \"http://127.0.0.1:{port}/\"\n\n\
         [notify.page]\npeople_ahead = [2, 3]\nminutes = [5]\n"
    ));
    let hub = hall.start_hub_with(&["--test-start", "10:12", "--test-speed", "1"]);
    wait_for_port(port);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let (counter, _c) = hall.device("counter-1").await;
    let sign_in = Command::SignIn {
        staff: StaffNo::new("E1001").unwrap(),
        pin: None,
    };
    send_ok(&counter, sign_in).await;
    // Four customers before ours, in the same queue.
    for _ in 0..4 {
        take(&kiosk, "basic").await;
    }
    let ours = take(&kiosk, "basic").await;
    assert_eq!(ours.people_ahead, 4);
    let url = ours.page_url.clone().expect("the reply has the page's URL");

    let (_driver, webdriver) = driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = phone(&webdriver, profile.path(), 390, 844).await;
    b.goto(&url).await.unwrap();
    until(&b, "#notice", "the notice offered", |t| {
        t.contains("快到我时提醒我")
    })
    .await;
    shot(&b, "notice-choice-390").await;
    b.find(Locator::Css("button.lead[value='ahead-2']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    until(&b, "#notice", "the choice shown", |t| {
        t.contains("已设置") && t.contains("前面还剩 2 人时")
    })
    .await;
    assert_eq!(
        journaled(&hall, &ours.ticket),
        (vec![Some("ahead-2".to_owned())], 0),
        "the consent is journaled with its lead time"
    );
    watch_cues(&b).await;

    // 3 ahead: not yet.
    serve_next(&counter).await;
    until(&b, "#ahead", "3 ahead", |t| t == "3").await;
    assert_eq!(now(&b, "#near").await, "", "no notice at 3 ahead");
    assert_eq!(cues(&b).await, (true, 0));

    // 2 ahead: the notice shows, with the cue, in place.
    serve_next(&counter).await;
    until(&b, "#near", "the notice", |t| t.contains("快到您了")).await;
    assert_eq!(now(&b, "#ahead").await, "2");
    assert_eq!(cues(&b).await, (true, 1), "one cue, no reload");
    shot(&b, "notice-near-390").await;
    let deadline = Instant::now() + PATIENCE;
    while journaled(&hall, &ours.ticket).1 == 0 {
        assert!(Instant::now() < deadline, "no notice_sent in the journal");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // 1 ahead, then called and served: no second notice, and none after service.
    serve_next(&counter).await;
    until(&b, "#ahead", "1 ahead", |t| t == "1").await;
    serve_next(&counter).await;
    send_ok(&counter, Command::CallNext {}).await;
    until(&b, "#counter", "ours called", |t| t.contains('1')).await;
    send_ok(&counter, Command::StartService {}).await;
    let finish = Command::Finish {
        result: ServiceResult::Done,
        note: None,
        missing: vec![],
    };
    send_ok(&counter, finish).await;
    until(&b, "#status", "served", |t| t.contains("业务已办结")).await;
    assert_eq!(now(&b, "#near").await, "", "no notice after service");
    let (_, cued) = cues(&b).await;
    assert_eq!(cued, 2, "the notice's cue and the call's, nothing more");
    assert!(hub.terminate(), "the hub stops cleanly: {}", hall.hub_log());
    assert_eq!(
        journaled(&hall, &ours.ticket),
        (vec![Some("ahead-2".to_owned())], 1),
        "one consent, one page notice"
    );
    b.close().await.unwrap();
}
