//! Messages: the idempotent batch upsert, threads, the inbox list and inbox state.

use super::{corrupt, get, ms, now_ms, ts, ts_opt};
use crate::{InboxQuery, StateCounts, StoreError, UpsertOutcome, Upserted};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use std::collections::{BTreeSet, HashMap};
use tend_domain::{
    ChannelId, Direction, Engagement, IdentityId, InboxState, Message, MessageId, MessageKind,
    MessageRevision, NewMessage, SentimentLabel, Signals, TagId, UserId, WorkspaceId,
};

const COLUMNS: &str = "m.id, m.workspace_id, m.channel_id, m.external_id, m.direction, m.kind, m.thread_root_id, \
    m.parent_id, m.thread_external_id, m.parent_external_id, m.author_id, m.title, m.text, m.lang, m.created_at, \
    m.edited_at, m.ingested_at, m.permalink, m.likes, m.shares, m.replies, m.views, m.state, m.snoozed_until, \
    m.assignee_id, m.sentiment, m.sentiment_label, m.toxicity, m.spam, m.is_question";

fn from_row(row: &AnyRow) -> Result<Message, StoreError> {
    let bad = |e: tend_domain::ValidationError| corrupt("messages", e);
    Ok(Message {
        id: MessageId(get(row, "id")?),
        workspace_id: WorkspaceId(get(row, "workspace_id")?),
        channel_id: ChannelId(get(row, "channel_id")?),
        external_id: get(row, "external_id")?,
        direction: Direction::parse(&get::<String>(row, "direction")?).map_err(bad)?,
        kind: MessageKind::parse(&get::<String>(row, "kind")?).map_err(bad)?,
        thread_root_id: get::<Option<i64>>(row, "thread_root_id")?.map(MessageId),
        parent_id: get::<Option<i64>>(row, "parent_id")?.map(MessageId),
        thread_external_id: get(row, "thread_external_id")?,
        parent_external_id: get(row, "parent_external_id")?,
        author_id: get::<Option<i64>>(row, "author_id")?.map(IdentityId),
        title: get(row, "title")?,
        text: get(row, "text")?,
        lang: get(row, "lang")?,
        created_at: ts(get(row, "created_at")?)?,
        edited_at: ts_opt(get(row, "edited_at")?)?,
        ingested_at: ts(get(row, "ingested_at")?)?,
        permalink: get(row, "permalink")?,
        engagement: Engagement {
            likes: get(row, "likes")?,
            shares: get(row, "shares")?,
            replies: get(row, "replies")?,
            views: get(row, "views")?,
        },
        state: InboxState::parse(&get::<String>(row, "state")?).map_err(bad)?,
        snoozed_until: ts_opt(get(row, "snoozed_until")?)?,
        assignee_id: get::<Option<i64>>(row, "assignee_id")?.map(UserId),
        tags: Vec::new(),
        signals: signals_from_row(row)?,
    })
}

fn signals_from_row(row: &AnyRow) -> Result<Option<Signals>, StoreError> {
    let label: Option<String> = get(row, "sentiment_label")?;
    let Some(label) = label else { return Ok(None) };
    Ok(Some(Signals {
        sentiment: get::<Option<f64>>(row, "sentiment")?.unwrap_or(0.0),
        sentiment_label: SentimentLabel::parse(&label).map_err(|e| corrupt("messages", e))?,
        toxicity: get::<Option<f64>>(row, "toxicity")?.unwrap_or(0.0),
        spam: get::<Option<f64>>(row, "spam")?.unwrap_or(0.0),
        question: get::<i64>(row, "is_question")? != 0,
    }))
}

/// Loads the tags of the given messages in one query and attaches them.
async fn attach_tags(pool: &AnyPool, messages: &mut [Message]) -> Result<(), StoreError> {
    if messages.is_empty() {
        return Ok(());
    }
    let placeholders = (1..=messages.len())
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT message_id, tag_id FROM message_tags WHERE message_id IN ({placeholders}) ORDER BY tag_id"
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for m in messages.iter() {
        query = query.bind(m.id.get());
    }
    let mut by_message: HashMap<i64, Vec<TagId>> = HashMap::new();
    for row in query.fetch_all(pool).await? {
        by_message
            .entry(get(&row, "message_id")?)
            .or_default()
            .push(TagId(get(&row, "tag_id")?));
    }
    for m in messages.iter_mut() {
        m.tags = by_message.remove(&m.id.get()).unwrap_or_default();
    }
    Ok(())
}

