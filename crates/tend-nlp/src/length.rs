//! Post length and validity per network, for the composer's counter and the reply box.
//!
//! X counts a *weighted* length (twitter-text config v3: most CJK and emoji weigh 2, URLs
//! count 23 whatever their length); we delegate that to the `twitter-text` crate because it
//! passes 100% of the upstream conformance suite (`tests/twitter_text_conformance.rs`), which
//! a port of our own would have to earn case by case. The other networks count simpler units
//! (code points or grapheme clusters); their limits live in ONE table, [`Limits::for_network`].
//! Every position reported here is in UTF-16 code units, like a browser's string indices.

use serde::{Deserialize, Serialize};
use twitter_text_config::Configuration;
use unicode_segmentation::UnicodeSegmentation;

use crate::entities;

/// A half-open range `[start, end)` in UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Utf16Range {
    /// First code unit.
    pub start: usize,
    /// One past the last code unit.
    pub end: usize,
}

/// How much of a text twitter-text parses for X's length. Its parser is quadratic in long
/// runs without whitespace, and 280 weighted characters (URLs count 23 whatever their length)
/// are always reached well within this; the rest is counted without parsing.
const X_WINDOW_BYTES: usize = 16 * 1024;

/// Result of X's `parseTweet`: weighted length, validity and ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct XLength {
    /// Weighted length (what X compares against 280).
    pub weighted_length: usize,
    /// Non-empty, within the limit and free of invalid characters.
    pub valid: bool,
    /// Weighted length per thousand of the limit (for a progress ring).
    pub permillage: usize,
    /// The whole text.
    pub display_range: Utf16Range,
    /// The part that fits (and precedes any invalid character).
    pub valid_range: Utf16Range,
}

/// Which twitter-text configuration to count with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum XConfig {
    /// Legacy 140 characters, every code point weighs 1.
    V1,
    /// 280 weighted; CJK and emoji code points weigh 2.
    V2,
    /// V2 plus emoji sequences counted as one grapheme of weight 2 (X's current counting).
    #[default]
    V3,
}

/// X's weighted length of `text` with the current (v3) configuration.
pub fn x_length(text: &str) -> XLength {
    x_length_with(text, XConfig::V3)
}

/// X's weighted length of `text` with a chosen configuration.
pub fn x_length_with(text: &str, config: XConfig) -> XLength {
    let conf = x_configuration(config);
    let window = entities::prefix(text, X_WINDOW_BYTES);
    let parsed = parse(window, conf);
    if text.is_empty() {
        let nothing = Utf16Range { start: 0, end: 0 };
        return XLength {
            weighted_length: 0,
            valid: false,
            permillage: 0,
            display_range: nothing,
            valid_range: nothing,
        };
    }
    let mut out = XLength {
        weighted_length: clamp(parsed.weighted_length),
        valid: parsed.is_valid,
        permillage: clamp(parsed.permillage),
        display_range: inclusive(
            parsed.display_text_range.start(),
            parsed.display_text_range.end(),
        ),
        valid_range: inclusive(
            parsed.valid_text_range.start(),
            parsed.valid_text_range.end(),
        ),
    };
    if window.len() < text.len() {
        // The tail beyond the parser's window is weighted code point by code point
        // (no URL or emoji discount): it only matters to say "far too long".
        let tail = &text[window.len()..];
        let extra: usize = tail.chars().map(|c| weight(conf, c)).sum::<usize>() / scale(conf);
        out.weighted_length = out.weighted_length.saturating_add(extra);
        out.valid = false;
        out.display_range.end = utf16_len(text);
        let max = usize::try_from(conf.max_weighted_tweet_length)
            .unwrap_or(1)
            .max(1);
        out.permillage = out.weighted_length.saturating_mul(1000) / max;
    }
    out
}

/// A social network whose post limits Tend knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// X (Twitter): 280 weighted.
    X,
    /// Mastodon: 500 characters by default, configurable per instance.
    Mastodon,
    /// Bluesky: 300 grapheme clusters.
    Bluesky,
    /// Threads: 500 characters.
    Threads,
    /// LinkedIn: 3,000 characters.
    LinkedIn,
    /// Instagram caption: 2,200 characters and 30 hashtags.
    Instagram,
    /// Facebook: 63,206 characters.
    Facebook,
    /// YouTube comment: 10,000 characters.
    YouTube,
}

/// How a network counts a post's length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counting {
    /// twitter-text weighted length with the given configuration.
    XWeighted(XConfig),
    /// Unicode code points, URLs counted as 23 and `@user@host` as `@user` (Mastodon's rule).
    Mastodon,
    /// Extended grapheme clusters (Bluesky).
    Graphemes,
    /// Unicode code points.
    CodePoints,
}

