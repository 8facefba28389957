//! A fake Mastodon server for tests: no Mastodon (nor a compatible server)
//! can be installed offline, so this axum server on a loopback port plays
//! one, with its state in memory.
//!
//! It answers with the shapes of real Mastodon 4.6.4 answers (the recorded
//! payloads in `fixtures/mastodon/` are the templates) and keeps Mastodon's
//! rules: Bearer auth on every API route (401 `The access token is
//! invalid`), `X-RateLimit-*` headers on every answer and 429 once the
//! budget is spent, `Idempotency-Key` on `POST /api/v1/statuses` (same token
//! and key within an hour: the same status, also when requests race),
//! `max_characters` (422 beyond), notifications paged by
//! `max_id`/`since_id`/`min_id` with a `Link` header, the streaming API as
//! server-sent events, and OAuth 2.0 with PKCE (S256) and refresh tokens.
//!
//! Where it is kinder than Mastodon: every edit of a status that mentions
//! the brand is announced on the brand's `user` stream (Mastodon sends
//! `status.update` only to home timelines, i.e. when the brand follows the
//! author); follows, media, polls, visibility and scopes other than
//! `write:statuses` are not modelled. `/api/v1/streaming/user/notification`
//! carries notifications only, as on Mastodon.
//!
//! Tests drive it through [`FakeMastodon`]: members mention the brand, edit
//! and delete their statuses; faults are injected for the next requests of a
//! route (503, 429 with `Retry-After`, and "commit then drop the
//! connection", the unknown outcome a publisher must settle).

mod oauth;
mod render;
mod routes;
mod streaming;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// The brand account's handle on the fake instance.
pub const BRAND: &str = "brand";

/// The fake server, running until dropped.
pub struct FakeMastodon {
    /// Its base URL (`http://127.0.0.1:PORT`), the "instance URL".
    pub url: String,
    /// An access token of the brand account with every scope, as made in
    /// Mastodon's settings ("Development → New application").
    pub token: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// A route faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /api/v1/statuses`.
    PostStatus,
    /// `GET /api/v1/notifications`.
    Notifications,
    /// `GET /api/v1/accounts/verify_credentials`.
    VerifyCredentials,
    /// `GET /api/v1/accounts/:id/statuses`.
    AccountStatuses,
    /// `DELETE /api/v1/statuses/:id`.
    DeleteStatus,
    /// The streaming API.
    Streaming,
}

/// A fault for the next requests of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503 Service Unavailable, nothing done.
    Unavailable,
    /// 429 with `Retry-After: secs`, nothing done.
    RateLimited {
        /// The `Retry-After` value in seconds.
        retry_after_secs: u64,
    },
    /// The request is carried out (a status is created), then the connection
    /// is closed before any answer: the client cannot know the outcome.
    CommitThenDrop,
}

/// A status as the fake holds it, for tests to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeStatus {
    /// The status id.
    pub id: String,
    /// The author's `acct`.
    pub author: String,
    /// The text as posted (plain).
    pub text: String,
    /// The status it replies to.
    pub in_reply_to_id: Option<String>,
    /// Whether it was edited.
    pub edited: bool,
    /// `public`, `unlisted`, `private` or `direct`.
    pub visibility: String,
}

