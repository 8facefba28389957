//! The fake's JSON, shaped like the recorded Discourse answers in
//! `payloads/discourse/`: the recorded objects are the templates, and only
//! the fields that differ (ids, text, times, counts, names) are filled in.

use super::{Post, State, Topic};
use anyhow::Context;
use serde_json::{Value, json};

/// The recorded answers the fake's JSON is made from.
pub(super) struct Templates {
    /// A post of `GET /posts.json`.
    latest_post: Value,
    /// `GET /posts/{id}.json` (with `raw`).
    single_post: Value,
    /// `GET /t/{id}.json`, its posts emptied.
    topic: Value,
    /// A post of a topic's `post_stream`.
    topic_post: Value,
    /// A topic list answer, its topics emptied, and one listed topic.
    topic_list: Value,
    listed_topic: Value,
    /// A notification about a post, and the list around it.
    notification: Value,
    notifications: Value,
}

impl Templates {
    pub(super) fn load() -> anyhow::Result<Templates> {
        let latest: Value =
            serde_json::from_str(include_str!("../../payloads/discourse/posts_before.json"))?;
        let latest_post = latest["latest_posts"]
            .get(0)
            .cloned()
            .context("no latest post")?;
        let single_post: Value = serde_json::from_str(include_str!(
            "../../payloads/discourse/get_post_response.json"
        ))?;
        let mut topic: Value =
            serde_json::from_str(include_str!("../../payloads/discourse/topic_response.json"))?;
        let topic_post = topic["post_stream"]["posts"]
            .get(0)
            .cloned()
            .context("no topic post")?;
        topic["post_stream"] = json!({"posts": [], "stream": []});
        let mut topic_list: Value = serde_json::from_str(include_str!(
            "../../payloads/discourse/private-messages-sent.json"
        ))?;
        let listed_topic = topic_list["topic_list"]["topics"]
            .get(0)
            .cloned()
            .context("no listed topic")?;
        topic_list["topic_list"]["topics"] = json!([]);
        topic_list["users"] = json!([]);
        let mut notifications: Value =
            serde_json::from_str(include_str!("../../payloads/discourse/notifications.json"))?;
        let notification = notifications["notifications"]
            .get(1)
            .cloned()
            .context("no post notification")?;
        notifications["notifications"] = json!([]);
        Ok(Templates {
            notification,
            notifications,
            latest_post,
            single_post,
            topic,
            topic_post,
            topic_list,
            listed_topic,
        })
    }

    fn fill_post(&self, mut v: Value, state: &State, p: &Post, me: Option<&str>) -> Value {
        let topic = state.topics.get(&p.topic_id);
        let user = state.users.get(&p.username);
        set(&mut v, "id", json!(p.id));
        set(&mut v, "username", json!(p.username));
        set(&mut v, "name", json!(user.map(|u| u.name.clone())));
        set(&mut v, "user_id", json!(user.map_or(0, |u| u.id)));
        set(&mut v, "created_at", json!(iso(p.created_ms)));
        set(&mut v, "updated_at", json!(iso(p.updated_ms)));
        set(&mut v, "cooked", json!(p.cooked));
        set(&mut v, "post_number", json!(p.post_number));
        set(&mut v, "reply_to_post_number", json!(p.reply_to));
        set(&mut v, "topic_id", json!(p.topic_id));
        set(&mut v, "version", json!(p.version));
        set(&mut v, "yours", json!(me == Some(p.username.as_str())));
        set(&mut v, "deleted_at", json!(p.deleted_ms.map(iso)));
        let replies = topic.map_or(0, |t| {
            t.posts
                .iter()
                .filter_map(|id| state.posts.get(id))
                .filter(|r| r.reply_to == Some(p.post_number) && r.deleted_ms.is_none())
                .count()
        });
        set(&mut v, "reply_count", json!(replies));
        if let Some(t) = topic {
            set(&mut v, "topic_slug", json!(t.slug));
            if v.get("topic_title").is_some() {
                set(&mut v, "topic_title", json!(t.title));
                set(&mut v, "topic_html_title", json!(t.title));
                set(&mut v, "category_id", json!(t.category_id));
            }
        }
        v
    }

