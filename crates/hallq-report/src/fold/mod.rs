//! [`Fold`]: events in, closed visits out. It keeps the live part of the hall (today's visits
//! and tickets, the counters, the queues, complaint cases) and hands each visit to the
//! [`Measures`] when its business day closes, then forgets it: memory follows one day of the
//! hall, never the journal. A visit is closed at the daily reset rather than at its
//! `visit_ended`, because a skipped ticket can be re-queued and reopen its visit the same day.
//!
//! Parts: `counters` (the counters' state, open and idle time), `overtakes` (priority, booked
//! and value-tier tickets against those they went before, the tiers' ratio), `ids` (the live
//! maps' hasher); the door's and the kiosk's counts are [`crate::door`]'s.

use std::collections::BTreeMap;

use hallq_proto::{
    BusinessCode, ComplaintCategory, CounterNo, InvalidId, StaffNo, TicketId, Timestamp, VisitId,
};
use hallq_queue::Event;

use crate::appointments::{AppointmentsAcc, Class};
use crate::complaints::ComplaintCase;
use crate::config::ReportConfig;
use crate::door::DoorAcc;
use crate::event::{Ev, Target, What};
use crate::measures::{CALLBACK_LIMIT_MS, Measures};
use crate::part::{ComplaintUpdate, Part};
use crate::tiers::TiersAcc;
use crate::visit::{Outcome, TicketEnd, TicketRecord, Trail, VisitRecord};

use hallq_queue::tiers::TierMark;

mod counters;
mod ids;
mod overtakes;

use ids::IdMap;

/// A business type, as its index in [`Fold::businesses`].
type Biz = u16;

/// Where a waiting ticket waits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    Business(Biz),
    Counter(CounterNo),
}

#[derive(Debug)]
struct LiveTicket {
    record: TicketRecord,
    /// `record.business`, interned: the overtake check compares it with every waiting ticket.
    business: Biz,
    visit: Box<str>,
    /// The queue it waits in, while it waits.
    queue: Option<Queue>,
    /// When it joined its business type's queue, ms: issued, or re-queued after a no-show
    /// (a transfer keeps its place). The queue's aging rule orders tickets by this.
    queued: i64,
    /// A booked customer's on-time check-in: the slot's start, ms.
    booked: Option<i64>,
    /// A booked customer who checked in too late: a walk-in's ticket.
    late_booking: bool,
    /// The customer's value tier and the head start it gave.
    tier: Option<TierMark>,
}

#[derive(Debug)]
struct LiveVisit {
    id: VisitId,
    started: Option<Timestamp>,
    first_at: Timestamp,
    ended: Option<Timestamp>,
    /// Its last event at a touchpoint, ms (a no-ticket visit departs there).
    last_seen: Option<i64>,
    outcome: Option<Outcome>,
    tickets: Vec<Box<str>>,
    trail: Trail,
    complaint: bool,
}

#[derive(Debug)]
struct LiveCounter {
    open: bool,
    paused: bool,
    /// The ticket called or served here.
    busy: Option<Box<str>>,
    /// Tickets transferred to this counter and waiting for it.
    directed: u32,
    /// The evaluator's prompt after a finish shows until then, ms (the rating, the prompt's
    /// end or the next call ends it sooner): the clerk waits for the customer's key, which is
    /// not idle time.
    prompt_until: Option<i64>,
    /// The business types it serves (`None`: a counter the configuration lacks, any).
    skills: Option<Vec<Biz>>,
    /// Open and not paused, ms, since its time was last handed to the measures …
    open_ms: i64,
    /// … of which idle while a ticket it could serve waited …
    idle_ms: i64,
    /// … and whether it was open at all in that time (the measures list it then).
    seen_open: bool,
}

