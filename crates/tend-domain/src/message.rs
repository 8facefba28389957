//! Messages: one item of a conversation, inbound (mention, comment, reply, DM,
//! review, forum post) or outbound (post, reply), and their inbox state.

use crate::{
    ChannelId, IdentityId, MessageId, Rating, TagId, UserId, ValidationError, WorkspaceId,
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Longest text Tend stores for one message, in bytes. Longer input is rejected by
/// importers with a clear error rather than silently truncated.
pub const MAX_TEXT_BYTES: usize = 256 * 1024;
/// Longest external id, in bytes.
pub const MAX_EXTERNAL_ID_BYTES: usize = 512;

/// Whether the community sent it to us or we sent it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Direction {
    /// From the community.
    Inbound,
    /// From the brand.
    Outbound,
}

/// What kind of item it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum MessageKind {
    /// A public post naming the brand.
    Mention,
    /// A comment on a post.
    Comment,
    /// A reply in a thread.
    Reply,
    /// A private message.
    DirectMessage,
    /// A review with or without a rating.
    Review,
    /// A forum topic or post (including Q&A questions and answers).
    ForumPost,
    /// A post published by the brand.
    Post,
}

/// Where a conversation is in the team's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InboxState {
    /// Needs attention.
    Open,
    /// Handled.
    Done,
    /// Hidden until a time, then open again.
    Snoozed,
    /// Out of the inbox for good (kept for history and analytics).
    Archived,
}

macro_rules! str_enum {
    ($ty:ty { $($variant:ident => $s:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in declaration order (e.g. to list the labels it needs).
            pub const ALL: &'static [$ty] = &[$(<$ty>::$variant),+];
            /// The stable lowercase name used in storage and URLs.
            pub fn as_str(self) -> &'static str {
                match self { $(<$ty>::$variant => $s),+ }
            }
            /// Parses the stable name.
            pub fn parse(s: &str) -> Result<Self, $crate::ValidationError> {
                match s { $($s => Ok(<$ty>::$variant),)+ _ => Err($crate::ValidationError::new(stringify!($ty), format!("unknown value {s:?}"))) }
            }
        }
    };
}

pub(crate) use str_enum;

str_enum!(Direction { Inbound => "inbound", Outbound => "outbound" });
str_enum!(MessageKind {
    Mention => "mention", Comment => "comment", Reply => "reply", DirectMessage => "direct_message",
    Review => "review", ForumPost => "forum_post", Post => "post",
});
str_enum!(InboxState { Open => "open", Done => "done", Snoozed => "snoozed", Archived => "archived" });

impl MessageKind {
    /// The direction implied by the kind: only `Post` is necessarily ours.
    pub fn default_direction(self) -> Direction {
        match self {
            MessageKind::Post => Direction::Outbound,
            _ => Direction::Inbound,
        }
    }
}

/// Engagement counts as last reported by the platform.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Engagement {
    /// Likes, favourites, upvotes; the net score (may be negative) on vote-based platforms.
    pub likes: i64,
    /// Shares, retweets, boosts.
    pub shares: i64,
    /// Replies or comments.
    pub replies: i64,
    /// Views or impressions, where the platform reports them.
    pub views: i64,
}

impl Engagement {
    /// How many interactions the message drew: likes, shares and replies. A net
    /// score below zero (a downvoted Stack Exchange question) counts as no likes:
    /// downvotes are not negative attention, and engagement charts never dip below 0.
    pub fn interactions(&self) -> i64 {
        self.likes.max(0) + self.shares.max(0) + self.replies.max(0)
    }
}

/// The sentiment class of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum SentimentLabel {
    /// Positive.
    Positive,
    /// Neither.
    Neutral,
    /// Negative.
    Negative,
}

str_enum!(SentimentLabel { Positive => "positive", Neutral => "neutral", Negative => "negative" });

