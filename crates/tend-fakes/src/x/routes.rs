//! The fake X's HTTP side: one guard in front of every route (Bearer auth,
//! the per-endpoint rate-limit window and its headers, injected faults),
//! then X's endpoints: users/me, mentions, the user's tweets, DM events,
//! tweet create and delete, and the OAuth 2.0 token endpoint.

#![allow(clippy::result_large_err)]

use super::*;

type Shr = With<Arc<Shared>>;

const WINDOW_MS: u64 = 15 * 60 * 1000;

pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/2/oauth2/token", post(token))
        .route("/2/users/me", get(me))
        .route("/2/users/{id}/mentions", get(mentions))
        .route("/2/users/{id}/tweets", get(user_tweets))
        .route("/2/dm_events", get(dm_events))
        .route("/2/tweets", post(create_tweet))
        .route("/2/tweets/{id}", delete(delete_tweet))
        .fallback(|| async {
            problem(
                StatusCode::NOT_FOUND,
                "Not Found Error",
                "Sorry, that page does not exist.",
            )
        })
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .with_state(shared)
}

fn problem(status: StatusCode, title: &str, detail: &str) -> Response {
    let body = json!({
        "title": title,
        "detail": detail,
        "type": "about:blank",
        "status": status.as_u16(),
    });
    (status, axum::Json(body)).into_response()
}

