//! Mastodon API JSON: an array of `Status` entities (a timeline, an account's
//! statuses, a bookmarks or favourites export from the API), a single `Status`, a
//! `Context` (`{ancestors, descendants}`) or a search result (`{statuses: […]}`).
//!
//! Decisions:
//! - **Boosts are not messages.** A status whose `reblog` is set is refused with a
//!   reason naming the boosted status, and the boosted status itself is imported once
//!   (it is a real message that reached the timeline; its `reblogs_count` already
//!   counts the boost).
//! - **Authors are keyed by their full handle** `user@host`: account ids are local
//!   to the instance that served the JSON, the handle is the same everywhere. `acct`
//!   has no host for local accounts, so the host is taken from the account's `url`.
//! - Kind: `visibility: direct` is a direct message, a status with `in_reply_to_id`
//!   a reply, any other a mention; all are inbound (the API does not say which
//!   account is the brand's).
//! - `spoiler_text` (the content warning) is the title; `content` HTML becomes text;
//!   a status with neither (media only) is refused.
//! - The thread root is the topmost ancestor found in the same file when that one is
//!   not itself a reply (in a `Context`, the first ancestor); otherwise only the
//!   parent is set.

use crate::import::discourse::html_text;
use crate::import::discourse::json_record::{
    self, Record, check_message, file_error, iso_639_1, parents_first, parse_json, read_file,
    thread_roots,
};
use crate::import::{Import, ImportError, Rejected};
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
};

/// Reads a Mastodon API JSON file (statuses, one status, a context or a search result).
pub fn read(path: &Path) -> Result<Import, ImportError> {
    let bytes = read_file(path)?;
    read_bytes(path, &bytes)
}

/// Reads Mastodon API JSON already in memory; `file` names it in errors.
pub fn read_bytes(file: &Path, bytes: &[u8]) -> Result<Import, ImportError> {
    let value = parse_json(file, bytes, "Mastodon API JSON file")?;
    let statuses: Vec<(String, &Value)> = match &value {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("[{i}]"), v))
            .collect(),
        Value::Object(obj) if obj.contains_key("ancestors") || obj.contains_key("descendants") => {
            let mut all = Vec::new();
            for key in ["ancestors", "descendants"] {
                match obj.get(key) {
                    None | Some(Value::Null) => {}
                    Some(Value::Array(items)) => all.extend(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| (format!("{key}[{i}]"), v)),
                    ),
                    Some(other) => {
                        return Err(ImportError {
                            at: json_record::location(file, None, Some(key)),
                            message: format!(
                                "expected an array of statuses, found {}",
                                json_record::type_name(other)
                            ),
                        });
                    }
                }
            }
            all
        }
        Value::Object(obj) if obj.get("statuses").is_some_and(Value::is_array) => obj
            .get("statuses")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("statuses[{i}]"), v))
                    .collect()
            })
            .unwrap_or_default(),
        Value::Object(obj) if obj.contains_key("content") && obj.contains_key("id") => {
            vec![(String::new(), &value)]
        }
        other => {
            return Err(file_error(
                file,
                format!(
                    "not Mastodon API JSON: expected an array of statuses, a status, a \
                     context or a search result, found {}",
                    json_record::type_name(other)
                ),
            ));
        }
    };

    // Replies point at parents by id; the root is found by walking up within the file.
    let parents: HashMap<String, Option<String>> = statuses
        .iter()
        .flat_map(|(_, status)| {
            let inner = status.get("reblog").filter(|v| v.is_object());
            [Some(*status), inner].into_iter().flatten()
        })
        .filter_map(|status| {
            let id = id_of(status.get("id")?)?;
            let parent = status.get("in_reply_to_id").and_then(id_of);
            Some((id, parent))
        })
        .collect();
    let roots = thread_roots(&parents);

    let mut import = Import::default();
    let mut seen = HashSet::new();
    for (index, (prefix, status)) in statuses.iter().enumerate() {
        let number = index as u64 + 1;
        let record = match Record::new(file, number, prefix, status) {
            Ok(record) => record,
            Err(rejected) => {
                import.rejected.push(rejected);
                continue;
            }
        };
        let boosted = match record.opt_object("reblog") {
            Ok(boosted) => boosted,
            Err(rejected) => {
                import.rejected.push(rejected);
                continue;
            }
        };
        let target = match boosted {
            Some(boosted) => {
                let what = boosted
                    .opt_id("id")
                    .ok()
                    .flatten()
                    .unwrap_or_else(|| "?".into());
                import.rejected.push(record.reject(
                    "reblog",
                    format!("a boost of status {what} is not a new message; the boosted status is imported instead"),
                ));
                boosted
            }
            None => record,
        };
        let result = status_message(&target, &roots).and_then(|message| {
            check_message(&target, &message, "content")?;
            Ok(message)
        });
        match result {
            Ok(message) => {
                if seen.insert(message.external_id.clone()) {
                    import.items.push(IncomingItem::Message(message));
                }
            }
            Err(rejected) => import.rejected.push(rejected),
        }
    }
    parents_first(&mut import.items);
    Ok(import)
}

