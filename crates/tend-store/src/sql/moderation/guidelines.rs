//! The community's guidelines: one plain text per workspace.

use crate::StoreError;
use crate::sql::now_ms;
use sqlx::AnyPool;
use tend_domain::{UserId, WorkspaceId};

/// The longest guidelines text accepted, in bytes.
pub(crate) const MAX_LEN: usize = 100_000;

pub(crate) async fn get(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT text FROM guidelines WHERE workspace_id = $1")
            .bind(workspace.get())
            .fetch_optional(pool)
            .await?,
    )
}

pub(crate) async fn set(
    pool: &AnyPool,
    workspace: WorkspaceId,
    text: &str,
    by: Option<UserId>,
) -> Result<(), StoreError> {
    if text.len() > MAX_LEN {
        return Err(StoreError::Invalid(tend_domain::ValidationError::new(
            "text",
            format!("at most {MAX_LEN} bytes"),
        )));
    }
    sqlx::query(
        "INSERT INTO guidelines (workspace_id, text, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (workspace_id) DO UPDATE SET \
         text = excluded.text, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(workspace.get())
    .bind(text)
    .bind(by.map(|u| u.get()))
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}
