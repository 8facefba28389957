//! Moderation records: rule set versions and their hit counters, the moderation
//! state of messages, the review queue, banned authors and the audit log.

use crate::sql::{Backend, corrupt, get, now_ms, numbered, ts, ts_opt};
use crate::{ModerationFacts, StoreError};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use std::collections::HashMap;
use tend_domain::{
    EventPayload, IdentityId, MessageId, Moderation, ModerationChanged, ModerationEntry,
    ModerationVerdict, ReviewDecision, ReviewId, ReviewItem, ReviewStatus, RuleActor, RuleHit,
    RuleSetId, RuleSetVersion, RulesLive, UserId, WorkspaceId,
};

const RULE_SET_COLUMNS: &str =
    "id, workspace_id, version, source, created_by, created_at, live_from, live_until";

fn rule_set_from_row(row: &AnyRow) -> Result<RuleSetVersion, StoreError> {
    Ok(RuleSetVersion {
        id: RuleSetId(get(row, "id")?),
        workspace_id: WorkspaceId(get(row, "workspace_id")?),
        version: get(row, "version")?,
        source: get(row, "source")?,
        created_by: get::<Option<i64>>(row, "created_by")?.map(UserId),
        created_at: ts(get(row, "created_at")?)?,
        live_from: ts_opt(get(row, "live_from")?)?,
        live_until: ts_opt(get(row, "live_until")?)?,
    })
}

pub(crate) async fn create_rule_set(
    pool: &AnyPool,
    workspace: WorkspaceId,
    source: &str,
    by: Option<UserId>,
) -> Result<RuleSetVersion, StoreError> {
    crate::sql::team::workspaces::by_id(pool, workspace).await?;
    let mut tx = pool.begin().await?;
    let next: i64 = sqlx::query_scalar(
        "SELECT COALESCE(MAX(version), 0) + 1 FROM rule_sets WHERE workspace_id = $1",
    )
    .bind(workspace.get())
    .fetch_one(&mut *tx)
    .await?;
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO rule_sets (workspace_id, version, source, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING {RULE_SET_COLUMNS}"
    )))
    .bind(workspace.get())
    .bind(next)
    .bind(source)
    .bind(by.map(UserId::get))
    .bind(now_ms())
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    rule_set_from_row(&row)
}

pub(crate) async fn rule_sets(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Vec<RuleSetVersion>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {RULE_SET_COLUMNS} FROM rule_sets WHERE workspace_id = $1 ORDER BY version DESC"
    )))
    .bind(workspace.get())
    .fetch_all(pool)
    .await?
    .iter()
    .map(rule_set_from_row)
    .collect()
}

pub(crate) async fn rule_set(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: RuleSetId,
) -> Result<RuleSetVersion, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {RULE_SET_COLUMNS} FROM rule_sets WHERE id = $1 AND workspace_id = $2"
    )))
    .bind(id.get())
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    rule_set_from_row(&row)
}

pub(crate) async fn live_rule_set(
    pool: &AnyPool,
    workspace: WorkspaceId,
) -> Result<Option<RuleSetVersion>, StoreError> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {RULE_SET_COLUMNS} FROM rule_sets WHERE workspace_id = $1 \
         AND live_from IS NOT NULL AND live_until IS NULL"
    )))
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .as_ref()
    .map(rule_set_from_row)
    .transpose()
}

/// Makes `id` the live version: the one live before it gets `live_until`. Making
/// the live version live again changes nothing.
pub(crate) async fn make_live(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    id: RuleSetId,
    by: Option<UserId>,
) -> Result<RuleSetVersion, StoreError> {
    let target = rule_set(pool, workspace, id).await?;
    if target.is_live() {
        return Ok(target);
    }
    let now = now_ms();
    let mut tx = pool.begin().await?;
    sqlx::query(
        "UPDATE rule_sets SET live_until = $1 WHERE workspace_id = $2 \
         AND live_from IS NOT NULL AND live_until IS NULL",
    )
    .bind(now)
    .bind(workspace.get())
    .execute(&mut *tx)
    .await?;
    // A version that was live once and is made live again starts a new period.
    sqlx::query("UPDATE rule_sets SET live_from = $1, live_until = NULL WHERE id = $2")
        .bind(now)
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
    let payload = EventPayload::RulesLive(RulesLive {
        rule_set: id,
        version: target.version,
        by,
    });
    crate::sql::events::append(&mut tx, backend, workspace, &payload).await?;
    tx.commit().await?;
    rule_set(pool, workspace, id).await
}

