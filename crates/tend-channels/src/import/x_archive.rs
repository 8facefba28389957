//! The X (Twitter) archive's tweets: `data/tweets.js`, which starts
//! `window.YTD.tweets.part0 = [` (older archives: `window.YTD.tweet.part0`; large
//! ones are split into `tweets-part1.js`, `tweets-part2.js` … with `part1`, `part2`
//! …), each element `{"tweet": {…}}` with `id_str`, `full_text`, `created_at`
//! (`Sat Dec 06 18:20:30 +0000 2025`), `lang`, counts as strings and `entities`.
//! `read` takes one such file or a directory (the archive root or its `data/`) and
//! then reads every tweets file in it, in part order. A plain JSON array (the prefix
//! stripped) is accepted too.
//!
//! Decisions:
//! - **The archive is the brand's own account:** every tweet is outbound, a `Post`
//!   or, with `in_reply_to_status_id_str`, a `Reply`. The author is the owner from
//!   `account.js` beside the tweets file (`accountId`, `username`,
//!   `accountDisplayName`); without it the author is `None` and the ingest pipeline
//!   attributes the messages to the channel's own account.
//! - **Retweets are skipped** with a `Rejected` reason: `RT @user: …` is someone
//!   else's text, and the archive does not carry the original's id to link it.
//! - **Text:** `&amp;`, `&lt;`, `&gt;` (X escapes them) are decoded and every t.co
//!   link of `entities.urls` and `entities.media` is replaced by its
//!   `expanded_url`, by the t.co string rather than by `indices` (which count UTF-16
//!   units of the escaped text and drift after the first replacement).
//! - The thread root is the topmost tweet reached through `in_reply_to_status_id_str`
//!   inside the archive when that one is not a reply; replies to other accounts'
//!   tweets have only a parent. Replies and views are not in the archive (0); likes
//!   and retweets come from `favorite_count` and `retweet_count`.
//! - Edited tweets appear as separate tweets in the archive; they are imported as
//!   they are (the edit chain in `edit_info` is not followed).

use crate::import::discourse::html_text;
use crate::import::discourse::json_record::{
    self, Record, check_message, file_error, iso_639_1, parents_first, parse_json, read_file,
    thread_roots,
};
use crate::import::{Import, ImportError, MAX_TEXT_BYTES, Rejected};
use jiff::Timestamp;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tend_domain::{
    ChannelKind, Direction, Engagement, IncomingAuthor, IncomingItem, IncomingMessage, MessageKind,
};

/// Most links of one kind expanded per tweet (X allows far fewer).
const MAX_LINKS: usize = 64;

/// Reads an X archive: a `tweets.js` file (the owner from `account.js` beside it) or
/// a directory holding `tweets.js` / `tweets-partN.js` (or a `data/` folder with them).
pub fn read(path: &Path) -> Result<Import, ImportError> {
    let meta =
        std::fs::metadata(path).map_err(|err| file_error(path, format!("cannot read: {err}")))?;
    let (dir, files) = if meta.is_dir() {
        let data = path.join("data");
        let mut files = tweet_files(path)?;
        let mut dir = path.to_path_buf();
        if files.is_empty() && data.is_dir() {
            files = tweet_files(&data)?;
            dir = data;
        }
        if files.is_empty() {
            return Err(file_error(
                path,
                "no tweets.js, tweet.js or tweets-partN.js in the directory".to_string(),
            ));
        }
        (Some(dir), files)
    } else {
        (
            path.parent().map(Path::to_path_buf),
            vec![path.to_path_buf()],
        )
    };
    let mut import = Import::default();
    let owner = match dir
        .map(|dir| dir.join("account.js"))
        .filter(|p| p.is_file())
    {
        Some(account) => match read_file(&account).and_then(|bytes| read_owner(&account, &bytes)) {
            Ok(owner) => owner,
            Err(err) => {
                import.rejected.push(Rejected {
                    at: err.at,
                    reason: format!("the archive owner is unknown: {}", err.message),
                });
                None
            }
        },
        None => None,
    };
    let mut documents = Vec::with_capacity(files.len());
    for file in files {
        let bytes = read_file(&file)?;
        let value = parse_tweets_file(&file, &bytes)?;
        documents.push((file, value));
    }
    let documents: Vec<(&Path, &Value)> = documents.iter().map(|(f, v)| (f.as_path(), v)).collect();
    convert(&documents, owner.as_ref(), &mut import);
    Ok(import)
}

/// Reads one tweets file already in memory (no owner); `file` names it in errors.
pub fn read_bytes(file: &Path, bytes: &[u8]) -> Result<Import, ImportError> {
    let value = parse_tweets_file(file, bytes)?;
    let mut import = Import::default();
    convert(&[(file, &value)], None, &mut import);
    Ok(import)
}

