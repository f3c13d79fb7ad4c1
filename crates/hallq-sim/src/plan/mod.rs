//! [`Plan`]: one hall day, decided in advance from a seed. Every customer's arrival, business,
//! priority, patience, whether they come when called, how long their service takes, whether and
//! how they rate and whether they complain; the counters' schedule; the door counter's reports;
//! the supervisor's announcements. Pure: [`Plan::generate`] reads the hall's configuration and
//! the [`Scenario`] and nothing else, so the same seed always plans the same day.
//!
//! The emulators ([`crate::emulate`]) act the plan out; what happens then (who waits how long,
//! who walks out) is the hub's doing and the simulator's measurement, not the plan's.
//!
//! Arrivals are a Poisson process whose rate changes by the hour (the scenario's curve), so the
//! peak hours (高峰) bring more customers than the mid (中峰) and low (低峰) ones.

use std::collections::BTreeMap;

use hallq_hub::HallConfig;
use hallq_hub::config::Role;
use hallq_proto::command::KioskStep;
use hallq_proto::{
    BusinessClass, BusinessCode, BusinessDay, ComplaintCategory, CounterNo, DeviceId, Lang,
    LocalText, PauseReason, PriorityReason, Score, ServiceResult, StaffNo, Timestamp, time,
};

use crate::rng::Rng;
use crate::scenario::Scenario;

mod bookings;
mod customers;
mod staffing;
#[cfg(test)]
mod tests;

pub use bookings::{Keeping, PlannedBooking, demo_section};
use customers::{BusinessKinds, customer};
use staffing::{door_reports, shifts};

/// The hall's load class of an hour (DOMAIN.md: 高峰 / 中峰 / 低峰), as the report classes it
/// ([`hallq_report::report::Period::of`]): the plan's peak hours are the report's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Period {
    /// 高峰: at least two thirds of the busiest hour's rate.
    Peak,
    /// 中峰: between.
    Mid,
    /// 低峰: below a third of it (or no arrivals).
    Low,
}

impl Period {
    /// The class of an hour of `rate` arrivals against the busiest hour's `busiest`.
    pub fn of(rate: f64, busiest: f64) -> Self {
        use hallq_report::report::Period as P;
        match P::of(rate, busiest) {
            P::Peak => Self::Peak,
            P::Mid => Self::Mid,
            P::Low | P::Closed => Self::Low,
        }
    }
}

impl Period {
    /// Its name, Chinese and English.
    pub fn label(self) -> &'static str {
        match self {
            Self::Peak => "高峰 peak",
            Self::Mid => "中峰 mid",
            Self::Low => "低峰 low",
        }
    }
}

/// One hour of the opening hours.
#[derive(Debug, Clone, PartialEq)]
pub struct Hour {
    /// Hall-local hour, 0–23.
    pub hour: u32,
    /// Mean arrivals per hour (the scenario's, scaled).
    pub rate: f64,
    /// Its load class.
    pub period: Period,
    /// Customers the plan brings in this hour.
    pub arrivals: u32,
}

/// A customer's priority wish at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wish {
    /// None.
    Ordinary,
    /// Priority service (优先叫号).
    Care(PriorityReason),
    /// The green channel, with the code the customer shows.
    GreenChannel(String),
    /// A member, with the membership code the customer shows (a value tier).
    Member(String),
}

/// What happens at the kiosk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtKiosk {
    /// A ticket; the printer fails first on `print_fails` and reprints.
    Ticket {
        /// Whether the first print fails.
        print_fails: bool,
    },
    /// The customer takes the self-service offer (渠道分流): no ticket.
    SelfService,
    /// The customer gives up at this step: no ticket.
    Abandons(KioskStep),
}

/// How a customer comes in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// Straight to a kiosk.
    Kiosk {
        /// Which kiosk.
        kiosk: DeviceId,
        /// Seconds at the kiosk before the ticket.
        secs: i64,
        /// What comes of it.
        outcome: AtKiosk,
    },
    /// Met by the greeter at the door, who consults and, unless the matter is settled there,
    /// issues the ticket on the customer's behalf.
    Greeter {
        /// Which greeter.
        greeter: DeviceId,
        /// Seen wandering first (touchpoint 6).
        wandering: bool,
        /// Tries products in the experience area (touchpoint 8).
        product_experience: bool,
        /// The matter is settled at the door: no ticket.
        resolved_at_door: bool,
    },
}

