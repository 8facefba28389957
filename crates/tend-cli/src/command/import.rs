//! `tend import <format> <path> --workspace W --channel C`: reads a platform export
//! and runs it through the ingest pipeline, with progress on standard error and a
//! summary at the end. Safe to interrupt and re-run: each batch is one transaction
//! and the upsert is idempotent.

use super::Context;
use anyhow::{Context as _, bail};
use clap::{Args, ValueEnum};
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use tend_channels::import::{self, Import};
use tend_domain::{ChannelKind, IncomingItem};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// A Stack Exchange data dump directory (Posts.xml, Comments.xml, Users.xml).
    Stackexchange,
    /// A Reddit `/comments/<id>` JSON response.
    Reddit,
    /// Discourse topic or posts JSON (API shape).
    Discourse,
    /// Mastodon statuses JSON (API shape).
    Mastodon,
    /// An X/Twitter archive `tweets.js` (or the archive's data directory).
    X,
    /// Generic newline-delimited JSON (docs/import-format.md).
    Ndjson,
    /// Generic CSV (docs/import-format.md).
    Csv,
    /// Google Play reviews: the Play Console's reviews CSV (UTF-16 or UTF-8).
    GooglePlay,
    /// App Store reviews: App Store Connect API `customerReviews` JSON.
    AppStore,
    /// Trustpilot reviews: the business account's CSV export.
    Trustpilot,
}

impl Format {
    fn channel_kind(self) -> ChannelKind {
        match self {
            Format::Stackexchange => ChannelKind::Stackexchange,
            Format::Reddit => ChannelKind::Reddit,
            Format::Discourse => ChannelKind::Discourse,
            Format::Mastodon => ChannelKind::Mastodon,
            Format::X => ChannelKind::X,
            Format::Ndjson | Format::Csv => ChannelKind::Other,
            Format::GooglePlay | Format::AppStore | Format::Trustpilot => ChannelKind::Reviews,
        }
    }

    /// Opens the export: NDJSON streams (checked as a whole first, then read as the
    /// pipeline pulls); the single-document formats are read whole.
    fn open(self, path: &Path) -> Result<Input, import::ImportError> {
        Ok(match self {
            Format::Ndjson => Input::Stream(Box::new(import::ndjson::stream(path)?)),
            _ => Input::Whole(self.read(path)?),
        })
    }

    fn read(self, path: &Path) -> Result<Import, import::ImportError> {
        match self {
            Format::Stackexchange => import::stackexchange::read(path),
            Format::Reddit => import::reddit::read(path),
            Format::Discourse => import::discourse::read(path),
            Format::Mastodon => import::mastodon::read(path),
            Format::X => import::x_archive::read(path),
            Format::Ndjson => import::ndjson::read(path),
            Format::Csv => import::csv::read(path),
            Format::GooglePlay => import::google_play::read(path),
            Format::AppStore => import::app_store::read(path),
            Format::Trustpilot => import::trustpilot::read(path),
        }
    }
}

#[derive(Debug, Args)]
pub struct ImportCmd {
    /// The export's format.
    #[arg(value_enum)]
    format: Format,
    /// The file (or directory, for Stack Exchange and X archives).
    path: PathBuf,
    /// Workspace slug (created if missing).
    #[arg(long)]
    workspace: String,
    /// Channel name in the workspace (created if missing).
    #[arg(long)]
    channel: String,
    /// Channel kind when the channel is created (default: from the format).
    #[arg(long)]
    kind: Option<String>,
    /// Items per transaction.
    #[arg(long, default_value_t = tend_core::ingest::DEFAULT_BATCH)]
    batch: usize,
}

