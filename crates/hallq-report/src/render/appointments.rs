//! The appointment section's sentences and tables (预约), once for the terminal, the page and
//! the CSV files.

use hallq_proto::time;

use super::{Table, pct1};
use crate::appointments::{Appointments, Section};
use crate::report::Report;

/// What the section says when there are no figures; `None` when there are.
pub(crate) fn absent(r: &Report) -> Option<&'static str> {
    match &r.appointments {
        Section::Off => Some(
            "the hall takes no bookings ([booking] not configured): no appointment figures / 本厅未开通预约，无预约数据",
        ),
        Section::NoneBooked => {
            Some("the hall takes bookings, but none was made in or for these days / 本期无预约")
        }
        Section::Figures(_) => None,
    }
}

/// The figures, if any.
pub(crate) fn figures(r: &Report) -> Option<&Appointments> {
    match &r.appointments {
        Section::Figures(a) => Some(a),
        _ => None,
    }
}

fn minutes(m: Option<f64>) -> String {
    m.map_or("-".into(), |m| format!("{m:.1}"))
}

/// The section's sentence: the days, the totals, punctuality's median, the arrivals.
pub(crate) fn summary(a: &Appointments) -> String {
    let t = &a.total;
    format!(
        "bookings for {} to {} 预约日期: {} made 预约 ({} cancelled 取消, {} moved 改约), \
         {} checked in on time 准时签到, {} late (queued as walk-ins) 迟到按现场, {} no-shows 爽约, \
         {} still open 未到期; {} bookings made in the period 期间新建, {} for later days 以后日期; \
         check-in minus slot start, median 签到较时段中位 {} min; {} of {} booked tickets have \
         their arrival (touchpoint 2) 有到达接触点",
        time::iso_date(a.first_day),
        time::iso_date(a.last_day),
        t.made,
        t.cancelled,
        t.changed,
        t.on_time,
        t.late,
        t.no_show,
        t.open,
        a.made_in_period,
        a.later_days,
        minutes(a.punctuality_median_min),
        a.with_arrival,
        a.checked_in_tickets,
    )
}

/// Bookings per business type and what became of them, with the places against capacity.
pub(crate) fn bookings(a: &Appointments) -> Table {
    Table {
        header: vec![
            "business 业务",
            "made 预约",
            "cancelled 取消",
            "on time 准时",
            "late 迟到",
            "no-show 爽约",
            "open 未到期",
            "places 占用",
            "capacity 容量",
            "utilisation 利用率",
        ],
        rows: a
            .rows
            .iter()
            .chain(std::iter::once(&a.total))
            .map(|r| {
                vec![
                    r.name.clone(),
                    r.made.to_string(),
                    r.cancelled.to_string(),
                    r.on_time.to_string(),
                    r.late.to_string(),
                    r.no_show.to_string(),
                    r.open.to_string(),
                    r.places.to_string(),
                    r.capacity.to_string(),
                    pct1(r.utilisation_pct()),
                ]
            })
            .collect(),
    }
}

/// Check-in minus slot start.
pub(crate) fn punctuality(a: &Appointments) -> Table {
    Table {
        header: vec!["check-in vs slot 签到较时段", "bookings 预约"],
        rows: a
            .punctuality
            .iter()
            .map(|(label, n)| vec![label.clone(), n.to_string()])
            .collect(),
    }
}

/// Waits of booked, late and walk-in customers of each business type side by side.
pub(crate) fn waits(a: &Appointments) -> Table {
    Table {
        header: vec![
            "business 业务",
            "customers 客户",
            "tickets 取号",
            "called 叫号",
            "mean wait 平均等候 (min)",
            "within wait target 等候达标",
            "served 办结",
        ],
        rows: a
            .waits
            .iter()
            .map(|w| {
                vec![
                    w.business.clone(),
                    w.class.label().to_owned(),
                    w.acc.tickets.to_string(),
                    w.acc.called.to_string(),
                    minutes(w.mean_wait_min()),
                    pct1(w.within_target_pct()),
                    w.acc.served.to_string(),
                ]
            })
            .collect(),
    }
}

