//! Discourse forums: the forum's posts and the brand's private messages in,
//! replies and new topics out.
//!
//! - **Reading** polls `GET /posts.json` (the latest posts, newest first,
//!   paged back with `before`): it walks back to where the cursor stopped
//!   (or, on a backfill, to the horizon), then hands the posts over oldest
//!   first, a page at a time, each with its cursor. With `categories` or
//!   `tags` set, only posts of those categories or of topics with those tags
//!   (the first page of `GET /tag/{name}.json`, where a new post bumps its
//!   topic) are kept. Private messages come from
//!   `GET /topics/private-messages/{username}.json` and each topic written
//!   to since the cursor (`GET /t/{id}.json`, more posts with
//!   `GET /t/{id}/posts.json?post_ids[]=`), as direct messages. With a
//!   filter set, the account's mentions, replies and quotes elsewhere come
//!   from `GET /notifications.json` (its newest page), each post read with
//!   `GET /posts/{id}.json`.
//! - **Ids** are the importer's: `t{topic}/p{post_number}`, so a reply names
//!   its parent and the topic's first post is the thread's root.
//! - **Edits and deletions**: the cursor keeps the `version` of the newest
//!   `api::WATCHED` posts read. Each read walks back past them, so a
//!   higher version is an edit (the same id with `edited_at`), and a post
//!   that is gone from the list, or comes with `deleted_at` or `hidden`, is
//!   a deletion. Older posts' edits are not noticed.
//! - **Publishing**: `POST /posts.json` with `topic_id` and
//!   `reply_to_post_number` (a reply), or a `title` (the text's first line)
//!   and the first followed category (a new topic). `DELETE /posts/{id}.json`
//!   deletes. The network's id of a post is its post id.
//! - **No idempotency key**: Discourse has none, so every post carries the
//!   key in an HTML comment (`<!-- tend:… -->`), kept in `raw` and absent
//!   from what readers see. [`Publisher::lookup`] reads the topic's newest
//!   posts back (`/t/{id}.json`, `/t/{id}/posts.json`), and for each by the
//!   brand written after the key was made (the key ends with its Unix time;
//!   ten minutes' slack for clocks), reads its `raw` (`/posts/{id}.json`)
//!   for the marker. A new topic is looked up among the brand's topics
//!   (`/topics/created-by/{username}.json`). When the read-back cannot reach
//!   back to the key's time, the lookup fails (`Transient`) rather than
//!   answer "not there": the item stays `unknown`, never sent twice.
//! - **Credentials**: an API key and its username (`Api-Key`,
//!   `Api-Username`), or a user API key (`User-Api-Key`).
//! - **Errors**: 429 waits `Retry-After` (or the body's
//!   `extras.wait_seconds`); a refused key (403 "The API username or key is
//!   invalid", `not_logged_in`, or 401) is `Unauthorized`; another 403 (no
//!   access to that topic) is `Permanent`.

mod api;
mod lookup;
mod read;

use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, Sink, Source, Window, http,
};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;

/// How many chunks of a topic's posts a lookup reads back at most.
const LOOKUP_CHUNKS: usize = 10;
/// Posts per `GET /t/{id}/posts.json` request.
const CHUNK: usize = 20;
/// How much earlier than its key a post may look (clock skew).
const CLOCK_SLACK: SignedDuration = SignedDuration::from_mins(10);
/// Discourse's default `max_post_length`.
const MAX_POST_LENGTH: usize = 32_000;

/// The connector of one Discourse account.
pub struct Discourse {
    base: String,
    categories: Vec<u64>,
    tags: Vec<String>,
    auth: Auth,
    http: reqwest::Client,
    me: tokio::sync::OnceCell<String>,
}

enum Auth {
    ApiKey { username: String, key: String },
    UserApiKey(String),
}

/// The forum's base address (`https://host[:port][/path]`, no trailing
/// slash) from what an admin typed; plain `http` only for a loopback host.
pub fn forum_base(base_url: &str) -> Result<String, ChannelError> {
    let bad =
        |why: &str| ChannelError::Permanent(format!("discourse.base_url: {base_url:?}: {why}"));
    let url = reqwest::Url::parse(base_url.trim()).map_err(|e| bad(&e.to_string()))?;
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
        return Err(bad(
            "must be the forum's address only, like https://forum.example.org",
        ));
    }
    let path = url.path().trim_end_matches('/');
    if path.contains("..") || path.contains("//") {
        return Err(bad("odd path"));
    }
    Ok(format!("{}{path}", url.origin().ascii_serialization()))
}

