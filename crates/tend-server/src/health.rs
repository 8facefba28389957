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
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tend_channels::live::ChannelConfig;
use tend_core::jobs::{Degraded, health_report};
use tend_domain::{ChannelLink, LinkState};
use tend_store::StoreError;

/// A connected channel that has not read for this many of its intervals is
/// reported, and never sooner than [`STALE_AT_LEAST`].
const STALE_INTERVALS: i32 = 10;
/// The shortest silence reported (a streaming read holds a window of 20 s, a
/// sweep may take a while to requeue a lost read).
const STALE_AT_LEAST: SignedDuration = SignedDuration::from_mins(10);

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

/// What is wrong with a connected channel's reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelProblem {
    /// The last read failed, with the network's words.
    ReadFailed(String),
    /// The credentials expired then.
    Expired(Timestamp),
    /// No read since then, for this many minutes, though one was expected
    /// every so many seconds.
    Silent {
        /// The last read (or the connection).
        since: Timestamp,
        /// Minutes since.
        minutes: i64,
        /// The expected interval, in seconds.
        every_secs: i64,
    },
}

impl std::fmt::Display for ChannelProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChannelProblem::ReadFailed(error) => write!(f, "the last read failed: {error}"),
            ChannelProblem::Expired(at) => write!(f, "its credentials expired at {at}"),
            ChannelProblem::Silent {
                since,
                minutes,
                every_secs,
            } => write!(
                f,
                "no read since {since} ({minutes} minutes; expected every {every_secs} seconds)"
            ),
        }
    }
}

/// What is wrong with a live channel's reading at `now`: a connected channel
/// whose last read failed, whose credentials expired, or that has not read for
/// far longer than its interval. `None` when it is healthy, disconnected, or
/// waiting because the network asked it to.
pub fn channel_problem(link: &ChannelLink, now: Timestamp) -> Option<ChannelProblem> {
    if link.state != LinkState::Connected {
        return None;
    }
    if link.rate_limited_until.is_some_and(|until| until > now) {
        return None;
    }
    if let Some(error) = &link.last_error {
        return Some(ChannelProblem::ReadFailed(error.clone()));
    }
    if let Some(expired) = link.token_expires_at.filter(|at| *at <= now) {
        return Some(ChannelProblem::Expired(expired));
    }
    let interval = serde_json::from_str::<ChannelConfig>(&link.config)
        .ok()
        .and_then(|c| SignedDuration::try_from(c.poll_every()).ok())
        .unwrap_or(SignedDuration::from_secs(60));
    let allowed = interval
        .checked_mul(STALE_INTERVALS)
        .unwrap_or(SignedDuration::MAX)
        .max(STALE_AT_LEAST);
    let since = link.last_sync_at.unwrap_or(link.connected_at);
    let silent = now.duration_since(since);
    (silent > allowed).then(|| ChannelProblem::Silent {
        since,
        minutes: silent.as_mins(),
        every_secs: interval.as_secs(),
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use tend_domain::{ChannelId, WorkspaceId};

    fn link(now: Timestamp) -> ChannelLink {
        ChannelLink {
            channel_id: ChannelId(3),
            workspace_id: WorkspaceId(1),
            network: "simulated".into(),
            config: r#"{"network":"simulated","every_secs":30}"#.into(),
            state: LinkState::Connected,
            cursor: None,
            backfill_days: 7,
            last_sync_at: Some(now),
            last_ok_at: Some(now),
            last_error: None,
            last_error_at: None,
            token_expires_at: None,
            rate_limited_until: None,
            received: 0,
            connected_at: now,
            disconnected_at: None,
        }
    }

    #[test]
    fn a_channel_is_a_problem_when_its_read_failed_or_it_fell_silent() {
        let t0: Timestamp = "2026-11-25T12:00:00Z".parse().unwrap();
        let healthy = link(t0);
        assert_eq!(channel_problem(&healthy, t0), None);
        // Ten intervals of 30 s are less than the floor of ten minutes.
        let at = |mins: i64| t0 + SignedDuration::from_mins(mins);
        assert_eq!(channel_problem(&healthy, at(9)), None);
        let silent = channel_problem(&healthy, at(11)).unwrap();
        assert_eq!(
            silent,
            ChannelProblem::Silent {
                since: t0,
                minutes: 11,
                every_secs: 30
            }
        );
        assert!(silent.to_string().contains("no read since"), "{silent}");
        let mut failed = link(t0);
        failed.last_error = Some("temporary failure: timeout".into());
        let why = channel_problem(&failed, t0).unwrap();
        assert!(why.to_string().contains("timeout"), "{why}");
        // Waiting as the network asked is not a problem.
        failed.rate_limited_until = Some(at(5));
        assert_eq!(channel_problem(&failed, at(1)), None);
        let mut expired = link(t0);
        expired.token_expires_at = Some(t0);
        assert!(channel_problem(&expired, at(1)).is_some());
        let mut gone = link(t0);
        gone.state = LinkState::Disconnected;
        assert_eq!(channel_problem(&gone, at(600)), None);
    }
}
