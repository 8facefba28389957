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
//! Bucket sums are small (one row per topic and bucket) and are loaded on the
//! request that misses them. Term and author sums are large (every term and author
//! of the period: ~250k and ~125k rows for a busy topic at 10 million messages),
//! so a miss does not load them: [`Cache::closed_terms`] and
//! [`Cache::closed_authors`] answer `None`, the caller answers from the store's own
//! SQL ranking, and the sums are loaded by a background task — one per key however
//! many requests miss it (single flight), one at a time per process, after the
//! dashboard reads under way have answered (at most [`READS_WAIT`]: at 10 million
//! messages a load run beside the read that missed made that read 50 ms slower),
//! and a failed or cancelled load leaves nothing behind, so the next miss tries
//! again.
//!
//! The answers equal the uncached reads (`tests/listening.rs` compares them with
//! the store's own ranking, on a miss and from the cache, before and after history
//! changes).

use super::alerts::Driver;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tend_domain::{Alert, AlertId, IdentityId, Topic, TopicId, WorkspaceId};
use tend_store::prelude::*;
use tend_store::{StoreError, TopicHour};
use tokio::sync::{Semaphore, watch};

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
    /// An alert as it was when its driver was read (a grown alert is a new key).
    Driver {
        topic: (TopicId, i64, i64),
        alert: AlertId,
        end: i64,
        observed: i64,
    },
}

/// Term sums: messages per term.
pub type TermSums = HashMap<String, i64>;
/// Author sums: messages and engagement per author.
pub type AuthorSums = HashMap<IdentityId, (i64, i64)>;

#[derive(Debug, Clone)]
enum Closed {
    Buckets(Arc<Vec<(TopicId, usize, TopicHour)>>),
    Terms(Arc<TermSums>),
    Authors(Arc<AuthorSums>),
    Driver(Arc<Driver>),
}

type Entry = (WorkspaceId, Key);

#[derive(Debug, Default)]
struct State {
    ready: HashMap<Entry, Closed>,
    /// Keys a background task is loading.
    filling: HashSet<Entry>,
}

#[derive(Debug)]
struct Shared {
    state: Mutex<State>,
    /// Background loads started and not yet finished.
    in_flight: watch::Sender<usize>,
    /// One background load at a time, so loads take at most one connection and
    /// one core from the requests.
    loads: Semaphore,
    /// Dashboard reads under way: a load waits for them (at most [`READS_WAIT`]),
    /// so it does not slow down the read that missed.
    reading: watch::Sender<usize>,
}

/// How long a background load waits for the reads under way to end.
pub const READS_WAIT: Duration = Duration::from_secs(1);

/// Sums over closed days, shared by every dashboard read of a process (cloning
/// shares it).
#[derive(Debug, Clone)]
pub struct Cache {
    shared: Arc<Shared>,
}

impl Default for Cache {
    fn default() -> Cache {
        Cache {
            shared: Arc::new(Shared {
                state: Mutex::default(),
                in_flight: watch::Sender::new(0),
                loads: Semaphore::new(1),
                reading: watch::Sender::new(0),
            }),
        }
    }
}

fn stamp(t: &Topic) -> (TopicId, i64, i64) {
    (t.id, t.revision, t.history_version)
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn put(&self, key: Entry, value: Closed) {
        let mut state = self.state();
        if state.ready.len() >= MAX_ENTRIES {
            state.ready.clear();
        }
        state.ready.insert(key, value);
    }
}

/// A dashboard read under way (see [`Shared::reading`]).
pub(super) struct Reading(Arc<Shared>);

