//! Listening records: topics and their backfill progress, the messages each topic
//! matched, the rollups dashboards read (per topic and hour; per topic, day and
//! term or author), spike alerts and the alert webhook.
//!
//! **Rollups by deltas.** `topic_matches` keeps, per topic and message, every fact
//! a rollup is made of. Recording a verdict reads the message's stored matches of
//! the topics it is about, takes their contribution out and puts the new one in,
//! then adds the summed deltas to the rollups with one upsert per table, all in one
//! transaction with the consumer's cursor or the backfill's progress. So the
//! rollups equal a recount after any sequence of verdicts and crashes
//! (`listening_drift` checks that), and recording the same verdict twice changes
//! nothing.

use super::{Backend, corrupt, get, ms, now_ms, placeholders, ts, ts_opt};
use crate::StoreError;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use std::collections::{BTreeMap, HashMap, HashSet};
use tend_domain::{
    Alert, AlertId, AlertKind, Backfill, IdentityId, MatchFacts, MessageId, MessageMatches,
    NewAlert, NewTopic, Topic, TopicId, TopicRole, UserId, ValidationError, WorkspaceId,
};

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// Longest topic name and query accepted.
const MAX_NAME: usize = 100;
const MAX_QUERY: usize = 4_000;

const TOPIC_COLUMNS: &str = "id, workspace_id, name, query, role, revision, created_by, created_at, \
     updated_at, backfill_upto, backfill_after, backfill_done, backfill_total, history_version";

fn topic_from_row(row: &AnyRow) -> Result<Topic, StoreError> {
    let role: String = get(row, "role")?;
    let upto: i64 = get(row, "backfill_upto")?;
    let after: i64 = get(row, "backfill_after")?;
    Ok(Topic {
        id: TopicId(get(row, "id")?),
        workspace_id: WorkspaceId(get(row, "workspace_id")?),
        name: get(row, "name")?,
        query: get(row, "query")?,
        role: TopicRole::parse(&role).map_err(|_| corrupt("topics", "unknown role"))?,
        revision: get(row, "revision")?,
        created_by: get::<Option<i64>>(row, "created_by")?.map(UserId),
        created_at: ts(get(row, "created_at")?)?,
        updated_at: ts(get(row, "updated_at")?)?,
        backfill: Backfill {
            done: get(row, "backfill_done")?,
            total: get(row, "backfill_total")?,
            finished: after >= upto,
        },
        history_version: get(row, "history_version")?,
    })
}

fn validate(new: &NewTopic) -> Result<(), StoreError> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(StoreError::Invalid(ValidationError::new(
            "name",
            format!("between 1 and {MAX_NAME} characters"),
        )));
    }
    if new.query.trim().is_empty() || new.query.len() > MAX_QUERY {
        return Err(StoreError::Invalid(ValidationError::new(
            "query",
            format!("between 1 and {MAX_QUERY} bytes"),
        )));
    }
    Ok(())
}

/// The newest message id and how many messages of the workspace are at or below it:
/// a new backfill's cut-off and size.
async fn cut_off(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
) -> Result<(i64, i64), StoreError> {
    let upto: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM messages")
        .fetch_one(&mut **tx)
        .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM messages WHERE workspace_id = $1 AND id <= $2")
            .bind(workspace.get())
            .bind(upto)
            .fetch_one(&mut **tx)
            .await?;
    Ok((upto, total))
}

/// A write transaction: SQLite takes the write lock at the start (`BEGIN
/// IMMEDIATE`), so a read-then-write never fails to upgrade while another
/// connection writes, and waits its turn instead.
async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<Transaction<'static, Any>, StoreError> {
    Ok(match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await?,
        Backend::Postgres => pool.begin().await?,
    })
}

fn conflict(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(db) = &e
        && db.is_unique_violation()
    {
        return StoreError::Conflict("a topic with this name exists".into());
    }
    e.into()
}

