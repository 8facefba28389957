//! Working a conversation: state, assignment, tags, sentiment corrections, internal
//! notes with @mentions, and replies queued in the outbox. The store writes each
//! change, the message's history entry (with who made it) and the live-update event
//! in one transaction.
//!
//! Each use case asks the permission table first (`team::permissions`), so pages,
//! the API, the CLI and jobs refuse the same things; workspace isolation is the
//! store's.

use jiff::Timestamp;
use tend_domain::{
    ChannelKind, InboxState, Message, MessageId, NewReply, Note, OutboxItem, SentimentLabel, Tag,
    TagId, TagName, UserId, ValidationError,
};
use tend_nlp::length::{Limits, Network, Problem};
use tend_store::StoreError;
use tend_store::prelude::*;

pub use crate::team::{Actor, Forbidden, Permission};
pub use read::{ConversationData, InboxPage, conversation, inbox, reply_order};

pub mod read;

/// Why a conversation action failed.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// Input failed validation.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The reply does not fit the network.
    #[error("the reply does not fit the network: {0:?}")]
    Reply(Vec<Problem>),
    /// Storage failed (including `NotFound` for another workspace's items).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The actor's role may not do this.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
}

/// The teammate a note or reply is written by: the person, or the one a system
/// actor writes as (`Actor::writing_as`).
fn author(actor: Actor) -> Result<UserId, ActionError> {
    actor.author().ok_or_else(|| {
        ValidationError::new("author", "notes and replies are written by a teammate").into()
    })
}

/// Marks done, reopens, archives or snoozes (`until` required for snoozing, after `now`).
pub async fn set_state(
    store: &dyn Store,
    actor: Actor,
    message: MessageId,
    state: InboxState,
    until: Option<Timestamp>,
    now: Timestamp,
) -> Result<Message, ActionError> {
    actor.require(Permission::WorkInbox)?;
    if state == InboxState::Snoozed {
        match until {
            Some(t) if t > now => {}
            _ => {
                return Err(ValidationError::new("until", "must be a time in the future").into());
            }
        }
    }
    Ok(store
        .set_state(actor.workspace, message, state, until, actor.user_id())
        .await?)
}

/// Assigns to a teammate of the workspace, or unassigns.
pub async fn assign(
    store: &dyn Store,
    actor: Actor,
    message: MessageId,
    assignee: Option<UserId>,
) -> Result<Message, ActionError> {
    actor.require(Permission::WorkInbox)?;
    Ok(store
        .assign(actor.workspace, message, assignee, actor.user_id())
        .await?)
}

/// Puts a tag (created if new) on a message.
pub async fn tag(
    store: &dyn Store,
    actor: Actor,
    message: MessageId,
    name: &str,
) -> Result<Tag, ActionError> {
    actor.require(Permission::WorkInbox)?;
    let name = TagName::parse(name)?;
    // Check the message first so a foreign id does not create a tag.
    store.message(actor.workspace, message).await?;
    let tag = store.ensure_tag(actor.workspace, &name).await?;
    store
        .tag_message(actor.workspace, message, tag.id, actor.user_id())
        .await?;
    Ok(tag)
}

/// Takes a tag of the workspace off a message (also when it was not on it);
/// `NotFound` for a tag of another workspace.
pub async fn untag(
    store: &dyn Store,
    actor: Actor,
    message: MessageId,
    tag: TagId,
) -> Result<(), ActionError> {
    actor.require(Permission::WorkInbox)?;
    let tag = store
        .tags(actor.workspace)
        .await?
        .into_iter()
        .find(|t| t.id == tag)
        .ok_or(StoreError::NotFound)?;
    store
        .untag_message(actor.workspace, message, tag.id, actor.user_id())
        .await?;
    Ok(())
}

/// Corrects the sentiment label (or clears the correction).
pub async fn correct_sentiment(
    store: &dyn Store,
    actor: Actor,
    message: MessageId,
    label: Option<SentimentLabel>,
) -> Result<Message, ActionError> {
    actor.require(Permission::WorkInbox)?;
    Ok(store
        .correct_sentiment(actor.workspace, message, label, actor.user_id())
        .await?)
}

/// Adds an internal note; `@name` mentions teammates by the part of their e-mail
/// before the `@`, or by their whole e-mail. Unknown names stay plain text.
pub async fn add_note(
    store: &dyn Store,
    actor: Actor,
    message: MessageId,
    text: &str,
) -> Result<Note, ActionError> {
    actor.require(Permission::WriteNotes)?;
    tend_domain::activity::validate_note(text)?;
    let names = tend_domain::activity::mention_names(text);
    let mut mentions = Vec::new();
    if !names.is_empty() {
        let team = store.workspace_users(actor.workspace).await?;
        for name in &names {
            let found = team.iter().find(|(u, _)| {
                let email = u.email.as_str();
                email == name || email.split('@').next() == Some(name.as_str())
            });
            if let Some((user, _)) = found {
                mentions.push(user.id);
            }
        }
    }
    Ok(store
        .add_note(actor.workspace, message, author(actor)?, text, &mentions)
        .await?)
}

