//! Tags and their use on messages.

use super::{corrupt, get, messages};
use crate::StoreError;
use sqlx::AnyPool;
use sqlx::any::AnyRow;
use tend_domain::{MessageId, Tag, TagId, TagName, WorkspaceId};

fn from_row(row: &AnyRow) -> Result<Tag, StoreError> {
    Ok(Tag {
        id: TagId(get(row, "id")?),
        workspace_id: WorkspaceId(get(row, "workspace_id")?),
        name: TagName::parse(get::<String>(row, "name")?).map_err(|e| corrupt("tags", e))?,
    })
}

pub(crate) async fn ensure(
    pool: &AnyPool,
    workspace: WorkspaceId,
    name: &TagName,
) -> Result<Tag, StoreError> {
    super::workspaces::by_id(pool, workspace).await?;
    let key = name.as_str().to_lowercase();
    // The no-op update makes RETURNING yield the existing row on both databases.
    let row = sqlx::query(
        "INSERT INTO tags (workspace_id, name, name_key) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id, name_key) DO UPDATE SET name_key = excluded.name_key \
         RETURNING id, workspace_id, name",
    )
    .bind(workspace.get())
    .bind(name.as_str())
    .bind(key)
    .fetch_one(pool)
    .await?;
    from_row(&row)
}

pub(crate) async fn list(pool: &AnyPool, workspace: WorkspaceId) -> Result<Vec<Tag>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, workspace_id, name FROM tags WHERE workspace_id = $1 ORDER BY name_key, id",
    )
    .bind(workspace.get())
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

async fn check_tag(pool: &AnyPool, workspace: WorkspaceId, tag: TagId) -> Result<(), StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM tags WHERE id = $1 AND workspace_id = $2")
            .bind(tag.get())
            .bind(workspace.get())
            .fetch_optional(pool)
            .await?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

pub(crate) async fn tag_message(
    pool: &AnyPool,
    workspace: WorkspaceId,
    message: MessageId,
    tag: TagId,
) -> Result<(), StoreError> {
    messages::check_exists(pool, workspace, message).await?;
    check_tag(pool, workspace, tag).await?;
    sqlx::query(
        "INSERT INTO message_tags (message_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(message.get())
    .bind(tag.get())
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn untag_message(
    pool: &AnyPool,
    workspace: WorkspaceId,
    message: MessageId,
    tag: TagId,
) -> Result<(), StoreError> {
    messages::check_exists(pool, workspace, message).await?;
    check_tag(pool, workspace, tag).await?;
    sqlx::query("DELETE FROM message_tags WHERE message_id = $1 AND tag_id = $2")
        .bind(message.get())
        .bind(tag.get())
        .execute(pool)
        .await?;
    Ok(())
}
