//! The fake's HTTP routes: one guard in front of all of them (rate limit,
//! Bearer auth, injected faults, `X-RateLimit-*` headers), then Mastodon's
//! endpoints for statuses, notifications, the instance, the account, the
//! streaming API and OAuth.

// Helpers answer early with the error `Response` itself, as handlers do;
// boxing it would only add noise to test support.
#![allow(clippy::result_large_err)]

use super::render::iso;
use super::{BRAND_ID, Event, Fault, Route, Shared, State, now_ms};
use crate::killable::Kill;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, Request, State as With};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(super) type Shr = With<Arc<Shared>>;

/// How long Mastodon keeps an `Idempotency-Key`.
const IDEMPOTENCY_TTL: Duration = Duration::from_secs(3600);
/// Mastodon's rate-limit window.
const WINDOW_MS: u64 = 300_000;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/apps", post(super::oauth::create_app))
        .route("/oauth/authorize", get(super::oauth::authorize))
        .route("/oauth/token", post(super::oauth::token))
        .route("/api/v2/instance", get(instance))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(verify_credentials),
        )
        .route("/api/v1/accounts/{id}/statuses", get(account_statuses))
        .route("/api/v1/notifications", get(notifications))
        .route("/api/v1/statuses", post(post_status))
        .route(
            "/api/v1/statuses/{id}",
            get(get_status).put(edit_status).delete(delete_status),
        )
        .route("/api/v1/statuses/{id}/context", get(context))
        .route("/api/v1/streaming/health", get(|| async { "OK" }))
        .route("/api/v1/streaming", get(super::streaming::stream_by_query))
        .route("/api/v1/streaming/user", get(super::streaming::stream_user))
        .route(
            "/api/v1/streaming/user/notification",
            get(super::streaming::stream_notifications),
        )
        .fallback(|| async { error(StatusCode::NOT_FOUND, "Not Found") })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

/// The account a request is signed in as.
#[derive(Clone, Copy)]
struct Authed(u64);

pub(super) fn error(status: StatusCode, message: &str) -> Response {
    (status, axum::Json(json!({ "error": message }))).into_response()
}

fn route_of(method: &Method, path: &str) -> Option<Route> {
    Some(match (method.as_str(), path) {
        ("POST", "/api/v1/statuses") => Route::PostStatus,
        ("GET", "/api/v1/notifications") => Route::Notifications,
        ("GET", "/api/v1/accounts/verify_credentials") => Route::VerifyCredentials,
        ("GET", p) if p.starts_with("/api/v1/accounts/") && p.ends_with("/statuses") => {
            Route::AccountStatuses
        }
        ("DELETE", p) if p.starts_with("/api/v1/statuses/") => Route::DeleteStatus,
        (_, p) if p.starts_with("/api/v1/streaming") => Route::Streaming,
        _ => return None,
    })
}

fn bearer(req: &Request) -> Option<String> {
    let from_header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    // The streaming API also takes the token as a query parameter.
    from_header.or_else(|| {
        let query = req.uri().query()?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
        pairs
            .into_iter()
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v)
    })
}

