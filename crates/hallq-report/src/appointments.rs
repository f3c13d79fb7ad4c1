//! Appointments (预约, issue 15 §3; docs/reports.md "Appointments"): what became of the
//! bookings for the days reported, how punctual the booked customers were, their waits beside
//! walk-ins' of the same business type, the head start they took against its bound, and how
//! full the slots were.
//!
//! The fold hands over the book's events (`booking` rows: a few per booking) in journal order,
//! each booked or late ticket's record when its day closes, and each booked ticket's
//! overtakes at its first call. The book is replayed only when the figures are made, so that
//! ranges folded apart join by appending (a booking made in one range is checked in in the
//! next), and bookings made before the range are carried in the same way
//! ([`crate::read::carried_bookings`]).

use std::collections::BTreeMap;

use hallq_booking::{Arrival, BookingEvent, SlotRules};
use hallq_proto::{BusinessDay, Priority, Timestamp, time};

use crate::config::ReportConfig;
use crate::visit::{TicketEnd, TicketRecord};

/// How a ticket came to be, for the waits side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// A booked customer's on-time check-in: queued by the booking's head start.
    Booked,
    /// A booked customer who came later than the limit: queued as a walk-in.
    Late,
    /// A walk-in.
    WalkIn,
}

impl Class {
    /// All three, in the tables' order.
    pub const ALL: [Class; 3] = [Class::Booked, Class::Late, Class::WalkIn];

    fn index(self) -> usize {
        match self {
            Self::Booked => 0,
            Self::Late => 1,
            Self::WalkIn => 2,
        }
    }

    /// Its label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Booked => "booked 预约",
            Self::Late => "booked, late 预约迟到",
            Self::WalkIn => "walk-in 现场",
        }
    }
}

/// One class's tickets of one business type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClassAcc {
    /// Tickets.
    pub tickets: u64,
    /// Called.
    pub called: u64,
    /// Their waits (ticket → first call), summed, ms.
    pub wait_sum_ms: i64,
    /// Called within the waiting-time target.
    pub within_target: u64,
    /// Served.
    pub served: u64,
}

/// What the fold gathers for the appointment figures.
#[derive(Debug, Clone, Default)]
pub struct AppointmentsAcc {
    /// The book's events in journal order, with their time (ms).
    pub(crate) events: Vec<(i64, BookingEvent)>,
    /// Per business type: booked, late, walk-in.
    pub(crate) tickets: BTreeMap<String, [ClassAcc; 3]>,
    /// Walk-in tickets a booked ticket was called before although they had been queued before
    /// its check-in …
    pub(crate) overtakes: u64,
    /// … the largest head start one took, ms (the overtaken walk-in's ticket to the check-in) …
    pub(crate) max_head_start_ms: Option<i64>,
    /// … and overtakes beyond the bound (the booking's late limit and head start, and the
    /// priority's head start for a booked priority customer).
    pub(crate) beyond_bound: u64,
    /// Booked customers' tickets (on time or late) seen issued …
    pub(crate) checked_in_tickets: u64,
    /// … of which with an arrival (touchpoint 2) on their visit.
    pub(crate) with_arrival: u64,
}

impl AppointmentsAcc {
    /// A booked ticket's or a walk-in's ticket, when its day closed.
    pub(crate) fn ticket(&mut self, class: Class, t: &TicketRecord, cfg: &ReportConfig) {
        // Looked up before it is inserted: the code is copied once per business type, not per
        // ticket (every ticket of a year's report comes here).
        let code = t.business.as_str();
        if !self.tickets.contains_key(code) {
            self.tickets.insert(code.to_owned(), Default::default());
        }
        let Some(row) = self.tickets.get_mut(code) else {
            return;
        };
        let acc = &mut row[class.index()];
        acc.tickets += 1;
        if let Some(w) = t.wait_ms() {
            acc.called += 1;
            acc.wait_sum_ms += w;
            acc.within_target += u64::from(w <= i64::from(cfg.targets.wait_target_min) * 60_000);
        }
        acc.served += u64::from(t.end == TicketEnd::Served);
    }

