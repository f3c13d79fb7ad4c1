//! Service-standard inspections (服务监督, issue 16 §1) on the floor roles' screens, as a pure
//! state machine like [`crate::floor`]'s: the hub's `state/inspections` and presses in,
//! commands out, what the screen shows as plain data.
//!
//! The duty supervisor's console sees every scheduled checklist and every open correction, does
//! any checklist, follows corrections up and closes them. The greeter's handheld sees and does
//! only what the hub lets a greeter record (crates/hallq-profiles/src/kind.rs): the cleaning and
//! facility checklists, and a follow-up of their corrections; closing one is the supervisor's.
//!
//! A checklist is done item by item: each item passes or fails, a failed one says what was
//! found (the correction's text); it goes as one `inspection_record` once every item is
//! answered. The form stays filled while the command is in flight and after a refusal, so
//! nothing typed is lost to a bad moment; only the hub's acceptance clears it.

use hallq_proto::inspection::{ChecklistDue, CorrectionCase, DueStatus, InspectionAnswer};
use hallq_proto::state::{Liveness, forget_rev, keep_newer};
use hallq_proto::{Command, Lang, LocalText, ReplyResult, Timestamp};

use crate::controller::Problem;
use crate::inspect_visit::{VisitForm, record_label};

/// Who is inspecting: what they see and may do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Role {
    /// The duty supervisor: every checklist, and closing corrections.
    #[default]
    Supervisor,
    /// The greeter: cleaning and facility checklists; follow-ups, not closing.
    Greeter,
}

impl Role {
    /// Whether this role records checklists of `kind` (the hub's rule, docs/protocol.md).
    pub fn records(self, kind: &str) -> bool {
        match self {
            Self::Supervisor => true,
            Self::Greeter => matches!(kind, "cleaning" | "facility"),
        }
    }

    /// Whether this role closes corrections.
    pub fn closes(self) -> bool {
        self == Self::Supervisor
    }
}

/// A press on the inspections' screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InspectPress {
    /// Begin the checklist `template`.
    Start(String),
    /// An item passed (`true`) or failed.
    Answer {
        /// The item's code.
        item: String,
        /// Whether it met the standard.
        pass: bool,
    },
    /// What was found at a failed item.
    Note {
        /// The item's code.
        item: String,
        /// The text typed.
        note: String,
    },
    /// Send the checklist.
    Submit,
    /// Put the checklist away unsent.
    Cancel,
    /// The visit's time as typed (a checklist recorded at any time).
    VisitTime(String),
    /// The mystery shopper's name or organisation.
    Shopper(String),
    /// The note on the whole: the case and the suggestions.
    WholeNote(String),
    /// Record what was done about a correction.
    FollowUp {
        /// The correction.
        correction: String,
        /// What was done.
        note: String,
    },
    /// Close a correction: it was put right.
    Close {
        /// The correction.
        correction: String,
        /// How.
        note: String,
    },
}

/// One item of the checklist being done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormItem {
    /// Its code.
    pub item: String,
    /// What is checked.
    pub text: LocalText,
    /// A failure fails the whole inspection.
    pub critical: bool,
    /// Passed, failed, or not yet looked at.
    pub pass: Option<bool>,
    /// What was found (a failed item's).
    pub note: String,
}

/// The checklist being done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Form {
    /// Its code.
    pub template: String,
    /// Its name.
    pub name: LocalText,
    /// Its items, in order.
    pub items: Vec<FormItem>,
    /// A checklist recorded at any time: its visit's time, shopper and note on the whole.
    pub visit: Option<VisitForm>,
}

