//! Identifier newtypes.
//!
//! Ids are 64-bit integers assigned by the database (SQLite's rowid alias,
//! PostgreSQL's identity column). Why not UUIDv7: messages are the high-volume
//! table (tens of millions of rows) and every rollup, index and join on them is
//! cheaper with 8-byte keys; SQLite stores an `INTEGER PRIMARY KEY` as the rowid
//! itself, so the primary index costs nothing. Ids are not secrets: every query
//! is scoped by workspace, and a foreign workspace's id answers "not found".
//! Distinct types keep a `MessageId` from being passed where a `ChannelId` is
//! expected.

use serde::{Deserialize, Serialize};
use std::fmt;

// A tiny declarative macro keeps the seven newtypes identical; it only
// generates the type and trivial conversions (no logic hides in it).
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(pub i64);

        impl $name {
            /// The raw integer, as stored.
            pub fn get(self) -> i64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map($name)
            }
        }
    };
}

id_type!(
    /// A workspace: one brand, or one client of an agency.
    WorkspaceId
);
id_type!(
    /// A connected channel (one account on one platform).
    ChannelId
);
id_type!(
    /// One message (post, comment, reply, DM, review …).
    MessageId
);
id_type!(
    /// A handle on one platform.
    IdentityId
);
id_type!(
    /// A person, with one or more identities.
    MemberId
);
id_type!(
    /// A tag of a workspace.
    TagId
);
id_type!(
    /// A teammate who logs in to Tend.
    UserId
);
id_type!(
    /// An API token.
    ApiTokenId
);
id_type!(
    /// An internal note on a conversation.
    NoteId
);
id_type!(
    /// An outbound item in the outbox.
    OutboxId
);
id_type!(
    /// One saved version of a workspace's moderation rules.
    RuleSetId
);
id_type!(
    /// An item in the moderation review queue.
    ReviewId
);
id_type!(
    /// A listening topic (a named query).
    TopicId
);
id_type!(
    /// A spike alert of a listening topic.
    AlertId
);
