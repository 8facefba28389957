//! The `Store` trait: every storage operation Tend performs, and its contract.

use crate::StoreError;
use async_trait::async_trait;
use jiff::Timestamp;
use std::collections::{HashMap, HashSet};
use tend_domain::{
    ApiToken, ApiTokenId, BusinessHours, Channel, ChannelId, Email, Identity, IdentityId,
    InboxState, LogEvent, MemberId, MemberProfile, Message, MessageEvent, MessageId,
    MessageRevision, NewChannel, NewIdentity, NewMessage, NewReply, NewUser, NewWorkspace, Note,
    OutboxEvent, OutboxId, OutboxItem, OutboxState, Role, SentimentLabel, Session, Tag, TagId,
    TagName, User, UserId, Workspace, WorkspaceId,
};
use tend_domain::{
    Moderation, ModerationEntry, ModerationVerdict, ReviewDecision, ReviewId, ReviewItem, RuleHit,
    RuleSetId, RuleSetVersion, WebhookAttempt, WebhookDelivery,
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

/// What moderation needs to know about a message besides its text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModerationFacts {
    pub state: Moderation,
    /// Hashes of the unrepeatable rules already performed on it.
    pub performed: Vec<String>,
    /// Its author is banned from the community.
    pub author_banned: bool,
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

/// How many people a workspace's community has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct MemberCounts {
    /// Members (people), each with at least one identity.
    pub members: i64,
    /// Identities (handles on one platform).
    pub identities: i64,
    /// Members with identities on more than one platform.
    pub multi_platform: i64,
}

/// Tend's storage operations.
///
/// Contract for every implementation:
/// - Operations on workspace data take the `WorkspaceId` and fail with
///   [`StoreError::NotFound`] when the item belongs to another workspace.
/// - [`Store::upsert_messages`] is idempotent on `(channel, external id)` and atomic
///   per batch: either every message of the batch is written or none is.
/// - Every identity belongs to exactly one member.
#[async_trait]
pub trait Store: crate::ListenStore + crate::JobStore + Send + Sync {
    /// Which database this is.
    fn backend(&self) -> crate::Backend;
    /// Applies pending migrations (idempotent).
    async fn migrate(&self) -> Result<(), StoreError>;

    /// Creates a workspace; `Conflict` if the slug is taken.
    async fn create_workspace(&self, new: &NewWorkspace) -> Result<Workspace, StoreError>;
    /// One workspace.
    async fn workspace(&self, id: WorkspaceId) -> Result<Workspace, StoreError>;
    /// One workspace by slug.
    async fn workspace_by_slug(&self, slug: &str) -> Result<Workspace, StoreError>;
    /// Every workspace of the installation, by name.
    async fn list_workspaces(&self) -> Result<Vec<Workspace>, StoreError>;
    /// Changes time zone, business hours and first-response target.
    async fn update_workspace_hours(
        &self,
        id: WorkspaceId,
        time_zone: &str,
        hours: &BusinessHours,
        response_target_secs: i64,
    ) -> Result<Workspace, StoreError>;

    /// Creates a teammate; `Conflict` if the e-mail is taken.
    async fn create_user(&self, new: &NewUser) -> Result<User, StoreError>;
    /// One teammate.
    async fn user(&self, id: UserId) -> Result<User, StoreError>;
    /// A teammate and their password hash, for login.
    async fn user_credentials(&self, email: &Email) -> Result<(User, String), StoreError>;
    /// Replaces a teammate's password hash.
    async fn set_password_hash(&self, id: UserId, password_hash: &str) -> Result<(), StoreError>;
    /// Number of teammates (0 on a fresh install).
    async fn count_users(&self) -> Result<i64, StoreError>;
    /// Gives a teammate a role in a workspace (replacing any previous role there).
    async fn grant_role(
        &self,
        user: UserId,
        workspace: WorkspaceId,
        role: Role,
    ) -> Result<(), StoreError>;
    /// Removes a teammate from a workspace.
    async fn revoke_membership(
        &self,
        user: UserId,
        workspace: WorkspaceId,
    ) -> Result<(), StoreError>;
    /// The teammate's role in a workspace, if any.
    async fn role_in(
        &self,
        user: UserId,
        workspace: WorkspaceId,
    ) -> Result<Option<Role>, StoreError>;
    /// The workspaces a teammate belongs to, with their role, by name.
    async fn user_workspaces(&self, user: UserId) -> Result<Vec<(Workspace, Role)>, StoreError>;

    /// Creates a channel; `Conflict` if the name is taken in the workspace.
    async fn create_channel(&self, new: &NewChannel) -> Result<Channel, StoreError>;
    /// One channel of a workspace.
    async fn channel(&self, workspace: WorkspaceId, id: ChannelId) -> Result<Channel, StoreError>;
    /// The channels of a workspace, by name.
    async fn channels(&self, workspace: WorkspaceId) -> Result<Vec<Channel>, StoreError>;

