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

use crate::mastodon::conn::{self, Kill};
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
        let app = router(shared.clone());
        let task = tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<Kill>();
            if let Err(e) = axum::serve(conn::KillableListener(listener), service).await {
                tracing::warn!("fake LinkedIn stopped: {e}");
            }
        });
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

type Shr = With<Arc<Shared>>;

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/oauth/v2/accessToken", post(token))
        .route("/rest/organizations/{id}", get(organization))
        .route("/rest/posts", get(list_posts).post(create_post))
        .route("/rest/posts/{urn}", delete(delete_post))
        .route(
            "/rest/socialActions/{urn}/comments",
            get(list_comments).post(create_comment),
        )
        .route(
            "/rest/socialActions/{urn}/comments/{id}",
            delete(delete_comment),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, 0, "NOT_FOUND", "Not Found") })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

fn error(status: StatusCode, service: u32, code: &str, message: &str) -> Response {
    let mut body = json!({"status": status.as_u16(), "code": code, "message": message});
    if service != 0 {
        body["serviceErrorCode"] = json!(service);
    }
    (status, axum::Json(body)).into_response()
}

fn route_of(method: &str, path: &str) -> Option<Route> {
    let comments = path.starts_with("/rest/socialActions/") && path.ends_with("/comments");
    Some(match method {
        "POST" if comments => Route::PostComment,
        "GET" if comments => Route::Comments,
        "POST" if path == "/rest/posts" => Route::CreatePost,
        "GET" if path == "/rest/posts" => Route::Posts,
        _ => return None,
    })
}

