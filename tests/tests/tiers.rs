//! Customer value tiers end to end (issue 16 §4) through a real `hallq hub` process with its
//! embedded broker and SQLite journal, on the example hall's queue (its three star levels) with
//! a membership code:
//! - a membership code at the kiosk gives the ticket its tier, journaled with the head start it
//!   got; a kiosk cannot declare a tier, a greeter can; an unknown code is refused;
//! - the tier's head start puts the member ahead of an ordinary customer who came a little
//!   earlier, and the counter that calls them gets the tier's greeting (never a level);
//! - nothing the wall display, the LED strip or the voice reads reveals a tier: every message
//!   on the hall's state and event topics, the board, the spoken call and the kiosk's own
//!   reply carry no tier field, name or greeting.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::sync::Arc;
use std::time::Duration;

use hallq_display::view::{DisplayState, DisplayView};
use hallq_display::{AnnounceFn, Announcement, Display, DisplayTimings, Runtime};
use hallq_proto::command::IssueTicket;
use hallq_proto::{
    BusinessCode, Command, ErrorCode, Lang, ReplyBody, ReplyResult, StaffNo, TicketId, Timestamp,
};
use hallq_queue::EventKind;
use hallq_tests::{BrokerKind, Hall, example_queue, ticket};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
use tokio::sync::{mpsc, watch};

/// What must never appear where the public can see or hear it: the tier field, the greeting's
/// field (as a key: the mystery shopper's checklist has an item `greeting`, the hall's own
/// "greeted on entering", which `state/inspections` lists), the tiers' names and greetings (zh
/// and en) of the example hall, the membership's label.
const SECRET_WORDS: &[&str] = &[
    "tier",
    "\"greeting\":",
    "五星",
    "金卡",
    "钻卡",
    "尊敬",
    "five-star",
    "diamond",
    "valued",
    "membership",
];

fn member_ticket(code: Option<&str>, tier: Option<u8>) -> Command {
    Command::IssueTicket(IssueTicket {
        business: BusinessCode::new("basic").unwrap(),
        priority_reason: None,
        green_channel: code.map(str::to_owned),
        lang: Lang::Zh,
        phone: None,
        session: None,
        visit: None,
        tier,
    })
}

/// Everything published on the hall's state and event topics (what displays, LED strips,
/// kiosks and evaluators read), as a read-only monitor sees it.
fn watch_public(hall: &Hall) -> mpsc::UnboundedReceiver<(String, String)> {
    let (id, password) = hallq_tests::monitor_login(hall, 0);
    let mut opts = MqttOptions::new(id.clone(), "127.0.0.1", hall.port);
    opts.set_credentials(id, password);
    opts.set_max_packet_size(1 << 20, 1 << 20);
    let (client, mut eventloop) = AsyncClient::new(opts, 64);
    let (tx, rx) = mpsc::unbounded_channel();
    let hall_id = hall.hall.to_string();
    tokio::spawn(async move {
        loop {
            match eventloop.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(_))) => {
                    for part in ["state", "event"] {
                        client
                            .subscribe(format!("hallq/v1/{hall_id}/{part}/#"), QoS::AtLeastOnce)
                            .await
                            .unwrap();
                    }
                }
                Ok(Event::Incoming(Packet::Publish(p))) => {
                    let text = String::from_utf8_lossy(&p.payload).into_owned();
                    if tx.send((p.topic.clone(), text)).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    });
    rx
}

