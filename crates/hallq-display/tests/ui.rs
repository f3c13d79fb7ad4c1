//! The wall display's window under Slint's testing backend, read as assistive technology reads
//! it: find an element by its accessible label, check its value. The real controller and view
//! sit behind the adapter, so each test proves the view, the adapter and the controller together,
//! without a display and without a hub.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_display::DisplayView;
use hallq_display::controller::{Display, DisplayTimings, Input};
use hallq_display::sample::{self, MORNING};
use hallq_display::ui::{self, DisplayWindow};
use hallq_proto::Lang;
use hallq_proto::state::Liveness;
use i_slint_backend_testing::{ElementHandle, ElementRoot as _};

/// The window with a display behind it.
struct Rig {
    window: DisplayWindow,
    display: Display,
    lang: Lang,
}

impl Rig {
    /// A display showing `board`, its hub reachable, in `lang` first.
    fn live(board: hallq_proto::state::Board, lang: Lang) -> Self {
        i_slint_backend_testing::init_no_event_loop();
        let window = DisplayWindow::new().unwrap();
        ui::select_language(&window, lang == Lang::En);
        let mut rig = Self {
            window,
            display: Display::new(DisplayTimings::default()),
            lang,
        };
        rig.input(Input::Hub(Liveness::Online), 0);
        rig.input(Input::Connected(true), 0);
        rig.input(Input::Board(board), 0);
        rig
    }

    fn input(&mut self, input: Input, now_ms: u64) {
        self.display.handle(input, now_ms);
        ui::show(
            &self.window,
            &DisplayView::of(&self.display, self.lang, MORNING, 480),
        );
    }

    fn shown(&self, label: &str) -> Vec<ElementHandle> {
        ElementHandle::find_by_accessible_label(&self.window, label)
            .filter(|e| {
                let s = e.size();
                e.is_valid() && s.width > 0.0 && s.height > 0.0
            })
            .collect()
    }

    fn shows(&self, label: &str) -> bool {
        !self.shown(label).is_empty()
    }

    /// The value of the first element labelled `label` that has one.
    fn value(&self, label: &str) -> Option<String> {
        self.shown(label)
            .into_iter()
            .find_map(|e| e.accessible_value().filter(|v| !v.is_empty()))
            .map(|v| v.to_string())
    }

    /// Every accessible label on screen, for failure messages.
    fn labels(&self) -> Vec<String> {
        self.window
            .root_element()
            .query_descendants()
            .find_all()
            .into_iter()
            .filter_map(|e| e.accessible_label())
            .map(|s| s.to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }
}

#[test]
fn the_latest_calls_are_read_with_their_counter_in_chinese() {
    let rig = Rig::live(sample::board(1), Lang::Zh);
    for label in [
        "A012 → 3 号窗口",
        "B003 → 5 号窗口",
        "C021 → 1 号窗口",
        "A008 → 2 号窗口",
    ] {
        assert!(rig.shows(label), "{label}: {:?}", rig.labels());
    }
    assert!(rig.shows("正在呼叫"), "{:?}", rig.labels());
    assert_eq!(rig.value("时间").as_deref(), Some("09:41"));
    assert_eq!(rig.value("故障报修").as_deref(), Some("2"));
    assert!(!rig.shows("系统维护中"));
}

#[test]
fn a_queue_with_no_wait_says_so_not_about_0_minutes() {
    // The morning's consultation queue is estimated at 0 minutes (issue 13, §1.11).
    let rig = Rig::live(sample::board(1), Lang::Zh);
    assert!(rig.shows("无需等候"), "{:?}", rig.labels());
    assert!(rig.shows("No wait"), "English beneath: {:?}", rig.labels());
    assert!(!rig.shows("约 0 分钟"), "{:?}", rig.labels());
    assert!(!rig.shows("0 min"), "{:?}", rig.labels());
}

#[test]
fn a_new_call_is_marked_new_for_a_few_seconds() {
    let mut rig = Rig::live(sample::board(1), Lang::Zh);
    assert_eq!(
        rig.value("A012 → 3 号窗口"),
        None,
        "on the first board: not new"
    );
    rig.input(Input::Call(sample::call_event("A012", 3, 0)), 1_000);
    assert_eq!(rig.value("A012 → 3 号窗口").as_deref(), Some("新呼叫"));
    rig.input(Input::Tick, 9_000);
    assert_eq!(rig.value("A012 → 3 号窗口"), None, "plain again after 8 s");
}

#[test]
fn the_announcement_and_the_notice_are_on_screen() {
    let rig = Rig::live(sample::board_no_kiosk(1), Lang::Zh);
    assert!(
        rig.shows("今晚 22:00 系统升级，届时暂停办理业务"),
        "{:?}",
        rig.labels()
    );
    assert!(
        rig.shows("设备维护中，如需办理业务请至人工窗口或联系工作人员"),
        "{:?}",
        rig.labels()
    );
}

#[test]
fn the_hub_away_says_system_maintenance_please_ask_staff() {
    let mut rig = Rig::live(sample::board(1), Lang::Zh);
    rig.input(Input::Hub(Liveness::Offline), 1);
    assert!(rig.shows("系统维护中"), "{:?}", rig.labels());
    assert!(rig.shows("请联系工作人员"), "{:?}", rig.labels());
    rig.input(Input::Hub(Liveness::Online), 2);
    rig.input(Input::Board(sample::board(1)), 3);
    assert!(!rig.shows("系统维护中"), "back to the board");
}

#[test]
fn english_first_shows_english_alone() {
    let rig = Rig::live(sample::board(1), Lang::En);
    assert!(rig.shows("A012 → Counter 3"), "{:?}", rig.labels());
    assert!(rig.shows("Now calling"), "{:?}", rig.labels());
    assert_eq!(rig.value("Fault repair").as_deref(), Some("2"));
    assert!(!rig.shows("正在呼叫"));
}
