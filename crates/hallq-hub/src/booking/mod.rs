//! Appointments (预约) at a standalone hall: the hub holds the book (issue 15 §3,
//! docs/booking.md).
//!
//! The book itself is `hallq-booking`'s pure state machine. What this module adds:
//! - [`BookingSection`]: `[booking]` of hall.toml, mapped onto [`SlotRules`] with the hall's
//!   time zone and hours, and capacities set per business type or derived from the counters.
//! - [`Keeper`]: the writer's part. Booking requests reach the single writer like device
//!   commands and are decided there in arrival order, so two requests for a slot's last place
//!   can never both win; the events go into the same journal commit as everything else of the
//!   batch, and the book is rebuilt from the journal at start.
//! - [`hqkey`]: HQ's booking key for this hall, so that check-in by number finds HQ's bookings.
//! - [`switch`]: HQ's published `[booking]` (HQ as the master from a business day) laid over
//!   hall.toml's, and the master in force each day.
//! - [`handover`]: at that day, the hub's open bookings handed to HQ in its journal.
//! - [`otp`] and [`api`]: the one-time codes and the JSON API and booking page under `/book`,
//!   served on `[booking] listen` (the API's shapes and the page are hallq-booking's `web`).
//!
//! A mobile number never reaches the journal or the log: the writer turns it into the
//! [`PersonKey`], the vault's keyed hash in its own domain (`booking_person`), and the
//! one-time codes are kept in memory under a keyed hash of their own.

pub mod api;
pub mod handover;
pub mod hqkey;
pub mod otp;
pub mod switch;

use std::collections::BTreeMap;
use std::net::SocketAddr;

use hallq_booking::rules::capacity_from_staffing;
use hallq_booking::{Book, BookingCode, BookingCommand, BookingError, BookingEvent, SlotRules};
use hallq_journal::{Journal, JournalError};
use hallq_proto::{BusinessCode, BusinessDay, Phone, Timestamp, time};
use hallq_queue::{Event, EventKind};
use serde::Deserialize;

use crate::config::HallConfig;

/// `[booking]` of hall.toml. Without the section the hall takes no bookings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BookingSection {
    /// Where the booking page and API listen (`/book`); none: the book is kept, nothing serves
    /// it (the kiosk still checks in).
    pub listen: Option<SocketAddr>,
    /// A slot's length in minutes (default 30: the half-hour).
    pub slot_min: u32,
    /// Days ahead a slot can be booked; today is day 0 (default 7).
    pub horizon_days: u32,
    /// Bookings close this long before their slot (default 30 minutes).
    pub book_until_min: u32,
    /// Bookings one number may hold for one day (default 2).
    pub per_person_daily: u32,
    /// Weekdays the hall is closed, ISO (1 Monday … 7 Sunday).
    pub closed_weekdays: Vec<u8>,
    /// Closed days (public holidays), `YYYYMMDD`.
    pub closed_days: Vec<BusinessDay>,
    /// Bookings a slot takes, per business type.
    pub capacity: BTreeMap<BusinessCode, u32>,
    /// Business types not in `capacity` get a capacity from the staffing: this share (0 to 1)
    /// of the counter time of the counters serving them, at their assumed handling time.
    /// None: only the types in `capacity` are bookable.
    pub staffing_share: Option<f64>,
    /// A check-in is taken this long before the slot (default 60 minutes).
    pub early_min: u32,
    /// A check-in later than this after the slot's start is a walk-in (default 15 minutes).
    pub late_min: u32,
    /// The head start of a booked customer over walk-ins (default 10 minutes, at most 60).
    pub head_start_min: u32,
    /// One-time codes sent to one number per hour (default 5).
    pub otp_per_hour: u32,
    /// Wrong tries of one code before it is void (default 5).
    pub otp_attempts: u32,
    /// How long a one-time code holds, in seconds (default 300).
    pub otp_ttl_secs: u32,
    /// How one-time codes go out: `"sms"` (the default) through `[notify]`'s SMS channel,
    /// `"log"` only into the hub's log (the demo's; a hall's customers would get no code).
    pub otp: otp::OtpChoice,
    /// Who sells this hall's bookings: `"hub"` (the default, a standalone hall) or `"hq"`
    /// (headquarters; the hub's API then refuses with `409 booking_at_hq`, and the bookings
    /// come down from HQ over `[uplink]`, docs/booking.md "At HQ").
    pub master: Master,
    /// HQ's booking page for this hall, told to customers who ask the hub (with `master = "hq"`).
    pub hq_url: Option<String>,
    /// With `master = "hq"` from HQ's published document: the first business day HQ sells
    /// (the hub sells until it begins). Not a hall.toml key: there `master = "hq"` holds at once.
    #[serde(skip)]
    pub hq_from: Option<BusinessDay>,
}

