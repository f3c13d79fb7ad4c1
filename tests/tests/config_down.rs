//! Configuration down (issue 14 §3, docs/chain.md) with real processes: a real 3-node NATS
//! cluster and PostgreSQL, HQ's status subscriber in the test, documents published with the
//! `hallq hq config publish` command as deploy/README.md gives it, and a real `hallq hub` process
//! with `[uplink]`. A change published reaches the running hub and is in force (the kiosk sees
//! the new business type and limit, a ticket of it is issued), journaled, and shown at HQ as in
//! force; an unsafe change (removing a business type with a ticket waiting) is refused with its
//! reason at HQ while the hall keeps serving on its last good configuration; a restart keeps the
//! configuration in force; a change published while the hub is down is taken when it comes
//! back; a bad file gets a bilingual error and nothing is published.
#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "tests: a panic is a failed test"
)]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_hq::{NatsCluster, Postgres};
use hallq_proto::state::Announcement;
use hallq_tests::{Hall, hallq_bin, ticket};

/// HQ for one test: a real 3-node NATS cluster, a migrated PostgreSQL, HQ's status subscriber,
/// and hq.toml for the publish command.
struct Hq {
    dir: tempfile::TempDir,
    _cluster: NatsCluster,
    _pg: Postgres,
    db: tokio_postgres::Client,
    hq_toml: std::path::PathBuf,
    /// The cluster's URLs, quoted and joined for a TOML list.
    servers: String,
}

impl Hq {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
        let pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
        let mut db = pg.connect().await.unwrap();
        hallq_hq::store::migrate(&mut db).await.unwrap();
        let nats = cluster.connect().await.unwrap();
        let conninfo = pg.conninfo();
        tokio::spawn(async move { hallq_hq::serve_status(nats, &conninfo.parse().unwrap()).await });
        let servers: Vec<String> = cluster.urls().iter().map(|u| format!("\"{u}\"")).collect();
        let servers = servers.join(", ");
        let hq_toml = dir.path().join("hq.toml");
        std::fs::write(
            &hq_toml,
            format!(
                "[nats]\nservers = [{servers}]\n[postgres]\nconninfo = \"{}\"\n",
                pg.conninfo()
            ),
        )
        .unwrap();
        Self {
            dir,
            _cluster: cluster,
            _pg: pg,
            db,
            hq_toml,
            servers,
        }
    }

    /// Writes `text` to the file `name` in the test's folder.
    fn file(&self, name: &str, text: &str) -> std::path::PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// The example hall `demo` in region gd-gz, with `[uplink]` to this HQ.
    fn hall(&self) -> Hall {
        Hall::example(&format!(
            "\n[uplink]\nservers = [{}]\nregion = \"gd-gz\"\ninterval_ms = 100\nstatus_interval_s = 1\n",
            self.servers
        ))
    }
}

/// The example hall's five business types, with basic's limit set to `basic_limit`, and
/// broadband (prefix K, served by counters 1 and 2) if `broadband`.
fn hall_doc(basic_limit: u32, broadband: bool) -> String {
    let mut doc = String::new();
    for (code, zh, prefix, class, limit) in [
        ("consult", "咨询", "C", "consultation", None),
        ("basic", "基础业务", "A", "basic", Some(basic_limit)),
        ("complex", "复杂业务", "B", "complex", None),
        ("repair", "故障报修", "D", "repair", None),
        ("enterprise", "集团客户", "V", "enterprise", None),
    ] {
        doc += &format!(
            "[[business]]\ncode = \"{code}\"\nname = {{ zh = \"{zh}\", en = \"{code}\" }}\n\
             prefix = \"{prefix}\"\nclass = \"{class}\"\n"
        );
        if let Some(m) = limit {
            doc += &format!("limit_min = {m}\n");
        }
    }
    if broadband {
        doc += "[[business]]\ncode = \"broadband\"\nname = { zh = \"宽带新装\", en = \"Broadband\" }\n\
                prefix = \"K\"\nclass = \"complex\"\nlimit_min = 40\ncounters = [1, 2]\n";
    }
    doc
}

