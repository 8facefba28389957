//! TikTok (Content Posting API and Display API): the account's own videos
//! in, photo and video posts out.
//!
//! Built and tested against TikTok's *documented* shapes only
//! (`Tested::Contract`; no licensed recordings exist): going live needs a
//! TikTok developer app of the workspace's own with the Content Posting and
//! Display products, and TikTok's audit before anything it posts is public.
//!
//! - **Reading** is the account's videos (`POST /v2/video/list/`, newest
//!   first, TikTok's `cursor`/`has_more` paging) with their counts. TikTok
//!   gives a business app **no comment read and no comment write**: the
//!   comment list exists only in the Research API for approved researchers.
//!   So Tend reads no comments here and cannot reply; deletions are not
//!   told, and the API cannot delete a post either.
//! - **Publishing**: TikTok has no text-only posts. The text must link the
//!   media on a domain the app verified with TikTok: a video (`.mp4`,
//!   `.mov`, `.webm`: `POST /v2/post/publish/video/init/`) or photos
//!   (`.jpg`, `.jpeg`, `.webp`: `POST /v2/post/publish/content/init/`),
//!   pulled by TikTok (`PULL_FROM_URL`); the rest of the text is the
//!   caption. `creator_info/query` comes first (TikTok requires it) and its
//!   `privacy_level_options` are honoured. **An unaudited app may post only
//!   `SELF_ONLY`** (private): with `audited = false` (the default) Tend
//!   posts privately and the result's id says so (`private:{publish_id}`).
//!   Then `status/fetch` is polled until `PUBLISH_COMPLETE` or `FAILED`.
//! - **Idempotency**: the `publish_id` of the init is the key: it is kept
//!   per outgoing key, so a retry or a lookup asks the status of the same
//!   publish and never inits twice. A `publish_id` lost with a crashed
//!   process cannot be asked for (TikTok lists no private posts and has no
//!   client key): an audited app's public post is still found among the
//!   account's videos (same caption, since the key's time); otherwise the
//!   outcome stays unknown with that reason.
//! - **Errors** come in TikTok's envelope `{"error": {"code", "message",
//!   "log_id"}}`: `rate_limit_exceeded` (per user token, e.g. 6 publish
//!   inits a minute) waits a minute, `spam_risk_too_many_posts` (the daily
//!   cap) an hour, `access_token_invalid` refreshes once.
//! - **Credentials**: OAuth 2.0 (client key and secret), refreshed at
//!   `token_url` shortly before expiry (access tokens last 24 hours).

mod api;

pub use api::{Media, media_of};

use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, Sink, Source, Window, http, oauth,
};
use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::collections::{BTreeSet, HashMap};
use std::time::Duration;
use tend_domain::IncomingItem;

/// TikTok's API address.
pub const DEFAULT_API_BASE: &str = "https://open.tiktokapis.com";
/// TikTok's OAuth 2.0 token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://open.tiktokapis.com/v2/oauth/token/";
/// The scopes Tend asks for.
pub const SCOPES: &str = "user.info.basic,video.list,video.publish";

const VIDEO_FIELDS: &str = "id,title,video_description,create_time,share_url,like_count,comment_count,share_count,view_count";
/// Videos per page (TikTok's maximum).
const PAGE: usize = 20;
/// How many pages one read walks back at most.
const MAX_WALK: usize = 10;
/// Status fetches per publish before the outcome is left to a lookup.
const POLL_ROUNDS: u32 = 24;
/// How far before the key was made a read-back looks (clock skew).
const LOOKUP_SLACK_SECS: i64 = 120;
/// A caption's longest length.
const MAX_CHARS: usize = 2200;

/// What the composer can show before a post goes out on TikTok: an
/// unaudited app's posts are private. `None` once the app is audited.
pub fn privacy_note(audited: bool) -> Option<String> {
    (!audited).then(|| {
        "TikTok publishes posts of an unaudited app as private (SELF_ONLY): \
         only the account sees them until TikTok audits the app"
            .to_string()
    })
}