/// Checks the settings (each error names the setting).
pub fn validate(base_url: &str, categories: &[u64], tags: &[String]) -> Result<(), ChannelError> {
    forum_base(base_url)?;
    if categories.len() > 100 || categories.contains(&0) {
        return Err(ChannelError::Permanent(
            "discourse.categories: category ids are positive numbers (at most 100)".into(),
        ));
    }
    if tags.len() > 20 {
        return Err(ChannelError::Permanent(
            "discourse.tags: at most 20 tags".into(),
        ));
    }
    for tag in tags {
        let ok = !tag.is_empty()
            && tag.chars().count() <= 100
            && tag
                .chars()
                .all(|c| c.is_alphanumeric() || "-_.".contains(c));
        if !ok {
            return Err(ChannelError::Permanent(format!(
                "discourse.tags: {tag:?} is not a tag name"
            )));
        }
    }
    Ok(())
}

/// Runs the payload mapping on arbitrary bytes (the fuzz target): it must
/// never panic.
#[doc(hidden)]
pub fn fuzz_discourse(bytes: &[u8]) {
    api::fuzz(bytes);
}

impl Discourse {
    /// The connector for the forum at `base_url`, following `categories`
    /// and `tags` (both empty: every post the account can see).
    pub fn new(
        base_url: &str,
        categories: &[u64],
        tags: &[String],
        credentials: &Credentials,
    ) -> Result<Discourse, ChannelError> {
        validate(base_url, categories, tags)?;
        let auth = match credentials {
            Credentials::Password { username, password }
                if !username.trim().is_empty() && !password.trim().is_empty() =>
            {
                Auth::ApiKey {
                    username: username.trim().to_string(),
                    key: password.trim().to_string(),
                }
            }
            Credentials::Token { token } if !token.trim().is_empty() => {
                Auth::UserApiKey(token.trim().to_string())
            }
            _ => {
                return Err(ChannelError::Permanent(
                    "Discourse needs an API key and its username, or a user API key".into(),
                ));
            }
        };
        Ok(Discourse {
            base: forum_base(base_url)?,
            categories: categories.to_vec(),
            tags: tags.to_vec(),
            auth,
            http: http::client()?,
            me: tokio::sync::OnceCell::new(),
        })
    }

    fn sign(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let req = req.header(reqwest::header::ACCEPT, "application/json");
        match &self.auth {
            Auth::ApiKey { username, key } => req
                .header("Api-Key", key.as_str())
                .header("Api-Username", username.as_str()),
            Auth::UserApiKey(key) => req.header("User-Api-Key", key.as_str()),
        }
    }

    async fn get(&self, path: &str) -> Result<String, ChannelError> {
        let url = format!("{}{path}", self.base);
        let res = self
            .sign(self.http.get(url))
            .send()
            .await
            .map_err(http::from_reqwest)?;
        answer(res).await
    }

    /// The account's username (asked once).
    async fn me(&self) -> Result<&str, ChannelError> {
        self.me
            .get_or_try_init(|| async {
                let body = self.get("/session/current.json").await?;
                let session: api::Session =
                    api::parse("session", &body).map_err(ChannelError::Transient)?;
                Ok::<_, ChannelError>(session.current_user.username)
            })
            .await
            .map(String::as_str)
    }

    /// `GET /posts/{id}.json` as it came, or `None` when the forum has no
    /// such post (or no longer lets the account see it).
    async fn post_value(&self, id: u64) -> Result<Option<serde_json::Value>, ChannelError> {
        let url = format!("{}/posts/{id}.json", self.base);
        let res = self
            .sign(self.http.get(url))
            .send()
            .await
            .map_err(http::from_reqwest)?;
        if matches!(res.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN) {
            return Ok(None);
        }
        let body = answer(res).await?;
        serde_json::from_str(&body)
            .map(Some)
            .map_err(|e| ChannelError::Transient(format!("Discourse post {id}: {e}")))
    }

    /// `GET /posts/{id}.json`, or `None` when the forum has no such post.
    async fn post(&self, id: u64) -> Result<Option<api::Post>, ChannelError> {
        let url = format!("{}/posts/{id}.json", self.base);
        let res = self
            .sign(self.http.get(url))
            .send()
            .await
            .map_err(http::from_reqwest)?;
        if res.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let body = answer(res).await?;
        api::parse("post", &body)
            .map(Some)
            .map_err(ChannelError::Transient)
    }

    /// Where a reply goes: its topic and the post number it answers.
    async fn reply_place(&self, external_id: &str) -> Result<(u64, u64), ChannelError> {
        if let Some(place) = api::topic_and_number(external_id) {
            return Ok(place);
        }
        // A bare post id (from elsewhere): ask the forum where it is.
        let id: u64 = external_id.parse().map_err(|_| {
            ChannelError::Permanent(format!(
                "Discourse reply target {:?}: not a post (t{{topic}}/p{{number}} or a post id)",
                external_id.chars().take(60).collect::<String>()
            ))
        })?;
        match self.post(id).await? {
            Some(p) => Ok((p.topic_id, p.post_number)),
            None => Err(ChannelError::Permanent(format!(
                "Discourse post {id} is gone"
            ))),
        }
    }
}

