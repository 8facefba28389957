//! Listening use cases: topics (validated named queries), matching every new or
//! changed message against the workspace's topics (following the event log by
//! cursor, like moderation), the backfill of a new or changed topic over stored
//! history with progress, spike alerts and the dashboards' figures.
//!
//! **What a message looks like to a topic** (`tend-listen`'s `Document`): its title
//! and text, the author's handle and display name, the channel kind's stable name,
//! its language, its sentiment label (a teammate's correction wins, and a
//! correction re-judges the message), and the hashtags, mentions and links
//! `tend-nlp` extracts with twitter-text's rules, plus the message's own address
//! for `site:` and `url:`.
//!
//! **People to answer:** an inbound question whose author is not a member of the
//! community yet, i.e. whose member profile has no identity in a community space
//! (forum, chat or Q&A site: `tend_store::COMMUNITY_PLATFORMS`).

pub mod alerts;
pub mod cache;
pub mod dashboard;
pub mod terms;
pub mod topics;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tend_domain::{
    Channel, ChannelId, ChannelKind, ConversationChange, Direction, EventPayload, Identity,
    IdentityId, LogEvent, MatchFacts, Message, MessageId, MessageMatches, MessagesChanged,
    NewTopic, SentimentLabel, Topic, TopicId, UserId, WorkspaceId,
};
use tend_listen::{Document, QueryError, TopicSet};
use tend_store::prelude::*;
use tend_store::{BackfillStep, StoreError};

/// The name of the listening consumer's cursor in the event log.
pub const CONSUMER: &str = "listening";

/// Messages per backfill step (one transaction each).
pub const BACKFILL_STEP: u32 = 500;

/// Why listening could not do something.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The query does not parse; the error carries the column.
    #[error("query: {0}")]
    Query(QueryError),
}

/// Every channel kind's stable name: what `channel:` accepts.
fn channel_names() -> Vec<&'static str> {
    ChannelKind::ALL.iter().map(|k| k.as_str()).collect()
}

/// Parses a query as the listener will, so a typo in `channel:` is an error.
pub fn check_query(query: &str) -> Result<tend_listen::Query, QueryError> {
    let names = channel_names();
    tend_listen::Query::parse_with(query, &tend_listen::ParseOptions { channels: &names })
}

/// Creates a topic after checking its query; the backfill starts on its own.
pub async fn create_topic(
    store: &dyn Store,
    workspace: WorkspaceId,
    new: &NewTopic,
    by: Option<UserId>,
) -> Result<Topic, ListenError> {
    check_query(&new.query).map_err(ListenError::Query)?;
    Ok(store.create_topic(workspace, new, by).await?)
}

/// Changes a topic after checking its query; a changed query restarts the backfill.
pub async fn update_topic(
    store: &dyn Store,
    workspace: WorkspaceId,
    id: TopicId,
    new: &NewTopic,
) -> Result<Topic, ListenError> {
    check_query(&new.query).map_err(ListenError::Query)?;
    Ok(store.update_topic(workspace, id, new).await?)
}

/// A workspace's topics compiled once per set of (id, revision).
struct Compiled {
    key: Vec<(TopicId, i64)>,
    set: Arc<TopicSet<TopicId>>,
}

/// Matches messages against topics: live (event log) and backfill.
pub struct Listener {
    compiled: Mutex<HashMap<WorkspaceId, Compiled>>,
    examined: tokio::sync::Mutex<alerts::Examined>,
    /// For the alert webhook; `None` if no client could be built (logged once).
    http: Option<reqwest::Client>,
}

impl Default for Listener {
    fn default() -> Self {
        let http = crate::http::client()
            .inspect_err(
                |e| tracing::error!(error = %e, "no HTTP client: alert webhooks stay unsent"),
            )
            .ok();
        Listener {
            compiled: Mutex::default(),
            examined: tokio::sync::Mutex::default(),
            http,
        }
    }
}

/// The authors, channels and community membership matching needs.
struct Context {
    authors: HashMap<IdentityId, Identity>,
    channels: HashMap<ChannelId, Channel>,
    members: HashSet<IdentityId>,
}

