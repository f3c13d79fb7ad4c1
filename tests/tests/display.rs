//! The wall display end to end: its controller and runtime against the real hub (a `hallq hub`
//! process with its embedded broker and SQLite journal). A counter calls a ticket; the display's
//! view must show it large with its counter, standing out, the voice must be asked to speak it,
//! and once the voice reports it played, the hub must journal `call_announced` for it. The LED
//! strip over the counter shows the number from the counter's retained state.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::sync::Arc;
use std::time::Duration;

use hallq_display::led::LedStrip;
use hallq_display::view::{DisplayState, DisplayView};
use hallq_display::{AnnounceFn, Announcement, Display, DisplayTimings, Runtime};
use hallq_proto::{Command, Lang, ReplyBody, ReplyResult, StaffNo, Timestamp};
use hallq_tests::{BrokerKind, Hall, ticket};
use tokio::sync::{mpsc, watch};

/// Waits until the display's view satisfies `pick`.
async fn wait_view<T>(
    views: &mut watch::Receiver<Option<DisplayView>>,
    pick: impl Fn(&DisplayView) -> Option<T>,
) -> T {
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Some(t) = views.borrow_and_update().as_ref().and_then(&pick) {
                return t;
            }
            views.changed().await.unwrap();
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("the display stayed on {:?}", *views.borrow()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counters_call_shows_on_the_display_and_is_announced() {
    let hall = Hall::new(BrokerKind::Embedded);
    let _hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let (counter, _c) = hall.device("counter-3").await;
    let (display, _d) = hall.device("display-main").await;

    // The voice: records each call and reports it played at once.
    let (spoken_tx, mut spoken) = mpsc::unbounded_channel::<Announcement>();
    let announce: AnnounceFn = Arc::new(move |a, played| {
        let _ = spoken_tx.send(a);
        played();
    });
    let (view_tx, mut views) = watch::channel(None);
    let show = Box::new(move |d: &Display| {
        let _ = view_tx.send(Some(DisplayView::of(d, Lang::Zh, Timestamp(0), 480)));
    });
    let _runtime = Runtime::start(
        Display::new(DisplayTimings::default()),
        display.clone(),
        announce,
        show,
    );
    wait_view(&mut views, |v| {
        (v.state == DisplayState::Live).then_some(())
    })
    .await;
    // Counter 3's LED strip, eight cells, on the same connection (it only reads).
    let (strip_tx, mut strip) = watch::channel(String::new());
    let _led = hallq_display::runtime::start_led(
        LedStrip::new(3),
        display.clone(),
        Box::new(move |s: &LedStrip| {
            let _ = strip_tx.send(s.view(Lang::Zh, 8).line());
        }),
    );

    let issued = kiosk.send(ticket("basic")).await.unwrap();
    let ReplyBody::Ok(ReplyResult::TicketIssued(t)) = issued.body else {
        panic!("{issued:?}")
    };
    let signed = counter
        .send(Command::SignIn {
            staff: StaffNo::new("E1003").unwrap(),
            pin: None,
        })
        .await
        .unwrap();
    assert!(matches!(signed.body, ReplyBody::Ok(_)), "{signed:?}");
    let called = counter.send(Command::CallNext {}).await.unwrap();
    assert!(
        matches!(called.body, ReplyBody::Ok(ReplyResult::Called { .. })),
        "{called:?}"
    );

    // On the board: large, at its counter, standing out.
    let line = wait_view(&mut views, |v| {
        v.latest.first().filter(|c| c.number == t.number.0).cloned()
    })
    .await;
    assert_eq!(line.counter, 3);
    assert!(line.fresh, "a new call stands out");
    let shown = format!("  {}  ", t.number);
    let lit = tokio::time::timeout(Duration::from_secs(10), strip.wait_for(|l| *l == shown)).await;
    assert!(
        lit.is_ok_and(|r| r.is_ok()),
        "the LED strip shows {:?}",
        *strip.borrow()
    );

    // Spoken.
    let said = tokio::time::timeout(Duration::from_secs(10), spoken.recv())
        .await
        .expect("the call is given to the voice")
        .unwrap();
    assert_eq!(said.ticket, t.ticket);
    assert_eq!(said.counter.0, 3);
    assert_eq!(said.recall, 0);
    assert_eq!(said.speech.zh, format!("请 {} 号到 3 号窗口办理", t.number));

    // And told to the hub: the journal holds the touchpoint.
    let journal = hall.journal();
    let mut announced = false;
    for _ in 0..100 {
        announced = journal
            .events_from(0, 10_000)
            .unwrap()
            .iter()
            .any(|(_, e)| {
                let e = format!("{e:?}");
                e.contains("CallAnnounced") && e.contains(t.ticket.as_str())
            });
        if announced {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(announced, "call_announced journaled: {}", hall.hub_log());

    // A recall is shown and spoken again.
    let recalled = counter.send(Command::Recall {}).await.unwrap();
    assert!(matches!(recalled.body, ReplyBody::Ok(_)), "{recalled:?}");
    let again = tokio::time::timeout(Duration::from_secs(10), spoken.recv())
        .await
        .expect("the recall is given to the voice")
        .unwrap();
    assert_eq!((again.ticket, again.recall), (t.ticket.clone(), 1));
    wait_view(&mut views, |v| {
        v.latest
            .first()
            .filter(|c| c.number == t.number.0 && c.recall == 1 && c.fresh)
            .map(|_| ())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kiosk_down_is_told_to_the_hall_only_when_no_kiosk_is_left() {
    let hall = Hall::new(BrokerKind::Embedded);
    let _hub = hall.start_hub();
    // kiosk-1 works; kiosk-2, registered, never came up.
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let (display, _d) = hall.device("display-main").await;
    let announce: AnnounceFn = Arc::new(|_, played| played());
    let (view_tx, mut views) = watch::channel(None);
    let (board_tx, mut boards) = watch::channel(None);
    let show = Box::new(move |d: &Display| {
        let _ = view_tx.send(Some(DisplayView::of(d, Lang::Zh, Timestamp(0), 480)));
        let _ = board_tx.send(d.board().cloned());
    });
    let _runtime = Runtime::start(
        Display::new(DisplayTimings::default()),
        display.clone(),
        announce,
        show,
    );
    // The hub's board names kiosk-2 under maintenance and kiosk-1 online: the hall is not told.
    let board = tokio::time::timeout(
        Duration::from_secs(20),
        boards.wait_for(|b| b.as_ref().is_some_and(|b| b.kiosks_online == Some(1))),
    )
    .await
    .expect("the board counts kiosk-1 online")
    .unwrap()
    .clone()
    .unwrap();
    assert!(
        board
            .notices
            .iter()
            .any(|n| n.device.as_ref().is_some_and(|d| d.as_str() == "kiosk-2")),
        "{board:?}"
    );
    let view = views.borrow().clone().unwrap();
    assert_eq!(view.state, DisplayState::Live);
    assert_eq!(view.notice.main, "", "kiosk-1 issues tickets: {view:?}");

    // kiosk-1 goes too: now nobody can take a ticket at a kiosk, and the display says so.
    kiosk.disconnect().await.unwrap();
    let notice = wait_view(&mut views, |v| {
        (!v.notice.main.is_empty()).then(|| v.notice.main.clone())
    })
    .await;
    assert_eq!(notice, "设备维护中，如需办理业务请至人工窗口或联系工作人员");
}
