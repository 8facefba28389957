//! A real Bluesky network for tests: the reference PDS (`@atproto/pds`) with
//! an in-memory PLC directory (`@did-plc/server`), both on Node 22 and bound
//! to loopback ports chosen at start (`scripts/servers.sh` installs them and
//! exports `TEND_NODE22`, `TEND_PDS_DIR` and `TEND_PLC_DIR`).
//!
//! - [`Network::start`] writes the two start scripts into a fresh temporary
//!   folder (never into the install), starts the PLC then the PDS with fresh
//!   random secrets and a fresh data folder, and polls `/_health` and
//!   `/xrpc/_health`. A cold start takes about 11 s, so a test binary shares
//!   one network ([`shared`]). Both scripts end themselves when the test
//!   process is gone (a shared network is never dropped).
//! - [`Network::restart_pds`] restarts only the PDS on the same data folder
//!   and port (the PLC is in memory: restarting it would lose every DID);
//!   [`Network::kill_pds`] kills it for crash tests, and
//!   [`Network::rotate_jwt_secret`] restarts it refusing every old token.
//! - [`Network::create_account`] makes an account (`<name>.test`),
//!   [`Network::app_password`] an app password for it, and the `post_*`
//!   helpers let a member mention, reply to, quote, edit and delete.
//! - [`SessionFake`] stands in for the PDS's session endpoints alone, with
//!   tokens that expire on demand (a real access token lasts two hours).
//! - Rate limits are on (the PDS's in-memory limiter), so tests can meet a
//!   real `429` (`createSession` allows 30 per five minutes per identifier).

use crate::process::{Spawned, free_port, installed};
use anyhow::{Context, bail};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;
use tokio::process::Command;

const PLC_JS: &str = r#"const { PlcServer, Database } = require('@did-plc/server')
const port = Number(process.env.PLC_PORT)
const server = PlcServer.create({ db: Database.mock(), port })
const http = server.app.listen(port, '127.0.0.1', () => console.log('plc listening on ' + port))
process.on('SIGTERM', () => http.close(() => process.exit(0)))
const parent = Number(process.env.TEND_PARENT_PID)
setInterval(() => { try { process.kill(parent, 0) } catch { process.exit(0) } }, 500).unref()
"#;

// The PDS listens with `app.listen(port)`, on every interface: a listen
// given only a port is bound to loopback instead.
const RUN_MJS: &str = r#"import http from 'node:http'
const listen = http.Server.prototype.listen
http.Server.prototype.listen = function (port, ...rest) {
  if (typeof port === 'number' && (rest.length === 0 || typeof rest[0] === 'function')) {
    return listen.call(this, port, '127.0.0.1', ...rest)
  }
  return listen.call(this, port, ...rest)
}
const { PDS, envToCfg, envToSecrets, readEnv } = await import('@atproto/pds')
const env = readEnv()
const pds = await PDS.create(envToCfg(env), envToSecrets(env))
await pds.start()
console.log('pds listening on ' + env.port)
process.on('SIGTERM', async () => { await pds.destroy(); process.exit(0) })
const parent = Number(process.env.TEND_PARENT_PID)
setInterval(() => { try { process.kill(parent, 0) } catch { process.exit(0) } }, 500).unref()
"#;

/// How long a start may take (the first start beside a Rust build took 38 s).
const START_WITHIN: Duration = Duration::from_secs(120);

/// A running PDS and PLC pair.
pub struct Network {
    /// The PDS's base URL (`http://127.0.0.1:<port>`).
    pub url: String,
    /// The PLC directory's base URL.
    pub plc_url: String,
    node: PathBuf,
    pds_dir: PathBuf,
    pds_port: u16,
    env: Vec<(String, String)>,
    folder: tempfile::TempDir,
    /// Kept so that dropping the network ends the PLC.
    _plc: Spawned,
    pds: Option<Spawned>,
}

/// A member or brand account on the network.
#[derive(Debug, Clone)]
pub struct Account {
    /// `did:plc:…`.
    pub did: String,
    /// `<name>.test`.
    pub handle: String,
    /// The account password.
    pub password: String,
    /// An access token for the helpers.
    pub access_jwt: String,
}

