//! A clerk at a counter terminal (呼叫器 / 窗口终端), shift by shift.
//!
//! Signs in (the counter opens), then while the shift lasts: takes a due break between
//! customers (`pause`, `resume`); calls the next ticket when the board shows someone waiting
//! that the counter serves (`call_next`); when the customer comes, `start_service`, the back
//! office now and then (`back_office`), and `finish` with the planned result or a `transfer`
//! of a consultation to complex business; when nobody comes, `recall` and then `no_show` as
//! the hall's recall rule allows. After a finish the clerk waits for the customer at the
//! evaluator before calling the next (calling would close the rating prompt). A complaint the
//! customer makes at the counter is opened here (`complaint_open`). At the end of the shift
//! the clerk signs out once idle; a shift that runs to closing time serves on until the hall
//! is quiet (营业结束后继续服务已取号客户).
//!
//! When the hub skips a called ticket by itself (its no-show time-out), the clerk learns it
//! from the `not_calling` refusal of its next command for that ticket, and counts it.

use hallq_client::{DeviceClient, Latest};
use hallq_proto::command::{Pin, TicketRef};
use hallq_proto::state::Activity;
use hallq_proto::{Command, ErrorCode, ReplyResult, TicketId, Timestamp, TransferTarget};

use super::{Accepted, Ctx, Job, Refused, hall_quiet};
use crate::floor::AtCall;
use crate::ledger::End;
use crate::plan::{Opener, Shift};

/// Plays the clerks of one counter: its shifts in order.
pub(crate) async fn run(ctx: &Ctx, counter: u16, mut shifts: Vec<Shift>) {
    shifts.sort_by_key(|s| s.from);
    for shift in shifts {
        let Some(client) = ctx.client(&shift.device) else {
            return;
        };
        ctx.sleep_until(shift.from).await;
        if ctx.over() {
            return;
        }
        let pin = ctx.hall.pins.get(&shift.staff).cloned().map(Pin);
        let sign_in = Command::SignIn {
            staff: shift.staff.clone(),
            pin,
        };
        if let Err(e) = ctx.send(client, sign_in).await {
            tracing::warn!(counter, ?e, "sign-in refused");
            continue;
        }
        work(ctx, client, counter, &shift).await;
        if !ctx.over() {
            let _ = ctx.send(client, Command::SignOut {}).await;
        }
    }
}

/// Whether someone waits that this counter would be given.
fn work_for(l: &Latest, counter: u16, skills: &[hallq_proto::BusinessCode]) -> bool {
    let directed = l
        .counters
        .get(&counter)
        .is_some_and(|c| c.directed_waiting > 0);
    let queued = l.board.as_ref().is_some_and(|b| {
        b.queues
            .iter()
            .any(|q| q.waiting > 0 && skills.contains(&q.business))
    });
    directed || queued
}

/// What a clerk sees of the hall's waiting tickets: the board's revision and the tickets
/// transferred to this counter. A change in either may mean work.
fn board_seen(l: &Latest, counter: u16) -> (Option<u64>, u32) {
    (
        l.board.as_ref().map(|b| b.rev),
        l.counters.get(&counter).map_or(0, |c| c.directed_waiting),
    )
}

async fn work(ctx: &Ctx, client: &DeviceClient, counter: u16, shift: &Shift) {
    let skills = ctx.hall.skills.get(&counter).cloned().unwrap_or_default();
    let mut breaks = shift.breaks.clone();
    breaks.sort_by_key(|b| b.at);
    for _ in 0..1_000_000 {
        if ctx.over() {
            return;
        }
        let now = ctx.time.now();
        if let Some(b) = breaks.first().filter(|b| now >= b.at).cloned() {
            breaks.remove(0);
            let pause = Command::Pause {
                reason: b.reason,
                note: None,
            };
            if ctx.send(client, pause).await.is_ok() {
                ctx.sleep_until(now.plus_secs(b.secs)).await;
                let _ = ctx.send(client, Command::Resume {}).await;
            }
            continue;
        }
        let closed = now >= ctx.plan.closes_at;
        if now >= shift.to && (!shift.serves_after_close || !closed || hall_quiet(&client.latest()))
        {
            return;
        }
        if work_for(&client.latest(), counter, &skills) {
            match ctx.send(client, Command::CallNext {}).await {
                Ok(Accepted {
                    at,
                    result: ReplyResult::Called { ticket, .. },
                }) => {
                    ctx.ledger.called(&ticket, at, false);
                    serve(ctx, client, counter, &ticket, at).await;
                }
                Err(Refused::Code(ErrorCode::NothingWaiting)) => {
                    // Another counter took it: wait for the board to change (at most 30 s),
                    // not 30 s deaf to a ticket issued meanwhile.
                    let seen = board_seen(&client.latest(), counter);
                    let until = ctx.time.now().plus_secs(30);
                    ctx.wait_state(client, until, |l| board_seen(l, counter) != seen)
                        .await;
                }
                _ => ctx.sleep(30).await,
            }
            continue;
        }
        let mut next = now.plus_secs(120);
        if let Some(b) = breaks.first() {
            next = next.min(b.at);
        }
        if now < shift.to {
            next = next.min(shift.to);
        }
        let closing = closed || shift.to <= now;
        ctx.wait_state(client, next, |l| {
            work_for(l, counter, &skills) || (closing && hall_quiet(l))
        })
        .await;
    }
}

