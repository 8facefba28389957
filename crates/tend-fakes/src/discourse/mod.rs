//! A fake Discourse forum for tests: Discourse (Ruby, Docker-only) cannot be
//! installed offline, so this axum server on a loopback port plays one, with
//! its state in memory.
//!
//! Its JSON is shaped like the recorded answers in `payloads/discourse/`
//! (the templates; only ids, text, times and counts are filled in), and it
//! keeps Discourse's rules:
//! - **Auth**: `Api-Key` + `Api-Username` (the key's user) or `User-Api-Key`;
//!   a wrong key is 403 `invalid_access` "The API username or key is
//!   invalid."; a private route without one is 403 `not_logged_in`.
//!   Private messages are visible to their participants only.
//! - **Rate limits**: a budget of requests per minute per key (Discourse's
//!   admin-key default is 60; here 100,000 unless a test sets it); beyond
//!   it, 429 with `Retry-After`, `Discourse-Rate-Limit-Error-Code` and the
//!   body `{"errors":[…],"error_type":"rate_limit","extras":{"wait_seconds":N}}`.
//! - **Paging**: `/posts.json` 50 posts newest first, older with `before`;
//!   `/t/{id}.json` the first 20 posts and the `stream` of all ids; the
//!   rest by `/t/{id}/posts.json?post_ids[]=`; topic lists 30 a page.
//! - **No idempotency**: two identical `POST /posts.json` make two posts.
//!   The fake counts every post request so tests can check exactly-once.
//! - **Validation**: a title of at least 15 characters for a topic, a body of
//!   20 to 32,000 (422 with Discourse's messages); a reply to a topic that
//!   does not exist is 404.
//! - **Rendering**: `cooked` is the raw text with HTML comments dropped
//!   (Discourse's sanitiser drops them), escaped, in `<p>` paragraphs.
//!   Deleted posts leave `/posts.json` and `stream`; `/posts/{id}.json`
//!   answers 404 for them.
//!
//! Faults are injected for the next requests of a [`Route`]: 503, 429 with a
//! wait, and "commit then drop" (the post is created, the connection cut
//! before the answer).

mod render;
mod routes;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// The brand account's username.
pub const BRAND: &str = "brand";

/// The fake server, running until dropped.
pub struct FakeDiscourse {
    /// Its base URL (`http://127.0.0.1:PORT`), the forum's address.
    pub url: String,
    /// An admin API key of the brand account (`Api-Key`, with
    /// `Api-Username: brand`).
    pub api_key: String,
    /// A user API key of the brand account (`User-Api-Key`).
    pub user_api_key: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// A route faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /posts.json`.
    CreatePost,
    /// `GET /posts.json`.
    LatestPosts,
    /// `GET /t/{id}.json` and `GET /t/{id}/posts.json`.
    Topic,
    /// `GET /posts/{id}.json`.
    GetPost,
    /// `DELETE /posts/{id}.json`.
    DeletePost,
    /// `GET /topics/private-messages/{username}.json`.
    PrivateMessages,
    /// `GET /session/current.json`.
    Session,
}

/// A fault for the next requests of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503 Service Unavailable, nothing done.
    Unavailable,
    /// 429 with `Retry-After` and `extras.wait_seconds`, nothing done.
    RateLimited {
        /// The wait in seconds.
        retry_after_secs: u64,
    },
    /// The request is carried out, then the connection is closed before any
    /// answer.
    CommitThenDrop,
}

/// A post as the fake holds it, for tests to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePost {
    /// The post id.
    pub id: u64,
    /// Its topic.
    pub topic_id: u64,
    /// Its number in the topic.
    pub post_number: u64,
    /// The post number it replies to.
    pub reply_to_post_number: Option<u64>,
    /// The author's username.
    pub username: String,
    /// The raw (Markdown) text as posted.
    pub raw: String,
    /// Whether it was deleted.
    pub deleted: bool,
    /// Its version (1 until edited).
    pub version: u64,
}

impl FakePost {
    /// The external id Tend gives it (`t{topic}/p{number}`).
    pub fn external_id(&self) -> String {
        format!("t{}/p{}", self.topic_id, self.post_number)
    }
}