async fn guard(With(shared): Shr, mut req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let public = path.starts_with("/oauth/")
        || path == "/api/v1/apps"
        || path == "/api/v2/instance"
        || path == "/api/v1/streaming/health";
    let token = bearer(&req);
    let writes = req.method() != Method::GET && path.starts_with("/api/v1/statuses");
    let route = route_of(req.method(), &path);
    let now = now_ms();
    let (limit, remaining, reset, verdict) = {
        let mut state = shared.lock();
        let limit = state.rate_limit;
        let key = token.clone().unwrap_or_else(|| "anonymous".into());
        let window = state.windows.entry(key).or_insert((limit, now + WINDOW_MS));
        if window.1 <= now {
            *window = (limit, now + WINDOW_MS);
        }
        let verdict = if window.0 == 0 {
            Err(error(StatusCode::TOO_MANY_REQUESTS, "Too many requests"))
        } else {
            window.0 -= 1;
            Ok(())
        };
        let (remaining, reset) = *window;
        let verdict = verdict.and_then(|()| {
            let account = match token.as_ref().and_then(|t| state.tokens.get(t)) {
                Some(t) if t.expires_at.is_some_and(|at| at <= Instant::now()) => {
                    return Err(unauthorized());
                }
                Some(t) if writes && !has_scope(&t.scopes, "write:statuses") => {
                    return Err(error(
                        StatusCode::FORBIDDEN,
                        "This action is outside the authorized scopes",
                    ));
                }
                Some(t) => Some(t.account),
                _ if public => None,
                _ => return Err(unauthorized()),
            };
            Ok((account, route.and_then(|r| state.take_fault(r))))
        });
        (limit, remaining, reset, verdict)
    };
    let mut res = match verdict {
        Err(res) => res,
        Ok((_, Some(Fault::Unavailable))) => {
            error(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
        }
        Ok((_, Some(Fault::RateLimited { retry_after_secs }))) => {
            let mut res = error(StatusCode::TOO_MANY_REQUESTS, "Too many requests");
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            res
        }
        Ok((account, fault)) => {
            if let Some(account) = account {
                req.extensions_mut().insert(Authed(account));
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
    };
    let headers = res.headers_mut();
    headers.insert("x-ratelimit-limit", HeaderValue::from(limit));
    headers.insert("x-ratelimit-remaining", HeaderValue::from(remaining));
    if let Ok(reset) = HeaderValue::from_str(&iso(reset)) {
        headers.insert("x-ratelimit-reset", reset);
    }
    res
}

/// Whether `granted` (space-separated) covers `scope` (`write` covers `write:statuses`).
fn has_scope(granted: &str, scope: &str) -> bool {
    let parent = scope.split(':').next().unwrap_or(scope);
    granted
        .split_whitespace()
        .any(|g| g == scope || g == parent)
}

fn unauthorized() -> Response {
    let mut res = error(StatusCode::UNAUTHORIZED, "The access token is invalid");
    res.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(
            "Bearer realm=\"Doorkeeper\", error=\"invalid_token\", error_description=\"The access token is invalid\"",
        ),
    );
    res
}

/// The signed-in account, or 401 (on a public route without a token).
fn authed(req_account: Option<axum::Extension<Authed>>) -> Result<u64, Response> {
    req_account.map(|a| a.0.0).ok_or_else(unauthorized)
}

/// Form or JSON parameters as one JSON object (`a[]=1&a[]=2` become arrays).
pub(super) fn params(headers: &HeaderMap, body: &Bytes) -> Result<Value, Response> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if is_json {
        return serde_json::from_slice(body)
            .map_err(|_| error(StatusCode::BAD_REQUEST, "Error while parsing JSON"));
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|_| error(StatusCode::BAD_REQUEST, "Error while parsing the form"))?;
    Ok(query_object(pairs))
}

fn query_object(pairs: Vec<(String, String)>) -> Value {
    let mut obj = serde_json::Map::new();
    for (k, v) in pairs {
        match k.strip_suffix("[]") {
            Some(k) => {
                let entry = obj.entry(k.to_string()).or_insert_with(|| json!([]));
                if let Some(list) = entry.as_array_mut() {
                    list.push(json!(v));
                }
            }
            None => {
                obj.insert(k, json!(v));
            }
        }
    }
    Value::Object(obj)
}

pub(super) fn query(raw: Option<String>) -> Value {
    let pairs = raw
        .and_then(|q| serde_urlencoded::from_str(&q).ok())
        .unwrap_or_default();
    query_object(pairs)
}

pub(super) fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn id_param(v: &Value, key: &str) -> Option<u64> {
    match v.get(key)? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

// ---- instance and account ----

async fn instance(With(shared): Shr) -> Response {
    let max = shared.lock().max_characters;
    axum::Json(shared.templates.instance(&shared.url, max)).into_response()
}

async fn verify_credentials(With(shared): Shr, me: Option<axum::Extension<Authed>>) -> Response {
    let me = match authed(me) {
        Ok(me) => me,
        Err(res) => return res,
    };
    let state = shared.lock();
    let Some(account) = state.accounts.get(&me) else {
        return unauthorized();
    };
    let n = state.statuses.values().filter(|s| s.account == me).count();
    axum::Json(shared.templates.credential_account(&shared.url, account, n)).into_response()
}

// ---- pages ----

struct PageQuery {
    max_id: Option<u64>,
    since_id: Option<u64>,
    min_id: Option<u64>,
    limit: usize,
}

impl PageQuery {
    fn of(q: &Value, default: usize, max: usize) -> PageQuery {
        let limit = id_param(q, "limit").map_or(default, |l| usize::try_from(l).unwrap_or(max));
        PageQuery {
            max_id: id_param(q, "max_id"),
            since_id: id_param(q, "since_id"),
            min_id: id_param(q, "min_id"),
            limit: limit.clamp(1, max),
        }
    }

    /// Mastodon's paging: newest first; `min_id` takes the oldest after it.
    fn select<'a, T>(&self, map: &'a BTreeMap<u64, T>, keep: impl Fn(&T) -> bool) -> Vec<&'a T> {
        let upper = self.max_id.map_or(Bound::Unbounded, Bound::Excluded);
        if let Some(min) = self.min_id {
            let mut page: Vec<&T> = map
                .range((Bound::Excluded(min), upper))
                .map(|(_, t)| t)
                .filter(|t| keep(t))
                .take(self.limit)
                .collect();
            page.reverse();
            page
        } else {
            let lower = self.since_id.map_or(Bound::Unbounded, Bound::Excluded);
            map.range((lower, upper))
                .rev()
                .map(|(_, t)| t)
                .filter(|t| keep(t))
                .take(self.limit)
                .collect()
        }
    }
}

