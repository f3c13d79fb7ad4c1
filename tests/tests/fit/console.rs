//! The duty supervisor's console (issue 13 §1.5, §1.11): the example hall, live, at the console
//! profile's 1920×1080, on a morning with a complaint open, call-backs owed and an announcement
//! posted. Every queue name is whole, and no card is cut: each card lies on the screen, each text
//! and button lies in its card, and one that does not fit lies in a list that scrolls inside its
//! card and says so.

use hallq_counter::floor::Supervisor;
use hallq_counter::ui::{self as cui, SupervisorWindow};
use hallq_proto::state::{Liveness, Presence};
use hallq_proto::{Command, ComplaintCategory, LocalText, ReplyBody, StaffNo};
use i_slint_backend_testing::{ElementQuery, ElementRoot};
use slint::{ComponentHandle as _, Model as _};

use super::*;

/// An element's rectangle on the screen: left, top, right, bottom.
type Span = (f32, f32, f32, f32);

fn span(e: &ElementHandle) -> Span {
    let (p, s) = (e.absolute_position(), e.size());
    (p.x, p.y, p.x + s.width, p.y + s.height)
}

fn inside(a: Span, b: Span) -> bool {
    a.0 + 0.5 >= b.0 && a.1 + 0.5 >= b.1 && a.2 <= b.2 + 0.5 && a.3 <= b.3 + 0.5
}

fn all_of(root: &impl ElementRoot, type_name: &str) -> Vec<Span> {
    ElementQuery::from_root(root)
        .match_descendants()
        .match_type_name(type_name)
        .find_all()
        .iter()
        .map(span)
        .filter(|s| s.3 > s.1)
        .collect()
}

/// Sends `cmd` as `client` and expects it done.
fn ok(rt: &tokio::runtime::Runtime, client: &hallq_client::DeviceClient, cmd: Command) {
    let kind = cmd.kind();
    let r = rt.block_on(client.send(cmd)).unwrap();
    assert!(matches!(r.body, ReplyBody::Ok(_)), "{kind}: {r:?}");
}

/// Asserts that the console, laid out at `screen`, cuts no card: see the module's comment.
fn assert_no_card_cut(window: &SupervisorWindow, screen: (u32, u32), more: &str, what: &str) {
    let (w, h) = (screen.0 as f32, screen.1 as f32);
    let cards = all_of(window, "Card");
    let lists = all_of(window, "ScrollList");
    assert!(cards.len() >= 4, "{what}: {} cards", cards.len());
    for c in &cards {
        assert!(
            inside(*c, (0.0, 0.0, w, h)),
            "{what}: the card at {c:?} is not whole on the {w}×{h} screen"
        );
        for d in &cards {
            let apart =
                c.2 <= d.0 + 0.5 || d.2 <= c.0 + 0.5 || c.3 <= d.1 + 0.5 || d.3 <= c.1 + 0.5;
            assert!(c == d || apart, "{what}: cards at {c:?} and {d:?} overlap");
        }
    }
    let hints: Vec<Span> = ElementHandle::find_by_accessible_label(window, more)
        .filter(|e| e.accessible_role() == Some(AccessibleRole::Text))
        .map(|e| span(&e))
        .collect();
    let mut cut = Vec::new();
    for role in [AccessibleRole::Text, AccessibleRole::Button] {
        for e in ElementQuery::from_root(window)
            .match_descendants()
            .match_accessible_role(role)
            .find_all()
        {
            let s = span(&e);
            let label = e.accessible_label().unwrap_or_default();
            if s.3 <= s.1 || label.is_empty() || label == more || s.3 <= 100.5 {
                // Nothing drawn, the hint itself, or the header.
                continue;
            }
            if cards.iter().any(|c| inside(s, *c)) {
                continue;
            }
            // Not whole in a card: a row of a list scrolled below its foot, which the list must
            // say (the list above it, in its column).
            let list = lists
                .iter()
                .filter(|l| s.0 + 0.5 >= l.0 && s.2 <= l.2 + 0.5 && s.1 + 0.5 >= l.1)
                .max_by(|a, b| a.1.total_cmp(&b.1));
            match list {
                Some(l) if hints.iter().any(|hint| inside(*hint, *l)) => {}
                Some(l) => cut.push(format!("{label:?} at {s:?}, past its list {l:?} (no hint)")),
                None => cut.push(format!("{label:?} at {s:?}, in no card")),
            }
        }
    }
    assert!(cut.is_empty(), "{what}: cut: {cut:#?}");
}

