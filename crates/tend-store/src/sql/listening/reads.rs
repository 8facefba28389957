//! What dashboards read: hourly and bucketed sums, terms, authors, people to
//! answer, and who counts as a community member.

use super::super::{Backend, corrupt, get, ms, placeholders};
use crate::StoreError;
use sqlx::any::AnyRow;
use sqlx::{AnyPool, AssertSqlSafe};
use std::collections::{HashMap, HashSet};
use tend_domain::{IdentityId, MessageId, TopicId, WorkspaceId};

/// One topic's figures for one UTC hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopicHour {
    pub topic_id: TopicId,
    /// Hours since the Unix epoch (UTC).
    pub hour: i64,
    pub messages: i64,
    pub positive: i64,
    pub neutral: i64,
    pub negative: i64,
    pub engagement: i64,
    pub to_answer: i64,
}

/// Keeps the ids of `topics` that belong to `workspace`.
pub(super) async fn own_topics(
    pool: &AnyPool,
    workspace: WorkspaceId,
    topics: &[TopicId],
) -> Result<Vec<i64>, StoreError> {
    let mine: HashSet<i64> = sqlx::query_scalar("SELECT id FROM topics WHERE workspace_id = $1")
        .bind(workspace.get())
        .fetch_all(pool)
        .await?
        .into_iter()
        .collect();
    let mut ids: Vec<i64> = topics
        .iter()
        .map(|t| t.get())
        .filter(|t| mine.contains(t))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The topics' non-empty hours in `[from_hour, to_hour)`, by topic and hour.
pub(crate) async fn topic_hours(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    topics: &[TopicId],
    from_hour: i64,
    to_hour: i64,
) -> Result<Vec<TopicHour>, StoreError> {
    let ids = own_topics(pool, workspace, topics).await?;
    let mut out = Vec::new();
    for chunk in ids.chunks(400) {
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "SELECT topic_id, hour, messages, positive, neutral, negative, engagement, to_answer \
             FROM topic_hours WHERE topic_id IN ({}) AND hour >= {} AND hour < {} \
             AND messages <> 0 ORDER BY topic_id, hour",
            placeholders(backend, 1, chunk.len()),
            placeholders(backend, chunk.len() + 1, 1),
            placeholders(backend, chunk.len() + 2, 1),
        )));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.bind(from_hour).bind(to_hour).fetch_all(pool).await? {
            out.push(hour_from_row(&row, get(&row, "hour")?)?);
        }
    }
    Ok(out)
}

/// The topics' figures summed per bucket, where bucket `i` is the UTC hours
/// `[bounds[i], bounds[i + 1])` (so local days and weeks, daylight saving
/// included, are exact): one row per topic and non-empty bucket. The bounds are
/// our own integers, written into the statement as literals.
pub(crate) async fn topic_buckets(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    topics: &[TopicId],
    bounds: &[i64],
) -> Result<Vec<(TopicId, usize, TopicHour)>, StoreError> {
    if bounds.len() < 2 || bounds.len() > 10_000 {
        return Ok(Vec::new());
    }
    let ids = own_topics(pool, workspace, topics).await?;
    let values = bounds
        .windows(2)
        .enumerate()
        .map(|(i, w)| format!("({i}, {}, {})", w[0], w[1]))
        .collect::<Vec<_>>()
        .join(", ");
    let (lo, hi) = (bounds[0], bounds[bounds.len() - 1]);
    let mut out = Vec::new();
    for chunk in ids.chunks(400) {
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "WITH b (i, lo, hi) AS (VALUES {values}) \
             SELECT t.topic_id, b.i, CAST(SUM(t.messages) AS BIGINT) AS messages, \
             CAST(SUM(t.positive) AS BIGINT) AS positive, CAST(SUM(t.neutral) AS BIGINT) AS neutral, \
             CAST(SUM(t.negative) AS BIGINT) AS negative, \
             CAST(SUM(t.engagement) AS BIGINT) AS engagement, \
             CAST(SUM(t.to_answer) AS BIGINT) AS to_answer \
             FROM b CROSS JOIN topic_hours t \
             WHERE t.topic_id IN ({}) AND t.hour >= b.lo AND t.hour < b.hi AND t.hour >= {lo} AND t.hour < {hi} \
             GROUP BY t.topic_id, b.i HAVING SUM(t.messages) <> 0 ORDER BY t.topic_id, b.i",
            placeholders(backend, 1, chunk.len()),
        )));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(pool).await? {
            let bucket = usize::try_from(get::<i64>(&row, "i")?)
                .ok()
                .filter(|b| b + 1 < bounds.len())
                .ok_or_else(|| corrupt("topic_hours", "bucket out of range"))?;
            let sums = hour_from_row(&row, bounds[bucket])?;
            out.push((sums.topic_id, bucket, sums));
        }
    }
    Ok(out)
}