impl FakeMastodon {
    /// Starts the server on a free loopback port.
    pub async fn start() -> anyhow::Result<FakeMastodon> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (events, _) = broadcast::channel(4096);
        let shared = Arc::new(Shared {
            url: url.clone(),
            templates: render::Templates::load()?,
            state: Mutex::new(State::new()),
            events,
        });
        let token = shared
            .lock()
            .issue_token(BRAND_ID, None, "read write follow push", None);
        let app = routes::router(shared.clone());
        let task = crate::killable::serve(listener, app, "Mastodon");
        Ok(FakeMastodon {
            url,
            token,
            shared,
            task,
        })
    }

    /// The brand account's id.
    pub fn brand_id(&self) -> String {
        BRAND_ID.to_string()
    }

    /// A member (`alice`, or `alice@other.example` for a remote account)
    /// posts `text` mentioning the brand; answers the status id.
    pub fn post_mention(&self, from: &str, text: &str) -> String {
        self.mention(from, text, None, now_ms(), "public")
    }

    /// A member writes the brand a private message (a `direct` status that
    /// mentions it); answers the status id.
    pub fn post_direct(&self, from: &str, text: &str) -> String {
        self.mention(from, text, None, now_ms(), "direct")
    }

    /// Like [`FakeMastodon::post_mention`], as a reply to status `to` (a
    /// brand status or another member's).
    pub fn post_reply(&self, from: &str, text: &str, to: &str) -> String {
        self.mention(from, text, to.parse().ok(), now_ms(), "public")
    }

    /// Like [`FakeMastodon::post_mention`], written `ago` in the past (for
    /// backfill horizons). Call in time order.
    pub fn post_mention_ago(&self, from: &str, text: &str, ago: Duration) -> String {
        let at = now_ms().saturating_sub(u64::try_from(ago.as_millis()).unwrap_or(u64::MAX));
        self.mention(from, text, None, at, "public")
    }

    fn mention(
        &self,
        from: &str,
        text: &str,
        reply_to: Option<u64>,
        at_ms: u64,
        visibility: &str,
    ) -> String {
        let mut state = self.shared.lock();
        let author = state.member(from);
        let full = format!("@{BRAND} {text}");
        let id = state.create_status(author, &full, reply_to, at_ms, None);
        if let Some(status) = state.statuses.get_mut(&id) {
            status.visibility = visibility.to_string();
        }
        let note = state.notify_mention(id, at_ms);
        drop(state);
        self.shared.broadcast_notification(note);
        id.to_string()
    }

    /// `n` mentions from a rotating set of members, at once (for benches);
    /// not announced on the streaming API.
    pub fn seed_mentions(&self, n: usize) -> Vec<String> {
        let mut state = self.shared.lock();
        let at = now_ms();
        (0..n)
            .map(|i| {
                let author = state.member(&format!("member{}", i % 97));
                let text = format!("@{BRAND} seeded message number {i}, how do I export my data?");
                let id = state.create_status(author, &text, None, at, None);
                state.notify_mention(id, at);
                id.to_string()
            })
            .collect()
    }

    /// A member edits their status `id` (announced as `status.update`).
    pub fn edit_status(&self, id: &str, text: &str) -> bool {
        let Ok(id) = id.parse::<u64>() else {
            return false;
        };
        let mut state = self.shared.lock();
        if !state.edit(id, &format!("@{BRAND} {text}")) {
            return false;
        }
        let mentions_brand = state.mentions_brand(id);
        drop(state);
        if mentions_brand {
            self.shared.broadcast_update(id);
        }
        true
    }

    /// A status is deleted (announced as `delete`); its notifications go too.
    pub fn delete_status(&self, id: &str) -> bool {
        let Ok(id) = id.parse::<u64>() else {
            return false;
        };
        let removed = self.shared.lock().remove(id);
        if removed {
            let _ = self.shared.events.send(Event::Delete(id));
        }
        removed
    }

    /// The brand's statuses, newest first.
    pub fn brand_statuses(&self) -> Vec<FakeStatus> {
        let state = self.shared.lock();
        state
            .statuses
            .values()
            .rev()
            .filter(|s| s.account == BRAND_ID)
            .map(|s| state.fake_status(s))
            .collect()
    }

    /// One status, if it exists.
    pub fn status(&self, id: &str) -> Option<FakeStatus> {
        let state = self.shared.lock();
        let id = id.parse::<u64>().ok()?;
        state.statuses.get(&id).map(|s| state.fake_status(s))
    }

    /// Makes the next `n` requests of `route` fail with `fault`.
    pub fn fail_next(&self, route: Route, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(route, (fault, n));
    }

    /// How many requests may be made per 5-minute window per token (default
    /// 100,000 so benches are not throttled; Mastodon's own is 300). Resets
    /// the current windows.
    pub fn set_rate_limit(&self, limit: u64) {
        let mut state = self.shared.lock();
        state.rate_limit = limit;
        state.windows.clear();
    }

    /// The instance's `configuration.statuses.max_characters`.
    pub fn set_max_characters(&self, n: usize) {
        self.shared.lock().max_characters = n;
    }

    /// Access tokens issued by OAuth last this long from now on.
    pub fn set_token_lifetime(&self, lifetime: Option<Duration>) {
        self.shared.lock().token_lifetime = lifetime;
    }

    /// Every OAuth-issued access token expires now (refresh tokens stay).
    pub fn expire_oauth_tokens(&self) {
        let now = Instant::now();
        for token in self.shared.lock().tokens.values_mut() {
            if token.app.is_some() {
                token.expires_at = Some(now);
            }
        }
    }

    /// How many `POST /api/v1/statuses` requests arrived (answered or not).
    pub fn status_posts(&self) -> usize {
        self.shared.lock().status_posts
    }
}

