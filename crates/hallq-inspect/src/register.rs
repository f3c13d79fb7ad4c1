//! The register of inspections and corrections: commands in, events out, state as a fold.
//!
//! A checklist is recorded whole: every item of the template answered once, pass or fail, and
//! a failed item described (the note is what the correction is about). Each failed item opens a
//! correction due `correction_days` later; it is followed up and closed by the supervisor.
//! Events carry everything the report needs (the kind, each item's critical flag), so a
//! template changed later does not change what was recorded under the old one.
//!
//! Idempotency is the hub's: a command id answered once is answered again from the journal and
//! never reaches [`Register::decide`] twice.

use std::collections::BTreeMap;

use hallq_proto::{Timestamp, time};
use serde::{Deserialize, Serialize};

use crate::schedule::{self, Hours, Occasion, Status};
use crate::template::{InspectionKind, InspectionsSection, ScheduleKind, Template};

/// How long the register keeps the times inspections were done: enough for the longest
/// schedule's window (a month).
const KEEP_DONE_MS: i64 = 40 * 86_400_000;

/// The most characters of a note; longer notes are refused, not cut.
pub const MAX_NOTE_CHARS: usize = 500;

/// The most characters of a shopper's name or organisation.
pub const MAX_SHOPPER_CHARS: usize = 60;

/// How far back a visit may be told: a mystery shopper's report reaches the hall days after the
/// visit, within the month the operator's quality department scores.
pub const MAX_VISIT_AGE_MS: i64 = 31 * 86_400_000;

/// How far ahead of the hub's clock a visit's time may be (a device's clock a little fast).
const VISIT_AHEAD_MS: i64 = 5 * 60_000;

/// One item's answer in a recorded checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemAnswer {
    /// The item's code in the template.
    pub item: String,
    /// Whether it met the standard.
    pub pass: bool,
    /// What was found (required when it failed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A checklist done, as the hub hands it over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The template's code.
    pub template: String,
    /// Every item, answered.
    pub items: Vec<ItemAnswer>,
    /// A note on the whole (a mystery shopper's case and suggestions).
    pub note: Option<String>,
    /// When the visit took place (an `on_demand` checklist told afterwards).
    pub visited_at: Option<Timestamp>,
    /// The mystery shopper's name or organisation (an `on_demand` checklist).
    pub shopper: Option<String>,
    /// Who inspected: the staff number given, else the device.
    pub by: String,
    /// The device it was recorded on.
    pub device: String,
}

/// What the hub asks of the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InspectCommand {
    /// Record a checklist done.
    Record(Record),
    /// Record what was done about a correction.
    FollowUp {
        /// The correction.
        correction: String,
        /// What was done.
        note: String,
        /// Who.
        by: String,
    },
    /// Close a correction: the fault is put right.
    Close {
        /// The correction.
        correction: String,
        /// How it was put right.
        note: String,
        /// Who.
        by: String,
    },
}

/// One item as recorded, with its critical flag as the template had it then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckedItem {
    /// The item's code.
    pub item: String,
    /// Whether a failure fails the whole inspection.
    pub critical: bool,
    /// Whether it met the standard.
    pub pass: bool,
    /// What was found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What happened in the register: one journal row each (`type` `inspection`). Every `note` may
/// be absent when read: the uplink strips free text before events leave the hall
/// (`hallq_wire::deidentify`), and headquarters still reads them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum InspectionEvent {
    /// A checklist was done.
    Recorded {
        /// Its id, `I{day}-{n}`.
        inspection: String,
        /// The template's code.
        template: String,
        /// The template's kind.
        kind: InspectionKind,
        /// Who inspected.
        by: String,
        /// The device it was recorded on.
        device: String,
        /// Every item with its answer.
        items: Vec<CheckedItem>,
        /// A note on the whole.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// When the visit took place, if told afterwards (an `on_demand` checklist); the
        /// event's own time is when it was recorded, which the report counts by.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        visited_at_ms: Option<Timestamp>,
        /// Who made the visit (free text: stays in the hall, `hallq_wire::FREE_TEXT`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        shopper: Option<String>,
    },
    /// A failed item became a correction.
    CorrectionOpened {
        /// Its id, `R{day}-{n}`.
        correction: String,
        /// The inspection that found it.
        inspection: String,
        /// The template's code.
        template: String,
        /// The item that failed.
        item: String,
        /// What is to be put right (the item's note).
        #[serde(default)]
        note: String,
        /// By when.
        due_ms: Timestamp,
    },
    /// Progress on a correction.
    CorrectionFollowedUp {
        /// The correction.
        correction: String,
        /// What was done.
        #[serde(default)]
        note: String,
        /// Who.
        by: String,
    },
    /// A correction was closed.
    CorrectionClosed {
        /// The correction.
        correction: String,
        /// How it was put right.
        #[serde(default)]
        note: String,
        /// Who.
        by: String,
    },
}

