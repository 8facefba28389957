//! A fake TikTok API v2 (Content Posting and Display) for tests: an axum
//! server on a loopback port with its state in memory, answering in
//! TikTok's *documented* shapes (no recordings exist under a licence; see
//! `payloads/tiktok/README.md`) and keeping TikTok's rules:
//!
//! - Bearer auth (401 `access_token_invalid` in TikTok's envelope); OAuth
//!   tokens expire and are refreshed at `POST /v2/oauth/token/` with the
//!   client key and secret.
//! - Per-token rate limits per endpoint and minute (publish inits 6 a
//!   minute): 429 `rate_limit_exceeded`.
//! - An **unaudited** app may post only `SELF_ONLY` (403
//!   `unaudited_client_can_only_post_to_private_accounts`), and only a
//!   privacy level `creator_info` offers (`privacy_level_option_mismatch`).
//! - A publish is processed over a few status fetches, then
//!   `PUBLISH_COMPLETE`; a private post has no public id and is not listed.
//! - `video/list` pages newest first with a millisecond `cursor`.
//!
//! Faults per route: 503, 429, commit-then-drop. It counts inits so tests
//! can check that one key never inits twice.

use crate::killable::Kill;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, Request, State as With};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The account's username.
pub const USERNAME: &str = "tendbrand";

/// A route faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Both publish inits.
    Init,
    /// `POST /v2/post/publish/status/fetch/`.
    Status,
    /// `POST /v2/video/list/`.
    VideoList,
    /// `POST /v2/post/publish/creator_info/query/`.
    CreatorInfo,
}

/// A fault for the next requests of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503, nothing done.
    Unavailable,
    /// 429 `rate_limit_exceeded`, nothing done.
    RateLimited,
    /// Carried out, then the connection is cut before any answer.
    CommitThenDrop,
}

/// A publish as the fake holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePublish {
    /// Its publish id.
    pub publish_id: String,
    /// `VIDEO` or `PHOTO`.
    pub media_type: String,
    /// The caption (video title or photo description).
    pub caption: String,
    /// The privacy level asked for.
    pub privacy: String,
    /// The media URLs.
    pub media: Vec<String>,
    /// The public video id once published publicly.
    pub video_id: Option<String>,
}

