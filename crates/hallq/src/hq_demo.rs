//! `hallq hq demo` (`./dev demo-chain`): a chain on one machine. Three NATS nodes and a
//! PostgreSQL (real processes, `hallq_hq::engines`), HQ's process (ingest workers, the halls'
//! marks and live status, the console) and several halls, each a real `hallq sim` process
//! playing its day with its own seed and region and its `[uplink]` to HQ. One hall reaches HQ
//! through a [`LinkProxy`] that is cut for part of its day: the console shows it go offline and
//! come back, and its backlog catch up. When a hall's day is over its hub goes on as
//! `hallq hub` (a closed hall still reports), until Ctrl-C.

#![allow(
    clippy::print_stdout,
    reason = "the demo's output is for the person running it"
)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use hallq_hq::engines::LinkProxy;
use hallq_hq::serve::{self, HqConfig, Role};
use hallq_hq::user::{self, Scope};
use hallq_hq::{NatsCluster, Postgres};
use tokio::process::{Child, Command};

/// Options of `hallq hq demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct HqDemoArgs {
    /// How many halls (2 to 8), spread over three regions.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u8).range(2..=8))]
    halls: u8,
    /// Simulated seconds per real second in every hall.
    #[arg(long, default_value_t = 120.0)]
    speed: f64,
    /// Where the engines' data, HQ's configuration and the halls' journals go; started afresh.
    #[arg(long, default_value = "./hallq-data/chain")]
    data_dir: PathBuf,
    /// Where the console listens (a free port is taken if this one is busy).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Real seconds after the start at which the second hall's link to HQ is cut.
    #[arg(long, default_value_t = 60)]
    cut_after_s: u64,
    /// Real seconds the link stays cut (over a minute: the console shows the hall offline).
    #[arg(long, default_value_t = 90)]
    cut_for_s: u64,
    /// Stop once every hall's day is over and HQ holds every event of it (for tests and
    /// scripts), instead of running on until Ctrl-C; not while the cut is under way (a cut due
    /// after that does not hold it up).
    #[arg(long)]
    exit_when_done: bool,
}

/// One hall of the demo chain.
struct Hall {
    id: String,
    zh: &'static str,
    en: &'static str,
    region: &'static str,
    dir: PathBuf,
    config: PathBuf,
    child: Option<Child>,
    /// The hub that goes on after the day (`hallq hub`).
    after: Option<Child>,
}

/// The halls the demo can play, in order: ids, names, regions.
const HALLS: [(&str, &str, &str, &str); 8] = [
    ("gz-tianhe", "天河营业厅", "Tianhe Hall", "gd-gz"),
    ("gz-yuexiu", "越秀营业厅", "Yuexiu Hall", "gd-gz"),
    ("sz-futian", "福田营业厅", "Futian Hall", "gd-sz"),
    ("sh-pudong", "浦东营业厅", "Pudong Hall", "sh"),
    ("sz-nanshan", "南山营业厅", "Nanshan Hall", "gd-sz"),
    ("sh-xuhui", "徐汇营业厅", "Xuhui Hall", "sh"),
    ("gz-haizhu", "海珠营业厅", "Haizhu Hall", "gd-gz"),
    ("sh-jingan", "静安营业厅", "Jing'an Hall", "sh"),
];

/// The hall whose link is cut (the second: a hall of the first region).
const CUT_HALL: usize = 1;

/// Runs the chain demo.
pub(crate) fn run(args: &HqDemoArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.speed > 0.0 && args.speed <= 100_000.0,
        "--speed must be in (0, 100000] / 速度无效"
    );
    crate::hub_cmd::init_tracing_quiet();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(chain(args))
}

