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
//!   [`api::WATCHED`] posts read. Each read walks back past them, so a
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

use super::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Page, Publisher,
    RemoteRef, Sink, Source, Window, http,
};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use std::collections::{HashMap, HashSet};
use tend_domain::IncomingItem;

/// How far back one read walks at most (`/posts.json` gives 50 a page):
/// a forum that wrote more since the last read loses the oldest of it.
const MAX_WALK_PAGES: usize = 100;
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

/// One post of a walk, with what the connector needs to decide about it.
struct Walked {
    brief: api::Brief,
    value: serde_json::Value,
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

    /// The topics of the followed tags (their first pages).
    async fn tagged_topics(&self) -> Result<HashSet<u64>, ChannelError> {
        let mut topics = HashSet::new();
        for tag in &self.tags {
            let body = self.get(&format!("/tag/{tag}.json")).await?;
            let list = api::topic_list("tag", &body).map_err(ChannelError::Transient)?;
            topics.extend(list.iter().map(|t| t.id));
        }
        Ok(topics)
    }

    fn followed(&self, brief: &api::Brief, tagged: &HashSet<u64>) -> bool {
        if self.categories.is_empty() && self.tags.is_empty() {
            return true;
        }
        brief
            .category_id
            .is_some_and(|c| self.categories.contains(&c))
            || tagged.contains(&brief.topic_id)
    }

    /// Walks `/posts.json` back, newest first, until `stop` holds for a
    /// post (that post and older are kept too, for edits and deletions) or
    /// the forum has no older post. Answers the posts, newest first, and
    /// whether the walk got as far as it had to.
    async fn walk(
        &self,
        stop: impl Fn(&api::Brief) -> bool,
    ) -> Result<(Vec<Walked>, bool), ChannelError> {
        let mut walked: Vec<Walked> = Vec::new();
        let mut before: Option<u64> = None;
        for _ in 0..MAX_WALK_PAGES {
            let path = match before {
                Some(id) => format!("/posts.json?before={id}"),
                None => "/posts.json".to_string(),
            };
            let body = self.get(&path).await?;
            let entries = api::latest_posts(&body).map_err(ChannelError::Transient)?;
            let mut oldest: Option<u64> = None;
            let mut stopped = false;
            for entry in entries {
                // A post without a readable id, topic or number cannot be
                // placed: it is skipped, the others are read.
                let Ok(brief) = entry.brief else { continue };
                if before.is_some_and(|b| brief.id >= b) {
                    continue;
                }
                oldest = Some(oldest.map_or(brief.id, |o| o.min(brief.id)));
                stopped |= stop(&brief);
                walked.push(Walked {
                    brief,
                    value: entry.value,
                });
            }
            match oldest {
                Some(o) if !stopped && o > 1 => before = Some(o),
                _ => return Ok((walked, true)),
            }
        }
        Ok((walked, false))
    }

