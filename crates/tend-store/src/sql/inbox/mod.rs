//! [`InboxStore`](crate::InboxStore) on the SQL store: the message batch upsert
//! (`upsert`) with its hourly rollups (`rollups`), reads and state changes
//! (`messages`, `conversations`, `response`), tags, notes and history (`tags`,
//! `activity`), and replies queued for sending (`outbox`).

pub(crate) mod activity;
pub(crate) mod conversations;
pub(crate) mod messages;
pub(crate) mod outbox;
pub(crate) mod response;
pub(crate) mod rollups;
pub(crate) mod states;
pub(crate) mod tags;
pub(crate) mod upsert;

use crate::StoreError;
use crate::sql::SqlStore;
use crate::sql::ms;
use jiff::Timestamp;
use tend_domain::{
    ChannelId, HistoryEntry, InboxState, Message, MessageId, MessageRevision, MissingItem,
    NewMessage, NewReply, Note, OutboxAudit, OutboxId, OutboxItem, OutboxState, SentimentLabel,
    Tag, TagId, TagName, UserId, WorkspaceId,
};

#[async_trait::async_trait]
impl crate::InboxStore for SqlStore {
    async fn upsert_messages(
        &self,
        workspace: WorkspaceId,
        batch: &[NewMessage],
    ) -> Result<Vec<crate::Upserted>, StoreError> {
        upsert::upsert_batch(&self.pool, self.backend, workspace, batch).await
    }
    async fn rollups(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<crate::Rollup>, StoreError> {
        rollups::list(&self.pool, workspace, channel, ms(from), ms(to)).await
    }
    async fn rollup_drift(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Vec<(ChannelId, i64)>, StoreError> {
        rollups::drift(&self.pool, workspace).await
    }
    async fn save_missing(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
        items: &[MissingItem],
    ) -> Result<u64, StoreError> {
        upsert::save_missing(&self.pool, workspace, channel, items).await
    }
    async fn message(&self, workspace: WorkspaceId, id: MessageId) -> Result<Message, StoreError> {
        messages::by_id(&self.pool, self.backend, workspace, id).await
    }
    async fn messages(
        &self,
        workspace: WorkspaceId,
        ids: &[MessageId],
    ) -> Result<Vec<Message>, StoreError> {
        messages::by_ids(&self.pool, self.backend, workspace, ids).await
    }
    async fn message_revisions(
        &self,
        workspace: WorkspaceId,
        id: MessageId,
    ) -> Result<Vec<MessageRevision>, StoreError> {
        messages::revisions(&self.pool, workspace, id).await
    }
    async fn thread(
        &self,
        workspace: WorkspaceId,
        root: MessageId,
    ) -> Result<Vec<Message>, StoreError> {
        messages::thread(&self.pool, self.backend, workspace, root).await
    }
    async fn inbox(
        &self,
        workspace: WorkspaceId,
        query: &crate::InboxQuery,
    ) -> Result<Vec<Message>, StoreError> {
        messages::inbox(
            &self.pool,
            self.reader.as_ref(),
            self.backend,
            workspace,
            query,
        )
        .await
    }
    async fn count_by_state(
        &self,
        workspace: WorkspaceId,
    ) -> Result<crate::StateCounts, StoreError> {
        messages::count_by_state(&self.pool, self.reader.as_ref(), workspace).await
    }
    async fn set_state(
        &self,
        workspace: WorkspaceId,
        id: MessageId,
        state: InboxState,
        snoozed_until: Option<Timestamp>,
        by: Option<UserId>,
    ) -> Result<Message, StoreError> {
        messages::set_state(
            &self.pool,
            self.backend,
            workspace,
            id,
            state,
            snoozed_until,
            by,
        )
        .await
    }
    async fn set_states(
        &self,
        workspace: WorkspaceId,
        ids: &[MessageId],
        state: InboxState,
        snoozed_until: Option<Timestamp>,
        by: Option<UserId>,
    ) -> Result<u64, StoreError> {
        messages::set_states(
            &self.pool,
            self.backend,
            workspace,
            ids,
            state,
            snoozed_until,
            by,
        )
        .await
    }
    async fn response_times(
        &self,
        workspace: WorkspaceId,
        roots: &[MessageId],
    ) -> Result<Vec<crate::ResponseTimes>, StoreError> {
        response::of(
            &self.pool,
            self.reader.as_ref(),
            self.backend,
            workspace,
            roots,
        )
        .await
    }
    async fn wake_snoozed(&self, now: Timestamp) -> Result<u64, StoreError> {
        messages::wake_snoozed(&self.pool, self.backend, now).await
    }
    async fn assign(
        &self,
        workspace: WorkspaceId,
        id: MessageId,
        assignee: Option<UserId>,
        by: Option<UserId>,
    ) -> Result<Message, StoreError> {
        messages::assign(&self.pool, self.backend, workspace, id, assignee, by).await
    }
    async fn ensure_tag(&self, workspace: WorkspaceId, name: &TagName) -> Result<Tag, StoreError> {
        tags::ensure(&self.pool, workspace, name).await
    }
    async fn tags(&self, workspace: WorkspaceId) -> Result<Vec<Tag>, StoreError> {
        tags::list(&self.pool, workspace).await
    }
    async fn tag_message(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
        tag: TagId,
        by: Option<UserId>,
    ) -> Result<(), StoreError> {
        tags::set_tag(&self.pool, self.backend, workspace, message, tag, true, by).await
    }
    async fn untag_message(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
        tag: TagId,
        by: Option<UserId>,
    ) -> Result<(), StoreError> {
        tags::set_tag(&self.pool, self.backend, workspace, message, tag, false, by).await
    }
    async fn correct_sentiment(
        &self,
        workspace: WorkspaceId,
        id: MessageId,
        label: Option<SentimentLabel>,
        by: Option<UserId>,
    ) -> Result<Message, StoreError> {
        conversations::correct_sentiment(&self.pool, self.backend, workspace, id, label, by).await
    }
    async fn add_note(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
        author: UserId,
        text: &str,
        mentions: &[UserId],
    ) -> Result<Note, StoreError> {
        activity::add_note(
            &self.pool,
            self.backend,
            workspace,
            activity::NoteDraft {
                message,
                author,
                text,
                mentions,
                key: None,
            },
        )
        .await
    }
    async fn add_note_once(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
        author: UserId,
        text: &str,
        key: &str,
    ) -> Result<Note, StoreError> {
        activity::add_note(
            &self.pool,
            self.backend,
            workspace,
            activity::NoteDraft {
                message,
                author,
                text,
                mentions: &[],
                key: Some(key),
            },
        )
        .await
    }
    async fn notes(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
    ) -> Result<Vec<Note>, StoreError> {
        activity::notes(&self.pool, workspace, message).await
    }
    async fn message_events(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        activity::message_events(&self.pool, workspace, message).await
    }
    async fn enqueue_reply(
        &self,
        workspace: WorkspaceId,
        reply: &NewReply,
    ) -> Result<OutboxItem, StoreError> {
        outbox::enqueue_reply(&self.pool, self.backend, workspace, reply).await
    }
    async fn message_outbox(
        &self,
        workspace: WorkspaceId,
        message: MessageId,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        outbox::message_outbox(&self.pool, workspace, message).await
    }
    async fn move_outbox(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
        to: OutboxState,
        actor: Option<UserId>,
        detail: Option<&str>,
    ) -> Result<OutboxItem, StoreError> {
        outbox::move_item(&self.pool, workspace, id, to, actor, detail).await
    }
    async fn outbox_events(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
    ) -> Result<Vec<OutboxAudit>, StoreError> {
        outbox::events(&self.pool, workspace, id).await
    }
}
