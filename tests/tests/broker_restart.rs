//! Mosquitto restarted under the hub: stopped cleanly (`systemctl restart mosquitto`, SIGTERM)
//! and crashed (SIGKILL: it comes back with the retained messages and sessions of its last save)
//! while kiosks issue tickets and a counter calls them. After each restart a device that starts
//! sees the hub online and the board the hub holds, and every acknowledged ticket is in the
//! journal exactly once.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_proto::state::Liveness;
use hallq_proto::{Command, ReplyBody, ReplyResult, StaffNo, TicketId};
use hallq_tests::{BrokerKind, Hall, mosquitto_available, ticket};
use tokio::sync::RwLock;

/// Devices sending commands; [`Load::pause`] waits for every command in flight to be answered
/// (or given up) and holds the next ones back until [`Load::resume`].
struct Load {
    gate: Arc<RwLock<()>>,
    held: Option<tokio::sync::OwnedRwLockWriteGuard<()>>,
    acked: Arc<Mutex<BTreeSet<TicketId>>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Load {
    fn start(hall: &Hall) -> Self {
        let gate = Arc::new(RwLock::new(()));
        let acked = Arc::new(Mutex::new(BTreeSet::new()));
        let mut tasks = Vec::new();
        for (device, business) in [("kiosk-1", "basic"), ("kiosk-2", "complex")] {
            let (client, conn) = DeviceClient::connect(&hall.client_config(device));
            tasks.push(conn);
            let (gate, acked) = (Arc::clone(&gate), Arc::clone(&acked));
            tasks.push(tokio::spawn(async move {
                loop {
                    let _turn = gate.read().await;
                    match client.send(ticket(business)).await {
                        Ok(reply) => {
                            if let ReplyBody::Ok(ReplyResult::TicketIssued(t)) = reply.body {
                                acked.lock().unwrap().insert(t.ticket);
                            }
                        }
                        Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                    }
                }
            }));
        }
        let (counter, conn) = DeviceClient::connect(&hall.client_config("counter-1"));
        tasks.push(conn);
        let counter_gate = Arc::clone(&gate);
        tasks.push(tokio::spawn(async move {
            let _ = counter
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
                    let _turn = counter_gate.read().await;
                    if counter.send(cmd).await.is_err() {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                }
                // Slower than the kiosks, so that tickets wait on the board.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }));
        Self {
            gate,
            held: None,
            acked,
            tasks,
        }
    }

    async fn pause(&mut self) {
        self.held = Some(Arc::clone(&self.gate).write_owned().await);
    }

    fn resume(&mut self) {
        self.held = None;
    }

    fn acked(&self) -> BTreeSet<TicketId> {
        self.acked.lock().unwrap().clone()
    }
}

impl Drop for Load {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// Tickets waiting per business type, as the journal has them.
fn waiting_in_journal(hall: &Hall) -> BTreeMap<String, u32> {
    let journal = hall.journal();
    let mut stmt = journal
        .connection()
        .prepare(
            "SELECT business, count(*) FROM tickets WHERE status = 'waiting' GROUP BY business",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// What a device that starts now sees: the hub online, and the board of the journal.
async fn a_new_device_sees_the_hub(hall: &Hall, when: &str) {
    let (display, conn) = DeviceClient::connect(&hall.client_config("display-main"));
    let mut last = None;
    for _ in 0..200 {
        let latest = display.latest();
        let online = latest
            .hub
            .as_ref()
            .is_some_and(|h| h.status == Liveness::Online);
        let board: Option<BTreeMap<String, u32>> = latest.board.as_ref().map(|b| {
            b.queues
                .iter()
                .filter(|q| q.waiting > 0)
                .map(|q| (q.business.to_string(), q.waiting))
                .collect()
        });
        let journal = waiting_in_journal(hall);
        if online && board.as_ref() == Some(&journal) {
            conn.abort();
            return;
        }
        last = Some((latest.hub, board, journal));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    conn.abort();
    panic!(
        "{when}: a device starting now sees (hub, board's waiting, journal's waiting) = {last:?}\n\
         hub log:\n{}",
        hall.hub_log()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_hall_survives_mosquitto_restarts() {
    if !mosquitto_available() {
        return;
    }
    let mut hall = Hall::unlimited(BrokerKind::Mosquitto);
    let hub = hall.start_hub();
    let mut load = Load::start(&hall);
    // (signal, whether the devices keep sending while Mosquitto is down and after it is back).
    // The last round crashes it in a quiet hall: what it restores from its save (taken when the
    // first round stopped it) is older than the hub's board, and nothing else would replace it.
    for (round, (signal, busy)) in [("TERM", true), ("KILL", true), ("KILL", false)]
        .into_iter()
        .enumerate()
    {
        let when = format!("round {round} (SIG{signal}, busy: {busy})");
        tokio::time::sleep(Duration::from_millis(1500)).await;
        if !busy {
            load.pause().await;
        }
        tokio::task::block_in_place(|| hall.restart_mosquitto(signal));
        if busy {
            tokio::time::sleep(Duration::from_millis(1500)).await;
            load.pause().await;
        }
        a_new_device_sees_the_hub(&hall, &when).await;
        hall.assert_acknowledged_once(&load.acked(), &when);
        load.resume();
    }
    let acked = load.acked();
    assert!(
        acked.len() > 20,
        "the test issued enough tickets to mean something: {}",
        acked.len()
    );
    drop(load);
    assert!(hub.terminate(), "the hub stops cleanly");
}
