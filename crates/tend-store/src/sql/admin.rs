//! The installation's own records: the database's migrations, and the demo
//! workspace's manifest (one JSON document per workspace, written by `tend demo`
//! and read by features that measure themselves on the demo data).

use super::{Backend, POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, SqlStore, now_ms};
use crate::StoreError;
use tend_domain::WorkspaceId;

#[async_trait::async_trait]
impl crate::AdminStore for SqlStore {
    fn backend(&self) -> Backend {
        self.backend
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATIONS.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
        }
        Ok(())
    }

    async fn save_demo_manifest(
        &self,
        workspace: WorkspaceId,
        manifest: &str,
    ) -> Result<(), StoreError> {
        // Check first so a missing workspace is `NotFound`, not a foreign-key error.
        super::team::workspaces::by_id(&self.pool, workspace).await?;
        sqlx::query(
            "INSERT INTO demo_manifests (workspace_id, manifest, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (workspace_id) DO UPDATE SET manifest = excluded.manifest, \
             updated_at = excluded.updated_at",
        )
        .bind(workspace.get())
        .bind(manifest)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn demo_manifest(&self, workspace: WorkspaceId) -> Result<Option<String>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT manifest FROM demo_manifests WHERE workspace_id = $1")
                .bind(workspace.get())
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}