/// A record as the PDS names it: its AT URI and CID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrongRef {
    /// `at://<did>/app.bsky.feed.post/<rkey>`.
    pub uri: String,
    /// The record's CID.
    pub cid: String,
}

impl StrongRef {
    fn json(&self) -> Value {
        json!({"uri": self.uri, "cid": self.cid})
    }

    /// The record key (the URI's last part).
    pub fn rkey(&self) -> &str {
        self.uri.rsplit('/').next().unwrap_or_default()
    }
}

fn random_hex(bytes: usize) -> anyhow::Result<String> {
    use std::io::Read;
    let mut buf = vec![0u8; bytes];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf.iter().map(|b| format!("{b:02x}")).collect())
}

fn http() -> anyhow::Result<reqwest::Client> {
    Ok(tend_channels::live::http::client_builder()
        .timeout(Duration::from_secs(30))
        .build()?)
}

/// The network shared by every test of this binary, started on first use on
/// a runtime of its own (each test has its own runtime); `None` when the
/// servers are not installed (see [`installed`]). Panics when they are but
/// do not start.
pub fn shared() -> Option<&'static Network> {
    static SHARED: OnceLock<Option<(tokio::runtime::Runtime, Network)>> = OnceLock::new();
    SHARED
        .get_or_init(|| {
            std::thread::spawn(|| {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(1)
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                let network = runtime
                    .block_on(Network::start())
                    .map_err(|e| format!("{e:#}"))?;
                Ok::<_, String>(network.map(|n| (runtime, n)))
            })
            .join()
            .unwrap_or_else(|_| Err("the start thread panicked".into()))
            .unwrap_or_else(|e| panic!("starting the Bluesky network: {e}"))
        })
        .as_ref()
        .map(|(_, network)| network)
}