impl Form {
    /// What still keeps it from being sent, if anything: items not looked at, failed items with
    /// nothing said.
    pub fn missing(&self) -> Option<LocalText> {
        if let Some(m) = self.visit.as_ref().and_then(VisitForm::missing) {
            return Some(m);
        }
        let open = self.items.iter().filter(|i| i.pass.is_none()).count();
        let silent = self
            .items
            .iter()
            .filter(|i| i.pass == Some(false) && i.note.trim().is_empty())
            .count();
        match (open, silent) {
            (0, 0) => None,
            (0, n) => Some(LocalText::new(
                format!("还有 {n} 项不合格未写明情况"),
                format!("{n} failed item{} still to describe", plural(n)),
            )),
            (n, _) => Some(LocalText::new(
                format!("还有 {n} 项未检查"),
                format!("{n} item{} still to check", plural(n)),
            )),
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A scheduled checklist as the screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueLine {
    /// Its code.
    pub template: String,
    /// "营业中巡检（每2小时） · 巡检逾期 20 分钟".
    pub text: String,
    /// Where it stands.
    pub status: DueStatus,
}

/// An open correction as the screen lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionLine {
    /// Its id.
    pub correction: String,
    /// "R20261123-001 · 垃圾桶未满：门口垃圾桶已满 · 剩余 2 天 23 小时".
    pub text: String,
    /// Past its deadline: red.
    pub late: bool,
}

/// The inspections' part of a floor role's screen.
#[derive(Debug, Clone, Default)]
pub struct Inspect {
    /// Whose screen it is.
    pub(crate) role: Role,
    /// The hub's `state/inspections`, newest by `rev`.
    pub(crate) state: Option<hallq_proto::inspection::Inspections>,
    /// Whether the hub was last seen online (its return forgets the kept revision).
    pub(crate) hub_online: bool,
    /// The checklist being done.
    pub(crate) form: Option<Form>,
    /// The command in flight, to say what was done once answered.
    pub(crate) pending: Option<Command>,
    /// What the last answer means: what was done, or why not.
    pub(crate) last: Option<Result<LocalText, LocalText>>,
    /// The hall's time as last told ([`Inspect::tick`]): a visit's time is read against it.
    pub(crate) now: Option<Timestamp>,
    /// The hall's local time is UTC plus this; none: China's (480).
    pub(crate) utc_offset_min: Option<i32>,
}

/// A checklist recorded at any time, as the screen offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnytimeLine {
    /// Its code.
    pub template: String,
    /// The button's words: "记录一次暗访".
    pub label: String,
}

impl Inspect {
    /// The inspections' screen of `role`.
    pub fn new(role: Role) -> Self {
        Self {
            role,
            ..Self::default()
        }
    }

    /// The hub's `state/inspections`.
    pub fn inspections(&mut self, state: hallq_proto::inspection::Inspections) {
        keep_newer(&mut self.state, state);
    }

    /// The hub's status: when it turns online (perhaps a new run), its revisions may start
    /// again.
    pub fn hub(&mut self, status: Liveness) {
        let online = status == Liveness::Online;
        if online && !self.hub_online {
            forget_rev(&mut self.state);
        }
        self.hub_online = online;
    }

    /// The hall's time now (the app's clock following the hub's), for a visit's time.
    pub fn tick(&mut self, now: Timestamp) {
        self.now = Some(now);
    }

    /// Reads the hall's times at UTC plus `minutes` (`--utc-offset-min`).
    pub fn set_utc_offset_min(&mut self, minutes: i32) {
        self.utc_offset_min = Some(minutes);
    }

    fn offset(&self) -> i32 {
        self.utc_offset_min.unwrap_or(480)
    }

    fn on_demand_of_role(
        &self,
    ) -> impl Iterator<Item = &hallq_proto::inspection::OnDemandChecklist> {
        self.state
            .iter()
            .flat_map(|s| s.on_demand.iter())
            .filter(|c| self.role.records(&c.kind))
    }

    /// The checklists this role records at any time (the supervisor's: a mystery shopper's
    /// visit), each with its button's words.
    pub fn anytime(&self, lang: Lang) -> Vec<AnytimeLine> {
        self.on_demand_of_role()
            .map(|c| AnytimeLine {
                template: c.template.clone(),
                label: record_label(c, lang),
            })
            .collect()
    }

    /// Whether a command is in flight.
    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }

    /// The checklist being done.
    pub fn form(&self) -> Option<&Form> {
        self.form.as_ref()
    }

    fn checklists_of_role(&self) -> impl Iterator<Item = &ChecklistDue> {
        self.state
            .iter()
            .flat_map(|s| s.checklists.iter())
            .filter(|c| self.role.records(&c.kind))
    }

