//! The real exports inside the demo: the importers' test fixtures, embedded in the
//! binary, written to a temporary directory and read by the real importers (the same
//! path `tend import` takes), then moved into the demo's window.
//!
//! Moving keeps each conversation's order: a thread's root gets a new time from the
//! demo's rhythm, and every message keeps its offset from the root, compressed
//! beyond two hours (a Stack Exchange answer written years later lands days later).
//! Only the maintainer-authored Reddit thread is used: the r/funny comments in the
//! same folder were never licensed for display (see that folder's SOURCE.md).

use super::DemoError;
use super::rhythm::{Clock, HOUR_MS, Profile};
use jiff::Timestamp;
use rand::Rng;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use tend_channels::import::{self, Import, ImportError};
use tend_domain::{ChannelKind, IncomingItem};

macro_rules! fixture {
    ($path:literal) => {
        include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tend-channels/tests/fixtures/",
            $path
        ))
    };
}

type Reader = fn(&Path) -> Result<Import, ImportError>;

/// One export: the files to write (name, bytes) and what to read (a file or the folder).
struct Source {
    kind: ChannelKind,
    dir: &'static str,
    files: &'static [(&'static str, &'static [u8])],
    /// The file to read, or `None` to read the folder.
    read: Option<&'static str>,
    reader: Reader,
}

const SOURCES: [Source; 10] = [
    Source {
        kind: ChannelKind::Stackexchange,
        // The folder name gives the importer the site for permalinks (attribution).
        dir: "history.meta.stackexchange.com",
        files: &[
            ("Posts.xml", fixture!("stackexchange/Posts.xml")),
            ("Comments.xml", fixture!("stackexchange/Comments.xml")),
            ("Users.xml", fixture!("stackexchange/Users.xml")),
        ],
        read: None,
        reader: import::stackexchange::read,
    },
    Source {
        kind: ChannelKind::Reddit,
        dir: "reddit",
        files: &[(
            "thread.json",
            fixture!("reddit/comments_2gmzqe_redditdev.json"),
        )],
        read: Some("thread.json"),
        reader: import::reddit::read,
    },
    Source {
        kind: ChannelKind::Discourse,
        dir: "discourse-topic",
        files: &[("topic.json", fixture!("discourse/topic.json"))],
        read: Some("topic.json"),
        reader: import::discourse::read,
    },
    Source {
        kind: ChannelKind::Discourse,
        dir: "discourse-latest",
        files: &[("posts.json", fixture!("discourse/posts_latest.json"))],
        read: Some("posts.json"),
        reader: import::discourse::read,
    },
    Source {
        kind: ChannelKind::Discourse,
        dir: "discourse-topic-posts",
        files: &[("posts.json", fixture!("discourse/topic_posts.json"))],
        read: Some("posts.json"),
        reader: import::discourse::read,
    },
    Source {
        kind: ChannelKind::Discourse,
        dir: "discourse-post",
        files: &[("post.json", fixture!("discourse/post.json"))],
        read: Some("post.json"),
        reader: import::discourse::read,
    },
    Source {
        kind: ChannelKind::Mastodon,
        dir: "mastodon-statuses",
        files: &[("statuses.json", fixture!("mastodon/statuses.json"))],
        read: Some("statuses.json"),
        reader: import::mastodon::read,
    },
    Source {
        kind: ChannelKind::Mastodon,
        dir: "mastodon-timeline",
        files: &[(
            "timeline.json",
            fixture!("mastodon/timeline_synthetic.json"),
        )],
        read: Some("timeline.json"),
        reader: import::mastodon::read,
    },
    Source {
        kind: ChannelKind::Mastodon,
        dir: "mastodon-thread",
        files: &[("context.json", fixture!("mastodon/context_thread.json"))],
        read: Some("context.json"),
        reader: import::mastodon::read,
    },
    Source {
        kind: ChannelKind::X,
        dir: "x-archive",
        files: &[
            ("tweets.js", fixture!("x_archive/tweets.js")),
            ("account.js", fixture!("x_archive/account.js")),
        ],
        read: None,
        reader: import::x_archive::read,
    },
];

