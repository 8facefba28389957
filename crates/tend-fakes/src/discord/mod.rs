//! A fake Discord for tests: REST (`/api/v10`) and the Gateway (a WebSocket
//! on its own loopback port), with its state in memory.
//!
//! Its JSON is made from the real Gateway v10 and REST captures in
//! `payloads/discord/` (the templates) and it keeps Discord's rules: `Bot`
//! token auth (401 `{"message":"401: Unauthorized","code":0}`; the Gateway
//! closes with 4004), per-route buckets with `X-RateLimit-Limit`,
//! `-Remaining`, `-Reset`, `-Reset-After` and `-Bucket` on every answer and a
//! 429 `{"message","retry_after","global"}` once a bucket is spent,
//! `GET /channels/{id}/messages` paged by `after`/`before`/`limit` (newest
//! first), and `nonce` + `enforce_nonce` on `POST /channels/{id}/messages`:
//! the same bot and nonce within five minutes answer the message already
//! created (also when requests race). The Gateway speaks HELLO → IDENTIFY or
//! RESUME → READY/RESUMED, acknowledges heartbeats, numbers dispatches, and
//! replays what a resumed session missed. Without the `MESSAGE_CONTENT`
//! intent, message content arrives empty, as on Discord.
//!
//! Tests drive it through [`FakeDiscord`]: members write, reply, start
//! threads, edit and delete, and write the bot directly; faults are injected
//! for the next requests of a route (503, 429, and "commit then drop": the
//! message is created, then the connection is cut before the answer), and
//! Gateway connections can be cut to force a resume.

mod gateway;
mod rest;
mod templates;

use templates::Templates;

use anyhow::Context;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The server (guild) id.
pub const GUILD_ID: u64 = 900_000_000_000_000_008;
/// How long a nonce is remembered (Discord: "the past few minutes").
const NONCE_TTL: Duration = Duration::from_secs(300);
/// Discord's epoch (2015-01-01) in Unix milliseconds.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// The fake server, running until dropped.
pub struct FakeDiscord {
    /// The REST API's base (`http://127.0.0.1:PORT/api/v10`), the `api_base`
    /// setting.
    pub api_base: String,
    /// The Gateway's address (`ws://127.0.0.1:PORT`), the `gateway` setting.
    pub gateway_url: String,
    /// The bot's token.
    pub token: String,
    shared: Arc<Shared>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// A route faults can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /channels/{id}/messages`.
    CreateMessage,
    /// `GET /channels/{id}/messages`.
    GetMessages,
    /// `DELETE /channels/{id}/messages/{id}`.
    DeleteMessage,
    /// `GET /users/@me`.
    Me,
}

/// A fault for the next requests of a [`Route`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fault {
    /// 503, nothing done.
    Unavailable,
    /// 429 with `retry_after` (seconds), nothing done.
    RateLimited {
        /// The wait, in seconds.
        retry_after_secs: f64,
    },
    /// The request is carried out, then the connection is cut before any
    /// answer.
    CommitThenDrop,
}

/// A message as the fake holds it, for tests to inspect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeMessage {
    /// The message id.
    pub id: u64,
    /// The channel (or thread, or DM channel).
    pub channel: u64,
    /// The author's user id.
    pub author: u64,
    /// The content.
    pub content: String,
    /// The message it replies to.
    pub reply_to: Option<u64>,
    /// User ids named with `<@id>`.
    pub mentions: Vec<u64>,
    /// Whether it was edited.
    pub edited: bool,
}

impl FakeMessage {
    /// `channel/message`, the connector's external id.
    pub fn external_id(&self) -> String {
        format!("{}/{}", self.channel, self.id)
    }
}

struct User {
    id: u64,
    username: String,
    global_name: Option<String>,
    nick: Option<String>,
}

struct ChannelInfo {
    /// 0 text, 1 DM, 11 public thread.
    kind: u8,
    /// The bot lacks View Channel here (listed, not readable).
    hidden: bool,
    parent: Option<u64>,
    name: String,
    /// For a DM: the member.
    recipient: Option<u64>,
}

struct Shared {
    templates: Templates,
    state: Mutex<State>,
    /// Something was appended to the event log.
    events: tokio::sync::Notify,
    /// Bumped to cut every Gateway connection.
    cut: tokio::sync::watch::Sender<u64>,
}