impl ImportCmd {
    pub async fn run(&self, ctx: &Context) -> anyhow::Result<ExitCode> {
        let store = ctx.store().await?;
        let workspace =
            tend_core::accounts::ensure_workspace(&*store, &self.workspace, "UTC").await?;
        let kind = match &self.kind {
            Some(k) => ChannelKind::parse(k)?,
            None => self.format.channel_kind(),
        };
        let channel =
            tend_core::ingest::channel_named(&*store, workspace.id, &self.channel, kind).await?;
        let started = Instant::now();
        let format = self.format;
        let path = self.path.clone();
        let input = tokio::task::spawn_blocking(move || format.open(&path))
            .await
            .context("reading the export")?
            .map_err(anyhow::Error::from)?;
        let refused = Arc::new(Mutex::new(Vec::new()));
        let stopped = Arc::new(Mutex::new(None));
        let items: Box<dyn Iterator<Item = IncomingItem> + Send> = match input {
            Input::Whole(parsed) => {
                eprintln!(
                    "read {} items from {} ({} refused by the reader) in {:.1} s",
                    parsed.items.len(),
                    self.path.display(),
                    parsed.rejected.len(),
                    started.elapsed().as_secs_f64()
                );
                lock(&refused).extend(parsed.rejected);
                Box::new(parsed.items.into_iter())
            }
            Input::Stream(records) => {
                eprintln!(
                    "streaming {} (checked as a whole in {:.1} s)",
                    self.path.display(),
                    started.elapsed().as_secs_f64()
                );
                Box::new(Feed {
                    records,
                    refused: Arc::clone(&refused),
                    stopped: Arc::clone(&stopped),
                })
            }
        };
        let mut progress = Progress::new();
        let report = tend_core::ingest::ingest(&*store, &channel, items, self.batch, &mut |e| {
            progress.update(e.done, e.total)
        })
        .await
        .context("storing the import")?;
        progress.finish();
        let refused = std::mem::take(&mut *lock(&refused));

        println!(
            "import of {} into {}/{} finished",
            self.path.display(),
            workspace.slug,
            channel.name
        );
        println!("  new        {:>8}", report.created);
        println!("  edited     {:>8}", report.edited);
        println!("  updated    {:>8}", report.updated);
        println!("  unchanged  {:>8}", report.unchanged);
        println!("  authors    {:>8}", report.authors);
        println!(
            "  missing    {:>8}  (known to exist, not in the export)",
            report.missing
        );
        let rejected = refused.len() + report.rejected.len();
        println!("  rejected   {rejected:>8}");
        for r in refused.iter().take(20) {
            println!("    {}: {}", r.at, r.reason);
        }
        for r in report
            .rejected
            .iter()
            .take(20usize.saturating_sub(refused.len()))
        {
            println!("    {r}");
        }
        if rejected > 20 {
            println!("    … and {} more", rejected - 20);
        }
        if let Some(err) = lock(&stopped).take() {
            bail!(
                "the import stopped at {err}; the items before it are stored, and re-running \
                 the same command after fixing the file completes it without duplicates"
            );
        }
        if report.created + report.edited + report.updated + report.unchanged == 0 && rejected > 0 {
            bail!("nothing could be imported");
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// An opened export.
enum Input {
    Whole(Import),
    Stream(Box<import::ndjson::Records>),
}

/// A streamed export as the pipeline's items: refused records are set aside for the
/// summary, and an error that ends the stream is kept to be reported.
struct Feed {
    records: Box<import::ndjson::Records>,
    refused: Arc<Mutex<Vec<import::Rejected>>>,
    stopped: Arc<Mutex<Option<import::ImportError>>>,
}

impl Iterator for Feed {
    type Item = IncomingItem;

    fn next(&mut self) -> Option<IncomingItem> {
        loop {
            match self.records.next()? {
                Ok(Ok(item)) => return Some(item),
                Ok(Err(rejected)) => lock(&self.refused).push(rejected),
                Err(err) => {
                    *lock(&self.stopped) = Some(err);
                    return None;
                }
            }
        }
    }
}

/// Locks a mutex, going on with the data if a holder panicked (the data is a list
/// that is only appended to).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Progress on standard error: a rewritten line on a terminal, plain lines at most
/// every two seconds otherwise, or after every batch with `TEND_PROGRESS=batch`
/// (for scripts and the crash-safety test that kills an import mid-way).
struct Progress {
    started: Instant,
    last_line: Instant,
    terminal: bool,
    every_batch: bool,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            started: Instant::now(),
            last_line: Instant::now(),
            terminal: std::io::stderr().is_terminal(),
            every_batch: std::env::var("TEND_PROGRESS").is_ok_and(|v| v == "batch"),
        }
    }

    fn update(&mut self, done: usize, total: Option<usize>) {
        let secs = self.started.elapsed().as_secs_f64().max(1e-6);
        let rate = done as f64 / secs;
        let line = match total {
            Some(total) => {
                let eta = if rate > 0.0 {
                    (total.saturating_sub(done)) as f64 / rate
                } else {
                    0.0
                };
                format!("{done}/{total} items  {rate:.0} items/s  ETA {eta:.0} s")
            }
            None => format!("{done} items  {rate:.0} items/s"),
        };
        let mut err = std::io::stderr().lock();
        if self.terminal {
            let _ = write!(err, "\r{line}\x1b[K");
            let _ = err.flush();
        } else if self.every_batch
            || self.last_line.elapsed().as_secs_f64() >= 2.0
            || Some(done) == total
        {
            let _ = writeln!(err, "{line}");
            self.last_line = Instant::now();
        }
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
    }
}
