//! Words are never cut nor broken inside a word (issue 13 §1.11): the live apps against a running
//! hub of the example hall (deploy/hall.example.toml), at their profiles' real resolutions, laid
//! out by Slint's testing backend with the real fonts (its text layout is the apps' own).
//!
//! How a text is checked: Slint reports a text's natural width and line height (its
//! `preferred-width` and `preferred-height`) at a font size; `Measure` below asks for them at the
//! size the design draws the text. The element the app laid out has a width and a height: its
//! height over the line height is the scale it is drawn at, and at that scale its natural width
//! must fit its width. A text the layout cuts (elided, clipped) or wraps does not.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::sync::Arc;
use std::time::Duration;

use hallq_display::view::DisplayState;
use hallq_display::view::DisplayView;
use hallq_display::{AnnounceFn, Display, DisplayTimings, ui as dui};
use hallq_proto::Lang;
use hallq_tests::{BrokerKind, Hall, example_queue, profile_screen};
use i_slint_backend_testing::{AccessibleRole, ElementHandle};
use tokio::sync::watch;

// The supervisor's console and the English board, in files of their own.
#[path = "fit/board.rs"]
mod board;
#[path = "fit/console.rs"]
mod console;

slint::slint! {
    // One text at a design size: its natural one-line width and line height, and its height
    // wrapped at `wrap-width`.
    export component Measure inherits Window {
        in property <string> text;
        in property <length> size;
        in property <int> weight: 400;
        in property <length> wrap-width: 100px;
        out property <length> natural: one.preferred-width;
        out property <length> line: one.preferred-height;
        out property <length> wrapped: many.preferred-height;
        one := Text {
            text: root.text;
            font-size: root.size;
            font-weight: root.weight;
        }
        many := Text {
            width: root.wrap-width;
            text: root.text;
            font-size: root.size;
            font-weight: root.weight;
            wrap: word-wrap;
        }
    }
}

/// The text element showing `text` (the smallest element with it as its label: a row or a
/// button around it may carry the same label).
fn text_element(root: &impl i_slint_backend_testing::ElementRoot, text: &str) -> ElementHandle {
    let mut found: Vec<ElementHandle> = ElementHandle::find_by_accessible_label(root, text)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Text))
        .filter(|e| e.size().height > 0.0)
        .collect();
    found.sort_by(|a, b| a.size().height.total_cmp(&b.size().height));
    found
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no text {text:?} on the screen"))
}

/// Asserts that `text`, drawn by the design at `size` px (× the app's scale) and `weight`, is
/// whole on one line where the app laid it out: at the scale it is drawn at, it fits its width.
fn assert_whole_line(
    root: &impl i_slint_backend_testing::ElementRoot,
    text: &str,
    size: f32,
    weight: i32,
    what: &str,
) {
    let e = text_element(root, text);
    let got = e.size();
    let m = Measure::new().unwrap();
    m.set_text(text.into());
    m.set_weight(weight);
    let at = |px: f32| {
        m.set_size(px);
        (m.get_natural(), m.get_line())
    };
    let (_, line) = at(size);
    assert!(
        got.height <= line + 0.5,
        "{what}: {text:?} is {} px high, more than one line of {line} px: it wraps",
        got.height
    );
    // The size it is drawn at: the smallest whose line is as high as the element (line heights
    // are whole pixels, so a few sizes share one; the smallest gives the text the benefit).
    let (mut lo, mut hi) = (1.0_f32, size);
    while hi - lo > 0.01 {
        let mid = (lo + hi) / 2.0;
        if at(mid).1 >= got.height {
            hi = mid
        } else {
            lo = mid
        }
    }
    let (natural, _) = at(hi);
    assert!(
        natural <= got.width + 0.5,
        "{what}: {text:?} needs {natural} px at the {hi} px it is drawn at, and has {} px: it is cut",
        got.width
    );
}

/// The real wall display's runtime on the example hall's hub, its views in `lang` on a channel.
struct LiveDisplay {
    hub: Option<hallq_tests::HubProcess>,
    _runtime: hallq_display::Runtime,
    views: watch::Receiver<Option<DisplayView>>,
    rt: tokio::runtime::Runtime,
    _hall: Hall,
}

