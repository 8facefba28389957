//! Channels of a workspace, and [`ChannelStore`](crate::ChannelStore) on the SQL store.

use super::{SqlStore, corrupt, get, now_ms, team::workspaces, ts};
use super::{live, ms};
use crate::StoreError;
use crate::{DueItem, LivePage, NewLink, Upserted};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe};
use tend_domain::{
    Channel, ChannelId, ChannelKind, ChannelLink, NewChannel, NewMessage, OutboxId, OutboxItem,
    OutboxState, SealedSecret, SyncReport, WorkspaceId,
};

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

    async fn connect_channel(
        &self,
        new: &NewChannel,
        link: &NewLink,
        now: Timestamp,
    ) -> Result<(Channel, ChannelLink), StoreError> {
        workspaces::by_id(&self.pool, new.workspace_id).await?;
        let settings = serde_json::to_string(&new.settings).map_err(|e| corrupt("channels", e))?;
        let mut tx = self.pool.begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO channels (workspace_id, kind, name, handle, settings, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(new.workspace_id.get())
        .bind(new.kind.as_str())
        .bind(&new.name)
        .bind(new.handle.as_deref())
        .bind(settings)
        .bind(ms(now))
        .fetch_one(&mut *tx)
        .await?;
        live::insert_link(&mut tx, new.workspace_id, ChannelId(id), link, ms(now)).await?;
        tx.commit().await?;
        let channel = by_id(&self.pool, new.workspace_id, ChannelId(id)).await?;
        let (link, _) = live::link(&self.pool, new.workspace_id, channel.id).await?;
        Ok((channel, link))
    }

    async fn channel_link(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
    ) -> Result<(ChannelLink, SealedSecret), StoreError> {
        live::link(&self.pool, workspace, channel).await
    }

    async fn channel_links(
        &self,
        workspace: Option<WorkspaceId>,
    ) -> Result<Vec<ChannelLink>, StoreError> {
        live::links(&self.pool, workspace).await
    }

    async fn store_live_page(
        &self,
        workspace: WorkspaceId,
        batch: &[NewMessage],
        page: &LivePage<'_>,
    ) -> Result<Vec<Upserted>, StoreError> {
        super::inbox::upsert::upsert_batch_marked(
            &self.pool,
            self.backend,
            workspace,
            batch,
            Some(page),
        )
        .await
    }

    async fn record_sync(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
        report: &SyncReport,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        live::record_sync(&self.pool, workspace, channel, report, ms(now)).await
    }

    async fn reseal_channel(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
        secret: &SealedSecret,
        token_expires_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        live::reseal(
            &self.pool,
            workspace,
            channel,
            secret,
            token_expires_at.map(ms),
        )
        .await
    }

    async fn disconnect_channel(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
        now: Timestamp,
    ) -> Result<ChannelLink, StoreError> {
        live::disconnect(&self.pool, workspace, channel, ms(now)).await
    }

    async fn outbox_item(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
    ) -> Result<OutboxItem, StoreError> {
        super::inbox::outbox::by_id(&self.pool, workspace, id).await
    }

    async fn begin_send(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<OutboxItem>, StoreError> {
        live::begin_send(&self.pool, workspace, id, key, ms(now)).await
    }

    async fn settle_outbox(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
        from: OutboxState,
        to: OutboxState,
        remote: Option<(&str, Option<&str>)>,
        detail: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<OutboxItem>, StoreError> {
        live::settle(&self.pool, workspace, id, from, to, remote, detail, ms(now)).await
    }

    async fn sending_abandoned(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
        stale: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        live::sending_abandoned(&self.pool, workspace, id, ms(stale), ms(now)).await
    }

    async fn outbox_due(&self, stale: Timestamp, limit: i64) -> Result<Vec<DueItem>, StoreError> {
        live::due(&self.pool, ms(stale), limit).await
    }

    async fn pause_sending(
        &self,
        workspace: WorkspaceId,
        paused: bool,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        live::pause(&self.pool, workspace, paused, ms(now)).await
    }

    async fn sending_paused(
        &self,
        workspace: WorkspaceId,
    ) -> Result<Option<Timestamp>, StoreError> {
        live::paused(&self.pool, workspace).await
    }
}
