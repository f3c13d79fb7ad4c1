//! Personal data and flood limits, through the hub's writer with a real journal file and a
//! clock the test moves: numbers sealed apart, never in the touchpoints; a number's daily cap;
//! retention purges that keep the touchpoints and complaint contacts for 3 years; a kiosk's flood
//! refused and journaled without filling the disk; retries free.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use hallq_hub::HallConfig;
use hallq_hub::clock::Clock;
use hallq_hub::metrics::Metrics;
use hallq_hub::privacy::Vault;
use hallq_hub::writer::{Input, Writer};
use hallq_journal::{Journal, PersonalKind};
use hallq_proto::command::IssueTicket;
use hallq_proto::{
    BusinessCode, Command, CommandEnvelope, CommandId, ComplaintCategory, DeviceId, ErrorCode,
    Lang, Phone, Reply, ReplyBody, ReplyResult, Timestamp,
};

const NUMBER: &str = "13800131234";
const DAY_MS: i64 = 86_400_000;
/// 2026-11-23 10:00 in Beijing.
const T0: i64 = 1_795_399_200_000;

#[derive(Debug)]
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

struct Hub {
    writer: Writer,
    clock: Arc<TestClock>,
    dir: tempfile::TempDir,
    seq: u32,
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
id = "kiosk-2"
role = "kiosk"

[[devices]]
id = "greeter-1"
role = "greeter"

[[devices]]
id = "counter-1"
role = "counter"
counter = 1

[[devices]]
id = "supervisor-1"
role = "supervisor"
"#;

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
            Arc::clone(&clock) as Arc<dyn Clock>,
            Arc::new(Metrics::default()),
        )
        .unwrap();
        Self {
            writer,
            clock,
            dir,
            seq: 0,
        }
    }

    fn advance(&mut self, ms: i64) {
        self.clock.0.fetch_add(ms, Ordering::SeqCst);
        self.writer.handle_batch::<()>(vec![Input::Tick]);
    }

    fn payload(&mut self, device: &str, cmd: Command) -> (CommandId, Vec<u8>) {
        self.seq += 1;
        let id = CommandId::new(format!("{device}-{}", self.seq)).unwrap();
        let env = CommandEnvelope::new(id.clone(), DeviceId::new(device).unwrap(), cmd);
        (id, env.to_json().into_bytes())
    }

    /// Sends the commands as one batch; returns the replies in order.
    fn batch(&mut self, device: &str, payloads: Vec<Vec<u8>>) -> Vec<Reply> {
        let inputs = payloads
            .into_iter()
            .map(|payload| Input::Command {
                device: DeviceId::new(device).unwrap(),
                payload,
                token: (),
            })
            .collect();
        let out = self.writer.handle_batch(inputs);
        out.publishes
            .iter()
            .filter(|p| p.topic.contains("/reply/"))
            .map(|p| serde_json::from_str(&p.payload).unwrap())
            .collect()
    }

    fn send(&mut self, device: &str, cmd: Command) -> Reply {
        let (_, payload) = self.payload(device, cmd);
        self.batch(device, vec![payload]).remove(0)
    }

    fn journal(&self) -> Journal {
        Journal::open_read_only(self.dir.path().join("data/journal.db")).unwrap()
    }

    fn vault(&self) -> Vault {
        Vault::open_or_create(&self.dir.path().join("keys/personal.key"))
            .unwrap()
            .0
    }
}

fn ticket(phone: Option<&str>) -> Command {
    Command::IssueTicket(IssueTicket {
        business: BusinessCode::new("basic").unwrap(),
        priority_reason: None,
        green_channel: None,
        lang: Lang::Zh,
        phone: phone.map(|p| Phone::parse(p).unwrap()),
        session: None,
        visit: None,
        tier: None,
    })
}

fn issued(reply: &Reply) -> String {
    match &reply.body {
        ReplyBody::Ok(ReplyResult::TicketIssued(t)) => t.ticket.to_string(),
        other => panic!("expected a ticket, got {other:?}"),
    }
}

fn code(reply: &Reply) -> ErrorCode {
    match &reply.body {
        ReplyBody::Error(e) => e.code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// Every text value of every table, for looking for a number.
fn all_text(journal: &Journal) -> String {
    let conn = journal.connection();
    let mut tables = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap();
    let tables: Vec<String> = tables
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut text = String::new();
    for t in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {t}")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                if let Ok(s) = row.get::<_, String>(i) {
                    text.push_str(&s);
                    text.push('\n');
                }
            }
        }
    }
    text
}

