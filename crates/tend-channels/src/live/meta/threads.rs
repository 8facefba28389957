//! A Threads account: replies to its posts (every depth) and mentions in,
//! replies and posts out through containers; replies hidden, posts deleted.
//!
//! - **Reading**: `GET /me/threads` (the 50 newest posts), each post's
//!   whole conversation (`GET /{post}/conversation`, with `replied_to` and
//!   `root_post` for the thread), and `GET /me/mentions`.
//! - **Writing** is two steps: `POST /me/threads` (`media_type=TEXT`,
//!   `reply_to_id` for a reply) makes a container, `GET /{container}?fields=status`
//!   until `FINISHED`, then `POST /me/threads_publish`. As on Instagram the
//!   container made for a key is kept and reused by a retry, and a lookup
//!   asks the container first, then reads the parent's replies (or the
//!   account's posts) back. Text is checked first: at most 500 characters
//!   (an emoji counts its UTF-8 bytes) and one topic tag; then
//!   `GET /me/threads_publishing_limit`: with the day's 250 posts (or 1,000
//!   replies) spent it waits (`RateLimited`).
//! - **Moderation**: [`Threads::hide`] (`POST /{reply}/manage_reply`) and
//!   [`Publisher::delete`] (`DELETE /{post}`).
//! - **Credentials**: a long-lived token (60 days), refreshed at
//!   `GET /refresh_access_token` (`th_refresh_token`) a week before it
//!   expires when it came with its expiry.

use super::graph::{self, Edge, Graph};
use super::{Found, Marks, lookup_from, read, same_text, timed_key};
use crate::live::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Publisher,
    RemoteRef, Sink, Source, Window, oauth,
};
use async_trait::async_trait;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

const NET: &str = "Threads";
const POSTS: usize = 25;
const POST_PAGES: usize = 2;
const MAX_PAGES: usize = 10;
/// Threads' limits: characters (emoji by UTF-8 bytes) and topic tags.
pub const MAX_CHARS: usize = 500;
/// Topic tags a post may have.
pub const MAX_TAGS: usize = 1;
const STATUS_TRIES: usize = 30;
const STATUS_EVERY: Duration = Duration::from_millis(500);
const FIELDS: &str =
    "id,text,timestamp,username,permalink,replied_to{id},root_post{id},hide_status";

#[derive(Debug, Deserialize)]
struct Post {
    id: String,
    #[serde(default)]
    text: Option<String>,
    timestamp: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    permalink: Option<String>,
    #[serde(default)]
    replied_to: Option<IdOnly>,
    #[serde(default)]
    root_post: Option<IdOnly>,
}

#[derive(Debug, Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Me {
    id: String,
    #[serde(default)]
    username: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Container {
    #[serde(default)]
    status: Option<String>,
}

/// How long a text is for Threads: characters, with an emoji (any 4-byte
/// character) counted by its UTF-8 bytes.
pub fn threads_length(text: &str) -> usize {
    text.chars()
        .map(|c| if c.len_utf8() == 4 { 4 } else { 1 })
        .sum()
}

/// Checks a text against Threads' limits before a container is made.
pub fn check_text(text: &str) -> Result<(), ChannelError> {
    let n = threads_length(text);
    if text.trim().is_empty() || n > MAX_CHARS {
        return Err(ChannelError::Permanent(format!(
            "Threads takes 1 to {MAX_CHARS} characters (an emoji counts its bytes); this is {n}"
        )));
    }
    let tags = text
        .split_whitespace()
        .filter(|w| {
            w.strip_prefix('#')
                .is_some_and(|t| t.chars().next().is_some_and(char::is_alphanumeric))
        })
        .count();
    if tags > MAX_TAGS {
        return Err(ChannelError::Permanent(format!(
            "Threads allows {MAX_TAGS} topic tag per post; this has {tags}"
        )));
    }
    Ok(())
}

enum Expiry {
    Never,
    At(Timestamp),
}

