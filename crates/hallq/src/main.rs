//! `hallq`: the one command of a hall. Thin: it parses the command line and calls the library
//! code of each subcommand.

mod bench;
mod board;
mod demo;
mod device_cmd;
mod hub_cmd;
mod sim;

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
    /// Read a secret (device password or staff PIN) from standard input and print its argon2
    /// hash, for `secret_hash` and `pin_hash` in hall.toml. The secret itself is never stored.
    HashSecret,
    /// Measure the hall end to end and print a table: the bare broker round trip (the floor),
    /// command → reply → board one at a time and with many in flight, and durable commands per
    /// second, over the embedded broker and Eclipse Mosquitto (docs/BENCHMARKS.md).
    Bench(bench::BenchArgs),
    /// Device firmware profiles: `hallq device check FILE…` validates them
    /// (firmware-profiles/README.md).
    Device(device_cmd::DeviceArgs),
    /// Simulate a hall day against the real hub on an accelerated clock: every device of the
    /// hall emulated over MQTT, customers planned from a seed; progress, then the simulator's
    /// figures beside the journal's. `--load`: many devices against one hub instead.
    Sim(sim::SimArgs),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Demo(args) => demo::run(&args),
        Cmd::Hub(args) => hub_cmd::run(&args),
        Cmd::HashSecret => hash_secret(),
        Cmd::Bench(args) => bench::run(&args),
        Cmd::Device(args) => device_cmd::run(&args),
        Cmd::Sim(args) => sim::run(&args),
    }
}

#[allow(clippy::print_stdout, reason = "the hash is this command's output")]
fn hash_secret() -> anyhow::Result<()> {
    let mut secret = String::new();
    std::io::stdin().read_line(&mut secret)?;
    let secret = secret.trim_end_matches(['\r', '\n']);
    anyhow::ensure!(
        !secret.is_empty(),
        "no secret on standard input / 标准输入中没有密码"
    );
    println!("{}", hallq_hub::broker::hash_password(secret)?);
    Ok(())
}