    /// A post of `GET /posts.json` (with `raw`).
    pub(super) fn latest_post(&self, state: &State, p: &Post, me: Option<&str>) -> Value {
        let mut v = self.fill_post(self.latest_post.clone(), state, p, me);
        set(&mut v, "raw", json!(p.raw));
        v
    }

    /// `GET /posts/{id}.json` and the answer of `POST /posts.json`.
    pub(super) fn single_post(&self, state: &State, p: &Post, me: Option<&str>) -> Value {
        let mut v = self.fill_post(self.single_post.clone(), state, p, me);
        set(&mut v, "raw", json!(p.raw));
        if let Some(t) = state.topics.get(&p.topic_id) {
            set(
                &mut v,
                "post_url",
                json!(format!("/t/{}/{}/{}", t.slug, t.id, p.post_number)),
            );
        }
        v
    }

    /// A post of a topic's `post_stream` (no `raw`, as Discourse).
    pub(super) fn topic_post(&self, state: &State, p: &Post, me: Option<&str>) -> Value {
        self.fill_post(self.topic_post.clone(), state, p, me)
    }

    /// `GET /t/{id}.json`: the first 20 posts and the ids of all.
    pub(super) fn topic(&self, state: &State, t: &Topic, me: Option<&str>) -> Value {
        let visible: Vec<&Post> = t
            .posts
            .iter()
            .filter_map(|id| state.posts.get(id))
            .filter(|p| p.deleted_ms.is_none())
            .collect();
        let mut v = self.topic.clone();
        set(&mut v, "id", json!(t.id));
        set(&mut v, "title", json!(t.title));
        set(&mut v, "fancy_title", json!(t.title));
        set(&mut v, "slug", json!(t.slug));
        set(&mut v, "posts_count", json!(visible.len()));
        set(&mut v, "highest_post_number", json!(t.posts.len()));
        set(&mut v, "created_at", json!(iso(t.created_ms)));
        set(&mut v, "last_posted_at", json!(iso(t.bumped_ms)));
        set(&mut v, "category_id", json!(t.category_id));
        set(
            &mut v,
            "archetype",
            json!(if t.private {
                "private_message"
            } else {
                "regular"
            }),
        );
        set(&mut v, "pinned", json!(false));
        let posts: Vec<Value> = visible
            .iter()
            .take(20)
            .map(|p| self.topic_post(state, p, me))
            .collect();
        let stream: Vec<u64> = visible.iter().map(|p| p.id).collect();
        v["post_stream"] = json!({ "posts": posts, "stream": stream });
        v
    }

    /// A topic list answer (`/topics/…`, `/tag/…`).
    pub(super) fn topic_list(&self, state: &State, topics: &[&Topic]) -> Value {
        let mut v = self.topic_list.clone();
        let mut users: Vec<Value> = Vec::new();
        let listed: Vec<Value> = topics
            .iter()
            .map(|t| {
                let mut l = self.listed_topic.clone();
                let visible = t
                    .posts
                    .iter()
                    .filter_map(|id| state.posts.get(id))
                    .filter(|p| p.deleted_ms.is_none())
                    .count();
                set(&mut l, "id", json!(t.id));
                set(&mut l, "title", json!(t.title));
                set(&mut l, "fancy_title", json!(t.title));
                set(&mut l, "slug", json!(t.slug));
                set(&mut l, "posts_count", json!(visible));
                set(&mut l, "reply_count", json!(visible.saturating_sub(1)));
                set(&mut l, "highest_post_number", json!(t.posts.len()));
                set(&mut l, "created_at", json!(iso(t.created_ms)));
                set(&mut l, "last_posted_at", json!(iso(t.bumped_ms)));
                set(&mut l, "bumped_at", json!(iso(t.bumped_ms)));
                set(
                    &mut l,
                    "archetype",
                    json!(if t.private { "private_message" } else { "regular" }),
                );
                set(&mut l, "category_id", json!(t.category_id));
                set(&mut l, "last_poster_username", json!(t.author));
                if let Some(obj) = l.as_object_mut() {
                    obj.insert("tags".into(), json!(t.tags));
                }
                if let Some(u) = state.users.get(&t.author)
                    && !users.iter().any(|x| x["id"] == json!(u.id))
                {
                    users.push(json!({"id": u.id, "username": u.username, "avatar_template": "/letter_avatar_proxy/v4/letter/m/a9a28c/{size}.png"}));
                }
                l
            })
            .collect();
        v["topic_list"]["topics"] = Value::Array(listed);
        v["users"] = Value::Array(users);
        v
    }
}

