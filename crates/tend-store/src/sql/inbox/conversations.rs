//! Reading around a conversation (authors, a member's earlier messages) and the
//! teammate's sentiment correction.

use crate::StoreError;
use crate::sql::inbox::activity::{Change, record_change};
use crate::sql::inbox::messages::Bind;
use crate::sql::sqlite_read::{self, Reader};
use crate::sql::{Backend, inbox::messages, members::identities};
use sqlx::{AnyPool, AssertSqlSafe};
use std::sync::Arc;
use tend_domain::{
    ConversationChange, Identity, IdentityId, MemberId, Message, MessageId, SentimentLabel, UserId,
    WorkspaceId,
};

pub(crate) async fn identities_by_ids(
    pool: &AnyPool,
    workspace: WorkspaceId,
    ids: &[IdentityId],
) -> Result<Vec<Identity>, StoreError> {
    identities_read(pool, None, workspace, ids).await
}

/// [`identities_by_ids`], on SQLite's in-place read path when there is one.
pub(crate) async fn identities_read(
    pool: &AnyPool,
    reader: Option<&Arc<Reader>>,
    workspace: WorkspaceId,
    ids: &[IdentityId],
) -> Result<Vec<Identity>, StoreError> {
    let mut ids: Vec<i64> = ids.iter().map(|i| i.get()).collect();
    ids.sort_unstable();
    ids.dedup();
    if let Some(reader) = reader {
        return reader
            .read(move |conn| {
                let mut out = Vec::with_capacity(ids.len());
                for chunk in ids.chunks(500) {
                    let mut binds = vec![Bind::Int(workspace.get())];
                    binds.extend(chunk.iter().map(|id| Bind::Int(*id)));
                    out.extend(sqlite_read::query(
                        conn,
                        &identities_sql(chunk.len()),
                        &binds,
                        |row| identities::from_row(row),
                    )?);
                }
                Ok(out)
            })
            .await;
    }
    let mut out = Vec::with_capacity(ids.len());
    // At most 500 parameters per statement (SQLite prepares named parameters linearly).
    for chunk in ids.chunks(500) {
        let mut query =
            sqlx::query(AssertSqlSafe(identities_sql(chunk.len()))).bind(workspace.get());
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(pool).await? {
            out.push(identities::from_row(&row)?);
        }
    }
    Ok(out)
}

/// The query of [`identities_by_ids`] for `n` ids (binds: the workspace, the ids).
/// `+workspace_id` keeps SQLite from walking every identity of the workspace through
/// the `(workspace_id, platform, external_id)` index instead of looking the ids up.
pub(crate) fn identities_sql(n: usize) -> String {
    format!(
        "SELECT {} FROM identities WHERE +workspace_id = $1 AND id IN ({})",
        identities::COLUMNS,
        crate::sql::numbered(2, n)
    )
}

pub(crate) async fn member_messages(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    member: MemberId,
    limit: u32,
) -> Result<Vec<Message>, StoreError> {
    let limit = limit.clamp(1, 200);
    let rows = sqlx::query(AssertSqlSafe(format!(
        "SELECT {} FROM messages m WHERE m.workspace_id = $1 AND m.author_id IN \
         (SELECT id FROM identities WHERE member_id = $2 AND workspace_id = $1) \
         ORDER BY m.created_at DESC, m.id DESC LIMIT {limit}",
        messages::columns(backend)
    )))
    .bind(workspace.get())
    .bind(member.get())
    .fetch_all(pool)
    .await?;
    rows.iter().map(messages::from_row).collect()
}

pub(crate) async fn correct_sentiment(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    id: MessageId,
    label: Option<SentimentLabel>,
    by: Option<UserId>,
) -> Result<Message, StoreError> {
    let mut tx = pool.begin().await?;
    let res = sqlx::query(
        "UPDATE messages SET sentiment_corrected = $1 WHERE id = $2 AND workspace_id = $3",
    )
    .bind(label.map(|l| l.as_str()))
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
            change: ConversationChange::Sentiment { sentiment: label },
            detail: label.map(|l| l.as_str().to_owned()).unwrap_or_default(),
            by,
        },
    )
    .await?;
    tx.commit().await?;
    messages::by_id(pool, backend, workspace, id).await
}

/// Checks that every user is a teammate of the workspace.
pub(crate) async fn check_teammates(
    pool: &AnyPool,
    workspace: WorkspaceId,
    users: &[tend_domain::UserId],
) -> Result<(), StoreError> {
    for user in users {
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT user_id FROM memberships WHERE workspace_id = $1 AND user_id = $2",
        )
        .bind(workspace.get())
        .bind(user.get())
        .fetch_optional(pool)
        .await?;
        if found.is_none() {
            return Err(StoreError::NotFound);
        }
    }
    Ok(())
}
