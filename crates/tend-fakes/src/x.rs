//! A fake X API v2 for tests: an axum server on a loopback port with its
//! state in memory, answering in the shapes of the recorded payloads in
//! `payloads/x/` (real cassettes and the X docs' samples) and keeping X's
//! rules:
//!
//! - Bearer auth on every `/2/` route (401 problem JSON); OAuth 2.0 tokens
//!   expire and are refreshed at `POST /2/oauth2/token`, which rotates the
//!   refresh token (an old one is refused with `invalid_request`).
//! - `x-rate-limit-limit/remaining/reset` (epoch seconds) on every answer,
//!   per token and endpoint over 15-minute windows; 429 with X's problem
//!   JSON once a window is spent.
//! - Pagination as X does it: newest first, `max_results` 5–100 (400
//!   outside), `since_id`, `until_id`, `start_time`, an opaque
//!   `pagination_token` and `meta.next_token`.
//! - **No idempotency key** (X has none); a second tweet with the same text
//!   by the same author is refused as duplicate content (403), as X does.
//! - A reply's stored text starts with the replied-to handle and its links
//!   become `https://t.co/…`, as on X, and `&` is sent as `&amp;`.
//! - Edits make a new tweet id with `edit_history_tweet_ids`; the timeline
//!   shows the latest version only.
//!
//! Faults are injected per route: 503, 429, and commit-then-drop (the tweet
//! is created, the connection cut before the answer). It counts
//! `POST /2/tweets` requests so tests can check exactly-once.

#[path = "mastodon/conn.rs"]
mod conn;

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State as With};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use conn::Kill;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The brand account's id (tweepy's recording account).
pub const BRAND_ID: &str = "1072250532645998596";
/// The brand account's username.
pub const BRAND: &str = "tendbrand";

/// A route faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /2/tweets`.
    PostTweet,
    /// `GET /2/users/{id}/mentions`.
    Mentions,
    /// `GET /2/users/{id}/tweets`.
    UserTweets,
    /// `GET /2/dm_events`.
    DmEvents,
    /// `DELETE /2/tweets/{id}`.
    DeleteTweet,
}

/// A fault for the next requests of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503, nothing done.
    Unavailable,
    /// 429 with the window's reset `secs` from now, nothing done.
    RateLimited {
        /// Seconds until `x-rate-limit-reset`.
        reset_in_secs: u64,
    },
    /// The request is carried out, then the connection is closed before
    /// any answer.
    CommitThenDrop,
}

/// A tweet as the fake holds it, for tests to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeTweet {
    /// Its id.
    pub id: String,
    /// The author's username.
    pub author: String,
    /// The text as stored (a reply starts with the replied-to handle).
    pub text: String,
    /// The tweet it replies to.
    pub in_reply_to: Option<String>,
}

