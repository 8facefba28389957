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

mod routes;

use crate::killable::Kill;
use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State as With};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
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
            serde_json::from_str(include_str!("../../payloads/x/timeline_mentions.json"))?;
        let users: Value = serde_json::from_str(include_str!("../../payloads/x/tweets_resp.json"))?;
        let dms: Value = serde_json::from_str(include_str!("../../payloads/x/events.json"))?;
        let me: Value = serde_json::from_str(include_str!("../../payloads/x/me_resp.json"))?;
        let created: Value =
            serde_json::from_str(include_str!("../../payloads/x/create_tweet_resp.json"))?;
        let recorded: Value = serde_json::from_str(include_str!(
            "../../payloads/x/test_client_create_and_delete_tweet.json"
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
        state
            .tokens
            .insert(token.clone(), Token { expires_at: None });
        let client_id = state.client_id.clone();
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            templates: Templates::load()?,
        });
        let app = routes::router(shared.clone());
        let task = crate::killable::serve(listener, app, "X");
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

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
