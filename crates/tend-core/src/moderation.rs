//! Moderation use cases: the live rules run on every new or edited message
//! (following the event log by cursor), a dry run of a rule set over stored
//! history, and the mapping of Tend's messages onto the rule language's items.
//!
//! **Mapping onto the rule language** (`tend-rules` is channel-neutral):
//! - a message that starts a thread (no parent) is a *submission* (a link
//!   submission when its text is only a URL), every other one a *comment*, whose
//!   `parent_submission` is the thread's root;
//! - `title`, `body`, `url`/`domain` (the first link of the text, or the
//!   permalink's domain for link-only posts), `permalink`;
//! - the author's figures come from the identity: `followers` is the platform's
//!   follower-like figure (followers, subscribers, Stack Exchange reputation, Reddit
//!   karma), and it also stands for `comment_karma` (with `post_karma` 0, so
//!   `combined_karma` equals it). Platforms do not tell us an account's age, so
//!   `account_age` checks never match and say so in the dry run's notes;
//! - `is_member`: the author's member has an identity in a community space (forum,
//!   chat or Q&A site; `MemberStore::community_members`, the definition listening uses
//!   for "to answer"); an author only seen on social networks is not a member.
//!   `member_level` is always unset: Tend has no member levels yet, so a
//!   `member_level` check compares with the empty text (a positive check never
//!   matches, a negated one always does; `docs/moderation.md`);
//! - `is_moderator`: the author is the channel's own account (the brand); the
//!   brand's own (outbound) messages are never moderated, as AutoModerator skips
//!   its own comments;
//! - Tend's signals: `toxicity`, `spam`, `sentiment` (compound), `question`, `lang`.

use std::collections::{BTreeMap, HashMap, HashSet};

pub mod review;
pub mod rules;
pub mod webhooks;
use std::sync::{Arc, Mutex};

use crate::conversations::{self, ActionError};
use crate::team::{Actor, Permission};
use jiff::Timestamp;
use tend_domain::{
    Channel, ChannelId, Direction, EventPayload, Identity, IdentityId, Message, MessageId,
    Moderation, ModerationVerdict, NewReply, Role, RuleSetId, RuleSetVersion, UserId,
    WebhookNotice, WorkspaceId,
};
use tend_rules::{Action, Author, EvalContext, Item, ItemKind, NotifyTarget, RuleSet, Trigger};
use tend_store::jobs::NewJob;
use tend_store::prelude::*;
use tend_store::{InboxQuery, ModerationFacts, StoreError};

/// The name of the moderation consumer's cursor in the event log.
pub const CONSUMER: &str = "moderation";

/// Why moderation could not run.
#[derive(Debug, thiserror::Error)]
pub enum ModerationError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the rules do not load:\n{0}")]
    Rules(String),
}

/// Parses a rule file, with every diagnostic in one message naming `file`.
pub fn parse_rules(file: &str, source: &str) -> Result<RuleSet, ModerationError> {
    RuleSet::parse(source).map_err(|diagnostics| {
        ModerationError::Rules(
            diagnostics
                .iter()
                .map(|d| d.in_file(file).to_string())
                .collect::<Vec<_>>()
                .join("\n"),
        )
    })
}

/// The messages, authors, channels and thread roots an evaluation needs.
struct Context {
    authors: HashMap<IdentityId, Identity>,
    /// The authors who are community members (see the module documentation).
    members: HashSet<IdentityId>,
    channels: HashMap<ChannelId, Channel>,
    roots: HashMap<MessageId, Message>,
}

impl Context {
    async fn load(
        store: &dyn Store,
        workspace: WorkspaceId,
        messages: &[Message],
        channels: &[Channel],
    ) -> Result<Context, StoreError> {
        let mut author_ids: Vec<IdentityId> = messages.iter().filter_map(|m| m.author_id).collect();
        author_ids.sort_unstable();
        author_ids.dedup();
        let members = store.community_members(workspace, &author_ids).await?;
        let authors = store
            .identities(workspace, &author_ids)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let have: std::collections::HashSet<MessageId> = messages.iter().map(|m| m.id).collect();
        let root_ids: Vec<MessageId> = messages
            .iter()
            .filter_map(|m| m.thread_root_id)
            .filter(|r| !have.contains(r))
            .collect();
        let mut roots: HashMap<MessageId, Message> = store
            .messages(workspace, &root_ids)
            .await?
            .into_iter()
            .map(|m| (m.id, m))
            .collect();
        for m in messages.iter().filter(|m| m.thread_root_id.is_none()) {
            roots.insert(m.id, m.clone());
        }
        Ok(Context {
            authors,
            members,
            channels: channels.iter().map(|c| (c.id, c.clone())).collect(),
            roots,
        })
    }