/// Checks that every channel and author named in the batch belongs to the workspace.
async fn check_references(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
    batch: &[NewMessage],
) -> Result<(), StoreError> {
    let channels: BTreeSet<i64> = batch.iter().map(|m| m.channel_id.get()).collect();
    let authors: BTreeSet<i64> = batch
        .iter()
        .filter_map(|m| m.author_id.map(IdentityId::get))
        .collect();
    for (table, ids) in [("channels", &channels), ("identities", &authors)] {
        for chunk in ids.iter().copied().collect::<Vec<_>>().chunks(500) {
            let placeholders = (2..chunk.len() + 2)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT COUNT(*) FROM {table} WHERE workspace_id = $1 AND id IN ({placeholders})"
            );
            let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql)).bind(workspace.get());
            for id in chunk {
                query = query.bind(*id);
            }
            let found = query.fetch_one(&mut **tx).await?;
            if usize::try_from(found).ok() != Some(chunk.len()) {
                return Err(StoreError::NotFound);
            }
        }
    }
    Ok(())
}

pub(crate) async fn upsert_batch(
    pool: &AnyPool,
    workspace: WorkspaceId,
    batch: &[NewMessage],
) -> Result<Vec<Upserted>, StoreError> {
    for m in batch {
        m.validate()?;
    }
    let mut tx = pool.begin().await?;
    check_references(&mut tx, workspace, batch).await?;
    let now = now_ms();
    let mut out = Vec::with_capacity(batch.len());
    let mut created_in = BTreeSet::new();
    let mut links = lookup_batch(&mut tx, batch).await?;
    let buckets = super::rollups::touched(&mut tx, batch).await?;
    // New messages (the first occurrence of an id not yet stored) go in with
    // multi-row INSERTs; links to messages of the same batch are then filled in by
    // `link_waiting`. Updates and repeats within the batch take the per-row path.
    let mut first_seen = BTreeSet::new();
    let fresh: Vec<usize> = (0..batch.len())
        .filter(|&i| {
            let key = (batch[i].channel_id.get(), batch[i].external_id.clone());
            !links.contains_key(&key) && first_seen.insert(key)
        })
        .collect();
    let mut outcomes: Vec<Option<Upserted>> = vec![None; batch.len()];
    let backend = if pool.connect_options().database_url.scheme() == "sqlite" {
        Dialect::Sqlite
    } else {
        Dialect::Postgres
    };
    for chunk in fresh.chunks(backend.rows_per_insert()) {
        let ids = insert_fresh(&mut tx, workspace, batch, chunk, now, &links, backend).await?;
        for &i in chunk {
            let m = &batch[i];
            let Some(&id) = ids.get(&m.external_id) else {
                continue;
            };
            created_in.insert(m.channel_id);
            outcomes[i] = Some(Upserted {
                id: MessageId(id),
                outcome: UpsertOutcome::Created,
            });
            links.insert(
                (m.channel_id.get(), m.external_id.clone()),
                Link {
                    id,
                    external_id: m.external_id.clone(),
                    thread_root_id: None,
                    thread_external_id: m.thread_external_id.clone(),
                    parent_external_id: m.parent_external_id.clone(),
                },
            );
        }
    }
    for (i, m) in batch.iter().enumerate() {
        if outcomes[i].is_some() {
            continue;
        }
        let upserted = upsert_one(&mut tx, workspace, m, now, &mut links).await?;
        if upserted.outcome == UpsertOutcome::Created {
            created_in.insert(m.channel_id);
        }
        outcomes[i] = Some(upserted);
    }
    out.extend(outcomes.into_iter().flatten());
    for channel in created_in {
        link_waiting(&mut tx, channel).await?;
    }
    if out.iter().any(|u| u.outcome != UpsertOutcome::Unchanged) {
        super::rollups::recount(&mut tx, workspace, &buckets).await?;
    }
    tx.commit().await?;
    Ok(out)
}

