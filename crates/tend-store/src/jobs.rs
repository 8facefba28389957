//! The job queue's storage: durable rows of background work, claimed under a
//! lease by any number of workers in any number of processes (see the `jobs`
//! migration). The typed `Job` enum and the runner live in `tend-core`; here a
//! job is its kind, its JSON payload and its bookkeeping.
//!
//! Contract:
//! - [`JobStore::claim_jobs`] never hands one job to two workers at once: a
//!   claimed job is `running` with a lease, and only an expired lease (its worker
//!   died or stalled) makes it claimable again.
//! - [`JobStore::finish_job`] and [`JobStore::fail_job`] only act for the worker
//!   that holds the lease (they answer `false` otherwise: the job was taken over).
//! - Enqueueing a job whose key exists is a no-op, so producers can retry freely.

use crate::StoreError;
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use tend_domain::WorkspaceId;

/// A job's database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct JobId(pub i64);

impl JobId {
    /// The raw id.
    pub fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its `run_at`.
    Queued,
    /// Claimed by a worker, under a lease.
    Running,
    /// Finished (one-off jobs; recurring ones are queued again).
    Done,
    /// Failed every attempt: a dead letter, until an admin retries it.
    Dead,
}

impl JobState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }

    /// Reads a stored name.
    pub fn parse(s: &str) -> Option<JobState> {
        Some(match s {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "dead" => JobState::Dead,
            _ => return None,
        })
    }
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// The job's kind (the `Job` variant's name), for listing and health.
    pub kind: String,
    /// The serialised `Job`.
    pub payload: String,
    /// The workspace the job works for, or `None` for system-wide work.
    pub workspace: Option<WorkspaceId>,
    /// Idempotency key: a job with an existing key is not enqueued again.
    pub key: Option<String>,
    /// Not before.
    pub run_at: Timestamp,
    /// Attempts before a one-off job becomes a dead letter.
    pub max_attempts: i64,
    /// For a recurring job: the time between runs.
    pub every: Option<SignedDuration>,
    /// Which workers run it.
    pub lane: Lane,
}

/// Workers claim from one lane at a time, so jobs that hold a worker for a
/// long window (a streaming read) never starve the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lane {
    /// Everything short.
    #[default]
    Default,
    /// Streaming reads of live channels.
    Stream,
}

impl Lane {
    /// The stable name.
    pub fn as_str(self) -> &'static str {
        match self {
            Lane::Default => "default",
            Lane::Stream => "stream",
        }
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct JobRecord {
    /// The id.
    pub id: JobId,
    /// The kind.
    pub kind: String,
    /// The serialised `Job`.
    pub payload: String,
    /// The workspace, or `None` for system-wide work.
    pub workspace: Option<WorkspaceId>,
    /// The idempotency key.
    pub key: Option<String>,
    /// The state.
    pub state: JobState,
    /// When it runs (next).
    pub run_at: Timestamp,
    /// Attempts so far (since the last success, for a recurring job).
    pub attempts: i64,
    /// Failures in a row (since the last success).
    pub failures: i64,
    /// Attempts before a one-off job becomes a dead letter.
    pub max_attempts: i64,
    /// Seconds between runs of a recurring job.
    pub every_secs: Option<i64>,
    /// The lease's end while running.
    pub lease_until: Option<Timestamp>,
    /// The worker holding the lease (while running), or that ran it last.
    pub locked_by: Option<String>,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// Enqueued at.
    pub created_at: Timestamp,
    /// Last changed at.
    pub updated_at: Timestamp,
    /// Last finished at.
    pub finished_at: Option<Timestamp>,
}

/// Which jobs to list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// Only this state.
    pub state: Option<JobState>,
    /// Only this workspace's jobs and the system-wide ones.
    pub workspace: Option<WorkspaceId>,
    /// At most this many, newest change first.
    pub limit: u32,
}

/// What `/healthz` needs to know about background work.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobHealth {
    /// Dead letters waiting for an admin.
    pub dead: i64,
    /// Recurring jobs whose last `failures` attempts failed (at least the
    /// threshold asked for), with their last error.
    pub failing: Vec<JobRecord>,
    /// Queued jobs due for longer than the grace asked for (no worker runs them).
    pub overdue: i64,
}

