//! The message a topic is matched against, and its prepared (folded, tokenised) form.
//!
//! A [`Document`] borrows what the pipeline already knows about a message: its text and
//! title, author, channel, language, sentiment and the entities Tend extracted with
//! twitter-text's rules (`tend-nlp::entities`: hashtags, mentions, URLs). Nothing is
//! extracted again here. [`Prepared`] is the document folded and cut into words once, so
//! every topic is matched against the same words.
//!
//! Link text is not searched as words: each URL the document lists is cut out of the text
//! (taking one word position, so a phrase does not run across it) and is reachable only
//! through `site:` and `url:`. The title's words come first, then a gap wider than any
//! `NEAR` distance, then the text's, so a phrase or `NEAR` never joins title and text.

use crate::fold::fold_into;
use crate::tokens::{Tok, tokenize};

/// The sentiment label the pipeline gave a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sentiment {
    /// Positive.
    Positive,
    /// Negative.
    Negative,
    /// Neither.
    Neutral,
}

impl Sentiment {
    /// Every label, in the order `sentiment:` lists them.
    pub const ALL: [Sentiment; 3] = [Sentiment::Positive, Sentiment::Negative, Sentiment::Neutral];

    /// The label as written in queries: `positive`, `negative`, `neutral`.
    pub fn as_str(self) -> &'static str {
        match self {
            Sentiment::Positive => "positive",
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
        }
    }

    /// Reads a label (case-insensitive).
    pub fn parse(text: &str) -> Option<Sentiment> {
        Sentiment::ALL
            .into_iter()
            .find(|s| s.as_str().eq_ignore_ascii_case(text))
    }
}

/// One message as the matcher sees it. Every field is borrowed; build one per message.
#[derive(Debug, Clone, Copy, Default)]
pub struct Document<'a> {
    /// The message text.
    pub text: &'a str,
    /// The title (forum topics, Reddit posts, reviews), searched like the text.
    pub title: Option<&'a str>,
    /// The author's handle, with or without `@` (`author:` compares it).
    pub author: &'a str,
    /// The author's display name, if known (`author:` compares it too).
    pub author_name: Option<&'a str>,
    /// The channel kind's stable name (`x`, `mastodon`, `reddit` …; `channel:` compares it).
    pub channel: &'a str,
    /// The message's language code (`en`, `sv`, `pt-BR`), if known.
    pub lang: Option<&'a str>,
    /// The message's sentiment label, if scored.
    pub sentiment: Option<Sentiment>,
    /// The URLs in the message (`tend-nlp` entities) and, if the caller wants `site:` and
    /// `url:` to see it, the message's own address. Their text is not searched as words.
    pub urls: &'a [&'a str],
    /// The hashtags of the message, with or without `#` (`tend-nlp` entities, plus any
    /// the platform lists outside the text). `#tag` in a query asks this list.
    pub hashtags: &'a [&'a str],
    /// The mentioned accounts, with or without `@` (`user` or fediverse `user@host`).
    pub mentions: &'a [&'a str],
}

/// Position gap between the title's words and the text's: larger than any `NEAR`
/// distance, so no proximity or phrase match spans the two.
pub(crate) const TITLE_GAP: u32 = crate::query::MAX_NEAR_DISTANCE + 2;

/// A document folded and tokenised once, shared by every topic.
#[derive(Debug, Clone, Default)]
pub(crate) struct Prepared {
    /// The folded title and text (URLs cut out); tokens index into it.
    pub buf: String,
    /// The words of title and text, in order.
    pub tokens: Vec<Tok>,
    /// Folded handle without `@`.
    pub author: String,
    /// Folded display name (empty if unknown).
    pub author_name: String,
    /// Folded channel name.
    pub channel: String,
    /// Lower-case language code with `-` (empty if unknown).
    pub lang: String,
    pub sentiment: Option<Sentiment>,
    /// Folded hashtags without `#`.
    pub hashtags: Vec<String>,
    /// Folded mentions without `@`.
    pub mentions: Vec<String>,
    /// The URLs as `url:` compares them ([`normalize_url`]).
    pub urls: Vec<String>,
    /// The URLs' hosts as `site:` compares them (lower case, `www.` kept).
    pub hosts: Vec<String>,
}

/// The per-message work every topic shares (folding and tokenising a [`Document`]),
/// on its own. Public only so `tend bench listening` (crate `tend-bench`) can time
/// that step apart from matching; [`Prepared`] itself stays private because its
/// fields are the matcher's internals.
#[doc(hidden)]
#[derive(Debug, Clone, Default)]
pub struct PreparedForBench(Prepared);

impl PreparedForBench {
    /// Folds and tokenises `doc` into this value, reusing its allocations.
    pub fn fill(&mut self, doc: &Document<'_>) {
        self.0.fill(doc);
    }
}

impl Prepared {
    /// Folds and tokenises `doc`.
    pub fn new(doc: &Document<'_>) -> Prepared {
        let mut prepared = Prepared::default();
        prepared.fill(doc);
        prepared
    }

