//! The channels a workspace listens on (one per account or space of a
//! network), how each is connected live, and what leaves through them.
//! A supertrait of [`Store`](crate::Store); implemented in `sql/channels.rs`
//! and `sql/live.rs`.

use crate::{StoreError, Upserted};
use async_trait::async_trait;
use jiff::Timestamp;
use tend_domain::{
    Channel, ChannelId, ChannelLink, NewChannel, NewMessage, OutboxId, OutboxItem, OutboxState,
    SealedSecret, SyncReport, WorkspaceId,
};

/// A live channel to connect.
#[derive(Debug, Clone)]
pub struct NewLink {
    /// The network's name.
    pub network: String,
    /// The connector's settings (JSON).
    pub config: String,
    /// The credentials, sealed.
    pub secret: SealedSecret,
    /// How many days connecting reads back.
    pub backfill_days: i64,
    /// When the credentials expire, where they do.
    pub token_expires_at: Option<Timestamp>,
}

/// What a live read stores with its messages, in the same transaction.
#[derive(Debug, Clone, Copy)]
pub struct LivePage<'a> {
    /// The channel read.
    pub channel: ChannelId,
    /// The cursor that covers the page (`None` keeps the stored one).
    pub cursor: Option<&'a str>,
    /// External ids the network deleted.
    pub deleted: &'a [String],
    /// When.
    pub now: Timestamp,
}

/// An outbox item that needs the sender: queued, of unknown outcome, or
/// sending for longer than a lease (its sender died).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueItem {
    /// Its workspace.
    pub workspace: WorkspaceId,
    /// The item.
    pub id: OutboxId,
    /// Attempts so far (part of its send job's key).
    pub attempts: i64,
}

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

    /// Creates a channel and its live link in one transaction; `Conflict` if
    /// the name is taken.
    async fn connect_channel(
        &self,
        new: &NewChannel,
        link: &NewLink,
        now: Timestamp,
    ) -> Result<(Channel, ChannelLink), StoreError>;
    /// A channel's link with its sealed credentials; `NotFound` if the
    /// channel was never connected (an imported channel).
    async fn channel_link(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
    ) -> Result<(ChannelLink, SealedSecret), StoreError>;
    /// The links of a workspace, or of every workspace (for `/healthz`).
    async fn channel_links(
        &self,
        workspace: Option<WorkspaceId>,
    ) -> Result<Vec<ChannelLink>, StoreError>;
    /// Stores a page read live: the messages (as `upsert_messages`), the
    /// deletions, the cursor and the health, in one transaction checked
    /// against the job's fence. `Conflict` when the link was disconnected.
    async fn store_live_page(
        &self,
        workspace: WorkspaceId,
        batch: &[NewMessage],
        page: &LivePage<'_>,
    ) -> Result<Vec<Upserted>, StoreError>;
    /// Records how a read went (an error, a rate limit, token expiry).
    async fn record_sync(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
        report: &SyncReport,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Replaces the sealed credentials (after a token refresh).
    async fn reseal_channel(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
        secret: &SealedSecret,
        token_expires_at: Option<Timestamp>,
    ) -> Result<(), StoreError>;
    /// Disconnects: the credentials are wiped, the history stays.
    async fn disconnect_channel(
        &self,
        workspace: WorkspaceId,
        channel: ChannelId,
        now: Timestamp,
    ) -> Result<ChannelLink, StoreError>;

    /// One outbox item.
    async fn outbox_item(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
    ) -> Result<OutboxItem, StoreError>;
    /// Claims a queued item for sending (`queued → sending`, one attempt
    /// counted), fixing its idempotency key on the first attempt (a key
    /// already stored is kept). `None` when it is no longer queued.
    async fn begin_send(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
        key: &str,
        now: Timestamp,
    ) -> Result<Option<OutboxItem>, StoreError>;
    /// Moves an item `from → to` if it is still in `from`, with the network's
    /// id and link (`Sent`) or the reason (`detail`); audited. `None` when it
    /// had moved on.
    #[allow(clippy::too_many_arguments)]
    async fn settle_outbox(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
        from: OutboxState,
        to: OutboxState,
        remote: Option<(&str, Option<&str>)>,
        detail: Option<&str>,
        now: Timestamp,
    ) -> Result<Option<OutboxItem>, StoreError>;
    /// Whether an item in `sending` was abandoned: the worker that claimed it
    /// holds no live job lease any more, or it has been sending since before
    /// `stale`. `false` for an item in any other state.
    async fn sending_abandoned(
        &self,
        workspace: WorkspaceId,
        id: OutboxId,
        stale: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Items that need the sender (queued, unknown, or sending since before
    /// `stale`), oldest first.
    async fn outbox_due(&self, stale: Timestamp, limit: i64) -> Result<Vec<DueItem>, StoreError>;
    /// Stops (`true`) or resumes all sending of a workspace.
    async fn pause_sending(
        &self,
        workspace: WorkspaceId,
        paused: bool,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Since when a workspace's sending is stopped, if it is.
    async fn sending_paused(&self, workspace: WorkspaceId)
    -> Result<Option<Timestamp>, StoreError>;
}