/// The `Link` header of a page whose ids run from `newest` to `oldest`.
fn link(
    base: &str,
    path: &str,
    raw: Option<&str>,
    newest: u64,
    oldest: u64,
) -> Option<HeaderValue> {
    let kept: Vec<(String, String)> = raw
        .and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
        .unwrap_or_default()
        .into_iter()
        .filter(|(k, _)| !matches!(k.as_str(), "max_id" | "min_id" | "since_id"))
        .collect();
    let with = |k: &str, v: u64| {
        let mut pairs = vec![(k.to_string(), v.to_string())];
        pairs.extend(kept.iter().cloned());
        format!(
            "{base}{path}?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    };
    HeaderValue::from_str(&format!(
        "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
        with("max_id", oldest),
        with("min_id", newest)
    ))
    .ok()
}

fn paged(items: Vec<Value>, link: Option<HeaderValue>) -> Response {
    let mut res = axum::Json(Value::Array(items)).into_response();
    if let Some(link) = link {
        res.headers_mut().insert(header::LINK, link);
    }
    res
}

async fn notifications(
    With(shared): Shr,
    me: Option<axum::Extension<Authed>>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(res) = authed(me) {
        return res;
    }
    let q = query(raw.clone());
    let listed = |key: &str| {
        q.get(key)
            .and_then(Value::as_array)
            .map(|l| l.iter().any(|t| t.as_str() == Some("mention")))
    };
    // Only mentions exist here: other types asked for give an empty page.
    let wanted = listed("types").unwrap_or(true) && !listed("exclude_types").unwrap_or(false);
    let page = PageQuery::of(&q, 40, 80);
    let state = shared.lock();
    let chosen = if wanted {
        page.select(&state.notifications, |_| true)
    } else {
        Vec::new()
    };
    let link = match (chosen.first(), chosen.last()) {
        (Some(first), Some(last)) => link(
            &shared.url,
            "/api/v1/notifications",
            raw.as_deref(),
            first.id,
            last.id,
        ),
        _ => None,
    };
    let items = chosen
        .into_iter()
        .map(|n| shared.templates.notification(&shared.url, &state, n))
        .collect();
    paged(items, link)
}

async fn account_statuses(
    With(shared): Shr,
    me: Option<axum::Extension<Authed>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(res) = authed(me) {
        return res;
    }
    let q = query(raw.clone());
    let state = shared.lock();
    let Some(account) = id
        .parse::<u64>()
        .ok()
        .filter(|a| state.accounts.contains_key(a))
    else {
        return error(StatusCode::NOT_FOUND, "Record not found");
    };
    let no_replies = text(&q, "exclude_replies") == Some("true");
    let chosen = PageQuery::of(&q, 20, 40).select(&state.statuses, |s| {
        s.account == account && !(no_replies && s.in_reply_to.is_some())
    });
    let path = format!("/api/v1/accounts/{account}/statuses");
    let link = match (chosen.first(), chosen.last()) {
        (Some(first), Some(last)) => link(&shared.url, &path, raw.as_deref(), first.id, last.id),
        _ => None,
    };
    let items = chosen
        .into_iter()
        .map(|s| shared.templates.status(&shared.url, &state, s))
        .collect();
    paged(items, link)
}

// ---- statuses ----

/// Mastodon's length: characters, a URL counts 23, `@user@domain` as `@user`.
fn status_length(text: &str) -> usize {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let bare = word.trim_end();
            let counted = if bare.starts_with("http://") || bare.starts_with("https://") {
                23
            } else if let Some(user) = bare.strip_prefix('@').and_then(|m| m.split_once('@')) {
                1 + user.0.chars().count()
            } else {
                bare.chars().count()
            };
            counted + word[bare.len()..].chars().count()
        })
        .sum()
}

