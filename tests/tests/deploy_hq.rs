//! deploy/'s headquarters files as an operator installs them (deploy/README.md,
//! "Headquarters"): the NATS node's configuration passes nats-server's own check once its
//! environment is set (and names what is missing otherwise), and hq.example.toml is a valid
//! hq.toml; and a cluster run under the configuration's users keeps each hall to its own subjects.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::path::Path;
use std::process::Command;
use std::time::Duration;

fn repo() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

#[test]
fn the_nats_node_configuration_is_valid_with_its_environment_and_names_what_is_missing() {
    let binary = hallq_hq::NatsCluster::binary().unwrap();
    let conf = repo().join("deploy/nats/hallq-hq.conf");
    let check = |env: &[(&str, &str)]| {
        let mut cmd = Command::new(&binary);
        cmd.arg("-c").arg(&conf).arg("-t");
        for var in ["NATS_NODE", "HQ_NATS_PASSWORD", "HALL_GZ_TIANHE_PASSWORD"] {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied());
        let out = cmd.output().unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), said)
    };
    let (ok, said) = check(&[
        ("NATS_NODE", "n1"),
        ("HQ_NATS_PASSWORD", "hq-secret"),
        ("HALL_GZ_TIANHE_PASSWORD", "hall-secret"),
    ]);
    assert!(ok, "{said}");
    assert!(said.contains("is valid"), "{said}");
    let (ok, said) = check(&[("NATS_NODE", "n1"), ("HALL_GZ_TIANHE_PASSWORD", "x")]);
    assert!(!ok, "a missing password must be refused: {said}");
    assert!(said.contains("HQ_NATS_PASSWORD"), "{said}");
}

#[test]
fn hq_example_toml_is_a_valid_hq_toml_and_the_unit_runs_hq_serve_with_it() {
    let cfg = hallq_hq::serve::HqConfig::load(&repo().join("deploy/hq.example.toml")).unwrap();
    assert_eq!(cfg.nats.servers.len(), 3, "the three nodes");
    let unit = std::fs::read_to_string(repo().join("deploy/hallq-hq.service")).unwrap();
    assert!(
        unit.contains("ExecStart=/usr/local/bin/hallq hq serve --config /etc/hallq/hq.toml"),
        "{unit}"
    );
    // The unit's command line is one `hallq` accepts (its arguments, not its run).
    let out = Command::new(hallq_tests::hallq_bin())
        .args(["hq", "serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--config") && help.contains("--role"),
        "{help}"
    );
}

/// Whether `s` hears a message within two seconds.
async fn heard(s: &mut async_nats::Subscriber) -> bool {
    use futures_util::StreamExt as _;
    tokio::time::timeout(Duration::from_secs(2), s.next())
        .await
        .ok()
        .flatten()
        .is_some()
}

/// deploy/nats/hallq-hq.conf's `authorization` block as written, its passwords filled in.
fn deploy_authorization(hq: &str, hall: &str) -> String {
    let conf = std::fs::read_to_string(repo().join("deploy/nats/hallq-hq.conf")).unwrap();
    let start = conf
        .find("authorization {")
        .expect("an authorization block");
    let mut depth = 0;
    let mut end = start;
    for (i, c) in conf[start..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = start + i + 1;
                    break;
                }
            }
            _ => {}
        }
    }
    conf[start..end]
        .replace("$HQ_NATS_PASSWORD", &format!("{hq:?}"))
        .replace("$HALL_GZ_TIANHE_PASSWORD", &format!("{hall:?}"))
}

