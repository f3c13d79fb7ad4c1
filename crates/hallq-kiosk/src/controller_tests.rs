//! The kiosk's flow, without a display: touches in, screens and effects out.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_proto::state::ServiceInfo;
use hallq_proto::{BusinessClass, Priority, TicketId, TicketNo, Timestamp, VisitId};

use super::*;

fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).unwrap()
}

fn service(business: &str, offer: Option<&str>) -> ServiceInfo {
    ServiceInfo {
        business: code(business),
        name: LocalText::new(format!("{business} 业务"), business),
        prefix: "A".into(),
        class: BusinessClass::Basic,
        waiting: 3,
        estimated_wait_min: Some(9),
        counters_open: 2,
        limit_min: 15,
        documents: vec![LocalText::new("身份证", "ID card")],
        document_help: vec![],
        self_service: offer.map(|o| LocalText::new(o, o)),
    }
}

fn services(open: bool) -> Services {
    Services {
        v: 1,
        rev: 1,
        at_ms: Timestamp(0),
        open,
        hall_name: LocalText::new("演示营业厅", "Demo Hall"),
        services: vec![service("topup", Some("扫码充值")), service("sale", None)],
        hours: None,
        booking: false,
        tiers: vec![],
    }
}

fn ticket() -> TicketIssued {
    TicketIssued {
        ticket: TicketId::new("20261123-0012").unwrap(),
        number: TicketNo("A012".into()),
        visit: VisitId::new("V20261123-0012").unwrap(),
        business: code("sale"),
        business_name: LocalText::new("购机", "Handsets"),
        priority: Priority::Ordinary,
        issued_at_ms: Timestamp(1_795_400_000_000),
        people_ahead: 4,
        estimated_wait_min: Some(12),
        documents: vec![LocalText::new("身份证", "ID card")],
        page_url: None,
    }
}

/// A kiosk connected to a hub that is issuing tickets.
fn ready() -> Kiosk {
    let mut k = Kiosk::new("kiosk-1-boot", KioskTimings::default());
    k.handle(Input::HubReachable(true), 0);
    k.handle(Input::Services(services(true)), 0);
    k
}

fn touch(k: &mut Kiosk, action: Action, at: u64) -> Vec<Effect> {
    k.handle(Input::Action(action), at)
}

fn recorded(effects: &[Effect]) -> Vec<&Command> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Record(c) => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn three_touches_give_an_ordinary_ticket_and_it_prints() {
    let mut k = ready();
    let started = touch(&mut k, Action::Business(code("sale")), 1);
    assert_eq!(
        recorded(&started),
        vec![&Command::SessionStarted {
            session: "kiosk-1-boot-1".into()
        }]
    );
    assert_eq!(
        k.screen(),
        Screen::Priority,
        "no self-service offer for a sale"
    );
    touch(&mut k, Action::Ordinary, 2);
    assert!(matches!(
        k.screen(),
        Screen::Phone {
            complete: false,
            ..
        }
    ));
    let issue = touch(&mut k, Action::Skip, 3);
    let [Effect::Issue(req)] = issue.as_slice() else {
        panic!("{issue:?}")
    };
    assert_eq!(req.business, code("sale"));
    assert_eq!(req.priority_reason, None);
    assert_eq!(req.green_channel, None);
    assert_eq!(req.phone, None);
    assert_eq!(req.session.as_deref(), Some("kiosk-1-boot-1"));
    assert_eq!(k.screen(), Screen::Issuing);

    let print = k.handle(Input::Issued(Ok(ticket())), 4);
    assert!(matches!(
        print.as_slice(),
        [Effect::Print {
            reprint: false,
            lang: Lang::Zh,
            ..
        }]
    ));
    let done = k.handle(Input::Printed { result: Ok(()) }, 5);
    assert_eq!(
        recorded(&done),
        vec![&Command::PrintResult {
            ticket: ticket().ticket,
            ok: true,
            reprint: false,
            error: None
        }]
    );
    assert!(matches!(
        k.screen(),
        Screen::Issued {
            print: PrintState::Printed,
            ..
        }
    ));
    // The ticket stays on screen, then the kiosk is ready for the next customer, recording
    // nothing more: the session ended with its ticket.
    assert!(k.handle(Input::Tick, 5 + 19_000).is_empty());
    assert!(matches!(k.screen(), Screen::Issued { .. }));
    assert!(k.handle(Input::Tick, 5 + 20_000).is_empty());
    assert_eq!(k.screen(), Screen::Welcome);
}