/// A network's limits. Overridable: e.g. `Limits::mastodon(5000)` for an instance that raised it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The network these limits describe.
    pub network: Network,
    /// Maximum length in `counting` units.
    pub max_length: usize,
    /// How length is counted.
    pub counting: Counting,
    /// Maximum number of hashtags, if the network caps them.
    pub max_hashtags: Option<usize>,
}

impl Limits {
    /// The published default limits of every network, in one place.
    pub fn for_network(network: Network) -> Limits {
        let (max_length, counting, max_hashtags) = match network {
            Network::X => (280, Counting::XWeighted(XConfig::V3), None),
            Network::Mastodon => (500, Counting::Mastodon, None),
            Network::Bluesky => (300, Counting::Graphemes, None),
            Network::Threads => (500, Counting::CodePoints, None),
            Network::LinkedIn => (3_000, Counting::CodePoints, None),
            Network::Instagram => (2_200, Counting::CodePoints, Some(30)),
            Network::Facebook => (63_206, Counting::CodePoints, None),
            Network::YouTube => (10_000, Counting::CodePoints, None),
        };
        Limits {
            network,
            max_length,
            counting,
            max_hashtags,
        }
    }

    /// Mastodon with an instance's own character limit.
    pub fn mastodon(max_length: usize) -> Limits {
        Limits {
            max_length,
            ..Limits::for_network(Network::Mastodon)
        }
    }
}

/// What is wrong with a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProblemKind {
    /// Nothing but whitespace.
    Empty,
    /// Longer than the limit; the problem's range is the overflowing tail.
    TooLong {
        /// Length in the network's units.
        length: usize,
        /// The limit.
        max: usize,
    },
    /// More hashtags than allowed; the range runs from the first hashtag over the limit.
    TooManyHashtags {
        /// Hashtags in the text.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// Characters networks reject (U+FFFE, U+FFFF, U+FEFF, other noncharacters, control
    /// characters other than tab and newlines); the range covers one run of them.
    InvalidCharacters,
}

/// One problem and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What is wrong.
    #[serde(flatten)]
    pub kind: ProblemKind,
    /// Where, in UTF-16 code units.
    pub range: Utf16Range,
}

/// Every problem of `text` for `network` with its default limits.
pub fn validate(network: Network, text: &str) -> Vec<Problem> {
    validate_with(&Limits::for_network(network), text)
}

/// Every problem of `text` under `limits`, in text order of kind: empty, invalid
/// characters, too long, too many hashtags.
pub fn validate_with(limits: &Limits, text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let total = utf16_len(text);
    if text.trim().is_empty() {
        problems.push(Problem {
            kind: ProblemKind::Empty,
            range: Utf16Range {
                start: 0,
                end: total,
            },
        });
        return problems;
    }
    invalid_runs(text, &mut problems);
    if let Some((length, overflow_at)) = measure(limits, text) {
        problems.push(Problem {
            kind: ProblemKind::TooLong {
                length,
                max: limits.max_length,
            },
            range: Utf16Range {
                start: overflow_at.min(total),
                end: total,
            },
        });
    }
    if let Some(max) = limits.max_hashtags {
        let tags = entities::hashtags(text);
        if tags.len() > max {
            let start = tags[max].start;
            let end = tags.last().map_or(total, |t| t.end);
            problems.push(Problem {
                kind: ProblemKind::TooManyHashtags {
                    count: tags.len(),
                    max,
                },
                range: Utf16Range { start, end },
            });
        }
    }
    problems
}

/// The length of `text` in `limits`' units.
pub fn length(limits: &Limits, text: &str) -> usize {
    match limits.counting {
        Counting::XWeighted(config) => x_length_with(text, config).weighted_length,
        Counting::Graphemes => text.graphemes(true).count(),
        Counting::CodePoints => text.chars().count(),
        Counting::Mastodon => mastodon_units(text).iter().map(|u| u.2).sum(),
    }
}

