//! Mastodon's JSON as the connector reads it (private types) and its mapping
//! to Tend's [`IncomingMessage`]. Parse errors name the answer and the path
//! of the field that failed (`notifications: [3].status.created_at: …`).

use crate::import::html;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingMessage, MessageKind,
};

#[derive(Debug, Deserialize)]
pub(super) struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub status: Option<Status>,
    pub created_at: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Status {
    pub id: String,
    pub created_at: String,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    #[serde(default)]
    pub spoiler_text: Option<String>,
    pub visibility: Option<String>,
    pub language: Option<String>,
    pub uri: Option<String>,
    pub url: Option<String>,
    #[serde(default)]
    pub replies_count: Option<i64>,
    #[serde(default)]
    pub reblogs_count: Option<i64>,
    #[serde(default)]
    pub favourites_count: Option<i64>,
    pub edited_at: Option<String>,
    #[serde(default)]
    pub content: String,
    pub account: Account,
    #[serde(default)]
    pub mentions: Vec<Mention>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Account {
    pub id: String,
    pub acct: String,
    pub display_name: Option<String>,
    pub url: Option<String>,
    pub followers_count: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Mention {
    pub id: String,
}

#[derive(Debug, Deserialize)]
pub(super) struct Instance {
    pub configuration: Option<Configuration>,
}

#[derive(Debug, Deserialize)]
pub(super) struct Configuration {
    pub statuses: Option<StatusLimits>,
}

#[derive(Debug, Deserialize)]
pub(super) struct StatusLimits {
    pub max_characters: Option<u64>,
}

/// Parses `body`, the answer of `what`; an error names the field's path.
pub(super) fn parse<T: DeserializeOwned>(what: &str, body: &str) -> Result<T, String> {
    let de = &mut serde_json::Deserializer::from_str(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        format!("Mastodon {what}: at {path}: {}", e.inner())
    })
}

/// One element of a list answer: its id, and the element if it could be
/// read (one unreadable element must not hide the others).
#[derive(Debug)]
pub(super) struct Entry<T> {
    pub id: String,
    pub parsed: Result<T, String>,
}

/// A list answer (`what` names it in errors), element by element. Fails only
/// when the answer is not a list or an element has no usable id.
fn entries<T: DeserializeOwned>(what: &str, body: &str) -> Result<Vec<Entry<T>>, String> {
    let raw: Vec<serde_json::Value> = parse(what, body)?;
    raw.into_iter()
        .enumerate()
        .map(|(i, value)| {
            let id = match value.get("id") {
                Some(serde_json::Value::String(id)) => id.clone(),
                _ => {
                    return Err(format!(
                        "Mastodon {what}: at [{i}].id: missing or not a string"
                    ));
                }
            };
            check_id(&format!("{what} [{i}]"), &id)?;
            let parsed = serde_path_to_error::deserialize(value)
                .map_err(|e| format!("Mastodon {what}: at [{i}].{}: {}", e.path(), e.inner()));
            Ok(Entry { id, parsed })
        })
        .collect()
}

/// `GET /api/v1/notifications`.
pub(super) fn notifications(body: &str) -> Result<Vec<Entry<Notification>>, String> {
    entries("notifications", body)
}

/// `GET /api/v1/accounts/:id/statuses`.
pub(super) fn statuses(body: &str) -> Result<Vec<Entry<Status>>, String> {
    entries("statuses", body)
}

/// Whether id `a` comes after id `b` (Mastodon ids are decimal numbers that
/// grow; other servers' are sortable strings of one length).
pub(super) fn newer(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

/// Checks an id before it goes into a path or a query.
pub(super) fn check_id(what: &str, id: &str) -> Result<(), String> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!("Mastodon {what}: not an id: {:?}", short(id)))
    }
}

fn short(text: &str) -> String {
    text.chars().take(80).collect()
}

fn timestamp(what: &str, field: &str, value: &str) -> Result<jiff::Timestamp, String> {
    value
        .parse()
        .map_err(|e| format!("Mastodon {what}: {field} {:?}: {e}", short(value)))
}

/// The lowercased host of an `http(s)://host/…` address.
pub(super) fn host_of(url: &str) -> Option<String> {
    let parsed = reqwest::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https")
        .then(|| parsed.host_str().map(str::to_ascii_lowercase))
        .flatten()
        .map(|host| match parsed.port() {
            Some(port) => format!("{host}:{port}"),
            None => host,
        })
}

