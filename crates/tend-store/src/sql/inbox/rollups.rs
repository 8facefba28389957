//! Hourly rollups per workspace × channel, kept equal to a recount of `messages`:
//! every batch that writes messages adds what it changed to the buckets (new rows
//! counted in, updated rows counted out with their stored values and in with their
//! new ones) in the same transaction, so a crash can never leave them out of step.

use crate::sql::{get, ms, placeholders};
use crate::{Backend, StoreError};
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use std::collections::{BTreeMap, BTreeSet, HashMap};
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

/// What one stored message counts for in its bucket.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Counted<'a> {
    pub channel: i64,
    pub created_at: i64,
    pub inbound: bool,
    pub label: Option<&'a str>,
    pub sentiment: f64,
    pub toxicity: f64,
    pub spam: f64,
    pub question: bool,
    pub likes: i64,
    pub shares: i64,
    pub replies: i64,
    pub views: i64,
}

impl<'a> Counted<'a> {
    /// What a message about to be written counts for.
    pub(crate) fn of(m: &'a NewMessage) -> Counted<'a> {
        Counted {
            channel: m.channel_id.get(),
            created_at: ms(m.created_at),
            inbound: m.direction == tend_domain::Direction::Inbound,
            label: m.signals.map(|s| s.sentiment_label.as_str()),
            sentiment: m.signals.map_or(0.0, |s| s.sentiment),
            toxicity: m.signals.map_or(0.0, |s| s.toxicity),
            spam: m.signals.map_or(0.0, |s| s.spam),
            question: m.signals.is_some_and(|s| s.question),
            likes: m.engagement.likes,
            shares: m.engagement.shares,
            replies: m.engagement.replies,
            views: m.engagement.views,
        }
    }
}

/// Changes to hourly buckets, accumulated in memory while a batch is written and
/// added to the stored rollups in the same transaction ([`Deltas::apply`]). Because
/// every change to a counted column of `messages` goes through the batch upsert,
/// the rollups stay equal to a recount (checked by [`drift`] in the tests).
#[derive(Debug, Default)]
pub(crate) struct Deltas {
    buckets: BTreeMap<(i64, i64), Rollup>,
}

impl Deltas {
    fn bucket(&mut self, channel: i64, at_ms: i64) -> &mut Rollup {
        let hour = hour_of(at_ms);
        self.buckets.entry((channel, hour)).or_insert(Rollup {
            hour,
            ..Rollup::default()
        })
    }

    /// Adds (`sign` = 1) or removes (`sign` = -1) what one message counts for.
    pub(crate) fn count(&mut self, c: &Counted<'_>, sign: i64) {
        let b = self.bucket(c.channel, c.created_at);
        if c.inbound {
            b.messages_in += sign;
        } else {
            b.messages_out += sign;
        }
        match c.label {
            Some("positive") => b.positive += sign,
            Some("neutral") => b.neutral += sign,
            Some("negative") => b.negative += sign,
            _ => {}
        }
        b.sentiment_sum += sign as f64 * c.sentiment;
        b.toxic += sign * i64::from(c.toxicity >= Signals::TOXIC);
        b.spam += sign * i64::from(c.spam >= Signals::SPAM);
        b.questions += sign * i64::from(c.question);
        b.likes += sign * c.likes;
        b.shares += sign * c.shares;
        b.replies += sign * c.replies;
        b.views += sign * c.views;
    }

