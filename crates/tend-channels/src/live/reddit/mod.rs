//! Reddit: the brand account's inbox and its subreddits in, replies, posts,
//! deletions and moderation out, over the OAuth API (`oauth.reddit.com`).
//!
//! - **Reading** polls listings, each newest first: `/message/inbox`
//!   (comment and post replies, `username_mention`s, private messages `t4`
//!   as direct messages) and, per subreddit, `/r/{sub}/comments` and
//!   `/r/{sub}/new`. The cursor holds, per listing, the newest fullname
//!   read; a pull asks for what is newer with `before={fullname}` (100 per
//!   page), oldest first. Without one it walks back with `after` to the
//!   backfill horizon. Reddit answers nothing after a `before` whose item
//!   was deleted; the cursor then falls back to that item's time and reads
//!   down from the top.
//! - **Edits and deletions**: listings do not move an edited comment, so the
//!   cursor also keeps the last 100 comments and posts read with their
//!   `edited` time, and each pull asks `/api/info` about them (one request):
//!   a new `edited` is the same external id again with `edited_at`, a
//!   `[deleted]`/`[removed]` body goes to [`Page::deleted`](crate::live::Page::deleted).
//! - **Publishing**: a reply is `POST /api/comment` (`thing_id` = the parent's
//!   fullname), a post `POST /api/submit` (a self post in the first
//!   subreddit; the text's first line is the title), a deletion
//!   `POST /api/del`. Reddit has no idempotency key: the key Tend chooses
//!   carries the moment of the first attempt, and [`Publisher::lookup`]
//!   reads the account's own comments (or posts) from then on for one on the
//!   same parent with the same text.
//! - **Moderation** ([`Moderate`]): remove, approve, lock, where the account
//!   moderates (Reddit answers 403 elsewhere: a permanent refusal).
//! - **Credentials**: a script app (client id and secret with the account's
//!   login, [`Credentials::ClientLogin`]: tokens for an hour, fetched again),
//!   an installed or web app's OAuth tokens with a refresh token (refreshed
//!   before they expire or once when refused, and reported through
//!   [`Connector::refreshed`]), or a bare access token.
//! - **Limits**: every answer's `X-Ratelimit-Remaining`/`-Reset` are kept;
//!   with less than one request left no request leaves until the reset
//!   ([`ChannelError::RateLimited`]), as for a 429. A descriptive
//!   `User-Agent` goes with every request (Reddit throttles generic ones).

mod api;
mod auth;
mod read;

#[doc(hidden)]
pub use api::fuzz as fuzz_reddit;

use super::moderate::{Moderate, Moderation};
use super::{
    AccountInfo, ChannelError, Connector, Credentials, Outgoing, Publisher, RemoteRef, http,
};
use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::header::HeaderMap;
use std::time::Duration;

/// Reddit's API address for OAuth clients.
pub const API_URL: &str = "https://oauth.reddit.com";
/// Reddit's token endpoint.
pub const TOKEN_URL: &str = "https://www.reddit.com/api/v1/access_token";
/// The scopes Tend asks an installed or web app for.
pub const SCOPES: &str = "identity read history privatemessages submit edit modposts";

/// Things per listing page (Reddit's maximum).
const PAGE: usize = 100;
/// How far back a backfill walks (Reddit's listings end near 1,000 things).
const MAX_BACKFILL_PAGES: usize = 10;
/// How many pages of the account's own comments a lookup reads at most.
const LOOKUP_PAGES: usize = 10;
/// How many recent comments and posts are watched for edits and deletions.
const WATCHED: usize = 100;
/// Clock skew allowed between Tend and Reddit when a lookup dates attempts.
const SKEW_SECS: i64 = 300;
/// Reddit's longest comment.
const MAX_CHARS: usize = 10_000;

/// The connector of one Reddit account.
pub struct Reddit {
    api: String,
    token_url: String,
    subreddits: Vec<String>,
    http: reqwest::Client,
    auth: tokio::sync::Mutex<Grant>,
    refreshed: std::sync::Mutex<Option<Credentials>>,
    budget: std::sync::Mutex<Option<auth::Budget>>,
    me: tokio::sync::OnceCell<String>,
}

enum Grant {
    Token(String),
    OAuth {
        access_token: String,
        refresh_token: Option<String>,
        expires_at: Option<Timestamp>,
        client_id: String,
        client_secret: Option<String>,
    },
    Login {
        access_token: String,
        expires_at: Option<Timestamp>,
        client_id: String,
        client_secret: String,
        username: String,
        password: String,
    },
}

