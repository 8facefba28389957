//! The kill-mid-send harness: several `tend worker` processes on one
//! database send replies on a live channel while one of them is killed with
//! SIGKILL and started again; then every reply must be `sent` exactly once,
//! with the network's id, and (the caller's check) exist exactly once on the
//! network's server. A network's test supplies the channel settings and
//! credentials and a way to count what reached its server; everything else
//! is here.

#![allow(dead_code)] // each test binary uses its own subset

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tend_channels::live::{ChannelConfig, Credentials};
use tend_core::channels::{self, Connect, secrets::SecretBox};
use tend_core::team::Actor;
use tend_domain::*;
use tend_store::prelude::*;

/// A `tend worker` process.
pub struct Worker {
    child: Child,
}

impl Worker {
    /// Starts a worker over `url` with the shared channel key.
    pub fn start(url: &str, key: &str) -> Worker {
        let child = Command::new(env!("CARGO_BIN_EXE_tend"))
            .arg("worker")
            .arg("--database-url")
            .arg(url)
            .env_remove("TEND_CONFIG")
            .env("TEND_CHANNELS__SECRET_KEY", key)
            // A killed process's jobs move on after 3 s instead of a minute.
            .env("TEND_JOBS__LEASE_SECS", "3")
            .env("TEND_JOBS__CONCURRENCY", "4")
            .env("TEND_DATABASE__MAX_CONNECTIONS", "6")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        Worker { child }
    }