pub(crate) async fn create_topic(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    new: &NewTopic,
    by: Option<UserId>,
) -> Result<Topic, StoreError> {
    validate(new)?;
    super::workspaces::by_id(pool, workspace).await?;
    let mut tx = begin_write(pool, backend).await?;
    let (upto, total) = cut_off(&mut tx, workspace).await?;
    let now = now_ms();
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO topics (workspace_id, name, query, role, revision, created_by, created_at, \
         updated_at, backfill_upto, backfill_after, backfill_done, backfill_total) \
         VALUES ($1, $2, $3, $4, 1, $5, $6, $6, $7, 0, 0, $8) RETURNING {TOPIC_COLUMNS}"
    )))
    .bind(workspace.get())
    .bind(new.name.trim())
    .bind(new.query.trim())
    .bind(new.role.as_str())
    .bind(by.map(UserId::get))
    .bind(now)
    .bind(upto)
    .bind(total)
    .fetch_one(&mut *tx)
    .await
    .map_err(conflict)?;
    tx.commit().await?;
    topic_from_row(&row)
}

pub(crate) async fn topics(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Vec<Topic>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {TOPIC_COLUMNS} FROM topics WHERE workspace_id = $1 ORDER BY name, id"
    )))
    .bind(workspace.get())
    .fetch_all(pool)
    .await?
    .iter()
    .map(topic_from_row)
    .collect()
}

pub(crate) async fn topic(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: TopicId,
) -> Result<Topic, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {TOPIC_COLUMNS} FROM topics WHERE workspace_id = $1 AND id = $2"
    )))
    .bind(workspace.get())
    .bind(id.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    topic_from_row(&row)
}

async fn clear_topic(tx: &mut Transaction<'_, Any>, id: TopicId) -> Result<(), StoreError> {
    for table in [
        "topic_matches",
        "topic_hours",
        "topic_terms",
        "topic_authors",
    ] {
        sqlx::query(AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE topic_id = $1"
        )))
        .bind(id.get())
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Renames a topic or changes its role; a changed query also forgets every match
/// and restarts the backfill, under a new revision.
pub(crate) async fn update_topic(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    id: TopicId,
    new: &NewTopic,
) -> Result<Topic, StoreError> {
    validate(new)?;
    let old = topic(pool, workspace, id).await?;
    let mut tx = begin_write(pool, backend).await?;
    let now = now_ms();
    if old.query == new.query.trim() {
        sqlx::query("UPDATE topics SET name = $1, role = $2, updated_at = $3 WHERE id = $4")
            .bind(new.name.trim())
            .bind(new.role.as_str())
            .bind(now)
            .bind(id.get())
            .execute(&mut *tx)
            .await
            .map_err(conflict)?;
    } else {
        clear_topic(&mut tx, id).await?;
        let (upto, total) = cut_off(&mut tx, workspace).await?;
        sqlx::query(
            "UPDATE topics SET name = $1, role = $2, query = $3, revision = revision + 1, \
             updated_at = $4, backfill_upto = $5, backfill_after = 0, backfill_done = 0, \
             backfill_total = $6 WHERE id = $7",
        )
        .bind(new.name.trim())
        .bind(new.role.as_str())
        .bind(new.query.trim())
        .bind(now)
        .bind(upto)
        .bind(total)
        .bind(id.get())
        .execute(&mut *tx)
        .await
        .map_err(conflict)?;
    }
    tx.commit().await?;
    topic(pool, workspace, id).await
}

pub(crate) async fn delete_topic(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    id: TopicId,
) -> Result<(), StoreError> {
    topic(pool, workspace, id).await?;
    let mut tx = begin_write(pool, backend).await?;
    clear_topic(&mut tx, id).await?;
    sqlx::query("DELETE FROM topic_alerts WHERE topic_id = $1")
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM topics WHERE id = $1")
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Where a topic's backfill stands: the revision it is for, the last message id
/// looked at and the cut-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackfillCursor {
    pub topic: TopicId,
    pub revision: i64,
    pub after: MessageId,
    pub upto: MessageId,
}

/// The unfinished backfills of every workspace, oldest topic first.
pub(crate) async fn backfills(
    pool: &AnyPool,
) -> Result<Vec<(WorkspaceId, BackfillCursor)>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, workspace_id, revision, backfill_after, backfill_upto FROM topics \
         WHERE backfill_after < backfill_upto ORDER BY id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                WorkspaceId(get(r, "workspace_id")?),
                BackfillCursor {
                    topic: TopicId(get(r, "id")?),
                    revision: get(r, "revision")?,
                    after: MessageId(get(r, "backfill_after")?),
                    upto: MessageId(get(r, "backfill_upto")?),
                },
            ))
        })
        .collect()
}

