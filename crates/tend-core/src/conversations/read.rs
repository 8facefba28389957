//! Reading the inbox: a page of the inbox for a query, and one conversation with
//! its thread in reply order. Both ask `Permission::ReadInbox`; internal notes
//! come only to roles with `Permission::ReadNotes`.

use super::{ActionError, Actor, Permission};
use std::collections::HashMap;
use tend_domain::{HistoryKind, Identity, IdentityId, Message, MessageId, WorkspaceId};
use tend_store::prelude::*;
use tend_store::{InboxQuery, ResponseTimes, StateCounts, StoreError};

/// One page of the inbox.
#[derive(Debug)]
pub struct InboxPage {
    /// The messages, newest first.
    pub messages: Vec<Message>,
    /// Messages per status (the whole workspace).
    pub counts: StateCounts,
    /// The authors of the messages.
    pub authors: HashMap<IdentityId, Identity>,
    /// Whether the page is full (so a next page may follow the last message).
    pub full: bool,
    /// First-response times by conversation root.
    pub responses: HashMap<MessageId, ResponseTimes>,
}

/// The identities with these ids in the workspace, by id (missing ones left out).
pub async fn identities_by_id(
    store: &dyn Store,
    workspace: WorkspaceId,
    ids: &[IdentityId],
) -> Result<HashMap<IdentityId, Identity>, StoreError> {
    Ok(store
        .identities(workspace, ids)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect())
}

/// A page of the inbox for `query`.
pub async fn inbox(
    store: &dyn Store,
    actor: Actor,
    query: &InboxQuery,
) -> Result<InboxPage, ActionError> {
    actor.require(Permission::ReadInbox)?;
    let id = actor.workspace;
    let messages = store.inbox(id, query).await?;
    let full = messages.len() == query.limit as usize;
    let author_ids: Vec<IdentityId> = messages.iter().filter_map(|m| m.author_id).collect();
    let authors = identities_by_id(store, id, &author_ids).await?;
    let mut roots: Vec<MessageId> = messages
        .iter()
        .map(|m| m.thread_root_id.unwrap_or(m.id))
        .collect();
    roots.sort_unstable();
    roots.dedup();
    let responses = store
        .response_times(id, &roots)
        .await?
        .into_iter()
        .map(|r| (r.conversation, r))
        .collect();
    Ok(InboxPage {
        counts: store.count_by_state(id).await?,
        messages,
        authors,
        full,
        responses,
    })
}

/// Everything a conversation view shows, loaded once.
#[derive(Debug)]
pub struct ConversationData {
    /// The message that was opened.
    pub message: Message,
    /// The thread, in reply order, with each message's depth.
    pub thread: Vec<(Message, usize)>,
    /// Authors of the thread's messages.
    pub authors: HashMap<IdentityId, Identity>,
    /// The opened message's author, their other identities and earlier messages.
    pub author: Option<(Identity, Vec<Identity>, Vec<Message>)>,
    /// The channel (for names and reply limits).
    pub channel: tend_domain::Channel,
    /// Tags of the workspace.
    pub tags: Vec<tend_domain::Tag>,
    /// Teammates.
    pub team: Vec<(tend_domain::User, tend_domain::Role)>,
    /// Internal notes (empty for roles that do not see them).
    pub notes: Vec<tend_domain::Note>,
    /// History.
    pub events: Vec<tend_domain::HistoryEntry>,
    /// Queued and sent replies.
    pub outbox: Vec<tend_domain::OutboxItem>,
}

/// The conversation around message `id`: the thread in reply order, authors,
/// tags, teammates, history, outbox, and internal notes for roles that read them.
pub async fn conversation(
    store: &dyn Store,
    actor: Actor,
    id: MessageId,
) -> Result<ConversationData, ActionError> {
    actor.require(Permission::ReadInbox)?;
    let w = actor.workspace;
    let message = store.message(w, id).await?;
    let root = message.thread_root_id.unwrap_or(message.id);
    let thread = reply_order(store.thread(w, root).await?);
    let mut ids: Vec<IdentityId> = thread.iter().filter_map(|(m, _)| m.author_id).collect();
    let mut author = None;
    if let Some(a) = message.author_id {
        let identity = store.identity(w, a).await?;
        let profile = store.member_profile(w, identity.member_id).await?;
        let in_thread: Vec<MessageId> = thread.iter().map(|(m, _)| m.id).collect();
        let earlier = store
            .member_messages(w, identity.member_id, 20)
            .await?
            .into_iter()
            .filter(|m| !in_thread.contains(&m.id))
            .take(10)
            .collect();
        ids.push(a);
        author = Some((identity, profile.identities, earlier));
    }
    let authors = identities_by_id(store, w, &ids).await?;
    Ok(ConversationData {
        channel: store.channel(w, message.channel_id).await?,
        tags: store.tags(w).await?,
        team: store.workspace_users(w).await?,
        notes: if actor.may(Permission::ReadNotes) {
            store.notes(w, id).await?
        } else {
            Vec::new()
        },
        // The history says a note was added and by whom: not for roles that do not
        // read notes either.
        events: store
            .message_events(w, id)
            .await?
            .into_iter()
            .filter(|e| actor.may(Permission::ReadNotes) || e.kind != HistoryKind::Noted)
            .collect(),
        outbox: store.message_outbox(w, id).await?,
        message,
        thread,
        authors,
        author,
    })
}

/// Orders a thread so every reply follows its parent (siblings oldest first) and
/// gives each message its depth. Messages whose parent is not in the thread hang
/// off the top level.
pub fn reply_order(messages: Vec<Message>) -> Vec<(Message, usize)> {
    let ids: std::collections::HashSet<MessageId> = messages.iter().map(|m| m.id).collect();
    let mut children: HashMap<Option<MessageId>, Vec<usize>> = HashMap::new();
    for (i, m) in messages.iter().enumerate() {
        let parent = m.parent_id.filter(|p| ids.contains(p) && *p != m.id);
        children.entry(parent).or_default().push(i);
    }
    let mut out = Vec::with_capacity(messages.len());
    let mut seen = vec![false; messages.len()];
    // Iterative depth-first walk; `seen` guards against cycles in bad data.
    let mut stack: Vec<(usize, usize)> = children
        .get(&None)
        .map(|v| v.iter().rev().map(|i| (*i, 0)).collect())
        .unwrap_or_default();
    while let Some((i, depth)) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        out.push((i, depth));
        if let Some(kids) = children.get(&Some(messages[i].id)) {
            stack.extend(kids.iter().rev().map(|k| (*k, depth + 1)));
        }
    }
    // Anything left (only in a cycle) goes at the end, flat.
    for (i, s) in seen.iter().enumerate() {
        if !s {
            out.push((i, 0));
        }
    }
    let mut slots: Vec<Option<Message>> = messages.into_iter().map(Some).collect();
    out.into_iter()
        .filter_map(|(i, d)| slots[i].take().map(|m| (m, d)))
        .collect()
}
