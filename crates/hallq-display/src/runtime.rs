//! The display's runtime: one task owns the [`Display`] and feeds it what happens — the hub's
//! board and status and the connection from the device client, call events, announcements the
//! voice reports played, and the time — and carries out the effects it returns: a call to the
//! injected voice ([`AnnounceFn`]), a touchpoint command through the client (its outbox retries
//! it under the same id).
//!
//! The voice is a function given at start, so the runtime knows no speech engine: the app gives
//! hallq-voice's announcer, a test gives a recorder, `--voice none` gives one that says nothing.
//! It must return at once (queue the call) and call [`Played`] once the call was spoken.
//!
//! The screen is reached only through a callback: [`Runtime::start`] calls `show` after every
//! change. The task wakes for the next turn of a flash while a call stands out, and otherwise
//! once a second for the clock; nothing else wakes an idle display.

use std::sync::Arc;
use std::time::{Duration, Instant};

use hallq_client::{DeviceClient, Update};
use hallq_proto::state::Liveness;
use hallq_proto::{Command, ReplyBody};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::controller::{Announcement, Display, Effect, Input};
use crate::led::{LedInput, LedStrip};

/// Tells the runtime that an announcement was spoken. Call it once, from any thread.
pub type Played = Box<dyn FnOnce() + Send>;

/// Speaks a call: queues it and returns at once; calls the [`Played`] once it was spoken (never,
/// if it was not).
pub type AnnounceFn = Arc<dyn Fn(Announcement, Played) + Send + Sync>;

/// Called with the display after every change, on the runtime's task: copy what the screen
/// needs and hand it to the UI thread.
pub type ShowFn = Box<dyn FnMut(&Display) + Send>;

/// The running display.
#[derive(Debug)]
pub struct Runtime {
    /// The task owning the display; it ends when the client's updates end.
    pub task: JoinHandle<()>,
}

impl Runtime {
    /// Starts `display` on the current tokio runtime, fed by `client`, speaking through
    /// `announce`.
    pub fn start(
        display: Display,
        client: DeviceClient,
        announce: AnnounceFn,
        show: ShowFn,
    ) -> Self {
        let task = tokio::spawn(drive(display, client, announce, show));
        Self { task }
    }
}

async fn drive(mut display: Display, client: DeviceClient, announce: AnnounceFn, mut show: ShowFn) {
    let epoch = Instant::now();
    let now_ms = || u64::try_from(epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (tx, mut rx) = mpsc::unbounded_channel::<Input>();
    let mut updates = client.updates();
    let mut connected = client.connected();
    // What arrived before this task subscribed.
    let latest = client.latest();
    if let Some(hub) = &latest.hub {
        display.handle(Input::Hub(hub.status), now_ms());
    }
    if let Some(board) = latest.board {
        display.handle(Input::Board(board), now_ms());
    }
    display.handle(Input::Connected(*connected.borrow()), now_ms());
    show(&display);
    loop {
        let wake = display
            .next_change_ms()
            .map_or(1_000, |at| at.saturating_sub(now_ms()).min(1_000));
        let inputs = tokio::select! {
            Some(input) = rx.recv() => vec![input],
            update = updates.recv() => match update {
                Ok(Update::Board(b)) => vec![Input::Board(*b)],
                Ok(Update::Hub(h)) => {
                    let mut v = vec![Input::Hub(h.status)];
                    // The retained board may have arrived before the status that lets a new
                    // run's revisions count: take it again.
                    if h.status == Liveness::Online && let Some(b) = client.latest().board {
                        v.push(Input::Board(b));
                    }
                    v
                }
                Ok(Update::Call(c)) => vec![Input::Call(c)],
                Ok(_) => continue,
                // Missed updates: the latest state tells the present (missed calls stay unsaid).
                Err(RecvError::Lagged(n)) => {
                    tracing::warn!(missed = n, "display fell behind the hub's updates");
                    client.latest().board.map(Input::Board).into_iter().collect()
                }
                Err(RecvError::Closed) => return,
            },
            changed = connected.changed() => {
                if changed.is_err() {
                    return;
                }
                vec![Input::Connected(*connected.borrow())]
            }
            () = tokio::time::sleep(Duration::from_millis(wake)) => vec![Input::Tick],
        };
        for input in inputs {
            for effect in display.handle(input, now_ms()) {
                carry_out(effect, &client, &announce, &tx);
            }
        }
        show(&display);
    }
}

/// Starts what `effect` asks; an announcement played comes back as an input through `tx`.
fn carry_out(
    effect: Effect,
    client: &DeviceClient,
    announce: &AnnounceFn,
    tx: &mpsc::UnboundedSender<Input>,
) {
    match effect {
        Effect::Announce(a) => {
            let tx = tx.clone();
            let spoken = a.clone();
            announce(
                a,
                Box::new(move || {
                    let _ = tx.send(Input::Announced(spoken));
                }),
            );
        }
        Effect::Record(cmd) => {
            let client = client.clone();
            tokio::spawn(async move { record(&client, cmd).await });
        }
    }
}

/// Sends a touchpoint; its answer changes nothing on screen, so a refusal is only logged.
async fn record(client: &DeviceClient, cmd: Command) {
    let kind = cmd.kind();
    match client.send(cmd).await {
        Ok(reply) => {
            if let ReplyBody::Error(e) = reply.body {
                tracing::warn!(kind, code = ?e.code, "touchpoint refused");
            }
        }
        Err(e) => tracing::warn!(kind, error = %e, "touchpoint not answered"),
    }
}

/// Called with the strip after every change, on the LED task.
pub type LedShowFn = Box<dyn FnMut(&LedStrip) + Send>;

/// Runs the LED strip `strip` on `client` until the client's updates end.
pub fn start_led(strip: LedStrip, client: DeviceClient, show: LedShowFn) -> JoinHandle<()> {
    tokio::spawn(drive_led(strip, client, show))
}

async fn drive_led(mut strip: LedStrip, client: DeviceClient, mut show: LedShowFn) {
    let mut updates = client.updates();
    let mut connected = client.connected();
    let latest = client.latest();
    if let Some(hub) = &latest.hub {
        strip.handle(LedInput::Hub(hub.status));
    }
    if let Some(c) = latest.counters.get(&strip.counter()) {
        strip.handle(LedInput::Counter(c.clone()));
    }
    strip.handle(LedInput::Connected(*connected.borrow()));
    show(&strip);
    loop {
        let inputs = tokio::select! {
            update = updates.recv() => match update {
                Ok(Update::Counter(c)) => vec![LedInput::Counter(*c)],
                Ok(Update::Hub(h)) => {
                    let mut v = vec![LedInput::Hub(h.status)];
                    if h.status == Liveness::Online
                        && let Some(c) = client.latest().counters.get(&strip.counter())
                    {
                        v.push(LedInput::Counter(c.clone()));
                    }
                    v
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(_)) => client
                    .latest()
                    .counters
                    .get(&strip.counter())
                    .map(|c| LedInput::Counter(c.clone()))
                    .into_iter()
                    .collect(),
                Err(RecvError::Closed) => return,
            },
            changed = connected.changed() => {
                if changed.is_err() {
                    return;
                }
                vec![LedInput::Connected(*connected.borrow())]
            }
        };
        for input in inputs {
            strip.handle(input);
        }
        show(&strip);
    }
}
