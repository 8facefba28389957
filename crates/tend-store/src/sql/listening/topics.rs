//! Topics: create, rename, change (a new revision that restarts the backfill),
//! delete, and the backfills' cut-offs and progress.

use super::super::{Backend, begin_write, corrupt, get, now_ms, ts};
use crate::StoreError;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use tend_domain::{
    Backfill, MessageId, NewTopic, Topic, TopicId, TopicRole, UserId, ValidationError, WorkspaceId,
};

/// Longest topic name and query accepted.
const MAX_NAME: usize = 100;
const MAX_QUERY: usize = 4_000;

const TOPIC_COLUMNS: &str = "id, workspace_id, name, query, role, revision, created_by, created_at, \
     updated_at, backfill_upto, backfill_after, backfill_done, backfill_total, history_version";

fn topic_from_row(row: &AnyRow) -> Result<Topic, StoreError> {
    let role: String = get(row, "role")?;
    let upto: i64 = get(row, "backfill_upto")?;
    let after: i64 = get(row, "backfill_after")?;
    Ok(Topic {
        id: TopicId(get(row, "id")?),
        workspace_id: WorkspaceId(get(row, "workspace_id")?),
        name: get(row, "name")?,
        query: get(row, "query")?,
        role: TopicRole::parse(&role).map_err(|_| corrupt("topics", "unknown role"))?,
        revision: get(row, "revision")?,
        created_by: get::<Option<i64>>(row, "created_by")?.map(UserId),
        created_at: ts(get(row, "created_at")?)?,
        updated_at: ts(get(row, "updated_at")?)?,
        backfill: Backfill {
            done: get(row, "backfill_done")?,
            total: get(row, "backfill_total")?,
            finished: after >= upto,
        },
        history_version: get(row, "history_version")?,
    })
}

fn validate(new: &NewTopic) -> Result<(), StoreError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(StoreError::Invalid(ValidationError::new(
            "name",
            format!("between 1 and {MAX_NAME} characters"),
        )));
    }
    if new.query.trim().is_empty() || new.query.len() > MAX_QUERY {
        return Err(StoreError::Invalid(ValidationError::new(
            "query",
            format!("between 1 and {MAX_QUERY} bytes"),
        )));
    }
    Ok(())
}

/// The newest message id and how many messages of the workspace are at or below it:
/// a new backfill's cut-off and size.
async fn cut_off(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
) -> Result<(i64, i64), StoreError> {
    let upto: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM messages")
        .fetch_one(&mut **tx)
        .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE workspace_id = $1 AND id <= $2")
            .bind(workspace.get())
            .bind(upto)
            .fetch_one(&mut **tx)
            .await?;
    Ok((upto, total))
}

/// A taken name says so whatever the database calls the rule; the database's words
/// stay in the error's source.
fn conflict(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StoreError::Conflict(crate::Conflict::unique(Some("topics"), e));
    }
    e.into()
}

pub(crate) async fn create_topic(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    new: &NewTopic,
    by: Option<UserId>,
) -> Result<Topic, StoreError> {
    validate(new)?;
    super::super::team::workspaces::by_id(pool, workspace).await?;
    let mut tx = begin_write(pool, backend).await?;
    let (upto, total) = cut_off(&mut tx, workspace).await?;
    let now = now_ms();
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO topics (workspace_id, name, query, role, revision, created_by, created_at, \
         updated_at, backfill_upto, backfill_after, backfill_done, backfill_total) \
         VALUES ($1, $2, $3, $4, 1, $5, $6, $6, $7, 0, 0, $8) RETURNING {TOPIC_COLUMNS}"
    )))
    .bind(workspace.get())
    .bind(new.name.trim())
    .bind(new.query.trim())
    .bind(new.role.as_str())
    .bind(by.map(UserId::get))
    .bind(now)
    .bind(upto)
    .bind(total)
    .fetch_one(&mut *tx)
    .await
    .map_err(conflict)?;
    tx.commit().await?;
    topic_from_row(&row)
}

pub(crate) async fn topics(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Vec<Topic>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {TOPIC_COLUMNS} FROM topics WHERE workspace_id = $1 ORDER BY name, id"
    )))
    .bind(workspace.get())
    .fetch_all(pool)
    .await?
    .iter()
    .map(topic_from_row)
    .collect()
}

pub(crate) async fn topic(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: TopicId,
) -> Result<Topic, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TOPIC_COLUMNS} FROM topics WHERE workspace_id = $1 AND id = $2"
    )))
    .bind(workspace.get())
    .bind(id.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    topic_from_row(&row)
}

async fn clear_topic(tx: &mut Transaction<'_, Any>, id: TopicId) -> Result<(), StoreError> {
    for table in [
        "topic_matches",
        "topic_hours",
        "topic_terms",
        "topic_authors",
    ] {
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE topic_id = $1"
        )))
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Renames a topic or changes its role; a changed query also forgets every match
/// and restarts the backfill, under a new revision.
pub(crate) async fn update_topic(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    id: TopicId,
    new: &NewTopic,
) -> Result<Topic, StoreError> {
    validate(new)?;
    let old = topic(pool, workspace, id).await?;
    let mut tx = begin_write(pool, backend).await?;
    let now = now_ms();
    if old.query == new.query.trim() {
        sqlx::query("UPDATE topics SET name = $1, role = $2, updated_at = $3 WHERE id = $4")
            .bind(new.name.trim())
            .bind(new.role.as_str())
            .bind(now)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(conflict)?;
    } else {
        clear_topic(&mut tx, id).await?;
        let (upto, total) = cut_off(&mut tx, workspace).await?;
        sqlx::query(
            "UPDATE topics SET name = $1, role = $2, query = $3, revision = revision + 1, \
             updated_at = $4, backfill_upto = $5, backfill_after = 0, backfill_done = 0, \
             backfill_total = $6 WHERE id = $7",
        )
        .bind(new.name.trim())
        .bind(new.role.as_str())
        .bind(new.query.trim())
        .bind(now)
        .bind(upto)
        .bind(total)
        .bind(id.get())
        .execute(&mut *tx)
        .await
        .map_err(conflict)?;
    }
    tx.commit().await?;
    topic(pool, workspace, id).await
}

pub(crate) async fn delete_topic(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    id: TopicId,
) -> Result<(), StoreError> {
    topic(pool, workspace, id).await?;
    let mut tx = begin_write(pool, backend).await?;
    clear_topic(&mut tx, id).await?;
    sqlx::query("DELETE FROM topic_alerts WHERE topic_id = $1")
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM topics WHERE id = $1")
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Where a topic's backfill stands: the revision it is for, the last message id
/// looked at and the cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackfillCursor {
    pub topic: TopicId,
    pub revision: i64,
    pub after: MessageId,
    pub upto: MessageId,
}

/// The unfinished backfills of every workspace, oldest topic first.
pub(crate) async fn backfills(
    pool: &AnyPool,
) -> Result<Vec<(WorkspaceId, BackfillCursor)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, workspace_id, revision, backfill_after, backfill_upto FROM topics \
         WHERE backfill_after < backfill_upto ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                WorkspaceId(get(r, "workspace_id")?),
                BackfillCursor {
                    topic: TopicId(get(r, "id")?),
                    revision: get(r, "revision")?,
                    after: MessageId(get(r, "backfill_after")?),
                    upto: MessageId(get(r, "backfill_upto")?),
                },
            ))
        })
        .collect()
}
