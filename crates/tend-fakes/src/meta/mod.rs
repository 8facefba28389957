//! A fake of Meta's Graph API (a Facebook Page and its Instagram account,
//! under `/v23.0`) and of the Threads API (under `/v1.0`), for contract
//! tests: an axum server on a loopback port with its state in memory,
//! answering in the shapes of the recorded payloads in `payloads/meta/`.
//!
//! Meta's rules it keeps:
//! - Bearer (or `access_token`) auth; an unknown or expired token is Graph's
//!   error 190 (`OAuthException`, HTTP 400). Threads tokens expire and are
//!   refreshed at `GET /refresh_access_token` (`th_refresh_token`).
//! - Usage headers: `X-App-Usage` (set by the test) on every answer; a
//!   throttle is error 32 (HTTP 400) with `X-Business-Use-Case-Usage` and
//!   its `estimated_time_to_regain_access`.
//! - Cursor paging (`limit`, `after`, `paging.cursors`, `paging.next`), newest
//!   first except where `order=chronological` / `reverse=false` is asked;
//!   `since` on Facebook comments.
//! - No idempotency key anywhere. Instagram and Threads publish through
//!   containers that are `IN_PROGRESS` for a poll or two, then `FINISHED`,
//!   then `PUBLISHED`; publishing a container twice is refused.
//! - Instagram media cannot be deleted through the API.
//!
//! Faults are injected per route (503, a throttle, commit-then-drop) and
//! the fake counts the writes of each route so tests can check exactly-once.
//! Edits and deletions by members are not modelled (Graph tells them only
//! by webhook).

mod render;
mod routes;

use crate::killable::Kill;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State as With};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The Facebook Page's id (from the recorded comment create).
pub const PAGE_ID: &str = "245628824887810";
/// The Instagram account's id.
pub const IG_ID: &str = "17841405822304914";
/// The Threads account's id (the recorded profile's).
pub const THREADS_ID: &str = "1234567";
/// The Instagram and Threads username of the brand.
pub const USERNAME: &str = "tendbrand";
/// The Page's name.
pub const PAGE_NAME: &str = "The Brand Page";

/// A write route faults can be injected into (or `Read`, every GET).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /{object}/comments` (Facebook).
    FbComment,
    /// `POST /{page}/feed`.
    FbPost,
    /// `POST /{ig-comment}/replies`.
    IgReply,
    /// `POST /{ig-user}/media`.
    IgContainer,
    /// `POST /{ig-user}/media_publish`.
    IgPublish,
    /// `POST /me/threads`.
    ThreadsContainer,
    /// `POST /me/threads_publish`.
    ThreadsPublish,
    /// Any GET.
    Read,
}

/// A fault for the next requests of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503 with Graph's transient error (code 2), nothing done.
    Unavailable,
    /// Graph's Page throttle (code 32), with the minutes to regain access.
    Throttled {
        /// `estimated_time_to_regain_access`.
        regain_minutes: u64,
    },
    /// Done, then the connection is cut before the answer.
    CommitThenDrop,
}

/// A network's surface.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    /// Facebook.
    Facebook,
    /// Instagram.
    Instagram,
    /// Threads.
    Threads,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Post,
    Comment,
    Message,
}

/// A comment, reply or post as the fake holds it, for tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeItem {
    /// Its id.
    pub id: String,
    /// What it answers (a post, media or comment id).
    pub parent: Option<String>,
    /// Its text.
    pub text: String,
    /// Hidden by the brand.
    pub hidden: bool,
}

struct Node {
    id: String,
    net: Net,
    kind: Kind,
    /// The author's account id.
    author: String,
    text: String,
    created: i64,
    parent: Option<String>,
    root: Option<String>,
    hidden: bool,
    /// A tagged medium (an Instagram mention).
    tagged: bool,
    /// A Threads mention of the brand.
    mention: bool,
}

struct Person {
    name: String,
    username: String,
}

struct Container {
    net: Net,
    text: String,
    reply_to: Option<String>,
    polls_in_progress: u32,
    published: Option<String>,
}

struct Conversation {
    id: String,
    platform: &'static str,
    messages: Vec<String>,
}

struct State {
    nodes: Vec<Node>,
    index: HashMap<String, usize>,
    people: HashMap<String, Person>,
    containers: HashMap<String, Container>,
    conversations: Vec<Conversation>,
    page_token: String,
    threads_tokens: HashMap<String, Option<Instant>>,
    faults: HashMap<Route, (Fault, usize)>,
    writes: HashMap<Route, usize>,
    reads: usize,
    app_usage: Option<u32>,
    /// Publishing quotas per 24 hours: Instagram posts, Threads posts and replies.
    quotas: (i64, i64, i64),
    serial: u64,
}