    /// A booked ticket's first call: it went before `overtaken` walk-ins queued before its
    /// check-in, the earliest of them `head_start_ms` before it.
    pub(crate) fn overtook(
        &mut self,
        overtaken: u64,
        head_start_ms: Option<i64>,
        priority: Priority,
        cfg: &ReportConfig,
    ) {
        self.overtakes += overtaken;
        self.max_head_start_ms = self.max_head_start_ms.max(head_start_ms);
        if let Some(h) = head_start_ms {
            self.beyond_bound += u64::from(h > bound_ms(cfg, priority));
        }
    }

    /// Adds `later`, the part of the range after this one.
    pub(crate) fn join(&mut self, later: AppointmentsAcc) {
        self.events.extend(later.events);
        for (b, row) in later.tickets {
            let mine = self.tickets.entry(b).or_default();
            for (a, l) in mine.iter_mut().zip(row) {
                a.tickets += l.tickets;
                a.called += l.called;
                a.wait_sum_ms += l.wait_sum_ms;
                a.within_target += l.within_target;
                a.served += l.served;
            }
        }
        self.overtakes += later.overtakes;
        self.max_head_start_ms = self.max_head_start_ms.max(later.max_head_start_ms);
        self.beyond_bound += later.beyond_bound;
        self.checked_in_tickets += later.checked_in_tickets;
        self.with_arrival += later.with_arrival;
    }

    /// Puts the book's events from before the range (`carried`, in journal order) ahead of
    /// this part's.
    pub(crate) fn carry_in(&mut self, mut carried: Vec<(i64, BookingEvent)>) {
        carried.append(&mut self.events);
        self.events = carried;
    }

    /// The section, for the days from `span`'s first to its last event (hall time).
    pub(crate) fn section(&self, cfg: &ReportConfig, span: Option<(i64, i64)>) -> Section {
        let booked_tickets = self
            .tickets
            .values()
            .any(|r| r[0].tickets + r[1].tickets > 0);
        let Some(rules) = &cfg.booking else {
            return if self.events.is_empty() && !booked_tickets {
                Section::Off
            } else {
                // Bookings in the journal, none in the configuration given: shown, with the
                // rules' defaults for the bound and no capacity.
                Section::Figures(Box::new(self.figures(&SlotRules::default(), cfg, span)))
            };
        };
        let figures = self.figures(rules, cfg, span);
        if figures.total.made == 0 && figures.made_in_period == 0 && !booked_tickets {
            Section::NoneBooked
        } else {
            Section::Figures(Box::new(figures))
        }
    }