/// `hallq hq config publish --config hq.toml --scope SCOPE FILE`: (success, stdout + stderr).
fn publish(hq_toml: &Path, scope: &str, file: &Path) -> (bool, String) {
    let out = Command::new(hallq_bin())
        .args(["hq", "config", "publish", "--config"])
        .arg(hq_toml)
        .args(["--scope", scope])
        .arg(file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// The revision a publish printed.
fn rev_of(out: &str) -> i64 {
    out.split("revision ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no revision in {out:?}"))
}

/// Waits (bounded: 60 s) until the kiosk's services satisfy `pick`.
async fn wait_services(
    kiosk: &DeviceClient,
    what: &str,
    pick: impl Fn(&[hallq_proto::state::ServiceInfo]) -> bool,
) {
    for _ in 0..600 {
        if let Some(s) = kiosk.latest().services
            && pick(&s.services)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the kiosk never saw {what}: {:?}", kiosk.latest().services);
}

/// Waits (bounded: 60 s) until HQ's `hall_config` row of hall demo satisfies `pick` (rev,
/// refused_rev, refused_reason as text).
async fn wait_hq(
    db: &tokio_postgres::Client,
    what: &str,
    pick: impl Fn(i64, Option<i64>, &str) -> bool,
) {
    let mut last = None;
    for _ in 0..600 {
        if let Some(r) = db
            .query_opt(
                "SELECT rev, refused_rev, coalesce(refused_reason::text, '') FROM hall_config
                 WHERE hall = 'demo'",
                &[],
            )
            .await
            .unwrap()
        {
            let row: (i64, Option<i64>, String) = (r.get(0), r.get(1), r.get(2));
            if pick(row.0, row.1, &row.2) {
                return;
            }
            last = Some(row);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("HQ never showed {what}: {last:?}");
}

fn journal_events(hall: &Hall, kind: &str) -> Vec<String> {
    let j = hall.journal();
    let mut stmt = j
        .connection()
        .prepare("SELECT body FROM events WHERE type = ?1 ORDER BY seq")
        .unwrap();
    stmt.query_map([kind], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_published_at_hq_is_taken_refused_kept_and_caught_up() {
    let hq = Hq::start().await;
    let (db, hq_toml) = (&hq.db, &hq.hq_toml);
    let file = |name: &str, text: &str| hq.file(name, text);

    // A bad file: a bilingual error, nothing published.
    let bad = file("bad.toml", "[limits]\nbasic = 0\n");
    let (ok, out) = publish(hq_toml, "hall:demo", &bad);
    assert!(
        !ok && out.contains("outside 1–480") && out.contains("时限"),
        "{out}"
    );
    let typo = file("typo.toml", "[kpi]\nsatisfaction = 90.0\n");
    let (ok, out) = publish(hq_toml, "hall:demo", &typo);
    assert!(
        !ok && out.contains("unknown field") && out.contains("配置文件"),
        "{out}"
    );
    let (ok, out) = publish(
        hq_toml,
        "hall:demo.1",
        &file("ok.toml", "[limits]\nbasic = 9\n"),
    );
    assert!(!ok && out.contains("范围"), "{out}");
    let count: i64 = db
        .query_one("SELECT count(*) FROM config_published", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 0, "nothing published");

    // The hub runs; a document for the hall adds broadband and sets basic's limit.
    let hall = hq.hall();
    let hub = hall.start_hub_with(&["--test-start", "10:00", "--test-speed", "1"]);
    let (kiosk, _task) = hall.device("kiosk-1").await;
    let (ok, out) = publish(hq_toml, "hall:demo", &file("v1.toml", &hall_doc(25, true)));
    assert!(ok, "{out}");
    let rev1 = rev_of(&out);
    wait_services(&kiosk, "broadband and basic at 25 min", |s| {
        s.iter()
            .any(|b| b.business.as_str() == "broadband" && b.name.zh == "宽带新装")
            && s.iter()
                .any(|b| b.business.as_str() == "basic" && b.limit_min == 25)
    })
    .await;
    let reply = kiosk.send(ticket("broadband")).await.unwrap();
    assert!(
        matches!(reply.body, hallq_proto::ReplyBody::Ok(_)),
        "a ticket of the new type: {reply:?}"
    );
    let applied = journal_events(&hall, "config_applied");
    assert_eq!(applied.len(), 1, "{applied:?}");
    assert!(
        applied[0].contains(&format!("\"rev\":{rev1}")),
        "{}",
        applied[0]
    );
    wait_hq(db, "rev1 in force", |rev, _, _| rev == rev1).await;
    let names: String = db
        .query_one(
            "SELECT business::text FROM hall_config WHERE hall = 'demo'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert!(
        names.contains("宽带新装"),
        "HQ knows the business in force: {names}"
    );

    // Unsafe: broadband removed while its ticket waits. Refused, the reason at HQ, the hall
    // serving on rev1.
    let (ok, out) = publish(hq_toml, "hall:demo", &file("v2.toml", &hall_doc(25, false)));
    assert!(ok, "{out}");
    let rev2 = rev_of(&out);
    wait_hq(db, "rev2 refused", |rev, refused, why| {
        rev == rev1 && refused == Some(rev2) && why.contains("broadband") && why.contains("等候")
    })
    .await;
    assert_eq!(journal_events(&hall, "config_refused").len(), 1);
    // The supervisor's console learns it from state/hub: which revision, why, and the one kept.
    let mut said = None;
    for _ in 0..100 {
        said = kiosk.latest().hub;
        if said.as_ref().is_some_and(|h| h.config_refused.is_some()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let said = said.expect("state/hub");
    let refused = said.config_refused.expect("state/hub names the refusal");
    assert_eq!(u64::try_from(rev2).ok(), Some(refused.rev));
    assert!(
        refused.reason.zh.contains("等候") && refused.reason.en.contains("broadband"),
        "{refused:?}"
    );
    assert_eq!(said.config.map(|c| c.rev), u64::try_from(rev1).ok());
    let reply = kiosk.send(ticket("broadband")).await.unwrap();
    assert!(
        matches!(reply.body, hallq_proto::ReplyBody::Ok(_)),
        "still serving on rev1: {reply:?}"
    );

    // A restart keeps rev1 in force (and does not decide rev2 again).
    hub.kill9();
    let hub = hall.start_hub_with(&["--test-start", "10:10", "--test-speed", "1"]);
    let (kiosk, _task) = hall.device("kiosk-1").await;
    wait_services(&kiosk, "broadband after the restart", |s| {
        s.iter().any(|b| b.business.as_str() == "broadband")
    })
    .await;
    let reply = kiosk.send(ticket("broadband")).await.unwrap();
    assert!(
        matches!(reply.body, hallq_proto::ReplyBody::Ok(_)),
        "{reply:?}"
    );

    // Published while the hub is down: taken when it comes back.
    hub.kill9();
    let (ok, out) = publish(hq_toml, "hall:demo", &file("v3.toml", &hall_doc(35, true)));
    assert!(ok, "{out}");
    let rev3 = rev_of(&out);
    let _hub = hall.start_hub_with(&["--test-start", "10:20", "--test-speed", "1"]);
    let (kiosk, _task) = hall.device("kiosk-1").await;
    wait_services(&kiosk, "basic at 35 min", |s| {
        s.iter()
            .any(|b| b.business.as_str() == "basic" && b.limit_min == 35)
    })
    .await;
    wait_hq(db, "rev3 in force", |rev, _, _| rev == rev3).await;
    let mut refused = None;
    for _ in 0..100 {
        let hub_now = kiosk.latest().hub.expect("state/hub");
        refused = hub_now.config_refused;
        if hub_now.config.map(|c| c.rev) == u64::try_from(rev3).ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        refused, None,
        "rev2's refusal is history once rev3 is in force"
    );
    assert_eq!(journal_events(&hall, "config_applied").len(), 2);
    assert_eq!(
        journal_events(&hall, "config_refused").len(),
        1,
        "rev2 not decided again"
    );
}

/// Waits (bounded: 60 s) until the wall display's board carries exactly the announcements
/// `ids`, in any order.
async fn wait_board(display: &DeviceClient, what: &str, ids: &[&str]) -> Vec<Announcement> {
    let mut want: Vec<&str> = ids.to_vec();
    want.sort_unstable();
    for _ in 0..600 {
        if let Some(b) = display.latest().board {
            let mut got: Vec<&str> = b.announcements.iter().map(|a| a.id.as_str()).collect();
            got.sort_unstable();
            if got == want {
                return b.announcements;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the display never showed {what}: {:?}",
        display.latest().board.map(|b| b.announcements)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announcements_published_at_hq_reach_the_wall_display_and_go_when_withdrawn() {
    let hq = Hq::start().await;
    let hall = hq.hall();
    let hub = hall.start_hub_with(&["--test-start", "10:00", "--test-speed", "1"]);
    let (display, _task) = hall.device("display-main").await;
    let in_force = |d: &DeviceClient| d.latest().hub.and_then(|h| h.config).map(|c| c.rev);
    assert_eq!(in_force(&display), None, "state/hub: hall.toml alone");
    let publish_ok = |scope: &str, name: &str, text: &str| {
        let (ok, out) = publish(&hq.hq_toml, scope, &hq.file(name, text));
        assert!(ok, "{out}");
        rev_of(&out)
    };

    // A window that is not a local time is refused, in both languages, and nothing published.
    let (ok, out) = publish(
        &hq.hq_toml,
        "chain",
        &hq.file(
            "bad.toml",
            "[[announcements]]\nid = \"x\"\ntext = { zh = \"甲\", en = \"x\" }\nstarts = \"2027-02-30 09:00\"\n",
        ),
    );
    assert!(
        !ok && out.contains("YYYY-MM-DD HH:MM") && out.contains("当地时间"),
        "{out}"
    );

    // One per scope; the region's second one's window is not yet open (2099), the hall's has
    // a window holding now and where to ask.
    publish_ok(
        "chain",
        "chain.toml",
        "[[announcements]]\nid = \"price-2027\"\ntext = { zh = \"资费调整\", en = \"New prices\" }\n",
    );
    publish_ok(
        "region:gd-gz",
        "region.toml",
        "[[announcements]]\nid = \"gz-roadworks\"\ntext = { zh = \"门前施工\", en = \"Roadworks\" }\n\
         [[announcements]]\nid = \"gz-later\"\ntext = { zh = \"以后\", en = \"Later\" }\n\
         starts = \"2099-01-01 09:00\"\n",
    );
    publish_ok(
        "hall:demo",
        "hall.toml",
        "[[announcements]]\nid = \"demo-lift\"\ntext = { zh = \"电梯检修\", en = \"Lift closed\" }\n\
         where_to_ask = { zh = \"问询台\", en = \"Front desk\" }\n\
         starts = \"2000-01-01 00:00\"\nends = \"2099-12-31 23:59\"\n",
    );
    let shown = wait_board(
        &display,
        "HQ's three announcements in their windows",
        &["hq:price-2027", "hq:gz-roadworks", "hq:demo-lift"],
    )
    .await;
    let lift = shown
        .iter()
        .find(|a| a.id.as_str() == "hq:demo-lift")
        .unwrap();
    assert_eq!(lift.text.zh, "电梯检修");
    assert_eq!(lift.where_to_ask.as_ref().unwrap().en, "Front desk");
    // 2099-12-31 23:59 in the hall's time (UTC+8).
    assert_eq!(
        lift.ends_at_ms,
        Some(hallq_proto::Timestamp(4_102_415_940_000))
    );

    // Withdrawn at HQ: the hall's document no longer has it (it sets a target instead).
    let rev = publish_ok(
        "hall:demo",
        "hall2.toml",
        "[kpi]\nwithin_limit_pct = 97.0\n",
    );
    wait_hq(&hq.db, "the withdrawal in force", |r, _, _| r == rev).await;
    wait_board(
        &display,
        "the hall's announcement withdrawn",
        &["hq:price-2027", "hq:gz-roadworks"],
    )
    .await;
    // state/hub names the revision in force (HQ's, as HQ shows it).
    let mut said = None;
    for _ in 0..100 {
        said = in_force(&display);
        if said == u64::try_from(rev).ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(said, u64::try_from(rev).ok(), "state/hub's config");

    // Kept across a restart: the configuration in force comes from the journal.
    hub.kill9();
    let _hub = hall.start_hub_with(&["--test-start", "10:10", "--test-speed", "1"]);
    let (display, _task) = hall.device("display-main").await;
    wait_board(
        &display,
        "HQ's announcements after a restart",
        &["hq:price-2027", "hq:gz-roadworks"],
    )
    .await;
    assert_eq!(
        in_force(&display),
        u64::try_from(rev).ok(),
        "state/hub's config after a restart"
    );
}
