//! An Instagram professional account (through its Facebook Page): comments
//! and replies on its media, media it is tagged in, and its direct messages
//! in; replies to comments and image posts out; comments hidden or deleted.
//!
//! - **Reading**: `GET /{ig-user}/media` (the 100 newest) with `comments`
//!   and their `replies` nested, further comment pages from
//!   `GET /{media}/comments?after=…`; mentions from `GET /{ig-user}/tags`;
//!   messages from `GET /{page}/conversations?platform=instagram` when the
//!   Page is set. The account's own comments are not read back.
//! - **Replying**: `POST /{ig-comment}/replies`; settled by reading the
//!   comment's replies back for one by the account with the same text.
//! - **Publishing** is Instagram's two steps: `POST /{ig-user}/media` makes a
//!   container, `GET /{container}?fields=status_code` until `FINISHED`, then
//!   `POST /{ig-user}/media_publish`. The container made for a key is kept
//!   (per process) and used again by a retry; Meta refuses to publish a
//!   container twice, and a lookup asks the container's `status_code` first
//!   (`PUBLISHED` or not) before reading the account's recent media.
//!   Instagram posts need an image: the text must hold the image's public
//!   `https://` address (it is taken out of the caption). Before a container
//!   is made, `GET /{ig-user}/content_publishing_limit` is asked: with the
//!   day's 50 posts spent the post waits (`RateLimited`).
//! - **Deleting**: comments only; Instagram does not let apps delete posts.

use super::facebook::conversations;
use super::graph::{self, Edge, Graph};
use super::{Found, Marks, lookup_from, read, same_text, timed_key};
use crate::live::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Publisher,
    RemoteRef, Sink, Source, Window,
};
use async_trait::async_trait;
use jiff::Timestamp;
use serde::Deserialize;
use std::collections::HashMap;
use std::time::Duration;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

const NET: &str = "Instagram";
const MEDIA: usize = 25;
const MEDIA_PAGES: usize = 4;
const COMMENTS: usize = 50;
const MAX_PAGES: usize = 20;
const REPLY_FIELDS: &str = "id,text,timestamp,username,from{id,username},like_count";
/// Instagram's caption length.
const MAX_CHARS: usize = 2_200;
/// How often, and how far apart, a container's status is asked before
/// publishing.
const STATUS_TRIES: usize = 30;
const STATUS_EVERY: Duration = Duration::from_millis(500);

fn comment_fields() -> String {
    format!("{REPLY_FIELDS},hidden,replies{{{REPLY_FIELDS}}}")
}

#[derive(Debug, Deserialize)]
struct Media {
    id: String,
    #[serde(default)]
    comments: Option<Edge<Comment>>,
}

#[derive(Debug, Deserialize)]
struct Comment {
    id: String,
    #[serde(default)]
    text: Option<String>,
    timestamp: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    from: Option<From>,
    #[serde(default)]
    like_count: Option<i64>,
    #[serde(default)]
    replies: Option<Edge<Comment>>,
}

