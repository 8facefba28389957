//! Counting the ground truth from the generated items: messages per channel and
//! direction, identities, topic mentions (whole words, case-insensitive), the
//! manifest as a whole, and its digest.

use super::manifest::{
    BrandTruth, ChannelTruth, DemoManifest, GENERATOR_VERSION, SpikeTruth, TopicTruth,
};
use jiff::Timestamp;
use std::collections::{BTreeMap, HashSet};
use tend_domain::{ChannelKind, Direction, IncomingItem};

/// The messages among `items`.
pub fn messages(items: &[IncomingItem]) -> impl Iterator<Item = &tend_domain::IncomingMessage> {
    items.iter().filter_map(|i| match i {
        IncomingItem::Message(m) => Some(m),
        _ => None,
    })
}

/// Counts one channel.
pub fn channel_truth(
    name: &str,
    kind: ChannelKind,
    items: &[IncomingItem],
    from_fixtures: u64,
) -> ChannelTruth {
    let (mut inbound, mut outbound) = (0, 0);
    for m in messages(items) {
        match m.direction {
            Direction::Inbound => inbound += 1,
            Direction::Outbound => outbound += 1,
        }
    }
    ChannelTruth {
        name: name.to_owned(),
        kind,
        messages: inbound + outbound,
        inbound,
        outbound,
        from_fixtures,
    }
}

/// Counts topic mentions over all messages.
pub fn topic_truth<'a>(
    all: impl Iterator<Item = &'a tend_domain::IncomingMessage>,
    brand: &str,
    competitor: &str,
    hashtag: &str,
) -> TopicTruth {
    let mut t = TopicTruth::default();
    for m in all {
        let text = match &m.title {
            Some(title) => format!("{title}\n{}", m.text).to_lowercase(),
            None => m.text.to_lowercase(),
        };
        t.brand += u64::from(has_word(&text, &brand.to_lowercase()));
        t.competitor += u64::from(has_word(&text, &competitor.to_lowercase()));
        t.campaign += u64::from(has_word(&text, &hashtag.to_lowercase()));
    }
    t
}

/// Whether `word` occurs in `text` with no letter, digit or `_` right before or after.
pub fn has_word(text: &str, word: &str) -> bool {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// Distinct (platform, external id) of every author and described user.
pub fn identities<'a>(
    items: impl Iterator<Item = &'a IncomingItem>,
) -> HashSet<(ChannelKind, String)> {
    items
        .filter_map(|i| match i {
            IncomingItem::Message(m) => m.author.as_ref(),
            IncomingItem::Author(a) => Some(a),
            IncomingItem::Missing(_) => None,
        })
        .map(|a| (a.platform, a.external_id.clone()))
        .collect()
}

/// FNV-1a 64 over bytes, continuing from `hash`.
pub fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// FNV-1a's starting value.
pub const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// Counts the ground truth of generated channels.
#[allow(clippy::too_many_arguments)]
pub fn build(
    seed: u64,
    scale: f64,
    anchor: Timestamp,
    window_start: Timestamp,
    campaign: (i64, i64),
    channels: &[super::DemoChannel],
    from_fixtures: &[u64],
    links: &[Vec<tend_domain::IncomingAuthor>],
    spike: SpikeTruth,
    heated_threads: Vec<(String, String)>,
) -> Result<DemoManifest, super::DemoError> {
    use super::vocab::{BRAND, CAMPAIGN_HASHTAG, COMPETITOR, PRODUCTS};
    let truths: Vec<ChannelTruth> = channels
        .iter()
        .zip(from_fixtures.iter().copied().chain(std::iter::repeat(0)))
        .map(|(c, f)| channel_truth(&c.name, c.kind, &c.items, f))
        .collect();
    let identities = identities(channels.iter().flat_map(|c| c.items.iter())).len() as u64;
    let merged: u64 = links.iter().map(|l| l.len().saturating_sub(1) as u64).sum();
    let multi = links
        .iter()
        .filter(|l| l.iter().map(|a| a.platform).collect::<HashSet<_>>().len() > 1)
        .count() as u64;
    let topics = topic_truth(
        channels.iter().flat_map(|c| messages(&c.items)),
        BRAND,
        COMPETITOR,
        CAMPAIGN_HASHTAG,
    );
    let mut hash = FNV_OFFSET;
    for c in channels {
        hash = fnv1a(hash, c.name.as_bytes());
        for item in &c.items {
            hash = fnv1a(hash, &serde_json::to_vec(item)?);
        }
        let plan: BTreeMap<&String, &super::Triage> = c.triage.iter().collect();
        hash = fnv1a(hash, &serde_json::to_vec(&plan)?);
    }
    hash = fnv1a(hash, &serde_json::to_vec(links)?);
    Ok(DemoManifest {
        generator: GENERATOR_VERSION,
        seed,
        scale,
        anchor,
        window_start,
        time_zone: super::TIME_ZONE.to_owned(),
        complete: false,
        brand: BrandTruth {
            name: BRAND.to_owned(),
            products: PRODUCTS.iter().map(|p| (*p).to_owned()).collect(),
            competitor: COMPETITOR.to_owned(),
            campaign_hashtag: CAMPAIGN_HASHTAG.to_owned(),
            campaign_start: super::ts(campaign.0),
            campaign_end: super::ts(campaign.1),
        },
        messages: truths.iter().map(|t| t.messages).sum(),
        channels: truths,
        identities,
        members: identities.saturating_sub(merged),
        multi_platform_members: multi,
        topics,
        spike,
        heated_threads,
        digest: format!("{hash:016x}"),
    })
}
