//! YouTube (Data API v3): the comments on a channel's videos in, replies,
//! moderation and deletions out. Tend does not upload videos, and a new
//! top-level comment is not offered as a "post" (publishing is refused).
//!
//! - **Reading** polls `commentThreads.list?allThreadsRelatedToChannelId=…&order=time`
//!   (newest threads first, `pageToken` paging) down to the newest thread
//!   already read (the cursor keeps its `publishedAt`), and hands the new
//!   threads over oldest first, each top-level comment with its replies
//!   (`comments.list?parentId=` when the thread carries fewer than it has).
//!   Without a cursor it reads back to the backfill horizon.
//! - **Replies, edits and deletions** on threads already read: the cursor
//!   watches the 20 most recent threads (reply count, top comment's
//!   `updatedAt`) and the 50 most recent replies; each pull asks about them
//!   in one `commentThreads.list?id=` and one `comments.list?id=` (a unit
//!   each): a thread whose count moved has its replies read, a changed
//!   `updatedAt` is an edit (same external id, `edited_at`), a comment no
//!   longer served (deleted, held or rejected) goes to [`Page::deleted`].
//!   Replies to older threads are not seen: the API has no feed of them.
//! - **Replying** is `comments.insert` with `snippet.parentId` (a reply to
//!   a reply goes to its thread, as YouTube threads only one level). There
//!   is no idempotency key: the key carries the moment of the first attempt,
//!   and [`Publisher::lookup`] reads the thread's replies for one by the
//!   channel with the same text from then on.
//! - **Moderation** ([`Moderate`]): `comments.setModerationStatus`
//!   (heldForReview, published, rejected) and `comments.delete`.
//! - **Quota**: every call costs units (a list 1; insert, moderation and
//!   delete 50; 10,000 a day by default). The process counts what it
//!   spends per channel and Pacific day ([`Youtube::quota`], kept across
//!   the connector's rebuilds after a token refresh); once YouTube answers
//!   `quotaExceeded` it sends nothing until the next midnight in
//!   Los Angeles ([`ChannelError::RateLimited`] until then).
//! - **Credentials**: Google OAuth tokens (refreshed at the token endpoint
//!   before they expire or once when refused, and reported through
//!   [`Connector::refreshed`]), or an API key, which only reads.

mod api;
mod call;
mod quota;

#[doc(hidden)]
pub use api::fuzz as fuzz_youtube;
pub use quota::{QuotaUsage, next_pacific_midnight, pacific_day};

use super::moderate::{Moderate, Moderation};
use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, Sink, Source, Window, http,
};
use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use tend_domain::IncomingItem;

/// Google's API address.
pub const API_URL: &str = "https://www.googleapis.com";
/// Google's token endpoint.
pub const TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// The scope Tend asks for (read, reply, moderate).
pub const SCOPES: &str = "https://www.googleapis.com/auth/youtube.force-ssl";
/// A day's quota on a new Google Cloud project.
pub const DEFAULT_DAILY_QUOTA: u64 = 10_000;

/// What a call costs in quota units.
const LIST_UNITS: u64 = 1;
const WRITE_UNITS: u64 = 50;
/// Threads or comments per page (YouTube's maximum).
const PAGE: usize = 100;
/// How many pages of threads a read walks down at most.
const MAX_WALK_PAGES: usize = 20;
/// How many pages of one thread's replies are read at most.
const MAX_REPLY_PAGES: usize = 5;
/// Threads and replies watched for new replies, edits and deletions.
const WATCHED_THREADS: usize = 20;
const WATCHED_REPLIES: usize = 50;
/// Clock skew allowed between Tend and YouTube when a lookup dates attempts.
const SKEW_SECS: i64 = 300;
/// YouTube's longest comment.
const MAX_CHARS: usize = 10_000;

/// The connector of one YouTube channel.
pub struct Youtube {
    api: String,
    token_url: String,
    channel_id: String,
    /// The API key, when the channel reads with one instead of OAuth.
    key: Option<String>,
    http: reqwest::Client,
    auth: tokio::sync::Mutex<Grant>,
    refreshed: std::sync::Mutex<Option<Credentials>>,
    /// This channel's entry in the process's quota ledger.
    ledger_key: String,
}

