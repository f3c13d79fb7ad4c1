//! The Slint side: the compiled views (`ui/counter/`) and their adapters. [`show`] copies a
//! [`DeskView`] into `DeskAdapter`; [`wire`] turns the global's callbacks into the controller's
//! [`Action`]s. The evaluator pad has its own pair, [`show_pad`] and [`wire_pad`].

use std::rc::Rc;

use hallq_proto::{
    BusinessCode, ComplaintCategory, CounterNo, Lang, PauseReason, Score, ServiceResult,
    TransferTarget,
};
use slint::{ComponentHandle, ModelRc, VecModel};

use crate::controller::Action;
use crate::view::{DeskView, Limit, Mode};

hallq_ui::generated_ui!();

pub use generated::{
    AnytimeRow, CallbackRow, CaseRow, CheckRow, CounterRow, CounterWindow, DeskAdapter, DeskMode,
    DeviceRow, DocumentRow, DueRow, EvaluatorAdapter, EvaluatorWindow, FixRow, FloorQueueRow,
    GreeterAdapter, GreeterWindow, InspectAdapter, LimitLevel, NamedRow, PadMode, QueueRow,
    Repaint, SupervisorAdapter, SupervisorWindow, Theme, UndeliveredRow,
};

/// The language the views show, set through Slint's bundled translations.
pub fn set_language(english: bool) {
    if let Err(e) = slint::select_bundled_translation(if english { "" } else { "zh" }) {
        tracing::warn!(error = ?e, "no bundled translation for the counter");
    }
}

/// Minutes and seconds, `mm:ss` (hours folded into minutes: a service is not a day long).
pub fn mmss(secs: i64) -> String {
    let secs = secs.max(0);
    format!("{:02}:{:02}", secs / 60, secs % 60)
}

/// Shows `view` in `window`.
pub fn show(window: &CounterWindow, view: &DeskView, clock: &str, english: bool) {
    let a = window.global::<DeskAdapter>();
    // A new minute on the clock, another language or mode repaints the whole window (`Repaint`
    // in ui/common/widgets.slint, issue 13 §1.1).
    let rare = (a.get_clock(), a.get_english(), a.get_mode());
    // The `@tr` labels change language here, with the texts the view brings in that language
    // (the counter's name, the queues' names): one frame shows the whole switch (issue 13 §1.1).
    if a.get_english() != english {
        set_language(english);
    }
    a.set_english(english);
    a.set_mode(match view.mode {
        Mode::Offline => DeskMode::Offline,
        Mode::SignedOut => DeskMode::SignedOut,
        Mode::Closed => DeskMode::Closed,
        Mode::Idle => DeskMode::Idle,
        Mode::Paused => DeskMode::Paused,
        Mode::Calling => DeskMode::Calling,
        Mode::Serving => DeskMode::Serving,
    });
    a.set_counter_name(view.counter_name.as_str().into());
    a.set_staff(view.staff.as_str().into());
    a.set_clock(clock.into());
    a.set_number(view.number.as_str().into());
    a.set_business(view.business.as_str().into());
    a.set_priority(view.priority.as_str().into());
    a.set_recalls(int(view.recalls));
    a.set_note(view.note.as_str().into());
    a.set_elapsed(mmss(view.elapsed_secs).into());
    a.set_limit_min(int(view.limit_min));
    a.set_limit(match view.limit {
        Limit::Fine => LimitLevel::Fine,
        Limit::Near => LimitLevel::Near,
        Limit::Over => LimitLevel::Over,
    });
    a.set_back_office(view.back_office);
    a.set_pause_reason(view.pause_reason.as_str().into());
    // The names wrap on the side card: between words (`keep_words`), never inside one.
    let names: Vec<String> = view
        .queues
        .iter()
        .map(|q| crate::words::keep_words(&q.name))
        .collect();
    a.set_queues(rows(
        view.queues
            .iter()
            .zip(&names)
            .map(|(q, name)| (q.code.as_str(), name.as_str(), q.waiting)),
    ));
    a.set_waiting_total(int(view.waiting_total));
    a.set_served_today(int(view.served_today));
    match &view.clerk {
        Some(c) => {
            a.set_clerk_served(int(c.served));
            a.set_clerk_avg(c.avg_handling.as_str().into());
            a.set_clerk_within(c.within_limit.as_str().into());
            a.set_clerk_satisfied(c.satisfied.as_str().into());
        }
        None => a.set_clerk_served(-1),
    }
    a.set_busy(view.busy);
    a.set_problem(view.problem.as_str().into());
    a.set_info(view.info.as_str().into());
    a.set_awaiting_rating(view.awaiting_rating.as_str().into());
    a.set_cases(ModelRc::new(VecModel::from(
        view.cases
            .iter()
            .map(|c| CaseRow {
                id: c.complaint.as_str().into(),
                text: c.text.as_str().into(),
                overdue: c.overdue,
                contacted: c.contacted,
            })
            .collect::<Vec<_>>(),
    )));
    show_documents(&a, &view.number, &view.documents);
    a.set_businesses_names(ModelRc::new(VecModel::from(
        view.businesses
            .iter()
            .map(|(_, name)| slint::SharedString::from(name.as_str()))
            .collect::<Vec<_>>(),
    )));
    a.set_businesses(rows(
        view.businesses
            .iter()
            .map(|(code, name)| (code.as_str(), name.as_str(), 0)),
    ));
    if rare != (a.get_clock(), a.get_english(), a.get_mode()) {
        let r = window.global::<Repaint>();
        r.set_phase(!r.get_phase());
    }
}

