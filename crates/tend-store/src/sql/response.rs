//! First-response times: when a conversation's first inbound message came, and when
//! the brand first answered after it.

use super::rollups::placeholders;
use super::{Backend, get, ts, ts_opt};
use crate::{ResponseTimes, StoreError};
use sqlx::{AnyPool, AssertSqlSafe};
use tend_domain::{MessageId, WorkspaceId};

/// The response times of the conversations rooted at `roots` (at most 500; other
/// workspaces' ids are simply not found). Conversations with no inbound message are
/// left out.
pub(crate) async fn of(
    pool: &AnyPool,
    backend: Backend,
    workspace: WorkspaceId,
    roots: &[MessageId],
) -> Result<Vec<ResponseTimes>, StoreError> {
    let roots = &roots[..roots.len().min(500)];
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    // Both lists bind the same ids; `?` placeholders bind in order of appearance.
    let n = roots.len();
    let sql = format!(
        "WITH conv AS (SELECT COALESCE(thread_root_id, id) AS root, MIN(created_at) AS first_in \
           FROM messages WHERE workspace_id = {ws} AND direction = 'inbound' \
           AND (id IN ({a}) OR thread_root_id IN ({b})) GROUP BY COALESCE(thread_root_id, id)) \
         SELECT root, first_in, (SELECT MIN(m.created_at) FROM messages m \
           WHERE (m.id = conv.root OR m.thread_root_id = conv.root) AND m.direction = 'outbound' \
           AND m.created_at >= conv.first_in) AS first_reply \
         FROM conv",
        ws = placeholders(backend, 1, 1),
        a = placeholders(backend, 2, n),
        b = placeholders(backend, 2 + n, n),
    );
    let mut query = sqlx::query(AssertSqlSafe(sql)).bind(workspace.get());
    for _ in 0..2 {
        for id in roots {
            query = query.bind(id.get());
        }
    }
    query
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| {
            Ok(ResponseTimes {
                conversation: MessageId(get(row, "root")?),
                first_inbound: ts(get(row, "first_in")?)?,
                first_reply: ts_opt(get(row, "first_reply")?)?,
            })
        })
        .collect()
}
