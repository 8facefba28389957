//! Live channels: connecting a channel to its network, reading it live, and
//! sending what the team writes there exactly once.
//!
//! - **Connecting** ([`connect`]) checks the credentials with the network
//!   (`Connector::verify`), seals them ([`secrets::SecretBox`]) and stores the
//!   channel and its link together; a recurring [`Job::SyncChannel`] then
//!   reads it (streaming networks in the stream lane). Disconnecting wipes
//!   the credentials and ends the reads; the history stays.
//! - **Reading** ([`sync`]) hands every page to the ingest pipeline with its
//!   cursor, in one transaction, so moderation, listening and the live inbox
//!   see live messages exactly as they see imports, and a restart neither
//!   loses nor repeats one.
//! - **Sending** ([`send`]): every reply leaves through the outbox,
//!   `queued → sending → sent | failed | unknown`. An attempt whose outcome
//!   is not known is settled by asking the network (`Publisher::lookup`)
//!   with the idempotency key chosen before the first attempt, never by a
//!   blind retry. "Sent" means the network returned its id.
//! - [`Job::SweepChannels`] repairs what a crash can leave: a connected
//!   channel without its read job, an outbox item without its send job.

pub mod health;
pub mod oauth;
pub mod secrets;
pub mod send;
pub mod sync;

use crate::jobs::Job;
use crate::team::permissions::{Actor, Forbidden, Permission};
use jiff::{SignedDuration, Timestamp};
use secrets::{SecretBox, SecretError};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tend_channels::live::{self, ChannelConfig, ChannelError, Connector, Credentials};
use tend_domain::{
    Channel, ChannelId, ChannelLink, LinkState, NewChannel, OutboxId, OutboxItem, OutboxState,
    SealedSecret, WorkspaceId,
};
use tend_store::jobs::{Lane, NewJob};
use tend_store::prelude::*;
use tend_store::{NewLink, StoreError};

/// Days a new channel reads back unless told otherwise.
pub const DEFAULT_BACKFILL_DAYS: i64 = 7;

/// Why a channel operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ChannelsError {
    /// The actor's role may not do this.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// The request is not valid (settings, name, state).
    #[error("{0}")]
    Invalid(String),
    /// The network refused or failed.
    #[error("{0}")]
    Network(#[from] ChannelError),
    /// The credentials could not be sealed or opened.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// Storage failed (`NotFound` for another workspace's channel).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an admin gives to connect a channel.
#[derive(Debug, Clone)]
pub struct Connect {
    /// The channel's name in Tend.
    pub name: String,
    /// The network and its settings.
    pub config: ChannelConfig,
    /// The secrets.
    pub credentials: Credentials,
    /// Days to read back (default [`DEFAULT_BACKFILL_DAYS`]).
    pub backfill_days: Option<i64>,
}

/// A live channel as the Channels page and the API show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChannelStatus {
    /// The channel.
    pub channel: Channel,
    /// Its link, when it is (or was) connected live; `None` for imports.
    pub link: Option<ChannelLink>,
}

/// The key of a channel's recurring read.
pub fn sync_key(channel: ChannelId) -> String {
    format!("sync:{channel}")
}

/// The recurring read of a channel: every poll interval, or (streaming) at
/// once again each time a stream window ends, in the stream lane.
pub fn sync_job(
    workspace: WorkspaceId,
    channel: ChannelId,
    config: &ChannelConfig,
    streams: bool,
    now: Timestamp,
) -> NewJob {
    let every = SignedDuration::try_from(config.poll_every())
        .unwrap_or(SignedDuration::from_secs(60))
        .max(SignedDuration::from_secs(1));
    let mut job =
        crate::jobs::schedule::recurring(&Job::SyncChannel { workspace, channel }, every, now);
    job.workspace = Some(workspace);
    job.key = Some(sync_key(channel));
    job.lane = if streams { Lane::Stream } else { Lane::Default };
    job
}

/// The job that sends `item` (its key names the attempt, so a teammate's
/// retry queues a new one while a duplicate enqueue is a no-op). It is due
/// at once whatever the clock says.
pub fn send_job(item: &OutboxItem) -> NewJob {
    send_job_for(item.workspace_id, item.id, item.attempts)
}

/// [`send_job`] from an item's workspace, id and attempts so far.
fn send_job_for(workspace: WorkspaceId, outbox: OutboxId, attempts: i64) -> NewJob {
    Job::SendReply { workspace, outbox }.once(
        Some(format!("send:{outbox}:{attempts}")),
        Timestamp::UNIX_EPOCH,
    )
}