impl Context {
    async fn load(
        store: &dyn Store,
        workspace: WorkspaceId,
        messages: &[Message],
    ) -> Result<Context, StoreError> {
        let mut ids: Vec<IdentityId> = messages.iter().filter_map(|m| m.author_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let authors = store
            .identities(workspace, &ids)
            .await?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let askers: Vec<IdentityId> = messages
            .iter()
            .filter(|m| asks(m))
            .filter_map(|m| m.author_id)
            .collect();
        let members = if askers.is_empty() {
            HashSet::new()
        } else {
            store.community_members(workspace, &askers).await?
        };
        let channels = store
            .channels(workspace)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        Ok(Context {
            authors,
            channels,
            members,
        })
    }
}

/// The message-id lists of an event whose messages must be judged again: stored
/// ones (created, edited, re-scored) and sentiment corrections, which change the
/// label `sentiment:` filters on and the polarity the rollups count.
fn rejudged(event: &LogEvent) -> Vec<&[MessageId]> {
    match &event.payload {
        EventPayload::MessagesStored(stored) => {
            vec![&stored.created, &stored.edited, &stored.updated]
        }
        EventPayload::MessagesChanged(MessagesChanged {
            messages,
            change: ConversationChange::Sentiment { .. },
            ..
        }) => vec![messages],
        _ => vec![],
    }
}

fn asks(m: &Message) -> bool {
    m.direction == Direction::Inbound && m.signals.is_some_and(|s| s.question)
}

/// The listening facts of a message and the topics of `set` it matches.
fn judge(set: &TopicSet<TopicId>, m: &Message, ctx: &Context) -> (MatchFacts, Vec<TopicId>) {
    let author = m.author_id.and_then(|a| ctx.authors.get(&a));
    let channel = ctx
        .channels
        .get(&m.channel_id)
        .map_or("", |c| c.kind.as_str());
    let mut entities = tend_nlp::entities::extract(&m.text);
    if let Some(title) = &m.title {
        let more = tend_nlp::entities::extract(title);
        entities.hashtags.extend(more.hashtags);
        entities.mentions.extend(more.mentions);
        entities.urls.extend(more.urls);
    }
    let mut urls: Vec<&str> = entities.urls.iter().map(|e| e.text.as_str()).collect();
    if let Some(permalink) = &m.permalink {
        urls.push(permalink);
    }
    let hashtags: Vec<&str> = entities.hashtags.iter().map(|e| e.text.as_str()).collect();
    let mentions: Vec<&str> = entities.mentions.iter().map(|e| e.text.as_str()).collect();
    // A teammate's correction wins over the computed label, as in the inbox.
    let label = m.sentiment_label();
    let doc = Document {
        text: &m.text,
        title: m.title.as_deref(),
        author: author.map_or("", |a| a.handle.as_str()),
        author_name: author.and_then(|a| a.display_name.as_deref()),
        channel,
        lang: m.lang.as_deref(),
        sentiment: label.map(|l| match l {
            SentimentLabel::Positive => tend_listen::Sentiment::Positive,
            SentimentLabel::Negative => tend_listen::Sentiment::Negative,
            SentimentLabel::Neutral => tend_listen::Sentiment::Neutral,
        }),
        urls: &urls,
        hashtags: &hashtags,
        mentions: &mentions,
    };
    let matched = set
        .matches(&doc)
        .into_iter()
        .filter_map(|i| set.id(i).copied())
        .collect();
    let facts = MatchFacts {
        message_id: m.id,
        created_at: m.created_at,
        author_id: m.author_id,
        polarity: match label {
            Some(SentimentLabel::Positive) => 1,
            Some(SentimentLabel::Negative) => -1,
            _ => 0,
        },
        engagement: m.engagement.interactions(),
        to_answer: asks(m) && m.author_id.is_some_and(|a| !ctx.members.contains(&a)),
        terms: terms::terms(m.title.as_deref(), &m.text, &hashtags),
    };
    (facts, matched)
}

impl Listener {
    /// The workspace's topics, compiled (cached until a topic is added, removed or
    /// its query changes). A stored query that no longer parses is left out with
    /// a warning rather than stopping the others.
    async fn compiled(
        &self,
        store: &dyn Store,
        workspace: WorkspaceId,
    ) -> Result<Arc<TopicSet<TopicId>>, StoreError> {
        let topics = store.topics(workspace).await?;
        let key: Vec<(TopicId, i64)> = topics.iter().map(|t| (t.id, t.revision)).collect();
        let mut cache = self
            .compiled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = cache.get(&workspace)
            && c.key == key
        {
            return Ok(Arc::clone(&c.set));
        }
        let mut parsed = Vec::with_capacity(topics.len());
        for t in &topics {
            match check_query(&t.query) {
                Ok(q) => parsed.push((t.id, q)),
                Err(e) => {
                    tracing::warn!(topic = %t.id, error = %e, "topic query does not parse; skipped")
                }
            }
        }
        let set = Arc::new(TopicSet::new(parsed));
        cache.insert(
            workspace,
            Compiled {
                key,
                set: Arc::clone(&set),
            },
        );
        Ok(set)
    }

