//! The counters: their live state as calls, services and openings come, and their open and
//! idle time as the clock moves.

use hallq_proto::CounterNo;

use super::{Fold, LiveCounter, intern};

impl Fold<'_> {
    /// Counter `n`'s live state, made when first seen.
    pub(super) fn counter(&mut self, n: CounterNo) -> &mut LiveCounter {
        let Self {
            counters,
            businesses,
            waiting,
            cfg,
            ..
        } = self;
        counters.entry(n).or_insert_with(|| LiveCounter {
            open: false,
            paused: false,
            busy: None,
            directed: 0,
            prompt_until: None,
            skills: cfg.skills(n).map(|s| {
                s.iter()
                    .map(|b| intern(businesses, waiting, b.as_str()))
                    .collect()
            }),
            open_ms: 0,
            idle_ms: 0,
            seen_open: false,
        })
    }

    /// Counter `n` called or serves `ticket` (a call ends the rating prompt).
    pub(super) fn busy(&mut self, n: CounterNo, ticket: &str) {
        let c = self.counter(n);
        c.prompt_until = None;
        if c.busy.as_deref() != Some(ticket) {
            c.busy = Some(ticket.into());
        }
    }

    pub(super) fn free_counter(&mut self, counter: CounterNo, ticket: &str) {
        if let Some(c) = self.counters.get_mut(&counter)
            && c.busy.as_deref() == Some(ticket)
        {
            c.busy = None;
        }
    }

    /// Moves the clock to `at`: counters' open time and idle time while work waited.
    pub(super) fn advance(&mut self, at: i64) {
        let Some(last) = self.last_at.replace(at) else {
            return;
        };
        if at <= last {
            self.last_at = Some(last);
            return;
        }
        let dt = at - last;
        let mut open = 0;
        let waiting = &self.waiting;
        for c in self.counters.values_mut() {
            if serving(c) {
                open += 1;
                c.seen_open = true;
                c.open_ms += dt;
                if c.busy.is_none() && has_work(c, waiting) {
                    // Idle from the end of the rating prompt on, if it showed.
                    let from = c.prompt_until.map_or(last, |u| u.clamp(last, at));
                    c.idle_ms += at - from;
                }
            }
        }
        self.measures.counters_open(open, last, at, self.cfg);
    }
}

pub(super) fn serving(c: &LiveCounter) -> bool {
    c.open && !c.paused
}

/// Whether counter `c` could serve a ticket waiting now.
fn has_work(c: &LiveCounter, waiting: &[u32]) -> bool {
    if c.directed > 0 {
        return true;
    }
    match &c.skills {
        Some(skills) => skills
            .iter()
            .any(|&b| waiting.get(usize::from(b)).is_some_and(|&k| k > 0)),
        None => waiting.iter().any(|&k| k > 0),
    }
}
