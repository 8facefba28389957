//! The fake YouTube's HTTP: one guard in front of the API (token or key,
//! quota, faults), Google's token endpoint, the comment-thread and comment
//! lists, inserts, moderation and deletion, and the JSON made from the
//! recorded payloads.

// Helpers answer early with the error `Response` itself, as handlers do.
#![allow(clippy::result_large_err)]

use super::{CHANNEL, Comment, Fault, Route, Shared, State, now_ms};
use crate::killable::Kill;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, RawQuery, Request, State as With};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

type Shr = With<Arc<Shared>>;

/// The recorded answers the fake's JSON is made from.
pub(super) struct Templates {
    thread_list: Value,
    thread: Value,
    comment_list: Value,
    reply: Value,
}

impl Templates {
    pub(super) fn load() -> anyhow::Result<Templates> {
        let thread_list: Value = serde_json::from_str(include_str!(
            "../../payloads/youtube/comment_threads_all_to_me.json"
        ))?;
        let thread = thread_list["items"][0].clone();
        let comment_list: Value = serde_json::from_str(include_str!(
            "../../payloads/youtube/comments_by_parent_paged_1.json"
        ))?;
        let reply: Value =
            serde_json::from_str(include_str!("../../payloads/youtube/insert_response.json"))?;
        let error: Value =
            serde_json::from_str(include_str!("../../payloads/youtube/error_response.json"))?;
        // The envelope `google_error` writes is the recorded one's.
        anyhow::ensure!(
            thread.is_object()
                && reply.is_object()
                && error["error"]["errors"][0]["reason"].is_string(),
            "templates missing"
        );
        let mut thread_list = thread_list;
        set(&mut thread_list, "items", json!([]));
        let mut comment_list = comment_list;
        set(&mut comment_list, "items", json!([]));
        Ok(Templates {
            thread_list,
            thread,
            comment_list,
            reply,
        })
    }

    fn comment(&self, c: &Comment) -> Value {
        let mut v = self.reply.clone();
        set(&mut v, "id", json!(c.id));
        set(
            &mut v,
            "etag",
            json!(format!("etag-{}-{}", c.id, c.updated_ms)),
        );
        if let Some(s) = v.get_mut("snippet") {
            set(s, "textDisplay", json!(c.text));
            set(s, "textOriginal", json!(c.text));
            set(s, "authorDisplayName", json!(c.author_name));
            set(
                s,
                "authorChannelUrl",
                json!(format!("http://www.youtube.com/channel/{}", c.author)),
            );
            set(s, "authorChannelId", json!({"value": c.author}));
            set(s, "channelId", json!(c.channel));
            set(s, "videoId", json!(c.video));
            set(s, "likeCount", json!(c.published_ms % 5));
            set(s, "publishedAt", json!(iso(c.published_ms)));
            set(s, "updatedAt", json!(iso(c.updated_ms)));
            match &c.thread {
                Some(t) => set(s, "parentId", json!(t)),
                None => {
                    if let Some(obj) = s.as_object_mut() {
                        obj.remove("parentId");
                    }
                }
            }
        }
        v
    }

    fn thread(&self, state: &State, top: &Comment, with_replies: bool) -> Value {
        let mut v = self.thread.clone();
        let replies: Vec<&Comment> = state
            .comments
            .iter()
            .filter(|c| c.thread.as_deref() == Some(top.id.as_str()) && c.listed())
            .collect();
        set(&mut v, "id", json!(top.id));
        set(&mut v, "etag", json!(format!("etag-{}", top.id)));
        if let Some(s) = v.get_mut("snippet") {
            set(s, "channelId", json!(top.channel));
            set(s, "videoId", json!(top.video));
            set(s, "topLevelComment", self.comment(top));
            set(s, "totalReplyCount", json!(replies.len()));
        }
        if with_replies && !replies.is_empty() {
            // Like YouTube, a thread carries only a few of its replies.
            let some: Vec<Value> = replies.iter().take(5).map(|r| self.comment(r)).collect();
            set(&mut v, "replies", json!({"comments": some}));
        }
        v
    }
}

fn set(v: &mut Value, key: &str, value: Value) {
    if let Some(obj) = v.as_object_mut() {
        obj.insert(key.to_string(), value);
    }
}

