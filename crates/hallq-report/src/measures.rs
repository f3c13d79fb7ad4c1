//! [`Measures`]: the fixed-size accumulators every closed visit is added to. Their size depends
//! on the hall (business types, counters, staff) and never on how long the journal is.

use std::collections::BTreeMap;

use hallq_proto::{Priority, Score, time};

use crate::config::ReportConfig;
use crate::hist::Histogram;
use crate::visit::{Outcome, TicketEnd, TicketRecord, VisitRecord};

/// A consultation left open is called or texted back within this (DOMAIN.md: 24 h): the queue
/// engine's limit, which the hub publishes as each call-back's due time.
pub const CALLBACK_LIMIT_MS: i64 = hallq_queue::OpenCallback::LIMIT_MS;

/// Hours in a week: the load and staffing grid, Monday 00:00 first.
pub const WEEK_HOURS: usize = 7 * 24;

/// Monday = 0 … Sunday = 6 of the local day holding `ms`, and its hour.
pub fn weekday_hour(ms: i64, utc_offset_min: i32) -> (usize, usize) {
    let local = ms + i64::from(utc_offset_min) * 60_000;
    let days = local.div_euclid(86_400_000);
    // 1970-01-01 was a Thursday (3 with Monday = 0).
    let weekday = (days + 3).rem_euclid(7) as usize;
    let hour = (local.rem_euclid(86_400_000) / 3_600_000) as usize;
    (weekday, hour)
}

/// Index into a [`WEEK_HOURS`] grid.
pub fn hour_of_week(ms: i64, utc_offset_min: i32) -> usize {
    let (d, h) = weekday_hour(ms, utc_offset_min);
    d * 24 + h
}

/// A rating's index: dissatisfied 0 … very satisfied 3.
pub fn score_index(s: Score) -> usize {
    match s {
        Score::Dissatisfied => 0,
        Score::Neutral => 1,
        Score::Satisfied => 2,
        Score::VerySatisfied => 3,
    }
}

/// Per business type.
#[derive(Debug, Clone, Default)]
pub struct BusinessAcc {
    /// Tickets that ended with this business type.
    pub tickets: u64,
    /// Served.
    pub served: u64,
    /// Served and judged against the limit (flagged services are not).
    pub judged: u64,
    /// Of which within the limit.
    pub within: u64,
    /// Handling times of the judged services.
    pub service_sum_ms: i64,
    /// Waits to the first call.
    pub wait_sum_ms: i64,
    /// How many waits.
    pub waits: u64,
}

/// Per touchpoint.
#[derive(Debug, Clone, Copy, Default)]
pub struct TouchAcc {
    /// Visits that reached it.
    pub reached: u64,
    /// Visits lost (no-show, walked out, closed by reset) with this as their last touchpoint.
    pub lost_here: u64,
    /// Visits without a ticket that ended here (settled at the door, self-service).
    pub ended_here_without_ticket: u64,
    /// Ms spent at it, summed over the visits that reached it.
    pub time_ms: i64,
    /// Visits that reached it and were rated.
    pub rated: u64,
    /// Of which rated 一般 or 不满意.
    pub low_rated: u64,
}

/// Per staff number (工号).
#[derive(Debug, Clone, Default)]
pub struct StaffAcc {
    /// Tickets served.
    pub served: u64,
    /// Judged against the limit.
    pub judged: u64,
    /// Within the limit.
    pub within: u64,
    /// Handling times of the judged services.
    pub service_sum_ms: i64,
    /// Ratings by score (dissatisfied … very satisfied).
    pub ratings: [u64; 4],
    /// Served without a rating.
    pub unrated: u64,
}

impl StaffAcc {
    /// Adds what `other` counted.
    pub fn add(&mut self, other: &StaffAcc) {
        self.served += other.served;
        self.judged += other.judged;
        self.within += other.within;
        self.service_sum_ms += other.service_sum_ms;
        add(&mut self.ratings, &other.ratings);
        self.unrated += other.unrated;
    }
}

/// Per counter.
#[derive(Debug, Clone, Default)]
pub struct CounterAcc {
    /// Tickets served here.
    pub served: u64,
    /// Ms open and not paused.
    pub open_ms: i64,
    /// Ms open, not paused, with no ticket, while a ticket it could serve was waiting.
    pub idle_while_waiting_ms: i64,
}

