//! Booked customers check in at the live kiosk (issue 15 §3, docs/booking.md "At the kiosk"): the
//! example hall of deploy/hall.example.toml with `[booking]` on, a real `hallq hub` on its test
//! clock from 09:41, and the real `hallq-kiosk` app under Xvfb at the standing kiosk's profile
//! size (1080×1920), printing to a file. Customers book over the hub's API; two walk-ins take
//! tickets after 09:30; then, through the kiosk's screen (xdotool clicks on its keys), a wrong
//! code is refused and loses nothing, the first booking checks in by its code and the second by
//! its mobile number, each ticket printed (the ESC/POS bytes decoded: its number and the booked
//! time) and called before the walk-ins (the booking's head start: queued from 09:30); a
//! booking of 11:30 is refused as too early. Then the greeter's handheld (`hallq-counter
//! --greeter`, 720×1440): a wrong code refused in red, check-in by code and by number in green,
//! each one ticket and one `checked_in` in the journal.
//!
//! The screens are told apart by their colours where they must be (the tab in blue, the note in
//! green, a refusal's title in red); the kiosk's touches land where the layout puts its keys,
//! which the constants below name. `HALLQ_SCREENSHOTS=docs cargo nextest run -p hallq-tests -E
//! 'binary(kiosk_checkin)'` also writes docs/screenshots/kiosk-checkin-*-{zh,en}.png (how the
//! ones there were made). Needs Xvfb and xdotool.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

mod xwin;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use hallq_client::DeviceClient;
use hallq_print::escpos;
use hallq_proto::{Command, ReplyBody, ReplyResult, ServiceResult, StaffNo, time};
use hallq_tests::booking_api::{book, mobile};
use hallq_tests::{Hall, free_port, ticket};
use xwin::{Killed, Rect, Shot, Xvfb, app_bin, profile};

/// The standing kiosk's screen (firmware-profiles/kiosk-portrait-80mm.toml).
const SIZE: (u32, u32) = (1080, 1920);
const PATIENCE: Duration = Duration::from_secs(60);

// Where the kiosk's touches go, in Chinese, at 1080×1920 (ui/kiosk/kiosk.slint).
/// The header's language switch.
const LANGUAGE: (u32, u32) = (930, 80);
/// "我有预约" on the welcome screen, above the priority note at its foot.
const APPOINTMENT: (u32, u32) = (540, 1594);
/// The check-in screen's mobile number tab (the booking code's is first, at the left).
const NUMBER_TAB: (u32, u32) = (796, 412);
/// The code tab's erase and "check in" buttons, under its keypad.
const CODE_ERASE: (u32, u32) = (284, 1460);
const CODE_CONFIRM: (u32, u32) = (796, 1460);
/// The number tab's "check in", under its keypad.
const NUMBER_CONFIRM: (u32, u32) = (540, 1232);
/// The refusal's "re-enter", and the ticket's "done".
const AGAIN: (u32, u32) = (540, 1654);
const DONE: (u32, u32) = (540, 1820);

/// The code's keypad: 1–9 and 0 in rows of five, then its 22 letters in rows of six.
const DIGITS: &str = "1234567890";
const LETTERS: &str = "ABCDEFGHJKMNPQRSTVWXYZ";

fn code_key(c: char) -> (u32, u32) {
    if let Some(i) = DIGITS.find(c) {
        let i = u32::try_from(i).unwrap();
        (140 + 200 * (i % 5), 712 + 116 * (i / 5))
    } else {
        let i = u32::try_from(LETTERS.find(c).unwrap()).unwrap();
        (123 + 1000 * (i % 6) / 6, 968 + 116 * (i / 6))
    }
}

/// The number's keypad: three columns, 1–9 then 0 in the middle of the fourth row.
fn number_key(c: char) -> (u32, u32) {
    let columns = [214, 558, 884];
    let d = c.to_digit(10).unwrap();
    if d == 0 {
        (columns[1], 1092)
    } else {
        (columns[((d - 1) % 3) as usize], 714 + 126 * ((d - 1) / 3))
    }
}

