//! A fake Telegram Bot API for tests: Telegram's servers cannot be run
//! offline, so this axum server on a loopback port plays them, with its state
//! in memory.
//!
//! Its JSON is shaped like the recorded updates in `payloads/telegram/` (the
//! templates) and it keeps the Bot API's rules: the token in the path
//! (`/bot<token>/method`; an unknown token is 401 `Unauthorized`, a malformed
//! one 404 `Not Found`), the `{"ok":…}` envelope, `getUpdates` with `offset`
//! (asking with it confirms and forgets every earlier update), `limit` and a
//! long-poll `timeout`, flood control (429 with `parameters.retry_after`)
//! once a chat's budget per minute is spent, message length (4096), and
//! **no idempotency**: the same `sendMessage` twice is two messages.
//!
//! Tests drive it through [`FakeTelegram`]: members write in private chats,
//! groups, forum topics and channels, and edit; faults are injected for the
//! next requests of a route (503, 429, and "commit then drop": the message is
//! sent, then the connection is cut before the answer).
//!
//! Not modelled: webhooks (Tend does not use them), the 409 of two
//! concurrent `getUpdates`, media, and the 24-hour expiry of updates.

// Helpers answer early with the error `Response` itself, as handlers do.
#![allow(clippy::result_large_err)]

use crate::killable::Kill;
use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, RawQuery, State as With};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The bot's user id (the token starts with it).
pub const BOT_ID: i64 = 7_000_000_001;
/// The bot's username.
pub const BOT_USERNAME: &str = "brand_bot";

/// The fake server, running until dropped.
pub struct FakeTelegram {
    /// Its base URL (`http://127.0.0.1:PORT`), the `api_base` setting.
    pub url: String,
    /// The bot's token, as BotFather gives it.
    pub token: String,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

/// A method faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `getUpdates`.
    GetUpdates,
    /// `sendMessage`.
    SendMessage,
    /// `deleteMessage`.
    DeleteMessage,
    /// `getMe`.
    GetMe,
}

/// A fault for the next requests of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 502 Bad Gateway (Telegram's front end), nothing done.
    Unavailable,
    /// 429 flood control with `retry_after`, nothing done.
    RateLimited {
        /// `parameters.retry_after` in seconds.
        retry_after_secs: u64,
    },
    /// The request is carried out (the message is sent), then the connection
    /// is closed before any answer.
    CommitThenDrop,
}

/// A message as the fake holds it, for tests to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeMessage {
    /// The chat.
    pub chat_id: i64,
    /// The message id within the chat.
    pub message_id: i64,
    /// The sender's user id.
    pub from: i64,
    /// The text.
    pub text: String,
    /// The message it replies to.
    pub reply_to: Option<i64>,
    /// The forum topic.
    pub thread: Option<i64>,
}

impl FakeMessage {
    /// `chat_id/message_id`, the connector's external id.
    pub fn external_id(&self) -> String {
        format!("{}/{}", self.chat_id, self.message_id)
    }
}

struct Chat {
    kind: &'static str,
    title: String,
    username: Option<String>,
    forum: bool,
    next_message: i64,
}

struct Member {
    id: i64,
    first_name: String,
    username: String,
}

struct Shared {
    templates: Templates,
    state: Mutex<State>,
    arrived: tokio::sync::Notify,
}

struct State {
    token: String,
    chats: HashMap<i64, Chat>,
    members: HashMap<String, Member>,
    messages: BTreeMap<(i64, i64), FakeMessage>,
    /// Updates not yet confirmed, by update id.
    updates: BTreeMap<i64, Value>,
    next_update: i64,
    faults: HashMap<Route, (Fault, usize)>,
    /// Messages a chat may receive per minute; per chat: (used, window start).
    per_minute: usize,
    windows: HashMap<i64, (usize, Instant)>,
    send_requests: usize,
}

struct Templates {
    private: Value,
    topic: Value,
    channel_post: Value,
    too_many: Value,
}

impl Templates {
    fn load() -> anyhow::Result<Templates> {
        let parse = |s: &str| serde_json::from_str::<Value>(s);
        Ok(Templates {
            private: parse(include_str!("../payloads/telegram/text.json"))?
                .get("message")
                .cloned()
                .context("text.json: no message")?,
            topic: parse(include_str!("../payloads/telegram/message_topic.json"))?
                .get("message")
                .cloned()
                .context("message_topic.json: no message")?,
            channel_post: parse(include_str!("../payloads/telegram/channel_post.json"))?
                .get("channel_post")
                .cloned()
                .context("channel_post.json: no channel_post")?,
            too_many: parse(include_str!("../payloads/telegram/too_many_requests.json"))?,
        })
    }
}