impl Network {
    /// Starts a PLC and a PDS; `None` when they are not installed.
    pub async fn start() -> anyhow::Result<Option<Network>> {
        let (Some(node), Some(pds_dir), Some(plc_dir)) = (
            installed("TEND_NODE22"),
            installed("TEND_PDS_DIR"),
            installed("TEND_PLC_DIR"),
        ) else {
            return Ok(None);
        };
        // process::Spawned polls with a reqwest client, which needs rustls' provider.
        tend_channels::live::http::install_tls();
        let folder = tempfile::Builder::new().prefix("tend-bsky-").tempdir()?;
        let (plc_port, pds_port) = (free_port()?, free_port()?);
        let plc_url = format!("http://127.0.0.1:{plc_port}");
        let data = folder.path().join("data");
        std::fs::create_dir_all(data.join("blocks"))?;
        let parent = std::process::id().to_string();

        let plc_js = folder.path().join("plc.js");
        std::fs::write(&plc_js, PLC_JS)?;
        let mut plc_cmd = Command::new(&node);
        plc_cmd
            .arg(&plc_js)
            .env("NODE_PATH", plc_dir.join("node_modules"))
            .env("PLC_PORT", plc_port.to_string())
            .env("TEND_PARENT_PID", &parent)
            .current_dir(folder.path());
        let mut plc = Spawned::start("plc", plc_cmd, &folder.path().join("plc.log"))?;
        plc.wait_http(&format!("{plc_url}/_health"), START_WITHIN)
            .await?;

        let env: Vec<(String, String)> = vec![
            ("PDS_HOSTNAME", "localhost".to_owned()),
            ("PDS_PORT", pds_port.to_string()),
            ("PDS_DEV_MODE", "true".into()),
            ("PDS_INVITE_REQUIRED", "false".into()),
            ("PDS_DATA_DIRECTORY", data.display().to_string()),
            (
                "PDS_BLOBSTORE_DISK_LOCATION",
                data.join("blocks").display().to_string(),
            ),
            ("PDS_DID_PLC_URL", plc_url.clone()),
            ("PDS_JWT_SECRET", random_hex(16)?),
            ("PDS_ADMIN_PASSWORD", random_hex(16)?),
            ("PDS_PLC_ROTATION_KEY_K256_PRIVATE_KEY_HEX", random_hex(32)?),
            ("PDS_RATE_LIMITS_ENABLED", "true".into()),
            ("LOG_ENABLED", "false".into()),
            ("TEND_PARENT_PID", parent),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        std::fs::write(folder.path().join("run.mjs"), RUN_MJS)?;
        let mut network = Network {
            url: format!("http://127.0.0.1:{pds_port}"),
            plc_url,
            node,
            pds_dir,
            pds_port,
            env,
            folder,
            _plc: plc,
            pds: None,
        };
        network.start_pds().await?;
        Ok(Some(network))
    }

    async fn start_pds(&mut self) -> anyhow::Result<()> {
        // run.mjs imports '@atproto/pds' as an ES module, which NODE_PATH does
        // not reach: a symlink to the install's node_modules beside the script.
        let link = self.folder.path().join("node_modules");
        if !link.exists() {
            std::os::unix::fs::symlink(self.pds_dir.join("node_modules"), &link)?;
        }
        let mut cmd = Command::new(&self.node);
        cmd.arg(self.folder.path().join("run.mjs"))
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .current_dir(self.folder.path());
        let mut pds = Spawned::start("pds", cmd, &self.folder.path().join("pds.log"))?;
        pds.wait_http(&format!("{}/xrpc/_health", self.url), START_WITHIN)
            .await?;
        self.pds = Some(pds);
        Ok(())
    }

    /// Stops the PDS (SIGTERM, as a deployment would) and starts it again on
    /// the same data folder and port.
    pub async fn restart_pds(&mut self) -> anyhow::Result<()> {
        if let Some(pds) = self.pds.take() {
            pds.stop().await;
        }
        self.start_pds().await
    }

    /// Restarts the PDS with a new JWT secret: every token it issued is
    /// refused from then on (as after a secret rotation), so clients must
    /// sign in again.
    pub async fn rotate_jwt_secret(&mut self) -> anyhow::Result<()> {
        let secret = random_hex(16)?;
        for (k, v) in &mut self.env {
            if k == "PDS_JWT_SECRET" {
                *v = secret.clone();
            }
        }
        self.restart_pds().await
    }

    /// Kills the PDS at once (SIGKILL), for crash tests; [`Network::restart_pds`]
    /// brings it back.
    pub fn kill_pds(&mut self) {
        if let Some(pid) = self.pds.as_ref().and_then(Spawned::pid) {
            crate::process::signal_group(pid, "KILL");
        }
        self.pds = None;
    }

    /// The PDS's port.
    pub fn pds_port(&self) -> u16 {
        self.pds_port
    }

    /// The folder holding the scripts, logs and the PDS's data.
    pub fn folder(&self) -> &Path {
        self.folder.path()
    }

    /// The end of the PDS's log (for a failure message).
    pub fn pds_log(&self) -> String {
        self.pds.as_ref().map(Spawned::log_tail).unwrap_or_default()
    }

    async fn call(&self, method: &str, token: Option<&str>, body: Value) -> anyhow::Result<Value> {
        let mut req = http()?
            .post(format!("{}/xrpc/{method}", self.url))
            .json(&body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        let res = req.send().await.with_context(|| method.to_owned())?;
        let status = res.status();
        let text = res.text().await?;
        if !status.is_success() {
            bail!("{method}: HTTP {status}: {text}");
        }
        if text.is_empty() {
            return Ok(Value::Null);
        }
        Ok(serde_json::from_str(&text)?)
    }

    /// Makes the account `<name>.test` (a `did:plc` registered in the PLC).
    pub async fn create_account(&self, name: &str) -> anyhow::Result<Account> {
        let handle = format!("{name}.test");
        let password = random_hex(12)?;
        let v = self
            .call(
                "com.atproto.server.createAccount",
                None,
                json!({"handle": handle, "email": format!("{name}@example.test"), "password": password}),
            )
            .await?;
        let field = |k: &str| {
            v[k].as_str()
                .map(str::to_owned)
                .with_context(|| format!("createAccount without {k}: {v}"))
        };
        Ok(Account {
            did: field("did")?,
            handle: field("handle")?,
            password,
            access_jwt: field("accessJwt")?,
        })
    }

    /// A fresh access token for `account` (after a restart or a rotation).
    pub async fn create_session(&self, account: &Account) -> anyhow::Result<String> {
        let v = self
            .call(
                "com.atproto.server.createSession",
                None,
                json!({"identifier": account.handle, "password": account.password}),
            )
            .await?;
        v["accessJwt"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("createSession: {v}"))
    }

    /// An app password for `account` (what a brand gives Tend).
    pub async fn app_password(&self, account: &Account, name: &str) -> anyhow::Result<String> {
        let v = self
            .call(
                "com.atproto.server.createAppPassword",
                Some(&account.access_jwt),
                json!({"name": name}),
            )
            .await?;
        v["password"]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("createAppPassword: {v}"))
    }

    /// Writes `record` as a new post of `author`.
    pub async fn post_record(&self, author: &Account, record: Value) -> anyhow::Result<StrongRef> {
        let v = self
            .call(
                "com.atproto.repo.createRecord",
                Some(&author.access_jwt),
                json!({"repo": author.did, "collection": "app.bsky.feed.post", "record": record}),
            )
            .await?;
        match (v["uri"].as_str(), v["cid"].as_str()) {
            (Some(uri), Some(cid)) => Ok(StrongRef {
                uri: uri.into(),
                cid: cid.into(),
            }),
            _ => bail!("createRecord: {v}"),
        }
    }

    /// A plain post.
    pub async fn post(&self, author: &Account, text: &str) -> anyhow::Result<StrongRef> {
        self.post_record(author, post_json(text)).await
    }

    /// A post that mentions `brand`: `@<handle>` is appended to `text` and
    /// carries a mention facet (UTF-8 byte offsets).
    pub async fn post_mention(
        &self,
        author: &Account,
        brand: &Account,
        text: &str,
    ) -> anyhow::Result<StrongRef> {
        let mention = format!("@{}", brand.handle);
        let full = format!("{text} {mention}");
        let start = text.len() + 1;
        let mut record = post_json(&full);
        record["facets"] = json!([{
            "index": {"byteStart": start, "byteEnd": start + mention.len()},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": brand.did}],
        }]);
        self.post_record(author, record).await
    }

    /// A reply to `parent` in the thread whose root is `root`.
    pub async fn post_reply(
        &self,
        author: &Account,
        root: &StrongRef,
        parent: &StrongRef,
        text: &str,
    ) -> anyhow::Result<StrongRef> {
        let mut record = post_json(text);
        record["reply"] = json!({"root": root.json(), "parent": parent.json()});
        self.post_record(author, record).await
    }

    /// A quote of `quoted`.
    pub async fn post_quote(
        &self,
        author: &Account,
        quoted: &StrongRef,
        text: &str,
    ) -> anyhow::Result<StrongRef> {
        let mut record = post_json(text);
        record["embed"] = json!({"$type": "app.bsky.embed.record", "record": quoted.json()});
        self.post_record(author, record).await
    }

    /// Rewrites the post `post` of `author` with `record` (an edit).
    pub async fn put_post(
        &self,
        author: &Account,
        post: &StrongRef,
        record: Value,
    ) -> anyhow::Result<StrongRef> {
        let v = self
            .call(
                "com.atproto.repo.putRecord",
                Some(&author.access_jwt),
                json!({"repo": author.did, "collection": "app.bsky.feed.post", "rkey": post.rkey(), "record": record}),
            )
            .await?;
        match (v["uri"].as_str(), v["cid"].as_str()) {
            (Some(uri), Some(cid)) => Ok(StrongRef {
                uri: uri.into(),
                cid: cid.into(),
            }),
            _ => bail!("putRecord: {v}"),
        }
    }

    /// Deletes the post `post` of `author`.
    pub async fn delete_post(&self, author: &Account, post: &StrongRef) -> anyhow::Result<()> {
        self.call(
            "com.atproto.repo.deleteRecord",
            Some(&author.access_jwt),
            json!({"repo": author.did, "collection": "app.bsky.feed.post", "rkey": post.rkey()}),
        )
        .await?;
        Ok(())
    }

    /// The record `rkey` of `did`'s posts, or `None` when it is not there.
    pub async fn get_post(&self, did: &str, rkey: &str) -> anyhow::Result<Option<Value>> {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/xrpc/com.atproto.repo.getRecord", self.url),
            [
                ("repo", did),
                ("collection", "app.bsky.feed.post"),
                ("rkey", rkey),
            ],
        )?;
        let res = http()?.get(url).send().await?;
        let status = res.status();
        let v: Value = res.json().await?;
        if status.is_success() {
            Ok(Some(v))
        } else if v["error"] == "RecordNotFound" {
            Ok(None)
        } else {
            bail!("getRecord: HTTP {status}: {v}")
        }
    }

