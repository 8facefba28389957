//! Discourse API JSON: a topic (`GET /t/{id}.json`, posts under
//! `post_stream.posts`), a topic's posts (`GET /t/{id}/posts.json`), the latest posts
//! (`GET /posts.json`, under `latest_posts`) or a single post (`GET /posts/{id}.json`).
//! The shape is detected from the top-level keys. A topic list (`/latest.json`,
//! private-message lists) carries no post text: its `users` become authors and each
//! topic is refused with a reason that says which file to fetch instead.
//!
//! Decisions:
//! - **One message per post; the topic is its first post.** The external id is
//!   `t{topic_id}/p{post_number}`, not the post id, because a reply names its parent
//!   only by `reply_to_post_number`; so every file shape yields the same ids and the
//!   parent is always resolvable. Post 1 is the thread root and carries the topic
//!   title; every other post has thread `t{topic}/p1` and parent
//!   `t{topic}/p{reply_to_post_number}`, or the root when it answers the topic.
//! - **Text from `cooked`** (the rendered HTML, converted to text); `raw` (Markdown,
//!   only in some responses, sometimes not even a string) is the fallback when `cooked`
//!   is absent. Every shape carries `cooked`, so the same post reads the same from any
//!   file and a re-import never looks like an edit.
//! - **Edited** only when `version` > 1, at `updated_at`: Discourse bumps
//!   `updated_at` for rebakes and likes too, so it alone does not mean an edit.
//! - **Engagement:** likes from `like_count` (or the like entry, id 2, of
//!   `actions_summary`), replies from `reply_count` (direct replies), views from
//!   `reads`; the root of a topic file takes the topic's `views`.
//! - **Links are site-relative** (`/t/{slug}/{topic}/{n}`, `/u/{username}`): the API
//!   does not say which site it came from.
//! - Posts of a `private_message` topic are direct messages, all others forum posts.
//!   Deleted posts, hidden posts and small-action posts (topic closed, pinned …) are
//!   refused with the reason.

pub(in crate::import) mod html_text;
pub(in crate::import) mod json_record;

use crate::import::{Import, ImportError, Rejected};
use json_record::{Record, check_message, file_error, parents_first, parse_json, read_file};
use serde_json::{Map, Value};
use std::path::Path;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
};

/// Reads a Discourse API JSON file (topic, topic posts, latest posts or one post).
pub fn read(path: &Path) -> Result<Import, ImportError> {
    let bytes = read_file(path)?;
    read_bytes(path, &bytes)
}

/// Reads Discourse API JSON already in memory; `file` names it in errors.
pub fn read_bytes(file: &Path, bytes: &[u8]) -> Result<Import, ImportError> {
    let value = parse_json(file, bytes, "Discourse API JSON file")?;
    let Some(top) = value.as_object() else {
        return Err(file_error(
            file,
            format!(
                "not a Discourse API JSON file: the top level is {}, expected an object",
                json_record::type_name(&value)
            ),
        ));
    };
    let mut import = Import::default();
    if top.contains_key("post_stream") {
        read_topic(file, &value, top, &mut import)?;
    } else if let Some(posts) = top.get("latest_posts") {
        let Some(posts) = posts.as_array() else {
            return Err(field_error(
                file,
                "latest_posts",
                "expected an array of posts",
            ));
        };
        let topic = Topic::default();
        for (index, post) in posts.iter().enumerate() {
            push_post(file, index, "", post, &topic, &mut import);
        }
    } else if top.contains_key("post_number") {
        push_post(file, 0, "", &value, &Topic::default(), &mut import);
    } else if top.contains_key("topic_list") {
        read_topic_list(file, top, &mut import)?;
    } else {
        return Err(file_error(
            file,
            "not a Discourse API JSON file: expected `post_stream` (a topic), \
             `latest_posts`, `post_number` (one post) or `topic_list`"
                .to_string(),
        ));
    }
    parents_first(&mut import.items);
    Ok(import)
}

/// What a topic file says about the topic, applied to its posts.
#[derive(Debug, Default)]
struct Topic {
    id: Option<String>,
    title: Option<String>,
    slug: Option<String>,
    views: Option<i64>,
    private: bool,
}

fn field_error(file: &Path, field: &str, message: &str) -> ImportError {
    ImportError {
        at: json_record::location(file, None, Some(field)),
        message: message.to_string(),
    }
}

