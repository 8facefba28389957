//! Query-plan regression tests: the hot reads of the inbox must walk an index on
//! SQLite, never the whole `messages` table, and the default orders must come
//! straight from an index rather than a sort of every match.
//!
//! A scan plan is invisible in functional tests (the answer is the same) and only
//! shows on a large workspace: one in the first-response lookup once turned an inbox
//! page from milliseconds into a second. SQLite's planner uses fixed heuristics when
//! no `ANALYZE` statistics exist (Tend does not collect them), so the plans of an
//! empty database are the plans of a large one.

use super::inbox::messages::{Bind, bind_all, inbox_sql};
use super::{Backend, SqlStore, inbox::conversations, inbox::response};
use crate::InboxQuery;
use tend_domain::{ChannelId, InboxState, MessageId, SentimentLabel, TagId, UserId, WorkspaceId};

async fn store() -> SqlStore {
    let dir = std::env::temp_dir().join(format!("tend-plans-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{}.db", rand::random::<u64>()));
    let store = SqlStore::connect(&format!("sqlite://{}", path.display()), 1)
        .await
        .unwrap();
    crate::AdminStore::migrate(&store).await.unwrap();
    store
}

/// The plan of `sql` with `binds`, one line per step.
async fn plan(store: &SqlStore, sql: String, binds: Vec<Bind>) -> Vec<String> {
    let query = sqlx::query(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")));
    bind_all(query, binds)
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|row| sqlx::Row::get::<String, _>(row, "detail"))
        .collect()
}

/// Fails when a step reads the messages table without an index, or sorts.
fn assert_indexed(what: &str, plan: &[String], may_sort: bool) {
    for step in plan {
        let scans_messages = step.starts_with("SCAN m ")
            || step == "SCAN m"
            || step.starts_with("SCAN messages ")
            || step == "SCAN messages";
        assert!(
            !scans_messages,
            "{what}: scans the messages table: {plan:#?}"
        );
        if !may_sort {
            assert!(
                !step.contains("TEMP B-TREE FOR ORDER BY"),
                "{what}: sorts instead of reading an index in order: {plan:#?}"
            );
        }
    }
}

#[tokio::test]
async fn inbox_reads_walk_an_index_in_order() {
    let store = store().await;
    let ws = WorkspaceId(1);
    let at = jiff::Timestamp::UNIX_EPOCH;
    let base = InboxQuery::default;
    let cases: Vec<(&str, InboxQuery, bool)> = vec![
        (
            "open, newest first",
            InboxQuery {
                state: Some(InboxState::Open),
                ..base()
            },
            false,
        ),
        ("all states", base(), false),
        (
            "open, longest waiting first",
            InboxQuery {
                state: Some(InboxState::Open),
                oldest_first: true,
                ..base()
            },
            false,
        ),
        (
            "open, next page",
            InboxQuery {
                state: Some(InboxState::Open),
                before: Some((at, MessageId(9))),
                ..base()
            },
            false,
        ),
        (
            "assigned to me",
            InboxQuery {
                assignee: Some(UserId(1)),
                ..base()
            },
            false,
        ),
        (
            "a channel",
            InboxQuery {
                channel: Some(ChannelId(1)),
                ..base()
            },
            true,
        ),
        (
            "a tag",
            InboxQuery {
                tag: Some(TagId(1)),
                ..base()
            },
            false,
        ),
        (
            "negative",
            InboxQuery {
                sentiment: Some(SentimentLabel::Negative),
                ..base()
            },
            false,
        ),
        (
            "questions, open",
            InboxQuery {
                question: Some(true),
                state: Some(InboxState::Open),
                ..base()
            },
            false,
        ),
        (
            "search",
            InboxQuery {
                text: Some("refund".into()),
                ..base()
            },
            false,
        ),
    ];
    for (what, q, may_sort) in cases {
        let text = q
            .text
            .as_deref()
            .and_then(|t| super::search::prepare(Backend::Sqlite, t));
        let (sql, binds) = inbox_sql(Backend::Sqlite, ws, &q, text.as_deref(), None, 50);
        assert_indexed(what, &plan(&store, sql, binds).await, may_sort);
        if text.is_some() {
            let (sql, binds) =
                inbox_sql(Backend::Sqlite, ws, &q, text.as_deref(), Some((1, 0)), 50);
            assert_indexed("search window", &plan(&store, sql, binds).await, false);
        }
    }
}

#[tokio::test]
async fn first_response_lookup_reads_roots_and_threads_by_index() {
    let store = store().await;
    let roots = 50;
    let mut binds = Vec::new();
    for _ in 0..2 {
        binds.extend((1..=roots).map(Bind::Int));
        binds.push(Bind::Int(1));
    }
    let plan = plan(
        &store,
        response::sql(Backend::Sqlite, roots as usize),
        binds,
    )
    .await;
    assert_indexed("first response", &plan, true);
    // Roots by primary key, replies by thread; never a walk of the workspace's index.
    assert!(
        plan.iter().any(|s| s.contains("INTEGER PRIMARY KEY")),
        "roots are found by id: {plan:#?}"
    );
    assert!(
        plan.iter().any(|s| s.contains("messages_thread")),
        "replies are found by messages_thread: {plan:#?}"
    );
    assert!(
        !plan.iter().any(|s| s.contains("(workspace_id=?)")),
        "walks every message of the workspace: {plan:#?}"
    );
}

#[tokio::test]
async fn authors_are_looked_up_by_id() {
    let store = store().await;
    let mut binds = vec![Bind::Int(1)];
    binds.extend((1..=50).map(Bind::Int));
    let plan = plan(&store, conversations::identities_sql(50), binds).await;
    // Not a walk of every identity of the workspace through its unique index.
    assert!(
        plan.iter().any(|s| s.contains("INTEGER PRIMARY KEY")),
        "identities are found by id: {plan:#?}"
    );
    assert!(
        !plan.iter().any(|s| s.contains("(workspace_id=?)")),
        "walks every identity of the workspace: {plan:#?}"
    );
}