async fn chain(args: &HqDemoArgs) -> anyhow::Result<()> {
    let root = fresh(&args.data_dir)?;
    println!(
        "总部演示 chain demo: engines, HQ and {} halls in {}",
        args.halls,
        root.display()
    );
    let nats = NatsCluster::start(&root.join("nats"))
        .await
        .context("starting the NATS cluster / 无法启动 NATS 集群")?;
    let pg = Postgres::start(&root.join("pg"))
        .await
        .context("starting PostgreSQL / 无法启动 PostgreSQL")?;
    let listen = free_or_any(args.listen);
    let hq_toml = root.join("hq.toml");
    std::fs::write(&hq_toml, hq_config(&nats.urls(), &pg.conninfo(), listen))?;
    let cfg = HqConfig::load(&hq_toml)?;
    let running = serve::start(&cfg, Role::All).await?;
    let web = running.web.context("the console did not start")?;

    let mut halls = plan_halls(&root, usize::from(args.halls))?;
    let logins = add_users(&cfg, &halls).await?;
    let first_node: SocketAddr = nats.urls()[0]
        .trim_start_matches("nats://")
        .parse()
        .context("the first node's address")?;
    let proxy = LinkProxy::start(first_node).await?;
    for (i, hall) in halls.iter_mut().enumerate() {
        let servers = if i == CUT_HALL {
            vec![format!("nats://{}", proxy.addr())]
        } else {
            nats.urls()
        };
        std::fs::write(&hall.config, hall_config(hall, &servers)?)?;
        hall.child = Some(play(hall, i, args.speed)?);
    }

    println!("\n总部控制台 HQ console: http://{web}/");
    for (login, password, what) in &logins {
        println!("  {login:<16} {password:<24} {what}");
    }
    println!(
        "\n{} halls play their day at ×{}; hall {} loses its link to HQ {} s from now for {} s.",
        halls.len(),
        args.speed,
        halls[CUT_HALL].id,
        args.cut_after_s,
        args.cut_for_s
    );
    println!("Ctrl-C stops everything.\n");

    // One connection for the checks of --exit-when-done, made when first needed.
    let mut store: Option<tokio_postgres::Client> = None;
    let started = tokio::time::Instant::now();
    let cut_at = started + Duration::from_secs(args.cut_after_s);
    let restore_at = cut_at + Duration::from_secs(args.cut_for_s);
    let mut ctrl_c = std::pin::pin!(crate::hub_cmd::shutdown_signal());
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            () = &mut ctrl_c => break,
            _ = tick.tick() => {}
        }
        let now = tokio::time::Instant::now();
        if now >= cut_at && now < restore_at && !proxy.is_cut() {
            proxy.cut();
            println!(
                "✂ {} 与总部断开 link to HQ cut (its hub goes on serving)",
                halls[CUT_HALL].id
            );
        }
        if now >= restore_at && proxy.is_cut() {
            proxy.restore();
            println!(
                "↺ {} 与总部恢复 link restored: its backlog catches up",
                halls[CUT_HALL].id
            );
        }
        for hall in &mut halls {
            after_the_day(hall).await?;
        }
        if args.exit_when_done
            && !cut_pending(now, cut_at, restore_at, proxy.is_cut())
            && halls.iter().all(|h| h.child.is_none())
            && all_at_hq(&cfg, &mut store, &halls).await?
        {
            println!("every hall's day is at HQ / 各厅数据已全部上传总部");
            break;
        }
    }
    for hall in &mut halls {
        for child in [hall.child.as_mut(), hall.after.as_mut()]
            .into_iter()
            .flatten()
        {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }
    running.stop().await;
    drop(proxy);
    drop(pg);
    drop(nats);
    Ok(())
}

/// Whether the demo's cut is still to come or under way at `now`, for `--exit-when-done`: a
/// cut set for after every hall's day is over does not hold the demo up (a benchmark playing
/// the days without a cut sets it far away).
fn cut_pending<T: PartialOrd>(now: T, cut_at: T, restore_at: T, is_cut: bool) -> bool {
    is_cut || (now >= cut_at && now < restore_at)
}

/// `dir`, made empty: a folder this demo made before (it holds `hq.toml`) is cleared; any other
/// folder that holds something is refused, so nothing of the user's is deleted.
fn fresh(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        anyhow::ensure!(
            dir.join("hq.toml").is_file(),
            "{} holds files this demo did not make: give an empty or new --data-dir / 数据目录不是空的",
            dir.display()
        );
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    Ok(std::fs::canonicalize(dir)?)
}

