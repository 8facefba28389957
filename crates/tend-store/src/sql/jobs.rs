//! `JobStore` on SQL. The one dialect-specific statement is the claim:
//! PostgreSQL locks the chosen rows `FOR UPDATE SKIP LOCKED`, so concurrent
//! claimers pass each other by instead of waiting or taking the same job; SQLite
//! has one writer at a time, so its single `UPDATE … RETURNING` is atomic as it is.
//! Every other statement is guarded by the holder (`locked_by`) and the state, so
//! a worker whose lease was taken over changes nothing.

use super::{Backend, SqlStore, begin_write, corrupt, get, ms, ts, ts_opt};
use crate::StoreError;
use crate::jobs::{JobFilter, JobHealth, JobId, JobRecord, JobState, JobStore, Lane, NewJob};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use tend_domain::WorkspaceId;

const COLUMNS: &str = "id, kind, payload, workspace_id, key, state, run_at, attempts, failures, \
    max_attempts, every_secs, lease_until, locked_by, last_error, created_at, updated_at, finished_at";

/// Where a claim looks, with "now" bound to `now`: queued and due, or running
/// with an expired lease.
fn claimable(now: &str, lane: &str) -> String {
    format!(
        "((state = 'queued' AND run_at <= {now}) OR (state = 'running' AND lease_until < {now})) \
         AND lane = {lane}"
    )
}

fn from_row(row: &AnyRow) -> Result<JobRecord, StoreError> {
    let state: String = get(row, "state")?;
    Ok(JobRecord {
        id: JobId(get(row, "id")?),
        kind: get(row, "kind")?,
        payload: get(row, "payload")?,
        workspace: get::<Option<i64>>(row, "workspace_id")?.map(WorkspaceId),
        key: get(row, "key")?,
        state: JobState::parse(&state)
            .ok_or_else(|| corrupt("jobs", format!("unknown state {state:?}")))?,
        run_at: ts(get(row, "run_at")?)?,
        attempts: get(row, "attempts")?,
        failures: get(row, "failures")?,
        max_attempts: get(row, "max_attempts")?,
        every_secs: get(row, "every_secs")?,
        lease_until: ts_opt(get(row, "lease_until")?)?,
        locked_by: get(row, "locked_by")?,
        last_error: get(row, "last_error")?,
        created_at: ts(get(row, "created_at")?)?,
        updated_at: ts(get(row, "updated_at")?)?,
        finished_at: ts_opt(get(row, "finished_at")?)?,
    })
}

/// At most this many characters of an error are kept.
const MAX_ERROR: usize = 2_000;

fn clip(error: &str) -> String {
    match error.char_indices().nth(MAX_ERROR) {
        Some((cut, _)) => format!("{}…", &error[..cut]),
        None => error.to_owned(),
    }
}

/// Enqueues `job` inside `tx` (for work that must be queued together with what
/// causes it); `false` when its key exists.
pub(crate) async fn enqueue_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    job: &NewJob,
    now_ms: i64,
) -> Result<bool, StoreError> {
    Ok(insert(job, now_ms)
        .execute(&mut **tx)
        .await?
        .rows_affected()
        > 0)
}

fn insert(job: &NewJob, now_ms: i64) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(
        "INSERT INTO jobs (kind, payload, workspace_id, key, state, run_at, attempts, failures, \
         max_attempts, every_secs, created_at, updated_at, lane) \
         VALUES ($1, $2, $3, $4, 'queued', $5, 0, 0, $6, $7, $8, $8, $9) \
         ON CONFLICT (key) DO NOTHING",
    )
    .bind(&job.kind)
    .bind(&job.payload)
    .bind(job.workspace.map(WorkspaceId::get))
    .bind(job.key.as_deref())
    .bind(ms(job.run_at))
    .bind(job.max_attempts.max(1))
    .bind(job.every.map(|d| d.as_secs()))
    .bind(now_ms)
    .bind(job.lane.as_str())
}