    fn figures(
        &self,
        rules: &SlotRules,
        cfg: &ReportConfig,
        span: Option<(i64, i64)>,
    ) -> Appointments {
        let offset = cfg.utc_offset_min;
        let day_of = |ms: i64| time::local(Timestamp(ms), offset).0;
        let (lo, hi) = span.map_or((BusinessDay(0), BusinessDay(0)), |(a, b)| {
            (day_of(a), day_of(b))
        });
        let in_days = |d: BusinessDay| d >= lo && d <= hi;
        let book = replay(&self.events);
        let mut rows: BTreeMap<String, BookingRow> = BTreeMap::new();
        let mut slots: BTreeMap<(String, u32), u64> = BTreeMap::new();
        let mut punctual = Punctuality::new(rules.late_min);
        let mut made_in_period = 0;
        let mut later_days = 0;
        for b in book.values() {
            if span.is_some_and(|(a, z)| (a..=z).contains(&b.made_at)) {
                made_in_period += 1;
            }
            if b.day > hi {
                later_days += u64::from(b.status != Status::Cancelled);
                continue;
            }
            if !in_days(b.day) {
                continue;
            }
            let row = rows
                .entry(b.business.clone())
                .or_insert_with(|| BookingRow::new(&b.business));
            row.made += 1;
            row.changed += u64::from(b.changed);
            match b.status {
                Status::Booked => row.open += 1,
                Status::Cancelled => row.cancelled += 1,
                Status::NoShow => row.no_show += 1,
                Status::CheckedIn { at, late } => {
                    if late {
                        row.late += 1;
                    } else {
                        row.on_time += 1;
                    }
                    punctual.add(at - rules.start_of(b.day, b.start_min).0);
                }
            }
            if b.status != Status::Cancelled {
                *slots.entry((b.business.clone(), b.start_min)).or_default() += 1;
            }
        }
        // Capacity: each open day of the period, each slot of the hall's hours.
        let open_days = days(lo, hi).filter(|d| rules.is_open_day(*d)).count() as u64;
        let open_days = if span.is_some() { open_days } else { 0 };
        for (code, &cap) in &rules.capacity {
            let row = rows
                .entry(code.as_str().to_owned())
                .or_insert_with(|| BookingRow::new(code.as_str()));
            row.capacity = cap as u64 * open_days * rules.starts().count() as u64;
        }
        let mut slot_rows = Vec::new();
        for (code, &cap) in &rules.capacity {
            for start in rules.starts() {
                let booked = slots
                    .remove(&(code.as_str().to_owned(), start))
                    .unwrap_or(0);
                slot_rows.push(SlotRow {
                    business: code.as_str().to_owned(),
                    start_min: start,
                    booked,
                    capacity: cap as u64 * open_days,
                });
            }
        }
        // Bookings for a slot the rules no longer offer (changed hours): listed, no capacity.
        for ((business, start_min), booked) in slots {
            slot_rows.push(SlotRow {
                business,
                start_min,
                booked,
                capacity: 0,
            });
        }
        for s in &slot_rows {
            if let Some(r) = rows.get_mut(&s.business) {
                r.places += s.booked;
            }
        }
        let mut total = BookingRow::new("total 合计");
        for r in rows.values() {
            total.add(r);
        }
        let waits = self
            .tickets
            .iter()
            .filter(|(b, _)| rows.contains_key(*b) || self.tickets[*b][0].tickets > 0)
            .flat_map(|(b, row)| {
                Class::ALL.iter().map(move |c| WaitRow {
                    business: b.clone(),
                    class: *c,
                    acc: row[c.index()],
                })
            })
            .collect();
        let name = |code: &str| {
            cfg.business
                .iter()
                .find(|b| b.code.as_str() == code)
                .map_or_else(|| code.to_owned(), |b| b.name_zh.clone())
        };
        let rows = rows
            .into_values()
            .map(|mut r| {
                r.name = name(&r.business);
                r
            })
            .collect();
        Appointments {
            first_day: lo,
            last_day: hi,
            rows,
            total,
            made_in_period,
            later_days,
            punctuality: punctual.buckets(),
            punctuality_median_min: punctual.median_min(),
            waits,
            overtakes: self.overtakes,
            max_head_start_min: self.max_head_start_ms.map(|ms| ms as f64 / 60_000.0),
            bound_min: hallq_booking::arrival::bound_min(rules),
            beyond_bound: self.beyond_bound,
            checked_in_tickets: self.checked_in_tickets,
            with_arrival: self.with_arrival,
            slots: slot_rows,
        }
    }
}

/// The bound of a booked ticket's head start over a walk-in, ms: the booking's late limit and
/// head start (`hallq_booking::arrival`), and a priority customer's own head start on top.
fn bound_ms(cfg: &ReportConfig, priority: Priority) -> i64 {
    let rules = cfg.booking.clone().unwrap_or_default();
    let extra = match priority {
        Priority::Ordinary => 0,
        Priority::Care => cfg.priority.care_head_start_min,
        Priority::GreenChannel => cfg.priority.green_channel_head_start_min,
    };
    i64::from(hallq_booking::arrival::bound_min(&rules) + extra) * 60_000
}

