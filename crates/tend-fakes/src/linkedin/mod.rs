//! A fake LinkedIn Community Management API for tests: an axum server on a
//! loopback port with its state in memory, answering in LinkedIn's
//! *documented* shapes (no recordings exist under a licence; see
//! `payloads/linkedin/README.md`) and keeping LinkedIn's rules:
//!
//! - Bearer auth on every `/rest/` route (401 `INVALID_ACCESS_TOKEN`), and
//!   the `LinkedIn-Version` (426 when missing or unknown) and
//!   `X-Restli-Protocol-Version: 2.0.0` headers; OAuth tokens expire and are
//!   refreshed at `POST /oauth/v2/accessToken` (client id and secret in the
//!   form; the refresh token is kept, as LinkedIn does).
//! - Daily call limits per app, reset at midnight UTC; a 429 with no
//!   `Retry-After`.
//! - Rest.li paging with `start`/`count` and `paging.total`.
//! - **No idempotency key**; a second post with the same commentary is
//!   refused with 422 `DUPLICATE_POST`.
//! - Little text: commentary with an unescaped reserved character is
//!   stored cut there, and the answer is still 201.
//! - Comments on comments: a post's comment list holds the top-level
//!   comments; replies are under `socialActions/{commentUrn}/comments`.
//!
//! Faults per route: 503, 429, commit-then-drop. It counts comment and
//! post creations so tests can check exactly-once.

mod routes;

use crate::killable::Kill;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State as With};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The brand organisation's id.
pub const ORG_ID: &str = "2414183";
/// Its URN.
pub const ORG: &str = "urn:li:organization:2414183";
/// The reserved characters of little text.
const RESERVED: &[char] = &[
    '\\', '|', '{', '}', '@', '[', ']', '(', ')', '<', '>', '#', '*', '_', '~',
];

/// A route faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /rest/socialActions/{urn}/comments`.
    PostComment,
    /// `GET /rest/socialActions/{urn}/comments`.
    Comments,
    /// `POST /rest/posts`.
    CreatePost,
    /// `GET /rest/posts`.
    Posts,
}

/// A fault for the next requests of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503, nothing done.
    Unavailable,
    /// 429 (no `Retry-After`, as LinkedIn), nothing done.
    RateLimited,
    /// Carried out, then the connection is cut before any answer.
    CommitThenDrop,
}

/// A comment as the fake holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeComment {
    /// Its URN.
    pub urn: String,
    /// The actor URN.
    pub actor: String,
    /// The text.
    pub text: String,
    /// The parent comment's URN.
    pub parent: Option<String>,
    /// The post's number.
    pub post: u64,
}

/// The fake server, running until dropped.
pub struct FakeLinkedin {
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    /// A page admin's access token that does not expire.
    pub token: String,
    /// The OAuth client id.
    pub client_id: String,
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

struct PostRow {
    author: String,
    commentary: String,
    created_ms: i64,
    modified_ms: i64,
}

struct CommentRow {
    post: u64,
    actor: String,
    text: String,
    parent: Option<u64>,
    created_ms: i64,
    modified_ms: i64,
}

struct State {
    posts: BTreeMap<u64, PostRow>,
    comments: BTreeMap<u64, CommentRow>,
    serial: u64,
    last_ms: i64,
    tokens: HashMap<String, Option<Instant>>,
    refresh_tokens: HashMap<String, ()>,
    token_lifetime: Duration,
    daily_limit: u64,
    calls_today: u64,
    faults: HashMap<Route, (Fault, usize)>,
    comment_posts: usize,
    post_creates: usize,
}

impl State {
    fn next(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// A strictly growing millisecond time.
    fn now(&mut self) -> i64 {
        let ms = now_ms().max(self.last_ms + 1);
        self.last_ms = ms;
        ms
    }

    fn secret(&mut self, prefix: &str) -> String {
        let n = self.next();
        let seed = u64::try_from(now_ms()).unwrap_or(0) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{prefix}{:016x}{n:06x}",
            seed.wrapping_mul(0x2545_F491_4F6C_DD1D)
        )
    }