/// One service at a counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// How long it takes, seconds.
    pub secs: i64,
    /// When (seconds after the start) it waits on the back office, and for how long.
    pub back_office: Option<(i64, i64)>,
    /// How it ends.
    pub result: ServiceResult,
}

/// A rating the customer gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlannedRating {
    /// The key pressed.
    pub score: Score,
    /// Seconds after the prompt.
    pub delay_secs: i64,
}

/// Who opens a complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opener {
    /// The clerk at the counter, at once.
    Counter,
    /// The duty supervisor, called over.
    Supervisor(DeviceId),
}

/// A complaint the customer makes after the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedComplaint {
    /// General (24 h) or complex (72 h).
    pub category: ComplaintCategory,
    /// Who opens it.
    pub by: Opener,
    /// What it is about.
    pub summary: String,
    /// Who is responsible, for the hot-spot analysis.
    pub responsibility: String,
}

/// One customer of the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// 1, 2, … in order of arrival.
    pub n: u32,
    /// When they come through the door.
    pub arrives_at: Timestamp,
    /// What they come for.
    pub business: BusinessCode,
    /// Its class.
    pub class: BusinessClass,
    /// Priority or green channel.
    pub wish: Wish,
    /// Their language.
    pub lang: Lang,
    /// Kiosk or greeter.
    pub entry: Entry,
    /// How long they wait before giving up, seconds after the ticket.
    pub patience_secs: i64,
    /// Whether, giving up, they tell the greeter (who cancels the ticket).
    pub tells_staff: bool,
    /// Whether, walking out and telling, they also complain about the wait.
    pub complains_if_walking_out: bool,
    /// Whether they come when called (else: a no-show).
    pub shows: bool,
    /// Seconds from the call to the counter.
    pub walk_secs: i64,
    /// Seconds after the ticket at which the greeter checks their documents, if it does.
    pub precheck_after_secs: Option<i64>,
    /// The service.
    pub service: Service,
    /// A transfer at the end of the first service, to this business, and the second service.
    pub transfer: Option<(BusinessCode, Service)>,
    /// Their rating, if they press a key.
    pub rating: Option<PlannedRating>,
    /// Their complaint, if any.
    pub complaint: Option<PlannedComplaint>,
    /// Their booking, if they book (then they check in at the kiosk instead of taking a
    /// ticket, or do not come).
    pub booking: Option<PlannedBooking>,
}

impl Customer {
    /// The service that ends the visit: the second one after a transfer.
    pub fn last_service(&self) -> &Service {
        self.transfer.as_ref().map_or(&self.service, |(_, s)| s)
    }
}

/// A pause in a shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// When it is due.
    pub at: Timestamp,
    /// How long, seconds.
    pub secs: i64,
    /// Why.
    pub reason: PauseReason,
}

/// A clerk's shift at a counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    /// The counter.
    pub counter: CounterNo,
    /// Its terminal.
    pub device: DeviceId,
    /// The clerk.
    pub staff: StaffNo,
    /// Signs in.
    pub from: Timestamp,
    /// Signs out, once idle.
    pub to: Timestamp,
    /// Serves on after closing time until nobody waits.
    pub serves_after_close: bool,
    /// Pauses.
    pub breaks: Vec<Break>,
}

/// A report of the door counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoorReport {
    /// The door counter.
    pub device: DeviceId,
    /// When it reports.
    pub at: Timestamp,
    /// People in since the last report.
    pub entered: u32,
    /// People who passed by, if the sensor counts them.
    pub passed_by: Option<u32>,
}

/// An announcement the supervisor posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedAnnouncement {
    /// The supervisor's device.
    pub device: DeviceId,
    /// Its id.
    pub id: String,
    /// Posted at.
    pub at: Timestamp,
    /// Cleared at.
    pub clear_at: Option<Timestamp>,
    /// The text.
    pub text: LocalText,
}

/// The hall's devices by role, from its configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Devices {
    /// Ticket kiosks.
    pub kiosks: Vec<DeviceId>,
    /// Greeter handhelds.
    pub greeters: Vec<DeviceId>,
    /// Counter terminals by counter.
    pub counters: BTreeMap<u16, DeviceId>,
    /// Evaluators by counter.
    pub evaluators: BTreeMap<u16, DeviceId>,
    /// LED strips, with their counter.
    pub leds: Vec<(u16, DeviceId)>,
    /// Wall displays.
    pub displays: Vec<DeviceId>,
    /// Supervisor consoles.
    pub supervisors: Vec<DeviceId>,
    /// Door counters.
    pub doors: Vec<DeviceId>,
}