/// `wanted` if it can be bound now, else a free port on its address.
fn free_or_any(wanted: SocketAddr) -> SocketAddr {
    if std::net::TcpListener::bind(wanted).is_ok() {
        wanted
    } else {
        SocketAddr::new(wanted.ip(), 0)
    }
}

fn hq_config(servers: &[String], conninfo: &str, listen: SocketAddr) -> String {
    let servers: Vec<String> = servers.iter().map(|s| format!("{s:?}")).collect();
    format!(
        "# The chain demo's HQ (hallq hq demo): engines on loopback, no passwords.\n\
         [nats]\nservers = [{}]\n\n[postgres]\nconninfo = {conninfo:?}\n\n\
         [web]\nlisten = \"{listen}\"\n\n[ingest]\nworkers = 2\n",
        servers.join(", ")
    )
}

fn plan_halls(root: &Path, n: usize) -> anyhow::Result<Vec<Hall>> {
    HALLS
        .iter()
        .take(n)
        .map(|&(id, zh, en, region)| {
            let dir = root.join("halls").join(id);
            std::fs::create_dir_all(&dir)?;
            Ok(Hall {
                id: id.to_owned(),
                zh,
                en,
                region,
                config: root.join("halls").join(format!("{id}.toml")),
                dir: dir.join("data"),
                child: None,
                after: None,
            })
        })
        .collect()
}

/// The hall's hall.toml: the example hall under the hall's id and name, its journal in its
/// folder, and its `[uplink]` to HQ.
fn hall_config(hall: &Hall, servers: &[String]) -> anyhow::Result<String> {
    let mut doc: toml_edit::DocumentMut = include_str!("../../../deploy/hall.example.toml")
        .parse()
        .context("the example hall.toml")?;
    doc["hall"]["id"] = toml_edit::value(&hall.id);
    let mut name = toml_edit::InlineTable::new();
    name.insert("zh", hall.zh.into());
    name.insert("en", hall.en.into());
    doc["hall"]["name"] = toml_edit::value(name);
    doc["hall"]["open_sign_in"] = toml_edit::value(true);
    doc["hub"]["data_dir"] = toml_edit::value(hall.dir.display().to_string());
    doc["hub"]["profiles_dir"] = toml_edit::value(profiles_dir().display().to_string());
    // After its day the hall's hub goes on (`hallq hub`) on a port of its own.
    let port = std::net::TcpListener::bind(("127.0.0.1", 0))?
        .local_addr()?
        .port();
    doc["broker"]["listen"] = toml_edit::value(format!("127.0.0.1:{port}"));
    let mut uplink = toml_edit::Table::new();
    let mut list = toml_edit::Array::new();
    for s in servers {
        list.push(s.as_str());
    }
    uplink.insert("servers", toml_edit::value(list));
    uplink.insert("region", toml_edit::value(hall.region));
    doc["uplink"] = toml_edit::Item::Table(uplink);
    Ok(doc.to_string())
}

/// The firmware profiles: the working directory's when run from the repository, else the
/// source tree's (as `hallq demo`).
fn profiles_dir() -> PathBuf {
    let here = PathBuf::from("firmware-profiles");
    match std::fs::canonicalize(&here) {
        Ok(p) if p.is_dir() => p,
        _ => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../firmware-profiles"
        )),
    }
}

/// Starts hall number `i`'s day: `hallq sim` with its own seed, its output in its folder.
fn play(hall: &Hall, i: usize, speed: f64) -> anyhow::Result<Child> {
    let log = std::fs::File::create(hall.dir.with_file_name("day.log"))?;
    let child = Command::new(std::env::current_exe()?)
        .arg("sim")
        .arg("--config")
        .arg(&hall.config)
        .arg("--data-dir")
        .arg(&hall.dir)
        .args(["--seed", &(11 + i as u64 * 7).to_string()])
        .args(["--speed", &speed.to_string()])
        .args(["--progress-min", "60"])
        .stdout(Stdio::from(log.try_clone()?))
        .stderr(Stdio::from(log))
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting hall {}", hall.id))?;
    Ok(child)
}

