//! Replies leave exactly once across processes and crashes: several `tend
//! worker` processes send on a live channel while one is killed with SIGKILL
//! and restarted (the harness in `fleet/`). Here on Tend's simulated network,
//! on SQLite; the networks with a server of their own add their tests (which
//! also count the replies on the server) with the same harness.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod fleet;

use std::collections::HashSet;
use std::time::Duration;
use tend_channels::live::{ChannelConfig, Credentials};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_on_sqlite_send_each_reply_once_though_one_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    let scene = fleet::scene(
        &url,
        ChannelConfig::Simulated { every_secs: 60 },
        Credentials::None,
    )
    .await;
    let messages = fleet::member_messages(&scene, 300, |i| format!("sim-{i}")).await;
    let settled =
        fleet::send_with_a_kill(&scene, &url, &messages, 2, 100, Duration::from_secs(180)).await;
    println!(
        "live_send (sqlite, simulated): 2 workers, 300 replies, one killed after 100: {} sent, {} failed, {:.1} s",
        settled.sent,
        settled.failed.len(),
        settled.seconds
    );
    assert!(settled.failed.is_empty(), "{:?}", settled.failed);
    assert_eq!(settled.sent, 300);
    let distinct: HashSet<_> = settled.remote_ids.iter().collect();
    assert_eq!(distinct.len(), 300, "every reply has its own network id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_workers_on_postgres_send_each_reply_once_though_one_is_killed() {
    let Some(url) = fleet::postgres_database("live_send_sim").await else {
        return;
    };
    let scene = fleet::scene(
        &url,
        ChannelConfig::Simulated { every_secs: 60 },
        Credentials::None,
    )
    .await;
    let messages = fleet::member_messages(&scene, 600, |i| format!("sim-{i}")).await;
    let settled =
        fleet::send_with_a_kill(&scene, &url, &messages, 3, 200, Duration::from_secs(180)).await;
    println!(
        "live_send (postgres, simulated): 3 workers, 600 replies, one killed after 200: {} sent, {} failed, {:.1} s",
        settled.sent,
        settled.failed.len(),
        settled.seconds
    );
    assert!(settled.failed.is_empty(), "{:?}", settled.failed);
    let distinct: HashSet<_> = settled.remote_ids.iter().collect();
    assert_eq!((settled.sent, distinct.len()), (600, 600));
}