impl FakeTelegram {
    /// Starts the server on a free loopback port.
    pub async fn start() -> anyhow::Result<FakeTelegram> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let token = format!(
            "{BOT_ID}:AAFakeTokenForTestsOnly_{:08x}",
            std::process::id()
        );
        let shared = Arc::new(Shared {
            templates: Templates::load()?,
            state: Mutex::new(State {
                token: token.clone(),
                chats: HashMap::new(),
                members: HashMap::new(),
                messages: BTreeMap::new(),
                updates: BTreeMap::new(),
                next_update: 500_000_001,
                faults: HashMap::new(),
                per_minute: 100_000,
                windows: HashMap::new(),
                send_requests: 0,
            }),
            arrived: tokio::sync::Notify::new(),
        });
        let app = Router::new()
            .route("/{bot}/{method}", any(handle))
            .fallback(|| async { envelope_error(StatusCode::NOT_FOUND, "Not Found") })
            .with_state(shared.clone());
        let task = crate::killable::serve(listener, app, "Telegram");
        Ok(FakeTelegram {
            url,
            token,
            shared,
            task,
        })
    }

    /// A group (a supergroup; a forum when `forum`), answering its chat id.
    pub fn group(&self, title: &str, forum: bool) -> i64 {
        let mut state = self.shared.lock();
        let id = -1_001_000_000_000 - state.chats.len() as i64;
        state.chats.insert(
            id,
            Chat {
                kind: "supergroup",
                title: title.into(),
                username: None,
                forum,
                next_message: 1,
            },
        );
        id
    }

    /// A channel the bot administers, answering its chat id.
    pub fn channel(&self, title: &str, username: &str) -> i64 {
        let mut state = self.shared.lock();
        let id = -1_002_000_000_000 - state.chats.len() as i64;
        state.chats.insert(
            id,
            Chat {
                kind: "channel",
                title: title.into(),
                username: Some(username.into()),
                forum: false,
                next_message: 1,
            },
        );
        id
    }

    /// A member (`username`) writes `text` to the bot in private; answers
    /// the external id (`chat/message`).
    pub fn dm(&self, username: &str, text: &str) -> String {
        let shared = &self.shared;
        let mut state = shared.lock();
        let member = state.member(username);
        state.chats.entry(member).or_insert_with(|| Chat {
            kind: "private",
            title: String::new(),
            username: Some(username.into()),
            forum: false,
            next_message: 1,
        });
        let m = state.store(member, member, text, None, None);
        let update = shared.templates.render(&state, &m, false);
        state.push("message", update);
        drop(state);
        shared.arrived.notify_waiters();
        m.external_id()
    }

    /// A member writes `text` in group `chat`, replying to message
    /// `reply_to` and in forum topic `thread` when given.
    pub fn say(
        &self,
        chat: i64,
        username: &str,
        text: &str,
        reply_to: Option<i64>,
        thread: Option<i64>,
    ) -> String {
        let shared = &self.shared;
        let mut state = shared.lock();
        let member = state.member(username);
        let m = state.store(chat, member, text, reply_to, thread);
        let update = shared.templates.render(&state, &m, false);
        state.push("message", update);
        drop(state);
        shared.arrived.notify_waiters();
        m.external_id()
    }

    /// `n` private messages from a rotating set of members, at once.
    pub fn seed_dms(&self, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                self.dm(
                    &format!("member{}", i % 37),
                    &format!("question {i}: is it down?"),
                )
            })
            .collect()
    }

    /// A post in channel `chat` (from the channel itself).
    pub fn channel_post(&self, chat: i64, text: &str) -> String {
        let shared = &self.shared;
        let mut state = shared.lock();
        let m = state.store(chat, chat, text, None, None);
        let update = shared.templates.render(&state, &m, false);
        state.push("channel_post", update);
        drop(state);
        shared.arrived.notify_waiters();
        m.external_id()
    }

    /// The author edits message `external_id` (an `edited_message` update).
    pub fn edit(&self, external_id: &str, text: &str) -> bool {
        let Some((chat, id)) = split(external_id) else {
            return false;
        };
        let shared = &self.shared;
        let mut state = shared.lock();
        let Some(m) = state.messages.get_mut(&(chat, id)) else {
            return false;
        };
        m.text = text.into();
        let m = m.clone();
        let update = shared.templates.render(&state, &m, true);
        state.push("edited_message", update);
        drop(state);
        shared.arrived.notify_waiters();
        true
    }

    /// Every message the bot sent, oldest first.
    pub fn bot_messages(&self) -> Vec<FakeMessage> {
        self.shared
            .lock()
            .messages
            .values()
            .filter(|m| m.from == BOT_ID)
            .cloned()
            .collect()
    }

    /// One message, if it exists.
    pub fn message(&self, external_id: &str) -> Option<FakeMessage> {
        let (chat, id) = split(external_id)?;
        self.shared.lock().messages.get(&(chat, id)).cloned()
    }

    /// How many `sendMessage` requests arrived (answered or not).
    pub fn send_requests(&self) -> usize {
        self.shared.lock().send_requests
    }

    /// Updates not yet confirmed by an `offset`.
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().updates.len()
    }

    /// Makes the next `n` requests of `route` fail with `fault`.
    pub fn fail_next(&self, route: Route, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(route, (fault, n));
    }

    /// How many messages one chat may receive per minute (Telegram: about
    /// 20 in a group); beyond it, 429 with the seconds left.
    pub fn set_per_chat_limit(&self, per_minute: usize) {
        let mut state = self.shared.lock();
        state.per_minute = per_minute;
        state.windows.clear();
    }
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn split(external_id: &str) -> Option<(i64, i64)> {
    let (chat, id) = external_id.split_once('/')?;
    Some((chat.parse().ok()?, id.parse().ok()?))
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl State {
    fn member(&mut self, username: &str) -> i64 {
        let next = 100_000 + self.members.len() as i64;
        self.members
            .entry(username.to_string())
            .or_insert_with(|| Member {
                id: next,
                first_name: format!("Member {username}"),
                username: username.to_string(),
            })
            .id
    }

    fn store(
        &mut self,
        chat: i64,
        from: i64,
        text: &str,
        reply_to: Option<i64>,
        thread: Option<i64>,
    ) -> FakeMessage {
        let message_id = match self.chats.get_mut(&chat) {
            Some(c) => {
                c.next_message += 1;
                c.next_message - 1
            }
            None => 0,
        };
        let m = FakeMessage {
            chat_id: chat,
            message_id,
            from,
            text: text.to_string(),
            reply_to,
            thread,
        };
        self.messages.insert((chat, message_id), m.clone());
        m
    }

    fn push(&mut self, kind: &str, message: Value) {
        let id = self.next_update;
        self.next_update += 1;
        self.updates
            .insert(id, json!({ "update_id": id, kind: message }));
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

    fn user_json(&self, id: i64) -> Value {
        if id == BOT_ID {
            return json!({"id": BOT_ID, "is_bot": true, "first_name": "Brand", "username": BOT_USERNAME});
        }
        match self.members.values().find(|m| m.id == id) {
            Some(m) => json!({
                "id": m.id, "is_bot": false, "first_name": m.first_name,
                "username": m.username, "language_code": "en",
            }),
            None => json!({"id": id, "is_bot": false, "first_name": "Someone"}),
        }
    }
}

impl Templates {
    /// A message as Telegram sends it, from the recorded template of its
    /// kind of chat.
    fn render(&self, state: &State, m: &FakeMessage, edited: bool) -> Value {
        let Some(chat) = state.chats.get(&m.chat_id) else {
            return Value::Null;
        };
        let mut v = match chat.kind {
            "channel" => self.channel_post.clone(),
            "private" => self.private.clone(),
            _ => self.topic.clone(),
        };
        let now = jiff::Timestamp::now().as_second();
        v["message_id"] = json!(m.message_id);
        v["date"] = json!(now);
        v["text"] = json!(m.text);
        let entities = mention_entities(&m.text);
        if entities.is_empty() {
            if let Some(o) = v.as_object_mut() {
                o.remove("entities");
            }
        } else {
            v["entities"] = Value::Array(entities);
        }
        let mut chat_json = v["chat"].clone();
        chat_json["id"] = json!(m.chat_id);
        chat_json["type"] = json!(chat.kind);
        match chat.kind {
            "private" => {
                let user = state.user_json(m.chat_id);
                chat_json["first_name"] = user["first_name"].clone();
                chat_json["username"] = user["username"].clone();
                if let Some(o) = chat_json.as_object_mut() {
                    o.remove("last_name");
                }
            }
            _ => {
                chat_json["title"] = json!(chat.title);
                chat_json["username"] = chat.username.as_ref().map_or(Value::Null, |u| json!(u));
                chat_json["is_forum"] = json!(chat.forum);
                if let Some(o) = chat_json.as_object_mut() {
                    o.remove("first_name");
                    o.retain(|_, v| !v.is_null());
                }
            }
        }
        v["chat"] = chat_json;
        if chat.kind == "channel" {
            if let Some(o) = v.as_object_mut() {
                o.remove("from");
            }
            v["sender_chat"] = v["chat"].clone();
        } else {
            v["from"] = state.user_json(m.from);
        }
        if let Some(o) = v.as_object_mut() {
            o.remove("reply_to_message");
            o.remove("message_thread_id");
            o.remove("is_topic_message");
        }
        if let Some(parent) = m.reply_to.and_then(|p| state.messages.get(&(m.chat_id, p))) {
            let mut p = self.render(state, parent, false);
            if let Some(o) = p.as_object_mut() {
                o.remove("reply_to_message");
            }
            v["reply_to_message"] = p;
        }
        if let Some(thread) = m.thread.filter(|_| chat.forum) {
            v["message_thread_id"] = json!(thread);
            v["is_topic_message"] = json!(true);
        }
        if edited {
            v["edit_date"] = json!(now);
        }
        v
    }
}

/// `mention` entities for the `@username` words of `text`, with offsets
/// in UTF-16 code units as Telegram counts them.
fn mention_entities(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut offset = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let before = offset;
        offset += c.len_utf16();
        let starts_word = i == 0 || text[..i].ends_with(char::is_whitespace);
        if c != '@' || !starts_word {
            continue;
        }
        let mut len = 1;
        while let Some((_, n)) = chars.peek() {
            if n.is_ascii_alphanumeric() || *n == '_' {
                len += 1;
                offset += 1;
                chars.next();
            } else {
                break;
            }
        }
        if len > 1 {
            out.push(json!({"type": "mention", "offset": before, "length": len}));
        }
    }
    out
}

fn envelope_error(status: StatusCode, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"ok": false, "error_code": status.as_u16(), "description": description})),
    )
        .into_response()
}