/// The head start booked customers took against the bound (as the priority classes').
pub(crate) fn head_start(a: &Appointments) -> Table {
    Table {
        header: vec![
            "booked 预约",
            "walk-ins overtaken 超过现场号",
            "largest head start used 实际最大提前 (min)",
            "bound 上限 (late + head start 迟到+提前, min)",
            "beyond it 超出",
            "bound 上限",
        ],
        rows: vec![vec![
            "booked 预约".to_owned(),
            a.overtakes.to_string(),
            minutes(a.max_head_start_min),
            a.bound_min.to_string(),
            a.beyond_bound.to_string(),
            if a.held() {
                "held 守住"
            } else {
                "EXCEEDED 超出"
            }
            .into(),
        ]],
    }
}

/// Slot utilisation per business type and half-hour, over the days reported.
pub(crate) fn slots(a: &Appointments) -> Table {
    Table {
        header: vec![
            "business 业务",
            "slot 时段",
            "booked 已约",
            "capacity 容量",
            "utilisation 利用率",
        ],
        rows: a
            .slots
            .iter()
            .map(|s| {
                vec![
                    s.business.clone(),
                    format!("{:02}:{:02}", s.start_min / 60, s.start_min % 60),
                    s.booked.to_string(),
                    s.capacity.to_string(),
                    pct1(s.utilisation_pct()),
                ]
            })
            .collect(),
    }
}

/// The section's lines of summary.csv, and its files (none without figures).
pub(crate) struct CsvParts {
    pub(crate) summary: Vec<(String, String)>,
    pub(crate) files: Vec<(&'static str, Table)>,
}

/// The CSV files of the section (none without figures) and its summary lines.
pub(crate) fn csv_parts(r: &Report) -> CsvParts {
    let Some(a) = figures(r) else {
        let state = match r.appointments {
            Section::Off => "off",
            _ => "none_booked",
        };
        return CsvParts {
            summary: vec![("appointments".into(), state.into())],
            files: Vec::new(),
        };
    };
    let t = &a.total;
    let mut summary: Vec<(String, String)> = vec![
        ("appointments".into(), "figures".into()),
        ("bookings_made".into(), t.made.to_string()),
        ("bookings_cancelled".into(), t.cancelled.to_string()),
        ("bookings_changed".into(), t.changed.to_string()),
        ("bookings_checked_in_on_time".into(), t.on_time.to_string()),
        ("bookings_checked_in_late".into(), t.late.to_string()),
        ("bookings_no_show".into(), t.no_show.to_string()),
        ("bookings_open".into(), t.open.to_string()),
        (
            "bookings_made_in_period".into(),
            a.made_in_period.to_string(),
        ),
        ("bookings_later_days".into(), a.later_days.to_string()),
        (
            "booking_punctuality_median_min".into(),
            minutes(a.punctuality_median_min),
        ),
        ("booking_overtakes".into(), a.overtakes.to_string()),
        (
            "booking_head_start_max_used_min".into(),
            minutes(a.max_head_start_min),
        ),
        (
            "booking_head_start_bound_min".into(),
            a.bound_min.to_string(),
        ),
        ("booking_beyond_bound".into(), a.beyond_bound.to_string()),
        ("booked_tickets".into(), a.checked_in_tickets.to_string()),
        (
            "booked_tickets_with_arrival".into(),
            a.with_arrival.to_string(),
        ),
    ];
    for (i, (_, n)) in a.punctuality.iter().enumerate() {
        summary.push((format!("booking_punctuality_bucket_{i}"), n.to_string()));
    }
    let files = vec![
        ("appointments.csv", bookings(a)),
        ("appointment_punctuality.csv", punctuality(a)),
        ("appointment_waits.csv", waits(a)),
        ("appointment_slots.csv", slots(a)),
    ];
    CsvParts { summary, files }
}