/// The archive's owner, as `account.js` describes it.
fn read_owner(file: &Path, bytes: &[u8]) -> Result<Option<IncomingAuthor>, ImportError> {
    let (json, name) = strip_assignment(file, bytes)?;
    if name.as_deref().is_some_and(|name| name != "account") {
        return Err(file_error(file, "not the archive's account.js".to_string()));
    }
    let value = parse_json(file, json, "X archive account.js")?;
    let Some(first) = value.as_array().and_then(|items| items.first()) else {
        return Ok(None);
    };
    let to_error = |rejected: Rejected| ImportError {
        at: rejected.at,
        message: rejected.reason,
    };
    let account = Record::new(file, 1, "", first)
        .and_then(|record| record.opt_object("account"))
        .map_err(to_error)?;
    let Some(account) = account else {
        return Ok(None);
    };
    let username = account
        .string("username")
        .map_err(to_error)?
        .trim()
        .to_string();
    Ok(Some(IncomingAuthor {
        platform: ChannelKind::X,
        external_id: account.id("accountId").map_err(to_error)?,
        display_name: account
            .opt_nonempty("accountDisplayName")
            .map_err(to_error)?
            .map(str::to_string),
        profile_url: Some(format!("https://x.com/{username}")),
        handle: username,
        followers: None,
        verified: false,
        email: None,
    }))
}

/// `tweets.js`, `tweet.js`, then `tweets-partN.js` / `tweet-partN.js` by N.
fn tweet_files(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|err| file_error(dir, format!("cannot list the directory: {err}")))?;
    let mut files: Vec<(u64, PathBuf)> = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|err| file_error(dir, format!("cannot list the directory: {err}")))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(stem) = name.strip_suffix(".js") else {
            continue;
        };
        let part = match stem {
            "tweets" | "tweet" => Some(0),
            _ => stem
                .strip_prefix("tweets-part")
                .or_else(|| stem.strip_prefix("tweet-part"))
                .and_then(|n| n.parse::<u64>().ok())
                .map(|n| n.saturating_add(1)),
        };
        if let Some(part) = part {
            files.push((part, entry.path()));
        }
    }
    files.sort();
    Ok(files.into_iter().map(|(_, path)| path).collect())
}

/// Splits `window.YTD.<name>.partN = <json>` into the JSON and the name; a file that
/// already is a JSON array has no name.
fn strip_assignment<'a>(
    file: &Path,
    bytes: &'a [u8],
) -> Result<(&'a [u8], Option<String>), ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let trimmed = bytes.trim_ascii();
    if trimmed.starts_with(b"[") {
        return Ok((trimmed, None));
    }
    let not_archive = || ImportError {
        at: json_record::location(file, None, None).with_line(1),
        message: "not an X archive tweets file: expected `window.YTD.tweets.part0 = [`".to_string(),
    };
    let rest = trimmed
        .strip_prefix(b"window.YTD.")
        .ok_or_else(not_archive)?;
    let name_len = rest
        .iter()
        .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .ok_or_else(not_archive)?;
    let (name, rest) = rest.split_at(name_len);
    let rest = rest.strip_prefix(b".part").ok_or_else(not_archive)?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return Err(not_archive());
    }
    let rest = rest.get(digits..).unwrap_or_default().trim_ascii_start();
    let rest = rest.strip_prefix(b"=").ok_or_else(not_archive)?;
    let rest = rest.trim_ascii();
    let rest = rest.strip_suffix(b";").unwrap_or(rest);
    Ok((rest, Some(String::from_utf8_lossy(name).into_owned())))
}

trait WithLine {
    fn with_line(self, line: u64) -> Self;
}

impl WithLine for crate::import::Location {
    fn with_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
}

fn parse_tweets_file(file: &Path, bytes: &[u8]) -> Result<Value, ImportError> {
    let (json, name) = strip_assignment(file, bytes)?;
    if let Some(name) = name.filter(|name| name != "tweets" && name != "tweet") {
        return Err(file_error(
            file,
            format!("this is the X archive's `{name}` file, not its tweets (tweets.js)"),
        ));
    }
    let value = parse_json(file, json, "X archive tweets file")?;
    if !value.is_array() {
        return Err(file_error(
            file,
            format!(
                "not an X archive tweets file: expected an array, found {}",
                json_record::type_name(&value)
            ),
        ));
    }
    Ok(value)
}

/// The tweet object of one archive element, `{"tweet": {…}}` or the bare tweet.
fn tweet_of<'a>(file: &'a Path, number: u64, element: &'a Value) -> Result<Record<'a>, Rejected> {
    let outer = Record::new(file, number, "", element)?;
    match outer.opt_object("tweet")? {
        Some(tweet) => Ok(tweet),
        None => Ok(outer),
    }
}

