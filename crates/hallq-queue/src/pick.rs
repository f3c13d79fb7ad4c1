//! `pick`: which waiting ticket call-next gives a counter. The queues are kept in call order
//! (the key: queue time less the head starts of priority and value tier, then issue order); this
//! adds what a key cannot say: the counters a value tier may be served at, and the tiers' ratio
//! ([`crate::tiers`]).

use hallq_proto::CounterNo;

use crate::config::QueueConfig;
use crate::state::{HallState, Ticket};

/// The ticket call-next gives `counter`: first those transferred to it, then, in the order of its
/// skills, the first business type with someone it may serve waiting, and in that queue the
/// lowest key (the earliest queue time after the head starts of priority and value tier), unless
/// the tiers' ratio says this call is the overtaken's ([`crate::tiers`]).
pub(crate) fn pick_next(cfg: &QueueConfig, st: &HallState, counter: CounterNo) -> Option<usize> {
    if let Some(&(_, idx)) = st.directed.get(&counter).and_then(|q| q.first()) {
        return Some(idx);
    }
    let skills = &cfg.counter(counter)?.skills;
    skills.iter().find_map(|b| {
        let q = st.queues.get(b)?;
        let mut eligible = q
            .iter()
            .map(|&(_, idx)| idx)
            .filter(|&i| tier_served_at(cfg, &st.tickets[i], counter));
        let first = eligible.next()?;
        let t = &st.tickets[first];
        let ratio = t
            .tier
            .and_then(|m| cfg.tier(m.level))
            .map_or(0, |tier| tier.ratio);
        let streak = st.tier_streak.get(b).copied().unwrap_or(0);
        if t.tier_head_start_ms() == 0 || ratio == 0 || streak < ratio {
            return Some(first);
        }
        // The ratio is used up: the ticket first without the tiers' head starts is called.
        std::iter::once(first)
            .chain(eligible)
            .min_by_key(|&i| (st.tickets[i].base_key(), i))
    })
}

/// Whether `counter` may serve `t` by its value tier (a tier the configuration no longer has
/// restricts nothing).
pub(crate) fn tier_served_at(cfg: &QueueConfig, t: &Ticket, counter: CounterNo) -> bool {
    t.tier
        .and_then(|m| cfg.tier(m.level))
        .is_none_or(|tier| tier.served_at(counter))
}
