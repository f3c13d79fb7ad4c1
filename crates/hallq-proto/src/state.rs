//! Retained state, published by the hub so that a device that (re)connects sees the present at
//! once; the call event; and device presence.
//!
//! Every retained message carries a revision (`rev`) that only grows while the hub runs, so a
//! device can drop a stale message that arrives late.

use serde::{Deserialize, Serialize};

use crate::SCHEMA_VERSION;
use crate::ids::{
    AnnouncementId, BusinessCode, BusinessDay, ComplaintId, CounterNo, DeviceId, HallId, StaffNo,
    TicketId, TicketNo, Timestamp, VisitId,
};
use crate::vocab::{BusinessClass, ComplaintCategory, LocalText, PauseReason, Priority};

/// The wall display's board, on `…/state/board` (retained).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    /// Schema version.
    pub v: u32,
    /// Grows with every change.
    pub rev: u64,
    /// When it was published.
    pub at_ms: Timestamp,
    /// The hall.
    pub hall: HallId,
    /// The hall's name, for the display's header.
    pub hall_name: LocalText,
    /// The business day shown.
    pub business_day: BusinessDay,
    /// Whether tickets are being issued.
    pub open: bool,
    /// The latest calls, newest first (the display shows the first ones large).
    pub calls: Vec<CallEntry>,
    /// Waiting count and estimated wait per business type.
    pub queues: Vec<QueueInfo>,
    /// Temporary announcements in effect: red background, white text.
    pub announcements: Vec<Announcement>,
    /// Maintenance notices (a kiosk offline, a counter dropped).
    pub notices: Vec<Notice>,
    /// How many of the hall's registered kiosks are online now (0 in a hall without kiosks);
    /// absent from a hub before this field. A kiosk's maintenance notice concerns the whole hall
    /// only when no kiosk can issue tickets: the wall display shows it only then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kiosks_online: Option<u32>,
}

/// One call on the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallEntry {
    /// The number called.
    pub number: TicketNo,
    /// The counter it was called to.
    pub counter: CounterNo,
    /// Its business type.
    pub business: BusinessCode,
    /// When (the latest recall's time for a recall).
    pub at_ms: Timestamp,
    /// 0 for the first call, then 1, 2 … for recalls.
    pub recall: u32,
}

/// One business type's queue on the board and the kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueInfo {
    /// The business type.
    pub business: BusinessCode,
    /// Its name.
    pub name: LocalText,
    /// Its ticket prefix.
    pub prefix: String,
    /// Tickets waiting.
    pub waiting: u32,
    /// Estimated minutes for a ticket taken now; `null` when no counter serves it now.
    pub estimated_wait_min: Option<u32>,
    /// Counters open that serve it.
    pub counters_open: u32,
}

/// A temporary announcement (DOMAIN.md: business changes, system upgrades).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Announcement {
    /// Its id.
    pub id: AnnouncementId,
    /// The text.
    pub text: LocalText,
    /// When it takes effect.
    pub starts_at_ms: Timestamp,
    /// When it ends; `null` for the end of the day.
    pub ends_at_ms: Option<Timestamp>,
    /// Where to ask.
    pub where_to_ask: Option<LocalText>,
}

/// A notice the hub raises by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// What it is about.
    pub kind: NoticeKind,
    /// The device concerned.
    pub device: Option<DeviceId>,
    /// The counter concerned.
    pub counter: Option<CounterNo>,
    /// The words shown.
    pub text: LocalText,
}

/// Kinds of notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// A kiosk or self-service device is offline: DOMAIN.md's maintenance notice.
    DeviceMaintenance,
    /// A counter's terminal dropped off the network.
    CounterOffline,
}

impl NoticeKind {
    /// The words DOMAIN.md prescribes for a device under maintenance.
    pub fn maintenance_text() -> LocalText {
        LocalText::new(
            "设备维护中，如需办理业务请至人工窗口或联系工作人员",
            "Device under maintenance; please go to a staffed counter or ask staff.",
        )
    }
}