/// Runs the connector's payload mapping on any bytes (for the fuzzer).
#[doc(hidden)]
pub fn fuzz_tiktok(bytes: &[u8]) {
    api::fuzz(bytes);
}

/// The connector of one TikTok account.
pub struct Tiktok {
    base: String,
    token_url: String,
    audited: bool,
    http: reqwest::Client,
    auth: tokio::sync::Mutex<Auth>,
    refreshed: std::sync::Mutex<Option<Credentials>>,
    /// The publish id of each outgoing key inited by this process.
    published: std::sync::Mutex<HashMap<String, String>>,
    username: std::sync::Mutex<Option<String>>,
    poll_first: Duration,
}

struct Auth {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<Timestamp>,
    client_key: String,
    client_secret: Option<String>,
}

/// Where reading stopped: the newest video's second and its ids.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Position {
    secs: i64,
    ids: BTreeSet<String>,
}

impl Position {
    fn parse(cursor: &Cursor) -> Result<Position, ChannelError> {
        let bad = || ChannelError::Permanent(format!("TikTok cursor {:?} is not Tend's", cursor.0));
        let rest = cursor.0.strip_prefix("tt1:").ok_or_else(bad)?;
        let (secs, ids) = rest.split_once(':').unwrap_or((rest, ""));
        let secs = secs.parse::<i64>().map_err(|_| bad())?;
        let ids = ids
            .split('.')
            .filter(|s| !s.is_empty())
            .map(|s| {
                api::check_id("cursor", s)
                    .map(|()| s.to_string())
                    .map_err(|_| bad())
            })
            .collect::<Result<_, _>>()?;
        Ok(Position { secs, ids })
    }

    fn cursor(&self) -> Cursor {
        let ids: Vec<&str> = self.ids.iter().map(String::as_str).collect();
        Cursor(format!("tt1:{}:{}", self.secs, ids.join(".")))
    }

    fn covers(&self, secs: i64, id: &str) -> bool {
        secs < self.secs || (secs == self.secs && self.ids.contains(id))
    }

    fn advance(&mut self, secs: i64, id: &str) {
        if secs > self.secs {
            self.secs = secs;
            self.ids.clear();
        }
        if secs == self.secs {
            self.ids.insert(id.to_string());
        }
    }
}

impl Tiktok {
    /// The connector at `api_base` with OAuth `credentials` (the client id
    /// is TikTok's client key); `audited` says whether TikTok audited the app.
    pub fn new(
        api_base: &str,
        token_url: &str,
        audited: bool,
        credentials: &Credentials,
    ) -> Result<Tiktok, ChannelError> {
        let Credentials::OAuth {
            access_token,
            refresh_token,
            expires_at,
            client_id,
            client_secret,
        } = credentials
        else {
            return Err(ChannelError::Permanent(
                "TikTok needs OAuth 2.0 tokens of the account (connect with OAuth)".into(),
            ));
        };
        Ok(Tiktok {
            base: api_base.trim_end_matches('/').to_string(),
            token_url: token_url.to_string(),
            audited,
            http: http::client()?,
            auth: tokio::sync::Mutex::new(Auth {
                access_token: access_token.clone(),
                refresh_token: refresh_token.clone(),
                expires_at: *expires_at,
                client_key: client_id.clone(),
                client_secret: client_secret.clone(),
            }),
            refreshed: std::sync::Mutex::new(None),
            published: std::sync::Mutex::new(HashMap::new()),
            username: std::sync::Mutex::new(None),
            poll_first: Duration::from_millis(250),
        })
    }

    /// Polls the publish status from `first` on (tests use a short one).
    #[doc(hidden)]
    pub fn with_poll_interval(mut self, first: Duration) -> Tiktok {
        self.poll_first = first;
        self
    }

    async fn token(&self) -> Result<String, ChannelError> {
        let auth = self.auth.lock().await;
        let soon = Timestamp::now() + jiff::SignedDuration::from_secs(60);
        if auth.refresh_token.is_none() || auth.expires_at.is_none_or(|at| at > soon) {
            return Ok(auth.access_token.clone());
        }
        let stale = auth.access_token.clone();
        drop(auth);
        self.refresh_after(&stale).await
    }