// The colours screens are told apart by (ui/common/theme.slint).
const BRAND: [u8; 3] = [0x0b, 0x4e, 0xa2];
const OK: [u8; 3] = [0x04, 0x78, 0x57];
const ALERT: [u8; 3] = [0xc8, 0x1e, 0x1e];

fn ok(reply: &hallq_proto::Reply) -> &ReplyResult {
    match &reply.body {
        ReplyBody::Ok(r) => r,
        ReplyBody::Error(e) => panic!("refused: {e:?}"),
    }
}

/// Finishes whoever counter is serving and calls the next: the number called.
async fn call_next(counter: &DeviceClient) -> String {
    let _ = counter.send(Command::StartService {}).await;
    let _ = counter
        .send(Command::Finish {
            result: ServiceResult::Done,
            note: None,
            missing: vec![],
        })
        .await;
    match ok(&counter.send(Command::CallNext {}).await.unwrap()) {
        ReplyResult::Called { number, .. } => number.0.clone(),
        other => panic!("{other:?}"),
    }
}

/// The kiosk's window and what the test does with it.
struct Kiosk {
    x: Xvfb,
    window: String,
    _app: Killed,
    printed: PathBuf,
    /// Where the docs' pictures go, when they are for the docs.
    docs: Option<PathBuf>,
}

impl Kiosk {
    fn click(&self, at: (u32, u32)) {
        self.x.click(&self.window, at.0, at.1);
        // A touch is handled before the next one lands (the kiosk sends each to its runtime).
        std::thread::sleep(Duration::from_millis(150));
    }

