//! A visit and its tickets once closed: what happened to them, and the durations derived from
//! the events (never stored as numbers anyone could edit).

use hallq_proto::{
    BusinessCode, CounterNo, Priority, Score, ServiceResult, StaffNo, TicketId, Timestamp, VisitId,
};
use hallq_queue::VisitOutcome;

/// How a ticket left the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketEnd {
    /// A counter finished it.
    Served,
    /// Skipped: called and did not come.
    NoShow,
    /// Cancelled: the customer left.
    WalkedOut,
    /// Closed by the daily reset.
    Closed,
    /// Still live when the report's events ended.
    Open,
}

/// One ticket, closed (or cut off by the end of the report's range).
#[derive(Debug, Clone, PartialEq)]
pub struct TicketRecord {
    /// Its id.
    pub ticket: TicketId,
    /// Its business type at the end (a transfer changes it).
    pub business: BusinessCode,
    /// Ordinary, care or green channel.
    pub priority: Priority,
    /// Issued at the kiosk.
    pub issued: Timestamp,
    /// The first call: the queueing wait ends here.
    pub first_called: Option<Timestamp>,
    /// The last call before service began: the walk to the counter starts here.
    pub last_called: Option<Timestamp>,
    /// Service began.
    pub started: Option<Timestamp>,
    /// Service finished.
    pub finished: Option<Timestamp>,
    /// When it left the queue (finish, no-show, cancel, reset).
    pub ended: Option<Timestamp>,
    /// Where it was last called or served.
    pub counter: Option<CounterNo>,
    /// Who called or served it last.
    pub staff: Option<StaffNo>,
    /// The clerk's result.
    pub result: Option<ServiceResult>,
    /// How it ended.
    pub end: TicketEnd,
    /// The customer's rating, if any.
    pub rating: Option<Score>,
    /// Transfers it went through.
    pub transfers: u32,
    /// Handling before its last transfer, ms: each segment's start → transfer, summed (a
    /// transferred ticket's handling is all its segments').
    pub handled_before_ms: i64,
    /// When it was last transferred and not yet called again.
    pub transferred_at: Option<Timestamp>,
    /// Its waits after transfers, ms: each transfer → the next call, summed (`None`: never
    /// called after a transfer).
    pub wait_after_transfer_ms: Option<i64>,
    /// Priority tickets of its business type that were called before it although issued after.
    pub overtaken: u32,
    /// For a priority ticket: ordinary tickets it overtook at its first call …
    pub overtook: u32,
    /// … and how many counters serving its business type were open then …
    pub counters_at_call: u32,
    /// … and the largest head start it took over them: how long before it the ordinary
    /// ticket it overtook had been queued (issued, or re-queued), ms. The queue's aging rule
    /// bounds it by the configured head start of its class.
    pub head_start_used_ms: Option<i64>,
}

impl TicketRecord {
    /// Ticket → first call, ms.
    pub fn wait_ms(&self) -> Option<i64> {
        self.first_called.map(|c| c.0 - self.issued.0)
    }

    /// Last call → service start, ms: the customer's walk to the counter.
    pub fn walk_ms(&self) -> Option<i64> {
        Some(self.started?.0 - self.last_called?.0)
    }

    /// Service start → finish, ms, and before a transfer each earlier segment's start →
    /// transfer: the whole handling of the ticket.
    pub fn service_ms(&self) -> Option<i64> {
        Some(self.finished?.0 - self.started?.0 + self.handled_before_ms)
    }

    /// Last call → leaving the counter (finish or no-show), ms: how long it held the counter.
    pub fn occupancy_ms(&self) -> Option<i64> {
        match self.end {
            TicketEnd::Served | TicketEnd::NoShow => Some(self.ended?.0 - self.last_called?.0),
            _ => None,
        }
    }
}

/// How a visit ended, as the report counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Served at a counter.
    Served,
    /// Called and did not come.
    NoShow,
    /// Left while waiting.
    WalkedOut,
    /// Still open at the daily reset.
    ClosedByReset,
    /// Never took a ticket (settled at the door, self-service).
    NoTicket,
    /// Not ended when the report's events ended.
    Open,
}

impl Outcome {
    /// Every outcome, in table order.
    pub const ALL: [Outcome; 6] = [
        Self::Served,
        Self::NoShow,
        Self::WalkedOut,
        Self::ClosedByReset,
        Self::NoTicket,
        Self::Open,
    ];

