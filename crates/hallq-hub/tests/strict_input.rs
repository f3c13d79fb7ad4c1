//! What the hub refuses before it acts, through its writer with a real journal file: a command
//! that came with QoS 0 or retained is never executed, and a sign-in tells nothing about which
//! staff numbers exist.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use hallq_hub::HallConfig;
use hallq_hub::clock::Clock;
use hallq_hub::metrics::Metrics;
use hallq_hub::writer::{Delivery, Input, Writer};
use hallq_journal::Journal;
use hallq_proto::command::IssueTicket;
use hallq_proto::{
    BusinessCode, Command, CommandEnvelope, CommandId, DeviceId, ErrorCode, ErrorInfo, Lang, Reply,
    ReplyBody, Timestamp,
};

/// 2026-11-23 10:00 in Beijing.
const T0: i64 = 1_795_399_200_000;

#[derive(Debug)]
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

const CONFIG: &str = r#"
[hall]
id = "demo"
name = { zh = "演示营业厅", en = "Demo Hall" }

[hours]
open = "00:00"
close = "24:00"

[[devices]]
id = "kiosk-1"
role = "kiosk"

[[devices]]
id = "counter-1"
role = "counter"
counter = 1
"#;

struct Hub {
    writer: Writer,
    dir: tempfile::TempDir,
    seq: u32,
}

impl Hub {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut config = HallConfig::parse(CONFIG).unwrap();
        config.staff = HallConfig::parse(&format!(
            "[hall]\nid = \"x\"\nname = {{ zh = \"x\", en = \"x\" }}\n\
             [[staff]]\nnumber = \"E1001\"\npin_hash = \"{}\"\n",
            hallq_hub::secret::hash("246810", hallq_hub::secret::Strength::Memorable).unwrap()
        ))
        .unwrap()
        .staff;
        config.hub.data_dir = dir.path().join("data");
        config.privacy.key_file = Some(dir.path().join("keys/personal.key"));
        config.load_profiles().unwrap();
        config.validate().unwrap();
        let clock = Arc::new(TestClock(AtomicI64::new(T0)));
        let writer = Writer::open(
            Arc::new(config),
            clock as Arc<dyn Clock>,
            Arc::new(Metrics::default()),
        )
        .unwrap();
        Self {
            writer,
            dir,
            seq: 0,
        }
    }

    fn payload(&mut self, device: &str, cmd: Command) -> Vec<u8> {
        self.seq += 1;
        let id = CommandId::new(format!("{device}-{}", self.seq)).unwrap();
        CommandEnvelope::new(id, DeviceId::new(device).unwrap(), cmd)
            .to_json()
            .into_bytes()
    }

    /// Hands the writer one input; returns the replies it published.
    fn input(&mut self, input: Input<()>) -> Vec<Reply> {
        let out = self.writer.handle_batch(vec![input]);
        out.publishes
            .iter()
            .filter(|p| p.topic.contains("/reply/"))
            .map(|p| serde_json::from_str(&p.payload).unwrap())
            .collect()
    }

    fn command(device: &str, payload: Vec<u8>) -> Input<()> {
        Input::Command {
            device: DeviceId::new(device).unwrap(),
            payload,
            token: (),
        }
    }

    fn misdelivered(device: &str, payload: Vec<u8>, delivery: Delivery) -> Input<()> {
        Input::Misdelivered {
            device: DeviceId::new(device).unwrap(),
            payload,
            delivery,
            token: (),
        }
    }

    fn journal(&self) -> Journal {
        Journal::open_read_only(self.dir.path().join("data/journal.db")).unwrap()
    }

    fn tickets(&self) -> i64 {
        self.journal()
            .connection()
            .query_row("SELECT count(*) FROM tickets", [], |r| r.get(0))
            .unwrap()
    }

    fn refusal_codes(&self) -> Vec<String> {
        let j = self.journal();
        let mut stmt = j
            .connection()
            .prepare("SELECT code FROM refusals ORDER BY id")
            .unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }
}

