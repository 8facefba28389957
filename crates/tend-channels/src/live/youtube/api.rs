//! The YouTube Data API v3's JSON as the connector reads it (private types),
//! its mapping to Tend's [`IncomingMessage`], and its error envelope. Parse
//! errors name the answer and the path of the field that failed
//! (`YouTube commentThreads: at items[2].snippet.topLevelComment.id: …`).

use crate::import::html;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

/// `commentThreads.list`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ThreadList {
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub items: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Thread {
    pub id: String,
    pub snippet: ThreadSnippet,
    #[serde(default)]
    pub replies: Option<Replies>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ThreadSnippet {
    #[serde(default)]
    pub video_id: Option<String>,
    pub top_level_comment: Comment,
    #[serde(default)]
    pub total_reply_count: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Replies {
    #[serde(default)]
    pub comments: Vec<Comment>,
}

/// `comments.list`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CommentList {
    #[serde(default)]
    pub next_page_token: Option<String>,
    #[serde(default)]
    pub items: Vec<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Comment {
    pub id: String,
    pub snippet: CommentSnippet,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CommentSnippet {
    #[serde(default)]
    pub author_display_name: Option<String>,
    #[serde(default)]
    pub author_channel_url: Option<String>,
    #[serde(default)]
    pub author_channel_id: Option<ChannelRef>,
    #[serde(default)]
    pub video_id: Option<String>,
    #[serde(default)]
    pub text_display: Option<String>,
    #[serde(default)]
    pub text_original: Option<String>,
    #[serde(default)]
    pub parent_id: Option<String>,
    #[serde(default)]
    pub like_count: Option<i64>,
    pub published_at: String,
    #[serde(default)]
    pub updated_at: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ChannelRef {
    pub value: String,
}

/// `channels.list`.
#[derive(Debug, Deserialize)]
pub(super) struct ChannelList {
    #[serde(default)]
    pub items: Vec<Channel>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Channel {
    pub id: String,
    #[serde(default)]
    pub snippet: Option<ChannelSnippet>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ChannelSnippet {
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub custom_url: Option<String>,
}

/// Google's error envelope.
#[derive(Debug, Deserialize)]
pub(super) struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Deserialize)]
pub(super) struct ErrorBody {
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ErrorItem {
    #[serde(default)]
    pub reason: Option<String>,
}

/// The first `reason` of an error answer (`quotaExceeded`, `forbidden`).
pub(super) fn error_reason(body: &str) -> Option<String> {
    let envelope: ErrorEnvelope = serde_json::from_str(body).ok()?;
    envelope
        .error
        .errors
        .into_iter()
        .find_map(|e| e.reason)
        .or(envelope.error.message)
}

/// Parses `body`, the answer of `what`; an error names the field's path.
pub(super) fn parse<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("YouTube {what}: at {path}: {}", e.inner())
    })
}

/// The elements of a list answer, each parsed or with the reason it could
/// not be (one unreadable element must not hide the others).
pub(super) fn items<T: DeserializeOwned>(
    what: &str,
    items: Vec<serde_json::Value>,
) -> Vec<Result<T, String>> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_path_to_error::deserialize(v)
                .map_err(|e| format!("YouTube {what}: at items[{i}].{}: {}", e.path(), e.inner()))
        })
        .collect()
}

/// Checks an id before it goes into a query or a body (comment ids are
/// base64url-ish, a reply's is `thread.reply`).
pub(super) fn check_id(what: &str, id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "YouTube {what}: not an id: {:?}",
            id.chars().take(40).collect::<String>()
        ))
    }
}

fn timestamp(what: &str, field: &str, value: &str) -> Result<jiff::Timestamp, String> {
    value.parse().map_err(|e| {
        format!(
            "YouTube {what}: {field} {:?}: {e}",
            value.chars().take(40).collect::<String>()
        )
    })
}