    async fn refresh_after(&self, stale: &str) -> Result<String, ChannelError> {
        let mut auth = self.auth.lock().await;
        if auth.access_token != stale {
            return Ok(auth.access_token.clone());
        }
        let Some(old) = auth.refresh_token.clone() else {
            return Err(ChannelError::Unauthorized(
                "TikTok refused the access token and there is no refresh token (connect again)"
                    .into(),
            ));
        };
        let mut form = vec![
            ("client_key", auth.client_key.clone()),
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", old),
        ];
        if let Some(s) = &auth.client_secret {
            form.push(("client_secret", s.clone()));
        }
        let res = self
            .http
            .post(&self.token_url)
            .form(&form)
            .send()
            .await
            .map_err(http::from_reqwest)?;
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.map_err(http::from_reqwest)?;
        // TikTok's token endpoint answers refusals as 200 with `error`.
        let refused = body.contains("\"error\"") && !body.contains("\"access_token\"");
        if !status.is_success() || refused {
            return Err(if refused || matches!(status.as_u16(), 400 | 401) {
                ChannelError::Unauthorized(format!(
                    "TikTok token endpoint refused the refresh: {}",
                    http::short(&body)
                ))
            } else {
                error_of(status, &headers, &body)
            });
        }
        let tokens = oauth::parse_tokens(&body, Timestamp::now())?;
        auth.access_token = tokens.access_token;
        if tokens.refresh_token.is_some() {
            auth.refresh_token = tokens.refresh_token;
        }
        auth.expires_at = tokens.expires_at;
        *self.refreshed.lock().unwrap_or_else(|e| e.into_inner()) = Some(Credentials::OAuth {
            access_token: auth.access_token.clone(),
            refresh_token: auth.refresh_token.clone(),
            expires_at: auth.expires_at,
            client_id: auth.client_key.clone(),
            client_secret: auth.client_secret.clone(),
        });
        Ok(auth.access_token.clone())
    }

    /// POSTs `body` as JSON to `path`; a refused token is refreshed once.
    async fn call(&self, path: &str, body: &serde_json::Value) -> Result<String, ChannelError> {
        let url = format!("{}{path}", self.base);
        let send = |token: String| {
            self.http
                .post(&url)
                .bearer_auth(token)
                .header("Content-Type", "application/json; charset=UTF-8")
                .json(body)
                .send()
        };
        let token = self.token().await?;
        let mut res = send(token.clone()).await.map_err(http::from_reqwest)?;
        let refreshable = self.auth.lock().await.refresh_token.is_some();
        if res.status() == StatusCode::UNAUTHORIZED && refreshable {
            let token = self.refresh_after(&token).await?;
            res = send(token).await.map_err(http::from_reqwest)?;
        }
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.map_err(http::from_reqwest)?;
        let code_ok = api::parse::<serde_json::Value>("answer", &text)
            .ok()
            .and_then(|e| e.error)
            .is_none_or(|e| e.code == "ok");
        if !status.is_success() || !code_ok {
            return Err(error_of(status, &headers, &text));
        }
        Ok(text)
    }

    async fn creator_info(&self) -> Result<api::CreatorInfo, ChannelError> {
        let body = self
            .call(
                "/v2/post/publish/creator_info/query/",
                &serde_json::json!({}),
            )
            .await?;
        let info: api::CreatorInfo =
            api::data("creator info", &body).map_err(ChannelError::Transient)?;
        if let Some(u) = &info.creator_username {
            *self.username.lock().unwrap_or_else(|e| e.into_inner()) = Some(u.clone());
        }
        Ok(info)
    }

    async fn username(&self) -> Result<String, ChannelError> {
        if let Some(u) = self
            .username
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
        {
            return Ok(u);
        }
        Ok(self
            .creator_info()
            .await?
            .creator_username
            .unwrap_or_default())
    }

