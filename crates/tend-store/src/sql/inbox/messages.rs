//! Reading messages: one message, its revisions, threads, the inbox list.
//! State changes and counts are in `states`; the write path is in `upsert`.

use crate::sql::sqlite_read::{self, Reader};
use crate::sql::{Backend, Cols, col, corrupt, get, ms, search, ts, ts_opt};
use crate::{InboxQuery, StoreError};
use sqlx::{Any, AnyPool, AssertSqlSafe};
use std::sync::Arc;
use tend_domain::{
    ChannelId, Direction, Engagement, IdentityId, InboxState, Message, MessageId, MessageKind,
    MessageRevision, Rating, SentimentLabel, Signals, TagId, UserId, WorkspaceId,
};

/// The message columns, without its tags (see [`columns`]).
macro_rules! message_columns {
    () => {
        "m.id, m.workspace_id, m.channel_id, m.external_id, m.direction, m.kind, m.thread_root_id, \
    m.parent_id, m.thread_external_id, m.parent_external_id, m.author_id, m.title, m.text, m.lang, m.created_at, \
    m.edited_at, m.ingested_at, m.permalink, m.likes, m.shares, m.replies, m.views, m.state, m.snoozed_until, \
    m.assignee_id, m.sentiment, m.sentiment_label, m.toxicity, m.spam, m.is_question, m.sentiment_corrected, \
    m.removed_at, m.rating"
    };
}

/// What `SELECT … FROM messages m` lists for [`from_row`]: the message's columns and
/// its tag ids as one comma-separated text (`tag_ids`), so a list of messages is one
/// query rather than one for the messages and one for their tags.
pub(crate) fn columns(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => concat!(
            message_columns!(),
            ", (SELECT group_concat(t.tag_id) FROM message_tags t WHERE t.message_id = m.id) AS tag_ids"
        ),
        Backend::Postgres => concat!(
            message_columns!(),
            ", (SELECT string_agg(t.tag_id::text, ',') FROM message_tags t WHERE t.message_id = m.id) AS tag_ids"
        ),
    }
}

pub(crate) fn from_row(row: &impl Cols) -> Result<Message, StoreError> {
    let bad = |e: tend_domain::ValidationError| corrupt("messages", e);
    Ok(Message {
        id: MessageId(col(row, "id")?),
        workspace_id: WorkspaceId(col(row, "workspace_id")?),
        channel_id: ChannelId(col(row, "channel_id")?),
        external_id: col(row, "external_id")?,
        direction: Direction::parse(&col::<String>(row, "direction")?).map_err(bad)?,
        kind: MessageKind::parse(&col::<String>(row, "kind")?).map_err(bad)?,
        thread_root_id: col::<Option<i64>>(row, "thread_root_id")?.map(MessageId),
        parent_id: col::<Option<i64>>(row, "parent_id")?.map(MessageId),
        thread_external_id: col(row, "thread_external_id")?,
        parent_external_id: col(row, "parent_external_id")?,
        author_id: col::<Option<i64>>(row, "author_id")?.map(IdentityId),
        title: col(row, "title")?,
        text: col(row, "text")?,
        lang: col(row, "lang")?,
        created_at: ts(col(row, "created_at")?)?,
        edited_at: ts_opt(col(row, "edited_at")?)?,
        removed_at: ts_opt(col(row, "removed_at")?)?,
        ingested_at: ts(col(row, "ingested_at")?)?,
        permalink: col(row, "permalink")?,
        engagement: Engagement {
            likes: col(row, "likes")?,
            shares: col(row, "shares")?,
            replies: col(row, "replies")?,
            views: col(row, "views")?,
        },
        rating: col::<Option<i64>>(row, "rating")?
            .map(Rating::from_tenths)
            .transpose()
            .map_err(bad)?,
        state: InboxState::parse(&col::<String>(row, "state")?).map_err(bad)?,
        snoozed_until: ts_opt(col(row, "snoozed_until")?)?,
        assignee_id: col::<Option<i64>>(row, "assignee_id")?.map(UserId),
        tags: tags_from_row(row)?,
        signals: signals_from_row(row)?,
        sentiment_corrected: col::<Option<String>>(row, "sentiment_corrected")?
            .map(|l| SentimentLabel::parse(&l))
            .transpose()
            .map_err(bad)?,
    })
}

