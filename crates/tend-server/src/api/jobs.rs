//! `/api/w/{slug}/jobs`: the background jobs an admin looks after — the
//! workspace's and the system-wide ones, with their state, attempts and last
//! error — what is unhealthy, and retrying a dead letter.

use crate::AppState;
use crate::auth::Ws;
use crate::error::{ApiError, AppError};
use axum::Json;
use axum::extract::{Path, Query, State};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tend_core::jobs::admin;
use tend_store::jobs::{JobId, JobRecord, JobState};
use utoipa::{IntoParams, ToSchema};

/// A background job as admins see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobView {
    /// The id.
    pub id: i64,
    /// What it does: `moderate`, `rule_action`, `deliver_webhooks`, `listen`, …
    pub kind: String,
    /// `queued`, `running`, `done` or `dead` (failed for good: retry it).
    pub state: String,
    /// Whether it runs on a schedule (and never becomes a dead letter).
    pub recurring: bool,
    /// When it runs next (or ran, once done).
    pub run_at: Timestamp,
    /// Attempts so far.
    pub attempts: i64,
    /// Failures in a row.
    pub failures: i64,
    /// The last failure's message.
    pub last_error: Option<String>,
    /// The worker (process) that holds it or ran it last.
    pub worker: Option<String>,
    /// Last changed.
    pub updated_at: Timestamp,
}

impl From<JobRecord> for JobView {
    fn from(j: JobRecord) -> JobView {
        JobView {
            id: j.id.get(),
            kind: j.kind,
            state: j.state.as_str().to_owned(),
            recurring: j.every_secs.is_some(),
            run_at: j.run_at,
            attempts: j.attempts,
            failures: j.failures,
            last_error: j.last_error,
            worker: j.locked_by,
            updated_at: j.updated_at,
        }
    }
}

/// What is wrong with background work.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// What is affected: a job kind, `dead_letters` or `overdue`.
    pub what: String,
    /// Why.
    pub reason: String,
}

/// The jobs listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobsList {
    /// Jobs, most recently changed first.
    pub jobs: Vec<JobView>,
    /// What is unhealthy now (empty when all is well).
    pub problems: Vec<Problem>,
}

/// Which jobs to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsParams {
    /// Only jobs in this state: `queued`, `running`, `done` or `dead`.
    pub state: Option<String>,
}

/// Parses the `state` filter; 400 for an unknown one.
pub fn state_filter(state: Option<&str>) -> Result<Option<JobState>, AppError> {
    match state.map(str::trim) {
        None | Some("") | Some("all") => Ok(None),
        Some(s) => JobState::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::bad("state", "must be queued, running, done or dead")),
    }
}

/// The workspace's background jobs and the system-wide ones (admins).
#[utoipa::path(
    get,
    path = "/api/w/{slug}/jobs",
    tag = "jobs",
    params(("slug" = String, Path, description = "The workspace"), JobsParams),
    responses((status = 200, description = "Jobs and problems", body = JobsList))
)]
pub async fn list_jobs(
    State(state): State<AppState>,
    ws: Ws,
    Query(params): Query<JobsParams>,
) -> Result<Json<JobsList>, ApiError> {
    let filter = state_filter(params.state.as_deref())?;
    let actor = ws.actor();
    let jobs = admin::list(&*state.store, &actor, filter, admin::MAX_LIST).await?;
    let problems = admin::problems(&*state.store, &actor, state.clock.now()).await?;
    Ok(Json(JobsList {
        jobs: jobs.into_iter().map(JobView::from).collect(),
        problems: problems
            .into_iter()
            .map(|p| Problem {
                what: p.what,
                reason: p.reason,
            })
            .collect(),
    }))
}

/// Queues a dead letter again now, with a fresh set of attempts (admins). A job
/// that is not dead, or of another workspace, answers 404.
#[utoipa::path(
    post,
    path = "/api/w/{slug}/jobs/{id}/retry",
    tag = "jobs",
    params(
        ("slug" = String, Path, description = "The workspace"),
        ("id" = i64, Path, description = "The job")
    ),
    responses((status = 200, description = "Queued again", body = JobView))
)]
pub async fn retry_job(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Json<JobView>, ApiError> {
    let job = admin::retry(&*state.store, &ws.actor(), JobId(id), state.clock.now()).await?;
    Ok(Json(job.into()))
}