fn ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

/// The parameters: the query, then a JSON or form body.
fn params(raw: Option<String>, headers: &HeaderMap, body: &Bytes) -> Value {
    let mut out = serde_json::Map::new();
    let pairs: Vec<(String, String)> = raw
        .and_then(|q| serde_urlencoded::from_str(&q).ok())
        .unwrap_or_default();
    for (k, v) in pairs {
        out.insert(k, serde_json::from_str(&v).unwrap_or(Value::String(v)));
    }
    let json_body = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json_body {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            out.extend(map);
        }
    } else if let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(body) {
        for (k, v) in pairs {
            out.insert(k, serde_json::from_str(&v).unwrap_or(Value::String(v)));
        }
    }
    Value::Object(out)
}

fn int(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

async fn handle(
    With(shared): With<Arc<Shared>>,
    Path((bot, method)): Path<(String, String)>,
    ConnectInfo(kill): ConnectInfo<Kill>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = bot.strip_prefix("bot") else {
        return envelope_error(StatusCode::NOT_FOUND, "Not Found");
    };
    if !token.contains(':') {
        return envelope_error(StatusCode::NOT_FOUND, "Not Found");
    }
    let p = params(raw, &headers, &body);
    let route = match method.as_str() {
        "getUpdates" => Some(Route::GetUpdates),
        "sendMessage" => Some(Route::SendMessage),
        "deleteMessage" => Some(Route::DeleteMessage),
        "getMe" => Some(Route::GetMe),
        _ => None,
    };
    let fault = {
        let mut state = shared.lock();
        if token != state.token {
            return envelope_error(StatusCode::UNAUTHORIZED, "Unauthorized");
        }
        if route == Some(Route::SendMessage) {
            state.send_requests += 1;
        }
        route.and_then(|r| state.take_fault(r))
    };
    match fault {
        Some(Fault::Unavailable) => {
            return envelope_error(StatusCode::BAD_GATEWAY, "Bad Gateway");
        }
        Some(Fault::RateLimited { retry_after_secs }) => {
            return too_many(&shared, retry_after_secs);
        }
        _ => {}
    }
    let res = match method.as_str() {
        "getMe" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Brand", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false,
        })),
        "getUpdates" => get_updates(&shared, &p).await,
        "sendMessage" => send_message(&shared, &p),
        "deleteMessage" => delete_message(&shared, &p),
        _ => envelope_error(StatusCode::NOT_FOUND, "Not Found: method not found"),
    };
    if fault == Some(Fault::CommitThenDrop) {
        kill.pull();
    }
    res
}

