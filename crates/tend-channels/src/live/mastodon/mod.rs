//! Mastodon (and servers with its client API): mentions in, replies out.
//!
//! - **Reading** is the brand account's notifications of type `mention`.
//!   The cursor is the newest notification id read. With a cursor, pages are
//!   fetched oldest first with `min_id` (each handed over with its own
//!   cursor). Without one, the connector walks back (`Link: rel="next"` /
//!   `max_id`) to the first notification older than the backfill horizon,
//!   then reads forward from there the same way, so a backfill cut short
//!   continues where it stopped.
//! - **Streaming** listens on `GET /api/v1/streaming/user` (server-sent
//!   events): `notification` (a new mention), `status.update` (an edit: the
//!   same external id with the new text) and `delete`. It connects first and
//!   then catches up over the REST API, so nothing that happens in between
//!   is lost; it reconnects until the window ends.
//! - **Publishing** is `POST /api/v1/statuses` with `Idempotency-Key`
//!   (Mastodon keeps it an hour: a retry gives the same status). A reply sets
//!   `in_reply_to_id` and starts with the member's `@handle` when the text
//!   lacks it, and is as private as what it answers (a reply to a direct
//!   message is direct). `lookup` reads the brand's recent statuses and matches the
//!   parent and the text, without posting.
//! - **Credentials**: a token made in Mastodon's settings, or OAuth tokens
//!   (see [`register_app`] and [`super::oauth`]), refreshed when they expire
//!   or are refused.
//!
//! Edits and deletions reach Tend only while streaming: notifications do not
//! change when a status does. Mastodon sends a deletion to the accounts a
//! status mentions, but an edit (`status.update`) only to home timelines,
//! so on a real instance an edited mention arrives live only from accounts
//! the brand follows (the fake announces every edit of a mention).

mod api;
mod auth;
mod sse;
mod stream;

use super::oauth::OAuthClient;
use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, Sink, Source, Window, http,
};
use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::time::Duration;
use tend_domain::{IncomingItem, IncomingMessage};

/// The scopes Tend asks for: read notifications and statuses, post and
/// delete statuses.
pub const SCOPES: &str = "read write";

/// One answer's notifications.
type Entries = Vec<api::Entry<api::Notification>>;

/// Notifications per page (Mastodon's maximum).
const PAGE: usize = 80;
/// Statuses per page of an account's statuses (Mastodon's maximum).
const STATUS_PAGE: usize = 40;
/// How far back a backfill walks at most (`PAGE` each).
const MAX_BACKFILL_PAGES: usize = 500;
/// How many pages of the brand's statuses a lookup reads.
const LOOKUP_PAGES: usize = 5;
/// Mastodon's default status length, when the instance does not say.
const DEFAULT_MAX_CHARS: usize = 500;