/// Checks the settings: subreddit names, the user agent, and (for tests and
/// proxies) the API and token addresses.
pub fn validate(
    subreddits: &[String],
    user_agent: Option<&str>,
    api: Option<&str>,
    token_url: Option<&str>,
) -> Result<(), ChannelError> {
    for sub in subreddits {
        let name = sub.trim().trim_start_matches("r/");
        let ok = (2..=21).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !ok {
            return Err(ChannelError::Permanent(format!(
                "reddit.subreddits: {sub:?} is not a subreddit name (2 to 21 letters, digits or _)"
            )));
        }
    }
    if let Some(ua) = user_agent
        && (ua.trim().is_empty() || ua.len() > 256 || ua.chars().any(char::is_control))
    {
        return Err(ChannelError::Permanent(format!(
            "reddit.user_agent: {ua:?} must be one line of at most 256 characters"
        )));
    }
    if let Some(url) = api {
        base_url("reddit.api", url)?;
    }
    if let Some(url) = token_url {
        base_url("reddit.token_url", url)?;
    }
    Ok(())
}

/// An https address (plain http only on loopback, for tests), without a
/// trailing slash.
pub(crate) fn base_url(name: &str, url: &str) -> Result<String, ChannelError> {
    let bad = |why: &str| ChannelError::Permanent(format!("{name}: {url:?} {why}"));
    let parsed = reqwest::Url::parse(url.trim()).map_err(|e| bad(&format!("is not a URL: {e}")))?;
    let host = parsed.host_str().ok_or_else(|| bad("has no host"))?;
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    match parsed.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(bad("must be an https:// address")),
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(bad("must not hold a login"));
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err(bad("must not have a query"));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_string())
}