    /// Every post in `did`'s repository (records with their `uri`, `cid`, `value`).
    pub async fn list_posts(&self, did: &str) -> anyhow::Result<Vec<Value>> {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/xrpc/com.atproto.repo.listRecords", self.url),
            [
                ("repo", did),
                ("collection", "app.bsky.feed.post"),
                ("limit", "100"),
            ],
        )?;
        let res = http()?.get(url).send().await?;
        let v: Value = res.error_for_status()?.json().await?;
        Ok(v["records"].as_array().cloned().unwrap_or_default())
    }
}

/// A post record with `text`, written now.
pub fn post_json(text: &str) -> Value {
    json!({
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": jiff_now(),
    })
}

fn jiff_now() -> String {
    // Milliseconds, as the Bluesky app writes them.
    format!("{:.3}", jiff::Timestamp::now())
}

/// A stand-in for the PDS's session endpoints (`createSession`,
/// `refreshSession`, `getSession`) whose tokens expire on demand: the
/// access tokens `createSession` hands out are `sessions` in turn, only
/// `fresh` is accepted by `getSession`, and `refreshSession` turns the
/// refresh token `refresh-1` into `fresh` when `refresh_works`. Expired
/// tokens get the PDS's `400 ExpiredToken`.
#[derive(Debug, Default)]
pub struct SessionFake {
    /// Access tokens handed out by `createSession`, in order (then `none`).
    pub sessions: Vec<&'static str>,
    /// Whether `refreshSession` accepts `refresh-1`.
    pub refresh_works: bool,
    /// How many sessions were created.
    pub created: usize,
    /// How many refreshes were asked for.
    pub refreshed: usize,
}

