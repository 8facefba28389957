//! Rule sets as use cases: saving a version, dry-running a source, making a version
//! live, listing versions with their hits, and the community guidelines. The page,
//! the JSON API and the CLI all call these, so the size limit, the parse check and
//! the permission check are the same everywhere.
//!
//! **An action no one can carry out is refused when the rule set is saved (and again
//! when a version goes live), never dropped at run time.** Live rules run under the
//! system actor `Actor::system("rules", …)` on behalf of the workspace. A reply in
//! the outbox and a note each need a teammate as author, so that actor writes them
//! `writing_as` the teammate who saved the version (`RuleSetVersion::created_by`).
//! A rule set that replies or notifies a teammate is therefore refused when saved
//! without a teammate (the CLI without `--as EMAIL`). Besides: `assign:` must name
//! a teammate of the workspace whose role may work the inbox, `notify:` one who
//! reads internal notes; reply texts must not be empty; tag names must be valid.

use super::{DryRun, ModerationError, dry_run, parse_rules};
use crate::team::permissions::allows;
use crate::team::{Actor, Forbidden, Permission};
use jiff::{Timestamp, ToSpan as _};
use tend_domain::{
    RuleHit, RuleSetId, RuleSetVersion, TagName, User, UserId, ValidationError, WebhookDelivery,
};
use tend_rules::RuleSet;
use tend_store::StoreError;
use tend_store::prelude::*;

/// The longest rule file accepted, in bytes.
pub const MAX_SOURCE: usize = 200_000;
/// The longest dry run, in days.
pub const MAX_DAYS: u32 = 365;
/// Samples kept per rule in a dry run of the page and the API.
pub const SAMPLES: usize = 3;

/// The file name diagnostics use for a source typed into the page or the API.
pub const SOURCE_NAME: &str = "rules.yaml";

/// Why a rule-set use case failed.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// The actor's role may not do this.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Input failed validation (the size limit, the dry run's days).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The rules do not parse, or ask for something no one can carry out: every
    /// problem, for people (names the file or rule and line).
    #[error("{0}")]
    Rejected(String),
    /// Storage failed (including `NotFound` for another workspace's version).
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<ModerationError> for RulesError {
    fn from(e: ModerationError) -> RulesError {
        match e {
            ModerationError::Rules(text) => RulesError::Rejected(text),
            ModerationError::Store(e) => RulesError::Store(e),
        }
    }
}

/// A version with the hits of its rules.
#[derive(Debug)]
pub struct VersionHits {
    /// The version.
    pub version: RuleSetVersion,
    /// Its rules' hit counters (only rules that fired).
    pub hits: Vec<RuleHit>,
}

fn check_len(source: &str) -> Result<(), ValidationError> {
    if source.len() > MAX_SOURCE {
        return Err(ValidationError::new(
            "source",
            format!("at most {MAX_SOURCE} bytes"),
        ));
    }
    Ok(())
}

/// Every version of the workspace, newest first, with hit counters.
pub async fn versions(store: &dyn Store, actor: &Actor) -> Result<Vec<VersionHits>, RulesError> {
    actor.require(Permission::ReadRules)?;
    let mut out = Vec::new();
    for version in store.rule_sets(actor.workspace).await? {
        let hits = store.rule_hits(actor.workspace, version.id).await?;
        out.push(VersionHits { version, hits });
    }
    Ok(out)
}

/// Saves `source` (named `file` in diagnostics) as a new version, not live, after
/// checking its size, that it parses, and that every action can be carried out.
/// The version's author is the acting teammate (none for a system actor).
pub async fn save_rule_set(
    store: &dyn Store,
    actor: &Actor,
    file: &str,
    source: &str,
) -> Result<RuleSetVersion, RulesError> {
    actor.require(Permission::EditRules)?;
    check_len(source)?;
    let rules = parse_rules(file, source)?;
    check_duties(store, actor, &rules, actor.user_id()).await?;
    Ok(store
        .create_rule_set(actor.workspace, source, actor.user_id())
        .await?)
}

/// Runs `source` over the last `days` days of stored messages, writing nothing.
pub async fn try_rules(
    store: &dyn Store,
    actor: &Actor,
    source: &str,
    days: u32,
    samples: usize,
    now: Timestamp,
) -> Result<DryRun, RulesError> {
    if days == 0 || days > MAX_DAYS {
        actor.require(Permission::EditRules)?;
        return Err(ValidationError::new("days", format!("must be 1-{MAX_DAYS}")).into());
    }
    let since = now - (i64::from(days) * 24).hours();
    try_rules_since(store, actor, SOURCE_NAME, source, since, samples).await
}