async fn upsert_one(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
    m: &NewMessage,
    now: i64,
    links: &mut Links,
) -> Result<Upserted, StoreError> {
    // Resolve the parent and the conversation root by external id (see `Links`). A
    // message that names only its parent inherits the parent's root. Links to
    // messages that have not arrived yet are filled in by `link_waiting` at the end
    // of the batch that brings them.
    let channel = m.channel_id.get();
    let find = |ext: &str| links.get(&(channel, ext.to_owned()));
    let parent = m.parent_external_id.as_deref().and_then(find);
    let (thread_external_id, thread_root_id) = match (&m.thread_external_id, parent) {
        (Some(ext), _) => (Some(ext.clone()), find(ext).map(|l| l.id)),
        (None, Some(p)) if p.parent_external_id.is_none() => {
            (Some(p.external_id.clone()), Some(p.id))
        }
        (None, Some(p)) => (p.thread_external_id.clone(), p.thread_root_id),
        (None, None) => (None, None),
    };
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO messages (workspace_id, channel_id, external_id, direction, kind, thread_root_id, parent_id, \
         thread_external_id, parent_external_id, author_id, title, text, lang, created_at, edited_at, ingested_at, \
         permalink, likes, shares, replies, views, state, sentiment, sentiment_label, toxicity, spam, is_question) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, 'open', \
           $22, $23, $24, $25, $26) \
         ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id",
    )
    .bind(workspace.get())
    .bind(m.channel_id.get())
    .bind(&m.external_id)
    .bind(m.direction.as_str())
    .bind(m.kind.as_str())
    .bind(thread_root_id)
    .bind(parent.map(|p| p.id))
    .bind(thread_external_id.as_deref())
    .bind(m.parent_external_id.as_deref())
    .bind(m.author_id.map(IdentityId::get))
    .bind(m.title.as_deref())
    .bind(&m.text)
    .bind(m.lang.as_deref())
    .bind(ms(m.created_at))
    .bind(m.edited_at.map(ms))
    .bind(now)
    .bind(m.permalink.as_deref())
    .bind(m.engagement.likes)
    .bind(m.engagement.shares)
    .bind(m.engagement.replies)
    .bind(m.engagement.views)
    // Scores are always bound as numbers (0 when absent; the label says whether
    // signals exist): sqlx 0.9's `Any` driver sends a NULL f64 to PostgreSQL as a
    // float4, which poisons the prepared statement for later non-NULL values.
    .bind(m.signals.map_or(0.0, |x| x.sentiment))
    .bind(m.signals.map(|x| x.sentiment_label.as_str()))
    .bind(m.signals.map_or(0.0, |x| x.toxicity))
    .bind(m.signals.map_or(0.0, |x| x.spam))
    .bind(i64::from(m.signals.is_some_and(|x| x.question)))
    .fetch_optional(&mut **tx)
    .await?;

    if let Some(id) = inserted {
        links.insert(
            (channel, m.external_id.clone()),
            Link {
                id,
                external_id: m.external_id.clone(),
                thread_root_id,
                thread_external_id: thread_external_id.clone(),
                parent_external_id: m.parent_external_id.clone(),
            },
        );
        return Ok(Upserted {
            id: MessageId(id),
            outcome: UpsertOutcome::Created,
        });
    }

    let row = sqlx::query(
        "SELECT id, title, text, lang, created_at, edited_at, permalink, likes, shares, replies, views \
         FROM messages WHERE channel_id = $1 AND external_id = $2",
    )
    .bind(m.channel_id.get())
    .bind(&m.external_id)
    .fetch_one(&mut **tx)
    .await?;
    let id: i64 = get(&row, "id")?;
    let stored_edited: Option<i64> = get(&row, "edited_at")?;
    let stored_written = stored_edited.unwrap_or(get(&row, "created_at")?);
    let incoming_written = ms(m.edited_at.unwrap_or(m.created_at));
    if incoming_written < stored_written {
        // An older copy (e.g. a re-import of an earlier export): never roll back.
        return Ok(Upserted {
            id: MessageId(id),
            outcome: UpsertOutcome::Unchanged,
        });
    }
    let stored_text: String = get(&row, "text")?;
    let stored_title: Option<String> = get(&row, "title")?;
    let engagement = (
        get::<i64>(&row, "likes")?,
        get::<i64>(&row, "shares")?,
        get::<i64>(&row, "replies")?,
        get::<i64>(&row, "views")?,
    );
    let text_changed = stored_text != m.text || stored_title != m.title;
    let meta_changed = engagement
        != (
            m.engagement.likes,
            m.engagement.shares,
            m.engagement.replies,
            m.engagement.views,
        )
        || (m.permalink.is_some() && get::<Option<String>>(&row, "permalink")? != m.permalink)
        || (m.lang.is_some() && get::<Option<String>>(&row, "lang")? != m.lang);
    if text_changed {
        sqlx::query("INSERT INTO message_revisions (message_id, title, text, written_at, replaced_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(stored_title.as_deref())
            .bind(&stored_text)
            .bind(stored_written)
            .bind(now)
            .execute(&mut **tx)
            .await?;
    }
    if text_changed || meta_changed {
        let edited_at = if text_changed {
            Some(incoming_written.max(stored_written))
        } else {
            stored_edited
        };
        sqlx::query(
            "UPDATE messages SET title = $1, text = $2, edited_at = $3, permalink = COALESCE($4, permalink), \
             lang = COALESCE($5, lang), likes = $6, shares = $7, replies = $8, views = $9, \
             sentiment = CASE WHEN $12 IS NULL THEN sentiment ELSE $11 END, \
             sentiment_label = COALESCE($12, sentiment_label), \
             toxicity = CASE WHEN $12 IS NULL THEN toxicity ELSE $13 END, \
             spam = CASE WHEN $12 IS NULL THEN spam ELSE $14 END, \
             is_question = CASE WHEN $12 IS NULL THEN is_question ELSE $15 END WHERE id = $10",
        )
        .bind(m.title.as_deref())
        .bind(&m.text)
        .bind(edited_at)
        .bind(m.permalink.as_deref())
        .bind(m.lang.as_deref())
        .bind(m.engagement.likes)
        .bind(m.engagement.shares)
        .bind(m.engagement.replies)
        .bind(m.engagement.views)
        .bind(id)
        .bind(m.signals.map_or(0.0, |x| x.sentiment))
        .bind(m.signals.map(|x| x.sentiment_label.as_str()))
        .bind(m.signals.map_or(0.0, |x| x.toxicity))
        .bind(m.signals.map_or(0.0, |x| x.spam))
        .bind(i64::from(m.signals.is_some_and(|x| x.question)))
        .execute(&mut **tx)
        .await?;
    }
    let outcome = if text_changed {
        UpsertOutcome::Edited
    } else if meta_changed {
        UpsertOutcome::Updated
    } else {
        UpsertOutcome::Unchanged
    };
    Ok(Upserted {
        id: MessageId(id),
        outcome,
    })
}

