//! A booked customer's check-in, without a display: what is keyed, what is sent, and what each
//! answer of the hub shows.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_proto::state::{ServiceInfo, Services};
use hallq_proto::{BusinessClass, BusinessCode, Priority, TicketId, TicketNo, VisitId};

use super::*;
use crate::controller::{Action, Effect, Input, Kiosk, KioskTimings, PrintState, Screen};
use crate::view::{KioskView, ScreenKind};

const SLOT: Timestamp = Timestamp(1_795_404_600_000);

fn services(booking: bool) -> Services {
    Services {
        v: 1,
        rev: 1,
        at_ms: Timestamp(0),
        open: true,
        hall_name: LocalText::new("演示营业厅", "Demo Hall"),
        services: vec![ServiceInfo {
            business: BusinessCode::new("basic").unwrap(),
            name: LocalText::new("基础业务", "Basic services"),
            prefix: "A".into(),
            class: BusinessClass::Basic,
            waiting: 3,
            estimated_wait_min: Some(9),
            counters_open: 2,
            limit_min: 15,
            documents: vec![],
            document_help: vec![],
            self_service: None,
        }],
        hours: None,
        booking,
        tiers: vec![],
    }
}

fn kiosk(booking: bool) -> Kiosk {
    let mut k = Kiosk::new("kiosk-1-boot", KioskTimings::default());
    k.handle(Input::HubReachable(true), 0);
    k.handle(Input::Services(services(booking)), 0);
    k
}

fn touch(k: &mut Kiosk, action: Action) -> Vec<Effect> {
    k.handle(Input::Action(action), 1)
}

fn keys(k: &mut Kiosk, keys: &str) {
    for c in keys.chars() {
        touch(k, Action::Key(c));
    }
}

fn ticket() -> TicketIssued {
    TicketIssued {
        ticket: TicketId::new("20261123-0057").unwrap(),
        number: TicketNo("A019".into()),
        visit: VisitId::new("V20261123-0044").unwrap(),
        business: BusinessCode::new("basic").unwrap(),
        business_name: LocalText::new("基础业务", "Basic services"),
        priority: Priority::Ordinary,
        issued_at_ms: Timestamp(1_795_404_900_000),
        people_ahead: 1,
        estimated_wait_min: Some(4),
        documents: vec![],
        page_url: None,
    }
}

fn checked_in(late: bool) -> ReplyResult {
    ReplyResult::CheckedIn {
        booking: "7KQ2M9XD".into(),
        slot_start_ms: SLOT,
        late,
        note: if late {
            LocalText::new(
                "您已超过预约时间（10:30 时段）15 分钟以上，按现场取号排队",
                "You are more than 15 minutes late for your 10:30 appointment: you queue as a walk-in.",
            )
        } else {
            LocalText::new(
                "预约签到成功（10:30 时段），请留意叫号",
                "Checked in for your 10:30 appointment; please wait for your number.",
            )
        },
        ticket: ticket(),
    }
}

#[test]
fn a_code_is_keyed_in_its_alphabet_and_groups_and_a_number_is_masked_once_confirmed() {
    let mut e = Entry::new(CheckInBy::Code);
    // Lower case is the same key; letters the code never has, and a ninth character, are not.
    for c in "7kq2ILOU-m9xdZ".chars() {
        e.key(c);
    }
    assert_eq!(e.shown(), "7KQ2-M9XD");
    assert!(e.complete());
    let cmd = e.command(Lang::En).unwrap();
    assert_eq!(
        (cmd.code.as_deref(), cmd.phone, cmd.lang),
        (Some("7KQ2-M9XD"), None, Lang::En)
    );
    e.erase();
    assert!(!e.complete() && e.command(Lang::Zh).is_none());

    let mut n = Entry::new(CheckInBy::Number);
    for c in "1390000A0002".chars() {
        n.key(c);
    }
    assert_eq!(n.shown(), "139 0000 0002", "seen while keyed");
    assert_eq!(n.confirmed(), "139****0002", "masked once confirmed");
    let cmd = n.command(Lang::Zh).unwrap();
    assert_eq!(cmd.code, None);
    assert_eq!(cmd.phone.unwrap().expose(), "13900000002");
    // Not a mobile number: nothing to send.
    let mut bad = Entry::new(CheckInBy::Number);
    for c in "23900000002".chars() {
        bad.key(c);
    }
    assert!(!bad.complete());
}

