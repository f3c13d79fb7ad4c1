//! [`SimHall`]: a real hub on a simulated clock, with every device of the hall connected as a
//! real MQTT client, ready to play a [`Plan`].
//!
//! [`Prepared`] takes a hall's configuration for a simulation: a fresh secret per device and a
//! fresh PIN per clerk (hashed like the real ones: the broker still checks Argon2 at each
//! login), the embedded broker on loopback, a green-channel code the customers can show, and a
//! fresh journal. [`SimHall::start`] runs the hub in this process with a [`SimClock`] and
//! connects the devices; [`SimHall::play`] acts the day out and returns the ground truth;
//! [`SimHall::stop`] stops the hub, after which the journal can be read.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hallq_client::{ClientConfig, DeviceClient};
use hallq_hub::config::{GreenChannelCode, MembershipCode, Role, Secret};
use hallq_hub::secret::{self, Strength};
use hallq_hub::{Clock as _, HallConfig, RunOptions};
use hallq_proto::{DeviceId, StaffNo, Timestamp, time};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::SimError;
use crate::clock::{SimClock, SimTime};
use crate::emulate::watcher::Heard;
use crate::emulate::{self, Ctx, HallFacts};
use crate::figures::Figures;
use crate::floor::Floor;
use crate::ledger::{Book, Ledger};
use crate::plan::Plan;
use crate::timings;

/// The green-channel code the simulated VIP customers show, added when the hall has none.
pub const SIM_GREEN_CODE: &str = "SIM-VIP-8888";

/// The membership code the simulated members show, added when the hall has tiers and no code.
pub const SIM_MEMBER_CODE: &str = "SIM-MEMBER-7777";

/// A hall's configuration, made ready for a simulation.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// The configuration the hub runs with.
    pub config: HallConfig,
    /// Each device's fresh secret.
    secrets: BTreeMap<DeviceId, String>,
    /// Each clerk's fresh PIN, where the hall lists its clerks.
    pins: BTreeMap<StaffNo, String>,
    /// The hub's MQTT password, for a `mosquitto_sub` line.
    pub hub_secret: String,
    /// Devices registered for real apps (the demo's windows): the simulator does not connect
    /// them.
    set_aside: std::collections::BTreeSet<DeviceId>,
}

impl Prepared {
    /// Prepares `config`: fresh secrets and PINs, the embedded broker on `127.0.0.1:port`
    /// (0: a free port), a fresh journal in `data_dir`.
    pub fn new(mut config: HallConfig, data_dir: &Path, port: u16) -> Result<Self, SimError> {
        fresh_dir(data_dir)?;
        config.hub.data_dir = data_dir.to_owned();
        config.hub.metrics_listen = None;
        config.broker.external = None;
        config.broker.listen = SocketAddr::from(([127, 0, 0, 1], port));
        let hub_secret = secret::random();
        config.broker.hub_secret = Some(Secret(hub_secret.clone()));
        with_green_code(&mut config);
        // A simulated hall without a staff list (the example's) lets its emulated clerks sign in
        // with their shift's staff number, as a demo does.
        if config.staff.is_empty() {
            config.hall.open_sign_in = true;
        }
        // The simulated customers book on the hub's booking API as a phone does: on a free local
        // port, the one-time codes by the demo sender, which they read in this process.
        if let Some(b) = config.booking.as_mut() {
            let free = std::net::TcpListener::bind(("127.0.0.1", 0))
                .and_then(|l| l.local_addr())
                .map_err(|source| SimError::Io {
                    what: "finding a free port for the booking API".into(),
                    source,
                })?;
            b.listen = Some(free);
            b.otp = hallq_hub::booking::otp::OtpChoice::Log;
        }
        let secrets: Vec<String> = config.devices.iter().map(|_| secret::random()).collect();
        let hashes = hash_all(&secrets, Strength::Random)?;
        let mut by_device = BTreeMap::new();
        for ((d, secret), hash) in config.devices.iter_mut().zip(secrets).zip(hashes) {
            d.secret_hash = Some(hash);
            by_device.insert(d.id.clone(), secret);
        }
        let pins: Vec<String> = config
            .staff
            .iter()
            .map(|_| secret::random()[..6].to_string())
            .collect();
        let pin_hashes = hash_all(&pins, Strength::Memorable)?;
        let mut by_staff = BTreeMap::new();
        for ((s, pin), hash) in config.staff.iter_mut().zip(pins).zip(pin_hashes) {
            s.pin_hash = Some(hash);
            by_staff.insert(s.number.clone(), pin);
        }
        if config.profiles.is_none() {
            config.load_profiles()?;
        }
        config.validate()?;
        Ok(Self {
            config,
            secrets: by_device,
            pins: by_staff,
            hub_secret,
            set_aside: std::collections::BTreeSet::new(),
        })
    }

