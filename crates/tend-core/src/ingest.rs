//! The ingest pipeline: every message Tend shows comes in through here.
//!
//! parse (an importer or connector, giving `IncomingItem`s) → normalise to the
//! domain (`NewIdentity`, `NewMessage`; records that break a domain rule are
//! rejected with the reason, the rest continue) → enrich with the text signals of
//! `tend-nlp` (language where the platform gave none, sentiment, toxicity, spam,
//! question) → resolve authors to identities (create or update) → store
//! idempotently by (channel, external id) → the store recounts the touched
//! rollup buckets in the same transaction → report what happened to the caller
//! (`IngestEvent`), which later consumers (moderation, listening, the live inbox)
//! subscribe to.
//!
//! Work is done in batches of `batch_size` items: memory is bounded by one batch
//! in flight, and each batch is one store transaction, so a crash loses at most
//! the batch being written, and re-running the import completes it (idempotence).

use std::collections::HashMap;
use tend_domain::{
    Channel, ChannelKind, IdentityId, IncomingAuthor, IncomingItem, IncomingMessage, MissingItem,
    NewIdentity, NewMessage, SentimentLabel, Signals,
};
use tend_store::{Store, StoreError, UpsertOutcome, Upserted};

/// Items per batch unless the caller says otherwise.
pub const DEFAULT_BATCH: usize = 1000;

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
pub struct IngestEvent<'a> {
    /// What the store did with each message of the batch.
    pub upserted: &'a [Upserted],
    /// Items handled so far (including this batch).
    pub done: usize,
    /// Items in the import.
    pub total: usize,
}

/// Why an import stopped.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The store failed; batches before this one are stored, this one is not.
    #[error(transparent)]
    Store(#[from] StoreError),
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

/// Runs `items` through the pipeline into `channel`, calling `on_batch` after each
/// stored batch.
pub async fn ingest(
    store: &dyn Store,
    channel: &Channel,
    items: Vec<IncomingItem>,
    batch_size: usize,
    on_batch: &mut (dyn FnMut(IngestEvent<'_>) + Send),
) -> Result<IngestReport, IngestError> {
    let total = items.len();
    let mut report = IngestReport::default();
    let mut seen_authors = std::collections::HashSet::new();
    let mut done = 0;
    let mut iter = items.into_iter().peekable();
    while iter.peek().is_some() {
        let batch: Vec<IncomingItem> = iter.by_ref().take(batch_size.max(1)).collect();
        let n = batch.len();
        let upserted = ingest_batch(store, channel, batch, &mut report, &mut seen_authors).await?;
        done += n;
        on_batch(IngestEvent {
            upserted: &upserted,
            done,
            total,
        });
    }
    Ok(report)
}

async fn ingest_batch(
    store: &dyn Store,
    channel: &Channel,
    batch: Vec<IncomingItem>,
    report: &mut IngestReport,
    seen_authors: &mut std::collections::HashSet<IdentityId>,
) -> Result<Vec<Upserted>, IngestError> {
    let mut messages = Vec::new();
    let mut authors: Vec<IncomingAuthor> = Vec::new();
    let mut missing: Vec<MissingItem> = Vec::new();
    for item in batch {
        match item {
            IncomingItem::Message(m) => messages.push(m),
            IncomingItem::Author(a) => authors.push(a),
            IncomingItem::Missing(m) => missing.push(m),
        }
    }
    authors.extend(messages.iter().filter_map(|m| m.author.clone()));

    // Resolve authors: one identity per (platform, external id), last description wins.
    let mut wanted: HashMap<(ChannelKind, String), NewIdentity> = HashMap::new();
    for a in authors {
        match to_identity(channel, &a) {
            Ok(new) => {
                wanted.insert((a.platform, a.external_id.clone()), new);
            }
            Err(reason) => report
                .rejected
                .push(format!("author {}: {reason}", a.external_id)),
        }
    }
    let mut keys: Vec<(ChannelKind, String)> = wanted.keys().cloned().collect();
    keys.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    let news: Vec<NewIdentity> = keys.iter().filter_map(|k| wanted.remove(k)).collect();
    let ids = store.upsert_identities(&news).await?;
    for id in &ids {
        if seen_authors.insert(*id) {
            report.authors += 1;
        }
    }
    let identity_of: HashMap<(ChannelKind, String), IdentityId> =
        keys.into_iter().zip(ids).collect();

    // Normalise and enrich; the text analysis runs on every core.
    let analysed = analyse_all(&messages);
    let mut batch = Vec::with_capacity(messages.len());
    for (m, (signals, detected)) in messages.into_iter().zip(analysed) {
        let author_id = m.author.as_ref().and_then(|a| {
            identity_of
                .get(&(a.platform, a.external_id.clone()))
                .copied()
        });
        let new = to_new_message(channel, m, author_id, signals, detected);
        match new.validate() {
            Ok(()) => batch.push(new),
            Err(e) => report.rejected.push(format!("{}: {e}", new.external_id)),
        }
    }
    let upserted = store.upsert_messages(channel.workspace_id, &batch).await?;
    for u in &upserted {
        match u.outcome {
            UpsertOutcome::Created => report.created += 1,
            UpsertOutcome::Edited => report.edited += 1,
            UpsertOutcome::Updated => report.updated += 1,
            UpsertOutcome::Unchanged => report.unchanged += 1,
        }
    }
    if !missing.is_empty() {
        report.missing += store
            .save_missing(channel.workspace_id, channel.id, &missing)
            .await?;
    }
    Ok(upserted)
}

fn to_identity(channel: &Channel, a: &IncomingAuthor) -> Result<NewIdentity, String> {
    let mut new =
        NewIdentity::new(channel.workspace_id, a.platform, &a.handle).map_err(|e| e.to_string())?;
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
        signals: Some(signals),
    }
}

/// Analyses title + text of every message, split across the available cores.
fn analyse_all(messages: &[IncomingMessage]) -> Vec<(Signals, Option<&'static str>)> {
    let text_of = |m: &IncomingMessage| match &m.title {
        Some(title) if !title.is_empty() => format!("{title}\n{}", m.text),
        _ => m.text.clone(),
    };
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
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
