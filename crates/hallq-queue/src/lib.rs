//! The hallq queue engine: a pure, deterministic state machine of one hall's day.
//!
//! `Engine::apply(command, now)` decides what a command makes happen, returns the events and
//! applies them to the state. No IO and no clock: `now` is a parameter, so the engine replays a
//! journal exactly and property tests can drive it through thousands of random days.
//!
//! Parts:
//! - [`config`]: business types, counters and their skills, the priority head start (the aging
//!   rule), recalls and no-shows; DOMAIN.md's default hall.
//! - [`command`]: what the hub asks of the engine.
//! - [`event`]: what happened, one journal row each, each naming its touchpoint.
//! - [`state`]: the hall today as a fold over events.
//! - `decide` (private): the rules.
//! - `pick` (private): which waiting ticket call-next takes.
//! - [`tiers`]: customer value tiers: a bounded head start, a ratio, the counters that serve
//!   them and their greeting (issue 16 §4).
//! - `view` (private): queues, wait estimates, counter states in the contract's terms.
//! - [`error`]: refusals, each with its stable contract code.

pub mod command;
pub mod config;
mod decide;
pub mod error;
pub mod event;
mod pick;
pub mod state;
pub mod tiers;
mod view;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use hallq_proto::state::{Announcement, CallEntry, CounterState, QueueInfo, ServiceInfo};
use hallq_proto::{
    BusinessCode, BusinessDay, ComplaintId, CounterNo, TicketId, Timestamp, VisitId,
};

pub use command::{BookedSlot, Command, VisitRef};
pub use config::{ConfigError, DocumentHelp, QueueConfig};
pub use error::QueueError;
pub use event::{BookedTime, Event, EventKind, VisitOutcome};

/// The longest head start a booking may give over walk-ins, whatever a caller asks: the same
/// bound as the booking rules' (`hallq_booking::rules::MAX_HEAD_START_MIN`).
pub const MAX_BOOKING_HEAD_START_MIN: u32 = hallq_booking::rules::MAX_HEAD_START_MIN;
pub use state::{HallState, OpenCallback, OpenComplaint, Ticket, TicketStatus};

/// The queue of one hall: its configuration and today's state.
#[derive(Debug, Clone)]
pub struct Engine {
    /// Shared with the hub's views; never changes while the engine runs.
    config: Arc<QueueConfig>,
    /// Today, as the events so far made it.
    state: HallState,
    /// Booked customers still to come, for the wait estimates only (not replayed: no event
    /// makes it; whoever holds the book sets it).
    expected: Expected,
}

/// Booked customers expected but not yet arrived, by business type: the queue times their
/// tickets will have (docs/booking.md). Not the queue's state: whoever holds the book tells the
/// engine ([`Engine::set_expected`]), so that a wait estimate counts the appointments due
/// before the ticket (issue 15 §3). A no-show or a check-in is no longer expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    /// When it was taken: a ticket taken now is queued from here.
    pub at: Timestamp,
    /// Queue times (`start − head start`) of the bookings still to come, sorted, by type.
    pub queue_at: BTreeMap<BusinessCode, Vec<Timestamp>>,
}

impl Default for Expected {
    fn default() -> Self {
        Self {
            at: Timestamp(0),
            queue_at: BTreeMap::new(),
        }
    }
}

impl Expected {
    /// How many are ahead of a ticket of `business` queued at `key` (ms).
    pub fn before(&self, business: &BusinessCode, key: i64) -> u32 {
        let n = self
            .queue_at
            .get(business)
            .map_or(0, |v| v.partition_point(|t| t.0 < key));
        u32::try_from(n).unwrap_or(u32::MAX)
    }
}

