//! Inbox states: counts per state, moving conversations between states
//! (with snoozing and waking), and assignment.

use super::messages::{Bind, by_id};
use crate::sql::inbox::activity::{Change, record_change};
use crate::sql::sqlite_read::{self, Reader};
use crate::sql::{Backend, Cols, col, corrupt, get, ms, placeholders, ts};
use crate::{StateCounts, StoreError};
use jiff::Timestamp;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use std::collections::HashMap;
use std::sync::Arc;
use tend_domain::{ConversationChange, InboxState, Message, MessageId, UserId, WorkspaceId};

const COUNT_BY_STATE: &str = "SELECT state, n FROM inbox_counts WHERE workspace_id = $1";

pub(crate) async fn count_by_state(
    pool: &AnyPool,
    reader: Option<&Arc<Reader>>,
    workspace: WorkspaceId,
) -> Result<StateCounts, StoreError> {
    let rows = match reader {
        Some(reader) => {
            reader
                .read(move |conn| {
                    sqlite_read::query(conn, COUNT_BY_STATE, &[Bind::Int(workspace.get())], |row| {
                        state_count_from_row(row)
                    })
                })
                .await?
        }
        None => sqlx::query(COUNT_BY_STATE)
            .bind(workspace.get())
            .fetch_all(pool)
            .await?
            .iter()
            .map(state_count_from_row)
            .collect::<Result<Vec<_>, _>>()?,
    };
    let mut counts = StateCounts::default();
    for (state, n) in rows {
        match state {
            InboxState::Open => counts.open = n,
            InboxState::Done => counts.done = n,
            InboxState::Snoozed => counts.snoozed = n,
            InboxState::Archived => counts.archived = n,
        }
    }
    Ok(counts)
}

fn state_count_from_row(row: &impl Cols) -> Result<(InboxState, i64), StoreError> {
    let state =
        InboxState::parse(&col::<String>(row, "state")?).map_err(|e| corrupt("messages", e))?;
    Ok((state, col(row, "n")?))
}

/// The history detail of a state change: the state, and the snooze time.
fn state_detail(state: InboxState, until: Option<i64>) -> Result<String, StoreError> {
    Ok(match until {
        Some(t) => format!("{} {}", state.as_str(), ts(t)?),
        None => state.as_str().to_owned(),
    })
}

pub(crate) async fn set_state(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    id: MessageId,
    state: InboxState,
    snoozed_until: Option<Timestamp>,
    by: Option<UserId>,
) -> Result<Message, StoreError> {
    if set_states(pool, backend, workspace, &[id], state, snoozed_until, by).await? == 0 {
        return Err(StoreError::NotFound);
    }
    by_id(pool, backend, workspace, id).await
}

fn snooze_until(
    state: InboxState,
    snoozed_until: Option<Timestamp>,
) -> Result<Option<i64>, StoreError> {
    match (state, snoozed_until) {
        (InboxState::Snoozed, Some(t)) => Ok(Some(ms(t))),
        (InboxState::Snoozed, None) => {
            Err(tend_domain::ValidationError::new("snoozed_until", "is required to snooze").into())
        }
        _ => Ok(None),
    }
}

/// Sets the state of many messages in one transaction, 500 ids per statement;
/// one history entry per changed message and one event for them all.
pub(crate) async fn set_states(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    ids: &[MessageId],
    state: InboxState,
    snoozed_until: Option<Timestamp>,
    by: Option<UserId>,
) -> Result<u64, StoreError> {
    let until = snooze_until(state, snoozed_until)?;
    let mut tx = pool.begin().await?;
    let mut changed = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        changed.extend(move_states(&mut tx, backend, workspace, chunk, state, until).await?);
    }
    changed.sort_unstable();
    changed.dedup();
    record_change(
        &mut tx,
        backend,
        workspace,
        &Change {
            messages: &changed,
            change: ConversationChange::State {
                state,
                woken: false,
            },
            detail: state_detail(state, until)?,
            by,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(changed.len() as u64)
}

/// Reopens snoozed messages whose wake-up time is at or before `now`, in batches of
/// up to 500 per transaction; returns how many were reopened.
pub(crate) async fn wake_snoozed(
    pool: &AnyPool,
    backend: Backend,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let mut woken = 0;
    loop {
        let rows = sqlx::query(
            "SELECT workspace_id, id FROM messages WHERE state = 'snoozed' AND snoozed_until <= $1 \
             ORDER BY snoozed_until LIMIT 500",
        )
        .bind(ms(now))
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            return Ok(woken);
        }
        let mut by_workspace: HashMap<i64, Vec<MessageId>> = HashMap::new();
        for row in &rows {
            by_workspace
                .entry(get(row, "workspace_id")?)
                .or_default()
                .push(MessageId(get(row, "id")?));
        }
        let mut tx = pool.begin().await?;
        for (workspace, ids) in by_workspace {
            let workspace = WorkspaceId(workspace);
            let moved =
                move_states(&mut tx, backend, workspace, &ids, InboxState::Open, None).await?;
            // Recorded like a teammate's change (by nobody), so the history says why the
            // conversation is back and live pages update.
            record_change(
                &mut tx,
                backend,
                workspace,
                &Change {
                    messages: &moved,
                    change: ConversationChange::State {
                        state: InboxState::Open,
                        woken: true,
                    },
                    detail: state_detail(InboxState::Open, None)?,
                    by: None,
                },
            )
            .await?;
            woken += moved.len() as u64;
        }
        tx.commit().await?;
    }
}

