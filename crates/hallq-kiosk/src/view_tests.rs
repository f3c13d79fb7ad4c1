//! The view picks the customer's language for everything the hub sent, and never shows what it
//! must not (the whole mobile number, the green-channel code).

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_proto::{BusinessCode, Lang, Priority};

use super::*;
use crate::controller::{Action, Input, KioskTimings};
use crate::sample;

fn ready() -> Kiosk {
    let mut k = Kiosk::new("kiosk-view", KioskTimings::default());
    k.handle(Input::HubReachable(true), 0);
    k.handle(Input::Services(sample::services()), 0);
    k
}

fn touch(k: &mut Kiosk, action: Action) {
    k.handle(Input::Action(action), 1);
}

fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).unwrap()
}

#[test]
fn the_welcome_screen_lists_the_services_in_the_chosen_language() {
    let mut k = ready();
    let zh = KioskView::of(&k, "09:41".into());
    assert_eq!(zh.screen, ScreenKind::Welcome);
    assert_eq!(zh.hall_name, "中国移动 人民路营业厅");
    assert_eq!(zh.services.len(), 5);
    assert_eq!(zh.services[1].name, "基础业务（套餐变更、话费充值）");
    assert_eq!(zh.services[1].waiting, 7);
    assert_eq!(zh.services[1].wait_min, Some(12));
    assert_eq!(zh.services[3].wait_min, None, "no counter serves repair");
    assert!(!zh.english);

    touch(&mut k, Action::Language(Lang::En));
    let en = KioskView::of(&k, "09:41".into());
    assert!(en.english);
    assert_eq!(en.hall_name, "China Mobile, Renmin Road Hall");
    assert_eq!(en.services[1].name, "Basic services (plan change, top-up)");
}

#[test]
fn a_business_name_is_laid_out_as_its_title_over_its_bracketed_detail() {
    let k = ready();
    let basic = &KioskView::of(&k, String::new()).services[1];
    assert_eq!(
        (basic.title.as_str(), basic.detail.as_str()),
        ("基础业务", "套餐变更、话费充值")
    );
    assert_eq!(
        split_name("Basic services (plan change, top-up)"),
        ("Basic services".into(), "plan change, top-up".into())
    );
    assert_eq!(split_name("故障报修"), ("故障报修".into(), String::new()));
    assert_eq!(split_name("（全部）"), ("（全部）".into(), String::new()));
}

#[test]
fn the_not_issuing_screen_has_the_halls_hours() {
    let mut k = ready();
    let mut closed = sample::services();
    closed.open = false;
    closed.rev = 2;
    k.handle(Input::Services(closed), 3);
    let v = KioskView::of(&k, String::new());
    assert_eq!(v.screen, ScreenKind::NotIssuing);
    assert_eq!(
        (v.hours_open.as_str(), v.hours_close.as_str()),
        ("08:30", "17:30")
    );
}

#[test]
fn the_later_steps_name_the_business_chosen_and_the_offer() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("basic")));
    let v = KioskView::of(&k, String::new());
    assert_eq!(v.screen, ScreenKind::SelfService);
    assert_eq!(v.business, "基础业务（套餐变更、话费充值）");
    // Shown with its words joined (keep_words): read without the joiners.
    assert!(
        v.offer.replace('\u{2060}', "").contains("自助终端"),
        "{}",
        v.offer
    );
    touch(&mut k, Action::TicketInstead);
    assert_eq!(
        KioskView::of(&k, String::new()).screen,
        ScreenKind::Priority
    );
}

#[test]
fn the_phone_number_is_shown_masked_and_the_code_only_counted() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("complex")));
    touch(&mut k, Action::GreenChannel);
    for c in "VIP88".chars() {
        touch(&mut k, Action::Key(c));
    }
    let v = KioskView::of(&k, String::new());
    assert_eq!(v.screen, ScreenKind::GreenCode);
    assert_eq!(v.code_keyed, 5);
    assert!(
        !format!("{v:?}").contains("VIP88"),
        "the code is never in the view"
    );
    touch(&mut k, Action::Back);
    touch(&mut k, Action::Ordinary);
    for c in "13812345678".chars() {
        touch(&mut k, Action::Key(c));
    }
    let v = KioskView::of(&k, String::new());
    assert_eq!(v.screen, ScreenKind::Phone);
    assert_eq!(v.phone_shown, "138 1234 5678", "seen while keyed");
    assert!(v.phone_complete);
    touch(&mut k, Action::Confirm);
    k.handle(Input::Issued(Ok(sample::ticket(2, Priority::Ordinary))), 2);
    let v = KioskView::of(&k, String::new());
    assert_eq!(v.notice_number, "138****5678", "masked once confirmed");
    assert!(!format!("{v:?}").contains("1234"), "{v:?}");
}