/// One counter's state, on `…/state/counter/{no}` (retained). The counter terminal, its LED
/// strip and its evaluator all read this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CounterState {
    /// Schema version.
    pub v: u32,
    /// Grows with every change of this counter.
    pub rev: u64,
    /// The counter.
    pub counter: CounterNo,
    /// Its name ("3 号窗口").
    pub name: LocalText,
    /// The business types it serves, in order of preference.
    pub skills: Vec<BusinessCode>,
    /// Whether it is open for calling.
    pub open: bool,
    /// The clerk signed in.
    pub staff: Option<StaffNo>,
    /// Whether its terminal is connected.
    pub online: bool,
    /// What it is doing.
    pub activity: Activity,
    /// Set after a finish while the evaluator waits for the customer's rating.
    pub awaiting_rating: Option<RatingPrompt>,
    /// Tickets sent to this counter by transfer, waiting for it.
    pub directed_waiting: u32,
    /// Tickets finished here today.
    pub served_today: u32,
    /// Today's figures of the clerk signed in (over every counter they worked today), for the
    /// terminal's "today" panel; absent while nobody is signed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clerk_today: Option<ClerkToday>,
}

/// A clerk's figures for the business day so far (DOMAIN.md's staff KPIs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClerkToday {
    /// Services finished.
    pub served: u32,
    /// Their handling time in all, in seconds (average = this / `served`).
    pub handling_secs: u64,
    /// Of them, finished within their business type's time limit.
    pub within_limit: u32,
    /// Ratings given.
    pub rated: u32,
    /// Of them, 满意 or 非常满意.
    pub satisfied: u32,
}

impl CounterState {
    /// A closed counter with nobody signed in.
    pub fn closed(counter: CounterNo, name: LocalText, skills: Vec<BusinessCode>) -> Self {
        Self {
            v: SCHEMA_VERSION,
            rev: 0,
            counter,
            name,
            skills,
            open: false,
            staff: None,
            online: false,
            activity: Activity::Idle,
            awaiting_rating: None,
            directed_waiting: 0,
            served_today: 0,
            clerk_today: None,
        }
    }
}

/// What a counter is doing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Activity {
    /// Waiting for the clerk to call.
    Idle,
    /// Paused.
    Paused {
        /// Why.
        reason: PauseReason,
        /// Since when.
        since_ms: Timestamp,
    },
    /// A ticket is being called; the customer has not arrived yet.
    Calling(TicketAtCounter),
    /// A customer is being served.
    Serving {
        /// The ticket.
        #[serde(flatten)]
        ticket: TicketAtCounter,
        /// When service started.
        since_ms: Timestamp,
        /// The handling-time limit in minutes for this business type.
        limit_min: u32,
        /// Whether the service waits on the back office (touchpoint 13).
        back_office: bool,
    },
}

/// The ticket a counter is calling or serving.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketAtCounter {
    /// The ticket.
    pub ticket: TicketId,
    /// Its number.
    pub number: TicketNo,
    /// Its business type.
    pub business: BusinessCode,
    /// Its priority.
    pub priority: Priority,
    /// When it was (last) called.
    pub called_at_ms: Timestamp,
    /// Recalls so far.
    pub recalls: u32,
    /// A transfer note from the previous clerk.
    pub note: Option<String>,
}

/// The evaluator's prompt after a finish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingPrompt {
    /// The ticket to rate.
    pub ticket: TicketId,
    /// Its number.
    pub number: TicketNo,
    /// When the prompt times out.
    pub until_ms: Timestamp,
}

/// The services on offer, on `…/state/services` (retained): what the kiosk's welcome screen shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Services {
    /// Schema version.
    pub v: u32,
    /// Grows with every change.
    pub rev: u64,
    /// When it was published.
    pub at_ms: Timestamp,
    /// Whether tickets are being issued.
    pub open: bool,
    /// The hall's name, for the printout's header.
    pub hall_name: LocalText,
    /// The business types, in the order the kiosk shows them.
    pub services: Vec<ServiceInfo>,
    /// When tickets are issued (hall.toml `[hours]`), for the kiosk's "not issuing" screen;
    /// absent from a hub before it was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<OpeningHours>,
    /// Whether the hall takes appointments (hall.toml `[booking]`): the kiosk then offers
    /// check-in. Absent (false) from a hub before it was added.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub booking: bool,
    /// The hall's value tiers (hall.toml `[[queue.tiers]]`), for the greeter's tier picker: a
    /// level and its staff-facing name, never a customer's tier. Absent when the hall has none
    /// (and from a hub before it was added).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<TierChoice>,
}