/// The fake server, running until dropped.
pub struct FakeTiktok {
    /// Its base URL, the `api_base` setting.
    pub url: String,
    /// The OAuth client key.
    pub client_key: String,
    /// The OAuth client secret.
    pub client_secret: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

struct Shared(Mutex<State>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Video {
    id: u64,
    caption: String,
    create_ms: i64,
    likes: i64,
}

struct Publish {
    row: FakePublish,
    fetches_left: u32,
    done: bool,
}

struct State {
    audited: bool,
    options: Vec<String>,
    videos: BTreeMap<i64, Video>,
    publishes: Vec<Publish>,
    serial: u64,
    last_ms: i64,
    tokens: HashMap<String, Instant>,
    refresh_tokens: HashMap<String, ()>,
    token_lifetime: Duration,
    init_limit: u64,
    windows: HashMap<(String, &'static str), (u64, i64)>,
    faults: HashMap<Route, (Fault, usize)>,
    inits: usize,
    processing_rounds: u32,
}

impl State {
    fn next(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    fn now(&mut self) -> i64 {
        let ms = now_ms().max(self.last_ms + 1);
        self.last_ms = ms;
        ms
    }

    fn secret(&mut self, prefix: &str) -> String {
        let n = self.next();
        let seed = u64::try_from(now_ms()).unwrap_or(0) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{prefix}.{:016x}{n:06x}",
            seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
        )
    }

    fn take_fault(&mut self, route: Route) -> Option<Fault> {
        let (fault, left) = self.faults.get_mut(&route)?;
        let fault = *fault;
        *left -= 1;
        if *left == 0 {
            self.faults.remove(&route);
        }
        Some(fault)
    }

    fn video(&mut self, caption: &str, create_ms: i64) -> u64 {
        let id = 7_300_000_000_000_000_000 + self.next();
        self.videos.insert(
            create_ms,
            Video {
                id,
                caption: caption.to_string(),
                create_ms,
                likes: i64::try_from(id % 97).unwrap_or(0),
            },
        );
        id
    }
}

fn envelope(status: StatusCode, data: Value, code: &str, message: &str) -> Response {
    let log_id = format!("2026120800{:016x}", now_ms());
    (
        status,
        axum::Json(
            json!({"data": data, "error": {"code": code, "message": message, "log_id": log_id}}),
        ),
    )
        .into_response()
}

fn ok(data: Value) -> Response {
    envelope(StatusCode::OK, data, "ok", "")
}

fn refuse(status: StatusCode, code: &str, message: &str) -> Response {
    envelope(status, json!({}), code, message)
}

impl FakeTiktok {
    /// Starts the server (an unaudited app, a public account).
    pub async fn start() -> anyhow::Result<FakeTiktok> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let state = State {
            audited: false,
            options: [
                "PUBLIC_TO_EVERYONE",
                "MUTUAL_FOLLOW_FRIENDS",
                "FOLLOWER_OF_CREATOR",
                "SELF_ONLY",
            ]
            .map(String::from)
            .to_vec(),
            videos: BTreeMap::new(),
            publishes: Vec::new(),
            serial: 0,
            last_ms: 0,
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            token_lifetime: Duration::from_secs(86_400),
            init_limit: 6,
            windows: HashMap::new(),
            faults: HashMap::new(),
            inits: 0,
            processing_rounds: 2,
        };
        let shared = Arc::new(Shared(Mutex::new(state)));
        let app = router(shared.clone());
        let task = crate::killable::serve(listener, app, "TikTok");
        Ok(FakeTiktok {
            url,
            client_key: "awtendfakekey".into(),
            client_secret: "fake-secret".into(),
            shared,
            task,
        })
    }

    /// The `token_url` setting.
    pub fn token_url(&self) -> String {
        format!("{}/v2/oauth/token/", self.url)
    }

    /// Issues OAuth tokens (access, refresh) as an authorisation would.
    pub fn oauth_tokens(&self) -> (String, String) {
        let mut s = self.shared.lock();
        let access = s.secret("act");
        let refresh = s.secret("rft");
        let at = Instant::now() + s.token_lifetime;
        s.tokens.insert(access.clone(), at);
        s.refresh_tokens.insert(refresh.clone(), ());
        (access, refresh)
    }

    /// Every access token expires now.
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for t in self.shared.lock().tokens.values_mut() {
            *t = now;
        }
    }

    /// TikTok has audited the app (public posts allowed).
    pub fn set_audited(&self, audited: bool) {
        self.shared.lock().audited = audited;
    }

    /// The privacy levels `creator_info` offers.
    pub fn set_privacy_options(&self, options: &[&str]) {
        self.shared.lock().options = options.iter().map(|o| o.to_string()).collect();
    }

    /// Publish inits per token and minute (TikTok's is 6).
    pub fn set_init_limit(&self, limit: u64) {
        let mut s = self.shared.lock();
        s.init_limit = limit;
        s.windows.clear();
    }

    /// The account posted `n` videos, `ago` in the past; answers their ids, oldest first.
    pub fn seed_videos(&self, n: usize, ago: Duration) -> Vec<String> {
        let mut s = self.shared.lock();
        let base = now_ms() - i64::try_from(ago.as_millis()).unwrap_or(0);
        (0..n)
            .map(|i| {
                let ms = (base + i64::try_from(i).unwrap_or(0)).max(s.last_ms + 1);
                s.last_ms = s.last_ms.max(ms);
                s.video(&format!("Video number {i} #tend"), ms).to_string()
            })
            .collect()
    }

    /// Every publish, in init order.
    pub fn publishes(&self) -> Vec<FakePublish> {
        self.shared
            .lock()
            .publishes
            .iter()
            .map(|p| p.row.clone())
            .collect()
    }

    /// How many inits arrived (answered or not).
    pub fn inits(&self) -> usize {
        self.shared.lock().inits
    }

    /// Makes the next `n` requests of `route` fail with `fault`.
    pub fn fail_next(&self, route: Route, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(route, (fault, n));
    }
}

impl Drop for FakeTiktok {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Shr = With<Arc<Shared>>;

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v2/oauth/token/", post(token))
        .route("/v2/post/publish/creator_info/query/", post(creator_info))
        .route("/v2/post/publish/video/init/", post(video_init))
        .route("/v2/post/publish/content/init/", post(content_init))
        .route("/v2/post/publish/status/fetch/", post(status_fetch))
        .route("/v2/video/list/", post(video_list))
        .fallback(|| async { refuse(StatusCode::NOT_FOUND, "invalid_params", "Not found") })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

fn route_of(path: &str) -> Option<(Route, &'static str, u64)> {
    Some(match path {
        "/v2/post/publish/video/init/" | "/v2/post/publish/content/init/" => {
            (Route::Init, "init", 0)
        }
        "/v2/post/publish/status/fetch/" => (Route::Status, "status", 30),
        "/v2/video/list/" => (Route::VideoList, "list", 600),
        "/v2/post/publish/creator_info/query/" => (Route::CreatorInfo, "creator", 20),
        _ => return None,
    })
}

async fn guard(With(shared): Shr, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path == "/v2/oauth/token/" {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let route = route_of(&path);
    let verdict = {
        let mut s = shared.lock();
        let valid = token
            .as_ref()
            .and_then(|t| s.tokens.get(t))
            .is_some_and(|at| *at > Instant::now());
        if !valid {
            Err(refuse(
                StatusCode::UNAUTHORIZED,
                "access_token_invalid",
                "The access token is invalid or not found in the request.",
            ))
        } else if let Some((r, name, limit)) = route {
            let limit = if r == Route::Init {
                s.init_limit
            } else {
                limit
            };
            let now = now_ms();
            let w = s
                .windows
                .entry((token.clone().unwrap_or_default(), name))
                .or_insert((limit, now + 60_000));
            if w.1 <= now {
                *w = (limit, now + 60_000);
            }
            if w.0 == 0 {
                Err(refuse(
                    StatusCode::TOO_MANY_REQUESTS,
                    "rate_limit_exceeded",
                    "API rate limit was exceeded, please try again later.",
                ))
            } else {
                w.0 -= 1;
                Ok(s.take_fault(r))
            }
        } else {
            Ok(None)
        }
    };
    match verdict {
        Err(res) => res,
        Ok(Some(Fault::Unavailable)) => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "internal_error",
            "Something went wrong.",
        ),
        Ok(Some(Fault::RateLimited)) => refuse(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_exceeded",
            "API rate limit was exceeded, please try again later.",
        ),
        Ok(fault) => {
            let kill = req.extensions().get::<ConnectInfo<Kill>>().cloned();
            let res = next.run(req).await;
            if fault == Some(Fault::CommitThenDrop)
                && let Some(ConnectInfo(kill)) = kill
            {
                kill.pull();
            }
            res
        }
    }
}

async fn creator_info(With(shared): Shr) -> Response {
    let s = shared.lock();
    ok(json!({
        "creator_avatar_url": "https://p16-sign.tiktokcdn.example/avatar.jpeg",
        "creator_username": USERNAME,
        "creator_nickname": "Tend Brand",
        "privacy_level_options": s.options,
        "comment_disabled": false,
        "duet_disabled": false,
        "stitch_disabled": true,
        "max_video_post_duration_sec": 600
    }))
}

fn start_publish(
    s: &mut State,
    media_type: &str,
    caption: String,
    privacy: String,
    media: Vec<String>,
) -> Response {
    if !s.options.contains(&privacy) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "privacy_level_option_mismatch",
            "privacy_level is not one of the creator's privacy_level_options",
        );
    }
    if !s.audited && privacy != "SELF_ONLY" {
        return refuse(
            StatusCode::FORBIDDEN,
            "unaudited_client_can_only_post_to_private_accounts",
            "Unaudited clients can only post with SELF_ONLY visibility.",
        );
    }
    if media.is_empty() || media.iter().any(|m| !m.starts_with("https://")) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "source_info is invalid",
        );
    }
    let n = s.next();
    let kind = if media_type == "PHOTO" {
        "p_pub_url"
    } else {
        "v_pub_url"
    };
    let publish_id = format!("{kind}~v2-1.{}", 7_400_000_000_000_000_000u64 + n);
    let rounds = s.processing_rounds;
    s.publishes.push(Publish {
        row: FakePublish {
            publish_id: publish_id.clone(),
            media_type: media_type.into(),
            caption,
            privacy,
            media,
            video_id: None,
        },
        fetches_left: rounds,
        done: false,
    });
    ok(json!({ "publish_id": publish_id }))
}

