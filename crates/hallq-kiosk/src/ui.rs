//! The Slint side: the compiled view (`ui/kiosk/kiosk.slint`) and its adapter. [`show`] copies a
//! [`KioskView`] into the `KioskAdapter` global; [`wire`] turns each of the global's callbacks
//! into the controller's [`Action`]. Nothing here decides anything.

use std::rc::Rc;

use hallq_proto::{BusinessCode, Lang, PriorityReason};
use slint::{ComponentHandle, ModelRc, SharedString, VecModel};

use crate::checkin::CheckInBy;
use crate::controller::Action;
use crate::view::{self, KioskView, ScreenKind};

hallq_ui::generated_ui!();

pub use generated::{
    KioskAdapter, KioskScreen, KioskWindow, PrintStatus, Repaint, ServiceRow, Theme,
};

/// Shows `view` in `window`. A new minute on the clock, another language or screen repaints the
/// whole window (`Repaint` in ui/common/widgets.slint, issue 13 §1.1).
pub fn show(window: &KioskWindow, view: &KioskView) {
    let a = window.global::<KioskAdapter>();
    let rare = (a.get_clock(), a.get_english(), a.get_screen());
    if a.get_english() != view.english {
        // Slint's translations are global to the app: every @tr text follows.
        let lang = if view.english { "" } else { "zh" };
        if let Err(e) = slint::select_bundled_translation(lang) {
            tracing::warn!(error = ?e, "no bundled translation for the kiosk");
        }
    }
    a.set_english(view.english);
    a.set_screen(screen(view.screen));
    a.set_hall_name(view.hall_name.as_str().into());
    a.set_clock(view.clock.as_str().into());
    a.set_services(ModelRc::new(VecModel::from(
        view.services
            .iter()
            .map(|s| ServiceRow {
                code: s.code.as_str().into(),
                name: s.name.as_str().into(),
                title: s.title.as_str().into(),
                detail: s.detail.as_str().into(),
                prefix: s.prefix.as_str().into(),
                waiting: count(s.waiting),
                wait_min: minutes(s.wait_min),
            })
            .collect::<Vec<_>>(),
    )));
    a.set_business(view.business.as_str().into());
    a.set_offer(view.offer.as_str().into());
    a.set_code_keyed(i32::try_from(view.code_keyed).unwrap_or(i32::MAX));
    a.set_code_refused(view.code_refused);
    a.set_phone_shown(view.phone_shown.as_str().into());
    a.set_phone_complete(view.phone_complete);
    a.set_notice_number(view.notice_number.as_str().into());
    a.set_problem(view.problem.as_str().into());
    a.set_hours_open(view.hours_open.as_str().into());
    a.set_hours_close(view.hours_close.as_str().into());
    a.set_without_number(view.without_number);
    a.set_booking(view.booking);
    a.set_checkin_by_number(view.checkin_by_number);
    a.set_checkin_keyed(view.checkin_keyed.as_str().into());
    a.set_checkin_complete(view.checkin_complete);
    a.set_checkin_again(view.checkin_again);
    a.set_booked_note(view.booked_note.as_str().into());
    a.set_booked_late(view.booked_late);
    if let Some(t) = &view.ticket {
        a.set_ticket_number(t.number.as_str().into());
        a.set_ticket_business(t.business.as_str().into());
        a.set_ticket_priority(t.priority.as_str().into());
        a.set_people_ahead(count(t.people_ahead));
        a.set_wait_min(minutes(t.wait_min));
        a.set_documents(ModelRc::new(VecModel::from(
            t.documents
                .iter()
                .map(|d| SharedString::from(d.as_str()))
                .collect::<Vec<_>>(),
        )));
        let qr = t.page_url.as_deref().and_then(qr_image);
        a.set_has_page_qr(qr.is_some());
        a.set_page_qr(qr.unwrap_or_default());
        a.set_print(match t.print {
            view::PrintStatus::Printing => PrintStatus::Printing,
            view::PrintStatus::Printed => PrintStatus::Printed,
            view::PrintStatus::Failed => PrintStatus::Failed,
        });
    }
    if rare != (a.get_clock(), a.get_english(), a.get_screen()) {
        let r = window.global::<Repaint>();
        r.set_phase(!r.get_phase());
    }
}

/// The QR code of `data` as an image, one pixel per module with a 4-module quiet zone (the
/// screen scales it up with pixelated rendering, so the modules stay sharp).
fn qr_image(data: &str) -> Option<slint::Image> {
    let (width, dark) = hallq_print::render::qr_modules(data)?;
    let side = width + 8;
    let side32 = u32::try_from(side).ok()?;
    let mut buffer = slint::SharedPixelBuffer::<slint::Rgb8Pixel>::new(side32, side32);
    let white = slint::Rgb8Pixel::new(255, 255, 255);
    let black = slint::Rgb8Pixel::new(0, 0, 0);
    for (i, px) in buffer.make_mut_slice().iter_mut().enumerate() {
        let (x, y) = (i % side, i / side);
        let on =
            x >= 4 && y >= 4 && x < width + 4 && y < width + 4 && dark[(y - 4) * width + (x - 4)];
        *px = if on { black } else { white };
    }
    Some(slint::Image::from_rgb8(buffer))
}