/// The importer's external id of a post.
fn external_id(brief: &api::Brief) -> String {
    format!("t{}/p{}", brief.topic_id, brief.post_number)
}

/// A username as a path segment (Discourse usernames are letters, digits,
/// `_`, `-` and `.`; anything else is escaped).
fn url_part(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The body of a successful answer, or the error its status means.
async fn answer(res: reqwest::Response) -> Result<String, ChannelError> {
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.text().await.map_err(http::from_reqwest)?;
    if status.is_success() {
        return Ok(body);
    }
    Err(status_error(status, &headers, &body))
}

/// What a refusal from Discourse means.
fn status_error(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    body: &str,
) -> ChannelError {
    let parsed = api::error_body(body);
    let reason = if parsed.errors.is_empty() {
        format!("HTTP {}: {}", status.as_u16(), http::short(body))
    } else {
        format!(
            "HTTP {}: {}",
            status.as_u16(),
            http::short(&parsed.errors.join("; "))
        )
    };
    match status.as_u16() {
        429 => {
            let from_body = parsed
                .extras
                .and_then(|e| e.wait_seconds)
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(|s| std::time::Duration::from_secs_f64(s.ceil().min(3600.0)));
            let wait = http::retry_after(headers)
                .or(from_body)
                .unwrap_or(std::time::Duration::from_secs(60))
                .clamp(std::time::Duration::from_secs(1), http::MAX_RETRY_AFTER);
            ChannelError::RateLimited { retry_after: wait }
        }
        401 => ChannelError::Unauthorized(reason),
        403 => {
            let key_refused = parsed.error_type.as_deref() == Some("not_logged_in")
                || parsed
                    .errors
                    .iter()
                    .any(|e| e.contains("API username or key is invalid"));
            if key_refused {
                ChannelError::Unauthorized(reason)
            } else {
                ChannelError::Permanent(reason)
            }
        }
        _ => http::from_status(status, headers, body),
    }
}

async fn hand_over(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a page: {e}")))
}

#[async_trait]
impl Source for Discourse {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let brand = self.me().await?.to_string();
        let (mut mark, backfill) = match since {
            Some(c) => (
                api::Mark::parse(&c.0).map_err(ChannelError::Permanent)?,
                None,
            ),
            None => (api::Mark::default(), Some(window.backfill_from)),
        };
        let more = self
            .read_posts(&mut mark, backfill, window.max_pages, &brand, sink)
            .await?;
        let private_topics = self.read_private(&mut mark, backfill, &brand, sink).await?;
        // Without a filter the posts read already holds every public mention.
        if !self.categories.is_empty() || !self.tags.is_empty() {
            self.read_mentions(&mut mark, backfill, &brand, &private_topics, sink)
                .await?;
        }
        Ok(more)
    }
}

#[async_trait]
impl Publisher for Discourse {
    /// The key with the moment it was made (`{unique}.{unix seconds}`), in
    /// characters an HTML comment can hold: a lookup reads back only to it.
    fn new_key(&self, unique: &str, now: Timestamp) -> String {
        let unique: String = api::safe_key(unique).chars().take(100).collect();
        format!("{unique}.{}", now.as_second())
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        let raw = format!("{}\n\n{}", post.text.trim_end(), api::marker(&post.key));
        let mut body = serde_json::json!({ "raw": raw });
        match &post.reply_to {
            Some(target) => {
                let (topic, number) = self.reply_place(&target.external_id).await?;
                body["topic_id"] = topic.into();
                if number > 1 {
                    body["reply_to_post_number"] = number.into();
                }
            }
            None => {
                body["title"] = api::title_of(&post.text).into();
                if let Some(category) = self.categories.first() {
                    body["category"] = (*category).into();
                }
            }
        }
        let url = format!("{}/posts.json", self.base);
        let res = self
            .sign(self.http.post(url))
            .json(&body)
            .send()
            .await
            .map_err(http::from_reqwest)?;
        let body = answer(res).await?;
        // Posted but unreadable: the outcome is unknown, `lookup` settles it.
        let created: api::Post = api::parse("new post", &body).map_err(ChannelError::Transient)?;
        Ok(RemoteRef {
            id: created.id.to_string(),
            url: Some(created.url(&self.base)),
        })
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let brand = self.me().await?.to_string();
        let marker = api::marker(&post.key);
        let since = api::key_time(&post.key).map(|t| t - CLOCK_SLACK);
        match &post.reply_to {
            Some(target) => {
                let (topic, _) = match self.reply_place(&target.external_id).await {
                    Ok(place) => place,
                    // The post answered is gone, and with it any reply's place.
                    Err(ChannelError::Permanent(_)) => return Ok(None),
                    Err(e) => return Err(e),
                };
                self.lookup_reply(topic, &brand, &marker, since).await
            }
            None => self.lookup_topic(&brand, &marker, since).await,
        }
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        let id: u64 = item.id.parse().map_err(|_| {
            ChannelError::Permanent(format!(
                "Discourse post id {:?} is not a number",
                item.id.chars().take(60).collect::<String>()
            ))
        })?;
        let url = format!("{}/posts/{id}.json", self.base);
        let res = self
            .sign(self.http.delete(url))
            .send()
            .await
            .map_err(http::from_reqwest)?;
        if res.status() == StatusCode::NOT_FOUND {
            return Ok(());
        }
        answer(res).await.map(|_| ())
    }
}

