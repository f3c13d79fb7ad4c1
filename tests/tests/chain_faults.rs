//! Exactly once under faults, in one run (issue 14 §6): three halls play their day as real
//! `hallq sim` processes with `[uplink]` (as the chain demo runs them), HQ's ingest is two real
//! `hallq hq serve --role ingest` processes, and while the days play:
//!
//! - the JetStream leader of the uplink stream is SIGKILLed (the node every hall's batch is
//!   stored through; the consumer's and the meta leader are said when they were the same node)
//!   and started again later;
//! - one hall's uplink is cut for its whole simulated day (a `LinkProxy` between it and the
//!   cluster) and restored after it;
//! - an ingest process is SIGKILLed mid-batch: frozen (SIGSTOP) at a moment when its sink's
//!   transaction is open in PostgreSQL, then killed; a new one is started later;
//! - PostgreSQL is restarted.
//!
//! Each hall's hub then goes on as `hallq hub` after its day (as the demo's do) until HQ's mark
//! is its journal's last seq. At the end, for every hall, HQ's rows are its journal's (count,
//! max seq, hash over (seq, body)), no seq twice, and the roll-ups equal `hallq report` on the
//! journal with the configuration HQ folds it with (`hallq_tests::at_hq`).
#![allow(
    clippy::unwrap_used,
    clippy::print_stderr,
    reason = "tests: a panic is a failed test"
)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use hallq_hq::engines::LinkProxy;
use hallq_hq::store::Configs;
use hallq_hq::{NatsCluster, Postgres, ingest, wire};
use hallq_tests::{Hall, at_hq, hallq_bin};

/// The halls: id, region, seed.
const HALLS: [(&str, &str, u64); 3] = [
    ("gz-tianhe", "gd-gz", 11),
    ("gz-yuexiu", "gd-gz", 18),
    ("sz-futian", "gd-sz", 25),
];

/// The hall whose uplink is cut for its whole day.
const CUT: usize = 1;

/// Simulated seconds per real second: a day (08:30 to the last customer served, ~9.5 h) lasts
/// about two minutes, long enough for the four faults to happen one after the other while every
/// day plays even on a loaded machine (at 500, a minute's day, CI's run once reached its first
/// fault after two of the three days had ended).
const SPEED: &str = "300";

/// A child process of the test, SIGKILLed when dropped.
struct Proc {
    name: String,
    child: Child,
}

