//! Internal notes (with their mentions) and the history of changes to a message.
//!
//! Every change a teammate makes to a conversation is recorded by
//! [`record_change`] inside the change's own transaction: one history entry per
//! message (`message_events`) and one `messages.changed` event in the event log,
//! so the change, its history and the live update commit together or not at all.

use crate::StoreError;
use crate::sql::{
    Backend, corrupt, events, get, inbox::conversations, inbox::messages, now_ms, ts,
};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyPool, AssertSqlSafe, Transaction};
use std::collections::HashMap;
use tend_domain::{
    ConversationChange, EventPayload, HistoryEntry, HistoryKind, MessageId, MessagesChanged, Note,
    NoteId, UserId, WorkspaceId,
};

/// One change to one or more messages, as recorded.
pub(crate) struct Change<'a> {
    /// The messages changed.
    pub messages: &'a [MessageId],
    /// What changed: the event's `what` and fields, and the history's kind.
    pub change: ConversationChange,
    /// The history detail (see [`HistoryKind`]).
    pub detail: String,
    /// Who made it (None: the system, e.g. the demo's triage).
    pub by: Option<UserId>,
}

/// Writes the history entries and the `messages.changed` event of `change` in `tx`.
pub(crate) async fn record_change(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    workspace: WorkspaceId,
    change: &Change<'_>,
) -> Result<(), StoreError> {
    if change.messages.is_empty() {
        return Ok(());
    }
    let at = now_ms();
    // Six parameters a row; at most 480 per statement.
    for chunk in change.messages.chunks(80) {
        let rows = (0..chunk.len())
            .map(|i| {
                let b = i * 6;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let mut query = sqlx::query(AssertSqlSafe(format!(
            "INSERT INTO message_events (workspace_id, message_id, user_id, kind, detail, at) \
             VALUES {rows}"
        )));
        for id in chunk {
            query = query
                .bind(workspace.get())
                .bind(id.get())
                .bind(change.by.map(UserId::get))
                .bind(change.change.history_kind().as_str())
                .bind(change.detail.as_str())
                .bind(at);
        }
        query.execute(&mut **tx).await?;
    }
    let payload = EventPayload::MessagesChanged(MessagesChanged {
        messages: change.messages.to_vec(),
        by: change.by,
        change: change.change,
    });
    events::append(tx, backend, workspace, &payload).await
}

/// A note to write: `key` makes writing it idempotent (jobs).
pub(crate) struct NoteDraft<'a> {
    pub message: MessageId,
    pub author: UserId,
    pub text: &'a str,
    pub mentions: &'a [UserId],
    pub key: Option<&'a str>,
}

pub(crate) async fn add_note(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    note: NoteDraft<'_>,
) -> Result<Note, StoreError> {
    let NoteDraft {
        message,
        author,
        text,
        mentions,
        key,
    } = note;
    tend_domain::activity::validate_note(text)?;
    messages::check_exists(pool, workspace, message).await?;
    if let Some(key) = key {
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM notes WHERE idempotency_key = $1 AND workspace_id = $2",
        )
        .bind(key)
        .bind(workspace.get())
        .fetch_optional(pool)
        .await?;
        if let Some(id) = existing {
            return notes(pool, workspace, message)
                .await?
                .into_iter()
                .find(|n| n.id == NoteId(id))
                .ok_or(StoreError::NotFound);
        }
    }
    conversations::check_teammates(pool, workspace, &[author]).await?;
    conversations::check_teammates(pool, workspace, mentions).await?;
    let mut mentions = mentions.to_vec();
    mentions.sort_unstable();
    mentions.dedup();
    let created_at = now_ms();
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO notes (workspace_id, message_id, author_id, text, created_at, idempotency_key) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(workspace.get())
    .bind(message.get())
    .bind(author.get())
    .bind(text)
    .bind(created_at)
    .bind(key)
    .fetch_one(&mut *tx)
    .await?;
    for user in &mentions {
        sqlx::query("INSERT INTO note_mentions (note_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
    }
    record_change(
        &mut tx,
        backend,
        workspace,
        &Change {
            messages: &[message],
            change: ConversationChange::Note { note: NoteId(id) },
            detail: id.to_string(),
            by: Some(author),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Note {
        id: NoteId(id),
        workspace_id: workspace,
        message_id: message,
        author_id: Some(author),
        text: text.to_owned(),
        mentions,
        created_at: ts(created_at)?,
    })
}

pub(crate) async fn notes(
    pool: &AnyPool,
    workspace: WorkspaceId,
    message: MessageId,
) -> Result<Vec<Note>, StoreError> {
    messages::check_exists(pool, workspace, message).await?;
    let rows = sqlx::query(
        "SELECT id, workspace_id, message_id, author_id, text, created_at FROM notes \
         WHERE message_id = $1 AND workspace_id = $2 ORDER BY id",
    )
    .bind(message.get())
    .bind(workspace.get())
    .fetch_all(pool)
    .await?;
    let mentions = sqlx::query(
        "SELECT nm.note_id, nm.user_id FROM note_mentions nm JOIN notes n ON n.id = nm.note_id \
         WHERE n.message_id = $1 ORDER BY nm.user_id",
    )
    .bind(message.get())
    .fetch_all(pool)
    .await?;
    let mut by_note: HashMap<i64, Vec<UserId>> = HashMap::new();
    for row in mentions {
        by_note
            .entry(get(&row, "note_id")?)
            .or_default()
            .push(UserId(get(&row, "user_id")?));
    }
    rows.iter()
        .map(|row| {
            let id: i64 = get(row, "id")?;
            Ok(Note {
                id: NoteId(id),
                workspace_id: WorkspaceId(get(row, "workspace_id")?),
                message_id: MessageId(get(row, "message_id")?),
                author_id: get::<Option<i64>>(row, "author_id")?.map(UserId),
                text: get(row, "text")?,
                mentions: by_note.remove(&id).unwrap_or_default(),
                created_at: ts(get(row, "created_at")?)?,
            })
        })
        .collect()
}

fn event_from_row(row: &AnyRow) -> Result<HistoryEntry, StoreError> {
    Ok(HistoryEntry {
        message_id: MessageId(get(row, "message_id")?),
        user_id: get::<Option<i64>>(row, "user_id")?.map(UserId),
        kind: HistoryKind::parse(&get::<String>(row, "kind")?)
            .map_err(|e| corrupt("message_events", e))?,
        detail: get(row, "detail")?,
        at: ts(get(row, "at")?)?,
    })
}

pub(crate) async fn message_events(
    pool: &AnyPool,
    workspace: WorkspaceId,
    message: MessageId,
) -> Result<Vec<HistoryEntry>, StoreError> {
    messages::check_exists(pool, workspace, message).await?;
    let rows = sqlx::query(
        "SELECT message_id, user_id, kind, detail, at FROM message_events \
         WHERE message_id = $1 AND workspace_id = $2 ORDER BY id",
    )
    .bind(message.get())
    .bind(workspace.get())
    .fetch_all(pool)
    .await?;
    rows.iter().map(event_from_row).collect()
}
