//! A busy day's ticket pages at HQ (issue 15, docs/phone.md "At HQ": the board in parts), with
//! real processes: a hall's `hallq hub` with `[phone]` and `[uplink]` to a real 3-node NATS
//! cluster (default `max_payload`, 1 MiB), 3,000 tickets issued at its kiosks — a whole board
//! of more than 1 MiB — and HQ's pages (`hallq_hq::phone`, as `hallq hq serve` runs them) on a
//! line to the cluster that the test cuts.
//!
//! Every message on the hall's pages subject fits the server's limit, the parts of a whole
//! board add up to more than the limit, and every one of the 3,000 pages opens at HQ. With
//! HQ's line cut, a ticket is called: the message that says so never reaches HQ. Once the line
//! is back and nothing more changes at the hall, HQ sees the message it missed, asks the hall
//! for its whole board, and the page shows the call. An HQ process started late serves every
//! page too.

#![allow(clippy::unwrap_used, reason = "tests")]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use hallq_hq::NatsCluster;
use hallq_hq::engines::LinkProxy;
use hallq_phone::wire::{Kind, Resync, UpPart};
use hallq_proto::Command;
use hallq_tests::phone_page::{PATIENCE, get, send_ok, take};
use hallq_tests::{BrokerKind, Hall, free_port, wait_for_port};

/// Tickets of the day: above what one message of the whole board holds.
const TICKETS: usize = 3000;

/// HQ's pages on `port`, fed from `nats`, and their NATS client.
async fn hq_pages(nats: &str, port: u16) -> (tokio::task::JoinHandle<()>, async_nats::Client) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    // Only this address: a client that took the servers the cluster announces would go round a
    // cut line.
    let client = async_nats::ConnectOptions::new()
        .ignore_discovered_servers()
        .retry_on_initial_connect()
        .connect(nats)
        .await
        .unwrap();
    (
        tokio::spawn(hallq_hq::phone::serve(client.clone(), listener)),
        client,
    )
}

