//! `tend channel …`: live channels. `add` connects one (the credentials are
//! checked with the network, then sealed), `list` shows every channel with
//! its health, `sync` reads one now, `remove` disconnects one (its history
//! stays), `key` prints a new secret key for `[channels] secret_key`.
//!
//! Secrets never come from the command line (it shows in `ps` and shell
//! history): a password or token is read from an environment variable
//! (`--password-env`, `--token-env`) or from standard input (`--secret-stdin`).
//! These are `tend_core::channels::{connect, list, sync_now, disconnect}`,
//! the same use cases as the Channels page and the API, run as the operator
//! (`cli`, an admin) or `--as` a teammate.

use super::Context;
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use std::process::ExitCode;
use tend_channels::live::{ChannelConfig, Credentials};
use tend_core::channels::{self, Connect};
use tend_domain::{ChannelId, Clock};

#[derive(Debug, Subcommand)]
pub enum ChannelCmd {
    /// Connect a channel to its network.
    Add(Add),
    /// Every channel of the workspace with its live status.
    List(List),
    /// Read a live channel now.
    Sync(Pick),
    /// Disconnect a live channel; its messages stay.
    Remove(Pick),
    /// Print a new random key for `[channels] secret_key`.
    Key,
}

#[derive(Debug, Args)]
pub struct Add {
    /// The channel's name in Tend.
    name: String,
    /// The network: simulated, mastodon, bluesky, matrix, email, rss …
    #[arg(long)]
    network: String,
    /// A setting of the network, `key=value` (repeat): e.g. `instance=https://mastodon.social`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    settings: Vec<String>,
    /// The login (handle, e-mail address, user id) for a password.
    #[arg(long)]
    username: Option<String>,
    /// Read the password (or app password) from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with_all = ["token_env", "secret_stdin"])]
    password_env: Option<String>,
    /// Read a bearer token (bot token, API key, access token) from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "secret_stdin")]
    token_env: Option<String>,
    /// Read the password (with --username) or token from standard input. A
    /// line starting with `{` is the credentials as JSON, e.g. OAuth tokens
    /// made elsewhere: `{"type":"o_auth","access_token":…,"refresh_token":…,
    /// "expires_at":…,"client_id":…,"client_secret":null}` (X).
    #[arg(long)]
    secret_stdin: bool,
    /// Days of history to read back when connecting.
    #[arg(long)]
    backfill_days: Option<i64>,
    #[arg(long, default_value = tend_demo::SLUG)]
    workspace: String,
    /// Act as this teammate (an admin).
    #[arg(long = "as", value_name = "EMAIL")]
    as_teammate: Option<String>,
}

#[derive(Debug, Args)]
pub struct List {
    #[arg(long, default_value = tend_demo::SLUG)]
    workspace: String,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct Pick {
    /// The channel's name or id.
    channel: String,
    #[arg(long, default_value = tend_demo::SLUG)]
    workspace: String,
    #[arg(long = "as", value_name = "EMAIL")]
    as_teammate: Option<String>,
}

/// `key=value` settings as the JSON of a `ChannelConfig`: numbers, booleans
/// and JSON arrays are read as such, anything else is a string.
fn config_of(network: &str, settings: &[String]) -> anyhow::Result<ChannelConfig> {
    let mut object = serde_json::Map::new();
    object.insert("network".into(), network.into());
    for pair in settings {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("--set {pair:?}: expected KEY=VALUE");
        };
        let value = match serde_json::from_str::<serde_json::Value>(value) {
            Ok(
                v @ (serde_json::Value::Number(_)
                | serde_json::Value::Bool(_)
                | serde_json::Value::Array(_)),
            ) => v,
            _ => value.into(),
        };
        object.insert(key.trim().to_owned(), value);
    }
    serde_json::from_value(serde_json::Value::Object(object))
        .with_context(|| format!("the settings of a {network} channel"))
}

fn secret_from_env(var: &str) -> anyhow::Result<String> {
    std::env::var(var).with_context(|| format!("environment variable {var} is not set"))
}

impl Add {
    fn credentials(&self) -> anyhow::Result<Credentials> {
        let stdin = || -> anyhow::Result<String> {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            Ok(line.trim_end_matches(['\r', '\n']).to_owned())
        };
        Ok(
            match (&self.username, &self.password_env, &self.token_env) {
                (Some(user), Some(var), _) => Credentials::Password {
                    username: user.clone(),
                    password: secret_from_env(var)?,
                },
                (Some(user), None, None) if self.secret_stdin => Credentials::Password {
                    username: user.clone(),
                    password: stdin()?,
                },
                (None, Some(_), _) => bail!("--password-env needs --username"),
                (_, None, Some(var)) => Credentials::Token {
                    token: secret_from_env(var)?,
                },
                (None, None, None) if self.secret_stdin => {
                    let line = stdin()?;
                    if line.trim_start().starts_with('{') {
                        // Never echo the line: it holds secrets.
                        serde_json::from_str(&line)
                            .map_err(|e| {
                                anyhow::anyhow!(
                                    "the credentials JSON on standard input is not valid ({:?} error at column {})",
                                    e.classify(),
                                    e.column()
                                )
                            })
                            .context("expected {\"type\":\"o_auth\",\"access_token\":…} or {\"type\":\"token\",\"token\":…}")?
                    } else {
                        Credentials::Token { token: line }
                    }
                }
                (Some(_), None, None) => {
                    bail!("--username needs a password: --password-env VAR or --secret-stdin")
                }
                (None, None, None) => Credentials::None,
            },
        )
    }
}

