//! The ingest pipeline: every message Tend shows comes in through here.
//!
//! parse (an importer or connector, giving `IncomingItem`s) → normalise to the
//! domain (`NewIdentity`, `NewMessage`; records that break a domain rule are
//! rejected with the reason, the rest continue) → enrich with the text signals of
//! `tend-nlp` (language where the platform gave none, sentiment, toxicity, spam,
//! question) → resolve authors to identities (create or update) → store
//! idempotently by (channel, external id) → the store adds the batch to the
//! hourly rollups in the same transaction and appends a `messages.stored` event
//! to the event log, which later consumers (moderation, listening, the live inbox)
//! follow by cursor → report what happened to the caller (`IngestProgress`, for
//! progress).
//!
//! Work is done in batches of `batch_size` items, pulled lazily from the source:
//! preparation (normalise, analyse) runs on its own thread ahead of the store,
//! through a queue of at most `IN_FLIGHT` batches, so memory is bounded whatever
//! the input size and a slow store slows the reader instead of filling memory.
//! Each batch is one store transaction, so a crash loses at most the batch being
//! written, and re-running the import completes it (idempotence).

use std::collections::HashMap;
use tend_domain::{
    Channel, ChannelKind, IdentityId, IncomingAuthor, IncomingItem, IncomingMessage, MissingItem,
    NewIdentity, NewMessage, SentimentLabel, Signals, WorkspaceId,
};
use tend_store::prelude::*;
use tend_store::{LivePage, StoreError, UpsertOutcome, Upserted};

/// Items per batch unless the caller says otherwise. Larger batches amortise each
/// transaction's fixed statements and write every touched index page once per
/// batch rather than once per few rows; 5,000 measured about 1.6× the rate of
/// 1,000 at a million messages, and memory stays a few megabytes per batch.
pub const DEFAULT_BATCH: usize = 5000;

/// What happened to the items of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct IngestReport {
    /// Messages stored for the first time.
    pub created: u64,
    /// Messages whose text changed (previous text kept as a revision).
    pub edited: u64,
    /// Messages whose metadata changed (engagement, permalink, language).
    pub updated: u64,
    /// Messages identical to what was stored.
    pub unchanged: u64,
    /// Distinct identities (authors) created or refreshed.
    pub authors: u64,
    /// Known-missing items newly recorded.
    pub missing: u64,
    /// Items refused, with their reasons (`external id: reason`).
    pub rejected: Vec<String>,
}

/// One written batch, for consumers that react to new messages.
#[derive(Debug)]
pub struct IngestProgress<'a> {
    /// What the store did with each message of the batch.
    pub upserted: &'a [Upserted],
    /// Items handled so far (including this batch).
    pub done: usize,
    /// Items in the import, when the source knows in advance.
    pub total: Option<usize>,
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The store failed; batches before this one are stored, this one is not.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The preparation thread could not be started.
    #[error("starting the ingest thread: {0}")]
    Thread(std::io::Error),
}

/// Computes the text signals of a message, as stored with it.
pub fn signals_of(text: &str) -> (Signals, Option<&'static str>) {
    let sentiment = tend_nlp::sentiment::sentiment(text);
    let label = match sentiment.label {
        tend_nlp::sentiment::Label::Positive => SentimentLabel::Positive,
        tend_nlp::sentiment::Label::Neutral => SentimentLabel::Neutral,
        tend_nlp::sentiment::Label::Negative => SentimentLabel::Negative,
    };
    let signals = Signals {
        sentiment: sentiment.score,
        sentiment_label: label,
        toxicity: tend_nlp::toxicity::toxicity(text).score,
        spam: tend_nlp::spam::spam(text).score,
        question: tend_nlp::question::is_question(text),
    };
    (signals, tend_nlp::language::detect(text).map(|l| l.code))
}

/// The first batch's size at most: the store waits for it, so it is kept
/// small (the first 1,000 of a 100,000-message import are ready in about
/// half the time of 5,000, the NLP models' loading included).
const FIRST_BATCH: usize = 1000;

