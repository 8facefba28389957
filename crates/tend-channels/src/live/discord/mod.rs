//! Discord, as a bot in one server: the server's text channels and threads,
//! and direct messages to the bot, come in; replies and posts go out.
//!
//! - **Reading over REST** (`pull`): `GET /channels/{id}/messages?after=`
//!   for each followed channel and each active thread
//!   (`GET /guilds/{id}/threads/active`), oldest first. The cursor holds one
//!   snowflake per channel; with none for a channel, reading starts at the
//!   backfill horizon (a snowflake is a time).
//! - **Streaming over the Gateway** (`stream`, see `gateway`): HELLO →
//!   IDENTIFY (intents `GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES |
//!   MESSAGE_CONTENT`) or RESUME of the last session, heartbeats, then
//!   `MESSAGE_CREATE`/`MESSAGE_UPDATE` (an edit: the same external id with
//!   `edited_at`) and `MESSAGE_DELETE`. Once the session is ready the
//!   connector catches up over REST, so nothing between two sessions is lost.
//!   Direct messages arrive only this way (a bot cannot list its DMs).
//! - **Ids**: the external id is `channel_id/message_id` (the API needs
//!   both). A reply (`message_reference`) has its parent; a thread's
//!   messages have the thread as their conversation root
//!   (`parent_channel/thread_id`: a thread started from a message shares its
//!   id).
//! - **Writing**: `POST /channels/{id}/messages` with the reply's
//!   `message_reference`, and a `nonce` with `enforce_nonce: true`: Discord
//!   answers a repeated nonce from the same bot, within minutes, with the
//!   message it already created. `lookup` reads the channel's recent messages
//!   for the bot's message with that nonce, or with the same answer to the
//!   same message. New posts go to `publish_channel` (or the first of
//!   `channels`). Mentions in a reply are not pinged except the member
//!   answered (`allowed_mentions`).
//! - **Rate limits**: every answer's `X-RateLimit-*` headers are kept per
//!   route; a route whose bucket is spent (`Remaining: 0`) waits
//!   `Reset-After` before its next request (or reports `RateLimited` when
//!   that is long); a 429's `retry_after` (seconds, a float) is honoured.

mod api;
mod gateway;

use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, Sink, Source, Window, http,
};
use async_trait::async_trait;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};
use tend_domain::IncomingItem;

/// Discord's REST API.
pub const DEFAULT_API_BASE: &str = "https://discord.com/api/v10";
/// The longest message a bot may send.
pub const MAX_CHARS: usize = 2000;
/// Messages per page (Discord's maximum).
const PAGE: usize = 100;
/// The longest wait for a spent bucket before a request is made anyway
/// later (`RateLimited` instead of sleeping in the job).
const MAX_BUCKET_WAIT: Duration = Duration::from_secs(10);
/// How many of a channel's latest messages a lookup reads.
const LOOKUP_LIMIT: usize = 100;

/// The settings of a Discord channel.
#[derive(Debug, Clone, Copy)]
pub struct Settings<'a> {
    /// The server's id.
    pub guild_id: &'a str,
    /// Channels to read (empty: every text channel the bot sees).
    pub channels: &'a [String],
    /// Where new posts go.
    pub publish_channel: Option<&'a str>,
    /// The REST API's address.
    pub api_base: Option<&'a str>,
    /// The Gateway's address.
    pub gateway: Option<&'a str>,
}

/// The connector of one bot in one server.
pub struct Discord {
    base: String,
    gateway: Option<String>,
    guild_id: String,
    channels: Vec<String>,
    publish_channel: Option<String>,
    token: String,
    http: reqwest::Client,
    me: tokio::sync::OnceCell<api::User>,
    /// Per route: requests left in its bucket and when it refills.
    buckets: std::sync::Mutex<HashMap<String, (u64, Instant)>>,
    /// The last Gateway session, resumed by the next stream.
    session: tokio::sync::Mutex<Option<gateway::Session>>,
    /// Thread → parent channel, learned from the reads.
    threads: std::sync::Mutex<HashMap<String, String>>,
}