    /// The checklists this role does, overdue first, then due, then coming, each with how late
    /// it is, how long is left, or when it falls due.
    pub fn checklists(&self, now: Timestamp, lang: Lang) -> Vec<DueLine> {
        let mut lines: Vec<(u8, i64, DueLine)> = self
            .checklists_of_role()
            .map(|c| {
                let name = c.name.get(lang);
                let (rank, text) = match c.status {
                    DueStatus::Overdue => {
                        let late = minutes(now.0 - c.deadline_ms.0);
                        (
                            0,
                            match lang {
                                Lang::Zh => format!("{name} · 巡检逾期 {}", span(late, lang)),
                                Lang::En => format!("{name} · overdue by {}", span(late, lang)),
                            },
                        )
                    }
                    DueStatus::Due => {
                        let left = minutes(c.deadline_ms.0 - now.0);
                        (
                            1,
                            match lang {
                                Lang::Zh => format!("{name} · 待检，剩余 {}", span(left, lang)),
                                Lang::En => format!("{name} · due now, {} left", span(left, lang)),
                            },
                        )
                    }
                    DueStatus::Upcoming => {
                        let until = minutes(c.due_at_ms.0 - now.0);
                        (
                            2,
                            match lang {
                                Lang::Zh => format!("{name} · {}后到期", span(until, lang)),
                                Lang::En => format!("{name} · due in {}", span(until, lang)),
                            },
                        )
                    }
                };
                (
                    rank,
                    c.deadline_ms.0,
                    DueLine {
                        template: c.template.clone(),
                        text,
                        status: c.status,
                    },
                )
            })
            .collect();
        lines.sort_by_key(|(rank, deadline, _)| (*rank, *deadline));
        lines.into_iter().map(|(_, _, l)| l).collect()
    }

    /// How many checklists of this role are overdue (the console's header says it on every
    /// page).
    pub fn overdue(&self) -> usize {
        self.checklists_of_role()
            .filter(|c| c.status == DueStatus::Overdue)
            .count()
    }

    /// The open corrections this role sees (the greeter's: of its checklists), oldest first,
    /// each with what was found and the time left to its deadline or how late it is.
    pub fn corrections(&self, now: Timestamp, lang: Lang) -> Vec<CorrectionLine> {
        let Some(state) = &self.state else {
            return Vec::new();
        };
        let kind = |template: &str| {
            state
                .checklists
                .iter()
                .find(|c| c.template == template)
                .map(|c| c.kind.as_str())
                .or_else(|| {
                    state
                        .on_demand
                        .iter()
                        .find(|c| c.template == template)
                        .map(|c| c.kind.as_str())
                })
        };
        state
            .corrections
            .iter()
            .filter(|c| {
                self.role == Role::Supervisor
                    || kind(&c.template).is_some_and(|k| self.role.records(k))
            })
            .map(|c| correction_line(c, now, lang))
            .collect()
    }

    /// Begins the checklist `template`, every item still to look at. A checklist already begun
    /// is kept (a second press must not wipe what was answered).
    pub fn start(&mut self, template: &str) {
        if self.form.as_ref().is_some_and(|f| f.template == template) {
            return;
        }
        let (name, items, visit) =
            if let Some(c) = self.checklists_of_role().find(|c| c.template == template) {
                (c.name.clone(), &c.items, None)
            } else if let Some(c) = self.on_demand_of_role().find(|c| c.template == template) {
                let visit = VisitForm::new(&c.kind, self.now, self.offset());
                (c.name.clone(), &c.items, Some(visit))
            } else {
                return;
            };
        self.form = Some(Form {
            template: template.to_owned(),
            name,
            visit,
            items: items
                .iter()
                .map(|i| FormItem {
                    item: i.item.clone(),
                    text: i.text.clone(),
                    critical: i.critical,
                    pass: None,
                    note: String::new(),
                })
                .collect(),
        });
    }

    fn item_mut(&mut self, item: &str) -> Option<&mut FormItem> {
        self.form
            .as_mut()?
            .items
            .iter_mut()
            .find(|i| i.item == item)
    }

    fn visit_mut(&mut self) -> Option<&mut VisitForm> {
        self.form.as_mut()?.visit.as_mut()
    }

