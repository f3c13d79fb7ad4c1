//! When a checklist falls due, and whether each occasion was kept.
//!
//! One walk serves both the console's live view and the report: [`occasions`] lays a
//! template's schedule over a span of time and matches the inspections done to it. An
//! [`Occasion`] has
//! - `due_at`: from when it is due (the console lists it from then),
//! - `deadline`: after this it is overdue (red), which is the due time plus the template's
//!   `grace_min` (a patrol due every 2 hours with 15 minutes' grace is red 20 minutes late),
//! - `window`: the span an inspection must fall in to count for it. Done after the deadline
//!   but within the window, it was kept late; not done by the window's end, it was missed.
//!
//! The schedules, in hall-local time (opening hours `open`–`close`):
//! - before opening: each day, due an hour before `open`, deadline `open` + grace, window the
//!   day until `close`;
//! - every N hours: each day from `open`, due N hours after the last one done (or after
//!   `open`), deadline due + grace, window until the next would fall due or `close`. One done
//!   early counts, and the next is due N hours after it. One missed: the next is due N hours
//!   after the missed one's due time;
//! - after closing: each day, due at `close`, deadline `close` + grace, window from an hour
//!   before `close` to the next day's `open`;
//! - weekly: each Monday-to-Sunday week, due from Monday, deadline `weekday`'s `close` + grace;
//! - monthly: each calendar month, due from the 1st, deadline `month_day`'s (or the month's
//!   last day's) `close` + grace;
//! - on demand: never due.

use hallq_proto::{BusinessDay, Timestamp, time};
use serde::{Deserialize, Serialize};

use crate::template::{ScheduleKind, Template};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

/// The hall's opening hours and time zone, as the schedules need them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hours {
    /// Opening, local minutes after midnight.
    pub open_min: u32,
    /// Closing, local minutes after midnight (after `open_min`).
    pub close_min: u32,
    /// Minutes east of UTC.
    pub utc_offset_min: i32,
}

impl Hours {
    fn at(&self, day: i64, minute: u32) -> Timestamp {
        time::at(self.day(day), minute, self.utc_offset_min)
    }

    fn day(&self, n: i64) -> BusinessDay {
        let (y, m, d) = time::civil_from_days(n);
        BusinessDay(u32::try_from(y).unwrap_or(0) * 10_000 + m * 100 + d)
    }

    /// The local day number (days since 1970-01-01) of `t`.
    pub fn day_of(&self, t: Timestamp) -> i64 {
        time::day_number(time::local(t, self.utc_offset_min).0)
    }
}

/// One time a checklist was due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Occasion {
    /// From when it is due.
    pub due_at: Timestamp,
    /// Overdue after this.
    pub deadline: Timestamp,
    /// An inspection at or after this counts for it …
    pub window_start: Timestamp,
    /// … and before this.
    pub window_end: Timestamp,
    /// When the inspection that kept it was recorded.
    pub done_at: Option<Timestamp>,
}

/// Where an occasion stands at a given time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Not due yet.
    Upcoming,
    /// Due, within its grace.
    Due,
    /// Past its deadline and not done: red on the console.
    Overdue,
    /// Done by its deadline.
    Kept,
    /// Done after its deadline.
    Late,
    /// Not done within its window.
    Missed,
}

impl Occasion {
    /// Where it stands at `now`.
    pub fn status(&self, now: Timestamp) -> Status {
        match self.done_at {
            Some(t) if t <= self.deadline => Status::Kept,
            Some(_) => Status::Late,
            None if now >= self.window_end => Status::Missed,
            None if now > self.deadline => Status::Overdue,
            None if now >= self.due_at => Status::Due,
            None => Status::Upcoming,
        }
    }
}

/// The first of `done` (sorted) in `[from, to)`.
fn first_in(done: &[Timestamp], from: Timestamp, to: Timestamp) -> Option<Timestamp> {
    let i = done.partition_point(|t| *t < from);
    done.get(i).copied().filter(|t| *t < to)
}