/// A `topic_hours` row (or a sum of rows) with its first hour.
fn hour_from_row(row: &AnyRow, hour: i64) -> Result<TopicHour, StoreError> {
    Ok(TopicHour {
        topic_id: TopicId(get(row, "topic_id")?),
        hour,
        messages: get(row, "messages")?,
        positive: get(row, "positive")?,
        neutral: get(row, "neutral")?,
        negative: get(row, "negative")?,
        engagement: get(row, "engagement")?,
        to_answer: get(row, "to_answer")?,
    })
}

/// A term's count in the current and the previous period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermCount {
    /// A folded word, or a hashtag with its `#`.
    pub term: String,
    pub current: i64,
    pub previous: i64,
}

/// Days are UTC days since the Unix epoch; the current period is
/// `[mid_day, to_day)`, the previous one `[from_day, mid_day)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    pub from_day: i64,
    pub mid_day: i64,
    pub to_day: i64,
}

/// The topic's terms with at least `min` messages in the current period, most
/// frequent first, at most `limit`, with their count in the previous period.
pub(crate) async fn topic_terms(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    topic_id: TopicId,
    periods: Periods,
    min: i64,
    limit: i64,
) -> Result<Vec<TermCount>, StoreError> {
    super::topics::topic(pool, workspace, topic_id).await?;
    // Two reads: the current period's top terms, then the previous period's counts
    // of just those (half the rows of one read over both periods, grouped).
    let rows = sqlx::query(
        "SELECT term, CAST(SUM(n) AS BIGINT) AS current FROM topic_terms \
         WHERE topic_id = $1 AND day >= $2 AND day < $3 \
         GROUP BY term HAVING SUM(n) >= $4 ORDER BY current DESC, term LIMIT $5",
    )
    .bind(topic_id.get())
    .bind(periods.mid_day)
    .bind(periods.to_day)
    .bind(min.max(1))
    .bind(limit.clamp(0, 400))
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(TermCount {
            term: get(r, "term")?,
            current: get(r, "current")?,
            previous: 0,
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let mut query = sqlx::query(AssertSqlSafe(format!(
        "SELECT term, CAST(SUM(n) AS BIGINT) AS previous FROM topic_terms \
         WHERE topic_id = {} AND day >= {} AND day < {} AND term IN ({}) GROUP BY term",
        placeholders(backend, 1, 1),
        placeholders(backend, 2, 1),
        placeholders(backend, 3, 1),
        placeholders(backend, 4, out.len()),
    )))
    .bind(topic_id.get())
    .bind(periods.from_day)
    .bind(periods.mid_day);
    for t in &out {
        query = query.bind(t.term.as_str());
    }
    let previous: HashMap<String, i64> = query
        .fetch_all(pool)
        .await?
        .iter()
        .map(|r| Ok((get(r, "term")?, get(r, "previous")?)))
        .collect::<Result<_, StoreError>>()?;
    for t in &mut out {
        t.previous = previous.get(&t.term).copied().unwrap_or(0);
    }
    Ok(out)
}

/// Every term of a topic with its messages in the UTC days `[from_day, to_day)`.
pub(crate) async fn topic_term_counts(
    pool: &AnyPool,
    workspace: WorkspaceId,
    topic_id: TopicId,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<(String, i64)>, StoreError> {
    super::topics::topic(pool, workspace, topic_id).await?;
    sqlx::query(
        "SELECT term, CAST(SUM(n) AS BIGINT) AS n FROM topic_terms \
         WHERE topic_id = $1 AND day >= $2 AND day < $3 GROUP BY term HAVING SUM(n) <> 0",
    )
    .bind(topic_id.get())
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((get(r, "term")?, get(r, "n")?)))
    .collect()
}

/// Every author of a topic with messages and engagement in `[from_day, to_day)`.
pub(crate) async fn topic_author_counts(
    pool: &AnyPool,
    workspace: WorkspaceId,
    topic_id: TopicId,
    from_day: i64,
    to_day: i64,
) -> Result<Vec<(IdentityId, i64, i64)>, StoreError> {
    super::topics::topic(pool, workspace, topic_id).await?;
    sqlx::query(
        "SELECT author_id, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(engagement) AS BIGINT) AS e \
         FROM topic_authors WHERE topic_id = $1 AND day >= $2 AND day < $3 \
         GROUP BY author_id HAVING SUM(n) <> 0 OR SUM(engagement) <> 0",
    )
    .bind(topic_id.get())
    .bind(from_day)
    .bind(to_day)
    .fetch_all(pool)
    .await?
    .iter()
    .map(|r| Ok((IdentityId(get(r, "author_id")?), get(r, "n")?, get(r, "e")?)))
    .collect()
}

/// How many of a topic's matches in a period belong to one conversation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ThreadCount {
    /// The conversation's first message (the message itself when it starts none).
    pub root: MessageId,
    pub messages: i64,
}

/// The conversations a topic's matches written in `[since, until)` belong to,
/// most matches first, and how many matches there are in all (only the negative
/// ones with `negative_only`). Read through the messages' time index: a window of
/// hours touches few rows however large the topic.
pub(crate) async fn topic_threads(
    pool: &AnyPool,
    workspace: WorkspaceId,
    topic_id: TopicId,
    (since, until): (jiff::Timestamp, jiff::Timestamp),
    negative_only: bool,
    limit: i64,
) -> Result<(i64, Vec<ThreadCount>), StoreError> {
    super::topics::topic(pool, workspace, topic_id).await?;
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT COALESCE(m.thread_root_id, m.id) AS root, COUNT(*) AS n \
         FROM messages m JOIN topic_matches tm ON tm.topic_id = $1 AND tm.message_id = m.id \
         WHERE m.workspace_id = $2 AND m.created_at >= $3 AND m.created_at < $4 \
         AND tm.polarity <= $5 \
         GROUP BY COALESCE(m.thread_root_id, m.id)",
    )
    .bind(topic_id.get())
    .bind(workspace.get())
    .bind(ms(since))
    .bind(ms(until))
    .bind(if negative_only { -1_i64 } else { 1 })
    .fetch_all(pool)
    .await?;
    let total = rows.iter().map(|(_, n)| n).sum();
    let mut threads: Vec<ThreadCount> = rows
        .into_iter()
        .map(|(root, messages)| ThreadCount {
            root: MessageId(root),
            messages,
        })
        .collect();
    threads.sort_by(|a, b| b.messages.cmp(&a.messages).then(a.root.cmp(&b.root)));
    threads.truncate(usize::try_from(limit).unwrap_or(0));
    Ok((total, threads))
}