#[test]
fn the_supervisor_console_shows_the_example_hall_whole() {
    let hall = Hall::with_sections(BrokerKind::Embedded, &example_queue());
    let _hub = hall.start_hub();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (client, _task) = rt.block_on(hall.device("supervisor-1"));
    let (counter, _c) = rt.block_on(hall.device("counter-1"));
    let (greeter, _g) = rt.block_on(hall.device("greeter-1"));
    // The morning: a complaint at counter 1, two consultations owed a call-back, an
    // announcement.
    ok(
        &rt,
        &counter,
        Command::SignIn {
            staff: StaffNo::new("E1001").unwrap(),
            pin: None,
        },
    );
    ok(
        &rt,
        &counter,
        Command::ComplaintOpen {
            category: ComplaintCategory::General,
            summary: "话费扣费有疑问".into(),
            visit: None,
            ticket: None,
            business: None,
            responsibility: None,
            contact: None,
        },
    );
    for business in ["basic", "complex"] {
        ok(
            &rt,
            &greeter,
            Command::Consultation(hallq_proto::command::Touch {
                business: Some(hallq_proto::BusinessCode::new(business).unwrap()),
                resolved: Some(false),
                ..Default::default()
            }),
        );
    }
    ok(
        &rt,
        &client,
        Command::AnnouncementPost {
            announcement: None,
            text: LocalText::new(
                "今日 14:00–15:00 系统升级，宽带业务暂停办理",
                "Broadband services pause 14:00–15:00 today for a system upgrade",
            ),
            starts_at_ms: None,
            ends_at_ms: None,
            where_to_ask: None,
        },
    );
    let mut s = Supervisor::default();
    // The example hall's devices (their presence, as the hub publishes it), one kiosk down.
    let example = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/hall.example.toml"),
    )
    .unwrap();
    let ids: Vec<&str> = example
        .lines()
        .filter_map(|l| l.strip_prefix("id = \""))
        .filter_map(|l| l.split('"').next())
        .filter(|id| *id != "demo")
        .collect();
    assert!(ids.len() > 20, "{ids:?}");
    for id in &ids {
        s.presence(&Presence {
            v: 1,
            device: hallq_proto::DeviceId::new(*id).unwrap(),
            status: if *id == "kiosk-2" {
                Liveness::Offline
            } else {
                Liveness::Online
            },
            profile: None,
            version: None,
        });
    }
    let now = || hallq_ui::app::wall_clock();
    for _ in 0..100 {
        for u in client.latest().into_updates() {
            s.feed(u);
        }
        if s.counters().len() == 6
            && s.queues().len() == 5
            && s.cases(now(), Lang::Zh).len() == 1
            && s.callbacks(now(), Lang::Zh).len() == 2
            && s.announcements().len() == 1
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(s.counters().len(), 6, "the example hall's six counters");
    assert_eq!(s.queues().len(), 5, "the example hall's five queues");
    assert_eq!(s.cases(now(), Lang::Zh).len(), 1, "the complaint");
    assert_eq!(s.callbacks(now(), Lang::Zh).len(), 2, "the call-backs");
    assert_eq!(s.announcements().len(), 1, "the announcement");

    i_slint_backend_testing::init_no_event_loop();
    let window = SupervisorWindow::new().unwrap();
    let screen = profile_screen("supervisor-console");
    window
        .window()
        .set_size(slint::PhysicalSize::new(screen.0, screen.1));
    for (lang, what, more) in [
        (Lang::Zh, "supervisor-console", "▼ 下面还有，请滚动"),
        (
            Lang::En,
            "supervisor-console, English",
            "▼ More below: scroll",
        ),
    ] {
        cui::set_language(lang == Lang::En);
        cui::show_supervisor(&window, &s, now(), lang);
        let names: Vec<String> = window
            .global::<cui::SupervisorAdapter>()
            .get_queues()
            .iter()
            .map(|q| q.name.to_string())
            .collect();
        assert_eq!(names.len(), 5);
        // The queue names: 28 px bold on the 1920×1080 design.
        let lists = all_of(&window, "ScrollList");
        for name in &names {
            assert_whole_in_pieces(&window, name, 28.0, 700, what);
            // In sight: the example hall's queues need no scrolling.
            let s = span(&text_element(&window, name));
            assert!(
                lists.iter().any(|l| inside(s, *l)),
                "{what}: {name:?} at {s:?} is not in sight in its list ({lists:?})"
            );
        }
        assert_no_card_cut(&window, screen, more, what);
    }
}
