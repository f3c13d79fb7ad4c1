//! The NATS cluster the launcher starts, against the client the uplink uses: a stream with 3
//! replicas takes a message with a `Nats-Msg-Id`, acknowledges it, holds it on all three
//! nodes, and acknowledges a resend of the same id as a duplicate without storing it again.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use async_nats::jetstream::{self, stream};
use hallq_hq::NatsCluster;

#[tokio::test]
async fn a_message_with_a_msg_id_is_acked_once_and_stored_on_three_replicas() {
    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(dir.path()).await.unwrap();
    assert_eq!(cluster.urls().len(), 3);
    for name in cluster.names() {
        assert!(cluster.pid(&name).is_some(), "{name} runs");
    }
    let js = jetstream::new(cluster.connect().await.unwrap());
    js.create_stream(stream::Config {
        name: "UPLINK".into(),
        subjects: vec!["uplink.>".into()],
        num_replicas: 3,
        storage: stream::StorageType::File,
        duplicate_window: Duration::from_secs(120),
        ..Default::default()
    })
    .await
    .unwrap();

    let mut headers = async_nats::HeaderMap::new();
    headers.insert("Nats-Msg-Id", "gz-01:epoch:1-50");
    let publish = || async {
        js.publish_with_headers("uplink.gz-01", headers.clone(), "batch 1-50".into())
            .await
            .unwrap()
            .await
            .unwrap()
    };
    let ack = publish().await;
    assert_eq!(ack.stream, "UPLINK");
    assert_eq!(ack.sequence, 1);
    assert!(!ack.duplicate);
    let again = publish().await;
    assert!(again.duplicate, "the same Msg-Id is a duplicate");
    assert_eq!(again.sequence, 1);

    // The leader holds it; both followers catch up (bounded wait: replication is asynchronous
    // to the ack only for the follower beyond the quorum).
    let mut stream = js.get_stream("UPLINK").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let info = stream.info().await.unwrap().clone();
        assert_eq!(info.state.messages, 1, "stored once");
        let cl = info.cluster.unwrap();
        let leader = cl.leader.unwrap();
        let mut nodes: Vec<String> = cl.replicas.iter().map(|p| p.name.clone()).collect();
        nodes.push(leader);
        nodes.sort();
        assert_eq!(nodes, cluster.names(), "a replica on every node");
        if cl
            .replicas
            .iter()
            .all(|p| p.current && p.lag.unwrap_or(0) == 0)
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "followers not current: {:?}",
            cl.replicas
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A durable pull consumer shared by two workers: each message goes to one of them, and with
/// explicit acks all are acknowledged once.
#[tokio::test]
async fn two_workers_share_a_durable_pull_consumer() {
    use async_nats::jetstream::consumer::{self, AckPolicy, PullConsumer};
    use futures_util::StreamExt;

    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(dir.path()).await.unwrap();
    let js = jetstream::new(cluster.connect().await.unwrap());
    let stream = js
        .create_stream(stream::Config {
            name: "UPLINK".into(),
            subjects: vec!["uplink.>".into()],
            num_replicas: 3,
            storage: stream::StorageType::File,
            ..Default::default()
        })
        .await
        .unwrap();
    for i in 0..300 {
        js.publish(format!("uplink.h{}", i % 7), i.to_string().into())
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let config = consumer::pull::Config {
        durable_name: Some("ingest".into()),
        ack_policy: AckPolicy::Explicit,
        ack_wait: Duration::from_secs(30),
        ..Default::default()
    };
    stream
        .get_or_create_consumer::<consumer::pull::Config>("ingest", config)
        .await
        .unwrap();
    let worker = |c: PullConsumer| async move {
        let mut got = Vec::new();
        // Bounded: at most 100 fetches; stops at the first empty one once it has work.
        for _ in 0..100 {
            let mut batch = c
                .fetch()
                .max_messages(10)
                .expires(Duration::from_millis(500))
                .messages()
                .await
                .unwrap();
            let before = got.len();
            while let Some(m) = batch.next().await {
                let m = m.unwrap();
                got.push(String::from_utf8(m.payload.to_vec()).unwrap());
                m.ack().await.unwrap();
            }
            if got.len() == before && !got.is_empty() {
                break;
            }
        }
        got
    };
    let (c1, c2) = (
        stream.get_consumer("ingest").await.unwrap(),
        stream.get_consumer("ingest").await.unwrap(),
    );
    let (a, b) = tokio::join!(worker(c1), worker(c2));
    assert!(
        !a.is_empty() && !b.is_empty(),
        "both worked: {} {}",
        a.len(),
        b.len()
    );
    let mut all: Vec<u32> = a.iter().chain(&b).map(|s| s.parse().unwrap()).collect();
    all.sort_unstable();
    assert_eq!(
        all,
        (0..300).collect::<Vec<_>>(),
        "each message to one worker"
    );
    let mut c: PullConsumer = stream.get_consumer("ingest").await.unwrap();
    let info = c.info().await.unwrap();
    assert_eq!(info.num_ack_pending, 0);
    assert_eq!(info.num_pending, 0);
    assert_eq!(info.ack_floor.stream_sequence, 300);
}

/// A KV bucket on the 2.9 cluster (made by hallq-hq, not async-nats: docs/chain.md): a put is
/// seen by a watcher with its revision, a second process opening the bucket reads the value.
#[tokio::test]
async fn a_kv_bucket_takes_puts_and_its_watch_sees_them() {
    use futures_util::StreamExt;

    let dir = tempfile::tempdir().unwrap();
    let cluster = NatsCluster::start(dir.path()).await.unwrap();
    let js = jetstream::new(cluster.connect().await.unwrap());
    let store = hallq_hq::bus::key_value(&js, "config", 5).await.unwrap();
    let mut watch = store.watch("hall.>").await.unwrap();
    let r1 = store.put("hall.gz-01", "rev-a".into()).await.unwrap();
    let r2 = store.put("hall.gz-01", "rev-b".into()).await.unwrap();
    assert!(r2 > r1);
    for (value, revision) in [("rev-a", r1), ("rev-b", r2)] {
        let e = tokio::time::timeout(Duration::from_secs(10), watch.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(
            (e.key.as_str(), &e.value[..], e.revision),
            ("hall.gz-01", value.as_bytes(), revision)
        );
    }
    let other = jetstream::new(cluster.connect().await.unwrap());
    let again = hallq_hq::bus::key_value(&other, "config", 5).await.unwrap();
    assert_eq!(
        &again.get("hall.gz-01").await.unwrap().unwrap()[..],
        b"rev-b"
    );
    let status = again.status().await.unwrap();
    assert_eq!(status.info.config.num_replicas, 3);
}

/// The packaged 2.9 server with its leader SIGKILLed while a hall publishes: every message
/// acked is in the stream exactly once (resends after a timeout carry the same Msg-Id), the
/// stream elects a new leader, and the killed node catches up once restarted.
#[tokio::test]
async fn acked_messages_survive_a_sigkill_of_the_stream_leader() {
    use futures_util::StreamExt;

    const N: usize = 300;
    let dir = tempfile::tempdir().unwrap();
    let mut cluster = NatsCluster::start(dir.path()).await.unwrap();
    let client = async_nats::ConnectOptions::new()
        .request_timeout(Some(Duration::from_secs(2)))
        .connect(cluster.urls())
        .await
        .unwrap();
    let js = jetstream::new(client);
    let mut stream = js
        .create_stream(stream::Config {
            name: "UPLINK".into(),
            subjects: vec!["uplink.>".into()],
            num_replicas: 3,
            storage: stream::StorageType::File,
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .unwrap();
    let leader = stream
        .info()
        .await
        .unwrap()
        .cluster
        .clone()
        .unwrap()
        .leader
        .unwrap();

    for i in 0..N {
        if i == N / 3 {
            cluster.kill(&leader);
        }
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", format!("m-{i}").as_str());
        // Bounded: a new leader is elected within seconds.
        let mut acked = false;
        for _ in 0..100 {
            let sent = js
                .publish_with_headers("uplink.gz-01", headers.clone(), i.to_string().into())
                .await;
            if let Ok(ack) = sent
                && ack.await.is_ok()
            {
                acked = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(acked, "message {i} never acked");
    }

    // JetStream requests right after a failover may time out on a loaded machine: bounded
    // retries (what the hub's uplink does too).
    let mut info = None;
    for _ in 0..10 {
        if let Ok(i) = stream.info().await {
            info = Some(i.clone());
            break;
        }
    }
    let info = info.expect("stream info after the failover");
    let new_leader = info.cluster.clone().unwrap().leader.unwrap();
    assert_ne!(new_leader, leader, "a new leader was elected");
    assert_eq!(info.state.messages, N as u64, "each acked message once");

    // Every message, once, in order, read back through an ordered consumer.
    let mut consumer = None;
    for _ in 0..10 {
        if let Ok(c) = stream
            .create_consumer(jetstream::consumer::pull::OrderedConfig::default())
            .await
        {
            consumer = Some(c);
            break;
        }
    }
    let consumer = consumer.expect("an ordered consumer after the failover");
    let mut messages = consumer.messages().await.unwrap();
    for i in 0..N {
        let m = tokio::time::timeout(Duration::from_secs(10), messages.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        assert_eq!(
            String::from_utf8(m.payload.to_vec()).unwrap(),
            i.to_string()
        );
    }

    cluster.restart(&leader).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let cl = stream.info().await.ok().and_then(|i| i.cluster.clone());
        let back = cl
            .as_ref()
            .and_then(|cl| cl.replicas.iter().find(|p| p.name == leader));
        if back.is_some_and(|p| p.current && !p.offline) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{leader} did not catch up: {cl:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
