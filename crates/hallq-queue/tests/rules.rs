//! One test per queueing rule of DOMAIN.md, each driving a real engine through the commands a
//! hall would send and asserting on the events, statuses and views that come out.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use hallq_proto::state::{Activity, Announcement, QueueInfo, RatingPrompt, TicketAtCounter};
use hallq_proto::{
    AnnouncementId, BusinessDay, ComplaintCategory, ComplaintId, CounterNo, LocalText, PauseReason,
    Priority, Score, ServiceResult, TicketId, TicketNo, Touchpoint, TransferTarget, VisitId,
};
use hallq_queue::event::CloseReason;
use hallq_queue::{
    Command, Engine, Event, EventKind as E, QueueConfig, QueueError, TicketStatus, VisitOutcome,
    VisitRef,
};

const C1: CounterNo = CounterNo(1);

fn call_next(n: u16) -> Command {
    Command::CallNext {
        counter: CounterNo(n),
    }
}

fn start(n: u16) -> Command {
    Command::StartService {
        counter: CounterNo(n),
    }
}

fn finish(n: u16, result: ServiceResult) -> Command {
    Command::Finish {
        counter: CounterNo(n),
        result,
        missing: vec![],
    }
}

/// The written result a supervisor records with a resolution.
fn answer() -> hallq_proto::ComplaintAnswer {
    hallq_proto::ComplaintAnswer {
        cause: "合约条款未当场说明".into(),
        solution: "合约已更正".into(),
        compensation: Some("赠送 10 元话费".into()),
        promise: "签约时逐条说明".into(),
    }
}

fn status(e: &Engine, id: &TicketId) -> TicketStatus {
    e.ticket(id).unwrap().status
}

fn called(secs: i64, t: u32, v: u32, counter: u16, recall: u32, by_hand: bool) -> Event {
    ev(
        secs,
        E::TicketCalled {
            ticket: tid(t),
            visit: vid(v),
            counter: CounterNo(counter),
            staff: clerk(counter),
            recall,
            by_hand,
        },
    )
}

fn visit_ended(secs: i64, v: u32, outcome: VisitOutcome) -> Event {
    ev(
        secs,
        E::VisitEnded {
            visit: vid(v),
            outcome,
        },
    )
}

/// Calls the next ticket at counter `n` and returns the number called.
fn call_next_number(e: &mut Engine, n: u16, secs: i64) -> String {
    let events = ok(e, &call_next(n), secs);
    let Some(E::TicketCalled { ticket, .. }) = events.last().map(|e| &e.kind) else {
        panic!("no call in {events:?}");
    };
    e.ticket(ticket).unwrap().number.0.clone()
}

/// A basic ticket issued at 10 s, called at counter 1 at 20 s (staffed from 0 s).
fn one_called_ticket() -> Engine {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 1, 0);
    take(&mut e, "basic", Priority::Ordinary, 10);
    ok(&mut e, &call_next(1), 20);
    e
}

/// A basic ticket served at counter 1 from 20 s and finished at 100 s.
fn one_finished_ticket() -> Engine {
    let mut e = one_called_ticket();
    ok(&mut e, &start(1), 30);
    ok(&mut e, &finish(1, ServiceResult::Done), 100);
    e
}

#[test]
fn a_needs_documents_finish_journals_the_documents_missing_from_the_business_list() {
    let mut config = QueueConfig::telecom_default();
    let basic = config
        .business
        .iter_mut()
        .find(|b| b.code.as_str() == "basic")
        .unwrap();
    basic
        .documents
        .push(LocalText::new("服务密码", "The service password"));
    basic.document_help.push(hallq_queue::DocumentHelp {
        document: "本人有效身份证件原件".into(),
        how: LocalText::new("请携带原件", "Bring the original"),
    });
    config.validate().unwrap();
    let mut e = opened(config);
    sign_in(&mut e, 1, 0);
    take(&mut e, "basic", Priority::Ordinary, 10);
    ok(&mut e, &call_next(1), 20);
    ok(&mut e, &start(1), 30);
    let finish = |result, missing: Vec<u8>| Command::Finish {
        counter: CounterNo(1),
        result,
        missing,
    };
    // Only a "needs more documents" finish lists documents, and only the business type's.
    assert!(matches!(
        refused(&mut e, &finish(ServiceResult::Done, vec![0]), 90),
        QueueError::Invalid(_)
    ));
    assert!(matches!(
        refused(&mut e, &finish(ServiceResult::NeedsDocuments, vec![2]), 90),
        QueueError::Invalid(_)
    ));
    let events = ok(
        &mut e,
        &finish(ServiceResult::NeedsDocuments, vec![1, 0, 1]),
        100,
    );
    let missing = events
        .iter()
        .find_map(|ev| match &ev.kind {
            E::ServiceFinished { missing, .. } => Some(missing.clone()),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        missing,
        vec![
            LocalText::new("本人有效身份证件原件", "Your original ID card"),
            LocalText::new("服务密码", "The service password"),
        ],
        "in the list's order, once each"
    );
    let tp = events
        .iter()
        .find(|ev| matches!(ev.kind, E::ServiceFinished { .. }))
        .unwrap()
        .kind
        .touchpoint();
    assert_eq!(
        tp,
        Some(Touchpoint::HandlingResult),
        "touchpoint 14's result"
    );
}

#[test]
fn help_for_a_document_the_business_does_not_list_is_refused() {
    let mut config = QueueConfig::telecom_default();
    config.business[1]
        .document_help
        .push(hallq_queue::DocumentHelp {
            document: "户口本".into(),
            how: LocalText::new("…", "…"),
        });
    assert!(matches!(
        config.validate(),
        Err(hallq_queue::ConfigError::UnknownDocument(_, d)) if d == "户口本"
    ));
}

#[test]
fn priority_ticket_is_called_before_ordinary_of_same_business() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 1, 0);
    take(&mut e, "basic", Priority::Ordinary, 10);
    take(&mut e, "basic", Priority::Ordinary, 20);
    take(&mut e, "basic", Priority::GreenChannel, 25);
    let care = take(&mut e, "basic", Priority::Care, 30);

    // Care (30 min head start) before green channel (20 min) before ordinary, by issue time.
    assert_eq!(
        waiting_numbers(&e, "basic"),
        ["A004", "A003", "A001", "A002"]
    );
    assert_eq!(
        ok(&mut e, &call_next(1), 40),
        vec![called(40, 4, 4, 1, 0, false)]
    );
    assert_eq!(status(&e, &care), TicketStatus::Called(C1));
    let Activity::Calling(at_counter) = e.counter_state(C1).unwrap().activity else {
        panic!("counter 1 is not calling");
    };
    assert_eq!(at_counter.number, no("A004"));
    assert_eq!(at_counter.priority, Priority::Care);
}

#[test]
fn ordinary_ticket_older_than_head_start_is_not_overtaken() {
    let mut e = opened(QueueConfig::telecom_default());
    for n in 1..=4 {
        sign_in(&mut e, n, 0);
    }
    take(&mut e, "basic", Priority::Ordinary, 0); // A001: waited 31 min when the care ticket comes
    take(&mut e, "basic", Priority::Ordinary, 60); // A002: waited exactly the 30 min head start
    take(&mut e, "basic", Priority::Ordinary, 1200); // A003: waited 11 min: overtaken
    take(&mut e, "basic", Priority::Care, 1860); // A004

    assert_eq!(
        waiting_numbers(&e, "basic"),
        ["A001", "A002", "A004", "A003"]
    );
    // Counters 1 and 2 prefer basic; 3 and 4 reach basic after empty queues of their own.
    let order: Vec<String> = (1..=4)
        .map(|n| call_next_number(&mut e, n, 1900 + i64::from(n)))
        .collect();
    assert_eq!(order, ["A001", "A002", "A004", "A003"]);
}

#[test]
fn counter_calls_first_skill_with_someone_waiting() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 3, 0); // complex, basic, consult
    sign_in(&mut e, 4, 0); // repair, consult, basic
    take(&mut e, "consult", Priority::Ordinary, 10);
    take(&mut e, "basic", Priority::Ordinary, 20);

    assert_eq!(e.peek_next(CounterNo(3)).unwrap().number, no("A001"));
    assert_eq!(e.peek_next(CounterNo(4)).unwrap().number, no("C001"));
    // Skill order wins over age: counter 3 takes the younger basic ticket.
    assert_eq!(call_next_number(&mut e, 3, 30), "A001");
    assert_eq!(call_next_number(&mut e, 4, 31), "C001");
    assert!(e.peek_next(CounterNo(3)).is_none());
    assert_eq!(
        refused(&mut e, &call_next(3), 32),
        QueueError::CounterBusy(CounterNo(3))
    );
    sign_in(&mut e, 1, 33);
    assert_eq!(
        refused(&mut e, &call_next(1), 34),
        QueueError::NothingWaiting(C1)
    );
}

