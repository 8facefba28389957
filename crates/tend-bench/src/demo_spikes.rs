//! The spike detector on the demo data: the demo plants one outage (a six-hour
//! flood of complaints on X, recorded in its manifest); after the demo topics are
//! backfilled, the detector runs as `tend serve` runs it, and every alert is either
//! on the planted window or unexplained. `tend eval spikes` prints this next to the
//! synthetic evaluation ([`crate::spikes`]).

use jiff::Timestamp;
use std::fmt;
use tend_core::listening::Listener;
use tend_domain::{AlertKind, Topic, TopicId};
use tend_store::prelude::*;

/// One alert the detector raised on the demo.
#[derive(Debug, Clone)]
pub struct DemoAlert {
    pub topic: String,
    pub kind: AlertKind,
    pub start: Timestamp,
    pub end: Timestamp,
    pub observed: i64,
    pub expected: f64,
    /// Overlaps the planted window.
    pub planted: bool,
    /// Overlaps the #LumoraNights campaign (a real burst of the demo's story).
    pub campaign: bool,
    /// At least half its window's matches are in one conversation (a comment
    /// flood under one video or post: a real burst of the demo's story too).
    pub one_conversation: bool,
}

impl DemoAlert {
    /// A real burst of the demo's story other than the planted outage.
    pub fn explained(&self) -> bool {
        !self.planted && (self.campaign || self.one_conversation)
    }
}

/// What the detector found on the demo.
#[derive(Debug, Clone)]
pub struct DemoSpikeReport {
    pub planted_start: Timestamp,
    pub planted_end: Timestamp,
    pub planted_extra: u64,
    /// Topics whose messages in the planted window include planted ones.
    pub topics_with_planted: Vec<String>,
    /// Of those, the topics with a volume alert on the window.
    pub topics_found: Vec<String>,
    pub alerts: Vec<DemoAlert>,
}

impl DemoSpikeReport {
    /// Volume alerts on the planted window / all volume alerts.
    pub fn precision(&self) -> f64 {
        let volume: Vec<&DemoAlert> = self
            .alerts
            .iter()
            .filter(|a| a.kind == AlertKind::Volume)
            .collect();
        if volume.is_empty() {
            return 0.0;
        }
        volume.iter().filter(|a| a.planted).count() as f64 / volume.len() as f64
    }

    /// Volume alerts on the planted window / volume alerts not explained by the
    /// story's other real bursts (the campaign, one conversation's flood).
    pub fn precision_unexplained(&self) -> f64 {
        let volume: Vec<&DemoAlert> = self
            .alerts
            .iter()
            .filter(|a| a.kind == AlertKind::Volume && !a.explained())
            .collect();
        if volume.is_empty() {
            return 0.0;
        }
        volume.iter().filter(|a| a.planted).count() as f64 / volume.len() as f64
    }

    /// Topics that caught the planted spike / topics that carried it.
    pub fn recall(&self) -> f64 {
        if self.topics_with_planted.is_empty() {
            return 0.0;
        }
        self.topics_found.len() as f64 / self.topics_with_planted.len() as f64
    }
}

impl fmt::Display for DemoSpikeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Demo data: planted outage {} – {} UTC, {} extra messages on X",
            self.planted_start, self.planted_end, self.planted_extra
        )?;
        writeln!(
            f,
            "  topics carrying it: {}; with a volume alert on it: {}",
            self.topics_with_planted.join(", "),
            self.topics_found.join(", ")
        )?;
        for a in &self.alerts {
            writeln!(
                f,
                "  {:<8} {:<14} {} – {}  observed {:>5}  expected {:>7.1}  {}",
                a.kind.as_str(),
                a.topic,
                a.start,
                a.end,
                a.observed,
                a.expected,
                match (a.planted, a.campaign, a.one_conversation) {
                    (true, _, _) => "planted",
                    (false, true, true) => "not planted (campaign; mostly one conversation)",
                    (false, true, false) => "not planted (during the campaign)",
                    (false, false, true) => "not planted (mostly one conversation)",
                    (false, false, false) => "not planted",
                }
            )?;
        }
        writeln!(
            f,
            "  precision (volume alerts) {:.3}   recall (topics) {:.3}",
            self.precision(),
            self.recall()
        )?;
        writeln!(
            f,
            "  precision without the story's other real bursts (campaign, one conversation) {:.3}",
            self.precision_unexplained()
        )
    }
}

/// Installs the demo (seed, scale) into `store`, matches its topics, runs the
/// detector and compares with the planted spike.
pub async fn demo_spikes(
    store: &dyn Store,
    seed: u64,
    scale: f64,
    now: Timestamp,
) -> Result<DemoSpikeReport, Box<dyn std::error::Error + Send + Sync>> {
    let installed = tend_demo::install(store, seed, scale, now, &mut |_| {}).await?;
    let ws = installed.workspace.id;
    let listener = Listener::default();
    listener.catch_up(store).await?;
    listener.alert_if_due(store, now).await?;
    let truth = &installed.manifest.spike;
    let topics: Vec<Topic> = store.topics(ws).await?;
    let name = |id: TopicId| {
        topics
            .iter()
            .find(|t| t.id == id)
            .map_or_else(String::new, |t| t.name.clone())
    };
    let mut alerts: Vec<DemoAlert> = Vec::new();
    for a in store.alerts(ws, Timestamp::MIN, 1_000).await? {
        let driver = tend_core::listening::alerts::driver(store, ws, &a).await?;
        alerts.push(DemoAlert {
            topic: name(a.topic_id),
            kind: a.kind,
            planted: a.start < truth.end && a.end > truth.start,
            campaign: a.start < installed.manifest.brand.campaign_end
                && a.end > installed.manifest.brand.campaign_start,
            one_conversation: driver.one_conversation(),
            start: a.start,
            end: a.end,
            observed: a.observed,
            expected: a.expected,
        });
    }
    // A topic carries the spike if its volume in the window is at least twice the
    // same hours a week earlier.
    let hour = |t: Timestamp| t.as_second().div_euclid(3_600);
    let (from, to) = (hour(truth.start), hour(truth.end));
    let ids: Vec<TopicId> = topics.iter().map(|t| t.id).collect();
    let hours = store.topic_hours(ws, &ids, from - 168, to).await?;
    let mut topics_with_planted = Vec::new();
    let mut topics_found = Vec::new();
    for t in &topics {
        let sum = |a: i64, b: i64| -> i64 {
            hours
                .iter()
                .filter(|h| h.topic_id == t.id && h.hour >= a && h.hour < b)
                .map(|h| h.messages)
                .sum()
        };
        let during = sum(from, to);
        let week_before = sum(from - 168, to - 168);
        if during >= 10 && during >= 2 * week_before.max(1) {
            topics_with_planted.push(t.name.clone());
            if alerts
                .iter()
                .any(|a| a.planted && a.kind == AlertKind::Volume && a.topic == t.name)
            {
                topics_found.push(t.name.clone());
            }
        }
    }
    Ok(DemoSpikeReport {
        planted_start: truth.start,
        planted_end: truth.end,
        planted_extra: truth.extra_messages,
        topics_with_planted,
        topics_found,
        alerts,
    })
}
