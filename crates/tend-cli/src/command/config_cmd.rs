//! `tend config default` prints the documented defaults; `tend config show`
//! prints the effective configuration (secrets omitted).

use super::{Context, GlobalArgs};
use crate::config::DEFAULT_TOML;
use anyhow::Context as _;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print the default configuration file, with every key documented.
    Default,
    /// Print the effective configuration after file, environment and flags (without secrets).
    Show,
}

impl ConfigCmd {
    pub fn run(&self, global: &GlobalArgs) -> anyhow::Result<ExitCode> {
        match self {
            ConfigCmd::Default => print!("{DEFAULT_TOML}"),
            ConfigCmd::Show => {
                let ctx = Context::new(global)?;
                let text =
                    toml::to_string_pretty(&ctx.config).context("rendering the configuration")?;
                println!(
                    "# database: {}\n# data_dir: {}\n{text}",
                    ctx.database_label(),
                    ctx.config.data_dir().display()
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
