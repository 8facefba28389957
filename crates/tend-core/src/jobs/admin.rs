//! What admins do with background work: see the jobs of their workspace (and the
//! system-wide ones) with their errors, see what is unhealthy, and retry a dead
//! letter. Each use case asks the permission table (`administer`).

use super::health::{Degraded, health_report};
use crate::team::{Actor, Forbidden, Permission};
use jiff::Timestamp;
use tend_store::StoreError;
use tend_store::jobs::{JobFilter, JobId, JobRecord, JobState};
use tend_store::prelude::*;

/// Why a jobs use case failed.
#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    /// The actor's role may not do this.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// Storage failed (`NotFound` for another workspace's job, or a job that is
    /// not a dead letter when retrying).
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The most jobs one listing shows.
pub const MAX_LIST: u32 = 200;

/// The workspace's jobs and the system-wide ones, most recently changed first,
/// optionally only those in `state`.
pub async fn list(
    store: &dyn Store,
    actor: &Actor,
    state: Option<JobState>,
    limit: u32,
) -> Result<Vec<JobRecord>, JobsError> {
    actor.require(Permission::Administer)?;
    Ok(store
        .jobs(&JobFilter {
            state,
            workspace: Some(actor.workspace),
            limit: limit.clamp(1, MAX_LIST),
        })
        .await?)
}

/// What is wrong with background work now (the `/healthz` reasons, without
/// this process's own worker).
pub async fn problems(
    store: &dyn Store,
    actor: &Actor,
    now: Timestamp,
) -> Result<Vec<Degraded>, JobsError> {
    actor.require(Permission::Administer)?;
    Ok(health_report(store, None, now).await?)
}

/// Queues a dead letter of the workspace (or a system-wide one) again now, with
/// a fresh set of attempts.
pub async fn retry(
    store: &dyn Store,
    actor: &Actor,
    id: JobId,
    now: Timestamp,
) -> Result<JobRecord, JobsError> {
    actor.require(Permission::Administer)?;
    store.retry_job(id, Some(actor.workspace), now).await?;
    tracing::info!(job = %id, by = ?actor.who, "dead letter retried");
    Ok(store.job(id, Some(actor.workspace)).await?)
}