#[test]
fn transferred_ticket_keeps_its_visit_and_queue_place() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 6, 0); // consult first
    let c = take(&mut e, "consult", Priority::Ordinary, 0);
    take(&mut e, "complex", Priority::Ordinary, 60);
    take(&mut e, "complex", Priority::Ordinary, 120);
    ok(&mut e, &call_next(6), 180);
    ok(&mut e, &start(6), 190);

    let note = Some("wants a handset contract".to_owned());
    let transfer = Command::Transfer {
        counter: CounterNo(6),
        to: TransferTarget::Business(code("complex")),
        note: note.clone(),
    };
    assert_eq!(
        ok(&mut e, &transfer, 300),
        vec![ev(
            300,
            E::TicketTransferred {
                ticket: c.clone(),
                visit: vid(1),
                counter: CounterNo(6),
                to: TransferTarget::Business(code("complex")),
                note: note.clone(),
            }
        )]
    );
    let t = e.ticket(&c).unwrap();
    assert_eq!(
        (&t.visit, &t.number, &t.business, &t.origin, t.status),
        (
            &vid(1),
            &no("C001"),
            &code("complex"),
            &code("consult"),
            TicketStatus::Waiting
        )
    );
    assert_eq!(
        e.counter_state(CounterNo(6)).unwrap().activity,
        Activity::Idle
    );
    // Taken at 0 s, it goes ahead of B001 and B002, taken at 60 s and 120 s.
    assert_eq!(waiting_numbers(&e, "complex"), ["C001", "B001", "B002"]);
    assert_eq!(e.people_ahead(&c), 0);

    sign_in(&mut e, 3, 310); // complex first
    assert_eq!(
        ok(&mut e, &call_next(3), 320),
        vec![called(320, 1, 1, 3, 0, false)]
    );
    let Activity::Calling(at_counter) = e.counter_state(CounterNo(3)).unwrap().activity else {
        panic!("counter 3 is not calling");
    };
    let want = TicketAtCounter {
        ticket: c,
        number: no("C001"),
        business: code("complex"),
        priority: Priority::Ordinary,
        called_at_ms: at(320),
        recalls: 0,
        note,
    };
    assert_eq!(at_counter, want);
}

#[test]
fn ticket_transferred_to_counter_is_called_there_first() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 1, 0);
    sign_in(&mut e, 2, 0);
    sign_in(&mut e, 5, 0); // enterprise, complex, basic
    let a1 = take(&mut e, "basic", Priority::Ordinary, 10);
    take(&mut e, "basic", Priority::Ordinary, 20);
    ok(&mut e, &call_next(1), 30);
    ok(&mut e, &start(1), 40);
    let to5 = Command::Transfer {
        counter: C1,
        to: TransferTarget::Counter(CounterNo(5)),
        note: None,
    };
    ok(&mut e, &to5, 50);
    take(&mut e, "enterprise", Priority::Care, 60);

    assert_eq!(e.directed(CounterNo(5))[0].id, a1);
    assert_eq!(e.counter_state(CounterNo(5)).unwrap().directed_waiting, 1);
    assert_eq!(waiting_numbers(&e, "basic"), ["A002"]);
    // Another basic counter can neither take it by call-next nor by hand.
    assert_eq!(
        refused(
            &mut e,
            &Command::CallTicket {
                counter: CounterNo(2),
                ticket: tref("A001"),
            },
            65
        ),
        QueueError::NotInSkills(CounterNo(2))
    );
    assert_eq!(call_next_number(&mut e, 2, 70), "A002");
    // Counter 5 calls it before the enterprise ticket, its first skill.
    assert_eq!(
        ok(&mut e, &call_next(5), 80),
        vec![called(80, 1, 1, 5, 0, false)]
    );
    assert_eq!(e.counter_state(CounterNo(5)).unwrap().directed_waiting, 0);
    assert_eq!(waiting_numbers(&e, "enterprise"), ["V001"]);
}

#[test]
fn no_show_refused_before_recalls_then_accepted() {
    let mut e = one_called_ticket(); // called at 20 s
    let no_show = Command::NoShow { counter: C1 };
    let recall = Command::Recall { counter: C1 };
    assert_eq!(
        refused(&mut e, &no_show, 30),
        QueueError::NoShowTooEarly(C1)
    );
    assert_eq!(ok(&mut e, &recall, 40), vec![called(40, 1, 1, 1, 1, false)]);
    assert_eq!(
        refused(&mut e, &no_show, 50),
        QueueError::NoShowTooEarly(C1)
    );
    assert_eq!(ok(&mut e, &recall, 60), vec![called(60, 1, 1, 1, 2, false)]);
    assert_eq!(e.recent_calls()[0].recall, 2);
    assert_eq!(
        ok(&mut e, &no_show, 70),
        vec![
            ev(
                70,
                E::NoShow {
                    ticket: tid(1),
                    visit: vid(1),
                    counter: C1,
                    recalls: 2,
                    auto: false,
                }
            ),
            visit_ended(70, 1, VisitOutcome::NoShow),
        ]
    );
    assert_eq!(status(&e, &tid(1)), TicketStatus::Skipped);
    assert_eq!(e.counter_state(C1).unwrap().activity, Activity::Idle);
}

#[test]
fn no_show_accepted_after_time_without_recalls() {
    let mut e = one_called_ticket(); // called at 20 s; no-show allowed from 120 s later
    let no_show = Command::NoShow { counter: C1 };
    assert_eq!(
        refused(&mut e, &no_show, 139),
        QueueError::NoShowTooEarly(C1)
    );
    let events = ok(&mut e, &no_show, 140);
    assert_eq!(
        events[0],
        ev(
            140,
            E::NoShow {
                ticket: tid(1),
                visit: vid(1),
                counter: C1,
                recalls: 0,
                auto: false,
            }
        )
    );
    assert_eq!(status(&e, &tid(1)), TicketStatus::Skipped);
}

#[test]
fn tick_skips_ticket_after_auto_no_show_time() {
    let mut e = one_called_ticket(); // called at 20 s; auto no-show 300 s after
    ok(&mut e, &Command::Recall { counter: C1 }, 200); // a recall does not restart the clock
    assert_eq!(ok(&mut e, &Command::Tick, 319), vec![]);
    assert_eq!(status(&e, &tid(1)), TicketStatus::Called(C1));
    assert_eq!(
        ok(&mut e, &Command::Tick, 320),
        vec![
            ev(
                320,
                E::NoShow {
                    ticket: tid(1),
                    visit: vid(1),
                    counter: C1,
                    recalls: 1,
                    auto: true,
                }
            ),
            visit_ended(320, 1, VisitOutcome::NoShow),
        ]
    );
    assert_eq!(status(&e, &tid(1)), TicketStatus::Skipped);
    assert_eq!(ok(&mut e, &Command::Tick, 400), vec![]);
}

#[test]
fn a_ticket_that_did_not_print_is_never_skipped_by_the_hub() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 1, 0);
    take(&mut e, "basic", Priority::Ordinary, 10);
    let printed = |ok| Command::PrintResult {
        ticket: tid(1),
        ok,
        reprint: false,
    };
    ok(&mut e, &printed(false), 11);
    ok(&mut e, &call_next(1), 20);
    // Long past the automatic no-show: the customer may not know their number.
    assert_eq!(ok(&mut e, &Command::Tick, 20 + 3600), vec![]);
    assert_eq!(status(&e, &tid(1)), TicketStatus::Called(C1));
    // A clerk may still skip it, after the recalls.
    ok(&mut e, &Command::Recall { counter: C1 }, 3700);
    ok(&mut e, &Command::Recall { counter: C1 }, 3710);
    ok(&mut e, &Command::NoShow { counter: C1 }, 3720);
    assert_eq!(status(&e, &tid(1)), TicketStatus::Skipped);

    // Once a reprint succeeds, the usual rule is back.
    take(&mut e, "basic", Priority::Ordinary, 4000);
    let print = |ok, reprint| Command::PrintResult {
        ticket: tid(2),
        ok,
        reprint,
    };
    ok(&mut e, &print(false, false), 4001);
    ok(&mut e, &print(true, true), 4002);
    ok(&mut e, &call_next(1), 4010);
    let skipped = ok(&mut e, &Command::Tick, 4010 + 300);
    assert!(
        skipped
            .iter()
            .any(|ev| matches!(ev.kind, E::NoShow { auto: true, .. })),
        "{skipped:?}"
    );
}