impl FakeDiscourse {
    /// Starts the server on a free loopback port.
    pub async fn start() -> anyhow::Result<FakeDiscourse> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let mut state = State::new();
        let api_key = state.secret("dk");
        let user_api_key = state.secret("uk");
        state.api_keys.insert(api_key.clone(), BRAND.to_string());
        state
            .user_api_keys
            .insert(user_api_key.clone(), BRAND.to_string());
        let shared = Arc::new(Shared {
            templates: render::Templates::load()?,
            state: Mutex::new(state),
        });
        let app = routes::router(shared.clone());
        let task = crate::killable::serve(listener, app, "Discourse");
        Ok(FakeDiscourse {
            url,
            api_key,
            user_api_key,
            shared,
            task,
        })
    }

    /// A member opens a topic in `category`; answers its first post's
    /// external id (`t{topic}/p1`).
    pub fn post_topic(&self, from: &str, title: &str, text: &str, category: u64) -> String {
        self.post_topic_tagged(from, title, text, category, &[])
    }

    /// Like [`FakeDiscourse::post_topic`], with tags.
    pub fn post_topic_tagged(
        &self,
        from: &str,
        title: &str,
        text: &str,
        category: u64,
        tags: &[&str],
    ) -> String {
        let mut state = self.shared.lock();
        let now = now_ms();
        let topic = state.create_topic(title, Some(category), false, from, now);
        if let Some(t) = state.topics.get_mut(&topic) {
            t.tags = tags.iter().map(|t| t.to_string()).collect();
        }
        let post = state.create_post(topic, from, text, None, now);
        state.external(post)
    }

    /// A member opens a topic written `ago` in the past (for backfill
    /// horizons). Call in time order.
    pub fn post_topic_ago(&self, from: &str, title: &str, text: &str, ago_secs: u64) -> String {
        let mut state = self.shared.lock();
        let at = now_ms().saturating_sub(ago_secs * 1000);
        let topic = state.create_topic(title, Some(1), false, from, at);
        let post = state.create_post(topic, from, text, None, at);
        state.external(post)
    }

    /// A member replies in the topic of `to` (an external id `t{topic}/p{n}`)
    /// to post `n`; answers the reply's external id.
    pub fn post_reply(&self, from: &str, to: &str, text: &str) -> String {
        let Some((topic, number)) = parse_external(to) else {
            return String::new();
        };
        let mut state = self.shared.lock();
        let reply_to = (number > 1).then_some(number);
        let post = state.create_post(topic, from, text, reply_to, now_ms());
        state.external(post)
    }

    /// A member writes the brand a private message; answers its external id.
    pub fn send_private(&self, from: &str, title: &str, text: &str) -> String {
        let mut state = self.shared.lock();
        let now = now_ms();
        let topic = state.create_topic(title, None, true, from, now);
        if let Some(t) = state.topics.get_mut(&topic) {
            t.participants = vec![from.to_string(), BRAND.to_string()];
        }
        let post = state.create_post(topic, from, text, None, now);
        state.external(post)
    }

    /// `n` topics by rotating members, at once (for benches and the
    /// exactly-once test); answers their first posts' external ids.
    pub fn seed_topics(&self, n: usize) -> Vec<String> {
        let mut state = self.shared.lock();
        let now = now_ms();
        (0..n)
            .map(|i| {
                let from = format!("member{}", i % 97);
                let title = format!("Question number {i} about exports");
                let topic = state.create_topic(&title, Some(1), false, &from, now);
                let text = format!("Seeded question {i}: how do I export my data?");
                let post = state.create_post(topic, &from, &text, None, now);
                state.external(post)
            })
            .collect()
    }

    /// A member edits the post `external` (its version goes up).
    pub fn edit_post(&self, external: &str, text: &str) -> bool {
        let mut state = self.shared.lock();
        let Some(id) = state.post_id(external) else {
            return false;
        };
        let cooked = render::cook(text);
        match state.posts.get_mut(&id) {
            Some(p) => {
                p.raw = text.to_string();
                p.cooked = cooked;
                p.version += 1;
                p.updated_ms = now_ms();
                true
            }
            None => false,
        }
    }

    /// A post is deleted (as a moderator or its author would).
    pub fn delete_post(&self, external: &str) -> bool {
        let mut state = self.shared.lock();
        match state.post_id(external) {
            Some(id) => state.delete(id),
            None => false,
        }
    }

    /// The post id of an external id.
    pub fn post_id(&self, external: &str) -> Option<u64> {
        self.shared.lock().post_id(external)
    }

    /// The brand's posts (deleted ones too), oldest first.
    pub fn brand_posts(&self) -> Vec<FakePost> {
        let state = self.shared.lock();
        state
            .posts
            .values()
            .filter(|p| p.username == BRAND)
            .map(Post::fake)
            .collect()
    }

    /// One post, if it exists (deleted or not).
    pub fn post(&self, id: u64) -> Option<FakePost> {
        self.shared.lock().posts.get(&id).map(Post::fake)
    }

    /// The title and category of a topic.
    pub fn topic(&self, id: u64) -> Option<(String, Option<u64>)> {
        let state = self.shared.lock();
        state
            .topics
            .get(&id)
            .map(|t| (t.title.clone(), t.category_id))
    }

    /// Makes the next `n` requests of `route` fail with `fault`.
    pub fn fail_next(&self, route: Route, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(route, (fault, n));
    }

    /// How many requests a key may make per minute (default 100,000 so
    /// benches are not throttled; Discourse's admin-key default is 60).
    /// Resets the current windows.
    pub fn set_rate_limit(&self, per_minute: u64) {
        let mut state = self.shared.lock();
        state.rate_limit = per_minute;
        state.windows.clear();
    }

    /// How many `POST /posts.json` requests arrived (answered or not).
    pub fn post_requests(&self) -> usize {
        self.shared.lock().post_requests
    }
}