fn ticket() -> Command {
    Command::IssueTicket(IssueTicket {
        business: BusinessCode::new("basic").unwrap(),
        priority_reason: None,
        green_channel: None,
        lang: Lang::Zh,
        phone: None,
        session: None,
        visit: None,
        tier: None,
    })
}

fn error(reply: &Reply) -> &ErrorInfo {
    match &reply.body {
        ReplyBody::Error(e) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_qos0_command_is_refused_with_a_reply_and_never_executed() {
    let mut hub = Hub::new();
    let payload = hub.payload("kiosk-1", ticket());
    let replies = hub.input(Hub::misdelivered(
        "kiosk-1",
        payload.clone(),
        Delivery::AtMostOnce,
    ));
    assert_eq!(replies.len(), 1);
    assert_eq!(error(&replies[0]).code, ErrorCode::BadDelivery);
    assert_eq!(replies[0].id.as_ref().unwrap().as_str(), "kiosk-1-1");
    assert!(
        error(&replies[0])
            .detail
            .as_deref()
            .unwrap()
            .contains("QoS 0")
    );
    assert_eq!(hub.tickets(), 0, "a QoS 0 ticket request issued a ticket");
    assert_eq!(hub.refusal_codes(), ["bad_delivery"]);
    // The same command sent properly is a new request, carried out.
    let replies = hub.input(Hub::command("kiosk-1", payload));
    assert!(matches!(replies[0].body, ReplyBody::Ok(_)), "{replies:?}");
    assert_eq!(hub.tickets(), 1);
}

#[test]
fn a_retained_command_is_refused_and_never_executed() {
    let mut hub = Hub::new();
    let payload = hub.payload("kiosk-1", ticket());
    let replies = hub.input(Hub::misdelivered(
        "kiosk-1",
        payload.clone(),
        Delivery::Retained,
    ));
    assert_eq!(error(&replies[0]).code, ErrorCode::BadDelivery);
    assert!(
        error(&replies[0])
            .detail
            .as_deref()
            .unwrap()
            .contains("retained")
    );
    assert_eq!(
        hub.tickets(),
        0,
        "a retained ticket request issued a ticket"
    );
    // Handed over again at the next subscription: still nothing done.
    hub.input(Hub::misdelivered("kiosk-1", payload, Delivery::Retained));
    assert_eq!(hub.tickets(), 0);
}

#[test]
fn a_retained_copy_of_a_command_already_answered_gets_no_second_reply() {
    let mut hub = Hub::new();
    let payload = hub.payload("kiosk-1", ticket());
    // It came live first (the broker cleared the retain flag), and was carried out.
    let replies = hub.input(Hub::command("kiosk-1", payload.clone()));
    assert!(matches!(replies[0].body, ReplyBody::Ok(_)), "{replies:?}");
    let replies = hub.input(Hub::misdelivered("kiosk-1", payload, Delivery::Retained));
    assert!(replies.is_empty(), "{replies:?}");
    assert_eq!(hub.tickets(), 1);
}

#[test]
fn a_wrong_pin_and_an_unknown_staff_number_get_the_same_answer() {
    let mut hub = Hub::new();
    let sign_in = |staff: &str, pin: &str| Command::SignIn {
        staff: hallq_proto::StaffNo::new(staff).unwrap(),
        pin: Some(hallq_proto::command::Pin(pin.into())),
    };
    let wrong_pin = hub.payload("counter-1", sign_in("E1001", "000000"));
    let wrong_pin = hub.input(Hub::command("counter-1", wrong_pin));
    let unknown = hub.payload("counter-1", sign_in("E9999", "000000"));
    let unknown = hub.input(Hub::command("counter-1", unknown));
    assert_eq!(error(&wrong_pin[0]).code, ErrorCode::WrongPin);
    assert_eq!(error(&wrong_pin[0]), error(&unknown[0]));
}
