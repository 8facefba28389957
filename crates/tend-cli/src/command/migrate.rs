//! `tend migrate`: apply pending migrations and exit (they also run at start).

use super::Context;
use clap::Args;
use std::process::ExitCode;

#[derive(Debug, Args)]
pub struct Migrate {}

impl Migrate {
    pub async fn run(&self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let store = ctx.store().await?;
        println!(
            "database {} ({}) is up to date",
            ctx.database_label(),
            store.backend().name()
        );
        Ok(ExitCode::SUCCESS)
    }
}
