//! Benchmark: many open ticket pages on one hub (issue 15 §4, docs/BENCHMARKS.md "Ticket pages
//! on many phones").
//!
//! A real hub (`hallq hub`, its own process, `[phone]` on) runs a busy hall: six counters call,
//! start and finish tickets in a loop while kiosks issue one ticket per call. The wall display
//! is a real MQTT client subscribed as the display is. The phones are this process's HTTP
//! connections, one per open page, each following its ticket's event stream with the ticket's
//! real token (the `page_url` of the kiosk's reply).
//!
//! Two phases with the same work: no page open, then `--pages` pages open. For each call, from
//! the call's time on the hub's clock (`at_ms` of the call event: the batch's time, taken just
//! before its commit) to: the display's board that shows it, the call event at the display, and
//! (second phase) the SSE message that says "called" on that ticket's page. The hub process's
//! CPU and resident memory in each phase, and idle with and without the pages.
//!
//! With `--at-hq` the pages are opened at HQ instead (`hq.rs`): the hub's `[uplink]` sends its
//! pages' board to a real NATS cluster, HQ's pages serve it, the QR codes name HQ; the table's
//! page column is then call → page at HQ, beside call → display in the same run, and the
//! board's messages to HQ are counted.
//!
//! ```sh
//! cargo build --release -p hallq -p hallq-sim --example phone_pages
//! target/release/examples/phone_pages --pages 2000
//! target/release/examples/phone_pages --pages 2000 --at-hq
//! ```

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark prints its table and its progress"
)]

mod hall;
mod hq;
mod pages;

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use hallq_client::{DeviceClient, Update};
use hallq_proto::command::IssueTicket;
use hallq_proto::{Command, Lang, ReplyResult, ServiceResult, StaffNo};
use hallq_queue::QueueConfig;

use crate::hall::{Hall, cpu_time, expect_ok, memory, wait_hub_online};
use crate::pages::Phones;

/// Microseconds since the epoch: the clock the hub's `at_ms` is on (same machine).
#[allow(
    clippy::disallowed_methods,
    reason = "the bench compares arrival times with the hub's clock, the same machine's"
)]
pub(crate) fn unix_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

struct Args {
    hub: Option<std::path::PathBuf>,
    pages: usize,
    tickets: usize,
    calls: i64,
    pace: Duration,
    idle: Duration,
    at_hq: bool,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        hub: None,
        pages: 2000,
        tickets: 2400,
        calls: 240,
        pace: Duration::from_millis(300),
        idle: Duration::from_secs(10),
        at_hq: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--hub" => a.hub = Some(value()?.into()),
            "--pages" => a.pages = value()?.parse()?,
            "--tickets" => a.tickets = value()?.parse()?,
            "--calls" => a.calls = value()?.parse()?,
            "--pace-ms" => a.pace = Duration::from_millis(value()?.parse()?),
            "--idle-s" => a.idle = Duration::from_secs(value()?.parse()?),
            "--at-hq" => a.at_hq = true,
            _ => bail!(
                "usage: phone_pages [--hub PATH] [--pages 2000] [--tickets 2400] [--calls 240] \
                 [--pace-ms 300] [--idle-s 10] [--at-hq]"
            ),
        }
    }
    if a.pages > a.tickets {
        bail!("--pages must not exceed --tickets");
    }
    Ok(a)
}

/// What the wall display's client saw of each call.
#[derive(Debug, Default)]
struct DisplaySeen {
    /// Per ticket id: the call's `at_ms` and when the call event arrived (µs).
    events: HashMap<String, (i64, i64, String)>,
    /// Per (number, at_ms) of a first call on a board: when that board arrived (µs).
    boards: HashMap<(String, i64), i64>,
    /// Updates the client's channel dropped (the recorder fell behind).
    lagged: u64,
}

