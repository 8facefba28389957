//! The fake Reddit's HTTP: one guard in front of the API (User-Agent, bearer
//! token, rate limit, faults, `X-Ratelimit-*` headers), the token endpoint,
//! the listings, the writes and moderation, and the JSON made from the
//! recorded payloads.

// Helpers answer early with the error `Response` itself, as handlers do.
#![allow(clippy::result_large_err)]

use super::{BRAND, Fault, Route, Shared, State, Thing, WINDOW_SECS, now_secs};
use crate::killable::Kill;
use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State as With};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

type Shr = With<Arc<Shared>>;

/// The recorded answers the fake's JSON is made from.
pub(super) struct Templates {
    comment: Value,
    submission: Value,
    message: Value,
    me: Value,
    too_many: String,
}

fn recorded(json: &str, interaction: usize, key: &str) -> anyhow::Result<Value> {
    let all: Value = serde_json::from_str(json)?;
    all.get(interaction)
        .and_then(|i| i.get(key))
        .cloned()
        .context("recorded interaction missing")
}

impl Templates {
    pub(super) fn load() -> anyhow::Result<Templates> {
        let reply = recorded(
            include_str!("../../payloads/reddit/praw__TestComment.test_reply.json"),
            1,
            "response_body_json",
        )?;
        let comment = reply["json"]["data"]["things"][0]["data"].clone();
        let inbox = recorded(
            include_str!("../../payloads/reddit/praw__TestInbox.test_mark_unread.json"),
            1,
            "response_body_json",
        )?;
        let message = inbox["data"]["children"][0]["data"].clone();
        let thread: Value = serde_json::from_str(include_str!(
            "../../payloads/reddit/comments_2gmzqe_redditdev.json"
        ))?;
        let submission = thread[0]["data"]["children"][0]["data"].clone();
        let me = recorded(
            include_str!("../../payloads/reddit/praw__TestUser.test_me.json"),
            1,
            "response_body_json",
        )?;
        let too_many = recorded(
            include_str!(
                "../../payloads/reddit/prawcore__TestSession.test_request__too__many_requests__with_retry_headers.json"
            ),
            1,
            "response_body_text",
        )?
        .as_str()
        .unwrap_or_default()
        .to_string();
        anyhow::ensure!(
            comment.is_object() && message.is_object() && submission.is_object(),
            "templates missing"
        );
        Ok(Templates {
            comment,
            submission,
            message,
            me,
            too_many,
        })
    }

