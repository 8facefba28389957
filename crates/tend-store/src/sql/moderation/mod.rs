//! [`ModerationStore`](crate::ModerationStore) on the SQL store: rule sets,
//! verdicts, the review queue and the audit log (`rules`), outgoing moderation
//! webhooks (`webhooks`) and the community guidelines (`guidelines`).

pub(crate) mod guidelines;
pub(crate) mod rules;
pub(crate) mod webhooks;

use crate::StoreError;
use crate::sql::SqlStore;
use jiff::Timestamp;
use std::collections::HashMap;
use tend_domain::{
    MessageId, ModerationEntry, ModerationVerdict, ReviewDecision, ReviewId, ReviewItem, RuleHit,
    RuleSetId, RuleSetVersion, UserId, WebhookAttempt, WebhookDelivery, WorkspaceId,
};

#[async_trait::async_trait]
impl crate::ModerationStore for SqlStore {
    async fn create_rule_set(
        &self,
        workspace: WorkspaceId,
        source: &str,
        by: Option<UserId>,
    ) -> Result<RuleSetVersion, StoreError> {
        rules::create_rule_set(&self.pool, workspace, source, by).await
    }
    async fn rule_sets(&self, workspace: WorkspaceId) -> Result<Vec<RuleSetVersion>, StoreError> {
        rules::rule_sets(&self.pool, workspace).await
    }
    async fn rule_set(
        &self,
        workspace: WorkspaceId,
        id: RuleSetId,
    ) -> Result<RuleSetVersion, StoreError> {
        rules::rule_set(&self.pool, workspace, id).await
    }
    async fn live_rule_set(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Option<RuleSetVersion>, StoreError> {
        rules::live_rule_set(&self.pool, workspace).await
    }
    async fn make_live(
        &self,
        workspace: WorkspaceId,
        id: RuleSetId,
        by: Option<UserId>,
    ) -> Result<RuleSetVersion, StoreError> {
        rules::make_live(&self.pool, self.backend, workspace, id, by).await
    }
    async fn rule_hits(
        &self,
        workspace: WorkspaceId,
        id: RuleSetId,
    ) -> Result<Vec<RuleHit>, StoreError> {
        rules::rule_hits(&self.pool, workspace, id).await
    }
    async fn moderation_facts(
        &self,
        workspace: WorkspaceId,
        ids: &[MessageId],
    ) -> Result<HashMap<MessageId, crate::ModerationFacts>, StoreError> {
        rules::facts(&self.pool, workspace, ids).await
    }
    async fn record_verdicts(
        &self,
        workspace: WorkspaceId,
        verdicts: &[ModerationVerdict],
        jobs: &[crate::jobs::NewJob],
        cursor: Option<(&str, i64)>,
    ) -> Result<(), StoreError> {
        rules::record_verdicts(&self.pool, self.backend, workspace, verdicts, jobs, cursor).await
    }
    async fn review_queue(
        &self,
        workspace: WorkspaceId,
        open: bool,
        before: Option<ReviewId>,
        limit: u32,
    ) -> Result<Vec<ReviewItem>, StoreError> {
        rules::review_queue(&self.pool, workspace, open, before, limit).await
    }
    async fn open_reviews(&self, workspace: WorkspaceId, cap: u32) -> Result<i64, StoreError> {
        rules::open_reviews(&self.pool, self.reader.as_ref(), workspace, cap).await
    }
    async fn review_item(
        &self,
        workspace: WorkspaceId,
        id: ReviewId,
    ) -> Result<ReviewItem, StoreError> {
        rules::review_item(&self.pool, workspace, id).await
    }
    async fn decide_reviews(
        &self,
        workspace: WorkspaceId,
        ids: &[ReviewId],
        decision: ReviewDecision,
        by: Option<UserId>,
    ) -> Result<u64, StoreError> {
        rules::decide(&self.pool, self.backend, workspace, ids, decision, by).await
    }
    async fn claim_webhooks(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        webhooks::claim(&self.pool, now, lease_until, limit).await
    }
    async fn webhook_attempted(
        &self,
        workspace: WorkspaceId,
        id: i64,
        attempt: &WebhookAttempt,
    ) -> Result<(), StoreError> {
        webhooks::attempted(&self.pool, workspace, id, attempt).await
    }
    async fn webhook_deliveries(
        &self,
        workspace: WorkspaceId,
        message: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>, StoreError> {
        webhooks::deliveries(&self.pool, workspace, message, limit).await
    }
    async fn moderation_log(
        &self,
        workspace: WorkspaceId,
        message: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<ModerationEntry>, StoreError> {
        rules::log_entries(&self.pool, workspace, message, limit).await
    }
    async fn guidelines(&self, workspace: WorkspaceId) -> Result<Option<String>, StoreError> {
        guidelines::get(&self.pool, workspace).await
    }
    async fn set_guidelines(
        &self,
        workspace: WorkspaceId,
        text: &str,
        by: Option<UserId>,
    ) -> Result<(), StoreError> {
        guidelines::set(&self.pool, workspace, text, by).await
    }
}
