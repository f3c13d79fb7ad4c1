//! The door counter (客流计数器): reports who came in and who passed by, as the plan has it.

use hallq_proto::Command;

use super::Ctx;

/// Plays the door counter's reports.
pub(crate) async fn run(ctx: &Ctx) {
    for report in &ctx.plan.door {
        ctx.sleep_until(report.at).await;
        if ctx.over() {
            return;
        }
        let Some(client) = ctx.client(&report.device) else {
            return;
        };
        let cmd = Command::DoorCount {
            entered: report.entered,
            passed_by: report.passed_by,
        };
        if ctx.send(client, cmd).await.is_ok() {
            ctx.ledger.note(|b| {
                b.door_reports += 1;
                b.door_entered += u64::from(report.entered);
                b.door_passed_by += u64::from(report.passed_by.unwrap_or(0));
            });
        }
    }
}