pub(crate) async fn rule_hits(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: RuleSetId,
) -> Result<Vec<RuleHit>, StoreError> {
    rule_set(pool, workspace, id).await?;
    sqlx::query(
        "SELECT rule_index, hits, last_hit_at FROM rule_hits WHERE rule_set_id = $1 ORDER BY rule_index",
    )
    .bind(id.get())
    .fetch_all(pool)
    .await?
    .iter()
    .map(|row| {
        Ok(RuleHit {
            rule_index: get(row, "rule_index")?,
            hits: get(row, "hits")?,
            last_hit_at: ts_opt(get(row, "last_hit_at")?)?,
        })
    })
    .collect()
}

/// What evaluation needs to know about messages besides their text: their
/// moderation state, the unrepeatable rules already performed on them, and whether
/// their author is banned. Ids of other workspaces are left out.
pub(crate) async fn facts(
    pool: &AnyPool,
    workspace: WorkspaceId,
    ids: &[MessageId],
) -> Result<HashMap<MessageId, ModerationFacts>, StoreError> {
    let mut out: HashMap<MessageId, ModerationFacts> = HashMap::new();
    for chunk in ids.chunks(400) {
        let list = numbered(2, chunk.len());
        let bind = |sql: String| {
            let mut q = sqlx::query(AssertSqlSafe(sql)).bind(workspace.get());
            for id in chunk {
                q = q.bind(id.get());
            }
            q
        };
        for row in bind(format!(
            "SELECT m.id, s.state, b.identity_id AS banned FROM messages m \
             LEFT JOIN moderation_states s ON s.message_id = m.id \
             LEFT JOIN banned_identities b ON b.identity_id = m.author_id \
             WHERE m.workspace_id = $1 AND m.id IN ({list})"
        ))
        .fetch_all(pool)
        .await?
        {
            let state = match get::<Option<String>>(&row, "state")? {
                Some(s) => Moderation::parse(&s).map_err(|e| corrupt("moderation_states", e))?,
                None => Moderation::Visible,
            };
            out.insert(
                MessageId(get(&row, "id")?),
                ModerationFacts {
                    state,
                    performed: Vec::new(),
                    author_banned: get::<Option<i64>>(&row, "banned")?.is_some(),
                },
            );
        }
        for row in bind(format!(
            "SELECT p.message_id, p.rule_hash FROM rule_performed p JOIN messages m ON m.id = p.message_id \
             WHERE m.workspace_id = $1 AND p.message_id IN ({list}) ORDER BY p.rule_hash"
        ))
        .fetch_all(pool)
        .await?
        {
            if let Some(f) = out.get_mut(&MessageId(get(&row, "message_id")?)) {
                f.performed.push(get(&row, "rule_hash")?);
            }
        }
    }
    Ok(out)
}

/// The name a state change has in the log.
fn action_name(state: Moderation) -> &'static str {
    match state {
        Moderation::Visible => "approve",
        Moderation::Hidden => "hide",
        Moderation::Removed => "remove",
        Moderation::Spam => "spam",
    }
}

/// One audit line.
struct LogLine<'a> {
    message: MessageId,
    rule: Option<(RuleSetId, i64, i64)>,
    user: Option<UserId>,
    action: &'a str,
    before: Moderation,
    after: Moderation,
    detail: &'a str,
}

