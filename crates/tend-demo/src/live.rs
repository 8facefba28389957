//! The demo's live channel: Tend's simulated network (`simulated` in
//! `tend-channels`), connected through the same use case as any channel, so
//! a newcomer sees the inbox fill by itself and a reply go out without an
//! outside account. Its name says it is simulated.

use jiff::Timestamp;
use tend_channels::live::{ChannelConfig, Credentials};
use tend_core::channels::{self, ChannelStatus, ChannelsError, Connect, secrets::SecretBox};
use tend_core::team::Actor;
use tend_domain::{Role, WorkspaceId};
use tend_store::prelude::*;

/// The live channel's name.
pub const LIVE_CHANNEL: &str = "Live demo (simulated network)";

/// Seconds between two simulated member messages.
pub const LIVE_EVERY_SECS: u64 = 5;

/// Connects the simulated live channel to the demo workspace, unless it is
/// there already (connected or not: a channel an admin disconnected stays
/// so). Answers the channel when it connected one.
pub async fn connect_live(
    store: &dyn Store,
    secrets: &SecretBox,
    workspace: WorkspaceId,
    now: Timestamp,
) -> Result<Option<ChannelStatus>, ChannelsError> {
    if store
        .channels(workspace)
        .await?
        .iter()
        .any(|c| c.name == LIVE_CHANNEL)
    {
        return Ok(None);
    }
    let actor = Actor::system("demo", workspace, Role::Admin);
    let request = Connect {
        name: LIVE_CHANNEL.to_owned(),
        config: ChannelConfig::Simulated {
            every_secs: LIVE_EVERY_SECS,
        },
        credentials: Credentials::None,
        // The inbox fills from now on, message by message.
        backfill_days: Some(0),
    };
    channels::connect(store, secrets, actor, request, now)
        .await
        .map(Some)
}