/// The connector of one Threads account.
pub struct Threads {
    graph: Graph,
    me: tokio::sync::OnceCell<Me>,
    expiry: tokio::sync::Mutex<Expiry>,
    refreshed: std::sync::Mutex<Option<Credentials>>,
    credentials: Credentials,
    containers: std::sync::Mutex<HashMap<String, String>>,
}

impl Threads {
    /// The connector at `graph_base` with a Threads user token.
    pub fn new(graph_base: &str, credentials: &Credentials) -> Result<Threads, ChannelError> {
        let (token, expiry) = match credentials {
            Credentials::Token { token } => (token.clone(), Expiry::Never),
            Credentials::OAuth {
                access_token,
                expires_at,
                ..
            } => (
                access_token.clone(),
                expires_at.map_or(Expiry::Never, Expiry::At),
            ),
            _ => {
                return Err(ChannelError::Permanent(
                    "Threads needs a Threads user access token".into(),
                ));
            }
        };
        Ok(Threads {
            graph: Graph::new(NET, graph_base, &token)?,
            me: tokio::sync::OnceCell::new(),
            expiry: tokio::sync::Mutex::new(expiry),
            refreshed: std::sync::Mutex::new(None),
            credentials: credentials.clone(),
            containers: std::sync::Mutex::new(HashMap::new()),
        })
    }

    /// Hides (or shows again) a reply to one of the account's posts.
    pub async fn hide(&self, reply_id: &str, hidden: bool) -> Result<(), ChannelError> {
        graph::check_id(NET, "reply", reply_id)?;
        self.fresh_token().await?;
        let flag = if hidden { "true" } else { "false" };
        self.graph
            .post(&format!("{reply_id}/manage_reply"), &[("hide", flag)])
            .await
            .map(|_| ())
    }

    /// Refreshes a token that expires within a week (Threads refreshes a
    /// still-valid long-lived token for another 60 days).
    async fn fresh_token(&self) -> Result<(), ChannelError> {
        let mut expiry = self.expiry.lock().await;
        let Expiry::At(at) = *expiry else {
            return Ok(());
        };
        if at > Timestamp::now() + jiff::SignedDuration::from_hours(24 * 7) {
            return Ok(());
        }
        let origin = self
            .graph
            .base
            .rsplit_once('/')
            .map_or(self.graph.base.as_str(), |(o, _)| o);
        let res = self
            .graph
            .http()
            .get(format!(
                "{origin}/refresh_access_token?grant_type=th_refresh_token&access_token={}",
                graph::enc(&self.graph.token())
            ))
            .send()
            .await
            // The address holds the token: never in an error.
            .map_err(|e| crate::live::http::from_reqwest(e.without_url()))?;
        let body = self.graph.answer(res).await?;
        let tokens = oauth::parse_tokens(&body, Timestamp::now())?;
        self.graph.set_token(tokens.access_token.clone());
        *expiry = tokens.expires_at.map_or(Expiry::Never, Expiry::At);
        let (client_id, client_secret) = match &self.credentials {
            Credentials::OAuth {
                client_id,
                client_secret,
                ..
            } => (client_id.clone(), client_secret.clone()),
            _ => (String::new(), None),
        };
        *self.refreshed.lock().unwrap_or_else(|e| e.into_inner()) = Some(Credentials::OAuth {
            access_token: tokens.access_token,
            refresh_token: None,
            expires_at: tokens.expires_at,
            client_id,
            client_secret,
        });
        Ok(())
    }

    async fn me(&self) -> Result<&Me, ChannelError> {
        self.me
            .get_or_try_init(|| async {
                let body = self.graph.get("me?fields=id,username").await?;
                read::<Me>(NET, "me", &body)
            })
            .await
    }

