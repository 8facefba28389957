//! Telegram, through the Bot API: what members write to the bot and in the
//! groups and channels it is in comes in; replies go out.
//!
//! - **Reading** is `getUpdates`: the cursor is the next `offset` (the last
//!   `update_id` + 1; asking with it confirms everything before, which
//!   Telegram then forgets). A pull asks without waiting; a stream long-polls
//!   (`timeout`) until the window ends, handing over each answer as a page.
//!   Messages, edits (`edited_message`: the same external id with
//!   `edited_at`), channel posts. Telegram keeps undelivered updates for 24
//!   hours only and offers no history: a backfill reads what is waiting, and
//!   never further back than the horizon. Deletions are not told to bots.
//!   Webhook mode is not used: a self-hosted Tend need not be reachable from
//!   the internet (and Telegram refuses `getUpdates` while a webhook is set).
//! - **Ids**: a message id is unique only within its chat, so the external
//!   id is `chat_id/message_id`. A private chat is a direct message; a reply
//!   (`reply_to_message`) has its parent; a forum topic
//!   (`message_thread_id`) is the thread.
//! - **Replying** is `sendMessage` with `reply_parameters` (and the topic's
//!   `message_thread_id`); publishing a new post goes to the first chat of
//!   the `chats` setting; deleting is `deleteMessage`.
//! - **No idempotency**: Telegram has no idempotency key, and a bot cannot
//!   read back what it sent. An attempt whose answer was lost can be neither
//!   settled nor safely retried, so [`Publisher::lookup`] says it cannot
//!   tell, and the runner leaves the reply `unknown` with the reason for the
//!   team (never a blind retry).
//! - **The token** is part of every URL (`/bot<token>/method`): it is kept
//!   out of every error and log (reqwest's errors lose their URL, and any
//!   text from the network is scrubbed of it).

mod api;

use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, Sink, Source, Window, http,
};
use async_trait::async_trait;
use serde_json::{Value, json};
use std::time::Duration;
use tend_domain::IncomingItem;

/// Telegram's public Bot API.
pub const DEFAULT_API_BASE: &str = "https://api.telegram.org";
/// The longest message Telegram accepts (after entity parsing).
pub const MAX_CHARS: usize = 4096;
/// Updates per `getUpdates` (Telegram's maximum).
const PAGE: usize = 100;
/// The longest long-poll (Telegram allows more; proxies often cut at 30 s).
const LONG_POLL: Duration = Duration::from_secs(25);
/// The updates a connector asks for.
const ALLOWED_UPDATES: &[&str] = &[
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
];

/// Why a lost answer stays unknown (shown to the team).
const CANNOT_TELL: &str = "Telegram has no idempotency key and a bot cannot read back its own \
     messages, so Tend cannot know whether this reply arrived; look in the chat, and send it \
     again by hand only if it is not there";

/// The connector of one Telegram bot.
pub struct Telegram {
    base: String,
    token: String,
    chats: Vec<i64>,
    http: reqwest::Client,
    me: tokio::sync::OnceCell<api::Me>,
}

