//! `/healthz`: liveness, database reachability and background work, for load
//! balancers, monitoring and the first check after installing.
//!
//! - `ok` (200): the database answers and background work is getting done.
//! - `degraded` (200: the app still serves): a job loop of this process is down,
//!   a recurring job keeps failing, dead letters wait for an admin, or jobs are
//!   overdue (no worker runs them). `problems` says which and why.
//! - `unavailable` (503): the database does not answer.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use tend_core::jobs::{Degraded, health_report};

/// The health report.
#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok`, `degraded` or `unavailable`.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// The server version.
    pub version: &'static str,
    /// Whether this process runs background jobs.
    pub worker: bool,
    /// What is wrong, when `degraded`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Degraded>,
}

/// Answers 200 (`ok` or `degraded`) when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = state.store.backend().name();
    let report = health_report(&*state.store, state.worker.as_ref(), state.clock.now()).await;
    let health = |status, problems| Health {
        status,
        database,
        version: state.version,
        worker: state.worker.is_some(),
        problems,
    };
    match report {
        Ok(problems) if problems.is_empty() => (StatusCode::OK, Json(health("ok", problems))),
        Ok(problems) => {
            for p in &problems {
                tracing::warn!(what = %p.what, reason = %p.reason, "health check: degraded");
            }
            (StatusCode::OK, Json(health("degraded", problems)))
        }
        Err(err) => {
            tracing::error!(error = %err, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(health("unavailable", Vec::new())),
            )
        }
    }
}
