//! The write path for messages: the idempotent, atomic batch upsert (multi-row
//! INSERT of new messages, per-row compare-and-update of stored ones, link
//! resolution by external id, rollup recount) and known-missing items.

use super::{get, ms, now_ms};
use crate::{Backend, StoreError, UpsertOutcome, Upserted};
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use std::collections::{BTreeSet, HashMap};
use tend_domain::{ChannelId, IdentityId, MessageId, NewMessage, WorkspaceId};

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
    backend: Backend,
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
    // `link_waiting`. Stored messages, repeats within the batch and rows a concurrent
    // writer inserted first take the per-row compare-and-update path.
    let mut first_seen = BTreeSet::new();
    let fresh: Vec<usize> = (0..batch.len())
        .filter(|&i| {
            let key = (batch[i].channel_id.get(), batch[i].external_id.clone());
            !links.contains_key(&key) && first_seen.insert(key)
        })
        .collect();
    let mut outcomes: Vec<Option<Upserted>> = vec![None; batch.len()];
    for chunk in fresh.chunks(rows_per_insert(backend)) {
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
        outcomes[i] = Some(update_existing(&mut tx, m, now).await?);
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

/// The per-row path for a message already stored: compares it with the stored copy
/// and writes only what changed (an edit keeps the previous text as a revision; an
/// older copy changes nothing).
async fn update_existing(
    tx: &mut Transaction<'_, Any>,
    m: &NewMessage,
    now: i64,
) -> Result<Upserted, StoreError> {
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

/// Rows per multi-row INSERT: SQLite resolves `$N` names by a linear scan, so it gets
/// anonymous `?` and smaller statements; both stay under SQLite's 32,766-value limit.
fn rows_per_insert(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 200,
        Backend::Postgres => 500,
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
    backend: Backend,
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
            match backend {
                Backend::Sqlite => sql.push('?'),
                Backend::Postgres => sql.push_str(&format!("${}", r * BOUND_PER_ROW + c + 1)),
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
            // Scores are always bound as numbers (0 when absent; the label says whether
            // signals exist): sqlx 0.9's `Any` driver sends a NULL f64 to PostgreSQL as
            // a float4, which poisons the prepared statement for later non-NULL values.
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
