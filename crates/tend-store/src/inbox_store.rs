//! The inbox: messages and their conversations, their state, assignee, tags,
//! notes and history, the replies queued in the outbox, and the hourly rollups
//! kept in step with every upsert. A supertrait of [`Store`](crate::Store);
//! implemented in `sql/inbox/`.

use crate::StoreError;
use async_trait::async_trait;
use jiff::Timestamp;
use tend_domain::{
    ChannelId, HistoryEntry, InboxState, Message, MessageId, MessageRevision, NewMessage, NewReply,
    Note, OutboxAudit, OutboxId, OutboxItem, OutboxState, SentimentLabel, Tag, TagId, TagName,
    UserId, WorkspaceId,
};

/// What an upsert did with one incoming message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UpsertOutcome {
    /// First time seen: stored.
    Created,
    /// The text or title changed: updated, the previous text kept as a revision.
    Edited,
    /// Only metadata changed (engagement counts, permalink, language): updated in place.
    Updated,
    /// Identical to what is stored, or an older version than what is stored: nothing written.
    Unchanged,
}

/// The result of upserting one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upserted {
    /// The stored message's id.
    pub id: MessageId,
    /// What happened.
    pub outcome: UpsertOutcome,
}

/// When a conversation was first written to and when the brand first answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ResponseTimes {
    /// The conversation's root message.
    pub conversation: MessageId,
    /// Its first inbound message.
    pub first_inbound: Timestamp,
    /// The first outbound message at or after that, if any.
    pub first_reply: Option<Timestamp>,
}

/// Filters and paging for the inbox list. Results are newest first. Every filter
/// that is set must hold (they combine with AND).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct InboxQuery {
    /// Only this state (default: every state).
    pub state: Option<InboxState>,
    /// Only this channel.
    pub channel: Option<ChannelId>,
    /// Only conversations assigned to this teammate.
    pub assignee: Option<UserId>,
    /// Only conversations assigned to nobody (ignored when `assignee` is set).
    pub unassigned: bool,
    /// Only messages carrying this tag.
    pub tag: Option<TagId>,
    /// Only this sentiment (a teammate's correction wins over the computed label).
    pub sentiment: Option<SentimentLabel>,
    /// Only this language (ISO 639-1).
    pub lang: Option<String>,
    /// Only questions (`Some(true)`) or only non-questions (`Some(false)`).
    pub question: Option<bool>,
    /// Only toxic (`Some(true)`, score at least [`tend_domain::Signals::TOXIC`]) or only non-toxic messages.
    pub toxic: Option<bool>,
    /// Only private messages (`Some(true)`: direct messages, which the
    /// networks show only to the brand) or only public ones (`Some(false)`).
    pub private: Option<bool>,
    /// Only rated messages (reviews) with at most this many stars, e.g. 2 for the
    /// low ratings; unrated messages are left out when it is set.
    pub rating_max: Option<tend_domain::Rating>,
    /// Only messages written at or after this instant.
    pub from: Option<Timestamp>,
    /// Only messages written before this instant.
    pub to: Option<Timestamp>,
    /// Full-text search: every word must occur in the title or text (case-insensitive).
    pub text: Option<String>,
    /// Keyset cursor: only messages strictly past `(created_at, id)` in the chosen
    /// order (older ones newest-first; newer ones with [`InboxQuery::oldest_first`]).
    pub before: Option<(Timestamp, MessageId)>,
    /// Page size (clamped to 1..=500; 0 means 50).
    pub limit: u32,
    /// Oldest first: the conversations that have waited longest come first (the
    /// order for working down overdue ones). Default: newest first.
    pub oldest_first: bool,
}

/// Number of messages per inbox state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StateCounts {
    /// Open.
    pub open: i64,
    /// Done.
    pub done: i64,
    /// Snoozed.
    pub snoozed: i64,
    /// Archived.
    pub archived: i64,
}