impl LiveDisplay {
    fn start(lang: Lang) -> Self {
        let hall = Hall::with_sections(BrokerKind::Embedded, &example_queue());
        let hub = hall.start_hub();
        let rt = tokio::runtime::Runtime::new().unwrap();
        let (client, _task) = rt.block_on(hall.device("display-main"));
        let (view_tx, views) = watch::channel(None);
        let show = Box::new(move |d: &Display| {
            let _ = view_tx.send(Some(DisplayView::of(
                d,
                lang,
                hallq_ui::app::wall_clock(),
                480,
            )));
        });
        let announce: AnnounceFn = Arc::new(|_, played| played());
        let runtime = {
            let _in = rt.enter();
            hallq_display::Runtime::start(
                Display::new(DisplayTimings::default()),
                client,
                announce,
                show,
            )
        };
        Self {
            hub: Some(hub),
            rt,
            views,
            _runtime: runtime,
            _hall: hall,
        }
    }

    /// The first view `done` accepts, waiting at most 30 s.
    fn until(&mut self, what: &str, done: impl Fn(&DisplayView) -> bool) -> DisplayView {
        let views = &mut self.views;
        self.rt
            .block_on(async {
                tokio::time::timeout(
                    Duration::from_secs(30),
                    views.wait_for(|v| v.as_ref().is_some_and(&done)),
                )
                .await
            })
            .unwrap_or_else(|_| panic!("the display never shows {what}"))
            .unwrap()
            .clone()
            .unwrap()
    }
}

/// `view` drawn by the display's window at `profile`'s size in `lang`; returns the window and
/// the design's scale.
fn window_showing(profile: &str, lang: Lang, view: &DisplayView) -> (dui::DisplayWindow, f32) {
    i_slint_backend_testing::init_no_event_loop();
    let window = dui::DisplayWindow::new().unwrap();
    let (w, h) = profile_screen(profile);
    dui::fit(&window, w, h);
    dui::select_language(&window, lang == Lang::En);
    dui::scroll(&window, false);
    dui::show(&window, view);
    (window, w as f32 / dui::DESIGN_SIZE.0 as f32)
}

/// The wall display, live, at `profile`'s size, showing the example hall's board in `lang`.
fn display_names_fit(profile: &str, lang: Lang) {
    let mut live = LiveDisplay::start(lang);
    let view = live.until("the example hall's five queues", |v| v.queues.len() == 5);
    let (window, scale) = window_showing(profile, lang, &view);
    for q in &view.queues {
        assert_whole_line(&window, &q.name.main, 28.0 * scale, 700, profile);
        if !q.name.second.is_empty() {
            assert_whole_line(&window, &q.name.second, 18.0 * scale, 400, profile);
        }
    }
}

#[test]
fn the_wall_display_shows_the_example_halls_names_whole_at_1080p() {
    display_names_fit("display-1080p", Lang::Zh);
}

#[test]
fn the_wall_display_shows_the_example_halls_names_whole_at_4k() {
    display_names_fit("display-4k", Lang::Zh);
}

// In English the names wrap between words: board.rs.