#[test]
fn the_ticket_shows_its_priority_documents_and_print_state() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("complex")));
    touch(&mut k, Action::Care(hallq_proto::PriorityReason::Pregnant));
    touch(&mut k, Action::Skip);
    k.handle(Input::Issued(Ok(sample::ticket(2, Priority::Care))), 2);
    let v = KioskView::of(&k, String::new());
    assert_eq!(v.screen, ScreenKind::Issued);
    let t = v.ticket.unwrap();
    assert_eq!(t.number, "B012");
    assert_eq!(t.priority, "优先服务");
    assert_eq!(t.people_ahead, 3);
    assert_eq!(t.wait_min, Some(18));
    assert_eq!(t.documents.len(), 2);
    assert_eq!(t.print, PrintStatus::Printing);

    k.handle(
        Input::Printed {
            result: Err("paper out".into()),
        },
        3,
    );
    let t = KioskView::of(&k, String::new()).ticket.unwrap();
    assert_eq!(t.print, PrintStatus::Failed);
}

#[test]
fn a_ticket_with_a_phone_page_shows_its_address_and_one_without_none() {
    let mut k = ready();
    touch(&mut k, Action::Business(code("complex")));
    touch(&mut k, Action::Care(hallq_proto::PriorityReason::Pregnant));
    touch(&mut k, Action::Skip);
    let mut ticket = sample::ticket(2, Priority::Ordinary);
    ticket.page_url = Some("http://192.168.10.2:8090/t/abc".into());
    k.handle(Input::Issued(Ok(ticket)), 2);
    let t = KioskView::of(&k, String::new()).ticket.unwrap();
    assert_eq!(
        t.page_url.as_deref(),
        Some("http://192.168.10.2:8090/t/abc")
    );

    let mut k = ready();
    touch(&mut k, Action::Business(code("complex")));
    touch(&mut k, Action::Care(hallq_proto::PriorityReason::Pregnant));
    touch(&mut k, Action::Skip);
    k.handle(Input::Issued(Ok(sample::ticket(2, Priority::Ordinary))), 2);
    assert_eq!(
        KioskView::of(&k, String::new()).ticket.unwrap().page_url,
        None
    );
}

#[test]
fn a_refusal_is_explained_in_the_customers_language() {
    let mut k = ready();
    touch(&mut k, Action::Language(Lang::En));
    touch(&mut k, Action::Business(code("complex")));
    touch(&mut k, Action::Ordinary);
    touch(&mut k, Action::Skip);
    let refused = hallq_proto::ErrorCode::HallClosed;
    k.handle(
        Input::Issued(Err(crate::controller::IssueFailure::Refused(refused))),
        2,
    );
    let v = KioskView::of(&k, String::new());
    assert_eq!(v.screen, ScreenKind::Refused);
    assert_eq!(v.problem, refused.message().en);
}

#[test]
fn the_kiosk_says_why_it_cannot_issue() {
    let mut k = Kiosk::new("kiosk-view", KioskTimings::default());
    assert_eq!(KioskView::of(&k, String::new()).screen, ScreenKind::HubAway);
    k.handle(Input::HubReachable(true), 0);
    let mut closed = sample::services();
    closed.open = false;
    k.handle(Input::Services(closed), 0);
    assert_eq!(
        KioskView::of(&k, String::new()).screen,
        ScreenKind::NotIssuing
    );
    k.handle(Input::Maintenance(true), 0);
    assert_eq!(
        KioskView::of(&k, String::new()).screen,
        ScreenKind::Maintenance
    );
}

#[test]
fn a_chinese_offer_is_joined_inside_its_words_and_english_is_left_as_it_is() {
    let offer = "话费充值、账单查询可在自助终端或手机营业厅 App 办理，无需排队";
    let kept = keep_words(offer);
    assert_eq!(
        kept.replace('\u{2060}', ""),
        offer,
        "nothing but joiners added"
    );
    for word in ["手\u{2060}机", "排\u{2060}队", "查\u{2060}询"] {
        assert!(kept.contains(word), "{word:?} kept whole in {kept:?}");
    }
    assert!(
        !kept.contains("或\u{2060}手"),
        "a break stays between words: {kept:?}"
    );
    let english = "Top-up and bill queries need no queue";
    assert_eq!(keep_words(english), english);
}