async fn video_init(With(shared): Shr, body: Bytes) -> Response {
    let mut s = shared.lock();
    s.inits += 1;
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "invalid_params", "Invalid JSON");
    };
    if v["source_info"]["source"] != "PULL_FROM_URL" {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "source_info.source is invalid",
        );
    }
    let caption = v["post_info"]["title"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let privacy = v["post_info"]["privacy_level"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let url = v["source_info"]["video_url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    start_publish(&mut s, "VIDEO", caption, privacy, vec![url])
}

async fn content_init(With(shared): Shr, body: Bytes) -> Response {
    let mut s = shared.lock();
    s.inits += 1;
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return refuse(StatusCode::BAD_REQUEST, "invalid_params", "Invalid JSON");
    };
    if v["media_type"] != "PHOTO" || v["source_info"]["source"] != "PULL_FROM_URL" {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "media_type or source is invalid",
        );
    }
    let title = v["post_info"]["title"].as_str().unwrap_or_default();
    if title.chars().count() > 90 {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "title is too long",
        );
    }
    let caption = v["post_info"]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let privacy = v["post_info"]["privacy_level"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let media = v["source_info"]["photo_images"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    start_publish(&mut s, "PHOTO", caption, privacy, media)
}

async fn status_fetch(With(shared): Shr, body: Bytes) -> Response {
    let mut s = shared.lock();
    let id = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["publish_id"].as_str().map(str::to_string))
        .unwrap_or_default();
    let Some(i) = s.publishes.iter().position(|p| p.row.publish_id == id) else {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_publish_id",
            "publish_id is invalid",
        );
    };
    if s.publishes[i].fetches_left > 0 {
        s.publishes[i].fetches_left -= 1;
        return ok(json!({"status": "PROCESSING_DOWNLOAD", "uploaded_bytes": 0}));
    }
    if !s.publishes[i].done {
        s.publishes[i].done = true;
        if s.publishes[i].row.privacy != "SELF_ONLY" {
            let caption = s.publishes[i].row.caption.clone();
            let at = s.now();
            let vid = s.video(&caption, at);
            s.publishes[i].row.video_id = Some(vid.to_string());
        }
    }
    let public: Vec<Value> = s.publishes[i]
        .row
        .video_id
        .iter()
        .filter_map(|v| v.parse::<u64>().ok())
        .map(|v| json!(v))
        .collect();
    ok(json!({"status": "PUBLISH_COMPLETE", "publicaly_available_post_id": public}))
}