/// A value tier a greeter may set on a ticket (`issue_ticket`'s `tier`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierChoice {
    /// Its level, as `issue_ticket` names it.
    pub level: u8,
    /// Its name, for staff only.
    pub name: LocalText,
}

/// When the hall issues tickets, in hall-local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningHours {
    /// The first ticket of the day, `HH:MM`.
    pub open: String,
    /// The last ticket, `HH:MM` (`24:00` for midnight).
    pub close: String,
}

/// One business type on offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    /// Its code.
    pub business: BusinessCode,
    /// Its name.
    pub name: LocalText,
    /// Its ticket prefix.
    pub prefix: String,
    /// Its class.
    pub class: BusinessClass,
    /// Tickets waiting.
    pub waiting: u32,
    /// Estimated minutes for a ticket taken now.
    pub estimated_wait_min: Option<u32>,
    /// Counters open that serve it.
    pub counters_open: u32,
    /// The handling-time limit in minutes.
    pub limit_min: u32,
    /// Documents to have ready (one-time notification).
    pub documents: Vec<LocalText>,
    /// How to get each document of `documents` that a customer lacks (hall.toml
    /// `document_help`), by position, `null` where the hall says nothing: the counter prints it
    /// under the document on the list of documents still needed (《补充材料清单》). Empty when the
    /// hall gives no help for any document, and absent from a hub before it was added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub document_help: Vec<Option<LocalText>>,
    /// The self-service or app alternative offered first (channel diversion), if any.
    pub self_service: Option<LocalText>,
}

impl ServiceInfo {
    /// How to get the document at `i` of `documents`, when the hall says.
    pub fn help(&self, i: usize) -> Option<&LocalText> {
        self.document_help.get(i).and_then(Option::as_ref)
    }
}

/// The open complaint cases, on `…/state/complaints` (retained): the supervisor's and the
/// counters' countdowns to DOMAIN.md's limits (first contact within 2 h; a solution within 24 h
/// for a general case, progress feedback within 72 h for a complex one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaints {
    /// Schema version.
    pub v: u32,
    /// Grows with every change.
    pub rev: u64,
    /// When it was published.
    pub at_ms: Timestamp,
    /// The open cases, by id (`K{day}-{n}`: the order they were opened).
    pub cases: Vec<ComplaintCase>,
    /// The call-backs owed for consultations not answered on the spot, oldest first.
    #[serde(default)]
    pub callbacks: Vec<CallbackCase>,
    /// Resolved cases whose written result's SMS failed for good (issue 16 §2): the supervisor
    /// calls the customer, or asks for `complaint_result_resend` while the number is sealed.
    /// Additive: absent while there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undelivered: Vec<UndeliveredResult>,
}

/// A written result the customer did not get by SMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndeliveredResult {
    /// The case (resolved).
    pub complaint: ComplaintId,
    /// When the last attempt failed.
    pub failed_at_ms: Timestamp,
    /// Whether the number is still sealed, so that the hub can try again.
    pub resendable: bool,
}

/// A call or SMS back owed to a visitor whose question was not answered at once (24 h).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackCase {
    /// The visit of the consultation.
    pub visit: VisitId,
    /// What the visitor asked about, if recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<BusinessCode>,
    /// When the consultation was left open.
    pub asked_at_ms: Timestamp,
    /// When the call-back is due (24 h later).
    pub due_ms: Timestamp,
}

/// One open complaint case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintCase {
    /// Its id.
    pub complaint: ComplaintId,
    /// General (24 h) or complex (72 h).
    pub category: ComplaintCategory,
    /// When it was opened.
    pub opened_at_ms: Timestamp,
    /// When the first contact is due.
    pub first_contact_due_ms: Timestamp,
    /// When the solution or progress feedback is due.
    pub due_ms: Timestamp,
    /// Whether the customer has been contacted (the first limit is met).
    pub contacted: bool,
}