/// Checks the settings; errors name the setting (`discord.guild_id: …`).
pub fn validate(
    guild_id: &str,
    channels: &[String],
    publish_channel: Option<&str>,
    api_base: Option<&str>,
    gateway: Option<&str>,
) -> Result<(), ChannelError> {
    let flake = |name: &str, id: &str| {
        api::check_snowflake(name, id)
            .map(|_| ())
            .map_err(|e| ChannelError::Permanent(format!("{name}: {e}")))
    };
    flake("discord.guild_id", guild_id)?;
    for c in channels {
        flake("discord.channels", c)?;
    }
    if let Some(p) = publish_channel {
        flake("discord.publish_channel", p)?;
    }
    base_url(
        "discord.api_base",
        api_base.unwrap_or(DEFAULT_API_BASE),
        &["https", "http"],
    )?;
    if let Some(g) = gateway {
        base_url("discord.gateway", g, &["wss", "ws"])?;
    }
    Ok(())
}

/// An address with one of `schemes` (the second, plain one only for a
/// loopback host) and no login, query or fragment.
fn base_url(name: &str, raw: &str, schemes: &[&str; 2]) -> Result<String, ChannelError> {
    let bad = |why: &str| ChannelError::Permanent(format!("{name}: {raw:?}: {why}"));
    let url = reqwest::Url::parse(raw.trim()).map_err(|e| bad(&e.to_string()))?;
    let host = url.host_str().ok_or_else(|| bad("no host"))?;
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    let scheme = url.scheme();
    if !(scheme == schemes[0] || (scheme == schemes[1] && loopback)) {
        return Err(bad(&format!("must be a {}:// address", schemes[0])));
    }
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(bad("must not hold a login or a fragment"));
    }
    if name == "discord.api_base" && url.query().is_some() {
        return Err(bad("must not hold a query"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// Runs the payload mapping on arbitrary bytes (the fuzz target): as a list
/// of messages, as one Gateway frame, and as a 429 body. Never panics.
#[doc(hidden)]
pub fn fuzz_discord(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let cx = api::Context {
        me: "900000000000000018",
        guild_id: "900000000000000008",
        thread_parent: Some("900000000000000009"),
        direct: false,
    };
    if let Ok(list) = api::messages(text) {
        for m in list.into_iter().flatten() {
            let _ = api::message(&m, cx);
        }
    }
    let _ = gateway::fuzz_frame(text, cx);
    let _ = rate_limited(text, &HeaderMap::new());
}

/// The per-channel cursor: `channel=snowflake` pairs joined by `,`.
fn read_cursor(cursor: Option<&Cursor>) -> Result<BTreeMap<String, u64>, ChannelError> {
    let mut out = BTreeMap::new();
    let Some(cursor) = cursor else {
        return Ok(out);
    };
    for pair in cursor.0.split(',').filter(|p| !p.is_empty()) {
        let parsed = pair.split_once('=').and_then(|(c, m)| {
            api::check_snowflake("cursor", c).ok()?;
            Some((c.to_string(), m.parse::<u64>().ok()?))
        });
        let Some((channel, at)) = parsed else {
            return Err(ChannelError::Permanent(format!(
                "Discord: bad cursor {:?}",
                cursor.0.chars().take(80).collect::<String>()
            )));
        };
        out.insert(channel, at);
    }
    Ok(out)
}

fn write_cursor(positions: &BTreeMap<String, u64>) -> Cursor {
    Cursor(
        positions
            .iter()
            .map(|(c, m)| format!("{c}={m}"))
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// A 429's wait: the body's `retry_after` (seconds, a float), else the
/// `Retry-After` header.
fn rate_limited(body: &str, headers: &HeaderMap) -> ChannelError {
    #[derive(serde::Deserialize)]
    struct TooMany {
        retry_after: Option<f64>,
    }
    let from_body = api::parse::<TooMany>("429", body)
        .ok()
        .and_then(|t| t.retry_after)
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(http::MAX_RETRY_AFTER.as_secs_f64())));
    let wait = from_body
        .or_else(|| http::retry_after(headers))
        .unwrap_or(Duration::from_secs(5));
    ChannelError::RateLimited {
        // The runner counts whole seconds: round up, and never zero.
        retry_after: Duration::from_secs(wait.as_secs_f64().ceil() as u64)
            .clamp(Duration::from_secs(1), http::MAX_RETRY_AFTER),
    }
}

impl Discord {
    /// The connector for `settings`, signed in with the bot token.
    pub fn new(settings: Settings<'_>, credentials: &Credentials) -> Result<Discord, ChannelError> {
        validate(
            settings.guild_id,
            settings.channels,
            settings.publish_channel,
            settings.api_base,
            settings.gateway,
        )?;
        let token = match credentials {
            Credentials::Token { token }
                if !token.trim().is_empty()
                    && token.trim().bytes().all(|b| b.is_ascii_graphic()) =>
            {
                token.trim().trim_start_matches("Bot ").to_string()
            }
            _ => {
                return Err(ChannelError::Permanent(
                    "Discord needs the bot token (Developer Portal → Bot → Reset Token)".into(),
                ));
            }
        };
        Ok(Discord {
            base: base_url(
                "discord.api_base",
                settings.api_base.unwrap_or(DEFAULT_API_BASE),
                &["https", "http"],
            )?,
            gateway: settings.gateway.map(str::to_string),
            guild_id: settings.guild_id.to_string(),
            channels: settings.channels.to_vec(),
            publish_channel: settings
                .publish_channel
                .map(str::to_string)
                .or_else(|| settings.channels.first().cloned()),
            token,
            http: http::client()?,
            me: tokio::sync::OnceCell::new(),
            buckets: std::sync::Mutex::new(HashMap::new()),
            session: tokio::sync::Mutex::new(None),
            threads: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// One request to `path` (below the API base) on `route` (the bucket
    /// key: the method, the path template and its major id). Answers the
    /// status and body of any answer but a 429, 401/403 or 5xx.
    async fn request(
        &self,
        method: Method,
        route: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<(StatusCode, String), ChannelError> {
        self.wait_for_bucket(route).await?;
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .header(
                reqwest::header::AUTHORIZATION,
                format!("Bot {}", self.token),
            );
        if let Some(body) = body {
            req = req.json(body);
        }
        let res = req.send().await.map_err(http::from_reqwest)?;
        let status = res.status();
        let headers = res.headers().clone();
        self.note_bucket(route, &headers);
        let text = res.text().await.map_err(http::from_reqwest)?;
        match status.as_u16() {
            429 => Err(rate_limited(&text, &headers)),
            // 403 is a permission the bot lacks in a channel, not a bad token.
            403 => Err(ChannelError::Permanent(format!(
                "Discord {route}: missing permissions: {}",
                http::short(&text)
            ))),
            401 | 408 | 425 | 500..=599 => Err(http::from_status(status, &headers, &text)),
            _ => Ok((status, text)),
        }
    }

    /// A request whose answer must be a success.
    async fn ok(
        &self,
        method: Method,
        route: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<String, ChannelError> {
        let (status, text) = self.request(method, route, path, body).await?;
        if status.is_success() {
            Ok(text)
        } else {
            Err(ChannelError::Permanent(format!(
                "Discord {route}: HTTP {}: {}",
                status.as_u16(),
                http::short(&text)
            )))
        }
    }

    /// Waits while `route`'s bucket is spent (up to [`MAX_BUCKET_WAIT`]).
    async fn wait_for_bucket(&self, route: &str) -> Result<(), ChannelError> {
        let refill = {
            let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
            match buckets.get(route) {
                Some((0, at)) if *at > Instant::now() => Some(*at),
                _ => None,
            }
        };
        let Some(at) = refill else { return Ok(()) };
        let wait = at.saturating_duration_since(Instant::now());
        if wait > MAX_BUCKET_WAIT {
            return Err(ChannelError::RateLimited {
                retry_after: Duration::from_secs(wait.as_secs_f64().ceil() as u64),
            });
        }
        tokio::time::sleep(wait).await;
        Ok(())
    }

    fn note_bucket(&self, route: &str, headers: &HeaderMap) {
        let number = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|n| n.is_finite() && *n >= 0.0)
        };
        let (Some(remaining), Some(after)) = (
            number("x-ratelimit-remaining"),
            number("x-ratelimit-reset-after"),
        ) else {
            return;
        };
        let after = Duration::from_secs_f64(after.min(http::MAX_RETRY_AFTER.as_secs_f64()));
        self.buckets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(
                route.to_string(),
                (remaining as u64, Instant::now() + after),
            );
    }

    /// The bot's user (asked once).
    async fn me(&self) -> Result<&api::User, ChannelError> {
        self.me
            .get_or_try_init(|| async {
                let body = self
                    .ok(Method::GET, "GET /users/@me", "/users/@me", None)
                    .await?;
                api::parse("users/@me", &body).map_err(ChannelError::Transient)
            })
            .await
    }

    /// The channels and active threads read over REST.
    async fn followed(&self) -> Result<Vec<String>, ChannelError> {
        let guild = &self.guild_id;
        let channels: Vec<String> = if self.channels.is_empty() {
            let body = self
                .ok(
                    Method::GET,
                    &format!("GET /guilds/{guild}/channels"),
                    &format!("/guilds/{guild}/channels"),
                    None,
                )
                .await?;
            let all: Vec<Value> =
                api::parse("guild channels", &body).map_err(ChannelError::Transient)?;
            all.into_iter()
                .filter_map(|v| api::from_value::<api::Channel>("guild channel", v).ok())
                .filter(|c| c.kind == api::TEXT || c.kind == api::ANNOUNCEMENT)
                .map(|c| c.id)
                .collect()
        } else {
            self.channels.clone()
        };
        let body = self
            .ok(
                Method::GET,
                &format!("GET /guilds/{guild}/threads/active"),
                &format!("/guilds/{guild}/threads/active"),
                None,
            )
            .await?;
        let active: api::ActiveThreads =
            api::parse("active threads", &body).map_err(ChannelError::Transient)?;
        let mut out = channels.clone();
        let mut threads = self.threads.lock().unwrap_or_else(|e| e.into_inner());
        for t in active.threads {
            let Some(parent) = t.parent_id else { continue };
            if api::THREADS.contains(&t.kind) && channels.contains(&parent) {
                threads.insert(t.id.clone(), parent);
                out.push(t.id);
            }
        }
        Ok(out)
    }

    /// Whether a message in `channel` of `guild` is read.
    fn follows(&self, guild: Option<&str>, channel: &str) -> bool {
        match guild {
            None => true,
            Some(g) if g != self.guild_id => false,
            Some(_) if self.channels.is_empty() => true,
            Some(_) => {
                let parent = self.thread_parent(channel);
                self.channels
                    .iter()
                    .any(|c| c == channel || Some(c) == parent.as_ref())
            }
        }
    }

    fn thread_parent(&self, channel: &str) -> Option<String> {
        self.threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(channel)
            .cloned()
    }

    fn context<'a>(
        &'a self,
        me: &'a str,
        parent: Option<&'a str>,
        direct: bool,
    ) -> api::Context<'a> {
        api::Context {
            me,
            guild_id: &self.guild_id,
            thread_parent: parent,
            direct,
        }
    }

    /// Reads every followed channel from `positions` on, a page per answer.
    async fn catch_up(
        &self,
        positions: &mut BTreeMap<String, u64>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let me = self.me().await?.id.clone();
        let horizon = api::snowflake_at(window.backfill_from);
        let mut pages_left = window.max_pages.max(1);
        for channel in self.followed().await? {
            let parent = self.thread_parent(&channel);
            loop {
                if pages_left == 0 {
                    return Ok(More::Yes);
                }
                let after = positions.get(&channel).copied().unwrap_or(horizon);
                let read = self
                    .ok(
                        Method::GET,
                        &format!("GET /channels/{channel}/messages"),
                        &format!("/channels/{channel}/messages?after={after}&limit={PAGE}"),
                        None,
                    )
                    .await;
                let body = match read {
                    Ok(body) => body,
                    // A server lists channels the bot may not read: with
                    // every channel followed, those are skipped; a channel
                    // named in the settings must be readable.
                    Err(ChannelError::Permanent(_)) if self.channels.is_empty() => break,
                    Err(e) => return Err(e),
                };
                let list = api::messages(&body).map_err(ChannelError::Transient)?;
                let full = list.len() >= PAGE;
                let mut read: Vec<api::Message> = list.into_iter().flatten().collect();
                read.sort_by_key(|m| m.id.parse::<u64>().unwrap_or(0));
                let Some(newest) = read.iter().filter_map(|m| m.id.parse::<u64>().ok()).max()
                else {
                    break;
                };
                let newest = newest.max(after);
                let items = read
                    .iter()
                    .filter_map(|m| {
                        api::message(m, self.context(&me, parent.as_deref(), false))
                            .ok()
                            .flatten()
                    })
                    .map(IncomingItem::Message)
                    .collect();
                positions.insert(channel.clone(), newest);
                hand_over(
                    sink,
                    Page {
                        items,
                        deleted: Vec::new(),
                        cursor: Some(write_cursor(positions)),
                    },
                )
                .await?;
                pages_left -= 1;
                if !full {
                    break;
                }
            }
        }
        Ok(More::No)
    }

    /// The message, as sent or found, as a reference.
    fn remote(&self, m: &api::Message) -> RemoteRef {
        let guild = m.guild_id.as_deref().unwrap_or(&self.guild_id);
        RemoteRef {
            id: api::external_id(&m.channel_id, &m.id),
            url: Some(format!(
                "https://discord.com/channels/{guild}/{}/{}",
                m.channel_id, m.id
            )),
        }
    }

    /// Where `post` goes and the body that sends it.
    fn message_body(&self, post: &Outgoing) -> Result<(String, Value), ChannelError> {
        if post.key.is_empty() || post.key.len() > 25 {
            return Err(ChannelError::Permanent(format!(
                "Discord nonce {:?} must be 1 to 25 characters",
                post.key
            )));
        }
        let mut body = json!({
            "content": post.text,
            "nonce": post.key,
            "enforce_nonce": true,
            "allowed_mentions": {"parse": [], "replied_user": true},
        });
        let channel = match &post.reply_to {
            Some(target) => {
                let (channel, message) = api::split_id("reply target", &target.external_id)
                    .map_err(ChannelError::Permanent)?;
                body["message_reference"] = json!({
                    "message_id": message.to_string(),
                    "channel_id": channel.to_string(),
                    "fail_if_not_exists": false,
                });
                channel.to_string()
            }
            None => self.publish_channel.clone().ok_or_else(|| {
                ChannelError::Permanent(
                    "Discord: set publish_channel (or channels) to publish new posts".into(),
                )
            })?,
        };
        Ok((channel, body))
    }
}

async fn hand_over(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a page: {e}")))
}

#[async_trait]
impl Source for Discord {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let mut positions = read_cursor(since)?;
        self.catch_up(&mut positions, window, sink).await
    }

    fn streams(&self) -> bool {
        true
    }

    async fn stream(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let mut positions = read_cursor(since)?;
        let until = tokio::time::Instant::from_std(window.until);
        let mut backoff = Duration::from_millis(250);
        loop {
            if tokio::time::Instant::now() >= until {
                return Ok(More::No);
            }
            let started = tokio::time::Instant::now();
            let listened = self.listen(&mut positions, window, sink).await;
            if started.elapsed() > Duration::from_secs(10) {
                backoff = Duration::from_millis(250);
            }
            let wait = match listened {
                Ok(()) => Duration::ZERO,
                Err(e @ (ChannelError::Unauthorized(_) | ChannelError::Permanent(_))) => {
                    return Err(e);
                }
                Err(ChannelError::RateLimited { retry_after }) => retry_after,
                Err(ChannelError::Transient(_)) => {
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                    backoff
                }
            };
            tokio::time::sleep_until((tokio::time::Instant::now() + wait).min(until)).await;
        }
    }
}

#[async_trait]
impl Publisher for Discord {
    /// A nonce of at most 25 characters (Discord's limit), derived from the
    /// outbox item's unique key.
    fn new_key(&self, unique: &str, _now: jiff::Timestamp) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(unique.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        format!("t{}", &hex[..24])
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        let (channel, body) = self.message_body(post)?;
        let body = self
            .ok(
                Method::POST,
                &format!("POST /channels/{channel}/messages"),
                &format!("/channels/{channel}/messages"),
                Some(&body),
            )
            .await?;
        // Posted but unreadable: the outcome is unknown, `lookup` settles it.
        let sent: api::Message = api::parse("message", &body).map_err(ChannelError::Transient)?;
        Ok(self.remote(&sent))
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let me = self.me().await?.id.clone();
        let (channel, _) = self.message_body(post)?;
        let want_parent = match &post.reply_to {
            Some(t) => Some(
                api::split_id("reply target", &t.external_id)
                    .map_err(ChannelError::Permanent)?
                    .1
                    .to_string(),
            ),
            None => None,
        };
        let body = self
            .ok(
                Method::GET,
                &format!("GET /channels/{channel}/messages"),
                &format!("/channels/{channel}/messages?limit={LOOKUP_LIMIT}"),
                None,
            )
            .await?;
        let list = api::messages(&body).map_err(ChannelError::Transient)?;
        let found = list.into_iter().flatten().find(|m| {
            let by_me = m.author.as_ref().is_some_and(|a| a.id == me);
            let same_nonce = m.nonce.as_ref().and_then(Value::as_str) == Some(post.key.as_str());
            let parent = m
                .message_reference
                .as_ref()
                .and_then(|r| r.message_id.clone());
            let same_answer =
                parent == want_parent && m.content.as_deref() == Some(post.text.as_str());
            by_me && (same_nonce || same_answer)
        });
        Ok(found.map(|m| self.remote(&m)))
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        let (channel, message) =
            api::split_id("message", &item.id).map_err(ChannelError::Permanent)?;
        let (status, text) = self
            .request(
                Method::DELETE,
                &format!("DELETE /channels/{channel}/messages"),
                &format!("/channels/{channel}/messages/{message}"),
                None,
            )
            .await?;
        match status.as_u16() {
            200..=299 | 404 => Ok(()),
            code => Err(ChannelError::Permanent(format!(
                "Discord delete: HTTP {code}: {}",
                http::short(&text)
            ))),
        }
    }
}

#[async_trait]
impl Connector for Discord {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let me = self.me().await?.clone();
        let guild = &self.guild_id;
        let (status, text) = self
            .request(
                Method::GET,
                &format!("GET /guilds/{guild}"),
                &format!("/guilds/{guild}"),
                None,
            )
            .await?;
        if !status.is_success() {
            return Err(ChannelError::Permanent(format!(
                "Discord: the bot cannot see the server {guild} (invite it first): HTTP {}: {}",
                status.as_u16(),
                http::short(&text)
            )));
        }
        Ok(AccountInfo {
            handle: Some(me.username),
            token_expires_at: None,
            max_chars: Some(MAX_CHARS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_bad_ones_are_refused() {
        let mut p = BTreeMap::new();
        p.insert("900000000000000009".to_string(), 42u64);
        p.insert("900000000000000010".to_string(), 7u64);
        let c = write_cursor(&p);
        assert_eq!(read_cursor(Some(&c)).unwrap(), p);
        assert!(read_cursor(Some(&Cursor("x=1".into()))).is_err());
        assert!(read_cursor(Some(&Cursor("900000000000000009=a".into()))).is_err());
        assert!(
            read_cursor(Some(&Cursor(String::new())))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn a_429_waits_what_discord_says_rounded_up() {
        let body = r#"{"message":"You are being rate limited.","retry_after":1.25,"global":false}"#;
        assert_eq!(
            rate_limited(body, &HeaderMap::new()),
            ChannelError::RateLimited {
                retry_after: Duration::from_secs(2)
            }
        );
    }

    #[test]
    fn settings_name_the_bad_one() {
        let err = validate("12", &["abc".into()], None, None, None).unwrap_err();
        assert!(err.to_string().contains("discord.channels"), "{err}");
        let err = validate("12", &[], None, Some("http://evil.example"), None).unwrap_err();
        assert!(err.to_string().contains("discord.api_base"), "{err}");
        let err = validate("12", &[], None, None, Some("file:///x")).unwrap_err();
        assert!(err.to_string().contains("discord.gateway"), "{err}");
        assert!(
            validate(
                "12",
                &["34".into()],
                Some("34"),
                Some("http://127.0.0.1:9"),
                Some("ws://127.0.0.1:9")
            )
            .is_ok()
        );
    }
}
