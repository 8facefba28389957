//! A fake Stack Exchange API 2.3 for tests (the real one is a remote
//! service with a daily quota): an axum server on a loopback port serving
//! one site, `stackoverflow`, from memory.
//!
//! Its JSON follows the documented shapes in `payloads/stackexchange/`
//! (written after the API's documentation: no licensed recording exists),
//! and it keeps the API's rules:
//! - **Compression**: every answer is gzip-compressed
//!   (`Content-Encoding: gzip`), as the real API's.
//! - **Wrapper**: `items`, `has_more`, `quota_max`, `quota_remaining`, and
//!   `backoff` when a test asks for one.
//! - **Quota**: 300 requests a day without a key, 10,000 with one; each
//!   request spends one; at zero, `error_id` 502 `throttle_violation`
//!   naming the seconds until the reset.
//! - **Backoff**: after an answer carrying `backoff: N`, calling the same
//!   method within N seconds is a `throttle_violation`.
//! - **Parameters**: `site` must be the fake's; a wrong `key` is 400
//!   `bad_parameter` "key"; `pagesize` at most 100; `filter=withbody` adds
//!   `body`; `sort` (`activity`, `creation`), `order`, `min`/`max` on the
//!   sort field, `fromdate`/`todate` on the creation date, `tagged` (`;`
//!   between tags = all of them), `page`.
//! - **Activity**: a question's `last_activity_date` moves with its edits
//!   and its answers' creation and edits; comments do not move it.
//!
//! Faults are injected for the next requests of a [`Route`]: 503
//! `temporarily_unavailable`, and a throttle with a wait.

// Helpers answer early with the error `Response` itself, as handlers do.
#![allow(clippy::result_large_err)]

use axum::Router;
use axum::extract::{Path, RawQuery, State as With};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

/// The only site the fake serves.
pub const SITE: &str = "stackoverflow";

/// The fake API, running until dropped.
pub struct FakeStackExchange {
    /// Its base URL (`http://127.0.0.1:PORT/2.3`).
    pub url: String,
    /// A valid app key.
    pub key: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// A route faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `GET /questions`.
    Questions,
    /// `GET /questions/{ids}/answers`.
    Answers,
    /// `GET /posts/{ids}/comments`.
    Comments,
    /// `GET /info`.
    Info,
}

/// A fault for the next requests of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503 with `error_id` 503 `temporarily_unavailable`.
    Unavailable,
    /// `error_id` 502 `throttle_violation`, "more requests available in N
    /// seconds".
    Throttled {
        /// The wait named in the message.
        secs: u64,
    },
}

struct Shared {
    key: String,
    templates: Templates,
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Templates {
    question: Value,
    answer: Value,
    comment: Value,
}

#[derive(Clone)]
struct User {
    id: i64,
    name: String,
}

struct Question {
    id: u64,
    title: String,
    body: String,
    owner: User,
    tags: Vec<String>,
    created: i64,
    activity: i64,
    edited: Option<i64>,
}

struct Answer {
    id: u64,
    question: u64,
    body: String,
    owner: User,
    created: i64,
    activity: i64,
    edited: Option<i64>,
}

struct Comment {
    id: u64,
    post: u64,
    body: String,
    owner: User,
    created: i64,
}

#[derive(Default)]
struct State {
    users: HashMap<String, User>,
    questions: BTreeMap<u64, Question>,
    answers: BTreeMap<u64, Answer>,
    comments: BTreeMap<u64, Comment>,
    next_post: u64,
    next_comment: u64,
    /// Per key ("" without one): requests left today.
    quota: HashMap<String, u64>,
    /// A backoff to announce on the next answer of a method.
    announce: HashMap<&'static str, u64>,
    /// Per method: not before this moment.
    barred: HashMap<&'static str, Instant>,
    faults: HashMap<Route, (Fault, usize)>,
    /// Requests per method.
    calls: HashMap<&'static str, usize>,
}

impl State {
    fn user(&mut self, name: &str) -> User {
        let next = 500 + self.users.len() as i64;
        self.users
            .entry(name.to_string())
            .or_insert_with(|| User {
                id: next,
                name: name.to_string(),
            })
            .clone()
    }

