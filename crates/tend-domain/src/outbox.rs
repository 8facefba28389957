//! The outbox: replies and posts the team wrote, waiting to be sent to the platform.
//! States move `queued → sending → sent | failed`, and `failed → queued` for a retry;
//! every change is kept as an audit entry.

use crate::{ChannelId, MessageId, OutboxId, UserId, ValidationError, WorkspaceId};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Where an outbound item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum OutboxState {
    /// Waiting for the sender.
    Queued,
    /// Claimed by the sender.
    Sending,
    /// Accepted by the platform.
    Sent,
    /// The platform refused it or sending gave up.
    Failed,
    /// An attempt was made and its outcome is not known (a timeout, a crash):
    /// the connector asks the network before anything is sent again.
    Unknown,
    /// A teammate cancelled it before it was sent.
    Cancelled,
}

impl OutboxState {
    /// Every state.
    pub const ALL: [OutboxState; 6] = [
        OutboxState::Queued,
        OutboxState::Sending,
        OutboxState::Sent,
        OutboxState::Failed,
        OutboxState::Unknown,
        OutboxState::Cancelled,
    ];

    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxState::Queued => "queued",
            OutboxState::Sending => "sending",
            OutboxState::Sent => "sent",
            OutboxState::Failed => "failed",
            OutboxState::Unknown => "unknown",
            OutboxState::Cancelled => "cancelled",
        }
    }

    /// Parses the stable name.
    pub fn parse(s: &str) -> Result<OutboxState, ValidationError> {
        OutboxState::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| ValidationError::new("state", format!("unknown outbox state {s:?}")))
    }

    /// Whether an item may move from `self` to `to`.
    pub fn can_move_to(self, to: OutboxState) -> bool {
        use OutboxState::*;
        matches!(
            (self, to),
            (Queued, Sending)
                | (Queued, Cancelled)
                | (Queued, Failed)
                | (Sending, Sent)
                | (Sending, Failed)
                | (Sending, Queued)
                | (Sending, Unknown)
                | (Unknown, Sent)
                | (Unknown, Queued)
                | (Unknown, Failed)
                // The network cannot tell (no idempotency key, no read-back):
                // the item stays unknown with the reason shown.
                | (Unknown, Unknown)
                | (Failed, Queued)
        )
    }
}

/// An outbound item as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxItem {
    /// Its id.
    pub id: OutboxId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// The channel it goes out on.
    pub channel_id: ChannelId,
    /// The message it answers.
    pub in_reply_to: MessageId,
    /// Who wrote it.
    pub author_id: Option<UserId>,
    /// The text.
    pub text: String,
    /// Where it is.
    pub state: OutboxState,
    /// How many times sending was tried.
    pub attempts: i64,
    /// Why the last try failed.
    pub last_error: Option<String>,
    /// The idempotency key every attempt uses, chosen before the first one.
    pub send_key: Option<String>,
    /// The network's id once sent.
    pub remote_id: Option<String>,
    /// The network's link to it once sent, where it has one.
    pub remote_url: Option<String>,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When its state last changed.
    pub updated_at: Timestamp,
}

/// One state change of an outbound item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutboxAudit {
    /// The new state.
    pub state: OutboxState,
    /// Who caused it (None for the sender).
    pub user_id: Option<UserId>,
    /// Details (an error message).
    pub detail: Option<String>,
    /// When.
    pub at: Timestamp,
}

/// A reply to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReply {
    /// The message it answers (its channel is the reply's channel).
    pub in_reply_to: MessageId,
    /// Who wrote it.
    pub author_id: UserId,
    /// The text, already validated for the channel.
    pub text: String,
    /// For replies written by a job (rule actions): one outbox item per key, so a
    /// job that runs twice queues its reply once.
    pub idempotency_key: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_documented_moves_are_allowed() {
        use OutboxState::*;
        let allowed: Vec<_> = OutboxState::ALL
            .into_iter()
            .flat_map(|a| OutboxState::ALL.into_iter().map(move |b| (a, b)))
            .filter(|(a, b)| a.can_move_to(*b))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (Queued, Sending),
                (Queued, Failed),
                (Queued, Cancelled),
                (Sending, Queued),
                (Sending, Sent),
                (Sending, Failed),
                (Sending, Unknown),
                (Failed, Queued),
                (Unknown, Queued),
                (Unknown, Sent),
                (Unknown, Failed),
                (Unknown, Unknown)
            ]
        );
        for s in OutboxState::ALL {
            assert_eq!(OutboxState::parse(s.as_str()).unwrap(), s);
        }
    }
}
