//! `run`: the hub as one process. It starts the broker (embedded unless an external one is
//! configured), the writer thread, and the tasks around them, and stops them all cleanly.
//!
//! ```text
//!  MQTT event loop ──Input──▶ writer thread (engine + journal) ──Output──▶ publisher task
//!  (cmd/+, presence/+)         batches, one commit each                    replies, acks, state
//!  ticker (1 s) ──Tick──▶
//! ```

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hallq_proto::state::Liveness;
use hallq_proto::topic::{self, Topic, Topics};
use rumqttc::{AsyncClient, Event, LastWill, MqttOptions, NetworkOptions, Packet, Publish, QoS};
use tokio::sync::mpsc;

use crate::broker::{self, Broker, BrokerConfig, BrokerTls, BrokerUser};
use crate::clock::Clock;
use crate::config::{HallConfig, parse_broker_url};
use crate::datadir::DataDirLock;
use crate::metrics::{self, Metrics};
use crate::publish::StatePublisher;
use crate::secret::{self, Strength};
use crate::writer::{Delivery, Input, Output, Writer, WriterError};

/// The largest packet the hub takes from the broker: more than any broker of the hall accepts
/// from a device, so that no device can publish what the hub cannot read (see [`run`]).
const INCOMING_PACKET_LIMIT: usize = 2 * 1024 * 1024;

