//! The durable job runner: every piece of background work is a [`Job`], stored
//! in the `jobs` table and run by a [`Worker`] in any process that shares the
//! database (`tend serve`, `tend worker`).
//!
//! - **At least once, idempotent handlers.** A job is claimed under a lease that
//!   the worker extends while the handler runs; if the process dies, the lease
//!   expires and another worker runs the job again. Every handler is safe to run
//!   twice: the event-log consumers keep their cursor with what they write, and
//!   a rule's follow-up carries an idempotency key down to the row it writes.
//! - **Retries with backoff, dead letters.** A failed one-off job is retried with
//!   exponential backoff ([`backoff`]) and becomes a dead letter after its last
//!   attempt; admins see dead letters (`/w/{slug}/settings/jobs` and the API) and
//!   can retry them. A recurring job never dies: it backs off, and `/healthz`
//!   says `degraded` while it keeps failing.
//! - **Recurring schedules** ([`schedule`]) are one row each (key `every:<kind>`),
//!   queued again when they finish, so however many processes run there is one
//!   schedule, and it runs in one place at a time.
//! - A handler that returns an error or panics is logged with its job and
//!   retried; the worker itself keeps going.

pub mod admin;
mod handler;
pub mod health;
mod worker;

pub use handler::{Handler, JobContext};
pub use health::{Degraded, WorkerHealth, health_report};
pub use worker::{Worker, WorkerConfig};

use crate::moderation::FollowUp;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tend_domain::WorkspaceId;
use tend_domain::{ChannelId, OutboxId};
use tend_store::jobs::{Lane, NewJob};

/// Every kind of background work (a closed set, STYLE §9). Stored as JSON with
/// its `kind` tag; the tag is also the row's `kind` column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Reopens snoozed conversations whose time has come.
    WakeSnoozed,
    /// Runs the live moderation rules on new and edited messages, following
    /// the event log.
    Moderate,
    /// One follow-up of a fired rule (tag, assign, reply, note), queued in the
    /// verdict's transaction.
    RuleAction {
        /// The workspace.
        workspace: WorkspaceId,
        /// The job's idempotency key, which the reply or note it writes keeps.
        key: String,
        /// What to do.
        follow_up: FollowUp,
    },
    /// Sends the moderation rules' due webhook posts.
    DeliverWebhooks,
    /// Matches new and changed messages against the listening topics.
    Listen,
    /// Advances the backfills of new or changed topics.
    ListenBackfill,
    /// Looks for spikes in the topics and sends alerts.
    SpikeAlerts,
    /// Deletes expired sessions and finished jobs older than a week.
    Prune,
    /// Reads one live channel (recurring per channel, key `sync:<channel>`;
    /// streaming channels run in the stream lane and start again at once).
    SyncChannel {
        /// The workspace.
        workspace: WorkspaceId,
        /// The channel.
        channel: ChannelId,
    },
    /// Sends one outbox item (key `send:<item>:<attempts>`), or settles an
    /// attempt whose outcome is unknown.
    SendReply {
        /// The workspace.
        workspace: WorkspaceId,
        /// The item.
        outbox: OutboxId,
    },
    /// Repairs what a crash can leave: a connected channel without its read
    /// job, an outbox item that needs a send and has none.
    SweepChannels,
}

/// What a run asks for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Finished; a recurring job waits for its interval.
    Done,
    /// There is more to do now: a recurring job runs again at once.
    More,
    /// Nothing can be done before this moment (a network's rate limit, a
    /// paused workspace): the job runs again then, and for a one-off job the
    /// run does not count as an attempt.
    Later(Timestamp),
}

impl Outcome {
    /// When the job should run again, if it asks to.
    pub fn again_at(self, now: Timestamp) -> Option<Timestamp> {
        match self {
            Outcome::Done => None,
            Outcome::More => Some(now),
            Outcome::Later(at) => Some(at),
        }
    }
}

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    /// What went wrong, with its cause chain.
    pub message: String,
    /// A failure that no retry can fix (e.g. a payload this version cannot
    /// read): the job becomes a dead letter at once.
    pub permanent: bool,
}

impl JobError {
    /// A failure worth retrying.
    pub fn transient(err: impl std::fmt::Display) -> JobError {
        JobError {
            message: err.to_string(),
            permanent: false,
        }
    }

    /// A failure no retry fixes.
    pub fn permanent(err: impl std::fmt::Display) -> JobError {
        JobError {
            message: err.to_string(),
            permanent: true,
        }
    }
}

/// Attempts of a one-off job before it becomes a dead letter.
pub const MAX_ATTEMPTS: i64 = 8;

