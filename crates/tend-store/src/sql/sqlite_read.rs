//! SQLite's in-place read path for the hot reads of every inbox request (the list,
//! its authors, first-response times, state counts, the open review count).
//!
//! sqlx's SQLite driver runs each connection on a worker thread of its own and hands
//! every row to the async side through a channel, and the `Any` driver then copies
//! each row again; for a 50-row inbox page that was most of the request's CPU time
//! (thread wake-ups and row conversion). Here the same SQL runs on plain `rusqlite`
//! connections, on a blocking thread (`tokio::task::spawn_blocking`), and the rows
//! are decoded where SQLite hands them over.
//!
//! Invariants: the SQL is the same statement text the sqlx path runs (built by the
//! same functions), and rows are decoded by the same `from_row` functions (through
//! [`Cols`]), so both paths answer exactly the same. The connections are
//! `query_only` (they never write), there are at most as many as the sqlx pool's, and
//! each statement reads the latest committed data (WAL), so a write this process has
//! committed is seen by the next read. Only file databases get this path; an
//! in-memory database (one per connection) keeps the sqlx path.

use super::Cols;
use super::messages::Bind;
use crate::StoreError;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};
use rustc_hash::FxHashMap;
use std::cell::Cell;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// A small pool of read-only connections to one SQLite file.
#[derive(Debug)]
pub(crate) struct Reader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    slots: Arc<Semaphore>,
}

impl Reader {
    /// A reader for the database of `url` (`sqlite://path?…` or `sqlite:path`), or
    /// `None` when it is not a file this path can open (in-memory databases), so the
    /// caller keeps the sqlx path.
    pub(crate) fn open(url: &str, max_connections: u32) -> Option<Reader> {
        let rest = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() || path == ":memory:" || query.contains("mode=memory") {
            return None;
        }
        let reader = Reader {
            path: PathBuf::from(path),
            idle: Mutex::new(Vec::new()),
            slots: Arc::new(Semaphore::new(max_connections.max(1) as usize)),
        };
        // Open one now: a file this path cannot open leaves the sqlx path in charge.
        let first = reader.connect().ok()?;
        reader.put_back(first);
        Some(reader)
    }

    fn connect(&self) -> Result<Connection, rusqlite::Error> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // Read-write at the file level (a read-only connection cannot rebuild a
        // missing WAL index), read-only by `query_only`. The page cache as the sqlx
        // connections' (see `SqlStore::connect`).
        conn.execute_batch(
            "PRAGMA query_only = ON; PRAGMA busy_timeout = 10000; \
             PRAGMA cache_size = -65536; PRAGMA temp_store = MEMORY;",
        )?;
        Ok(conn)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Connection>> {
        self.idle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn put_back(&self, conn: Connection) {
        self.lock().push(conn);
    }

    /// Runs `read` on a connection, on a blocking thread.
    pub(crate) async fn read<T, F>(self: &Arc<Self>, read: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let permit = Arc::clone(&self.slots)
            .acquire_owned()
            .await
            .map_err(|e| StoreError::Sqlite(e.to_string()))?;
        let reader = Arc::clone(self);
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let idle = reader.lock().pop();
            let conn = match idle {
                Some(c) => c,
                None => reader.connect().map_err(sqlite_error)?,
            };
            let out = read(&conn);
            reader.put_back(conn);
            out
        })
        .await
        .map_err(|e| StoreError::Sqlite(format!("read task: {e}")))?
    }
}

/// A rusqlite error as a store error.
pub(crate) fn sqlite_error(e: rusqlite::Error) -> StoreError {
    match e {
        rusqlite::Error::QueryReturnedNoRows => StoreError::NotFound,
        e => StoreError::Sqlite(e.to_string()),
    }
}

/// Runs `sql` with `params` bound as sqlx binds them (`$N` to the N-th value, `?` in
/// order of appearance) and decodes every row with `decode`.
pub(crate) fn query<T>(
    conn: &Connection,
    sql: &str,
    params: &[Bind],
    mut decode: impl FnMut(&Named<'_, '_>) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut stmt = conn.prepare_cached(sql).map_err(sqlite_error)?;
    for i in 1..=stmt.parameter_count() {
        let at = stmt
            .parameter_name(i)
            .and_then(|n| n.strip_prefix('$').or_else(|| n.strip_prefix('?')))
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(i);
        let value = match params.get(at - 1) {
            Some(Bind::Int(v)) => Value::Integer(*v),
            Some(Bind::Text(v)) => Value::Text(v.clone()),
            None => {
                return Err(StoreError::Sqlite(format!(
                    "parameter {i} of {} has no value",
                    params.len()
                )));
            }
        };
        stmt.raw_bind_parameter(i, value).map_err(sqlite_error)?;
    }
    let order: Vec<String> = stmt.column_names().into_iter().map(str::to_owned).collect();
    let names: FxHashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sqlite_error)? {
        out.push(decode(&Named {
            row,
            order: &order,
            names: &names,
            next: Cell::new(0),
        })?);
    }
    Ok(out)
}

/// A row whose columns are looked up by name: the decoders read them mostly in
/// `SELECT` order, so the column after the last one read is tried first, then a
/// map built once per statement.
pub(crate) struct Named<'a, 's> {
    row: &'a rusqlite::Row<'s>,
    order: &'a [String],
    names: &'a FxHashMap<&'a str, usize>,
    next: Cell<usize>,
}

impl Cols for Named<'_, '_> {
    fn col<T: super::ColValue>(&self, name: &str) -> Result<T, StoreError> {
        let guess = self.next.get();
        let at = match self.order.get(guess) {
            Some(n) if n == name => guess,
            _ => *self
                .names
                .get(name)
                .ok_or_else(|| StoreError::Sqlite(format!("no column {name:?}")))?,
        };
        self.next.set(at + 1);
        self.row.get::<_, T>(at).map_err(sqlite_error)
    }
}
