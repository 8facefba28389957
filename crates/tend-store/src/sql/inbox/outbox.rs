//! The outbox: queued replies, their state machine and audit trail. The
//! sender's moves (with the network's id) are in `sql/live.rs`.

use crate::StoreError;
use crate::sql::inbox::activity::{Change, record_change};
use crate::sql::{Backend, corrupt, get, inbox::messages, now_ms, ts};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use tend_domain::{
    ChannelId, ConversationChange, MessageId, NewReply, OutboxAudit, OutboxId, OutboxItem,
    OutboxState, UserId, WorkspaceId,
};

pub(crate) const COLUMNS: &str = "id, workspace_id, channel_id, in_reply_to, author_id, text, state, \
    attempts, last_error, send_key, remote_id, remote_url, created_at, updated_at";

pub(crate) fn from_row(row: &AnyRow) -> Result<OutboxItem, StoreError> {
    Ok(OutboxItem {
        id: OutboxId(get(row, "id")?),
        workspace_id: WorkspaceId(get(row, "workspace_id")?),
        channel_id: ChannelId(get(row, "channel_id")?),
        in_reply_to: MessageId(get(row, "in_reply_to")?),
        author_id: get::<Option<i64>>(row, "author_id")?.map(UserId),
        text: get(row, "text")?,
        state: OutboxState::parse(&get::<String>(row, "state")?)
            .map_err(|e| corrupt("outbox", e))?,
        attempts: get(row, "attempts")?,
        last_error: get(row, "last_error")?,
        send_key: get(row, "send_key")?,
        remote_id: get(row, "remote_id")?,
        remote_url: get(row, "remote_url")?,
        created_at: ts(get(row, "created_at")?)?,
        updated_at: ts(get(row, "updated_at")?)?,
    })
}

pub(crate) async fn audit(
    tx: &mut Transaction<'_, Any>,
    id: i64,
    state: OutboxState,
    actor: Option<UserId>,
    detail: Option<&str>,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO outbox_events (outbox_id, state, user_id, detail, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(state.as_str())
    .bind(actor.map(UserId::get))
    .bind(detail)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn by_id(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: OutboxId,
) -> Result<OutboxItem, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM outbox WHERE id = $1 AND workspace_id = $2"
    )))
    .bind(id.get())
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub(crate) async fn enqueue_reply(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    reply: &NewReply,
) -> Result<OutboxItem, StoreError> {
    if reply.text.trim().is_empty() {
        return Err(tend_domain::ValidationError::new("text", "must not be empty").into());
    }
    let message = messages::by_id(pool, backend, workspace, reply.in_reply_to).await?;
    crate::sql::inbox::conversations::check_teammates(pool, workspace, &[reply.author_id]).await?;
    if let Some(key) = &reply.idempotency_key {
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM outbox WHERE idempotency_key = $1 AND workspace_id = $2",
        )
        .bind(key)
        .bind(workspace.get())
        .fetch_optional(pool)
        .await?;
        if let Some(id) = existing {
            return by_id(pool, workspace, OutboxId(id)).await;
        }
    }
    let now = now_ms();
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outbox (workspace_id, channel_id, in_reply_to, author_id, text, state, attempts, \
         created_at, updated_at, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7, $8) \
         RETURNING id",
    )
    .bind(workspace.get())
    .bind(message.channel_id.get())
    .bind(message.id.get())
    .bind(reply.author_id.get())
    .bind(&reply.text)
    .bind(OutboxState::Queued.as_str())
    .bind(now)
    .bind(reply.idempotency_key.as_deref())
    .fetch_one(&mut *tx)
    .await?;
    audit(
        &mut tx,
        id,
        OutboxState::Queued,
        Some(reply.author_id),
        None,
        now,
    )
    .await?;
    record_change(
        &mut tx,
        backend,
        workspace,
        &Change {
            messages: &[message.id],
            change: ConversationChange::Reply {
                outbox: OutboxId(id),
            },
            detail: id.to_string(),
            by: Some(reply.author_id),
        },
    )
    .await?;
    tx.commit().await?;
    by_id(pool, workspace, OutboxId(id)).await
}

pub(crate) async fn message_outbox(
    pool: &AnyPool,
    workspace: WorkspaceId,
    message: MessageId,
) -> Result<Vec<OutboxItem>, StoreError> {
    messages::check_exists(pool, workspace, message).await?;
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM outbox WHERE in_reply_to = $1 AND workspace_id = $2 ORDER BY id"
    )))
    .bind(message.get())
    .bind(workspace.get())
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub(crate) async fn move_item(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: OutboxId,
    to: OutboxState,
    actor: Option<UserId>,
    detail: Option<&str>,
) -> Result<OutboxItem, StoreError> {
    let current = by_id(pool, workspace, id).await?;
    if !current.state.can_move_to(to) {
        return Err(StoreError::Conflict(
            format!(
                "outbox item {id} is {} and cannot become {}",
                current.state.as_str(),
                to.as_str()
            )
            .into(),
        ));
    }
    let now = now_ms();
    let attempts = i64::from(to == OutboxState::Sending);
    let error = (to == OutboxState::Failed).then_some(detail).flatten();
    let mut tx = pool.begin().await?;
    // Compare-and-set on the state read above, so two senders cannot both claim it.
    let res = sqlx::query(
        "UPDATE outbox SET state = $1, attempts = attempts + $2, last_error = $3, updated_at = $4 \
         WHERE id = $5 AND workspace_id = $6 AND state = $7",
    )
    .bind(to.as_str())
    .bind(attempts)
    .bind(error)
    .bind(now)
    .bind(id.get())
    .bind(workspace.get())
    .bind(current.state.as_str())
    .execute(&mut *tx)
    .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::Conflict(
            format!("outbox item {id} changed while moving it").into(),
        ));
    }
    audit(&mut tx, id.get(), to, actor, detail, now).await?;
    tx.commit().await?;
    by_id(pool, workspace, id).await
}

pub(crate) async fn events(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: OutboxId,
) -> Result<Vec<OutboxAudit>, StoreError> {
    by_id(pool, workspace, id).await?;
    let rows = sqlx::query(
        "SELECT state, user_id, detail, at FROM outbox_events WHERE outbox_id = $1 ORDER BY id",
    )
    .bind(id.get())
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(OutboxAudit {
                state: OutboxState::parse(&get::<String>(row, "state")?)
                    .map_err(|e| corrupt("outbox_events", e))?,
                user_id: get::<Option<i64>>(row, "user_id")?.map(UserId),
                detail: get(row, "detail")?,
                at: ts(get(row, "at")?)?,
            })
        })
        .collect()
}
