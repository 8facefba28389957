//! The fake LinkedIn's HTTP side: one guard in front of `/rest/` (Bearer
//! auth, the version headers, the daily limit, injected faults), then the
//! organisation, posts, comments and OAuth token endpoints.

#![allow(clippy::result_large_err)]

use super::*;

type Shr = With<Arc<Shared>>;

pub(super) fn router(shared: Arc<Shared>) -> Router {
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
