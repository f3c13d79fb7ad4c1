//! Identifiers and small value types that travel in payloads and topics.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Checks that `s` can stand as one level of a topic: 1 to 32 of `a-z 0-9 - _`.
///
/// This keeps MQTT wildcards (`+`, `#`) and separators (`/`) out of ids, so an id can never
/// widen a subscription or an ACL pattern.
pub fn is_topic_safe(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 32
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

macro_rules! text_id {
    ($(#[$doc:meta])* $name:ident, topic_safe = $safe:expr) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Makes the id, refusing one that is empty, too long or (for topic levels) unsafe.
            pub fn new(s: impl Into<String>) -> Result<Self, InvalidId> {
                let s = s.into();
                let ok = if $safe {
                    is_topic_safe(&s)
                } else {
                    !s.is_empty() && s.len() <= 64 && !s.chars().any(char::is_control)
                };
                if ok {
                    Ok(Self(s))
                } else {
                    Err(InvalidId { kind: stringify!($name), value: s })
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, InvalidId> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({:?})", stringify!($name), self.0)
            }
        }
    };
}

text_id!(
    /// A hall, as it appears in the topic tree (`hallq/v1/{hall}/…`).
    HallId,
    topic_safe = true
);
text_id!(
    /// A device registered in the hall's config (`kiosk-1`, `counter-3`, `display-main`).
    DeviceId,
    topic_safe = true
);
text_id!(
    /// A business type's code (`basic`, `complex`, …): configuration data, not a fixed enum.
    BusinessCode,
    topic_safe = true
);
text_id!(
    /// The idempotency key of a command, chosen by the device and unique per device. A command
    /// delivered twice with the same id is answered with the first answer.
    CommandId,
    topic_safe = false
);
text_id!(
    /// A staff number (工号).
    StaffNo,
    topic_safe = false
);
text_id!(
    /// A ticket's id, unique across days: `{business day}-{daily serial}`, e.g. `20261123-0042`.
    TicketId,
    topic_safe = false
);
text_id!(
    /// A visit's id, unique across days: `V{business day}-{daily serial}`.
    VisitId,
    topic_safe = false
);
text_id!(
    /// A complaint case's id, unique across days.
    ComplaintId,
    topic_safe = false
);
text_id!(
    /// An announcement's id, chosen by the supervisor's device or the hub.
    AnnouncementId,
    topic_safe = false
);

/// Refusal to build an id from unacceptable text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {kind}: {value:?}")]
pub struct InvalidId {
    /// Which kind of id was refused, for the error message.
    pub kind: &'static str,
    /// The refused text.
    pub value: String,
}

/// A counter's window number, the one the voice calls ("请 A012 号到 **3** 号窗口").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CounterNo(pub u16);

impl fmt::Display for CounterNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The number printed on a ticket and shown on the board: the business type's prefix and a
/// zero-padded number, e.g. `A012`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketNo(pub String);

impl TicketNo {
    /// Formats `prefix` and `number` as printed: at least three digits.
    pub fn format(prefix: &str, number: u32) -> Self {
        Self(format!("{prefix}{number:03}"))
    }
}

impl fmt::Display for TicketNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A point in time: milliseconds since the Unix epoch, UTC. The hub is the only clock; devices
/// never send times that the hub trusts for queue order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// This time plus `secs` seconds.
    pub fn plus_secs(self, secs: i64) -> Self {
        Self(self.0 + secs * 1000)
    }

    /// Whole seconds from `earlier` to `self` (negative if `earlier` is later).
    pub fn secs_since(self, earlier: Timestamp) -> i64 {
        (self.0 - earlier.0).div_euclid(1000)
    }
}

/// A business day, `YYYYMMDD` in the hall's local time. Ticket numbers restart every day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BusinessDay(pub u32);

impl fmt::Display for BusinessDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:08}", self.0)
    }
}

/// A mainland China mobile number, given at the kiosk for a "your turn is near" notice.
///
/// Personal data (PIPL): its `Debug` and `Display` show only the masked form, so it cannot leak
/// into a log by accident; the full number is reachable only through [`Phone::expose`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Accepts 11 digits starting with `1[3-9]`; spaces and dashes are ignored.
    pub fn parse(s: &str) -> Result<Self, InvalidId> {
        let digits: String = s.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        let b = digits.as_bytes();
        if b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit)
        {
            Ok(Self(digits))
        } else {
            Err(InvalidId {
                kind: "Phone",
                value: "(not shown)".into(),
            })
        }
    }

    /// The masked form shown on screens: `138****1234`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }

    /// The full number, for the one place that must send the notice.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Phone {
    type Error = InvalidId;
    fn try_from(s: String) -> Result<Self, InvalidId> {
        Self::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_ids_refuse_wildcards_and_separators() {
        for bad in ["", "a/b", "+", "#", "Kiosk", "k iosk", &"x".repeat(33)] {
            assert!(DeviceId::new(bad).is_err(), "{bad:?} accepted");
        }
        assert!(DeviceId::new("kiosk-1").is_ok());
    }

    #[test]
    fn ids_refuse_bad_text_when_deserialized() {
        assert!(serde_json::from_str::<DeviceId>("\"a/#\"").is_err());
        assert_eq!(
            serde_json::from_str::<DeviceId>("\"k-1\"")
                .unwrap()
                .as_str(),
            "k-1"
        );
    }

    #[test]
    fn phone_is_masked_in_debug_and_display() {
        let p = Phone::parse("138-0013-1234").unwrap();
        assert_eq!(p.masked(), "138****1234");
        assert_eq!(format!("{p:?}"), "Phone(138****1234)");
        assert_eq!(p.to_string(), "138****1234");
        assert_eq!(p.expose(), "13800131234");
    }

    #[test]
    fn phone_refusal_does_not_echo_the_number() {
        let err = Phone::parse("1230013123").unwrap_err();
        assert!(!err.to_string().contains("1230013123"));
        assert!(Phone::parse("12800131234").is_err());
    }

    #[test]
    fn ticket_numbers_are_zero_padded() {
        assert_eq!(TicketNo::format("A", 12).0, "A012");
        assert_eq!(TicketNo::format("V", 1234).0, "V1234");
    }
}
