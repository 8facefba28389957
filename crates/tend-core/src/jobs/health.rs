//! Is background work getting done? [`WorkerHealth`] is this process's view (are
//! its claim loops alive, can they reach the database); [`health_report`] adds
//! what the store knows across processes (failing schedules, dead letters,
//! overdue jobs). `/healthz` says `degraded` with these reasons.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tend_store::StoreError;
use tend_store::prelude::*;

/// A recurring job counts as failing after this many failures in a row.
pub const FAILING_AFTER: i64 = 2;
/// A queued job this long past its time means no worker is running it.
pub const OVERDUE_AFTER: SignedDuration = SignedDuration::from_secs(120);
/// How long a new worker may take to start its loops before it counts as down.
const STARTING: std::time::Duration = std::time::Duration::from_secs(30);
/// A loop's error is reported for this long.
const RECENT_ERROR: SignedDuration = SignedDuration::from_secs(30);

/// This process's worker: how many claim loops should run and do, and the
/// last error a loop met (not a job's: the loop's own, e.g. the database).
#[derive(Debug, Clone)]
pub struct WorkerHealth {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    expected: usize,
    /// When the worker was created: loops get [`STARTING`] to come up.
    created: std::time::Instant,
    /// Whether a loop ever started.
    started: std::sync::atomic::AtomicBool,
    running: AtomicUsize,
    last_error: Mutex<Option<(Timestamp, String)>>,
}

/// Counts a loop as running until dropped (also when the loop panics).
#[derive(Debug)]
pub struct Alive(Arc<Inner>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

impl WorkerHealth {
    /// A worker that should run `expected` loops (none started yet).
    pub fn new(expected: usize) -> WorkerHealth {
        WorkerHealth {
            inner: Arc::new(Inner {
                expected: expected.max(1),
                created: std::time::Instant::now(),
                started: std::sync::atomic::AtomicBool::new(false),
                running: AtomicUsize::new(0),
                last_error: Mutex::new(None),
            }),
        }
    }

    /// A loop starts; it counts until the guard is dropped.
    pub fn loop_started(&self) -> Alive {
        self.inner.running.fetch_add(1, Ordering::SeqCst);
        self.inner.started.store(true, Ordering::SeqCst);
        Alive(Arc::clone(&self.inner))
    }

    /// A loop met an error of its own.
    pub fn loop_error(&self, at: Timestamp, error: &dyn std::fmt::Display) {
        *self
            .inner
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some((at, error.to_string()));
    }

    /// Whether the worker is still starting (no loop yet, and not for long).
    pub fn starting(&self) -> bool {
        !self.inner.started.load(Ordering::SeqCst) && self.inner.created.elapsed() < STARTING
    }

    /// Loops running now, and loops expected.
    pub fn loops(&self) -> (usize, usize) {
        (
            self.inner.running.load(Ordering::SeqCst),
            self.inner.expected,
        )
    }

    fn recent_error(&self, now: Timestamp) -> Option<String> {
        let last = self
            .inner
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        last.as_ref()
            .filter(|(at, _)| now.duration_since(*at) < RECENT_ERROR)
            .map(|(_, e)| e.clone())
    }
}

/// One reason background work is not healthy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Degraded {
    /// What is affected: `worker`, a job kind, `dead_letters` or `overdue`.
    pub what: String,
    /// Why, in a sentence for an operator.
    pub reason: String,
}

/// Everything that is wrong with background work at `now` (empty: healthy).
/// `local` is this process's worker, if it runs one.
pub async fn health_report(
    store: &dyn Store,
    local: Option<&WorkerHealth>,
    now: Timestamp,
) -> Result<Vec<Degraded>, StoreError> {
    let mut out = Vec::new();
    if let Some(local) = local {
        let (running, expected) = local.loops();
        if running < expected && !local.starting() {
            out.push(Degraded {
                what: "worker".into(),
                reason: format!("{running} of {expected} job loops are running in this process"),
            });
        }
        if let Some(error) = local.recent_error(now) {
            out.push(Degraded {
                what: "worker".into(),
                reason: format!("the job loop failed: {error}"),
            });
        }
    }
    let jobs = store.job_health(now, FAILING_AFTER, OVERDUE_AFTER).await?;
    for job in &jobs.failing {
        out.push(Degraded {
            what: job.kind.clone(),
            reason: format!(
                "failed {} times in a row: {}",
                job.failures,
                job.last_error.as_deref().unwrap_or("(no message)")
            ),
        });
    }
    if jobs.dead > 0 {
        out.push(Degraded {
            what: "dead_letters".into(),
            reason: format!("{} jobs failed for good and wait for an admin", jobs.dead),
        });
    }
    if jobs.overdue > 0 {
        out.push(Degraded {
            what: "overdue".into(),
            reason: format!(
                "{} jobs are overdue: is a worker (`tend serve` or `tend worker`) running?",
                jobs.overdue
            ),
        });
    }
    Ok(out)
}
