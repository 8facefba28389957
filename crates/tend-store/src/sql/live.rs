//! Live channels on SQL: the link of a channel to its network (sealed
//! credentials, cursor, health), the page marks written with the messages of
//! a live read, and the sender's moves on the outbox.
//!
//! Every sender move is a compare-and-set on the item's state, so two workers
//! can never both take the same attempt; the audit entry commits with it.

use super::inbox::outbox::{self, audit};
use super::{Backend, corrupt, get, ms, ts, ts_opt};
use crate::{DueItem, LivePage, NewLink, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use tend_domain::{
    ChannelId, ChannelLink, LinkState, OutboxId, OutboxItem, OutboxState, SealedSecret, SyncReport,
    WorkspaceId,
};

const COLUMNS: &str = "channel_id, workspace_id, network, config, state, cursor, backfill_days, \
    last_sync_at, last_ok_at, last_error, last_error_at, token_expires_at, rate_limited_until, \
    received, connected_at, disconnected_at";

/// At most this many characters of an error are kept.
const MAX_ERROR: usize = 1_000;

fn clip(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR) {
        Some((cut, _)) => format!("{}…", &error[..cut]),
        None => error.to_owned(),
    }
}

fn from_row(row: &AnyRow) -> Result<ChannelLink, StoreError> {
    Ok(ChannelLink {
        channel_id: ChannelId(get(row, "channel_id")?),
        workspace_id: WorkspaceId(get(row, "workspace_id")?),
        network: get(row, "network")?,
        config: get(row, "config")?,
        state: LinkState::parse(&get::<String>(row, "state")?)
            .map_err(|e| corrupt("channel_links", e))?,
        cursor: get(row, "cursor")?,
        backfill_days: get(row, "backfill_days")?,
        last_sync_at: ts_opt(get(row, "last_sync_at")?)?,
        last_ok_at: ts_opt(get(row, "last_ok_at")?)?,
        last_error: get(row, "last_error")?,
        last_error_at: ts_opt(get(row, "last_error_at")?)?,
        token_expires_at: ts_opt(get(row, "token_expires_at")?)?,
        rate_limited_until: ts_opt(get(row, "rate_limited_until")?)?,
        received: get(row, "received")?,
        connected_at: ts(get(row, "connected_at")?)?,
        disconnected_at: ts_opt(get(row, "disconnected_at")?)?,
    })
}

pub(crate) async fn link(
    pool: &AnyPool,
    workspace: WorkspaceId,
    channel: ChannelId,
) -> Result<(ChannelLink, SealedSecret), StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS}, secret FROM channel_links WHERE channel_id = $1 AND workspace_id = $2"
    )))
    .bind(channel.get())
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    Ok((from_row(&row)?, SealedSecret(get(&row, "secret")?)))
}

pub(crate) async fn links(
    pool: &AnyPool,
    workspace: Option<WorkspaceId>,
) -> Result<Vec<ChannelLink>, StoreError> {
    let rows =
        match workspace {
            Some(ws) => sqlx::query(AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM channel_links WHERE workspace_id = $1 ORDER BY channel_id"
            )))
            .bind(ws.get())
            .fetch_all(pool)
            .await?,
            None => {
                sqlx::query(AssertSqlSafe(format!(
                    "SELECT {COLUMNS} FROM channel_links ORDER BY workspace_id, channel_id"
                )))
                .fetch_all(pool)
                .await?
            }
        };
    rows.iter().map(from_row).collect()
}

