//! Workspaces: creation, lookup, business hours.

use crate::StoreError;
use crate::sql::{corrupt, get, now_ms, ts};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe};
use tend_domain::workspace::validate_time_zone;
use tend_domain::{BusinessHours, NewWorkspace, Slug, Workspace, WorkspaceId};

pub(crate) const COLUMNS: &str =
    "w.id, w.slug, w.name, w.time_zone, w.business_hours, w.response_target_secs, w.created_at";

pub(crate) fn from_row(row: &AnyRow) -> Result<Workspace, StoreError> {
    let hours: String = get(row, "business_hours")?;
    Ok(Workspace {
        id: WorkspaceId(get(row, "id")?),
        slug: Slug::parse(get::<String>(row, "slug")?).map_err(|e| corrupt("workspaces", e))?,
        name: get(row, "name")?,
        time_zone: get(row, "time_zone")?,
        business_hours: serde_json::from_str(&hours).map_err(|e| corrupt("workspaces", e))?,
        response_target_secs: get(row, "response_target_secs")?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

fn hours_json(hours: &BusinessHours) -> Result<String, StoreError> {
    hours.validate()?;
    serde_json::to_string(hours).map_err(|e| corrupt("workspaces", e))
}

pub(crate) async fn create(pool: &AnyPool, new: &NewWorkspace) -> Result<Workspace, StoreError> {
    validate_time_zone(&new.time_zone)?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO workspaces (slug, name, time_zone, business_hours, response_target_secs, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(new.slug.as_str())
    .bind(&new.name)
    .bind(&new.time_zone)
    .bind(hours_json(&new.business_hours)?)
    .bind(new.response_target_secs)
    .bind(now_ms())
    .fetch_one(pool)
    .await?;
    by_id(pool, WorkspaceId(id)).await
}

pub(crate) async fn by_id(pool: &AnyPool, id: WorkspaceId) -> Result<Workspace, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM workspaces w WHERE w.id = $1"
    )))
    .bind(id.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub(crate) async fn by_slug(pool: &AnyPool, slug: &str) -> Result<Workspace, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM workspaces w WHERE w.slug = $1"
    )))
    .bind(slug)
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    from_row(&row)
}

pub(crate) async fn list(pool: &AnyPool) -> Result<Vec<Workspace>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM workspaces w ORDER BY w.name, w.id"
    )))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub(crate) async fn update_hours(
    pool: &AnyPool,
    id: WorkspaceId,
    time_zone: &str,
    hours: &BusinessHours,
    response_target_secs: i64,
) -> Result<Workspace, StoreError> {
    validate_time_zone(time_zone)?;
    if response_target_secs <= 0 {
        return Err(
            tend_domain::ValidationError::new("response_target_secs", "must be positive").into(),
        );
    }
    let res = sqlx::query(
        "UPDATE workspaces SET time_zone = $1, business_hours = $2, response_target_secs = $3 WHERE id = $4",
    )
    .bind(time_zone)
    .bind(hours_json(hours)?)
    .bind(response_target_secs)
    .bind(id.get())
    .execute(pool)
    .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    by_id(pool, id).await
}
