//! Restart-to-serving: how long the hub takes from its start to the first command answered,
//! with a journal of one busy day and with longer histories.
//!
//! The day is simulated in full (through MQTT, on the simulated clock), or up to a given time;
//! longer journals repeat that day over the days before it, each closed by its daily reset
//! ([`crate::history`]). Each measured start runs the hub in this process on a clock a minute
//! after the day's last event, and times two instants from the call that starts it:
//! *ready* (broker listening, journal replayed, state published) and *serving* (a device has
//! logged in, sent a command and had its journaled reply). Every start is a fresh hub on the
//! same files, as after `kill -9`: the files are in the page cache, as they are on a real
//! restart; a cold cache after a power cut adds the disk's reads.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hallq_client::{ClientConfig, DeviceClient};
use hallq_hub::config::Role;
use hallq_journal::Journal;
use hallq_proto::{BusinessDay, Command, DeviceId, ReplyBody, time};

use crate::SimError;
use crate::clock::SimClock;
use crate::hall::{PlayOptions, Prepared, RunningHub, SimHall};
use crate::history;
use crate::plan::{Plan, SimConfig};

/// What to measure.
#[derive(Debug, Clone)]
pub struct RestartOptions {
    /// Journal lengths in days, one row each (1: the simulated day alone).
    pub days: Vec<u32>,
    /// Starts measured per journal.
    pub runs: usize,
    /// The speed the day is simulated at.
    pub speed: f64,
    /// The hall-local minute the day is simulated up to; `None`: the whole day.
    pub until_min: Option<u32>,
    /// Seed of the day.
    pub seed: u64,
}

/// One journal's measurements.
#[derive(Debug, Clone)]
pub struct RestartRow {
    /// Days in the journal.
    pub days: u32,
    /// Events in the journal.
    pub events: i64,
    /// The journal's size, bytes.
    pub bytes: u64,
    /// Events the hub replays on start (today's and open complaints').
    pub replayed: usize,
    /// Milliseconds from the start to ready, per run, sorted.
    pub ready_ms: Vec<f64>,
    /// Milliseconds from the start to the first reply, per run, sorted.
    pub serving_ms: Vec<f64>,
}