struct Shared {
    state: Mutex<State>,
    t: Templates,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Templates {
    fb_comment: Value,
    fb_created: Value,
    fb_message: Value,
    fb_conversation: Value,
    error_oauth: Value,
    error_missing: Value,
    business_usage: Value,
    ig_comment: Value,
    ig_container: Value,
    ig_created: Value,
    threads_reply: Value,
    threads_profile: Value,
    threads_container: Value,
    ig_publish_limit: Value,
    threads_quota: Value,
}

fn load(json: &str) -> anyhow::Result<Value> {
    Ok(serde_json::from_str(json)?)
}

impl Templates {
    fn load() -> anyhow::Result<Templates> {
        let comments = load(include_str!("../../payloads/meta/fb_comments_p1.json"))?;
        let replies = load(include_str!("../../payloads/meta/threads_replies.json"))?;
        Ok(Templates {
            fb_comment: comments["data"][0].clone(),
            fb_created: load(include_str!("../../payloads/meta/fb_comment_create.json"))?,
            fb_message: load(include_str!("../../payloads/meta/fb_message.json"))?,
            fb_conversation: load(include_str!("../../payloads/meta/fb_conversation.json"))?,
            error_oauth: load(include_str!("../../payloads/meta/error_oauth.json"))?,
            error_missing: load(include_str!("../../payloads/meta/threads_exception.json"))?,
            business_usage: load(include_str!(
                "../../payloads/meta/header_business_use_case.json"
            ))?,
            ig_comment: load(include_str!("../../payloads/meta/ig_comment.json"))?,
            ig_container: load(include_str!("../../payloads/meta/ig_container_info.json"))?,
            ig_created: load(include_str!("../../payloads/meta/ig_create_photo.json"))?,
            threads_reply: replies["data"][0].clone(),
            threads_profile: load(include_str!("../../payloads/meta/threads_profile.json"))?,
            threads_container: load(include_str!("../../payloads/meta/threads_container.json"))?,
            ig_publish_limit: load(include_str!("../../payloads/meta/ig_publish_limit.json"))?,
            threads_quota: load(include_str!("../../payloads/meta/threads_quota.json"))?,
        })
    }
}

/// The fake server, running until dropped.
pub struct FakeMeta {
    /// Its address (`http://127.0.0.1:PORT`).
    pub url: String,
    /// The Page access token (Facebook and Instagram).
    pub page_token: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl FakeMeta {
    /// Starts the server on a free loopback port.
    pub async fn start() -> anyhow::Result<FakeMeta> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let mut people = HashMap::new();
        for (id, name) in [
            (PAGE_ID, PAGE_NAME),
            (IG_ID, USERNAME),
            (THREADS_ID, USERNAME),
        ] {
            people.insert(
                id.to_string(),
                Person {
                    name: name.to_string(),
                    username: USERNAME.to_string(),
                },
            );
        }
        let page_token = "EAAPageToken0000000000000000000000".to_string();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                nodes: Vec::new(),
                index: HashMap::new(),
                people,
                containers: HashMap::new(),
                conversations: Vec::new(),
                page_token: page_token.clone(),
                threads_tokens: HashMap::new(),
                faults: HashMap::new(),
                writes: HashMap::new(),
                reads: 0,
                app_usage: None,
                quotas: (50, 250, 1000),
                serial: 0,
            }),
            t: Templates::load()?,
        });
        let app = Router::new()
            .route("/refresh_access_token", get(routes::threads_refresh))
            .route(
                "/{version}/{*rest}",
                get(routes::graph_get)
                    .post(routes::graph_post)
                    .delete(routes::graph_delete),
            )
            .layer(middleware::from_fn_with_state(
                shared.clone(),
                routes::guard,
            ))
            .with_state(shared.clone());
        let task = crate::killable::serve(listener, app, "Meta");
        Ok(FakeMeta {
            url,
            page_token,
            shared,
            task,
        })
    }

    /// The Graph address (the `graph_base` setting of Facebook and Instagram).
    pub fn graph_base(&self) -> String {
        format!("{}/v23.0", self.url)
    }

    /// The Threads address (the `graph_base` setting of Threads).
    pub fn threads_base(&self) -> String {
        format!("{}/v1.0", self.url)
    }

    /// A Threads token that expires `after` from now.
    pub fn threads_token(&self, after: Duration) -> String {
        let mut state = self.shared.lock();
        state.serial += 1;
        let token = format!("THQVJ{:016x}", state.serial * 0x9E37_79B9);
        state
            .threads_tokens
            .insert(token.clone(), Some(Instant::now() + after));
        token
    }

    /// Every Threads token expires now.
    pub fn expire_threads_tokens(&self) {
        for at in self.shared.lock().threads_tokens.values_mut() {
            *at = Some(Instant::now());
        }
    }

    /// `X-App-Usage` percentages sent on every answer from now on.
    pub fn set_app_usage(&self, percent: Option<u32>) {
        self.shared.lock().app_usage = percent;
    }

    /// The publishing quotas per 24 hours: Instagram posts (50), Threads
    /// posts (250) and Threads replies (1,000).
    pub fn set_quotas(&self, instagram_posts: i64, threads_posts: i64, threads_replies: i64) {
        self.shared.lock().quotas = (instagram_posts, threads_posts, threads_replies);
    }

    /// Makes the next `n` requests of `route` fail with `fault`.
    pub fn fail_next(&self, route: Route, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(route, (fault, n));
    }

    /// How many requests of a write `route` arrived (answered or not).
    pub fn writes(&self, route: Route) -> usize {
        self.shared.lock().writes.get(&route).copied().unwrap_or(0)
    }

    /// How many GET requests arrived.
    pub fn reads(&self) -> usize {
        self.shared.lock().reads
    }

    /// The Page publishes a post; answers its id.
    pub fn fb_post(&self, text: &str) -> String {
        self.add(Net::Facebook, Kind::Post, PAGE_ID, text, None, 0)
    }

    /// A member (by name) comments on post or comment `on`; answers the id.
    pub fn fb_comment(&self, name: &str, text: &str, on: &str) -> String {
        self.fb_comment_ago(name, text, on, Duration::ZERO)
    }

    /// Like [`FakeMeta::fb_comment`], written `ago` in the past.
    pub fn fb_comment_ago(&self, name: &str, text: &str, on: &str, ago: Duration) -> String {
        let author = self.person(name, name);
        self.add(
            Net::Facebook,
            Kind::Comment,
            &author,
            text,
            Some(on),
            ago.as_secs(),
        )
    }

    /// The brand's Instagram account posts a medium; answers its id.
    pub fn ig_media(&self, caption: &str) -> String {
        self.add(Net::Instagram, Kind::Post, IG_ID, caption, None, 0)
    }

    /// A member (by username) comments on medium or comment `on`.
    pub fn ig_comment(&self, username: &str, text: &str, on: &str) -> String {
        let author = self.person(username, username);
        self.add(Net::Instagram, Kind::Comment, &author, text, Some(on), 0)
    }

    /// A member tags the brand in a medium of theirs.
    pub fn ig_tag(&self, username: &str, caption: &str) -> String {
        let author = self.person(username, username);
        let id = self.add(Net::Instagram, Kind::Post, &author, caption, None, 0);
        self.set(&id, |n| n.tagged = true);
        id
    }

    /// `n` comments from rotating members on three brand media.
    pub fn seed_ig_comments(&self, n: usize) -> Vec<String> {
        let media: Vec<String> = (0..3)
            .map(|i| self.ig_media(&format!("Launch day {i}")))
            .collect();
        (0..n)
            .map(|i| {
                self.ig_comment(
                    &format!("member{}", i % 97),
                    &format!("question number {i}: does it ship to Sweden?"),
                    &media[i % 3],
                )
            })
            .collect()
    }

    /// A member writes the brand a direct message on `platform`
    /// (`messenger` or `instagram`); answers the message id.
    pub fn dm(&self, platform: &'static str, name: &str, text: &str) -> String {
        let author = self.person(name, name);
        let net = if platform == "instagram" {
            Net::Instagram
        } else {
            Net::Facebook
        };
        let id = self.add(net, Kind::Message, &author, text, None, 0);
        let mut state = self.shared.lock();
        let existing = state
            .conversations
            .iter()
            .position(|c| c.platform == platform && c.id.ends_with(&author));
        match existing {
            Some(i) => state.conversations[i].messages.push(id.clone()),
            None => state.conversations.push(Conversation {
                id: format!("t_{author}"),
                platform,
                messages: vec![id.clone()],
            }),
        }
        id
    }

    /// The brand posts on Threads.
    pub fn threads_post(&self, text: &str) -> String {
        self.add(Net::Threads, Kind::Post, THREADS_ID, text, None, 0)
    }

    /// A member replies on Threads to post or reply `to`.
    pub fn threads_reply(&self, username: &str, text: &str, to: &str) -> String {
        let author = self.person(username, username);
        self.add(Net::Threads, Kind::Comment, &author, text, Some(to), 0)
    }

    /// A member mentions the brand on Threads.
    pub fn threads_mention(&self, username: &str, text: &str) -> String {
        let author = self.person(username, username);
        let id = self.add(
            Net::Threads,
            Kind::Post,
            &author,
            &format!("@{USERNAME} {text}"),
            None,
            0,
        );
        self.set(&id, |n| n.mention = true);
        id
    }

    /// What the brand's account wrote on `net` (replies and posts), oldest first.
    pub fn brand_items(&self, net: Net) -> Vec<FakeItem> {
        let own = match net {
            Net::Facebook => PAGE_ID,
            Net::Instagram => IG_ID,
            Net::Threads => THREADS_ID,
        };
        let state = self.shared.lock();
        state
            .nodes
            .iter()
            .filter(|n| n.net == net && n.author == own && n.kind != Kind::Message)
            .map(|n| FakeItem {
                id: n.id.clone(),
                parent: n.parent.clone(),
                text: n.text.clone(),
                hidden: n.hidden,
            })
            .collect()
    }

    /// One item, if it exists.
    pub fn item(&self, id: &str) -> Option<FakeItem> {
        let state = self.shared.lock();
        state.index.get(id).map(|i| {
            let n = &state.nodes[*i];
            FakeItem {
                id: n.id.clone(),
                parent: n.parent.clone(),
                text: n.text.clone(),
                hidden: n.hidden,
            }
        })
    }

    fn person(&self, name: &str, username: &str) -> String {
        let mut state = self.shared.lock();
        if let Some((id, _)) = state.people.iter().find(|(_, p)| p.name == name) {
            return id.clone();
        }
        let id = format!("{}", 6_100_000_000_000u64 + state.people.len() as u64);
        state.people.insert(
            id.clone(),
            Person {
                name: name.to_string(),
                username: username.to_string(),
            },
        );
        id
    }

    fn add(
        &self,
        net: Net,
        kind: Kind,
        author: &str,
        text: &str,
        parent: Option<&str>,
        ago_secs: u64,
    ) -> String {
        let mut state = self.shared.lock();
        let created = now_secs() - i64::try_from(ago_secs).unwrap_or(0);
        state.insert(net, kind, author, text, parent.map(str::to_string), created)
    }

    fn set(&self, id: &str, f: impl FnOnce(&mut Node)) {
        let mut state = self.shared.lock();
        if let Some(i) = state.index.get(id).copied() {
            f(&mut state.nodes[i]);
        }
    }
}

