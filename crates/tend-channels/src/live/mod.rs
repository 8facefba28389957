//! Live connectors: one module per network, behind one contract.
//!
//! - [`Source`] reads: [`Source::pull`] fetches what happened since a
//!   [`Cursor`] (or, with none, backfills from a horizon) and hands it to a
//!   [`Sink`] page by page, each page with the cursor that covers it, so the
//!   caller can store the page and its cursor in one transaction (a restart
//!   neither loses nor repeats). Networks that push ([`Source::streams`]) keep
//!   the connection open until a deadline and hand over pages as they arrive.
//! - [`Publisher`] writes: publish, reply and delete, each with an idempotency
//!   key chosen *before* the first attempt ([`Publisher::new_key`]), and
//!   [`Publisher::lookup`], which asks the network whether an attempt whose
//!   outcome is unknown (timeout, crash) took effect.
//! - Every failure is a typed [`ChannelError`]; the runner decides from its
//!   variant whether to wait, retry, settle or give up.
//!
//! Raw API types never leave their module: each maps the network's payloads
//! to [`IncomingItem`]s and [`RemoteRef`]s. The set of networks is closed
//! ([`ChannelConfig`]); [`connect`] builds the connector for a configuration.

pub mod bluesky;
pub mod catalogue;
mod config;
mod connect;
pub mod discord;
pub mod discourse;
pub mod email;
mod error;
pub mod http;
pub mod linkedin;
pub mod mastodon;
pub mod matrix;
pub mod meta;
pub mod moderate;
pub mod oauth;
pub mod reddit;
pub mod rss;
pub mod simulated;
pub mod stackexchange;
pub mod telegram;
pub mod tiktok;
pub mod x;
pub mod youtube;

pub use config::{ChannelConfig, Credentials};
pub use connect::connect;
pub use error::ChannelError;

use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tend_domain::IncomingItem;

/// Where a channel's reading stopped, in the network's own terms (a since-id,
/// a `/sync` batch token, an IMAP UID, a firehose sequence). Opaque to
/// everyone but the connector that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor(pub String);

/// What one step of reading found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// New and edited messages (an edit is the same external id with new text).
    pub items: Vec<IncomingItem>,
    /// External ids the network says were deleted.
    pub deleted: Vec<String>,
    /// The cursor that covers this page: reading again from it starts after it.
    pub cursor: Option<Cursor>,
}

/// Why a sink refused a page (the store failed); the connector stops reading.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

/// Where a [`Source`] hands what it read.
#[async_trait]
pub trait Sink: Send {
    /// Takes one page; once this returns `Ok`, the page and its cursor are kept.
    async fn page(&mut self, page: Page) -> Result<(), SinkError>;
}

/// The bounds of one read.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    /// With no cursor yet: read back to this moment (the backfill horizon).
    pub backfill_from: Timestamp,
    /// When a streaming read must return (the runner queues the next one).
    pub until: std::time::Instant,
    /// At most this many pages in one pull (a long backfill continues in the
    /// next run from the cursor of the last page).
    pub max_pages: usize,
}

/// A network Tend reads from.
#[async_trait]
pub trait Source: Send + Sync {
    /// Reads what happened since `since` (with none: backfills from
    /// `window.backfill_from`) and hands it to `sink`, page by page.
    /// Answers whether more is waiting (a backfill cut by `max_pages`).
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError>;

    /// Whether [`Source::stream`] holds a connection open (firehose, `/sync`
    /// long-poll, IMAP IDLE, a streaming API) instead of polling.
    fn streams(&self) -> bool {
        false
    }

    /// Listens until `window.until`, handing over pages as they arrive. The
    /// default pulls once.
    async fn stream(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        self.pull(since, window, sink).await
    }
}

/// Whether a read stopped with more to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum More {
    /// Caught up.
    No,
    /// Stopped at `max_pages`; read again from the last cursor.
    Yes,
}

/// The message a reply answers, as the network knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyTarget {
    /// The message's external id.
    pub external_id: String,
    /// Its conversation root's external id, if it is not the root.
    pub thread_external_id: Option<String>,
    /// Its author's external id (an e-mail address, a DID, an account id).
    pub author_external_id: Option<String>,
    /// Its author's handle.
    pub author_handle: Option<String>,
    /// Its title (an e-mail's subject).
    pub title: Option<String>,
}

/// Something to publish: a post, or a reply when `reply_to` is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// The idempotency key, chosen by [`Publisher::new_key`] and stored before
    /// the first attempt; every attempt and every lookup uses the same one.
    pub key: String,
    /// The text.
    pub text: String,
    /// The message answered, for a reply.
    pub reply_to: Option<ReplyTarget>,
}

/// What the network calls a published item: its id, and its address when it
/// has one. "Sent" means Tend holds one of these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteRef {
    /// The network's id (a status id, an event id, an AT URI, a Message-ID).
    pub id: String,
    /// A link to it, where the network has one.
    pub url: Option<String>,
}

/// A network Tend writes to.
#[async_trait]
pub trait Publisher: Send + Sync {
    /// A fresh idempotency key in the form this network needs (a Bluesky
    /// record key must be a TID; an e-mail's is its Message-ID). `unique` is
    /// unique per outgoing item (the runner passes the outbox id and a random
    /// part). The default uses it as it is.
    fn new_key(&self, unique: &str, _now: Timestamp) -> String {
        unique.to_owned()
    }

    /// Publishes `post` once: the network's own idempotency mechanism makes a
    /// second attempt with the same key a no-op where it has one.
    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError>;

    /// Settles an attempt whose outcome is unknown: the published item if the
    /// network has it, `None` if it certainly does not, and
    /// `Err(ChannelError::Permanent(reason))` if the network offers no way to
    /// tell (no idempotency key, no read-back): the runner then leaves the
    /// item unknown with `reason` for the team and never sends it again.
    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError>;

    /// Deletes a published item; deleting one already gone succeeds.
    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError>;
}

/// What a connected channel can say about its account, for the health view.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AccountInfo {
    /// The account's handle as the network spells it.
    pub handle: Option<String>,
    /// When the credentials stop working, if they expire.
    pub token_expires_at: Option<Timestamp>,
    /// The longest text the network accepts, in its own unit.
    pub max_chars: Option<usize>,
}

/// A live channel: reads, writes, and checks its credentials.
#[async_trait]
pub trait Connector: Source + Publisher {
    /// Checks the credentials and the account (on connecting, and for health).
    async fn verify(&self) -> Result<AccountInfo, ChannelError>;

    /// The credentials after a refresh the connector did itself (an OAuth
    /// refresh, a new session), for the caller to store encrypted; `None` when
    /// nothing changed.
    fn refreshed(&self) -> Option<Credentials> {
        None
    }
}
