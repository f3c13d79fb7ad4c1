//! Retained state: the board, the services on offer, each counter, and the hub's status, built
//! from the engine and the devices' presence, published only when they change.
//!
//! **Revisions.** Every retained message carries `rev`, which grows with each change: the hub's
//! clock in milliseconds, or one more than the last `rev` if the clock has not moved. It keeps
//! growing across restarts as long as the clock does, and devices also forget old revisions when
//! the hub's status turns `online` (docs/protocol.md).

use std::collections::{BTreeMap, HashMap};

use hallq_proto::state::{
    Announcement, Board, CallbackCase, ComplaintCase, Complaints, ConfigInForce, ConfigRefused,
    CounterState, HubClock, HubStatus, Liveness, Notice, NoticeKind, OpeningHours, Services,
    Storage, TierChoice, UplinkState,
};
use hallq_proto::topic::Topics;
use hallq_proto::{
    AnnouncementId, CounterNo, DeviceId, HallId, LocalText, SCHEMA_VERSION, Timestamp, time,
};
use hallq_queue::Engine;

use crate::config::{HallConfig, Role};

/// A message to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Its topic.
    pub topic: String,
    /// Its payload.
    pub payload: String,
    /// Whether the broker keeps it for late subscribers.
    pub retain: bool,
}

impl Outgoing {
    /// A message.
    pub fn new(topic: String, payload: String, retain: bool) -> Self {
        Self {
            topic,
            payload,
            retain,
        }
    }
}

/// Builds and remembers the retained state.
#[derive(Debug)]
pub struct StatePublisher {
    topics: Topics,
    hall: HallId,
    hall_name: LocalText,
    utc_offset_min: i32,
    /// Opening hours in local minutes, for the board's `open`.
    hours: (u32, u32),
    /// Every configured device with its role and counter, and whether it is online.
    devices: BTreeMap<DeviceId, (Role, Option<CounterNo>, bool)>,
    /// The last revision given out.
    rev: u64,
    /// What was last published per topic, without its `rev`, to publish only real changes.
    last: HashMap<String, String>,
    /// The link to HQ as the uplink last said, for `state/hub`; none without `[uplink]`.
    uplink: Option<UplinkState>,
    /// Why the journal cannot be written now, for `state/hub`; none while it can.
    storage: Option<Storage>,
    /// HQ's announcements in force (`hqconfig::HqState::announcements`), each on the board
    /// while its window holds, beside the hall's own.
    hq_announcements: Vec<Announcement>,
    /// HQ's configuration in force, for `state/hub`; none: hall.toml alone.
    hq_config: Option<ConfigInForce>,
    /// HQ's newest revision, when this hall refused it, for `state/hub`.
    hq_refused: Option<ConfigRefused>,
    /// The ids of those within their window when last asked ([`Self::hq_window_turned`]).
    hq_shown: Vec<AnnouncementId>,
    /// Customer notices given up today, for `state/hub`; none while every one went out.
    notices: Option<hallq_proto::state::NoticeFailures>,
    /// Whether the hall takes appointments (`[booking]`), for `state/services`.
    booking: bool,
    /// Written results whose SMS failed for good, for `state/complaints`
    /// (`crate::complaint_ledger`).
    undelivered: Vec<hallq_proto::state::UndeliveredResult>,
}

impl StatePublisher {
    /// A publisher for `config`'s hall; every device starts offline.
    pub fn new(config: &HallConfig) -> Self {
        Self {
            topics: Topics::new(&config.hall.id),
            hall: config.hall.id.clone(),
            hall_name: config.hall.name.clone(),
            utc_offset_min: config.hall.utc_offset_min,
            hours: (config.hours.open.minutes(), config.hours.close.minutes()),
            devices: config
                .devices
                .iter()
                .map(|d| (d.id.clone(), (d.role, d.counter, false)))
                .collect(),
            rev: 0,
            last: HashMap::new(),
            uplink: None,
            storage: None,
            hq_announcements: Vec::new(),
            hq_config: None,
            hq_refused: None,
            hq_shown: Vec::new(),
            notices: None,
            booking: config.booking.is_some(),
            undelivered: Vec::new(),
        }
    }

    /// Records the written results whose SMS failed for good, for `state/complaints`.
    pub fn set_undelivered(&mut self, undelivered: Vec<hallq_proto::state::UndeliveredResult>) {
        self.undelivered = undelivered;
    }

