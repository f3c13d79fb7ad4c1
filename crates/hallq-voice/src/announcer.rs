//! [`Announcer`]: the worker that announces calls one after another on its own thread: render,
//! play `repeats` times, report, next. See [`crate::queue`] for the order and the bound.
//!
//! A thread, not a tokio task: rendering runs a process and playing blocks until the sound has
//! been heard, and the display's tokio runtime and Slint event loop should never wait on either.
//! [`Announcer::announce`] only takes a lock for a moment, so it may be called from anywhere.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use tracing::{error, info, warn};

use crate::config::VoiceConfig;
use crate::error::VoiceError;
use crate::player::Player;
use crate::queue::{Admission, CallQueue};
use crate::spoken::Call;
use crate::voice::{Voice, render_call};

/// How one call's announcement ended. Every call given to [`Announcer::announce`] (except a
/// duplicate) ends in exactly one report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Played `times` times: fewer than `repeats` only when the announcer was shut down between
    /// two plays, or a repeat failed after a play that worked. The display reports
    /// `call_announced` to the hub for this.
    Played {
        /// How many plays finished.
        times: u32,
    },
    /// Rendered, not played: no player is configured.
    RenderedOnly,
    /// Never announced: dropped from a full queue, or still waiting at shutdown.
    Dropped(DropReason),
    /// Rendering or the first play failed (the message says why); the queue moved on.
    Failed(String),
}

/// Why a call was dropped unannounced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// The queue was full and this was the oldest waiting call.
    QueueFull,
    /// The announcer was shut down while it waited.
    Shutdown,
}

/// A report: a call and how its announcement ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announced {
    /// The call (ticket, number, counter, recall).
    pub call: Call,
    /// What happened.
    pub outcome: Outcome,
}

/// How the worker announces, besides the engine and the player.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Say each call in English after the Chinese.
    pub english: bool,
    /// Plays per call, at least 1.
    pub repeats: u32,
    /// Silence between two plays of a call.
    pub repeat_pause: Duration,
    /// The most calls waiting.
    pub queue_capacity: usize,
}

impl From<&VoiceConfig> for Settings {
    fn from(c: &VoiceConfig) -> Self {
        Self {
            english: c.english,
            repeats: c.repeats,
            repeat_pause: Duration::from_millis(u64::from(c.repeat_pause_ms)),
            queue_capacity: c.queue_capacity,
        }
    }
}

/// What the caller's handle and the worker share.
struct Shared {
    /// The waiting calls, and whether the worker should stop.
    state: Mutex<State>,
    /// Wakes the worker when a call arrives or at shutdown.
    wake: Condvar,
    /// Where every report goes.
    on_report: Box<dyn Fn(Announced) + Send + Sync>,
}

struct State {
    queue: CallQueue,
    closing: bool,
}

impl Shared {
    /// Hands a report to the caller's callback. A panic in it is logged and swallowed: it must
    /// not take the voice thread (and every later call) down with it.
    fn report(&self, a: Announced) {
        let number = a.call.number.clone();
        let f = &self.on_report;
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(a))).is_err() {
            error!(%number, "the voice report callback panicked");
        }
    }

    // A panic in the report callback while the lock is held would poison it; the queue itself
    // is always consistent between two statements, so carry on with it.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Announces calls in order on a worker thread. Dropping it lets the call being played finish
/// (the thread ends after it); [`Announcer::shutdown`] also waits for that.
pub struct Announcer {
    shared: Arc<Shared>,
    worker: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Announcer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Announcer")
            .field("waiting", &self.waiting())
            .finish_non_exhaustive()
    }
}

impl Announcer {
    /// Builds the engine and player from `config` (checking that espeak-ng runs, or reading the
    /// voice pack) and starts the worker. `report` is called once per call, from the worker
    /// thread (or from the caller of `announce` for a call dropped from a full queue); keep it
    /// quick, e.g. send into a channel.
    pub fn from_config(
        config: &VoiceConfig,
        report: impl Fn(Announced) + Send + Sync + 'static,
    ) -> Result<Self, VoiceError> {
        let voice = config.voice()?;
        let player = config.player()?;
        Self::start(voice, player, Settings::from(config), report)
    }

