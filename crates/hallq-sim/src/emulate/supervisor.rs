//! The duty supervisor (值班主管): posts and clears the day's announcements, and handles
//! complaints: opens those the customer brings to them (called over to the counter), contacts
//! every complainant (the 2-hour first-contact rule) and resolves the general cases the same
//! day (`complaint_open`, `complaint_update`, `complaint_resolve`). Every half hour it looks at
//! the call-backs owed for questions left open at the door (the retained `state/complaints`)
//! and makes those asked an hour or more before (`callback_done`).

use std::collections::BTreeMap;

use hallq_proto::command::TicketRef;
use hallq_proto::{
    AnnouncementId, Command, ComplaintCategory, ComplaintId, DeviceId, ReplyResult, Timestamp,
};
use tokio::sync::mpsc;

use super::{Accepted, Ctx, Job};
use crate::plan::PlannedAnnouncement;
use crate::rng::Rng;

/// What the supervisor has to do, and when.
#[derive(Debug)]
enum Task {
    Post(PlannedAnnouncement),
    Clear(String),
    Open(Job),
    Contact(ComplaintId, ComplaintCategory),
    Resolve(ComplaintId),
    CallBacks,
}

/// How often the supervisor looks at the call-backs owed, and how long after the question it
/// calls back (within the 24 h limit).
const CALLBACK_ROUND_SECS: i64 = 30 * 60;
const CALLBACK_AFTER_MS: i64 = 60 * 60 * 1000;

/// Plays the supervisor `device` until the day ends.
pub(crate) async fn run(ctx: &Ctx, device: &DeviceId, mut jobs: mpsc::UnboundedReceiver<Job>) {
    let Some(client) = ctx.client(device) else {
        return;
    };
    let mut rng = Rng::new(ctx.plan.seed, 4);
    let mut agenda: BTreeMap<(Timestamp, u64), Task> = BTreeMap::new();
    let mut seq = 0u64;
    let mut add = |agenda: &mut BTreeMap<(Timestamp, u64), Task>, at: Timestamp, task: Task| {
        seq += 1;
        agenda.insert((at, seq), task);
    };
    for a in ctx
        .plan
        .announcements
        .iter()
        .filter(|a| &a.device == device)
    {
        add(&mut agenda, a.at, Task::Post(a.clone()));
        if let Some(at) = a.clear_at {
            add(&mut agenda, at, Task::Clear(a.id.clone()));
        }
    }
    add(
        &mut agenda,
        ctx.time.now().plus_secs(CALLBACK_ROUND_SECS),
        Task::CallBacks,
    );
    let mut closing = ctx.closing.clone();
    for _ in 0..1_000_000 {
        if ctx.over() {
            return;
        }
        let next = agenda
            .keys()
            .next()
            .map_or(ctx.time.now().plus_secs(3600), |k| k.0);
        let wake = tokio::select! {
            job = jobs.recv() => Wake::Job(job),
            _ = ctx.sleep_until(next) => Wake::Due,
            _ = closing.wait_for(|c| *c) => Wake::Closing,
        };
        match wake {
            Wake::Closing | Wake::Job(None) => return,
            Wake::Job(Some(job)) => {
                // Walks over to the counter, or picks the case up from the list.
                let at = ctx.time.now().plus_secs(rng.between(60, 300));
                add(&mut agenda, at, Task::Open(job));
            }
            Wake::Due => {
                let due = agenda
                    .first_key_value()
                    .is_some_and(|(k, _)| k.0 <= ctx.time.now());
                if !due {
                    continue;
                }
                let Some((_, task)) = agenda.pop_first() else {
                    continue;
                };
                let now = ctx.time.now();
                match task {
                    Task::Post(a) => {
                        let post = Command::AnnouncementPost {
                            announcement: AnnouncementId::new(a.id.clone()).ok(),
                            text: a.text.clone(),
                            starts_at_ms: None,
                            ends_at_ms: None,
                            where_to_ask: Some(hallq_proto::LocalText::new(
                                "咨询台",
                                "information desk",
                            )),
                        };
                        if ctx.send(client, post).await.is_ok() {
                            ctx.ledger.note(|b| b.announcements += 1);
                        }
                    }
                    Task::Clear(id) => {
                        if let Ok(id) = AnnouncementId::new(id) {
                            let _ = ctx
                                .send(client, Command::AnnouncementClear { announcement: id })
                                .await;
                        }
                    }
                    Task::Open(Job::Open {
                        customer,
                        ticket,
                        visit,
                    }) => {
                        let Some(c) = ctx.plan.customers.get(customer) else {
                            continue;
                        };
                        let Some(p) = &c.complaint else { continue };
                        let open = Command::ComplaintOpen {
                            contact: None,
                            category: p.category,
                            summary: p.summary.clone(),
                            visit: Some(visit),
                            ticket: Some(TicketRef(ticket.to_string())),
                            business: Some(c.business.clone()),
                            responsibility: Some(p.responsibility.clone()),
                        };
                        if let Ok(Accepted {
                            result: ReplyResult::Complaint { complaint, .. },
                            ..
                        }) = ctx.send(client, open).await
                        {
                            ctx.ledger.note(|b| b.complaints.0 += 1);
                            let at = now.plus_secs(rng.between(10 * 60, 90 * 60));
                            add(&mut agenda, at, Task::Contact(complaint, p.category));
                        }
                    }
                    Task::Open(Job::FollowUp {
                        complaint,
                        category,
                    }) => {
                        let at = now.plus_secs(rng.between(10 * 60, 90 * 60));
                        add(&mut agenda, at, Task::Contact(complaint, category));
                    }
                    Task::Contact(id, category) => {
                        let update = Command::ComplaintUpdate {
                            complaint: id.clone(),
                            note: "called the customer back / 已回访".into(),
                            contacted: true,
                        };
                        if ctx.send(client, update).await.is_ok() {
                            ctx.ledger.note(|b| b.complaints.1 += 1);
                            if category == ComplaintCategory::General {
                                let at = now.plus_secs(rng.between(30 * 60, 150 * 60));
                                add(&mut agenda, at, Task::Resolve(id));
                            }
                        }
                    }
                    Task::CallBacks => {
                        let owed: Vec<_> = client
                            .latest()
                            .complaints
                            .map(|c| c.callbacks)
                            .unwrap_or_default()
                            .into_iter()
                            .filter(|cb| now.0 - cb.asked_at_ms.0 >= CALLBACK_AFTER_MS)
                            .collect();
                        for cb in owed {
                            let done = Command::CallbackDone {
                                visit: cb.visit,
                                note: Some("called back / 已回电答复".into()),
                            };
                            let _ = ctx.send(client, done).await;
                        }
                        add(
                            &mut agenda,
                            now.plus_secs(CALLBACK_ROUND_SECS),
                            Task::CallBacks,
                        );
                    }
                    Task::Resolve(id) => {
                        let resolve = Command::ComplaintResolve {
                            complaint: id,
                            resolution: "explained and corrected / 已解释并处理".into(),
                            answer: Some(hallq_proto::ComplaintAnswer {
                                cause: "规则未当场说明 / the rule was not explained".into(),
                                solution: "已解释并处理 / explained and corrected".into(),
                                compensation: None,
                                promise: "今后当场说明 / explained on the spot from now on".into(),
                            }),
                        };
                        if ctx.send(client, resolve).await.is_ok() {
                            ctx.ledger.note(|b| b.complaints.2 += 1);
                        }
                    }
                }
            }
        }
    }
}

/// What woke the supervisor.
enum Wake {
    Job(Option<Job>),
    Due,
    Closing,
}