/// The post limits for replies on a channel kind: the network's published limits
/// where Tend knows them, otherwise a generous 10,000 characters.
pub fn reply_limits(kind: ChannelKind) -> Limits {
    let network = match kind {
        ChannelKind::X => Some(Network::X),
        ChannelKind::Mastodon => Some(Network::Mastodon),
        ChannelKind::Bluesky => Some(Network::Bluesky),
        ChannelKind::Threads => Some(Network::Threads),
        ChannelKind::Linkedin => Some(Network::LinkedIn),
        ChannelKind::Instagram => Some(Network::Instagram),
        ChannelKind::Facebook => Some(Network::Facebook),
        ChannelKind::Youtube => Some(Network::YouTube),
        _ => None,
    };
    match network {
        Some(n) => Limits::for_network(n),
        None => Limits {
            max_length: 10_000,
            ..Limits::for_network(Network::YouTube)
        },
    }
}

/// Every problem of a reply text on a channel kind (empty when it fits).
pub fn reply_problems(kind: ChannelKind, text: &str) -> Vec<Problem> {
    tend_nlp::length::validate_with(&reply_limits(kind), text)
}

/// Validates a reply for the channel of the message it answers and queues it in
/// the outbox, with the job that sends it (`channels::send`).
pub async fn queue_reply(
    store: &dyn Store,
    actor: Actor,
    message: MessageId,
    text: &str,
) -> Result<OutboxItem, ActionError> {
    actor.require(Permission::Reply)?;
    let original = store.message(actor.workspace, message).await?;
    let channel = store.channel(actor.workspace, original.channel_id).await?;
    let problems = reply_problems(channel.kind, text);
    if !problems.is_empty() {
        return Err(ActionError::Reply(problems));
    }
    let item = store
        .enqueue_reply(
            actor.workspace,
            &NewReply {
                in_reply_to: message,
                author_id: author(actor)?,
                text: text.to_owned(),
                idempotency_key: None,
            },
        )
        .await?;
    crate::channels::queue_send(store, &item, item.created_at).await;
    Ok(item)
}

/// What a bulk action does.
#[derive(Debug, Clone, PartialEq)]
pub enum BulkAction {
    /// Mark done.
    Done,
    /// Reopen.
    Open,
    /// Put a tag on.
    Tag(String),
    /// Assign (None: unassign).
    Assign(Option<UserId>),
}

/// The most conversations one bulk action changes.
pub const MAX_BULK: usize = 500;

/// Applies a bulk action to messages of the workspace; stops at the first failure
/// (a foreign id answers `NotFound` and nothing is changed: every id is checked first).
pub async fn bulk(
    store: &dyn Store,
    actor: Actor,
    ids: &[MessageId],
    action: &BulkAction,
    now: Timestamp,
) -> Result<usize, ActionError> {
    actor.require(Permission::WorkInbox)?;
    if ids.is_empty() || ids.len() > MAX_BULK {
        return Err(ValidationError::new("ids", "select 1-500 conversations").into());
    }
    for id in ids {
        store.message(actor.workspace, *id).await?;
    }
    for id in ids {
        match action {
            BulkAction::Done => {
                set_state(store, actor, *id, InboxState::Done, None, now).await?;
            }
            BulkAction::Open => {
                set_state(store, actor, *id, InboxState::Open, None, now).await?;
            }
            BulkAction::Tag(name) => {
                tag(store, actor, *id, name).await?;
            }
            BulkAction::Assign(user) => {
                assign(store, actor, *id, *user).await?;
            }
        }
    }
    Ok(ids.len())
}

/// Whether `actor` may see an entry of the event log (live updates): one of its
/// workspace, and none about internal notes for a role that does not read notes.
pub fn sees_event(actor: &Actor, event: &tend_domain::LogEvent) -> bool {
    use tend_domain::{ConversationChange, EventPayload, MessagesChanged};
    let about_a_note = matches!(
        event.payload,
        EventPayload::MessagesChanged(MessagesChanged {
            change: ConversationChange::Note { .. },
            ..
        })
    );
    event.workspace_id == actor.workspace && (actor.may(Permission::ReadNotes) || !about_a_note)
}
