//! X (API v2): mentions and direct messages in, replies and posts out.
//!
//! Built and tested against X's documented and recorded payloads only
//! (`Tested::Contract`): going live needs a paid X developer account and an
//! app of the workspace's own.
//!
//! - **Reading** is the brand's mentions timeline (`GET /2/users/{id}/mentions`,
//!   with `expansions=author_id,referenced_tweets.id` so `includes.users`
//!   names the authors, and `conversation_id` for the thread) and its direct
//!   messages (`GET /2/dm_events`). X pages newest first
//!   (`pagination_token`), so one read walks back to the cursor (`since_id`)
//!   or, with none, to the backfill horizon (`start_time`), then hands the
//!   pages over oldest first, each with the cursor that covers it. X keeps
//!   only the newest 800 mentions in the timeline and 30 days of messages.
//! - **Edits**: an edited tweet is a new tweet id on X whose
//!   `edit_history_tweet_ids` starts with the first version; it arrives as
//!   the first version's message with `edited_at`. **Deletions** are not
//!   told over these endpoints (only X's compliance streams carry them).
//! - **Publishing** is `POST /2/tweets` (a reply sets
//!   `reply.in_reply_to_tweet_id`); `DELETE /2/tweets/{id}` deletes. X has
//!   no idempotency key, so [`Publisher::lookup`] reads the brand's own
//!   recent tweets (`GET /2/users/{id}/tweets`, from the moment the key was
//!   made) for one answering the same parent with the same text; X's
//!   refusal of a duplicate text is settled the same way (a retry of a post
//!   X already has gets that post). Replies to direct messages are not sent
//!   (refused with a reason).
//! - **Rate limits**: `x-rate-limit-reset` (epoch seconds) of a 429 is the
//!   wait. Posts with a link cost more on X's pay-per-use tier:
//!   [`cost_warning`] says so for the composer.
//! - **Credentials**: user-context OAuth 2.0 (authorisation code with PKCE,
//!   scopes [`SCOPES`]), refreshed at the token URL shortly before expiry or
//!   once when X refuses the access token; X rotates the refresh token.

mod api;

use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, Sink, Source, Window, http, oauth,
};
use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::Duration;
use tend_domain::{IncomingItem, IncomingMessage};

/// The scopes Tend asks for: read tweets, users and DMs, write tweets, and
/// `offline.access` for a refresh token.
pub const SCOPES: &str = "tweet.read tweet.write users.read dm.read offline.access";

/// X's API address.
pub const DEFAULT_API_BASE: &str = "https://api.x.com";
/// X's OAuth 2.0 token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://api.x.com/2/oauth2/token";
/// X's OAuth 2.0 consent page.
pub const AUTHORIZE_URL: &str = "https://x.com/i/oauth2/authorize";

/// Items per page (X's maximum for these endpoints).
const PAGE: usize = 100;
/// How many pages one read walks back at most (X keeps 800 mentions).
const MAX_WALK: usize = 10;
/// How many pages of the brand's tweets a lookup reads.
const LOOKUP_PAGES: usize = 5;
/// How far before the key was made a lookup starts (clock skew).
const LOOKUP_SLACK_SECS: i64 = 120;
/// A standard account's post length (weighted characters).
const MAX_CHARS: usize = 280;

const TWEET_FIELDS: &str = "tweet.fields=author_id,created_at,conversation_id,referenced_tweets,edit_history_tweet_ids,lang,public_metrics";
const USER_FIELDS: &str = "user.fields=username,name,verified,public_metrics";

/// What the composer can show before a post goes out on X: posts with a
/// link are charged at the higher pay-per-use rate. `None` for text
/// without a link.
pub fn cost_warning(text: &str) -> Option<String> {
    let has_link = text.split_whitespace().any(|w| {
        let w = w
            .trim_start_matches(['(', '[', '<', '"'])
            .to_ascii_lowercase();
        w.starts_with("http://") || w.starts_with("https://") || w.starts_with("www.")
    });
    has_link.then(|| {
        "X charges a post with a link at its higher pay-per-use rate \
         ($0.200 instead of $0.015 per post, docs.x.com pricing, 2026)"
            .to_string()
    })
}