/// The fixtures' items per channel kind (messages deduplicated by external id, only
/// the described users who wrote something), in the exports' order.
pub fn load() -> Result<Vec<(ChannelKind, Vec<IncomingItem>)>, DemoError> {
    let temp =
        tempfile::tempdir().map_err(|e| DemoError::Fixture(format!("temporary directory: {e}")))?;
    let mut out: Vec<(ChannelKind, Vec<IncomingItem>)> = Vec::new();
    for source in &SOURCES {
        let dir = temp.path().join(source.dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| DemoError::Fixture(format!("{}: {e}", dir.display())))?;
        for (name, bytes) in source.files {
            std::fs::write(dir.join(name), bytes)
                .map_err(|e| DemoError::Fixture(format!("{}/{name}: {e}", dir.display())))?;
        }
        let path = match source.read {
            Some(file) => dir.join(file),
            None => dir.clone(),
        };
        let import = (source.reader)(&path).map_err(|e| DemoError::Fixture(e.to_string()))?;
        match out.iter_mut().find(|(k, _)| *k == source.kind) {
            Some((_, items)) => items.extend(import.items),
            None => out.push((source.kind, import.items)),
        }
    }
    for (_, items) in &mut out {
        tidy(items);
    }
    Ok(out)
}

/// Keeps the first copy of each message and only authors that wrote a message.
fn tidy(items: &mut Vec<IncomingItem>) {
    let mut seen = HashSet::new();
    items.retain(|i| match i {
        IncomingItem::Message(m) => seen.insert(m.external_id.clone()),
        _ => true,
    });
    let writers: HashSet<(ChannelKind, String)> = super::count::messages(items)
        .filter_map(|m| m.author.as_ref())
        .map(|a| (a.platform, a.external_id.clone()))
        .collect();
    items.retain(|i| match i {
        IncomingItem::Author(a) => writers.contains(&(a.platform, a.external_id.clone())),
        IncomingItem::Missing(_) => false,
        IncomingItem::Message(_) => true,
    });
}

/// Moves every conversation of `items` into the clock's window (see the module docs).
pub fn shift(items: &mut [IncomingItem], clock: &Clock, rng: &mut impl Rng) {
    // The conversation of each message: its root, or its parent's conversation.
    let mut parent_of: HashMap<String, Option<String>> = HashMap::new();
    let mut root_of: HashMap<String, String> = HashMap::new();
    for m in super::count::messages(items) {
        parent_of.insert(m.external_id.clone(), m.parent_external_id.clone());
        if let Some(t) = &m.thread_external_id {
            root_of.insert(m.external_id.clone(), t.clone());
        }
    }
    let conversation = |id: &str| -> String {
        let mut at = id.to_owned();
        for _ in 0..64 {
            if let Some(root) = root_of.get(&at) {
                return root.clone();
            }
            match parent_of.get(&at) {
                Some(Some(parent)) => at = parent.clone(),
                _ => return at,
            }
        }
        at
    };
    // Each conversation's first and last moment, in order of first appearance.
    let mut order: Vec<String> = Vec::new();
    let mut span: HashMap<String, (i64, i64)> = HashMap::new();
    let mut key_of: Vec<Option<String>> = Vec::with_capacity(items.len());
    for item in items.iter() {
        let IncomingItem::Message(m) = item else {
            key_of.push(None);
            continue;
        };
        let key = conversation(&m.external_id);
        let first = m.created_at.as_millisecond();
        let last = m.edited_at.map_or(first, |e| e.as_millisecond().max(first));
        let entry = span.entry(key.clone()).or_insert_with(|| {
            order.push(key.clone());
            (first, last)
        });
        *entry = (entry.0.min(first), entry.1.max(last));
        key_of.push(Some(key));
    }
    let mut new_root: HashMap<String, (i64, i64)> = HashMap::new();
    for key in &order {
        let (first, last) = span[key];
        let room = compress(last - first);
        let start =
            clock.sample_between(Profile::Work, clock.start, clock.end - room - 60_000, rng);
        new_root.insert(key.clone(), (first, start));
    }
    for (item, key) in items.iter_mut().zip(key_of) {
        let (IncomingItem::Message(m), Some(key)) = (item, key) else {
            continue;
        };
        let (first, start) = new_root[&key];
        m.created_at = moved(m.created_at, first, start);
        m.edited_at = m.edited_at.map(|t| moved(t, first, start));
    }
}

/// `t`, in a conversation that started at `first`, moved to one starting at `start`.
fn moved(t: Timestamp, first: i64, start: i64) -> Timestamp {
    super::ts(start + compress(t.as_millisecond() - first))
}

/// A monotone squeeze of an offset: unchanged up to two hours, logarithmic beyond.
fn compress(offset_ms: i64) -> i64 {
    let h = 2 * HOUR_MS;
    if offset_ms <= h {
        return offset_ms.max(0);
    }
    let beyond = (offset_ms - h) as f64 / h as f64;
    h + (12.0 * h as f64 * beyond.ln_1p()) as i64
}
