//! The store's error type: variants a caller can act on.

use tend_domain::ValidationError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The item does not exist, or belongs to another workspace.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule was violated (e.g. the slug or e-mail is taken).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The input broke a domain rule.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// A stored value could not be read back (corrupt or from a newer version).
    #[error("corrupt row in {table}: {message}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What was wrong.
        message: String,
    },
    /// Migrations failed.
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database failed (connection, I/O, SQL).
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// The database failed on SQLite's in-place read path (`sql::sqlite_read`).
    #[error("database error: {0}")]
    Sqlite(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> StoreError {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(db.message().to_owned())
            }
            _ => StoreError::Database(err),
        }
    }
}