    /// Records HQ's configuration in force, and the newer revision refused if any, for the
    /// hub's status; returns whether either changed.
    pub fn set_hq_config(
        &mut self,
        config: Option<ConfigInForce>,
        refused: Option<ConfigRefused>,
    ) -> bool {
        let changed = self.hq_config != config || self.hq_refused != refused;
        self.hq_config = config;
        self.hq_refused = refused;
        changed
    }

    /// Takes HQ's announcements in force (the board shows them from the next [`Self::state`]).
    pub fn set_hq_announcements(&mut self, announcements: Vec<Announcement>) {
        self.hq_announcements = announcements;
    }

    /// HQ's announcements within their window at `now`.
    fn hq_live(&self, now: Timestamp) -> impl Iterator<Item = &Announcement> {
        self.hq_announcements
            .iter()
            .filter(move |a| a.starts_at_ms <= now && a.ends_at_ms.is_none_or(|e| e > now))
    }

    /// Whether an HQ announcement's window opened or closed since the last call: the board is
    /// published again then (the hall's own announcements end by an event of the engine; HQ's
    /// are no engine state, and their start or end is no event).
    pub fn hq_window_turned(&mut self, now: Timestamp) -> bool {
        let live: Vec<AnnouncementId> = self.hq_live(now).map(|a| a.id.clone()).collect();
        let turned = live != self.hq_shown;
        self.hq_shown = live;
        turned
    }

    /// Records the notices given up today, for the hub's status; returns whether that changed.
    pub fn set_notices(&mut self, notices: Option<hallq_proto::state::NoticeFailures>) -> bool {
        let changed = self.notices != notices;
        self.notices = notices;
        changed
    }

    /// Records whether the journal can be written, for the hub's status; returns whether that
    /// changed.
    pub fn set_storage(&mut self, storage: Option<Storage>) -> bool {
        let changed = self.storage != storage;
        self.storage = storage;
        changed
    }

    /// Records the uplink's state for the hub's status; returns whether it changed.
    pub fn set_uplink(&mut self, state: UplinkState) -> bool {
        let changed = self.uplink != Some(state);
        self.uplink = Some(state);
        changed
    }

    /// How many registered devices are offline.
    pub fn devices_offline(&self) -> usize {
        self.devices.values().filter(|(_, _, on)| !*on).count()
    }

    /// The hall's topics.
    pub fn topics(&self) -> &Topics {
        &self.topics
    }

    /// Takes the devices of a reloaded `config`: those that stay keep their liveness, new ones
    /// start offline, removed ones are forgotten.
    pub fn set_devices(&mut self, config: &HallConfig) {
        let was = std::mem::take(&mut self.devices);
        self.devices = config
            .devices
            .iter()
            .map(|d| {
                let online = was.get(&d.id).is_some_and(|(_, _, on)| *on);
                (d.id.clone(), (d.role, d.counter, online))
            })
            .collect();
    }

    /// Records a device's liveness; returns whether it changed.
    pub fn set_online(&mut self, device: &DeviceId, online: bool) -> bool {
        match self.devices.get_mut(device) {
            Some((_, _, was)) if *was != online => {
                *was = online;
                true
            }
            _ => false,
        }
    }

    /// How many devices are online.
    pub fn devices_online(&self) -> usize {
        self.devices.values().filter(|(_, _, on)| *on).count()
    }

    /// The hub's status message (also used, with `Offline`, as the hub's will).
    pub fn hub_status(&self, status: Liveness, at: Option<Timestamp>) -> Outgoing {
        self.status_message(status, at, None, None, None)
    }

    /// The hub's status when it stopped serving for `reason` (its journal gone): `offline`, with
    /// the reason every device can show.
    pub fn hub_stopped(&self, at: Timestamp, reason: LocalText) -> Outgoing {
        self.status_message(Liveness::Offline, Some(at), Some(reason), None, None)
    }

    /// The hub's status with its time for the apps' clocks, saying how far behind that time the
    /// system clock is (`None`: it is not).
    pub fn hub_status_clock(
        &self,
        status: Liveness,
        at: Option<Timestamp>,
        clock_behind_ms: Option<i64>,
        clock: HubClock,
    ) -> Outgoing {
        self.status_message(status, at, None, clock_behind_ms, Some(clock))
    }

