//! Many processes, one database: three `tend serve` processes share the
//! background work of one PostgreSQL while 5,000 messages arrive that a live rule
//! answers; one process is killed with SIGKILL midway and started again. Every
//! message gets exactly one queued reply — none lost with the killed process, none
//! doubled by the others (issue 13 measured 7,336 replies and 2,441 messages
//! answered more than once before the job runner). The same runs on one SQLite
//! file with two processes.
//!
//! PostgreSQL runs when `TEND_TEST_DATABASE_URL` points at a server (the test
//! script starts one); `TEND_REQUIRE_POSTGRES=1` makes its absence a failure.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};
use tend_domain::*;
use tend_store::prelude::*;

const RULES: &str = r#"
# Refunds get an answer
body: [refund]
reply: "Hi {{author}}, thanks for asking about your refund: a teammate will confirm it today."
"#;

/// A running `tend serve` on port 0 over `url`.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(url: &str) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tend"))
            .args(["serve", "--bind", "127.0.0.1:0"])
            .arg("--database-url")
            .arg(url)
            .env_remove("TEND_CONFIG")
            // A killed process's jobs move on after 3 s instead of a minute.
            .env("TEND_JOBS__LEASE_SECS", "3")
            .env("TEND_JOBS__CONCURRENCY", "2")
            .env("TEND_DATABASE__MAX_CONNECTIONS", "6")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let addr = loop {
            let line = lines
                .next()
                .expect("tend serve ended before announcing its address")
                .unwrap();
            if let Some(rest) = line.strip_prefix("Tend is running at http://") {
                break rest.split('/').next().unwrap().to_owned();
            }
        };
        // Keep draining stdout so the process never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Server { child, addr }
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL: no chance to clean up
        self.child.wait().unwrap();
    }

    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let status = self.child.wait().unwrap();
        assert!(status.success(), "tend serve stopped with {status}");
    }
}