enum Grant {
    Key(String),
    OAuth {
        access_token: String,
        refresh_token: Option<String>,
        expires_at: Option<Timestamp>,
        client_id: String,
        client_secret: Option<String>,
    },
}

/// Where reading stopped: the newest top-level comment read (its time, and
/// the ids read at that very time), and what is watched.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct State {
    #[serde(default)]
    newest: Option<String>,
    #[serde(default)]
    at_newest: Vec<String>,
    #[serde(default)]
    threads: Vec<Watched>,
    /// Replies watched: id and `updatedAt`.
    #[serde(default)]
    replies: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Watched {
    id: String,
    replies: i64,
    updated: String,
    /// `publishedAt` of the newest reply read.
    last_reply: String,
}

impl State {
    /// A stored cursor, every id in it checked (they go into queries).
    fn parse(text: &str) -> Result<State, ChannelError> {
        let state: State = serde_json::from_str(text)
            .map_err(|e| ChannelError::Permanent(format!("youtube cursor: {e}")))?;
        let threads = state.threads.iter().map(|t| t.id.as_str());
        for id in threads.chain(state.replies.iter().map(|(id, _)| id.as_str())) {
            api::check_id("cursor", id).map_err(ChannelError::Permanent)?;
        }
        Ok(state)
    }

    fn cursor(&self) -> Cursor {
        Cursor(serde_json::to_string(self).unwrap_or_default())
    }

    fn watch_thread(&mut self, w: Watched) {
        self.threads.retain(|t| t.id != w.id);
        self.threads.push(w);
        let extra = self.threads.len().saturating_sub(WATCHED_THREADS);
        self.threads.drain(..extra);
    }

    fn watch_reply(&mut self, id: &str, updated: &str) {
        self.replies.retain(|(r, _)| r != id);
        self.replies.push((id.to_string(), updated.to_string()));
        let extra = self.replies.len().saturating_sub(WATCHED_REPLIES);
        self.replies.drain(..extra);
    }
}

/// Checks the settings, naming the one that is wrong.
pub fn validate(
    channel_id: &str,
    api: Option<&str>,
    token_url: Option<&str>,
) -> Result<(), ChannelError> {
    let ok = channel_id.len() == 24
        && channel_id.starts_with("UC")
        && channel_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        return Err(ChannelError::Permanent(format!(
            "youtube.channel_id: {:?} is not a channel id (UC and 22 letters, digits, - or _)",
            channel_id.chars().take(40).collect::<String>()
        )));
    }
    if let Some(url) = api {
        super::reddit::base_url("youtube.api", url)?;
    }
    if let Some(url) = token_url {
        super::reddit::base_url("youtube.token_url", url)?;
    }
    Ok(())
}