    /// Reads the forum's posts since `mark` into pages for `sink`.
    async fn read_posts(
        &self,
        mark: &mut api::Mark,
        backfill_from: Option<Timestamp>,
        max_pages: usize,
        brand: &str,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let tagged = if self.tags.is_empty() {
            HashSet::new()
        } else {
            self.tagged_topics().await?
        };
        let floor = mark.floor();
        mark.recent.retain(|w| w[0] >= floor);
        let (mut walked, complete) = match backfill_from {
            Some(from) => {
                self.walk(|b| b.created().is_some_and(|at| at < from))
                    .await?
            }
            None => self.walk(|b| b.id <= floor).await?,
        };
        walked.sort_by_key(|w| w.brief.id);
        walked.dedup_by_key(|w| w.brief.id);
        if let Some(from) = backfill_from {
            // Older than the horizon: where the forward read starts.
            mark.post = walked
                .iter()
                .filter(|w| w.brief.created().is_some_and(|at| at < from))
                .map(|w| w.brief.id)
                .max()
                .unwrap_or(0);
            walked.retain(|w| w.brief.id > mark.post);
        }

        // Edits and deletions among the watched posts.
        let mut first = Page::default();
        if complete && backfill_from.is_none() {
            let seen: HashMap<u64, &Walked> = walked.iter().map(|w| (w.brief.id, w)).collect();
            for [id, version, topic, number] in mark.recent.clone() {
                match seen.get(&id) {
                    Some(w) if w.brief.gone() => {
                        first.deleted.push(external_id(&w.brief));
                        mark.forget(id);
                    }
                    Some(w) if w.brief.version.unwrap_or(1) > version => {
                        if let Ok(m) = api::message(&w.value, false, &self.base, brand) {
                            first.items.push(IncomingItem::Message(m));
                        }
                        mark.watch(&w.brief);
                    }
                    Some(_) => {}
                    None => {
                        // Gone from the list: deleted (or out of the
                        // account's sight, which is the same to Tend).
                        first.deleted.push(format!("t{topic}/p{number}"));
                        mark.forget(id);
                    }
                }
            }
        }

        let new: Vec<&Walked> = walked.iter().filter(|w| w.brief.id > mark.post).collect();
        let mut pages_left = max_pages.max(1);
        let mut chunks = new.chunks(50).peekable();
        if chunks.peek().is_none() {
            if !first.items.is_empty() || !first.deleted.is_empty() {
                first.cursor = Some(Cursor(mark.text()));
                hand_over(sink, first).await?;
            }
            return Ok(More::No);
        }
        let mut page = first;
        for chunk in chunks.by_ref() {
            if pages_left == 0 {
                return Ok(More::Yes);
            }
            for w in chunk {
                mark.post = mark.post.max(w.brief.id);
                if w.brief.gone() || w.brief.not_a_message() || !self.followed(&w.brief, &tagged) {
                    continue;
                }
                // One unreadable post must not stop the channel.
                if let Ok(m) = api::message(&w.value, false, &self.base, brand) {
                    page.items.push(IncomingItem::Message(m));
                    mark.watch(&w.brief);
                }
            }
            page.cursor = Some(Cursor(mark.text()));
            hand_over(sink, std::mem::take(&mut page)).await?;
            pages_left -= 1;
        }
        Ok(More::No)
    }

    /// Reads private messages written since `mark` into one page.
    async fn read_private(
        &self,
        mark: &mut api::Mark,
        backfill_from: Option<Timestamp>,
        brand: &str,
        sink: &mut dyn Sink,
    ) -> Result<HashSet<u64>, ChannelError> {
        let since = match backfill_from {
            Some(from) => from,
            None => Timestamp::from_second(mark.pm_at).unwrap_or(Timestamp::UNIX_EPOCH),
        };
        let body = self
            .get(&format!(
                "/topics/private-messages/{}.json",
                url_part(brand)
            ))
            .await?;
        let topics = api::topic_list("private messages", &body).map_err(ChannelError::Transient)?;
        let mut page = Page::default();
        let mut found: Vec<(u64, Timestamp, tend_domain::IncomingMessage)> = Vec::new();
        let listed: HashSet<u64> = topics.iter().map(|t| t.id).collect();
        for topic in topics {
            let last = topic
                .last_posted_at
                .as_deref()
                .and_then(|t| t.parse::<Timestamp>().ok());
            if last.is_some_and(|at| at < since) {
                continue;
            }
            for (brief, value) in self.topic_posts_after(topic.id, mark.pm, &since).await? {
                let at = brief.created().unwrap_or(since);
                if brief.gone() || brief.not_a_message() || at < since {
                    continue;
                }
                if let Ok(m) = api::message(&value, true, &self.base, brand) {
                    found.push((brief.id, at, m));
                }
            }
        }
        found.sort_by_key(|(id, _, _)| *id);
        for (id, at, m) in found {
            mark.pm = mark.pm.max(id);
            mark.pm_at = mark.pm_at.max(at.as_second());
            page.items.push(IncomingItem::Message(m));
        }
        if backfill_from.is_some() && mark.pm_at == 0 {
            mark.pm_at = since.as_second();
        }
        if !page.items.is_empty() || backfill_from.is_some() {
            page.cursor = Some(Cursor(mark.text()));
            hand_over(sink, page).await?;
        }
        Ok(listed)
    }

