//! Channels: one account on one platform that Tend reads from or posts to.

use crate::{ChannelId, ValidationError, WorkspaceId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The platforms a channel can be on. The set is closed: adding one is a code change
/// (a connector module), not configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ChannelKind {
    /// X (Twitter).
    X,
    /// Facebook pages and groups.
    Facebook,
    /// Instagram.
    Instagram,
    /// LinkedIn.
    Linkedin,
    /// TikTok.
    Tiktok,
    /// YouTube.
    Youtube,
    /// Threads.
    Threads,
    /// Reddit.
    Reddit,
    /// Discourse forums.
    Discourse,
    /// Stack Exchange sites.
    Stackexchange,
    /// Quora.
    Quora,
    /// Discord.
    Discord,
    /// Slack.
    Slack,
    /// Matrix.
    Matrix,
    /// Telegram.
    Telegram,
    /// Mastodon and the fediverse.
    Mastodon,
    /// Bluesky.
    Bluesky,
    /// E-mail.
    Email,
    /// RSS / Atom feeds and blogs.
    Rss,
    /// Review sites.
    Reviews,
    /// Tend's own ideas board.
    Ideas,
    /// Anything else (generic imports).
    Other,
}

impl ChannelKind {
    /// Every kind, in display order.
    pub const ALL: [ChannelKind; 22] = [
        ChannelKind::X,
        ChannelKind::Facebook,
        ChannelKind::Instagram,
        ChannelKind::Linkedin,
        ChannelKind::Tiktok,
        ChannelKind::Youtube,
        ChannelKind::Threads,
        ChannelKind::Reddit,
        ChannelKind::Discourse,
        ChannelKind::Stackexchange,
        ChannelKind::Quora,
        ChannelKind::Discord,
        ChannelKind::Slack,
        ChannelKind::Matrix,
        ChannelKind::Telegram,
        ChannelKind::Mastodon,
        ChannelKind::Bluesky,
        ChannelKind::Email,
        ChannelKind::Rss,
        ChannelKind::Reviews,
        ChannelKind::Ideas,
        ChannelKind::Other,
    ];

    /// The stable lowercase name used in storage, URLs and the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelKind::X => "x",
            ChannelKind::Facebook => "facebook",
            ChannelKind::Instagram => "instagram",
            ChannelKind::Linkedin => "linkedin",
            ChannelKind::Tiktok => "tiktok",
            ChannelKind::Youtube => "youtube",
            ChannelKind::Threads => "threads",
            ChannelKind::Reddit => "reddit",
            ChannelKind::Discourse => "discourse",
            ChannelKind::Stackexchange => "stackexchange",
            ChannelKind::Quora => "quora",
            ChannelKind::Discord => "discord",
            ChannelKind::Slack => "slack",
            ChannelKind::Matrix => "matrix",
            ChannelKind::Telegram => "telegram",
            ChannelKind::Mastodon => "mastodon",
            ChannelKind::Bluesky => "bluesky",
            ChannelKind::Email => "email",
            ChannelKind::Rss => "rss",
            ChannelKind::Reviews => "reviews",
            ChannelKind::Ideas => "ideas",
            ChannelKind::Other => "other",
        }
    }

    /// Parses the stable name (case-insensitive; `twitter` is accepted for `x`).
    pub fn parse(s: &str) -> Result<ChannelKind, ValidationError> {
        let lower = s.trim().to_ascii_lowercase();
        if lower == "twitter" {
            return Ok(ChannelKind::X);
        }
        ChannelKind::ALL
            .into_iter()
            .find(|k| k.as_str() == lower)
            .ok_or_else(|| ValidationError::new("kind", format!("unknown channel kind {s:?}")))
    }
}

impl std::fmt::Display for ChannelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A channel as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Channel {
    /// Its id.
    pub id: ChannelId,
    /// The workspace it belongs to.
    pub workspace_id: WorkspaceId,
    /// The platform.
    pub kind: ChannelKind,
    /// Display name, unique within the workspace (e.g. "Support forum").
    pub name: String,
    /// The brand's account handle on the platform (e.g. `@acme`), if any.
    pub handle: Option<String>,
    /// Connector settings (instance URL, limits …); secrets are not stored here.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub settings: serde_json::Map<String, serde_json::Value>,
    /// When it was created.
    pub created_at: Timestamp,
}

/// What is needed to create a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChannel {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The platform.
    pub kind: ChannelKind,
    /// Display name.
    pub name: String,
    /// Brand account handle.
    pub handle: Option<String>,
    /// Connector settings.
    pub settings: serde_json::Map<String, serde_json::Value>,
}

impl NewChannel {
    /// A channel with no handle and no settings; the name must not be blank.
    pub fn new(
        workspace_id: WorkspaceId,
        kind: ChannelKind,
        name: &str,
    ) -> Result<NewChannel, ValidationError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(ValidationError::new("name", "must be 1-200 characters"));
        }
        Ok(NewChannel {
            workspace_id,
            kind,
            name: name.to_owned(),
            handle: None,
            settings: serde_json::Map::new(),
        })
    }
}

/// Whether a live channel is connected to its network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum LinkState {
    /// Read and written live.
    Connected,
    /// Disconnected by an admin: its history stays, its credentials are gone.
    Disconnected,
}

impl LinkState {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkState::Connected => "connected",
            LinkState::Disconnected => "disconnected",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Result<LinkState, ValidationError> {
        match s {
            "connected" => Ok(LinkState::Connected),
            "disconnected" => Ok(LinkState::Disconnected),
            _ => Err(ValidationError::new(
                "state",
                format!("unknown link state {s:?}"),
            )),
        }
    }
}

/// How a channel is connected to its network, and how that is going. The
/// credentials are sealed (encrypted by `tend-core`); nothing here is secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelLink {
    /// The channel.
    pub channel_id: ChannelId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// The network's name (`mastodon`, `bluesky`, `simulated` …).
    pub network: String,
    /// The connector's settings (JSON of its `ChannelConfig`).
    pub config: String,
    /// Connected or not.
    pub state: LinkState,
    /// Where reading stopped (the connector's own form).
    pub cursor: Option<String>,
    /// How many days connecting reads back.
    pub backfill_days: i64,
    /// The last read, successful or not.
    pub last_sync_at: Option<Timestamp>,
    /// The last successful read.
    pub last_ok_at: Option<Timestamp>,
    /// The last error, in words a teammate can act on.
    pub last_error: Option<String>,
    /// When that error happened.
    pub last_error_at: Option<Timestamp>,
    /// When the credentials expire, where they do.
    pub token_expires_at: Option<Timestamp>,
    /// Until when the network asked us to wait.
    pub rate_limited_until: Option<Timestamp>,
    /// Messages received live so far.
    pub received: i64,
    /// When it was connected.
    pub connected_at: Timestamp,
    /// When it was disconnected.
    pub disconnected_at: Option<Timestamp>,
}

/// The credentials of a channel, encrypted; only `tend-core` can open them.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret(pub String);

impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealedSecret(..)")
    }
}

/// What a sync reports for the health view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SyncReport {
    /// The error, when the read failed.
    pub error: Option<String>,
    /// When the network lets us in again, when it asked us to wait.
    pub rate_limited_until: Option<Timestamp>,
    /// When the credentials expire, when the connector knows.
    pub token_expires_at: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_name() {
        for kind in ChannelKind::ALL {
            assert_eq!(ChannelKind::parse(kind.as_str()).unwrap(), kind);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(ChannelKind::parse("Twitter").unwrap(), ChannelKind::X);
        assert!(ChannelKind::parse("myspace").is_err());
    }
}