/// The calendar days from `lo` to `hi`.
fn days(lo: BusinessDay, hi: BusinessDay) -> impl Iterator<Item = BusinessDay> {
    let (a, z) = (time::day_number(lo), time::day_number(hi));
    (a..=z).map(|n| {
        let (y, m, d) = time::civil_from_days(n);
        BusinessDay(u32::try_from(y).unwrap_or(0) * 10_000 + m * 100 + d)
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Booked,
    Cancelled,
    NoShow,
    CheckedIn { at: i64, late: bool },
}

#[derive(Debug, Clone)]
struct Kept {
    business: String,
    day: BusinessDay,
    start_min: u32,
    made_at: i64,
    changed: bool,
    status: Status,
}

/// The bookings as the events leave them, by code. An event of a booking whose making the
/// events do not hold (made before the journal began) is passed over.
fn replay(events: &[(i64, BookingEvent)]) -> BTreeMap<String, Kept> {
    let mut book: BTreeMap<String, Kept> = BTreeMap::new();
    for (at, e) in events {
        match e {
            BookingEvent::Booked { booking } => {
                book.insert(
                    booking.code.to_string(),
                    Kept {
                        business: booking.business.as_str().to_owned(),
                        day: booking.day,
                        start_min: booking.start_min,
                        made_at: *at,
                        changed: false,
                        status: Status::Booked,
                    },
                );
            }
            BookingEvent::Changed {
                code,
                day,
                start_min,
            } => {
                if let Some(k) = book.get_mut(code.as_str()) {
                    k.day = *day;
                    k.start_min = *start_min;
                    k.changed = true;
                }
            }
            BookingEvent::Cancelled { code } => {
                if let Some(k) = book.get_mut(code.as_str()) {
                    k.status = Status::Cancelled;
                }
            }
            BookingEvent::NoShow { code } => {
                if let Some(k) = book.get_mut(code.as_str()) {
                    k.status = Status::NoShow;
                }
            }
            BookingEvent::CheckedIn {
                code, at, arrival, ..
            } => {
                if let Some(k) = book.get_mut(code.as_str()) {
                    // A no-show who comes the same day checks in late: the booking is counted
                    // checked in (late), not absent.
                    k.status = Status::CheckedIn {
                        at: at.0,
                        late: matches!(arrival, Arrival::Late { .. }),
                    };
                }
            }
        }
    }
    book
}

/// Check-in minus slot start, in the section's buckets.
struct Punctuality {
    late_min: u32,
    diffs_ms: Vec<i64>,
}

impl Punctuality {
    fn new(late_min: u32) -> Self {
        Self {
            late_min,
            diffs_ms: Vec::new(),
        }
    }

    fn add(&mut self, ms: i64) {
        self.diffs_ms.push(ms);
    }

    /// Counts per bucket: more than 30 min early, 10–30 early, up to 10 early, up to 5 late,
    /// 5 to the late limit late, beyond the limit (a walk-in).
    fn buckets(&self) -> Vec<(String, u64)> {
        let late = i64::from(self.late_min) * 60_000;
        let five = (5 * 60_000).min(late);
        let mut n = [0u64; 6];
        for &d in &self.diffs_ms {
            let i = if d < -30 * 60_000 {
                0
            } else if d < -10 * 60_000 {
                1
            } else if d <= 0 {
                2
            } else if d <= five {
                3
            } else if d <= late {
                4
            } else {
                5
            };
            n[i] += 1;
        }
        let labels = [
            "more than 30 min early 提前30分钟以上".to_owned(),
            "10–30 min early 提前10–30分钟".to_owned(),
            "0–10 min early 提前10分钟内".to_owned(),
            format!("0–{} min late 迟到{}分钟内", five / 60_000, five / 60_000),
            format!(
                "{}–{} min late 迟到{}–{}分钟",
                five / 60_000,
                self.late_min,
                five / 60_000,
                self.late_min
            ),
            format!(
                "over {} min late (walk-in) 迟到超过{}分钟（按现场）",
                self.late_min, self.late_min
            ),
        ];
        labels.into_iter().zip(n).collect()
    }

    /// The median, minutes (nearest rank; negative: early).
    fn median_min(&self) -> Option<f64> {
        let mut d = self.diffs_ms.clone();
        d.sort_unstable();
        let i = d.len().checked_sub(1)? / 2;
        Some(d[i] as f64 / 60_000.0)
    }
}

/// A business type's bookings for the days reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookingRow {
    /// Its code.
    pub business: String,
    /// Its name.
    pub name: String,
    /// Bookings for these days (cancelled ones too).
    pub made: u64,
    /// Moved to another slot at least once.
    pub changed: u64,
    /// Cancelled.
    pub cancelled: u64,
    /// Checked in on time (queued by the booking).
    pub on_time: u64,
    /// Checked in later than the limit (queued as walk-ins).
    pub late: u64,
    /// Not come by the end of the window.
    pub no_show: u64,
    /// Still booked (their window had not closed when the journal ends).
    pub open: u64,
    /// Places booked (not cancelled) …
    pub places: u64,
    /// … of the places the slots offered over the open days.
    pub capacity: u64,
}

impl BookingRow {
    fn new(business: &str) -> Self {
        Self {
            business: business.to_owned(),
            name: business.to_owned(),
            made: 0,
            changed: 0,
            cancelled: 0,
            on_time: 0,
            late: 0,
            no_show: 0,
            open: 0,
            places: 0,
            capacity: 0,
        }
    }

    fn add(&mut self, o: &BookingRow) {
        self.made += o.made;
        self.changed += o.changed;
        self.cancelled += o.cancelled;
        self.on_time += o.on_time;
        self.late += o.late;
        self.no_show += o.no_show;
        self.open += o.open;
        self.places += o.places;
        self.capacity += o.capacity;
    }

    /// Places booked of the capacity, percent.
    pub fn utilisation_pct(&self) -> Option<f64> {
        crate::report::pct(self.places, self.capacity)
    }
}

/// One class's tickets of one business type, for the waits side by side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitRow {
    /// The business type.
    pub business: String,
    /// Booked, late or walk-in.
    pub class: Class,
    /// The counts.
    pub acc: ClassAcc,
}

