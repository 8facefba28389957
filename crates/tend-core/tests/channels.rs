//! Live channels end to end on a real store, with Tend's simulated network:
//! connecting seals the credentials (never in the database file in clear),
//! reads fill the inbox through the ingest pipeline with no message lost or
//! repeated across runs, a reply leaves once with the network's id, a
//! sender that died mid-request is settled by asking the network, a paused
//! workspace sends nothing, a reply on an imported channel fails with the
//! reason and can be retried, and disconnecting keeps the history.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::{acme, fresh_store, history, teammate};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::time::Duration;
use tend_channels::live::{ChannelConfig, Credentials};
use tend_core::channels::{self, Connect, secrets::SecretBox};
use tend_core::jobs::{JobContext, Worker, WorkerConfig};
use tend_core::team::Actor;
use tend_domain::{ChannelKind, Clock, LinkState, OutboxState, Role, Workspace, WorkspaceId};
use tend_store::prelude::*;

const SECRET: &str = "hunter2-very-distinctive-app-password";

struct World {
    dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    secrets: SecretBox,
    clock: Clock,
    worker: Worker<JobContext>,
    ws: Workspace,
    admin: Actor,
}

async fn world(clock: Clock) -> World {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let ws = acme(&*store).await;
    let user = teammate(&*store, ws.id, "ada@acme.test", "Ada", Role::Admin).await;
    let secrets = SecretBox::from_base64(&SecretBox::generate_key()).unwrap();
    let handler = JobContext::new(store.clone(), clock.clone()).with_secrets(secrets.clone());
    let config = WorkerConfig {
        concurrency: 1,
        streams: 0,
        idle_poll: Duration::from_millis(20),
        ..WorkerConfig::default()
    };
    let worker = Worker::new(store.clone(), handler, clock.clone(), config);
    World {
        admin: Actor::user(user.id, ws.id, Role::Admin),
        dir,
        store,
        secrets,
        clock,
        worker,
        ws,
    }
}

async fn connect_simulated(w: &World, every_secs: u64) -> channels::ChannelStatus {
    channels::connect(
        &*w.store,
        &w.secrets,
        w.admin,
        Connect {
            name: "Live (simulated)".into(),
            config: ChannelConfig::Simulated { every_secs },
            credentials: Credentials::Password {
                username: "brand".into(),
                password: SECRET.into(),
            },
            backfill_days: Some(0),
        },
        w.clock.now(),
    )
    .await
    .unwrap()
}

/// A member's mention as a connector delivers it.
fn mention(external_id: &str, text: &str, at: Timestamp) -> tend_domain::IncomingItem {
    tend_domain::IncomingItem::Message(tend_domain::IncomingMessage {
        external_id: external_id.into(),
        kind: tend_domain::MessageKind::Mention,
        direction: tend_domain::Direction::Inbound,
        thread_external_id: None,
        parent_external_id: None,
        author: None,
        title: None,
        text: text.into(),
        lang: None,
        created_at: at,
        edited_at: None,
        permalink: None,
        engagement: Default::default(),
        rating: None,
    })
}

