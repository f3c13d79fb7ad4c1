//! Who went before whom: a priority, booked or value-tier ticket's first call against the
//! tickets it overtook, and the tiers' ratio (calls in a row won by a tier's head start).

use hallq_proto::Priority;

use super::counters::serving;
use super::{Biz, Fold, Queue};

impl Fold<'_> {
    /// A ticket's first call: ordinary tickets of its business type queued before it and still
    /// waiting are overtaken, if it is a priority ticket.
    pub(super) fn overtakes(&mut self, ticket: &str) {
        let Some(t) = self.tickets.get(ticket) else {
            return;
        };
        if t.record.priority == Priority::Ordinary {
            return;
        }
        let (business, queued) = (t.business, t.queued);
        // A priority customer's value tier gives a head start of its own, counted in the tier
        // figures (`tier_overtakes`): the priority's part is the rest.
        let tier_ms = t.tier.map_or(0, |m| m.head_start_ms());
        let mut overtook = 0;
        let mut head_start: Option<i64> = None;
        for o in self.tickets.values_mut() {
            if o.record.priority == Priority::Ordinary
                && o.queue == Some(Queue::Business(business))
                && o.queued < queued
            {
                o.record.overtaken += 1;
                overtook += 1;
                head_start = head_start.max(Some((queued - o.queued - tier_ms).max(0)));
            }
        }
        let counters = self
            .counters
            .values()
            .filter(|c| serving(c) && c.skills.as_ref().is_none_or(|s| s.contains(&business)))
            .count() as u32;
        if let Some(t) = self.tickets.get_mut(ticket) {
            t.record.overtook = overtook;
            t.record.counters_at_call = counters;
            t.record.head_start_used_ms = head_start;
        }
    }

    /// A booked ticket's first call: the walk-ins of its business type still waiting that took
    /// their tickets before its check-in are overtaken (whether the queue's rule allowed it is
    /// what the bound says).
    pub(super) fn booking_overtakes(&mut self, ticket: &str) {
        let Some(t) = self.tickets.get(ticket) else {
            return;
        };
        if t.booked.is_none() {
            return;
        }
        let (business, issued, priority) = (t.business, t.queued, t.record.priority);
        let mut n = 0;
        let mut head_start: Option<i64> = None;
        for o in self.tickets.values() {
            if o.booked.is_none()
                && o.record.priority == Priority::Ordinary
                && o.queue == Some(Queue::Business(business))
                && o.queued < issued
            {
                n += 1;
                head_start = head_start.max(Some(issued - o.queued));
            }
        }
        self.appointments
            .overtook(n, head_start, priority, self.cfg);
    }

    /// A tier ticket's first call: the ordinary tickets without a tier of its business type
    /// still waiting that were queued before it, less its priority's head start, are overtaken
    /// by the tier (whether the rule allowed it is what the bound says).
    pub(super) fn tier_overtakes(&mut self, ticket: &str) {
        let Some(t) = self.tickets.get(ticket) else {
            return;
        };
        let Some(mark) = t.tier else {
            return;
        };
        let priority_ms = self.cfg.priority.head_start_ms(t.record.priority);
        let (business, since) = (t.business, t.queued - priority_ms);
        let mut n = 0;
        let mut head_start: Option<i64> = None;
        for o in self.tickets.values() {
            if o.tier.is_none()
                && o.record.priority == Priority::Ordinary
                && o.queue == Some(Queue::Business(business))
                && o.queued < since
            {
                n += 1;
                head_start = head_start.max(Some(since - o.queued));
            }
        }
        self.tiers
            .overtook(mark.level, n, head_start, mark.head_start_ms());
    }

    /// A call of `ticket` from business type `b`'s queue, for the tiers' ratio: whether a
    /// ticket with a tier and one without waited (the called one among them), which got the
    /// call, and whether the call was won by the tier's head start over a ticket without one
    /// queued before it (the queue's own test, `hallq_queue::tiers`): such wins in a row are
    /// what the ratio bounds. Any other call from the queue ends the row.
    pub(super) fn tier_ratio(&mut self, ticket: &str, b: Biz) {
        if self.cfg.tiers.is_empty() && !self.tiers_seen {
            return;
        }
        let Some(t) = self.tickets.get(ticket) else {
            return;
        };
        let priority = &self.cfg.priority;
        // The queue's order without the tiers' head starts: queue time less the priority's.
        let base = |o: &super::LiveTicket| o.queued - priority.head_start_ms(o.record.priority);
        let tiered = |o: &super::LiveTicket| o.tier.is_some_and(|m| m.head_start_min > 0);
        let called_tiered = tiered(t);
        let t_base = base(t);
        let has_tier = t.tier.is_some();
        let mut other_side = false;
        let mut overtook = false;
        for o in self.tickets.values() {
            if o.queue != Some(Queue::Business(b)) {
                continue;
            }
            if o.tier.is_some() != has_tier {
                other_side = true;
            }
            if called_tiered && !tiered(o) && base(o) < t_base {
                overtook = true;
            }
        }
        let level = t.tier.map(|m| m.level);
        let code = &self.businesses[usize::from(b)];
        let i = usize::from(b);
        if self.tier_streak.len() <= i {
            self.tier_streak.resize(i + 1, 0);
        }
        let streak = &mut self.tier_streak[i];
        *streak = if overtook { *streak + 1 } else { 0 };
        let ratio = level
            .and_then(|l| self.cfg.tiers.iter().find(|x| x.level == l))
            .map_or(0, |x| x.ratio);
        self.tiers.call(
            code,
            crate::tiers::Call {
                contested: other_side,
                to_tier: has_tier,
                won: overtook.then_some(level.unwrap_or(0)),
                run: *streak,
                beyond: overtook && ratio > 0 && *streak > ratio,
            },
        );
    }
}
