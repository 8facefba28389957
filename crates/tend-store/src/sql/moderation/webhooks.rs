//! The moderation rules' webhook posts (`notify: {webhook: url}`): queued in the
//! transaction that records the verdict (`moderation::record_verdicts`), claimed by
//! the background loop with a lease, and marked per attempt (delivered, or failed
//! with the error and the next attempt or giving up).

use crate::StoreError;
use crate::sql::{get, ms, now_ms, ts, ts_opt};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use tend_domain::{
    MessageId, ModerationVerdict, RuleSetId, WebhookAttempt, WebhookDelivery, WorkspaceId,
};

const COLUMNS: &str = "id, workspace_id, message_id, rule_set_id, version, rule_index, rule_name, \
    url, payload, attempts, next_attempt_at, delivered_at, gave_up_at, last_error, created_at";

/// Errors are kept to this many characters.
const ERROR_CHARS: usize = 500;

fn from_row(row: &AnyRow) -> Result<WebhookDelivery, StoreError> {
    Ok(WebhookDelivery {
        id: get(row, "id")?,
        workspace_id: WorkspaceId(get(row, "workspace_id")?),
        message_id: MessageId(get(row, "message_id")?),
        rule_set: RuleSetId(get(row, "rule_set_id")?),
        version: get(row, "version")?,
        rule_index: get(row, "rule_index")?,
        rule_name: get(row, "rule_name")?,
        url: get(row, "url")?,
        payload: get(row, "payload")?,
        attempts: get(row, "attempts")?,
        next_attempt_at: ts(get(row, "next_attempt_at")?)?,
        delivered_at: ts_opt(get(row, "delivered_at")?)?,
        gave_up_at: ts_opt(get(row, "gave_up_at")?)?,
        last_error: get(row, "last_error")?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

/// Queues the verdict's webhooks, due at once. A delivery for the same message,
/// rule (of the same version) and address is queued once: recording the same
/// verdict again adds nothing.
pub(crate) async fn queue(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
    verdict: &ModerationVerdict,
    at: i64,
) -> Result<(), StoreError> {
    for notice in &verdict.webhooks {
        sqlx::query(
            "INSERT INTO moderation_webhooks (workspace_id, message_id, rule_set_id, version, \
             rule_index, rule_name, url, payload, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9) \
             ON CONFLICT (message_id, rule_set_id, rule_index, url) DO NOTHING",
        )
        .bind(workspace.get())
        .bind(verdict.message_id.get())
        .bind(verdict.rule_set.get())
        .bind(verdict.version)
        .bind(verdict.rule_index)
        .bind(&verdict.rule_name)
        .bind(&notice.url)
        .bind(&notice.payload)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Claims due deliveries by moving their next attempt to `lease_until`; the
/// `next_attempt_at <= now` test is repeated on the row being updated, so of two
/// processes claiming at once only one gets a row.
pub(crate) async fn claim(
    pool: &AnyPool,
    now: Timestamp,
    lease_until: Timestamp,
    limit: u32,
) -> Result<Vec<WebhookDelivery>, StoreError> {
    let limit = limit.clamp(1, 500);
    let mut rows = sqlx::query(AssertSqlSafe(format!(
        "UPDATE moderation_webhooks SET next_attempt_at = $1 \
         WHERE id IN (SELECT id FROM moderation_webhooks WHERE delivered_at IS NULL \
         AND gave_up_at IS NULL AND next_attempt_at <= $2 ORDER BY next_attempt_at, id LIMIT {limit}) \
         AND delivered_at IS NULL AND gave_up_at IS NULL AND next_attempt_at <= $2 \
         RETURNING {COLUMNS}"
    )))
    .bind(ms(lease_until))
    .bind(ms(now))
    .fetch_all(pool)
    .await?
    .iter()
    .map(from_row)
    .collect::<Result<Vec<_>, _>>()?;
    rows.sort_by_key(|d| d.id);
    Ok(rows)
}

pub(crate) async fn attempted(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: i64,
    attempt: &WebhookAttempt,
) -> Result<(), StoreError> {
    let now = now_ms();
    let pending = "id = $1 AND workspace_id = $2 AND delivered_at IS NULL AND gave_up_at IS NULL";
    match attempt {
        WebhookAttempt::Delivered => {
            sqlx::query(AssertSqlSafe(format!(
                "UPDATE moderation_webhooks SET attempts = attempts + 1, delivered_at = $3 \
                 WHERE {pending}"
            )))
            .bind(id)
            .bind(workspace.get())
            .bind(now)
            .execute(pool)
            .await?;
        }
        WebhookAttempt::Failed { error, retry_at } => {
            let error: String = error.chars().take(ERROR_CHARS).collect();
            sqlx::query(AssertSqlSafe(format!(
                "UPDATE moderation_webhooks SET attempts = attempts + 1, last_error = $3, \
                 next_attempt_at = $4, gave_up_at = $5 WHERE {pending}"
            )))
            .bind(id)
            .bind(workspace.get())
            .bind(error)
            .bind(retry_at.map_or(now, ms))
            .bind(retry_at.is_none().then_some(now))
            .execute(pool)
            .await?;
        }
    }
    Ok(())
}

pub(crate) async fn deliveries(
    pool: &AnyPool,
    workspace: WorkspaceId,
    message: Option<MessageId>,
    limit: u32,
) -> Result<Vec<WebhookDelivery>, StoreError> {
    let limit = limit.clamp(1, 1000);
    let mut sql = format!("SELECT {COLUMNS} FROM moderation_webhooks WHERE workspace_id = $1");
    if message.is_some() {
        sql.push_str(" AND message_id = $2");
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(workspace.get());
    if let Some(m) = message {
        query = query.bind(m.get());
    }
    query.fetch_all(pool).await?.iter().map(from_row).collect()
}