    /// Creates or updates an identity on `(workspace, platform, external id)`;
    /// a new identity gets a member of its own.
    async fn upsert_identity(&self, new: &NewIdentity) -> Result<Identity, StoreError>;
    /// One identity.
    async fn identity(
        &self,
        workspace: WorkspaceId,
        id: IdentityId,
    ) -> Result<Identity, StoreError>;
    /// A member with their identities.
    async fn member_profile(
        &self,
        workspace: WorkspaceId,
        id: MemberId,
    ) -> Result<MemberProfile, StoreError>;
    /// Moves every identity of `absorb` to `keep` and deletes `absorb`.
    async fn merge_members(
        &self,
        workspace: WorkspaceId,
        keep: MemberId,
        absorb: MemberId,
    ) -> Result<MemberProfile, StoreError>;
    /// Moves one identity to a new member of its own (undoes a merge).
    async fn split_identity(
        &self,
        workspace: WorkspaceId,
        identity: IdentityId,
    ) -> Result<MemberProfile, StoreError>;

    /// Members, identities and multi-platform members of a workspace.
    async fn member_counts(&self, workspace: WorkspaceId) -> Result<MemberCounts, StoreError>;

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
    /// Upserts many identities in one transaction (see [`Store::upsert_identity`]), in order.
    async fn upsert_identities(&self, batch: &[NewIdentity])
    -> Result<Vec<IdentityId>, StoreError>;
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

    /// Events after `cursor` in commit order, at most `limit` (1..=1000), of one
    /// workspace or of every workspace (for background consumers).
    async fn events_after(
        &self,
        workspace: Option<WorkspaceId>,
        cursor: i64,
        limit: u32,
    ) -> Result<Vec<LogEvent>, StoreError>;
    /// The newest event id, 0 when there is none.
    async fn latest_event(&self) -> Result<i64, StoreError>;

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

    // --- The web app: access -------------------------------------------------

    /// Stores a new login session.
    async fn create_session(&self, session: &Session) -> Result<(), StoreError>;
    /// The live session with this hash and its user; `NotFound` when it is unknown or
    /// expired. Records `now` as last seen when the stored value is older than a minute.
    async fn session(&self, id_hash: &str, now: Timestamp) -> Result<(Session, User), StoreError>;
    /// Ends a session (idempotent).
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError>;
    /// Ends every session of a teammate (after a password change); returns how many.
    async fn delete_user_sessions(&self, user: UserId) -> Result<u64, StoreError>;
    /// Deletes expired sessions; returns how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError>;

    /// Stores a new API token (its secret's hash) for a teammate.
    async fn create_api_token(
        &self,
        user: UserId,
        name: &str,
        prefix: &str,
        token_hash: &str,
    ) -> Result<ApiToken, StoreError>;
    /// A teammate's tokens, newest first, revoked ones included.
    async fn api_tokens(&self, user: UserId) -> Result<Vec<ApiToken>, StoreError>;
    /// Revokes one of a teammate's tokens; `NotFound` for someone else's.
    async fn revoke_api_token(&self, user: UserId, id: ApiTokenId) -> Result<(), StoreError>;
    /// The unrevoked token with this hash and its owner; records the use.
    async fn api_token_user(&self, token_hash: &str) -> Result<(ApiToken, User), StoreError>;

    /// The workspace with `slug` and the teammate's role there, in one query;
    /// `NotFound` when it does not exist or they are not a member.
    async fn membership(&self, user: UserId, slug: &str) -> Result<(Workspace, Role), StoreError>;
    /// The teammates of a workspace with their roles, by name.
    async fn workspace_users(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Vec<(User, Role)>, StoreError>;
    /// Changes a teammate's interface language (`en` or `sv`).
    async fn set_user_locale(&self, user: UserId, locale: &str) -> Result<(), StoreError>;

    // --- The web app: conversations --------------------------------------------

    /// The identities with these ids (at most 500) that belong to the workspace.
    async fn identities(
        &self,
        workspace: WorkspaceId,
        ids: &[IdentityId],
    ) -> Result<Vec<Identity>, StoreError>;
    /// Of these identities, those whose member has an identity in a community space
    /// (forum, chat or Q&A site, [`crate::COMMUNITY_PLATFORMS`]): a member of the
    /// community, not only a voice on social networks. Listening's "to answer" and
    /// moderation's `is_member` both mean this.
    async fn community_members(
        &self,
        workspace: WorkspaceId,
        identities: &[IdentityId],
    ) -> Result<HashSet<IdentityId>, StoreError>;
    /// The newest messages written by any identity of a member, newest first.
    async fn member_messages(
        &self,
        workspace: WorkspaceId,
        member: MemberId,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
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
    ) -> Result<Vec<MessageEvent>, StoreError>;

    // --- The outbox ---------------------------------------------------------------

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
    ) -> Result<Vec<OutboxEvent>, StoreError>;
    /// Saves the manifest (a JSON document) of the demo data in a workspace, replacing
    /// any earlier one (`tend demo`).
    async fn save_demo_manifest(
        &self,
        workspace: WorkspaceId,
        manifest: &str,
    ) -> Result<(), StoreError>;
    /// The demo manifest of a workspace, if `tend demo` made it.
    async fn demo_manifest(&self, workspace: WorkspaceId) -> Result<Option<String>, StoreError>;
    // --- Moderation ---------------------------------------------------------------

