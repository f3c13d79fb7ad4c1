//! A customer's way through the hall, driving the kiosk and the greeter's handheld.
//!
//! At a kiosk: the welcome screen (`session_started`), then the self-service offer taken
//! (`self_service_chosen`), a give-up (`session_abandoned`), or a ticket (`issue_ticket`,
//! `print_result`, a reprint when the printer fails). With the greeter: seen wandering,
//! a consultation at the door that may settle the matter, the experience area, then a ticket
//! the greeter issues for the visit. While waiting: the greeter may check documents
//! (`document_precheck`); when patience runs out before the call, the customer leaves and,
//! if they tell the greeter, the ticket is cancelled (`cancel_ticket`, a walk-out) and they
//! may complain about the wait; if they don't, the ticket is skipped when called (a no-show).

use hallq_proto::command::{CheckIn, IssueTicket, TicketRef, Touch};
use hallq_proto::{
    Command, ComplaintCategory, ErrorCode, ReplyResult, TicketId, Timestamp, VisitId,
};

use super::{Accepted, Ctx, Job, Refused};
use crate::ledger::End;
use crate::plan::{AtKiosk, Customer, Entry, Keeping, Wish};

/// Plays customer `idx` of the plan.
pub(crate) async fn run(ctx: &Ctx, idx: usize) {
    let Some(c) = ctx.plan.customers.get(idx) else {
        return;
    };
    // A customer who booked and does not come: the hub marks the booking a no-show.
    if c.booking
        .as_ref()
        .is_some_and(|b| b.keeping == Keeping::Absent)
        && ctx.bookings.contains_key(&c.n)
    {
        return;
    }
    ctx.sleep_until(c.arrives_at).await;
    if ctx.over() {
        return;
    }
    let seated = match &c.entry {
        Entry::Kiosk { .. } => at_kiosk(ctx, idx, c).await,
        Entry::Greeter { .. } => with_greeter(ctx, idx, c).await,
    };
    let Some((ticket, visit, issued_at)) = seated else {
        return;
    };
    wait_for_call(ctx, c, &ticket, &visit, issued_at).await;
}

fn request(c: &Customer, session: Option<String>, visit: Option<VisitId>) -> Command {
    let (priority_reason, green_channel) = match &c.wish {
        Wish::Ordinary => (None, None),
        Wish::Care(r) => (Some(*r), None),
        Wish::GreenChannel(code) | Wish::Member(code) => (None, Some(code.clone())),
    };
    Command::IssueTicket(IssueTicket {
        business: c.business.clone(),
        priority_reason,
        green_channel,
        lang: c.lang,
        phone: None,
        session,
        visit,
        tier: None,
    })
}

/// Sends the ticket request and seats the customer on the floor at once (a counter may call
/// the ticket the moment it exists).
async fn take_ticket(
    ctx: &Ctx,
    idx: usize,
    c: &Customer,
    device: &hallq_client::DeviceClient,
    cmd: Command,
) -> Option<(TicketId, VisitId, Timestamp)> {
    match ctx.send(device, cmd).await {
        Ok(Accepted {
            result: ReplyResult::CheckedIn {
                ticket: t, late, ..
            },
            ..
        }) => {
            ctx.ledger.issued(&t.ticket, c.n, t.issued_at_ms);
            ctx.ledger
                .note(|b| b.bookings.checked_in.insert(c.n, (t.issued_at_ms, late)));
            ctx.floor.seat(&t.ticket, idx, t.visit.clone());
            Some((t.ticket, t.visit, t.issued_at_ms))
        }
        Ok(Accepted {
            result: ReplyResult::TicketIssued(t),
            ..
        }) => {
            ctx.ledger.issued(&t.ticket, c.n, t.issued_at_ms);
            ctx.floor.seat(&t.ticket, idx, t.visit.clone());
            Some((t.ticket, t.visit, t.issued_at_ms))
        }
        Err(Refused::Code(ErrorCode::HallClosed)) => {
            ctx.ledger.note(|b| b.turned_away += 1);
            None
        }
        _ => None,
    }
}

