//! What a source delivers before Tend stores it: messages with their authors as the
//! platform describes them (not yet resolved to identities), authors seen without a
//! message, and items the source says exist but did not deliver. Importers and
//! connectors produce these; the ingest pipeline turns them into stored rows.

use crate::{ChannelKind, Direction, Engagement, MessageKind, Rating};
use jiff::Timestamp;
use serde::Serialize;

/// One item from a source.
// Nearly every item is a message, so boxing it to shrink the rare variants would
// cost an allocation per message for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IncomingItem {
    /// A message (post, comment, reply …).
    Message(IncomingMessage),
    /// A platform user seen without a message (e.g. Stack Exchange `Users.xml`).
    Author(IncomingAuthor),
    /// A message the source says exists but did not deliver (a Reddit `more` stub):
    /// recorded so the thread view can say what is missing.
    Missing(MissingItem),
}

/// A message as the platform describes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncomingMessage {
    /// The platform's id, unique per channel.
    pub external_id: String,
    /// What kind of item.
    pub kind: MessageKind,
    /// Inbound (from the community) or outbound (from the brand's own account).
    pub direction: Direction,
    /// The platform's id of the conversation root, if this is not the root.
    pub thread_external_id: Option<String>,
    /// The platform's id of the parent, if any.
    pub parent_external_id: Option<String>,
    /// Who wrote it; `None` when the platform hides it (deleted accounts).
    pub author: Option<IncomingAuthor>,
    /// Title, if any.
    pub title: Option<String>,
    /// The text, as plain text (HTML converted by the importer).
    pub text: String,
    /// ISO 639-1 language code, when the platform reports one.
    pub lang: Option<String>,
    /// When it was written.
    pub created_at: Timestamp,
    /// When it was last edited, if ever.
    pub edited_at: Option<Timestamp>,
    /// Link on the platform.
    pub permalink: Option<String>,
    /// Engagement counts.
    pub engagement: Engagement,
    /// A review's star rating, when the platform gives one.
    pub rating: Option<Rating>,
}

/// A platform user as the platform describes them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncomingAuthor {
    /// The platform.
    pub platform: ChannelKind,
    /// The platform's stable user id (the handle where there is none).
    pub external_id: String,
    /// The handle (`alice`, `alice@mastodon.social`).
    pub handle: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Profile link.
    pub profile_url: Option<String>,
    /// Followers or a follower-like figure (Stack Exchange reputation).
    pub followers: Option<i64>,
    /// Verified by the platform.
    pub verified: bool,
    /// E-mail, where disclosed.
    pub email: Option<String>,
}

/// A message known to exist but not delivered.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MissingItem {
    /// The platform's id of the missing message.
    pub external_id: String,
    /// Its parent, when known.
    pub parent_external_id: Option<String>,
}
