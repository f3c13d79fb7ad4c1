//! The hub as the hall's only clock, with the machine's clock wrong: a real `hallq hub` under
//! libfaketime, started one business day and then one hour behind its journal's last event, and
//! finally at the right time again. Its time must never run backwards: no live ticket closed, no
//! past day opened, no ticket id given twice, the longest wait called first, no service finished
//! before it started; and its retained status says the clock is behind while it is.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use hallq_client::DeviceClient;
use hallq_proto::state::Liveness;
use hallq_proto::{Command, Reply, ReplyBody, ReplyResult, ServiceResult, StaffNo};
use hallq_tests::{BrokerKind, Hall, HubProcess, ticket, wait_latest};

const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
const HOUR_MS: i64 = 3_600_000;

fn ok(reply: &Reply) -> &ReplyResult {
    match &reply.body {
        ReplyBody::Ok(r) => r,
        ReplyBody::Error(e) => panic!("refused: {e:?}"),
    }
}

/// The hub with its system clock `offset` off (libfaketime's relative form: `-1d`, `-1h`).
fn hub_faked(hall: &Hall, offset: &str) -> HubProcess {
    assert!(
        std::path::Path::new(LIBFAKETIME).exists(),
        "libfaketime is not installed (apt-get install faketime)"
    );
    hall.start_hub_env(
        &[],
        &[
            ("LD_PRELOAD", LIBFAKETIME),
            ("FAKETIME", offset),
            // Only the wall clock is wrong on a real machine; timers run on the monotonic one.
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
        ],
    )
}

/// Issues a ticket; returns its id and number.
async fn issue(kiosk: &DeviceClient) -> (String, String) {
    let reply = kiosk.send(ticket("basic")).await.unwrap();
    match ok(&reply) {
        ReplyResult::TicketIssued(t) => (t.ticket.to_string(), t.number.0.clone()),
        other => panic!("{other:?}"),
    }
}

/// A ticket of the journal: (id, status, issued, started, finished).
type TicketRow = (String, String, i64, Option<i64>, Option<i64>);

