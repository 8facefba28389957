//! A fake Reddit for tests: Reddit's API cannot be reached offline (and new
//! API access needs Reddit's approval), so this axum server on a loopback
//! port plays `oauth.reddit.com` and its token endpoint, with its state in
//! memory.
//!
//! It answers with the shapes of recorded real answers (`payloads/reddit/`:
//! a `t1` comment, a `t3` submission, a `t4` message, `/api/v1/me`, the 429
//! page) and keeps Reddit's rules:
//! - **auth**: `POST /api/v1/access_token` with HTTP basic client auth and
//!   the password or refresh-token grant (a refused login is a 200
//!   `{"error": "invalid_grant"}`, a bad refresh token a 400 `{"error": 400}`,
//!   a bad client a 401); access tokens last an hour; API calls without a
//!   valid bearer token get 401 `{"message": "Unauthorized", "error": 401}`;
//! - **rate limit**: `X-Ratelimit-Used/Remaining/Reset` on every answer, a
//!   budget per 10-minute window, and the recorded HTML 429 with
//!   `Retry-After` once it is spent; requests without a User-Agent are
//!   treated as the bots Reddit throttles (the same 429);
//! - **listings** newest first with `limit` (≤ 100), `before`/`after`
//!   fullnames, and an empty answer after a `before` whose thing is gone;
//! - **no idempotency**: every `POST /api/comment` makes a comment;
//! - **moderation**: remove/approve/lock only in subreddits the account
//!   moderates (403 elsewhere).
//!
//! Faults are injected for the next requests of a route (503, 429, and
//! "commit then drop": the write is kept, the connection cut before the
//! answer). It counts what was written, so tests can check exactly-once.

mod routes;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tend_channels::live::Credentials;

/// The brand account's username.
pub const BRAND: &str = "tend_brand";
/// A subreddit the brand moderates.
pub const MODERATED: &str = "tendhq";

/// The fake server, running until dropped.
pub struct FakeReddit {
    /// The API's base URL (`http://127.0.0.1:PORT`), standing for `https://oauth.reddit.com`.
    pub url: String,
    /// The token endpoint.
    pub token_url: String,
    /// The script app's client id.
    pub client_id: String,
    /// The script app's client secret.
    pub client_secret: String,
    /// The brand account's password.
    pub password: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// A route faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /api/v1/access_token`.
    Token,
    /// `POST /api/comment`.
    Comment,
    /// `POST /api/submit`.
    Submit,
    /// `POST /api/del`.
    Delete,
    /// Every `GET` of a listing (`/r/…`, `/message/…`, `/user/…`, `/api/info`).
    Listing,
    /// `GET /api/v1/me`.
    Me,
}

/// A fault for the next requests of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503, nothing done.
    Unavailable,
    /// The recorded 429 with `Retry-After: secs`, nothing done.
    RateLimited {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// Carried out, then the connection is cut before any answer.
    CommitThenDrop,
}

/// A comment, submission or message as the fake holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeThing {
    /// Its fullname (`t1_…`, `t3_…`, `t4_…`).
    pub name: String,
    /// Its author's username.
    pub author: String,
    /// Its subreddit (empty for a message).
    pub subreddit: String,
    /// The text (`body` or `selftext`).
    pub body: String,
    /// A submission's title or a message's subject.
    pub title: String,
    /// The fullname it answers.
    pub parent: Option<String>,
    /// Edited after it was made.
    pub edited: bool,
    /// Deleted by its author.
    pub deleted: bool,
    /// Removed by a moderator.
    pub removed: bool,
    /// Locked by a moderator.
    pub locked: bool,
}

