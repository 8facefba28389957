//! Listening: topics (named queries in `tend-listen`'s language), what matched
//! them, and the spike alerts raised on them. The query language and the matcher
//! live in `tend-listen`; here are only the records.

use crate::ids::{AlertId, IdentityId, MessageId, TopicId, UserId, WorkspaceId};
use crate::message::str_enum;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What a topic stands for; share of voice compares the brand with its competitors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TopicRole {
    /// The brand itself.
    Brand,
    /// One of the brand's products.
    Product,
    /// A competitor.
    Competitor,
    /// A campaign or its hashtag.
    Campaign,
    /// Anything else worth following.
    #[default]
    Other,
}
str_enum!(TopicRole { Brand => "brand", Product => "product", Competitor => "competitor", Campaign => "campaign", Other => "other" });

/// A named query a workspace follows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Topic {
    pub id: TopicId,
    pub workspace_id: WorkspaceId,
    /// Shown on dashboards ("Lumora Hub", "Glimmr").
    pub name: String,
    /// The query, as written (see `docs/query-language.md`).
    pub query: String,
    pub role: TopicRole,
    /// 1 at creation, raised whenever the query changes (which restarts the backfill).
    pub revision: i64,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// How far matching over the stored history has come.
    pub backfill: Backfill,
    /// Raised whenever the topic's figures change on a day before the day of the
    /// change (backfill, edits of old messages): cached sums of past days are
    /// valid while it stays the same.
    pub history_version: i64,
}

/// Progress of matching a topic over the messages stored before it was created
/// or changed. New messages are matched as they arrive, whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Backfill {
    /// Messages of the history looked at so far.
    pub done: i64,
    /// Messages in the history (ids up to the topic's cut-off).
    pub total: i64,
    /// True once every message of the history has been looked at.
    pub finished: bool,
}

impl Backfill {
    /// Progress in per cent, 100 when finished.
    pub fn percent(&self) -> u8 {
        if self.finished || self.total <= 0 {
            return 100;
        }
        ((self.done.clamp(0, self.total) * 100) / self.total) as u8
    }
}

/// A topic to create or change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewTopic {
    pub name: String,
    pub query: String,
    #[serde(default)]
    pub role: TopicRole,
}

/// Sentiment of a matched message as a small integer: −1, 0 or 1.
pub type Polarity = i8;

/// What the listener found out about one message, to store for every topic it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchFacts {
    pub message_id: MessageId,
    pub created_at: Timestamp,
    pub author_id: Option<IdentityId>,
    /// −1 negative, 0 neutral or unscored, 1 positive.
    pub polarity: Polarity,
    /// Likes + shares + replies.
    pub engagement: i64,
    /// An inbound question whose author is not (yet) a member of the community.
    pub to_answer: bool,
    /// The message's terms for "top terms": folded content words and `#hashtags`,
    /// each once.
    pub terms: Vec<String>,
}

/// The listener's verdict on one message: the topics (among those looked at) it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageMatches {
    pub facts: MatchFacts,
    /// The topics this verdict is about; matches of other topics are left alone.
    pub checked: Vec<TopicId>,
    /// The subset of `checked` that matched.
    pub matched: Vec<TopicId>,
}

/// Which way a spike goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum AlertKind {
    /// Unusually many messages.
    Volume,
    /// An unusual share of negative messages.
    Negative,
}
str_enum!(AlertKind { Volume => "volume", Negative => "negative" });

/// A spike the detector found in a topic's hourly volume.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: AlertId,
    pub topic_id: TopicId,
    pub kind: AlertKind,
    /// First hour of the spike (UTC, inclusive).
    pub start: Timestamp,
    /// End of the spike's last hour (UTC, exclusive).
    pub end: Timestamp,
    /// Messages (volume) or negative messages (negative) in the spike.
    pub observed: i64,
    /// What the baseline expected for the same hours.
    pub expected: f64,
    /// How unusual, as the detector scores it (higher is stronger).
    pub score: f64,
    pub created_at: Timestamp,
    /// When the webhook accepted it, if one is configured and it did.
    pub notified_at: Option<Timestamp>,
}

/// A spike to record (the detector's output in domain terms).
#[derive(Debug, Clone, PartialEq)]
pub struct NewAlert {
    pub topic_id: TopicId,
    pub kind: AlertKind,
    pub start: Timestamp,
    pub end: Timestamp,
    pub observed: i64,
    pub expected: f64,
    pub score: f64,
}
