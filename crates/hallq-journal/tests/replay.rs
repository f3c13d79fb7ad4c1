//! Rebuilding the live engine from the journal on start.
#![allow(clippy::unwrap_used)]

mod common;

use common::{DAY, Hall, Snapshot, at, complaint_opened, db, rebuilt, snapshot, staff};
use hallq_journal::{Durability, Entry, Journal};
use hallq_proto::command::TicketRef;
use hallq_proto::{
    BusinessDay, ComplaintCategory, CounterNo, LocalText, PauseReason, Priority, Score,
    ServiceResult, Touchpoint, TransferTarget,
};
use hallq_queue::{Command, EventKind, TicketStatus, VisitRef};

const C1: CounterNo = CounterNo(1);
const C3: CounterNo = CounterNo(3);
const C5: CounterNo = CounterNo(5);

/// The ticket number now being called or served at `counter`.
fn at_counter(hall: &Hall, counter: CounterNo) -> String {
    use hallq_proto::state::Activity;
    match hall.engine.counter_state(counter).unwrap().activity {
        Activity::Calling(t) => t.number.0,
        Activity::Serving { ticket, .. } => ticket.number.0,
        other => panic!("counter {counter} is {other:?}"),
    }
}

/// A short but complete morning: sign-ins, tickets of every kind including care and the green
/// channel, calls, a service with rating, a transfer to another counter, recalls and a no-show,
/// a re-queue, a greeter's consultation, a complaint, a back-office wait, an announcement, a
/// pause, an automatic no-show by the hub's tick, a refused command.
fn morning(hall: &mut Hall) {
    hall.ok("hub", Command::OpenDay { day: DAY }, 0);
    for n in [1, 3, 5] {
        hall.sign_in(n, 30);
    }
    let t1 = hall.take("basic", Priority::Ordinary, 60);
    hall.take("consult", Priority::Ordinary, 70);
    hall.take("basic", Priority::Care, 80);
    hall.take("complex", Priority::Ordinary, 90);
    hall.take("enterprise", Priority::GreenChannel, 100);
    hall.take("repair", Priority::Ordinary, 110);
    let print = |ticket: &str, ok, reprint| Command::PrintResult {
        ticket: hallq_proto::TicketId::new(ticket).unwrap(),
        ok,
        reprint,
    };
    hall.ok("kiosk-1", print(&t1, true, false), 61);
    hall.ok("kiosk-1", print(&format!("{DAY}-0002"), false, false), 71);
    hall.ok("kiosk-1", print(&format!("{DAY}-0002"), true, true), 72);

    // Care goes first at counter 1; it is served and rated.
    hall.at_counter(1, Command::CallNext { counter: C1 }, 120);
    assert_eq!(at_counter(hall, C1), "A002");
    hall.at_counter(1, Command::StartService { counter: C1 }, 150);

    // Counter 3 takes the handset sale and sends it on to counter 5.
    hall.at_counter(3, Command::CallNext { counter: C3 }, 200);
    assert_eq!(at_counter(hall, C3), "B001");
    hall.at_counter(5, Command::CallNext { counter: C5 }, 210);
    assert_eq!(at_counter(hall, C5), "V001");
    hall.at_counter(3, Command::StartService { counter: C3 }, 220);
    let transfer = Command::Transfer {
        counter: C3,
        to: TransferTarget::Counter(C5),
        note: Some("合约机 / contract handset".into()),
    };
    hall.at_counter(3, transfer, 240);
    hall.at_counter(5, Command::StartService { counter: C5 }, 250);

    hall.at_counter(
        1,
        Command::Finish {
            counter: C1,
            result: ServiceResult::Done,
            missing: vec![],
        },
        400,
    );
    let rate = Command::Rate {
        counter: C1,
        score: Score::VerySatisfied,
    };
    hall.ok("evaluator-1", rate, 405);

    // A001 does not come: two recalls, then a no-show; the greeter puts it back.
    hall.at_counter(1, Command::CallNext { counter: C1 }, 410);
    assert_eq!(at_counter(hall, C1), "A001");
    hall.at_counter(1, Command::Recall { counter: C1 }, 440);
    hall.at_counter(1, Command::Recall { counter: C1 }, 470);
    hall.at_counter(1, Command::NoShow { counter: C1 }, 480);
    let requeue = Command::Requeue {
        ticket: TicketRef("A001".into()),
    };
    hall.ok("greeter-1", requeue, 490);
    let touch = Command::Touch {
        visit: VisitRef::New,
        touchpoint: Touchpoint::Consultation,
        business: Some(common::code("basic")),
        resolved: Some(true),
        count: None,
        what: "consultation".into(),
    };
    hall.ok("greeter-1", touch, 500);
    let complaint = Command::ComplaintOpen {
        category: ComplaintCategory::General,
        summary: "等候时间过长 / waited too long".into(),
        visit: Some(hallq_proto::VisitId::new(format!("V{DAY}-0001")).unwrap()),
        ticket: Some(TicketRef("A001".into())),
        business: Some(common::code("basic")),
        responsibility: Some("hall".into()),
        opened_by: "greeter-1".into(),
    };
    hall.ok("greeter-1", complaint, 510);

    // The enterprise customer buys; counter 5 then serves the transferred handset sale.
    let sale = Command::Finish {
        counter: C5,
        result: ServiceResult::Sale,
        missing: vec![],
    };
    hall.at_counter(5, sale, 520);
    hall.at_counter(5, Command::CallNext { counter: C5 }, 525);
    assert_eq!(at_counter(hall, C5), "B001");
    hall.at_counter(5, Command::StartService { counter: C5 }, 530);
    let wait = Command::BackOffice {
        counter: C5,
        waiting: true,
    };
    hall.at_counter(5, wait, 560);

    let notice = Command::AnnouncementPost {
        id: None,
        text: LocalText::new("系统升级，部分业务暂停", "System upgrade"),
        starts_at: None,
        ends_at: Some(at(7200)),
        where_to_ask: Some(LocalText::new("咨询台", "Information desk")),
    };
    hall.ok("supervisor-1", notice, 600);
    hall.at_counter(3, Command::CallNext { counter: C3 }, 610);
    assert_eq!(at_counter(hall, C3), "A001");
    let meal = Command::Pause {
        counter: C1,
        reason: PauseReason::Meal,
    };
    hall.at_counter(1, meal, 620);

    // A001 is called again and does not come: the hub's tick skips it by itself.
    let ticked = hall.tick(920);
    assert!(
        ticked
            .iter()
            .any(|e| matches!(e.kind, EventKind::NoShow { auto: true, .. })),
        "{ticked:?}"
    );
    hall.refused(
        "counter-2",
        Command::CallNext {
            counter: CounterNo(2),
        },
        930,
    );
    hall.take("basic", Priority::Ordinary, 940);
    hall.at_counter(3, Command::CallNext { counter: C3 }, 950);
    assert_eq!(at_counter(hall, C3), "A003");
}