async fn log(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
    line: &LogLine<'_>,
    at: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO moderation_log (workspace_id, message_id, rule_set_id, version, rule_index, \
         user_id, action, before_state, after_state, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(workspace.get())
    .bind(line.message.get())
    .bind(line.rule.map(|r| r.0.get()))
    .bind(line.rule.map(|r| r.1))
    .bind(line.rule.map(|r| r.2))
    .bind(line.user.map(UserId::get))
    .bind(line.action)
    .bind(line.before.as_str())
    .bind(line.after.as_str())
    .bind(line.detail)
    .bind(at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

async fn state_of(
    tx: &mut Transaction<'_, Any>,
    message: MessageId,
) -> Result<Moderation, StoreError> {
    let state: Option<String> =
        sqlx::query_scalar("SELECT state FROM moderation_states WHERE message_id = $1")
            .bind(message.get())
            .fetch_optional(&mut **tx)
            .await?;
    state.map_or(Ok(Moderation::Visible), |s| {
        Moderation::parse(&s).map_err(|e| corrupt("moderation_states", e))
    })
}

async fn set_state(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
    message: MessageId,
    state: Moderation,
    by: Option<UserId>,
    at: i64,
) -> Result<(), StoreError> {
    if state == Moderation::Visible {
        sqlx::query("DELETE FROM moderation_states WHERE message_id = $1")
            .bind(message.get())
            .execute(&mut **tx)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO moderation_states (message_id, workspace_id, state, by_user, at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (message_id) DO UPDATE \
             SET state = excluded.state, by_user = excluded.by_user, at = excluded.at",
        )
        .bind(message.get())
        .bind(workspace.get())
        .bind(state.as_str())
        .bind(by.map(UserId::get))
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Records what the rules decided, in one transaction: state changes, review items,
/// queued webhooks, hit counters, unrepeatable marks, audit lines, the consumer's cursor (when
/// given) and one `moderation.changed` event. Messages of other workspaces are
/// skipped.
pub(crate) async fn record_verdicts(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    verdicts: &[ModerationVerdict],
    jobs: &[crate::jobs::NewJob],
    cursor: Option<(&str, i64)>,
) -> Result<(), StoreError> {
    let ids: Vec<MessageId> = verdicts.iter().map(|v| v.message_id).collect();
    let known = facts(pool, workspace, &ids).await?;
    let at = now_ms();
    let mut tx = pool.begin().await?;
    crate::sql::jobs::check_fence(&mut tx, backend).await?;
    let mut changed = Vec::new();
    for v in verdicts
        .iter()
        .filter(|v| known.contains_key(&v.message_id))
    {
        let rule = Some((v.rule_set, v.version, v.rule_index));
        let before = state_of(&mut tx, v.message_id).await?;
        let mut after = before;
        if let Some(state) = v.state.filter(|s| *s != before) {
            set_state(&mut tx, workspace, v.message_id, state, None, at).await?;
            after = state;
            let line = LogLine {
                message: v.message_id,
                rule,
                user: None,
                action: action_name(state),
                before,
                after,
                detail: &v.rule_name,
            };
            log(&mut tx, workspace, &line, at).await?;
        }
        if let Some(reason) = &v.flag {
            let inserted = sqlx::query(
                "INSERT INTO review_items (workspace_id, message_id, rule_set_id, version, rule_index, \
                 rule_name, reason, status, escalated, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
            )
            .bind(workspace.get())
            .bind(v.message_id.get())
            .bind(v.rule_set.get())
            .bind(v.version)
            .bind(v.rule_index)
            .bind(&v.rule_name)
            .bind(reason)
            .bind(if v.escalate { "escalated" } else { "pending" })
            .bind(i64::from(v.escalate))
            .bind(at)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if inserted > 0 {
                let line = LogLine {
                    message: v.message_id,
                    rule,
                    user: None,
                    action: "flag",
                    before: after,
                    after,
                    detail: reason,
                };
                log(&mut tx, workspace, &line, at).await?;
            }
        }
        if v.escalate {
            sqlx::query(
                "UPDATE review_items SET escalated = 1, status = 'escalated' \
                 WHERE message_id = $1 AND status IN ('pending', 'escalated')",
            )
            .bind(v.message_id.get())
            .execute(&mut *tx)
            .await?;
        }
        for (action, detail) in &v.log {
            let line = LogLine {
                message: v.message_id,
                rule,
                user: None,
                action,
                before: after,
                after,
                detail,
            };
            log(&mut tx, workspace, &line, at).await?;
        }
        crate::sql::moderation::webhooks::queue(&mut tx, workspace, v, at).await?;
        sqlx::query(
            "INSERT INTO rule_hits (rule_set_id, rule_index, hits, last_hit_at) VALUES ($1, $2, 1, $3) \
             ON CONFLICT (rule_set_id, rule_index) DO UPDATE \
             SET hits = rule_hits.hits + 1, last_hit_at = excluded.last_hit_at",
        )
        .bind(v.rule_set.get())
        .bind(v.rule_index)
        .bind(at)
        .execute(&mut *tx)
        .await?;
        if let Some(hash) = &v.unrepeatable_hash {
            sqlx::query(
                "INSERT INTO rule_performed (message_id, rule_hash) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(v.message_id.get())
            .bind(hash)
            .execute(&mut *tx)
            .await?;
        }
        changed.push(v.message_id);
    }
    for job in jobs {
        crate::sql::jobs::enqueue_in(&mut tx, job, at).await?;
    }
    if let Some((name, cursor)) = cursor {
        crate::sql::events::set_cursor_in(&mut tx, name, cursor).await?;
    }
    if !changed.is_empty() {
        changed.sort_unstable();
        changed.dedup();
        let payload = EventPayload::ModerationChanged(ModerationChanged {
            messages: changed,
            by: None,
        });
        crate::sql::events::append(&mut tx, backend, workspace, &payload).await?;
    }
    tx.commit().await?;
    Ok(())
}

const REVIEW_COLUMNS: &str = "r.id, r.workspace_id, r.message_id, r.rule_set_id, r.version, r.rule_index, \
    r.rule_name, r.reason, r.status, r.escalated, r.created_at, r.decided_by, r.decided_at, m.author_id";

fn review_from_row(row: &AnyRow) -> Result<ReviewItem, StoreError> {
    Ok(ReviewItem {
        id: ReviewId(get(row, "id")?),
        workspace_id: WorkspaceId(get(row, "workspace_id")?),
        message_id: MessageId(get(row, "message_id")?),
        rule_set: get::<Option<i64>>(row, "rule_set_id")?.map(RuleSetId),
        version: get(row, "version")?,
        rule_index: get(row, "rule_index")?,
        rule_name: get(row, "rule_name")?,
        reason: get(row, "reason")?,
        status: ReviewStatus::parse(&get::<String>(row, "status")?)
            .map_err(|e| corrupt("review_items", e))?,
        escalated: get::<i64>(row, "escalated")? != 0,
        author_id: get::<Option<i64>>(row, "author_id")?.map(IdentityId),
        created_at: ts(get(row, "created_at")?)?,
        decided_by: get::<Option<i64>>(row, "decided_by")?.map(UserId),
        decided_at: ts_opt(get(row, "decided_at")?)?,
    })
}

/// The review queue: open items (pending and escalated) when `open` is set, else
/// decided ones; escalated first, then newest first; paged by `before` (an id).
pub(crate) async fn review_queue(
    pool: &AnyPool,
    workspace: WorkspaceId,
    open: bool,
    before: Option<ReviewId>,
    limit: u32,
) -> Result<Vec<ReviewItem>, StoreError> {
    let limit = limit.clamp(1, 500);
    let which = if open {
        "r.status IN ('pending', 'escalated')"
    } else {
        "r.status NOT IN ('pending', 'escalated')"
    };
    let (order, page) = if open {
        ("r.escalated DESC, r.id DESC", "")
    } else {
        ("r.id DESC", " AND r.id < $2")
    };
    let mut sql = format!(
        "SELECT {REVIEW_COLUMNS} FROM review_items r JOIN messages m ON m.id = r.message_id \
         WHERE r.workspace_id = $1 AND {which}"
    );
    if before.is_some() && !open {
        sql.push_str(page);
    }
    sql.push_str(&format!(" ORDER BY {order} LIMIT {limit}"));
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(workspace.get());
    if let (Some(b), false) = (before, open) {
        query = query.bind(b.get());
    }
    query
        .fetch_all(pool)
        .await?
        .iter()
        .map(review_from_row)
        .collect()
}

/// How many review items are open, counting at most `cap` (a badge, not a report).
pub(crate) async fn open_reviews(
    pool: &AnyPool,
    reader: Option<&std::sync::Arc<crate::sql::sqlite_read::Reader>>,
    workspace: WorkspaceId,
    cap: u32,
) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM review_items WHERE workspace_id = $1 \
         AND status IN ('pending', 'escalated') LIMIT {cap}) AS open_items"
    );
    if let Some(reader) = reader {
        return reader
            .read(move |conn| {
                crate::sql::sqlite_read::query(
                    conn,
                    &sql,
                    &[crate::sql::inbox::messages::Bind::Int(workspace.get())],
                    |row| crate::sql::col::<i64>(row, "n"),
                )?
                .pop()
                .ok_or(StoreError::NotFound)
            })
            .await;
    }
    Ok(sqlx::query_scalar(AssertSqlSafe(sql))
        .bind(workspace.get())
        .fetch_one(pool)
        .await?)
}

pub(crate) async fn review_item(
    pool: &AnyPool,
    workspace: WorkspaceId,
    id: ReviewId,
) -> Result<ReviewItem, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {REVIEW_COLUMNS} FROM review_items r JOIN messages m ON m.id = r.message_id \
         WHERE r.id = $1 AND r.workspace_id = $2"
    )))
    .bind(id.get())
    .bind(workspace.get())
    .fetch_optional(pool)
    .await?
    .ok_or(StoreError::NotFound)?;
    review_from_row(&row)
}

