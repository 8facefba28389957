//! LinkedIn Community Management API JSON as the connector reads it (private
//! types), its mapping to Tend's [`IncomingMessage`], URN checks and the
//! "little text" escaper. Parse errors name the answer and the path of the
//! field that failed (`LinkedIn comments: at elements[3].created: …`).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

/// The characters LinkedIn's little text format reserves (documented on
/// learn.microsoft.com, "Little Text Format"): unescaped, LinkedIn answers
/// success and cuts the text at the first one.
pub const RESERVED: &[char] = &[
    '\\', '|', '{', '}', '@', '[', ']', '(', ')', '<', '>', '#', '*', '_', '~',
];

/// Escapes `text` for the little text format: a backslash before every
/// reserved character, so the text is published as written.
pub fn escape_little_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if RESERVED.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The plain text of little text: escapes removed (markup is kept as
/// written; Tend only ever sends escaped text).
pub fn unescape_little_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some(next) => out.push(next),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A Rest.li collection: `elements` and `paging`.
#[derive(Debug, Deserialize)]
pub(super) struct Collection<T> {
    #[serde(default = "Vec::new")]
    pub elements: Vec<T>,
    #[serde(default)]
    pub paging: Option<Paging>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct Paging {
    pub total: Option<i64>,
}

/// A post of `GET /rest/posts?q=author`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Post {
    pub id: String,
    pub author: Option<String>,
    #[serde(default)]
    pub commentary: Option<String>,
    pub created_at: Option<i64>,
    pub last_modified_at: Option<i64>,
    pub published_at: Option<i64>,
    pub lifecycle_state: Option<String>,
}

/// A comment of `GET /rest/socialActions/{urn}/comments`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Comment {
    #[serde(rename = "$URN")]
    pub urn: Option<String>,
    pub id: Option<String>,
    pub actor: String,
    pub object: Option<String>,
    pub message: Option<Message>,
    pub created: Option<Stamp>,
    pub last_modified: Option<Stamp>,
    pub parent_comment: Option<String>,
    pub comments_summary: Option<Summary>,
    pub likes_summary: Option<Likes>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Message {
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Stamp {
    pub time: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Summary {
    pub aggregated_total_comments: Option<i64>,
    pub total_first_level_comments: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Likes {
    pub total_likes: Option<i64>,
}

/// `GET /rest/organizations/{id}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Organization {
    pub id: Option<i64>,
    pub localized_name: Option<String>,
    pub vanity_name: Option<String>,
}

/// Parses `body`, the answer of `what`; an error names the field's path.
pub(super) fn parse<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("LinkedIn {what}: at {path}: {}", e.inner())
    })
}

fn short(text: &str) -> String {
    text.chars().take(80).collect()
}