fn convert(documents: &[(&Path, &Value)], owner: Option<&IncomingAuthor>, import: &mut Import) {
    let elements = || {
        documents.iter().flat_map(|(file, value)| {
            value
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
                .map(move |(index, element)| (*file, index as u64 + 1, element))
        })
    };
    let parents: HashMap<String, Option<String>> = elements()
        .filter_map(|(file, number, element)| {
            let tweet = tweet_of(file, number, element).ok()?;
            let id = tweet.opt_id("id_str").ok()??;
            let parent = tweet.opt_id("in_reply_to_status_id_str").ok()?;
            Some((id, parent))
        })
        .collect();
    let roots = thread_roots(&parents);
    for (file, number, element) in elements() {
        let result = tweet_of(file, number, element).and_then(|tweet| {
            let message = tweet_message(&tweet, owner, &roots)?;
            check_message(&tweet, &message, "full_text")?;
            Ok(message)
        });
        match result {
            Ok(message) => import.items.push(IncomingItem::Message(message)),
            Err(rejected) => import.rejected.push(rejected),
        }
    }
    parents_first(&mut import.items);
}

/// X's `created_at`, `Sat Dec 06 18:20:30 +0000 2025` (RFC 3339 also accepted).
fn parse_created_at(tweet: &Record<'_>) -> Result<Timestamp, Rejected> {
    let text = tweet.string("created_at")?.trim();
    if let Ok(at) = jiff::fmt::strtime::parse("%a %b %d %H:%M:%S %z %Y", text)
        .and_then(|parsed| parsed.to_timestamp())
    {
        return Ok(at);
    }
    text.parse::<Timestamp>().map_err(|_| {
        tweet.reject(
            "created_at",
            format!("not an X time like `Sat Dec 06 18:20:30 +0000 2025`: {text:?}"),
        )
    })
}

fn tweet_message(
    tweet: &Record<'_>,
    owner: Option<&IncomingAuthor>,
    roots: &HashMap<String, String>,
) -> Result<IncomingMessage, Rejected> {
    let id = match tweet.opt_id("id_str")? {
        Some(id) => id,
        None => tweet
            .opt_id("id")?
            .ok_or_else(|| tweet.reject("id_str", "missing required field"))?,
    };
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(tweet.reject("id_str", format!("not a tweet id: {id:?}")));
    }
    let full_text = match tweet.opt_string("full_text")? {
        Some(text) => text,
        None => tweet
            .string("text")
            .map_err(|_| tweet.reject("full_text", "missing required field"))?,
    };
    let created_at = parse_created_at(tweet)?;
    if let Some(retweeted) = full_text.strip_prefix("RT @") {
        let user: String = retweeted
            .chars()
            .take_while(|c| *c != ':' && !c.is_whitespace())
            .collect();
        return Err(tweet.reject(
            "full_text",
            format!("a retweet of @{user} is not the account's own message (skipped)"),
        ));
    }
    if full_text.len() > MAX_TEXT_BYTES {
        return Err(tweet.reject(
            "full_text",
            format!("is {} bytes; at most {MAX_TEXT_BYTES}", full_text.len()),
        ));
    }
    let mut text = html_text::decode_entities(full_text);
    let entities = tweet.opt_object("entities")?;
    if let Some(entities) = entities {
        for key in ["urls", "media"] {
            // A tweet has a handful of links; hostile input could list millions,
            // each costing a pass over the text.
            for (index, url) in entities.array(key)?.iter().enumerate().take(MAX_LINKS) {
                let prefix = entities.field_name(&format!("{key}[{index}]"));
                let url = Record::new(tweet.file(), tweet.number(), &prefix, url)?;
                let (Some(short), Some(expanded)) =
                    (url.opt_nonempty("url")?, url.opt_nonempty("expanded_url")?)
                else {
                    continue;
                };
                text = text.replace(short, expanded);
                if text.len() > MAX_TEXT_BYTES {
                    return Err(url.reject(
                        "expanded_url",
                        "expanding the links makes the text too long",
                    ));
                }
            }
        }
    }
    let parent = tweet.opt_id("in_reply_to_status_id_str")?;
    let thread = if parent.is_some() {
        roots.get(&id).cloned()
    } else {
        None
    };
    let permalink = match owner {
        Some(owner) => format!("https://x.com/{}/status/{id}", owner.handle),
        None => format!("https://x.com/i/web/status/{id}"),
    };
    Ok(IncomingMessage {
        kind: if parent.is_some() {
            MessageKind::Reply
        } else {
            MessageKind::Post
        },
        direction: Direction::Outbound,
        thread_external_id: thread,
        parent_external_id: parent,
        author: owner.cloned(),
        title: None,
        text,
        lang: iso_639_1(tweet.opt_string("lang")?),
        created_at,
        edited_at: None,
        permalink: Some(permalink),
        engagement: Engagement {
            likes: tweet.count("favorite_count")?,
            shares: tweet.count("retweet_count")?,
            replies: 0,
            views: 0,
        },
        external_id: id,
        rating: None,
    })
}
