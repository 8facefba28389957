//! The event log: what happened, in commit order, for consumers that follow it by
//! cursor (moderation, listening, the live inbox). Events are written inside the
//! transaction of the change they describe, so the log and the data never disagree.
//! The entries are typed ([`tend_domain::EventPayload`]); the `kind` and `payload`
//! columns keep the JSON shape they had before the types existed. Consumers keep
//! their cursors here too (`consumer_cursors`), advanced in the transaction that
//! records what they did.

use super::{get, now_ms, ts};
use crate::sql::SqlStore;
use crate::{Backend, StoreError};
use sqlx::{Any, Transaction};
use tend_domain::{EventPayload, LogEvent, WorkspaceId};

/// Key of the PostgreSQL advisory lock that orders event commits.
const EVENT_LOCK: i64 = 0x7465_6e64_6576; // "tendev"

/// Appends an event in `tx`. On PostgreSQL the transaction first takes the event
/// lock (held until commit), so ids become visible in order.
pub(crate) async fn append(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    workspace: WorkspaceId,
    payload: &EventPayload,
) -> Result<(), StoreError> {
    if backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(EVENT_LOCK)
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(
        "INSERT INTO events (workspace_id, kind, payload, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(workspace.get())
    .bind(payload.kind())
    .bind(payload.to_json().to_string())
    .bind(now_ms())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Moves a consumer's cursor in `tx`, never backwards.
pub(crate) async fn set_cursor_in(
    tx: &mut Transaction<'_, Any>,
    name: &str,
    cursor: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO consumer_cursors (name, cursor) VALUES ($1, $2) \
         ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor \
         WHERE consumer_cursors.cursor < excluded.cursor",
    )
    .bind(name)
    .bind(cursor)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl crate::EventStore for SqlStore {
    async fn events_after(
        &self,
        workspace: Option<WorkspaceId>,
        cursor: i64,
        limit: u32,
    ) -> Result<Vec<LogEvent>, StoreError> {
        let limit = i64::from(limit.clamp(1, 1000));
        let rows = match workspace {
            Some(w) => {
                sqlx::query(
                    "SELECT id, workspace_id, kind, payload, created_at FROM events \
                     WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3",
                )
                .bind(w.get())
                .bind(cursor)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(
                    "SELECT id, workspace_id, kind, payload, created_at FROM events \
                     WHERE id > $1 ORDER BY id LIMIT $2",
                )
                .bind(cursor)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter()
            .map(|r| {
                let kind: String = get(r, "kind")?;
                let payload: String = get(r, "payload")?;
                let payload = serde_json::from_str(&payload)
                    .and_then(|json| EventPayload::from_stored(&kind, json))
                    .map_err(|e| super::corrupt("events", e))?;
                Ok(LogEvent {
                    id: get(r, "id")?,
                    workspace_id: WorkspaceId(get(r, "workspace_id")?),
                    payload,
                    created_at: ts(get(r, "created_at")?)?,
                })
            })
            .collect()
    }

    /// The newest event id (0 when there is none): where a consumer that only wants
    /// what happens from now on starts.
    async fn latest_event(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM events")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn consumer_cursor(&self, name: &str) -> Result<i64, StoreError> {
        let cursor: Option<i64> =
            sqlx::query_scalar("SELECT cursor FROM consumer_cursors WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?;
        Ok(cursor.unwrap_or(0))
    }

    async fn set_consumer_cursor(&self, name: &str, cursor: i64) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        set_cursor_in(&mut tx, name, cursor).await?;
        tx.commit().await?;
        Ok(())
    }
}