/// Why the register refused a command. Each maps to a stable contract code in the hub.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    /// No checklist with that code.
    #[error("no checklist {0:?}")]
    UnknownTemplate(String),
    /// Items missing, unknown, answered twice, or failed without a note; or a note too long.
    #[error("{0}")]
    Incomplete(String),
    /// No open correction with that id.
    #[error("no open correction {0:?}")]
    UnknownCorrection(String),
    /// A visit's time or shopper where they do not belong, or out of range.
    #[error("{0}")]
    BadVisit(String),
}

/// A correction not yet closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenCorrection {
    /// The inspection that found it.
    pub inspection: String,
    /// The template's code.
    pub template: String,
    /// The item that failed.
    pub item: String,
    /// What is to be put right.
    pub note: String,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// By when.
    pub due: Timestamp,
    /// Follow-ups so far.
    pub follow_ups: u32,
}

/// The register: what the console needs to know, as a fold over the events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Register {
    /// When each template was last done, within the longest schedule's window, sorted.
    done: BTreeMap<String, Vec<Timestamp>>,
    /// Open corrections by id (ids sort in the order they were opened within a day).
    corrections: BTreeMap<String, OpenCorrection>,
    /// The local day of the last ids given, and the inspections and corrections numbered on it.
    serial: (u32, u32, u32),
}

fn check_note(note: &str) -> Result<(), InspectError> {
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(InspectError::Incomplete(format!(
            "a note is over {MAX_NOTE_CHARS} characters"
        )));
    }
    Ok(())
}

impl Register {
    /// Decides `cmd` at `now` against the hall's checklists; returns the events without
    /// applying them ([`Register::apply`] does, once the caller keeps them).
    pub fn decide(
        &self,
        section: &InspectionsSection,
        utc_offset_min: i32,
        cmd: &InspectCommand,
        now: Timestamp,
    ) -> Result<Vec<InspectionEvent>, InspectError> {
        match cmd {
            InspectCommand::Record(r) => self.record(section, utc_offset_min, r, now),
            InspectCommand::FollowUp {
                correction,
                note,
                by,
            } => {
                self.open_correction(correction)?;
                check_note(note)?;
                Ok(vec![InspectionEvent::CorrectionFollowedUp {
                    correction: correction.clone(),
                    note: note.clone(),
                    by: by.clone(),
                }])
            }
            InspectCommand::Close {
                correction,
                note,
                by,
            } => {
                self.open_correction(correction)?;
                check_note(note)?;
                Ok(vec![InspectionEvent::CorrectionClosed {
                    correction: correction.clone(),
                    note: note.clone(),
                    by: by.clone(),
                }])
            }
        }
    }

    fn open_correction(&self, id: &str) -> Result<&OpenCorrection, InspectError> {
        self.corrections
            .get(id)
            .ok_or_else(|| InspectError::UnknownCorrection(id.to_owned()))
    }