impl Youtube {
    /// The connector of `channel_id`, with OAuth tokens or an API key.
    pub fn new(
        channel_id: &str,
        api: Option<&str>,
        token_url: Option<&str>,
        credentials: &Credentials,
    ) -> Result<Youtube, ChannelError> {
        validate(channel_id, api, token_url)?;
        let auth = match credentials {
            Credentials::Token { token } if !token.trim().is_empty() => {
                Grant::Key(token.trim().to_string())
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
            _ => {
                return Err(ChannelError::Permanent(
                    "youtube: connect with Google OAuth tokens (or an API key to only read)".into(),
                ));
            }
        };
        let api = super::reddit::base_url("youtube.api", api.unwrap_or(API_URL))?;
        Ok(Youtube {
            ledger_key: format!("{api}#{channel_id}"),
            api,
            token_url: super::reddit::base_url(
                "youtube.token_url",
                token_url.unwrap_or(TOKEN_URL),
            )?,
            channel_id: channel_id.to_string(),
            key: match &auth {
                Grant::Key(k) => Some(k.clone()),
                Grant::OAuth { .. } => None,
            },
            http: http::client()?,
            auth: tokio::sync::Mutex::new(auth),
            refreshed: std::sync::Mutex::new(None),
        })
    }

    /// Every reply of `thread` (up to [`MAX_REPLY_PAGES`] pages).
    async fn replies_of(&self, thread: &str) -> Result<Vec<api::Comment>, ChannelError> {
        api::check_id("thread", thread).map_err(ChannelError::Permanent)?;
        let mut out = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_REPLY_PAGES {
            let body = self
                .get(&format!(
                    "comments?part=snippet&parentId={thread}&maxResults={PAGE}&textFormat=plainText{token}"
                ))
                .await?;
            let list: api::CommentList =
                api::parse("comments", &body).map_err(ChannelError::Transient)?;
            out.extend(
                api::items::<api::Comment>("comments", list.items)
                    .into_iter()
                    .filter_map(Result::ok),
            );
            match list
                .next_page_token
                .filter(|t| !t.is_empty() && t.len() <= 2048)
            {
                Some(next) => token = format!("&pageToken={}", encode(&next)),
                None => break,
            }
        }
        Ok(out)
    }

    /// Threads newer than the cursor (or the horizon), newest first.
    async fn new_threads(
        &self,
        state: &State,
        horizon: Timestamp,
    ) -> Result<Vec<api::Thread>, ChannelError> {
        let floor = state
            .newest
            .as_deref()
            .and_then(|t| t.parse::<Timestamp>().ok())
            .unwrap_or(horizon);
        let mut found = Vec::new();
        let mut token = String::new();
        for _ in 0..MAX_WALK_PAGES {
            let body = self
                .get(&format!(
                    "commentThreads?part=snippet%2Creplies&allThreadsRelatedToChannelId={}&order=time&maxResults={PAGE}&textFormat=plainText{token}",
                    self.channel_id
                ))
                .await?;
            let list: api::ThreadList =
                api::parse("commentThreads", &body).map_err(ChannelError::Transient)?;
            let mut reached = false;
            for thread in api::items::<api::Thread>("commentThreads", list.items)
                .into_iter()
                .filter_map(Result::ok)
            {
                let at = thread
                    .snippet
                    .top_level_comment
                    .snippet
                    .published_at
                    .parse::<Timestamp>()
                    .ok();
                let newer = match at {
                    Some(at) if at > floor => true,
                    Some(at) if at == floor => {
                        state.newest.is_none() || !state.at_newest.contains(&thread.id)
                    }
                    _ => false,
                };
                if newer {
                    found.push(thread);
                } else if at.is_some() {
                    reached = true;
                }
            }
            match list
                .next_page_token
                .filter(|t| !t.is_empty() && t.len() <= 2048)
            {
                Some(next) if !reached => token = format!("&pageToken={}", encode(&next)),
                _ => break,
            }
        }
        Ok(found)
    }

    /// Asks about the watched threads and replies: new replies, edits and
    /// deletions go into one page.
    async fn recheck(&self, state: &mut State, sink: &mut dyn Sink) -> Result<(), ChannelError> {
        let mut page = Page::default();
        if !state.threads.is_empty() {
            let ids: Vec<String> = state.threads.iter().map(|t| t.id.clone()).collect();
            let body = self
                .get(&format!(
                    "commentThreads?part=snippet&id={}&textFormat=plainText",
                    ids.join("%2C")
                ))
                .await?;
            let list: api::ThreadList =
                api::parse("commentThreads", &body).map_err(ChannelError::Transient)?;
            let seen: Vec<api::Thread> = api::items("commentThreads", list.items)
                .into_iter()
                .filter_map(Result::ok)
                .collect();
            for watched in state.threads.clone() {
                let Some(thread) = seen.iter().find(|t| t.id == watched.id) else {
                    page.deleted.push(watched.id.clone());
                    state.threads.retain(|t| t.id != watched.id);
                    continue;
                };
                let top = &thread.snippet.top_level_comment;
                let count = thread.snippet.total_reply_count.unwrap_or(0);
                let updated = top.snippet.updated_at.clone().unwrap_or_default();
                if updated != watched.updated
                    && let Ok(m) = api::message(
                        top,
                        &self.channel_id,
                        thread.snippet.video_id.as_deref(),
                        count,
                    )
                {
                    page.items.push(IncomingItem::Message(m));
                }
                let mut now = Watched {
                    updated,
                    replies: count,
                    ..watched.clone()
                };
                if count != watched.replies {
                    for reply in self.replies_of(&watched.id).await? {
                        if later(&reply.snippet.published_at, &watched.last_reply)
                            && let Ok(m) = api::message(
                                &reply,
                                &self.channel_id,
                                thread.snippet.video_id.as_deref(),
                                0,
                            )
                        {
                            state.watch_reply(
                                &reply.id,
                                reply.snippet.updated_at.as_deref().unwrap_or_default(),
                            );
                            page.items.push(IncomingItem::Message(m));
                        }
                        if later(&reply.snippet.published_at, &now.last_reply) {
                            now.last_reply = reply.snippet.published_at.clone();
                        }
                    }
                }
                if let Some(w) = state.threads.iter_mut().find(|t| t.id == now.id) {
                    *w = now;
                }
            }
        }
        if !state.replies.is_empty() {
            let ids: Vec<String> = state.replies.iter().map(|(id, _)| id.clone()).collect();
            let body = self
                .get(&format!(
                    "comments?part=snippet&id={}&textFormat=plainText",
                    ids.join("%2C")
                ))
                .await?;
            let list: api::CommentList =
                api::parse("comments", &body).map_err(ChannelError::Transient)?;
            let seen: Vec<api::Comment> = api::items("comments", list.items)
                .into_iter()
                .filter_map(Result::ok)
                .collect();
            for (id, updated) in state.replies.clone() {
                match seen.iter().find(|c| c.id == id) {
                    None => {
                        page.deleted.push(id.clone());
                        state.replies.retain(|(r, _)| *r != id);
                    }
                    Some(c) if c.snippet.updated_at.as_deref().unwrap_or_default() != updated => {
                        if let Ok(m) = api::message(c, &self.channel_id, None, 0) {
                            page.items.push(IncomingItem::Message(m));
                        }
                        state.watch_reply(&id, c.snippet.updated_at.as_deref().unwrap_or_default());
                    }
                    Some(_) => {}
                }
            }
        }
        if !page.items.is_empty() || !page.deleted.is_empty() {
            page.cursor = Some(state.cursor());
            sink_page(sink, page).await?;
        }
        Ok(())
    }
}

/// Whether RFC 3339 time `a` is after `b` (YouTube writes some with
/// milliseconds and some without, so the strings do not compare); an
/// unreadable `b` is before everything.
fn later(a: &str, b: &str) -> bool {
    match (a.parse::<Timestamp>(), b.parse::<Timestamp>()) {
        (Ok(a), Ok(b)) => a > b,
        (Ok(_), Err(_)) => true,
        _ => false,
    }
}

/// A page token as a query value: everything but unreserved characters
/// percent-encoded (a token is opaque and may hold `+`, `/` or `=`).
fn encode(token: &str) -> String {
    let mut out = String::with_capacity(token.len());
    for b in token.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn sink_page(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a page: {e}")))
}

/// The moment of the first attempt in a key made by [`Publisher::new_key`].
fn attempted_at(key: &str) -> Option<i64> {
    key.rsplit_once('@')?.1.parse().ok()
}

/// The thread a reply goes to: YouTube threads one level, so a reply to a
/// reply (`thread.reply`) answers its thread.
fn thread_of(target: &super::ReplyTarget) -> String {
    target.thread_external_id.clone().unwrap_or_else(|| {
        target
            .external_id
            .split('.')
            .next()
            .unwrap_or_default()
            .to_string()
    })
}

#[async_trait]
impl Source for Youtube {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let mut state: State = match since {
            Some(c) => State::parse(&c.0)?,
            None => State::default(),
        };
        if since.is_some() {
            self.recheck(&mut state, sink).await?;
        }
        let mut threads = self.new_threads(&state, window.backfill_from).await?;
        threads.reverse();
        if threads.is_empty() && since.is_none() {
            // Nothing to backfill: read from now on.
            state.newest = Some(window.backfill_from.to_string());
            let page = Page {
                cursor: Some(state.cursor()),
                ..Page::default()
            };
            sink_page(sink, page).await?;
        }
        let mut threads = threads.into_iter().peekable();
        while threads.peek().is_some() {
            let chunk: Vec<api::Thread> = threads.by_ref().take(PAGE / 2).collect();
            let mut page = Page::default();
            for thread in chunk {
                let s = &thread.snippet;
                let top = &s.top_level_comment;
                let count = s.total_reply_count.unwrap_or(0);
                let video = s.video_id.as_deref();
                if let Ok(m) = api::message(top, &self.channel_id, video, count) {
                    page.items.push(IncomingItem::Message(m));
                }
                let carried = thread.replies.as_ref().map_or(0, |r| r.comments.len());
                let replies = if i64::try_from(carried).unwrap_or(0) < count {
                    self.replies_of(&thread.id).await?
                } else {
                    thread.replies.map(|r| r.comments).unwrap_or_default()
                };
                let mut last_reply = String::new();
                for reply in &replies {
                    if let Ok(m) = api::message(reply, &self.channel_id, video, 0) {
                        page.items.push(IncomingItem::Message(m));
                        state.watch_reply(
                            &reply.id,
                            reply.snippet.updated_at.as_deref().unwrap_or_default(),
                        );
                    }
                    if later(&reply.snippet.published_at, &last_reply) {
                        last_reply = reply.snippet.published_at.clone();
                    }
                }
                state.watch_thread(Watched {
                    id: thread.id.clone(),
                    replies: count,
                    updated: top.snippet.updated_at.clone().unwrap_or_default(),
                    last_reply,
                });
                let at = top.snippet.published_at.clone();
                if state.newest.as_deref() == Some(at.as_str()) {
                    state.at_newest.push(thread.id.clone());
                } else {
                    state.newest = Some(at);
                    state.at_newest = vec![thread.id.clone()];
                }
            }
            page.cursor = Some(state.cursor());
            sink_page(sink, page).await?;
        }
        Ok(More::No)
    }
}

#[async_trait]
impl Publisher for Youtube {
    /// The key carries the moment of the first attempt (`…@epoch-seconds`):
    /// a lookup reads the thread's replies from then on.
    fn new_key(&self, unique: &str, now: Timestamp) -> String {
        format!("{unique}@{}", now.as_second())
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        let Some(target) = &post.reply_to else {
            return Err(ChannelError::Permanent(
                "youtube: Tend replies to comments; it does not publish videos or new comments"
                    .into(),
            ));
        };
        if post.text.trim().is_empty() || post.text.chars().count() > MAX_CHARS {
            return Err(ChannelError::Permanent(format!(
                "youtube: a reply must have between 1 and {MAX_CHARS} characters"
            )));
        }
        if matches!(&*self.auth.lock().await, Grant::Key(_)) {
            return Err(ChannelError::Permanent(
                "youtube: an API key only reads; connect with OAuth to reply".into(),
            ));
        }
        let thread = thread_of(target);
        api::check_id("reply target", &thread).map_err(ChannelError::Permanent)?;
        let url = self.url("comments?part=snippet");
        let body = serde_json::json!({"snippet": {"parentId": thread, "textOriginal": post.text}});
        let res = self.send(WRITE_UNITS, |c| c.post(&url).json(&body)).await?;
        let answer = self.answer(res, "comments.insert").await?;
        // Posted but unreadable: the outcome is unknown, `lookup` settles it.
        let comment: api::Comment =
            api::parse("comments.insert", &answer).map_err(ChannelError::Transient)?;
        api::check_id("comments.insert", &comment.id).map_err(ChannelError::Transient)?;
        Ok(RemoteRef {
            url: comment
                .snippet
                .video_id
                .map(|v| format!("https://www.youtube.com/watch?v={v}&lc={}", comment.id)),
            id: comment.id,
        })
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let Some(target) = &post.reply_to else {
            return Ok(None);
        };
        let since = attempted_at(&post.key).map_or(i64::MIN, |t| t - SKEW_SECS);
        let want = api::same_text(&post.text);
        let found = self
            .replies_of(&thread_of(target))
            .await?
            .into_iter()
            .find(|c| {
                let s = &c.snippet;
                let ours = s
                    .author_channel_id
                    .as_ref()
                    .is_some_and(|a| a.value == self.channel_id);
                let at = s
                    .published_at
                    .parse::<Timestamp>()
                    .map_or(i64::MIN, |t| t.as_second());
                ours && at >= since
                    && api::same_text(s.text_original.as_deref().unwrap_or_default()) == want
            });
        Ok(found.map(|c| RemoteRef {
            id: c.id,
            url: None,
        }))
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        api::check_id("delete", &item.id).map_err(ChannelError::Permanent)?;
        let url = self.url(&format!("comments?id={}", item.id));
        let res = self.send(WRITE_UNITS, |c| c.delete(&url)).await?;
        if res.status() == StatusCode::NOT_FOUND {
            return Ok(());
        }
        self.answer(res, "comments.delete").await.map(|_| ())
    }
}

#[async_trait]
impl Moderate for Youtube {
    fn actions(&self) -> &'static [Moderation] {
        &[
            Moderation::Hold,
            Moderation::Approve,
            Moderation::Remove,
            Moderation::Delete,
        ]
    }