#[derive(Debug, Deserialize)]
struct From {
    id: String,
    #[serde(default)]
    username: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Tagged {
    id: String,
    #[serde(default)]
    caption: Option<String>,
    timestamp: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    permalink: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Account {
    id: String,
    #[serde(default)]
    username: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Container {
    #[serde(default)]
    status_code: Option<String>,
}

#[derive(Debug, Deserialize)]
struct OwnMedia {
    id: String,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    permalink: Option<String>,
}

/// The connector of one Instagram professional account.
pub struct Instagram {
    graph: Graph,
    ig_user_id: String,
    page_id: Option<String>,
    username: tokio::sync::OnceCell<String>,
    /// The container made for each key (this process's).
    containers: std::sync::Mutex<HashMap<String, String>>,
}

impl Instagram {
    /// The connector for account `ig_user_id` (and its Page `page_id`, for
    /// messages) at `graph_base`, with a Page token.
    pub fn new(
        graph_base: &str,
        ig_user_id: &str,
        page_id: Option<&str>,
        credentials: &Credentials,
    ) -> Result<Instagram, ChannelError> {
        graph::check_id(NET, "ig_user_id", ig_user_id).map_err(|_| {
            ChannelError::Permanent(format!(
                "instagram.ig_user_id: {ig_user_id:?} is not an Instagram account id"
            ))
        })?;
        if let Some(p) = page_id {
            graph::check_id(NET, "page_id", p).map_err(|_| {
                ChannelError::Permanent(format!("instagram.page_id: {p:?} is not a Page id"))
            })?;
        }
        let token = match credentials {
            Credentials::Token { token } => token.clone(),
            Credentials::OAuth { access_token, .. } => access_token.clone(),
            _ => {
                return Err(ChannelError::Permanent(
                    "Instagram needs the Page access token of the account's Facebook Page".into(),
                ));
            }
        };
        Ok(Instagram {
            graph: Graph::new(NET, graph_base, &token)?,
            ig_user_id: ig_user_id.to_string(),
            page_id: page_id.map(str::to_string),
            username: tokio::sync::OnceCell::new(),
            containers: std::sync::Mutex::new(HashMap::new()),
        })
    }

    async fn account(&self) -> Result<Account, ChannelError> {
        let body = self
            .graph
            .get(&format!("{}?fields=id,username", self.ig_user_id))
            .await?;
        read(NET, "account", &body)
    }

    async fn username(&self) -> Result<&str, ChannelError> {
        self.username
            .get_or_try_init(|| async {
                let account = self.account().await?;
                Ok(account.username.unwrap_or_default())
            })
            .await
            .map(String::as_str)
    }

    /// Hides (or shows again) a comment on the account's media.
    pub async fn hide(&self, comment_id: &str, hidden: bool) -> Result<(), ChannelError> {
        graph::check_id(NET, "comment", comment_id)?;
        let flag = if hidden { "true" } else { "false" };
        self.graph
            .post(comment_id, &[("hide", flag)])
            .await
            .map(|_| ())
    }

    async fn comments(&self, marks: &Marks, from: Timestamp) -> Result<Vec<Found>, ChannelError> {
        let since = marks.since("c").unwrap_or(from.as_second());
        let me = self.username().await?.to_string();
        let nested = format!("comments.limit({COMMENTS}){{{}}}", comment_fields());
        let first = format!(
            "{}/media?fields=id,timestamp,{}&limit={MEDIA}",
            self.ig_user_id,
            graph::enc(&nested)
        );
        let mut url = first.clone();
        let mut found = Vec::new();
        for _ in 0..MEDIA_PAGES {
            let body = self.graph.get(&url).await?;
            let page: Edge<Media> = read(NET, "media", &body)?;
            for media in &page.data {
                let Some(comments) = &media.comments else {
                    continue;
                };
                collect(&comments.data, &media.id, &me, &mut found);
                let mut after = comments.after();
                for _ in 0..MAX_PAGES {
                    let Some(cursor) = after.take() else { break };
                    let body = self
                        .graph
                        .get(&format!(
                            "{}/comments?limit={COMMENTS}&fields={}&after={}",
                            media.id,
                            graph::enc(&comment_fields()),
                            graph::enc(&cursor)
                        ))
                        .await?;
                    let more: Edge<Comment> = read(NET, "comments", &body)?;
                    collect(&more.data, &media.id, &me, &mut found);
                    after = more.after();
                }
            }
            match page.after() {
                Some(after) if !page.data.is_empty() => {
                    url = format!("{first}&after={}", graph::enc(&after));
                }
                _ => break,
            }
        }
        Ok(found.into_iter().filter(|f| f.secs >= since).collect())
    }

    async fn mentions(&self, marks: &Marks, from: Timestamp) -> Result<Vec<Found>, ChannelError> {
        let since = marks.since("t").unwrap_or(from.as_second());
        let body = self
            .graph
            .get(&format!(
                "{}/tags?fields=id,caption,timestamp,username,permalink&limit={MEDIA}",
                self.ig_user_id
            ))
            .await?;
        let page: Edge<Tagged> = read(NET, "tags", &body)?;
        Ok(page
            .data
            .iter()
            .map(|t| Found {
                stream: "t",
                secs: super::graph_time(NET, &t.timestamp)
                    .map(|t| t.as_second())
                    .unwrap_or(0),
                id: t.id.clone(),
                message: tagged_message(t).ok(),
            })
            .filter(|f| f.secs >= since)
            .collect())
    }

    async fn messages(&self, marks: &Marks, from: Timestamp) -> Result<Vec<Found>, ChannelError> {
        let Some(page_id) = &self.page_id else {
            return Ok(Vec::new());
        };
        let since = marks.since("d").unwrap_or(from.as_second());
        let first = format!(
            "{page_id}/conversations?platform=instagram&fields={}&limit=25",
            graph::enc("id,updated_time,messages.limit(25){id,message,created_time,from}")
        );
        conversations(
            &self.graph,
            NET,
            &first,
            since,
            &self.ig_user_id,
            ChannelKind::Instagram,
        )
        .await
    }

    /// The container's `status_code`, `None` when Meta no longer knows it.
    async fn container_status(&self, container: &str) -> Result<Option<String>, ChannelError> {
        match self
            .graph
            .get(&format!("{container}?fields=status_code"))
            .await
        {
            Ok(body) => Ok(read::<Container>(NET, "container", &body)?.status_code),
            Err(ChannelError::Permanent(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The account's recent media with `caption`, made since `from`.
    async fn find_media(&self, caption: &str) -> Result<Option<RemoteRef>, ChannelError> {
        let body = self
            .graph
            .get(&format!(
                "{}/media?fields=id,caption,permalink,timestamp&limit={MEDIA}",
                self.ig_user_id
            ))
            .await?;
        let page: Edge<OwnMedia> = read(NET, "own media", &body)?;
        Ok(page
            .data
            .iter()
            .find(|m| same_text(m.caption.as_deref().unwrap_or_default(), caption))
            .map(|m| RemoteRef {
                id: m.id.clone(),
                url: m.permalink.clone(),
            }))
    }

    async fn publish_post(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        let (image, caption) = image_and_caption(&post.text)?;
        let known = self
            .containers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&post.key)
            .cloned();
        let container = match known {
            Some(c) => c,
            None => {
                // 50 posts per 24 hours: a spent quota waits, nothing is made.
                let body = self
                    .graph
                    .get(&format!(
                        "{}/content_publishing_limit?fields=quota_usage,config",
                        self.ig_user_id
                    ))
                    .await?;
                super::check_quota(NET, &body, false)?;
                let body = self
                    .graph
                    .post(
                        &format!("{}/media", self.ig_user_id),
                        &[("image_url", image.as_str()), ("caption", caption.as_str())],
                    )
                    .await?;
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
                    return self.find_media(&caption).await?.ok_or_else(|| {
                        ChannelError::Transient(
                            "the container is published but its post is not listed yet".into(),
                        )
                    });
                }
                Some("IN_PROGRESS") => tokio::time::sleep(STATUS_EVERY).await,
                other => {
                    return Err(ChannelError::Permanent(format!(
                        "Instagram could not prepare the image (container {container}: {})",
                        other.unwrap_or("unknown")
                    )));
                }
            }
        }
        let body = self
            .graph
            .post(
                &format!("{}/media_publish", self.ig_user_id),
                &[("creation_id", container.as_str())],
            )
            .await?;
        let published: graph::Created = read(NET, "media_publish", &body)?;
        Ok(RemoteRef {
            id: published.id,
            url: None,
        })
    }
}

/// A post's image address and caption: the text's first `https://` word is
/// the image.
fn image_and_caption(text: &str) -> Result<(String, String), ChannelError> {
    let image = text
        .split_whitespace()
        .find(|w| w.starts_with("https://"))
        .ok_or_else(|| {
            ChannelError::Permanent(
                "an Instagram post needs an image: put its public https:// address in the text"
                    .into(),
            )
        })?;
    let caption = text
        .split_whitespace()
        .filter(|w| *w != image)
        .collect::<Vec<_>>()
        .join(" ");
    Ok((image.to_string(), caption))
}

fn collect(comments: &[Comment], media_id: &str, me: &str, found: &mut Vec<Found>) {
    for c in comments {
        found.push(found_of(c, media_id, None, me));
        for r in c.replies.iter().flat_map(|e| &e.data) {
            found.push(found_of(r, media_id, Some(&c.id), me));
        }
    }
}

fn found_of(c: &Comment, media_id: &str, parent: Option<&str>, me: &str) -> Found {
    Found {
        stream: "c",
        secs: super::graph_time(NET, &c.timestamp)
            .map(|t| t.as_second())
            .unwrap_or(0),
        id: c.id.clone(),
        message: comment_message(c, media_id, parent, me).ok().flatten(),
    }
}

fn author(id: Option<&str>, username: Option<&str>) -> Option<IncomingAuthor> {
    let username = username
        .map(|u| u.trim().trim_start_matches('@'))
        .filter(|u| !u.is_empty() && !u.contains(char::is_whitespace))?;
    Some(IncomingAuthor {
        platform: ChannelKind::Instagram,
        external_id: id
            .filter(|i| super::safe_id(i))
            .unwrap_or(username)
            .to_string(),
        handle: username.to_string(),
        display_name: None,
        profile_url: Some(format!("https://www.instagram.com/{username}/")),
        followers: None,
        verified: false,
        email: None,
    })
}

/// A comment (or a reply, under `parent`) as a message; `None` for the
/// account's own.
fn comment_message(
    c: &Comment,
    media_id: &str,
    parent: Option<&str>,
    me: &str,
) -> Result<Option<IncomingMessage>, String> {
    let what = format!(
        "Instagram comment {}",
        c.id.chars().take(40).collect::<String>()
    );
    if !super::safe_id(&c.id) {
        return Err(format!("{what}: not an id"));
    }
    let username = c
        .username
        .as_deref()
        .or_else(|| c.from.as_ref().and_then(|f| f.username.as_deref()));
    if !me.is_empty() && username == Some(me) {
        return Ok(None);
    }
    Ok(Some(IncomingMessage {
        rating: None,
        external_id: c.id.clone(),
        kind: if parent.is_some() {
            MessageKind::Reply
        } else {
            MessageKind::Comment
        },
        direction: Direction::Inbound,
        thread_external_id: Some(media_id.to_string()),
        parent_external_id: Some(parent.unwrap_or(media_id).to_string()),
        author: author(c.from.as_ref().map(|f| f.id.as_str()), username),
        title: None,
        text: c.text.clone().unwrap_or_default(),
        lang: None,
        created_at: super::graph_time(&what, &c.timestamp)?,
        edited_at: None,
        permalink: None,
        engagement: Engagement {
            likes: c.like_count.unwrap_or(0).max(0),
            ..Engagement::default()
        },
    }))
}

fn tagged_message(t: &Tagged) -> Result<IncomingMessage, String> {
    let what = format!(
        "Instagram tagged media {}",
        t.id.chars().take(40).collect::<String>()
    );
    if !super::safe_id(&t.id) {
        return Err(format!("{what}: not an id"));
    }
    Ok(IncomingMessage {
        rating: None,
        external_id: t.id.clone(),
        kind: MessageKind::Mention,
        direction: Direction::Inbound,
        thread_external_id: None,
        parent_external_id: None,
        author: author(None, t.username.as_deref()),
        title: None,
        text: t.caption.clone().unwrap_or_default(),
        lang: None,
        created_at: super::graph_time(&what, &t.timestamp)?,
        edited_at: None,
        permalink: t.permalink.clone().filter(|u| u.starts_with("https://")),
        engagement: Engagement::default(),
    })
}

/// The payload mapping on any bytes, for the fuzzer.
pub(super) fn fuzz(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(page) = graph::parse::<Edge<Media>>(NET, "media", text) {
        let mut found = Vec::new();
        for m in &page.data {
            collect(
                m.comments
                    .as_ref()
                    .map(|c| c.data.as_slice())
                    .unwrap_or(&[]),
                &m.id,
                "brand",
                &mut found,
            );
        }
    }
    if let Ok(page) = graph::parse::<Edge<Tagged>>(NET, "tags", text) {
        for t in &page.data {
            let _ = tagged_message(t);
        }
    }
    let _ = image_and_caption(text);
}

#[async_trait]
impl Source for Instagram {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let marks = match since {
            Some(c) => Marks::parse(c)?,
            None => Marks::default(),
        };
        let mut found = self.comments(&marks, window.backfill_from).await?;
        found.extend(self.mentions(&marks, window.backfill_from).await?);
        found.extend(self.messages(&marks, window.backfill_from).await?);
        super::hand_over(found, marks, since.is_none(), window.max_pages, sink).await
    }
}

#[async_trait]
impl Publisher for Instagram {
    fn new_key(&self, unique: &str, now: Timestamp) -> String {
        timed_key(unique, now)
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        let Some(target) = &post.reply_to else {
            return self.publish_post(post).await;
        };
        graph::check_id(NET, "reply target", &target.external_id).map_err(|_| {
            ChannelError::Permanent(
                "replying to an Instagram direct message is not supported by Tend yet; answer it in the Instagram app"
                    .into(),
            )
        })?;
        let body = self
            .graph
            .post(
                &format!("{}/replies", target.external_id),
                &[("message", post.text.as_str())],
            )
            .await?;
        // Made but unreadable: the outcome is unknown, `lookup` settles it.
        let created: graph::Created = read(NET, "reply", &body)?;
        Ok(RemoteRef {
            id: created.id,
            url: None,
        })
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let Some(target) = &post.reply_to else {
            let container = self
                .containers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&post.key)
                .cloned();
            let (_, caption) = image_and_caption(&post.text)?;
            if let Some(container) = container {
                match self.container_status(&container).await?.as_deref() {
                    // Certainly not published: the retry publishes this container.
                    Some("FINISHED" | "IN_PROGRESS") => return Ok(None),
                    Some("PUBLISHED") => {
                        return match self.find_media(&caption).await? {
                            Some(found) => Ok(Some(found)),
                            None => Err(ChannelError::Transient(
                                "the container is published but its post is not listed yet".into(),
                            )),
                        };
                    }
                    _ => {}
                }
            }
            return self.find_media(&caption).await;
        };
        graph::check_id(NET, "reply target", &target.external_id)?;
        let me = self.username().await?.to_string();
        let from = lookup_from(&post.key);
        let first = format!(
            "{}/replies?fields={}&limit={COMMENTS}",
            target.external_id,
            graph::enc(REPLY_FIELDS)
        );
        let mut url = first.clone();
        for _ in 0..MAX_PAGES {
            let body = self.graph.get(&url).await?;
            let page: Edge<Comment> = read(NET, "replies", &body)?;
            for r in &page.data {
                let ours = r.username.as_deref() == Some(me.as_str())
                    || r.from.as_ref().is_some_and(|f| f.id == self.ig_user_id);
                let recent = from.is_none_or(|from| {
                    super::graph_time(NET, &r.timestamp).is_ok_and(|t| t.as_second() >= from)
                });
                if ours && recent && same_text(r.text.as_deref().unwrap_or_default(), &post.text) {
                    return Ok(Some(RemoteRef {
                        id: r.id.clone(),
                        url: None,
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

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        graph::check_id(NET, "comment", &item.id)?;
        self.graph.delete(&item.id).await
    }
}

#[async_trait]
impl Connector for Instagram {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let account = self.account().await?;
        if account.id != self.ig_user_id {
            return Err(ChannelError::Permanent(format!(
                "instagram.ig_user_id: the token reaches account {}, not {}",
                account.id, self.ig_user_id
            )));
        }
        Ok(AccountInfo {
            handle: account.username,
            token_expires_at: None,
            max_chars: Some(MAX_CHARS),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn sample() -> Value {
        json!({"data": [{
            "id": "17850000000000001",
            "timestamp": "2020-06-01T10:56:52+0000",
            "comments": {"data": [{
                "id": "17858154961981086",
                "text": "Beautiful!",
                "timestamp": "2020-06-01T10:56:52+0000",
                "username": "ada",
                "from": {"id": "6100000000001", "username": "ada"},
                "like_count": 2,
                "replies": {"data": [{
                    "id": "17847314687296283",
                    "text": "@ada thanks",
                    "timestamp": "2020-08-07T03:30:06+0000",
                    "username": "tendbrand"
                }]}
            }]}
        }]})
    }

    #[test]
    fn comments_and_replies_map_and_our_own_are_left_out() {
        let page: Edge<Media> = graph::parse(NET, "media", &sample().to_string()).unwrap();
        let mut found = Vec::new();
        let media = &page.data[0];
        collect(
            &media.comments.as_ref().unwrap().data,
            &media.id,
            "tendbrand",
            &mut found,
        );
        assert_eq!(found.len(), 2, "both move the marks");
        let c = found[0].message.as_ref().unwrap();
        assert_eq!(
            (c.kind, c.author.as_ref().unwrap().handle.as_str()),
            (MessageKind::Comment, "ada")
        );
        assert!(found[1].message.is_none(), "the account's own reply");
        assert_eq!(
            image_and_caption("https://cdn.example.com/a.jpg  Hello  there").unwrap(),
            (
                "https://cdn.example.com/a.jpg".to_string(),
                "Hello there".to_string()
            )
        );
    }

    const FIELDS: &[&str] = &["id", "text", "timestamp", "username", "from", "replies"];

    proptest! {
        #[test]
        fn a_field_of_any_value_is_read_or_named(
            field in 0..FIELDS.len(),
            value in prop_oneof![
                Just(Value::Null),
                any::<i64>().prop_map(|n| json!(n)),
                ".{0,20}".prop_map(Value::String),
                Just(json!([])),
                Just(json!({})),
            ],
        ) {
            let key = FIELDS[field];
            let mut v = sample();
            v["data"][0]["comments"]["data"][0][key] = value;
            match graph::parse::<Edge<Media>>(NET, "media", &v.to_string()) {
                Err(e) => prop_assert!(
                    e.starts_with("Instagram media: at data[0].comments.data[0]"),
                    "{}", e
                ),
                Ok(page) => {
                    let m = &page.data[0];
                    for c in m.comments.iter().flat_map(|e| &e.data) {
                        if let Err(e) = comment_message(c, &m.id, None, "brand") {
                            prop_assert!(e.starts_with("Instagram comment"), "{}", e);
                        }
                    }
                }
            }
        }
    }
}