/// A comment as a message. `brand` is the channel's id (its own comments
/// are outbound posts); `replies` is a top-level comment's reply count.
pub(super) fn message(
    comment: &Comment,
    brand: &str,
    video: Option<&str>,
    replies: i64,
) -> Result<IncomingMessage, String> {
    let what = format!(
        "comment {}",
        comment.id.chars().take(40).collect::<String>()
    );
    check_id(&what, &comment.id)?;
    let s = &comment.snippet;
    if let Some(parent) = &s.parent_id {
        check_id(&what, parent)?;
    }
    let created_at = timestamp(&what, "publishedAt", &s.published_at)?;
    let edited_at = match &s.updated_at {
        Some(u) => Some(timestamp(&what, "updatedAt", u)?).filter(|u| *u > created_at),
        None => None,
    };
    let author = s
        .author_channel_id
        .as_ref()
        .map(|c| c.value.trim())
        .filter(|id| !id.is_empty())
        .map(|id| {
            let name = s
                .author_display_name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .unwrap_or(id);
            IncomingAuthor {
                platform: ChannelKind::Youtube,
                external_id: id.to_string(),
                handle: name.to_string(),
                // YouTube shows the @handle; an older channel shows its name.
                display_name: (!name.starts_with('@')).then(|| name.to_string()),
                profile_url: s.author_channel_url.clone(),
                followers: None,
                verified: false,
                email: None,
            }
        });
    let ours = author.as_ref().is_some_and(|a| a.external_id == brand);
    let text = match &s.text_original {
        Some(t) => t.clone(),
        None => html::to_text(s.text_display.as_deref().unwrap_or_default()),
    };
    let video = s.video_id.as_deref().or(video);
    let permalink = video
        .filter(|v| check_id("video", v).is_ok())
        .map(|v| format!("https://www.youtube.com/watch?v={v}&lc={}", comment.id));
    let kind = if ours {
        MessageKind::Post
    } else if s.parent_id.is_some() {
        MessageKind::Reply
    } else {
        MessageKind::Comment
    };
    Ok(IncomingMessage {
        rating: None,
        external_id: comment.id.clone(),
        kind,
        direction: if ours {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        thread_external_id: s.parent_id.clone(),
        parent_external_id: s.parent_id.clone(),
        author,
        title: None,
        text,
        lang: None,
        created_at,
        edited_at,
        permalink,
        engagement: Engagement {
            likes: s.like_count.unwrap_or(0).max(0),
            shares: 0,
            replies: replies.max(0),
            views: 0,
        },
    })
}

/// Text compared loosely: whitespace collapsed.
pub(super) fn same_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs the payload mapping on arbitrary bytes (thread and comment lists,
/// error bodies), for the fuzz target: it must return, never panic.
pub fn fuzz(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(list) = parse::<ThreadList>("commentThreads", text) {
        for thread in items::<Thread>("commentThreads", list.items)
            .into_iter()
            .flatten()
        {
            let s = &thread.snippet;
            let _ = message(
                &s.top_level_comment,
                "UCx",
                s.video_id.as_deref(),
                s.total_reply_count.unwrap_or(0),
            );
            for reply in thread.replies.iter().flat_map(|r| &r.comments) {
                let _ = message(reply, "UCx", None, 0);
            }
        }
    }
    if let Ok(list) = parse::<CommentList>("comments", text) {
        for comment in items::<Comment>("comments", list.items)
            .into_iter()
            .flatten()
        {
            let _ = message(&comment, "UCx", None, 0);
        }
    }
    let _ = error_reason(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn sample() -> Value {
        json!({"kind": "youtube#commentThreadListResponse", "items": [{
            "kind": "youtube#commentThread",
            "id": "UgyWeTdgc4sc1xgmbld4AaABAg",
            "snippet": {
                "channelId": "UCa-vrCLQHviTOVnEKDOdetQ",
                "videoId": "JE8xdDp5B8Q",
                "topLevelComment": {
                    "kind": "youtube#comment",
                    "id": "UgyWeTdgc4sc1xgmbld4AaABAg",
                    "snippet": {
                        "authorDisplayName": "kun liu",
                        "authorChannelUrl": "http://www.youtube.com/channel/UCNvMBmCASzTNNX8lW3JRMbw",
                        "authorChannelId": {"value": "UCNvMBmCASzTNNX8lW3JRMbw"},
                        "videoId": "JE8xdDp5B8Q",
                        "textDisplay": "Hope to go next time. yah!",
                        "textOriginal": "Hope to go next time. yah!",
                        "likeCount": 2,
                        "publishedAt": "2019-12-01T03:36:55.000Z",
                        "updatedAt": "2019-12-01T03:40:00.000Z"
                    }
                },
                "totalReplyCount": 1
            },
            "replies": {"comments": [{
                "id": "UgyWeTdgc4sc1xgmbld4AaABAg.91zT3cYb5B2",
                "snippet": {
                    "authorDisplayName": "@brand",
                    "authorChannelId": {"value": "UCa-vrCLQHviTOVnEKDOdetQ"},
                    "textOriginal": "Thanks!",
                    "parentId": "UgyWeTdgc4sc1xgmbld4AaABAg",
                    "publishedAt": "2019-12-01T04:00:00Z",
                    "updatedAt": "2019-12-01T04:00:00Z"
                }
            }]}
        }]})
    }

    #[test]
    fn threads_and_replies_map_with_their_authors() {
        let list: ThreadList = parse("commentThreads", &sample().to_string()).unwrap();
        let thread: Thread = items("commentThreads", list.items).pop().unwrap().unwrap();
        let top = message(
            &thread.snippet.top_level_comment,
            "UCa-vrCLQHviTOVnEKDOdetQ",
            thread.snippet.video_id.as_deref(),
            1,
        )
        .unwrap();
        assert_eq!(top.kind, MessageKind::Comment);
        assert!(top.edited_at.is_some());
        assert_eq!(top.engagement.likes, 2);
        let a = top.author.unwrap();
        assert_eq!(
            (a.handle.as_str(), a.display_name.as_deref()),
            ("kun liu", Some("kun liu"))
        );
        assert_eq!(
            top.permalink.as_deref(),
            Some("https://www.youtube.com/watch?v=JE8xdDp5B8Q&lc=UgyWeTdgc4sc1xgmbld4AaABAg")
        );
        let reply = &thread.replies.unwrap().comments[0];
        let r = message(reply, "UCa-vrCLQHviTOVnEKDOdetQ", None, 0).unwrap();
        assert_eq!(r.direction, Direction::Outbound);
        assert_eq!(
            r.parent_external_id.as_deref(),
            Some("UgyWeTdgc4sc1xgmbld4AaABAg")
        );
        let author = r.author.unwrap();
        assert_eq!(author.display_name, None, "an @handle is the handle");
    }

    #[test]
    fn error_reasons_are_read() {
        let body = r#"{"error":{"code":403,"message":"quota","errors":[{"domain":"youtube.quota","reason":"quotaExceeded","message":"x"}]}}"#;
        assert_eq!(error_reason(body).as_deref(), Some("quotaExceeded"));
        assert_eq!(error_reason("<html>"), None);
        assert!(check_id("x", "Ugy.abc-_").is_ok());
        assert!(check_id("x", "a&b=c").is_err());
    }

    const FIELDS: &[&[&str]] = &[
        &["id"],
        &["snippet", "topLevelComment", "id"],
        &["snippet", "topLevelComment", "snippet", "publishedAt"],
        &["snippet", "topLevelComment", "snippet", "updatedAt"],
        &["snippet", "topLevelComment", "snippet", "textOriginal"],
        &["snippet", "topLevelComment", "snippet", "authorChannelId"],
        &["snippet", "topLevelComment", "snippet", "likeCount"],
        &["snippet", "topLevelComment", "snippet", "parentId"],
        &["snippet", "totalReplyCount"],
        &["snippet", "videoId"],
        &["replies"],
    ];

    fn any_json() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            ".{0,40}".prop_map(Value::String),
            Just(json!([])),
            Just(json!({})),
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics_and_errors_name_the_answer(body in ".{0,300}") {
            if let Err(e) = parse::<ThreadList>("commentThreads", &body) {
                prop_assert!(e.starts_with("YouTube commentThreads"), "{}", e);
            }
            fuzz(body.as_bytes());
        }

        #[test]
        fn a_field_of_any_type_is_read_or_named(field in 0..FIELDS.len(), value in any_json()) {
            let path = FIELDS[field];
            let mut v = sample();
            let mut at = &mut v["items"][0];
            for key in &path[..path.len() - 1] {
                at = &mut at[*key];
            }
            at[path[path.len() - 1]] = value;
            let list: ThreadList = parse("commentThreads", &v.to_string()).unwrap();
            match items::<Thread>("commentThreads", list.items).pop().unwrap() {
                Err(e) => prop_assert!(e.contains("items[0]"), "{}", e),
                Ok(t) => {
                    if let Err(e) = message(&t.snippet.top_level_comment, "UCx", None, 0) {
                        prop_assert!(e.starts_with("YouTube"), "{}", e);
                    }
                }
            }
        }
    }
}
