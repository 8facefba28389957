//! Settling an unknown outcome on Discourse, which keeps no idempotency
//! key: the topic (or the brand's topics) read back for the post carrying
//! the attempt's invisible marker.

use super::{CHUNK, Discourse, LOOKUP_CHUNKS, answer, api, url_part};
use crate::live::{ChannelError, RemoteRef, http};
use jiff::Timestamp;
use reqwest::StatusCode;
use std::collections::HashMap;

impl Discourse {
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
    pub(super) async fn lookup_reply(
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
    pub(super) async fn lookup_topic(
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
