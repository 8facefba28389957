//! Helpers for `tend bench store`, `ingest` and `inbox`: the raw-SQL baseline the
//! store's own path is measured against, scratch PostgreSQL databases, and the bulk
//! updates that work a benchmark inbox down.
//!
//! The only SQL outside `tend-store`, on purpose: a baseline that went through the
//! store would measure the store against itself. Nothing in the product calls it.

use sqlx::{AnyPool, AssertSqlSafe};
use tend_domain::{IdentityId, NewMessage, WorkspaceId};
use tend_store::prelude::*;
use tend_store::{SqlStore, StoreError};

/// Raw multi-row `INSERT`s of `rows` in transactions of `batch` rows: the baseline
/// the store's own ingest path is measured against. No dedupe, no link resolution.
pub async fn raw_insert_messages(
    store: &SqlStore,
    workspace: WorkspaceId,
    rows: &[NewMessage],
    batch: usize,
) -> Result<(), StoreError> {
    // SQLite allows 32,766 bound values per statement: 19 columns × 500 rows stays under it.
    for chunk in rows.chunks(batch) {
        let mut tx = store.pool().begin().await?;
        for part in chunk.chunks(500) {
            // Placeholders written out per dialect: the `Any` driver's query builder
            // emits `?`, which PostgreSQL does not accept.
            let mut sql = String::from(
                "INSERT INTO messages (workspace_id, channel_id, external_id, direction, kind, thread_external_id, \
                 parent_external_id, author_id, title, text, lang, created_at, edited_at, ingested_at, permalink, likes, \
                 shares, replies, views, state) VALUES ",
            );
            for row in 0..part.len() {
                // `?` on SQLite (thousands of `$N` would make the baseline quadratic).
                let params = tend_store::sql::placeholders(store.backend(), row * 19 + 1, 19);
                sql.push_str(if row == 0 { "(" } else { ", (" });
                sql.push_str(&params);
                sql.push_str(", 'open')");
            }
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for m in part {
                query = query
                    .bind(workspace.get())
                    .bind(m.channel_id.get())
                    .bind(m.external_id.clone())
                    .bind(m.direction.as_str())
                    .bind(m.kind.as_str())
                    .bind(m.thread_external_id.clone())
                    .bind(m.parent_external_id.clone())
                    .bind(m.author_id.map(IdentityId::get))
                    .bind(m.title.clone())
                    .bind(m.text.clone())
                    .bind(m.lang.clone())
                    .bind(m.created_at.as_millisecond())
                    .bind(m.edited_at.map(|t| t.as_millisecond()))
                    .bind(m.created_at.as_millisecond())
                    .bind(m.permalink.clone())
                    .bind(m.engagement.likes)
                    .bind(m.engagement.shares)
                    .bind(m.engagement.replies)
                    .bind(m.engagement.views);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }
    Ok(())
}

/// Number of stored messages.
pub async fn count_messages(store: &SqlStore) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM messages")
        .fetch_one(store.pool())
        .await?)
}

/// Creates a scratch PostgreSQL database next to `admin`'s; returns its name and URL.
pub async fn create_scratch_database(
    admin: &str,
    suffix: &str,
) -> Result<(String, String), StoreError> {
    sqlx::any::install_default_drivers();
    let name = format!("tend_bench_{suffix}_{}", std::process::id());
    let pool = AnyPool::connect(admin).await?;
    sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name}")))
        .execute(&pool)
        .await?;
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).ok_or_else(|| {
        StoreError::Invalid(tend_domain::ValidationError::new(
            "postgres_url",
            "needs a /database part",
        ))
    })?;
    Ok((name.clone(), format!("{base}/{name}")))
}

/// Drops a scratch database made by [`create_scratch_database`].
pub async fn drop_database(admin: &str, name: &str) -> Result<(), StoreError> {
    let pool = AnyPool::connect(admin).await?;
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&pool)
    .await?;
    Ok(())
}

/// Works a benchmark inbox down the way a team does: every message of `workspace`
/// is marked done except one in `keep_open` (the newest ones stay open as well, so
/// the default view has recent work), and one in `assign_every` is assigned to
/// `assignee`. One statement each, for the 1,000,000-message inbox benchmark.
pub async fn work_the_inbox(
    store: &SqlStore,
    workspace: WorkspaceId,
    keep_open: i64,
    assign_every: i64,
    assignee: tend_domain::UserId,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE messages SET state = 'done' WHERE workspace_id = $1 AND id % $2 <> 0 \
         AND id < (SELECT MAX(id) - 500 FROM messages WHERE workspace_id = $1)",
    )
    .bind(workspace.get())
    .bind(keep_open.max(1))
    .execute(store.pool())
    .await?;
    // The direct UPDATE bypasses the store's state moves: recount the workspace's
    // per-state counts as the migration does.
    sqlx::query("DELETE FROM inbox_counts WHERE workspace_id = $1")
        .bind(workspace.get())
        .execute(store.pool())
        .await?;
    sqlx::query(
        "INSERT INTO inbox_counts (workspace_id, state, n) \
         SELECT workspace_id, state, COUNT(*) FROM messages WHERE workspace_id = $1 GROUP BY workspace_id, state",
    )
    .bind(workspace.get())
    .execute(store.pool())
    .await?;
    sqlx::query("UPDATE messages SET assignee_id = $1 WHERE workspace_id = $2 AND id % $3 = 0")
        .bind(assignee.get())
        .bind(workspace.get())
        .bind(assign_every.max(1))
        .execute(store.pool())
        .await?;
    Ok(())
}
