//! Power cuts and `kill -9`: the hub is SIGKILLed again and again while kiosks issue tickets and
//! counters call them. After each restart every acknowledged ticket is in the journal exactly
//! once, no command was applied twice, the board agrees with the journal, and the file is sound.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_proto::{Command, ReplyBody, ReplyResult, StaffNo, TicketId};
use hallq_tests::{BrokerKind, Hall, mosquitto_available, ticket, wait_latest};

/// Issues tickets as fast as replies come, recording every acknowledged one.
async fn kiosk_loop(
    client: DeviceClient,
    acked: Arc<Mutex<BTreeSet<TicketId>>>,
    business: &'static str,
) {
    loop {
        match client.send(ticket(business)).await {
            Ok(reply) => {
                if let ReplyBody::Ok(ReplyResult::TicketIssued(t)) = reply.body {
                    acked.lock().unwrap().insert(t.ticket);
                }
            }
            Err(_) => back_off().await,
        }
    }
}

/// What a device does after a failed send. A send fails at once when its connection task has
/// gone (at the test's end): a loop retrying without a pause would never yield, hold a runtime
/// worker, and with both workers held no timer fires and the test hangs (it did in CI).
async fn back_off() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Calls and finishes tickets at a counter; refusals (nobody waiting, busy) are part of the day.
async fn counter_loop(client: DeviceClient) {
    let _ = client
        .send(Command::SignIn {
            staff: StaffNo::new("E2001").unwrap(),
            pin: None,
        })
        .await;
    loop {
        for cmd in [
            Command::CallNext {},
            Command::StartService {},
            Command::Finish {
                result: hallq_proto::ServiceResult::Done,
                note: None,
                missing: vec![],
            },
        ] {
            if client.send(cmd).await.is_err() {
                back_off().await;
            }
        }
    }
}

async fn acknowledged_tickets_survive_sigkill(kind: BrokerKind, rounds: usize) {
    // Kiosks issuing as fast as replies come are a flood: the limits would refuse most of it.
    let hall = Hall::unlimited(kind);
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let mut hub = hall.start_hub();
    // Device loops and their connection tasks, kept apart so the loops stop first.
    let mut tasks = Vec::new();
    let mut conns = Vec::new();
    for (device, business) in [
        ("kiosk-1", "basic"),
        ("kiosk-2", "complex"),
        ("greeter-1", "consult"),
    ] {
        let (client, conn) = DeviceClient::connect(&hall.client_config(device));
        conns.push(conn);
        tasks.push(tokio::spawn(kiosk_loop(
            client,
            Arc::clone(&acked),
            business,
        )));
    }
    let (counter, conn) = DeviceClient::connect(&hall.client_config("counter-1"));
    conns.push(conn);
    tasks.push(tokio::spawn(counter_loop(counter)));

    for round in 0..rounds {
        // Let commands flow, then cut the power mid-stream.
        tokio::time::sleep(Duration::from_millis(1200 + 150 * round as u64)).await;
        hub.kill9();
        let journal = hall.journal();
        assert!(
            journal.integrity_check().unwrap(),
            "round {round}: integrity_check"
        );
        check_journal(&hall, &acked.lock().unwrap(), round);
        hub = hall.start_hub();
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for t in tasks {
        t.abort();
        let _ = t.await;
    }
    for c in conns {
        c.abort();
    }
    // The board a display sees after the last restart matches the journal.
    let (display, _d) = hall.device("display-main").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let board = wait_latest(&display, |l| l.board.clone()).await;
    let journal = hall.journal();
    let waiting: i64 = journal
        .connection()
        .query_row(
            "SELECT count(*) FROM tickets WHERE status = 'waiting'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let on_board: u32 = board.queues.iter().map(|q| q.waiting).sum();
    assert_eq!(
        i64::from(on_board),
        waiting,
        "the board's waiting counts match the journal"
    );
    let acked = acked.lock().unwrap();
    assert!(
        acked.len() > 20,
        "the test issued enough tickets to mean something: {}",
        acked.len()
    );
    check_journal(&hall, &acked, rounds);
    drop(hub);
}

/// Every acknowledged ticket is in the journal once; every ticket comes from exactly one
/// accepted `issue_ticket` command; ticket numbers are unique within the day.
fn check_journal(hall: &Hall, acked: &BTreeSet<TicketId>, round: usize) {
    hall.assert_acknowledged_once(acked, &format!("round {round}"));
    let journal = hall.journal();
    let conn = journal.connection();
    // Numbers wrap after 999 a business type (skipping those still held), so they are unique
    // among the tickets that hold one, and across the whole day only below the wrap.
    let held_twice: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT day, number FROM tickets \
             WHERE status IN ('waiting', 'called', 'serving', 'skipped') \
             GROUP BY day, number HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        held_twice, 0,
        "round {round}: no two live tickets share a number"
    );
    let below_wrap_twice: i64 = conn
        .query_row(
            "SELECT count(*) FROM (SELECT day, number FROM tickets \
             WHERE (day, origin_business) IN (SELECT day, origin_business FROM tickets \
                                              GROUP BY day, origin_business HAVING count(*) <= 999) \
             GROUP BY day, number HAVING count(*) > 1)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        below_wrap_twice, 0,
        "round {round}: numbers are unique within a day below the wrap"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_tickets_survive_sigkill_embedded() {
    acknowledged_tickets_survive_sigkill(BrokerKind::Embedded, 5).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_tickets_survive_sigkill_mosquitto() {
    if mosquitto_available() {
        acknowledged_tickets_survive_sigkill(BrokerKind::Mosquitto, 5).await;
    }
}
