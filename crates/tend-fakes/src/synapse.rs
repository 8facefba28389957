//! A real Matrix homeserver for tests: Synapse (PyPI `matrix-synapse`, the
//! venv `scripts/servers.sh` installs at `$TEND_SYNAPSE_VENV`) on a free
//! loopback port, with SQLite.
//!
//! [`Synapse::start`] writes the configuration once into the folder it is
//! given (`--generate-config` for the secrets and the signing key, then an
//! override file: listener on 127.0.0.1, no trusted key servers, open
//! registration for tests, generous rate limits, no `/sync` answer cache)
//! and keeps it, so a later
//! start skips that step; each start begins with an empty database, a
//! [`Synapse::restart`] keeps it. A cold start takes about nine seconds: a
//! test binary starts one and shares it (a `tokio::sync::OnceCell`), each test
//! making its own users and room.
//!
//! The server ends with the test process even when it is never dropped (a
//! `static`): a watchdog thread in the Python process exits when its parent
//! is gone.

use crate::process::{Spawned, free_port};
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::Mutex;

/// How long a (re)start may take before the test fails with the log.
const START_WITHIN: Duration = Duration::from_secs(90);

/// Starts Synapse's `main()` after a watchdog thread that ends the process
/// when the test process that started it is gone.
const LAUNCHER: &str = r#"
import os, sys, threading, time
parent = os.getppid()
def watch():
    while True:
        time.sleep(0.5)
        if os.getppid() != parent:
            os._exit(0)
threading.Thread(target=watch, daemon=True).start()
sys.argv = ["synapse", "--config-path", sys.argv[1], "--config-path", sys.argv[2]]
from synapse.app.homeserver import main
main()
"#;

/// A Synapse homeserver run by a test.
pub struct Synapse {
    venv: PathBuf,
    dir: PathBuf,
    port: u16,
    server: Mutex<Option<Spawned>>,
    http: reqwest::Client,
}

/// A user registered on the test server.
#[derive(Debug, Clone)]
pub struct MatrixUser {
    /// The full user id (`@alice:localhost`).
    pub user_id: String,
    /// The localpart (`alice`), the login name.
    pub name: String,
    /// The password.
    pub password: String,
    /// An access token from the registration (its own device).
    pub access_token: String,
}