/// Fails if `text`, published on `what`, names a tier. `state/services` lists the hall's
/// configured tiers (`tiers`: level and name, for the greeter's picker): the hall's offer, no
/// customer's tier, and no screen in public shows it; everything else of it is checked.
fn assert_public(what: &str, text: &str) {
    let mut text = text.to_owned();
    if what.ends_with("/state/services")
        && let Ok(mut v) = serde_json::from_str::<serde_json::Value>(&text)
        && let Some(o) = v.as_object_mut()
    {
        o.remove("tiers");
        text = v.to_string();
    }
    for w in SECRET_WORDS {
        assert!(
            !text.to_lowercase().contains(&w.to_lowercase()),
            "{what} reveals a tier ({w:?}): {text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_members_tier_orders_the_queue_greets_at_the_counter_and_shows_nowhere_public() {
    let sections = format!(
        "{}[[membership]]\ncode = \"M-7777\"\nlabel = \"钻卡会员 diamond member\"\ntier = 7\n\n",
        example_queue()
    );
    let hall = Hall::with_sections(BrokerKind::Embedded, &sections);
    let _hub = hall.start_hub();
    let mut public = watch_public(&hall);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let (greeter, _g) = hall.device("greeter-1").await;
    let (counter, _c) = hall.device("counter-3").await;
    let (display, _d) = hall.device("display-main").await;

    // The voice: records what it is asked to say.
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
    // Live before anything is called: the voice hears every call.
    let live = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if views
                .borrow_and_update()
                .as_ref()
                .is_some_and(|v| v.state == DisplayState::Live)
            {
                return;
            }
            views.changed().await.unwrap();
        }
    })
    .await;
    assert!(live.is_ok(), "the display goes live");

    // Refusals first: a kiosk declaring a tier, an unknown code.
    let declared = kiosk.send(member_ticket(None, Some(7))).await.unwrap();
    match &declared.body {
        ReplyBody::Error(e) => assert_eq!(e.code, ErrorCode::Forbidden),
        other => panic!("{other:?}"),
    }
    let unknown = kiosk
        .send(member_ticket(Some("M-0000"), None))
        .await
        .unwrap();
    match &unknown.body {
        ReplyBody::Error(e) => assert_eq!(e.code, ErrorCode::UnknownGreenChannel),
        other => panic!("{other:?}"),
    }

    // An ordinary customer, then a diamond member (seven stars: 20 min head start), then a
    // five-star customer the greeter vouches for.
    let first = kiosk.send(ticket("basic")).await.unwrap();
    let ReplyBody::Ok(ReplyResult::TicketIssued(first)) = first.body else {
        panic!("{first:?}")
    };
    let member = kiosk
        .send(member_ticket(Some("M-7777"), None))
        .await
        .unwrap();
    assert_public(
        "the kiosk's reply",
        &serde_json::to_string(&member).unwrap(),
    );
    let ReplyBody::Ok(ReplyResult::TicketIssued(member)) = member.body else {
        panic!("{member:?}")
    };
    let vouched = greeter.send(member_ticket(None, Some(5))).await.unwrap();
    let ReplyBody::Ok(ReplyResult::TicketIssued(vouched)) = vouched.body else {
        panic!("{vouched:?}")
    };

    // The counter calls the member first, with the tier's greeting.
    let signed = counter
        .send(Command::SignIn {
            staff: StaffNo::new("E1003").unwrap(),
            pin: None,
        })
        .await
        .unwrap();
    assert!(matches!(signed.body, ReplyBody::Ok(_)), "{signed:?}");
    let mut calls = Vec::new();
    for _ in 0..3 {
        let called = counter.send(Command::CallNext {}).await.unwrap();
        let ReplyBody::Ok(ReplyResult::Called {
            ticket, greeting, ..
        }) = called.body
        else {
            panic!("{called:?}")
        };
        calls.push((ticket, greeting));
        for cmd in [
            Command::StartService {},
            Command::Finish {
                result: hallq_proto::ServiceResult::Done,
                note: None,
                missing: vec![],
            },
        ] {
            let r = counter.send(cmd).await.unwrap();
            assert!(matches!(r.body, ReplyBody::Ok(_)), "{r:?}");
        }
    }
    let order: Vec<&TicketId> = calls.iter().map(|(t, _)| t).collect();
    assert_eq!(
        order,
        vec![&member.ticket, &vouched.ticket, &first.ticket],
        "the tiers' head starts order the queue"
    );
    let greeting = calls[0].1.as_ref().expect("the member is greeted");
    assert_eq!(greeting.zh, "尊敬的钻卡客户，您好！");
    assert_eq!(calls[1].1.as_ref().unwrap().zh, "尊敬的五星客户，您好！");
    assert_eq!(
        calls[2].1, None,
        "no greeting for a customer without a tier"
    );

    // The voice said each number and nothing of a tier.
    for _ in 0..3 {
        let said = tokio::time::timeout(Duration::from_secs(10), spoken.recv())
            .await
            .expect("the call is given to the voice")
            .unwrap();
        assert_public(
            "the voice",
            &format!("{} / {}", said.speech.zh, said.speech.en),
        );
    }

    // The journal holds the tier and the head start it got; the kiosk's code is not in it.
    let journal = hall.journal();
    let tiers: Vec<_> = journal
        .events_from(0, 10_000)
        .unwrap()
        .iter()
        .filter_map(|(_, e)| match &e.kind {
            EventKind::TicketIssued {
                ticket,
                tier,
                granted_by,
                ..
            } => Some((ticket.clone(), *tier, granted_by.clone())),
            _ => None,
        })
        .collect();
    let mark = |id: &TicketId| tiers.iter().find(|(t, ..)| t == id).unwrap().clone();
    let (_, m, by) = mark(&member.ticket);
    assert_eq!(m.map(|m| (m.level, m.head_start_min)), Some((7, 20)));
    assert!(
        !by.unwrap().contains("M-7777"),
        "the code itself is not journaled"
    );
    assert_eq!(mark(&vouched.ticket).1.map(|m| m.level), Some(5));
    assert_eq!(mark(&first.ticket).1, None);

    // Everything the public side received: the board with all three calls came, and no
    // message reveals a tier.
    let mut seen = Vec::new();
    let all_called = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some((topic, text)) = public.recv().await {
            let done = topic.ends_with("/state/board")
                && [&first, &member, &vouched]
                    .iter()
                    .all(|t| text.contains(&format!("\"{}\"", t.number)));
            seen.push((topic, text));
            if done {
                return;
            }
        }
    })
    .await;
    assert!(
        all_called.is_ok(),
        "the board shows the three calls: {seen:?}"
    );
    // What arrived meanwhile too.
    tokio::time::sleep(Duration::from_millis(300)).await;
    while let Ok(m) = public.try_recv() {
        seen.push(m);
    }
    assert!(
        seen.iter().any(|(t, _)| t.contains("/event/")),
        "calls seen"
    );
    assert!(
        seen.iter().any(|(t, _)| t.contains("/state/counter/3")),
        "LED strip's state seen"
    );
    for (topic, text) in &seen {
        assert_public(topic, text);
    }
}