/// Progress to record with a batch of backfill verdicts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BackfillStep {
    pub topic: TopicId,
    /// The revision the verdicts were made for; a changed query makes them void.
    pub revision: i64,
    /// The last message id of this step (everything up to it was looked at).
    pub after: MessageId,
    /// Messages of the workspace looked at in this step.
    pub looked_at: i64,
}

/// One stored match, as read back to take its contribution out.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stored {
    topic: i64,
    facts: MatchFacts,
}

fn join_terms(terms: &[String]) -> String {
    terms.join("\n")
}

fn split_terms(terms: &str) -> Vec<String> {
    terms
        .split('\n')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct HourDelta {
    messages: i64,
    positive: i64,
    neutral: i64,
    negative: i64,
    engagement: i64,
    to_answer: i64,
}

#[derive(Default)]
struct Deltas {
    hours: BTreeMap<(i64, i64), HourDelta>,
    terms: BTreeMap<(i64, i64, String), i64>,
    authors: BTreeMap<(i64, i64, i64), (i64, i64)>,
}

impl Deltas {
    fn add(&mut self, topic: i64, f: &MatchFacts, sign: i64) {
        let at = ms(f.created_at);
        let hour = at.div_euclid(HOUR_MS);
        let day = at.div_euclid(DAY_MS);
        let h = self.hours.entry((topic, hour)).or_default();
        h.messages += sign;
        match f.polarity {
            p if p > 0 => h.positive += sign,
            p if p < 0 => h.negative += sign,
            _ => h.neutral += sign,
        }
        h.engagement += sign * f.engagement;
        h.to_answer += sign * i64::from(f.to_answer);
        for term in &f.terms {
            *self.terms.entry((topic, day, term.clone())).or_default() += sign;
        }
        if let Some(author) = f.author_id {
            let a = self.authors.entry((topic, day, author.get())).or_default();
            a.0 += sign;
            a.1 += sign * f.engagement;
        }
    }

    fn prune(&mut self) {
        self.hours.retain(|_, d| *d != HourDelta::default());
        self.terms.retain(|_, n| *n != 0);
        self.authors.retain(|_, a| *a != (0, 0));
    }
}

async fn stored_matches(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    messages: &[i64],
) -> Result<Vec<(i64, Stored)>, StoreError> {
    let mut out = Vec::new();
    for chunk in messages.chunks(400) {
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "SELECT topic_id, message_id, at, author_id, polarity, engagement, to_answer, terms \
             FROM topic_matches WHERE message_id IN ({})",
            placeholders(backend, 1, chunk.len())
        )));
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut **tx).await? {
            let message: i64 = get(&row, "message_id")?;
            let terms: String = get(&row, "terms")?;
            out.push((
                message,
                Stored {
                    topic: get(&row, "topic_id")?,
                    facts: MatchFacts {
                        message_id: MessageId(message),
                        created_at: ts(get(&row, "at")?)?,
                        author_id: get::<Option<i64>>(&row, "author_id")?.map(IdentityId),
                        polarity: get::<i64>(&row, "polarity")?.clamp(-1, 1) as i8,
                        engagement: get(&row, "engagement")?,
                        to_answer: get::<i64>(&row, "to_answer")? != 0,
                        terms: split_terms(&terms),
                    },
                },
            ));
        }
    }
    Ok(out)
}

