//! LinkedIn (Community Management API): an organisation page's posts and
//! the comments on them in, comment replies and page posts out.
//!
//! Built and tested against LinkedIn's *documented* shapes only
//! (`Tested::Contract`; no recorded payloads could be found under a
//! licence): going live needs a LinkedIn developer app of the workspace's
//! own with the Community Management API product, which LinkedIn grants
//! after its own review.
//!
//! - **Reading** walks the page's newest posts (`GET /rest/posts?q=author`,
//!   Rest.li paging with `start`/`count`) and the comments on each
//!   (`GET /rest/socialActions/{postUrn}/comments`), and the replies under a
//!   comment that has some (`GET /rest/socialActions/{commentUrn}/comments`):
//!   a reply's `parentComment` threads it. The cursor is the newest
//!   `lastModified` time read (with the ids read at that millisecond), so an
//!   edited comment comes again with `edited_at`. LinkedIn tells no
//!   deletions over these endpoints.
//! - **Publishing**: a reply is `POST /rest/socialActions/{urn}/comments`
//!   (to a comment: `parentComment` set, `object` its post); a page post is
//!   `POST /rest/posts` (201, empty body, the id in `x-restli-id`). A post's
//!   `commentary` is LinkedIn's "little text": its reserved characters are
//!   escaped ([`escape_little_text`]), or LinkedIn answers success and cuts
//!   the post at the first of them. `DELETE` removes posts and comments.
//! - **No idempotency key**: [`lookup`](super::Publisher::lookup) reads back the page's
//!   comments (or posts) made by the organisation since the key was made,
//!   with the same text and parent. LinkedIn's `DUPLICATE_POST` refusal is
//!   settled the same way.
//! - **Rate limits** are daily (per app and per member, reset at midnight
//!   UTC); a 429 carries no `Retry-After`, so the wait is until the next UTC
//!   day unless LinkedIn names one.
//! - **Credentials**: 3-legged OAuth 2.0; the refresh token (only apps
//!   LinkedIn has approved for programmatic refresh get one) is used
//!   shortly before expiry or once when LinkedIn refuses the token.

mod api;
mod publish;

pub use api::{escape_little_text, unescape_little_text};

use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Page, Sink, Source, Window,
    http, oauth,
};
use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::collections::BTreeSet;
use std::time::Duration;
use tend_domain::{IncomingItem, IncomingMessage};

/// The Community Management API's address.
pub const DEFAULT_API_BASE: &str = "https://api.linkedin.com/rest";
/// LinkedIn's OAuth 2.0 token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://www.linkedin.com/oauth/v2/accessToken";
/// The `LinkedIn-Version` (YYYYMM) sent unless the channel names another.
pub const DEFAULT_VERSION: &str = "202511";
/// The scopes an organisation page needs (Community Management API).
pub const SCOPES: &str = "r_organization_social w_organization_social rw_organization_admin";

/// Posts per page of the posts finder.
const POSTS_PAGE: usize = 50;
/// How many pages of the newest posts one read walks.
const POST_PAGES: usize = 2;
/// Comments per page.
const COMMENTS_PAGE: usize = 100;
/// How many pages of comments one post (or comment) reads at most.
const COMMENT_PAGES: usize = 20;
/// Items handed over per page.
const PAGE: usize = 100;
/// A post's longest commentary.
const MAX_CHARS: usize = 3000;

/// Runs the connector's payload mapping on any bytes (for the fuzzer).
#[doc(hidden)]
pub fn fuzz_linkedin(bytes: &[u8]) {
    api::fuzz(bytes);
}

/// The organisation URN of a setting given as a URN or a bare id, or an
/// error naming the setting.
pub fn organization_urn(setting: &str) -> Result<String, ChannelError> {
    let id = setting
        .trim()
        .strip_prefix("urn:li:organization:")
        .unwrap_or(setting.trim());
    if !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(format!("urn:li:organization:{id}"))
    } else {
        Err(ChannelError::Permanent(format!(
            "linkedin.organization: {setting:?} is not an organisation (urn:li:organization:ID or its digits)"
        )))
    }
}

/// Checks a `LinkedIn-Version` setting (`YYYYMM`).
pub fn check_version(version: &str) -> Result<(), ChannelError> {
    let ok = version.len() == 6
        && version.bytes().all(|b| b.is_ascii_digit())
        && matches!(version.get(4..), Some(m) if ("01"..="12").contains(&m));
    if ok {
        Ok(())
    } else {
        Err(ChannelError::Permanent(format!(
            "linkedin.version: {version:?} is not a LinkedIn-Version (YYYYMM)"
        )))
    }
}