/// Runs the connector's payload mapping on any bytes (for the fuzzer).
#[doc(hidden)]
pub fn fuzz_x(bytes: &[u8]) {
    api::fuzz(bytes);
}

/// The connector of one X account.
pub struct X {
    base: String,
    user_id: String,
    token_url: String,
    http: reqwest::Client,
    auth: tokio::sync::Mutex<Auth>,
    refreshed: std::sync::Mutex<Option<Credentials>>,
}

enum Auth {
    Token(String),
    OAuth {
        access_token: String,
        refresh_token: Option<String>,
        expires_at: Option<Timestamp>,
        client_id: String,
        client_secret: Option<String>,
    },
}

/// Where reading stopped: the newest mention (tweet id) and the newest
/// direct message event read, `0` for none yet.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Position {
    mentions: String,
    dms: String,
}

impl Position {
    fn parse(cursor: &Cursor) -> Result<Position, ChannelError> {
        let bad = || ChannelError::Permanent(format!("X cursor {:?} is not Tend's", cursor.0));
        let rest = cursor.0.strip_prefix("x1:").ok_or_else(bad)?;
        let (mentions, dms) = rest.split_once(':').ok_or_else(bad)?;
        let ok = |id: &str| id == "0" || api::check_id("cursor", id).is_ok();
        if !ok(mentions) || !ok(dms) {
            return Err(bad());
        }
        Ok(Position {
            mentions: mentions.to_string(),
            dms: dms.to_string(),
        })
    }

    fn cursor(&self) -> Cursor {
        Cursor(format!("x1:{}:{}", self.mentions, self.dms))
    }
}

impl X {
    /// The connector for the account `user_id` at `api_base`, signed in
    /// with `credentials` (OAuth tokens, or a user access token).
    pub fn new(
        api_base: &str,
        user_id: &str,
        token_url: &str,
        credentials: &Credentials,
    ) -> Result<X, ChannelError> {
        api::check_id("user_id", user_id).map_err(|_| {
            ChannelError::Permanent(format!(
                "x.user_id: {user_id:?} is not an X user id (digits)"
            ))
        })?;
        let auth = match credentials {
            Credentials::Token { token } if !token.trim().is_empty() => {
                Auth::Token(token.trim().to_string())
            }
            Credentials::OAuth {
                access_token,
                refresh_token,
                expires_at,
                client_id,
                client_secret,
            } => Auth::OAuth {
                access_token: access_token.clone(),
                refresh_token: refresh_token.clone(),
                expires_at: *expires_at,
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
            },
            _ => {
                return Err(ChannelError::Permanent(
                    "X needs a user-context OAuth 2.0 token (connect with OAuth)".into(),
                ));
            }
        };
        Ok(X {
            base: api_base.trim_end_matches('/').to_string(),
            user_id: user_id.to_string(),
            token_url: token_url.to_string(),
            http: http::client()?,
            auth: tokio::sync::Mutex::new(auth),
            refreshed: std::sync::Mutex::new(None),
        })
    }

    /// The current access token, refreshed first when it is about to expire.
    async fn token(&self) -> Result<String, ChannelError> {
        let auth = self.auth.lock().await;
        let stale = match &*auth {
            Auth::Token(token) => return Ok(token.clone()),
            Auth::OAuth {
                access_token,
                refresh_token,
                expires_at,
                ..
            } => {
                let soon = Timestamp::now() + jiff::SignedDuration::from_secs(60);
                if refresh_token.is_none() || expires_at.is_none_or(|at| at > soon) {
                    return Ok(access_token.clone());
                }
                access_token.clone()
            }
        };
        drop(auth);
        self.refresh_after(&stale).await
    }