fn read_topic(
    file: &Path,
    value: &Value,
    top: &Map<String, Value>,
    import: &mut Import,
) -> Result<(), ImportError> {
    let topic_record = Record::new(file, 0, "", value)
        .map_err(|rejected| field_error(file, "", &rejected.reason))?;
    let as_error = |rejected: Rejected| ImportError {
        at: rejected.at,
        message: rejected.reason,
    };
    let topic = Topic {
        id: topic_record.opt_id("id").map_err(as_error)?,
        title: topic_record
            .opt_nonempty("title")
            .map_err(as_error)?
            .map(str::to_string),
        slug: topic_record
            .opt_nonempty("slug")
            .map_err(as_error)?
            .map(str::to_string),
        views: topic_record.opt_count("views").map_err(as_error)?,
        private: topic_record.opt_string("archetype").map_err(as_error)? == Some("private_message"),
    };
    let posts = top
        .get("post_stream")
        .and_then(|stream| stream.get("posts"))
        .and_then(Value::as_array)
        .ok_or_else(|| field_error(file, "post_stream.posts", "expected an array of posts"))?;
    for (index, post) in posts.iter().enumerate() {
        push_post(file, index, "post_stream.posts", post, &topic, import);
    }
    Ok(())
}

fn read_topic_list(
    file: &Path,
    top: &Map<String, Value>,
    import: &mut Import,
) -> Result<(), ImportError> {
    if let Some(users) = top.get("users").and_then(Value::as_array) {
        for (index, user) in users.iter().enumerate() {
            let record = index as u64 + 1;
            match Record::new(file, record, "users", user).and_then(|user| list_user(&user)) {
                Ok(author) => import.items.push(IncomingItem::Author(author)),
                Err(rejected) => import.rejected.push(rejected),
            }
        }
    }
    let topics = top
        .get("topic_list")
        .and_then(|list| list.get("topics"))
        .and_then(Value::as_array)
        .ok_or_else(|| field_error(file, "topic_list.topics", "expected an array of topics"))?;
    for (index, topic) in topics.iter().enumerate() {
        let id = topic
            .get("id")
            .map(Value::to_string)
            .unwrap_or_else(|| "?".into());
        import.rejected.push(Rejected {
            at: json_record::location(file, Some(index as u64 + 1), Some("topic_list.topics")),
            reason: format!(
                "a topic list has no post text; import the topic itself (/t/{id}.json)"
            ),
        });
    }
    Ok(())
}

fn list_user(user: &Record<'_>) -> Result<IncomingAuthor, Rejected> {
    let username = user.string("username")?.trim();
    if username.is_empty() {
        return Err(user.reject("username", "is empty"));
    }
    Ok(IncomingAuthor {
        platform: ChannelKind::Discourse,
        external_id: user.opt_id("id")?.unwrap_or_else(|| username.to_string()),
        handle: username.to_string(),
        display_name: user.opt_nonempty("name")?.map(str::to_string),
        profile_url: Some(format!("/u/{username}")),
        followers: None,
        verified: false,
        email: None,
    })
}

fn push_post(
    file: &Path,
    index: usize,
    prefix: &str,
    post: &Value,
    topic: &Topic,
    import: &mut Import,
) {
    let number = index as u64 + 1;
    let result = Record::new(file, number, prefix, post).and_then(|record| {
        let message = post_message(&record, topic)?;
        check_message(&record, &message, "cooked")?;
        Ok(message)
    });
    match result {
        Ok(message) => import.items.push(IncomingItem::Message(message)),
        Err(rejected) => import.rejected.push(rejected),
    }
}

/// One post of a live API answer, mapped exactly as the import maps it (the
/// live connector `crate::live::discourse` reads with it, so an import and a
/// live read give the same ids, text and threading). `private` marks a post of
/// a private-message topic. The error names the field.
pub(crate) fn live_post(post: &Value, private: bool) -> Result<IncomingMessage, String> {
    let topic = Topic {
        private,
        ..Topic::default()
    };
    let what = Path::new("Discourse");
    Record::new(what, 1, "", post)
        .and_then(|record| {
            let message = post_message(&record, &topic)?;
            check_message(&record, &message, "cooked")?;
            Ok(message)
        })
        .map_err(|rejected| match rejected.at.field {
            Some(field) => format!("{field}: {}", rejected.reason),
            None => rejected.reason,
        })
}

/// Discourse's `post_type` for a small action (topic closed, pinned, split …).
const SMALL_ACTION: i64 = 3;
/// The `actions_summary` id of a like.
const LIKE_ACTION: i64 = 2;