/// Reads the channel (as its job would) until at least `n` simulated
/// messages are stored, for at most 20 s.
async fn read_until(w: &World, channel: tend_domain::ChannelId, n: usize) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while slots(&*w.store, w.ws.id).await.len() < n {
        channels::sync_now(&*w.store, w.admin, channel, w.clock.now())
            .await
            .unwrap();
        w.worker.run_due().await.unwrap();
        assert!(std::time::Instant::now() < deadline, "no live messages");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The simulated slot numbers of the workspace's messages, ascending.
async fn slots(store: &dyn Store, ws: WorkspaceId) -> Vec<i64> {
    let mut slots: Vec<i64> = history(store, ws, None)
        .await
        .iter()
        .filter_map(|m| m.external_id.strip_prefix("sim-")?.parse().ok())
        .collect();
    slots.sort_unstable();
    slots
}

#[tokio::test]
async fn reads_fill_the_inbox_and_no_message_is_lost_or_repeated_across_runs() {
    let w = world(Clock::system()).await;
    let status = connect_simulated(&w, 1).await;
    assert_eq!(status.link.as_ref().unwrap().state, LinkState::Connected);
    assert_eq!(status.channel.handle.as_deref(), Some("tend-demo"));
    // Read until at least three simulated seconds have arrived (each run
    // reads what the network has so far from the stored cursor).
    read_until(&w, status.channel.id, 3).await;
    let got = slots(&*w.store, w.ws.id).await;
    // Contiguous and unique: every slot once, none skipped between runs.
    for pair in got.windows(2) {
        assert_eq!(pair[1], pair[0] + 1, "slots {got:?}");
    }
    let (link, _) = w
        .store
        .channel_link(w.ws.id, status.channel.id)
        .await
        .unwrap();
    assert_eq!(
        link.cursor.as_deref(),
        Some(got.last().unwrap().to_string().as_str())
    );
    assert_eq!(link.received, i64::try_from(got.len()).unwrap());
    assert!(link.last_ok_at.is_some() && link.last_error.is_none());
    // The live messages went through the pipeline: signals and authors.
    let messages = history(&*w.store, w.ws.id, None).await;
    assert!(
        messages
            .iter()
            .all(|m| m.signals.is_some() && m.author_id.is_some())
    );
}

#[tokio::test]
async fn credentials_are_sealed_and_never_in_the_database_file_in_clear() {
    let w = world(Clock::system()).await;
    let status = connect_simulated(&w, 5).await;
    let (_, sealed) = w
        .store
        .channel_link(w.ws.id, status.channel.id)
        .await
        .unwrap();
    assert!(!sealed.0.contains(SECRET));
    assert_eq!(
        w.secrets.open(&sealed).unwrap(),
        Credentials::Password {
            username: "brand".into(),
            password: SECRET.into()
        }
    );
    // Every file of the database (with its write-ahead log) is free of it.
    drop(w.worker);
    for entry in std::fs::read_dir(w.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let found = bytes
            .windows(SECRET.len())
            .any(|win| win == SECRET.as_bytes());
        assert!(!found, "the password is in a database file in clear");
    }
    // The listed status (what the page and the API show) has no secret either.
    let shown = serde_json::to_string(&channels::list(&*w.store, w.admin).await.unwrap()).unwrap();
    assert!(!shown.contains(SECRET) && !shown.contains(&sealed.0));
}

#[tokio::test]
async fn a_reply_leaves_once_with_the_networks_id_and_a_dead_sender_is_settled_by_lookup() {
    let w = world(Clock::system()).await;
    let status = connect_simulated(&w, 1).await;
    read_until(&w, status.channel.id, 1).await;
    let message = history(&*w.store, w.ws.id, None).await.remove(0);
    let item =
        tend_core::conversations::queue_reply(&*w.store, w.admin, message.id, "Thanks, Ada!")
            .await
            .unwrap();
    w.worker.run_due().await.unwrap();
    let sent = w.store.outbox_item(w.ws.id, item.id).await.unwrap();
    assert_eq!(sent.state, OutboxState::Sent);
    let key = sent.send_key.clone().unwrap();
    assert_eq!(
        sent.remote_id.as_deref(),
        Some(format!("sim-reply-{key}").as_str())
    );
    assert_eq!(sent.attempts, 1);
    let trail: Vec<_> = w
        .store
        .outbox_events(w.ws.id, item.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.state)
        .collect();
    assert_eq!(
        trail,
        [OutboxState::Queued, OutboxState::Sending, OutboxState::Sent]
    );
    // Its send job running again (at least once) changes nothing.
    let again = tend_core::jobs::Job::SendReply {
        workspace: w.ws.id,
        outbox: item.id,
    }
    .once(Some("again".into()), Timestamp::UNIX_EPOCH);
    w.store.enqueue_job(&again, w.clock.now()).await.unwrap();
    w.worker.run_due().await.unwrap();
    assert_eq!(
        w.store.outbox_events(w.ws.id, item.id).await.unwrap().len(),
        3
    );

    // A second reply whose sender died after claiming it (the request may
    // have left): once the claim is stale it is settled by asking the network.
    let item = tend_core::conversations::queue_reply(&*w.store, w.admin, message.id, "And more.")
        .await
        .unwrap();
    let claimed_at = w.clock.now() - SignedDuration::from_mins(10);
    w.store
        .begin_send(w.ws.id, item.id, "key-chosen-before-the-crash", claimed_at)
        .await
        .unwrap()
        .unwrap();
    w.worker.run_due().await.unwrap();
    let settled = w.store.outbox_item(w.ws.id, item.id).await.unwrap();
    assert_eq!(settled.state, OutboxState::Sent);
    assert_eq!(settled.attempts, 1, "settled without a second attempt");
    assert_eq!(
        settled.remote_id.as_deref(),
        Some("sim-reply-key-chosen-before-the-crash")
    );
    let trail: Vec<_> = w
        .store
        .outbox_events(w.ws.id, item.id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.state)
        .collect();
    assert_eq!(
        trail,
        [
            OutboxState::Queued,
            OutboxState::Sending,
            OutboxState::Unknown,
            OutboxState::Sent
        ]
    );
}

#[tokio::test]
async fn a_paused_workspace_sends_nothing_until_resumed() {
    let t0: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
    let w = world(Clock::pinned(t0)).await;
    let status = connect_simulated(&w, 5).await;
    // A member message on the live channel (as a read would store it).
    let live = w.store.channel(w.ws.id, status.channel.id).await.unwrap();
    let incoming = mention("sim-1", "Is the meetup on?", t0);
    tend_core::ingest::ingest(&*w.store, &live, vec![incoming], 10, &mut |_| {})
        .await
        .unwrap();
    let message = history(&*w.store, w.ws.id, None).await.remove(0);
    channels::pause_sending(&*w.store, w.admin, true, t0)
        .await
        .unwrap();
    let item = tend_core::conversations::queue_reply(&*w.store, w.admin, message.id, "Yes!")
        .await
        .unwrap();
    w.worker.run_due().await.unwrap();
    assert_eq!(
        w.store.outbox_item(w.ws.id, item.id).await.unwrap().state,
        OutboxState::Queued
    );
    w.clock.set(t0 + SignedDuration::from_mins(1));
    w.worker.run_due().await.unwrap();
    assert_eq!(
        w.store.outbox_item(w.ws.id, item.id).await.unwrap().state,
        OutboxState::Queued,
        "still paused"
    );
    channels::pause_sending(&*w.store, w.admin, false, w.clock.now())
        .await
        .unwrap();
    w.clock.set(t0 + SignedDuration::from_mins(2));
    w.worker.run_due().await.unwrap();
    let sent = w.store.outbox_item(w.ws.id, item.id).await.unwrap();
    assert_eq!(sent.state, OutboxState::Sent);
    assert!(sent.remote_id.is_some());
}

#[tokio::test]
async fn a_reply_on_an_imported_channel_fails_with_the_reason_and_can_be_cancelled_or_retried() {
    let t0: Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
    let w = world(Clock::pinned(t0)).await;
    let imported = common::channel(&*w.store, w.ws.id, ChannelKind::Mastodon, "Archive").await;
    let incoming = mention("109", "Hello?", t0);
    tend_core::ingest::ingest(&*w.store, &imported, vec![incoming], 10, &mut |_| {})
        .await
        .unwrap();
    let message = history(&*w.store, w.ws.id, None).await.remove(0);
    let item = tend_core::conversations::queue_reply(&*w.store, w.admin, message.id, "Hi!")
        .await
        .unwrap();
    w.worker.run_due().await.unwrap();
    let failed = w.store.outbox_item(w.ws.id, item.id).await.unwrap();
    assert_eq!(failed.state, OutboxState::Failed);
    assert!(
        failed
            .last_error
            .as_deref()
            .unwrap()
            .contains("not connected"),
        "{failed:?}"
    );
    assert!(failed.remote_id.is_none(), "no false success");
    // Retry queues it again (and it fails again for the same reason).
    let retried = channels::retry(&*w.store, w.admin, item.id, t0)
        .await
        .unwrap();
    assert_eq!(retried.state, OutboxState::Queued);
    // A queued item can be cancelled; a cancelled one is never sent.
    let cancelled = channels::cancel(&*w.store, w.admin, item.id).await.unwrap();
    assert_eq!(cancelled.state, OutboxState::Cancelled);
    w.worker.run_due().await.unwrap();
    assert_eq!(
        w.store.outbox_item(w.ws.id, item.id).await.unwrap().state,
        OutboxState::Cancelled
    );
    // A client may do neither.
    let client = teammate(&*w.store, w.ws.id, "c@acme.test", "C", Role::Client).await;
    let client = Actor::user(client.id, w.ws.id, Role::Client);
    assert!(channels::cancel(&*w.store, client, item.id).await.is_err());
    assert!(channels::list(&*w.store, client).await.is_err());
}

#[tokio::test]
async fn disconnecting_keeps_the_history_wipes_the_credentials_and_stops_the_reads() {
    let w = world(Clock::system()).await;
    let status = connect_simulated(&w, 1).await;
    read_until(&w, status.channel.id, 1).await;
    let before = slots(&*w.store, w.ws.id).await.len();
    let link = channels::disconnect(&*w.store, w.admin, status.channel.id, w.clock.now())
        .await
        .unwrap();
    assert_eq!(link.state, LinkState::Disconnected);
    let (_, sealed) = w
        .store
        .channel_link(w.ws.id, status.channel.id)
        .await
        .unwrap();
    assert!(sealed.0.is_empty(), "credentials wiped");
    assert!(
        channels::sync_now(&*w.store, w.admin, status.channel.id, w.clock.now())
            .await
            .is_err()
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    w.worker.run_due().await.unwrap();
    assert_eq!(
        slots(&*w.store, w.ws.id).await.len(),
        before,
        "history kept, nothing new"
    );
}

/// Follows the network's consent page (the fake approves at once) to the
/// redirect back to Tend; answers its `state` and `code`.
async fn consent(authorize_url: &str) -> (String, String) {
    let client = tend_channels::live::http::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = client.get(authorize_url).send().await.unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let back = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        back.starts_with("http://tend.test/oauth/callback"),
        "{back}"
    );
    let url = reqwest::Url::parse(&back).unwrap();
    let get = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
            .unwrap()
    };
    (get("state"), get("code"))
}