/// What the text of a message says, as read by the text-understanding crate at ingest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Signals {
    /// Sentiment score in [-1, 1].
    pub sentiment: f64,
    /// Sentiment class.
    pub sentiment_label: SentimentLabel,
    /// Toxicity score in [0, 1].
    pub toxicity: f64,
    /// Spam score in [0, 1].
    pub spam: f64,
    /// Whether the message asks something.
    pub question: bool,
}

impl Signals {
    /// Score at or above which a message counts as toxic in rollups and filters.
    pub const TOXIC: f64 = 0.5;
    /// Score at or above which a message counts as spam in rollups and filters.
    pub const SPAM: f64 = 0.5;
}

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// The channel it came from or went to.
    pub channel_id: ChannelId,
    /// The platform's id, unique per channel.
    pub external_id: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// What kind of item.
    pub kind: MessageKind,
    /// The first message of the conversation, once known (None for a root, or while the root is missing).
    pub thread_root_id: Option<MessageId>,
    /// The message this one answers, once known.
    pub parent_id: Option<MessageId>,
    /// The platform's id of the root, as reported (kept so late-arriving roots link up).
    pub thread_external_id: Option<String>,
    /// The platform's id of the parent, as reported.
    pub parent_external_id: Option<String>,
    /// Who wrote it.
    pub author_id: Option<IdentityId>,
    /// Title (forum topics, reviews), if any.
    pub title: Option<String>,
    /// The text.
    pub text: String,
    /// ISO 639-1 language code, when known.
    pub lang: Option<String>,
    /// When it was written on the platform.
    pub created_at: Timestamp,
    /// When it was last edited on the platform.
    pub edited_at: Option<Timestamp>,
    /// When the network said it was deleted (it stays in Tend, marked).
    pub removed_at: Option<Timestamp>,
    /// When Tend first stored it.
    pub ingested_at: Timestamp,
    /// Link to it on the platform.
    pub permalink: Option<String>,
    /// Engagement counts.
    pub engagement: Engagement,
    /// A review's star rating (1–5), when the platform gives one.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<f64>, minimum = 1, maximum = 5))]
    pub rating: Option<Rating>,
    /// What the text says, as read at ingest.
    pub signals: Option<Signals>,
    /// A teammate's correction of the sentiment label; wins over `signals`.
    pub sentiment_corrected: Option<SentimentLabel>,
    /// Inbox state.
    pub state: InboxState,
    /// Until when it is snoozed (only with `Snoozed`).
    pub snoozed_until: Option<Timestamp>,
    /// The teammate it is assigned to.
    pub assignee_id: Option<UserId>,
    /// Tags on it.
    pub tags: Vec<TagId>,
}

impl Message {
    /// The sentiment label to show and filter on: the teammate's correction if any,
    /// else the computed one.
    pub fn sentiment_label(&self) -> Option<SentimentLabel> {
        self.sentiment_corrected
            .or(self.signals.map(|s| s.sentiment_label))
    }
}

/// A previous text of an edited message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageRevision {
    /// The text before the edit.
    pub text: String,
    /// The title before the edit.
    pub title: Option<String>,
    /// When that text had been written or last edited.
    pub written_at: Timestamp,
    /// When Tend replaced it.
    pub replaced_at: Timestamp,
}

/// A message as a source delivers it, before storage. The store's upsert is
/// idempotent on `(channel_id, external_id)`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// The channel.
    pub channel_id: ChannelId,
    /// The platform's id (non-empty, at most [`MAX_EXTERNAL_ID_BYTES`]).
    pub external_id: String,
    /// Inbound or outbound.
    pub direction: Direction,
    /// What kind of item.
    pub kind: MessageKind,
    /// The platform's id of the conversation root, if this is not the root.
    pub thread_external_id: Option<String>,
    /// The platform's id of the parent, if any.
    pub parent_external_id: Option<String>,
    /// The author, already resolved to an identity.
    pub author_id: Option<IdentityId>,
    /// Title, if any.
    pub title: Option<String>,
    /// The text (at most [`MAX_TEXT_BYTES`]).
    pub text: String,
    /// ISO 639-1 code, if known.
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
    /// Text signals computed by the ingest pipeline (None: not analysed).
    pub signals: Option<Signals>,
}