    /// Refreshes the tokens unless someone did since `stale` was used. X
    /// wants a confidential client's secret as HTTP Basic auth.
    async fn refresh_after(&self, stale: &str) -> Result<String, ChannelError> {
        let mut auth = self.auth.lock().await;
        let Auth::OAuth {
            access_token,
            refresh_token,
            expires_at,
            client_id,
            client_secret,
        } = &mut *auth
        else {
            return Err(ChannelError::Unauthorized(
                "X refused the access token".into(),
            ));
        };
        if access_token != stale {
            return Ok(access_token.clone());
        }
        let Some(old_refresh) = refresh_token.clone() else {
            return Err(ChannelError::Unauthorized(
                "X refused the access token and there is no refresh token".into(),
            ));
        };
        let mut req = self.http.post(&self.token_url).form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", old_refresh.as_str()),
            ("client_id", client_id.as_str()),
        ]);
        if let Some(secret) = client_secret {
            req = req.basic_auth(client_id.as_str(), Some(secret.as_str()));
        }
        let res = req.send().await.map_err(http::from_reqwest)?;
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.map_err(http::from_reqwest)?;
        if !status.is_success() {
            return Err(if matches!(status.as_u16(), 400 | 401) {
                ChannelError::Unauthorized(format!(
                    "X token endpoint refused the refresh: {}",
                    http::short(&body)
                ))
            } else {
                error_of(status, &headers, &body)
            });
        }
        let tokens = oauth::parse_tokens(&body, Timestamp::now())?;
        *access_token = tokens.access_token;
        if tokens.refresh_token.is_some() {
            *refresh_token = tokens.refresh_token;
        }
        *expires_at = tokens.expires_at;
        *self.refreshed.lock().unwrap_or_else(|e| e.into_inner()) = Some(Credentials::OAuth {
            access_token: access_token.clone(),
            refresh_token: refresh_token.clone(),
            expires_at: *expires_at,
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
        });
        Ok(access_token.clone())
    }

    /// Sends a signed request; a refused OAuth token is refreshed once and
    /// the request sent again. Answers the body of a success.
    async fn send(
        &self,
        make: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> Result<(StatusCode, String), ChannelError> {
        let token = self.token().await?;
        let mut res = make(&self.http, &token)
            .send()
            .await
            .map_err(http::from_reqwest)?;
        let refreshable = matches!(
            &*self.auth.lock().await,
            Auth::OAuth {
                refresh_token: Some(_),
                ..
            }
        );
        if res.status() == StatusCode::UNAUTHORIZED && refreshable {
            let token = self.refresh_after(&token).await?;
            res = make(&self.http, &token)
                .send()
                .await
                .map_err(http::from_reqwest)?;
        }
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.map_err(http::from_reqwest)?;
        if status == StatusCode::NOT_FOUND {
            return Ok((status, body));
        }
        if !status.is_success() {
            return Err(error_of(status, &headers, &body));
        }
        Ok((status, body))
    }

    async fn get(&self, url: &str) -> Result<String, ChannelError> {
        let (status, body) = self.send(|c, t| c.get(url).bearer_auth(t)).await?;
        if status == StatusCode::NOT_FOUND {
            return Err(ChannelError::Permanent(format!(
                "X answered 404 for {}: {}",
                url.split('?').next().unwrap_or(url),
                http::short(&body)
            )));
        }
        Ok(body)
    }

    /// The mentions newer than `since` (or, with none, written after
    /// `from`), oldest first, each with its tweet id (the version's).
    async fn mentions(
        &self,
        since: Option<&str>,
        from: Timestamp,
    ) -> Result<Vec<(String, IncomingMessage)>, ChannelError> {
        let bound = match since {
            Some(id) => format!("&since_id={id}"),
            None => format!("&start_time={}", rfc3339(from)),
        };
        let first = format!(
            "{}/2/users/{}/mentions?max_results={PAGE}&expansions=author_id,referenced_tweets.id&{TWEET_FIELDS}&{USER_FIELDS}{bound}",
            self.base, self.user_id
        );
        let mut url = first.clone();
        let mut found = Vec::new();
        for _ in 0..MAX_WALK {
            let body = self.get(&url).await?;
            let list: api::List<api::Tweet> =
                api::parse("mentions", &body).map_err(ChannelError::Transient)?;
            let users = api::users(list.includes.as_ref());
            for tweet in &list.data {
                // One unreadable tweet must not stop the channel: skipped,
                // its id still moves the cursor.
                if api::check_id("mention", &tweet.id).is_err() {
                    continue;
                }
                let mapped = api::message(tweet, &users, &self.user_id).ok();
                found.push((tweet.id.clone(), mapped));
            }
            match list.meta.and_then(|m| m.next_token) {
                Some(next) if !list.data.is_empty() => {
                    url = format!("{first}&pagination_token={}", enc(&next));
                }
                _ => break,
            }
        }
        found.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
        found.dedup_by(|a, b| a.0 == b.0);
        Ok(found
            .into_iter()
            .map(|(id, m)| (id, m.unwrap_or_else(placeholder)))
            .collect())
    }

    /// The direct message events newer than `since` (or, with none, written
    /// after `from`), oldest first, each with its event id.
    async fn dms(
        &self,
        since: Option<&str>,
        from: Timestamp,
    ) -> Result<Vec<(String, IncomingMessage)>, ChannelError> {
        let first = format!(
            "{}/2/dm_events?max_results={PAGE}&event_types=MessageCreate&dm_event.fields=id,text,event_type,dm_conversation_id,created_at,sender_id&expansions=sender_id&{USER_FIELDS}",
            self.base
        );
        let mut url = first.clone();
        let mut found = Vec::new();
        'walk: for _ in 0..MAX_WALK {
            let body = self.get(&url).await?;
            let list: api::List<api::DmEvent> =
                api::parse("dm events", &body).map_err(ChannelError::Transient)?;
            let users = api::users(list.includes.as_ref());
            for event in &list.data {
                if api::check_id("dm event", &event.id).is_err() {
                    continue;
                }
                if since.is_some_and(|s| !api::newer(&event.id, s)) {
                    break 'walk;
                }
                let mapped = api::dm(event, &users, &self.user_id).ok().flatten();
                if since.is_none() && mapped.as_ref().is_some_and(|m| m.created_at < from) {
                    break 'walk;
                }
                found.push((event.id.clone(), mapped.unwrap_or_else(placeholder)));
            }
            match list.meta.and_then(|m| m.next_token) {
                Some(next) if !list.data.is_empty() => {
                    url = format!("{first}&pagination_token={}", enc(&next));
                }
                _ => break,
            }
        }
        found.sort_by(|a, b| (a.0.len(), &a.0).cmp(&(b.0.len(), &b.0)));
        found.dedup_by(|a, b| a.0 == b.0);
        Ok(found)
    }
}