/// `(…), (…)` for `rows` rows of `cols` placeholders.
fn value_rows(backend: Backend, rows: usize, cols: usize) -> String {
    (0..rows)
        .map(|r| format!("({})", placeholders(backend, 1 + r * cols, cols)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Rows per multi-row statement: keeps every statement under 500 parameters.
const CHUNK_PARAMS: usize = 480;

async fn insert_matches(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    rows: &[(i64, &MatchFacts)],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(CHUNK_PARAMS / 8) {
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO topic_matches (topic_id, message_id, at, author_id, polarity, engagement, \
             to_answer, terms) VALUES {}",
            value_rows(backend, chunk.len(), 8)
        )));
        for (topic, f) in chunk {
            query = query
                .bind(*topic)
                .bind(f.message_id.get())
                .bind(ms(f.created_at))
                .bind(f.author_id.map(IdentityId::get))
                .bind(i64::from(f.polarity.clamp(-1, 1)))
                .bind(f.engagement)
                .bind(i64::from(f.to_answer))
                .bind(join_terms(&f.terms));
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

async fn apply_deltas(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    deltas: &Deltas,
) -> Result<(), StoreError> {
    let hours: Vec<_> = deltas.hours.iter().collect();
    for chunk in hours.chunks(CHUNK_PARAMS / 8) {
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO topic_hours AS t (topic_id, hour, messages, positive, neutral, negative, \
             engagement, to_answer) VALUES {} ON CONFLICT (topic_id, hour) DO UPDATE SET \
             messages = t.messages + excluded.messages, positive = t.positive + excluded.positive, \
             neutral = t.neutral + excluded.neutral, negative = t.negative + excluded.negative, \
             engagement = t.engagement + excluded.engagement, \
             to_answer = t.to_answer + excluded.to_answer",
            value_rows(backend, chunk.len(), 8)
        )));
        for ((topic, hour), d) in chunk {
            query = query
                .bind(*topic)
                .bind(*hour)
                .bind(d.messages)
                .bind(d.positive)
                .bind(d.neutral)
                .bind(d.negative)
                .bind(d.engagement)
                .bind(d.to_answer);
        }
        query.execute(&mut **tx).await?;
    }
    let terms: Vec<_> = deltas.terms.iter().collect();
    for chunk in terms.chunks(CHUNK_PARAMS / 4) {
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO topic_terms AS t (topic_id, day, term, n) VALUES {} \
             ON CONFLICT (topic_id, day, term) DO UPDATE SET n = t.n + excluded.n",
            value_rows(backend, chunk.len(), 4)
        )));
        for ((topic, day, term), n) in chunk {
            query = query.bind(*topic).bind(*day).bind(term.as_str()).bind(*n);
        }
        query.execute(&mut **tx).await?;
    }
    let authors: Vec<_> = deltas.authors.iter().collect();
    for chunk in authors.chunks(CHUNK_PARAMS / 5) {
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO topic_authors AS t (topic_id, day, author_id, n, engagement) VALUES {} \
             ON CONFLICT (topic_id, day, author_id) DO UPDATE SET n = t.n + excluded.n, \
             engagement = t.engagement + excluded.engagement",
            value_rows(backend, chunk.len(), 5)
        )));
        for ((topic, day, author), (n, engagement)) in chunk {
            query = query
                .bind(*topic)
                .bind(*day)
                .bind(*author)
                .bind(*n)
                .bind(*engagement);
        }
        query.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Records the listener's verdicts (see the module documentation) with, in the same