/// The hub's status, on `…/state/hub` (retained; the hub's will publishes `offline`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HubStatus {
    /// Schema version.
    pub v: u32,
    /// Online or offline.
    pub status: Liveness,
    /// The hall.
    pub hall: HallId,
    /// When this status was published; `null` in the will, which is written in advance.
    pub at_ms: Option<Timestamp>,
    /// The hub's version.
    pub version: String,
    /// Why the hub stopped serving, when it stopped on a fault (its journal file gone); absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<LocalText>,
    /// Set while the hub's system clock is behind the hub's own time (the journal's last event,
    /// or a time already given): how far, in milliseconds. The hub never lets its time run
    /// backwards, so it goes on from there; a console shows this until someone sets the clock
    /// right. Absent when the clock is right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock_behind_ms: Option<i64>,
    /// The hall's link to headquarters, when hall.toml has `[uplink]`; absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uplink: Option<UplinkState>,
    /// The hall's time, as the hub keeps it, in `online`: the apps show it (a simulated hall
    /// runs at another time and pace than the wall's). Absent from the will and `offline`, and
    /// from a hub before this field: an app then shows its own clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<HubClock>,
    /// Set in `online` while the hub cannot write its journal: every command is refused until
    /// it can again (a supervisor's console says so). Absent while the journal is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<Storage>,
    /// Headquarters' configuration in force (docs/chain.md, "Configuration down"), in `online`;
    /// absent while the hall runs on hall.toml alone (no `[uplink]`, or no document taken).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<ConfigInForce>,
    /// Set in `online` while HQ's newest configuration revision is one this hall refused (it
    /// runs on the one before, or on hall.toml): the supervisor's console says which and why.
    /// Absent once a later revision is taken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_refused: Option<ConfigRefused>,
    /// Set in `online` once a customer notice ("your turn is near", docs/notify.md) failed
    /// after its retries this business day: a supervisor's console shows it. Absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notices: Option<NoticeFailures>,
}

/// HQ's configuration a hub runs on (`config` in `state/hub`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigInForce {
    /// HQ's revision in force: the highest KV revision among the hall's scopes' documents.
    pub rev: u64,
    /// When the hub took it (the hub's clock).
    pub since_ms: Timestamp,
}

/// HQ's configuration revision this hall refused (`config_refused` in `state/hub`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigRefused {
    /// HQ's revision refused.
    pub rev: u64,
    /// Why, as the hub journaled it in `config_refused` (and reported to HQ).
    pub reason: LocalText,
}

/// Customer notices that could not be sent today (`notices` in `state/hub`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeFailures {
    /// Notices given up after the retry limit today.
    pub failed: u32,
    /// The latest of them.
    pub last: FailedNotice,
}

/// A notice given up after its retries. Names the ticket, never the customer's number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedNotice {
    /// The ticket's printed number.
    pub number: TicketNo,
    /// `near` or `called`.
    pub kind: String,
    /// The channel (`smpp`, `webhook`).
    pub channel: String,
    /// Why the last attempt failed.
    pub error: String,
    /// When it was given up.
    pub at_ms: Timestamp,
}

/// Why the hub cannot write its journal (`storage` in `state/hub`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Storage {
    /// The journal's disk has no room left.
    Full,
    /// Another write error.
    Failing,
}

/// The hub's link to headquarters (`[uplink]` in hall.toml; docs/chain.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UplinkState {
    /// Connected to HQ's NATS servers now.
    pub connected: bool,
    /// Journal events not yet acknowledged by HQ: the journal's last seq minus the last seq
    /// HQ's JetStream acknowledged (or HQ's mark, when the hub last asked it).
    pub behind: i64,
    /// When HQ last acknowledged a batch (the hub's clock); `null` if not since the hub started.
    pub last_ack_ms: Option<Timestamp>,
}

/// The hub's time when a status was published, and how fast it runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HubClock {
    /// The hub's time at publishing.
    pub now_ms: Timestamp,
    /// Hub milliseconds per real millisecond: 1 in a hall, the simulator's speed in a
    /// simulated one, 0 while its clock stands still.
    pub rate: f64,
}

/// Online or offline, for the hub and for devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Liveness {
    /// Connected and working.
    Online,
    /// Gone: published by the broker as the last will, or on a clean shutdown.
    Offline,
}

/// A call to announce, on `…/event/call` (not retained: a display that was off does not
/// speak old calls when it comes back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallEvent {
    /// Schema version.
    pub v: u32,
    /// The ticket.
    pub ticket: TicketId,
    /// Its number.
    pub number: TicketNo,
    /// Its business type.
    pub business: BusinessCode,
    /// The counter.
    pub counter: CounterNo,
    /// 0 for the first call, then the recall count.
    pub recall: u32,
    /// When.
    pub at_ms: Timestamp,
    /// What the voice says.
    pub speech: LocalText,
}

