//! Tend's domain model: the nouns every capability shares, with their validation
//! and pure rules. No I/O lives here (no runtime, no SQL, no HTTP); that is an
//! architecture invariant checked by CI with `cargo tree`.
//!
//! Time is `jiff::Timestamp` (UTC instants) and `jiff::tz::TimeZone` for
//! workspace-local reasoning such as business hours.

pub mod access;
pub mod activity;
pub mod channel;
pub mod clock;
pub mod event_log;
pub mod identity;
pub mod ids;
pub mod incoming;
pub mod listening;
pub mod message;
pub mod moderation;
pub mod outbox;
pub mod rating;
pub mod tag;
pub mod user;
pub mod workspace;

pub use access::{ApiToken, Session};
pub use activity::{HistoryEntry, HistoryKind, Note};
pub use channel::{
    Channel, ChannelKind, ChannelLink, LinkState, NewChannel, SealedSecret, SyncReport,
};
pub use clock::Clock;
pub use event_log::{
    ConversationChange, EventPayload, LogEvent, MessagesChanged, MessagesStored, ModerationChanged,
    RulesLive,
};
pub use identity::{Identity, Member, MemberProfile, NewIdentity};
pub use ids::{
    AlertId, ApiTokenId, ChannelId, IdentityId, MemberId, MessageId, NoteId, OutboxId, ReviewId,
    RuleSetId, TagId, TopicId, UserId, WorkspaceId,
};
pub use incoming::{IncomingAuthor, IncomingItem, IncomingMessage, MissingItem};
pub use listening::{
    Alert, AlertKind, Backfill, MatchFacts, MessageMatches, NewAlert, NewTopic, Polarity, Topic,
    TopicRole,
};
pub use message::{
    Direction, Engagement, InboxState, Message, MessageKind, MessageRevision, NewMessage,
    SentimentLabel, Signals,
};
pub use moderation::{
    Moderation, ModerationEntry, ModerationVerdict, ReviewDecision, ReviewItem, ReviewStatus,
    RuleActor, RuleHit, RuleSetVersion, WebhookAttempt, WebhookDelivery, WebhookNotice,
};
pub use outbox::{NewReply, OutboxAudit, OutboxItem, OutboxState};
pub use rating::Rating;
pub use tag::{Tag, TagName};
pub use user::{Email, NewUser, Role, User};
pub use workspace::{BusinessHours, NewWorkspace, ResponseStatus, Slug, Workspace};

/// A value failed validation. The message names the field and what is wrong,
/// so it can be shown to the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct ValidationError {
    /// The field or input that was rejected, e.g. `email`.
    pub field: &'static str,
    /// What is wrong with it, in plain words.
    pub message: String,
}

impl ValidationError {
    /// Builds an error for `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> ValidationError {
        ValidationError {
            field,
            message: message.into(),
        }
    }
}
