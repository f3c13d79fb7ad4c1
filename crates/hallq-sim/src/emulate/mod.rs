//! The device emulators: each a real MQTT client of the hub (through `hallq-client`, with its
//! outbox and retries) acting its part of the [`Plan`].
//!
//! - [`customer`]: a customer's way through the hall, at a kiosk or with the greeter: kiosk
//!   session, self-service offer, ticket, print; door consultation, wandering, product
//!   experience, document pre-check; walking out when patience runs out.
//! - [`counter`]: a clerk at a counter terminal: sign in for the shift, call, recall, no-show,
//!   serve, back office, transfer, finish, breaks, sign out; complaints opened at the counter.
//! - [`evaluator`]: the rating pad: when its counter asks for a rating, the customer's key.
//! - [`supervisor`]: announcements, complaints opened, contacted and resolved.
//! - [`inspector`]: the day's inspections (the greeter's cleanings and facility checks, the
//!   supervisor's self-inspection), their corrections followed up and closed.
//! - [`door`]: the door counter's reports.
//! - [`watcher`]: the wall display and the LED strips, which only listen: calls heard, boards
//!   seen, revisions in order.
//!
//! Every command goes through [`Ctx::send`], which counts it and turns the reply into
//! [`Accepted`] or [`Refused`]; the emulators write what the hub accepted into the
//! [`Ledger`].

pub(crate) mod counter;
pub(crate) mod customer;
pub(crate) mod door;
pub(crate) mod evaluator;
pub(crate) mod inspector;
pub(crate) mod phone;
pub(crate) mod supervisor;
pub(crate) mod watcher;

use std::collections::BTreeMap;
use std::sync::Arc;

use hallq_client::{DeviceClient, Latest};
use hallq_proto::state::Activity;
use hallq_proto::{
    BusinessCode, Command, ComplaintCategory, ComplaintId, DeviceId, ErrorCode, ReplyBody,
    ReplyResult, StaffNo, Timestamp,
};
use hallq_queue::config::RecallRule;
use tokio::sync::{Mutex, mpsc, watch};

use crate::clock::SimTime;
use crate::floor::Floor;
use crate::ledger::Ledger;
use crate::plan::Plan;

/// What the hub accepted.
#[derive(Debug)]
pub(crate) struct Accepted {
    /// The hub's time of the decision (the reply's `at_ms`, the events' time).
    pub(crate) at: Timestamp,
    /// The result.
    pub(crate) result: ReplyResult,
}

/// Why a command was not carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// The hub refused it with this code.
    Code(ErrorCode),
    /// No reply after every retry.
    NoReply,
}

/// A complaint for the supervisor: to open, or to follow up.
#[derive(Debug)]
pub(crate) enum Job {
    /// Open a complaint for this served ticket's customer.
    Open {
        /// The customer's index in the plan.
        customer: usize,
        /// The ticket.
        ticket: hallq_proto::TicketId,
        /// The visit.
        visit: hallq_proto::VisitId,
    },
    /// Contact the customer and, for a general case, resolve it.
    FollowUp {
        /// The case.
        complaint: ComplaintId,
        /// Its category.
        category: ComplaintCategory,
    },
}

/// The hall facts the emulators need beyond the plan.
#[derive(Debug, Clone)]
pub(crate) struct HallFacts {
    /// The recall rule: when a clerk may skip a no-show.
    pub(crate) recall: RecallRule,
    /// How long the evaluator asks for a rating, seconds.
    pub(crate) rating_timeout_secs: i64,
    /// Each counter's skills.
    pub(crate) skills: BTreeMap<u16, Vec<BusinessCode>>,
    /// The clerks' PINs, where the hall asks for them.
    pub(crate) pins: BTreeMap<StaffNo, String>,
}