    /// Sends the checklist when every item is answered and every failure described.
    pub fn submit(&mut self) -> Option<Command> {
        let form = self.form.as_ref()?;
        if form.missing().is_some() || form.items.is_empty() {
            return None;
        }
        let template = form.template.clone();
        let (visited_at_ms, shopper, note) = form
            .visit
            .as_ref()
            .map(VisitForm::fields)
            .unwrap_or_default();
        let items = form
            .items
            .iter()
            .map(|i| InspectionAnswer {
                item: i.item.clone(),
                pass: i.pass == Some(true),
                note: (i.pass == Some(false)).then(|| i.note.trim().to_owned()),
            })
            .collect();
        self.send(Command::InspectionRecord {
            template,
            staff: None,
            items,
            note,
            visited_at_ms,
            shopper,
        })
    }

    /// Records what was done about `correction`; a note is required.
    pub fn follow_up(&mut self, correction: &str, note: &str) -> Option<Command> {
        let note = note.trim();
        if note.is_empty() || !self.open(correction) {
            return None;
        }
        self.send(Command::CorrectionFollowUp {
            correction: correction.to_owned(),
            note: note.to_owned(),
            staff: None,
        })
    }

    /// Closes `correction` with how it was put right (the supervisor's).
    pub fn close(&mut self, correction: &str, note: &str) -> Option<Command> {
        let note = note.trim();
        if note.is_empty() || !self.role.closes() || !self.open(correction) {
            return None;
        }
        self.send(Command::CorrectionClose {
            correction: correction.to_owned(),
            note: note.to_owned(),
            staff: None,
        })
    }

    fn open(&self, correction: &str) -> bool {
        self.state
            .iter()
            .flat_map(|s| s.corrections.iter())
            .any(|c| c.correction == correction)
    }

    fn send(&mut self, command: Command) -> Option<Command> {
        if self.pending.is_some() {
            return None;
        }
        self.pending = Some(command.clone());
        Some(command)
    }

    /// Handles a press; returns the command to send, if any.
    pub fn press(&mut self, press: InspectPress) -> Option<Command> {
        match press {
            InspectPress::Start(t) => {
                self.start(&t);
                None
            }
            InspectPress::Answer { item, pass } => {
                if let Some(i) = self.item_mut(&item) {
                    i.pass = Some(pass);
                }
                None
            }
            InspectPress::Note { item, note } => {
                if let Some(i) = self.item_mut(&item) {
                    i.note = note;
                }
                None
            }
            InspectPress::Submit => self.submit(),
            InspectPress::Cancel => {
                // Not while it is being sent: its answer is still to come.
                if self.pending.is_none() {
                    self.form = None;
                }
                None
            }
            InspectPress::VisitTime(text) => {
                let (now, offset) = (self.now, self.offset());
                if let (Some(v), Some(now)) = (self.visit_mut(), now) {
                    v.set_time(&text, now, offset);
                }
                None
            }
            InspectPress::Shopper(text) => {
                if let Some(v) = self.visit_mut() {
                    v.shopper = text;
                }
                None
            }
            InspectPress::WholeNote(text) => {
                if let Some(v) = self.visit_mut() {
                    v.note = text;
                }
                None
            }
            InspectPress::FollowUp { correction, note } => self.follow_up(&correction, &note),
            InspectPress::Close { correction, note } => self.close(&correction, &note),
        }
    }

    /// The hub's answer to the command in flight: what was done, in a sentence, or why not. An
    /// accepted checklist is put away; a refused one stays filled in.
    pub fn answered(&mut self, result: Result<ReplyResult, Problem>) {
        let Some(cmd) = self.pending.take() else {
            return;
        };
        self.last = Some(match result {
            Ok(r) => {
                let name = match (&cmd, &self.form) {
                    (Command::InspectionRecord { template, .. }, Some(f))
                        if &f.template == template =>
                    {
                        Some(f.name.clone())
                    }
                    _ => None,
                };
                if matches!(cmd, Command::InspectionRecord { .. }) {
                    self.form = None;
                }
                Ok(done(&r, name))
            }
            Err(p) => Err(p.message()),
        });
    }

    /// The line about the last answer, in `lang`, and whether it is a problem.
    pub fn last_line(&self, lang: Lang) -> Option<(String, bool)> {
        self.last.as_ref().map(|r| match r {
            Ok(t) => (t.get(lang).to_owned(), false),
            Err(t) => (t.get(lang).to_owned(), true),
        })
    }
}

