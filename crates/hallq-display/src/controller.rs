//! The wall display as a pure state machine: [`Display::handle`] takes an [`Input`] and the
//! app's monotonic time, keeps what the board should show, and returns the [`Effect`]s for the
//! app to carry out (a call to speak, a touchpoint to send).
//!
//! What it decides:
//! - **Which board.** The hub's retained board carries a `rev`; a board with a `rev` lower than
//!   or equal to the one kept is stale and dropped. The kept `rev` is forgotten when the hub's
//!   status turns online, because a new run of the hub counts again (docs/protocol.md, §6).
//! - **Which calls are new.** A call event, or a call on a new board that the last board did
//!   not have (a recall is a new call), stands out for [`DisplayTimings::highlight_ms`]: the view
//!   gets `fresh` and a `flash` phase that turns every [`DisplayTimings::flash_period_ms`]. The
//!   calls on the first board after the display starts are not new (they may be hours old);
//!   calls made while the display was cut off are, when it sees them (nobody has seen them).
//! - **What is spoken.** Each call event while the hub is reachable becomes
//!   [`Effect::Announce`]; while the hub is away nothing is spoken (protocol §8), and a call that
//!   arrives then is not kept for later. Each announcement the voice reports played becomes the
//!   `call_announced` command for the hub ([`Effect::Record`]).
//! - **Whether the hub is away.** Offline status or a lost connection: the view shows the
//!   maintenance state over the last board.
//! - **Which notices the hall sees.** A kiosk under maintenance is the supervisor's business
//!   while another kiosk issues tickets: its notice is shown only when the board says no kiosk
//!   is online. A counter's terminal dropping is shown: its customers wait for it.

use hallq_proto::state::{Board, CallEvent, Liveness, Notice, NoticeKind};
use hallq_proto::{Command, CounterNo, LocalText, TicketId, TicketNo, Timestamp};

/// How long things stand out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisplayTimings {
    /// A new call stands out this long.
    pub highlight_ms: u64,
    /// While it stands out, the flash turns on and off this often.
    pub flash_period_ms: u64,
}

impl Default for DisplayTimings {
    fn default() -> Self {
        Self {
            highlight_ms: 8_000,
            flash_period_ms: 500,
        }
    }
}

/// A call to speak, from the hub's call event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    /// The ticket called; sent back in `call_announced`.
    pub ticket: TicketId,
    /// Its number.
    pub number: TicketNo,
    /// The counter.
    pub counter: CounterNo,
    /// 0 for the first call, then the recall count.
    pub recall: u32,
    /// The hub's time of the call: with the ticket and the recall it tells a redelivered event
    /// from a new call of a re-queued ticket.
    pub at_ms: Timestamp,
    /// What the voice says: "请 A012 号到 3 号窗口办理" and its English.
    pub speech: LocalText,
}

impl From<CallEvent> for Announcement {
    fn from(e: CallEvent) -> Self {
        Self {
            ticket: e.ticket,
            number: e.number,
            counter: e.counter,
            recall: e.recall,
            at_ms: e.at_ms,
            speech: e.speech,
        }
    }
}

/// What the display learns.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// The hub's retained board.
    Board(Board),
    /// The hub's retained status.
    Hub(Liveness),
    /// Whether the display is connected to the broker.
    Connected(bool),
    /// A call event (not retained).
    Call(CallEvent),
    /// The voice finished speaking this announcement.
    Announced(Announcement),
    /// Time passed.
    Tick,
}

/// What the app must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Speak this call; report back with [`Input::Announced`] once it was played.
    Announce(Announcement),
    /// Send this command to the hub (a touchpoint: its reply changes nothing on screen).
    Record(Command),
}

/// A call as the board identifies it: a recall is another call of the same number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CallKey {
    number: TicketNo,
    counter: CounterNo,
    recall: u32,
}

/// The wall display.
#[derive(Debug)]
pub struct Display {
    timings: DisplayTimings,
    /// The board shown: the last accepted one, kept while the hub is away.
    board: Option<Board>,
    /// The highest `rev` accepted in this run of the hub.
    rev: Option<u64>,
    hub_online: bool,
    connected: bool,
    /// Calls standing out, with when they became new (app's monotonic milliseconds).
    fresh: Vec<(CallKey, u64)>,
    /// The latest time seen, for what the view asks between inputs.
    now_ms: u64,
}

impl Display {
    /// A display with no board yet, not connected.
    pub fn new(timings: DisplayTimings) -> Self {
        Self {
            timings,
            board: None,
            rev: None,
            hub_online: false,
            connected: false,
            fresh: Vec::new(),
            now_ms: 0,
        }
    }

