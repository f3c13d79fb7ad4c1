//! The live state of the hall today, and how each event changes it ([`HallState::evolve`]).
//!
//! The state is a fold over today's events: the hub rebuilds it on start by replaying the
//! journal, so `evolve` must accept every event `decide` ever produced, and never fails.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};

use hallq_proto::state::{Announcement, CallEntry, ClerkToday};
use hallq_proto::{
    BusinessCode, BusinessDay, ComplaintCategory, ComplaintId, CounterNo, PauseReason, Priority,
    Score, StaffNo, TicketId, TicketNo, Timestamp, Touchpoint, TransferTarget, VisitId,
};

use crate::config::QueueConfig;
use crate::event::{Event, EventKind};
use crate::tiers::TierMark;

/// How many calls the board keeps.
pub const RECENT_CALLS: usize = 10;

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketStatus {
    /// In a queue (its business type's, or a counter's after a transfer).
    Waiting,
    /// Called to a counter; the customer is on the way.
    Called(CounterNo),
    /// Being served at a counter.
    Serving(CounterNo),
    /// Served: its life is over.
    Served,
    /// Skipped as a no-show; may be re-queued today.
    Skipped,
    /// Withdrawn: the customer left.
    Cancelled,
    /// Closed by the daily reset.
    Closed,
}

impl TicketStatus {
    /// Whether the ticket still holds a place: waiting, called or being served.
    pub fn is_live(self) -> bool {
        matches!(self, Self::Waiting | Self::Called(_) | Self::Serving(_))
    }
}

/// One of today's tickets.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// Its id.
    pub id: TicketId,
    /// Its visit.
    pub visit: VisitId,
    /// Its printed number.
    pub number: TicketNo,
    /// The number without prefix.
    pub seq: u32,
    /// Its business type now (a transfer changes it).
    pub business: BusinessCode,
    /// The business type it was issued for, whose number range holds its number.
    pub origin: BusinessCode,
    /// Its priority.
    pub priority: Priority,
    /// When it was issued.
    pub issued_at: Timestamp,
    /// Its place in the queue: the time it counts as queued since, minus its head start (ms).
    pub key: i64,
    /// Where it is.
    pub status: TicketStatus,
    /// The counter it was transferred to, which calls it before its own queues.
    pub directed: Option<CounterNo>,
    /// The last transfer's note.
    pub note: Option<String>,
    /// The kiosk's last print of it failed: the customer may not know their number, so the hub
    /// never skips it as a no-show by itself (staff see to them; a clerk may still skip it).
    pub print_failed: bool,
    /// The counter and clerk that finished serving it, once served: whose a rating from the
    /// customer's phone is.
    pub served_by: Option<(CounterNo, StaffNo)>,
    /// The customer's grade, once rated (on the evaluator's pad or their phone): once per ticket.
    pub rated: Option<Score>,
    /// The booked slot's start, for a booked customer's on-time check-in (docs/booking.md).
    pub booked: Option<Timestamp>,
    /// The customer's value tier and the head start it gave, if any (issue 16 §4).
    pub tier: Option<TierMark>,
}

impl Ticket {
    /// The head start its value tier gives, ms (0 without one).
    pub fn tier_head_start_ms(&self) -> i64 {
        self.tier.map_or(0, |m| m.head_start_ms())
    }

    /// Its place in the queue without its tier's head start: the order the tiers' ratio
    /// falls back to.
    pub fn base_key(&self) -> i64 {
        self.key + self.tier_head_start_ms()
    }
}

/// One of today's visits.
#[derive(Debug, Clone)]
pub struct Visit {
    /// Its tickets, as indexes into today's tickets.
    pub tickets: Vec<usize>,
    /// Whether it has ended (it can reopen when a skipped ticket is re-queued).
    pub ended: bool,
    /// Its latest event.
    pub last_at: Timestamp,
}