fn file_bytes_contain(dir: &std::path::Path, needle: &[u8]) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let bytes = std::fs::read(e.unwrap().path()).unwrap_or_default();
        bytes.windows(needle.len()).any(|w| w == needle)
    })
}

#[test]
fn a_notice_number_is_sealed_apart_and_never_in_the_touchpoints() {
    let mut hub = Hub::new();
    let reply = hub.send("kiosk-1", ticket(Some(NUMBER)));
    let ticket_id = issued(&reply);
    let contact = hub.send(
        "greeter-1",
        Command::ComplaintOpen {
            category: ComplaintCategory::General,
            summary: format!("charged twice, call {NUMBER}"),
            visit: None,
            ticket: None,
            business: None,
            responsibility: None,
            contact: Some(Phone::parse("13900139000").unwrap()),
        },
    );
    let complaint = match &contact.body {
        ReplyBody::Ok(ReplyResult::Complaint { complaint, .. }) => complaint.to_string(),
        other => panic!("{other:?}"),
    };
    let journal = hub.journal();
    let sealed = journal
        .personal(PersonalKind::NoticePhone, &ticket_id)
        .unwrap()
        .expect("the number is kept with its ticket");
    assert_eq!(hub.vault().open(&sealed).unwrap(), NUMBER);
    let contact = journal
        .personal(PersonalKind::ComplaintContact, &complaint)
        .unwrap()
        .expect("the call-back number is kept with its complaint");
    assert_eq!(hub.vault().open(&contact).unwrap(), "13900139000");

    // Nowhere in the journal in clear: not in events, replies, projections; nor in the file's
    // bytes (database and WAL), nor in the reply.
    let text = all_text(&journal);
    assert!(!text.contains(NUMBER) && !text.contains("13900139000"));
    assert!(
        text.contains("charged twice, call …"),
        "free text keeps its words"
    );
    drop(journal);
    let data = hub.dir.path().join("data");
    assert!(!file_bytes_contain(&data, NUMBER.as_bytes()));
    assert!(!file_bytes_contain(&data, b"13900139000"));
    assert!(!serde_json::to_string(&reply).unwrap().contains(NUMBER));
}

#[test]
fn a_number_gets_its_daily_cap_of_tickets_then_phone_limit() {
    let mut hub = Hub::new();
    for _ in 0..3 {
        issued(&hub.send("kiosk-1", ticket(Some(NUMBER))));
        hub.advance(60_000);
    }
    // The fourth, even from another kiosk, is refused; the customer can still take one without.
    let refused = hub.send("kiosk-2", ticket(Some(NUMBER)));
    assert_eq!(code(&refused), ErrorCode::PhoneLimit);
    let message = ErrorCode::PhoneLimit.message();
    assert!(message.zh.contains("手机号") && message.en.contains("number"));
    issued(&hub.send("kiosk-2", ticket(None)));
    issued(&hub.send("kiosk-2", ticket(Some("13800131235"))));
    // The cap is per business day.
    hub.advance(DAY_MS);
    issued(&hub.send("kiosk-1", ticket(Some(NUMBER))));
}

#[test]
fn the_cap_survives_a_restart_of_the_hub() {
    let mut hub = Hub::new();
    for _ in 0..3 {
        issued(&hub.send("kiosk-1", ticket(Some(NUMBER))));
        hub.advance(60_000);
    }
    // A new writer over the same journal and key (the hub restarted).
    let config = {
        let mut c = HallConfig::parse(CONFIG).unwrap();
        c.hub.data_dir = hub.dir.path().join("data");
        c.privacy.key_file = Some(hub.dir.path().join("keys/personal.key"));
        c.load_profiles().unwrap();
        c
    };
    hub.writer = Writer::open(
        Arc::new(config),
        Arc::clone(&hub.clock) as Arc<dyn Clock>,
        Arc::new(Metrics::default()),
    )
    .unwrap();
    assert_eq!(
        code(&hub.send("kiosk-1", ticket(Some(NUMBER)))),
        ErrorCode::PhoneLimit
    );
}