fn signals_from_row(row: &impl Cols) -> Result<Option<Signals>, StoreError> {
    let label: Option<String> = col(row, "sentiment_label")?;
    let Some(label) = label else { return Ok(None) };
    Ok(Some(Signals {
        sentiment: col::<Option<f64>>(row, "sentiment")?.unwrap_or(0.0),
        sentiment_label: SentimentLabel::parse(&label).map_err(|e| corrupt("messages", e))?,
        toxicity: col::<Option<f64>>(row, "toxicity")?.unwrap_or(0.0),
        spam: col::<Option<f64>>(row, "spam")?.unwrap_or(0.0),
        question: col::<i64>(row, "is_question")? != 0,
    }))
}

/// The `tag_ids` list of [`columns`], in tag id order.
fn tags_from_row(row: &impl Cols) -> Result<Vec<TagId>, StoreError> {
    let Some(list) = col::<Option<String>>(row, "tag_ids")? else {
        return Ok(Vec::new());
    };
    let mut tags = list
        .split(',')
        .map(|id| {
            id.trim()
                .parse()
                .map(TagId)
                .map_err(|_| corrupt("message_tags", format!("tag id {id:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    tags.sort_unstable();
    Ok(tags)
}

pub(crate) async fn check_exists(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: MessageId,
) -> Result<(), StoreError> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM messages WHERE id = $1 AND workspace_id = $2")
            .bind(id.get())
            .bind(workspace.get())
            .fetch_optional(pool)
            .await?;
    found.map(|_| ()).ok_or(StoreError::NotFound)
}

pub(crate) async fn by_id(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    id: MessageId,
) -> Result<Message, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {} FROM messages m WHERE m.id = $1 AND m.workspace_id = $2",
        columns(backend)
    )))
    .bind(id.get())
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    let mut messages = vec![from_row(&row)?];
    messages.pop().ok_or(StoreError::NotFound)
}

/// The messages with these ids, in id order; ids of other workspaces are left out.
pub(crate) async fn by_ids(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    ids: &[MessageId],
) -> Result<Vec<Message>, StoreError> {
    let mut ids: Vec<i64> = ids.iter().map(|i| i.get()).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(400) {
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM messages m WHERE m.workspace_id = $1 AND m.id IN ({}) ORDER BY m.id",
            columns(backend),
            crate::sql::numbered(2, chunk.len())
        )))
        .bind(workspace.get());
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(pool).await? {
            out.push(from_row(&row)?);
        }
    }
    Ok(out)
}

/// Up to `limit` messages of the workspace with ids in `(after, upto]`, in id order:
/// a backfill's next step.
pub(crate) async fn id_range(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    after: MessageId,
    upto: MessageId,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {} FROM messages m WHERE m.id > $1 AND m.id <= $2 AND m.workspace_id = $3 \
         ORDER BY m.id LIMIT $4",
        columns(backend)
    )))
    .bind(after.get())
    .bind(upto.get())
    .bind(workspace.get())
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await?;
    rows.iter().map(from_row).collect()
}

pub(crate) async fn revisions(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: MessageId,
) -> Result<Vec<MessageRevision>, StoreError> {
    check_exists(pool, workspace, id).await?;
    let rows = sqlx::query("SELECT title, text, written_at, replaced_at FROM message_revisions WHERE message_id = $1 ORDER BY id")
        .bind(id.get())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(MessageRevision {
                title: get(row, "title")?,
                text: get(row, "text")?,
                written_at: ts(get(row, "written_at")?)?,
                replaced_at: ts(get(row, "replaced_at")?)?,
            })
        })
        .collect()
}

pub(crate) async fn thread(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    root: MessageId,
) -> Result<Vec<Message>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {} FROM messages m WHERE m.workspace_id = $1 AND (m.id = $2 OR m.thread_root_id = $2) \
         ORDER BY m.created_at, m.id",
        columns(backend)
    )))
    .bind(workspace.get())
    .bind(root.get())
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        return Err(StoreError::NotFound);
    }
    let messages = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(messages)
}

/// Rows of the newest-first order a window pass of a SQLite search looks at.
const SEARCH_WINDOW: i64 = 5_000;

/// The page size of an inbox query (50 by default, at most 500).
fn page_size(q: &InboxQuery) -> u32 {
    match q.limit {
        0 => 50,
        l => l.min(500),
    }
}