impl Devices {
    /// The devices of `config`.
    pub fn of(config: &HallConfig) -> Self {
        let mut d = Self::default();
        for dev in &config.devices {
            let id = dev.id.clone();
            let counter = dev.counter.map_or(0, |c| c.0);
            match dev.role {
                Role::Kiosk => d.kiosks.push(id),
                Role::Greeter => d.greeters.push(id),
                Role::Counter => {
                    d.counters.entry(counter).or_insert(id);
                }
                Role::Evaluator => {
                    d.evaluators.entry(counter).or_insert(id);
                }
                Role::LedStrip => d.leds.push((counter, id)),
                Role::Display => d.displays.push(id),
                Role::Supervisor => d.supervisors.push(id),
                Role::DoorCounter => d.doors.push(id),
                // A person's read-only login: nothing for the simulator to play.
                Role::Monitor => {}
            }
        }
        d
    }

    /// Every device, in a stable order.
    pub fn all(&self) -> Vec<DeviceId> {
        let mut v: Vec<DeviceId> = self.kiosks.clone();
        v.extend(self.greeters.iter().cloned());
        v.extend(self.counters.values().cloned());
        v.extend(self.evaluators.values().cloned());
        v.extend(self.leds.iter().map(|(_, d)| d.clone()));
        v.extend(self.displays.iter().cloned());
        v.extend(self.supervisors.iter().cloned());
        v.extend(self.doors.iter().cloned());
        v
    }
}

/// The hall and the scenario a plan is drawn from.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// The hall (hall.toml).
    pub hall: HallConfig,
    /// The kind of day.
    pub scenario: Scenario,
}

/// One hall day, decided in advance.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The seed it was drawn from.
    pub seed: u64,
    /// The business day.
    pub day: BusinessDay,
    /// The hall's offset from UTC, for local times.
    pub utc_offset_min: i32,
    /// The first ticket can be taken.
    pub opens_at: Timestamp,
    /// The last ticket can be taken before this.
    pub closes_at: Timestamp,
    /// When the simulation starts: just before the first clerk signs in.
    pub starts_at: Timestamp,
    /// The opening hours, one by one.
    pub hours: Vec<Hour>,
    /// The customers, in order of arrival.
    pub customers: Vec<Customer>,
    /// The counters' schedule.
    pub shifts: Vec<Shift>,
    /// The door counter's reports.
    pub door: Vec<DoorReport>,
    /// The supervisor's announcements.
    pub announcements: Vec<PlannedAnnouncement>,
    /// The hall's devices.
    pub devices: Devices,
    /// What the plan had to leave out, and why (a counter without a terminal, …).
    pub notes: Vec<String>,
}

/// Seconds in a minute, for readability.
pub(crate) const MIN: i64 = 60;

