//! Channels of a workspace, and [`ChannelStore`](crate::ChannelStore) on the SQL store.

use super::{SqlStore, corrupt, get, now_ms, team::workspaces, ts};
use crate::StoreError;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe};
use tend_domain::{Channel, ChannelId, ChannelKind, NewChannel, WorkspaceId};

const COLUMNS: &str = "id, workspace_id, kind, name, handle, settings, created_at";

fn from_row(row: &AnyRow) -> Result<Channel, StoreError> {
    let settings: String = get(row, "settings")?;
    Ok(Channel {
        id: ChannelId(get(row, "id")?),
        workspace_id: WorkspaceId(get(row, "workspace_id")?),
        kind: ChannelKind::parse(&get::<String>(row, "kind")?)
            .map_err(|e| corrupt("channels", e))?,
        name: get(row, "name")?,
        handle: get(row, "handle")?,
        settings: serde_json::from_str(&settings).map_err(|e| corrupt("channels", e))?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

pub(crate) async fn by_id(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: ChannelId,
) -> Result<Channel, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM channels WHERE id = $1 AND workspace_id = $2"
    )))
    .bind(id.get())
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

#[async_trait::async_trait]
impl crate::ChannelStore for SqlStore {
    async fn create_channel(&self, new: &NewChannel) -> Result<Channel, StoreError> {
        workspaces::by_id(&self.pool, new.workspace_id).await?;
        let settings = serde_json::to_string(&new.settings).map_err(|e| corrupt("channels", e))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO channels (workspace_id, kind, name, handle, settings, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(new.workspace_id.get())
        .bind(new.kind.as_str())
        .bind(&new.name)
        .bind(new.handle.as_deref())
        .bind(settings)
        .bind(now_ms())
        .fetch_one(&self.pool)
        .await?;
        by_id(&self.pool, new.workspace_id, ChannelId(id)).await
    }

    async fn channel(&self, workspace: WorkspaceId, id: ChannelId) -> Result<Channel, StoreError> {
        by_id(&self.pool, workspace, id).await
    }

    async fn channels(&self, workspace: WorkspaceId) -> Result<Vec<Channel>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM channels WHERE workspace_id = $1 ORDER BY name, id"
        )))
        .bind(workspace.get())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }
}