/// Inbox storage.
///
/// Contract:
/// - Every operation takes the `WorkspaceId`; a message of another workspace
///   answers [`StoreError::NotFound`] (reads of one item, changes) or is left out
///   (batch reads, bulk changes).
/// - [`InboxStore::upsert_messages`] is idempotent on `(channel, external id)` and
///   atomic per batch: either every message of the batch is written or none is.
/// - Every change to a conversation writes its history entry and one
///   `messages.changed` event in the same transaction (see [`InboxStore::set_state`]).
#[async_trait]
pub trait InboxStore: Send + Sync {
    /// Stores a batch of messages idempotently and atomically (see the trait contract).
    /// An edit (newer `edited_at` or changed text) updates the message and keeps the previous
    /// text as a revision; an older version than the stored one changes nothing.
    async fn upsert_messages(
        &self,
        workspace: WorkspaceId,
        batch: &[NewMessage],
    ) -> Result<Vec<Upserted>, StoreError>;
    /// The hourly rollups of a channel in `[from, to)`, oldest first; always equal to a
    /// recount of the stored messages.
    async fn rollups(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<crate::Rollup>, StoreError>;
    /// Buckets whose stored rollup differs from a fresh recount of the messages
    /// (channel, hour start in epoch ms). Always empty unless something is broken.
    async fn rollup_drift(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Vec<(ChannelId, i64)>, StoreError>;
    /// Records messages a source says exist but did not deliver (idempotent); returns how
    /// many were new. Items already stored as messages are skipped.
    async fn save_missing(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
        items: &[tend_domain::MissingItem],
    ) -> Result<u64, StoreError>;
    /// One message.
    async fn message(&self, workspace: WorkspaceId, id: MessageId) -> Result<Message, StoreError>;
    /// The messages with these ids, in id order (ids of other workspaces are left out).
    async fn messages(
        &self,
        workspace: WorkspaceId,
        ids: &[MessageId],
    ) -> Result<Vec<Message>, StoreError>;
    /// The earlier texts of a message, oldest first.
    async fn message_revisions(
        &self,
        workspace: WorkspaceId,
        id: MessageId,
    ) -> Result<Vec<MessageRevision>, StoreError>;
    /// A conversation: the root and every message under it, oldest first.
    async fn thread(
        &self,
        workspace: WorkspaceId,
        root: MessageId,
    ) -> Result<Vec<Message>, StoreError>;
    /// A page of the inbox, newest first.
    async fn inbox(
        &self,
        workspace: WorkspaceId,
        query: &InboxQuery,
    ) -> Result<Vec<Message>, StoreError>;
    /// Messages per state.
    async fn count_by_state(&self, workspace: WorkspaceId) -> Result<StateCounts, StoreError>;
    /// Changes a message's inbox state; `snoozed_until` is required for `Snoozed` and ignored otherwise.
    ///
    /// This and every other change to a conversation (assign, tag, untag, sentiment
    /// correction, note, reply) writes, in the same transaction, the history entry
    /// of each changed message with `by` as its author and one
    /// `messages.changed` event ([`tend_domain::EventPayload::MessagesChanged`]).
    async fn set_state(
        &self,
        workspace: WorkspaceId,
        id: MessageId,
        state: InboxState,
        snoozed_until: Option<Timestamp>,
        by: Option<UserId>,
    ) -> Result<Message, StoreError>;
    /// Changes the inbox state of many messages at once, in one transaction (bulk
    /// actions); ids that are unknown or of another workspace are skipped. Returns
    /// how many messages were updated.
    async fn set_states(
        &self,
        workspace: WorkspaceId,
        ids: &[MessageId],
        state: InboxState,
        snoozed_until: Option<Timestamp>,
        by: Option<UserId>,
    ) -> Result<u64, StoreError>;
    /// First-response times of the conversations rooted at `roots` (at most 500).
    async fn response_times(
        &self,
        workspace: WorkspaceId,
        roots: &[MessageId],
    ) -> Result<Vec<ResponseTimes>, StoreError>;
    /// Reopens every snoozed message whose wake-up time is at or before `now` (all
    /// workspaces; run periodically by the server); returns how many.
    async fn wake_snoozed(&self, now: Timestamp) -> Result<u64, StoreError>;
    /// Assigns a message to a teammate of the workspace, or unassigns it.
    async fn assign(
        &self,
        workspace: WorkspaceId,
        id: MessageId,
        assignee: Option<UserId>,
        by: Option<UserId>,
    ) -> Result<Message, StoreError>;
    /// The tag with this name (case-insensitive), created if missing.
    async fn ensure_tag(&self, workspace: WorkspaceId, name: &TagName) -> Result<Tag, StoreError>;
    /// The tags of a workspace, by name.
    async fn tags(&self, workspace: WorkspaceId) -> Result<Vec<Tag>, StoreError>;
    /// Puts a tag on a message (idempotent: only a new tag is recorded).
    async fn tag_message(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
        tag: TagId,
        by: Option<UserId>,
    ) -> Result<(), StoreError>;
    /// Takes a tag off a message (idempotent: only a removal is recorded).
    async fn untag_message(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
        tag: TagId,
        by: Option<UserId>,
    ) -> Result<(), StoreError>;
    /// Sets (or with `None` clears) a teammate's correction of a message's sentiment.
    async fn correct_sentiment(
        &self,
        workspace: WorkspaceId,
        id: MessageId,
        label: Option<SentimentLabel>,
        by: Option<UserId>,
    ) -> Result<Message, StoreError>;
    /// Adds an internal note mentioning the given teammates (who must be in the
    /// workspace), with the message's history entry and a `messages.changed` event.
    async fn add_note(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
        author: UserId,
        text: &str,
        mentions: &[UserId],
    ) -> Result<Note, StoreError>;
    /// Adds a note without mentions once per `key`: a second call with the key
    /// answers the note the first wrote (for jobs, which run at least once).
    async fn add_note_once(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
        author: UserId,
        text: &str,
        key: &str,
    ) -> Result<Note, StoreError>;
    /// The notes on a message, oldest first.
    async fn notes(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
    ) -> Result<Vec<Note>, StoreError>;
    /// A message's history, oldest first.
    async fn message_events(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
    ) -> Result<Vec<HistoryEntry>, StoreError>;
    /// Queues a reply on the channel of the message it answers, with its first audit
    /// entry, the message's history entry and a `messages.changed` event.
    async fn enqueue_reply(
        &self,
        workspace: WorkspaceId,
        reply: &NewReply,
    ) -> Result<OutboxItem, StoreError>;
    /// The outbound items answering a message, oldest first.
    async fn message_outbox(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
    ) -> Result<Vec<OutboxItem>, StoreError>;
    /// Moves an item to `to` if it is in a state that allows it (see
    /// [`tend_domain::OutboxState::can_move_to`]); `Conflict` otherwise. Moving to
    /// `Sending` counts an attempt; `detail` is kept as the error of a failure.
    async fn move_outbox(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
        to: OutboxState,
        actor: Option<UserId>,
        detail: Option<&str>,
    ) -> Result<OutboxItem, StoreError>;
    /// The audit trail of an outbound item, oldest first.
    async fn outbox_events(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
    ) -> Result<Vec<OutboxAudit>, StoreError>;
}
