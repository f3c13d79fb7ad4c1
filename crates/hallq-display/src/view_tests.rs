use hallq_proto::state::Liveness;

use super::*;
use crate::controller::{Display, DisplayTimings, Input};
use crate::sample::{self, MORNING};

fn live(board: Board) -> Display {
    let mut d = Display::new(DisplayTimings::default());
    d.handle(Input::Hub(Liveness::Online), 0);
    d.handle(Input::Connected(true), 0);
    d.handle(Input::Board(board), 0);
    d
}

#[test]
fn the_latest_three_calls_are_large_and_eight_more_listed() {
    let v = DisplayView::of(&live(sample::board(1)), Lang::Zh, MORNING, 480);
    assert_eq!(v.state, DisplayState::Live);
    assert_eq!(v.clock, "09:41");
    let large: Vec<_> = v
        .latest
        .iter()
        .map(|c| (c.number.as_str(), c.counter))
        .collect();
    assert_eq!(large, [("A012", 3), ("B003", 5), ("C021", 1)]);
    assert_eq!(v.recent.len(), 8);
    assert_eq!(v.recent[0].number, "A011");
    assert_eq!(v.latest[1].recall, 1);
}

#[test]
fn chinese_comes_first_with_english_beneath_or_english_alone() {
    let d = live(sample::board(1));
    let zh = DisplayView::of(&d, Lang::Zh, MORNING, 480);
    assert_eq!(zh.hall_name.main, "中国移动 人民路营业厅");
    assert_eq!(zh.hall_name.second, "China Mobile, Renmin Road Hall");
    assert_eq!(zh.queues[3].name.main, "故障报修");
    assert_eq!(zh.queues[3].wait_min, None, "no counter serves repair now");
    let en = DisplayView::of(&d, Lang::En, MORNING, 480);
    assert!(en.english);
    assert_eq!(en.queues[3].name.main, "Fault repair");
    assert_eq!(en.queues[3].name.second, "");
}

#[test]
fn the_marquee_says_what_when_and_where_to_ask() {
    let d = live(sample::board_with_notices(1));
    let v = DisplayView::of(&d, Lang::Zh, MORNING, 480);
    assert_eq!(v.marquee.len(), 1);
    let m = &v.marquee[0];
    assert_eq!(m.text.main, "今晚 22:00 系统升级，届时暂停办理业务");
    assert_eq!(
        m.text.second,
        "System upgrade tonight at 22:00; counters pause then."
    );
    assert_eq!(m.from, "22:00", "today: the time alone");
    assert_eq!(m.until, "12-01 06:00", "another day: with its date");
    assert_eq!(m.ask.main, "咨询台");
    assert_eq!(m.ask.second, "information desk");
    assert_eq!(v.notice, Bi::default(), "kiosk 1 still issues tickets");
    let v = DisplayView::of(&live(sample::board_no_kiosk(1)), Lang::Zh, MORNING, 480);
    assert!(v.notice.main.starts_with("设备维护中"));
    assert!(v.notice.second.starts_with("Device under maintenance"));
}

#[test]
fn the_same_notice_from_several_devices_is_shown_once() {
    let mut b = sample::board_no_kiosk(1);
    let mut other = sample::kiosk_down();
    other.device = Some(hallq_proto::DeviceId::new("kiosk-3").unwrap());
    b.notices.push(other);
    let v = DisplayView::of(&live(b.clone()), Lang::Zh, MORNING, 480);
    assert_eq!(
        v.notice.main,
        "设备维护中，如需办理业务请至人工窗口或联系工作人员"
    );
    b.notices.clear();
    let v = DisplayView::of(&live(b), Lang::Zh, MORNING, 480);
    assert_eq!(v.notice, Bi::default());
}

#[test]
fn the_hub_away_keeps_the_last_board_under_the_notice() {
    let mut d = live(sample::board(1));
    d.handle(Input::Hub(Liveness::Offline), 1);
    let v = DisplayView::of(&d, Lang::Zh, MORNING, 480);
    assert_eq!(v.state, DisplayState::HubAway);
    assert_eq!(v.latest.len(), 3);
    let fresh = Display::new(DisplayTimings::default());
    assert_eq!(
        DisplayView::of(&fresh, Lang::Zh, MORNING, 480).state,
        DisplayState::HubAway,
        "never reached: away"
    );
    let mut waiting = Display::new(DisplayTimings::default());
    waiting.handle(Input::Hub(Liveness::Online), 0);
    waiting.handle(Input::Connected(true), 0);
    assert_eq!(
        DisplayView::of(&waiting, Lang::Zh, MORNING, 480).state,
        DisplayState::Connecting
    );
}

#[test]
fn a_fresh_call_is_marked_in_the_view() {
    let mut d = live(sample::board(1));
    d.handle(Input::Call(sample::call_event("A012", 3, 0)), 0);
    let v = DisplayView::of(&d, Lang::Zh, MORNING, 480);
    assert!(v.latest[0].fresh);
    assert!(!v.latest[1].fresh);
    assert!(v.flash);
}
