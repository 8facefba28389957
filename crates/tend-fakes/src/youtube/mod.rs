//! A fake YouTube Data API v3 for tests: Google's API cannot be reached
//! offline, so this axum server on a loopback port plays
//! `www.googleapis.com/youtube/v3` and Google's token endpoint, with its
//! state in memory.
//!
//! It answers with the shapes of recorded real answers
//! (`payloads/youtube/`: a comment thread list, a reply list, the
//! `comments.insert` answer, the error envelope) and keeps YouTube's rules:
//! - **auth**: Bearer access tokens (an hour; refreshed at `/token` with
//!   the refresh token and the OAuth client, `invalid_grant` when revoked)
//!   or `key=` for reads only; 401 with Google's envelope otherwise;
//! - **quota**: every call costs units (a list 1; insert, moderation and
//!   delete 50), 10,000 a day; beyond it 403 `quotaExceeded`;
//! - **paging**: `maxResults` (≤ 100) and an opaque `pageToken`;
//!   `commentThreads` newest first (`order=time`);
//! - **no idempotency**: every `comments.insert` makes a reply; replies go
//!   only to top-level comments;
//! - **moderation**: `setModerationStatus` only on the channel's own videos,
//!   `comments.delete` only of the channel's own comments (403 elsewhere);
//!   held and rejected comments are no longer listed.
//!
//! Faults are injected for the next requests of a route (503, 429, and
//! "commit then drop"). It counts inserts and units, so tests can check
//! exactly-once and the connector's own count.

mod routes;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tend_channels::live::Credentials;

/// The brand's channel id.
pub const CHANNEL: &str = "UCa-vrCLQHviTOVnEKDOdetQ";
/// Another channel's id (its videos are not the brand's).
pub const OTHER_CHANNEL: &str = "UC_x5XG1OV2P6uZZ5FSM9Ttw";

/// The fake server, running until dropped.
pub struct FakeYoutube {
    /// The API's base URL (`http://127.0.0.1:PORT`), standing for `https://www.googleapis.com`.
    pub url: String,
    /// The token endpoint.
    pub token_url: String,
    /// The OAuth client id.
    pub client_id: String,
    /// The OAuth client secret.
    pub client_secret: String,
    /// An API key (reads only).
    pub api_key: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// A route faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /token`.
    Token,
    /// `GET commentThreads`.
    Threads,
    /// `GET comments`.
    Comments,
    /// `POST comments` (insert).
    Insert,
    /// `POST comments/setModerationStatus`.
    Moderate,
    /// `DELETE comments`.
    Delete,
    /// `GET channels`.
    Channels,
}

/// A fault for the next requests of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503 `backendError`, nothing done.
    Unavailable,
    /// 429 `rateLimitExceeded` with `Retry-After: secs`, nothing done.
    RateLimited {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// Carried out, then the connection is cut before any answer.
    CommitThenDrop,
}

/// A comment as the fake holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeComment {
    /// Its id (a reply's is `thread.reply`).
    pub id: String,
    /// The thread it answers; `None` for a top-level comment.
    pub parent: Option<String>,
    /// The author's channel id.
    pub author: String,
    /// The text.
    pub text: String,
    /// `published`, `heldForReview` or `rejected`.
    pub status: String,
    /// Deleted.
    pub deleted: bool,
    /// Edited after it was made.
    pub edited: bool,
}

