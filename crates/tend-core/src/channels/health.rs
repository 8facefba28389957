//! Whether a live channel's reading is healthy, for the Channels page, the
//! API and `/healthz`: a connected channel whose last read failed, whose
//! credentials expired, or that fell silent for far longer than its
//! network's interval is a problem; one waiting out a rate limit is not.

use jiff::{SignedDuration, Timestamp};
use tend_channels::live::ChannelConfig;
use tend_domain::{ChannelLink, LinkState};

/// A connected channel that has not read for this many of its intervals is
/// reported, and never sooner than [`STALE_AT_LEAST`].
pub const STALE_INTERVALS: i32 = 10;
/// The shortest silence reported (a streaming read holds a window of 20 s, a
/// sweep may take a while to requeue a lost read).
pub const STALE_AT_LEAST: SignedDuration = SignedDuration::from_mins(10);

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
