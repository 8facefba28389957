//! Moderation: versions of a workspace's rules and the live one, the verdicts the
//! rules reach with their follow-up jobs, the review queue, outgoing moderation
//! webhooks, the audit log and the community guidelines. A supertrait of
//! [`Store`](crate::Store); implemented in `sql/moderation/`.

use crate::StoreError;
use async_trait::async_trait;
use jiff::Timestamp;
use std::collections::HashMap;
use tend_domain::{
    MessageId, Moderation, ModerationEntry, ModerationVerdict, ReviewDecision, ReviewId,
    ReviewItem, RuleHit, RuleSetId, RuleSetVersion, UserId, WebhookAttempt, WebhookDelivery,
    WorkspaceId,
};

/// What moderation needs to know about a message besides its text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ModerationFacts {
    pub state: Moderation,
    /// Hashes of the unrepeatable rules already performed on it.
    pub performed: Vec<String>,
    /// Its author is banned from the community.
    pub author_banned: bool,
}

/// Moderation storage. Every operation takes the workspace (except webhook
/// claiming, which serves every workspace's sender); another workspace's rule set
/// or review item answers `NotFound`. Verdicts, their audit entries, their jobs
/// and a consumer's cursor commit together or not at all.
#[async_trait]
pub trait ModerationStore: Send + Sync {
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
    /// Records the rules' verdicts in one transaction (see `sql/moderation/rules.rs`),
    /// advancing a consumer's cursor in the same transaction when given.
    /// It also enqueues `jobs` (the rules' follow-up work) in the same
    /// transaction, so a verdict never loses its follow-ups and a job key already
    /// queued is not queued again.
    async fn record_verdicts(
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
    /// The community's guidelines text (`None` until written).
    async fn guidelines(&self, workspace: WorkspaceId) -> Result<Option<String>, StoreError>;
    /// Replaces the guidelines text (at most 100,000 bytes; `Invalid` names `text`).
    async fn set_guidelines(
        &self,
        workspace: WorkspaceId,
        text: &str,
        by: Option<UserId>,
    ) -> Result<(), StoreError>;
}