fn invalid(message: &str) -> Response {
    let body = json!({
        "errors": [{"parameters": {}, "message": message}],
        "title": "Invalid Request",
        "detail": "One or more parameters to your request was invalid.",
        "type": "https://api.twitter.com/2/problems/invalid-request",
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

fn route_of(method: &Method, path: &str) -> Option<Route> {
    Some(match method.as_str() {
        "POST" if path == "/2/tweets" => Route::PostTweet,
        "DELETE" if path.starts_with("/2/tweets/") => Route::DeleteTweet,
        "GET" if path.ends_with("/mentions") => Route::Mentions,
        "GET" if path.starts_with("/2/users/") && path.ends_with("/tweets") => Route::UserTweets,
        "GET" if path == "/2/dm_events" => Route::DmEvents,
        _ => return None,
    })
}

fn endpoint(route: Option<Route>) -> &'static str {
    match route {
        Some(Route::PostTweet) => "post",
        Some(Route::DeleteTweet) => "delete",
        Some(Route::Mentions) => "mentions",
        Some(Route::UserTweets) => "tweets",
        Some(Route::DmEvents) => "dm",
        None => "other",
    }
}

async fn guard(With(shared): Shr, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path == "/2/oauth2/token" {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string());
    let route = route_of(req.method(), &path);
    let now = now_ms();
    let (limit, remaining, reset, verdict) = {
        let mut state = shared.lock();
        let valid = token
            .as_ref()
            .and_then(|t| state.tokens.get(t))
            .is_some_and(|t| t.expires_at.is_none_or(|at| at > Instant::now()));
        let limit = state.rate_limit;
        let key = (token.clone().unwrap_or_default(), endpoint(route));
        let window = state.windows.entry(key).or_insert((limit, now + WINDOW_MS));
        if window.1 <= now {
            *window = (limit, now + WINDOW_MS);
        }
        let verdict = if !valid {
            Err(problem(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "Unauthorized",
            ))
        } else if window.0 == 0 {
            Err(problem(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Too Many Requests",
            ))
        } else {
            window.0 -= 1;
            Ok(())
        };
        let (remaining, reset) = *window;
        let verdict = verdict.map(|()| route.and_then(|r| state.take_fault(r)));
        (limit, remaining, reset, verdict)
    };
    let mut reset_secs = reset / 1000;
    let mut res = match verdict {
        Err(res) => res,
        Ok(Some(Fault::Unavailable)) => problem(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable",
            "Service Unavailable",
        ),
        Ok(Some(Fault::RateLimited { reset_in_secs })) => {
            reset_secs = now / 1000 + reset_in_secs;
            problem(
                StatusCode::TOO_MANY_REQUESTS,
                "Too Many Requests",
                "Too Many Requests",
            )
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
    let headers = res.headers_mut();
    headers.insert("x-rate-limit-limit", HeaderValue::from(limit));
    headers.insert("x-rate-limit-remaining", HeaderValue::from(remaining));
    headers.insert("x-rate-limit-reset", HeaderValue::from(reset_secs));
    res
}

fn query(raw: Option<String>) -> HashMap<String, String> {
    raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(&q).ok())
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// X's paging parameters, checked as X checks them.
struct Paging {
    max: usize,
    since: Option<u64>,
    until: Option<u64>,
    start_ms: Option<u64>,
}

impl Paging {
    fn of(q: &HashMap<String, String>) -> Result<Paging, Response> {
        let max = match q.get("max_results") {
            None => 10,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (5..=100).contains(&n) => n,
                _ => {
                    return Err(invalid(&format!(
                        "The `max_results` query parameter value [{v}] is not between 5 and 100"
                    )));
                }
            },
        };
        let id = |name: &str| -> Result<Option<u64>, Response> {
            match q.get(name) {
                None => Ok(None),
                Some(v) => v.parse::<u64>().map(Some).map_err(|_| {
                    invalid(&format!(
                        "The `{name}` query parameter value [{v}] is not a valid ID"
                    ))
                }),
            }
        };
        let mut until = id("until_id")?;
        if let Some(token) = q.get("pagination_token") {
            let parsed = token
                .strip_prefix("7140")
                .and_then(|hex| u64::from_str_radix(hex, 16).ok())
                .ok_or_else(|| {
                    invalid(&format!(
                        "The `pagination_token` query parameter value [{token}] is not valid"
                    ))
                })?;
            until = Some(until.map_or(parsed, |u| u.min(parsed)));
        }
        let start_ms = match q.get("start_time") {
            None => None,
            Some(v) => Some(
                v.parse::<jiff::Timestamp>()
                    .map(|t| u64::try_from(t.as_millisecond()).unwrap_or(0))
                    .map_err(|_| {
                        invalid(&format!(
                            "Invalid 'start_time':'{v}'. 'start_time' must be a valid RFC 3339 timestamp"
                        ))
                    })?,
            ),
        };
        Ok(Paging {
            max,
            since: id("since_id")?,
            until,
            start_ms,
        })
    }

    /// Newest first, at most `max`; with the next token when more remain.
    fn select<'a, T>(
        &self,
        map: &'a BTreeMap<u64, T>,
        created: impl Fn(&T) -> u64,
        keep: impl Fn(&T) -> bool,
    ) -> (Vec<&'a T>, bool) {
        let upper = self.until.map_or(u64::MAX, |u| u.saturating_sub(1));
        let lower = self.since.map_or(0, |s| s.saturating_add(1));
        let mut all = map
            .range(lower..=upper)
            .rev()
            .map(|(_, t)| t)
            .filter(|t| keep(t))
            .filter(|t| self.start_ms.is_none_or(|s| created(t) >= s));
        let page: Vec<&T> = all.by_ref().take(self.max).collect();
        let more = all.next().is_some();
        (page, more)
    }
}

fn iso(ms: u64) -> String {
    let t = jiff::Timestamp::from_millisecond(i64::try_from(ms).unwrap_or(0))
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    format!("{}", t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ"))
}

impl Shared {
    fn render_tweet(&self, state: &State, t: &Tweet) -> Value {
        let mut v = self.templates.tweet.clone();
        let text = t
            .text
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        v["id"] = json!(t.id.to_string());
        v["text"] = json!(text);
        v["author_id"] = json!(t.author);
        v["created_at"] = json!(iso(t.created_ms));
        v["conversation_id"] = json!(t.conversation.to_string());
        v["edit_history_tweet_ids"] =
            json!(t.history.iter().map(u64::to_string).collect::<Vec<_>>());
        v["lang"] = json!("en");
        if let Some(p) = t.reply_to {
            v["referenced_tweets"] = json!([{"type": "replied_to", "id": p.to_string()}]);
        }
        let replies = state
            .tweets
            .values()
            .filter(|r| r.reply_to == Some(t.id) && !r.superseded)
            .count();
        v["public_metrics"]["reply_count"] = json!(replies);
        v
    }

    fn render_user(&self, u: &User) -> Value {
        let mut v = self.templates.user.clone();
        v["id"] = json!(u.id);
        v["username"] = json!(u.username);
        v["name"] = json!(u.name);
        v["verified"] = json!(false);
        v["public_metrics"] = json!({"followers_count": u.followers});
        v
    }
}

fn listing(
    shared: &Shared,
    state: &State,
    data: Vec<Value>,
    authors: Vec<String>,
    ids: (Option<u64>, Option<u64>),
    next: Option<u64>,
    expand: bool,
) -> Response {
    let mut body = json!({ "data": data });
    if expand {
        let mut seen = Vec::new();
        let users: Vec<Value> = authors
            .iter()
            .filter(|a| {
                let new = !seen.contains(*a);
                seen.push((*a).clone());
                new
            })
            .filter_map(|a| state.users.get(a))
            .map(|u| shared.render_user(u))
            .collect();
        body["includes"] = json!({ "users": users });
    }
    let n = body["data"].as_array().map_or(0, Vec::len);
    let mut meta = json!({ "result_count": n });
    if let (Some(newest), Some(oldest)) = ids {
        meta["newest_id"] = json!(newest.to_string());
        meta["oldest_id"] = json!(oldest.to_string());
    }
    if let Some(until) = next {
        meta["next_token"] = json!(format!("7140{until:x}"));
    }
    if n == 0 {
        body.as_object_mut().map(|o| o.remove("data"));
    }
    body["meta"] = meta;
    axum::Json(body).into_response()
}

fn check_me(id: &str) -> Result<(), Response> {
    if id == BRAND_ID {
        Ok(())
    } else {
        Err(problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You are not permitted to read this user's timeline with this token.",
        ))
    }
}

async fn me(With(shared): Shr) -> Response {
    let state = shared.lock();
    let mut v = shared.templates.me.clone();
    if let Some(u) = state.users.get(BRAND_ID) {
        v["id"] = json!(u.id);
        v["username"] = json!(u.username);
        v["name"] = json!(u.name);
    }
    axum::Json(json!({ "data": v })).into_response()
}

fn timeline(
    shared: &Shared,
    raw: Option<String>,
    keep: impl Fn(&State, &Tweet) -> bool,
) -> Response {
    let q = query(raw);
    let paging = match Paging::of(&q) {
        Ok(p) => p,
        Err(res) => return res,
    };
    let expand = q
        .get("expansions")
        .is_some_and(|e| e.split(',').any(|x| x == "author_id"));
    let state = shared.lock();
    let (page, more) = paging.select(
        &state.tweets,
        |t| t.created_ms,
        |t| !t.superseded && keep(&state, t),
    );
    let ids = (page.first().map(|t| t.id), page.last().map(|t| t.id));
    let next = ids.1.filter(|_| more);
    let authors = page.iter().map(|t| t.author.clone()).collect();
    let data = page
        .iter()
        .map(|t| shared.render_tweet(&state, t))
        .collect();
    listing(shared, &state, data, authors, ids, next, expand)
}

async fn mentions(With(shared): Shr, Path(id): Path<String>, RawQuery(raw): RawQuery) -> Response {
    if let Err(res) = check_me(&id) {
        return res;
    }
    let handle = format!("@{BRAND}");
    timeline(&shared, raw, |_, t| {
        t.author != BRAND_ID
            && t.text
                .split_whitespace()
                .any(|w| w.trim_end_matches(|c: char| !c.is_alphanumeric()) == handle)
    })
}

async fn user_tweets(
    With(shared): Shr,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Err(res) = check_me(&id) {
        return res;
    }
    timeline(&shared, raw, |_, t| t.author == BRAND_ID)
}

async fn dm_events(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw);
    let paging = match Paging::of(&q) {
        Ok(p) if p.since.is_none() && p.start_ms.is_none() => p,
        Ok(_) => return invalid("since_id and start_time are not parameters of /2/dm_events"),
        Err(res) => return res,
    };
    let state = shared.lock();
    let (page, more) = paging.select(&state.dms, |d| d.created_ms, |_| true);
    let ids = (page.first().map(|d| d.id), page.last().map(|d| d.id));
    let next = ids.1.filter(|_| more);
    let authors = page.iter().map(|d| d.sender.clone()).collect();
    let data = page
        .iter()
        .map(|d| {
            let mut v = shared.templates.dm.clone();
            v["id"] = json!(d.id.to_string());
            v["text"] = json!(d.text);
            v["event_type"] = json!("MessageCreate");
            v["dm_conversation_id"] = json!(d.conversation);
            v["created_at"] = json!(iso(d.created_ms));
            v["sender_id"] = json!(d.sender);
            v
        })
        .collect();
    let expand = q
        .get("expansions")
        .is_some_and(|e| e.split(',').any(|x| x == "sender_id"));
    listing(&shared, &state, data, authors, ids, next, expand)
}

/// X's weighted length, simplified: characters, a link counts 23.
fn weighted(text: &str) -> usize {
    text.split_inclusive(char::is_whitespace)
        .map(|w| {
            let bare = w.trim_end();
            let n = if bare.starts_with("http://") || bare.starts_with("https://") {
                23
            } else {
                bare.chars().count()
            };
            n + w[bare.len()..].chars().count()
        })
        .sum()
}

async fn create_tweet(With(shared): Shr, body: Bytes) -> Response {
    let mut state = shared.lock();
    state.tweet_posts += 1;
    let Ok(p) = serde_json::from_slice::<Value>(&body) else {
        return invalid("Request body is not valid JSON");
    };
    let Some(text) = p.get("text").and_then(Value::as_str) else {
        return invalid("$.text: is missing but it is required");
    };
    if text.trim().is_empty() || weighted(text) > 280 {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "Your Tweet text is too long or empty.",
        );
    }
    let reply_to = match p.pointer("/reply/in_reply_to_tweet_id") {
        None => None,
        Some(v) => match v.as_str().and_then(|s| s.parse::<u64>().ok()) {
            Some(id) if state.tweets.contains_key(&id) => Some(id),
            _ => {
                return invalid(
                    "The tweet you are replying to does not exist or is not visible to you.",
                );
            }
        },
    };
    // X adds the replied-to handle and wraps links in t.co.
    let mut stored: Vec<String> = text
        .split_whitespace()
        .map(|w| {
            if w.starts_with("http://") || w.starts_with("https://") {
                format!("https://t.co/{:x}", w.len() * 7919)
            } else {
                w.to_string()
            }
        })
        .collect();
    if let Some(parent) = reply_to.and_then(|p| state.tweets.get(&p)) {
        let handle = format!("@{}", state.username(&parent.author));
        if stored.first() != Some(&handle) && parent.author != BRAND_ID {
            stored.insert(0, handle);
        }
    }
    let stored = stored.join(" ");
    let duplicate = state
        .tweets
        .values()
        .any(|t| t.author == BRAND_ID && !t.superseded && t.text == stored);
    if duplicate {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You are not allowed to create a Tweet with duplicate content.",
        );
    }
    let id = state.create(BRAND_ID, &stored, reply_to, now_ms());
    let mut answer = shared.templates.created.clone();
    answer["data"]["id"] = json!(id.to_string());
    answer["data"]["text"] = json!(stored);
    answer["data"]["edit_history_tweet_ids"] = json!([id.to_string()]);
    let mut res = (StatusCode::CREATED, axum::Json(answer)).into_response();
    if let Ok(loc) = HeaderValue::from_str(&format!("https://api.x.com/2/tweets/{id}")) {
        res.headers_mut().insert(header::LOCATION, loc);
    }
    res
}