impl Job {
    /// The kind, as stored in the `kind` column and shown to admins.
    pub fn kind(&self) -> &'static str {
        match self {
            Job::WakeSnoozed => "wake_snoozed",
            Job::Moderate => "moderate",
            Job::RuleAction { .. } => "rule_action",
            Job::DeliverWebhooks => "deliver_webhooks",
            Job::Listen => "listen",
            Job::ListenBackfill => "listen_backfill",
            Job::SpikeAlerts => "spike_alerts",
            Job::Prune => "prune",
            Job::SyncChannel { .. } => "sync_channel",
            Job::SendReply { .. } => "send_reply",
            Job::SweepChannels => "sweep_channels",
        }
    }

    /// The workspace the job works for (`None`: every workspace).
    pub fn workspace(&self) -> Option<WorkspaceId> {
        match self {
            Job::RuleAction { workspace, .. }
            | Job::SyncChannel { workspace, .. }
            | Job::SendReply { workspace, .. } => Some(*workspace),
            _ => None,
        }
    }

    /// The row for a one-off run of this job at `run_at`, with an idempotency key.
    pub fn once(&self, key: Option<String>, run_at: Timestamp) -> NewJob {
        NewJob {
            kind: self.kind().to_owned(),
            payload: self.payload(),
            workspace: self.workspace(),
            key,
            run_at,
            max_attempts: MAX_ATTEMPTS,
            every: None,
            lane: Lane::Default,
        }
    }

    /// Reads a stored payload.
    pub fn parse(payload: &str) -> Result<Job, JobError> {
        serde_json::from_str(payload)
            .map_err(|e| JobError::permanent(format!("unreadable job payload: {e}")))
    }

    fn payload(&self) -> String {
        // A closed enum of plain data always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The recurring schedules: what runs, and how often.
pub mod schedule {
    use super::*;

    /// Every recurring job with its interval.
    pub const SCHEDULES: [(Job, SignedDuration); 8] = [
        (Job::WakeSnoozed, SignedDuration::from_secs(30)),
        (Job::Moderate, SignedDuration::from_secs(2)),
        (Job::DeliverWebhooks, SignedDuration::from_secs(5)),
        (Job::Listen, SignedDuration::from_secs(2)),
        (Job::ListenBackfill, SignedDuration::from_secs(2)),
        (Job::SpikeAlerts, SignedDuration::from_secs(60)),
        (Job::Prune, SignedDuration::from_secs(3600)),
        (Job::SweepChannels, SignedDuration::from_secs(30)),
    ];

    /// The row of a recurring job (key `every:<kind>`), first due at `now`.
    pub fn recurring(job: &Job, every: SignedDuration, now: Timestamp) -> NewJob {
        NewJob {
            kind: job.kind().to_owned(),
            payload: job.payload(),
            workspace: None,
            key: Some(format!("every:{}", job.kind())),
            run_at: now,
            max_attempts: i64::MAX,
            every: Some(every),
            lane: Lane::Default,
        }
    }

    /// Makes sure every schedule exists (each process does this at start; the
    /// key makes it one row however many do).
    pub async fn install(
        store: &dyn tend_store::Store,
        now: Timestamp,
    ) -> Result<(), tend_store::StoreError> {
        for (job, every) in &SCHEDULES {
            store
                .ensure_recurring(&recurring(job, *every, now), now)
                .await?;
        }
        Ok(())
    }
}

/// How long a one-off job waits before attempt `attempts + 1` after failing
/// `attempts` times: 5 s, doubling, at most an hour.
pub fn backoff(attempts: i64) -> SignedDuration {
    let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    SignedDuration::from_secs(5i64.saturating_mul(1i64 << exp).min(3600))
}

/// How long a failing recurring job waits: its interval doubled per failure in
/// a row, at most five minutes (or its interval, if longer).
pub fn recurring_backoff(every: SignedDuration, failures: i64) -> SignedDuration {
    let exp = u32::try_from(failures.clamp(0, 16)).unwrap_or(16);
    let secs = every.as_secs().max(1).saturating_mul(1i64 << exp);
    SignedDuration::from_secs(secs.min(300.max(every.as_secs())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_round_trip_through_their_stored_form() {
        let jobs = [
            Job::Moderate,
            Job::RuleAction {
                workspace: WorkspaceId(3),
                key: "rule:7:1:1:0:0".into(),
                follow_up: FollowUp::Tag(tend_domain::MessageId(7), "refund".into()),
            },
        ];
        for job in jobs {
            let row = job.once(Some("k".into()), Timestamp::UNIX_EPOCH);
            assert_eq!(row.kind, job.kind());
            assert!(
                row.payload
                    .contains(&format!("\"kind\":\"{}\"", job.kind()))
            );
            assert_eq!(Job::parse(&row.payload).unwrap(), job);
        }
        let err = Job::parse(r#"{"kind":"from_the_future"}"#).unwrap_err();
        assert!(err.permanent, "{err}");
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let secs: Vec<i64> = (1..=12).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(&secs[..5], [5, 10, 20, 40, 80]);
        assert_eq!(secs[11], 3600);
        let two = SignedDuration::from_secs(2);
        assert_eq!(recurring_backoff(two, 1).as_secs(), 4);
        assert_eq!(recurring_backoff(two, 30).as_secs(), 300);
        let hour = SignedDuration::from_secs(3600);
        assert_eq!(recurring_backoff(hour, 3).as_secs(), 3600);
    }

    #[test]
    fn every_schedule_has_its_own_kind() {
        let mut kinds: Vec<_> = schedule::SCHEDULES.iter().map(|(j, _)| j.kind()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), schedule::SCHEDULES.len());
    }
}
