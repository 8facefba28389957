//! `tend worker`: run the background jobs without HTTP, until Ctrl-C or SIGTERM.
//! Start as many as needed on one PostgreSQL: they share the work, and no job
//! runs in two places at once.

use super::Context;
use super::serve::{shutdown_signal, stop_jobs, until_stopped, worker};
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct WorkerCmd {
    /// Run every job that is due now, then exit (instead of running until stopped).
    #[arg(long)]
    once: bool,
}

impl WorkerCmd {
    pub async fn run(&self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let store = ctx.store().await?;
        let worker = worker(ctx, store)?;
        if self.once {
            let runs = worker.run_once().await?;
            println!("{runs} job runs");
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "Tend worker running on {} (pid {}); Ctrl-C stops it",
            ctx.database_label(),
            std::process::id()
        );
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let jobs = tokio::spawn(worker.run(until_stopped(stopped)));
        shutdown_signal().await;
        let _ = stop.send(true);
        stop_jobs(jobs).await;
        println!("Tend worker stopped");
        Ok(ExitCode::SUCCESS)
    }
}
