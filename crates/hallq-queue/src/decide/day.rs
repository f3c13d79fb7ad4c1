//! The clock's part of `decide`: the time-outs due at a tick, and the day's close.

use hallq_proto::{BusinessDay, Timestamp, VisitId};

use crate::config::QueueConfig;
use crate::error::QueueError;
use crate::event::{CloseReason, EventKind as E, VisitOutcome};
use crate::state::{Act, HallState};

use super::ticket::{no_show, skip_rating};

/// The first time-out due at `now`: an automatic no-show, an evaluator's prompt, or a visit
/// without a ticket gone idle. One at a time, so each decision sees the previous one applied;
/// [`crate::Engine::apply`] repeats `Tick` until nothing is due.
pub(super) fn tick(cfg: &QueueConfig, st: &HallState, now: Timestamp, out: &mut Vec<E>) {
    for (&no, c) in &st.counters {
        if let Act::Calling {
            idx,
            first_at,
            recalls,
            ..
        } = c.act
        {
            let limit = i64::from(cfg.recall.auto_no_show_after_secs);
            // A customer whose ticket did not print may not know their number: not a no-show.
            let unprinted = st.tickets.get(idx).is_some_and(|t| t.print_failed);
            if limit > 0 && now.secs_since(first_at) >= limit && !unprinted {
                return no_show(st, no, idx, recalls, true, out);
            }
        }
        if let Some(r) = &c.rating
            && r.until <= now
        {
            return skip_rating(st, no, r.idx, out);
        }
    }
    if let Some(a) = st
        .announcements
        .iter()
        .find(|a| a.ends_at_ms.is_some_and(|e| e <= now))
    {
        return out.push(E::AnnouncementCleared {
            announcement: a.id.clone(),
        });
    }
    let idle_ms = i64::from(cfg.visit_idle_end_min) * 60_000;
    let idle = st
        .visits
        .iter()
        .filter(|(_, v)| !v.ended && v.tickets.is_empty() && now.0 - v.last_at.0 >= idle_ms)
        .map(|(id, _)| id)
        .min();
    if let Some(visit) = idle {
        out.push(E::VisitEnded {
            visit: visit.clone(),
            outcome: VisitOutcome::NoTicket,
        });
    }
}

/// The daily reset: every live ticket and open visit closes, every counter closes.
pub(super) fn close_day(st: &HallState, out: &mut Vec<E>) {
    // An evaluator's prompt still open ends unanswered, as a tick would have ended it.
    for (&counter, c) in &st.counters {
        if let Some(r) = &c.rating {
            let t = &st.tickets[r.idx];
            out.push(E::RatingSkipped {
                ticket: t.id.clone(),
                visit: t.visit.clone(),
                counter,
            });
        }
    }
    for t in st.tickets.iter().filter(|t| t.status.is_live()) {
        out.push(E::TicketClosed {
            ticket: t.id.clone(),
            visit: t.visit.clone(),
            reason: CloseReason::DailyReset,
        });
    }
    // A visit with tickets but none live was only waiting for a rating: it was served.
    let mut open: Vec<(&VisitId, VisitOutcome)> = st
        .visits
        .iter()
        .filter(|(_, v)| !v.ended)
        .map(|(id, v)| {
            let outcome = if v.tickets.is_empty() {
                VisitOutcome::NoTicket
            } else if v.tickets.iter().any(|&i| st.tickets[i].status.is_live()) {
                VisitOutcome::ClosedByReset
            } else {
                VisitOutcome::Served
            };
            (id, outcome)
        })
        .collect();
    open.sort_by(|a, b| a.0.cmp(b.0));
    for (visit, outcome) in open {
        out.push(E::VisitEnded {
            visit: visit.clone(),
            outcome,
        });
    }
    for (&counter, c) in &st.counters {
        if c.open {
            out.push(E::CounterClosed { counter });
        }
        if let Some(staff) = &c.staff {
            out.push(E::SignedOut {
                counter,
                staff: staff.clone(),
            });
        }
    }
    for a in &st.announcements {
        out.push(E::AnnouncementCleared {
            announcement: a.id.clone(),
        });
    }
    if let Some(day) = st.day {
        out.push(E::DayClosed { day });
    }
}

pub(super) fn open_day(st: &HallState) -> Result<BusinessDay, QueueError> {
    st.day.filter(|_| st.open).ok_or(QueueError::HallClosed)
}