    /// The fresh secret of device `id`, to log in as it.
    pub fn secret(&self, id: &DeviceId) -> Option<&str> {
        self.secrets.get(id).map(String::as_str)
    }

    /// Leaves device `id` to a real app: it stays registered with its secret, and the
    /// simulator does not connect it. The day's plan must not use it.
    pub fn set_aside(&mut self, id: DeviceId) {
        self.set_aside.insert(id);
    }
}

/// Adds the simulated VIP customers' green-channel code when the hall has none (the plan's
/// green-channel customers show the hall's first code), and the simulated members' code
/// ([`with_member_code`]).
pub fn with_green_code(config: &mut HallConfig) {
    if config.green_channel.is_empty() {
        config.green_channel.push(GreenChannelCode {
            code: Secret(SIM_GREEN_CODE.into()),
            label: "模拟钻石卡 simulated diamond card".into(),
        });
    }
    with_member_code(config);
}

/// Adds the simulated members' code when the hall has value tiers and no membership code: the
/// plan's members show it and get the highest tier.
pub fn with_member_code(config: &mut HallConfig) {
    let top = config.queue.tiers.iter().map(|t| t.level).max();
    if let (true, Some(tier)) = (config.membership.is_empty(), top) {
        config.membership.push(MembershipCode {
            code: Secret(SIM_MEMBER_CODE.into()),
            label: "模拟会员卡 simulated member card".into(),
            tier,
        });
    }
}

/// Argon2 hashes of `secrets`, on every core (a memorable one takes tens of milliseconds).
fn hash_all(secrets: &[String], strength: Strength) -> Result<Vec<String>, SimError> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = secrets.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = secrets
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|p| secret::hash(p, strength))
                        .collect::<Result<Vec<_>, _>>()
                })
            })
            .collect();
        let mut out = Vec::with_capacity(secrets.len());
        for h in handles {
            let part = h
                .join()
                .map_err(|_| SimError::Config("hashing a secret panicked".into()))??;
            out.extend(part);
        }
        Ok(out)
    })
}

/// What a hub leaves in its data directory: the journal and the personal-data key beside it
/// (`[privacy] key_file`'s default). A simulated day starts without any of them.
const HUB_FILES: [&str; 4] = [
    "journal.db",
    "journal.db-wal",
    "journal.db-shm",
    "personal.key",
];

/// Makes `dir` an empty directory for a fresh journal: removes an old hub's files there, and
/// refuses a directory that holds anything else.
fn fresh_dir(dir: &Path) -> Result<(), SimError> {
    let io = |what: String| move |source| SimError::Io { what, source };
    if dir.exists() {
        let entries = std::fs::read_dir(dir).map_err(io(format!("reading {}", dir.display())))?;
        for e in entries {
            let e = e.map_err(io(format!("reading {}", dir.display())))?;
            let name = e.file_name().to_string_lossy().into_owned();
            // The hub's lock file stays: it names nothing to clear, and the lock of a hub still
            // running there must hold.
            if !HUB_FILES.contains(&name.as_str()) && name != hallq_hub::datadir::LOCK_FILE {
                return Err(SimError::Config(format!(
                    "{} holds {name}, not only a hub's journal and key: give an empty or new --data-dir / 数据目录不是空的",
                    dir.display()
                )));
            }
        }
        for name in HUB_FILES {
            let p = dir.join(name);
            if p.exists() {
                std::fs::remove_file(&p).map_err(io(format!("removing {}", p.display())))?;
            }
        }
    }
    std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))
}

