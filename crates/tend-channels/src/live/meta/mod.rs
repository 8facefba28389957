//! Meta's networks: Facebook Pages, Instagram (professional accounts) and
//! Threads, over the Graph API (`graph`). Built and tested against Meta's
//! documented and recorded payloads only (`Tested::Contract`): going live
//! needs a Meta app of the workspace's own, through Meta's App Review.
//!
//! What the three share:
//! - **Reading** polls. Graph pages newest first with `after` cursors and
//!   offers no "since this id" on comments, so the read cursor is a time
//!   mark per stream (comments, mentions, messages): the newest
//!   `created_time` read and the ids read at that second (`Marks`). A read
//!   collects what is newer, sorts it oldest first and hands it over in
//!   pages, each with the marks that cover it.
//! - **Writing** has no idempotency key on any of them. A reply or post
//!   whose outcome is unknown is settled by reading back (the replies under
//!   the parent, or the account's recent posts, since the key was made) for
//!   one by the brand with the same text. Instagram and Threads publish in
//!   two steps through a container; the container id is kept per key, and
//!   publishing one container twice is refused by Meta, so a retry cannot
//!   post twice (see [`instagram`]).
//! - **Edits and deletions** are not visible to a poll (Graph sends them as
//!   webhooks, which Tend does not receive yet).

mod graph;

pub mod facebook;
pub mod instagram;
pub mod threads;

use super::{ChannelError, Cursor, Page, Sink, http};
use jiff::Timestamp;
use std::collections::BTreeMap;
use tend_domain::{IncomingItem, IncomingMessage};

/// Graph's API address with its version.
pub const DEFAULT_GRAPH_BASE: &str = "https://graph.facebook.com/v23.0";
/// Threads' API address with its version.
pub const DEFAULT_THREADS_BASE: &str = "https://graph.threads.net/v1.0";

/// Items handed over per page.
const PAGE: usize = 100;
/// How far before the key was made a lookup reads (clock skew).
const LOOKUP_SLACK_SECS: i64 = 120;

/// Runs the Facebook connector's payload mapping on any bytes (for the fuzzer).
#[doc(hidden)]
pub fn fuzz_facebook(bytes: &[u8]) {
    facebook::fuzz(bytes);
    fuzz_marks(bytes);
}

/// Runs the Instagram connector's payload mapping on any bytes (for the fuzzer).
#[doc(hidden)]
pub fn fuzz_instagram(bytes: &[u8]) {
    instagram::fuzz(bytes);
    fuzz_marks(bytes);
}

/// Runs the Threads connector's payload mapping on any bytes (for the fuzzer).
#[doc(hidden)]
pub fn fuzz_threads(bytes: &[u8]) {
    threads::fuzz(bytes);
    fuzz_marks(bytes);
}

fn fuzz_marks(bytes: &[u8]) {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    if let Ok(marks) = Marks::parse(&Cursor(text.to_string())) {
        let _ = marks.cursor();
    }
    let _ = check_quota("fuzz", text, true);
    let _ = check_quota("fuzz", text, false);
    let _ = graph_time("fuzz", text);
}

/// Runs the three connectors' payload mapping on any bytes (for the fuzzer).
#[doc(hidden)]
pub fn fuzz_meta(bytes: &[u8]) {
    facebook::fuzz(bytes);
    instagram::fuzz(bytes);
    threads::fuzz(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let _ = Marks::parse(&Cursor(text.to_string()));
    let _ = graph_time("fuzz", text);
}

/// Where each stream's reading stopped: the newest time read and the ids
/// read at that second (as short hashes, so a burst at one second keeps the
/// cursor small).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Marks(BTreeMap<String, Mark>);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Mark {
    secs: i64,
    ids: Vec<String>,
}

/// At most this many ids are kept at one second (a flood at one second
/// beyond it may be read twice, never lost).
const MAX_EDGE_IDS: usize = 2000;

/// A short stable hash of an id (FNV-1a, 64 bits, hex).
fn id_hash(id: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:x}")
}

/// Whether `id` may be kept in a cursor (and a path): letters, digits,
/// `_`, `-`, `.`.
fn safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b))
}

