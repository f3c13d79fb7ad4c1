//! Helpers shared by the journal's tests: a small hub (engine + journal, one commit per
//! command, as the hub does it) and a snapshot of everything the engine shows, so that the live
//! engine and one rebuilt by replay can be compared as a whole.

// Each test binary uses its own subset of these helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use hallq_journal::{Durability, Entry, Journal};
use hallq_proto::state::{Announcement, CallEntry, CounterState, QueueInfo};
use hallq_proto::{
    BusinessCode, BusinessDay, CommandId, ComplaintId, CounterNo, DeviceId, Lang, Priority,
    PriorityReason, StaffNo, Timestamp,
};
use hallq_queue::{
    Command, Engine, Event, EventKind, OpenComplaint, QueueConfig, QueueError, TicketStatus,
};

/// The business day most tests run in.
pub(crate) const DAY: BusinessDay = BusinessDay(20261123);

/// 2026-11-23 09:00 in Beijing, in ms: every test's time zero.
pub(crate) const T0_MS: i64 = 1_795_395_600_000;

/// The hub's time `secs` seconds after time zero.
pub(crate) fn at(secs: i64) -> Timestamp {
    Timestamp(T0_MS + secs * 1000)
}

pub(crate) fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).unwrap()
}

pub(crate) fn device(s: &str) -> DeviceId {
    DeviceId::new(s).unwrap()
}

pub(crate) fn cid(s: &str) -> CommandId {
    CommandId::new(s).unwrap()
}

pub(crate) fn staff(n: u16) -> StaffNo {
    StaffNo::new(format!("s{n}")).unwrap()
}

/// A ticket request.
pub(crate) fn issue(business: &str, priority: Priority) -> Command {
    let reason = (priority == Priority::Care).then_some(PriorityReason::Elderly);
    Command::IssueTicket {
        business: code(business),
        priority,
        reason,
        granted_by: None,
        lang: Lang::Zh,
        notify: true,
        visit: None,
        tier: None,
    }
}

/// The journal file in `dir`.
pub(crate) fn db(dir: &Path) -> PathBuf {
    dir.join("journal.sqlite")
}

/// The reply a hub would publish: enough to tell commands apart.
pub(crate) fn reply_json(id: &CommandId, ok: &Result<Vec<Event>, QueueError>) -> String {
    match ok {
        Ok(events) => format!(
            r#"{{"v":1,"id":"{id}","ok":true,"events":{}}}"#,
            events.len()
        ),
        Err(e) => format!(
            r#"{{"v":1,"id":"{id}","ok":false,"code":{}}}"#,
            serde_json::to_string(&e.code()).unwrap()
        ),
    }
}

/// The hub as the tests need it: every command goes through the engine, then into the journal
/// with its reply and events, one commit each.
pub(crate) struct Hall {
    pub(crate) engine: Engine,
    pub(crate) journal: Journal,
    /// Command ids are `{device}-{n}`.
    pub(crate) next_id: u64,
}

impl Hall {
    /// A hall with [`QueueConfig::telecom_default`] journaling to `path`.
    pub(crate) fn open(path: &Path) -> Self {
        Self {
            engine: Engine::new(QueueConfig::telecom_default()).unwrap(),
            journal: Journal::open(path, Durability::Full).unwrap(),
            next_id: 1,
        }
    }

    /// The entry for `cmd` from `dev` decided at `secs`, and the engine's answer.
    pub(crate) fn decide(
        &mut self,
        dev: &str,
        cmd: &Command,
        secs: i64,
    ) -> (Entry, Result<Vec<Event>, QueueError>) {
        let id = cid(&format!("{dev}-{}", self.next_id));
        self.next_id += 1;
        let result = self.engine.apply(cmd, at(secs));
        let entry = Entry::Command {
            device: device(dev),
            command_id: id.clone(),
            kind: format!("{cmd:?}")
                .split([' ', '{', '('])
                .next()
                .unwrap()
                .to_owned(),
            at: at(secs),
            ok: result.as_ref().map(|_| ()).map_err(QueueError::code),
            reply_json: reply_json(&id, &result),
            events: result.clone().unwrap_or_default(),
        };
        (entry, result)
    }

    /// Applies and journals a command that must be accepted; returns its events.
    pub(crate) fn ok(&mut self, dev: &str, cmd: Command, secs: i64) -> Vec<Event> {
        let (entry, result) = self.decide(dev, &cmd, secs);
        self.journal.commit(&[entry]).unwrap();
        match result {
            Ok(events) => events,
            Err(e) => panic!("{cmd:?} at {secs}s was refused: {e}"),
        }
    }