/// A hub running on a task of this process.
pub(crate) struct RunningHub {
    /// The hub's task.
    pub(crate) task: JoinHandle<Result<(), hallq_hub::HubError>>,
    /// Stops it.
    pub(crate) stop: oneshot::Sender<()>,
    /// Its embedded broker.
    pub(crate) addr: SocketAddr,
}

impl RunningHub {
    /// Starts the hub with `config` on `clock` and waits until it serves.
    pub(crate) async fn start(
        config: &HallConfig,
        clock: Arc<SimClock>,
        tick: Duration,
    ) -> Result<Self, SimError> {
        let (stop, stop_rx) = oneshot::channel::<()>();
        let (ready_tx, ready_rx) = oneshot::channel();
        let options = RunOptions {
            clock,
            ready: Some(ready_tx),
            tick,
            reloads: None,
        };
        let task = tokio::spawn(hallq_hub::run(config.clone(), options, async {
            let _ = stop_rx.await;
        }));
        match tokio::time::timeout(START_LIMIT, ready_rx).await {
            Ok(Ok(addr)) => Ok(Self { task, stop, addr }),
            _ => {
                task.abort();
                Err(SimError::NotReady("the hub did not start".into()))
            }
        }
    }
}

/// A progress report while the day plays.
#[derive(Debug, Clone)]
pub struct Progress {
    /// Simulated time, `HH:MM`.
    pub hhmm: String,
    /// Real seconds since the day started.
    pub wall_secs: f64,
    /// Tickets issued so far.
    pub tickets: u64,
    /// Tickets waiting now (from the board).
    pub waiting: u64,
    /// Counters serving now.
    pub serving: u64,
    /// Tickets served so far.
    pub served: u64,
    /// No-shows so far.
    pub no_shows: u64,
    /// Walk-outs so far.
    pub walk_outs: u64,
}

/// A callback for progress reports.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// How to play the day.
#[derive(Clone, Default)]
pub struct PlayOptions {
    /// Stop here instead of when everyone has been served.
    pub until: Option<Timestamp>,
    /// Called every `progress_every_min` simulated minutes.
    pub progress: Option<ProgressFn>,
    /// Simulated minutes between progress reports (30 if 0).
    pub progress_every_min: u32,
    /// Simulated minutes after closing at which the day is stopped even if someone still
    /// waits (a hall whose last counters serve nothing of what waits); 240 if 0.
    pub drain_limit_min: u32,
}

impl std::fmt::Debug for PlayOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlayOptions")
            .field("until", &self.until)
            .field("progress", &self.progress.is_some())
            .finish_non_exhaustive()
    }
}

/// What the simulator saw of the day.
#[derive(Debug, Clone)]
pub struct DayReport {
    /// Everything it counted.
    pub book: Book,
    /// The figures from its ground truth.
    pub figures: Figures,
    /// What the wall display heard (the first display).
    pub display: Option<Heard>,
    /// What the LED strips saw.
    pub leds: Vec<(DeviceId, Heard)>,
    /// Simulated time when the day ended.
    pub ended_at: Timestamp,
    /// Real time the day took.
    pub wall: Duration,
    /// Whether the day was stopped (`until`, or the drain limit) rather than served out.
    pub stopped_early: bool,
}

/// A hub on a simulated clock with the hall's devices connected.
#[derive(Debug)]
pub struct SimHall {
    config: HallConfig,
    pins: BTreeMap<StaffNo, String>,
    clock: Arc<SimClock>,
    addr: SocketAddr,
    clients: BTreeMap<DeviceId, DeviceClient>,
    client_tasks: Vec<JoinHandle<()>>,
    stop: Option<oneshot::Sender<()>>,
    hub: JoinHandle<Result<(), hallq_hub::HubError>>,
}

/// How long starting the hub and connecting the devices may take, in real time.
const START_LIMIT: Duration = Duration::from_secs(60);

