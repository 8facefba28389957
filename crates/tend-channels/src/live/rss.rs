//! RSS and Atom feeds: blog comments, a forum's latest posts. Read-only.
//!
//! - Settings: the feed's URL. No credentials.
//! - Reading: one conditional GET per pull (`If-None-Match` /
//!   `If-Modified-Since` from the cursor): a `304 Not Modified` hands over an
//!   empty page with the same cursor. The feed (RSS 0.9x/1.0/2.0, Atom, JSON
//!   Feed) is parsed by `feed-rs`, after a well-formedness check with
//!   `quick-xml` so a broken feed is refused with its line and column.
//! - The cursor keeps the validators and the newest entry time seen (with
//!   the ids seen at that time, and the ids of undated entries): an entry is
//!   new or edited when its time (`updated`, else `published`) is later.
//!   Entries that leave the feed are not deletions: feeds roll. An entry
//!   backdated before the newest one seen is not read.
//! - Mapping: external id = the entry's id (`guid`/`id`; without one, a hash
//!   of its link and title); a comment feed's entries (WordPress "Comment on
//!   …", "Re: …", a "Comments on: …" feed) are comments, others forum posts;
//!   HTML to text; `updated` after `published` is an edit.

use super::{
    AccountInfo, ChannelError, Connector, Cursor, More, Outgoing, Page, Publisher, RemoteRef, Sink,
    Source, Window, http,
};
use crate::import::html;
use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::Url;
use reqwest::header::{ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED};
use serde::{Deserialize, Serialize};
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
};

/// The largest feed read (a feed is a summary, not an archive).
const MAX_FEED_BYTES: usize = 10 * 1024 * 1024;

/// How many undated entry ids the cursor remembers.
const MAX_UNDATED: usize = 1000;

/// A feed.
pub struct Rss {
    url: Url,
    http: reqwest::Client,
}

/// Checks a feed URL (for the settings).
pub fn validate(url: &str) -> Result<(), ChannelError> {
    feed_url(url).map(|_| ())
}

fn feed_url(url: &str) -> Result<Url, ChannelError> {
    if url.len() > 2048 {
        return Err(ChannelError::Permanent(
            "RSS feed URL: longer than 2048 characters".into(),
        ));
    }
    let parsed = Url::parse(url.trim())
        .map_err(|e| ChannelError::Permanent(format!("RSS feed URL: {url:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ChannelError::Permanent(format!(
            "RSS feed URL: {url:?} must be an http(s) address"
        )));
    }
    Ok(parsed)
}

/// Where reading a feed stopped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct State {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_modified: Option<String>,
    /// The newest entry time seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    newest: Option<Timestamp>,
    /// The ids of the entries seen at `newest`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    at_newest: Vec<String>,
    /// The ids of entries without a date seen so far.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    undated: Vec<String>,
}

impl State {
    fn read(cursor: &Cursor) -> Result<State, ChannelError> {
        serde_json::from_str(&cursor.0)
            .map_err(|e| ChannelError::Permanent(format!("RSS cursor: unreadable: {e}")))
    }

    fn cursor(&self) -> Cursor {
        Cursor(serde_json::to_string(self).unwrap_or_default())
    }
}

impl Rss {
    /// A reader of the feed at `url`.
    pub fn new(url: &str) -> Result<Rss, ChannelError> {
        Ok(Rss {
            url: feed_url(url)?,
            http: http::client()?,
        })
    }

