//! The demo hall's devices, each a real MQTT client of the hub acting out the script: kiosks and
//! a greeter for the customers, counter terminals for the clerks, evaluators for the ratings.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_hub::{Clock, ScaledClock};
use hallq_proto::command::{IssueTicket, KioskStep, TicketRef, Touch};
use hallq_proto::state::Activity;
use hallq_proto::{
    Command, Lang, PauseReason, ReplyBody, ReplyResult, StaffNo, TicketId, Timestamp,
    TransferTarget, time,
};

use super::script::{self, Rng};

/// Simulated time, shared by every device of the demo and the hub.
#[derive(Debug, Clone)]
pub(crate) struct SimTime {
    /// The hub's clock.
    pub(crate) clock: Arc<ScaledClock>,
    /// Simulated seconds per real second.
    pub(crate) speed: f64,
    /// The hall's offset from UTC.
    pub(crate) utc_offset_min: i32,
    /// When the devices stop.
    pub(crate) end: Timestamp,
}

impl SimTime {
    /// Now, simulated.
    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Local minute of the day, simulated.
    pub(crate) fn minute(&self) -> u32 {
        time::local(self.now(), self.utc_offset_min).1
    }

    /// Sleeps `secs` of simulated time.
    pub(crate) async fn sleep(&self, secs: f64) {
        tokio::time::sleep(Duration::from_secs_f64((secs / self.speed).max(0.000_5))).await;
    }

    /// Whether the demo day is over.
    pub(crate) fn over(&self) -> bool {
        self.now() >= self.end
    }
}

/// Seconds of simulated time between two looks of a device at the hall.
const STEP: f64 = 15.0;

fn ticket_of(body: &ReplyBody) -> Option<(TicketId, Option<hallq_proto::VisitId>)> {
    match body {
        ReplyBody::Ok(ReplyResult::TicketIssued(t)) => {
            Some((t.ticket.clone(), Some(t.visit.clone())))
        }
        _ => None,
    }
}

/// The customers: arrivals by the hour at the kiosk, some met by the greeter first, some sent to
/// self-service, a few who give up and leave.
pub(crate) async fn customers(
    kiosk: DeviceClient,
    greeter: DeviceClient,
    mut rng: Rng,
    sim: SimTime,
    close_min: u32,
) {
    // Tickets still possibly waiting, with when their holder gives up.
    let mut patience: HashMap<TicketId, Timestamp> = HashMap::new();
    let mut session = 0u32;
    let mut last = sim.now();
    // Arrivals expected but not yet come: the loop's pace depends on the machine and the speed,
    // so arrivals follow simulated time, not loop turns.
    let mut due = 0.0;
    while !sim.over() {
        let (minute, now) = (sim.minute(), sim.now());
        let hours = now.0.saturating_sub(last.0) as f64 / 3_600_000.0;
        due += script::arrivals_per_hour(minute / 60) * hours * (0.5 + rng.unit());
        last = now;
        if due >= 1.0 {
            due -= 1.0;
        } else {
            sim.sleep(STEP).await;
            continue;
        }
        if minute < close_min {
            session += 1;
            let business = script::pick_business(&mut rng);
            let (priority, reason) = script::pick_priority(&mut rng);
            let green =
                (priority == hallq_proto::Priority::GreenChannel).then(|| "VIP-8888".to_string());
            let mut visit = None;
            let mut by_greeter = false;
            if rng.chance(0.12) {
                let resolved = rng.chance(0.4);
                let touch = Touch {
                    visit: None,
                    business: Some(business.clone()),
                    resolved: Some(resolved),
                    note: None,
                };
                if let Ok(r) = greeter.send(Command::Consultation(touch)).await
                    && let ReplyBody::Ok(ReplyResult::Recorded { visit: v }) = r.body
                {
                    visit = v;
                }
                if resolved {
                    continue;
                }
                by_greeter = true;
            }
            let s = format!("kiosk-1-s{session}");
            if !by_greeter {
                let _ = kiosk
                    .send(Command::SessionStarted { session: s.clone() })
                    .await;
                if business.as_str() == "basic" && rng.chance(0.15) {
                    // Channel diversion: a top-up done at the self-service terminal, no ticket.
                    let _ = kiosk
                        .send(Command::SelfServiceChosen {
                            session: s,
                            business,
                        })
                        .await;
                    continue;
                }
                if rng.chance(0.03) {
                    let _ = kiosk
                        .send(Command::SessionAbandoned {
                            session: s,
                            step: KioskStep::ChooseBusiness,
                        })
                        .await;
                    continue;
                }
            }
            let request = IssueTicket {
                business,
                priority_reason: reason,
                green_channel: green,
                lang: if rng.chance(0.05) { Lang::En } else { Lang::Zh },
                phone: None,
                session: (!by_greeter).then_some(s),
                visit,
            };
            let device = if by_greeter { &greeter } else { &kiosk };
            if let Ok(reply) = device.send(Command::IssueTicket(request)).await
                && let Some((ticket, _)) = ticket_of(&reply.body)
            {
                if !by_greeter {
                    let print = Command::PrintResult {
                        ticket: ticket.clone(),
                        ok: true,
                        reprint: false,
                        error: None,
                    };
                    let _ = kiosk.send(print).await;
                }
                patience.insert(ticket, now.plus_secs(rng.secs(30 * 60, 90 * 60)));
            }
        }
        if due >= 1.0 {
            continue; // more customers came in this moment
        }
        // Those whose patience ran out tell the greeter they are leaving; a ticket already
        // called or served is refused, and that is fine.
        let gone: Vec<TicketId> = patience
            .iter()
            .filter(|(_, until)| **until <= now)
            .map(|(t, _)| t.clone())
            .collect();
        for t in gone {
            patience.remove(&t);
            if rng.chance(0.25) {
                let _ = greeter
                    .send(Command::CancelTicket {
                        ticket: TicketRef(t.to_string()),
                        reason: Some("waited too long".into()),
                    })
                    .await;
            }
        }
        sim.sleep(STEP).await;
    }
}

