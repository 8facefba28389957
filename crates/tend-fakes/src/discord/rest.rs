//! The fake's REST routes: one guard in front of all of them (Bot auth,
//! per-route buckets with `X-RateLimit-*` headers and 429s, injected
//! faults), then the endpoints the connector uses.

// Helpers answer early with the error `Response` itself, as handlers do.
#![allow(clippy::result_large_err)]

use super::{Fault, GUILD_ID, NONCE_TTL, Route, Shared};
use crate::killable::Kill;
use axum::Router;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State as With};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

type Shr = With<Arc<Shared>>;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v10/users/@me", get(me))
        .route("/api/v10/gateway/bot", get(gateway_bot))
        .route("/api/v10/guilds/{guild}", get(guild))
        .route("/api/v10/guilds/{guild}/channels", get(channels))
        .route(
            "/api/v10/guilds/{guild}/threads/active",
            get(active_threads),
        )
        .route(
            "/api/v10/channels/{channel}/messages",
            get(list_messages).post(create_message),
        )
        .route(
            "/api/v10/channels/{channel}/messages/{message}",
            axum::routing::delete(delete_message),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "404: Not Found", 0) })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

pub(super) fn error(status: StatusCode, message: &str, code: u32) -> Response {
    (
        status,
        axum::Json(json!({"message": message, "code": code})),
    )
        .into_response()
}

/// The route's bucket key: method, path template, and the major id
/// (channel or guild), as Discord keys its per-route limits.
fn bucket_of(method: &Method, path: &str) -> (String, Option<Route>) {
    let parts: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let (template, route) = match (method.as_str(), parts.as_slice()) {
        ("POST", ["channels", c, "messages"]) => (
            format!("POST channels/{c}/messages"),
            Some(Route::CreateMessage),
        ),
        ("GET", ["channels", c, "messages"]) => (
            format!("GET channels/{c}/messages"),
            Some(Route::GetMessages),
        ),
        ("DELETE", ["channels", c, "messages", _]) => (
            format!("DELETE channels/{c}/messages/:id"),
            Some(Route::DeleteMessage),
        ),
        ("GET", ["users", "@me"]) => ("GET users/@me".to_string(), Some(Route::Me)),
        (m, _) => (
            format!("{m} {}", parts.first().copied().unwrap_or_default()),
            None,
        ),
    };
    (template, route)
}

fn short_hash(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    format!("{h:016x}")
}

