//! The supervisor console's device panel over a real broker and the real hub: the console's
//! client reads every device's presence (both brokers let a supervisor's login do so), and when a
//! kiosk goes away without a word, its will reaches the console's view model, which shows it
//! offline. Over the embedded broker and over Eclipse Mosquitto.

#![allow(clippy::unwrap_used, reason = "tests: a panic is a failed test")]

use std::time::Duration;

use hallq_client::{DeviceClient, Update};
use hallq_counter::floor::Supervisor;
use hallq_proto::DeviceId;
use hallq_tests::{BrokerKind, Hall, mosquitto_available, wait_hub_online};

/// Feeds `console` from `client` (what it has kept, then what arrives) until `done` holds.
async fn feed_until(
    console: &mut Supervisor,
    client: &DeviceClient,
    updates: &mut tokio::sync::broadcast::Receiver<Update>,
    what: &str,
    done: impl Fn(&Supervisor) -> bool,
) {
    let wait = async {
        while !done(console) {
            match updates.recv().await {
                Ok(u) => console.feed(u),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    for u in client.latest().into_updates() {
                        console.feed(u);
                    }
                }
                Err(e) => panic!("the console's client stopped: {e}"),
            }
        }
    };
    if tokio::time::timeout(Duration::from_secs(30), wait)
        .await
        .is_err()
    {
        panic!("{what}: the console shows {:?}", console.devices());
    }
}

fn status(console: &Supervisor, id: &str) -> Option<bool> {
    let id = DeviceId::new(id).unwrap();
    console
        .devices()
        .into_iter()
        .find(|(d, _)| *d == id)
        .map(|(_, up)| up)
}

async fn a_device_gone_shows_offline_on_the_console(kind: BrokerKind) {
    let hall = Hall::new(kind);
    let _hub = hall.start_hub();
    let (kiosk, kiosk_task) = hall.device("kiosk-1").await;
    let (counter, _counter_task) = hall.device("counter-1").await;

    // The console as `hallq-counter --supervisor` runs it.
    let mut config = hall.client_config("supervisor-1");
    Supervisor::watch(&mut config);
    let (client, _task) = DeviceClient::connect(&config);
    let mut updates = client.updates();
    wait_hub_online(&client).await;
    let mut console = Supervisor::default();
    for u in client.latest().into_updates() {
        console.feed(u);
    }
    feed_until(
        &mut console,
        &client,
        &mut updates,
        "kiosk-1 and counter-1 online",
        |c| status(c, "kiosk-1") == Some(true) && status(c, "counter-1") == Some(true),
    )
    .await;

    // The kiosk's power goes: no DISCONNECT, so the broker publishes its will once it sees the
    // connection gone.
    kiosk_task.abort();
    drop(kiosk);
    feed_until(
        &mut console,
        &client,
        &mut updates,
        "kiosk-1 offline by its will",
        |c| status(c, "kiosk-1") == Some(false),
    )
    .await;
    assert_eq!(
        status(&console, "counter-1"),
        Some(true),
        "the others stay online"
    );
    let listed = console.devices();
    assert_eq!(
        listed.first().map(|(d, up)| (d.as_str().to_owned(), *up)),
        Some(("kiosk-1".to_owned(), false)),
        "the device that is down is listed before those online: {listed:?}"
    );
    drop(counter);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_gone_shows_offline_on_the_console_embedded() {
    a_device_gone_shows_offline_on_the_console(BrokerKind::Embedded).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_gone_shows_offline_on_the_console_mosquitto() {
    if mosquitto_available() {
        a_device_gone_shows_offline_on_the_console(BrokerKind::Mosquitto).await;
    }
}
