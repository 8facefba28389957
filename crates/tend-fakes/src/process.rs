//! Real servers as child processes, for tests: free ports, readiness by
//! polling, logs kept, ended on drop.

use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A free TCP port on 127.0.0.1 (bound and released; the server binds it next).
pub fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

/// Whether the real servers must be there: under `scripts/test.sh`
/// (`TEND_REQUIRE_SERVERS=1`) a missing server fails the test instead of
/// skipping it.
pub fn servers_required() -> bool {
    std::env::var("TEND_REQUIRE_SERVERS").is_ok_and(|v| v == "1")
}

/// A path from the environment that `scripts/servers.sh` exports, or `None`
/// (with a note on stderr) when it is unset and servers are not required; a
/// test then returns early. Panics when servers are required.
pub fn installed(var: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(path) if Path::new(&path).exists() => Some(PathBuf::from(path)),
        _ if servers_required() => {
            panic!("{var} is not set or missing: run the tests through scripts/test.sh")
        }
        _ => {
            eprintln!("skipped: {var} is not set (scripts/servers.sh installs the real servers)");
            None
        }
    }
}

/// A server started by a test; killed (with its process group) on drop.
pub struct Spawned {
    name: String,
    child: Option<tokio::process::Child>,
    log: PathBuf,
}

impl Spawned {
    /// Starts `command`, its output going to `log`.
    pub fn start(
        name: &str,
        mut command: tokio::process::Command,
        log: &Path,
    ) -> anyhow::Result<Spawned> {
        let out = std::fs::File::create(log).with_context(|| format!("creating {log:?}"))?;
        let err = out.try_clone()?;
        command
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true)
            .process_group(0);
        let child = command
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        Ok(Spawned {
            name: name.to_owned(),
            child: Some(child),
            log: log.to_owned(),
        })
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(|c| c.id())
    }

    /// The end of the server's log (for a failure message).
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// Polls `url` until it answers with a success status, for at most
    /// `within`; fails with the server's log when it exits or never answers.
    pub async fn wait_http(&mut self, url: &str, within: Duration) -> anyhow::Result<()> {
        let http = tend_channels::live::http::client_builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let deadline = Instant::now() + within;
        let mut pause = Duration::from_millis(20);
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "{} exited ({status}) before answering:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            if let Ok(r) = http.get(url).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not answer {url} within {within:?}:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(250));
        }
    }

    /// Polls until something listens on `port`, like [`Spawned::wait_http`].
    pub async fn wait_tcp(&mut self, port: u16, within: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + within;
        let mut pause = Duration::from_millis(20);
        loop {
            if let Some(child) = self.child.as_mut()
                && let Some(status) = child.try_wait()?
            {
                bail!(
                    "{} exited ({status}) before listening:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!(
                    "{} did not listen on {port} within {within:?}:\n{}",
                    self.name,
                    self.log_tail()
                );
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(250));
        }
    }

    /// Stops the server: SIGTERM to its process group, then waits (SIGKILL
    /// after five seconds).
    pub async fn stop(mut self) {
        if let Some(mut child) = self.child.take() {
            if let Some(pid) = child.id() {
                signal_group(pid, "TERM");
            }
            if tokio::time::timeout(Duration::from_secs(5), child.wait())
                .await
                .is_err()
            {
                let _ = child.kill().await;
            }
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut()
            && let Some(pid) = child.id()
        {
            signal_group(pid, "KILL");
        }
    }
}

/// Sends `signal` to the process group led by `pid` (the servers are started
/// as group leaders, so their own children end with them).
pub fn signal_group(pid: u32, signal: &str) {
    let _ = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg("--")
        .arg(format!("-{pid}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}
