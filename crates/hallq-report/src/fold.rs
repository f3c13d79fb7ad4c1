//! [`Fold`]: events in, closed visits out. It keeps the live part of the hall (today's visits
//! and tickets, the counters, the queues, complaint cases) and hands each visit to the
//! [`Measures`] when its business day closes, then forgets it: memory follows one day of the
//! hall, never the journal. A visit is closed at the daily reset rather than at its
//! `visit_ended`, because a skipped ticket can be re-queued and reopen its visit the same day.

use std::collections::{BTreeMap, HashMap};

use hallq_proto::{
    BusinessCode, ComplaintCategory, CounterNo, Priority, Timestamp, TransferTarget, VisitId,
};
use hallq_queue::{Event, EventKind};

use crate::complaints::ComplaintCase;
use crate::config::ReportConfig;
use crate::measures::Measures;
use crate::part::{ComplaintUpdate, Part};
use crate::visit::{Outcome, TicketEnd, TicketRecord, Trail, VisitRecord};

/// Where a waiting ticket waits.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Queue {
    Business(BusinessCode),
    Counter(CounterNo),
}

#[derive(Debug)]
struct LiveTicket {
    record: TicketRecord,
    visit: VisitId,
    /// The queue it waits in, while it waits.
    queue: Option<Queue>,
}

#[derive(Debug)]
struct LiveVisit {
    started: Option<Timestamp>,
    first_at: Timestamp,
    ended: Option<Timestamp>,
    outcome: Option<Outcome>,
    tickets: Vec<hallq_proto::TicketId>,
    trail: Trail,
    complaint: bool,
}

#[derive(Debug, Default)]
struct LiveCounter {
    open: bool,
    paused: bool,
    /// The ticket called or served here.
    busy: Option<hallq_proto::TicketId>,
}

/// The fold over the journal's events.
#[derive(Debug)]
pub struct Fold<'c> {
    cfg: &'c ReportConfig,
    visits: HashMap<VisitId, LiveVisit>,
    tickets: HashMap<hallq_proto::TicketId, LiveTicket>,
    counters: BTreeMap<CounterNo, LiveCounter>,
    waiting: HashMap<BusinessCode, u32>,
    directed: HashMap<CounterNo, u32>,
    complaints: BTreeMap<String, ComplaintCase>,
    /// Updates of complaints opened before this fold's events began (a later range of days
    /// folded apart): applied to the case when the ranges are joined.
    orphan_updates: Vec<ComplaintUpdate>,
    last_at: Option<i64>,
    first_at: Option<i64>,
    events: u64,
    measures: Measures,
}

impl<'c> Fold<'c> {
    /// An empty fold for a hall configured as `cfg`.
    pub fn new(cfg: &'c ReportConfig) -> Self {
        Self {
            cfg,
            visits: HashMap::new(),
            tickets: HashMap::new(),
            counters: BTreeMap::new(),
            waiting: HashMap::new(),
            directed: HashMap::new(),
            complaints: BTreeMap::new(),
            orphan_updates: Vec::new(),
            last_at: None,
            first_at: None,
            events: 0,
            measures: Measures::default(),
        }
    }

    /// Visits and tickets held now (for the memory test: bounded by a day's).
    pub fn live(&self) -> (usize, usize) {
        (self.visits.len(), self.tickets.len())
    }

