//! The rating pad at a counter (评价器): it watches its counter's retained state, and when the
//! counter asks for a rating (`awaiting_rating`), the customer there presses the key the plan
//! gave them a few seconds later (`rate`, naming the ticket the pad showed), or walks away.

use hallq_proto::{Command, DeviceId, TicketId};

use super::Ctx;

/// Plays the evaluator `device` at `counter` until the day ends.
pub(crate) async fn run(ctx: &Ctx, counter: u16, device: &DeviceId) {
    let Some(client) = ctx.client(device) else {
        return;
    };
    let mut last: Option<TicketId> = None;
    let prompt = |l: &hallq_client::Latest| {
        l.counters
            .get(&counter)
            .and_then(|c| c.awaiting_rating.clone())
    };
    for _ in 0..1_000_000 {
        let far = ctx.time.now().plus_secs(3600);
        let seen = ctx
            .wait_state(client, far, |l| {
                prompt(l).is_some_and(|p| last.as_ref() != Some(&p.ticket))
            })
            .await;
        if ctx.over() {
            return;
        }
        if !seen {
            continue;
        }
        let Some(p) = prompt(&client.latest()) else {
            continue;
        };
        last = Some(p.ticket.clone());
        let rating = ctx
            .floor
            .customer_of(&p.ticket)
            .and_then(|(i, _)| ctx.plan.customers.get(i))
            .and_then(|c| c.rating);
        let Some(r) = rating else {
            continue; // walks away without pressing a key
        };
        // The key is pressed `delay` after the prompt appeared (the hub's finish), while it
        // still shows. At high speeds the prompt may reach the pad late: a simulated second is
        // then less than the real round trip, and the press goes at once.
        let shown_at = p.until_ms.plus_secs(-ctx.hall.rating_timeout_secs);
        let press = shown_at
            .plus_secs(r.delay_secs)
            .min(p.until_ms.plus_secs(-2));
        ctx.sleep_until(press).await;
        let rate = Command::Rate {
            score: r.score,
            ticket: Some(p.ticket.clone()),
        };
        match ctx.send(client, rate).await {
            Ok(_) => ctx.ledger.note(|b| b.ratings.push(r.score)),
            Err(e) => {
                tracing::debug!(counter, ticket = %p.ticket, ?e, now = ctx.time.now().0, until = p.until_ms.0, "rating refused")
            }
        }
    }
}
