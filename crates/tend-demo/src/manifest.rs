//! The demo's ground truth: what was generated, counted from the items themselves
//! (messages per channel, members, topic mentions) and what was planted (the spike's
//! exact window and volume, the heated threads). Stored as JSON with the workspace
//! so later features can measure themselves against it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tend_domain::{ChannelKind, IncomingItem};

/// Bumped whenever the generator's output for a seed changes.
pub const GENERATOR_VERSION: u32 = 1;

/// Everything a later feature needs to know about the demo data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoManifest {
    /// The generator's version.
    pub generator: u32,
    /// The seed.
    pub seed: u64,
    /// Size relative to the full demo (1.0 = full).
    pub scale: f64,
    /// The end of the window (the hour the demo was first created).
    pub anchor: Timestamp,
    /// The start of the window (`anchor` minus 90 days).
    pub window_start: Timestamp,
    /// The workspace's time zone (the rhythm follows its local hours).
    pub time_zone: String,
    /// True once every step (messages, members, inbox states) is stored.
    pub complete: bool,
    /// The brand, competitor and campaign.
    pub brand: BrandTruth,
    /// One entry per channel, in creation order.
    pub channels: Vec<ChannelTruth>,
    /// Messages in all channels.
    pub messages: u64,
    /// Distinct identities (platform, external id) that wrote or were described.
    pub identities: u64,
    /// Members once linked identities are merged.
    pub members: u64,
    /// Members with identities on more than one platform.
    pub multi_platform_members: u64,
    /// Messages mentioning the brand, competitor and campaign (see [`TopicTruth`]).
    pub topics: TopicTruth,
    /// The planted spike.
    pub spike: SpikeTruth,
    /// The heated threads (channel name and root external id).
    pub heated_threads: Vec<(String, String)>,
    /// FNV-1a 64 of every channel's items as JSON: equal digests, equal data.
    pub digest: String,
}

/// The brand's world.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrandTruth {
    /// Brand name.
    pub name: String,
    /// Product names.
    pub products: Vec<String>,
    /// The competitor.
    pub competitor: String,
    /// The campaign hashtag.
    pub campaign_hashtag: String,
    /// When the campaign started.
    pub campaign_start: Timestamp,
    /// When it ended.
    pub campaign_end: Timestamp,
}

/// One channel's contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChannelTruth {
    /// Display name.
    pub name: String,
    /// Kind.
    pub kind: ChannelKind,
    /// Messages.
    pub messages: u64,
    /// Inbound messages.
    pub inbound: u64,
    /// Outbound messages (the brand's).
    pub outbound: u64,
    /// Messages taken from the real fixtures (the rest are generated).
    pub from_fixtures: u64,
}

/// Messages (title + text) that mention a topic, counted case-insensitively:
/// `brand` and `competitor` as whole words (`@lumora` and `Lumora Hub` count,
/// `#LumoraNights` alone does not), `campaign` as the hashtag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TopicTruth {
    /// Messages naming the brand.
    pub brand: u64,
    /// Messages naming the competitor.
    pub competitor: u64,
    /// Messages carrying the campaign hashtag.
    pub campaign: u64,
}

/// The planted spike: its channel, window and volume.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpikeTruth {
    /// The channel's name.
    pub channel: String,
    /// Start (on an hour).
    pub start: Timestamp,
    /// End (exclusive).
    pub end: Timestamp,
    /// Inbound messages planted on top of the channel's usual traffic.
    pub extra_messages: u64,
    /// Planted messages per hour of the window.
    pub extra_per_hour: Vec<u64>,
    /// The brand's status posts inside the window (not counted as extra).
    pub brand_posts: u64,
    /// All messages of the channel per hour of the window, once generated.
    pub total_per_hour: Vec<u64>,
    /// The median count of the same hour of the week in the other weeks of the window.
    pub baseline_median_per_hour: Vec<f64>,
}

impl SpikeTruth {
    /// A spike before the channel's totals are counted.
    pub fn new(
        channel: &str,
        start: Timestamp,
        end: Timestamp,
        extra: u64,
        per_hour: Vec<u64>,
        brand_posts: u64,
    ) -> SpikeTruth {
        SpikeTruth {
            channel: channel.to_owned(),
            start,
            end,
            extra_messages: extra,
            extra_per_hour: per_hour,
            brand_posts,
            total_per_hour: Vec::new(),
            baseline_median_per_hour: Vec::new(),
        }
    }

    /// Counts the channel's messages per hour of the spike and the same hours of the
    /// other weeks inside `[window_start, anchor)`.
    pub fn measure(&mut self, items: &[IncomingItem], window_start: Timestamp, anchor: Timestamp) {
        let hour_ms = 3_600_000;
        let week_ms = 7 * 24 * hour_ms;
        let mut per_hour: BTreeMap<i64, u64> = BTreeMap::new();
        for m in super::count::messages(items) {
            let ms = m.created_at.as_millisecond();
            *per_hour
                .entry(ms.div_euclid(hour_ms) * hour_ms)
                .or_default() += 1;
        }
        let count = |h: i64| per_hour.get(&h).copied().unwrap_or(0);
        let (from, to) = (window_start.as_millisecond(), anchor.as_millisecond());
        self.total_per_hour.clear();
        self.baseline_median_per_hour.clear();
        let mut h = self.start.as_millisecond();
        while h < self.end.as_millisecond() {
            self.total_per_hour.push(count(h));
            let mut others: Vec<u64> = (-13..=13)
                .filter(|k| *k != 0)
                .map(|k| h + k * week_ms)
                .filter(|o| *o >= from && *o + hour_ms <= to)
                .map(count)
                .collect();
            others.sort_unstable();
            self.baseline_median_per_hour.push(median(&others));
            h += hour_ms;
        }
    }
}

fn median(sorted: &[u64]) -> f64 {
    match sorted.len() {
        0 => 0.0,
        n if n % 2 == 1 => sorted[n / 2] as f64,
        n => (sorted[n / 2 - 1] + sorted[n / 2]) as f64 / 2.0,
    }
}