/// An item that could not be mapped: it still moves the cursor, but is not
/// handed over (its external id is empty).
fn placeholder() -> IncomingMessage {
    IncomingMessage {
        rating: None,
        external_id: String::new(),
        kind: tend_domain::MessageKind::Mention,
        direction: tend_domain::Direction::Inbound,
        thread_external_id: None,
        parent_external_id: None,
        author: None,
        title: None,
        text: String::new(),
        lang: None,
        created_at: Timestamp::UNIX_EPOCH,
        edited_at: None,
        permalink: None,
        engagement: Default::default(),
    }
}

/// The error an X answer means. A 403 is a refusal of this request (a
/// duplicate text, a reply X does not allow) unless X says the app or the
/// token lacks access.
fn error_of(status: StatusCode, headers: &HeaderMap, body: &str) -> ChannelError {
    let reason = format!("X HTTP {}: {}", status.as_u16(), http::short(body));
    match status.as_u16() {
        429 => ChannelError::RateLimited {
            retry_after: rate_limit_wait(headers).unwrap_or(Duration::from_secs(60)),
        },
        401 => ChannelError::Unauthorized(reason),
        403 => {
            let lower = body.to_ascii_lowercase();
            let access = [
                "client-forbidden",
                "unsupported-authentication",
                "not permitted to use oauth",
                "suspended",
            ];
            if access.iter().any(|a| lower.contains(a)) {
                ChannelError::Unauthorized(reason)
            } else {
                ChannelError::Permanent(reason)
            }
        }
        _ => http::from_status(status, headers, body),
    }
}

/// X's wait: `x-rate-limit-reset` is the epoch second the window reopens.
fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    let reset = headers
        .get("x-rate-limit-reset")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok());
    match reset {
        Some(epoch) => {
            let secs = (epoch - Timestamp::now().as_second()).max(1);
            Some(Duration::from_secs(secs.unsigned_abs()).min(http::MAX_RETRY_AFTER))
        }
        None => http::retry_after(headers),
    }
}