impl Drop for Server {
    /// A failing test leaves no server behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Waits until `/healthz` says `ok` (the worker's loops are up), or fails.
async fn until_healthy(addr: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let health = healthz(addr).await;
        if health["status"] == "ok" {
            return;
        }
        assert!(Instant::now() < deadline, "never healthy: {health}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn healthz(addr: &str) -> serde_json::Value {
    tend_core::http::client()
        .unwrap()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Acme with a forum, an admin who saved the live rule, and nothing else.
async fn setup(store: &dyn Store) -> (Workspace, Channel) {
    let ws = store
        .create_workspace(&NewWorkspace::new(Slug::parse("acme").unwrap(), "Acme", "UTC").unwrap())
        .await
        .unwrap();
    let forum = store
        .create_channel(&NewChannel::new(ws.id, ChannelKind::Discourse, "Forum").unwrap())
        .await
        .unwrap();
    let admin = store
        .create_user(&NewUser {
            email: Email::parse("anna@acme.se").unwrap(),
            name: "Anna".into(),
            locale: "en".into(),
            password_hash: "not-a-hash".into(),
        })
        .await
        .unwrap();
    store
        .grant_role(admin.id, ws.id, Role::Admin)
        .await
        .unwrap();
    let rules = store
        .create_rule_set(ws.id, RULES, Some(admin.id))
        .await
        .unwrap();
    store
        .make_live(ws.id, rules.id, Some(admin.id))
        .await
        .unwrap();
    (ws, forum)
}

/// (queued replies, messages with a reply, messages answered more than once).
async fn replies(pool: &sqlx::AnyPool) -> (i64, i64, i64) {
    let row: (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT in_reply_to) FROM outbox")
            .fetch_one(pool)
            .await
            .unwrap();
    let twice: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT in_reply_to FROM outbox GROUP BY in_reply_to \
         HAVING COUNT(*) > 1) t",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    (row.0, row.1, twice)
}

/// The processes (by pid) that ran the rule's reply jobs.
async fn reply_workers(pool: &sqlx::AnyPool) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT locked_by FROM jobs WHERE kind = 'rule_action' AND locked_by IS NOT NULL",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut pids: Vec<String> = rows
        .into_iter()
        .filter_map(|(w,)| w.split('-').nth(1).map(str::to_owned))
        .collect();
    pids.sort();
    pids.dedup();
    pids
}

async fn many_processes_answer_every_message_once(url: &str, processes: usize, total: usize) {
    let store = tend_store::open(url, 4).await.unwrap();
    // One pool for counting rows while the processes work.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let (ws, forum) = setup(&*store).await;
    let mut servers: Vec<Option<Server>> =
        (0..processes).map(|_| Some(Server::start(url))).collect();
    for s in servers.iter().flatten() {
        until_healthy(&s.addr).await;
    }
    let t0: jiff::Timestamp = "2026-11-20T10:00:00Z".parse().unwrap();
    let batches = 10;
    let per_batch = total / batches;
    let started = Instant::now();
    for b in 0..batches {
        let batch: Vec<NewMessage> = (0..per_batch)
            .map(|i| {
                let n = b * per_batch + i;
                let mut m = NewMessage::new(
                    forum.id,
                    format!("m{n}"),
                    MessageKind::ForumPost,
                    format!("Where is my refund for order {n}?"),
                    t0 + jiff::SignedDuration::from_secs(n as i64),
                );
                m.title = Some(format!("Refund {n}"));
                m
            })
            .collect();
        store.upsert_messages(ws.id, &batch).await.unwrap();
        if b == 2 {
            // Mid-import, the first process dies without a word.
            servers[0].take().unwrap().kill();
        }
        if b == 6 {
            servers[0] = Some(Server::start(url));
        }
    }
    // Wait for the work to settle: every message answered, nothing queued.
    let deadline = Instant::now() + Duration::from_secs(300);
    let expected = total as i64;
    let (n, distinct, twice) = loop {
        let now = replies(&pool).await;
        if now.0 >= expected && now.1 >= expected {
            break now;
        }
        assert!(
            Instant::now() < deadline,
            "after 300 s only {now:?} of {total} replies"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let elapsed = started.elapsed();
    // A little longer: a doubled reply would show up now if it were coming.
    let mut last = (n, distinct, twice);
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        last = replies(&pool).await;
    }
    let workers = reply_workers(&pool).await;
    println!(
        "multiprocess ({}): {processes} processes, {total} matching messages, one killed and restarted: \
         {} queued replies for {} messages, {} answered more than once, settled in {:.1} s; \
         reply jobs ran in {} processes",
        store.backend().name(),
        last.0,
        last.1,
        last.2,
        elapsed.as_secs_f64(),
        workers.len()
    );
    assert_eq!(
        last,
        (expected, expected, 0),
        "exactly one reply per message"
    );
    assert!(workers.len() >= 2, "the work is shared: {workers:?}");
    for s in servers.iter().flatten() {
        let health = healthz(&s.addr).await;
        assert_eq!(health["status"], "ok", "{health}");
    }
    for s in servers.into_iter().flatten() {
        s.stop();
    }
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_processes_on_postgres_reply_once_to_each_of_5000_messages() {
    let Ok(admin) = std::env::var("TEND_TEST_DATABASE_URL") else {
        assert!(
            std::env::var("TEND_REQUIRE_POSTGRES").is_err(),
            "TEND_REQUIRE_POSTGRES is set but TEND_TEST_DATABASE_URL is not"
        );
        eprintln!("TEND_TEST_DATABASE_URL not set; the PostgreSQL multi-process test is skipped");
        return;
    };
    sqlx::any::install_default_drivers();
    let name = format!("tend_multi_{}", std::process::id());
    let pool = sqlx::AnyPool::connect(&admin).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .unwrap();
    let base = admin.rsplit_once('/').unwrap().0.to_owned();
    let url = format!("{base}/{name}");
    many_processes_answer_every_message_once(&url, 3, 5000).await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE {name} WITH (FORCE)"
    )))
    .execute(&pool)
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_on_one_sqlite_file_reply_once_to_each_of_1000_messages() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("tend.db").display());
    many_processes_answer_every_message_once(&url, 2, 1000).await;
}