fn simple_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Checks a post URN (`urn:li:share:N`, `urn:li:ugcPost:N`,
/// `urn:li:activity:N`) before it goes into a path.
pub(super) fn check_post_urn(what: &str, urn: &str) -> Result<(), String> {
    let ok = ["urn:li:share:", "urn:li:ugcPost:", "urn:li:activity:"]
        .iter()
        .any(|p| urn.strip_prefix(p).is_some_and(simple_id));
    if ok {
        Ok(())
    } else {
        Err(format!("LinkedIn {what}: not a post URN: {:?}", short(urn)))
    }
}

/// A comment URN's parts: `urn:li:comment:(urn:li:activity:A,C)` →
/// (`urn:li:activity:A`, `C`).
pub(super) fn comment_parts(urn: &str) -> Option<(&str, &str)> {
    let inner = urn.strip_prefix("urn:li:comment:(")?.strip_suffix(')')?;
    let (object, id) = inner.rsplit_once(',')?;
    (check_post_urn("comment", object).is_ok() && simple_id(id)).then_some((object, id))
}

/// Checks an actor URN (a member or an organisation).
pub(super) fn check_actor(urn: &str) -> Result<(), String> {
    let ok = ["urn:li:person:", "urn:li:organization:"]
        .iter()
        .any(|p| urn.strip_prefix(p).is_some_and(simple_id));
    if ok {
        Ok(())
    } else {
        Err(format!("LinkedIn actor: not a URN: {:?}", short(urn)))
    }
}

fn time(what: &str, ms: Option<i64>) -> Result<jiff::Timestamp, String> {
    let ms = ms.ok_or_else(|| format!("LinkedIn {what}: no time"))?;
    jiff::Timestamp::from_millisecond(ms).map_err(|e| format!("LinkedIn {what}: time {ms}: {e}"))
}

fn author(actor: &str) -> Result<IncomingAuthor, String> {
    check_actor(actor)?;
    let (kind, id) = actor
        .strip_prefix("urn:li:")
        .and_then(|r| r.split_once(':'))
        .ok_or_else(|| format!("LinkedIn actor: {:?}", short(actor)))?;
    Ok(IncomingAuthor {
        platform: ChannelKind::Linkedin,
        external_id: actor.to_string(),
        // The comments API names members only by URN (their names need
        // a people lookup the Community Management API does not grant).
        handle: id.to_string(),
        display_name: None,
        profile_url: (kind == "organization")
            .then(|| format!("https://www.linkedin.com/company/{id}/")),
        followers: None,
        verified: false,
        email: None,
    })
}

/// The organisation's post as a message (the root of its comment thread).
pub(super) fn post(post: &Post) -> Result<IncomingMessage, String> {
    let what = format!("post {}", short(&post.id));
    check_post_urn(&what, &post.id)?;
    let created_at = time(&what, post.published_at.or(post.created_at))?;
    let modified = post
        .last_modified_at
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok());
    let author = match &post.author {
        Some(a) => Some(author(a)?),
        None => None,
    };
    Ok(IncomingMessage {
        rating: None,
        external_id: post.id.clone(),
        kind: MessageKind::Post,
        direction: Direction::Outbound,
        thread_external_id: None,
        parent_external_id: None,
        author,
        title: None,
        text: unescape_little_text(post.commentary.as_deref().unwrap_or_default()),
        lang: None,
        created_at,
        edited_at: modified.filter(|m| *m > created_at),
        permalink: Some(format!("https://www.linkedin.com/feed/update/{}/", post.id)),
        engagement: Engagement::default(),
    })
}

/// A comment's URN (from `$URN`, or built from `object` and `id`).
pub(super) fn comment_urn(c: &Comment) -> Result<String, String> {
    let urn = match (&c.urn, &c.object, &c.id) {
        (Some(u), _, _) => u.clone(),
        (None, Some(o), Some(id)) => format!("urn:li:comment:({o},{id})"),
        _ => return Err("LinkedIn comment: no $URN".into()),
    };
    comment_parts(&urn)
        .map(|_| urn.clone())
        .ok_or_else(|| format!("LinkedIn comment: not a comment URN: {:?}", short(&urn)))
}

/// A comment as a message, in the thread of post `root`; `org` is the
/// brand's URN (its own comments are outbound).
pub(super) fn comment(c: &Comment, root: &str, org: &str) -> Result<IncomingMessage, String> {
    let urn = comment_urn(c)?;
    let what = format!("comment {}", short(&urn));
    let created_at = time(&what, c.created.as_ref().and_then(|s| s.time))?;
    let modified = c
        .last_modified
        .as_ref()
        .and_then(|s| s.time)
        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok());
    let parent = match &c.parent_comment {
        Some(p) => {
            comment_parts(p).ok_or_else(|| format!("LinkedIn {what}: bad parentComment"))?;
            p.clone()
        }
        None => root.to_string(),
    };
    let ours = c.actor == org;
    let count = |n: Option<i64>| n.unwrap_or(0).max(0);
    Ok(IncomingMessage {
        rating: None,
        external_id: urn.clone(),
        kind: if ours {
            MessageKind::Reply
        } else {
            MessageKind::Comment
        },
        direction: if ours {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        thread_external_id: Some(root.to_string()),
        parent_external_id: Some(parent),
        author: Some(author(&c.actor)?),
        title: None,
        text: c
            .message
            .as_ref()
            .map(|m| m.text.clone())
            .unwrap_or_default(),
        lang: None,
        created_at,
        edited_at: modified.filter(|m| *m > created_at),
        permalink: Some(format!(
            "https://www.linkedin.com/feed/update/{root}/?commentUrn={}",
            enc(&urn)
        )),
        engagement: Engagement {
            likes: count(c.likes_summary.as_ref().and_then(|l| l.total_likes)),
            shares: 0,
            replies: count(
                c.comments_summary
                    .as_ref()
                    .and_then(|s| s.aggregated_total_comments),
            ),
            views: 0,
        },
    })
}

