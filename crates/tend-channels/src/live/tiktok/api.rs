//! TikTok API v2 JSON as the connector reads it (private types): every
//! answer is `{"data": …, "error": {"code", "message", "log_id"}}`, with
//! `code` `"ok"` on success. Parse errors name the answer and the path of
//! the field that failed (`TikTok video list: at data.videos[2].id: …`).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

#[derive(Debug, Deserialize)]
pub(super) struct Envelope<T> {
    pub data: Option<T>,
    pub error: Option<Error>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Error {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub log_id: String,
}

/// `POST /v2/video/list/`'s `data`.
#[derive(Debug, Deserialize)]
pub(super) struct VideoList {
    #[serde(default)]
    pub videos: Vec<Video>,
    pub cursor: Option<i64>,
    #[serde(default)]
    pub has_more: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct Video {
    pub id: String,
    pub title: Option<String>,
    pub video_description: Option<String>,
    pub create_time: Option<i64>,
    pub share_url: Option<String>,
    pub like_count: Option<i64>,
    pub comment_count: Option<i64>,
    pub share_count: Option<i64>,
    pub view_count: Option<i64>,
}

/// `POST /v2/post/publish/creator_info/query/`'s `data`.
#[derive(Debug, Deserialize)]
pub(super) struct CreatorInfo {
    pub creator_username: Option<String>,
    pub creator_nickname: Option<String>,
    #[serde(default)]
    pub privacy_level_options: Vec<String>,
}

/// An init's `data`.
#[derive(Debug, Deserialize)]
pub(super) struct Init {
    pub publish_id: String,
}

/// `POST /v2/post/publish/status/fetch/`'s `data` (TikTok spells
/// `publicaly_available_post_id` so).
#[derive(Debug, Deserialize)]
pub(super) struct Status {
    pub status: String,
    pub fail_reason: Option<String>,
    #[serde(default)]
    pub publicaly_available_post_id: Vec<serde_json::Value>,
}

/// Parses `body`, the answer of `what`; an error names the field's path.
pub(super) fn parse<T: DeserializeOwned>(what: &str, body: &str) -> Result<Envelope<T>, String> {
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("TikTok {what}: at {path}: {}", e.inner())
    })
}

/// The `data` of a successful answer.
pub(super) fn data<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, String> {
    // The error first: a refusal's `data` is `{}`, not the type asked for.
    let loose: Envelope<serde_json::Value> = parse(what, body)?;
    if let Some(e) = &loose.error
        && e.code != "ok"
    {
        return Err(format!(
            "TikTok {what}: {} {}",
            short(&e.code),
            short(&e.message)
        ));
    }
    let env: Envelope<T> = parse(what, body)?;
    env.data.ok_or_else(|| format!("TikTok {what}: no data"))
}

pub(super) fn short(text: &str) -> String {
    text.chars().take(120).collect()
}

/// Checks a TikTok id (digits) before it is used.
pub(super) fn check_id(what: &str, id: &str) -> Result<(), String> {
    if !id.is_empty() && id.len() <= 32 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("TikTok {what}: not an id: {:?}", short(id)))
    }
}

/// A publish id (`v_pub_file~v2-1.123…`, `p_pub_url~…`): printable ASCII.
pub(super) fn check_publish_id(id: &str) -> Result<(), String> {
    if !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(format!("TikTok publish id: {:?}", short(id)))
    }
}

/// The account's video as a post of the brand.
pub(super) fn video(v: &Video, username: &str) -> Result<IncomingMessage, String> {
    let what = format!("video {}", short(&v.id));
    check_id(&what, &v.id)?;
    let secs = v
        .create_time
        .ok_or_else(|| format!("TikTok {what}: no create_time"))?;
    let created_at = jiff::Timestamp::from_second(secs)
        .map_err(|e| format!("TikTok {what}: create_time {secs}: {e}"))?;
    let text = v
        .video_description
        .clone()
        .filter(|d| !d.trim().is_empty())
        .or_else(|| v.title.clone())
        .unwrap_or_default();
    let count = |n: Option<i64>| n.unwrap_or(0).max(0);
    let url = v
        .share_url
        .clone()
        .filter(|u| u.starts_with("https://"))
        .unwrap_or_else(|| format!("https://www.tiktok.com/@{username}/video/{}", v.id));
    Ok(IncomingMessage {
        rating: None,
        external_id: v.id.clone(),
        kind: MessageKind::Post,
        direction: Direction::Outbound,
        thread_external_id: None,
        parent_external_id: None,
        author: Some(IncomingAuthor {
            platform: ChannelKind::Tiktok,
            external_id: username.to_string(),
            handle: username.to_string(),
            display_name: None,
            profile_url: Some(format!("https://www.tiktok.com/@{username}")),
            followers: None,
            verified: false,
            email: None,
        }),
        title: v.title.clone().filter(|t| !t.trim().is_empty()),
        text,
        lang: None,
        created_at,
        edited_at: None,
        permalink: Some(url),
        engagement: Engagement {
            likes: count(v.like_count),
            shares: count(v.share_count),
            replies: count(v.comment_count),
            views: count(v.view_count),
        },
    })
}