/// Who holds a hall's book: one master per hall, never two.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Master {
    /// The hub (a standalone hall).
    #[default]
    Hub,
    /// Headquarters.
    Hq,
}

impl Default for BookingSection {
    fn default() -> Self {
        let rules = SlotRules::default();
        Self {
            listen: None,
            slot_min: rules.slot_min,
            horizon_days: rules.horizon_days,
            book_until_min: rules.book_until_min,
            per_person_daily: rules.per_person_daily,
            closed_weekdays: Vec::new(),
            closed_days: Vec::new(),
            capacity: BTreeMap::new(),
            staffing_share: None,
            early_min: rules.early_min,
            late_min: rules.late_min,
            head_start_min: rules.head_start_min,
            otp_per_hour: 5,
            otp_attempts: 5,
            otp_ttl_secs: 300,
            otp: otp::OtpChoice::Sms,
            master: Master::Hub,
            hq_url: None,
            hq_from: None,
        }
    }
}

impl BookingSection {
    /// HQ's booking page if HQ sells the hall's bookings on business day `day`; none while the
    /// hub sells them.
    pub fn at_hq_on(&self, day: BusinessDay) -> Option<String> {
        (self.master == Master::Hq && self.hq_from.is_none_or(|from| day >= from))
            .then(|| self.hq_url.clone().unwrap_or_default())
    }

    /// The rules of the hall's book: this section with the hall's time zone, hours and counters.
    pub fn rules(&self, config: &HallConfig) -> Result<SlotRules, String> {
        let mut capacity = self.capacity.clone();
        for code in capacity.keys() {
            if config.queue.business.iter().all(|b| &b.code != code) {
                return Err(format!(
                    "[booking] capacity names unknown business type {code} / 预约容量中的业务类型不存在"
                ));
            }
        }
        if let Some(share) = self.staffing_share {
            if !(0.0..=1.0).contains(&share) {
                return Err(
                    "[booking] staffing_share must be 0 to 1 / staffing_share 应在 0 到 1 之间"
                        .into(),
                );
            }
            for b in &config.queue.business {
                if capacity.contains_key(&b.code) {
                    continue;
                }
                let counters = config
                    .queue
                    .counters
                    .iter()
                    .filter(|c| c.skills.contains(&b.code))
                    .count();
                let handling_min = f64::from(b.default_handling_secs()) / 60.0;
                let derived =
                    capacity_from_staffing(counters as f64, handling_min, self.slot_min, share);
                if derived > 0 {
                    capacity.insert(b.code.clone(), derived);
                }
            }
        }
        let rules = SlotRules {
            utc_offset_min: config.hall.utc_offset_min,
            slot_min: self.slot_min,
            open_min: config.hours.open.minutes(),
            close_min: config.hours.close.minutes(),
            horizon_days: self.horizon_days,
            book_until_min: self.book_until_min,
            per_person_daily: self.per_person_daily,
            closed_weekdays: self.closed_weekdays.clone(),
            closed_days: self.closed_days.clone(),
            capacity,
            early_min: self.early_min,
            late_min: self.late_min,
            head_start_min: self.head_start_min,
        };
        rules
            .validate()
            .map_err(|e| format!("[booking] {e} / 预约规则无效"))?;
        if self.otp_per_hour == 0 || self.otp_attempts == 0 || self.otp_ttl_secs < 60 {
            return Err("[booking] otp_per_hour and otp_attempts must be at least 1, otp_ttl_secs at least 60 / 验证码设置无效".into());
        }
        if self.master == Master::Hq {
            let url_ok = self.hq_url.as_deref().is_some_and(|u| {
                (u.starts_with("https://") || u.starts_with("http://"))
                    && !u.contains(char::is_whitespace)
            });
            if !url_ok || config.uplink.is_none() {
                return Err("[booking] master = \"hq\" needs hq_url (HQ's booking page, https://…) and [uplink] / 总部预约须配置 hq_url（总部预约页地址）和 [uplink]".into());
            }
        }
        // Codes are sent only where the page and API are served, and only by the master.
        if self.listen.is_some() && self.master == Master::Hub {
            self.otp_sender(config)?;
        }
        Ok(rules)
    }
}

