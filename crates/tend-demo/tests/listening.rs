//! Listening on the demo: its topics, matched by the backfill over the demo
//! history, equal an independent recount and the manifest's own count, and the
//! dashboards' cache of closed days answers what the store answers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::*;

use jiff::ToSpan;
use jiff::tz::TimeZone;
use std::collections::HashMap;
use tend_core::listening::dashboard::{self, Granularity, Period};
use tend_demo as demo;
use tend_domain::*;
use tend_store::prelude::*;

/// Lowercased words: runs of letters, digits and `_` (so `#glimmr` and `@glimmr`
/// give `glimmr`, and `@glimmr_support` does not).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

fn all_words(m: &Message) -> Vec<String> {
    let mut w = m.title.as_deref().map(words).unwrap_or_default();
    w.extend(words(&m.text));
    w
}

/// The volume and sentiment split per topic name, from the hourly rollups.
async fn rollup_totals(store: &dyn Store, ws: WorkspaceId) -> HashMap<String, [i64; 4]> {
    let topics = store.topics(ws).await.unwrap();
    let ids: Vec<TopicId> = topics.iter().map(|t| t.id).collect();
    let hours = store
        .topic_hours(ws, &ids, i64::MIN / 4, i64::MAX / 4)
        .await
        .unwrap();
    let mut out = HashMap::new();
    for t in &topics {
        let mut sum = [0i64; 4];
        for h in hours.iter().filter(|h| h.topic_id == t.id) {
            sum[0] += h.messages;
            sum[1] += h.positive;
            sum[2] += h.neutral;
            sum[3] += h.negative;
        }
        out.insert(t.name.clone(), sum);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_topic_counts_equal_an_independent_recount() {
    let dir = tempfile::tempdir().unwrap();
    let (store, now, installed) = demo_store(&dir).await;
    let ws = installed.workspace.id;
    let topics = store.topics(ws).await.unwrap();
    assert_eq!(topics.len(), demo::topics::TOPICS.len());
    assert!(
        topics
            .iter()
            .all(|t| t.backfill.finished && t.backfill.percent() == 100)
    );
    let messages = history(&*store, ws, None).await;
    assert!(messages.len() > 1_000, "{}", messages.len());
    assert_eq!(topics[0].backfill.total, messages.len() as i64);

    // Plain string logic, not the query language.
    let count = |pred: &dyn Fn(&Message) -> bool| -> [i64; 4] {
        let mut sum = [0i64; 4];
        for m in messages.iter().filter(|m| pred(m)) {
            sum[0] += 1;
            match m.signals.map(|s| s.sentiment_label) {
                Some(SentimentLabel::Positive) => sum[1] += 1,
                Some(SentimentLabel::Negative) => sum[3] += 1,
                _ => sum[2] += 1,
            }
        }
        sum
    };
    let glimmr = count(&|m| all_words(m).iter().any(|w| w == "glimmr"));
    let brand = count(&|m| all_words(m).iter().any(|w| w == "lumora"));
    let nights = count(&|m| {
        let w = all_words(m);
        let text = format!("{} {}", m.title.as_deref().unwrap_or(""), m.text).to_lowercase();
        let hashtag = text.match_indices("#lumoranights").any(|(i, _)| {
            !text[i + "#lumoranights".len()..]
                .starts_with(|c: char| c.is_alphanumeric() || c == '_')
        });
        hashtag || w.windows(2).any(|p| p[0] == "lumora" && p[1] == "nights")
    });
    let totals = rollup_totals(&*store, ws).await;
    assert_eq!(totals["Glimmr"], glimmr, "Glimmr");
    assert_eq!(totals["Lumora"], brand, "Lumora");
    assert_eq!(totals["#LumoraNights"], nights, "#LumoraNights");
    // The generator's own count (the manifest), a second independent recount.
    let truth = installed.manifest.topics;
    assert_eq!(
        totals["Lumora"][0], truth.brand as i64,
        "manifest brand count"
    );
    assert_eq!(
        totals["Glimmr"][0], truth.competitor as i64,
        "manifest competitor count"
    );
    assert_eq!(
        totals["#LumoraNights"][0], truth.campaign as i64,
        "manifest campaign count"
    );
    for (name, sum) in &totals {
        assert!(sum[0] > 0, "{name} matches something in the demo");
    }
    assert!(store.listening_drift(ws).await.unwrap().is_empty());
    // Downvoted Stack Exchange posts have a negative net score; engagement counts
    // interactions, so no topic's engagement ever dips below zero.
    assert!(messages.iter().any(|m| m.engagement.likes < 0));
    let ids: Vec<TopicId> = topics.iter().map(|t| t.id).collect();
    let hours = store.topic_hours(ws, &ids, 0, i64::MAX / 4).await.unwrap();
    assert!(
        hours.iter().all(|h| h.engagement >= 0),
        "negative engagement"
    );

    // The dashboards' cache of closed days answers what the store answers: on a
    // miss (the store's ranking answers while the sums load in the background) and
    // from the cache.
    let cache = dashboard::Cache::default();
    let period = Period::last_days(now, &TimeZone::UTC, 30, Granularity::Day).unwrap();
    let p = period.periods();
    let today = period.today();
    let current_days = (p.mid_day, p.to_day);
    let previous_days = (p.from_day, p.mid_day);
    let same = |topics: Vec<Topic>| {
        let store = store.clone();
        let cache = &cache;
        let period = &period;
        async move {
            for t in &topics {
                let ours = dashboard::term_counts(&store, cache, ws, t, p, today, 2, 400)
                    .await
                    .unwrap();
                assert_eq!(
                    ours,
                    store.topic_terms(ws, t.id, p, 2, 400).await.unwrap(),
                    "{}",
                    t.name
                );
                let ours = dashboard::top_authors(&store, cache, ws, t, p, today, 15)
                    .await
                    .unwrap();
                let theirs = store
                    .topic_authors(ws, t.id, p.mid_day, p.to_day, 15)
                    .await
                    .unwrap();
                assert_eq!(ours, theirs, "{}", t.name);
                let bounds = period.bounds();
                let ours = cache
                    .buckets(&*store, ws, std::slice::from_ref(t), &bounds, today * 24)
                    .await
                    .unwrap();
                assert_eq!(
                    ours,
                    store.topic_buckets(ws, &[t.id], &bounds).await.unwrap()
                );
            }
        }
    };
    // Whether a topic's term and author sums are all cached (asking starts loading
    // what is missing).
    let cached = |t: &Topic| {
        cache
            .closed_terms(&store, ws, t, current_days, today)
            .is_some()
            && cache
                .closed_terms(&store, ws, t, previous_days, today)
                .is_some()
            && cache
                .closed_authors(&store, ws, t, current_days, today)
                .is_some()
    };
    assert!(cache.is_empty());
    same(topics.clone()).await; // misses: answered by the store
    cache.idle().await;
    // Per topic: its buckets (loaded on the request), both periods' terms and the
    // authors (loaded in the background, once each).
    assert_eq!(cache.len(), 4 * topics.len());
    assert!(topics.iter().all(cached));
    same(topics.clone()).await; // now from the cache
    assert_eq!(cache.len(), 4 * topics.len());
    // A change to a closed day (an old message matched late) raises the topic's
    // history version, so the cached sums are not used for it any more.
    let glimmr = topics.iter().find(|t| t.name == "Glimmr").unwrap();
    let late = MessageMatches {
        facts: MatchFacts {
            message_id: MessageId(i64::MAX / 2),
            created_at: now - (3 * 24).hours(),
            author_id: None,
            polarity: 0,
            engagement: 0,
            to_answer: false,
            terms: vec!["zzlate".into(), "zzlate2".into()],
        },
        checked: vec![glimmr.id],
        matched: vec![glimmr.id],
    };
    store
        .record_matches(ws, std::slice::from_ref(&late), None, &[])
        .await
        .unwrap();
    let mut twice = late;
    twice.facts.message_id = MessageId(i64::MAX / 2 + 1);
    store.record_matches(ws, &[twice], None, &[]).await.unwrap();
    let fresh = store.topics(ws).await.unwrap();
    let glimmr_now = fresh.iter().find(|t| t.name == "Glimmr").unwrap();
    assert!(glimmr_now.history_version > glimmr.history_version);
    let stale = dashboard::term_counts(&store, &cache, ws, glimmr, p, today, 2, 400)
        .await
        .unwrap();
    assert!(
        !stale.iter().any(|t| t.term == "zzlate"),
        "the old key still reads the cache"
    );
    // The new key misses: the store answers, with the late terms.
    let current = dashboard::term_counts(&store, &cache, ws, glimmr_now, p, today, 2, 400)
        .await
        .unwrap();
    assert!(current.iter().any(|t| t.term == "zzlate" && t.current == 2));
    same(fresh.clone()).await;
    cache.idle().await;
    // Loaded in the background under the new key, the sums hold the late terms.
    let sums = cache
        .closed_terms(&store, ws, glimmr_now, current_days, today)
        .expect("loaded after the miss");
    assert_eq!(sums.get("zzlate"), Some(&2));
    assert!(fresh.iter().all(cached));
    same(fresh).await; // from the cache
}