/// The cluster run under deploy/'s users and permissions (real nats-server nodes): hall
/// gz-tianhe (region gd-gz) uploads a batch, asks its mark, publishes its status and reads its
/// three configuration keys as its hub does; it cannot publish a batch as another hall nor read
/// another hall's configuration key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hall_under_deploy_s_nats_permissions_uses_its_own_subjects_and_no_other_hall_s() {
    use async_nats::jetstream;
    use futures_util::StreamExt;

    let dir = tempfile::tempdir().unwrap();
    let auth = deploy_authorization("hq-secret", "hall-secret");
    let cluster = hallq_hq::NatsCluster::start_with(
        &dir.path().join("nats"),
        &auth,
        Some(("hq", "hq-secret")),
    )
    .await
    .unwrap();
    // HQ's side, as HQ's user: the uplink stream, the configuration bucket with documents for
    // this hall's scopes and for another hall, and a mark responder for the test.
    let hq = cluster.connect().await.unwrap();
    let hq_js = jetstream::new(hq.clone());
    let mut uplink = hallq_hq::ingest::stream(&hq_js).await.unwrap();
    let kv = hallq_hq::bus::key_value(&hq_js, hallq_hq::wire::CONFIG_BUCKET, 16)
        .await
        .unwrap();
    for key in ["chain", "region.gd-gz", "hall.gz-tianhe", "hall.sz-futian"] {
        kv.put(
            key,
            format!("{{\"kpi\": {{\"wait_target_min\": 10}}, \"for\": \"{key}\"}}").into(),
        )
        .await
        .unwrap();
    }
    let mut marks = hq.subscribe("hallq.mark.*").await.unwrap();
    let answer = hq.clone();
    tokio::spawn(async move {
        while let Some(m) = marks.next().await {
            if let Some(reply) = m.reply {
                let _ = answer
                    .publish(reply, format!("mark for {}", m.subject).into())
                    .await;
            }
        }
    });
    hq.flush().await.unwrap();

    // The hall, logged in as its hub is (user = hall id, answers on its own inboxes).
    let hall = cluster
        .connect_as_hall("gz-tianhe", "hall-secret")
        .await
        .unwrap();
    let js = jetstream::new(hall.clone());
    js.publish(
        hallq_hq::wire::subject("gz-tianhe").unwrap(),
        "its batch".into(),
    )
    .await
    .unwrap()
    .await
    .expect("its own batch is acknowledged");
    let mark = hall
        .request(
            hallq_hq::wire::mark_subject("gz-tianhe").unwrap(),
            "{}".into(),
        )
        .await
        .expect("its mark is answered");
    assert_eq!(&mark.payload[..], b"mark for hallq.mark.gz-tianhe");
    hall.publish(
        hallq_hq::wire::status_subject("gz-tianhe").unwrap(),
        "{}".into(),
    )
    .await
    .unwrap();
    let config = js
        .get_key_value(hallq_hq::wire::CONFIG_BUCKET)
        .await
        .expect("its configuration bucket opens");
    for key in ["chain", "region.gd-gz", "hall.gz-tianhe"] {
        let doc = config
            .get(key)
            .await
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        let doc = String::from_utf8(doc.expect(key).to_vec()).unwrap();
        assert!(doc.contains(key), "{doc}");
    }

    // Another hall's: refused by the server.
    let other = js
        .publish(
            hallq_hq::wire::subject("sz-futian").unwrap(),
            "a forged batch".into(),
        )
        .await;
    let acked = match other {
        Ok(ack) => ack.await.is_ok(),
        Err(_) => false,
    };
    assert!(!acked, "a batch published as another hall was acknowledged");
    let read = config.get("hall.sz-futian").await;
    assert!(
        !matches!(read, Ok(Some(_))),
        "another hall's configuration key was read: {read:?}"
    );
    // Its answers come only to its own inboxes: a client of the hall on the shared `_INBOX`
    // prefix gets none (the server refuses it the subscription), and the hall cannot listen on
    // another hall's inboxes, where HQ's answers to that hall go.
    let shared = async_nats::ConnectOptions::with_user_and_password(
        "gz-tianhe".into(),
        "hall-secret".into(),
    )
    .connect(cluster.urls())
    .await
    .unwrap();
    let asked = tokio::time::timeout(
        Duration::from_secs(3),
        shared.request(
            hallq_hq::wire::mark_subject("gz-tianhe").unwrap(),
            "{}".into(),
        ),
    )
    .await;
    assert!(
        !matches!(asked, Ok(Ok(_))),
        "an answer reached the shared _INBOX: {asked:?}"
    );
    let own = hallq_hq::wire::inbox_prefix("gz-tianhe").unwrap();
    let theirs = hallq_hq::wire::inbox_prefix("sz-futian").unwrap();
    let mut own_inbox = hall.subscribe(format!("{own}.x")).await.unwrap();
    let mut their_inbox = hall.subscribe(format!("{theirs}.>")).await.unwrap();
    hall.flush().await.unwrap();
    // Interest crosses the cluster's routes a moment after the subscription: HQ answers on
    // both for three seconds.
    for _ in 0..30 {
        for inbox in [&own, &theirs] {
            hq.publish(format!("{inbox}.x"), "an answer".into())
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    hq.flush().await.unwrap();
    assert!(heard(&mut own_inbox).await, "its own inbox heard nothing");
    assert!(
        !heard(&mut their_inbox).await,
        "the hall read an answer on another hall's inbox"
    );

    // Only the hall's own batch reached the stream.
    let info = uplink.info().await.unwrap();
    assert_eq!(info.state.messages, 1, "{:?}", info.state);
}

/// The ticket pages at HQ under deploy/'s permissions (real nats-server nodes): hall
/// gz-tianhe sends its pages' board on its own subject and answers HQ's page requests on its
/// own `hallq.pagedown` subject; it cannot send another hall's board, hear another hall's
/// requests, nor publish on a subject that is not a reply to a request it received.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hall_under_deploy_s_nats_permissions_sends_its_pages_and_answers_only_its_requests() {
    use futures_util::StreamExt;

    let dir = tempfile::tempdir().unwrap();
    let auth = deploy_authorization("hq-secret", "hall-secret");
    let cluster = hallq_hq::NatsCluster::start_with(
        &dir.path().join("nats"),
        &auth,
        Some(("hq", "hq-secret")),
    )
    .await
    .unwrap();
    let hq = cluster.connect().await.unwrap();
    let mut boards = hq.subscribe(hallq_hq::wire::PAGES_SUBJECTS).await.unwrap();
    let mut elsewhere = hq.subscribe("hallq.pagesx.>").await.unwrap();
    let mut hq_inboxes = hq.subscribe("_INBOX.>").await.unwrap();
    hq.flush().await.unwrap();

    let hall = cluster
        .connect_as_hall("gz-tianhe", "hall-secret")
        .await
        .unwrap();
    let mut own_requests = hall
        .subscribe(hallq_hq::wire::page_down_subject("gz-tianhe").unwrap())
        .await
        .unwrap();
    let mut their_requests = hall
        .subscribe(hallq_hq::wire::page_down_subject("sz-futian").unwrap())
        .await
        .unwrap();
    hall.flush().await.unwrap();
    // Interest crosses the cluster's routes a moment after the subscription: the hall sends
    // its boards (its own and a forged one) for three seconds.
    for _ in 0..30 {
        for h in ["gz-tianhe", "sz-futian"] {
            hall.publish(hallq_hq::wire::pages_subject(h).unwrap(), h.into())
                .await
                .unwrap();
        }
        // Not a reply to any request: refused.
        hall.publish("_INBOX.hq.x", "unasked".into()).await.unwrap();
        hall.publish("hallq.pagesx.gz-tianhe", "elsewhere".into())
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    hall.flush().await.unwrap();
    let mut got = Vec::new();
    while let Ok(Some(m)) = tokio::time::timeout(Duration::from_secs(1), boards.next()).await {
        got.push(m.subject.to_string());
    }
    assert!(
        got.iter().any(|s| s == "hallq.pages.gz-tianhe"),
        "its own board did not reach HQ: {got:?}"
    );
    assert!(
        got.iter().all(|s| s == "hallq.pages.gz-tianhe"),
        "a board as another hall reached HQ: {got:?}"
    );
    assert!(!heard(&mut elsewhere).await, "the hall published elsewhere");
    assert!(
        !heard(&mut hq_inboxes).await,
        "the hall published on an inbox no request of HQ's named"
    );

    // HQ's page request to the hall, answered once through allow_responses.
    let answer = hall.clone();
    tokio::spawn(async move {
        while let Some(m) = own_requests.next().await {
            if let Some(reply) = m.reply {
                let _ = answer.publish(reply, "recorded".into()).await;
            }
        }
    });
    hall.flush().await.unwrap();
    let mut answered = None;
    for _ in 0..30 {
        let asked = tokio::time::timeout(
            Duration::from_secs(1),
            hq.request(
                hallq_hq::wire::page_down_subject("gz-tianhe").unwrap(),
                "rate".into(),
            ),
        )
        .await;
        if let Ok(Ok(m)) = asked {
            answered = Some(m);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answered = answered.expect("HQ's page request was never answered");
    assert_eq!(&answered.payload[..], b"recorded");
    // Another hall's requests never reach it.
    for _ in 0..10 {
        hq.publish(
            hallq_hq::wire::page_down_subject("sz-futian").unwrap(),
            "rate".into(),
        )
        .await
        .unwrap();
    }
    hq.flush().await.unwrap();
    assert!(
        !heard(&mut their_requests).await,
        "the hall heard another hall's page requests"
    );
}

/// A real `hallq hub` whose `[uplink]` logs in as its hall under deploy/'s permissions (the
/// example hall's entry, given this test hall's id): its batches are acknowledged by JetStream
/// and its mark is answered, both on its own inboxes — the hub's retained status shows the
/// acknowledgement and nothing behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_under_deploy_s_nats_permissions_uploads_and_hears_its_answers() {
    use async_nats::jetstream;
    use futures_util::StreamExt;
    use hallq_tests::{BrokerKind, Hall, ticket};

    let dir = tempfile::tempdir().unwrap();
    let auth = deploy_authorization("hq-secret", "hall-secret").replace("gz-tianhe", "testhall");
    let cluster = hallq_hq::NatsCluster::start_with(
        &dir.path().join("nats"),
        &auth,
        Some(("hq", "hq-secret")),
    )
    .await
    .unwrap();
    let hq = cluster.connect().await.unwrap();
    let hq_js = jetstream::new(hq.clone());
    let mut uplink = hallq_hq::ingest::stream(&hq_js).await.unwrap();
    hallq_hq::bus::key_value(&hq_js, hallq_hq::wire::CONFIG_BUCKET, 16)
        .await
        .unwrap();
    // HQ's mark: nothing stored yet.
    let mut marks = hq.subscribe("hallq.mark.*").await.unwrap();
    let answer = hq.clone();
    tokio::spawn(async move {
        while let Some(m) = marks.next().await {
            if let Some(reply) = m.reply {
                let _ = answer.publish(reply, "{\"seq\": 0}".into()).await;
            }
        }
    });
    hq.flush().await.unwrap();

    let servers: Vec<String> = cluster.urls();
    let hall = Hall::with_sections(
        BrokerKind::Embedded,
        &format!(
            "[uplink]\nservers = {servers:?}\nuser = \"testhall\"\nregion = \"gd-gz\"\n\
             interval_ms = 100\nstatus_interval_s = 1\n\n"
        ),
    );
    let _hub = hall.start_hub_env(&[], &[("HALLQ_UPLINK_PASSWORD", "hall-secret")]);
    let (kiosk, _k) = hall.device("kiosk-1").await;
    kiosk.send(ticket("basic")).await.unwrap();
    // The hub uploads every 100 ms; a minute is room for a loaded machine.
    let mut caught_up = None;
    for _ in 0..600 {
        caught_up = kiosk
            .latest()
            .hub
            .and_then(|h| h.uplink)
            .filter(|u| u.connected && u.last_ack_ms.is_some() && u.behind == 0);
        if caught_up.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let state = caught_up.unwrap_or_else(|| {
        panic!(
            "the hub's uploads were never acknowledged: {:?}\n{}",
            kiosk.latest().hub,
            hall.hub_log()
        )
    });
    assert!(state.last_ack_ms.is_some(), "{state:?}");
    let info = uplink.info().await.unwrap();
    assert!(info.state.messages >= 1, "{:?}", info.state);
    assert!(
        !hall.hub_log().contains("Permissions Violation"),
        "{}",
        hall.hub_log()
    );
}

/// HQ as a hall's booking master under deploy/'s permissions (real nats-server nodes): hall
/// gz-tianhe makes its durable consumer on its own subject of `HALLQ_BOOKINGS` as its hub does
/// (`hallq-hub`'s `uplink::bookings`: durable `booking-<hall>`, filtered on
/// `hallq.booking.<hall>`, explicit acks), reads its booking and acknowledges it; a consumer
/// filtered on another hall's subject, another hall's consumer and its messages are refused by
/// the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hall_under_deploy_s_nats_permissions_reads_its_own_bookings_and_no_other_hall_s() {
    use async_nats::jetstream::{self, consumer};
    use futures_util::StreamExt;
    use hallq_hq::wire;

    let dir = tempfile::tempdir().unwrap();
    let auth = deploy_authorization("hq-secret", "hall-secret");
    let cluster = hallq_hq::NatsCluster::start_with(
        &dir.path().join("nats"),
        &auth,
        Some(("hq", "hq-secret")),
    )
    .await
    .unwrap();
    // HQ's side: the stream, one booking for each of two halls, and the other hall's consumer.
    let hq = cluster.connect().await.unwrap();
    let hq_js = jetstream::new(hq.clone());
    let hq_stream = hallq_hq::booking::publish::stream(&hq_js).await.unwrap();
    for hall in ["gz-tianhe", "sz-futian"] {
        hq_js
            .publish(
                wire::booking_subject(hall).unwrap(),
                format!("a booking of {hall}").into(),
            )
            .await
            .unwrap()
            .await
            .unwrap();
    }
    let config = |hall: &str| consumer::pull::Config {
        durable_name: Some(wire::booking_consumer(hall).unwrap()),
        filter_subject: wire::booking_subject(hall).unwrap(),
        ack_policy: consumer::AckPolicy::Explicit,
        ..Default::default()
    };
    let theirs = wire::booking_consumer("sz-futian").unwrap();
    hq_stream
        .get_or_create_consumer(&theirs, config("sz-futian"))
        .await
        .unwrap();

    let hall = cluster
        .connect_as_hall("gz-tianhe", "hall-secret")
        .await
        .unwrap();
    let js = jetstream::new(hall.clone());
    let stream = js
        .get_stream(wire::BOOKINGS_STREAM)
        .await
        .expect("the bookings stream's info");
    let name = wire::booking_consumer("gz-tianhe").unwrap();
    let refused = |what: &str, allowed: bool| {
        assert!(!allowed, "{what} was allowed under deploy's permissions");
    };
    // Its own consumer's name on another hall's subject.
    let forged = consumer::pull::Config {
        filter_subject: wire::booking_subject("sz-futian").unwrap(),
        ..config("gz-tianhe")
    };
    let wait = Duration::from_secs(5);
    refused(
        "a consumer on another hall's bookings",
        tokio::time::timeout(wait, stream.create_consumer(forged))
            .await
            .is_ok_and(|r| r.is_ok()),
    );
    // Another hall's consumer, made or read.
    refused(
        "making another hall's consumer",
        tokio::time::timeout(
            wait,
            stream.create_consumer(consumer::pull::Config {
                durable_name: Some(wire::booking_consumer("sz-futian").unwrap()),
                ..config("sz-futian")
            }),
        )
        .await
        .is_ok_and(|r| r.is_ok()),
    );
    refused(
        "reading another hall's consumer",
        tokio::time::timeout(wait, stream.get_consumer::<consumer::pull::Config>(&theirs))
            .await
            .is_ok_and(|r| r.is_ok()),
    );

    // Its own: made, read, acknowledged.
    let own: consumer::PullConsumer = stream
        .get_or_create_consumer(&name, config("gz-tianhe"))
        .await
        .expect("its own consumer");
    let mut batch = own
        .fetch()
        .max_messages(10)
        .expires(Duration::from_secs(2))
        .messages()
        .await
        .unwrap();
    let mut got = Vec::new();
    while let Some(m) = batch.next().await {
        let m = m.unwrap();
        got.push(String::from_utf8(m.payload.to_vec()).unwrap());
        m.double_ack().await.expect("its acknowledgement is taken");
    }
    assert_eq!(got, ["a booking of gz-tianhe"]);
    let info = hq_stream.consumer_info(&name).await.unwrap();
    assert_eq!(info.ack_floor.consumer_sequence, 1, "{info:?}");
    assert_eq!(info.num_ack_pending, 0, "{info:?}");
    assert_eq!(info.num_pending, 0, "{info:?}");
    // The other hall's booking is still waiting for its own hall.
    let info = hq_stream.consumer_info(&theirs).await.unwrap();
    assert_eq!(info.num_pending, 1, "{info:?}");
}

/// Each hall's booking key under deploy/'s permissions (real nats-server nodes): HQ puts the
/// keys of two halls it sells for (`hallq_hq::booking::keys_down`, as `hallq hq serve` does);
/// hall gz-tianhe reads its own, as its hub does (a direct get, and woken by a put on its
/// subject), and it is the key HQ hashes that hall's customers under; the other hall's key is
/// refused by the server, read or heard.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hall_under_deploy_s_nats_permissions_reads_its_own_booking_key_and_no_other_hall_s() {
    use async_nats::jetstream;
    use hallq_hq::wire;

    let dir = tempfile::tempdir().unwrap();
    let auth = deploy_authorization("hq-secret", "hall-secret");
    let cluster = hallq_hq::NatsCluster::start_with(
        &dir.path().join("nats"),
        &auth,
        Some(("hq", "hq-secret")),
    )
    .await
    .unwrap();
    let hq = cluster.connect().await.unwrap();
    let hq_js = jetstream::new(hq.clone());
    let keys = hallq_hq::booking::Keys::from_bytes(&[9; 32]);
    let halls = ["gz-tianhe".to_owned(), "sz-futian".to_owned()];
    let put = hallq_hq::booking::keys_down::put_keys(&hq_js, &keys, &halls)
        .await
        .unwrap();
    assert_eq!(put, 2);
    // Put again: the keys are in place, nothing is put.
    let put = hallq_hq::booking::keys_down::put_keys(&hq_js, &keys, &halls)
        .await
        .unwrap();
    assert_eq!(put, 0);

    let hall = cluster
        .connect_as_hall("gz-tianhe", "hall-secret")
        .await
        .unwrap();
    let js = jetstream::new(hall.clone());
    let config = js
        .get_key_value(wire::CONFIG_BUCKET)
        .await
        .expect("its configuration bucket opens");
    let own = config
        .get(wire::booking_key_key("gz-tianhe"))
        .await
        .expect("its own booking key is read")
        .expect("its own booking key is there");
    let own: wire::HallBookingKey = serde_json::from_slice(&own).unwrap();
    assert_eq!(own.hall, "gz-tianhe");
    assert_eq!(own.bytes(), Some(keys.hall_key("gz-tianhe")));
    let read = config.get(wire::booking_key_key("sz-futian")).await;
    assert!(
        !matches!(read, Ok(Some(_))),
        "another hall's booking key was read: {read:?}"
    );
    // Woken by a put of its own key, never by another hall's.
    let mut own_wake = hall
        .subscribe(wire::booking_key_subject("gz-tianhe"))
        .await
        .unwrap();
    let mut their_wake = hall
        .subscribe(wire::booking_key_subject("sz-futian"))
        .await
        .unwrap();
    hall.flush().await.unwrap();
    let kv = hallq_hq::bus::key_value(&hq_js, wire::CONFIG_BUCKET, 16)
        .await
        .unwrap();
    // Interest crosses the cluster's routes a moment after the subscription: HQ puts a few times.
    for _ in 0..10 {
        for hall in &halls {
            let value =
                serde_json::to_vec(&wire::HallBookingKey::new(hall, &keys.hall_key(hall))).unwrap();
            kv.put(wire::booking_key_key(hall), value.into())
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(heard(&mut own_wake).await, "its own key's put woke nothing");
    assert!(
        !heard(&mut their_wake).await,
        "the hall heard another hall's booking key"
    );
}
