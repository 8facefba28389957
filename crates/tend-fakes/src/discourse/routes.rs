//! The fake's HTTP routes: one guard in front of all of them (auth, rate
//! limit, injected faults), then Discourse's endpoints for posts, topics,
//! topic lists and the session.

// Helpers answer early with the error `Response` itself, as handlers do.
#![allow(clippy::result_large_err)]

use super::{BRAND, Fault, Route, Shared, Topic, now_ms};
use crate::killable::Kill;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State as With};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::sync::Arc;

type Shr = With<Arc<Shared>>;

/// Discourse's rate-limit window for API keys.
const WINDOW_MS: u64 = 60_000;
const MIN_TITLE: usize = 15;
const MIN_POST: usize = 20;
const MAX_POST: usize = 32_000;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/session/current.json", get(session))
        .route("/posts.json", get(latest_posts).post(create_post))
        .route("/posts/{id}", get(get_post).delete(delete_post))
        .route("/t/{id}", get(topic))
        .route("/t/{id}/posts.json", get(topic_posts))
        .route("/topics/private-messages/{username}", get(private_messages))
        .route("/topics/created-by/{username}", get(created_by))
        .route("/tag/{name}", get(tagged))
        .route("/notifications.json", get(notifications))
        .fallback(|| async { not_found() })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// The user a request is signed in as.
#[derive(Clone)]
struct Authed(String);

fn errors(status: StatusCode, message: &str, kind: &str) -> Response {
    (
        status,
        axum::Json(json!({ "errors": [message], "error_type": kind })),
    )
        .into_response()
}

fn not_found() -> Response {
    errors(
        StatusCode::NOT_FOUND,
        "The requested URL or resource could not be found.",
        "not_found",
    )
}

fn invalid_key() -> Response {
    errors(
        StatusCode::FORBIDDEN,
        "You are not permitted to view the requested resource. The API username or key is invalid.",
        "invalid_access",
    )
}

fn not_permitted() -> Response {
    errors(
        StatusCode::FORBIDDEN,
        "You are not permitted to view the requested resource.",
        "invalid_access",
    )
}

fn not_logged_in() -> Response {
    errors(
        StatusCode::FORBIDDEN,
        "You need to be logged in to do that.",
        "not_logged_in",
    )
}

fn unprocessable(message: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        axum::Json(json!({ "action": "create_post", "errors": [message] })),
    )
        .into_response()
}

fn rate_limited(wait_secs: u64) -> Response {
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(json!({
            "errors": [format!("You’ve performed this action too many times. Please wait {wait_secs} seconds before trying again.")],
            "error_type": "rate_limit",
            "extras": { "wait_seconds": wait_secs, "time_left": format!("{wait_secs} seconds") }
        })),
    )
        .into_response();
    res.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(wait_secs));
    res.headers_mut().insert(
        "discourse-rate-limit-error-code",
        HeaderValue::from_static("admin_api_key_rate_limit"),
    );
    res
}

fn route_of(method: &Method, path: &str) -> Option<Route> {
    Some(match (method.as_str(), path) {
        ("POST", "/posts.json") => Route::CreatePost,
        ("GET", "/posts.json") => Route::LatestPosts,
        ("GET", "/session/current.json") => Route::Session,
        ("GET", p) if p.starts_with("/t/") => Route::Topic,
        ("GET", p) if p.starts_with("/posts/") => Route::GetPost,
        ("DELETE", p) if p.starts_with("/posts/") => Route::DeletePost,
        ("GET", p) if p.starts_with("/topics/private-messages/") => Route::PrivateMessages,
        _ => return None,
    })
}