    fn issue_pair(&mut self) -> (String, String) {
        let access = self.secret("AQV");
        let refresh = self.secret("AQX");
        let at = Instant::now() + self.token_lifetime;
        self.tokens.insert(access.clone(), Some(at));
        self.refresh_tokens.insert(refresh.clone(), ());
        (access, refresh)
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

    fn comment(&mut self, post: u64, actor: &str, text: &str, parent: Option<u64>) -> u64 {
        let id = self.next();
        let at = self.now();
        self.comments.insert(
            id,
            CommentRow {
                post,
                actor: actor.to_string(),
                text: text.to_string(),
                parent,
                created_ms: at,
                modified_ms: at,
            },
        );
        id
    }

    fn comment_json(&self, id: u64, c: &CommentRow) -> Value {
        let replies = self
            .comments
            .values()
            .filter(|r| r.parent == Some(id))
            .count();
        let mut v = json!({
            "$URN": comment_urn(c.post, id),
            "id": id.to_string(),
            "actor": c.actor,
            "agent": c.actor,
            "object": format!("urn:li:activity:{}", c.post),
            "message": {"text": c.text, "attributes": []},
            "created": {"actor": c.actor, "time": c.created_ms},
            "lastModified": {"actor": c.actor, "time": c.modified_ms},
            "commentsSummary": {
                "selectedComments": [],
                "aggregatedTotalComments": replies,
                "totalFirstLevelComments": replies
            },
            "likesSummary": {"totalLikes": 0, "likedByCurrentUser": false}
        });
        if let Some(p) = c.parent {
            v["parentComment"] = json!(comment_urn(c.post, p));
        }
        v
    }
}

fn comment_urn(post: u64, id: u64) -> String {
    format!("urn:li:comment:(urn:li:activity:{post},{id})")
}

/// The post number of `urn:li:share:N`, `urn:li:ugcPost:N`, `urn:li:activity:N`.
fn post_number(urn: &str) -> Option<u64> {
    ["urn:li:share:", "urn:li:ugcPost:", "urn:li:activity:"]
        .iter()
        .find_map(|p| urn.strip_prefix(p))
        .and_then(|n| n.parse().ok())
}

/// The (post, comment) numbers of a comment URN.
fn comment_numbers(urn: &str) -> Option<(u64, u64)> {
    let inner = urn.strip_prefix("urn:li:comment:(")?.strip_suffix(')')?;
    let (object, id) = inner.rsplit_once(',')?;
    Some((post_number(object)?, id.parse().ok()?))
}

/// Little text as LinkedIn keeps it: cut at the first unescaped reserved
/// character (LinkedIn still answers success).
pub fn little_text_kept(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(n) if RESERVED.contains(&n) => {
                    out.push('\\');
                    out.push(n);
                }
                _ => break,
            }
        } else if RESERVED.contains(&c) {
            break;
        } else {
            out.push(c);
        }
    }
    out
}