impl Reddit {
    /// The connector for `credentials`, reading `subreddits` and the inbox.
    pub fn new(
        subreddits: &[String],
        user_agent: Option<&str>,
        api: Option<&str>,
        token_url: Option<&str>,
        credentials: &Credentials,
    ) -> Result<Reddit, ChannelError> {
        validate(subreddits, user_agent, api, token_url)?;
        let auth = match credentials {
            Credentials::Token { token } if !token.trim().is_empty() => {
                Grant::Token(token.trim().to_string())
            }
            Credentials::OAuth {
                access_token,
                refresh_token,
                expires_at,
                client_id,
                client_secret,
            } => Grant::OAuth {
                access_token: access_token.clone(),
                refresh_token: refresh_token.clone(),
                expires_at: *expires_at,
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
            },
            Credentials::ClientLogin {
                client_id,
                client_secret,
                username,
                password,
            } => Grant::Login {
                access_token: String::new(),
                expires_at: None,
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                username: username.clone(),
                password: password.clone(),
            },
            _ => {
                return Err(ChannelError::Permanent(
                    "reddit: connect with a script app (client id, secret, username and \
                     password) or OAuth tokens"
                        .into(),
                ));
            }
        };
        let agent = match user_agent {
            Some(ua) => ua.trim().to_string(),
            None => concat!(
                "server:tend:",
                env!("CARGO_PKG_VERSION"),
                " (self-hosted Tend community inbox)"
            )
            .to_string(),
        };
        let http = http::client_builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(http::REQUEST_TIMEOUT)
            .user_agent(agent)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ChannelError::Permanent(format!("building the HTTP client: {e}")))?;
        Ok(Reddit {
            api: base_url("reddit.api", api.unwrap_or(API_URL))?,
            token_url: base_url("reddit.token_url", token_url.unwrap_or(TOKEN_URL))?,
            subreddits: subreddits
                .iter()
                .map(|s| s.trim().trim_start_matches("r/").to_string())
                .collect(),
            http,
            auth: tokio::sync::Mutex::new(auth),
            refreshed: std::sync::Mutex::new(None),
            budget: std::sync::Mutex::new(None),
            me: tokio::sync::OnceCell::new(),
        })
    }

    async fn get(&self, path_and_query: &str) -> Result<String, ChannelError> {
        let url = format!("{}{path_and_query}", self.api);
        let res = self.send(|c, token| c.get(&url).bearer_auth(token)).await?;
        answer(res, path_and_query).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<String, ChannelError> {
        let url = format!("{}{path}", self.api);
        let res = self
            .send(|c, token| c.post(&url).bearer_auth(token).form(form))
            .await?;
        answer(res, path).await
    }

    /// The account's username (asked once).
    async fn me(&self) -> Result<&str, ChannelError> {
        self.me
            .get_or_try_init(|| async {
                let body = self.get("/api/v1/me?raw_json=1").await?;
                let me: api::Me = api::parse("me", &body).map_err(ChannelError::Transient)?;
                let ok = (1..=32).contains(&me.name.len())
                    && me
                        .name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
                if !ok {
                    return Err(ChannelError::Transient(format!(
                        "Reddit me: not a username: {:?}",
                        http::short(&me.name)
                    )));
                }
                Ok(me.name)
            })
            .await
            .map(String::as_str)
    }

    /// The listings read: key and path.
    fn listings(&self) -> Vec<(String, String)> {
        let mut all = vec![("inbox".to_string(), "/message/inbox".to_string())];
        for sub in &self.subreddits {
            for what in ["comments", "new"] {
                all.push((format!("r/{sub}/{what}"), format!("/r/{sub}/{what}")));
            }
        }
        all
    }

    async fn listing(
        &self,
        path: &str,
        paging: &str,
    ) -> Result<(Vec<(String, api::Thing)>, Option<String>), ChannelError> {
        let body = self
            .get(&format!("{path}?limit={PAGE}&raw_json=1{paging}"))
            .await?;
        let listing: api::Listing = api::parse(path, &body).map_err(ChannelError::Transient)?;
        let after = listing.data.after.clone();
        // A thing that cannot be read is skipped: one broken thing must not
        // stop the channel.
        let things = api::things(path, listing)
            .into_iter()
            .filter_map(Result::ok)
            .collect();
        Ok((things, after))
    }

    /// The text of a reply or post as Reddit stores it.
    fn check_text(text: &str) -> Result<(), ChannelError> {
        if text.trim().is_empty() {
            return Err(ChannelError::Permanent("reddit: the text is empty".into()));
        }
        if text.chars().count() > MAX_CHARS {
            return Err(ChannelError::Permanent(format!(
                "reddit: the text is longer than {MAX_CHARS} characters"
            )));
        }
        Ok(())
    }

    /// A submission's title and body from one text: the first line, and the rest.
    fn title_and_body(text: &str) -> (String, String) {
        let mut lines = text.trim().splitn(2, '\n');
        let title: String = lines
            .next()
            .unwrap_or_default()
            .trim()
            .chars()
            .take(300)
            .collect();
        (title, lines.next().unwrap_or_default().trim().to_string())
    }

    async fn modify(&self, path: &str, form: &[(&str, &str)]) -> Result<(), ChannelError> {
        let url = format!("{}{path}", self.api);
        let res = self
            .send(|c, token| c.post(&url).bearer_auth(token).form(form))
            .await?;
        if res.status() == reqwest::StatusCode::FORBIDDEN {
            return Err(ChannelError::Permanent(format!(
                "reddit {path}: forbidden (the account does not moderate there)"
            )));
        }
        answer(res, path).await.map(|_| ())
    }
}

/// The body of a successful answer, or the error its status means: 401 is
/// a refused token, 403 a refusal of this request (a private subreddit, a
/// ban), not of the credentials.
async fn answer(res: reqwest::Response, what: &str) -> Result<String, ChannelError> {
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.text().await.map_err(http::from_reqwest)?;
    if status.is_success() {
        return Ok(body);
    }
    let what = what.split('?').next().unwrap_or(what);
    Err(match status.as_u16() {
        403 => ChannelError::Permanent(format!("reddit {what}: HTTP 403: {}", http::short(&body))),
        429 => rate_limited(&headers),
        _ => match http::from_status(status, &headers, &body) {
            ChannelError::Transient(m) => ChannelError::Transient(format!("reddit {what}: {m}")),
            ChannelError::Permanent(m) => ChannelError::Permanent(format!("reddit {what}: {m}")),
            other => other,
        },
    })
}

/// A 429: wait `Retry-After`, else until `X-Ratelimit-Reset`, else a minute.
fn rate_limited(headers: &HeaderMap) -> ChannelError {
    ChannelError::RateLimited {
        retry_after: http::retry_after(headers).unwrap_or(Duration::from_secs(60)),
    }
}

/// The moment of the first attempt in a key made by [`Publisher::new_key`].
fn attempted_at(key: &str) -> Option<i64> {
    key.rsplit_once('@')?.1.parse().ok()
}