/// The connector of one Mastodon account.
pub struct Mastodon {
    base: String,
    host: String,
    account: Option<String>,
    http: reqwest::Client,
    streaming: reqwest::Client,
    auth: tokio::sync::Mutex<Auth>,
    refreshed: std::sync::Mutex<Option<Credentials>>,
    me: tokio::sync::OnceCell<Me>,
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

/// The brand account, as the instance names it.
#[derive(Debug, Clone)]
struct Me {
    id: String,
    acct: String,
}

/// The instance's base address (`https://host[:port]`) from what an admin
/// typed; plain `http` only for a loopback host (tests, a local server).
pub fn instance_base(instance: &str) -> Result<String, ChannelError> {
    let bad = |why: &str| ChannelError::Permanent(format!("Mastodon instance {instance:?}: {why}"));
    let url = reqwest::Url::parse(instance.trim()).map_err(|e| bad(&e.to_string()))?;
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
    if url.query().is_some() || url.fragment().is_some() || url.path() != "/" {
        return Err(bad(
            "must be the server's address only, like https://mastodon.social",
        ));
    }
    Ok(url.origin().ascii_serialization())
}

/// The instance's OAuth authorisation endpoint.
pub fn authorize_endpoint(base: &str) -> String {
    format!("{base}/oauth/authorize")
}

/// The instance's OAuth token endpoint.
pub fn token_endpoint(base: &str) -> String {
    format!("{base}/oauth/token")
}

/// Registers Tend as an OAuth application on the instance
/// (`POST /api/v1/apps`) with [`SCOPES`].
pub async fn register_app(
    instance: &str,
    client_name: &str,
    redirect_uri: &str,
) -> Result<OAuthClient, ChannelError> {
    #[derive(serde::Deserialize)]
    struct App {
        client_id: String,
        client_secret: Option<String>,
    }
    let base = instance_base(instance)?;
    let res = http::client()?
        .post(format!("{base}/api/v1/apps"))
        .form(&[
            ("client_name", client_name),
            ("redirect_uris", redirect_uri),
            ("scopes", SCOPES),
        ])
        .send()
        .await
        .map_err(http::from_reqwest)?;
    let (_, body) = answer(res).await?;
    let app: App = api::parse("app", &body).map_err(ChannelError::Transient)?;
    Ok(OAuthClient {
        client_id: app.client_id,
        client_secret: app.client_secret,
        redirect_uri: redirect_uri.to_string(),
    })
}

impl Mastodon {
    /// The connector for the account of `credentials` on `instance`;
    /// `account` (a handle), when set, must be the one the token belongs to.
    pub fn new(
        instance: &str,
        account: Option<&str>,
        credentials: &Credentials,
    ) -> Result<Mastodon, ChannelError> {
        let base = instance_base(instance)?;
        let host = api::host_of(&base).unwrap_or_default();
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
                    "Mastodon needs an access token (from the instance's settings or OAuth)".into(),
                ));
            }
        };
        let streaming = http::client_builder()
            .connect_timeout(Duration::from_secs(10))
            .read_timeout(Duration::from_secs(60))
            .user_agent(concat!("Tend/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(3))
            .build()
            .map_err(|e| ChannelError::Permanent(format!("building the HTTP client: {e}")))?;
        Ok(Mastodon {
            base,
            host,
            account: account.map(|a| a.trim().trim_start_matches('@').to_lowercase()),
            http: http::client()?,
            streaming,
            auth: tokio::sync::Mutex::new(auth),
            refreshed: std::sync::Mutex::new(None),
            me: tokio::sync::OnceCell::new(),
        })
    }

    async fn get(&self, url: &str) -> Result<(HeaderMap, String), ChannelError> {
        let res = self
            .send(&self.http, |c, token| c.get(url).bearer_auth(token))
            .await?;
        answer(res).await
    }

    /// The brand account (asked once).
    async fn me(&self) -> Result<&Me, ChannelError> {
        self.me
            .get_or_try_init(|| async {
                let url = format!("{}/api/v1/accounts/verify_credentials", self.base);
                let (_, body) = self.get(&url).await?;
                let account: api::Account =
                    api::parse("verify_credentials", &body).map_err(ChannelError::Transient)?;
                Ok(Me {
                    id: account.id,
                    acct: account.acct,
                })
            })
            .await
    }

    /// The next page's address: the `Link` header's when it stays on this
    /// instance (never send the token elsewhere), else `fallback`.
    fn next_url(&self, headers: &HeaderMap, fallback: String) -> String {
        headers
            .get(reqwest::header::LINK)
            .and_then(|v| v.to_str().ok())
            .and_then(api::next_link)
            .filter(|next| next.starts_with(&format!("{}/", self.base)))
            .unwrap_or(fallback)
    }

    fn mentions_url(&self, paging: &str) -> String {
        format!(
            "{}/api/v1/notifications?types%5B%5D=mention&limit={PAGE}{paging}",
            self.base
        )
    }

    /// Walks back to the newest mention older than `from`: its id is where
    /// the forward read starts ("0": from the very first). Also answers the
    /// pages it fetched on the way, newest first, so they are not fetched twice.
    async fn backfill_walk(&self, from: Timestamp) -> Result<(String, Vec<Entries>), ChannelError> {
        let mut url = self.mentions_url("");
        let mut walked = Vec::new();
        for _ in 0..MAX_BACKFILL_PAGES {
            let (headers, body) = self.get(&url).await?;
            let mut entries = api::notifications(&body).map_err(ChannelError::Transient)?;
            entries.sort_by(|a, b| (b.id.len(), &b.id).cmp(&(a.id.len(), &a.id)));
            let floor = entries.iter().find(|entry| {
                let at = entry
                    .parsed
                    .as_ref()
                    .ok()
                    .and_then(|n| n.created_at.parse::<Timestamp>().ok());
                at.is_some_and(|at| at < from)
            });
            if let Some(floor) = floor {
                let floor = floor.id.clone();
                walked.push(entries);
                return Ok((floor, walked));
            }
            let full = entries.len() >= PAGE;
            let oldest = entries.last().map(|e| e.id.clone());
            walked.push(entries);
            let Some(oldest) = oldest.filter(|_| full) else {
                return Ok(("0".into(), walked));
            };
            url = self.next_url(&headers, self.mentions_url(&format!("&max_id={oldest}")));
        }
        // Further back than a backfill goes: start after the oldest reached.
        let oldest = walked
            .last()
            .and_then(|page| page.last())
            .map_or_else(|| "0".to_string(), |e| e.id.clone());
        walked.pop();
        Ok((oldest, walked))
    }

    /// Hands one page of notifications to `sink`, oldest first; answers its
    /// newest id (the page's cursor).
    async fn hand_over_mentions(
        &self,
        entries: Entries,
        me: &Me,
        sink: &mut dyn Sink,
    ) -> Result<Option<String>, ChannelError> {
        let Some(newest) = entries
            .iter()
            .map(|e| e.id.as_str())
            .reduce(|a, b| if api::newer(b, a) { b } else { a })
            .map(str::to_string)
        else {
            return Ok(None);
        };
        let mut notes: Vec<api::Notification> =
            entries.into_iter().filter_map(|e| e.parsed.ok()).collect();
        notes.sort_by(|a, b| (a.id.len(), &a.id).cmp(&(b.id.len(), &b.id)));
        let items = notes
            .iter()
            .filter(|n| n.kind == "mention")
            .filter_map(|n| n.status.as_ref())
            .filter_map(|s| self.item(s, me))
            .map(IncomingItem::Message)
            .collect();
        let page = Page {
            items,
            deleted: Vec::new(),
            cursor: Some(Cursor(newest.clone())),
        };
        hand_over(sink, page).await?;
        Ok(Some(newest))
    }

    fn item(&self, status: &api::Status, me: &Me) -> Option<IncomingMessage> {
        // A status that cannot be read is skipped: one broken status must
        // not stop the channel.
        api::message(status, &self.host, Some(&me.id)).ok()
    }

    /// The text as it is posted: a reply starts with the member's handle.
    fn post_text(&self, post: &Outgoing) -> String {
        let Some(handle) = post
            .reply_to
            .as_ref()
            .and_then(|t| t.author_handle.as_deref())
            .map(|h| h.trim().trim_start_matches('@'))
            .filter(|h| !h.is_empty() && !h.contains(char::is_whitespace))
        else {
            return post.text.clone();
        };
        // A local member is `@user` (the instance resolves it).
        let handle = handle
            .strip_suffix(&format!("@{}", self.host))
            .unwrap_or(handle);
        let named = post.text.split_whitespace().any(|word| {
            let word = word.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '_');
            word.strip_prefix('@')
                .is_some_and(|w| w.eq_ignore_ascii_case(handle))
        });
        if named {
            post.text.clone()
        } else {
            format!("@{handle} {}", post.text)
        }
    }
}

