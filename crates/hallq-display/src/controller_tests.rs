use hallq_proto::state::Liveness;

use super::*;
use crate::sample;

fn number(s: &str) -> TicketNo {
    TicketNo(s.into())
}

/// A display that has reached its hub and shows `board`.
fn live(board: Board) -> Display {
    let mut d = Display::new(DisplayTimings::default());
    d.handle(Input::Hub(Liveness::Online), 0);
    d.handle(Input::Connected(true), 0);
    d.handle(Input::Board(board), 0);
    d
}

/// `board` with `number` called to `counter` on top, at `rev`.
fn with_call(mut board: Board, rev: u64, number: &str, counter: u16, recall: u32) -> Board {
    board.rev = rev;
    board
        .calls
        .insert(0, sample::call(number, counter, "basic", 0, recall));
    board
}

#[test]
fn calls_on_the_first_board_are_not_new() {
    let d = live(sample::board(1));
    assert!(!d.is_fresh(&number("A012"), CounterNo(3), 0));
    assert!(!d.flash_on());
    assert_eq!(d.next_change_ms(), None);
}

#[test]
fn a_new_call_stands_out_then_not_after_the_highlight() {
    let mut d = live(sample::board(1));
    d.handle(
        Input::Board(with_call(sample::board(1), 2, "A013", 2, 0)),
        10_000,
    );
    assert!(d.is_fresh(&number("A013"), CounterNo(2), 0));
    assert!(
        !d.is_fresh(&number("A012"), CounterNo(3), 0),
        "old calls stay plain"
    );
    assert!(d.flash_on(), "the flash starts on");
    assert_eq!(d.next_change_ms(), Some(10_500));
    d.handle(Input::Tick, 10_600);
    assert!(!d.flash_on(), "then turns off");
    d.handle(Input::Tick, 11_000);
    assert!(d.flash_on(), "and on again");
    d.handle(Input::Tick, 17_999);
    assert!(
        d.is_fresh(&number("A013"), CounterNo(2), 0),
        "still within 8 s"
    );
    d.handle(Input::Tick, 18_000);
    assert!(
        !d.is_fresh(&number("A013"), CounterNo(2), 0),
        "plain after 8 s"
    );
    assert!(!d.flash_on());
    assert_eq!(d.next_change_ms(), None);
}

#[test]
fn a_recall_stands_out_again() {
    let b = with_call(sample::board(1), 2, "A013", 2, 0);
    let mut d = live(b.clone());
    let mut recalled = b;
    recalled.rev = 3;
    recalled.calls[0].recall = 1;
    d.handle(Input::Board(recalled), 1_000);
    assert!(d.is_fresh(&number("A013"), CounterNo(2), 1));
}

#[test]
fn a_call_event_is_spoken_and_stands_out_once() {
    let mut d = live(sample::board(1));
    let out = d.handle(Input::Call(sample::call_event("A013", 2, 0)), 5_000);
    assert!(
        matches!(out.as_slice(), [Effect::Announce(a)] if a.number.0 == "A013" && a.speech.zh == "请 A013 号到 2 号窗口办理"),
        "{out:?}"
    );
    assert!(d.is_fresh(&number("A013"), CounterNo(2), 0));
    // The board that follows the event does not restart the highlight.
    d.handle(
        Input::Board(with_call(sample::board(1), 2, "A013", 2, 0)),
        7_000,
    );
    d.handle(Input::Tick, 13_000);
    assert!(
        !d.is_fresh(&number("A013"), CounterNo(2), 0),
        "8 s from the event"
    );
}

#[test]
fn an_announcement_played_is_reported_to_the_hub() {
    let mut d = live(sample::board(1));
    let Effect::Announce(a) = d
        .handle(Input::Call(sample::call_event("B004", 5, 1)), 0)
        .remove(0)
    else {
        panic!("not spoken");
    };
    let out = d.handle(Input::Announced(a.clone()), 4_000);
    assert_eq!(
        out,
        [Effect::Record(Command::CallAnnounced {
            ticket: a.ticket,
            counter: CounterNo(5),
            recall: 1,
        })]
    );
}

