//! A Facebook Page: comments on its posts and Messenger conversations in,
//! replies to comments and posts out; comments hidden or deleted.
//!
//! - **Reading**: `GET /{page}/feed` (the 100 newest posts) with their
//!   comments nested (`comments.filter(stream).order(chronological).since(…)`,
//!   replies included, each with its `parent`), further comment pages from
//!   `GET /{post}/comments?after=…`; messages from
//!   `GET /{page}/conversations?platform=messenger`. The page's own comments
//!   and messages are not read back.
//! - **Authors** are named as Facebook shows them: a name, not a handle
//!   (the page-scoped id is the key; the name is also the identity's handle,
//!   since Facebook has none).
//! - **Writing**: `POST /{comment-or-post}/comments` (a reply),
//!   `POST /{page}/feed` (a post), `DELETE /{id}`; moderation:
//!   [`Facebook::hide`] (`is_hidden`) and [`Publisher::delete`].
//! - **Credentials**: a long-lived Page access token
//!   (`pages_read_engagement`, `pages_manage_engagement`,
//!   `pages_manage_posts`, `pages_read_user_content`, `pages_messaging`).

use super::graph::{self, Edge, Graph};
use super::{Found, Marks, lookup_from, read, same_text, timed_key};
use crate::live::{
    AccountInfo, ChannelError, Connector, Credentials, Cursor, More, Outgoing, Publisher,
    RemoteRef, Sink, Source, Window,
};
use async_trait::async_trait;
use jiff::Timestamp;
use serde::Deserialize;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

const NET: &str = "Facebook";
/// Posts per feed page, and feed pages a read scans.
const POSTS: usize = 25;
const POST_PAGES: usize = 4;
/// Comments per page.
const COMMENTS: usize = 100;
/// Comment pages read per post, and conversation pages per read.
const MAX_PAGES: usize = 20;
const COMMENT_FIELDS: &str =
    "id,message,created_time,from,parent{id},permalink_url,like_count,comment_count,is_hidden";
/// Facebook's post length.
const MAX_CHARS: usize = 63_206;

#[derive(Debug, Deserialize)]
struct Post {
    id: String,
    #[serde(default)]
    comments: Option<Edge<Comment>>,
}

