//! The day's inspections (服务监督, issue 16 §1): the greeter does the cleaning and facility
//! checklists on the floor, the duty supervisor the manager's self-inspection, as the hall code
//! asks (the cleaning before opening, a patrol every 2 hours, the deep clean after closing; the
//! seats on their weekday, the water filter on its day of the month, the self-inspection on its
//! weekday).
//!
//! They read what is due from the hub's `state/inspections` itself, as the console and the
//! handheld do, and get round to a checklist some minutes after it falls due: now and then
//! late enough that the hub counts it overdue. An item occasionally fails; its correction is
//! followed up and closed by the supervisor an hour or a few later. What the hub accepted goes
//! into the ledger, for the day's summary beside the report's service-standard KPI.

use std::collections::BTreeMap;

use hallq_client::DeviceClient;
use hallq_proto::inspection::{ChecklistDue, DueStatus, InspectionAnswer};
use hallq_proto::{Command, DeviceId, ReplyResult, Timestamp};

use super::{Accepted, Ctx};
use crate::rng::Rng;

/// How often the inspectors look at what is due, simulated seconds.
const LOOK_EVERY_SECS: i64 = 5 * 60;
/// How long after a checklist falls due they get round to it, simulated seconds: a patrol's
/// grace is 15 minutes, so the later ones are overdue.
const DELAY_SECS: (i64, i64) = (2 * 60, 22 * 60);
/// A checklist whose deadline is further than this is not today's (a weekly one is due all
/// week; the hall does it on its day).
const TODAY_MS: i64 = 14 * 3600 * 1000;
/// The chance that an item fails: a critical one (a wet floor) is rarer.
const FAIL: f64 = 0.03;
const FAIL_CRITICAL: f64 = 0.008;
/// When a correction is put right, after it was opened, simulated seconds.
const FIX_SECS: (i64, i64) = (40 * 60, 4 * 3600);

/// What the inspectors have to do, and when.
#[derive(Debug)]
enum Task {
    /// Do the checklist (its code).
    Inspect(String),
    /// Follow the correction up, then close it.
    FollowUp(String),
    Close(String),
}

/// Plays the inspectors until the day ends: `greeter` for cleaning and facility (the
/// supervisor when the hall has no greeter), `supervisor` for the rest and the corrections.
pub(crate) async fn run(ctx: &Ctx, supervisor: &DeviceId, greeter: Option<&DeviceId>) {
    let Some(boss) = ctx.client(supervisor) else {
        return;
    };
    let floor = greeter.and_then(|g| ctx.client(g)).unwrap_or(boss);
    let mut rng = Rng::new(ctx.plan.seed, 5);
    let mut agenda: BTreeMap<(Timestamp, u64), Task> = BTreeMap::new();
    let mut seq = 0u64;
    // The occasions already on the agenda or done: (checklist, deadline).
    let mut planned: std::collections::BTreeSet<(String, Timestamp)> = Default::default();
    for _ in 0..1_000_000 {
        if ctx.over() {
            return;
        }
        let now = ctx.time.now();
        let due: Vec<ChecklistDue> = boss
            .latest()
            .inspections
            .map(|i| i.checklists)
            .unwrap_or_default();
        for c in due {
            let today = c.deadline_ms.0 - now.0 < TODAY_MS;
            if c.status == DueStatus::Upcoming || !today || c.items.is_empty() {
                continue;
            }
            if planned.insert((c.template.clone(), c.deadline_ms)) {
                seq += 1;
                let at = now.plus_secs(rng.between(DELAY_SECS.0, DELAY_SECS.1));
                agenda.insert((at, seq), Task::Inspect(c.template));
            }
        }
        while agenda.first_key_value().is_some_and(|(k, _)| k.0 <= now) {
            let Some((_, task)) = agenda.pop_first() else {
                break;
            };
            let next = match task {
                Task::Inspect(template) => inspect(ctx, boss, floor, &template, &mut rng).await,
                Task::FollowUp(id) => {
                    let cmd = Command::CorrectionFollowUp {
                        correction: id.clone(),
                        note: "已安排处理 / being dealt with".into(),
                        staff: None,
                    };
                    let _ = ctx.send(boss, cmd).await;
                    vec![(rng.between(FIX_SECS.0, FIX_SECS.1) / 2, Task::Close(id))]
                }
                Task::Close(id) => {
                    let cmd = Command::CorrectionClose {
                        correction: id,
                        note: "已整改到位 / put right".into(),
                        staff: None,
                    };
                    if ctx.send(boss, cmd).await.is_ok() {
                        ctx.ledger.note(|b| b.corrections.1 += 1);
                    }
                    Vec::new()
                }
            };
            for (after, task) in next {
                seq += 1;
                agenda.insert((ctx.time.now().plus_secs(after), seq), task);
            }
        }
        ctx.sleep(LOOK_EVERY_SECS).await;
    }
}

/// Does the checklist `template` as it is due now: every item, an occasional failure with what
/// was found. Returns the follow-ups of the corrections it opened.
async fn inspect(
    ctx: &Ctx,
    boss: &DeviceClient,
    floor: &DeviceClient,
    template: &str,
    rng: &mut Rng,
) -> Vec<(i64, Task)> {
    let Some(c) = boss
        .latest()
        .inspections
        .and_then(|i| i.checklists.into_iter().find(|c| c.template == template))
    else {
        return Vec::new();
    };
    let items: Vec<InspectionAnswer> = c
        .items
        .iter()
        .map(|i| {
            let pass = !rng.chance(if i.critical { FAIL_CRITICAL } else { FAIL });
            InspectionAnswer {
                item: i.item.clone(),
                pass,
                note: (!pass)
                    .then(|| format!("{}：未达标 / {}: not up to standard", i.text.zh, i.text.en)),
            }
        })
        .collect();
    let by = if matches!(c.kind.as_str(), "cleaning" | "facility") {
        floor
    } else {
        boss
    };
    let cmd = Command::InspectionRecord {
        template: c.template.clone(),
        staff: None,
        items,
        note: None,
        visited_at_ms: None,
        shopper: None,
    };
    match ctx.send(by, cmd).await {
        Ok(Accepted {
            result:
                ReplyResult::Inspection {
                    items_passed,
                    items_checked,
                    critical_failed,
                    corrections,
                    ..
                },
            ..
        }) => {
            ctx.ledger.note(|b| {
                b.inspections.0 += 1;
                b.inspections.1 += items_checked;
                // A failed critical item fails every item of it (docs/reports.md).
                b.inspections.2 += if critical_failed { 0 } else { items_passed };
                b.corrections.0 += u32::try_from(corrections.len()).unwrap_or(u32::MAX);
            });
            corrections
                .into_iter()
                .map(|k| {
                    (
                        rng.between(FIX_SECS.0, FIX_SECS.1) / 2,
                        Task::FollowUp(k.correction),
                    )
                })
                .collect()
        }
        _ => Vec::new(),
    }
}
