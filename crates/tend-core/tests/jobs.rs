//! The job runner against a real store: retries with backoff and dead letters,
//! panics caught and recorded, recurring schedules that report themselves as
//! failing in the health report, leases taken over when a worker dies, and
//! several workers (as several processes would) running every job exactly once.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::fresh_store;
use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tend_core::jobs::{
    Handler, Job, JobError, Outcome, Worker, WorkerConfig, WorkerHealth, health_report, schedule,
};
use tend_core::moderation::FollowUp;
use tend_domain::{Clock, MessageId, WorkspaceId};
use tend_store::jobs::{JobFilter, JobState};
use tend_store::prelude::*;

/// Counts runs per rule-action key and behaves by the key's first word:
/// `fail…` errors, `panic…` panics, `slow…` takes a while, anything else works.
/// Recurring jobs fail while `failing` names their kind.
#[derive(Clone, Default)]
struct Scripted {
    runs: Arc<Mutex<HashMap<String, usize>>>,
    failing: Arc<Mutex<Option<&'static str>>>,
}

impl Scripted {
    fn runs(&self, key: &str) -> usize {
        self.runs.lock().unwrap().get(key).copied().unwrap_or(0)
    }
}

impl Handler for Scripted {
    async fn run(&self, job: &Job) -> Result<Outcome, JobError> {
        let Job::RuleAction { key, .. } = job else {
            if *self.failing.lock().unwrap() == Some(job.kind()) {
                return Err(JobError::transient("the database is away"));
            }
            return Ok(Outcome::Done);
        };
        *self.runs.lock().unwrap().entry(key.clone()).or_default() += 1;
        if key.starts_with("fail") {
            return Err(JobError::transient(format!("{key} failed")));
        }
        if key.starts_with("panic") {
            panic!("{key} panicked");
        }
        if key.starts_with("slow") {
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        Ok(Outcome::Done)
    }
}

fn action(key: &str) -> Job {
    Job::RuleAction {
        workspace: WorkspaceId(1),
        key: key.to_owned(),
        follow_up: FollowUp::Tag(MessageId(1), "t".into()),
    }
}

fn t0() -> Timestamp {
    "2026-11-20T10:00:00Z".parse().unwrap()
}

fn config(name: &str) -> WorkerConfig {
    WorkerConfig {
        concurrency: 2,
        streams: 0,
        lease: SignedDuration::from_secs(60),
        idle_poll: Duration::from_millis(20),
        name: name.to_owned(),
    }
}

/// A fresh store with Acme (workspace 1), a clock pinned at [`t0`], a scripted
/// handler and a worker over them.
async fn pinned_world() -> (
    tempfile::TempDir,
    Arc<dyn Store>,
    Clock,
    Scripted,
    Worker<Scripted>,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    assert_eq!(common::acme(&*store).await.id, WorkspaceId(1));
    let clock = Clock::pinned(t0());
    let handler = Scripted::default();
    let worker = Worker::new(store.clone(), handler.clone(), clock.clone(), config("w"));
    (dir, store, clock, handler, worker)
}

/// The stored jobs in `state` (all with `None`), most recently changed first.
async fn jobs_in(store: &dyn Store, state: Option<JobState>) -> Vec<tend_store::jobs::JobRecord> {
    store
        .jobs(&JobFilter {
            state,
            limit: 1000,
            ..JobFilter::default()
        })
        .await
        .unwrap()
}

async fn enqueue(store: &dyn Store, key: &str, at: Timestamp) {
    store
        .enqueue_job(&action(key).once(Some(key.to_owned()), at), at)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_failing_job_backs_off_then_becomes_a_dead_letter_that_can_be_retried() {
    let (_dir, store, clock, handler, worker) = pinned_world().await;
    enqueue(&*store, "fail-1", t0()).await;
    enqueue(&*store, "ok-1", t0()).await;

    assert_eq!(worker.run_due().await.unwrap(), 2);
    assert_eq!((handler.runs("fail-1"), handler.runs("ok-1")), (1, 1));
    // Not due again until its backoff (5 s, then 10 s, 20 s …) has passed.
    assert_eq!(worker.run_due().await.unwrap(), 0);
    let mut waited = Vec::new();
    for _ in 1..tend_core::jobs::MAX_ATTEMPTS {
        let job = &jobs_in(&*store, None)
            .await
            .into_iter()
            .find(|j| j.key.as_deref() == Some("fail-1"))
            .unwrap();
        assert_eq!(job.state, JobState::Queued);
        waited.push((job.run_at - clock.now()).get_seconds());
        clock.set(job.run_at);
        assert_eq!(worker.run_due().await.unwrap(), 1);
    }
    assert_eq!(waited[..4], [5, 10, 20, 40]);
    assert_eq!(
        handler.runs("fail-1"),
        tend_core::jobs::MAX_ATTEMPTS as usize
    );
    let dead = jobs_in(&*store, Some(JobState::Dead)).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].last_error.as_deref(), Some("fail-1 failed"));
    let report = health_report(&*store, None, clock.now()).await.unwrap();
    assert!(
        report.iter().any(|d| d.what == "dead_letters"),
        "{report:?}"
    );
    // Nothing runs a dead letter until an admin retries it.
    clock.advance(SignedDuration::from_hours(24));
    assert_eq!(worker.run_due().await.unwrap(), 0);
    store
        .retry_job(dead[0].id, None, clock.now())
        .await
        .unwrap();
    assert_eq!(worker.run_due().await.unwrap(), 1);
    assert_eq!(
        handler.runs("fail-1"),
        tend_core::jobs::MAX_ATTEMPTS as usize + 1
    );
    assert_eq!(handler.runs("ok-1"), 1, "a finished job never runs again");
}

