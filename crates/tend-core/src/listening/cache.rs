//! The dashboards' cache of closed days.
//!
//! A 30-day dashboard sums tens of thousands of rollup rows (every term and author
//! of every day), and all but today's are the same at the next read. So the sums
//! over *closed* UTC days (before today) are kept in memory, keyed by what they
//! depend on — the topics, their revisions and `history_version` (raised by the
//! store whenever a verdict changes a day before the day it is written: a backfill,
//! an edit of an old message, a late import), the range, and today's date — and
//! only today's rows are read at each request. A key that stops matching is simply
//! never read again; the map is cleared when it grows past [`MAX_ENTRIES`].
//!
//! The answers equal the uncached reads (`tests/listening.rs` compares them with
//! the store's own ranking, before and after history changes).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tend_domain::{IdentityId, Topic, TopicId, WorkspaceId};
use tend_store::{Store, StoreError, TopicHour};

/// Entries kept before the map is cleared.
pub const MAX_ENTRIES: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Buckets {
        topics: Vec<(TopicId, i64, i64)>,
        bounds: Vec<i64>,
    },
    Terms {
        topic: (TopicId, i64, i64),
        from_day: i64,
        to_day: i64,
    },
    Authors {
        topic: (TopicId, i64, i64),
        from_day: i64,
        to_day: i64,
    },
}

#[derive(Debug)]
enum Closed {
    Buckets(Vec<(TopicId, usize, TopicHour)>),
    Terms(HashMap<String, i64>),
    Authors(HashMap<IdentityId, (i64, i64)>),
}

/// Sums over closed days, shared by every dashboard read of a process.
#[derive(Debug, Default)]
pub struct Cache {
    map: Mutex<HashMap<(WorkspaceId, Key), Arc<Closed>>>,
}

fn stamp(t: &Topic) -> (TopicId, i64, i64) {
    (t.id, t.revision, t.history_version)
}

impl Cache {
    fn get(&self, key: &(WorkspaceId, Key)) -> Option<Arc<Closed>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    fn put(&self, key: (WorkspaceId, Key), value: Closed) -> Arc<Closed> {
        let value = Arc::new(value);
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, Arc::clone(&value));
        value
    }

    /// [`tend_store::ListenStore::topic_buckets`] with the buckets (or parts of buckets) before
    /// `today_hour` (the first hour of today, UTC) served from the cache.
    pub async fn buckets(
        &self,
        store: &dyn Store,
        workspace: WorkspaceId,
        topics: &[Topic],
        bounds: &[i64],
        today_hour: i64,
    ) -> Result<Vec<(TopicId, usize, TopicHour)>, StoreError> {
        let ids: Vec<TopicId> = topics.iter().map(|t| t.id).collect();
        let (Some(&first), Some(&last)) = (bounds.first(), bounds.last()) else {
            return Ok(Vec::new());
        };
        if bounds.len() < 2 || today_hour <= first {
            return store.topic_buckets(workspace, &ids, bounds).await;
        }
        // Bucket j holds today's first hour (or every bucket is closed).
        let j = bounds.partition_point(|b| *b <= today_hour) - 1;
        let mut closed_bounds: Vec<i64> = bounds[..=j].to_vec();
        if today_hour < last && today_hour > bounds[j] {
            closed_bounds.push(today_hour);
        }
        let mut out = Vec::new();
        if closed_bounds.len() >= 2 {
            let key = (
                workspace,
                Key::Buckets {
                    topics: topics.iter().map(stamp).collect(),
                    bounds: closed_bounds.clone(),
                },
            );
            let closed = match self.get(&key) {
                Some(c) => c,
                None => {
                    let rows = store.topic_buckets(workspace, &ids, &closed_bounds).await?;
                    self.put(key, Closed::Buckets(rows))
                }
            };
            if let Closed::Buckets(rows) = &*closed {
                out.extend(rows.iter().cloned());
            }
        }
        if today_hour < last {
            let mut live_bounds = vec![today_hour.max(bounds[j])];
            live_bounds.extend_from_slice(&bounds[j + 1..]);
            for (t, i, h) in store.topic_buckets(workspace, &ids, &live_bounds).await? {
                out.push((t, i + j, h));
            }
        }
        // One row per topic and bucket, as the store gives them: the bucket that
        // holds today's first hour comes in two parts.
        let mut merged: Vec<(TopicId, usize, TopicHour)> = Vec::with_capacity(out.len());
        out.sort_by_key(|(t, i, _)| (*t, *i));
        for (t, i, mut h) in out {
            match merged.last_mut() {
                Some((lt, li, lh)) if *lt == t && *li == i => {
                    lh.messages += h.messages;
                    lh.positive += h.positive;
                    lh.neutral += h.neutral;
                    lh.negative += h.negative;
                    lh.engagement += h.engagement;
                    lh.to_answer += h.to_answer;
                }
                _ => {
                    h.hour = bounds[i];
                    merged.push((t, i, h));
                }
            }
        }
        Ok(merged)
    }

    /// Every term of the topic with its messages in `[from_day, to_day)`, the days
    /// before `today` (UTC day number) from the cache.
    pub async fn term_counts(
        &self,
        store: &dyn Store,
        workspace: WorkspaceId,
        topic: &Topic,
        (from_day, to_day): (i64, i64),
        today: i64,
    ) -> Result<HashMap<String, i64>, StoreError> {
        let split = today.clamp(from_day, to_day);
        let mut counts: HashMap<String, i64> = HashMap::new();
        if split > from_day {
            let key = (
                workspace,
                Key::Terms {
                    topic: stamp(topic),
                    from_day,
                    to_day: split,
                },
            );
            let closed = match self.get(&key) {
                Some(c) => c,
                None => {
                    let rows = store
                        .topic_term_counts(workspace, topic.id, from_day, split)
                        .await?;
                    self.put(key, Closed::Terms(rows.into_iter().collect()))
                }
            };
            if let Closed::Terms(map) = &*closed {
                counts.clone_from(map);
            }
        }
        if to_day > split {
            for (term, n) in store
                .topic_term_counts(workspace, topic.id, split, to_day)
                .await?
            {
                *counts.entry(term).or_default() += n;
            }
        }
        Ok(counts)
    }

    /// Every author of the topic with messages and engagement in `[from_day,
    /// to_day)`, the days before `today` from the cache.
    pub async fn author_counts(
        &self,
        store: &dyn Store,
        workspace: WorkspaceId,
        topic: &Topic,
        (from_day, to_day): (i64, i64),
        today: i64,
    ) -> Result<HashMap<IdentityId, (i64, i64)>, StoreError> {
        let split = today.clamp(from_day, to_day);
        let mut counts: HashMap<IdentityId, (i64, i64)> = HashMap::new();
        if split > from_day {
            let key = (
                workspace,
                Key::Authors {
                    topic: stamp(topic),
                    from_day,
                    to_day: split,
                },
            );
            let closed = match self.get(&key) {
                Some(c) => c,
                None => {
                    let rows = store
                        .topic_author_counts(workspace, topic.id, from_day, split)
                        .await?;
                    self.put(
                        key,
                        Closed::Authors(rows.into_iter().map(|(a, n, e)| (a, (n, e))).collect()),
                    )
                }
            };
            if let Closed::Authors(map) = &*closed {
                counts.clone_from(map);
            }
        }
        if to_day > split {
            for (a, n, e) in store
                .topic_author_counts(workspace, topic.id, split, to_day)
                .await?
            {
                let c = counts.entry(a).or_default();
                c.0 += n;
                c.1 += e;
            }
        }
        Ok(counts)
    }
}
