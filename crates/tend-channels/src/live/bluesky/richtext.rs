//! The text side of a Bluesky post: its limits (300 graphemes and 3,000
//! UTF-8 bytes) and its facets (mentions, links, tags), whose offsets are
//! **UTF-8 byte** positions in the text.

use serde_json::{Value, json};
use unicode_segmentation::UnicodeSegmentation;

/// The most graphemes a post may have.
pub const MAX_GRAPHEMES: usize = 300;
/// The most UTF-8 bytes a post may have.
pub const MAX_BYTES: usize = 3000;

/// Why `text` cannot be a post, or `None` when it can.
pub fn too_long(text: &str) -> Option<String> {
    let graphemes = text.graphemes(true).count();
    if graphemes > MAX_GRAPHEMES {
        Some(format!(
            "a Bluesky post has at most {MAX_GRAPHEMES} characters (graphemes); this one has {graphemes}"
        ))
    } else if text.len() > MAX_BYTES {
        Some(format!(
            "a Bluesky post has at most {MAX_BYTES} bytes; this one has {}",
            text.len()
        ))
    } else {
        None
    }
}

/// A piece of text a facet covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// What it is.
    pub kind: SpanKind,
}

/// What a [`Span`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpanKind {
    /// `@handle` (without the `@`), to resolve to a DID.
    Mention(String),
    /// A link.
    Link(String),
    /// `#tag` (without the `#`).
    Tag(String),
}

/// Characters a link, handle or tag does not end with.
fn trim_trailing(word: &str) -> &str {
    word.trim_end_matches(|c: char| ".,;:!?)]}'\"".contains(c))
}

/// The mentions, links and tags of `text`, with byte offsets.
pub fn spans(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut word_start = None;
    let flush = |start: usize, end: usize, out: &mut Vec<Span>| {
        let raw = &text[start..end];
        // A word may open with brackets or quotes: "(see https://…)".
        let lead = raw.len() - raw.trim_start_matches(['(', '[', '"', '\'']).len();
        let word = trim_trailing(&raw[lead..]);
        let start = start + lead;
        let end = start + word.len();
        if let Some(handle) = word.strip_prefix('@') {
            let valid = handle.contains('.')
                && !handle.starts_with('.')
                && handle.len() <= 253
                && handle
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
            if valid {
                out.push(Span {
                    start,
                    end,
                    kind: SpanKind::Mention(handle.to_ascii_lowercase()),
                });
            }
        } else if word.starts_with("https://") || word.starts_with("http://") {
            if word.len() > "https://".len() {
                out.push(Span {
                    start,
                    end,
                    kind: SpanKind::Link(word.to_owned()),
                });
            }
        } else if let Some(tag) = word.strip_prefix('#').or_else(|| word.strip_prefix('＃')) {
            let valid = !tag.is_empty()
                && !tag.chars().all(|c| c.is_ascii_digit())
                && !tag.contains('#')
                && tag.graphemes(true).count() <= 64;
            if valid {
                out.push(Span {
                    start,
                    end,
                    kind: SpanKind::Tag(tag.to_owned()),
                });
            }
        }
    };
    for (i, c) in text.char_indices() {
        if c.is_whitespace() {
            if let Some(s) = word_start.take() {
                flush(s, i, &mut out);
            }
        } else if word_start.is_none() {
            word_start = Some(i);
        }
    }
    if let Some(s) = word_start {
        flush(s, text.len(), &mut out);
    }
    out
}

/// A facet for `span`; mentions need their DID (`None`: not resolved, no facet).
pub fn facet(span: &Span, mention_did: Option<&str>) -> Option<Value> {
    let feature = match &span.kind {
        SpanKind::Mention(_) => {
            json!({"$type": "app.bsky.richtext.facet#mention", "did": mention_did?})
        }
        SpanKind::Link(uri) => json!({"$type": "app.bsky.richtext.facet#link", "uri": uri}),
        SpanKind::Tag(tag) => json!({"$type": "app.bsky.richtext.facet#tag", "tag": tag}),
    };
    Some(json!({
        "index": {"byteStart": span.start, "byteEnd": span.end},
        "features": [feature],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_utf8_bytes_past_emoji() {
        let text = "Hello from Tend 👋 #tend https://example.com";
        let s = spans(text);
        assert_eq!(
            s,
            vec![
                Span {
                    start: 21,
                    end: 26,
                    kind: SpanKind::Tag("tend".into())
                },
                Span {
                    start: 27,
                    end: 46,
                    kind: SpanKind::Link("https://example.com".into())
                },
            ]
        );
        let t = "(ask @Alice.test!) #42 #ok.";
        let s = spans(t);
        assert_eq!(&t[s[0].start..s[0].end], "@Alice.test");
        assert_eq!(s[0].kind, SpanKind::Mention("alice.test".into()));
        assert_eq!(&t[s[1].start..s[1].end], "#ok");
        assert_eq!(s.len(), 2, "a number is no tag: {s:?}");
    }

    #[test]
    fn limits_count_graphemes_then_bytes() {
        assert!(too_long(&"a".repeat(300)).is_none());
        assert!(too_long(&"a".repeat(301)).is_some_and(|r| r.contains("301")));
        // 300 family emoji: 300 graphemes but 5,400 bytes.
        assert!(too_long(&"👨‍👩‍👧".repeat(300)).is_some_and(|r| r.contains("bytes")));
    }
}
