//! [`Store`]: every storage capability in one object, for composition (the
//! server's state, the CLI). Each capability is a small trait of its own
//! ([`TeamStore`], [`InboxStore`], …) implemented directly on
//! [`SqlStore`](crate::SqlStore) in `sql/<capability>/`; `Store` only names
//! them together, and every type that has them all is one.
//!
//! A method of a capability is called on `dyn Store` with that trait in scope:
//! `use tend_store::prelude::*;`. Code that needs one capability can take it
//! alone (`&dyn InboxStore`; `&dyn Store` upcasts to it).

use crate::{
    AdminStore, ChannelStore, EventStore, InboxStore, JobStore, ListenStore, MemberStore,
    ModerationStore, TeamStore,
};

/// Tend's storage: the sum of its capabilities.
///
/// Contract for every implementation (each capability's trait states its own):
/// - Operations on workspace data take the `WorkspaceId` and fail with
///   [`StoreError::NotFound`](crate::StoreError::NotFound) when the item belongs to
///   another workspace.
/// - A change and the event-log entry that announces it commit together.
pub trait Store:
    AdminStore
    + TeamStore
    + ChannelStore
    + MemberStore
    + InboxStore
    + ModerationStore
    + EventStore
    + ListenStore
    + JobStore
    + Send
    + Sync
{
}

impl<T> Store for T where
    T: AdminStore
        + TeamStore
        + ChannelStore
        + MemberStore
        + InboxStore
        + ModerationStore
        + EventStore
        + ListenStore
        + JobStore
        + Send
        + Sync
{
}

/// Every store trait, for `use tend_store::prelude::*;` where a `dyn Store` is used.
pub mod prelude {
    pub use crate::{
        AdminStore, ChannelStore, EventStore, InboxStore, JobStore, ListenStore, MemberStore,
        ModerationStore, Store, TeamStore,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `&dyn Store` upcasts to every capability, so a use case can take only the
    /// trait it needs and still be called with the server's `Arc<dyn Store>`.
    #[test]
    fn a_store_upcasts_to_each_capability() {
        fn _team(s: &dyn Store) -> &dyn TeamStore {
            s
        }
        fn _channels(s: &dyn Store) -> &dyn ChannelStore {
            s
        }
        fn _members(s: &dyn Store) -> &dyn MemberStore {
            s
        }
        fn _inbox(s: &dyn Store) -> &dyn InboxStore {
            s
        }
        fn _moderation(s: &dyn Store) -> &dyn ModerationStore {
            s
        }
        fn _listen(s: &dyn Store) -> &dyn ListenStore {
            s
        }
        fn _jobs(s: &dyn Store) -> &dyn JobStore {
            s
        }
        fn _events(s: &dyn Store) -> &dyn EventStore {
            s
        }
        fn _admin(s: &dyn Store) -> &dyn AdminStore {
            s
        }
    }
}