/// What a counter is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Act {
    /// Waiting to call.
    Idle,
    /// Paused.
    Paused {
        /// Why.
        reason: PauseReason,
        /// Since when.
        since: Timestamp,
    },
    /// Calling a ticket.
    Calling {
        /// The ticket.
        idx: usize,
        /// The first call: no-show time-outs count from it.
        first_at: Timestamp,
        /// The latest call or recall.
        last_at: Timestamp,
        /// Recalls so far.
        recalls: u32,
    },
    /// Serving a ticket.
    Serving {
        /// The ticket.
        idx: usize,
        /// Service start.
        since: Timestamp,
        /// The latest call.
        called_at: Timestamp,
        /// Recalls it took.
        recalls: u32,
        /// Waiting on the back office.
        back_office: bool,
    },
}

/// The evaluator's pending prompt at a counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingWait {
    /// The ticket to rate.
    pub idx: usize,
    /// When the prompt times out.
    pub until: Timestamp,
    /// The clerk who served it: the rating is theirs even if they sign out.
    pub staff: StaffNo,
}

/// A counter's live state.
#[derive(Debug, Clone)]
pub struct CounterRt {
    /// Open for calling.
    pub open: bool,
    /// The clerk signed in.
    pub staff: Option<StaffNo>,
    /// What it does.
    pub act: Act,
    /// A rating the evaluator waits for.
    pub rating: Option<RatingWait>,
    /// Tickets finished here today.
    pub served_today: u32,
}

/// An open complaint case. Complaints outlive the day they were opened in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenComplaint {
    /// General or complex.
    pub category: ComplaintCategory,
    /// The visit it arose in.
    pub visit: Option<VisitId>,
    /// When it was opened.
    pub opened_at: Timestamp,
    /// First contact due.
    pub first_contact_due: Timestamp,
    /// Solution or progress feedback due.
    pub due: Timestamp,
    /// When the customer was first contacted.
    pub contacted_at: Option<Timestamp>,
}

/// A call-back owed for a consultation not answered on the spot (DOMAIN.md: within 24 h). Like
/// complaints, call-backs outlive the day they were asked in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCallback {
    /// What the visitor asked about, if recorded.
    pub business: Option<BusinessCode>,
    /// When the consultation was left open.
    pub asked_at: Timestamp,
}

impl OpenCallback {
    /// How long after the consultation the call-back is due.
    pub const LIMIT_MS: i64 = 24 * 3_600_000;

    /// When the call-back is due.
    pub fn due(&self) -> Timestamp {
        Timestamp(self.asked_at.0 + Self::LIMIT_MS)
    }
}

/// The hall today.
#[derive(Debug, Clone, Default)]
pub struct HallState {
    /// The business day, once opened.
    pub(crate) day: Option<BusinessDay>,
    /// Whether tickets are issued.
    pub(crate) open: bool,
    /// Today's tickets; a ticket's index is its daily serial minus one.
    pub(crate) tickets: Vec<Ticket>,
    /// Ticket index by id.
    pub(crate) by_id: HashMap<TicketId, usize>,
    /// Today's visits.
    pub(crate) visits: HashMap<VisitId, Visit>,
    /// Visits started today, for the next visit id.
    pub(crate) visit_serial: u32,
    /// Waiting tickets per business type, in call order: (key, index).
    pub(crate) queues: HashMap<BusinessCode, BTreeSet<(i64, usize)>>,
    /// Tickets transferred to a counter, in call order.
    pub(crate) directed: HashMap<CounterNo, BTreeSet<(i64, usize)>>,
    /// Per business type, the calls in a row that went to a ticket ahead only by its value
    /// tier while a ticket it overtook waited: the tiers' ratio bounds it.
    pub(crate) tier_streak: HashMap<BusinessCode, u32>,
    /// The counters.
    pub(crate) counters: BTreeMap<CounterNo, CounterRt>,
    /// Each clerk's figures today, by staff number (reset when the day opens).
    pub(crate) clerks: HashMap<StaffNo, ClerkToday>,
    /// The next number to try per business type.
    pub(crate) next_seq: HashMap<BusinessCode, u32>,
    /// Numbers held by tickets that may still be called today.
    pub(crate) held: HashSet<(BusinessCode, u32)>,
    /// Recent handling times (s) per business type, for wait estimates. Kept across days.
    pub(crate) samples: HashMap<BusinessCode, VecDeque<u32>>,
    /// The latest calls, newest first.
    pub(crate) recent_calls: VecDeque<CallEntry>,
    /// Open complaints, by id. Kept across days until resolved.
    pub(crate) complaints: BTreeMap<ComplaintId, OpenComplaint>,
    /// Call-backs owed, by visit. Kept across days until made.
    pub(crate) callbacks: BTreeMap<VisitId, OpenCallback>,
    /// Complaints opened today, for the next complaint id.
    pub(crate) complaint_serial: u32,
    /// Announcements posted, in posting order. All end at the daily reset at the latest.
    pub(crate) announcements: Vec<Announcement>,
    /// Announcements posted today without an id, for the next id.
    pub(crate) announcement_serial: u32,
}

