//! The single writer: the only place that changes the queue and writes the journal.
//!
//! It runs on its own thread (STYLE.md: never hold a `rusqlite::Connection` across `.await`) and
//! takes the commands that arrived together as one batch:
//!
//! decode → check the device → dedupe by (device, command id) → flood limits → authorize and
//! plan → engine → **one journal commit for the whole batch** → replies, acknowledgements and
//! retained state.
//!
//! Personal data goes through here too (`crate::privacy`): a mobile number is sealed with the
//! hall's key and journaled in the same commit as its ticket or complaint, in the `personal`
//! table only; values whose retention has ended are purged at start and when the day turns.
//!
//! Nothing leaves the writer before its commit: the MQTT task publishes the replies and sends the
//! QoS 1 acknowledgements only from the [`Output`] of a committed batch. If a commit fails, the
//! engine is rebuilt from the journal and every command of the batch is answered `internal`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use hallq_journal::{AuditRecord, Durability, Entry, Journal, JournalError, PersonalKind, Sealed};
use hallq_proto::reply::TicketIssued;
use hallq_proto::state::{CallEvent, HubClock, Liveness, Presence, Storage};
use hallq_proto::{
    BusinessDay, CommandId, DeviceId, ErrorCode, ErrorInfo, Reply, ReplyResult, SCHEMA_VERSION,
    Timestamp, decode_command, speech, time,
};
use hallq_queue::{Command, Engine, Event, EventKind};

use crate::clock::{Clock, ClockNews, HeldClock};
use crate::config::{DurabilityLevel, HallConfig};
use crate::datadir::{FileIdentity, JOURNAL_FILE, check_journal_present, check_writable};
use crate::limits::{Lane, Limiter, PinGuard};
use crate::metrics::Metrics;
use crate::plan::{ReplyShape, plan};
use crate::privacy::{Vault, VaultError};
use crate::publish::{Outgoing, StatePublisher};
use crate::uplink::Floor;

mod decide;
mod inputs;
mod reply;
mod results;

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
    /// A payload on `…/cmd/{device}` that did not come the way commands must (QoS 1, not
    /// retained): refused, never executed. `token` is acknowledged after the commit.
    Misdelivered {
        /// The device of the topic.
        device: DeviceId,
        /// The payload, read only for its command id.
        payload: Vec<u8>,
        /// How it came.
        delivery: Delivery,
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
    /// The hub (re)connected to its broker: publish the hub's status and every retained state
    /// again. A broker that restarted may hold the hub's will (`offline`) or, after a crash, the
    /// state of its last save; only the hub knows the present.
    Republish,
    /// The link to headquarters changed (`crate::uplink`): `state/hub` says so.
    Uplink(hallq_proto::state::UplinkState),
    /// Headquarters' configuration documents as the uplink fetched them (`crate::hqconfig`):
    /// taken or refused against the live queue, and journaled either way (a revision decided
    /// already changes nothing).
    Config(crate::hqconfig::Offer),
    /// HQ's booking key for this hall as the uplink fetched it (`crate::booking::hqkey`).
    HqBookingKey(hallq_wire::HallBookingKey),
    /// hall.toml reloaded (SIGHUP): the devices, staff and green-channel codes of `config` hold
    /// from the next command on; `summary` says what changed, for the audit trail.
    Reload {
        /// The running configuration with the file's registry ([`crate::reload::Reload`]).
        config: Arc<HallConfig>,
        /// What changed.
        summary: String,
    },
    /// A customer's rating from the ticket's page on their phone (`crate::phone`): journaled
    /// as a command of the pages' own device id, once per command id, answered after the commit.
    PhoneRate(crate::phone::PhoneRate),
    /// One attempt to send a customer notice, from the sender (`crate::notify`): journaled as
    /// `notice_sent`, and a last failure shown to supervisors.
    Notice(crate::notify::Report),
    /// One attempt to send a resolved complaint's written result (`crate::complaint_sms`):
    /// journaled as `complaint_result_sent`.
    ComplaintResult(crate::complaint_sms::Report),
    /// A booking request from the booking page or API (`crate::booking`): decided in order
    /// with everything else, answered after the commit.
    Booking(crate::booking::Asked),
    /// A booking change from HQ, the hall's booking master (`crate::uplink::bookings`):
    /// journaled once under `hq-booking-<stream seq>`, told after the commit.
    HqBooking(crate::uplink::bookings::FromHq),
    /// "Tell me when my turn is near", chosen on a ticket's page (`crate::page_notice`):
    /// journaled as the customer's consent, answered after the commit.
    PhoneNotice(crate::phone::PhoneNotice),
}

