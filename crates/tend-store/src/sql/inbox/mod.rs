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
pub(crate) mod tags;
pub(crate) mod upsert;

use crate::StoreError;
use crate::sql::SqlStore;
use crate::sql::ms;
use jiff::Timestamp;

#[async_trait::async_trait]
impl crate::InboxStore for SqlStore {
    async fn upsert_messages(
        &self,
        workspace: tend_domain::WorkspaceId,
        batch: &[tend_domain::NewMessage],
    ) -> Result<Vec<crate::Upserted>, StoreError> {
        upsert::upsert_batch(&self.pool, self.backend, workspace, batch).await
    }
    async fn rollups(
        &self,
        workspace: tend_domain::WorkspaceId,
        channel: tend_domain::ChannelId,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<crate::Rollup>, StoreError> {
        rollups::list(&self.pool, workspace, channel, ms(from), ms(to)).await
    }
    async fn rollup_drift(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<Vec<(tend_domain::ChannelId, i64)>, StoreError> {
        rollups::drift(&self.pool, workspace).await
    }
    async fn save_missing(
        &self,
        workspace: tend_domain::WorkspaceId,
        channel: tend_domain::ChannelId,
        items: &[tend_domain::MissingItem],
    ) -> Result<u64, StoreError> {
        upsert::save_missing(&self.pool, workspace, channel, items).await
    }
    async fn message(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::MessageId,
    ) -> Result<tend_domain::Message, StoreError> {
        messages::by_id(&self.pool, self.backend, workspace, id).await
    }
    async fn messages(
        &self,
        workspace: tend_domain::WorkspaceId,
        ids: &[tend_domain::MessageId],
    ) -> Result<Vec<tend_domain::Message>, StoreError> {
        messages::by_ids(&self.pool, self.backend, workspace, ids).await
    }
    async fn message_revisions(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::MessageId,
    ) -> Result<Vec<tend_domain::MessageRevision>, StoreError> {
        messages::revisions(&self.pool, workspace, id).await
    }
    async fn thread(
        &self,
        workspace: tend_domain::WorkspaceId,
        root: tend_domain::MessageId,
    ) -> Result<Vec<tend_domain::Message>, StoreError> {
        messages::thread(&self.pool, self.backend, workspace, root).await
    }
    async fn inbox(
        &self,
        workspace: tend_domain::WorkspaceId,
        query: &crate::InboxQuery,
    ) -> Result<Vec<tend_domain::Message>, StoreError> {
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
        workspace: tend_domain::WorkspaceId,
    ) -> Result<crate::StateCounts, StoreError> {
        messages::count_by_state(&self.pool, self.reader.as_ref(), workspace).await
    }
    async fn set_state(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::MessageId,
        state: tend_domain::InboxState,
        snoozed_until: Option<Timestamp>,
        by: Option<tend_domain::UserId>,
    ) -> Result<tend_domain::Message, StoreError> {
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
        workspace: tend_domain::WorkspaceId,
        ids: &[tend_domain::MessageId],
        state: tend_domain::InboxState,
        snoozed_until: Option<Timestamp>,
        by: Option<tend_domain::UserId>,
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
        workspace: tend_domain::WorkspaceId,
        roots: &[tend_domain::MessageId],
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
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::MessageId,
        assignee: Option<tend_domain::UserId>,
        by: Option<tend_domain::UserId>,
    ) -> Result<tend_domain::Message, StoreError> {
        messages::assign(&self.pool, self.backend, workspace, id, assignee, by).await
    }
    async fn ensure_tag(
        &self,
        workspace: tend_domain::WorkspaceId,
        name: &tend_domain::TagName,
    ) -> Result<tend_domain::Tag, StoreError> {
        tags::ensure(&self.pool, workspace, name).await
    }
    async fn tags(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<Vec<tend_domain::Tag>, StoreError> {
        tags::list(&self.pool, workspace).await
    }
    async fn tag_message(
        &self,
        workspace: tend_domain::WorkspaceId,
        message: tend_domain::MessageId,
        tag: tend_domain::TagId,
        by: Option<tend_domain::UserId>,
    ) -> Result<(), StoreError> {
        tags::set_tag(&self.pool, self.backend, workspace, message, tag, true, by).await
    }
    async fn untag_message(
        &self,
        workspace: tend_domain::WorkspaceId,
        message: tend_domain::MessageId,
        tag: tend_domain::TagId,
        by: Option<tend_domain::UserId>,
    ) -> Result<(), StoreError> {
        tags::set_tag(&self.pool, self.backend, workspace, message, tag, false, by).await
    }
    async fn correct_sentiment(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::MessageId,
        label: Option<tend_domain::SentimentLabel>,
        by: Option<tend_domain::UserId>,
    ) -> Result<tend_domain::Message, StoreError> {
        conversations::correct_sentiment(&self.pool, self.backend, workspace, id, label, by).await
    }
    async fn add_note(
        &self,
        workspace: tend_domain::WorkspaceId,
        message: tend_domain::MessageId,
        author: tend_domain::UserId,
        text: &str,
        mentions: &[tend_domain::UserId],
    ) -> Result<tend_domain::Note, StoreError> {
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
        workspace: tend_domain::WorkspaceId,
        message: tend_domain::MessageId,
        author: tend_domain::UserId,
        text: &str,
        key: &str,
    ) -> Result<tend_domain::Note, StoreError> {
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
        workspace: tend_domain::WorkspaceId,
        message: tend_domain::MessageId,
    ) -> Result<Vec<tend_domain::Note>, StoreError> {
        activity::notes(&self.pool, workspace, message).await
    }
    async fn message_events(
        &self,
        workspace: tend_domain::WorkspaceId,
        message: tend_domain::MessageId,
    ) -> Result<Vec<tend_domain::MessageEvent>, StoreError> {
        activity::message_events(&self.pool, workspace, message).await
    }
    async fn enqueue_reply(
        &self,
        workspace: tend_domain::WorkspaceId,
        reply: &tend_domain::NewReply,
    ) -> Result<tend_domain::OutboxItem, StoreError> {
        outbox::enqueue_reply(&self.pool, self.backend, workspace, reply).await
    }
    async fn message_outbox(
        &self,
        workspace: tend_domain::WorkspaceId,
        message: tend_domain::MessageId,
    ) -> Result<Vec<tend_domain::OutboxItem>, StoreError> {
        outbox::message_outbox(&self.pool, workspace, message).await
    }
    async fn move_outbox(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::OutboxId,
        to: tend_domain::OutboxState,
        actor: Option<tend_domain::UserId>,
        detail: Option<&str>,
    ) -> Result<tend_domain::OutboxItem, StoreError> {
        outbox::move_item(&self.pool, workspace, id, to, actor, detail).await
    }
    async fn outbox_events(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::OutboxId,
    ) -> Result<Vec<tend_domain::OutboxEvent>, StoreError> {
        outbox::events(&self.pool, workspace, id).await
    }
}
