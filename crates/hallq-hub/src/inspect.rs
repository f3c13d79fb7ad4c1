//! Service-standard inspections at the hub (服务监督, issue 16 §1, docs/protocol.md
//! "Inspections").
//!
//! The register itself is `hallq-inspect`'s pure state machine. What this module adds:
//! - [`Inspector`]: the writer's part. `inspection_record`, `correction_follow_up` and
//!   `correction_close` reach the single writer like every command (decoded, authorized by the
//!   role table and the profile, deduplicated by command id) and are decided here; their events
//!   go into the same journal commit as the rest of the batch, as `inspection` events. The
//!   register is rebuilt from the journal at start (the v5 index reads only those events) and
//!   after a failed commit.
//! - [`Inspector::state`]: `state/inspections`, the checklists due and overdue, the open
//!   corrections and the checklists recorded at any time (a mystery shopper's visit), for the
//!   supervisor's console and the greeter's handheld. The writer publishes
//!   it when a batch held a tick or an inspection, so a checklist turning overdue shows without
//!   any command.

use hallq_inspect::{Hours, InspectCommand, InspectError, InspectionEvent, ItemAnswer, Record};
use hallq_inspect::{Register, Status};
use hallq_journal::{Journal, JournalError};
use hallq_proto::command::Command as Wire;
use hallq_proto::inspection::{
    ChecklistDue, ChecklistItem, CorrectionCase, CorrectionOpened, DueStatus, Inspections,
    OnDemandChecklist,
};
use hallq_proto::{ErrorCode, ErrorInfo, LocalText, ReplyResult, SCHEMA_VERSION, Timestamp};
use hallq_queue::{Event, EventKind};

use crate::config::{DeviceConfig, HallConfig};

/// The register of inspections and corrections, held by the writer.
#[derive(Debug, Default)]
pub struct Inspector {
    register: Register,
}

/// The register's refusal as the device is told it.
fn refusal(e: InspectError) -> ErrorInfo {
    let code = match &e {
        InspectError::UnknownTemplate(_) => ErrorCode::UnknownChecklist,
        InspectError::Incomplete(_) => ErrorCode::ChecklistIncomplete,
        InspectError::UnknownCorrection(_) => ErrorCode::UnknownCorrection,
        InspectError::BadVisit(_) => ErrorCode::InvalidField,
    };
    let mut info = ErrorInfo::new(code);
    if matches!(e, InspectError::BadVisit(_)) {
        // The field's general words would not tell the supervisor what to put right.
        info.zh =
            "到访时间须在近 31 天内且不晚于现在，暗访人员或机构不超过 60 字；定期检查不填这两项"
                .into();
        info.en = "The visit's time must be within the last 31 days and not in the future, the shopper at most 60 characters; a scheduled checklist has neither."
            .into();
    }
    info.with_detail(hallq_proto::redact_digits(&e.to_string()))
}

/// The hall's opening hours as the schedules read them.
fn hours(config: &HallConfig) -> Hours {
    Hours {
        open_min: config.hours.open.minutes(),
        close_min: config.hours.close.minutes(),
        utc_offset_min: config.hall.utc_offset_min,
    }
}

/// Free text as the journal keeps it: digit runs that could be a phone or ID number cut out.
fn text(s: &str) -> String {
    hallq_proto::redact_digits(s.trim())
}

impl Inspector {
    /// The register as the journal's inspection events make it.
    pub fn open(config: &HallConfig, journal: &Journal) -> Result<Self, JournalError> {
        let mut register = Register::default();
        for e in journal.inspection_events()? {
            if let EventKind::Inspection { inspection } = &e.kind {
                register.apply(config.hall.utc_offset_min, e.at_ms, inspection);
            }
        }
        Ok(Self { register })
    }

    /// After a failed commit: the register as the journal has it.
    pub fn reload(&mut self, config: &HallConfig, journal: &Journal) -> Result<(), JournalError> {
        *self = Self::open(config, journal)?;
        Ok(())
    }

    /// Whether the register decides `cmd` (rather than the queue).
    pub fn handles(cmd: &Wire) -> bool {
        matches!(
            cmd,
            Wire::InspectionRecord { .. }
                | Wire::CorrectionFollowUp { .. }
                | Wire::CorrectionClose { .. }
        )
    }

