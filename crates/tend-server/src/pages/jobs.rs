//! `/w/{slug}/settings/jobs`: background work for admins — what is unhealthy,
//! the dead letters with their last error and a retry button, and the recent
//! jobs of the workspace and the system-wide schedules.

use super::{PageCtx, render};
use crate::AppState;
use crate::api::jobs::state_filter;
use crate::auth::Ws;
use crate::error::{AppError, PageError};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use tend_core::jobs::admin;
use tend_store::jobs::{JobId, JobState};

/// A job as listed.
pub struct JobRow {
    id: i64,
    kind: String,
    state: String,
    recurring: bool,
    run_at: String,
    attempts: i64,
    last_error: String,
    worker: String,
    dead: bool,
}

#[derive(Template)]
#[template(path = "jobs.html")]
struct JobsPage {
    ctx: PageCtx,
    problems: Vec<(String, String)>,
    jobs: Vec<JobRow>,
    only_dead: bool,
}

/// `GET /w/{slug}/settings/jobs[?state=dead]`.
pub async fn jobs_page(
    State(state): State<AppState>,
    ws: Ws,
    Query(params): Query<crate::api::jobs::JobsParams>,
) -> Result<Response, PageError> {
    let filter = state_filter(params.state.as_deref())?;
    let actor = ws.actor();
    let jobs = admin::list(&*state.store, &actor, filter, admin::MAX_LIST)
        .await
        .map_err(AppError::from)?;
    let problems = admin::problems(&*state.store, &actor, state.clock.now())
        .await
        .map_err(AppError::from)?;
    let ctx = PageCtx::for_user(&state, &ws.auth, Some((&ws.workspace, ws.role))).await?;
    let jobs = jobs
        .into_iter()
        .map(|j| JobRow {
            id: j.id.get(),
            kind: j.kind,
            state: ctx.t(match j.state {
                JobState::Queued => "jobs-state-queued",
                JobState::Running => "jobs-state-running",
                JobState::Done => "jobs-state-done",
                JobState::Dead => "jobs-state-dead",
            }),
            recurring: j.every_secs.is_some(),
            run_at: ctx.date(&j.run_at),
            attempts: j.attempts,
            last_error: j.last_error.unwrap_or_default(),
            worker: j.locked_by.unwrap_or_default(),
            dead: j.state == JobState::Dead,
        })
        .collect();
    render(&JobsPage {
        problems: problems.into_iter().map(|p| (p.what, p.reason)).collect(),
        jobs,
        only_dead: filter == Some(JobState::Dead),
        ctx,
    })
}

/// `POST /w/{slug}/settings/jobs/{id}/retry`: queues a dead letter again.
pub async fn retry_form(
    State(state): State<AppState>,
    ws: Ws,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    admin::retry(&*state.store, &ws.actor(), JobId(id), state.clock.now())
        .await
        .map_err(AppError::from)?;
    let slug = ws.workspace.slug.as_str();
    Ok(Redirect::to(&format!("/w/{slug}/settings/jobs?state=dead")).into_response())
}