/// When a hall's day has ended, its hub goes on as `hallq hub` on the same journal, so the
/// hall keeps reporting to HQ (and uploads what it has not yet).
async fn after_the_day(hall: &mut Hall) -> anyhow::Result<()> {
    let Some(child) = hall.child.as_mut() else {
        return Ok(());
    };
    let Some(status) = child.try_wait()? else {
        return Ok(());
    };
    hall.child = None;
    if !status.success() {
        println!(
            "✗ {} 的一天异常结束 the day ended with {status}: see {}",
            hall.id,
            hall.dir.with_file_name("day.log").display()
        );
        return Ok(());
    }
    println!("✓ {} 今日营业结束 day over; its hub stays up", hall.id);
    let log = std::fs::File::create(hall.dir.with_file_name("hub.log"))?;
    hall.after = Some(
        Command::new(std::env::current_exe()?)
            .arg("hub")
            .arg("--config")
            .arg(&hall.config)
            .stdout(Stdio::from(log.try_clone()?))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()?,
    );
    Ok(())
}

/// The console's logins: HQ staff, a regional manager per region, a hall manager for the first
/// hall; each with a fresh password.
async fn add_users(
    cfg: &HqConfig,
    halls: &[Hall],
) -> anyhow::Result<Vec<(String, String, String)>> {
    let client = serve::connect_pg(&cfg.pg_config()?).await?;
    let mut regions: Vec<&str> = halls.iter().map(|h| h.region).collect();
    regions.sort_unstable();
    regions.dedup();
    let mut users = vec![(
        "hq".to_owned(),
        Scope::Chain,
        "总部 HQ staff: the whole chain".to_owned(),
    )];
    for r in regions {
        users.push((
            format!("region-{r}"),
            Scope::Region(r.to_owned()),
            format!("区域经理 regional manager: {r}"),
        ));
    }
    let first = &halls[0];
    users.push((
        format!("hall-{}", first.id),
        Scope::Hall(first.id.clone()),
        format!("厅经理 hall manager: {}", first.id),
    ));
    let mut logins = Vec::new();
    for (login, scope, what) in users {
        let password = hallq_hub::secret::random();
        user::add(&client, &login, &what, &scope, &password).await?;
        logins.push((login, password, what));
    }
    Ok(logins)
}

/// Whether HQ holds every event of every hall's journal (its mark at the journal's last seq).
async fn all_at_hq(
    cfg: &HqConfig,
    store: &mut Option<tokio_postgres::Client>,
    halls: &[Hall],
) -> anyhow::Result<bool> {
    let client = match store {
        Some(c) if !c.is_closed() => c,
        _ => store.insert(serve::connect_pg(&cfg.pg_config()?).await?),
    };
    for hall in halls {
        let journal = hallq_journal::Journal::open_read_only(hall.dir.join("journal.db"))?;
        let epoch = journal.epoch()?;
        let last: i64 = journal.connection().query_row(
            "SELECT coalesce(max(seq), 0) FROM events",
            [],
            |r| r.get(0),
        )?;
        let mark: Option<i64> = client
            .query_opt(
                "SELECT seq FROM marks WHERE hall = $1 AND epoch = $2",
                &[&hall.id, &epoch],
            )
            .await?
            .map(|r| r.get(0));
        if mark != Some(last) {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::cut_pending;

    #[test]
    fn the_demo_waits_for_a_cut_under_way_but_not_for_one_due_after_the_days() {
        // Cut from 5 to 20.
        assert!(
            !cut_pending(3, 5, 20, false),
            "before it: done may stop the demo"
        );
        assert!(cut_pending(5, 5, 20, false), "it starts at the next tick");
        assert!(cut_pending(12, 5, 20, true));
        assert!(
            cut_pending(20, 5, 20, true),
            "restored only at the next tick"
        );
        assert!(!cut_pending(21, 5, 20, false));
    }
}