#[tokio::test]
async fn a_panicking_handler_is_caught_recorded_and_retried() {
    let (_dir, store, clock, handler, worker) = pinned_world().await;
    enqueue(&*store, "panic-1", t0()).await;
    assert_eq!(worker.run_due().await.unwrap(), 1);
    let job = jobs_in(&*store, None).await.remove(0);
    assert_eq!(job.state, JobState::Queued, "retried later");
    assert!(
        job.last_error
            .as_deref()
            .unwrap()
            .contains("the handler panicked: panic-1 panicked"),
        "{:?}",
        job.last_error
    );
    clock.advance(SignedDuration::from_secs(5));
    assert_eq!(worker.run_due().await.unwrap(), 1, "the worker goes on");
    assert_eq!(handler.runs("panic-1"), 2);
}

#[tokio::test]
async fn a_failing_schedule_makes_the_health_report_degraded_until_it_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    assert_eq!(common::acme(&*store).await.id, WorkspaceId(1));
    let clock = Clock::pinned(t0());
    let handler = Scripted::default();
    *handler.failing.lock().unwrap() = Some("moderate");
    let worker = Worker::new(store.clone(), handler.clone(), clock.clone(), config("w"));
    schedule::install(&*store, clock.now()).await.unwrap();
    assert!(
        health_report(&*store, None, clock.now())
            .await
            .unwrap()
            .is_empty()
    );
    for _ in 0..2 {
        worker.run_due().await.unwrap();
        clock.advance(SignedDuration::from_secs(600));
    }
    let report = health_report(&*store, None, clock.now()).await.unwrap();
    let moderate: Vec<_> = report.iter().filter(|d| d.what == "moderate").collect();
    assert_eq!(moderate.len(), 1, "{report:?}");
    assert!(
        moderate[0].reason.contains("the database is away"),
        "{report:?}"
    );
    // A recurring job never becomes a dead letter; it recovers by itself.
    *handler.failing.lock().unwrap() = None;
    worker.run_due().await.unwrap();
    assert!(
        health_report(&*store, None, clock.now())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_worker_whose_loops_are_not_running_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    assert_eq!(common::acme(&*store).await.id, WorkspaceId(1));
    let health = WorkerHealth::new(2);
    assert!(
        health.starting(),
        "a new worker gets time to start its loops"
    );
    assert!(
        health_report(&*store, Some(&health), t0())
            .await
            .unwrap()
            .is_empty()
    );
    let first = health.loop_started();
    assert!(!health.starting());
    let report = health_report(&*store, Some(&health), t0()).await.unwrap();
    assert_eq!(report.len(), 1);
    assert_eq!(report[0].what, "worker");
    assert!(report[0].reason.contains("1 of 2"), "{report:?}");
    let _second = health.loop_started();
    assert!(
        health_report(&*store, Some(&health), t0())
            .await
            .unwrap()
            .is_empty()
    );
    drop(first);
    let report = health_report(&*store, Some(&health), t0()).await.unwrap();
    assert!(
        report[0].reason.contains("1 of 2"),
        "a loop that ended counts: {report:?}"
    );
}

