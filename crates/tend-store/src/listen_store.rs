//! The listening part of the store: topics, matches, rollups, alerts. A supertrait
//! of [`Store`](crate::Store), so every store has it; kept apart because it is a
//! concern of its own (see `sql/listening/` for how the rollups stay exact).

use crate::StoreError;
use crate::sql::listening::{
    AuthorCount, BackfillCursor, BackfillStep, Periods, TermCount, ThreadCount, TopicHour,
};
use async_trait::async_trait;
use jiff::Timestamp;
use tend_domain::{
    Alert, AlertId, IdentityId, Message, MessageId, MessageMatches, NewAlert, NewTopic, Topic,
    TopicId, UserId, WorkspaceId,
};

/// Listening storage. Every operation takes the workspace; another workspace's
/// topic answers `NotFound` (reads) or is ignored (batch writes).
#[async_trait]
pub trait ListenStore: Send + Sync {
    /// Creates a topic; its backfill covers every message stored so far.
    /// `Conflict` if the name is taken, `Invalid` names `name` or `query`.
    async fn create_topic(
        &self,
        workspace: WorkspaceId,
        new: &NewTopic,
        by: Option<UserId>,
    ) -> Result<Topic, StoreError>;
    /// The workspace's topics by name.
    async fn topics(&self, workspace: WorkspaceId) -> Result<Vec<Topic>, StoreError>;
    /// One topic.
    async fn topic(&self, workspace: WorkspaceId, id: TopicId) -> Result<Topic, StoreError>;
    /// Renames a topic or changes its role; a changed query drops its matches,
    /// raises its revision and restarts its backfill.
    async fn update_topic(
        &self,
        workspace: WorkspaceId,
        id: TopicId,
        new: &NewTopic,
    ) -> Result<Topic, StoreError>;
    /// Deletes a topic with its matches, rollups and alerts.
    async fn delete_topic(&self, workspace: WorkspaceId, id: TopicId) -> Result<(), StoreError>;
    /// Every unfinished backfill, oldest topic first.
    async fn backfills(&self) -> Result<Vec<(WorkspaceId, BackfillCursor)>, StoreError>;
    /// A backfill's next messages: ids in `(after, upto]`, in id order.
    async fn backfill_messages(
        &self,
        workspace: WorkspaceId,
        after: MessageId,
        upto: MessageId,
        limit: u32,
    ) -> Result<Vec<Message>, StoreError>;
    /// Stores the listener's verdicts with the consumer cursor or backfill steps,
    /// in one transaction; idempotent.
    async fn record_matches(
        &self,
        workspace: WorkspaceId,
        verdicts: &[MessageMatches],
        cursor: Option<(&str, i64)>,
        steps: &[BackfillStep],
    ) -> Result<(), StoreError>;
    /// The topics' hourly figures in `[from_hour, to_hour)` (hours since the epoch).
    async fn topic_hours(
        &self,
        workspace: WorkspaceId,
        topics: &[TopicId],
        from_hour: i64,
        to_hour: i64,
    ) -> Result<Vec<TopicHour>, StoreError>;
    /// The topics' figures summed per bucket of UTC hours `[bounds[i], bounds[i + 1])`:
    /// `(topic, bucket index, sums)` for every non-empty bucket (sums in a `TopicHour`
    /// whose `hour` is the bucket's first hour).
    async fn topic_buckets(
        &self,
        workspace: WorkspaceId,
        topics: &[TopicId],
        bounds: &[i64],
    ) -> Result<Vec<(TopicId, usize, TopicHour)>, StoreError>;
    /// Terms of a topic with their counts in the current and previous period (the
    /// `limit` most frequent now, at most 400).
    async fn topic_terms(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        periods: Periods,
        min: i64,
        limit: i64,
    ) -> Result<Vec<TermCount>, StoreError>;
    /// Every term of a topic with its messages in the UTC days `[from_day, to_day)`.
    async fn topic_term_counts(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<(String, i64)>, StoreError>;
    /// Every author of a topic with messages and engagement in `[from_day, to_day)`.
    async fn topic_author_counts(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<(IdentityId, i64, i64)>, StoreError>;
    /// A topic's most active authors in `[from_day, to_day)` (UTC days).
    async fn topic_authors(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        from_day: i64,
        to_day: i64,
        limit: i64,
    ) -> Result<Vec<AuthorCount>, StoreError>;
    /// Open questions matched by the topic from people who are not members yet,
    /// written in `[since, until)`, newest first.
    async fn to_answer(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        period: (Timestamp, Timestamp),
        limit: i64,
    ) -> Result<Vec<MessageId>, StoreError>;
    /// The conversations of the topic's matches written in `[since, until)` (only
    /// the negative ones with `negative_only`): how many matches in all, and the
    /// `limit` conversations with the most, most first. What drives a spike.
    async fn topic_threads(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        period: (Timestamp, Timestamp),
        negative_only: bool,
        limit: i64,
    ) -> Result<(i64, Vec<ThreadCount>), StoreError>;
    /// Rollup rows that differ from a recount of the stored matches (empty = none).
    async fn listening_drift(&self, workspace: WorkspaceId) -> Result<Vec<String>, StoreError>;
    /// Records spikes; returns those new or grown and not yet notified.
    async fn record_alerts(
        &self,
        workspace: WorkspaceId,
        alerts: &[NewAlert],
    ) -> Result<Vec<Alert>, StoreError>;
    /// Alerts that started at or after `since`, newest first.
    async fn alerts(
        &self,
        workspace: WorkspaceId,
        since: Timestamp,
        limit: i64,
    ) -> Result<Vec<Alert>, StoreError>;
    /// Marks alerts as delivered to the webhook.
    async fn mark_notified(
        &self,
        workspace: WorkspaceId,
        ids: &[AlertId],
    ) -> Result<(), StoreError>;
    /// The URL alerts are posted to, if set.
    async fn alert_webhook(&self, workspace: WorkspaceId) -> Result<Option<String>, StoreError>;
    /// Sets or clears the alert webhook (`Invalid` names `webhook_url`).
    async fn set_alert_webhook(
        &self,
        workspace: WorkspaceId,
        url: Option<&str>,
    ) -> Result<(), StoreError>;
}
