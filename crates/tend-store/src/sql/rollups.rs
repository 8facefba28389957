//! Hourly rollups per workspace × channel, kept equal to a recount of `messages`:
//! every batch that writes messages recomputes the buckets it touched, in the same
//! transaction, so a crash can never leave them out of step.

use super::{get, ms};
use crate::StoreError;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use std::collections::{BTreeSet, HashMap};
use tend_domain::{ChannelId, NewMessage, Signals, WorkspaceId};

/// Milliseconds in an hour.
pub(crate) const HOUR_MS: i64 = 3_600_000;

/// The start of the hour containing `at_ms`.
pub(crate) fn hour_of(at_ms: i64) -> i64 {
    at_ms.div_euclid(HOUR_MS) * HOUR_MS
}

/// One rollup bucket, as read back.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Rollup {
    /// Start of the hour, epoch milliseconds (UTC).
    pub hour: i64,
    /// Inbound messages.
    pub messages_in: i64,
    /// Outbound messages.
    pub messages_out: i64,
    /// Authors whose first message in the channel falls in this hour.
    pub new_authors: i64,
    /// Messages labelled positive.
    pub positive: i64,
    /// Messages labelled neutral.
    pub neutral: i64,
    /// Messages labelled negative.
    pub negative: i64,
    /// Sum of sentiment scores (mean = sum / labelled messages).
    pub sentiment_sum: f64,
    /// Messages at or above the toxicity threshold.
    pub toxic: i64,
    /// Messages at or above the spam threshold.
    pub spam: i64,
    /// Questions.
    pub questions: i64,
    /// Likes.
    pub likes: i64,
    /// Shares.
    pub shares: i64,
    /// Replies.
    pub replies: i64,
    /// Views.
    pub views: i64,
}

/// Buckets a batch touches, including the hour where an author of the batch was
/// first seen until now (an earlier message of theirs moves "new author" there).
pub(crate) async fn touched(
    tx: &mut Transaction<'_, Any>,
    batch: &[NewMessage],
) -> Result<BTreeSet<(i64, i64)>, StoreError> {
    let mut buckets: BTreeSet<(i64, i64)> = batch
        .iter()
        .map(|m| (m.channel_id.get(), hour_of(ms(m.created_at))))
        .collect();
    // Earliest message per (channel, author) in the batch.
    let mut earliest: HashMap<(i64, i64), i64> = HashMap::new();
    for m in batch {
        if let Some(a) = m.author_id {
            let at = ms(m.created_at);
            let e = earliest.entry((m.channel_id.get(), a.get())).or_insert(at);
            *e = (*e).min(at);
        }
    }
    let mut by_channel: HashMap<i64, Vec<i64>> = HashMap::new();
    for &(channel, author) in earliest.keys() {
        by_channel.entry(channel).or_default().push(author);
    }
    for (channel, mut ids) in by_channel {
        ids.sort_unstable();
        for chunk in ids.chunks(500) {
            let placeholders = (2..chunk.len() + 2)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "SELECT author_id, MIN(created_at) AS first FROM messages \
                 WHERE channel_id = $1 AND author_id IN ({placeholders}) GROUP BY author_id"
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(channel);
            for id in chunk {
                query = query.bind(*id);
            }
            for row in query.fetch_all(&mut **tx).await? {
                let author: i64 = get(&row, "author_id")?;
                let first: i64 = get(&row, "first")?;
                // Only an earlier message than the stored first one moves "new author".
                if earliest.get(&(channel, author)).is_some_and(|&e| e < first) {
                    buckets.insert((channel, hour_of(first)));
                }
            }
        }
    }
    Ok(buckets)
}