    fn record(
        &self,
        section: &InspectionsSection,
        utc_offset_min: i32,
        r: &Record,
        now: Timestamp,
    ) -> Result<Vec<InspectionEvent>, InspectError> {
        let t = section
            .template(&r.template)
            .ok_or_else(|| InspectError::UnknownTemplate(r.template.clone()))?;
        let items = checked_items(t, &r.items)?;
        if let Some(n) = &r.note {
            check_note(n)?;
        }
        check_visit(t, r, now)?;
        let day = time::local(now, utc_offset_min).0;
        let (ins, mut cor) = match self.serial {
            (d, i, c) if d == day.0 => (i, c),
            _ => (0, 0),
        };
        let inspection = format!("I{day}-{:03}", ins + 1);
        let due_ms = now.plus_secs(i64::from(t.correction_days) * 86_400);
        let mut out = Vec::new();
        for i in items.iter().filter(|i| !i.pass) {
            cor += 1;
            out.push(InspectionEvent::CorrectionOpened {
                correction: format!("R{day}-{cor:03}"),
                inspection: inspection.clone(),
                template: t.code.clone(),
                item: i.item.clone(),
                note: i.note.clone().unwrap_or_default(),
                due_ms,
            });
        }
        out.insert(
            0,
            InspectionEvent::Recorded {
                inspection,
                template: t.code.clone(),
                kind: t.kind,
                by: r.by.clone(),
                device: r.device.clone(),
                items,
                note: r.note.clone(),
                visited_at_ms: r.visited_at,
                shopper: r.shopper.clone(),
            },
        );
        Ok(out)
    }

    /// Applies an event at `at` (decided now, or read back from the journal).
    pub fn apply(&mut self, utc_offset_min: i32, at: Timestamp, event: &InspectionEvent) {
        let day = time::local(at, utc_offset_min).0;
        if self.serial.0 != day.0 {
            self.serial = (day.0, 0, 0);
        }
        match event {
            InspectionEvent::Recorded { template, .. } => {
                self.serial.1 += 1;
                let done = self.done.entry(template.clone()).or_default();
                let i = done.partition_point(|t| *t <= at);
                done.insert(i, at);
                done.retain(|t| t.0 > at.0 - KEEP_DONE_MS);
            }
            InspectionEvent::CorrectionOpened {
                correction,
                inspection,
                template,
                item,
                note,
                due_ms,
            } => {
                self.serial.2 += 1;
                self.corrections.insert(
                    correction.clone(),
                    OpenCorrection {
                        inspection: inspection.clone(),
                        template: template.clone(),
                        item: item.clone(),
                        note: note.clone(),
                        opened_at: at,
                        due: *due_ms,
                        follow_ups: 0,
                    },
                );
            }
            InspectionEvent::CorrectionFollowedUp { correction, .. } => {
                if let Some(c) = self.corrections.get_mut(correction) {
                    c.follow_ups += 1;
                }
            }
            InspectionEvent::CorrectionClosed { correction, .. } => {
                self.corrections.remove(correction);
            }
        }
    }

    /// The open corrections, by id.
    pub fn corrections(&self) -> &BTreeMap<String, OpenCorrection> {
        &self.corrections
    }

    /// When `template` was done, recently, in order.
    pub fn done(&self, template: &str) -> &[Timestamp] {
        self.done.get(template).map_or(&[], Vec::as_slice)
    }

    /// Each scheduled checklist's occasion due or overdue at `now`, or its next one.
    pub fn due<'a>(
        &self,
        section: &'a InspectionsSection,
        hours: &Hours,
        now: Timestamp,
    ) -> Vec<(&'a Template, Occasion, Status)> {
        section
            .templates
            .iter()
            .filter_map(|t| {
                schedule::current(t, hours, self.done(&t.code), now).map(|(o, s)| (t, o, s))
            })
            .collect()
    }
}

/// A visit's time and shopper: only for a checklist recorded at any time, the time neither
/// ahead of the hub's clock nor older than [`MAX_VISIT_AGE_MS`], the shopper's name short.
fn check_visit(t: &Template, r: &Record, now: Timestamp) -> Result<(), InspectError> {
    let bad = |m: String| Err(InspectError::BadVisit(m));
    if t.schedule != ScheduleKind::OnDemand && (r.visited_at.is_some() || r.shopper.is_some()) {
        return bad(format!(
            "checklist {} is scheduled: a visit's time and shopper go only with a checklist recorded at any time",
            t.code
        ));
    }
    if let Some(at) = r.visited_at {
        if at.0 > now.0 + VISIT_AHEAD_MS {
            return bad("the visit's time is in the future".into());
        }
        if at.0 < now.0 - MAX_VISIT_AGE_MS {
            return bad("the visit is more than 31 days ago".into());
        }
    }
    if r.shopper
        .as_ref()
        .is_some_and(|s| s.chars().count() > MAX_SHOPPER_CHARS)
    {
        return bad(format!(
            "the shopper's name or organisation is over {MAX_SHOPPER_CHARS} characters"
        ));
    }
    Ok(())
}

