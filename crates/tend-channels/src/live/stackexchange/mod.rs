//! Stack Exchange (API 2.3): a site's questions, answers and comments for
//! the followed tags, read-only.
//!
//! - **Reading**, per tag (or the whole site with none): `GET /questions`
//!   with `tagged`, `sort=activity&order=asc&min={cursor}` (the API's `min`
//!   bounds the sort field; `fromdate` would bound the creation date),
//!   `filter=withbody`, 100 a page while `has_more`; for each page's
//!   questions `GET /questions/{ids}/answers` (also by activity since the
//!   cursor) and `GET /posts/{ids}/comments` (by creation since the cursor)
//!   for the questions and those answers. Each page is handed over with its
//!   cursor: per tag, the last activity read and what was handed over in
//!   that second, so the next read (inclusive `min`) repeats nothing.
//! - **Mapping** is the dump importer's: questions and answers are
//!   `ForumPost`s `post-{id}` (an answer's thread and parent is its
//!   question; a question has its title), comments are `Comment`s
//!   `comment-{id}` under their post. An edit (`last_edit_date`) is the
//!   same id with `edited_at`. Deletions are not reported: the API does not
//!   list deleted posts, and a comment does not bump its question's
//!   activity, so a comment on a quiet question is only read when the
//!   question next moves.
//! - **Limits**: every answer's `quota_remaining` is kept; reading stops
//!   ([`ChannelError::RateLimited`] until the quota's reset at midnight
//!   UTC) before the last [`QUOTA_RESERVE`] requests, and
//!   [`StackExchange::quota`] shows it. A `backoff` of N seconds bars the
//!   same method for N seconds (asking earlier is `RateLimited` without a
//!   request). `error_id` 502 `throttle_violation` is `RateLimited` with the
//!   wait its message names. Bad or refused keys (400 `key`, 401–406) are
//!   `Unauthorized`; 500 and 503 are `Transient`.
//! - **Compression**: the API compresses every answer; reqwest here is built
//!   without its gzip feature, so `api::decode` inflates gzip itself.
//! - **Credentials**: none, or an app key (`Credentials::Token`), which
//!   raises the daily quota from 300 to 10,000 requests.

mod api;

use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, Sink, Source, Window, http,
};
use async_trait::async_trait;
use jiff::Timestamp;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};
use tend_domain::IncomingItem;

/// The real API's address.
pub const API: &str = "https://api.stackexchange.com/2.3";
/// Requests left unused of the daily quota: reading stops before it.
pub const QUOTA_RESERVE: u64 = 10;
/// Items per page (the API's maximum).
const PAGE: usize = 100;
/// Pages of answers or comments read for one page of questions at most.
const SUB_PAGES: usize = 10;

/// The connector of one Stack Exchange site.
pub struct StackExchange {
    api: String,
    site: String,
    tags: Vec<String>,
    key: Option<String>,
    http: reqwest::Client,
    limits: std::sync::Mutex<Limits>,
}

#[derive(Default)]
struct Limits {
    quota_remaining: Option<u64>,
    quota_max: Option<u64>,
    /// Per method: not before this moment (the API's `backoff`).
    backoff: HashMap<&'static str, Instant>,
}

/// Checks the settings (each error names the setting).
pub fn validate(site: &str, tags: &[String], api: Option<&str>) -> Result<(), ChannelError> {
    let site_ok = !site.is_empty()
        && site.len() <= 100
        && site
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-".contains(c));
    if !site_ok {
        return Err(ChannelError::Permanent(format!(
            "stackexchange.site: {site:?} is not a site's API name (like stackoverflow or superuser)"
        )));
    }
    if tags.len() > 20 {
        return Err(ChannelError::Permanent(
            "stackexchange.tags: at most 20 tags".into(),
        ));
    }
    for tag in tags {
        let ok = !tag.is_empty()
            && tag.len() <= 35
            && tag
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+#.-".contains(c));
        if !ok {
            return Err(ChannelError::Permanent(format!(
                "stackexchange.tags: {tag:?} is not a tag (lowercase letters, digits, + # . -)"
            )));
        }
    }
    if let Some(api) = api {
        api_base(api)?;
    }
    Ok(())
}

/// The API's base address: `https://…`, or plain `http` on loopback (tests).
fn api_base(api: &str) -> Result<String, ChannelError> {
    let bad = |why: &str| ChannelError::Permanent(format!("stackexchange.api: {api:?}: {why}"));
    let url = reqwest::Url::parse(api.trim()).map_err(|e| bad(&e.to_string()))?;
    let host = url.host_str().ok_or_else(|| bad("no host"))?;
    let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(bad("must be an https:// address")),
    }
    if !url.username().is_empty() || url.query().is_some() || url.fragment().is_some() {
        return Err(bad("must be the API's address only"));
    }
    Ok(format!(
        "{}{}",
        url.origin().ascii_serialization(),
        url.path().trim_end_matches('/')
    ))
}