/// transaction, the consumer's cursor or a backfill's progress. Topics of other
/// workspaces, and a backfill step for a revision that is no longer current, are
/// ignored (the query changed while the step ran; its matches would be stale).
pub(crate) async fn record_matches(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    verdicts: &[MessageMatches],
    cursor: Option<(&str, i64)>,
    steps: &[BackfillStep],
) -> Result<(), StoreError> {
    let own: HashMap<i64, i64> =
        sqlx::query("SELECT id, revision FROM topics WHERE workspace_id = $1")
            .bind(workspace.get())
            .fetch_all(pool)
            .await?
            .iter()
            .map(|r| Ok((get(r, "id")?, get(r, "revision")?)))
            .collect::<Result<_, StoreError>>()?;
    let mut tx = begin_write(pool, backend).await?;
    // Steps made for a revision that is no longer current are void: the query
    // changed while they ran, so their verdicts would be stale.
    let mut void: HashSet<i64> = HashSet::new();
    for s in steps {
        if own.get(&s.topic.get()) != Some(&s.revision) {
            void.insert(s.topic.get());
        }
    }
    {
        let ids: Vec<i64> = verdicts.iter().map(|v| v.facts.message_id.get()).collect();
        let mut stored: HashMap<(i64, i64), MatchFacts> = HashMap::new();
        for (message, s) in stored_matches(&mut tx, backend, &ids).await? {
            stored.insert((s.topic, message), s.facts);
        }
        let mut deltas = Deltas::default();
        let mut gone: Vec<(i64, i64)> = Vec::new();
        let mut new_rows: Vec<(i64, &MatchFacts)> = Vec::new();
        let mut seen: HashSet<(i64, i64)> = HashSet::new();
        for v in verdicts {
            let message = v.facts.message_id.get();
            let matched: HashSet<i64> = v.matched.iter().map(|t| t.get()).collect();
            for topic in v.checked.iter().map(|t| t.get()) {
                if !own.contains_key(&topic)
                    || void.contains(&topic)
                    || !seen.insert((topic, message))
                {
                    continue;
                }
                let old = stored.get(&(topic, message));
                let new = matched.contains(&topic).then_some(&v.facts);
                if old == new {
                    continue;
                }
                if let Some(old) = old {
                    deltas.add(topic, old, -1);
                    gone.push((topic, message));
                }
                if let Some(new) = new {
                    deltas.add(topic, new, 1);
                    new_rows.push((topic, new));
                }
            }
        }
        for (topic, message) in &gone {
            sqlx::query("DELETE FROM topic_matches WHERE topic_id = $1 AND message_id = $2")
                .bind(*topic)
                .bind(*message)
                .execute(&mut *tx)
                .await?;
        }
        insert_matches(&mut tx, backend, &new_rows).await?;
        deltas.prune();
        apply_deltas(&mut tx, backend, &deltas).await?;
        // Topics whose past days changed: cached sums of closed days are stale.
        let today = now_ms().div_euclid(DAY_MS);
        let mut touched: Vec<i64> = deltas
            .hours
            .keys()
            .filter(|(_, hour)| hour.div_euclid(24) < today)
            .map(|(topic, _)| *topic)
            .collect();
        touched.sort_unstable();
        touched.dedup();
        for topic in touched {
            sqlx::query("UPDATE topics SET history_version = history_version + 1 WHERE id = $1")
                .bind(topic)
                .execute(&mut *tx)
                .await?;
        }
        for s in steps.iter().filter(|s| !void.contains(&s.topic.get())) {
            sqlx::query(
                "UPDATE topics SET backfill_after = $1, backfill_done = backfill_done + $2 \
                 WHERE id = $3",
            )
            .bind(s.after.get())
            .bind(s.looked_at)
            .bind(s.topic.get())
            .execute(&mut *tx)
            .await?;
        }
    }
    if let Some((name, cursor)) = cursor {
        super::moderation::set_cursor_in(&mut tx, name, cursor).await?;
    }
    tx.commit().await?;
    Ok(())
}

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
async fn own_topics(
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
            placeholder(backend, chunk.len() + 1),
            placeholder(backend, chunk.len() + 2),
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

fn placeholder(backend: Backend, n: usize) -> String {
    match backend {
        Backend::Sqlite => "?".to_owned(),
        Backend::Postgres => format!("${n}"),
    }
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
    topic(pool, workspace, topic_id).await?;
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
        placeholder(backend, 1),
        placeholder(backend, 2),
        placeholder(backend, 3),
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
    topic(pool, workspace, topic_id).await?;
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
    topic(pool, workspace, topic_id).await?;
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
    topic(pool, workspace, topic_id).await?;
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
        super::conversations::identities_by_ids(pool, workspace, &ids)
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
    topic(pool, workspace, topic_id).await?;
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

/// Of these identities, those whose member also writes in a community space
/// (forum, chat or Q&A site): a member of the community, not only a voice on social.
pub(crate) async fn community_members(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    identities: &[IdentityId],
) -> Result<HashSet<IdentityId>, StoreError> {
    let mut ids: Vec<i64> = identities.iter().map(|i| i.get()).collect();
    ids.sort_unstable();
    ids.dedup();
    let community = COMMUNITY_PLATFORMS
        .iter()
        .map(|p| format!("'{p}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = HashSet::new();
    for chunk in ids.chunks(400) {
        let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(format!(
            "SELECT i.id FROM identities i WHERE i.workspace_id = {} AND i.id IN ({}) AND EXISTS \
             (SELECT 1 FROM identities j WHERE j.member_id = i.member_id AND j.platform IN ({community}))",
            placeholder(backend, 1),
            placeholders(backend, 2, chunk.len()),
        )))
        .bind(workspace.get());
        for id in chunk {
            query = query.bind(*id);
        }
        out.extend(query.fetch_all(pool).await?.into_iter().map(IdentityId));
    }
    Ok(out)
}

/// The platforms that are community spaces rather than broadcast social networks.
pub const COMMUNITY_PLATFORMS: [&str; 6] = [
    "discourse",
    "discord",
    "slack",
    "matrix",
    "stackexchange",
    "telegram",
];

/// Rollup rows that differ from a recount of `topic_matches`, per table; empty
/// when everything adds up. For tests and `tend doctor`-like checks.
pub(crate) async fn listening_drift(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Vec<String>, StoreError> {
    let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM topics WHERE workspace_id = $1")
        .bind(workspace.get())
        .fetch_all(pool)
        .await?;
    let mut drift = Vec::new();
    for topic in ids {
        let rows = sqlx::query(
            "SELECT message_id, at, author_id, polarity, engagement, to_answer, terms \
             FROM topic_matches WHERE topic_id = $1",
        )
        .bind(topic)
        .fetch_all(pool)
        .await?;
        let mut want = Deltas::default();
        for r in &rows {
            let terms: String = get(r, "terms")?;
            let facts = MatchFacts {
                message_id: MessageId(get(r, "message_id")?),
                created_at: ts(get(r, "at")?)?,
                author_id: get::<Option<i64>>(r, "author_id")?.map(IdentityId),
                polarity: get::<i64>(r, "polarity")?.clamp(-1, 1) as i8,
                engagement: get(r, "engagement")?,
                to_answer: get::<i64>(r, "to_answer")? != 0,
                terms: split_terms(&terms),
            };
            want.add(topic, &facts, 1);
        }
        want.prune();
        let mut have = Deltas::default();
        for r in sqlx::query(
            "SELECT hour, messages, positive, neutral, negative, engagement, to_answer \
             FROM topic_hours WHERE topic_id = $1",
        )
        .bind(topic)
        .fetch_all(pool)
        .await?
        {
            have.hours.insert(
                (topic, get(&r, "hour")?),
                HourDelta {
                    messages: get(&r, "messages")?,
                    positive: get(&r, "positive")?,
                    neutral: get(&r, "neutral")?,
                    negative: get(&r, "negative")?,
                    engagement: get(&r, "engagement")?,
                    to_answer: get(&r, "to_answer")?,
                },
            );
        }
        for r in sqlx::query("SELECT day, term, n FROM topic_terms WHERE topic_id = $1")
            .bind(topic)
            .fetch_all(pool)
            .await?
        {
            have.terms
                .insert((topic, get(&r, "day")?, get(&r, "term")?), get(&r, "n")?);
        }
        for r in sqlx::query(
            "SELECT day, author_id, n, engagement FROM topic_authors WHERE topic_id = $1",
        )
        .bind(topic)
        .fetch_all(pool)
        .await?
        {
            have.authors.insert(
                (topic, get(&r, "day")?, get(&r, "author_id")?),
                (get(&r, "n")?, get(&r, "engagement")?),
            );
        }
        have.prune();
        if have.hours != want.hours {
            drift.push(format!("topic {topic}: topic_hours differ from a recount"));
        }
        if have.terms != want.terms {
            drift.push(format!("topic {topic}: topic_terms differ from a recount"));
        }
        if have.authors != want.authors {
            drift.push(format!(
                "topic {topic}: topic_authors differ from a recount"
            ));
        }
    }
    Ok(drift)
}

const ALERT_COLUMNS: &str =
    "id, topic_id, kind, start_at, end_at, observed, expected, score, created_at, notified_at";

fn alert_from_row(row: &AnyRow) -> Result<Alert, StoreError> {
    let kind: String = get(row, "kind")?;
    Ok(Alert {
        id: AlertId(get(row, "id")?),
        topic_id: TopicId(get(row, "topic_id")?),
        kind: AlertKind::parse(&kind).map_err(|_| corrupt("topic_alerts", "unknown kind"))?,
        start: ts(get(row, "start_at")?)?,
        end: ts(get(row, "end_at")?)?,
        observed: get(row, "observed")?,
        expected: get(row, "expected")?,
        score: get(row, "score")?,
        created_at: ts(get(row, "created_at")?)?,
        notified_at: ts_opt(get(row, "notified_at")?)?,
    })
}

/// Records spikes: a new spike gets a row, one that starts where a recorded one
/// starts updates it (a spike grows while it lasts). Returns the alerts that are
/// new or changed and not yet sent to the webhook.
pub(crate) async fn record_alerts(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    alerts: &[NewAlert],
) -> Result<Vec<Alert>, StoreError> {
    let topics: Vec<TopicId> = alerts.iter().map(|a| a.topic_id).collect();
    let own: HashSet<i64> = own_topics(pool, workspace, &topics)
        .await?
        .into_iter()
        .collect();
    let now = now_ms();
    let mut out = Vec::new();
    let mut tx = begin_write(pool, backend).await?;
    for a in alerts.iter().filter(|a| own.contains(&a.topic_id.get())) {
        let expected = if a.expected.is_finite() {
            a.expected
        } else {
            0.0
        };
        let score = if a.score.is_finite() { a.score } else { 0.0 };
        let row = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO topic_alerts AS t (workspace_id, topic_id, kind, start_at, end_at, observed, \
             expected, score, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (topic_id, kind, start_at) DO UPDATE SET end_at = excluded.end_at, \
             observed = excluded.observed, expected = excluded.expected, score = excluded.score \
             WHERE t.end_at <> excluded.end_at OR t.observed <> excluded.observed \
             RETURNING {ALERT_COLUMNS}"
        )))
        .bind(workspace.get())
        .bind(a.topic_id.get())
        .bind(a.kind.as_str())
        .bind(ms(a.start))
        .bind(ms(a.end))
        .bind(a.observed)
        .bind(expected)
        .bind(score)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = row {
            out.push(alert_from_row(&row)?);
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// The workspace's alerts that started at or after `since`, newest first.
pub(crate) async fn alerts(
    pool: &AnyPool,
    workspace: WorkspaceId,
    since: jiff::Timestamp,
    limit: i64,
) -> Result<Vec<Alert>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {ALERT_COLUMNS} FROM topic_alerts WHERE workspace_id = $1 AND start_at >= $2 \
         ORDER BY start_at DESC, id DESC LIMIT $3"
    )))
    .bind(workspace.get())
    .bind(ms(since))
    .bind(limit)
    .fetch_all(pool)
    .await?
    .iter()
    .map(alert_from_row)
    .collect()
}

pub(crate) async fn mark_notified(
    pool: &AnyPool,
    workspace: WorkspaceId,
    ids: &[AlertId],
) -> Result<(), StoreError> {
    let now = now_ms();
    for id in ids {
        sqlx::query("UPDATE topic_alerts SET notified_at = $1 WHERE id = $2 AND workspace_id = $3")
            .bind(now)
            .bind(id.get())
            .bind(workspace.get())
            .execute(pool)
            .await?;
    }
    Ok(())
}

pub(crate) async fn webhook(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar::<_, Option<String>>(
        "SELECT webhook_url FROM listening_settings WHERE workspace_id = $1",
    )
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .flatten())
}

