//! Spike alerts: the detector of `tend_listen::spike` (hour-of-week baseline; the
//! model is documented there and in `docs/spike-alerts.md`) run over each topic's
//! hourly rollups, recorded in the store, and posted to the workspace's webhook.
//!
//! A topic's whole history is examined once per revision (so a backfill brings its
//! past spikes in, like the demo's outage); after that only the last hours are, at
//! most every [`EVERY`]. Recording is idempotent (a spike is keyed by topic, kind
//! and start, and grows while it lasts), so a restart never sends one twice.

use jiff::Timestamp;
use serde::Serialize;
use std::collections::HashSet;
use std::time::Duration;
use tend_domain::{Alert, AlertKind, MessageId, NewAlert, Topic, TopicId, WorkspaceId};
use tend_listen::spike::{self, HourBucket, SpikeConfig, SpikeKind};
use tend_store::StoreError;
use tend_store::prelude::*;

/// How long the webhook's receiver may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);
/// How often the recent hours are examined.
pub const EVERY: Duration = Duration::from_secs(300);
/// Hours loaded for a recent look: the baseline's weeks of history and a margin.
fn recent_hours() -> i64 {
    (SpikeConfig::default().history_weeks as i64 + 2) * spike::HOURS_PER_WEEK as i64
}

/// The detector's spikes of one topic, as alerts.
pub fn spikes_of(
    topic: TopicId,
    hours: &[tend_store::TopicHour],
    since: Option<i64>,
) -> Vec<NewAlert> {
    let series: Vec<HourBucket> = hours
        .iter()
        .filter(|h| h.topic_id == topic)
        .map(|h| HourBucket {
            hour: h.hour,
            messages: h.messages.max(0) as u64,
            negative: h.negative.max(0) as u64,
        })
        .collect();
    let cfg = SpikeConfig::default();
    let found = match since {
        Some(from) => spike::detect_since(&series, from, &cfg),
        None => spike::detect(&series, &cfg),
    };
    found
        .into_iter()
        .filter_map(|s| {
            Some(NewAlert {
                topic_id: topic,
                kind: match s.kind {
                    SpikeKind::Volume => AlertKind::Volume,
                    SpikeKind::Negative => AlertKind::Negative,
                },
                start: Timestamp::from_second(s.start_hour * 3_600).ok()?,
                end: Timestamp::from_second((s.end_hour + 1) * 3_600).ok()?,
                observed: s.observed.min(i64::MAX as u64) as i64,
                expected: s.expected,
                score: s.score,
            })
        })
        .collect()
}

/// Examines one topic: its whole history when `full`, else the recent hours.
pub async fn examine(
    store: &dyn Store,
    workspace: WorkspaceId,
    topic: &Topic,
    now: Timestamp,
    full: bool,
) -> Result<Vec<Alert>, StoreError> {
    let now_hour = now.as_second().div_euclid(3_600);
    let from = if full {
        now_hour - spike::MAX_SPAN_HOURS
    } else {
        now_hour - recent_hours()
    };
    let hours = store
        .topic_hours(workspace, &[topic.id], from, now_hour + 1)
        .await?;
    let since = (!full).then_some(now_hour - 24);
    let alerts = spikes_of(topic.id, &hours, since);
    if alerts.is_empty() {
        return Ok(Vec::new());
    }
    store.record_alerts(workspace, &alerts).await
}

/// What drives an alert: the topic's matches in its window (the negative ones,
/// for a negative surge) and the conversation with the most of them. A spike that
/// is mostly one conversation (a video's comment flood, one heated thread) asks
/// for a different response than one spread over many (an outage, a campaign).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Driver {
    /// Matches in the window.
    pub total: i64,
    /// The conversation with the most of them.
    pub top: Option<TopThread>,
}

/// Characters of a conversation's first message in [`TopThread::excerpt`].
pub const EXCERPT_CHARS: usize = 280;

/// The conversation with the most matches in an alert's window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopThread {
    /// Its first message (open it in the inbox).
    pub root: MessageId,
    /// Its matches in the window.
    pub messages: i64,
    /// The first message's title, or else its text, shortened.
    pub excerpt: String,
    pub permalink: Option<String>,
}

