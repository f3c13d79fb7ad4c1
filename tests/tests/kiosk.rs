//! The kiosk end to end: its controller and runtime against the real hub (a `hallq hub` process
//! with its embedded broker and SQLite journal), printing real ESC/POS bytes over TCP to a fake
//! printer that captures them. A customer's touches go in; the ticket must come out of the
//! journal and off the printer, with every touchpoint of the way recorded.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::io::Read as _;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_kiosk::controller::PrintState;
use hallq_kiosk::{Action, Kiosk, KioskTimings, PrintFn, PrintJob, Runtime, Screen};
use hallq_print::escpos::{self, Op};
use hallq_print::{Layout, PaperWidth, Printer, TicketSlip};
use hallq_proto::reply::TicketIssued;
use hallq_proto::state::ServiceInfo;
use hallq_tests::{BrokerKind, Hall};
use tokio::sync::watch;

/// A raw-TCP printer on 127.0.0.1 that keeps the bytes of each connection.
fn fake_printer() -> (std::net::SocketAddr, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let jobs = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&jobs);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let mut bytes = Vec::new();
            if stream.and_then(|mut s| s.read_to_end(&mut bytes)).is_ok() {
                kept.lock().unwrap().push(bytes);
            }
        }
    });
    (addr, jobs)
}

/// Waits until the kiosk shows a screen `pick` accepts.
async fn wait_screen<T>(
    screens: &mut watch::Receiver<Screen>,
    pick: impl Fn(&Screen) -> Option<T>,
) -> T {
    let found = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            if let Some(t) = pick(&screens.borrow_and_update()) {
                return t;
            }
            screens.changed().await.unwrap();
        }
    })
    .await;
    found.unwrap_or_else(|_| panic!("the kiosk stayed on {:?}", *screens.borrow()))
}

/// A kiosk on `client` printing to `printer`, and the screens it shows.
fn start_kiosk(client: &DeviceClient, printer: Printer) -> (Runtime, watch::Receiver<Screen>) {
    let print: PrintFn = Arc::new(move |job: &PrintJob| {
        let mut slip = TicketSlip::new(&job.ticket, job.hall.clone(), 480, job.lang);
        if job.reprint {
            slip = slip.reprinted();
        }
        let bytes = escpos::encode(&slip, &Layout::new(PaperWidth::Mm80));
        printer.print(&bytes).map_err(|e| e.to_string())
    });
    let (screen_tx, screens) = watch::channel(Screen::Welcome);
    let kiosk = Kiosk::new("kiosk-1-e2e", KioskTimings::default());
    let shown = Box::new(move |k: &Kiosk| {
        let _ = screen_tx.send(k.screen());
    });
    (Runtime::start(kiosk, client.clone(), print, shown), screens)
}

/// Touches the first business type on offer (declining self-service), then `care` or ordinary,
/// and stops at the mobile-number step. Returns the business chosen.
async fn to_the_phone_step(
    client: &DeviceClient,
    runtime: &Runtime,
    screens: &mut watch::Receiver<Screen>,
    care: Option<hallq_proto::PriorityReason>,
) -> ServiceInfo {
    let touch = |a| runtime.handle.touch(a);
    // The welcome screen, once the hub's services have arrived: take the first business type.
    wait_screen(screens, |s| (*s == Screen::Welcome).then_some(())).await;
    let services = hallq_tests::wait_latest(client, |l| l.services.clone()).await;
    let first = services.services.first().unwrap().clone();
    touch(Action::Business(first.business.clone()));
    if first.self_service.is_some() {
        wait_screen(screens, |s| {
            matches!(s, Screen::SelfService { .. }).then_some(())
        })
        .await;
        touch(Action::TicketInstead);
    }
    wait_screen(screens, |s| (*s == Screen::Priority).then_some(())).await;
    touch(care.map_or(Action::Ordinary, Action::Care));
    wait_screen(screens, |s| matches!(s, Screen::Phone { .. }).then_some(())).await;
    first
}