    /// Refills this value from `doc`, reusing its allocations.
    pub fn fill(&mut self, doc: &Document<'_>) {
        self.buf.clear();
        self.tokens.clear();
        let mut pos = 0u32;
        if let Some(title) = doc.title {
            self.push_field_text(title, doc.urls, &mut pos);
            pos += TITLE_GAP;
        }
        self.push_field_text(doc.text, doc.urls, &mut pos);

        fold_stripped(doc.author, '@', &mut self.author);
        self.author_name.clear();
        if let Some(name) = doc.author_name {
            fold_into(name.trim(), &mut self.author_name);
        }
        self.channel.clear();
        fold_into(doc.channel.trim(), &mut self.channel);
        self.lang.clear();
        if let Some(lang) = doc.lang {
            self.lang.extend(lang.trim().chars().map(|c| match c {
                '_' => '-',
                c => c.to_ascii_lowercase(),
            }));
        }
        self.sentiment = doc.sentiment;
        fill_folded(&mut self.hashtags, doc.hashtags, '#');
        fill_folded(&mut self.mentions, doc.mentions, '@');
        self.urls.clear();
        self.hosts.clear();
        for url in doc.urls {
            let (host, normalized) = normalize_url(url);
            if !host.is_empty() {
                self.hosts.push(host);
                self.urls.push(normalized);
            }
        }
    }

    /// The text of token `tok`.
    pub fn word(&self, tok: &Tok) -> &str {
        tok.text(&self.buf)
    }

    /// Appends `text`'s words, with every occurrence of a listed URL cut out.
    fn push_field_text(&mut self, text: &str, urls: &[&str], pos: &mut u32) {
        let mut cuts: Vec<(usize, usize)> = Vec::new();
        for url in urls {
            let url = url.trim();
            if url.is_empty() {
                continue;
            }
            cuts.extend(text.match_indices(url).map(|(at, u)| (at, at + u.len())));
        }
        cuts.sort_unstable();
        let mut at = 0;
        for (start, end) in cuts {
            if start < at {
                // Overlaps a URL already cut (one URL inside another).
                at = at.max(end);
                continue;
            }
            self.push_piece(&text[at..start], pos);
            // The URL takes one position, so a phrase never runs across it.
            *pos += 1;
            at = end;
        }
        self.push_piece(&text[at..], pos);
    }

    fn push_piece(&mut self, piece: &str, pos: &mut u32) {
        if !self.buf.is_empty() {
            // A separator, so a sigil is never read across pieces.
            self.buf.push(' ');
        }
        let from = self.buf.len();
        fold_into(piece, &mut self.buf);
        tokenize(&self.buf, from, pos, &mut self.tokens);
    }
}

fn fill_folded(out: &mut Vec<String>, items: &[&str], sigil: char) {
    out.clear();
    for item in items {
        let mut folded = String::with_capacity(item.len());
        fold_stripped(item, sigil, &mut folded);
        if !folded.is_empty() {
            out.push(folded);
        }
    }
}

/// Sets `out` to `text` folded, trimmed and without leading `sigil`s, exactly as the
/// parser reads a filter value or an entity (folding first, so `＠` counts as `@`).
fn fold_stripped(text: &str, sigil: char, out: &mut String) {
    out.clear();
    let folded = crate::fold::fold(text);
    out.push_str(folded.trim().trim_start_matches(sigil).trim());
}

/// A URL as `site:` and `url:` compare it: `(host, normalized)`. The host is lower case
/// without scheme, user, port or trailing dot (`www.` kept, for `site:`); the normalized
/// form is the host without a leading `www.` followed by the lower-cased rest (path,
/// query, fragment) without trailing `/`. An empty host means the text is no URL.
pub(crate) fn normalize_url(url: &str) -> (String, String) {
    let lower = url.trim().to_lowercase();
    let mut rest = lower.as_str();
    // Repeated, so normalising a normalised URL changes nothing.
    while let Some((scheme, after)) = rest.split_once("://")
        && !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        rest = after;
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .find(']')
            .map_or(host_port, |end| &host_port[..=end])
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    let host = host.trim_end_matches('.');
    let path = path.trim_end_matches('/');
    (host.to_owned(), format!("{}{path}", strip_www(host)))
}

/// `host` without leading `www.` labels.
pub(crate) fn strip_www(mut host: &str) -> &str {
    while let Some(rest) = host.strip_prefix("www.") {
        host = rest;
    }
    host
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(p: &Prepared) -> Vec<(u32, &str)> {
        p.tokens.iter().map(|t| (t.pos, p.word(t))).collect()
    }

    #[test]
    fn urls_are_cut_out_and_take_one_position() {
        let urls = ["https://lumora.com/nights"];
        let doc = Document {
            text: "See https://lumora.com/nights now",
            urls: &urls,
            ..Document::default()
        };
        let p = Prepared::new(&doc);
        assert_eq!(words(&p), [(0, "see"), (2, "now")]);
        assert_eq!(p.hosts, ["lumora.com"]);
        assert_eq!(p.urls, ["lumora.com/nights"]);
    }

    #[test]
    fn title_words_come_first_with_a_gap() {
        let doc = Document {
            title: Some("Hub broken"),
            text: "Help",
            ..Document::default()
        };
        let p = Prepared::new(&doc);
        assert_eq!(
            words(&p),
            [(0, "hub"), (1, "broken"), (2 + TITLE_GAP, "help")]
        );
    }

    #[test]
    fn normalizes_urls() {
        let n = |u: &str| normalize_url(u);
        assert_eq!(
            n("HTTPS://user@WWW.Lumora.com:8080/Nights/?a=1"),
            (
                "www.lumora.com".to_owned(),
                "lumora.com/nights/?a=1".to_owned()
            )
        );
        assert_eq!(
            n("lumora.com/"),
            ("lumora.com".to_owned(), "lumora.com".to_owned())
        );
        assert_eq!(
            n("http://shop.lumora.com."),
            ("shop.lumora.com".to_owned(), "shop.lumora.com".to_owned())
        );
    }
}
