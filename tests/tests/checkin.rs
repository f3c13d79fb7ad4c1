//! Check-in of appointments with real processes (issue 15 §3, docs/booking.md, docs/protocol.md
//! `check_in`): a hub with `[booking]` on a simulated clock (`--test-start`, ×120); customers
//! book over its HTTP API, then check in over MQTT as the kiosk and the greeter send it. The
//! booked customer who checks in on time is called ahead of a walk-in who came after the booked
//! time less the head start, and behind one who came before; a late one gets a walk-in's ticket
//! and is told so; an absent one becomes a no-show once the window closes. Bad input: too early
//! (told when), an unknown or malformed code, a second check-in, a replayed command id.
#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::time::{Duration, Instant};

use hallq_client::DeviceClient;
use hallq_proto::command::CheckIn;
use hallq_proto::{
    Command, ErrorCode, ErrorInfo, Phone, Reply, ReplyBody, ReplyResult, ServiceResult, StaffNo,
    time,
};
use hallq_tests::booking_api::{book, mobile};
use hallq_tests::{BrokerKind, Hall, free_port, ticket};
use serde_json::Value;

/// The simulated clock's pace: two hall minutes a second.
const SPEED: i64 = 120;
const MIN: i64 = 60_000;

/// The hub's time as its replies tell it, run on at the clock's pace in between.
struct HubTime {
    at_ms: i64,
    seen: Instant,
}

impl HubTime {
    fn saw(&mut self, reply: &Reply) {
        if reply.at_ms.0 > self.at_ms {
            self.at_ms = reply.at_ms.0;
            self.seen = Instant::now();
        }
    }

    /// Waits until the hub's time has passed `t` (a hall minute to spare).
    async fn pass(&self, t: i64) {
        let ahead_ms = t + MIN - self.at_ms;
        if ahead_ms > 0 {
            let real = Duration::from_millis(u64::try_from(ahead_ms / SPEED).unwrap());
            tokio::time::sleep_until((self.seen + real).into()).await;
        }
    }
}

fn ok(reply: &Reply) -> &ReplyResult {
    match &reply.body {
        ReplyBody::Ok(r) => r,
        ReplyBody::Error(e) => panic!("refused: {e:?}"),
    }
}

/// The refusal, after checking it says what happened in both languages.
fn refused(reply: &Reply) -> &ErrorInfo {
    match &reply.body {
        ReplyBody::Error(e) => {
            assert!(
                e.zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) && !e.en.is_empty(),
                "not bilingual: {e:?}"
            );
            e
        }
        ReplyBody::Ok(r) => panic!("accepted: {r:?}"),
    }
}

fn by_code(code: &str) -> Command {
    Command::CheckIn(CheckIn {
        code: Some(code.to_owned()),
        ..CheckIn::default()
    })
}

/// Checks in; the booking's ticket number, whether it was late, and the note.
fn checked_in(reply: &Reply) -> (String, bool, String) {
    match ok(reply) {
        ReplyResult::CheckedIn {
            late, note, ticket, ..
        } => (ticket.number.0.clone(), *late, note.en.clone()),
        other => panic!("{other:?}"),
    }
}

fn issued(reply: &Reply) -> String {
    match ok(reply) {
        ReplyResult::TicketIssued(t) => t.number.0.clone(),
        other => panic!("{other:?}"),
    }
}

async fn call_next(counter: &DeviceClient) -> String {
    // Whoever the counter serves is finished first (refusals there are harmless), after a hall
    // minute of service: the estimates learn handling times from these.
    let _ = counter.send(Command::StartService {}).await;
    tokio::time::sleep(Duration::from_millis(u64::try_from(MIN / SPEED).unwrap())).await;
    let _ = counter
        .send(Command::Finish {
            result: ServiceResult::Done,
            note: None,
            missing: vec![],
        })
        .await;
    match ok(&counter.send(Command::CallNext {}).await.unwrap()) {
        ReplyResult::Called { number, .. } => number.0.clone(),
        other => panic!("{other:?}"),
    }
}

