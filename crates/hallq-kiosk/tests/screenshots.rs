//! Every kiosk screen, in Chinese and in English, drawn by Slint's software renderer at the
//! profile's 1080×1920 with no X server. Each picture must hold a screen's worth of text and
//! buttons, and Chinese must be drawn as much as English (without a CJK font Slint draws
//! nothing where the Chinese should be, and the picture would be nearly blank).
//!
//! A quick check without a hub, from the sample hall: the pictures go to a temporary folder. The
//! ones in docs/screenshots/ come from the live kiosk against a running hub
//! (tests/tests/kiosk_screens.rs in the hallq-tests package).

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::PathBuf;

use hallq_kiosk::checkin::{self, CheckInBy};
use hallq_kiosk::controller::{Action, Input, IssueFailure};
use hallq_kiosk::ui::{self, KioskWindow};
use hallq_kiosk::{Kiosk, KioskTimings, KioskView, sample};
use hallq_proto::reply::ReplyResult;
use hallq_proto::{
    BusinessCode, ErrorCode, ErrorInfo, Lang, LocalText, Priority, PriorityReason, Timestamp,
};
use hallq_ui::{Picture, Snapshotter};
use slint::ComponentHandle as _;

const WIDTH: u32 = 1080;
const HEIGHT: u32 = 1920;

fn ready(lang: Lang) -> Kiosk {
    let mut k = Kiosk::new("shots", KioskTimings::default());
    k.handle(Input::HubReachable(true), 0);
    k.handle(Input::Services(sample::services()), 0);
    k.handle(Input::Action(Action::Language(lang)), 0);
    k
}

fn act(k: &mut Kiosk, actions: &[Action]) {
    for a in actions {
        k.handle(Input::Action(a.clone()), 1);
    }
}

fn business(code: &str) -> Action {
    Action::Business(BusinessCode::new(code).unwrap())
}

/// Each screen of the kiosk, named, in `lang`.
fn screens(lang: Lang) -> Vec<(&'static str, Kiosk)> {
    let mut out = Vec::new();
    out.push(("welcome", ready(lang)));

    let mut k = ready(lang);
    act(&mut k, &[business("basic")]);
    out.push(("self-service-offer", k));

    let mut k = ready(lang);
    act(&mut k, &[business("basic"), Action::UseSelfService]);
    out.push(("self-service-taken", k));

    let mut k = ready(lang);
    act(&mut k, &[business("complex")]);
    out.push(("priority", k));

    let mut k = ready(lang);
    act(&mut k, &[business("complex"), Action::GreenChannel]);
    for c in "VIP2026".chars() {
        act(&mut k, &[Action::Key(c)]);
    }
    out.push(("green-channel-code", k));

    let mut k = ready(lang);
    act(
        &mut k,
        &[business("complex"), Action::Care(PriorityReason::Elderly)],
    );
    for c in "1381234".chars() {
        act(&mut k, &[Action::Key(c)]);
    }
    out.push(("mobile-number", k));

    let mut k = ready(lang);
    act(
        &mut k,
        &[business("complex"), Action::Ordinary, Action::Skip],
    );
    out.push(("issuing", k));

    let mut k = ready(lang);
    act(
        &mut k,
        &[
            business("complex"),
            Action::Care(PriorityReason::Elderly),
            Action::Skip,
        ],
    );
    k.handle(Input::Issued(Ok(sample::ticket(2, Priority::Care))), 2);
    k.handle(Input::Printed { result: Ok(()) }, 3);
    out.push(("ticket", k));

    let mut k = ready(lang);
    act(
        &mut k,
        &[business("repair"), Action::Ordinary, Action::Skip],
    );
    k.handle(Input::Issued(Ok(sample::ticket(3, Priority::Ordinary))), 2);
    k.handle(
        Input::Printed {
            result: Err("paper out".into()),
        },
        3,
    );
    out.push(("print-failed", k));

    let mut k = ready(lang);
    act(
        &mut k,
        &[business("consult"), Action::Ordinary, Action::Skip],
    );
    k.handle(
        Input::Issued(Err(IssueFailure::Refused(ErrorCode::HallClosed))),
        2,
    );
    out.push(("refused", k));

    let mut k = ready(lang);
    act(
        &mut k,
        &[business("consult"), Action::Ordinary, Action::Skip],
    );
    k.handle(
        Input::Issued(Err(IssueFailure::Refused(ErrorCode::PhoneLimit))),
        2,
    );
    out.push(("refused-phone-limit", k));

    let mut k = ready(lang);
    act(
        &mut k,
        &[business("consult"), Action::Ordinary, Action::Skip],
    );
    k.handle(Input::Issued(Err(IssueFailure::NoAnswer)), 2);
    out.push(("no-answer", k));

    let mut k = ready(lang);
    k.handle(Input::HubReachable(false), 2);
    out.push(("hub-away", k));

    let mut k = ready(lang);
    let mut closed = sample::services();
    closed.open = false;
    closed.rev = 2;
    k.handle(Input::Services(closed), 2);
    out.push(("not-issuing", k));

    // A hall that takes appointments: check-in.
    let booking = |lang: Lang| {
        let mut k = ready(lang);
        let mut s = sample::services();
        s.booking = true;
        s.rev = 2;
        k.handle(Input::Services(s), 0);
        k
    };
    out.push(("welcome-booking", booking(lang)));
    let mut k = booking(lang);
    act(&mut k, &[Action::CheckIn]);
    "7KQ2M9"
        .chars()
        .for_each(|c| act(&mut k, &[Action::Key(c)]));
    out.push(("check-in-code", k));
    let mut k = booking(lang);
    act(
        &mut k,
        &[Action::CheckIn, Action::CheckInBy(CheckInBy::Number)],
    );
    "1390000000"
        .chars()
        .for_each(|c| act(&mut k, &[Action::Key(c)]));
    out.push(("check-in-number", k));
    let sent = |lang: Lang| {
        let mut k = booking(lang);
        act(&mut k, &[Action::CheckIn]);
        "7KQ2M9XD"
            .chars()
            .for_each(|c| act(&mut k, &[Action::Key(c)]));
        act(&mut k, &[Action::Confirm]);
        k
    };
    out.push(("checking-in", sent(lang)));
    let mut k = sent(lang);
    k.handle(
        Input::CheckedIn(checkin::answer(Some(Ok(ReplyResult::CheckedIn {
            booking: "7KQ2M9XD".into(),
            slot_start_ms: Timestamp(0),
            late: true,
            note: LocalText::new(
                "您已超过预约时间（10:30 时段）15 分钟以上，按现场取号排队",
                "You are more than 15 minutes late for your 10:30 appointment: you queue as a walk-in.",
            ),
            ticket: sample::ticket(0, Priority::Ordinary),
        })))),
        2,
    );
    out.push(("checked-in-late", k));
    let mut k = sent(lang);
    let mut early = ErrorInfo::new(ErrorCode::BookingTooEarly);
    early.zh = "签到时间未到，请于 10:00 后签到".into();
    early.en = "Too early to check in: check-in opens at 10:00.".into();
    k.handle(Input::CheckedIn(checkin::answer(Some(Err(early)))), 2);
    out.push(("check-in-refused", k));
    out
}

