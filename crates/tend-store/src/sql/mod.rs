//! The SQL implementation of every store trait, shared by SQLite and PostgreSQL.
//!
//! One module per capability, each implementing its trait directly on
//! [`SqlStore`]: `team/`, `channels`, `members/`, `inbox/`, `moderation/`,
//! `listening/`, `jobs`, `events` (the event log and consumer cursors) and `admin`
//! (migrations, demo manifest). This file holds the connection and the migrators,
//! `rows` the helpers every module shares, `sqlite_read` and `search` the read
//! path and full-text search the inbox and moderation share. Queries use `$N`
//! placeholders, which both SQLite and PostgreSQL accept, so each statement is
//! written once.

mod admin;
mod channels;
mod events;
pub(crate) mod inbox;
mod jobs;
pub(crate) mod listening;
mod live;
pub(crate) mod members;
mod moderation;
#[cfg(test)]
mod plans;
mod rows;
mod search;
mod sqlite_read;
mod team;

pub(crate) use rows::*;
// Public for the raw-SQL baseline of `tend bench store` (crate `tend-bench`), which
// must bind rows the way the store does to be a fair comparison.
pub use rows::placeholders;

use crate::StoreError;
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor as _};
use std::sync::Once;
use std::time::Duration;

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite: one file, WAL mode.
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// Picks the backend from a database URL.
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Invalid(tend_domain::ValidationError::new(
                "database_url",
                "must start with sqlite:// or postgres://",
            )))
        }
    }

    /// A short name for logs and benchmark output.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The store over a connection pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
    /// SQLite files: the in-place read path of the inbox reads (`sqlite_read`).
    reader: Option<std::sync::Arc<sqlite_read::Reader>>,
}

impl SqlStore {
    /// Connects to `url`. An SQLite file is created if missing and opened in WAL
    /// mode with `synchronous=NORMAL` (durable at each checkpoint, safe against
    /// corruption), foreign keys on, and a 64 MiB page cache per connection (the
    /// 2 MiB default makes every index lookup a system call once the message
    /// indexes outgrow it).
    pub async fn connect(url: &str, max_connections: u32) -> Result<SqlStore, StoreError> {
        static DRIVERS: Once = Once::new();
        DRIVERS.call_once(sqlx::any::install_default_drivers);
        let backend = Backend::from_url(url)?;
        let mut options = AnyPoolOptions::new()
            .max_connections(max_connections.max(1))
            .acquire_timeout(Duration::from_secs(30));
        let url = match backend {
            Backend::Sqlite => {
                options = options.after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                             PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY; \
                             PRAGMA wal_autocheckpoint = 16384;",
                        )
                        .await?;
                        Ok(())
                    })
                });
                if url.contains('?') {
                    url.to_owned()
                } else {
                    format!("{url}?mode=rwc")
                }
            }
            Backend::Postgres => {
                // Batch lookups bind hundreds of ids; a cached generic plan for them
                // estimates blindly and can fall back to a sequential scan as the table
                // grows. Planning each execution costs far less than that.
                options = options.after_connect(|conn, _meta| {
                    Box::pin(async move {
                        conn.execute("SET plan_cache_mode = force_custom_plan")
                            .await?;
                        Ok(())
                    })
                });
                url.to_owned()
            }
        };
        let pool = options.connect(&url).await?;
        // After the pool, which has created the file and switched it to WAL.
        let reader = match backend {
            Backend::Sqlite => {
                sqlite_read::Reader::open(&url, max_connections).map(std::sync::Arc::new)
            }
            Backend::Postgres => None,
        };
        Ok(SqlStore {
            pool,
            backend,
            reader,
        })
    }

    /// The pool, for benchmarks that compare raw SQL against the store's own path.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }
}
