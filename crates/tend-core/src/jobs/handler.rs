//! What each job does: [`JobContext`] is the production [`Handler`], one `match`
//! over [`Job`] delegating to the capability that owns the work.

use super::{Job, JobError, Outcome};
use crate::listening::Listener;
use crate::moderation::Moderator;
use std::future::Future;
use std::sync::Arc;
use tend_domain::Clock;
use tend_store::prelude::*;

/// Runs jobs. The worker is generic over it so tests can wrap the production
/// handler (e.g. to make one kind fail) without a test-only job kind.
pub trait Handler: Send + Sync + 'static {
    /// Runs `job` once. It may run again after a crash: it must be idempotent.
    fn run(&self, job: &Job) -> impl Future<Output = Result<Outcome, JobError>> + Send;
}

/// At most this many passes of an event-log consumer per run; a run that hits
/// it answers [`Outcome::More`] and is queued again at once.
const PASSES_PER_RUN: usize = 50;

/// Backfill steps per run, so new messages never wait long behind a history.
const BACKFILL_STEPS_PER_RUN: usize = 20;

/// How long finished one-off jobs are kept (their keys stay taken meanwhile).
const KEEP_DONE_JOBS: jiff::SignedDuration = jiff::SignedDuration::from_hours(7 * 24);

/// The production handler: the store, the clock, and the long-lived state of
/// the consumers (parsed rules, compiled topics, an HTTP client).
pub struct JobContext {
    store: Arc<dyn Store>,
    clock: Clock,
    moderator: Moderator,
    listener: Listener,
    http: Option<reqwest::Client>,
    secrets: Option<crate::channels::secrets::SecretBox>,
    connectors: crate::channels::Connectors,
}

impl JobContext {
    /// A handler over `store`, with `clock` for "now".
    pub fn new(store: Arc<dyn Store>, clock: Clock) -> JobContext {
        let http = crate::moderation::webhooks::client()
            .inspect_err(|e| {
                tracing::error!(error = %e, "no HTTP client: moderation webhooks stay queued");
            })
            .ok();
        JobContext {
            store,
            moderator: Moderator::with_clock(clock.clone()),
            clock,
            listener: Listener::default(),
            http,
            secrets: None,
            connectors: crate::channels::Connectors::default(),
        }
    }

    /// With the key that opens the live channels' credentials (without one,
    /// live channels are neither read nor written, and say why).
    pub fn with_secrets(mut self, secrets: crate::channels::secrets::SecretBox) -> JobContext {
        self.secrets = Some(secrets);
        self
    }
}

impl Handler for JobContext {
    async fn run(&self, job: &Job) -> Result<Outcome, JobError> {
        let store = &*self.store;
        let now = self.clock.now();
        match job {
            Job::WakeSnoozed => {
                let n = store.wake_snoozed(now).await.map_err(JobError::transient)?;
                if n > 0 {
                    tracing::info!(reopened = n, "snoozed conversations reopened");
                }
                Ok(Outcome::Done)
            }
            Job::Moderate => until_done(PASSES_PER_RUN, || self.moderator.run_once(store)).await,
            Job::RuleAction {
                workspace,
                key,
                follow_up,
            } => {
                use crate::conversations::ActionError;
                follow_up
                    .apply(store, *workspace, key)
                    .await
                    .map_err(|e| match e {
                        // No retry makes these work: a dead letter at once.
                        ActionError::Invalid(_)
                        | ActionError::Reply(_)
                        | ActionError::Forbidden(_)
                        | ActionError::Store(tend_store::StoreError::NotFound) => {
                            JobError::permanent(e)
                        }
                        ActionError::Store(_) => JobError::transient(e),
                    })?;
                Ok(Outcome::Done)
            }
            Job::DeliverWebhooks => {
                let Some(http) = &self.http else {
                    return Err(JobError::transient("no HTTP client could be built"));
                };
                crate::moderation::webhooks::deliver_due(store, http, now)
                    .await
                    .map_err(JobError::transient)?;
                Ok(Outcome::Done)
            }
            Job::Listen => until_done(PASSES_PER_RUN, || self.listener.run_once(store)).await,
            Job::ListenBackfill => {
                until_done(BACKFILL_STEPS_PER_RUN, || {
                    self.listener.backfill_once(store)
                })
                .await
            }
            Job::SpikeAlerts => {
                self.listener
                    .alert_if_due(store, now)
                    .await
                    .map_err(JobError::transient)?;
                Ok(Outcome::Done)
            }
            Job::SyncChannel { workspace, channel } => {
                crate::channels::sync::sync(
                    store,
                    self.secrets.as_ref(),
                    &self.connectors,
                    &self.clock,
                    *workspace,
                    *channel,
                )
                .await
            }
            Job::SendReply { workspace, outbox } => {
                crate::channels::send::send(
                    store,
                    self.secrets.as_ref(),
                    &self.connectors,
                    *workspace,
                    *outbox,
                    now,
                )
                .await
            }
            Job::SweepChannels => {
                let queued =
                    crate::channels::sweep(store, self.secrets.as_ref(), &self.connectors, now)
                        .await
                        .map_err(JobError::transient)?;
                if queued > 0 {
                    tracing::info!(queued, "outbox items without a send job were queued");
                }
                Ok(Outcome::Done)
            }
            Job::Prune => {
                store
                    .delete_expired_sessions(now)
                    .await
                    .map_err(JobError::transient)?;
                store
                    .prune_jobs(now - KEEP_DONE_JOBS)
                    .await
                    .map_err(JobError::transient)?;
                Ok(Outcome::Done)
            }
        }
    }
}

/// Runs `pass` until it finds nothing to do (`Done`), at most `limit` times
/// (`More`: queue the job again at once, so one run never holds a worker long).
async fn until_done<F, Fut, E>(limit: usize, mut pass: F) -> Result<Outcome, JobError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<usize, E>>,
    E: std::fmt::Display,
{
    for _ in 0..limit {
        if pass().await.map_err(JobError::transient)? == 0 {
            return Ok(Outcome::Done);
        }
    }
    Ok(Outcome::More)
}