/// What the hub's `result` says was done, as a sentence; `name` is the checklist's.
pub fn done(result: &ReplyResult, name: Option<LocalText>) -> LocalText {
    match result {
        ReplyResult::Inspection {
            inspection,
            items_passed,
            items_checked,
            critical_failed,
            corrections,
        } => {
            let name = name.unwrap_or_else(|| LocalText::new("检查", "Checklist"));
            let mut zh = format!(
                "{}已记录（{inspection}）：{items_checked} 项中 {items_passed} 项合格",
                name.zh
            );
            let mut en = format!(
                "{} recorded ({inspection}): {items_passed} of {items_checked} items passed",
                name.en
            );
            if *critical_failed {
                zh.push_str("；关键项不合格，本次检查不达标");
                en.push_str("; a critical item failed, so the inspection fails");
            }
            match corrections.as_slice() {
                [] => {}
                [one] => {
                    zh.push_str(&format!("；已生成整改项 {}", one.correction));
                    en.push_str(&format!("; correction {} opened", one.correction));
                }
                many => {
                    let ids: Vec<&str> = many.iter().map(|c| c.correction.as_str()).collect();
                    zh.push_str(&format!(
                        "；已生成 {} 个整改项（{}）",
                        many.len(),
                        ids.join("、")
                    ));
                    en.push_str(&format!(
                        "; {} corrections opened ({})",
                        many.len(),
                        ids.join(", ")
                    ));
                }
            }
            LocalText::new(zh, en)
        }
        ReplyResult::Correction {
            correction,
            closed: true,
        } => LocalText::new(
            format!("整改项 {correction} 已关闭"),
            format!("Correction {correction} closed"),
        ),
        ReplyResult::Correction { correction, .. } => LocalText::new(
            format!("整改项 {correction}：已记录跟进情况"),
            format!("Correction {correction}: follow-up recorded"),
        ),
        _ => LocalText::new("已完成", "Done"),
    }
}

/// One open correction at `now`: its id, the item and what was found, the time left or how late.
fn correction_line(c: &CorrectionCase, now: Timestamp, lang: Lang) -> CorrectionLine {
    let left = minutes(c.due_ms.0 - now.0);
    let late = now > c.due_ms;
    let when = match (lang, late) {
        (Lang::Zh, true) => format!("整改已超期 {}", span(-left, lang)),
        (Lang::En, true) => format!("late by {}", span(-left, lang)),
        (Lang::Zh, false) => format!("整改剩余 {}", span(left, lang)),
        (Lang::En, false) => format!("{} left", span(left, lang)),
    };
    let follow = match (lang, c.follow_ups) {
        (_, 0) => String::new(),
        (Lang::Zh, n) => format!(" · 已跟进 {n} 次"),
        (Lang::En, 1) => " · followed up once".to_owned(),
        (Lang::En, n) => format!(" · followed up {n} times"),
    };
    let sep = match lang {
        Lang::Zh => "：",
        Lang::En => ": ",
    };
    CorrectionLine {
        correction: c.correction.clone(),
        text: format!(
            "{} · {}{sep}{} · {when}{follow}",
            c.correction,
            c.item_text.get(lang),
            c.note
        ),
        late,
    }
}

/// Whole minutes in `ms`, rounded down (a deadline one second away has 0 left).
fn minutes(ms: i64) -> i64 {
    ms.div_euclid(60_000)
}

/// `minutes` as days, hours and minutes: a weekly checklist's wait is days, a patrol's minutes.
fn span(minutes: i64, lang: Lang) -> String {
    let minutes = minutes.max(0);
    let (d, h, m) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    match (lang, d, h) {
        (Lang::Zh, 0, 0) => format!("{m} 分钟"),
        (Lang::Zh, 0, _) => format!("{h} 小时 {m} 分"),
        (Lang::Zh, _, _) => format!("{d} 天 {h} 小时"),
        (Lang::En, 0, 0) => format!("{m} min"),
        (Lang::En, 0, _) => format!("{h} h {m} min"),
        (Lang::En, _, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
#[path = "inspect_tests.rs"]
mod tests;