impl Drop for FakeDiscourse {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn parse_external(external: &str) -> Option<(u64, u64)> {
    let (t, p) = external.strip_prefix('t')?.split_once("/p")?;
    Some((t.parse().ok()?, p.parse().ok()?))
}

/// What the fake knows, shared by its handlers and the test.
struct Shared {
    templates: render::Templates,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        // A panicking handler must not wedge every later test request.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct User {
    id: i64,
    username: String,
    name: String,
}

struct Topic {
    id: u64,
    title: String,
    slug: String,
    category_id: Option<u64>,
    private: bool,
    participants: Vec<String>,
    tags: Vec<String>,
    author: String,
    created_ms: u64,
    bumped_ms: u64,
    /// Post ids in order.
    posts: Vec<u64>,
}

#[derive(Clone)]
struct Post {
    id: u64,
    topic_id: u64,
    post_number: u64,
    reply_to: Option<u64>,
    username: String,
    raw: String,
    cooked: String,
    created_ms: u64,
    updated_ms: u64,
    version: u64,
    deleted_ms: Option<u64>,
}

impl Post {
    fn fake(&self) -> FakePost {
        FakePost {
            id: self.id,
            topic_id: self.topic_id,
            post_number: self.post_number,
            reply_to_post_number: self.reply_to,
            username: self.username.clone(),
            raw: self.raw.clone(),
            deleted: self.deleted_ms.is_some(),
            version: self.version,
        }
    }
}

/// A notification of `user` about post `post`.
struct Notification {
    id: u64,
    user: String,
    kind: u64,
    post: u64,
    created_ms: u64,
}

struct State {
    notifications: Vec<Notification>,
    users: HashMap<String, User>,
    topics: BTreeMap<u64, Topic>,
    posts: BTreeMap<u64, Post>,
    api_keys: HashMap<String, String>,
    user_api_keys: HashMap<String, String>,
    rate_limit: u64,
    /// Per key: requests left and when the window ends (ms).
    windows: HashMap<String, (u64, u64)>,
    faults: HashMap<Route, (Fault, usize)>,
    post_requests: usize,
    serial: u64,
}

impl State {
    fn new() -> State {
        let mut state = State {
            notifications: Vec::new(),
            users: HashMap::new(),
            topics: BTreeMap::new(),
            posts: BTreeMap::new(),
            api_keys: HashMap::new(),
            user_api_keys: HashMap::new(),
            rate_limit: 100_000,
            windows: HashMap::new(),
            faults: HashMap::new(),
            post_requests: 0,
            serial: 0,
        };
        state.user(BRAND);
        if let Some(brand) = state.users.get_mut(BRAND) {
            brand.name = "The Brand".into();
        }
        state
    }