impl Driver {
    /// At least half the window's matches are in one conversation.
    pub fn one_conversation(&self) -> bool {
        self.top
            .as_ref()
            .is_some_and(|t| self.total > 0 && t.messages * 2 >= self.total)
    }
}

/// What drives `alert` (see [`Driver`]).
pub async fn driver(
    store: &dyn Store,
    workspace: WorkspaceId,
    alert: &Alert,
) -> Result<Driver, StoreError> {
    let negative = alert.kind == AlertKind::Negative;
    let (total, threads) = store
        .topic_threads(
            workspace,
            alert.topic_id,
            (alert.start, alert.end),
            negative,
            1,
        )
        .await?;
    let top = match threads.first() {
        None => None,
        Some(t) => {
            let root = store.message(workspace, t.root).await?;
            let text = root.title.as_deref().unwrap_or(&root.text);
            Some(TopThread {
                root: t.root,
                messages: t.messages,
                excerpt: crate::text::excerpt_within(text, EXCERPT_CHARS),
                permalink: root.permalink,
            })
        }
    };
    Ok(Driver { total, top })
}

/// What the webhook receives (JSON, one POST per alert).
#[derive(Debug, Serialize)]
pub struct WebhookPayload<'a> {
    /// Always `"tend.listening.alert"`.
    pub event: &'static str,
    pub workspace: &'a str,
    pub topic: &'a str,
    pub alert: &'a Alert,
    /// What drives it (absent when it could not be read).
    pub driver: Option<Driver>,
}

/// Posts alerts that have not been delivered to the workspace's webhook, marking
/// each one the receiver accepted (2xx). Returns how many were delivered.
pub async fn deliver(
    store: &dyn Store,
    http: &reqwest::Client,
    workspace: WorkspaceId,
    slug: &str,
    topics: &[Topic],
    alerts: &[Alert],
) -> Result<usize, StoreError> {
    let Some(url) = store.alert_webhook(workspace).await? else {
        return Ok(0);
    };
    let mut delivered = Vec::new();
    for alert in alerts.iter().filter(|a| a.notified_at.is_none()) {
        let topic = topics
            .iter()
            .find(|t| t.id == alert.topic_id)
            .map_or("", |t| t.name.as_str());
        let driver = driver(store, workspace, alert)
            .await
            .inspect_err(|e| tracing::warn!(error = %e, "an alert's driver could not be read"))
            .ok();
        let payload = WebhookPayload {
            event: "tend.listening.alert",
            workspace: slug,
            topic,
            alert,
            driver,
        };
        let body = match serde_json::to_string(&payload) {
            Ok(body) => body,
            Err(error) => {
                tracing::error!(%error, "an alert could not be written as JSON");
                continue;
            }
        };
        match crate::http::post_json(http, &url, body, TIMEOUT).await {
            Ok(()) => delivered.push(alert.id),
            Err(error) => {
                tracing::warn!(%error, "alert webhook failed; retried with the next alert check")
            }
        }
    }
    store.mark_notified(workspace, &delivered).await?;
    Ok(delivered.len())
}

/// Which (topic, revision) had their whole history examined in this process.
#[derive(Default)]
pub(crate) struct Examined {
    pub(crate) full: HashSet<(TopicId, i64)>,
    pub(crate) last_recent: Option<Timestamp>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn driver(total: i64, top: Option<i64>) -> Driver {
        Driver {
            total,
            top: top.map(|messages| TopThread {
                root: MessageId(1),
                messages,
                excerpt: String::new(),
                permalink: None,
            }),
        }
    }

    #[test]
    fn one_conversation_means_at_least_half_the_window() {
        assert!(driver(10, Some(5)).one_conversation());
        assert!(driver(1, Some(1)).one_conversation());
        assert!(!driver(10, Some(4)).one_conversation());
        assert!(!driver(0, None).one_conversation());
        assert!(!driver(0, Some(0)).one_conversation());
    }
}
