//! The worker: loops that claim due jobs, run them under a heartbeat-extended
//! lease, and record the outcome; and the supervisor that keeps the loops alive
//! and reports them in [`WorkerHealth`].

use super::health::WorkerHealth;
use super::{Handler, Job, JobError, Outcome, backoff, recurring_backoff};
use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use std::time::Duration;
use tend_domain::Clock;
use tend_store::StoreError;
use tend_store::jobs::{JobRecord, Lane};
use tend_store::prelude::*;
use tokio::sync::watch;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Jobs run at once in this process (one claim loop each).
    pub concurrency: usize,
    /// Loops for the stream lane (live channels that hold a connection open);
    /// each streaming channel holds one while it listens.
    pub streams: usize,
    /// How long a claim lasts without a heartbeat; a job whose process died is
    /// run elsewhere after this.
    pub lease: SignedDuration,
    /// How long an idle loop waits before looking for due jobs again.
    pub idle_poll: Duration,
    /// This process's name in `locked_by` (each loop adds its number).
    pub name: String,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            concurrency: 2,
            streams: 4,
            lease: SignedDuration::from_secs(60),
            idle_poll: Duration::from_millis(500),
            name: default_name(),
        }
    }
}

/// `pid-<pid>-<random>`: unique per process start, readable in the jobs list.
fn default_name() -> String {
    let random = crate::access::random_secret();
    format!("pid-{}-{}", std::process::id(), &random[..6])
}

/// Runs jobs from the store with `H` (see the module documentation of `jobs`).
pub struct Worker<H: Handler> {
    store: Arc<dyn Store>,
    handler: Arc<H>,
    clock: Clock,
    config: WorkerConfig,
    health: WorkerHealth,
}

impl<H: Handler> Clone for Worker<H> {
    fn clone(&self) -> Self {
        Worker {
            store: Arc::clone(&self.store),
            handler: Arc::clone(&self.handler),
            clock: self.clock.clone(),
            config: self.config.clone(),
            health: self.health.clone(),
        }
    }
}

impl<H: Handler> Worker<H> {
    /// A worker over `store` running jobs with `handler`.
    pub fn new(store: Arc<dyn Store>, handler: H, clock: Clock, config: WorkerConfig) -> Self {
        let health = WorkerHealth::new(config.concurrency + config.streams);
        Worker {
            store,
            handler: Arc::new(handler),
            clock,
            config,
            health,
        }
    }

    /// The worker's health, for `/healthz`.
    pub fn health(&self) -> WorkerHealth {
        self.health.clone()
    }

    /// Installs the recurring schedules, then runs the claim loops until
    /// `shutdown` resolves; then each loop finishes and records the job in hand.
    /// A loop that ends unexpectedly is logged, reported as down in
    /// [`WorkerHealth`] and restarted after a second.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()> + Send) {
        let (stop_tx, stop_rx) = watch::channel(false);
        let supervisor = async {
            loop {
                match super::schedule::install(&*self.store, self.clock.now()).await {
                    Ok(()) => break,
                    Err(_) if *stop_rx.borrow() => return,
                    Err(e) => {
                        self.health.loop_error(self.clock.now(), &e);
                        tracing::error!(error = %e, "installing the job schedules failed; retrying");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            }
            let mut loops = tokio::task::JoinSet::new();
            for n in 0..self.config.concurrency.max(1) {
                loops.spawn(self.clone().claim_loop(n, Lane::Default, stop_rx.clone()));
            }
            for n in 0..self.config.streams {
                let n = self.config.concurrency.max(1) + n;
                loops.spawn(self.clone().claim_loop(n, Lane::Stream, stop_rx.clone()));
            }
            while let Some(ended) = loops.join_next().await {
                if *stop_rx.borrow() {
                    continue;
                }
                let n = match ended {
                    Ok(n) => {
                        tracing::error!(worker = n, "a job loop ended; restarting it");
                        n
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "a job loop died; restarting it");
                        0
                    }
                };
                tokio::time::sleep(Duration::from_secs(1)).await;
                let lane = if n >= self.config.concurrency.max(1) {
                    Lane::Stream
                } else {
                    Lane::Default
                };
                loops.spawn(self.clone().claim_loop(n, lane, stop_rx.clone()));
            }
        };
        tokio::pin!(supervisor);
        tokio::select! {
            () = &mut supervisor => {}
            () = shutdown => {
                // The loops finish the job in hand, record it, and end.
                let _ = stop_tx.send(true);
                supervisor.await;
            }
        }
    }