    /// Saves a new version of the workspace's rules (not live).
    async fn create_rule_set(
        &self,
        workspace: WorkspaceId,
        source: &str,
        by: Option<UserId>,
    ) -> Result<RuleSetVersion, StoreError>;
    /// Every version, newest first.
    async fn rule_sets(&self, workspace: WorkspaceId) -> Result<Vec<RuleSetVersion>, StoreError>;
    /// One version.
    async fn rule_set(
        &self,
        workspace: WorkspaceId,
        id: RuleSetId,
    ) -> Result<RuleSetVersion, StoreError>;
    /// The version running now, if any.
    async fn live_rule_set(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Option<RuleSetVersion>, StoreError>;
    /// Makes a version live (the explicit step); the previous live one ends.
    async fn make_live(
        &self,
        workspace: WorkspaceId,
        id: RuleSetId,
        by: Option<UserId>,
    ) -> Result<RuleSetVersion, StoreError>;
    /// Hit counters of a version's rules (only rules that fired).
    async fn rule_hits(
        &self,
        workspace: WorkspaceId,
        id: RuleSetId,
    ) -> Result<Vec<RuleHit>, StoreError>;
    /// Moderation state, performed unrepeatable rules and author ban of messages.
    async fn moderation_facts(
        &self,
        workspace: WorkspaceId,
        ids: &[MessageId],
    ) -> Result<HashMap<MessageId, ModerationFacts>, StoreError>;
    /// Records the rules' verdicts in one transaction (see `sql/moderation.rs`),
    /// advancing a consumer's cursor in the same transaction when given.
    async fn record_verdicts(
        &self,
        workspace: WorkspaceId,
        verdicts: &[ModerationVerdict],
        cursor: Option<(&str, i64)>,
    ) -> Result<(), StoreError>;
    /// [`Store::record_verdicts`], and enqueues `jobs` (the rules' follow-up work)
    /// in the same transaction, so a verdict never loses its follow-ups and a job
    /// key already queued is not queued again.
    async fn record_verdicts_with_jobs(
        &self,
        workspace: WorkspaceId,
        verdicts: &[ModerationVerdict],
        jobs: &[crate::jobs::NewJob],
        cursor: Option<(&str, i64)>,
    ) -> Result<(), StoreError>;
    /// Open (pending and escalated, escalated first) or decided review items.
    async fn review_queue(
        &self,
        workspace: WorkspaceId,
        open: bool,
        before: Option<ReviewId>,
        limit: u32,
    ) -> Result<Vec<ReviewItem>, StoreError>;
    /// How many review items are open (pending or escalated), counting at most `cap`.
    async fn open_reviews(&self, workspace: WorkspaceId, cap: u32) -> Result<i64, StoreError>;
    /// One review item.
    async fn review_item(
        &self,
        workspace: WorkspaceId,
        id: ReviewId,
    ) -> Result<ReviewItem, StoreError>;
    /// A teammate's decision on open review items; returns how many were decided.
    async fn decide_reviews(
        &self,
        workspace: WorkspaceId,
        ids: &[ReviewId],
        decision: ReviewDecision,
        by: Option<UserId>,
    ) -> Result<u64, StoreError>;
    /// Claims up to `limit` queued moderation webhooks that are due at `now` (of
    /// every workspace, oldest due first): their next attempt moves to
    /// `lease_until`, so another process does not send them at the same time.
    async fn claim_webhooks(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError>;
    /// Records one attempt of a queued webhook (counted; a failure keeps its error
    /// and either sets the next attempt or gives up). An attempt on a delivery
    /// already delivered or given up changes nothing.
    async fn webhook_attempted(
        &self,
        workspace: WorkspaceId,
        id: i64,
        attempt: &WebhookAttempt,
    ) -> Result<(), StoreError>;
    /// The workspace's moderation webhooks, newest first (of one message if given).
    async fn webhook_deliveries(
        &self,
        workspace: WorkspaceId,
        message: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError>;
    /// The moderation audit log, newest first, of a message or the workspace.
    async fn moderation_log(
        &self,
        workspace: WorkspaceId,
        message: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<ModerationEntry>, StoreError>;
    // --- Guidelines -----------------------------------------------------------------

    /// The community's guidelines text (`None` until written).
    async fn guidelines(&self, workspace: WorkspaceId) -> Result<Option<String>, StoreError>;
    /// Replaces the guidelines text (at most 100,000 bytes; `Invalid` names `text`).
    async fn set_guidelines(
        &self,
        workspace: WorkspaceId,
        text: &str,
        by: Option<UserId>,
    ) -> Result<(), StoreError>;

    /// Where a background consumer of the event log is (0 when it never ran).
    async fn consumer_cursor(&self, name: &str) -> Result<i64, StoreError>;
    /// Moves a consumer's cursor.
    async fn set_consumer_cursor(&self, name: &str, cursor: i64) -> Result<(), StoreError>;
}
