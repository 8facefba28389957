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

#[path = "mastodon/conn.rs"]
mod conn;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State as With};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use conn::Kill;
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
}

fn load(json: &str) -> anyhow::Result<Value> {
    Ok(serde_json::from_str(json)?)
}

impl Templates {
    fn load() -> anyhow::Result<Templates> {
        let comments = load(include_str!("../payloads/meta/fb_comments_p1.json"))?;
        let replies = load(include_str!("../payloads/meta/threads_replies.json"))?;
        Ok(Templates {
            fb_comment: comments["data"][0].clone(),
            fb_created: load(include_str!("../payloads/meta/fb_comment_create.json"))?,
            fb_message: load(include_str!("../payloads/meta/fb_message.json"))?,
            fb_conversation: load(include_str!("../payloads/meta/fb_conversation.json"))?,
            error_oauth: load(include_str!("../payloads/meta/error_oauth.json"))?,
            error_missing: load(include_str!("../payloads/meta/threads_exception.json"))?,
            business_usage: load(include_str!(
                "../payloads/meta/header_business_use_case.json"
            ))?,
            ig_comment: load(include_str!("../payloads/meta/ig_comment.json"))?,
            ig_container: load(include_str!("../payloads/meta/ig_container_info.json"))?,
            ig_created: load(include_str!("../payloads/meta/ig_create_photo.json"))?,
            threads_reply: replies["data"][0].clone(),
            threads_profile: load(include_str!("../payloads/meta/threads_profile.json"))?,
            threads_container: load(include_str!("../payloads/meta/threads_container.json"))?,
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
        for (id, name) in [(PAGE_ID, PAGE_NAME), (IG_ID, USERNAME), (THREADS_ID, USERNAME)] {
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
                serial: 0,
            }),
            t: Templates::load()?,
        });
        let app = Router::new()
            .route("/refresh_access_token", get(threads_refresh))
            .route(
                "/{version}/{*rest}",
                get(graph_get).post(graph_post).delete(graph_delete),
            )
            .layer(middleware::from_fn_with_state(shared.clone(), guard))
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<Kill>();
            if let Err(e) = axum::serve(conn::KillableListener(listener), service).await {
                tracing::warn!("fake Meta stopped: {e}");
            }
        });
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
        let media: Vec<String> = (0..3).map(|i| self.ig_media(&format!("Launch day {i}"))).collect();
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

// ---- HTTP ----

type Shr = With<Arc<Shared>>;

fn graph_error(t: &Templates, status: StatusCode, code: i64, subcode: i64, message: &str) -> Response {
    let mut body = t.error_oauth.clone();
    body["error"]["message"] = json!(message);
    body["error"]["code"] = json!(code);
    body["error"]["error_subcode"] = json!(subcode);
    if let Some(e) = body["error"].as_object_mut() {
        e.remove("error_user_title");
        e.remove("error_user_msg");
    }
    (status, axum::Json(body)).into_response()
}

fn missing(t: &Templates, id: &str) -> Response {
    let mut body = t.error_missing.clone();
    body["error"]["message"] = json!(format!(
        "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation"
    ));
    body["error"]["type"] = json!("GraphMethodException");
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

fn route_of(method: &Method, path: &str, body_hint: &str) -> Option<Route> {
    let threads = path.starts_with("/v1.0/");
    let last = path.rsplit('/').next().unwrap_or_default();
    Some(match method.as_str() {
        "GET" => Route::Read,
        "POST" if threads && last == "threads" => Route::ThreadsContainer,
        "POST" if threads && last == "threads_publish" => Route::ThreadsPublish,
        "POST" if last == "comments" => Route::FbComment,
        "POST" if last == "feed" => Route::FbPost,
        "POST" if last == "replies" => Route::IgReply,
        "POST" if last == "media" => Route::IgContainer,
        "POST" if last == "media_publish" => Route::IgPublish,
        _ => {
            let _ = body_hint;
            return None;
        }
    })
}

fn token_of(req: &Request) -> Option<String> {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    header.or_else(|| {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.uri().query()?).ok()?;
        pairs
            .into_iter()
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v)
    })
}