    /// A thing's JSON; `inbox` adds what `/message/inbox` shows of a comment.
    fn thing(&self, state: &State, t: &Thing, inbox: bool) -> Value {
        let name = t.name();
        let id = name.split_once('_').map_or("", |(_, id)| id).to_string();
        let author = if t.deleted { "[deleted]" } else { &t.author };
        let body = if t.deleted {
            "[deleted]".to_string()
        } else if t.removed {
            "[removed]".to_string()
        } else {
            t.body.clone()
        };
        let html = format!("<div class=\"md\"><p>{}</p>\n</div>", escape(&body));
        let edited = t.edited.map_or(json!(false), |e| json!(e.floor()));
        let link36 = t
            .link
            .as_deref()
            .and_then(|l| l.split_once('_'))
            .map_or(id.clone(), |(_, l)| l.to_string());
        let permalink = format!("/r/{}/comments/{link36}/x/{id}/", t.sub);
        let mut v = match t.prefix {
            "t3" => {
                let mut v = self.submission.clone();
                let n = state
                    .things
                    .values()
                    .filter(|c| c.link.as_deref() == Some(name.as_str()) && !c.gone())
                    .count();
                set(&mut v, "title", json!(t.title));
                set(&mut v, "selftext", json!(body));
                set(&mut v, "selftext_html", json!(html));
                set(&mut v, "num_comments", json!(n));
                set(&mut v, "locked", json!(t.locked));
                set(
                    &mut v,
                    "removed_by_category",
                    json!(if t.deleted {
                        Some("deleted")
                    } else if t.removed {
                        Some("moderator")
                    } else {
                        None
                    }),
                );
                let permalink = format!("/r/{}/comments/{id}/x/", t.sub);
                set(
                    &mut v,
                    "url",
                    json!(format!("https://www.reddit.com{permalink}")),
                );
                set(&mut v, "permalink", json!(permalink));
                v
            }
            "t4" => {
                let mut v = self.message.clone();
                set(&mut v, "subject", json!(t.title));
                set(&mut v, "parent_id", json!(t.parent));
                set(&mut v, "first_message_name", json!(t.first_message));
                set(&mut v, "first_message", Value::Null);
                set(&mut v, "dest", json!(t.dest));
                set(&mut v, "subreddit", Value::Null);
                set(&mut v, "subreddit_name_prefixed", Value::Null);
                set(&mut v, "new", json!(true));
                set(&mut v, "distinguished", Value::Null);
                set(&mut v, "body_html", json!(html));
                v
            }
            _ => {
                let mut v = self.comment.clone();
                set(&mut v, "parent_id", json!(t.parent));
                set(&mut v, "link_id", json!(t.link));
                set(&mut v, "edited", edited.clone());
                set(&mut v, "permalink", json!(permalink));
                set(&mut v, "locked", json!(t.locked));
                set(&mut v, "body_html", json!(html));
                if let Some(kind) = inbox.then(|| state.inbox_type(t)).flatten() {
                    // The inbox shows a comment as a message: no link_id or
                    // permalink, a context link instead.
                    if let Some(obj) = v.as_object_mut() {
                        obj.remove("link_id");
                        obj.remove("permalink");
                    }
                    set(&mut v, "type", json!(kind));
                    set(&mut v, "was_comment", json!(true));
                    set(&mut v, "context", json!(format!("{permalink}?context=3")));
                    set(&mut v, "subject", json!(kind.replace('_', " ")));
                    set(&mut v, "new", json!(true));
                    set(&mut v, "dest", json!(BRAND));
                }
                v
            }
        };
        set(&mut v, "id", json!(id));
        set(&mut v, "name", json!(name));
        set(&mut v, "author", json!(author));
        set(&mut v, "body", json!(body));
        if t.prefix != "t4" {
            set(&mut v, "subreddit", json!(t.sub));
            set(&mut v, "edited", edited);
        }
        set(&mut v, "created", json!(t.created.floor()));
        set(&mut v, "created_utc", json!(t.created.floor()));
        set(&mut v, "score", json!(1));
        v
    }
}

