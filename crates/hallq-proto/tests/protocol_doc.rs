//! docs/protocol.md against the contract: every command kind, error code, reply result kind and
//! topic shape is documented, and every example in the doc still decodes, so the doc cannot rot
//! while the code moves on.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failed test with its line

use std::collections::BTreeSet;
use std::path::Path;

use hallq_proto::inspection::Inspections;
use hallq_proto::state::{
    Board, CallEvent, Complaints, CounterState, HubStatus, Presence, Services,
};
use hallq_proto::topic::{self, Topic, Topics};
use hallq_proto::{
    Command, CounterNo, DeviceId, ErrorCode, HallId, Reply, ReplyBody, ReplyResult, decode_command,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn doc() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/protocol.md");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The bodies of the doc's ```json blocks, with the line each starts on.
fn json_blocks(doc: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (n, line) in doc.lines().enumerate() {
        match &mut current {
            None if line.trim_start().starts_with("```json") => {
                current = Some((n + 2, String::new()))
            }
            None => {}
            Some(_) if line.trim_start().starts_with("```") => blocks.extend(current.take()),
            Some((_, body)) => {
                body.push_str(line);
                body.push('\n');
            }
        }
    }
    assert!(current.is_none(), "a ```json block is not closed");
    blocks
}

fn parse_block(line: usize, body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("docs/protocol.md:{line}: {e}\n{body}"))
}

/// The text between `flag '` and the next `'` on a shell line.
fn quoted_arg<'a>(line: &'a str, flag: &str) -> Option<&'a str> {
    let start = line.find(&format!("{flag} '"))? + flag.len() + 2;
    let len = line[start..].find('\'')?;
    Some(&line[start..start + len])
}

/// Every `mosquitto_pub` line of the doc: its line number, topic and message (if any).
fn mosquitto_pubs(doc: &str) -> Vec<(usize, String, Option<String>)> {
    doc.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("mosquitto_pub "))
        .map(|(n, l)| {
            let topic = quoted_arg(l, "-t")
                .unwrap_or_else(|| panic!("docs/protocol.md:{}: no -t '…'", n + 1));
            (
                n + 1,
                topic.to_owned(),
                quoted_arg(l, "-m").map(str::to_owned),
            )
        })
        .collect()
}

// --- error codes -----------------------------------------------------------------------------

/// Every error code. [`position`] matches exhaustively: a new code breaks its build until it is
/// listed here too, and then the doc test below asks for it in docs/protocol.md.
const ERROR_CODES: [ErrorCode; 49] = [
    ErrorCode::Malformed,
    ErrorCode::UnsupportedVersion,
    ErrorCode::TooLarge,
    ErrorCode::UnknownKind,
    ErrorCode::InvalidField,
    ErrorCode::UnknownDevice,
    ErrorCode::DeviceMismatch,
    ErrorCode::Forbidden,
    ErrorCode::RateLimited,
    ErrorCode::PhoneLimit,
    ErrorCode::WrongPin,
    ErrorCode::PinLocked,
    ErrorCode::HallClosed,
    ErrorCode::UnknownBusiness,
    ErrorCode::UnknownCounter,
    ErrorCode::UnknownTicket,
    ErrorCode::UnknownVisit,
    ErrorCode::UnknownComplaint,
    ErrorCode::NoCallbackOwed,
    ErrorCode::UnknownGreenChannel,
    ErrorCode::NumbersExhausted,
    ErrorCode::NotSignedIn,
    ErrorCode::AlreadySignedIn,
    ErrorCode::CounterClosed,
    ErrorCode::CounterPaused,
    ErrorCode::CounterBusy,
    ErrorCode::NotCalling,
    ErrorCode::NotServing,
    ErrorCode::NothingWaiting,
    ErrorCode::NotInSkills,
    ErrorCode::NoShowTooEarly,
    ErrorCode::TicketNotWaiting,
    ErrorCode::TicketNotSkipped,
    ErrorCode::NothingToRate,
    ErrorCode::Internal,
    ErrorCode::BadDelivery,
    ErrorCode::StaffNotConfigured,
    ErrorCode::BookingOff,
    ErrorCode::BadBookingCode,
    ErrorCode::UnknownBooking,
    ErrorCode::BookingNotToday,
    ErrorCode::BookingTooEarly,
    ErrorCode::BookingCheckedIn,
    ErrorCode::BookingCancelled,
    ErrorCode::UnknownChecklist,
    ErrorCode::ChecklistIncomplete,
    ErrorCode::UnknownCorrection,
    ErrorCode::NoUndeliveredResult,
    ErrorCode::ContactPurged,
];