/// The occasions of `template` whose window meets `[from, to)`, in time order, each matched with
/// the first inspection of `done` (the template's, sorted) in its window.
pub fn occasions(
    template: &Template,
    hours: &Hours,
    done: &[Timestamp],
    from: Timestamp,
    to: Timestamp,
) -> Vec<Occasion> {
    let mut out = Vec::new();
    let grace = i64::from(template.grace_min) * MINUTE;
    let (open, close) = (hours.open_min, hours.close_min);
    let first_day = hours.day_of(from) - 1;
    let last_day = hours.day_of(to) + 1;
    let mut push = |due_at: Timestamp, deadline: Timestamp, ws: Timestamp, we: Timestamp| {
        if we > from && ws < to {
            out.push(Occasion {
                due_at,
                deadline,
                window_start: ws,
                window_end: we,
                done_at: first_in(done, ws, we),
            });
        }
    };
    match template.schedule {
        ScheduleKind::OnDemand => {}
        ScheduleKind::BeforeOpening => {
            for d in first_day..=last_day {
                let o = hours.at(d, open);
                let due = Timestamp(o.0 - HOUR);
                push(
                    due,
                    Timestamp(o.0 + grace),
                    hours.at(d, 0),
                    hours.at(d, close),
                );
            }
        }
        ScheduleKind::AfterClosing => {
            for d in first_day..=last_day {
                let c = hours.at(d, close);
                let next_open = hours.at(d + 1, open);
                push(c, Timestamp(c.0 + grace), Timestamp(c.0 - HOUR), next_open);
            }
        }
        ScheduleKind::EveryHours => {
            let every = i64::from(template.every_hours.unwrap_or(2)) * HOUR;
            for d in first_day..=last_day {
                let (o, c) = (hours.at(d, open), hours.at(d, close));
                let mut cursor = o;
                let mut lo = o;
                loop {
                    let due = Timestamp(cursor.0 + every);
                    if due >= c || cursor >= to {
                        break;
                    }
                    let we = Timestamp((due.0 + every).min(c.0));
                    let done_at = first_in(done, lo, we);
                    push(due, Timestamp(due.0 + grace), lo, we);
                    // The window of the next one starts after this one's inspection (or its due
                    // time when missed): one inspection keeps one occasion.
                    match done_at {
                        Some(t) => {
                            cursor = t;
                            lo = Timestamp(t.0 + 1);
                        }
                        None => {
                            cursor = due;
                            lo = we;
                        }
                    }
                }
            }
        }
        ScheduleKind::Weekly => {
            let wd = i64::from(template.weekday.unwrap_or(7));
            // ISO weekday of day n: 1970-01-01 was a Thursday (4).
            let monday = |n: i64| n - (n + 3).rem_euclid(7);
            let mut m = monday(first_day);
            while m <= last_day {
                let dl = hours.at(m + wd - 1, close);
                push(
                    hours.at(m, 0),
                    Timestamp(dl.0 + grace),
                    hours.at(m, 0),
                    hours.at(m + 7, 0),
                );
                m += 7;
            }
        }
        ScheduleKind::Monthly => {
            let md = u32::from(template.month_day.unwrap_or(1));
            let (mut y, mut mo, _) = time::civil_from_days(first_day);
            loop {
                let start = time::days_from_civil(y, mo, 1);
                if start > last_day {
                    break;
                }
                let (ny, nm) = if mo == 12 { (y + 1, 1) } else { (y, mo + 1) };
                let next = time::days_from_civil(ny, nm, 1);
                let last = i64::from(md).min(next - start) - 1;
                let dl = hours.at(start + last, close);
                push(
                    hours.at(start, 0),
                    Timestamp(dl.0 + grace),
                    hours.at(start, 0),
                    hours.at(next, 0),
                );
                (y, mo) = (ny, nm);
            }
        }
    }
    out
}