#[test]
fn a_call_spoken_by_the_display_is_a_queueing_touchpoint_of_its_visit() {
    let mut e = one_called_ticket();
    let spoken = Command::CallAnnounced {
        ticket: tid(1),
        counter: C1,
        recall: 0,
    };
    assert_eq!(
        ok(&mut e, &spoken, 21),
        vec![ev(
            21,
            E::CallAnnounced {
                ticket: tid(1),
                visit: vid(1),
                counter: C1,
                recall: 0,
            }
        )]
    );
    assert_eq!(
        status(&e, &tid(1)),
        TicketStatus::Called(C1),
        "nothing else changes"
    );
    let unknown = Command::CallAnnounced {
        ticket: TicketId::new("20261123-0404").unwrap(),
        counter: C1,
        recall: 0,
    };
    assert_eq!(
        refused(&mut e, &unknown, 22),
        QueueError::UnknownTicket("20261123-0404".into())
    );
}

#[test]
fn the_counter_shows_its_clerks_figures_for_the_day() {
    let mut e = one_finished_ticket(); // basic, served 30 s → 100 s at counter 1
    let today = |e: &Engine| e.counter_state(C1).unwrap().clerk_today.unwrap();
    let t = today(&e);
    assert_eq!((t.served, t.handling_secs, t.within_limit), (1, 70, 1));
    assert_eq!((t.rated, t.satisfied), (0, 0));
    ok(
        &mut e,
        &Command::Rate {
            counter: C1,
            score: Score::Satisfied,
        },
        110,
    );
    assert_eq!((today(&e).rated, today(&e).satisfied), (1, 1));
    // A service past its 15-minute limit counts as served, not within the limit.
    take(&mut e, "basic", Priority::Ordinary, 200);
    ok(&mut e, &call_next(1), 210);
    ok(&mut e, &start(1), 220);
    ok(&mut e, &finish(1, ServiceResult::Done), 220 + 16 * 60);
    let t = today(&e);
    assert_eq!((t.served, t.within_limit), (2, 1));
    // Signed out, the counter shows no clerk's figures.
    ok(&mut e, &Command::SignOut { counter: C1 }, 2000);
    assert_eq!(e.counter_state(C1).unwrap().clerk_today, None);
}

#[test]
fn skipped_ticket_can_be_requeued_at_back() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 1, 0);
    take(&mut e, "basic", Priority::Ordinary, 10);
    take(&mut e, "basic", Priority::Ordinary, 20);
    take(&mut e, "basic", Priority::Ordinary, 30);
    ok(&mut e, &call_next(1), 40);
    ok(&mut e, &Command::NoShow { counter: C1 }, 160);

    let requeue = Command::Requeue {
        ticket: tref("A001"),
    };
    assert_eq!(
        ok(&mut e, &requeue, 200),
        vec![ev(
            200,
            E::TicketRequeued {
                ticket: tid(1),
                visit: vid(1),
            }
        )]
    );
    assert_eq!(status(&e, &tid(1)), TicketStatus::Waiting);
    assert_eq!(waiting_numbers(&e, "basic"), ["A002", "A003", "A001"]);
    assert_eq!(e.people_ahead(&tid(1)), 2);
    assert_eq!(
        refused(&mut e, &requeue, 210),
        QueueError::TicketNotSkipped("A001".into())
    );
    // The visit reopened with the ticket: walking out now ends it again.
    let cancel = Command::Cancel {
        ticket: tref("A001"),
    };
    assert_eq!(
        ok(&mut e, &cancel, 220)[1],
        visit_ended(220, 1, VisitOutcome::WalkedOut)
    );
}

#[test]
fn skipped_ticket_cannot_be_requeued_after_daily_reset() {
    let mut e = one_called_ticket();
    ok(&mut e, &Command::NoShow { counter: C1 }, 200);
    ok(&mut e, &Command::CloseDay, 300);
    let requeue = Command::Requeue {
        ticket: tref("A001"),
    };
    assert_eq!(refused(&mut e, &requeue, 310), QueueError::HallClosed);
    assert_eq!(e.waiting(&code("basic")).len(), 0);
}

/// The default hall with basic numbers limited to `first..=last`.
fn basic_range(first: u32, last: u32) -> QueueConfig {
    let mut cfg = QueueConfig::telecom_default();
    let b = cfg.business.iter_mut().find(|b| b.prefix == "A").unwrap();
    b.first_number = first;
    b.last_number = last;
    cfg
}

#[test]
fn numbers_wrap_and_skip_held_numbers() {
    let mut e = opened(basic_range(1, 3));
    sign_in(&mut e, 1, 0);
    let numbers =
        |e: &Engine| -> Vec<String> { e.tickets().iter().map(|t| t.number.0.clone()).collect() };
    for s in 1..=3 {
        take(&mut e, "basic", Priority::Ordinary, s);
    }
    // A001 is skipped (still holds its number), A002 served (frees it).
    ok(&mut e, &call_next(1), 10);
    ok(&mut e, &Command::NoShow { counter: C1 }, 200);
    let by_hand = Command::CallTicket {
        counter: C1,
        ticket: tref("A002"),
    };
    ok(&mut e, &by_hand, 210);
    ok(&mut e, &start(1), 220);
    ok(&mut e, &finish(1, ServiceResult::Done), 230);

    let next = take(&mut e, "basic", Priority::Ordinary, 240);
    assert_eq!(e.ticket(&next).unwrap().number, no("A002"));
    assert_eq!(e.ticket(&next).unwrap().seq, 2);
    // Withdrawing A003 frees 3, the next number after 2.
    ok(
        &mut e,
        &Command::Cancel {
            ticket: tref("A003"),
        },
        250,
    );
    take(&mut e, "basic", Priority::Ordinary, 260);
    assert_eq!(numbers(&e), ["A001", "A002", "A003", "A002", "A003"]);
    // All three numbers are held again (skipped, waiting, waiting).
    assert_eq!(
        refused(&mut e, &issue("basic", Priority::Ordinary), 270),
        QueueError::NumbersExhausted(code("basic"))
    );
    // A number names the latest ticket printed with it: the new A002, not the served one.
    let cancel = Command::Cancel {
        ticket: tref("A002"),
    };
    assert_eq!(
        ok(&mut e, &cancel, 280)[0],
        ev(
            280,
            E::TicketCancelled {
                ticket: tid(4),
                visit: vid(4),
            }
        )
    );
}

#[test]
fn numbers_exhausted_when_range_all_held() {
    let mut e = opened(basic_range(7, 8));
    take(&mut e, "basic", Priority::Ordinary, 1);
    take(&mut e, "basic", Priority::Care, 2);
    let before = views(&e);
    assert_eq!(
        refused(&mut e, &issue("basic", Priority::Ordinary), 3),
        QueueError::NumbersExhausted(code("basic"))
    );
    assert_eq!(views(&e), before);
    // Other business types still issue.
    let c = take(&mut e, "consult", Priority::Ordinary, 4);
    assert_eq!(e.ticket(&c).unwrap().number, no("C001"));
    // Freeing a number makes it issuable again.
    ok(
        &mut e,
        &Command::Cancel {
            ticket: tref("A008"),
        },
        5,
    );
    let t = take(&mut e, "basic", Priority::Ordinary, 6);
    assert_eq!(e.ticket(&t).unwrap().number, no("A008"));
}

#[test]
fn daily_reset_closes_live_tickets_and_visits_and_restarts_numbers() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 1, 0);
    sign_in(&mut e, 6, 0);
    let greet = Command::Touch {
        visit: VisitRef::New,
        touchpoint: Touchpoint::Consultation,
        business: None,
        resolved: Some(true),
        count: None,
        what: "consultation".into(),
    };
    ok(&mut e, &greet, 5); // visit 1, no ticket
    take(&mut e, "basic", Priority::Ordinary, 10); // ticket 1, visit 2: called
    take(&mut e, "consult", Priority::Ordinary, 20); // ticket 2, visit 3: serving
    take(&mut e, "basic", Priority::Ordinary, 30); // ticket 3, visit 4: waiting
    ok(&mut e, &call_next(1), 40);
    ok(&mut e, &call_next(6), 50);
    ok(&mut e, &start(6), 60);

    let closed = |t, v| {
        ev(
            100,
            E::TicketClosed {
                ticket: tid(t),
                visit: vid(v),
                reason: CloseReason::DailyReset,
            },
        )
    };
    assert_eq!(
        ok(&mut e, &Command::CloseDay, 100),
        vec![
            closed(1, 2),
            closed(2, 3),
            closed(3, 4),
            visit_ended(100, 1, VisitOutcome::NoTicket),
            visit_ended(100, 2, VisitOutcome::ClosedByReset),
            visit_ended(100, 3, VisitOutcome::ClosedByReset),
            visit_ended(100, 4, VisitOutcome::ClosedByReset),
            ev(100, E::CounterClosed { counter: C1 }),
            ev(
                100,
                E::SignedOut {
                    counter: C1,
                    staff: clerk(1),
                }
            ),
            ev(
                100,
                E::CounterClosed {
                    counter: CounterNo(6),
                }
            ),
            ev(
                100,
                E::SignedOut {
                    counter: CounterNo(6),
                    staff: clerk(6),
                }
            ),
            ev(100, E::DayClosed { day: DAY }),
        ]
    );
    assert!(e.tickets().iter().all(|t| t.status == TicketStatus::Closed));
    assert!(!e.is_open());
    assert_eq!(e.recent_calls(), vec![]);
    for c in [1, 6] {
        let s = e.counter_state(CounterNo(c)).unwrap();
        assert_eq!((s.open, s.staff, s.activity), (false, None, Activity::Idle));
    }
    assert_eq!(
        refused(&mut e, &issue("basic", Priority::Ordinary), 110),
        QueueError::HallClosed
    );

    let next_day = BusinessDay(20261124);
    assert_eq!(
        ok(&mut e, &Command::OpenDay { day: next_day }, 200),
        vec![ev(200, E::DayOpened { day: next_day })]
    );
    assert_eq!(e.tickets().len(), 0);
    let t = take(&mut e, "basic", Priority::Ordinary, 210);
    assert_eq!(t, TicketId::new("20261124-0001").unwrap());
    let t = e.ticket(&t).unwrap();
    assert_eq!(t.number, no("A001"));
    assert_eq!(t.visit, VisitId::new("V20261124-0001").unwrap());
}

