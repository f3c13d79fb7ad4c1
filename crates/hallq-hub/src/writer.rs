//! The single writer: the only place that changes the queue and writes the journal.
//!
//! It runs on its own thread (STYLE.md: never hold a `rusqlite::Connection` across `.await`) and
//! takes the commands that arrived together as one batch:
//!
//! decode → check the device → dedupe by (device, command id) → authorize and plan → engine →
//! **one journal commit for the whole batch** → replies, acknowledgements and retained state.
//!
//! Nothing leaves the writer before its commit: the MQTT task publishes the replies and sends the
//! QoS 1 acknowledgements only from the [`Output`] of a committed batch. If a commit fails, the
//! engine is rebuilt from the journal and every command of the batch is answered `internal`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use hallq_journal::{Durability, Entry, Journal, JournalError};
use hallq_proto::reply::TicketIssued;
use hallq_proto::state::{CallEvent, Liveness, Presence};
use hallq_proto::{
    BusinessDay, CommandId, DeviceId, ErrorCode, ErrorInfo, Reply, ReplyResult, SCHEMA_VERSION,
    Timestamp, decode_command, speech, time,
};
use hallq_queue::{Command, Engine, Event, EventKind};

use crate::clock::Clock;
use crate::config::{DurabilityLevel, HallConfig};
use crate::metrics::Metrics;
use crate::plan::{ReplyShape, plan};
use crate::publish::{Outgoing, StatePublisher};

/// What the MQTT side hands the writer.
#[derive(Debug)]
pub enum Input<T> {
    /// A payload that arrived on `…/cmd/{device}`; `token` is acknowledged after the commit.
    Command {
        /// The device of the topic (the broker's ACL makes it the sender).
        device: DeviceId,
        /// The payload.
        payload: Vec<u8>,
        /// What the MQTT side needs to acknowledge it.
        token: T,
    },
    /// A payload on `…/presence/{device}` (empty when a retained presence was cleared).
    Presence {
        /// The device of the topic.
        device: DeviceId,
        /// The payload.
        payload: Vec<u8>,
    },
    /// Once a second: time-outs, the daily reset, expired announcements.
    Tick,
}

/// What a committed batch sends out.
#[derive(Debug)]
pub struct Output<T> {
    /// Replies, retained state and call events, in order.
    pub publishes: Vec<Outgoing>,
    /// Commands to acknowledge (QoS 1 PUBACK) now that they are durable.
    pub acks: Vec<T>,
}

