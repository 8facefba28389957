//! Internal notes (with their mentions) and the history of changes to a message.

use super::{conversations, corrupt, get, messages, ms, now_ms, ts};
use crate::StoreError;
use sqlx::AnyPool;
use sqlx::any::AnyRow;
use std::collections::HashMap;
use tend_domain::{EventKind, MessageEvent, MessageId, Note, NoteId, UserId, WorkspaceId};

pub(crate) async fn add_note(
    pool: &AnyPool,
    workspace: WorkspaceId,
    message: MessageId,
    author: UserId,
    text: &str,
    mentions: &[UserId],
) -> Result<Note, StoreError> {
    tend_domain::activity::validate_note(text)?;
    messages::check_exists(pool, workspace, message).await?;
    conversations::check_teammates(pool, workspace, &[author]).await?;
    conversations::check_teammates(pool, workspace, mentions).await?;
    let mut mentions = mentions.to_vec();
    mentions.sort_unstable();
    mentions.dedup();
    let created_at = now_ms();
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO notes (workspace_id, message_id, author_id, text, created_at) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(workspace.get())
    .bind(message.get())
    .bind(author.get())
    .bind(text)
    .bind(created_at)
    .fetch_one(&mut *tx)
    .await?;
    for user in &mentions {
        sqlx::query("INSERT INTO note_mentions (note_id, user_id) VALUES ($1, $2)")
            .bind(id)
            .bind(user.get())
            .execute(&mut *tx)
            .await?;
    }
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

pub(crate) async fn record_event(
    pool: &AnyPool,
    workspace: WorkspaceId,
    event: &MessageEvent,
) -> Result<(), StoreError> {
    messages::check_exists(pool, workspace, event.message_id).await?;
    sqlx::query(
        "INSERT INTO message_events (workspace_id, message_id, user_id, kind, detail, at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(workspace.get())
    .bind(event.message_id.get())
    .bind(event.user_id.map(UserId::get))
    .bind(event.kind.as_str())
    .bind(&event.detail)
    .bind(ms(event.at))
    .execute(pool)
    .await?;
    Ok(())
}

fn event_from_row(row: &AnyRow) -> Result<MessageEvent, StoreError> {
    Ok(MessageEvent {
        message_id: MessageId(get(row, "message_id")?),
        user_id: get::<Option<i64>>(row, "user_id")?.map(UserId),
        kind: EventKind::parse(&get::<String>(row, "kind")?)
            .map_err(|e| corrupt("message_events", e))?,
        detail: get(row, "detail")?,
        at: ts(get(row, "at")?)?,
    })
}

pub(crate) async fn message_events(
    pool: &AnyPool,
    workspace: WorkspaceId,
    message: MessageId,
) -> Result<Vec<MessageEvent>, StoreError> {
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
