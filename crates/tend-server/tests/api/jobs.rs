//! Background jobs over HTTP: `/healthz` says `degraded`, with the reason, while
//! a job handler fails or panics, or a job loop of the process is down, and `ok`
//! again once it recovers; admins see dead letters (API and page, escaped, EN and
//! SV) and retry them; other roles are refused and other workspaces' jobs are not
//! found.

use crate::helpers::*;
use crate::roles::{dead_job, failed_job};
use jiff::SignedDuration;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tend_core::jobs::{
    Handler, Job, JobContext, JobError, Outcome, Worker, WorkerConfig, WorkerHealth,
};
use tend_domain::{Clock, Role};

/// The production handler, except that `moderate` fails (or panics) while
/// `broken` is set.
#[derive(Clone)]
struct Flaky {
    inner: Arc<JobContext>,
    broken: Arc<AtomicBool>,
    panics: bool,
}

impl Handler for Flaky {
    async fn run(&self, job: &Job) -> Result<Outcome, JobError> {
        if matches!(job, Job::Moderate) && self.broken.load(Ordering::SeqCst) {
            if self.panics {
                panic!("the moderator fell over");
            }
            return Err(JobError::transient("the rules engine is away"));
        }
        self.inner.run(job).await
    }
}

fn flaky(app: &TestApp, panics: bool) -> (Flaky, Arc<AtomicBool>) {
    let broken = Arc::new(AtomicBool::new(true));
    let handler = Flaky {
        inner: Arc::new(JobContext::new(app.store.clone(), app.clock.clone())),
        broken: broken.clone(),
        panics,
    };
    (handler, broken)
}

async fn healthz(app: &TestApp) -> Value {
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200, "degraded still answers 200");
    res.json().await.unwrap()
}