impl BookingSection {
    /// The one-time codes' sender `otp` chooses: for `"sms"`, `[notify]`'s SMS channel, which
    /// must then be configured (`[notify]` need not be `enabled`: the codes use its gateway
    /// only).
    pub fn otp_sender(&self, config: &HallConfig) -> Result<Box<dyn otp::OtpSender>, String> {
        Ok(match self.otp {
            otp::OtpChoice::Sms => {
                let channel = config.notify.sms_channel().map_err(|e| {
                    format!(
                        "[booking] otp = \"sms\" (the default) sends the codes through [notify]'s SMS channel, which is not usable: {e} / 预约验证码经短信通道发送，须配置 [notify] 的短信通道（或演示时设 otp = \"log\"）"
                    )
                })?;
                Box::new(otp::SmsOtpSender::new(
                    channel,
                    config.hall.name.zh.clone(),
                    self.otp_ttl_secs,
                ))
            }
            otp::OtpChoice::Log => Box::new(otp::LogOtpSender),
        })
    }
}

/// The device id HQ's booking changes are journaled under (`hq-booking-<stream seq>` their
/// command ids): with the journal's UNIQUE (device, command id), each change is applied once.
pub const HQ_DEVICE: &str = "hq-booking";

/// [`HQ_DEVICE`] as a device id.
pub fn hq_device() -> hallq_proto::DeviceId {
    hallq_proto::DeviceId::new(HQ_DEVICE).unwrap_or_else(|_| unreachable!("a topic-safe literal"))
}

/// What a booking page or the kiosk asks of the writer. The number travels in memory only: the
/// writer makes the person's key from it and forgets it.
#[derive(Debug)]
pub enum Request {
    /// Book a slot.
    Book {
        /// Who.
        phone: Phone,
        /// The business type.
        business: BusinessCode,
        /// The day.
        day: BusinessDay,
        /// The slot's start, local minutes.
        start_min: u32,
    },
    /// Move a booking.
    Change {
        /// The booking.
        code: BookingCode,
        /// Its holder's number.
        phone: Phone,
        /// The new day.
        day: BusinessDay,
        /// The new slot.
        start_min: u32,
    },
    /// Cancel a booking.
    Cancel {
        /// The booking.
        code: BookingCode,
        /// Its holder's number.
        phone: Phone,
    },
}

/// Why the writer did not do a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The book's rules refused it.
    #[error("{0}")]
    Book(#[from] BookingError),
    /// The hall takes no bookings.
    #[error("the hall takes no bookings")]
    Off,
    /// HQ sells this hall's bookings (on its page, the URL).
    #[error("the hall's bookings are made at HQ")]
    AtHq(String),
    /// The journal could not keep it: nothing was booked.
    #[error("the hub could not record it")]
    Internal,
}

/// What the writer answers: the booking as it stands after the request.
pub type Answer = Result<hallq_booking::Booking, Refused>;

/// A request with where its answer goes (after the journal commit).
#[derive(Debug)]
pub struct Asked {
    /// The request.
    pub request: Request,
    /// Its answer.
    pub answer: tokio::sync::oneshot::Sender<Answer>,
}

/// What the web side reads of the writer's book: the rules, the book as last committed, and
/// HQ's booking page while HQ sells (see [`Keeper::at_hq_view`]).
pub type WebSide = (
    SlotRules,
    tokio::sync::watch::Receiver<std::sync::Arc<Book>>,
    tokio::sync::watch::Receiver<Option<String>>,
);

/// The writer's part: the rules, the book, and the view the web side reads.
#[derive(Debug)]
pub struct Keeper {
    rules: SlotRules,
    book: Book,
    view: tokio::sync::watch::Sender<std::sync::Arc<Book>>,
    /// HQ's booking key for this hall, once HQ handed it down ([`hqkey`]): HQ's bookings know
    /// their customer by a hash under it.
    hq_key: Option<hqkey::HqKey>,
    /// HQ's booking page while HQ sells this hall's bookings (the web side refuses with
    /// `409 booking_at_hq` naming it); none while the hub sells. Set by [`switch::refresh`].
    at_hq: tokio::sync::watch::Sender<Option<String>>,
    /// Whether the journal holds the hub's `booking_handover` ([`handover`]); none: not asked
    /// since the start or a failed commit.
    handed_over: Option<bool>,
}

impl Keeper {
    /// The book of `rules` from the journal: every booking event of the days that can still
    /// matter (those of the horizon before today, whose slots may be today or later).
    pub fn open(rules: SlotRules, journal: &Journal, now: Timestamp) -> Result<Self, JournalError> {
        let today = time::local(now, rules.utc_offset_min).0;
        let (y, m, d) =
            time::civil_from_days(time::day_number(today) - i64::from(rules.horizon_days) - 1);
        let from = BusinessDay(u32::try_from(y * 10_000).unwrap_or(0) + m * 100 + d);
        let mut book = Book::new();
        for event in booking_events(journal, from)? {
            book.apply(&event);
        }
        let (view, _) = tokio::sync::watch::channel(std::sync::Arc::new(book.clone()));
        Ok(Self {
            rules,
            book,
            view,
            hq_key: None,
            at_hq: tokio::sync::watch::channel(None).0,
            handed_over: None,
        })
    }