/// The customer for `ticket`: asks the floor, giving a just-issued ticket a moment to be seated.
async fn who_comes(ctx: &Ctx, ticket: &TicketId) -> AtCall {
    let plan = &ctx.plan;
    for _ in 0..50 {
        match ctx
            .floor
            .on_call(ticket, |i| plan.customers.get(i).is_some_and(|c| c.shows))
        {
            AtCall::Unknown => tokio::time::sleep(std::time::Duration::from_millis(2)).await,
            known => return known,
        }
    }
    AtCall::Unknown
}

/// The hub skipped the ticket by itself.
fn skipped_by_hub(ctx: &Ctx, ticket: &TicketId) {
    ctx.ledger.note(|b| b.no_show_by_hub += 1);
    no_show(ctx, ticket);
}

/// `ticket` ended as a no-show: counted, and counted apart when its customer had left.
fn no_show(ctx: &Ctx, ticket: &TicketId) {
    if ctx.floor.has_left(ticket) {
        ctx.ledger.note(|b| b.no_shows_who_had_left += 1);
    }
    ctx.ledger.ended(ticket, End::NoShow);
    ctx.floor.done(ticket);
}

async fn serve(
    ctx: &Ctx,
    client: &DeviceClient,
    counter: u16,
    ticket: &TicketId,
    called_at: Timestamp,
) {
    let (customer, stage) = match who_comes(ctx, ticket).await {
        AtCall::Comes { customer, stage } => (customer, stage),
        AtCall::Absent | AtCall::Unknown => return absent(ctx, client, ticket, called_at).await,
    };
    let Some(c) = ctx.plan.customers.get(customer) else {
        return;
    };
    ctx.sleep(if stage == 0 { c.walk_secs } else { 20 }).await;
    if ctx.over() {
        return;
    }
    match ctx.send(client, Command::StartService {}).await {
        Ok(_) => {}
        Err(Refused::Code(ErrorCode::NotCalling)) => return skipped_by_hub(ctx, ticket),
        Err(_) => return,
    }
    let started = ctx.time.now();
    let service = match (&c.transfer, stage) {
        (Some((_, second)), 1) => second,
        _ => &c.service,
    };
    if let Some((from, secs)) = service.back_office {
        ctx.sleep_until(started.plus_secs(from)).await;
        let _ = ctx
            .send(client, Command::BackOffice { waiting: true })
            .await;
        ctx.sleep(secs).await;
        let _ = ctx
            .send(client, Command::BackOffice { waiting: false })
            .await;
    }
    ctx.sleep_until(started.plus_secs(service.secs)).await;
    if ctx.over() {
        return;
    }
    if let (Some((to, _)), 0) = (&c.transfer, stage) {
        let transfer = Command::Transfer {
            to: TransferTarget::Business(to.clone()),
            note: Some("想办合约机 / wants a contract phone".into()),
        };
        if ctx.send(client, transfer).await.is_ok() {
            ctx.ledger.note(|b| b.transfers += 1);
            ctx.floor.transferred(ticket);
        }
        return;
    }
    let finish = Command::Finish {
        result: service.result,
        note: None,
        missing: vec![],
    };
    let prompt = match ctx.send(client, finish).await {
        Ok(Accepted {
            result: ReplyResult::Counter(state),
            ..
        }) => state.awaiting_rating,
        Ok(_) => None,
        Err(_) => return,
    };
    ctx.ledger.ended(ticket, End::Served);
    ctx.floor.done(ticket);
    if let Some(complaint) = &c.complaint {
        let visit = ctx.floor.customer_of(ticket).map(|(_, v)| v);
        match (&complaint.by, &ctx.jobs, visit) {
            (Opener::Supervisor(_), Some(jobs), Some(visit)) => {
                let _ = jobs.send(Job::Open {
                    customer,
                    ticket: ticket.clone(),
                    visit,
                });
            }
            (_, jobs, visit) => {
                let open = Command::ComplaintOpen {
                    contact: None,
                    category: complaint.category,
                    summary: complaint.summary.clone(),
                    visit,
                    ticket: Some(TicketRef(ticket.to_string())),
                    business: Some(c.business.clone()),
                    responsibility: Some(complaint.responsibility.clone()),
                };
                if let Ok(Accepted {
                    result: ReplyResult::Complaint { complaint: id, .. },
                    ..
                }) = ctx.send(client, open).await
                {
                    ctx.ledger.note(|b| b.complaints.0 += 1);
                    if let Some(jobs) = jobs {
                        let _ = jobs.send(Job::FollowUp {
                            complaint: id,
                            category: complaint.category,
                        });
                    }
                }
            }
        }
    }
    // The customer is at the evaluator: the next call would close the prompt unrated. The
    // finish reply tells how long the prompt shows; the counter's retained state, which the
    // terminal watches, follows the reply, so first see the prompt there, then see it go.
    if let Some(p) = prompt.filter(|p| &p.ticket == ticket) {
        let shows_prompt = |l: &Latest| {
            l.counters
                .get(&counter)
                .and_then(|s| s.awaiting_rating.as_ref())
                .is_some_and(|q| &q.ticket == ticket)
        };
        let seen_by = ctx.time.now().plus_secs(10).min(p.until_ms);
        ctx.wait_state(client, seen_by, shows_prompt).await;
        ctx.wait_state(client, p.until_ms.plus_secs(2), |l| !shows_prompt(l))
            .await;
    }
}

