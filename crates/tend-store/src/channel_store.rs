//! The channels a workspace listens on (one per account or space of a network).
//! A supertrait of [`Store`](crate::Store); implemented in `sql/channels.rs`.

use crate::StoreError;
use async_trait::async_trait;
use tend_domain::{Channel, ChannelId, NewChannel, WorkspaceId};

/// Channel storage. A channel belongs to one workspace; another workspace's
/// channel answers `NotFound`, and names are unique per workspace (`Conflict`).
#[async_trait]
pub trait ChannelStore: Send + Sync {
    /// Creates a channel; `Conflict` if the name is taken in the workspace.
    async fn create_channel(&self, new: &NewChannel) -> Result<Channel, StoreError>;
    /// One channel of a workspace.
    async fn channel(&self, workspace: WorkspaceId, id: ChannelId) -> Result<Channel, StoreError>;
    /// The channels of a workspace, by name.
    async fn channels(&self, workspace: WorkspaceId) -> Result<Vec<Channel>, StoreError>;
}