fn too_many(shared: &Shared, retry_after: u64) -> Response {
    let mut body = shared.templates.too_many.clone();
    body["description"] = json!(format!("Too Many Requests: retry after {retry_after}"));
    body["parameters"]["retry_after"] = json!(retry_after);
    (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response()
}

async fn get_updates(shared: &Shared, p: &Value) -> Response {
    let offset = p.get("offset").and_then(int);
    let limit = p.get("limit").and_then(int).unwrap_or(100).clamp(1, 100) as usize;
    let timeout = p.get("timeout").and_then(int).unwrap_or(0).clamp(0, 50) as u64;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        let arrived = shared.arrived.notified();
        {
            let mut state = shared.lock();
            if let Some(offset) = offset {
                // Asking from an offset confirms every earlier update.
                state.updates = state.updates.split_off(&offset);
            }
            let from = offset.unwrap_or(i64::MIN);
            let found: Vec<Value> = state
                .updates
                .range(from..)
                .take(limit)
                .map(|(_, u)| u.clone())
                .collect();
            if !found.is_empty() || tokio::time::Instant::now() >= deadline {
                return ok(Value::Array(found));
            }
        }
        if tokio::time::timeout_at(deadline, arrived).await.is_err() {
            return ok(json!([]));
        }
    }
}