impl NewMessage {
    /// A minimal inbound message; fill the other fields as the source allows.
    pub fn new(
        channel_id: ChannelId,
        external_id: impl Into<String>,
        kind: MessageKind,
        text: impl Into<String>,
        created_at: Timestamp,
    ) -> NewMessage {
        NewMessage {
            channel_id,
            external_id: external_id.into(),
            direction: kind.default_direction(),
            kind,
            thread_external_id: None,
            parent_external_id: None,
            author_id: None,
            title: None,
            text: text.into(),
            lang: None,
            created_at,
            edited_at: None,
            permalink: None,
            engagement: Engagement::default(),
            rating: None,
            signals: None,
        }
    }

    /// Checks the limits every stored message obeys.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.external_id.is_empty() || self.external_id.len() > MAX_EXTERNAL_ID_BYTES {
            return Err(ValidationError::new(
                "external_id",
                format!("must be 1-{MAX_EXTERNAL_ID_BYTES} bytes"),
            ));
        }
        if self.text.len() > MAX_TEXT_BYTES {
            return Err(ValidationError::new(
                "text",
                format!("is {} bytes; at most {MAX_TEXT_BYTES}", self.text.len()),
            ));
        }
        if self.text.contains('\0') || self.title.as_deref().is_some_and(|t| t.contains('\0')) {
            return Err(ValidationError::new("text", "contains a NUL character"));
        }
        let e = &self.engagement;
        // Likes may be negative: on vote-based platforms (Reddit, Stack Exchange) they
        // are the net score. The other counts cannot be.
        if [e.shares, e.replies, e.views].iter().any(|n| *n < 0) {
            return Err(ValidationError::new(
                "engagement",
                "shares, replies and views must not be negative",
            ));
        }
        if self.parent_external_id.as_deref() == Some(self.external_id.as_str()) {
            return Err(ValidationError::new(
                "parent_external_id",
                "a message cannot be its own parent",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(text: &str) -> NewMessage {
        NewMessage::new(
            ChannelId(1),
            "abc",
            MessageKind::Comment,
            text,
            Timestamp::UNIX_EPOCH,
        )
    }

    #[test]
    fn valid_messages_pass() {
        assert!(msg("hello").validate().is_ok());
    }

    #[test]
    fn hostile_messages_are_rejected_with_the_field_named() {
        let err = msg("a\0b").validate().unwrap_err();
        assert_eq!(err.field, "text");
        let err = msg(&"x".repeat(MAX_TEXT_BYTES + 1)).validate().unwrap_err();
        assert_eq!(err.field, "text");
        let mut m = msg("hi");
        m.external_id.clear();
        assert_eq!(m.validate().unwrap_err().field, "external_id");
        let mut m = msg("hi");
        m.engagement.views = -1;
        assert_eq!(m.validate().unwrap_err().field, "engagement");
        // A downvoted answer has a negative net score: that is data, not an error.
        let mut m = msg("hi");
        m.engagement.likes = -3;
        assert!(m.validate().is_ok());
        // ...and counts as no likes among the interactions.
        m.engagement.shares = 2;
        m.engagement.replies = 1;
        assert_eq!(m.engagement.interactions(), 3);
        let mut m = msg("hi");
        m.parent_external_id = Some("abc".into());
        assert_eq!(m.validate().unwrap_err().field, "parent_external_id");
    }

    #[test]
    fn enum_names_round_trip() {
        for s in ["open", "done", "snoozed", "archived"] {
            assert_eq!(InboxState::parse(s).unwrap().as_str(), s);
        }
        for k in [
            "mention",
            "comment",
            "reply",
            "direct_message",
            "review",
            "forum_post",
            "post",
        ] {
            let kind = MessageKind::parse(k).unwrap();
            assert_eq!(serde_json::to_string(&kind).unwrap(), format!("\"{k}\""));
        }
        assert!(Direction::parse("sideways").is_err());
    }
}