    async fn read_all(&self, marks: &Marks, from: Timestamp) -> Result<Vec<Found>, ChannelError> {
        let me = self.me().await?;
        let me_name = me.username.clone().unwrap_or_default();
        let since_c = marks.since("c").unwrap_or(from.as_second());
        let since_m = marks.since("m").unwrap_or(from.as_second());
        let mut found = Vec::new();
        let first = format!("me/threads?fields=id,timestamp&limit={POSTS}");
        let mut url = first.clone();
        for _ in 0..POST_PAGES {
            let body = self.graph.get(&url).await?;
            let page: Edge<Post> = read(NET, "threads", &body)?;
            for post in &page.data {
                if graph::check_id(NET, "post", &post.id).is_err() {
                    continue;
                }
                let conv_first = format!(
                    "{}/conversation?fields={}&reverse=false",
                    post.id,
                    graph::enc(FIELDS)
                );
                let mut conv_url = conv_first.clone();
                for _ in 0..MAX_PAGES {
                    let body = self.graph.get(&conv_url).await?;
                    let replies: Edge<Post> = read(NET, "conversation", &body)?;
                    for r in &replies.data {
                        found.push(found_of(r, "c", Some(&post.id), &me_name));
                    }
                    match replies.after() {
                        Some(after) if !replies.data.is_empty() => {
                            conv_url = format!("{conv_first}&after={}", graph::enc(&after));
                        }
                        _ => break,
                    }
                }
            }
            match page.after() {
                Some(after) if !page.data.is_empty() => {
                    url = format!("{first}&after={}", graph::enc(&after));
                }
                _ => break,
            }
        }
        found.retain(|f| f.secs >= since_c);
        let body = self
            .graph
            .get(&format!(
                "me/mentions?fields={}&limit={POSTS}",
                graph::enc(FIELDS)
            ))
            .await?;
        let mentions: Edge<Post> = read(NET, "mentions", &body)?;
        found.extend(
            mentions
                .data
                .iter()
                .map(|m| found_of(m, "m", None, &me_name))
                .filter(|f| f.secs >= since_m),
        );
        Ok(found)
    }