#[test]
fn each_answer_shows_the_ticket_or_the_hubs_own_words() {
    let (t, booked) = answer(Some(Ok(checked_in(true)))).unwrap();
    assert_eq!(t.number.0, "A019");
    assert!(booked.late && booked.start == SLOT);
    // Too early: the hub's message names the time check-in opens; it is shown as sent.
    let mut early = ErrorInfo::new(ErrorCode::BookingTooEarly);
    early.zh = "签到时间未到，请于 10:00 后签到".into();
    early.en = "Too early to check in: check-in opens at 10:00.".into();
    let Err(CheckInFailure::Refused { code, message }) = answer(Some(Err(early))) else {
        panic!()
    };
    assert_eq!(code, ErrorCode::BookingTooEarly);
    assert!(message.zh.contains("10:00") && message.en.contains("10:00"));
    // Each of the seven refusals: bilingual, and only a mistyped code or number is keyed again.
    for code in [
        ErrorCode::BookingOff,
        ErrorCode::BadBookingCode,
        ErrorCode::UnknownBooking,
        ErrorCode::BookingNotToday,
        ErrorCode::BookingTooEarly,
        ErrorCode::BookingCheckedIn,
        ErrorCode::BookingCancelled,
    ] {
        let Err(CheckInFailure::Refused { message, .. }) = answer(Some(Err(ErrorInfo::new(code))))
        else {
            panic!("{code:?}")
        };
        assert!(!message.zh.is_empty() && !message.en.is_empty(), "{code:?}");
        assert_eq!(
            key_again(code),
            matches!(code, ErrorCode::BadBookingCode | ErrorCode::UnknownBooking),
            "{code:?}"
        );
    }
    assert_eq!(answer(None), Err(CheckInFailure::NoAnswer));
    assert!(matches!(
        answer(Some(Ok(ReplyResult::Done))),
        Err(CheckInFailure::Refused {
            code: ErrorCode::Internal,
            ..
        })
    ));
}

#[test]
fn check_in_is_offered_only_where_the_hall_takes_appointments() {
    let mut k = kiosk(false);
    assert!(!KioskView::of(&k, String::new()).booking);
    assert!(touch(&mut k, Action::CheckIn).is_empty());
    assert_eq!(k.screen(), Screen::Welcome);

    let mut k = kiosk(true);
    assert!(KioskView::of(&k, String::new()).booking);
    touch(&mut k, Action::CheckIn);
    assert!(matches!(
        k.screen(),
        Screen::CheckIn {
            by: CheckInBy::Code,
            complete: false,
            ..
        }
    ));
}

#[test]
fn a_checked_in_ticket_prints_with_its_booking_and_says_the_note() {
    let mut k = kiosk(true);
    touch(&mut k, Action::CheckIn);
    touch(&mut k, Action::CheckInBy(CheckInBy::Number));
    keys(&mut k, "13900000002");
    let view = KioskView::of(&k, String::new());
    assert_eq!(
        (
            view.screen,
            view.checkin_keyed.as_str(),
            view.checkin_complete
        ),
        (ScreenKind::CheckIn, "139 0000 0002", true)
    );
    let sent = touch(&mut k, Action::Confirm);
    let [Effect::CheckIn(cmd)] = sent.as_slice() else {
        panic!("{sent:?}")
    };
    assert_eq!(cmd.phone.as_ref().unwrap().expose(), "13900000002");
    let view = KioskView::of(&k, String::new());
    assert_eq!(
        (view.screen, view.checkin_keyed.as_str()),
        (ScreenKind::CheckingIn, "139****0002")
    );

    let print = k.handle(Input::CheckedIn(answer(Some(Ok(checked_in(true))))), 2);
    let [
        Effect::Print {
            booked: Some(booked),
            reprint: false,
            ..
        },
    ] = print.as_slice()
    else {
        panic!("{print:?}")
    };
    assert!(booked.late && booked.start == SLOT);
    let view = KioskView::of(&k, String::new());
    assert_eq!(view.screen, ScreenKind::Issued);
    assert_eq!(view.ticket.unwrap().number, "A019");
    assert!(view.booked_late);
    assert!(
        view.booked_note.contains("按现场取号排队"),
        "{}",
        view.booked_note
    );
    // A reprint keeps the booked time on the slip.
    k.handle(
        Input::Printed {
            result: Err("paper jam".into()),
        },
        3,
    );
    let again = touch(&mut k, Action::Reprint);
    assert!(matches!(
        again.as_slice(),
        [Effect::Print {
            booked: Some(_),
            reprint: true,
            ..
        }]
    ));
    k.handle(Input::Printed { result: Ok(()) }, 4);
    assert!(matches!(
        k.screen(),
        Screen::Issued {
            print: PrintState::Printed,
            ..
        }
    ));
    // Done: the next customer's ticket carries no booking.
    touch(&mut k, Action::Home);
    assert!(k.booked().is_none());
    assert!(KioskView::of(&k, String::new()).booked_note.is_empty());
}