    fn item(&self, m: &Message, facts: Option<&ModerationFacts>) -> Item {
        let root = m
            .thread_root_id
            .and_then(|r| self.roots.get(&r))
            .map(|root| Box::new(self.item(root, None)));
        item_for(
            m,
            m.author_id.and_then(|a| self.authors.get(&a)),
            m.author_id.is_some_and(|a| self.members.contains(&a)),
            self.channels.get(&m.channel_id),
            root,
            facts,
        )
    }
}

/// The first http(s) link in a text.
fn first_url(text: &str) -> Option<&str> {
    text.split_whitespace()
        .find(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ')', '!', '?', '"', '\'']))
}

/// A Tend message as the rule language sees it (see the module documentation).
/// `is_member` says whether the author is a community member.
pub fn item_for(
    m: &Message,
    author: Option<&Identity>,
    is_member: bool,
    channel: Option<&Channel>,
    parent_submission: Option<Box<Item>>,
    facts: Option<&ModerationFacts>,
) -> Item {
    let url = first_url(&m.text).map(str::to_owned);
    let link_only = url
        .as_deref()
        .is_some_and(|u| m.text.trim() == u || m.text.trim().is_empty());
    let kind = if m.parent_id.is_none() && m.thread_root_id.is_none() {
        ItemKind::Submission { link: link_only }
    } else {
        ItemKind::Comment
    };
    let signals = m.signals;
    let own = m.direction == Direction::Outbound;
    let channel_handle = channel
        .and_then(|c| c.handle.as_deref())
        .map(|h| h.trim_start_matches('@').to_lowercase());
    let author = author.map_or_else(Author::default, |a| {
        let handle = a.handle.trim_start_matches('@').to_lowercase();
        Author {
            name: a.handle.clone(),
            id: a.external_id.clone(),
            account_age: None,
            comment_karma: a.followers,
            post_karma: a.followers.map(|_| 0),
            followers: a.followers,
            is_moderator: own || channel_handle.as_deref() == Some(handle.as_str()),
            is_contributor: false,
            is_submitter: parent_submission
                .as_ref()
                .is_some_and(|p| p.author.id == a.external_id),
            has_verified_email: a.verified,
            site_banned: facts.is_some_and(|f| f.author_banned),
            is_member,
            member_level: None,
            flair_text: None,
            flair_css_class: None,
        }
    });
    let state = facts.map(|f| f.state).unwrap_or_default();
    Item {
        kind,
        id: m.id.to_string(),
        title: m.title.clone(),
        body: m.text.clone(),
        domain: url.as_deref().map(tend_rules::domain_of),
        url,
        flair_text: None,
        flair_css_class: None,
        is_edited: m.edited_at.is_some(),
        is_top_level: m.parent_id.is_none() || m.parent_id == m.thread_root_id,
        reports: 0,
        permalink: m.permalink.clone().unwrap_or_default(),
        channel: channel.map(|c| c.name.clone()).unwrap_or_default(),
        channel_kind: channel
            .map(|c| c.kind.as_str().to_owned())
            .unwrap_or_default(),
        language: m.lang.clone(),
        toxicity: signals.map_or(0.0, |s| s.toxicity as f32),
        spam: signals.map_or(0.0, |s| s.spam as f32),
        sentiment: signals.map_or(0.0, |s| s.sentiment as f32),
        question: signals.is_some_and(|s| s.question),
        parent_submission,
        author,
        already_removed_by_human: matches!(state, Moderation::Removed | Moderation::Spam)
            && facts.is_some(),
        already_approved: false,
        removed_by_filter: state == Moderation::Hidden,
        is_own: own,
    }
}

/// The moderation state an action asks for, if any.
fn state_of(action: &Action) -> Option<Moderation> {
    match action {
        Action::Remove { .. } => Some(Moderation::Removed),
        Action::Spam { .. } => Some(Moderation::Spam),
        Action::Filter { .. } | Action::Hide => Some(Moderation::Hidden),
        Action::Approve { .. } => Some(Moderation::Visible),
        _ => None,
    }
}