fn post_message(post: &Record<'_>, topic: &Topic) -> Result<IncomingMessage, Rejected> {
    let topic_id = match post.opt_id("topic_id")? {
        Some(id) => id,
        None => topic
            .id
            .clone()
            .ok_or_else(|| post.reject("topic_id", "missing required field"))?,
    };
    let post_number = post
        .opt_count("post_number")?
        .ok_or_else(|| post.reject("post_number", "missing required field"))?;
    if post_number == 0 {
        return Err(post.reject("post_number", "post numbers start at 1"));
    }
    let created_at = post.timestamp("created_at")?;
    if let Some(deleted) = post.opt_string("deleted_at")? {
        return Err(post.reject("deleted_at", format!("the post was deleted at {deleted}")));
    }
    if post.opt_bool("hidden")? == Some(true) {
        return Err(post.reject("hidden", "the post is hidden by moderators or flags"));
    }
    if post.opt_count("post_type")? == Some(SMALL_ACTION) {
        return Err(post.reject(
            "post_type",
            "a small action (topic status change), not a message",
        ));
    }
    let id = |n: i64| format!("t{topic_id}/p{n}");
    let root = id(1);
    let reply_to = post.opt_count("reply_to_post_number")?;
    let (thread, parent) = if post_number == 1 {
        (None, None)
    } else {
        let parent = match reply_to {
            Some(n) if n >= 1 && n != post_number => id(n),
            _ => root.clone(),
        };
        (Some(root), Some(parent))
    };
    let text = match post.opt_string("cooked")? {
        Some(cooked) if !cooked.trim().is_empty() => html_text::to_text(cooked),
        // `raw` is Markdown; some API versions send a rich-text tree instead, which
        // is not text, so only a string is used.
        _ => match post.get("raw") {
            Some(Value::String(raw)) => raw.trim().to_string(),
            _ => String::new(),
        },
    };
    let title = if post_number == 1 {
        match &topic.title {
            Some(title) => Some(title.clone()),
            None => post.opt_nonempty("topic_title")?.map(str::to_string),
        }
    } else {
        None
    };
    let version = post.opt_count("version")?.unwrap_or(1);
    let edited_at = if version > 1 {
        post.opt_timestamp("updated_at")?
            .filter(|at| *at > created_at)
    } else {
        None
    };
    let slug = match &topic.slug {
        Some(slug) => Some(slug.clone()),
        None => post.opt_nonempty("topic_slug")?.map(str::to_string),
    };
    let permalink = Some(match slug {
        Some(slug) => format!("/t/{slug}/{topic_id}/{post_number}"),
        None => format!("/t/{topic_id}/{post_number}"),
    });
    let views = match (post_number, topic.views) {
        (1, Some(views)) => views,
        _ => post.count("reads")?,
    };
    let engagement = Engagement {
        likes: likes(post)?,
        shares: 0,
        replies: post.count("reply_count")?,
        views,
    };
    Ok(IncomingMessage {
        external_id: id(post_number),
        kind: if topic.private {
            MessageKind::DirectMessage
        } else {
            MessageKind::ForumPost
        },
        direction: Direction::Inbound,
        thread_external_id: thread,
        parent_external_id: parent,
        author: author(post)?,
        title,
        text,
        lang: None,
        created_at,
        edited_at,
        permalink,
        engagement,
        rating: None,
    })
}

fn likes(post: &Record<'_>) -> Result<i64, Rejected> {
    if let Some(likes) = post.opt_count("like_count")? {
        return Ok(likes);
    }
    for (index, action) in post.array("actions_summary")?.iter().enumerate() {
        let Some(action) = action.as_object() else {
            continue;
        };
        if action.get("id").and_then(Value::as_i64) == Some(LIKE_ACTION) {
            return match action.get("count").and_then(Value::as_i64) {
                Some(count) if count >= 0 => Ok(count),
                None => Ok(0),
                Some(_) => Err(post.reject(
                    &format!("actions_summary[{index}].count"),
                    "a count cannot be negative",
                )),
            };
        }
    }
    Ok(0)
}

fn author(post: &Record<'_>) -> Result<Option<IncomingAuthor>, Rejected> {
    let Some(username) = post.opt_nonempty("username")? else {
        // Posts of deleted users have no username.
        return Ok(None);
    };
    let display_name = match post.opt_nonempty("name")? {
        Some(name) => Some(name),
        None => post.opt_nonempty("display_username")?,
    };
    Ok(Some(IncomingAuthor {
        platform: ChannelKind::Discourse,
        external_id: post
            .opt_id("user_id")?
            .unwrap_or_else(|| username.to_string()),
        handle: username.to_string(),
        display_name: display_name.map(str::to_string),
        profile_url: Some(format!("/u/{username}")),
        followers: None,
        verified: false,
        email: None,
    }))
}