/// The journal's `booking` events, as `(type, code)`.
fn booking_events(hall: &Hall) -> Vec<(String, String)> {
    let journal = hall.journal();
    let mut stmt = journal
        .connection()
        .prepare("SELECT body FROM events WHERE type = 'booking' ORDER BY seq")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get::<_, String>(0)).unwrap();
    rows.map(|r| {
        let v: Value = serde_json::from_str(&r.unwrap()).unwrap();
        let b = &v["booking"];
        let code = b["code"]
            .as_str()
            .or_else(|| b["booking"]["code"].as_str())
            .unwrap_or_default();
        (b["type"].as_str().unwrap().to_owned(), code.to_owned())
    })
    .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn booked_customers_check_in_and_are_called_in_the_bounded_order() {
    let port = free_port();
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        &format!(
            "[booking]\nlisten = \"127.0.0.1:{port}\"\ncapacity = {{ basic = 4 }}\n\
             book_until_min = 10\nearly_min = 60\nlate_min = 15\nhead_start_min = 30\n\
             otp = \"log\"\n\n"
        ),
    );
    let _hub = hall.start_hub_with(&["--test-start", "08:45", "--test-speed", &SPEED.to_string()]);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let (walk_ins, _w) = hall.device("kiosk-2").await;
    let (greeter, _g) = hall.device("greeter-1").await;
    let (counter, _c) = hall.device("counter-3").await;
    hallq_tests::wait_for_port(port);

    // The first walk-in, at about 08:46: before every booked time less the head start.
    let w1 = walk_ins.send(ticket("basic")).await.unwrap();
    let day = time::local(w1.at_ms, 480).0;
    let slot = |minute: u32| time::at(day, minute, 480).0;
    let mut clock = HubTime {
        at_ms: w1.at_ms.0,
        seen: Instant::now(),
    };
    let w1 = issued(&w1);

    // Four bookings today: A at 09:30 (will be late), B at 10:00 (on time), C at 10:00 (never
    // comes), D at 11:00 (comes too early).
    let a = book(&hall, port, day, &mobile(1), 9 * 60 + 30);
    let b_code = book(&hall, port, day, &mobile(2), 10 * 60);
    let c = book(&hall, port, day, &mobile(3), 10 * 60);
    let d = book(&hall, port, day, &mobile(4), 11 * 60);

    // Too early: told when check-in opens (10:00 for the 11:00 slot), in both languages.
    let early = kiosk.send(by_code(&d)).await.unwrap();
    clock.saw(&early);
    let e = refused(&early);
    assert_eq!(e.code, ErrorCode::BookingTooEarly);
    assert!(e.zh.contains("10:00") && e.en.contains("10:00"), "{e:?}");
    // Unknown and malformed codes.
    let unknown = kiosk.send(by_code("ZZZZ-ZZZZ")).await.unwrap();
    assert_eq!(refused(&unknown).code, ErrorCode::UnknownBooking);
    let bad = kiosk.send(by_code("hello")).await.unwrap();
    assert_eq!(refused(&bad).code, ErrorCode::BadBookingCode);

    // After 09:30 (B's 10:00 less the 30-minute head start) a second walk-in comes; then B
    // checks in at the kiosk with the mobile number.
    clock.pass(slot(9 * 60 + 30)).await;
    let w2 = walk_ins.send(ticket("basic")).await.unwrap();
    clock.saw(&w2);
    let w2 = issued(&w2);
    let by_phone = Command::CheckIn(CheckIn {
        phone: Some(Phone::parse(&mobile(2)).unwrap()),
        ..CheckIn::default()
    });
    let id = kiosk.next_id();
    let b_reply = kiosk
        .send_with_id(id.clone(), by_phone.clone())
        .await
        .unwrap();
    clock.saw(&b_reply);
    assert!(
        b_reply.at_ms.0 <= slot(10 * 60 + 15),
        "the test ran too slowly to be on time"
    );
    let (b, late, _) = checked_in(&b_reply);
    assert!(!late, "{b_reply:?}");
    if let ReplyResult::CheckedIn {
        ticket, booking, ..
    } = ok(&b_reply)
    {
        assert_eq!(booking, &b_code);
        assert_eq!(ticket.people_ahead, 1, "only the walk-in of 08:46 is ahead");
    }
    // The same command again (a kiosk's retry): the same answer, nothing journaled twice.
    let again = kiosk.send_with_id(id, by_phone.clone()).await.unwrap();
    assert_eq!(again.body, b_reply.body);
    // A second check-in of the same booking (a new command).
    let twice = greeter.send(by_code(&b_code)).await.unwrap();
    assert_eq!(refused(&twice).code, ErrorCode::BookingCheckedIn);

    // A comes after 09:45 (09:30 + 15): a walk-in's ticket, and told so.
    clock.pass(slot(9 * 60 + 45)).await;
    let a_reply = greeter.send(by_code(&a)).await.unwrap();
    clock.saw(&a_reply);
    let (a_number, late, note) = checked_in(&a_reply);
    assert!(late, "{a_reply:?}");
    assert!(note.contains("walk-in"), "{note}");

    // The counter calls: the 08:46 walk-in, then B (ahead of the walk-in who came after 09:30),
    // then that walk-in, then A (a walk-in from its check-in).
    let signed = counter
        .send(Command::SignIn {
            staff: StaffNo::new("E1003").unwrap(),
            pin: None,
        })
        .await
        .unwrap();
    ok(&signed);
    let mut order = Vec::new();
    for _ in 0..4 {
        order.push(call_next(&counter).await);
    }
    assert_eq!(order, vec![w1, b, w2, a_number]);

    // Nobody waits now, but C (10:00, queued from 09:30) is due and has not come: a walk-in's
    // estimate counts C ahead of it (without the booking it would be 0 minutes).
    let w3 = walk_ins.send(ticket("basic")).await.unwrap();
    clock.saw(&w3);
    let ReplyResult::TicketIssued(t3) = ok(&w3) else {
        panic!("{w3:?}")
    };
    assert!(w3.at_ms.0 < slot(10 * 60 + 15), "the test ran too slowly");
    assert_eq!(t3.people_ahead, 0);
    assert!(
        t3.estimated_wait_min.unwrap() > 0,
        "{t3:?}\n{:?}",
        booking_events(&hall)
    );

    // C never came: a no-show once its window closed (10:15), and only C.
    clock.pass(slot(10 * 60 + 15)).await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let events = booking_events(&hall);
        if events.iter().any(|(t, code)| t == "no_show" && code == &c) {
            // A's window closed at 09:45 before it came (a no-show, then checked in late);
            // B, checked in on time, never is.
            assert!(
                events
                    .iter()
                    .filter(|(t, _)| t == "no_show")
                    .all(|(_, code)| code == &c || code == &a),
                "{events:?}"
            );
            let b_checked: Vec<_> = events
                .iter()
                .filter(|(t, code)| t == "checked_in" && code == &b_code)
                .collect();
            assert_eq!(b_checked.len(), 1, "B checked in once: {events:?}");
            break;
        }
        assert!(Instant::now() < deadline, "no no-show for C: {events:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // C is a no-show: no longer expected. The next walk-in, with nobody ahead, waits 0 minutes.
    assert_eq!(call_next(&counter).await, t3.number.0);
    let w4 = walk_ins.send(ticket("basic")).await.unwrap();
    let ReplyResult::TicketIssued(t4) = ok(&w4) else {
        panic!("{w4:?}")
    };
    assert_eq!(
        (t4.people_ahead, t4.estimated_wait_min),
        (0, Some(0)),
        "{t4:?}"
    );

    // The number was hashed for the check-in and kept nowhere.
    let needle = mobile(2).into_bytes();
    for entry in std::fs::read_dir(hall.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains("journal") && path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "{} holds the number",
                path.display()
            );
        }
    }
    assert!(!hall.hub_log().contains(&mobile(2)));
}