/// An author's messages and engagement in a topic over a period.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuthorCount {
    pub identity_id: IdentityId,
    pub handle: String,
    pub display_name: Option<String>,
    pub platform: String,
    pub messages: i64,
    pub engagement: i64,
}

/// The topic's most active authors in `[from_day, to_day)`.
pub(crate) async fn topic_authors(
    pool: &AnyPool,
    workspace: WorkspaceId,
    topic_id: TopicId,
    from_day: i64,
    to_day: i64,
    limit: i64,
) -> Result<Vec<AuthorCount>, StoreError> {
    super::topics::topic(pool, workspace, topic_id).await?;
    let rows = sqlx::query(
        "SELECT a.author_id, CAST(SUM(a.n) AS BIGINT) AS messages, \
         CAST(SUM(a.engagement) AS BIGINT) AS engagement \
         FROM topic_authors a WHERE a.topic_id = $1 AND a.day >= $2 AND a.day < $3 \
         GROUP BY a.author_id HAVING SUM(a.n) > 0 \
         ORDER BY messages DESC, engagement DESC, a.author_id LIMIT $4",
    )
    .bind(topic_id.get())
    .bind(from_day)
    .bind(to_day)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut counts = Vec::with_capacity(rows.len());
    for r in &rows {
        counts.push((
            IdentityId(get(r, "author_id")?),
            get::<i64>(r, "messages")?,
            get::<i64>(r, "engagement")?,
        ));
    }
    let ids: Vec<IdentityId> = counts.iter().map(|c| c.0).collect();
    let who: HashMap<IdentityId, tend_domain::Identity> =
        super::super::inbox::conversations::identities_by_ids(pool, workspace, &ids)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
    Ok(counts
        .into_iter()
        .map(|(id, messages, engagement)| {
            let identity = who.get(&id);
            AuthorCount {
                identity_id: id,
                handle: identity.map(|i| i.handle.clone()).unwrap_or_default(),
                display_name: identity.and_then(|i| i.display_name.clone()),
                platform: identity
                    .map(|i| i.platform.as_str().to_owned())
                    .unwrap_or_default(),
                messages,
                engagement,
            }
        })
        .collect())
}

/// The newest matched questions from people who are not members yet, still open
/// in the inbox, since `since` (newest first).
pub(crate) async fn to_answer(
    pool: &AnyPool,
    workspace: WorkspaceId,
    topic_id: TopicId,
    (since, until): (jiff::Timestamp, jiff::Timestamp),
    limit: i64,
) -> Result<Vec<MessageId>, StoreError> {
    super::topics::topic(pool, workspace, topic_id).await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT tm.message_id FROM topic_matches tm JOIN messages m ON m.id = tm.message_id \
         WHERE tm.topic_id = $1 AND tm.to_answer = 1 AND tm.at >= $2 AND tm.at < $5 \
         AND m.workspace_id = $3 AND m.state = 'open' \
         ORDER BY tm.at DESC, tm.message_id DESC LIMIT $4",
    )
    .bind(topic_id.get())
    .bind(ms(since))
    .bind(workspace.get())
    .bind(limit)
    .bind(ms(until))
    .fetch_all(pool)
    .await?;
    Ok(ids.into_iter().map(MessageId).collect())
}