#[test]
fn the_counter_terminals_transfer_button_keeps_its_word_on_one_line_in_english() {
    use hallq_counter::feed::desk_input;
    use hallq_counter::ui::{self as cui, CounterWindow};
    use hallq_counter::{Desk, DeskView};
    use hallq_proto::{Command, CounterNo, ReplyBody, StaffNo};
    use slint::ComponentHandle as _;

    let hall = Hall::with_sections(BrokerKind::Embedded, &example_queue());
    let _hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (client, _task) = rt.block_on(hall.device("counter-1"));
    let (kiosk, _k) = rt.block_on(hall.device("kiosk-1"));
    for cmd in [
        hallq_tests::ticket("basic"),
        Command::SignIn {
            staff: StaffNo::new("E1001").unwrap(),
            pin: None,
        },
        Command::OpenCounter { counter: None },
    ] {
        let to = if matches!(cmd, Command::IssueTicket(_)) {
            &kiosk
        } else {
            &client
        };
        let r = rt.block_on(to.send(cmd)).unwrap();
        assert!(matches!(r.body, ReplyBody::Ok(_)), "{r:?}");
    }
    // Serving: the transfer row is on the screen.
    for cmd in [Command::CallNext {}, Command::StartService {}] {
        let r = rt.block_on(client.send(cmd)).unwrap();
        assert!(matches!(r.body, ReplyBody::Ok(_)), "{r:?}");
    }

    i_slint_backend_testing::init_no_event_loop();
    let window = CounterWindow::new().unwrap();
    cui::set_language(true);
    let (w, h) = profile_screen("counter-pc");
    window.window().set_size(slint::PhysicalSize::new(w, h));
    let mut desk = Desk::new(CounterNo(1));
    for _ in 0..100 {
        for input in client
            .latest()
            .into_updates()
            .into_iter()
            .filter_map(desk_input)
        {
            desk.handle(input);
        }
        let view = DeskView::of(&desk, hallq_ui::app::wall_clock(), Lang::En);
        cui::show(&window, &view, "10:41", true);
        if window.global::<cui::DeskAdapter>().get_mode() == cui::DeskMode::Serving {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        window.global::<cui::DeskAdapter>().get_mode(),
        cui::DeskMode::Serving
    );
    // Theme.text-button, bold, at the design's 1920×1080.
    assert_whole_line(&window, "Transfer", 48.0, 700, "counter-pc");
}

/// Where a line may break in `text`, as UAX #14 allows for this mix of Chinese and English:
/// between two characters of which one is Chinese, and after a space; never beside U+2060 WORD
/// JOINER, before closing punctuation or after opening punctuation. Returns the unbreakable
/// pieces in order.
fn pieces(text: &str) -> Vec<String> {
    let han = |c: char| matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}');
    let mut out: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let opens = prev.is_some_and(|p| {
            p != '\u{2060}'
                && c != '\u{2060}'
                && !"，、。；：）)".contains(c)
                && !"（(".contains(p)
                && (han(p) || han(c) || p == ' ')
        });
        match out.last_mut() {
            Some(last) if !opens => last.push(c),
            _ => out.push(c.to_string()),
        }
        prev = Some(c);
    }
    out
}

#[test]
fn the_kiosks_self_service_offer_breaks_its_lines_between_words() {
    use hallq_kiosk::ui::{self as kui, KioskWindow};
    use hallq_kiosk::{Action, Kiosk, KioskTimings, KioskView, PrintFn, Screen};
    use hallq_proto::BusinessCode;

    let hall = Hall::with_sections(BrokerKind::Embedded, &example_queue());
    let _hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (client, _task) = rt.block_on(hall.device("kiosk-1"));
    let kiosk = Kiosk::new("kiosk-1-fit", KioskTimings::default());
    let (tx, mut shown) = watch::channel((kiosk.screen(), KioskView::of(&kiosk, String::new())));
    let show = Box::new(move |k: &Kiosk| {
        let _ = tx.send((k.screen(), KioskView::of(k, "09:41".into())));
    });
    let print: PrintFn = Arc::new(|_| Ok(()));
    let runtime = {
        let _in = rt.enter();
        hallq_kiosk::Runtime::start(kiosk, client.clone(), print, show)
    };
    let mut until = |pick: &dyn Fn(&Screen, &KioskView) -> bool| {
        rt.block_on(async {
            tokio::time::timeout(Duration::from_secs(20), shown.wait_for(|(s, v)| pick(s, v)))
                .await
                .expect("the kiosk shows it")
                .unwrap()
                .1
                .clone()
        })
    };
    until(&|_, v| v.services.len() == 5);
    runtime
        .handle
        .touch(Action::Business(BusinessCode::new("basic").unwrap()));
    let view = until(&|s, _| matches!(s, Screen::SelfService { .. }));
    assert!(
        view.offer.contains("手"),
        "the example hall's offer: {view:?}"
    );

    i_slint_backend_testing::init_no_event_loop();
    let window = KioskWindow::new().unwrap();
    let (w, h) = profile_screen("kiosk-portrait-80mm");
    kui::fit(&window, w, h);
    kui::start_in_chinese(&window);
    kui::show(&window, &view);
    let e = text_element(&window, &view.offer);
    let width = e.size().width;
    // The card's text, at its design size (52, bold) on the 1080-wide design: laid out line by
    // line as the text engine does, greedily, checked against the engine's own line count.
    let size = 52.0 * w as f32 / kui::DESIGN_SIZE.0 as f32;
    let m = Measure::new().unwrap();
    m.set_size(size);
    m.set_weight(700);
    let natural = |t: &str| {
        m.set_text(t.trim_end().into());
        m.get_natural()
    };
    let mut lines: Vec<String> = vec![String::new()];
    for piece in pieces(&view.offer) {
        let line = lines.last_mut().unwrap();
        if line.is_empty() || natural(&format!("{line}{piece}")) <= width {
            line.push_str(&piece);
        } else {
            lines.push(piece.trim_start().to_owned());
        }
    }
    m.set_text(view.offer.as_str().into());
    m.set_wrap_width(width);
    let engine_lines = (m.get_wrapped() / m.get_line()).round() as usize;
    assert_eq!(lines.len(), engine_lines, "{lines:?}");
    let shown: Vec<String> = lines.iter().map(|l| l.replace('\u{2060}', "")).collect();
    for word in [
        "话费",
        "充值",
        "账单",
        "查询",
        "自助",
        "终端",
        "手机",
        "营业厅",
        "办理",
        "无需",
        "排队",
    ] {
        assert!(
            shown.iter().any(|l| l.contains(word)),
            "{word:?} is broken across lines: {shown:?}"
        );
    }
}