/// Milliseconds since the epoch as YouTube writes times.
fn iso(ms: u64) -> String {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => "1970-01-01T00:00:00.000Z".into(),
    }
}

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/token", post(token))
        .route("/youtube/v3/channels", get(channels))
        .route("/youtube/v3/commentThreads", get(threads))
        .route(
            "/youtube/v3/comments",
            get(comments).post(insert).delete(delete),
        )
        .route("/youtube/v3/comments/setModerationStatus", post(moderate))
        .fallback(|| async {
            google_error(StatusCode::NOT_FOUND, "notFound", "global", "Not Found")
        })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// Google's error envelope (the recorded one, with this error's fields).
fn google_error(status: StatusCode, reason: &str, domain: &str, message: &str) -> Response {
    let body = json!({"error": {
        "code": status.as_u16(),
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
    }});
    (status, axum::Json(body)).into_response()
}

fn route_of(method: &Method, path: &str) -> Option<(Route, u64)> {
    Some(match (method.as_str(), path) {
        ("POST", "/token") => (Route::Token, 0),
        ("GET", "/youtube/v3/channels") => (Route::Channels, 1),
        ("GET", "/youtube/v3/commentThreads") => (Route::Threads, 1),
        ("GET", "/youtube/v3/comments") => (Route::Comments, 1),
        ("POST", "/youtube/v3/comments") => (Route::Insert, 50),
        ("DELETE", "/youtube/v3/comments") => (Route::Delete, 50),
        ("POST", "/youtube/v3/comments/setModerationStatus") => (Route::Moderate, 50),
        _ => return None,
    })
}

fn query(raw: Option<&str>) -> HashMap<String, String> {
    raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

async fn guard(With(shared): Shr, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let Some((route, units)) = route_of(req.method(), &path) else {
        return next.run(req).await;
    };
    let q = query(req.uri().query());
    let bearer = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let reads = req.method() == Method::GET;
    let verdict = {
        let mut state = shared.lock();
        let now = Instant::now();
        let authed = if route == Route::Token {
            Ok(())
        } else if let Some(token) = &bearer {
            if state.tokens.get(token).is_some_and(|e| *e > now) {
                Ok(())
            } else {
                Err(google_error(
                    StatusCode::UNAUTHORIZED,
                    "authError",
                    "global",
                    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                ))
            }
        } else if q.get("key").map(String::as_str) == Some(super::API_KEY) {
            if reads {
                Ok(())
            } else {
                Err(google_error(
                    StatusCode::UNAUTHORIZED,
                    "required",
                    "global",
                    "Login Required.",
                ))
            }
        } else if q.contains_key("key") {
            Err(google_error(
                StatusCode::BAD_REQUEST,
                "keyInvalid",
                "usageLimits",
                "Bad Request",
            ))
        } else {
            Err(google_error(
                StatusCode::UNAUTHORIZED,
                "required",
                "global",
                "Login Required.",
            ))
        };
        authed.and_then(|()| {
            if state.quota_used + units > state.quota_limit {
                return Err(google_error(
                    StatusCode::FORBIDDEN,
                    "quotaExceeded",
                    "youtube.quota",
                    "The request cannot be completed because you have exceeded your <a href=\"/youtube/v3/getting-started#quota\">quota</a>.",
                ));
            }
            state.quota_used += units;
            Ok(state.take_fault(route))
        })
    };
    match verdict {
        Err(res) => res,
        Ok(Some(Fault::Unavailable)) => google_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "backendError",
            "global",
            "Backend Error",
        ),
        Ok(Some(Fault::RateLimited { retry_after_secs })) => {
            let mut res = google_error(
                StatusCode::TOO_MANY_REQUESTS,
                "rateLimitExceeded",
                "youtube.quota",
                "The request cannot be completed because you have exceeded your rate limit.",
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
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
    }
}

// ---- Google's token endpoint ----

async fn token(With(shared): Shr, body: Bytes) -> Response {
    let form: HashMap<String, String> =
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .unwrap_or_default()
            .into_iter()
            .collect();
    let text = |k: &str| form.get(k).map(String::as_str).unwrap_or_default();
    if text("client_id") != super::CLIENT_ID || text("client_secret") != super::CLIENT_SECRET {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_client", "error_description": "The OAuth client was not found."})),
        )
            .into_response();
    }
    let mut state = shared.lock();
    if text("grant_type") != "refresh_token"
        || !state.refresh_tokens.contains(text("refresh_token"))
    {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."})),
        )
            .into_response();
    }
    let lifetime = state.token_lifetime;
    let access = state.issue_token(lifetime);
    axum::Json(json!({
        "access_token": access,
        "expires_in": lifetime.as_secs(),
        "scope": "https://www.googleapis.com/auth/youtube.force-ssl",
        "token_type": "Bearer",
    }))
    .into_response()
}

// ---- reads ----

