//! Entities in a post: hashtags, mentions (including fediverse `@user@host`), cashtags and
//! URLs, each with its text and its UTF-16 range, so the inbox can highlight them and the
//! composer can count them.
//!
//! Extraction follows X's twitter-text rules exactly: we delegate to the `twitter-text`
//! crate, which passes 100% of the upstream conformance suite (`testdata/twitter-text/extract.yml`,
//! checked by `tests/twitter_text_conformance.rs`). Offsets are UTF-16 code units, as in
//! twitter-text and in browsers' `String` indices, so a web composer can use them directly.

use serde::Serialize;
use twitter_text::ParserBackend;
use twitter_text::entity::Type;
use twitter_text::extractor::{Extract, Extractor};
use twitter_text::validator::Validator;

/// Longest input (in bytes) that extraction looks at: beyond any network's post limit
/// (Facebook's 63,206 characters) nothing useful is found, and hostile inputs can be huge.
pub const MAX_INPUT_BYTES: usize = 256 * 1024;

/// twitter-text's parsers are quadratic in the length of a run without whitespace (64 KiB
/// of `x` takes over a second), so long texts are parsed in chunks cut at whitespace, and a
/// run longer than this is cut hard (losing only entities longer than 1 KiB: giant URLs).
const CHUNK_BYTES: usize = 1024;

/// One entity found in a text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entity {
    /// The entity without its sigil: `rust` for `#rust`, `alice` for `@alice`,
    /// `alice@mastodon.social` for `@alice@mastodon.social`, `AAPL` for `$AAPL`; the URL as written.
    pub text: String,
    /// Start of the whole entity (sigil included), in UTF-16 code units.
    pub start: usize,
    /// End (exclusive) of the whole entity, in UTF-16 code units.
    pub end: usize,
}

/// All entities of a text, each list in text order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Entities {
    /// `#tag` entities.
    pub hashtags: Vec<Entity>,
    /// `@user` and fediverse `@user@host` mentions (X lists `@user/list` appear as `user`).
    pub mentions: Vec<Entity>,
    /// `$TICKER` entities.
    pub cashtags: Vec<Entity>,
    /// URLs, with or without a scheme (`example.com` counts, as on X).
    pub urls: Vec<Entity>,
}

/// A mention that may name an X list (`@user/list-name`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MentionOrList {
    /// The screen name, without `@`.
    pub screen_name: String,
    /// The list slug with its leading `/` (as twitter-text gives it), or empty for a plain mention.
    pub list_slug: String,
    /// Start in UTF-16 code units (at the `@`).
    pub start: usize,
    /// End (exclusive) in UTF-16 code units.
    pub end: usize,
}

/// Extracts every hashtag, mention (local and fediverse), cashtag and URL in one pass.
pub fn extract(text: &str) -> Entities {
    let text = bounded(text);
    let mut out = Entities::default();
    let found = chunked(text, |chunk, shift| {
        guarded(chunk, Vec::new(), |backend| {
            Extractor::with_parser_backend(backend)
                .extract_entities_with_indices_federated(chunk)
                .into_iter()
                .map(|e| {
                    (
                        e.t,
                        convert(
                            e.value.trim_start_matches(['@', '＠']),
                            e.start,
                            e.end,
                            shift,
                        ),
                    )
                })
                .collect()
        })
    });
    for (kind, item) in found {
        match kind {
            Type::HASHTAG => out.hashtags.push(item),
            Type::CASHTAG => out.cashtags.push(item),
            Type::URL => out.urls.push(item),
            // A list mention's range covers `/slug` too; that is what a reader sees.
            Type::MENTION | Type::FEDERATEDMENTION => out.mentions.push(item),
        }
    }
    out
}

/// X-style `@user` mentions only (no fediverse addresses, no lists), as twitter-text's
/// `extractMentionedScreennamesWithIndices`.
pub fn mentions(text: &str) -> Vec<Entity> {
    let text = bounded(text);
    chunked(text, |chunk, shift| {
        guarded(chunk, Vec::new(), |backend| {
            Extractor::with_parser_backend(backend)
                .extract_mentioned_screennames_with_indices(chunk)
                .into_iter()
                .map(|e| convert(e.value, e.start, e.end, shift))
                .collect()
        })
    })
}

/// X-style mentions and list mentions (`@user/list`), as twitter-text's
/// `extractMentionsOrListsWithIndices`.
pub fn mentions_or_lists(text: &str) -> Vec<MentionOrList> {
    let text = bounded(text);
    guarded(text, Vec::new(), |backend| {
        Extractor::with_parser_backend(backend)
            .extract_mentions_or_lists_with_indices(text)
            .into_iter()
            .map(|e| MentionOrList {
                screen_name: e.value.to_owned(),
                list_slug: e.list_slug.to_owned(),
                start: offset(e.start),
                end: offset(e.end),
            })
            .collect()
    })
}