/// Asserts that `text`, drawn by the design at `size` px and `weight`, is whole where the app
/// laid it out, on one line or wrapped between words: no word is wider than the element, and the
/// element is as high as the text wrapped at its width.
fn assert_whole_wrapped(
    root: &impl i_slint_backend_testing::ElementRoot,
    text: &str,
    size: f32,
    weight: i32,
    what: &str,
) {
    let e = text_element(root, text);
    let got = e.size();
    let m = Measure::new().unwrap();
    m.set_size(size);
    m.set_weight(weight);
    for word in text.split_whitespace() {
        m.set_text(word.into());
        let natural = m.get_natural();
        assert!(
            natural <= got.width + 0.5,
            "{what}: the word {word:?} of {text:?} needs {natural} px and has {} px: it is cut",
            got.width
        );
    }
    m.set_text(text.into());
    m.set_wrap_width(got.width);
    let wrapped = m.get_wrapped();
    assert!(
        got.height + 0.5 >= wrapped,
        "{what}: {text:?} needs {wrapped} px of height wrapped at its {} px, and has {} px: it is cut",
        got.width,
        got.height
    );
}

#[test]
fn the_wall_display_s_hub_away_title_is_whole_in_english() {
    let mut live = LiveDisplay::start(Lang::En);
    live.until("the live board", |v| v.state == DisplayState::Live);
    // The hub stops: with the embedded broker, the display loses its connection.
    if let Some(hub) = live.hub.take() {
        hub.kill9();
    }
    let view = live.until("the hub away", |v| v.state == DisplayState::HubAway);
    let (window, scale) = window_showing("display-1080p", Lang::En, &view);
    // The Away card's title: 110 px, weight 900, on the 1920-wide design.
    assert_whole_wrapped(
        &window,
        "System under maintenance",
        110.0 * scale,
        900,
        "display-1080p",
    );
}

