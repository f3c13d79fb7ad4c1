//! The kiosk's runtime: one task owns the [`Kiosk`] and feeds it what happens — touches from
//! the screen, the hub's retained state and the connection from the device client, replies,
//! print results, a tick a second — and carries out the effects it returns: commands through
//! the client (its outbox retries them with the same idempotency key, so a retry never issues
//! a second ticket) and prints on a blocking thread.
//!
//! The screen is reached only through callbacks: [`Runtime::start`] calls `show` after every
//! change, and the app (Slint, or a test) sends touches with [`KioskHandle::touch`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use hallq_client::{DeviceClient, Update};
use hallq_proto::reply::TicketIssued;
use hallq_proto::state::Liveness;
use hallq_proto::{Command, ErrorCode, Lang, LocalText, ReplyBody, ReplyResult};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::checkin::{self, Booked};
use crate::controller::{Action, Effect, Input, IssueFailure, Kiosk};

/// A ticket to print.
#[derive(Debug, Clone)]
pub struct PrintJob {
    /// The ticket.
    pub ticket: TicketIssued,
    /// The hall's name.
    pub hall: LocalText,
    /// The customer's language.
    pub lang: Lang,
    /// Whether this is a reprint.
    pub reprint: bool,
    /// The appointment the ticket was checked in for: the slip says the booked time.
    pub booked: Option<Booked>,
}

impl PrintJob {
    /// The slip to print, in a hall `utc_offset_min` minutes ahead of UTC: the ticket, marked
    /// when a reprint, with the booked time when checked in for an appointment.
    pub fn slip(&self, utc_offset_min: i32) -> hallq_print::TicketSlip {
        let mut slip = hallq_print::TicketSlip::new(
            &self.ticket,
            self.hall.clone(),
            utc_offset_min,
            self.lang,
        );
        if self.reprint {
            slip = slip.reprinted();
        }
        if let Some(b) = &self.booked {
            slip = slip.with_appointment(hallq_print::slip::Appointment {
                start: b.start,
                late: b.late,
            });
        }
        slip
    }
}

/// Prints a ticket, blocking; `Err` carries the printer's error for staff.
pub type PrintFn = Arc<dyn Fn(&PrintJob) -> Result<(), String> + Send + Sync>;

/// Called with the kiosk after every change, on the runtime's task: copy what the screen needs
/// and hand it to the UI thread.
pub type ShowFn = Box<dyn FnMut(&Kiosk) + Send>;

/// Sends touches to a running kiosk. Clone it freely.
#[derive(Debug, Clone)]
pub struct KioskHandle {
    inputs: mpsc::UnboundedSender<Input>,
}

impl KioskHandle {
    /// A touch on the screen. Ignored once the kiosk has stopped.
    pub fn touch(&self, action: Action) {
        let _ = self.inputs.send(Input::Action(action));
    }

    /// Staff put the kiosk in maintenance, or took it out.
    pub fn maintenance(&self, on: bool) {
        let _ = self.inputs.send(Input::Maintenance(on));
    }
}

/// The running kiosk.
#[derive(Debug)]
pub struct Runtime {
    /// Sends touches.
    pub handle: KioskHandle,
    /// The task owning the kiosk; it ends when the client's updates end.
    pub task: JoinHandle<()>,
}

impl Runtime {
    /// Starts the kiosk on the current tokio runtime, talking through `client` and printing
    /// through `print`.
    pub fn start(kiosk: Kiosk, client: DeviceClient, print: PrintFn, show: ShowFn) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let handle = KioskHandle { inputs: tx.clone() };
        let task = tokio::spawn(drive(kiosk, client, print, show, tx, rx));
        Self { handle, task }
    }
}

