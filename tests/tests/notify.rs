//! "Your turn is near" end to end (issue 15 §2): `hallq hub` with `[notify]` on SMPP, a real
//! SMSC (the npm package `smpp`, tests/smsc), a kiosk giving a mobile number, counters calling
//! the queue forward. Exactly one "near" SMS when the rule says, one "called" SMS at the call,
//! none after; the journal has the notices and the consent, never the number. With the SMSC
//! down, the notice is tried to the limit and the supervisor's console is told.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_proto::command::IssueTicket;
use hallq_proto::{
    BusinessCode, Command, Lang, Phone, ReplyBody, ReplyResult, ServiceResult, StaffNo, TicketId,
};
use hallq_queue::EventKind;
use hallq_tests::smsc::{PASSWORD, SYSTEM_ID, Smsc, Submitted};
use hallq_tests::{BrokerKind, Hall, wait_latest};

const NUMBER: &str = "13800131234";

fn sections(smsc_port: u16) -> String {
    format!(
        "[notify]\nenabled = true\npeople_ahead = 2\nminutes = 0\n\n\
         [notify.smpp]\nhost = \"127.0.0.1\"\nport = {smsc_port}\nsystem_id = \"{SYSTEM_ID}\"\n\
         password = \"{PASSWORD}\"\nsource_addr = \"10086\"\ntimeout_secs = 5\n\n\
         [notify.retry]\nattempts = 3\nbackoff_ms = 200\nmax_backoff_ms = 400\n\n"
    )
}

async fn issue(kiosk: &DeviceClient, phone: Option<&str>) -> (TicketId, String) {
    let reply = kiosk
        .send(Command::IssueTicket(IssueTicket {
            business: BusinessCode::new("basic").unwrap(),
            priority_reason: None,
            green_channel: None,
            lang: Lang::Zh,
            phone: phone.map(|p| Phone::parse(p).unwrap()),
            session: None,
            visit: None,
            tier: None,
        }))
        .await
        .unwrap();
    let ReplyBody::Ok(ReplyResult::TicketIssued(t)) = reply.body else {
        panic!("no ticket: {reply:?}")
    };
    (t.ticket, t.number.0)
}

/// Calls the next ticket at `counter`, serves and finishes it; returns its number.
async fn serve_next(counter: &DeviceClient) -> String {
    let called = counter.send(Command::CallNext {}).await.unwrap();
    let ReplyBody::Ok(ReplyResult::Called { number, .. }) = called.body else {
        panic!("nothing called: {called:?}")
    };
    for cmd in [
        Command::StartService {},
        Command::Finish {
            result: ServiceResult::Done,
            note: None,
            missing: vec![],
        },
    ] {
        let r = counter.send(cmd).await.unwrap();
        assert!(matches!(r.body, ReplyBody::Ok(_)), "{r:?}");
    }
    number.0
}

/// The journal's `notice_sent` events of `ticket`: (kind, attempt, result, last).
fn notices(hall: &Hall, ticket: &TicketId) -> Vec<(String, u32, String, bool)> {
    hall.journal()
        .replay()
        .unwrap()
        .into_iter()
        .filter_map(|e| match e.kind {
            EventKind::NoticeSent {
                ticket: t,
                kind,
                attempt,
                result,
                last,
                ..
            } if t == *ticket => Some((kind, attempt, result, last)),
            _ => None,
        })
        .collect()
}

/// Waits (bounded, 30 s) until `ready` holds.
async fn until(mut ready: impl FnMut() -> bool) {
    for _ in 0..300 {
        if ready() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("not reached in 30 s");
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_near_and_one_called_sms_then_none_and_failures_reach_the_supervisor() {
    let mut smsc = Smsc::start(0);
    let hall = Hall::with_sections(BrokerKind::Embedded, &sections(smsc.port));
    let _hub = hall.start_hub();
    let (kiosk, _k) = hall.device("kiosk-1").await;
    let (counter, _c) = hall.device("counter-3").await;
    let (supervisor, _s) = hall.device("supervisor-1").await;

    // Four ahead of the customer who leaves a number: more than N = 2, so nothing yet.
    for _ in 0..4 {
        issue(&kiosk, None).await;
    }
    let (mine, my_number) = issue(&kiosk, Some(NUMBER)).await;
    let signed = counter
        .send(Command::SignIn {
            staff: StaffNo::new("E1003").unwrap(),
            pin: None,
        })
        .await
        .unwrap();
    assert!(matches!(signed.body, ReplyBody::Ok(_)), "{signed:?}");

    // A001 called: three ahead, still nothing.
    serve_next(&counter).await;
    // A002 called: two ahead, N reached: "near".
    serve_next(&counter).await;
    until(|| smsc.submitted().len() == 1).await;
    let near = &smsc.submitted()[0];
    assert_eq!(near.destination, NUMBER);
    assert!(
        near.text.contains(&my_number) && near.text.contains("前面还有2位"),
        "{near:?}"
    );
    // A003 and A004: closer, but "near" was said.
    serve_next(&counter).await;
    serve_next(&counter).await;
    // The customer's own call: "called, counter 3".
    assert_eq!(serve_next(&counter).await, my_number);
    until(|| smsc.submitted().len() == 2).await;
    until(|| notices(&hall, &mine).len() == 2).await;
    let called: &Submitted = &smsc.submitted()[1];
    assert_eq!(called.destination, NUMBER);
    assert!(
        called.text.contains(&my_number) && called.text.contains("3号窗口"),
        "{called:?}"
    );
    assert_eq!(
        notices(&hall, &mine),
        [
            ("near".to_owned(), 1, "sent".to_owned(), true),
            ("called".to_owned(), 1, "sent".to_owned(), true)
        ]
    );
    // The customer's consent was recorded with the ticket.
    let consented = hall.journal().replay().unwrap().into_iter().any(|e| {
        matches!(&e.kind, EventKind::NoticeConsented { ticket, via, .. } if *ticket == mine && via == "kiosk-1")
    });
    assert!(consented, "no notice_consented for the ticket");

    // The SMSC goes down; a second customer leaves a number and is called at once.
    smsc.stop();
    let (theirs, _) = issue(&kiosk, Some("13900139000")).await;
    serve_next(&counter).await;
    until(|| notices(&hall, &theirs).len() == 3).await;
    assert_eq!(
        notices(&hall, &theirs),
        [
            ("called".to_owned(), 1, "failed".to_owned(), false),
            ("called".to_owned(), 2, "failed".to_owned(), false),
            ("called".to_owned(), 3, "failed".to_owned(), true)
        ]
    );
    let failures = wait_latest(&supervisor, |l| {
        l.hub.as_ref().and_then(|h| h.notices.clone())
    })
    .await;
    assert_eq!(failures.failed, 1);
    assert_eq!(failures.last.kind, "called");
    assert!(failures.last.error.contains("短信网关"), "{failures:?}");

    // Nothing more for anyone: no notice after service, none to the second number.
    let smsc = smsc.restart();
    issue(&kiosk, None).await;
    serve_next(&counter).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(smsc.submitted().len(), 2);
    assert_eq!(notices(&hall, &mine).len(), 2);
    assert_eq!(notices(&hall, &theirs).len(), 3);

    // The number is in no journal byte in clear.
    for entry in std::fs::read_dir(hall.data_dir()).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !contains(&bytes, NUMBER),
            "{} holds the number",
            path.display()
        );
    }
}
