//! The week hour by hour: load classes (高峰 / 中峰 / 低峰) and staffing, the counters needed
//! with the load carried from hour to hour ([`staffing::day_flow`]) beside the counters open,
//! and the service level promised and measured.

use crate::config::ReportConfig;
use crate::measures::{Measures, WEEK_HOURS};
use crate::report::pct;
use crate::staffing;

/// Load class of an hour (高峰 / 中峰 / 低峰).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// No arrivals in that hour.
    Closed,
    /// Below a third of the busiest hour.
    Low,
    /// Between.
    Mid,
    /// At least two thirds of the busiest hour.
    Peak,
}

impl Period {
    /// The class of an hour with `rate` arrivals, against the busiest hour's `busiest`: the
    /// one definition of 高峰 / 中峰 / 低峰, which the simulator's plans use too.
    pub fn of(rate: f64, busiest: f64) -> Self {
        if rate <= 0.0 {
            Self::Closed
        } else if rate >= busiest * 2.0 / 3.0 {
            Self::Peak
        } else if rate < busiest / 3.0 {
            Self::Low
        } else {
            Self::Mid
        }
    }

    /// Its label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Closed => "-",
            Self::Low => "低峰 low",
            Self::Mid => "中峰 mid",
            Self::Peak => "高峰 peak",
        }
    }
}

/// One hour of the week: load and staffing.
#[derive(Debug, Clone, PartialEq)]
pub struct HourRow {
    /// Monday = 0.
    pub weekday: usize,
    /// 0–23.
    pub hour: usize,
    /// Mean arrivals (visits) in this hour on a day of this weekday.
    pub arrivals: f64,
    /// Mean tickets.
    pub tickets: f64,
    /// Its class.
    pub period: Period,
    /// Mean time a ticket held a counter, seconds (this hour's, or the overall mean when the
    /// hour has fewer than 10).
    pub hold_secs: Option<f64>,
    /// Counters Erlang C needs for the waiting-time target, with the load carried from the
    /// hour before (the modified offered load, [`staffing::day_flow`]).
    pub needed: Option<u32>,
    /// Counters open on average.
    pub open: f64,
    /// The service level the model promises with the counters open (rounded), the load
    /// carried in and the queue the hours before left, percent.
    pub sl_promised_pct: Option<f64>,
    /// The service level measured: the hour's tickets called within the target, of those
    /// judged (as the KPI), percent.
    pub sl_measured_pct: Option<f64>,
}

/// The 168 hours of the week, Monday 00:00 first.
pub(crate) fn hours(cfg: &ReportConfig, m: &Measures) -> Vec<HourRow> {
    let t = &cfg.targets;
    let total_n: u64 = m.occupancy_n.iter().sum();
    let total_ms: i64 = m.occupancy_ms.iter().sum();
    let overall = (total_n > 0).then(|| total_ms as f64 / total_n as f64 / 1e3);
    let per_day = |v: f64, wd: usize| {
        if m.days[wd] == 0 {
            0.0
        } else {
            v / m.days[wd] as f64
        }
    };
    let busiest = (0..WEEK_HOURS)
        .map(|b| per_day(m.arrivals[b] as f64, b / 24))
        .fold(0.0, f64::max);
    let hold_of = |b: usize| {
        if m.occupancy_n[b] >= 10 {
            Some(m.occupancy_ms[b] as f64 / m.occupancy_n[b] as f64 / 1e3)
        } else {
            overall
        }
    };
    let target_secs = f64::from(t.wait_target_min) * 60.0;
    let level = t.wait_service_level_pct / 100.0;
    let mut rows = Vec::with_capacity(WEEK_HOURS);
    for wd in 0..7 {
        let day: Vec<staffing::HourLoad> = (wd * 24..wd * 24 + 24)
            .map(|b| staffing::HourLoad {
                per_hour: per_day(m.tickets_by_hour[b] as f64, wd),
                hold_secs: hold_of(b),
                open: per_day(m.open_ms[b] as f64 / 3.6e6, wd),
            })
            .collect();
        let flow = staffing::day_flow(&day);
        for (h, (load, f)) in day.iter().zip(flow).enumerate() {
            let b = wd * 24 + h;
            let arrivals = per_day(m.arrivals[b] as f64, wd);
            let tickets = load.per_hour;
            // The load in arrivals an hour at this hour's holding time, and the queue left
            // by the hours before as arrivals of this one.
            let carried = load.hold_secs.map(|hold| (f.load * 3600.0 / hold, hold));
            let needed = carried.and_then(|(per_hour, hold)| {
                staffing::counters_needed(per_hour, hold, target_secs, level)
            });
            let busy = tickets > 0.0 || f.load > 0.05;
            rows.push(HourRow {
                weekday: wd,
                hour: h,
                arrivals,
                tickets,
                period: Period::of(arrivals, busiest),
                hold_secs: if tickets > 0.0 { load.hold_secs } else { None },
                needed: if busy { needed } else { Some(0) },
                open: load.open,
                sl_promised_pct: carried.filter(|_| tickets > 0.0).map(|(per_hour, hold)| {
                    100.0
                        * staffing::service_level(
                            load.open.round() as u32,
                            per_hour + f.backlog,
                            hold,
                            target_secs,
                        )
                }),
                sl_measured_pct: pct(m.sl_within_by_hour[b], m.sl_judged_by_hour[b]),
            });
        }
    }
    rows
}