    /// Folds the next event (events come in journal order).
    pub fn apply(&mut self, e: &Event) {
        let at = e.at_ms.0;
        self.events += 1;
        self.first_at.get_or_insert(at);
        self.advance(at);
        if let (Some(tp), Some(visit)) = (e.kind.touchpoint(), e.kind.visit()) {
            let v = self.visit_mut(visit, e.at_ms);
            v.trail.touch(tp.number(), at);
        }
        use EventKind as E;
        match &e.kind {
            E::DayClosed { .. } => self.close_day(),
            E::VisitStarted { visit } => {
                self.measures.arrival(at, self.cfg);
                let v = self.visit_mut(visit, e.at_ms);
                v.started.get_or_insert(e.at_ms);
            }
            E::VisitEnded { visit, outcome } => {
                let v = self.visit_mut(visit, e.at_ms);
                v.ended = Some(e.at_ms);
                v.outcome = Some((*outcome).into());
            }
            E::TicketIssued {
                ticket,
                visit,
                business,
                priority,
                ..
            } => {
                let v = self.visit_mut(visit, e.at_ms);
                v.tickets.push(ticket.clone());
                // A re-issue reopens the visit, as the engine does.
                v.ended = None;
                v.outcome = None;
                *self.waiting.entry(business.clone()).or_default() += 1;
                self.tickets.insert(
                    ticket.clone(),
                    LiveTicket {
                        record: TicketRecord {
                            ticket: ticket.clone(),
                            business: business.clone(),
                            priority: *priority,
                            issued: e.at_ms,
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
                            overtaken: 0,
                            overtook: 0,
                            counters_at_call: 0,
                        },
                        visit: visit.clone(),
                        queue: Some(Queue::Business(business.clone())),
                    },
                );
            }
            E::TicketCalled {
                ticket,
                counter,
                staff,
                ..
            } => {
                self.leave_queue(ticket);
                let first = self
                    .tickets
                    .get(ticket)
                    .is_some_and(|t| t.record.first_called.is_none());
                if first {
                    self.overtakes(ticket);
                }
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.first_called.get_or_insert(e.at_ms);
                    t.record.last_called = Some(e.at_ms);
                    t.record.counter = Some(*counter);
                    t.record.staff = Some(staff.clone());
                }
                self.counters.entry(*counter).or_default().busy = Some(ticket.clone());
            }
            E::ServiceStarted {
                ticket,
                counter,
                staff,
                ..
            } => {
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.started.get_or_insert(e.at_ms);
                    t.record.counter = Some(*counter);
                    t.record.staff = Some(staff.clone());
                }
                self.counters.entry(*counter).or_default().busy = Some(ticket.clone());
            }
            E::ServiceFinished {
                ticket,
                counter,
                staff,
                business,
                result,
                ..
            } => {
                self.free_counter(*counter, ticket);
                if let Some(t) = self.ticket_mut(ticket) {
                    let r = &mut t.record;
                    r.finished = Some(e.at_ms);
                    r.ended = Some(e.at_ms);
                    r.counter = Some(*counter);
                    r.staff = Some(staff.clone());
                    r.business = business.clone();
                    r.result = Some(*result);
                    r.end = TicketEnd::Served;
                }
            }
            E::NoShow {
                ticket, counter, ..
            } => {
                self.free_counter(*counter, ticket);
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.end = TicketEnd::NoShow;
                    t.record.ended = Some(e.at_ms);
                }
            }
            E::TicketTransferred {
                ticket,
                counter,
                to,
                ..
            } => {
                self.free_counter(*counter, ticket);
                self.leave_queue(ticket);
                let queue = match to {
                    TransferTarget::Business(b) => {
                        *self.waiting.entry(b.clone()).or_default() += 1;
                        Queue::Business(b.clone())
                    }
                    TransferTarget::Counter(c) => {
                        *self.directed.entry(*c).or_default() += 1;
                        Queue::Counter(*c)
                    }
                };
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.transfers += 1;
                    if let Queue::Business(b) = &queue {
                        t.record.business = b.clone();
                    }
                    t.record.started = None;
                    t.queue = Some(queue);
                }
            }
            E::TicketRequeued { ticket, .. } => {
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.end = TicketEnd::Open;
                    t.record.ended = None;
                    let b = t.record.business.clone();
                    t.queue = Some(Queue::Business(b.clone()));
                    *self.waiting.entry(b).or_default() += 1;
                }
                if let Some(v) = self.tickets.get(ticket).map(|t| t.visit.clone())
                    && let Some(v) = self.visits.get_mut(&v)
                {
                    v.ended = None;
                    v.outcome = None;
                }
            }
            E::TicketCancelled { ticket, .. } | E::TicketClosed { ticket, .. } => {
                self.leave_queue(ticket);
                let busy_at: Vec<CounterNo> = self
                    .counters
                    .iter()
                    .filter(|(_, c)| c.busy.as_ref() == Some(ticket))
                    .map(|(n, _)| *n)
                    .collect();
                for c in busy_at {
                    self.free_counter(c, ticket);
                }
                let end = if matches!(e.kind, E::TicketCancelled { .. }) {
                    TicketEnd::WalkedOut
                } else {
                    TicketEnd::Closed
                };
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.end = end;
                    t.record.ended = Some(e.at_ms);
                }
            }
            E::Rated { ticket, score, .. } => {
                if let Some(t) = self.ticket_mut(ticket) {
                    t.record.rating = Some(*score);
                }
            }
            E::ComplaintOpened {
                complaint,
                category,
                visit,
                business,
                responsibility,
                first_contact_due_ms,
                due_ms,
                ..
            } => {
                if let Some(v) = visit.as_ref().and_then(|v| self.visits.get_mut(v)) {
                    v.complaint = true;
                }
                self.complaints.insert(
                    complaint.as_str().to_owned(),
                    ComplaintCase {
                        id: complaint.as_str().to_owned(),
                        opened: e.at_ms,
                        complex: *category == ComplaintCategory::Complex,
                        business: business.as_ref().map(|b| b.as_str().to_owned()),
                        responsibility: responsibility.clone(),
                        first_contact_due: *first_contact_due_ms,
                        due: *due_ms,
                        contacted: None,
                        first_update: None,
                        resolved: None,
                    },
                );
            }
            E::ComplaintUpdated {
                complaint,
                contacted,
                ..
            } => {
                let u = ComplaintUpdate {
                    complaint: complaint.as_str().to_owned(),
                    at: e.at_ms,
                    contacted: *contacted,
                    resolved: false,
                };
                self.complaint_update(u);
            }
            E::ComplaintResolved { complaint, .. } => {
                let u = ComplaintUpdate {
                    complaint: complaint.as_str().to_owned(),
                    at: e.at_ms,
                    contacted: false,
                    resolved: true,
                };
                self.complaint_update(u);
            }
            E::CounterOpened { counter } => self.counters.entry(*counter).or_default().open = true,
            E::CounterClosed { counter } => {
                let c = self.counters.entry(*counter).or_default();
                c.open = false;
                c.paused = false;
            }
            E::CounterPaused { counter, .. } => {
                self.counters.entry(*counter).or_default().paused = true;
            }
            E::CounterResumed { counter } => {
                self.counters.entry(*counter).or_default().paused = false;
            }
            // The rest (day opened, greeter and door touchpoints, prints, back office, ratings
            // skipped, announcements, sign-ins, and kinds added later) change no figure here.
            _ => {}
        }
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
            complaints: self.complaints,
            orphan_updates: self.orphan_updates,
            events: self.events,
            span: self.first_at.zip(self.last_at),
        }
    }

    fn complaint_update(&mut self, u: ComplaintUpdate) {
        match self.complaints.get_mut(&u.complaint) {
            Some(c) => u.apply(c),
            None => self.orphan_updates.push(u),
        }
    }

    fn visit_mut(&mut self, visit: &VisitId, at: Timestamp) -> &mut LiveVisit {
        // Most events find their visit: the id is cloned only for a new one.
        if !self.visits.contains_key(visit) {
            self.visits.insert(
                visit.clone(),
                LiveVisit {
                    started: None,
                    first_at: at,
                    ended: None,
                    outcome: None,
                    tickets: Vec::new(),
                    trail: Trail::default(),
                    complaint: false,
                },
            );
        }
        self.visits
            .get_mut(visit)
            .unwrap_or_else(|| unreachable!("inserted above"))
    }

    fn ticket_mut(&mut self, ticket: &hallq_proto::TicketId) -> Option<&mut LiveTicket> {
        let t = self.tickets.get_mut(ticket);
        if t.is_none() {
            self.measures.quality.orphan_events += 1;
        }
        t
    }

    fn leave_queue(&mut self, ticket: &hallq_proto::TicketId) {
        let Some(q) = self.tickets.get_mut(ticket).and_then(|t| t.queue.take()) else {
            return;
        };
        let n = match &q {
            Queue::Business(b) => self.waiting.get_mut(b),
            Queue::Counter(c) => self.directed.get_mut(c),
        };
        if let Some(n) = n {
            *n = n.saturating_sub(1);
        }
    }

    fn free_counter(&mut self, counter: CounterNo, ticket: &hallq_proto::TicketId) {
        if let Some(c) = self.counters.get_mut(&counter)
            && c.busy.as_ref() == Some(ticket)
        {
            c.busy = None;
        }
    }

    fn serving(&self, c: &LiveCounter) -> bool {
        c.open && !c.paused
    }

    /// Whether counter `n` could serve a ticket waiting now.
    fn has_work(&self, n: CounterNo) -> bool {
        if self.directed.get(&n).is_some_and(|&k| k > 0) {
            return true;
        }
        match self.cfg.skills(n) {
            Some(skills) => skills
                .iter()
                .any(|b| self.waiting.get(b).is_some_and(|&k| k > 0)),
            None => self.waiting.values().any(|&k| k > 0),
        }
    }

    /// Moves the clock to `at`: counters' open time and idle time while work waited.
    fn advance(&mut self, at: i64) {
        let Some(last) = self.last_at.replace(at) else {
            return;
        };
        if at <= last {
            self.last_at = Some(last);
            return;
        }
        let dt = at - last;
        let mut open = 0;
        let mut idle = Vec::new();
        for (n, c) in &self.counters {
            if self.serving(c) {
                open += 1;
                let acc_idle = c.busy.is_none() && self.has_work(*n);
                idle.push((n.0, acc_idle));
            }
        }
        for (n, is_idle) in idle {
            let acc = self.measures.counters.entry(n).or_default();
            acc.open_ms += dt;
            if is_idle {
                acc.idle_while_waiting_ms += dt;
            }
        }
        self.measures.counters_open(open, last, at, self.cfg);
    }

    /// A ticket's first call: ordinary tickets of its business type issued before it and still
    /// waiting are overtaken, if it is a priority ticket.
    fn overtakes(&mut self, ticket: &hallq_proto::TicketId) {
        let Some(t) = self.tickets.get(ticket) else {
            return;
        };
        if t.record.priority == Priority::Ordinary {
            return;
        }
        let (business, issued) = (t.record.business.clone(), t.record.issued);
        let mut overtook = 0;
        for o in self.tickets.values_mut() {
            if o.record.priority == Priority::Ordinary
                && o.queue == Some(Queue::Business(business.clone()))
                && o.record.issued < issued
            {
                o.record.overtaken += 1;
                overtook += 1;
            }
        }
        let counters = self
            .counters
            .iter()
            .filter(|(n, c)| {
                self.serving(c) && self.cfg.skills(**n).is_none_or(|s| s.contains(&business))
            })
            .count() as u32;
        if let Some(t) = self.tickets.get_mut(ticket) {
            t.record.overtook = overtook;
            t.record.counters_at_call = counters;
        }
    }

    /// Hands every visit held to the measures and forgets the day.
    fn close_day(&mut self) {
        let mut visits: Vec<(VisitId, LiveVisit)> = self.visits.drain().collect();
        visits.sort_by_key(|(_, v)| v.first_at);
        for (id, v) in visits {
            if v.started.is_none() {
                self.measures.quality.visits_without_start += 1;
            }
            let mut tickets: Vec<TicketRecord> = v
                .tickets
                .iter()
                .filter_map(|t| self.tickets.remove(t))
                .map(|t| t.record)
                .collect();
            tickets.sort_by_key(|t| t.issued);
            let record = VisitRecord {
                visit: id,
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
        self.waiting.clear();
        self.directed.clear();
    }
}