impl SimHall {
    /// Starts the hub with its clock reading `start_at` and running `speed` times faster than
    /// real time, and connects every configured device. [`SimHall::play`] then moves the clock
    /// forward to the plan's start, so the logins (Argon2, real CPU time) do not eat the
    /// simulated morning.
    pub async fn start(
        prepared: Prepared,
        speed: f64,
        start_at: Timestamp,
    ) -> Result<Self, SimError> {
        if speed.is_nan() || speed <= 0.0 || speed > 100_000.0 {
            return Err(SimError::Config(
                "speed must be in (0, 100000] / 速度无效".into(),
            ));
        }
        let Prepared {
            config,
            secrets,
            pins,
            set_aside,
            ..
        } = prepared;
        let clock = Arc::new(SimClock::new(start_at, speed));
        // A simulated few seconds between time-out checks, within what a timer can do.
        let tick = Duration::from_secs_f64((5.0 / speed).clamp(0.005, 1.0));
        let RunningHub {
            task: hub,
            stop: stop_tx,
            addr,
        } = RunningHub::start(&config, clock.clone(), tick).await?;
        let mut clients = BTreeMap::new();
        let mut client_tasks = Vec::new();
        for d in config.devices.iter().filter(|d| !set_aside.contains(&d.id)) {
            let mut c = ClientConfig::new(
                "127.0.0.1",
                addr.port(),
                config.hall.id.clone(),
                d.id.clone(),
            );
            c.secret = secrets.get(&d.id).cloned();
            c.profile = d.profile.clone();
            let profile = d
                .profile
                .as_ref()
                .and_then(|name| config.profiles.as_ref()?.get(name));
            let t = timings::for_profile(profile);
            c.keep_alive = t.keep_alive;
            c.reply_timeout = t.reply_timeout;
            c.attempts = t.attempts;
            // Devices that show the hall's state receive it (the supervisor: the call-backs
            // owed); the others act on their replies.
            c.watch_state = matches!(
                d.role,
                Role::Counter | Role::Evaluator | Role::LedStrip | Role::Display | Role::Supervisor
            );
            let (client, task) = DeviceClient::connect(&c);
            clients.insert(d.id.clone(), client);
            client_tasks.push(task);
        }
        let hall = Self {
            config,
            pins,
            clock,
            addr,
            clients,
            client_tasks,
            stop: Some(stop_tx),
            hub,
        };
        hall.wait_connected().await?;
        Ok(hall)
    }

    async fn wait_connected(&self) -> Result<(), SimError> {
        for (id, c) in &self.clients {
            let mut rx = c.connected();
            if tokio::time::timeout(START_LIMIT, rx.wait_for(|up| *up))
                .await
                .is_err()
            {
                return Err(SimError::NotReady(format!("{id} did not connect")));
            }
        }
        Ok(())
    }

    /// The broker's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The hall being simulated.
    pub fn config(&self) -> &HallConfig {
        &self.config
    }

    /// The connected client of `device`, to watch what it sees.
    pub fn client(&self, device: &str) -> Option<DeviceClient> {
        self.clients
            .iter()
            .find(|(id, _)| id.as_str() == device)
            .map(|(_, c)| c.clone())
    }

    /// The simulated clock.
    pub fn clock(&self) -> &Arc<SimClock> {
        &self.clock
    }