/// Counter 1 of the example hall, signed in and on a break, laid out at the counter PC's
/// 1920×1080 in `english` or Chinese: the names of the queues it serves (four of them) are whole.
fn paused_counter_queue_names_fit(english: bool) {
    use hallq_counter::feed::desk_input;
    use hallq_counter::ui::{self as cui, CounterWindow};
    use hallq_counter::{Desk, DeskView};
    use hallq_proto::{Command, CounterNo, PauseReason, ReplyBody, StaffNo};
    use slint::{ComponentHandle as _, Model as _};

    let hall = Hall::with_sections(BrokerKind::Embedded, &example_queue());
    let _hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (client, _task) = rt.block_on(hall.device("counter-1"));
    for cmd in [
        Command::SignIn {
            staff: StaffNo::new("E1001").unwrap(),
            pin: None,
        },
        Command::OpenCounter { counter: None },
        Command::Pause {
            reason: PauseReason::Break,
            note: None,
        },
    ] {
        let r = rt.block_on(client.send(cmd)).unwrap();
        assert!(matches!(r.body, ReplyBody::Ok(_)), "{r:?}");
    }

    i_slint_backend_testing::init_no_event_loop();
    let window = CounterWindow::new().unwrap();
    cui::set_language(english);
    let lang = if english { Lang::En } else { Lang::Zh };
    let (w, h) = profile_screen("counter-pc");
    window.window().set_size(slint::PhysicalSize::new(w, h));
    let mut desk = Desk::new(CounterNo(1));
    let adapter = || window.global::<cui::DeskAdapter>();
    for _ in 0..100 {
        for input in client
            .latest()
            .into_updates()
            .into_iter()
            .filter_map(desk_input)
        {
            desk.handle(input);
        }
        let view = DeskView::of(&desk, hallq_ui::app::wall_clock(), lang);
        cui::show(&window, &view, "10:13", english);
        if adapter().get_mode() == cui::DeskMode::Paused && adapter().get_queues().row_count() == 4
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(adapter().get_mode(), cui::DeskMode::Paused);
    let names: Vec<String> = adapter()
        .get_queues()
        .iter()
        .map(|q| q.name.to_string())
        .collect();
    assert_eq!(
        names.len(),
        4,
        "counter 1 of the example hall serves four queues"
    );
    // The side card's queue names: 28 px at the design's 1920×1080.
    let what = if english {
        "counter-pc, English"
    } else {
        "counter-pc"
    };
    for name in &names {
        assert_whole_in_pieces(&window, name, 28.0, 400, what);
    }
    // Each name has its own place, one under the other, all above the next card ("Today"): a
    // card too short for its wrapped names draws the last one over what follows (or not at all).
    let mut bottom = 0.0_f32;
    for name in &names {
        let e = text_element(&window, name);
        let (top, height) = (e.absolute_position().y, e.size().height);
        assert!(
            top + 0.5 >= bottom,
            "{what}: {name:?} at {top} px overlaps the queue above it (down to {bottom} px)"
        );
        bottom = top + height;
    }
    let today = text_element(&window, if english { "Today" } else { "今日" });
    assert!(
        bottom <= today.absolute_position().y + 0.5,
        "{what}: the last queue ends at {bottom} px, below the top of \"Today\" at {} px",
        today.absolute_position().y
    );
    // And the complaint button is still on the screen (issue 13 §1.2).
    let label = if english {
        "Register a complaint"
    } else {
        "投诉登记"
    };
    let b = ElementHandle::find_by_accessible_label(&window, label)
        .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
        .unwrap_or_else(|| panic!("{what}: no button {label:?}"));
    let (p, sz) = (b.absolute_position(), b.size());
    assert!(
        p.y >= 0.0 && p.y + sz.height <= h as f32,
        "{what}: {label:?} at {p:?} size {sz:?} is off the {w}×{h} screen"
    );
}

/// As [`assert_whole_wrapped`], for a text that may break where [`pieces`] allows (Chinese
/// breaks between characters, not only at spaces): no piece is wider than the element, and the
/// element is as high as the text wrapped at its width.
fn assert_whole_in_pieces(
    root: &impl i_slint_backend_testing::ElementRoot,
    text: &str,
    size: f32,
    weight: i32,
    what: &str,
) {
    let e = text_element(root, text);
    let got = e.size();
    let m = Measure::new().unwrap();
    m.set_size(size);
    m.set_weight(weight);
    for piece in pieces(text) {
        m.set_text(piece.trim().into());
        let natural = m.get_natural();
        assert!(
            natural <= got.width + 0.5,
            "{what}: {piece:?} of {text:?} needs {natural} px and has {} px: it is cut",
            got.width
        );
    }
    m.set_text(text.into());
    m.set_wrap_width(got.width);
    let wrapped = m.get_wrapped();
    assert!(
        got.height + 0.5 >= wrapped,
        "{what}: {text:?} needs {wrapped} px of height wrapped at its {} px, and has {} px: it is cut",
        got.width,
        got.height
    );
}

#[test]
fn the_paused_counter_shows_the_names_of_its_queues_whole() {
    paused_counter_queue_names_fit(false);
}

#[test]
fn the_paused_counter_shows_the_names_of_its_queues_whole_in_english() {
    paused_counter_queue_names_fit(true);
}