    fn next_post(&mut self) -> u64 {
        self.next_post += 1;
        77_000_000 + self.next_post
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

fn now() -> i64 {
    jiff::Timestamp::now().as_second()
}

impl FakeStackExchange {
    /// Starts the server on a free loopback port.
    pub async fn start() -> anyhow::Result<FakeStackExchange> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/2.3", listener.local_addr()?);
        let first = |json: &str| -> anyhow::Result<Value> {
            let v: Value = serde_json::from_str(json)?;
            v["items"]
                .get(0)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!("no item in a template"))
        };
        let templates = Templates {
            question: first(include_str!("../payloads/stackexchange/question.json"))?,
            answer: first(include_str!("../payloads/stackexchange/answer.json"))?,
            comment: first(include_str!("../payloads/stackexchange/comment.json"))?,
        };
        let key = format!("key{:x}((", now().wrapping_mul(0x9E37_79B9));
        let shared = Arc::new(Shared {
            key: key.clone(),
            templates,
            state: Mutex::new(State::default()),
        });
        let app = Router::new()
            .route("/2.3/info", get(info))
            .route("/2.3/questions", get(questions))
            .route("/2.3/questions/{ids}/answers", get(answers))
            .route("/2.3/posts/{ids}/comments", get(comments))
            .fallback(|| async {
                error(
                    StatusCode::NOT_FOUND,
                    404,
                    "no_method",
                    "no method found with this name",
                )
            })
            .with_state(shared.clone());
        let task = tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::warn!("fake Stack Exchange stopped: {e}");
            }
        });
        Ok(FakeStackExchange {
            url,
            key,
            shared,
            task,
        })
    }

    /// A member asks a question with `tags`; answers its id.
    pub fn ask(&self, from: &str, title: &str, body: &str, tags: &[&str]) -> u64 {
        self.ask_at(from, title, body, tags, now())
    }

    /// Like [`FakeStackExchange::ask`], `ago` seconds in the past.
    pub fn ask_ago(&self, from: &str, title: &str, body: &str, tags: &[&str], ago: i64) -> u64 {
        self.ask_at(from, title, body, tags, now() - ago)
    }

    fn ask_at(&self, from: &str, title: &str, body: &str, tags: &[&str], at: i64) -> u64 {
        let mut state = self.shared.lock();
        let owner = state.user(from);
        let id = state.next_post();
        state.questions.insert(
            id,
            Question {
                id,
                title: title.to_string(),
                body: body.to_string(),
                owner,
                tags: tags.iter().map(|t| t.to_string()).collect(),
                created: at,
                activity: at,
                edited: None,
            },
        );
        id
    }

    /// A member answers question `question`; answers the answer's id.
    pub fn answer(&self, from: &str, question: u64, body: &str) -> u64 {
        let mut state = self.shared.lock();
        let owner = state.user(from);
        let id = state.next_post();
        let at = now();
        if let Some(q) = state.questions.get_mut(&question) {
            q.activity = q.activity.max(at);
        }
        state.answers.insert(
            id,
            Answer {
                id,
                question,
                body: body.to_string(),
                owner,
                created: at,
                activity: at,
                edited: None,
            },
        );
        id
    }

    /// A member comments on post `post` (a question or an answer); answers
    /// the comment's id. The question's activity does not move.
    pub fn comment(&self, from: &str, post: u64, body: &str) -> u64 {
        let mut state = self.shared.lock();
        let owner = state.user(from);
        state.next_comment += 1;
        let id = 136_000_000 + state.next_comment;
        state.comments.insert(
            id,
            Comment {
                id,
                post,
                body: body.to_string(),
                owner,
                created: now(),
            },
        );
        id
    }

    /// Post `id` (a question or an answer) is edited `secs_later` seconds
    /// from now (a later second than anything read so far).
    pub fn edit(&self, id: u64, body: &str, secs_later: i64) -> bool {
        let mut state = self.shared.lock();
        let at = now() + secs_later;
        if let Some(q) = state.questions.get_mut(&id) {
            q.body = body.to_string();
            q.edited = Some(at);
            q.activity = q.activity.max(at);
            return true;
        }
        let Some(a) = state.answers.get_mut(&id) else {
            return false;
        };
        a.body = body.to_string();
        a.edited = Some(at);
        a.activity = a.activity.max(at);
        let question = a.question;
        if let Some(q) = state.questions.get_mut(&question) {
            q.activity = q.activity.max(at);
        }
        true
    }

    /// `n` questions tagged `tag` by rotating members, in the past, one a
    /// second; answers their ids, oldest first.
    pub fn seed_questions(&self, n: usize, tag: &str) -> Vec<u64> {
        let start = now() - n as i64 - 10;
        (0..n)
            .map(|i| {
                self.ask_at(
                    &format!("member{}", i % 37),
                    &format!("Seeded question {i}"),
                    &format!("<p>How do I do thing {i}?</p>"),
                    &[tag],
                    start + i as i64,
                )
            })
            .collect()
    }

    /// Sets the requests left today for `key` (None: without a key).
    pub fn set_quota_remaining(&self, key: Option<&str>, left: u64) {
        self.shared
            .lock()
            .quota
            .insert(key.unwrap_or_default().to_string(), left);
    }

    /// The next answer of `method` (`questions`, `answers`, `comments`,
    /// `info`) carries `backoff: secs`.
    pub fn backoff_next(&self, method: &'static str, secs: u64) {
        self.shared.lock().announce.insert(method, secs);
    }

    /// Makes the next `n` requests of `route` fail with `fault`.
    pub fn fail_next(&self, route: Route, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(route, (fault, n));
    }

    /// How many requests `method` got.
    pub fn calls(&self, method: &str) -> usize {
        let state = self.shared.lock();
        state
            .calls
            .iter()
            .filter(|(m, _)| **m == method)
            .map(|(_, n)| *n)
            .sum()
    }
}

