//! `tend demo [--bind ADDR:PORT] [--seed N] [--no-serve]`: creates the demo
//! workspace (or reuses the one an earlier run made), prints what is in it and a
//! login with a fresh password, then serves the app exactly as `tend serve` does.
//!
//! A second run with the same seed reuses the data untouched (the window stays the
//! first run's 90 days) and only resets the password; an interrupted run is
//! completed. For a fresh demo, use an empty `--data-dir`.

use super::Context;
use super::serve::serve;
use clap::Args;
use jiff::Timestamp;
use secrecy::ExposeSecret as _;
use std::collections::BTreeMap;
use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Instant;
use tend_demo::{self as demo, DemoLogin, DemoManifest, Progress};

#[derive(Debug, Args)]
pub struct DemoCmd {
    /// Address and port to listen on (default from the configuration: 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR:PORT")]
    bind: Option<SocketAddr>,
    /// Seed of the generated data: the same seed gives the same data.
    #[arg(long, default_value_t = demo::DEFAULT_SEED)]
    seed: u64,
    /// Only create the data; do not start the server.
    #[arg(long)]
    no_serve: bool,
}

impl DemoCmd {
    pub async fn run(&self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let store = ctx.store().await?;
        let started = Instant::now();
        println!(
            "Preparing the demo workspace `{}` (seed {}) in {}",
            demo::SLUG,
            self.seed,
            ctx.database_label()
        );
        let terminal = std::io::stderr().is_terminal();
        let installed = demo::install(&*store, self.seed, 1.0, Timestamp::now(), &mut |p| {
            show(&p, terminal)
        })
        .await?;
        let m = &installed.manifest;
        if installed.reused {
            println!(
                "Reusing the demo made for the 90 days up to {} (delete the data directory for a fresh one)",
                when(m.anchor)
            );
        } else {
            println!("Demo ready in {:.1} s", started.elapsed().as_secs_f64());
        }
        summary(m);
        let workspace = store.workspace_by_slug(demo::SLUG).await?.id;
        if let Some(live) =
            demo::live::connect_live(&*store, &ctx.secrets()?, workspace, Timestamp::now()).await?
        {
            println!(
                "Connected `{}`: a simulated member writes every {} s (Settings → Channels)",
                live.channel.name,
                demo::live::LIVE_EVERY_SECS
            );
        }
        if self.no_serve {
            login(&installed.login, "Log in (after `tend serve`) with");
            return Ok(ExitCode::SUCCESS);
        }
        let login_info = installed.login;
        serve(ctx, store, self.bind, true, move |addr| {
            login(&login_info, &format!("Log in at http://{addr}/ with"));
        })
        .await
    }
}

fn show(p: &Progress<'_>, terminal: bool) {
    match p {
        Progress::Generating { anchor, .. } => {
            println!(
                "Generating 90 days of community traffic up to {}",
                when(*anchor)
            );
        }
        Progress::Batch {
            channel,
            done,
            total,
        } if terminal => {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r  {channel}: {done}/{total}\x1b[K");
            let _ = err.flush();
        }
        Progress::Batch { .. } => {}
        Progress::Channel {
            channel,
            kind,
            messages,
            seconds,
        } => {
            if terminal {
                eprint!("\r\x1b[K");
            }
            println!("  {channel:<46} {kind:<14} {messages:>6} messages  {seconds:>5.1} s");
        }
        Progress::Linking { groups } => {
            println!("Merging the accounts of {groups} people active on several platforms");
        }
        Progress::Triage { channel } if terminal => {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r  the team's inbox work: {channel}\x1b[K");
            let _ = err.flush();
        }
        Progress::Triage { .. } => {}
    }
}

fn summary(m: &DemoManifest) {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[K");
    }
    let mut by_kind: BTreeMap<&str, u64> = BTreeMap::new();
    for c in &m.channels {
        *by_kind.entry(c.kind.as_str()).or_default() += c.messages;
    }
    println!(
        "The demo: {}, a fictional smart-lighting brand; {} to {}",
        m.brand.name,
        when(m.window_start),
        when(m.anchor)
    );
    println!(
        "  messages     {:>7} on {} channels of {} kinds",
        m.messages,
        m.channels.len(),
        by_kind.len()
    );
    for (kind, n) in &by_kind {
        println!("    {kind:<14} {n:>7}");
    }
    println!(
        "  members      {:>7} ({} active on several platforms)",
        m.members, m.multi_platform_members
    );
    println!(
        "  topics       brand {} ({}), competitor {} ({}), campaign {} ({}, {} to {})",
        m.brand.name,
        m.topics.brand,
        m.brand.competitor,
        m.topics.competitor,
        m.brand.campaign_hashtag,
        m.topics.campaign,
        when(m.brand.campaign_start),
        when(m.brand.campaign_end)
    );
    let baseline = m
        .spike
        .baseline_median_per_hour
        .iter()
        .copied()
        .fold(0.0, f64::max);
    println!(
        "  spike        {} to {} on {}: {} extra messages (same hours of other weeks: at most {baseline} an hour)",
        when(m.spike.start),
        when(m.spike.end),
        m.spike.channel,
        m.spike.extra_messages
    );
    println!(
        "  heated       {} threads; the ground truth is stored with the workspace (seed {}, digest {})",
        m.heated_threads.len(),
        m.seed,
        m.digest
    );
}

fn login(login: &DemoLogin, heading: &str) {
    println!("{heading}");
    println!("  e-mail    {}", login.email);
    println!("  password  {}", login.password.expose_secret());
    let others: Vec<String> = demo::TEAM
        .iter()
        .skip(1)
        .map(|t| format!("{} ({})", t.email, t.role.as_str()))
        .collect();
    println!("  (the same password works for {})", others.join(", "));
}

fn when(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}
