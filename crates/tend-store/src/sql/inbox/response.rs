//! First-response times: when a conversation's first inbound message came, and when
//! the brand first answered after it.

use crate::sql::inbox::messages::{Bind, bind_all};
use crate::sql::sqlite_read::{self, Reader};
use crate::sql::{Backend, Cols, col, placeholders, ts, ts_opt};
use crate::{ResponseTimes, StoreError};
use sqlx::{AnyPool, AssertSqlSafe};
use std::sync::Arc;
use tend_domain::{MessageId, WorkspaceId};

/// The response times of the conversations rooted at `roots` (at most 500; other
/// workspaces' ids are simply not found). Conversations with no inbound message are
/// left out.
pub(crate) async fn of(
    pool: &AnyPool,
    reader: Option<&Arc<Reader>>,
    backend: Backend,
    workspace: WorkspaceId,
    roots: &[MessageId],
) -> Result<Vec<ResponseTimes>, StoreError> {
    let roots = &roots[..roots.len().min(500)];
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let sql = sql(backend, roots.len());
    // `?` (SQLite) binds in order of appearance; `$N` (PostgreSQL) by number.
    let mut binds = Vec::with_capacity(2 * roots.len() + 1);
    match backend {
        Backend::Sqlite => {
            for _ in 0..2 {
                binds.extend(roots.iter().map(|id| Bind::Int(id.get())));
                binds.push(Bind::Int(workspace.get()));
            }
        }
        Backend::Postgres => {
            binds.push(Bind::Int(workspace.get()));
            for _ in 0..2 {
                binds.extend(roots.iter().map(|id| Bind::Int(id.get())));
            }
        }
    }
    if let Some(reader) = reader {
        return reader
            .read(move |conn| sqlite_read::query(conn, &sql, &binds, |row| from_row(row)))
            .await;
    }
    bind_all(sqlx::query(AssertSqlSafe(sql)), binds)
        .fetch_all(pool)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

fn from_row(row: &impl Cols) -> Result<ResponseTimes, StoreError> {
    Ok(ResponseTimes {
        conversation: MessageId(col(row, "root")?),
        first_inbound: ts(col(row, "first_in")?)?,
        first_reply: ts_opt(col(row, "first_reply")?)?,
    })
}

/// The query of [`of`] for `n` roots (binding order in [`of`]).
pub(crate) fn sql(backend: Backend, n: usize) -> String {
    // Two indexed lookups (the roots by primary key, their replies by
    // `messages_thread`), never a scan of the workspace: an `id IN … OR
    // thread_root_id IN …` filter made SQLite walk every message of the workspace.
    format!(
        "WITH c AS (\
           SELECT id AS root, created_at, direction FROM messages \
             WHERE id IN ({a}) AND +workspace_id = {ws} \
           UNION ALL \
           SELECT thread_root_id AS root, created_at, direction FROM messages \
             WHERE thread_root_id IN ({b}) AND +workspace_id = {ws}), \
         f AS (SELECT root, MIN(created_at) AS first_in FROM c WHERE direction = 'inbound' GROUP BY root) \
         SELECT f.root AS root, f.first_in AS first_in, \
           (SELECT MIN(c.created_at) FROM c WHERE c.root = f.root AND c.direction = 'outbound' \
              AND c.created_at >= f.first_in) AS first_reply \
         FROM f",
        ws = placeholders(backend, 1, 1),
        a = placeholders(backend, 2, n),
        b = placeholders(backend, 2 + n, n),
    )
}