#[test]
fn daily_reset_skips_open_rating_prompt_and_ends_visit_as_served() {
    let mut e = one_finished_ticket(); // rating prompt open until 130 s
    assert_eq!(
        ok(&mut e, &Command::CloseDay, 110),
        vec![
            ev(
                110,
                E::RatingSkipped {
                    ticket: tid(1),
                    visit: vid(1),
                    counter: C1,
                }
            ),
            visit_ended(110, 1, VisitOutcome::Served),
            ev(110, E::CounterClosed { counter: C1 }),
            ev(
                110,
                E::SignedOut {
                    counter: C1,
                    staff: clerk(1),
                }
            ),
            ev(110, E::DayClosed { day: DAY }),
        ]
    );
    assert_eq!(e.counter_state(C1).unwrap().awaiting_rating, None);
}

#[test]
fn paused_counter_cannot_call() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 1, 0);
    take(&mut e, "basic", Priority::Ordinary, 10);
    let pause = Command::Pause {
        counter: C1,
        reason: PauseReason::Meal,
    };
    assert_eq!(
        ok(&mut e, &pause, 20),
        vec![ev(
            20,
            E::CounterPaused {
                counter: C1,
                reason: PauseReason::Meal,
            }
        )]
    );
    assert_eq!(
        e.counter_state(C1).unwrap().activity,
        Activity::Paused {
            reason: PauseReason::Meal,
            since_ms: at(20),
        }
    );
    assert_eq!(
        refused(&mut e, &call_next(1), 30),
        QueueError::CounterPaused(C1)
    );
    let by_hand = Command::CallTicket {
        counter: C1,
        ticket: tref("A001"),
    };
    assert_eq!(refused(&mut e, &by_hand, 31), QueueError::CounterPaused(C1));
    ok(&mut e, &Command::Resume { counter: C1 }, 40);
    assert_eq!(call_next_number(&mut e, 1, 50), "A001");
}

#[test]
fn closed_or_unstaffed_counter_cannot_call() {
    let mut e = opened(QueueConfig::telecom_default());
    take(&mut e, "basic", Priority::Ordinary, 10);
    assert_eq!(
        refused(&mut e, &call_next(1), 20),
        QueueError::NotSignedIn(C1)
    );
    assert_eq!(
        refused(&mut e, &call_next(42), 20),
        QueueError::UnknownCounter(CounterNo(42))
    );
    sign_in(&mut e, 1, 30);
    ok(&mut e, &Command::CloseCounter { counter: C1 }, 40);
    assert_eq!(
        refused(&mut e, &call_next(1), 50),
        QueueError::CounterClosed(C1)
    );
    ok(&mut e, &Command::OpenCounter { counter: C1 }, 60);
    assert_eq!(call_next_number(&mut e, 1, 70), "A001");
}

#[test]
fn busy_counter_cannot_close_or_sign_out() {
    let mut e = one_called_ticket();
    let close = Command::CloseCounter { counter: C1 };
    let sign_out = Command::SignOut { counter: C1 };
    let pause = Command::Pause {
        counter: C1,
        reason: PauseReason::Break,
    };
    let refusals = |e: &mut Engine, secs| {
        [&close, &sign_out, &pause]
            .map(|cmd| refused(e, cmd, secs))
            .to_vec()
    };
    let busy = vec![QueueError::CounterBusy(C1); 3];
    assert_eq!(refusals(&mut e, 30), busy); // calling
    ok(&mut e, &start(1), 40);
    assert_eq!(refusals(&mut e, 50), busy); // serving
    ok(&mut e, &finish(1, ServiceResult::Done), 60);
    // Free again (the rating prompt does not hold the counter).
    assert_eq!(
        ok(&mut e, &sign_out, 70),
        vec![
            ev(70, E::CounterClosed { counter: C1 }),
            ev(
                70,
                E::SignedOut {
                    counter: C1,
                    staff: clerk(1),
                }
            ),
        ]
    );
}

#[test]
fn rating_attaches_to_last_finished_ticket_and_ends_visit() {
    let mut e = one_finished_ticket(); // A001 finished at 100 s by clerk s1
    assert_eq!(
        e.counter_state(C1).unwrap().awaiting_rating,
        Some(RatingPrompt {
            ticket: tid(1),
            number: no("A001"),
            until_ms: at(130),
        })
    );
    // The clerk leaves; the rating still goes to the clerk who served.
    ok(&mut e, &Command::SignOut { counter: C1 }, 105);
    let rate = Command::Rate {
        counter: C1,
        score: Score::Satisfied,
    };
    assert_eq!(
        ok(&mut e, &rate, 110),
        vec![
            ev(
                110,
                E::Rated {
                    ticket: tid(1),
                    visit: vid(1),
                    counter: C1,
                    staff: clerk(1),
                    score: Score::Satisfied,
                }
            ),
            visit_ended(110, 1, VisitOutcome::Served),
        ]
    );
    assert_eq!(e.counter_state(C1).unwrap().awaiting_rating, None);
    assert_eq!(refused(&mut e, &rate, 111), QueueError::NothingToRate(C1));
}

#[test]
fn rating_prompt_times_out_on_tick() {
    let mut e = one_finished_ticket(); // prompt until 130 s
    let rate = Command::Rate {
        counter: C1,
        score: Score::VerySatisfied,
    };
    assert_eq!(ok(&mut e, &Command::Tick, 129), vec![]);
    // Past its time the prompt takes no rating, even before a tick closes it.
    assert_eq!(refused(&mut e, &rate, 130), QueueError::NothingToRate(C1));
    assert_eq!(
        ok(&mut e, &Command::Tick, 130),
        vec![
            ev(
                130,
                E::RatingSkipped {
                    ticket: tid(1),
                    visit: vid(1),
                    counter: C1,
                }
            ),
            visit_ended(130, 1, VisitOutcome::Served),
        ]
    );
    assert_eq!(e.counter_state(C1).unwrap().awaiting_rating, None);
}

#[test]
fn calling_next_skips_pending_rating() {
    let mut e = one_finished_ticket(); // A001 finished at 100 s
    take(&mut e, "basic", Priority::Ordinary, 105);
    assert_eq!(
        ok(&mut e, &call_next(1), 110),
        vec![
            ev(
                110,
                E::RatingSkipped {
                    ticket: tid(1),
                    visit: vid(1),
                    counter: C1,
                }
            ),
            visit_ended(110, 1, VisitOutcome::Served),
            called(110, 2, 2, 1, 0, false),
        ]
    );
    let rate = Command::Rate {
        counter: C1,
        score: Score::Neutral,
    };
    assert_eq!(refused(&mut e, &rate, 115), QueueError::NothingToRate(C1));
}

#[test]
fn cancel_ends_visit_as_walked_out() {
    let mut e = opened(QueueConfig::telecom_default());
    let a1 = take(&mut e, "basic", Priority::Ordinary, 10);
    let cancel = Command::Cancel {
        ticket: tref(a1.as_str()),
    };
    assert_eq!(
        ok(&mut e, &cancel, 20),
        vec![
            ev(
                20,
                E::TicketCancelled {
                    ticket: tid(1),
                    visit: vid(1),
                }
            ),
            visit_ended(20, 1, VisitOutcome::WalkedOut),
        ]
    );
    assert_eq!(status(&e, &a1), TicketStatus::Cancelled);
    assert_eq!(waiting_numbers(&e, "basic"), Vec::<String>::new());
    assert_eq!(
        refused(&mut e, &cancel, 30),
        QueueError::TicketNotWaiting("A001".into())
    );

    // A visit with two tickets ends only when its last one is withdrawn.
    ok(&mut e, &issue_for("consult", vid(1)), 40);
    ok(&mut e, &issue_for("repair", vid(1)), 41);
    let c = Command::Cancel {
        ticket: tref("C001"),
    };
    assert_eq!(ok(&mut e, &c, 50).len(), 1);
    let d = Command::Cancel {
        ticket: tref("D001"),
    };
    assert_eq!(
        ok(&mut e, &d, 51)[1],
        visit_ended(51, 1, VisitOutcome::WalkedOut)
    );
}