    /// Installs the recurring schedules, then runs every due job (see
    /// [`Worker::run_due`]): `tend worker --once`.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        super::schedule::install(&*self.store, self.clock.now()).await?;
        self.run_due().await
    }

    /// Runs every job due now, one after the other, until none is due (jobs
    /// the runs queue included). Returns how many runs there were.
    pub async fn run_due(&self) -> Result<usize, StoreError> {
        let worker = format!("{}-inline", self.config.name);
        let mut runs = 0;
        loop {
            let claimed = self
                .store
                .claim_jobs(&worker, self.clock.now(), self.config.lease, 1)
                .await?;
            let Some(job) = claimed.into_iter().next() else {
                return Ok(runs);
            };
            self.run_claimed(&worker, job).await?;
            runs += 1;
        }
    }

    async fn claim_loop(self, n: usize, lane: Lane, mut stop: watch::Receiver<bool>) -> usize {
        let worker = format!("{}-{n}", self.config.name);
        let _alive = self.health.loop_started();
        let mut failures = 0u32;
        while !*stop.borrow() {
            let claimed = self
                .store
                .claim_lane(&worker, self.clock.now(), self.config.lease, 1, lane)
                .await;
            let pause = match claimed {
                Ok(jobs) if jobs.is_empty() => {
                    failures = 0;
                    self.config.idle_poll
                }
                Ok(jobs) => {
                    failures = 0;
                    for job in jobs {
                        if let Err(e) = self.run_claimed(&worker, job).await {
                            self.health.loop_error(self.clock.now(), &e);
                            tracing::warn!(error = %e, "recording a job's outcome failed");
                        }
                    }
                    Duration::ZERO
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    self.health.loop_error(self.clock.now(), &e);
                    tracing::warn!(error = %e, "claiming jobs failed; retrying");
                    Duration::from_millis(250u64.saturating_mul(1 << failures.min(5)))
                }
            };
            if !pause.is_zero() {
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    _ = stop.changed() => {}
                }
            }
        }
        n
    }

    /// Runs one claimed job with a heartbeat and records how it went.
    async fn run_claimed(&self, worker: &str, record: JobRecord) -> Result<(), StoreError> {
        let result = match Job::parse(&record.payload) {
            Ok(job) => self.run_with_heartbeat(worker, &record, job).await,
            Err(e) => Err(e),
        };
        let now = self.clock.now();
        match result {
            Ok(outcome) => {
                let again_at = outcome.again_at(now);
                if !self
                    .store
                    .finish_job(record.id, worker, now, again_at)
                    .await?
                {
                    tracing::warn!(job = %record.id, kind = %record.kind, "job finished after its lease was taken over");
                }
            }
            Err(e) => {
                let retry_at = match record.every_secs {
                    Some(every) => Some(
                        now + recurring_backoff(
                            SignedDuration::from_secs(every),
                            record.failures + 1,
                        ),
                    ),
                    None if e.permanent || record.attempts >= record.max_attempts => None,
                    None => Some(now + backoff(record.attempts)),
                };
                match retry_at {
                    Some(at) => tracing::warn!(
                        job = %record.id, kind = %record.kind, attempt = record.attempts,
                        retry_at = %at, error = %e.message, "job failed; retried later"
                    ),
                    None => tracing::error!(
                        job = %record.id, kind = %record.kind, attempt = record.attempts,
                        error = %e.message, "job failed for good: dead letter"
                    ),
                }
                self.store
                    .fail_job(record.id, worker, &e.message, retry_at, now)
                    .await?;
            }
        }
        Ok(())
    }

    async fn run_with_heartbeat(
        &self,
        worker: &str,
        record: &JobRecord,
        job: Job,
    ) -> Result<Outcome, JobError> {
        let handler = Arc::clone(&self.handler);
        let fence = tend_store::jobs::Fence {
            job: record.id,
            worker: worker.to_owned(),
        };
        let mut task = tokio::spawn(tend_store::jobs::fenced(fence, async move {
            handler.run(&job).await
        }));
        let beat_every = self
            .config
            .lease
            .unsigned_abs()
            .checked_div(3)
            .unwrap_or(Duration::from_secs(1))
            .max(Duration::from_millis(100));
        let mut beat =
            tokio::time::interval_at(tokio::time::Instant::now() + beat_every, beat_every);
        loop {
            tokio::select! {
                ended = &mut task => {
                    return match ended {
                        Ok(result) => result,
                        Err(e) if e.is_panic() => Err(JobError::transient(format!(
                            "the handler panicked: {}",
                            panic_message(e.into_panic())
                        ))),
                        Err(e) => Err(JobError::transient(format!("the handler was cancelled: {e}"))),
                    };
                }
                _ = beat.tick() => {
                    let until: Timestamp = self.clock.now() + self.config.lease;
                    match self.store.extend_lease(record.id, worker, until).await {
                        Ok(true) => {}
                        Ok(false) => tracing::warn!(job = %record.id, kind = %record.kind, "lost the job's lease"),
                        Err(e) => tracing::warn!(job = %record.id, error = %e, "extending the job's lease failed"),
                    }
                }
            }
        }
    }
}

fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => match payload.downcast::<&'static str>() {
            Ok(s) => (*s).to_owned(),
            Err(_) => "(no message)".to_owned(),
        },
    }
}
