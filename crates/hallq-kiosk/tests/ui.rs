//! The kiosk's window under Slint's testing backend, driven as assistive technology (and a
//! customer) would: find a button by the text it shows, press it. The real controller sits
//! behind the adapter, so each test proves the view, the adapter and the flow together, without
//! a display and without a hub.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::cell::RefCell;
use std::rc::Rc;

use hallq_kiosk::controller::{Effect, Input, IssueFailure};
use hallq_kiosk::ui::{self, KioskWindow};
use hallq_kiosk::{Kiosk, KioskTimings, KioskView, sample};
use hallq_proto::{ErrorCode, Priority};
use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementRoot as _};
use slint::ComponentHandle as _;

/// The window with the controller behind it: touches reach the controller, its screen reaches
/// the window.
struct Rig {
    window: KioskWindow,
    kiosk: Rc<RefCell<Kiosk>>,
    effects: Rc<RefCell<Vec<Effect>>>,
}

impl Rig {
    /// A kiosk on its welcome screen, connected to a hub issuing tickets.
    fn ready() -> Self {
        let rig = Self::offline();
        rig.input(Input::HubReachable(true));
        rig.input(Input::Services(sample::services()));
        rig
    }

    /// A kiosk that has not reached its hub.
    fn offline() -> Self {
        i_slint_backend_testing::init_no_event_loop();
        let window = KioskWindow::new().unwrap();
        ui::start_in_chinese(&window);
        let kiosk = Rc::new(RefCell::new(Kiosk::new("ui-test", KioskTimings::default())));
        let effects = Rc::new(RefCell::new(Vec::new()));
        let (k, e, w) = (Rc::clone(&kiosk), Rc::clone(&effects), window.as_weak());
        ui::wire(&window, move |action| {
            let out = k.borrow_mut().handle(Input::Action(action), 1);
            e.borrow_mut().extend(out);
            ui::show(
                &w.upgrade().unwrap(),
                &KioskView::of(&k.borrow(), "09:41".into()),
            );
        });
        let rig = Self {
            window,
            kiosk,
            effects,
        };
        rig.refresh();
        rig
    }

    fn refresh(&self) {
        ui::show(
            &self.window,
            &KioskView::of(&self.kiosk.borrow(), "09:41".into()),
        );
    }

    fn input(&self, input: Input) {
        let out = self.kiosk.borrow_mut().handle(input, 2);
        self.effects.borrow_mut().extend(out);
        self.refresh();
    }

    fn shows(&self, label: &str) -> bool {
        ElementHandle::find_by_accessible_label(&self.window, label).any(|e| e.is_visible())
    }

    /// Presses the button labelled `label` (its text has the same label, and is no button).
    fn press(&self, label: &str) {
        let button = ElementHandle::find_by_accessible_label(&self.window, label)
            .find(|e| e.is_visible() && e.accessible_role() == Some(AccessibleRole::Button));
        match button {
            Some(b) => b.invoke_accessible_default_action(),
            None => panic!("no button {label:?}; labels: {:?}", self.labels()),
        }
    }