impl HallState {
    /// A hall with its counters closed and no day open.
    pub fn new(config: &QueueConfig) -> Self {
        let counters = config
            .counters
            .iter()
            .map(|c| {
                let rt = CounterRt {
                    open: false,
                    staff: None,
                    act: Act::Idle,
                    rating: None,
                    served_today: 0,
                };
                (c.number, rt)
            })
            .collect();
        Self {
            counters,
            ..Self::default()
        }
    }

    /// Applies one event. Events that name unknown tickets or counters (a journal written under
    /// another configuration) change nothing rather than fail the replay.
    pub fn evolve(&mut self, config: &QueueConfig, event: &Event) {
        let at = event.at_ms;
        if let Some(v) = event.kind.visit().and_then(|v| self.visits.get_mut(v)) {
            v.last_at = at;
        }
        use EventKind as E;
        match &event.kind {
            E::DayOpened { day } => {
                let counters = std::mem::take(&mut self.counters);
                let samples = std::mem::take(&mut self.samples);
                let complaints = std::mem::take(&mut self.complaints);
                let callbacks = std::mem::take(&mut self.callbacks);
                *self = Self {
                    day: Some(*day),
                    open: true,
                    counters,
                    samples,
                    complaints,
                    callbacks,
                    ..Self::default()
                };
                for c in self.counters.values_mut() {
                    c.served_today = 0;
                }
            }
            E::DayClosed { .. } => {
                self.open = false;
                self.queues.clear();
                self.directed.clear();
                self.tier_streak.clear();
                self.held.clear();
                self.recent_calls.clear();
                self.announcements.clear();
                for c in self.counters.values_mut() {
                    *c = CounterRt {
                        served_today: c.served_today,
                        ..closed_counter()
                    };
                }
            }
            E::VisitStarted { visit } => {
                self.visit_serial += 1;
                let v = Visit {
                    tickets: vec![],
                    ended: false,
                    last_at: at,
                };
                self.visits.insert(visit.clone(), v);
            }
            E::TicketPrinted { ticket, ok, .. } => {
                if let Some(t) = self
                    .by_id
                    .get(ticket)
                    .and_then(|&i| self.tickets.get_mut(i))
                {
                    t.print_failed = !*ok;
                }
            }
            E::Touched {
                visit: Some(visit),
                touchpoint: Touchpoint::Consultation,
                resolved: Some(false),
                business,
                ..
            } => {
                // A second open question in the same visit keeps the first one's time.
                self.callbacks
                    .entry(visit.clone())
                    .or_insert_with(|| OpenCallback {
                        business: business.clone(),
                        asked_at: at,
                    });
            }
            E::CallbackMade { visit, .. } => {
                self.callbacks.remove(visit);
            }
            E::Touched { .. } | E::CallAnnounced { .. } | E::BackOffice { .. } => {
                if let E::BackOffice {
                    counter, waiting, ..
                } = &event.kind
                    && let Some(Act::Serving { back_office, .. }) =
                        self.counters.get_mut(counter).map(|c| &mut c.act)
                {
                    *back_office = *waiting;
                }
            }
            E::TicketIssued {
                ticket,
                visit,
                number,
                seq,
                business,
                priority,
                booked,
                tier,
                ..
            } => {
                let idx = self.tickets.len();
                // The booking's rule (docs/booking.md): queued since the earlier of the
                // check-in and the slot's start less its head start; priority's and the value
                // tier's head starts apply on top, as for any ticket.
                let since = booked.map_or(at, |b| b.queue_at.min(at));
                let key = since.0
                    - config.priority.head_start_ms(*priority)
                    - tier.map_or(0, |m| m.head_start_ms());
                self.tickets.push(Ticket {
                    id: ticket.clone(),
                    visit: visit.clone(),
                    number: number.clone(),
                    seq: *seq,
                    business: business.clone(),
                    origin: business.clone(),
                    priority: *priority,
                    issued_at: at,
                    key,
                    status: TicketStatus::Waiting,
                    directed: None,
                    note: None,
                    print_failed: false,
                    served_by: None,
                    rated: None,
                    booked: booked.map(|b| b.start),
                    tier: *tier,
                });
                self.by_id.insert(ticket.clone(), idx);
                self.queues
                    .entry(business.clone())
                    .or_default()
                    .insert((key, idx));
                self.held.insert((business.clone(), *seq));
                self.next_seq
                    .insert(business.clone(), seq.saturating_add(1));
                if let Some(v) = self.visits.get_mut(visit) {
                    v.tickets.push(idx);
                    v.ended = false;
                }
            }
            E::TicketCalled {
                ticket,
                counter,
                recall,
                visit: _,
                staff: _,
                by_hand: _,
            } => {
                let Some(idx) = self.idx(ticket) else { return };
                if *recall == 0 {
                    self.count_tier_streak(idx);
                }
                self.unqueue(idx);
                let t = &mut self.tickets[idx];
                t.status = TicketStatus::Called(*counter);
                self.recent_calls.retain(|c| c.number != t.number);
                self.recent_calls.push_front(CallEntry {
                    number: t.number.clone(),
                    counter: *counter,
                    business: t.business.clone(),
                    at_ms: at,
                    recall: *recall,
                });
                self.recent_calls.truncate(RECENT_CALLS);
                if let Some(c) = self.counters.get_mut(counter) {
                    let first_at = match c.act {
                        Act::Calling {
                            idx: i, first_at, ..
                        } if i == idx => first_at,
                        _ => at,
                    };
                    c.act = Act::Calling {
                        idx,
                        first_at,
                        last_at: at,
                        recalls: *recall,
                    };
                }
            }
            E::ServiceStarted {
                ticket, counter, ..
            } => {
                let Some(idx) = self.idx(ticket) else { return };
                self.tickets[idx].status = TicketStatus::Serving(*counter);
                if let Some(c) = self.counters.get_mut(counter)
                    && let Act::Calling {
                        last_at, recalls, ..
                    } = c.act
                {
                    c.act = Act::Serving {
                        idx,
                        since: at,
                        called_at: last_at,
                        recalls,
                        back_office: false,
                    };
                }
            }
            E::ServiceFinished {
                ticket,
                visit,
                counter,
                staff,
                business,
                handling_secs,
                ..
            } => {
                // Served at a counter: the question left open at the door was answered there.
                self.callbacks.remove(visit);
                let Some(idx) = self.idx(ticket) else { return };
                self.finish_ticket(idx, TicketStatus::Served);
                self.tickets[idx].served_by = Some((*counter, staff.clone()));
                let keep = config.estimate_samples.max(1);
                let s = self.samples.entry(business.clone()).or_default();
                s.push_back(*handling_secs);
                while s.len() > keep {
                    s.pop_front();
                }
                let clerk = self.clerks.entry(staff.clone()).or_default();
                clerk.served += 1;
                clerk.handling_secs += u64::from(*handling_secs);
                let limit = config.business(business).map(|b| b.limit_min());
                if limit.is_some_and(|m| u64::from(*handling_secs) <= u64::from(m) * 60) {
                    clerk.within_limit += 1;
                }
                if let Some(c) = self.counters.get_mut(counter) {
                    c.act = Act::Idle;
                    c.served_today += 1;
                    let until = at.plus_secs(i64::from(config.rating_timeout_secs));
                    c.rating = (config.rating_timeout_secs > 0).then(|| RatingWait {
                        idx,
                        until,
                        staff: staff.clone(),
                    });
                }
            }
            E::NoShow {
                ticket, counter, ..
            } => {
                let Some(idx) = self.idx(ticket) else { return };
                self.tickets[idx].status = TicketStatus::Skipped;
                self.set_idle(*counter);
            }
            E::TicketTransferred {
                ticket,
                counter,
                to,
                note,
                ..
            } => {
                let Some(idx) = self.idx(ticket) else { return };
                self.set_idle(*counter);
                let t = &mut self.tickets[idx];
                t.note = note.clone();
                match to {
                    TransferTarget::Business(b) => {
                        t.business = b.clone();
                        t.directed = None;
                    }
                    TransferTarget::Counter(c) => t.directed = Some(*c),
                }
                self.enqueue(idx);
            }
            E::TicketRequeued { ticket, visit } => {
                let Some(idx) = self.idx(ticket) else { return };
                let t = &mut self.tickets[idx];
                t.key = at.0 - config.priority.head_start_ms(t.priority) - t.tier_head_start_ms();
                self.enqueue(idx);
                if let Some(v) = self.visits.get_mut(visit) {
                    v.ended = false;
                }
            }
            E::TicketCancelled { ticket, .. } => {
                if let Some(idx) = self.idx(ticket) {
                    self.unqueue(idx);
                    self.finish_ticket(idx, TicketStatus::Cancelled);
                }
            }
            E::TicketClosed { ticket, .. } => {
                if let Some(idx) = self.idx(ticket) {
                    self.unqueue(idx);
                    self.finish_ticket(idx, TicketStatus::Closed);
                }
            }
            E::Rated {
                ticket,
                counter,
                staff,
                score,
                ..
            } => {
                let clerk = self.clerks.entry(staff.clone()).or_default();
                clerk.rated += 1;
                clerk.satisfied += u32::from(score.is_satisfied());
                let idx = self.idx(ticket);
                if let Some(i) = idx {
                    self.tickets[i].rated = Some(*score);
                }
                // A rating from the phone may come after the counter moved on: only the prompt
                // for this ticket ends, not the next customer's.
                if let Some(c) = self.counters.get_mut(counter)
                    && c.rating
                        .as_ref()
                        .is_some_and(|r| Some(r.idx) == idx || idx.is_none())
                {
                    c.rating = None;
                }
            }
            E::RatingSkipped { counter, .. } => {
                if let Some(c) = self.counters.get_mut(counter) {
                    c.rating = None;
                }
            }
            E::VisitEnded { visit, .. } => {
                if let Some(v) = self.visits.get_mut(visit) {
                    v.ended = true;
                }
            }
            E::SignedIn { counter, staff } => {
                if let Some(c) = self.counters.get_mut(counter) {
                    c.staff = Some(staff.clone());
                }
            }
            E::SignedOut { counter, .. } => {
                if let Some(c) = self.counters.get_mut(counter) {
                    c.staff = None;
                    c.open = false;
                    c.act = Act::Idle;
                }
            }
            E::CounterOpened { counter } => {
                if let Some(c) = self.counters.get_mut(counter) {
                    c.open = true;
                }
            }
            E::CounterClosed { counter } => {
                if let Some(c) = self.counters.get_mut(counter) {
                    c.open = false;
                    c.act = Act::Idle;
                }
            }
            E::CounterPaused { counter, reason } => {
                if let Some(c) = self.counters.get_mut(counter) {
                    c.act = Act::Paused {
                        reason: *reason,
                        since: at,
                    };
                }
            }
            E::CounterResumed { counter } => self.set_idle(*counter),
            // The hub swaps the engine's configuration itself (`Engine::reconfigure`).
            E::ConfigApplied { .. }
            | E::ConfigRefused { .. }
            | E::NoticeConsented { .. }
            | E::NoticeSent { .. }
            | E::ComplaintResultSent { .. }
            | E::ComplaintResultResend { .. } => {}
            // The hub keeps the book beside the engine (docs/booking.md).
            E::Booking { .. } | E::BookingHandover { .. } | E::Inspection { .. } => {}
            E::ComplaintOpened {
                complaint,
                category,
                visit,
                first_contact_due_ms,
                due_ms,
                ..
            } => {
                self.complaint_serial += 1;
                let open = OpenComplaint {
                    category: *category,
                    visit: visit.clone(),
                    opened_at: at,
                    first_contact_due: *first_contact_due_ms,
                    due: *due_ms,
                    contacted_at: None,
                };
                self.complaints.insert(complaint.clone(), open);
            }
            E::ComplaintUpdated {
                complaint,
                contacted,
                ..
            } => {
                if let Some(c) = self.complaints.get_mut(complaint)
                    && *contacted
                    && c.contacted_at.is_none()
                {
                    c.contacted_at = Some(at);
                }
            }
            E::ComplaintResolved { complaint, .. } => {
                self.complaints.remove(complaint);
            }
            E::AnnouncementPosted { announcement } => {
                if !self.announcements.iter().any(|a| a.id == announcement.id) {
                    self.announcement_serial += 1;
                }
                self.announcements.retain(|a| a.id != announcement.id);
                self.announcements.push(announcement.clone());
            }
            E::AnnouncementCleared { announcement } => {
                self.announcements.retain(|a| &a.id != announcement);
            }
        }
    }

