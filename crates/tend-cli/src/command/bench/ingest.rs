//! `tend bench ingest --messages N`: the full ingest pipeline (normalise, text
//! signals, author resolution, idempotent store, rollups) against raw batched
//! INSERTs of the same rows, measured in the same run, with the peak resident
//! memory of the process. SQLite always; PostgreSQL with `--postgres-url`.

use super::Context;
use anyhow::{Context as _, ensure};
use clap::Args;
use jiff::{SignedDuration, Timestamp};
use std::process::ExitCode;
use std::time::Instant;
use tend_bench::store::{
    count_messages, create_scratch_database, drop_database, raw_insert_messages,
};
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
    NewChannel, NewIdentity, NewMessage, NewWorkspace, Slug,
};
use tend_store::SqlStore;

#[derive(Debug, Args)]
pub struct IngestBench {
    /// Number of messages.
    #[arg(long, default_value_t = 100_000)]
    messages: usize,
    /// Items per batch (and rows per raw transaction).
    #[arg(long, default_value_t = tend_core::ingest::DEFAULT_BATCH)]
    batch: usize,
    /// Also measure PostgreSQL (an admin URL; scratch databases are created and dropped).
    #[arg(long, value_name = "URL")]
    postgres_url: Option<String>,
}

const AUTHORS: usize = 2000;
const PHRASES: [&str; 12] = [
    "I love the new release, great work team!",
    "The app crashes every time I open settings. Any idea why?",
    "How do I reset my password?",
    "Tack för hjälpen, nu fungerar det igen.",
    "This is the worst update ever, totally broken",
    "Anyone know if the API supports webhooks?",
    "Thanks @acme for the quick answer 🎉 #launch",
    "Varför kan jag inte logga in?",
    "Check out https://example.com/blog for the changelog",
    "WIN a FREE iPhone now!!! click here",
    "Meh, it is fine I guess.",
    "You are all idiots, fix it",
];

impl IngestBench {
    pub async fn run(&self, _ctx: &Context) -> anyhow::Result<ExitCode> {
        ensure!(
            self.messages > 0 && self.batch > 0,
            "--messages and --batch must be positive"
        );
        println!(
            "tend bench ingest: {} messages, batches of {}",
            self.messages, self.batch
        );
        let dir = tempfile::tempdir().context("creating a scratch directory")?;
        let pipeline_url = format!("sqlite://{}", dir.path().join("pipeline.db").display());
        let raw_url = format!("sqlite://{}", dir.path().join("raw.db").display());
        self.compare("sqlite", &pipeline_url, &raw_url).await?;
        if let Some(admin) = &self.postgres_url {
            let (a, b) = (
                create_scratch_database(admin, "ingest").await?,
                create_scratch_database(admin, "iraw").await?,
            );
            let result = self.compare("postgres", &a.1, &b.1).await;
            drop_database(admin, &a.0).await?;
            drop_database(admin, &b.0).await?;
            result?;
        }
        Ok(ExitCode::SUCCESS)
    }

