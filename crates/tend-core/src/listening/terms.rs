//! The terms a message contributes to "top terms": folded content words and
//! `#hashtags`, each once per message. Function words of English and Swedish (the
//! two languages Tend ships in) are left out, as are numbers, links, mentions and
//! words shorter than three letters.

use std::collections::HashSet;
use tend_listen::fold::fold;

/// At most this many words per message (the first ones), plus its hashtags.
pub const MAX_WORDS: usize = 12;
/// At most this many hashtags per message.
pub const MAX_HASHTAGS: usize = 10;
/// Longer words are cut off (they are almost always noise: base64, hashes).
const MAX_WORD_CHARS: usize = 40;

/// English and Swedish function words, and a few words every social post has.
const STOPWORDS: &[&str] = &[
    // English
    "the",
    "and",
    "for",
    "are",
    "but",
    "not",
    "you",
    "all",
    "any",
    "can",
    "had",
    "her",
    "was",
    "one",
    "our",
    "out",
    "has",
    "have",
    "him",
    "his",
    "how",
    "its",
    "let",
    "may",
    "she",
    "too",
    "use",
    "who",
    "why",
    "did",
    "does",
    "get",
    "got",
    "than",
    "that",
    "this",
    "with",
    "from",
    "they",
    "them",
    "then",
    "there",
    "their",
    "these",
    "those",
    "what",
    "when",
    "where",
    "which",
    "will",
    "would",
    "should",
    "could",
    "about",
    "into",
    "just",
    "like",
    "been",
    "being",
    "were",
    "your",
    "yours",
    "here",
    "some",
    "more",
    "most",
    "very",
    "also",
    "only",
    "over",
    "such",
    "each",
    "other",
    "after",
    "before",
    "again",
    "because",
    "while",
    "until",
    "both",
    "same",
    "own",
    "off",
    "once",
    "under",
    "further",
    "above",
    "below",
    "between",
    "through",
    "during",
    "myself",
    "yourself",
    "itself",
    "ourselves",
    "themselves",
    "don",
    "doesn",
    "didn",
    "isn",
    "aren",
    "wasn",
    "weren",
    "won",
    "can't",
    "i'm",
    "it's",
    "im",
    "ive",
    "i've",
    "you're",
    "we're",
    "they're",
    "that's",
    "there's",
    "what's",
    "let's",
    "dont",
    "didnt",
    "doesnt",
    "cant",
    "wont",
    "isnt",
    "don't",
    "doesn't",
    "didn't",
    "isn't",
    "won't",
    "wasn't",
    "aren't",
    "i'd",
    "i'll",
    "you'll",
    "we'll",
    "still",
    "even",
    "much",
    "many",
    "really",
    "well",
    "make",
    "made",
    "now",
    "way",
    "want",
    "know",
    "think",
    "going",
    "yes",
    "yeah",
    "http",
    "https",
    "www",
    "com",
    "amp",
    "via",
    // Swedish
    "och",
    "att",
    "det",
    "som",
    "den",
    "med",
    "för",
    "har",
    "inte",
    "till",
    "var",
    "jag",
    "men",
    "ett",
    "han",
    "hon",
    "vid",
    "kan",
    "mig",
    "dig",
    "sig",
    "ska",
    "skulle",
    "vara",
    "blir",
    "blev",
    "när",
    "från",
    "eller",
    "också",
    "bara",
    "efter",
    "över",
    "under",
    "mot",
    "utan",
    "alla",
    "allt",
    "mycket",
    "sedan",
    "där",
    "här",
    "hur",
    "vad",
    "vem",
    "vilken",
    "vilket",
    "vilka",
    "min",
    "mitt",
    "mina",
    "din",
    "ditt",
    "dina",
    "sin",
    "sitt",
    "sina",
    "vår",
    "vårt",
    "våra",
    "er",
    "ert",
    "era",
    "deras",
    "hans",
    "hennes",
    "dem",
    "oss",
    "ni",
    "man",
    "får",
    "fick",
    "finns",
    "något",
    "någon",
    "några",
    "inga",
    "ingen",
    "inget",
    "nu",
    "nog",
    "redan",
    "ännu",
    "än",
    "är",
    "ju",
    "så",
    "då",
    "om",
    "på",
    "av",
    "en",
    "ni",
    "de",
    "vi",
    "du",
];

thread_local! {
    static STOP: HashSet<String> = STOPWORDS.iter().map(|w| fold(w)).collect();
}

/// The message's terms: content words first (in text order), then `#hashtags`.
/// `hashtags` are the entities without `#`.
pub fn terms(title: Option<&str>, text: &str, hashtags: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut words = 0;
    STOP.with(|stop| {
        for part in title.into_iter().chain([text]) {
            for raw in part.split_whitespace() {
                if words >= MAX_WORDS {
                    return;
                }
                if raw.starts_with('@')
                    || raw.starts_with('#')
                    || raw.contains("://")
                    || raw.starts_with("www.")
                {
                    continue;
                }
                let folded = fold(raw);
                for word in folded
                    .split(|c: char| !(c.is_alphanumeric() || c == '\''))
                    .map(|w| w.trim_matches('\''))
                {
                    let chars = word.chars().count();
                    if !(3..=MAX_WORD_CHARS).contains(&chars)
                        || word.chars().all(|c| c.is_numeric())
                        || stop.contains(word)
                    {
                        continue;
                    }
                    if seen.insert(word.to_owned()) {
                        out.push(word.to_owned());
                        words += 1;
                        if words >= MAX_WORDS {
                            return;
                        }
                    }
                }
            }
        }
    });
    for tag in hashtags.iter().take(MAX_HASHTAGS) {
        let tag = format!("#{}", fold(tag.trim_start_matches('#')));
        if tag.len() > 1 && seen.insert(tag.clone()) {
            out.push(tag);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_words_once_then_hashtags() {
        let t = terms(
            Some("Hub offline"),
            "The Lumora hub is OFFLINE again, café 2026 @lumora https://x.co/a #Outage #outage",
            &["Outage", "outage"],
        );
        assert_eq!(t, ["hub", "offline", "lumora", "cafe", "#outage"]);
    }

    #[test]
    fn swedish_function_words_are_left_out() {
        assert_eq!(
            terms(None, "Det är inte så att appen kraschar hela tiden", &[]),
            ["appen", "kraschar", "hela", "tiden"]
        );
    }

    #[test]
    fn contractions_are_function_words() {
        assert_eq!(
            terms(None, "I don't think it's working, won't restart", &[]),
            ["working", "restart"]
        );
    }

    #[test]
    fn a_long_text_gives_at_most_the_cap() {
        let text = (0..100)
            .map(|i| format!("word{i:03}x"))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(terms(None, &text, &[]).len(), MAX_WORDS);
    }
}