    /// A fresh random-looking secret (unique per fake; not cryptographic).
    fn secret(&mut self, prefix: &str) -> String {
        self.serial += 1;
        let seed = now_ms() ^ self.serial.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        format!(
            "{prefix}{:016x}{:016x}",
            seed.wrapping_mul(0x2545_F491_4F6C_DD1D),
            self.serial.wrapping_mul(0xD1B5_4A32_D192_ED03)
        )
    }

    /// The user `username`, made on first use.
    fn user(&mut self, username: &str) -> &User {
        let next = self.users.len() as i64 + 1;
        self.users
            .entry(username.to_string())
            .or_insert_with(|| User {
                id: next,
                username: username.to_string(),
                name: format!("Member {username}"),
            })
    }

    fn create_topic(
        &mut self,
        title: &str,
        category: Option<u64>,
        private: bool,
        author: &str,
        at_ms: u64,
    ) -> u64 {
        let id = self.topics.keys().next_back().map_or(10, |n| n + 1);
        let slug: String = title
            .to_lowercase()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        self.user(author);
        self.topics.insert(
            id,
            Topic {
                id,
                title: title.to_string(),
                slug: if slug.is_empty() {
                    "topic".into()
                } else {
                    slug
                },
                category_id: if private { None } else { category },
                private,
                participants: vec![author.to_string()],
                tags: Vec::new(),
                author: author.to_string(),
                created_ms: at_ms,
                bumped_ms: at_ms,
                posts: Vec::new(),
            },
        );
        id
    }

    fn create_post(
        &mut self,
        topic: u64,
        author: &str,
        raw: &str,
        reply_to: Option<u64>,
        at_ms: u64,
    ) -> u64 {
        self.user(author);
        let id = self.posts.keys().next_back().map_or(100, |n| n + 1);
        let Some(t) = self.topics.get_mut(&topic) else {
            return 0;
        };
        let post_number = t.posts.len() as u64 + 1;
        t.posts.push(id);
        t.bumped_ms = t.bumped_ms.max(at_ms);
        if t.private && !t.participants.iter().any(|p| p == author) {
            t.participants.push(author.to_string());
        }
        // Discourse tells the brand of a mention (1) and of a reply to one
        // of its posts (2).
        let mentions_brand = raw.split_whitespace().any(|w| {
            w.trim_end_matches(|c: char| !c.is_alphanumeric())
                .eq_ignore_ascii_case(&format!("@{BRAND}"))
        });
        let answers_brand = reply_to
            .and_then(|n| t.posts.get(usize::try_from(n).ok()?.checked_sub(1)?))
            .and_then(|p| self.posts.get(p))
            .is_some_and(|p| p.username == BRAND);
        let kind = if mentions_brand {
            Some(1)
        } else if answers_brand {
            Some(2)
        } else {
            None
        };
        if let Some(kind) = kind.filter(|_| author != BRAND) {
            let note = self.notifications.len() as u64 + 1;
            self.notifications.push(Notification {
                id: note,
                user: BRAND.to_string(),
                kind,
                post: id,
                created_ms: at_ms,
            });
        }
        self.posts.insert(
            id,
            Post {
                id,
                topic_id: topic,
                post_number,
                reply_to,
                username: author.to_string(),
                raw: raw.to_string(),
                cooked: render::cook(raw),
                created_ms: at_ms,
                updated_ms: at_ms,
                version: 1,
                deleted_ms: None,
            },
        );
        id
    }

    fn external(&self, post: u64) -> String {
        self.posts
            .get(&post)
            .map(|p| format!("t{}/p{}", p.topic_id, p.post_number))
            .unwrap_or_default()
    }

    fn post_id(&self, external: &str) -> Option<u64> {
        let (topic, number) = parse_external(external)?;
        let t = self.topics.get(&topic)?;
        let index = usize::try_from(number.checked_sub(1)?).ok()?;
        t.posts.get(index).copied()
    }

    fn delete(&mut self, id: u64) -> bool {
        match self.posts.get_mut(&id) {
            Some(p) if p.deleted_ms.is_none() => {
                p.deleted_ms = Some(now_ms());
                true
            }
            _ => false,
        }
    }

    /// Whether `user` (None: anonymous) may see topic `t`.
    fn can_see(&self, t: &Topic, user: Option<&str>) -> bool {
        !t.private || user.is_some_and(|u| t.participants.iter().any(|p| p == u))
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
