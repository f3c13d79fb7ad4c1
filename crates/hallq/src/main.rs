//! `hallq`: the one command of a hall. Thin: it parses the command line and calls the library
//! code of each subcommand.

mod audit_cmd;
mod bench;
mod board;
mod demo;
mod device_cmd;
mod hq_cmd;
mod hq_demo;
mod hub_cmd;
mod report_cmd;
mod sim;
mod staff_cmd;
mod tls_cmd;

use clap::{Parser, Subcommand};

/// hallq — queue and touchpoint system of a telecom business hall (营业厅排队与接触点系统).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Run a scripted day of the demo hall through the queue engine, printing the board as it
    /// changes, then the day's figures.
    Demo(demo::DemoArgs),
    /// Run the hall's hub: the broker (embedded unless an external one is given), the queue and
    /// the journal. Stops cleanly on SIGTERM or Ctrl-C.
    Hub(hub_cmd::HubArgs),
    /// Print the Argon2id hash of a secret, for `secret_hash` and `pin_hash` in hall.toml. The
    /// secret itself is never stored.
    ///
    /// Without options it reads a secret a person chose (a staff PIN, a typed password) from
    /// standard input and hashes it memory-hard (19 MiB, about 20 ms per check). For a device,
    /// `--new` makes a random secret and prints it on the first line, its hash on the second:
    /// 132 random bits need no memory-hard hash, and a hall of hundreds of devices can then log
    /// in at once.
    HashSecret(HashSecretArgs),
    /// Measure the hall end to end and print a table: the bare broker round trip (the floor),
    /// command → reply → board one at a time and with many in flight, and durable commands per
    /// second, over the embedded broker and Eclipse Mosquitto (docs/BENCHMARKS.md).
    Bench(bench::BenchArgs),
    /// The hall's devices: `add` (a new secret, shown once), `revoke`, `rotate`, `list` in
    /// hall.toml; `mosquitto` writes Mosquitto's password and ACL files from them; `check FILE…`
    /// validates firmware profiles (firmware-profiles/README.md).
    Device(device_cmd::DeviceArgs),
    /// Simulate a hall day against the real hub on an accelerated clock: every device of the
    /// hall emulated over MQTT, customers planned from a seed; progress, then the simulator's
    /// figures beside the journal's. `--load`: many devices against one hub instead.
    Sim(sim::SimArgs),
    /// Report from the journal (read-only, also while the hub runs): visits and their waits,
    /// KPIs against targets, the touchpoint map, load and staffing, staff, complaints, priority
    /// fairness, data quality; as tables, CSV files or one HTML page with charts.
    Report(report_cmd::ReportArgs),
    /// TLS for the hall's broker: `init` makes the hall's own CA and the broker's certificate
    /// (ca.pem goes to every device, the keys stay on the hub).
    Tls(tls_cmd::TlsArgs),
    /// The hall's security view from the journal (read-only): the audit trail (devices added,
    /// revoked, rotated; keys; purges), the commands refused by device and reason, wrong PINs,
    /// and the personal data kept against its retention.
    Audit(audit_cmd::AuditArgs),
    /// The hall's clerks: `set-pin NUMBER` gives a clerk a new PIN (read from standard input,
    /// hashed memory-hard, dated, audited).
    Staff(staff_cmd::StaffArgs),
    /// Headquarters, for a chain of halls: `serve` runs HQ (the ingest workers and the web
    /// console, or either alone, from hq.toml); `user add` adds a console user (password on
    /// standard input).
    Hq(hq_cmd::HqArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Demo(args) => demo::run(&args),
        Cmd::Hub(args) => hub_cmd::run(&args),
        Cmd::HashSecret(args) => hash_secret(&args),
        Cmd::Bench(args) => bench::run(&args),
        Cmd::Device(args) => device_cmd::run(&args),
        Cmd::Sim(args) => sim::run(&args),
        Cmd::Report(args) => report_cmd::run(&args),
        Cmd::Tls(args) => tls_cmd::run(&args),
        Cmd::Audit(args) => audit_cmd::run(&args),
        Cmd::Staff(args) => staff_cmd::run(&args),
        Cmd::Hq(args) => hq_cmd::run(&args),
    }
}

/// Options of `hallq hash-secret`.
#[derive(Debug, clap::Args)]
struct HashSecretArgs {
    /// Make a new random device secret: print it, then its hash.
    #[arg(long, conflicts_with = "random")]
    new: bool,
    /// The secret on standard input is machine-made and random (at least 22 characters, e.g.
    /// from a device's provisioning tool): hash it cheaply.
    #[arg(long)]
    random: bool,
}

#[allow(
    clippy::print_stdout,
    reason = "the secret and its hash are this command's output"
)]
fn hash_secret(args: &HashSecretArgs) -> anyhow::Result<()> {
    use hallq_hub::secret::{self, Strength};
    if args.new {
        let fresh = secret::random();
        println!("{fresh}");
        println!("{}", secret::hash(&fresh, Strength::Random)?);
        return Ok(());
    }
    let mut typed = String::new();
    std::io::stdin().read_line(&mut typed)?;
    let typed = typed.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(
        !typed.is_empty(),
        "no secret on standard input / 标准输入中没有密码"
    );
    let strength = if args.random {
        Strength::Random
    } else {
        Strength::Memorable
    };
    println!("{}", secret::hash(typed, strength)?);
    Ok(())
}
