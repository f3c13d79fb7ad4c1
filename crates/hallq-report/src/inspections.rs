//! Service-standard inspections (服务监督): the fourth KPI, 服务规范达标率 = items passed / items
//! checked, with a failed critical item failing its whole inspection (`hallq_inspect::score`,
//! docs/reports.md "Service-standard compliance"); by month and per inspection type; the
//! scheduled checklists kept, late and missed; the corrections opened, closed, open and late.
//!
//! Inspections are few (a handful a day) and outlive the report's days (a correction opened last
//! month is still open), so they are not part of the fold: [`read`] takes every inspection event
//! of the journal through its index, and [`figures`] computes the section from them. Pure but
//! for [`read`].

use std::collections::{BTreeMap, BTreeSet};

use hallq_inspect::schedule::{self, Status};
use hallq_inspect::score::Tally;
use hallq_inspect::{InspectionEvent, InspectionKind, ScheduleKind, Template};
use hallq_journal::Journal;
use hallq_proto::{BusinessDay, Timestamp, time};
use hallq_queue::EventKind;

pub use hallq_inspect::schedule::Hours;

use crate::error::ReportError;
use crate::read::DayRange;

/// What the section needs of the hall besides the events.
#[derive(Debug, Clone, PartialEq)]
pub struct Setup {
    /// The hall's checklists (hall.toml `[inspections]`, or the default set).
    pub templates: Vec<Template>,
    /// Opening hours and time zone.
    pub hours: Hours,
    /// The target, percent (95).
    pub target_pct: f64,
}

/// One month's compliance.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthRow {
    /// `YYYY-MM`, local.
    pub month: String,
    /// All inspections of the month.
    pub total: Tally,
    /// Per inspection type, in [`InspectionKind::ALL`] order, those with any.
    pub by_kind: Vec<(InspectionKind, Tally)>,
}

/// How one scheduled checklist's occasions in the range went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScheduleRow {
    /// The checklist's code.
    pub template: String,
    /// Its Chinese name.
    pub name_zh: String,
    /// Done by the deadline.
    pub kept: u64,
    /// Done after the deadline.
    pub late: u64,
    /// Not done at all.
    pub missed: u64,
    /// Past its deadline and not done at the report's time.
    pub overdue_now: u64,
}

/// A correction not closed at the report's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCorrection {
    /// Its id.
    pub id: String,
    /// The checklist and the item.
    pub template: String,
    /// The item.
    pub item: String,
    /// What was found.
    pub note: String,
    /// Opened.
    pub opened: Timestamp,
    /// Due.
    pub due: Timestamp,
}

/// The inspections section.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The target, percent.
    pub target_pct: f64,
    /// Local time = UTC + this many minutes, for the deadlines shown.
    pub utc_offset_min: i32,
    /// Every inspection recorded in the range.
    pub total: Tally,
    /// Per inspection type, those with any.
    pub by_kind: Vec<(InspectionKind, Tally)>,
    /// Per month, oldest first.
    pub months: Vec<MonthRow>,
    /// Per scheduled checklist.
    pub schedule: Vec<ScheduleRow>,
    /// Corrections opened in the range …
    pub corrections_opened: u64,
    /// … of them closed, and of those closed after their deadline.
    pub corrections_closed: (u64, u64),
    /// Corrections open at the report's time, whenever opened, oldest first.
    pub open: Vec<OpenCorrection>,
    /// Of them, past their deadline.
    pub open_late: u64,
}

/// Inspection events with their times, in journal order.
pub type Timed = Vec<(Timestamp, InspectionEvent)>;

/// Every inspection event of the journal with its time, in order, and the business days on
/// which tickets were issued (the days the hall was open, for the daily checklists).
pub fn read(journal: &Journal) -> Result<(Timed, BTreeSet<BusinessDay>), ReportError> {
    let events = journal
        .inspection_events()?
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::Inspection { inspection } => Some((e.at_ms, inspection)),
            _ => None,
        })
        .collect();
    let mut stmt = journal
        .connection()
        .prepare("SELECT DISTINCT day FROM tickets")?;
    let days = stmt
        .query_map([], |r| r.get::<_, u32>(0))?
        .collect::<Result<BTreeSet<u32>, _>>()?
        .into_iter()
        .map(BusinessDay)
        .collect();
    Ok((events, days))
}

fn month(t: Timestamp, offset: i32) -> String {
    let day = time::local(t, offset).0;
    format!("{}-{:02}", day.0 / 10_000, day.0 / 100 % 100)
}

fn by_kind(map: &BTreeMap<InspectionKind, Tally>) -> Vec<(InspectionKind, Tally)> {
    InspectionKind::ALL
        .iter()
        .filter_map(|k| map.get(k).map(|t| (*k, *t)))
        .collect()
}