impl Marks {
    fn parse(cursor: &Cursor) -> Result<Marks, ChannelError> {
        let bad = || ChannelError::Permanent(format!("Meta cursor {:?} is not Tend's", cursor.0));
        let rest = cursor.0.strip_prefix("meta1").ok_or_else(bad)?;
        let mut marks = BTreeMap::new();
        for part in rest.split(';').filter(|p| !p.is_empty()) {
            let (stream, mark) = part.split_once('=').ok_or_else(bad)?;
            let (secs, ids) = mark.split_once(':').ok_or_else(bad)?;
            let secs = secs.parse::<i64>().map_err(|_| bad())?;
            let ids: Vec<String> = ids
                .split(',')
                .filter(|i| !i.is_empty())
                .map(str::to_string)
                .collect();
            let hex = |i: &String| i.len() <= 16 && i.bytes().all(|b| b.is_ascii_hexdigit());
            if !stream.bytes().all(|b| b.is_ascii_lowercase()) || !ids.iter().all(hex) {
                return Err(bad());
            }
            marks.insert(stream.to_string(), Mark { secs, ids });
        }
        Ok(Marks(marks))
    }

    fn cursor(&self) -> Cursor {
        let mut out = String::from("meta1");
        for (stream, mark) in &self.0 {
            out.push_str(&format!(";{stream}={}:{}", mark.secs, mark.ids.join(",")));
        }
        Cursor(out)
    }

    /// The second a stream's read starts at (`None`: from the horizon).
    fn since(&self, stream: &str) -> Option<i64> {
        self.0.get(stream).map(|m| m.secs)
    }

    /// Whether an item of `stream` at `secs` with `id` was not read yet.
    fn fresh(&self, stream: &str, secs: i64, id: &str) -> bool {
        match self.0.get(stream) {
            None => true,
            Some(m) => {
                let h = id_hash(id);
                secs > m.secs || (secs == m.secs && !m.ids.contains(&h))
            }
        }
    }

    fn advance(&mut self, stream: &str, secs: i64, id: &str) {
        let mark = self.0.entry(stream.to_string()).or_default();
        let h = id_hash(id);
        if secs > mark.secs || mark.ids.is_empty() && secs >= mark.secs {
            *mark = Mark { secs, ids: vec![h] };
        } else if secs == mark.secs && mark.ids.len() < MAX_EDGE_IDS && !mark.ids.contains(&h) {
            mark.ids.push(h);
        }
    }
}

/// One item read: its stream, time and id (for the marks), and the message
/// (`None` when it could not be mapped: it still moves the marks).
struct Found {
    stream: &'static str,
    secs: i64,
    id: String,
    message: Option<IncomingMessage>,
}

/// Hands `found` over oldest first, [`PAGE`] items a page, each page with
/// the marks that cover it; answers whether `max_pages` cut it short.
async fn hand_over(
    mut found: Vec<Found>,
    mut marks: Marks,
    first_read: bool,
    max_pages: usize,
    sink: &mut dyn Sink,
) -> Result<super::More, ChannelError> {
    found.retain(|f| marks.fresh(f.stream, f.secs, &f.id) && safe_id(&f.id));
    found.sort_by(|a, b| (a.secs, &a.id).cmp(&(b.secs, &b.id)));
    found.dedup_by(|a, b| a.stream == b.stream && a.id == b.id);
    let mut pages_left = max_pages.max(1);
    if found.is_empty() && first_read {
        // A cursor anyway, so the next read is incremental.
        let page = Page {
            cursor: Some(marks.cursor()),
            ..Page::default()
        };
        return sink_page(sink, page).await.map(|()| super::More::No);
    }
    for chunk in found.chunks(PAGE) {
        if pages_left == 0 {
            return Ok(super::More::Yes);
        }
        let mut items = Vec::new();
        for f in chunk {
            marks.advance(f.stream, f.secs, &f.id);
            if let Some(m) = &f.message {
                items.push(IncomingItem::Message(m.clone()));
            }
        }
        let page = Page {
            items,
            deleted: Vec::new(),
            cursor: Some(marks.cursor()),
        };
        sink_page(sink, page).await?;
        pages_left -= 1;
    }
    Ok(super::More::No)
}

async fn sink_page(sink: &mut dyn Sink, page: Page) -> Result<(), ChannelError> {
    sink.page(page)
        .await
        .map_err(|e| ChannelError::Transient(format!("storing a page: {e}")))
}

