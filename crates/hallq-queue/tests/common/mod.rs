//! Helpers shared by the rule tests and the property tests: ids and times, small halls, and a
//! snapshot of everything the engine shows, so two engines (or one engine before and after a
//! command) can be compared as a whole.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use hallq_proto::command::TicketRef;
use hallq_proto::state::{Announcement, CallEntry, CounterState, QueueInfo, ServiceInfo};
use hallq_proto::{
    BusinessClass, BusinessCode, BusinessDay, ComplaintId, CounterNo, Lang, LocalText, Priority,
    PriorityReason, StaffNo, TicketId, TicketNo, Timestamp, VisitId,
};
use hallq_queue::config::{BusinessType, CounterConfig, PriorityRule, RecallRule};
use hallq_queue::{
    Command, Engine, Event, EventKind, OpenComplaint, QueueConfig, QueueError, TicketStatus,
};

/// The business day most tests run in.
pub(crate) const DAY: BusinessDay = BusinessDay(20261123);

/// 2026-11-23 09:00 in Beijing, in ms: every test's time zero.
pub(crate) const T0_MS: i64 = 1_795_395_600_000;

/// The hub's time `secs` seconds after the hall opened.
pub(crate) fn at(secs: i64) -> Timestamp {
    Timestamp(T0_MS + secs * 1000)
}

pub(crate) fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).unwrap()
}

pub(crate) fn staff(s: &str) -> StaffNo {
    StaffNo::new(s).unwrap()
}

/// The clerk the tests sign in at counter `n`.
pub(crate) fn clerk(n: u16) -> StaffNo {
    staff(&format!("s{n}"))
}

pub(crate) fn tref(s: &str) -> TicketRef {
    TicketRef(s.to_owned())
}

/// Today's ticket with daily serial `n`.
pub(crate) fn tid(n: u32) -> TicketId {
    TicketId::new(format!("{DAY}-{n:04}")).unwrap()
}

/// Today's visit with daily serial `n`.
pub(crate) fn vid(n: u32) -> VisitId {
    VisitId::new(format!("V{DAY}-{n:04}")).unwrap()
}

pub(crate) fn no(s: &str) -> TicketNo {
    TicketNo(s.to_owned())
}

pub(crate) fn ev(secs: i64, kind: EventKind) -> Event {
    Event {
        at_ms: at(secs),
        kind,
    }
}

/// A kiosk ticket request.
pub(crate) fn issue(business: &str, priority: Priority) -> Command {
    let reason = (priority == Priority::Care).then_some(PriorityReason::Elderly);
    Command::IssueTicket {
        business: code(business),
        priority,
        reason,
        granted_by: None,
        lang: Lang::Zh,
        notify: false,
        visit: None,
        tier: None,
    }
}

/// A ticket a greeter issues for a visit already started.
pub(crate) fn issue_for(business: &str, visit: VisitId) -> Command {
    match issue(business, Priority::Ordinary) {
        Command::IssueTicket {
            business,
            priority,
            reason,
            granted_by,
            lang,
            notify,
            ..
        } => Command::IssueTicket {
            business,
            priority,
            reason,
            granted_by,
            lang,
            notify,
            visit: Some(visit),
            tier: None,
        },
        _ => unreachable!(),
    }
}

/// Applies a command that must be accepted.
pub(crate) fn ok(engine: &mut Engine, cmd: &Command, secs: i64) -> Vec<Event> {
    match engine.apply(cmd, at(secs)) {
        Ok(events) => events,
        Err(e) => panic!("{cmd:?} at {secs}s was refused: {e}"),
    }
}

/// Applies a command that must be refused, and returns why.
pub(crate) fn refused(engine: &mut Engine, cmd: &Command, secs: i64) -> QueueError {
    match engine.apply(cmd, at(secs)) {
        Ok(events) => panic!("{cmd:?} at {secs}s was accepted: {events:?}"),
        Err(e) => e,
    }
}

/// An engine for `config` with [`DAY`] opened at time zero.
pub(crate) fn opened(config: QueueConfig) -> Engine {
    let mut e = Engine::new(config).unwrap();
    ok(&mut e, &Command::OpenDay { day: DAY }, 0);
    e
}

/// Signs clerk `s{n}` in at counter `n`, which opens it.
pub(crate) fn sign_in(engine: &mut Engine, n: u16, secs: i64) {
    let cmd = Command::SignIn {
        counter: CounterNo(n),
        staff: clerk(n),
    };
    ok(engine, &cmd, secs);
}

/// Issues a ticket and returns its id.
pub(crate) fn take(engine: &mut Engine, business: &str, priority: Priority, secs: i64) -> TicketId {
    issued_id(&ok(engine, &issue(business, priority), secs))
}

/// The ticket a batch of events issued.
pub(crate) fn issued_id(events: &[Event]) -> TicketId {
    events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::TicketIssued { ticket, .. } => Some(ticket.clone()),
            _ => None,
        })
        .unwrap()
}

/// The printed numbers of the tickets waiting for `business`, in call order.
pub(crate) fn waiting_numbers(engine: &Engine, business: &str) -> Vec<String> {
    engine
        .waiting(&code(business))
        .iter()
        .map(|t| t.number.0.clone())
        .collect()
}