/// Where `code` stands in [`ERROR_CODES`]; exhaustive, so no code can be left out unnoticed.
fn position(code: ErrorCode) -> usize {
    use ErrorCode as E;
    match code {
        E::Malformed => 0,
        E::UnsupportedVersion => 1,
        E::TooLarge => 2,
        E::UnknownKind => 3,
        E::InvalidField => 4,
        E::UnknownDevice => 5,
        E::DeviceMismatch => 6,
        E::Forbidden => 7,
        E::RateLimited => 8,
        E::PhoneLimit => 9,
        E::WrongPin => 10,
        E::PinLocked => 11,
        E::HallClosed => 12,
        E::UnknownBusiness => 13,
        E::UnknownCounter => 14,
        E::UnknownTicket => 15,
        E::UnknownVisit => 16,
        E::UnknownComplaint => 17,
        E::NoCallbackOwed => 18,
        E::UnknownGreenChannel => 19,
        E::NumbersExhausted => 20,
        E::NotSignedIn => 21,
        E::AlreadySignedIn => 22,
        E::CounterClosed => 23,
        E::CounterPaused => 24,
        E::CounterBusy => 25,
        E::NotCalling => 26,
        E::NotServing => 27,
        E::NothingWaiting => 28,
        E::NotInSkills => 29,
        E::NoShowTooEarly => 30,
        E::TicketNotWaiting => 31,
        E::TicketNotSkipped => 32,
        E::NothingToRate => 33,
        E::Internal => 34,
        E::BadDelivery => 35,
        E::StaffNotConfigured => 36,
        E::BookingOff => 37,
        E::BadBookingCode => 38,
        E::UnknownBooking => 39,
        E::BookingNotToday => 40,
        E::BookingTooEarly => 41,
        E::BookingCheckedIn => 42,
        E::BookingCancelled => 43,
        E::UnknownChecklist => 44,
        E::ChecklistIncomplete => 45,
        E::UnknownCorrection => 46,
        E::NoUndeliveredResult => 47,
        E::ContactPurged => 48,
    }
}

fn wire_name(value: &impl Serialize) -> String {
    serde_json::to_value(value)
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned()
}

#[test]
fn the_error_code_list_is_complete_and_in_order() {
    for (i, code) in ERROR_CODES.iter().enumerate() {
        assert_eq!(position(*code), i, "{code:?}");
    }
}

#[test]
fn every_error_code_is_documented_with_both_messages() {
    let doc = doc();
    let mut missing = Vec::new();
    for code in ERROR_CODES {
        let name = wire_name(&code);
        let m = code.message();
        for needle in [format!("`{name}`"), m.zh, m.en] {
            if !doc.contains(&needle) {
                missing.push(format!("{name}: {needle}"));
            }
        }
    }
    assert!(missing.is_empty(), "not in docs/protocol.md: {missing:#?}");
}

// --- commands --------------------------------------------------------------------------------