/// A status as a message. `instance_host` completes local accounts'
/// handles; `brand_id` makes the brand's own statuses outbound posts.
pub(super) fn message(
    status: &Status,
    instance_host: &str,
    brand_id: Option<&str>,
) -> Result<IncomingMessage, String> {
    let what = format!("status {}", short(&status.id));
    check_id(&what, &status.id)?;
    if let Some(parent) = &status.in_reply_to_id {
        check_id(&what, parent)?;
    }
    let created_at = timestamp(&what, "created_at", &status.created_at)?;
    let edited_at = match &status.edited_at {
        Some(t) => Some(timestamp(&what, "edited_at", t)?),
        None => None,
    };
    let ours = brand_id.is_some_and(|b| b == status.account.id);
    let kind = if ours {
        MessageKind::Post
    } else if status.visibility.as_deref() == Some("direct") {
        MessageKind::DirectMessage
    } else if status.in_reply_to_id.is_some() {
        MessageKind::Reply
    } else {
        MessageKind::Mention
    };
    let count = |n: Option<i64>| n.unwrap_or(0).max(0);
    Ok(IncomingMessage {
        external_id: status.id.clone(),
        kind,
        direction: if ours {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        // The root is not in the status; the parent chain leads to it.
        thread_external_id: None,
        parent_external_id: status.in_reply_to_id.clone(),
        author: Some(author(&status.account, instance_host)?),
        title: status
            .spoiler_text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string),
        text: html::to_text(&unlink_mentions(&status.content)),
        lang: status.language.as_deref().and_then(iso_639_1),
        created_at,
        edited_at,
        permalink: status.url.clone().or_else(|| status.uri.clone()),
        engagement: Engagement {
            likes: count(status.favourites_count),
            shares: count(status.reblogs_count),
            replies: count(status.replies_count),
            views: 0,
        },
        rating: None,
    })
}

/// The author, keyed by the full handle `user@host` as the Mastodon import
/// keys them (account ids are local to one instance).
fn author(account: &Account, instance_host: &str) -> Result<IncomingAuthor, String> {
    let acct = account.acct.trim().trim_start_matches('@');
    if acct.is_empty() || acct.contains(char::is_whitespace) {
        return Err(format!(
            "Mastodon account {}: bad acct {acct:?}",
            short(&account.id)
        ));
    }
    let handle = if acct.contains('@') {
        acct.to_string()
    } else {
        let host = account
            .url
            .as_deref()
            .and_then(host_of)
            .unwrap_or_else(|| instance_host.to_string());
        format!("{acct}@{host}")
    };
    Ok(IncomingAuthor {
        platform: ChannelKind::Mastodon,
        external_id: handle.to_lowercase(),
        handle,
        display_name: account
            .display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .map(str::to_string),
        profile_url: account.url.clone(),
        followers: account.followers_count.map(|n| n.max(0)),
        verified: false,
        email: None,
    })
}

