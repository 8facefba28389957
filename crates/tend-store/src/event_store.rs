//! The event log and its consumers. Every change to a conversation or to
//! moderation appends one event in the same transaction as the change; live
//! updates and background consumers read the log after a cursor. A supertrait of
//! [`Store`](crate::Store); implemented in `sql/events.rs`.

use crate::StoreError;
use async_trait::async_trait;
use tend_domain::{LogEvent, WorkspaceId};

/// Event-log storage. Event ids grow in commit order; a consumer's cursor is the
/// last event id it has handled, stored under its name (0 when it never ran).
#[async_trait]
pub trait EventStore: Send + Sync {
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
    /// Where a background consumer of the event log is (0 when it never ran).
    async fn consumer_cursor(&self, name: &str) -> Result<i64, StoreError>;
    /// Moves a consumer's cursor.
    async fn set_consumer_cursor(&self, name: &str, cursor: i64) -> Result<(), StoreError>;
}
