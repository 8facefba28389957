//! `tend serve`: run the HTTP server and the background job runner until Ctrl-C
//! or SIGTERM. [`serve`] is shared with `tend demo`; the job runner alone is
//! `tend worker` (`worker.rs`).

use super::Context;
use anyhow::Context as _;
use clap::Args;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use tend_core::jobs::{JobContext, Worker, WorkerConfig};
use tend_domain::Clock;
use tend_store::prelude::*;

#[derive(Debug, Args)]
pub struct Serve {
    /// Address and port to listen on (default from the configuration: 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR:PORT")]
    bind: Option<SocketAddr>,
    /// Serve HTTP only; background jobs then need a `tend worker` (or another
    /// `tend serve`) on the same database.
    #[arg(long)]
    no_worker: bool,
}

impl Serve {
    pub async fn run(&self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let store = ctx.store().await?;
        let no_teammates = store.count_users().await? == 0;
        serve(ctx, store, self.bind, !self.no_worker, |_| {
            if no_teammates {
                println!(
                    "No teammates yet: create the first admin with `tend user add --email you@example.org --name You`"
                );
            }
        })
        .await
    }
}

/// The job runner of this process, as configured.
pub fn worker(ctx: &Context, store: Arc<dyn Store>) -> anyhow::Result<Worker<JobContext>> {
    let clock = Clock::system();
    let config = WorkerConfig {
        concurrency: ctx.config.jobs.concurrency.max(1),
        streams: ctx.config.jobs.streams,
        lease: jiff::SignedDuration::from_secs(i64::from(ctx.config.jobs.lease_secs.max(1))),
        ..WorkerConfig::default()
    };
    let handler = JobContext::new(Arc::clone(&store), clock.clone()).with_secrets(ctx.secrets()?);
    Ok(Worker::new(store, handler, clock, config))
}

/// Serves the app over `store` on `bind` (default from the configuration) until
/// Ctrl-C or SIGTERM, with the job runner unless `with_worker` is false; `ready`
/// runs once the address is bound and announced. Every command that serves
/// (`serve`, `demo`) goes through here.
pub async fn serve(
    ctx: &Context,
    store: Arc<dyn Store>,
    bind: Option<SocketAddr>,
    with_worker: bool,
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
    let mut state = tend_server::AppState::new(Arc::clone(&store), env!("CARGO_PKG_VERSION"))
        .with_secure_cookies(ctx.config.server.secure_cookies)
        .with_secrets(ctx.secrets()?);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let jobs = if with_worker {
        let worker = worker(ctx, store)?;
        state = state.with_worker(worker.health());
        Some(tokio::spawn(worker.run(until_stopped(stopped))))
    } else {
        println!("Background jobs are not run by this process (--no-worker)");
        None
    };
    tend_server::serve(listener, state, shutdown_signal())
        .await
        .context("serving HTTP")?;
    let _ = stop.send(true);
    if let Some(jobs) = jobs {
        stop_jobs(jobs).await;
    }
    println!("Tend stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves when `stopped` turns true (or its sender is gone).
pub async fn until_stopped(mut stopped: tokio::sync::watch::Receiver<bool>) {
    let _ = stopped.wait_for(|stop| *stop).await;
}

/// Waits a little for the job runner to stop after being told to; a job still
/// running then is abandoned (its lease expires and another process runs it).
pub async fn stop_jobs(jobs: tokio::task::JoinHandle<()>) {
    match tokio::time::timeout(std::time::Duration::from_secs(10), jobs).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::error!(error = %e, "the job runner failed"),
        Err(_) => {
            tracing::warn!("the job runner did not stop in 10 s; its jobs run again elsewhere")
        }
    }
}

pub async fn shutdown_signal() {
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