#[test]
fn a_stale_board_is_dropped() {
    let mut d = live(sample::board(5));
    let mut stale = with_call(sample::board(4), 4, "A099", 9, 0);
    stale.rev = 4;
    d.handle(Input::Board(stale.clone()), 1);
    assert_eq!(d.board().map(|b| b.rev), Some(5));
    stale.rev = 5;
    d.handle(Input::Board(stale), 2);
    assert_eq!(
        d.board().map(|b| b.calls.len()),
        Some(11),
        "equal rev: stale too"
    );
    d.handle(
        Input::Board(with_call(sample::board(6), 6, "A013", 2, 0)),
        3,
    );
    assert_eq!(d.board().map(|b| b.rev), Some(6));
}

#[test]
fn revisions_start_again_when_the_hub_comes_back() {
    let mut d = live(sample::board(1208));
    d.handle(Input::Hub(Liveness::Offline), 1);
    assert_eq!(
        d.board().map(|b| b.rev),
        Some(1208),
        "the last board is kept"
    );
    d.handle(Input::Hub(Liveness::Online), 2);
    d.handle(Input::Board(sample::board_empty(1)), 3);
    assert_eq!(d.board().map(|b| b.rev), Some(1));
}

#[test]
fn while_the_hub_is_away_nothing_is_spoken() {
    let mut d = live(sample::board(1));
    d.handle(Input::Hub(Liveness::Offline), 1);
    assert!(!d.reachable());
    assert!(
        d.handle(Input::Call(sample::call_event("A013", 2, 0)), 2)
            .is_empty()
    );
    d.handle(Input::Hub(Liveness::Online), 3);
    d.handle(Input::Connected(false), 4);
    assert!(!d.reachable(), "a lost connection is the hub away too");
    assert!(
        d.handle(Input::Call(sample::call_event("A014", 2, 0)), 5)
            .is_empty()
    );
    d.handle(Input::Connected(true), 6);
    assert!(d.reachable());
    assert_eq!(
        d.handle(Input::Call(sample::call_event("A015", 2, 0)), 7)
            .len(),
        1
    );
}

#[test]
fn two_calls_close_together_both_stand_out_until_their_own_end() {
    let mut d = live(sample::board(1));
    d.handle(Input::Call(sample::call_event("A013", 2, 0)), 1_000);
    d.handle(Input::Call(sample::call_event("B004", 5, 0)), 4_000);
    // The flash follows the newest call.
    assert!(d.flash_on());
    assert_eq!(d.next_change_ms(), Some(4_500));
    d.handle(Input::Tick, 9_000);
    assert!(!d.is_fresh(&number("A013"), CounterNo(2), 0));
    assert!(d.is_fresh(&number("B004"), CounterNo(5), 0));
}

#[test]
fn a_kiosk_down_is_not_the_halls_business_while_another_issues_tickets() {
    let one_left = live(sample::board_with_notices(1));
    assert_eq!(
        one_left.board().unwrap().notices.len(),
        1,
        "the hub said it"
    );
    assert!(one_left.hall_notices().is_empty(), "kiosk 1 still works");

    let none_left = live(sample::board_no_kiosk(1));
    let shown = none_left.hall_notices();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].kind, NoticeKind::DeviceMaintenance);

    let mut uncounted = sample::board_with_notices(1);
    uncounted.kiosks_online = None;
    assert!(live(uncounted).hall_notices().is_empty());
}

#[test]
fn a_counters_terminal_dropping_is_shown_with_kiosks_working() {
    let mut b = sample::board_with_notices(1);
    b.notices.push(Notice {
        kind: NoticeKind::CounterOffline,
        device: Some(hallq_proto::DeviceId::new("counter-3").unwrap()),
        counter: Some(CounterNo(3)),
        text: LocalText::new("3 号窗口终端离线", "Counter 3's terminal is offline"),
    });
    let d = live(b);
    let shown = d.hall_notices();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].kind, NoticeKind::CounterOffline);
}