/// The fold over the journal's events.
#[derive(Debug)]
pub struct Fold<'c> {
    cfg: &'c ReportConfig,
    /// Today's visits, in the order first seen …
    visits: Vec<LiveVisit>,
    /// … and where each is in it: a lookup yields an index, so a visit found is found once.
    visit_index: IdMap<u32>,
    tickets: IdMap<LiveTicket>,
    counters: BTreeMap<CounterNo, LiveCounter>,
    /// Business types seen or configured; a [`Biz`] is an index here.
    businesses: Vec<Box<str>>,
    /// Tickets waiting per business type (index: [`Biz`]).
    waiting: Vec<u32>,
    complaints: BTreeMap<String, ComplaintCase>,
    /// Updates of complaints opened before this fold's events began (a later range of days
    /// folded apart): applied to the case when the ranges are joined.
    orphan_updates: Vec<ComplaintUpdate>,
    /// Call-backs owed: the visit, and when its consultation was left open. One whose 24 h
    /// have passed at a daily reset is counted missed and dropped, so this holds a day or two.
    callbacks: BTreeMap<String, i64>,
    /// Call-backs made for consultations before this fold's events began: (visit, when),
    /// judged when the ranges are joined.
    orphan_callbacks: Vec<(String, i64)>,
    last_at: Option<i64>,
    first_at: Option<i64>,
    events: u64,
    measures: Measures,
    appointments: AppointmentsAcc,
    tiers: TiersAcc,
    /// The door counter's and the kiosk's counts.
    door: DoorAcc,
    /// The tiers' ratio: per business type (index: [`Biz`]), the calls in a row won by a tier's
    /// head start over a ticket without a tier, as the queue counts them.
    tier_streak: Vec<u32>,
    /// Whether a ticket with a tier was issued: the ratio's figures are gathered then, also
    /// for a hall whose configuration (given to the report) has no tiers.
    tiers_seen: bool,
}

impl<'c> Fold<'c> {
    /// An empty fold for a hall configured as `cfg`.
    pub fn new(cfg: &'c ReportConfig) -> Self {
        let mut fold = Self {
            cfg,
            visits: Vec::new(),
            visit_index: IdMap::default(),
            tickets: IdMap::default(),
            counters: BTreeMap::new(),
            businesses: Vec::new(),
            waiting: Vec::new(),
            complaints: BTreeMap::new(),
            orphan_updates: Vec::new(),
            callbacks: BTreeMap::new(),
            orphan_callbacks: Vec::new(),
            last_at: None,
            first_at: None,
            events: 0,
            measures: Measures::default(),
            appointments: AppointmentsAcc::default(),
            tiers: TiersAcc::default(),
            door: DoorAcc::default(),
            tier_streak: Vec::new(),
            tiers_seen: false,
        };
        for b in &cfg.business {
            fold.biz(b.code.as_str());
        }
        fold
    }

    /// Visits and tickets held now (for the memory test: bounded by a day's).
    pub fn live(&self) -> (usize, usize) {
        (self.visits.len(), self.tickets.len())
    }

    /// Folds the next event (events come in journal order).
    pub fn apply(&mut self, e: &Event) {
        if let Err(e) = self.fold(&Ev::from(e)) {
            unreachable!("the ids of a typed event are valid: {e}");
        }
    }

