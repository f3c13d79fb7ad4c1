//! Appointments through the hub's single writer, with a real journal file and a clock the test
//! moves: many requests for a slot's last place in one batch, exactly one wins; the book comes
//! back from the journal after a restart; the number is never in the journal; a window passing
//! without a check-in is a no-show that frees its place.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use hallq_booking::{BookingCode, BookingError, BookingStatus};
use hallq_hub::HallConfig;
use hallq_hub::booking::{Answer, Asked, Refused, Request};
use hallq_hub::clock::Clock;
use hallq_hub::metrics::Metrics;
use hallq_hub::writer::{Input, Writer};
use hallq_proto::{BusinessCode, BusinessDay, Phone, Timestamp};
use tokio::sync::oneshot;

/// 2026-11-23 (a Monday) 10:00 in Beijing.
const T0: i64 = 1_795_399_200_000;
const TOMORROW: BusinessDay = BusinessDay(20261124);
const NINE: u32 = 9 * 60;

#[derive(Debug)]
struct TestClock(AtomicI64);

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

const CONFIG: &str = r#"
[hall]
id = "demo"
name = { zh = "演示营业厅", en = "Demo Hall" }

[booking]
capacity = { basic = 1 }
"#;

struct Hub {
    writer: Writer,
    clock: Arc<TestClock>,
    dir: tempfile::TempDir,
}

impl Hub {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(TestClock(AtomicI64::new(T0)));
        let writer = open(&dir, &clock);
        Self { writer, clock, dir }
    }

    fn restart(self) -> Self {
        let Self { writer, clock, dir } = self;
        drop(writer);
        let writer = open(&dir, &clock);
        Self { writer, clock, dir }
    }

    /// Sends the requests as one batch; returns their answers in order.
    fn batch(&mut self, requests: Vec<Request>) -> Vec<Answer> {
        let (inputs, answers): (Vec<_>, Vec<_>) = requests
            .into_iter()
            .map(|request| {
                let (answer, rx) = oneshot::channel();
                (Input::<()>::Booking(Asked { request, answer }), rx)
            })
            .unzip();
        self.writer.handle_batch(inputs);
        answers
            .into_iter()
            .map(|mut rx| rx.try_recv().unwrap())
            .collect()
    }

    fn advance(&mut self, ms: i64) {
        self.clock.0.fetch_add(ms, Ordering::SeqCst);
        self.writer.handle_batch::<()>(vec![Input::Tick]);
    }

    fn journal_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in std::fs::read_dir(self.dir.path().join("data")).unwrap() {
            let path = entry.unwrap().path();
            if path.to_string_lossy().contains("journal") {
                all.extend(std::fs::read(path).unwrap());
            }
        }
        all
    }
}

fn open(dir: &tempfile::TempDir, clock: &Arc<TestClock>) -> Writer {
    let mut config = HallConfig::parse(CONFIG).unwrap();
    config.hub.data_dir = dir.path().join("data");
    config.privacy.key_file = Some(dir.path().join("keys/personal.key"));
    config.load_profiles().unwrap();
    config.validate().unwrap();
    Writer::open(
        Arc::new(config),
        Arc::clone(clock) as Arc<dyn Clock>,
        Arc::new(Metrics::default()),
    )
    .unwrap()
}

fn phone(n: u32) -> Phone {
    Phone::parse(&format!("1390000{n:04}")).unwrap()
}

fn book(n: u32, start_min: u32) -> Request {
    Request::Book {
        phone: phone(n),
        business: BusinessCode::new("basic").unwrap(),
        day: TOMORROW,
        start_min,
    }
}

#[test]
fn of_many_requests_for_the_last_place_exactly_one_wins_and_the_book_survives_a_restart() {
    let mut hub = Hub::new();
    let answers = hub.batch((0..20).map(|n| book(n, NINE)).collect());
    let won: Vec<_> = answers.iter().filter_map(|a| a.as_ref().ok()).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|a| a.is_err())
            .all(|a| a == &Err(Refused::Book(BookingError::SlotFull))),
        "{answers:?}"
    );
    let code = won[0].code.clone();

    let mut hub = hub.restart();
    assert_eq!(
        hub.batch(vec![book(99, NINE)]),
        vec![Err(Refused::Book(BookingError::SlotFull))],
        "the book is rebuilt from the journal: the place is still taken"
    );
    // Its holder cancels (the same number): the place is free again, for one.
    let cancel = Request::Cancel {
        code: code.clone(),
        phone: phone(0),
    };
    let wrong = Request::Cancel {
        code,
        phone: phone(1),
    };
    let answers = hub.batch(vec![wrong, cancel, book(98, NINE), book(97, NINE)]);
    assert_eq!(answers[0], Err(Refused::Book(BookingError::NotYours)));
    assert_eq!(
        answers[1].as_ref().unwrap().status,
        BookingStatus::Cancelled
    );
    assert!(answers[2].is_ok(), "{answers:?}");
    assert_eq!(answers[3], Err(Refused::Book(BookingError::SlotFull)));
}

#[test]
fn the_number_is_never_in_the_journal_and_an_absent_booking_becomes_a_no_show() {
    let mut hub = Hub::new();
    let booked = hub.batch(vec![book(4321, NINE)]).remove(0).unwrap();
    let number = phone(4321);
    let bytes = hub.journal_bytes();
    assert!(
        !bytes.windows(11).any(|w| w == number.expose().as_bytes()),
        "the number is in the journal's files"
    );
    let code = BookingCode::parse(booked.code.as_str()).unwrap();
    // To tomorrow 09:15 (the late limit): still booked; a minute later, a no-show.
    let to_nine_fifteen = (23 * 60 + 15) * 60_000;
    hub.advance(to_nine_fifteen);
    assert_eq!(
        hub.batch(vec![book(1, NINE)]),
        vec![Err(Refused::Book(BookingError::TooLate(30)))]
    );
    let status = |hub: &mut Hub| {
        hub.batch(vec![Request::Cancel {
            code: code.clone(),
            phone: phone(4321),
        }])
    };
    assert_eq!(
        status(&mut hub),
        vec![Err(Refused::Book(BookingError::TooLate(30)))],
        "past the deadline, not cancellable"
    );
    hub.advance(60_000 + 1);
    let hub = hub.restart();
    let journal =
        hallq_journal::Journal::open_read_only(hub.dir.path().join("data/journal.db")).unwrap();
    let no_shows: i64 = journal
        .connection()
        .query_row(
            "SELECT count(*) FROM events WHERE type = 'booking' AND body LIKE '%\"no_show\"%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(no_shows, 1, "one no-show event for the absent booking");
}