#[test]
fn every_command_kind_is_documented_with_an_example_that_decodes() {
    let doc = doc();
    let mut seen = BTreeSet::new();
    for (line, body) in json_blocks(&doc) {
        let value = parse_block(line, &body);
        if value.get("kind").is_some() {
            let env = decode_command(body.as_bytes())
                .unwrap_or_else(|e| panic!("docs/protocol.md:{line}: {e:?}\n{body}"));
            seen.insert(env.cmd.kind());
        }
    }
    for (line, topic, message) in mosquitto_pubs(&doc) {
        let Some((_, Topic::Cmd(device))) = topic::parse(&topic) else {
            continue;
        };
        let message =
            message.unwrap_or_else(|| panic!("docs/protocol.md:{line}: a command without -m"));
        let env = decode_command(message.as_bytes())
            .unwrap_or_else(|e| panic!("docs/protocol.md:{line}: {e:?}\n{message}"));
        assert_eq!(
            env.device, device,
            "docs/protocol.md:{line}: the payload's device is not the topic's"
        );
        seen.insert(env.cmd.kind());
    }
    for kind in Command::KINDS {
        assert!(
            doc.contains(&format!("`{kind}`")),
            "`{kind}` is not named in docs/protocol.md"
        );
        assert!(
            seen.contains(kind),
            "docs/protocol.md has no example of `{kind}` that decodes"
        );
    }
}

#[test]
fn every_mosquitto_pub_topic_is_a_topic_of_the_tree() {
    let pubs = mosquitto_pubs(&doc());
    assert!(!pubs.is_empty());
    for (line, topic, message) in pubs {
        let (_, parsed) = topic::parse(&topic)
            .unwrap_or_else(|| panic!("docs/protocol.md:{line}: {topic:?} is not a hallq topic"));
        if let (Topic::Presence(device), Some(message)) = (parsed, message) {
            let p: Presence = serde_json::from_str(&message)
                .unwrap_or_else(|e| panic!("docs/protocol.md:{line}: {e}\n{message}"));
            assert_eq!(p.device, device, "docs/protocol.md:{line}");
        }
    }
}

// --- replies, state, events ------------------------------------------------------------------

/// Every kind of reply result, by its `kind` on the wire. [`result_kind`] matches exhaustively.
const REPLY_KINDS: [&str; 11] = [
    "ticket_issued",
    "called",
    "counter",
    "recorded",
    "rated",
    "complaint",
    "announcement",
    "done",
    "checked_in",
    "inspection",
    "correction",
];

/// The wire `kind` of `r`; exhaustive, so a new result kind breaks this build until it is listed.
fn result_kind(r: &ReplyResult) -> &'static str {
    match r {
        ReplyResult::TicketIssued(_) => "ticket_issued",
        ReplyResult::Called { .. } => "called",
        ReplyResult::Counter(_) => "counter",
        ReplyResult::Recorded { .. } => "recorded",
        ReplyResult::Rated { .. } => "rated",
        ReplyResult::Complaint { .. } => "complaint",
        ReplyResult::Announcement { .. } => "announcement",
        ReplyResult::Done => "done",
        ReplyResult::CheckedIn { .. } => "checked_in",
        ReplyResult::Inspection { .. } => "inspection",
        ReplyResult::Correction { .. } => "correction",
    }
}

/// Decodes `value` as `T` and checks that nothing was lost or added on the way back.
fn round_trip<T: Serialize + DeserializeOwned>(line: usize, value: &Value) -> T {
    let typed: T = serde_json::from_value(value.clone())
        .unwrap_or_else(|e| panic!("docs/protocol.md:{line}: {e}\n{value:#}"));
    assert_eq!(
        &serde_json::to_value(&typed).unwrap(),
        value,
        "docs/protocol.md:{line}: the example differs from what the types produce"
    );
    typed
}

