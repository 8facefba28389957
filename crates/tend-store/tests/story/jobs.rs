//! Chapter of the story: the job queue. Enqueueing is idempotent by key; a
//! claim takes due jobs once (never one job twice, however many claimers);
//! finishing and failing act only for the lease holder; an expired lease makes a
//! job claimable again; a recurring job is one row queued again when it
//! finishes; dead letters are listed per workspace and retried; health counts
//! failing schedules, dead letters and overdue jobs; old done jobs are pruned.
//! Verdicts recorded with their follow-up jobs queue each key once, and a
//! consumer's cursor only moves forward.

use jiff::{SignedDuration, Timestamp};
use std::sync::Arc;
use tend_domain::*;
use tend_store::StoreError;
use tend_store::jobs::{JobFilter, JobState, NewJob};
use tend_store::prelude::*;

fn job(kind: &str, key: Option<&str>, workspace: Option<WorkspaceId>, run_at: Timestamp) -> NewJob {
    NewJob {
        kind: kind.into(),
        payload: format!(r#"{{"kind":"{kind}"}}"#),
        workspace,
        key: key.map(str::to_owned),
        run_at,
        max_attempts: 3,
        every: None,
        lane: Default::default(),
    }
}

pub async fn jobs(store: Arc<dyn Store>, acme: &Workspace, other: &Workspace, t0: Timestamp) {
    let lease = SignedDuration::from_secs(60);
    let s = SignedDuration::from_secs;

    // Enqueue: a key is taken once.
    assert!(
        store
            .enqueue_job(&job("a", Some("k-a"), Some(acme.id), t0), t0)
            .await
            .unwrap()
    );
    assert!(
        !store
            .enqueue_job(&job("a", Some("k-a"), Some(acme.id), t0), t0)
            .await
            .unwrap()
    );
    assert!(
        store
            .enqueue_job(&job("b", None, None, t0 + s(10)), t0)
            .await
            .unwrap()
    );
    assert!(
        store
            .enqueue_job(&job("c", None, Some(other.id), t0), t0)
            .await
            .unwrap()
    );

    // Claim: only due jobs, in run_at order, each to one worker.
    let first = store.claim_jobs("w1", t0, lease, 10).await.unwrap();
    assert_eq!(
        first.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(),
        ["a", "c"]
    );
    assert!(first.iter().all(|j| j.state == JobState::Running
        && j.attempts == 1
        && j.locked_by.as_deref() == Some("w1")
        && j.lease_until == Some(t0 + lease)));
    assert!(
        store
            .claim_jobs("w2", t0, lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let (a, c) = (first[0].id, first[1].id);

    // Only the holder finishes or fails; a heartbeat extends the lease.
    assert!(!store.finish_job(a, "w2", t0, None).await.unwrap());
    assert!(store.extend_lease(a, "w1", t0 + s(120)).await.unwrap());
    assert!(!store.extend_lease(a, "w2", t0 + s(120)).await.unwrap());
    assert!(store.finish_job(a, "w1", t0 + s(1), None).await.unwrap());
    let done = store.job(a, Some(acme.id)).await.unwrap();
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.finished_at, Some(t0 + s(1)));
    assert!(
        !store.finish_job(a, "w1", t0 + s(1), None).await.unwrap(),
        "only once"
    );
    // A done job's key stays taken.
    assert!(
        !store
            .enqueue_job(&job("a", Some("k-a"), None, t0), t0)
            .await
            .unwrap()
    );

    // A failure queues again at the given time, keeping the error.
    assert!(
        store
            .fail_job(c, "w1", "boom", Some(t0 + s(5)), t0)
            .await
            .unwrap()
    );
    let c1 = store.job(c, None).await.unwrap();
    assert_eq!(
        (c1.state, c1.failures, c1.last_error.as_deref()),
        (JobState::Queued, 1, Some("boom"))
    );
    assert!(
        store
            .claim_jobs("w1", t0 + s(4), lease, 10)
            .await
            .unwrap()
            .is_empty()
    );
    // b (t0+10) is not due yet at t0+5; c is.
    let again = store.claim_jobs("w2", t0 + s(5), lease, 10).await.unwrap();
    assert_eq!(again.iter().map(|j| j.id).collect::<Vec<_>>(), [c]);
    assert_eq!(again[0].attempts, 2);

    // The holder dies: once the lease expires, another worker takes the job and
    // the old holder can no longer record anything.
    // b (due at t0+10) is claimed at t0+30; c is not, its lease runs.
    let early = store.claim_jobs("w3", t0 + s(30), lease, 10).await.unwrap();
    assert_eq!(
        early.iter().map(|j| j.kind.as_str()).collect::<Vec<_>>(),
        ["b"]
    );
    let b = early[0].id;
    let taken = store
        .claim_jobs("w3", t0 + s(5) + lease + s(1), lease, 10)
        .await
        .unwrap();
    assert!(taken.iter().any(|j| j.id == c), "{taken:?}");
    assert!(
        !store
            .fail_job(c, "w2", "late", None, t0 + s(70))
            .await
            .unwrap()
    );
    // Its last attempt fails for good: a dead letter.
    assert!(
        store
            .fail_job(c, "w3", "still broken", None, t0 + s(70))
            .await
            .unwrap()
    );
    assert!(store.finish_job(b, "w3", t0 + s(70), None).await.unwrap());

    // Dead letters: listed for their workspace (and system-wide ones), not for
    // another; retried by an admin of their workspace only.
    let dead = JobFilter {
        state: Some(JobState::Dead),
        workspace: Some(other.id),
        limit: 10,
    };
    assert_eq!(
        store
            .jobs(&dead)
            .await
            .unwrap()
            .iter()
            .map(|j| j.id)
            .collect::<Vec<_>>(),
        [c]
    );
    let dead_acme = JobFilter {
        workspace: Some(acme.id),
        ..dead.clone()
    };
    assert!(store.jobs(&dead_acme).await.unwrap().is_empty());
    assert!(matches!(
        store.job(c, Some(acme.id)).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.retry_job(c, Some(acme.id), t0).await,
        Err(StoreError::NotFound)
    ));
    assert!(
        matches!(
            store.retry_job(b, None, t0).await,
            Err(StoreError::NotFound)
        ),
        "only dead jobs"
    );

    // Health: a dead letter; a queued job long overdue.
    let health = store.job_health(t0 + s(70), 2, s(120)).await.unwrap();
    assert_eq!(
        (health.dead, health.overdue, health.failing.len()),
        (1, 0, 0)
    );
    store
        .retry_job(c, Some(other.id), t0 + s(80))
        .await
        .unwrap();
    let retried = store.job(c, None).await.unwrap();
    assert_eq!((retried.state, retried.attempts), (JobState::Queued, 0));
    let health = store
        .job_health(t0 + s(80) + s(121), 2, s(120))
        .await
        .unwrap();
    assert_eq!((health.dead, health.overdue), (0, 1));
    let c2 = store.claim_jobs("w1", t0 + s(300), lease, 1).await.unwrap();
    assert!(
        store
            .finish_job(c2[0].id, "w1", t0 + s(300), None)
            .await
            .unwrap()
    );

    // A recurring job: one row however often it is ensured; queued again after
    // each run; failures in a row are counted until a success.
    let mut every = job("tick", Some("every:tick"), None, t0 + s(300));
    every.every = Some(s(30));
    every.max_attempts = i64::MAX;
    store.ensure_recurring(&every, t0).await.unwrap();
    store.ensure_recurring(&every, t0).await.unwrap();
    every.every = Some(s(60));
    store.ensure_recurring(&every, t0).await.unwrap();
    let ticks = JobFilter {
        limit: 100,
        ..JobFilter::default()
    };
    let all = store.jobs(&ticks).await.unwrap();
    let ticks: Vec<_> = all.iter().filter(|j| j.kind == "tick").collect();
    assert_eq!(ticks.len(), 1);
    assert_eq!(ticks[0].every_secs, Some(60), "the newest interval wins");
    let tick = ticks[0].id;
    let t1 = t0 + s(300);
    for n in 1..=2 {
        let claimed = store.claim_jobs("w1", t1, lease, 1).await.unwrap();
        assert_eq!(claimed[0].id, tick);
        assert!(
            store
                .fail_job(tick, "w1", "db down", Some(t1), t1)
                .await
                .unwrap()
        );
        assert_eq!(store.job(tick, None).await.unwrap().failures, n);
    }
    let health = store.job_health(t1, 2, s(120)).await.unwrap();
    assert_eq!(
        health
            .failing
            .iter()
            .map(|j| j.kind.as_str())
            .collect::<Vec<_>>(),
        ["tick"]
    );
    assert_eq!(health.failing[0].last_error.as_deref(), Some("db down"));
    store.claim_jobs("w1", t1, lease, 1).await.unwrap();
    assert!(store.finish_job(tick, "w1", t1, None).await.unwrap());
    let next = store.job(tick, None).await.unwrap();
    assert_eq!(
        (next.state, next.run_at, next.failures, next.attempts),
        (JobState::Queued, t1 + s(60), 0, 0)
    );
    assert!(
        store
            .job_health(t1, 2, s(120))
            .await
            .unwrap()
            .failing
            .is_empty()
    );
    // "More to do": queued again at once.
    store.claim_jobs("w1", t1 + s(60), lease, 1).await.unwrap();
    assert!(
        store
            .finish_job(tick, "w1", t1 + s(61), Some(t1 + s(61)))
            .await
            .unwrap()
    );
    assert_eq!(store.job(tick, None).await.unwrap().run_at, t1 + s(61));

    // Many claimers at once never share a job.
    for i in 0..40 {
        store
            .enqueue_job(&job("race", Some(&format!("race-{i}")), None, t0), t0)
            .await
            .unwrap();
    }
    let claimers = (0..4).map(|w| {
        let store = Arc::clone(&store);
        tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let jobs = store
                    .claim_jobs(&format!("r{w}"), t1, lease, 3)
                    .await
                    .unwrap();
                if jobs.is_empty() {
                    return got;
                }
                got.extend(jobs.into_iter().filter(|j| j.kind == "race").map(|j| j.id));
            }
        })
    });
    let mut seen = Vec::new();
    for c in claimers {
        seen.extend(c.await.unwrap());
    }
    let n = seen.len();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!((n, seen.len()), (40, 40), "every job claimed exactly once");

    // Pruning removes old done one-off jobs (freeing their keys), nothing else.
    let pruned = store.prune_jobs(t0 + s(2)).await.unwrap();
    assert_eq!(pruned, 1, "job a (done at t0+1)");
    assert!(
        store
            .enqueue_job(&job("a", Some("k-a"), None, t0), t0)
            .await
            .unwrap()
    );
    assert_eq!(store.job(tick, None).await.unwrap().kind, "tick");

    // Verdicts with follow-up jobs: the jobs and the consumer's cursor commit with
    // the verdicts, and a key already queued is not queued again.
    for _ in 0..2 {
        store
            .record_verdicts(
                acme.id,
                &[],
                &[job("follow-up", Some("k-follow"), Some(acme.id), t0)],
                Some(("story-verdicts", 3)),
            )
            .await
            .unwrap();
    }
    let queued = store
        .jobs(&JobFilter {
            state: None,
            workspace: Some(acme.id),
            limit: 500,
        })
        .await
        .unwrap();
    assert_eq!(queued.iter().filter(|j| j.kind == "follow-up").count(), 1);
    assert_eq!(store.consumer_cursor("story-verdicts").await.unwrap(), 3);
    // A consumer's cursor only moves forward.
    store
        .set_consumer_cursor("story-verdicts", 9)
        .await
        .unwrap();
    store
        .set_consumer_cursor("story-verdicts", 5)
        .await
        .unwrap();
    assert_eq!(store.consumer_cursor("story-verdicts").await.unwrap(), 9);
}