    /// Starts the worker with any engine and player (`None`: render only).
    pub fn start(
        voice: Box<dyn Voice>,
        player: Option<Box<dyn Player>>,
        settings: Settings,
        report: impl Fn(Announced) + Send + Sync + 'static,
    ) -> Result<Self, VoiceError> {
        let dir = tempfile::Builder::new()
            .prefix("hallq-voice-")
            .tempdir()
            .map_err(|e| VoiceError::io("temporary folder for WAVs", e))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: CallQueue::new(settings.queue_capacity),
                closing: false,
            }),
            wake: Condvar::new(),
            on_report: Box::new(report),
        });
        let worker = Worker {
            shared: Arc::clone(&shared),
            voice,
            player,
            settings,
            dir,
            seq: 0,
        };
        let handle = std::thread::Builder::new()
            .name("hallq-voice".into())
            .spawn(move || worker.run())
            .map_err(|e| VoiceError::io("starting the voice thread", e))?;
        Ok(Self {
            shared,
            worker: Some(handle),
        })
    }

    /// Queues a call. Returns at once; the call is announced after those before it.
    pub fn announce(&self, call: Call) -> Result<Admission, VoiceError> {
        let admission = {
            let mut state = self.shared.lock();
            if state.closing {
                return Err(VoiceError::Closed);
            }
            state.queue.push(call.clone())
        };
        self.shared.wake.notify_one();
        match &admission {
            Admission::Queued => {}
            Admission::Duplicate => {
                info!(number = %call.number, recall = call.recall, "call already queued: announced once")
            }
            Admission::QueuedDropping(old) => {
                warn!(dropped = %old.number, recall = old.recall, "voice queue full: oldest waiting call dropped");
                self.shared.report(Announced {
                    call: old.clone(),
                    outcome: Outcome::Dropped(DropReason::QueueFull),
                });
            }
        }
        Ok(admission)
    }

    /// How many calls wait (not counting the one being played).
    pub fn waiting(&self) -> usize {
        self.shared.lock().queue.len()
    }

    /// Stops taking calls, lets the play in progress finish, reports the calls still waiting as
    /// dropped, and waits for the worker to end.
    pub fn shutdown(mut self) {
        self.close();
        if let Some(h) = self.worker.take()
            && h.join().is_err()
        {
            warn!("voice thread panicked");
        }
    }

    fn close(&self) {
        self.shared.lock().closing = true;
        self.shared.wake.notify_all();
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        // Not joined: dropping must not block the UI thread for a whole announcement.
        self.close();
    }
}

/// The worker thread's side.
struct Worker {
    shared: Arc<Shared>,
    voice: Box<dyn Voice>,
    player: Option<Box<dyn Player>>,
    settings: Settings,
    /// Where rendered WAVs are written for the player; removed with the worker.
    dir: tempfile::TempDir,
    /// Numbers the WAV files, so a player that works asynchronously never sees one overwritten.
    seq: u64,
}

impl Worker {
    fn run(mut self) {
        while let Some(call) = self.next() {
            let outcome = self.announce(&call);
            match &outcome {
                Outcome::Failed(why) => {
                    warn!(number = %call.number, recall = call.recall, why, "call not announced")
                }
                _ => {
                    info!(number = %call.number, counter = %call.counter, recall = call.recall, ?outcome, "call announced")
                }
            }
            self.shared.report(Announced { call, outcome });
        }
    }

    /// The next call, waiting for one; `None` at shutdown, after reporting the waiting calls.
    fn next(&self) -> Option<Call> {
        let mut state = self.shared.lock();
        loop {
            if state.closing {
                let left = state.queue.drain();
                drop(state);
                for call in left {
                    self.shared.report(Announced {
                        call,
                        outcome: Outcome::Dropped(DropReason::Shutdown),
                    });
                }
                return None;
            }
            if let Some(call) = state.queue.start_next() {
                return Some(call);
            }
            state = self
                .shared
                .wake
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn announce(&mut self, call: &Call) -> Outcome {
        let wav = match render_call(&*self.voice, call, self.settings.english) {
            Ok(w) => w,
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        let Some(player) = self.player.as_mut() else {
            return Outcome::RenderedOnly;
        };
        self.seq += 1;
        let path: PathBuf = self.dir.path().join(format!(
            "call-{:04}-{}-r{}.wav",
            self.seq, call.number, call.recall
        ));
        if let Err(e) = wav.write(&path) {
            return Outcome::Failed(e.to_string());
        }
        let mut times = 0;
        for i in 0..self.settings.repeats.max(1) {
            if i > 0 {
                // Shut down between two plays: what was heard stands, the rest is skipped.
                if self.shared.lock().closing {
                    break;
                }
                std::thread::sleep(self.settings.repeat_pause);
            }
            if let Err(e) = player.play(&path) {
                if times == 0 {
                    let _ = std::fs::remove_file(&path);
                    return Outcome::Failed(e.to_string());
                }
                // Heard at least once: that is what the hub is told.
                warn!(number = %call.number, error = %e, "a repeat failed");
                break;
            }
            times += 1;
        }
        // Best effort: the folder goes with the worker anyway.
        let _ = std::fs::remove_file(&path);
        Outcome::Played { times }
    }
}