/// The lease a job handler runs under: `job`, held by `worker`. The runner sets
/// it for the handler's task ([`fenced`]); the event-log consumers' writes
/// (`record_verdicts…`, `record_matches`) then check in their own transaction
/// that the worker still holds the job, and fail with `Conflict` when another
/// worker took it over (a process that stalled past its lease), so two runs of
/// one job never both commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    /// The job.
    pub job: JobId,
    /// The worker that claimed it.
    pub worker: String,
}

tokio::task_local! {
    static FENCE: Fence;
}

/// Runs `work` under `fence` (see [`Fence`]).
pub async fn fenced<F: std::future::Future>(fence: Fence, work: F) -> F::Output {
    FENCE.scope(fence, work).await
}

/// The fence of the running task, if a job handler runs in it.
pub(crate) fn current_fence() -> Option<Fence> {
    FENCE.try_with(Clone::clone).ok()
}

/// Job queue storage (see the module documentation for the contract).
#[async_trait]
pub trait JobStore: Send + Sync {
    /// Enqueues `job`; answers `false` (and changes nothing) when its key exists.
    async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> Result<bool, StoreError>;
    /// Makes sure the recurring job `job` (which must have `every` and a key)
    /// exists, with this interval; an existing row keeps its state and run time.
    async fn ensure_recurring(&self, job: &NewJob, now: Timestamp) -> Result<(), StoreError>;
    /// Claims up to `limit` due jobs for `worker` until `now + lease`: queued
    /// jobs whose time has come, and running jobs whose lease expired. Each
    /// claim counts an attempt.
    async fn claim_jobs(
        &self,
        worker: &str,
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
    ) -> Result<Vec<JobRecord>, StoreError> {
        self.claim_lane(worker, now, lease, limit, Lane::Default)
            .await
    }
    /// [`JobStore::claim_jobs`] from one lane.
    async fn claim_lane(
        &self,
        worker: &str,
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
        lane: Lane,
    ) -> Result<Vec<JobRecord>, StoreError>;
    /// Deletes the job with `key` whatever its state (a channel disconnected:
    /// its recurring read ends); `false` if there was none.
    async fn delete_job(&self, key: &str) -> Result<bool, StoreError>;
    /// Extends the lease of a job `worker` holds; `false` if it no longer does.
    async fn extend_lease(
        &self,
        id: JobId,
        worker: &str,
        until: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Marks a job `worker` holds as done; a recurring job is queued again for
    /// `again_at` (default `now + every`), and so is a one-off job given an
    /// `again_at` (it waited: the run does not count as an attempt). `false`
    /// if it no longer holds it.
    async fn finish_job(
        &self,
        id: JobId,
        worker: &str,
        now: Timestamp,
        again_at: Option<Timestamp>,
    ) -> Result<bool, StoreError>;
    /// Records a failed attempt of a job `worker` holds: queued again at
    /// `retry_at`, or a dead letter when `retry_at` is `None`. `false` if it no
    /// longer holds it.
    async fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Jobs by `filter`, most recently changed first.
    async fn jobs(&self, filter: &JobFilter) -> Result<Vec<JobRecord>, StoreError>;
    /// One job; `NotFound` if missing or of another workspace than `workspace`
    /// (system-wide jobs are everyone's).
    async fn job(&self, id: JobId, workspace: Option<WorkspaceId>)
    -> Result<JobRecord, StoreError>;
    /// Queues a dead letter again now, with a fresh set of attempts; `NotFound`
    /// unless it is dead (and of `workspace` or system-wide).
    async fn retry_job(
        &self,
        id: JobId,
        workspace: Option<WorkspaceId>,
        now: Timestamp,
    ) -> Result<(), StoreError>;
    /// Dead letters, failing recurring jobs (`failures >= min_failures`) and
    /// jobs overdue by more than `grace`.
    async fn job_health(
        &self,
        now: Timestamp,
        min_failures: i64,
        grace: SignedDuration,
    ) -> Result<JobHealth, StoreError>;
    /// Deletes one-off jobs done before `before`; their keys become free.
    async fn prune_jobs(&self, before: Timestamp) -> Result<u64, StoreError>;
}
