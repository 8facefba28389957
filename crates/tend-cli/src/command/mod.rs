//! The subcommands, one file each, and the global options they share.

mod analyze;
mod bench;
mod channel;
mod config_cmd;
mod demo;
mod eval;
mod import;
mod migrate;
mod rules;
mod serve;
mod train;
mod user;
mod worker;

use crate::config::{Config, default_config_file};
use anyhow::Context as _;
use clap::{Args, Parser, Subcommand};
use secrecy::{ExposeSecret as _, SecretString};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use tend_store::prelude::*;

/// Tend: self-hosted community management.
#[derive(Debug, Parser)]
#[command(name = "tend", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

/// Options every command understands.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Configuration file (default: ~/.config/tend/tend.toml when it exists).
    #[arg(long, global = true, env = "TEND_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// Where the SQLite database and other state live.
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Use this database instead of SQLite in the data directory (postgres://… or sqlite://…).
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the web app and API, and the background jobs.
    Serve(serve::Serve),
    /// Run the background jobs only (no HTTP); any number share one database.
    Worker(worker::WorkerCmd),
    /// Create (or reuse) the demo workspace with 90 days of realistic data, then serve it.
    Demo(demo::DemoCmd),
    /// Apply pending database migrations and exit.
    Migrate(migrate::Migrate),
    /// Inspect configuration.
    #[command(subcommand)]
    Config(config_cmd::ConfigCmd),
    /// Manage teammates.
    #[command(subcommand)]
    User(user::UserCmd),
    /// Print every text signal (language, sentiment, toxicity, spam, question, entities, length) as JSON lines.
    Analyze(analyze::Analyze),
    /// Measure the text signals' accuracy on public labelled data.
    Eval(eval::Eval),
    /// Retrain a learned text model from the labelled data.
    Train(train::Train),
    /// Import a platform export (Stack Exchange, Reddit, Discourse, Mastodon, X archive, NDJSON, CSV).
    Import(import::ImportCmd),
    /// Live channels: connect, list, read now, disconnect.
    #[command(subcommand)]
    Channel(channel::ChannelCmd),
    /// Moderation rules: check, dry-run against history, save versions, go live.
    #[command(subcommand)]
    Rules(rules::RulesCmd),
    /// Measure performance against a baseline taken in the same run.
    #[command(subcommand)]
    Bench(bench::BenchCmd),
}

/// Configuration and database location resolved from file, environment and flags.
pub struct Context {
    pub config: Config,
    database_url: String,
    sqlite_dir: Option<PathBuf>,
}

impl Context {
    fn new(global: &GlobalArgs) -> anyhow::Result<Context> {
        let (file, required) = match &global.config {
            Some(path) => (Some(path.clone()), true),
            None => (default_config_file().filter(|p| p.exists()), false),
        };
        let mut config =
            Config::load(file.as_deref(), required).context("reading the configuration")?;
        if let Some(dir) = &global.data_dir {
            config.data_dir = Some(dir.clone());
        }
        if let Some(url) = &global.database_url {
            config.database.url = Some(SecretString::from(url.clone()));
        }
        let (database_url, sqlite_dir) = match &config.database.url {
            Some(url) => (url.expose_secret().to_owned(), None),
            None => {
                let dir = config.data_dir();
                (
                    format!("sqlite://{}", dir.join("tend.db").display()),
                    Some(dir),
                )
            }
        };
        Ok(Context {
            config,
            database_url,
            sqlite_dir,
        })
    }

    /// Opens the store and applies pending migrations.
    pub async fn store(&self) -> anyhow::Result<Arc<dyn Store>> {
        if let Some(dir) = &self.sqlite_dir {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the data directory {}", dir.display()))?;
        }
        tend_store::open(&self.database_url, self.config.database.max_connections)
            .await
            .with_context(|| format!("opening the database ({})", self.database_label()))
    }

    /// The key that seals live channels' credentials: `[channels] secret_key`,
    /// else `<data_dir>/channels.key` (made on first use).
    pub fn secrets(&self) -> anyhow::Result<tend_core::channels::secrets::SecretBox> {
        use tend_core::channels::secrets::SecretBox;
        match &self.config.channels.secret_key {
            Some(key) => {
                SecretBox::from_base64(key.expose_secret()).context("reading [channels] secret_key")
            }
            None => {
                let path = self.config.data_dir().join("channels.key");
                SecretBox::from_key_file(&path)
                    .with_context(|| format!("reading the channel key file {}", path.display()))
            }
        }
    }

    /// The database location without credentials, for messages.
    pub fn database_label(&self) -> String {
        match self.database_url.split_once('@') {
            Some((scheme_and_user, host)) => {
                let scheme = scheme_and_user.split("://").next().unwrap_or("postgres");
                format!("{scheme}://…@{host}")
            }
            None => self.database_url.clone(),
        }
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // These need neither the configuration nor the database, so they work even when
    // the configuration is broken.
    match &cli.command {
        Command::Config(cmd) => return cmd.run(&cli.global),
        Command::Analyze(cmd) => return cmd.run(),
        Command::Eval(cmd) => return cmd.run(),
        Command::Train(cmd) => return cmd.run(),
        _ => {}
    }
    let ctx = Context::new(&cli.global)?;
    init_logging(&ctx.config.log.filter);
    let rt = runtime()?;
    rt.block_on(async move {
        match cli.command {
            Command::Serve(cmd) => cmd.run(&ctx).await,
            Command::Worker(cmd) => cmd.run(&ctx).await,
            Command::Demo(cmd) => cmd.run(&ctx).await,
            Command::Migrate(cmd) => cmd.run(&ctx).await,
            Command::User(cmd) => cmd.run(&ctx).await,
            Command::Bench(cmd) => cmd.run(&ctx).await,
            Command::Import(cmd) => cmd.run(&ctx).await,
            Command::Rules(cmd) => cmd.run(&ctx).await,
            Command::Channel(cmd) => cmd.run(&ctx).await,
            Command::Config(_) | Command::Analyze(_) | Command::Eval(_) | Command::Train(_) => {
                unreachable!("handled above")
            }
        }
    })
}

/// The repository's `testdata/` folder: `--data` when given, else `./testdata` when it
/// exists, else the folder next to the sources this binary was built from.
pub fn testdata_dir(explicit: Option<&std::path::Path>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir.to_path_buf();
    }
    let local = PathBuf::from("testdata");
    if local.is_dir() {
        return local;
    }
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata"))
}