/// The body of a successful answer, or the error its status means.
async fn answer(res: reqwest::Response) -> Result<(HeaderMap, String), ChannelError> {
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.text().await.map_err(http::from_reqwest)?;
    if !status.is_success() {
        return Err(http::from_status(status, &headers, &body));
    }
    Ok((headers, body))
}

fn check_cursor(cursor: &Cursor) -> Result<String, ChannelError> {
    api::check_id("cursor", &cursor.0).map_err(ChannelError::Permanent)?;
    Ok(cursor.0.clone())
}

async fn hand_over(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a page: {e}")))
}

#[async_trait]
impl Source for Mastodon {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let me = self.me().await?.clone();
        let (mut cursor, mut walked) = match since {
            Some(c) => (check_cursor(c)?, Vec::new()),
            None => self.backfill_walk(window.backfill_from).await?,
        };
        let mut pages_left = window.max_pages.max(1);
        // The pages the backfill walk fetched, oldest first, after the floor.
        while let Some(entries) = walked.pop() {
            if pages_left == 0 {
                return Ok(More::Yes);
            }
            let entries: Entries = entries
                .into_iter()
                .filter(|e| api::newer(&e.id, &cursor))
                .collect();
            if let Some(newest) = self.hand_over_mentions(entries, &me, sink).await? {
                cursor = newest;
                pages_left -= 1;
            }
        }
        for _ in 0..pages_left {
            let (_, body) = self
                .get(&self.mentions_url(&format!("&min_id={cursor}")))
                .await?;
            let entries = api::notifications(&body).map_err(ChannelError::Transient)?;
            let full = entries.len() >= PAGE;
            match self.hand_over_mentions(entries, &me, sink).await? {
                Some(newest) => cursor = newest,
                None => return Ok(More::No),
            }
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
        let until = tokio::time::Instant::from_std(window.until);
        let mut cursor = since.cloned();
        let mut backoff = Duration::from_millis(250);
        loop {
            if tokio::time::Instant::now() >= until {
                return Ok(More::No);
            }
            let started = tokio::time::Instant::now();
            let listened = self.listen(&mut cursor, window, until, sink).await;
            if started.elapsed() > Duration::from_secs(10) {
                // A connection that lasted was healthy: start over quickly.
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
impl Publisher for Mastodon {
    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        let key = reqwest::header::HeaderValue::from_str(&post.key)
            .ok()
            .filter(|_| !post.key.is_empty() && post.key.len() <= 256)
            .ok_or_else(|| {
                ChannelError::Permanent(format!(
                    "Mastodon idempotency key {:?} is not a header value",
                    post.key
                ))
            })?;
        let mut form = vec![("status", self.post_text(post))];
        if let Some(target) = &post.reply_to {
            api::check_id("reply target", &target.external_id).map_err(ChannelError::Permanent)?;
            // A reply is never more public than what it answers: an answer
            // to a private message must not go out on the public timeline.
            let url = format!("{}/api/v1/statuses/{}", self.base, target.external_id);
            let (_, body) = self.get(&url).await?;
            let parent: api::Status =
                api::parse("status", &body).map_err(ChannelError::Transient)?;
            if let Some(v @ ("direct" | "private" | "unlisted")) = parent.visibility.as_deref() {
                form.push(("visibility", v.to_string()));
            }
            form.push(("in_reply_to_id", target.external_id.clone()));
        }
        let url = format!("{}/api/v1/statuses", self.base);
        let res = self
            .send(&self.http, |c, token| {
                c.post(&url)
                    .bearer_auth(token)
                    .header("Idempotency-Key", key.clone())
                    .form(&form)
            })
            .await?;
        let (_, body) = answer(res).await?;
        // Posted but unreadable: the outcome is unknown, `lookup` settles it.
        let status: api::Status = api::parse("status", &body).map_err(ChannelError::Transient)?;
        Ok(RemoteRef {
            id: status.id,
            url: status.url.or(status.uri),
        })
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let me = self.me().await?.clone();
        let want_text = api::loose(&self.post_text(post));
        let want_parent = post.reply_to.as_ref().map(|t| t.external_id.as_str());
        let first = format!(
            "{}/api/v1/accounts/{}/statuses?limit={STATUS_PAGE}&exclude_reblogs=true",
            self.base, me.id
        );
        let mut url = first.clone();
        for _ in 0..LOOKUP_PAGES {
            let (headers, body) = self.get(&url).await?;
            let entries = api::statuses(&body).map_err(ChannelError::Transient)?;
            for status in entries.iter().filter_map(|e| e.parsed.as_ref().ok()) {
                if status.in_reply_to_id.as_deref() == want_parent
                    && api::loose(&api::plain(&status.content)) == want_text
                {
                    return Ok(Some(RemoteRef {
                        id: status.id.clone(),
                        url: status.url.clone().or_else(|| status.uri.clone()),
                    }));
                }
            }
            let Some(oldest) = entries
                .iter()
                .map(|e| e.id.as_str())
                .reduce(|a, b| if api::newer(a, b) { b } else { a })
            else {
                break;
            };
            if entries.len() < STATUS_PAGE {
                break;
            }
            url = self.next_url(&headers, format!("{first}&max_id={oldest}"));
        }
        Ok(None)
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        api::check_id("status", &item.id).map_err(ChannelError::Permanent)?;
        let url = format!("{}/api/v1/statuses/{}", self.base, item.id);
        let res = self
            .send(&self.http, |c, token| c.delete(&url).bearer_auth(token))
            .await?;
        if res.status() == StatusCode::NOT_FOUND {
            return Ok(());
        }
        answer(res).await.map(|_| ())
    }
}

#[async_trait]
impl Connector for Mastodon {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let me = self.me().await?;
        let acct = me.acct.to_lowercase();
        let full = if acct.contains('@') {
            acct.clone()
        } else {
            format!("{acct}@{}", self.host)
        };
        if let Some(expected) = &self.account
            && *expected != acct
            && *expected != full
        {
            return Err(ChannelError::Permanent(format!(
                "the token belongs to @{full}, not @{expected}"
            )));
        }
        let (_, body) = self.get(&format!("{}/api/v2/instance", self.base)).await?;
        let instance: api::Instance =
            api::parse("instance", &body).map_err(ChannelError::Transient)?;
        let max_chars = instance
            .configuration
            .and_then(|c| c.statuses)
            .and_then(|s| s.max_characters)
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or(DEFAULT_MAX_CHARS);
        let token_expires_at = match &*self.auth.lock().await {
            Auth::OAuth { expires_at, .. } => *expires_at,
            Auth::Token(_) => None,
        };
        Ok(AccountInfo {
            handle: Some(full),
            token_expires_at,
            max_chars: Some(max_chars),
        })
    }

    fn refreshed(&self) -> Option<Credentials> {
        self.refreshed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// For the fuzz target `live_mastodon`: runs `bytes` through everything
/// that reads Mastodon's answers (notifications and statuses as JSON, mapped
/// to messages; the streaming API's event-stream, split into events and
/// their payloads parsed). Must never panic. Not part of the API.
#[doc(hidden)]
pub fn fuzz_payload(bytes: &[u8]) {
    let body = String::from_utf8_lossy(bytes);
    if let Ok(notes) = api::notifications(&body) {
        for note in notes.iter().filter_map(|e| e.parsed.as_ref().ok()) {
            if let Some(status) = &note.status {
                let _ = api::message(status, "fuzz.example", Some("1"));
            }
        }
    }
    if let Ok(statuses) = api::statuses(&body) {
        for status in statuses.iter().filter_map(|e| e.parsed.as_ref().ok()) {
            let _ = api::message(status, "fuzz.example", None);
        }
    }
    let mut parser = sse::SseParser::default();
    let (a, b) = bytes.split_at(bytes.len() / 2);
    for chunk in [a, b] {
        if let Ok(events) = parser.feed(chunk) {
            for event in events {
                if let Ok(status) = api::parse::<api::Status>(&event.event, &event.data) {
                    let _ = api::message(&status, "fuzz.example", Some("1"));
                }
                let _ = api::check_id("delete", event.data.trim());
            }
        }
    }
    let _ = api::next_link(&body);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_addresses_are_checked() {
        assert_eq!(
            instance_base("https://Mastodon.Social/").unwrap(),
            "https://mastodon.social"
        );
        assert_eq!(
            instance_base("http://127.0.0.1:3000").unwrap(),
            "http://127.0.0.1:3000"
        );
        for bad in [
            "http://mastodon.social",
            "ftp://x.example",
            "https://u:p@x.example",
            "https://x.example/api?x=1",
            "mastodon.social",
        ] {
            let err = instance_base(bad).unwrap_err();
            assert!(
                matches!(&err, ChannelError::Permanent(m) if m.contains(bad)),
                "{err}"
            );
        }
    }

    #[test]
    fn a_link_header_to_another_host_is_not_followed() {
        let m = Mastodon::new(
            "https://m.example",
            None,
            &Credentials::Token { token: "t".into() },
        )
        .unwrap();
        let mut headers = HeaderMap::new();
        let link = |to: &str| {
            reqwest::header::HeaderValue::from_str(&format!("<{to}>; rel=\"next\"")).unwrap()
        };
        headers.insert(
            reqwest::header::LINK,
            link("https://evil.example/steal?max_id=1"),
        );
        assert_eq!(m.next_url(&headers, "fallback".into()), "fallback");
        headers.insert(reqwest::header::LINK, link("https://m.example.evil/x"));
        assert_eq!(m.next_url(&headers, "fallback".into()), "fallback");
        headers.insert(
            reqwest::header::LINK,
            link("https://m.example/api/v1/notifications?max_id=5"),
        );
        assert_eq!(
            m.next_url(&headers, "fallback".into()),
            "https://m.example/api/v1/notifications?max_id=5"
        );
    }

    #[test]
    fn a_reply_names_the_member_once() {
        let m = Mastodon::new(
            "https://m.example",
            None,
            &Credentials::Token { token: "t".into() },
        )
        .unwrap();
        let reply = |text: &str, handle: &str| Outgoing {
            key: "k".into(),
            text: text.into(),
            reply_to: Some(super::super::ReplyTarget {
                external_id: "1".into(),
                thread_external_id: None,
                author_external_id: None,
                author_handle: Some(handle.into()),
                title: None,
            }),
        };
        assert_eq!(
            m.post_text(&reply("Thanks!", "alice@m.example")),
            "@alice Thanks!"
        );
        assert_eq!(
            m.post_text(&reply("Thanks!", "@bob@other.example")),
            "@bob@other.example Thanks!"
        );
        assert_eq!(
            m.post_text(&reply("@Alice, thanks!", "alice")),
            "@Alice, thanks!"
        );
    }
}