/// Percent-encodes a URN for a path segment or a query value (Rest.li 2.0
/// wants `:` `(` `)` `,` encoded).
pub(super) fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Whitespace collapsed, for comparing a read-back text with what was sent.
pub(super) fn loose(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Maps any bytes as a posts answer, a comments answer and an
/// organisation, and runs the escaper, for the fuzzer: never a panic.
pub(super) fn fuzz(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(list) = parse::<Collection<Post>>("posts", text) {
        for p in &list.elements {
            let _ = post(p);
        }
    }
    if let Ok(list) = parse::<Collection<Comment>>("comments", text) {
        for c in &list.elements {
            let _ = comment(c, "urn:li:share:1", "urn:li:organization:1");
        }
    }
    let _ = parse::<Organization>("organization", text);
    let _ = comment_parts(text);
    assert_eq!(unescape_little_text(&escape_little_text(text)), text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn reserved_characters_are_escaped() {
        assert_eq!(
            escape_little_text("Hi @sam (see #1) a_b*c~d|e{f}g[h]i<j>k\\l"),
            "Hi \\@sam \\(see \\#1\\) a\\_b\\*c\\~d\\|e\\{f\\}g\\[h\\]i\\<j\\>k\\\\l"
        );
        assert_eq!(escape_little_text("plain → text"), "plain → text");
    }

    #[test]
    fn comment_urns_split() {
        assert_eq!(
            comment_parts("urn:li:comment:(urn:li:activity:7,42)"),
            Some(("urn:li:activity:7", "42"))
        );
        for bad in [
            "",
            "urn:li:comment:(urn:li:activity:7)",
            "urn:li:comment:(x,1)",
            "urn:li:comment:(urn:li:activity:7,../1)",
        ] {
            assert_eq!(comment_parts(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_threaded_comment_maps() {
        let body = json!({"elements": [{
            "$URN": "urn:li:comment:(urn:li:activity:5,9)",
            "id": "9", "actor": "urn:li:person:abc", "object": "urn:li:activity:5",
            "message": {"text": "thanks", "attributes": []},
            "created": {"actor": "urn:li:person:abc", "time": 1_700_000_000_000i64},
            "lastModified": {"actor": "urn:li:person:abc", "time": 1_700_000_100_000i64},
            "parentComment": "urn:li:comment:(urn:li:activity:5,8)"
        }], "paging": {"start": 0, "count": 10, "total": 1, "links": []}})
        .to_string();
        let list: Collection<Comment> = parse("comments", &body).unwrap();
        let m = comment(&list.elements[0], "urn:li:share:5", "urn:li:organization:1").unwrap();
        assert_eq!(m.external_id, "urn:li:comment:(urn:li:activity:5,9)");
        assert_eq!(m.thread_external_id.as_deref(), Some("urn:li:share:5"));
        assert_eq!(
            m.parent_external_id.as_deref(),
            Some("urn:li:comment:(urn:li:activity:5,8)")
        );
        assert!(m.edited_at.is_some());
        assert_eq!(m.author.unwrap().handle, "abc");
    }

    #[test]
    fn errors_name_the_field() {
        let e =
            parse::<Collection<Comment>>("comments", r#"{"elements":[{"actor":3}]}"#).unwrap_err();
        assert!(e.contains("elements[0].actor"), "{e}");
    }

    proptest! {
        #[test]
        fn escaping_round_trips_and_leaves_no_bare_reserved_char(text in any::<String>()) {
            let escaped = escape_little_text(&text);
            prop_assert_eq!(unescape_little_text(&escaped), text.clone());
            // Every reserved character in the escaped text is escaped.
            let mut chars = escaped.chars();
            while let Some(c) = chars.next() {
                if c == '\\' {
                    prop_assert!(chars.next().is_some_and(|n| RESERVED.contains(&n)));
                } else {
                    prop_assert!(!RESERVED.contains(&c));
                }
            }
        }

        #[test]
        fn any_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            fuzz(&bytes);
        }

        #[test]
        fn any_json_never_panics(v in proptest::arbitrary::any::<(String, i64, Option<String>)>()) {
            let body = json!({"elements": [{"$URN": v.0, "actor": v.2, "created": {"time": v.1},
                "id": "1", "commentary": "x"}]}).to_string();
            fuzz(body.as_bytes());
        }
    }
}