/// The linking fields of a stored message.
struct Link {
    id: i64,
    external_id: String,
    thread_root_id: Option<i64>,
    thread_external_id: Option<String>,
    parent_external_id: Option<String>,
}

/// Placeholder style for the multi-row INSERT.
#[derive(Clone, Copy, PartialEq)]
enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    /// Rows per statement: SQLite resolves `$N` names by a linear scan, so it gets
    /// anonymous `?` and smaller statements; both stay under SQLite's 32,766 limit.
    fn rows_per_insert(self) -> usize {
        match self {
            Dialect::Sqlite => 200,
            Dialect::Postgres => 500,
        }
    }
}

/// Values bound per row by `insert_fresh` (every column but the literal `state`).
const BOUND_PER_ROW: usize = 26;

/// Inserts the new messages `rows` (indexes into `batch`) in one statement; returns
/// the ids by external id. Links to stored messages are resolved here; links to
/// messages of the same batch by `link_waiting`.
async fn insert_fresh(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
    batch: &[NewMessage],
    rows: &[usize],
    now: i64,
    links: &Links,
    dialect: Dialect,
) -> Result<HashMap<String, i64>, StoreError> {
    let mut sql = String::from(
        "INSERT INTO messages (workspace_id, channel_id, external_id, direction, kind, thread_root_id, parent_id, \
         thread_external_id, parent_external_id, author_id, title, text, lang, created_at, edited_at, ingested_at, \
         permalink, likes, shares, replies, views, sentiment, sentiment_label, toxicity, spam, is_question, state) VALUES ",
    );
    for (r, _) in rows.iter().enumerate() {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..BOUND_PER_ROW {
            if c > 0 {
                sql.push_str(", ");
            }
            match dialect {
                Dialect::Sqlite => sql.push('?'),
                Dialect::Postgres => sql.push_str(&format!("${}", r * BOUND_PER_ROW + c + 1)),
            }
        }
        sql.push_str(", 'open')");
    }
    sql.push_str(" ON CONFLICT (channel_id, external_id) DO NOTHING RETURNING id, external_id");
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for &i in rows {
        let m = &batch[i];
        let channel = m.channel_id.get();
        let find = |ext: &str| links.get(&(channel, ext.to_owned()));
        let parent = m.parent_external_id.as_deref().and_then(find);
        let (thread_external_id, thread_root_id) = match (&m.thread_external_id, parent) {
            (Some(ext), _) => (Some(ext.clone()), find(ext).map(|l| l.id)),
            (None, Some(p)) if p.parent_external_id.is_none() => {
                (Some(p.external_id.clone()), Some(p.id))
            }
            (None, Some(p)) => (p.thread_external_id.clone(), p.thread_root_id),
            (None, None) => (None, None),
        };
        query = query
            .bind(workspace.get())
            .bind(channel)
            .bind(m.external_id.clone())
            .bind(m.direction.as_str())
            .bind(m.kind.as_str())
            .bind(thread_root_id)
            .bind(parent.map(|p| p.id))
            .bind(thread_external_id)
            .bind(m.parent_external_id.clone())
            .bind(m.author_id.map(IdentityId::get))
            .bind(m.title.clone())
            .bind(m.text.clone())
            .bind(m.lang.clone())
            .bind(ms(m.created_at))
            .bind(m.edited_at.map(ms))
            .bind(now)
            .bind(m.permalink.clone())
            .bind(m.engagement.likes)
            .bind(m.engagement.shares)
            .bind(m.engagement.replies)
            .bind(m.engagement.views)
            // Scores always bound as numbers: see the note on `upsert_one`.
            .bind(m.signals.map_or(0.0, |x| x.sentiment))
            .bind(m.signals.map(|x| x.sentiment_label.as_str()))
            .bind(m.signals.map_or(0.0, |x| x.toxicity))
            .bind(m.signals.map_or(0.0, |x| x.spam))
            .bind(i64::from(m.signals.is_some_and(|x| x.question)));
    }
    let mut ids = HashMap::with_capacity(rows.len());
    for row in query.fetch_all(&mut **tx).await? {
        ids.insert(get::<String>(&row, "external_id")?, get::<i64>(&row, "id")?);
    }
    Ok(ids)
}

