//! `tend user add`: create a teammate (the first admin of a fresh install).

use super::Context;
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use secrecy::SecretString;
use std::io::{BufRead as _, IsTerminal as _};
use std::process::ExitCode;
use tend_domain::Role;

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Add a teammate with a role in a workspace (created if missing).
    Add(Add),
}

#[derive(Debug, Args)]
pub struct Add {
    /// Login e-mail address.
    #[arg(long)]
    email: String,
    /// Display name.
    #[arg(long)]
    name: String,
    /// Role in the workspace: admin, social_media_manager, community_manager, analyst, client.
    #[arg(long, default_value = "admin")]
    role: String,
    /// Workspace slug; created (with this slug as its name) if it does not exist.
    #[arg(long, default_value = "main")]
    workspace: String,
    /// Time zone for a newly created workspace (IANA name).
    #[arg(long, default_value = "UTC")]
    time_zone: String,
    /// Interface language: en or sv.
    #[arg(long, default_value = "en")]
    locale: String,
    /// Read the password from the first line of standard input instead of prompting.
    /// `TEND_PASSWORD` is used when set.
    #[arg(long)]
    password_stdin: bool,
}

impl UserCmd {
    pub async fn run(&self, ctx: &Context) -> anyhow::Result<ExitCode> {
        match self {
            UserCmd::Add(add) => add.run(ctx).await,
        }
    }
}

impl Add {
    async fn run(&self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let role = Role::parse(&self.role)?;
        let password = read_password(self.password_stdin)?;
        let store = ctx.store().await?;
        let new = tend_core::accounts::NewTeammate {
            email: &self.email,
            name: &self.name,
            locale: &self.locale,
            password: &password,
            workspace_slug: &self.workspace,
            time_zone: &self.time_zone,
            role,
        };
        let (user, workspace) = tend_core::accounts::add_teammate(&*store, &new)
            .await
            .context("adding the teammate")?;
        println!(
            "added {} <{}> as {} of workspace {}",
            user.name,
            user.email.as_str(),
            role.as_str(),
            workspace.slug
        );
        Ok(ExitCode::SUCCESS)
    }
}

fn read_password(from_stdin: bool) -> anyhow::Result<SecretString> {
    if let Ok(p) = std::env::var("TEND_PASSWORD") {
        return Ok(SecretString::from(p));
    }
    let stdin = std::io::stdin();
    if from_stdin || !stdin.is_terminal() {
        let mut line = String::new();
        stdin
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            bail!("no password on standard input");
        }
        return Ok(SecretString::from(line));
    }
    let first = rpassword::prompt_password("Password: ").context("reading the password")?;
    let second = rpassword::prompt_password("Password again: ").context("reading the password")?;
    if first != second {
        bail!("the passwords differ");
    }
    Ok(SecretString::from(first))
}