async fn channels(RawQuery(raw): RawQuery) -> Response {
    let q = query(raw.as_deref());
    let mine = q.get("mine").map(String::as_str) == Some("true");
    let asked = q
        .get("id")
        .is_some_and(|ids| ids.split(',').any(|id| id == CHANNEL));
    let items = if mine || asked {
        json!([{
            "kind": "youtube#channel",
            "etag": "etag-channel",
            "id": CHANNEL,
            "snippet": {"title": "The Brand", "customUrl": "@brand", "description": ""}
        }])
    } else {
        json!([])
    };
    axum::Json(json!({"kind": "youtube#channelListResponse", "etag": "etag", "items": items}))
        .into_response()
}

/// A page of `all` (`maxResults` ≤ 100, default 20; the page token is the
/// offset, encoded).
fn page<T>(all: Vec<T>, q: &HashMap<String, String>) -> Result<(Vec<T>, Option<String>), Response> {
    if q.contains_key("id") && (q.contains_key("maxResults") || q.contains_key("pageToken")) {
        return Err(google_error(
            StatusCode::BAD_REQUEST,
            "incompatibleParameters",
            "youtube.parameter",
            "The maxResults and pageToken parameters are not supported with the id parameter.",
        ));
    }
    let size = q
        .get("maxResults")
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(20);
    if !(1..=100).contains(&size) {
        return Err(google_error(
            StatusCode::BAD_REQUEST,
            "invalidParameter",
            "youtube.parameter",
            "Invalid value for parameter maxResults",
        ));
    }
    let offset = match q.get("pageToken") {
        None => 0,
        Some(token) => base64::engine::general_purpose::STANDARD
            .decode(token)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| s.strip_prefix("offset:")?.parse::<usize>().ok())
            .ok_or_else(|| {
                google_error(
                    StatusCode::BAD_REQUEST,
                    "invalidPageToken",
                    "youtube.parameter",
                    "The request specifies an invalid page token.",
                )
            })?,
    };
    let total = all.len();
    let items: Vec<T> = all.into_iter().skip(offset).take(size).collect();
    let next = (offset + items.len() < total).then(|| {
        base64::engine::general_purpose::STANDARD.encode(format!("offset:{}", offset + items.len()))
    });
    Ok((items, next))
}

async fn threads(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw.as_deref());
    let with_replies = q.get("part").is_some_and(|p| p.contains("replies"));
    let state = shared.lock();
    let mut tops: Vec<(usize, &Comment)> = if let Some(ids) = q.get("id") {
        ids.split(',')
            .filter_map(|id| {
                let i = *state.index.get(id.trim())?;
                Some((i, state.comments.get(i)?))
            })
            .filter(|(_, c)| c.thread.is_none() && c.listed())
            .collect()
    } else if let Some(channel) = q.get("allThreadsRelatedToChannelId") {
        state
            .comments
            .iter()
            .enumerate()
            .filter(|(_, c)| c.thread.is_none() && c.listed() && c.channel == *channel)
            .collect()
    } else {
        return google_error(
            StatusCode::BAD_REQUEST,
            "missingRequiredParameter",
            "youtube.parameter",
            "No filter selected. Expected one of: id, videoId, allThreadsRelatedToChannelId, channelId",
        );
    };
    // `order=time`: newest first (the default).
    tops.sort_by(|(ia, a), (ib, b)| (b.published_ms, ib).cmp(&(a.published_ms, ia)));
    let tops: Vec<&Comment> = tops.into_iter().map(|(_, c)| c).collect();
    let total = tops.len();
    let (items, next) = match page(tops, &q) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let mut v = shared.templates.thread_list.clone();
    let items: Vec<Value> = items
        .iter()
        .map(|c| shared.templates.thread(&state, c, with_replies))
        .collect();
    set(
        &mut v,
        "pageInfo",
        json!({"totalResults": total, "resultsPerPage": items.len()}),
    );
    set(&mut v, "items", Value::Array(items));
    set(&mut v, "nextPageToken", json!(next));
    axum::Json(v).into_response()
}