/// Known messages of the batch's channels by `(channel, external id)`: loaded once per
/// batch for every parent and root the batch names, then extended with each message
/// the batch creates, so resolving links costs no query per message.
type Links = HashMap<(i64, String), Link>;

/// Loads the stored messages that the batch names as parent or root.
async fn lookup_batch(
    tx: &mut Transaction<'_, Any>,
    batch: &[NewMessage],
) -> Result<Links, StoreError> {
    let mut wanted: BTreeSet<(i64, &str)> = BTreeSet::new();
    for m in batch {
        // The batch's own ids too: those found are updates, the rest are new.
        for ext in [
            Some(m.external_id.as_str()),
            m.parent_external_id.as_deref(),
            m.thread_external_id.as_deref(),
        ]
        .into_iter()
        .flatten()
        {
            wanted.insert((m.channel_id.get(), ext));
        }
    }
    let mut links = Links::new();
    let mut by_channel: HashMap<i64, Vec<&str>> = HashMap::new();
    for (channel, ext) in wanted {
        by_channel.entry(channel).or_default().push(ext);
    }
    for (channel, exts) in by_channel {
        for chunk in exts.chunks(500) {
            let placeholders = (2..chunk.len() + 2)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT id, external_id, thread_root_id, thread_external_id, parent_external_id FROM messages \
                 WHERE channel_id = $1 AND external_id IN ({placeholders})"
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(channel);
            for ext in chunk {
                query = query.bind(*ext);
            }
            for row in query.fetch_all(&mut **tx).await? {
                let link = Link {
                    id: get(&row, "id")?,
                    external_id: get(&row, "external_id")?,
                    thread_root_id: get(&row, "thread_root_id")?,
                    thread_external_id: get(&row, "thread_external_id")?,
                    parent_external_id: get(&row, "parent_external_id")?,
                };
                links.insert((channel, link.external_id.clone()), link);
            }
        }
    }
    Ok(links)
}