fn id_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn status_message(
    status: &Record<'_>,
    roots: &HashMap<String, String>,
) -> Result<IncomingMessage, Rejected> {
    let id = status.id("id")?;
    let created_at = status.timestamp("created_at")?;
    let content = status.string("content")?;
    let parent = status.opt_id("in_reply_to_id")?;
    let thread = if parent.is_some() {
        roots.get(&id).cloned()
    } else {
        None
    };
    let visibility = status.opt_string("visibility")?;
    let kind = if visibility == Some("direct") {
        MessageKind::DirectMessage
    } else if parent.is_some() {
        MessageKind::Reply
    } else {
        MessageKind::Mention
    };
    let account = status
        .opt_object("account")?
        .ok_or_else(|| status.reject("account", "missing required field"))?;
    let permalink = match status.opt_nonempty("url")? {
        Some(url) => Some(url.to_string()),
        None => status.opt_nonempty("uri")?.map(str::to_string),
    };
    Ok(IncomingMessage {
        external_id: id,
        kind,
        direction: Direction::Inbound,
        thread_external_id: thread,
        parent_external_id: parent,
        author: Some(author(&account)?),
        title: status.opt_nonempty("spoiler_text")?.map(str::to_string),
        text: html_text::to_text(content),
        lang: iso_639_1(status.opt_string("language")?),
        created_at,
        edited_at: status.opt_timestamp("edited_at")?,
        permalink,
        engagement: Engagement {
            likes: status.count("favourites_count")?,
            shares: status.count("reblogs_count")?,
            replies: status.count("replies_count")?,
            views: 0,
        },
        rating: None,
    })
}

fn author(account: &Record<'_>) -> Result<IncomingAuthor, Rejected> {
    let acct = account.string("acct")?.trim().trim_start_matches('@');
    if acct.is_empty() {
        return Err(account.reject("acct", "is empty"));
    }
    let url = account.opt_nonempty("url")?;
    let handle = if acct.contains('@') {
        acct.to_string()
    } else {
        match url.and_then(host_of) {
            Some(host) => format!("{acct}@{host}"),
            None => acct.to_string(),
        }
    };
    Ok(IncomingAuthor {
        platform: ChannelKind::Mastodon,
        external_id: handle.to_lowercase(),
        handle,
        display_name: account.opt_nonempty("display_name")?.map(str::to_string),
        profile_url: url.map(str::to_string),
        followers: account.opt_count("followers_count")?,
        verified: false,
        email: None,
    })
}

/// The lowercased host of an `http(s)://host/…` URL.
fn host_of(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit('@').next()?;
    (!host.is_empty() && !host.contains(char::is_whitespace)).then(|| host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_comes_from_the_profile_url() {
        assert_eq!(
            host_of("https://Mastodon.Social/@Gargron"),
            Some("mastodon.social".into())
        );
        assert_eq!(host_of("ftp://x"), None);
        assert_eq!(host_of("https://"), None);
    }
}
