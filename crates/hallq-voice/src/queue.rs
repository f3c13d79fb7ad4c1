//! [`CallQueue`]: the order calls are announced in, and what happens when they pile up. Pure:
//! the [`Announcer`](crate::Announcer) holds one behind a lock.
//!
//! - Calls are announced in the order they arrive. A recall is a new entry at the back, so it is
//!   heard again, after whatever was already waiting.
//! - The call being played is no longer in the queue: nothing that arrives can cut it off.
//! - A call that arrives twice (an MQTT QoS 1 redelivery: same ticket, recall and hub time)
//!   while the first is waiting or among the last [`REMEMBERED`] started is announced once.
//! - The queue is bounded. When it is full, the **oldest waiting** call is dropped to make room
//!   (and reported): the newest call is the one a customer is listening for now, while the
//!   oldest has waited longest on the board, where its number is shown anyway. The queue only
//!   fills when the player is much slower than the calls (a stuck sound device: the player's
//!   timeout then moves it on), so dropping is a sign of trouble, logged as a warning.

use std::collections::VecDeque;

use crate::spoken::Call;

/// How many started calls are remembered to recognise a redelivered one.
pub const REMEMBERED: usize = 64;

/// What [`CallQueue::push`] did with a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Queued at the back.
    Queued,
    /// Queued at the back; the queue was full, so this call (the oldest waiting) was dropped.
    QueuedDropping(Call),
    /// The same call is already waiting or was started recently: not queued again.
    Duplicate,
}

/// The waiting calls, oldest first.
#[derive(Debug, Clone)]
pub struct CallQueue {
    /// Calls not yet started, in arrival order.
    waiting: VecDeque<Call>,
    /// The most waiting calls kept; at least 1.
    capacity: usize,
    /// The calls started most recently, newest last, to recognise redeliveries.
    started: VecDeque<Call>,
}

impl CallQueue {
    /// An empty queue holding at most `capacity` waiting calls (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            waiting: VecDeque::new(),
            capacity: capacity.max(1),
            started: VecDeque::new(),
        }
    }

    /// Adds a call at the back (see the module's notes for duplicates and a full queue).
    pub fn push(&mut self, call: Call) -> Admission {
        if self.waiting.contains(&call) || self.started.contains(&call) {
            return Admission::Duplicate;
        }
        let dropped = if self.waiting.len() >= self.capacity {
            self.waiting.pop_front()
        } else {
            None
        };
        self.waiting.push_back(call);
        match dropped {
            Some(d) => Admission::QueuedDropping(d),
            None => Admission::Queued,
        }
    }

    /// Takes the next call to announce; from now on it cannot be dropped.
    pub fn start_next(&mut self) -> Option<Call> {
        let call = self.waiting.pop_front()?;
        if self.started.len() >= REMEMBERED {
            self.started.pop_front();
        }
        self.started.push_back(call.clone());
        Some(call)
    }

    /// Takes every waiting call (at shutdown), oldest first.
    pub fn drain(&mut self) -> Vec<Call> {
        self.waiting.drain(..).collect()
    }

    /// How many calls wait.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    /// Whether no call waits.
    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallq_proto::ids::{CounterNo, TicketId, TicketNo, Timestamp};

    fn call(n: u32, recall: u32, at: i64) -> Call {
        Call {
            ticket: TicketId::new(format!("t-{n}")).unwrap(),
            number: TicketNo::format("A", n),
            counter: CounterNo(1),
            recall,
            at_ms: Timestamp(at),
        }
    }

    fn numbers(q: &mut CallQueue) -> Vec<(String, u32)> {
        std::iter::from_fn(|| q.start_next())
            .map(|c| (c.number.0, c.recall))
            .collect()
    }

    #[test]
    fn calls_are_announced_in_arrival_order_and_a_recall_goes_to_the_back() {
        let mut q = CallQueue::new(10);
        q.push(call(1, 0, 1));
        q.push(call(2, 0, 2));
        q.push(call(1, 1, 3));
        q.push(call(3, 0, 4));
        assert_eq!(
            numbers(&mut q),
            [
                ("A001".into(), 0),
                ("A002".into(), 0),
                ("A001".into(), 1),
                ("A003".into(), 0)
            ]
        );
    }

    #[test]
    fn a_redelivered_call_is_announced_once() {
        let mut q = CallQueue::new(10);
        assert_eq!(q.push(call(1, 0, 1)), Admission::Queued);
        assert_eq!(q.push(call(1, 0, 1)), Admission::Duplicate);
        assert!(q.start_next().is_some());
        // Redelivered while it plays, or just after.
        assert_eq!(q.push(call(1, 0, 1)), Admission::Duplicate);
        // The same ticket called again later (re-queued after a no-show) is a new call.
        assert_eq!(q.push(call(1, 0, 99)), Admission::Queued);
    }

    #[test]
    fn a_full_queue_drops_its_oldest_waiting_call_never_the_one_playing() {
        let mut q = CallQueue::new(2);
        q.push(call(1, 0, 1));
        let playing = q.start_next().unwrap();
        q.push(call(2, 0, 2));
        q.push(call(3, 0, 3));
        assert_eq!(
            q.push(call(4, 0, 4)),
            Admission::QueuedDropping(call(2, 0, 2))
        );
        assert_eq!(q.len(), 2);
        assert_eq!(playing.number.0, "A001");
        assert_eq!(numbers(&mut q), [("A003".into(), 0), ("A004".into(), 0)]);
    }

    #[test]
    fn only_the_last_started_calls_are_remembered() {
        let mut q = CallQueue::new(1);
        for n in 0..=u32::try_from(REMEMBERED).unwrap() {
            q.push(call(n, 0, 1));
            q.start_next();
        }
        // Call 0 has been forgotten; call 1 is still remembered.
        assert_eq!(q.push(call(0, 0, 1)), Admission::Queued);
        assert_eq!(q.push(call(1, 0, 1)), Admission::Duplicate);
    }
}