/// Priority against ordinary tickets.
#[derive(Debug, Clone, Default)]
pub struct FairnessAcc {
    /// Ordinary tickets (called or not).
    pub ordinary: u64,
    /// Of which overtaken at least once by a priority ticket of their business type, whatever
    /// became of them …
    pub overtaken_tickets: u64,
    /// … of which left without being called (walked out, or closed by the reset).
    pub overtaken_left: u64,
    /// Overtakes in all (an ordinary ticket overtaken twice counts twice).
    pub overtakes: u64,
    /// Estimated delay they caused, ms: each overtake costs the ordinary ticket the priority
    /// ticket's time at the counter shared over the counters serving that business then …
    pub delay_est_ms: f64,
    /// … summed over this many overtakes (those whose priority ticket left the counter: all
    /// but one cut by the reset): the mean's denominator.
    pub delay_overtakes: u64,
    /// Overtakes per priority class (care, green channel) …
    pub class_overtakes: [u64; 2],
    /// … and the largest head start taken, ms (the ordinary ticket had been queued that long
    /// before the priority ticket).
    pub class_head_start_ms: [Option<i64>; 2],
    /// Waits of ordinary tickets.
    pub ordinary_wait: Histogram,
    /// Waits of priority (care and green-channel) tickets.
    pub priority_wait: Histogram,
}

/// A priority class's index in [`FairnessAcc`]'s arrays (`None`: ordinary).
pub fn class_index(p: Priority) -> Option<usize> {
    match p {
        Priority::Ordinary => None,
        Priority::Care => Some(0),
        Priority::GreenChannel => Some(1),
    }
}

/// What looks wrong in the data, counted and not silently used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QualityAcc {
    /// Services shorter than the configured seconds.
    pub short_services: u64,
    /// Services far past their limit: "finish" forgotten.
    pub forgotten_finish: u64,
    /// Served tickets without a rating.
    pub missing_ratings: u64,
    /// Tickets of a business type the configuration lacks (judged against no limit).
    pub unknown_business: u64,
    /// Visits whose arrival was not in the report's events.
    pub visits_without_start: u64,
    /// Events naming a ticket the report never saw issued (the range began mid-visit).
    pub orphan_events: u64,
    /// A few examples: (what, ticket, detail).
    pub examples: Vec<(&'static str, String, String)>,
}

/// How many examples of each problem are kept.
const EXAMPLES: usize = 30;

impl QualityAcc {
    fn example(&mut self, what: &'static str, ticket: &str, detail: String) {
        if self.examples.len() < EXAMPLES {
            self.examples.push((what, ticket.to_owned(), detail));
        }
    }
}

/// Every accumulator.
#[derive(Debug, Clone)]
pub struct Measures {
    /// Visits closed.
    pub visits: u64,
    /// Visits by [`Outcome`].
    pub outcomes: [u64; 6],
    /// Visits with a transferred ticket.
    pub transferred_visits: u64,
    /// Tickets.
    pub tickets: u64,
    /// Tickets by how they ended: served, no-show, walked out, closed, open.
    pub ticket_ends: [u64; 5],
    /// Ticket → first call.
    pub wait: Histogram,
    /// Transfer → the next call, summed per ticket, of the tickets called after a transfer.
    pub wait_after_transfer: Histogram,
    /// Call → service start.
    pub walk: Histogram,
    /// Service start → finish (flagged services left out).
    pub service: Histogram,
    /// Arrival → departure.
    pub stay: Histogram,
    /// Ratings by score.
    pub ratings: [u64; 4],
    /// Served tickets.
    pub served: u64,
    /// Served and judged against their limit.
    pub judged: u64,
    /// Within their limit.
    pub within_limit: u64,
    /// Tickets called, by their wait to the first call: within the waiting-time target (0) or
    /// longer (1) …
    pub called_by_wait: [u64; 2],
    /// … and of them, those that ended as no-shows: a customer who left without telling
    /// anyone is called at last and does not come, so long waits carry more no-shows.
    pub no_shows_by_wait: [u64; 2],
    /// Tickets judged for the waiting service level: called, or left after the target.
    pub sl_judged: u64,
    /// Called within the target.
    pub sl_within: u64,
    /// Per business type.
    pub business: BTreeMap<String, BusinessAcc>,
    /// Per touchpoint (index `k - 1`).
    pub touch: [TouchAcc; 16],
    /// Arrivals per hour of the week.
    pub arrivals: Vec<u64>,
    /// Tickets per hour of the week.
    pub tickets_by_hour: Vec<u64>,
    /// Counter time per ticket (call → finish or no-show) by the hour it was issued: sum, ms.
    pub occupancy_ms: Vec<i64>,
    /// … and how many.
    pub occupancy_n: Vec<u64>,
    /// Tickets judged for the waiting service level by the hour they were issued …
    pub sl_judged_by_hour: Vec<u64>,
    /// … and of them called within the target.
    pub sl_within_by_hour: Vec<u64>,
    /// Counter-ms open per hour of the week.
    pub open_ms: Vec<i64>,
    /// Days with arrivals, per weekday.
    pub days: [u64; 7],
    /// The local dates of the first and the last arrival (to count days, and not to count
    /// twice a date that two joined ranges both saw).
    first_date: u32,
    last_date: u32,
    /// Per staff number, per month (`YYYYMM` of the ticket's issue, hall time): the clerk's
    /// KPIs month by month, which decide retraining (DOMAIN.md: three months below target).
    pub staff: BTreeMap<String, BTreeMap<u32, StaffAcc>>,
    /// Per counter.
    pub counters: BTreeMap<u16, CounterAcc>,
    /// Call-backs owed for consultations left open: made within 24 h …
    pub callbacks_in_time: u64,
    /// … or not (made later, or not made once their 24 h had passed).
    pub callbacks_missed: u64,
    /// Priority fairness.
    pub fairness: FairnessAcc,
    /// Data quality.
    pub quality: QualityAcc,
}

