//! The fake Meta's JSON: comments, replies, messages and Threads posts made
//! from the recorded payloads (only ids, texts, times and links filled in),
//! and Graph's cursor paging.

use super::*;

pub(super) fn iso(secs: i64) -> String {
    let t = jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    t.strftime("%Y-%m-%dT%H:%M:%S+0000").to_string()
}

/// One page of `items` from the `after` cursor.
pub(super) fn paged(
    items: Vec<Value>,
    limit: usize,
    after: Option<&str>,
    next_base: &str,
) -> Value {
    let start = after
        .and_then(|a| a.strip_prefix("QVFI"))
        .and_then(|hex| usize::from_str_radix(hex, 16).ok())
        .unwrap_or(0);
    let end = (start + limit.max(1)).min(items.len());
    let data: Vec<Value> = items
        .get(start..end)
        .map(<[Value]>::to_vec)
        .unwrap_or_default();
    let mut body = json!({ "data": data });
    if !body["data"].as_array().is_some_and(Vec::is_empty) {
        let mut paging = json!({"cursors": {"before": format!("QVFI{start:x}"), "after": format!("QVFI{end:x}")}});
        if end < items.len() {
            paging["next"] = json!(format!("{next_base}&after=QVFI{end:x}"));
        }
        body["paging"] = paging;
    }
    body
}

/// `name.limit(N)`-style modifiers of an expanded field.
pub(super) fn modifier(fields: &str, field: &str, name: &str) -> Option<String> {
    let start = fields.find(&format!("{field}."))?;
    let rest = &fields[start..];
    let end = rest.find('{').unwrap_or(rest.len());
    let spec = &rest[..end];
    let at = spec.find(&format!(".{name}("))? + name.len() + 2;
    let close = spec[at..].find(')')? + at;
    Some(spec[at..close].to_string())
}

impl Shared {
    pub(super) fn fb_comment(&self, state: &State, n: &Node) -> Value {
        let mut v = self.t.fb_comment.clone();
        let (name, _) = state.person(&n.author);
        v["id"] = json!(n.id);
        v["message"] = json!(n.text);
        v["created_time"] = json!(iso(n.created));
        v["from"] = json!({"name": name, "id": n.author});
        v["permalink_url"] = json!(format!("https://www.facebook.com/{}", n.id));
        v["is_hidden"] = json!(n.hidden);
        v["comment_count"] = json!(children(state, &n.id).count());
        if let Some(p) = &n.parent
            && state.node(p).is_some_and(|p| p.kind == Kind::Comment)
        {
            v["parent"] = json!({"id": p});
        }
        v
    }

    pub(super) fn ig_comment(&self, state: &State, n: &Node, with_replies: bool) -> Value {
        let mut v = self.t.ig_comment.clone();
        let (_, username) = state.person(&n.author);
        v["id"] = json!(n.id);
        v["text"] = json!(n.text);
        v["timestamp"] = json!(iso(n.created));
        v["username"] = json!(username);
        v["from"] = json!({"id": n.author, "username": username});
        v["hidden"] = json!(n.hidden);
        if let Some(obj) = v.as_object_mut() {
            obj.remove("user");
            obj.remove("media");
            obj.remove("replies");
        }
        if with_replies {
            let replies: Vec<Value> = children(state, &n.id)
                .map(|r| self.ig_comment(state, r, false))
                .collect();
            if !replies.is_empty() {
                v["replies"] = json!({ "data": replies });
            }
        }
        v
    }

    pub(super) fn threads_item(&self, state: &State, n: &Node) -> Value {
        let mut v = self.t.threads_reply.clone();
        let (_, username) = state.person(&n.author);
        v["id"] = json!(n.id);
        v["text"] = json!(n.text);
        v["timestamp"] = json!(iso(n.created));
        v["username"] = json!(username);
        v["permalink"] = json!(format!("https://www.threads.net/@{username}/post/{}", n.id));
        v["hide_status"] = json!(if n.hidden { "HIDDEN" } else { "NOT_HUSHED" });
        v["is_reply"] = json!(n.parent.is_some());
        match (&n.parent, &n.root) {
            (Some(p), Some(r)) => {
                v["replied_to"] = json!({"id": p});
                v["root_post"] = json!({"id": r});
            }
            _ => {
                if let Some(obj) = v.as_object_mut() {
                    obj.remove("replied_to");
                    obj.remove("root_post");
                }
            }
        }
        v
    }
}

pub(super) fn children<'a>(state: &'a State, id: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
    state
        .nodes
        .iter()
        .filter(move |n| n.parent.as_deref() == Some(id))
}

pub(super) fn descendants<'a>(
    state: &'a State,
    root: &'a str,
) -> impl Iterator<Item = &'a Node> + 'a {
    state
        .nodes
        .iter()
        .filter(move |n| n.kind == Kind::Comment && n.root.as_deref() == Some(root))
}
