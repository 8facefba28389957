//! `tend bench inbox --messages N`: the inbox list and search under concurrent load,
//! on loopback, against the real server and a store of N messages. The baseline,
//! measured in the same run with the same client and concurrency, is `/healthz`:
//! what one request costs this machine before any inbox work.

use super::Context;
use anyhow::{Context as _, ensure};
use clap::Args;
use secrecy::SecretString;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tend_domain::{ChannelKind, NewChannel, NewWorkspace, Role, Slug};
use tend_store::SqlStore;
use tend_store::prelude::*;

#[derive(Debug, Args)]
pub struct InboxBench {
    /// Messages in the benchmark workspace.
    #[arg(long, default_value_t = 1_000_000)]
    messages: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seconds of load per scenario.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Keep the SQLite benchmark database in this file, and reuse it when it already
    /// holds the benchmark workspace (for looking at query plans between runs).
    #[arg(long, value_name = "FILE")]
    keep: Option<std::path::PathBuf>,
    /// Run on this PostgreSQL (an admin URL; a scratch database is created and dropped)
    /// instead of SQLite.
    #[arg(long, value_name = "URL")]
    postgres_url: Option<String>,
}

/// One scenario: a name and the paths its clients cycle through.
struct Scenario {
    name: &'static str,
    paths: Vec<String>,
}

impl InboxBench {
    pub async fn run(&self, _ctx: &Context) -> anyhow::Result<ExitCode> {
        ensure!(
            self.messages > 0 && self.concurrency > 0 && self.seconds > 0,
            "--messages, --concurrency and --seconds must be positive"
        );
        let dir = tempfile::tempdir().context("creating a scratch directory")?;
        let (url, scratch) = match &self.postgres_url {
            Some(admin) => {
                let (name, url) =
                    tend_bench::store::create_scratch_database(admin, "inbox").await?;
                (url, Some((admin.clone(), name)))
            }
            None => (
                format!(
                    "sqlite://{}",
                    self.keep
                        .clone()
                        .unwrap_or_else(|| dir.path().join("inbox.db"))
                        .display()
                ),
                None,
            ),
        };
        let result = self.measure(&url).await;
        if let Some((admin, name)) = scratch {
            tend_bench::store::drop_database(&admin, &name).await?;
        }
        result?;
        Ok(ExitCode::SUCCESS)
    }

    async fn measure(&self, url: &str) -> anyhow::Result<()> {
        let store = SqlStore::connect(url, 8).await?;
        store.migrate().await?;
        let backend = store.backend().name();
        println!(
            "tend bench inbox: {} messages on {backend}, {} clients, {} s per scenario",
            self.messages, self.concurrency, self.seconds
        );
        let started = Instant::now();
        let password = SecretString::from(tend_core::access::random_secret());
        let forum = match store.workspace_by_slug("bench").await {
            Ok(ws) => {
                let user = store
                    .user_credentials(&tend_domain::Email::parse("bench@example.org")?)
                    .await?
                    .0;
                store
                    .set_password_hash(user.id, &tend_core::accounts::hash_password(&password)?)
                    .await?;
                println!("setup: reusing the kept database");
                store
                    .channels(ws.id)
                    .await?
                    .into_iter()
                    .next()
                    .context("the kept database has no channel")?
            }
            Err(_) => self.populate(&store, &password).await?,
        };
        let _ = started;
        self.serve_and_load(store, forum, &password).await
    }

    /// Fills a fresh database: the messages through the real pipeline, an admin, and
    /// a worked inbox (most messages done, some assigned).
    async fn populate(
        &self,
        store: &SqlStore,
        password: &SecretString,
    ) -> anyhow::Result<tend_domain::Channel> {
        let ws = store
            .create_workspace(&NewWorkspace::new(Slug::parse("bench")?, "Bench", "UTC")?)
            .await?;
        let forum = store
            .create_channel(&NewChannel::new(ws.id, ChannelKind::Discourse, "Forum")?)
            .await?;
        let started = Instant::now();
        let report = tend_core::ingest::ingest(
            store,
            &forum,
            super::ingest::generate(self.messages),
            tend_core::ingest::DEFAULT_BATCH,
            &mut |_| {},
        )
        .await?;
        ensure!(
            report.created == self.messages as u64,
            "setup stored {} messages",
            report.created
        );
        let (admin, _) = tend_core::accounts::add_teammate(
            store,
            &tend_core::accounts::NewTeammate {
                email: "bench@example.org",
                name: "Bench",
                locale: "en",
                password,
                workspace_slug: "bench",
                time_zone: "UTC",
                role: Role::Admin,
            },
        )
        .await?;
        tend_bench::store::work_the_inbox(store, ws.id, 10, 7, admin.id).await?;
        println!(
            "setup: {} messages through the pipeline, a tenth left open, in {:.1} s",
            self.messages,
            started.elapsed().as_secs_f64()
        );
        Ok(forum)
    }

