//! The service-standard KPI at headquarters (issue 14 with issue 16 §1, docs/chain.md
//! "Service-standard compliance"): a real `hallq hub` process with `[uplink]` to a real 3-node
//! NATS cluster and PostgreSQL records inspections sent over MQTT by the greeter's handheld; HQ's
//! ingest rolls them up per month and inspection type, which equals `hallq report` on the hall's
//! journal; and the console, in headless Chromium, shows the figure beside the other KPIs on the
//! chain, region and hall pages, red below its 95 % target, with its CSV.

#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "tests: a panic is a failed test"
)]

#[path = "../../crates/hallq-hq/tests/webdriver/mod.rs"]
mod webdriver;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command as Process;
use std::time::Duration;

use hallq_hq::serve::{self, Role};
use hallq_hq::store::Configs;
use hallq_hq::user::{self, Scope};
use hallq_hq::{NatsCluster, Postgres, ingest};
use hallq_proto::inspection::InspectionAnswer;
use hallq_proto::{Command, ReplyBody, StaffNo};
use hallq_tests::{Hall, at_hq, hallq_bin};
use webdriver::{browser, driver, login, text};

/// A checklist of the default set, answered; `failed` items fail with a note.
fn checklist(template: &str, items: &[&str], failed: &[&str]) -> Command {
    Command::InspectionRecord {
        template: template.into(),
        staff: StaffNo::new("E2001").ok(),
        items: items
            .iter()
            .map(|i| {
                let fail = failed.contains(i);
                InspectionAnswer {
                    item: (*i).into(),
                    pass: !fail,
                    note: fail.then(|| "不合格 / not to standard".into()),
                }
            })
            .collect(),
        note: None,
        visited_at_ms: None,
        shopper: None,
    }
}

