//! The kiosk's screenshots (docs/screenshots/kiosk-*.png), taken from the live kiosk: its runtime
//! and window, as the `hallq-kiosk` app runs them, connected to a running hub (`hallq hub` with
//! the example hall of deploy/hall.example.toml, on its test clock from 09:41, with people waiting
//! and four counters open), drawn by Slint's software renderer at the standing kiosk's profile
//! size, 1080×1920 (and the compact kiosk's 800×1280). A customer's touches go in through the
//! runtime as the window sends them; each screen is drawn once the kiosk shows it, in Chinese
//! and in English.
//!
//! `HALLQ_SCREENSHOTS=docs cargo nextest run -p hallq-tests -E 'binary(kiosk_screens)'` writes
//! the pictures to docs/screenshots/ (how the ones there were made); otherwise they go to a
//! temporary folder and only the checks run.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_kiosk::controller::PrintState;
use hallq_kiosk::ui::{self, KioskWindow};
use hallq_kiosk::{Action, Kiosk, KioskTimings, KioskView, PrintFn, PrintJob, Runtime, Screen};
use hallq_print::{Layout, PaperWidth, Printer, TicketSlip, escpos};
use hallq_proto::{
    BusinessCode, Command, ErrorCode, Lang, Phone, PriorityReason, ReplyBody, StaffNo,
};
use hallq_tests::{Hall, HubProcess};
use hallq_ui::{Picture, Snapshotter};
use tokio::sync::watch;

const SIZE: (u32, u32) = (1080, 1920);
const COMPACT: (u32, u32) = (800, 1280);
/// The customers' numbers: one each for the Chinese and the English tickets, and one that has
/// had its three tickets today (the example hall's `tickets_per_phone_per_day`).
const PHONE_ZH: &str = "13812345678";
const PHONE_EN: &str = "13987654321";
const PHONE_SPENT: &str = "13700001111";

/// The example hall, as deploy/hall.example.toml has it, on this test's port and data directory,
/// with its green-channel code and four clerks. Every example device's secret is "change-me".
fn example_hall() -> Hall {
    Hall::example(
        "\n[[green_channel]]\ncode = \"VIP-8888\"\nlabel = \"全球通钻石卡 diamond card\"\n",
    )
}

/// Starts the example hall's hub at 09:41 hall time (its hours are 08:30–17:30).
fn start_hub(hall: &Hall, at: &str) -> HubProcess {
    hall.start_hub_with(&["--test-start", at, "--test-speed", "1"])
}

async fn send_ok(client: &DeviceClient, cmd: Command) {
    let reply = client.send(cmd).await.unwrap();
    assert!(matches!(reply.body, ReplyBody::Ok(_)), "{reply:?}");
}

fn code(s: &str) -> BusinessCode {
    BusinessCode::new(s).unwrap()
}

fn ticket_for(business: &str, phone: Option<&str>) -> Command {
    let Command::IssueTicket(mut t) = hallq_tests::ticket(business) else {
        unreachable!()
    };
    t.phone = phone.map(|p| Phone::parse(p).unwrap());
    Command::IssueTicket(t)
}

/// A busy morning: counters 1–4 open with a clerk each, people waiting for every business
/// type, and one number that has had its tickets today.
async fn morning(hall: &Hall) -> Vec<(DeviceClient, tokio::task::JoinHandle<()>)> {
    let mut devices = Vec::new();
    for n in 1..=4 {
        let (counter, task) = hall.device(&format!("counter-{n}")).await;
        let staff = StaffNo::new(format!("E100{n}")).unwrap();
        send_ok(&counter, Command::SignIn { staff, pin: None }).await;
        devices.push((counter, task));
    }
    let (kiosk2, task) = hall.device("kiosk-2").await;
    for business in [
        "basic",
        "basic",
        "basic",
        "complex",
        "complex",
        "repair",
        "enterprise",
    ] {
        send_ok(&kiosk2, ticket_for(business, None)).await;
    }
    for _ in 0..3 {
        send_ok(&kiosk2, ticket_for("basic", Some(PHONE_SPENT))).await;
    }
    devices.push((kiosk2, task));
    devices
}