    /// Polls the status of `publish_id`: the post once complete, `Ok(None)`
    /// while TikTok still processes it after the rounds.
    async fn settle(
        &self,
        publish_id: &str,
        rounds: u32,
    ) -> Result<Option<RemoteRef>, ChannelError> {
        let mut wait = self.poll_first;
        for round in 0..rounds {
            if round > 0 {
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(5));
            }
            let body = self
                .call(
                    "/v2/post/publish/status/fetch/",
                    &serde_json::json!({ "publish_id": publish_id }),
                )
                .await?;
            let status: api::Status =
                api::data("status", &body).map_err(ChannelError::Transient)?;
            match status.status.as_str() {
                "PUBLISH_COMPLETE" => return Ok(Some(self.remote(publish_id, &status).await)),
                "FAILED" => {
                    return Err(ChannelError::Permanent(format!(
                        "TikTok could not publish it: {}",
                        status
                            .fail_reason
                            .as_deref()
                            .map(api::short)
                            .unwrap_or_default()
                    )));
                }
                _ => {}
            }
        }
        Ok(None)
    }

    async fn remote(&self, publish_id: &str, status: &api::Status) -> RemoteRef {
        let public = status
            .publicaly_available_post_id
            .iter()
            .find_map(|v| match v {
                serde_json::Value::String(s) => Some(s.clone()),
                serde_json::Value::Number(n) => Some(n.to_string()),
                _ => None,
            });
        match public.filter(|id| api::check_id("post", id).is_ok()) {
            Some(id) => {
                let user = self.username().await.unwrap_or_default();
                RemoteRef {
                    url: Some(format!("https://www.tiktok.com/@{user}/video/{id}")),
                    id,
                }
            }
            // Private (SELF_ONLY) posts get no public id: the id says so.
            None if !self.audited => RemoteRef {
                id: format!("private:{publish_id}"),
                url: None,
            },
            None => RemoteRef {
                id: format!("publish:{publish_id}"),
                url: None,
            },
        }
    }

    /// The account's video since the key was made with the post's
    /// caption, if TikTok lists it.
    async fn read_back(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let Some((_, caption)) = media_of(&post.text) else {
            return Ok(None);
        };
        let since = post
            .key
            .rsplit_once('.')
            .and_then(|(_, t)| t.parse::<i64>().ok())
            .map_or(0, |t| t - LOOKUP_SLACK_SECS);
        let user = self.username().await?;
        let want = caption.split_whitespace().collect::<Vec<_>>().join(" ");
        let answer = self
            .call(
                &format!("/v2/video/list/?fields={VIDEO_FIELDS}"),
                &serde_json::json!({ "max_count": PAGE }),
            )
            .await?;
        let list: api::VideoList =
            api::data("video list", &answer).map_err(ChannelError::Transient)?;
        for v in &list.videos {
            let Ok(m) = api::video(v, &user) else {
                continue;
            };
            let text = m.text.split_whitespace().collect::<Vec<_>>().join(" ");
            if m.created_at.as_second() >= since && text == want {
                return Ok(Some(RemoteRef {
                    id: m.external_id,
                    url: m.permalink,
                }));
            }
        }
        Ok(None)
    }

    fn known(&self, key: &str) -> Option<String> {
        self.published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }
}