fn rfc3339(t: Timestamp) -> String {
    // X wants whole seconds, `YYYY-MM-DDTHH:mm:ssZ`.
    Timestamp::from_second(t.as_second())
        .unwrap_or(t)
        .to_string()
}

/// Percent-encodes a query value (X's page tokens are alphanumeric, but
/// they come from the network).
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn hand_over(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a page: {e}")))
}

/// When the key was made (the key ends in `.{epoch seconds}`).
fn key_time(key: &str) -> Option<Timestamp> {
    let secs = key.rsplit_once('.')?.1.parse::<i64>().ok()?;
    Timestamp::from_second(secs).ok()
}

#[async_trait]
impl Source for X {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let mut at = match since {
            Some(c) => Position::parse(c)?,
            None => Position {
                mentions: "0".into(),
                dms: "0".into(),
            },
        };
        let bound = |id: &str| (id != "0").then(|| id.to_string());
        let mentions = self
            .mentions(bound(&at.mentions).as_deref(), window.backfill_from)
            .await?;
        let dms = self
            .dms(bound(&at.dms).as_deref(), window.backfill_from)
            .await?;
        let mut pages_left = window.max_pages.max(1);
        for (chunk, is_dm) in mentions
            .chunks(PAGE)
            .map(|c| (c, false))
            .chain(dms.chunks(PAGE).map(|c| (c, true)))
        {
            if pages_left == 0 {
                return Ok(More::Yes);
            }
            let Some((newest, _)) = chunk.last() else {
                continue;
            };
            if is_dm {
                at.dms = newest.clone();
            } else {
                at.mentions = newest.clone();
            }
            let items = chunk
                .iter()
                .filter(|(_, m)| !m.external_id.is_empty())
                .map(|(_, m)| IncomingItem::Message(m.clone()))
                .collect();
            hand_over(
                sink,
                Page {
                    items,
                    deleted: Vec::new(),
                    cursor: Some(at.cursor()),
                },
            )
            .await?;
            pages_left -= 1;
        }
        if since.is_none() && mentions.is_empty() && dms.is_empty() {
            // Nothing yet: a cursor anyway, so the next read is incremental.
            hand_over(
                sink,
                Page {
                    cursor: Some(at.cursor()),
                    ..Page::default()
                },
            )
            .await?;
        }
        Ok(More::No)
    }
}