/// The media a post's text links, and the caption left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Media {
    /// One video to pull.
    Video(String),
    /// Photos to pull (at most 35).
    Photos(Vec<String>),
}

/// Splits a post's text into its media links and the caption; `None` when
/// it links no media (or mixes video and photos, which TikTok refuses).
pub fn media_of(text: &str) -> Option<(Media, String)> {
    let mut videos = Vec::new();
    let mut photos = Vec::new();
    let mut caption = Vec::new();
    for word in text.split(' ') {
        let lower = word.trim().to_ascii_lowercase();
        let path = lower.split(['?', '#']).next().unwrap_or_default();
        let link = lower.starts_with("https://") && !lower.contains(['"', '<', '>']);
        if link && [".mp4", ".mov", ".webm"].iter().any(|e| path.ends_with(e)) {
            videos.push(word.trim().to_string());
        } else if link && [".jpg", ".jpeg", ".webp"].iter().any(|e| path.ends_with(e)) {
            photos.push(word.trim().to_string());
        } else {
            caption.push(word);
        }
    }
    let caption = caption.join(" ").trim().to_string();
    match (videos.len(), photos.len()) {
        (1, 0) => Some((Media::Video(videos.remove(0)), caption)),
        (0, 1..=35) => Some((Media::Photos(photos), caption)),
        _ => None,
    }
}

/// Maps any bytes as each answer the connector reads, for the fuzzer:
/// never a panic.
pub(super) fn fuzz(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(list) = data::<VideoList>("video list", text) {
        for v in &list.videos {
            let _ = video(v, "brand");
        }
    }
    let _ = data::<CreatorInfo>("creator info", text);
    let _ = data::<Init>("init", text);
    let _ = data::<Status>("status", text);
    let _ = media_of(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn errors_come_from_the_envelope_and_parse_errors_name_the_field() {
        let e = data::<Init>(
            "init",
            r#"{"data":{},"error":{"code":"spam_risk_too_many_posts","message":"x","log_id":"1"}}"#,
        )
        .unwrap_err();
        assert!(e.contains("spam_risk_too_many_posts"), "{e}");
        let e = data::<VideoList>("video list", r#"{"data":{"videos":[{"id":5}]}}"#).unwrap_err();
        assert!(e.contains("data.videos[0].id"), "{e}");
    }

    #[test]
    fn media_links_are_split_from_the_caption() {
        assert_eq!(
            media_of("New drop https://cdn.example.com/a.mp4 #launch"),
            Some((
                Media::Video("https://cdn.example.com/a.mp4".into()),
                "New drop #launch".into()
            ))
        );
        assert_eq!(
            media_of("two https://x.example/1.jpg https://x.example/2.webp?s=1"),
            Some((
                Media::Photos(vec![
                    "https://x.example/1.jpg".into(),
                    "https://x.example/2.webp?s=1".into()
                ]),
                "two".into()
            ))
        );
        assert_eq!(media_of("just text"), None);
        assert_eq!(media_of("http://insecure.example/a.mp4"), None);
        assert_eq!(
            media_of("https://a.example/a.mp4 https://a.example/b.jpg"),
            None
        );
    }

    proptest! {
        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            fuzz(&bytes);
        }

        #[test]
        fn any_video_json_never_panics(id in any::<String>(), t in any::<i64>(), d in any::<Option<String>>()) {
            let body = serde_json::json!({"data": {"videos": [{"id": id, "create_time": t,
                "video_description": d}], "has_more": false}, "error": {"code": "ok"}}).to_string();
            fuzz(body.as_bytes());
        }
    }
}