/// Runs the payload parsers and mapping on arbitrary bytes (the fuzz
/// target): it must never panic.
#[doc(hidden)]
pub fn fuzz_stackexchange(bytes: &[u8]) {
    api::fuzz(bytes);
}

/// The moment the daily quota comes back (midnight UTC).
fn until_quota_reset() -> Duration {
    let now = Timestamp::now().as_second();
    let next = (now / 86_400 + 1) * 86_400;
    Duration::from_secs(u64::try_from(next - now).unwrap_or(3600).max(1))
}

impl StackExchange {
    /// The connector for `site`, following `tags` (none: the whole site),
    /// with an app key or none; `api` replaces [`API`] (tests).
    pub fn new(
        site: &str,
        tags: &[String],
        api: Option<&str>,
        credentials: &Credentials,
    ) -> Result<StackExchange, ChannelError> {
        validate(site, tags, api)?;
        let key = match credentials {
            Credentials::None => None,
            Credentials::Token { token } if !token.trim().is_empty() => {
                Some(token.trim().to_string())
            }
            _ => {
                return Err(ChannelError::Permanent(
                    "Stack Exchange takes an app key (a token) or nothing".into(),
                ));
            }
        };
        Ok(StackExchange {
            api: api_base(api.unwrap_or(API))?,
            site: site.to_string(),
            tags: tags.to_vec(),
            key,
            http: http::client()?,
            limits: std::sync::Mutex::new(Limits::default()),
        })
    }

    /// The daily quota as last reported: requests left and the maximum.
    pub fn quota(&self) -> Option<(u64, u64)> {
        let limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
        Some((limits.quota_remaining?, limits.quota_max.unwrap_or(0)))
    }

    /// Calls `method` at `path` with `params` (the site, key and filter are
    /// added), honouring the quota and the method's backoff.
    async fn call(
        &self,
        method: &'static str,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<api::Wrapper, ChannelError> {
        {
            let limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(until) = limits.backoff.get(method)
                && let Some(wait) = until.checked_duration_since(Instant::now())
                && !wait.is_zero()
            {
                return Err(ChannelError::RateLimited {
                    retry_after: wait.max(Duration::from_secs(1)),
                });
            }
            if limits.quota_remaining.is_some_and(|q| q <= QUOTA_RESERVE) {
                return Err(ChannelError::RateLimited {
                    retry_after: until_quota_reset(),
                });
            }
        }
        let mut query: Vec<(&str, String)> =
            vec![("site", self.site.clone()), ("filter", "withbody".into())];
        if let Some(key) = &self.key {
            query.push(("key", key.clone()));
        }
        query.extend(params.iter().cloned());
        let url = reqwest::Url::parse_with_params(&format!("{}{path}", self.api), &query)
            .map_err(|e| ChannelError::Permanent(format!("Stack Exchange address: {e}")))?;
        let res = self
            .http
            .get(url)
            .header(reqwest::header::ACCEPT_ENCODING, "gzip")
            .send()
            .await
            .map_err(http::from_reqwest)?;
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.map_err(http::from_reqwest)?;
        let body = api::decode(&bytes).map_err(ChannelError::Transient)?;
        if let Some(e) = api::error(&body) {
            return Err(api_error(&e));
        }
        if !status.is_success() {
            return Err(http::from_status(status, &headers, &body));
        }
        let wrapper = api::parse(method, &body).map_err(ChannelError::Transient)?;
        let mut limits = self.limits.lock().unwrap_or_else(|e| e.into_inner());
        if wrapper.quota_remaining.is_some() {
            limits.quota_remaining = wrapper.quota_remaining;
            limits.quota_max = wrapper.quota_max.or(limits.quota_max);
        }
        if let Some(secs) = wrapper.backoff.filter(|s| *s > 0) {
            let wait = Duration::from_secs(secs).min(http::MAX_RETRY_AFTER);
            limits.backoff.insert(method, Instant::now() + wait);
        }
        Ok(wrapper)
    }

    /// Every page of `method` (answers or comments) for `ids`, at most
    /// [`SUB_PAGES`].
    async fn all_pages(
        &self,
        method: &'static str,
        path: &str,
        params: &[(&str, String)],
    ) -> Result<Vec<serde_json::Value>, ChannelError> {
        let mut items = Vec::new();
        for page in 1..=SUB_PAGES {
            let mut with_page = params.to_vec();
            with_page.push(("page", page.to_string()));
            with_page.push(("pagesize", PAGE.to_string()));
            let w = self.call(method, path, &with_page).await?;
            let more = w.has_more;
            items.extend(w.items);
            if !more {
                break;
            }
        }
        Ok(items)
    }