    /// Plays `plan` over the connected devices and returns what the simulator saw.
    pub async fn play(&self, plan: Arc<Plan>, options: PlayOptions) -> Result<DayReport, SimError> {
        let offset = self.config.hall.utc_offset_min;
        let time = SimTime {
            clock: Arc::clone(&self.clock),
            utc_offset_min: offset,
        };
        let drain = i64::from(if options.drain_limit_min == 0 {
            240
        } else {
            options.drain_limit_min
        });
        let limit = plan.closes_at.plus_secs(drain * 60);
        let stop_at = options.until.map_or(limit, |u| u.min(limit));
        let ledger = Arc::new(Ledger::default());
        // Bookings are made before the day starts, on the hub's booking API, with the clock
        // stopped: at ×1000 on a loaded machine they took over a simulated hour and the day
        // began late.
        let bookings = match self.config.booking.as_ref().and_then(|b| b.listen) {
            Some(addr) => {
                self.clock.freeze();
                let codes = emulate::phone::book_all(&plan, addr, &ledger).await;
                self.clock.thaw();
                codes
            }
            None => BTreeMap::new(),
        };
        let (closing_tx, closing_rx) = watch::channel(false);
        let (jobs_tx, jobs_rx) = mpsc::unbounded_channel();
        let supervisor = plan.devices.supervisors.first().cloned();
        let q = &self.config.queue;
        let ctx = Arc::new(Ctx {
            plan: Arc::clone(&plan),
            time: time.clone(),
            ledger: Arc::clone(&ledger),
            floor: Floor::default(),
            hall: HallFacts {
                recall: q.recall.clone(),
                rating_timeout_secs: i64::from(q.rating_timeout_secs),
                skills: q
                    .counters
                    .iter()
                    .map(|c| (c.number.0, c.skills.clone()))
                    .collect(),
                pins: self.pins.clone(),
            },
            clients: self.clients.clone(),
            kiosk_turns: plan
                .devices
                .kiosks
                .iter()
                .map(|k| (k.clone(), tokio::sync::Mutex::new(())))
                .collect(),
            stop_at,
            bookings,
            closing: closing_rx,
            jobs: supervisor.as_ref().map(|_| jobs_tx),
        });

        self.clock.jump_to(plan.starts_at);
        let wall = Instant::now();
        let mut actors: Vec<JoinHandle<()>> = Vec::new();
        for i in 0..plan.customers.len() {
            let ctx = Arc::clone(&ctx);
            actors.push(tokio::spawn(async move {
                emulate::customer::run(&ctx, i).await
            }));
        }
        let mut by_counter: BTreeMap<u16, Vec<crate::plan::Shift>> = BTreeMap::new();
        for s in &plan.shifts {
            by_counter.entry(s.counter.0).or_default().push(s.clone());
        }
        for (counter, shifts) in by_counter {
            let ctx = Arc::clone(&ctx);
            actors.push(tokio::spawn(async move {
                emulate::counter::run(&ctx, counter, shifts).await
            }));
        }
        {
            let ctx = Arc::clone(&ctx);
            actors.push(tokio::spawn(async move { emulate::door::run(&ctx).await }));
        }
        let mut helpers: Vec<JoinHandle<()>> = Vec::new();
        for (counter, device) in &plan.devices.evaluators {
            let (ctx, counter, device) = (Arc::clone(&ctx), *counter, device.clone());
            helpers.push(tokio::spawn(async move {
                emulate::evaluator::run(&ctx, counter, &device).await
            }));
        }
        if let Some(device) = supervisor {
            let (inspectors, boss) = (Arc::clone(&ctx), device.clone());
            let greeter = plan.devices.greeters.first().cloned();
            helpers.push(tokio::spawn(async move {
                emulate::inspector::run(&inspectors, &boss, greeter.as_ref()).await
            }));
            let ctx = Arc::clone(&ctx);
            helpers.push(tokio::spawn(async move {
                emulate::supervisor::run(&ctx, &device, jobs_rx).await
            }));
        }
        let mut listeners: Vec<(DeviceId, JoinHandle<Heard>)> = Vec::new();
        let watched = plan
            .devices
            .displays
            .iter()
            .map(|d| (d.clone(), None))
            .chain(plan.devices.leds.iter().map(|(n, d)| (d.clone(), Some(*n))));
        for (device, counter) in watched {
            let (ctx, id) = (Arc::clone(&ctx), device.clone());
            listeners.push((
                device,
                tokio::spawn(async move { emulate::watcher::run(&ctx, &id, counter).await }),
            ));
        }
        let progress = options.progress.clone().map(|f| {
            let ctx = Arc::clone(&ctx);
            let every = i64::from(if options.progress_every_min == 0 {
                30
            } else {
                options.progress_every_min
            });
            let board_of = plan
                .devices
                .displays
                .first()
                .or(plan.devices.counters.values().next())
                .and_then(|d| self.clients.get(d).cloned());
            tokio::spawn(async move {
                let mut next = ctx.plan.opens_at;
                for _ in 0..100_000 {
                    ctx.sleep_until(next).await;
                    if *ctx.closing.borrow() {
                        return;
                    }
                    f(&progress_now(&ctx, board_of.as_ref(), wall));
                    next = next.plus_secs(every * 60);
                }
            })
        });

        // The day lasts until every actor is done: the clerks leave once the hall is quiet
        // after closing. Bounded in real time by the stop time plus a margin.
        let real_limit = time.real(((stop_at.0 - time.now().0) as f64 / 1000.0).max(0.0))
            + Duration::from_secs(60);
        let deadline = tokio::time::Instant::now() + real_limit;
        let mut stopped_early = false;
        for a in actors {
            if tokio::time::timeout_at(deadline, a).await.is_err() {
                stopped_early = true;
            }
        }
        let ended_at = self.clock.now();
        stopped_early |= ended_at >= stop_at;
        if stopped_early {
            self.clock.freeze();
        }
        let _ = closing_tx.send(true);
        for h in helpers {
            let _ = tokio::time::timeout(Duration::from_secs(10), h).await;
        }
        if let Some(p) = progress {
            p.abort();
        }
        let mut display = None;
        let mut leds = Vec::new();
        for (id, h) in listeners {
            let heard = tokio::time::timeout(Duration::from_secs(10), h)
                .await
                .ok()
                .and_then(Result::ok)
                .unwrap_or_default();
            if plan.devices.displays.contains(&id) {
                display.get_or_insert(heard);
            } else {
                leds.push((id, heard));
            }
        }
        Ok(DayReport {
            book: ledger.snapshot(),
            figures: ledger.figures(),
            display,
            leds,
            ended_at,
            wall: wall.elapsed(),
            stopped_early,
        })
    }