impl Drop for FakeMastodon {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The brand account's id (members get ids from 1000 on).
const BRAND_ID: u64 = 110_000_000_000_000_001;

/// What the fake knows, shared by its handlers and the test.
struct Shared {
    url: String,
    templates: render::Templates,
    state: Mutex<State>,
    events: broadcast::Sender<Event>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking handler must not wedge every later test request.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn broadcast_notification(&self, note: u64) {
        let _ = self.events.send(Event::Notification(note));
    }

    fn broadcast_update(&self, status: u64) {
        let _ = self.events.send(Event::StatusUpdate(status));
    }
}

/// What the streaming API announces (rendered when sent).
#[derive(Debug, Clone, Copy)]
enum Event {
    Notification(u64),
    StatusUpdate(u64),
    Delete(u64),
}

struct Account {
    id: u64,
    username: String,
    /// `username` for local accounts, `username@domain` for remote ones.
    acct: String,
    display_name: String,
    followers: u64,
    created_ms: u64,
}

struct Status {
    id: u64,
    account: u64,
    text: String,
    in_reply_to: Option<u64>,
    created_ms: u64,
    edited_ms: Option<u64>,
    mentions: Vec<u64>,
    app: Option<String>,
    visibility: String,
}

struct Notification {
    id: u64,
    status: u64,
    from: u64,
    created_ms: u64,
}

struct Token {
    account: u64,
    scopes: String,
    app: Option<String>,
    expires_at: Option<Instant>,
}

struct App {
    name: String,
    secret: String,
    redirect_uris: Vec<String>,
    scopes: String,
}

struct Grant {
    client_id: String,
    redirect_uri: String,
    challenge: Option<String>,
    scopes: String,
}

struct State {
    accounts: HashMap<u64, Account>,
    by_acct: HashMap<String, u64>,
    statuses: BTreeMap<u64, Status>,
    /// How many replies each status has.
    replies: HashMap<u64, u64>,
    notifications: BTreeMap<u64, Notification>,
    last_status_id: u64,
    last_notification_id: u64,
    tokens: HashMap<String, Token>,
    apps: HashMap<String, App>,
    grants: HashMap<String, Grant>,
    refresh_tokens: HashMap<String, (String, String)>,
    idempotency: HashMap<(String, String), (u64, Instant)>,
    rate_limit: u64,
    windows: HashMap<String, (u64, u64)>,
    faults: HashMap<Route, (Fault, usize)>,
    max_characters: usize,
    token_lifetime: Option<Duration>,
    status_posts: usize,
    serial: u64,
}

impl State {
    fn new() -> State {
        let mut state = State {
            accounts: HashMap::new(),
            by_acct: HashMap::new(),
            statuses: BTreeMap::new(),
            replies: HashMap::new(),
            notifications: BTreeMap::new(),
            last_status_id: 0,
            last_notification_id: 0,
            tokens: HashMap::new(),
            apps: HashMap::new(),
            grants: HashMap::new(),
            refresh_tokens: HashMap::new(),
            idempotency: HashMap::new(),
            rate_limit: 100_000,
            windows: HashMap::new(),
            faults: HashMap::new(),
            max_characters: 500,
            token_lifetime: None,
            status_posts: 0,
            serial: 0,
        };
        state.accounts.insert(
            BRAND_ID,
            Account {
                id: BRAND_ID,
                username: BRAND.into(),
                acct: BRAND.into(),
                display_name: "The Brand".into(),
                followers: 1234,
                created_ms: 1_700_000_000_000,
            },
        );
        state.by_acct.insert(BRAND.into(), BRAND_ID);
        state
    }

