//! `tend rules …`: moderation rules. `check` loads a rule file and prints its
//! diagnostics; `test` is the dry run — what the rules would have done to stored
//! history, per rule and action, with sample matches — before they go live; `save`
//! stores a file as a new version; `live` makes a version the running one (the
//! explicit step); `list` shows versions and their hits.
//!
//! `test`, `save` and `live` are `tend_core::moderation::rules::{try_rules_since,
//! save_rule_set, go_live}`, the same use cases as the page and the API (size limit, parse check, actions no
//! one can carry out refused). The operator acts as the system actor `System { name: "cli", .. }`
//! with an admin's permissions, or as a teammate with `--as EMAIL`, who then is the
//! version's author: the one automatic replies and notes are written in the name of.

use super::Context;
use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tend_core::moderation::rules::{go_live, save_rule_set, try_rules_since};
use tend_core::moderation::{DryRun, parse_rules};
use tend_core::team::Actor;
use tend_domain::{Email, Role, RuleSetId};

#[derive(Debug, Subcommand)]
pub enum RulesCmd {
    /// Load a rule file and print its diagnostics (errors name document, line and key).
    Check(Check),
    /// Dry run: what the rules would have done to the stored history.
    Test(Test),
    /// Save a rule file as a new version of the workspace's rules (not live).
    Save(Save),
    /// Make a saved version the live one.
    Live(Live),
    /// List the versions with their hit counters.
    List(List),
}

#[derive(Debug, Args)]
pub struct Check {
    /// The rule file (YAML, AutoModerator syntax).
    file: PathBuf,
}

#[derive(Debug, Args)]
pub struct Test {
    /// The rule file (YAML, AutoModerator syntax).
    file: PathBuf,
    /// How far back: `30d`, `12h`, `2w` (days by default).
    #[arg(long, default_value = "30d")]
    since: String,
    /// Workspace slug.
    #[arg(long, default_value = tend_demo::SLUG)]
    workspace: String,
    /// Sample matches shown per rule.
    #[arg(long, default_value_t = 3)]
    samples: usize,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub struct Save {
    file: PathBuf,
    #[arg(long, default_value = tend_demo::SLUG)]
    workspace: String,
    /// Make it live at once.
    #[arg(long)]
    live: bool,
    /// Save as this teammate (their role must allow it): the author automatic
    /// replies and notes are written in the name of. Rules that reply or notify a
    /// teammate are refused without one.
    #[arg(long = "as", value_name = "EMAIL")]
    as_teammate: Option<String>,
}

#[derive(Debug, Args)]
pub struct Live {
    /// The version number.
    version: i64,
    #[arg(long, default_value = tend_demo::SLUG)]
    workspace: String,
    /// Act as this teammate (their role must allow making rules live).
    #[arg(long = "as", value_name = "EMAIL")]
    as_teammate: Option<String>,
}

/// Who the CLI acts as in `workspace`: the teammate named by `--as`, with their
/// role there, or the operator as the system actor `System { name: "cli", .. }` with an admin's
/// permissions.
pub(super) async fn actor(
    store: &dyn tend_store::Store,
    workspace: &str,
    as_teammate: Option<&str>,
) -> anyhow::Result<Actor> {
    let ws = store
        .workspace_by_slug(workspace)
        .await
        .with_context(|| format!("workspace {workspace:?}"))?;
    let Some(email) = as_teammate else {
        return Ok(Actor::system("cli", ws.id, Role::Admin));
    };
    let (user, _) = store
        .user_credentials(&Email::parse(email)?)
        .await
        .with_context(|| format!("--as {email}: no such teammate"))?;
    let (_, role) = store
        .membership(user.id, workspace)
        .await
        .with_context(|| format!("--as {email}: not a teammate of workspace {workspace}"))?;
    Ok(Actor::user(user.id, ws.id, role))
}

#[derive(Debug, Args)]
pub struct List {
    #[arg(long, default_value = tend_demo::SLUG)]
    workspace: String,
}

fn read(file: &PathBuf) -> anyhow::Result<(String, String)> {
    let source =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    Ok((file.display().to_string(), source))
}

/// `30d`, `12h`, `2w`, `90` (days) as a span back from now.
pub fn since(text: &str, now: jiff::Timestamp) -> anyhow::Result<jiff::Timestamp> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(at) => text.split_at(at),
        None => (text, "d"),
    };
    let n: i64 = number
        .parse()
        .with_context(|| format!("--since {text:?}: expected a number and h, d or w"))?;
    let hours = match unit {
        "h" => n,
        "d" => n * 24,
        "w" => n * 24 * 7,
        _ => bail!("--since {text:?}: the unit must be h, d or w"),
    };
    Ok(now - jiff::SignedDuration::from_hours(hours))
}