    /// The board shown, if one has arrived.
    pub fn board(&self) -> Option<&Board> {
        self.board.as_ref()
    }

    /// The board's notices that concern the customers in the hall: a counter's terminal
    /// offline, and a kiosk under maintenance only when no kiosk can issue tickets (a board
    /// that does not count its kiosks shows none of them).
    pub fn hall_notices(&self) -> Vec<&Notice> {
        let Some(board) = &self.board else {
            return Vec::new();
        };
        let no_kiosk = board.kiosks_online == Some(0);
        board
            .notices
            .iter()
            .filter(|n| match n.kind {
                NoticeKind::DeviceMaintenance => no_kiosk,
                NoticeKind::CounterOffline => true,
            })
            .collect()
    }

    /// Whether the hub is reachable: connected, and its status online.
    pub fn reachable(&self) -> bool {
        self.hub_online && self.connected
    }

    /// Whether the call `number` at `counter` (recall `recall`) stands out now.
    pub fn is_fresh(&self, number: &TicketNo, counter: CounterNo, recall: u32) -> bool {
        self.fresh
            .iter()
            .any(|(k, _)| k.number == *number && k.counter == counter && k.recall == recall)
    }

    /// The flash phase of the calls standing out: on for the first half of each period, from
    /// the moment the newest one became new. `false` when none stands out.
    pub fn flash_on(&self) -> bool {
        let Some(since) = self.fresh.iter().map(|(_, t)| *t).max() else {
            return false;
        };
        let period = self.timings.flash_period_ms.max(1);
        (self.now_ms.saturating_sub(since) / period).is_multiple_of(2)
    }

    /// When the display next needs a [`Input::Tick`] to change what it shows: the next turn of
    /// the flash while a call stands out. `None` when nothing changes by itself (the app still
    /// ticks for its clock).
    pub fn next_change_ms(&self) -> Option<u64> {
        let since = self.fresh.iter().map(|(_, t)| *t).max()?;
        let end = self
            .fresh
            .iter()
            .map(|(_, t)| t + self.timings.highlight_ms)
            .min()?;
        let period = self.timings.flash_period_ms.max(1);
        let flips = self.now_ms.saturating_sub(since) / period + 1;
        Some((since + flips * period).min(end))
    }

    /// Handles `input` at `now_ms` (the app's monotonic clock) and returns what to do.
    pub fn handle(&mut self, input: Input, now_ms: u64) -> Vec<Effect> {
        self.now_ms = self.now_ms.max(now_ms);
        let mut out = Vec::new();
        match input {
            Input::Board(board) => self.take_board(board),
            Input::Hub(status) => {
                let online = status == Liveness::Online;
                if online && !self.hub_online {
                    // A new run of the hub counts revisions again.
                    self.rev = None;
                }
                self.hub_online = online;
            }
            Input::Connected(up) => self.connected = up,
            Input::Call(event) => {
                if self.reachable() {
                    self.mark_fresh(CallKey {
                        number: event.number.clone(),
                        counter: event.counter,
                        recall: event.recall,
                    });
                    out.push(Effect::Announce(event.into()));
                } else {
                    tracing::debug!(number = %event.number, "hub away: the call is not spoken");
                }
            }
            Input::Announced(a) => out.push(Effect::Record(Command::CallAnnounced {
                ticket: a.ticket,
                counter: a.counter,
                recall: a.recall,
            })),
            Input::Tick => {}
        }
        let highlight = self.timings.highlight_ms;
        let now = self.now_ms;
        self.fresh.retain(|(_, since)| now < since + highlight);
        out
    }

    fn take_board(&mut self, board: Board) {
        if self.rev.is_some_and(|kept| board.rev <= kept) {
            tracing::debug!(rev = board.rev, kept = ?self.rev, "stale board dropped");
            return;
        }
        self.rev = Some(board.rev);
        // A call that the board shown did not have is new; on the first board, nothing is.
        if let Some(old) = &self.board {
            let new: Vec<CallKey> = board
                .calls
                .iter()
                .map(|c| CallKey {
                    number: c.number.clone(),
                    counter: c.counter,
                    recall: c.recall,
                })
                .filter(|k| {
                    !old.calls.iter().any(|c| {
                        c.number == k.number && c.counter == k.counter && c.recall == k.recall
                    })
                })
                .collect();
            for key in new {
                self.mark_fresh(key);
            }
        }
        self.board = Some(board);
    }

    /// Makes `key` stand out from now, unless it already does.
    fn mark_fresh(&mut self, key: CallKey) {
        if !self.fresh.iter().any(|(k, _)| *k == key) {
            self.fresh.push((key, self.now_ms));
        }
    }
}

#[cfg(test)]
#[path = "controller_tests.rs"]
mod tests;
