//! Tend's storage: one small trait of domain operations per capability
//! ([`TeamStore`], [`ChannelStore`], [`MemberStore`], [`InboxStore`],
//! [`ModerationStore`], [`ListenStore`], [`JobStore`], [`EventStore`],
//! [`AdminStore`]), gathered into [`Store`], on SQLite (the default, one file, no
//! setup) or PostgreSQL (for teams that outgrow one machine).
//!
//! The operations are the domain's, not generic CRUD: "upsert this batch of
//! messages idempotently", "what is in this workspace's inbox", "merge these two
//! members". Every read and write of workspace data takes the `WorkspaceId` and
//! answers [`StoreError::NotFound`] for an item of another workspace, so workspace
//! isolation is enforced here and not only in handlers.
//!
//! Both backends share one implementation ([`sql::SqlStore`]) over sqlx's `Any`
//! driver with portable SQL (integer ids and epoch-millisecond timestamps,
//! `$N` placeholders, `ON CONFLICT`, `RETURNING`); dialect-specific SQL is
//! confined to the places that need it and marked so. The story test
//! (`tests/story/`) runs every operation on both databases.

mod admin_store;
mod channel_store;
mod error;
mod event_store;
mod inbox_store;
pub mod jobs;
mod listen_store;
mod member_store;
mod moderation_store;
pub mod sql;
mod store;
mod team_store;

pub use admin_store::AdminStore;
pub use channel_store::{ChannelStore, DueItem, LivePage, NewLink};
pub use error::{Conflict, StoreError};
pub use event_store::EventStore;
pub use inbox_store::{
    InboxQuery, InboxStore, ResponseTimes, StateCounts, UpsertOutcome, Upserted,
};
pub use jobs::JobStore;
pub use listen_store::ListenStore;
pub use member_store::{MemberCounts, MemberStore};
pub use moderation_store::{ModerationFacts, ModerationStore};
pub use sql::inbox::rollups::Rollup;
pub use sql::listening::{
    AuthorCount, BackfillCursor, BackfillStep, Periods, TermCount, ThreadCount, TopicHour,
};
pub use sql::members::identities::COMMUNITY_PLATFORMS;
pub use sql::{Backend, SqlStore};
pub use store::{Store, prelude};
pub use team_store::TeamStore;

/// Opens the database at `url` (`sqlite://…` or `postgres://…`), creating an
/// SQLite file if it does not exist, and runs pending migrations.
pub async fn open(
    url: &str,
    max_connections: u32,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    let store = SqlStore::connect(url, max_connections).await?;
    AdminStore::migrate(&store).await?;
    Ok(std::sync::Arc::new(store))
}