#[tokio::test]
async fn oauth_with_pkce_connects_a_mastodon_channel_once_per_authorisation() {
    let w = world(Clock::system()).await;
    let fake = tend_fakes::mastodon::FakeMastodon::start().await.unwrap();
    let request = Connect {
        name: "Fediverse".into(),
        config: ChannelConfig::Mastodon {
            instance: fake.url.clone(),
            account: None,
        },
        credentials: Credentials::None,
        backfill_days: Some(1),
    };
    let redirect = "http://tend.test/oauth/callback";
    let url = channels::oauth::begin(
        &*w.store,
        &w.secrets,
        w.admin,
        &request,
        redirect,
        w.clock.now(),
    )
    .await
    .unwrap();
    assert!(url.contains("code_challenge_method=S256"), "{url}");
    let (state, code) = consent(&url).await;
    // Another workspace cannot finish it.
    let other = w
        .store
        .create_workspace(
            &tend_domain::NewWorkspace::new(
                tend_domain::Slug::parse("other").unwrap(),
                "Other",
                "UTC",
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let stranger = Actor::system("test", other.id, Role::Admin);
    assert!(
        channels::oauth::finish(
            &*w.store,
            &w.secrets,
            stranger,
            &state,
            &code,
            w.clock.now()
        )
        .await
        .is_err()
    );
    let status =
        channels::oauth::finish(&*w.store, &w.secrets, w.admin, &state, &code, w.clock.now())
            .await
            .unwrap();
    assert_eq!(status.link.unwrap().network, "mastodon");
    let (_, sealed) = w
        .store
        .channel_link(w.ws.id, status.channel.id)
        .await
        .unwrap();
    assert!(matches!(
        w.secrets.open(&sealed).unwrap(),
        Credentials::OAuth { ref access_token, .. } if !access_token.is_empty()
    ));
    // A state works once.
    assert!(
        channels::oauth::finish(&*w.store, &w.secrets, w.admin, &state, &code, w.clock.now())
            .await
            .is_err()
    );
    // An authorisation not finished in time is gone.
    let url = channels::oauth::begin(
        &*w.store,
        &w.secrets,
        w.admin,
        &Connect {
            name: "Late".into(),
            ..request.clone()
        },
        redirect,
        w.clock.now(),
    )
    .await
    .unwrap();
    let (state, code) = consent(&url).await;
    let later = w.clock.now() + SignedDuration::from_mins(16);
    assert!(
        channels::oauth::finish(&*w.store, &w.secrets, w.admin, &state, &code, later)
            .await
            .is_err()
    );
    // Networks without OAuth say so.
    let simulated = Connect {
        name: "Sim".into(),
        config: ChannelConfig::Simulated { every_secs: 5 },
        credentials: Credentials::None,
        backfill_days: None,
    };
    assert!(
        channels::oauth::begin(
            &*w.store,
            &w.secrets,
            w.admin,
            &simulated,
            redirect,
            w.clock.now()
        )
        .await
        .is_err()
    );
}