/// What the clerk's script knows that the hub does not.
#[derive(Debug, Default)]
struct Plan {
    /// When the called customer reaches the counter; `None` for one who does not come.
    arrives_at: Option<Timestamp>,
    /// When the clerk recalls a customer who is not coming.
    next_recall: Option<Timestamp>,
    /// When the service ends.
    ends_at: Option<Timestamp>,
    /// When the service waits on the back office, and until when.
    back_office: Option<(Timestamp, Timestamp)>,
    /// Whether the service ends in a transfer to complex business.
    transfer: bool,
}

/// A clerk at counter `no`: signs in for the shift, calls, serves, pauses for lunch.
pub(crate) async fn clerk(
    client: DeviceClient,
    no: u16,
    staff: &'static str,
    shift: (u32, u32),
    mut rng: Rng,
    sim: SimTime,
) {
    let mut plan = Plan::default();
    let mut lunch_done = false;
    while !sim.over() {
        let (minute, now) = (sim.minute(), sim.now());
        let state = client.latest().counters.get(&no).cloned();
        let signed_in = state.as_ref().is_some_and(|s| s.staff.is_some());
        let idle = state
            .as_ref()
            .is_some_and(|s| matches!(s.activity, Activity::Idle | Activity::Paused { .. }));
        if minute >= shift.0 && minute < shift.1 && !signed_in {
            let _ = client
                .send(Command::SignIn {
                    staff: StaffNo::new(staff).unwrap_or_else(|_| unreachable!()),
                    pin: None,
                })
                .await;
        } else if minute >= shift.1 && signed_in && idle {
            let _ = client.send(Command::SignOut {}).await;
        } else if let Some(state) = state.filter(|s| s.open) {
            let lunch = no == 2 && (12 * 60..13 * 60).contains(&minute);
            match state.activity {
                Activity::Idle if lunch && !lunch_done => {
                    let _ = client
                        .send(Command::Pause {
                            reason: PauseReason::Meal,
                            note: None,
                        })
                        .await;
                    lunch_done = true;
                }
                Activity::Paused { .. } if !lunch => {
                    let _ = client.send(Command::Resume {}).await;
                }
                // The customer is still at the evaluator: the clerk waits for the rating.
                Activity::Idle if state.awaiting_rating.is_some() => {}
                Activity::Idle if minute < shift.1 => {
                    if let Ok(r) = client.send(Command::CallNext {}).await
                        && matches!(r.body, ReplyBody::Ok(ReplyResult::Called { .. }))
                    {
                        let shows = rng.chance(0.94);
                        plan = Plan {
                            arrives_at: shows.then(|| now.plus_secs(rng.secs(20, 100))),
                            next_recall: Some(now.plus_secs(60)),
                            ..Plan::default()
                        };
                    }
                }
                Activity::Calling(t) => match plan.arrives_at {
                    Some(at) if at <= now => {
                        let _ = client.send(Command::StartService {}).await;
                        let secs = script::service_secs(&mut rng, t.business.as_str());
                        plan.ends_at = Some(now.plus_secs(secs));
                        plan.transfer = t.business.as_str() == "consult" && rng.chance(0.08);
                        if t.business.as_str() == "complex" && rng.chance(0.2) {
                            plan.back_office =
                                Some((now.plus_secs(secs / 3), now.plus_secs(secs * 2 / 3)));
                        }
                    }
                    Some(_) => {}
                    None if plan.next_recall.is_some_and(|r| r <= now) => {
                        plan.next_recall = Some(now.plus_secs(60));
                        let cmd = if t.recalls < 2 {
                            Command::Recall {}
                        } else {
                            Command::NoShow {}
                        };
                        let _ = client.send(cmd).await;
                    }
                    None => {}
                },
                Activity::Serving { back_office, .. } => {
                    if let Some((from, to)) = plan.back_office
                        && ((now >= from && now < to && !back_office) || (now >= to && back_office))
                    {
                        let _ = client.send(Command::BackOffice { waiting: now < to }).await;
                    }
                    if plan.ends_at.is_some_and(|e| e <= now) {
                        let cmd = if plan.transfer {
                            let to = TransferTarget::Business(
                                hallq_proto::BusinessCode::new("complex")
                                    .unwrap_or_else(|_| unreachable!()),
                            );
                            Command::Transfer {
                                to,
                                note: Some("想办合约机 / wants a contract phone".into()),
                            }
                        } else {
                            Command::Finish {
                                result: script::pick_result(&mut rng),
                                note: None,
                            }
                        };
                        let _ = client.send(cmd).await;
                        plan = Plan::default();
                    }
                }
                _ => {}
            }
        }
        sim.sleep(STEP).await;
    }
}