#[test]
fn replay_rebuilds_the_same_engine_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    let mut live = Hall::open(&path);
    morning(&mut live);
    let live_engine = live.engine.clone();
    let statuses: Vec<TicketStatus> = live_engine.tickets().iter().map(|t| t.status).collect();
    assert!(statuses.contains(&TicketStatus::Served));
    assert!(statuses.contains(&TicketStatus::Serving(C5)));
    assert!(statuses.contains(&TicketStatus::Called(C3)));
    assert!(statuses.contains(&TicketStatus::Waiting));
    assert!(statuses.contains(&TicketStatus::Skipped));
    drop(live);

    // The hub restarts.
    let mut journal = Journal::open(&path, Durability::Full).unwrap();
    let events = journal.replay().unwrap();
    assert_eq!(
        i64::try_from(events.len()).unwrap(),
        journal.last_seq().unwrap(),
        "one day from the journal's start: every event"
    );
    let mut engine = rebuilt(&events);
    assert_eq!(snapshot(&engine, 960), snapshot(&live_engine, 960));
    assert_eq!(
        engine
            .tickets()
            .iter()
            .map(|t| t.status)
            .collect::<Vec<_>>(),
        statuses
    );

    // And it goes on exactly as the live one would have.
    let mut live_engine = live_engine;
    for (cmd, secs) in [
        (Command::Tick, 1300),
        (common::issue("basic", Priority::Ordinary), 1310),
        (Command::CallNext { counter: C3 }, 1320),
    ] {
        let a = live_engine.apply(&cmd, at(secs));
        let b = engine.apply(&cmd, at(secs));
        assert_eq!(a, b, "{cmd:?}");
        if let Ok(events) = b {
            journal.commit(&[Entry::Internal { events }]).unwrap();
        }
    }
    assert_eq!(snapshot(&engine, 1330), snapshot(&live_engine, 1330));
}