/// A Graph time (`2021-08-10T18:45:03+0000`, or RFC 3339).
fn graph_time(what: &str, value: &str) -> Result<Timestamp, String> {
    if let Ok(t) = value.parse::<Timestamp>() {
        return Ok(t);
    }
    // Graph writes the offset without a colon.
    let fixed = match value
        .len()
        .checked_sub(5)
        .and_then(|i| value.get(i..).map(|tail| (i, tail)))
    {
        Some((i, tail))
            if (tail.starts_with('+') || tail.starts_with('-'))
                && tail[1..].bytes().all(|b| b.is_ascii_digit()) =>
        {
            format!("{}{}:{}", &value[..i], &tail[..3], &tail[3..])
        }
        _ => value.to_string(),
    };
    fixed.parse::<Timestamp>().map_err(|e| {
        format!(
            "{what}: time {:?}: {e}",
            value.chars().take(40).collect::<String>()
        )
    })
}

/// Text compared loosely: whitespace collapsed.
fn same_text(a: &str, b: &str) -> bool {
    let squash = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    squash(a) == squash(b)
}

/// A key with the moment it was made (`{unique}.{epoch seconds}`).
fn timed_key(unique: &str, now: Timestamp) -> String {
    format!("{unique}.{}", now.as_second())
}

/// The second a lookup reads from: shortly before the key was made.
fn lookup_from(key: &str) -> Option<i64> {
    let secs = key.rsplit_once('.')?.1.parse::<i64>().ok()?;
    Some(secs - LOOKUP_SLACK_SECS)
}

/// How long a spent publishing quota waits (Meta's window rolls over 24
/// hours and does not say when the oldest post leaves it).
const QUOTA_WAIT: std::time::Duration = std::time::Duration::from_secs(3600);

#[derive(Debug, serde::Deserialize)]
struct Quota {
    #[serde(default)]
    quota_usage: Option<i64>,
    #[serde(default)]
    config: Option<QuotaConfig>,
    #[serde(default)]
    reply_quota_usage: Option<i64>,
    #[serde(default)]
    reply_config: Option<QuotaConfig>,
}

#[derive(Debug, serde::Deserialize)]
struct QuotaConfig {
    #[serde(default)]
    quota_total: Option<i64>,
}

/// Reads a publishing-limit answer (`content_publishing_limit`,
/// `threads_publishing_limit`): a spent quota (posts, or replies for a
/// reply) is `RateLimited`, so nothing is attempted.
fn check_quota(network: &str, body: &str, reply: bool) -> Result<(), ChannelError> {
    let answer: graph::Edge<Quota> = read(network, "publishing limit", body)?;
    let Some(q) = answer.data.first() else {
        return Ok(());
    };
    let (used, total) = if reply {
        (
            q.reply_quota_usage,
            q.reply_config.as_ref().and_then(|c| c.quota_total),
        )
    } else {
        (q.quota_usage, q.config.as_ref().and_then(|c| c.quota_total))
    };
    match (used, total) {
        (Some(used), Some(total)) if used >= total => Err(ChannelError::RateLimited {
            retry_after: QUOTA_WAIT,
        }),
        _ => Ok(()),
    }
}

/// Parses a Graph answer for connector `network`, a transient error naming
/// where when it cannot be read.
fn read<T: serde::de::DeserializeOwned>(
    network: &str,
    what: &str,
    body: &str,
) -> Result<T, ChannelError> {
    graph::parse(network, what, body).map_err(|e| ChannelError::Transient(http::short(&e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_round_trip_and_read_nothing_twice() {
        let mut m = Marks::default();
        assert!(m.fresh("c", 10, "1_2"));
        m.advance("c", 10, "1_2");
        m.advance("c", 10, "1_3");
        m.advance("d", 5, "m_abc-1");
        let back = Marks::parse(&m.cursor()).unwrap();
        assert_eq!(back, m);
        assert!(!back.fresh("c", 10, "1_2"));
        assert!(back.fresh("c", 10, "1_4"));
        assert!(!back.fresh("c", 9, "1_9"));
        assert!(back.fresh("c", 11, "1_2"));
        for bad in [
            "",
            "meta1;c",
            "meta1;c=x:1",
            "meta1;C=1:1",
            "meta1;c=1:a/b",
            "meta1;c=1:xyz",
            "x;c=1:",
        ] {
            assert!(Marks::parse(&Cursor(bad.into())).is_err(), "{bad}");
        }
    }

    #[test]
    fn graph_times_read_with_and_without_the_colon() {
        let a = graph_time("t", "2021-08-10T18:45:03+0000").unwrap();
        let b = graph_time("t", "2021-08-10T18:45:03Z").unwrap();
        assert_eq!(a, b);
        assert!(
            graph_time("t", "yesterday")
                .unwrap_err()
                .starts_with("t: time")
        );
        assert!(graph_time("t", "+0000").is_err());
    }
}
