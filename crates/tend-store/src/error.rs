//! The store's error type: variants a caller can act on.
//!
//! What a variant says is for people; the database's own wording is not. SQLite and
//! PostgreSQL phrase a broken uniqueness rule differently ("UNIQUE constraint
//! failed: …", "duplicate key value violates …"), and that text names tables and
//! columns. A [`Conflict`] therefore carries a fixed, safe message chosen here, and
//! keeps the database error only as its `source`, for the log.

use std::borrow::Cow;
use tend_domain::ValidationError;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The item does not exist, or belongs to another workspace.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule or a state check was violated (e.g. the slug or e-mail is
    /// taken). Its text is safe to show; the database error is its source.
    #[error(transparent)]
    Conflict(Conflict),
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

/// A conflict with stored data: a stable message that is safe to show to people
/// (it never holds database text), and the database error behind it, if any.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Conflict {
    message: Cow<'static, str>,
    #[source]
    source: Option<sqlx::Error>,
}

impl Conflict {
    /// A conflict found by the store itself (a state check, a lost race).
    pub fn new(message: impl Into<Cow<'static, str>>) -> Conflict {
        Conflict {
            message: message.into(),
            source: None,
        }
    }

    /// A uniqueness rule the database enforced: the message names the thing that is
    /// taken when the table is known, and `source` keeps the database's words.
    pub fn unique(table: Option<&str>, source: sqlx::Error) -> Conflict {
        Conflict {
            message: Cow::Borrowed(unique_message(table)),
            source: Some(source),
        }
    }

    /// The safe message.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<&'static str> for Conflict {
    fn from(message: &'static str) -> Conflict {
        Conflict::new(message)
    }
}

impl From<String> for Conflict {
    fn from(message: String) -> Conflict {
        Conflict::new(message)
    }
}

/// What is taken, by the table whose uniqueness rule failed. Fixed strings only.
fn unique_message(table: Option<&str>) -> &'static str {
    match table {
        Some("workspaces") => "a workspace with this slug exists",
        Some("users") => "a teammate with this e-mail exists",
        Some("channels") => "a channel with this name exists",
        Some("topics") => "a topic with this name exists",
        Some("tags") => "this tag exists",
        Some("rule_sets") => "another rule set version was saved at the same time; try again",
        Some("review_items") => "this message is already waiting for review",
        _ => "this already exists",
    }
}

/// The table of a unique violation: PostgreSQL names it; SQLite only in its message
/// ("UNIQUE constraint failed: table.column, …"), or by index name.
fn violated_table(db: &dyn sqlx::error::DatabaseError) -> Option<String> {
    if let Some(table) = db.table() {
        return Some(table.to_owned());
    }
    let (_, columns) = db.message().split_once("failed: ")?;
    let (table, _) = columns.split_once('.')?;
    Some(table.trim().to_owned())
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> StoreError {
        match &err {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                let table = violated_table(db.as_ref());
                StoreError::Conflict(Conflict::unique(table.as_deref(), err))
            }
            _ => StoreError::Database(err),
        }
    }
}