async fn guard(With(shared): Shr, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let threads = path.starts_with("/v1.0/") || path == "/refresh_access_token";
    let token = token_of(&req);
    let route = route_of(req.method(), &path, "");
    let verdict = {
        let mut state = shared.lock();
        let valid = match &token {
            Some(t) if threads => state
                .threads_tokens
                .get(t)
                .is_some_and(|at| at.is_none_or(|at| at > Instant::now())),
            Some(t) => *t == state.page_token,
            None => false,
        };
        if let Some(r) = route {
            if r == Route::Read {
                state.reads += 1;
            } else {
                *state.writes.entry(r).or_default() += 1;
            }
        }
        if valid {
            Ok(route.and_then(|r| state.take_fault(r)))
        } else {
            Err(())
        }
    };
    let usage = shared.lock().app_usage;
    let mut res = match verdict {
        Err(()) => graph_error(
            &shared.t,
            StatusCode::BAD_REQUEST,
            190,
            463,
            "Error validating access token: Session has expired or the token is invalid.",
        ),
        Ok(Some(Fault::Unavailable)) => {
            let mut res = graph_error(
                &shared.t,
                StatusCode::SERVICE_UNAVAILABLE,
                2,
                0,
                "An unexpected error has occurred. Please retry your request later.",
            );
            *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
            res
        }
        Ok(Some(Fault::Throttled { regain_minutes })) => {
            let mut res = graph_error(
                &shared.t,
                StatusCode::BAD_REQUEST,
                32,
                0,
                "(#32) Page request limit reached",
            );
            let mut usage = shared.t.business_usage.clone();
            if let Some(obj) = usage.as_object_mut() {
                let entries = obj.remove("{business-id}").unwrap_or(json!([{}]));
                let mut entries = entries;
                entries[0]["type"] = json!("pages");
                entries[0]["estimated_time_to_regain_access"] = json!(regain_minutes);
                obj.insert(PAGE_ID.to_string(), entries);
            }
            if let Ok(v) = HeaderValue::from_str(&usage.to_string()) {
                res.headers_mut().insert("x-business-use-case-usage", v);
            }
            res
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
    if let Some(pct) = usage {
        let value = json!({"call_count": pct, "total_cputime": pct / 2, "total_time": pct / 2});
        if let Ok(v) = HeaderValue::from_str(&value.to_string()) {
            res.headers_mut().insert("x-app-usage", v);
        }
    }
    res
}

fn query(raw: Option<String>) -> HashMap<String, String> {
    raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(&q).ok())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

fn form(body: &Bytes) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

fn iso(secs: i64) -> String {
    let t = jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    t.strftime("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

/// One page of `items` from the `after` cursor.
fn paged(items: Vec<Value>, limit: usize, after: Option<&str>, next_base: &str) -> Value {
    let start = after
        .and_then(|a| a.strip_prefix("QVFI"))
        .and_then(|hex| usize::from_str_radix(hex, 16).ok())
        .unwrap_or(0);
    let end = (start + limit.max(1)).min(items.len());
    let data: Vec<Value> = items.get(start..end).map(<[Value]>::to_vec).unwrap_or_default();
    let mut body = json!({ "data": data });
    if !body["data"].as_array().is_some_and(Vec::is_empty) {
        let mut paging = json!({"cursors": {"before": format!("QVFI{start:x}"), "after": format!("QVFI{end:x}")}});
        if end < items.len() {
            paging["next"] = json!(format!("{next_base}&after=QVFI{end:x}"));
        }
        body["paging"] = paging;
    }
    body
}

/// `name.limit(N)`-style modifiers of an expanded field.
fn modifier(fields: &str, field: &str, name: &str) -> Option<String> {
    let start = fields.find(&format!("{field}."))?;
    let rest = &fields[start..];
    let end = rest.find('{').unwrap_or(rest.len());
    let spec = &rest[..end];
    let at = spec.find(&format!(".{name}("))? + name.len() + 2;
    let close = spec[at..].find(')')? + at;
    Some(spec[at..close].to_string())
}

impl Shared {
    fn fb_comment(&self, state: &State, n: &Node) -> Value {
        let mut v = self.t.fb_comment.clone();
        let (name, _) = state.person(&n.author);
        v["id"] = json!(n.id);
        v["message"] = json!(n.text);
        v["created_time"] = json!(iso(n.created));
        v["from"] = json!({"name": name, "id": n.author});
        v["permalink_url"] = json!(format!("https://www.facebook.com/{}", n.id));
        v["is_hidden"] = json!(n.hidden);
        v["comment_count"] = json!(children(state, &n.id).count());
        if let Some(p) = &n.parent
            && state.node(p).is_some_and(|p| p.kind == Kind::Comment)
        {
            v["parent"] = json!({"id": p});
        }
        v
    }

    fn ig_comment(&self, state: &State, n: &Node, with_replies: bool) -> Value {
        let mut v = self.t.ig_comment.clone();
        let (_, username) = state.person(&n.author);
        v["id"] = json!(n.id);
        v["text"] = json!(n.text);
        v["timestamp"] = json!(iso(n.created));
        v["username"] = json!(username);
        v["from"] = json!({"id": n.author, "username": username});
        v["hidden"] = json!(n.hidden);
        if let Some(obj) = v.as_object_mut() {
            obj.remove("user");
            obj.remove("media");
            obj.remove("replies");
        }
        if with_replies {
            let replies: Vec<Value> = children(state, &n.id)
                .map(|r| self.ig_comment(state, r, false))
                .collect();
            if !replies.is_empty() {
                v["replies"] = json!({ "data": replies });
            }
        }
        v
    }

    fn threads_item(&self, state: &State, n: &Node) -> Value {
        let mut v = self.t.threads_reply.clone();
        let (_, username) = state.person(&n.author);
        v["id"] = json!(n.id);
        v["text"] = json!(n.text);
        v["timestamp"] = json!(iso(n.created));
        v["username"] = json!(username);
        v["permalink"] = json!(format!("https://www.threads.net/@{username}/post/{}", n.id));
        v["hide_status"] = json!(if n.hidden { "HIDDEN" } else { "NOT_HUSHED" });
        v["is_reply"] = json!(n.parent.is_some());
        match (&n.parent, &n.root) {
            (Some(p), Some(r)) => {
                v["replied_to"] = json!({"id": p});
                v["root_post"] = json!({"id": r});
            }
            _ => {
                if let Some(obj) = v.as_object_mut() {
                    obj.remove("replied_to");
                    obj.remove("root_post");
                }
            }
        }
        v
    }
}

fn children<'a>(state: &'a State, id: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
    state
        .nodes
        .iter()
        .filter(move |n| n.parent.as_deref() == Some(id))
}

fn descendants<'a>(state: &'a State, root: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
    state
        .nodes
        .iter()
        .filter(move |n| n.kind == Kind::Comment && n.root.as_deref() == Some(root))
}

async fn graph_get(
    With(shared): Shr,
    Path((version, rest)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = query(raw.clone());
    let state = shared.lock();
    let t = &shared.t;
    let parts: Vec<&str> = rest.split('/').collect();
    let limit = q.get("limit").and_then(|l| l.parse().ok()).unwrap_or(25usize);
    let after = q.get("after").map(String::as_str);
    let fields = q.get("fields").cloned().unwrap_or_default();
    let next_base = format!("/{version}/{rest}?limit={limit}");
    let threads = version == "v1.0";
    let json = |v: Value| axum::Json(v).into_response();
    match parts[..] {
        ["me"] if threads => {
            let mut v = t.threads_profile.clone();
            v["id"] = json!(THREADS_ID);
            v["username"] = json!(USERNAME);
            json(v)
        }
        [id] if id == PAGE_ID => json(json!({"id": PAGE_ID, "name": PAGE_NAME})),
        [id] if id == IG_ID => json(json!({"id": IG_ID, "username": USERNAME})),
        [id] if state.containers.contains_key(id) => {
            drop(state);
            let mut state = shared.lock();
            let Some(c) = state.containers.get_mut(id) else {
                return missing(t, id);
            };
            let status = if c.published.is_some() {
                "PUBLISHED"
            } else if c.polls_in_progress > 0 {
                c.polls_in_progress -= 1;
                "IN_PROGRESS"
            } else {
                "FINISHED"
            };
            let mut v = if c.net == Net::Threads {
                t.threads_container.clone()
            } else {
                t.ig_container.clone()
            };
            v["id"] = json!(id);
            if c.net == Net::Threads {
                v["status"] = json!(status);
            } else {
                v["status_code"] = json!(status);
                v["status"] = json!(format!("{status}: the media container's state"));
            }
            json(v)
        }
        [page, "feed"] if page == PAGE_ID => {
            let with_comments = fields.contains("comments");
            let since = modifier(&fields, "comments", "since")
                .and_then(|s| s.parse::<i64>().ok())
                .or_else(|| q.get("since").and_then(|s| s.parse().ok()))
                .unwrap_or(0);
            let climit = modifier(&fields, "comments", "limit")
                .and_then(|s| s.parse().ok())
                .unwrap_or(25usize);
            let posts: Vec<Value> = state
                .nodes
                .iter()
                .rev()
                .filter(|n| n.net == Net::Facebook && n.kind == Kind::Post)
                .filter(|n| with_comments || n.created >= since)
                .map(|n| {
                    let mut v = json!({
                        "id": n.id, "created_time": iso(n.created), "message": n.text,
                        "from": {"name": PAGE_NAME, "id": PAGE_ID},
                    });
                    if with_comments {
                        let comments: Vec<Value> = descendants(&state, &n.id)
                            .filter(|c| c.created >= since)
                            .map(|c| shared.fb_comment(&state, c))
                            .collect();
                        let base = format!(
                            "/{version}/{}/comments?filter=stream&since={since}&limit={climit}",
                            n.id
                        );
                        v["comments"] = paged(comments, climit, None, &base);
                    }
                    v
                })
                .collect();
            json(paged(posts, limit, after, &next_base))
        }
        [object, "comments"] if !threads => {
            let Some(node) = state.node(object) else {
                return missing(t, object);
            };
            if node.net == Net::Instagram {
                let mut comments: Vec<Value> = children(&state, object)
                    .map(|c| shared.ig_comment(&state, c, true))
                    .collect();
                comments.reverse();
                return json(paged(comments, limit, after, &next_base));
            }
            let since = q.get("since").and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
            let stream = q.get("filter").is_some_and(|f| f == "stream");
            let mut comments: Vec<&Node> = if stream && node.kind == Kind::Post {
                descendants(&state, object).collect()
            } else {
                children(&state, object).collect()
            };
            comments.retain(|c| c.created >= since);
            if q.get("order").is_some_and(|o| o == "reverse_chronological") {
                comments.reverse();
            }
            let items = comments.iter().map(|c| shared.fb_comment(&state, c)).collect();
            json(paged(items, limit, after, &next_base))
        }
        [page, "conversations"] if page == PAGE_ID => {
            let platform = q.get("platform").map_or("messenger", String::as_str);
            let convs: Vec<Value> = state
                .conversations
                .iter()
                .rev()
                .filter(|c| c.platform == platform)
                .map(|c| {
                    let own = if platform == "instagram" { IG_ID } else { PAGE_ID };
                    let messages: Vec<Value> = c
                        .messages
                        .iter()
                        .rev()
                        .filter_map(|m| state.node(m))
                        .map(|m| {
                            let (name, _) = state.person(&m.author);
                            let mut v = t.fb_message.clone();
                            v["id"] = json!(m.id);
                            v["message"] = json!(m.text);
                            v["created_time"] = json!(iso(m.created));
                            v["from"] = json!({"name": name, "id": m.author, "email": format!("{}@facebook.com", m.author)});
                            v["to"] = json!({"data": [{"id": own, "name": PAGE_NAME}]});
                            if let Some(o) = v.as_object_mut() {
                                o.remove("attachments");
                            }
                            v
                        })
                        .collect();
                    let updated = c
                        .messages
                        .last()
                        .and_then(|m| state.node(m))
                        .map_or(0, |m| m.created);
                    let mut v = t.fb_conversation.clone();
                    v["id"] = json!(c.id);
                    v["updated_time"] = json!(iso(updated));
                    v["message_count"] = json!(c.messages.len());
                    v["messages"] = json!({ "data": messages });
                    v
                })
                .collect();
            json(paged(convs, limit, after, &next_base))
        }
        [ig, "media"] if ig == IG_ID => {
            let with_comments = fields.contains("comments");
            let media: Vec<Value> = state
                .nodes
                .iter()
                .rev()
                .filter(|n| n.net == Net::Instagram && n.kind == Kind::Post && n.author == IG_ID)
                .map(|n| {
                    let mut v = json!({
                        "id": n.id, "caption": n.text, "timestamp": iso(n.created),
                        "permalink": format!("https://www.instagram.com/p/{}/", n.id),
                    });
                    if with_comments {
                        let mut comments: Vec<Value> = children(&state, &n.id)
                            .map(|c| shared.ig_comment(&state, c, true))
                            .collect();
                        comments.reverse();
                        let climit = modifier(&fields, "comments", "limit")
                            .and_then(|s| s.parse().ok())
                            .unwrap_or(25usize);
                        let base = format!("/{version}/{}/comments?limit={climit}", n.id);
                        v["comments"] = paged(comments, climit, None, &base);
                    }
                    v
                })
                .collect();
            json(paged(media, limit, after, &next_base))
        }
        [ig, "tags"] if ig == IG_ID => {
            let tagged: Vec<Value> = state
                .nodes
                .iter()
                .rev()
                .filter(|n| n.tagged)
                .map(|n| {
                    let (_, username) = state.person(&n.author);
                    json!({"id": n.id, "caption": n.text, "timestamp": iso(n.created),
                           "username": username,
                           "permalink": format!("https://www.instagram.com/p/{}/", n.id)})
                })
                .collect();
            json(paged(tagged, limit, after, &next_base))
        }
        [comment, "replies"] if !threads => {
            if state.node(comment).is_none() {
                return missing(t, comment);
            }
            let replies: Vec<Value> = children(&state, comment)
                .map(|r| shared.ig_comment(&state, r, false))
                .collect();
            json(paged(replies, limit, after, &next_base))
        }
        ["me", "threads"] if threads => {
            let posts: Vec<Value> = state
                .nodes
                .iter()
                .rev()
                .filter(|n| n.net == Net::Threads && n.author == THREADS_ID)
                .map(|n| shared.threads_item(&state, n))
                .collect();
            json(paged(posts, limit, after, &next_base))
        }
        ["me", "mentions"] if threads => {
            let posts: Vec<Value> = state
                .nodes
                .iter()
                .rev()
                .filter(|n| n.net == Net::Threads && n.mention)
                .map(|n| shared.threads_item(&state, n))
                .collect();
            json(paged(posts, limit, after, &next_base))
        }
        [post, "conversation"] if threads => {
            if state.node(post).is_none() {
                return missing(t, post);
            }
            let mut items: Vec<Value> = descendants(&state, post)
                .map(|n| shared.threads_item(&state, n))
                .collect();
            if q.get("reverse").is_none_or(|r| r != "false") {
                items.reverse();
            }
            json(paged(items, limit, after, &next_base))
        }
        [post, "replies"] if threads => {
            if state.node(post).is_none() {
                return missing(t, post);
            }
            let items: Vec<Value> = children(&state, post)
                .map(|n| shared.threads_item(&state, n))
                .collect();
            json(paged(items, limit, after, &next_base))
        }
        _ => missing(t, &rest),
    }
}

async fn graph_post(
    With(shared): Shr,
    Path((version, rest)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let f = form(&body);
    let mut state = shared.lock();
    let t = &shared.t;
    let parts: Vec<&str> = rest.split('/').collect();
    let threads = version == "v1.0";
    let created = |id: &str, template: &Value| {
        let mut v = template.clone();
        if let Some(o) = v.as_object_mut() {
            o.retain(|k, _| k == "id");
        }
        v["id"] = json!(id);
        axum::Json(v).into_response()
    };
    let text = f.get("message").cloned().unwrap_or_default();
    match parts[..] {
        [object, "comments"] if !threads => {
            if state.node(object).is_none() {
                return missing(t, object);
            }
            if text.trim().is_empty() {
                return graph_error(t, StatusCode::BAD_REQUEST, 100, 0, "(#100) Missing message or attachment");
            }
            let id = state.insert(Net::Facebook, Kind::Comment, PAGE_ID, &text, Some(object.to_string()), now_secs());
            created(&id, &t.fb_created)
        }
        [page, "feed"] if page == PAGE_ID => {
            let id = state.insert(Net::Facebook, Kind::Post, PAGE_ID, &text, None, now_secs());
            created(&id, &t.fb_created)
        }
        [comment, "replies"] if !threads => {
            if state.node(comment).is_none_or(|n| n.net != Net::Instagram) {
                return missing(t, comment);
            }
            let id = state.insert(Net::Instagram, Kind::Comment, IG_ID, &text, Some(comment.to_string()), now_secs());
            created(&id, &t.ig_created)
        }
        [ig, "media"] if ig == IG_ID => {
            let image = f.get("image_url").cloned().unwrap_or_default();
            if !image.starts_with("https://") {
                return graph_error(t, StatusCode::BAD_REQUEST, 9004, 2_207_052, "The media could not be fetched from this uri");
            }
            state.serial += 1;
            let id = format!("{}", 17_889_455_560_000_000u64 + state.serial);
            state.containers.insert(id.clone(), Container {
                net: Net::Instagram,
                text: f.get("caption").cloned().unwrap_or_default(),
                reply_to: None,
                polls_in_progress: 1,
                published: None,
            });
            created(&id, &t.ig_created)
        }
        [owner, "media_publish" | "threads_publish"] if (owner == IG_ID && !threads) || (owner == "me" && threads) => {
            let creation = f.get("creation_id").cloned().unwrap_or_default();
            let Some(c) = state.containers.get(&creation) else {
                return missing(t, &creation);
            };
            if c.published.is_some() {
                return graph_error(t, StatusCode::BAD_REQUEST, 9007, 2_207_006, "The media has already been published");
            }
            if c.polls_in_progress > 0 {
                return graph_error(t, StatusCode::BAD_REQUEST, 9007, 2_207_027, "Media ID is not available: the media is not ready for publishing, please wait");
            }
            let (net, text, reply_to) = (c.net, c.text.clone(), c.reply_to.clone());
            let author = if net == Net::Threads { THREADS_ID } else { IG_ID };
            let id = state.insert(net, if reply_to.is_some() { Kind::Comment } else { Kind::Post }, author, &text, reply_to, now_secs());
            if let Some(c) = state.containers.get_mut(&creation) {
                c.published = Some(id.clone());
            }
            created(&id, &t.ig_created)
        }
        ["me", "threads"] if threads => {
            let text = f.get("text").cloned().unwrap_or_default();
            let chars: usize = text.chars().map(|c| if c.len_utf8() == 4 { 4 } else { 1 }).sum();
            if text.trim().is_empty() || chars > 500 {
                return graph_error(t, StatusCode::BAD_REQUEST, 100, 2_207_050, "The text is too long (500 characters at most)");
            }
            let reply_to = f.get("reply_to_id").cloned();
            if let Some(r) = &reply_to && state.node(r).is_none() {
                return missing(t, r);
            }
            state.serial += 1;
            let id = format!("{}", 17_889_615_691_000_000u64 + state.serial);
            state.containers.insert(id.clone(), Container {
                net: Net::Threads,
                text,
                reply_to,
                polls_in_progress: 1,
                published: None,
            });
            created(&id, &t.threads_container)
        }
        [reply, "manage_reply"] if threads => {
            let hide = f.get("hide").is_some_and(|h| h == "true");
            match state.index.get(reply).copied() {
                Some(i) => {
                    state.nodes[i].hidden = hide;
                    axum::Json(json!({"success": true})).into_response()
                }
                None => missing(t, reply),
            }
        }
        [id] if !threads => {
            let hide = f.get("is_hidden").or_else(|| f.get("hide")).map(|h| h == "true");
            match (state.index.get(id).copied(), hide) {
                (Some(i), Some(hide)) => {
                    state.nodes[i].hidden = hide;
                    axum::Json(json!({"success": true})).into_response()
                }
                (None, _) => missing(t, id),
                (Some(_), None) => graph_error(t, StatusCode::BAD_REQUEST, 100, 0, "(#100) Nothing to update"),
            }
        }
        _ => missing(t, &rest),
    }
}

async fn graph_delete(
    With(shared): Shr,
    Path((_version, rest)): Path<(String, String)>,
) -> Response {
    let mut state = shared.lock();
    let t = &shared.t;
    let Some(i) = state.index.get(&rest).copied() else {
        return missing(t, &rest);
    };
    let n = &state.nodes[i];
    if n.net == Net::Instagram && n.kind == Kind::Post {
        return graph_error(t, StatusCode::BAD_REQUEST, 3, 0, "(#3) Application does not have the capability to make this API call.");
    }
    let id = n.id.clone();
    state.index.remove(&id);
    // Ids stay positions: the node is emptied, not removed.
    let n = &mut state.nodes[i];
    n.parent = Some("deleted".into());
    n.root = Some("deleted".into());
    n.author = "deleted".into();
    n.net = Net::Facebook;
    n.kind = Kind::Message;
    axum::Json(json!({"success": true})).into_response()
}

async fn threads_refresh(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw);
    if q.get("grant_type").map(String::as_str) != Some("th_refresh_token") {
        return graph_error(&shared.t, StatusCode::BAD_REQUEST, 100, 0, "Invalid grant_type");
    }
    let mut state = shared.lock();
    state.serial += 1;
    let token = format!("THQVJ{:016x}", state.serial * 0x9E37_79B9);
    let lifetime = 60 * 24 * 3600;
    state
        .threads_tokens
        .insert(token.clone(), Some(Instant::now() + Duration::from_secs(lifetime)));
    axum::Json(json!({"access_token": token, "token_type": "bearer", "expires_in": lifetime}))
        .into_response()
}

fn now_secs() -> i64 {
    jiff::Timestamp::now().as_second()
}
