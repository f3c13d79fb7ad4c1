//! `decide`: what a command makes happen, given the state and the time. It only reads the state;
//! [`crate::HallState::evolve`] applies the events it returns.

use hallq_proto::state::Announcement;
use hallq_proto::{AnnouncementId, ComplaintCategory, ComplaintId, Timestamp, TransferTarget};

use crate::command::{Command, VisitRef};
use crate::config::QueueConfig;
use crate::error::QueueError;
use crate::event::{BookedTime, EventKind as E, VisitOutcome};
use crate::state::{Act, HallState, TicketStatus};

mod checks;
mod day;
mod ticket;

use checks::{
    counter_rt, missing_documents, not_busy, open_complaint, ready_to_call, resolve,
    staffed_and_open,
};
use day::{close_day, open_day, tick};
use ticket::{NewTicket, call, end_visit_if_done, issue, known_visit, new_visit, no_show};

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