impl FakeYoutube {
    /// Starts the server on a free loopback port.
    pub async fn start() -> anyhow::Result<FakeYoutube> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            templates: routes::Templates::load()?,
            state: Mutex::new(State::new()),
        });
        let app = routes::router(shared.clone());
        let task = crate::killable::serve(listener, app, "YouTube");
        Ok(FakeYoutube {
            token_url: format!("{url}/token"),
            url,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            api_key: API_KEY.into(),
            shared,
            task,
        })
    }

    /// OAuth tokens as the channel owner's consent gives them.
    pub fn oauth(&self) -> Credentials {
        let mut state = self.shared.lock();
        let lifetime = state.token_lifetime;
        let access_token = state.issue_token(lifetime);
        let refresh_token = state.secret("1//");
        state.refresh_tokens.insert(refresh_token.clone());
        Credentials::OAuth {
            access_token,
            refresh_token: Some(refresh_token),
            expires_at: Some(
                jiff::Timestamp::now()
                    + jiff::SignedDuration::try_from(lifetime).unwrap_or_default(),
            ),
            client_id: CLIENT_ID.into(),
            client_secret: Some(CLIENT_SECRET.into()),
        }
    }

    /// The API key as credentials (reads only).
    pub fn key(&self) -> Credentials {
        Credentials::Token {
            token: API_KEY.into(),
        }
    }

    /// A viewer's top-level comment on the brand's video; answers its id.
    pub fn thread(&self, author: &str, text: &str) -> String {
        self.shared.lock().top(author, CHANNEL, text, now_ms())
    }

    /// Like [`FakeYoutube::thread`], written `ago` in the past (call in time order).
    pub fn thread_ago(&self, author: &str, text: &str, ago: Duration) -> String {
        let at = now_ms().saturating_sub(u64::try_from(ago.as_millis()).unwrap_or(u64::MAX));
        self.shared.lock().top(author, CHANNEL, text, at)
    }

    /// A viewer's comment on another channel's video (not the brand's).
    pub fn thread_elsewhere(&self, author: &str, text: &str) -> String {
        self.shared
            .lock()
            .top(author, OTHER_CHANNEL, text, now_ms())
    }

    /// A viewer's reply in `thread`; answers its id.
    pub fn reply(&self, author: &str, thread: &str, text: &str) -> String {
        let mut state = self.shared.lock();
        state
            .reply(
                &member_channel(author),
                &format!("@{author}"),
                thread,
                text,
                now_ms(),
            )
            .unwrap_or_default()
    }

    /// `n` top-level comments from viewers, at once.
    pub fn seed_threads(&self, n: usize) -> Vec<String> {
        let mut state = self.shared.lock();
        let at = now_ms();
        (0..n)
            .map(|i| {
                state.top(
                    &format!("viewer{}", i % 97),
                    CHANNEL,
                    &format!("Seeded question number {i}: when is the next video?"),
                    at,
                )
            })
            .collect()
    }

    /// Its author edits a comment.
    pub fn edit(&self, id: &str, text: &str) -> bool {
        let mut state = self.shared.lock();
        match state.get_mut(id) {
            Some(c) if !c.deleted => {
                c.text = text.into();
                c.updated_ms = now_ms().max(c.published_ms + 1000);
                true
            }
            _ => false,
        }
    }

    /// Its author deletes a comment.
    pub fn delete(&self, id: &str) -> bool {
        let mut state = self.shared.lock();
        state.get_mut(id).map(|c| c.deleted = true).is_some()
    }

    /// One comment, if it exists.
    pub fn comment(&self, id: &str) -> Option<FakeComment> {
        let mut state = self.shared.lock();
        state.get_mut(id).map(|c| c.fake())
    }

    /// The brand's replies (not deleted), oldest first.
    pub fn brand_replies(&self) -> Vec<FakeComment> {
        let state = self.shared.lock();
        state
            .comments
            .iter()
            .filter(|c| c.author == CHANNEL && c.thread.is_some() && !c.deleted)
            .map(Comment::fake)
            .collect()
    }

    /// How many `comments.insert` requests arrived (answered or not).
    pub fn inserts(&self) -> usize {
        self.shared.lock().inserts
    }

    /// Quota units spent today.
    pub fn quota_used(&self) -> u64 {
        self.shared.lock().quota_used
    }

    /// The day's quota (default 10,000); resets what was spent.
    pub fn set_quota(&self, limit: u64) {
        let mut state = self.shared.lock();
        state.quota_limit = limit;
        state.quota_used = 0;
    }

    /// Makes the next `n` requests of `route` fail with `fault`.
    pub fn fail_next(&self, route: Route, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(route, (fault, n));
    }

    /// Access tokens issued from now on last this long.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.shared.lock().token_lifetime = lifetime;
    }

    /// Every access token expires now (refresh tokens stay good).
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for expiry in self.shared.lock().tokens.values_mut() {
            *expiry = now;
        }
    }

    /// Every refresh token is revoked (the user withdrew consent).
    pub fn revoke_refresh_tokens(&self) {
        self.shared.lock().refresh_tokens.clear();
    }
}

