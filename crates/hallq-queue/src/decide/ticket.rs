//! Tickets and visits in `decide`: calling, skipping, issuing and numbering.

use hallq_proto::{
    BusinessCode, BusinessDay, CounterNo, Lang, Priority, PriorityReason, StaffNo, TicketId,
    TicketNo, VisitId,
};

use crate::config::QueueConfig;
use crate::error::QueueError;
use crate::event::{BookedTime, EventKind as E, VisitOutcome};
use crate::state::HallState;
use crate::tiers::{MAX_TIER_HEAD_START_MIN, TierMark};

use super::day::open_day;

pub(super) fn call(
    st: &HallState,
    counter: CounterNo,
    staff: StaffNo,
    idx: usize,
    by_hand: bool,
    out: &mut Vec<E>,
) {
    if let Some(r) = st.counters.get(&counter).and_then(|c| c.rating.as_ref()) {
        skip_rating(st, counter, r.idx, out);
    }
    let t = &st.tickets[idx];
    out.push(E::TicketCalled {
        ticket: t.id.clone(),
        visit: t.visit.clone(),
        counter,
        staff,
        recall: 0,
        by_hand,
    });
}

pub(super) fn skip_rating(st: &HallState, counter: CounterNo, idx: usize, out: &mut Vec<E>) {
    let t = &st.tickets[idx];
    out.push(E::RatingSkipped {
        ticket: t.id.clone(),
        visit: t.visit.clone(),
        counter,
    });
    end_visit_if_done(st, &t.visit, idx, VisitOutcome::Served, out);
}

pub(super) fn no_show(
    st: &HallState,
    counter: CounterNo,
    idx: usize,
    recalls: u32,
    auto: bool,
    out: &mut Vec<E>,
) {
    let t = &st.tickets[idx];
    out.push(E::NoShow {
        ticket: t.id.clone(),
        visit: t.visit.clone(),
        counter,
        recalls,
        auto,
    });
    end_visit_if_done(st, &t.visit, idx, VisitOutcome::NoShow, out);
}

/// Ends `visit` with `outcome` when ticket `idx` was its last open matter.
pub(super) fn end_visit_if_done(
    st: &HallState,
    visit: &VisitId,
    idx: usize,
    outcome: VisitOutcome,
    out: &mut Vec<E>,
) {
    let Some(v) = st.visits.get(visit) else {
        return;
    };
    let others_live = v
        .tickets
        .iter()
        .any(|&i| i != idx && st.tickets[i].status.is_live());
    let others_rating = st
        .counters
        .values()
        .filter_map(|c| c.rating.as_ref())
        .any(|r| r.idx != idx && v.tickets.contains(&r.idx));
    if !v.ended && !others_live && !others_rating {
        out.push(E::VisitEnded {
            visit: visit.clone(),
            outcome,
        });
    }
}

/// A ticket to issue: a walk-in's, or a booked customer's.
pub(super) struct NewTicket<'a> {
    pub(super) business: &'a BusinessCode,
    pub(super) priority: Priority,
    pub(super) reason: Option<PriorityReason>,
    pub(super) granted_by: Option<String>,
    pub(super) lang: Lang,
    pub(super) notify: bool,
    pub(super) visit: Option<&'a VisitId>,
    pub(super) booked: Option<BookedTime>,
    pub(super) tier: Option<u8>,
}

pub(super) fn issue(
    cfg: &QueueConfig,
    st: &HallState,
    t: NewTicket<'_>,
    out: &mut Vec<E>,
) -> Result<(), QueueError> {
    let day = open_day(st)?;
    let business = t.business;
    cfg.business(business)
        .ok_or_else(|| QueueError::UnknownBusiness(business.clone()))?;
    let tier = match t.tier {
        Some(level) => {
            let tier = cfg.tier(level).ok_or_else(|| {
                QueueError::Invalid(format!("no value tier {level} is configured"))
            })?;
            Some(TierMark {
                level,
                head_start_min: tier.head_start_min.min(MAX_TIER_HEAD_START_MIN),
            })
        }
        None => None,
    };
    let seq = next_number(cfg, st, business)?;
    let visit = match t.visit {
        Some(v) => known_visit(st, v)?,
        None => new_visit(st, day, out),
    };
    let prefix = cfg.business(business).map_or("", |b| b.prefix.as_str());
    out.push(E::TicketIssued {
        ticket: ticket_id(day, st.tickets.len() + 1),
        visit,
        number: TicketNo::format(prefix, seq),
        seq,
        business: business.clone(),
        priority: t.priority,
        reason: t.reason,
        granted_by: t.granted_by,
        lang: t.lang,
        notify: t.notify,
        booked: t.booked,
        tier,
    });
    Ok(())
}

pub(super) fn next_number(
    cfg: &QueueConfig,
    st: &HallState,
    business: &BusinessCode,
) -> Result<u32, QueueError> {
    let b = cfg
        .business(business)
        .ok_or_else(|| QueueError::UnknownBusiness(business.clone()))?;
    let (first, last) = (b.first_number, b.last_number);
    let start = st.next_seq.get(business).copied().unwrap_or(first);
    let start = if (first..=last).contains(&start) {
        start
    } else {
        first
    };
    let span = last - first + 1;
    (0..span)
        .map(|i| first + (start - first + i) % span)
        .find(|n| !st.held.contains(&(business.clone(), *n)))
        .ok_or_else(|| QueueError::NumbersExhausted(business.clone()))
}

pub(super) fn ticket_id(day: BusinessDay, serial: usize) -> TicketId {
    TicketId::new(format!("{day}-{serial:04}"))
        .unwrap_or_else(|_| unreachable!("id is short ASCII"))
}

pub(super) fn new_visit(st: &HallState, day: BusinessDay, out: &mut Vec<E>) -> VisitId {
    let visit = VisitId::new(format!("V{day}-{:04}", st.visit_serial + 1))
        .unwrap_or_else(|_| unreachable!("id is short ASCII"));
    out.push(E::VisitStarted {
        visit: visit.clone(),
    });
    visit
}

pub(super) fn known_visit(st: &HallState, v: &VisitId) -> Result<VisitId, QueueError> {
    st.visits
        .contains_key(v)
        .then(|| v.clone())
        .ok_or_else(|| QueueError::UnknownVisit(v.to_string()))
}