/// Nobody comes: recall as the rule asks, then skip the ticket.
async fn absent(ctx: &Ctx, client: &DeviceClient, ticket: &TicketId, called_at: Timestamp) {
    let rule = &ctx.hall.recall;
    let gap = (i64::from(rule.no_show_after_secs) / i64::from(rule.recalls_before_no_show + 1))
        .clamp(20, 60);
    for _ in 0..rule.recalls_before_no_show {
        ctx.sleep(gap).await;
        if ctx.over() {
            return;
        }
        match ctx.send(client, Command::Recall {}).await {
            Ok(Accepted {
                at,
                result: ReplyResult::Called { .. },
            }) => ctx.ledger.called(ticket, at, true),
            Err(Refused::Code(ErrorCode::NotCalling)) => return skipped_by_hub(ctx, ticket),
            _ => {}
        }
    }
    ctx.sleep_until(called_at.plus_secs(i64::from(rule.no_show_after_secs).min(gap * 3)))
        .await;
    for _ in 0..20 {
        if ctx.over() {
            return;
        }
        match ctx.send(client, Command::NoShow {}).await {
            Ok(_) => {
                ctx.ledger.note(|b| b.no_show_by_clerk += 1);
                no_show(ctx, ticket);
                return;
            }
            Err(Refused::Code(ErrorCode::NotCalling)) => return skipped_by_hub(ctx, ticket),
            Err(Refused::Code(ErrorCode::NoShowTooEarly)) => ctx.sleep(15).await,
            Err(_) => return,
        }
    }
}

/// How many counters are serving a customer (for the progress line).
pub(crate) fn serving(l: &Latest) -> usize {
    l.counters
        .values()
        .filter(|c| matches!(c.activity, Activity::Serving { .. }))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallq_proto::LocalText;
    use hallq_proto::state::Board;

    fn board(rev: u64) -> Board {
        Board {
            v: 1,
            rev,
            at_ms: Timestamp(0),
            hall: hallq_proto::HallId::new("demo").unwrap(),
            hall_name: LocalText::new("演示营业厅", "Demo Hall"),
            business_day: hallq_proto::BusinessDay(20261130),
            open: true,
            calls: Vec::new(),
            queues: Vec::new(),
            announcements: Vec::new(),
            notices: Vec::new(),
            kiosks_online: None,
        }
    }

    #[test]
    fn a_clerk_refused_for_nothing_waiting_wakes_at_the_next_board() {
        // The wait after `nothing_waiting` ends when what the clerk sees changes: a newer
        // board (a ticket issued, or taken by another counter), not after a deaf 30 s.
        let mut l = Latest {
            board: Some(board(7)),
            ..Latest::default()
        };
        let seen = board_seen(&l, 1);
        assert_eq!(board_seen(&l, 1), seen, "nothing new: keep waiting");
        l.board = Some(board(8));
        assert_ne!(board_seen(&l, 1), seen, "a new board: look again");
    }
}