/// If `text` is over the limit: its length and the UTF-16 offset where it starts to overflow.
fn measure(limits: &Limits, text: &str) -> Option<(usize, usize)> {
    let max = limits.max_length;
    match limits.counting {
        Counting::XWeighted(config) => {
            // twitter-text's valid range also stops at an invalid character; swap those for a
            // character of the same width and weight so the range shows only the length limit.
            let clean: String = text
                .chars()
                .map(|c| if is_invalid(c) { 'の' } else { c })
                .collect();
            let mut conf = x_configuration(config).clone();
            conf.max_weighted_tweet_length = i32::try_from(max).unwrap_or(i32::MAX);
            let parsed = parse(entities::prefix(&clean, X_WINDOW_BYTES), &conf);
            let weighted = x_length_with(text, config).weighted_length;
            (weighted > max).then(|| {
                let valid_end = inclusive(0, parsed.valid_text_range.end()).end;
                (weighted, valid_end)
            })
        }
        Counting::Graphemes => overflow(
            text.grapheme_indices(true).map(|(i, g)| (i, g.len(), 1)),
            text,
            max,
        ),
        Counting::CodePoints => overflow(
            text.char_indices().map(|(i, c)| (i, c.len_utf8(), 1)),
            text,
            max,
        ),
        Counting::Mastodon => overflow(mastodon_units(text).into_iter(), text, max),
    }
}

/// Walks `(byte offset, byte length, weight)` units; returns the total and the UTF-16
/// offset of the first unit that does not fit, if the total exceeds `max`.
fn overflow(
    units: impl Iterator<Item = (usize, usize, usize)>,
    text: &str,
    max: usize,
) -> Option<(usize, usize)> {
    let mut total = 0usize;
    let mut first_over: Option<usize> = None;
    for (byte, _, weight) in units {
        total = total.saturating_add(weight);
        if total > max && first_over.is_none() {
            first_over = Some(byte);
        }
    }
    first_over.map(|byte| (total, utf16_len(text.get(..byte).unwrap_or(""))))
}

/// Mastodon's counting units `(byte offset, byte length, weight)`: a URL weighs 23, a
/// remote mention `@user@host` weighs as `@user`, every other code point weighs 1.
fn mastodon_units(text: &str) -> Vec<(usize, usize, usize)> {
    let found = entities::extract(text);
    // (utf16 start, utf16 end, weight) of the specially counted spans.
    let mut spans: Vec<(usize, usize, usize)> =
        found.urls.iter().map(|u| (u.start, u.end, 23)).collect();
    for m in &found.mentions {
        if let Some((user, _host)) = m.text.split_once('@') {
            spans.push((m.start, m.end, user.chars().count() + 1));
        }
    }
    spans.sort_unstable();
    let mut units = Vec::new();
    let mut utf16 = 0usize;
    let mut next = spans.iter().peekable();
    for (byte, c) in text.char_indices() {
        let here = utf16;
        utf16 += c.len_utf16();
        while next.peek().is_some_and(|s| s.1 <= here) {
            next.next();
        }
        match next.peek() {
            Some(&&(start, _, weight)) if start == here => units.push((byte, c.len_utf8(), weight)),
            Some(&&(start, end, _)) if start < here && here < end => {}
            _ => units.push((byte, c.len_utf8(), 1)),
        }
    }
    units
}

/// Pushes one `InvalidCharacters` problem per run of invalid characters.
fn invalid_runs(text: &str, problems: &mut Vec<Problem>) {
    let mut utf16 = 0usize;
    let mut run: Option<usize> = None;
    for c in text.chars() {
        match (is_invalid(c), run) {
            (true, None) => run = Some(utf16),
            (false, Some(start)) => {
                problems.push(Problem {
                    kind: ProblemKind::InvalidCharacters,
                    range: Utf16Range { start, end: utf16 },
                });
                run = None;
            }
            _ => {}
        }
        utf16 += c.len_utf16();
    }
    if let Some(start) = run {
        problems.push(Problem {
            kind: ProblemKind::InvalidCharacters,
            range: Utf16Range { start, end: utf16 },
        });
    }
}