    /// Reads the account's mentions, replies and quotes
    /// (`GET /notifications.json`, its newest page) since `mark` into one
    /// page: posts outside the followed categories and tags that name or
    /// answer the brand. Private topics (`private_topics`) and posts the
    /// read already handed over (the watched ones) are left out.
    async fn read_mentions(
        &self,
        mark: &mut api::Mark,
        backfill_from: Option<Timestamp>,
        brand: &str,
        private_topics: &HashSet<u64>,
        sink: &mut dyn Sink,
    ) -> Result<(), ChannelError> {
        let body = self.get("/notifications.json").await?;
        let mut notes = api::notifications(&body).map_err(ChannelError::Transient)?;
        notes.sort_by_key(|n| n.id);
        let handed: HashSet<u64> = mark.recent.iter().map(|w| w[0]).collect();
        let mut page = Page::default();
        let mut newest = mark.notif;
        for note in notes {
            newest = newest.max(note.id);
            let new = match backfill_from {
                Some(from) => note.created().is_some_and(|at| at >= from),
                None => note.id > mark.notif,
            };
            let Some(post_id) = note.data.as_ref().and_then(|d| d.original_post_id) else {
                continue;
            };
            if !new
                || !api::MENTION_TYPES.contains(&note.notification_type)
                || note.topic_id.is_some_and(|t| private_topics.contains(&t))
                || handed.contains(&post_id)
            {
                continue;
            }
            // Gone since (404): nothing to read.
            if let Some(value) = self.post_value(post_id).await?
                && let Ok(m) = api::message(&value, false, &self.base, brand)
                && !page.items.iter().any(
                    |i| matches!(i, IncomingItem::Message(x) if x.external_id == m.external_id),
                )
            {
                page.items.push(IncomingItem::Message(m));
            }
        }
        mark.notif = newest;
        if !page.items.is_empty() || backfill_from.is_some() {
            page.cursor = Some(Cursor(mark.text()));
            hand_over(sink, page).await?;
        }
        Ok(())
    }

    /// A topic's posts with ids above `after` (all of them when the topic
    /// is longer than one answer: the rest by `post_ids[]`).
    async fn topic_posts_after(
        &self,
        topic: u64,
        after: u64,
        _since: &Timestamp,
    ) -> Result<Vec<(api::Brief, serde_json::Value)>, ChannelError> {
        let body = self.get(&format!("/t/{topic}.json")).await?;
        let first = api::topic_posts(&body).map_err(ChannelError::Transient)?;
        let mut out: Vec<(api::Brief, serde_json::Value)> = Vec::new();
        let mut have = HashSet::new();
        for e in first.posts {
            if let Ok(b) = e.brief {
                have.insert(b.id);
                if b.id > after {
                    out.push((b, e.value));
                }
            }
        }
        let missing: Vec<u64> = first
            .stream
            .iter()
            .copied()
            .filter(|id| *id > after && !have.contains(id))
            .collect();
        for chunk in missing.chunks(CHUNK).take(LOOKUP_CHUNKS * 5) {
            for (b, v) in self.posts_by_id(topic, chunk).await? {
                out.push((b, v));
            }
        }
        Ok(out)
    }

    /// `GET /t/{topic}/posts.json?post_ids[]=…`.
    async fn posts_by_id(
        &self,
        topic: u64,
        ids: &[u64],
    ) -> Result<Vec<(api::Brief, serde_json::Value)>, ChannelError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let query: Vec<String> = ids
            .iter()
            .map(|id| format!("post_ids%5B%5D={id}"))
            .collect();
        let body = self
            .get(&format!("/t/{topic}/posts.json?{}", query.join("&")))
            .await?;
        let posts = api::topic_posts(&body).map_err(ChannelError::Transient)?;
        Ok(posts
            .posts
            .into_iter()
            .filter_map(|e| e.brief.ok().map(|b| (b, e.value)))
            .collect())
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

    /// Whether post `id` (by the brand) carries `marker` in its raw text.
    async fn carries(&self, id: u64, marker: &str) -> Result<Option<RemoteRef>, ChannelError> {
        Ok(self
            .post(id)
            .await?
            .filter(|p| p.raw.as_deref().is_some_and(|raw| raw.contains(marker)))
            .map(|p| RemoteRef {
                id: p.id.to_string(),
                url: Some(p.url(&self.base)),
            }))
    }