/// Waits for the issued ticket, printed.
async fn printed_ticket(screens: &mut watch::Receiver<Screen>) -> TicketIssued {
    wait_screen(screens, |s| match s {
        Screen::Issued {
            ticket,
            print: PrintState::Printed,
        } => Some(ticket.clone()),
        _ => None,
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_takes_a_ticket_at_the_kiosk_and_it_prints() {
    let hall = Hall::new(BrokerKind::Embedded);
    let _hub = hall.start_hub();
    let (client, _task) = hall.device("kiosk-1").await;
    let (printer_addr, jobs) = fake_printer();
    let (runtime, mut screens) = start_kiosk(&client, Printer::Tcp(printer_addr));
    let first = to_the_phone_step(
        &client,
        &runtime,
        &mut screens,
        Some(hallq_proto::PriorityReason::Elderly),
    )
    .await;
    runtime.handle.touch(Action::Skip);
    let ticket = printed_ticket(&mut screens).await;
    assert_eq!(ticket.business, first.business);
    assert_eq!(ticket.priority, hallq_proto::Priority::Care);

    // Off the printer: the number large, the QR code of the ticket id, the cut.
    // The printer keeps a job once the kiosk has closed the connection: a moment after.
    let mut bytes = None;
    for _ in 0..100 {
        bytes = jobs.lock().unwrap().first().cloned();
        if bytes.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let bytes = bytes.expect("one print job");
    let ops = escpos::decode(&bytes).unwrap();
    let texts = escpos::texts(&ops);
    assert!(
        texts.iter().any(|t| t.contains(&ticket.number.0)),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains(&first.name.zh)),
        "{texts:?}"
    );
    assert!(
        ops.iter()
            .any(|op| matches!(op, Op::Qr { data, .. } if *data == ticket.ticket.to_string()))
    );
    assert!(
        matches!(ops.last(), Some(Op::Cut { .. })),
        "{:?}",
        ops.last()
    );

    // In the journal: the ticket, and the touchpoints of the way (the print result is sent
    // after the screen changes: wait for it).
    let journal = hall.journal();
    let count = |sql: &str| -> i64 {
        journal
            .connection()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        count(&format!(
            "SELECT count(*) FROM tickets WHERE ticket = '{}' AND priority = 'care' AND reason = 'elderly'",
            ticket.ticket
        )),
        1
    );
    for _ in 0..100 {
        if count("SELECT count(*) FROM commands WHERE kind = 'print_result' AND ok = 1") == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for kind in ["session_started", "issue_ticket", "print_result"] {
        assert_eq!(
            count(&format!(
                "SELECT count(*) FROM commands WHERE device = 'kiosk-1' AND kind = '{kind}' AND ok = 1"
            )),
            1,
            "{kind}"
        );
    }
    assert_eq!(
        count(&format!(
            "SELECT printed FROM tickets WHERE ticket = '{}'",
            ticket.ticket
        )),
        1
    );
}

/// The example hall's code has letters and a hyphen; a wrong one is refused by the hub at the
/// code's step and keyed again there, and the right one gives a green-channel ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_green_channel_code_is_keyed_again_and_the_right_one_gives_the_ticket() {
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        "[[green_channel]]\ncode = \"VIP-8888\"\nlabel = \"diamond card\"\n\n",
    );
    let _hub = hall.start_hub();
    let (client, _task) = hall.device("kiosk-1").await;
    let printed = hall.data_dir().join("tickets.escpos");
    let (runtime, mut screens) = start_kiosk(&client, Printer::File(printed));
    let touch = |a| runtime.handle.touch(a);
    let key_in = |code: &str| code.chars().for_each(|c| touch(Action::Key(c)));
    wait_screen(&mut screens, |s| (*s == Screen::Welcome).then_some(())).await;
    let services = hallq_tests::wait_latest(&client, |l| l.services.clone()).await;
    let plain = services
        .services
        .iter()
        .find(|s| s.self_service.is_none())
        .unwrap();
    touch(Action::Business(plain.business.clone()));
    wait_screen(&mut screens, |s| (*s == Screen::Priority).then_some(())).await;
    touch(Action::GreenChannel);
    key_in("vip-8887");
    touch(Action::Confirm);
    wait_screen(&mut screens, |s| {
        matches!(s, Screen::GreenCode { refused: true, .. }).then_some(())
    })
    .await;
    key_in("VIP-8888");
    touch(Action::Confirm);
    let ticket = printed_ticket(&mut screens).await;
    assert_eq!(ticket.priority, hallq_proto::Priority::GreenChannel);

    let journal = hall.journal();
    let count = |sql: &str| -> i64 {
        journal
            .connection()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count("SELECT count(*) FROM tickets"), 1);
    assert_eq!(
        count("SELECT count(*) FROM tickets WHERE priority = 'green_channel'"),
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM commands WHERE kind = 'session_abandoned'"),
        0,
        "the customer never had to start over"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ticket_asked_for_while_the_hub_stalls_is_issued_once() {
    let hall = Hall::new(BrokerKind::Embedded);
    let hub = hall.start_hub();
    let (client, _task) = hall.device("kiosk-1").await;
    let printed = hall.data_dir().join("tickets.escpos");
    let (runtime, mut screens) = start_kiosk(&client, Printer::File(printed.clone()));
    to_the_phone_step(&client, &runtime, &mut screens, None).await;

    // The hub freezes as the customer asks for the ticket: the kiosk waits, its client sends
    // the request again under the same id after 2 s, and the hub wakes up to both copies.
    hub.pause();
    runtime.handle.touch(Action::Skip);
    wait_screen(&mut screens, |s| (*s == Screen::Issuing).then_some(())).await;
    tokio::time::sleep(Duration::from_millis(3_000)).await;
    hub.resume();
    let ticket = printed_ticket(&mut screens).await;

    let journal = hall.journal();
    let count = |sql: &str| -> i64 {
        journal
            .connection()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(
        count("SELECT count(*) FROM tickets"),
        1,
        "one ticket, not two"
    );
    assert_eq!(
        count("SELECT count(*) FROM commands WHERE kind = 'issue_ticket'"),
        1
    );
    let bytes = std::fs::read(&printed).unwrap();
    let ops = escpos::decode(&bytes).unwrap();
    assert!(
        escpos::texts(&ops)
            .iter()
            .any(|t| t.contains(&ticket.number.0)),
        "the printed ticket carries {}",
        ticket.number.0
    );
}