    async fn compare(&self, label: &str, pipeline_url: &str, raw_url: &str) -> anyhow::Result<()> {
        // Full pipeline.
        let store = SqlStore::connect(pipeline_url, 4).await?;
        tend_store::AdminStore::migrate(&store).await?;
        let ws = tend_store::TeamStore::create_workspace(
            &store,
            &NewWorkspace::new(Slug::parse("bench")?, "Bench", "UTC")?,
        )
        .await?;
        let channel = tend_store::ChannelStore::create_channel(
            &store,
            &NewChannel::new(ws.id, ChannelKind::Discourse, "Forum")?,
        )
        .await?;
        let items = generate(self.messages);
        reset_peak_rss();
        let started = Instant::now();
        let report =
            tend_core::ingest::ingest(&store, &channel, items, self.batch, &mut |_| {}).await?;
        let pipeline_secs = started.elapsed().as_secs_f64();
        ensure!(
            report.created == self.messages as u64,
            "pipeline stored {} of {}",
            report.created,
            self.messages
        );
        let peak_rss = peak_rss_mib();

        // Raw baseline: the same rows, authors created up front, one multi-row INSERT per chunk.
        let raw = SqlStore::connect(raw_url, 4).await?;
        tend_store::AdminStore::migrate(&raw).await?;
        let ws = tend_store::TeamStore::create_workspace(
            &raw,
            &NewWorkspace::new(Slug::parse("bench")?, "Bench", "UTC")?,
        )
        .await?;
        let channel = tend_store::ChannelStore::create_channel(
            &raw,
            &NewChannel::new(ws.id, ChannelKind::Discourse, "Forum")?,
        )
        .await?;
        let authors: Vec<NewIdentity> = (0..AUTHORS)
            .map(|i| NewIdentity::new(ws.id, ChannelKind::Discourse, &format!("user{i}")))
            .collect::<Result<_, _>>()?;
        let author_ids = tend_store::MemberStore::upsert_identities(&raw, &authors).await?;
        // The same rows, made a batch at a time (so the baseline holds no more in
        // memory than the pipeline does); only the INSERTs are timed.
        let mut rows = generate(self.messages)
            .enumerate()
            .filter_map(|(i, item)| match item {
                IncomingItem::Message(m) => {
                    let mut n =
                        NewMessage::new(channel.id, m.external_id, m.kind, m.text, m.created_at);
                    n.thread_external_id = m.thread_external_id;
                    n.parent_external_id = m.parent_external_id;
                    n.title = m.title;
                    n.engagement = m.engagement;
                    n.author_id = author_ids.get(i % AUTHORS).copied();
                    Some(n)
                }
                _ => None,
            });
        let mut raw_secs = 0.0;
        loop {
            let chunk: Vec<NewMessage> = rows.by_ref().take(self.batch).collect();
            if chunk.is_empty() {
                break;
            }
            let started = Instant::now();
            raw_insert_messages(&raw, ws.id, &chunk, self.batch).await?;
            raw_secs += started.elapsed().as_secs_f64();
        }
        ensure!(
            count_messages(&raw).await? == self.messages as i64,
            "raw path stored a different number of rows"
        );

        let n = self.messages as f64;
        println!(
            "{label:<9} full pipeline        {:>10.0} messages/s  ({pipeline_secs:.2} s)",
            n / pipeline_secs
        );
        println!(
            "{label:<9} raw batched INSERT   {:>10.0} rows/s      ({raw_secs:.2} s)",
            n / raw_secs
        );
        println!(
            "{label:<9} ratio pipeline/raw   {:>10.3}",
            raw_secs / pipeline_secs
        );
        match peak_rss {
            Some(mib) => println!(
                "{label:<9} peak RSS of the pipeline run {mib:.0} MiB (whole process; input generated lazily)"
            ),
            None => println!("{label:<9} peak RSS not available on this OS"),
        }
        Ok(())
    }
}

/// The benchmark's messages, made lazily (the pipeline pulls them as it goes, so
/// the input never sits in memory as a whole). Threads of ten: a post and nine
/// replies, each answering the previous one. External ids are fixed-width and
/// rising, as platforms' ids are (snowflakes, sequence numbers).
pub(super) fn generate(n: usize) -> impl ExactSizeIterator<Item = IncomingItem> + Send + 'static {
    let start = Timestamp::from_second(1_767_225_600).unwrap_or(Timestamp::UNIX_EPOCH);
    let id = |i: usize| format!("{}", 1_000_000_000_000u64 + i as u64);
    (0..n).map(move |i| {
        let root = i - i % 10;
        let author = i % AUTHORS;
        IncomingItem::Message(IncomingMessage {
            external_id: id(i),
            kind: if i == root {
                MessageKind::ForumPost
            } else {
                MessageKind::Reply
            },
            direction: Direction::Inbound,
            thread_external_id: (i != root).then(|| id(root)),
            parent_external_id: (i != root).then(|| id(i - 1)),
            author: Some(IncomingAuthor {
                platform: ChannelKind::Discourse,
                external_id: format!("user{author}"),
                handle: format!("user{author}"),
                display_name: None,
                profile_url: None,
                followers: Some((author * 7 % 1000) as i64),
                verified: false,
                email: None,
            }),
            title: (i == root).then(|| format!("Topic {i}")),
            text: format!("{} ({i})", PHRASES[i * 7 % PHRASES.len()]),
            lang: None,
            created_at: start + SignedDuration::from_secs(i as i64 * 7),
            edited_at: None,
            permalink: None,
            engagement: Engagement {
                likes: (i % 13) as i64,
                ..Engagement::default()
            },
            rating: None,
        })
    })
}

/// Resets the peak resident set size (Linux: writing 5 to `clear_refs`), so each
/// database's pipeline run reports its own peak, not an earlier phase's.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident set size of this process (Linux `VmHWM`), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
