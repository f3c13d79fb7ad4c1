//! The inspections' adapter (`InspectAdapter`, ui/counter/inspect.slint), the same for the
//! supervisor's console and the greeter's handheld: [`show_inspect`] copies an [`Inspect`] into
//! it, [`wire_inspect`] turns its callbacks into [`InspectPress`]es.

use std::rc::Rc;

use hallq_proto::inspection::DueStatus;
use hallq_proto::{Lang, Timestamp};
use slint::{ComponentHandle, Model as _, ModelRc, VecModel};

use crate::inspect::{Inspect, InspectPress};
use crate::ui::{AnytimeRow, CheckRow, DueRow, FixRow, InspectAdapter};

/// Shows `inspect` at `now` in `window`'s `InspectAdapter`.
pub fn show_inspect<W>(window: &W, inspect: &Inspect, now: Timestamp, lang: Lang)
where
    W: ComponentHandle,
    for<'a> InspectAdapter<'a>: slint::Global<'a, W>,
{
    let a = window.global::<InspectAdapter<'_>>();
    let names: std::collections::HashMap<String, String> = inspect
        .state
        .iter()
        .flat_map(|s| s.checklists.iter())
        .map(|c| (c.template.clone(), c.name.get(lang).to_owned()))
        .collect();
    a.set_checklists(ModelRc::new(VecModel::from(
        inspect
            .checklists(now, lang)
            .into_iter()
            .map(|l| DueRow {
                name: names.get(&l.template).cloned().unwrap_or_default().into(),
                template: l.template.into(),
                text: l.text.into(),
                overdue: l.status == DueStatus::Overdue,
                due: l.status == DueStatus::Due,
            })
            .collect::<Vec<_>>(),
    )));
    a.set_corrections(ModelRc::new(VecModel::from(
        inspect
            .corrections(now, lang)
            .into_iter()
            .map(|c| FixRow {
                id: c.correction.into(),
                text: c.text.into(),
                late: c.late,
            })
            .collect::<Vec<_>>(),
    )));
    let form = inspect.form();
    a.set_form_name(
        form.map(|f| f.name.get(lang).to_owned())
            .unwrap_or_default()
            .into(),
    );
    let rows: Vec<CheckRow> = form
        .map(|f| {
            f.items
                .iter()
                .map(|i| CheckRow {
                    item: i.item.as_str().into(),
                    text: i.text.get(lang).into(),
                    critical: i.critical,
                    answered: i.pass.is_some(),
                    pass: i.pass == Some(true),
                    note: i.note.as_str().into(),
                })
                .collect()
        })
        .unwrap_or_default();
    set_items(&a, rows);
    a.set_missing(
        form.and_then(crate::inspect::Form::missing)
            .map(|m| m.get(lang).to_owned())
            .unwrap_or_default()
            .into(),
    );
    a.set_anytime(ModelRc::new(VecModel::from(
        inspect
            .anytime(lang)
            .into_iter()
            .map(|l| AnytimeRow {
                template: l.template.into(),
                label: l.label.into(),
            })
            .collect::<Vec<_>>(),
    )));
    let visit = form.and_then(|f| f.visit.as_ref());
    a.set_form_anytime(visit.is_some());
    a.set_form_visit(visit.is_some_and(|v| v.shopper_visit));
    a.set_visit_time(visit.map(|v| v.time.as_str()).unwrap_or_default().into());
    a.set_shopper(visit.map(|v| v.shopper.as_str()).unwrap_or_default().into());
    a.set_whole_note(visit.map(|v| v.note.as_str()).unwrap_or_default().into());
    a.set_can_close(inspect.role.closes());
    a.set_overdue(i32::try_from(inspect.overdue()).unwrap_or(i32::MAX));
    a.set_busy(inspect.busy());
    let (last, problem) = inspect.last_line(lang).unwrap_or_default();
    a.set_last(last.into());
    a.set_last_is_problem(problem);
}

/// Sets the checklist's rows, changing only those that changed: a row's note field keeps its
/// place and what is being typed in it while the rest of the screen is redrawn.
fn set_items(a: &InspectAdapter<'_>, rows: Vec<CheckRow>) {
    let model = a.get_items();
    if let Some(vec) = model.as_any().downcast_ref::<VecModel<CheckRow>>()
        && vec.row_count() == rows.len()
    {
        for (i, row) in rows.into_iter().enumerate() {
            if vec.row_data(i).as_ref() != Some(&row) {
                vec.set_row_data(i, row);
            }
        }
        return;
    }
    a.set_items(ModelRc::new(VecModel::from(rows)));
}

/// Sends the inspections' presses to `act`.
pub fn wire_inspect<W>(window: &W, act: impl Fn(InspectPress) + 'static)
where
    W: ComponentHandle,
    for<'a> InspectAdapter<'a>: slint::Global<'a, W>,
{
    let act = Rc::new(act);
    let a = window.global::<InspectAdapter<'_>>();
    {
        let act = Rc::clone(&act);
        a.on_start(move |t| act(InspectPress::Start(t.to_string())));
    }
    {
        let act = Rc::clone(&act);
        a.on_answer(move |item, pass| {
            act(InspectPress::Answer {
                item: item.to_string(),
                pass,
            });
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_note(move |item, note| {
            act(InspectPress::Note {
                item: item.to_string(),
                note: note.to_string(),
            });
        });
    }
    {
        let act = Rc::clone(&act);
        a.on_submit(move || act(InspectPress::Submit));
    }
    {
        let act = Rc::clone(&act);
        a.on_cancel(move || act(InspectPress::Cancel));
    }
    {
        let act = Rc::clone(&act);
        a.on_visit_time_edited(move |t| act(InspectPress::VisitTime(t.to_string())));
    }
    {
        let act = Rc::clone(&act);
        a.on_shopper_edited(move |t| act(InspectPress::Shopper(t.to_string())));
    }
    {
        let act = Rc::clone(&act);
        a.on_whole_note_edited(move |t| act(InspectPress::WholeNote(t.to_string())));
    }
    {
        let act = Rc::clone(&act);
        a.on_follow_up(move |id, note| {
            act(InspectPress::FollowUp {
                correction: id.to_string(),
                note: note.to_string(),
            });
        });
    }
    a.on_close(move |id, note| {
        act(InspectPress::Close {
            correction: id.to_string(),
            note: note.to_string(),
        });
    });
}