/// Queues the send job of a freshly queued item. A failure is logged, not
/// returned: the item is queued, and the sweep queues its job later.
pub async fn queue_send(store: &dyn Store, item: &OutboxItem, now: Timestamp) {
    if item.state != OutboxState::Queued {
        return;
    }
    if let Err(e) = store.enqueue_job(&send_job(item), now).await {
        tracing::warn!(outbox = %item.id, error = %e, "queuing the send failed; the sweep will");
    }
}

/// Connects a channel: checks the credentials with the network, seals them,
/// stores the channel with its link and schedules its reads. Admins only.
pub async fn connect(
    store: &dyn Store,
    secrets: &SecretBox,
    actor: Actor,
    request: Connect,
    now: Timestamp,
) -> Result<ChannelStatus, ChannelsError> {
    actor.require(Permission::Administer)?;
    request.config.validate()?;
    let backfill_days = request.backfill_days.unwrap_or(DEFAULT_BACKFILL_DAYS);
    if !(0..=365).contains(&backfill_days) {
        return Err(ChannelsError::Invalid(
            "backfill_days must be between 0 and 365".into(),
        ));
    }
    let connector = live::connect(&request.config, &request.credentials)?;
    let account = connector.verify().await?;
    let mut new = NewChannel::new(actor.workspace, request.config.kind(), &request.name)
        .map_err(|e| ChannelsError::Invalid(e.to_string()))?;
    new.handle = account.handle.clone();
    new.settings
        .insert("live".into(), request.config.network().into());
    let config = serde_json::to_string(&request.config)
        .map_err(|e| ChannelsError::Invalid(e.to_string()))?;
    let link = NewLink {
        network: request.config.network().to_owned(),
        config,
        secret: secrets.seal(&request.credentials),
        backfill_days,
        token_expires_at: account.token_expires_at,
    };
    let (channel, link) = store.connect_channel(&new, &link, now).await?;
    let job = sync_job(
        actor.workspace,
        channel.id,
        &request.config,
        connector.streams(),
        now,
    );
    // A failure here is repaired by the sweep (the link is connected).
    if let Err(e) = store.ensure_recurring(&job, now).await {
        tracing::warn!(channel = %channel.id, error = %e, "scheduling the reads failed; the sweep will");
    }
    Ok(ChannelStatus {
        channel,
        link: Some(link),
    })
}

/// Every channel of the workspace with its live status. Admins only.
pub async fn list(store: &dyn Store, actor: Actor) -> Result<Vec<ChannelStatus>, ChannelsError> {
    actor.require(Permission::Administer)?;
    let mut links: HashMap<ChannelId, ChannelLink> = store
        .channel_links(Some(actor.workspace))
        .await?
        .into_iter()
        .map(|l| (l.channel_id, l))
        .collect();
    Ok(store
        .channels(actor.workspace)
        .await?
        .into_iter()
        .map(|channel| ChannelStatus {
            link: links.remove(&channel.id),
            channel,
        })
        .collect())
}

/// One channel with its live status. Admins only.
pub async fn status(
    store: &dyn Store,
    actor: Actor,
    channel: ChannelId,
) -> Result<ChannelStatus, ChannelsError> {
    actor.require(Permission::Administer)?;
    let channel = store.channel(actor.workspace, channel).await?;
    let link = match store.channel_link(actor.workspace, channel.id).await {
        Ok((link, _)) => Some(link),
        Err(StoreError::NotFound) => None,
        Err(e) => return Err(e.into()),
    };
    Ok(ChannelStatus { channel, link })
}

/// Reads a live channel now (queues its read at once). Admins only.
pub async fn sync_now(
    store: &dyn Store,
    actor: Actor,
    channel: ChannelId,
    now: Timestamp,
) -> Result<(), ChannelsError> {
    let status = status(store, actor, channel).await?;
    match status.link {
        Some(link) if link.state == LinkState::Connected => {
            let job = Job::SyncChannel {
                workspace: actor.workspace,
                channel,
            }
            .once(
                Some(format!("sync-now:{channel}:{}", now.as_millisecond())),
                Timestamp::UNIX_EPOCH,
            );
            store.enqueue_job(&job, now).await?;
            Ok(())
        }
        _ => Err(ChannelsError::Invalid(
            "this channel is not connected to its network".into(),
        )),
    }
}