#[test]
fn numbers_are_purged_when_their_retention_ends_and_the_touchpoints_stay() {
    let mut hub = Hub::new();
    let ticket_id = issued(&hub.send("kiosk-1", ticket(Some(NUMBER))));
    let reply = hub.send(
        "greeter-1",
        Command::ComplaintOpen {
            category: ComplaintCategory::Complex,
            summary: "contract dispute".into(),
            visit: None,
            ticket: None,
            business: None,
            responsibility: None,
            contact: Some(Phone::parse("13900139000").unwrap()),
        },
    );
    let complaint = match &reply.body {
        ReplyBody::Ok(ReplyResult::Complaint { complaint, .. }) => complaint.to_string(),
        other => panic!("{other:?}"),
    };
    let events_before = hub.journal().event_count().unwrap();

    // 29 days on: still kept.
    hub.advance(29 * DAY_MS);
    let j = hub.journal();
    assert!(
        j.personal(PersonalKind::NoticePhone, &ticket_id)
            .unwrap()
            .is_some()
    );
    drop(j);
    // 31 days on: the notice number is gone, the complaint's contact and every touchpoint stay.
    hub.advance(2 * DAY_MS);
    let j = hub.journal();
    assert!(
        j.personal(PersonalKind::NoticePhone, &ticket_id)
            .unwrap()
            .is_none()
    );
    assert!(
        j.personal(PersonalKind::ComplaintContact, &complaint)
            .unwrap()
            .is_some()
    );
    assert!(j.event_count().unwrap() >= events_before);
    assert!(
        j.ticket_row(&ticket_id).unwrap().is_some(),
        "the ticket stays"
    );
    let trail = j.audit_trail().unwrap();
    assert!(
        trail
            .iter()
            .any(|a| a.action == "personal_purged" && a.subject.as_deref() == Some("notice_phone")),
        "{trail:?}"
    );
    assert!(trail.iter().any(|a| a.action == "key_created"));
    drop(j);
    // Three years on, the complainant's number goes too; the complaint record stays.
    hub.advance(3 * 365 * DAY_MS);
    let j = hub.journal();
    assert!(
        j.personal(PersonalKind::ComplaintContact, &complaint)
            .unwrap()
            .is_none()
    );
    assert!(j.complaint_row(&complaint).unwrap().is_some());
}

/// The hall code's retention, as a known answer: the complaint archive (the case, its business
/// type and responsibility, its written result) is kept at least 3 years and nothing of it is
/// purged sooner; the complainant's number, sealed apart, goes when its own retention ends.
#[test]
fn a_three_year_old_complaint_survives_the_purge_and_its_number_does_not() {
    let mut hub = Hub::new();
    let reply = hub.send(
        "greeter-1",
        Command::ComplaintOpen {
            category: ComplaintCategory::General,
            summary: "charged twice".into(),
            visit: None,
            ticket: None,
            business: Some(BusinessCode::new("basic").unwrap()),
            responsibility: Some("billing".into()),
            contact: Some(Phone::parse("13900139000").unwrap()),
        },
    );
    let complaint = match &reply.body {
        ReplyBody::Ok(ReplyResult::Complaint { complaint, .. }) => complaint.clone(),
        other => panic!("{other:?}"),
    };
    let answer = hallq_proto::ComplaintAnswer {
        cause: "套餐变更次月生效".into(),
        solution: "已退还差额".into(),
        compensation: Some("赠送 10 元话费".into()),
        // A number typed into the answer never reaches the journal.
        promise: "如有疑问请拨 13900139000 联系我们".into(),
    };
    let resolved = hub.send(
        "supervisor-1",
        Command::ComplaintResolve {
            complaint: complaint.clone(),
            resolution: "refunded".into(),
            answer: Some(answer),
        },
    );
    assert!(matches!(resolved.body, ReplyBody::Ok(_)), "{resolved:?}");
    let id = complaint.to_string();

    // A day short of 3 years: everything is kept, the number too.
    hub.advance((3 * 365 - 1) * DAY_MS);
    assert!(
        hub.journal()
            .personal(PersonalKind::ComplaintContact, &id)
            .unwrap()
            .is_some(),
        "nothing is purged before 3 years"
    );
    // Past 3 years: the number is purged; the case, its classification and its written result
    // stay.
    hub.advance(2 * DAY_MS);
    let j = hub.journal();
    assert!(
        j.personal(PersonalKind::ComplaintContact, &id)
            .unwrap()
            .is_none()
    );
    let row = j.complaint_row(&id).unwrap().unwrap();
    assert_eq!(row.business.as_deref(), Some("basic"));
    assert_eq!(row.responsibility.as_deref(), Some("billing"));
    assert_eq!(row.resolution.as_deref(), Some("refunded"));
    let body: String = j
        .connection()
        .query_row(
            "SELECT body FROM events WHERE type = 'complaint_resolved' AND complaint = ?1",
            [&id],
            |r| r.get(0),
        )
        .unwrap();
    let kind: hallq_queue::EventKind = serde_json::from_str(&body).unwrap();
    let hallq_queue::EventKind::ComplaintResolved {
        answer: Some(kept), ..
    } = kind
    else {
        panic!("{body}");
    };
    assert_eq!(kept.cause, "套餐变更次月生效");
    assert_eq!(kept.compensation.as_deref(), Some("赠送 10 元话费"));
    assert_eq!(kept.promise, "如有疑问请拨 … 联系我们");
    assert!(!all_text(&j).contains("13900139000"));
}

