//! What HQ must hold of a hall's journal, checked the same way by every chain test (the fault
//! run, the uplink test, the new-epoch test): HQ's rows of the journal are the journal's events
//! as they leave the hall — same count, same max seq, same hash over (seq, body), no seq twice,
//! the mark at the journal's last seq — and the journal's roll-ups, brought up to date as HQ's
//! refresh does, equal `hallq report`'s figures of the journal with the configuration HQ folds
//! the hall with.

use std::hash::{DefaultHasher, Hash, Hasher};

use hallq_hq::store::{Configs, rollup};
use hallq_hq::{NatsCluster, Postgres, ingest};
use hallq_journal::Journal;
use hallq_proto::Timestamp;
use hallq_report::{DayRange, Report};
use tokio_postgres::Client;

/// (count, max seq, hash over (seq, body)) of one journal's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    /// Events.
    pub count: i64,
    /// The highest seq.
    pub max_seq: i64,
    /// Over every (seq, body) in seq order, the body as a JSON value.
    pub hash: u64,
}

/// Bodies compared as JSON values (PostgreSQL's jsonb orders keys its own way): each hashed in
/// serde_json's sorted-key form.
fn digest(rows: impl Iterator<Item = (i64, serde_json::Value)>) -> Digest {
    let (mut count, mut max_seq) = (0, 0);
    let mut h = DefaultHasher::new();
    for (seq, body) in rows {
        count += 1;
        max_seq = max_seq.max(seq);
        seq.hash(&mut h);
        body.to_string().hash(&mut h);
    }
    Digest {
        count,
        max_seq,
        hash: h.finish(),
    }
}