/// A served [`SessionFake`]'s state, to read its counts.
pub type SharedSessionFake = std::sync::Arc<std::sync::Mutex<SessionFake>>;

impl SessionFake {
    /// Serves the fake on a free loopback port; its base URL and state.
    pub async fn serve(self) -> anyhow::Result<(String, SharedSessionFake)> {
        use axum::routing::{get, post};
        let shared = std::sync::Arc::new(std::sync::Mutex::new(self));
        let app = axum::Router::new()
            .route("/xrpc/com.atproto.server.createSession", post(fake_create))
            .route(
                "/xrpc/com.atproto.server.refreshSession",
                post(fake_refresh),
            )
            .route("/xrpc/com.atproto.server.getSession", get(fake_get))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok((url, shared))
    }
}

type FakeState = axum::extract::State<SharedSessionFake>;

fn fake_lock(s: &SharedSessionFake) -> std::sync::MutexGuard<'_, SessionFake> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

fn bearer(h: &axum::http::HeaderMap) -> &str {
    h.get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default()
}

fn expired() -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        axum::http::StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": "ExpiredToken", "message": "Token has expired"})),
    )
        .into_response()
}

fn fake_session(access: &str, refresh: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    axum::Json(json!({
        "accessJwt": access, "refreshJwt": refresh, "did": "did:plc:brand", "handle": "brand.test",
    }))
    .into_response()
}

async fn fake_create(axum::extract::State(s): FakeState) -> axum::response::Response {
    let mut fake = fake_lock(&s);
    let access = fake.sessions.get(fake.created).copied().unwrap_or("none");
    fake.created += 1;
    fake_session(access, "refresh-1")
}

async fn fake_refresh(
    axum::extract::State(s): FakeState,
    h: axum::http::HeaderMap,
) -> axum::response::Response {
    let mut fake = fake_lock(&s);
    fake.refreshed += 1;
    if fake.refresh_works && bearer(&h) == "refresh-1" {
        fake_session("fresh", "refresh-2")
    } else {
        expired()
    }
}

async fn fake_get(h: axum::http::HeaderMap) -> axum::response::Response {
    use axum::response::IntoResponse;
    if bearer(&h) == "fresh" {
        axum::Json(json!({"did": "did:plc:brand", "handle": "brand.test"})).into_response()
    } else {
        expired()
    }
}