#[test]
fn every_json_example_is_a_message_of_the_contract() {
    let doc = doc();
    let mut reply_kinds = BTreeSet::new();
    let mut error_replies = 0;
    let mut shapes = BTreeSet::new();
    for (line, body) in json_blocks(&doc) {
        let v = parse_block(line, &body);
        let has = |k: &str| v.get(k).is_some();
        let shape = if has("kind") {
            "command" // checked by the command test above
        } else if has("ok") || has("error") {
            let reply: Reply = round_trip(line, &v);
            match &reply.body {
                ReplyBody::Ok(r) => {
                    let kind = result_kind(r);
                    assert_eq!(v["ok"]["kind"], kind, "docs/protocol.md:{line}");
                    reply_kinds.insert(kind);
                }
                ReplyBody::Error(_) => error_replies += 1,
            }
            "reply"
        } else if has("calls") {
            round_trip::<Board>(line, &v);
            "board"
        } else if has("services") {
            round_trip::<Services>(line, &v);
            "services"
        } else if has("activity") {
            round_trip::<CounterState>(line, &v);
            "counter"
        } else if has("checklists") {
            round_trip::<Inspections>(line, &v);
            "inspections"
        } else if has("cases") {
            round_trip::<Complaints>(line, &v);
            "complaints"
        } else if has("speech") {
            round_trip::<CallEvent>(line, &v);
            "call"
        } else if has("status") && has("hall") {
            round_trip::<HubStatus>(line, &v);
            "hub"
        } else if has("status") && has("device") {
            round_trip::<Presence>(line, &v);
            "presence"
        } else {
            panic!("docs/protocol.md:{line}: a ```json block that is no message of the contract")
        };
        shapes.insert(shape);
    }
    for kind in REPLY_KINDS {
        assert!(
            doc.contains(&format!("`{kind}`")),
            "reply kind `{kind}` is not named in docs/protocol.md"
        );
        assert!(
            reply_kinds.contains(kind),
            "docs/protocol.md has no example reply of kind `{kind}`"
        );
    }
    assert!(error_replies > 0, "docs/protocol.md has no error reply");
    for shape in [
        "command",
        "reply",
        "board",
        "services",
        "counter",
        "complaints",
        "inspections",
        "call",
        "hub",
        "presence",
    ] {
        assert!(shapes.contains(shape), "no ```json example of a {shape}");
    }
}

// --- topics ----------------------------------------------------------------------------------

/// The documented shape of `t`, with `{hall}`, `{device}` and `{n}` for its variable levels.
/// Exhaustive over [`Topic`]: a new topic breaks this build until it is documented.
fn shape(t: &Topic) -> String {
    let hall = HallId::new("hall-x").unwrap();
    let topics = Topics::new(&hall);
    let built = match t {
        Topic::Cmd(d) => topics.cmd(d),
        Topic::Reply(d) => topics.reply(d),
        Topic::Board => topics.board(),
        Topic::Services => topics.services(),
        Topic::Counter(n) => topics.counter(*n),
        Topic::Complaints => topics.complaints(),
        Topic::Inspections => topics.inspections(),
        Topic::Hub => topics.hub(),
        Topic::Call => topics.call(),
        Topic::Presence(d) => topics.presence(d),
    };
    assert_eq!(topic::parse(&built), Some((hall, t.clone())));
    built
        .replace("hall-x", "{hall}")
        .replace("device-x", "{device}")
        .replace("65000", "{n}")
}

#[test]
fn every_topic_shape_and_filter_is_documented() {
    let doc = doc();
    let d = DeviceId::new("device-x").unwrap();
    let all = [
        Topic::Cmd(d.clone()),
        Topic::Reply(d.clone()),
        Topic::Board,
        Topic::Services,
        Topic::Counter(CounterNo(65000)),
        Topic::Complaints,
        Topic::Inspections,
        Topic::Hub,
        Topic::Call,
        Topic::Presence(d),
    ];
    let topics = Topics::new(&HallId::new("hall-x").unwrap());
    let filters = [
        topics.all_cmds(),
        topics.all_presence(),
        topics.all_state(),
        topics.everything(),
    ];
    let mut missing = Vec::new();
    for s in all
        .iter()
        .map(shape)
        .chain(filters.iter().map(|f| f.replace("hall-x", "{hall}")))
    {
        if !doc.contains(&s) {
            missing.push(s);
        }
    }
    assert!(missing.is_empty(), "not in docs/protocol.md: {missing:#?}");
}