impl Plan {
    /// Plans `day` of `config`'s hall from `seed`. The seed alone decides the customers and
    /// their behaviour; the day only places them on the calendar.
    pub fn generate(config: &SimConfig, seed: u64, day: BusinessDay) -> Self {
        let hall = &config.hall;
        let sc = &config.scenario;
        let offset = hall.hall.utc_offset_min;
        let (open, close) = (hall.hours.open.minutes(), hall.hours.close.minutes());
        let at = |minute: u32| time::at(day, minute, offset);
        let devices = Devices::of(hall);
        let mut notes = Vec::new();

        let hours = hours_of(sc, open, close);
        let mut arrivals_rng = Rng::new(seed, 1);
        let mut arrivals = Vec::new();
        for h in &hours {
            let from = (h.hour * 60).max(open);
            let to = ((h.hour + 1) * 60).min(close);
            if h.rate <= 0.0 || to <= from {
                continue;
            }
            let end = at(to);
            let mut t = at(from).0 as f64;
            loop {
                t += arrivals_rng.exponential(3_600_000.0 / h.rate);
                if t >= end.0 as f64 {
                    break;
                }
                // Whole seconds: the hub's clock and the journal count milliseconds, but a plan
                // reads better in seconds.
                arrivals.push(Timestamp((t as i64) / 1000 * 1000));
            }
        }
        let hours: Vec<Hour> = hours
            .into_iter()
            .map(|mut h| {
                let (from, to) = (at(h.hour * 60), at((h.hour + 1) * 60));
                h.arrivals = arrivals.iter().filter(|t| **t >= from && **t < to).count() as u32;
                h
            })
            .collect();

        let kinds = BusinessKinds::of(config);
        if devices.kiosks.is_empty() && devices.greeters.is_empty() {
            notes.push("no kiosk and no greeter: nobody can take a ticket".into());
        }
        let green = hall.green_channel.first().map(|g| g.code.0.clone());
        let member = hall.membership.first().map(|m| m.code.0.clone());
        let codes = customers::Codes {
            green: green.as_deref(),
            member: member.as_deref(),
        };
        let mut customers: Vec<Customer> = arrivals
            .iter()
            .enumerate()
            .filter_map(|(i, &t)| {
                let n = i as u32 + 1;
                customer(n, t, sc, &kinds, &devices, codes, seed)
            })
            .collect();

        let shifts = shifts(config, &devices, day, seed, &mut notes);
        let first = shifts.iter().map(|s| s.from).min().unwrap_or(at(open));
        let starts_at = first.min(at(open)).plus_secs(-MIN);
        bookings::book(config, &mut customers, day, starts_at, seed, &mut notes);
        let door = door_reports(hall, sc, &devices, &customers, at(open), at(close), seed);
        let announcements = match devices.supervisors.first() {
            Some(sup) => sc
                .announcements
                .iter()
                .map(|a| PlannedAnnouncement {
                    device: sup.clone(),
                    id: a.id.clone(),
                    at: at(a.at.minutes()),
                    clear_at: a.clear_at.map(|c| at(c.minutes())),
                    text: LocalText::new(a.zh.clone(), a.en.clone()),
                })
                .collect(),
            None => Vec::new(),
        };
        Self {
            seed,
            day,
            utc_offset_min: offset,
            opens_at: at(open),
            closes_at: at(close),
            starts_at,
            hours,
            customers,
            shifts,
            door,
            announcements,
            devices,
            notes,
        }
    }

    /// Customers planned to take a ticket (some may still be turned away).
    pub fn ticket_takers(&self) -> usize {
        self.customers
            .iter()
            .filter(|c| match &c.entry {
                Entry::Kiosk { outcome, .. } => matches!(outcome, AtKiosk::Ticket { .. }),
                Entry::Greeter {
                    resolved_at_door, ..
                } => !resolved_at_door,
            })
            .count()
    }

    /// `HH:MM` of `t`, hall time.
    pub fn hhmm(&self, t: Timestamp) -> String {
        time::hhmm(t, self.utc_offset_min)
    }

    /// A short description: arrivals by period, staffing.
    pub fn describe(&self) -> String {
        let mut by_period: BTreeMap<Period, (u32, u32)> = BTreeMap::new();
        for h in &self.hours {
            let e = by_period.entry(h.period).or_default();
            e.0 += 1;
            e.1 += h.arrivals;
        }
        let periods: Vec<String> = by_period
            .iter()
            .map(|(p, (hours, n))| format!("{} {n} in {hours} h", p.label()))
            .collect();
        let counters: std::collections::BTreeSet<u16> =
            self.shifts.iter().map(|s| s.counter.0).collect();
        format!(
            "{} customers ({}), {} to take a ticket; {} shifts at {} counters",
            self.customers.len(),
            periods.join(", "),
            self.ticket_takers(),
            self.shifts.len(),
            counters.len()
        )
    }
}

/// The hours of the opening hours with their rate and load class.
fn hours_of(sc: &Scenario, open: u32, close: u32) -> Vec<Hour> {
    let open_hours: Vec<u32> = (open / 60..close.div_ceil(60).min(24)).collect();
    let rate = |h: u32| sc.arrivals_per_hour.get(h as usize).copied().unwrap_or(0.0) * sc.scale;
    let max = open_hours.iter().map(|&h| rate(h)).fold(0.0, f64::max);
    open_hours
        .into_iter()
        .map(|hour| {
            let r = rate(hour);
            let period = Period::of(r, max);
            Hour {
                hour,
                rate: r,
                period,
                arrivals: 0,
            }
        })
        .collect()
}