/// `(month, kind)` → (inspections, critical failed, items checked, items passed), from
/// `hallq report`'s inspections_months.csv (kind "" is the month's whole).
fn report_months(csv: &Path) -> BTreeMap<(i32, String), [i64; 4]> {
    std::fs::read_to_string(csv.join("inspections_months.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let month = c[0].replace('-', "").parse().unwrap();
            let n = |i: usize| c[i].parse::<i64>().unwrap();
            ((month, c[1].to_owned()), [n(2), n(3), n(4), n(5)])
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inspections_recorded_in_a_hall_reach_hq_s_kpi_as_the_report_counts_them() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
    let mut db = pg.connect().await.unwrap();
    hallq_hq::store::migrate(&mut db).await.unwrap();

    // HQ's ingest, marks and status, as `hallq hq serve --role ingest` runs them.
    let hall = Hall::example(&format!(
        "\n[uplink]\nservers = [{}]\nregion = \"gd-sz\"\ninterval_ms = 100\nstatus_interval_s = 1\n",
        cluster
            .urls()
            .iter()
            .map(|u| format!("\"{u}\""))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let config = hallq_hub::HallConfig::load(&hall.config_path).unwrap();
    let mut cfg = hallq_report::ReportConfig::from_queue(
        &config.hall.name.zh,
        &config.queue,
        config.hall.utc_offset_min,
    );
    cfg.targets = config.kpi.clone();
    let mut configs = Configs::default();
    configs.insert("demo", cfg);
    {
        let mut client = pg.connect().await.unwrap();
        let nats = cluster.connect().await.unwrap();
        let js = async_nats::jetstream::new(nats.clone());
        let consumer = ingest::consumer(&js).await.unwrap();
        let configs = configs.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = ingest::ingest(
                    &consumer,
                    &mut client,
                    &configs,
                    100,
                    Duration::from_millis(200),
                )
                .await
                {
                    eprintln!("ingest: {e}");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
        let (n, c) = (nats.clone(), pg.conninfo());
        tokio::spawn(async move { hallq_hq::serve_marks(n, &c.parse().unwrap()).await });
        let c = pg.conninfo();
        tokio::spawn(async move { hallq_hq::serve_status(nats, &c.parse().unwrap()).await });
    }

    // The hall: the greeter's rounds. A patrol with a full bin (3 of 4), a patrol with a wet
    // floor, critical (0 of 4: the whole inspection fails), the weekly seats all passed (2 of 2):
    // cleaning 3 / 8, facility 2 / 2, the month 5 / 10 = 50 %, below 95 %.
    let hub = hall.start_hub();
    let (greeter, task) = hall.device("greeter-1").await;
    let patrol = ["floor", "seats", "bins", "desk"];
    for cmd in [
        checklist("patrol", &patrol, &["bins"]),
        checklist("patrol", &patrol, &["floor"]),
        checklist("seats-weekly", &["sound", "clean"], &[]),
    ] {
        let reply = greeter.send(cmd).await.unwrap();
        assert!(matches!(reply.body, ReplyBody::Ok(_)), "{reply:?}");
    }
    let journal = hall.journal();
    let epoch = journal.epoch().unwrap();
    let last = journal.last_seq().unwrap();
    let mut mark = 0;
    for _ in 0..600 {
        mark = at_hq::hq_mark(&db, "demo", &epoch).await;
        if mark >= last {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        mark >= last,
        "the journal reached HQ: mark {mark} of {last}"
    );
    // Its status has made the hall, in its region.
    for _ in 0..300 {
        let made = db
            .query_opt("SELECT 1 FROM halls WHERE hall = 'demo'", &[])
            .await
            .unwrap();
        if made.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // HQ's roll-up is `hallq report`'s count, month by month and type by type.
    let csv = dir.path().join("csv");
    let out = Process::new(hallq_bin())
        .args(["report", "--config"])
        .arg(&hall.config_path)
        .arg("--csv")
        .arg(&csv)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = report_months(&csv);
    let rows = db
        .query(
            "SELECT month, kind, inspections, critical_failed, items_checked, items_passed
             FROM rollup_inspections WHERE hall = 'demo' AND epoch = $1",
            &[&epoch],
        )
        .await
        .unwrap();
    let mut hq: BTreeMap<(i32, String), [i64; 4]> = BTreeMap::new();
    for r in &rows {
        let counts = [r.get(2), r.get(3), r.get(4), r.get(5)];
        let month: i32 = r.get(0);
        hq.insert((month, r.get(1)), counts);
        let whole = hq.entry((month, String::new())).or_default();
        for (w, c) in whole.iter_mut().zip(counts) {
            *w += c;
        }
    }
    assert_eq!(
        hq, report,
        "HQ's roll-up against hallq report's inspections_months.csv"
    );
    let month = hq.keys().next().unwrap().0;
    assert_eq!(hq[&(month, String::new())], [3, 1, 10, 5], "{hq:?}");
    assert_eq!(hq[&(month, "cleaning".to_owned())], [2, 1, 8, 3]);
    assert_eq!(hq[&(month, "facility".to_owned())], [1, 0, 2, 2]);

    // The console in headless Chromium: the figure beside the other KPIs, red below 95 %.
    user::add(&db, "boss", "总部值班", &Scope::Chain, "correct-horse-9")
        .await
        .unwrap();
    let toml = format!(
        "[nats]\nservers = [\"nats://127.0.0.1:1\"]\n[postgres]\nconninfo = \"{}\"\n\
         [web]\nlisten = \"127.0.0.1:0\"\nsession_minutes = 30\n",
        pg.conninfo()
    );
    let running = serve::start(&serve::HqConfig::parse(&toml).unwrap(), Role::Web)
        .await
        .unwrap();
    let base = format!("http://{}", running.web.unwrap());
    let (_driver, webdriver) = driver().await;
    let profile = tempfile::tempdir().unwrap();
    let b = browser(&webdriver, profile.path()).await;
    login(&b, &base, "boss", "correct-horse-9").await;
    let month_cell = format!("[data-k='month:{month}:service_standard']");
    for (path, cell) in [
        (
            format!("/?month={month}"),
            "[data-k='region:gd-sz:service_standard']",
        ),
        (
            format!("/region/gd-sz?month={month}"),
            "[data-k='hall:demo:service_standard']",
        ),
        (format!("/hall/demo?month={month}"), month_cell.as_str()),
    ] {
        b.goto(&format!("{base}{path}&lang=en")).await.unwrap();
        assert_eq!(text(&b, cell).await, "50.0%", "{path}");
        let class = b
            .execute(
                "return document.querySelector(arguments[0]).parentElement.className",
                vec![serde_json::json!(cell)],
            )
            .await
            .unwrap();
        assert_eq!(class, "red", "{path}: below 95 % is red");
    }
    // The hall page's inspections table per type, and the report's KPI table's row.
    let table = text(&b, "table#inspections").await;
    assert!(
        table.contains("Cleaning") && table.contains("37.5%"),
        "{table}"
    );
    assert!(
        table.contains("Facilities") && table.contains("100.0%"),
        "{table}"
    );
    let kpis = text(&b, "table#kpis").await;
    assert!(kpis.contains("服务规范达标率"), "{kpis}");
    // Its CSV, through the page's own handler (the session's role check).
    let csv = b
        .execute(
            "return fetch(arguments[0]).then(r => r.text())",
            vec![serde_json::json!(format!(
                "/hall/demo?month={month}&csv=inspections&lang=zh"
            ))],
        )
        .await
        .unwrap();
    let csv = csv.as_str().unwrap_or_default().to_owned();
    assert!(csv.contains("清洁,2,1,8,3,37.5%"), "{csv}");
    let regions = b
        .execute(
            "return fetch(arguments[0]).then(r => r.text())",
            vec![serde_json::json!(format!(
                "/?month={month}&csv=regions&lang=zh"
            ))],
        )
        .await
        .unwrap();
    let regions = regions.as_str().unwrap_or_default().to_owned();
    assert!(regions.contains("服务规范达标率"), "{regions}");
    assert!(regions.contains("50.0%"), "{regions}");
    b.close().await.unwrap();

    running.stop().await;
    let _ = greeter.disconnect().await;
    task.abort();
    assert!(hub.terminate(), "the hub stopped cleanly");
}