    async fn serve_and_load(
        &self,
        store: SqlStore,
        forum: tend_domain::Channel,
        password: &SecretString,
    ) -> anyhow::Result<()> {
        let login = tend_core::access::login(
            &store,
            "bench@example.org",
            password,
            jiff::Timestamp::now(),
        )
        .await?
        .context("logging in the benchmark user")?;

        let store: Arc<dyn Store> = Arc::new(store);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = tend_server::AppState::new(Arc::clone(&store), env!("CARGO_PKG_VERSION"));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(tend_server::serve(listener, state, async {
            let _ = stopped.await;
        }));

        let cookie = format!(
            "{}={}",
            "tend_session",
            secrecy::ExposeSecret::expose_secret(&login.cookie)
        );
        let client = tend_core::http::client_builder()
            .pool_max_idle_per_host(self.concurrency)
            .build()?;
        let base = format!("http://{addr}");
        let channel = forum.id.get();
        let words = [
            "webhooks",
            "password",
            "crashes",
            "changelog",
            "logga",
            "release",
        ];
        let scenarios = [
            Scenario {
                name: "baseline /healthz",
                paths: vec!["/healthz".into()],
            },
            Scenario {
                name: "inbox page (HTML, open, newest first)",
                paths: vec!["/w/bench/inbox".into()],
            },
            Scenario {
                name: "inbox API (JSON), mixed filters",
                paths: vec![
                    "/api/w/bench/inbox".into(),
                    "/api/w/bench/inbox?status=all".into(),
                    format!("/api/w/bench/inbox?channel={channel}"),
                    "/api/w/bench/inbox?sentiment=negative".into(),
                    "/api/w/bench/inbox?question=yes".into(),
                    "/api/w/bench/inbox?assignee=me".into(),
                ],
            },
            Scenario {
                name: "search (JSON, one word, all states)",
                paths: words
                    .iter()
                    .map(|w| format!("/api/w/bench/inbox?status=all&q={w}"))
                    .collect(),
            },
        ];
        let mut baseline_p95 = None;
        for scenario in &scenarios {
            // Every path must answer 200 before it is timed.
            for path in &scenario.paths {
                let res = client
                    .get(format!("{base}{path}"))
                    .header("cookie", &cookie)
                    .send()
                    .await?;
                ensure!(
                    res.status().is_success(),
                    "{path} answered {}",
                    res.status()
                );
            }
            let cpu_before = process_cpu_seconds();
            let figures = self.load(&client, &base, &cookie, &scenario.paths).await?;
            let cpu = cpu_before
                .zip(process_cpu_seconds())
                .map(|(a, b)| (b - a) * 1000.0 / figures.latencies.len().max(1) as f64);
            let p95 = figures.percentile(0.95);
            let ratio = match baseline_p95 {
                None => {
                    baseline_p95 = Some(p95);
                    String::new()
                }
                Some(b) if b > 0.0 => format!("  p95 = {:.1}× baseline", p95 / b),
                Some(_) => String::new(),
            };
            let cpu = cpu.map_or_else(|| "n/a".to_owned(), |ms| format!("{ms:.2} ms"));
            println!(
                "{:<40} {:>8.0} req/s  p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms  cpu/req {cpu}{ratio}",
                scenario.name,
                figures.rate(),
                figures.percentile(0.50),
                p95,
                figures.percentile(0.99),
            );
        }
        let _ = stop.send(());
        server.await.context("joining the server")??;
        println!(
            "(client and server share the machine's cores; the baseline row shows their floor; \
             cpu/req is the process's CPU time per request, client included, which other load on \
             the machine does not inflate)"
        );
        Ok(())
    }

    /// Runs `concurrency` clients over `paths` for the configured time.
    async fn load(
        &self,
        client: &reqwest::Client,
        base: &str,
        cookie: &str,
        paths: &[String],
    ) -> anyhow::Result<Figures> {
        let deadline = Instant::now() + Duration::from_secs(self.seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for worker in 0..self.concurrency {
            let client = client.clone();
            let urls: Vec<String> = paths.iter().map(|p| format!("{base}{p}")).collect();
            let cookie = cookie.to_owned();
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut k = worker;
                while Instant::now() < deadline {
                    let url = &urls[k % urls.len()];
                    k += 1;
                    let t = Instant::now();
                    let res = client.get(url).header("cookie", &cookie).send().await?;
                    let ok = res.status().is_success();
                    res.bytes().await?;
                    anyhow::ensure!(ok, "{url} failed under load");
                    latencies.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                Ok::<_, anyhow::Error>(latencies)
            }));
        }
        let mut all = Vec::new();
        for task in tasks {
            all.extend(task.await.context("joining a client")??);
        }
        Ok(Figures {
            latencies: all,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// User plus system CPU seconds this process has used (Linux; `None` elsewhere).
fn process_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th
    // and 15th fields of the whole line, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

struct Figures {
    latencies: Vec<f64>,
    seconds: f64,
}

impl Figures {
    fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.seconds.max(1e-9)
    }

    fn percentile(&self, q: f64) -> f64 {
        let mut sorted = self.latencies.clone();
        sorted.sort_by(f64::total_cmp);
        if sorted.is_empty() {
            return 0.0;
        }
        let at = ((sorted.len() as f64 - 1.0) * q).round() as usize;
        sorted[at.min(sorted.len() - 1)]
    }
}