/// What the console shows of one checklist at `now`: the occasion due or overdue now (the
/// earliest if several), or else the next one coming. None for checklists never due.
pub fn current(
    template: &Template,
    hours: &Hours,
    done: &[Timestamp],
    now: Timestamp,
) -> Option<(Occasion, Status)> {
    let span = match template.schedule {
        ScheduleKind::OnDemand => return None,
        ScheduleKind::Monthly => 32 * 24 * HOUR,
        ScheduleKind::Weekly => 8 * 24 * HOUR,
        _ => 2 * 24 * HOUR,
    };
    let all = occasions(
        template,
        hours,
        done,
        Timestamp(now.0 - span),
        Timestamp(now.0 + span),
    );
    let open = all
        .iter()
        .find(|o| matches!(o.status(now), Status::Due | Status::Overdue) && o.window_start <= now);
    let next = || all.iter().find(|o| o.status(now) == Status::Upcoming);
    open.or_else(next).map(|o| (*o, o.status(now)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::{InspectionsSection, default_set};

    /// 2026-12-07 (a Monday), hall open 08:30–17:30 China time.
    const HOURS: Hours = Hours {
        open_min: 8 * 60 + 30,
        close_min: 17 * 60 + 30,
        utc_offset_min: 480,
    };

    fn at(day: u32, h: u32, m: u32) -> Timestamp {
        time::at(BusinessDay(20261200 + day), h * 60 + m, 480)
    }

    fn tpl(code: &str) -> Template {
        InspectionsSection::default()
            .template(code)
            .unwrap()
            .clone()
    }

    #[test]
    fn a_patrol_twenty_minutes_late_is_overdue() {
        let patrol = tpl("patrol");
        // The first patrol is due at 10:30 (two hours after opening), red from 10:45.
        let (o, s) = current(&patrol, &HOURS, &[], at(7, 10, 40)).unwrap();
        assert_eq!((o.due_at, s), (at(7, 10, 30), Status::Due));
        let (_, s) = current(&patrol, &HOURS, &[], at(7, 10, 50)).unwrap();
        assert_eq!(s, Status::Overdue);
        // Done at 10:55: kept late, and the next is due two hours after it.
        let done = [at(7, 10, 55)];
        let (o, s) = current(&patrol, &HOURS, &done, at(7, 11, 0)).unwrap();
        assert_eq!((o.due_at, s), (at(7, 12, 55), Status::Upcoming));
        let day = occasions(&patrol, &HOURS, &done, at(7, 0, 0), at(8, 0, 0));
        assert_eq!(day[0].status(at(7, 11, 0)), Status::Late);
    }

    #[test]
    fn patrols_done_on_time_all_day_are_kept_and_none_is_due_after_closing() {
        let patrol = tpl("patrol");
        let done = [at(7, 10, 20), at(7, 12, 10), at(7, 14, 5), at(7, 16, 0)];
        let day = occasions(&patrol, &HOURS, &done, at(7, 0, 0), at(8, 0, 0));
        let s: Vec<_> = day.iter().map(|o| o.status(at(7, 23, 0))).collect();
        // 10:20 → 12:20 → 14:10 → 16:05; one due 18:00 would be after closing.
        assert_eq!(s, vec![Status::Kept; 4]);
        let (o, s) = current(&patrol, &HOURS, &done, at(7, 20, 0)).unwrap();
        assert_eq!((o.due_at, s), (at(8, 10, 30), Status::Upcoming));
    }

    #[test]
    fn a_missed_patrol_is_missed_and_the_next_counts_from_its_due_time() {
        let patrol = tpl("patrol");
        let day = occasions(&patrol, &HOURS, &[at(7, 13, 0)], at(7, 0, 0), at(8, 0, 0));
        let s: Vec<_> = day
            .iter()
            .map(|o| (o.due_at, o.status(at(7, 23, 0))))
            .collect();
        assert_eq!(
            s,
            vec![
                (at(7, 10, 30), Status::Missed),
                (at(7, 12, 30), Status::Late),
                (at(7, 15, 0), Status::Missed),
                (at(7, 17, 0), Status::Missed),
            ]
        );
    }

    #[test]
    fn the_daily_cleanings_fall_due_around_opening_and_closing() {
        let before = tpl("clean-open");
        let (o, s) = current(&before, &HOURS, &[], at(7, 7, 45)).unwrap();
        assert_eq!((o.deadline, s), (at(7, 8, 45), Status::Due));
        assert_eq!(
            current(&before, &HOURS, &[], at(7, 9, 0)).unwrap().1,
            Status::Overdue
        );
        let (o, s) = current(&before, &HOURS, &[at(7, 8, 0)], at(7, 9, 0)).unwrap();
        assert_eq!((o.due_at, s), (at(8, 7, 30), Status::Upcoming));
        let after = tpl("clean-close");
        let (o, s) = current(&after, &HOURS, &[], at(7, 18, 0)).unwrap();
        assert_eq!((o.deadline, s), (at(7, 18, 30), Status::Due));
        // Done the next morning before opening: late, not missed.
        let o = occasions(&after, &HOURS, &[at(8, 8, 0)], at(7, 12, 0), at(7, 18, 0));
        assert_eq!(o[0].status(at(8, 9, 0)), Status::Late);
    }

    #[test]
    fn weekly_and_monthly_checks_are_due_by_their_day() {
        // The seats: by Monday's closing, week of Monday 7 December.
        let seats = tpl("seats-weekly");
        let (o, s) = current(&seats, &HOURS, &[], at(7, 12, 0)).unwrap();
        assert_eq!((o.deadline, s), (at(7, 18, 30), Status::Due));
        assert_eq!(
            current(&seats, &HOURS, &[], at(8, 9, 0)).unwrap().1,
            Status::Overdue
        );
        // Done on Wednesday: late, and next due from Monday 14th.
        let (o, s) = current(&seats, &HOURS, &[at(9, 10, 0)], at(9, 11, 0)).unwrap();
        assert_eq!((o.due_at, s), (at(14, 0, 0), Status::Upcoming));
        // The filter by the 5th: December's was done on the 3rd.
        let filter = tpl("water-filter");
        let (o, s) = current(&filter, &HOURS, &[at(3, 9, 0)], at(7, 9, 0)).unwrap();
        assert_eq!(s, Status::Upcoming);
        assert_eq!(
            o.deadline,
            time::at(BusinessDay(20270105), 17 * 60 + 30 + 60, 480)
        );
        // A month_day past the month's end is its last day.
        let mut late = filter.clone();
        late.month_day = Some(31);
        let feb = occasions(
            &late,
            &HOURS,
            &[],
            time::at(BusinessDay(20270210), 0, 480),
            time::at(BusinessDay(20270211), 0, 480),
        );
        assert_eq!(
            feb[0].deadline,
            time::at(BusinessDay(20270228), 18 * 60 + 30, 480)
        );
    }

    #[test]
    fn a_mystery_shopper_is_never_due() {
        for t in default_set() {
            let none = current(&t, &HOURS, &[], at(7, 12, 0)).is_none();
            assert_eq!(none, t.code == "mystery-shopper", "{}", t.code);
        }
    }
}