pub(crate) async fn insert_link(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
    channel: ChannelId,
    link: &NewLink,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO channel_links (channel_id, workspace_id, network, config, secret, state, \
         backfill_days, token_expires_at, received, connected_at) \
         VALUES ($1, $2, $3, $4, $5, 'connected', $6, $7, 0, $8)",
    )
    .bind(channel.get())
    .bind(workspace.get())
    .bind(&link.network)
    .bind(&link.config)
    .bind(&link.secret.0)
    .bind(link.backfill_days)
    .bind(link.token_expires_at.map(ms))
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Writes a live page's deletions, cursor and health inside the upsert's
/// transaction, after checking the job still holds its lease. A link that
/// was disconnected meanwhile refuses the page (`Conflict`).
pub(crate) async fn mark_page(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    workspace: WorkspaceId,
    page: &LivePage<'_>,
    created: usize,
) -> Result<(), StoreError> {
    crate::sql::jobs::check_fence(tx, backend).await?;
    let now = ms(page.now);
    for id in page.deleted {
        sqlx::query(
            "UPDATE messages SET removed_at = $1 WHERE channel_id = $2 AND external_id = $3 \
             AND removed_at IS NULL",
        )
        .bind(now)
        .bind(page.channel.get())
        .bind(id)
        .execute(&mut **tx)
        .await?;
    }
    let updated = sqlx::query(
        "UPDATE channel_links SET cursor = COALESCE($1, cursor), received = received + $2, \
         last_sync_at = $3, last_ok_at = $3, last_error = NULL, last_error_at = NULL \
         WHERE channel_id = $4 AND workspace_id = $5 AND state = 'connected'",
    )
    .bind(page.cursor)
    .bind(i64::try_from(created).unwrap_or(i64::MAX))
    .bind(now)
    .bind(page.channel.get())
    .bind(workspace.get())
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::Conflict(crate::Conflict::new(
            "the channel was disconnected while it was being read",
        )));
    }
    Ok(())
}