/// Little text as a reader sees it: escapes removed.
pub fn little_text_plain(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

impl FakeLinkedin {
    /// Starts the server on a free loopback port, with one post of the
    /// organisation.
    pub async fn start() -> anyhow::Result<FakeLinkedin> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let mut state = State {
            posts: BTreeMap::new(),
            comments: BTreeMap::new(),
            serial: 7_100_000_000,
            last_ms: 0,
            tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            token_lifetime: Duration::from_secs(60 * 24 * 3600),
            daily_limit: 1_000_000,
            calls_today: 0,
            faults: HashMap::new(),
            comment_posts: 0,
            post_creates: 0,
        };
        let token = state.secret("AQW");
        state.tokens.insert(token.clone(), None);
        let shared = Arc::new(Shared(Mutex::new(state)));
        let app = routes::router(shared.clone());
        let task = crate::killable::serve(listener, app, "LinkedIn");
        Ok(FakeLinkedin {
            url,
            token,
            client_id: "86tendfakeclient".into(),
            client_secret: "fake-secret".into(),
            shared,
            task,
        })
    }

    /// The `api_base` setting.
    pub fn api_base(&self) -> String {
        format!("{}/rest", self.url)
    }

    /// The `token_url` setting.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/v2/accessToken", self.url)
    }

    /// Issues OAuth tokens (access, refresh) as an authorisation would.
    pub fn oauth_tokens(&self) -> (String, String) {
        self.shared.lock().issue_pair()
    }

    /// Every OAuth access token expires now (refresh tokens stay).
    pub fn expire_oauth_tokens(&self) {
        let now = Instant::now();
        for t in self.shared.lock().tokens.values_mut() {
            if t.is_some() {
                *t = Some(now);
            }
        }
    }

    /// The organisation posts `commentary` (little text); answers its URN.
    pub fn org_post(&self, commentary: &str) -> String {
        let mut s = self.shared.lock();
        let n = s.next();
        let at = s.now();
        s.posts.insert(
            n,
            PostRow {
                author: ORG.into(),
                commentary: commentary.into(),
                created_ms: at,
                modified_ms: at,
            },
        );
        format!("urn:li:share:{n}")
    }

    /// A member comments on post `post_urn` (or, with `parent`, replies to
    /// that comment); answers the comment URN.
    pub fn member_comment(
        &self,
        member: &str,
        text: &str,
        post_urn: &str,
        parent: Option<&str>,
    ) -> String {
        let mut s = self.shared.lock();
        let post = post_number(post_urn).unwrap_or(0);
        let parent = parent.and_then(comment_numbers).map(|(_, c)| c);
        let id = s.comment(post, &format!("urn:li:person:{member}"), text, parent);
        comment_urn(post, id)
    }

    /// `n` member comments spread over a few posts of the organisation.
    pub fn seed_comments(&self, n: usize) -> Vec<String> {
        let posts: Vec<String> = (0..3)
            .map(|i| self.org_post(&format!("Release notes {i}")))
            .collect();
        (0..n)
            .map(|i| {
                let post = &posts[i % posts.len()];
                self.member_comment(
                    &format!("m{}", i % 53),
                    &format!("question {i}: does it work?"),
                    post,
                    None,
                )
            })
            .collect()
    }

    /// The member edits a comment.
    pub fn edit_comment(&self, urn: &str, text: &str) -> bool {
        let Some((_, id)) = comment_numbers(urn) else {
            return false;
        };
        let mut s = self.shared.lock();
        let at = s.now();
        match s.comments.get_mut(&id) {
            Some(c) => {
                c.text = text.into();
                c.modified_ms = at;
                true
            }
            None => false,
        }
    }

    /// The organisation's comments.
    pub fn org_comments(&self) -> Vec<FakeComment> {
        let s = self.shared.lock();
        s.comments
            .iter()
            .filter(|(_, c)| c.actor == ORG)
            .map(|(id, c)| FakeComment {
                urn: comment_urn(c.post, *id),
                actor: c.actor.clone(),
                text: c.text.clone(),
                parent: c.parent.map(|p| comment_urn(c.post, p)),
                post: c.post,
            })
            .collect()
    }

    /// A post's commentary as readers see it (escapes removed), if it exists.
    pub fn post_text(&self, urn: &str) -> Option<String> {
        let n = post_number(urn)?;
        self.shared
            .lock()
            .posts
            .get(&n)
            .map(|p| little_text_plain(&p.commentary))
    }

    /// Whether a post or comment exists.
    pub fn exists(&self, urn: &str) -> bool {
        let s = self.shared.lock();
        match comment_numbers(urn) {
            Some((_, c)) => s.comments.contains_key(&c),
            None => post_number(urn).is_some_and(|n| s.posts.contains_key(&n)),
        }
    }

    /// Makes the next `n` requests of `route` fail with `fault`.
    pub fn fail_next(&self, route: Route, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(route, (fault, n));
    }

    /// Calls per day for the app (the count starts again).
    pub fn set_daily_limit(&self, limit: u64) {
        let mut s = self.shared.lock();
        s.daily_limit = limit;
        s.calls_today = 0;
    }

    /// `POST …/comments` requests that arrived.
    pub fn comment_posts(&self) -> usize {
        self.shared.lock().comment_posts
    }

    /// `POST /rest/posts` requests that arrived.
    pub fn post_creates(&self) -> usize {
        self.shared.lock().post_creates
    }
}

impl Drop for FakeLinkedin {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