    /// Fetches the feed; `None` when it did not change (304).
    async fn fetch(
        &self,
        state: &State,
    ) -> Result<Option<(Vec<u8>, Option<String>, Option<String>)>, ChannelError> {
        let mut request = self.http.get(self.url.clone()).header(
            "accept",
            "application/atom+xml, application/rss+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5",
        );
        if let Some(etag) = &state.etag {
            request = request.header(IF_NONE_MATCH, etag);
        }
        if let Some(at) = &state.last_modified {
            request = request.header(IF_MODIFIED_SINCE, at);
        }
        let mut response = request.send().await.map_err(http::from_reqwest)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let (etag, last_modified) = (header(ETAG), header(LAST_MODIFIED));
        if !status.is_success() {
            let headers = response.headers().clone();
            let body = response.text().await.unwrap_or_default();
            let e = http::from_status(status, &headers, &body);
            return Err(match e {
                ChannelError::Permanent(r) => {
                    ChannelError::Permanent(format!("RSS feed {}: {r}", self.url))
                }
                ChannelError::Transient(r) => {
                    ChannelError::Transient(format!("RSS feed {}: {r}", self.url))
                }
                e => e,
            });
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(http::from_reqwest)? {
            if body.len() + chunk.len() > MAX_FEED_BYTES {
                return Err(ChannelError::Permanent(format!(
                    "RSS feed {}: larger than {} MB",
                    self.url,
                    MAX_FEED_BYTES / 1024 / 1024
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Some((body, etag, last_modified)))
    }
}

/// A parsed feed entry, as Tend reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The message it is.
    pub message: IncomingMessage,
    /// The time that orders it (`updated`, else `published`).
    pub time: Option<Timestamp>,
}

/// Parses a feed: its title and entries. A fault names the feed's line and
/// column (XML) or what is missing. Never panics.
pub fn parse_feed(body: &[u8], source: &str) -> Result<(Option<String>, Vec<Entry>), ChannelError> {
    check_xml(body).map_err(|e| ChannelError::Permanent(format!("RSS feed {source}: {e}")))?;
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(source))
        .id_generator(|links, title, _| {
            let link = links.first().map(|l| l.href.as_str()).unwrap_or("");
            let title = title.as_ref().map(|t| t.content.as_str()).unwrap_or("");
            format!("entry-{:016x}", fnv1a(&[link, "\n", title]))
        })
        .build();
    let feed = parser
        .parse(body)
        .map_err(|e| ChannelError::Permanent(format!("RSS feed {source}: {e}")))?;
    let comments_feed = feed
        .title
        .as_ref()
        .is_some_and(|t| t.content.trim_start().starts_with("Comments"));
    let feed_title = feed
        .title
        .as_ref()
        .map(|t| text(&t.content, &t.content_type));
    let entries = feed
        .entries
        .iter()
        .filter_map(|e| entry(e, &feed.authors, comments_feed))
        .collect();
    Ok((feed_title, entries))
}

/// A feed text as plain text: HTML (and XHTML) converted, plain text trimmed.
fn text(content: &str, media: &impl std::fmt::Display) -> String {
    if media.to_string().contains("html") {
        html::to_text(content)
    } else {
        content.trim().to_owned()
    }
}

fn timestamp(millis: Option<i64>) -> Option<Timestamp> {
    Timestamp::from_millisecond(millis?).ok()
}

fn entry(
    e: &feed_rs::model::Entry,
    feed_authors: &[feed_rs::model::Person],
    comments_feed: bool,
) -> Option<Entry> {
    let title = e
        .title
        .as_ref()
        .map(|t| text(&t.content, &t.content_type))
        .filter(|t| !t.is_empty());
    let body = match (&e.content, &e.summary) {
        (Some(c), _) if c.body.as_deref().is_some_and(|b| !b.trim().is_empty()) => {
            let b = c.body.as_deref().unwrap_or_default();
            if c.content_type.to_string() == "text/plain" {
                b.trim().to_owned()
            } else {
                html::to_text(b)
            }
        }
        (_, Some(s)) => text(&s.content, &s.content_type),
        _ => String::new(),
    };
    let text = if body.trim().is_empty() {
        title.clone()?
    } else {
        body
    };
    let published = timestamp(e.published.map(|t| t.timestamp_millis()));
    let updated = timestamp(e.updated.map(|t| t.timestamp_millis()));
    let time = updated.or(published);
    let edited_at = match (published, updated) {
        (Some(p), Some(u)) if u > p => Some(u),
        _ => None,
    };
    let permalink = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(e.links.first())
        .map(|l| l.href.clone());
    let is_comment = comments_feed
        || title.as_deref().is_some_and(|t| {
            t.starts_with("Comment on ") || t.starts_with("Re: ") || t.starts_with("RE: ")
        });
    let person = e.authors.first().or(feed_authors.first());
    let author = person.and_then(|p| {
        let name = p.name.as_deref().map(str::trim).filter(|n| !n.is_empty());
        let id = p.uri.as_deref().or(p.email.as_deref()).or(name)?.to_owned();
        Some(IncomingAuthor {
            platform: ChannelKind::Rss,
            handle: name.unwrap_or(&id).to_owned(),
            display_name: name.map(str::to_owned),
            profile_url: p.uri.clone().filter(|u| u.starts_with("http")),
            email: p.email.clone(),
            external_id: id,
            followers: None,
            verified: false,
        })
    });
    Some(Entry {
        message: IncomingMessage {
            external_id: e.id.clone(),
            kind: if is_comment {
                MessageKind::Comment
            } else {
                MessageKind::ForumPost
            },
            direction: Direction::Inbound,
            thread_external_id: None,
            parent_external_id: None,
            author,
            title,
            text,
            lang: e.language.clone(),
            created_at: published.or(updated).unwrap_or_else(Timestamp::now),
            edited_at,
            permalink,
            engagement: Engagement::default(),
            rating: None,
        },
        time,
    })
}

/// Checks that an XML feed is well formed, naming the line and column of
/// the first fault. JSON feeds and UTF-16 documents are left to `feed-rs`.
fn check_xml(body: &[u8]) -> Result<(), String> {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF));
    match start.map(|i| body[i]) {
        None => return Err("empty document".into()),
        Some(b'{') => return Ok(()),
        Some(b'<') => {}
        Some(0xFE | 0xFF) => return Ok(()),
        Some(_) => return Err("not a feed: it does not start with < or {".into()),
    }
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut roots = 0;
    loop {
        let event = reader.read_event_into(&mut buf);
        match event {
            Ok(quick_xml::events::Event::Start(e)) => {
                if open.is_empty() {
                    roots += 1;
                }
                open.push(e.name().as_ref().to_owned());
            }
            Ok(quick_xml::events::Event::Empty(_)) if open.is_empty() => roots += 1,
            Ok(quick_xml::events::Event::End(_)) => {
                open.pop();
            }
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                return Err(format!(
                    "not well-formed XML at {}: {e}",
                    position(body, at)
                ));
            }
        }
        if roots > 1 {
            let at = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
            return Err(format!(
                "not well-formed XML at {}: a second root element",
                position(body, at)
            ));
        }
        buf.clear();
    }
    if let Some(name) = open.last() {
        return Err(format!(
            "not well-formed XML: the document ends inside <{}> ({})",
            name,
            position(body, body.len())
        ));
    }
    if roots == 0 {
        return Err("not well-formed XML: no root element".into());
    }
    Ok(())
}