/// Inside a job handler's task (see `Fence`): checks in `tx` that the worker
/// still holds the job, locking the row on PostgreSQL so no claim takes it over
/// before `tx` ends. Outside a handler it checks nothing.
pub(crate) async fn check_fence(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
) -> Result<(), StoreError> {
    let Some(fence) = crate::jobs::current_fence() else {
        return Ok(());
    };
    let lock = match backend {
        Backend::Postgres => " FOR UPDATE",
        Backend::Sqlite => "",
    };
    let held: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
        "SELECT id FROM jobs WHERE id = $1 AND locked_by = $2 AND state = 'running'{lock}"
    )))
    .bind(fence.job.get())
    .bind(&fence.worker)
    .fetch_optional(&mut **tx)
    .await?;
    match held {
        Some(_) => Ok(()),
        None => Err(StoreError::Conflict(crate::Conflict::new(
            "this job was taken over by another worker; its work is left to that one",
        ))),
    }
}

#[async_trait]
impl JobStore for SqlStore {
    async fn enqueue_job(&self, job: &NewJob, now: Timestamp) -> Result<bool, StoreError> {
        let inserted = insert(job, ms(now))
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(inserted > 0)
    }

    async fn delete_job(&self, key: &str) -> Result<bool, StoreError> {
        let res = sqlx::query("DELETE FROM jobs WHERE key = $1")
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(res.rows_affected() > 0)
    }