impl FakeReddit {
    /// Starts the server on a free loopback port.
    pub async fn start() -> anyhow::Result<FakeReddit> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            templates: routes::Templates::load()?,
            state: Mutex::new(State::new()),
        });
        let app = routes::router(shared.clone());
        let task = crate::killable::serve(listener, app, "Reddit");
        Ok(FakeReddit {
            token_url: format!("{url}/api/v1/access_token"),
            url,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            password: PASSWORD.into(),
            shared,
            task,
        })
    }

    /// The script app's credentials: client and the brand's login.
    pub fn login(&self) -> Credentials {
        Credentials::ClientLogin {
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            username: BRAND.into(),
            password: PASSWORD.into(),
        }
    }

    /// OAuth tokens as an installed app's authorisation gives them (an
    /// access token for an hour and a refresh token).
    pub fn oauth(&self) -> Credentials {
        let mut state = self.shared.lock();
        let lifetime = state.token_lifetime;
        let access_token = state.issue_token(lifetime);
        let refresh_token = state.secret("rt-");
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

    /// A member's submission in `sub`; answers its fullname.
    pub fn submission(&self, author: &str, sub: &str, title: &str, body: &str) -> String {
        let mut state = self.shared.lock();
        let t = Thing::new("t3", author, sub, now_secs());
        let t = Thing {
            title: title.into(),
            body: body.into(),
            ..t
        };
        state.insert(t)
    }

    /// A member's comment answering `parent` (a `t3` or `t1`); answers its fullname.
    pub fn comment(&self, author: &str, parent: &str, body: &str) -> String {
        self.comment_at(author, parent, body, now_secs())
    }

    /// Like [`FakeReddit::comment`], written `ago` in the past (call in time order).
    pub fn comment_ago(&self, author: &str, parent: &str, body: &str, ago: Duration) -> String {
        self.comment_at(author, parent, body, now_secs() - ago.as_secs_f64())
    }

    fn comment_at(&self, author: &str, parent: &str, body: &str, at: f64) -> String {
        let mut state = self.shared.lock();
        state.comment(author, parent, body, at).unwrap_or_default()
    }

    /// A member's comment naming `u/{BRAND}` on a new submission in `sub`
    /// (a `username_mention` in the brand's inbox); answers its fullname.
    pub fn mention(&self, author: &str, sub: &str, text: &str) -> String {
        let post = self.submission("op", sub, "A thread", "About the product");
        let mut state = self.shared.lock();
        let body = format!("u/{BRAND} {text}");
        state
            .comment(author, &post, &body, now_secs())
            .unwrap_or_default()
    }

    /// A member's private message to the brand; answers its fullname.
    pub fn message(&self, author: &str, subject: &str, body: &str) -> String {
        let mut state = self.shared.lock();
        let t = Thing::new("t4", author, "", now_secs());
        let t = Thing {
            title: subject.into(),
            body: body.into(),
            dest: Some(BRAND.into()),
            ..t
        };
        state.insert(t)
    }

    /// `n` member comments on one submission in `sub`, at once.
    pub fn seed_comments(&self, sub: &str, n: usize) -> Vec<String> {
        let post = self.submission("op", sub, "Questions thread", "Ask away");
        let mut state = self.shared.lock();
        let at = now_secs();
        (0..n)
            .map(|i| {
                let author = format!("member{}", i % 97);
                let body = format!("Seeded question number {i}: how do I export my data?");
                state.comment(&author, &post, &body, at).unwrap_or_default()
            })
            .collect()
    }

    /// Its author edits a comment or submission.
    pub fn edit(&self, name: &str, body: &str) -> bool {
        let mut state = self.shared.lock();
        match state.by_name_mut(name) {
            Some(t) if !t.deleted => {
                t.body = body.into();
                t.edited = Some(now_secs());
                true
            }
            _ => false,
        }
    }

    /// Its author deletes a thing.
    pub fn delete(&self, name: &str) -> bool {
        let mut state = self.shared.lock();
        state.by_name_mut(name).map(|t| t.deleted = true).is_some()
    }

    /// One thing, if it exists.
    pub fn thing(&self, name: &str) -> Option<FakeThing> {
        let mut state = self.shared.lock();
        state.by_name_mut(name).map(|t| t.fake())
    }

    /// The brand's comments (not deleted), newest first.
    pub fn brand_comments(&self) -> Vec<FakeThing> {
        let state = self.shared.lock();
        state
            .things
            .values()
            .rev()
            .filter(|t| t.prefix == "t1" && t.author == BRAND && !t.deleted)
            .map(Thing::fake)
            .collect()
    }

    /// The brand's submissions (not deleted), newest first.
    pub fn brand_submissions(&self) -> Vec<FakeThing> {
        let state = self.shared.lock();
        state
            .things
            .values()
            .rev()
            .filter(|t| t.prefix == "t3" && t.author == BRAND && !t.deleted)
            .map(Thing::fake)
            .collect()
    }

    /// How many `POST /api/comment` requests arrived (answered or not).
    pub fn comment_posts(&self) -> usize {
        self.shared.lock().comment_posts
    }

    /// The User-Agents seen, in order (one per request).
    pub fn user_agents(&self) -> Vec<String> {
        self.shared.lock().user_agents.clone()
    }

    /// Makes the next `n` requests of `route` fail with `fault`.
    pub fn fail_next(&self, route: Route, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(route, (fault, n));
    }

    /// Requests allowed per 10-minute window (default 100,000 so benches are
    /// not throttled; Reddit's is 1,000 for an OAuth client). Starts a new window.
    pub fn set_rate_limit(&self, limit: u64) {
        let mut state = self.shared.lock();
        state.rate_limit = limit;
        state.window = None;
    }

    /// Access tokens issued from now on last this long.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.shared.lock().token_lifetime = lifetime;
    }

    /// Every access token expires now (refresh tokens and logins stay good).
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        for expiry in self.shared.lock().tokens.values_mut() {
            *expiry = now;
        }
    }

    /// How many tokens the token endpoint issued.
    pub fn tokens_issued(&self) -> usize {
        self.shared.lock().tokens_issued
    }
}

impl Drop for FakeReddit {
    fn drop(&mut self) {
        self.task.abort();
    }
}