    /// Reads one tag ("" for the whole site) from its mark, page by page.
    async fn read_tag(
        &self,
        tag: &str,
        mark: &mut api::Mark,
        pages_left: &mut usize,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        // One listing: the same `min` for all its pages.
        let at = mark.tags.get(tag).map_or(0, |t| t.at);
        for page in 1.. {
            if *pages_left == 0 {
                return Ok(More::Yes);
            }
            let mut params = vec![
                ("sort", "activity".to_string()),
                ("order", "asc".to_string()),
                ("min", at.to_string()),
                ("page", page.to_string()),
                ("pagesize", PAGE.to_string()),
            ];
            if !tag.is_empty() {
                params.push(("tagged", tag.to_string()));
            }
            let w = self.call("questions", "/questions", &params).await?;
            let questions: Vec<api::Question> = w
                .items::<api::Question>("questions")
                .into_iter()
                .flatten()
                .collect();
            let complete = !w.has_more;
            let tag_mark = mark
                .tags
                .entry(tag.to_string())
                .or_insert_with(|| api::TagMark::from(at));
            let page_items = self.page_items(&questions, tag_mark).await?;
            let last_activity = questions
                .iter()
                .map(|q| q.last_activity_date)
                .max()
                .unwrap_or(at);
            let mut items = Vec::new();
            let mut seen = Vec::new();
            for (time, message) in page_items {
                seen.push((message.external_id.clone(), time));
                items.push(IncomingItem::Message(message));
            }
            tag_mark.advance(last_activity, seen, complete);
            if !items.is_empty() || complete {
                hand_over(
                    sink,
                    Page {
                        items,
                        deleted: Vec::new(),
                        cursor: Some(Cursor(mark.text())),
                    },
                )
                .await?;
            }
            *pages_left -= 1;
            if complete || questions.is_empty() {
                return Ok(More::No);
            }
        }
        Ok(More::No)
    }

    /// The questions of one page, their answers and the comments on both
    /// that are new to `mark`, each with the time that makes it new,
    /// parents first.
    async fn page_items(
        &self,
        questions: &[api::Question],
        mark: &api::TagMark,
    ) -> Result<Vec<(i64, tend_domain::IncomingMessage)>, ChannelError> {
        let mut out = Vec::new();
        if questions.is_empty() {
            return Ok(out);
        }
        let floor = mark.floor;
        for q in questions {
            let time = q.creation_date.max(q.last_edit_date.unwrap_or(0));
            if mark.fresh(&api::post_id(q.question_id), time)
                && let Ok(m) = api::question(q)
            {
                out.push((time, m));
            }
        }
        let ids: Vec<String> = questions
            .iter()
            .map(|q| q.question_id.to_string())
            .collect();
        let path = format!("/questions/{}/answers", ids.join(";"));
        let params = [
            ("sort", "activity".to_string()),
            ("order", "asc".to_string()),
            ("min", floor.to_string()),
        ];
        let answers: Vec<api::Answer> = self
            .all_pages("answers", &path, &params)
            .await?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect();
        let mut question_of: HashMap<u64, u64> = questions
            .iter()
            .map(|q| (q.question_id, q.question_id))
            .collect();
        for a in &answers {
            question_of.insert(a.answer_id, a.question_id);
            let time = a.creation_date.max(a.last_edit_date.unwrap_or(0));
            if mark.fresh(&api::post_id(a.answer_id), time)
                && let Ok(m) = api::answer(a)
            {
                out.push((time, m));
            }
        }
        let mut posts: Vec<u64> = question_of.keys().copied().collect();
        posts.sort_unstable();
        let params = [
            ("sort", "creation".to_string()),
            ("order", "asc".to_string()),
            ("min", floor.to_string()),
        ];
        let mut done = HashSet::new();
        for chunk in posts.chunks(PAGE) {
            let ids: Vec<String> = chunk.iter().map(u64::to_string).collect();
            let path = format!("/posts/{}/comments", ids.join(";"));
            for value in self.all_pages("comments", &path, &params).await? {
                let Ok(c) = serde_json::from_value::<api::Comment>(value) else {
                    continue;
                };
                let key = format!("comment-{}", c.comment_id);
                let Some(question) = question_of.get(&c.post_id).copied() else {
                    continue;
                };
                if done.insert(c.comment_id)
                    && mark.fresh(&key, c.creation_date)
                    && let Ok(m) = api::comment(
                        &c,
                        question,
                        questions
                            .iter()
                            .find(|q| q.question_id == question)
                            .and_then(|q| q.link.as_deref()),
                    )
                {
                    out.push((c.creation_date, m));
                }
            }
        }
        Ok(out)
    }
}

