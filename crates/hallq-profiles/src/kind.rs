//! What a device is, and which command kinds of the contract each kind may send: the hub's role
//! table (docs/protocol.md, "Who may send what"). The hub authorises commands with it and the
//! profiles are validated against it, so it lives here, once.

use serde::{Deserialize, Serialize};

/// What a device is for. In hall.toml it is a device's `role`; in a firmware profile, its `kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// Ticket kiosk (取号机): touch screen and thermal printer.
    Kiosk,
    /// Greeter's handheld (引导员手持终端).
    Greeter,
    /// Counter terminal or caller keypad (窗口终端 / 呼叫器).
    Counter,
    /// 4-key rating pad at a counter (评价器).
    Evaluator,
    /// LED strip over a counter (窗口屏): reads only.
    LedStrip,
    /// Wall display with speakers (综合屏): reads only.
    Display,
    /// Duty supervisor's console (值班主管).
    Supervisor,
    /// People counter at the door (客流计数器).
    DoorCounter,
    /// A read-only login to watch the hall's whole topic tree (监看账号), e.g. with
    /// `mosquitto_sub`: no device, no commands, no presence.
    Monitor,
}

impl DeviceKind {
    /// Whether a device of this kind works for one counter (and so must name it in hall.toml).
    pub fn needs_counter(self) -> bool {
        matches!(self, Self::Counter | Self::Evaluator | Self::LedStrip)
    }

    /// Every kind, in the order of the role table.
    pub const ALL: [Self; 9] = [
        Self::Kiosk,
        Self::Greeter,
        Self::Counter,
        Self::Evaluator,
        Self::LedStrip,
        Self::Display,
        Self::Supervisor,
        Self::DoorCounter,
        Self::Monitor,
    ];

    /// The kind as written in hall.toml and the profiles.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kiosk => "kiosk",
            Self::Greeter => "greeter",
            Self::Counter => "counter",
            Self::Evaluator => "evaluator",
            Self::LedStrip => "led_strip",
            Self::Display => "display",
            Self::Supervisor => "supervisor",
            Self::DoorCounter => "door_counter",
            Self::Monitor => "monitor",
        }
    }

    /// The kind's English name with its article, for messages: "an evaluator".
    pub fn en(self) -> &'static str {
        match self {
            Self::Kiosk => "a kiosk",
            Self::Greeter => "a greeter handheld",
            Self::Counter => "a counter terminal",
            Self::Evaluator => "an evaluator",
            Self::LedStrip => "an LED strip",
            Self::Display => "a wall display",
            Self::Supervisor => "a supervisor console",
            Self::DoorCounter => "a door counter",
            Self::Monitor => "a monitor login",
        }
    }

    /// The kind's Chinese name, for messages.
    pub fn zh(self) -> &'static str {
        match self {
            Self::Kiosk => "取号机",
            Self::Greeter => "引导员手持终端",
            Self::Counter => "窗口终端",
            Self::Evaluator => "评价器",
            Self::LedStrip => "窗口屏",
            Self::Display => "综合屏",
            Self::Supervisor => "值班主管终端",
            Self::DoorCounter => "客流计数器",
            Self::Monitor => "监看账号",
        }
    }

    /// Whether the kind may send `command` (a `kind` of [`hallq_proto::Command::KINDS`]).
    pub fn may_send(self, command: &str) -> bool {
        allowed_kinds(self).contains(&command)
    }
}

impl std::fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The command kinds `kind` may send: the role table of docs/protocol.md, over the `kind` strings
/// of [`hallq_proto::Command::KINDS`]. A wall display reports only the calls it spoke; an LED strip
/// sends nothing.
///
/// Finer rules stay with the hub: a counter terminal opens and closes only its own counter, a
/// supervisor must name one.
pub fn allowed_kinds(kind: DeviceKind) -> &'static [&'static str] {
    match kind {
        DeviceKind::Kiosk => &[
            "issue_ticket",
            "session_started",
            "self_service_chosen",
            "session_abandoned",
            "print_result",
            // a booked customer arrives (code or mobile number)
            "check_in",
        ],
        DeviceKind::Greeter => &[
            // on a customer's behalf
            "issue_ticket",
            "consultation",
            "wandering",
            "product_experience",
            "document_precheck",
            "requeue",
            "cancel_ticket",
            "complaint_open",
            // the call-back owed for a consultation it left open
            "callback_done",
            // a booked customer arrives (booking code)
            "check_in",
            // cleaning and facility checklists on the floor (not the manager's self-inspection
            // or a mystery shopper's visit: the hub refuses those from a greeter), and what
            // was done about a correction; closing one is the supervisor's
            "inspection_record",
            "correction_follow_up",
        ],
        DeviceKind::Counter => &[
            "sign_in",
            "sign_out",
            "open_counter",
            "close_counter",
            "pause",
            "resume",
            "call_next",
            "call_ticket",
            "recall",
            "start_service",
            "back_office",
            "finish",
            "no_show",
            "transfer",
            "requeue",
            "cancel_ticket",
            "complaint_open",
            "complaint_update",
            "complaint_resolve",
        ],
        DeviceKind::Evaluator => &["rate"],
        DeviceKind::Display => &["call_announced"],
        DeviceKind::LedStrip => &[],
        DeviceKind::Supervisor => &[
            "open_counter",
            "close_counter",
            "complaint_open",
            "complaint_update",
            "complaint_resolve",
            "complaint_result_resend",
            "callback_done",
            "announcement_post",
            "announcement_clear",
            "inspection_record",
            "correction_follow_up",
            "correction_close",
        ],
        DeviceKind::DoorCounter => &["door_count"],
        // It watches; the broker lets it publish nothing at all.
        DeviceKind::Monitor => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hallq_proto::Command;

    #[test]
    fn the_table_names_only_kinds_of_the_contract_and_covers_them_all() {
        for kind in DeviceKind::ALL {
            for c in allowed_kinds(kind) {
                assert!(Command::KINDS.contains(c), "{kind} lists unknown {c}");
            }
        }
        for c in Command::KINDS {
            assert!(
                DeviceKind::ALL.iter().any(|k| k.may_send(c)),
                "nobody may send {c}"
            );
        }
    }

    #[test]
    fn kinds_read_as_written_in_hall_toml() {
        for kind in DeviceKind::ALL {
            let parsed: DeviceKind = toml::Value::String(kind.as_str().into())
                .try_into()
                .unwrap();
            assert_eq!(parsed, kind);
        }
    }
}