#[tokio::test]
async fn a_job_whose_worker_died_runs_elsewhere_once_the_lease_expires() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    assert_eq!(common::acme(&*store).await.id, WorkspaceId(1));
    let clock = Clock::pinned(t0());
    enqueue(&*store, "ok-orphan", t0()).await;
    // A worker claims it and dies without a word.
    let lease = SignedDuration::from_secs(60);
    assert_eq!(
        store
            .claim_jobs("dead-worker", t0(), lease, 1)
            .await
            .unwrap()
            .len(),
        1
    );
    let handler = Scripted::default();
    let worker = Worker::new(store.clone(), handler.clone(), clock.clone(), config("w"));
    assert_eq!(worker.run_due().await.unwrap(), 0, "the lease still runs");
    clock.advance(lease + SignedDuration::from_secs(1));
    assert_eq!(worker.run_due().await.unwrap(), 1);
    assert_eq!(handler.runs("ok-orphan"), 1);
    let job = jobs_in(&*store, None).await.remove(0);
    assert_eq!((job.state, job.attempts), (JobState::Done, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_running_workers_share_the_jobs_and_run_each_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    assert_eq!(common::acme(&*store).await.id, WorkspaceId(1));
    let clock = Clock::system();
    let now = clock.now();
    for i in 0..120 {
        let key = if i % 10 == 0 {
            format!("slow-{i}")
        } else {
            format!("ok-{i}")
        };
        enqueue(&*store, &key, now).await;
    }
    let handler = Scripted::default();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut running = Vec::new();
    for w in 0..3 {
        let worker = Worker::new(
            store.clone(),
            handler.clone(),
            clock.clone(),
            config(&format!("p{w}")),
        );
        let mut stopped = stopped.clone();
        running.push(tokio::spawn(worker.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })));
    }
    // Poll until every job has run (no sleeps in assertions: a deadline only).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let total: usize = handler.runs.lock().unwrap().values().sum();
        if total >= 120 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {total} of 120 ran"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop.send(true);
    for r in running {
        r.await.unwrap();
    }
    let runs = handler.runs.lock().unwrap().clone();
    assert_eq!(runs.len(), 120);
    assert!(runs.values().all(|n| *n == 1), "{runs:?}");
    let done = jobs_in(&*store, Some(JobState::Done)).await;
    let mut by: HashMap<String, usize> = HashMap::new();
    for j in done.iter().filter(|j| j.kind == "rule_action") {
        *by.entry(j.locked_by.clone().unwrap_or_default())
            .or_default() += 1;
    }
    assert_eq!(done.iter().filter(|j| j.kind == "rule_action").count(), 120);
    assert!(by.len() >= 2, "the work is shared: {by:?}");
    // A graceful stop leaves nothing claimed.
    let running = JobFilter {
        state: Some(JobState::Running),
        limit: 10,
        ..JobFilter::default()
    };
    assert!(store.jobs(&running).await.unwrap().is_empty());
}

