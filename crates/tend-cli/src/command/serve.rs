//! `tend serve`: run the HTTP server until Ctrl-C or SIGTERM. [`serve`] is shared
//! with `tend demo`.

use super::Context;
use anyhow::Context as _;
use clap::Args;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use tend_store::Store;

#[derive(Debug, Args)]
pub struct Serve {
    /// Address and port to listen on (default from the configuration: 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR:PORT")]
    bind: Option<SocketAddr>,
}

impl Serve {
    pub async fn run(&self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let store = ctx.store().await?;
        let no_teammates = store.count_users().await? == 0;
        serve(ctx, store, self.bind, |_| {
            if no_teammates {
                println!(
                    "No teammates yet: create the first admin with `tend user add --email you@example.org --name You`"
                );
            }
        })
        .await
    }
}

/// Serves the app over `store` on `bind` (default from the configuration) until
/// Ctrl-C or SIGTERM; `ready` runs once the address is bound and announced. Every
/// command that serves (`serve`, `demo`) goes through here.
pub async fn serve(
    ctx: &Context,
    store: Arc<dyn Store>,
    bind: Option<SocketAddr>,
    ready: impl FnOnce(SocketAddr),
) -> anyhow::Result<ExitCode> {
    let bind = bind.unwrap_or(ctx.config.server.bind);
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("listening on {bind}"))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    tracing::info!(database = %ctx.database_label(), "database ready");
    println!(
        "Tend is running at http://{addr}/ (database: {}); Ctrl-C stops it",
        ctx.database_label()
    );
    ready(addr);
    let waker = tokio::spawn(wake_snoozed_every(Arc::clone(&store), SNOOZE_CHECK));
    let moderator = tokio::spawn(moderate_every(Arc::clone(&store), MODERATION_CHECK));
    let listening = tokio::spawn(listen_every(Arc::clone(&store), MODERATION_CHECK));
    let state = tend_server::AppState::new(store, env!("CARGO_PKG_VERSION"))
        .with_secure_cookies(ctx.config.server.secure_cookies);
    tend_server::serve(listener, state, shutdown_signal())
        .await
        .context("serving HTTP")?;
    waker.abort();
    moderator.abort();
    listening.abort();
    println!("Tend stopped");
    Ok(ExitCode::SUCCESS)
}

/// How often snoozed conversations are checked for their wake-up time.
const SNOOZE_CHECK: std::time::Duration = std::time::Duration::from_secs(30);

/// Reopens snoozed conversations when their time comes, at start and then every
/// `every`, for as long as the server runs. A failure is logged and retried at the
/// next tick.
async fn wake_snoozed_every(store: Arc<dyn Store>, every: std::time::Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match store.wake_snoozed(jiff::Timestamp::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(reopened = n, "snoozed conversations reopened"),
            Err(e) => tracing::warn!(error = %e, "reopening snoozed conversations failed"),
        }
    }
}

/// How often the event log is checked for messages the live rules have not seen.
const MODERATION_CHECK: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs the live moderation rules on every new or edited message (any process may
/// have stored it), catching up at start, then sends the rules' due webhook posts
/// (`tend_core::moderation::webhooks`: retried with backoff, given up after a bounded
/// number of attempts). Progress is kept in the store with the verdicts, so a
/// restart neither repeats nor skips an action.
async fn moderate_every(store: Arc<dyn Store>, every: std::time::Duration) {
    use tend_core::moderation::webhooks;
    let moderator = tend_core::moderation::Moderator::default();
    let http = match webhooks::client() {
        Ok(http) => Some(http),
        Err(e) => {
            tracing::error!(error = %e, "no HTTP client: moderation webhooks stay queued");
            None
        }
    };
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        loop {
            match moderator.run_once(&*store).await {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "moderation failed; retried at the next tick");
                    break;
                }
            }
        }
        if let Some(http) = &http
            && let Err(e) = webhooks::deliver_due(&*store, http, jiff::Timestamp::now()).await
        {
            tracing::warn!(error = %e, "moderation webhooks failed; retried at the next tick");
        }
    }
}

/// Backfill steps per tick at most, so new messages are never kept waiting long
/// behind a large history.
const BACKFILL_STEPS_PER_TICK: usize = 20;

/// Matches every new or changed message against the topics (catching up at start),
/// then advances the backfills of new or changed topics, and looks for spikes.
/// Progress is kept in the store with the matches, so a restart neither counts a
/// message twice nor skips one.
async fn listen_every(store: Arc<dyn Store>, every: std::time::Duration) {
    let listener = tend_core::listening::Listener::default();
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let result = async {
            while listener.run_once(&*store).await? > 0 {}
            for _ in 0..BACKFILL_STEPS_PER_TICK {
                if listener.backfill_once(&*store).await? == 0 {
                    break;
                }
            }
            listener.alert_if_due(&*store, jiff::Timestamp::now()).await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "listening failed; retried at the next tick");
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