/// Runs `source` (named `file` in diagnostics) over the messages stored since
/// `since`, writing nothing: the dry run of the page, the API and `tend rules test`.
pub async fn try_rules_since(
    store: &dyn Store,
    actor: &Actor,
    file: &str,
    source: &str,
    since: Timestamp,
    samples: usize,
) -> Result<DryRun, RulesError> {
    actor.require(Permission::EditRules)?;
    check_len(source)?;
    let rules = parse_rules(file, source)?;
    Ok(dry_run(store, actor.workspace, &rules, since, samples).await?)
}

/// Makes a version live, after checking again that its actions can be carried
/// out (a version saved before this check existed, or whose teammates left).
pub async fn go_live(
    store: &dyn Store,
    actor: &Actor,
    id: RuleSetId,
) -> Result<RuleSetVersion, RulesError> {
    actor.require(Permission::MakeRulesLive)?;
    // NotFound before anything for another workspace's version.
    let version = store.rule_set(actor.workspace, id).await?;
    let rules = parse_rules(&format!("version {}", version.version), &version.source)?;
    check_duties(store, actor, &rules, version.created_by).await?;
    Ok(store
        .make_live(actor.workspace, id, actor.user_id())
        .await?)
}

/// The newest webhook deliveries of the workspace's rules (their addresses are
/// as sensitive as the rule sources).
pub async fn webhook_deliveries(
    store: &dyn Store,
    actor: &Actor,
    limit: u32,
) -> Result<Vec<WebhookDelivery>, RulesError> {
    actor.require(Permission::ReadRules)?;
    Ok(store
        .webhook_deliveries(actor.workspace, None, limit)
        .await?)
}

/// Replaces the community guidelines (admins).
pub async fn set_guidelines(
    store: &dyn Store,
    actor: &Actor,
    text: &str,
) -> Result<(), RulesError> {
    actor.require(Permission::Administer)?;
    Ok(store
        .set_guidelines(actor.workspace, text, actor.user_id())
        .await?)
}

/// The teammate a rule names (`@name`, name or e-mail, any case), as live rules
/// look them up.
pub fn find_teammate<'a>(
    team: &'a [(User, tend_domain::Role)],
    name: &str,
) -> Option<&'a (User, tend_domain::Role)> {
    let wanted = name.trim().trim_start_matches('@').to_lowercase();
    team.iter()
        .find(|(u, _)| u.name.to_lowercase() == wanted || u.email.as_str().to_lowercase() == wanted)
}

/// Every action of `rules` that no one could carry out, refused as one message.
/// `author` is who replies and notes are written as (the version's saver).
async fn check_duties(
    store: &dyn Store,
    actor: &Actor,
    rules: &RuleSet,
    author: Option<UserId>,
) -> Result<(), RulesError> {
    let team = store.workspace_users(actor.workspace).await?;
    let mut problems = Vec::new();
    for rule in rules.rules() {
        let duties = rule.duties();
        let at = format!("rule “{}” (line {})", rule.name(), rule.line());
        let writes = duties.replies || !duties.notify_teammates.is_empty();
        if writes && author.is_none() {
            problems.push(format!(
                "{at} replies or notifies a teammate, but the rule set has no teammate as \
                 author to write it in the name of: save it as a teammate (tend rules save --as EMAIL)"
            ));
        }
        if duties.blank_reply {
            problems.push(format!("{at}: the reply text is empty"));
        }
        let named = duties
            .assign
            .iter()
            .map(|n| (n, Permission::WorkInbox))
            .chain(
                duties
                    .notify_teammates
                    .iter()
                    .map(|n| (n, Permission::ReadNotes)),
            );
        for (name, needs) in named {
            match find_teammate(&team, name) {
                None => problems.push(format!(
                    "{at} names {name:?}, who is not a teammate of this workspace"
                )),
                Some((_, role)) if !allows(*role, needs) => problems.push(format!(
                    "{at} names {name:?}, whose role ({}) may not {}",
                    role.as_str(),
                    needs.describe()
                )),
                Some(_) => {}
            }
        }
        if duties.blank_tag {
            problems.push(format!("{at}: a tag name is empty"));
        }
        for tag in &duties.tags {
            if let Err(e) = TagName::parse(tag) {
                problems.push(format!("{at}: tag {tag:?}: {}", e.message));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(RulesError::Rejected(problems.join("\n")))
    }
}