/// Links messages that arrived before their parent or root, once per batch and
/// channel: waiting children get their parent, children whose parent now knows its
/// conversation inherit it, and messages waiting for their root get it. Repeats
/// while anything changes (a chain that arrived backwards resolves one level per
/// pass), at most a few times. The partial indexes on waiting rows keep each pass
/// proportional to the number of messages still waiting, not to the table.
async fn link_waiting(tx: &mut Transaction<'_, Any>, channel: ChannelId) -> Result<(), StoreError> {
    // `UPDATE … FROM` (PostgreSQL, SQLite 3.33+) lets both databases drive the join
    // from the few waiting rows (partial indexes) into the unique (channel, external
    // id) index, instead of a correlated subquery that PostgreSQL may turn into a
    // scan of the whole table. Each statement only matches rows it will change.
    const STATEMENTS: [&str; 3] = [
        "UPDATE messages SET parent_id = p.id FROM messages p \
         WHERE messages.channel_id = $1 AND messages.parent_id IS NULL AND messages.parent_external_id IS NOT NULL \
           AND p.channel_id = messages.channel_id AND p.external_id = messages.parent_external_id",
        "UPDATE messages SET thread_external_id = CASE WHEN p.parent_external_id IS NULL \
             THEN p.external_id ELSE p.thread_external_id END FROM messages p \
         WHERE messages.channel_id = $1 AND messages.thread_external_id IS NULL \
           AND messages.parent_external_id IS NOT NULL AND messages.parent_id IS NOT NULL \
           AND p.id = messages.parent_id AND (p.parent_external_id IS NULL OR p.thread_external_id IS NOT NULL)",
        "UPDATE messages SET thread_root_id = r.id FROM messages r \
         WHERE messages.channel_id = $1 AND messages.thread_root_id IS NULL AND messages.thread_external_id IS NOT NULL \
           AND r.channel_id = messages.channel_id AND r.external_id = messages.thread_external_id",
    ];
    // Known-missing items that have now arrived are no longer missing.
    sqlx::query(
        "DELETE FROM missing_messages WHERE channel_id = $1 AND EXISTS (SELECT 1 FROM messages m \
         WHERE m.channel_id = missing_messages.channel_id AND m.external_id = missing_messages.external_id)",
    )
    .bind(channel.get())
    .execute(&mut **tx)
    .await?;
    // Each pass resolves one more level of a chain that arrived out of order (or
    // within one batch); it only touches waiting rows, so idle passes are cheap.
    for _pass in 0..256 {
        let mut changed = 0;
        for sql in STATEMENTS {
            changed += sqlx::query(sql)
                .bind(channel.get())
                .execute(&mut **tx)
                .await?
                .rows_affected();
        }
        if changed == 0 {
            break;
        }
    }
    Ok(())
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
    workspace: WorkspaceId,
    id: MessageId,
) -> Result<Message, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM messages m WHERE m.id = $1 AND m.workspace_id = $2"
    )))
    .bind(id.get())
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    let mut messages = vec![from_row(&row)?];
    attach_tags(pool, &mut messages).await?;
    messages.pop().ok_or(StoreError::NotFound)
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
    workspace: WorkspaceId,
    root: MessageId,
) -> Result<Vec<Message>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM messages m WHERE m.workspace_id = $1 AND (m.id = $2 OR m.thread_root_id = $2) \
         ORDER BY m.created_at, m.id"
    )))
    .bind(workspace.get())
    .bind(root.get())
    .fetch_all(pool)
    .await?;
    if rows.is_empty() {
        return Err(StoreError::NotFound);
    }
    let mut messages = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    attach_tags(pool, &mut messages).await?;
    Ok(messages)
}