impl RulesCmd {
    pub async fn run(&self, ctx: &Context) -> anyhow::Result<ExitCode> {
        match self {
            RulesCmd::Check(c) => {
                let (name, source) = read(&c.file)?;
                let rules = parse_rules(&name, &source)?;
                for w in rules.warnings() {
                    println!("{}", w.in_file(&name));
                }
                println!("{name}: {} rules load", rules.rules().len());
                Ok(ExitCode::SUCCESS)
            }
            RulesCmd::Test(t) => {
                let (name, source) = read(&t.file)?;
                let rules = parse_rules(&name, &source)?;
                for w in rules.warnings() {
                    eprintln!("{}", w.in_file(&name));
                }
                let store = ctx.store().await?;
                let actor = actor(&*store, &t.workspace, None).await?;
                let from = since(&t.since, jiff::Timestamp::now())?;
                let run = try_rules_since(&*store, &actor, &name, &source, from, t.samples).await?;
                if t.json {
                    println!("{}", serde_json::to_string_pretty(&run)?);
                } else {
                    print_dry_run(&name, &t.since, &run);
                }
                Ok(ExitCode::SUCCESS)
            }
            RulesCmd::Save(s) => {
                let (name, source) = read(&s.file)?;
                let store = ctx.store().await?;
                let actor = actor(&*store, &s.workspace, s.as_teammate.as_deref()).await?;
                let mut version = save_rule_set(&*store, &actor, &name, &source).await?;
                if s.live {
                    version = go_live(&*store, &actor, version.id).await?;
                }
                println!(
                    "saved {name} as version {}{}",
                    version.version,
                    if version.is_live() { " (live)" } else { "" }
                );
                Ok(ExitCode::SUCCESS)
            }
            RulesCmd::Live(l) => {
                let store = ctx.store().await?;
                let actor = actor(&*store, &l.workspace, l.as_teammate.as_deref()).await?;
                let Some(version) = store
                    .rule_sets(actor.workspace)
                    .await?
                    .into_iter()
                    .find(|v| v.version == l.version)
                else {
                    bail!(
                        "workspace {} has no rules version {}",
                        l.workspace,
                        l.version
                    );
                };
                go_live(&*store, &actor, version.id).await?;
                println!("version {} is live", l.version);
                Ok(ExitCode::SUCCESS)
            }
            RulesCmd::List(l) => {
                let store = ctx.store().await?;
                let workspace = store.workspace_by_slug(&l.workspace).await?;
                for v in store.rule_sets(workspace.id).await? {
                    let hits: i64 = store
                        .rule_hits(workspace.id, RuleSetId(v.id.get()))
                        .await?
                        .iter()
                        .map(|h| h.hits)
                        .sum();
                    println!(
                        "v{:<4} {:<5} saved {}  hits {hits}",
                        v.version,
                        if v.is_live() { "live" } else { "" },
                        v.created_at
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}

fn print_dry_run(name: &str, since: &str, run: &DryRun) {
    println!(
        "{name}: {} messages of the last {since} looked at, {} would be acted on",
        run.scanned, run.matched
    );
    for rule in &run.rules {
        let actions = rule
            .actions
            .iter()
            .map(|(a, n)| format!("{a} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        println!(
            "\n#{} {} (document {}, line {}): {} hits{}",
            rule.index + 1,
            rule.name,
            rule.document,
            rule.line,
            rule.hits,
            if actions.is_empty() {
                String::new()
            } else {
                format!(" — {actions}")
            }
        );
        for sample in &rule.samples {
            let matched = sample
                .matched
                .iter()
                .map(|(check, m)| format!("{check}={m:?}"))
                .collect::<Vec<_>>()
                .join(" ");
            println!(
                "    message {} {}: {}  [{matched}]",
                sample.message,
                sample.created_at,
                sample.excerpt.replace('\n', " ")
            );
        }
        for (note, n) in &rule.notes {
            println!("    note ({n}×): {note}");
        }
    }
}