fn set(v: &mut Value, key: &str, value: Value) {
    if let Some(obj) = v.as_object_mut() {
        obj.insert(key.to_string(), value);
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/access_token", post(token))
        .route("/api/v1/me", get(me))
        .route("/message/inbox", get(inbox))
        .route("/r/{sub}/comments", get(sub_comments))
        .route("/r/{sub}/new", get(sub_new))
        .route("/user/{name}/comments", get(user_comments))
        .route("/user/{name}/submitted", get(user_submitted))
        .route("/api/info", get(info))
        .route("/api/comment", post(comment))
        .route("/api/submit", post(submit))
        .route("/api/del", post(del))
        .route("/api/remove", post(moderate))
        .route("/api/approve", post(moderate))
        .route("/api/lock", post(moderate))
        .fallback(|| async { reddit_error(StatusCode::NOT_FOUND, "Not Found") })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

fn reddit_error(status: StatusCode, message: &str) -> Response {
    (
        status,
        axum::Json(json!({"message": message, "error": status.as_u16()})),
    )
        .into_response()
}

fn route_of(method: &Method, path: &str) -> Option<Route> {
    Some(match (method.as_str(), path) {
        ("POST", "/api/v1/access_token") => Route::Token,
        ("POST", "/api/comment") => Route::Comment,
        ("POST", "/api/submit") => Route::Submit,
        ("POST", "/api/del") => Route::Delete,
        ("GET", "/api/v1/me") => Route::Me,
        ("GET", _) => Route::Listing,
        _ => return None,
    })
}

async fn guard(With(shared): Shr, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let route = route_of(req.method(), &path);
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("bearer ")
                .or_else(|| v.strip_prefix("Bearer "))
        })
        .map(|t| t.trim().to_string());
    let is_token_endpoint = route == Some(Route::Token);
    let (used, remaining, reset, verdict) = {
        let mut state = shared.lock();
        state.user_agents.push(agent.clone());
        let now = Instant::now();
        let limit = state.rate_limit;
        let window = match state.window {
            Some((used, ends)) if ends > now => (used, ends),
            _ => (0, now + Duration::from_secs(WINDOW_SECS)),
        };
        let (mut used, ends) = window;
        let verdict = if agent.trim().is_empty() || used >= limit {
            Err(too_many(&shared, (ends - now).as_secs().max(1)))
        } else {
            used += 1;
            let valid = token
                .as_ref()
                .and_then(|t| state.tokens.get(t))
                .is_some_and(|expiry| *expiry > now);
            if !valid && !is_token_endpoint {
                Err(unauthorized())
            } else {
                Ok(route.and_then(|r| state.take_fault(r)))
            }
        };
        state.window = Some((used, ends));
        let reset = (ends - now).as_secs();
        (used, limit.saturating_sub(used), reset, verdict)
    };
    let mut res = match verdict {
        Err(res) => res,
        Ok(Some(Fault::Unavailable)) => {
            (StatusCode::SERVICE_UNAVAILABLE, "upstream request timeout").into_response()
        }
        Ok(Some(Fault::RateLimited { retry_after_secs })) => too_many(&shared, retry_after_secs),
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
    if !is_token_endpoint {
        let headers = res.headers_mut();
        headers.insert("x-ratelimit-used", HeaderValue::from(used));
        if let Ok(v) = HeaderValue::from_str(&format!("{remaining}.0")) {
            headers.insert("x-ratelimit-remaining", v);
        }
        headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
    }
    res
}

/// The recorded "whoa there, pardner!" page.
fn too_many(shared: &Shared, retry_after: u64) -> Response {
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::CONTENT_TYPE, "text/html; charset=UTF-8")],
        shared.templates.too_many.clone(),
    )
        .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
    res
}

fn unauthorized() -> Response {
    let mut res = reddit_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"reddit\", error=\"invalid_token\""),
    );
    res
}

fn form(body: &Bytes) -> HashMap<String, String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .unwrap_or_default()
        .into_iter()
        .collect()
}

fn query(raw: Option<String>) -> HashMap<String, String> {
    raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(&q).ok())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

// ---- the token endpoint ----