fn header_text(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

async fn guard(With(shared): Shr, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let route = route_of(req.method(), &path);
    let api_key = header_text(&req, "Api-Key");
    let api_user = header_text(&req, "Api-Username");
    let user_key = header_text(&req, "User-Api-Key");
    let now = now_ms();
    let verdict = {
        let mut state = shared.lock();
        let user = match (&api_key, &user_key) {
            (Some(key), _) => match state.api_keys.get(key) {
                Some(owner)
                    if api_user
                        .as_deref()
                        .is_none_or(|u| u.eq_ignore_ascii_case(owner)) =>
                {
                    Some(owner.clone())
                }
                _ => return invalid_key(),
            },
            (None, Some(key)) => match state.user_api_keys.get(key) {
                Some(owner) => Some(owner.clone()),
                None => return invalid_key(),
            },
            (None, None) => None,
        };
        let window_key = api_key
            .clone()
            .or(user_key.clone())
            .unwrap_or_else(|| "anonymous".into());
        let limit = state.rate_limit;
        let window = state
            .windows
            .entry(window_key)
            .or_insert((limit, now + WINDOW_MS));
        if window.1 <= now {
            *window = (limit, now + WINDOW_MS);
        }
        if window.0 == 0 {
            let wait = (window.1 - now).div_ceil(1000).max(1);
            return rate_limited(wait);
        }
        window.0 -= 1;
        (user, route.and_then(|r| state.take_fault(r)))
    };
    let (user, fault) = verdict;
    match fault {
        Some(Fault::Unavailable) => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/html")],
                "<html><body><h1>503 Service Unavailable</h1></body></html>",
            )
                .into_response();
        }
        Some(Fault::RateLimited { retry_after_secs }) => return rate_limited(retry_after_secs),
        _ => {}
    }
    if let Some(user) = user {
        req.extensions_mut().insert(Authed(user));
    }
    let kill = req.extensions().get::<ConnectInfo<Kill>>().cloned();
    let res = next.run(req).await;
    if fault == Some(Fault::CommitThenDrop)
        && let Some(ConnectInfo(kill)) = kill
    {
        kill.pull();
    }
    res
}

fn me(authed: &Option<axum::Extension<Authed>>) -> Option<&str> {
    authed.as_ref().map(|a| a.0.0.as_str())
}

fn query_pairs(raw: Option<String>) -> Vec<(String, String)> {
    raw.and_then(|q| serde_urlencoded::from_str(&q).ok())
        .unwrap_or_default()
}

/// Strips `.json` from a path parameter (`/t/12.json`).
fn id_of(param: &str) -> Option<u64> {
    param.strip_suffix(".json").unwrap_or(param).parse().ok()
}

async fn session(With(shared): Shr, authed: Option<axum::Extension<Authed>>) -> Response {
    let Some(me) = me(&authed) else {
        return not_found();
    };
    let state = shared.lock();
    let Some(user) = state.users.get(me) else {
        return not_found();
    };
    axum::Json(json!({"current_user": {
        "id": user.id, "username": user.username, "name": user.name,
        "avatar_template": "/letter_avatar_proxy/v4/letter/b/a9a28c/{size}.png",
        "admin": user.username == BRAND, "moderator": false, "trust_level": 1
    }}))
    .into_response()
}

async fn latest_posts(
    With(shared): Shr,
    authed: Option<axum::Extension<Authed>>,
    RawQuery(raw): RawQuery,
) -> Response {
    let before = query_pairs(raw)
        .into_iter()
        .find(|(k, _)| k == "before")
        .and_then(|(_, v)| v.parse::<u64>().ok());
    let state = shared.lock();
    let me = me(&authed);
    let posts: Vec<Value> = state
        .posts
        .range(..before.unwrap_or(u64::MAX))
        .rev()
        .map(|(_, p)| p)
        .filter(|p| p.deleted_ms.is_none())
        // Latest posts are public posts only, as in Discourse.
        .filter(|p| state.topics.get(&p.topic_id).is_some_and(|t| !t.private))
        .take(50)
        .map(|p| shared.templates.latest_post(&state, p, me))
        .collect();
    axum::Json(json!({ "latest_posts": posts })).into_response()
}

