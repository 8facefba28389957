//! `/healthz`: liveness, database reachability, background work and live
//! channels, for load balancers, monitoring and the first check after installing.
//!
//! - `ok` (200): the database answers, background work is getting done and every
//!   connected channel reads.
//! - `degraded` (200: the app still serves): a job loop of this process is down,
//!   a recurring job keeps failing, dead letters wait for an admin, jobs are
//!   overdue (no worker runs them), or a connected channel's last read failed or
//!   it has not read for far longer than its interval ([`channel_problem`]).
//!   `problems` says which and why.
//! - `unavailable` (503): the database does not answer.
//!
//! Each live channel is listed with its health (ids, network, state, times,
//! last error); never its name, settings or credentials.

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use jiff::Timestamp;
use serde::Serialize;
use tend_core::channels::health::channel_problem;
use tend_core::jobs::{Degraded, health_report};
use tend_store::StoreError;

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
    /// Every live channel of every workspace, with how its reading goes.
    pub channels: Vec<ChannelHealth>,
}

/// How one live channel is doing (no name, settings or secret).
#[derive(Debug, Serialize)]
pub struct ChannelHealth {
    /// Its workspace's id.
    pub workspace: i64,
    /// The channel's id.
    pub channel: i64,
    /// The network (`simulated`, `mastodon` …).
    pub network: String,
    /// `connected` or `disconnected`.
    pub state: &'static str,
    /// The last read, successful or not.
    pub last_sync_at: Option<Timestamp>,
    /// The last successful read.
    pub last_ok_at: Option<Timestamp>,
    /// The last read's error, if it failed.
    pub last_error: Option<String>,
    /// When the credentials expire, where they do.
    pub token_expires_at: Option<Timestamp>,
    /// Until when the network asked Tend to wait.
    pub rate_limited_until: Option<Timestamp>,
    /// What is wrong, if anything (see [`channel_problem`]).
    pub problem: Option<String>,
}

async fn channels(state: &AppState, now: Timestamp) -> Result<Vec<ChannelHealth>, StoreError> {
    Ok(state
        .store
        .channel_links(None)
        .await?
        .into_iter()
        .map(|link| ChannelHealth {
            problem: channel_problem(&link, now).map(|p| p.to_string()),
            workspace: link.workspace_id.get(),
            channel: link.channel_id.get(),
            network: link.network,
            state: link.state.as_str(),
            last_sync_at: link.last_sync_at,
            last_ok_at: link.last_ok_at,
            last_error: link.last_error,
            token_expires_at: link.token_expires_at,
            rate_limited_until: link.rate_limited_until,
        })
        .collect())
}

/// Answers 200 (`ok` or `degraded`) when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let database = state.store.backend().name();
    let now = state.clock.now();
    let report = health_report(&*state.store, state.worker.as_ref(), now).await;
    let report = match (report, channels(&state, now).await) {
        (Ok(mut problems), Ok(channels)) => {
            problems.extend(channels.iter().filter_map(|c| {
                c.problem.as_ref().map(|why| Degraded {
                    what: format!("channel {} ({})", c.channel, c.network),
                    reason: format!("workspace {}: {why}", c.workspace),
                })
            }));
            Ok((problems, channels))
        }
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    let health = |status, problems, channels| Health {
        status,
        database,
        version: state.version,
        worker: state.worker.is_some(),
        problems,
        channels,
    };
    match report {
        Ok((problems, channels)) if problems.is_empty() => {
            (StatusCode::OK, Json(health("ok", problems, channels)))
        }
        Ok((problems, channels)) => {
            for p in &problems {
                tracing::warn!(what = %p.what, reason = %p.reason, "health check: degraded");
            }
            (StatusCode::OK, Json(health("degraded", problems, channels)))
        }
        Err(err) => {
            tracing::error!(error = %err, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(health("unavailable", Vec::new(), Vec::new())),
            )
        }
    }
}