/// A stable 64-bit FNV-1a hash (the id of an entry without one must be the
/// same in every process and Rust version).
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in parts.iter().flat_map(|p| p.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// "line L, column C" (1-based, columns in bytes) of a byte offset.
fn position(body: &[u8], at: usize) -> String {
    let before = &body[..at.min(body.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    format!("line {line}, column {column}")
}

/// Which entries are new or edited since `state`, and the state after them.
fn select(entries: Vec<Entry>, state: &State) -> (Vec<IncomingMessage>, State) {
    let mut next = state.clone();
    let mut out = Vec::new();
    for e in entries {
        let id = e.message.external_id.clone();
        let new = match (e.time, state.newest) {
            (None, _) => !state.undated.contains(&id),
            (Some(_), None) => true,
            (Some(t), Some(newest)) => {
                t > newest || (t == newest && !state.at_newest.contains(&id))
            }
        };
        match e.time {
            None => {
                if !next.undated.contains(&id) {
                    next.undated.push(id);
                }
            }
            Some(t) if next.newest.is_none_or(|n| t > n) => {
                next.newest = Some(t);
                next.at_newest = vec![id];
            }
            Some(t) if next.newest == Some(t) && !next.at_newest.contains(&id) => {
                next.at_newest.push(id)
            }
            Some(_) => {}
        }
        if new {
            out.push(e.message);
        }
    }
    let excess = next.undated.len().saturating_sub(MAX_UNDATED);
    next.undated.drain(..excess);
    out.sort_by_key(|m| m.created_at);
    (out, next)
}

#[async_trait]
impl Source for Rss {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        let state = since.map(State::read).transpose()?.unwrap_or_default();
        let Some((body, etag, last_modified)) = self.fetch(&state).await? else {
            let page = Page {
                cursor: since.cloned(),
                ..Page::default()
            };
            sink.page(page)
                .await
                .map_err(|e| ChannelError::Transient(format!("storing an RSS page: {e}")))?;
            return Ok(More::No);
        };
        let (_, entries) = parse_feed(&body, self.url.as_str())?;
        let (mut items, mut next) = select(entries, &state);
        if since.is_none() {
            items.retain(|m| {
                m.created_at >= window.backfill_from
                    || m.edited_at.is_some_and(|t| t >= window.backfill_from)
            });
        }
        next.etag = etag;
        next.last_modified = last_modified;
        sink.page(Page {
            items: items.into_iter().map(IncomingItem::Message).collect(),
            deleted: Vec::new(),
            cursor: Some(next.cursor()),
        })
        .await
        .map_err(|e| ChannelError::Transient(format!("storing an RSS page: {e}")))?;
        Ok(More::No)
    }
}

const READ_ONLY: &str = "RSS feeds are read-only";

#[async_trait]
impl Publisher for Rss {
    async fn publish(&self, _post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        Err(ChannelError::Permanent(READ_ONLY.into()))
    }

    async fn lookup(&self, _post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        Ok(None)
    }

    async fn delete(&self, _item: &RemoteRef) -> Result<(), ChannelError> {
        Err(ChannelError::Permanent(READ_ONLY.into()))
    }
}

#[async_trait]
impl Connector for Rss {
    async fn verify(&self) -> Result<AccountInfo, ChannelError> {
        let (body, _, _) = self.fetch(&State::default()).await?.ok_or_else(|| {
            ChannelError::Transient(format!("RSS feed {}: 304 without a validator", self.url))
        })?;
        let (title, _) = parse_feed(&body, self.url.as_str())?;
        Ok(AccountInfo {
            handle: title.or_else(|| self.url.host_str().map(str::to_owned)),
            token_expires_at: None,
            max_chars: None,
        })
    }
}