/// Mention and hashtag links (`class="u-url mention"`, `class="mention
/// hashtag"`) become plain spans: their text (`@alice`, `#tend`) is what
/// the member wrote, the profile or tag address would only be noise.
fn unlink_mentions(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    let mut open = false;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let end = rest[lt..].find('>').map_or(rest.len(), |i| lt + i + 1);
        let tag = &rest[lt..end];
        let lower = tag.to_ascii_lowercase();
        if lower.starts_with("<a ") && lower.contains("mention") {
            out.push_str("<span>");
            open = true;
        } else if open && lower.starts_with("</a") {
            out.push_str("</span>");
            open = false;
        } else {
            out.push_str(tag);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// `en`, `en-GB` → `en`; anything else → none.
fn iso_639_1(lang: &str) -> Option<String> {
    let code = lang.split(['-', '_']).next()?.to_ascii_lowercase();
    (code.len() == 2 && code.bytes().all(|b| b.is_ascii_lowercase())).then_some(code)
}

/// A status's text for comparing with what was sent: tags dropped,
/// entities decoded, whitespace collapsed (Mastodon wraps text in `<p>`,
/// links mentions and URLs, and splits long URLs into spans).
pub(super) fn plain(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let tag_end = rest[lt..].find('>').map_or(rest.len(), |i| lt + i + 1);
        let tag = rest[lt..tag_end].to_ascii_lowercase();
        if tag.starts_with("<br") || tag.starts_with("</p") {
            out.push(' ');
        }
        rest = &rest[tag_end..];
    }
    out.push_str(rest);
    same_text(&html_escape::decode_html_entities(&out))
}

/// Text compared loosely: whitespace collapsed, and a remote mention
/// `@user@domain` as `@user` (Mastodon shows it so in the HTML).
pub(super) fn loose(text: &str) -> String {
    text.split_whitespace()
        .map(
            |word| match word.strip_prefix('@').and_then(|w| w.split_once('@')) {
                Some((user, _)) => format!("@{user}"),
                None => word.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whitespace collapsed to single spaces, trimmed.
pub(super) fn same_text(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `rel="next"` address of a `Link` header.
pub(super) fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| {
                let p = p.trim();
                p == "rel=\"next\"" || p == "rel=next"
            })
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_compare_as_numbers() {
        assert!(newer("100", "99"));
        assert!(!newer("99", "100"));
        assert!(!newer("5", "5"));
        assert!(check_id("x", "110000000000000001").is_ok());
        assert!(check_id("x", "../../admin").is_err());
        assert!(check_id("x", "").is_err());
    }

    #[test]
    fn plain_text_undoes_mastodon_markup() {
        let html = r#"<p><span class="h-card"><a href="https://m.example/@bob" class="u-url mention">@<span>bob</span></a></span> see <a href="https://example.com/a/long"><span class="invisible">https://</span><span class="ellipsis">example.com/a</span><span class="invisible">/long</span></a> &amp; more</p><p>next<br />line</p>"#;
        assert_eq!(
            plain(html),
            "@bob see https://example.com/a/long & more next line"
        );
    }

    #[test]
    fn mentions_and_hashtags_lose_their_addresses_but_links_keep_theirs() {
        let html = r#"<p><span class="h-card"><a href="https://m.example/@bob" class="u-url mention">@<span>bob</span></a></span> loves <a href="https://m.example/tags/tend" class="mention hashtag" rel="tag">#<span>tend</span></a>, see <a href="https://docs.example/">the docs</a></p>"#;
        assert_eq!(
            html::to_text(&unlink_mentions(html)),
            "@bob loves #tend, see the docs (https://docs.example/)"
        );
    }

    #[test]
    fn the_next_link_is_found() {
        let h = r#"<https://m.example/api/v1/notifications?max_id=21&types%5B%5D=mention>; rel="next", <https://m.example/api/v1/notifications?min_id=30>; rel="prev""#;
        assert_eq!(
            next_link(h).as_deref(),
            Some("https://m.example/api/v1/notifications?max_id=21&types%5B%5D=mention")
        );
        assert_eq!(next_link("<x>; rel=\"prev\""), None);
    }

    use proptest::prelude::*;
    use serde_json::{Value, json};

    fn sample() -> Value {
        json!([{
            "id": "21",
            "type": "mention",
            "created_at": "2026-08-01T13:51:43.458Z",
            "status": {
                "id": "117020577157693549",
                "created_at": "2026-08-01T13:51:42.823Z",
                "in_reply_to_id": null,
                "in_reply_to_account_id": null,
                "spoiler_text": "",
                "visibility": "public",
                "language": "en",
                "url": "https://m.example/@admin/117020577157693549",
                "replies_count": 0,
                "reblogs_count": 1,
                "favourites_count": 2,
                "edited_at": null,
                "content": "<p>hello</p>",
                "account": {
                    "id": "117020565693913441",
                    "acct": "admin",
                    "display_name": "",
                    "url": "https://m.example/@admin",
                    "followers_count": 1
                },
                "mentions": [{"id": "5"}]
            }
        }])
    }

    fn set_path(v: &mut Value, path: &[&str], to: Value) {
        let mut at = &mut v[0];
        for key in &path[..path.len() - 1] {
            at = &mut at[*key];
        }
        at[path[path.len() - 1]] = to;
    }

    #[test]
    fn the_sample_reads_and_maps() {
        let entries = notifications(&sample().to_string()).unwrap();
        let note = entries[0].parsed.as_ref().unwrap();
        let m = message(note.status.as_ref().unwrap(), "m.example", None).unwrap();
        assert_eq!(m.text, "hello");
        assert_eq!(m.author.unwrap().external_id, "admin@m.example");
        assert_eq!(m.engagement.likes, 2);
    }

    #[test]
    fn a_broken_field_is_named_by_its_path() {
        let mut v = sample();
        set_path(&mut v, &["status", "account", "acct"], json!(7));
        let entries = notifications(&v.to_string()).unwrap();
        let err = entries[0].parsed.as_ref().unwrap_err();
        assert!(err.contains("[0].status.account.acct"), "{err}");
        let err = notifications("{\"error\":\"x\"}").unwrap_err();
        assert!(err.starts_with("Mastodon notifications: at"), "{err}");
    }

    const FIELDS: &[&[&str]] = &[
        &["id"],
        &["type"],
        &["created_at"],
        &["status"],
        &["status", "id"],
        &["status", "created_at"],
        &["status", "edited_at"],
        &["status", "in_reply_to_id"],
        &["status", "content"],
        &["status", "language"],
        &["status", "favourites_count"],
        &["status", "account"],
        &["status", "account", "acct"],
        &["status", "account", "url"],
        &["status", "mentions"],
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
            if let Err(e) = notifications(&body) {
                prop_assert!(e.starts_with("Mastodon notifications"), "{}", e);
            }
            if let Err(e) = statuses(&body) {
                prop_assert!(e.starts_with("Mastodon statuses"), "{}", e);
            }
            let _ = plain(&body);
            let _ = next_link(&body);
            let _ = html::to_text(&unlink_mentions(&body));
        }

        #[test]
        fn a_field_of_any_type_is_read_or_named(field in 0..FIELDS.len(), value in any_json()) {
            let path = FIELDS[field];
            let mut v = sample();
            set_path(&mut v, path, value);
            match notifications(&v.to_string()) {
                Err(e) => prop_assert!(e.contains(path[path.len() - 1]) || e.contains("[0]"), "{}", e),
                Ok(entries) => match &entries[0].parsed {
                    Err(e) => prop_assert!(e.contains(path[path.len() - 1]), "{}", e),
                    Ok(note) => {
                        if let Some(status) = &note.status
                            && let Err(e) = message(status, "m.example", Some("1"))
                        {
                            prop_assert!(e.starts_with("Mastodon"), "{}", e);
                        }
                    }
                },
            }
        }
    }
}
