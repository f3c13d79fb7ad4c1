//! The projections (`visits`, `tickets`, `ratings`, `complaints`) follow the events committed.
#![allow(clippy::unwrap_used)]

mod common;

use common::{DAY, Hall, at, complaint_opened, db, staff};
use hallq_proto::command::TicketRef;
use hallq_proto::{
    BusinessCode, ComplaintCategory, CounterNo, Priority, Score, ServiceResult, TicketId,
    TransferTarget,
};
use hallq_queue::Command;

const C1: CounterNo = CounterNo(1);
const C2: CounterNo = CounterNo(2);
const C4: CounterNo = CounterNo(4);

fn tref(t: &str) -> TicketRef {
    TicketRef(t.to_owned())
}

#[test]
fn projections_follow_the_events() {
    let dir = tempfile::tempdir().unwrap();
    let mut hall = Hall::open(&db(dir.path()));
    hall.ok("hub", Command::OpenDay { day: DAY }, 0);
    hall.sign_in(1, 5);
    hall.sign_in(2, 5);

    // A care ticket, printed after a failed first try, called, recalled once, served, rated.
    let served = hall.take("basic", Priority::Care, 10);
    let print = |ok, reprint| Command::PrintResult {
        ticket: TicketId::new(served.clone()).unwrap(),
        ok,
        reprint,
    };
    hall.ok("kiosk-1", print(false, false), 11);
    hall.ok("kiosk-1", print(true, true), 12);
    let row = hall.journal.ticket_row(&served).unwrap().unwrap();
    assert_eq!(
        (row.status.as_str(), row.printed, row.reprints),
        ("waiting", Some(true), 1)
    );
    assert_eq!(
        (row.priority.as_str(), row.reason.as_deref(), row.notify),
        ("care", Some("elderly"), true)
    );
    assert_eq!(row.issued_at, at(10));
    assert_eq!(row.day, Some(DAY));

    hall.at_counter(1, Command::CallNext { counter: C1 }, 100);
    hall.at_counter(1, Command::Recall { counter: C1 }, 130);
    assert_eq!(
        hall.journal.ticket_row(&served).unwrap().unwrap().status,
        "called"
    );
    hall.at_counter(1, Command::StartService { counter: C1 }, 160);
    assert_eq!(
        hall.journal.ticket_row(&served).unwrap().unwrap().status,
        "serving"
    );
    let finish = Command::Finish {
        counter: C1,
        result: ServiceResult::Done,
        missing: vec![],
    };
    hall.at_counter(1, finish, 460);
    let rate = Command::Rate {
        counter: C1,
        score: Score::VerySatisfied,
    };
    hall.ok("evaluator-1", rate, 470);

    let row = hall.journal.ticket_row(&served).unwrap().unwrap();
    assert_eq!(row.status, "served");
    assert_eq!(row.first_called_at, Some(at(100)));
    assert_eq!(row.called_counter, Some(C1));
    assert_eq!(row.recalls, 1);
    assert_eq!(row.started_at, Some(at(160)));
    assert_eq!(row.finished_at, Some(at(460)));
    assert_eq!(row.handling_secs, Some(300));
    assert_eq!(row.result.as_deref(), Some("done"));
    assert_eq!(
        (row.counter, row.staff.as_deref()),
        (Some(C1), Some(staff(1).as_str()))
    );
    let rating = hall.journal.rating_row(&served).unwrap().unwrap();
    assert_eq!(
        (rating.score.as_str(), rating.counter, rating.at),
        ("very_satisfied", C1, at(470))
    );
    assert_eq!(rating.staff, "s1");
    let visit = hall.journal.visit_row(&row.visit).unwrap().unwrap();
    assert_eq!(
        (visit.started_at, visit.ended_at, visit.outcome.as_deref()),
        (at(10), Some(at(470)), Some("served"))
    );

    // A consultation transferred to handset sales: one more transfer, the new business type,
    // the number range it came from kept.
    let moved = hall.take("consult", Priority::Ordinary, 500);
    hall.at_counter(2, Command::CallNext { counter: C2 }, 510);
    hall.at_counter(2, Command::StartService { counter: C2 }, 520);
    let transfer = Command::Transfer {
        counter: C2,
        to: TransferTarget::Business(BusinessCode::new("complex").unwrap()),
        note: None,
    };
    hall.at_counter(2, transfer, 580);
    let row = hall.journal.ticket_row(&moved).unwrap().unwrap();
    assert_eq!(
        (
            row.status.as_str(),
            row.transfers,
            row.business.as_str(),
            row.origin_business.as_str()
        ),
        ("waiting", 1, "complex", "consult")
    );
    assert_eq!(row.started_at, Some(at(520)));

    // A no-show: skipped, and its visit ends as a no-show; a re-queue reopens the visit.
    let absent = hall.take("repair", Priority::Ordinary, 600);
    hall.sign_in(4, 605);
    hall.at_counter(4, Command::CallNext { counter: C4 }, 610);
    hall.at_counter(4, Command::Recall { counter: C4 }, 640);
    hall.at_counter(4, Command::Recall { counter: C4 }, 670);
    hall.at_counter(4, Command::NoShow { counter: C4 }, 680);
    let row = hall.journal.ticket_row(&absent).unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.recalls), ("skipped", 2));
    let visit = hall.journal.visit_row(&row.visit).unwrap().unwrap();
    assert_eq!(
        (visit.ended_at, visit.outcome.as_deref()),
        (Some(at(680)), Some("no_show"))
    );
    hall.ok(
        "greeter-1",
        Command::Requeue {
            ticket: tref(&absent),
        },
        690,
    );
    let visit = hall.journal.visit_row(&row.visit).unwrap().unwrap();
    assert_eq!((visit.ended_at, visit.outcome), (None, None));
    assert_eq!(
        hall.journal.ticket_row(&absent).unwrap().unwrap().status,
        "waiting"
    );

    // A customer who leaves: cancelled, visit walked out.
    let gone = hall.take("basic", Priority::Ordinary, 700);
    hall.ok(
        "greeter-1",
        Command::Cancel {
            ticket: tref(&gone),
        },
        710,
    );
    let row = hall.journal.ticket_row(&gone).unwrap().unwrap();
    assert_eq!(row.status, "cancelled");
    assert_eq!(
        hall.journal
            .visit_row(&row.visit)
            .unwrap()
            .unwrap()
            .outcome
            .as_deref(),
        Some("walked_out")
    );

    // A complaint: its dues from the category, the first contact, updates, the resolution.
    let open = Command::ComplaintOpen {
        category: ComplaintCategory::General,
        summary: "tariff".into(),
        visit: None,
        ticket: Some(tref(&served)),
        business: Some(BusinessCode::new("basic").unwrap()),
        responsibility: Some("billing".into()),
        opened_by: "supervisor-1".into(),
    };
    let k = complaint_opened(&hall.ok("supervisor-1", open, 1000));
    let c = hall.journal.complaint_row(k.as_str()).unwrap().unwrap();
    assert_eq!(c.opened_at, at(1000));
    assert_eq!(c.first_contact_due, at(1000 + 2 * 3600));
    assert_eq!(c.due, at(1000 + 24 * 3600));
    assert_eq!(
        (
            c.category.as_str(),
            c.ticket.as_deref(),
            c.business.as_deref()
        ),
        ("general", Some(served.as_str()), Some("basic"))
    );
    assert_eq!((c.contacted_at, c.updates), (None, 0));
    let update = |contacted| Command::ComplaintUpdate {
        complaint: k.clone(),
        note: "note".into(),
        contacted,
    };
    hall.ok("supervisor-1", update(false), 1100);
    hall.ok("supervisor-1", update(true), 1200);
    hall.ok("supervisor-1", update(true), 1300);
    let resolve = Command::ComplaintResolve {
        complaint: k.clone(),
        resolution: "explained the tariff".into(),
        answer: None,
    };
    hall.ok("supervisor-1", resolve, 1400);
    let c = hall.journal.complaint_row(k.as_str()).unwrap().unwrap();
    assert_eq!((c.contacted_at, c.updates), (Some(at(1200)), 3));
    assert_eq!(
        (c.resolved_at, c.resolution.as_deref()),
        (Some(at(1400)), Some("explained the tariff"))
    );

    // The daily reset closes what is still waiting, and the visits with it.
    hall.ok("hub", Command::CloseDay, 30_000);
    let rows = hall.journal.tickets_of_day(DAY).unwrap();
    let statuses: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.ticket.as_str(), r.status.as_str()))
        .collect();
    assert_eq!(
        statuses,
        [
            (served.as_str(), "served"),
            (moved.as_str(), "closed"),
            (absent.as_str(), "closed"),
            (gone.as_str(), "cancelled"),
        ]
    );
    assert_eq!(hall.journal.ticket_count(DAY).unwrap(), 4);
    let moved_visit = &rows[1].visit;
    assert_eq!(
        hall.journal
            .visit_row(moved_visit)
            .unwrap()
            .unwrap()
            .outcome
            .as_deref(),
        Some("closed_by_reset")
    );

    // The projections are what the events say, and nothing else: rebuilt from the events
    // alone, every projected table comes out the same.
    let tables = ["visits", "tickets", "ratings", "complaints"];
    let dump = |conn: &rusqlite::Connection| -> Vec<String> {
        tables
            .iter()
            .flat_map(|t| {
                let mut stmt = conn
                    .prepare(&format!("SELECT * FROM {t} ORDER BY 1"))
                    .unwrap();
                let n = stmt.column_count();
                stmt.query_map([], |r| {
                    let cells: Vec<String> = (0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect();
                    Ok(format!("{t}: {}", cells.join(" | ")))
                })
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap()
            })
            .collect()
    };
    let before = dump(hall.journal.connection());
    let events: Vec<_> = hall
        .journal
        .events_from(1, usize::MAX)
        .unwrap()
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let again_dir = tempfile::tempdir().unwrap();
    let mut again =
        hallq_journal::Journal::open(db(again_dir.path()), hallq_journal::Durability::Normal)
            .unwrap();
    again
        .commit(&[hallq_journal::Entry::Internal { events }])
        .unwrap();
    assert_eq!(dump(again.connection()), before);
}