#[test]
fn self_service_is_offered_first_and_taking_it_issues_no_ticket() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("topup")), 1);
    assert!(matches!(k.screen(), Screen::SelfService { .. }));
    let chosen = touch(&mut k, Action::UseSelfService, 2);
    assert_eq!(
        recorded(&chosen),
        vec![&Command::SelfServiceChosen {
            session: "kiosk-1-boot-1".into(),
            business: code("topup")
        }]
    );
    assert!(matches!(k.screen(), Screen::SelfServiceTaken { .. }));
    // Going home afterwards records no abandonment: the customer was served by self-service.
    assert!(touch(&mut k, Action::Home, 3).is_empty());
    assert_eq!(k.screen(), Screen::Welcome);
}

#[test]
fn the_self_service_thanks_screen_leads_back_to_a_ticket_or_returns_by_itself() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("topup")), 1);
    touch(&mut k, Action::UseSelfService, 2);
    // The job is one self-service cannot do: one touch back to a ticket, as a new session.
    let again = touch(&mut k, Action::TicketInstead, 3);
    assert_eq!(
        recorded(&again),
        vec![&Command::SessionStarted {
            session: "kiosk-1-boot-2".into()
        }]
    );
    assert_eq!(k.screen(), Screen::Priority);
    touch(&mut k, Action::Ordinary, 4);
    let issue = touch(&mut k, Action::Skip, 5);
    let [Effect::Issue(req)] = issue.as_slice() else {
        panic!("{issue:?}")
    };
    assert_eq!(req.business, code("topup"));
    assert_eq!(req.session.as_deref(), Some("kiosk-1-boot-2"));

    // Left on the thanks screen: it returns to the start by itself, recording nothing more.
    let mut k = ready();
    touch(&mut k, Action::Business(code("topup")), 1_000);
    touch(&mut k, Action::UseSelfService, 2_000);
    assert!(k.handle(Input::Tick, 21_999).is_empty());
    assert!(matches!(k.screen(), Screen::SelfServiceTaken { .. }));
    assert!(k.handle(Input::Tick, 22_000).is_empty());
    assert_eq!(k.screen(), Screen::Welcome);
}

#[test]
fn declining_self_service_leads_to_a_ticket() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("topup")), 1);
    touch(&mut k, Action::TicketInstead, 2);
    assert_eq!(k.screen(), Screen::Priority);
    // Back returns to the offer, not to the welcome screen.
    touch(&mut k, Action::Back, 3);
    assert!(matches!(k.screen(), Screen::SelfService { .. }));
}

#[test]
fn priority_and_the_phone_number_travel_with_the_request_and_the_number_is_seen_then_masked() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("sale")), 1);
    touch(&mut k, Action::Care(PriorityReason::Elderly), 2);
    for c in "1381234".chars() {
        touch(&mut k, Action::Key(c), 3);
    }
    // Seen while keyed, so that a mistake can be seen.
    assert_eq!(
        k.screen(),
        Screen::Phone {
            shown: "138 1234".into(),
            complete: false
        }
    );
    // Confirm does nothing until the number is whole.
    assert!(touch(&mut k, Action::Confirm, 4).is_empty());
    for c in "5678".chars() {
        touch(&mut k, Action::Key(c), 5);
    }
    touch(&mut k, Action::Key('9'), 5); // a twelfth digit is not taken
    assert_eq!(
        k.screen(),
        Screen::Phone {
            shown: "138 1234 5678".into(),
            complete: true
        }
    );
    let issue = touch(&mut k, Action::Confirm, 6);
    let [Effect::Issue(req)] = issue.as_slice() else {
        panic!("{issue:?}")
    };
    assert_eq!(req.priority_reason, Some(PriorityReason::Elderly));
    assert_eq!(req.phone.as_ref().unwrap().masked(), "138****5678");
    // Once confirmed, masked: with the ticket, and never whole.
    assert!(!format!("{:?}", k.screen()).contains("5678"));
    k.handle(Input::Issued(Ok(ticket())), 7);
    assert_eq!(k.notice_number(), Some("138****5678"));
    k.handle(Input::Printed { result: Ok(()) }, 8);
    k.handle(Input::Tick, 8 + 20_000);
    assert_eq!(k.notice_number(), None, "gone with the ticket");
}