impl Drop for FakeYoutube {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const CLIENT_ID: &str = "1234567890-fake.apps.googleusercontent.com";
const CLIENT_SECRET: &str = "GOCSPX-fake-secret";
const API_KEY: &str = "AIzaSyFakeKey0123456789abcdefghijklmno";

struct Shared {
    templates: routes::Templates,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[derive(Debug, Clone)]
struct Comment {
    id: String,
    /// The thread (top-level comment id) a reply belongs to.
    thread: Option<String>,
    author: String,
    author_name: String,
    /// The channel whose video it is on.
    channel: String,
    video: String,
    text: String,
    published_ms: u64,
    updated_ms: u64,
    status: &'static str,
    deleted: bool,
}

impl Comment {
    fn listed(&self) -> bool {
        !self.deleted && self.status == "published"
    }

    fn fake(&self) -> FakeComment {
        FakeComment {
            id: self.id.clone(),
            parent: self.thread.clone(),
            author: self.author.clone(),
            text: self.text.clone(),
            status: self.status.to_string(),
            deleted: self.deleted,
            edited: self.updated_ms > self.published_ms,
        }
    }
}

struct State {
    comments: Vec<Comment>,
    index: HashMap<String, usize>,
    tokens: HashMap<String, Instant>,
    refresh_tokens: HashSet<String>,
    token_lifetime: Duration,
    quota_limit: u64,
    quota_used: u64,
    faults: HashMap<Route, (Fault, usize)>,
    inserts: usize,
    serial: u64,
}

/// A viewer's channel id, made from their name.
fn member_channel(name: &str) -> String {
    let mut id: String = name
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(char::from)
        .take(22)
        .collect();
    while id.len() < 22 {
        id.push('x');
    }
    format!("UC{id}")
}

impl State {
    fn new() -> State {
        State {
            comments: Vec::new(),
            index: HashMap::new(),
            tokens: HashMap::new(),
            refresh_tokens: HashSet::new(),
            token_lifetime: Duration::from_secs(3599),
            quota_limit: 10_000,
            quota_used: 0,
            faults: HashMap::new(),
            inserts: 0,
            serial: 0,
        }
    }

    fn secret(&mut self, prefix: &str) -> String {
        self.serial += 1;
        let seed = now_ms() ^ self.serial.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{prefix}{:016x}{:06x}",
            seed.wrapping_mul(0x2545_F491_4F6C_DD1D),
            self.serial
        )
    }

    fn issue_token(&mut self, lifetime: Duration) -> String {
        let token = self.secret("ya29.");
        self.tokens.insert(token.clone(), Instant::now() + lifetime);
        token
    }

    fn push(&mut self, c: Comment) -> String {
        let id = c.id.clone();
        self.index.insert(id.clone(), self.comments.len());
        self.comments.push(c);
        id
    }

    fn get(&self, id: &str) -> Option<&Comment> {
        self.index.get(id).and_then(|i| self.comments.get(*i))
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Comment> {
        let i = *self.index.get(id)?;
        self.comments.get_mut(i)
    }

    fn top(&mut self, author: &str, channel: &str, text: &str, at: u64) -> String {
        self.serial += 1;
        let id = format!("Ugz{:016x}AaABAg", self.serial.wrapping_mul(0x9E37_79B9));
        let video = if channel == CHANNEL {
            "JE8xdDp5B8Q"
        } else {
            "dQw4w9WgXcQ"
        };
        let c = Comment {
            id,
            thread: None,
            author: member_channel(author),
            author_name: format!("@{author}"),
            channel: channel.into(),
            video: video.into(),
            text: text.into(),
            published_ms: at,
            updated_ms: at,
            status: "published",
            deleted: false,
        };
        self.push(c)
    }

    fn reply(
        &mut self,
        author: &str,
        name: &str,
        thread: &str,
        text: &str,
        at: u64,
    ) -> Option<String> {
        let parent = self.get(thread).filter(|p| p.thread.is_none())?.clone();
        self.serial += 1;
        let id = format!("{thread}.{:011x}", self.serial.wrapping_mul(0x2545_F491));
        let c = Comment {
            id,
            thread: Some(thread.into()),
            author: author.into(),
            author_name: name.into(),
            channel: parent.channel,
            video: parent.video,
            text: text.into(),
            published_ms: at,
            updated_ms: at,
            status: "published",
            deleted: false,
        };
        Some(self.push(c))
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
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