impl Templates {
    /// `GET /notifications.json` of `user`, newest first (60, as Discourse).
    pub(super) fn notifications(&self, state: &State, user: &str) -> Value {
        let mut v = self.notifications.clone();
        let mine: Vec<&super::Notification> = state
            .notifications
            .iter()
            .rev()
            .filter(|n| n.user == user)
            .take(60)
            .collect();
        let list: Vec<Value> = mine
            .iter()
            .filter_map(|n| {
                let p = state.posts.get(&n.post)?;
                let t = state.topics.get(&p.topic_id)?;
                let mut x = self.notification.clone();
                set(&mut x, "id", json!(n.id));
                set(&mut x, "notification_type", json!(n.kind));
                set(&mut x, "read", json!(false));
                set(&mut x, "created_at", json!(iso(n.created_ms)));
                set(&mut x, "post_number", json!(p.post_number));
                set(&mut x, "topic_id", json!(t.id));
                set(&mut x, "fancy_title", json!(t.title));
                set(&mut x, "slug", json!(t.slug));
                set(
                    &mut x,
                    "data",
                    json!({"topic_title": t.title, "original_post_id": p.id,
                           "original_post_type": 1, "original_username": p.username,
                           "revision_number": null, "display_username": p.username}),
                );
                Some(x)
            })
            .collect();
        set(&mut v, "total_rows_notifications", json!(list.len()));
        set(&mut v, "notifications", Value::Array(list));
        set(&mut v, "seen_notification_id", json!(0));
        set(
            &mut v,
            "load_more_notifications",
            json!(format!("/notifications?offset=60&username={user}")),
        );
        v
    }
}

/// Sets `key` on an object (a template's field).
fn set(v: &mut Value, key: &str, to: Value) {
    if let Some(obj) = v.as_object_mut() {
        obj.insert(key.to_string(), to);
    }
}

/// Discourse's rendering, as far as the fake needs it: HTML comments
/// dropped (the sanitiser drops them), the rest escaped, blank-line
/// separated paragraphs in `<p>`.
pub(super) fn cook(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(start) = rest.find("<!--") {
        text.push_str(&rest[..start]);
        rest = match rest[start..].find("-->") {
            Some(end) => &rest[start + end + 3..],
            None => "",
        };
    }
    text.push_str(rest);
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let escaped = p
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&quot;")
                .replace('\n', "<br>\n");
            format!("<p>{escaped}</p>")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Milliseconds since the epoch as Discourse writes times.
pub(super) fn iso(ms: u64) -> String {
    let ms = i64::try_from(ms).unwrap_or(i64::MAX);
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| format!("{}", t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ")))
        .unwrap_or_else(|_| "1970-01-01T00:00:00.000Z".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cooking_drops_comments_and_escapes() {
        assert_eq!(
            cook("Hi <b>you</b>\n\nsecond\n\n<!-- tend:k.1 -->"),
            "<p>Hi &lt;b&gt;you&lt;/b&gt;</p>\n<p>second</p>"
        );
        assert_eq!(cook("a <!-- open"), "<p>a</p>");
        assert_eq!(iso(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
    }
}