/// The fake server, running until dropped.
pub struct FakeX {
    /// Its base URL (`http://127.0.0.1:PORT`), the `api_base` setting.
    pub url: String,
    /// A user access token of the brand account that does not expire.
    pub token: String,
    /// The OAuth client id registered with the fake.
    pub client_id: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

struct Shared {
    state: Mutex<State>,
    templates: Templates,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Templates {
    tweet: Value,
    user: Value,
    dm: Value,
    me: Value,
    created: Value,
    deleted: Value,
}

impl Templates {
    fn load() -> anyhow::Result<Templates> {
        let mentions: Value =
            serde_json::from_str(include_str!("../payloads/x/timeline_mentions.json"))?;
        let users: Value = serde_json::from_str(include_str!("../payloads/x/tweets_resp.json"))?;
        let dms: Value = serde_json::from_str(include_str!("../payloads/x/events.json"))?;
        let me: Value = serde_json::from_str(include_str!("../payloads/x/me_resp.json"))?;
        let created: Value =
            serde_json::from_str(include_str!("../payloads/x/create_tweet_resp.json"))?;
        let recorded: Value = serde_json::from_str(include_str!(
            "../payloads/x/test_client_create_and_delete_tweet.json"
        ))?;
        Ok(Templates {
            tweet: mentions["data"][0].clone(),
            user: users["includes"]["users"][0].clone(),
            dm: dms["data"][0].clone(),
            me: me["data"].clone(),
            created: created.clone(),
            deleted: recorded[1]["response_body_json"].clone(),
        })
        .and_then(|t: Templates| {
            (t.tweet.is_object() && t.user.is_object() && t.dm.is_object() && t.me.is_object())
                .then_some(t)
                .context("a payload template is missing")
        })
    }
}

struct User {
    id: String,
    username: String,
    name: String,
    followers: u64,
}

struct Tweet {
    id: u64,
    author: String,
    text: String,
    created_ms: u64,
    reply_to: Option<u64>,
    conversation: u64,
    /// The first version's id and every later one, in order.
    history: Vec<u64>,
    /// Replaced by a later version (not shown in timelines).
    superseded: bool,
}

struct Dm {
    id: u64,
    conversation: String,
    sender: String,
    text: String,
    created_ms: u64,
}

struct Token {
    expires_at: Option<Instant>,
}

struct State {
    users: HashMap<String, User>,
    tweets: BTreeMap<u64, Tweet>,
    dms: BTreeMap<u64, Dm>,
    last_id: u64,
    tokens: HashMap<String, Token>,
    refresh_tokens: HashMap<String, String>,
    client_id: String,
    token_lifetime: Duration,
    rate_limit: u64,
    windows: HashMap<(String, &'static str), (u64, u64)>,
    faults: HashMap<Route, (Fault, usize)>,
    tweet_posts: usize,
    serial: u64,
}

impl FakeX {
    /// Starts the server on a free loopback port.
    pub async fn start() -> anyhow::Result<FakeX> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let mut state = State {
            users: HashMap::new(),
            tweets: BTreeMap::new(),
            dms: BTreeMap::new(),
            last_id: 0,
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            client_id: "tend-fake-client".into(),
            token_lifetime: Duration::from_secs(7200),
            rate_limit: 100_000,
            windows: HashMap::new(),
            faults: HashMap::new(),
            tweet_posts: 0,
            serial: 0,
        };
        state.users.insert(
            BRAND_ID.into(),
            User {
                id: BRAND_ID.into(),
                username: BRAND.into(),
                name: "The Brand".into(),
                followers: 1234,
            },
        );
        let token = state.secret("xtok_");
        state.tokens.insert(token.clone(), Token { expires_at: None });
        let client_id = state.client_id.clone();
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            templates: Templates::load()?,
        });
        let app = router(shared.clone());
        let task = tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<Kill>();
            if let Err(e) = axum::serve(conn::KillableListener(listener), service).await {
                tracing::warn!("fake X stopped: {e}");
            }
        });
        Ok(FakeX {
            url,
            token,
            client_id,
            shared,
            task,
        })
    }

    /// The token endpoint's address (the `token_url` setting).
    pub fn token_url(&self) -> String {
        format!("{}/2/oauth2/token", self.url)
    }

    /// Issues OAuth tokens (access, refresh) as an authorisation would;
    /// the access token lasts the current lifetime.
    pub fn oauth_tokens(&self) -> (String, String) {
        let mut state = self.shared.lock();
        state.issue_pair()
    }

    /// OAuth access tokens issued from now on last this long.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.shared.lock().token_lifetime = lifetime;
    }

    /// Every OAuth access token expires now (refresh tokens stay).
    pub fn expire_oauth_tokens(&self) {
        let now = Instant::now();
        for t in self.shared.lock().tokens.values_mut() {
            if t.expires_at.is_some() {
                t.expires_at = Some(now);
            }
        }
    }

    /// A member (`alice`) tweets `text` mentioning the brand; answers its id.
    pub fn post_mention(&self, from: &str, text: &str) -> String {
        self.tweet(from, &format!("@{BRAND} {text}"), None, now_ms())
    }

    /// Like [`FakeX::post_mention`], written `ago` in the past (call in time order).
    pub fn post_mention_ago(&self, from: &str, text: &str, ago: Duration) -> String {
        let at = now_ms().saturating_sub(u64::try_from(ago.as_millis()).unwrap_or(u64::MAX));
        self.tweet(from, &format!("@{BRAND} {text}"), None, at)
    }

    /// A member replies to tweet `to`, mentioning the brand.
    pub fn post_reply(&self, from: &str, text: &str, to: &str) -> String {
        self.tweet(from, &format!("@{BRAND} {text}"), to.parse().ok(), now_ms())
    }

    fn tweet(&self, from: &str, text: &str, reply_to: Option<u64>, at: u64) -> String {
        let mut state = self.shared.lock();
        let author = state.member(from);
        state.create(&author, text, reply_to, at).to_string()
    }

    /// `n` mentions from a rotating set of members, at once.
    pub fn seed_mentions(&self, n: usize) -> Vec<String> {
        let mut state = self.shared.lock();
        let at = now_ms();
        (0..n)
            .map(|i| {
                let author = state.member(&format!("member{}", i % 97));
                let text = format!("@{BRAND} seeded question number {i}: is the app down?");
                state.create(&author, &text, None, at).to_string()
            })
            .collect()
    }

    /// The author edits tweet `id` (X makes a new version id); answers it.
    pub fn edit_tweet(&self, id: &str, text: &str) -> Option<String> {
        let id = id.parse::<u64>().ok()?;
        let mut state = self.shared.lock();
        let (author, reply_to, conversation, mut history) = {
            let old = state.tweets.get_mut(&id).filter(|t| !t.superseded)?;
            old.superseded = true;
            (
                old.author.clone(),
                old.reply_to,
                old.conversation,
                old.history.clone(),
            )
        };
        let new = state.next_id(now_ms());
        history.push(new);
        for v in &history {
            if let Some(t) = state.tweets.get_mut(v) {
                t.history = history.clone();
            }
        }
        state.tweets.insert(
            new,
            Tweet {
                id: new,
                author,
                text: format!("@{BRAND} {text}"),
                created_ms: now_ms(),
                reply_to,
                conversation,
                history,
                superseded: false,
            },
        );
        Some(new.to_string())
    }

    /// A tweet is deleted (every version).
    pub fn delete_tweet(&self, id: &str) -> bool {
        let Ok(id) = id.parse::<u64>() else {
            return false;
        };
        let mut state = self.shared.lock();
        let history = match state.tweets.get(&id) {
            Some(t) => t.history.clone(),
            None => return false,
        };
        for v in history {
            state.tweets.remove(&v);
        }
        true
    }

    /// A member writes the brand a direct message; answers the event id.
    pub fn send_dm(&self, from: &str, text: &str) -> String {
        let mut state = self.shared.lock();
        let sender = state.member(from);
        let id = state.next_id(now_ms());
        let conversation = format!("{sender}-{BRAND_ID}");
        state.dms.insert(
            id,
            Dm {
                id,
                conversation,
                sender,
                text: text.to_string(),
                created_ms: now_ms(),
            },
        );
        id.to_string()
    }

    /// The brand's tweets (latest versions), newest first.
    pub fn brand_tweets(&self) -> Vec<FakeTweet> {
        let state = self.shared.lock();
        state
            .tweets
            .values()
            .rev()
            .filter(|t| t.author == BRAND_ID && !t.superseded)
            .map(|t| FakeTweet {
                id: t.id.to_string(),
                author: BRAND.into(),
                text: t.text.clone(),
                in_reply_to: t.reply_to.map(|p| p.to_string()),
            })
            .collect()
    }

    /// Whether tweet `id` exists.
    pub fn exists(&self, id: &str) -> bool {
        id.parse::<u64>()
            .is_ok_and(|id| self.shared.lock().tweets.contains_key(&id))
    }

    /// Makes the next `n` requests of `route` fail with `fault`.
    pub fn fail_next(&self, route: Route, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(route, (fault, n));
    }

    /// Requests per 15-minute window per token and endpoint (default
    /// 100,000; X's are 75–900 by endpoint). Resets the windows.
    pub fn set_rate_limit(&self, limit: u64) {
        let mut state = self.shared.lock();
        state.rate_limit = limit;
        state.windows.clear();
    }

    /// How many `POST /2/tweets` requests arrived (answered or not).
    pub fn tweet_posts(&self) -> usize {
        self.shared.lock().tweet_posts
    }
}