/// Characters that networks reject or silently strip. (Unpaired surrogates cannot occur
/// in a Rust `&str`; the HTTP layer rejects or replaces them when decoding.)
fn is_invalid(c: char) -> bool {
    let cp = u32::from(c);
    matches!(c, '\u{FFFE}' | '\u{FFFF}' | '\u{FEFF}')
        || (0xFDD0..=0xFDEF).contains(&cp)
        || (cp & 0xFFFE) == 0xFFFE
        || (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// twitter-text's `parse_tweet`, routed around its nom backend's known panic.
fn parse(text: &str, conf: &Configuration) -> twitter_text::TwitterTextParseResults {
    entities::guarded(
        text,
        twitter_text::TwitterTextParseResults::empty(),
        |backend| twitter_text::parse_with_parser_backend(text, conf, true, backend),
    )
}

fn x_configuration(config: XConfig) -> &'static Configuration {
    match config {
        XConfig::V1 => twitter_text_config::config_v1(),
        XConfig::V2 => twitter_text_config::config_v2(),
        XConfig::V3 => twitter_text_config::config_v3(),
    }
}

fn weight(conf: &Configuration, c: char) -> usize {
    let cp = i32::try_from(u32::from(c)).unwrap_or(i32::MAX);
    let w = conf
        .ranges
        .iter()
        .find(|r| r.contains(cp))
        .map_or(conf.default_weight, |r| r.weight);
    clamp(w)
}

fn scale(conf: &Configuration) -> usize {
    clamp(conf.scale).max(1)
}

/// twitter-text's ranges are inclusive (`end` = last code unit, -1 when empty).
fn inclusive(start: i32, end: i32) -> Utf16Range {
    let start = clamp(start);
    let end = usize::try_from(end.saturating_add(1))
        .unwrap_or(0)
        .max(start);
    Utf16Range { start, end }
}

fn clamp(value: i32) -> usize {
    usize::try_from(value).unwrap_or(0)
}

fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn x_counts_urls_as_23_and_cjk_double() {
        let r = x_length("Hi http://test.co");
        assert_eq!((r.weighted_length, r.valid, r.permillage), (26, true, 92));
        assert_eq!(r.display_range, Utf16Range { start: 0, end: 17 });
        assert_eq!(x_length("のの").weighted_length, 4);
        assert!(!x_length("").valid);
    }

    #[test]
    fn too_long_reports_where_it_overflows() {
        let text = "a".repeat(285);
        let problems = validate(Network::X, &text);
        assert_eq!(problems.len(), 1);
        assert_eq!(
            problems[0].kind,
            ProblemKind::TooLong {
                length: 285,
                max: 280
            }
        );
        assert_eq!(
            problems[0].range,
            Utf16Range {
                start: 280,
                end: 285
            }
        );
        let bluesky = "👨‍👩‍👧".repeat(301);
        let p = validate(Network::Bluesky, &bluesky);
        assert_eq!(
            p[0].kind,
            ProblemKind::TooLong {
                length: 301,
                max: 300
            }
        );
        assert_eq!(p[0].range.start, 300 * "👨‍👩‍👧".encode_utf16().count());
        assert!(validate(Network::Mastodon, &"b".repeat(500)).is_empty());
        assert_eq!(
            validate_with(&Limits::mastodon(100), &"b".repeat(101)).len(),
            1
        );
    }

    #[test]
    fn mastodon_counts_urls_and_remote_mentions_short() {
        let url = format!("https://example.com/{}", "x".repeat(200));
        let limits = Limits::for_network(Network::Mastodon);
        assert_eq!(length(&limits, &url), 23);
        assert_eq!(length(&limits, "@alice@mastodon.social"), 6);
    }

    #[test]
    fn reports_every_problem_with_positions() {
        let tags: String = (0..32).map(|i| format!("#t{i} ")).collect();
        let text = format!("\u{FEFF}{tags}{}", "x".repeat(2200));
        let problems = validate(Network::Instagram, &text);
        let kinds: Vec<_> = problems.iter().map(|p| p.kind).collect();
        assert!(matches!(kinds[0], ProblemKind::InvalidCharacters));
        assert_eq!(problems[0].range, Utf16Range { start: 0, end: 1 });
        assert!(
            kinds
                .iter()
                .any(|k| matches!(k, ProblemKind::TooLong { max: 2200, .. }))
        );
        assert!(
            kinds
                .iter()
                .any(|k| matches!(k, ProblemKind::TooManyHashtags { count: 32, max: 30 }))
        );
        assert_eq!(validate(Network::X, "  \n")[0].kind, ProblemKind::Empty);
        assert_eq!(
            serde_json::to_value(Network::LinkedIn).ok(),
            Some(serde_json::json!("linkedin"))
        );
    }

    #[test]
    fn huge_input_is_far_too_long_not_a_crash() {
        let text = "の".repeat(400_000);
        let r = x_length(&text);
        assert_eq!(r.weighted_length, 800_000);
        assert!(!r.valid);
        assert_eq!(validate(Network::X, &text).len(), 1);
    }

    proptest! {
        // Few cases: the slow pest fallback runs on many generated texts in a debug build.
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn never_panics_and_ranges_in_bounds(text in "\\PC{0,200}|[#@a-z.:/ \u{FEFF}]{0,300}") {
            let n = text.encode_utf16().count();
            let r = x_length(&text);
            prop_assert!(r.valid_range.end <= r.display_range.end && r.display_range.end <= n);
            for network in [Network::X, Network::Mastodon, Network::Bluesky, Network::Instagram] {
                for p in validate(network, &text) {
                    prop_assert!(p.range.start <= p.range.end && p.range.end <= n);
                }
            }
        }
    }
}
