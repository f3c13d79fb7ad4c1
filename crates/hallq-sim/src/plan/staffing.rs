//! The counters' schedule and the door counter's reports.

use hallq_hub::HallConfig;
use hallq_proto::{BusinessDay, CounterNo, PauseReason, StaffNo, Timestamp, time};

use super::{Break, Customer, Devices, DoorReport, MIN, Shift, SimConfig};
use crate::rng::Rng;
use crate::scenario::Scenario;

/// The counters' schedule: the scenario's, or one derived from the hall's counters. The
/// derived one staffs two thirds of the counters (and whichever more it takes so that every
/// business type is served) from before opening until everyone is served, with staggered meal
/// breaks (错峰用餐) between 11:30 and 13:30; the others open for the peak hours only.
pub(super) fn shifts(
    config: &SimConfig,
    devices: &Devices,
    day: BusinessDay,
    seed: u64,
    notes: &mut Vec<String>,
) -> Vec<Shift> {
    let hall = &config.hall;
    let offset = hall.hall.utc_offset_min;
    let at = |minute: u32| time::at(day, minute, offset);
    let (open, close) = (hall.hours.open.minutes(), hall.hours.close.minutes());
    let staff_list: Vec<StaffNo> = hall.staff.iter().map(|s| s.number.clone()).collect();
    let staff_for = |i: usize, counter: u16| {
        staff_list.get(i).cloned().unwrap_or_else(|| {
            StaffNo::new(format!("E1{counter:03}"))
                .unwrap_or_else(|_| unreachable!("a counter number makes a valid staff number"))
        })
    };
    let mut out = Vec::new();
    if !config.scenario.shifts.is_empty() {
        for (i, s) in config.scenario.shifts.iter().enumerate() {
            let Some(device) = devices.counters.get(&s.counter) else {
                notes.push(format!(
                    "counter {} has no terminal in the hall's devices: its shift is left out",
                    s.counter
                ));
                continue;
            };
            let staff = s
                .staff
                .as_ref()
                .and_then(|n| StaffNo::new(n.clone()).ok())
                .unwrap_or_else(|| staff_for(i, s.counter));
            out.push(Shift {
                counter: CounterNo(s.counter),
                device: device.clone(),
                staff,
                from: at(s.from.minutes()),
                to: at(s.to.minutes()),
                serves_after_close: s.serves_after_close.unwrap_or(s.to.minutes() >= close),
                breaks: s
                    .breaks
                    .iter()
                    .map(|b| Break {
                        at: at(b.at.minutes()),
                        secs: i64::from(b.min) * MIN,
                        reason: b.reason,
                    })
                    .collect(),
            });
        }
        return out;
    }
    let mut counters: Vec<_> = hall
        .queue
        .counters
        .iter()
        .filter(|c| {
            let has = devices.counters.contains_key(&c.number.0);
            if !has {
                notes.push(format!(
                    "counter {} has no terminal in the hall's devices: not staffed",
                    c.number
                ));
            }
            has
        })
        .collect();
    counters.sort_by_key(|c| c.number);
    let core_n = (counters.len() * 2).div_ceil(3).max(1).min(counters.len());
    let mut core: Vec<bool> = (0..counters.len()).map(|i| i < core_n).collect();
    for b in &hall.queue.business {
        let covered = counters
            .iter()
            .zip(&core)
            .any(|(c, is_core)| *is_core && c.skills.contains(&b.code));
        if !covered && let Some(i) = counters.iter().position(|c| c.skills.contains(&b.code)) {
            core[i] = true;
        }
    }
    // Peak counters open 90 minutes after the hall and close an hour before it, where the day
    // is long enough.
    let (peak_from, peak_to) = if close > open + 240 {
        (open + 90, close - 60)
    } else {
        (open, close)
    };
    let mut rng = Rng::new(seed, 2);
    let mut meal = 0;
    for (i, (c, is_core)) in counters.iter().zip(&core).enumerate() {
        let device = devices.counters[&c.number.0].clone();
        let staff = staff_for(i, c.number.0);
        if *is_core {
            // Staggered meals, half an hour each, in the lunch dip: 11:30, 12:00, 12:30, 13:00.
            let meal_at = 11 * 60 + 30 + 30 * (meal % 4);
            meal += 1;
            let breaks = if meal_at > open && meal_at + 30 < close {
                vec![Break {
                    at: at(meal_at).plus_secs(rng.between(0, 5) * MIN),
                    secs: 30 * MIN,
                    reason: PauseReason::Meal,
                }]
            } else {
                Vec::new()
            };
            out.push(Shift {
                counter: c.number,
                device,
                staff,
                from: at(open).plus_secs(-5 * MIN),
                to: at(close),
                serves_after_close: true,
                breaks,
            });
        } else {
            out.push(Shift {
                counter: c.number,
                device,
                staff,
                from: at(peak_from),
                to: at(peak_to),
                serves_after_close: false,
                breaks: Vec::new(),
            });
        }
    }
    out
}

/// The door counter reports everyone who came in (and a companion now and then) and the
/// passers-by, every few minutes of the opening hours.
pub(super) fn door_reports(
    hall: &HallConfig,
    sc: &Scenario,
    devices: &Devices,
    customers: &[Customer],
    open: Timestamp,
    close: Timestamp,
    seed: u64,
) -> Vec<DoorReport> {
    let Some(device) = devices.doors.first() else {
        return Vec::new();
    };
    // The door counter's firmware profile says how often it reports and whether it sees the
    // passers-by; the scenario's interval without one.
    let door = hall
        .devices
        .iter()
        .find(|d| &d.id == device)
        .and_then(|d| d.profile.as_ref())
        .and_then(|name| hall.profiles.as_ref()?.get(name))
        .and_then(|p| p.door.clone());
    let step = door
        .as_ref()
        .map_or(i64::from(sc.door_report_min.max(1)) * MIN, |d| {
            i64::from(d.report_every_secs.max(1))
        });
    let passers_by = door.as_ref().is_none_or(|d| d.counts_passers_by);
    let mut rng = Rng::new(seed, 3);
    let mut out = Vec::new();
    let mut from = open;
    while from < close {
        let to = from.plus_secs(step).min(close);
        let came = customers
            .iter()
            .filter(|c| c.arrives_at >= from && c.arrives_at < to)
            .count() as i64;
        let companions = (0..came).filter(|_| rng.chance(0.15)).count() as i64;
        let entered = came + companions;
        out.push(DoorReport {
            device: device.clone(),
            at: to,
            entered: entered as u32,
            passed_by: passers_by.then(|| rng.between(entered, 3 * entered + 6) as u32),
        });
        from = to;
    }
    out
}