impl Drop for FakeX {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl State {
    fn secret(&mut self, prefix: &str) -> String {
        self.serial += 1;
        let seed = now_ms() ^ self.serial.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{prefix}{:016x}{:08x}",
            seed.wrapping_mul(0x2545_F491_4F6C_DD1D),
            self.serial
        )
    }

    fn issue_pair(&mut self) -> (String, String) {
        let access = self.secret("xoa_");
        let refresh = self.secret("xrt_");
        let expires_at = Some(Instant::now() + self.token_lifetime);
        self.tokens.insert(access.clone(), Token { expires_at });
        self.refresh_tokens
            .insert(refresh.clone(), self.client_id.clone());
        (access, refresh)
    }

    fn member(&mut self, username: &str) -> String {
        let username = username.trim_start_matches('@');
        if let Some(u) = self.users.values().find(|u| u.username == username) {
            return u.id.clone();
        }
        let id = (2_000_000_000u64 + self.users.len() as u64).to_string();
        let followers = username.bytes().map(u64::from).sum::<u64>() * 7 % 5000;
        self.users.insert(
            id.clone(),
            User {
                id: id.clone(),
                username: username.to_string(),
                name: format!("Member {username}"),
                followers,
            },
        );
        id
    }

    /// A snowflake-like id: grows with time.
    fn next_id(&mut self, at_ms: u64) -> u64 {
        let id = (at_ms << 20).max(self.last_id + 1);
        self.last_id = id;
        id
    }