#[test]
fn a_green_channel_code_with_letters_and_a_hyphen_is_sent_at_its_step_and_never_shown() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("sale")), 1);
    touch(&mut k, Action::GreenChannel, 2);
    assert!(
        touch(&mut k, Action::Confirm, 3).is_empty(),
        "no empty code"
    );
    for c in "vip-8".chars() {
        touch(&mut k, Action::Key(c), 4);
    }
    touch(&mut k, Action::Erase, 5);
    for c in "9O".chars() {
        touch(&mut k, Action::Key(c), 6);
    }
    assert_eq!(
        k.screen(),
        Screen::GreenCode {
            keyed: 6,
            refused: false
        }
    );
    // The ticket is asked for at once, without the mobile-number step.
    let issue = touch(&mut k, Action::Confirm, 7);
    let [Effect::Issue(req)] = issue.as_slice() else {
        panic!("{issue:?}")
    };
    assert_eq!(req.green_channel.as_deref(), Some("VIP-9O"));
    assert_eq!(req.priority_reason, None);
    assert_eq!(req.phone, None);
    assert_eq!(k.screen(), Screen::Issuing);
    assert!(!format!("{:?}", k.screen()).contains("VIP"));
}

#[test]
fn a_wrong_green_channel_code_is_keyed_again_at_its_step() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("sale")), 1);
    touch(&mut k, Action::GreenChannel, 2);
    for c in "VIP-0000".chars() {
        touch(&mut k, Action::Key(c), 3);
    }
    touch(&mut k, Action::Confirm, 4);
    let refused = k.handle(
        Input::Issued(Err(IssueFailure::Refused(ErrorCode::UnknownGreenChannel))),
        5,
    );
    assert!(refused.is_empty(), "the customer has not left: {refused:?}");
    assert_eq!(
        k.screen(),
        Screen::GreenCode {
            keyed: 0,
            refused: true
        }
    );
    for c in "VIP-8888".chars() {
        touch(&mut k, Action::Key(c), 6);
    }
    assert_eq!(
        k.screen(),
        Screen::GreenCode {
            keyed: 8,
            refused: true
        },
        "the refusal stays said while the code is keyed again"
    );
    let again = touch(&mut k, Action::Confirm, 7);
    let [Effect::Issue(req)] = again.as_slice() else {
        panic!("{again:?}")
    };
    assert_eq!(req.green_channel.as_deref(), Some("VIP-8888"));
    assert_eq!(req.session.as_deref(), Some("kiosk-1-boot-1"));
    // Or an ordinary ticket instead: back to the priority question.
    k.handle(
        Input::Issued(Err(IssueFailure::Refused(ErrorCode::UnknownGreenChannel))),
        8,
    );
    touch(&mut k, Action::Back, 9);
    touch(&mut k, Action::Ordinary, 10);
    let plain = touch(&mut k, Action::Skip, 11);
    let [Effect::Issue(req)] = plain.as_slice() else {
        panic!("{plain:?}")
    };
    assert_eq!(req.green_channel, None);
}

#[test]
fn leaving_records_the_step_left_at() {
    let cases = [
        (
            vec![Action::Business(code("topup"))],
            KioskStep::SelfServiceOffer,
        ),
        (vec![Action::Business(code("sale"))], KioskStep::Priority),
        (
            vec![Action::Business(code("sale")), Action::Ordinary],
            KioskStep::Phone,
        ),
    ];
    for (steps, at) in cases {
        let mut k = ready();
        for a in steps {
            touch(&mut k, a, 1);
        }
        let left = touch(&mut k, Action::Home, 2);
        assert_eq!(
            recorded(&left),
            vec![&Command::SessionAbandoned {
                session: "kiosk-1-boot-1".into(),
                step: at
            }]
        );
        assert_eq!(k.screen(), Screen::Welcome);
    }
}

#[test]
fn an_untouched_screen_returns_home_and_records_the_customer_gone() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("sale")), 1_000);
    assert!(k.handle(Input::Tick, 60_999).is_empty());
    let gone = k.handle(Input::Tick, 61_000);
    assert_eq!(
        recorded(&gone),
        vec![&Command::SessionAbandoned {
            session: "kiosk-1-boot-1".into(),
            step: KioskStep::Priority
        }]
    );
    assert_eq!(k.screen(), Screen::Welcome);
    // The next customer gets a session of their own.
    let next = touch(&mut k, Action::Business(code("sale")), 62_000);
    assert_eq!(
        recorded(&next),
        vec![&Command::SessionStarted {
            session: "kiosk-1-boot-2".into()
        }]
    );
}