    /// SIGKILL: no chance to clean up.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A workspace with an admin and one live channel to send on.
pub struct Scene {
    pub store: std::sync::Arc<dyn Store>,
    pub ws: Workspace,
    pub admin: Actor,
    pub channel: Channel,
    pub key: String,
}

/// Makes the scene on `url`: the live channel is connected through the real
/// use case (its credentials checked with the network and sealed).
pub async fn scene(url: &str, config: ChannelConfig, credentials: Credentials) -> Scene {
    let store = tend_store::open(url, 6).await.unwrap();
    let ws = store
        .create_workspace(&NewWorkspace::new(Slug::parse("acme").unwrap(), "Acme", "UTC").unwrap())
        .await
        .unwrap();
    let user = store
        .create_user(&NewUser {
            email: Email::parse("anna@acme.se").unwrap(),
            name: "Anna".into(),
            locale: "en".into(),
            password_hash: "not-a-hash".into(),
        })
        .await
        .unwrap();
    store.grant_role(user.id, ws.id, Role::Admin).await.unwrap();
    let admin = Actor::user(user.id, ws.id, Role::Admin);
    let key = SecretBox::generate_key();
    let secrets = SecretBox::from_base64(&key).unwrap();
    let status = channels::connect(
        &*store,
        &secrets,
        admin,
        Connect {
            name: "Live".into(),
            config,
            credentials,
            backfill_days: Some(0),
        },
        jiff::Timestamp::now(),
    )
    .await
    .unwrap();
    // The reads are not what is tested here: only the sends run.
    store
        .delete_job(&channels::sync_key(status.channel.id))
        .await
        .unwrap();
    Scene {
        store,
        ws,
        admin,
        channel: status.channel,
        key,
    }
}

/// Stores `n` member messages on the scene's channel, with the external ids
/// `ids(i)` the network knows them by.
pub async fn member_messages(
    scene: &Scene,
    n: usize,
    ids: impl Fn(usize) -> String,
) -> Vec<MessageId> {
    let t0 = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let batch: Vec<NewMessage> = (0..n)
        .map(|i| {
            NewMessage::new(
                scene.channel.id,
                ids(i),
                MessageKind::Mention,
                format!("Question number {i}: where is my order?"),
                t0 + jiff::SignedDuration::from_millis(i as i64),
            )
        })
        .collect();
    let mut out = Vec::new();
    for chunk in batch.chunks(1000) {
        let stored = scene
            .store
            .upsert_messages(scene.ws.id, chunk)
            .await
            .unwrap();
        out.extend(stored.into_iter().map(|u| u.id));
    }
    out
}

/// What the fleet did.
#[derive(Debug)]
pub struct Settled {
    pub sent: usize,
    pub failed: Vec<(OutboxId, Option<String>)>,
    /// Items left `unknown` for good (a network that cannot tell), with the
    /// reason shown to the team.
    pub unknown: Vec<(OutboxId, Option<String>)>,
    pub remote_ids: Vec<String>,
    pub seconds: f64,
}

/// Queues one reply per message (as teammates would), runs `processes`
/// workers, kills the first once `kill_after` replies are sent and starts it
/// again, and waits until every reply is settled.
pub async fn send_with_a_kill(
    scene: &Scene,
    url: &str,
    messages: &[MessageId],
    processes: usize,
    kill_after: usize,
    within: Duration,
) -> Settled {
    send_with_a_kill_until(scene, url, messages, processes, kill_after, within, |_| {
        false
    })
    .await
}

/// [`send_with_a_kill`] where an `unknown` item for which `final_unknown`
/// holds is settled too (a network that cannot tell leaves it so).
pub async fn send_with_a_kill_until(
    scene: &Scene,
    url: &str,
    messages: &[MessageId],
    processes: usize,
    kill_after: usize,
    within: Duration,
    final_unknown: impl Fn(&OutboxItem) -> bool,
) -> Settled {
    let mut items = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let item = tend_core::conversations::queue_reply(
            &*scene.store,
            scene.admin,
            *m,
            &format!("Thanks for asking ({i}): a teammate is on it."),
        )
        .await
        .unwrap();
        items.push(item.id);
    }
    let started = Instant::now();
    let mut workers: Vec<Option<Worker>> = (0..processes)
        .map(|_| Some(Worker::start(url, &scene.key)))
        .collect();
    let mut killed = false;
    let deadline = Instant::now() + within;
    loop {
        let mut done = 0;
        let mut sent = 0;
        for id in &items {
            let item = scene.store.outbox_item(scene.ws.id, *id).await.unwrap();
            match item.state {
                OutboxState::Sent => {
                    sent += 1;
                    done += 1;
                }
                OutboxState::Failed | OutboxState::Cancelled => done += 1,
                OutboxState::Unknown if final_unknown(&item) => done += 1,
                _ => {}
            }
        }
        if !killed && sent >= kill_after {
            workers[0].take().unwrap().kill();
            workers[0] = Some(Worker::start(url, &scene.key));
            killed = true;
        }
        if done == items.len() && killed {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after {within:?} only {done} of {} replies settled ({sent} sent)",
            items.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    drop(workers);
    let mut settled = Settled {
        sent: 0,
        failed: Vec::new(),
        unknown: Vec::new(),
        remote_ids: Vec::new(),
        seconds,
    };
    for id in &items {
        let item = scene.store.outbox_item(scene.ws.id, *id).await.unwrap();
        match item.state {
            OutboxState::Sent => {
                settled.sent += 1;
                settled
                    .remote_ids
                    .push(item.remote_id.expect("sent means the network's id"));
                let sent_entries = scene
                    .store
                    .outbox_events(scene.ws.id, *id)
                    .await
                    .unwrap()
                    .iter()
                    .filter(|e| e.state == OutboxState::Sent)
                    .count();
                assert_eq!(
                    sent_entries, 1,
                    "item {id} marked sent {sent_entries} times"
                );
            }
            OutboxState::Unknown if final_unknown(&item) => {
                settled.unknown.push((*id, item.last_error))
            }
            _ => settled.failed.push((*id, item.last_error)),
        }
    }
    settled
}

/// A fresh PostgreSQL database for one test, or `None` (skipped) without a
/// server; `TEND_REQUIRE_POSTGRES=1` makes its absence a failure.
pub async fn postgres_database(tag: &str) -> Option<String> {
    let Ok(admin) = std::env::var("TEND_TEST_DATABASE_URL") else {
        assert!(
            std::env::var("TEND_REQUIRE_POSTGRES").is_err(),
            "TEND_REQUIRE_POSTGRES is set but TEND_TEST_DATABASE_URL is not"
        );
        eprintln!("TEND_TEST_DATABASE_URL not set; the PostgreSQL test is skipped");
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = format!("tend_{tag}_{}", std::process::id());
    let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let base = admin.rsplit_once('/').unwrap().0.to_owned();
    Some(format!("{base}/{name}"))
}