    /// Follows the event log from the listening cursor: matches every message a
    /// `messages.stored` event created, edited or updated against all of its
    /// workspace's topics, and records the verdicts with the new cursor in one
    /// transaction. Returns how many messages were looked at (at least 1 while
    /// events remain); call it until it returns 0 to catch up.
    pub async fn run_once(&self, store: &dyn Store) -> Result<usize, ListenError> {
        let cursor = store.consumer_cursor(CONSUMER).await?;
        let events = store.events_after(None, cursor, 200).await?;
        let Some(last) = events.last().map(|e| e.id) else {
            return Ok(0);
        };
        let mut work: BTreeMap<WorkspaceId, Vec<MessageId>> = BTreeMap::new();
        for event in &events {
            let list = work.entry(event.workspace_id).or_default();
            for ids in rejudged(event) {
                list.extend_from_slice(ids);
            }
        }
        let mut looked_at = 0;
        let mut pending: Vec<(WorkspaceId, Vec<MessageMatches>)> = Vec::new();
        for (workspace, mut ids) in work {
            ids.sort_unstable();
            ids.dedup();
            let set = self.compiled(store, workspace).await?;
            if set.is_empty() || ids.is_empty() {
                continue;
            }
            let checked: Vec<TopicId> = (0..set.len()).filter_map(|i| set.id(i).copied()).collect();
            let messages = store.messages(workspace, &ids).await?;
            looked_at += messages.len();
            pending.push((
                workspace,
                verdicts(store, workspace, &set, &checked, &messages).await?,
            ));
        }
        let count = pending.len();
        if count == 0 {
            store.set_consumer_cursor(CONSUMER, last).await?;
        }
        for (k, (workspace, verdicts)) in pending.into_iter().enumerate() {
            let cursor = (k + 1 == count).then_some((CONSUMER, last));
            store
                .record_matches(workspace, &verdicts, cursor, &[])
                .await?;
        }
        Ok(looked_at.max(1))
    }

    /// One step of the oldest unfinished backfill, together with every other
    /// backfill of the same workspace at the same place (topics created together
    /// share their history): matches the next [`BACKFILL_STEP`] stored messages
    /// against those topics and records them with the progress. Returns how many
    /// messages were looked at (0 when no backfill is left).
    pub async fn backfill_once(&self, store: &dyn Store) -> Result<usize, ListenError> {
        let all = store.backfills().await?;
        let Some(&(workspace, first)) = all.first() else {
            return Ok(0);
        };
        let together: Vec<_> = all
            .iter()
            .filter(|(w, c)| *w == workspace && c.after == first.after && c.upto == first.upto)
            .map(|(_, c)| *c)
            .collect();
        let messages = store
            .backfill_messages(workspace, first.after, first.upto, BACKFILL_STEP)
            .await?;
        let after = messages.last().map_or(first.upto, |m| m.id);
        let mut parsed = Vec::new();
        let mut steps = Vec::new();
        for c in &together {
            let topic = store.topic(workspace, c.topic).await?;
            if topic.revision != c.revision {
                continue;
            }
            match check_query(&topic.query) {
                Ok(query) => parsed.push((topic.id, query)),
                Err(e) => {
                    tracing::warn!(topic = %topic.id, error = %e, "topic query does not parse; nothing matched");
                }
            }
            steps.push(BackfillStep {
                topic: topic.id,
                revision: c.revision,
                after,
                looked_at: messages.len() as i64,
            });
        }
        let checked: Vec<TopicId> = parsed.iter().map(|(id, _)| *id).collect();
        let set = TopicSet::new(parsed);
        let verdicts = verdicts(store, workspace, &set, &checked, &messages).await?;
        store
            .record_matches(workspace, &verdicts, None, &steps)
            .await?;
        Ok(messages.len().max(1))
    }

    /// Looks for spikes: every topic whose backfill has finished gets its whole
    /// history examined once per revision; the recent hours of all topics are
    /// examined at most every [`alerts::EVERY`]. New or grown alerts go to the
    /// workspace's webhook. Returns how many alerts were recorded or changed.
    pub async fn alert_if_due(
        &self,
        store: &dyn Store,
        now: jiff::Timestamp,
    ) -> Result<usize, ListenError> {
        let mut examined = self.examined.lock().await;
        let recent_due = examined
            .last_recent
            .is_none_or(|t| now.duration_since(t).unsigned_abs() >= alerts::EVERY);
        let mut count = 0;
        for ws in store.list_workspaces().await? {
            let topics = store.topics(ws.id).await?;
            let mut found = Vec::new();
            for t in topics.iter().filter(|t| t.backfill.finished) {
                let full = examined.full.insert((t.id, t.revision));
                if full || recent_due {
                    found.extend(alerts::examine(store, ws.id, t, now, full).await?);
                }
            }
            count += found.len();
            if let (false, Some(http)) = (found.is_empty(), &self.http) {
                alerts::deliver(store, http, ws.id, ws.slug.as_str(), &topics, &found).await?;
            }
        }
        if recent_due {
            examined.last_recent = Some(now);
        }
        Ok(count)
    }

    /// Catches up: live events first, then backfills, until nothing is left.
    pub async fn catch_up(&self, store: &dyn Store) -> Result<(), ListenError> {
        while self.run_once(store).await? > 0 {}
        while self.backfill_once(store).await? > 0 {}
        Ok(())
    }
}

async fn verdicts(
    store: &dyn Store,
    workspace: WorkspaceId,
    set: &TopicSet<TopicId>,
    checked: &[TopicId],
    messages: &[Message],
) -> Result<Vec<MessageMatches>, StoreError> {
    let ctx = Context::load(store, workspace, messages).await?;
    Ok(messages
        .iter()
        .map(|m| {
            let (facts, matched) = judge(set, m, &ctx);
            MessageMatches {
                facts,
                checked: checked.to_vec(),
                matched,
            }
        })
        .collect())
}
