//! `tend bench store --messages N`: the baseline for ingest targets.
//!
//! The same N synthetic message rows are written twice into fresh databases:
//! once as raw multi-row `INSERT`s in transactions of `--batch` rows (the
//! fastest plain SQL path), once through `InboxStore::upsert_messages` in batches of
//! the same size (dedupe by external id, thread and parent resolution, adoption
//! of early children, validation). Both rates and their ratio are printed, for
//! SQLite always and for PostgreSQL when `--postgres-url` is given.

use super::Context;
use anyhow::{Context as _, ensure};
use clap::Args;
use jiff::{SignedDuration, Timestamp};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;
use tend_bench::store::{
    count_messages, create_scratch_database, drop_database, raw_insert_messages,
};
use tend_domain::{
    ChannelId, ChannelKind, IdentityId, MessageKind, NewChannel, NewIdentity, NewMessage,
    NewWorkspace, Slug, WorkspaceId,
};
use tend_store::SqlStore;
use tend_store::prelude::*;

#[derive(Debug, Args)]
pub struct StoreBench {
    /// Number of messages to insert on each path.
    #[arg(long, default_value_t = 100_000)]
    messages: usize,
    /// Rows per transaction on both paths.
    #[arg(long, default_value_t = 1000)]
    batch: usize,
    /// Also measure PostgreSQL: an admin URL (e.g. postgres://tend@127.0.0.1:5432/postgres);
    /// two scratch databases are created there and dropped afterwards.
    #[arg(long, value_name = "URL")]
    postgres_url: Option<String>,
}

const AUTHORS: usize = 1000;
const WORDS: [&str; 24] = [
    "widget", "love", "broken", "thanks", "release", "update", "support", "please", "how", "the",
    "new", "app", "crashes", "when", "I", "open", "settings", "great", "team", "tack", "för",
    "hjälpen", "🎉", "#launch",
];

impl StoreBench {
    pub async fn run(&self, _ctx: &Context) -> anyhow::Result<ExitCode> {
        ensure!(
            self.messages > 0 && self.batch > 0,
            "--messages and --batch must be positive"
        );
        println!(
            "tend bench store: {} messages, {} rows per transaction",
            self.messages, self.batch
        );
        let dir = tempfile::tempdir().context("creating a scratch directory")?;
        let raw_url = format!("sqlite://{}", dir.path().join("raw.db").display());
        let store_url = format!("sqlite://{}", dir.path().join("store.db").display());
        self.compare("sqlite", &raw_url, &store_url).await?;
        if let Some(admin) = &self.postgres_url {
            let (raw, store) = (
                create_scratch_database(admin, "raw").await?,
                create_scratch_database(admin, "store").await?,
            );
            let result = self.compare("postgres", &raw.1, &store.1).await;
            drop_database(admin, &raw.0).await?;
            drop_database(admin, &store.0).await?;
            result?;
        }
        Ok(ExitCode::SUCCESS)
    }

    async fn compare(&self, label: &str, raw_url: &str, store_url: &str) -> anyhow::Result<()> {
        let raw = Setup::new(raw_url).await?;
        let rows = generate(self.messages, raw.channel, &raw.authors);
        let started = Instant::now();
        raw_insert_messages(&raw.store, raw.workspace, &rows, self.batch).await?;
        let raw_secs = started.elapsed().as_secs_f64();
        ensure!(
            count_messages(&raw.store).await? == self.messages as i64,
            "raw path stored a different number of rows"
        );

        let via_store = Setup::new(store_url).await?;
        let rows = generate(self.messages, via_store.channel, &via_store.authors);
        let store: Arc<dyn Store> = Arc::new(via_store.store.clone());
        let started = Instant::now();
        for chunk in rows.chunks(self.batch) {
            store.upsert_messages(via_store.workspace, chunk).await?;
        }
        let store_secs = started.elapsed().as_secs_f64();
        ensure!(
            count_messages(&via_store.store).await? == self.messages as i64,
            "store path stored a different number of rows"
        );

        let n = self.messages as f64;
        println!(
            "{label:<9} raw batched INSERT        {:>10.0} rows/s  ({raw_secs:.2} s)",
            n / raw_secs
        );
        println!(
            "{label:<9} Store::upsert_messages    {:>10.0} rows/s  ({store_secs:.2} s)",
            n / store_secs
        );
        println!(
            "{label:<9} ratio store/raw           {:>10.3}",
            raw_secs / store_secs
        );
        Ok(())
    }
}

struct Setup {
    store: SqlStore,
    workspace: WorkspaceId,
    channel: ChannelId,
    authors: Vec<IdentityId>,
}

impl Setup {
    async fn new(url: &str) -> anyhow::Result<Setup> {
        let store = SqlStore::connect(url, 4).await?;
        store.migrate().await?;
        let ws = store
            .create_workspace(&NewWorkspace::new(Slug::parse("bench")?, "Bench", "UTC")?)
            .await?;
        let channel = store
            .create_channel(&NewChannel::new(ws.id, ChannelKind::Discourse, "Forum")?)
            .await?;
        let mut authors = Vec::with_capacity(AUTHORS);
        for i in 0..AUTHORS {
            authors.push(
                store
                    .upsert_identity(&NewIdentity::new(
                        ws.id,
                        ChannelKind::Discourse,
                        &format!("user{i}"),
                    )?)
                    .await?
                    .id,
            );
        }
        Ok(Setup {
            store,
            workspace: ws.id,
            channel: channel.id,
            authors,
        })
    }
}

/// Deterministic rows: one topic in ten starts a thread, the rest reply to a recent message.
fn generate(n: usize, channel: ChannelId, authors: &[IdentityId]) -> Vec<NewMessage> {
    let start = Timestamp::from_second(1_767_225_600).unwrap_or(Timestamp::UNIX_EPOCH);
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut last_root = 0usize;
    (0..n)
        .map(|i| {
            let words = 8 + (next() % 40) as usize;
            let text = (0..words)
                .map(|_| WORDS[(next() % WORDS.len() as u64) as usize])
                .collect::<Vec<_>>()
                .join(" ");
            let is_root = i % 10 == 0;
            let kind = if is_root {
                MessageKind::ForumPost
            } else {
                MessageKind::Reply
            };
            let at = start + SignedDuration::from_secs(i as i64 * 7);
            let mut m = NewMessage::new(channel, format!("m{i}"), kind, text, at);
            m.author_id = Some(authors[(next() % authors.len() as u64) as usize]);
            m.engagement.likes = (next() % 50) as i64;
            if is_root {
                last_root = i;
                m.title = Some(format!("Topic {i}"));
            } else {
                m.thread_external_id = Some(format!("m{last_root}"));
                m.parent_external_id = Some(format!(
                    "m{}",
                    last_root.max(i.saturating_sub(1 + (next() % 3) as usize))
                ));
            }
            m
        })
        .collect()
}