/// Waits (bounded) until `check` holds of the body of `path` at HQ on `port` (status 200).
async fn until_page(port: u16, path: &str, what: &str, check: impl Fn(&str) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let (status, body) = get(port, path).await;
        if status.contains(" 200 ") && check(&body) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: {status} {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Every message on the hall's pages subject, with its size, as it went by.
type Heard = Arc<Mutex<Vec<(usize, UpPart)>>>;

fn record(mut sub: async_nats::Subscriber) -> (Heard, tokio::task::JoinHandle<()>) {
    let heard = Heard::default();
    let out = Arc::clone(&heard);
    let task = tokio::spawn(async move {
        while let Some(m) = sub.next().await {
            let part = UpPart::received("testhall", &m.payload).unwrap();
            out.lock().unwrap().push((m.payload.len(), part));
        }
    });
    (heard, task)
}

/// Waits (bounded) until `check` holds of the messages heard.
async fn until_heard(heard: &Heard, what: &str, check: impl Fn(&[(usize, UpPart)]) -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !check(&heard.lock().unwrap()) {
        assert!(Instant::now() < deadline, "{what}: not heard");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The whole boards heard whose parts all came: (tickets, bytes, parts) of each.
fn whole_boards(heard: &[(usize, UpPart)]) -> Vec<(usize, usize, u32)> {
    let mut boards: HashMap<(u64, u64), (usize, usize, u32, u32)> = HashMap::new();
    let mut whole = Vec::new();
    for (len, part) in heard {
        if let Kind::Snapshot { index, count } = part.kind {
            let b = boards
                .entry((part.run, part.seq - u64::from(index)))
                .or_insert((0, 0, 0, count));
            b.0 += part.tickets.len();
            b.1 += len;
            b.2 += 1;
            if b.2 == count {
                whole.push((b.0, b.1, count));
            }
        }
    }
    whole
}

/// Every page opens at HQ on `port` with its number.
async fn every_page_opens(port: u16, pages: &[(String, String)]) {
    let mut checks = Vec::new();
    for chunk in pages.chunks(pages.len().div_ceil(8)) {
        let chunk = chunk.to_vec();
        checks.push(tokio::spawn(async move {
            for (token, number) in chunk {
                let (status, body) = get(port, &format!("/t/{token}")).await;
                assert!(status.contains(" 200 "), "{number} at HQ: {status}");
                assert!(body.contains(&number), "{number}'s page at HQ");
            }
        }));
    }
    for c in checks {
        c.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_day_s_every_page_opens_at_hq_and_a_page_hq_missed_a_message_of_converges() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let urls = cluster.urls();
    // The test's own view of the pages' subjects, as HQ has them.
    let watcher = cluster.connect().await.unwrap();
    let max_payload = watcher.server_info().max_payload;
    assert_eq!(max_payload, 1 << 20, "the cluster's default limit");
    let (heard, _recorder) = record(watcher.subscribe("hallq.pages.testhall").await.unwrap());
    let mut resyncs = watcher.subscribe("hallq.pagedown.testhall").await.unwrap();

    // HQ's pages on a line to the third node, which the test cuts.
    let node: std::net::SocketAddr = urls[2].trim_start_matches("nats://").parse().unwrap();
    let line = LinkProxy::start(node).await.unwrap();
    let hq_port = free_port();
    let (hq, hq_nats) = hq_pages(&format!("nats://{}", line.addr()), hq_port).await;

    let hub_port = free_port();
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        &format!(
            "[limits]\ncommands_per_minute = 0\ntickets_per_minute = 0\n\n\
             [phone]\nenabled = true\nlisten = \"127.0.0.1:{hub_port}\"\n\
             public_base = \"http://127.0.0.1:{hq_port}\"\n\n\
             [uplink]\nservers = [\"{}\"]\nregion = \"gd-gz\"\ninterval_ms = 100\n\n",
            urls[0]
        ),
    );
    let hub = hall.start_hub();
    wait_for_port(hub_port);

    // The day: 3,000 tickets from two kiosks, four businesses in turn, eight at a time.
    let (k1, _k1) = hall.device("kiosk-1").await;
    let (k2, _k2) = hall.device("kiosk-2").await;
    let mut takers = Vec::new();
    for w in 0..8 {
        let kiosk = if w % 2 == 0 { k1.clone() } else { k2.clone() };
        takers.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for i in (w..TICKETS).step_by(8) {
                let business = ["basic", "consult", "complex", "repair"][i % 4];
                let t = take(&kiosk, business).await;
                let url = t.page_url.expect("the reply has the page's URL");
                let token = url.rsplit('/').next().unwrap().to_owned();
                got.push((token, t.number.0, t.ticket));
            }
            got
        }));
    }
    let mut tickets = Vec::new();
    for t in takers {
        tickets.extend(t.await.unwrap());
    }
    assert_eq!(tickets.len(), TICKETS);
    let pages: Vec<(String, String)> = tickets
        .iter()
        .map(|(token, number, _)| (token.clone(), number.clone()))
        .collect();

    // Every page opens at HQ (once its board is there), with its number.
    let (last_token, last_number) = pages.last().unwrap().clone();
    until_page(
        hq_port,
        &format!("/t/{last_token}"),
        "the last page at HQ",
        |b| b.contains(&last_number),
    )
    .await;
    every_page_opens(hq_port, &pages).await;

    // HQ's line cut: a ticket is called; the message saying so is not heard at HQ.
    let (counter, _c) = hall.device("counter-1").await;
    let sign_in = Command::SignIn {
        staff: hallq_proto::StaffNo::new("E1001").unwrap(),
        pin: None,
    };
    send_ok(&counter, sign_in).await;
    line.cut();
    let deadline = Instant::now() + PATIENCE;
    while hq_nats.connection_state() == async_nats::connection::State::Connected {
        assert!(Instant::now() < deadline, "HQ's link never went down");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let called = match send_ok(&counter, Command::CallNext {}).await {
        hallq_proto::ReplyResult::Called { ticket, .. } => ticket,
        other => panic!("{other:?}"),
    };
    let (token, number, _) = tickets.iter().find(|(_, _, t)| *t == called).unwrap();
    let live = format!("/t/{token}/live");
    // The hall sent it (the test's own subscriber heard it).
    until_heard(&heard, "the call sent up", |h| {
        h.iter().any(|(_, p)| {
            p.tickets.iter().any(|t| {
                t.ticket == called
                    && matches!(t.view.state, hallq_phone::TicketState::Called { .. })
            })
        })
    })
    .await;
    // At HQ the page still waits.
    let (_, body) = get(hq_port, &live).await;
    assert!(body.contains("\"state\":\"waiting\""), "{number}: {body}");

    // The line back; nothing else changes at the hall: HQ asks for the whole board and the
    // page shows the call.
    line.restore();
    until_page(
        hq_port,
        &live,
        "the call at HQ after a missed message",
        |b| b.contains("\"state\":\"called\""),
    )
    .await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let m = tokio::time::timeout(left, resyncs.next())
            .await
            .expect("HQ never asked for the whole board")
            .unwrap();
        if Resync::is(&m.payload) {
            break;
        }
    }

    // The whole board HQ asked for: every ticket, in parts that add up to more than one
    // message may hold; no message of the day over the limit.
    until_heard(&heard, "the whole board of the day", |h| {
        whole_boards(h).iter().any(|b| b.0 == TICKETS)
    })
    .await;
    let (_, bytes, parts) = whole_boards(&heard.lock().unwrap())
        .into_iter()
        .find(|b| b.0 == TICKETS)
        .unwrap();
    assert!(
        bytes > max_payload && parts > 1,
        "the whole board is over one message's limit: {bytes} bytes in {parts} parts"
    );
    let largest = heard.lock().unwrap().iter().map(|(len, _)| *len).max();
    assert!(largest.unwrap() <= max_payload, "{largest:?} bytes");
    eprintln!(
        "the whole board of {TICKETS} tickets: {bytes} bytes in {parts} parts; largest message \
         {largest:?} bytes"
    );

    // An HQ process started now: it asks for the whole board and serves every page.
    let late_port = free_port();
    let (late, _late_nats) = hq_pages(&urls[1], late_port).await;
    until_page(late_port, &live, "the called page at a late HQ", |b| {
        b.contains("\"state\":\"called\"")
    })
    .await;
    every_page_opens(late_port, &pages).await;

    hq.abort();
    late.abort();
    assert!(hub.terminate(), "the hub stops cleanly: {}", hall.hub_log());
    drop(cluster);
}