    /// Every accessible label and value on screen.
    fn labels(&self) -> Vec<String> {
        self.window
            .root_element()
            .query_descendants()
            .find_all()
            .into_iter()
            .filter(ElementHandle::is_visible)
            .flat_map(|e| [e.accessible_label(), e.accessible_value()])
            .flatten()
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    fn take_effects(&self) -> Vec<Effect> {
        std::mem::take(&mut self.effects.borrow_mut())
    }
}

trait Visible {
    fn is_visible(&self) -> bool;
}

impl Visible for ElementHandle {
    /// Conditional elements that are not shown are not instantiated; an element with a size is
    /// one that a layout placed.
    fn is_visible(&self) -> bool {
        let s = self.size();
        self.is_valid() && s.width > 0.0 && s.height > 0.0
    }
}

#[test]
fn an_ordinary_ticket_takes_three_touches_by_label() {
    let rig = Rig::ready();
    assert!(rig.shows("请选择您要办理的业务"), "{:?}", rig.labels());
    rig.press("咨询");
    assert!(rig.shows("您需要优先服务吗？"), "{:?}", rig.labels());
    rig.press("普通取号");
    assert!(rig.shows("快到您时短信提醒？"), "{:?}", rig.labels());
    rig.take_effects();
    rig.press("不需要，直接取号");
    let issue = rig.take_effects();
    assert!(
        matches!(issue.as_slice(), [Effect::Issue(req)] if req.business.as_str() == "consult" && req.priority_reason.is_none() && req.phone.is_none()),
        "{issue:?}"
    );
    assert!(rig.shows("正在为您取号…"));

    rig.input(Input::Issued(Ok(sample::ticket(0, Priority::Ordinary))));
    // The caption and the number share the label; the number carries the value.
    let number = ElementHandle::find_by_accessible_label(&rig.window, "您的号码")
        .find_map(|e| e.accessible_value().filter(|v| !v.is_empty()));
    assert_eq!(number.as_deref(), Some("C012"));
    assert!(rig.shows("正在打印号票…"));
    rig.input(Input::Printed { result: Ok(()) });
    assert!(rig.shows("请在下方取走您的号票"), "{:?}", rig.labels());
}

#[test]
fn english_switches_every_text_and_the_hubs_names() {
    let rig = Rig::ready();
    rig.press("English");
    assert!(
        rig.shows("Please choose your business"),
        "{:?}",
        rig.labels()
    );
    assert!(rig.shows("Fault repair"), "{:?}", rig.labels());
    assert!(!rig.shows("故障报修"));
    rig.press("Basic services (plan change, top-up)");
    assert!(
        rig.shows("Some of this you can do yourself"),
        "{:?}",
        rig.labels()
    );
    rig.press("中文");
    assert!(rig.shows("部分业务可自助办理"), "{:?}", rig.labels());
}

#[test]
fn self_service_is_offered_first_and_taking_it_issues_no_ticket() {
    let rig = Rig::ready();
    rig.press("基础业务（套餐变更、话费充值）");
    rig.take_effects();
    rig.press("我去自助办理");
    let effects = rig.take_effects();
    assert!(
        effects.iter().all(|e| !matches!(e, Effect::Issue(_))),
        "{effects:?}"
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::Record(c) if c.kind() == "self_service_chosen")),
        "{effects:?}"
    );
    assert!(rig.shows("请前往自助办理"), "{:?}", rig.labels());
    // Self-service cannot do every job of the business type: the way back to a ticket.
    rig.press("还是要取号");
    assert!(rig.shows("您需要优先服务吗？"), "{:?}", rig.labels());
    rig.press("返回上一步");
    rig.press("我去自助办理");
    rig.press("返回首页");
    assert!(rig.shows("请选择您要办理的业务"), "{:?}", rig.labels());
}

#[test]
fn the_mobile_number_is_seen_while_keyed_confirmed_by_a_labelled_button_and_masked_after() {
    let rig = Rig::ready();
    rig.press("复杂业务（终端销售、合约办理）");
    rig.press("孕妇");
    for d in "13812345678".chars() {
        rig.press(&d.to_string());
    }
    let labels = rig.labels();
    assert!(labels.iter().any(|l| l == "138 1234 5678"), "{labels:?}");
    // The confirm button is as large as the skip beside it.
    let button = |label: &str| {
        ElementHandle::find_by_accessible_label(&rig.window, label)
            .find(|e| e.is_visible() && e.accessible_role() == Some(AccessibleRole::Button))
            .unwrap()
    };
    let (confirm, skip) = (button("确认，到号提醒"), button("不需要，直接取号"));
    assert_eq!(confirm.size(), skip.size());
    rig.take_effects();
    rig.press("确认，到号提醒");
    let issue = rig.take_effects();
    assert!(
        matches!(issue.as_slice(), [Effect::Issue(req)] if req.phone.is_some() && req.priority_reason == Some(hallq_proto::PriorityReason::Pregnant)),
        "{issue:?}"
    );
    rig.input(Input::Issued(Ok(sample::ticket(2, Priority::Care))));
    let labels = rig.labels();
    assert!(
        labels.iter().any(|l| l == "快到您时将短信提醒 138****5678"),
        "{labels:?}"
    );
    assert!(!labels.iter().any(|l| l.contains("1234")), "{labels:?}");
}

#[test]
fn the_example_halls_green_channel_code_can_be_keyed_and_a_wrong_one_keyed_again() {
    let rig = Rig::ready();
    rig.press("复杂业务（终端销售、合约办理）");
    rig.press("绿色通道 / 会员卡");
    for k in ["V", "I", "P", "-", "8", "8", "8", "8"] {
        rig.press(k);
    }
    rig.take_effects();
    rig.press("确认并取号");
    let issue = rig.take_effects();
    assert!(
        matches!(issue.as_slice(), [Effect::Issue(req)] if req.green_channel.as_deref() == Some("VIP-8888") && req.phone.is_none()),
        "{issue:?}"
    );
    rig.input(Input::Issued(Err(IssueFailure::Refused(
        ErrorCode::UnknownGreenChannel,
    ))));
    assert!(
        rig.shows("通道码无效，请核对后重新输入，或联系工作人员。"),
        "{:?}",
        rig.labels()
    );
    for k in ["O", "Q", "Z", "0"] {
        rig.press(k);
    }
    rig.press("确认并取号");
    let again = rig.take_effects();
    assert!(
        matches!(again.as_slice(), [Effect::Issue(req)] if req.green_channel.as_deref() == Some("OQZ0")),
        "{again:?}"
    );
}

