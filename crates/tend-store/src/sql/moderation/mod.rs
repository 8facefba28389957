//! [`ModerationStore`](crate::ModerationStore) on the SQL store: rule sets,
//! verdicts, the review queue and the audit log (`rules`), outgoing moderation
//! webhooks (`webhooks`) and the community guidelines (`guidelines`).

pub(crate) mod guidelines;
pub(crate) mod rules;
pub(crate) mod webhooks;

use crate::StoreError;
use crate::sql::SqlStore;
use jiff::Timestamp;

#[async_trait::async_trait]
impl crate::ModerationStore for SqlStore {
    async fn create_rule_set(
        &self,
        workspace: tend_domain::WorkspaceId,
        source: &str,
        by: Option<tend_domain::UserId>,
    ) -> Result<tend_domain::RuleSetVersion, StoreError> {
        rules::create_rule_set(&self.pool, workspace, source, by).await
    }
    async fn rule_sets(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<Vec<tend_domain::RuleSetVersion>, StoreError> {
        rules::rule_sets(&self.pool, workspace).await
    }
    async fn rule_set(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::RuleSetId,
    ) -> Result<tend_domain::RuleSetVersion, StoreError> {
        rules::rule_set(&self.pool, workspace, id).await
    }
    async fn live_rule_set(
        &self,
        workspace: tend_domain::WorkspaceId,
    ) -> Result<Option<tend_domain::RuleSetVersion>, StoreError> {
        rules::live_rule_set(&self.pool, workspace).await
    }
    async fn make_live(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::RuleSetId,
        by: Option<tend_domain::UserId>,
    ) -> Result<tend_domain::RuleSetVersion, StoreError> {
        rules::make_live(&self.pool, self.backend, workspace, id, by).await
    }
    async fn rule_hits(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::RuleSetId,
    ) -> Result<Vec<tend_domain::RuleHit>, StoreError> {
        rules::rule_hits(&self.pool, workspace, id).await
    }
    async fn moderation_facts(
        &self,
        workspace: tend_domain::WorkspaceId,
        ids: &[tend_domain::MessageId],
    ) -> Result<std::collections::HashMap<tend_domain::MessageId, crate::ModerationFacts>, StoreError>
    {
        rules::facts(&self.pool, workspace, ids).await
    }
    async fn record_verdicts(
        &self,
        workspace: tend_domain::WorkspaceId,
        verdicts: &[tend_domain::ModerationVerdict],
        cursor: Option<(&str, i64)>,
    ) -> Result<(), StoreError> {
        rules::record_verdicts(&self.pool, self.backend, workspace, verdicts, &[], cursor).await
    }
    async fn record_verdicts_with_jobs(
        &self,
        workspace: tend_domain::WorkspaceId,
        verdicts: &[tend_domain::ModerationVerdict],
        jobs: &[crate::jobs::NewJob],
        cursor: Option<(&str, i64)>,
    ) -> Result<(), StoreError> {
        rules::record_verdicts(&self.pool, self.backend, workspace, verdicts, jobs, cursor).await
    }
    async fn review_queue(
        &self,
        workspace: tend_domain::WorkspaceId,
        open: bool,
        before: Option<tend_domain::ReviewId>,
        limit: u32,
    ) -> Result<Vec<tend_domain::ReviewItem>, StoreError> {
        rules::review_queue(&self.pool, workspace, open, before, limit).await
    }
    async fn open_reviews(
        &self,
        workspace: tend_domain::WorkspaceId,
        cap: u32,
    ) -> Result<i64, StoreError> {
        rules::open_reviews(&self.pool, self.reader.as_ref(), workspace, cap).await
    }
    async fn review_item(
        &self,
        workspace: tend_domain::WorkspaceId,
        id: tend_domain::ReviewId,
    ) -> Result<tend_domain::ReviewItem, StoreError> {
        rules::review_item(&self.pool, workspace, id).await
    }
    async fn decide_reviews(
        &self,
        workspace: tend_domain::WorkspaceId,
        ids: &[tend_domain::ReviewId],
        decision: tend_domain::ReviewDecision,
        by: Option<tend_domain::UserId>,
    ) -> Result<u64, StoreError> {
        rules::decide(&self.pool, self.backend, workspace, ids, decision, by).await
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
    async fn moderation_log(
        &self,
        workspace: tend_domain::WorkspaceId,
        message: Option<tend_domain::MessageId>,
        limit: u32,
    ) -> Result<Vec<tend_domain::ModerationEntry>, StoreError> {
        rules::log_entries(&self.pool, workspace, message, limit).await
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
}
