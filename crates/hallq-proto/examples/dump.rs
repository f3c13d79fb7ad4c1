//! Prints the JSON of every message of the contract, built from the crate's own types, so that
//! docs/protocol.md can show exactly what goes over the wire.
//!
//! ```text
//! cargo run -p hallq-proto --example dump
//! ```
//!
//! Commands come out as the `mosquitto_pub` lines that send them (every kind of
//! [`hallq_proto::examples::examples`], then a few variants the doc needs); replies, retained
//! state, the call event and presence come out as the topic and the pretty-printed payload.
//! Everything is for the hall `demo` on the business day 2026-11-23.

#![allow(clippy::unwrap_used)] // an example: a panic is a bug in the example data
#![allow(clippy::print_stdout)] // printing is what this example is for

use std::collections::HashMap;

use hallq_proto::command::{IssueTicket, TicketRef};
use hallq_proto::examples::examples;
use hallq_proto::reply::TicketIssued;
use hallq_proto::state::{
    Activity, Announcement, Board, CallEntry, CallEvent, CounterState, HubClock, HubStatus,
    Liveness, Notice, NoticeKind, OpeningHours, Presence, QueueInfo, RatingPrompt, ServiceInfo,
    Services, TicketAtCounter, TierChoice,
};
use hallq_proto::topic::Topics;
use hallq_proto::{
    AnnouncementId, BusinessClass, BusinessCode, BusinessDay, Command, CommandEnvelope, CommandId,
    ComplaintId, CounterNo, DeviceId, ErrorCode, ErrorInfo, HallId, Lang, LocalText, PauseReason,
    Priority, Reply, ReplyResult, SCHEMA_VERSION, ServiceResult, StaffNo, TicketId, TicketNo,
    Timestamp, TransferTarget, VisitId, speech,
};
use serde::Serialize;

/// 2026-11-23 10:15:00 in Beijing: the moment every example happens around.
const NOW: i64 = 1_795_400_100_000;

fn at(secs_after: i64) -> Timestamp {
    Timestamp(NOW).plus_secs(secs_after)
}

fn device(s: &str) -> DeviceId {
    DeviceId::new(s).unwrap()
}

fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).unwrap()
}

fn ticket() -> TicketId {
    TicketId::new("20261123-0042").unwrap()
}

fn number() -> TicketNo {
    TicketNo::format("A", 12)
}

fn basic_name() -> LocalText {
    text(
        "基础业务（套餐变更、话费充值）",
        "Basic services (plan change, top-up)",
    )
}

fn text(zh: &str, en: &str) -> LocalText {
    LocalText::new(zh, en)
}

/// Which device sends the example of `kind`: one of each role.
fn sender(kind: &str) -> &'static str {
    match kind {
        "issue_ticket"
        | "session_started"
        | "self_service_chosen"
        | "session_abandoned"
        | "print_result" => "kiosk-1",
        "consultation" | "wandering" | "product_experience" | "document_precheck"
        | "complaint_open" => "greeter-1",
        "rate" => "evaluator-3",
        "close_counter" | "complaint_update" | "complaint_resolve" | "announcement_post"
        | "announcement_clear" => "supervisor-1",
        "door_count" => "door-1",
        "call_announced" => "display-main",
        _ => "counter-3",
    }
}

/// Prints commands as `mosquitto_pub` lines, numbering each device's command ids.
struct Publisher {
    topics: Topics,
    seq: HashMap<String, u32>,
}

impl Publisher {
    fn publish(&mut self, from: &str, cmd: Command) {
        let n = self.seq.entry(from.to_owned()).or_insert(0);
        *n += 1;
        let id = CommandId::new(format!("{from}-{n:04}")).unwrap();
        let dev = device(from);
        let topic = self.topics.cmd(&dev);
        let json = CommandEnvelope::new(id, dev, cmd).to_json();
        assert!(
            !json.contains('\''),
            "a single quote would break the shell line: {json}"
        );
        println!("mosquitto_pub -q 1 -t '{topic}' -m '{json}'");
    }
}

fn show(title: &str, topic: &str, payload: &impl Serialize) {
    println!("### {title}\n# {topic}");
    println!("{}\n", serde_json::to_string_pretty(payload).unwrap());
}

fn reply(topics: &Topics, title: &str, to: &str, r: &Reply) {
    show(title, &topics.reply(&device(to)), r);
}

fn ok(id: &str, result: ReplyResult) -> Reply {
    Reply::ok(CommandId::new(id).unwrap(), at(0), result)
}