    /// Looks until `pick` accepts the window, then until it holds still; fails, keeping the
    /// picture, after a minute.
    fn until(&self, what: &str, pick: impl Fn(&Shot) -> bool) -> Shot {
        let started = Instant::now();
        loop {
            let s = self.x.look(&self.window);
            if pick(&s) {
                return self.x.settled(&self.window, Duration::from_secs(10));
            }
            if started.elapsed() > PATIENCE {
                let path = std::env::temp_dir().join("hallq-kiosk-checkin-failed.png");
                s.save(&path);
                panic!("{what}: not shown (picture in {})", path.display());
            }
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Keeps the screen as it is, in Chinese and in English, as docs/screenshots/
    /// kiosk-checkin-`name`-{zh,en}.png (only for the docs); back in Chinese after.
    fn pictures(&self, name: &str, zh: &Shot) {
        let Some(dir) = &self.docs else {
            return;
        };
        zh.save(&dir.join(format!("kiosk-checkin-{name}-zh.png")));
        self.click(LANGUAGE);
        let en = self
            .x
            .settled_change(&self.window, zh, zh.all(), PATIENCE)
            .expect("the English screen");
        en.save(&dir.join(format!("kiosk-checkin-{name}-en.png")));
        self.click(LANGUAGE);
        self.x
            .settled_change(&self.window, &en, en.all(), PATIENCE)
            .expect("back in Chinese");
    }

    /// Keys `code` on the code tab.
    fn code(&self, code: &str) {
        for c in code.chars().filter(|c| *c != '-') {
            self.click(code_key(c));
        }
    }

    /// The bytes printed since `from` bytes.
    fn printed_since(&self, from: usize) -> Vec<u8> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let bytes = std::fs::read(&self.printed).unwrap_or_default();
            // A slip ends with its cut.
            if bytes.len() > from
                && matches!(
                    escpos::decode(&bytes[from..])
                        .ok()
                        .as_deref()
                        .and_then(<[_]>::last),
                    Some(escpos::Op::Cut { .. })
                )
            {
                return bytes[from..].to_vec();
            }
            assert!(Instant::now() < deadline, "nothing printed");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn printed_len(&self) -> usize {
        std::fs::metadata(&self.printed).map_or(0, |m| usize::try_from(m.len()).unwrap())
    }
}

/// The welcome screen with "我有预约": its green border and words where it stands.
fn offers_check_in(s: &Shot) -> bool {
    s.count(Rect(20, 1520, 1040, 150), OK) > 2_000
}

/// The check-in screen on the code tab (the tab filled blue), or on the number tab.
fn on_code_tab(s: &Shot) -> bool {
    s.count(Rect(40, 362, 470, 100), BRAND) > 30_000
}
fn on_number_tab(s: &Shot) -> bool {
    s.count(Rect(570, 362, 470, 100), BRAND) > 30_000
}

/// A refused check-in: its title in red, "re-enter" and "start over" at the foot.
fn refused(s: &Shot) -> bool {
    s.count(Rect(0, 300, 1080, 1200), ALERT) > 2_000
        && s.count(Rect(40, 1600, 1000, 250), BRAND) > 5_000
}

/// A checked-in ticket: the hub's note on green above the number.
fn checked_in(s: &Shot) -> bool {
    s.count(Rect(40, 200, 1000, 110), OK) > 50_000
}

/// Journal counts: tickets, and `booking` events.
fn counts(hall: &Hall) -> (i64, i64) {
    let journal = hall.journal();
    let one = |sql: &str| -> i64 {
        journal
            .connection()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    };
    (
        one("SELECT count(*) FROM tickets"),
        one("SELECT count(*) FROM events WHERE type = 'booking'"),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn booked_customers_check_in_at_the_live_kiosk_by_code_and_by_number() {
    let port = free_port();
    let hall = Hall::example(&format!(
        "\n[booking]\nlisten = \"127.0.0.1:{port}\"\ncapacity = {{ basic = 4 }}\n\
         book_until_min = 5\nearly_min = 60\nlate_min = 15\nhead_start_min = 30\notp = \"log\"\n"
    ));
    let _hub = hall.start_hub_with(&["--test-start", "09:41", "--test-speed", "1"]);
    let (walk_ins, _w) = hall.device("kiosk-2").await;
    let (counter, _c) = hall.device("counter-1").await;
    hallq_tests::wait_for_port(port);
    let signed = counter
        .send(Command::SignIn {
            staff: StaffNo::new("E1001").unwrap(),
            pin: None,
        })
        .await
        .unwrap();
    ok(&signed);

    // Two walk-ins after 09:30; three bookings of today: 10:00 (by code), 10:00 (by number),
    // 11:30 (too early now: its check-in opens at 10:30).
    let first = walk_ins.send(ticket("basic")).await.unwrap();
    let day = time::local(first.at_ms, 480).0;
    let mut walked_in = Vec::new();
    for reply in [first, walk_ins.send(ticket("basic")).await.unwrap()] {
        match ok(&reply) {
            ReplyResult::TicketIssued(t) => walked_in.push(t.number.0.clone()),
            other => panic!("{other:?}"),
        }
    }
    let by_code = book(&hall, port, day, &mobile(1), 10 * 60);
    let _by_number = book(&hall, port, day, &mobile(2), 10 * 60);
    let early = book(&hall, port, day, &mobile(3), 11 * 60 + 30);

    // The kiosk app, as a hall runs it.
    let dir = tempfile::tempdir().unwrap();
    let x = Xvfb::start(SIZE.0, SIZE.1);
    let printed = dir.path().join("kiosk-1.escpos");
    let child = x
        .command(app_bin("hallq-kiosk").to_str().unwrap())
        .args([
            "--broker",
            &format!("127.0.0.1:{}", hall.port),
            "--hall",
            "demo",
        ])
        .args(["--device", "kiosk-1", "--profile"])
        .arg(profile("kiosk-portrait-80mm"))
        .arg("--printer")
        .arg(format!("file:{}", printed.display()))
        .env("HALLQ_DEVICE_SECRET", &hall.secrets["kiosk-1"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let app = Killed(child);
    let started = Instant::now();
    let window = loop {
        if let Some(w) = x.window_of(pid) {
            break w;
        }
        assert!(started.elapsed() < PATIENCE, "the kiosk opened no window");
        std::thread::sleep(Duration::from_millis(100));
    };
    let docs = (std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs"))
        .then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots"));
    let kiosk = Kiosk {
        x,
        window,
        _app: app,
        printed,
        docs,
    };
    assert_eq!(kiosk.x.size(&kiosk.window), SIZE);

    let welcome = kiosk.until("the welcome screen offering check-in", offers_check_in);
    kiosk.pictures("welcome", &welcome);
    kiosk.click(APPOINTMENT);
    kiosk.until("the check-in screen", on_code_tab);

    // A wrong code: refused, in the hub's words; nothing issued, printed or booked.
    let before = counts(&hall);
    kiosk.code("ZZZZ-ZZZZ");
    kiosk.click(CODE_CONFIRM);
    let wrong = kiosk.until("the wrong code's refusal", refused);
    kiosk.pictures("unknown", &wrong);
    assert_eq!(counts(&hall), before, "a wrong code changed the journal");
    assert_eq!(kiosk.printed_len(), 0, "a wrong code printed");

    // Keyed again, right: checked in, printed with the booked time, called first.
    kiosk.click(AGAIN);
    kiosk.until("the entry again", on_code_tab);
    for _ in 0..8 {
        kiosk.click(CODE_ERASE);
    }
    kiosk.code(&by_code[..6]);
    let keying = kiosk.until("the code keyed", on_code_tab);
    kiosk.pictures("code", &keying);
    kiosk.code(&by_code[6..]);
    kiosk.click(CODE_CONFIRM);
    let ticket_shown = kiosk.until("the checked-in ticket", checked_in);
    let slip = kiosk.printed_since(0);
    kiosk.pictures("ticket", &ticket_shown);
    let texts = escpos::texts(&escpos::decode(&slip).unwrap())
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert!(
        texts.iter().any(|t| t.contains("预约时段 10:00")),
        "{texts:?}"
    );

    // By number: the digits seen while keyed.
    kiosk.click(DONE);
    kiosk.until("the welcome screen again", offers_check_in);
    kiosk.click(APPOINTMENT);
    kiosk.until("the check-in screen", on_code_tab);
    kiosk.click(NUMBER_TAB);
    kiosk.until("the number tab", on_number_tab);
    for c in mobile(2).chars() {
        kiosk.click(number_key(c));
    }
    let number = kiosk.until("the number keyed", on_number_tab);
    kiosk.pictures("number", &number);
    let from = kiosk.printed_len();
    kiosk.click(NUMBER_CONFIRM);
    kiosk.until("the ticket checked in by number", checked_in);
    let second_slip = kiosk.printed_since(from);
    let second_texts = escpos::texts(&escpos::decode(&second_slip).unwrap())
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
    assert!(
        second_texts.iter().any(|t| t.contains("预约时段 10:00")),
        "{second_texts:?}"
    );

    // Too early: refused, nothing issued.
    kiosk.click(DONE);
    kiosk.until("the welcome screen again", offers_check_in);
    kiosk.click(APPOINTMENT);
    kiosk.until("the check-in screen", on_code_tab);
    let before = counts(&hall);
    kiosk.code(&early);
    kiosk.click(CODE_CONFIRM);
    let too_early = kiosk.until("too early", |s| {
        s.count(Rect(0, 300, 1080, 1200), ALERT) > 2_000
    });
    kiosk.pictures("too-early", &too_early);
    assert_eq!(counts(&hall), before, "too early changed the journal");

    // The booked customers are called first (queued from 10:00 less the 30-minute head start,
    // before the walk-ins of 09:41), each with the number printed on their slip; then the
    // walk-ins.
    let mut called = Vec::new();
    for _ in 0..4 {
        called.push(call_next(&counter).await);
    }
    assert!(
        texts.iter().any(|t| t.contains(&called[0])),
        "the first slip is not {}: {texts:?}",
        called[0]
    );
    assert!(
        second_texts.iter().any(|t| t.contains(&called[1])),
        "the second slip is not {}: {second_texts:?}",
        called[1]
    );
    assert_eq!(called[2..], walked_in[..]);
}

/// The greeter's handheld (firmware-profiles/greeter-handheld.toml).
const GREETER: (u32, u32) = (720, 1440);
/// Its booking field, its "check in", and "next visitor" at its foot.
const GREETER_FIELD: (u32, u32) = (250, 215);
const GREETER_CHECK_IN: (u32, u32) = (596, 215);
const GREETER_NEXT: (u32, u32) = (360, 1380);

/// The greeter's answer line, over "next visitor": green for a ticket, red for a refusal.
fn greeter_line(s: &Shot, colour: [u8; 3]) -> bool {
    s.count(Rect(0, 1000, 720, 330), colour) > 10_000
}

#[tokio::test(flavor = "multi_thread")]
async fn the_greeter_checks_booked_customers_in_by_code_and_by_number() {
    let port = free_port();
    let hall = Hall::example(&format!(
        "\n[booking]\nlisten = \"127.0.0.1:{port}\"\ncapacity = {{ basic = 4 }}\n\
         book_until_min = 5\nearly_min = 60\nlate_min = 15\nhead_start_min = 30\notp = \"log\"\n"
    ));
    let _hub = hall.start_hub_with(&["--test-start", "09:41", "--test-speed", "1"]);
    let (walk_ins, _w) = hall.device("kiosk-2").await;
    hallq_tests::wait_for_port(port);
    let first = walk_ins.send(ticket("basic")).await.unwrap();
    let day = time::local(first.at_ms, 480).0;
    let by_code = book(&hall, port, day, &mobile(1), 10 * 60);
    let _by_number = book(&hall, port, day, &mobile(2), 10 * 60);

    let x = Xvfb::start(GREETER.0, GREETER.1);
    let child = x
        .command(app_bin("hallq-counter").to_str().unwrap())
        .args([
            "--broker",
            &format!("127.0.0.1:{}", hall.port),
            "--hall",
            "demo",
        ])
        .args(["--device", "greeter-1", "--greeter"])
        .env("HALLQ_DEVICE_SECRET", &hall.secrets["greeter-1"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let app = Killed(child);
    let started = Instant::now();
    let window = loop {
        if let Some(w) = x.window_of(pid) {
            break w;
        }
        assert!(started.elapsed() < PATIENCE, "the greeter opened no window");
        std::thread::sleep(Duration::from_millis(100));
    };
    let docs = (std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs"))
        .then(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots"));
    let greeter = Kiosk {
        x,
        window,
        _app: app,
        printed: PathBuf::new(),
        docs,
    };
    assert_eq!(greeter.x.size(&greeter.window), GREETER);
    greeter.x.settled(&greeter.window, Duration::from_secs(20));
    let key_in = |keyed: &str| {
        greeter.click(GREETER_FIELD);
        greeter.x.key(&greeter.window, "ctrl+a");
        greeter.x.type_text(&greeter.window, keyed);
        greeter.click(GREETER_CHECK_IN);
    };

    // A wrong code: refused in red; nothing issued or booked.
    let before = counts(&hall);
    key_in("ZZZZ-ZZZZ");
    let wrong = greeter.until("the greeter's refusal", |s| greeter_line(s, ALERT));
    assert_eq!(counts(&hall), before, "a wrong code changed the journal");
    if let Some(dir) = &greeter.docs {
        wrong.save(&dir.join("greeter-checkin-unknown-zh.png"));
    }

    // By code: a ticket, in green; the journal has it and the booking's check-in.
    key_in(&by_code);
    let done = greeter.until("the greeter's check-in", |s| greeter_line(s, OK));
    if let Some(dir) = &greeter.docs {
        done.save(&dir.join("greeter-checkin-zh.png"));
    }
    let after = counts(&hall);
    assert_eq!(
        (after.0, after.1),
        (before.0 + 1, before.1 + 1),
        "one ticket, one check-in"
    );

    // The next visitor, by number.
    greeter.click(GREETER_NEXT);
    greeter.x.settled(&greeter.window, Duration::from_secs(10));
    key_in(&mobile(2));
    greeter.until("the check-in by number", |s| greeter_line(s, OK));
    let last = counts(&hall);
    assert_eq!(
        (last.0, last.1),
        (after.0 + 1, after.1 + 1),
        "one ticket, one check-in"
    );
}
