//! Reading the brand's mentions, replies and quotes from the firehose.
//!
//! Both [`Source::pull`] and [`Source::stream`] open
//! `com.atproto.sync.subscribeRepos` with `cursor=<seq>` (with no cursor:
//! `cursor=0`, the oldest event the PDS keeps, and posts older than the
//! backfill horizon are skipped; a relay configured as the firehose is read
//! from now on instead, as it keeps days of the whole network). Each page
//! carries the `seq` of its last frame as the cursor, so the next read
//! starts after it.
//!
//! - **Caught up** (the end of a pull): no frame arrived for [`IDLE`] while
//!   the socket was open. The PDS sends its backlog at once, so a quiet
//!   socket means the head was reached. A pull also stops at
//!   `window.until` and at `window.max_pages` (then [`More::Yes`]).
//! - **Streaming** hands over a page as soon as a frame yields an item or
//!   a deletion, and a page with only the cursor every [`CURSOR_EVERY`].
//! - **Kept**: posts (not the brand's own) with a mention facet of the
//!   brand's DID, a reply whose parent or root is in the brand's repository,
//!   or a quote (`embed.record`, `recordWithMedia`) of a brand post. An
//!   update of such a post is an edit (same AT URI, new text). Deletions are
//!   reported for authors this connector delivered a post of since it
//!   started (kept in memory: after a restart, a deletion by an author not
//!   seen again is missed).
//! - Undecodable frames are skipped; an error frame ends the read
//!   (`FutureCursor`: the cursor is ahead of the server, a `Permanent`
//!   error naming it).

use super::firehose::{Frame, POSTS, PostOp};
use super::{Bluesky, MAX_SEEN, post_url};
use crate::live::{ChannelError, Cursor, More, Page, Sink, Source, Window};
use async_trait::async_trait;
use futures_util::StreamExt;
use jiff::Timestamp;
use std::time::{Duration, Instant};
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
};
use tokio_tungstenite::tungstenite::{self, Message};

/// A pull is caught up once no frame came for this long.
pub const IDLE: Duration = Duration::from_millis(500);
/// In a pull, a page is handed over at least every this many frames.
const FRAMES_PER_PAGE: usize = 500;
/// While streaming, the cursor is handed over at least this often.
pub const CURSOR_EVERY: Duration = Duration::from_secs(5);
/// How long opening the socket may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Pull,
    Stream,
}

fn ws_error(e: tungstenite::Error) -> ChannelError {
    match e {
        tungstenite::Error::Http(res) => {
            let reason = format!("Bluesky firehose: HTTP {}", res.status());
            match res.status().as_u16() {
                401 | 403 => ChannelError::Unauthorized(reason),
                429 => ChannelError::RateLimited {
                    retry_after: Duration::from_secs(60),
                },
                408 | 500..=599 => ChannelError::Transient(reason),
                _ => ChannelError::Permanent(reason),
            }
        }
        tungstenite::Error::Url(e) => {
            ChannelError::Permanent(format!("Bluesky firehose: bad URL: {e}"))
        }
        other => ChannelError::Transient(format!("Bluesky firehose: {other}")),
    }
}

/// The authority (DID or handle) of an AT URI.
fn authority(uri: &str) -> Option<&str> {
    uri.strip_prefix("at://")?.split('/').next()
}

/// The ISO 639-1 part of a BCP 47 tag (`en-US` → `en`).
fn iso639_1(tag: &str) -> Option<String> {
    let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
    (primary.len() == 2 && primary.chars().all(|c| c.is_ascii_alphabetic())).then_some(primary)
}

impl Bluesky {
    fn firehose_url(&self, cursor: Option<i64>) -> Result<String, ChannelError> {
        let base = self.firehose.as_deref().unwrap_or(&self.service);
        let ws = if let Some(rest) = base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else if base.starts_with("wss://") || base.starts_with("ws://") {
            base.to_owned()
        } else {
            return Err(ChannelError::Permanent(format!(
                "Bluesky: the firehose address {base:?} is not an http(s) or ws(s) URL"
            )));
        };
        let mut url = format!("{ws}/xrpc/com.atproto.sync.subscribeRepos");
        if let Some(c) = cursor {
            url.push_str(&format!("?cursor={c}"));
        }
        Ok(url)
    }

