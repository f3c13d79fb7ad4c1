//! `decide`: what a command makes happen, given the state and the time. It only reads the state;
//! [`crate::HallState::evolve`] applies the events it returns.

use hallq_proto::command::TicketRef;
use hallq_proto::state::Announcement;
use hallq_proto::{
    AnnouncementId, BusinessCode, BusinessDay, ComplaintCategory, ComplaintId, CounterNo, Lang,
    LocalText, Priority, PriorityReason, ServiceResult, StaffNo, TicketId, TicketNo, Timestamp,
    TransferTarget, VisitId,
};

use crate::command::{Command, VisitRef};
use crate::config::QueueConfig;
use crate::error::QueueError;
use crate::event::{BookedTime, CloseReason, EventKind as E, VisitOutcome};
use crate::state::{Act, CounterRt, HallState, TicketStatus};
use crate::tiers::{MAX_TIER_HEAD_START_MIN, TierMark};

/// The events `cmd` causes at `now`, or why it is refused.
pub(crate) fn decide(
    cfg: &QueueConfig,
    st: &HallState,
    cmd: &Command,
    now: Timestamp,
) -> Result<Vec<E>, QueueError> {
    let mut out = Vec::new();
    match cmd {
        Command::OpenDay { day } => {
            if st.day.is_some() && st.open {
                close_day(st, &mut out);
            }
            out.push(E::DayOpened { day: *day });
        }
        Command::CloseDay => close_day(st, &mut out),
        Command::IssueTicket {
            business,
            priority,
            reason,
            granted_by,
            lang,
            notify,
            visit,
            tier,
        } => {
            let t = NewTicket {
                business,
                priority: *priority,
                reason: *reason,
                granted_by: granted_by.clone(),
                lang: *lang,
                notify: *notify,
                visit: visit.as_ref(),
                booked: None,
                tier: *tier,
            };
            issue(cfg, st, t, &mut out)?;
        }
        Command::IssueBooked {
            business,
            slot,
            priority,
            reason,
            lang,
            visit,
        } => {
            // The bound holds whatever the caller says: the head start is capped like the
            // booking rules', and a check-in past the late limit is not the booking's.
            if slot.head_start_min > crate::MAX_BOOKING_HEAD_START_MIN {
                return Err(QueueError::Invalid(format!(
                    "a booking's head start is at most {} minutes",
                    crate::MAX_BOOKING_HEAD_START_MIN
                )));
            }
            if now > slot.start.plus_secs(i64::from(slot.late_min) * 60) {
                return Err(QueueError::Invalid(
                    "the check-in is later than the booking's limit: a walk-in".into(),
                ));
            }
            let queue_at = slot
                .start
                .plus_secs(-i64::from(slot.head_start_min) * 60)
                .min(now);
            let t = NewTicket {
                business,
                priority: *priority,
                reason: *reason,
                granted_by: None,
                lang: *lang,
                notify: false,
                visit: visit.as_ref(),
                booked: Some(BookedTime {
                    start: slot.start,
                    queue_at,
                }),
                tier: None,
            };
            issue(cfg, st, t, &mut out)?;
        }
        Command::Touch {
            visit,
            touchpoint,
            business,
            resolved,
            count,
            what,
        } => {
            let visit = match visit {
                VisitRef::Existing(v) => Some(known_visit(st, v)?),
                VisitRef::New => Some(new_visit(st, open_day(st)?, &mut out)),
                VisitRef::Anonymous => None,
            };
            if let Some(b) = business {
                cfg.business(b)
                    .ok_or_else(|| QueueError::UnknownBusiness(b.clone()))?;
            }
            out.push(E::Touched {
                visit,
                touchpoint: *touchpoint,
                what: what.clone(),
                business: business.clone(),
                resolved: *resolved,
                count: *count,
            });
        }
        Command::PrintResult {
            ticket,
            ok,
            reprint,
        } => {
            let idx = st
                .idx(ticket)
                .ok_or_else(|| QueueError::UnknownTicket(ticket.to_string()))?;
            let visit = st.tickets[idx].visit.clone();
            out.push(E::TicketPrinted {
                ticket: ticket.clone(),
                visit,
                ok: *ok,
                reprint: *reprint,
            });
        }
        Command::CallAnnounced {
            ticket,
            counter,
            recall,
        } => {
            // A display may speak a call after the ticket moved on (the queue of speech lags):
            // still the customer's touchpoint, as long as the ticket is today's.
            let idx = st
                .idx(ticket)
                .ok_or_else(|| QueueError::UnknownTicket(ticket.to_string()))?;
            out.push(E::CallAnnounced {
                ticket: ticket.clone(),
                visit: st.tickets[idx].visit.clone(),
                counter: *counter,
                recall: *recall,
            });
        }
        Command::SignIn { counter, staff } => {
            let c = counter_rt(st, *counter)?;
            match &c.staff {
                Some(s) if s != staff => return Err(QueueError::AlreadySignedIn(*counter)),
                Some(_) => {}
                None => out.push(E::SignedIn {
                    counter: *counter,
                    staff: staff.clone(),
                }),
            }
            if !c.open {
                out.push(E::CounterOpened { counter: *counter });
            }
        }
        Command::SignOut { counter } => {
            let c = counter_rt(st, *counter)?;
            let staff = c.staff.clone().ok_or(QueueError::NotSignedIn(*counter))?;
            not_busy(*counter, c)?;
            if c.open {
                out.push(E::CounterClosed { counter: *counter });
            }
            out.push(E::SignedOut {
                counter: *counter,
                staff,
            });
        }
        Command::OpenCounter { counter } => {
            let c = counter_rt(st, *counter)?;
            c.staff.as_ref().ok_or(QueueError::NotSignedIn(*counter))?;
            if !c.open {
                out.push(E::CounterOpened { counter: *counter });
            }
        }
        Command::CloseCounter { counter } => {
            let c = counter_rt(st, *counter)?;
            not_busy(*counter, c)?;
            if c.open {
                out.push(E::CounterClosed { counter: *counter });
            }
        }
        Command::Pause { counter, reason } => {
            let c = counter_rt(st, *counter)?;
            staffed_and_open(*counter, c)?;
            not_busy(*counter, c)?;
            if !matches!(c.act, Act::Paused { .. }) {
                out.push(E::CounterPaused {
                    counter: *counter,
                    reason: *reason,
                });
            }
        }
        Command::Resume { counter } => {
            if matches!(counter_rt(st, *counter)?.act, Act::Paused { .. }) {
                out.push(E::CounterResumed { counter: *counter });
            }
        }
        Command::CallNext { counter } => {
            let staff = ready_to_call(st, *counter)?;
            let idx = crate::pick::pick_next(cfg, st, *counter)
                .ok_or(QueueError::NothingWaiting(*counter))?;
            call(st, *counter, staff, idx, false, &mut out);
        }
        Command::CallTicket { counter, ticket } => {
            let staff = ready_to_call(st, *counter)?;
            let idx = resolve(st, ticket)?;
            let t = &st.tickets[idx];
            if t.status != TicketStatus::Waiting {
                return Err(QueueError::TicketNotWaiting(t.number.to_string()));
            }
            let skills = cfg
                .counter(*counter)
                .map(|c| &c.skills[..])
                .unwrap_or_default();
            let allowed = match t.directed {
                Some(c) => c == *counter,
                None => {
                    skills.contains(&t.business) && crate::pick::tier_served_at(cfg, t, *counter)
                }
            };
            if !allowed {
                return Err(QueueError::NotInSkills(*counter));
            }
            call(st, *counter, staff, idx, true, &mut out);
        }
        Command::Recall { counter } => {
            let c = counter_rt(st, *counter)?;
            let Act::Calling { idx, recalls, .. } = c.act else {
                return Err(QueueError::NotCalling(*counter));
            };
            let t = &st.tickets[idx];
            out.push(E::TicketCalled {
                ticket: t.id.clone(),
                visit: t.visit.clone(),
                counter: *counter,
                staff: c.staff.clone().ok_or(QueueError::NotSignedIn(*counter))?,
                recall: recalls + 1,
                by_hand: false,
            });
        }
        Command::StartService { counter } => {
            let c = counter_rt(st, *counter)?;
            let Act::Calling { idx, .. } = c.act else {
                return Err(QueueError::NotCalling(*counter));
            };
            let t = &st.tickets[idx];
            out.push(E::ServiceStarted {
                ticket: t.id.clone(),
                visit: t.visit.clone(),
                counter: *counter,
                staff: c.staff.clone().ok_or(QueueError::NotSignedIn(*counter))?,
            });
        }
        Command::BackOffice { counter, waiting } => {
            let c = counter_rt(st, *counter)?;
            let Act::Serving {
                idx, back_office, ..
            } = c.act
            else {
                return Err(QueueError::NotServing(*counter));
            };
            if back_office != *waiting {
                let t = &st.tickets[idx];
                out.push(E::BackOffice {
                    ticket: t.id.clone(),
                    visit: t.visit.clone(),
                    counter: *counter,
                    waiting: *waiting,
                });
            }
        }
        Command::Finish {
            counter,
            result,
            missing,
        } => {
            let c = counter_rt(st, *counter)?;
            let Act::Serving { idx, since, .. } = c.act else {
                return Err(QueueError::NotServing(*counter));
            };
            let t = &st.tickets[idx];
            let missing = missing_documents(cfg, &t.business, *result, missing)?;
            out.push(E::ServiceFinished {
                ticket: t.id.clone(),
                visit: t.visit.clone(),
                counter: *counter,
                staff: c.staff.clone().ok_or(QueueError::NotSignedIn(*counter))?,
                business: t.business.clone(),
                result: *result,
                handling_secs: u32::try_from(now.secs_since(since).max(0)).unwrap_or(u32::MAX),
                missing,
            });
            if cfg.rating_timeout_secs == 0 {
                end_visit_if_done(st, &t.visit, idx, VisitOutcome::Served, &mut out);
            }
        }
        Command::NoShow { counter } => {
            let c = counter_rt(st, *counter)?;
            let Act::Calling {
                idx,
                first_at,
                recalls,
                ..
            } = c.act
            else {
                return Err(QueueError::NotCalling(*counter));
            };
            let waited = now.secs_since(first_at) >= i64::from(cfg.recall.no_show_after_secs);
            if recalls < cfg.recall.recalls_before_no_show && !waited {
                return Err(QueueError::NoShowTooEarly(*counter));
            }
            no_show(st, *counter, idx, recalls, false, &mut out);
        }
        Command::Transfer { counter, to, note } => {
            let c = counter_rt(st, *counter)?;
            let (Act::Calling { idx, .. } | Act::Serving { idx, .. }) = c.act else {
                return Err(QueueError::NotServing(*counter));
            };
            match to {
                TransferTarget::Business(b) if cfg.business(b).is_none() => {
                    return Err(QueueError::UnknownBusiness(b.clone()));
                }
                TransferTarget::Counter(n) if cfg.counter(*n).is_none() => {
                    return Err(QueueError::UnknownCounter(*n));
                }
                _ => {}
            }
            let t = &st.tickets[idx];
            out.push(E::TicketTransferred {
                ticket: t.id.clone(),
                visit: t.visit.clone(),
                counter: *counter,
                to: to.clone(),
                note: note.clone(),
            });
        }
        Command::Requeue { ticket } => {
            // After the daily reset a skipped ticket stays skipped: no queue, counter or visit
            // is left for it.
            open_day(st)?;
            let idx = resolve(st, ticket)?;
            let t = &st.tickets[idx];
            if t.status != TicketStatus::Skipped {
                return Err(QueueError::TicketNotSkipped(t.number.to_string()));
            }
            out.push(E::TicketRequeued {
                ticket: t.id.clone(),
                visit: t.visit.clone(),
            });
        }
        Command::Cancel { ticket } => {
            let idx = resolve(st, ticket)?;
            let t = &st.tickets[idx];
            if t.status != TicketStatus::Waiting {
                return Err(QueueError::TicketNotWaiting(t.number.to_string()));
            }
            out.push(E::TicketCancelled {
                ticket: t.id.clone(),
                visit: t.visit.clone(),
            });
            end_visit_if_done(st, &t.visit, idx, VisitOutcome::WalkedOut, &mut out);
        }
        Command::Rate { counter, score } => {
            let c = counter_rt(st, *counter)?;
            let r = c
                .rating
                .as_ref()
                .ok_or(QueueError::NothingToRate(*counter))?;
            if r.until <= now {
                return Err(QueueError::NothingToRate(*counter));
            }
            let t = &st.tickets[r.idx];
            out.push(E::Rated {
                ticket: t.id.clone(),
                visit: t.visit.clone(),
                counter: *counter,
                staff: r.staff.clone(),
                score: *score,
            });
            end_visit_if_done(st, &t.visit, r.idx, VisitOutcome::Served, &mut out);
        }
        Command::ComplaintOpen {
            category,
            summary,
            visit,
            ticket,
            business,
            responsibility,
            opened_by,
        } => {
            let day = open_day(st)?;
            if let Some(v) = visit
                && v.as_str().starts_with(&format!("V{day}-"))
            {
                known_visit(st, v)?;
            }
            let ticket = match ticket {
                Some(r) => Some(st.tickets[resolve(st, r)?].id.clone()),
                None => None,
            };
            if let Some(b) = business {
                cfg.business(b)
                    .ok_or_else(|| QueueError::UnknownBusiness(b.clone()))?;
            }
            let complaint = ComplaintId::new(format!("K{day}-{:03}", st.complaint_serial + 1))
                .unwrap_or_else(|_| unreachable!("id is short ASCII"));
            let hours = |h: u32| now.plus_secs(i64::from(h) * 3600);
            out.push(E::ComplaintOpened {
                complaint,
                category: *category,
                summary: summary.clone(),
                visit: visit.clone(),
                ticket,
                business: business.clone(),
                responsibility: responsibility.clone(),
                opened_by: opened_by.clone(),
                first_contact_due_ms: hours(ComplaintCategory::FIRST_CONTACT_HOURS),
                due_ms: hours(category.limit_hours()),
            });
        }
        Command::ComplaintUpdate {
            complaint,
            note,
            contacted,
        } => {
            let c = open_complaint(st, complaint)?;
            out.push(E::ComplaintUpdated {
                complaint: complaint.clone(),
                visit: c.visit.clone(),
                note: note.clone(),
                contacted: *contacted,
            });
        }
        Command::ComplaintResolve {
            complaint,
            resolution,
            answer,
        } => {
            let c = open_complaint(st, complaint)?;
            out.push(E::ComplaintResolved {
                complaint: complaint.clone(),
                visit: c.visit.clone(),
                resolution: resolution.clone(),
                answer: answer.clone(),
            });
        }
        Command::CallbackDone { visit, note } => {
            if !st.callbacks.contains_key(visit) {
                return Err(QueueError::NoCallbackOwed(visit.to_string()));
            }
            out.push(E::CallbackMade {
                visit: visit.clone(),
                note: note.clone(),
            });
        }
        Command::AnnouncementPost {
            id,
            text,
            starts_at,
            ends_at,
            where_to_ask,
        } => {
            let starts = starts_at.unwrap_or(now);
            if ends_at.is_some_and(|e| e <= starts) {
                return Err(QueueError::Invalid(
                    "the announcement ends before it starts".into(),
                ));
            }
            if text.zh.trim().is_empty() {
                return Err(QueueError::Invalid(
                    "the announcement has no Chinese text".into(),
                ));
            }
            let id = id.clone().unwrap_or_else(|| {
                AnnouncementId::new(format!("ann-{}", st.announcement_serial + 1))
                    .unwrap_or_else(|_| unreachable!("id is short ASCII"))
            });
            let announcement = Announcement {
                id,
                text: text.clone(),
                starts_at_ms: starts,
                ends_at_ms: *ends_at,
                where_to_ask: where_to_ask.clone(),
            };
            out.push(E::AnnouncementPosted { announcement });
        }
        Command::AnnouncementClear { id } => {
            if st.announcements.iter().any(|a| &a.id == id) {
                out.push(E::AnnouncementCleared {
                    announcement: id.clone(),
                });
            }
        }
        Command::Tick => tick(cfg, st, now, &mut out),
        Command::RateTicket { ticket, score } => {
            let refused = || QueueError::TicketNotRateable(ticket.clone());
            let idx = st.idx(ticket).ok_or_else(refused)?;
            let t = &st.tickets[idx];
            let (counter, staff) = match (&t.status, &t.served_by) {
                (TicketStatus::Served, Some(by)) if t.rated.is_none() => by.clone(),
                _ => return Err(refused()),
            };
            out.push(E::Rated {
                ticket: t.id.clone(),
                visit: t.visit.clone(),
                counter,
                staff,
                score: *score,
            });
            end_visit_if_done(st, &t.visit, idx, VisitOutcome::Served, &mut out);
        }
    }
    Ok(out)
}

