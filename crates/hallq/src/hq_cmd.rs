//! `hallq hq`: headquarters. `serve` runs HQ's process (ingest workers and the web console, or
//! either alone); `user add` adds a console user (docs/chain.md, "The console"); `config publish`
//! publishes a configuration document for the chain, a region or a hall.

#![allow(clippy::print_stdout, reason = "the outcome is this command's output")]

use std::path::PathBuf;

use anyhow::Context as _;
use hallq_hq::serve::{self, HqConfig, Role};
use hallq_hq::user::{self, Scope};

/// Options of `hallq hq`.
#[derive(Debug, clap::Args)]
pub(crate) struct HqArgs {
    #[command(subcommand)]
    command: HqCmd,
}

#[derive(Debug, clap::Subcommand)]
enum HqCmd {
    /// Run HQ: the ingest workers and the web console (deploy/hq.example.toml documents every
    /// key). Stops cleanly on SIGTERM or Ctrl-C.
    Serve {
        /// HQ's configuration.
        #[arg(long, env = "HALLQ_HQ_CONFIG")]
        config: PathBuf,
        /// What this process runs: `all`, or `ingest` / `web` alone (several of each may run
        /// against the same cluster and store).
        #[arg(long, value_enum, default_value = "all")]
        role: RoleArg,
    },
    /// A chain on this machine: three NATS nodes, PostgreSQL, HQ's process and several halls
    /// playing their day (one cut off from HQ for a while), with the console's address and
    /// logins printed. `./dev demo-chain` runs it.
    Demo(crate::hq_demo::HqDemoArgs),
    /// The console's users.
    User {
        #[command(subcommand)]
        command: UserCmd,
    },
    /// Configuration down: documents for the chain, a region or a hall (docs/chain.md,
    /// "Configuration down").
    Config {
        #[command(subcommand)]
        command: ConfigCmd,
    },
}

#[derive(Debug, clap::Subcommand)]
enum ConfigCmd {
    /// Check FILE (TOML: [kpi], [limits], [[business]], [[announcements]]) and publish it for
    /// a scope. The halls of the scope take it as soon as they can reach HQ; each reports the
    /// revision it has in force, or why it refused it. A file with a mistake is refused, in
    /// Chinese and English, and nothing is published.
    Publish {
        /// `chain`, `region:<region>` or `hall:<hall>`.
        #[arg(long)]
        scope: String,
        /// The document.
        file: PathBuf,
        /// Who publishes (recorded at HQ).
        #[arg(long, default_value = "")]
        by: String,
        /// HQ's configuration (for the cluster and the store).
        #[arg(long, env = "HALLQ_HQ_CONFIG")]
        config: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum RoleArg {
    All,
    Ingest,
    Web,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum UserRole {
    /// HQ staff: the whole chain.
    Hq,
    /// A regional manager: the halls of `--scope` (a region).
    Region,
    /// A hall manager: hall `--scope`.
    Hall,
}

#[derive(Debug, clap::Subcommand)]
enum UserCmd {
    /// Add a user, or give an existing one a new password, role or name. The password is read
    /// from standard input (one line, 10 to 200 characters) and stored hashed (Argon2id).
    Add {
        /// The login name (letters, digits, '.', '_', '-').
        login: String,
        /// What the user sees.
        #[arg(long, value_enum)]
        role: UserRole,
        /// The region (role region) or hall (role hall).
        #[arg(long)]
        scope: Option<String>,
        /// The name shown.
        #[arg(long, default_value = "")]
        name: String,
        /// HQ's configuration (for the store).
        #[arg(long, env = "HALLQ_HQ_CONFIG")]
        config: PathBuf,
    },
}

/// Runs `hallq hq …`.
pub(crate) fn run(args: &HqArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match &args.command {
        HqCmd::Demo(demo) => {
            drop(runtime);
            crate::hq_demo::run(demo)
        }
        HqCmd::Serve { config, role } => {
            let cfg = HqConfig::load(config)?;
            crate::hub_cmd::init_tracing(false);
            let role = match role {
                RoleArg::All => Role::All,
                RoleArg::Ingest => Role::Ingest,
                RoleArg::Web => Role::Web,
            };
            runtime.block_on(serve::run(&cfg, role, crate::hub_cmd::shutdown_signal()))?;
            Ok(())
        }
        HqCmd::Config {
            command:
                ConfigCmd::Publish {
                    scope,
                    file,
                    by,
                    config,
                },
        } => {
            let scope = hallq_hq::wire::Scope::parse(scope)?;
            let doc = hallq_hq::config::read_file(file)?;
            let cfg = HqConfig::load(config)?;
            let rev = runtime.block_on(hallq_hq::config::publish_with(&cfg, &scope, &doc, by))?;
            println!("published for {scope}: revision {rev} / 已发布至 {scope}：版本 {rev}");
            Ok(())
        }
        HqCmd::User {
            command:
                UserCmd::Add {
                    login,
                    role,
                    scope,
                    name,
                    config,
                },
        } => {
            let cfg = HqConfig::load(config)?;
            let scope = match (role, scope) {
                (UserRole::Hq, None) => Scope::Chain,
                (UserRole::Region, Some(s)) => Scope::Region(s.clone()),
                (UserRole::Hall, Some(s)) => Scope::Hall(s.clone()),
                (UserRole::Hq, Some(_)) => anyhow::bail!(
                    "HQ staff see the whole chain: no --scope / 总部人员查看全连锁，不带 --scope"
                ),
                (_, None) => anyhow::bail!(
                    "a regional or hall manager needs --scope (the region or hall) / 区域经理和厅经理须指定 --scope"
                ),
            };
            let mut typed = String::new();
            std::io::stdin().read_line(&mut typed)?;
            let password = typed.trim_end_matches(['\r', '\n']);
            runtime.block_on(async {
                let mut client = serve::connect_pg(&cfg.pg_config()?)
                    .await
                    .context("connecting to the HQ store / 无法连接总部数据库")?;
                hallq_hq::store::migrate(&mut client).await?;
                user::add(&client, login, name, &scope, password).await?;
                anyhow::Ok(())
            })?;
            println!("user {login} saved / 用户 {login} 已保存");
            Ok(())
        }
    }
}