async fn delete_tweet(With(shared): Shr, Path(id): Path<String>) -> Response {
    let mut state = shared.lock();
    let Some(tweet) = id.parse::<u64>().ok().and_then(|id| state.tweets.get(&id)) else {
        return problem(
            StatusCode::NOT_FOUND,
            "Not Found Error",
            &format!("Could not find tweet with id: [{id}]."),
        );
    };
    if tweet.author != BRAND_ID {
        return problem(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "You are not allowed to delete a Tweet that is not yours.",
        );
    }
    for v in tweet.history.clone() {
        state.tweets.remove(&v);
    }
    axum::Json(shared.templates.deleted.clone()).into_response()
}

async fn token(With(shared): Shr, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> =
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
            .unwrap_or_default()
            .into_iter()
            .collect();
    let refused = |description: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": "invalid_request", "error_description": description})),
        )
            .into_response()
    };
    let _basic = headers.get(header::AUTHORIZATION);
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return refused("Missing required parameter [grant_type].");
    }
    let mut state = shared.lock();
    let Some(old) = form.get("refresh_token") else {
        return refused("Missing required parameter [refresh_token].");
    };
    match state.refresh_tokens.remove(old) {
        Some(client) if form.get("client_id") == Some(&client) => {}
        _ => return refused("Value passed for the token was invalid."),
    }
    let lifetime = state.token_lifetime.as_secs();
    let (access, refresh) = state.issue_pair();
    axum::Json(json!({
        "token_type": "bearer",
        "expires_in": lifetime,
        "access_token": access,
        "scope": "tweet.read tweet.write users.read dm.read offline.access",
        "refresh_token": refresh,
    }))
    .into_response()
}