    /// The handle of `did`: from `#identity` events seen, else the PDS's
    /// `describeRepo`, else the DID itself.
    async fn handle_of(&self, did: &str) -> String {
        if let Some(h) = self.seen_lock().handles.get(did) {
            return h.clone();
        }
        let query = [("repo", did)];
        let handle = match self
            .call("com.atproto.repo.describeRepo", &query, None)
            .await
        {
            Ok(v) => v["handle"].as_str().unwrap_or(did).to_owned(),
            Err(_) => did.to_owned(),
        };
        self.remember_handle(did, &handle);
        handle
    }

    fn seen_lock(&self) -> std::sync::MutexGuard<'_, super::Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn remember_handle(&self, did: &str, handle: &str) {
        let mut seen = self.seen_lock();
        if seen.handles.len() >= MAX_SEEN {
            seen.handles.clear();
        }
        seen.handles.insert(did.to_owned(), handle.to_owned());
    }

    /// Adds what `frame` holds for the brand (`brand`: its DID and handle) to `page`.
    async fn absorb(
        &self,
        frame: Frame,
        brand: (&str, &str),
        backfill_from: Option<Timestamp>,
        page: &mut Page,
    ) {
        let is_brand = |uri: &str| authority(uri).is_some_and(|a| a == brand.0 || a == brand.1);
        let commit = match frame {
            Frame::Identity {
                did,
                handle: Some(handle),
                ..
            } => return self.remember_handle(&did, &handle),
            Frame::Commit(c) if c.repo != brand.0 => c,
            _ => return,
        };
        let time = commit.time.parse::<Timestamp>().ok();
        for op in commit.ops {
            let (rkey, updated, post) = match op {
                PostOp::Delete { rkey } => {
                    if self.seen_lock().authors.contains(&commit.repo) {
                        page.deleted
                            .push(format!("at://{}/{POSTS}/{rkey}", commit.repo));
                    }
                    continue;
                }
                PostOp::Write {
                    rkey,
                    updated,
                    post,
                } => (rkey, updated, post),
            };
            let reply_to_brand = post
                .reply
                .as_ref()
                .is_some_and(|(root, parent)| is_brand(root) || is_brand(parent));
            let relevant = reply_to_brand
                || post.mentions.iter().any(|d| d == brand.0)
                || post.quoted.as_deref().is_some_and(is_brand);
            if !relevant {
                continue;
            }
            let created_at = post
                .created_at
                .as_deref()
                .and_then(|t| t.parse::<Timestamp>().ok())
                .or(time)
                .unwrap_or_else(Timestamp::now);
            if backfill_from.is_some_and(|from| time.unwrap_or(created_at) < from) {
                continue;
            }
            let handle = self.handle_of(&commit.repo).await;
            {
                let mut seen = self.seen_lock();
                if seen.authors.len() >= MAX_SEEN {
                    seen.authors.clear();
                }
                seen.authors.insert(commit.repo.clone());
            }
            let (thread, parent) = match post.reply {
                Some((root, parent)) => (Some(root), Some(parent)),
                None => (None, None),
            };
            page.items.push(IncomingItem::Message(IncomingMessage {
                external_id: format!("at://{}/{POSTS}/{rkey}", commit.repo),
                kind: if parent.is_some() {
                    MessageKind::Reply
                } else {
                    MessageKind::Mention
                },
                direction: Direction::Inbound,
                thread_external_id: thread,
                parent_external_id: parent,
                author: Some(IncomingAuthor {
                    platform: ChannelKind::Bluesky,
                    external_id: commit.repo.clone(),
                    profile_url: Some(format!("https://bsky.app/profile/{}", commit.repo)),
                    handle,
                    display_name: None,
                    followers: None,
                    verified: false,
                    email: None,
                }),
                title: None,
                text: post.text,
                lang: post.lang.as_deref().and_then(iso639_1),
                created_at,
                edited_at: if updated { time } else { None },
                permalink: Some(post_url(&commit.repo, &rkey)),
                engagement: Engagement::default(),
                rating: None,
            }));
        }
    }

    async fn read(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
        mode: Mode,
    ) -> Result<More, ChannelError> {
        let start = match since {
            Some(c) => Some(c.0.parse::<i64>().ok().filter(|s| *s >= 0).ok_or_else(|| {
                ChannelError::Permanent(format!("Bluesky: bad firehose cursor {:?}", c.0))
            })?),
            None if self.firehose.is_none() => Some(0),
            None => None,
        };
        let backfill_from = since.is_none().then_some(window.backfill_from);
        let session = self.session().await?;
        let brand = (session.did.as_str(), session.handle.as_str());
        let url = self.firehose_url(start)?;
        crate::live::http::install_tls();
        let (mut socket, _) = tokio::time::timeout(
            CONNECT_TIMEOUT,
            tokio_tungstenite::connect_async(url.as_str()),
        )
        .await
        .map_err(|_| ChannelError::Transient(format!("Bluesky firehose: {url} did not answer")))?
        .map_err(ws_error)?;

        let mut page = Page::default();
        let (mut frames, mut pages, mut last_handed) = (0usize, 0usize, Instant::now());
        let mut hand = async |page: &mut Page, pages: &mut usize| -> Result<(), ChannelError> {
            if page.cursor.is_some() {
                sink.page(std::mem::take(page))
                    .await
                    .map_err(|e| ChannelError::Transient(e.to_string()))?;
                *pages += 1;
            }
            Ok(())
        };
        let outcome = loop {
            let now = Instant::now();
            if now >= window.until {
                break Ok(More::No);
            }
            let wait = (window.until - now).min(match mode {
                Mode::Pull => IDLE,
                Mode::Stream => CURSOR_EVERY,
            });
            let message = match tokio::time::timeout(wait, socket.next()).await {
                Err(_) if mode == Mode::Pull => break Ok(More::No),
                Err(_) => {
                    if last_handed.elapsed() >= CURSOR_EVERY {
                        hand(&mut page, &mut pages).await?;
                        last_handed = Instant::now();
                    }
                    continue;
                }
                Ok(None) | Ok(Some(Ok(Message::Close(_)))) => break Ok(More::No),
                Ok(Some(Err(e))) => break Err(ws_error(e)),
                Ok(Some(Ok(Message::Binary(bytes)))) => bytes,
                Ok(Some(Ok(_))) => continue,
            };
            let Ok(frame) = super::decode_frame(&message) else {
                continue;
            };
            if let Frame::Error { error, message } = &frame {
                let reason = format!(
                    "Bluesky firehose refused: {error}: {}",
                    message.as_deref().unwrap_or_default()
                );
                break Err(if error == "FutureCursor" {
                    ChannelError::Permanent(reason)
                } else {
                    ChannelError::Transient(reason)
                });
            }
            let seq = frame.seq();
            self.absorb(frame, brand, backfill_from, &mut page).await;
            if let Some(seq) = seq {
                page.cursor = Some(Cursor(seq.to_string()));
            }
            frames += 1;
            let found = !page.items.is_empty() || !page.deleted.is_empty();
            let due = match mode {
                Mode::Pull => frames >= FRAMES_PER_PAGE || page.items.len() >= 100,
                Mode::Stream => found || last_handed.elapsed() >= CURSOR_EVERY,
            };
            if due {
                hand(&mut page, &mut pages).await?;
                frames = 0;
                last_handed = Instant::now();
                if mode == Mode::Pull && pages >= window.max_pages.max(1) {
                    break Ok(More::Yes);
                }
            }
        };
        // What was read before an error is kept; the error is still told.
        hand(&mut page, &mut pages).await?;
        let _ = socket.close(None).await;
        outcome
    }
}

#[async_trait]
impl Source for Bluesky {
    async fn pull(
        &self,
        since: Option<&Cursor>,
        window: &Window,
        sink: &mut dyn Sink,
    ) -> Result<More, ChannelError> {
        self.read(since, window, sink, Mode::Pull).await
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
        self.read(since, window, sink, Mode::Stream).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_and_authorities_are_read_leniently() {
        assert_eq!(iso639_1("en-US").as_deref(), Some("en"));
        assert_eq!(iso639_1("yue"), None);
        assert_eq!(
            authority("at://did:plc:x/app.bsky.feed.post/1"),
            Some("did:plc:x")
        );
        assert_eq!(authority("https://x"), None);
    }
}