/// The answers of `answers` checked against template `t`: every item once, a failed one with
/// a note; in the template's order.
fn checked_items(t: &Template, answers: &[ItemAnswer]) -> Result<Vec<CheckedItem>, InspectError> {
    let bad = InspectError::Incomplete;
    for (n, a) in answers.iter().enumerate() {
        if t.item(&a.item).is_none() {
            return Err(bad(format!(
                "checklist {} has no item {:?}",
                t.code, a.item
            )));
        }
        if answers[..n].iter().any(|b| b.item == a.item) {
            return Err(bad(format!("item {:?} is answered twice", a.item)));
        }
        if let Some(note) = &a.note {
            check_note(note)?;
        }
        if !a.pass && a.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            return Err(bad(format!(
                "failed item {:?} needs a note saying what was found",
                a.item
            )));
        }
    }
    t.items
        .iter()
        .map(|spec| {
            let Some(a) = answers.iter().find(|a| a.item == spec.code) else {
                return Err(bad(format!(
                    "item {:?} of {} is not answered",
                    spec.code, t.code
                )));
            };
            Ok(CheckedItem {
                item: spec.code.clone(),
                critical: spec.critical,
                pass: a.pass,
                note: a.note.clone(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallq_proto::BusinessDay;

    const CST: i32 = 480;

    fn at(h: u32, m: u32) -> Timestamp {
        time::at(BusinessDay(20261207), h * 60 + m, CST)
    }

    fn answer(item: &str, pass: bool, note: Option<&str>) -> ItemAnswer {
        ItemAnswer {
            item: item.into(),
            pass,
            note: note.map(Into::into),
        }
    }

    fn patrol(items: Vec<ItemAnswer>) -> InspectCommand {
        InspectCommand::Record(Record {
            template: "patrol".into(),
            items,
            note: None,
            visited_at: None,
            shopper: None,
            by: "E2001".into(),
            device: "supervisor-1".into(),
        })
    }

    fn all_pass() -> Vec<ItemAnswer> {
        ["floor", "seats", "bins", "desk"]
            .iter()
            .map(|i| answer(i, true, None))
            .collect()
    }

    fn run(reg: &mut Register, cmd: &InspectCommand, now: Timestamp) -> Vec<InspectionEvent> {
        let s = InspectionsSection::default();
        let events = reg.decide(&s, CST, cmd, now).unwrap();
        for e in &events {
            reg.apply(CST, now, e);
        }
        events
    }

    #[test]
    fn a_failed_item_opens_a_correction_due_in_the_template_s_days() {
        let mut reg = Register::default();
        let mut items = all_pass();
        items[2] = answer("bins", false, Some("门口垃圾桶满溢"));
        let events = run(&mut reg, &patrol(items), at(10, 30));
        assert_eq!(events.len(), 2);
        let InspectionEvent::Recorded {
            inspection, items, ..
        } = &events[0]
        else {
            panic!("{events:?}")
        };
        assert_eq!(inspection, "I20261207-001");
        assert_eq!(items.iter().filter(|i| !i.pass).count(), 1);
        let InspectionEvent::CorrectionOpened {
            correction,
            due_ms,
            item,
            ..
        } = &events[1]
        else {
            panic!("{events:?}")
        };
        assert_eq!(
            (correction.as_str(), item.as_str()),
            ("R20261207-001", "bins")
        );
        assert_eq!(*due_ms, at(10, 30).plus_secs(3 * 86_400));
        assert_eq!(reg.corrections().len(), 1);
        assert_eq!(reg.done("patrol"), &[at(10, 30)]);
        // Followed up, then closed; closing it twice is refused.
        let follow = InspectCommand::FollowUp {
            correction: correction.clone(),
            note: "已清理".into(),
            by: "E2001".into(),
        };
        run(&mut reg, &follow, at(11, 0));
        assert_eq!(reg.corrections()[correction].follow_ups, 1);
        let close = InspectCommand::Close {
            correction: correction.clone(),
            note: "增设垃圾桶".into(),
            by: "E2001".into(),
        };
        run(&mut reg, &close, at(12, 0));
        assert!(reg.corrections().is_empty());
        let s = InspectionsSection::default();
        assert_eq!(
            reg.decide(&s, CST, &close, at(12, 1)),
            Err(InspectError::UnknownCorrection(correction.clone()))
        );
        // The next inspection of the day is numbered on.
        let events = run(&mut reg, &patrol(all_pass()), at(12, 30));
        assert!(
            matches!(&events[0], InspectionEvent::Recorded { inspection, .. } if inspection == "I20261207-002")
        );
    }

    #[test]
    fn incomplete_or_unknown_checklists_are_refused() {
        let reg = Register::default();
        let s = InspectionsSection::default();
        let refused = |items: Vec<ItemAnswer>| reg.decide(&s, CST, &patrol(items), at(10, 0));
        let mut missing = all_pass();
        missing.pop();
        assert!(
            matches!(refused(missing), Err(InspectError::Incomplete(m)) if m.contains("\"desk\""))
        );
        let mut twice = all_pass();
        twice.push(answer("floor", true, None));
        assert!(matches!(refused(twice), Err(InspectError::Incomplete(m)) if m.contains("twice")));
        let mut unknown = all_pass();
        unknown.push(answer("ceiling", true, None));
        assert!(
            matches!(refused(unknown), Err(InspectError::Incomplete(m)) if m.contains("ceiling"))
        );
        let mut silent = all_pass();
        silent[0] = answer("floor", false, Some("  "));
        assert!(
            matches!(refused(silent), Err(InspectError::Incomplete(m)) if m.contains("needs a note"))
        );
        let mut long = all_pass();
        long[0] = answer("floor", false, Some(&"水".repeat(MAX_NOTE_CHARS + 1)));
        assert!(matches!(refused(long), Err(InspectError::Incomplete(_))));
        let other = InspectCommand::Record(Record {
            template: "polish".into(),
            items: vec![],
            note: None,
            visited_at: None,
            shopper: None,
            by: "x".into(),
            device: "x".into(),
        });
        assert_eq!(
            reg.decide(&s, CST, &other, at(10, 0)),
            Err(InspectError::UnknownTemplate("polish".into()))
        );
    }

    #[test]
    fn the_register_is_the_fold_of_its_events() {
        let mut live = Register::default();
        let mut items = all_pass();
        items[0] = answer("floor", false, Some("入口积水"));
        let mut journal = Vec::new();
        for (cmd, now) in [
            (patrol(items), at(10, 20)),
            (patrol(all_pass()), at(12, 10)),
        ] {
            for e in run(&mut live, &cmd, now) {
                journal.push((now, e));
            }
        }
        let mut replayed = Register::default();
        for (at, e) in &journal {
            replayed.apply(CST, *at, e);
        }
        assert_eq!(replayed, live);
        // The events read back as they were written.
        let json = serde_json::to_string(&journal[0].1).unwrap();
        assert!(json.starts_with(r#"{"event":"recorded""#), "{json}");
        assert_eq!(
            serde_json::from_str::<InspectionEvent>(&json).unwrap(),
            journal[0].1
        );
    }

    #[test]
    fn events_read_back_without_their_notes_as_headquarters_gets_them() {
        for json in [
            r#"{"event":"correction_opened","correction":"R20261207-001","inspection":"I20261207-001","template":"patrol","item":"bins","due_ms":1}"#,
            r#"{"event":"correction_followed_up","correction":"R20261207-001","by":"E2001"}"#,
            r#"{"event":"correction_closed","correction":"R20261207-001","by":"E2001"}"#,
            r#"{"event":"recorded","inspection":"I20261207-001","template":"patrol","kind":"cleaning","by":"E2001","device":"greeter-1","items":[{"item":"bins","critical":false,"pass":false}]}"#,
        ] {
            serde_json::from_str::<InspectionEvent>(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        }
    }

    fn visit(at_ms: Option<Timestamp>, shopper: Option<&str>, failed: &[&str]) -> InspectCommand {
        let t = InspectionsSection::default();
        let items = t.template("mystery-shopper").unwrap().items.iter();
        InspectCommand::Record(Record {
            template: "mystery-shopper".into(),
            items: items
                .map(|i| {
                    let fail = failed.contains(&i.code.as_str());
                    answer(&i.code, !fail, fail.then_some("未告知所需材料"))
                })
                .collect(),
            note: Some("整体礼貌，材料告知不全；建议制作告知卡".into()),
            visited_at: at_ms,
            shopper: shopper.map(Into::into),
            by: "E2001".into(),
            device: "supervisor-1".into(),
        })
    }

    #[test]
    fn a_mystery_shopper_s_visit_is_recorded_afterwards_with_its_time_and_shopper() {
        let mut reg = Register::default();
        let cmd = visit(Some(at(9, 40)), Some("某某咨询公司 张三"), &["notice"]);
        let events = run(&mut reg, &cmd, at(15, 0));
        let InspectionEvent::Recorded {
            kind,
            visited_at_ms,
            shopper,
            note,
            ..
        } = &events[0]
        else {
            panic!("{events:?}")
        };
        assert_eq!(*kind, InspectionKind::MysteryShopper);
        assert_eq!(*visited_at_ms, Some(at(9, 40)));
        assert_eq!(shopper.as_deref(), Some("某某咨询公司 张三"));
        assert!(note.as_deref().unwrap().contains("建议"));
        assert!(
            matches!(&events[1], InspectionEvent::CorrectionOpened { item, .. } if item == "notice")
        );
        // Never due, whenever it was done.
        let hours = Hours {
            open_min: 510,
            close_min: 1050,
            utc_offset_min: CST,
        };
        let s = InspectionsSection::default();
        assert!(
            reg.due(&s, &hours, at(15, 1))
                .iter()
                .all(|(t, ..)| t.code != "mystery-shopper")
        );
        assert_eq!(
            s.on_demand().map(|t| t.code.as_str()).collect::<Vec<_>>(),
            ["mystery-shopper"]
        );
    }

    #[test]
    fn a_visit_s_time_and_shopper_are_refused_out_of_place_or_range() {
        let reg = Register::default();
        let s = InspectionsSection::default();
        let refused = |cmd: &InspectCommand| match reg.decide(&s, CST, cmd, at(15, 0)) {
            Err(InspectError::BadVisit(m)) => m,
            other => panic!("{other:?}"),
        };
        assert!(refused(&visit(Some(at(16, 0)), None, &[])).contains("in the future"));
        let old = Timestamp(at(15, 0).0 - MAX_VISIT_AGE_MS - 60_000);
        assert!(refused(&visit(Some(old), None, &[])).contains("31 days"));
        let long = "店".repeat(MAX_SHOPPER_CHARS + 1);
        assert!(refused(&visit(None, Some(&long), &[])).contains("over 60"));
        let InspectCommand::Record(mut r) = patrol(all_pass()) else {
            unreachable!()
        };
        r.shopper = Some("张三".into());
        assert!(refused(&InspectCommand::Record(r)).contains("scheduled"));
        // A few minutes ahead (a device's clock) is taken.
        assert!(
            reg.decide(&s, CST, &visit(Some(at(15, 3)), None, &[]), at(15, 0))
                .is_ok()
        );
    }

    #[test]
    fn due_lists_each_scheduled_checklist_once() {
        let mut reg = Register::default();
        run(&mut reg, &patrol(all_pass()), at(10, 20));
        let s = InspectionsSection::default();
        let hours = Hours {
            open_min: 510,
            close_min: 1050,
            utc_offset_min: CST,
        };
        let due = reg.due(&s, &hours, at(12, 50));
        assert_eq!(
            due.len(),
            s.templates.len() - 1,
            "all but the mystery shopper"
        );
        let (_, o, st) = due.iter().find(|(t, ..)| t.code == "patrol").unwrap();
        assert_eq!((o.due_at, *st), (at(12, 20), Status::Overdue));
    }
}