    /// HQ's booking page while HQ sells this hall's bookings.
    pub fn at_hq(&self) -> Option<String> {
        self.at_hq.borrow().clone()
    }

    /// The same, as the web side reads it.
    pub fn at_hq_view(&self) -> tokio::sync::watch::Receiver<Option<String>> {
        self.at_hq.subscribe()
    }

    /// Says who sells from now on; returns whether that changed.
    pub fn set_at_hq(&mut self, at_hq: Option<String>) -> bool {
        self.at_hq.send_if_modified(|now| {
            let changed = *now != at_hq;
            *now = at_hq;
            changed
        })
    }

    /// HQ's booking key for this hall in force, if any.
    pub fn hq_key(&self) -> Option<&hqkey::HqKey> {
        self.hq_key.as_ref()
    }

    /// Puts HQ's booking key in force.
    pub fn set_hq_key(&mut self, key: Option<hqkey::HqKey>) {
        self.hq_key = key;
    }

    /// The rules.
    pub fn rules(&self) -> &SlotRules {
        &self.rules
    }

    /// The book as the web side reads it, updated after each commit.
    pub fn view(&self) -> tokio::sync::watch::Receiver<std::sync::Arc<Book>> {
        self.view.subscribe()
    }

    /// Decides a command and applies its events; the caller journals them.
    pub fn decide(
        &mut self,
        now: Timestamp,
        command: &BookingCommand,
    ) -> Result<Vec<Event>, BookingError> {
        let events = self.book.decide(&self.rules, now, command)?;
        for e in &events {
            self.book.apply(e);
        }
        Ok(events
            .into_iter()
            .map(|booking| Event {
                at_ms: now,
                kind: EventKind::Booking { booking },
            })
            .collect())
    }

    /// A change from HQ, the hall's booking master: the `booking` events that bring the book to
    /// HQ's state (none if it is there already), applied; the caller journals them.
    pub fn take_from_hq(
        &mut self,
        change: &hallq_booking::MasterChange,
        now: Timestamp,
    ) -> Vec<Event> {
        let events = change.events(&self.book);
        for e in &events {
            self.book.apply(e);
        }
        events
            .into_iter()
            .map(|booking| Event {
                at_ms: now,
                kind: EventKind::Booking { booking },
            })
            .collect()
    }

    /// A booking by code.
    pub fn get(&self, code: &BookingCode) -> Option<&hallq_booking::Booking> {
        self.book.get(code)
    }

    /// The book as the writer has it (check-in looks bookings up by the person's key).
    pub fn book(&self) -> &Book {
        &self.book
    }

    /// What `command` would make happen at `now`, without applying it: check-in applies the
    /// events ([`Keeper::apply`]) only once the queue has issued the ticket.
    pub fn check(
        &self,
        now: Timestamp,
        command: &BookingCommand,
    ) -> Result<Vec<BookingEvent>, BookingError> {
        self.book.decide(&self.rules, now, command)
    }

    /// The booked customers still to come at `now`, for the queue's wait estimates: bookings
    /// still `booked` (not checked in, cancelled or no-show) whose window has not closed and
    /// whose queue time has come.
    pub fn expected(&self, now: Timestamp) -> hallq_queue::Expected {
        let r = &self.rules;
        let from = now.plus_secs(-i64::from(r.late_min + r.head_start_min) * 60);
        let to = now.plus_secs(1);
        let queue_at = r
            .capacity
            .keys()
            .map(|b| (b.clone(), self.book.due_times(r, b, from, to)))
            .filter(|(_, times)| !times.is_empty())
            .collect();
        hallq_queue::Expected { at: now, queue_at }
    }

    /// Applies events decided by [`Keeper::check`]; the caller journals them.
    pub fn apply(&mut self, events: &[BookingEvent]) {
        for e in events {
            self.book.apply(e);
        }
    }

    /// After a commit: the web side sees the book as journaled.
    pub fn publish(&self) {
        self.view
            .send_replace(std::sync::Arc::new(self.book.clone()));
    }

    /// After a failed commit: the book as the journal has it.
    pub fn reload(&mut self, journal: &Journal, now: Timestamp) -> Result<(), JournalError> {
        let fresh = Self::open(self.rules.clone(), journal, now)?;
        self.book = fresh.book;
        // The batch that failed may have held the handover.
        self.handed_over = None;
        Ok(())
    }
}