/// The served ticket's documents as boxes: the same ticket keeps the clerk's ticks, whatever
/// the language (the view holds them until the finish; the desk knows only the finish's
/// positions); another ticket starts unticked.
fn show_documents(a: &DeskAdapter<'_>, ticket: &str, names: &[String]) {
    use slint::Model as _;
    let shown = a.get_documents();
    let kept: Vec<bool> = if a.get_documents_ticket() == ticket && shown.row_count() == names.len()
    {
        shown.iter().map(|row| row.ticked).collect()
    } else {
        vec![false; names.len()]
    };
    let same = shown.row_count() == names.len()
        && shown
            .iter()
            .zip(names)
            .zip(&kept)
            .all(|((row, name), &t)| row.name.as_str() == name && row.ticked == t);
    a.set_documents_ticket(ticket.into());
    if !same {
        a.set_documents(ModelRc::new(VecModel::from(
            names
                .iter()
                .zip(kept)
                .map(|(n, ticked)| DocumentRow {
                    name: n.as_str().into(),
                    ticked,
                })
                .collect::<Vec<_>>(),
        )));
    }
}

/// The positions of the documents ticked, as `finish`'s `missing` names them.
pub fn ticked_documents(window: &CounterWindow) -> Vec<u8> {
    use slint::Model as _;
    window
        .global::<DeskAdapter>()
        .get_documents()
        .iter()
        .enumerate()
        .filter(|(_, row)| row.ticked)
        .filter_map(|(i, _)| u8::try_from(i).ok())
        .collect()
}

fn rows<'a>(items: impl Iterator<Item = (&'a str, &'a str, u32)>) -> ModelRc<QueueRow> {
    ModelRc::new(VecModel::from(
        items
            .map(|(code, name, waiting)| QueueRow {
                code: code.into(),
                name: name.into(),
                waiting: int(waiting),
            })
            .collect::<Vec<_>>(),
    ))
}

