//! Tend's storage: one [`Store`] of domain operations, on SQLite (the default, one
//! file, no setup) or PostgreSQL (for teams that outgrow one machine).
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

mod error;
pub mod jobs;
mod listen_store;
pub mod sql;
mod store;

pub use error::{Conflict, StoreError};
pub use jobs::JobStore;
pub use listen_store::ListenStore;
pub use sql::identities::COMMUNITY_PLATFORMS;
pub use sql::listening::{
    AuthorCount, BackfillCursor, BackfillStep, Periods, TermCount, ThreadCount, TopicHour,
};
pub use sql::rollups::Rollup;
pub use sql::{Backend, SqlStore};
pub use store::{
    InboxQuery, MemberCounts, ModerationFacts, ResponseTimes, StateCounts, Store, UpsertOutcome,
    Upserted,
};

/// Opens the database at `url` (`sqlite://…` or `postgres://…`), creating an
/// SQLite file if it does not exist, and runs pending migrations.
pub async fn open(
    url: &str,
    max_connections: u32,
) -> Result<std::sync::Arc<dyn Store>, StoreError> {
    let store = SqlStore::connect(url, max_connections).await?;
    store.migrate().await?;
    Ok(std::sync::Arc::new(store))
}