/// Moves up to 500 messages of `workspace` to `state` and the per-state counts with
/// them (`inbox_counts`); returns the messages that matched. Every change of
/// `messages.state` goes through here or through the batch upsert (new messages are
/// open), so the counts always equal a recount.
async fn move_states(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    workspace: WorkspaceId,
    ids: &[MessageId],
    state: InboxState,
    until: Option<i64>,
) -> Result<Vec<MessageId>, StoreError> {
    let list = placeholders(backend, 2, ids.len());
    let sql = format!(
        "SELECT state, COUNT(*) AS n FROM messages WHERE workspace_id = {} AND id IN ({list}) GROUP BY state",
        placeholders(backend, 1, 1)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(workspace.get());
    for id in ids {
        query = query.bind(id.get());
    }
    let mut moved: Vec<(String, i64)> = Vec::new();
    for row in query.fetch_all(&mut **tx).await? {
        let from: String = get(&row, "state")?;
        let n: i64 = get(&row, "n")?;
        if from != state.as_str() {
            moved.push((from, -n));
            moved.push((state.as_str().to_owned(), n));
        }
    }
    let sql = format!(
        "UPDATE messages SET state = {}, snoozed_until = {} WHERE workspace_id = {} AND id IN ({}) RETURNING id",
        placeholders(backend, 1, 1),
        placeholders(backend, 2, 1),
        placeholders(backend, 3, 1),
        placeholders(backend, 4, ids.len())
    );
    let mut query = sqlx::query_scalar::<_, i64>(AssertSqlSafe(sql))
        .bind(state.as_str())
        .bind(until)
        .bind(workspace.get());
    for id in ids {
        query = query.bind(id.get());
    }
    let changed: Vec<MessageId> = query
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(MessageId)
        .collect();
    for (state, delta) in moved {
        add_to_count(tx, workspace, &state, delta).await?;
    }
    Ok(changed)
}

/// Adds `delta` to the count of messages in `state`.
pub(crate) async fn add_to_count(
    tx: &mut Transaction<'_, Any>,
    workspace: WorkspaceId,
    state: &str,
    delta: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO inbox_counts (workspace_id, state, n) VALUES ($1, $2, $3) \
         ON CONFLICT (workspace_id, state) DO UPDATE SET n = inbox_counts.n + excluded.n",
    )
    .bind(workspace.get())
    .bind(state)
    .bind(delta)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn assign(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    id: MessageId,
    assignee: Option<UserId>,
    by: Option<UserId>,
) -> Result<Message, StoreError> {
    if let Some(user) = assignee
        && crate::sql::team::users::role_in(pool, user, workspace)
            .await?
            .is_none()
    {
        // Only teammates of this workspace can be assigned.
        return Err(StoreError::NotFound);
    }
    let mut tx = pool.begin().await?;
    let res =
        sqlx::query("UPDATE messages SET assignee_id = $1 WHERE id = $2 AND workspace_id = $3")
            .bind(assignee.map(UserId::get))
            .bind(id.get())
            .bind(workspace.get())
            .execute(&mut *tx)
            .await?;
    if res.rows_affected() == 0 {
        return Err(StoreError::NotFound);
    }
    record_change(
        &mut tx,
        backend,
        workspace,
        &Change {
            messages: &[id],
            change: ConversationChange::Assignee { assignee },
            detail: assignee.map(|u| u.to_string()).unwrap_or_default(),
            by,
        },
    )
    .await?;
    tx.commit().await?;
    by_id(pool, backend, workspace, id).await
}