/// A write's answer: the thing made, or the error Reddit put in `json.errors`.
fn written(body: &str) -> Result<(String, Option<String>), ChannelError> {
    let answer: api::WriteAnswer = api::parse("answer", body).map_err(ChannelError::Transient)?;
    if let Some(first) = answer.json.errors.first() {
        let code = first.first().and_then(|v| v.as_str()).unwrap_or_default();
        let words = first.get(1).and_then(|v| v.as_str()).unwrap_or_default();
        if code == "RATELIMIT" {
            return Err(ChannelError::RateLimited {
                retry_after: Duration::from_secs(api::ratelimit_wait(words).unwrap_or(60)),
            });
        }
        return Err(ChannelError::Permanent(format!(
            "reddit refused: {code}: {}",
            http::short(words)
        )));
    }
    let data = answer
        .json
        .data
        .ok_or_else(|| ChannelError::Transient("reddit answer: no data".into()))?;
    if let Some(name) = data.name {
        api::check_fullname("answer", &name).map_err(ChannelError::Transient)?;
        return Ok((name, data.url));
    }
    let thing = data
        .things
        .into_iter()
        .next()
        .ok_or_else(|| ChannelError::Transient("reddit answer: no thing made".into()))?;
    let thing: api::Thing =
        api::parse("answer", &thing.data.to_string()).map_err(ChannelError::Transient)?;
    api::check_fullname("answer", &thing.name).map_err(ChannelError::Transient)?;
    let url = thing
        .permalink
        .map(|p| format!("https://www.reddit.com{p}"));
    Ok((thing.name, url))
}

#[async_trait]
impl Publisher for Reddit {
    /// The key carries the moment of the first attempt (`…@epoch-seconds`):
    /// a lookup reads the account's things from then on.
    fn new_key(&self, unique: &str, now: Timestamp) -> String {
        format!("{unique}@{}", now.as_second())
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        Reddit::check_text(&post.text)?;
        let body = match &post.reply_to {
            Some(target) => {
                api::check_fullname("reply target", &target.external_id)
                    .map_err(ChannelError::Permanent)?;
                self.post(
                    "/api/comment",
                    &[
                        ("api_type", "json"),
                        ("raw_json", "1"),
                        ("thing_id", &target.external_id),
                        ("text", &post.text),
                    ],
                )
                .await?
            }
            None => {
                let sub = self.subreddits.first().ok_or_else(|| {
                    ChannelError::Permanent(
                        "reddit: a post needs a subreddit in the settings".into(),
                    )
                })?;
                let (title, text) = Reddit::title_and_body(&post.text);
                self.post(
                    "/api/submit",
                    &[
                        ("api_type", "json"),
                        ("kind", "self"),
                        ("sr", sub),
                        ("title", &title),
                        ("text", &text),
                    ],
                )
                .await?
            }
        };
        let (id, url) = written(&body)?;
        Ok(RemoteRef { id, url })
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let me = self.me().await?.to_string();
        let since = attempted_at(&post.key).map_or(i64::MIN, |t| t - SKEW_SECS) as f64;
        let (path, want_parent, want) = match &post.reply_to {
            Some(target) => (
                format!("/user/{me}/comments"),
                Some(target.external_id.clone()),
                (String::new(), api::same_text(&post.text)),
            ),
            None => {
                let (title, text) = Reddit::title_and_body(&post.text);
                (
                    format!("/user/{me}/submitted"),
                    None,
                    (api::same_text(&title), api::same_text(&text)),
                )
            }
        };
        let mut paging = "&sort=new".to_string();
        for _ in 0..LOOKUP_PAGES {
            let (things, after) = self.listing(&path, &paging).await?;
            let full = things.len() >= PAGE;
            for (_, thing) in &things {
                let same = match &want_parent {
                    Some(parent) => {
                        thing.parent_id.as_deref() == Some(parent.as_str())
                            && api::same_text(thing.body.as_deref().unwrap_or_default()) == want.1
                    }
                    None => {
                        api::same_text(thing.title.as_deref().unwrap_or_default()) == want.0
                            && api::same_text(thing.selftext.as_deref().unwrap_or_default())
                                == want.1
                    }
                };
                if same && thing.created_utc >= since {
                    return Ok(Some(RemoteRef {
                        id: thing.name.clone(),
                        url: thing
                            .permalink
                            .as_ref()
                            .map(|p| format!("https://www.reddit.com{p}")),
                    }));
                }
            }
            let older = things.iter().any(|(_, t)| t.created_utc < since);
            match after {
                Some(after) if full && !older => {
                    api::check_fullname("after", &after).map_err(ChannelError::Transient)?;
                    paging = format!("&sort=new&after={after}");
                }
                _ => break,
            }
        }
        Ok(None)
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        api::check_fullname("delete", &item.id).map_err(ChannelError::Permanent)?;
        // Reddit answers 200 `{}` also for a thing already gone.
        self.post("/api/del", &[("id", &item.id)]).await.map(|_| ())
    }
}