fn check_text(state: &State, text: &str) -> Result<(), Response> {
    if text.trim().is_empty() {
        return Err(error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Validation failed: Text can't be blank",
        ));
    }
    if status_length(text) > state.max_characters {
        let message = format!(
            "Validation failed: Text character limit of {} exceeded",
            state.max_characters
        );
        return Err(error(StatusCode::UNPROCESSABLE_ENTITY, &message));
    }
    Ok(())
}

async fn post_status(
    With(shared): Shr,
    me: Option<axum::Extension<Authed>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let me = match authed(me) {
        Ok(me) => me,
        Err(res) => return res,
    };
    let p = match params(&headers, &body) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(|k| (me.to_string(), k.to_string()));
    // One lock from the key check to the insert: racing requests with the
    // same key get the same status.
    let mut state = shared.lock();
    state.status_posts += 1;
    if let Some(key) = &key
        && let Some((id, at)) = state.idempotency.get(key)
        && at.elapsed() < IDEMPOTENCY_TTL
        && let Some(existing) = state.statuses.get(id)
    {
        return axum::Json(shared.templates.status(&shared.url, &state, existing)).into_response();
    }
    let text_in = text(&p, "status").unwrap_or_default().to_string();
    if let Err(res) = check_text(&state, &text_in) {
        return res;
    }
    let reply_to = match p.get("in_reply_to_id") {
        None | Some(Value::Null) => None,
        Some(_) => {
            match id_param(&p, "in_reply_to_id").filter(|id| state.statuses.contains_key(id)) {
                Some(id) => Some(id),
                None => return error(StatusCode::NOT_FOUND, "Record not found"),
            }
        }
    };
    let visibility = match text(&p, "visibility") {
        None => "public",
        Some(v @ ("public" | "unlisted" | "private" | "direct")) => v,
        Some(_) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Validation failed: Visibility is not included in the list",
            );
        }
    }
    .to_string();
    let app = state
        .tokens
        .values()
        .find(|t| t.account == me && t.app.is_some())
        .and_then(|t| t.app.clone());
    let id = state.create_status(me, &text_in, reply_to, now_ms(), app);
    if let Some(status) = state.statuses.get_mut(&id) {
        status.visibility = visibility;
    }
    if let Some(key) = key {
        if state.idempotency.len() >= 100_000 {
            state
                .idempotency
                .retain(|_, (_, at)| at.elapsed() < IDEMPOTENCY_TTL);
        }
        state.idempotency.insert(key, (id, Instant::now()));
    }
    match state.statuses.get(&id) {
        Some(s) => axum::Json(shared.templates.status(&shared.url, &state, s)).into_response(),
        None => error(StatusCode::INTERNAL_SERVER_ERROR, "lost"),
    }
}