impl Drop for FakeStackExchange {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A gzip-compressed JSON answer, as the API sends every answer.
fn gzipped(status: StatusCode, value: &Value) -> Response {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let body = match enc
        .write_all(value.to_string().as_bytes())
        .and_then(|()| enc.finish())
    {
        Ok(bytes) => bytes,
        Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    };
    let mut res = (status, body).into_response();
    let headers = res.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    res
}

fn error(status: StatusCode, id: u64, name: &str, message: &str) -> Response {
    gzipped(
        status,
        &json!({"error_id": id, "error_message": message, "error_name": name}),
    )
}

fn bad_parameter(name: &str) -> Response {
    error(StatusCode::BAD_REQUEST, 400, "bad_parameter", name)
}

fn throttled(message: &str) -> Response {
    error(StatusCode::BAD_REQUEST, 502, "throttle_violation", message)
}

/// The query, checked as the API checks it, and the request's quota spent.
struct Ask {
    q: HashMap<String, String>,
    body: bool,
    quota_key: String,
}

impl Ask {
    fn num(&self, key: &str) -> Option<i64> {
        self.q.get(key).and_then(|v| v.parse().ok())
    }
}

/// Checks the request and spends its quota; `Err` is the answer to send.
fn admit(
    shared: &Shared,
    raw: Option<String>,
    method: &'static str,
    route: Route,
) -> Result<(Ask, u64), Response> {
    let pairs: Vec<(String, String)> = raw
        .and_then(|q| serde_urlencoded::from_str(&q).ok())
        .unwrap_or_default();
    let q: HashMap<String, String> = pairs.into_iter().collect();
    let mut state = shared.lock();
    *state.calls.entry(method).or_default() += 1;
    if q.get("site").map(String::as_str) != Some(SITE) {
        return Err(bad_parameter("site"));
    }
    let quota_key = match q.get("key") {
        Some(k) if *k == shared.key => k.clone(),
        Some(_) => return Err(bad_parameter("key")),
        None => String::new(),
    };
    let max = if quota_key.is_empty() { 300 } else { 10_000 };
    let left = state.quota.entry(quota_key.clone()).or_insert(max);
    if *left == 0 {
        let secs = 86_400 - now().rem_euclid(86_400);
        return Err(throttled(&format!(
            "too many requests from this IP, more requests available in {secs} seconds"
        )));
    }
    *left -= 1;
    let left = *left;
    if let Some(until) = state.barred.get(method)
        && Instant::now() < *until
    {
        return Err(throttled("Violation of backoff parameter"));
    }
    match state.take_fault(route) {
        Some(Fault::Unavailable) => {
            return Err(error(
                StatusCode::SERVICE_UNAVAILABLE,
                503,
                "temporarily_unavailable",
                "The service is temporarily unavailable",
            ));
        }
        Some(Fault::Throttled { secs }) => {
            return Err(throttled(&format!(
                "too many requests from this IP, more requests available in {secs} seconds"
            )));
        }
        None => {}
    }
    let body = match q.get("filter").map(String::as_str) {
        None | Some("default") => false,
        Some("withbody") => true,
        Some(_) => return Err(bad_parameter("filter")),
    };
    if q.get("pagesize")
        .and_then(|p| p.parse::<i64>().ok())
        .is_some_and(|p| !(0..=100).contains(&p))
    {
        return Err(bad_parameter("pagesize"));
    }
    Ok((Ask { q, body, quota_key }, left))
}

/// The wrapper around one page of `items` (each with its sort value and
/// creation date), sorted, filtered by `min`/`max`/`fromdate`/`todate`, paged.
fn page(
    shared: &Shared,
    ask: &Ask,
    left: u64,
    method: &'static str,
    mut items: Vec<(i64, i64, Value)>,
) -> Response {
    let (min, max) = (ask.num("min"), ask.num("max"));
    let (from, to) = (ask.num("fromdate"), ask.num("todate"));
    items.retain(|(sort, created, _)| {
        min.is_none_or(|m| *sort >= m)
            && max.is_none_or(|m| *sort <= m)
            && from.is_none_or(|f| *created >= f)
            && to.is_none_or(|t| *created <= t)
    });
    let asc = ask.q.get("order").map(String::as_str) == Some("asc");
    items.sort_by(|a, b| if asc { a.0.cmp(&b.0) } else { b.0.cmp(&a.0) });
    let size = ask.num("pagesize").unwrap_or(30).clamp(1, 100) as usize;
    let number = ask.num("page").unwrap_or(1).max(1) as usize;
    let skip = (number - 1).saturating_mul(size);
    let has_more = items.len() > skip.saturating_add(size);
    let chosen: Vec<Value> = items
        .into_iter()
        .skip(skip)
        .take(size)
        .map(|(_, _, mut v)| {
            if !ask.body
                && let Some(obj) = v.as_object_mut()
            {
                obj.remove("body");
            }
            v
        })
        .collect();
    let mut wrapper = json!({
        "items": chosen,
        "has_more": has_more,
        "quota_max": if ask.quota_key.is_empty() { 300 } else { 10_000 },
        "quota_remaining": left,
    });
    let mut state = shared.lock();
    if let Some(secs) = state.announce.remove(method) {
        wrapper["backoff"] = json!(secs);
        state.barred.insert(
            method,
            Instant::now() + std::time::Duration::from_secs(secs),
        );
    }
    gzipped(StatusCode::OK, &wrapper)
}

fn owner(template: &Value, u: &User) -> Value {
    let mut o = template["owner"].clone();
    o["user_id"] = json!(u.id);
    o["account_id"] = json!(u.id + 1000);
    o["display_name"] = json!(u.name);
    o["link"] = json!(format!(
        "https://stackoverflow.com/users/{}/{}",
        u.id, u.name
    ));
    o
}

fn sort_key(ask: &Ask, activity: i64, created: i64) -> i64 {
    match ask.q.get("sort").map(String::as_str) {
        Some("creation") => created,
        _ => activity,
    }
}

async fn info(With(shared): With<Arc<Shared>>, RawQuery(raw): RawQuery) -> Response {
    let (ask, left) = match admit(&shared, raw, "info", Route::Info) {
        Ok(a) => a,
        Err(res) => return res,
    };
    let state = shared.lock();
    let item = json!({
        "total_questions": state.questions.len(),
        "total_answers": state.answers.len(),
        "total_comments": state.comments.len(),
        "api_revision": "2024.1.1.1",
        "site": {"api_site_parameter": SITE, "name": "Stack Overflow", "site_url": "https://stackoverflow.com"}
    });
    drop(state);
    page(&shared, &ask, left, "info", vec![(0, 0, item)])
}

async fn questions(With(shared): With<Arc<Shared>>, RawQuery(raw): RawQuery) -> Response {
    let (ask, left) = match admit(&shared, raw, "questions", Route::Questions) {
        Ok(a) => a,
        Err(res) => return res,
    };
    let tagged: Vec<String> = ask
        .q
        .get("tagged")
        .map(|t| t.split(';').map(str::to_string).collect())
        .unwrap_or_default();
    let state = shared.lock();
    let t = &shared.templates.question;
    let items: Vec<(i64, i64, Value)> = state
        .questions
        .values()
        .filter(|q| tagged.iter().all(|tag| q.tags.contains(tag)))
        .map(|q| {
            let mut v = t.clone();
            v["question_id"] = json!(q.id);
            v["title"] = json!(q.title);
            v["body"] = json!(q.body);
            v["tags"] = json!(q.tags);
            v["owner"] = owner(t, &q.owner);
            v["creation_date"] = json!(q.created);
            v["last_activity_date"] = json!(q.activity);
            if let Some(e) = q.edited {
                v["last_edit_date"] = json!(e);
            }
            let n = state
                .answers
                .values()
                .filter(|a| a.question == q.id)
                .count();
            v["answer_count"] = json!(n);
            v["is_answered"] = json!(n > 0);
            v["link"] = json!(format!("https://stackoverflow.com/questions/{}/q", q.id));
            (sort_key(&ask, q.activity, q.created), q.created, v)
        })
        .collect();
    drop(state);
    page(&shared, &ask, left, "questions", items)
}

fn ids(param: &str) -> Option<Vec<u64>> {
    let list: Option<Vec<u64>> = param.split(';').map(|s| s.parse().ok()).collect();
    list.filter(|l| !l.is_empty() && l.len() <= 100)
}

async fn answers(
    With(shared): With<Arc<Shared>>,
    Path(param): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (ask, left) = match admit(&shared, raw, "answers", Route::Answers) {
        Ok(a) => a,
        Err(res) => return res,
    };
    let Some(wanted) = ids(&param) else {
        return bad_parameter("ids");
    };
    let state = shared.lock();
    let t = &shared.templates.answer;
    let items: Vec<(i64, i64, Value)> = state
        .answers
        .values()
        .filter(|a| wanted.contains(&a.question))
        .map(|a| {
            let mut v = t.clone();
            v["answer_id"] = json!(a.id);
            v["question_id"] = json!(a.question);
            v["body"] = json!(a.body);
            v["owner"] = owner(t, &a.owner);
            v["creation_date"] = json!(a.created);
            v["last_activity_date"] = json!(a.activity);
            if let Some(e) = a.edited {
                v["last_edit_date"] = json!(e);
            }
            (sort_key(&ask, a.activity, a.created), a.created, v)
        })
        .collect();
    drop(state);
    page(&shared, &ask, left, "answers", items)
}

async fn comments(
    With(shared): With<Arc<Shared>>,
    Path(param): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let (ask, left) = match admit(&shared, raw, "comments", Route::Comments) {
        Ok(a) => a,
        Err(res) => return res,
    };
    let Some(wanted) = ids(&param) else {
        return bad_parameter("ids");
    };
    let state = shared.lock();
    let t = &shared.templates.comment;
    let items: Vec<(i64, i64, Value)> = state
        .comments
        .values()
        .filter(|c| wanted.contains(&c.post))
        .map(|c| {
            let mut v = t.clone();
            v["comment_id"] = json!(c.id);
            v["post_id"] = json!(c.post);
            v["body"] = json!(c.body);
            v["owner"] = owner(t, &c.owner);
            v["creation_date"] = json!(c.created);
            (c.created, c.created, v)
        })
        .collect();
    drop(state);
    page(&shared, &ask, left, "comments", items)
}