/// The kiosk under test and what it shows.
struct Live {
    runtime: Runtime,
    shown: watch::Receiver<(Screen, KioskView)>,
    /// Where its tickets print; swapped for a broken printer to see a print fail.
    printer: Arc<Mutex<Printer>>,
    window: KioskWindow,
    shots: Snapshotter,
    dir: PathBuf,
}

impl Live {
    fn start(client: &DeviceClient, data: &Path) -> Self {
        let shots = Snapshotter::install().unwrap();
        let window = KioskWindow::new().unwrap();
        ui::fit(&window, SIZE.0, SIZE.1);
        ui::start_in_chinese(&window);
        let printer = Arc::new(Mutex::new(Printer::File(data.join("kiosk-1.escpos"))));
        let target = Arc::clone(&printer);
        let print: PrintFn = Arc::new(move |job: &PrintJob| {
            let slip = TicketSlip::new(&job.ticket, job.hall.clone(), 480, job.lang);
            let bytes = escpos::encode(&slip, &Layout::new(PaperWidth::Mm80));
            let printer = target.lock().unwrap().clone();
            printer.print(&bytes).map_err(|e| e.to_string())
        });
        let kiosk = Kiosk::new("kiosk-1-shots", KioskTimings::default());
        let (tx, shown) = watch::channel((kiosk.screen(), KioskView::of(&kiosk, String::new())));
        let show = Box::new(move |k: &Kiosk| {
            // The header's clock is the hub's: its latest state's time.
            let clock = k.services().map_or_else(String::new, |s| {
                let (_, minute) = hallq_proto::time::local(s.at_ms, 480);
                format!("{:02}:{:02}", minute / 60, minute % 60)
            });
            let _ = tx.send((k.screen(), KioskView::of(k, clock)));
        });
        let runtime = Runtime::start(kiosk, client.clone(), print, show);
        let dir = if std::env::var("HALLQ_SCREENSHOTS").as_deref() == Ok("docs") {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/screenshots")
        } else {
            data.join("shots")
        };
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            runtime,
            shown,
            printer,
            window,
            shots,
            dir,
        }
    }

    fn touch(&self, action: Action) {
        self.runtime.handle.touch(action);
    }

    fn keys(&self, keys: &str) {
        keys.chars().for_each(|c| self.touch(Action::Key(c)));
    }

    /// Waits until the kiosk shows what `pick` accepts, and returns the view.
    async fn until(&mut self, what: &str, pick: impl Fn(&Screen, &KioskView) -> bool) -> KioskView {
        let found = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                {
                    let now = self.shown.borrow_and_update();
                    if pick(&now.0, &now.1) {
                        return now.1.clone();
                    }
                }
                self.shown.changed().await.unwrap();
            }
        })
        .await;
        found.unwrap_or_else(|_| {
            panic!("no {what}: the kiosk stayed on {:?}", self.shown.borrow().0)
        })
    }

    /// Draws the kiosk as it is now, at `size`, and saves it as `kiosk-{name}.png`.
    fn draw(&self, name: &str, size: (u32, u32)) -> Picture {
        let view = self.shown.borrow().1.clone();
        ui::fit(&self.window, size.0, size.1);
        ui::show(&self.window, &view);
        let picture = self.shots.take(size.0, size.1);
        ui::fit(&self.window, SIZE.0, SIZE.1);
        picture
            .save(&self.dir.join(format!("kiosk-{name}.png")))
            .unwrap();
        // A header alone is 1080×160; the sparest screen ("issuing…") adds thousands of
        // pixels of text.
        let inked = picture.inked();
        assert!(
            inked > (size.0 * 160) as usize + 8_000,
            "{name} is nearly blank: {inked}"
        );
        picture
    }
}