impl Synapse {
    /// Starts Synapse with its configuration and data in `dir` (created if
    /// missing; the configuration is kept between starts, the database is not).
    pub async fn start(dir: &Path) -> anyhow::Result<Synapse> {
        // The readiness poll builds an HTTP client: TLS must be ready first.
        tend_channels::live::http::install_tls();
        let venv = crate::process::installed("TEND_SYNAPSE_VENV")
            .context("TEND_SYNAPSE_VENV is not set (scripts/servers.sh installs Synapse)")?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {dir:?}"))?;
        let generated = dir.join("generated.yaml");
        if !generated.exists() {
            let out = tokio::process::Command::new(venv.join("bin/python"))
                .args(["-m", "synapse.app.homeserver", "--server-name", "localhost"])
                .arg("--config-path")
                .arg(&generated)
                .arg("--data-directory")
                .arg(dir)
                .args(["--generate-config", "--report-stats=no"])
                .current_dir(dir)
                .output()
                .await
                .context("running synapse --generate-config")?;
            if !out.status.success() {
                let _ = std::fs::remove_file(&generated);
                bail!(
                    "synapse --generate-config failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
        for stale in [
            "homeserver.db",
            "homeserver.db-wal",
            "homeserver.db-shm",
            "homeserver.log",
        ] {
            let _ = std::fs::remove_file(dir.join(stale));
        }
        let _ = std::fs::remove_dir_all(dir.join("media_store"));
        let port = free_port()?;
        std::fs::write(dir.join("tend-test.yaml"), overrides(dir, port))?;
        std::fs::write(dir.join("log.yaml"), log_config(dir))?;
        let synapse = Synapse {
            venv,
            dir: dir.to_owned(),
            port,
            server: Mutex::new(None),
            // No pooled connections: tests on other runtimes share this server.
            http: tend_channels::live::http::client_builder()
                .timeout(Duration::from_secs(30))
                .pool_max_idle_per_host(0)
                .build()?,
        };
        synapse.launch().await?;
        Ok(synapse)
    }

    async fn launch(&self) -> anyhow::Result<()> {
        let mut command = tokio::process::Command::new(self.venv.join("bin/python"));
        command
            .arg("-c")
            .arg(LAUNCHER)
            .arg(self.dir.join("generated.yaml"))
            .arg(self.dir.join("tend-test.yaml"))
            .current_dir(&self.dir);
        let mut server = Spawned::start("synapse", command, &self.dir.join("stdout.log"))?;
        let ready = format!("{}/_matrix/client/versions", self.url());
        server.wait_http(&ready, START_WITHIN).await?;
        *self.server.lock().await = Some(server);
        Ok(())
    }

    /// The homeserver's base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops the server and starts it again on the same port with the same
    /// data (for kill-and-restart tests).
    pub async fn restart(&self) -> anyhow::Result<()> {
        if let Some(server) = self.server.lock().await.take() {
            server.stop().await;
        }
        self.launch().await
    }

    /// Kills the server at once (SIGKILL), as a crash would; [`Synapse::restart`]
    /// brings it back.
    pub async fn kill(&self) {
        if let Some(server) = self.server.lock().await.take() {
            drop(server);
        }
    }

    /// Stops the server.
    pub async fn stop(&self) {
        if let Some(server) = self.server.lock().await.take() {
            server.stop().await;
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.url()));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await?;
        let status = response.status();
        let text = response.text().await?;
        if !status.is_success() {
            bail!("{method} {path}: HTTP {status}: {text}");
        }
        Ok(serde_json::from_str(&text)?)
    }

    /// Registers `name` with `password` (open registration, no admin rights).
    pub async fn register(&self, name: &str, password: &str) -> anyhow::Result<MatrixUser> {
        let body = json!({
            "username": name,
            "password": password,
            "auth": {"type": "m.login.dummy"},
            "inhibit_login": false,
        });
        let r = self
            .call(
                reqwest::Method::POST,
                "/_matrix/client/v3/register",
                None,
                Some(&body),
            )
            .await?;
        user(name, password, &r)
    }

    /// Registers a server admin with the venv's `register_new_matrix_user`
    /// (the shared-secret admin API), then logs in.
    pub async fn register_admin(&self, name: &str, password: &str) -> anyhow::Result<MatrixUser> {
        let out = tokio::process::Command::new(self.venv.join("bin/register_new_matrix_user"))
            .arg("-c")
            .arg(self.dir.join("generated.yaml"))
            .args(["-u", name, "-p", password, "--admin"])
            .arg(self.url())
            .output()
            .await?;
        if !out.status.success() {
            bail!(
                "register_new_matrix_user failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        self.login(name, password).await
    }

    /// Logs `name` in (a new device and access token).
    pub async fn login(&self, name: &str, password: &str) -> anyhow::Result<MatrixUser> {
        let body = json!({
            "type": "m.login.password",
            "identifier": {"type": "m.id.user", "user": name},
            "password": password,
        });
        let r = self
            .call(
                reqwest::Method::POST,
                "/_matrix/client/v3/login",
                None,
                Some(&body),
            )
            .await?;
        user(name, password, &r)
    }

    /// Creates a public room owned by `owner`; answers its id.
    pub async fn create_room(
        &self,
        owner: &MatrixUser,
        alias: Option<&str>,
    ) -> anyhow::Result<String> {
        let mut body = json!({"name": "tend test", "preset": "public_chat"});
        if let Some(alias) = alias {
            body["room_alias_name"] = json!(alias);
        }
        let r = self
            .call(
                reqwest::Method::POST,
                "/_matrix/client/v3/createRoom",
                Some(&owner.access_token),
                Some(&body),
            )
            .await?;
        text(&r, "room_id")
    }

    /// Joins `user` to `room`.
    pub async fn join(&self, user: &MatrixUser, room: &str) -> anyhow::Result<()> {
        let path = format!("/_matrix/client/v3/join/{}", encode(room));
        self.call(
            reqwest::Method::POST,
            &path,
            Some(&user.access_token),
            Some(&json!({})),
        )
        .await?;
        Ok(())
    }

    /// Sends an `m.room.message` with `content` as `user`; answers the event id.
    pub async fn send(
        &self,
        user: &MatrixUser,
        room: &str,
        content: &Value,
    ) -> anyhow::Result<String> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/send/m.room.message/{}",
            encode(room),
            txn_id()
        );
        let r = self
            .call(
                reqwest::Method::PUT,
                &path,
                Some(&user.access_token),
                Some(content),
            )
            .await?;
        text(&r, "event_id")
    }

    /// Sends a plain text message as `user`.
    pub async fn say(&self, user: &MatrixUser, room: &str, body: &str) -> anyhow::Result<String> {
        self.send(user, room, &json!({"msgtype": "m.text", "body": body}))
            .await
    }

    /// Replaces the text of `event` (an `m.replace` edit) as `user`.
    pub async fn edit(
        &self,
        user: &MatrixUser,
        room: &str,
        event: &str,
        body: &str,
    ) -> anyhow::Result<String> {
        let content = json!({
            "msgtype": "m.text",
            "body": format!("* {body}"),
            "m.new_content": {"msgtype": "m.text", "body": body},
            "m.relates_to": {"rel_type": "m.replace", "event_id": event},
        });
        self.send(user, room, &content).await
    }

    /// Redacts `event` as `user`.
    pub async fn redact(&self, user: &MatrixUser, room: &str, event: &str) -> anyhow::Result<()> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/redact/{}/{}",
            encode(room),
            encode(event),
            txn_id()
        );
        self.call(
            reqwest::Method::PUT,
            &path,
            Some(&user.access_token),
            Some(&json!({})),
        )
        .await?;
        Ok(())
    }