/// The connector of one organisation page.
pub struct Linkedin {
    base: String,
    org: String,
    version: String,
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

/// Where reading stopped: the newest time read (ms) and the ids read at
/// that very millisecond.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Position {
    ms: i64,
    ids: BTreeSet<String>,
}

impl Position {
    fn parse(cursor: &Cursor) -> Result<Position, ChannelError> {
        let bad =
            || ChannelError::Permanent(format!("LinkedIn cursor {:?} is not Tend's", cursor.0));
        let rest = cursor.0.strip_prefix("li1:").ok_or_else(bad)?;
        let (ms, ids) = rest.split_once(':').unwrap_or((rest, ""));
        let ms = ms.parse::<i64>().map_err(|_| bad())?;
        let ids = ids
            .split('.')
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                    Ok(s.to_string())
                } else {
                    Err(bad())
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Position { ms, ids })
    }

    fn cursor(&self) -> Cursor {
        let ids: Vec<&str> = self.ids.iter().map(String::as_str).collect();
        Cursor(format!("li1:{}:{}", self.ms, ids.join(".")))
    }

    fn covers(&self, ms: i64, id: &str) -> bool {
        ms < self.ms || (ms == self.ms && self.ids.contains(id))
    }

    fn advance(&mut self, ms: i64, id: &str) {
        if ms > self.ms {
            self.ms = ms;
            self.ids.clear();
        }
        if ms == self.ms {
            self.ids.insert(id.to_string());
        }
    }
}

/// A short id for the cursor: `p<post id>` or `c<comment id>`.
fn short_id(urn: &str) -> String {
    match api::comment_parts(urn) {
        Some((_, id)) => format!("c{}", id.replace('_', "-")),
        None => format!(
            "p{}",
            urn.rsplit(':').next().unwrap_or_default().replace('_', "-")
        ),
    }
}

struct Found {
    ms: i64,
    id: String,
    message: IncomingMessage,
}