/// Batches prepared ahead of the store (parsed, normalised, analysed). With the
/// batch being written that bounds memory at `IN_FLIGHT + 2` batches whatever the
/// input size: when the store is slower, preparation waits (backpressure).
const IN_FLIGHT: usize = 2;

/// Identities remembered per import, so an author seen again unchanged costs no
/// store round trip; past this many the memory is cleared and refilled.
const AUTHOR_MEMORY: usize = 200_000;

/// Runs `items` through the pipeline into `channel`, calling `on_batch` after each
/// stored batch.
///
/// The items are pulled lazily on a preparation thread, which cuts batches,
/// normalises them and computes the text signals on every core while the previous
/// batch is being stored; a bounded queue between the two keeps memory bounded.
pub async fn ingest<I>(
    store: &dyn Store,
    channel: &Channel,
    items: I,
    batch_size: usize,
    on_batch: &mut (dyn FnMut(IngestProgress<'_>) + Send),
) -> Result<IngestReport, IngestError>
where
    I: IntoIterator<Item = IncomingItem>,
    I::IntoIter: Send + 'static,
{
    let items = items.into_iter();
    let total = match items.size_hint() {
        (low, Some(high)) if low == high => Some(low),
        _ => None,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Prepared>(IN_FLIGHT);
    let prep_channel = channel.clone();
    let batch_size = batch_size.max(1);
    let preparer = std::thread::Builder::new()
        .name("tend-ingest-prepare".into())
        .spawn(move || {
            let mut items = items;
            // The store has nothing to do until the first batch is ready, so
            // it is small and analysed on every core. After it the store is
            // the slower side: one preparation thread per spare core keeps
            // ahead of it without taking the core the store works on
            // (measured in docs/benchmarks.md, "Ingest pipeline").
            let cores = cores();
            let mut threads = cores;
            let mut size = batch_size.min(FIRST_BATCH);
            loop {
                let batch: Vec<IncomingItem> = items.by_ref().take(size).collect();
                if batch.is_empty() {
                    break;
                }
                // The receiver is gone when the store failed: stop reading.
                if tx
                    .blocking_send(prepare(&prep_channel, batch, threads))
                    .is_err()
                {
                    break;
                }
                size = batch_size;
                threads = (cores - 1).max(1);
            }
        })
        .map_err(IngestError::Thread)?;
    let mut report = IngestReport::default();
    let mut authors = AuthorMemory::default();
    let mut done = 0;
    let mut result = Ok(());
    while let Some(prepared) = rx.recv().await {
        let n = prepared.items;
        match store_batch(store, channel, prepared, &mut report, &mut authors, None).await {
            Ok(upserted) => {
                done += n;
                on_batch(IngestProgress {
                    upserted: &upserted,
                    done,
                    total,
                });
            }
            Err(e) => {
                result = Err(e);
                break;
            }
        }
    }
    drop(rx);
    if let Err(panic) = preparer.join() {
        // A panic while preparing is a bug in a parser or in tend-nlp (both are
        // fuzzed and property-tested not to panic); re-raise it rather than hide it.
        std::panic::resume_unwind(panic);
    }
    result.map(|()| report)
}

/// One batch, normalised and analysed, waiting for the store.
struct Prepared {
    /// Items the batch was cut from (for progress).
    items: usize,
    /// Authors to resolve, one per (platform, external id), in a stable order.
    authors: Vec<((ChannelKind, String), NewIdentity)>,
    /// Messages with their author's key, signals and detected language applied.
    messages: Vec<(NewMessage, Option<(ChannelKind, String)>)>,
    missing: Vec<MissingItem>,
    rejected: Vec<String>,
}

/// Normalises and analyses one batch (runs on the preparation thread).
fn prepare(channel: &Channel, batch: Vec<IncomingItem>, threads: usize) -> Prepared {
    let items = batch.len();
    let mut incoming = Vec::new();
    let mut described: Vec<IncomingAuthor> = Vec::new();
    let mut missing = Vec::new();
    for item in batch {
        match item {
            IncomingItem::Message(m) => incoming.push(m),
            IncomingItem::Author(a) => described.push(a),
            IncomingItem::Missing(m) => missing.push(m),
        }
    }
    described.extend(incoming.iter().filter_map(|m| m.author.clone()));
    // One identity per (platform, external id), last description wins.
    let mut rejected = Vec::new();
    let mut wanted: HashMap<(ChannelKind, String), NewIdentity> = HashMap::new();
    for a in described {
        match new_identity(channel.workspace_id, &a) {
            Ok(new) => {
                wanted.insert((a.platform, a.external_id), new);
            }
            Err(reason) => rejected.push(format!("author {}: {reason}", a.external_id)),
        }
    }
    let mut authors: Vec<_> = wanted.into_iter().collect();
    authors.sort_by(|a, b| (a.0.0.as_str(), &a.0.1).cmp(&(b.0.0.as_str(), &b.0.1)));

    let analysed = analyse_all(&incoming, threads);
    let mut messages = Vec::with_capacity(incoming.len());
    for (m, (signals, detected)) in incoming.into_iter().zip(analysed) {
        let author = m
            .author
            .as_ref()
            .map(|a| (a.platform, a.external_id.clone()));
        let new = to_new_message(channel, m, None, signals, detected);
        match new.validate() {
            Ok(()) => messages.push((new, author)),
            Err(e) => rejected.push(format!("{}: {e}", new.external_id)),
        }
    }
    Prepared {
        items,
        authors,
        messages,
        missing,
        rejected,
    }
}

/// The identities this import has already written, with what was written.
#[derive(Default)]
struct AuthorMemory {
    known: HashMap<(ChannelKind, String), (IdentityId, NewIdentity)>,
    counted: std::collections::HashSet<IdentityId>,
}

/// Resolves the batch's authors and stores its messages (runs on the caller's task).
async fn store_batch(
    store: &dyn Store,
    channel: &Channel,
    prepared: Prepared,
    report: &mut IngestReport,
    memory: &mut AuthorMemory,
    live: Option<&LivePage<'_>>,
) -> Result<Vec<Upserted>, IngestError> {
    report.rejected.extend(prepared.rejected);
    // Authors: only those new to this import or described differently go to the store.
    let mut identity_of: HashMap<(ChannelKind, String), IdentityId> = HashMap::new();
    let mut to_write = Vec::new();
    for (key, new) in prepared.authors {
        match memory.known.get(&key) {
            Some((id, written)) if *written == new => {
                identity_of.insert(key, *id);
            }
            _ => to_write.push((key, new)),
        }
    }
    if !to_write.is_empty() {
        let news: Vec<NewIdentity> = to_write.iter().map(|(_, n)| n.clone()).collect();
        let ids = store.upsert_identities(&news).await?;
        if memory.known.len() + to_write.len() > AUTHOR_MEMORY {
            memory.known.clear();
        }
        for ((key, new), id) in to_write.into_iter().zip(ids) {
            identity_of.insert(key.clone(), id);
            memory.known.insert(key, (id, new));
        }
    }
    for id in identity_of.values() {
        if memory.counted.insert(*id) {
            report.authors += 1;
        }
    }
    let batch: Vec<NewMessage> = prepared
        .messages
        .into_iter()
        .map(|(mut m, author)| {
            m.author_id = author.and_then(|k| identity_of.get(&k).copied());
            m
        })
        .collect();
    let upserted = match live {
        Some(page) => {
            store
                .store_live_page(channel.workspace_id, &batch, page)
                .await?
        }
        None => store.upsert_messages(channel.workspace_id, &batch).await?,
    };
    for u in &upserted {
        match u.outcome {
            UpsertOutcome::Created => report.created += 1,
            UpsertOutcome::Edited => report.edited += 1,
            UpsertOutcome::Updated => report.updated += 1,
            UpsertOutcome::Unchanged => report.unchanged += 1,
        }
    }
    if !prepared.missing.is_empty() {
        report.missing += store
            .save_missing(channel.workspace_id, channel.id, &prepared.missing)
            .await?;
    }
    Ok(upserted)
}

/// Runs one page read live through the pipeline: normalised and analysed (on
/// a blocking thread), then stored with the page's deletions and cursor in
/// one transaction, so a crash keeps both or neither.
pub async fn ingest_live_page(
    store: &dyn Store,
    channel: &Channel,
    items: Vec<IncomingItem>,
    page: &LivePage<'_>,
) -> Result<(IngestReport, Vec<Upserted>), IngestError> {
    let prep_channel = channel.clone();
    let prepared = tokio::task::spawn_blocking(move || prepare(&prep_channel, items, cores()))
        .await
        .map_err(|e| IngestError::Thread(std::io::Error::other(e.to_string())))?;
    let mut report = IngestReport::default();
    let upserted = store_batch(
        store,
        channel,
        prepared,
        &mut report,
        &mut AuthorMemory::default(),
        Some(page),
    )
    .await?;
    Ok((report, upserted))
}

/// The workspace's channel called `name`, created with `kind` when there is none
/// (an import names its channel; a second import into it appends). Two imports
/// creating it at once both end with the one channel.
pub async fn channel_named(
    store: &dyn Store,
    workspace: WorkspaceId,
    name: &str,
    kind: tend_domain::ChannelKind,
) -> Result<tend_domain::Channel, StoreError> {
    let find = || async {
        Ok::<_, StoreError>(
            store
                .channels(workspace)
                .await?
                .into_iter()
                .find(|c| c.name == name),
        )
    };
    if let Some(channel) = find().await? {
        return Ok(channel);
    }
    let new = tend_domain::NewChannel::new(workspace, kind, name)?;
    match store.create_channel(&new).await {
        Ok(channel) => Ok(channel),
        Err(StoreError::Conflict(_)) => find().await?.ok_or(StoreError::NotFound),
        Err(e) => Err(e),
    }
}

/// The identity an author description maps to in `workspace` (the pipeline's
/// mapping, shared with the demo's member merging).
pub fn new_identity(workspace: WorkspaceId, a: &IncomingAuthor) -> Result<NewIdentity, String> {
    let mut new = NewIdentity::new(workspace, a.platform, &a.handle).map_err(|e| e.to_string())?;
    if a.external_id.trim().is_empty() || a.external_id.len() > 512 {
        return Err("external id must be 1-512 bytes".into());
    }
    new.external_id = a.external_id.clone();
    new.display_name = a.display_name.clone();
    new.profile_url = a.profile_url.clone();
    new.followers = a.followers.filter(|f| *f >= 0);
    new.verified = a.verified;
    new.email = a.email.clone();
    Ok(new)
}

fn to_new_message(
    channel: &Channel,
    m: IncomingMessage,
    author_id: Option<IdentityId>,
    signals: Signals,
    detected_lang: Option<&'static str>,
) -> NewMessage {
    NewMessage {
        channel_id: channel.id,
        external_id: m.external_id,
        direction: m.direction,
        kind: m.kind,
        thread_external_id: m.thread_external_id,
        parent_external_id: m.parent_external_id,
        author_id,
        title: m.title,
        text: m.text,
        lang: m.lang.or_else(|| detected_lang.map(str::to_owned)),
        created_at: m.created_at,
        edited_at: m.edited_at,
        permalink: m.permalink,
        engagement: m.engagement,
        rating: m.rating,
        signals: Some(signals),
    }
}

/// The cores the analysis may use (at most 8).
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// Analyses title + text of every message, split across `threads` threads.
fn analyse_all(
    messages: &[IncomingMessage],
    threads: usize,
) -> Vec<(Signals, Option<&'static str>)> {
    let text_of = |m: &IncomingMessage| match &m.title {
        Some(title) if !title.is_empty() => format!("{title}\n{}", m.text),
        _ => m.text.clone(),
    };
    if threads <= 1 || messages.len() < 64 {
        return messages.iter().map(|m| signals_of(&text_of(m))).collect();
    }
    let chunk = messages.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = messages
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|m| signals_of(&text_of(m)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        // A panic in the analysis would be a bug in tend-nlp (property-tested not to
        // panic); re-raise it here instead of hiding it.
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    })
}
