//! Moderation on a network where the connected account moderates: a small
//! capability beside [`super::Publisher`], offered by the connectors whose
//! network has it (Reddit's remove/approve/lock, YouTube's hold for review,
//! publish, reject and delete).

use super::ChannelError;
use async_trait::async_trait;

/// One moderation action on somebody else's item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moderation {
    /// Take the item down for everyone but its author (Reddit "remove",
    /// YouTube "rejected").
    Remove,
    /// Put a held or removed item back up (Reddit "approve", YouTube "published").
    Approve,
    /// Hold the item until a moderator decides (YouTube "heldForReview").
    Hold,
    /// Close the item to new replies (Reddit "lock").
    Lock,
    /// Delete the item for good (YouTube `comments.delete`).
    Delete,
}

/// A connector that can moderate items on its network.
#[async_trait]
pub trait Moderate: Send + Sync {
    /// The actions this network offers.
    fn actions(&self) -> &'static [Moderation];

    /// Carries out `action` on the item with `external_id`. An action the
    /// network does not offer, or refuses because the account does not
    /// moderate there, is [`ChannelError::Permanent`].
    async fn moderate(&self, external_id: &str, action: Moderation) -> Result<(), ChannelError>;
}