pub(crate) async fn inbox(
    pool: &AnyPool,
    reader: Option<&Arc<Reader>>,
    backend: Backend,
    workspace: WorkspaceId,
    q: &InboxQuery,
) -> Result<Vec<Message>, StoreError> {
    if let Some(reader) = reader {
        let q = q.clone();
        return reader
            .read(move |conn| inbox_in_place(conn, workspace, &q))
            .await;
    }
    let limit = page_size(q);
    let text = q.text.as_deref().and_then(|t| search::prepare(backend, t));
    let mut rows = None;
    if let (Some(text), Backend::Sqlite, false) = (&text, backend, q.oldest_first) {
        // FTS5 hands back every match of a word before the newest 50 can be picked,
        // and a common word matches a tenth of a large workspace. So first look only
        // at the newest `SEARCH_WINDOW` messages of the order (after the cursor):
        // every message outside them comes after all of them, so when the window
        // alone yields a full page, that page is the answer. The FTS side is bounded
        // by the window's lowest id (FTS5 seeks to it) and the message side by its
        // oldest time, which together admit every message of the window.
        if let Some(window) = search_window(pool, workspace, q).await? {
            let (sql, binds) = inbox_sql(backend, workspace, q, Some(text), Some(window), limit);
            let found = bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
                .fetch_all(pool)
                .await?;
            if found.len() as u64 >= u64::from(limit) {
                rows = Some(found);
            }
        }
    }
    let rows = match rows {
        Some(rows) => rows,
        None => {
            let (sql, binds) = inbox_sql(backend, workspace, q, text.as_deref(), None, limit);
            bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
                .fetch_all(pool)
                .await?
        }
    };
    let messages = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    Ok(messages)
}

/// The lowest id and oldest time among the first [`SEARCH_WINDOW`] messages of the
/// workspace in newest-first order after the query's cursor (`None`: none there).
async fn search_window(
    pool: &AnyPool,
    workspace: WorkspaceId,
    q: &InboxQuery,
) -> Result<Option<(i64, i64)>, StoreError> {
    let (sql, binds) = search_window_sql(workspace, q);
    let row = bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
        .fetch_one(pool)
        .await?;
    search_window_from_row(&row)
}

/// The query of [`search_window`] and its binds.
fn search_window_sql(workspace: WorkspaceId, q: &InboxQuery) -> (String, Vec<Bind>) {
    let mut sql = String::from(
        "SELECT MIN(id) AS lo, MIN(created_at) AS since FROM (SELECT id, created_at FROM messages WHERE workspace_id = $1",
    );
    let mut binds = vec![Bind::Int(workspace.get())];
    if let Some((at, id)) = q.before {
        sql.push_str(" AND (created_at < $2 OR (created_at = $2 AND id < $3))");
        binds.push(Bind::Int(ms(at)));
        binds.push(Bind::Int(id.get()));
    }
    sql.push_str(&format!(
        " ORDER BY created_at DESC, id DESC LIMIT {SEARCH_WINDOW})"
    ));
    (sql, binds)
}

fn search_window_from_row(row: &impl Cols) -> Result<Option<(i64, i64)>, StoreError> {
    let lo: Option<i64> = col(row, "lo")?;
    let since: Option<i64> = col(row, "since")?;
    Ok(lo.zip(since))
}

/// [`inbox`] on SQLite's in-place read path: the same statements, in the same order.
fn inbox_in_place(
    conn: &rusqlite::Connection,
    workspace: WorkspaceId,
    q: &InboxQuery,
) -> Result<Vec<Message>, StoreError> {
    let backend = Backend::Sqlite;
    let limit = page_size(q);
    let text = q.text.as_deref().and_then(|t| search::prepare(backend, t));
    if let (Some(text), false) = (&text, q.oldest_first) {
        let (sql, binds) = search_window_sql(workspace, q);
        let window = sqlite_read::query(conn, &sql, &binds, |row| search_window_from_row(row))?
            .into_iter()
            .next()
            .ok_or(StoreError::NotFound)?;
        if let Some(window) = window {
            let (sql, binds) = inbox_sql(backend, workspace, q, Some(text), Some(window), limit);
            let found = sqlite_read::query(conn, &sql, &binds, |row| from_row(row))?;
            if found.len() as u64 >= u64::from(limit) {
                return Ok(found);
            }
        }
    }
    let (sql, binds) = inbox_sql(backend, workspace, q, text.as_deref(), None, limit);
    sqlite_read::query(conn, &sql, &binds, |row| from_row(row))
}