/// Recomputes the given buckets from `messages`.
pub(crate) async fn recount(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
    buckets: &BTreeSet<(i64, i64)>,
) -> Result<(), StoreError> {
    for &(channel, hour) in buckets {
        sqlx::query("DELETE FROM rollups_hourly WHERE channel_id = $1 AND hour = $2")
            .bind(channel)
            .bind(hour)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO rollups_hourly (workspace_id, channel_id, hour, messages_in, messages_out, new_authors, \
               positive, neutral, negative, sentiment_sum, toxic, spam, questions, likes, shares, replies, views) \
             SELECT $1, $2, $3, \
               SUM(CASE WHEN m.direction = 'inbound' THEN 1 ELSE 0 END), \
               SUM(CASE WHEN m.direction = 'outbound' THEN 1 ELSE 0 END), \
               (SELECT COUNT(DISTINCT b.author_id) FROM messages b \
                  WHERE b.channel_id = $2 AND b.created_at >= $3 AND b.created_at < $4 AND b.author_id IS NOT NULL \
                  AND NOT EXISTS (SELECT 1 FROM messages c \
                    WHERE c.author_id = b.author_id AND c.channel_id = $2 AND c.created_at < $3)), \
               SUM(CASE WHEN m.sentiment_label = 'positive' THEN 1 ELSE 0 END), \
               SUM(CASE WHEN m.sentiment_label = 'neutral' THEN 1 ELSE 0 END), \
               SUM(CASE WHEN m.sentiment_label = 'negative' THEN 1 ELSE 0 END), \
               COALESCE(SUM(m.sentiment), 0.0), \
               SUM(CASE WHEN m.toxicity >= $5 THEN 1 ELSE 0 END), \
               SUM(CASE WHEN m.spam >= $6 THEN 1 ELSE 0 END), \
               SUM(m.is_question), SUM(m.likes), SUM(m.shares), SUM(m.replies), SUM(m.views) \
             FROM messages m WHERE m.channel_id = $2 AND m.created_at >= $3 AND m.created_at < $4 \
             HAVING COUNT(*) > 0",
        )
        .bind(workspace.get())
        .bind(channel)
        .bind(hour)
        .bind(hour + HOUR_MS)
        .bind(Signals::TOXIC)
        .bind(Signals::SPAM)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The hourly buckets of a channel in `[from, to)` (epoch ms), oldest first.
pub(crate) async fn list(
    pool: &AnyPool,
    workspace: WorkspaceId,
    channel: ChannelId,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<Rollup>, StoreError> {
    let rows = sqlx::query(
        "SELECT hour, messages_in, messages_out, new_authors, positive, neutral, negative, sentiment_sum, toxic, \
         spam, questions, likes, shares, replies, views FROM rollups_hourly \
         WHERE workspace_id = $1 AND channel_id = $2 AND hour >= $3 AND hour < $4 ORDER BY hour",
    )
    .bind(workspace.get())
    .bind(channel.get())
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Rollup {
                hour: get(r, "hour")?,
                messages_in: get(r, "messages_in")?,
                messages_out: get(r, "messages_out")?,
                new_authors: get(r, "new_authors")?,
                positive: get(r, "positive")?,
                neutral: get(r, "neutral")?,
                negative: get(r, "negative")?,
                sentiment_sum: get(r, "sentiment_sum")?,
                toxic: get(r, "toxic")?,
                spam: get(r, "spam")?,
                questions: get(r, "questions")?,
                likes: get(r, "likes")?,
                shares: get(r, "shares")?,
                replies: get(r, "replies")?,
                views: get(r, "views")?,
            })
        })
        .collect()
}

/// The buckets of a workspace whose stored rollup differs from a fresh recount of
/// `messages` (for the crash-safety test and `tend` health checks). Empty means in step.
pub(crate) async fn drift(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Vec<(ChannelId, i64)>, StoreError> {
    let mut expected: std::collections::BTreeMap<(i64, i64), Rollup> =
        std::collections::BTreeMap::new();
    let rows = sqlx::query(
        "SELECT channel_id, created_at, direction, sentiment_label, sentiment, toxicity, spam, is_question, \
         likes, shares, replies, views FROM messages WHERE workspace_id = $1",
    )
    .bind(workspace.get())
    .fetch_all(pool)
    .await?;
    for r in &rows {
        let channel: i64 = get(r, "channel_id")?;
        let hour = hour_of(get(r, "created_at")?);
        let b = expected.entry((channel, hour)).or_insert(Rollup {
            hour,
            ..Rollup::default()
        });
        if get::<String>(r, "direction")? == "inbound" {
            b.messages_in += 1;
        } else {
            b.messages_out += 1;
        }
        match get::<Option<String>>(r, "sentiment_label")?.as_deref() {
            Some("positive") => b.positive += 1,
            Some("neutral") => b.neutral += 1,
            Some("negative") => b.negative += 1,
            _ => {}
        }
        b.sentiment_sum += get::<f64>(r, "sentiment")?;
        b.toxic += i64::from(get::<f64>(r, "toxicity")? >= Signals::TOXIC);
        b.spam += i64::from(get::<f64>(r, "spam")? >= Signals::SPAM);
        b.questions += get::<i64>(r, "is_question")?;
        b.likes += get::<i64>(r, "likes")?;
        b.shares += get::<i64>(r, "shares")?;
        b.replies += get::<i64>(r, "replies")?;
        b.views += get::<i64>(r, "views")?;
    }
    let firsts = sqlx::query(
        "SELECT channel_id, MIN(created_at) AS first FROM messages WHERE workspace_id = $1 AND author_id IS NOT NULL \
         GROUP BY channel_id, author_id",
    )
    .bind(workspace.get())
    .fetch_all(pool)
    .await?;
    for r in &firsts {
        let key = (get::<i64>(r, "channel_id")?, hour_of(get(r, "first")?));
        if let Some(b) = expected.get_mut(&key) {
            b.new_authors += 1;
        }
    }
    let stored = sqlx::query("SELECT channel_id, hour FROM rollups_hourly WHERE workspace_id = $1")
        .bind(workspace.get())
        .fetch_all(pool)
        .await?;
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for r in &stored {
        let key: (i64, i64) = (get(r, "channel_id")?, get(r, "hour")?);
        seen.insert(key);
        let actual = list(pool, workspace, ChannelId(key.0), key.1, key.1 + 1).await?;
        let same = match (actual.first(), expected.get(&key)) {
            (Some(a), Some(e)) => {
                Rollup {
                    sentiment_sum: 0.0,
                    ..*a
                } == Rollup {
                    sentiment_sum: 0.0,
                    ..*e
                } && (a.sentiment_sum - e.sentiment_sum).abs() < 1e-6
            }
            _ => false,
        };
        if !same {
            out.push((ChannelId(key.0), key.1));
        }
    }
    out.extend(
        expected
            .keys()
            .filter(|k| !seen.contains(k))
            .map(|&(c, h)| (ChannelId(c), h)),
    );
    Ok(out)
}