/// Every ticket of the journal, by id.
fn tickets(hall: &Hall) -> Vec<TicketRow> {
    let j = hall.journal();
    let mut stmt = j
        .connection()
        .prepare(
            "SELECT ticket, status, issued_at_ms, started_at_ms, finished_at_ms \
             FROM tickets ORDER BY ticket",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

/// Waits until the hub is online with a status whose `clock_behind_ms` `pick` accepts.
async fn hub_online_with(client: &DeviceClient, pick: impl Fn(Option<i64>) -> bool) {
    wait_latest(client, |l| {
        l.hub
            .as_ref()
            .filter(|h| h.status == Liveness::Online && pick(h.clock_behind_ms))
            .map(|_| ())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_set_back_never_turns_the_hubs_time_back() {
    let hall = Hall::new(BrokerKind::Embedded);

    // The right time: two customers; the first is being served at counter 3.
    let hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let (counter, _c) = hall.device("counter-3").await;
    let mut issued = vec![issue(&kiosk).await, issue(&kiosk).await];
    let sign_in = Command::SignIn {
        staff: StaffNo::new("E1003").unwrap(),
        pin: None,
    };
    ok(&counter.send(sign_in).await.unwrap());
    ok(&counter.send(Command::CallNext {}).await.unwrap());
    ok(&counter.send(Command::StartService {}).await.unwrap());
    hub_online_with(&kiosk, |b| b.is_none()).await;
    assert!(hub.terminate(), "{}", hall.hub_log());
    let before = tickets(&hall);
    assert_eq!(before[0].1, "serving");
    assert_eq!(before[1].1, "waiting");

    // A business day behind: today's live tickets stay live, today stays the day.
    // (The devices reconnect by themselves.)
    let hub = hub_faked(&hall, "-1d");
    hub_online_with(&kiosk, |b| b.is_some_and(|ms| ms > 23 * HOUR_MS)).await;
    issued.push(issue(&kiosk).await);
    let now = tickets(&hall);
    assert_eq!(now[0].1, "serving", "the customer being served: {now:?}");
    assert_eq!(now[1].1, "waiting", "the customer waiting: {now:?}");
    assert!(
        now.iter().all(|t| t.1 != "closed"),
        "a live ticket was closed: {now:?}"
    );
    assert!(hall.hub_log().contains("system clock is behind"));
    assert!(hub.terminate(), "{}", hall.hub_log());

    // An hour behind: the new ticket is not "older" than those that waited longer.
    let hub = hub_faked(&hall, "-1h");
    hub_online_with(&kiosk, |b| {
        b.is_some_and(|ms| ms > 50 * 60_000 && ms < 2 * HOUR_MS)
    })
    .await;
    issued.push(issue(&kiosk).await);
    let finished = Command::Finish {
        result: ServiceResult::Done,
        note: None,
        missing: vec![],
    };
    ok(&counter.send(finished).await.unwrap());
    let called = counter.send(Command::CallNext {}).await.unwrap();
    let ReplyResult::Called { ticket, .. } = ok(&called) else {
        panic!("{called:?}")
    };
    assert_eq!(
        ticket.to_string(),
        issued[1].0,
        "the customer who waited longest is called first"
    );
    assert!(hub.terminate(), "{}", hall.hub_log());

    // The right time again: the status says so, and the day goes on with new ids.
    let _hub = hall.start_hub();
    hub_online_with(&kiosk, |b| b.is_none()).await;
    issued.push(issue(&kiosk).await);

    let ids: std::collections::BTreeSet<&String> = issued.iter().map(|t| &t.0).collect();
    assert_eq!(
        ids.len(),
        issued.len(),
        "a ticket id was given twice: {issued:?}"
    );
    let numbers: Vec<&str> = issued.iter().map(|t| t.1.as_str()).collect();
    assert_eq!(numbers, ["A001", "A002", "A003", "A004", "A005"]);
    let all = tickets(&hall);
    assert_eq!(all.len(), 5, "{all:?}");
    // Issued in the order they came, every time after the one before.
    let issued_at: Vec<i64> = issued
        .iter()
        .map(|(id, _)| all.iter().find(|t| &t.0 == id).unwrap().2)
        .collect();
    assert!(issued_at.is_sorted(), "{issued_at:?}");
    let first = &all[0];
    assert_eq!(first.1, "served");
    assert!(
        first.4.unwrap() >= first.3.unwrap(),
        "finished before it started: {first:?}"
    );
}

/// The supervisor must be told (field test §2.3): the console, fed by a real device client as
/// its binary feeds it, at its profile's 1920×1080, says in its language that the hub's clock
/// is behind and by about how much, on the screen, and stops saying it once the clock is right.
#[tokio::test(flavor = "multi_thread")]
async fn the_supervisor_console_says_when_the_hubs_clock_is_behind() {
    use hallq_proto::Lang;
    use hallq_tests::console::supervisor_notice;

    let hall = Hall::new(BrokerKind::Embedded);
    let hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    issue(&kiosk).await;
    assert!(hub.terminate(), "{}", hall.hub_log());

    let hub = hub_faked(&hall, "-1h");
    let (console, _c) = hall.device("supervisor-1").await;
    let shown = |lang: Lang| supervisor_notice(&console, lang);

    hub_online_with(&console, |b| b.is_some_and(|ms| ms > 50 * 60_000)).await;
    let zh = shown(Lang::Zh);
    let minutes: i64 = zh
        .split("落后 ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|m| m.parse().ok())
        .unwrap_or_else(|| panic!("no minutes behind in {zh:?}"));
    assert!((50..=61).contains(&minutes), "{zh:?}");
    assert!(zh.contains("请校正时钟"), "{zh:?}");
    let en = shown(Lang::En);
    assert!(en.contains(&format!("{minutes} min behind")), "{en:?}");
    assert!(hub.terminate(), "{}", hall.hub_log());

    let _hub = hall.start_hub();
    hub_online_with(&console, |b| b.is_none()).await;
    assert_eq!(shown(Lang::Zh), "", "the clock is right again");
}
