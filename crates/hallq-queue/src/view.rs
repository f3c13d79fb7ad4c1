//! Read-only views of the state in the contract's terms: queues with wait estimates, services on
//! offer, counter states, the latest calls.
//!
//! **The wait estimate.** For a business type `b` with `n` tickets ahead:
//! `n × h(b) ÷ s(b)`, rounded up to whole minutes, where `h(b)` is the mean of the last
//! `estimate_samples` handling times of `b` (the configured default before any is measured) and
//! `s(b)` is the serving capacity for `b`. Call-next takes a counter's first skill with someone
//! waiting, so every open, staffed, unpaused counter with `b` among its skills contributes
//! `1 ÷ (1 + k)`, where `k` counts the queues it prefers to `b` that have someone waiting (its
//! transfers, and skills listed before `b`): a counter whose first skill is `b` gives all its
//! time to `b`; one that must first serve two busy queues gives a third. No such counter: no
//! estimate (`None`), shown as "暂无窗口 / no counter open".
//!
//! `n` also counts the booked customers expected ahead of the ticket (issue 15 §3, [`Expected`]):
//! those not yet arrived whose queue time (slot start less the booking's head start) is before
//! the ticket's, who will be called before it when they come.

use hallq_proto::state::{
    Activity, CallEntry, CounterState, QueueInfo, RatingPrompt, ServiceInfo, TicketAtCounter,
};
use hallq_proto::{BusinessCode, CounterNo, SCHEMA_VERSION};

use crate::Expected;
use crate::config::{BusinessType, QueueConfig};
use crate::state::{Act, HallState, Ticket};

/// The serving capacity for `b`, in counters.
pub(crate) fn capacity(cfg: &QueueConfig, st: &HallState, b: &BusinessCode) -> (f64, u32) {
    let busy =
        |q: Option<&std::collections::BTreeSet<(i64, usize)>>| q.is_some_and(|q| !q.is_empty());
    let mut cap = 0.0;
    let mut open = 0;
    for c in &cfg.counters {
        let Some(rt) = st.counters.get(&c.number) else {
            continue;
        };
        let working = rt.open && rt.staff.is_some() && !matches!(rt.act, Act::Paused { .. });
        let Some(rank) = c.skills.iter().position(|s| s == b) else {
            continue;
        };
        if working {
            // Call-next serves the counter's transfers first, then its first skill with someone
            // waiting: every such queue ahead of `b` halves, thirds, … its time for `b`.
            let ahead = c.skills[..rank]
                .iter()
                .filter(|s| busy(st.queues.get(*s)))
                .count()
                + usize::from(busy(st.directed.get(&c.number)));
            cap += 1.0 / (1 + ahead) as f64;
            open += 1;
        }
    }
    (cap, open)
}

/// Mean handling time of `b` in seconds.
pub(crate) fn mean_handling_secs(st: &HallState, b: &BusinessType) -> f64 {
    match st.samples.get(&b.code) {
        Some(s) if !s.is_empty() => s.iter().map(|&x| f64::from(x)).sum::<f64>() / s.len() as f64,
        _ => f64::from(b.default_handling_secs()),
    }
}

/// Estimated minutes of wait with `ahead` tickets before this one; `None` if no counter serves it.
pub(crate) fn estimate_min(
    cfg: &QueueConfig,
    st: &HallState,
    b: &BusinessType,
    ahead: u32,
) -> Option<u32> {
    let (cap, _) = capacity(cfg, st, &b.code);
    if cap <= 0.0 {
        return None;
    }
    let minutes = f64::from(ahead) * mean_handling_secs(st, b) / cap / 60.0;
    // Rounded up, less a hair so that an exact 36.000000001 from floating point stays 36.
    // Bounded: a day has 1,440 minutes.
    Some((minutes - 1e-9).ceil().clamp(0.0, 1440.0) as u32)
}

/// Tickets waiting in `b`'s queue.
pub(crate) fn waiting(st: &HallState, b: &BusinessCode) -> u32 {
    st.queues
        .get(b)
        .map_or(0, |q| u32::try_from(q.len()).unwrap_or(u32::MAX))
}