    /// Folds the next event; an id that is not one (from a journal row) stops it.
    pub(crate) fn fold(&mut self, e: &Ev<'_>) -> Result<(), InvalidId> {
        let at = e.at;
        let at_ms = Timestamp(at);
        self.events += 1;
        self.first_at.get_or_insert(at);
        self.advance(at);
        if let Some((tp, visit)) = e.touch {
            // A visit without a ticket is ended by the hub `visit_idle_end_min` after its last
            // touch (or by the reset): the customer was last seen at that touch, and left then
            // as far as anyone knows. Its departure is put there, not at the hub's time-out.
            let idle_end = matches!(
                e.what,
                What::VisitEnded {
                    outcome: Outcome::NoTicket,
                    ..
                }
            );
            let v = self.visit_mut(visit, at_ms)?;
            let seen = if idle_end {
                v.last_seen.unwrap_or(at)
            } else {
                at
            };
            v.trail.touch(tp, seen);
            v.last_seen = Some(seen);
        }
        match &e.what {
            What::DayClosed => self.close_day(),
            What::VisitStarted { visit } => {
                self.measures.arrival(at, self.cfg);
                let v = self.visit_mut(visit, at_ms)?;
                v.started.get_or_insert(at_ms);
            }
            What::VisitEnded { visit, outcome } => {
                let v = self.visit_mut(visit, at_ms)?;
                v.ended = Some(match outcome {
                    Outcome::NoTicket => Timestamp(v.last_seen.unwrap_or(at)),
                    _ => at_ms,
                });
                v.outcome = Some(*outcome);
            }
            What::TicketIssued {
                ticket,
                visit,
                business,
                priority,
                booked,
                tier,
            } => {
                let id = TicketId::new(*ticket)?;
                let code = BusinessCode::new(*business)?;
                let biz = self.biz(business);
                self.door.ticket(at, self.cfg.utc_offset_min);
                self.tiers_seen |= tier.is_some();
                let v = self.visit_mut(visit, at_ms)?;
                v.tickets.push((*ticket).into());
                // A re-issue reopens the visit, as the engine does.
                v.ended = None;
                v.outcome = None;
                self.waiting[usize::from(biz)] += 1;
                self.tickets.insert(
                    (*ticket).into(),
                    LiveTicket {
                        record: TicketRecord {
                            ticket: id,
                            business: code,
                            priority: *priority,
                            issued: at_ms,
                            first_called: None,
                            last_called: None,
                            started: None,
                            finished: None,
                            ended: None,
                            counter: None,
                            staff: None,
                            result: None,
                            end: TicketEnd::Open,
                            rating: None,
                            transfers: 0,
                            handled_before_ms: 0,
                            transferred_at: None,
                            wait_after_transfer_ms: None,
                            overtaken: 0,
                            overtook: 0,
                            counters_at_call: 0,
                            head_start_used_ms: None,
                        },
                        business: biz,
                        visit: (*visit).into(),
                        queue: Some(Queue::Business(biz)),
                        queued: at,
                        booked: *booked,
                        late_booking: false,
                        tier: *tier,
                    },
                );
            }
            What::TicketCalled {
                ticket,
                counter,
                staff,
            } => {
                // A call from its business type's queue (not one directed to a counter) is one
                // the tiers' ratio counts.
                let from_queue = match self.tickets.get(*ticket).and_then(|t| t.queue) {
                    Some(Queue::Business(b)) => Some(b),
                    _ => None,
                };
                self.leave_queue(ticket);
                let first = self
                    .tickets
                    .get(*ticket)
                    .is_some_and(|t| t.record.first_called.is_none());
                if first {
                    self.overtakes(ticket);
                    self.booking_overtakes(ticket);
                    self.tier_overtakes(ticket);
                }
                if let Some(b) = from_queue {
                    self.tier_ratio(ticket, b);
                }
                if let Some(t) = self.ticket_mut(ticket) {
                    if let Some(tr) = t.record.transferred_at.take() {
                        *t.record.wait_after_transfer_ms.get_or_insert(0) += at - tr.0;
                    }
                    t.record.first_called.get_or_insert(at_ms);
                    t.record.last_called = Some(at_ms);
                    t.record.counter = Some(*counter);
                    set_staff(&mut t.record.staff, staff)?;
                }
                self.busy(*counter, ticket);
            }
            What::ServiceStarted {
                ticket,
                counter,
                staff,
            } => {
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.started.get_or_insert(at_ms);
                    t.record.counter = Some(*counter);
                    set_staff(&mut t.record.staff, staff)?;
                }
                self.busy(*counter, ticket);
            }
            What::ServiceFinished {
                ticket,
                counter,
                staff,
                business,
                result,
            } => {
                self.free_counter(*counter, ticket);
                let prompt_ms = i64::from(self.cfg.rating_timeout_secs) * 1000;
                if prompt_ms > 0 {
                    self.counter(*counter).prompt_until = Some(at + prompt_ms);
                }
                // Served at a counter: a question left open at the door was answered there.
                if let Some((_, visit)) = e.touch {
                    self.callbacks.remove(visit);
                }
                let biz = self.biz(business);
                if let Some(t) = self.ticket_mut(ticket) {
                    let r = &mut t.record;
                    r.finished = Some(at_ms);
                    r.ended = Some(at_ms);
                    r.counter = Some(*counter);
                    set_staff(&mut r.staff, staff)?;
                    if r.business.as_str() != *business {
                        r.business = BusinessCode::new(*business)?;
                    }
                    t.business = biz;
                    r.result = Some(*result);
                    r.end = TicketEnd::Served;
                }
            }
            What::NoShow { ticket, counter } => {
                self.free_counter(*counter, ticket);
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.end = TicketEnd::NoShow;
                    t.record.ended = Some(at_ms);
                }
            }
            What::Transferred {
                ticket,
                counter,
                to,
            } => {
                self.free_counter(*counter, ticket);
                self.leave_queue(ticket);
                let queue = match to {
                    Target::Business(b) => {
                        let biz = self.biz(b);
                        self.waiting[usize::from(biz)] += 1;
                        Queue::Business(biz)
                    }
                    Target::Counter(c) => {
                        self.counter(*c).directed += 1;
                        Queue::Counter(*c)
                    }
                };
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.transfers += 1;
                    if let (Queue::Business(biz), Target::Business(b)) = (queue, to) {
                        if t.record.business.as_str() != *b {
                            t.record.business = BusinessCode::new(*b)?;
                        }
                        t.business = biz;
                    }
                    if let Some(s) = t.record.started.take() {
                        t.record.handled_before_ms += at - s.0;
                    }
                    t.record.transferred_at = Some(at_ms);
                    t.queue = Some(queue);
                }
            }
            What::Requeued { ticket } => {
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.end = TicketEnd::Open;
                    t.record.ended = None;
                    let b = t.business;
                    t.queue = Some(Queue::Business(b));
                    t.queued = at;
                    self.waiting[usize::from(b)] += 1;
                }
                if let Some(t) = self.tickets.get(*ticket)
                    && let Some(&i) = self.visit_index.get(&t.visit)
                    && let Some(v) = self.visits.get_mut(i as usize)
                {
                    v.ended = None;
                    v.outcome = None;
                }
            }
            What::Withdrawn { ticket, walked_out } => {
                self.leave_queue(ticket);
                for c in self.counters.values_mut() {
                    if c.busy.as_deref() == Some(*ticket) {
                        c.busy = None;
                    }
                }
                let end = if *walked_out {
                    TicketEnd::WalkedOut
                } else {
                    TicketEnd::Closed
                };
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.end = end;
                    t.record.ended = Some(at_ms);
                }
            }
            What::Rated {
                ticket,
                counter,
                score,
            } => {
                self.counter(*counter).prompt_until = None;
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.rating = Some(*score);
                }
            }
            What::RatingSkipped(n) => self.counter(*n).prompt_until = None,
            What::ComplaintOpened {
                complaint,
                visit,
                category,
                business,
                responsibility,
                first_contact_due_ms,
                due_ms,
            } => {
                if let Some(&i) = visit.and_then(|v| self.visit_index.get(v))
                    && let Some(v) = self.visits.get_mut(i as usize)
                {
                    v.complaint = true;
                }
                self.complaints.insert(
                    (*complaint).to_owned(),
                    ComplaintCase {
                        id: (*complaint).to_owned(),
                        opened: at_ms,
                        complex: *category == ComplaintCategory::Complex,
                        business: business.map(str::to_owned),
                        responsibility: responsibility.as_deref().map(str::to_owned),
                        first_contact_due: Timestamp(*first_contact_due_ms),
                        due: Timestamp(*due_ms),
                        contacted: None,
                        first_update: None,
                        resolved: None,
                        answer: None,
                        carried: false,
                    },
                );
            }
            What::ComplaintUpdated {
                complaint,
                contacted,
            } => {
                let u = ComplaintUpdate {
                    complaint: (*complaint).to_owned(),
                    at: at_ms,
                    contacted: *contacted,
                    resolved: false,
                    answer: None,
                };
                self.complaint_update(u);
            }
            What::ComplaintResolved { complaint, answer } => {
                let u = ComplaintUpdate {
                    complaint: (*complaint).to_owned(),
                    at: at_ms,
                    contacted: false,
                    resolved: true,
                    answer: answer.clone(),
                };
                self.complaint_update(u);
            }
            What::ConsultationLeftOpen { visit } => {
                self.callbacks.entry((*visit).into()).or_insert(at);
            }
            What::CallbackMade { visit } => match self.callbacks.remove(*visit) {
                Some(asked) => self.measures.callback_made(at - asked),
                None => self.orphan_callbacks.push(((*visit).into(), at)),
            },
            What::CounterOpened(n) => self.counter(*n).open = true,
            What::CounterClosed(n) => {
                let c = self.counter(*n);
                c.open = false;
                c.paused = false;
                c.prompt_until = None;
            }
            What::CounterPaused(n) => self.counter(*n).paused = true,
            What::CounterResumed(n) => self.counter(*n).paused = false,
            What::Booking(b) => self.booking(at, b),
            What::Door { passed_by, count } => {
                self.door
                    .door(at, *passed_by, *count, self.cfg.utc_offset_min);
            }
            What::KioskSession => self.door.kiosk.sessions += 1,
            What::KioskLeft(Some(step)) => self.door.kiosk.left_at[*step] += 1,
            What::KioskLeft(None) => self.door.kiosk.left_unknown += 1,
            What::SelfServiceChosen => self.door.kiosk.self_service += 1,
            // The rest (day opened, greeter and door touchpoints, prints, back office, ratings
            // skipped, announcements, sign-ins, and kinds added later) change no figure here.
            What::Other => {}
        }
        Ok(())
    }

    /// Ends the fold: every visit still held is closed as it stands (open ones as
    /// [`Outcome::Open`]) and the report is computed for `now` (complaints' time left).
    pub fn finish(self, now: Timestamp) -> crate::report::Report {
        let cfg = self.cfg;
        self.into_part().report(cfg, now)
    }

    /// Ends the fold as [`Fold::finish`] does, keeping what it counted to be joined with the
    /// folds of the ranges of days after it ([`Part::join`]).
    pub fn into_part(mut self) -> Part {
        self.close_day();
        Part {
            measures: self.measures,
            appointments: self.appointments,
            tiers: self.tiers,
            door: self.door,
            complaints: self.complaints,
            orphan_updates: self.orphan_updates,
            callbacks: self.callbacks,
            orphan_callbacks: self.orphan_callbacks,
            events: self.events,
            rows: self.events,
            span: self.first_at.zip(self.last_at),
        }
    }

    fn complaint_update(&mut self, u: ComplaintUpdate) {
        match self.complaints.get_mut(&u.complaint) {
            Some(c) => u.apply(c),
            None => self.orphan_updates.push(u),
        }
    }

    /// The index of business type `code`, added when first seen.
    fn biz(&mut self, code: &str) -> Biz {
        intern(&mut self.businesses, &mut self.waiting, code)
    }

    fn visit_mut(&mut self, visit: &str, at: Timestamp) -> Result<&mut LiveVisit, InvalidId> {
        // Most events find their visit: the id is copied only for a new one.
        let i = match self.visit_index.get(visit) {
            Some(&i) => i as usize,
            None => {
                let i = self.visits.len();
                self.visits.push(LiveVisit {
                    id: VisitId::new(visit)?,
                    started: None,
                    first_at: at,
                    ended: None,
                    last_seen: None,
                    outcome: None,
                    tickets: Vec::new(),
                    trail: Trail::default(),
                    complaint: false,
                });
                self.visit_index
                    .insert(visit.into(), u32::try_from(i).unwrap_or(u32::MAX));
                i
            }
        };
        Ok(&mut self.visits[i])
    }

    fn ticket_mut(&mut self, ticket: &str) -> Option<&mut LiveTicket> {
        let t = self.tickets.get_mut(ticket);
        if t.is_none() {
            self.measures.quality.orphan_events += 1;
        }
        t
    }

    fn leave_queue(&mut self, ticket: &str) {
        let Some(q) = self.tickets.get_mut(ticket).and_then(|t| t.queue.take()) else {
            return;
        };
        let n = match q {
            Queue::Business(b) => self.waiting.get_mut(usize::from(b)),
            Queue::Counter(c) => self.counters.get_mut(&c).map(|c| &mut c.directed),
        };
        if let Some(n) = n {
            *n = n.saturating_sub(1);
        }
    }

    /// The book's event: kept for the figures; a check-in marks its ticket (late: a walk-in's)
    /// and looks for the arrival on its visit.
    fn booking(&mut self, at: i64, e: &hallq_booking::BookingEvent) {
        if let hallq_booking::BookingEvent::CheckedIn {
            arrival,
            ticket: Some(ticket),
            ..
        } = e
        {
            let late = matches!(arrival, hallq_booking::Arrival::Late { .. });
            if let Some(t) = self.tickets.get_mut(ticket.as_str()) {
                t.late_booking = late;
                let visit = t.visit.clone();
                self.appointments.checked_in_tickets += 1;
                let arrived = self
                    .visit_index
                    .get(&*visit)
                    .and_then(|&i| self.visits.get(i as usize))
                    .is_some_and(|v| v.started.is_some() && v.trail.has(2));
                self.appointments.with_arrival += u64::from(arrived);
            }
        }
        self.appointments.events.push((at, e.clone()));
    }

    /// Hands every visit held, and the counters' time, to the measures and forgets the day.
    fn close_day(&mut self) {
        if let Some(now) = self.last_at {
            let missed = &mut self.measures.callbacks_missed;
            self.callbacks.retain(|_, asked| {
                let owed = now - *asked <= CALLBACK_LIMIT_MS;
                *missed += u64::from(!owed);
                owed
            });
        }
        for (n, c) in &mut self.counters {
            if c.seen_open {
                let acc = self.measures.counters.entry(n.0).or_default();
                acc.open_ms += c.open_ms;
                acc.idle_while_waiting_ms += c.idle_ms;
            }
            c.open_ms = 0;
            c.idle_ms = 0;
            c.seen_open = false;
            c.directed = 0;
        }
        self.visit_index.clear();
        let mut visits = std::mem::take(&mut self.visits);
        // By first event; a stable sort keeps visits of the same millisecond as first seen.
        visits.sort_by_key(|v| v.first_at);
        for v in visits {
            if v.started.is_none() {
                self.measures.quality.visits_without_start += 1;
            }
            let mut tickets: Vec<TicketRecord> = v
                .tickets
                .iter()
                .filter_map(|t| self.tickets.remove(t))
                .map(|t| {
                    let class = match (t.booked, t.late_booking) {
                        (Some(_), _) => Class::Booked,
                        (None, true) => Class::Late,
                        (None, false) => Class::WalkIn,
                    };
                    self.appointments.ticket(class, &t.record, self.cfg);
                    let level = t.tier.map_or(0, |m| m.level);
                    self.tiers.ticket(level, &t.record, self.cfg);
                    t.record
                })
                .collect();
            tickets.sort_by_key(|t| t.issued);
            let record = VisitRecord {
                visit: v.id,
                started: v.started.unwrap_or(v.first_at),
                ended: v.ended,
                outcome: v.outcome.unwrap_or(Outcome::Open),
                tickets,
                trail: v.trail,
                complaint: v.complaint,
            };
            self.measures.visit(&record, self.cfg);
        }
        // Tickets of visits never seen (cannot happen with the engine's events): dropped.
        self.tickets.clear();
        self.waiting.fill(0);
        self.tier_streak.clear();
        self.door.close_day();
    }
}

/// The index of `code` in `businesses`, added (with a waiting count) when first seen.
fn intern(businesses: &mut Vec<Box<str>>, waiting: &mut Vec<u32>, code: &str) -> Biz {
    if let Some(i) = businesses.iter().position(|b| &**b == code) {
        return Biz::try_from(i).unwrap_or(Biz::MAX);
    }
    businesses.push(code.into());
    waiting.push(0);
    Biz::try_from(businesses.len() - 1).unwrap_or(Biz::MAX)
}

/// `staff` as the ticket's clerk, copied only when it changed.
fn set_staff(slot: &mut Option<StaffNo>, staff: &str) -> Result<(), InvalidId> {
    if slot.as_ref().map(StaffNo::as_str) != Some(staff) {
        *slot = Some(StaffNo::new(staff)?);
    }
    Ok(())
}