/// The page and API's state, with a task that hands their requests to the writer. It holds
/// only a weak handle on the writer's input, so the writer still stops when the hub's own
/// handles drop. `Err`: the one-time codes' sender cannot be made (in Chinese and English).
pub fn start<T: Send + 'static>(
    config: &HallConfig,
    rules: SlotRules,
    view: tokio::sync::watch::Receiver<std::sync::Arc<Book>>,
    at_hq: tokio::sync::watch::Receiver<Option<String>>,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    writer: &tokio::sync::mpsc::Sender<crate::writer::Input<T>>,
) -> Result<std::sync::Arc<api::Api>, String> {
    let section = config.booking.clone().unwrap_or_default();
    let sender: Box<dyn otp::OtpSender> = match section.master {
        Master::Hub => section.otp_sender(config)?,
        // HQ sends the codes; the hub's API refuses before any is asked.
        Master::Hq => Box::new(otp::LogOtpSender),
    };
    if section.otp == otp::OtpChoice::Log && section.master == Master::Hub {
        tracing::warn!(
            "[booking] otp = \"log\": one-time codes go only to this log, no SMS is sent (demo only) / 验证码仅写入日志，不发短信（仅供演示）"
        );
    }
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Asked>(1024);
    let writer = writer.downgrade();
    tokio::spawn(async move {
        while let Some(asked) = rx.recv().await {
            let Some(writer) = writer.upgrade() else {
                return;
            };
            if let Err(lost) = writer.send(crate::writer::Input::Booking(asked)).await
                && let crate::writer::Input::Booking(asked) = lost.0
            {
                let _ = asked.answer.send(Err(Refused::Internal));
            }
        }
    });
    let business = config
        .queue
        .business
        .iter()
        .filter(|b| rules.capacity_of(&b.code).is_some())
        .map(|b| (b.code.clone(), b.name.clone()))
        .collect();
    Ok(std::sync::Arc::new(api::Api {
        rules,
        hall: config.hall.name.clone(),
        business,
        clock,
        view,
        writer: tx,
        otp: otp::OtpGuard::new(otp::OtpLimits {
            per_hour: section.otp_per_hour,
            attempts: section.otp_attempts,
            ttl_secs: section.otp_ttl_secs,
        }),
        sender,
        at_hq,
    }))
}

/// The booking events journaled since business day `from` (the `events_day` index), in order.
fn booking_events(journal: &Journal, from: BusinessDay) -> Result<Vec<BookingEvent>, JournalError> {
    let mut stmt = journal.connection().prepare(
        "SELECT body FROM events WHERE (day >= ?1 OR day IS NULL) AND type = 'booking' ORDER BY seq",
    )?;
    let rows = stmt.query_map([from.0], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        let body = row?;
        match serde_json::from_str::<Event>(&body) {
            Ok(Event {
                kind: EventKind::Booking { booking },
                ..
            }) => out.push(booking),
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "a booking event of the journal does not read"),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::HallConfig;

    const HALL: &str = "[hall]\nid = \"demo\"\nname = { zh = \"演示厅\", en = \"Demo\" }\n\
                        [booking]\nlisten = \"127.0.0.1:0\"\ncapacity = { basic = 1 }\n";

    fn check(rest: &str) -> Result<(), String> {
        let c = HallConfig::parse(&format!("{HALL}{rest}"))?;
        c.booking
            .as_ref()
            .map_or(Ok(()), |b| b.rules(&c).map(|_| ()))
    }

    #[test]
    fn codes_go_by_sms_unless_the_demo_sender_is_chosen_and_sms_needs_a_gateway() {
        let err = check("").unwrap_err();
        assert!(
            err.contains("otp = \"sms\"")
                && err.contains("[notify.smpp]")
                && err.contains("须配置"),
            "{err}"
        );
        check("otp = \"log\"\n").unwrap();
        check(
            "[notify]\nchannel = \"webhook\"\n[notify.webhook]\nurl = \"http://127.0.0.1:9/sms\"\n",
        )
        .unwrap();
        // With HQ as master the hub sends no codes: no channel needed, but HQ's page and a link.
        let err = check("master = \"hq\"\n").unwrap_err();
        assert!(err.contains("hq_url") && err.contains("总部"), "{err}");
        check(
            "master = \"hq\"\nhq_url = \"https://hq.example/book/demo\"\n[uplink]\nservers = [\"nats://127.0.0.1:4222\"]\n",
        )
        .unwrap();
        let err = check("otp = \"email\"\n").unwrap_err();
        assert!(err.contains("email"), "{err}");
    }
}