impl Engine {
    /// An engine for `config` with no day open. The configuration must be valid.
    pub fn new(config: QueueConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        let state = HallState::new(&config);
        Ok(Self {
            config: Arc::new(config),
            state,
            expected: Expected::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &QueueConfig {
        &self.config
    }

    /// Runs on `config` from now on, keeping today's tickets, visits and counters
    /// (configuration down: business types, limits). The counters must be the same as before
    /// (the caller checks: they are the hall's own); business types removed must have no live
    /// tickets, or those tickets can no longer be called.
    pub fn reconfigure(&mut self, config: QueueConfig) -> Result<(), ConfigError> {
        config.validate()?;
        self.config = Arc::new(config);
        Ok(())
    }

    /// Decides `cmd` at `now`, applies the events and returns them. A refusal changes nothing.
    pub fn apply(&mut self, cmd: &Command, now: Timestamp) -> Result<Vec<Event>, QueueError> {
        let mut all = Vec::new();
        // `Tick` settles one time-out per step so that each sees the previous one applied; the
        // bound only guards against a bug looping forever.
        let steps = if matches!(cmd, Command::Tick) {
            10_000
        } else {
            1
        };
        for _ in 0..steps {
            let kinds = decide::decide(&self.config, &self.state, cmd, now)?;
            if kinds.is_empty() {
                break;
            }
            for kind in kinds {
                let event = Event { at_ms: now, kind };
                self.state.evolve(&self.config, &event);
                all.push(event);
            }
        }
        Ok(all)
    }

    /// Applies an event from the journal (replay on start).
    pub fn replay(&mut self, event: &Event) {
        self.state.evolve(&self.config, event);
    }

    /// The business day open, if any.
    pub fn day(&self) -> Option<BusinessDay> {
        self.state.day
    }

    /// Whether tickets are being issued.
    pub fn is_open(&self) -> bool {
        self.state.open && self.state.day.is_some()
    }

    /// Today's tickets, in issue order.
    pub fn tickets(&self) -> &[Ticket] {
        &self.state.tickets
    }

    /// Ticket `id`, if issued today.
    pub fn ticket(&self, id: &TicketId) -> Option<&Ticket> {
        self.state.idx(id).map(|i| &self.state.tickets[i])
    }

    /// The tickets waiting for `business`, in the order call-next takes them.
    pub fn waiting(&self, business: &BusinessCode) -> Vec<&Ticket> {
        self.state
            .queues
            .get(business)
            .map(|q| q.iter().map(|&(_, i)| &self.state.tickets[i]).collect())
            .unwrap_or_default()
    }

    /// The tickets transferred to `counter`, in the order it calls them.
    pub fn directed(&self, counter: CounterNo) -> Vec<&Ticket> {
        self.state
            .directed
            .get(&counter)
            .map(|q| q.iter().map(|&(_, i)| &self.state.tickets[i]).collect())
            .unwrap_or_default()
    }

    /// The ticket call-next would give `counter` now.
    pub fn peek_next(&self, counter: CounterNo) -> Option<&Ticket> {
        pick::pick_next(&self.config, &self.state, counter).map(|i| &self.state.tickets[i])
    }

    /// Tickets ahead of `id` in its queue (0 when it is next, or not waiting).
    pub fn people_ahead(&self, id: &TicketId) -> u32 {
        let Some(t) = self.ticket(id) else { return 0 };
        if t.status != TicketStatus::Waiting {
            return 0;
        }
        let Some(idx) = self.state.idx(id) else {
            return 0;
        };
        // Everything ordered before the ticket's own entry in its queue.
        let queue = match t.directed {
            Some(c) => self.state.directed.get(&c),
            None => self.state.queues.get(&t.business),
        };
        let ahead = queue.map_or(0, |q| q.range(..(t.key, idx)).count());
        u32::try_from(ahead).unwrap_or(u32::MAX)
    }

    /// Tickets ahead of `id` and the estimated minutes until it is called, in one pass. The
    /// estimate also counts the booked customers expected ahead of it ([`Expected`]).
    pub fn wait_of(&self, id: &TicketId) -> (u32, Option<u32>) {
        let ahead = self.people_ahead(id);
        let estimate = self.ticket(id).and_then(|t| {
            let b = self.config.business(&t.business)?;
            let due = self.expected.before(&t.business, t.key);
            view::estimate_min(&self.config, &self.state, b, ahead.saturating_add(due))
        });
        (ahead, estimate)
    }

    /// [`Engine::wait_of`] of every waiting ticket, in one pass over each queue: the n-th
    /// ticket of a queue has n tickets ahead. The ticket pages' board asks it after every batch
    /// for a whole day's tickets, where `wait_of` ticket by ticket counts the queue again for
    /// each one (quadratic in the queue's length: 2,400 tickets waiting made it the hub's main
    /// work, docs/BENCHMARKS.md "Ticket pages on many phones").
    pub fn waits(&self) -> HashMap<TicketId, (u32, Option<u32>)> {
        let mut out = HashMap::new();
        let queues = self
            .state
            .queues
            .values()
            .chain(self.state.directed.values());
        for queue in queues {
            for (n, &(_, i)) in queue.iter().enumerate() {
                let t = &self.state.tickets[i];
                if t.status != TicketStatus::Waiting {
                    continue;
                }
                let ahead = u32::try_from(n).unwrap_or(u32::MAX);
                let due = self.expected.before(&t.business, t.key);
                let estimate = self.config.business(&t.business).and_then(|b| {
                    view::estimate_min(&self.config, &self.state, b, ahead.saturating_add(due))
                });
                out.insert(t.id.clone(), (ahead, estimate));
            }
        }
        out
    }

    /// The booked customers still to come, as the book says at `expected.at`.
    pub fn set_expected(&mut self, expected: Expected) {
        self.expected = expected;
    }

    /// Estimated minutes until `id` is called; `None` when no counter serves it now.
    pub fn estimated_wait_min(&self, id: &TicketId) -> Option<u32> {
        self.wait_of(id).1
    }

    /// Waiting count and estimate per business type, for the board.
    pub fn queues(&self) -> Vec<QueueInfo> {
        view::queue_infos(&self.config, &self.state, &self.expected)
    }

    /// The business types on offer with their waits, for the kiosk.
    pub fn services(&self) -> Vec<ServiceInfo> {
        view::service_infos(&self.config, &self.state, &self.expected)
    }

    /// The announcements in effect at `now`, in posting order.
    pub fn announcements(&self, now: Timestamp) -> Vec<Announcement> {
        let live =
            |a: &&Announcement| a.starts_at_ms <= now && a.ends_at_ms.is_none_or(|e| e > now);
        self.state
            .announcements
            .iter()
            .filter(live)
            .cloned()
            .collect()
    }

    /// Open complaints, by id.
    pub fn open_complaints(&self) -> &BTreeMap<ComplaintId, OpenComplaint> {
        &self.state.complaints
    }

    /// The call-backs owed for consultations not answered on the spot, by visit.
    pub fn open_callbacks(&self) -> &BTreeMap<VisitId, OpenCallback> {
        &self.state.callbacks
    }

    /// The latest calls, newest first.
    pub fn recent_calls(&self) -> Vec<CallEntry> {
        view::recent_calls(&self.state)
    }

    /// Counter `no`'s state (`rev` 0, `online` false: the hub fills them in).
    pub fn counter_state(&self, no: CounterNo) -> Option<CounterState> {
        view::counter_state(&self.config, &self.state, no)
    }

    /// Read access to the whole state, for tests and the hub's metrics.
    pub fn state(&self) -> &HallState {
        &self.state
    }
}