#[test]
fn a_failed_print_tells_the_customer_and_offers_a_reprint() {
    let rig = Rig::ready();
    rig.press("咨询");
    rig.press("普通取号");
    rig.press("不需要，直接取号");
    rig.input(Input::Issued(Ok(sample::ticket(0, Priority::Ordinary))));
    rig.input(Input::Printed {
        result: Err("paper out".into()),
    });
    assert!(
        rig.shows("打印失败，您的号码已保留：请联系工作人员，或重新打印。"),
        "{:?}",
        rig.labels()
    );
    rig.take_effects();
    rig.press("重新打印");
    let effects = rig.take_effects();
    assert!(
        matches!(effects.as_slice(), [Effect::Print { reprint: true, .. }]),
        "{effects:?}"
    );
}

#[test]
fn a_refusal_and_a_silent_hub_each_get_a_clear_screen() {
    let rig = Rig::ready();
    rig.press("咨询");
    rig.press("普通取号");
    rig.press("不需要，直接取号");
    rig.input(Input::Issued(Err(IssueFailure::Refused(
        ErrorCode::HallClosed,
    ))));
    assert!(rig.shows("抱歉，未能取号"), "{:?}", rig.labels());
    assert!(rig.shows(&ErrorCode::HallClosed.message().zh));
    assert!(rig.shows("请联系工作人员。"), "{:?}", rig.labels());
    assert!(
        !rig.shows("不留手机号取号"),
        "only for a number over its cap"
    );
    rig.press("重新开始");

    rig.press("咨询");
    rig.press("普通取号");
    rig.press("不需要，直接取号");
    rig.input(Input::Issued(Err(IssueFailure::NoAnswer)));
    assert!(rig.shows("系统未响应"), "{:?}", rig.labels());
}

#[test]
fn a_number_over_its_cap_gets_a_ticket_without_it_in_one_touch() {
    let rig = Rig::ready();
    rig.press("咨询");
    rig.press("普通取号");
    for d in "13812345678".chars() {
        rig.press(&d.to_string());
    }
    rig.press("确认，到号提醒");
    rig.take_effects();
    rig.input(Input::Issued(Err(IssueFailure::Refused(
        ErrorCode::PhoneLimit,
    ))));
    assert!(
        rig.shows(&ErrorCode::PhoneLimit.message().zh),
        "{:?}",
        rig.labels()
    );
    // Only this refusal offers the way round; "ask staff" is not said.
    assert!(!rig.shows("请联系工作人员。"), "{:?}", rig.labels());
    rig.press("不留手机号取号");
    let issue = rig.take_effects();
    assert!(
        matches!(issue.as_slice(), [Effect::Issue(req)] if req.phone.is_none()),
        "{issue:?}"
    );
}

#[test]
fn a_wait_of_zero_minutes_is_said_as_no_wait() {
    let rig = Rig::ready();
    let mut busy = sample::services();
    busy.rev = 2;
    busy.services[0].waiting = 2; // consultation: two waiting, estimated 0 min
    rig.input(Input::Services(busy));
    assert!(rig.shows("2 人等候 · 即将叫号"), "{:?}", rig.labels());
    assert!(
        !rig.labels().iter().any(|l| l.contains("约 0 分钟")),
        "{:?}",
        rig.labels()
    );
    rig.press("咨询");
    rig.press("普通取号");
    rig.press("不需要，直接取号");
    rig.input(Input::Issued(Ok(sample::ticket(0, Priority::Ordinary))));
    assert!(rig.shows("无需等候，即将叫号"), "{:?}", rig.labels());
}

#[test]
fn the_closed_kiosk_gives_the_halls_hours() {
    let rig = Rig::ready();
    let mut closed = sample::services();
    closed.rev = 2;
    closed.open = false;
    rig.input(Input::Services(closed));
    assert!(rig.shows("当前暂停取号"), "{:?}", rig.labels());
    assert!(
        rig.shows("每日取号时间 08:30 – 17:30"),
        "{:?}",
        rig.labels()
    );
}

#[test]
fn without_its_hub_the_kiosk_shows_the_maintenance_notice() {
    let rig = Rig::offline();
    assert!(rig.shows("设备维护中"), "{:?}", rig.labels());
    assert!(rig.shows("如需办理业务请至人工窗口或联系工作人员"));
    assert!(!rig.shows("咨询"), "no business can be chosen");
}