async fn get_post(
    With(shared): Shr,
    authed: Option<axum::Extension<Authed>>,
    Path(id): Path<String>,
) -> Response {
    let state = shared.lock();
    let me = me(&authed);
    let Some(p) = id_of(&id)
        .and_then(|id| state.posts.get(&id))
        .filter(|p| p.deleted_ms.is_none())
    else {
        return not_found();
    };
    match state.topics.get(&p.topic_id) {
        Some(t) if state.can_see(t, me) => {
            axum::Json(shared.templates.single_post(&state, p, me)).into_response()
        }
        Some(_) => not_permitted(),
        None => not_found(),
    }
}

async fn delete_post(
    With(shared): Shr,
    authed: Option<axum::Extension<Authed>>,
    Path(id): Path<String>,
) -> Response {
    let Some(me) = me(&authed).map(str::to_string) else {
        return not_logged_in();
    };
    let mut state = shared.lock();
    let Some(id) =
        id_of(&id).filter(|id| state.posts.get(id).is_some_and(|p| p.deleted_ms.is_none()))
    else {
        return not_found();
    };
    // The brand's key is an admin's: it may delete any post; others their own.
    if me != BRAND && state.posts.get(&id).is_some_and(|p| p.username != me) {
        return not_permitted();
    }
    state.delete(id);
    StatusCode::OK.into_response()
}

async fn topic(
    With(shared): Shr,
    authed: Option<axum::Extension<Authed>>,
    Path(id): Path<String>,
) -> Response {
    let state = shared.lock();
    let me = me(&authed);
    match id_of(&id).and_then(|id| state.topics.get(&id)) {
        Some(t) if state.can_see(t, me) => {
            axum::Json(shared.templates.topic(&state, t, me)).into_response()
        }
        Some(_) if me.is_none() => not_logged_in(),
        Some(_) => not_permitted(),
        None => not_found(),
    }
}

async fn topic_posts(
    With(shared): Shr,
    authed: Option<axum::Extension<Authed>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let wanted: Vec<u64> = query_pairs(raw)
        .into_iter()
        .filter(|(k, _)| k == "post_ids[]")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let state = shared.lock();
    let me = me(&authed);
    let Some(t) = id_of(&id).and_then(|id| state.topics.get(&id)) else {
        return not_found();
    };
    if !state.can_see(t, me) {
        return not_permitted();
    }
    let posts: Vec<Value> = t
        .posts
        .iter()
        .filter(|id| wanted.contains(id))
        .filter_map(|id| state.posts.get(id))
        .filter(|p| p.deleted_ms.is_none())
        .take(CHUNK_MAX)
        .map(|p| shared.templates.topic_post(&state, p, me))
        .collect();
    axum::Json(json!({ "post_stream": { "posts": posts }, "id": t.id })).into_response()
}

/// Discourse answers at most this many posts by id at once.
const CHUNK_MAX: usize = 50;

fn listed(shared: &Shared, topics: Vec<&Topic>, state: &super::State) -> Response {
    let mut topics = topics;
    topics.truncate(30);
    axum::Json(shared.templates.topic_list(state, &topics)).into_response()
}

async fn private_messages(
    With(shared): Shr,
    authed: Option<axum::Extension<Authed>>,
    Path(username): Path<String>,
) -> Response {
    let Some(me) = me(&authed).map(str::to_string) else {
        return not_logged_in();
    };
    let username = username
        .strip_suffix(".json")
        .unwrap_or(&username)
        .to_string();
    if !username.eq_ignore_ascii_case(&me) {
        return not_permitted();
    }
    let state = shared.lock();
    let mut topics: Vec<&Topic> = state
        .topics
        .values()
        .filter(|t| t.private && t.participants.contains(&me))
        .collect();
    topics.sort_by(|a, b| b.bumped_ms.cmp(&a.bumped_ms).then(b.id.cmp(&a.id)));
    listed(&shared, topics, &state)
}