/// A short stable name of an action, for tallies and the log.
pub fn action_name(action: &Action) -> &'static str {
    match action {
        Action::Approve { .. } => "approve",
        Action::Remove { .. } => "remove",
        Action::Spam { .. } => "spam",
        Action::Filter { .. } => "filter",
        Action::Report { .. } => "report",
        Action::SetFlair { .. } => "set_flair",
        Action::SetLocked { .. } => "set_locked",
        Action::Comment { .. } => "comment",
        Action::Modmail { .. } => "modmail",
        Action::Message { .. } => "message",
        Action::Hide => "hide",
        Action::Flag { .. } => "flag",
        Action::Tag { .. } => "tag",
        Action::Assign { .. } => "assign",
        Action::Reply { .. } => "reply",
        Action::Notify { .. } => "notify",
        Action::Escalate { .. } => "escalate",
    }
}

/// A live rule set, parsed once per version.
#[derive(Default)]
pub struct Moderator {
    parsed: Mutex<HashMap<RuleSetId, Arc<RuleSet>>>,
    clock: tend_domain::Clock,
}

impl Moderator {
    /// A moderator that stamps its notices with `clock`'s time.
    pub fn with_clock(clock: tend_domain::Clock) -> Moderator {
        Moderator {
            parsed: Mutex::default(),
            clock,
        }
    }

    fn rules(&self, version: &RuleSetVersion) -> Result<Arc<RuleSet>, ModerationError> {
        let mut parsed = self
            .parsed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(rules) = parsed.get(&version.id) {
            return Ok(Arc::clone(rules));
        }
        let rules = Arc::new(parse_rules(
            &format!("rules v{}", version.version),
            &version.source,
        )?);
        parsed.insert(version.id, Arc::clone(&rules));
        Ok(rules)
    }

    /// Follows the event log from the moderation cursor: runs each workspace's
    /// live rules on the messages every `messages.stored` event created or edited,
    /// and records the verdicts with the new cursor in one transaction, so a crash
    /// never acts twice or skips a message. Returns how many messages were looked
    /// at. Call it until it returns 0 to catch up.
    pub async fn run_once(&self, store: &dyn Store) -> Result<usize, ModerationError> {
        let cursor = store.consumer_cursor(CONSUMER).await?;
        let events = store.events_after(None, cursor, 200).await?;
        let Some(last) = events.last().map(|e| e.id) else {
            return Ok(0);
        };
        // Created and edited messages per workspace, in event order.
        let mut work: BTreeMap<WorkspaceId, Vec<(MessageId, Trigger, Timestamp)>> = BTreeMap::new();
        for event in &events {
            let EventPayload::MessagesStored(stored) = &event.payload else {
                continue;
            };
            let list = work.entry(event.workspace_id).or_default();
            let at = event.created_at;
            list.extend(stored.created.iter().map(|id| (*id, Trigger::New, at)));
            list.extend(stored.edited.iter().map(|id| (*id, Trigger::Edited, at)));
        }
        let mut looked_at = 0;
        let mut pending: Vec<(WorkspaceId, Vec<ModerationVerdict>, Vec<NewJob>)> = Vec::new();
        let now = self.clock.now();
        for (workspace, items) in work {
            let Some(live) = store.live_rule_set(workspace).await? else {
                continue;
            };
            // Rules act on what is stored after they went live; history is for
            // dry runs.
            let live_from = live.live_from.unwrap_or(Timestamp::MIN);
            let items: Vec<(MessageId, Trigger)> = items
                .into_iter()
                .filter(|(_, _, at)| *at >= live_from)
                .map(|(id, trigger, _)| (id, trigger))
                .collect();
            if items.is_empty() {
                continue;
            }
            let rules = match self.rules(&live) {
                Ok(rules) => rules,
                Err(e) => {
                    // A live version that no longer parses (a newer engine?) must
                    // not stop the log: it is reported and skipped.
                    tracing::warn!(%workspace, error = %e, "live rules do not load; skipped");
                    continue;
                }
            };
            let ids: Vec<MessageId> = items.iter().map(|(id, _)| *id).collect();
            let messages = store.messages(workspace, &ids).await?;
            let channels = store.channels(workspace).await?;
            let facts = store.moderation_facts(workspace, &ids).await?;
            let context = Context::load(store, workspace, &messages, &channels).await?;
            let slug = store.workspace(workspace).await?.slug.to_string();
            let by_id: HashMap<MessageId, &Message> = messages.iter().map(|m| (m.id, m)).collect();
            let mut verdicts = Vec::new();
            let mut follow_ups = Vec::new();
            for (id, trigger) in items {
                let Some(m) = by_id.get(&id) else { continue };
                looked_at += 1;
                let f = facts.get(&id);
                let item = context.item(m, f);
                let performed: Vec<tend_rules::RuleHash> = f
                    .map(|f| {
                        f.performed
                            .iter()
                            .filter_map(|h| tend_rules::RuleHash::parse(h))
                            .collect()
                    })
                    .unwrap_or_default();
                let ctx = EvalContext {
                    trigger,
                    performed: &performed,
                };
                let outcome = rules.evaluate(&item, &ctx);
                for fired in outcome.fired {
                    let about = About {
                        slug: &slug,
                        channel: context.channels.get(&m.channel_id),
                        author: m.author_id.and_then(|a| context.authors.get(&a)),
                        fired_at: self.clock.now(),
                    };
                    let (verdict, follow) = verdict_for(&live, &rules, m, &about, &fired);
                    verdicts.push(verdict);
                    // One job per follow-up, keyed by message, rule (of this
                    // version) and action: queued once, whoever evaluates.
                    for (k, follow_up) in follow.into_iter().enumerate() {
                        let key = format!(
                            "rule:{}:{}:{}:{}:{k}",
                            m.id.get(),
                            live.id.get(),
                            live.version,
                            fired.rule
                        );
                        let job = crate::jobs::Job::RuleAction {
                            workspace,
                            key: key.clone(),
                            follow_up,
                        };
                        follow_ups.push(job.once(Some(key), now));
                    }
                }
            }
            pending.push((workspace, verdicts, follow_ups));
        }
        // The cursor moves with the last workspace's verdicts (or alone).
        let count = pending.len();
        if count == 0 {
            store.set_consumer_cursor(CONSUMER, last).await?;
        }
        for (k, (workspace, verdicts, follow_ups)) in pending.into_iter().enumerate() {
            let cursor = (k + 1 == count).then_some((CONSUMER, last));
            store
                .record_verdicts(workspace, &verdicts, &follow_ups, cursor)
                .await?;
        }
        Ok(looked_at.max(usize::from(!events.is_empty())))
    }
}