impl Default for Measures {
    fn default() -> Self {
        Self {
            visits: 0,
            outcomes: [0; 6],
            transferred_visits: 0,
            tickets: 0,
            ticket_ends: [0; 5],
            wait: Histogram::default(),
            wait_after_transfer: Histogram::default(),
            walk: Histogram::default(),
            service: Histogram::default(),
            stay: Histogram::default(),
            ratings: [0; 4],
            served: 0,
            judged: 0,
            within_limit: 0,
            called_by_wait: [0; 2],
            no_shows_by_wait: [0; 2],
            sl_judged: 0,
            sl_within: 0,
            business: BTreeMap::new(),
            touch: [TouchAcc::default(); 16],
            arrivals: vec![0; WEEK_HOURS],
            tickets_by_hour: vec![0; WEEK_HOURS],
            occupancy_ms: vec![0; WEEK_HOURS],
            occupancy_n: vec![0; WEEK_HOURS],
            sl_judged_by_hour: vec![0; WEEK_HOURS],
            sl_within_by_hour: vec![0; WEEK_HOURS],
            open_ms: vec![0; WEEK_HOURS],
            days: [0; 7],
            first_date: 0,
            last_date: 0,
            staff: BTreeMap::new(),
            counters: BTreeMap::new(),
            callbacks_in_time: 0,
            callbacks_missed: 0,
            fairness: FairnessAcc::default(),
            quality: QualityAcc::default(),
        }
    }
}

impl Measures {
    /// A call-back made `after_ms` after its consultation.
    pub fn callback_made(&mut self, after_ms: i64) {
        if after_ms <= CALLBACK_LIMIT_MS {
            self.callbacks_in_time += 1;
        } else {
            self.callbacks_missed += 1;
        }
    }

    /// An arrival at `ms` (a visit began).
    pub fn arrival(&mut self, ms: i64, cfg: &ReportConfig) {
        self.arrivals[hour_of_week(ms, cfg.utc_offset_min)] += 1;
        let (date, _) = time::local(hallq_proto::Timestamp(ms), cfg.utc_offset_min);
        if self.first_date == 0 {
            self.first_date = date.0;
        }
        if date.0 != self.last_date {
            self.last_date = date.0;
            self.days[weekday_hour(ms, cfg.utc_offset_min).0] += 1;
        }
    }

    /// `n` counters open from `from` to `to` ms, spread over the hours of the week.
    pub fn counters_open(&mut self, n: usize, from: i64, to: i64, cfg: &ReportConfig) {
        if n == 0 {
            return;
        }
        let mut t = from;
        while t < to {
            let next_hour = (t.div_euclid(3_600_000) + 1) * 3_600_000;
            let end = next_hour.min(to);
            self.open_ms[hour_of_week(t, cfg.utc_offset_min)] += (end - t) * n as i64;
            t = end;
        }
    }