/// The first time-out due at `now`: an automatic no-show, an evaluator's prompt, or a visit
/// without a ticket gone idle. One at a time, so each decision sees the previous one applied;
/// [`crate::Engine::apply`] repeats `Tick` until nothing is due.
fn tick(cfg: &QueueConfig, st: &HallState, now: Timestamp, out: &mut Vec<E>) {
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
fn close_day(st: &HallState, out: &mut Vec<E>) {
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

fn call(
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

fn skip_rating(st: &HallState, counter: CounterNo, idx: usize, out: &mut Vec<E>) {
    let t = &st.tickets[idx];
    out.push(E::RatingSkipped {
        ticket: t.id.clone(),
        visit: t.visit.clone(),
        counter,
    });
    end_visit_if_done(st, &t.visit, idx, VisitOutcome::Served, out);
}

fn no_show(
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
fn end_visit_if_done(
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
struct NewTicket<'a> {
    business: &'a BusinessCode,
    priority: Priority,
    reason: Option<PriorityReason>,
    granted_by: Option<String>,
    lang: Lang,
    notify: bool,
    visit: Option<&'a VisitId>,
    booked: Option<BookedTime>,
    tier: Option<u8>,
}

fn issue(
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

fn next_number(
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

fn ticket_id(day: BusinessDay, serial: usize) -> TicketId {
    TicketId::new(format!("{day}-{serial:04}"))
        .unwrap_or_else(|_| unreachable!("id is short ASCII"))
}

fn new_visit(st: &HallState, day: BusinessDay, out: &mut Vec<E>) -> VisitId {
    let visit = VisitId::new(format!("V{day}-{:04}", st.visit_serial + 1))
        .unwrap_or_else(|_| unreachable!("id is short ASCII"));
    out.push(E::VisitStarted {
        visit: visit.clone(),
    });
    visit
}

fn known_visit(st: &HallState, v: &VisitId) -> Result<VisitId, QueueError> {
    st.visits
        .contains_key(v)
        .then(|| v.clone())
        .ok_or_else(|| QueueError::UnknownVisit(v.to_string()))
}

/// The documents at positions `picked` of `business`'s list: only a "needs more documents"
/// finish lists any, and only documents the list has.
fn missing_documents(
    cfg: &QueueConfig,
    business: &BusinessCode,
    result: ServiceResult,
    picked: &[u8],
) -> Result<Vec<LocalText>, QueueError> {
    if picked.is_empty() {
        return Ok(Vec::new());
    }
    if result != ServiceResult::NeedsDocuments {
        return Err(QueueError::Invalid(
            "missing documents are listed only with needs_documents".into(),
        ));
    }
    let picked: Vec<usize> = picked.iter().map(|&i| usize::from(i)).collect();
    cfg.business(business)
        .and_then(|b| b.missing(&picked))
        .map(|docs| docs.into_iter().map(|(doc, _)| doc).collect())
        .ok_or_else(|| {
            QueueError::Invalid(format!("a missing document is not in {business}'s list"))
        })
}

fn open_complaint<'a>(
    st: &'a HallState,
    id: &ComplaintId,
) -> Result<&'a crate::state::OpenComplaint, QueueError> {
    st.complaints
        .get(id)
        .ok_or_else(|| QueueError::UnknownComplaint(id.to_string()))
}

fn open_day(st: &HallState) -> Result<BusinessDay, QueueError> {
    st.day.filter(|_| st.open).ok_or(QueueError::HallClosed)
}

fn counter_rt(st: &HallState, no: CounterNo) -> Result<&CounterRt, QueueError> {
    st.counters.get(&no).ok_or(QueueError::UnknownCounter(no))
}

fn staffed_and_open(no: CounterNo, c: &CounterRt) -> Result<StaffNo, QueueError> {
    let staff = c.staff.clone().ok_or(QueueError::NotSignedIn(no))?;
    if !c.open {
        return Err(QueueError::CounterClosed(no));
    }
    Ok(staff)
}

fn not_busy(no: CounterNo, c: &CounterRt) -> Result<(), QueueError> {
    match c.act {
        Act::Calling { .. } | Act::Serving { .. } => Err(QueueError::CounterBusy(no)),
        Act::Idle | Act::Paused { .. } => Ok(()),
    }
}

fn ready_to_call(st: &HallState, no: CounterNo) -> Result<StaffNo, QueueError> {
    let c = counter_rt(st, no)?;
    let staff = staffed_and_open(no, c)?;
    match c.act {
        Act::Paused { .. } => Err(QueueError::CounterPaused(no)),
        Act::Calling { .. } | Act::Serving { .. } => Err(QueueError::CounterBusy(no)),
        Act::Idle => Ok(staff),
    }
}

/// Finds a ticket by id, or by the number printed on it (the latest ticket with that number).
fn resolve(st: &HallState, r: &TicketRef) -> Result<usize, QueueError> {
    if let Ok(id) = TicketId::new(r.0.clone())
        && let Some(idx) = st.idx(&id)
    {
        return Ok(idx);
    }
    st.tickets
        .iter()
        .rposition(|t| t.number.0.eq_ignore_ascii_case(r.0.trim()))
        .ok_or_else(|| QueueError::UnknownTicket(r.0.clone()))
}