/// Work a fired rule asks for beyond moderation records: tags, assignment,
/// replies and notes. Queued as a job (`jobs::Job::RuleAction`) in the
/// verdict's transaction and run by the job runner.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUp {
    /// Tag the message.
    Tag(MessageId, String),
    /// Assign the message to the teammate with this name or e-mail.
    Assign(MessageId, String),
    /// Reply to the message, in the name of this teammate.
    Reply(MessageId, UserId, String),
    /// Leave an internal note, in the name of this teammate.
    Note(MessageId, UserId, String),
}

/// The name of the system actor live rules act as (in history and logs).
pub const RULES_ACTOR: &str = "rules";

impl FollowUp {
    /// Does the work as the system actor [`RULES_ACTOR`] (with a community
    /// manager's permissions; replies and notes in the name of whoever saved the
    /// rule set), through the same use cases as a teammate's. Safe to repeat:
    /// tagging and assigning are idempotent, and replies and notes are written
    /// once per `key`.
    pub async fn apply(
        &self,
        store: &dyn Store,
        workspace: WorkspaceId,
        key: &str,
    ) -> Result<(), ActionError> {
        let actor = Actor::system(RULES_ACTOR, workspace, Role::CommunityManager);
        match self {
            FollowUp::Tag(message, name) => {
                conversations::tag(store, actor, *message, name).await?;
            }
            FollowUp::Assign(message, who) => {
                let team = store.workspace_users(workspace).await?;
                let who = who.trim_start_matches('@').to_lowercase();
                // Saving refuses an unknown teammate; one who left since is skipped.
                if let Some((user, _)) = team.iter().find(|(u, _)| {
                    u.name.to_lowercase() == who || u.email.as_str().to_lowercase() == who
                }) {
                    conversations::assign(store, actor, *message, Some(user.id)).await?;
                }
            }
            FollowUp::Reply(message, author, text) => {
                actor.writing_as(*author).require(Permission::Reply)?;
                author_may(store, workspace, *author, Permission::Reply).await?;
                let item = store
                    .enqueue_reply(
                        workspace,
                        &NewReply {
                            in_reply_to: *message,
                            author_id: *author,
                            text: text.clone(),
                            idempotency_key: Some(key.to_owned()),
                        },
                    )
                    .await?;
                crate::channels::queue_send(store, &item, item.created_at).await;
            }
            FollowUp::Note(message, author, text) => {
                actor.writing_as(*author).require(Permission::WriteNotes)?;
                author_may(store, workspace, *author, Permission::WriteNotes).await?;
                store
                    .add_note_once(workspace, *message, *author, text, key)
                    .await?;
            }
        }
        Ok(())
    }
}

