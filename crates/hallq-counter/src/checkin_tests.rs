//! The greeter's check-in, without a display: what is sent for what is keyed, and what the
//! greeter reads for each answer.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_proto::reply::TicketIssued;
use hallq_proto::{BusinessCode, ErrorCode, Priority, TicketId, TicketNo, Timestamp};

use super::*;
use crate::floor::GreeterPress;

fn checked_in(late: bool) -> ReplyBody {
    ReplyBody::Ok(ReplyResult::CheckedIn {
        booking: "7KQ2M9XD".into(),
        slot_start_ms: Timestamp(1_795_404_600_000),
        late,
        note: LocalText::new(
            "您已超过预约时间（10:30 时段）15 分钟以上，按现场取号排队",
            "You are more than 15 minutes late for your 10:30 appointment: you queue as a walk-in.",
        ),
        ticket: TicketIssued {
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
        },
    })
}

#[test]
fn a_number_is_sent_as_a_number_anything_else_as_a_code_for_the_visit_being_helped() {
    let visit = VisitId::new("V20261123-0007").unwrap();
    let Some(Command::CheckIn(c)) = command(" 139 0000 0002 ", Lang::Zh, Some(visit.clone()))
    else {
        panic!()
    };
    assert_eq!((c.code, c.phone.unwrap().expose()), (None, "13900000002"));
    assert_eq!(c.visit, Some(visit));
    let Some(Command::CheckIn(c)) = command("7kq2-m9xd", Lang::En, None) else {
        panic!()
    };
    assert_eq!(
        (c.code.as_deref(), c.phone, c.lang),
        (Some("7kq2-m9xd"), None, Lang::En)
    );
    assert_eq!(command("   ", Lang::Zh, None), None);
}

#[test]
fn the_greeter_reads_the_ticket_with_the_hubs_note_or_its_refusal_in_its_own_words() {
    let mut g = Greeter::default();
    let sent = g.press(GreeterPress::CheckIn("7KQ2-M9XD".into()), Lang::Zh);
    assert!(matches!(sent, Some(Command::CheckIn(_))));
    assert!(g.checking_in());
    // One command at a time.
    assert_eq!(
        g.press(GreeterPress::CheckIn("7KQ2-M9XD".into()), Lang::Zh),
        None
    );
    g.checked_in(answer(Ok(&checked_in(true))));
    assert!(!g.checking_in() && !g.in_flight);
    let (line, problem) = g.check_in_line(Lang::Zh).unwrap();
    assert!(!problem);
    assert!(
        line.contains("A019") && line.contains("按现场取号排队"),
        "{line}"
    );
    let (line, _) = g.check_in_line(Lang::En).unwrap();
    assert!(line.contains("walk-in"), "{line}");
    assert_eq!(g.visit, Some(VisitId::new("V20261123-0044").unwrap()));

    // Too early: the hub's words, with the time check-in opens.
    g.next_visitor();
    g.press(GreeterPress::CheckIn("ZZZZ-ZZZZ".into()), Lang::Zh);
    let mut early = ErrorInfo::new(ErrorCode::BookingTooEarly);
    early.zh = "签到时间未到，请于 10:30 后签到".into();
    early.en = "Too early to check in: check-in opens at 10:30.".into();
    g.checked_in(answer(Ok(&ReplyBody::Error(early))));
    let (line, problem) = g.check_in_line(Lang::Zh).unwrap();
    assert!(problem && line.contains("10:30"), "{line}");
    // No answer: the greeter's usual line (no words of the hub's).
    g.press(GreeterPress::CheckIn("ZZZZ-ZZZZ".into()), Lang::Zh);
    g.checked_in(answer(Err(())));
    assert_eq!(g.check_in_line(Lang::Zh), None);
    assert_eq!(g.last, Some(Err(Problem::NoAnswer)));
    // Another command's answer does not keep a check-in's words.
    g.next_visitor();
    assert_eq!(g.check_in_line(Lang::Zh), None);
}