/// The median of sorted values.
pub fn median(sorted: &[f64]) -> f64 {
    sorted.get(sorted.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Simulates the day (up to `opts.until_min`) in `dir`, then measures restarts with each journal
/// length. `say` gets a line at each step.
pub async fn run(
    config: SimConfig,
    day: BusinessDay,
    dir: &Path,
    opts: &RestartOptions,
    say: &(dyn Fn(&str) + Sync),
) -> Result<Vec<RestartRow>, SimError> {
    let offset = config.hall.hall.utc_offset_min;
    let plan = Arc::new(Plan::generate(&config, opts.seed, day));
    let day_dir = dir.join("day-1");
    let prepared = Prepared::new(config.hall, &day_dir, 0)?;
    let probe = probe_device(&prepared)?;
    let until = opts.until_min.map(|m| time::at(day, m, offset));
    say(&format!(
        "simulating {} {} at ×{} …",
        day.0,
        until.map_or("in full".to_owned(), |u| format!(
            "up to {}",
            time::hhmm(u, offset)
        )),
        opts.speed
    ));
    let hall = SimHall::start(
        prepared.clone(),
        opts.speed,
        plan.starts_at.plus_secs(-3600),
    )
    .await?;
    let played = hall
        .play(
            Arc::clone(&plan),
            PlayOptions {
                until,
                ..PlayOptions::default()
            },
        )
        .await;
    hall.stop().await?;
    played?;
    let source = day_dir.join("journal.db");
    // The restarted hub's clock starts a minute after the day's last event.
    let last: i64 = Journal::open_read_only(&source)?.connection().query_row(
        "SELECT max(at_ms) FROM events",
        [],
        |r| r.get(0),
    )?;
    let restart_at = hallq_proto::Timestamp(last).plus_secs(60);
    // Every journal is written before any start: a start journals its probe command, and the
    // copies must be of the simulated day alone.
    let mut journals = Vec::new();
    for &days in &opts.days {
        let data_dir = if days <= 1 {
            day_dir.clone()
        } else {
            let d = dir.join(format!("days-{days}"));
            std::fs::create_dir_all(&d).map_err(|source| SimError::Io {
                what: format!("creating {}", d.display()),
                source,
            })?;
            let filling = Instant::now();
            let h =
                history::extend_backwards(&source, &d.join("journal.db"), days, &prepared.config)?;
            say(&format!(
                "{days} days: {} events, {:.0} MB, written in {:.1} s",
                h.events,
                h.bytes as f64 / 1e6,
                filling.elapsed().as_secs_f64()
            ));
            d
        };
        journals.push((days, data_dir));
    }
    let mut rows = Vec::new();
    for (days, data_dir) in journals {
        let journal = data_dir.join("journal.db");
        let (events, replayed) = {
            let j = Journal::open_read_only(&journal)?;
            (j.last_seq()?, j.replay()?.len())
        };
        let bytes = file_bytes(&journal);
        let mut ready_ms = Vec::new();
        let mut serving_ms = Vec::new();
        for _ in 0..opts.runs.max(1) {
            let (ready, serving) = start_once(&prepared, &data_dir, &probe, restart_at).await?;
            ready_ms.push(ready.as_secs_f64() * 1000.0);
            serving_ms.push(serving.as_secs_f64() * 1000.0);
        }
        ready_ms.sort_by(f64::total_cmp);
        serving_ms.sort_by(f64::total_cmp);
        say(&format!(
            "{days} day(s): ready {:.0} ms, serving {:.0} ms (medians of {})",
            median(&ready_ms),
            median(&serving_ms),
            ready_ms.len()
        ));
        rows.push(RestartRow {
            days,
            events,
            bytes,
            replayed,
            ready_ms,
            serving_ms,
        });
    }
    Ok(rows)
}

fn file_bytes(journal: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .map(|suffix| {
            let mut p = journal.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(PathBuf::from(p)).map_or(0, |m| m.len())
        })
        .sum()
}

/// The device that sends the probe command, and the command: a door counter's count, or a
/// kiosk's session when the hall has no door counter.
fn probe_device(prepared: &Prepared) -> Result<(DeviceId, Command), SimError> {
    let devices = &prepared.config.devices;
    let door = devices.iter().find(|d| d.role == Role::DoorCounter);
    let kiosk = devices.iter().find(|d| d.role == Role::Kiosk);
    match (door, kiosk) {
        (Some(d), _) => Ok((
            d.id.clone(),
            Command::DoorCount {
                entered: 1,
                passed_by: None,
            },
        )),
        (None, Some(k)) => Ok((
            k.id.clone(),
            Command::SessionStarted {
                session: "restart-probe".into(),
            },
        )),
        (None, None) => Err(SimError::Config(
            "measuring a restart needs a door counter or a kiosk in the hall".into(),
        )),
    }
}

/// Starts the hub on `data_dir`, times ready and the probe's reply, and stops it.
async fn start_once(
    prepared: &Prepared,
    data_dir: &Path,
    (device, command): &(DeviceId, Command),
    clock_at: hallq_proto::Timestamp,
) -> Result<(Duration, Duration), SimError> {
    let mut config = prepared.config.clone();
    config.hub.data_dir = data_dir.to_owned();
    let clock = Arc::new(SimClock::new(clock_at, 1.0));
    let started = Instant::now();
    let RunningHub {
        task: hub,
        stop: stop_tx,
        addr,
    } = RunningHub::start(&config, clock, Duration::from_secs(1)).await?;
    let ready = started.elapsed();
    let mut c = ClientConfig::new(
        "127.0.0.1",
        addr.port(),
        config.hall.id.clone(),
        device.clone(),
    );
    c.secret = prepared.secret(device).map(str::to_owned);
    let (client, task) = DeviceClient::connect(&c);
    let reply = client.send(command.clone()).await;
    let serving = started.elapsed();
    let _ = client.disconnect().await;
    task.abort();
    let _ = stop_tx.send(());
    match hub.await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(e.into()),
        Err(e) => return Err(SimError::NotReady(format!("the hub's task failed: {e}"))),
    }
    match reply {
        Ok(r) if matches!(r.body, ReplyBody::Ok(_)) => Ok((ready, serving)),
        Ok(r) => Err(SimError::NotReady(format!(
            "the probe was refused: {:?}",
            r.body
        ))),
        Err(e) => Err(SimError::NotReady(format!("the probe had no reply: {e}"))),
    }
}