    /// Looks for a reply in `topic` by `brand` carrying `marker`, written
    /// after `since`.
    async fn lookup_reply(
        &self,
        topic: u64,
        brand: &str,
        marker: &str,
        since: Option<Timestamp>,
    ) -> Result<Option<RemoteRef>, ChannelError> {
        let url = format!("{}/t/{topic}.json", self.base);
        let res = self
            .sign(self.http.get(url))
            .send()
            .await
            .map_err(http::from_reqwest)?;
        if res.status() == StatusCode::NOT_FOUND {
            // The topic is gone: the reply is not there.
            return Ok(None);
        }
        let body = answer(res).await?;
        let first = api::topic_posts(&body).map_err(ChannelError::Transient)?;
        let mut known: HashMap<u64, api::Brief> = first
            .posts
            .into_iter()
            .filter_map(|e| e.brief.ok())
            .map(|b| (b.id, b))
            .collect();
        let mut stream = first.stream;
        if stream.is_empty() {
            stream = known.keys().copied().collect();
            stream.sort_unstable();
        }
        // Newest first, a chunk at a time, until older than `since`.
        let mut reached = false;
        for chunk in stream.rchunks(CHUNK).take(LOOKUP_CHUNKS) {
            let wanted: Vec<u64> = chunk
                .iter()
                .copied()
                .filter(|id| !known.contains_key(id))
                .collect();
            for (b, _) in self.posts_by_id(topic, &wanted).await? {
                known.insert(b.id, b);
            }
            let mut older = false;
            for id in chunk.iter().rev() {
                let Some(b) = known.get(id) else { continue };
                if since.is_some_and(|s| b.created().is_some_and(|at| at < s)) {
                    older = true;
                    continue;
                }
                let by_brand = b
                    .username
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(brand));
                if by_brand && let Some(found) = self.carries(*id, marker).await? {
                    return Ok(Some(found));
                }
            }
            if older {
                reached = true;
                break;
            }
        }
        if reached || stream.len() <= CHUNK * LOOKUP_CHUNKS {
            Ok(None)
        } else {
            Err(ChannelError::Transient(format!(
                "could not read topic {topic} back far enough to know whether the reply was posted"
            )))
        }
    }

    /// Looks for a new topic by `brand` whose first post carries `marker`.
    async fn lookup_topic(
        &self,
        brand: &str,
        marker: &str,
        since: Option<Timestamp>,
    ) -> Result<Option<RemoteRef>, ChannelError> {
        let body = self
            .get(&format!("/topics/created-by/{}.json", url_part(brand)))
            .await?;
        let topics = api::topic_list("topics created", &body).map_err(ChannelError::Transient)?;
        let mut reached = false;
        for topic in &topics {
            let created = topic
                .created_at
                .as_deref()
                .and_then(|t| t.parse::<Timestamp>().ok());
            if since.is_some_and(|s| created.is_some_and(|at| at < s)) {
                reached = true;
                continue;
            }
            let body = self.get(&format!("/t/{}.json", topic.id)).await?;
            let posts = api::topic_posts(&body).map_err(ChannelError::Transient)?;
            let first = posts.stream.first().copied().or_else(|| {
                posts
                    .posts
                    .iter()
                    .find_map(|e| e.brief.as_ref().ok().map(|b| b.id))
            });
            if let Some(id) = first
                && let Some(found) = self.carries(id, marker).await?
            {
                return Ok(Some(found));
            }
        }
        // Discourse lists 30 topics a page: fewer means all were seen.
        if reached || topics.len() < 30 {
            Ok(None)
        } else {
            Err(ChannelError::Transient(
                "could not read the brand's topics back far enough to know whether the topic was posted"
                    .into(),
            ))
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
            status_error(StatusCode::BAD_GATEWAY, &h, "<html>"),
            ChannelError::Transient(_)
        ));
        assert_eq!(url_part("brand"), "brand");
        assert_eq!(url_part("a/b"), "a%2Fb");
    }
}