    async fn ensure_recurring(&self, job: &NewJob, now: Timestamp) -> Result<(), StoreError> {
        let (Some(every), Some(key)) = (job.every, job.key.as_deref()) else {
            return Err(tend_domain::ValidationError::new(
                "every",
                "a recurring job needs an interval and a key",
            )
            .into());
        };
        if !self.enqueue_job(job, now).await? {
            // The schedule exists: keep its state and next run, take the interval
            // and payload of this version of the program.
            sqlx::query(
                "UPDATE jobs SET every_secs = $1, payload = $2, updated_at = $3, lane = $5 \
                 WHERE key = $4 AND (every_secs IS NULL OR every_secs <> $1 OR payload <> $2 \
                 OR lane <> $5)",
            )
            .bind(every.as_secs())
            .bind(&job.payload)
            .bind(ms(now))
            .bind(key)
            .bind(job.lane.as_str())
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    async fn claim_lane(
        &self,
        worker: &str,
        now: Timestamp,
        lease: SignedDuration,
        limit: u32,
        lane: Lane,
    ) -> Result<Vec<JobRecord>, StoreError> {
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        // Idle workers poll often: on SQLite, look before taking the one write
        // lock, so an idle poll never makes an import wait.
        if self.backend == Backend::Sqlite {
            let due: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
                "SELECT id FROM jobs WHERE {} LIMIT 1",
                claimable("$1", "$2")
            )))
            .bind(ms(now))
            .bind(lane.as_str())
            .fetch_optional(&self.pool)
            .await?;
            if due.is_none() {
                return Ok(Vec::new());
            }
        }
        let due = claimable("$3", "$5");
        let sql = format!(
            "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = $1, \
             locked_by = $2, updated_at = $3 \
             WHERE id IN (SELECT id FROM jobs WHERE {due} ORDER BY run_at, id LIMIT $4{lock}) \
             AND ({due}) \
             RETURNING {COLUMNS}"
        );
        let mut tx = begin_write(&self.pool, self.backend).await?;
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(ms(now + lease))
            .bind(worker)
            .bind(ms(now))
            .bind(i64::from(limit.max(1)))
            .bind(lane.as_str())
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut jobs = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
        jobs.sort_by_key(|j| (j.run_at, j.id));
        Ok(jobs)
    }

    async fn extend_lease(
        &self,
        id: JobId,
        worker: &str,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND locked_by = $3 AND state = 'running'",
        )
        .bind(ms(until))
        .bind(id.get())
        .bind(worker)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    async fn finish_job(
        &self,
        id: JobId,
        worker: &str,
        now: Timestamp,
        again_at: Option<Timestamp>,
    ) -> Result<bool, StoreError> {
        let n = sqlx::query(
            "UPDATE jobs SET \
               state = CASE WHEN every_secs IS NULL AND $4 IS NULL THEN 'done' ELSE 'queued' END, \
               run_at = CASE WHEN every_secs IS NULL THEN COALESCE($4, run_at) \
                 ELSE COALESCE($4, $1 + every_secs * 1000) END, \
               attempts = CASE WHEN every_secs IS NOT NULL THEN 0 \
                 WHEN $4 IS NULL THEN attempts ELSE attempts - 1 END, \
               failures = 0, lease_until = NULL, last_error = NULL, \
               finished_at = $1, updated_at = $1 \
             WHERE id = $2 AND locked_by = $3 AND state = 'running'",
        )
        .bind(ms(now))
        .bind(id.get())
        .bind(worker)
        .bind(again_at.map(ms))
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    async fn fail_job(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let (state, run_at) = match retry_at {
            Some(at) => ("queued", Some(ms(at))),
            None => ("dead", None),
        };
        let n = sqlx::query(
            "UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), failures = failures + 1, \
               lease_until = NULL, last_error = $3, updated_at = $4 \
             WHERE id = $5 AND locked_by = $6 AND state = 'running'",
        )
        .bind(state)
        .bind(run_at)
        .bind(clip(error))
        .bind(ms(now))
        .bind(id.get())
        .bind(worker)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    async fn jobs(&self, filter: &JobFilter) -> Result<Vec<JobRecord>, StoreError> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM jobs \
             WHERE ($1 IS NULL OR state = $1) \
               AND ($2 IS NULL OR workspace_id IS NULL OR workspace_id = $2) \
             ORDER BY updated_at DESC, id DESC LIMIT $3"
        )))
        .bind(filter.state.map(JobState::as_str))
        .bind(filter.workspace.map(WorkspaceId::get))
        .bind(i64::from(filter.limit.clamp(1, 1_000)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(from_row).collect()
    }

    async fn job(
        &self,
        id: JobId,
        workspace: Option<WorkspaceId>,
    ) -> Result<JobRecord, StoreError> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM jobs WHERE id = $1 \
               AND ($2 IS NULL OR workspace_id IS NULL OR workspace_id = $2)"
        )))
        .bind(id.get())
        .bind(workspace.map(WorkspaceId::get))
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    async fn retry_job(
        &self,
        id: JobId,
        workspace: Option<WorkspaceId>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let n = sqlx::query(
            "UPDATE jobs SET state = 'queued', run_at = $1, attempts = 0, updated_at = $1 \
             WHERE id = $2 AND state = 'dead' \
               AND ($3 IS NULL OR workspace_id IS NULL OR workspace_id = $3)",
        )
        .bind(ms(now))
        .bind(id.get())
        .bind(workspace.map(WorkspaceId::get))
        .execute(&self.pool)
        .await?
        .rows_affected();
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn job_health(
        &self,
        now: Timestamp,
        min_failures: i64,
        grace: SignedDuration,
    ) -> Result<JobHealth, StoreError> {
        let dead: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'dead'")
            .fetch_one(&self.pool)
            .await?;
        let overdue: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state = 'queued' AND run_at < $1")
                .bind(ms(now - grace))
                .fetch_one(&self.pool)
                .await?;
        let failing = sqlx::query(AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM jobs WHERE every_secs IS NOT NULL AND failures >= $1 \
             ORDER BY kind"
        )))
        .bind(min_failures.max(1))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<Vec<_>, _>>()?;
        Ok(JobHealth {
            dead,
            failing,
            overdue,
        })
    }

    async fn prune_jobs(&self, before: Timestamp) -> Result<u64, StoreError> {
        Ok(sqlx::query(
            "DELETE FROM jobs WHERE state = 'done' AND every_secs IS NULL AND finished_at < $1",
        )
        .bind(ms(before))
        .execute(&self.pool)
        .await?
        .rows_affected())
    }
}