#[async_trait]
impl Connector for Discourse {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let me = self.me().await?.to_string();
        if let Auth::ApiKey { username, .. } = &self.auth
            && !username.eq_ignore_ascii_case(&me)
        {
            return Err(ChannelError::Permanent(format!(
                "the API key acts as @{me}, not @{username}"
            )));
        }
        Ok(AccountInfo {
            handle: Some(me),
            token_expires_at: None,
            max_chars: Some(MAX_POST_LENGTH),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forum_addresses_and_settings_are_checked_naming_the_setting() {
        assert_eq!(
            forum_base("https://Forum.Example.org/").unwrap(),
            "https://forum.example.org"
        );
        assert_eq!(
            forum_base("https://example.org/community/").unwrap(),
            "https://example.org/community"
        );
        assert_eq!(
            forum_base("http://127.0.0.1:3000").unwrap(),
            "http://127.0.0.1:3000"
        );
        for bad in [
            "http://forum.example.org",
            "ftp://x.example",
            "https://u:p@x.example",
            "https://x.example/?x=1",
            "forum.example.org",
        ] {
            let err = forum_base(bad).unwrap_err();
            assert!(
                matches!(&err, ChannelError::Permanent(m) if m.starts_with("discourse.base_url")),
                "{err}"
            );
        }
        assert!(validate("https://f.example", &[1, 2], &["support".into()]).is_ok());
        assert!(matches!(
            validate("https://f.example", &[0], &[]),
            Err(ChannelError::Permanent(m)) if m.starts_with("discourse.categories")
        ));
        assert!(matches!(
            validate("https://f.example", &[], &["a/../b".into()]),
            Err(ChannelError::Permanent(m)) if m.starts_with("discourse.tags")
        ));
    }

    #[test]
    fn refusals_map_to_what_the_runner_must_do() {
        let h = reqwest::header::HeaderMap::new();
        let limited = status_error(
            StatusCode::TOO_MANY_REQUESTS,
            &h,
            r#"{"errors":["You’ve performed this action too many times."],"error_type":"rate_limit","extras":{"wait_seconds":13}}"#,
        );
        assert_eq!(
            limited,
            ChannelError::RateLimited {
                retry_after: std::time::Duration::from_secs(13)
            }
        );
        let key = status_error(
            StatusCode::FORBIDDEN,
            &h,
            r#"{"errors":["You are not permitted to view the requested resource. The API username or key is invalid."],"error_type":"invalid_access"}"#,
        );
        assert!(matches!(key, ChannelError::Unauthorized(_)), "{key:?}");
        let topic = status_error(
            StatusCode::FORBIDDEN,
            &h,
            r#"{"errors":["You are not permitted to view the requested resource."],"error_type":"invalid_access"}"#,
        );
        assert!(matches!(topic, ChannelError::Permanent(_)), "{topic:?}");
        assert!(matches!(
            status_error(StatusCode::UNAUTHORIZED, &h, "{}"),
            ChannelError::Unauthorized(_)
        ));
        let not_logged_in = status_error(
            StatusCode::FORBIDDEN,
            &h,
            r#"{"errors":["You need to be logged in to do that."],"error_type":"not_logged_in"}"#,
        );
        assert!(matches!(not_logged_in, ChannelError::Unauthorized(_)));
        assert!(matches!(
            status_error(StatusCode::BAD_GATEWAY, &h, "<html>"),
            ChannelError::Transient(_)
        ));
        assert_eq!(url_part("brand"), "brand");
        assert_eq!(url_part("a/b"), "a%2Fb");
    }
}