/// A teammate decides open review items: each item's status, its message's
/// moderation state, a ban of the author for `Ban`, one audit line each, and one
/// `moderation.changed` event. Items already decided, unknown or of another
/// workspace are skipped; returns how many were decided.
pub(crate) async fn decide(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    ids: &[ReviewId],
    decision: ReviewDecision,
    by: Option<UserId>,
) -> Result<u64, StoreError> {
    let (status, state) = decision.outcome();
    let at = now_ms();
    let mut tx = pool.begin().await?;
    let mut changed = Vec::new();
    for id in ids {
        let row = sqlx::query(
            "SELECT r.message_id, m.author_id FROM review_items r JOIN messages m ON m.id = r.message_id \
             WHERE r.id = $1 AND r.workspace_id = $2 AND r.status IN ('pending', 'escalated')",
        )
        .bind(id.get())
        .bind(workspace.get())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else { continue };
        let message = MessageId(get(&row, "message_id")?);
        let author: Option<i64> = get(&row, "author_id")?;
        // Escalating keeps the item open and marks it urgent.
        sqlx::query(
            "UPDATE review_items SET status = $1, escalated = CASE WHEN $2 = 1 THEN 1 ELSE escalated END, \
             decided_by = $3, decided_at = $4 WHERE id = $5",
        )
        .bind(status.as_str())
        .bind(i64::from(decision == ReviewDecision::Escalate))
        .bind(by.map(UserId::get))
        .bind(if decision == ReviewDecision::Escalate {
            None
        } else {
            Some(at)
        })
        .bind(id.get())
        .execute(&mut *tx)
        .await?;
        let before = state_of(&mut tx, message).await?;
        let after = state.unwrap_or(before);
        if after != before {
            set_state(&mut tx, workspace, message, after, by, at).await?;
        }
        if let (ReviewDecision::Ban, Some(author)) = (decision, author) {
            sqlx::query(
                "INSERT INTO banned_identities (identity_id, workspace_id, by_user, reason, at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (identity_id) DO NOTHING",
            )
            .bind(author)
            .bind(workspace.get())
            .bind(by.map(UserId::get))
            .bind(format!("review item {id}"))
            .bind(at)
            .execute(&mut *tx)
            .await?;
        }
        let line = LogLine {
            message,
            rule: None,
            user: by,
            action: decision.as_str(),
            before,
            after,
            detail: "",
        };
        log(&mut tx, workspace, &line, at).await?;
        changed.push(message);
    }
    let n_changed = changed.len() as u64;
    if !changed.is_empty() {
        let payload = EventPayload::ModerationChanged(ModerationChanged {
            messages: changed,
            by,
        });
        crate::sql::events::append(&mut tx, backend, workspace, &payload).await?;
    }
    tx.commit().await?;
    Ok(n_changed)
}

