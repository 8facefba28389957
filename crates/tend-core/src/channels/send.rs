//! The sender: one outbox item at a time, exactly once.
//!
//! ```text
//! queued ──begin_send──▶ sending ──publish ok──────────▶ sent (network id)
//!   ▲                      │  ├─ refused / unauthorized ─▶ failed (reason)
//!   │                      │  ├─ rate limited ───────────▶ queued (run again later)
//!   │                      │  └─ timeout, 5xx, crash ────▶ unknown
//!   └──── lookup: not there ◀──────────────────────────────┘ lookup: there ─▶ sent
//! ```
//!
//! The idempotency key is fixed before the first attempt and every attempt
//! and lookup uses it, so a second attempt the network already has is
//! recognised (Mastodon's `Idempotency-Key`, Matrix's `txnId`, a Bluesky
//! record key, an e-mail's Message-ID). An item found in `sending` by a later
//! run had a sender that died mid-request: it becomes `unknown`, and only
//! the network's answer decides what happens next.
//!
//! Some networks cannot answer (Telegram: no idempotency key, and a bot
//! cannot read back what it sent). Their `lookup` says so with
//! `ChannelError::Permanent(reason)`: the item then stays `unknown` with that
//! reason shown to the team, and is never sent again on its own (a blind
//! retry could post it twice); a teammate checks the chat.

use super::{ChannelsError, Connectors, secrets::SecretBox};
use crate::jobs::{JobError, Outcome};
use jiff::{SignedDuration, Timestamp};
use tend_channels::live::{ChannelError, Outgoing, RemoteRef, ReplyTarget};
use tend_domain::{LinkState, OutboxId, OutboxItem, OutboxState, SyncReport, WorkspaceId};
use tend_store::StoreError;
use tend_store::prelude::*;

/// Attempts before a reply fails for good.
pub const MAX_SEND_ATTEMPTS: i64 = 8;

/// An item in `sending` whose worker still holds a live job lease is being
/// sent; one whose worker holds none (it died), or sending for longer than
/// this, was abandoned: a live sender finishes or gives up its request within
/// the connectors' request timeout (`tend_channels::live::http::REQUEST_TIMEOUT`,
/// 20 s).
pub const STALE_SENDING: SignedDuration = SignedDuration::from_secs(45);

/// How often a paused workspace's queued items look again.
const PAUSED_RECHECK: SignedDuration = SignedDuration::from_secs(15);

fn store_err(e: StoreError) -> JobError {
    JobError::transient(e)
}

/// Runs the sender for one item (the `SendReply` job).
pub async fn send(
    store: &dyn Store,
    secrets: Option<&SecretBox>,
    connectors: &Connectors,
    workspace: WorkspaceId,
    id: OutboxId,
    now: Timestamp,
) -> Result<Outcome, JobError> {
    let item = match store.outbox_item(workspace, id).await {
        Ok(item) => item,
        // The workspace or the message went away: nothing to send.
        Err(StoreError::NotFound) => return Ok(Outcome::Done),
        Err(e) => return Err(store_err(e)),
    };
    match item.state {
        OutboxState::Sent | OutboxState::Failed | OutboxState::Cancelled => Ok(Outcome::Done),
        OutboxState::Sending
            if !store
                .sending_abandoned(workspace, id, now - STALE_SENDING, now)
                .await
                .map_err(store_err)? =>
        {
            // Another run is sending it right now.
            Ok(Outcome::Later(now + SignedDuration::from_secs(5)))
        }
        OutboxState::Sending => {
            let Some(item) = store
                .settle_outbox(
                    workspace,
                    id,
                    OutboxState::Sending,
                    OutboxState::Unknown,
                    None,
                    Some("the sender stopped during the request; asking the network"),
                    now,
                )
                .await
                .map_err(store_err)?
            else {
                return Ok(Outcome::Done);
            };
            Sender::new(store, secrets, connectors, item, now)
                .await?
                .settle()
                .await
        }
        OutboxState::Unknown => {
            Sender::new(store, secrets, connectors, item, now)
                .await?
                .settle()
                .await
        }
        OutboxState::Queued => {
            if store
                .sending_paused(workspace)
                .await
                .map_err(store_err)?
                .is_some()
            {
                return Ok(Outcome::Later(now + PAUSED_RECHECK));
            }
            Sender::new(store, secrets, connectors, item, now)
                .await?
                .attempt()
                .await
        }
    }
}

/// What the network said about an attempt of unknown outcome.
enum Asked {
    /// It has the item.
    There(RemoteRef),
    /// It certainly does not.
    NotThere,
    /// It has no way to tell (the reason, for the team).
    CannotTell(String),
}

/// One item with its connector and what the network needs to know.
struct Sender<'a> {
    store: &'a dyn Store,
    item: OutboxItem,
    publisher: Option<std::sync::Arc<dyn tend_channels::live::Connector>>,
    why_not: Option<String>,
    rate_limited_until: Option<Timestamp>,
    target: ReplyTarget,
    now: Timestamp,
}

