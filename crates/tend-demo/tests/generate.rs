//! The demo generator: deterministic per seed, and the data has what the demo
//! promises (channel kinds, window, volume, members on several platforms, questions,
//! topics, heated threads, the planted spike), each recounted here independently of
//! the manifest's own counting.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use jiff::Timestamp;
use std::collections::{BTreeMap, HashSet};
use std::sync::LazyLock;
use tend_demo::{self as demo, Demo};
use tend_domain::{ChannelKind, Direction, IncomingItem, IncomingMessage};

fn anchor() -> Timestamp {
    "2026-11-24T05:00:00Z".parse().unwrap()
}

static FULL: LazyLock<Demo> = LazyLock::new(|| demo::generate(42, anchor(), 1.0).unwrap());

fn messages(d: &Demo) -> impl Iterator<Item = (&demo::DemoChannel, &IncomingMessage)> {
    d.channels.iter().flat_map(|c| {
        c.items.iter().filter_map(move |i| match i {
            IncomingItem::Message(m) => Some((c, m)),
            _ => None,
        })
    })
}

fn full_text(m: &IncomingMessage) -> String {
    match &m.title {
        Some(t) => format!("{t}\n{}", m.text),
        None => m.text.clone(),
    }
}

#[test]
fn the_same_seed_gives_the_same_data_and_another_seed_other_data() {
    let again = demo::generate(42, anchor(), 1.0).unwrap();
    assert_eq!(again.manifest, FULL.manifest);
    assert_eq!(again.manifest.digest, FULL.manifest.digest);
    let items = |d: &Demo| {
        d.channels
            .iter()
            .map(|c| c.items.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        items(&again),
        items(&FULL),
        "the digest covers what is equal"
    );
    let other = demo::generate(43, anchor(), 1.0).unwrap();
    assert_ne!(other.manifest.digest, FULL.manifest.digest);
    assert_ne!(other.manifest.spike.start, FULL.manifest.spike.start);
    let later = demo::generate(42, "2026-11-25T05:00:00Z".parse().unwrap(), 1.0).unwrap();
    assert_ne!(
        later.manifest.digest, FULL.manifest.digest,
        "the anchor is part of the input"
    );
}

#[test]
fn every_message_is_inside_the_window_on_one_of_many_channel_kinds() {
    let d = &*FULL;
    let start = d.manifest.window_start;
    assert_eq!(
        anchor().as_millisecond() - start.as_millisecond(),
        90 * 86_400_000
    );
    let mut kinds = HashSet::new();
    let mut total = 0;
    for (c, m) in messages(d) {
        assert!(
            m.created_at >= start && m.created_at <= anchor(),
            "{} {} at {}",
            c.name,
            m.external_id,
            m.created_at
        );
        if let Some(edited) = m.edited_at {
            assert!(edited >= m.created_at && edited <= anchor());
        }
        kinds.insert(c.kind);
        total += 1;
    }
    assert!(kinds.len() >= 6, "{kinds:?}");
    assert!((10_000..=60_000).contains(&total), "{total} messages");
    assert_eq!(total, d.manifest.messages);
    let fixtures: u64 = d.manifest.channels.iter().map(|c| c.from_fixtures).sum();
    assert!(fixtures > 5_000, "the real fixtures are in: {fixtures}");
    // The brand answers on most channels.
    let answered: HashSet<&str> = messages(d)
        .filter(|(_, m)| m.direction == Direction::Outbound)
        .map(|(c, _)| c.name.as_str())
        .collect();
    assert!(answered.len() >= 8, "{answered:?}");
}

#[test]
fn hundreds_of_members_and_some_on_several_platforms() {
    let d = &*FULL;
    let written: HashSet<(ChannelKind, String)> = d
        .channels
        .iter()
        .flat_map(|c| c.items.iter())
        .filter_map(|i| match i {
            IncomingItem::Message(m) => m.author.as_ref(),
            IncomingItem::Author(a) => Some(a),
            IncomingItem::Missing(_) => None,
        })
        .map(|a| (a.platform, a.external_id.clone()))
        .collect();
    let mut linked = HashSet::new();
    let mut multi = 0;
    for group in &d.links {
        let platforms: HashSet<_> = group.iter().map(|a| a.platform).collect();
        multi += u64::from(platforms.len() > 1);
        for a in group {
            let key = (a.platform, a.external_id.clone());
            assert!(
                written.contains(&key),
                "a linked account wrote something: {key:?}"
            );
            assert!(linked.insert(key), "groups do not overlap");
        }
    }
    let members = written.len() - d.links.iter().map(|g| g.len() - 1).sum::<usize>();
    assert_eq!(members as u64, d.manifest.members);
    assert_eq!(written.len() as u64, d.manifest.identities);
    assert_eq!(multi, d.manifest.multi_platform_members);
    assert!(members >= 200, "{members} members");
    assert!(multi >= 20, "{multi} on several platforms");
}

#[test]
fn many_questions_in_several_languages_and_a_daily_rhythm() {
    let d = &*FULL;
    let (mut questions, mut total) = (0, 0);
    let mut langs: BTreeMap<String, u64> = BTreeMap::new();
    let mut by_hour = [0u64; 24];
    let tz = jiff::tz::TimeZone::get(demo::TIME_ZONE).unwrap();
    for (c, m) in messages(d) {
        total += 1;
        questions += u64::from(tend_nlp::question::is_question(&full_text(m)));
        if let Some(lang) = &m.lang {
            *langs.entry(lang.clone()).or_default() += 1;
        }
        if c.kind != ChannelKind::Stackexchange {
            by_hour[usize::from(m.created_at.to_zoned(tz.clone()).hour().unsigned_abs())] += 1;
        }
    }
    assert!(questions * 10 >= total, "{questions} questions of {total}");
    assert!(
        langs.get("sv").copied().unwrap_or(0) * 20 >= langs.values().sum::<u64>(),
        "{langs:?}"
    );
    for lang in ["en", "de", "es", "fr"] {
        assert!(langs.contains_key(lang), "{lang} missing: {langs:?}");
    }
    let night = by_hour[3] + by_hour[4];
    let evening = by_hour[19] + by_hour[20];
    assert!(evening > 5 * night, "evenings {evening}, nights {night}");
}

#[test]
fn the_brand_competitor_and_campaign_are_counted_as_a_recount_finds_them() {
    let d = &*FULL;
    let mut counts = [0u64; 3];
    for (_, m) in messages(d) {
        let text = full_text(m).to_lowercase();
        let words: HashSet<&str> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .collect();
        let tags: HashSet<&str> = text
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '#'))
            .collect();
        counts[0] += u64::from(words.contains("lumora"));
        counts[1] += u64::from(words.contains("glimmr"));
        counts[2] += u64::from(tags.contains("#lumoranights"));
    }
    let t = d.manifest.topics;
    assert_eq!(counts, [t.brand, t.competitor, t.campaign]);
    assert!(
        t.brand > 1_000 && t.competitor > 100 && t.campaign > 100,
        "{t:?}"
    );
    let campaign = (
        d.manifest.brand.campaign_start,
        d.manifest.brand.campaign_end,
    );
    let outside = messages(d)
        .filter(|(_, m)| m.direction == Direction::Inbound && m.text.contains("#LumoraNights"))
        .filter(|(_, m)| m.created_at < campaign.0)
        .count();
    assert!(
        outside < 10,
        "the campaign starts with the brand's post: {outside} before"
    );
}

