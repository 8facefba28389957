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
use super::inbox::messages::Bind;
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

#[cfg(test)]
mod tests {
    //! The in-place path answers exactly what the sqlx path answers, on one database.

    use super::super::{
        Backend, SqlStore, inbox::conversations, inbox::messages, inbox::response,
        moderation::rules as moderation,
    };
    use crate::InboxQuery;
    use crate::prelude::*;
    use jiff::{Timestamp, ToSpan as _};
    use tend_domain::*;

    #[tokio::test]
    async fn both_read_paths_answer_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("tend.db").display());
        let store = SqlStore::connect(&url, 2).await.unwrap();
        store.migrate().await.unwrap();
        let reader = store
            .reader
            .clone()
            .expect("a file database gets the in-place path");

        let ws = store
            .create_workspace(
                &NewWorkspace::new(Slug::parse("acme").unwrap(), "Acme", "UTC").unwrap(),
            )
            .await
            .unwrap();
        let forum = store
            .create_channel(&NewChannel::new(ws.id, ChannelKind::Discourse, "Forum").unwrap())
            .await
            .unwrap();
        let mut people = Vec::new();
        for i in 0..5 {
            let mut new =
                NewIdentity::new(ws.id, ChannelKind::Discourse, &format!("user{i}")).unwrap();
            new.display_name = (i % 2 == 0).then(|| format!("User Nº{i} ✓"));
            new.followers = (i != 3).then_some(i * 10);
            new.verified = i == 1;
            people.push(store.upsert_identity(&new).await.unwrap().id);
        }
        let t0: Timestamp = "2026-11-02T08:00:00Z".parse().unwrap();
        let batch: Vec<NewMessage> = (0..120i64)
            .map(|i| {
                let mut m = NewMessage::new(
                    forum.id,
                    format!("m{i}"),
                    MessageKind::ForumPost,
                    format!(
                        "message {i} about {}",
                        ["refunds", "webhooks", "crashes"][i as usize % 3]
                    ),
                    t0 + (i * 37).minutes(),
                );
                if i % 4 == 1 {
                    m.direction = Direction::Outbound;
                    m.thread_external_id = Some(format!("m{}", i - 1));
                    m.parent_external_id = Some(format!("m{}", i - 1));
                }
                m.author_id = (i % 6 != 5).then(|| people[i as usize % people.len()]);
                m.title = (i % 3 == 0).then(|| format!("Title {i}"));
                m.lang = (i % 2 == 0).then(|| "en".to_owned());
                m.engagement.likes = i - 10;
                m.signals = (i % 5 != 0).then(|| Signals {
                    sentiment: (i as f64 - 60.0) / 60.0,
                    sentiment_label: [
                        SentimentLabel::Negative,
                        SentimentLabel::Neutral,
                        SentimentLabel::Positive,
                    ][i as usize % 3],
                    toxicity: (i % 7) as f64 / 7.0,
                    spam: 0.25,
                    question: i % 2 == 1,
                });
                m
            })
            .collect();
        let ids: Vec<MessageId> = store
            .upsert_messages(ws.id, &batch)
            .await
            .unwrap()
            .iter()
            .map(|u| u.id)
            .collect();
        let urgent = store
            .ensure_tag(ws.id, &TagName::parse("urgent").unwrap())
            .await
            .unwrap();
        let billing = store
            .ensure_tag(ws.id, &TagName::parse("billing").unwrap())
            .await
            .unwrap();
        for (n, id) in ids.iter().enumerate() {
            if n % 3 == 0 {
                store
                    .tag_message(ws.id, *id, urgent.id, None)
                    .await
                    .unwrap();
            }
            if n % 5 == 0 {
                store
                    .tag_message(ws.id, *id, billing.id, None)
                    .await
                    .unwrap();
            }
        }
        store
            .set_states(ws.id, &ids[..40], InboxState::Done, None, None)
            .await
            .unwrap();
        store
            .set_states(
                ws.id,
                &ids[40..50],
                InboxState::Snoozed,
                Some(t0 + (400 * 24).hours()),
                None,
            )
            .await
            .unwrap();

        let before = batch[90].created_at;
        let queries = [
            InboxQuery::default(),
            InboxQuery {
                state: Some(InboxState::Open),
                ..Default::default()
            },
            InboxQuery {
                state: Some(InboxState::Snoozed),
                ..Default::default()
            },
            InboxQuery {
                limit: 7,
                before: Some((before, ids[90])),
                ..Default::default()
            },
            InboxQuery {
                limit: 7,
                before: Some((before, ids[90])),
                oldest_first: true,
                ..Default::default()
            },
            InboxQuery {
                tag: Some(urgent.id),
                ..Default::default()
            },
            InboxQuery {
                sentiment: Some(SentimentLabel::Negative),
                ..Default::default()
            },
            InboxQuery {
                question: Some(true),
                toxic: Some(false),
                ..Default::default()
            },
            InboxQuery {
                lang: Some("en".into()),
                channel: Some(forum.id),
                ..Default::default()
            },
            InboxQuery {
                unassigned: true,
                from: Some(t0 + 10.hours()),
                to: Some(t0 + 40.hours()),
                ..Default::default()
            },
            InboxQuery {
                text: Some("webhooks".into()),
                limit: 5,
                ..Default::default()
            },
            InboxQuery {
                text: Some("message crashes".into()),
                ..Default::default()
            },
            InboxQuery {
                text: Some("nowhere".into()),
                ..Default::default()
            },
        ];
        let mut seen = 0;
        for q in &queries {
            let sqlx = messages::inbox(&store.pool, None, Backend::Sqlite, ws.id, q)
                .await
                .unwrap();
            let here = messages::inbox(&store.pool, Some(&reader), Backend::Sqlite, ws.id, q)
                .await
                .unwrap();
            assert_eq!(here, sqlx, "{q:?}");
            seen += here.len();
        }
        assert!(
            seen > 200,
            "the queries found too little to compare: {seen}"
        );

        let sqlx = conversations::identities_read(&store.pool, None, ws.id, &people)
            .await
            .unwrap();
        let here = conversations::identities_read(&store.pool, Some(&reader), ws.id, &people)
            .await
            .unwrap();
        assert_eq!(here.len(), people.len());
        assert_eq!(here, sqlx);

        let sqlx = response::of(&store.pool, None, Backend::Sqlite, ws.id, &ids)
            .await
            .unwrap();
        let here = response::of(&store.pool, Some(&reader), Backend::Sqlite, ws.id, &ids)
            .await
            .unwrap();
        assert!(here.iter().any(|r| r.first_reply.is_some()));
        assert_eq!(here, sqlx);

        let sqlx = messages::count_by_state(&store.pool, None, ws.id)
            .await
            .unwrap();
        let here = messages::count_by_state(&store.pool, Some(&reader), ws.id)
            .await
            .unwrap();
        assert_eq!((here.open, here.done, here.snoozed), (70, 40, 10));
        assert_eq!(here, sqlx);

        let sqlx = moderation::open_reviews(&store.pool, None, ws.id, 100)
            .await
            .unwrap();
        let here = moderation::open_reviews(&store.pool, Some(&reader), ws.id, 100)
            .await
            .unwrap();
        assert_eq!(here, sqlx);

        // A write through the sqlx pool is seen by the next in-place read.
        store
            .set_states(ws.id, &ids[50..60], InboxState::Archived, None, None)
            .await
            .unwrap();
        let here = messages::count_by_state(&store.pool, Some(&reader), ws.id)
            .await
            .unwrap();
        assert_eq!((here.open, here.archived), (60, 10));
    }
}
