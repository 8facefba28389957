//! The one implementation of [`Store`]: each operation delegates to the module of
//! its aggregate.

use super::*;
use crate::{Store, StoreError};
use async_trait::async_trait;

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    async fn create_workspace(
        &self,
        new: &tend_domain::NewWorkspace,
    ) -> Result<tend_domain::Workspace, StoreError> {
        workspaces::create(&self.pool, new).await
    }
    async fn workspace(
        &self,
        id: tend_domain::WorkspaceId,
    ) -> Result<tend_domain::Workspace, StoreError> {
        workspaces::by_id(&self.pool, id).await
    }
    async fn workspace_by_slug(&self, slug: &str) -> Result<tend_domain::Workspace, StoreError> {
        workspaces::by_slug(&self.pool, slug).await
    }
    async fn list_workspaces(&self) -> Result<Vec<tend_domain::Workspace>, StoreError> {
        workspaces::list(&self.pool).await
    }
    async fn update_workspace_hours(
        &self,
        id: tend_domain::WorkspaceId,
        time_zone: &str,
        hours: &tend_domain::BusinessHours,
        response_target_secs: i64,
    ) -> Result<tend_domain::Workspace, StoreError> {
        workspaces::update_hours(&self.pool, id, time_zone, hours, response_target_secs).await
    }

    async fn create_user(
        &self,
        new: &tend_domain::NewUser,
    ) -> Result<tend_domain::User, StoreError> {
        users::create(&self.pool, new).await
    }
    async fn user(&self, id: tend_domain::UserId) -> Result<tend_domain::User, StoreError> {
        users::by_id(&self.pool, id).await
    }
    async fn user_credentials(
        &self,
        email: &tend_domain::Email,
    ) -> Result<(tend_domain::User, String), StoreError> {
        users::credentials(&self.pool, email).await
    }
    async fn set_password_hash(
        &self,
        id: tend_domain::UserId,
        password_hash: &str,
    ) -> Result<(), StoreError> {
        users::set_password_hash(&self.pool, id, password_hash).await
    }
    async fn count_users(&self) -> Result<i64, StoreError> {
        users::count(&self.pool).await
    }
    async fn grant_role(
        &self,
        user: tend_domain::UserId,
        workspace: tend_domain::WorkspaceId,
        role: tend_domain::Role,
    ) -> Result<(), StoreError> {
        users::grant_role(&self.pool, user, workspace, role).await
    }
    async fn revoke_membership(
        &self,
        user: tend_domain::UserId,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<(), StoreError> {
        users::revoke(&self.pool, user, workspace).await
    }
    async fn role_in(
        &self,
        user: tend_domain::UserId,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<Option<tend_domain::Role>, StoreError> {
        users::role_in(&self.pool, user, workspace).await
    }
    async fn user_workspaces(
        &self,
        user: tend_domain::UserId,
    ) -> Result<Vec<(tend_domain::Workspace, tend_domain::Role)>, StoreError> {
        users::workspaces(&self.pool, user).await
    }

    async fn create_channel(
        &self,
        new: &tend_domain::NewChannel,
    ) -> Result<tend_domain::Channel, StoreError> {
        channels::create(&self.pool, new).await
    }
    async fn channel(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::ChannelId,
    ) -> Result<tend_domain::Channel, StoreError> {
        channels::by_id(&self.pool, workspace, id).await
    }
    async fn channels(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<Vec<tend_domain::Channel>, StoreError> {
        channels::list(&self.pool, workspace).await
    }

    async fn upsert_identity(
        &self,
        new: &tend_domain::NewIdentity,
    ) -> Result<tend_domain::Identity, StoreError> {
        identities::upsert(&self.pool, new).await
    }
    async fn identity(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::IdentityId,
    ) -> Result<tend_domain::Identity, StoreError> {
        identities::by_id(&self.pool, workspace, id).await
    }
    async fn member_profile(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::MemberId,
    ) -> Result<tend_domain::MemberProfile, StoreError> {
        identities::profile(&self.pool, workspace, id).await
    }
    async fn merge_members(
        &self,
        workspace: tend_domain::WorkspaceId,
        keep: tend_domain::MemberId,
        absorb: tend_domain::MemberId,
    ) -> Result<tend_domain::MemberProfile, StoreError> {
        identities::merge(&self.pool, workspace, keep, absorb).await
    }
    async fn split_identity(
        &self,
        workspace: tend_domain::WorkspaceId,
        identity: tend_domain::IdentityId,
    ) -> Result<tend_domain::MemberProfile, StoreError> {
        identities::split(&self.pool, workspace, identity).await
    }

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
    async fn upsert_identities(
        &self,
        batch: &[tend_domain::NewIdentity],
    ) -> Result<Vec<tend_domain::IdentityId>, StoreError> {
        identities::upsert_batch(&self.pool, batch).await
    }
    async fn message(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::MessageId,
    ) -> Result<tend_domain::Message, StoreError> {
        messages::by_id(&self.pool, self.backend, workspace, id).await
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

    async fn events_after(
        &self,
        workspace: Option<tend_domain::WorkspaceId>,
        cursor: i64,
        limit: u32,
    ) -> Result<Vec<tend_domain::LogEvent>, StoreError> {
        events::after(&self.pool, workspace, cursor, limit).await
    }

    async fn latest_event(&self) -> Result<i64, StoreError> {
        events::latest(&self.pool).await
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

    async fn create_session(&self, session: &tend_domain::Session) -> Result<(), StoreError> {
        access::create_session(&self.pool, session).await
    }
    async fn session(
        &self,
        id_hash: &str,
        now: Timestamp,
    ) -> Result<(tend_domain::Session, tend_domain::User), StoreError> {
        access::session(&self.pool, id_hash, now).await
    }
    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        access::delete_session(&self.pool, id_hash).await
    }
    async fn delete_user_sessions(&self, user: tend_domain::UserId) -> Result<u64, StoreError> {
        access::delete_user_sessions(&self.pool, user).await
    }
    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        access::delete_expired_sessions(&self.pool, now).await
    }
    async fn create_api_token(
        &self,
        user: tend_domain::UserId,
        name: &str,
        prefix: &str,
        token_hash: &str,
    ) -> Result<tend_domain::ApiToken, StoreError> {
        access::create_api_token(&self.pool, user, name, prefix, token_hash).await
    }
    async fn api_tokens(
        &self,
        user: tend_domain::UserId,
    ) -> Result<Vec<tend_domain::ApiToken>, StoreError> {
        access::api_tokens(&self.pool, user).await
    }
    async fn revoke_api_token(
        &self,
        user: tend_domain::UserId,
        id: tend_domain::ApiTokenId,
    ) -> Result<(), StoreError> {
        access::revoke_api_token(&self.pool, user, id).await
    }
    async fn api_token_user(
        &self,
        token_hash: &str,
    ) -> Result<(tend_domain::ApiToken, tend_domain::User), StoreError> {
        access::api_token_user(&self.pool, token_hash).await
    }
    async fn membership(
        &self,
        user: tend_domain::UserId,
        slug: &str,
    ) -> Result<(tend_domain::Workspace, tend_domain::Role), StoreError> {
        access::membership(&self.pool, user, slug).await
    }
    async fn workspace_users(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<Vec<(tend_domain::User, tend_domain::Role)>, StoreError> {
        access::workspace_users(&self.pool, workspace).await
    }
    async fn set_user_locale(
        &self,
        user: tend_domain::UserId,
        locale: &str,
    ) -> Result<(), StoreError> {
        access::set_user_locale(&self.pool, user, locale).await
    }

    async fn identities(
        &self,
        workspace: tend_domain::WorkspaceId,
        ids: &[tend_domain::IdentityId],
    ) -> Result<Vec<tend_domain::Identity>, StoreError> {
        conversations::identities_read(&self.pool, self.reader.as_ref(), workspace, ids).await
    }
    async fn community_members(
        &self,
        workspace: tend_domain::WorkspaceId,
        identities: &[tend_domain::IdentityId],
    ) -> Result<std::collections::HashSet<tend_domain::IdentityId>, StoreError> {
        identities::community_members(&self.pool, self.backend, workspace, identities).await
    }
    async fn member_messages(
        &self,
        workspace: tend_domain::WorkspaceId,
        member: tend_domain::MemberId,
        limit: u32,
    ) -> Result<Vec<tend_domain::Message>, StoreError> {
        conversations::member_messages(&self.pool, self.backend, workspace, member, limit).await
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
    async fn member_counts(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<crate::MemberCounts, StoreError> {
        identities::counts(&self.pool, workspace).await
    }
    async fn save_demo_manifest(
        &self,
        workspace: tend_domain::WorkspaceId,
        manifest: &str,
    ) -> Result<(), StoreError> {
        demo::save(&self.pool, workspace, manifest).await
    }
    async fn demo_manifest(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<Option<String>, StoreError> {
        demo::load(&self.pool, workspace).await
    }
    async fn messages(
        &self,
        workspace: tend_domain::WorkspaceId,
        ids: &[tend_domain::MessageId],
    ) -> Result<Vec<tend_domain::Message>, StoreError> {
        messages::by_ids(&self.pool, self.backend, workspace, ids).await
    }
    async fn create_rule_set(
        &self,
        workspace: tend_domain::WorkspaceId,
        source: &str,
        by: Option<tend_domain::UserId>,
    ) -> Result<tend_domain::RuleSetVersion, StoreError> {
        moderation::create_rule_set(&self.pool, workspace, source, by).await
    }
    async fn rule_sets(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<Vec<tend_domain::RuleSetVersion>, StoreError> {
        moderation::rule_sets(&self.pool, workspace).await
    }
    async fn rule_set(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::RuleSetId,
    ) -> Result<tend_domain::RuleSetVersion, StoreError> {
        moderation::rule_set(&self.pool, workspace, id).await
    }
    async fn live_rule_set(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<Option<tend_domain::RuleSetVersion>, StoreError> {
        moderation::live_rule_set(&self.pool, workspace).await
    }
    async fn make_live(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::RuleSetId,
        by: Option<tend_domain::UserId>,
    ) -> Result<tend_domain::RuleSetVersion, StoreError> {
        moderation::make_live(&self.pool, self.backend, workspace, id, by).await
    }
    async fn rule_hits(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::RuleSetId,
    ) -> Result<Vec<tend_domain::RuleHit>, StoreError> {
        moderation::rule_hits(&self.pool, workspace, id).await
    }
    async fn moderation_facts(
        &self,
        workspace: tend_domain::WorkspaceId,
        ids: &[tend_domain::MessageId],
    ) -> Result<std::collections::HashMap<tend_domain::MessageId, crate::ModerationFacts>, StoreError>
    {
        moderation::facts(&self.pool, workspace, ids).await
    }
    async fn record_verdicts(
        &self,
        workspace: tend_domain::WorkspaceId,
        verdicts: &[tend_domain::ModerationVerdict],
        cursor: Option<(&str, i64)>,
    ) -> Result<(), StoreError> {
        moderation::record_verdicts(&self.pool, self.backend, workspace, verdicts, &[], cursor)
            .await
    }
    async fn record_verdicts_with_jobs(
        &self,
        workspace: tend_domain::WorkspaceId,
        verdicts: &[tend_domain::ModerationVerdict],
        jobs: &[crate::jobs::NewJob],
        cursor: Option<(&str, i64)>,
    ) -> Result<(), StoreError> {
        moderation::record_verdicts(&self.pool, self.backend, workspace, verdicts, jobs, cursor)
            .await
    }
    async fn review_queue(
        &self,
        workspace: tend_domain::WorkspaceId,
        open: bool,
        before: Option<tend_domain::ReviewId>,
        limit: u32,
    ) -> Result<Vec<tend_domain::ReviewItem>, StoreError> {
        moderation::review_queue(&self.pool, workspace, open, before, limit).await
    }
    async fn open_reviews(
        &self,
        workspace: tend_domain::WorkspaceId,
        cap: u32,
    ) -> Result<i64, StoreError> {
        moderation::open_reviews(&self.pool, self.reader.as_ref(), workspace, cap).await
    }
    async fn review_item(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::ReviewId,
    ) -> Result<tend_domain::ReviewItem, StoreError> {
        moderation::review_item(&self.pool, workspace, id).await
    }
    async fn decide_reviews(
        &self,
        workspace: tend_domain::WorkspaceId,
        ids: &[tend_domain::ReviewId],
        decision: tend_domain::ReviewDecision,
        by: Option<tend_domain::UserId>,
    ) -> Result<u64, StoreError> {
        moderation::decide(&self.pool, self.backend, workspace, ids, decision, by).await
    }
    async fn moderation_log(
        &self,
        workspace: tend_domain::WorkspaceId,
        message: Option<tend_domain::MessageId>,
        limit: u32,
    ) -> Result<Vec<tend_domain::ModerationEntry>, StoreError> {
        moderation::log_entries(&self.pool, workspace, message, limit).await
    }
    async fn claim_webhooks(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<tend_domain::WebhookDelivery>, StoreError> {
        webhooks::claim(&self.pool, now, lease_until, limit).await
    }
    async fn webhook_attempted(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: i64,
        attempt: &tend_domain::WebhookAttempt,
    ) -> Result<(), StoreError> {
        webhooks::attempted(&self.pool, workspace, id, attempt).await
    }
    async fn webhook_deliveries(
        &self,
        workspace: tend_domain::WorkspaceId,
        message: Option<tend_domain::MessageId>,
        limit: u32,
    ) -> Result<Vec<tend_domain::WebhookDelivery>, StoreError> {
        webhooks::deliveries(&self.pool, workspace, message, limit).await
    }
    async fn guidelines(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<Option<String>, StoreError> {
        guidelines::get(&self.pool, workspace).await
    }
    async fn set_guidelines(
        &self,
        workspace: tend_domain::WorkspaceId,
        text: &str,
        by: Option<tend_domain::UserId>,
    ) -> Result<(), StoreError> {
        guidelines::set(&self.pool, workspace, text, by).await
    }
    async fn consumer_cursor(&self, name: &str) -> Result<i64, StoreError> {
        moderation::cursor(&self.pool, name).await
    }
    async fn set_consumer_cursor(&self, name: &str, cursor: i64) -> Result<(), StoreError> {
        moderation::set_cursor(&self.pool, name, cursor).await
    }
}