impl Proc {
    fn spawn(name: &str, cmd: &mut Command, log: &Path) -> Self {
        let log = std::fs::File::create(log).unwrap();
        let child = cmd
            .stdout(Stdio::from(log.try_clone().unwrap()))
            .stderr(Stdio::from(log))
            .spawn()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        Self {
            name: name.to_owned(),
            child,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn signal(&self, sig: &str) {
        Command::new("kill")
            .arg(sig)
            .arg(self.pid().to_string())
            .status()
            .unwrap();
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGTERM, and the exit awaited (bounded: 20 s, then SIGKILL).
    fn terminate(mut self) {
        self.signal("-TERM");
        for _ in 0..200 {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!("{} did not stop on SIGTERM", self.name);
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A hall of the run: the example hall under its id, its `[uplink]` to `servers`.
fn chain_hall(id: &str, region: &str, servers: &[String]) -> Hall {
    let servers: Vec<String> = servers.iter().map(|s| format!("{s:?}")).collect();
    let hall = Hall::example(&format!(
        "\n[uplink]\nservers = [{}]\nregion = \"{region}\"\nbatch_max = 50\ninterval_ms = 200\n\
         status_interval_s = 2\n",
        servers.join(", ")
    ));
    let mut text = std::fs::read_to_string(&hall.config_path).unwrap();
    text = text.replacen("id = \"demo\"", &format!("id = \"{id}\""), 1);
    // The simulator's clerks sign in as the example's demo does (open sign-in, no staff list).
    for n in 1..=4 {
        text = text.replace(&format!("\n[[staff]]\nnumber = \"E100{n}\"\n"), "\n");
    }
    std::fs::write(&hall.config_path, text).unwrap();
    hall
}

/// An HQ process running the ingest only, its PostgreSQL sessions named `name` (so the test
/// can see in `pg_stat_activity` when its sink holds a transaction open).
fn start_ingest(dir: &Path, name: &str, nats: &[String], pg: &Postgres) -> Proc {
    let servers: Vec<String> = nats.iter().map(|s| format!("{s:?}")).collect();
    let conninfo = format!("{} application_name={name}", pg.conninfo());
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!(
            "[nats]\nservers = [{}]\n\n[postgres]\nconninfo = {conninfo:?}\n\n\
             [web]\nlisten = \"127.0.0.1:0\"\n\n[ingest]\nworkers = 1\n",
            servers.join(", ")
        ),
    )
    .unwrap();
    Proc::spawn(
        name,
        Command::new(hallq_bin())
            .args(["hq", "serve", "--role", "ingest", "--config"])
            .arg(&config)
            .env("RUST_LOG", "info,hallq_hq=debug"),
        &dir.join(format!("{name}.log")),
    )
}

/// The test's own connection to HQ's store, made again when PostgreSQL was restarted.
struct Store {
    conninfo: String,
    client: Option<tokio_postgres::Client>,
}

impl Store {
    async fn client(&mut self) -> &mut tokio_postgres::Client {
        if self
            .client
            .as_ref()
            .is_none_or(tokio_postgres::Client::is_closed)
        {
            for _ in 0..100 {
                if let Ok(c) = hallq_hq::store::connect(&self.conninfo).await {
                    self.client = Some(c);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        self.client.as_mut().expect("PostgreSQL takes connections")
    }

    /// The sum of every journal's mark: how far HQ got, all halls together (0 on a failed read:
    /// the caller waits for it to grow).
    async fn marks(&mut self) -> i64 {
        let c = self.client().await;
        match c
            .query_one("SELECT coalesce(sum(seq), 0)::bigint FROM marks", &[])
            .await
        {
            Ok(r) => r.get(0),
            Err(_) => {
                self.client = None;
                0
            }
        }
    }

    /// Waits (bounded) until the marks' sum passes `from + more`; returns it.
    async fn wait_marks(&mut self, from: i64, more: i64, what: &str) -> i64 {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let now = self.marks().await;
            if now >= from + more {
                return now;
            }
            if Instant::now() >= deadline {
                let halls: Vec<(String, i64)> = self
                    .client()
                    .await
                    .query("SELECT hall, seq FROM marks ORDER BY hall", &[])
                    .await
                    .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect())
                    .unwrap_or_default();
                panic!("HQ's marks stuck at {now} (from {from}) {what}; per hall: {halls:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// The ingest processes' logs (captured at debug): the sink says each batch it refused past a
/// gap at debug only (with two workers a batch often arrives a moment before the one it
/// follows: routine, not news), and the only warning about a gap is the ingest's when it
/// gives a batch up (the hall must resend). The run had both.
fn assert_gap_log_levels(dir: &Path) {
    let (mut refused, mut given_up) = (0, 0);
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().extension().is_none_or(|e| e != "log") {
            continue;
        }
        let log = std::fs::read_to_string(entry.path()).unwrap();
        for line in log.lines().filter(|l| l.contains("gap")) {
            let mut words = line.split_whitespace().skip(1);
            let (level, target) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
            match (level, target) {
                ("DEBUG", "hallq_hq::store::sink:") if line.contains("batch refused") => {
                    refused += 1;
                }
                ("WARN", "hallq_hq::ingest:") if line.contains("batch given up") => given_up += 1,
                ("DEBUG" | "TRACE", _) => {}
                _ => panic!("a gap logged above debug other than a batch given up: {line}"),
            }
        }
    }
    eprintln!("gaps: {refused} batches refused (debug), {given_up} given up (warn)");
    assert!(refused > 0, "the faults made gaps");
}

/// Lines holding `needle` in the `*.log` files of `dir`.
fn lines_in_logs(dir: &Path, needle: &str) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "log"))
        .map(|e| {
            let log = std::fs::read_to_string(e.path()).unwrap_or_default();
            log.lines().filter(|l| l.contains(needle)).count()
        })
        .sum()
}

/// Asserts that every hall's day still plays when `fault` happens.
fn days_running(days: &mut [Proc], fault: &str) {
    let over: Vec<&str> = days
        .iter_mut()
        .filter_map(|d| (!d.running()).then_some(d.name.as_str()))
        .collect();
    assert!(
        over.is_empty(),
        "every day still plays at {fault}: {over:?} over"
    );
}

/// The node leading the uplink stream (once it has one: bounded wait), and the one leading the
/// ingest's consumer.
async fn stream_leader(js: &async_nats::jetstream::Context) -> (String, Option<String>) {
    for _ in 0..300 {
        if let Ok(mut stream) = js.get_stream(wire::STREAM).await
            && let Ok(info) = stream.info().await
            && let Some(leader) = info.cluster.clone().and_then(|c| c.leader)
        {
            let consumer = stream
                .consumer_info(ingest::CONSUMER)
                .await
                .ok()
                .and_then(|c| c.cluster.clone())
                .and_then(|c| c.leader);
            return (leader, consumer);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the uplink stream has no leader");
}

/// Freezes `proc` (SIGSTOP) at a moment when one of its sessions is inside a transaction of
/// the sink (idle in transaction after an insert or the mark's lock), then SIGKILLs it: the
/// batch it was storing is neither committed nor acknowledged. Bounded: tries for a minute.
async fn kill_mid_batch(proc: Proc, name: &str, store: &mut Store) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut tries = 0;
    loop {
        tries += 1;
        proc.signal("-STOP");
        // Let a statement that was running finish: the session then waits on the frozen client.
        tokio::time::sleep(Duration::from_millis(30)).await;
        let open = store
            .client()
            .await
            .query_opt(
                "SELECT query FROM pg_stat_activity WHERE application_name = $1
                 AND state = 'idle in transaction'
                 AND (query ILIKE '%marks%' OR query ILIKE '%events%' OR query ILIKE '%rollup%')",
                &[&name],
            )
            .await
            .unwrap();
        if let Some(row) = open {
            let query: String = row.get(0);
            eprintln!(
                "{name} SIGKILLed mid-batch (try {tries}), its transaction at: {}",
                query.split_whitespace().collect::<Vec<_>>().join(" ")
            );
            drop(proc);
            return;
        }
        proc.signal("-CONT");
        assert!(
            Instant::now() < deadline,
            "{name} was never seen inside a batch's transaction ({tries} tries)"
        );
        tokio::time::sleep(Duration::from_millis(37)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hall_s_day_reaches_hq_exactly_once_through_a_leader_kill_a_worker_kill_a_cut_and_a_database_restart()
 {
    // Built (if needed) before the clock of the run starts.
    hallq_bin();
    let started = Instant::now();
    let dir = tempfile::Builder::new()
        .disable_cleanup(std::env::var_os("HALLQ_KEEP_TEST_DIR").is_some())
        .tempdir()
        .unwrap();
    eprintln!("test folder: {}", dir.path().display());
    let mut cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let mut pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
    let urls = cluster.urls();
    let node: SocketAddr = urls[0].trim_start_matches("nats://").parse().unwrap();
    let proxy = LinkProxy::start(node).await.unwrap();
    let mut store = Store {
        conninfo: pg.conninfo(),
        client: None,
    };

    // HQ: two ingest processes (each serves the halls' marks and status too).
    let hq_dir = dir.path().join("hq");
    std::fs::create_dir_all(&hq_dir).unwrap();
    let ingest_a = start_ingest(&hq_dir, "ingest-a", &urls, &pg);
    let mut ingest_b = start_ingest(&hq_dir, "ingest-b", &urls, &pg);
    let nats = cluster.connect().await.unwrap();
    let js = async_nats::jetstream::new(nats);
    let mut made = false;
    for _ in 0..300 {
        if let Ok(s) = js.get_stream(wire::STREAM).await
            && s.consumer_info(ingest::CONSUMER).await.is_ok()
        {
            made = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        made,
        "the ingest processes made the stream and its consumer"
    );
    let (leader, consumer_leader) = stream_leader(&js).await;

    // The halls: each plays its day; the cut hall's uplink goes through the proxy, cut already.
    proxy.cut();
    let mut halls = Vec::new();
    let mut days = Vec::new();
    for (i, (id, region, seed)) in HALLS.iter().enumerate() {
        let servers = if i == CUT {
            vec![format!("nats://{}", proxy.addr())]
        } else {
            urls.clone()
        };
        let hall = chain_hall(id, region, &servers);
        let day = Proc::spawn(
            &format!("{id}'s day"),
            Command::new(hallq_bin())
                .arg("sim")
                .arg("--config")
                .arg(&hall.config_path)
                .arg("--data-dir")
                .arg(hall.data_dir())
                .args(["--seed", &seed.to_string(), "--speed", SPEED])
                .args(["--progress-min", "120"])
                .env("RUST_LOG", "warn,hallq_hub::uplink=info"),
            &hall.dir.path().join("day.log"),
        );
        halls.push(hall);
        days.push(day);
    }

    // 1. The stream's leader is SIGKILLed once batches flow.
    let at = store.wait_marks(0, 300, "before the first fault").await;
    days_running(&mut days, "the leader's kill");
    cluster.kill(&leader);
    eprintln!(
        "{:?}: stream leader {leader} SIGKILLed (consumer leader: {consumer_leader:?}), HQ's marks at {at}",
        started.elapsed()
    );
    let at = store.wait_marks(at, 200, "after the leader's kill").await;
    let (new_leader, _) = stream_leader(&js).await;
    assert_ne!(new_leader, leader, "the stream elected a new leader");

    // 2. An ingest process is SIGKILLed mid-batch.
    days_running(&mut days, "the ingest's kill");
    kill_mid_batch(ingest_a, "ingest-a", &mut store).await;
    eprintln!(
        "{:?}: ingest-a killed, HQ's marks at {at}",
        started.elapsed()
    );
    let at = store.wait_marks(at, 200, "after the ingest's kill").await;

    // 3. PostgreSQL is restarted.
    days_running(&mut days, "the database's restart");
    pg.restart().await.unwrap();
    assert_eq!(pg.conninfo(), store.conninfo, "PostgreSQL back on its port");
    eprintln!(
        "{:?}: PostgreSQL restarted, HQ's marks at {at}",
        started.elapsed()
    );
    let at = store
        .wait_marks(at, 200, "after the database's restart")
        .await;

    // 4. The killed node and the killed ingest come back.
    cluster.restart(&leader).await.unwrap();
    let ingest_a = start_ingest(&hq_dir, "ingest-a2", &urls, &pg);
    eprintln!(
        "{:?}: {leader} and an ingest process started again, HQ's marks at {at}",
        started.elapsed()
    );

    // The days end; the cut hall's journal never reached HQ meanwhile.
    let deadline = Instant::now() + Duration::from_secs(240);
    for day in &mut days {
        loop {
            if let Some(status) = day.child.try_wait().unwrap() {
                assert!(status.success(), "{} ended with {status}", day.name);
                break;
            }
            assert!(Instant::now() < deadline, "{} never ended", day.name);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    eprintln!("{:?}: every day over", started.elapsed());
    let cut_epoch = halls[CUT].journal().epoch().unwrap();
    assert_eq!(
        at_hq::hq_mark(store.client().await, HALLS[CUT].0, &cut_epoch).await,
        0,
        "the cut hall sent nothing during its day"
    );

    // Each hall's hub goes on after its day; the cut hall's link is restored.
    proxy.restore();
    let hubs: Vec<_> = halls.iter().map(Hall::start_hub).collect();
    let deadline = Instant::now() + Duration::from_secs(180);
    for (hall, (id, _, _)) in halls.iter().zip(HALLS) {
        let journal = hall.journal();
        let epoch = journal.epoch().unwrap();
        loop {
            let last = at_hq::last_seq(&journal);
            let mark = at_hq::hq_mark(store.client().await, id, &epoch).await;
            if mark == last {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{id}: HQ's mark {mark} never reached the journal's {last}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    eprintln!("{:?}: every journal at HQ", started.elapsed());
    for hub in hubs {
        assert!(hub.terminate(), "a hub stops cleanly");
    }
    ingest_a.terminate();
    assert!(ingest_b.running(), "ingest-b ran through every fault");
    ingest_b.terminate();

    assert_gap_log_levels(&hq_dir);
    // Each gap given up is made good by one resend from the mark, not a storm of them: with
    // two workers, every batch of an old round past the gap is given up in turn, and a hub
    // that restarted at each notice resent its backlog hundreds of times.
    for (hall, (id, _, _)) in halls.iter().zip(HALLS) {
        let resends = lines_in_logs(hall.dir.path(), "resending from its mark");
        eprintln!("{id}: {resends} resends on a gap notice");
        assert!(
            resends <= 20,
            "{id} resent its upload {resends} times on gap notices"
        );
    }

    // Every hall: HQ's rows are its journal's, once, and roll up to its report.
    let configs = Configs::default();
    for (hall, (id, _, _)) in halls.iter().zip(HALLS) {
        let journal = hall.journal();
        at_hq::assert_journal_at_hq(store.client().await, id, &journal, &configs).await;
        eprintln!(
            "{id}: {} events at HQ exactly once",
            at_hq::last_seq(&journal)
        );
    }
    eprintln!("{:?}: done", started.elapsed());
}