async fn at_kiosk(ctx: &Ctx, idx: usize, c: &Customer) -> Option<(TicketId, VisitId, Timestamp)> {
    let Entry::Kiosk {
        kiosk,
        secs,
        outcome,
    } = &c.entry
    else {
        return None;
    };
    let client = ctx.client(kiosk)?;
    // One customer at a time at a kiosk: the next one waits behind.
    let _turn = match ctx.kiosk_turns.get(kiosk) {
        Some(m) => Some(m.lock().await),
        None => None,
    };
    let session = format!("{kiosk}-s{}", c.n);
    let started = ctx
        .send(
            client,
            Command::SessionStarted {
                session: session.clone(),
            },
        )
        .await;
    if started.is_ok() {
        ctx.ledger.note(|b| b.kiosk_sessions += 1);
    }
    ctx.sleep(secs / 2).await;
    match outcome {
        AtKiosk::SelfService => {
            let cmd = Command::SelfServiceChosen {
                session,
                business: c.business.clone(),
            };
            if ctx.send(client, cmd).await.is_ok() {
                ctx.ledger.note(|b| b.self_service += 1);
            }
            None
        }
        AtKiosk::Abandons(step) => {
            let cmd = Command::SessionAbandoned {
                session,
                step: *step,
            };
            if ctx.send(client, cmd).await.is_ok() {
                let key = serde_json::to_value(step)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                ctx.ledger.note(|b| {
                    b.abandoned += 1;
                    *b.abandoned_at.entry(key).or_default() += 1;
                });
            }
            None
        }
        AtKiosk::Ticket { print_fails } => {
            ctx.sleep(secs - secs / 2).await;
            // A booked customer checks in with the booking code instead (docs/protocol.md §12).
            let cmd = match ctx.bookings.get(&c.n) {
                Some(code) => Command::CheckIn(CheckIn {
                    code: Some(code.clone()),
                    phone: None,
                    priority_reason: None,
                    lang: c.lang,
                    visit: None,
                }),
                None => request(c, Some(session), None),
            };
            let seated = take_ticket(ctx, idx, c, client, cmd).await?;
            let print = |ok: bool, reprint: bool| Command::PrintResult {
                ticket: seated.0.clone(),
                ok,
                reprint,
                error: (!ok).then(|| "paper jam".to_string()),
            };
            let _ = ctx.send(client, print(!print_fails, false)).await;
            if *print_fails {
                ctx.sleep(20).await;
                let _ = ctx.send(client, print(true, true)).await;
            }
            Some(seated)
        }
    }
}

async fn with_greeter(
    ctx: &Ctx,
    idx: usize,
    c: &Customer,
) -> Option<(TicketId, VisitId, Timestamp)> {
    let Entry::Greeter {
        greeter,
        wandering,
        product_experience,
        resolved_at_door,
    } = &c.entry
    else {
        return None;
    };
    let client = ctx.client(greeter)?;
    let mut visit: Option<VisitId> = None;
    let touch = |visit: &Option<VisitId>, resolved: Option<bool>| Touch {
        visit: visit.clone(),
        business: Some(c.business.clone()),
        resolved,
        note: None,
    };
    let record = async |cmd: Command, visit: &mut Option<VisitId>| {
        if let Ok(Accepted {
            result: ReplyResult::Recorded { visit: v },
            ..
        }) = ctx.send(client, cmd).await
        {
            ctx.ledger.note(|b| b.greeter_touches += 1);
            if visit.is_none() {
                *visit = v;
            }
        }
    };
    if *wandering {
        let t = Touch {
            visit: None,
            business: None,
            resolved: None,
            note: None,
        };
        record(Command::Wandering(t), &mut visit).await;
        ctx.sleep(45).await;
    }
    let cmd = Command::Consultation(touch(&visit, Some(*resolved_at_door)));
    record(cmd, &mut visit).await;
    if *resolved_at_door {
        ctx.ledger.note(|b| b.resolved_at_door += 1);
        return None;
    }
    if *product_experience {
        ctx.sleep(300).await;
        let cmd = Command::ProductExperience(touch(&visit, None));
        record(cmd, &mut visit).await;
    }
    ctx.sleep(30).await;
    take_ticket(ctx, idx, c, client, request(c, None, visit)).await
}