#[test]
fn a_failed_print_says_so_and_a_reprint_is_recorded_as_one() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("sale")), 1);
    touch(&mut k, Action::Ordinary, 2);
    touch(&mut k, Action::Skip, 3);
    k.handle(Input::Issued(Ok(ticket())), 4);
    let failed = k.handle(
        Input::Printed {
            result: Err("paper out".into()),
        },
        5,
    );
    assert_eq!(
        recorded(&failed),
        vec![&Command::PrintResult {
            ticket: ticket().ticket,
            ok: false,
            reprint: false,
            error: Some("paper out".into())
        }]
    );
    assert!(matches!(
        k.screen(),
        Screen::Issued {
            print: PrintState::Failed { .. },
            ..
        }
    ));
    let again = touch(&mut k, Action::Reprint, 6);
    assert!(matches!(
        again.as_slice(),
        [Effect::Print { reprint: true, .. }]
    ));
    // A second touch while it prints does not print twice.
    assert!(touch(&mut k, Action::Reprint, 7).is_empty());
    let ok = k.handle(Input::Printed { result: Ok(()) }, 8);
    assert_eq!(
        recorded(&ok),
        vec![&Command::PrintResult {
            ticket: ticket().ticket,
            ok: true,
            reprint: true,
            error: None
        }]
    );
}

#[test]
fn a_refusal_shows_its_code_and_going_home_records_the_customer_gone() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("sale")), 1);
    touch(&mut k, Action::Ordinary, 2);
    touch(&mut k, Action::Skip, 3);
    k.handle(
        Input::Issued(Err(IssueFailure::Refused(ErrorCode::HallClosed))),
        4,
    );
    assert_eq!(
        k.screen(),
        Screen::Refused {
            code: ErrorCode::HallClosed
        }
    );
    let left = touch(&mut k, Action::Home, 5);
    assert!(matches!(
        recorded(&left).as_slice(),
        [Command::SessionAbandoned {
            step: KioskStep::Confirm,
            ..
        }]
    ));
}

#[test]
fn a_number_over_its_daily_cap_leaves_one_touch_to_a_ticket_without_it() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("sale")), 1);
    touch(&mut k, Action::Ordinary, 2);
    for c in "13812345678".chars() {
        touch(&mut k, Action::Key(c), 3);
    }
    let first = touch(&mut k, Action::Confirm, 4);
    let [Effect::Issue(req)] = first.as_slice() else {
        panic!("{first:?}")
    };
    assert!(req.phone.is_some());
    k.handle(
        Input::Issued(Err(IssueFailure::Refused(ErrorCode::PhoneLimit))),
        5,
    );
    let again = touch(&mut k, Action::Skip, 6);
    let [Effect::Issue(req)] = again.as_slice() else {
        panic!("{again:?}")
    };
    assert!(
        req.phone.is_none(),
        "the second request leaves the number out"
    );
    assert_eq!(req.business, code("sale"));
    assert_eq!(k.screen(), Screen::Issuing);
    // Any other refusal offers no such way round.
    k.handle(
        Input::Issued(Err(IssueFailure::Refused(ErrorCode::HallClosed))),
        7,
    );
    assert!(touch(&mut k, Action::Skip, 8).is_empty());
}

#[test]
fn the_kiosk_says_when_it_cannot_issue() {
    let mut k = Kiosk::new("k", KioskTimings::default());
    assert_eq!(k.screen(), Screen::Unavailable(Unavailable::HubAway));
    k.handle(Input::HubReachable(true), 0);
    assert_eq!(
        k.screen(),
        Screen::Unavailable(Unavailable::HubAway),
        "nothing to offer before the services arrive"
    );
    k.handle(Input::Services(services(false)), 0);
    assert_eq!(k.screen(), Screen::Unavailable(Unavailable::NotIssuing));
    assert!(
        touch(&mut k, Action::Business(code("sale")), 1).is_empty(),
        "touches do nothing while it cannot issue"
    );
    // The hall opens: the next revision.
    k.handle(
        Input::Services(Services {
            rev: 2,
            ..services(true)
        }),
        0,
    );
    assert_eq!(k.screen(), Screen::Welcome);
    k.handle(Input::Maintenance(true), 0);
    assert_eq!(k.screen(), Screen::Unavailable(Unavailable::Maintenance));
}