    /// A fresh random-looking secret (unique per fake; not cryptographic).
    fn secret(&mut self, prefix: &str) -> String {
        self.serial += 1;
        let seed = now_ms() ^ (self.serial.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        format!(
            "{prefix}{:016x}{:08x}",
            seed.wrapping_mul(0x2545_F491_4F6C_DD1D),
            self.serial
        )
    }

    fn issue_token(
        &mut self,
        account: u64,
        app: Option<String>,
        scopes: &str,
        lifetime: Option<Duration>,
    ) -> String {
        let token = self.secret("tok_");
        self.tokens.insert(
            token.clone(),
            Token {
                account,
                scopes: scopes.to_string(),
                app,
                expires_at: lifetime.map(|l| Instant::now() + l),
            },
        );
        token
    }

    /// The account of `acct`, created as a member on first use.
    fn member(&mut self, acct: &str) -> u64 {
        let acct = acct.trim_start_matches('@').to_string();
        if let Some(id) = self.by_acct.get(&acct) {
            return *id;
        }
        let id = 1000 + self.accounts.len() as u64;
        let username = acct.split('@').next().unwrap_or(&acct).to_string();
        let followers = acct.bytes().map(u64::from).sum::<u64>() * 7 % 5000;
        self.accounts.insert(
            id,
            Account {
                id,
                display_name: format!("Member {username}"),
                username,
                acct: acct.clone(),
                followers,
                created_ms: 1_700_000_000_000,
            },
        );
        self.by_acct.insert(acct, id);
        id
    }

    /// A new status; its id grows with time like Mastodon's snowflakes.
    fn create_status(
        &mut self,
        account: u64,
        text: &str,
        in_reply_to: Option<u64>,
        at_ms: u64,
        app: Option<String>,
    ) -> u64 {
        let id = (at_ms << 16).max(self.last_status_id + 1);
        self.last_status_id = id;
        let mentions = text
            .split_whitespace()
            .filter_map(|w| w.strip_prefix('@'))
            .map(|w| w.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_'))
            .filter_map(|acct| self.by_acct.get(acct).copied())
            .collect();
        let in_reply_to = in_reply_to.filter(|p| self.statuses.contains_key(p));
        if let Some(parent) = in_reply_to {
            *self.replies.entry(parent).or_default() += 1;
        }
        self.statuses.insert(
            id,
            Status {
                id,
                account,
                text: text.to_string(),
                in_reply_to,
                created_ms: at_ms,
                edited_ms: None,
                mentions,
                app,
                visibility: "public".into(),
            },
        );
        id
    }

    fn notify_mention(&mut self, status: u64, at_ms: u64) -> u64 {
        self.last_notification_id += 1;
        let id = self.last_notification_id;
        let from = self.statuses.get(&status).map_or(0, |s| s.account);
        self.notifications.insert(
            id,
            Notification {
                id,
                status,
                from,
                created_ms: at_ms,
            },
        );
        id
    }

    fn edit(&mut self, id: u64, text: &str) -> bool {
        match self.statuses.get_mut(&id) {
            Some(status) => {
                status.text = text.to_string();
                status.edited_ms = Some(now_ms());
                true
            }
            None => false,
        }
    }

    fn mentions_brand(&self, id: u64) -> bool {
        self.statuses
            .get(&id)
            .is_some_and(|s| s.mentions.contains(&BRAND_ID))
    }

    fn remove(&mut self, id: u64) -> bool {
        let Some(status) = self.statuses.remove(&id) else {
            return false;
        };
        if let Some(count) = status.in_reply_to.and_then(|p| self.replies.get_mut(&p)) {
            *count = count.saturating_sub(1);
        }
        self.notifications.retain(|_, n| n.status != id);
        true
    }

    fn fake_status(&self, s: &Status) -> FakeStatus {
        FakeStatus {
            id: s.id.to_string(),
            author: self
                .accounts
                .get(&s.account)
                .map(|a| a.acct.clone())
                .unwrap_or_default(),
            text: s.text.clone(),
            in_reply_to_id: s.in_reply_to.map(|p| p.to_string()),
            edited: s.edited_ms.is_some(),
            visibility: s.visibility.clone(),
        }
    }

    /// Takes one planned fault for `route`, if any is left.
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
