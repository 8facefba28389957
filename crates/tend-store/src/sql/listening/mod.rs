//! Listening records: topics and their backfill progress, the messages each topic
//! matched, the rollups dashboards read (per topic and hour; per topic, day and
//! term or author), spike alerts and the alert webhook.
//!
//! **Rollups by deltas.** `topic_matches` keeps, per topic and message, every fact
//! a rollup is made of. Recording a verdict reads the message's stored matches of
//! the topics it is about, takes their contribution out and puts the new one in,
//! then adds the summed deltas to the rollups with one upsert per table, all in one
//! transaction with the consumer's cursor or the backfill's progress. So the
//! rollups equal a recount after any sequence of verdicts and crashes
//! (`listening_drift` checks that), and recording the same verdict twice changes
//! nothing.

mod alerts;
mod matches;
mod reads;
mod topics;

pub use matches::BackfillStep;
pub use reads::{AuthorCount, Periods, TermCount, ThreadCount, TopicHour};
pub use topics::BackfillCursor;

use crate::StoreError;
use tend_domain::{
    Alert, AlertId, IdentityId, MessageId, MessageMatches, NewAlert, NewTopic, Topic, TopicId,
    UserId, WorkspaceId,
};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

#[async_trait::async_trait]
impl crate::ListenStore for super::SqlStore {
    async fn create_topic(
        &self,
        workspace: WorkspaceId,
        new: &NewTopic,
        by: Option<UserId>,
    ) -> Result<Topic, StoreError> {
        topics::create_topic(&self.pool, self.backend, workspace, new, by).await
    }
    async fn topics(&self, workspace: WorkspaceId) -> Result<Vec<Topic>, StoreError> {
        topics::topics(&self.pool, workspace).await
    }
    async fn topic(&self, workspace: WorkspaceId, id: TopicId) -> Result<Topic, StoreError> {
        topics::topic(&self.pool, workspace, id).await
    }
    async fn update_topic(
        &self,
        workspace: WorkspaceId,
        id: TopicId,
        new: &NewTopic,
    ) -> Result<Topic, StoreError> {
        topics::update_topic(&self.pool, self.backend, workspace, id, new).await
    }
    async fn delete_topic(&self, workspace: WorkspaceId, id: TopicId) -> Result<(), StoreError> {
        topics::delete_topic(&self.pool, self.backend, workspace, id).await
    }
    async fn backfills(&self) -> Result<Vec<(WorkspaceId, BackfillCursor)>, StoreError> {
        topics::backfills(&self.pool).await
    }
    async fn backfill_messages(
        &self,
        workspace: WorkspaceId,
        after: MessageId,
        upto: MessageId,
        limit: u32,
    ) -> Result<Vec<tend_domain::Message>, StoreError> {
        crate::sql::inbox::messages::id_range(
            &self.pool,
            self.backend,
            workspace,
            after,
            upto,
            limit,
        )
        .await
    }
    async fn record_matches(
        &self,
        workspace: WorkspaceId,
        verdicts: &[MessageMatches],
        cursor: Option<(&str, i64)>,
        steps: &[BackfillStep],
    ) -> Result<(), StoreError> {
        matches::record_matches(&self.pool, self.backend, workspace, verdicts, cursor, steps).await
    }
    async fn topic_hours(
        &self,
        workspace: WorkspaceId,
        topics: &[TopicId],
        from_hour: i64,
        to_hour: i64,
    ) -> Result<Vec<TopicHour>, StoreError> {
        reads::topic_hours(
            &self.pool,
            self.backend,
            workspace,
            topics,
            from_hour,
            to_hour,
        )
        .await
    }
    async fn topic_buckets(
        &self,
        workspace: WorkspaceId,
        topics: &[TopicId],
        bounds: &[i64],
    ) -> Result<Vec<(TopicId, usize, TopicHour)>, StoreError> {
        reads::topic_buckets(&self.pool, self.backend, workspace, topics, bounds).await
    }
    async fn topic_terms(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        periods: Periods,
        min: i64,
        limit: i64,
    ) -> Result<Vec<TermCount>, StoreError> {
        reads::topic_terms(
            &self.pool,
            self.backend,
            workspace,
            topic,
            periods,
            min,
            limit,
        )
        .await
    }
    async fn topic_term_counts(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        reads::topic_term_counts(&self.pool, workspace, topic, from_day, to_day).await
    }
    async fn topic_author_counts(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<(IdentityId, i64, i64)>, StoreError> {
        reads::topic_author_counts(&self.pool, workspace, topic, from_day, to_day).await
    }
    async fn topic_authors(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        from_day: i64,
        to_day: i64,
        limit: i64,
    ) -> Result<Vec<AuthorCount>, StoreError> {
        reads::topic_authors(&self.pool, workspace, topic, from_day, to_day, limit).await
    }
    async fn to_answer(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        period: (jiff::Timestamp, jiff::Timestamp),
        limit: i64,
    ) -> Result<Vec<MessageId>, StoreError> {
        reads::to_answer(&self.pool, workspace, topic, period, limit).await
    }
    async fn topic_threads(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        period: (jiff::Timestamp, jiff::Timestamp),
        negative_only: bool,
        limit: i64,
    ) -> Result<(i64, Vec<ThreadCount>), StoreError> {
        reads::topic_threads(&self.pool, workspace, topic, period, negative_only, limit).await
    }
    async fn listening_drift(&self, workspace: WorkspaceId) -> Result<Vec<String>, StoreError> {
        matches::listening_drift(&self.pool, workspace).await
    }
    async fn record_alerts(
        &self,
        workspace: WorkspaceId,
        alerts: &[NewAlert],
    ) -> Result<Vec<Alert>, StoreError> {
        alerts::record_alerts(&self.pool, self.backend, workspace, alerts).await
    }
    async fn alerts(
        &self,
        workspace: WorkspaceId,
        since: jiff::Timestamp,
        limit: i64,
    ) -> Result<Vec<Alert>, StoreError> {
        alerts::alerts(&self.pool, workspace, since, limit).await
    }
    async fn mark_notified(
        &self,
        workspace: WorkspaceId,
        ids: &[AlertId],
    ) -> Result<(), StoreError> {
        alerts::mark_notified(&self.pool, workspace, ids).await
    }
    async fn alert_webhook(&self, workspace: WorkspaceId) -> Result<Option<String>, StoreError> {
        alerts::webhook(&self.pool, workspace).await
    }
    async fn set_alert_webhook(
        &self,
        workspace: WorkspaceId,
        url: Option<&str>,
    ) -> Result<(), StoreError> {
        alerts::set_webhook(&self.pool, workspace, url).await
    }
}