async fn video_list(With(shared): Shr, RawQuery(raw): RawQuery, body: Bytes) -> Response {
    let fields = raw.unwrap_or_default();
    if !fields.contains("fields=") {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "fields is required",
        );
    }
    let v = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
    let max = v["max_count"].as_u64().unwrap_or(10);
    if !(1..=20).contains(&max) {
        return refuse(
            StatusCode::BAD_REQUEST,
            "invalid_params",
            "max_count must be 1 to 20",
        );
    }
    let cursor = v["cursor"].as_i64().unwrap_or(i64::MAX);
    let s = shared.lock();
    let page: Vec<&Video> = s
        .videos
        .range(..cursor)
        .rev()
        .take(usize::try_from(max).unwrap_or(20))
        .map(|(_, v)| v)
        .collect();
    let next = page.last().map_or(0, |v| v.create_ms);
    let has_more = page.len() as u64 == max && s.videos.range(..next).next().is_some();
    let videos: Vec<Value> = page
        .iter()
        .map(|v| {
            json!({
                "id": v.id.to_string(),
                "title": v.caption.chars().take(40).collect::<String>(),
                "video_description": v.caption,
                "create_time": v.create_ms / 1000,
                "share_url": format!("https://www.tiktok.com/@{USERNAME}/video/{}", v.id),
                "like_count": v.likes,
                "comment_count": 0,
                "share_count": 0,
                "view_count": v.likes * 10
            })
        })
        .collect();
    ok(json!({"videos": videos, "cursor": next, "has_more": has_more}))
}

async fn token(With(shared): Shr, body: Bytes) -> Response {
    let form: HashMap<String, String> =
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .unwrap_or_default()
            .into_iter()
            .collect();
    let refused = |e: &str, d: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": e, "error_description": d, "log_id": "202612080000000000"})),
        )
            .into_response()
    };
    if form.get("client_key").map(String::as_str) != Some("awtendfakekey")
        || form.get("client_secret").map(String::as_str) != Some("fake-secret")
    {
        return refused("invalid_client", "Client key or secret is incorrect.");
    }
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return refused("invalid_request", "grant_type is invalid");
    }
    let mut s = shared.lock();
    let Some(old) = form
        .get("refresh_token")
        .filter(|r| s.refresh_tokens.contains_key(*r))
        .cloned()
    else {
        return refused("invalid_grant", "Refresh token is invalid or expired.");
    };
    s.refresh_tokens.remove(&old);
    let access = s.secret("act");
    let refresh = s.secret("rft");
    let lifetime = s.token_lifetime;
    s.tokens.insert(access.clone(), Instant::now() + lifetime);
    s.refresh_tokens.insert(refresh.clone(), ());
    axum::Json(json!({
        "access_token": access,
        "expires_in": lifetime.as_secs(),
        "open_id": "-000OjN3fZ-tendfake",
        "refresh_expires_in": 31_536_000,
        "refresh_token": refresh,
        "scope": "user.info.basic,video.list,video.publish",
        "token_type": "Bearer"
    }))
    .into_response()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