fn send_message(shared: &Shared, p: &Value) -> Response {
    let mut state = shared.lock();
    let Some(chat) = p.get("chat_id").and_then(int) else {
        return envelope_error(StatusCode::BAD_REQUEST, "Bad Request: chat_id is empty");
    };
    if !state.chats.contains_key(&chat) {
        return envelope_error(StatusCode::BAD_REQUEST, "Bad Request: chat not found");
    }
    let text = p.get("text").and_then(Value::as_str).unwrap_or_default();
    if text.trim().is_empty() {
        return envelope_error(
            StatusCode::BAD_REQUEST,
            "Bad Request: message text is empty",
        );
    }
    if text.encode_utf16().count() > 4096 {
        return envelope_error(StatusCode::BAD_REQUEST, "Bad Request: message is too long");
    }
    let per_minute = state.per_minute;
    let window = state.windows.entry(chat).or_insert((0, Instant::now()));
    if window.1.elapsed() >= Duration::from_secs(60) {
        *window = (0, Instant::now());
    }
    if window.0 >= per_minute {
        let left = Duration::from_secs(60).saturating_sub(window.1.elapsed());
        drop(state);
        return too_many(shared, left.as_secs().max(1));
    }
    window.0 += 1;
    let reply_to = p
        .get("reply_parameters")
        .and_then(|r| r.get("message_id"))
        .or_else(|| p.get("reply_to_message_id"))
        .and_then(int);
    let allow_missing = p
        .get("reply_parameters")
        .and_then(|r| r.get("allow_sending_without_reply"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let reply_to = match reply_to {
        Some(r) if state.messages.contains_key(&(chat, r)) => Some(r),
        Some(_) if !allow_missing => {
            return envelope_error(
                StatusCode::BAD_REQUEST,
                "Bad Request: message to be replied not found",
            );
        }
        _ => None,
    };
    let thread = p.get("message_thread_id").and_then(int);
    let m = state.store(chat, BOT_ID, text, reply_to, thread);
    ok(shared.templates.render(&state, &m, false))
}

fn delete_message(shared: &Shared, p: &Value) -> Response {
    let mut state = shared.lock();
    let (Some(chat), Some(id)) = (
        p.get("chat_id").and_then(int),
        p.get("message_id").and_then(int),
    ) else {
        return envelope_error(
            StatusCode::BAD_REQUEST,
            "Bad Request: message identifier is not specified",
        );
    };
    match state.messages.remove(&(chat, id)) {
        Some(_) => ok(json!(true)),
        None => envelope_error(
            StatusCode::BAD_REQUEST,
            "Bad Request: message to delete not found",
        ),
    }
}