#[test]
fn a_refusal_says_why_keeps_what_was_keyed_and_leads_back() {
    let mut k = kiosk(true);
    touch(&mut k, Action::Language(Lang::En));
    touch(&mut k, Action::CheckIn);
    keys(&mut k, "ZZZZZZZZ");
    touch(&mut k, Action::Confirm);
    k.handle(
        Input::CheckedIn(answer(Some(Err(ErrorInfo::new(ErrorCode::UnknownBooking))))),
        2,
    );
    let view = KioskView::of(&k, String::new());
    assert_eq!(view.screen, ScreenKind::CheckInRefused);
    assert_eq!(view.problem, ErrorCode::UnknownBooking.message().en);
    assert!(view.checkin_again);
    assert_eq!(view.checkin_keyed, "ZZZZ-ZZZZ");
    // Back: the code as keyed, to correct it.
    touch(&mut k, Action::Back);
    assert_eq!(
        k.screen(),
        Screen::CheckIn {
            by: CheckInBy::Code,
            shown: "ZZZZ-ZZZZ".into(),
            complete: true
        }
    );
    // Back from the entry: the welcome screen, in Chinese for the next customer.
    touch(&mut k, Action::Back);
    assert_eq!((k.screen(), k.lang()), (Screen::Welcome, Lang::Zh));
}

#[test]
fn no_answer_is_said_and_an_idle_check_in_returns_to_the_chinese_welcome() {
    let mut k = kiosk(true);
    touch(&mut k, Action::CheckIn);
    keys(&mut k, "7KQ2M9XD");
    touch(&mut k, Action::Confirm);
    // The client retries meanwhile: the screen waits however long.
    k.handle(Input::Tick, 10_000_000);
    assert!(matches!(k.screen(), Screen::CheckingIn { .. }));
    k.handle(Input::CheckedIn(answer(None)), 10_000_001);
    assert_eq!(k.screen(), Screen::NoAnswer);

    let mut k = kiosk(true);
    touch(&mut k, Action::Language(Lang::En));
    touch(&mut k, Action::CheckIn);
    keys(&mut k, "139");
    let idle = KioskTimings::default().idle_return_ms;
    k.handle(Input::Tick, 1 + idle);
    assert_eq!((k.screen(), k.lang()), (Screen::Welcome, Lang::Zh));
    // What was keyed is gone with the customer.
    touch(&mut k, Action::CheckIn);
    touch(&mut k, Action::CheckInBy(CheckInBy::Number));
    assert!(matches!(k.screen(), Screen::CheckIn { shown, .. } if shown.is_empty()));
}

#[test]
fn an_answer_to_a_customer_who_left_changes_nothing() {
    let mut k = kiosk(true);
    touch(&mut k, Action::CheckIn);
    touch(&mut k, Action::Home);
    let effects = k.handle(Input::CheckedIn(answer(Some(Ok(checked_in(false))))), 2);
    assert!(effects.is_empty());
    assert_eq!(k.screen(), Screen::Welcome);
}