/// Why the writer could not start.
#[derive(Debug, thiserror::Error)]
pub enum WriterError {
    /// The journal could not be opened or replayed.
    #[error("journal: {0}")]
    Journal(#[from] JournalError),
    /// The data directory could not be made.
    #[error("data directory: {0}")]
    Io(#[from] std::io::Error),
    /// The queue configuration is invalid.
    #[error("queue configuration: {0}")]
    Config(#[from] hallq_queue::ConfigError),
}

/// The writer's state.
pub struct Writer {
    config: Arc<HallConfig>,
    engine: Engine,
    journal: Journal,
    clock: Arc<dyn Clock>,
    publisher: StatePublisher,
    metrics: Arc<Metrics>,
    /// Replies by (device, command id) for recent commands, so a redelivery is answered without
    /// a journal lookup. Misses fall back to the journal, which holds every reply ever sent.
    replies: HashMap<(DeviceId, String), String>,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("day", &self.engine.day())
            .finish_non_exhaustive()
    }
}

/// How many replies the in-memory dedupe cache keeps before it starts over (the journal still
/// answers older ids).
const REPLY_CACHE: usize = 100_000;

fn reply_error(id: Option<CommandId>, now: Timestamp, e: impl Into<ErrorInfo>) -> String {
    Reply::error(id, now, e).to_json()
}

impl Writer {
    /// Opens the journal, rebuilds today's queue from it, and opens the business day if the
    /// journal's day is not today's.
    pub fn open(
        config: Arc<HallConfig>,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
    ) -> Result<Self, WriterError> {
        std::fs::create_dir_all(&config.hub.data_dir)?;
        let durability = match config.hub.durability {
            DurabilityLevel::Full => Durability::Full,
            DurabilityLevel::Normal => Durability::Normal,
        };
        let journal = Journal::open(config.hub.data_dir.join("journal.db"), durability)?;
        let engine = rebuild(&config, &journal)?;
        let mut publisher = StatePublisher::new(&config);
        // Revisions keep growing across restarts: start above any this hub gave before.
        publisher.set_rev_floor(u64::try_from(clock.now().0).unwrap_or(0));
        let mut w = Self {
            config,
            engine,
            journal,
            clock,
            publisher,
            metrics,
            replies: HashMap::new(),
        };
        let now = w.clock.now();
        let mut events = Vec::new();
        w.roll_day(now, &mut events);
        if !events.is_empty() {
            w.journal.commit(&[Entry::Internal { events }])?;
        }
        Ok(w)
    }

    /// Everything a device needs at once: the hub online, the board, services and counters.
    pub fn initial_output(&mut self) -> Vec<Outgoing> {
        let now = self.clock.now();
        let mut out = vec![self.publisher.hub_status(Liveness::Online, Some(now))];
        out.extend(self.publisher.state(&self.engine, now, true));
        out
    }

    /// Read access to the engine, for tests and metrics.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Handles one batch: everything that arrived together shares one commit.
    pub fn handle_batch<T>(&mut self, inputs: Vec<Input<T>>) -> Output<T> {
        let now = self.clock.now();
        let mut entries = Vec::new();
        let mut replies: Vec<(DeviceId, String)> = Vec::new();
        let mut acks = Vec::new();
        let mut cached = Vec::new();
        let mut internal = Vec::new();
        let mut presence_changed = false;
        self.roll_day(now, &mut internal);
        for input in inputs {
            match input {
                Input::Command {
                    device,
                    payload,
                    token,
                } => {
                    acks.push(token);
                    self.metrics.commands.inc();
                    let (entry, reply) = self.command(&device, &payload, now, &mut cached);
                    entries.extend(entry);
                    replies.push((device, reply));
                }
                Input::Presence { device, payload } => {
                    if let Some(online) = self.presence(&device, &payload) {
                        entries.push(Entry::Presence {
                            at: now,
                            device,
                            online,
                        });
                        presence_changed = true;
                    }
                }
                Input::Tick => match self.engine.apply(&Command::Tick, now) {
                    Ok(events) => internal.extend(events),
                    Err(e) => tracing::error!(error = %e, "tick refused"),
                },
            }
        }
        if !internal.is_empty() {
            entries.push(Entry::Internal { events: internal });
        }
        let events: Vec<Event> = entries.iter().flat_map(entry_events).cloned().collect();
        let started = Instant::now();
        let committed = entries.is_empty()
            || {
                match self.journal.commit(&entries) {
                    Ok(_) => true,
                    Err(e) => {
                        tracing::error!(error = %e, "journal commit failed; rebuilding the queue from the journal");
                        false
                    }
                }
            };
        self.metrics
            .observe_commit(started.elapsed(), entries.len());
        let topics = self.publisher.topics().clone();
        let mut publishes = Vec::new();
        if committed {
            for (device, reply) in replies {
                publishes.push(Outgoing::new(topics.reply(&device), reply, false));
            }
            publishes.extend(self.calls(&events));
            if !events.is_empty() || presence_changed {
                publishes.extend(self.publisher.state(&self.engine, now, false));
            }
        } else {
            for key in cached {
                self.replies.remove(&key);
            }
            match rebuild(&self.config, &self.journal) {
                Ok(engine) => self.engine = engine,
                Err(e) => tracing::error!(error = %e, "cannot rebuild the queue from the journal"),
            }
            for (device, reply) in replies {
                let id = serde_json::from_str::<Reply>(&reply)
                    .ok()
                    .and_then(|r| r.id);
                let error = reply_error(id, now, ErrorCode::Internal);
                publishes.push(Outgoing::new(topics.reply(&device), error, false));
            }
        }
        self.metrics.set_queue(&self.engine);
        self.metrics
            .set_devices_online(self.publisher.devices_online());
        Output { publishes, acks }
    }

    /// One command: returns what to journal (nothing for a redelivery) and the reply.
    fn command(
        &mut self,
        device: &DeviceId,
        payload: &[u8],
        now: Timestamp,
        cached: &mut Vec<(DeviceId, String)>,
    ) -> (Option<Entry>, String) {
        let refusal = |id: Option<String>, info: ErrorInfo| Entry::Refusal {
            at: now,
            device: Some(device.clone()),
            command_id: id,
            code: info.code,
            detail: info.detail.clone().unwrap_or_default(),
            payload_bytes: payload.len(),
        };
        let env = match decode_command(payload) {
            Ok(env) => env,
            Err(u) => {
                self.metrics.refusals.inc();
                let info = u.error.to_info();
                let reply = reply_error(u.id.clone(), now, info.clone());
                return (Some(refusal(u.id.map(|i| i.to_string()), info)), reply);
            }
        };
        let id = env.id.clone();
        let Some(dev) = self.config.device(device).cloned() else {
            self.metrics.refusals.inc();
            let info = ErrorInfo::new(ErrorCode::UnknownDevice)
                .with_detail(format!("device {device} is not in hall.toml"));
            return (
                Some(refusal(Some(id.to_string()), info.clone())),
                reply_error(Some(id), now, info),
            );
        };
        if &env.device != device {
            self.metrics.refusals.inc();
            let info = ErrorInfo::new(ErrorCode::DeviceMismatch)
                .with_detail(format!("sent on {device}'s topic but names {}", env.device));
            return (
                Some(refusal(Some(id.to_string()), info.clone())),
                reply_error(Some(id), now, info),
            );
        }
        let key = (device.clone(), id.to_string());
        if let Some(reply) = self.replies.get(&key) {
            self.metrics.duplicates.inc();
            return (None, reply.clone());
        }
        match self.journal.reply_for(device, &id) {
            Ok(Some(reply)) => {
                self.metrics.duplicates.inc();
                return (None, reply);
            }
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "dedupe lookup failed"),
        }
        let kind = env.cmd.kind().to_string();
        let (ok, reply, events) = match self.decide(&dev, &env.cmd, &id, now) {
            Ok((reply, events)) => (Ok(()), reply, events),
            Err(info) => {
                self.metrics.refusals.inc();
                (
                    Err(info.code),
                    reply_error(Some(id.clone()), now, info),
                    Vec::new(),
                )
            }
        };
        if self.replies.len() >= REPLY_CACHE {
            self.replies.clear();
        }
        self.replies.insert(key.clone(), reply.clone());
        cached.push(key);
        let entry = Entry::Command {
            device: device.clone(),
            command_id: id,
            kind,
            at: now,
            ok,
            reply_json: reply.clone(),
            events,
        };
        (Some(entry), reply)
    }

    /// Plans and applies an accepted command; returns the reply and the events.
    fn decide(
        &mut self,
        dev: &crate::config::DeviceConfig,
        cmd: &hallq_proto::Command,
        id: &CommandId,
        now: Timestamp,
    ) -> Result<(String, Vec<Event>), ErrorInfo> {
        let p = plan(&self.config, dev, cmd, crate::secret::verify)?;
        if matches!(cmd, hallq_proto::Command::IssueTicket(_)) && !self.accepting_tickets(now) {
            return Err(ErrorInfo::new(ErrorCode::HallClosed));
        }
        if let (Some(want), Some(counter)) = (&p.rate_ticket, dev.counter) {
            let prompt = self
                .engine
                .counter_state(counter)
                .and_then(|c| c.awaiting_rating);
            if prompt.is_none_or(|r| &r.ticket != want) {
                return Err(ErrorInfo::new(ErrorCode::NothingToRate)
                    .with_detail("the pad's ticket is no longer awaiting a rating"));
            }
        }
        // A plan of several engine commands is all or nothing.
        let before = (p.commands.len() > 1).then(|| self.engine.clone());
        let mut events = Vec::new();
        for c in &p.commands {
            match self.engine.apply(c, now) {
                Ok(e) => events.extend(e),
                Err(e) => {
                    if let Some(engine) = before {
                        self.engine = engine;
                    }
                    return Err(ErrorInfo::new(e.code()).with_detail(e.to_string()));
                }
            }
        }
        let result = self.result(&p.reply, &events);
        Ok((Reply::ok(id.clone(), now, result).to_json(), events))
    }

    /// The reply's result, from the events the command produced.
    fn result(&self, shape: &ReplyShape, events: &[Event]) -> ReplyResult {
        let kinds = || events.iter().map(|e| &e.kind);
        match shape {
            ReplyShape::Ticket => kinds()
                .find_map(|k| match k {
                    EventKind::TicketIssued {
                        ticket,
                        visit,
                        number,
                        business,
                        priority,
                        ..
                    } => {
                        let b = self.engine.config().business(business);
                        let (people_ahead, estimated_wait_min) = self.engine.wait_of(ticket);
                        Some(ReplyResult::TicketIssued(TicketIssued {
                            ticket: ticket.clone(),
                            number: number.clone(),
                            visit: visit.clone(),
                            business: business.clone(),
                            business_name: b
                                .map(|b| b.name.clone())
                                .unwrap_or_else(|| hallq_proto::LocalText::new("", "")),
                            priority: *priority,
                            issued_at_ms: events.last().map_or(Timestamp(0), |e| e.at_ms),
                            people_ahead,
                            estimated_wait_min,
                            documents: b.map(|b| b.documents.clone()).unwrap_or_default(),
                        }))
                    }
                    _ => None,
                })
                .unwrap_or(ReplyResult::Done),
            ReplyShape::Called(counter) => {
                let called = kinds().find_map(|k| match k {
                    EventKind::TicketCalled { ticket, recall, .. } => {
                        Some((ticket.clone(), *recall))
                    }
                    _ => None,
                });
                match called.and_then(|(id, recall)| self.engine.ticket(&id).map(|t| (t, recall))) {
                    Some((t, recalls)) => ReplyResult::Called {
                        ticket: t.id.clone(),
                        number: t.number.clone(),
                        business: t.business.clone(),
                        priority: t.priority,
                        counter: *counter,
                        recalls,
                    },
                    None => ReplyResult::Done,
                }
            }
            ReplyShape::Counter(counter) => self
                .engine
                .counter_state(*counter)
                .map(|mut s| {
                    s.online = true;
                    ReplyResult::Counter(s)
                })
                .unwrap_or(ReplyResult::Done),
            ReplyShape::Recorded => ReplyResult::Recorded {
                visit: kinds().find_map(|k| k.visit().cloned()),
            },
            ReplyShape::Rated => kinds()
                .find_map(|k| match k {
                    EventKind::Rated { ticket, .. } => Some(ReplyResult::Rated {
                        ticket: ticket.clone(),
                    }),
                    _ => None,
                })
                .unwrap_or(ReplyResult::Done),
            ReplyShape::Complaint => kinds()
                .find_map(|k| {
                    let (id, resolved) = match k {
                        EventKind::ComplaintOpened {
                            complaint,
                            first_contact_due_ms,
                            due_ms,
                            ..
                        } => {
                            return Some(ReplyResult::Complaint {
                                complaint: complaint.clone(),
                                first_contact_due_ms: *first_contact_due_ms,
                                due_ms: *due_ms,
                                resolved: false,
                            });
                        }
                        EventKind::ComplaintUpdated { complaint, .. } => (complaint, false),
                        EventKind::ComplaintResolved { complaint, .. } => (complaint, true),
                        _ => return None,
                    };
                    let open = self.engine.open_complaints().get(id);
                    Some(ReplyResult::Complaint {
                        complaint: id.clone(),
                        first_contact_due_ms: open.map_or(Timestamp(0), |c| c.first_contact_due),
                        due_ms: open.map_or(Timestamp(0), |c| c.due),
                        resolved,
                    })
                })
                .unwrap_or(ReplyResult::Done),
            ReplyShape::Announcement => kinds()
                .find_map(|k| match k {
                    EventKind::AnnouncementPosted { announcement } => {
                        Some(ReplyResult::Announcement {
                            id: announcement.id.clone(),
                        })
                    }
                    EventKind::AnnouncementCleared { announcement } => {
                        Some(ReplyResult::Announcement {
                            id: announcement.clone(),
                        })
                    }
                    _ => None,
                })
                .unwrap_or(ReplyResult::Done),
            ReplyShape::Done => ReplyResult::Done,
        }
    }

    /// Call events for the voice, one per call or recall.
    fn calls(&self, events: &[Event]) -> Vec<Outgoing> {
        let topic = self.publisher.topics().call();
        events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::TicketCalled {
                    ticket,
                    counter,
                    recall,
                    ..
                } => {
                    let t = self.engine.ticket(ticket)?;
                    let call = CallEvent {
                        v: SCHEMA_VERSION,
                        ticket: ticket.clone(),
                        number: t.number.clone(),
                        business: t.business.clone(),
                        counter: *counter,
                        recall: *recall,
                        at_ms: e.at_ms,
                        speech: speech::call(&t.number, *counter),
                    };
                    Some(Outgoing::new(
                        topic.clone(),
                        serde_json::to_string(&call).unwrap_or_default(),
                        false,
                    ))
                }
                _ => None,
            })
            .collect()
    }

    /// A presence message: returns whether the device's liveness changed.
    fn presence(&mut self, device: &DeviceId, payload: &[u8]) -> Option<bool> {
        self.config.device(device)?;
        let online = match serde_json::from_slice::<Presence>(payload) {
            Ok(p) => p.status == Liveness::Online,
            Err(_) => false, // an empty (cleared) or unreadable presence: treat as gone
        };
        self.publisher.set_online(device, online).then_some(online)
    }

    /// Whether tickets are issued now: a day is open and it is within opening hours.
    fn accepting_tickets(&self, now: Timestamp) -> bool {
        let (_, minute) = time::local(now, self.config.hall.utc_offset_min);
        self.engine.is_open()
            && (self.config.hours.open.minutes()..self.config.hours.close.minutes())
                .contains(&minute)
    }

    /// Turns the business day when the daily reset has passed (the hub is the only clock).
    fn roll_day(&mut self, now: Timestamp, out: &mut Vec<Event>) {
        let today: BusinessDay = time::business_day(
            now,
            self.config.hall.utc_offset_min,
            self.config.hours.daily_reset.minutes(),
        );
        if self.engine.day() == Some(today) && self.engine.is_open() {
            return;
        }
        if self.engine.is_open() {
            match self.engine.apply(&Command::CloseDay, now) {
                Ok(e) => out.extend(e),
                Err(e) => tracing::error!(error = %e, "daily reset refused"),
            }
        }
        match self.engine.apply(&Command::OpenDay { day: today }, now) {
            Ok(e) => out.extend(e),
            Err(e) => tracing::error!(error = %e, "opening the day refused"),
        }
        tracing::info!(day = %today, "business day opened");
    }
}

fn entry_events(entry: &Entry) -> &[Event] {
    match entry {
        Entry::Command { events, .. } | Entry::Internal { events } => events,
        _ => &[],
    }
}

/// Today's queue, from the journal.
fn rebuild(config: &HallConfig, journal: &Journal) -> Result<Engine, WriterError> {
    let mut engine = Engine::new(config.queue.clone())?;
    for event in journal.replay()? {
        engine.replay(&event);
    }
    Ok(engine)
}