async fn guard(With(shared): Shr, req: Request, next: Next) -> Response {
    let authed = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bot "))
        .map(str::to_string);
    let (bucket, route) = bucket_of(req.method(), req.uri().path());
    let now = Instant::now();
    let verdict = {
        let mut state = shared.lock();
        if authed.as_deref() != Some(state.token.as_str()) {
            return error(StatusCode::UNAUTHORIZED, "401: Unauthorized", 0);
        }
        if route == Some(Route::CreateMessage) {
            state.create_requests += 1;
        }
        let (limit, window) = (state.limit, state.window);
        let entry = state
            .buckets
            .entry(bucket.clone())
            .or_insert((limit, now + window));
        if entry.1 <= now {
            *entry = (limit, now + window);
        }
        let spent = entry.0 == 0;
        if !spent {
            entry.0 -= 1;
        }
        let (remaining, reset) = *entry;
        if spent {
            state.rate_limited += 1;
        }
        let fault = if spent {
            None
        } else {
            route.and_then(|r| state.take_fault(r))
        };
        (spent, limit, remaining, reset, fault)
    };
    let (spent, limit, remaining, reset, fault) = verdict;
    let reset_after = reset.saturating_duration_since(now).as_secs_f64();
    let mut res = if spent {
        too_many(reset_after)
    } else {
        match fault {
            Some(Fault::Unavailable) => {
                error(StatusCode::SERVICE_UNAVAILABLE, "upstream connect error", 0)
            }
            Some(Fault::RateLimited { retry_after_secs }) => too_many(retry_after_secs),
            _ => {
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
    };
    let epoch_reset = jiff::Timestamp::now().as_millisecond() as f64 / 1000.0 + reset_after;
    let h = res.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    if let Ok(v) = HeaderValue::from_str(&format!("{epoch_reset:.3}")) {
        h.insert("x-ratelimit-reset", v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("{reset_after:.3}")) {
        h.insert("x-ratelimit-reset-after", v);
    }
    if let Ok(v) = HeaderValue::from_str(&short_hash(&bucket)) {
        h.insert("x-ratelimit-bucket", v);
    }
    res
}

fn too_many(retry_after: f64) -> Response {
    let mut res = (
        StatusCode::TOO_MANY_REQUESTS,
        axum::Json(json!({
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": false,
        })),
    )
        .into_response();
    let h = res.headers_mut();
    h.insert(
        header::RETRY_AFTER,
        HeaderValue::from(retry_after.ceil() as u64),
    );
    h.insert("x-ratelimit-scope", HeaderValue::from_static("user"));
    res
}

async fn me(With(shared): Shr) -> Response {
    axum::Json(shared.templates.me.clone()).into_response()
}

async fn gateway_bot(With(shared): Shr) -> Response {
    let url = shared.lock().gateway_url.clone();
    axum::Json(json!({
        "url": url,
        "shards": 1,
        "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 86_400_000, "max_concurrency": 1},
    }))
    .into_response()
}

fn known_guild(guild: &str) -> Result<(), Response> {
    if guild == GUILD_ID.to_string() {
        Ok(())
    } else {
        Err(error(StatusCode::NOT_FOUND, "Unknown Guild", 10004))
    }
}

async fn guild(Path(guild): Path<String>) -> Response {
    if let Err(res) = known_guild(&guild) {
        return res;
    }
    axum::Json(json!({"id": guild, "name": "Tend test server", "owner_id": "1"})).into_response()
}

async fn channels(With(shared): Shr, Path(guild): Path<String>) -> Response {
    if let Err(res) = known_guild(&guild) {
        return res;
    }
    let state = shared.lock();
    let list: Vec<Value> = state
        .channels
        .iter()
        .filter(|(_, c)| c.kind == 0)
        .map(|(id, c)| shared.templates.render_channel(*id, c))
        .collect();
    axum::Json(list).into_response()
}

async fn active_threads(With(shared): Shr, Path(guild): Path<String>) -> Response {
    if let Err(res) = known_guild(&guild) {
        return res;
    }
    let state = shared.lock();
    let threads: Vec<Value> = state
        .channels
        .iter()
        .filter(|(_, c)| c.kind == 11)
        .map(|(id, c)| shared.templates.render_channel(*id, c))
        .collect();
    axum::Json(json!({"threads": threads, "members": []})).into_response()
}

fn channel_id(raw: &str) -> Result<u64, Response> {
    raw.parse()
        .map_err(|_| error(StatusCode::BAD_REQUEST, "Invalid Form Body", 50035))
}

fn query(raw: Option<String>) -> Vec<(String, String)> {
    raw.and_then(|q| serde_urlencoded::from_str(&q).ok())
        .unwrap_or_default()
}

async fn list_messages(
    With(shared): Shr,
    Path(channel): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let channel = match channel_id(&channel) {
        Ok(c) => c,
        Err(res) => return res,
    };
    let q = query(raw);
    let get = |k: &str| {
        q.iter()
            .find(|(n, _)| n == k)
            .and_then(|(_, v)| v.parse::<u64>().ok())
    };
    let limit = get("limit").unwrap_or(50).clamp(1, 100) as usize;
    let state = shared.lock();
    match state.channels.get(&channel) {
        None => return error(StatusCode::NOT_FOUND, "Unknown Channel", 10003),
        Some(c) if c.hidden => return error(StatusCode::FORBIDDEN, "Missing Access", 50001),
        Some(_) => {}
    }
    let in_channel = state.messages.values().filter(|m| m.channel == channel);
    // Newest first, as Discord answers; with `after`, the oldest `limit`
    // messages after it.
    let mut picked: Vec<&super::Msg> = match (get("after"), get("before")) {
        (Some(after), _) => in_channel.filter(|m| m.id > after).take(limit).collect(),
        (None, Some(before)) => {
            let mut v: Vec<_> = in_channel.filter(|m| m.id < before).collect();
            let skip = v.len().saturating_sub(limit);
            v.drain(..skip);
            v
        }
        (None, None) => {
            let mut v: Vec<_> = in_channel.collect();
            let skip = v.len().saturating_sub(limit);
            v.drain(..skip);
            v
        }
    };
    picked.reverse();
    let list: Vec<Value> = picked
        .into_iter()
        .map(|m| shared.templates.render(&state, m, false))
        .collect();
    axum::Json(list).into_response()
}

async fn create_message(
    With(shared): Shr,
    Path(channel): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let channel = match channel_id(&channel) {
        Ok(c) => c,
        Err(res) => return res,
    };
    let Ok(body) = serde_json::from_slice::<Value>(&body) else {
        return error(
            StatusCode::BAD_REQUEST,
            "The request body contains invalid JSON.",
            50109,
        );
    };
    let content = body["content"].as_str().unwrap_or_default().to_string();
    if content.trim().is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "Cannot send an empty message",
            50006,
        );
    }
    if content.chars().count() > 2000 {
        return error(StatusCode::BAD_REQUEST, "Invalid Form Body", 50035);
    }
    let nonce = match &body["nonce"] {
        Value::String(s) if s.len() <= 25 => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Null => None,
        _ => return error(StatusCode::BAD_REQUEST, "Invalid Form Body", 50035),
    };
    let enforce = body["enforce_nonce"].as_bool().unwrap_or(false);
    let mut state = shared.lock();
    if !state.channels.contains_key(&channel) {
        return error(StatusCode::NOT_FOUND, "Unknown Channel", 10003);
    }
    let bot = state.bot;
    let now = Instant::now();
    state
        .nonces
        .retain(|_, (_, at)| now.duration_since(*at) < NONCE_TTL);
    if enforce
        && let Some(n) = &nonce
        && let Some((existing, _)) = state.nonces.get(&(bot, n.clone()))
        && let Some(m) = state.messages.get(existing)
    {
        let mut v = shared.templates.render(&state, m, false);
        v["nonce"] = json!(n);
        return axum::Json(v).into_response();
    }
    let reply_to = match body["message_reference"]["message_id"].as_str() {
        Some(id) => {
            let id: Option<u64> = id.parse().ok();
            let found = id.filter(|i| state.messages.get(i).is_some_and(|m| m.channel == channel));
            let must = body["message_reference"]["fail_if_not_exists"]
                .as_bool()
                .unwrap_or(true);
            match found {
                Some(id) => Some(id),
                None if must => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "Invalid Form Body: Unknown message",
                        50035,
                    );
                }
                None => None,
            }
        }
        None => None,
    };
    let m = state.create(channel, bot, &content, reply_to, nonce.clone());
    if enforce && let Some(n) = &nonce {
        state.nonces.insert((bot, n.clone()), (m.id, now));
    }
    let mut v = shared.templates.render(&state, &m, false);
    if let Some(n) = &nonce {
        v["nonce"] = json!(n);
    }
    let d = shared.templates.render(&state, &m, true);
    state.log.push(("MESSAGE_CREATE".into(), d));
    drop(state);
    shared.events.notify_waiters();
    axum::Json(v).into_response()
}

async fn delete_message(
    With(shared): Shr,
    Path((channel, message)): Path<(String, String)>,
) -> Response {
    let (Ok(channel), Ok(message)) = (channel.parse::<u64>(), message.parse::<u64>()) else {
        return error(StatusCode::NOT_FOUND, "Unknown Message", 10008);
    };
    let mut state = shared.lock();
    let bot = state.bot;
    match state.messages.get(&message) {
        Some(m) if m.channel == channel && m.author == bot => {}
        Some(m) if m.channel == channel => {
            return error(StatusCode::FORBIDDEN, "Missing Permissions", 50013);
        }
        _ => return error(StatusCode::NOT_FOUND, "Unknown Message", 10008),
    }
    let Some(m) = state.messages.remove(&message) else {
        return error(StatusCode::NOT_FOUND, "Unknown Message", 10008);
    };
    let d = shared.templates.render_delete(&state, &m);
    state.log.push(("MESSAGE_DELETE".into(), d));
    drop(state);
    shared.events.notify_waiters();
    StatusCode::NO_CONTENT.into_response()
}