async fn guard(With(shared): Shr, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if !path.starts_with("/rest/") {
        return next.run(req).await;
    }
    let h = req.headers();
    let token = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let version = h
        .get("linkedin-version")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let restli = h
        .get("x-restli-protocol-version")
        .and_then(|v| v.to_str().ok())
        == Some("2.0.0");
    let route = route_of(req.method().as_str(), &path);
    let verdict = {
        let mut s = shared.lock();
        let valid = token
            .as_ref()
            .and_then(|t| s.tokens.get(t))
            .is_some_and(|at| at.is_none_or(|at| at > Instant::now()));
        let version_ok = version.as_deref().is_some_and(|v| {
            v.len() == 6 && v.bytes().all(|b| b.is_ascii_digit()) && v >= "202401"
        });
        if !valid {
            Err(error(
                StatusCode::UNAUTHORIZED,
                65600,
                "INVALID_ACCESS_TOKEN",
                "Invalid access token",
            ))
        } else if !version_ok {
            Err(error(
                StatusCode::UPGRADE_REQUIRED,
                0,
                "NONEXISTENT_VERSION",
                "Requested version is not active",
            ))
        } else if !restli {
            Err(error(
                StatusCode::BAD_REQUEST,
                0,
                "ILLEGAL_ARGUMENT",
                "X-Restli-Protocol-Version 2.0.0 is required",
            ))
        } else if s.calls_today >= s.daily_limit {
            Err(error(
                StatusCode::TOO_MANY_REQUESTS,
                0,
                "TOO_MANY_REQUESTS",
                "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
            ))
        } else {
            s.calls_today += 1;
            Ok(route.and_then(|r| s.take_fault(r)))
        }
    };
    match verdict {
        Err(res) => res,
        Ok(Some(Fault::Unavailable)) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            0,
            "SERVICE_UNAVAILABLE",
            "Service Unavailable",
        ),
        Ok(Some(Fault::RateLimited)) => error(
            StatusCode::TOO_MANY_REQUESTS,
            0,
            "TOO_MANY_REQUESTS",
            "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.",
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

fn query(raw: Option<String>) -> HashMap<String, String> {
    raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(&q).ok())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

fn paging(q: &HashMap<String, String>) -> Result<(usize, usize), Response> {
    let num = |name: &str, default: usize| match q.get(name) {
        None => Ok(default),
        Some(v) => v.parse::<usize>().map_err(|_| {
            error(
                StatusCode::BAD_REQUEST,
                0,
                "ILLEGAL_ARGUMENT",
                &format!("Invalid value for param {name}"),
            )
        }),
    };
    let count = num("count", 10)?;
    if count > 100 {
        return Err(error(
            StatusCode::BAD_REQUEST,
            0,
            "ILLEGAL_ARGUMENT",
            "count must be at most 100",
        ));
    }
    Ok((num("start", 0)?, count))
}

fn collection(all: Vec<Value>, start: usize, count: usize) -> Response {
    let total = all.len();
    let elements: Vec<Value> = all.into_iter().skip(start).take(count).collect();
    axum::Json(json!({
        "paging": {"start": start, "count": count, "total": total, "links": []},
        "elements": elements,
    }))
    .into_response()
}

async fn organization(With(shared): Shr, Path(id): Path<String>) -> Response {
    let _ = shared;
    if id != ORG_ID {
        return error(
            StatusCode::FORBIDDEN,
            100,
            "ACCESS_DENIED",
            "Not enough permissions to access organization",
        );
    }
    axum::Json(json!({
        "id": ORG_ID.parse::<u64>().unwrap_or(0),
        "localizedName": "Tend Brand",
        "vanityName": "tend-brand",
        "$URN": ORG,
    }))
    .into_response()
}

async fn list_posts(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw);
    if q.get("q").map(String::as_str) != Some("author") {
        return error(
            StatusCode::BAD_REQUEST,
            0,
            "ILLEGAL_ARGUMENT",
            "finder q=author required",
        );
    }
    let (start, count) = match paging(&q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let author = q.get("author").cloned().unwrap_or_default();
    let s = shared.lock();
    let mut rows: Vec<(&u64, &PostRow)> =
        s.posts.iter().filter(|(_, p)| p.author == author).collect();
    rows.sort_by_key(|(n, p)| std::cmp::Reverse((p.modified_ms, **n)));
    let all = rows
        .into_iter()
        .map(|(n, p)| {
            json!({
                "id": format!("urn:li:share:{n}"),
                "author": p.author,
                "commentary": p.commentary,
                "visibility": "PUBLIC",
                "lifecycleState": "PUBLISHED",
                "isReshareDisabledByAuthor": false,
                "createdAt": p.created_ms,
                "publishedAt": p.created_ms,
                "lastModifiedAt": p.modified_ms,
                "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
                "lifecycleStateInfo": {"isEditedByAuthor": false}
            })
        })
        .collect();
    collection(all, start, count)
}

async fn create_post(With(shared): Shr, body: Bytes) -> Response {
    let mut s = shared.lock();
    s.post_creates += 1;
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            0,
            "ILLEGAL_ARGUMENT",
            "Unparseable body",
        );
    };
    let author = v["author"].as_str().unwrap_or_default().to_string();
    if author != ORG {
        return error(
            StatusCode::FORBIDDEN,
            100,
            "ACCESS_DENIED",
            "Not enough permissions to post as this author",
        );
    }
    let kept = little_text_kept(v["commentary"].as_str().unwrap_or_default());
    if s.posts
        .values()
        .any(|p| p.author == author && p.commentary == kept)
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            0,
            "DUPLICATE_POST",
            "Content is a duplicate of urn:li:share:0",
        );
    }
    let n = s.next();
    let at = s.now();
    s.posts.insert(
        n,
        PostRow {
            author,
            commentary: kept,
            created_ms: at,
            modified_ms: at,
        },
    );
    let mut res = StatusCode::CREATED.into_response();
    if let Ok(v) = HeaderValue::from_str(&format!("urn:li:share:{n}")) {
        res.headers_mut().insert("x-restli-id", v);
    }
    res
}

async fn delete_post(With(shared): Shr, Path(urn): Path<String>) -> Response {
    let mut s = shared.lock();
    match post_number(&urn).and_then(|n| s.posts.remove(&n).map(|_| n)) {
        Some(n) => {
            s.comments.retain(|_, c| c.post != n);
            StatusCode::NO_CONTENT.into_response()
        }
        None => error(StatusCode::NOT_FOUND, 0, "NOT_FOUND", "Not Found"),
    }
}

/// The (post, parent comment) a `socialActions/{urn}` names.
fn target(s: &State, urn: &str) -> Option<(u64, Option<u64>)> {
    if let Some((post, c)) = comment_numbers(urn) {
        return s
            .comments
            .get(&c)
            .filter(|row| row.post == post)
            .map(|_| (post, Some(c)));
    }
    post_number(urn)
        .filter(|n| s.posts.contains_key(n))
        .map(|n| (n, None))
}