/// How a command that must not be executed reached the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Published with QoS 0: the broker may lose it, or the hub may lose it before its commit,
    /// and no one would know. The device gets a `bad_delivery` reply.
    AtMostOnce,
    /// A retained message, handed over by the broker when the hub subscribed: whenever it was
    /// published, it is not a request of now. Refused with a reply unless its id was answered
    /// already (it came once as a live command).
    Retained,
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
    /// The personal-data key cannot be used.
    #[error("{0}")]
    Vault(#[from] VaultError),
    /// The journal is missing beside the data of an earlier one.
    #[error("{0}")]
    DataDir(#[from] crate::datadir::DataDirError),
}

/// The writer's state.
pub struct Writer {
    config: Arc<HallConfig>,
    /// Headquarters' configuration in force over hall.toml, and the last refusal.
    hq: crate::hqconfig::HqState,
    engine: Engine,
    journal: Journal,
    /// The hub's time: never before the journal's last event, never running backwards.
    clock: HeldClock,
    /// How far behind the system clock was, in whole minutes, as `state/hub` last said.
    clock_behind_min: Option<i64>,
    /// When `state/hub` says the hub's time again, on the monotonic count since `started`.
    clock_news: ClockNews,
    started: Instant,
    publisher: StatePublisher,
    metrics: Arc<Metrics>,
    /// Replies by (device, command id) for recent commands, so a redelivery is answered without
    /// a journal lookup. Misses fall back to the journal, which holds every reply ever sent.
    replies: HashMap<(DeviceId, String), String>,
    /// Seals personal data.
    vault: Vault,
    /// Flood limits per device.
    limiter: Limiter,
    /// Wrong PINs per staff number.
    pins: PinGuard,
    /// Tickets per (day, blind index of a number) given so far, read from the journal on a
    /// number's first ticket of the day.
    phone_tickets: HashMap<(BusinessDay, String), u32>,
    /// The business day personal data was last purged in.
    purged_in: Option<BusinessDay>,
    /// The journal file, and its identity when opened ([`Writer::journal_file_check`]).
    journal_file: (std::path::PathBuf, FileIdentity),
    /// Where the uplink learns of new events and the floor's counts; none without `[uplink]`.
    floor: Option<tokio::sync::watch::Sender<Floor>>,
    /// Whether the last commit failed: the log says so once when writing stops and once when
    /// it works again, not at every refused command.
    write_failing: bool,
    /// The live ticket pages' board and token key; none without `[phone]`.
    phone: Option<crate::phone::PhoneLink>,
    /// "Your turn is near", when `[notify]` is enabled ([`Writer::set_notifier`]).
    notifier: Option<crate::notify::Notifier>,
    /// Complaints' written results by SMS, when `[notify]` is enabled
    /// ([`Writer::set_result_sms`]).
    result_sms: Option<crate::complaint_sms::ResultSms>,
    /// The hall's book of appointments, with `[booking]`.
    keeper: Option<crate::booking::Keeper>,
    /// The register of inspections and corrections (`crate::inspect`).
    inspector: crate::inspect::Inspector,
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

/// The refusal of a command the journal had no room for: nothing of it was recorded. The code
/// stays `internal` (devices show the text); the words say what staff must do.
fn disk_full() -> ErrorInfo {
    ErrorInfo {
        code: ErrorCode::Internal,
        zh: "服务器磁盘已满，本次操作未记录，请联系工作人员".into(),
        en: "The hub's disk is full: this was not recorded; please ask staff.".into(),
        detail: Some("journal: disk full".into()),
    }
}

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
        let journal_path = config.hub.data_dir.join(JOURNAL_FILE);
        let key_path = config.privacy.key_path(&config.hub.data_dir);
        check_journal_present(&journal_path, &[&key_path], config.hub.new_journal)?;
        check_writable(&journal_path).map_err(crate::datadir::DataDirError::Unwritable)?;
        if config.hub.new_journal && !journal_path.exists() {
            tracing::warn!(path = %journal_path.display(), "starting a new journal, as asked (--new-journal) / 按要求新建日志");
        }
        let mut journal = Journal::open(&journal_path, durability)?;
        let journal_file = (journal_path.clone(), FileIdentity::of(&journal_path)?);
        // The hub is the hall's only clock: a system clock set back (a day, an hour) must not
        // close the day being served, reopen a past one, or hand out its ticket ids again. The
        // floor is the last event's time, read through the primary key: `max(at_ms)` has no index
        // and scanned a year's journal (1.3 M rows) at every start. The held clock keeps `at_ms`
        // in `seq` order, so the last event is the latest time the hub has given.
        let floor: Option<i64> = journal
            .connection()
            .query_row(
                "SELECT (SELECT at_ms FROM events ORDER BY seq DESC LIMIT 1)",
                [],
                |r| r.get(0),
            )
            .map_err(JournalError::from)?;
        let clock = HeldClock::new(clock, Timestamp(floor.unwrap_or(0)));
        let (vault, made) = Vault::open_or_create(&key_path)?;
        if made {
            tracing::info!(path = %key_path.display(), "made the personal-data key");
            journal.record_audit(&AuditRecord {
                at: clock.now(),
                actor: "hub".into(),
                action: "key_created".into(),
                subject: Some("personal".into()),
                detail:
                    "a new personal-data key; values sealed under an earlier one no longer open"
                        .into(),
            })?;
        }
        // Headquarters' configuration in force, from the journal, over hall.toml.
        let (hq, config) = crate::hqconfig::HqState::restore(config, &journal)?;
        let engine = rebuild(&config, &journal)?;
        let inspector = crate::inspect::Inspector::open(&config, &journal)?;
        let keeper = match &config.booking {
            Some(section) => {
                let rules = section.rules(&config).map_err(std::io::Error::other)?;
                let mut keeper = crate::booking::Keeper::open(rules, &journal, clock.now())?;
                crate::booking::hqkey::restore(&mut keeper, &vault, &config);
                crate::booking::switch::refresh(&mut keeper, &config, clock.now());
                Some(keeper)
            }
            None => None,
        };
        let mut publisher = StatePublisher::new(&config);
        publisher.set_hq_announcements(hq.announcements(config.hall.utc_offset_min));
        publisher.set_hq_config(hq.in_force(), hq.refusal());
        // Revisions keep growing across restarts: start above any this hub gave before.
        publisher.set_rev_floor(u64::try_from(clock.now().0).unwrap_or(0));
        let mut w = Self {
            config,
            hq,
            engine,
            journal,
            clock,
            clock_behind_min: None,
            clock_news: ClockNews::default(),
            started: Instant::now(),
            publisher,
            metrics,
            replies: HashMap::new(),
            vault,
            limiter: Limiter::default(),
            pins: PinGuard::default(),
            phone_tickets: HashMap::new(),
            purged_in: None,
            journal_file,
            floor: None,
            write_failing: false,
            phone: None,
            notifier: None,
            result_sms: None,
            keeper,
            inspector,
        };
        let now = w.clock.now();
        let mut events = Vec::new();
        w.roll_day(now, &mut events);
        let mut entries = Vec::new();
        if !events.is_empty() {
            entries.push(Entry::Internal { events });
        }
        w.purge_due(now, &mut entries);
        if !entries.is_empty() {
            w.journal.commit(&entries)?;
        }
        Ok(w)
    }

    /// Keeps the phone pages' board from now on, and gives tickets their page's URL (hall.toml
    /// has `[phone]` on).
    pub fn set_phone(&mut self, mut link: crate::phone::PhoneLink) {
        // The notices chosen on the pages today, taken up from the journal.
        match self.journal.replay() {
            Ok(events) => link.notices().restore(&events, &self.engine),
            Err(e) => tracing::error!(error = %e, "cannot read the pages' notices back"),
        }
        link.refresh(&self.engine, &self.config);
        self.phone = Some(link);
    }

    /// Rebuilds the phone pages' board if a batch changed it, after that batch's output went
    /// out (`more_waiting`: input is queued; see `PhoneLink::refresh_due`).
    pub fn refresh_phone(&mut self, more_waiting: bool) {
        if let Some(phone) = &mut self.phone {
            phone.refresh_due(&self.engine, &self.config, more_waiting);
        }
    }

    /// Tells the uplink of every batch from now on (hall.toml has `[uplink]`).
    pub fn set_floor(&mut self, floor: tokio::sync::watch::Sender<Floor>) {
        self.floor = Some(floor);
        self.tell_floor();
    }

    /// Runs "your turn is near" from now on: takes up today's watched tickets from the journal.
    pub fn set_notifier(
        &mut self,
        mut notifier: crate::notify::Notifier,
    ) -> Result<(), WriterError> {
        notifier.restore(&self.journal.replay()?, &self.engine);
        self.notifier = Some(notifier);
        Ok(())
    }

    /// After a committed batch: the notices its changes made due, each number unsealed for its
    /// own send only (never logged, never journaled). Returns whether the notices given up
    /// today changed (`state/hub` says so).
    fn notify_after(&mut self, events: &[Event], now: Timestamp) -> bool {
        let Some(mut n) = self.notifier.take() else {
            return false;
        };
        let (journal, vault) = (&self.journal, &self.vault);
        n.after_commit(
            events,
            &self.engine,
            &self.config.notify,
            &self.config.hall.name,
            now,
            |ticket| {
                let sealed = journal
                    .personal(PersonalKind::NoticePhone, ticket.as_str())
                    .inspect_err(|e| tracing::error!(error = %e, "cannot read a sealed number"))
                    .ok()??;
                vault
                    .open(&sealed)
                    .inspect_err(
                        |e| tracing::error!(error = %e, %ticket, "a sealed number does not open"),
                    )
                    .ok()
            },
        );
        let changed = self.publisher.set_notices(n.failures());
        self.notifier = Some(n);
        changed
    }

    /// The floor's counts and the journal's last seq to the uplink, if there is one and they
    /// changed. Only the `watch` is touched: the writer never waits for the uplink.
    fn tell_floor(&self) {
        let Some(tx) = &self.floor else { return };
        let last_seq = match self.journal.last_seq() {
            Ok(seq) => seq,
            Err(error) => {
                tracing::warn!(%error, "cannot read the journal's last seq for the uplink");
                return;
            }
        };
        let waiting = self
            .engine
            .tickets()
            .iter()
            .filter(|t| t.status == hallq_queue::TicketStatus::Waiting);
        let (count, oldest) = waiting.fold((0u32, None), |(n, oldest), t| {
            let oldest: Option<Timestamp> = match oldest {
                Some(o) if o <= t.issued_at => Some(o),
                _ => Some(t.issued_at),
            };
            (n.saturating_add(1), oldest)
        });
        let counters_open = self
            .engine
            .config()
            .counters
            .iter()
            .filter(|c| self.engine.counter_state(c.number).is_some_and(|s| s.open))
            .count();
        let floor = Floor {
            last_seq,
            day: self.engine.day().and_then(|d| i32::try_from(d.0).ok()),
            waiting: count,
            oldest_waiting: oldest,
            counters_open: u32::try_from(counters_open).unwrap_or(u32::MAX),
            devices_offline: u32::try_from(self.publisher.devices_offline()).unwrap_or(u32::MAX),
            config: self.hq.report(&self.config),
        };
        tx.send_if_modified(|was| {
            let changed = *was != floor;
            *was = floor;
            changed
        });
    }

    /// Everything a device needs at once: the hub online, the board, services and counters.
    pub fn initial_output(&mut self) -> Vec<Outgoing> {
        let now = self.clock.now();
        self.clock_behind_min = self.clock.behind_ms().map(|ms| ms / 60_000);
        let mut out = vec![self.hub_status(now)];
        out.extend(self.publisher.state(&self.engine, now, true));
        let inspections = self.inspector.state(&self.config, now);
        out.extend(self.publisher.inspections(inspections, now, true));
        out
    }

    /// Whether the journal file is still the one opened; `Err` says (in both languages) that it
    /// was deleted or replaced, and the hub must stop serving: SQLite would go on writing into a
    /// file nobody will open again.
    pub fn journal_file_check(&self) -> Result<(), String> {
        let (path, identity) = &self.journal_file;
        identity.check(path)
    }

    /// Whether the journal's files can still be written in place ([`check_writable`]); `Err`
    /// says why not (in both languages), and the hub must stop serving before SQLite writes
    /// its map of the file, which would kill it with SIGBUS.
    pub fn journal_writable_check(&self) -> Result<(), String> {
        check_writable(&self.journal_file.0)
    }

    /// The hub's retained status: online, with the hub's time and pace for the apps' clocks,
    /// and how far behind the system clock is, if it is.
    fn hub_status(&mut self, now: Timestamp) -> Outgoing {
        let (rate, mono) = (self.clock.rate(), self.mono_ms());
        self.clock_news.said(now, rate, mono);
        let clock = HubClock { now_ms: now, rate };
        tracing::debug!(
            now_ms = now.0,
            rate,
            mono_ms = mono,
            "state/hub says the hub's time"
        );
        self.publisher
            .hub_status_clock(Liveness::Online, Some(now), self.clock.behind_ms(), clock)
    }

    /// Real milliseconds since the writer started, for [`ClockNews`].
    fn mono_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// The book's view and rules for the booking page, with `[booking]`.
    pub fn booking_view(&self) -> Option<crate::booking::WebSide> {
        self.keeper
            .as_ref()
            .map(|k| (k.rules().clone(), k.view(), k.at_hq_view()))
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
        let mut republish = false;
        let mut uplink_changed = false;
        // Whether `state/inspections` may have changed: a tick (a checklist turns overdue by
        // the clock alone) or an inspection command.
        let mut inspections_due = false;
        // Ratings from the phone pages, answered once the batch is committed (or not).
        let mut phone_done = Vec::new();
        let mut hq_done = Vec::new();
        // Booking answers, sent once the batch is committed (or refused if it is not).
        let mut booking_answers = Vec::new();
        // The configuration before an HQ document was taken in this batch: restored if the
        // commit fails (the journal then does not say it was taken).
        let mut before: Option<(Arc<HallConfig>, crate::hqconfig::HqState)> = None;
        self.roll_day(now, &mut internal);
        crate::checkin::expect(self.keeper.as_ref(), &mut self.engine, now);
        self.purge_due(now, &mut entries);
        if let Some(n) = &mut self.notifier {
            internal.extend(n.take_pending());
        }
        if let Some(r) = &mut self.result_sms {
            internal.extend(r.take_pending());
        }
        if let Some(p) = &mut self.phone {
            internal.extend(p.notices().take_pending());
        }
        for input in inputs {
            match input {
                Input::Command {
                    device,
                    payload,
                    token,
                } => {
                    acks.push(token);
                    self.metrics.commands.inc();
                    let (written, reply) = self.command(&device, &payload, now, &mut cached);
                    entries.extend(written);
                    replies.push((device, reply));
                }
                Input::Misdelivered {
                    device,
                    payload,
                    delivery,
                    token,
                } => {
                    acks.push(token);
                    self.metrics.commands.inc();
                    let (written, reply) = self.misdelivered(&device, &payload, delivery, now);
                    entries.extend(written);
                    replies.extend(reply.map(|r| (device, r)));
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
                Input::Reload { config, summary } => {
                    let config = self.hq.rebase(config);
                    self.publisher.set_devices(&config);
                    self.config = config;
                    entries.push(Entry::Audit(AuditRecord {
                        at: now,
                        actor: "hub".into(),
                        action: "registry_reloaded".into(),
                        subject: None,
                        detail: summary,
                    }));
                    presence_changed = true;
                }
                Input::Config(offer) => {
                    if before.is_none() {
                        before = Some((Arc::clone(&self.config), self.hq.clone()));
                    }
                    internal.extend(self.take_config(&offer, now));
                }
                Input::HqBookingKey(offered) => entries.extend(crate::booking::hqkey::take(
                    self.keeper.as_mut(),
                    &self.vault,
                    &self.config,
                    &offered,
                    now,
                )),
                Input::PhoneRate(rate) => {
                    let (written, result) = self.phone_rate(&rate, now, &mut cached);
                    entries.extend(written);
                    phone_done.push((rate.done, result));
                }
                Input::Notice(report) => {
                    if let Some(n) = &mut self.notifier {
                        internal.push(n.report(report, now));
                    }
                }
                Input::ComplaintResult(report) => internal.push(report.event(now)),
                Input::Booking(asked) => {
                    let (answer, events) = self.booking(asked.request, now);
                    internal.extend(events);
                    booking_answers.push((asked.answer, answer));
                }
                Input::HqBooking(from) => {
                    entries.extend(self.hq_booking(&from, now, &mut cached));
                    hq_done.push(from.done);
                }
                Input::PhoneNotice(ask) => {
                    let (events, result) = match &self.phone {
                        Some(p) => {
                            p.consent(&ask.ticket, ask.lead, &self.engine, &self.config, now)
                        }
                        None => (Vec::new(), Err(hallq_phone::RateError::NotRateable)),
                    };
                    internal.extend(events);
                    phone_done.push((ask.done, result));
                }
                Input::Republish => republish = true,
                Input::Uplink(state) => uplink_changed |= self.publisher.set_uplink(state),
                Input::Tick => {
                    inspections_due = true;
                    match self.engine.apply(&Command::Tick, now) {
                        Ok(events) => internal.extend(events),
                        Err(e) => tracing::error!(error = %e, "tick refused"),
                    }
                    if let Some(keeper) = self.keeper.as_mut() {
                        let close = hallq_booking::BookingCommand::CloseWindows;
                        internal.extend(keeper.decide(now, &close).unwrap_or_default());
                        crate::booking::switch::refresh(keeper, &self.config, now);
                        internal.extend(crate::booking::handover::due(
                            keeper,
                            &self.journal,
                            &self.config,
                            now,
                        ));
                    }
                    self.limiter.forget_idle(now);
                }
            }
        }
        if !internal.is_empty() {
            entries.push(Entry::Internal { events: internal });
        }
        let events: Vec<Event> = entries.iter().flat_map(entry_events).cloned().collect();
        let started = Instant::now();
        // Why the batch could not be written, as its commands are told.
        let mut refusal = ErrorInfo::new(ErrorCode::Internal);
        let mut storage_changed = false;
        let committed = entries.is_empty()
            || match self.journal.commit(&entries) {
                Ok(_) => {
                    // A small commit can still fit in pages the journal already has while its
                    // disk is full: the status says "full" until the disk has room again, not
                    // on and off with each such commit (the console's notice flickered).
                    if !self.write_failing || disk_has_room(&self.journal_file.0) {
                        storage_changed |= self.publisher.set_storage(None);
                    }
                    if self.write_failing && disk_has_room(&self.journal_file.0) {
                        self.write_failing = false;
                        tracing::warn!(
                            "the journal is written again; the hub serves / 日志恢复写入，继续服务"
                        );
                    }
                    true
                }
                Err(e) => {
                    if e.is_disk_full() {
                        refusal = disk_full();
                    }
                    // The hub's status says so (supervisors' consoles show it) until a commit
                    // works again.
                    let storage = if e.is_disk_full() {
                        Storage::Full
                    } else {
                        Storage::Failing
                    };
                    storage_changed |= self.publisher.set_storage(Some(storage));
                    if !self.write_failing {
                        self.write_failing = true;
                        if e.is_disk_full() {
                            tracing::error!(
                                path = %self.journal_file.0.display(),
                                "journal disk full: every command is refused until space is freed on the journal's disk / 日志磁盘已满：释放空间前拒绝所有指令"
                            );
                        } else {
                            tracing::error!(error = %e, "journal commit failed; rebuilding the queue from the journal");
                        }
                    }
                    false
                }
            };
        self.metrics
            .observe_commit(started.elapsed(), entries.len());
        let topics = self.publisher.topics().clone();
        let mut publishes = Vec::new();
        if republish {
            // The status first: a device forgets old revisions when the hub turns online.
            publishes.push(self.hub_status(now));
        }
        if let Some(keeper) = self.keeper.as_mut() {
            if committed {
                crate::checkin::expect(Some(keeper), &mut self.engine, now);
                keeper.publish();
            } else if let Err(e) = keeper.reload(&self.journal, now) {
                tracing::error!(error = %e, "cannot rebuild the book from the journal");
            }
        }
        for done in hq_done {
            let _ = done.send(committed);
        }
        for (tx, answer) in booking_answers {
            let answer = if committed {
                answer
            } else {
                Err(crate::booking::Refused::Internal)
            };
            let _ = tx.send(answer);
        }
        if committed {
            for (device, reply) in replies {
                publishes.push(Outgoing::new(topics.reply(&device), reply, false));
            }
            publishes.extend(self.calls(&events));
            storage_changed |= self.notify_after(&events, now);
            self.results_after(&events, now);
            if let Some(p) = &mut self.phone {
                let stall = self.config.notify.stall_after_min;
                p.notices().after_commit(&events, &self.engine, stall, now);
            }
            // An HQ announcement's window opened or closed: no event says so.
            let hq_turned = self.publisher.hq_window_turned(now);
            if !events.is_empty() || presence_changed || republish || hq_turned {
                publishes.extend(self.publisher.state(&self.engine, now, republish));
            }
            inspections_due |= events
                .iter()
                .any(|e| matches!(e.kind, EventKind::Inspection { .. }));
            if inspections_due || republish {
                let state = self.inspector.state(&self.config, now);
                publishes.extend(self.publisher.inspections(state, now, republish));
            }
        } else {
            for key in cached {
                self.replies.remove(&key);
            }
            // Counts and purge marks may include what was not written: read them again.
            self.phone_tickets.clear();
            self.purged_in = None;
            if let Some((config, hq)) = before {
                self.config = config;
                self.hq = hq;
                self.publisher
                    .set_hq_announcements(self.hq.announcements(self.config.hall.utc_offset_min));
            }
            match rebuild(&self.config, &self.journal) {
                Ok(engine) => self.engine = engine,
                Err(e) => tracing::error!(error = %e, "cannot rebuild the queue from the journal"),
            }
            if let Err(e) = self.inspector.reload(&self.config, &self.journal) {
                tracing::error!(error = %e, "cannot rebuild the inspections from the journal");
            }
            for (device, reply) in replies {
                let id = serde_json::from_str::<Reply>(&reply)
                    .ok()
                    .and_then(|r| r.id);
                let error = reply_error(id, now, refusal.clone());
                publishes.push(Outgoing::new(topics.reply(&device), error, false));
            }
            if republish {
                publishes.extend(self.publisher.state(&self.engine, now, true));
            }
        }
        // The clock fell behind, caught up, or moved by a minute, the link to HQ changed, or the
        // journal stopped or started being written: consoles show it. The hub's time turned a
        // minute, jumped or changed pace: the apps' clocks follow it.
        let behind_min = self.clock.behind_ms().map(|ms| ms / 60_000);
        let (rate, mono) = (self.clock.rate(), self.mono_ms());
        let news = self.clock_news.due(now, rate, mono);
        // HQ's configuration in force changed (taken, or a failed commit put the last back).
        let hq_changed = self
            .publisher
            .set_hq_config(self.hq.in_force(), self.hq.refusal());
        if behind_min != self.clock_behind_min
            || uplink_changed
            || storage_changed
            || news
            || hq_changed
        {
            self.clock_behind_min = behind_min;
            publishes.push(self.hub_status(now));
        }
        if !entries.is_empty() || presence_changed {
            self.tell_floor();
        }
        if let Some(phone) = &mut self.phone
            && !entries.is_empty()
        {
            // Rebuilt after the output went out (`refresh_phone`), except before answering a
            // page's rating: the page that reloads then shows it.
            phone.touch();
            if !phone_done.is_empty() {
                phone.refresh(&self.engine, &self.config);
            }
        }
        for (done, result) in phone_done {
            let result = if committed {
                result
            } else {
                Err(hallq_phone::RateError::Unavailable(refusal.en.clone()))
            };
            let _ = done.send(result);
        }
        self.metrics.set_queue(&self.engine);
        self.metrics
            .set_devices_online(self.publisher.devices_online());
        Output { publishes, acks }
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

/// Whether the disk of `path` has room for the journal to grow again: at least 1 MiB free to
/// the hub's user. A disk that cannot be asked counts as having room (no stale notice).
fn disk_has_room(path: &std::path::Path) -> bool {
    const ROOM: u64 = 1 << 20;
    let dir = path.parent().unwrap_or(path);
    rustix::fs::statvfs(dir).map_or(true, |v| v.f_bavail.saturating_mul(v.f_frsize) >= ROOM)
}