impl Drop for Reading {
    fn drop(&mut self) {
        self.0.reading.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// A background load's claim on its key: dropped (loaded, failed, cancelled or
/// never started), it frees the key and counts the load as finished.
struct Claim {
    shared: Arc<Shared>,
    key: Entry,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.shared.state().filling.remove(&self.key);
        self.shared
            .in_flight
            .send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl Cache {
    fn get(&self, key: &Entry) -> Option<Closed> {
        self.shared.state().ready.get(key).cloned()
    }

    /// Loads `key` with `load` in a background task, unless it is cached or being
    /// loaded already. A failed load is logged and leaves the key free.
    fn fill<F>(&self, key: Entry, load: F)
    where
        F: Future<Output = Result<Closed, StoreError>> + Send + 'static,
    {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        {
            let mut state = self.shared.state();
            if state.ready.contains_key(&key) || !state.filling.insert(key.clone()) {
                return;
            }
        }
        self.shared.in_flight.send_modify(|n| *n += 1);
        let claim = Claim {
            shared: Arc::clone(&self.shared),
            key,
        };
        runtime.spawn(async move {
            let Ok(_permit) = claim.shared.loads.acquire().await else {
                return;
            };
            let mut reads = claim.shared.reading.subscribe();
            let _ = tokio::time::timeout(READS_WAIT, reads.wait_for(|n| *n == 0)).await;
            match load.await {
                Ok(value) => claim.shared.put(claim.key.clone(), value),
                Err(e) => {
                    tracing::warn!(error = %e, "loading a dashboard's closed days failed; retried at the next read");
                }
            }
        });
    }

    /// Counts a dashboard read until the guard is dropped: background loads wait
    /// for the reads under way to end.
    pub(super) fn reading(&self) -> Reading {
        self.shared.reading.send_modify(|n| *n += 1);
        Reading(Arc::clone(&self.shared))
    }

    /// Waits until no background load is running (tests and benches: the next
    /// read of what was missed is then served from the cache).
    pub async fn idle(&self) {
        let mut rx = self.shared.in_flight.subscribe();
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// How many sums are cached.
    pub fn len(&self) -> usize {
        self.shared.state().ready.len()
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
            match self.get(&key) {
                Some(Closed::Buckets(rows)) => out.extend(rows.iter().cloned()),
                _ => {
                    let rows = store.topic_buckets(workspace, &ids, &closed_bounds).await?;
                    out.extend(rows.iter().cloned());
                    self.shared.put(key, Closed::Buckets(Arc::new(rows)));
                }
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

    /// What drives `alert` (of `topic`), read once per state of the alert: its
    /// window is hours of messages, read through the messages' time index, which
    /// would cost every dashboard read a few milliseconds per alert at scale.
    pub async fn driver(
        &self,
        store: &dyn Store,
        workspace: WorkspaceId,
        topic: &Topic,
        alert: &Alert,
    ) -> Result<Arc<Driver>, StoreError> {
        let key = (
            workspace,
            Key::Driver {
                topic: stamp(topic),
                alert: alert.id,
                end: alert.end.as_second(),
                observed: alert.observed,
            },
        );
        if let Some(Closed::Driver(driver)) = self.get(&key) {
            return Ok(driver);
        }
        let driver = Arc::new(super::alerts::driver(store, workspace, alert).await?);
        self.shared.put(key, Closed::Driver(Arc::clone(&driver)));
        Ok(driver)
    }

    /// The sums of the terms of the topic over the closed days of `[from_day,
    /// to_day)` (those before `today`, a UTC day number); `None` when they are not
    /// cached yet, which starts loading them in the background.
    pub fn closed_terms(
        &self,
        store: &Arc<dyn Store>,
        workspace: WorkspaceId,
        topic: &Topic,
        (from_day, to_day): (i64, i64),
        today: i64,
    ) -> Option<Arc<TermSums>> {
        let split = today.clamp(from_day, to_day);
        if split == from_day {
            return Some(Arc::default());
        }
        let key = (
            workspace,
            Key::Terms {
                topic: stamp(topic),
                from_day,
                to_day: split,
            },
        );
        if let Some(Closed::Terms(sums)) = self.get(&key) {
            return Some(sums);
        }
        let (store, id) = (Arc::clone(store), topic.id);
        self.fill(key, async move {
            let rows = store
                .topic_term_counts(workspace, id, from_day, split)
                .await?;
            Ok(Closed::Terms(Arc::new(rows.into_iter().collect())))
        });
        None
    }

    /// The sums of the authors of the topic (messages, engagement) over the closed
    /// days of `[from_day, to_day)`; `None` when they are not cached yet, which
    /// starts loading them in the background.
    pub fn closed_authors(
        &self,
        store: &Arc<dyn Store>,
        workspace: WorkspaceId,
        topic: &Topic,
        (from_day, to_day): (i64, i64),
        today: i64,
    ) -> Option<Arc<AuthorSums>> {
        let split = today.clamp(from_day, to_day);
        if split == from_day {
            return Some(Arc::default());
        }
        let key = (
            workspace,
            Key::Authors {
                topic: stamp(topic),
                from_day,
                to_day: split,
            },
        );
        if let Some(Closed::Authors(sums)) = self.get(&key) {
            return Some(sums);
        }
        let (store, id) = (Arc::clone(store), topic.id);
        self.fill(key, async move {
            let rows = store
                .topic_author_counts(workspace, id, from_day, split)
                .await?;
            Ok(Closed::Authors(Arc::new(
                rows.into_iter().map(|(a, n, e)| (a, (n, e))).collect(),
            )))
        });
        None
    }
}

/// The topic's term sums over the open days of `[from_day, to_day)` (today and
/// after), read from the store.
pub async fn open_terms(
    store: &dyn Store,
    workspace: WorkspaceId,
    topic: TopicId,
    (from_day, to_day): (i64, i64),
    today: i64,
) -> Result<TermSums, StoreError> {
    let split = today.clamp(from_day, to_day);
    if split == to_day {
        return Ok(TermSums::new());
    }
    Ok(store
        .topic_term_counts(workspace, topic, split, to_day)
        .await?
        .into_iter()
        .collect())
}

/// The topic's author sums over the open days of `[from_day, to_day)`.
pub async fn open_authors(
    store: &dyn Store,
    workspace: WorkspaceId,
    topic: TopicId,
    (from_day, to_day): (i64, i64),
    today: i64,
) -> Result<AuthorSums, StoreError> {
    let split = today.clamp(from_day, to_day);
    if split == to_day {
        return Ok(AuthorSums::new());
    }
    Ok(store
        .topic_author_counts(workspace, topic, split, to_day)
        .await?
        .into_iter()
        .map(|(a, n, e)| (a, (n, e)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn key(topic: i64) -> Entry {
        (
            WorkspaceId(1),
            Key::Terms {
                topic: (TopicId(topic), 1, 0),
                from_day: 10,
                to_day: 20,
            },
        )
    }

    fn terms(cache: &Cache, topic: i64) -> Option<Arc<TermSums>> {
        match cache.get(&key(topic)) {
            Some(Closed::Terms(t)) => Some(t),
            _ => None,
        }
    }

    #[tokio::test]
    async fn concurrent_misses_load_a_key_once() {
        let cache = Cache::default();
        let loads = Arc::new(AtomicUsize::new(0));
        let (go, wait) = tokio::sync::oneshot::channel::<()>();
        let counted = Arc::clone(&loads);
        cache.fill(key(1), async move {
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = wait.await;
            Ok(Closed::Terms(Arc::new(TermSums::from([("a".into(), 3)]))))
        });
        for _ in 0..5 {
            let counted = Arc::clone(&loads);
            cache.fill(key(1), async move {
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(Closed::Terms(Arc::default()))
            });
        }
        assert!(terms(&cache, 1).is_none());
        go.send(()).unwrap();
        cache.idle().await;
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        assert_eq!(terms(&cache, 1).unwrap().get("a"), Some(&3));
        // Cached: asking again loads nothing.
        let counted = Arc::clone(&loads);
        cache.fill(key(1), async move {
            counted.fetch_add(1, Ordering::SeqCst);
            Ok(Closed::Terms(Arc::default()))
        });
        cache.idle().await;
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_load_waits_for_the_reads_under_way() {
        let cache = Cache::default();
        let reading = cache.reading();
        let (started, mut seen) = tokio::sync::mpsc::unbounded_channel();
        cache.fill(key(4), async move {
            let _ = started.send(());
            Ok(Closed::Terms(Arc::default()))
        });
        // The runtime has one thread: the load gets it while this test yields.
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert!(seen.try_recv().is_err(), "the load started during a read");
        drop(reading);
        cache.idle().await;
        assert!(seen.try_recv().is_ok());
        assert!(terms(&cache, 4).is_some());
    }

    #[tokio::test]
    async fn a_failed_load_leaves_the_key_free() {
        let cache = Cache::default();
        cache.fill(key(2), async { Err(StoreError::NotFound) });
        cache.idle().await;
        assert!(terms(&cache, 2).is_none());
        assert!(cache.is_empty());
        cache.fill(key(2), async {
            Ok(Closed::Terms(Arc::new(TermSums::from([("b".into(), 1)]))))
        });
        cache.idle().await;
        assert_eq!(terms(&cache, 2).unwrap().get("b"), Some(&1));
    }

    #[test]
    fn a_cancelled_load_leaves_the_key_free() {
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        };
        let cache = Cache::default();
        let first = runtime();
        {
            let _entered = first.enter();
            cache.fill(key(3), std::future::pending());
        }
        assert!(cache.shared.state().filling.contains(&key(3)));
        // The runtime goes away with the load unfinished (a shutdown).
        drop(first);
        assert!(!cache.shared.state().filling.contains(&key(3)));
        assert_eq!(*cache.shared.in_flight.borrow(), 0);
        runtime().block_on(async {
            cache.fill(key(3), async { Ok(Closed::Terms(Arc::default())) });
            cache.idle().await;
        });
        assert!(terms(&cache, 3).is_some());
    }
}