#[test]
fn call_ticket_refuses_ticket_outside_skills() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 5, 0); // enterprise, complex, basic
    take(&mut e, "consult", Priority::Ordinary, 10);
    take(&mut e, "basic", Priority::Ordinary, 20);
    take(&mut e, "basic", Priority::Care, 30);
    let by_hand = |n: &str| Command::CallTicket {
        counter: CounterNo(5),
        ticket: tref(n),
    };
    assert_eq!(
        refused(&mut e, &by_hand("C001"), 40),
        QueueError::NotInSkills(CounterNo(5))
    );
    assert_eq!(
        refused(&mut e, &by_hand("X404"), 40),
        QueueError::UnknownTicket("X404".into())
    );
    // By hand, the clerk may pass over the care ticket.
    assert_eq!(
        ok(&mut e, &by_hand("a001"), 50),
        vec![called(50, 2, 2, 5, 0, true)]
    );
}

#[test]
fn wait_estimate_uses_measured_handling_and_open_counters() {
    let mut e = opened(QueueConfig::telecom_default());
    let basic = |e: &Engine| -> QueueInfo {
        e.queues()
            .into_iter()
            .find(|q| q.business == code("basic"))
            .unwrap()
    };
    sign_in(&mut e, 1, 0); // basic is its first skill: all its time goes to basic
    for s in [10, 20, 30] {
        take(&mut e, "basic", Priority::Ordinary, s);
    }
    // 3 waiting × 7 min default ÷ 1 counter = 21 min.
    assert_eq!(
        (
            basic(&e).waiting,
            basic(&e).estimated_wait_min,
            basic(&e).counters_open
        ),
        (3, Some(21), 1)
    );
    sign_in(&mut e, 2, 40); // another counter with basic first: 3 × 7 ÷ 2 = 10.5, rounded up
    assert_eq!(basic(&e).estimated_wait_min, Some(11));
    assert_eq!(basic(&e).counters_open, 2);
    // The last ticket has two ahead: 2 × 7 min ÷ 2.
    assert_eq!(e.estimated_wait_min(&tid(3)), Some(7));
    assert_eq!(e.estimated_wait_min(&tid(1)), Some(0));

    // Measured handling replaces the default: 300 s, then 190 s (mean 245 s).
    ok(&mut e, &call_next(1), 100);
    ok(&mut e, &start(1), 100);
    ok(&mut e, &finish(1, ServiceResult::Done), 400);
    assert_eq!(basic(&e).estimated_wait_min, Some(5)); // 2 × 300 s ÷ 2
    ok(&mut e, &call_next(2), 410);
    ok(&mut e, &start(2), 410);
    ok(&mut e, &finish(2, ServiceResult::Done), 600);
    assert_eq!(basic(&e).estimated_wait_min, Some(3)); // 245 s ÷ 2 = 2.04 min, rounded up
    // A paused counter serves nobody.
    let pause = Command::Pause {
        counter: CounterNo(2),
        reason: PauseReason::Break,
    };
    ok(&mut e, &pause, 610);
    assert_eq!(
        (basic(&e).estimated_wait_min, basic(&e).counters_open),
        (Some(5), 1)
    ); // 245 s ÷ 1 = 4.08 min
    // Consultation has no measurement yet: 0 waiting, default kept.
    let consult = e.services().into_iter().find(|s| s.prefix == "C").unwrap();
    assert_eq!((consult.waiting, consult.estimated_wait_min), (0, Some(0)));
}

#[test]
fn a_counter_that_prefers_a_busy_queue_gives_less_time_to_the_rest() {
    let mut e = opened(QueueConfig::telecom_default());
    let basic_wait = |e: &Engine| {
        e.queues()
            .into_iter()
            .find(|q| q.business == code("basic"))
            .unwrap()
            .estimated_wait_min
    };
    sign_in(&mut e, 3, 0); // skills: complex, basic, consult
    take(&mut e, "basic", Priority::Ordinary, 10);
    take(&mut e, "basic", Priority::Ordinary, 20);
    // Nobody waits for complex: counter 3 gives basic all its time. 2 × 7 min ÷ 1.
    assert_eq!(basic_wait(&e), Some(14));
    take(&mut e, "complex", Priority::Ordinary, 30);
    // Complex, which it prefers, has someone waiting now: half its time. 2 × 7 min ÷ ½.
    assert_eq!(basic_wait(&e), Some(28));
}

#[test]
fn estimate_is_none_when_no_counter_serves() {
    let mut e = opened(QueueConfig::telecom_default());
    let enterprise = |e: &Engine| -> (u32, Option<u32>, u32) {
        let q = e
            .queues()
            .into_iter()
            .find(|q| q.business == code("enterprise"))
            .unwrap();
        (q.waiting, q.estimated_wait_min, q.counters_open)
    };
    let v = take(&mut e, "enterprise", Priority::Ordinary, 10);
    assert_eq!(enterprise(&e), (1, None, 0));
    sign_in(&mut e, 1, 20); // does not serve enterprise
    assert_eq!(enterprise(&e), (1, None, 0));
    sign_in(&mut e, 5, 30);
    let pause = Command::Pause {
        counter: CounterNo(5),
        reason: PauseReason::Meeting,
    };
    ok(&mut e, &pause, 40);
    assert_eq!(enterprise(&e), (1, None, 0));
    assert_eq!(e.estimated_wait_min(&v), None);
    ok(
        &mut e,
        &Command::Resume {
            counter: CounterNo(5),
        },
        50,
    );
    // Enterprise is counter 5's first skill: one waiting takes 15 min ÷ 1 counter; this ticket
    // itself is first in line.
    assert_eq!(enterprise(&e), (1, Some(15), 1));
    assert_eq!(e.estimated_wait_min(&v), Some(0));
}

/// DOMAIN.md's touchpoint map, written out per event kind; `None` for the hall's own
/// operations. Exhaustive, so a new event kind must be placed on the map here too.
fn domain_touchpoint(kind: &E) -> Option<u8> {
    match kind {
        E::VisitStarted { .. } => Some(2),
        E::Touched { touchpoint, .. } => Some(touchpoint.number()),
        E::CallbackMade { .. } => Some(7),
        E::TicketIssued { .. }
        | E::TicketPrinted { .. }
        | E::TicketCalled { .. }
        | E::CallAnnounced { .. }
        | E::NoShow { .. }
        | E::TicketTransferred { .. }
        | E::TicketRequeued { .. }
        | E::TicketCancelled { .. } => Some(11),
        E::ServiceStarted { .. } => Some(12),
        E::BackOffice { .. } => Some(13),
        E::ServiceFinished { result, .. } => Some(match result {
            ServiceResult::Sale => 10,
            ServiceResult::Done | ServiceResult::NeedsDocuments | ServiceResult::Failed => 14,
        }),
        E::ComplaintOpened { .. } | E::ComplaintUpdated { .. } | E::ComplaintResolved { .. } => {
            Some(15)
        }
        E::TicketClosed { .. }
        | E::Rated { .. }
        | E::RatingSkipped { .. }
        | E::VisitEnded { .. } => Some(16),
        E::DayOpened { .. }
        | E::DayClosed { .. }
        | E::SignedIn { .. }
        | E::SignedOut { .. }
        | E::CounterOpened { .. }
        | E::CounterClosed { .. }
        | E::CounterPaused { .. }
        | E::CounterResumed { .. }
        | E::AnnouncementPosted { .. }
        | E::AnnouncementCleared { .. }
        | E::ConfigApplied { .. }
        | E::ConfigRefused { .. }
        | E::NoticeConsented { .. }
        | E::NoticeSent { .. }
        | E::ComplaintResultSent { .. }
        | E::ComplaintResultResend { .. }
        | E::Booking { .. }
        | E::BookingHandover { .. }
        | E::Inspection { .. } => None,
    }
}

