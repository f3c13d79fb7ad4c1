//! `hallq`: the one command of a hall. Thin: it parses the command line and calls the library
//! code of each subcommand.

mod board;
mod demo;

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
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Cmd::Demo(args) => demo::run(&args),
    }
}