    /// A closed visit.
    pub fn visit(&mut self, v: &VisitRecord, cfg: &ReportConfig) {
        self.visits += 1;
        self.outcomes[v.outcome.index()] += 1;
        self.transferred_visits += u64::from(v.transferred());
        if let Some(ms) = v.stay_ms() {
            self.stay.add(ms);
        }
        self.trail(v);
        for t in &v.tickets {
            self.ticket(t, cfg);
        }
    }

    fn trail(&mut self, v: &VisitRecord) {
        let rating = v.rating();
        let last = v.trail.last_before_departure;
        for tp in 1..=16u8 {
            if !v.trail.has(tp) {
                continue;
            }
            let acc = &mut self.touch[usize::from(tp - 1)];
            acc.reached += 1;
            acc.time_ms += v.trail.time_ms[usize::from(tp - 1)];
            if let Some(s) = rating {
                acc.rated += 1;
                acc.low_rated += u64::from(!s.is_satisfied());
            }
            if tp == last {
                if v.outcome.is_loss() {
                    acc.lost_here += 1;
                } else if v.outcome == Outcome::NoTicket {
                    acc.ended_here_without_ticket += 1;
                }
            }
        }
    }

    fn ticket(&mut self, t: &TicketRecord, cfg: &ReportConfig) {
        self.tickets += 1;
        self.ticket_ends[match t.end {
            TicketEnd::Served => 0,
            TicketEnd::NoShow => 1,
            TicketEnd::WalkedOut => 2,
            TicketEnd::Closed => 3,
            TicketEnd::Open => 4,
        }] += 1;
        self.fairness(t);
        let issued_how = hour_of_week(t.issued.0, cfg.utc_offset_min);
        self.tickets_by_hour[issued_how] += 1;
        if let Some(ms) = t.occupancy_ms() {
            self.occupancy_ms[issued_how] += ms;
            self.occupancy_n[issued_how] += 1;
        }
        let limit = cfg.limit_secs(t.business.as_str());
        if limit.is_none() {
            self.quality.unknown_business += 1;
        }
        // Looked up before it is inserted: the code is copied once per business type, not per
        // ticket.
        let code = t.business.as_str();
        if !self.business.contains_key(code) {
            self.business
                .insert(code.to_owned(), BusinessAcc::default());
        }
        let b = self
            .business
            .get_mut(code)
            .unwrap_or_else(|| unreachable!("inserted above"));
        b.tickets += 1;
        let target_ms = i64::from(cfg.targets.wait_target_min) * 60_000;
        if let Some(w) = t.wait_ms() {
            self.wait.add(w);
            b.wait_sum_ms += w;
            b.waits += 1;
            self.sl_judged += 1;
            self.sl_within += u64::from(w <= target_ms);
            self.sl_judged_by_hour[issued_how] += 1;
            self.sl_within_by_hour[issued_how] += u64::from(w <= target_ms);
            let long = usize::from(w > target_ms);
            self.called_by_wait[long] += 1;
            self.no_shows_by_wait[long] += u64::from(t.end == TicketEnd::NoShow);
            if t.priority == Priority::Ordinary {
                self.fairness.ordinary_wait.add(w);
            } else {
                self.fairness.priority_wait.add(w);
            }
        } else if let Some(end) = t.ended {
            // Left without a call after waiting past the target: a miss. Leaving sooner is not
            // judged (the usual service-level convention: short abandons are left out).
            if end.0 - t.issued.0 > target_ms {
                self.sl_judged += 1;
                self.sl_judged_by_hour[issued_how] += 1;
            }
        }
        if let Some(ms) = t.wait_after_transfer_ms {
            self.wait_after_transfer.add(ms);
        }
        if let Some(ms) = t.walk_ms() {
            self.walk.add(ms);
        }
        if t.end != TicketEnd::Served {
            return;
        }
        self.served += 1;
        b.served += 1;
        if let Some(c) = t.counter {
            self.counters.entry(c.0).or_default().served += 1;
        }
        let staff = t.staff.as_ref().map_or("-", hallq_proto::StaffNo::as_str);
        if !self.staff.contains_key(staff) {
            self.staff.insert(staff.to_owned(), BTreeMap::new());
        }
        let month = time::local(t.issued, cfg.utc_offset_min).0.0 / 100;
        let s = self
            .staff
            .get_mut(staff)
            .unwrap_or_else(|| unreachable!("inserted above"))
            .entry(month)
            .or_default();
        s.served += 1;
        match t.rating {
            Some(r) => {
                self.ratings[score_index(r)] += 1;
                s.ratings[score_index(r)] += 1;
            }
            None => {
                s.unrated += 1;
                self.quality.missing_ratings += 1;
            }
        }
        let Some(service) = t.service_ms() else {
            return;
        };
        let limit_ms = i64::from(limit.unwrap_or(15 * 60)) * 1000;
        if service < i64::from(cfg.short_service_secs) * 1000 {
            self.quality.short_services += 1;
            self.quality.example(
                "short service 服务过短",
                t.ticket.as_str(),
                format!("{:.0} s", service as f64 / 1000.0),
            );
            return;
        }
        if service > limit_ms * i64::from(cfg.forgotten_finish_factor) {
            self.quality.forgotten_finish += 1;
            self.quality.example(
                "finish forgotten? 疑似未结束",
                t.ticket.as_str(),
                format!(
                    "{:.0} min, limit {} min",
                    service as f64 / 60_000.0,
                    limit_ms / 60_000
                ),
            );
            return;
        }
        self.service.add(service);
        let within = service <= limit_ms;
        self.judged += 1;
        self.within_limit += u64::from(within);
        b.judged += 1;
        b.within += u64::from(within);
        b.service_sum_ms += service;
        s.judged += 1;
        s.within += u64::from(within);
        s.service_sum_ms += service;
    }
}