/// The estimate for a ticket taken now: those waiting, and the booked customers due before it.
fn estimate_now(cfg: &QueueConfig, st: &HallState, ex: &Expected, b: &BusinessType) -> Option<u32> {
    let n = waiting(st, &b.code).saturating_add(ex.before(&b.code, ex.at.0));
    estimate_min(cfg, st, b, n)
}

pub(crate) fn queue_infos(cfg: &QueueConfig, st: &HallState, ex: &Expected) -> Vec<QueueInfo> {
    cfg.business
        .iter()
        .map(|b| {
            let n = waiting(st, &b.code);
            QueueInfo {
                business: b.code.clone(),
                name: b.name.clone(),
                prefix: b.prefix.clone(),
                waiting: n,
                estimated_wait_min: estimate_now(cfg, st, ex, b),
                counters_open: capacity(cfg, st, &b.code).1,
            }
        })
        .collect()
}

pub(crate) fn service_infos(cfg: &QueueConfig, st: &HallState, ex: &Expected) -> Vec<ServiceInfo> {
    cfg.business
        .iter()
        .map(|b| {
            let n = waiting(st, &b.code);
            ServiceInfo {
                business: b.code.clone(),
                name: b.name.clone(),
                prefix: b.prefix.clone(),
                class: b.class,
                waiting: n,
                estimated_wait_min: estimate_now(cfg, st, ex, b),
                counters_open: capacity(cfg, st, &b.code).1,
                limit_min: b.limit_min(),
                documents: b.documents.clone(),
                document_help: b.document_help_by_position(),
                self_service: b.self_service.clone(),
            }
        })
        .collect()
}

pub(crate) fn recent_calls(st: &HallState) -> Vec<CallEntry> {
    st.recent_calls.iter().cloned().collect()
}

fn at_counter(t: &Ticket, called_at: hallq_proto::Timestamp, recalls: u32) -> TicketAtCounter {
    TicketAtCounter {
        ticket: t.id.clone(),
        number: t.number.clone(),
        business: t.business.clone(),
        priority: t.priority,
        called_at_ms: called_at,
        recalls,
        note: t.note.clone(),
    }
}

/// A counter's state as the contract publishes it; `rev` and `online` are the hub's to set.
pub(crate) fn counter_state(
    cfg: &QueueConfig,
    st: &HallState,
    no: CounterNo,
) -> Option<CounterState> {
    let c = cfg.counter(no)?;
    let rt = st.counters.get(&no)?;
    let mut s = CounterState::closed(no, c.display_name(), c.skills.clone());
    s.v = SCHEMA_VERSION;
    s.open = rt.open;
    s.staff = rt.staff.clone();
    s.served_today = rt.served_today;
    s.clerk_today = rt
        .staff
        .as_ref()
        .map(|staff| st.clerks.get(staff).copied().unwrap_or_default());
    s.directed_waiting = st
        .directed
        .get(&no)
        .map_or(0, |q| u32::try_from(q.len()).unwrap_or(0));
    s.activity = match &rt.act {
        Act::Idle => Activity::Idle,
        Act::Paused { reason, since } => Activity::Paused {
            reason: *reason,
            since_ms: *since,
        },
        Act::Calling {
            idx,
            last_at,
            recalls,
            ..
        } => Activity::Calling(at_counter(&st.tickets[*idx], *last_at, *recalls)),
        Act::Serving {
            idx,
            since,
            called_at,
            recalls,
            back_office,
        } => {
            let t = &st.tickets[*idx];
            Activity::Serving {
                ticket: at_counter(t, *called_at, *recalls),
                since_ms: *since,
                limit_min: cfg.business(&t.business).map_or(0, BusinessType::limit_min),
                back_office: *back_office,
            }
        }
    };
    s.awaiting_rating = rt.rating.as_ref().map(|r| RatingPrompt {
        ticket: st.tickets[r.idx].id.clone(),
        number: st.tickets[r.idx].number.clone(),
        until_ms: r.until,
    });
    Some(s)
}