fn out_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hallq-kiosk-shots-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn take(shots: &Snapshotter, window: &KioskWindow, kiosk: &Kiosk) -> Picture {
    ui::show(window, &KioskView::of(kiosk, "09:41".into()));
    shots.take(WIDTH, HEIGHT)
}

#[test]
fn every_screen_renders_in_chinese_and_english() {
    let shots = Snapshotter::install().unwrap();
    let window = KioskWindow::new().unwrap();
    window
        .window()
        .set_size(slint::PhysicalSize::new(WIDTH, HEIGHT));
    ui::start_in_chinese(&window);
    let dir = out_dir();
    let zh = screens(Lang::Zh);
    let en = screens(Lang::En);
    assert_eq!(zh.len(), 20, "one picture per screen");
    for ((name, zh_kiosk), (_, en_kiosk)) in zh.iter().zip(&en) {
        let zh_pic = take(&shots, &window, zh_kiosk);
        let en_pic = take(&shots, &window, en_kiosk);
        zh_pic
            .save(&dir.join(format!("kiosk-{name}-zh.png")))
            .unwrap();
        en_pic
            .save(&dir.join(format!("kiosk-{name}-en.png")))
            .unwrap();
        let (zi, ei) = (zh_pic.inked(), en_pic.inked());
        // A header alone is 1080×160; the sparest screen ("issuing…", two lines) adds ~14,000
        // pixels of text to it.
        let header = (WIDTH * 160) as usize;
        assert!(zi > header + 8_000, "{name} (zh) is nearly blank: {zi}");
        assert!(ei > header + 8_000, "{name} (en) is nearly blank: {ei}");
        assert!(
            zi * 3 > ei,
            "{name}: Chinese drew {zi} pixels against English {ei}: is a CJK font installed?"
        );
        assert!(
            zh_pic.differing(&en_pic) > 5_000,
            "{name}: the English screen looks like the Chinese one"
        );
    }
}

#[test]
fn the_compact_kiosk_draws_the_same_layout_scaled_to_its_screen() {
    let (w, h) = (800, 1280);
    let shots = Snapshotter::install().unwrap();
    let window = KioskWindow::new().unwrap();
    ui::fit(&window, w, h);
    window.window().set_size(slint::PhysicalSize::new(w, h));
    ui::start_in_chinese(&window);
    let dir = out_dir();
    for (name, kiosk) in screens(Lang::Zh)
        .into_iter()
        .filter(|(n, _)| ["welcome", "ticket"].contains(n))
    {
        ui::show(&window, &KioskView::of(&kiosk, "09:41".into()));
        let pic = shots.take(w, h);
        pic.save(&dir.join(format!("kiosk-800x1280-{name}-zh.png")))
            .unwrap();
        // The bottom fifth holds the welcome screen's priority note and the ticket's "done"
        // button: drawn, not cut off below the screen.
        let row = (w * 3) as usize;
        let bottom = &pic.rgb[row * (h as usize * 4 / 5)..];
        let page = [0xf4, 0xf6, 0xf9];
        let inked = bottom.chunks_exact(3).filter(|p| *p != page).count();
        assert!(
            inked > 10_000,
            "{name}: the bottom of the screen is empty ({inked})"
        );
    }
}
