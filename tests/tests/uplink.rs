//! The hub's uplink to headquarters with real processes: a `hallq hub` process with `[uplink]`
//! against a real 3-node NATS cluster and a real PostgreSQL, with HQ's ingest worker, mark
//! responder and status subscriber running in the test. A simulated morning's journal reaches
//! HQ complete and exactly once — through a hub SIGKILLed mid-upload and restarted, and a link
//! cut by a TCP proxy the test controls (test equipment between the hub and one NATS node) while
//! customers take tickets — and rolls up to `hallq report`'s figures; the hall's live status
//! reaches `hall_status`. A hub without `[uplink]` opens no connection beyond its hall.
#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "tests: a panic is a failed test"
)]

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hallq_client::DeviceClient;
use hallq_hq::ingest;
use hallq_hq::store::{Configs, rollup};
use hallq_hq::{NatsCluster, Postgres};
use hallq_proto::state::UplinkState;
use hallq_proto::{BusinessDay, Timestamp, time};
use hallq_report::{DayRange, ReportConfig, Targets};
use hallq_sim::{Plan, PlayOptions, Prepared, Scenario, SimConfig, SimHall};
use hallq_tests::{BrokerKind, Hall, at_hq, ticket};

const DAY: BusinessDay = BusinessDay(20261124);

/// The established TCP connections of process `pid`, as (local port, remote port), and the
/// ports it listens on.
fn tcp_connections(pid: u32) -> (Vec<(u16, u16)>, HashSet<u16>) {
    let mut inodes = HashSet::new();
    for fd in std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .flatten()
    {
        if let Ok(link) = std::fs::read_link(fd.path()) {
            let link = link.display().to_string();
            if let Some(inode) = link
                .strip_prefix("socket:[")
                .and_then(|l| l.strip_suffix(']'))
            {
                inodes.insert(inode.to_owned());
            }
        }
    }
    let port = |addr: &str| u16::from_str_radix(addr.rsplit(':').next().unwrap(), 16).unwrap();
    let mut out = Vec::new();
    let mut listening = HashSet::new();
    for table in ["tcp", "tcp6"] {
        let text = std::fs::read_to_string(format!("/proc/{pid}/net/{table}")).unwrap();
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // State 01 is ESTABLISHED; column 9 the socket's inode.
            if cols.len() <= 9 || !inodes.contains(cols[9]) {
                continue;
            }
            match cols[3] {
                "01" => out.push((port(cols[1]), port(cols[2]))),
                "0A" => {
                    listening.insert(port(cols[1]));
                }
                _ => {}
            }
        }
    }
    (out, listening)
}

/// The example hall (deploy/hall.example.toml) on a test's port and folder, without the staff
/// list `Hall::example` adds (the simulator's clerks sign in as the example's demo does), with
/// `extra` appended.
fn example_hall(extra: &str) -> Hall {
    let hall = Hall::example(extra);
    let text = std::fs::read_to_string(&hall.config_path).unwrap();
    let mut text = text;
    for n in 1..=4 {
        text = text.replace(&format!("\n[[staff]]\nnumber = \"E100{n}\"\n"), "\n");
    }
    std::fs::write(&hall.config_path, text).unwrap();
    hall
}

/// Plays 09:00–11:30 of [`DAY`] at ×1000 into the hall's data directory, the hub in this
/// process without its uplink, as `hallq sim` plays it.
async fn play_morning(hall: &Hall) -> hallq_hub::HallConfig {
    let mut config = hallq_hub::HallConfig::load(&hall.config_path).unwrap();
    config.uplink = None;
    let offset = config.hall.utc_offset_min;
    let sim = SimConfig {
        hall: config.clone(),
        scenario: Scenario::default(),
    };
    let plan = Arc::new(Plan::generate(&sim, 7, DAY));
    let prepared = Prepared::new(config.clone(), &hall.data_dir(), 0).unwrap();
    let played = SimHall::start(prepared, 1000.0, plan.starts_at.plus_secs(-3600))
        .await
        .unwrap();
    let report = played
        .play(
            Arc::clone(&plan),
            PlayOptions {
                until: Some(time::at(DAY, 11 * 60 + 30, offset)),
                ..PlayOptions::default()
            },
        )
        .await;
    played.stop().await.unwrap();
    report.unwrap();
    config
}