/// The journal's events as they leave the hall: bodies de-identified as the uplink sends them.
pub fn journal_digest(journal: &Journal) -> Digest {
    let mut stmt = journal
        .connection()
        .prepare("SELECT seq, body FROM events ORDER BY seq")
        .unwrap();
    let rows: Vec<(i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    digest(rows.into_iter().map(|(seq, body)| {
        let v = hallq_hq::wire::deidentify(serde_json::from_str(&body).unwrap());
        (seq, v)
    }))
}

/// HQ's rows of journal (`hall`, `epoch`).
pub async fn hq_digest(db: &Client, hall: &str, epoch: &str) -> Digest {
    let rows = db
        .query(
            "SELECT seq, body::text FROM events WHERE hall = $1 AND epoch = $2 ORDER BY seq",
            &[&hall, &epoch],
        )
        .await
        .unwrap();
    digest(rows.iter().map(|r| {
        let body: String = r.get(1);
        (r.get::<_, i64>(0), serde_json::from_str(&body).unwrap())
    }))
}

/// HQ's mark of journal (`hall`, `epoch`), 0 if it has none.
pub async fn hq_mark(db: &Client, hall: &str, epoch: &str) -> i64 {
    db.query_opt(
        "SELECT seq FROM marks WHERE hall = $1 AND epoch = $2",
        &[&hall, &epoch],
    )
    .await
    .unwrap()
    .map_or(0, |r| r.get(0))
}

/// The journal's last seq (0 when empty).
pub fn last_seq(journal: &Journal) -> i64 {
    journal.last_seq().unwrap()
}

/// Asserts that HQ holds `journal` of hall `hall` exactly once and rolled up: see the module's
/// text. Runs [`rollup::refresh`] with `configs` first (as HQ's process does every minute), and
/// computes the report with `configs.get(hall)`, the configuration HQ folded the hall with.
pub async fn assert_journal_at_hq(
    db: &mut Client,
    hall: &str,
    journal: &Journal,
    configs: &Configs,
) {
    let epoch = journal.epoch().unwrap();
    let want = journal_digest(journal);
    assert_eq!(
        want.count, want.max_seq,
        "{hall}: the journal's seqs have no gaps"
    );
    assert_eq!(
        hq_mark(db, hall, &epoch).await,
        want.max_seq,
        "{hall}: HQ's mark is the journal's last seq"
    );
    let twice: i64 = db
        .query_one(
            "SELECT count(*) - count(DISTINCT seq) FROM events WHERE hall = $1 AND epoch = $2",
            &[&hall, &epoch],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(twice, 0, "{hall}: no seq stored twice");
    assert_eq!(
        hq_digest(db, hall, &epoch).await,
        want,
        "{hall}: HQ's rows are the journal's (count, max seq, hash over (seq, body))"
    );

    rollup::refresh(db, configs).await.unwrap();
    let last_at: i64 = journal
        .connection()
        .query_row("SELECT coalesce(max(at_ms), 0) FROM events", [], |r| {
            r.get(0)
        })
        .unwrap();
    let report = hallq_report::read::report(
        journal,
        configs.get(hall),
        DayRange::default(),
        Timestamp(last_at + 3_600_000),
        &mut |_, _| {},
    )
    .unwrap();
    assert_rolled_up(db, hall, &epoch, &report).await;
}

/// The report's figures the roll-ups of journal (`hall`, `epoch`) hold, read back from them.
pub async fn assert_rolled_up(db: &Client, hall: &str, epoch: &str, report: &Report) {
    let sum = |sql: &str| {
        let sql = format!(
            "SELECT coalesce(sum({sql}), 0)::bigint FROM rollup_days WHERE hall = $1 AND epoch = $2"
        );
        async move {
            db.query_one(&sql, &[&hall, &epoch])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    let kpi = |k: &str| {
        let k = report.kpi(k).unwrap();
        (k.num as i64, k.den as i64)
    };
    let got = (
        sum("satisfied + very_satisfied").await,
        sum("dissatisfied + neutral + satisfied + very_satisfied").await,
    );
    assert_eq!(got, kpi("satisfaction"), "{hall}: satisfaction");
    let got = (sum("within_limit").await, sum("judged").await);
    assert_eq!(got, kpi("within_limit"), "{hall}: within limit");
    let got = (sum("sl_within").await, sum("sl_judged").await);
    assert_eq!(got, kpi("wait_service_level"), "{hall}: wait service level");
    assert_eq!(sum("visits").await, report.visits as i64, "{hall}: visits");
    assert_eq!(
        sum("transferred_visits").await,
        report.transferred as i64,
        "{hall}: transferred visits"
    );
    assert_eq!(
        sum("tickets").await,
        report.tickets as i64,
        "{hall}: tickets"
    );
    let ends = ["served", "no_shows", "walked_out", "closed", "still_open"];
    for (i, col) in ends.iter().enumerate() {
        assert_eq!(
            sum(col).await,
            report.ticket_ends[i] as i64,
            "{hall}: {col}"
        );
    }
    let q = &report.quality;
    for (col, want) in [
        ("short_services", q.short_services),
        ("forgotten_finish", q.forgotten_finish),
        ("missing_ratings", q.missing_ratings),
        ("unknown_business", q.unknown_business),
        ("orphan_events", q.orphan_events),
    ] {
        assert_eq!(sum(col).await, want as i64, "{hall}: {col}");
    }
    assert_eq!(
        sum("unread").await,
        0,
        "{hall}: every stored event read by the fold"
    );
    let rows = db
        .query(
            "SELECT business, sum(tickets)::bigint, sum(served)::bigint, sum(judged)::bigint,
                    sum(within_limit)::bigint, sum(service_sum_ms)::bigint, sum(waits)::bigint,
                    sum(wait_sum_ms)::bigint
             FROM rollup_business WHERE hall = $1 AND epoch = $2
             GROUP BY business ORDER BY business",
            &[&hall, &epoch],
        )
        .await
        .unwrap();
    let mut lines: Vec<_> = report.business.iter().collect();
    lines.sort_by(|a, b| a.code.cmp(&b.code));
    assert_eq!(rows.len(), lines.len(), "{hall}: business types");
    for (r, b) in rows.iter().zip(lines) {
        let code: String = r.get(0);
        assert_eq!(code, b.code, "{hall}: business types");
        let v = |i: usize| r.get::<_, i64>(i);
        assert_eq!(
            (v(1), v(2), v(3), v(4)),
            (
                b.tickets as i64,
                b.served as i64,
                b.judged as i64,
                b.within as i64
            ),
            "{hall}: {code}"
        );
        // The means as the report divides them, from the summed parts.
        let mean_service = (v(3) > 0).then(|| v(5) as f64 / v(3) as f64 / 1e3);
        let mean_wait = (v(6) > 0).then(|| v(7) as f64 / v(6) as f64 / 1e3);
        assert_eq!(mean_service, b.mean_service, "{hall}: {code} mean service");
        assert_eq!(mean_wait, b.mean_wait, "{hall}: {code} mean wait");
    }
}

/// HQ in a test, and a hall uploading to it: a 3-node cluster, a migrated PostgreSQL with its
/// marks answered, the ingest's consumer (no worker: the test runs its own), and a hall whose
/// `[uplink]` sends batches of 5 every 100 ms. Fields drop hall first, the engines last.
#[allow(
    missing_debug_implementations,
    reason = "a test rig of engines and connections"
)]
pub struct UplinkRig {
    /// The hall, hub not started.
    pub hall: crate::Hall,
    /// The ingest workers' shared consumer.
    pub consumer: async_nats::jetstream::consumer::PullConsumer,
    /// The test's own connection to HQ's store.
    pub db: Client,
    /// HQ's store.
    pub pg: Postgres,
    /// The cluster.
    pub cluster: NatsCluster,
}

impl UplinkRig {
    /// Starts it all in `dir`.
    pub async fn start(dir: &std::path::Path) -> Self {
        let cluster = NatsCluster::start(&dir.join("nats")).await.unwrap();
        let pg = Postgres::start(&dir.join("pg")).await.unwrap();
        let servers: Vec<String> = cluster.urls().iter().map(|s| format!("{s:?}")).collect();
        let hall = crate::Hall::with_sections(
            crate::BrokerKind::Embedded,
            &format!(
                "[uplink]\nservers = [{}]\nregion = \"gd-gz\"\nbatch_max = 5\ninterval_ms = 100\n\n",
                servers.join(", ")
            ),
        );
        let mut db = pg.connect().await.unwrap();
        hallq_hq::store::migrate(&mut db).await.unwrap();
        let nats = cluster.connect().await.unwrap();
        let consumer = ingest::consumer(&async_nats::jetstream::new(nats.clone()))
            .await
            .unwrap();
        let conninfo = pg.conninfo();
        tokio::spawn(async move { hallq_hq::serve_marks(nats, &conninfo.parse().unwrap()).await });
        Self {
            hall,
            consumer,
            db,
            pg,
            cluster,
        }
    }
}