/// The evaluator at counter `no`: when it asks for a rating, the customer presses a key a few
/// seconds later, or walks away.
pub(crate) async fn evaluator(client: DeviceClient, no: u16, mut rng: Rng, sim: SimTime) {
    let mut last: Option<TicketId> = None;
    while !sim.over() {
        let prompt = client
            .latest()
            .counters
            .get(&no)
            .and_then(|c| c.awaiting_rating.clone());
        if let Some(p) = prompt
            && last.as_ref() != Some(&p.ticket)
        {
            last = Some(p.ticket.clone());
            if let Some(score) = script::pick_score(&mut rng) {
                sim.sleep(rng.secs(3, 20) as f64).await;
                let _ = client
                    .send(Command::Rate {
                        score,
                        ticket: Some(p.ticket),
                    })
                    .await;
            }
        }
        sim.sleep(STEP / 3.0).await;
    }
}

/// The duty supervisor: posts the day.s announcement (red background, white text on the
/// displays) at 11:00.
pub(crate) async fn supervisor(client: DeviceClient, sim: SimTime) {
    while !sim.over() && sim.minute() < 11 * 60 {
        sim.sleep(STEP).await;
    }
    if sim.over() {
        return;
    }
    let post = Command::AnnouncementPost {
        announcement: hallq_proto::AnnouncementId::new("upgrade").ok(),
        text: hallq_proto::LocalText::new(
            "今晚 22:00 系统升级，届时暂停办理业务",
            "System upgrade tonight at 22:00; counters pause then.",
        ),
        starts_at_ms: None,
        ends_at_ms: None,
        where_to_ask: Some(hallq_proto::LocalText::new("咨询台", "information desk")),
    };
    let _ = client.send(post).await;
}