pub(crate) async fn record_sync(
    pool: &AnyPool,
    workspace: WorkspaceId,
    channel: ChannelId,
    report: &SyncReport,
    now: i64,
) -> Result<(), StoreError> {
    let error = report.error.as_deref().map(clip);
    sqlx::query(
        "UPDATE channel_links SET last_sync_at = $1, \
         last_ok_at = CASE WHEN $2 IS NULL THEN $1 ELSE last_ok_at END, \
         last_error = $2, last_error_at = CASE WHEN $2 IS NULL THEN NULL ELSE $1 END, \
         rate_limited_until = $3, token_expires_at = COALESCE($4, token_expires_at) \
         WHERE channel_id = $5 AND workspace_id = $6",
    )
    .bind(now)
    .bind(error)
    .bind(report.rate_limited_until.map(ms))
    .bind(report.token_expires_at.map(ms))
    .bind(channel.get())
    .bind(workspace.get())
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn reseal(
    pool: &AnyPool,
    workspace: WorkspaceId,
    channel: ChannelId,
    secret: &SealedSecret,
    token_expires_at: Option<i64>,
) -> Result<(), StoreError> {
    let res = sqlx::query(
        "UPDATE channel_links SET secret = $1, token_expires_at = $2 \
         WHERE channel_id = $3 AND workspace_id = $4 AND state = 'connected'",
    )
    .bind(&secret.0)
    .bind(token_expires_at)
    .bind(channel.get())
    .bind(workspace.get())
    .execute(pool)
    .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn disconnect(
    pool: &AnyPool,
    workspace: WorkspaceId,
    channel: ChannelId,
    now: i64,
) -> Result<ChannelLink, StoreError> {
    let res = sqlx::query(
        "UPDATE channel_links SET state = 'disconnected', secret = '', disconnected_at = $1 \
         WHERE channel_id = $2 AND workspace_id = $3 AND state = 'connected'",
    )
    .bind(now)
    .bind(channel.get())
    .bind(workspace.get())
    .execute(pool)
    .await?;
    let (link, _) = link(pool, workspace, channel).await?;
    if res.rows_affected() == 0 && link.state != LinkState::Disconnected {
        return Err(StoreError::NotFound);
    }
    Ok(link)
}

pub(crate) async fn begin_send(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: OutboxId,
    key: &str,
    now: i64,
) -> Result<Option<OutboxItem>, StoreError> {
    let mut tx = pool.begin().await?;
    let worker = crate::jobs::current_fence().map(|f| f.worker);
    let res = sqlx::query(
        "UPDATE outbox SET state = 'sending', attempts = attempts + 1, \
         send_key = COALESCE(send_key, $1), updated_at = $2, sending_by = $5 \
         WHERE id = $3 AND workspace_id = $4 AND state = 'queued'",
    )
    .bind(key)
    .bind(now)
    .bind(id.get())
    .bind(workspace.get())
    .bind(worker)
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() == 0 {
        return Ok(None);
    }
    audit(&mut tx, id.get(), OutboxState::Sending, None, None, now).await?;
    tx.commit().await?;
    outbox::by_id(pool, workspace, id).await.map(Some)
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn settle(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: OutboxId,
    from: OutboxState,
    to: OutboxState,
    remote: Option<(&str, Option<&str>)>,
    detail: Option<&str>,
    now: i64,
) -> Result<Option<OutboxItem>, StoreError> {
    if !from.can_move_to(to) {
        return Err(StoreError::Conflict(
            format!(
                "an outbox item cannot go from {} to {}",
                from.as_str(),
                to.as_str()
            )
            .into(),
        ));
    }
    if to == OutboxState::Sent && remote.is_none() {
        return Err(StoreError::Conflict(crate::Conflict::new(
            "an item is sent only with the network's id",
        )));
    }
    let detail = detail.map(clip);
    let mut tx = pool.begin().await?;
    let res = sqlx::query(
        "UPDATE outbox SET state = $1, last_error = $2, remote_id = COALESCE($3, remote_id), \
         remote_url = COALESCE($4, remote_url), updated_at = $5 \
         WHERE id = $6 AND workspace_id = $7 AND state = $8",
    )
    .bind(to.as_str())
    .bind(if to == OutboxState::Sent {
        None
    } else {
        detail.as_deref()
    })
    .bind(remote.map(|r| r.0))
    .bind(remote.and_then(|r| r.1))
    .bind(now)
    .bind(id.get())
    .bind(workspace.get())
    .bind(from.as_str())
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() == 0 {
        return Ok(None);
    }
    let shown = match (to, remote) {
        (OutboxState::Sent, Some((remote_id, url))) => Some(url.unwrap_or(remote_id).to_owned()),
        _ => detail,
    };
    audit(&mut tx, id.get(), to, None, shown.as_deref(), now).await?;
    tx.commit().await?;
    outbox::by_id(pool, workspace, id).await.map(Some)
}

/// Whether an item in `sending` was abandoned: its worker holds no live job
/// lease any more (it died), or, sent outside a job, it has been sending
/// since before `stale`.
pub(crate) async fn sending_abandoned(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: OutboxId,
    stale: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT state, sending_by, updated_at FROM outbox WHERE id = $1 AND workspace_id = $2",
    )
    .bind(id.get())
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    if get::<String>(&row, "state")? != "sending" {
        return Ok(false);
    }
    let updated: i64 = get(&row, "updated_at")?;
    let Some(worker) = get::<Option<String>>(&row, "sending_by")? else {
        return Ok(updated < stale);
    };
    let alive: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM jobs WHERE locked_by = $1 AND state = 'running' AND lease_until >= $2 \
         LIMIT 1",
    )
    .bind(&worker)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(alive.is_none() || updated < stale)
}

pub(crate) async fn due(
    pool: &AnyPool,
    stale: i64,
    limit: i64,
) -> Result<Vec<DueItem>, StoreError> {
    let rows = sqlx::query(
        "SELECT workspace_id, id, attempts FROM outbox \
         WHERE state IN ('queued', 'unknown') OR (state = 'sending' AND updated_at < $1) \
         ORDER BY id LIMIT $2",
    )
    .bind(stale)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DueItem {
                workspace: WorkspaceId(get(row, "workspace_id")?),
                id: OutboxId(get(row, "id")?),
                attempts: get(row, "attempts")?,
            })
        })
        .collect()
}

pub(crate) async fn pause(
    pool: &AnyPool,
    workspace: WorkspaceId,
    paused: bool,
    now: i64,
) -> Result<(), StoreError> {
    let res = sqlx::query(
        "UPDATE workspaces SET sending_paused_at = CASE WHEN $1 = 1 \
         THEN COALESCE(sending_paused_at, $2) ELSE NULL END WHERE id = $3",
    )
    .bind(i64::from(paused))
    .bind(now)
    .bind(workspace.get())
    .execute(pool)
    .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

pub(crate) async fn paused(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Option<jiff::Timestamp>, StoreError> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT sending_paused_at FROM workspaces WHERE id = $1")
            .bind(workspace.get())
            .fetch_optional(pool)
            .await?;
    ts_opt(at.ok_or(StoreError::NotFound)?)
}