async fn drive(
    mut kiosk: Kiosk,
    client: DeviceClient,
    print: PrintFn,
    mut show: ShowFn,
    tx: mpsc::UnboundedSender<Input>,
    mut rx: mpsc::UnboundedReceiver<Input>,
) {
    let epoch = Instant::now();
    let now_ms = || u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut updates = client.updates();
    let mut connected = client.connected();
    // What arrived before this task subscribed.
    let latest = client.latest();
    let mut hub_online = latest
        .hub
        .as_ref()
        .is_some_and(|h| h.status == Liveness::Online);
    if let Some(services) = latest.services {
        kiosk.handle(Input::Services(services), now_ms());
    }
    kiosk.handle(
        Input::HubReachable(hub_online && *connected.borrow()),
        now_ms(),
    );
    show(&kiosk);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        let input = tokio::select! {
            Some(input) = rx.recv() => input,
            update = updates.recv() => match update {
                Ok(Update::Services(s)) => Input::Services(*s),
                Ok(Update::Hub(h)) => {
                    hub_online = h.status == Liveness::Online;
                    Input::HubReachable(hub_online && *connected.borrow())
                }
                Ok(_) => continue,
                // Missed updates: the latest state tells the present.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    match client.latest().services {
                        Some(s) => Input::Services(s),
                        None => continue,
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            },
            changed = connected.changed() => {
                if changed.is_err() {
                    return;
                }
                let up = *connected.borrow();
                Input::HubReachable(hub_online && up)
            }
            _ = tick.tick() => Input::Tick,
        };
        let effects = kiosk.handle(input, now_ms());
        for effect in effects {
            carry_out(effect, &client, &print, &tx);
        }
        show(&kiosk);
    }
}

/// Starts what `effect` asks; results come back to the kiosk as inputs through `tx`.
fn carry_out(
    effect: Effect,
    client: &DeviceClient,
    print: &PrintFn,
    tx: &mpsc::UnboundedSender<Input>,
) {
    match effect {
        Effect::Record(cmd) => {
            let client = client.clone();
            tokio::spawn(async move {
                let kind = cmd.kind();
                match client.send(cmd).await {
                    Ok(reply) => {
                        if let ReplyBody::Error(e) = reply.body {
                            tracing::warn!(kind, code = ?e.code, "touchpoint refused");
                        }
                    }
                    Err(e) => tracing::warn!(kind, error = %e, "touchpoint not answered"),
                }
            });
        }
        Effect::Issue(req) => {
            let (client, tx) = (client.clone(), tx.clone());
            tokio::spawn(async move {
                let result = match client.send(Command::IssueTicket(req)).await {
                    Ok(reply) => match reply.body {
                        ReplyBody::Ok(ReplyResult::TicketIssued(t)) => Ok(t),
                        ReplyBody::Ok(other) => {
                            tracing::error!(?other, "issue_ticket answered with another result");
                            Err(IssueFailure::Refused(ErrorCode::Internal))
                        }
                        ReplyBody::Error(e) => Err(IssueFailure::Refused(e.code)),
                    },
                    Err(e) => {
                        tracing::warn!(error = %e, "no ticket: the hub did not answer");
                        Err(IssueFailure::NoAnswer)
                    }
                };
                let _ = tx.send(Input::Issued(result));
            });
        }
        Effect::CheckIn(req) => {
            let (client, tx) = (client.clone(), tx.clone());
            tokio::spawn(async move {
                let reply = match client.send(Command::CheckIn(req)).await {
                    Ok(reply) => Some(match reply.body {
                        ReplyBody::Ok(r) => Ok(r),
                        ReplyBody::Error(e) => Err(e),
                    }),
                    Err(e) => {
                        tracing::warn!(error = %e, "no check-in: the hub did not answer");
                        None
                    }
                };
                let _ = tx.send(Input::CheckedIn(checkin::answer(reply)));
            });
        }
        Effect::Print {
            ticket,
            hall,
            lang,
            reprint,
            booked,
        } => {
            let (print, tx) = (Arc::clone(print), tx.clone());
            let job = PrintJob {
                ticket,
                hall,
                lang,
                reprint,
                booked,
            };
            tokio::spawn(async move {
                let result = tokio::task::spawn_blocking(move || print(&job))
                    .await
                    .unwrap_or_else(|e| Err(format!("the print task failed: {e}")));
                if let Err(e) = &result {
                    tracing::warn!(error = %e, "print failed");
                }
                let _ = tx.send(Input::Printed { result });
            });
        }
    }
}