/// The user a post replies to: a mention at the very start (after optional spaces).
pub fn reply_to(text: &str) -> Option<Entity> {
    let text = prefix(text, CHUNK_BYTES);
    guarded(text, None, |backend| {
        Extractor::with_parser_backend(backend)
            .extract_reply_username(text)
            .map(|e| convert(e.value, e.start, e.end, 0))
    })
}

/// Hashtags only.
pub fn hashtags(text: &str) -> Vec<Entity> {
    let text = bounded(text);
    chunked(text, |chunk, shift| {
        guarded(chunk, Vec::new(), |backend| {
            Extractor::with_parser_backend(backend)
                .extract_hashtags_with_indices(chunk)
                .into_iter()
                .map(|e| convert(e.value, e.start, e.end, shift))
                .collect()
        })
    })
}

/// Cashtags only.
pub fn cashtags(text: &str) -> Vec<Entity> {
    let text = bounded(text);
    chunked(text, |chunk, shift| {
        guarded(chunk, Vec::new(), |backend| {
            Extractor::with_parser_backend(backend)
                .extract_cashtags_with_indices(chunk)
                .into_iter()
                .map(|e| convert(e.value, e.start, e.end, shift))
                .collect()
        })
    })
}

/// URLs only, with or without a scheme.
pub fn urls(text: &str) -> Vec<Entity> {
    let text = bounded(text);
    chunked(text, |chunk, shift| {
        guarded(chunk, Vec::new(), |backend| {
            Extractor::with_parser_backend(backend)
                .extract_urls_with_indices(chunk)
                .into_iter()
                .map(|e| convert(e.value, e.start, e.end, shift))
                .collect()
        })
    })
}

/// Whether `text` is exactly one valid X username (`@name`, at most 20 word characters).
pub fn is_valid_username(text: &str) -> bool {
    let text = prefix(text, 4 * CHUNK_BYTES);
    guarded(text, false, |backend| {
        Validator::with_parser_backend(backend).is_valid_username(text)
    })
}

/// Whether `text` is exactly one valid X list mention (`@user/list`).
pub fn is_valid_list(text: &str) -> bool {
    let text = prefix(text, 4 * CHUNK_BYTES);
    guarded(text, false, |backend| {
        Validator::with_parser_backend(backend).is_valid_list(text)
    })
}

/// Whether `text` is exactly one valid hashtag.
pub fn is_valid_hashtag(text: &str) -> bool {
    let text = prefix(text, 4 * CHUNK_BYTES);
    guarded(text, false, |backend| {
        Validator::with_parser_backend(backend).is_valid_hashtag(text)
    })
}

/// Whether `text` is exactly one valid URL with a scheme.
pub fn is_valid_url(text: &str) -> bool {
    let text = prefix(text, 4 * CHUNK_BYTES);
    guarded(text, false, |backend| {
        Validator::with_parser_backend(backend).is_valid_url(text)
    })
}

/// Whether `text` is exactly one valid URL without a scheme (`example.com`).
pub fn is_valid_url_without_protocol(text: &str) -> bool {
    let text = prefix(text, 4 * CHUNK_BYTES);
    guarded(text, false, |backend| {
        Validator::with_parser_backend(backend).is_valid_url_without_protocol(text)
    })
}

/// Runs a twitter-text call with its fast nom backend, or with its pest backend when the
/// text could trip a known bug of the nom backend.
///
/// twitter-text 0.3.1's nom parser, on an `@` preceded by a character that would forbid a
/// mention (ASCII alphanumeric, `_@!#$%&*=/` or `＠`), slices the two bytes before the `@` to
/// look for a legacy `RT@` prefix, and panics when they split a character (`ña@bob`, `x＠@b`).
/// The pest backend passes the same conformance suite but is ~90x slower, so only those texts
/// take it (emoji or CJK text before `@bob` does not). Outside unit tests a panic from any
/// other upstream bug is caught and answered with `fallback` (this needs `panic = "unwind"`,
/// Rust's default); in unit tests it propagates so the property tests can find it.
pub(crate) fn guarded<T>(text: &str, fallback: T, call: impl Fn(ParserBackend) -> T) -> T {
    let backend = if nom_may_panic(text) {
        ParserBackend::External
    } else {
        ParserBackend::Nom
    };
    if cfg!(test) {
        return call(backend);
    }
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| call(backend))).unwrap_or(fallback)
}

/// Whether `text` has the pattern that panics twitter-text's nom parser (see [`guarded`]):
/// an `@`/`＠` after a mention-forbidding character that is `＠` or follows a non-ASCII one.
fn nom_may_panic(text: &str) -> bool {
    let mut before = ['a', 'a'];
    for c in text.chars() {
        if c == '@' || c == '＠' {
            let [far, near] = before;
            let forbidding = near.is_ascii_alphanumeric()
                || matches!(
                    near,
                    '_' | '@' | '!' | '#' | '$' | '%' | '&' | '*' | '=' | '/' | '＠'
                );
            if forbidding && (near == '＠' || !far.is_ascii()) {
                return true;
            }
        }
        before = [before[1], c];
    }
    false
}

/// The longest prefix of `text` of at most [`MAX_INPUT_BYTES`], cut at a char boundary.
pub(crate) fn bounded(text: &str) -> &str {
    prefix(text, MAX_INPUT_BYTES)
}