#[async_trait]
impl Publisher for X {
    /// The key carries the moment it was made, so a lookup reads only the
    /// brand's tweets since then.
    fn new_key(&self, unique: &str, now: Timestamp) -> String {
        format!("{unique}.{}", now.as_second())
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        let mut body = serde_json::json!({ "text": post.text });
        if let Some(target) = &post.reply_to {
            if target.external_id.starts_with("dm:") {
                return Err(ChannelError::Permanent(
                    "replying to an X direct message is not supported by Tend yet; answer it on X"
                        .into(),
                ));
            }
            api::check_id("reply target", &target.external_id).map_err(ChannelError::Permanent)?;
            body["reply"] = serde_json::json!({ "in_reply_to_tweet_id": target.external_id });
        }
        let url = format!("{}/2/tweets", self.base);
        let sent = self
            .send(|c, t| c.post(&url).bearer_auth(t).json(&body))
            .await;
        let (status, answer) = match sent {
            // X refuses the same text twice: when the first attempt of this
            // very item is among the brand's tweets, that refusal is the
            // answer to a retry, not a failure.
            Err(ChannelError::Permanent(reason)) if reason.contains("duplicate content") => {
                return match self.lookup(post).await {
                    Ok(Some(found)) => Ok(found),
                    _ => Err(ChannelError::Permanent(reason)),
                };
            }
            other => other?,
        };
        if status == StatusCode::NOT_FOUND {
            return Err(ChannelError::Permanent(format!(
                "X: the tweet answered is gone: {}",
                http::short(&answer)
            )));
        }
        // Posted but unreadable: the outcome is unknown, `lookup` settles it.
        let created: api::One<api::Created> =
            api::parse("created tweet", &answer).map_err(ChannelError::Transient)?;
        api::check_id("created tweet", &created.data.id).map_err(ChannelError::Transient)?;
        Ok(RemoteRef {
            url: Some(format!("https://x.com/i/web/status/{}", created.data.id)),
            id: created.data.id,
        })
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let want_text = api::loose(&post.text);
        let want_parent = post.reply_to.as_ref().map(|t| t.external_id.as_str());
        let from = key_time(&post.key)
            .map(|t| t - jiff::SignedDuration::from_secs(LOOKUP_SLACK_SECS))
            .map(|t| format!("&start_time={}", rfc3339(t)))
            .unwrap_or_default();
        let first = format!(
            "{}/2/users/{}/tweets?max_results={PAGE}&tweet.fields=referenced_tweets,created_at,conversation_id{from}",
            self.base, self.user_id
        );
        let mut url = first.clone();
        for _ in 0..LOOKUP_PAGES {
            let body = self.get(&url).await?;
            let list: api::List<api::Tweet> =
                api::parse("own tweets", &body).map_err(ChannelError::Transient)?;
            for tweet in &list.data {
                let parent = tweet
                    .referenced_tweets
                    .iter()
                    .find(|r| r.kind == "replied_to")
                    .map(|r| r.id.as_str());
                if parent == want_parent
                    && api::loose(&tweet.text) == want_text
                    && api::check_id("own tweet", &tweet.id).is_ok()
                {
                    return Ok(Some(RemoteRef {
                        id: tweet.id.clone(),
                        url: Some(format!("https://x.com/i/web/status/{}", tweet.id)),
                    }));
                }
            }
            match list.meta.and_then(|m| m.next_token) {
                Some(next) if !list.data.is_empty() => {
                    url = format!("{first}&pagination_token={}", enc(&next));
                }
                _ => break,
            }
        }
        Ok(None)
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        api::check_id("tweet", &item.id).map_err(ChannelError::Permanent)?;
        let url = format!("{}/2/tweets/{}", self.base, item.id);
        // 404: already gone, which is what was wanted.
        self.send(|c, t| c.delete(&url).bearer_auth(t)).await?;
        Ok(())
    }
}

#[async_trait]
impl Connector for X {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let body = self
            .get(&format!("{}/2/users/me?{USER_FIELDS}", self.base))
            .await?;
        let me: api::One<api::User> =
            api::parse("users/me", &body).map_err(ChannelError::Transient)?;
        if me.data.id != self.user_id {
            return Err(ChannelError::Permanent(format!(
                "x.user_id: the token belongs to @{} ({}), not to user {}",
                me.data.username, me.data.id, self.user_id
            )));
        }
        let token_expires_at = match &*self.auth.lock().await {
            Auth::OAuth { expires_at, .. } => *expires_at,
            Auth::Token(_) => None,
        };
        Ok(AccountInfo {
            handle: Some(me.data.username),
            token_expires_at,
            max_chars: Some(MAX_CHARS),
        })
    }

    fn refreshed(&self) -> Option<Credentials> {
        self.refreshed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_makes_a_cost_warning() {
        assert!(cost_warning("see https://example.com").is_some());
        assert!(cost_warning("see (www.example.com)").is_some());
        assert!(cost_warning("no link here, thanks").is_none());
    }

    #[test]
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let p = Position {
            mentions: "123".into(),
            dms: "0".into(),
        };
        assert_eq!(Position::parse(&p.cursor()).unwrap(), p);
        for bad in ["", "x1:1", "x1:a:0", "m:1:2", "x1:1:../2"] {
            assert!(Position::parse(&Cursor(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn keys_carry_their_time() {
        let now = Timestamp::from_second(1_800_000_000).unwrap();
        let x = X::new(
            DEFAULT_API_BASE,
            "1",
            DEFAULT_TOKEN_URL,
            &Credentials::Token { token: "t".into() },
        )
        .unwrap();
        let key = x.new_key("tend-1-2-abc", now);
        assert_eq!(key_time(&key), Some(now));
        assert_eq!(key_time("no-time"), None);
    }
}