    fn create(&mut self, author: &str, text: &str, reply_to: Option<u64>, at_ms: u64) -> u64 {
        let reply_to = reply_to.filter(|p| self.tweets.contains_key(p));
        let id = self.next_id(at_ms);
        let conversation = reply_to
            .and_then(|p| self.tweets.get(&p))
            .map_or(id, |p| p.conversation);
        self.tweets.insert(
            id,
            Tweet {
                id,
                author: author.to_string(),
                text: text.to_string(),
                created_ms: at_ms,
                reply_to,
                conversation,
                history: vec![id],
                superseded: false,
            },
        );
        id
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

    fn username(&self, id: &str) -> String {
        self.users
            .get(id)
            .map_or_else(|| id.to_string(), |u| u.username.clone())
    }
}

// ---- HTTP ----

type Shr = With<Arc<Shared>>;

const WINDOW_MS: u64 = 15 * 60 * 1000;

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/2/oauth2/token", post(token))
        .route("/2/users/me", get(me))
        .route("/2/users/{id}/mentions", get(mentions))
        .route("/2/users/{id}/tweets", get(user_tweets))
        .route("/2/dm_events", get(dm_events))
        .route("/2/tweets", post(create_tweet))
        .route("/2/tweets/{id}", delete(delete_tweet))
        .fallback(|| async {
            problem(
                StatusCode::NOT_FOUND,
                "Not Found Error",
                "Sorry, that page does not exist.",
            )
        })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = json!({
        "title": title,
        "detail": detail,
        "type": "about:blank",
        "status": status.as_u16(),
    });
    (status, axum::Json(body)).into_response()
}