/// The inbox query and its binds; `window` bounds a SQLite search to the messages
/// from that lowest id and oldest time on (see [`inbox`]).
pub(crate) fn inbox_sql(
    backend: Backend,
    workspace: WorkspaceId,
    q: &InboxQuery,
    text: Option<&str>,
    window: Option<(i64, i64)>,
    limit: u32,
) -> (String, Vec<Bind>) {
    let mut sql = format!(
        "SELECT {} FROM messages m WHERE m.workspace_id = $1",
        columns(backend)
    );
    let mut binds: Vec<Bind> = vec![Bind::Int(workspace.get())];
    let mut clause = |sql: &mut String, text: &str, value: Bind| {
        binds.push(value);
        sql.push_str(&text.replace('?', &format!("${}", binds.len())));
    };
    if let Some(state) = q.state {
        // A literal of the closed state set, not a bind: SQLite compares a bound
        // state with the partial index `messages_snoozed` (`WHERE state = 'snoozed'`)
        // when planning, which marks the statement to be compiled again after every
        // new binding of it, i.e. at every execution.
        sql.push_str(&format!(" AND m.state = '{}'", state.as_str()));
    }
    if let Some(channel) = q.channel {
        clause(&mut sql, " AND m.channel_id = ?", Bind::Int(channel.get()));
    }
    if let Some(assignee) = q.assignee {
        clause(
            &mut sql,
            " AND m.assignee_id = ?",
            Bind::Int(assignee.get()),
        );
    } else if q.unassigned {
        sql.push_str(" AND m.assignee_id IS NULL");
    }
    if let Some(tag) = q.tag {
        clause(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM message_tags t WHERE t.message_id = m.id AND t.tag_id = ?)",
            Bind::Int(tag.get()),
        );
    }
    if let Some(label) = q.sentiment {
        clause(
            &mut sql,
            " AND COALESCE(m.sentiment_corrected, m.sentiment_label) = ?",
            Bind::Text(label.as_str().to_owned()),
        );
    }
    if let Some(lang) = &q.lang {
        clause(&mut sql, " AND m.lang = ?", Bind::Text(lang.clone()));
    }
    if let Some(question) = q.question {
        clause(
            &mut sql,
            " AND m.is_question = ?",
            Bind::Int(i64::from(question)),
        );
    }
    if let Some(toxic) = q.toxic {
        // Written as integer comparisons on a scaled score so no float is ever bound
        // (see the sqlx Any float trap in ARCHITECTURE.md).
        let threshold = (Signals::TOXIC * 1000.0).round() as i64;
        if toxic {
            clause(
                &mut sql,
                " AND m.toxicity * 1000 >= ?",
                Bind::Int(threshold),
            );
        } else {
            clause(
                &mut sql,
                " AND (m.toxicity IS NULL OR m.toxicity * 1000 < ?)",
                Bind::Int(threshold),
            );
        }
    }
    if let Some(private) = q.private {
        let op = if private {
            " AND m.kind = ?"
        } else {
            " AND m.kind <> ?"
        };
        clause(&mut sql, op, Bind::Text("direct_message".to_owned()));
    }
    if let Some(max) = q.rating_max.map(|r| i64::from(r.tenths())) {
        clause(&mut sql, " AND m.rating <= ?", Bind::Int(max));
    }
    if let Some(from) = q.from {
        clause(&mut sql, " AND m.created_at >= ?", Bind::Int(ms(from)));
    }
    if let Some(to) = q.to {
        clause(&mut sql, " AND m.created_at < ?", Bind::Int(ms(to)));
    }
    if let Some(text) = text {
        match window {
            Some((lo, since)) => {
                clause(&mut sql, " AND m.created_at >= ?", Bind::Int(since));
                binds.push(Bind::Text(text.to_owned()));
                binds.push(Bind::Int(lo));
                sql.push_str(&search::sqlite_window_clause(binds.len() - 1, binds.len()));
            }
            None => clause(
                &mut sql,
                search::clause(backend),
                Bind::Text(text.to_owned()),
            ),
        }
    }
    if let Some((at, id)) = q.before {
        // Keyset paging on (created_at, id); written without row values for portability.
        binds.push(Bind::Int(ms(at)));
        let a = binds.len();
        binds.push(Bind::Int(id.get()));
        let b = binds.len();
        let past = if q.oldest_first { '>' } else { '<' };
        sql.push_str(&format!(
            " AND (m.created_at {past} ${a} OR (m.created_at = ${a} AND m.id {past} ${b}))"
        ));
    }
    let order = if q.oldest_first { "ASC" } else { "DESC" };
    sql.push_str(&format!(
        " ORDER BY m.created_at {order}, m.id {order} LIMIT {limit}"
    ));
    (sql, binds)
}

pub(crate) fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    for bind in binds {
        query = match bind {
            Bind::Int(v) => query.bind(v),
            Bind::Text(v) => query.bind(v),
        };
    }
    query
}

/// A value bound to a dynamically built query.
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

pub(crate) use super::states::{
    add_to_count, assign, count_by_state, set_state, set_states, wake_snoozed,
};