fn counter_state(activity: Activity) -> CounterState {
    let mut c = CounterState::closed(
        CounterNo(3),
        text("3 号窗口", "Counter 3"),
        vec![code("complex"), code("basic"), code("consult")],
    );
    c.rev = 57;
    c.open = true;
    c.staff = Some(StaffNo::new("E1024").unwrap());
    c.online = true;
    c.activity = activity;
    c.served_today = 14;
    c
}

fn at_counter(recalls: u32) -> TicketAtCounter {
    TicketAtCounter {
        ticket: ticket(),
        number: number(),
        business: code("basic"),
        priority: Priority::Care,
        called_at_ms: at(0),
        recalls,
        note: None,
    }
}

fn main() {
    let hall = HallId::new("demo").unwrap();
    let topics = Topics::new(&hall);
    let mut publisher = Publisher {
        topics: topics.clone(),
        seq: HashMap::new(),
    };

    println!("## commands: one of each kind (hallq_proto::examples)\n");
    for cmd in examples() {
        let from = sender(cmd.kind());
        publisher.publish(from, cmd);
    }

    println!("\n## commands: variants\n");
    let greeter_ticket = IssueTicket {
        business: code("complex"),
        priority_reason: None,
        green_channel: Some("VIP-88001".into()),
        lang: Lang::En,
        phone: None,
        session: None,
        visit: VisitId::new("V20261123-0007").ok(),
        tier: None,
    };
    publisher.publish("greeter-1", Command::IssueTicket(greeter_ticket));
    let member_ticket = IssueTicket {
        business: code("basic"),
        priority_reason: None,
        green_channel: None,
        lang: Lang::Zh,
        phone: None,
        session: None,
        visit: VisitId::new("V20261123-0008").ok(),
        tier: Some(7),
    };
    publisher.publish("greeter-1", Command::IssueTicket(member_ticket));
    publisher.publish(
        "supervisor-1",
        Command::OpenCounter {
            counter: Some(CounterNo(5)),
        },
    );
    publisher.publish("counter-3", Command::CloseCounter { counter: None });
    publisher.publish(
        "counter-3",
        Command::Transfer {
            to: TransferTarget::Counter(CounterNo(5)),
            note: None,
        },
    );
    publisher.publish(
        "counter-3",
        Command::Finish {
            result: ServiceResult::Sale,
            note: Some("5G plan with handset".into()),
            missing: vec![],
        },
    );
    publisher.publish("counter-3", Command::BackOffice { waiting: false });
    publisher.publish(
        "greeter-1",
        Command::CancelTicket {
            ticket: TicketRef("20261123-0042".into()),
            reason: None,
        },
    );

    println!("\n## commands: try it by hand\n");
    publisher.publish(
        "kiosk-1",
        Command::IssueTicket(IssueTicket {
            business: code("basic"),
            priority_reason: None,
            green_channel: None,
            lang: Lang::Zh,
            phone: None,
            session: None,
            visit: None,
            tier: None,
        }),
    );
    publisher.publish(
        "counter-3",
        Command::SignIn {
            staff: StaffNo::new("E1024").unwrap(),
            pin: None,
        },
    );
    for cmd in [
        Command::CallNext {},
        Command::StartService {},
        Command::Finish {
            result: ServiceResult::Done,
            note: None,
            missing: vec![],
        },
    ] {
        publisher.publish("counter-3", cmd);
    }
    publisher.publish(
        "evaluator-3",
        Command::Rate {
            score: hallq_proto::Score::Satisfied,
            ticket: None,
        },
    );

    println!("\n## replies: ok, one per result kind\n");
    let documents = vec![text("本人有效身份证件原件", "Your original ID card")];
    reply(
        &topics,
        "ticket_issued",
        "kiosk-1",
        &ok(
            "kiosk-1-0001",
            ReplyResult::TicketIssued(TicketIssued {
                ticket: ticket(),
                number: number(),
                visit: VisitId::new("V20261123-0031").unwrap(),
                business: code("basic"),
                business_name: basic_name(),
                priority: Priority::Care,
                issued_at_ms: at(0),
                people_ahead: 4,
                estimated_wait_min: Some(12),
                documents: documents.clone(),
                page_url: None,
            }),
        ),
    );
    reply(
        &topics,
        "called",
        "counter-3",
        &ok(
            "counter-3-0007",
            ReplyResult::Called {
                ticket: ticket(),
                number: number(),
                business: code("basic"),
                priority: Priority::Care,
                counter: CounterNo(3),
                recalls: 0,
                greeting: Some(LocalText::new(
                    "尊敬的钻卡客户，您好！",
                    "Welcome, valued diamond customer.",
                )),
            },
        ),
    );
    reply(
        &topics,
        "counter",
        "counter-3",
        &ok(
            "counter-3-0004",
            ReplyResult::Counter(counter_state(Activity::Paused {
                reason: PauseReason::Meal,
                since_ms: at(0),
            })),
        ),
    );
    reply(
        &topics,
        "recorded",
        "greeter-1",
        &ok(
            "greeter-1-0001",
            ReplyResult::Recorded {
                visit: VisitId::new("V20261123-0007").ok(),
            },
        ),
    );
    reply(
        &topics,
        "recorded (no visit)",
        "door-1",
        &ok("door-1-0001", ReplyResult::Recorded { visit: None }),
    );
    reply(
        &topics,
        "rated",
        "evaluator-3",
        &ok("evaluator-3-0001", ReplyResult::Rated { ticket: ticket() }),
    );
    reply(
        &topics,
        "complaint",
        "greeter-1",
        &ok(
            "greeter-1-0005",
            ReplyResult::Complaint {
                complaint: ComplaintId::new("K20261123-001").unwrap(),
                first_contact_due_ms: at(2 * 3600),
                due_ms: at(24 * 3600),
                resolved: false,
            },
        ),
    );
    reply(
        &topics,
        "announcement",
        "supervisor-1",
        &ok(
            "supervisor-1-0004",
            ReplyResult::Announcement {
                id: AnnouncementId::new("upgrade").unwrap(),
            },
        ),
    );
    reply(
        &topics,
        "done",
        "counter-3",
        &ok("counter-3-0014", ReplyResult::Done),
    );

    println!("\n## replies: errors\n");
    reply(
        &topics,
        "error from the queue",
        "counter-3",
        &Reply::error(
            CommandId::new("counter-3-0006").ok(),
            at(0),
            ErrorCode::NothingWaiting,
        ),
    );
    let decode_error = hallq_proto::decode_command(
        br#"{"v":1,"id":"kiosk-1-0009","device":"kiosk-1","kind":"issue_ticket","business":"basic","bussiness":"x"}"#,
    )
    .unwrap_err();
    reply(
        &topics,
        "error from the decoder, with a detail",
        "kiosk-1",
        &Reply::error(decode_error.id, at(0), decode_error.error.to_info()),
    );
    let unreadable = hallq_proto::decode_command(b"{not json").unwrap_err();
    reply(
        &topics,
        "error without a readable id",
        "kiosk-1",
        &Reply::error(unreadable.id, at(0), unreadable.error.to_info()),
    );
    reply(
        &topics,
        "error from the hub's checks",
        "kiosk-1",
        &Reply::error(
            CommandId::new("kiosk-1-0010").ok(),
            at(0),
            ErrorInfo::new(ErrorCode::Forbidden).with_detail("kiosk may not send call_next"),
        ),
    );

    println!("\n## retained state\n");
    let upgrade = Announcement {
        id: AnnouncementId::new("upgrade").unwrap(),
        text: text(
            "今晚 22:00 系统升级，届时暂停办理业务",
            "System upgrade tonight at 22:00; counters pause then.",
        ),
        starts_at_ms: at(-600),
        ends_at_ms: Some(Timestamp(1_795_478_400_000)),
        where_to_ask: Some(text("咨询台", "information desk")),
    };
    let board = Board {
        v: SCHEMA_VERSION,
        rev: 1208,
        at_ms: at(0),
        hall: hall.clone(),
        hall_name: text("示例营业厅", "Demo Business Hall"),
        business_day: BusinessDay(20_261_123),
        open: true,
        calls: vec![
            CallEntry {
                number: number(),
                counter: CounterNo(3),
                business: code("basic"),
                at_ms: at(0),
                recall: 0,
            },
            CallEntry {
                number: TicketNo::format("B", 3),
                counter: CounterNo(5),
                business: code("complex"),
                at_ms: at(-95),
                recall: 1,
            },
        ],
        queues: vec![
            QueueInfo {
                business: code("basic"),
                name: basic_name(),
                prefix: "A".into(),
                waiting: 4,
                estimated_wait_min: Some(12),
                counters_open: 2,
            },
            QueueInfo {
                business: code("repair"),
                name: text("故障报修", "Fault repair"),
                prefix: "D".into(),
                waiting: 1,
                estimated_wait_min: None,
                counters_open: 0,
            },
        ],
        announcements: vec![upgrade],
        notices: vec![Notice {
            kind: NoticeKind::DeviceMaintenance,
            device: Some(device("kiosk-2")),
            counter: None,
            text: NoticeKind::maintenance_text(),
        }],
        kiosks_online: Some(1),
    };
    show("board", &topics.board(), &board);

    let services = Services {
        v: SCHEMA_VERSION,
        rev: 311,
        at_ms: at(0),
        open: true,
        hall_name: text("示例营业厅", "Demo Business Hall"),
        services: vec![
            ServiceInfo {
                business: code("basic"),
                name: basic_name(),
                prefix: "A".into(),
                class: BusinessClass::Basic,
                waiting: 4,
                estimated_wait_min: Some(12),
                counters_open: 2,
                limit_min: 15,
                documents: documents.clone(),
                document_help: vec![Some(text(
                    "身份证遗失可先到派出所办理临时身份证",
                    "A lost ID card: get a temporary one at the police station first",
                ))],
                self_service: Some(text(
                    "话费充值、账单查询可在自助终端或手机营业厅 App 办理，无需排队",
                    "Top-up and bill queries need no queue: use the self-service terminal or the app",
                )),
            },
            ServiceInfo {
                business: code("repair"),
                name: text("故障报修", "Fault repair"),
                prefix: "D".into(),
                class: BusinessClass::Repair,
                waiting: 1,
                estimated_wait_min: None,
                counters_open: 0,
                limit_min: 30,
                documents: vec![
                    text("本人有效身份证件原件", "Your original ID card"),
                    text("故障设备及购机凭证", "The faulty device and its receipt"),
                ],
                document_help: vec![],
                self_service: None,
            },
        ],
        hours: Some(OpeningHours {
            open: "08:30".into(),
            close: "17:30".into(),
        }),
        booking: true,
        tiers: vec![TierChoice {
            level: 7,
            name: text("五星钻卡客户", "Five-star diamond customer"),
        }],
    };
    show("services", &topics.services(), &services);

    let counter = topics.counter(CounterNo(3));
    let mut idle = counter_state(Activity::Idle);
    idle.awaiting_rating = Some(RatingPrompt {
        ticket: ticket(),
        number: number(),
        until_ms: at(30),
    });
    show("counter: idle, waiting for a rating", &counter, &idle);
    show(
        "counter: paused",
        &counter,
        &counter_state(Activity::Paused {
            reason: PauseReason::Meal,
            since_ms: at(0),
        }),
    );
    show(
        "counter: calling",
        &counter,
        &counter_state(Activity::Calling(at_counter(1))),
    );
    show(
        "counter: serving",
        &counter,
        &counter_state(Activity::Serving {
            ticket: at_counter(1),
            since_ms: at(40),
            limit_min: 15,
            back_office: false,
        }),
    );
    show(
        "counter: closed",
        &topics.counter(CounterNo(5)),
        &CounterState::closed(
            CounterNo(5),
            text("5 号窗口", "Counter 5"),
            vec![code("enterprise"), code("complex"), code("basic")],
        ),
    );

    let hub = |status, at_ms| HubStatus {
        v: SCHEMA_VERSION,
        status,
        hall: hall.clone(),
        at_ms,
        version: "0.1.0".into(),
        reason: None,
        clock_behind_ms: None,
        storage: None,
        notices: None,
        uplink: None,
        clock: (status == Liveness::Online).then_some(HubClock {
            now_ms: at(-3600),
            rate: 1.0,
        }),
        config: None,
        config_refused: None,
    };
    show(
        "hub online",
        &topics.hub(),
        &hub(Liveness::Online, Some(at(-3600))),
    );
    show(
        "hub offline (its will)",
        &topics.hub(),
        &hub(Liveness::Offline, None),
    );

    println!("\n## event\n");
    let call = CallEvent {
        v: SCHEMA_VERSION,
        ticket: ticket(),
        number: number(),
        business: code("basic"),
        counter: CounterNo(3),
        recall: 0,
        at_ms: at(0),
        speech: speech::call(&number(), CounterNo(3)),
    };
    show("call", &topics.call(), &call);

    println!("\n## presence\n");
    let kiosk = device("kiosk-1");
    show(
        "birth",
        &topics.presence(&kiosk),
        &Presence {
            v: SCHEMA_VERSION,
            device: kiosk.clone(),
            status: Liveness::Online,
            profile: Some("kiosk-touch-80mm".into()),
            version: Some("0.1.0".into()),
        },
    );
    let door = device("door-1");
    let birth = Presence {
        v: SCHEMA_VERSION,
        device: door.clone(),
        status: Liveness::Online,
        profile: None,
        version: Some("0.1.0".into()),
    };
    println!(
        "mosquitto_pub -q 1 -r -t '{}' -m '{}'\n",
        topics.presence(&door),
        serde_json::to_string(&birth).unwrap()
    );
    show(
        "will",
        &topics.presence(&kiosk),
        &Presence {
            v: SCHEMA_VERSION,
            device: kiosk.clone(),
            status: Liveness::Offline,
            profile: None,
            version: None,
        },
    );
}