/// The section for the days of `range` at `now`, from `events` (every inspection event of the
/// journal, in order) and `open_days` (the days tickets were issued). Occasions of a scheduled
/// checklist are judged from the first inspection the journal holds (before it, the hall did
/// not record inspections in hallq), up to `now`; those of the daily schedules only on days the
/// hall was open.
pub fn figures(
    setup: &Setup,
    events: &[(Timestamp, InspectionEvent)],
    open_days: &BTreeSet<BusinessDay>,
    range: DayRange,
    now: Timestamp,
) -> Section {
    let offset = setup.hours.utc_offset_min;
    let from = range
        .from
        .map_or(Timestamp(i64::MIN / 2), |d| time::at(d, 0, offset));
    let to = range.to.map_or(now, |d| {
        let next = time::day_number(d) + 1;
        let (y, m, dd) = time::civil_from_days(next);
        let next = BusinessDay(u32::try_from(y).unwrap_or(0) * 10_000 + m * 100 + dd);
        Timestamp(time::at(next, 0, offset).0.min(now.0))
    });
    let within = |t: Timestamp| t >= from && t < to;
    let mut total = Tally::default();
    let mut kinds: BTreeMap<InspectionKind, Tally> = BTreeMap::new();
    let mut months: BTreeMap<String, (Tally, BTreeMap<InspectionKind, Tally>)> = BTreeMap::new();
    let mut done: BTreeMap<&str, Vec<Timestamp>> = BTreeMap::new();
    // Corrections by id: opened at, due, closed at, and the row to list while open.
    let mut corrections: BTreeMap<&str, (Timestamp, Timestamp, Option<Timestamp>, OpenCorrection)> =
        BTreeMap::new();
    for (at, e) in events.iter().filter(|(at, _)| *at < now.plus_secs(1)) {
        match e {
            InspectionEvent::Recorded {
                template,
                kind,
                items,
                ..
            } => {
                done.entry(template.as_str()).or_default().push(*at);
                if within(*at) {
                    total.add(items);
                    kinds.entry(*kind).or_default().add(items);
                    let m = months.entry(month(*at, offset)).or_default();
                    m.0.add(items);
                    m.1.entry(*kind).or_default().add(items);
                }
            }
            InspectionEvent::CorrectionOpened {
                correction,
                template,
                item,
                note,
                due_ms,
                ..
            } => {
                let row = OpenCorrection {
                    id: correction.clone(),
                    template: template.clone(),
                    item: item.clone(),
                    note: note.clone(),
                    opened: *at,
                    due: *due_ms,
                };
                corrections.insert(correction.as_str(), (*at, *due_ms, None, row));
            }
            InspectionEvent::CorrectionClosed { correction, .. } => {
                if let Some(c) = corrections.get_mut(correction.as_str()) {
                    c.2 = Some(*at);
                }
            }
            InspectionEvent::CorrectionFollowedUp { .. } => {}
        }
    }
    let first = events.first().map(|(at, _)| *at);
    let schedule = setup
        .templates
        .iter()
        .filter(|t| t.schedule != ScheduleKind::OnDemand)
        .map(|t| {
            let times = done.get(t.code.as_str()).map_or(&[][..], Vec::as_slice);
            let daily = matches!(
                t.schedule,
                ScheduleKind::BeforeOpening | ScheduleKind::EveryHours | ScheduleKind::AfterClosing
            );
            let mut row = ScheduleRow {
                template: t.code.clone(),
                name_zh: t.name.zh.clone(),
                kept: 0,
                late: 0,
                missed: 0,
                overdue_now: 0,
            };
            let Some(first) = first else { return row };
            let start = Timestamp(from.0.max(first.0));
            for o in schedule::occasions(t, &setup.hours, times, start, to) {
                // Judged in the range it falls due in, from the first inspection on.
                if o.deadline < start || o.deadline >= to {
                    continue;
                }
                if daily && !open_days.contains(&time::local(o.due_at, offset).0) {
                    continue;
                }
                match o.status(now) {
                    Status::Kept => row.kept += 1,
                    Status::Late => row.late += 1,
                    Status::Missed => row.missed += 1,
                    Status::Overdue => row.overdue_now += 1,
                    Status::Due | Status::Upcoming => {}
                }
            }
            row
        })
        .collect();
    let opened_in: Vec<_> = corrections.values().filter(|c| within(c.0)).collect();
    let closed: Vec<_> = opened_in
        .iter()
        .filter_map(|c| c.2.map(|at| (at, c.1)))
        .collect();
    let mut open: Vec<OpenCorrection> = corrections
        .values()
        .filter(|c| c.2.is_none())
        .map(|c| c.3.clone())
        .collect();
    open.sort_by_key(|c| (c.opened, c.id.clone()));
    Section {
        target_pct: setup.target_pct,
        utc_offset_min: offset,
        total,
        by_kind: by_kind(&kinds),
        months: months
            .into_iter()
            .map(|(month, (total, kinds))| MonthRow {
                month,
                total,
                by_kind: by_kind(&kinds),
            })
            .collect(),
        schedule,
        corrections_opened: opened_in.len() as u64,
        corrections_closed: (
            closed.len() as u64,
            closed.iter().filter(|(at, due)| at > due).count() as u64,
        ),
        open_late: open.iter().filter(|c| now > c.due).count() as u64,
        open,
    }
}