fn watch_display(display: &DeviceClient) -> Arc<Mutex<DisplaySeen>> {
    let seen = Arc::new(Mutex::new(DisplaySeen::default()));
    let mut rx = display.updates();
    let out = Arc::clone(&seen);
    tokio::spawn(async move {
        loop {
            let update = rx.recv().await;
            let at = unix_us();
            let mut s = out.lock().unwrap_or_else(|p| p.into_inner());
            match update {
                Ok(Update::Call(c)) if c.recall == 0 => {
                    s.events.entry(c.ticket.to_string()).or_insert((
                        c.at_ms.0,
                        at,
                        c.number.0.clone(),
                    ));
                }
                Ok(Update::Board(b)) => {
                    for c in b.calls.iter().filter(|c| c.recall == 0) {
                        s.boards
                            .entry((c.number.0.clone(), c.at_ms.0))
                            .or_insert(at);
                    }
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => s.lagged += n,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    seen
}

fn ticket(rotation: usize) -> Command {
    let businesses = QueueConfig::telecom_default().business;
    Command::IssueTicket(IssueTicket {
        business: businesses[rotation % businesses.len()].code.clone(),
        priority_reason: None,
        green_channel: None,
        lang: Lang::Zh,
        phone: None,
        session: None,
        visit: None,
        tier: None,
    })
}

/// Issues a ticket; its id and page URL (with `[phone]`).
async fn issue(kiosk: &DeviceClient, rotation: usize) -> anyhow::Result<(String, Option<String>)> {
    match expect_ok(kiosk.send(ticket(rotation)).await?)? {
        ReplyResult::TicketIssued(t) => Ok((t.ticket.to_string(), t.page_url)),
        other => bail!("unexpected reply to issue_ticket: {other:?}"),
    }
}

/// A counter's day: call, start, finish, and a new customer takes a ticket, until the phase's
/// calls are made.
async fn counter_loop(
    counter: DeviceClient,
    kiosk: DeviceClient,
    left: Arc<AtomicI64>,
    rotation: Arc<AtomicUsize>,
    pace: Duration,
) -> anyhow::Result<()> {
    let mut refused = 0;
    while left.fetch_sub(1, Ordering::SeqCst) > 0 {
        if expect_ok(counter.send(Command::CallNext {}).await?).is_err() {
            // Nothing this counter serves is waiting.
            left.fetch_add(1, Ordering::SeqCst);
            refused += 1;
            if refused > 20 {
                return Ok(());
            }
            tokio::time::sleep(pace).await;
            continue;
        }
        tokio::time::sleep(pace).await;
        expect_ok(counter.send(Command::StartService {}).await?)?;
        tokio::time::sleep(pace).await;
        let finish = Command::Finish {
            result: ServiceResult::Done,
            note: None,
            missing: vec![],
        };
        expect_ok(counter.send(finish).await?)?;
        issue(&kiosk, rotation.fetch_add(1, Ordering::Relaxed)).await?;
    }
    Ok(())
}

/// Quantile `q` of sorted samples.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn p50_p99(mut v: Vec<f64>) -> String {
    v.sort_by(f64::total_cmp);
    format!("{:.1} / {:.1}", quantile(&v, 0.5), quantile(&v, 0.99))
}

/// One phase's figures.
struct Phase {
    name: String,
    calls: usize,
    secs: f64,
    cpu_pct: f64,
    rss: (f64, f64),
    board_ms: Vec<f64>,
    event_ms: Vec<f64>,
    page_ms: Vec<f64>,
    page_updates: u64,
}

#[allow(clippy::too_many_arguments)]
async fn phase(
    name: &str,
    hall: &Hall,
    counters: &[DeviceClient],
    kiosks: &[DeviceClient],
    display: &Arc<Mutex<DisplaySeen>>,
    phones: Option<&Phones>,
    calls: i64,
    pace: Duration,
    rotation: &Arc<AtomicUsize>,
) -> anyhow::Result<Phase> {
    let pid = hall.hub_pid()?.to_string();
    let before: Vec<String> = lock(display).events.keys().cloned().collect();
    let updates0 = phones.map_or(0, |p| p.seen.updates.load(Ordering::Relaxed));
    let (cpu0, t0) = (cpu_time(&pid)?, Instant::now());
    let left = Arc::new(AtomicI64::new(calls));
    let mut tasks = Vec::new();
    for (i, c) in counters.iter().enumerate() {
        let kiosk = kiosks[i % kiosks.len()].clone();
        tasks.push(tokio::spawn(counter_loop(
            c.clone(),
            kiosk,
            Arc::clone(&left),
            Arc::clone(rotation),
            pace,
        )));
    }
    for t in tasks {
        t.await??;
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_time(&pid)?.saturating_sub(cpu0).as_secs_f64();
    let rss = memory(&pid);
    // The last call's messages are on their way.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let seen = lock(display);
    let called = phones.map(|p| {
        p.seen
            .called
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    });
    let (mut board_ms, mut event_ms, mut page_ms) = (Vec::new(), Vec::new(), Vec::new());
    let ms = |arrived: i64, at_ms: i64| (arrived - at_ms * 1000) as f64 / 1000.0;
    let mut n = 0;
    for (ticket, (at_ms, event_at, number)) in &seen.events {
        if before.contains(ticket) {
            continue;
        }
        n += 1;
        event_ms.push(ms(*event_at, *at_ms));
        if let Some(b) = seen.boards.get(&(number.clone(), *at_ms)) {
            board_ms.push(ms(*b, *at_ms));
        }
        if let Some(p) = called.as_ref().and_then(|c| c.get(ticket)) {
            page_ms.push(ms(*p, *at_ms));
        }
    }
    Ok(Phase {
        name: name.into(),
        calls: n,
        secs,
        cpu_pct: 100.0 * cpu / secs,
        rss,
        board_ms,
        event_ms,
        page_ms,
        page_updates: phones.map_or(0, |p| p.seen.updates.load(Ordering::Relaxed)) - updates0,
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The hub's CPU, % of one core, over `d` of nothing happening but the pages' keep-alives.
async fn idle(hall: &Hall, d: Duration) -> anyhow::Result<(f64, (f64, f64))> {
    let pid = hall.hub_pid()?.to_string();
    let cpu0 = cpu_time(&pid)?;
    tokio::time::sleep(d).await;
    let cpu = cpu_time(&pid)?.saturating_sub(cpu0).as_secs_f64();
    Ok((100.0 * cpu / d.as_secs_f64(), memory(&pid)))
}

/// A hub started, its devices connected and signed in, its morning's tickets issued.
struct Day {
    hall: Hall,
    display: Arc<Mutex<DisplaySeen>>,
    counters: Vec<DeviceClient>,
    kiosks: Vec<DeviceClient>,
    rotation: Arc<AtomicUsize>,
    /// The morning's tickets by serial: id and page URL (none without `[phone]`).
    issued: BTreeMap<u32, (String, Option<String>)>,
    _keep: Vec<tokio::task::JoinHandle<()>>,
}

async fn open_day(
    bin: &std::path::Path,
    phone: bool,
    tickets: usize,
    hq: Option<&hall::AtHq>,
) -> anyhow::Result<Day> {
    let kiosks_n = 2;
    let mut hall = Hall::create(kiosks_n, phone, hq)?;
    hall.start_hub(bin).await?;
    let (display, dt) = hall.device("display-main", true).await?;
    wait_hub_online(&display).await?;
    let seen = watch_display(&display);
    let mut keep = vec![dt];
    let mut counters = Vec::new();
    for c in &QueueConfig::telecom_default().counters {
        let (client, task) = hall.device(&format!("counter-{}", c.number), false).await?;
        let staff = StaffNo::new(format!("E{:04}", c.number.0))?;
        expect_ok(client.send(Command::SignIn { staff, pin: None }).await?)?;
        counters.push(client);
        keep.push(task);
    }
    let mut kiosks = Vec::new();
    for k in 1..=kiosks_n {
        let (client, task) = hall.device(&format!("kiosk-{k}"), false).await?;
        kiosks.push(client);
        keep.push(task);
    }
    // The morning: the day's first tickets, 16 in flight.
    eprintln!("issuing {tickets} tickets…");
    let rotation = Arc::new(AtomicUsize::new(0));
    let mut issued = BTreeMap::new();
    let mut tasks = Vec::new();
    for w in 0..16 {
        let kiosk = kiosks[w % kiosks.len()].clone();
        let rotation = Arc::clone(&rotation);
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            loop {
                let r = rotation.fetch_add(1, Ordering::Relaxed);
                if r >= tickets {
                    break;
                }
                out.push(issue(&kiosk, r).await?);
            }
            anyhow::Ok(out)
        }));
    }
    for t in tasks {
        for (ticket, url) in t.await?? {
            let serial = ticket.rsplit('-').next().and_then(|s| s.parse().ok());
            issued.insert(
                serial.context("a ticket id without a serial")?,
                (ticket, url),
            );
        }
    }
    Ok(Day {
        hall,
        display: seen,
        counters,
        kiosks,
        rotation,
        issued,
        _keep: keep,
    })
}

impl Day {
    async fn phase(&self, name: &str, phones: Option<&Phones>, a: &Args) -> anyhow::Result<Phase> {
        phase(
            name,
            &self.hall,
            &self.counters,
            &self.kiosks,
            &self.display,
            phones,
            a.calls,
            a.pace,
            &self.rotation,
        )
        .await
    }
}

fn row(p: &Phase) -> String {
    let cpu_ms = p.cpu_pct / 100.0 * p.secs * 1000.0 / p.calls.max(1) as f64;
    format!(
        "| {} | {} | {:.1} | {:.1} | {:.2} | {:.1} ({:.1}) | {} | {} | {} | {:.0} |",
        p.name,
        p.calls,
        p.calls as f64 / p.secs,
        p.cpu_pct,
        cpu_ms,
        p.rss.0,
        p.rss.1,
        p50_p99(p.board_ms.clone()),
        p50_p99(p.event_ms.clone()),
        if p.page_ms.is_empty() {
            "–".to_string()
        } else {
            format!("{} ({})", p50_p99(p.page_ms.clone()), p.page_ms.len())
        },
        p.page_updates as f64 / p.calls.max(1) as f64,
    )
}

fn sorted(v: &[f64]) -> Vec<f64> {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    v
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let bin = match a.hub.clone() {
        Some(b) => b,
        None => hall::default_hub_binary()?,
    };
    // The floor: the same day on a hub without `[phone]` (no board to rebuild, no pages).
    eprintln!("floor: a hub without [phone]");
    let floor = open_day(&bin, false, a.tickets, None).await?;
    let idle_floor = idle(&floor.hall, a.idle).await?;
    let p0 = floor.phase("without [phone]", None, &a).await?;
    drop(floor);

    let hq = if a.at_hq {
        eprintln!("HQ: a 3-node NATS cluster and HQ's pages");
        Some(hq::Hq::start("phones").await?)
    } else {
        None
    };
    let at = if hq.is_some() { " at HQ" } else { "" };
    eprintln!("a hub with [phone]");
    let day = open_day(&bin, true, a.tickets, hq.as_ref().map(|h| &h.at)).await?;
    let idle0 = idle(&day.hall, a.idle).await?;
    eprintln!("phase 1: {} calls, no page open…", a.calls);
    let p1 = day.phase("[phone], no page open", None, &a).await?;
    // The pages: the day's waiting tickets, first issued first (those called next).
    let called: Vec<String> = lock(&day.display).events.keys().cloned().collect();
    let open: Vec<(String, String)> = day
        .issued
        .values()
        .filter(|(t, _)| !called.contains(t))
        .filter_map(|(t, url)| Some((t.clone(), url.clone()?)))
        .take(a.pages)
        .collect();
    if let Some(hq) = &hq {
        eprintln!("waiting for the board at HQ…");
        hq.wait_page(hq::last(&open)?).await?;
    }
    eprintln!("opening {} pages{at}…", open.len());
    let t = Instant::now();
    let phones = Phones::open(&open, 200).await?;
    let opened = t.elapsed().as_secs_f64();
    let (ok, failed) = (
        phones.seen.open.load(Ordering::Relaxed),
        phones.seen.failed.load(Ordering::Relaxed),
    );
    let idle1 = idle(&day.hall, a.idle).await?;
    eprintln!("phase 2: {} calls, {ok} pages open{at}…", a.calls);
    let wire0 = hq.as_ref().map(|h| h.wire.now());
    let (t2, own0) = (Instant::now(), cpu_time("self")?);
    let p2 = day
        .phase(&format!("[phone], {ok} pages open{at}"), Some(&phones), &a)
        .await?;
    let own_pct =
        100.0 * cpu_time("self")?.saturating_sub(own0).as_secs_f64() / t2.elapsed().as_secs_f64();
    let wire = hq.as_ref().zip(wire0).map(|(h, (m0, b0))| {
        let (m, b) = h.wire.now();
        let secs = t2.elapsed().as_secs_f64();
        (
            m - m0,
            (b - b0) as f64 / 1024.0 / secs,
            h.wire.largest.load(Ordering::Relaxed),
        )
    });
    let dropped = phones.seen.failed.load(Ordering::Relaxed) - failed;
    let wire_ms = hq.as_ref().map(|h| {
        // Each call of phase 2 whose page was open: when its message went by on HQ's cluster.
        let on_wire = lock(&h.wire.called);
        let seen = lock(&day.display);
        let mut ms = Vec::new();
        for (ticket, (at_ms, _, _)) in &seen.events {
            if phones
                .seen
                .called
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains_key(ticket)
                && let Some(at) = on_wire.get(ticket)
            {
                ms.push((*at - at_ms * 1000) as f64 / 1000.0);
            }
        }
        ms
    });
    phones.close();

    println!(
        "hub: {} (its own process); bench: this process",
        bin.display()
    );
    println!(
        "day: {} tickets issued first, then one more per call; 6 counters, call → start → finish, {} ms apart",
        a.tickets,
        a.pace.as_millis()
    );
    println!(
        "pages{at}: {ok} opened in {opened:.1} s ({failed} refused), {dropped} dropped during phase 2"
    );
    println!(
        "this process (the phones{}) in phase 2: CPU {own_pct:.1} % of one core",
        if hq.is_some() { ", and HQ's pages" } else { "" }
    );
    if let Some(ms) = wire_ms {
        println!(
            "call → the board's message saying so on HQ's cluster, same calls: p50 / p99 {} ms ({})",
            p50_p99(ms.clone()),
            ms.len()
        );
    }
    if let Some((messages, kib_s, largest)) = wire {
        println!(
            "the pages' board to HQ in phase 2: {messages} messages, {kib_s:.1} KiB/s; largest message of the run {largest} bytes"
        );
    }
    for (what, (cpu, (rss, hwm))) in [
        ("without [phone]", idle_floor),
        ("[phone], no page open", idle0),
        (&*format!("[phone], {ok} pages open{at}"), idle1),
    ] {
        println!(
            "idle {} s, {what}: hub CPU {cpu:.2} %, RSS {rss:.1} MiB (peak {hwm:.1})",
            a.idle.as_secs()
        );
    }
    println!();
    println!(
        "| hub | calls | calls/s | hub CPU % | CPU ms/call | hub RSS MiB (peak) | call → display board p50 / p99 ms | call → call event p50 / p99 ms | call → page p50 / p99 ms (pages) | page updates/call |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for p in [&p0, &p1, &p2] {
        println!("{}", row(p));
    }
    let (b2, pg) = (sorted(&p2.board_ms), sorted(&p2.page_ms));
    println!(
        "\npage / display board, same phase: p50 {:.2}×, p99 {:.2}×",
        quantile(&pg, 0.5) / quantile(&b2, 0.5),
        quantile(&pg, 0.99) / quantile(&b2, 0.99)
    );
    let cpu_call = |p: &Phase| p.cpu_pct * p.secs / p.calls.max(1) as f64;
    println!(
        "hub CPU per call against the hub without [phone]: no page {:.2}×, {ok} pages {:.2}×",
        cpu_call(&p1) / cpu_call(&p0),
        cpu_call(&p2) / cpu_call(&p0)
    );
    println!(
        "display updates lost by the recorder: {}",
        lock(&day.display).lagged
    );
    Ok(())
}
