//! LinkedIn publishing: comment replies and page posts (little text
//! escaped), deletes, and the read-back that settles an unknown outcome.

use super::{Linkedin, api, escape_little_text};
use crate::live::{ChannelError, Outgoing, Publisher, RemoteRef, http};
use async_trait::async_trait;
use jiff::Timestamp;
use reqwest::StatusCode;

/// How far before the key was made a lookup looks (clock skew).
const LOOKUP_SLACK_MS: i64 = 120_000;
/// When the key was made (the key ends in `.{epoch seconds}`).
fn key_time(key: &str) -> Option<Timestamp> {
    let secs = key.rsplit_once('.')?.1.parse::<i64>().ok()?;
    Timestamp::from_second(secs).ok()
}

/// Where a reply goes: the URN in the path, the post (`object`) and the
/// parent comment.
fn reply_route(target: &str) -> Result<(String, String, Option<String>), ChannelError> {
    if let Some((object, _)) = api::comment_parts(target) {
        return Ok((
            target.to_string(),
            object.to_string(),
            Some(target.to_string()),
        ));
    }
    api::check_post_urn("reply target", target).map_err(ChannelError::Permanent)?;
    Ok((target.to_string(), target.to_string(), None))
}

#[async_trait]
impl Publisher for Linkedin {
    /// The key carries the moment it was made, so a lookup reads back only
    /// what the page wrote since then.
    fn new_key(&self, unique: &str, now: Timestamp) -> String {
        format!("{unique}.{}", now.as_second())
    }

    async fn publish(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        let Some(target) = &post.reply_to else {
            return self.publish_post(post).await;
        };
        let (path_urn, object, parent) = reply_route(&target.external_id)?;
        let mut body = serde_json::json!({
            "actor": self.org,
            "object": object,
            "message": { "text": post.text },
        });
        if let Some(p) = &parent {
            body["parentComment"] = serde_json::json!(p);
        }
        let url = format!(
            "{}/socialActions/{}/comments",
            self.base,
            api::enc(&path_urn)
        );
        let (status, headers, answer) = self.send(|c| c.post(&url).json(&body)).await?;
        if status == StatusCode::NOT_FOUND {
            return Err(ChannelError::Permanent(format!(
                "LinkedIn: the post or comment answered is gone: {}",
                http::short(&answer)
            )));
        }
        // Made but unreadable: the outcome is unknown, `lookup` settles it.
        let urn = match api::parse::<api::Comment>("created comment", &answer) {
            Ok(c) => api::comment_urn(&c).map_err(ChannelError::Transient)?,
            Err(e) => headers
                .get("x-restli-id")
                .and_then(|v| v.to_str().ok())
                .filter(|v| api::comment_parts(v).is_some())
                .map(str::to_string)
                .ok_or(ChannelError::Transient(e))?,
        };
        Ok(comment_ref(&object, urn))
    }

    async fn lookup(&self, post: &Outgoing) -> Result<Option<RemoteRef>, ChannelError> {
        let since = key_time(&post.key)
            .map(|t| t.as_millisecond() - LOOKUP_SLACK_MS)
            .unwrap_or(0);
        let want = api::loose(&post.text);
        let Some(target) = &post.reply_to else {
            for p in self.posts(1).await? {
                let at = p.published_at.or(p.created_at).unwrap_or(0);
                let text = api::unescape_little_text(p.commentary.as_deref().unwrap_or_default());
                if at >= since
                    && api::loose(&text) == want
                    && api::check_post_urn("own post", &p.id).is_ok()
                {
                    return Ok(Some(post_ref(p.id)));
                }
            }
            return Ok(None);
        };
        let (path_urn, object, parent) = reply_route(&target.external_id)?;
        for c in self.own_comments(&path_urn).await? {
            let at = c.created.as_ref().and_then(|s| s.time).unwrap_or(0);
            let text = c.message.as_ref().map(|m| api::loose(&m.text));
            if at >= since
                && c.parent_comment == parent
                && text.as_deref() == Some(want.as_str())
                && let Ok(urn) = api::comment_urn(&c)
            {
                return Ok(Some(comment_ref(&object, urn)));
            }
        }
        Ok(None)
    }

    async fn delete(&self, item: &RemoteRef) -> Result<(), ChannelError> {
        let url = if let Some((object, id)) = api::comment_parts(&item.id) {
            format!(
                "{}/socialActions/{}/comments/{id}?actor={}",
                self.base,
                api::enc(object),
                api::enc(&self.org)
            )
        } else {
            api::check_post_urn("delete", &item.id).map_err(ChannelError::Permanent)?;
            format!("{}/posts/{}", self.base, api::enc(&item.id))
        };
        // 404: already gone, which is what was wanted.
        self.send(|c| c.delete(&url)).await?;
        Ok(())
    }
}

impl Linkedin {
    async fn publish_post(&self, post: &Outgoing) -> Result<RemoteRef, ChannelError> {
        let body = serde_json::json!({
            "author": self.org,
            "commentary": escape_little_text(&post.text),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": []
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false
        });
        let url = format!("{}/posts", self.base);
        let (status, headers, answer) = match self.send(|c| c.post(&url).json(&body)).await {
            // LinkedIn refuses the same text twice: when the first attempt
            // of this very item is on the page, that is the answer.
            Err(ChannelError::Permanent(reason)) if reason.contains("DUPLICATE_POST") => {
                return match self.lookup(post).await {
                    Ok(Some(found)) => Ok(found),
                    _ => Err(ChannelError::Permanent(reason)),
                };
            }
            other => other?,
        };
        if status == StatusCode::NOT_FOUND {
            return Err(ChannelError::Permanent(format!(
                "LinkedIn answered 404 for /posts: {}",
                http::short(&answer)
            )));
        }
        let id = headers
            .get("x-restli-id")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| api::check_post_urn("created post", v).is_ok())
            .ok_or_else(|| {
                ChannelError::Transient("LinkedIn created post: no x-restli-id header".into())
            })?;
        Ok(post_ref(id.to_string()))
    }
}

fn post_ref(urn: String) -> RemoteRef {
    RemoteRef {
        url: Some(format!("https://www.linkedin.com/feed/update/{urn}/")),
        id: urn,
    }
}

fn comment_ref(object: &str, urn: String) -> RemoteRef {
    RemoteRef {
        url: Some(format!(
            "https://www.linkedin.com/feed/update/{object}/?commentUrn={}",
            api::enc(&urn)
        )),
        id: urn,
    }
}