async fn list_comments(
    With(shared): Shr,
    Path(urn): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = query(raw);
    let (start, count) = match paging(&q) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let s = shared.lock();
    let Some((post, parent)) = target(&s, &urn) else {
        return error(StatusCode::NOT_FOUND, 0, "NOT_FOUND", "Not Found");
    };
    let all = s
        .comments
        .iter()
        .filter(|(_, c)| c.post == post && c.parent == parent)
        .map(|(id, c)| s.comment_json(*id, c))
        .collect();
    collection(all, start, count)
}

async fn create_comment(With(shared): Shr, Path(urn): Path<String>, body: Bytes) -> Response {
    let mut s = shared.lock();
    s.comment_posts += 1;
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            0,
            "ILLEGAL_ARGUMENT",
            "Unparseable body",
        );
    };
    let Some((post, parent)) = target(&s, &urn) else {
        return error(StatusCode::NOT_FOUND, 0, "NOT_FOUND", "Not Found");
    };
    let actor = v["actor"].as_str().unwrap_or_default().to_string();
    if actor != ORG {
        return error(
            StatusCode::FORBIDDEN,
            100,
            "ACCESS_DENIED",
            "Not enough permissions to comment as this actor",
        );
    }
    let object_ok = v["object"].as_str().and_then(post_number) == Some(post);
    let parent_named = v["parentComment"]
        .as_str()
        .and_then(comment_numbers)
        .map(|(_, c)| c);
    if !object_ok || parent_named != parent {
        return error(
            StatusCode::BAD_REQUEST,
            0,
            "ILLEGAL_ARGUMENT",
            "object/parentComment do not match the path",
        );
    }
    let Some(text) = v["message"]["text"]
        .as_str()
        .filter(|t| !t.trim().is_empty())
    else {
        return error(
            StatusCode::BAD_REQUEST,
            0,
            "ILLEGAL_ARGUMENT",
            "message.text is required",
        );
    };
    // LinkedIn nests one level: a reply to a reply hangs under its parent.
    let parent = parent.map(|p| s.comments.get(&p).and_then(|c| c.parent).unwrap_or(p));
    let id = s.comment(post, &actor, text, parent);
    let row = s
        .comments
        .get(&id)
        .map(|c| s.comment_json(id, c))
        .unwrap_or(Value::Null);
    let mut res = (StatusCode::CREATED, axum::Json(row)).into_response();
    if let Ok(h) = HeaderValue::from_str(&comment_urn(post, id)) {
        res.headers_mut().insert("x-restli-id", h);
    }
    res
}

async fn delete_comment(
    With(shared): Shr,
    Path((urn, id)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = query(raw);
    let mut s = shared.lock();
    let (Some(post), Ok(id)) = (post_number(&urn), id.parse::<u64>()) else {
        return error(StatusCode::NOT_FOUND, 0, "NOT_FOUND", "Not Found");
    };
    match s.comments.get(&id) {
        Some(c) if c.post == post => {
            if q.get("actor") != Some(&c.actor) {
                return error(
                    StatusCode::FORBIDDEN,
                    100,
                    "ACCESS_DENIED",
                    "Not enough permissions to delete this comment",
                );
            }
            s.comments.retain(|k, c| *k != id && c.parent != Some(id));
            StatusCode::NO_CONTENT.into_response()
        }
        _ => error(StatusCode::NOT_FOUND, 0, "NOT_FOUND", "Not Found"),
    }
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
            axum::Json(json!({"error": e, "error_description": d})),
        )
            .into_response()
    };
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return refused(
            "invalid_request",
            "A required parameter \"grant_type\" is missing",
        );
    }
    if form.get("client_id").map(String::as_str) != Some("86tendfakeclient")
        || form.get("client_secret").map(String::as_str) != Some("fake-secret")
    {
        return refused("invalid_client", "Client authentication failed");
    }
    let mut s = shared.lock();
    let Some(refresh) = form
        .get("refresh_token")
        .filter(|r| s.refresh_tokens.contains_key(*r))
        .cloned()
    else {
        return refused(
            "invalid_grant",
            "The provided authorization grant or refresh token is invalid, expired or revoked",
        );
    };
    let access = s.secret("AQV");
    let lifetime = s.token_lifetime;
    s.tokens
        .insert(access.clone(), Some(Instant::now() + lifetime));
    axum::Json(json!({
        "access_token": access,
        "expires_in": lifetime.as_secs(),
        "refresh_token": refresh,
        "refresh_token_expires_in": 31_536_000,
        "scope": "r_organization_social,w_organization_social,rw_organization_admin"
    }))
    .into_response()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