fn invalid(message: &str) -> Response {
    let body = json!({
        "errors": [{"parameters": {}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

fn route_of(method: &Method, path: &str) -> Option<Route> {
    Some(match method.as_str() {
        "POST" if path == "/2/tweets" => Route::PostTweet,
        "DELETE" if path.starts_with("/2/tweets/") => Route::DeleteTweet,
        "GET" if path.ends_with("/mentions") => Route::Mentions,
        "GET" if path.starts_with("/2/users/") && path.ends_with("/tweets") => Route::UserTweets,
        "GET" if path == "/2/dm_events" => Route::DmEvents,
        _ => return None,
    })
}

fn endpoint(route: Option<Route>) -> &'static str {
    match route {
        Some(Route::PostTweet) => "post",
        Some(Route::DeleteTweet) => "delete",
        Some(Route::Mentions) => "mentions",
        Some(Route::UserTweets) => "tweets",
        Some(Route::DmEvents) => "dm",
        None => "other",
    }
}

async fn guard(With(shared): Shr, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path == "/2/oauth2/token" {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let route = route_of(req.method(), &path);
    let now = now_ms();
    let (limit, remaining, reset, verdict) = {
        let mut state = shared.lock();
        let valid = token.as_ref().and_then(|t| state.tokens.get(t)).is_some_and(|t| {
            t.expires_at.is_none_or(|at| at > Instant::now())
        });
        let limit = state.rate_limit;
        let key = (token.clone().unwrap_or_default(), endpoint(route));
        let window = state.windows.entry(key).or_insert((limit, now + WINDOW_MS));
        if window.1 <= now {
            *window = (limit, now + WINDOW_MS);
        }
        let verdict = if !valid {
            Err(problem(StatusCode::UNAUTHORIZED, "Unauthorized", "Unauthorized"))
        } else if window.0 == 0 {
            Err(problem(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Too Many Requests",
            ))
        } else {
            window.0 -= 1;
            Ok(())
        };
        let (remaining, reset) = *window;
        let verdict = verdict.map(|()| route.and_then(|r| state.take_fault(r)));
        (limit, remaining, reset, verdict)
    };
    let mut reset_secs = reset / 1000;
    let mut res = match verdict {
        Err(res) => res,
        Ok(Some(Fault::Unavailable)) => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            "Service Unavailable",
        ),
        Ok(Some(Fault::RateLimited { reset_in_secs })) => {
            reset_secs = now / 1000 + reset_in_secs;
            problem(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Too Many Requests",
            )
        }
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
    };
    let headers = res.headers_mut();
    headers.insert("x-rate-limit-limit", HeaderValue::from(limit));
    headers.insert("x-rate-limit-remaining", HeaderValue::from(remaining));
    headers.insert("x-rate-limit-reset", HeaderValue::from(reset_secs));
    res
}

fn query(raw: Option<String>) -> HashMap<String, String> {
    raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(&q).ok())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// X's paging parameters, checked as X checks them.
struct Paging {
    max: usize,
    since: Option<u64>,
    until: Option<u64>,
    start_ms: Option<u64>,
}

impl Paging {
    fn of(q: &HashMap<String, String>) -> Result<Paging, Response> {
        let max = match q.get("max_results") {
            None => 10,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (5..=100).contains(&n) => n,
                _ => {
                    return Err(invalid(&format!(
                        "The `max_results` query parameter value [{v}] is not between 5 and 100"
                    )));
                }
            },
        };
        let id = |name: &str| -> Result<Option<u64>, Response> {
            match q.get(name) {
                None => Ok(None),
                Some(v) => v.parse::<u64>().map(Some).map_err(|_| {
                    invalid(&format!(
                        "The `{name}` query parameter value [{v}] is not a valid ID"
                    ))
                }),
            }
        };
        let mut until = id("until_id")?;
        if let Some(token) = q.get("pagination_token") {
            let parsed = token
                .strip_prefix("7140")
                .and_then(|hex| u64::from_str_radix(hex, 16).ok())
                .ok_or_else(|| {
                    invalid(&format!(
                        "The `pagination_token` query parameter value [{token}] is not valid"
                    ))
                })?;
            until = Some(until.map_or(parsed, |u| u.min(parsed)));
        }
        let start_ms = match q.get("start_time") {
            None => None,
            Some(v) => Some(
                v.parse::<jiff::Timestamp>()
                    .map(|t| u64::try_from(t.as_millisecond()).unwrap_or(0))
                    .map_err(|_| {
                        invalid(&format!(
                            "Invalid 'start_time':'{v}'. 'start_time' must be a valid RFC 3339 timestamp"
                        ))
                    })?,
            ),
        };
        Ok(Paging {
            max,
            since: id("since_id")?,
            until,
            start_ms,
        })
    }

    /// Newest first, at most `max`; with the next token when more remain.
    fn select<'a, T>(
        &self,
        map: &'a BTreeMap<u64, T>,
        created: impl Fn(&T) -> u64,
        keep: impl Fn(&T) -> bool,
    ) -> (Vec<&'a T>, bool) {
        let upper = self.until.map_or(u64::MAX, |u| u.saturating_sub(1));
        let lower = self.since.map_or(0, |s| s.saturating_add(1));
        let mut all = map
            .range(lower..=upper)
            .rev()
            .map(|(_, t)| t)
            .filter(|t| keep(t))
            .filter(|t| self.start_ms.is_none_or(|s| created(t) >= s));
        let page: Vec<&T> = all.by_ref().take(self.max).collect();
        let more = all.next().is_some();
        (page, more)
    }
}

fn iso(ms: u64) -> String {
    let t = jiff::Timestamp::from_millisecond(i64::try_from(ms).unwrap_or(0))
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    format!("{}", t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
}

impl Shared {
    fn render_tweet(&self, state: &State, t: &Tweet) -> Value {
        let mut v = self.templates.tweet.clone();
        let text = t
            .text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        v["id"] = json!(t.id.to_string());
        v["text"] = json!(text);
        v["author_id"] = json!(t.author);
        v["created_at"] = json!(iso(t.created_ms));
        v["conversation_id"] = json!(t.conversation.to_string());
        v["edit_history_tweet_ids"] =
            json!(t.history.iter().map(u64::to_string).collect::<Vec<_>>());
        v["lang"] = json!("en");
        if let Some(p) = t.reply_to {
            v["referenced_tweets"] = json!([{"type": "replied_to", "id": p.to_string()}]);
        }
        let replies = state
            .tweets
            .values()
            .filter(|r| r.reply_to == Some(t.id) && !r.superseded)
            .count();
        v["public_metrics"]["reply_count"] = json!(replies);
        v
    }

    fn render_user(&self, u: &User) -> Value {
        let mut v = self.templates.user.clone();
        v["id"] = json!(u.id);
        v["username"] = json!(u.username);
        v["name"] = json!(u.name);
        v["verified"] = json!(false);
        v["public_metrics"] = json!({"followers_count": u.followers});
        v
    }
}

fn listing(
    shared: &Shared,
    state: &State,
    data: Vec<Value>,
    authors: Vec<String>,
    ids: (Option<u64>, Option<u64>),
    next: Option<u64>,
    expand: bool,
) -> Response {
    let mut body = json!({ "data": data });
    if expand {
        let mut seen = Vec::new();
        let users: Vec<Value> = authors
            .iter()
            .filter(|a| {
                let new = !seen.contains(*a);
                seen.push((*a).clone());
                new
            })
            .filter_map(|a| state.users.get(a))
            .map(|u| shared.render_user(u))
            .collect();
        body["includes"] = json!({ "users": users });
    }
    let n = body["data"].as_array().map_or(0, Vec::len);
    let mut meta = json!({ "result_count": n });
    if let (Some(newest), Some(oldest)) = ids {
        meta["newest_id"] = json!(newest.to_string());
        meta["oldest_id"] = json!(oldest.to_string());
    }
    if let Some(until) = next {
        meta["next_token"] = json!(format!("7140{until:x}"));
    }
    if n == 0 {
        body.as_object_mut().map(|o| o.remove("data"));
    }
    body["meta"] = meta;
    axum::Json(body).into_response()
}

fn check_me(id: &str) -> Result<(), Response> {
    if id == BRAND_ID {
        Ok(())
    } else {
        Err(problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You are not permitted to read this user's timeline with this token.",
        ))
    }
}

async fn me(With(shared): Shr) -> Response {
    let state = shared.lock();
    let mut v = shared.templates.me.clone();
    if let Some(u) = state.users.get(BRAND_ID) {
        v["id"] = json!(u.id);
        v["username"] = json!(u.username);
        v["name"] = json!(u.name);
    }
    axum::Json(json!({ "data": v })).into_response()
}

fn timeline(
    shared: &Shared,
    raw: Option<String>,
    keep: impl Fn(&State, &Tweet) -> bool,
) -> Response {
    let q = query(raw);
    let paging = match Paging::of(&q) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let expand = q
        .get("expansions")
        .is_some_and(|e| e.split(',').any(|x| x == "author_id"));
    let state = shared.lock();
    let (page, more) = paging.select(&state.tweets, |t| t.created_ms, |t| {
        !t.superseded && keep(&state, t)
    });
    let ids = (page.first().map(|t| t.id), page.last().map(|t| t.id));
    let next = ids.1.filter(|_| more);
    let authors = page.iter().map(|t| t.author.clone()).collect();
    let data = page.iter().map(|t| shared.render_tweet(&state, t)).collect();
    listing(shared, &state, data, authors, ids, next, expand)
}

async fn mentions(With(shared): Shr, Path(id): Path<String>, RawQuery(raw): RawQuery) -> Response {
    if let Err(res) = check_me(&id) {
        return res;
    }
    let handle = format!("@{BRAND}");
    timeline(&shared, raw, |_, t| {
        t.author != BRAND_ID
            && t.text
                .split_whitespace()
                .any(|w| w.trim_end_matches(|c: char| !c.is_alphanumeric()) == handle)
    })
}

async fn user_tweets(
    With(shared): Shr,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(res) = check_me(&id) {
        return res;
    }
    timeline(&shared, raw, |_, t| t.author == BRAND_ID)
}

async fn dm_events(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw);
    let paging = match Paging::of(&q) {
        Ok(p) if p.since.is_none() && p.start_ms.is_none() => p,
        Ok(_) => return invalid("since_id and start_time are not parameters of /2/dm_events"),
        Err(res) => return res,
    };
    let state = shared.lock();
    let (page, more) = paging.select(&state.dms, |d| d.created_ms, |_| true);
    let ids = (page.first().map(|d| d.id), page.last().map(|d| d.id));
    let next = ids.1.filter(|_| more);
    let authors = page.iter().map(|d| d.sender.clone()).collect();
    let data = page
        .iter()
        .map(|d| {
            let mut v = shared.templates.dm.clone();
            v["id"] = json!(d.id.to_string());
            v["text"] = json!(d.text);
            v["event_type"] = json!("MessageCreate");
            v["dm_conversation_id"] = json!(d.conversation);
            v["created_at"] = json!(iso(d.created_ms));
            v["sender_id"] = json!(d.sender);
            v
        })
        .collect();
    let expand = q
        .get("expansions")
        .is_some_and(|e| e.split(',').any(|x| x == "sender_id"));
    listing(&shared, &state, data, authors, ids, next, expand)
}

/// X's weighted length, simplified: characters, a link counts 23.
fn weighted(text: &str) -> usize {
    text.split_inclusive(char::is_whitespace)
        .map(|w| {
            let bare = w.trim_end();
            let n = if bare.starts_with("http://") || bare.starts_with("https://") {
                23
            } else {
                bare.chars().count()
            };
            n + w[bare.len()..].chars().count()
        })
        .sum()
}

async fn create_tweet(With(shared): Shr, body: Bytes) -> Response {
    let mut state = shared.lock();
    state.tweet_posts += 1;
    let Ok(p) = serde_json::from_slice::<Value>(&body) else {
        return invalid("Request body is not valid JSON");
    };
    let Some(text) = p.get("text").and_then(Value::as_str) else {
        return invalid("$.text: is missing but it is required");
    };
    if text.trim().is_empty() || weighted(text) > 280 {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Your Tweet text is too long or empty.",
        );
    }
    let reply_to = match p.pointer("/reply/in_reply_to_tweet_id") {
        None => None,
        Some(v) => match v.as_str().and_then(|s| s.parse::<u64>().ok()) {
            Some(id) if state.tweets.contains_key(&id) => Some(id),
            _ => {
                return invalid(
                    "The tweet you are replying to does not exist or is not visible to you.",
                );
            }
        },
    };
    // X adds the replied-to handle and wraps links in t.co.
    let mut stored: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            if w.starts_with("http://") || w.starts_with("https://") {
                format!("https://t.co/{:x}", w.len() * 7919)
            } else {
                w.to_string()
            }
        })
        .collect();
    if let Some(parent) = reply_to.and_then(|p| state.tweets.get(&p)) {
        let handle = format!("@{}", state.username(&parent.author));
        if stored.first() != Some(&handle) && parent.author != BRAND_ID {
            stored.insert(0, handle);
        }
    }
    let stored = stored.join(" ");
    let duplicate = state
        .tweets
        .values()
        .any(|t| t.author == BRAND_ID && !t.superseded && t.text == stored);
    if duplicate {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You are not allowed to create a Tweet with duplicate content.",
        );
    }
    let id = state.create(BRAND_ID, &stored, reply_to, now_ms());
    let mut answer = shared.templates.created.clone();
    answer["data"]["id"] = json!(id.to_string());
    answer["data"]["text"] = json!(stored);
    answer["data"]["edit_history_tweet_ids"] = json!([id.to_string()]);
    let mut res = (StatusCode::CREATED, axum::Json(answer)).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("https://api.x.com/2/tweets/{id}")) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    res
}