/// Refuses a reply or note in the name of a teammate who may no longer write it
/// (left the workspace, or now a role without the permission): the job then
/// fails for good with the reason, instead of writing in their name.
async fn author_may(
    store: &dyn Store,
    workspace: WorkspaceId,
    author: UserId,
    permission: Permission,
) -> Result<(), ActionError> {
    match store.role_in(author, workspace).await? {
        Some(role) => Actor::user(author, workspace, role).require(permission)?,
        None => {
            return Err(tend_domain::ValidationError::new(
                "author",
                "whoever saved the rules is no longer a teammate here; save them again",
            )
            .into());
        }
    }
    Ok(())
}

/// What a webhook payload says about where a message is, besides the message.
struct About<'a> {
    slug: &'a str,
    channel: Option<&'a Channel>,
    author: Option<&'a Identity>,
    fired_at: Timestamp,
}

/// The verdict of one fired rule on one message, and the follow-up work.
fn verdict_for(
    live: &RuleSetVersion,
    rules: &RuleSet,
    m: &Message,
    about: &About<'_>,
    fired: &tend_rules::Fired,
) -> (ModerationVerdict, Vec<FollowUp>) {
    let rule = &rules.rules()[fired.rule];
    let mut verdict = ModerationVerdict {
        message_id: m.id,
        rule_set: live.id,
        version: live.version,
        rule_index: fired.rule as i64,
        rule_name: rule.name().to_owned(),
        unrepeatable_hash: fired.unrepeatable.then(|| fired.hash.as_str().to_owned()),
        state: None,
        flag: None,
        escalate: false,
        log: Vec::new(),
        webhooks: Vec::new(),
    };
    let mut follow = Vec::new();
    let reason_or_name =
        |reason: &Option<String>| reason.clone().unwrap_or_else(|| rule.name().to_owned());
    for action in &fired.actions {
        if let Some(state) = state_of(action) {
            verdict.state = Some(state);
        }
        match action {
            Action::Filter { reason, .. } | Action::Report { reason, .. } => {
                verdict.flag = Some(reason_or_name(reason));
            }
            Action::Flag { reason } => verdict.flag = Some(reason_or_name(reason)),
            Action::Escalate { reason } => {
                verdict.flag = Some(reason_or_name(reason));
                verdict.escalate = true;
            }
            Action::Tag { names } => {
                for name in names {
                    verdict.log.push(("tag".into(), name.clone()));
                    follow.push(FollowUp::Tag(m.id, name.clone()));
                }
            }
            Action::Assign { teammate } => {
                verdict.log.push(("assign".into(), teammate.clone()));
                follow.push(FollowUp::Assign(m.id, teammate.clone()));
            }
            Action::Reply { body } | Action::Comment { body } => {
                verdict.log.push(("reply".into(), body.clone()));
                // Replies are written in the name of whoever saved the rules.
                if let Some(author) = live.created_by {
                    follow.push(FollowUp::Reply(m.id, author, body.clone()));
                }
            }
            Action::Notify { to } => match to {
                NotifyTarget::Teammate(name) => {
                    verdict.log.push(("notify".into(), name.clone()));
                    if let Some(author) = live.created_by {
                        follow.push(FollowUp::Note(
                            m.id,
                            author,
                            format!("@{name} rule “{}” fired on this message", rule.name()),
                        ));
                    }
                }
                NotifyTarget::Webhook(url) => {
                    verdict.log.push(("notify".into(), url.clone()));
                    let payload = webhooks::Payload {
                        event: webhooks::EVENT,
                        rule: rule.name(),
                        action: webhooks::main_action(&fired.actions),
                        actions: fired.actions.iter().map(action_name).collect(),
                        message_id: m.id.get(),
                        workspace: about.slug,
                        channel: about.channel.map_or("", |c| c.name.as_str()),
                        author: about.author.map_or("", |a| a.handle.as_str()),
                        permalink: m.permalink.as_deref(),
                        excerpt: webhooks::excerpt(&m.text),
                        fired_at: about.fired_at,
                    };
                    verdict.webhooks.push(WebhookNotice {
                        url: url.clone(),
                        payload: payload.to_json(),
                    });
                }
            },
            Action::Modmail { subject, .. } | Action::Message { subject, .. } => {
                verdict
                    .log
                    .push((action_name(action).into(), subject.clone()));
            }
            Action::SetFlair { .. } | Action::SetLocked { .. } => {
                verdict
                    .log
                    .push((action_name(action).into(), String::new()));
            }
            Action::Approve { .. } | Action::Remove { .. } | Action::Spam { .. } | Action::Hide => {
            }
        }
    }
    (verdict, follow)
}