/// The error a TikTok answer means, from its envelope's code first.
fn error_of(status: StatusCode, headers: &HeaderMap, body: &str) -> ChannelError {
    let err = api::parse::<serde_json::Value>("error", body)
        .ok()
        .and_then(|e| e.error)
        .unwrap_or_default();
    let reason = format!(
        "TikTok HTTP {} {}: {} (log_id {})",
        status.as_u16(),
        api::short(&err.code),
        api::short(&err.message),
        api::short(&err.log_id)
    );
    match err.code.as_str() {
        "rate_limit_exceeded" => ChannelError::RateLimited {
            retry_after: http::retry_after(headers).unwrap_or(Duration::from_secs(60)),
        },
        "spam_risk_too_many_posts" | "spam_risk_too_many_pending_share" => {
            ChannelError::RateLimited {
                retry_after: http::MAX_RETRY_AFTER,
            }
        }
        "access_token_invalid"
        | "scope_not_authorized"
        | "scope_permission_missed"
        | "token_not_authorized_for_specified_endpoint" => ChannelError::Unauthorized(reason),
        "unaudited_client_can_only_post_to_private_accounts" => ChannelError::Permanent(format!(
            "{reason}: TikTok lets an unaudited app post only to private accounts"
        )),
        "internal_error" => ChannelError::Transient(reason),
        _ => match status.as_u16() {
            429 => ChannelError::RateLimited {
                retry_after: http::retry_after(headers).unwrap_or(Duration::from_secs(60)),
            },
            401 | 403 => ChannelError::Unauthorized(reason),
            408 | 425 | 500..=599 => ChannelError::Transient(reason),
            _ => ChannelError::Permanent(reason),
        },
    }
}

async fn hand_over(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a page: {e}")))
}