/// HQ in the test: the stream and the ingest worker's consumer, an ingest loop, the mark
/// responder and the status subscriber.
async fn start_hq(cluster: &NatsCluster, pg: &Postgres, configs: Configs) {
    let mut client = pg.connect().await.unwrap();
    hallq_hq::store::migrate(&mut client).await.unwrap();
    let nats = cluster.connect().await.unwrap();
    let js = async_nats::jetstream::new(nats.clone());
    let consumer = ingest::consumer(&js).await.unwrap();
    let conninfo = pg.conninfo();
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
    let (n, c) = (nats.clone(), conninfo.clone());
    tokio::spawn(async move { hallq_hq::serve_marks(n, &c.parse().unwrap()).await });
    tokio::spawn(async move { hallq_hq::serve_status(nats, &conninfo.parse().unwrap()).await });
}

/// HQ's mark of the hall's journal.
async fn hq_mark(pg: &tokio_postgres::Client, epoch: &str) -> i64 {
    pg.query_opt(
        "SELECT seq FROM marks WHERE hall = 'demo' AND epoch = $1",
        &[&epoch],
    )
    .await
    .unwrap()
    .map_or(0, |r| r.get(0))
}

/// Waits (bounded: 60 s) until the hub's retained status has an uplink state `pick` accepts.
async fn wait_uplink(
    client: &DeviceClient,
    what: &str,
    pick: impl Fn(&UplinkState) -> bool,
) -> UplinkState {
    for _ in 0..600 {
        if let Some(u) = client.latest().hub.and_then(|h| h.uplink)
            && pick(&u)
        {
            return u;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("state/hub never said {what}: {:?}", client.latest().hub);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_morning_reaches_hq_once_through_a_killed_hub_and_a_cut_link() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
    let node: SocketAddr = cluster.urls()[0]
        .trim_start_matches("nats://")
        .parse()
        .unwrap();
    let proxy = hallq_hq::engines::LinkProxy::start(node).await.unwrap();
    let hall = example_hall(&format!(
        "\n[uplink]\nservers = [\"nats://127.0.0.1:{}\"]\nregion = \"gd-sz\"\nbatch_max = 50\n\
         interval_ms = 100\nstatus_interval_s = 1\n",
        proxy.addr().port()
    ));
    let config = play_morning(&hall).await;
    // As `hallq report` builds it (crates/hallq/src/report_cmd.rs).
    let mut cfg = ReportConfig::from_queue(
        &config.hall.name.zh,
        &config.queue,
        config.hall.utc_offset_min,
    );
    cfg.targets = Targets {
        ..config.kpi.clone()
    };
    let mut configs = Configs::default();
    configs.insert("demo", cfg.clone());
    start_hq(&cluster, &pg, configs.clone()).await;
    let mut db = pg.connect().await.unwrap();
    let epoch = hall.journal().epoch().unwrap();
    let morning = hall.journal().last_seq().unwrap();
    assert!(morning > 500, "a morning's journal: {morning} events");

    // 1. The hub starts with the morning to upload, over a slow link, and is SIGKILLed
    //    mid-upload.
    proxy.slow(40);
    let hub = hall.start_hub_with(&["--test-start", "12:00", "--test-speed", "1"]);
    let mut at_kill = 0;
    for _ in 0..1200 {
        at_kill = hq_mark(&db, &epoch).await;
        if at_kill >= 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        tcp_connections(hub.id())
            .0
            .iter()
            .any(|c| c.1 == proxy.addr().port()),
        "the hub with [uplink] holds a connection to HQ's server"
    );
    hub.kill9();
    assert!(
        (200..morning).contains(&at_kill),
        "killed mid-upload: HQ's mark {at_kill} of {morning}"
    );
    eprintln!("hub SIGKILLed with HQ's mark at {at_kill} of {morning}");

    // 2. Restarted, it resends from HQ's mark and catches up.
    proxy.slow(0);
    let hub = hall.start_hub_with(&["--test-start", "12:10", "--test-speed", "1"]);
    let (kiosk, _task) = hall.device("kiosk-1").await;
    let caught_up = wait_uplink(&kiosk, "caught up", |u| u.connected && u.behind == 0).await;
    assert!(caught_up.last_ack_ms.is_some(), "{caught_up:?}");
    let log = hall.hub_log();
    assert!(
        log.contains("HQ holds the journal up to its mark"),
        "the restarted hub asked HQ's mark:\n{log}"
    );

    // 3. The link is cut while customers take tickets: the status says so and counts what is
    //    behind; restored, the backlog goes up and the count falls back to 0.
    proxy.cut();
    wait_uplink(&kiosk, "disconnected", |u| !u.connected).await;
    for _ in 0..12 {
        kiosk.send(ticket("basic")).await.unwrap();
    }
    let behind = wait_uplink(&kiosk, "12 events behind", |u| {
        !u.connected && u.behind >= 12
    })
    .await;
    eprintln!("link cut: {behind:?}");
    proxy.restore();
    wait_uplink(&kiosk, "caught up again", |u| u.connected && u.behind == 0).await;

    // 4. HQ holds the journal exactly: same count, same max seq, same hash over (seq, body).
    let last = hall.journal().last_seq().unwrap();
    for _ in 0..200 {
        if hq_mark(&db, &epoch).await == last {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let journal = at_hq::journal_digest(&hall.journal());
    assert_eq!(journal.count, last, "the journal's seqs have no gaps");
    assert_eq!(
        at_hq::hq_digest(&db, "demo", &epoch).await,
        journal,
        "HQ's rows are the journal's"
    );

    // 5. Its roll-ups are `hallq report`'s figures for the same journal.
    rollup::refresh(&mut db, &configs).await.unwrap();
    let last_at: i64 = hall
        .journal()
        .connection()
        .query_row(
            "SELECT at_ms FROM events ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let now = Timestamp(last_at + 3_600_000);
    let report = hallq_report::read::report(
        &hall.journal(),
        &cfg,
        DayRange::default(),
        now,
        &mut |_, _| {},
    )
    .unwrap();
    let sum = |col: &str| {
        let sql =
            format!("SELECT coalesce(sum({col}), 0)::bigint FROM rollup_days WHERE hall = 'demo'");
        let db = &db;
        async move { db.query_one(&sql, &[]).await.unwrap().get::<_, i64>(0) }
    };
    assert_eq!(sum("tickets").await, report.tickets as i64, "tickets");
    assert_eq!(sum("visits").await, report.visits as i64, "visits");
    let kpi = |k: &str| {
        let k = report.kpi(k).unwrap();
        (k.num as i64, k.den as i64)
    };
    assert_eq!(
        (
            sum("satisfied + very_satisfied").await,
            sum("dissatisfied + neutral + satisfied + very_satisfied").await
        ),
        kpi("satisfaction"),
        "satisfaction"
    );
    assert_eq!(
        (sum("within_limit").await, sum("judged").await),
        kpi("within_limit"),
        "within limit"
    );
    assert!(
        report.tickets > 50,
        "a real morning: {} tickets",
        report.tickets
    );

    // 6. The hall's live status is at HQ: its region and name, its floor.
    let mut status = None;
    for _ in 0..100 {
        let row = db
            .query_opt(
                "SELECT h.region, h.name, (s.status->>'waiting')::int, (s.status->>'last_seq')::bigint
                 FROM halls h JOIN hall_status s USING (hall) WHERE hall = 'demo'",
                &[],
            )
            .await
            .unwrap();
        if let Some(r) = row
            && r.get::<_, i64>(3) == last
        {
            status = Some((
                r.get::<_, String>(0),
                r.get::<_, String>(1),
                r.get::<_, i32>(2),
            ));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (region, name, waiting) = status.expect("the hall's newest status reaches hall_status");
    assert_eq!(region, "gd-sz");
    assert_eq!(name, config.hall.name.zh);
    assert!(waiting >= 12, "the tickets taken are waiting: {waiting}");
    assert!(hub.terminate(), "the hub stops cleanly with its uplink");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_without_uplink_opens_no_connection_beyond_its_hall() {
    let hall = Hall::new(BrokerKind::Embedded);
    let hub = hall.start_hub();
    let (kiosk, _task) = hall.device("kiosk-1").await;
    kiosk.send(ticket("basic")).await.unwrap();
    let status = kiosk.latest().hub.unwrap();
    assert_eq!(status.uplink, None, "no uplink in state/hub");
    let (conns, listening) = tcp_connections(hub.id());
    assert!(listening.contains(&hall.port), "{listening:?}");
    assert!(!conns.is_empty(), "the hub's own connections are seen");
    // The hall's port (the gate), the embedded broker behind it, the hub's own MQTT client: each
    // connection has one end on a port the hub itself listens on.
    assert!(
        conns
            .iter()
            .all(|(local, remote)| listening.contains(local) || listening.contains(remote)),
        "every connection of the hub is to or from its own listeners {listening:?}: {conns:?}"
    );
    assert!(hub.terminate());
}