async fn delete_tweet(With(shared): Shr, Path(id): Path<String>) -> Response {
    let mut state = shared.lock();
    let Some(tweet) = id.parse::<u64>().ok().and_then(|id| state.tweets.get(&id)) else {
        return problem(
            StatusCode::NOT_FOUND,
            "Not Found Error",
            &format!("Could not find tweet with id: [{id}]."),
        );
    };
    if tweet.author != BRAND_ID {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You are not allowed to delete a Tweet that is not yours.",
        );
    }
    for v in tweet.history.clone() {
        state.tweets.remove(&v);
    }
    axum::Json(shared.templates.deleted.clone()).into_response()
}

async fn token(With(shared): Shr, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let refused = |description: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_request", "error_description": description})),
        )
            .into_response()
    };
    let _basic = headers.get(header::AUTHORIZATION);
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return refused("Missing required parameter [grant_type].");
    }
    let mut state = shared.lock();
    let Some(old) = form.get("refresh_token") else {
        return refused("Missing required parameter [refresh_token].");
    };
    match state.refresh_tokens.remove(old) {
        Some(client) if form.get("client_id") == Some(&client) => {}
        _ => return refused("Value passed for the token was invalid."),
    }
    let lifetime = state.token_lifetime.as_secs();
    let (access, refresh) = state.issue_pair();
    axum::Json(json!({
        "token_type": "bearer",
        "expires_in": lifetime,
        "access_token": access,
        "scope": "tweet.read tweet.write users.read dm.read offline.access",
        "refresh_token": refresh,
    }))
    .into_response()
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