async fn channel_id(
    store: &dyn tend_store::Store,
    actor: tend_core::team::Actor,
    wanted: &str,
) -> anyhow::Result<ChannelId> {
    let all = channels::list(store, actor).await?;
    all.iter()
        .find(|s| s.channel.name == wanted || s.channel.id.to_string() == wanted)
        .map(|s| s.channel.id)
        .with_context(|| format!("no channel named {wanted:?}"))
}

impl ChannelCmd {
    pub async fn run(&self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let now = Clock::system().now();
        match self {
            ChannelCmd::Key => {
                println!("{}", channels::secrets::SecretBox::generate_key());
            }
            ChannelCmd::Add(add) => {
                let config = config_of(&add.network, &add.settings)?;
                let credentials = add.credentials()?;
                let store = ctx.store().await?;
                let actor =
                    super::rules::actor(&*store, &add.workspace, add.as_teammate.as_deref())
                        .await?;
                let request = Connect {
                    name: add.name.clone(),
                    config,
                    credentials,
                    backfill_days: add.backfill_days,
                };
                let status = channels::connect(&*store, &ctx.secrets()?, actor, request, now)
                    .await
                    .with_context(|| format!("connecting {:?}", add.name))?;
                println!(
                    "Connected channel {} ({}, {}): a running `tend serve` or `tend worker` reads it now",
                    status.channel.name, status.channel.id, add.network
                );
            }
            ChannelCmd::List(list) => {
                let store = ctx.store().await?;
                let actor = super::rules::actor(&*store, &list.workspace, None).await?;
                let all = channels::list(&*store, actor).await?;
                if list.json {
                    println!("{}", serde_json::to_string_pretty(&all)?);
                    return Ok(ExitCode::SUCCESS);
                }
                println!(
                    "{:>4}  {:<28} {:<11} {:<13} {:>8}  {:<20} LAST ERROR",
                    "ID", "NAME", "NETWORK", "STATE", "RECEIVED", "LAST SYNC"
                );
                for s in all {
                    let (network, state, received, last, error) = match &s.link {
                        Some(l) => (
                            l.network.clone(),
                            l.state.as_str().to_owned(),
                            l.received.to_string(),
                            l.last_sync_at
                                .map(|t| t.to_string())
                                .unwrap_or("never".into()),
                            l.last_error.clone().unwrap_or_default(),
                        ),
                        None => (
                            s.channel.kind.to_string(),
                            "imported".into(),
                            "-".into(),
                            "-".into(),
                            String::new(),
                        ),
                    };
                    println!(
                        "{:>4}  {:<28} {:<11} {:<13} {:>8}  {:<20} {}",
                        s.channel.id.to_string(),
                        s.channel.name,
                        network,
                        state,
                        received,
                        last,
                        error
                    );
                }
            }
            ChannelCmd::Sync(pick) => {
                let store = ctx.store().await?;
                let actor =
                    super::rules::actor(&*store, &pick.workspace, pick.as_teammate.as_deref())
                        .await?;
                let id = channel_id(&*store, actor, &pick.channel).await?;
                channels::sync_now(&*store, actor, id, now).await?;
                println!(
                    "Queued a read of channel {id}: a running `tend serve` or `tend worker` does it"
                );
            }
            ChannelCmd::Remove(pick) => {
                let store = ctx.store().await?;
                let actor =
                    super::rules::actor(&*store, &pick.workspace, pick.as_teammate.as_deref())
                        .await?;
                let id = channel_id(&*store, actor, &pick.channel).await?;
                channels::disconnect(&*store, actor, id, now).await?;
                println!("Disconnected channel {id}; its messages stay in Tend");
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_become_the_networks_config() {
        let c = config_of("simulated", &["every_secs=3".into()]).unwrap();
        assert_eq!(c, ChannelConfig::Simulated { every_secs: 3 });
        let err = config_of("simulated", &["every_secs".into()]).unwrap_err();
        assert!(err.to_string().contains("KEY=VALUE"), "{err}");
        let err = config_of("myspace", &[]).unwrap_err();
        assert!(format!("{err:#}").contains("myspace"), "{err:#}");
    }
}