pub(crate) async fn inbox(
    pool: &AnyPool,
    workspace: WorkspaceId,
    q: &InboxQuery,
) -> Result<Vec<Message>, StoreError> {
    let mut sql = format!("SELECT {COLUMNS} FROM messages m WHERE m.workspace_id = $1");
    let mut n = 1;
    let mut next = |sql: &mut String, clause: &str| {
        n += 1;
        sql.push_str(&clause.replace('?', &format!("${n}")));
    };
    if q.state.is_some() {
        next(&mut sql, " AND m.state = ?");
    }
    if q.channel.is_some() {
        next(&mut sql, " AND m.channel_id = ?");
    }
    if q.assignee.is_some() {
        next(&mut sql, " AND m.assignee_id = ?");
    }
    if q.tag.is_some() {
        next(
            &mut sql,
            " AND EXISTS (SELECT 1 FROM message_tags t WHERE t.message_id = m.id AND t.tag_id = ?)",
        );
    }
    if q.before.is_some() {
        // Keyset paging on (created_at, id); written without row values for portability.
        n += 1;
        let a = n;
        n += 1;
        let b = n;
        sql.push_str(&format!(
            " AND (m.created_at < ${a} OR (m.created_at = ${a} AND m.id < ${b}))"
        ));
    }
    let limit = match q.limit {
        0 => 50,
        l => l.min(500),
    };
    sql.push_str(&format!(
        " ORDER BY m.created_at DESC, m.id DESC LIMIT {limit}"
    ));

    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(workspace.get());
    if let Some(state) = q.state {
        query = query.bind(state.as_str());
    }
    if let Some(channel) = q.channel {
        query = query.bind(channel.get());
    }
    if let Some(assignee) = q.assignee {
        query = query.bind(assignee.get());
    }
    if let Some(tag) = q.tag {
        query = query.bind(tag.get());
    }
    if let Some((at, id)) = q.before {
        query = query.bind(ms(at)).bind(id.get());
    }
    let rows = query.fetch_all(pool).await?;
    let mut messages = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    attach_tags(pool, &mut messages).await?;
    Ok(messages)
}

pub(crate) async fn count_by_state(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<StateCounts, StoreError> {
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n FROM messages WHERE workspace_id = $1 GROUP BY state",
    )
    .bind(workspace.get())
    .fetch_all(pool)
    .await?;
    let mut counts = StateCounts::default();
    for row in rows {
        let n: i64 = get(&row, "n")?;
        match InboxState::parse(&get::<String>(&row, "state")?)
            .map_err(|e| corrupt("messages", e))?
        {
            InboxState::Open => counts.open = n,
            InboxState::Done => counts.done = n,
            InboxState::Snoozed => counts.snoozed = n,
            InboxState::Archived => counts.archived = n,
        }
    }
    Ok(counts)
}

pub(crate) async fn set_state(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: MessageId,
    state: InboxState,
    snoozed_until: Option<Timestamp>,
) -> Result<Message, StoreError> {
    let until = match (state, snoozed_until) {
        (InboxState::Snoozed, Some(t)) => Some(ms(t)),
        (InboxState::Snoozed, None) => {
            return Err(tend_domain::ValidationError::new(
                "snoozed_until",
                "is required to snooze",
            )
            .into());
        }
        _ => None,
    };
    let res = sqlx::query(
        "UPDATE messages SET state = $1, snoozed_until = $2 WHERE id = $3 AND workspace_id = $4",
    )
    .bind(state.as_str())
    .bind(until)
    .bind(id.get())
    .bind(workspace.get())
    .execute(pool)
    .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    by_id(pool, workspace, id).await
}

pub(crate) async fn assign(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: MessageId,
    assignee: Option<UserId>,
) -> Result<Message, StoreError> {
    if let Some(user) = assignee
        && super::users::role_in(pool, user, workspace)
            .await?
            .is_none()
    {
        // Only teammates of this workspace can be assigned.
        return Err(StoreError::NotFound);
    }
    let res =
        sqlx::query("UPDATE messages SET assignee_id = $1 WHERE id = $2 AND workspace_id = $3")
            .bind(assignee.map(UserId::get))
            .bind(id.get())
            .bind(workspace.get())
            .execute(pool)
            .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    by_id(pool, workspace, id).await
}

pub(crate) async fn save_missing(
    pool: &AnyPool,
    workspace: WorkspaceId,
    channel: ChannelId,
    items: &[tend_domain::MissingItem],
) -> Result<u64, StoreError> {
    super::channels::by_id(pool, workspace, channel).await?;
    let mut tx = pool.begin().await?;
    let mut added = 0;
    for item in items {
        if item.external_id.is_empty()
            || item.external_id.len() > tend_domain::message::MAX_EXTERNAL_ID_BYTES
        {
            return Err(
                tend_domain::ValidationError::new("external_id", "must be 1-512 bytes").into(),
            );
        }
        added += sqlx::query(
            "INSERT INTO missing_messages (channel_id, external_id, parent_external_id) \
             SELECT $1, $2, $3 WHERE NOT EXISTS (SELECT 1 FROM messages WHERE channel_id = $1 AND external_id = $2) \
             ON CONFLICT (channel_id, external_id) DO NOTHING",
        )
        .bind(channel.get())
        .bind(&item.external_id)
        .bind(item.parent_external_id.as_deref())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    }
    tx.commit().await?;
    Ok(added)
}