/// What the API's error wrapper means.
fn api_error(e: &api::Error) -> ChannelError {
    let message = e.error_message.clone().unwrap_or_default();
    let reason = format!(
        "Stack Exchange error {} {}: {}",
        e.error_id.unwrap_or(0),
        e.error_name.as_deref().unwrap_or("?"),
        http::short(&message)
    );
    match e.error_id.unwrap_or(0) {
        502 => ChannelError::RateLimited {
            retry_after: api::seconds_in(&message)
                .map_or(Duration::from_secs(60), Duration::from_secs)
                .clamp(Duration::from_secs(1), http::MAX_RETRY_AFTER),
        },
        401..=403 | 405 | 406 => ChannelError::Unauthorized(reason),
        400 if message.trim() == "key" || message.contains("key is") => {
            ChannelError::Unauthorized(reason)
        }
        500 | 503 => ChannelError::Transient(reason),
        _ => ChannelError::Permanent(reason),
    }
}

async fn hand_over(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a page: {e}")))
}

#[async_trait]
impl Source for StackExchange {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let mut mark = match since {
            Some(c) => api::Mark::parse(&c.0).map_err(ChannelError::Permanent)?,
            None => api::Mark::default(),
        };
        let tags: Vec<String> = if self.tags.is_empty() {
            vec![String::new()]
        } else {
            self.tags.clone()
        };
        for tag in &tags {
            // A tag new to the cursor (or the first read) starts at the horizon.
            mark.tags
                .entry(tag.clone())
                .or_insert_with(|| api::TagMark::from(window.backfill_from.as_second()));
        }
        mark.tags.retain(|t, _| tags.contains(t));
        let mut pages_left = window.max_pages.max(1);
        let mut more = More::No;
        for tag in &tags {
            if self.read_tag(tag, &mut mark, &mut pages_left, sink).await? == More::Yes {
                more = More::Yes;
            }
        }
        Ok(more)
    }
}

#[async_trait]
impl Publisher for StackExchange {
    async fn publish(&self, _post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        Err(ChannelError::Permanent(
            "Stack Exchange is read-only in Tend: answer on the site itself".into(),
        ))
    }

    /// Nothing is ever published, so nothing is there.
    async fn lookup(&self, _post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        Ok(None)
    }

    async fn delete(&self, _item: &RemoteRef) -> Result<(), ChannelError> {
        Err(ChannelError::Permanent(
            "Stack Exchange is read-only in Tend".into(),
        ))
    }
}

#[async_trait]
impl Connector for StackExchange {
    /// Asks the site's `/info` (the key and the site are checked; the quota
    /// is read).
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        self.call("info", "/info", &[]).await?;
        Ok(AccountInfo {
            handle: None,
            token_expires_at: None,
            max_chars: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_refuse_hostile_values_naming_the_setting() {
        assert!(validate("stackoverflow", &["rust".into(), "c#".into()], None).is_ok());
        assert!(validate("meta.stackexchange", &[], Some("http://127.0.0.1:9/2.3")).is_ok());
        let cases: [(&str, &[String], Option<&str>, &str); 4] = [
            ("Stack/Overflow", &[], None, "stackexchange.site"),
            ("so", &["a b".to_string()], None, "stackexchange.tags"),
            (
                "so",
                &[],
                Some("http://evil.example/2.3"),
                "stackexchange.api",
            ),
            ("", &[], None, "stackexchange.site"),
        ];
        for (site, tags, api, name) in cases {
            assert!(
                matches!(validate(site, tags, api), Err(ChannelError::Permanent(m)) if m.starts_with(name)),
                "{site} {tags:?} {api:?}"
            );
        }
    }

    #[test]
    fn api_errors_map_to_what_the_runner_must_do() {
        let e = |id: u64, name: &str, message: &str| api::Error {
            error_id: Some(id),
            error_name: Some(name.into()),
            error_message: Some(message.into()),
        };
        assert_eq!(
            api_error(&e(
                502,
                "throttle_violation",
                "too many requests from this IP, more requests available in 82 seconds"
            )),
            ChannelError::RateLimited {
                retry_after: Duration::from_secs(82)
            }
        );
        assert!(matches!(
            api_error(&e(400, "bad_parameter", "key")),
            ChannelError::Unauthorized(_)
        ));
        assert!(matches!(
            api_error(&e(403, "access_denied", "")),
            ChannelError::Unauthorized(_)
        ));
        assert!(matches!(
            api_error(&e(400, "bad_parameter", "site")),
            ChannelError::Permanent(_)
        ));
        assert!(matches!(
            api_error(&e(503, "temporarily_unavailable", "")),
            ChannelError::Transient(_)
        ));
        let reset = until_quota_reset();
        assert!(reset > Duration::ZERO && reset <= Duration::from_secs(86_400));
    }
}