/// Why the hub stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// The embedded broker could not start.
    #[error("broker: {0}")]
    Broker(#[from] broker::BrokerError),
    /// The journal could not be opened or replayed.
    #[error("{0}")]
    Writer(#[from] WriterError),
    /// The configuration cannot run.
    #[error("configuration: {0}")]
    Config(String),
    /// Something at the edge (a socket, a thread) failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The data directory is another hub's, or cannot be used.
    #[error("{0}")]
    DataDir(#[from] crate::datadir::DataDirError),
    /// The hub stopped serving: its journal can no longer keep what it acknowledges.
    #[error("the hub stopped serving: {0} / 中枢已停止服务")]
    Stopped(String),
}

/// The exit code of a hub whose journal cannot keep what it acknowledges (sysexits'
/// `EX_IOERR`): it stopped serving, or refused to start on a journal file it cannot write.
/// A service manager can tell it from a crash and not restart in a loop.
pub const STORAGE_EXIT: u8 = 74;

impl HubError {
    /// The process's exit code for this error: [`STORAGE_EXIT`] for the journal's storage,
    /// `None` for the ordinary failure.
    pub fn exit_code(&self) -> Option<u8> {
        match self {
            Self::Stopped(_)
            | Self::Writer(WriterError::DataDir(crate::datadir::DataDirError::Unwritable(_))) => {
                Some(STORAGE_EXIT)
            }
            _ => None,
        }
    }
}

/// How the hub is run: its clock, and who to tell when it is ready.
#[derive(Debug)]
pub struct RunOptions {
    /// The hub's clock: the wall clock, or a scaled one in test mode.
    pub clock: Arc<dyn Clock>,
    /// Told the broker's address once the hub serves.
    pub ready: Option<tokio::sync::oneshot::Sender<std::net::SocketAddr>>,
    /// How often time-outs are checked, in real time: a second on the wall clock, less under a
    /// scaled clock so that a simulated minute still sees its time-outs.
    pub tick: Duration,
    /// hall.toml read again (on SIGHUP): its devices, staff and green-channel codes are taken
    /// while running ([`crate::reload`]). `None`: the configuration of the start holds.
    pub reloads: Option<mpsc::Receiver<HallConfig>>,
}

impl RunOptions {
    /// The wall clock, ticking every second.
    pub fn wall_clock() -> Self {
        Self {
            clock: Arc::new(crate::clock::SystemClock),
            ready: None,
            tick: Duration::from_secs(1),
            reloads: None,
        }
    }
}

/// Runs the hub until `shutdown` completes.
pub async fn run(
    config: HallConfig,
    options: RunOptions,
    shutdown: impl Future<Output = ()>,
) -> Result<(), HubError> {
    let mut config = config;
    if config.profiles.is_none() {
        // What each device may send comes from its firmware profile: read them before serving.
        config
            .load_profiles()
            .map_err(|e| HubError::Config(e.to_string()))?;
        config
            .check_profiles()
            .map_err(|e| HubError::Config(e.to_string()))?;
    }
    warn_of_chosen_secrets(&config);
    // One hub per data directory, before anything listens or writes: a second hub would write
    // the same journal and issue the same ticket ids. Held until this function returns.
    let _data_dir = {
        use crate::clock::Clock as _;
        DataDirLock::acquire(&config.hub.data_dir, crate::clock::SystemClock.now())?
    };
    warn_of_sign_in(&config);
    let config = Arc::new(config);
    let hub_secret = match &config.broker.hub_secret {
        Some(s) => s.0.clone(),
        None if config.broker.external.is_some() => {
            return Err(HubError::Config(
                "an external broker needs the hub's password: set HALLQ_HUB_SECRET / 外部代理需要中枢密码".into(),
            ));
        }
        // The embedded broker's only other user is us: a fresh secret per start will do.
        None => secret::random(),
    };
    let (host, port, broker) = match &config.broker.external {
        Some(url) => {
            let (host, port) = parse_broker_url(url).map_err(HubError::Config)?;
            (host, port, None)
        }
        None => {
            let b = start_broker(&config, &hub_secret).await?;
            // Straight to rmqtt, not through the gate that guards the hall's port.
            let port = b.hub_port();
            ("127.0.0.1".to_string(), port, Some(b))
        }
    };
    let metrics = Arc::new(Metrics::new(config.uplink.is_some()));
    // "Your turn is near": the channel, and the sender's queue the writer hands notices to.
    let notify = if config.notify.enabled {
        let channel = config.notify.channel().map_err(HubError::Config)?;
        let (tx, rx) = mpsc::unbounded_channel();
        Some((channel, tx, rx))
    } else {
        None
    };
    let notify_to = notify
        .as_ref()
        .map(|(channel, tx, _)| (tx.clone(), channel.kind()));
    // A resolved complaint's written result, on the same SMS channel (crate::complaint_sms).
    let results = if config.notify.enabled {
        let sms = Arc::new(config.notify.sms_channel().map_err(HubError::Config)?);
        let (tx, rx) = mpsc::unbounded_channel();
        Some((sms, tx, rx))
    } else {
        None
    };
    let results_to = results.as_ref().map(|(sms, tx, _)| {
        use hallq_notify::NoticeChannel as _;
        (tx.clone(), sms.kind(), config.notify.retry.attempts)
    });
    let mut writer = {
        let (config, clock, metrics) = (
            Arc::clone(&config),
            Arc::clone(&options.clock),
            Arc::clone(&metrics),
        );
        tokio::task::spawn_blocking(move || {
            let mut w = Writer::open(config, clock, metrics)?;
            if let Some((tx, kind)) = notify_to {
                w.set_notifier(crate::notify::Notifier::new(tx, kind))?;
            }
            if let Some((tx, kind, attempts)) = results_to {
                w.set_result_sms(tx, kind, attempts)?;
            }
            Ok::<_, WriterError>(w)
        })
        .await
        .map_err(|e| HubError::Io(std::io::Error::other(e)))??
    };

    // The uplink's view of the writer: a `watch` the writer sets after each batch and never
    // waits on.
    let floor = config.uplink.is_some().then(|| {
        let (tx, rx) = tokio::sync::watch::channel(crate::uplink::Floor::default());
        writer.set_floor(tx);
        rx
    });

    // The live ticket page (`[phone]`): the writer keeps its board and gives tickets its URL.
    let phone = if config.phone.enabled {
        let link = crate::phone::PhoneLink::open(&config)
            .map_err(|e| HubError::Config(format!("[phone]: {e}")))?;
        let parts = (link.subscribe(), link.key());
        writer.set_phone(link);
        Some(parts)
    } else {
        None
    };
    let booking_view = writer.booking_view();

    let topics = Topics::new(&config.hall.id);
    let will = StatePublisher::new(&config).hub_status(Liveness::Offline, None);
    let mut opts = MqttOptions::new(format!("hallq-hub-{}", config.hall.id), host, port);
    opts.set_keep_alive(Duration::from_secs(5));
    opts.set_credentials(config.broker.hub_user.clone(), hub_secret);
    // Acknowledge a command only after its journal commit: a crash before that makes the broker
    // deliver it again, and the dedupe store answers it once.
    opts.set_manual_acks(true);
    // A persistent session: commands sent while the hub restarts wait for it in the broker.
    opts.set_clean_session(false);
    // Incoming: above anything a broker lets a device publish (rmqtt's listener takes packets up
    // to 1 MiB, Mosquitto's `message_size_limit` 64 KiB of payload). A bigger packet makes
    // rumqttc drop the connection, and the persistent session delivers the same message again
    // at every reconnect: one kiosk's oversized command would keep the hub off the broker for
    // good. Commands over `MAX_COMMAND_BYTES` are refused (`too_large`) and journaled by the
    // writer. Outgoing: the retained board and services, which grow with the hall's business
    // types and counters; 1 MiB is far above any hall's.
    opts.set_max_packet_size(INCOMING_PACKET_LIMIT, 1024 * 1024);
    opts.set_inflight(256);
    opts.set_last_will(LastWill::new(
        will.topic.clone(),
        will.payload.clone(),
        QoS::AtLeastOnce,
        true,
    ));
    let (client, mut eventloop) = AsyncClient::new(opts, 4096);
    let mut net = NetworkOptions::new();
    net.set_tcp_nodelay(true);
    eventloop.set_network_options(net);

    let (in_tx, in_rx) = mpsc::channel::<Input<Publish>>(8192);
    let (out_tx, mut out_rx) = mpsc::channel::<Output<Publish>>(256);
    let batch_max = config.hub.batch_max;
    // Why the writer stopped serving, if it did (its journal file gone).
    let (stopped_tx, mut stopped_rx) = tokio::sync::oneshot::channel::<String>();
    let writer_thread = std::thread::Builder::new()
        .name("hallq-writer".into())
        .spawn(move || writer_loop(writer, in_rx, out_tx, batch_max, stopped_tx))?;

    // The notice sender, beside the writer: it reports each attempt back as an input.
    if let Some((channel, _, jobs)) = notify {
        let writer_input = in_tx.downgrade();
        let report = move |r| {
            if let Some(tx) = writer_input.upgrade() {
                tokio::spawn(async move {
                    let _ = tx.send(Input::Notice(r)).await;
                });
            }
        };
        tokio::spawn(crate::notify::run_sender(
            jobs,
            channel,
            config.notify.retry,
            report,
        ));
    }
    if let Some((sms, _, jobs)) = results {
        let writer_input = in_tx.downgrade();
        let report = move |r| {
            if let Some(tx) = writer_input.upgrade() {
                tokio::spawn(async move {
                    let _ = tx.send(Input::ComplaintResult(r)).await;
                });
            }
        };
        tokio::spawn(crate::complaint_sms::run_sender(
            jobs,
            sms,
            config.notify.retry,
            report,
        ));
    }

    // The link to HQ, if hall.toml has one. It holds only a weak handle on the writer's input, so
    // the writer still stops when the hub's own handles drop.
    let (uplink_stop, uplink_stopped) = tokio::sync::watch::channel(false);
    let uplink = floor.map(|floor| {
        let writer_input = in_tx.downgrade();
        let report = move |state| {
            if let Some(tx) = writer_input.upgrade() {
                let _ = tx.try_send(Input::Uplink(state));
            }
        };
        let writer_input = in_tx.downgrade();
        let offer = move |offer| {
            if let Some(tx) = writer_input.upgrade() {
                let _ = tx.try_send(Input::Config(offer));
            }
        };
        // With `[booking]`, HQ's booking key for the hall (check-in by number of HQ's bookings).
        let writer_input = in_tx.downgrade();
        let booking_key = config.booking.as_ref().map(|_| {
            Arc::new(move |key| {
                if let Some(tx) = writer_input.upgrade() {
                    let _ = tx.try_send(Input::HqBookingKey(key));
                }
            }) as Arc<dyn Fn(hallq_wire::HallBookingKey) + Send + Sync>
        });
        // HQ's bookings come down to the writer where HQ sells them: with hall.toml's
        // `master = "hq"`, or once HQ's published document switches the hall, so the consumer
        // runs for every hall with `[booking]` (until HQ sells, it reads nothing).
        let at_hq = config.booking.is_some();
        let writer_input = in_tx.downgrade();
        let bookings: Option<crate::uplink::bookings::Hand> = at_hq.then(|| {
            let hand = move |from| match writer_input.upgrade() {
                Some(tx) => {
                    tokio::spawn(async move {
                        let _ = tx.send(Input::HqBooking(from)).await;
                    });
                    true
                }
                None => false,
            };
            Arc::new(hand) as crate::uplink::bookings::Hand
        });
        let task = crate::uplink::Uplink {
            config: Arc::clone(&config),
            clock: Arc::clone(&options.clock),
            floor,
            metrics: Arc::clone(&metrics),
            report: Box::new(report),
            offer: Arc::new(offer),
            booking_key,
            // With `[phone]` on, HQ serves the same pages from the board sent up.
            pages: phone.as_ref().map(|(board, key)| crate::uplink::Pages {
                board: board.clone(),
                key: Arc::clone(key),
                source: Arc::new(crate::phone::HubTickets::new(board.clone(), &in_tx)),
            }),
            bookings,
        };
        tokio::spawn(crate::uplink::run(task, uplink_stopped))
    });

    // Whether the hub's subscriptions are in place: it serves from then on.
    let (subscribed_tx, mut subscribed) = tokio::sync::watch::channel(false);
    // The route from the broker to the writer. Shutting down closes it while the event loop
    // keeps running, so that the writer's last replies, acknowledgements and the hub's offline
    // status still go out; a command arriving after that is not acknowledged, and the broker
    // delivers it again to the next start.
    let routing = Arc::new(std::sync::Mutex::new(Some(in_tx.clone())));
    let mut poll = {
        let (client, routing, topics) = (client.clone(), Arc::clone(&routing), topics.clone());
        tokio::spawn(async move {
            let mut connected_before = false;
            loop {
                match eventloop.poll().await {
                    Ok(Event::Incoming(Packet::ConnAck(_))) => {
                        tracing::info!("hub connected to the broker");
                        let filters = [topics.all_cmds(), topics.all_presence()]
                            .map(|f| rumqttc::SubscribeFilter::new(f, QoS::AtLeastOnce));
                        if let Err(e) = client.try_subscribe_many(filters) {
                            tracing::error!(error = %e, "subscribe failed");
                        }
                        // A reconnect: the broker may have restarted with the hub's will
                        // (`offline`) or, after a crash, with the retained state of its last
                        // save. The writer publishes the present again. (The first connect
                        // publishes the writer's initial output instead.)
                        if connected_before {
                            let in_tx = routing
                                .lock()
                                .unwrap_or_else(std::sync::PoisonError::into_inner)
                                .clone();
                            if let Some(in_tx) = in_tx {
                                let _ = in_tx.send(Input::Republish).await;
                            }
                        }
                        connected_before = true;
                    }
                    Ok(Event::Incoming(Packet::SubAck(_))) => {
                        subscribed_tx.send_replace(true);
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let in_tx = routing
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)
                            .clone();
                        if let Some(in_tx) = in_tx {
                            route(&client, &in_tx, p).await;
                        }
                    }
                    // Shutting down: the DISCONNECT, the last thing queued, is written.
                    Ok(Event::Outgoing(rumqttc::Outgoing::Disconnect)) => return,
                    Ok(_) => {}
                    // Shutting down, and the connection is closed: done.
                    Err(_) if routing.lock().is_ok_and(|r| r.is_none()) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, "hub lost the broker; reconnecting");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                }
            }
        })
    };
    let publisher = {
        let client = client.clone();
        tokio::spawn(async move {
            while let Some(out) = out_rx.recv().await {
                for m in out.publishes {
                    if let Err(e) = client
                        .publish(m.topic, QoS::AtLeastOnce, m.retain, m.payload)
                        .await
                    {
                        tracing::error!(error = %e, "publish failed");
                    }
                }
                for token in out.acks {
                    if let Err(e) = client.ack(&token).await {
                        tracing::error!(error = %e, "ack failed");
                    }
                }
            }
        })
    };
    let ticker = {
        let in_tx = in_tx.clone();
        let tick = options.tick.max(Duration::from_millis(5));
        tokio::spawn(async move {
            let mut every = tokio::time::interval(tick);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                every.tick().await;
                if in_tx.send(Input::Tick).await.is_err() {
                    return;
                }
            }
        })
    };
    let booking_task = match (booking_view, config.booking.as_ref().and_then(|b| b.listen)) {
        (Some((rules, view, at_hq)), Some(addr)) => {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            tracing::info!(addr = %listener.local_addr()?, "booking page listening at /book");
            let api = crate::booking::start(
                &config,
                rules,
                view,
                at_hq,
                Arc::clone(&options.clock),
                &in_tx,
            )
            .map_err(HubError::Config)?;
            Some(tokio::spawn(crate::booking::api::serve(listener, api)))
        }
        _ => None,
    };
    let metrics_task = match config.hub.metrics_listen {
        Some(addr) => {
            let listener = tokio::net::TcpListener::bind(addr).await?;
            tracing::info!(addr = %listener.local_addr()?, "metrics endpoint listening");
            Some(tokio::spawn(metrics::serve(listener, Arc::clone(&metrics))))
        }
        None => None,
    };
    let phone_task = match phone {
        Some((board, key)) => {
            let listener = tokio::net::TcpListener::bind(config.phone.listen).await?;
            tracing::info!(addr = %listener.local_addr()?, base = %config.phone.base(), "phone ticket page listening / 手机排队页已启动");
            let source = crate::phone::HubTickets::new(board, &in_tx);
            Some(tokio::spawn(crate::phone::serve(listener, source, key)))
        }
        None => None,
    };
    // Serving means subscribed: "ready" before that would let a test's (or the embedded
    // broker's devices') first commands go to no one.
    let mut shutdown = std::pin::pin!(shutdown);
    let mut stopped = None;
    let serving = tokio::select! {
        s = subscribed.wait_for(|s| *s) => s.is_ok(),
        () = &mut shutdown => false,
        why = &mut stopped_rx => {
            stopped = Some(why.unwrap_or_else(|_| "the writer thread ended".into()));
            false
        }
    };
    if serving {
        if let Some(b) = &broker {
            b.open_to_devices();
        }
        let port = broker.as_ref().map_or(port, Broker::port);
        if let Some(ready) = options.ready {
            let _ = ready.send(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
        }
        tracing::info!(hall = %config.hall.id, port, "hub serving");
        let mut running = Arc::clone(&config);
        let mut reloads = options.reloads;
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                why = &mut stopped_rx => {
                    stopped = Some(why.unwrap_or_else(|_| "the writer thread ended".into()));
                    break;
                }
                Some(file) = next_reload(&mut reloads) => {
                    if let Some(now) =
                        reload(&running, file, broker.as_ref(), &in_tx, &client, &topics).await
                    {
                        running = now;
                    }
                }
            }
        }
    }
    tracing::info!("hub shutting down");
    ticker.abort();
    if let Some(mut task) = uplink {
        uplink_stop.send_replace(true);
        if tokio::time::timeout(Duration::from_secs(2), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
    }
    drop(in_tx);
    routing
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    // The writer finishes the batch in hand and stops when its input closes.
    let _ = tokio::task::spawn_blocking(move || writer_thread.join()).await;
    let _ = publisher.await;
    let offline = match &stopped {
        // Every device shows why the hall stopped, not only that it did.
        Some(_) => StatePublisher::new(&config).hub_stopped(options.clock.now(), journal_lost()),
        None => {
            StatePublisher::new(&config).hub_status(Liveness::Offline, Some(options.clock.now()))
        }
    };
    let _ = client
        .publish(offline.topic, QoS::AtLeastOnce, true, offline.payload)
        .await;
    let _ = client.disconnect().await;
    // The event loop sends what is queued, the DISCONNECT last, and ends with the connection.
    if tokio::time::timeout(Duration::from_secs(2), &mut poll)
        .await
        .is_err()
    {
        poll.abort();
    }
    for task in [metrics_task, phone_task].into_iter().flatten() {
        task.abort();
    }
    if let Some(task) = booking_task {
        task.abort();
    }
    if let Some(b) = broker {
        b.shutdown().await;
    }
    match stopped {
        Some(why) => Err(HubError::Stopped(why)),
        None => Ok(()),
    }
}

