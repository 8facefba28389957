//! Live channels, measured (`tend bench live`):
//!
//! - **Sustained live ingest:** mentions seeded on the Mastodon fake are read
//!   by the real `SyncChannel` job (REST catch-up, then the stream) through
//!   the ingest pipeline into a fresh store, against the same messages ingested
//!   by the import path in the same run.
//! - **Live latency:** from a post on a local server to the message stored,
//!   one message at a time: streamed (the Mastodon fake's streaming API) and
//!   pulled (a real IMAP server without IDLE, which the e-mail connector
//!   polls). The clock starts before the post is made and stops when the
//!   channel's received count shows it, polled every 5 ms.

use anyhow::{Context as _, bail};
use async_trait::async_trait;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tend_channels::live::{
    self, ChannelConfig, Credentials, Cursor, Page, Sink, SinkError, Window,
};
use tend_core::channels::{self, Connect, secrets::SecretBox};
use tend_core::jobs::{Handler, Job, JobContext, Worker, WorkerConfig};
use tend_core::team::Actor;
use tend_domain::{Channel, Clock, IncomingItem, NewUser, NewWorkspace, Role, Slug, WorkspaceId};
use tend_fakes::mastodon::FakeMastodon;
use tend_store::prelude::*;

/// A store with a workspace, an admin and a live channel.
pub struct LiveScene {
    pub store: Arc<dyn Store>,
    pub secrets: SecretBox,
    pub workspace: WorkspaceId,
    pub channel: Channel,
    _dir: tempfile::TempDir,
}

/// Connects `config` in a fresh SQLite store.
pub async fn scene(config: ChannelConfig, credentials: Credentials) -> anyhow::Result<LiveScene> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("live.db").display());
    let store = tend_store::open(&url, 8).await?;
    let ws = store
        .create_workspace(&NewWorkspace::new(Slug::parse("bench")?, "Bench", "UTC")?)
        .await?;
    let user = store
        .create_user(&NewUser {
            email: tend_domain::Email::parse("bench@tend.test")?,
            name: "Bench".into(),
            locale: "en".into(),
            password_hash: "x".into(),
        })
        .await?;
    store.grant_role(user.id, ws.id, Role::Admin).await?;
    let secrets = SecretBox::from_base64(&SecretBox::generate_key())?;
    let status = channels::connect(
        &*store,
        &secrets,
        Actor::user(user.id, ws.id, Role::Admin),
        Connect {
            name: "Live".into(),
            config,
            credentials,
            backfill_days: Some(1),
        },
        jiff::Timestamp::now(),
    )
    .await?;
    // The bench drives the reads itself.
    store
        .delete_job(&channels::sync_key(status.channel.id))
        .await?;
    Ok(LiveScene {
        store,
        secrets,
        workspace: ws.id,
        channel: status.channel,
        _dir: dir,
    })
}

async fn received(scene: &LiveScene) -> anyhow::Result<i64> {
    Ok(scene
        .store
        .channel_link(scene.workspace, scene.channel.id)
        .await?
        .0
        .received)
}

/// Sustained ingest figures.
#[derive(Debug, Clone, Copy)]
pub struct Sustained {
    pub messages: usize,
    /// Seconds for the live read to store them all.
    pub live_secs: f64,
    /// Seconds for the import path to store the same messages.
    pub import_secs: f64,
}

struct Collect(Vec<IncomingItem>);

#[async_trait]
impl Sink for Collect {
    async fn page(&mut self, page: Page) -> Result<(), SinkError> {
        self.0.extend(page.items);
        Ok(())
    }
}