/// The screens in the order a morning's customers meet them, in `lang`; `phone` is this
/// language's customer's number. Returns each screen's name and picture.
async fn customers(live: &mut Live, lang: Lang) -> Vec<(String, Picture)> {
    let (phone, suffix) = match lang {
        Lang::Zh => (PHONE_ZH, "zh"),
        Lang::En => (PHONE_EN, "en"),
    };
    let mut pictures = Vec::new();
    let mut shot = |live: &Live, name: &str| {
        let full = format!("{name}-{suffix}");
        pictures.push((name.to_owned(), live.draw(&full, SIZE)));
    };
    let english = lang == Lang::En;
    live.touch(Action::Language(lang));
    let welcome = live
        .until("welcome", |s, v| {
            *s == Screen::Welcome && v.english == english
        })
        .await;
    assert_eq!(
        welcome.hall_name,
        if english {
            "Demo Hall"
        } else {
            "演示营业厅"
        }
    );
    assert!(
        welcome.services.iter().filter(|s| s.waiting > 0).count() >= 4,
        "people wait: {:?}",
        welcome.services
    );
    shot(live, "welcome");
    if lang == Lang::Zh {
        live.draw("800x1280-welcome-zh", COMPACT);
    }

    // Basic services: the self-service offer, taken, then a ticket after all.
    live.touch(Action::Business(code("basic")));
    live.until("the offer", |s, _| matches!(s, Screen::SelfService { .. }))
        .await;
    shot(live, "self-service-offer");
    live.touch(Action::UseSelfService);
    live.until("the thanks", |s, _| {
        matches!(s, Screen::SelfServiceTaken { .. })
    })
    .await;
    shot(live, "self-service-taken");
    live.touch(Action::TicketInstead);
    live.until("the priority question", |s, _| *s == Screen::Priority)
        .await;
    shot(live, "priority");

    // A green-channel code keyed wrong, refused by the hub, keyed again.
    live.touch(Action::GreenChannel);
    live.keys("VIP-8887");
    live.until("the code", |s, _| {
        matches!(s, Screen::GreenCode { keyed: 8, .. })
    })
    .await;
    shot(live, "green-channel-code");
    live.touch(Action::Confirm);
    live.until("the code refused", |s, _| {
        matches!(s, Screen::GreenCode { refused: true, .. })
    })
    .await;
    live.keys("VIP-");
    live.until("the code keyed again", |s, _| {
        matches!(s, Screen::GreenCode { keyed: 4, .. })
    })
    .await;
    shot(live, "green-channel-refused");

    // An elderly customer leaves a number; the hub stalls a moment as the ticket is asked for.
    live.touch(Action::Back);
    live.touch(Action::Care(PriorityReason::Elderly));
    live.keys(phone);
    live.until("the number", |s, _| {
        matches!(s, Screen::Phone { complete: true, .. })
    })
    .await;
    shot(live, "mobile-number");
    live.touch(Action::Confirm);
    live.until("the ticket", |s, _| {
        matches!(
            s,
            Screen::Issued {
                print: PrintState::Printed,
                ..
            }
        )
    })
    .await;
    shot(live, "ticket");
    if lang == Lang::Zh {
        live.draw("800x1280-ticket-zh", COMPACT);
    }
    live.touch(Action::Home);

    // The printer fails.
    let working = live.printer.lock().unwrap().clone();
    *live.printer.lock().unwrap() = Printer::File(live.dir.join("no-such-folder/ticket.escpos"));
    live.touch(Action::Language(lang));
    live.touch(Action::Business(code("complex")));
    live.touch(Action::Ordinary);
    live.keys(phone);
    live.touch(Action::Confirm);
    live.until("the failed print", |s, _| {
        matches!(
            s,
            Screen::Issued {
                print: PrintState::Failed { .. },
                ..
            }
        )
    })
    .await;
    shot(live, "print-failed");
    *live.printer.lock().unwrap() = working;
    live.touch(Action::Home);

    // A number that has had its tickets today.
    live.touch(Action::Language(lang));
    live.touch(Action::Business(code("repair")));
    live.touch(Action::Ordinary);
    live.keys(PHONE_SPENT);
    live.touch(Action::Confirm);
    live.until("the refusal", |s, _| {
        *s == Screen::Refused {
            code: ErrorCode::PhoneLimit,
        }
    })
    .await;
    shot(live, "refused-phone-limit");
    live.touch(Action::Home);

    // Staff put the kiosk in maintenance (its printer is out of paper).
    live.touch(Action::Language(lang));
    live.runtime.handle.maintenance(true);
    live.until("maintenance", |s, v| {
        v.english == english
            && matches!(
                s,
                Screen::Unavailable(hallq_kiosk::controller::Unavailable::Maintenance)
            )
    })
    .await;
    shot(live, "maintenance");
    live.runtime.handle.maintenance(false);
    live.until("welcome", |s, _| *s == Screen::Welcome).await;
    pictures
}