    /// Decides an authorized command of the register at `now` and applies its events; the
    /// caller journals them (or reloads the register if the commit fails).
    pub fn decide(
        &mut self,
        config: &HallConfig,
        dev: &DeviceConfig,
        cmd: &Wire,
        now: Timestamp,
    ) -> Result<(ReplyResult, Vec<Event>), ErrorInfo> {
        let who = |staff: &Option<hallq_proto::StaffNo>| {
            staff
                .as_ref()
                .map_or_else(|| dev.id.to_string(), ToString::to_string)
        };
        let command = match cmd {
            Wire::InspectionRecord {
                template,
                staff,
                items,
                note,
                visited_at_ms,
                shopper,
            } => InspectCommand::Record(Record {
                template: template.clone(),
                items: items
                    .iter()
                    .map(|a| ItemAnswer {
                        item: a.item.clone(),
                        pass: a.pass,
                        note: a.note.as_deref().map(text).filter(|n| !n.is_empty()),
                    })
                    .collect(),
                note: note.as_deref().map(text).filter(|n| !n.is_empty()),
                visited_at: *visited_at_ms,
                shopper: shopper.as_deref().map(text).filter(|n| !n.is_empty()),
                by: who(staff),
                device: dev.id.to_string(),
            }),
            Wire::CorrectionFollowUp {
                correction,
                note,
                staff,
            } => InspectCommand::FollowUp {
                correction: correction.clone(),
                note: text(note),
                by: who(staff),
            },
            Wire::CorrectionClose {
                correction,
                note,
                staff,
            } => InspectCommand::Close {
                correction: correction.clone(),
                note: text(note),
                by: who(staff),
            },
            other => {
                return Err(ErrorInfo::new(ErrorCode::Internal)
                    .with_detail(format!("{} is not an inspection command", other.kind())));
            }
        };
        let offset = config.hall.utc_offset_min;
        let events = self
            .register
            .decide(&config.inspections, offset, &command, now)
            .map_err(refusal)?;
        for e in &events {
            self.register.apply(offset, now, e);
        }
        let result = reply(&events);
        let events = events
            .into_iter()
            .map(|inspection| Event {
                at_ms: now,
                kind: EventKind::Inspection { inspection },
            })
            .collect();
        Ok((result, events))
    }

    /// `state/inspections` at `now` (`rev` and `at_ms` are the publisher's).
    pub fn state(&self, config: &HallConfig, now: Timestamp) -> Inspections {
        let section = &config.inspections;
        let checklists = self
            .register
            .due(section, &hours(config), now)
            .into_iter()
            .map(|(t, o, s)| ChecklistDue {
                template: t.code.clone(),
                name: t.name.clone(),
                kind: t.kind.as_str().into(),
                status: match s {
                    Status::Overdue => DueStatus::Overdue,
                    Status::Due => DueStatus::Due,
                    _ => DueStatus::Upcoming,
                },
                due_at_ms: o.due_at,
                deadline_ms: o.deadline,
                last_done_ms: self.register.done(&t.code).last().copied(),
                items: items(t),
            })
            .collect();
        let on_demand = section
            .on_demand()
            .map(|t| OnDemandChecklist {
                template: t.code.clone(),
                name: t.name.clone(),
                kind: t.kind.as_str().into(),
                items: items(t),
            })
            .collect();
        let mut corrections: Vec<CorrectionCase> = self
            .register
            .corrections()
            .iter()
            .map(|(id, c)| CorrectionCase {
                correction: id.clone(),
                inspection: c.inspection.clone(),
                template: c.template.clone(),
                item: c.item.clone(),
                item_text: section
                    .template(&c.template)
                    .and_then(|t| t.item(&c.item))
                    .map_or_else(
                        || LocalText::new(c.item.clone(), c.item.clone()),
                        |i| i.text.clone(),
                    ),
                note: c.note.clone(),
                opened_at_ms: c.opened_at,
                due_ms: c.due,
                follow_ups: c.follow_ups,
                late: now > c.due,
            })
            .collect();
        corrections.sort_by_key(|c| (c.opened_at_ms, c.correction.clone()));
        Inspections {
            v: SCHEMA_VERSION,
            rev: 0,
            at_ms: Timestamp(0),
            checklists,
            corrections,
            on_demand,
        }
    }
}

/// A checklist's items as the devices ask them.
fn items(t: &hallq_inspect::Template) -> Vec<ChecklistItem> {
    t.items
        .iter()
        .map(|i| ChecklistItem {
            item: i.code.clone(),
            text: i.text.clone(),
            critical: i.critical,
        })
        .collect()
}

/// The reply to a command whose events are `events`.
fn reply(events: &[InspectionEvent]) -> ReplyResult {
    match events.first() {
        Some(InspectionEvent::Recorded {
            inspection, items, ..
        }) => ReplyResult::Inspection {
            inspection: inspection.clone(),
            items_passed: u32::try_from(items.iter().filter(|i| i.pass).count())
                .unwrap_or(u32::MAX),
            items_checked: u32::try_from(items.len()).unwrap_or(u32::MAX),
            critical_failed: items.iter().any(|i| i.critical && !i.pass),
            corrections: events
                .iter()
                .filter_map(|e| match e {
                    InspectionEvent::CorrectionOpened {
                        correction,
                        item,
                        due_ms,
                        ..
                    } => Some(CorrectionOpened {
                        correction: correction.clone(),
                        item: item.clone(),
                        due_ms: *due_ms,
                    }),
                    _ => None,
                })
                .collect(),
        },
        Some(InspectionEvent::CorrectionFollowedUp { correction, .. }) => ReplyResult::Correction {
            correction: correction.clone(),
            closed: false,
        },
        Some(InspectionEvent::CorrectionClosed { correction, .. }) => ReplyResult::Correction {
            correction: correction.clone(),
            closed: true,
        },
        // A command of the register always makes an event; this is never sent.
        Some(InspectionEvent::CorrectionOpened { .. }) | None => ReplyResult::Done,
    }
}