#[test]
fn every_customer_event_names_its_touchpoint() {
    let (ticket, visit, counter, staff) = (tid(1), vid(1), C1, clerk(1));
    let complaint = ComplaintId::new("K20261123-001").unwrap();
    let touched = |tp: Touchpoint| E::Touched {
        visit: Some(visit.clone()),
        touchpoint: tp,
        what: "greeter".into(),
        business: None,
        resolved: None,
        count: None,
    };
    let finished = |result| E::ServiceFinished {
        ticket: ticket.clone(),
        visit: visit.clone(),
        counter,
        staff: staff.clone(),
        business: code("complex"),
        result,
        handling_secs: 600,
        missing: vec![],
    };
    let visit_events: Vec<(E, u8)> = vec![
        (
            E::VisitStarted {
                visit: visit.clone(),
            },
            2,
        ),
        (touched(Touchpoint::Wandering), 6),
        (touched(Touchpoint::Consultation), 7),
        (
            E::CallbackMade {
                visit: visit.clone(),
                note: "called back".into(),
            },
            7,
        ),
        (touched(Touchpoint::ProductExperience), 8),
        (touched(Touchpoint::SelfService), 9),
        (touched(Touchpoint::Complaint), 15),
        (
            E::TicketIssued {
                ticket: ticket.clone(),
                visit: visit.clone(),
                number: no("B001"),
                seq: 1,
                business: code("complex"),
                priority: Priority::Ordinary,
                reason: None,
                granted_by: None,
                lang: hallq_proto::Lang::Zh,
                notify: false,
                booked: None,
                tier: None,
            },
            11,
        ),
        (
            E::TicketPrinted {
                ticket: ticket.clone(),
                visit: visit.clone(),
                ok: true,
                reprint: false,
            },
            11,
        ),
        (
            E::TicketCalled {
                ticket: ticket.clone(),
                visit: visit.clone(),
                counter,
                staff: staff.clone(),
                recall: 0,
                by_hand: false,
            },
            11,
        ),
        (
            E::CallAnnounced {
                ticket: ticket.clone(),
                visit: visit.clone(),
                counter,
                recall: 1,
            },
            11,
        ),
        (
            E::ServiceStarted {
                ticket: ticket.clone(),
                visit: visit.clone(),
                counter,
                staff: staff.clone(),
            },
            12,
        ),
        (
            E::BackOffice {
                ticket: ticket.clone(),
                visit: visit.clone(),
                counter,
                waiting: true,
            },
            13,
        ),
        (finished(ServiceResult::Sale), 10),
        (finished(ServiceResult::Done), 14),
        (finished(ServiceResult::NeedsDocuments), 14),
        (finished(ServiceResult::Failed), 14),
        (
            E::NoShow {
                ticket: ticket.clone(),
                visit: visit.clone(),
                counter,
                recalls: 2,
                auto: false,
            },
            11,
        ),
        (
            E::TicketTransferred {
                ticket: ticket.clone(),
                visit: visit.clone(),
                counter,
                to: TransferTarget::Counter(CounterNo(3)),
                note: None,
            },
            11,
        ),
        (
            E::TicketRequeued {
                ticket: ticket.clone(),
                visit: visit.clone(),
            },
            11,
        ),
        (
            E::TicketCancelled {
                ticket: ticket.clone(),
                visit: visit.clone(),
            },
            11,
        ),
        (
            E::TicketClosed {
                ticket: ticket.clone(),
                visit: visit.clone(),
                reason: CloseReason::DailyReset,
            },
            16,
        ),
        (
            E::Rated {
                ticket: ticket.clone(),
                visit: visit.clone(),
                counter,
                staff: staff.clone(),
                score: Score::Satisfied,
            },
            16,
        ),
        (
            E::RatingSkipped {
                ticket: ticket.clone(),
                visit: visit.clone(),
                counter,
            },
            16,
        ),
        (
            E::VisitEnded {
                visit: visit.clone(),
                outcome: VisitOutcome::Served,
            },
            16,
        ),
        (
            E::ComplaintOpened {
                complaint: complaint.clone(),
                category: ComplaintCategory::General,
                summary: "waited too long".into(),
                visit: Some(visit.clone()),
                ticket: Some(ticket.clone()),
                business: Some(code("complex")),
                responsibility: None,
                opened_by: "greeter-1".into(),
                first_contact_due_ms: at(7200),
                due_ms: at(86_400),
            },
            15,
        ),
        (
            E::ComplaintUpdated {
                complaint: complaint.clone(),
                visit: Some(visit.clone()),
                note: "called back".into(),
                contacted: true,
            },
            15,
        ),
        (
            E::ComplaintResolved {
                complaint: complaint.clone(),
                visit: Some(visit.clone()),
                resolution: "refund".into(),
                answer: None,
            },
            15,
        ),
    ];
    for (kind, number) in &visit_events {
        assert_eq!(domain_touchpoint(kind), Some(*number), "{kind:?}");
        assert_eq!(
            kind.touchpoint().map(Touchpoint::number),
            Some(*number),
            "{kind:?}"
        );
        assert_eq!(kind.visit(), Some(&visit), "{kind:?} belongs to its visit");
    }
    // A door count names its touchpoint but no visit.
    let door = E::Touched {
        visit: None,
        touchpoint: Touchpoint::Entering,
        what: "door_entered".into(),
        business: None,
        resolved: None,
        count: Some(3),
    };
    assert_eq!(door.touchpoint(), Some(Touchpoint::Entering));
    assert_eq!(door.visit(), None);
    let hall_events = [
        E::DayOpened { day: DAY },
        E::DayClosed { day: DAY },
        E::SignedIn {
            counter,
            staff: staff.clone(),
        },
        E::SignedOut {
            counter,
            staff: staff.clone(),
        },
        E::CounterOpened { counter },
        E::CounterClosed { counter },
        E::CounterPaused {
            counter,
            reason: PauseReason::Break,
        },
        E::CounterResumed { counter },
        E::AnnouncementPosted {
            announcement: Announcement {
                id: AnnouncementId::new("ann-1").unwrap(),
                text: LocalText::new("系统升级", "System upgrade"),
                starts_at_ms: at(0),
                ends_at_ms: None,
                where_to_ask: None,
            },
        },
        E::AnnouncementCleared {
            announcement: AnnouncementId::new("ann-1").unwrap(),
        },
    ];
    for kind in &hall_events {
        assert_eq!(domain_touchpoint(kind), None);
        assert_eq!(kind.touchpoint(), None, "{kind:?}");
        assert_eq!(kind.visit(), None, "{kind:?}");
    }

    // And a real visit records its touchpoints in the order the customer lives them.
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 3, 0);
    let greet = Command::Touch {
        visit: VisitRef::New,
        touchpoint: Touchpoint::ProductExperience,
        business: Some(code("complex")),
        resolved: None,
        count: None,
        what: "product_experience".into(),
    };
    let mut log = ok(&mut e, &greet, 10);
    log.extend(ok(&mut e, &issue_for("complex", vid(1)), 20));
    log.extend(ok(&mut e, &call_next(3), 30));
    log.extend(ok(&mut e, &start(3), 40));
    let bo = |waiting| Command::BackOffice {
        counter: CounterNo(3),
        waiting,
    };
    log.extend(ok(&mut e, &bo(true), 50));
    log.extend(ok(&mut e, &bo(false), 60));
    log.extend(ok(&mut e, &finish(3, ServiceResult::Sale), 70));
    let rate = Command::Rate {
        counter: CounterNo(3),
        score: Score::VerySatisfied,
    };
    log.extend(ok(&mut e, &rate, 75));
    let path: Vec<u8> = log
        .iter()
        .map(|ev| ev.kind.touchpoint().unwrap().number())
        .collect();
    assert_eq!(path, [2, 8, 11, 11, 12, 13, 13, 10, 16, 16]);
    assert!(log.iter().all(|ev| ev.kind.visit() == Some(&vid(1))));
}