/// Draws the kiosk in both languages while it shows `screen`.
async fn both_languages(live: &mut Live, name: &str, screen: Screen) -> [Picture; 2] {
    let mut out = Vec::new();
    for (lang, suffix) in [(Lang::Zh, "zh"), (Lang::En, "en")] {
        live.touch(Action::Language(lang));
        live.until(name, |s, v| *s == screen && v.english == (lang == Lang::En))
            .await;
        out.push(live.draw(&format!("{name}-{suffix}"), SIZE));
    }
    out.try_into().unwrap()
}

/// Chinese is drawn as much as English (without a CJK font nothing is drawn where the Chinese
/// should be), and the two differ.
fn check_pair(name: &str, zh: &Picture, en: &Picture) {
    let (zi, ei) = (zh.inked(), en.inked());
    assert!(
        zi * 3 > ei,
        "{name}: Chinese drew {zi} pixels against English {ei}: is a CJK font installed?"
    );
    assert!(
        zh.differing(en) > 5_000,
        "{name}: the English screen looks like the Chinese one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kiosk_screens_from_the_live_kiosk_against_the_example_hall() {
    let hall = example_hall();
    let hub = start_hub(&hall, "09:41");
    let _devices = morning(&hall).await;
    // The kiosk's client tries for 30 s before it gives up on an answer: long enough to draw the
    // "issuing" screen twice while the hub is frozen.
    let mut config = hall.client_config("kiosk-1");
    config.attempts = 15;
    let (client, _task) = DeviceClient::connect(&config);
    hallq_tests::wait_hub_online(&client).await;
    let mut live = Live::start(&client, &hall.data_dir());

    let zh = customers(&mut live, Lang::Zh).await;
    let en = customers(&mut live, Lang::En).await;
    assert_eq!(zh.len(), en.len());
    for ((name, z), (_, e)) in zh.iter().zip(&en) {
        check_pair(name, z, e);
    }

    // The hub freezes as a ticket is asked for: the kiosk waits, then says the hub did not
    // answer. (Last: a hub frozen this long is not seen back by the devices until it publishes
    // its state again.)
    live.touch(Action::Language(Lang::Zh));
    live.touch(Action::Business(code("consult")));
    live.touch(Action::Ordinary);
    live.until("the number step", |s, _| matches!(s, Screen::Phone { .. }))
        .await;
    hub.pause();
    live.touch(Action::Skip);
    let [z, e] = both_languages(&mut live, "issuing", Screen::Issuing).await;
    check_pair("issuing", &z, &e);
    let [z, e] = both_languages(&mut live, "no-answer", Screen::NoAnswer).await;
    check_pair("no-answer", &z, &e);

    // The hub goes away; then it comes back after hours.
    live.touch(Action::Home);
    hub.kill9();
    let [z, e] = both_languages(
        &mut live,
        "hub-away",
        Screen::Unavailable(hallq_kiosk::controller::Unavailable::HubAway),
    )
    .await;
    check_pair("hub-away", &z, &e);
    let _late = start_hub(&hall, "18:05");
    let [z, e] = both_languages(
        &mut live,
        "not-issuing",
        Screen::Unavailable(hallq_kiosk::controller::Unavailable::NotIssuing),
    )
    .await;
    check_pair("not-issuing", &z, &e);
    let closed = live.shown.borrow().1.clone();
    assert_eq!(
        (closed.hours_open.as_str(), closed.hours_close.as_str()),
        ("08:30", "17:30"),
        "the example hall's hours"
    );
}
