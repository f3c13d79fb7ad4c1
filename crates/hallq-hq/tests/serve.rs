//! `hallq hq serve`'s process against a real 3-node cluster and a real PostgreSQL: with role
//! `all` it migrates the store, its workers store a hall's batch published on the uplink and the
//! console answers; role `ingest` serves no console; role `web` needs no NATS.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use async_nats::jetstream;
use common::{EPOCH, batch};
use hallq_hq::serve::{self, HqConfig, Role};
use hallq_hq::{NatsCluster, Postgres, wire};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn config(nats: &[String], pg: &Postgres, workers: u32) -> HqConfig {
    let servers: Vec<String> = nats.iter().map(|u| format!("\"{u}\"")).collect();
    HqConfig::parse(&format!(
        "[nats]\nservers = [{}]\n[postgres]\nconninfo = \"{}\"\n[web]\nlisten = \"127.0.0.1:0\"\n\
         [ingest]\nworkers = {workers}\n",
        servers.join(", "),
        pg.conninfo()
    ))
    .unwrap()
}

/// The status line of `GET path` on the console at `addr`.
async fn status_line(addr: std::net::SocketAddr, path: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

/// Publishes a batch of `hall`'s events 1..=`last` on the uplink and waits (bounded) until
/// HQ's mark of it is `last`.
async fn publish_and_wait_stored(cluster: &NatsCluster, pg: &Postgres, hall: &str, last: i64) {
    let js = jetstream::new(cluster.connect().await.unwrap());
    let b = batch(hall, EPOCH, 1, last);
    js.publish(
        wire::subject(hall).unwrap(),
        serde_json::to_vec(&b).unwrap().into(),
    )
    .await
    .unwrap()
    .await
    .unwrap();
    let client = pg.connect().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mark: Option<i64> = client
            .query_opt("SELECT seq FROM marks WHERE hall = $1", &[&hall])
            .await
            .unwrap()
            .map(|r| r.get(0));
        if mark == Some(last) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{hall}'s batch was not stored: mark {mark:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_all_ingests_the_uplink_and_serves_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg_dir = tempfile::tempdir().unwrap();
    let pg = Postgres::start(pg_dir.path()).await.unwrap();
    let cfg = config(&cluster.urls(), &pg, 2);
    let running = serve::start(&cfg, Role::All).await.unwrap();
    let web = running.web.unwrap();

    publish_and_wait_stored(&cluster, &pg, "gz-01", 40).await;
    assert!(status_line(web, "/login").await.contains("200"));
    assert!(status_line(web, "/").await.contains("303"), "to the login");
    running.stop().await;

    let ingest_only = serve::start(&cfg, Role::Ingest).await.unwrap();
    assert!(ingest_only.web.is_none());
    ingest_only.stop().await;

    // The web role alone does not connect to NATS (none listens on port 1).
    let mut web_cfg = cfg.clone();
    web_cfg.nats.servers = vec!["nats://127.0.0.1:1".into()];
    let web_only = serve::start(&web_cfg, Role::Web).await.unwrap();
    assert!(
        status_line(web_only.web.unwrap(), "/login")
            .await
            .contains("200")
    );
    web_only.stop().await;
}

/// An ingest process started while the cluster has no JetStream quorum (two nodes of three
/// down) waits for it, then takes its batches: the fault run saw one of two ingest processes
/// started beside a cluster just formed exit at its first "request timed out".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ingest_started_while_the_cluster_has_no_quorum_waits_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = NatsCluster::start(&dir.path().join("nats")).await.unwrap();
    let pg = Postgres::start(&dir.path().join("pg")).await.unwrap();
    let cfg = config(&cluster.urls(), &pg, 1);
    let names = cluster.names();
    for name in &names[1..] {
        cluster.kill(name);
    }
    let starting = tokio::spawn(async move { serve::start(&cfg, Role::Ingest).await });
    // Longer than a JetStream request's time-out: the first answers were failures.
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert!(
        !starting.is_finished(),
        "the ingest gave up while the cluster had no quorum: {:?}",
        starting.await.unwrap().map(|_| ())
    );
    cluster
        .restart_nodes(&[&names[1], &names[2]])
        .await
        .unwrap();
    let running = starting.await.unwrap().unwrap();

    publish_and_wait_stored(&cluster, &pg, "gz-02", 10).await;
    running.stop().await;
}