    fn status_message(
        &self,
        status: Liveness,
        at: Option<Timestamp>,
        reason: Option<LocalText>,
        clock_behind_ms: Option<i64>,
        clock: Option<HubClock>,
    ) -> Outgoing {
        let s = HubStatus {
            v: SCHEMA_VERSION,
            status,
            hall: self.hall.clone(),
            at_ms: at,
            version: env!("CARGO_PKG_VERSION").into(),
            reason,
            clock_behind_ms,
            // Only an online hub speaks for its link; its will and its goodbye do not.
            uplink: self.uplink.filter(|_| status == Liveness::Online),
            storage: self.storage.filter(|_| status == Liveness::Online),
            notices: self.notices.clone().filter(|_| status == Liveness::Online),
            clock,
            config: self.hq_config.filter(|_| status == Liveness::Online),
            config_refused: self
                .hq_refused
                .clone()
                .filter(|_| status == Liveness::Online),
        };
        Outgoing::new(
            self.topics.hub(),
            serde_json::to_string(&s).unwrap_or_default(),
            true,
        )
    }

    /// The retained messages that changed since the last call (all of them if `all`).
    pub fn state(&mut self, engine: &Engine, now: Timestamp, all: bool) -> Vec<Outgoing> {
        let mut out = Vec::new();
        let (_, minute) = time::local(now, self.utc_offset_min);
        let open = engine.is_open() && (self.hours.0..self.hours.1).contains(&minute);
        let board = Board {
            v: SCHEMA_VERSION,
            rev: 0,
            at_ms: Timestamp(0),
            hall: self.hall.clone(),
            hall_name: self.hall_name.clone(),
            business_day: engine.day().unwrap_or(hallq_proto::BusinessDay(0)),
            open,
            calls: engine.recent_calls(),
            queues: engine.queues(),
            announcements: engine
                .announcements(now)
                .into_iter()
                .chain(self.hq_live(now).cloned())
                .collect(),
            notices: self.notices(engine),
            kiosks_online: Some(self.kiosks_online()),
        };
        self.push(&mut out, self.topics.board(), board, all, |b, rev| {
            b.rev = rev;
            b.at_ms = now;
        });
        let services = Services {
            v: SCHEMA_VERSION,
            rev: 0,
            at_ms: Timestamp(0),
            open,
            hall_name: self.hall_name.clone(),
            services: engine.services(),
            hours: Some(OpeningHours {
                open: hh_mm(self.hours.0),
                close: hh_mm(self.hours.1),
            }),
            booking: self.booking,
            tiers: engine
                .config()
                .tiers
                .iter()
                .map(|t| TierChoice {
                    level: t.level,
                    name: t.name.clone(),
                })
                .collect(),
        };
        self.push(&mut out, self.topics.services(), services, all, |s, rev| {
            s.rev = rev;
            s.at_ms = now;
        });
        let complaints = Complaints {
            v: SCHEMA_VERSION,
            rev: 0,
            at_ms: Timestamp(0),
            cases: engine
                .open_complaints()
                .iter()
                .map(|(id, c)| ComplaintCase {
                    complaint: id.clone(),
                    category: c.category,
                    opened_at_ms: c.opened_at,
                    first_contact_due_ms: c.first_contact_due,
                    due_ms: c.due,
                    contacted: c.contacted_at.is_some(),
                })
                .collect(),
            callbacks: engine
                .open_callbacks()
                .iter()
                .map(|(visit, c)| CallbackCase {
                    visit: visit.clone(),
                    business: c.business.clone(),
                    asked_at_ms: c.asked_at,
                    due_ms: c.due(),
                })
                .collect(),
            undelivered: self.undelivered.clone(),
        };
        self.push(
            &mut out,
            self.topics.complaints(),
            complaints,
            all,
            |c, rev| {
                c.rev = rev;
                c.at_ms = now;
            },
        );
        for c in &engine.config().counters {
            let Some(mut state) = engine.counter_state(c.number) else {
                continue;
            };
            state.online = self.counter_online(c.number);
            self.push(
                &mut out,
                self.topics.counter(c.number),
                state,
                all,
                |s: &mut CounterState, rev| s.rev = rev,
            );
        }
        out
    }

    /// Publishes `value` on `topic` if it differs from the last one (ignoring `rev` and time,
    /// which `stamp` sets afterwards).
    fn push<T: serde::Serialize>(
        &mut self,
        out: &mut Vec<Outgoing>,
        topic: String,
        mut value: T,
        all: bool,
        stamp: impl FnOnce(&mut T, u64),
    ) {
        let bare = serde_json::to_string(&value).unwrap_or_default();
        if !all && self.last.get(&topic) == Some(&bare) {
            return;
        }
        self.last.insert(topic.clone(), bare);
        self.rev += 1;
        stamp(&mut value, self.rev);
        out.push(Outgoing::new(
            topic,
            serde_json::to_string(&value).unwrap_or_default(),
            true,
        ));
    }