/// A business type with the number range `first..=last`.
pub(crate) fn business(
    code_: &str,
    prefix: &str,
    class: BusinessClass,
    first: u32,
    last: u32,
) -> BusinessType {
    BusinessType {
        code: code(code_),
        name: LocalText::new(code_, code_),
        prefix: prefix.to_owned(),
        class,
        first_number: first,
        last_number: last,
        limit_min: None,
        default_handling_min: None,
        documents: vec![],
        document_help: vec![],
        self_service: None,
    }
}

pub(crate) fn counter(n: u16, skills: &[&str]) -> CounterConfig {
    CounterConfig {
        number: CounterNo(n),
        name: None,
        skills: skills.iter().map(|s| code(s)).collect(),
    }
}

/// A small hall for the property tests: three business types with ranges short enough to wrap
/// many times a day, three counters with different skills in different orders, and head starts
/// short enough that priority both overtakes and is held back within a run.
pub(crate) fn small_hall() -> QueueConfig {
    QueueConfig {
        business: vec![
            business("consult", "C", BusinessClass::Consultation, 1, 9),
            business("basic", "A", BusinessClass::Basic, 1, 15),
            business("complex", "B", BusinessClass::Complex, 3, 7),
        ],
        counters: vec![
            counter(1, &["basic", "consult"]),
            counter(2, &["complex", "basic"]),
            counter(3, &["consult", "complex", "basic"]),
        ],
        priority: PriorityRule {
            care_head_start_min: 10,
            green_channel_head_start_min: 4,
        },
        recall: RecallRule {
            recalls_before_no_show: 2,
            no_show_after_secs: 120,
            auto_no_show_after_secs: 300,
        },
        rating_timeout_secs: 90,
        visit_idle_end_min: 15,
        estimate_samples: 5,
        tiers: Vec::new(),
    }
}

/// One ticket as the engine shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TicketView {
    pub(crate) id: TicketId,
    pub(crate) visit: VisitId,
    pub(crate) number: TicketNo,
    pub(crate) business: BusinessCode,
    pub(crate) origin: BusinessCode,
    pub(crate) priority: Priority,
    pub(crate) issued_at: Timestamp,
    pub(crate) key: i64,
    pub(crate) status: TicketStatus,
    pub(crate) directed: Option<CounterNo>,
    pub(crate) note: Option<String>,
    pub(crate) people_ahead: u32,
    pub(crate) estimate: Option<u32>,
}

/// Everything the engine shows: what the board, the kiosks, the counters and the hub read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Views {
    pub(crate) day: Option<BusinessDay>,
    pub(crate) open: bool,
    pub(crate) queues: Vec<QueueInfo>,
    pub(crate) services: Vec<ServiceInfo>,
    pub(crate) counters: Vec<CounterState>,
    pub(crate) next: Vec<(CounterNo, Option<TicketId>)>,
    pub(crate) tickets: Vec<TicketView>,
    pub(crate) waiting: Vec<(BusinessCode, Vec<TicketId>)>,
    pub(crate) directed: Vec<(CounterNo, Vec<TicketId>)>,
    pub(crate) recent_calls: Vec<CallEntry>,
    pub(crate) complaints: Vec<(ComplaintId, OpenComplaint)>,
    pub(crate) announcements: Vec<Announcement>,
}

/// Everything `e` shows, with the announcements in effect at time zero.
pub(crate) fn views(e: &Engine) -> Views {
    views_at(e, at(0))
}

/// Everything `e` shows, with the announcements in effect at `now`.
pub(crate) fn views_at(e: &Engine, now: Timestamp) -> Views {
    let cfg = e.config();
    let ids = |ts: Vec<&hallq_queue::Ticket>| ts.iter().map(|t| t.id.clone()).collect::<Vec<_>>();
    Views {
        day: e.day(),
        open: e.is_open(),
        queues: e.queues(),
        services: e.services(),
        counters: cfg
            .counters
            .iter()
            .map(|c| e.counter_state(c.number).unwrap())
            .collect(),
        next: cfg
            .counters
            .iter()
            .map(|c| (c.number, e.peek_next(c.number).map(|t| t.id.clone())))
            .collect(),
        tickets: e
            .tickets()
            .iter()
            .map(|t| TicketView {
                id: t.id.clone(),
                visit: t.visit.clone(),
                number: t.number.clone(),
                business: t.business.clone(),
                origin: t.origin.clone(),
                priority: t.priority,
                issued_at: t.issued_at,
                key: t.key,
                status: t.status,
                directed: t.directed,
                note: t.note.clone(),
                people_ahead: e.people_ahead(&t.id),
                estimate: e.estimated_wait_min(&t.id),
            })
            .collect(),
        waiting: cfg
            .business
            .iter()
            .map(|b| (b.code.clone(), ids(e.waiting(&b.code))))
            .collect(),
        directed: cfg
            .counters
            .iter()
            .map(|c| (c.number, ids(e.directed(c.number))))
            .collect(),
        recent_calls: e.recent_calls(),
        complaints: e
            .open_complaints()
            .iter()
            .map(|(id, c)| (id.clone(), c.clone()))
            .collect(),
        announcements: e.announcements(now),
    }
}

/// Replays `events` into a fresh engine for `config`, through the journal's JSON form.
pub(crate) fn replayed(config: QueueConfig, events: &[Event]) -> Engine {
    let json = serde_json::to_string(events).unwrap();
    let back: Vec<Event> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, events, "events survive the journal's JSON");
    let mut e = Engine::new(config).unwrap();
    for event in &back {
        e.replay(event);
    }
    e
}