fn int(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Parses a serde name the view sends (`"needs_documents"`) into one of the contract's enums,
/// through the enum's own `Deserialize`: a new variant needs no change here.
fn named<T: serde::de::DeserializeOwned>(name: &str) -> Option<T> {
    T::deserialize(serde::de::value::StrDeserializer::<serde::de::value::Error>::new(name)).ok()
}

/// The screen the terminal's layout is drawn for, in pixels: the counter PC's 1920×1080.
pub const DESIGN_SIZE: (u32, u32) = (1920, 1080);

/// Sizes the window to `width` × `height` pixels and scales the layout to fill it (every length
/// in the view is in units of the design screen), as the display and the kiosk do.
pub fn fit(window: &CounterWindow, width: u32, height: u32) {
    let scale = (width as f32 / DESIGN_SIZE.0 as f32).min(height as f32 / DESIGN_SIZE.1 as f32);
    window.global::<Theme>().set_scale(scale);
    window
        .window()
        .set_size(slint::LogicalSize::new(width as f32, height as f32));
}

/// Sends every press on `window` to `act`; `language` is told when the clerk switches.
pub fn wire(
    window: &CounterWindow,
    act: impl Fn(Action) + 'static,
    language: impl Fn(bool) + 'static,
) {
    let act = Rc::new(act);
    let a = window.global::<DeskAdapter>();
    let on = |action: Action| {
        let act = Rc::clone(&act);
        move || act(action.clone())
    };
    {
        let act = Rc::clone(&act);
        a.on_sign_in(move |staff, pin| {
            act(Action::SignIn {
                staff: staff.to_string(),
                pin: hallq_proto::command::Pin(pin.to_string()),
            });
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_pause(move |reason| {
            if let Some(r) = named::<PauseReason>(&reason) {
                act(Action::Pause(r));
            }
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_call_number(move |n| act(Action::CallNumber(n.to_string())));
    }
    {
        let act = Rc::clone(&act);
        a.on_back_office_changed(move |waiting| act(Action::BackOffice(waiting)));
    }
    {
        let act = Rc::clone(&act);
        a.on_finish(move |result| {
            if let Some(r) = named::<ServiceResult>(&result) {
                act(Action::Finish(r));
            }
        });
    }
    {
        let weak = window.as_weak();
        a.on_toggle_document(move |i| {
            use slint::Model as _;
            let Some(w) = weak.upgrade() else { return };
            let docs = w.global::<DeskAdapter>().get_documents();
            let Ok(i) = usize::try_from(i) else { return };
            if let Some(mut row) = docs.row_data(i) {
                row.ticked = !row.ticked;
                docs.set_row_data(i, row);
            }
        });
    }
    {
        let act = Rc::clone(&act);
        let weak = window.as_weak();
        a.on_finish_missing(move || {
            if let Some(w) = weak.upgrade() {
                act(Action::FinishMissing(ticked_documents(&w)));
            }
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_transfer(move |code, note| {
            let to = match code.strip_prefix("counter:") {
                Some(n) => n
                    .parse()
                    .ok()
                    .map(|n| TransferTarget::Counter(CounterNo(n))),
                None => BusinessCode::new(code.as_str())
                    .ok()
                    .map(TransferTarget::Business),
            };
            if let Some(to) = to {
                act(Action::Transfer {
                    to,
                    note: note.to_string(),
                });
            }
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_complaint(move |category, summary, contact| {
            if let Some(category) = named::<ComplaintCategory>(&category) {
                act(Action::Complaint {
                    category,
                    summary: summary.to_string(),
                    contact: crate::controller::TypedNumber(contact.to_string()),
                });
            }
        });
    }
    a.on_language(language);
    a.on_sign_out(on(Action::SignOut));
    a.on_open(on(Action::Open));
    a.on_close(on(Action::Close));
    a.on_resume(on(Action::Resume));
    a.on_call_next(on(Action::CallNext));
    a.on_recall(on(Action::Recall));
    a.on_no_show(on(Action::NoShow));
    a.on_start(on(Action::Start));
    a.on_dismiss(on(Action::Dismiss));
}

/// What the evaluator pad shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pad {
    /// Nothing to rate.
    Idle,
    /// Asking the customer of this number.
    Asking,
    /// Thanking for the rating just given.
    Thanks,
}

/// Shows the pad.
pub fn show_pad(window: &EvaluatorWindow, pad: Pad, number: &str, counter_name: &str) {
    let a = window.global::<EvaluatorAdapter>();
    a.set_mode(match pad {
        Pad::Idle => PadMode::Idle,
        Pad::Asking => PadMode::Asking,
        Pad::Thanks => PadMode::Thanks,
    });
    a.set_number(number.into());
    a.set_counter_name(counter_name.into());
}

/// Sends each key pressed on the pad to `rate`.
pub fn wire_pad(window: &EvaluatorWindow, rate: impl Fn(Score) + 'static) {
    window.global::<EvaluatorAdapter>().on_rate(move |name| {
        if let Some(score) = named::<Score>(&name) {
            rate(score);
        }
    });
}

/// Shows the greeter's handheld: `businesses` as (code, name), the business chosen, the visit,
/// and the last answer (a problem in red).
pub fn show_greeter(
    window: &GreeterWindow,
    g: &crate::floor::Greeter,
    businesses: &[(String, String)],
    now: hallq_proto::Timestamp,
    lang: Lang,
) {
    let a = window.global::<GreeterAdapter>();
    let name = |code: &BusinessCode| {
        businesses
            .iter()
            .find(|(c, _)| c == code.as_str())
            .map_or_else(|| code.to_string(), |(_, n)| n.clone())
    };
    // Call-backs are made between visitors: the list stays out of the way of the one in front.
    let owed = if g.visit.is_none() {
        g.callbacks(now, lang, name)
    } else {
        Vec::new()
    };
    a.set_callbacks(callback_rows(owed));
    a.set_businesses(named_rows(
        businesses.iter().map(|(c, n)| (c.as_str(), n.as_str())),
    ));
    a.set_business(
        g.business
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
            .into(),
    );
    a.set_visit(
        g.visit
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
            .into(),
    );
    a.set_busy(g.in_flight);
    let (last, problem) = last_line(g.last.as_ref(), lang, |number| {
        if number.is_empty() {
            match lang {
                Lang::Zh => "已记录".to_owned(),
                Lang::En => "Recorded".to_owned(),
            }
        } else {
            match lang {
                Lang::Zh => format!("已取号 {number}"),
                Lang::En => format!("Ticket {number} issued"),
            }
        }
    });
    // A check-in's answer in the hub's own words (the note; too early: when check-in opens).
    let (last, problem) = g.check_in_line(lang).unwrap_or((last, problem));
    // A complaint's answer, or its receipt not printed (crate::complaint).
    let (last, problem) = g.complaint_line(lang).unwrap_or((last, problem));
    a.set_last(last.into());
    a.set_last_is_problem(problem);
}

/// Shows the hall's value tiers, `(level, name)`, on the greeter's handheld, with the one set
/// for the visitor.
pub fn show_tiers(window: &GreeterWindow, tiers: &[(u8, String)], chosen: Option<u8>) {
    let a = window.global::<GreeterAdapter>();
    let levels: Vec<String> = tiers.iter().map(|(l, _)| l.to_string()).collect();
    a.set_tiers(named_rows(
        levels
            .iter()
            .zip(tiers)
            .map(|(l, (_, n))| (l.as_str(), n.as_str())),
    ));
    a.set_tier(chosen.map(|l| l.to_string()).unwrap_or_default().into());
}

/// Sends the greeter's presses to `act`.
pub fn wire_greeter(window: &GreeterWindow, act: impl Fn(crate::floor::GreeterPress) + 'static) {
    use crate::floor::{DoorTouch, GreeterPress};
    let act = Rc::new(act);
    let a = window.global::<GreeterAdapter>();
    {
        let act = Rc::clone(&act);
        a.on_check_in(move |keyed| act(GreeterPress::CheckIn(keyed.to_string())));
    }
    {
        let act = Rc::clone(&act);
        a.on_complaint(move |category, summary, contact| {
            if let Some(category) = named::<ComplaintCategory>(&category) {
                act(GreeterPress::Complaint(
                    category,
                    summary.to_string(),
                    crate::controller::TypedNumber(contact.to_string()),
                ));
            }
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_choose(move |code| {
            if let Ok(b) = BusinessCode::new(code.as_str()) {
                act(GreeterPress::Choose(b));
            }
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_touch(move |what| {
            let touch = match what.as_str() {
                "wandering" => DoorTouch::Wandering,
                "experience" => DoorTouch::ProductExperience,
                "consultation-resolved" => DoorTouch::Consultation { resolved: true },
                "consultation-open" => DoorTouch::Consultation { resolved: false },
                "precheck-complete" => DoorTouch::DocumentPrecheck { complete: true },
                "precheck-missing" => DoorTouch::DocumentPrecheck { complete: false },
                other => return tracing::error!(other, "the view sent an unknown touchpoint"),
            };
            act(GreeterPress::Touch(touch));
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_choose_tier(move |level| act(GreeterPress::Tier(level.parse().ok())));
    }
    {
        let act = Rc::clone(&act);
        a.on_ticket(move |care| {
            let care = match care.as_str() {
                "elderly" => Some(hallq_proto::PriorityReason::Elderly),
                "disabled" => Some(hallq_proto::PriorityReason::Disabled),
                "pregnant" => Some(hallq_proto::PriorityReason::Pregnant),
                _ => None,
            };
            act(GreeterPress::Ticket(care));
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_called_back(move |visit| {
            if let Ok(visit) = hallq_proto::VisitId::new(visit.as_str()) {
                act(GreeterPress::CalledBack(visit));
            }
        });
    }
    a.on_next_visitor(move || act(GreeterPress::NextVisitor));
}

/// Shows the supervisor's console.
pub fn show_supervisor(
    window: &SupervisorWindow,
    s: &crate::floor::Supervisor,
    now: hallq_proto::Timestamp,
    lang: Lang,
) {
    let a = window.global::<SupervisorAdapter>();
    a.set_undelivered(ModelRc::new(VecModel::from(
        s.undelivered(lang)
            .into_iter()
            .map(|u| UndeliveredRow {
                id: u.complaint.into(),
                text: u.text.into(),
                resend: u.resend,
            })
            .collect::<Vec<_>>(),
    )));
    a.set_cases(ModelRc::new(VecModel::from(
        s.cases(now, lang)
            .into_iter()
            .map(|c| CaseRow {
                id: c.complaint.into(),
                text: c.text.into(),
                overdue: c.overdue,
                contacted: c.contacted,
            })
            .collect::<Vec<_>>(),
    )));
    a.set_counters(ModelRc::new(VecModel::from(
        s.counters()
            .into_iter()
            .map(|c| CounterRow {
                number: i32::from(c.counter.0),
                name: c.name.get(lang).into(),
                open: c.open,
                staff: c.staff.unwrap_or_default().into(),
                online: c.online,
                doing: c.doing.get(lang).into(),
            })
            .collect::<Vec<_>>(),
    )));
    a.set_queues(ModelRc::new(VecModel::from(
        s.queues()
            .into_iter()
            .map(|q| FloorQueueRow {
                name: crate::words::keep_words(q.name.get(lang)).into(),
                status: q.status.get(lang).into(),
                unserved: q.unserved,
            })
            .collect::<Vec<_>>(),
    )));
    a.set_callbacks(callback_rows(s.callbacks(now, lang)));
    a.set_devices(ModelRc::new(VecModel::from(
        s.devices()
            .into_iter()
            .map(|(id, online)| DeviceRow {
                id: id.to_string().into(),
                online,
            })
            .collect::<Vec<_>>(),
    )));
    let announcements = s.announcements();
    a.set_announcements(named_rows(
        announcements
            .iter()
            .map(|(id, text)| (id.as_str(), text.get(lang))),
    ));
    a.set_hub_notice(
        s.hub_notice()
            .map(|t| t.get(lang).to_owned())
            .unwrap_or_default()
            .into(),
    );
    let (uplink, uplink_ok) = s
        .uplink_line()
        .map(|(t, ok)| (t.get(lang).to_owned(), ok))
        .unwrap_or_default();
    a.set_uplink(uplink.into());
    a.set_uplink_ok(uplink_ok);
    a.set_busy(s.in_flight);
    let (last, problem) = s.last_line(lang).unwrap_or_default();
    a.set_last(last.into());
    a.set_last_is_problem(problem);
}

/// Sends the supervisor's presses to `act`.
pub fn wire_supervisor(
    window: &SupervisorWindow,
    act: impl Fn(crate::floor::SupervisorPress) + 'static,
) {
    use crate::floor::SupervisorPress;
    let act = Rc::new(act);
    let a = window.global::<SupervisorAdapter>();
    {
        let act = Rc::clone(&act);
        a.on_set_open(move |n, open| {
            if let Ok(n) = u16::try_from(n) {
                act(SupervisorPress::SetOpen(CounterNo(n), open));
            }
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_post(move |zh, en, ask| {
            act(SupervisorPress::Post {
                zh: zh.to_string(),
                en: en.to_string(),
                where_to_ask: ask.to_string(),
            });
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_update(move |id, note, contacted| {
            act(SupervisorPress::Update {
                complaint: id.to_string(),
                note: note.to_string(),
                contacted,
            });
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_resolve(move |id, cause, solution, compensation, promise| {
            act(SupervisorPress::Resolve {
                complaint: id.to_string(),
                answer: hallq_proto::ComplaintAnswer {
                    cause: cause.to_string(),
                    solution: solution.to_string(),
                    compensation: Some(compensation.to_string()),
                    promise: promise.to_string(),
                },
            });
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_resend(move |id| act(SupervisorPress::Resend(id.to_string())));
    }
    {
        let act = Rc::clone(&act);
        a.on_called_back(move |visit| {
            act(SupervisorPress::CalledBack {
                visit: visit.to_string(),
            });
        });
    }
    a.on_clear(move |id| act(SupervisorPress::Clear(id.to_string())));
}

fn callback_rows(lines: Vec<crate::floor::CallbackLine>) -> ModelRc<CallbackRow> {
    ModelRc::new(VecModel::from(
        lines
            .into_iter()
            .map(|c| CallbackRow {
                visit: c.visit.into(),
                text: c.text.into(),
                overdue: c.overdue,
            })
            .collect::<Vec<_>>(),
    ))
}

fn named_rows<'a>(items: impl Iterator<Item = (&'a str, &'a str)>) -> ModelRc<NamedRow> {
    ModelRc::new(VecModel::from(
        items
            .map(|(code, name)| NamedRow {
                code: code.into(),
                name: name.into(),
            })
            .collect::<Vec<_>>(),
    ))
}

/// The line about the last answer, and whether it is a problem.
fn last_line(
    last: Option<&Result<String, crate::controller::Problem>>,
    lang: Lang,
    ok: impl Fn(&str) -> String,
) -> (String, bool) {
    match last {
        None => (String::new(), false),
        Some(Ok(text)) => (ok(text), false),
        Some(Err(p)) => (p.message().get(lang).to_owned(), true),
    }
}

/// Which language the UI was last set to; for code that needs it as the contract's [`Lang`].
pub fn lang(english: bool) -> Lang {
    if english { Lang::En } else { Lang::Zh }
}