/// The longest prefix of `text` of at most `max` bytes, cut at a char boundary.
pub(crate) fn prefix(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut cut = max;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    &text[..cut]
}

/// Runs `extract(chunk, utf16_offset_of_chunk)` over chunks of at most [`CHUNK_BYTES`]
/// that end after whitespace where possible. Entities never contain whitespace, and a
/// chunk starting after whitespace looks to the parser like the start of a text, so the
/// results equal a whole-text parse (except for runs longer than a chunk).
fn chunked<T>(text: &str, extract: impl Fn(&str, usize) -> Vec<T>) -> Vec<T> {
    let mut rest = bounded(text);
    if rest.len() <= CHUNK_BYTES {
        return extract(rest, 0);
    }
    let mut out = Vec::new();
    let mut shift = 0;
    while !rest.is_empty() {
        let window = prefix(rest, CHUNK_BYTES);
        let cut = if window.len() == rest.len() {
            window.len()
        } else {
            window.rfind(char::is_whitespace).map_or(window.len(), |i| {
                i + window[i..].chars().next().map_or(1, char::len_utf8)
            })
        };
        let cut = if cut == 0 {
            rest.chars().next().map_or(rest.len(), char::len_utf8)
        } else {
            cut
        };
        let (chunk, tail) = rest.split_at(cut);
        out.extend(extract(chunk, shift));
        shift += chunk.encode_utf16().count();
        rest = tail;
    }
    out
}

fn convert(value: &str, start: i32, end: i32, shift: usize) -> Entity {
    Entity {
        text: value.to_owned(),
        start: offset(start) + shift,
        end: offset(end) + shift,
    }
}

/// twitter-text reports UTF-16 offsets as `i32`; negative would be a bug upstream, so clamp.
fn offset(value: i32) -> usize {
    usize::try_from(value).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utf16_len(s: &str) -> usize {
        s.encode_utf16().count()
    }

    #[test]
    fn finds_every_kind_with_utf16_ranges() {
        let text = "😀 #rust @bob $AAPL https://example.com/x and @alice@mastodon.social";
        let found = extract(text);
        assert_eq!(
            found.hashtags,
            vec![Entity {
                text: "rust".into(),
                start: 3,
                end: 8
            }]
        );
        assert_eq!(found.cashtags[0].text, "AAPL");
        assert_eq!(found.urls[0].text, "https://example.com/x");
        let names: Vec<&str> = found.mentions.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(names, ["bob", "alice@mastodon.social"]);
        let fedi = &found.mentions[1];
        let units: Vec<u16> = text.encode_utf16().collect();
        assert_eq!(
            String::from_utf16_lossy(&units[fedi.start..fedi.end]),
            "@alice@mastodon.social"
        );
    }

    #[test]
    fn known_upstream_panic_patterns_are_routed_around() {
        for text in [
            "ña@bob",
            "\u{feff}@@",
            "ொa@",
            "x＠@b",
            "é1@a 🎉 @b",
            "日本@bob",
        ] {
            let _ = extract(text);
            let _ = mentions(text);
            let _ = crate::length::x_length(text);
        }
        assert!(!nom_may_panic("Thanks 🙏 @bob and 日本@alice"));
        assert!(nom_may_panic("niña@bob"));
        assert_eq!(extract("日本@bob").mentions[0].text, "bob");
    }

    #[test]
    fn reply_and_lists() {
        assert_eq!(
            reply_to(" @carol thanks!").map(|e| e.text),
            Some("carol".to_owned())
        );
        assert_eq!(reply_to("thanks @carol"), None);
        let lists = mentions_or_lists("see @dan/cool-list");
        assert_eq!(lists[0].screen_name, "dan");
        assert_eq!(lists[0].list_slug, "/cool-list");
    }

    #[test]
    fn long_and_huge_inputs_are_chunked_not_slow() {
        let text = "é #a @b ".repeat(40_000);
        let found = extract(&text);
        assert!(found.hashtags.len() > 10_000);
        let units: Vec<u16> = text.encode_utf16().collect();
        for h in found.hashtags.iter().step_by(997) {
            assert_eq!(String::from_utf16_lossy(&units[h.start..h.end]), "#a");
        }
        let run = "x".repeat(300_000);
        assert!(extract(&run).urls.is_empty());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn ranges_stay_in_bounds(text in "\\PC{0,80}|[#@$a-z.:/ ]{0,80}") {
            let n = utf16_len(&text);
            let found = extract(&text);
            for e in found.hashtags.iter().chain(&found.mentions).chain(&found.cashtags).chain(&found.urls) {
                prop_assert!(e.start < e.end && e.end <= n);
            }
            for e in mentions(&text).iter().chain(&urls(&text)).chain(&hashtags(&text)).chain(&cashtags(&text)) {
                prop_assert!(e.start < e.end && e.end <= n);
            }
            let _ = reply_to(&text);
            let _ = mentions_or_lists(&text);
        }
    }
}
