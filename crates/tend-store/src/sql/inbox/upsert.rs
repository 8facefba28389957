//! The write path for messages: the idempotent, atomic batch upsert (ids reserved
//! and links resolved in memory, multi-row INSERT of new messages, per-row
//! compare-and-update of stored ones, adoption of messages that arrived before
//! their parent, rollup deltas) and known-missing items.

use crate::sql::inbox::rollups::{Counted, Deltas};
use crate::sql::{corrupt, get, ms, now_ms, placeholders, reserve_ids};
use crate::{Backend, StoreError, UpsertOutcome, Upserted};
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use std::collections::{BTreeSet, HashMap, HashSet};
use tend_domain::{
    ChannelId, EventPayload, IdentityId, MessageId, MessagesStored, NewMessage, WorkspaceId,
};

/// Checks that every channel and author named in the batch belongs to the workspace.
/// On PostgreSQL it also locks the batch's channels (`FOR NO KEY UPDATE`, which
/// does not block other tables' foreign keys) until commit, so two writers into the
/// same channel take turns: ids and links are decided from what is stored, and
/// nobody may insert the same external id in between. SQLite gets the same from
/// `BEGIN IMMEDIATE`.
async fn check_references(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
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
            // Rows are only fetched where they are locked; elsewhere the database
            // counts them, so a batch's thousands of authors cost no row transfers.
            let locked = table == "channels" && backend == Backend::Postgres;
            let sql = format!(
                "SELECT {} FROM {table} WHERE workspace_id = {} AND id IN ({}){}",
                if locked { "id" } else { "COUNT(*) AS n" },
                placeholders(backend, 1, 1),
                placeholders(backend, 2, chunk.len()),
                if locked {
                    " ORDER BY id FOR NO KEY UPDATE"
                } else {
                    ""
                },
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(workspace.get());
            for id in chunk {
                query = query.bind(*id);
            }
            let rows = query.fetch_all(&mut **tx).await?;
            let found = if locked {
                rows.len()
            } else {
                let counted: i64 = rows.first().map(|r| get(r, "n")).transpose()?.unwrap_or(0);
                usize::try_from(counted).unwrap_or(0)
            };
            if found != chunk.len() {
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
    upsert_batch_marked(pool, backend, workspace, batch, None).await
}

/// [`upsert_batch`], and for a page read live its deletions, cursor and
/// health in the same transaction (see `sql/live.rs`).
pub(crate) async fn upsert_batch_marked(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    batch: &[NewMessage],
    live: Option<&crate::LivePage<'_>>,
) -> Result<Vec<Upserted>, StoreError> {
    for m in batch {
        m.validate()?;
    }
    // Take the write lock up front: ids are reserved from MAX(id) below.
    let mut tx = crate::sql::begin_write(pool, backend).await?;
    check_references(&mut tx, backend, workspace, batch).await?;
    let now = now_ms();
    let mut links = lookup_batch(&mut tx, backend, batch).await?;
    let mut deltas = Deltas::default();
    // New messages (the first occurrence of an id not yet stored) get their ids
    // reserved first, so every link inside the batch is resolved in memory and the
    // rows are written once by multi-row INSERTs. Stored messages and repeats within
    // the batch take the per-row compare-and-update path.
    let mut first_seen = BTreeSet::new();
    let fresh: Vec<usize> = (0..batch.len())
        .filter(|&i| {
            let key = (batch[i].channel_id.get(), batch[i].external_id.clone());
            !links.contains_key(&key) && first_seen.insert(key)
        })
        .collect();
    let mut outcomes: Vec<Option<Upserted>> = vec![None; batch.len()];
    let mut created_in = BTreeSet::new();
    if !fresh.is_empty() {
        let mut earliest: HashMap<(i64, i64), i64> = HashMap::new();
        for &i in &fresh {
            let m = &batch[i];
            deltas.count(&Counted::of(m), 1);
            if let Some(author) = m.author_id {
                let at = ms(m.created_at);
                let e = earliest
                    .entry((m.channel_id.get(), author.get()))
                    .or_insert(at);
                *e = (*e).min(at);
            }
        }
        deltas.new_authors(&mut tx, backend, &earliest).await?;
        let rows = plan_fresh(&mut tx, backend, batch, &fresh, &mut links).await?;
        for chunk in rows.chunks(rows_per_insert(backend)) {
            insert_fresh(&mut tx, backend, workspace, batch, chunk, now).await?;
        }
        let opened =
            i64::try_from(rows.len()).map_err(|_| corrupt("messages", "batch too large"))?;
        crate::sql::inbox::messages::add_to_count(&mut tx, workspace, "open", opened).await?;
        for row in &rows {
            created_in.insert(batch[row.index].channel_id);
            outcomes[row.index] = Some(Upserted {
                id: MessageId(row.id),
                outcome: UpsertOutcome::Created,
            });
        }
    }
    for (i, m) in batch.iter().enumerate() {
        if outcomes[i].is_some() {
            continue;
        }
        outcomes[i] = Some(update_existing(&mut tx, m, now, &mut deltas).await?);
    }
    for channel in created_in {
        link_waiting(&mut tx, channel).await?;
    }
    deltas.apply(&mut tx, backend, workspace).await?;
    let out: Vec<Upserted> = outcomes.into_iter().flatten().collect();
    let ids = |wanted: UpsertOutcome| -> Vec<MessageId> {
        out.iter()
            .filter(|u| u.outcome == wanted)
            .map(|u| u.id)
            .collect()
    };
    let (created, edited, updated) = (
        ids(UpsertOutcome::Created),
        ids(UpsertOutcome::Edited),
        ids(UpsertOutcome::Updated),
    );
    if !(created.is_empty() && edited.is_empty() && updated.is_empty()) {
        let channels: BTreeSet<ChannelId> = batch.iter().map(|m| m.channel_id).collect();
        let payload = EventPayload::MessagesStored(MessagesStored {
            channels: channels.into_iter().collect(),
            created,
            edited,
            updated,
        });
        crate::sql::events::append(&mut tx, backend, workspace, &payload).await?;
    }
    if let Some(page) = live {
        let created = out
            .iter()
            .filter(|u| u.outcome == UpsertOutcome::Created)
            .count();
        crate::sql::live::mark_page(&mut tx, backend, workspace, page, created).await?;
    }
    tx.commit().await?;
    Ok(out)
}

/// A new message with its reserved id and resolved links, ready to insert.
struct FreshRow {
    /// Index into the batch.
    index: usize,
    id: i64,
    thread_root_id: Option<i64>,
    parent_id: Option<i64>,
    thread_external_id: Option<String>,
}

/// Reserves ids for the new messages and resolves their links, parents before
/// children. Rows come back in an order in which no row names a row inserted after
/// it: id order when every new parent has a smaller id than its children, else
/// parents first.
/// Links to stored messages and to messages of the batch are resolved here; a link
/// to a message that has not arrived stays open for `link_waiting`.
async fn plan_fresh(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    batch: &[NewMessage],
    fresh: &[usize],
    links: &mut Links,
) -> Result<Vec<FreshRow>, StoreError> {
    let ids = reserve_ids(tx, backend, "messages", fresh.len()).await?;
    let key = |i: usize| (batch[i].channel_id.get(), batch[i].external_id.clone());
    let fresh_at: HashMap<(i64, String), usize> = fresh
        .iter()
        .enumerate()
        .map(|(k, &i)| (key(i), k))
        .collect();
    // Depth of each new message below its nearest ancestor that is not new; a cycle
    // (hostile input) is cut where it is found.
    let mut depth: Vec<Option<usize>> = vec![None; fresh.len()];
    for start in 0..fresh.len() {
        let mut chain = Vec::new();
        let mut at = Some(start);
        let mut base = 0;
        while let Some(k) = at {
            if let Some(d) = depth[k] {
                base = d + 1;
                break;
            }
            if chain.contains(&k) || chain.len() > fresh.len() {
                break;
            }
            chain.push(k);
            let m = &batch[fresh[k]];
            at = m
                .parent_external_id
                .as_ref()
                .and_then(|p| fresh_at.get(&(m.channel_id.get(), p.clone())).copied());
        }
        for (n, &k) in chain.iter().rev().enumerate() {
            depth[k] = Some(base + n);
        }
    }
    let mut order: Vec<usize> = (0..fresh.len()).collect();
    order.sort_by_key(|&k| (depth[k].unwrap_or(0), k));
    // Every new message is known by id from here on; its thread fields are filled in
    // as it is resolved, which happens after its parent's.
    for (k, &i) in fresh.iter().enumerate() {
        let m = &batch[i];
        links.insert(
            key(i),
            Link {
                id: ids[k],
                external_id: m.external_id.clone(),
                thread_root_id: None,
                thread_external_id: m.thread_external_id.clone(),
                parent_external_id: m.parent_external_id.clone(),
            },
        );
    }
    let fresh_ids: HashSet<i64> = ids.iter().copied().collect();
    let mut placed: HashSet<i64> = HashSet::new();
    let mut rows = Vec::with_capacity(fresh.len());
    for &k in &order {
        let i = fresh[k];
        let m = &batch[i];
        let channel = m.channel_id.get();
        // A link to a new message inserted later would break the foreign key when its
        // statement ends; such links (only from hostile cycles) are left for
        // `link_waiting`.
        let usable = |l: &Link| placed.contains(&l.id) || !fresh_ids.contains(&l.id);
        let find = |ext: &str| links.get(&(channel, ext.to_owned())).filter(|l| usable(l));
        let parent = m.parent_external_id.as_deref().and_then(find);
        let (thread_external_id, thread_root_id) = match (&m.thread_external_id, parent) {
            (Some(ext), _) => (Some(ext.clone()), find(ext).map(|l| l.id)),
            (None, Some(p)) if p.parent_external_id.is_none() => {
                (Some(p.external_id.clone()), Some(p.id))
            }
            (None, Some(p)) => (p.thread_external_id.clone(), p.thread_root_id),
            (None, None) => (None, None),
        };
        let row = FreshRow {
            index: i,
            id: ids[k],
            thread_root_id,
            parent_id: parent.map(|p| p.id),
            thread_external_id,
        };
        if let Some(link) = links.get_mut(&key(i)) {
            link.thread_root_id = row.thread_root_id;
            link.thread_external_id = row.thread_external_id.clone();
        }
        placed.insert(row.id);
        rows.push(row);
    }
    // Links were resolved parents first; the rows are written in id order (the
    // batch's order, which is usually time order too) whenever no link points to a
    // new message with a larger id, so every insert appends to the table and to the
    // time indexes instead of splitting pages in the middle. Otherwise (a child
    // before its parent in the batch) they keep the parents-first order.
    let forward = rows.iter().any(|r| {
        [r.parent_id, r.thread_root_id]
            .into_iter()
            .flatten()
            .any(|linked| linked > r.id && fresh_ids.contains(&linked))
    });
    if !forward {
        rows.sort_unstable_by_key(|r| r.id);
    }
    Ok(rows)
}

/// The per-row path for a message already stored: compares it with the stored copy
/// and writes only what changed (an edit keeps the previous text as a revision; an
/// older copy changes nothing).
async fn update_existing(
    tx: &mut Transaction<'_, Any>,
    m: &NewMessage,
    now: i64,
    deltas: &mut Deltas,
) -> Result<Upserted, StoreError> {
    let row = sqlx::query(
        "SELECT id, title, text, lang, created_at, edited_at, permalink, likes, shares, replies, views, \
         direction, sentiment, sentiment_label, toxicity, spam, is_question, rating \
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
    let rating = m.rating.map(|r| i64::from(r.tenths()));
    let meta_changed = engagement
        != (
            m.engagement.likes,
            m.engagement.shares,
            m.engagement.replies,
            m.engagement.views,
        )
        || (m.permalink.is_some() && get::<Option<String>>(&row, "permalink")? != m.permalink)
        || (m.lang.is_some() && get::<Option<String>>(&row, "lang")? != m.lang)
        // A review whose stars changed (an edited review, a re-rated one) is news
        // even when its text is the same; a copy without a rating keeps the stored one.
        || (m.rating.is_some() && get::<Option<i64>>(&row, "rating")? != rating);
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
        let stored_label: Option<String> = get(&row, "sentiment_label")?;
        let old = Counted {
            channel: m.channel_id.get(),
            created_at: get(&row, "created_at")?,
            inbound: get::<String>(&row, "direction")? == "inbound",
            label: stored_label.as_deref(),
            sentiment: get(&row, "sentiment")?,
            toxicity: get(&row, "toxicity")?,
            spam: get(&row, "spam")?,
            question: get::<i64>(&row, "is_question")? != 0,
            likes: engagement.0,
            shares: engagement.1,
            replies: engagement.2,
            views: engagement.3,
        };
        // The update keeps the stored signals when the copy brings none.
        let new = Counted {
            likes: m.engagement.likes,
            shares: m.engagement.shares,
            replies: m.engagement.replies,
            views: m.engagement.views,
            ..match m.signals {
                Some(_) => Counted {
                    created_at: old.created_at,
                    inbound: old.inbound,
                    ..Counted::of(m)
                },
                None => old,
            }
        };
        deltas.count(&old, -1);
        deltas.count(&new, 1);
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
             is_question = CASE WHEN $12 IS NULL THEN is_question ELSE $15 END, \
             rating = COALESCE($16, rating) WHERE id = $10",
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
        .bind(rating)
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
const BOUND_PER_ROW: usize = 28;

/// Inserts new messages with their reserved ids and resolved links in one statement.
async fn insert_fresh(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    workspace: WorkspaceId,
    batch: &[NewMessage],
    rows: &[FreshRow],
    now: i64,
) -> Result<(), StoreError> {
    let mut sql = String::from(
        "INSERT INTO messages (id, workspace_id, channel_id, external_id, direction, kind, thread_root_id, parent_id, \
         thread_external_id, parent_external_id, author_id, title, text, lang, created_at, edited_at, ingested_at, \
         permalink, likes, shares, replies, views, sentiment, sentiment_label, toxicity, spam, is_question, rating, state) VALUES ",
    );
    for r in 0..rows.len() {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        sql.push_str(&placeholders(backend, r * BOUND_PER_ROW + 1, BOUND_PER_ROW));
        sql.push_str(", 'open')");
    }
    // A row that exists after all can only come from a writer that ignored the
    // channel lock; the count check below turns that into an error, not a gap.
    sql.push_str(" ON CONFLICT (channel_id, external_id) DO NOTHING");
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for row in rows {
        let m = &batch[row.index];
        query = query
            .bind(row.id)
            .bind(workspace.get())
            .bind(m.channel_id.get())
            .bind(m.external_id.clone())
            .bind(m.direction.as_str())
            .bind(m.kind.as_str())
            .bind(row.thread_root_id)
            .bind(row.parent_id)
            .bind(row.thread_external_id.clone())
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
            .bind(i64::from(m.signals.is_some_and(|x| x.question)))
            .bind(m.rating.map(|r| i64::from(r.tenths())));
    }
    let written = query.execute(&mut **tx).await?.rows_affected();
    if usize::try_from(written).ok() != Some(rows.len()) {
        return Err(StoreError::Conflict(
            "a concurrent writer stored some of these messages; retry the batch".into(),
        ));
    }
    Ok(())
}

/// Known messages of the batch's channels by `(channel, external id)`: loaded once per
/// batch for every parent and root the batch names, then extended with each message
/// the batch creates, so resolving links costs no query per message.
type Links = HashMap<(i64, String), Link>;

/// Loads the stored messages that the batch names as parent or root.
async fn lookup_batch(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
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
            let sql = format!(
                "SELECT id, external_id, thread_root_id, thread_external_id, parent_external_id FROM messages \
                 WHERE channel_id = {} AND external_id IN ({})",
                placeholders(backend, 1, 1),
                placeholders(backend, 2, chunk.len())
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
    crate::sql::channels::by_id(pool, workspace, channel).await?;
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