#[test]
fn losing_the_hub_mid_flow_ends_the_session_but_not_a_request_in_flight() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("sale")), 1);
    let lost = k.handle(Input::HubReachable(false), 2);
    assert!(matches!(
        recorded(&lost).as_slice(),
        [Command::SessionAbandoned { .. }]
    ));
    assert_eq!(k.screen(), Screen::Unavailable(Unavailable::HubAway));

    let mut k = ready();
    touch(&mut k, Action::Business(code("sale")), 1);
    touch(&mut k, Action::Ordinary, 2);
    touch(&mut k, Action::Skip, 3);
    assert!(k.handle(Input::HubReachable(false), 4).is_empty());
    assert_eq!(k.screen(), Screen::Issuing, "the outbox keeps trying");
    k.handle(Input::Issued(Err(IssueFailure::NoAnswer)), 5);
    assert_eq!(k.screen(), Screen::NoAnswer);
}

#[test]
fn english_is_one_touch_away_and_goes_with_the_ticket() {
    let mut k = ready();
    touch(&mut k, Action::Language(Lang::En), 1);
    touch(&mut k, Action::Business(code("sale")), 2);
    touch(&mut k, Action::Ordinary, 3);
    let issue = touch(&mut k, Action::Skip, 4);
    let [Effect::Issue(req)] = issue.as_slice() else {
        panic!("{issue:?}")
    };
    assert_eq!(req.lang, Lang::En);
    // The next customer starts in Chinese again.
    k.handle(Input::Issued(Ok(ticket())), 5);
    k.handle(Input::Printed { result: Ok(()) }, 6);
    k.handle(Input::Tick, 6 + 20_000);
    assert_eq!(k.lang(), Lang::Zh);
}

#[test]
fn english_chosen_and_left_returns_to_chinese_after_the_idle_time_on_every_screen() {
    // Switched on the welcome screen and left there.
    let mut k = ready();
    touch(&mut k, Action::Language(Lang::En), 1_000);
    k.handle(Input::Tick, 60_999);
    assert_eq!(k.lang(), Lang::En);
    assert!(
        k.handle(Input::Tick, 61_000).is_empty(),
        "no session to record"
    );
    assert_eq!(k.lang(), Lang::Zh);
    assert_eq!(k.screen(), Screen::Welcome);

    // Switched while the kiosk cannot issue (the header's switch is on every screen).
    k.handle(Input::HubReachable(false), 62_000);
    touch(&mut k, Action::Language(Lang::En), 62_000);
    k.handle(Input::Tick, 122_000);
    assert_eq!(k.lang(), Lang::Zh);

    // Switched, then left mid-flow.
    let mut k = ready();
    touch(&mut k, Action::Language(Lang::En), 1_000);
    touch(&mut k, Action::Business(code("topup")), 2_000);
    k.handle(Input::Tick, 62_000);
    assert_eq!((k.screen(), k.lang()), (Screen::Welcome, Lang::Zh));
}

#[test]
fn group_phone_groups_the_digits_as_a_number_is_read() {
    assert_eq!(group_phone(""), "");
    assert_eq!(group_phone("138"), "138");
    assert_eq!(group_phone("13812"), "138 12");
    assert_eq!(group_phone("13812345678"), "138 1234 5678");
}

#[test]
fn services_follow_the_rev_rule_and_a_new_run_of_the_hub_starts_it_again() {
    let mut k = Kiosk::new("k", KioskTimings::default());
    k.handle(Input::HubReachable(true), 0);
    let at = |rev: u64, open: bool| Services {
        rev,
        ..services(open)
    };
    k.handle(Input::Services(at(10, true)), 0);
    k.handle(Input::Services(at(9, false)), 0);
    assert_eq!(k.screen(), Screen::Welcome, "a stale message is dropped");
    // The hub goes and comes back; its new run counts from lower.
    k.handle(Input::HubReachable(false), 1);
    k.handle(Input::HubReachable(true), 2);
    k.handle(Input::Services(at(3, false)), 3);
    assert_eq!(
        k.screen(),
        Screen::Unavailable(Unavailable::NotIssuing),
        "the new run's first state is taken"
    );
}