async fn created_by(
    With(shared): Shr,
    authed: Option<axum::Extension<Authed>>,
    Path(username): Path<String>,
) -> Response {
    let me = me(&authed).map(str::to_string);
    let username = username
        .strip_suffix(".json")
        .unwrap_or(&username)
        .to_string();
    let state = shared.lock();
    let mut topics: Vec<&Topic> = state
        .topics
        .values()
        .filter(|t| t.author.eq_ignore_ascii_case(&username))
        .filter(|t| state.can_see(t, me.as_deref()))
        .filter(|t| {
            t.posts
                .first()
                .and_then(|id| state.posts.get(id))
                .is_some_and(|p| p.deleted_ms.is_none())
        })
        .collect();
    topics.sort_by(|a, b| b.created_ms.cmp(&a.created_ms).then(b.id.cmp(&a.id)));
    listed(&shared, topics, &state)
}

async fn notifications(With(shared): Shr, authed: Option<axum::Extension<Authed>>) -> Response {
    let Some(me) = me(&authed).map(str::to_string) else {
        return not_logged_in();
    };
    let state = shared.lock();
    axum::Json(shared.templates.notifications(&state, &me)).into_response()
}

async fn tagged(With(shared): Shr, Path(name): Path<String>) -> Response {
    let name = name.strip_suffix(".json").unwrap_or(&name).to_string();
    let state = shared.lock();
    let mut topics: Vec<&Topic> = state
        .topics
        .values()
        .filter(|t| !t.private && t.tags.contains(&name))
        .collect();
    topics.sort_by(|a, b| b.bumped_ms.cmp(&a.bumped_ms).then(b.id.cmp(&a.id)));
    listed(&shared, topics, &state)
}

/// Form or JSON parameters as one JSON object.
fn params(headers: &HeaderMap, body: &Bytes) -> Result<Value, Response> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return serde_json::from_slice(body).map_err(|_| {
            errors(
                StatusCode::BAD_REQUEST,
                "The JSON you sent could not be read.",
                "invalid_parameters",
            )
        });
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).map_err(|_| {
        errors(
            StatusCode::BAD_REQUEST,
            "The form could not be read.",
            "invalid_parameters",
        )
    })?;
    Ok(Value::Object(
        pairs.into_iter().map(|(k, v)| (k, json!(v))).collect(),
    ))
}

fn number(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

async fn create_post(
    With(shared): Shr,
    authed: Option<axum::Extension<Authed>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(me) = me(&authed).map(str::to_string) else {
        return not_logged_in();
    };
    let mut state = shared.lock();
    state.post_requests += 1;
    let p = match params(&headers, &body) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let raw = p.get("raw").and_then(Value::as_str).unwrap_or_default();
    let length = raw.trim().chars().count();
    if length < MIN_POST {
        return unprocessable(&format!(
            "Body is too short (minimum is {MIN_POST} characters)"
        ));
    }
    if length > MAX_POST {
        return unprocessable(&format!(
            "Body is limited to {MAX_POST} characters; you entered {length}."
        ));
    }
    let now = now_ms();
    let post = match number(&p, "topic_id") {
        Some(topic) => {
            let Some(t) = state.topics.get(&topic) else {
                return not_found();
            };
            if !state.can_see(t, Some(&me)) {
                return not_permitted();
            }
            let reply_to = number(&p, "reply_to_post_number")
                .filter(|n| *n >= 1 && *n <= t.posts.len() as u64);
            state.create_post(topic, &me, raw, reply_to, now)
        }
        None => {
            let title = p.get("title").and_then(Value::as_str).unwrap_or_default();
            if title.trim().chars().count() < MIN_TITLE {
                return unprocessable(&format!(
                    "Title is too short (minimum is {MIN_TITLE} characters)"
                ));
            }
            let category = number(&p, "category").or(Some(1));
            let topic = state.create_topic(title.trim(), category, false, &me, now);
            state.create_post(topic, &me, raw, None, now)
        }
    };
    match state.posts.get(&post) {
        Some(created) => {
            axum::Json(shared.templates.single_post(&state, created, Some(&me))).into_response()
        }
        None => errors(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Oops! That page doesn’t exist or is private.",
            "server_error",
        ),
    }
}
