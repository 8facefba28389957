//! Reading a Discourse forum: the walk back through `/posts.json`, edits
//! and deletions of the watched posts, private messages, and mentions from
//! the notifications (see the module above for the rules).

use super::{CHUNK, Discourse, LOOKUP_CHUNKS, api, external_id, hand_over, url_part};
use crate::live::{ChannelError, Cursor, More, Page, Sink};
use jiff::Timestamp;
use std::collections::{HashMap, HashSet};
use tend_domain::IncomingItem;

/// How far back one read walks at most (`/posts.json` gives 50 a page):
/// a forum that wrote more since the last read loses the oldest of it.
const MAX_WALK_PAGES: usize = 100;

/// One post of a walk, with what the connector needs to decide about it.
struct Walked {
    brief: api::Brief,
    value: serde_json::Value,
}

impl Discourse {
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
    pub(super) async fn read_posts(
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
    pub(super) async fn read_private(
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
    pub(super) async fn read_mentions(
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
    pub(super) async fn posts_by_id(
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
}