async fn get_status(
    With(shared): Shr,
    me: Option<axum::Extension<Authed>>,
    Path(id): Path<String>,
) -> Response {
    if let Err(res) = authed(me) {
        return res;
    }
    let state = shared.lock();
    match id
        .parse::<u64>()
        .ok()
        .and_then(|id| state.statuses.get(&id))
    {
        Some(s) => axum::Json(shared.templates.status(&shared.url, &state, s)).into_response(),
        None => error(StatusCode::NOT_FOUND, "Record not found"),
    }
}

async fn context(
    With(shared): Shr,
    me: Option<axum::Extension<Authed>>,
    Path(id): Path<String>,
) -> Response {
    if let Err(res) = authed(me) {
        return res;
    }
    let state = shared.lock();
    let Some(status) = id
        .parse::<u64>()
        .ok()
        .and_then(|id| state.statuses.get(&id))
    else {
        return error(StatusCode::NOT_FOUND, "Record not found");
    };
    let mut ancestors = Vec::new();
    let mut up = status.in_reply_to;
    while let Some(s) = up.and_then(|p| state.statuses.get(&p)) {
        ancestors.push(s);
        up = s.in_reply_to;
    }
    ancestors.reverse();
    let mut family = vec![status.id];
    let mut descendants = Vec::new();
    for s in state.statuses.range(status.id + 1..).map(|(_, s)| s) {
        if s.in_reply_to.is_some_and(|p| family.contains(&p)) {
            family.push(s.id);
            descendants.push(s);
        }
    }
    let render = |list: Vec<&super::Status>| -> Vec<Value> {
        list.into_iter()
            .map(|s| shared.templates.status(&shared.url, &state, s))
            .collect()
    };
    axum::Json(json!({"ancestors": render(ancestors), "descendants": render(descendants)}))
        .into_response()
}

async fn edit_status(
    With(shared): Shr,
    me: Option<axum::Extension<Authed>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let me = match authed(me) {
        Ok(me) => me,
        Err(res) => return res,
    };
    let p = match params(&headers, &body) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let mut state = shared.lock();
    let Some(id) = id
        .parse::<u64>()
        .ok()
        .filter(|id| state.statuses.contains_key(id))
    else {
        return error(StatusCode::NOT_FOUND, "Record not found");
    };
    if state.statuses.get(&id).is_some_and(|s| s.account != me) {
        return error(StatusCode::FORBIDDEN, "This action is not allowed");
    }
    let new_text = text(&p, "status").unwrap_or_default().to_string();
    if let Err(res) = check_text(&state, &new_text) {
        return res;
    }
    state.edit(id, &new_text);
    let announce = state.mentions_brand(id) && me != BRAND_ID;
    let res = match state.statuses.get(&id) {
        Some(s) => axum::Json(shared.templates.status(&shared.url, &state, s)).into_response(),
        None => error(StatusCode::NOT_FOUND, "Record not found"),
    };
    drop(state);
    if announce {
        shared.broadcast_update(id);
    }
    res
}

async fn delete_status(
    With(shared): Shr,
    me: Option<axum::Extension<Authed>>,
    Path(id): Path<String>,
) -> Response {
    let me = match authed(me) {
        Ok(me) => me,
        Err(res) => return res,
    };
    let mut state = shared.lock();
    let Some(status) = id
        .parse::<u64>()
        .ok()
        .and_then(|id| state.statuses.get(&id))
    else {
        return error(StatusCode::NOT_FOUND, "Record not found");
    };
    if status.account != me {
        return error(StatusCode::FORBIDDEN, "This action is not allowed");
    }
    let mut answer = shared.templates.status(&shared.url, &state, status);
    if let Some(obj) = answer.as_object_mut() {
        obj.insert("text".into(), json!(status.text));
    }
    let id = status.id;
    state.remove(id);
    drop(state);
    let _ = shared.events.send(Event::Delete(id));
    axum::Json(answer).into_response()
}

#[cfg(test)]
mod tests {
    use super::status_length;

    #[test]
    fn length_counts_urls_as_23_and_remote_mentions_by_user() {
        assert_eq!(status_length("hello"), 5);
        assert_eq!(
            status_length("see https://example.com/a/very/long/path/indeed"),
            4 + 23
        );
        assert_eq!(status_length("@alice@example.social hi"), 6 + 1 + 2);
    }
}