/// Seeds `n` mentions on a fake Mastodon and measures the live read of them
/// against the import path of the same messages.
pub async fn sustained_ingest(n: usize) -> anyhow::Result<Sustained> {
    let fake = FakeMastodon::start().await?;
    fake.seed_mentions(n);
    let config = ChannelConfig::Mastodon {
        instance: fake.url.clone(),
        account: None,
    };
    let credentials = Credentials::Token {
        token: fake.token.clone(),
    };
    let scene = scene(config.clone(), credentials.clone()).await?;
    let handler =
        JobContext::new(scene.store.clone(), Clock::system()).with_secrets(scene.secrets.clone());
    let job = Job::SyncChannel {
        workspace: scene.workspace,
        channel: scene.channel.id,
    };
    let started = Instant::now();
    let read = tokio::spawn(async move {
        // Catch-up pages, then the stream: run until the bench has seen all.
        loop {
            if let Err(e) = handler.run(&job).await {
                tracing::warn!(error = %e, "a live read failed");
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(600);
    while received(&scene).await? < n as i64 {
        if Instant::now() > deadline {
            read.abort();
            bail!(
                "the live read stored {} of {n} in 600 s",
                received(&scene).await?
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let live_secs = started.elapsed().as_secs_f64();
    read.abort();

    // The same messages through the import path, into a fresh store.
    let connector = live::connect(&config, &credentials)?;
    let mut items = Collect(Vec::new());
    let window = Window {
        backfill_from: jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24),
        until: Instant::now(),
        max_pages: usize::MAX,
    };
    connector
        .pull(None::<&Cursor>, &window, &mut items)
        .await
        .context("reading the messages for the import baseline")?;
    let items = items.0;
    if items.len() != n {
        bail!("the baseline read {} messages, not {n}", items.len());
    }
    let baseline = scene_for_import().await?;
    let started = Instant::now();
    tend_core::ingest::ingest(
        &*baseline.0,
        &baseline.1,
        items,
        tend_core::ingest::DEFAULT_BATCH,
        &mut |_| {},
    )
    .await?;
    let import_secs = started.elapsed().as_secs_f64();
    Ok(Sustained {
        messages: n,
        live_secs,
        import_secs,
    })
}

async fn scene_for_import() -> anyhow::Result<(Arc<dyn Store>, Channel, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("import.db").display());
    let store = tend_store::open(&url, 8).await?;
    let ws = store
        .create_workspace(&NewWorkspace::new(Slug::parse("bench")?, "Bench", "UTC")?)
        .await?;
    let channel = store
        .create_channel(&tend_domain::NewChannel::new(
            ws.id,
            tend_domain::ChannelKind::Mastodon,
            "Import",
        )?)
        .await?;
    Ok((store, channel, dir))
}

/// Latencies of one way of reading, in milliseconds, sorted.
#[derive(Debug, Clone)]
pub struct Latencies(pub Vec<f64>);

impl Latencies {
    /// The `q` quantile (nearest rank).
    pub fn quantile(&self, q: f64) -> f64 {
        if self.0.is_empty() {
            return f64::NAN;
        }
        let rank = ((q * self.0.len() as f64).ceil() as usize).clamp(1, self.0.len());
        self.0[rank - 1]
    }
}

/// Runs the real job runner (one stream loop) over `scene` while `post`
/// makes `k` posts one at a time; each is timed until stored.
async fn latencies<F, Fut>(scene: &LiveScene, k: usize, mut post: F) -> anyhow::Result<Latencies>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    let handler =
        JobContext::new(scene.store.clone(), Clock::system()).with_secrets(scene.secrets.clone());
    let worker = Worker::new(
        scene.store.clone(),
        handler,
        Clock::system(),
        WorkerConfig {
            concurrency: 1,
            streams: 1,
            idle_poll: Duration::from_millis(50),
            ..WorkerConfig::default()
        },
    );
    // The channel's recurring read, as connecting makes it.
    let (link, sealed) = scene
        .store
        .channel_link(scene.workspace, scene.channel.id)
        .await?;
    let config: ChannelConfig = serde_json::from_str(&link.config)?;
    let connector = channels::Connectors::default().get(&scene.secrets, &link, &sealed)?;
    let job = channels::sync_job(
        scene.workspace,
        scene.channel.id,
        &config,
        connector.streams(),
        jiff::Timestamp::now(),
    );
    scene
        .store
        .ensure_recurring(&job, jiff::Timestamp::now())
        .await?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker.run(async move {
        let mut stopped = stopped;
        let _ = stopped.wait_for(|s| *s).await;
    }));
    // Wait for the first read to be done (the channel has read once).
    let ready = Instant::now() + Duration::from_secs(60);
    while scene
        .store
        .channel_link(scene.workspace, scene.channel.id)
        .await?
        .0
        .last_ok_at
        .is_none()
    {
        if Instant::now() > ready {
            bail!("the channel never read");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut out = Vec::with_capacity(k);
    for i in 0..k {
        let before = received(scene).await?;
        let started = Instant::now();
        post(i).await?;
        let deadline = started + Duration::from_secs(60);
        while received(scene).await? <= before {
            if Instant::now() > deadline {
                bail!("message {i} never arrived");
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        out.push(started.elapsed().as_secs_f64() * 1e3);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(30), running).await;
    out.sort_by(f64::total_cmp);
    Ok(Latencies(out))
}

/// Streamed: mentions posted on the Mastodon fake, read by its streaming API.
pub async fn streamed_latency(k: usize) -> anyhow::Result<Latencies> {
    let fake = FakeMastodon::start().await?;
    let scene = scene(
        ChannelConfig::Mastodon {
            instance: fake.url.clone(),
            account: None,
        },
        Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .await?;
    let fake = &fake;
    latencies(&scene, k, |i| async move {
        fake.post_mention("ada", &format!("is the app down? ({i})"));
        Ok(())
    })
    .await
}

/// Pulled: mails delivered to a real IMAP server without IDLE, which the
/// e-mail connector polls. `None` when the mail servers are not installed.
pub async fn pulled_latency(k: usize) -> anyhow::Result<Option<Latencies>> {
    let Some(venv) = tend_fakes::process::installed("TEND_MAIL_VENV") else {
        return Ok(None);
    };
    let mail = tend_fakes::mail::MailServers::start_without_idle(&venv).await?;
    let settings = serde_json::json!({
        "network": "email",
        "imap_host": "127.0.0.1",
        "imap_port": mail.imap_port,
        "imap_tls": "none",
        "smtp_host": "127.0.0.1",
        "smtp_port": mail.smtp_port,
        "smtp_tls": "none",
        "address": tend_fakes::mail::MailServers::USER,
    });
    let config: ChannelConfig = serde_json::from_value(settings)?;
    let scene = scene(
        config,
        Credentials::Password {
            username: tend_fakes::mail::MailServers::USER.into(),
            password: tend_fakes::mail::MailServers::PASSWORD.into(),
        },
    )
    .await?;
    let mail = &mail;
    let lat = latencies(&scene, k, |i| async move {
        let raw = format!(
            "From: Ada <ada@example.org>\r\nTo: {}\r\nSubject: Order {i}\r\n\
             Message-ID: <bench-{i}@example.org>\r\nDate: {}\r\n\r\nWhere is my order {i}?\r\n",
            tend_fakes::mail::MailServers::USER,
            jiff::fmt::rfc2822::to_string(&jiff::Zoned::now()).unwrap_or_default()
        );
        mail.deliver("INBOX", raw.as_bytes()).await
    })
    .await?;
    Ok(Some(lat))
}

/// Streamed through Discord's Gateway: member messages on the Discord fake.
pub async fn discord_latency(k: usize) -> anyhow::Result<Latencies> {
    let fake = tend_fakes::discord::FakeDiscord::start().await?;
    let channel = fake.channel();
    let scene = scene(
        ChannelConfig::Discord {
            guild_id: fake.guild_id(),
            channels: vec![channel.to_string()],
            publish_channel: None,
            api_base: Some(fake.api_base.clone()),
            gateway: Some(fake.gateway_url.clone()),
        },
        Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .await?;
    let fake = &fake;
    latencies(&scene, k, |i| async move {
        fake.say(
            channel,
            "ada",
            &format!("<@bot> is the app down? ({i})"),
            None,
        );
        Ok(())
    })
    .await
}

/// Long-polled through Telegram's `getUpdates`: direct messages to the bot
/// on the Telegram fake.
pub async fn telegram_latency(k: usize) -> anyhow::Result<Latencies> {
    let fake = tend_fakes::telegram::FakeTelegram::start().await?;
    let scene = scene(
        ChannelConfig::Telegram {
            chats: Vec::new(),
            api_base: Some(fake.url.clone()),
        },
        Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .await?;
    let fake = &fake;
    latencies(&scene, k, |i| async move {
        fake.dm("ada", &format!("is the app down? ({i})"));
        Ok(())
    })
    .await
}

/// Seeds `n` member messages on the Discord fake and times the live read of
/// them (REST catch-up through the pipeline), as [`sustained_ingest`] does
/// for Mastodon.
pub async fn discord_sustained(n: usize) -> anyhow::Result<f64> {
    let fake = tend_fakes::discord::FakeDiscord::start().await?;
    let channel = fake.channel();
    fake.set_rate_limit(1_000_000, Duration::from_secs(1));
    fake.seed(channel, n);
    let scene = scene(
        ChannelConfig::Discord {
            guild_id: fake.guild_id(),
            channels: vec![channel.to_string()],
            publish_channel: None,
            api_base: Some(fake.api_base.clone()),
            gateway: Some(fake.gateway_url.clone()),
        },
        Credentials::Token {
            token: fake.token.clone(),
        },
    )
    .await?;
    let handler =
        JobContext::new(scene.store.clone(), Clock::system()).with_secrets(scene.secrets.clone());
    let job = Job::SyncChannel {
        workspace: scene.workspace,
        channel: scene.channel.id,
    };
    let started = Instant::now();
    let read = tokio::spawn(async move {
        loop {
            if let Err(e) = handler.run(&job).await {
                tracing::warn!(error = %e, "a live read failed");
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(600);
    while received(&scene).await? < n as i64 {
        if Instant::now() > deadline {
            read.abort();
            bail!(
                "the Discord read stored {} of {n} in 600 s",
                received(&scene).await?
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let secs = started.elapsed().as_secs_f64();
    read.abort();
    Ok(n as f64 / secs)
}