/// What a rule set would have done to stored history.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DryRun {
    /// Messages looked at.
    pub scanned: u64,
    /// Messages at least one rule fired on.
    pub matched: u64,
    /// Per rule, in file order.
    pub rules: Vec<RuleTally>,
}

/// One rule's share of a dry run.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RuleTally {
    pub index: usize,
    pub name: String,
    pub document: usize,
    pub line: usize,
    /// Messages it fired on.
    pub hits: u64,
    /// Actions by name, with how often each would have run.
    pub actions: BTreeMap<String, u64>,
    /// The first few messages it fired on.
    pub samples: Vec<Sample>,
    /// Why it could not fire where it might have (missing figures, regex limits),
    /// with how often.
    pub notes: BTreeMap<String, u64>,
}

/// A message a rule fired on.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Sample {
    pub message: MessageId,
    pub created_at: Timestamp,
    pub excerpt: String,
    /// What each search check matched.
    pub matched: BTreeMap<String, String>,
}

/// Runs `rules` over the workspace's stored messages written at or after `since`,
/// as if each arrived now, writing nothing. Inbound and outbound messages, every
/// state; the live rules' own effects are ignored (each message starts visible).
pub async fn dry_run(
    store: &dyn Store,
    workspace: WorkspaceId,
    rules: &RuleSet,
    since: Timestamp,
    samples: usize,
) -> Result<DryRun, ModerationError> {
    let mut run = DryRun {
        rules: rules
            .rules()
            .iter()
            .map(|r| RuleTally {
                index: r.index(),
                name: r.name().to_owned(),
                document: r.document(),
                line: r.line(),
                ..RuleTally::default()
            })
            .collect(),
        ..DryRun::default()
    };
    let channels = store.channels(workspace).await?;
    let mut before = None;
    loop {
        let page = store
            .inbox(
                workspace,
                &InboxQuery {
                    from: Some(since),
                    before,
                    limit: 500,
                    ..InboxQuery::default()
                },
            )
            .await?;
        let Some(last) = page.last() else { break };
        before = Some((last.created_at, last.id));
        let context = Context::load(store, workspace, &page, &channels).await?;
        for m in &page {
            run.scanned += 1;
            let outcome = rules.evaluate(&context.item(m, None), &EvalContext::new_item());
            if !outcome.fired.is_empty() {
                run.matched += 1;
            }
            for fired in &outcome.fired {
                let Some(tally) = run.rules.get_mut(fired.rule) else {
                    continue;
                };
                tally.hits += 1;
                for action in &fired.actions {
                    *tally
                        .actions
                        .entry(action_name(action).to_owned())
                        .or_default() += 1;
                }
                if tally.samples.len() < samples {
                    tally.samples.push(Sample {
                        message: m.id,
                        created_at: m.created_at,
                        excerpt: m.text.chars().take(160).collect(),
                        matched: fired.matched.clone(),
                    });
                }
            }
            for note in &outcome.notes {
                if let Some(tally) = run.rules.get_mut(note.rule) {
                    let text = note.to_string();
                    let reason = text.split_once(": ").map_or(text.as_str(), |(_, r)| r);
                    *tally.notes.entry(reason.to_owned()).or_default() += 1;
                }
            }
        }
        if page.len() < 500 {
            break;
        }
    }
    Ok(run)
}