#[async_trait]
impl Source for Tiktok {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let start = match since {
            Some(c) => Some(Position::parse(c)?),
            None => None,
        };
        let user = self.username().await?;
        let floor = window.backfill_from.as_second();
        let mut found = Vec::new();
        let mut cursor: Option<i64> = None;
        'walk: for _ in 0..MAX_WALK {
            let mut body = serde_json::json!({ "max_count": PAGE });
            if let Some(c) = cursor {
                body["cursor"] = serde_json::json!(c);
            }
            let answer = self
                .call(&format!("/v2/video/list/?fields={VIDEO_FIELDS}"), &body)
                .await?;
            let list: api::VideoList =
                api::data("video list", &answer).map_err(ChannelError::Transient)?;
            for v in &list.videos {
                let secs = v.create_time.unwrap_or(0);
                let old = match &start {
                    Some(p) => secs < p.secs,
                    None => secs < floor,
                };
                if old {
                    break 'walk;
                }
                if start.as_ref().is_some_and(|p| p.covers(secs, &v.id)) {
                    continue;
                }
                // One unreadable video must not stop the channel.
                if let Ok(m) = api::video(v, &user) {
                    found.push((secs, m));
                }
            }
            match list.cursor {
                Some(c) if list.has_more && !list.videos.is_empty() => cursor = Some(c),
                _ => break,
            }
        }
        found.sort_by(|a, b| (a.0, &a.1.external_id).cmp(&(b.0, &b.1.external_id)));
        found.dedup_by(|a, b| a.1.external_id == b.1.external_id);
        let mut at = start.clone().unwrap_or_default();
        let mut pages_left = window.max_pages.max(1);
        for chunk in found.chunks(PAGE) {
            if pages_left == 0 {
                return Ok(More::Yes);
            }
            for (secs, m) in chunk {
                at.advance(*secs, &m.external_id);
            }
            let items = chunk
                .iter()
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
        if since.is_none() && found.is_empty() {
            at.secs = floor.max(0);
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
impl Publisher for Tiktok {
    /// The key carries the moment it was made, so an audited app's lookup
    /// reads back only the videos since then.
    fn new_key(&self, unique: &str, now: Timestamp) -> String {
        format!("{unique}.{}", now.as_second())
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        if post.reply_to.is_some() {
            return Err(ChannelError::Permanent(
                "TikTok's API lets no app reply to comments; answer it in the TikTok app".into(),
            ));
        }
        // Inited before: the same publish, asked again, never a second init.
        if let Some(publish_id) = self.known(&post.key) {
            return self.settle(&publish_id, POLL_ROUNDS).await?.ok_or_else(|| {
                ChannelError::Transient("TikTok is still processing the post".into())
            });
        }
        let Some((media, caption)) = media_of(&post.text) else {
            return Err(ChannelError::Permanent(
                "TikTok has no text-only posts: link one video (.mp4, .mov, .webm) or up to 35 \
                 photos (.jpg, .jpeg, .webp) on a domain verified with TikTok, not both"
                    .into(),
            ));
        };
        if caption.chars().count() > MAX_CHARS {
            return Err(ChannelError::Permanent(format!(
                "TikTok captions are at most {MAX_CHARS} characters"
            )));
        }
        let info = self.creator_info().await?;
        let want = if self.audited {
            "PUBLIC_TO_EVERYONE"
        } else {
            "SELF_ONLY"
        };
        let privacy = if info.privacy_level_options.iter().any(|o| o == want) {
            want.to_string()
        } else if self.audited
            && let Some(first) = info.privacy_level_options.first()
        {
            first.clone()
        } else {
            return Err(ChannelError::Permanent(format!(
                "TikTok does not offer {want} for this account (it offers {:?})",
                info.privacy_level_options
            )));
        };
        let (path, body) = match media {
            Media::Video(url) => (
                "/v2/post/publish/video/init/",
                serde_json::json!({
                    "post_info": {
                        "title": caption,
                        "privacy_level": privacy,
                        "disable_duet": false,
                        "disable_comment": false,
                        "disable_stitch": false
                    },
                    "source_info": { "source": "PULL_FROM_URL", "video_url": url }
                }),
            ),
            Media::Photos(urls) => (
                "/v2/post/publish/content/init/",
                serde_json::json!({
                    "post_info": {
                        "title": caption.chars().take(90).collect::<String>(),
                        "description": caption,
                        "privacy_level": privacy,
                        "disable_comment": false,
                        "auto_add_music": true
                    },
                    "source_info": {
                        "source": "PULL_FROM_URL",
                        "photo_cover_index": 0,
                        "photo_images": urls
                    },
                    "post_mode": "DIRECT_POST",
                    "media_type": "PHOTO"
                }),
            ),
        };
        // A lost answer here leaves the outcome unknown: the publish id is
        // TikTok's only handle on it.
        let answer = self.call(path, &body).await?;
        let init: api::Init = api::data("init", &answer).map_err(ChannelError::Transient)?;
        api::check_publish_id(&init.publish_id).map_err(ChannelError::Transient)?;
        self.published
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(post.key.clone(), init.publish_id.clone());
        self.settle(&init.publish_id, POLL_ROUNDS)
            .await?
            .ok_or_else(|| ChannelError::Transient("TikTok is still processing the post".into()))
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let Some(publish_id) = self.known(&post.key) else {
            // A public post shows in the account's videos: found, it is
            // sent. Not found proves nothing (TikTok may still process it).
            if self.audited
                && let Some(found) = self.read_back(post).await?
            {
                return Ok(Some(found));
            }
            return Err(ChannelError::Permanent(
                "TikTok has no idempotency key and lists no private posts; the publish id of \
                 this attempt was not kept, so check the account in the TikTok app before \
                 sending it again"
                    .into(),
            ));
        };
        match self.settle(&publish_id, 1).await {
            Ok(Some(found)) => Ok(Some(found)),
            Ok(None) => Err(ChannelError::Transient(
                "TikTok is still processing the post".into(),
            )),
            // Failed for certain: not there (a retry asks the same publish
            // again and fails for good, never inits a second time).
            Err(ChannelError::Permanent(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn delete(&self, _item: &RemoteRef) -> Result<(), ChannelError> {
        Err(ChannelError::Permanent(
            "TikTok's API cannot delete a post; delete it in the TikTok app".into(),
        ))
    }
}

#[async_trait]
impl Connector for Tiktok {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let info = self.creator_info().await?;
        Ok(AccountInfo {
            handle: info.creator_username.or(info.creator_nickname),
            token_expires_at: self.auth.lock().await.expires_at,
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
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let mut p = Position::default();
        p.advance(9, "123");
        assert_eq!(Position::parse(&p.cursor()).unwrap(), p);
        for bad in ["", "tt1:x", "li1:1:", "tt1:1:ab"] {
            assert!(Position::parse(&Cursor(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_privacy_note_is_there_until_the_audit() {
        assert!(privacy_note(false).unwrap().contains("private"));
        assert_eq!(privacy_note(true), None);
    }
}
