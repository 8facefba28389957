//! Regression (issue 14): an identity upsert read first and wrote later in a
//! deferred SQLite transaction, so while another connection wrote (a live read
//! beside the moderation jobs) it failed at once with "database is locked"
//! (SQLITE_BUSY: its read snapshot went stale and cannot become a write). It
//! takes the write lock first now and waits its turn.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::time::Duration;
use tend_domain::{ChannelKind, NewIdentity, NewWorkspace, Slug};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identity_upserts_wait_for_another_writer_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let store = tend_store::open(&url, 4).await.unwrap();
    let ws = store
        .create_workspace(&NewWorkspace::new(Slug::parse("acme").unwrap(), "Acme", "UTC").unwrap())
        .await
        .unwrap();
    let batch: Vec<NewIdentity> = (0..50)
        .map(|i| NewIdentity::new(ws.id, ChannelKind::Mastodon, &format!("member{i}")).unwrap())
        .collect();
    store.upsert_identities(&batch).await.unwrap();
    for round in 0..5 {
        // Another process holds the write lock and commits a write while the
        // upsert runs.
        sqlx::any::install_default_drivers();
        let other = sqlx::AnyPool::connect(&url).await.unwrap();
        let mut conn = other.acquire().await.unwrap();
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *conn)
            .await
            .unwrap();
        sqlx::query("UPDATE workspaces SET name = 'Acme 2' WHERE id = 1")
            .execute(&mut *conn)
            .await
            .unwrap();
        let changed: Vec<NewIdentity> = batch
            .iter()
            .map(|n| {
                let mut n = n.clone();
                n.display_name = Some(format!("Member, round {round}"));
                n
            })
            .collect();
        let s = store.clone();
        let upsert = tokio::spawn(async move { s.upsert_identities(&changed).await });
        tokio::time::sleep(Duration::from_millis(150)).await;
        sqlx::query("COMMIT").execute(&mut *conn).await.unwrap();
        let ids = upsert
            .await
            .unwrap()
            .expect("the upsert waits, then succeeds");
        assert_eq!(ids.len(), 50);
        drop(conn);
        other.close().await;
    }
}