#[tokio::test]
async fn healthz_is_degraded_with_the_reason_while_a_job_handler_fails() {
    let app = spawn_app().await;
    assert_eq!(healthz(&app).await["status"], "ok");
    let (handler, broken) = flaky(&app, false);
    let worker = Worker::new(
        app.store.clone(),
        handler,
        app.clock.clone(),
        WorkerConfig::default(),
    );
    // Two failed runs in a row make a failing schedule.
    for _ in 0..2 {
        worker.run_once().await.unwrap();
        app.clock.advance(SignedDuration::from_secs(600));
    }
    let health = healthz(&app).await;
    assert_eq!(health["status"], "degraded", "{health}");
    let problems = health["problems"].as_array().unwrap();
    assert!(
        problems.iter().any(|p| p["what"] == "moderate"
            && p["reason"]
                .as_str()
                .unwrap()
                .contains("the rules engine is away")),
        "{health}"
    );
    // Fixed: the next run succeeds and the report is clean again.
    broken.store(false, Ordering::SeqCst);
    worker.run_once().await.unwrap();
    assert_eq!(healthz(&app).await["status"], "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_in_a_running_worker_is_reported_and_the_worker_goes_on() {
    let clock = Clock::system();
    let app = spawn_with(|s| s.with_clock(clock.clone())).await;
    let (handler, broken) = flaky(&app, true);
    let config = WorkerConfig {
        idle_poll: Duration::from_millis(20),
        ..WorkerConfig::default()
    };
    let worker = Worker::new(app.store.clone(), handler, clock.clone(), config);
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(worker.run(async move {
        let _ = stopped.wait_for(|s| *s).await;
    }));
    // Poll (with a deadline) until the failing schedule shows.
    let deadline = Instant::now() + Duration::from_secs(60);
    let health = loop {
        let health = healthz(&app).await;
        if health["status"] == "degraded" {
            break health;
        }
        assert!(Instant::now() < deadline, "never degraded: {health}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        health["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["reason"]
                .as_str()
                .unwrap()
                .contains("the handler panicked: the moderator fell over")),
        "{health}"
    );
    // The worker kept running the other schedules meanwhile.
    let listen = app
        .store
        .jobs(&tend_store::jobs::JobFilter {
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|j| j.kind == "listen")
        .unwrap();
    assert!(listen.finished_at.is_some(), "{listen:?}");
    broken.store(false, Ordering::SeqCst);
    let _ = stop.send(true);
    running.await.unwrap();
}

#[tokio::test]
async fn healthz_is_degraded_while_a_job_loop_of_this_process_is_down() {
    let health = WorkerHealth::new(2);
    let loop_one = health.loop_started();
    let app = spawn_with(|s| s.with_worker(health.clone())).await;
    let report = healthz(&app).await;
    assert_eq!(report["status"], "degraded");
    assert_eq!(report["worker"], true);
    assert_eq!(report["problems"][0]["what"], "worker");
    assert!(
        report["problems"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("1 of 2 job loops"),
        "{report}"
    );
    let _loop_two = health.loop_started();
    assert_eq!(healthz(&app).await["status"], "ok");
    drop(loop_one);
    assert_eq!(healthz(&app).await["status"], "degraded");
}

#[tokio::test]
async fn admins_see_dead_letters_and_retry_them_and_nobody_else_does() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let acme_job = dead_job(&app, s.acme.id, "acme-dead").await;
    let globex_job = dead_job(&app, s.globex.id, "globex-dead").await;
    let admin = app.browser(&Seed::email(Role::Admin)).await;

    let list: Value = app
        .get("/api/w/acme/jobs?state=dead", &admin)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<i64> = list["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [acme_job], "only Acme's: {list}");
    assert_eq!(list["jobs"][0]["state"], "dead");
    assert_eq!(list["jobs"][0]["last_error"], "unreadable job payload");
    assert!(
        list["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["what"] == "dead_letters"),
        "{list}"
    );
    let res = app.get("/api/w/acme/jobs?state=sleeping", &admin).await;
    assert_eq!(res.status(), 400);

    // Another workspace's job is not found; a job that is not dead neither.
    let retry = |id: i64| {
        let (app, admin) = (&app, &admin);
        let path = format!("/api/w/acme/jobs/{id}/retry");
        async move { app.json(Method::POST, &path, admin, json!({})).await }
    };
    let res = retry(globex_job).await;
    assert_eq!(res.status(), 404);
    let res = retry(acme_job).await;
    assert_eq!(res.status(), 200);
    let job: Value = res.json().await.unwrap();
    assert_eq!(
        (job["state"].as_str(), job["attempts"].as_i64()),
        (Some("queued"), Some(0))
    );
    let res = retry(acme_job).await;
    assert_eq!(res.status(), 404, "only dead letters are retried");

    let manager = app.browser(&Seed::email(Role::CommunityManager)).await;
    let res = app.get("/api/w/acme/jobs", &manager).await;
    assert_eq!(res.status(), 403);
    let page = app
        .get("/w/acme/inbox", &manager)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !page.contains("/settings/jobs"),
        "no Jobs link for a manager"
    );
}

#[tokio::test]
async fn the_jobs_page_shows_errors_escaped_in_english_and_swedish() {
    let app = spawn_app().await;
    let s = seed(&app).await;
    let job = failed_job(
        &app,
        s.acme.id,
        "hostile",
        "<script>alert(1)</script> failed",
    )
    .await;
    let admin = app.browser(&Seed::email(Role::Admin)).await;
    let inbox = app.get("/w/acme/inbox", &admin).await.text().await.unwrap();
    assert!(
        inbox.contains("href=\"/w/acme/settings/jobs\""),
        "the header links to Jobs"
    );
    let html = app
        .get("/w/acme/settings/jobs?state=dead", &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Background jobs"), "{html}");
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62; failed"),
        "{html}"
    );
    assert!(!html.contains("<script>alert(1)"), "escaped");
    assert!(html.contains("Retry"));
    let form = format!("/w/acme/settings/jobs/{job}/retry");
    assert!(html.contains(&form), "{html}");
    // In Swedish.
    app.post_form("/settings/locale", &admin, &[("locale", "sv")])
        .await;
    let html = app
        .get("/w/acme/settings/jobs?state=dead", &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("Bakgrundsjobb") && html.contains("Försök igen"),
        "{html}"
    );
    // Retrying from the page puts it back in the queue.
    let res = app.post_form(&form, &admin, &[]).await;
    assert_eq!(res.status(), 303);
    let html = app
        .get("/w/acme/settings/jobs?state=dead", &admin)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Inga jobb här."), "{html}");
}
