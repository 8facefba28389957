//! The installation's own records: which database this is, its migrations, and
//! the demo manifest `tend demo` leaves behind. A supertrait of
//! [`Store`](crate::Store); implemented in `sql/admin.rs`.

use crate::StoreError;
use async_trait::async_trait;
use tend_domain::WorkspaceId;

/// Installation-level storage: the database itself and the demo manifest.
/// Nothing here is read on a request path.
#[async_trait]
pub trait AdminStore: Send + Sync {
    /// Which database this is.
    fn backend(&self) -> crate::Backend;
    /// Applies pending migrations (idempotent).
    async fn migrate(&self) -> Result<(), StoreError>;
    /// Saves the manifest (a JSON document) of the demo data in a workspace, replacing
    /// any earlier one (`tend demo`).
    async fn save_demo_manifest(
        &self,
        workspace: WorkspaceId,
        manifest: &str,
    ) -> Result<(), StoreError>;
    /// The demo manifest of a workspace, if `tend demo` made it.
    async fn demo_manifest(&self, workspace: WorkspaceId) -> Result<Option<String>, StoreError>;
}