pub(crate) async fn set_webhook(
    pool: &AnyPool,
    workspace: WorkspaceId,
    url: Option<&str>,
) -> Result<(), StoreError> {
    if let Some(url) = url
        && (!(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 2_000)
    {
        return Err(StoreError::Invalid(ValidationError::new(
            "webhook_url",
            "an http:// or https:// address of at most 2,000 characters",
        )));
    }
    super::workspaces::by_id(pool, workspace).await?;
    sqlx::query(
        "INSERT INTO listening_settings (workspace_id, webhook_url) VALUES ($1, $2) \
         ON CONFLICT (workspace_id) DO UPDATE SET webhook_url = excluded.webhook_url",
    )
    .bind(workspace.get())
    .bind(url)
    .execute(pool)
    .await?;
    Ok(())
}

#[async_trait::async_trait]
impl crate::ListenStore for super::SqlStore {
    async fn create_topic(
        &self,
        workspace: WorkspaceId,
        new: &NewTopic,
        by: Option<UserId>,
    ) -> Result<Topic, StoreError> {
        create_topic(&self.pool, self.backend, workspace, new, by).await
    }
    async fn topics(&self, workspace: WorkspaceId) -> Result<Vec<Topic>, StoreError> {
        topics(&self.pool, workspace).await
    }
    async fn topic(&self, workspace: WorkspaceId, id: TopicId) -> Result<Topic, StoreError> {
        topic(&self.pool, workspace, id).await
    }
    async fn update_topic(
        &self,
        workspace: WorkspaceId,
        id: TopicId,
        new: &NewTopic,
    ) -> Result<Topic, StoreError> {
        update_topic(&self.pool, self.backend, workspace, id, new).await
    }
    async fn delete_topic(&self, workspace: WorkspaceId, id: TopicId) -> Result<(), StoreError> {
        delete_topic(&self.pool, self.backend, workspace, id).await
    }
    async fn backfills(&self) -> Result<Vec<(WorkspaceId, BackfillCursor)>, StoreError> {
        backfills(&self.pool).await
    }
    async fn backfill_messages(
        &self,
        workspace: WorkspaceId,
        after: MessageId,
        upto: MessageId,
        limit: u32,
    ) -> Result<Vec<tend_domain::Message>, StoreError> {
        super::messages::id_range(&self.pool, self.backend, workspace, after, upto, limit).await
    }
    async fn record_matches(
        &self,
        workspace: WorkspaceId,
        verdicts: &[MessageMatches],
        cursor: Option<(&str, i64)>,
        steps: &[BackfillStep],
    ) -> Result<(), StoreError> {
        record_matches(&self.pool, self.backend, workspace, verdicts, cursor, steps).await
    }
    async fn topic_hours(
        &self,
        workspace: WorkspaceId,
        topics: &[TopicId],
        from_hour: i64,
        to_hour: i64,
    ) -> Result<Vec<TopicHour>, StoreError> {
        topic_hours(
            &self.pool,
            self.backend,
            workspace,
            topics,
            from_hour,
            to_hour,
        )
        .await
    }
    async fn topic_buckets(
        &self,
        workspace: WorkspaceId,
        topics: &[TopicId],
        bounds: &[i64],
    ) -> Result<Vec<(TopicId, usize, TopicHour)>, StoreError> {
        topic_buckets(&self.pool, self.backend, workspace, topics, bounds).await
    }
    async fn topic_terms(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        periods: Periods,
        min: i64,
        limit: i64,
    ) -> Result<Vec<TermCount>, StoreError> {
        topic_terms(
            &self.pool,
            self.backend,
            workspace,
            topic,
            periods,
            min,
            limit,
        )
        .await
    }
    async fn topic_term_counts(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<(String, i64)>, StoreError> {
        topic_term_counts(&self.pool, workspace, topic, from_day, to_day).await
    }
    async fn topic_author_counts(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        from_day: i64,
        to_day: i64,
    ) -> Result<Vec<(IdentityId, i64, i64)>, StoreError> {
        topic_author_counts(&self.pool, workspace, topic, from_day, to_day).await
    }
    async fn topic_authors(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        from_day: i64,
        to_day: i64,
        limit: i64,
    ) -> Result<Vec<AuthorCount>, StoreError> {
        topic_authors(&self.pool, workspace, topic, from_day, to_day, limit).await
    }
    async fn to_answer(
        &self,
        workspace: WorkspaceId,
        topic: TopicId,
        period: (jiff::Timestamp, jiff::Timestamp),
        limit: i64,
    ) -> Result<Vec<MessageId>, StoreError> {
        to_answer(&self.pool, workspace, topic, period, limit).await
    }
    async fn community_members(
        &self,
        workspace: WorkspaceId,
        identities: &[IdentityId],
    ) -> Result<HashSet<IdentityId>, StoreError> {
        community_members(&self.pool, self.backend, workspace, identities).await
    }
    async fn listening_drift(&self, workspace: WorkspaceId) -> Result<Vec<String>, StoreError> {
        listening_drift(&self.pool, workspace).await
    }
    async fn record_alerts(
        &self,
        workspace: WorkspaceId,
        alerts: &[NewAlert],
    ) -> Result<Vec<Alert>, StoreError> {
        record_alerts(&self.pool, self.backend, workspace, alerts).await
    }
    async fn alerts(
        &self,
        workspace: WorkspaceId,
        since: jiff::Timestamp,
        limit: i64,
    ) -> Result<Vec<Alert>, StoreError> {
        alerts(&self.pool, workspace, since, limit).await
    }
    async fn mark_notified(
        &self,
        workspace: WorkspaceId,
        ids: &[AlertId],
    ) -> Result<(), StoreError> {
        mark_notified(&self.pool, workspace, ids).await
    }
    async fn alert_webhook(&self, workspace: WorkspaceId) -> Result<Option<String>, StoreError> {
        webhook(&self.pool, workspace).await
    }
    async fn set_alert_webhook(
        &self,
        workspace: WorkspaceId,
        url: Option<&str>,
    ) -> Result<(), StoreError> {
        set_webhook(&self.pool, workspace, url).await
    }
}