    /// The index of ticket `id`.
    pub(crate) fn idx(&self, id: &TicketId) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// A first call of ticket `idx` from its business type's queue: one more call in a row
    /// won by a tier's head start if it overtook a ticket without one queued before it (the
    /// tiers' ratio, [`crate::tiers`]), else the row ends.
    fn count_tier_streak(&mut self, idx: usize) {
        let t = &self.tickets[idx];
        if t.status != TicketStatus::Waiting || t.directed.is_some() {
            return;
        }
        let base = t.base_key();
        let overtook = t.tier_head_start_ms() > 0
            && self.queues.get(&t.business).is_some_and(|q| {
                q.range(..(base, idx))
                    .any(|&(_, j)| self.tickets[j].tier_head_start_ms() == 0)
            });
        let streak = self.tier_streak.entry(t.business.clone()).or_default();
        *streak = if overtook { *streak + 1 } else { 0 };
    }

    fn set_idle(&mut self, counter: CounterNo) {
        if let Some(c) = self.counters.get_mut(&counter) {
            c.act = Act::Idle;
        }
    }

    fn enqueue(&mut self, idx: usize) {
        let t = &mut self.tickets[idx];
        t.status = TicketStatus::Waiting;
        let entry = (t.key, idx);
        match t.directed {
            Some(c) => self.directed.entry(c).or_default().insert(entry),
            None => self
                .queues
                .entry(t.business.clone())
                .or_default()
                .insert(entry),
        };
    }

    fn unqueue(&mut self, idx: usize) {
        let t = &self.tickets[idx];
        let entry = (t.key, idx);
        match t.directed {
            Some(c) => self.directed.get_mut(&c).map(|q| q.remove(&entry)),
            None => self.queues.get_mut(&t.business).map(|q| q.remove(&entry)),
        };
    }

    fn finish_ticket(&mut self, idx: usize, status: TicketStatus) {
        let t = &mut self.tickets[idx];
        t.status = status;
        self.held.remove(&(t.origin.clone(), t.seq));
    }
}

fn closed_counter() -> CounterRt {
    CounterRt {
        open: false,
        staff: None,
        act: Act::Idle,
        rating: None,
        served_today: 0,
    }
}