    /// Moves "new author" for the authors of the batch's new messages: `earliest` is
    /// each (channel, author)'s earliest new message, compared with the first message
    /// already stored (`channel_authors`, which is moved along in the same step).
    pub(crate) async fn new_authors(
        &mut self,
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        earliest: &HashMap<(i64, i64), i64>,
    ) -> Result<(), StoreError> {
        let mut by_channel: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for &(channel, author) in earliest.keys() {
            by_channel.entry(channel).or_default().push(author);
        }
        // Only the authors whose "first message" moves come back: those the channel
        // has not seen, and those whose stored first message is later than the
        // batch's (each looked up by the primary key), so a batch of known authors
        // costs a statement per 500 authors and no rows.
        let mut stored_first: HashMap<(i64, i64), Option<i64>> = HashMap::new();
        for (channel, mut ids) in by_channel {
            ids.sort_unstable();
            for chunk in ids.chunks(500) {
                let values: Vec<String> = (0..chunk.len())
                    .map(|k| format!("({})", placeholders(backend, k * 2 + 2, 2)))
                    .collect();
                let sql = format!(
                    "SELECT author_id, first_at FROM (SELECT v.column1 AS author_id, v.column2 AS new_first, \
                     (SELECT c.first_at FROM channel_authors c WHERE c.channel_id = {} AND c.author_id = v.column1) \
                     AS first_at FROM (VALUES {}) AS v) s WHERE first_at IS NULL OR first_at > new_first",
                    placeholders(backend, 1, 1),
                    values.join(", ")
                );
                let mut query = sqlx::query(AssertSqlSafe(sql)).bind(channel);
                for id in chunk {
                    query = query.bind(*id).bind(earliest[&(channel, *id)]);
                }
                for row in query.fetch_all(&mut **tx).await? {
                    stored_first.insert((channel, get(&row, "author_id")?), get(&row, "first_at")?);
                }
            }
        }
        let mut moved: Vec<(i64, i64, i64)> = Vec::new();
        for (&(channel, author), &new_first) in earliest {
            match stored_first.get(&(channel, author)) {
                // Stored with an earlier or equal first message: nothing moves.
                None => continue,
                Some(None) => self.bucket(channel, new_first).new_authors += 1,
                Some(&Some(old_first)) if new_first < old_first => {
                    self.bucket(channel, old_first).new_authors -= 1;
                    self.bucket(channel, new_first).new_authors += 1;
                }
                Some(Some(_)) => continue,
            }
            moved.push((channel, author, new_first));
        }
        moved.sort_unstable();
        for chunk in moved.chunks(500) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|k| format!("({})", placeholders(backend, k * 3 + 1, 3)))
                .collect();
            let sql = format!(
                "INSERT INTO channel_authors (channel_id, author_id, first_at) VALUES {} \
                 ON CONFLICT (channel_id, author_id) DO UPDATE SET first_at = excluded.first_at",
                rows.join(", ")
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for &(channel, author, first) in chunk {
                query = query.bind(channel).bind(author).bind(first);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Adds the changes to the stored buckets (creating missing ones), 500 buckets per
    /// statement.
    pub(crate) async fn apply(
        self,
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
        workspace: WorkspaceId,
    ) -> Result<(), StoreError> {
        let changed: Vec<((i64, i64), Rollup)> = self
            .buckets
            .into_iter()
            .filter(|(_, r)| {
                *r != Rollup {
                    hour: r.hour,
                    ..Rollup::default()
                }
            })
            .collect();
        const COLUMNS: [&str; 14] = [
            "messages_in",
            "messages_out",
            "new_authors",
            "positive",
            "neutral",
            "negative",
            "sentiment_sum",
            "toxic",
            "spam",
            "questions",
            "likes",
            "shares",
            "replies",
            "views",
        ];
        const BOUND: usize = COLUMNS.len() + 3;
        for chunk in changed.chunks(500) {
            let mut sql = format!(
                "INSERT INTO rollups_hourly (workspace_id, channel_id, hour, {}) VALUES ",
                COLUMNS.join(", ")
            );
            for r in 0..chunk.len() {
                if r > 0 {
                    sql.push_str(", ");
                }
                sql.push('(');
                sql.push_str(&placeholders(backend, r * BOUND + 1, BOUND));
                sql.push(')');
            }
            sql.push_str(" ON CONFLICT (workspace_id, channel_id, hour) DO UPDATE SET ");
            let sets: Vec<String> = COLUMNS
                .iter()
                .map(|c| format!("{c} = rollups_hourly.{c} + excluded.{c}"))
                .collect();
            sql.push_str(&sets.join(", "));
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for &((channel, hour), r) in chunk {
                query = query
                    .bind(workspace.get())
                    .bind(channel)
                    .bind(hour)
                    .bind(r.messages_in)
                    .bind(r.messages_out)
                    .bind(r.new_authors)
                    .bind(r.positive)
                    .bind(r.neutral)
                    .bind(r.negative)
                    .bind(r.sentiment_sum)
                    .bind(r.toxic)
                    .bind(r.spam)
                    .bind(r.questions)
                    .bind(r.likes)
                    .bind(r.shares)
                    .bind(r.replies)
                    .bind(r.views);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
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