async fn token(With(shared): Shr, headers: HeaderMap, body: Bytes) -> Response {
    let client = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    if client.as_deref() != Some(&format!("{}:{}", super::CLIENT_ID, super::CLIENT_SECRET)) {
        return reddit_error(StatusCode::UNAUTHORIZED, "Unauthorized");
    }
    let form = form(&body);
    let mut state = shared.lock();
    let lifetime = state.token_lifetime;
    let text = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    match text("grant_type") {
        "password" => {
            if text("username") != BRAND || text("password") != super::PASSWORD {
                return axum::Json(json!({"error": "invalid_grant"})).into_response();
            }
            let access = state.issue_token(lifetime);
            axum::Json(json!({
                "access_token": access,
                "token_type": "bearer",
                "expires_in": lifetime.as_secs(),
                "scope": "*",
            }))
            .into_response()
        }
        "refresh_token" => {
            let refresh = text("refresh_token").to_string();
            if !state.refresh_tokens.contains(&refresh) {
                return (StatusCode::BAD_REQUEST, axum::Json(json!({"error": 400})))
                    .into_response();
            }
            let access = state.issue_token(lifetime);
            axum::Json(json!({
                "access_token": access,
                "token_type": "bearer",
                "expires_in": lifetime.as_secs(),
                "refresh_token": refresh,
                "scope": "identity read history privatemessages submit edit modposts",
            }))
            .into_response()
        }
        _ => (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response(),
    }
}

// ---- reads ----

async fn me(With(shared): Shr) -> Response {
    let mut v = shared.templates.me.clone();
    set(&mut v, "name", json!(BRAND));
    axum::Json(v).into_response()
}

/// A listing of the things `keep` selects, newest first, paged as Reddit
/// pages: `limit` (≤ 100), `before` (the ones just newer than a fullname;
/// none when that thing is gone), `after` (older than it).
fn listing(
    shared: &Shared,
    raw: Option<String>,
    inbox: bool,
    keep: impl Fn(&State, &Thing) -> bool,
) -> Response {
    let q = query(raw);
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(25)
        .clamp(1, 100);
    let state = shared.lock();
    let anchor = |key: &str| {
        q.get(key)
            .map(|name| state.by_name(name).filter(|t| !t.gone()))
    };
    let selected: Vec<&Thing> = if let Some(anchor) = anchor("before") {
        let Some(anchor) = anchor else {
            return empty_listing();
        };
        let mut page: Vec<&Thing> = state
            .things
            .range(anchor.id + 1..)
            .map(|(_, t)| t)
            .filter(|t| keep(&state, t))
            .take(limit)
            .collect();
        page.reverse();
        page
    } else {
        let upper = match anchor("after") {
            Some(Some(a)) => a.id,
            Some(None) => return empty_listing(),
            None => u64::MAX,
        };
        state
            .things
            .range(..upper)
            .rev()
            .map(|(_, t)| t)
            .filter(|t| keep(&state, t))
            .take(limit + 1)
            .collect()
    };
    let more = selected.len() > limit;
    let page: Vec<&Thing> = selected.into_iter().take(limit).collect();
    let after = if more {
        page.last().map(|t| t.name())
    } else {
        None
    };
    let children: Vec<Value> = page
        .iter()
        .map(|t| json!({"kind": t.prefix, "data": shared.templates.thing(&state, t, inbox)}))
        .collect();
    axum::Json(json!({"kind": "Listing", "data": {
        "after": after, "dist": children.len(), "modhash": null, "geo_filter": "",
        "children": children, "before": null
    }}))
    .into_response()
}

fn empty_listing() -> Response {
    axum::Json(json!({"kind": "Listing", "data": {
        "after": null, "dist": 0, "modhash": null, "geo_filter": "", "children": [], "before": null
    }}))
    .into_response()
}

async fn inbox(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    listing(&shared, raw, true, |s, t| s.inbox_type(t).is_some())
}

async fn sub_comments(
    With(shared): Shr,
    Path(sub): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    listing(&shared, raw, false, |_, t| {
        t.prefix == "t1" && t.sub.eq_ignore_ascii_case(&sub) && !t.gone()
    })
}

async fn sub_new(With(shared): Shr, Path(sub): Path<String>, RawQuery(raw): RawQuery) -> Response {
    listing(&shared, raw, false, |_, t| {
        t.prefix == "t3" && t.sub.eq_ignore_ascii_case(&sub) && !t.gone()
    })
}

async fn user_comments(
    With(shared): Shr,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    listing(&shared, raw, false, |_, t| {
        t.prefix == "t1" && t.author.eq_ignore_ascii_case(&name) && !t.deleted
    })
}

async fn user_submitted(
    With(shared): Shr,
    Path(name): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    listing(&shared, raw, false, |_, t| {
        t.prefix == "t3" && t.author.eq_ignore_ascii_case(&name) && !t.deleted
    })
}

/// `/api/info?id=a,b`: the things named, gone ones included (with
/// `[deleted]`/`[removed]` bodies); messages are not served here.
async fn info(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw);
    let state = shared.lock();
    let children: Vec<Value> = q
        .get("id")
        .map(String::as_str)
        .unwrap_or_default()
        .split(',')
        .take(100)
        .filter_map(|name| state.by_name(name.trim()))
        .filter(|t| t.prefix != "t4")
        .map(|t| json!({"kind": t.prefix, "data": shared.templates.thing(&state, t, false)}))
        .collect();
    axum::Json(json!({"kind": "Listing", "data": {
        "after": null, "dist": children.len(), "modhash": null, "geo_filter": "",
        "children": children, "before": null
    }}))
    .into_response()
}

// ---- writes ----

fn write_error(code: &str, message: &str, field: &str) -> Response {
    axum::Json(json!({"json": {"errors": [[code, message, field]]}})).into_response()
}

