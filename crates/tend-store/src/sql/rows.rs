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

/// Reserves `n` ids of `table` (a table whose `id` is an `INTEGER PRIMARY KEY`
/// without `AUTOINCREMENT` on SQLite and an identity column on PostgreSQL), so a
/// batch can name its new rows before writing them with multi-row INSERTs. SQLite
/// continues from the largest id, as SQLite itself would (the caller holds the
/// write lock since `BEGIN IMMEDIATE`); PostgreSQL draws from the identity
/// sequence, which is safe under concurrency.
pub(crate) async fn reserve_ids(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    table: &'static str,
    n: usize,
) -> Result<Vec<i64>, StoreError> {
    let count = i64::try_from(n).map_err(|_| corrupt(table, "batch too large"))?;
    if count == 0 {
        return Ok(Vec::new());
    }
    match backend {
        Backend::Sqlite => {
            let sql = format!("SELECT COALESCE(MAX(id), 0) FROM {table}");
            let max: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                .fetch_one(&mut **tx)
                .await?;
            Ok((1..=count).map(|k| max + k).collect())
        }
        Backend::Postgres => {
            let sql = format!(
                "SELECT nextval(pg_get_serial_sequence('{table}', 'id')) AS id \
                 FROM generate_series(1, $1::bigint)"
            );
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(count)
                .fetch_all(&mut **tx)
                .await?;
            rows.iter().map(|r| get::<i64>(r, "id")).collect()
        }
    }
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