/// Disconnects a channel: credentials wiped, reads stopped, history kept.
/// Admins only.
pub async fn disconnect(
    store: &dyn Store,
    actor: Actor,
    channel: ChannelId,
    now: Timestamp,
) -> Result<ChannelLink, ChannelsError> {
    actor.require(Permission::Administer)?;
    let link = store
        .disconnect_channel(actor.workspace, channel, now)
        .await?;
    store.delete_job(&sync_key(channel)).await?;
    Ok(link)
}

/// Stops (or resumes) all sending of the workspace; queued items wait.
/// Admins and social media managers (who run the crisis pause).
pub async fn pause_sending(
    store: &dyn Store,
    actor: Actor,
    paused: bool,
    now: Timestamp,
) -> Result<(), ChannelsError> {
    actor.require(Permission::MakeRulesLive)?;
    store.pause_sending(actor.workspace, paused, now).await?;
    Ok(())
}

/// Cancels a queued reply (whoever may reply).
pub async fn cancel(
    store: &dyn Store,
    actor: Actor,
    id: OutboxId,
) -> Result<OutboxItem, ChannelsError> {
    actor.require(Permission::Reply)?;
    Ok(store
        .move_outbox(
            actor.workspace,
            id,
            OutboxState::Cancelled,
            actor.author(),
            None,
        )
        .await?)
}

/// Queues a failed reply again, with the same idempotency key.
pub async fn retry(
    store: &dyn Store,
    actor: Actor,
    id: OutboxId,
    now: Timestamp,
) -> Result<OutboxItem, ChannelsError> {
    actor.require(Permission::Reply)?;
    let item = store
        .move_outbox(
            actor.workspace,
            id,
            OutboxState::Queued,
            actor.author(),
            None,
        )
        .await?;
    queue_send(store, &item, now).await;
    Ok(item)
}

/// Connectors built once per process and channel (a network session is
/// reused), rebuilt when the settings or credentials change.
#[derive(Default, Clone)]
pub struct Connectors {
    built: Arc<Mutex<HashMap<ChannelId, Built>>>,
}

/// A connector with the fingerprint of the settings and credentials it was
/// built from.
type Built = (String, Arc<dyn Connector>);

impl std::fmt::Debug for Connectors {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connectors(..)")
    }
}

impl Connectors {
    /// The connector of `link`, opening its credentials with `secrets`.
    pub fn get(
        &self,
        secrets: &SecretBox,
        link: &ChannelLink,
        sealed: &SealedSecret,
    ) -> Result<Arc<dyn Connector>, ChannelsError> {
        let fingerprint = format!("{}\u{0}{}", link.config, sealed.0);
        if let Ok(built) = self.built.lock()
            && let Some((seen, connector)) = built.get(&link.channel_id)
            && *seen == fingerprint
        {
            return Ok(Arc::clone(connector));
        }
        let config: ChannelConfig = serde_json::from_str(&link.config).map_err(|e| {
            ChannelsError::Invalid(format!("the channel's settings are unreadable: {e}"))
        })?;
        let credentials = secrets.open(sealed)?;
        let connector: Arc<dyn Connector> = Arc::from(live::connect(&config, &credentials)?);
        if let Ok(mut built) = self.built.lock() {
            built.insert(link.channel_id, (fingerprint, Arc::clone(&connector)));
        }
        Ok(connector)
    }
}

/// Repairs what a crash can leave behind (see the module docs). Returns how
/// many jobs it queued.
pub async fn sweep(
    store: &dyn Store,
    secrets: Option<&SecretBox>,
    connectors: &Connectors,
    now: Timestamp,
) -> Result<usize, StoreError> {
    let mut queued = 0;
    if let Some(secrets) = secrets {
        for link in store.channel_links(None).await? {
            if link.state != LinkState::Connected {
                continue;
            }
            let Ok((_, sealed)) = store.channel_link(link.workspace_id, link.channel_id).await
            else {
                continue;
            };
            let Ok(connector) = connectors.get(secrets, &link, &sealed) else {
                continue;
            };
            let Ok(config) = serde_json::from_str::<ChannelConfig>(&link.config) else {
                continue;
            };
            let job = sync_job(
                link.workspace_id,
                link.channel_id,
                &config,
                connector.streams(),
                now,
            );
            store.ensure_recurring(&job, now).await?;
        }
    }
    // Items in `sending` for longer than this had a sender that died.
    let stale = now - SignedDuration::from_mins(5);
    for due in store.outbox_due(stale, 1_000).await? {
        let job = send_job_for(due.workspace, due.id, due.attempts);
        if store.enqueue_job(&job, now).await? {
            queued += 1;
        }
    }
    Ok(queued)
}
