//! Reading a live channel (the `SyncChannel` job): the connector pulls (or
//! streams) pages since the stored cursor, and each page goes through the
//! ingest pipeline with its cursor in one transaction.
//!
//! A streaming read holds its connection for [`STREAM_WINDOW`] and then
//! returns, so the job is queued again at once (a worker of the stream lane
//! picks it up); if the process dies, the lease expires and another process
//! reads on from the last stored cursor.

use super::{ChannelsError, Connectors, secrets::SecretBox, sync_key};
use crate::ingest::ingest_live_page;
use crate::jobs::{JobError, Outcome};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::time::{Duration, Instant};
use tend_channels::live::{ChannelError, Cursor, More, Page, Sink, SinkError, Window};
use tend_domain::{Channel, ChannelId, LinkState, SyncReport, WorkspaceId};
use tend_store::LivePage;
use tend_store::StoreError;
use tend_store::prelude::*;

/// How long one streaming read holds its connection.
pub const STREAM_WINDOW: Duration = Duration::from_secs(20);

/// Pages one pull reads before yielding (a long backfill continues at once
/// in the next run, from the cursor of the last page).
pub const PAGES_PER_RUN: usize = 50;

/// Hands pages to the ingest pipeline.
struct StoreSink<'a> {
    store: &'a dyn Store,
    channel: Channel,
    clock: &'a tend_domain::Clock,
    received: u64,
}

#[async_trait]
impl Sink for StoreSink<'_> {
    async fn page(&mut self, page: Page) -> Result<(), SinkError> {
        let Page {
            items,
            deleted,
            cursor,
        } = page;
        let live = LivePage {
            channel: self.channel.id,
            cursor: cursor.as_ref().map(|c| c.0.as_str()),
            deleted: &deleted,
            now: self.clock.now(),
        };
        let (report, _) = ingest_live_page(self.store, &self.channel, items, &live)
            .await
            .map_err(|e| SinkError(e.to_string()))?;
        if !report.rejected.is_empty() {
            tracing::warn!(
                channel = %self.channel.id,
                rejected = report.rejected.len(),
                first = %report.rejected[0],
                "a live page had items that were refused"
            );
        }
        self.received += report.created;
        Ok(())
    }
}

/// Reads one channel (the `SyncChannel` job).
pub async fn sync(
    store: &dyn Store,
    secrets: Option<&SecretBox>,
    connectors: &Connectors,
    clock: &tend_domain::Clock,
    workspace: WorkspaceId,
    channel: ChannelId,
) -> Result<Outcome, JobError> {
    let now = clock.now();
    let (link, sealed) = match store.channel_link(workspace, channel).await {
        Ok(found) => found,
        Err(StoreError::NotFound) => {
            // The channel is gone: so are its reads.
            let _ = store.delete_job(&sync_key(channel)).await;
            return Ok(Outcome::Done);
        }
        Err(e) => return Err(JobError::transient(e)),
    };
    if link.state != LinkState::Connected {
        let _ = store.delete_job(&sync_key(channel)).await;
        return Ok(Outcome::Done);
    }
    if let Some(until) = link.rate_limited_until
        && until > now
    {
        return Ok(Outcome::Later(until));
    }
    let record = |error: Option<String>, rate_limited_until: Option<Timestamp>| {
        let report = SyncReport {
            error,
            rate_limited_until,
            token_expires_at: None,
        };
        async move { store.record_sync(workspace, channel, &report, now).await }
    };
    let Some(secrets) = secrets else {
        let why = "no secret key is configured to open the channel's credentials";
        record(Some(why.into()), None)
            .await
            .map_err(JobError::transient)?;
        return Err(JobError::transient(why));
    };
    let connector = match connectors.get(secrets, &link, &sealed) {
        Ok(c) => c,
        Err(e) => {
            let why = e.to_string();
            record(Some(why.clone()), None)
                .await
                .map_err(JobError::transient)?;
            return Err(JobError::transient(why));
        }
    };
    let channel_row = store
        .channel(workspace, channel)
        .await
        .map_err(JobError::transient)?;
    let streams = connector.streams();
    let window = Window {
        backfill_from: now - SignedDuration::from_hours(24 * link.backfill_days.max(0)),
        until: Instant::now()
            + if streams {
                STREAM_WINDOW
            } else {
                Duration::ZERO
            },
        max_pages: PAGES_PER_RUN,
    };
    let since = link.cursor.clone().map(Cursor);
    let mut sink = StoreSink {
        store,
        channel: channel_row,
        clock,
        received: 0,
    };
    let result = if streams {
        connector.stream(since.as_ref(), &window, &mut sink).await
    } else {
        connector.pull(since.as_ref(), &window, &mut sink).await
    };
    if let Some(refreshed) = connector.refreshed() {
        let sealed = secrets.seal(&refreshed);
        if let Err(e) = store
            .reseal_channel(workspace, channel, &sealed, None)
            .await
        {
            tracing::warn!(channel = %channel, error = %e, "storing refreshed credentials failed");
        }
    }
    if sink.received > 0 {
        tracing::debug!(channel = %channel, received = sink.received, "live messages stored");
    }
    match result {
        Ok(more) => {
            record(None, None).await.map_err(JobError::transient)?;
            Ok(if more == More::Yes || streams {
                Outcome::More
            } else {
                Outcome::Done
            })
        }
        Err(ChannelError::RateLimited { retry_after }) => {
            let until = now
                + SignedDuration::try_from(retry_after).unwrap_or(SignedDuration::from_secs(60));
            let why = format!("rate limited by the network until {until}");
            record(Some(why), Some(until))
                .await
                .map_err(JobError::transient)?;
            Ok(Outcome::Later(until))
        }
        Err(e) => {
            let why = match &e {
                ChannelError::Unauthorized(_) => {
                    format!("{e} (an admin must reconnect the channel)")
                }
                _ => e.to_string(),
            };
            record(Some(why.clone()), None)
                .await
                .map_err(JobError::transient)?;
            // A recurring job never dies: it backs off and /healthz says so.
            Err(JobError::transient(why))
        }
    }
}

impl From<ChannelsError> for SinkError {
    fn from(e: ChannelsError) -> SinkError {
        SinkError(e.to_string())
    }
}