    async fn container_status(&self, container: &str) -> Result<Option<String>, ChannelError> {
        match self.graph.get(&format!("{container}?fields=status")).await {
            Ok(body) => Ok(read::<Container>(NET, "container", &body)?.status),
            Err(ChannelError::Permanent(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reads back a reply under `parent` (or a post of the account, with
    /// none) by the account with `text`, made since the key's time.
    async fn find(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let me = self.me().await?.username.clone().unwrap_or_default();
        let from = lookup_from(&post.key);
        let first = match &post.reply_to {
            Some(t) => {
                graph::check_id(NET, "reply target", &t.external_id)?;
                format!("{}/replies?fields={}", t.external_id, graph::enc(FIELDS))
            }
            None => format!("me/threads?fields={}&limit={POSTS}", graph::enc(FIELDS)),
        };
        let mut url = first.clone();
        for _ in 0..MAX_PAGES {
            let body = self.graph.get(&url).await?;
            let page: Edge<Post> = read(NET, "read-back", &body)?;
            for p in &page.data {
                let recent = from.is_none_or(|from| {
                    super::graph_time(NET, &p.timestamp).is_ok_and(|t| t.as_second() >= from)
                });
                if p.username.as_deref() == Some(me.as_str())
                    && recent
                    && same_text(p.text.as_deref().unwrap_or_default(), &post.text)
                {
                    return Ok(Some(RemoteRef {
                        id: p.id.clone(),
                        url: p.permalink.clone(),
                    }));
                }
            }
            match page.after() {
                Some(after) if !page.data.is_empty() => {
                    url = format!("{first}&after={}", graph::enc(&after));
                }
                _ => break,
            }
        }
        Ok(None)
    }
}

fn found_of(p: &Post, stream: &'static str, root: Option<&str>, me: &str) -> Found {
    Found {
        stream,
        secs: super::graph_time(NET, &p.timestamp)
            .map(|t| t.as_second())
            .unwrap_or(0),
        id: p.id.clone(),
        message: message(p, root, me).ok().flatten(),
    }
}

/// A reply or mention as a message; `None` for the account's own.
fn message(p: &Post, root: Option<&str>, me: &str) -> Result<Option<IncomingMessage>, String> {
    let what = format!("Threads post {}", p.id.chars().take(40).collect::<String>());
    if !super::safe_id(&p.id) {
        return Err(format!("{what}: not an id"));
    }
    let username = p
        .username
        .as_deref()
        .map(|u| u.trim().trim_start_matches('@'))
        .filter(|u| !u.is_empty() && !u.contains(char::is_whitespace));
    if !me.is_empty() && username == Some(me) {
        return Ok(None);
    }
    let parent = p.replied_to.as_ref().map(|r| r.id.clone());
    let root = p
        .root_post
        .as_ref()
        .map(|r| r.id.clone())
        .or_else(|| root.map(str::to_string))
        .filter(|r| *r != p.id);
    Ok(Some(IncomingMessage {
        rating: None,
        external_id: p.id.clone(),
        kind: if parent.is_some() {
            MessageKind::Reply
        } else {
            MessageKind::Mention
        },
        direction: Direction::Inbound,
        thread_external_id: root,
        parent_external_id: parent,
        author: username.map(|u| IncomingAuthor {
            platform: ChannelKind::Threads,
            external_id: u.to_string(),
            handle: u.to_string(),
            display_name: None,
            profile_url: Some(format!("https://www.threads.net/@{u}")),
            followers: None,
            verified: false,
            email: None,
        }),
        title: None,
        text: p.text.clone().unwrap_or_default(),
        lang: None,
        created_at: super::graph_time(&what, &p.timestamp)?,
        edited_at: None,
        permalink: p.permalink.clone().filter(|u| u.starts_with("https://")),
        engagement: Engagement::default(),
    }))
}

/// The payload mapping on any bytes, for the fuzzer.
pub(super) fn fuzz(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(page) = graph::parse::<Edge<Post>>(NET, "conversation", text) {
        for p in &page.data {
            let _ = message(p, Some("1"), "brand");
        }
    }
    let _ = check_text(text);
}

#[async_trait]
impl Source for Threads {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        self.fresh_token().await?;
        let marks = match since {
            Some(c) => Marks::parse(c)?,
            None => Marks::default(),
        };
        let found = self.read_all(&marks, window.backfill_from).await?;
        super::hand_over(found, marks, since.is_none(), window.max_pages, sink).await
    }
}

#[async_trait]
impl Publisher for Threads {
    fn new_key(&self, unique: &str, now: Timestamp) -> String {
        timed_key(unique, now)
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        check_text(&post.text)?;
        self.fresh_token().await?;
        let known = self
            .containers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&post.key)
            .cloned();
        let container = match known {
            Some(c) => c,
            None => {
                // 250 posts and 1,000 replies per 24 hours: a spent quota
                // waits, nothing is made.
                let body = self
                    .graph
                    .get("me/threads_publishing_limit?fields=quota_usage,config,reply_quota_usage,reply_config")
                    .await?;
                super::check_quota(NET, &body, post.reply_to.is_some())?;
                let mut form = vec![("media_type", "TEXT"), ("text", post.text.as_str())];
                if let Some(t) = &post.reply_to {
                    graph::check_id(NET, "reply target", &t.external_id)?;
                    form.push(("reply_to_id", t.external_id.as_str()));
                }
                let body = self.graph.post("me/threads", &form).await?;
                let created: graph::Created = read(NET, "container", &body)?;
                graph::check_id(NET, "container", &created.id)?;
                self.containers
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(post.key.clone(), created.id.clone());
                created.id
            }
        };
        for _ in 0..STATUS_TRIES {
            match self.container_status(&container).await?.as_deref() {
                Some("FINISHED") => break,
                Some("PUBLISHED") => {
                    return self.find(post).await?.ok_or_else(|| {
                        ChannelError::Transient(
                            "the container is published but its post is not listed yet".into(),
                        )
                    });
                }
                Some("IN_PROGRESS") => tokio::time::sleep(STATUS_EVERY).await,
                other => {
                    return Err(ChannelError::Permanent(format!(
                        "Threads could not prepare the post (container {container}: {})",
                        other.unwrap_or("unknown")
                    )));
                }
            }
        }
        let body = self
            .graph
            .post("me/threads_publish", &[("creation_id", container.as_str())])
            .await?;
        let published: graph::Created = read(NET, "threads_publish", &body)?;
        Ok(RemoteRef {
            id: published.id,
            url: None,
        })
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        self.fresh_token().await?;
        let container = self
            .containers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&post.key)
            .cloned();
        if let Some(container) = container
            && let Some("FINISHED" | "IN_PROGRESS") =
                self.container_status(&container).await?.as_deref()
        {
            // Certainly not published: the retry publishes this container.
            return Ok(None);
        }
        self.find(post).await
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        graph::check_id(NET, "post", &item.id)?;
        self.fresh_token().await?;
        self.graph.delete(&item.id).await
    }
}

#[async_trait]
impl Connector for Threads {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        self.fresh_token().await?;
        let me = self.me().await?;
        let token_expires_at = match &*self.expiry.lock().await {
            Expiry::At(t) => Some(*t),
            Expiry::Never => None,
        };
        Ok(AccountInfo {
            handle: me.username.clone().or_else(|| Some(me.id.clone())),
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

    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn sample() -> Value {
        json!({"data": [{
            "id": "1234567891",
            "text": "First Reply",
            "timestamp": "2024-01-01T18:20:00+0000",
            "username": "ada",
            "root_post": {"id": "1234567890"},
            "replied_to": {"id": "1234567890"},
            "hide_status": "NOT_HUSHED"
        }]})
    }

    proptest! {
        #[test]
        fn a_field_of_any_value_is_read_or_named(
            field in 0..5usize,
            value in prop_oneof![
                Just(Value::Null),
                any::<i64>().prop_map(|n| json!(n)),
                ".{0,20}".prop_map(Value::String),
                Just(json!({})),
            ],
        ) {
            let key = ["id", "text", "timestamp", "username", "replied_to"][field];
            let mut v = sample();
            v["data"][0][key] = value;
            match graph::parse::<Edge<Post>>(NET, "conversation", &v.to_string()) {
                Err(e) => prop_assert!(e.starts_with("Threads conversation: at data[0]"), "{}", e),
                Ok(page) => {
                    if let Err(e) = message(&page.data[0], Some("1"), "brand") {
                        prop_assert!(e.starts_with("Threads post"), "{}", e);
                    }
                }
            }
        }
    }

    #[test]
    fn a_reply_maps_with_its_parent_and_root() {
        let page: Edge<Post> = graph::parse(NET, "conversation", &sample().to_string()).unwrap();
        let m = message(&page.data[0], None, "tendbrand").unwrap().unwrap();
        assert_eq!(m.kind, MessageKind::Reply);
        assert_eq!(m.parent_external_id.as_deref(), Some("1234567890"));
        assert_eq!(m.thread_external_id.as_deref(), Some("1234567890"));
        assert_eq!(
            m.author.unwrap().profile_url.as_deref(),
            Some("https://www.threads.net/@ada")
        );
    }

    #[test]
    fn text_is_measured_as_threads_does() {
        assert_eq!(threads_length("hello"), 5);
        assert_eq!(threads_length("hi 👋"), 3 + 4);
        assert!(check_text(&"a".repeat(500)).is_ok());
        assert!(check_text(&"a".repeat(501)).is_err());
        assert!(check_text(&"👋".repeat(126)).is_err());
        assert!(check_text("one #tag only").is_ok());
        assert!(matches!(
            check_text("#two #tags"),
            Err(ChannelError::Permanent(m)) if m.contains("topic tag")
        ));
        assert!(check_text("   ").is_err());
    }
}