impl Measures {
    /// Overtakes are counted once, from the ordinary ticket's side (whatever became of it:
    /// served, walked out …); the delay they caused from the priority ticket's side, with the
    /// overtakes it is the sum of, so the mean is per overtake.
    fn fairness(&mut self, t: &TicketRecord) {
        let f = &mut self.fairness;
        let Some(class) = class_index(t.priority) else {
            f.ordinary += 1;
            if t.overtaken > 0 {
                f.overtaken_tickets += 1;
                f.overtaken_left += u64::from(t.first_called.is_none());
                f.overtakes += u64::from(t.overtaken);
            }
            return;
        };
        if t.overtook == 0 {
            return;
        }
        f.class_overtakes[class] += u64::from(t.overtook);
        f.class_head_start_ms[class] = f.class_head_start_ms[class].max(t.head_start_used_ms);
        if let Some(occ) = t.occupancy_ms() {
            f.delay_est_ms +=
                f64::from(t.overtook) * occ as f64 / f64::from(t.counters_at_call.max(1));
            f.delay_overtakes += u64::from(t.overtook);
        }
    }
}

fn add(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

fn add_i(a: &mut [i64], b: &[i64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

impl Measures {
    /// Adds what `later` counted over the business days after this one's.
    pub fn merge(&mut self, later: Measures) {
        self.visits += later.visits;
        add(&mut self.outcomes, &later.outcomes);
        self.transferred_visits += later.transferred_visits;
        self.tickets += later.tickets;
        add(&mut self.ticket_ends, &later.ticket_ends);
        self.wait.merge(&later.wait);
        self.wait_after_transfer.merge(&later.wait_after_transfer);
        self.walk.merge(&later.walk);
        self.service.merge(&later.service);
        self.stay.merge(&later.stay);
        add(&mut self.ratings, &later.ratings);
        self.served += later.served;
        self.judged += later.judged;
        self.within_limit += later.within_limit;
        add(&mut self.called_by_wait, &later.called_by_wait);
        add(&mut self.no_shows_by_wait, &later.no_shows_by_wait);
        self.sl_judged += later.sl_judged;
        self.sl_within += later.sl_within;
        for (k, b) in later.business {
            let a = self.business.entry(k).or_default();
            a.tickets += b.tickets;
            a.served += b.served;
            a.judged += b.judged;
            a.within += b.within;
            a.service_sum_ms += b.service_sum_ms;
            a.wait_sum_ms += b.wait_sum_ms;
            a.waits += b.waits;
        }
        for (a, b) in self.touch.iter_mut().zip(later.touch) {
            a.reached += b.reached;
            a.lost_here += b.lost_here;
            a.ended_here_without_ticket += b.ended_here_without_ticket;
            a.time_ms += b.time_ms;
            a.rated += b.rated;
            a.low_rated += b.low_rated;
        }
        add(&mut self.arrivals, &later.arrivals);
        add(&mut self.tickets_by_hour, &later.tickets_by_hour);
        add_i(&mut self.occupancy_ms, &later.occupancy_ms);
        add(&mut self.occupancy_n, &later.occupancy_n);
        add_i(&mut self.open_ms, &later.open_ms);
        add(&mut self.sl_judged_by_hour, &later.sl_judged_by_hour);
        add(&mut self.sl_within_by_hour, &later.sl_within_by_hour);
        // Ranges split at daily resets: a date with arrivals on both sides of a reset (a hall
        // open past midnight) was counted by each fold, and counts once.
        add(&mut self.days, &later.days);
        if later.first_date != 0 && later.first_date == self.last_date {
            let weekday = (time::day_number(hallq_proto::BusinessDay(later.first_date)) + 3)
                .rem_euclid(7) as usize;
            self.days[weekday] -= 1;
        }
        if self.first_date == 0 {
            self.first_date = later.first_date;
        }
        if later.last_date != 0 {
            self.last_date = later.last_date;
        }
        for (k, months) in later.staff {
            let a = self.staff.entry(k).or_default();
            for (month, b) in months {
                a.entry(month).or_default().add(&b);
            }
        }
        self.callbacks_in_time += later.callbacks_in_time;
        self.callbacks_missed += later.callbacks_missed;
        for (k, b) in later.counters {
            let a = self.counters.entry(k).or_default();
            a.served += b.served;
            a.open_ms += b.open_ms;
            a.idle_while_waiting_ms += b.idle_while_waiting_ms;
        }
        let (f, g) = (&mut self.fairness, later.fairness);
        f.ordinary += g.ordinary;
        f.overtaken_tickets += g.overtaken_tickets;
        f.overtaken_left += g.overtaken_left;
        f.overtakes += g.overtakes;
        f.delay_est_ms += g.delay_est_ms;
        f.delay_overtakes += g.delay_overtakes;
        add(&mut f.class_overtakes, &g.class_overtakes);
        for (a, b) in f.class_head_start_ms.iter_mut().zip(g.class_head_start_ms) {
            *a = (*a).max(b);
        }
        f.ordinary_wait.merge(&g.ordinary_wait);
        f.priority_wait.merge(&g.priority_wait);
        let (q, r) = (&mut self.quality, later.quality);
        q.short_services += r.short_services;
        q.forgotten_finish += r.forgotten_finish;
        q.missing_ratings += r.missing_ratings;
        q.unknown_business += r.unknown_business;
        q.visits_without_start += r.visits_without_start;
        q.orphan_events += r.orphan_events;
        for e in r.examples {
            if q.examples.len() < EXAMPLES {
                q.examples.push(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-30 (a Monday) at `hh:mm` China time, in ms.
    fn at(hh: i64, mm: i64) -> i64 {
        1_795_996_800_000 - 8 * 3_600_000 + (hh * 60 + mm) * 60_000
    }

    #[test]
    fn joined_ranges_count_a_date_seen_by_both_once() {
        let cfg = ReportConfig {
            hall_name: String::new(),
            utc_offset_min: 480,
            business: Vec::new(),
            counters: Vec::new(),
            targets: crate::config::Targets::default(),
            priority: crate::config::PriorityRule::default(),
            rating_timeout_secs: 0,
            short_service_secs: 0,
            forgotten_finish_factor: 0,
            booking: None,
            tiers: Vec::new(),
        };
        let mut whole = Measures::default();
        let (mut before, mut after) = (Measures::default(), Measures::default());
        // A hall open past a reset: the same date's arrivals fall in two ranges.
        for (ms, part) in [(at(9, 0), &mut before), (at(23, 30), &mut after)] {
            whole.arrival(ms, &cfg);
            part.arrival(ms, &cfg);
        }
        after.arrival(at(24 + 9, 0), &cfg);
        whole.arrival(at(24 + 9, 0), &cfg);
        before.merge(after);
        assert_eq!(
            weekday_hour(at(9, 0), 480).0,
            0,
            "the fixture's date is a Monday"
        );
        assert_eq!(whole.days, [1, 1, 0, 0, 0, 0, 0]);
        assert_eq!(before.days, whole.days);
    }
}