/// Regression (issue 13): a rule's reply was dropped without a word when no one
/// could write it. Now it runs as the `rules` system actor in the name of a
/// teammate who may reply, once per key; when that teammate may no longer reply
/// the job fails for good, with the reason, for an admin to see.
#[tokio::test]
async fn rule_replies_run_as_the_system_actor_once_and_a_refusal_is_a_dead_letter() {
    use tend_domain::{ChannelKind, MessageKind, NewMessage, Role};
    let dir = tempfile::tempdir().unwrap();
    let store = fresh_store(&dir).await;
    let ws = common::acme(&*store).await;
    let forum = common::channel(&*store, ws.id, ChannelKind::Discourse, "Forum").await;
    let anna = common::teammate(
        &*store,
        ws.id,
        "anna@acme.se",
        "Anna",
        Role::CommunityManager,
    )
    .await;
    let post = |id: &str| NewMessage::new(forum.id, id, MessageKind::ForumPost, "refund?", t0());
    let stored = store
        .upsert_messages(ws.id, &[post("a"), post("b")])
        .await
        .unwrap();
    let reply = |m: MessageId, key: &str| Job::RuleAction {
        workspace: ws.id,
        key: key.to_owned(),
        follow_up: FollowUp::Reply(m, anna.id, "We are on it".into()),
    };
    let clock = Clock::pinned(t0());
    let handler = tend_core::jobs::JobContext::new(store.clone(), clock.clone());
    let worker = Worker::new(store.clone(), handler, clock.clone(), config("w"));
    // The same follow-up queued under two job rows with one key (as a rerun
    // would): one reply.
    for key in ["rule:a", "rule:a"] {
        let job = reply(stored[0].id, key).once(Some(key.to_owned()), t0());
        store.enqueue_job(&job, t0()).await.unwrap();
        worker.run_due().await.unwrap();
    }
    let queued = store.message_outbox(ws.id, stored[0].id).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].author_id, Some(anna.id));
    // Anna becomes an analyst: the rules may no longer reply in her name.
    store
        .grant_role(anna.id, ws.id, Role::Analyst)
        .await
        .unwrap();
    let job = reply(stored[1].id, "rule:b").once(Some("rule:b".into()), t0());
    store.enqueue_job(&job, t0()).await.unwrap();
    worker.run_due().await.unwrap();
    assert!(
        store
            .message_outbox(ws.id, stored[1].id)
            .await
            .unwrap()
            .is_empty()
    );
    let dead = jobs_in(&*store, Some(JobState::Dead)).await;
    assert_eq!(
        dead.len(),
        1,
        "failed for good at once, not retried 8 times"
    );
    assert_eq!(dead[0].attempts, 1);
    assert!(
        dead[0].last_error.as_deref() == Some(tend_core::team::Permission::Reply.refusal()),
        "{:?}",
        dead[0].last_error
    );
}

/// A worker that stalled past its lease while another took its job over can no
/// longer commit the consumers' writes (the fence): two runs of one event-log
/// job never both land.
#[tokio::test]
async fn a_worker_whose_job_was_taken_over_commits_nothing() {
    use tend_store::jobs::{Fence, fenced};
    let (_dir, store, _clock, _handler, _worker) = pinned_world().await;
    let ws = WorkspaceId(1);
    enqueue(&*store, "ok-fenced", t0()).await;
    let lease = SignedDuration::from_secs(60);
    let job = store.claim_jobs("slow", t0(), lease, 1).await.unwrap()[0].id;
    let fence = |worker: &str| Fence {
        job,
        worker: worker.to_owned(),
    };
    // While it holds the job, its writes commit.
    fenced(
        fence("slow"),
        store.record_matches(ws, &[], Some(("probe", 5)), &[]),
    )
    .await
    .unwrap();
    assert_eq!(store.consumer_cursor("probe").await.unwrap(), 5);
    // It stalls past its lease; another worker takes the job over.
    let later = t0() + lease + SignedDuration::from_secs(1);
    assert_eq!(
        store.claim_jobs("fast", later, lease, 1).await.unwrap()[0].id,
        job
    );
    let late = fenced(
        fence("slow"),
        store.record_matches(ws, &[], Some(("probe", 9)), &[]),
    )
    .await;
    assert!(
        matches!(late, Err(tend_store::StoreError::Conflict(_))),
        "{late:?}"
    );
    let late = fenced(
        fence("slow"),
        store.record_verdicts(ws, &[], &[], Some(("probe", 9))),
    )
    .await;
    assert!(
        matches!(late, Err(tend_store::StoreError::Conflict(_))),
        "{late:?}"
    );
    assert_eq!(
        store.consumer_cursor("probe").await.unwrap(),
        5,
        "nothing landed"
    );
    // The new holder's writes do.
    fenced(
        fence("fast"),
        store.record_matches(ws, &[], Some(("probe", 9)), &[]),
    )
    .await
    .unwrap();
    assert_eq!(store.consumer_cursor("probe").await.unwrap(), 9);
}