    /// Applies and journals a command that must be refused.
    pub(crate) fn refused(&mut self, dev: &str, cmd: Command, secs: i64) -> QueueError {
        let (entry, result) = self.decide(dev, &cmd, secs);
        self.journal.commit(&[entry]).unwrap();
        match result {
            Ok(events) => panic!("{cmd:?} at {secs}s was accepted: {events:?}"),
            Err(e) => e,
        }
    }

    /// The hub's clock: a `Tick`, journaled as internal events.
    pub(crate) fn tick(&mut self, secs: i64) -> Vec<Event> {
        let events = self.engine.apply(&Command::Tick, at(secs)).unwrap();
        self.journal
            .commit(&[Entry::Internal {
                events: events.clone(),
            }])
            .unwrap();
        events
    }

    /// Counter `n`'s clerk signs in.
    pub(crate) fn sign_in(&mut self, n: u16, secs: i64) {
        let cmd = Command::SignIn {
            counter: CounterNo(n),
            staff: staff(n),
        };
        self.ok(&format!("counter-{n}"), cmd, secs);
    }

    /// A kiosk issues a ticket; returns its id.
    pub(crate) fn take(&mut self, business: &str, priority: Priority, secs: i64) -> String {
        let events = self.ok("kiosk-1", issue(business, priority), secs);
        issued(&events)
    }

    /// A counter command.
    pub(crate) fn at_counter(&mut self, n: u16, cmd: Command, secs: i64) -> Vec<Event> {
        self.ok(&format!("counter-{n}"), cmd, secs)
    }
}

/// The id of the ticket a batch of events issued.
pub(crate) fn issued(events: &[Event]) -> String {
    events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::TicketIssued { ticket, .. } => Some(ticket.to_string()),
            _ => None,
        })
        .unwrap()
}

/// The id of the complaint a batch of events opened.
pub(crate) fn complaint_opened(events: &[Event]) -> ComplaintId {
    events
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::ComplaintOpened { complaint, .. } => Some(complaint.clone()),
            _ => None,
        })
        .unwrap()
}

/// A ticket as the engine holds it.
#[derive(Debug, PartialEq)]
pub(crate) struct TicketView {
    pub(crate) id: String,
    pub(crate) number: String,
    pub(crate) status: TicketStatus,
    /// Its business type now.
    pub(crate) business: String,
    pub(crate) directed: Option<CounterNo>,
    pub(crate) note: Option<String>,
    pub(crate) key: i64,
}

/// Everything the engine shows, for comparing two engines.
#[derive(Debug, PartialEq)]
pub(crate) struct Snapshot {
    pub(crate) day: Option<BusinessDay>,
    pub(crate) open: bool,
    pub(crate) queues: Vec<QueueInfo>,
    pub(crate) counters: Vec<Option<CounterState>>,
    pub(crate) recent_calls: Vec<CallEntry>,
    /// (id, number, status, business now, directed counter, note)
    pub(crate) tickets: Vec<TicketView>,
    pub(crate) waiting: Vec<Vec<String>>,
    pub(crate) complaints: Vec<(ComplaintId, OpenComplaint)>,
    pub(crate) announcements: Vec<Announcement>,
}

/// The snapshot of `engine` at `secs`.
pub(crate) fn snapshot(engine: &Engine, secs: i64) -> Snapshot {
    let config = engine.config();
    Snapshot {
        day: engine.day(),
        open: engine.is_open(),
        queues: engine.queues(),
        counters: config
            .counters
            .iter()
            .map(|c| engine.counter_state(c.number))
            .collect(),
        recent_calls: engine.recent_calls(),
        tickets: engine
            .tickets()
            .iter()
            .map(|t| TicketView {
                id: t.id.to_string(),
                number: t.number.to_string(),
                status: t.status,
                business: t.business.to_string(),
                directed: t.directed,
                note: t.note.clone(),
                key: t.key,
            })
            .collect(),
        waiting: config
            .business
            .iter()
            .map(|b| {
                engine
                    .waiting(&b.code)
                    .iter()
                    .map(|t| t.id.to_string())
                    .collect()
            })
            .collect(),
        complaints: engine
            .open_complaints()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        announcements: engine.announcements(at(secs)),
    }
}

/// A fresh engine with the default hall, fed `events`.
pub(crate) fn rebuilt(events: &[Event]) -> Engine {
    let mut engine = Engine::new(QueueConfig::telecom_default()).unwrap();
    for e in events {
        engine.replay(e);
    }
    engine
}