#[test]
fn refused_command_changes_nothing() {
    let mut e = opened(basic_range(1, 3));
    sign_in(&mut e, 1, 0);
    sign_in(&mut e, 6, 0);
    for s in [10, 20, 30] {
        take(&mut e, "basic", Priority::Ordinary, s);
    }
    take(&mut e, "consult", Priority::Ordinary, 40);
    ok(&mut e, &call_next(1), 50); // A001 called at counter 1
    ok(&mut e, &call_next(6), 60); // C001 served at counter 6
    ok(&mut e, &start(6), 70);

    let c6 = CounterNo(6);
    let cases: Vec<(Command, QueueError)> = vec![
        (
            issue("basic", Priority::Ordinary),
            QueueError::NumbersExhausted(code("basic")),
        ),
        (
            issue("lottery", Priority::Ordinary),
            QueueError::UnknownBusiness(code("lottery")),
        ),
        (
            issue_for("consult", vid(99)),
            QueueError::UnknownVisit("V20261123-0099".into()),
        ),
        (call_next(99), QueueError::UnknownCounter(CounterNo(99))),
        (call_next(1), QueueError::CounterBusy(C1)),
        (call_next(2), QueueError::NotSignedIn(CounterNo(2))),
        (
            Command::NoShow { counter: C1 },
            QueueError::NoShowTooEarly(C1),
        ),
        (
            Command::Requeue {
                ticket: tref("A002"),
            },
            QueueError::TicketNotSkipped("A002".into()),
        ),
        (
            Command::Cancel {
                ticket: tref("A001"),
            },
            QueueError::TicketNotWaiting("A001".into()),
        ),
        (
            Command::Cancel {
                ticket: tref("Z999"),
            },
            QueueError::UnknownTicket("Z999".into()),
        ),
        (
            Command::Rate {
                counter: C1,
                score: Score::Dissatisfied,
            },
            QueueError::NothingToRate(C1),
        ),
        (
            Command::SignIn {
                counter: C1,
                staff: staff("s9"),
            },
            QueueError::AlreadySignedIn(C1),
        ),
        (start(6), QueueError::NotCalling(c6)),
        (finish(1, ServiceResult::Done), QueueError::NotServing(C1)),
        (
            Command::BackOffice {
                counter: C1,
                waiting: true,
            },
            QueueError::NotServing(C1),
        ),
        (Command::Recall { counter: c6 }, QueueError::NotCalling(c6)),
        (
            Command::Transfer {
                counter: C1,
                to: TransferTarget::Counter(CounterNo(42)),
                note: None,
            },
            QueueError::UnknownCounter(CounterNo(42)),
        ),
        (
            Command::Transfer {
                counter: c6,
                to: TransferTarget::Business(code("lottery")),
                note: None,
            },
            QueueError::UnknownBusiness(code("lottery")),
        ),
        (
            Command::SignOut { counter: c6 },
            QueueError::CounterBusy(c6),
        ),
        (
            Command::CloseCounter { counter: C1 },
            QueueError::CounterBusy(C1),
        ),
        (
            Command::OpenCounter {
                counter: CounterNo(2),
            },
            QueueError::NotSignedIn(CounterNo(2)),
        ),
        (
            Command::PrintResult {
                ticket: TicketId::new("20261123-0404").unwrap(),
                ok: true,
                reprint: false,
            },
            QueueError::UnknownTicket("20261123-0404".into()),
        ),
    ];
    for (i, (cmd, want)) in cases.iter().enumerate() {
        let before = views(&e);
        let state_before = format!("{:?}", e.state());
        assert_eq!(&refused(&mut e, cmd, 80 + i as i64), want, "{cmd:?}");
        assert_eq!(views(&e), before, "{cmd:?} changed a view");
        assert_eq!(format!("{:?}", e.state()), state_before, "{cmd:?}");
    }
    // The same engine still works.
    ok(&mut e, &finish(6, ServiceResult::Done), 200);
}

/// Applies a command that must be accepted and journals its events.
fn record(log: &mut Vec<Event>, e: &mut Engine, cmd: Command, secs: i64) {
    log.extend(ok(e, &cmd, secs));
}