struct State {
    token: String,
    gateway_url: String,
    bot: u64,
    users: HashMap<u64, User>,
    by_name: HashMap<String, u64>,
    channels: BTreeMap<u64, ChannelInfo>,
    messages: BTreeMap<u64, Msg>,
    nonces: HashMap<(u64, String), (u64, Instant)>,
    last_id: u64,
    faults: HashMap<Route, (Fault, usize)>,
    /// Requests per bucket and window.
    limit: u64,
    window: Duration,
    buckets: HashMap<String, (u64, Instant)>,
    create_requests: usize,
    rate_limited: usize,
    /// Dispatches (`t`, `d`) in order; sessions deliver from an index.
    log: Vec<(String, Value)>,
    sessions: HashMap<String, gateway::SessionState>,
    heartbeat_ms: u64,
    identifies: usize,
    resumes: usize,
}

#[derive(Clone)]
struct Msg {
    id: u64,
    channel: u64,
    author: u64,
    content: String,
    reply_to: Option<u64>,
    mentions: Vec<u64>,
    created_ms: u64,
    edited_ms: Option<u64>,
    nonce: Option<String>,
}

impl FakeDiscord {
    /// Starts REST and the Gateway on free loopback ports, with one text
    /// channel (see [`FakeDiscord::channel`]).
    pub async fn start() -> anyhow::Result<FakeDiscord> {
        let rest = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let api_base = format!("http://{}/api/v10", rest.local_addr()?);
        let gateway_url = format!("ws://{}", ws.local_addr()?);
        let templates = Templates::load()?;
        let bot = templates
            .me
            .get("id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .context("rest_get_me.json: no id")?;
        let token = format!("MTAx.fake-bot-token.{:08x}", std::process::id());
        let (cut, _) = tokio::sync::watch::channel(0);
        let mut state = State {
            token: token.clone(),
            gateway_url: gateway_url.clone(),
            bot,
            users: HashMap::new(),
            by_name: HashMap::new(),
            channels: BTreeMap::new(),
            messages: BTreeMap::new(),
            nonces: HashMap::new(),
            last_id: 0,
            faults: HashMap::new(),
            limit: 10_000,
            window: Duration::from_secs(1),
            buckets: HashMap::new(),
            create_requests: 0,
            rate_limited: 0,
            log: Vec::new(),
            sessions: HashMap::new(),
            heartbeat_ms: 41_250,
            identifies: 0,
            resumes: 0,
        };
        let general = state.snowflake();
        state.channels.insert(
            general,
            ChannelInfo {
                kind: 0,
                parent: None,
                name: "general".into(),
                recipient: None,
                hidden: false,
            },
        );
        let shared = Arc::new(Shared {
            templates,
            state: Mutex::new(state),
            events: tokio::sync::Notify::new(),
            cut,
        });
        let app = rest::router(shared.clone());
        let rest_task = crate::killable::serve(rest, app, "Discord");
        let gateway_task = tokio::spawn(gateway::serve(ws, shared.clone(), gateway_url.clone()));
        Ok(FakeDiscord {
            api_base,
            gateway_url,
            token,
            shared,
            tasks: vec![rest_task, gateway_task],
        })
    }

    /// The guild id, as settings spell it.
    pub fn guild_id(&self) -> String {
        GUILD_ID.to_string()
    }

    /// The bot's user id.
    pub fn bot_id(&self) -> u64 {
        self.shared.lock().bot
    }

    /// The first text channel's id.
    pub fn channel(&self) -> u64 {
        let state = self.shared.lock();
        state
            .channels
            .iter()
            .find(|(_, c)| c.kind == 0)
            .map_or(0, |(id, _)| *id)
    }

    /// Another text channel.
    pub fn add_channel(&self, name: &str) -> u64 {
        let mut state = self.shared.lock();
        let id = state.snowflake();
        state.channels.insert(
            id,
            ChannelInfo {
                kind: 0,
                parent: None,
                name: name.into(),
                recipient: None,
                hidden: false,
            },
        );
        id
    }

    /// A text channel the bot sees listed but may not read (403 Missing
    /// Access, as Discord answers without View Channel).
    pub fn add_hidden_channel(&self, name: &str) -> u64 {
        let id = self.add_channel(name);
        if let Some(c) = self.shared.lock().channels.get_mut(&id) {
            c.hidden = true;
        }
        id
    }

    /// A member (`username`, shown as `display`) writes `content` in
    /// `channel`, replying to `reply_to` when set; `<@bot>` in the content
    /// mentions the bot. Answers the external id.
    pub fn say(
        &self,
        channel: u64,
        username: &str,
        content: &str,
        reply_to: Option<u64>,
    ) -> String {
        let id = {
            let mut state = self.shared.lock();
            let author = state.user(username);
            let content = content.replace("<@bot>", &format!("<@{}>", state.bot));
            let m = state.create(channel, author, &content, reply_to, None);
            let d = self.shared.templates.render(&state, &m, true);
            state.log.push(("MESSAGE_CREATE".into(), d));
            m.external_id()
        };
        self.shared.events.notify_waiters();
        id
    }

    /// `n` member messages in `channel`, oldest first (not on the Gateway
    /// log's hot path: they are still dispatched).
    pub fn seed(&self, channel: u64, n: usize) -> Vec<String> {
        (0..n)
            .map(|i| {
                self.say(
                    channel,
                    &format!("member{}", i % 41),
                    &format!("question {i}: is it down?"),
                    None,
                )
            })
            .collect()
    }

    /// A member writes the bot directly; answers the external id.
    pub fn dm(&self, username: &str, content: &str) -> String {
        let id = {
            let mut state = self.shared.lock();
            let author = state.user(username);
            let existing = state
                .channels
                .iter()
                .find(|(_, c)| c.kind == 1 && c.recipient == Some(author))
                .map(|(id, _)| *id);
            let channel = match existing {
                Some(c) => c,
                None => {
                    let c = state.snowflake();
                    state.channels.insert(
                        c,
                        ChannelInfo {
                            kind: 1,
                            parent: None,
                            name: String::new(),
                            recipient: Some(author),
                            hidden: false,
                        },
                    );
                    c
                }
            };
            let m = state.create(channel, author, content, None, None);
            let d = self.shared.templates.render(&state, &m, true);
            state.log.push(("MESSAGE_CREATE".into(), d));
            m.external_id()
        };
        self.shared.events.notify_waiters();
        id
    }

    /// A public thread started from message `from` (its id is the
    /// message's); announced as THREAD_CREATE.
    pub fn start_thread(&self, from: &str, name: &str) -> Option<u64> {
        let (channel, message) = split(from)?;
        {
            let mut state = self.shared.lock();
            state.messages.get(&message)?;
            state.channels.insert(
                message,
                ChannelInfo {
                    kind: 11,
                    parent: Some(channel),
                    name: name.into(),
                    recipient: None,
                    hidden: false,
                },
            );
            let d = self.shared.templates.render_thread(message, channel, name);
            state.log.push(("THREAD_CREATE".into(), d));
        }
        self.shared.events.notify_waiters();
        Some(message)
    }

    /// The author edits a message (MESSAGE_UPDATE).
    pub fn edit(&self, external_id: &str, content: &str) -> bool {
        let Some((_, id)) = split(external_id) else {
            return false;
        };
        {
            let mut state = self.shared.lock();
            let content = content.replace("<@bot>", &format!("<@{}>", state.bot));
            let Some(m) = state.messages.get_mut(&id) else {
                return false;
            };
            m.mentions = mentioned(&content);
            m.content = content;
            m.edited_ms = Some(now_ms());
            let m = m.clone();
            let d = self.shared.templates.render(&state, &m, true);
            state.log.push(("MESSAGE_UPDATE".into(), d));
        }
        self.shared.events.notify_waiters();
        true
    }

    /// A message is deleted (MESSAGE_DELETE).
    pub fn delete(&self, external_id: &str) -> bool {
        let Some((_, id)) = split(external_id) else {
            return false;
        };
        {
            let mut state = self.shared.lock();
            let Some(m) = state.messages.remove(&id) else {
                return false;
            };
            let d = self.shared.templates.render_delete(&state, &m);
            state.log.push(("MESSAGE_DELETE".into(), d));
        }
        self.shared.events.notify_waiters();
        true
    }

    /// Every message the bot wrote, oldest first.
    pub fn bot_messages(&self) -> Vec<FakeMessage> {
        let state = self.shared.lock();
        let bot = state.bot;
        state
            .messages
            .values()
            .filter(|m| m.author == bot)
            .map(Msg::fake)
            .collect()
    }

    /// One message, if it exists.
    pub fn message(&self, external_id: &str) -> Option<FakeMessage> {
        let (_, id) = split(external_id)?;
        self.shared.lock().messages.get(&id).map(Msg::fake)
    }

    /// How many `POST /channels/{id}/messages` arrived (answered or not).
    pub fn create_requests(&self) -> usize {
        self.shared.lock().create_requests
    }

    /// How many requests were refused with 429 because a bucket was spent.
    pub fn rate_limited(&self) -> usize {
        self.shared.lock().rate_limited
    }

    /// How many IDENTIFY and RESUME the Gateway accepted.
    pub fn sessions(&self) -> (usize, usize) {
        let state = self.shared.lock();
        (state.identifies, state.resumes)
    }

    /// Makes the next `n` requests of `route` fail with `fault`.
    pub fn fail_next(&self, route: Route, n: usize, fault: Fault) {
        self.shared.lock().faults.insert(route, (fault, n));
    }

    /// Each bucket allows `limit` requests per `window` (default 10,000 per
    /// second; Discord's message bucket is 5 per 5 s per channel).
    pub fn set_rate_limit(&self, limit: u64, window: Duration) {
        let mut state = self.shared.lock();
        state.limit = limit;
        state.window = window;
        state.buckets.clear();
    }

    /// The heartbeat interval HELLO announces (Discord's is 41,250 ms).
    pub fn set_heartbeat(&self, interval: Duration) {
        self.shared.lock().heartbeat_ms = interval.as_millis().max(1) as u64;
    }

    /// Cuts every open Gateway connection without a close frame (the
    /// sessions stay resumable).
    pub fn cut_gateway(&self) {
        self.shared.cut.send_modify(|n| *n += 1);
    }
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

fn split(external_id: &str) -> Option<(u64, u64)> {
    let (c, m) = external_id.split_once('/')?;
    Some((c.parse().ok()?, m.parse().ok()?))
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn iso(ms: u64) -> String {
    jiff::Timestamp::from_millisecond(i64::try_from(ms).unwrap_or(0))
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string())
        .unwrap_or_default()
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Msg {
    fn external_id(&self) -> String {
        format!("{}/{}", self.channel, self.id)
    }

    fn fake(&self) -> FakeMessage {
        FakeMessage {
            id: self.id,
            channel: self.channel,
            author: self.author,
            content: self.content.clone(),
            reply_to: self.reply_to,
            mentions: self.mentions.clone(),
            edited: self.edited_ms.is_some(),
        }
    }
}

impl State {
    /// A new snowflake: the time since Discord's epoch, then a counter.
    fn snowflake(&mut self) -> u64 {
        let id = ((now_ms().saturating_sub(DISCORD_EPOCH_MS)) << 22).max(self.last_id + 1);
        self.last_id = id;
        id
    }

    fn user(&mut self, username: &str) -> u64 {
        if let Some(id) = self.by_name.get(username) {
            return *id;
        }
        let id = 800_000_000_000_000_000 + self.users.len() as u64;
        self.users.insert(
            id,
            User {
                id,
                username: username.to_string(),
                global_name: Some(format!("Member {username}")),
                nick: username
                    .len()
                    .is_multiple_of(2)
                    .then(|| format!("{username} (nick)")),
            },
        );
        self.by_name.insert(username.to_string(), id);
        id
    }

    fn create(
        &mut self,
        channel: u64,
        author: u64,
        content: &str,
        reply_to: Option<u64>,
        nonce: Option<String>,
    ) -> Msg {
        let id = self.snowflake();
        let mentions = mentioned(content);
        let m = Msg {
            id,
            channel,
            author,
            content: content.to_string(),
            reply_to,
            mentions,
            created_ms: now_ms(),
            edited_ms: None,
            nonce,
        };
        self.messages.insert(id, m.clone());
        m
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

    fn user_json(&self, templates: &Templates, id: u64) -> Value {
        if id == self.bot {
            return templates.me.clone();
        }
        let mut v = templates.member_message["author"].clone();
        if let Some(u) = self.users.get(&id) {
            v["id"] = json!(u.id.to_string());
            v["username"] = json!(u.username);
            v["global_name"] = json!(u.global_name);
        }
        v
    }
}

/// The user ids of `<@id>` and `<@!id>` in `content`.
fn mentioned(content: &str) -> Vec<u64> {
    content
        .split("<@")
        .skip(1)
        .filter_map(|rest| {
            let rest = rest.strip_prefix('!').unwrap_or(rest);
            rest.split_once('>').and_then(|(id, _)| id.parse().ok())
        })
        .collect()
}
