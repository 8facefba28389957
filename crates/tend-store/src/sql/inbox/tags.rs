//! Tags and their use on messages.

use crate::StoreError;
use crate::sql::inbox::activity::{Change, record_change};
use crate::sql::{Backend, corrupt, get, inbox::messages};
use sqlx::AnyPool;
use sqlx::any::AnyRow;
use tend_domain::{ConversationChange, MessageId, Tag, TagId, TagName, UserId, WorkspaceId};

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
    crate::sql::team::workspaces::by_id(pool, workspace).await?;
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

/// The tag's name, if it is one of the workspace's.
async fn tag_name(
    pool: &AnyPool,
    workspace: WorkspaceId,
    tag: TagId,
) -> Result<String, StoreError> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT name FROM tags WHERE id = $1 AND workspace_id = $2")
            .bind(tag.get())
            .bind(workspace.get())
            .fetch_optional(pool)
            .await?;
    found.ok_or(StoreError::NotFound)
}

/// Puts a tag on (`add`) or takes it off a message; records only a real change.
pub(crate) async fn set_tag(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    message: MessageId,
    tag: TagId,
    add: bool,
    by: Option<UserId>,
) -> Result<(), StoreError> {
    messages::check_exists(pool, workspace, message).await?;
    let name = tag_name(pool, workspace, tag).await?;
    let mut tx = pool.begin().await?;
    let sql = if add {
        "INSERT INTO message_tags (message_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM message_tags WHERE message_id = $1 AND tag_id = $2"
    };
    let res = sqlx::query(sql)
        .bind(message.get())
        .bind(tag.get())
        .execute(&mut *tx)
        .await?;
    if res.rows_affected() > 0 {
        record_change(
            &mut tx,
            backend,
            workspace,
            &Change {
                messages: &[message],
                change: ConversationChange::Tags { tag, added: add },
                detail: name,
                by,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