    /// The room's last `limit` message events as `user` sees them, newest
    /// first (redacted ones included, with empty content).
    pub async fn messages(
        &self,
        user: &MatrixUser,
        room: &str,
        limit: usize,
    ) -> anyhow::Result<Vec<Value>> {
        let filter = encode(r#"{"types":["m.room.message"]}"#);
        let path = format!(
            "/_matrix/client/v3/rooms/{}/messages?dir=b&limit={limit}&filter={filter}",
            encode(room)
        );
        let r = self
            .call(reqwest::Method::GET, &path, Some(&user.access_token), None)
            .await?;
        Ok(r["chunk"].as_array().cloned().unwrap_or_default())
    }

    /// One event as `user` sees it.
    pub async fn event(&self, user: &MatrixUser, room: &str, event: &str) -> anyhow::Result<Value> {
        let path = format!(
            "/_matrix/client/v3/rooms/{}/event/{}",
            encode(room),
            encode(event)
        );
        self.call(reqwest::Method::GET, &path, Some(&user.access_token), None)
            .await
    }

    /// Limits how fast `user_id` may send messages (the admin API's per-user
    /// override; `admin` must be a server admin).
    pub async fn limit_messages(
        &self,
        admin: &MatrixUser,
        user_id: &str,
        per_second: u32,
        burst: u32,
    ) -> anyhow::Result<()> {
        let path = format!(
            "/_synapse/admin/v1/users/{}/override_ratelimit",
            encode(user_id)
        );
        let body = json!({"messages_per_second": per_second, "burst_count": burst});
        self.call(
            reqwest::Method::POST,
            &path,
            Some(&admin.access_token),
            Some(&body),
        )
        .await?;
        Ok(())
    }
}

/// The settings layered over the generated configuration.
fn overrides(dir: &Path, port: u16) -> String {
    let dir = dir.display();
    let generous = "{per_second: 1000, burst_count: 10000}";
    format!(
        r#"pid_file: "{dir}/homeserver.pid"
listeners:
  - port: {port}
    bind_addresses: ["127.0.0.1"]
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: "{dir}/homeserver.db"
media_store_path: "{dir}/media_store"
log_config: "{dir}/log.yaml"
trusted_key_servers: []
suppress_key_server_warning: true
report_stats: false
enable_registration: true
enable_registration_without_verification: true
presence:
  enabled: false
# Synapse answers a repeated identical /sync from a cache for two minutes by
# default: tests that sync twice from the same token want the live answer.
caches:
  sync_response_cache_duration: 0
rc_message: {generous}
rc_registration: {generous}
rc_login:
  address: {generous}
  account: {generous}
  failed_attempts: {generous}
rc_joins:
  local: {generous}
  remote: {generous}
rc_joins_per_room: {generous}
rc_invites:
  per_room: {generous}
  per_user: {generous}
  per_issuer: {generous}
rc_room_creation: {generous}
rc_admin_redaction: {generous}
"#
    )
}

/// Logging into `homeserver.log` in the folder (the generated logging
/// configuration names a path relative to where it was generated).
fn log_config(dir: &Path) -> String {
    format!(
        r#"version: 1
formatters:
  precise:
    format: '%(asctime)s - %(name)s - %(lineno)d - %(levelname)s - %(request)s - %(message)s'
handlers:
  file:
    class: logging.FileHandler
    formatter: precise
    filename: "{}/homeserver.log"
loggers:
  synapse.storage.SQL:
    level: WARNING
root:
  level: INFO
  handlers: [file]
disable_existing_loggers: false
"#,
        dir.display()
    )
}

fn user(name: &str, password: &str, r: &Value) -> anyhow::Result<MatrixUser> {
    Ok(MatrixUser {
        user_id: text(r, "user_id")?,
        name: name.to_owned(),
        password: password.to_owned(),
        access_token: text(r, "access_token")?,
    })
}

fn text(r: &Value, field: &str) -> anyhow::Result<String> {
    r[field]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("no {field} in {r}"))
}

/// A transaction id no other call of this process uses.
fn txn_id() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "fake-{}-{nanos}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Percent-encodes one path segment or query value.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