async fn comment(With(shared): Shr, body: Bytes) -> Response {
    let form = form(&body);
    let mut state = shared.lock();
    state.comment_posts += 1;
    let text = form.get("text").cloned().unwrap_or_default();
    let parent_name = form.get("thing_id").cloned().unwrap_or_default();
    if text.trim().is_empty() {
        return write_error("NO_TEXT", "we need something here", "text");
    }
    if text.chars().count() > 10_000 {
        return write_error("TOO_LONG", "this is too long (max: 10000)", "text");
    }
    let Some(parent) = state.by_name(&parent_name).cloned() else {
        return write_error("INVALID_THING_ID", "that thing does not exist", "parent");
    };
    if parent.gone() {
        return write_error("DELETED_COMMENT", "that comment has been deleted", "parent");
    }
    let locked = parent.locked
        || parent
            .link
            .as_deref()
            .and_then(|l| state.by_name(l))
            .is_some_and(|l| l.locked);
    if locked {
        return write_error("THREAD_LOCKED", "that thread is locked", "parent");
    }
    let name = if parent.prefix == "t4" {
        // Answering a message makes a message.
        let t = Thing::new("t4", BRAND, "", now_secs());
        let t = Thing {
            title: format!("re: {}", parent.title.trim_start_matches("re: ")),
            body: text,
            parent: Some(parent_name.clone()),
            first_message: Some(parent.first_message.clone().unwrap_or(parent_name)),
            dest: Some(parent.author.clone()),
            ..t
        };
        state.insert(t)
    } else {
        match state.comment(BRAND, &parent_name, &text, now_secs()) {
            Some(name) => name,
            None => return write_error("INVALID_THING_ID", "that thing does not exist", "parent"),
        }
    };
    let Some(made) = state.by_name(&name) else {
        return reddit_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error");
    };
    let data = shared.templates.thing(&state, made, false);
    axum::Json(
        json!({"json": {"errors": [], "data": {"things": [{"kind": made.prefix, "data": data}]}}}),
    )
    .into_response()
}

async fn submit(With(shared): Shr, body: Bytes) -> Response {
    let form = form(&body);
    let text = |k: &str| form.get(k).cloned().unwrap_or_default();
    let title = text("title");
    if title.trim().is_empty() {
        return write_error("NO_TEXT", "we need something here", "title");
    }
    if title.chars().count() > 300 {
        return write_error("TOO_LONG", "this is too long (max: 300)", "title");
    }
    let mut state = shared.lock();
    let t = Thing::new("t3", BRAND, &text("sr"), now_secs());
    let t = Thing {
        title,
        body: text("text"),
        ..t
    };
    let name = state.insert(t);
    let id = name.trim_start_matches("t3_").to_string();
    let url = format!("https://www.reddit.com/r/{}/comments/{id}/x/", text("sr"));
    axum::Json(json!({"json": {"errors": [], "data": {"url": url, "drafts_count": 0, "id": id, "name": name}}}))
        .into_response()
}

async fn del(With(shared): Shr, body: Bytes) -> Response {
    let form = form(&body);
    let mut state = shared.lock();
    if let Some(t) = form.get("id").and_then(|id| state.by_name_mut(id))
        && t.author == BRAND
    {
        t.deleted = true;
    }
    axum::Json(json!({})).into_response()
}

async fn moderate(With(shared): Shr, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let Ok(body) = axum::body::to_bytes(req.into_body(), 1 << 20).await else {
        return reddit_error(StatusCode::BAD_REQUEST, "Bad Request");
    };
    let form = form(&body);
    let mut state = shared.lock();
    let name = form.get("id").cloned().unwrap_or_default();
    let Some(sub) = state.by_name(&name).map(|t| t.sub.to_lowercase()) else {
        return reddit_error(StatusCode::NOT_FOUND, "Not Found");
    };
    if !state.moderated.contains(&sub) {
        return reddit_error(StatusCode::FORBIDDEN, "Forbidden");
    }
    if let Some(t) = state.by_name_mut(&name) {
        match path.as_str() {
            "/api/remove" => t.removed = true,
            "/api/approve" => t.removed = false,
            _ => t.locked = true,
        }
    }
    axum::Json(json!({})).into_response()
}
