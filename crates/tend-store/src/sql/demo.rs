//! The demo workspace's manifest: one JSON document per workspace, written by
//! `tend demo` and read by features that measure themselves on the demo data.

use super::now_ms;
use crate::StoreError;
use sqlx::AnyPool;
use tend_domain::WorkspaceId;

pub(crate) async fn save(
    pool: &AnyPool,
    workspace: WorkspaceId,
    manifest: &str,
) -> Result<(), StoreError> {
    // Check first so a missing workspace is `NotFound`, not a foreign-key error.
    super::workspaces::by_id(pool, workspace).await?;
    sqlx::query(
        "INSERT INTO demo_manifests (workspace_id, manifest, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id) DO UPDATE SET manifest = excluded.manifest, \
         updated_at = excluded.updated_at",
    )
    .bind(workspace.get())
    .bind(manifest)
    .bind(now_ms())
    .execute(pool)
    .await?;
    Ok(())
}

pub(crate) async fn load(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Option<String>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT manifest FROM demo_manifests WHERE workspace_id = $1")
            .bind(workspace.get())
            .fetch_optional(pool)
            .await?,
    )
}