impl Drop for FakeMeta {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl State {
    fn next_id(&mut self, net: Net, kind: Kind, parent: Option<&str>) -> String {
        self.serial += 1;
        let n = 10_158_400_000_000_000u64 + self.serial;
        match (net, kind) {
            (Net::Facebook, Kind::Post) => format!("{PAGE_ID}_{n}"),
            (Net::Facebook, Kind::Comment) => {
                let post = parent
                    .and_then(|p| p.split('_').nth(1).or(Some(p)))
                    .unwrap_or("0");
                format!("{post}_{n}")
            }
            (_, Kind::Message) => format!("m_{n:x}Zq-Ab_{}", self.serial),
            _ => format!("{}", 17_850_000_000_000_000u64 + self.serial),
        }
    }

    fn insert(
        &mut self,
        net: Net,
        kind: Kind,
        author: &str,
        text: &str,
        parent: Option<String>,
        created: i64,
    ) -> String {
        let id = self.next_id(net, kind, parent.as_deref());
        let root = parent.as_ref().map(|p| {
            self.index
                .get(p)
                .and_then(|i| self.nodes[*i].root.clone())
                .unwrap_or_else(|| p.clone())
        });
        self.index.insert(id.clone(), self.nodes.len());
        self.nodes.push(Node {
            id: id.clone(),
            net,
            kind,
            author: author.to_string(),
            text: text.to_string(),
            created,
            parent,
            root,
            hidden: false,
            tagged: false,
            mention: false,
        });
        id
    }

    fn node(&self, id: &str) -> Option<&Node> {
        self.index.get(id).map(|i| &self.nodes[*i])
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

    fn person(&self, id: &str) -> (String, String) {
        self.people.get(id).map_or_else(
            || (id.to_string(), id.to_string()),
            |p| (p.name.clone(), p.username.clone()),
        )
    }
}

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}