impl WaitRow {
    /// Mean wait, minutes.
    pub fn mean_wait_min(&self) -> Option<f64> {
        (self.acc.called > 0)
            .then(|| self.acc.wait_sum_ms as f64 / self.acc.called as f64 / 60_000.0)
    }

    /// Called within the waiting-time target, percent of those called.
    pub fn within_target_pct(&self) -> Option<f64> {
        crate::report::pct(self.acc.within_target, self.acc.called)
    }
}

/// A slot (business type, time of day) over the days reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotRow {
    /// The business type.
    pub business: String,
    /// The slot's start, minutes after local midnight.
    pub start_min: u32,
    /// Places booked (not cancelled).
    pub booked: u64,
    /// Places offered: the slot's capacity times the open days.
    pub capacity: u64,
}

impl SlotRow {
    /// Booked of capacity, percent.
    pub fn utilisation_pct(&self) -> Option<f64> {
        crate::report::pct(self.booked, self.capacity)
    }
}

/// The appointment figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Appointments {
    /// The days reported (hall time), from …
    pub first_day: BusinessDay,
    /// … to.
    pub last_day: BusinessDay,
    /// Per business type: bookings for these days and what became of them.
    pub rows: Vec<BookingRow>,
    /// Their sum.
    pub total: BookingRow,
    /// Bookings made during the period, whatever day they are for.
    pub made_in_period: u64,
    /// Bookings for days after the period (not cancelled).
    pub later_days: u64,
    /// Check-in minus slot start: (bucket, count).
    pub punctuality: Vec<(String, u64)>,
    /// Its median, minutes (negative: early).
    pub punctuality_median_min: Option<f64>,
    /// Per business type and class.
    pub waits: Vec<WaitRow>,
    /// Walk-ins overtaken by booked tickets.
    pub overtakes: u64,
    /// The largest head start a booked ticket took, minutes.
    pub max_head_start_min: Option<f64>,
    /// The configured bound: late limit plus head start, minutes.
    pub bound_min: u32,
    /// Overtakes beyond the bound (a priority customer's head start counted on top).
    pub beyond_bound: u64,
    /// Booked customers' tickets …
    pub checked_in_tickets: u64,
    /// … of which with an arrival (touchpoint 2) on their visit.
    pub with_arrival: u64,
    /// Per business type and slot.
    pub slots: Vec<SlotRow>,
}

impl Appointments {
    /// Whether no overtake took more than the bound.
    pub fn held(&self) -> bool {
        self.beyond_bound == 0
    }
}

/// The report's appointment section.
#[derive(Debug, Clone, PartialEq)]
pub enum Section {
    /// The hall takes no bookings (no `[booking]`, none in the journal).
    Off,
    /// It does, but none was for these days or made in them.
    NoneBooked,
    /// The figures.
    Figures(Box<Appointments>),
}