#[test]
fn replaying_events_rebuilds_the_same_state() {
    let cfg = QueueConfig::telecom_default();
    let mut e = opened(cfg.clone());
    let mut events = vec![ev(0, E::DayOpened { day: DAY })];
    for n in [1, 3, 6] {
        record(
            &mut events,
            &mut e,
            Command::SignIn {
                counter: CounterNo(n),
                staff: clerk(n),
            },
            1,
        );
    }
    record(
        &mut events,
        &mut e,
        Command::Touch {
            visit: VisitRef::New,
            touchpoint: Touchpoint::Consultation,
            business: Some(code("complex")),
            resolved: Some(false),
            count: None,
            what: "consultation".into(),
        },
        5,
    );
    record(&mut events, &mut e, issue_for("complex", vid(1)), 10);
    record(&mut events, &mut e, issue("basic", Priority::Ordinary), 20);
    record(&mut events, &mut e, issue("basic", Priority::Care), 30);
    record(
        &mut events,
        &mut e,
        issue("consult", Priority::GreenChannel),
        40,
    );
    record(&mut events, &mut e, issue("repair", Priority::Ordinary), 45);
    record(
        &mut events,
        &mut e,
        Command::PrintResult {
            ticket: tid(1),
            ok: false,
            reprint: false,
        },
        46,
    );
    record(&mut events, &mut e, call_next(3), 50); // B001
    record(
        &mut events,
        &mut e,
        Command::Recall {
            counter: CounterNo(3),
        },
        70,
    );
    record(&mut events, &mut e, start(3), 80);
    record(
        &mut events,
        &mut e,
        Command::BackOffice {
            counter: CounterNo(3),
            waiting: true,
        },
        90,
    );
    record(&mut events, &mut e, call_next(1), 95); // A002 (care)
    record(&mut events, &mut e, start(1), 100);
    record(
        &mut events,
        &mut e,
        Command::Transfer {
            counter: C1,
            to: TransferTarget::Counter(CounterNo(6)),
            note: Some("bill dispute".into()),
        },
        150,
    );
    record(&mut events, &mut e, finish(3, ServiceResult::Sale), 400);
    record(&mut events, &mut e, call_next(6), 410); // A002, directed
    record(&mut events, &mut e, call_next(1), 420); // A001
    record(&mut events, &mut e, Command::Tick, 800); // both calls time out; the rating prompt too
    record(
        &mut events,
        &mut e,
        Command::Requeue {
            ticket: tref("A001"),
        },
        810,
    );
    record(
        &mut events,
        &mut e,
        Command::Cancel {
            ticket: tref("D001"),
        },
        820,
    );
    record(&mut events, &mut e, call_next(3), 830);
    record(&mut events, &mut e, start(3), 840);
    record(
        &mut events,
        &mut e,
        finish(3, ServiceResult::NeedsDocuments),
        900,
    );
    record(
        &mut events,
        &mut e,
        Command::Rate {
            counter: CounterNo(3),
            score: Score::Neutral,
        },
        905,
    );
    record(
        &mut events,
        &mut e,
        Command::Pause {
            counter: C1,
            reason: PauseReason::Paperwork,
        },
        910,
    );

    let kinds: std::collections::BTreeSet<String> = events
        .iter()
        .map(|e| {
            format!("{:?}", e.kind)
                .split([' ', '{'])
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert!(
        kinds.len() >= 18,
        "the scenario covers most event kinds: {kinds:?}"
    );
    let midday = replayed(cfg.clone(), &events);
    assert_eq!(views(&midday), views(&e));
    assert!(views(&e).recent_calls.len() >= 3);

    record(&mut events, &mut e, Command::CloseDay, 1000);
    record(
        &mut events,
        &mut e,
        Command::OpenDay {
            day: BusinessDay(20261124),
        },
        2000,
    );
    record(
        &mut events,
        &mut e,
        issue("complex", Priority::Ordinary),
        2010,
    );
    record(
        &mut events,
        &mut e,
        issue("complex", Priority::Ordinary),
        2015,
    );
    record(
        &mut events,
        &mut e,
        Command::SignIn {
            counter: CounterNo(5),
            staff: clerk(5),
        },
        2020,
    );
    record(&mut events, &mut e, call_next(5), 2030);
    let next_day = replayed(cfg, &events);
    assert_eq!(views(&next_day), views(&e));
    // Yesterday's measured sale (320 s) still feeds today's estimate: counter 5 prefers
    // enterprise, where nobody waits, so complex gets all of it: 320 s ÷ 1 = 5.3 min, rounded up.
    let complex = views(&next_day).queues[2].clone();
    assert_eq!((complex.waiting, complex.estimated_wait_min), (1, Some(6)));
    assert_eq!(e.counter_state(CounterNo(3)).unwrap().served_today, 0);
}

#[test]
fn open_complaint_survives_daily_reset_until_resolved() {
    let mut e = opened(QueueConfig::telecom_default());
    take(&mut e, "basic", Priority::Ordinary, 10);
    let k = ComplaintId::new("K20261123-001").unwrap();
    let open = Command::ComplaintOpen {
        category: ComplaintCategory::Complex,
        summary: "contract dispute".into(),
        visit: Some(vid(1)),
        ticket: Some(tref("A001")),
        business: Some(code("basic")),
        responsibility: Some("billing".into()),
        opened_by: "supervisor-1".into(),
    };
    assert_eq!(
        ok(&mut e, &open, 20),
        vec![ev(
            20,
            E::ComplaintOpened {
                complaint: k.clone(),
                category: ComplaintCategory::Complex,
                summary: "contract dispute".into(),
                visit: Some(vid(1)),
                ticket: Some(tid(1)),
                business: Some(code("basic")),
                responsibility: Some("billing".into()),
                opened_by: "supervisor-1".into(),
                first_contact_due_ms: at(20 + 2 * 3600),
                due_ms: at(20 + 72 * 3600),
            }
        )]
    );
    // The 72 h case outlives the business day it was opened in.
    next_day(&mut e);
    assert_eq!(
        e.open_complaints().keys().collect::<Vec<_>>(),
        vec![&k],
        "an open complaint is dropped by the daily reset"
    );
    let update = Command::ComplaintUpdate {
        complaint: k.clone(),
        note: "called the customer".into(),
        contacted: true,
    };
    ok(&mut e, &update, 86_500);
    assert_eq!(e.open_complaints()[&k].contacted_at, Some(at(86_500)));
    let resolve = Command::ComplaintResolve {
        complaint: k.clone(),
        resolution: "contract corrected".into(),
        answer: Some(answer()),
    };
    assert_eq!(
        ok(&mut e, &resolve, 90_000),
        vec![ev(
            90_000,
            E::ComplaintResolved {
                complaint: k.clone(),
                visit: Some(vid(1)),
                resolution: "contract corrected".into(),
                answer: Some(answer()),
            }
        )]
    );
    assert!(e.open_complaints().is_empty());
    assert_eq!(
        refused(&mut e, &resolve, 90_001),
        QueueError::UnknownComplaint("K20261123-001".into())
    );
}

#[test]
fn announcement_shows_from_its_start_until_its_end_or_the_daily_reset() {
    let mut e = opened(QueueConfig::telecom_default());
    let post = |starts: i64, ends: Option<i64>| Command::AnnouncementPost {
        id: None,
        text: LocalText::new(
            "系统升级，部分业务暂停",
            "System upgrade: some services paused",
        ),
        starts_at: Some(at(starts)),
        ends_at: ends.map(at),
        where_to_ask: Some(LocalText::new("咨询台", "information desk")),
    };
    let events = ok(&mut e, &post(100, Some(200)), 10);
    let E::AnnouncementPosted { announcement } = &events[0].kind else {
        panic!("{events:?}");
    };
    assert_eq!(announcement.id, AnnouncementId::new("ann-1").unwrap());
    assert_eq!(e.announcements(at(99)), vec![]);
    assert_eq!(e.announcements(at(100)), vec![announcement.clone()]);
    assert_eq!(e.announcements(at(199)), vec![announcement.clone()]);
    assert_eq!(
        ok(&mut e, &Command::Tick, 200),
        vec![ev(
            200,
            E::AnnouncementCleared {
                announcement: announcement.id.clone(),
            }
        )]
    );
    assert_eq!(
        refused(&mut e, &post(300, Some(300)), 250),
        QueueError::Invalid("the announcement ends before it starts".into())
    );
    ok(&mut e, &post(300, None), 260);
    assert_eq!(e.announcements(at(5000)).len(), 1);
    ok(&mut e, &Command::CloseDay, 6000);
    assert_eq!(e.announcements(at(6001)), vec![]);
}

#[test]
fn greeter_touch_starts_visit_and_ticket_joins_it() {
    let mut e = opened(QueueConfig::telecom_default());
    let greet = Command::Touch {
        visit: VisitRef::New,
        touchpoint: Touchpoint::Consultation,
        business: Some(code("complex")),
        resolved: Some(false),
        count: None,
        what: "consultation".into(),
    };
    assert_eq!(
        ok(&mut e, &greet, 10),
        vec![
            ev(10, E::VisitStarted { visit: vid(1) }),
            ev(
                10,
                E::Touched {
                    visit: Some(vid(1)),
                    touchpoint: Touchpoint::Consultation,
                    what: "consultation".into(),
                    business: Some(code("complex")),
                    resolved: Some(false),
                    count: None,
                }
            ),
        ]
    );
    let events = ok(&mut e, &issue_for("complex", vid(1)), 20);
    assert_eq!(events.len(), 1, "no second visit starts: {events:?}");
    let E::TicketIssued { visit, number, .. } = &events[0].kind else {
        panic!("{events:?}");
    };
    assert_eq!((visit, number), (&vid(1), &TicketNo("B001".into())));
    // A kiosk ticket without a visit starts its own.
    let events = ok(&mut e, &issue("complex", Priority::Ordinary), 30);
    assert_eq!(events[0], ev(30, E::VisitStarted { visit: vid(2) }));
}

#[test]
fn visit_without_ticket_ends_after_idle_time() {
    let mut e = opened(QueueConfig::telecom_default());
    let greet = |visit| Command::Touch {
        visit,
        touchpoint: Touchpoint::Wandering,
        business: None,
        resolved: None,
        count: None,
        what: "wandering".into(),
    };
    ok(&mut e, &greet(VisitRef::New), 0);
    ok(&mut e, &greet(VisitRef::Existing(vid(1))), 600); // idle clock restarts at 10 min
    assert_eq!(ok(&mut e, &Command::Tick, 600 + 1799), vec![]);
    assert_eq!(
        ok(&mut e, &Command::Tick, 600 + 1800),
        vec![visit_ended(2400, 1, VisitOutcome::NoTicket)]
    );
    // A door count belongs to no visit; an unknown visit is refused.
    let door = Command::Touch {
        visit: VisitRef::Anonymous,
        touchpoint: Touchpoint::Entering,
        business: None,
        resolved: None,
        count: Some(4),
        what: "door_entered".into(),
    };
    assert_eq!(ok(&mut e, &door, 2500).len(), 1);
    assert_eq!(
        refused(&mut e, &greet(VisitRef::Existing(vid(7))), 2500),
        QueueError::UnknownVisit("V20261123-0007".into())
    );
}

#[test]
fn hall_closed_refuses_tickets() {
    let mut e = Engine::new(QueueConfig::telecom_default()).unwrap();
    let kiosk = issue("basic", Priority::Ordinary);
    let greet = Command::Touch {
        visit: VisitRef::New,
        touchpoint: Touchpoint::Consultation,
        business: None,
        resolved: None,
        count: None,
        what: "consultation".into(),
    };
    assert_eq!(refused(&mut e, &kiosk, 0), QueueError::HallClosed);
    assert_eq!(refused(&mut e, &greet, 0), QueueError::HallClosed);
    assert!(!e.is_open());
    assert_eq!(e.tickets().len(), 0);

    ok(&mut e, &Command::OpenDay { day: DAY }, 10);
    assert!(e.is_open());
    take(&mut e, "basic", Priority::Ordinary, 20);
    ok(&mut e, &Command::CloseDay, 30);
    assert_eq!(refused(&mut e, &kiosk, 40), QueueError::HallClosed);
    assert_eq!(refused(&mut e, &greet, 40), QueueError::HallClosed);
    assert_eq!(e.tickets().len(), 1);
}

#[test]
fn an_open_consultation_owes_a_call_back_across_the_daily_reset_until_it_is_made() {
    let mut e = opened(QueueConfig::telecom_default());
    ok(&mut e, &consultation("complex", true), 5); // visit 1: answered at once, nothing owed
    ok(&mut e, &consultation("complex", false), 10); // visit 2: a call-back owed
    let owed: Vec<_> = e.open_callbacks().iter().collect();
    assert_eq!(owed.len(), 1);
    assert_eq!(owed[0].0, &vid(2));
    assert_eq!(owed[0].1.business, Some(code("complex")));
    assert_eq!(owed[0].1.due(), at(10 + 24 * 3600));
    let done = |visit| Command::CallbackDone {
        visit,
        note: "explained by phone".into(),
    };
    assert_eq!(
        e.apply(&done(vid(1)), at(20)).unwrap_err(),
        QueueError::NoCallbackOwed(vid(1).to_string()),
        "visit 1 was answered on the spot"
    );
    // The call-back outlives the day it was owed in.
    next_day(&mut e);
    assert_eq!(e.open_callbacks().len(), 1, "dropped by the daily reset");
    assert_eq!(
        ok(&mut e, &done(vid(2)), 86_500),
        vec![ev(
            86_500,
            E::CallbackMade {
                visit: vid(2),
                note: "explained by phone".into(),
            }
        )]
    );
    assert!(e.open_callbacks().is_empty());
    assert!(
        e.apply(&done(vid(2)), at(86_600)).is_err(),
        "made once, not twice"
    );
}

#[test]
fn a_question_left_open_at_the_door_and_answered_at_a_counter_owes_no_call_back() {
    let mut e = opened(QueueConfig::telecom_default());
    sign_in(&mut e, 1, 0);
    ok(&mut e, &consultation("basic", false), 5); // visit 1
    assert_eq!(e.open_callbacks().len(), 1);
    ok(&mut e, &issue_for("basic", vid(1)), 10);
    ok(&mut e, &call_next(1), 20);
    ok(&mut e, &start(1), 30);
    assert_eq!(
        e.open_callbacks().len(),
        1,
        "owed until the service is done"
    );
    ok(&mut e, &finish(1, ServiceResult::Done), 300);
    assert!(
        e.open_callbacks().is_empty(),
        "the counter answered the question"
    );
}

/// Closes the day at 100 s and opens 2026-11-24 at 86,400 s.
fn next_day(e: &mut Engine) {
    ok(e, &Command::CloseDay, 100);
    ok(
        e,
        &Command::OpenDay {
            day: BusinessDay(20261124),
        },
        86_400,
    );
}

/// A consultation at the door starting a visit, about `business`, answered there or not.
fn consultation(business: &str, resolved: bool) -> Command {
    Command::Touch {
        visit: VisitRef::New,
        touchpoint: Touchpoint::Consultation,
        business: Some(code(business)),
        resolved: Some(resolved),
        count: None,
        what: "consultation".into(),
    }
}