/// What every emulator shares.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub(crate) plan: Arc<Plan>,
    pub(crate) time: SimTime,
    pub(crate) ledger: Arc<Ledger>,
    pub(crate) floor: Floor,
    pub(crate) hall: HallFacts,
    pub(crate) clients: BTreeMap<DeviceId, DeviceClient>,
    /// One customer at a time at each kiosk.
    pub(crate) kiosk_turns: BTreeMap<DeviceId, Mutex<()>>,
    /// Nothing new starts from here on: `--until`, or the drain limit after closing.
    pub(crate) stop_at: Timestamp,
    /// The booking codes the hub gave, by customer number.
    pub(crate) bookings: BTreeMap<u32, String>,
    /// Set once the clerks have all gone: the listeners stop.
    pub(crate) closing: watch::Receiver<bool>,
    /// Complaints for the supervisor.
    pub(crate) jobs: Option<mpsc::UnboundedSender<Job>>,
}

impl Ctx {
    /// Whether the day is over for the emulators.
    pub(crate) fn over(&self) -> bool {
        *self.closing.borrow() || self.time.now() >= self.stop_at
    }

    /// The client of `device` (every device of the plan is connected before the day starts).
    pub(crate) fn client(&self, device: &DeviceId) -> Option<&DeviceClient> {
        self.clients.get(device)
    }

    /// Sends `cmd` from `client`, counts it, and splits the reply.
    pub(crate) async fn send(
        &self,
        client: &DeviceClient,
        cmd: Command,
    ) -> Result<Accepted, Refused> {
        self.ledger.note(|b| b.commands += 1);
        match client.send(cmd).await {
            Ok(reply) => match reply.body {
                ReplyBody::Ok(result) => Ok(Accepted {
                    at: reply.at_ms,
                    result,
                }),
                ReplyBody::Error(e) => {
                    let code = serde_json::to_value(e.code)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_else(|| format!("{:?}", e.code));
                    self.ledger
                        .note(|b| *b.refused.entry(code).or_default() += 1);
                    Err(Refused::Code(e.code))
                }
            },
            Err(e) => {
                tracing::warn!(device = %client.device(), error = %e, "no reply");
                self.ledger.note(|b| b.no_reply += 1);
                Err(Refused::NoReply)
            }
        }
    }

    /// Waits until `pred` holds on `client`'s latest retained state, simulated time `deadline`
    /// passes, or the day ends; returns whether `pred` held. Wakes at every state update, and
    /// at least every simulated minute to look at the clock.
    pub(crate) async fn wait_state(
        &self,
        client: &DeviceClient,
        deadline: Timestamp,
        mut pred: impl FnMut(&Latest) -> bool,
    ) -> bool {
        // Subscribe before looking, so no update between the look and the wait is missed.
        let mut rx = client.updates();
        for _ in 0..1_000_000 {
            if pred(&client.latest()) {
                return true;
            }
            let now = self.time.now();
            if now >= deadline || self.over() {
                return false;
            }
            let secs = ((deadline.0 - now.0) as f64 / 1000.0).min(60.0);
            // A time-out or any update: look again. Lagging behind only means updates were
            // dropped, and the latest state is what counts.
            let woke = tokio::time::timeout(self.time.real(secs), rx.recv()).await;
            if let Ok(Err(tokio::sync::broadcast::error::RecvError::Closed)) = woke {
                return false;
            }
        }
        false
    }

    /// Sleeps until `t`, or less if the day ends first.
    pub(crate) async fn sleep_until(&self, t: Timestamp) {
        let mut closing = self.closing.clone();
        let t = t.min(self.stop_at);
        tokio::select! {
            _ = self.time.sleep_until(t) => {}
            _ = closing.wait_for(|c| *c) => {}
        }
    }

    /// Sleeps `secs` simulated seconds, or less if the day ends first.
    pub(crate) async fn sleep(&self, secs: i64) {
        self.sleep_until(self.time.now().plus_secs(secs)).await;
    }
}

/// Whether the hall is quiet: nobody waiting, no counter calling or serving.
pub(crate) fn hall_quiet(l: &Latest) -> bool {
    let waiting: u32 = l
        .board
        .as_ref()
        .map_or(0, |b| b.queues.iter().map(|q| q.waiting).sum());
    let busy = l
        .counters
        .values()
        .any(|c| matches!(c.activity, Activity::Calling(_) | Activity::Serving { .. }));
    waiting == 0 && !busy
}