/// What `state/hub` says when the journal file is gone.
fn journal_lost() -> hallq_proto::LocalText {
    hallq_proto::LocalText::new(
        "日志文件丢失，中枢已停止服务，请联系管理员",
        "The journal file is gone: the hub stopped serving. Please call the administrator.",
    )
}

/// The next reloaded configuration, or never when there is no source of them.
async fn next_reload(reloads: &mut Option<mpsc::Receiver<HallConfig>>) -> Option<HallConfig> {
    match reloads {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

/// Takes the registry of a reloaded hall.toml: the broker's logins first (a revoked or rotated
/// device's session is closed, its old secret refused from now on), then the writer's, which
/// refuses a removed device's commands and records the reload in the audit trail. A file that
/// cannot be used is logged and changes nothing. Returns the configuration now running.
async fn reload(
    running: &HallConfig,
    file: HallConfig,
    broker: Option<&Broker>,
    in_tx: &mpsc::Sender<Input<Publish>>,
    client: &AsyncClient,
    topics: &Topics,
) -> Option<Arc<HallConfig>> {
    let r = match crate::reload::Reload::between(running, file) {
        Ok(r) => r,
        Err(error) => {
            tracing::error!(%error, "hall.toml not reloaded; the hub goes on as it was / 配置未重新加载，中枢按原配置运行");
            return None;
        }
    };
    let summary = r.summary();
    if let Some(b) = broker {
        let users = broker_users(&r.config);
        match b.set_device_logins(&users).await {
            Ok(added) if !added.is_empty() => tracing::warn!(
                devices = %added.join(", "),
                "new devices can log in but do nothing until the hub restarts (the embedded broker's ACL is fixed at start) / 新增设备须重启中枢后方可使用"
            ),
            Ok(_) => {}
            Err(error) => {
                tracing::error!(%error, "hall.toml not reloaded: the broker refused its logins / 配置未重新加载");
                return None;
            }
        }
    }
    // A removed device's retained presence would show it online to every console: cleared.
    for id in &r.removed {
        if let Err(error) = client
            .publish(topics.presence(id), QoS::AtLeastOnce, true, Vec::new())
            .await
        {
            tracing::warn!(%error, device = %id, "cannot clear the presence");
        }
    }
    let config = Arc::new(r.config);
    let input = Input::Reload {
        config: Arc::clone(&config),
        summary: summary.clone(),
    };
    if in_tx.send(input).await.is_err() {
        return None;
    }
    tracing::info!(%summary, "hall.toml reloaded: devices, staff and green-channel codes / 已重新加载设备、员工与绿色通道码；其他设置于重启后生效");
    Some(config)
}

/// Says once, at start, which devices log in with a secret a person chose (a memory-hard hash,
/// as `hallq hash-secret` makes for typed secrets, and as the example hall's "change-me" has):
/// a device's secret should be random (`hallq device add` / `rotate`).
fn warn_of_chosen_secrets(config: &HallConfig) {
    let chosen: Vec<&str> = config
        .devices
        .iter()
        .filter(|d| d.secret_hash.as_deref().is_some_and(secret::is_memorable))
        .map(|d| d.id.as_str())
        .collect();
    if !chosen.is_empty() {
        tracing::warn!(
            count = chosen.len(),
            devices = %chosen.join(", "),
            "devices log in with secrets a person chose; give each a random one with `hallq device rotate ID` / 设备密钥为人工设置，请用 hallq device rotate 更换为随机密钥"
        );
    }
}

/// Says once, at start, when clerks cannot sign in (no staff list) or sign in unchecked (a demo).
fn warn_of_sign_in(config: &HallConfig) {
    if !config.staff.is_empty() {
        return;
    }
    if config.hall.open_sign_in {
        tracing::warn!(
            "[hall] open_sign_in: any staff number signs in without a PIN — a demo or test hall only / 演示模式：任何工号无需密码即可签到"
        );
    } else {
        tracing::warn!(
            "hall.toml lists no [[staff]]: every sign-in is refused; add clerks with `hallq staff set-pin`, or set [hall] open_sign_in = true for a demo / 未配置员工名单，签到将被拒绝：请用 hallq staff set-pin 添加员工，演示时可设 [hall] open_sign_in = true"
        );
    }
}

/// The writer thread: blocks for the first input, takes whatever else is already waiting (up to
/// `batch_max`), and hands the batch to the writer. This is the group commit.
///
/// After each batch it checks that the journal file is still the one it opened: if it was
/// deleted or replaced, what the batch committed went into a file that is gone, so the batch is
/// neither answered nor acknowledged (the broker delivers its commands again to the next hub),
/// and the writer stops, saying why on `stopped`.
fn writer_loop(
    mut writer: Writer,
    mut rx: mpsc::Receiver<Input<Publish>>,
    tx: mpsc::Sender<Output<Publish>>,
    batch_max: usize,
    stopped: tokio::sync::oneshot::Sender<String>,
) {
    let initial = Output {
        publishes: writer.initial_output(),
        acks: Vec::new(),
    };
    if tx.blocking_send(initial).is_err() {
        return;
    }
    while let Some(first) = rx.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < batch_max {
            match rx.try_recv() {
                Ok(input) => batch.push(input),
                Err(_) => break,
            }
        }
        // Before SQLite touches the journal's files: a write to the map of an immutable
        // -shm file would kill the hub with SIGBUS. The batch is neither answered nor
        // acknowledged (the broker delivers it again), and the writer is leaked on purpose:
        // closing the journal would checkpoint, writing that map.
        if let Err(why) = writer.journal_writable_check() {
            tracing::error!(%why, "the hub stops serving / 中枢停止服务");
            let _ = stopped.send(why);
            std::mem::forget(writer);
            return;
        }
        let out = writer.handle_batch(batch);
        if let Err(why) = writer.journal_file_check() {
            tracing::error!(
                %why,
                "the hub stops serving: nothing more is acknowledged into a journal that is gone. Restore the journal from a backup before starting the hub again / 日志文件已丢失，中枢停止服务；请从备份恢复日志后再启动"
            );
            let _ = stopped.send(why);
            return;
        }
        if tx.blocking_send(out).is_err() {
            return;
        }
        // The phone pages' board, once the batch's replies and state are on their way.
        writer.refresh_phone(!rx.is_empty());
    }
}

/// Hands an incoming message to the writer. A command the writer is no longer there to take
/// stays unacknowledged: the broker delivers it again.
async fn route(client: &AsyncClient, tx: &mpsc::Sender<Input<Publish>>, p: Publish) {
    let input = match topic::parse(&p.topic) {
        // A command is never retained (docs/protocol.md). A retained one would be delivered again
        // at every subscription of the hub: it is refused, and cleared from the broker. (The
        // embedded broker refuses a retained command when it is published; a broker forwarding
        // one live clears its retain flag, MQTT 3.1.1 §3.3.1.3, so the hub sees it as retained
        // only here, when it subscribes. The empty message that clears it comes back to the hub
        // as a command, and is refused `malformed` like any empty payload.)
        Some((_, Topic::Cmd(device))) if p.retain => {
            if let Err(e) = client.try_publish(p.topic.clone(), QoS::AtLeastOnce, true, Vec::new())
            {
                tracing::warn!(error = %e, %device, "cannot clear a retained command");
            }
            Input::Misdelivered {
                device,
                payload: p.payload.to_vec(),
                delivery: Delivery::Retained,
                token: p,
            }
        }
        // QoS 0 may be lost on the way, unseen by anyone: a command must be QoS 1.
        Some((_, Topic::Cmd(device))) if p.qos == QoS::AtMostOnce => Input::Misdelivered {
            device,
            payload: p.payload.to_vec(),
            delivery: Delivery::AtMostOnce,
            token: p,
        },
        Some((_, Topic::Cmd(device))) => {
            let payload = p.payload.to_vec();
            Input::Command {
                device,
                payload,
                token: p,
            }
        }
        Some((_, Topic::Presence(device))) => {
            let input = Input::Presence {
                device,
                payload: p.payload.to_vec(),
            };
            // Presence is not a command: nothing is lost if it is acknowledged at once.
            let _ = client.try_ack(&p);
            input
        }
        _ => {
            let _ = client.try_ack(&p);
            return;
        }
    };
    let _ = tx.send(input).await;
}

/// The hash of the hub's own login to its embedded broker. The secret is in this process
/// anyway, so the hash guards nothing an attacker could not read beside it: a random secret
/// (the hub makes one when hall.toml has none) gets the cheap hash.
fn own_login_hash(hub_secret: &str) -> Result<String, broker::BrokerError> {
    let strength = if hub_secret.chars().count() >= secret::RANDOM_LEN {
        Strength::Random
    } else {
        Strength::Memorable
    };
    secret::hash(hub_secret, strength).map_err(broker::BrokerError::Hash)
}

/// The embedded broker's device logins: every device of `config` with a secret.
fn broker_users(config: &HallConfig) -> Vec<BrokerUser> {
    config
        .devices
        .iter()
        .filter_map(|d| {
            d.secret_hash
                .as_ref()
                .map(|h| BrokerUser::device(d.id.as_str(), h.clone(), d.role))
        })
        .collect()
}

/// Starts the embedded broker with a login for the hub and one per device that has a secret.
async fn start_broker(config: &HallConfig, hub_secret: &str) -> Result<Broker, HubError> {
    let users = broker_users(config);
    let tls = match (
        config.broker.tls_listen,
        &config.broker.tls_cert,
        &config.broker.tls_key,
    ) {
        (Some(listen), Some(cert), Some(key)) => Some(BrokerTls {
            listen,
            cert: cert.clone(),
            key: key.clone(),
        }),
        _ => None,
    };
    let broker_config = BrokerConfig {
        // On loopback with `plain = false`: the hub below connects to it there.
        listen: config.broker.plain_listen(),
        tls,
        hall: config.hall.id.clone(),
        hub_user: BrokerUser::new(config.broker.hub_user.clone(), own_login_hash(hub_secret)?),
        users,
        // Devices get in once the hub has subscribed to their commands.
        hold_devices: true,
    };
    Ok(broker::start(broker_config).await?)
}