    /// Its label, English and Chinese.
    pub fn label(self) -> &'static str {
        match self {
            Self::Served => "served 办结",
            Self::NoShow => "no-show 过号",
            Self::WalkedOut => "walked out 离开",
            Self::ClosedByReset => "closed by reset 日终关闭",
            Self::NoTicket => "no ticket 未取号",
            Self::Open => "still open 未结",
        }
    }

    /// Its key in CSV.
    pub fn key(self) -> &'static str {
        match self {
            Self::Served => "served",
            Self::NoShow => "no_show",
            Self::WalkedOut => "walked_out",
            Self::ClosedByReset => "closed_by_reset",
            Self::NoTicket => "no_ticket",
            Self::Open => "open",
        }
    }

    /// Whether a visit that took a ticket was lost this way.
    pub fn is_loss(self) -> bool {
        matches!(self, Self::NoShow | Self::WalkedOut | Self::ClosedByReset)
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl From<VisitOutcome> for Outcome {
    fn from(o: VisitOutcome) -> Self {
        match o {
            VisitOutcome::Served => Self::Served,
            VisitOutcome::NoShow => Self::NoShow,
            VisitOutcome::WalkedOut => Self::WalkedOut,
            VisitOutcome::ClosedByReset => Self::ClosedByReset,
            VisitOutcome::NoTicket => Self::NoTicket,
        }
    }
}

/// The touchpoints a visit passed, and the time spent at each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Trail {
    /// Bit `k - 1` set: touchpoint `k` was recorded.
    pub reached: u16,
    /// Ms spent at each touchpoint (index `k - 1`): from its first event to the visit's next
    /// event at another touchpoint.
    pub time_ms: [i64; 16],
    /// The last touchpoint recorded (0: none yet).
    pub last: u8,
    /// The last touchpoint before departure (16) (0: none).
    pub last_before_departure: u8,
    /// When `last` was entered.
    pub last_at: i64,
}

impl Trail {
    /// Records touchpoint `tp` (1–16) at `at` ms.
    pub fn touch(&mut self, tp: u8, at: i64) {
        if !(1..=16).contains(&tp) {
            return;
        }
        self.reached |= 1 << (tp - 1);
        if tp != self.last {
            if self.last != 0 {
                self.time_ms[usize::from(self.last - 1)] += (at - self.last_at).max(0);
            }
            self.last = tp;
            self.last_at = at;
        }
        if tp != 16 {
            self.last_before_departure = tp;
        }
    }

    /// Whether touchpoint `tp` was recorded.
    pub fn has(&self, tp: u8) -> bool {
        (1..=16).contains(&tp) && self.reached & (1 << (tp - 1)) != 0
    }
}

/// One visit, closed.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitRecord {
    /// Its id.
    pub visit: VisitId,
    /// Arrival (touchpoint 2), or its first event when the journal lacks the start.
    pub started: Timestamp,
    /// Departure, if it ended.
    pub ended: Option<Timestamp>,
    /// How it ended.
    pub outcome: Outcome,
    /// Its tickets, in issue order.
    pub tickets: Vec<TicketRecord>,
    /// Its touchpoints.
    pub trail: Trail,
    /// Whether a complaint was opened for it.
    pub complaint: bool,
}

impl VisitRecord {
    /// Arrival → departure, ms.
    pub fn stay_ms(&self) -> Option<i64> {
        self.ended.map(|e| e.0 - self.started.0)
    }

    /// Whether any of its tickets was transferred.
    pub fn transferred(&self) -> bool {
        self.tickets.iter().any(|t| t.transfers > 0)
    }

    /// Its rating (the last ticket's that has one).
    pub fn rating(&self) -> Option<Score> {
        self.tickets.iter().rev().find_map(|t| t.rating)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trail_times_each_touchpoint_until_the_next_one() {
        let mut t = Trail::default();
        t.touch(2, 0);
        t.touch(11, 1_000);
        t.touch(11, 5_000);
        t.touch(12, 61_000);
        t.touch(16, 400_000);
        assert_eq!(t.time_ms[1], 1_000);
        assert_eq!(t.time_ms[10], 60_000, "queueing from its first event on");
        assert_eq!(t.time_ms[11], 339_000);
        assert!(t.has(12) && !t.has(14));
        assert_eq!(t.last_before_departure, 12);
    }
}