#[test]
fn a_kiosk_flood_is_refused_and_journaled_without_filling_the_disk() {
    let mut hub = Hub::new();
    let payloads: Vec<_> = (0..200)
        .map(|_| hub.payload("kiosk-1", ticket(None)))
        .collect();
    let first_id = payloads[0].0.clone();
    let replies = hub.batch("kiosk-1", payloads.iter().map(|p| p.1.clone()).collect());
    let granted = replies
        .iter()
        .filter(|r| matches!(r.body, ReplyBody::Ok(_)))
        .count();
    assert_eq!(granted, 10, "the ticket burst, no more");
    assert!(
        replies[10..]
            .iter()
            .all(|r| code(r) == ErrorCode::RateLimited)
    );
    // The other kiosk is served.
    issued(&hub.send("kiosk-2", ticket(None)));
    // A retry of an issued ticket is answered from the store: no token, the same ticket.
    let again = hub.batch("kiosk-1", vec![payloads[0].1.clone()]).remove(0);
    assert_eq!(again.id.as_ref(), Some(&first_id));
    assert_eq!(issued(&again), issued(&replies[0]));

    // Refusals are journaled one by one up to the budget, then counted.
    let j = hub.journal();
    let rows: i64 = j
        .connection()
        .query_row(
            "SELECT count(*) FROM refusals WHERE device = 'kiosk-1' AND code = 'rate_limited'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(rows, 60);
    drop(j);
    // A minute later the kiosk is served again, and the next refusal row says what was left out.
    hub.advance(60_000);
    issued(&hub.send("kiosk-1", ticket(None)));
    let flood: Vec<_> = (0..20)
        .map(|_| hub.payload("kiosk-1", ticket(None)).1)
        .collect();
    hub.batch("kiosk-1", flood);
    let j = hub.journal();
    let details: Vec<String> = j
        .connection()
        .prepare("SELECT detail FROM refusals WHERE detail LIKE '%not journaled one by one%'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    // 190 refused in the first flood, 60 journaled: the other 130 are told by the next row.
    assert_eq!(details.len(), 1, "{details:?}");
    assert!(details[0].contains("+130 "), "{details:?}");
}

#[test]
fn wrong_pins_lock_a_staff_number_and_the_lock_is_refused_unchecked() {
    let mut hub = Hub::new();
    let sign_in = |pin: &str| Command::SignIn {
        staff: hallq_proto::StaffNo::new("E1001").unwrap(),
        pin: Some(hallq_proto::command::Pin(pin.into())),
    };
    for _ in 0..5 {
        assert_eq!(
            code(&hub.send("counter-1", sign_in("000000"))),
            ErrorCode::WrongPin
        );
    }
    // Locked: even the right PIN is refused, until the lockout ends.
    assert_eq!(
        code(&hub.send("counter-1", sign_in("246810"))),
        ErrorCode::PinLocked
    );
    hub.advance(15 * 60_000);
    let reply = hub.send("counter-1", sign_in("246810"));
    assert!(matches!(reply.body, ReplyBody::Ok(_)), "{reply:?}");
    // Every attempt is in the journal with its code.
    let j = hub.journal();
    let codes: Vec<Option<String>> = j
        .connection()
        .prepare("SELECT error_code FROM commands WHERE kind = 'sign_in' ORDER BY at_ms")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(codes.len(), 7);
    assert_eq!(codes[5].as_deref(), Some("pin_locked"));
    assert_eq!(codes[6], None);
}
