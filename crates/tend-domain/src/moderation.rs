//! Moderation: the versioned rule sets of a workspace, what they (or teammates)
//! decided about messages, the review queue, and the audit log of every action.
//!
//! The rule language itself lives in `tend-rules`; here are only the records.

use crate::ids::{IdentityId, MessageId, ReviewId, RuleSetId, UserId, WorkspaceId};
use crate::message::str_enum;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where a message stands as far as moderation goes. Every message starts
/// `Visible`; the platform is asked to follow (hide or remove) by its connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Moderation {
    /// Shown as posted (also: approved after review).
    #[default]
    Visible,
    /// Hidden from the public where the platform allows; kept for the team.
    Hidden,
    /// Removed.
    Removed,
    /// Removed as spam.
    Spam,
}
str_enum!(Moderation { Visible => "visible", Hidden => "hidden", Removed => "removed", Spam => "spam" });

/// One saved version of a workspace's rules. Versions are never edited: a change
/// is a new version, and going live is an explicit step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleSetVersion {
    pub id: RuleSetId,
    pub workspace_id: WorkspaceId,
    /// 1, 2, 3 … per workspace.
    pub version: i64,
    /// The YAML as written.
    pub source: String,
    pub created_by: Option<UserId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
    /// When it went live (`None`: a draft, or tried only in dry runs).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub live_from: Option<Timestamp>,
    /// When a later version replaced it.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub live_until: Option<Timestamp>,
}

impl RuleSetVersion {
    /// Whether this version is the one running now.
    pub fn is_live(&self) -> bool {
        self.live_from.is_some() && self.live_until.is_none()
    }
}

/// How often one rule of a version has fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleHit {
    pub rule_index: i64,
    pub hits: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub last_hit_at: Option<Timestamp>,
}

/// Who acted: a rule of a version, or a teammate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RuleActor {
    Rule {
        rule_set: RuleSetId,
        version: i64,
        rule_index: i64,
    },
    Teammate {
        user: Option<UserId>,
    },
}

/// One line of the moderation audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModerationEntry {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub message_id: MessageId,
    pub actor: RuleActor,
    /// What was done: `remove`, `hide`, `flag`, `tag`, `reply`, `approve`, `ban` …
    pub action: String,
    /// The message's moderation state before and after.
    pub before: Moderation,
    pub after: Moderation,
    /// Free detail: the reason, the tag, the reply text, the rule's name.
    pub detail: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub at: Timestamp,
}

/// What the rules decided about one message, to be recorded in one transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct ModerationVerdict {
    pub message_id: MessageId,
    pub rule_set: RuleSetId,
    pub version: i64,
    pub rule_index: i64,
    /// The rule's name, for the queue and the log.
    pub rule_name: String,
    /// Set when the rule's actions may be performed only once per message.
    pub unrepeatable_hash: Option<String>,
    /// A new moderation state, if the rule changes it.
    pub state: Option<Moderation>,
    /// Put into the review queue with this reason.
    pub flag: Option<String>,
    /// Escalated: the review item is marked urgent.
    pub escalate: bool,
    /// Log lines besides the state change and the flag: (action, detail).
    pub log: Vec<(String, String)>,
    /// Webhook posts the rule asks for (`notify: {webhook: url}`), queued with the
    /// verdict and delivered by the background loop.
    pub webhooks: Vec<WebhookNotice>,
}

/// A webhook post to queue: where, and the JSON body (frozen when the rule fired).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookNotice {
    pub url: String,
    pub payload: String,
}

/// A queued webhook post of a moderation rule, with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WebhookDelivery {
    pub id: i64,
    pub workspace_id: WorkspaceId,
    pub message_id: MessageId,
    pub rule_set: RuleSetId,
    pub version: i64,
    pub rule_index: i64,
    pub rule_name: String,
    pub url: String,
    /// The JSON body, as sent on every attempt.
    pub payload: String,
    /// Attempts made so far.
    pub attempts: i64,
    /// When the next attempt is due (meaningless once delivered or given up).
    pub next_attempt_at: Timestamp,
    pub delivered_at: Option<Timestamp>,
    /// Set when the attempts ran out; `last_error` says why the last one failed.
    pub gave_up_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
}

impl WebhookDelivery {
    /// `pending` (waiting for its first or next attempt), `delivered` or `failed`.
    pub fn status(&self) -> &'static str {
        if self.delivered_at.is_some() {
            "delivered"
        } else if self.gave_up_at.is_some() {
            "failed"
        } else {
            "pending"
        }
    }
}

/// How one delivery attempt went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookAttempt {
    /// The receiver answered 2xx.
    Delivered,
    /// Refused (non-2xx), unreachable or timed out: retried at `retry_at`, or given
    /// up when `None`.
    Failed {
        error: String,
        retry_at: Option<Timestamp>,
    },
}

str_enum!(ReviewStatus {
    Pending => "pending", Approved => "approved", Removed => "removed", Hidden => "hidden",
    Banned => "banned", Escalated => "escalated",
});

/// Where a review item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReviewStatus {
    /// Waiting for a teammate.
    Pending,
    Approved,
    Removed,
    Hidden,
    /// The author was banned (and the message removed).
    Banned,
    /// Handed up; still needs a decision.
    Escalated,
}

/// A teammate's decision on review items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReviewDecision {
    Approve,
    Remove,
    Hide,
    Ban,
    Escalate,
}

impl ReviewDecision {
    /// The status an item gets, and the moderation state its message gets.
    pub fn outcome(self) -> (ReviewStatus, Option<Moderation>) {
        match self {
            ReviewDecision::Approve => (ReviewStatus::Approved, Some(Moderation::Visible)),
            ReviewDecision::Remove => (ReviewStatus::Removed, Some(Moderation::Removed)),
            ReviewDecision::Hide => (ReviewStatus::Hidden, Some(Moderation::Hidden)),
            ReviewDecision::Ban => (ReviewStatus::Banned, Some(Moderation::Removed)),
            ReviewDecision::Escalate => (ReviewStatus::Escalated, None),
        }
    }

    /// The stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewDecision::Approve => "approve",
            ReviewDecision::Remove => "remove",
            ReviewDecision::Hide => "hide",
            ReviewDecision::Ban => "ban",
            ReviewDecision::Escalate => "escalate",
        }
    }
}

/// An item of the review queue: a flagged message and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewItem {
    pub id: ReviewId,
    pub workspace_id: WorkspaceId,
    pub message_id: MessageId,
    /// The rule that flagged it (`None`: reported by a teammate).
    pub rule_set: Option<RuleSetId>,
    pub version: Option<i64>,
    pub rule_index: Option<i64>,
    pub rule_name: String,
    pub reason: String,
    pub status: ReviewStatus,
    /// Escalated items come first.
    pub escalated: bool,
    /// The message's author, for a ban.
    pub author_id: Option<IdentityId>,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub created_at: Timestamp,
    pub decided_by: Option<UserId>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub decided_at: Option<Timestamp>,
}