    /// Disconnects the devices and stops the hub; the journal is complete afterwards.
    pub async fn stop(mut self) -> Result<(), SimError> {
        for c in self.clients.values() {
            let _ = tokio::time::timeout(Duration::from_secs(2), c.disconnect()).await;
        }
        // Let the hub take in the devices' goodbyes (presence) before it stops, so it does not
        // try to publish their state on a connection it is closing.
        tokio::time::sleep(Duration::from_millis(300)).await;
        for t in &self.client_tasks {
            t.abort();
        }
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        match tokio::time::timeout(Duration::from_secs(30), &mut self.hub).await {
            Ok(Ok(r)) => Ok(r?),
            Ok(Err(e)) => Err(SimError::NotReady(format!("the hub task failed: {e}"))),
            Err(_) => {
                self.hub.abort();
                Err(SimError::NotReady(
                    "the hub did not stop within 30 s".into(),
                ))
            }
        }
    }

    /// Where the journal is.
    pub fn journal_path(&self) -> PathBuf {
        self.config.hub.data_dir.join("journal.db")
    }
}

fn progress_now(ctx: &Ctx, board_of: Option<&DeviceClient>, wall: Instant) -> Progress {
    let f = ctx.ledger.figures();
    let latest = board_of.map(DeviceClient::latest);
    let waiting = latest
        .as_ref()
        .and_then(|l| l.board.as_ref())
        .map_or(0, |b| b.queues.iter().map(|q| u64::from(q.waiting)).sum());
    let serving = latest
        .as_ref()
        .map_or(0, |l| emulate::counter::serving(l) as u64);
    Progress {
        hhmm: time::hhmm(ctx.time.now(), ctx.time.utc_offset_min),
        wall_secs: wall.elapsed().as_secs_f64(),
        tickets: f.tickets,
        waiting,
        serving,
        served: f.served,
        no_shows: f.no_shows,
        walk_outs: f.walk_outs,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn a_hubs_old_files_are_cleared_and_anything_else_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        for name in HUB_FILES {
            std::fs::write(dir.path().join(name), b"old").unwrap();
        }
        // A second run over the same folder: the last run's journal and key go.
        fresh_dir(dir.path()).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        std::fs::write(dir.path().join("notes.txt"), b"mine").unwrap();
        assert!(matches!(fresh_dir(dir.path()), Err(SimError::Config(_))));
        assert!(
            dir.path().join("notes.txt").exists(),
            "nothing of someone else's is removed"
        );
    }
}