/// Waits for the call, with the greeter's document check on the way, until patience runs out.
async fn wait_for_call(
    ctx: &Ctx,
    c: &Customer,
    ticket: &TicketId,
    visit: &VisitId,
    issued_at: Timestamp,
) {
    let greeter = ctx
        .plan
        .devices
        .greeters
        .first()
        .and_then(|g| ctx.client(g));
    if let (Some(after), Some(g)) = (c.precheck_after_secs, greeter) {
        wait_while_waiting(ctx, ticket, issued_at.plus_secs(after)).await;
        if ctx.floor.waiting(ticket) && !ctx.over() {
            let t = Touch {
                visit: Some(visit.clone()),
                business: Some(c.business.clone()),
                resolved: Some(true),
                note: Some("documents complete".into()),
            };
            if ctx.send(g, Command::DocumentPrecheck(t)).await.is_ok() {
                ctx.ledger.note(|b| b.greeter_touches += 1);
            }
        }
    }
    wait_while_waiting(ctx, ticket, issued_at.plus_secs(c.patience_secs)).await;
    if ctx.over() || !ctx.floor.leave_if_waiting(ticket) {
        return;
    }
    let Some(g) = greeter.filter(|_| c.tells_staff) else {
        ctx.ledger.note(|b| b.left_silently += 1);
        return;
    };
    let cancel = Command::CancelTicket {
        ticket: TicketRef(ticket.to_string()),
        reason: Some("waited too long / 等候时间过长".into()),
    };
    match ctx.send(g, cancel).await {
        Ok(_) => {
            ctx.ledger.ended(ticket, End::WalkedOut);
            ctx.floor.done(ticket);
        }
        Err(Refused::Code(ErrorCode::TicketNotWaiting)) => {
            // Called in the meantime: the counter finds nobody, a no-show.
            ctx.ledger.note(|b| b.cancel_too_late += 1);
            return;
        }
        Err(_) => return,
    }
    if c.complains_if_walking_out {
        let open = Command::ComplaintOpen {
            contact: None,
            category: ComplaintCategory::General,
            summary: "waited too long and left / 等候过久".into(),
            visit: Some(visit.clone()),
            ticket: Some(TicketRef(ticket.to_string())),
            business: Some(c.business.clone()),
            responsibility: Some("hall".into()),
        };
        if let Ok(Accepted {
            result: ReplyResult::Complaint { complaint, .. },
            ..
        }) = ctx.send(g, open).await
        {
            ctx.ledger.note(|b| b.complaints.0 += 1);
            if let Some(jobs) = &ctx.jobs {
                let _ = jobs.send(Job::FollowUp {
                    complaint,
                    category: ComplaintCategory::General,
                });
            }
        }
    }
}

/// Sleeps until `until` or until the customer is no longer waiting (called, or the day ends).
async fn wait_while_waiting(ctx: &Ctx, ticket: &TicketId, until: Timestamp) {
    // Re-checked every simulated five minutes; a call is seen at the next check, which is
    // all a waiting customer needs (the counter acts on the floor's state, not on this task).
    for _ in 0..10_000 {
        if !ctx.floor.waiting(ticket) || ctx.over() || ctx.time.now() >= until {
            return;
        }
        let step = ctx.time.now().plus_secs(300).min(until);
        ctx.sleep_until(step).await;
    }
}
