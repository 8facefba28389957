//! What every query module shares: bind placeholders, the write transaction,
//! timestamps as stored (milliseconds), and decoding columns on either read path
//! (sqlx `Any` or `rusqlite`, see `sqlite_read`).

use super::Backend;
use crate::StoreError;
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row as _};

/// `n` bind placeholders numbered from `first`, comma-separated: anonymous `?` on
/// SQLite (which resolves `$N` names by a linear scan per parameter, quadratic in
/// large statements), `$N` on PostgreSQL. With `?`, values bind in the order the
/// placeholders appear in the statement.
pub fn placeholders(backend: Backend, first: usize, n: usize) -> String {
    match backend {
        Backend::Sqlite => vec!["?"; n].join(", "),
        Backend::Postgres => numbered(first, n),
    }
}

/// `$first, …, $(first + n - 1)`: numbered placeholders, which both databases accept
/// (for lists of at most 500, where SQLite's linear lookup does not matter).
pub(crate) fn numbered(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A write transaction: SQLite takes the write lock at the start (`BEGIN
/// IMMEDIATE`), so a read-then-write never fails to upgrade while another
/// connection writes, and waits its turn instead; PostgreSQL begins normally.
pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, StoreError> {
    Ok(match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    })
}

pub(crate) fn ts(ms: i64) -> Result<Timestamp, StoreError> {
    Timestamp::from_millisecond(ms).map_err(|e| StoreError::Corrupt {
        table: "?",
        message: format!("timestamp {ms}: {e}"),
    })
}

pub(crate) fn ts_opt(ms: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    ms.map(ts).transpose()
}

pub(crate) fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

pub(crate) fn now_ms() -> i64 {
    Timestamp::now().as_millisecond()
}

pub(crate) fn get<'r, T>(row: &'r AnyRow, col: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(col).map_err(StoreError::from)
}

/// A value a row decoder reads from a column, on either read path (sqlx `Any` or
/// `rusqlite`, see `sqlite_read`).
pub(crate) trait ColValue:
    for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

impl<T> ColValue for T where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

/// A row the shared decoders (`messages::from_row`, `identities::from_row` …) read.
pub(crate) trait Cols {
    fn col<T: ColValue>(&self, name: &str) -> Result<T, StoreError>;
}

impl Cols for AnyRow {
    fn col<T: ColValue>(&self, name: &str) -> Result<T, StoreError> {
        self.try_get(name).map_err(StoreError::from)
    }
}

/// Column `name` of `row`, on either read path.
pub(crate) fn col<T: ColValue>(row: &impl Cols, name: &str) -> Result<T, StoreError> {
    row.col(name)
}

pub(crate) fn corrupt(table: &'static str, message: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table,
        message: message.to_string(),
    }
}