async fn comments(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw.as_deref());
    let state = shared.lock();
    let list: Vec<&Comment> = if let Some(ids) = q.get("id") {
        ids.split(',')
            .filter_map(|id| state.get(id.trim()))
            .filter(|c| c.listed())
            .collect()
    } else if let Some(parent) = q.get("parentId") {
        if state.get(parent).is_none() {
            return google_error(
                StatusCode::NOT_FOUND,
                "commentNotFound",
                "youtube.comment",
                "The comment identified by the parentId parameter could not be found.",
            );
        }
        state
            .comments
            .iter()
            .filter(|c| c.thread.as_deref() == Some(parent.as_str()) && c.listed())
            .collect()
    } else {
        return google_error(
            StatusCode::BAD_REQUEST,
            "missingRequiredParameter",
            "youtube.parameter",
            "No filter selected. Expected one of: id, parentId",
        );
    };
    let (items, next) = match page(list, &q) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let mut v = shared.templates.comment_list.clone();
    let items: Vec<Value> = items.iter().map(|c| shared.templates.comment(c)).collect();
    set(&mut v, "pageInfo", json!({"resultsPerPage": items.len()}));
    set(&mut v, "items", Value::Array(items));
    set(&mut v, "nextPageToken", json!(next));
    axum::Json(v).into_response()
}

// ---- writes ----

async fn insert(With(shared): Shr, body: Bytes) -> Response {
    let mut state = shared.lock();
    state.inserts += 1;
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return google_error(
            StatusCode::BAD_REQUEST,
            "parseError",
            "global",
            "Parse Error",
        );
    };
    let parent = body["snippet"]["parentId"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let text = body["snippet"]["textOriginal"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if text.trim().is_empty() {
        return google_error(
            StatusCode::BAD_REQUEST,
            "commentTextRequired",
            "youtube.comment",
            "The comment resource must contain a value for the snippet.textOriginal property.",
        );
    }
    if text.chars().count() > 10_000 {
        return google_error(
            StatusCode::BAD_REQUEST,
            "commentTextTooLong",
            "youtube.comment",
            "The comment resource contains too many characters in the snippet.textOriginal property.",
        );
    }
    match state.get(&parent) {
        Some(p) if p.thread.is_some() => {
            return google_error(
                StatusCode::BAD_REQUEST,
                "operationNotSupported",
                "youtube.comment",
                "Replies can only be added to top-level comments.",
            );
        }
        Some(p) if p.listed() => {}
        _ => {
            return google_error(
                StatusCode::NOT_FOUND,
                "parentCommentNotFound",
                "youtube.comment",
                "The specified parent comment could not be found.",
            );
        }
    }
    let Some(id) = state.reply(CHANNEL, "@brand", &parent, &text, now_ms()) else {
        return google_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "backendError",
            "global",
            "Backend Error",
        );
    };
    let Some(made) = state.get(&id) else {
        return google_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "backendError",
            "global",
            "Backend Error",
        );
    };
    let mut v = shared.templates.comment(made);
    // The insert answer carries no videoId or channelId, as recorded.
    if let Some(s) = v.get_mut("snippet").and_then(Value::as_object_mut) {
        s.remove("videoId");
        s.remove("channelId");
    }
    axum::Json(v).into_response()
}

async fn moderate(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw.as_deref());
    let status = match q.get("moderationStatus").map(String::as_str) {
        Some("heldForReview") => "heldForReview",
        Some("published") => "published",
        Some("rejected") => "rejected",
        _ => {
            return google_error(
                StatusCode::BAD_REQUEST,
                "invalidModerationStatus",
                "youtube.comment",
                "The moderationStatus parameter specifies an invalid value.",
            );
        }
    };
    let mut state = shared.lock();
    let id = q.get("id").cloned().unwrap_or_default();
    match state.get_mut(&id) {
        Some(c) if c.deleted => {}
        Some(c) if c.channel != CHANNEL => {
            return google_error(
                StatusCode::FORBIDDEN,
                "forbidden",
                "youtube.comment",
                "The comment could not be updated due to insufficient permissions.",
            );
        }
        Some(c) => {
            c.status = status;
            return StatusCode::NO_CONTENT.into_response();
        }
        None => {}
    }
    google_error(
        StatusCode::NOT_FOUND,
        "commentNotFound",
        "youtube.comment",
        "The comment could not be found.",
    )
}

async fn delete(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw.as_deref());
    let mut state = shared.lock();
    let id = q.get("id").cloned().unwrap_or_default();
    match state.get_mut(&id) {
        Some(c) if !c.deleted && c.author != CHANNEL => google_error(
            StatusCode::FORBIDDEN,
            "forbidden",
            "youtube.comment",
            "The comment could not be deleted due to insufficient permissions.",
        ),
        Some(c) if !c.deleted => {
            c.deleted = true;
            StatusCode::NO_CONTENT.into_response()
        }
        _ => google_error(
            StatusCode::NOT_FOUND,
            "commentNotFound",
            "youtube.comment",
            "The comment could not be found.",
        ),
    }
}