impl Linkedin {
    /// The connector for the organisation `organization` (URN or id) at
    /// `api_base`, sending `version` as `LinkedIn-Version`.
    pub fn new(
        api_base: &str,
        organization: &str,
        version: &str,
        token_url: &str,
        credentials: &Credentials,
    ) -> Result<Linkedin, ChannelError> {
        let org = organization_urn(organization)?;
        check_version(version)?;
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
                    "LinkedIn needs a 3-legged OAuth 2.0 token of a page admin (connect with OAuth)"
                        .into(),
                ));
            }
        };
        Ok(Linkedin {
            base: api_base.trim_end_matches('/').to_string(),
            org,
            version: version.to_string(),
            token_url: token_url.to_string(),
            http: http::client()?,
            auth: tokio::sync::Mutex::new(auth),
            refreshed: std::sync::Mutex::new(None),
        })
    }

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

    /// Refreshes the tokens unless someone did since `stale` was used.
    /// LinkedIn takes the client secret in the form.
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
                "LinkedIn refused the access token".into(),
            ));
        };
        if access_token != stale {
            return Ok(access_token.clone());
        }
        let Some(old_refresh) = refresh_token.clone() else {
            return Err(ChannelError::Unauthorized(
                "LinkedIn refused the access token and there is no refresh token (connect again)"
                    .into(),
            ));
        };
        let mut form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", old_refresh),
            ("client_id", client_id.clone()),
        ];
        if let Some(secret) = client_secret {
            form.push(("client_secret", secret.clone()));
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
        if !status.is_success() {
            return Err(if matches!(status.as_u16(), 400 | 401) {
                ChannelError::Unauthorized(format!(
                    "LinkedIn token endpoint refused the refresh: {}",
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

    /// Sends a request with LinkedIn's headers; a refused OAuth token is
    /// refreshed once. Answers the status, headers and body of a success
    /// or a 404.
    async fn send(
        &self,
        make: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<(StatusCode, HeaderMap, String), ChannelError> {
        let signed = |token: &str| {
            make(&self.http)
                .bearer_auth(token)
                .header("LinkedIn-Version", &self.version)
                .header("X-Restli-Protocol-Version", "2.0.0")
        };
        let token = self.token().await?;
        let mut res = signed(&token).send().await.map_err(http::from_reqwest)?;
        let refreshable = matches!(
            &*self.auth.lock().await,
            Auth::OAuth {
                refresh_token: Some(_),
                ..
            }
        );
        if res.status() == StatusCode::UNAUTHORIZED && refreshable {
            let token = self.refresh_after(&token).await?;
            res = signed(&token).send().await.map_err(http::from_reqwest)?;
        }
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.text().await.map_err(http::from_reqwest)?;
        if status != StatusCode::NOT_FOUND && !status.is_success() {
            return Err(error_of(status, &headers, &body));
        }
        Ok((status, headers, body))
    }

    async fn get(&self, url: &str) -> Result<String, ChannelError> {
        let (status, _, body) = self.send(|c| c.get(url)).await?;
        if status == StatusCode::NOT_FOUND {
            return Err(ChannelError::Permanent(format!(
                "LinkedIn answered 404 for {}: {}",
                url.split('?').next().unwrap_or(url),
                http::short(&body)
            )));
        }
        Ok(body)
    }

    /// The organisation's newest posts (up to `pages` pages), newest first.
    async fn posts(&self, pages: usize) -> Result<Vec<api::Post>, ChannelError> {
        let mut all = Vec::new();
        for page in 0..pages {
            let url = format!(
                "{}/posts?author={}&q=author&count={POSTS_PAGE}&start={}&sortBy=LAST_MODIFIED",
                self.base,
                api::enc(&self.org),
                page * POSTS_PAGE
            );
            let body = self.get(&url).await?;
            let list: api::Collection<api::Post> =
                api::parse("posts", &body).map_err(ChannelError::Transient)?;
            let n = list.elements.len();
            all.extend(list.elements);
            let total = list.paging.and_then(|p| p.total);
            let seen = i64::try_from((page + 1) * POSTS_PAGE).unwrap_or(i64::MAX);
            if n < POSTS_PAGE || total.is_some_and(|t| t <= seen) {
                break;
            }
        }
        Ok(all)
    }

    /// The comments on `urn` (a post, or a comment for its replies).
    async fn comments(&self, urn: &str) -> Result<Vec<api::Comment>, ChannelError> {
        let mut all = Vec::new();
        for page in 0..COMMENT_PAGES {
            let url = format!(
                "{}/socialActions/{}/comments?start={}&count={COMMENTS_PAGE}",
                self.base,
                api::enc(urn),
                page * COMMENTS_PAGE
            );
            let (status, _, body) = self.send(|c| c.get(&url)).await?;
            if status == StatusCode::NOT_FOUND {
                // The post is gone: nothing to read under it.
                break;
            }
            let list: api::Collection<api::Comment> =
                api::parse("comments", &body).map_err(ChannelError::Transient)?;
            let n = list.elements.len();
            all.extend(list.elements);
            if n < COMMENTS_PAGE {
                break;
            }
        }
        Ok(all)
    }

    /// Every post and comment of the newest posts, with its time and id.
    async fn everything(&self) -> Result<Vec<Found>, ChannelError> {
        let mut found = Vec::new();
        for post in self.posts(POST_PAGES).await? {
            if post
                .lifecycle_state
                .as_deref()
                .is_some_and(|s| s != "PUBLISHED")
            {
                continue;
            }
            // One unreadable item must not stop the channel: it is skipped.
            let Ok(message) = api::post(&post) else {
                continue;
            };
            let root = post.id.clone();
            found.push(Found {
                ms: post
                    .last_modified_at
                    .or(post.published_at)
                    .or(post.created_at)
                    .unwrap_or(0),
                id: short_id(&root),
                message,
            });
            let mut queue = self.comments(&root).await?;
            let mut nested_reads = 0;
            while let Some(c) = queue.pop() {
                let Ok(message) = api::comment(&c, &root, &self.org) else {
                    continue;
                };
                let has_replies = c.parent_comment.is_none()
                    && c.comments_summary
                        .as_ref()
                        .and_then(|s| s.aggregated_total_comments.or(s.total_first_level_comments))
                        .is_some_and(|n| n > 0);
                if has_replies && nested_reads < 200 {
                    nested_reads += 1;
                    queue.extend(self.comments(&message.external_id).await?);
                }
                let ms = c
                    .last_modified
                    .as_ref()
                    .and_then(|s| s.time)
                    .or(c.created.as_ref().and_then(|s| s.time))
                    .unwrap_or(0);
                found.push(Found {
                    ms,
                    id: short_id(&message.external_id),
                    message,
                });
            }
        }
        found.sort_by(|a, b| (a.ms, &a.id).cmp(&(b.ms, &b.id)));
        found.dedup_by(|a, b| a.id == b.id);
        Ok(found)
    }

    /// The organisation's comments under `urn` (a post or a comment).
    async fn own_comments(&self, urn: &str) -> Result<Vec<api::Comment>, ChannelError> {
        Ok(self
            .comments(urn)
            .await?
            .into_iter()
            .filter(|c| c.actor == self.org)
            .collect())
    }
}

/// The error a LinkedIn answer means: `{"status", "serviceErrorCode",
/// "code", "message"}`.
fn error_of(status: StatusCode, headers: &HeaderMap, body: &str) -> ChannelError {
    let reason = format!("LinkedIn HTTP {}: {}", status.as_u16(), http::short(body));
    match status.as_u16() {
        429 => ChannelError::RateLimited {
            retry_after: http::retry_after(headers).unwrap_or_else(until_utc_midnight),
        },
        401 | 403 => ChannelError::Unauthorized(reason),
        _ => http::from_status(status, headers, body),
    }
}

/// LinkedIn's daily limits reset at midnight UTC: the time until then.
fn until_utc_midnight() -> Duration {
    let now = Timestamp::now().as_second();
    let next = (now / 86_400 + 1) * 86_400;
    Duration::from_secs((next - now).max(1).unsigned_abs())
}

async fn hand_over(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a page: {e}")))
}

#[async_trait]
impl Source for Linkedin {
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
        let floor = window.backfill_from.as_millisecond();
        let fresh: Vec<Found> = self
            .everything()
            .await?
            .into_iter()
            .filter(|f| match &start {
                Some(p) => !p.covers(f.ms, &f.id),
                None => f.message.created_at.as_millisecond() >= floor,
            })
            .collect();
        let mut at = start.clone().unwrap_or_default();
        let mut pages_left = window.max_pages.max(1);
        for chunk in fresh.chunks(PAGE) {
            if pages_left == 0 {
                return Ok(More::Yes);
            }
            for f in chunk {
                at.advance(f.ms, &f.id);
            }
            let items = chunk
                .iter()
                .map(|f| IncomingItem::Message(f.message.clone()))
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
        if since.is_none() && fresh.is_empty() {
            // Nothing yet: a cursor from now, so the next read is incremental.
            at.ms = floor.max(0);
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
impl Connector for Linkedin {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let id = self.org.rsplit(':').next().unwrap_or_default();
        let body = self
            .get(&format!("{}/organizations/{id}", self.base))
            .await?;
        let org: api::Organization =
            api::parse("organization", &body).map_err(ChannelError::Transient)?;
        if org.id.is_some_and(|n| n.to_string() != id) {
            return Err(ChannelError::Permanent(format!(
                "linkedin.organization: LinkedIn answered another organisation for {id}"
            )));
        }
        let token_expires_at = match &*self.auth.lock().await {
            Auth::OAuth { expires_at, .. } => *expires_at,
            Auth::Token(_) => None,
        };
        Ok(AccountInfo {
            handle: org.vanity_name.or(org.localized_name),
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
    fn cursors_round_trip_and_foreign_ones_are_refused() {
        let mut p = Position::default();
        p.advance(5, "c1");
        p.advance(5, "p2");
        assert_eq!(Position::parse(&p.cursor()).unwrap(), p);
        assert!(p.covers(5, "c1") && p.covers(4, "x") && !p.covers(5, "c3"));
        for bad in ["", "li1:x", "x1:1:0", "li1:1:a/b"] {
            assert!(Position::parse(&Cursor(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn organisation_settings() {
        assert_eq!(organization_urn("123").unwrap(), "urn:li:organization:123");
        assert_eq!(
            organization_urn("urn:li:organization:9").unwrap(),
            "urn:li:organization:9"
        );
        let e = organization_urn("urn:li:person:x").unwrap_err();
        assert!(e.to_string().contains("linkedin.organization"));
        assert!(check_version("202511").is_ok());
        assert!(check_version("202513").is_err() && check_version("2025-1").is_err());
    }

    #[test]
    fn the_daily_wait_ends_at_midnight_utc() {
        let w = until_utc_midnight();
        assert!(w > Duration::ZERO && w <= Duration::from_secs(86_400));
    }
}