#[async_trait]
impl Moderate for Reddit {
    fn actions(&self) -> &'static [Moderation] {
        &[Moderation::Remove, Moderation::Approve, Moderation::Lock]
    }

    async fn moderate(&self, external_id: &str, action: Moderation) -> Result<(), ChannelError> {
        api::check_fullname("moderate", external_id).map_err(ChannelError::Permanent)?;
        let path = match action {
            Moderation::Remove => "/api/remove",
            Moderation::Approve => "/api/approve",
            Moderation::Lock => "/api/lock",
            other => {
                return Err(ChannelError::Permanent(format!(
                    "reddit has no {other:?} action"
                )));
            }
        };
        let mut form = vec![("id", external_id)];
        if action == Moderation::Remove {
            form.push(("spam", "false"));
        }
        self.modify(path, &form).await
    }
}

#[async_trait]
impl Connector for Reddit {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let me = self.me().await?.to_string();
        let token_expires_at = match &*self.auth.lock().await {
            Grant::OAuth { expires_at, .. } => *expires_at,
            // A script app's token is fetched again from the login.
            Grant::Login { .. } | Grant::Token(_) => None,
        };
        Ok(AccountInfo {
            handle: Some(format!("u/{me}")),
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
    fn settings_refuse_hostile_values_naming_the_setting() {
        assert!(
            validate(
                &["rust".into(), "r/AskReddit".into()],
                Some("x"),
                None,
                None
            )
            .is_ok()
        );
        let err = |subs: &[&str], ua: Option<&str>, api: Option<&str>| {
            let subs: Vec<String> = subs.iter().map(|s| s.to_string()).collect();
            validate(&subs, ua, api, None).unwrap_err().to_string()
        };
        assert!(err(&["a/../b"], None, None).contains("reddit.subreddits"));
        assert!(err(&["x"], None, None).contains("reddit.subreddits"));
        assert!(err(&["rust"], Some("a\nb"), None).contains("reddit.user_agent"));
        assert!(err(&["rust"], None, Some("http://evil.example")).contains("reddit.api"));
        assert!(validate(&[], None, Some("http://127.0.0.1:9"), None).is_ok());
    }

    #[test]
    fn keys_carry_the_attempt_time_and_titles_the_first_line() {
        let r = Reddit::new(
            &[],
            None,
            None,
            None,
            &Credentials::Token { token: "t".into() },
        )
        .unwrap();
        let key = r.new_key(
            "tend-1-2-abc",
            Timestamp::from_second(1_800_000_000).unwrap(),
        );
        assert_eq!(attempted_at(&key), Some(1_800_000_000));
        assert_eq!(
            Reddit::title_and_body("Release 2.0\n\nAll the news."),
            ("Release 2.0".into(), "All the news.".into())
        );
    }

    #[test]
    fn write_errors_map_to_what_the_runner_must_do() {
        let limited = r#"{"json":{"errors":[["RATELIMIT","you are doing that too much. try again in 2 minutes.","ratelimit"]]}}"#;
        assert_eq!(
            written(limited).unwrap_err(),
            ChannelError::RateLimited {
                retry_after: Duration::from_secs(120)
            }
        );
        let locked = r#"{"json":{"errors":[["THREAD_LOCKED","that thread is locked","parent"]]}}"#;
        assert!(
            matches!(written(locked), Err(ChannelError::Permanent(m)) if m.contains("THREAD_LOCKED"))
        );
        let ok = r#"{"json":{"errors":[],"data":{"things":[{"kind":"t1","data":{"name":"t1_d1680wu","created_utc":1458434031.0,"permalink":"/r/x/comments/a/b/d1680wu/"}}]}}}"#;
        assert_eq!(written(ok).unwrap().0, "t1_d1680wu");
        assert!(matches!(written("<html>"), Err(ChannelError::Transient(_))));
    }
}