/// The screen the layout is drawn for, in pixels: the standing kiosk's portrait 1080×1920.
pub const DESIGN_SIZE: (u32, u32) = (1080, 1920);

/// Sizes the window to a `width` × `height` screen (from the kiosk's firmware profile) and
/// scales the layout to fill it: every length in the view is in units of the design screen.
pub fn fit(window: &KioskWindow, width: u32, height: u32) {
    let scale = (width as f32 / DESIGN_SIZE.0 as f32).min(height as f32 / DESIGN_SIZE.1 as f32);
    window.global::<Theme>().set_scale(scale);
    window
        .window()
        .set_size(slint::LogicalSize::new(width as f32, height as f32));
}

/// Selects the kiosk's first language, Chinese. Call it once the window exists.
pub fn start_in_chinese(window: &KioskWindow) {
    if let Err(e) = slint::select_bundled_translation("zh") {
        tracing::warn!(error = ?e, "no bundled Chinese translation for the kiosk");
    }
    window.global::<KioskAdapter>().set_english(false);
}

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Minutes for the view: -1 for "no counter serves it now".
fn minutes(m: Option<u32>) -> i32 {
    m.map_or(-1, count)
}

fn screen(kind: ScreenKind) -> KioskScreen {
    match kind {
        ScreenKind::Welcome => KioskScreen::Welcome,
        ScreenKind::SelfService => KioskScreen::SelfService,
        ScreenKind::SelfServiceTaken => KioskScreen::SelfServiceTaken,
        ScreenKind::Priority => KioskScreen::Priority,
        ScreenKind::GreenCode => KioskScreen::GreenCode,
        ScreenKind::Phone => KioskScreen::Phone,
        ScreenKind::Issuing => KioskScreen::Issuing,
        ScreenKind::Issued => KioskScreen::Issued,
        ScreenKind::Refused => KioskScreen::Refused,
        ScreenKind::NoAnswer => KioskScreen::NoAnswer,
        ScreenKind::HubAway => KioskScreen::HubAway,
        ScreenKind::NotIssuing => KioskScreen::NotIssuing,
        ScreenKind::Maintenance => KioskScreen::Maintenance,
        ScreenKind::CheckIn => KioskScreen::CheckIn,
        ScreenKind::CheckingIn => KioskScreen::CheckingIn,
        ScreenKind::CheckInRefused => KioskScreen::CheckInRefused,
    }
}

/// Sends every touch on `window` to `act` as the controller's action.
pub fn wire(window: &KioskWindow, act: impl Fn(Action) + 'static) {
    let act = Rc::new(act);
    let a = window.global::<KioskAdapter>();
    let on = |action: Action| {
        let act = Rc::clone(&act);
        move || act(action.clone())
    };
    {
        let act = Rc::clone(&act);
        a.on_choose(move |code| match BusinessCode::new(code.as_str()) {
            Ok(code) => act(Action::Business(code)),
            Err(e) => tracing::error!(error = %e, "the view sent a bad business code"),
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_care(move |reason| {
            let reason = match reason.as_str() {
                "elderly" => PriorityReason::Elderly,
                "disabled" => PriorityReason::Disabled,
                "pregnant" => PriorityReason::Pregnant,
                other => return tracing::error!(other, "the view sent an unknown priority reason"),
            };
            act(Action::Care(reason));
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_key(move |key| {
            if let Some(c) = key.chars().next() {
                act(Action::Key(c));
            }
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_language(move |english| {
            act(Action::Language(if english { Lang::En } else { Lang::Zh }));
        });
    }
    a.on_use_self_service(on(Action::UseSelfService));
    a.on_ticket_instead(on(Action::TicketInstead));
    a.on_ordinary(on(Action::Ordinary));
    a.on_green_channel(on(Action::GreenChannel));
    a.on_erase(on(Action::Erase));
    a.on_confirm(on(Action::Confirm));
    a.on_skip(on(Action::Skip));
    a.on_back(on(Action::Back));
    a.on_home(on(Action::Home));
    a.on_reprint(on(Action::Reprint));
    a.on_check_in(on(Action::CheckIn));
    {
        let act = Rc::clone(&act);
        a.on_check_in_by(move |number| {
            act(Action::CheckInBy(if number {
                CheckInBy::Number
            } else {
                CheckInBy::Code
            }));
        });
    }
}