/// The audit log, newest first: of one message, or of the whole workspace.
pub(crate) async fn log_entries(
    pool: &AnyPool,
    workspace: WorkspaceId,
    message: Option<MessageId>,
    limit: u32,
) -> Result<Vec<ModerationEntry>, StoreError> {
    let limit = limit.clamp(1, 1000);
    let mut sql = String::from(
        "SELECT id, workspace_id, message_id, rule_set_id, version, rule_index, user_id, action, \
         before_state, after_state, detail, at FROM moderation_log WHERE workspace_id = $1",
    );
    if message.is_some() {
        sql.push_str(" AND message_id = $2");
    }
    sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(workspace.get());
    if let Some(m) = message {
        query = query.bind(m.get());
    }
    let state = |row: &AnyRow, col: &str| -> Result<Moderation, StoreError> {
        Moderation::parse(&get::<String>(row, col)?).map_err(|e| corrupt("moderation_log", e))
    };
    query
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            let actor = match get::<Option<i64>>(row, "rule_set_id")? {
                Some(set) => RuleActor::Rule {
                    rule_set: RuleSetId(set),
                    version: get::<Option<i64>>(row, "version")?.unwrap_or(0),
                    rule_index: get::<Option<i64>>(row, "rule_index")?.unwrap_or(0),
                },
                None => RuleActor::Teammate {
                    user: get::<Option<i64>>(row, "user_id")?.map(UserId),
                },
            };
            Ok(ModerationEntry {
                id: get(row, "id")?,
                workspace_id: WorkspaceId(get(row, "workspace_id")?),
                message_id: MessageId(get(row, "message_id")?),
                actor,
                action: get(row, "action")?,
                before: state(row, "before_state")?,
                after: state(row, "after_state")?,
                detail: get(row, "detail")?,
                at: ts(get(row, "at")?)?,
            })
        })
        .collect()
}