    /// `state/inspections`, if it changed since last published (or `all`).
    pub fn inspections(
        &mut self,
        state: hallq_proto::inspection::Inspections,
        now: Timestamp,
        all: bool,
    ) -> Vec<Outgoing> {
        let mut out = Vec::new();
        let topic = self.topics.inspections();
        self.push(&mut out, topic, state, all, |s, rev| {
            s.rev = rev;
            s.at_ms = now;
        });
        out
    }

    /// Sets the revision floor: the hub's clock at start, so revisions keep growing across
    /// restarts.
    pub fn set_rev_floor(&mut self, floor: u64) {
        self.rev = self.rev.max(floor);
    }

    fn counter_online(&self, counter: CounterNo) -> bool {
        self.devices
            .values()
            .any(|(role, c, on)| *role == Role::Counter && *c == Some(counter) && *on)
    }

    /// How many registered kiosks are online: the wall display tells the hall a kiosk is down
    /// only when none is left to issue tickets.
    fn kiosks_online(&self) -> u32 {
        let n = self
            .devices
            .values()
            .filter(|(role, _, on)| *role == Role::Kiosk && *on)
            .count();
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// DOMAIN.md's notices: a kiosk offline puts the maintenance notice up; a counter whose
    /// terminal dropped while open is marked. At most [`MAX_NOTICES`].
    fn notices(&self, engine: &Engine) -> Vec<Notice> {
        let mut notices = Vec::new();
        for (id, (role, counter, online)) in &self.devices {
            if *online {
                continue;
            }
            match role {
                Role::Kiosk => notices.push(Notice {
                    kind: NoticeKind::DeviceMaintenance,
                    device: Some(id.clone()),
                    counter: None,
                    text: NoticeKind::maintenance_text(),
                }),
                Role::Counter => {
                    let Some(c) = counter else { continue };
                    let open = engine.counter_state(*c).is_some_and(|s| s.open);
                    if open {
                        notices.push(Notice {
                            kind: NoticeKind::CounterOffline,
                            device: Some(id.clone()),
                            counter: Some(*c),
                            text: LocalText::new(
                                format!("{c} 号窗口终端离线，请稍候或咨询工作人员"),
                                format!(
                                    "Counter {c}'s terminal is offline; please wait or ask staff."
                                ),
                            ),
                        });
                    }
                }
                _ => {}
            }
        }
        // A wall display shows a handful of notices; a hall with hundreds of devices down (a
        // power cut in one wing, a load test) must not grow the retained board without bound.
        notices.truncate(MAX_NOTICES);
        notices
    }
}

/// The most notices the board carries; the supervisor console sees every device's presence.
const MAX_NOTICES: usize = 16;

/// Minutes of the day as `HH:MM` (1440 as `24:00`).
fn hh_mm(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DeviceConfig;

    #[test]
    fn the_services_carry_the_opening_hours_for_the_kiosk() {
        let config = HallConfig::parse(
            "[hall]\nid = \"demo\"\nname = { zh = \"演示\", en = \"Demo\" }\n\
             [hours]\nopen = \"08:30\"\nclose = \"17:30\"\n",
        )
        .unwrap();
        let engine = Engine::new(config.queue.clone()).unwrap();
        let mut publisher = StatePublisher::new(&config);
        let out = publisher.state(&engine, Timestamp(0), true);
        let topic = Topics::new(&config.hall.id).services();
        let services = out.iter().find(|o| o.topic == topic).unwrap();
        let services: Services = serde_json::from_str(&services.payload).unwrap();
        assert_eq!(
            services.hours,
            Some(OpeningHours {
                open: "08:30".into(),
                close: "17:30".into()
            })
        );
    }

    #[test]
    fn the_board_carries_a_bounded_number_of_notices() {
        let mut config =
            HallConfig::parse("[hall]\nid = \"demo\"\nname = { zh = \"演示\", en = \"Demo\" }\n")
                .unwrap();
        for n in 0..40 {
            config.devices.push(DeviceConfig {
                id: DeviceId::new(format!("kiosk-{n}")).unwrap(),
                role: Role::Kiosk,
                counter: None,
                profile: None,
                secret_hash: None,
                mosquitto_hash: None,
                revoked: None,
            });
        }
        let engine = Engine::new(config.queue.clone()).unwrap();
        let mut publisher = StatePublisher::new(&config);
        let out = publisher.state(&engine, Timestamp(0), true);
        let board: Board = serde_json::from_str(&out[0].payload).unwrap();
        assert_eq!(board.notices.len(), MAX_NOTICES);
        assert!(
            board
                .notices
                .iter()
                .all(|n| n.kind == NoticeKind::DeviceMaintenance)
        );
    }
}
