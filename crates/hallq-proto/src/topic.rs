//! The hall's topic tree. Every topic string in hallq is built or parsed here, nowhere else.
//!
//! ```text
//! hallq/v1/{hall}/cmd/{device}          device → hub    commands (QoS 1)
//! hallq/v1/{hall}/reply/{device}        hub → device    replies, same id as the command (QoS 1)
//! hallq/v1/{hall}/state/board           hub, retained   the wall display's board
//! hallq/v1/{hall}/state/services        hub, retained   business types on offer with waits
//! hallq/v1/{hall}/state/counter/{no}    hub, retained   one counter's state
//! hallq/v1/{hall}/state/complaints    hub, retained   open complaints, call-backs owed
//! hallq/v1/{hall}/state/inspections   hub, retained   checklists due, overdue; corrections
//! hallq/v1/{hall}/state/hub             hub, retained   the hub's status (will: offline)
//! hallq/v1/{hall}/event/call            hub             a call to announce (not retained)
//! hallq/v1/{hall}/presence/{device}     device, retained birth, and will (offline)
//! ```

use crate::ids::{CounterNo, DeviceId, HallId};

/// The root of every hallq topic, with the contract's major version.
pub const ROOT: &str = "hallq/v1";

/// A parsed hallq topic, without its hall.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    /// A device's commands.
    Cmd(DeviceId),
    /// The hub's replies to one device.
    Reply(DeviceId),
    /// The board (retained).
    Board,
    /// The services on offer (retained).
    Services,
    /// One counter's state (retained).
    Counter(CounterNo),
    /// The open complaint cases (retained).
    Complaints,
    /// Checklists due and overdue, open corrections (retained).
    Inspections,
    /// The hub's status (retained).
    Hub,
    /// Call events for the voice and the LED strips.
    Call,
    /// A device's presence: birth and will (retained).
    Presence(DeviceId),
}

/// Builds the topics of one hall.
#[derive(Debug, Clone)]
pub struct Topics {
    /// `hallq/v1/{hall}`: every topic of this hall starts with it.
    base: String,
}

impl Topics {
    /// The topic tree of `hall`.
    pub fn new(hall: &HallId) -> Self {
        Self {
            base: format!("{ROOT}/{hall}"),
        }
    }

    /// Where `device` sends its commands.
    pub fn cmd(&self, device: &DeviceId) -> String {
        format!("{}/cmd/{device}", self.base)
    }

    /// Where the hub replies to `device`.
    pub fn reply(&self, device: &DeviceId) -> String {
        format!("{}/reply/{device}", self.base)
    }

    /// The retained board.
    pub fn board(&self) -> String {
        format!("{}/state/board", self.base)
    }

    /// The retained list of services on offer.
    pub fn services(&self) -> String {
        format!("{}/state/services", self.base)
    }

    /// One counter's retained state.
    pub fn counter(&self, counter: CounterNo) -> String {
        format!("{}/state/counter/{counter}", self.base)
    }

    /// The retained list of open complaint cases.
    pub fn complaints(&self) -> String {
        format!("{}/state/complaints", self.base)
    }

    /// The retained checklists due and overdue, and the open corrections.
    pub fn inspections(&self) -> String {
        format!("{}/state/inspections", self.base)
    }

    /// The hub's retained status.
    pub fn hub(&self) -> String {
        format!("{}/state/hub", self.base)
    }

    /// Call events.
    pub fn call(&self) -> String {
        format!("{}/event/call", self.base)
    }

    /// A device's retained presence.
    pub fn presence(&self, device: &DeviceId) -> String {
        format!("{}/presence/{device}", self.base)
    }

    /// The filter the hub subscribes to for every device's commands.
    pub fn all_cmds(&self) -> String {
        format!("{}/cmd/+", self.base)
    }

    /// The filter the hub subscribes to for every device's presence.
    pub fn all_presence(&self) -> String {
        format!("{}/presence/+", self.base)
    }

    /// The filter a display subscribes to for all retained state.
    pub fn all_state(&self) -> String {
        format!("{}/state/#", self.base)
    }

    /// Every topic of the hall, for a monitor (`mosquitto_sub -t`).
    pub fn everything(&self) -> String {
        format!("{}/#", self.base)
    }
}

/// Parses a topic of the hallq tree into its hall and what it is. Unknown shapes give `None`.
pub fn parse(topic: &str) -> Option<(HallId, Topic)> {
    let rest = topic.strip_prefix(ROOT)?.strip_prefix('/')?;
    let mut parts = rest.split('/');
    let hall = HallId::new(parts.next()?).ok()?;
    let levels: Vec<&str> = parts.collect();
    let device = |s: &str| DeviceId::new(s).ok();
    let t = match levels.as_slice() {
        ["cmd", d] => Topic::Cmd(device(d)?),
        ["reply", d] => Topic::Reply(device(d)?),
        ["state", "board"] => Topic::Board,
        ["state", "services"] => Topic::Services,
        ["state", "hub"] => Topic::Hub,
        ["state", "complaints"] => Topic::Complaints,
        ["state", "inspections"] => Topic::Inspections,
        ["state", "counter", n] => Topic::Counter(CounterNo(n.parse().ok()?)),
        ["event", "call"] => Topic::Call,
        ["presence", d] => Topic::Presence(device(d)?),
        _ => return None,
    };
    Some((hall, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hall() -> HallId {
        HallId::new("hall-1").unwrap()
    }

    #[test]
    fn every_built_topic_parses_back() {
        let t = Topics::new(&hall());
        let d = DeviceId::new("kiosk-1").unwrap();
        let cases = [
            (t.cmd(&d), Topic::Cmd(d.clone())),
            (t.reply(&d), Topic::Reply(d.clone())),
            (t.board(), Topic::Board),
            (t.services(), Topic::Services),
            (t.counter(CounterNo(3)), Topic::Counter(CounterNo(3))),
            (t.hub(), Topic::Hub),
            (t.inspections(), Topic::Inspections),
            (t.call(), Topic::Call),
            (t.presence(&d), Topic::Presence(d.clone())),
        ];
        for (s, want) in cases {
            assert_eq!(parse(&s), Some((hall(), want)), "{s}");
        }
        assert_eq!(t.cmd(&d), "hallq/v1/hall-1/cmd/kiosk-1");
    }

    #[test]
    fn foreign_and_malformed_topics_do_not_parse() {
        for s in [
            "hallq/v2/hall-1/state/board",
            "hallq/v1/hall-1/cmd",
            "hallq/v1/hall-1/cmd/a/b",
            "hallq/v1/hall-1/cmd/+",
            "hallq/v1/hall-1/state/counter/x",
            "hallq/v1/Hall/state/board",
            "other/v1/hall-1/state/board",
        ] {
            assert_eq!(parse(s), None, "{s}");
        }
    }
}
