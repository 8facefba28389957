//! The fake Meta's HTTP side: one guard in front of every route (the token,
//! the usage headers, injected faults and throttles), then the Graph and
//! Threads endpoints, dispatched on the id and edge of the path, and the
//! JSON they answer, made from the recorded payloads.

#![allow(clippy::result_large_err)]

use super::render::{children, descendants, iso, modifier, paged};
use super::*;

type Shr = With<Arc<Shared>>;

fn graph_error(
    t: &Templates,
    status: StatusCode,
    code: i64,
    subcode: i64,
    message: &str,
) -> Response {
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

pub(super) async fn guard(With(shared): Shr, req: Request, next: Next) -> Response {
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

pub(super) async fn graph_get(
    With(shared): Shr,
    Path((version, rest)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let q = query(raw.clone());
    let state = shared.lock();
    let t = &shared.t;
    let parts: Vec<&str> = rest.split('/').collect();
    let limit = q
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(25usize);
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
            let since = q
                .get("since")
                .and_then(|s| s.parse::<i64>().ok())
                .unwrap_or(0);
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
            let items = comments
                .iter()
                .map(|c| shared.fb_comment(&state, c))
                .collect();
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
        [ig, "content_publishing_limit"] if ig == IG_ID => {
            let day_ago = super::now_secs() - 86_400;
            let used = state
                .nodes
                .iter()
                .filter(|n| n.author == IG_ID && n.kind == Kind::Post && n.created > day_ago)
                .count();
            let mut v = t.ig_publish_limit.clone();
            v["data"][0]["quota_usage"] = json!(used);
            v["data"][0]["config"]["quota_total"] = json!(state.quotas.0);
            json(v)
        }
        ["me", "threads_publishing_limit"] if threads => {
            let day_ago = super::now_secs() - 86_400;
            let own = |kind: Kind| {
                state
                    .nodes
                    .iter()
                    .filter(|n| n.author == THREADS_ID && n.kind == kind && n.created > day_ago)
                    .count()
            };
            let mut entry = t.threads_quota.clone();
            entry["reply_quota_usage"] = json!(own(Kind::Comment));
            entry["reply_config"]["quota_total"] = json!(state.quotas.2);
            entry["quota_usage"] = json!(own(Kind::Post));
            entry["config"] = json!({"quota_total": state.quotas.1, "quota_duration": 86_400});
            json(json!({ "data": [entry] }))
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

pub(super) async fn graph_post(
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
                return graph_error(
                    t,
                    StatusCode::BAD_REQUEST,
                    100,
                    0,
                    "(#100) Missing message or attachment",
                );
            }
            let id = state.insert(
                Net::Facebook,
                Kind::Comment,
                PAGE_ID,
                &text,
                Some(object.to_string()),
                now_secs(),
            );
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
            let id = state.insert(
                Net::Instagram,
                Kind::Comment,
                IG_ID,
                &text,
                Some(comment.to_string()),
                now_secs(),
            );
            created(&id, &t.ig_created)
        }
        [ig, "media"] if ig == IG_ID => {
            let image = f.get("image_url").cloned().unwrap_or_default();
            if !image.starts_with("https://") {
                return graph_error(
                    t,
                    StatusCode::BAD_REQUEST,
                    9004,
                    2_207_052,
                    "The media could not be fetched from this uri",
                );
            }
            state.serial += 1;
            let id = format!("{}", 17_889_455_560_000_000u64 + state.serial);
            state.containers.insert(
                id.clone(),
                Container {
                    net: Net::Instagram,
                    text: f.get("caption").cloned().unwrap_or_default(),
                    reply_to: None,
                    polls_in_progress: 1,
                    published: None,
                },
            );
            created(&id, &t.ig_created)
        }
        [owner, "media_publish" | "threads_publish"]
            if (owner == IG_ID && !threads) || (owner == "me" && threads) =>
        {
            let creation = f.get("creation_id").cloned().unwrap_or_default();
            let Some(c) = state.containers.get(&creation) else {
                return missing(t, &creation);
            };
            if c.published.is_some() {
                return graph_error(
                    t,
                    StatusCode::BAD_REQUEST,
                    9007,
                    2_207_006,
                    "The media has already been published",
                );
            }
            if c.polls_in_progress > 0 {
                return graph_error(
                    t,
                    StatusCode::BAD_REQUEST,
                    9007,
                    2_207_027,
                    "Media ID is not available: the media is not ready for publishing, please wait",
                );
            }
            let (net, text, reply_to) = (c.net, c.text.clone(), c.reply_to.clone());
            let author = if net == Net::Threads {
                THREADS_ID
            } else {
                IG_ID
            };
            let id = state.insert(
                net,
                if reply_to.is_some() {
                    Kind::Comment
                } else {
                    Kind::Post
                },
                author,
                &text,
                reply_to,
                now_secs(),
            );
            if let Some(c) = state.containers.get_mut(&creation) {
                c.published = Some(id.clone());
            }
            created(&id, &t.ig_created)
        }
        ["me", "threads"] if threads => {
            let text = f.get("text").cloned().unwrap_or_default();
            let chars: usize = text
                .chars()
                .map(|c| if c.len_utf8() == 4 { 4 } else { 1 })
                .sum();
            if text.trim().is_empty() || chars > 500 {
                return graph_error(
                    t,
                    StatusCode::BAD_REQUEST,
                    100,
                    2_207_050,
                    "The text is too long (500 characters at most)",
                );
            }
            let reply_to = f.get("reply_to_id").cloned();
            if let Some(r) = &reply_to
                && state.node(r).is_none()
            {
                return missing(t, r);
            }
            state.serial += 1;
            let id = format!("{}", 17_889_615_691_000_000u64 + state.serial);
            state.containers.insert(
                id.clone(),
                Container {
                    net: Net::Threads,
                    text,
                    reply_to,
                    polls_in_progress: 1,
                    published: None,
                },
            );
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
            let hide = f
                .get("is_hidden")
                .or_else(|| f.get("hide"))
                .map(|h| h == "true");
            match (state.index.get(id).copied(), hide) {
                (Some(i), Some(hide)) => {
                    state.nodes[i].hidden = hide;
                    axum::Json(json!({"success": true})).into_response()
                }
                (None, _) => missing(t, id),
                (Some(_), None) => graph_error(
                    t,
                    StatusCode::BAD_REQUEST,
                    100,
                    0,
                    "(#100) Nothing to update",
                ),
            }
        }
        _ => missing(t, &rest),
    }
}

pub(super) async fn graph_delete(
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
        return graph_error(
            t,
            StatusCode::BAD_REQUEST,
            3,
            0,
            "(#3) Application does not have the capability to make this API call.",
        );
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

pub(super) async fn threads_refresh(With(shared): Shr, RawQuery(raw): RawQuery) -> Response {
    let q = query(raw);
    if q.get("grant_type").map(String::as_str) != Some("th_refresh_token") {
        return graph_error(
            &shared.t,
            StatusCode::BAD_REQUEST,
            100,
            0,
            "Invalid grant_type",
        );
    }
    let mut state = shared.lock();
    state.serial += 1;
    let token = format!("THQVJ{:016x}", state.serial * 0x9E37_79B9);
    let lifetime = 60 * 24 * 3600;
    state.threads_tokens.insert(
        token.clone(),
        Some(Instant::now() + Duration::from_secs(lifetime)),
    );
    axum::Json(json!({"access_token": token, "token_type": "bearer", "expires_in": lifetime}))
        .into_response()
}