/// The API's base address from the `api_base` setting (https; plain http only
/// for a loopback host: tests, a local Bot API server).
pub fn api_base(setting: Option<&str>) -> Result<String, ChannelError> {
    let raw = setting.unwrap_or(DEFAULT_API_BASE).trim();
    let bad = |why: &str| ChannelError::Permanent(format!("telegram.api_base: {raw:?}: {why}"));
    let url = reqwest::Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
    let host = url.host_str().ok_or_else(|| bad("no host"))?;
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(bad("must be an https:// address")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not hold a login"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must be an address without a query"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// The chat ids of the `chats` setting (numbers, like `-1001234567890`).
pub fn chat_ids(chats: &[String]) -> Result<Vec<i64>, ChannelError> {
    chats
        .iter()
        .map(|c| {
            c.trim()
                .parse::<i64>()
                .ok()
                .filter(|id| *id != 0)
                .ok_or_else(|| {
                    ChannelError::Permanent(format!(
                        "telegram.chats: {:?} is not a chat id (a number like -1001234567890)",
                        c.chars().take(80).collect::<String>()
                    ))
                })
        })
        .collect()
}

/// Runs the payload mapping on arbitrary bytes (the fuzz target): a
/// `getUpdates` answer, then each update as a message. Never panics.
#[doc(hidden)]
pub fn fuzz_telegram(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let me = api::Me {
        id: 42,
        username: Some("tend_bot".into()),
    };
    let Ok(envelope) = api::parse::<api::Envelope>("getUpdates", text) else {
        return;
    };
    let _ = error_of(0, &envelope, "");
    if let Some(Ok(entries)) = envelope.result.map(api::updates) {
        for entry in entries {
            if let Ok(update) = entry.parsed
                && let Some((m, via)) = api::message_of(&update)
            {
                let _ = api::message(m, via, &me);
            }
        }
    }
}

impl Telegram {
    /// The connector of the bot `credentials` (a `Token`) on `api_base`,
    /// reading `chats` (empty: every chat the bot is in).
    pub fn new(
        api_base_setting: Option<&str>,
        chats: &[String],
        credentials: &Credentials,
    ) -> Result<Telegram, ChannelError> {
        let base = api_base(api_base_setting)?;
        let chats = chat_ids(chats)?;
        let token = match credentials {
            Credentials::Token { token } if valid_token(token.trim()) => token.trim().to_string(),
            Credentials::Token { .. } => {
                return Err(ChannelError::Permanent(
                    "Telegram: the bot token is not in the form BotFather gives (123456:ABC…)"
                        .into(),
                ));
            }
            _ => {
                return Err(ChannelError::Permanent(
                    "Telegram needs the bot token from BotFather".into(),
                ));
            }
        };
        Ok(Telegram {
            base,
            token,
            chats,
            http: http::client()?,
            me: tokio::sync::OnceCell::new(),
        })
    }

    /// Calls `method` with `params`; answers the `result`. `wait` is how long
    /// the server may hold the request (a long poll).
    async fn call(
        &self,
        method: &str,
        params: &Value,
        wait: Duration,
    ) -> Result<Value, ChannelError> {
        let url = format!("{}/bot{}/{method}", self.base, self.token);
        let res = self
            .http
            .post(url)
            .json(params)
            .timeout(http::REQUEST_TIMEOUT + wait)
            .send()
            .await
            .map_err(|e| self.scrub(http::from_reqwest(e.without_url())))?;
        let status = res.status();
        let headers = res.headers().clone();
        let body = res
            .text()
            .await
            .map_err(|e| self.scrub(http::from_reqwest(e.without_url())))?;
        let envelope = match api::parse::<api::Envelope>(method, &body) {
            Ok(envelope) => envelope,
            // Not the Bot API's JSON (a proxy's error page): by the status.
            Err(_) if !status.is_success() => {
                return Err(self.scrub(http::from_status(status, &headers, &body)));
            }
            Err(e) => return Err(self.scrub(ChannelError::Transient(e))),
        };
        if envelope.ok {
            return Ok(envelope.result.unwrap_or(Value::Null));
        }
        Err(self.scrub(error_of(status.as_u16(), &envelope, method)))
    }

    /// `error` with the token cut out of its text, wherever it came from.
    fn scrub(&self, error: ChannelError) -> ChannelError {
        let clean = |s: String| s.replace(&self.token, "<token>");
        match error {
            ChannelError::Unauthorized(s) => ChannelError::Unauthorized(clean(s)),
            ChannelError::Transient(s) => ChannelError::Transient(clean(s)),
            ChannelError::Permanent(s) => ChannelError::Permanent(clean(s)),
            e @ ChannelError::RateLimited { .. } => e,
        }
    }

    /// The bot (asked once).
    async fn me(&self) -> Result<&api::Me, ChannelError> {
        self.me
            .get_or_try_init(|| async {
                let result = self.call("getMe", &json!({}), Duration::ZERO).await?;
                api::result::<api::Me>("getMe", result).map_err(ChannelError::Transient)
            })
            .await
    }

    /// One `getUpdates`, waiting up to `wait` for something new.
    async fn updates(
        &self,
        offset: Option<i64>,
        wait: Duration,
    ) -> Result<Vec<api::Entry>, ChannelError> {
        let mut params = json!({
            "limit": PAGE,
            "timeout": wait.as_secs(),
            "allowed_updates": ALLOWED_UPDATES,
        });
        if let Some(offset) = offset {
            params["offset"] = json!(offset);
        }
        let result = self.call("getUpdates", &params, wait).await?;
        api::updates(result).map_err(ChannelError::Transient)
    }

    /// Turns one answer into a page (messages of the followed chats, newer
    /// than `from` when backfilling) with the next offset as its cursor.
    fn page(
        &self,
        entries: Vec<api::Entry>,
        me: &api::Me,
        from: Option<jiff::Timestamp>,
    ) -> Option<Page> {
        let next = entries.iter().map(|e| e.update_id).max()?.checked_add(1)?;
        let mut items = Vec::new();
        for entry in entries {
            // An update that cannot be read is skipped: one broken update
            // must not stop the channel.
            let Ok(update) = entry.parsed else { continue };
            let Some((m, via)) = api::message_of(&update) else {
                continue;
            };
            let followed = self.chats.is_empty()
                || self.chats.contains(&m.chat.id)
                || m.chat.kind == "private";
            if !followed {
                continue;
            }
            if let Ok(Some(message)) = api::message(m, via, me)
                && from.is_none_or(|from| message.created_at >= from)
            {
                items.push(IncomingItem::Message(message));
            }
        }
        Some(Page {
            items,
            deleted: Vec::new(),
            cursor: Some(Cursor(next.to_string())),
        })
    }

    /// The target's chat, message and forum topic, for a reply.
    fn reply_params(&self, post: &Outgoing) -> Result<(i64, Value), ChannelError> {
        let Some(target) = &post.reply_to else {
            let Some(chat) = self.chats.first() else {
                return Err(ChannelError::Permanent(
                    "Telegram: a new post goes to the first chat of the channel's `chats` setting, and it is empty".into(),
                ));
            };
            return Ok((*chat, json!({"chat_id": chat, "text": post.text})));
        };
        let (chat, message) =
            api::split_id("reply target", &target.external_id).map_err(ChannelError::Permanent)?;
        let mut params = json!({
            "chat_id": chat,
            "text": post.text,
            "reply_parameters": {"message_id": message, "allow_sending_without_reply": true},
        });
        if let Some(thread) = &target.thread_external_id
            && let Ok((thread_chat, topic)) = api::split_id("thread", thread)
            && thread_chat == chat
        {
            params["message_thread_id"] = json!(topic);
        }
        Ok((chat, params))
    }
}

/// A token as BotFather gives it: the bot's id, a colon, a secret.
fn valid_token(token: &str) -> bool {
    let Some((id, secret)) = token.split_once(':') else {
        return false;
    };
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && (20..=100).contains(&secret.len())
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The error a refused call means (`status` is the HTTP status, which the
/// envelope's `error_code` repeats).
fn error_of(status: u16, envelope: &api::Envelope, method: &str) -> ChannelError {
    let code = envelope
        .error_code
        .and_then(|c| u16::try_from(c).ok())
        .unwrap_or(status);
    let description = http::short(envelope.description.as_deref().unwrap_or("no description"));
    let reason = format!("Telegram {method}: {code} {description}");
    let parameters = envelope.parameters.as_ref();
    match code {
        429 => {
            let secs = parameters
                .and_then(|p| p.retry_after)
                .filter(|s| s.is_finite() && *s >= 0.0)
                .unwrap_or(30.0);
            ChannelError::RateLimited {
                retry_after: Duration::from_secs_f64(
                    secs.ceil().min(http::MAX_RETRY_AFTER.as_secs_f64()),
                )
                .max(Duration::from_secs(1)),
            }
        }
        // A token Telegram does not know is 401; a malformed one 404.
        401 => ChannelError::Unauthorized(reason),
        404 if description == "Not Found" => ChannelError::Unauthorized(reason),
        // 409: a webhook is set (an admin must delete it), or another
        // reader of the same bot is polling (it passes).
        409 if description.contains("webhook") => ChannelError::Permanent(format!(
            "{reason} (Tend reads with getUpdates: delete the bot's webhook)"
        )),
        500..=599 | 408 | 409 => ChannelError::Transient(reason),
        _ => match parameters.and_then(|p| p.migrate_to_chat_id) {
            Some(to) => ChannelError::Permanent(format!(
                "{reason} (the group became the supergroup {to}: add it to the channel's chats)"
            )),
            None => ChannelError::Permanent(reason),
        },
    }
}

#[async_trait]
impl Source for Telegram {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let me = self.me().await?.clone();
        let mut offset = check_cursor(since)?;
        let from = since.is_none().then_some(window.backfill_from);
        for _ in 0..window.max_pages.max(1) {
            let entries = self.updates(offset, Duration::ZERO).await?;
            let full = entries.len() >= PAGE;
            let Some(page) = self.page(entries, &me, from) else {
                return Ok(More::No);
            };
            offset = page.cursor.as_ref().and_then(|c| c.0.parse().ok());
            hand_over(sink, page).await?;
            if !full {
                return Ok(More::No);
            }
        }
        Ok(More::Yes)
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
        let me = self.me().await?.clone();
        let mut offset = check_cursor(since)?;
        let mut from = since.is_none().then_some(window.backfill_from);
        let until = tokio::time::Instant::from_std(window.until);
        let mut backoff = Duration::from_millis(250);
        loop {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            // Telegram's timeout is whole seconds: under one second left,
            // a poll could only spin.
            if left < Duration::from_secs(1) {
                tokio::time::sleep_until(until).await;
                return Ok(More::No);
            }
            let wait = match self.updates(offset, left.min(LONG_POLL)).await {
                Ok(entries) => {
                    backoff = Duration::from_millis(250);
                    if let Some(page) = self.page(entries, &me, from) {
                        offset = page.cursor.as_ref().and_then(|c| c.0.parse().ok());
                        from = None;
                        hand_over(sink, page).await?;
                    }
                    Duration::ZERO
                }
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

fn check_cursor(since: Option<&Cursor>) -> Result<Option<i64>, ChannelError> {
    since
        .map(|c| {
            c.0.parse::<i64>().map_err(|_| {
                ChannelError::Permanent(format!(
                    "Telegram: bad cursor {:?}",
                    c.0.chars().take(40).collect::<String>()
                ))
            })
        })
        .transpose()
}

async fn hand_over(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a page: {e}")))
}

#[async_trait]
impl Publisher for Telegram {
    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        let (chat, params) = self.reply_params(post)?;
        let result = self.call("sendMessage", &params, Duration::ZERO).await?;
        // Sent but unreadable: the outcome is unknown (and stays so).
        let sent: api::Message =
            api::result("sendMessage", result).map_err(ChannelError::Transient)?;
        let chat_id = if sent.chat.id == 0 {
            chat
        } else {
            sent.chat.id
        };
        let id = api::external_id(chat_id, sent.message_id);
        let url = api::message(
            &sent,
            api::Via::Message,
            &api::Me {
                id: 0,
                username: None,
            },
        )
        .ok()
        .flatten()
        .and_then(|m| m.permalink);
        Ok(RemoteRef { id, url })
    }

    async fn lookup(&self, _post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        Err(ChannelError::Permanent(CANNOT_TELL.into()))
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        let (chat, message) =
            api::split_id("message", &item.id).map_err(ChannelError::Permanent)?;
        let params = json!({"chat_id": chat, "message_id": message});
        match self.call("deleteMessage", &params, Duration::ZERO).await {
            Ok(_) => Ok(()),
            Err(ChannelError::Permanent(reason))
                if reason.contains("message to delete not found") =>
            {
                Ok(())
            }
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl Connector for Telegram {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let me = self.me().await?;
        Ok(AccountInfo {
            handle: me.username.clone(),
            token_expires_at: None,
            max_chars: Some(MAX_CHARS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_without_being_shown() {
        let bad = Telegram::new(
            None,
            &[],
            &Credentials::Token {
                token: "secret-oops".into(),
            },
        );
        let Err(e) = bad else { panic!("accepted") };
        assert!(!e.to_string().contains("secret-oops"), "{e}");
        let good = Credentials::Token {
            token: "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345678".into(),
        };
        assert!(Telegram::new(None, &[], &good).is_ok());
        assert!(Telegram::new(Some("http://example.org"), &[], &good).is_err());
        assert!(Telegram::new(None, &["@name".into()], &good).is_err());
    }

    #[test]
    fn a_webhook_in_the_way_is_for_an_admin_and_a_second_reader_passes() {
        let answer = |description: &str| {
            let body = format!(r#"{{"ok":false,"error_code":409,"description":"{description}"}}"#);
            error_of(409, &api::parse("getUpdates", &body).unwrap(), "getUpdates")
        };
        assert!(matches!(
            answer("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"),
            ChannelError::Permanent(m) if m.contains("delete the bot's webhook")
        ));
        assert!(matches!(
            answer(
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
            ),
            ChannelError::Transient(_)
        ));
    }

    #[test]
    fn a_flood_wait_is_rate_limited_with_telegrams_wait() {
        let body = r#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 14","parameters":{"retry_after":14}}"#;
        let envelope: api::Envelope = api::parse("sendMessage", body).unwrap();
        assert_eq!(
            error_of(429, &envelope, "sendMessage"),
            ChannelError::RateLimited {
                retry_after: Duration::from_secs(14)
            }
        );
    }
}