#[test]
fn heated_threads_turn_toxic() {
    let d = &*FULL;
    assert!(d.manifest.heated_threads.len() >= 3);
    for (channel, root) in &d.manifest.heated_threads {
        let c = d.channels.iter().find(|c| &c.name == channel).unwrap();
        let replies: Vec<&IncomingMessage> = messages(d)
            .filter(|(cc, m)| cc.name == c.name && m.thread_external_id.as_deref() == Some(root))
            .map(|(_, m)| m)
            .collect();
        let toxic = |part: &[&IncomingMessage]| {
            part.iter()
                .filter(|m| tend_nlp::toxicity::toxicity(&m.text).score >= 0.5)
                .count()
        };
        let n = replies.len();
        assert!(n >= 20, "{channel}: {n} replies");
        let (early, late) = (toxic(&replies[..n * 3 / 10]), toxic(&replies[n * 2 / 3..]));
        // The classifier has a few false positives, so compare shares, not zero.
        assert!(
            late >= 3 && late * 2 > early * 3 + 2,
            "{channel}: {early} toxic early, {late} late"
        );
    }
}

#[test]
fn the_planted_spike_stands_out_from_the_same_hours_of_other_weeks() {
    let d = &*FULL;
    let spike = &d.manifest.spike;
    let c = d.channels.iter().find(|c| c.name == spike.channel).unwrap();
    let hour = 3_600_000;
    let mut per_hour: BTreeMap<i64, u64> = BTreeMap::new();
    for i in &c.items {
        if let IncomingItem::Message(m) = i {
            *per_hour
                .entry(m.created_at.as_millisecond() / hour)
                .or_default() += 1;
        }
    }
    let (start, end) = (
        spike.start.as_millisecond() / hour,
        spike.end.as_millisecond() / hour,
    );
    let (first, last) = (
        d.manifest.window_start.as_millisecond() / hour,
        anchor().as_millisecond() / hour,
    );
    assert_eq!(end - start, 6);
    assert!(start > first + 14 * 24 && end < last - 14 * 24);
    for (i, h) in (start..end).enumerate() {
        let volume = per_hour.get(&h).copied().unwrap_or(0);
        let mut others: Vec<u64> = (first..last)
            .filter(|o| *o != h && (h - o).rem_euclid(7 * 24) == 0)
            .map(|o| per_hour.get(&o).copied().unwrap_or(0))
            .collect();
        others.sort_unstable();
        assert!(others.len() >= 10);
        let median = others[others.len() / 2] as f64;
        assert!(
            volume as f64 >= 3.0 * median.max(1.0),
            "hour {i}: {volume} vs median {median}"
        );
        assert_eq!(spike.total_per_hour[i], volume);
    }
    assert_eq!(
        spike.extra_per_hour.iter().sum::<u64>(),
        spike.extra_messages
    );
    assert!(spike.extra_messages >= 300);
}

/// Issue 15: the demo's reviews carry their stars, from one to five, and nothing
/// else has a rating.
#[test]
fn reviews_carry_stars_and_nothing_else_does() {
    use tend_domain::MessageKind;
    let mut by_stars = BTreeMap::new();
    for (c, m) in messages(&FULL) {
        match (m.kind, m.rating) {
            (MessageKind::Review, Some(r)) => *by_stars.entry(r.tenths()).or_insert(0) += 1,
            (MessageKind::Review, None) => panic!("{} {} has no stars", c.name, m.external_id),
            (_, Some(_)) => panic!("{} {} is rated but no review", c.name, m.external_id),
            (_, None) => {}
        }
    }
    assert_eq!(
        by_stars.keys().copied().collect::<Vec<_>>(),
        [10, 20, 30, 40, 50],
        "{by_stars:?}"
    );
}