    async fn moderate(&self, external_id: &str, action: Moderation) -> Result<(), ChannelError> {
        api::check_id("moderate", external_id).map_err(ChannelError::Permanent)?;
        let status = match action {
            Moderation::Hold => "heldForReview",
            Moderation::Approve => "published",
            Moderation::Remove => "rejected",
            Moderation::Delete => {
                return self
                    .delete(&RemoteRef {
                        id: external_id.to_string(),
                        url: None,
                    })
                    .await;
            }
            Moderation::Lock => {
                return Err(ChannelError::Permanent("youtube has no lock action".into()));
            }
        };
        let url = self.url(&format!(
            "comments/setModerationStatus?id={external_id}&moderationStatus={status}"
        ));
        let res = self.send(WRITE_UNITS, |c| c.post(&url)).await?;
        self.answer(res, "comments.setModerationStatus")
            .await
            .map(|_| ())
    }
}

#[async_trait]
impl Connector for Youtube {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let oauth = matches!(&*self.auth.lock().await, Grant::OAuth { .. });
        let query = if oauth {
            "channels?part=snippet&mine=true".to_string()
        } else {
            format!("channels?part=snippet&id={}", self.channel_id)
        };
        let body = self.get(&query).await?;
        let list: api::ChannelList =
            api::parse("channels", &body).map_err(ChannelError::Transient)?;
        let Some(channel) = list.items.into_iter().find(|c| c.id == self.channel_id) else {
            return Err(ChannelError::Permanent(format!(
                "youtube: the credentials do not give access to channel {}",
                self.channel_id
            )));
        };
        let token_expires_at = match &*self.auth.lock().await {
            Grant::OAuth { expires_at, .. } => *expires_at,
            Grant::Key(_) => None,
        };
        let snippet = channel.snippet;
        Ok(AccountInfo {
            handle: snippet
                .as_ref()
                .and_then(|s| s.custom_url.clone())
                .or_else(|| snippet.and_then(|s| s.title)),
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
        assert!(validate("UCa-vrCLQHviTOVnEKDOdetQ", None, None).is_ok());
        for (bad, name) in [
            ("UC../../x", "youtube.channel_id"),
            ("UCa-vrCLQHviTOVnEKDOdet&", "youtube.channel_id"),
        ] {
            assert!(
                validate(bad, None, None)
                    .unwrap_err()
                    .to_string()
                    .contains(name)
            );
        }
        let err = validate(
            "UCa-vrCLQHviTOVnEKDOdetQ",
            Some("http://evil.example"),
            None,
        );
        assert!(err.unwrap_err().to_string().contains("youtube.api"));
        let err = validate("UCa-vrCLQHviTOVnEKDOdetQ", None, Some("ftp://x"));
        assert!(err.unwrap_err().to_string().contains("youtube.token_url"));
    }

    #[test]
    fn replies_to_replies_go_to_their_thread() {
        let target = |id: &str| super::super::ReplyTarget {
            external_id: id.into(),
            thread_external_id: None,
            author_external_id: None,
            author_handle: None,
            title: None,
        };
        assert_eq!(thread_of(&target("Ugy.abc")), "Ugy");
        assert_eq!(thread_of(&target("Ugy")), "Ugy");
        assert_eq!(attempted_at("tend-1-2@1800000000"), Some(1_800_000_000));
        assert_eq!(encode("a+b/c=="), "a%2Bb%2Fc%3D%3D");
    }
}