/// A device's presence, on `…/presence/{device}` (retained): its birth when it connects, and
/// its will (`offline`) when it drops.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Presence {
    /// Schema version.
    pub v: u32,
    /// The device.
    pub device: DeviceId,
    /// Online (birth) or offline (will).
    pub status: Liveness,
    /// The firmware profile the device runs (birth only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    /// The device software's version (birth only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Retained state stamped with a revision: `state/board`, `state/services`,
/// `state/counter/{n}` and `state/complaints` (docs/protocol.md, the `rev` rule).
pub trait Revised {
    /// The revision.
    fn rev(&self) -> u64;
    /// Sets the revision (to forget it when the hub returns).
    fn set_rev(&mut self, rev: u64);
}

macro_rules! revised {
    ($($t:ty),*) => {$(
        impl Revised for $t {
            fn rev(&self) -> u64 {
                self.rev
            }
            fn set_rev(&mut self, rev: u64) {
                self.rev = rev;
            }
        }
    )*};
}
revised!(
    Board,
    Services,
    CounterState,
    Complaints,
    crate::inspection::Inspections
);

/// Keeps `new` in `kept` by the `rev` rule: a message whose `rev` is not above the kept one's is
/// stale (delivered late) and dropped. Returns whether `new` was taken.
pub fn keep_newer<T: Revised>(kept: &mut Option<T>, new: T) -> bool {
    if kept.as_ref().is_some_and(|old| new.rev() <= old.rev()) {
        return false;
    }
    *kept = Some(new);
    true
}

/// The hub turned online: its count may have started again. What is kept stays shown, and the
/// new run's first message replaces it whatever its `rev`.
pub fn forget_rev<T: Revised>(kept: &mut Option<T>) {
    if let Some(old) = kept {
        old.set_rev(0);
    }
}

#[cfg(test)]
mod hub_status_tests {
    use super::*;

    #[test]
    fn a_status_without_a_clock_or_with_fields_added_later_is_read() {
        // A hub from before the clock; one from after, with a field this build does not know.
        let old: HubStatus = serde_json::from_str(
            r#"{"v":1,"status":"online","hall":"demo","at_ms":5,"version":"0.1.0"}"#,
        )
        .unwrap();
        assert_eq!(old.clock, None);
        let new: HubStatus = serde_json::from_str(
            r#"{"v":1,"status":"online","hall":"demo","at_ms":5,"version":"0.2.0",
                "clock":{"now_ms":5,"rate":60.0},"added_later":{"x":1}}"#,
        )
        .unwrap();
        assert_eq!(
            new.clock,
            Some(HubClock {
                now_ms: Timestamp(5),
                rate: 60.0
            })
        );
        // Without a clock, the field is left out: what older devices were given is unchanged.
        assert!(!serde_json::to_string(&old).unwrap().contains("clock"));
    }
}

#[cfg(test)]
mod rev_tests {
    use super::*;

    fn complaints(rev: u64, at: i64) -> Complaints {
        Complaints {
            undelivered: Vec::new(),
            v: SCHEMA_VERSION,
            rev,
            at_ms: Timestamp(at),
            cases: Vec::new(),
            callbacks: Vec::new(),
        }
    }

    #[test]
    fn a_later_rev_replaces_and_a_stale_or_repeated_one_is_dropped() {
        let mut kept = None;
        assert!(keep_newer(&mut kept, complaints(5, 1)));
        assert!(!keep_newer(&mut kept, complaints(4, 2)), "stale");
        assert!(
            !keep_newer(&mut kept, complaints(5, 3)),
            "the same revision again"
        );
        assert!(keep_newer(&mut kept, complaints(6, 4)));
        assert_eq!(kept.map(|c| c.at_ms), Some(Timestamp(4)));
    }

    #[test]
    fn after_the_hub_returns_its_first_message_replaces_the_kept_one_whatever_its_rev() {
        let mut kept = Some(complaints(900, 1));
        forget_rev(&mut kept);
        assert!(kept.is_some(), "still shown until the new run speaks");
        assert!(keep_newer(&mut kept, complaints(3, 2)));
        assert!(
            !keep_newer(&mut kept, complaints(2, 3)),
            "the rule holds again"
        );
    }
}
