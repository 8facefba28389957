//! Recording the listener's verdicts: matches and the rollups kept by deltas
//! (see the module above), and the recount that checks them.

use super::super::{Backend, begin_write, get, ms, now_ms, placeholders, ts};
use super::{DAY_MS, HOUR_MS};
use crate::StoreError;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use std::collections::{BTreeMap, HashMap, HashSet};
use tend_domain::{IdentityId, MatchFacts, MessageId, MessageMatches, TopicId, WorkspaceId};

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
    crate::sql::jobs::check_fence(&mut tx, backend).await?;
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
        super::super::events::set_cursor_in(&mut tx, name, cursor).await?;
    }
    tx.commit().await?;
    Ok(())
}
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