#[derive(Debug, Deserialize)]
struct Comment {
    id: String,
    #[serde(default)]
    message: Option<String>,
    created_time: String,
    #[serde(default)]
    from: Option<From>,
    #[serde(default)]
    parent: Option<IdOnly>,
    #[serde(default)]
    permalink_url: Option<String>,
    #[serde(default)]
    like_count: Option<i64>,
    #[serde(default)]
    comment_count: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct From {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct IdOnly {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Conversation {
    id: String,
    #[serde(default)]
    updated_time: Option<String>,
    #[serde(default)]
    messages: Option<Edge<Message>>,
}

#[derive(Debug, Deserialize)]
struct Message {
    id: String,
    #[serde(default)]
    message: Option<String>,
    created_time: String,
    #[serde(default)]
    from: Option<From>,
}

#[derive(Debug, Deserialize)]
struct PageInfo {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

/// The connector of one Facebook Page.
pub struct Facebook {
    graph: Graph,
    page_id: String,
}

impl Facebook {
    /// The connector for Page `page_id` at `graph_base`, with a Page token.
    pub fn new(
        graph_base: &str,
        page_id: &str,
        credentials: &Credentials,
    ) -> Result<Facebook, ChannelError> {
        graph::check_id(NET, "page_id", page_id).map_err(|_| {
            ChannelError::Permanent(format!("facebook.page_id: {page_id:?} is not a Page id"))
        })?;
        let token = match credentials {
            Credentials::Token { token } => token.clone(),
            Credentials::OAuth { access_token, .. } => access_token.clone(),
            _ => {
                return Err(ChannelError::Permanent(
                    "Facebook needs a Page access token".into(),
                ));
            }
        };
        Ok(Facebook {
            graph: Graph::new(NET, graph_base, &token)?,
            page_id: page_id.to_string(),
        })
    }

    /// Hides (or shows again) a comment on the Page: hidden comments stay
    /// visible to their author and friends only.
    pub async fn hide(&self, comment_id: &str, hidden: bool) -> Result<(), ChannelError> {
        graph::check_id(NET, "comment", comment_id)?;
        let flag = if hidden { "true" } else { "false" };
        self.graph
            .post(comment_id, &[("is_hidden", flag)])
            .await
            .map(|_| ())
    }

    async fn comments(&self, marks: &Marks, from: Timestamp) -> Result<Vec<Found>, ChannelError> {
        let since = marks.since("c").unwrap_or(from.as_second());
        let nested = format!(
            "comments.filter(stream).order(chronological).since({since}).limit({COMMENTS}){{{COMMENT_FIELDS}}}"
        );
        let first = format!(
            "{}/feed?fields=id,created_time,{}&limit={POSTS}",
            self.page_id,
            graph::enc(&nested)
        );
        let mut url = first.clone();
        let mut found = Vec::new();
        for _ in 0..POST_PAGES {
            let body = self.graph.get(&url).await?;
            let feed: Edge<Post> = read(NET, "feed", &body)?;
            for post in &feed.data {
                if graph::check_id(NET, "post", &post.id).is_err() {
                    continue;
                }
                let Some(comments) = &post.comments else {
                    continue;
                };
                found.extend(comments.data.iter().map(|c| self.found(c, &post.id)));
                let mut after = comments.after();
                for _ in 0..MAX_PAGES {
                    let Some(cursor) = after.take() else { break };
                    let body = self
                        .graph
                        .get(&format!(
                            "{}/comments?filter=stream&order=chronological&since={since}&limit={COMMENTS}&fields={}&after={}",
                            post.id,
                            graph::enc(COMMENT_FIELDS),
                            graph::enc(&cursor)
                        ))
                        .await?;
                    let page: Edge<Comment> = read(NET, "comments", &body)?;
                    found.extend(page.data.iter().map(|c| self.found(c, &post.id)));
                    after = page.after();
                }
            }
            match feed.after() {
                Some(after) if !feed.data.is_empty() => {
                    url = format!("{first}&after={}", graph::enc(&after));
                }
                _ => break,
            }
        }
        Ok(found.into_iter().filter(|f| f.secs >= since).collect())
    }

    fn found(&self, c: &Comment, post_id: &str) -> Found {
        let secs = super::graph_time("Facebook comment", &c.created_time)
            .map(|t| t.as_second())
            .unwrap_or(0);
        let message = comment_message(c, post_id, &self.page_id).ok().flatten();
        Found {
            stream: "c",
            secs,
            id: c.id.clone(),
            message,
        }
    }

    async fn messages(&self, marks: &Marks, from: Timestamp) -> Result<Vec<Found>, ChannelError> {
        let since = marks.since("d").unwrap_or(from.as_second());
        let first = format!(
            "{}/conversations?platform=messenger&fields={}&limit=25",
            self.page_id,
            graph::enc("id,updated_time,messages.limit(25){id,message,created_time,from}")
        );
        conversations(
            &self.graph,
            NET,
            &first,
            since,
            &self.page_id,
            ChannelKind::Facebook,
        )
        .await
    }
}

/// Reads conversations (Messenger or Instagram) updated since `since`,
/// newest first, into found messages of stream `d`.
pub(super) async fn conversations(
    graph: &Graph,
    network: &'static str,
    first: &str,
    since: i64,
    own_id: &str,
    kind: ChannelKind,
) -> Result<Vec<Found>, ChannelError> {
    let mut url = first.to_string();
    let mut found = Vec::new();
    for _ in 0..MAX_PAGES {
        let body = graph.get(&url).await?;
        let page: Edge<Conversation> = read(network, "conversations", &body)?;
        let mut older = false;
        for conversation in &page.data {
            let updated = conversation
                .updated_time
                .as_deref()
                .and_then(|t| super::graph_time(network, t).ok())
                .map_or(i64::MAX, |t| t.as_second());
            if updated < since {
                older = true;
                continue;
            }
            for m in conversation.messages.iter().flat_map(|e| &e.data) {
                let secs = super::graph_time(network, &m.created_time)
                    .map(|t| t.as_second())
                    .unwrap_or(0);
                if secs < since {
                    continue;
                }
                let message = dm_message(m, &conversation.id, own_id, kind).ok().flatten();
                found.push(Found {
                    stream: "d",
                    secs,
                    id: m.id.clone(),
                    message,
                });
            }
        }
        match page.after() {
            Some(after) if !older && !page.data.is_empty() => {
                url = format!("{first}&after={}", graph::enc(&after));
            }
            _ => break,
        }
    }
    Ok(found)
}

fn author(from: &From, kind: ChannelKind) -> Option<IncomingAuthor> {
    if !super::safe_id(&from.id) {
        return None;
    }
    let name = from
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string);
    Some(IncomingAuthor {
        platform: kind,
        external_id: from.id.clone(),
        // Facebook has no handles: the name is what it shows.
        handle: name.clone().unwrap_or_else(|| from.id.clone()),
        display_name: name,
        profile_url: None,
        followers: None,
        verified: false,
        email: None,
    })
}

/// A comment as a message (`None` for the Page's own).
fn comment_message(
    c: &Comment,
    post_id: &str,
    page_id: &str,
) -> Result<Option<IncomingMessage>, String> {
    let what = format!(
        "Facebook comment {}",
        c.id.chars().take(40).collect::<String>()
    );
    if !super::safe_id(&c.id) {
        return Err(format!("{what}: not an id"));
    }
    if c.from.as_ref().is_some_and(|f| f.id == page_id) {
        return Ok(None);
    }
    let parent = c.parent.as_ref().map(|p| p.id.clone());
    Ok(Some(IncomingMessage {
        rating: None,
        external_id: c.id.clone(),
        kind: if parent.is_some() {
            MessageKind::Reply
        } else {
            MessageKind::Comment
        },
        direction: Direction::Inbound,
        thread_external_id: Some(post_id.to_string()),
        parent_external_id: Some(parent.unwrap_or_else(|| post_id.to_string())),
        author: c
            .from
            .as_ref()
            .and_then(|f| author(f, ChannelKind::Facebook)),
        title: None,
        text: c.message.clone().unwrap_or_default(),
        lang: None,
        created_at: super::graph_time(&what, &c.created_time)?,
        edited_at: None,
        permalink: c
            .permalink_url
            .clone()
            .filter(|u| u.starts_with("https://")),
        engagement: Engagement {
            likes: c.like_count.unwrap_or(0).max(0),
            shares: 0,
            replies: c.comment_count.unwrap_or(0).max(0),
            views: 0,
        },
    }))
}

/// A conversation's message as a direct message (`None` for the account's own).
fn dm_message(
    m: &Message,
    conversation: &str,
    own_id: &str,
    kind: ChannelKind,
) -> Result<Option<IncomingMessage>, String> {
    let what = format!("message {}", m.id.chars().take(40).collect::<String>());
    if !super::safe_id(&m.id) || !super::safe_id(conversation) {
        return Err(format!("{what}: not an id"));
    }
    if m.from.as_ref().is_some_and(|f| f.id == own_id) {
        return Ok(None);
    }
    Ok(Some(IncomingMessage {
        rating: None,
        external_id: m.id.clone(),
        kind: MessageKind::DirectMessage,
        direction: Direction::Inbound,
        thread_external_id: Some(conversation.to_string()),
        parent_external_id: None,
        author: m.from.as_ref().and_then(|f| author(f, kind)),
        title: None,
        text: m.message.clone().unwrap_or_default(),
        lang: None,
        created_at: super::graph_time(&what, &m.created_time)?,
        edited_at: None,
        permalink: None,
        engagement: Engagement::default(),
    }))
}

/// The payload mapping on any bytes, for the fuzzer.
pub(super) fn fuzz(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(feed) = graph::parse::<Edge<Post>>(NET, "feed", text) {
        for post in &feed.data {
            for c in post.comments.iter().flat_map(|e| &e.data) {
                let _ = comment_message(c, &post.id, "1");
            }
        }
    }
    if let Ok(page) = graph::parse::<Edge<Conversation>>(NET, "conversations", text) {
        for c in &page.data {
            for m in c.messages.iter().flat_map(|e| &e.data) {
                let _ = dm_message(m, &c.id, "1", ChannelKind::Facebook);
            }
        }
    }
}

#[async_trait]
impl Source for Facebook {
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
        found.extend(self.messages(&marks, window.backfill_from).await?);
        super::hand_over(found, marks, since.is_none(), window.max_pages, sink).await
    }
}

#[async_trait]
impl Publisher for Facebook {
    fn new_key(&self, unique: &str, now: Timestamp) -> String {
        timed_key(unique, now)
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        let body = match &post.reply_to {
            Some(target) => {
                graph::check_id(NET, "reply target", &target.external_id).map_err(|_| {
                    ChannelError::Permanent(
                        "replying to a Messenger conversation is not supported by Tend yet; answer it in Meta Business Suite"
                            .into(),
                    )
                })?;
                self.graph
                    .post(
                        &format!("{}/comments", target.external_id),
                        &[("message", post.text.as_str())],
                    )
                    .await?
            }
            None => {
                self.graph
                    .post(
                        &format!("{}/feed", self.page_id),
                        &[("message", post.text.as_str())],
                    )
                    .await?
            }
        };
        // Made but unreadable: the outcome is unknown, `lookup` settles it.
        let created: graph::Created = read(NET, "created", &body)?;
        Ok(RemoteRef {
            url: Some(format!("https://www.facebook.com/{}", created.id)),
            id: created.id,
        })
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let since = lookup_from(&post.key)
            .map(|s| format!("&since={s}"))
            .unwrap_or_default();
        let first = match &post.reply_to {
            Some(target) => {
                graph::check_id(NET, "reply target", &target.external_id)?;
                format!(
                    "{}/comments?filter=stream&order=reverse_chronological&limit={COMMENTS}&fields=id,message,from,created_time{since}",
                    target.external_id
                )
            }
            None => format!(
                "{}/feed?fields=id,message,from,created_time&limit={COMMENTS}{since}",
                self.page_id
            ),
        };
        let mut url = first.clone();
        for _ in 0..5 {
            let body = self.graph.get(&url).await?;
            let page: Edge<Comment> = read(NET, "lookup", &body)?;
            for c in &page.data {
                let ours = c.from.as_ref().is_some_and(|f| f.id == self.page_id);
                if ours && same_text(c.message.as_deref().unwrap_or_default(), &post.text) {
                    return Ok(Some(RemoteRef {
                        id: c.id.clone(),
                        url: Some(format!("https://www.facebook.com/{}", c.id)),
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
        graph::check_id(NET, "object", &item.id)?;
        self.graph.delete(&item.id).await
    }
}

#[async_trait]
impl Connector for Facebook {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let body = self
            .graph
            .get(&format!("{}?fields=id,name", self.page_id))
            .await?;
        let page: PageInfo = read(NET, "page", &body)?;
        if page.id != self.page_id {
            return Err(ChannelError::Permanent(format!(
                "facebook.page_id: the token is for Page {}, not {}",
                page.id, self.page_id
            )));
        }
        Ok(AccountInfo {
            handle: page.name,
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
            "id": "245628824887810_1",
            "created_time": "2023-07-14T10:45:55+0000",
            "comments": {"data": [{
                "id": "1_2",
                "message": "Is there a discount?",
                "created_time": "2023-07-14T10:46:00+0000",
                "from": {"name": "Sam Evans", "id": "6100000000001"},
                "parent": {"id": "1_1"},
                "permalink_url": "https://www.facebook.com/1_2",
                "like_count": 1,
                "comment_count": 0
            }]}
        }]})
    }

    #[test]
    fn a_comment_maps_with_a_name_and_its_parent() {
        let feed: Edge<Post> = graph::parse(NET, "feed", &sample().to_string()).unwrap();
        let post = &feed.data[0];
        let c = &post.comments.as_ref().unwrap().data[0];
        let m = comment_message(c, &post.id, "245628824887810")
            .unwrap()
            .unwrap();
        assert_eq!(m.kind, MessageKind::Reply);
        assert_eq!(m.parent_external_id.as_deref(), Some("1_1"));
        let a = m.author.unwrap();
        assert_eq!(
            (a.handle.as_str(), a.display_name.as_deref()),
            ("Sam Evans", Some("Sam Evans"))
        );
        // The Page's own comment is not read back.
        assert!(
            comment_message(c, &post.id, "6100000000001")
                .unwrap()
                .is_none()
        );
    }

    const FIELDS: &[&str] = &[
        "id",
        "message",
        "created_time",
        "from",
        "parent",
        "like_count",
    ];

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
            match graph::parse::<Edge<Post>>(NET, "feed", &v.to_string()) {
                Err(e) => prop_assert!(
                    e.starts_with("Facebook feed: at data[0].comments.data[0]"),
                    "{}", e
                ),
                Ok(feed) => {
                    let post = &feed.data[0];
                    for c in post.comments.iter().flat_map(|e| &e.data) {
                        if let Err(e) = comment_message(c, &post.id, "1") {
                            prop_assert!(e.starts_with("Facebook comment"), "{}", e);
                        }
                    }
                }
            }
        }
    }
}