impl<'a> Sender<'a> {
    async fn new(
        store: &'a dyn Store,
        secrets: Option<&SecretBox>,
        connectors: &Connectors,
        item: OutboxItem,
        now: Timestamp,
    ) -> Result<Sender<'a>, JobError> {
        let ws = item.workspace_id;
        let message = store
            .message(ws, item.in_reply_to)
            .await
            .map_err(store_err)?;
        let author = match message.author_id {
            Some(a) => match store.identity(ws, a).await {
                Ok(identity) => Some(identity),
                Err(StoreError::NotFound) => None,
                Err(e) => return Err(store_err(e)),
            },
            None => None,
        };
        let target = ReplyTarget {
            external_id: message.external_id.clone(),
            thread_external_id: message.thread_external_id.clone(),
            author_external_id: author.as_ref().map(|a| a.external_id.clone()),
            author_handle: author.as_ref().map(|a| a.handle.clone()),
            title: message.title.clone(),
        };
        let (mut publisher, mut why_not, mut rate_limited_until) = (None, None, None);
        match store.channel_link(ws, item.channel_id).await {
            Ok((link, sealed)) if link.state == LinkState::Connected => {
                rate_limited_until = link.rate_limited_until.filter(|t| *t > now);
                match secrets {
                    None => {
                        why_not = Some(
                            "no secret key is configured to open the channel's credentials"
                                .to_owned(),
                        )
                    }
                    Some(secrets) => match connectors.get(secrets, &link, &sealed) {
                        Ok(c) => publisher = Some(c),
                        Err(e) => why_not = Some(e.to_string()),
                    },
                }
            }
            Ok(_) => {
                why_not =
                    Some("the channel was disconnected; connect it again, then retry".to_owned())
            }
            Err(StoreError::NotFound) => {
                why_not = Some(
                    "this channel is not connected to its network (it was imported); connect it in Settings → Channels, then retry"
                        .to_owned(),
                );
            }
            Err(e) => return Err(store_err(e)),
        }
        Ok(Sender {
            store,
            item,
            publisher,
            why_not,
            rate_limited_until,
            target,
            now,
        })
    }

    fn outgoing(&self, key: &str) -> Outgoing {
        Outgoing {
            key: key.to_owned(),
            text: self.item.text.clone(),
            reply_to: Some(self.target.clone()),
        }
    }

    async fn moved(
        &self,
        from: OutboxState,
        to: OutboxState,
        remote: Option<&RemoteRef>,
        detail: Option<&str>,
    ) -> Result<Option<OutboxItem>, JobError> {
        self.store
            .settle_outbox(
                self.item.workspace_id,
                self.item.id,
                from,
                to,
                remote.map(|r| (r.id.as_str(), r.url.as_deref())),
                detail,
                self.now,
            )
            .await
            .map_err(store_err)
    }

    async fn note_rate_limit(&self, until: Timestamp, reason: &str) {
        let report = SyncReport {
            error: Some(reason.to_owned()),
            rate_limited_until: Some(until),
            token_expires_at: None,
        };
        let _ = self
            .store
            .record_sync(
                self.item.workspace_id,
                self.item.channel_id,
                &report,
                self.now,
            )
            .await;
    }

    /// A queued item: one attempt.
    async fn attempt(self) -> Result<Outcome, JobError> {
        let Some(publisher) = self.publisher.clone() else {
            let why = self.why_not.clone().unwrap_or_default();
            self.moved(OutboxState::Queued, OutboxState::Failed, None, Some(&why))
                .await?;
            return Ok(Outcome::Done);
        };
        if let Some(until) = self.rate_limited_until {
            return Ok(Outcome::Later(until));
        }
        if self.item.attempts >= MAX_SEND_ATTEMPTS {
            let why = format!(
                "gave up after {} attempts; last error: {}",
                self.item.attempts,
                self.item.last_error.as_deref().unwrap_or("none")
            );
            self.moved(OutboxState::Queued, OutboxState::Failed, None, Some(&why))
                .await?;
            return Ok(Outcome::Done);
        }
        let fresh = format!(
            "tend-{}-{}-{}",
            self.item.workspace_id,
            self.item.id,
            &crate::access::random_secret()[..10]
        );
        let key = self
            .item
            .send_key
            .clone()
            .unwrap_or_else(|| publisher.new_key(&fresh, self.now));
        // The key is stored before the request leaves.
        let Some(item) = self
            .store
            .begin_send(self.item.workspace_id, self.item.id, &key, self.now)
            .await
            .map_err(store_err)?
        else {
            return Ok(Outcome::Done);
        };
        let key = item.send_key.clone().unwrap_or(key);
        let sender = Sender { item, ..self };
        let outgoing = sender.outgoing(&key);
        match publisher.publish(&outgoing).await {
            Ok(remote) => {
                sender
                    .moved(OutboxState::Sending, OutboxState::Sent, Some(&remote), None)
                    .await?;
                Ok(Outcome::Done)
            }
            Err(e) => sender.after_error(OutboxState::Sending, e).await,
        }
    }

    /// What an error means for an item in `from` (`sending` or `unknown`).
    async fn after_error(self, from: OutboxState, e: ChannelError) -> Result<Outcome, JobError> {
        let reason = e.to_string();
        match e {
            ChannelError::RateLimited { retry_after } => {
                let wait =
                    SignedDuration::try_from(retry_after).unwrap_or(SignedDuration::from_secs(60));
                let until = self.now + wait;
                self.note_rate_limit(until, &reason).await;
                // Nothing was done: back in the queue, same key.
                self.moved(from, OutboxState::Queued, None, Some(&reason))
                    .await?;
                Ok(Outcome::Later(until))
            }
            ChannelError::Unauthorized(_) | ChannelError::Permanent(_) => {
                if from == OutboxState::Unknown {
                    // A refusal on a retry may just be the network recognising
                    // the first attempt: ask before failing.
                    return self.settle_with_reason(&reason).await;
                }
                self.moved(from, OutboxState::Failed, None, Some(&reason))
                    .await?;
                Ok(Outcome::Done)
            }
            ChannelError::Transient(_) => {
                let Some(item) = self
                    .moved(from, OutboxState::Unknown, None, Some(&reason))
                    .await?
                else {
                    return Ok(Outcome::Done);
                };
                Sender { item, ..self }.settle().await
            }
        }
    }

    async fn settle_with_reason(self, reason: &str) -> Result<Outcome, JobError> {
        match self.lookup().await? {
            Asked::There(remote) => {
                self.moved(OutboxState::Unknown, OutboxState::Sent, Some(&remote), None)
                    .await?;
            }
            Asked::NotThere => {
                self.moved(
                    OutboxState::Unknown,
                    OutboxState::Failed,
                    None,
                    Some(reason),
                )
                .await?;
            }
            Asked::CannotTell(why) => self.stays_unknown(&why).await?,
        }
        Ok(Outcome::Done)
    }

    async fn lookup(&self) -> Result<Asked, JobError> {
        let (Some(publisher), Some(key)) = (&self.publisher, &self.item.send_key) else {
            return Err(JobError::transient(
                self.why_not
                    .clone()
                    .unwrap_or_else(|| "no idempotency key to look up".into()),
            ));
        };
        match publisher.lookup(&self.outgoing(key)).await {
            Ok(Some(remote)) => Ok(Asked::There(remote)),
            Ok(None) => Ok(Asked::NotThere),
            Err(ChannelError::Permanent(why)) => Ok(Asked::CannotTell(why)),
            Err(e) => Err(JobError::transient(format!("asking the network: {e}"))),
        }
    }

    /// The network cannot tell whether the item arrived: it stays `unknown`
    /// with the reason shown (written once, not again at every sweep).
    async fn stays_unknown(&self, why: &str) -> Result<(), JobError> {
        let reason = format!("outcome unknown, not sent again: {why}");
        if self.item.last_error.as_deref() != Some(reason.as_str()) {
            self.moved(
                OutboxState::Unknown,
                OutboxState::Unknown,
                None,
                Some(&reason),
            )
            .await?;
        }
        Ok(())
    }

    /// An item of unknown outcome: ask the network; sent if it has it, else
    /// queued again (same key) and attempted; left unknown if it cannot tell.
    async fn settle(self) -> Result<Outcome, JobError> {
        match self.lookup().await {
            Ok(Asked::There(remote)) => {
                self.moved(OutboxState::Unknown, OutboxState::Sent, Some(&remote), None)
                    .await?;
                Ok(Outcome::Done)
            }
            Ok(Asked::CannotTell(why)) => {
                self.stays_unknown(&why).await?;
                Ok(Outcome::Done)
            }
            Ok(Asked::NotThere) => {
                self.moved(
                    OutboxState::Unknown,
                    OutboxState::Queued,
                    None,
                    Some("not on the network; sending again with the same key"),
                )
                .await?;
                // Attempted again by the next run, after a backoff that grows
                // with the attempts (a failing network is not hammered).
                Ok(Outcome::Later(
                    self.now + crate::jobs::backoff(self.item.attempts.max(1)),
                ))
            }
            // The item stays unknown; the job retries with backoff.
            Err(e) => Err(e),
        }
    }
}

impl From<ChannelsError> for JobError {
    fn from(e: ChannelsError) -> JobError {
        match e {
            ChannelsError::Store(e) => JobError::transient(e),
            other => JobError::permanent(other),
        }
    }
}