#[test]
fn replay_starts_at_the_last_day_and_keeps_open_complaints() {
    const DAY2: BusinessDay = BusinessDay(20261124);
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    let mut hall = Hall::open(&path);

    // Day 1: a served ticket and three complaints, one resolved.
    hall.ok("hub", Command::OpenDay { day: DAY }, 0);
    hall.sign_in(1, 10);
    let day1_ticket = hall.take("basic", Priority::Ordinary, 20);
    let open = |category, summary: &str| Command::ComplaintOpen {
        category,
        summary: summary.into(),
        visit: None,
        ticket: None,
        business: None,
        responsibility: None,
        opened_by: "supervisor-1".into(),
    };
    let k1 = complaint_opened(&hall.ok(
        "supervisor-1",
        open(ComplaintCategory::General, "tariff"),
        100,
    ));
    let k2 = complaint_opened(&hall.ok(
        "supervisor-1",
        open(ComplaintCategory::Complex, "contract"),
        110,
    ));
    let k3 = complaint_opened(&hall.ok(
        "supervisor-1",
        open(ComplaintCategory::General, "not active"),
        120,
    ));
    let update = |complaint, contacted| Command::ComplaintUpdate {
        complaint,
        note: "called the customer".into(),
        contacted,
    };
    hall.ok("supervisor-1", update(k3.clone(), true), 200);
    let resolve = Command::ComplaintResolve {
        complaint: k2.clone(),
        resolution: "refunded".into(),
        answer: None,
    };
    hall.ok("supervisor-1", resolve, 300);
    hall.at_counter(1, Command::CallNext { counter: C1 }, 400);
    hall.at_counter(1, Command::StartService { counter: C1 }, 410);
    let done = Command::Finish {
        counter: C1,
        result: ServiceResult::Done,
        missing: vec![],
    };
    hall.at_counter(1, done, 700);
    for i in 0..50 {
        hall.take("consult", Priority::Ordinary, 800 + i);
    }
    hall.ok("hub", Command::CloseDay, 36_000);

    // Next morning a clerk signs in before the hall opens; then day 2 begins.
    hall.sign_in(2, 80_000);
    hall.ok("hub", Command::OpenDay { day: DAY2 }, 86_400);
    let day2_ticket = hall.take("basic", Priority::Ordinary, 86_460);
    hall.ok("supervisor-1", update(k1.clone(), true), 86_500);
    let live = hall.engine.clone();
    drop(hall);

    let journal = Journal::open_read_only(&path).unwrap();
    let replay = journal.replay().unwrap();
    let start = journal.replay_start().unwrap().unwrap();
    let main = journal.events_from(start, usize::MAX).unwrap();

    // First the open complaints' earlier events, in journal order; not the resolved one.
    let prefix = &replay[..replay.len() - main.len()];
    let kinds: Vec<_> = prefix
        .iter()
        .map(|e| match &e.kind {
            EventKind::ComplaintOpened { complaint, .. } => ("opened", complaint.clone()),
            EventKind::ComplaintUpdated { complaint, .. } => ("updated", complaint.clone()),
            other => panic!("not a complaint event: {other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("opened", k1.clone()),
            ("opened", k3.clone()),
            ("updated", k3.clone())
        ]
    );

    // Then everything from yesterday's close on: the sign-in before opening, day 2.
    let rest: Vec<_> = replay[prefix.len()..].to_vec();
    assert_eq!(
        rest,
        main.iter().map(|(_, e)| e.clone()).collect::<Vec<_>>()
    );
    assert_eq!(rest[0].kind, EventKind::DayClosed { day: DAY });
    assert!(matches!(
        rest[1].kind,
        EventKind::SignedIn {
            counter: CounterNo(2),
            ..
        }
    ));
    assert!(
        rest.iter()
            .any(|e| e.kind == EventKind::DayOpened { day: DAY2 })
    );
    let tickets: Vec<String> = replay
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::TicketIssued { ticket, .. } => Some(ticket.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        tickets,
        [day2_ticket],
        "nothing of day 1's queue: {day1_ticket}"
    );
    assert!(replay.len() < 20, "{} events replayed", replay.len());

    // The rebuilt engine is the live one: clerk 2 signed in, both complaints open. One known
    // difference: the engine keeps the recent handling times behind its wait estimates across
    // days, and yesterday's are not among today's events, so a rebuilt engine estimates from
    // the configured defaults until today's services replace them.
    let engine = rebuilt(&replay);
    let without_estimates = |mut s: Snapshot| {
        for q in &mut s.queues {
            q.estimated_wait_min = None;
        }
        s
    };
    assert_eq!(
        without_estimates(snapshot(&engine, 86_600)),
        without_estimates(snapshot(&live, 86_600))
    );
    assert_eq!(
        engine.counter_state(CounterNo(2)).unwrap().staff,
        Some(staff(2))
    );
    let open: Vec<_> = engine.open_complaints().keys().cloned().collect();
    assert_eq!(open, [k1.clone(), k3]);
    assert_eq!(engine.open_complaints()[&k1].contacted_at, Some(at(86_500)));

    // Day 2's business day is on its rows; day 1's stay day 1's.
    assert_eq!(journal.ticket_count(DAY).unwrap(), 51);
    assert_eq!(journal.ticket_count(DAY2).unwrap(), 1);
}

#[test]
fn replay_keeps_the_call_backs_still_owed_from_earlier_days() {
    const DAY2: BusinessDay = BusinessDay(20261124);
    let dir = tempfile::tempdir().unwrap();
    let path = db(dir.path());
    let mut hall = Hall::open(&path);
    let asked = |business: &str| Command::Touch {
        visit: VisitRef::New,
        touchpoint: Touchpoint::Consultation,
        business: Some(hallq_proto::BusinessCode::new(business).unwrap()),
        resolved: Some(false),
        count: None,
        what: "consultation".into(),
    };
    let visit_of = |events: &[hallq_queue::Event]| {
        events.iter().find_map(|e| e.kind.visit().cloned()).unwrap()
    };
    // Day 1: two consultations left open; one is called back the same day.
    hall.ok("hub", Command::OpenDay { day: DAY }, 0);
    let owed = visit_of(&hall.ok("greeter-1", asked("complex"), 100));
    let called = visit_of(&hall.ok("greeter-1", asked("basic"), 200));
    let done = |visit| Command::CallbackDone {
        visit,
        note: "explained by phone".into(),
    };
    hall.ok("supervisor-1", done(called.clone()), 3_000);
    // A third is answered at a counter: the visit's ticket is served there.
    let answered = visit_of(&hall.ok("greeter-1", asked("basic"), 4_000));
    let mut ticket = common::issue("basic", Priority::Ordinary);
    if let Command::IssueTicket { visit, .. } = &mut ticket {
        *visit = Some(answered.clone());
    }
    hall.sign_in(1, 4_010);
    hall.ok("greeter-1", ticket, 4_020);
    hall.at_counter(1, Command::CallNext { counter: C1 }, 4_030);
    hall.at_counter(1, Command::StartService { counter: C1 }, 4_040);
    let finish = Command::Finish {
        counter: C1,
        result: ServiceResult::Done,
        missing: vec![],
    };
    hall.at_counter(1, finish, 4_300);
    let projected: i64 = hall
        .journal
        .connection()
        .query_row(
            "SELECT count(*) FROM callbacks WHERE visit = ?1",
            [answered.as_str()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(projected, 0, "answered at the counter: no call-back owed");
    hall.ok("hub", Command::CloseDay, 36_000);
    hall.ok("hub", Command::OpenDay { day: DAY2 }, 86_400);
    drop(hall);

    // Day 1 is no longer replayed, but the call-back still owed is.
    let replayed = || rebuilt(&Journal::open_read_only(&path).unwrap().replay().unwrap());
    let engine = replayed();
    let open: Vec<_> = engine.open_callbacks().keys().cloned().collect();
    assert_eq!(open, std::slice::from_ref(&owed));
    assert_eq!(engine.open_callbacks()[&owed].asked_at, at(100));

    // Made on day 2, by the hub restarted on that journal: nothing is owed after the next start.
    let mut hall = Hall::open(&path);
    hall.engine = engine;
    hall.ok("supervisor-1", done(owed), 90_000);
    drop(hall);
    assert!(replayed().open_callbacks().is_empty());
}
