//! Spike alerts (a spike grows in place) and the alert webhook setting.

use super::super::{Backend, begin_write, corrupt, get, ms, now_ms, ts, ts_opt};
use crate::StoreError;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe};
use std::collections::HashSet;
use tend_domain::{Alert, AlertId, AlertKind, NewAlert, TopicId, ValidationError, WorkspaceId};

const ALERT_COLUMNS: &str =
    "id, topic_id, kind, start_at, end_at, observed, expected, score, created_at, notified_at";

fn alert_from_row(row: &AnyRow) -> Result<Alert, StoreError> {
    let kind: String = get(row, "kind")?;
    Ok(Alert {
        id: AlertId(get(row, "id")?),
        topic_id: TopicId(get(row, "topic_id")?),
        kind: AlertKind::parse(&kind).map_err(|_| corrupt("topic_alerts", "unknown kind"))?,
        start: ts(get(row, "start_at")?)?,
        end: ts(get(row, "end_at")?)?,
        observed: get(row, "observed")?,
        expected: get(row, "expected")?,
        score: get(row, "score")?,
        created_at: ts(get(row, "created_at")?)?,
        notified_at: ts_opt(get(row, "notified_at")?)?,
    })
}

/// Records spikes: a new spike gets a row, one that starts where a recorded one
/// starts updates it (a spike grows while it lasts). Returns the alerts that are
/// new or changed and not yet sent to the webhook.
pub(crate) async fn record_alerts(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    alerts: &[NewAlert],
) -> Result<Vec<Alert>, StoreError> {
    let topics: Vec<TopicId> = alerts.iter().map(|a| a.topic_id).collect();
    let own: HashSet<i64> = super::reads::own_topics(pool, workspace, &topics)
        .await?
        .into_iter()
        .collect();
    let now = now_ms();
    let mut out = Vec::new();
    let mut tx = begin_write(pool, backend).await?;
    for a in alerts.iter().filter(|a| own.contains(&a.topic_id.get())) {
        let expected = if a.expected.is_finite() {
            a.expected
        } else {
            0.0
        };
        let score = if a.score.is_finite() { a.score } else { 0.0 };
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO topic_alerts AS t (workspace_id, topic_id, kind, start_at, end_at, observed, \
             expected, score, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (topic_id, kind, start_at) DO UPDATE SET end_at = excluded.end_at, \
             observed = excluded.observed, expected = excluded.expected, score = excluded.score \
             WHERE t.end_at <> excluded.end_at OR t.observed <> excluded.observed \
             RETURNING {ALERT_COLUMNS}"
        )))
        .bind(workspace.get())
        .bind(a.topic_id.get())
        .bind(a.kind.as_str())
        .bind(ms(a.start))
        .bind(ms(a.end))
        .bind(a.observed)
        .bind(expected)
        .bind(score)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            out.push(alert_from_row(&row)?);
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// The workspace's alerts that started at or after `since`, newest first.
pub(crate) async fn alerts(
    pool: &AnyPool,
    workspace: WorkspaceId,
    since: jiff::Timestamp,
    limit: i64,
) -> Result<Vec<Alert>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {ALERT_COLUMNS} FROM topic_alerts WHERE workspace_id = $1 AND start_at >= $2 \
         ORDER BY start_at DESC, id DESC LIMIT $3"
    )))
    .bind(workspace.get())
    .bind(ms(since))
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(alert_from_row)
    .collect()
}

pub(crate) async fn mark_notified(
    pool: &AnyPool,
    workspace: WorkspaceId,
    ids: &[AlertId],
) -> Result<(), StoreError> {
    let now = now_ms();
    for id in ids {
        sqlx::query("UPDATE topic_alerts SET notified_at = $1 WHERE id = $2 AND workspace_id = $3")
            .bind(now)
            .bind(id.get())
            .bind(workspace.get())
            .execute(pool)
            .await?;
    }
    Ok(())
}

pub(crate) async fn webhook(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT webhook_url FROM listening_settings WHERE workspace_id = $1",
    )
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .flatten())
}

pub(crate) async fn set_webhook(
    pool: &AnyPool,
    workspace: WorkspaceId,
    url: Option<&str>,
) -> Result<(), StoreError> {
    if let Some(url) = url
        && (!(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2_000)
    {
        return Err(StoreError::Invalid(ValidationError::new(
            "webhook_url",
            "an http:// or https:// address of at most 2,000 characters",
        )));
    }
    super::super::team::workspaces::by_id(pool, workspace).await?;
    sqlx::query(
        "INSERT INTO listening_settings (workspace_id, webhook_url) VALUES ($1, $2) \
         ON CONFLICT (workspace_id) DO UPDATE SET webhook_url = excluded.webhook_url",
    )
    .bind(workspace.get())
    .bind(url)
    .execute(pool)
    .await?;
    Ok(())
}