const CLIENT_ID: &str = "fake-client-id";
const CLIENT_SECRET: &str = "fake-client-secret";
const PASSWORD: &str = "correct horse battery staple";
/// Reddit's rate-limit window.
const WINDOW_SECS: u64 = 600;

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
struct Thing {
    id: u64,
    prefix: &'static str,
    author: String,
    sub: String,
    title: String,
    body: String,
    parent: Option<String>,
    link: Option<String>,
    first_message: Option<String>,
    dest: Option<String>,
    created: f64,
    edited: Option<f64>,
    deleted: bool,
    removed: bool,
    locked: bool,
}

impl Thing {
    fn new(prefix: &'static str, author: &str, sub: &str, created: f64) -> Thing {
        Thing {
            id: 0,
            prefix,
            author: author.into(),
            sub: sub.into(),
            title: String::new(),
            body: String::new(),
            parent: None,
            link: None,
            first_message: None,
            dest: None,
            created,
            edited: None,
            deleted: false,
            removed: false,
            locked: false,
        }
    }

    fn name(&self) -> String {
        format!("{}_{}", self.prefix, base36(self.id))
    }

    fn gone(&self) -> bool {
        self.deleted || self.removed
    }

    fn fake(&self) -> FakeThing {
        FakeThing {
            name: self.name(),
            author: self.author.clone(),
            subreddit: self.sub.clone(),
            body: self.body.clone(),
            title: self.title.clone(),
            parent: self.parent.clone(),
            edited: self.edited.is_some(),
            deleted: self.deleted,
            removed: self.removed,
            locked: self.locked,
        }
    }
}

struct State {
    things: BTreeMap<u64, Thing>,
    last_id: u64,
    moderated: HashSet<String>,
    tokens: HashMap<String, Instant>,
    refresh_tokens: HashSet<String>,
    token_lifetime: Duration,
    tokens_issued: usize,
    rate_limit: u64,
    /// Requests used in the current window, and when it ends.
    window: Option<(u64, Instant)>,
    faults: HashMap<Route, (Fault, usize)>,
    comment_posts: usize,
    user_agents: Vec<String>,
    serial: u64,
}

impl State {
    fn new() -> State {
        State {
            things: BTreeMap::new(),
            // Ids look like Reddit's (seven base-36 digits).
            last_id: 36u64.pow(6),
            moderated: HashSet::from([MODERATED.to_string()]),
            tokens: HashMap::new(),
            refresh_tokens: HashSet::new(),
            token_lifetime: Duration::from_secs(3600),
            tokens_issued: 0,
            rate_limit: 100_000,
            window: None,
            faults: HashMap::new(),
            comment_posts: 0,
            user_agents: Vec::new(),
            serial: 0,
        }
    }

    fn secret(&mut self, prefix: &str) -> String {
        self.serial += 1;
        let seed = now_secs().to_bits() ^ self.serial.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{prefix}{:016x}{:06x}",
            seed.wrapping_mul(0x2545_F491_4F6C_DD1D),
            self.serial
        )
    }

    fn issue_token(&mut self, lifetime: Duration) -> String {
        let token = self.secret("");
        self.tokens.insert(token.clone(), Instant::now() + lifetime);
        self.tokens_issued += 1;
        token
    }

    fn insert(&mut self, mut thing: Thing) -> String {
        self.last_id += 1;
        thing.id = self.last_id;
        let name = thing.name();
        self.things.insert(thing.id, thing);
        name
    }

    fn by_name(&self, name: &str) -> Option<&Thing> {
        let (prefix, id) = name.split_once('_')?;
        let id = u64::from_str_radix(id, 36).ok()?;
        self.things.get(&id).filter(|t| t.prefix == prefix)
    }

    fn by_name_mut(&mut self, name: &str) -> Option<&mut Thing> {
        let (prefix, id) = name.split_once('_')?;
        let id = u64::from_str_radix(id, 36).ok()?;
        self.things.get_mut(&id).filter(|t| t.prefix == prefix)
    }

    /// A comment on `parent`; `None` when the parent is unknown.
    fn comment(&mut self, author: &str, parent: &str, body: &str, at: f64) -> Option<String> {
        let p = self.by_name(parent)?;
        let link = if p.prefix == "t3" {
            parent.to_string()
        } else {
            p.link.clone()?
        };
        let t = Thing::new("t1", author, &p.sub.clone(), at);
        let t = Thing {
            body: body.into(),
            parent: Some(parent.into()),
            link: Some(link),
            ..t
        };
        Some(self.insert(t))
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

    /// What the brand's inbox holds: messages to it, replies to its things,
    /// and comments naming it; with the inbox `type` of each.
    fn inbox_type(&self, t: &Thing) -> Option<&'static str> {
        if t.author == BRAND || t.gone() {
            return None;
        }
        match t.prefix {
            "t4" if t.dest.as_deref() == Some(BRAND) => Some("unknown"),
            "t1" => {
                let parent = t.parent.as_deref().and_then(|p| self.by_name(p));
                match parent {
                    Some(p) if p.author == BRAND && p.prefix == "t3" => Some("post_reply"),
                    Some(p) if p.author == BRAND => Some("comment_reply"),
                    _ if t.body.contains(&format!("u/{BRAND}")) => Some("username_mention"),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Reddit's base-36 ids.
fn base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

fn now_secs() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
