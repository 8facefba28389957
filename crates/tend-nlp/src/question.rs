//! Question detection: does a message ask something? The inbox sorts such messages first.
//!
//! Rules, not a learned model, in English and Swedish: a sentence asks when it ends in `?`
//! (and has words, outside URLs), starts with a question word or an auxiliary verb followed by
//! a subject ("is there…", "kan någon…"), or contains an indirect-question phrase ("anyone
//! know", "wondering if", "vet någon", "undrar om"). Exclamations ("what a day!", "how cool
//! is that?!") and a few rhetorical set phrases are discounted. The word lists were tuned on
//! the `tune` half of `testdata/questions/labelled.tsv`; `tend eval questions` (crate `tend-bench`) reports the held-out half.

use std::sync::LazyLock;

use serde::Serialize;

use crate::entities;

/// Score at or above which [`is_question`] answers yes.
pub const THRESHOLD: f64 = 0.5;

/// How strongly a text asks something, with the strongest sentence's evidence.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QuestionScore {
    /// In [0, 1]; [`THRESHOLD`] and above counts as a question.
    pub score: f64,
    /// The strongest cue found.
    pub cue: Cue,
}

/// The kind of evidence behind a [`QuestionScore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cue {
    /// No cue.
    None,
    /// A sentence ends with `?`.
    QuestionMark,
    /// A sentence opens with a question word ("how", "hur").
    QuestionWord,
    /// A sentence opens with an auxiliary and a subject ("do you", "har ni").
    Inversion,
    /// An indirect-question phrase ("anyone know", "undrar om").
    Indirect,
}

/// Whether `text` asks something.
pub fn is_question(text: &str) -> bool {
    score(text).score >= THRESHOLD
}

/// Scores `text`: the strongest of its sentences.
pub fn score(text: &str) -> QuestionScore {
    let clean = without_urls(text);
    let mut best = QuestionScore {
        score: 0.0,
        cue: Cue::None,
    };
    for sentence in sentences(&clean) {
        let candidate = score_sentence(sentence);
        if candidate.score > best.score {
            best = candidate;
        }
    }
    best
}

/// Longest text scanned: questions in a post are near its start, and hostile inputs are long.
const MAX_BYTES: usize = 4 * 1024;

/// The text with URLs blanked out, so `?` in a query string is not a question mark.
fn without_urls(text: &str) -> String {
    let text = entities::prefix(text, MAX_BYTES);
    // URL extraction is the costly part of scoring; a URL whose query holds a `?` has a `/`
    // before it (`example.com/path?x`), so only such texts need it.
    let Some(mark) = text.rfind('?') else {
        return text.to_owned();
    };
    if !text[..mark].contains('/') {
        return text.to_owned();
    }
    let urls = entities::urls(text);
    if urls.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut utf16 = 0;
    let mut spans = urls.iter().peekable();
    for c in text.chars() {
        while spans.peek().is_some_and(|u| u.end <= utf16) {
            spans.next();
        }
        let inside = spans
            .peek()
            .is_some_and(|u| u.start <= utf16 && utf16 < u.end);
        out.push(if inside { ' ' } else { c });
        utf16 += c.len_utf16();
    }
    out
}

/// Sentences with their closing punctuation: split after runs of `.`, `!`, `?`, `…` and at newlines.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            if rest.is_empty() {
                return None;
            }
            let mut end = rest.len();
            let mut in_punct = false;
            for (i, c) in rest.char_indices() {
                let closing = matches!(c, '.' | '!' | '?' | '…' | '？' | '！');
                if c == '\n' {
                    end = i + 1;
                    break;
                }
                if in_punct && !closing && !c.is_whitespace() && !is_emoticon_char(c) {
                    end = i;
                    break;
                }
                in_punct |= closing;
            }
            let (sentence, tail) = rest.split_at(end);
            rest = tail;
            if sentence.chars().any(char::is_alphabetic) {
                return Some(sentence);
            }
        }
    })
}

fn is_emoticon_char(c: char) -> bool {
    matches!(
        c,
        ')' | '(' | ':' | ';' | 'P' | 'p' | 'D' | '-' | '*' | '~' | '"' | '\'' | '»' | '”'
    )
}

fn score_sentence(sentence: &str) -> QuestionScore {
    let words = words(sentence);
    if words.is_empty() {
        return QuestionScore {
            score: 0.0,
            cue: Cue::None,
        };
    }
    let ending = sentence
        .trim_end_matches(|c: char| c.is_whitespace() || is_emoticon_char(c) || is_emoji(c));
    let marks: String = ending
        .chars()
        .rev()
        .take_while(|c| matches!(c, '?' | '!' | '.' | '？' | '！'))
        .collect();
    let has_q = marks.contains(['?', '？']);
    let exclaims = marks.contains(['!', '！']);
    // Skip a leading interjection: "oh did you…", "so how…", "men vet ni…".
    let skip = usize::from(words.len() > 2 && INTERJECTIONS.contains(&words[0].as_str()));
    let first = words[skip].as_str();
    let second = words.get(skip + 1).map_or("", String::as_str);
    // "!?!?", "?!!": shouting more than asking, unless a question word opens the sentence.
    let shouting = has_q && exclaims && marks.chars().count() >= 3;

    if is_rhetorical(&words) {
        return QuestionScore {
            score: 0.2,
            cue: Cue::None,
        };
    }
    // Exclamations that open like questions: "what a day!", "how cool is that?!", "vilken dag!".
    let exclamative = (matches!(
        first,
        "what" | "vilken" | "vilket" | "vilka" | "vad" | "så" | "such"
    ) && matches!(
        second,
        "a" | "an"
            | "fantastisk"
            | "fantastiskt"
            | "härlig"
            | "härligt"
            | "underbar"
            | "underbart"
            | "great"
            | "nice"
    )) || (first == "how" && EXCLAIM_ADJ.contains(&second));
    let opener = if QUESTION_WORDS.contains(&first) && !exclamative {
        Some(Cue::QuestionWord)
    } else if AUXILIARIES.contains(&first) && SUBJECTS.contains(&second) {
        Some(Cue::Inversion)
    } else {
        None
    };
    let indirect = has_indirect(&words);

    let mut score: f64 = 0.0;
    let mut cue = Cue::None;
    if has_q {
        score = if exclaims { 0.55 } else { 0.85 };
        cue = Cue::QuestionMark;
        if exclamative {
            score = 0.3;
        }
    }
    if shouting {
        score = 0.4;
    }
    if let Some(found) = opener {
        let s = if exclaims && !has_q {
            0.3
        } else if shouting {
            if found == Cue::QuestionWord {
                0.55
            } else {
                0.4
            }
        } else if has_q {
            0.95
        } else {
            0.7
        };
        if s > score {
            score = s;
            cue = found;
        }
    }
    if indirect && !exclaims && 0.75 > score {
        score = 0.75;
        cue = Cue::Indirect;
    }
    // A lone "?" after one word ("Thursday night?") is as often an echo as a question.
    if cue == Cue::QuestionMark && words.len() == 1 && !QUESTION_WORDS.contains(&first) {
        score = 0.45;
    }
    QuestionScore { score, cue }
}

/// Lower-cased words (letters, digits and apostrophes), without @mentions and #hashtags.
fn words(sentence: &str) -> Vec<String> {
    sentence
        .split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '’' || c == '@' || c == '#'))
        .filter(|w| !w.is_empty() && !w.starts_with(['@', '#']))
        .map(|w| w.replace('’', "'").to_lowercase())
        .filter(|w| w.chars().any(char::is_alphabetic))
        .collect()
}

fn is_emoji(c: char) -> bool {
    matches!(u32::from(c), 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F | 0x200D)
}

/// Phrase lists split into words once.
static INDIRECT_PHRASES: LazyLock<Vec<Vec<&'static str>>> =
    LazyLock::new(|| INDIRECT.iter().map(|p| p.split(' ').collect()).collect());
static RHETORICAL_PHRASES: LazyLock<Vec<Vec<&'static str>>> =
    LazyLock::new(|| RHETORICAL.iter().map(|p| p.split(' ').collect()).collect());

fn contains_phrase(words: &[String], phrase: &[&str]) -> bool {
    words
        .windows(phrase.len())
        .any(|w| w.iter().zip(phrase).all(|(a, b)| a == b))
}

fn has_indirect(words: &[String]) -> bool {
    INDIRECT_PHRASES
        .iter()
        .any(|phrase| contains_phrase(words, phrase))
}

/// A short sentence that is (mostly) a rhetorical set phrase: "who cares?", "you know?".
fn is_rhetorical(words: &[String]) -> bool {
    RHETORICAL_PHRASES
        .iter()
        .any(|phrase| words.len() <= phrase.len() + 2 && contains_phrase(words, phrase))
}

const INTERJECTIONS: &[&str] = &[
    "oh",
    "ok",
    "okay",
    "so",
    "and",
    "but",
    "hey",
    "hi",
    "well",
    "wow",
    "then",
    "also",
    "btw",
    "lol",
    "haha",
    "hmm",
    "och",
    "men",
    "så",
    "alltså",
    "hej",
    "okej",
    "förresten",
];

const QUESTION_WORDS: &[&str] = &[
    // English, with common SMS spellings.
    "what",
    "what's",
    "whats",
    "wat",
    "wot",
    "when",
    "where",
    "where's",
    "who",
    "who's",
    "whom",
    "whose",
    "why",
    "how",
    "how's",
    "hows",
    "which",
    "wht",
    "y",
    // Swedish.
    "vad",
    "när",
    "var",
    "vart",
    "varför",
    "hur",
    "vilken",
    "vilket",
    "vilka",
    "vem",
    "vems",
    "varifrån",
];

const AUXILIARIES: &[&str] = &[
    // English.
    "is",
    "are",
    "am",
    "was",
    "were",
    "do",
    "does",
    "did",
    "can",
    "could",
    "would",
    "will",
    "should",
    "shall",
    "may",
    "might",
    "have",
    "has",
    "had",
    "isn't",
    "aren't",
    "don't",
    "doesn't",
    "didn't",
    "won't",
    "wouldn't",
    "couldn't",
    "shouldn't",
    "haven't",
    "hasn't",
    "r",
    "cn",
    "wil",
    "shld",
    // Swedish.
    "kan",
    "får",
    "ska",
    "skall",
    "vill",
    "har",
    "är",
    "finns",
    "vet",
    "gör",
    "borde",
    "kommer",
    "måste",
    "hade",
    "blir",
    "funkar",
    "fungerar",
    "brukar",
    "behöver",
    "tror",
    "tycker",
    "känner",
    "hinner",
    "gick",
    "fick",
    "såg",
    "skulle",
    "kunde",
    "ville",
    "heter",
];

const SUBJECTS: &[&str] = &[
    // English.
    "you", "u", "ü", "i", "we", "they", "he", "she", "it", "there", "anyone", "anybody", "someone",
    "somebody", "this", "that", "these", "those", "the", "my", "your", "ur", "our", "their", "his",
    "her", "ya", "y'all", "everyone", // Swedish.
    "du", "ni", "jag", "vi", "man", "någon", "nån", "det", "den", "han", "hon", "de", "dom",
    "detta", "denna", "dessa", "er", "din", "ditt", "dina", "min", "mitt", "mina", "era", "ert",
];

const INDIRECT: &[&str] = &[
    "anyone know",
    "anybody know",
    "anyone have",
    "anybody have",
    "anyone got",
    "anyone interested",
    "any1",
    "does anyone",
    "does anybody",
    "any idea",
    "any ideas",
    "any chance",
    "any tips",
    "wondering if",
    "wondering whether",
    "wondering how",
    "wondering what",
    "wondering when",
    "wondering where",
    "wondering why",
    "wonder if",
    "i need to know",
    "i want to know",
    "i wanna know",
    "want to know if",
    "can someone",
    "could someone",
    "can anyone",
    "could anyone",
    "can you",
    "could you",
    "would you",
    "will you",
    "is there a way",
    "is there any way",
    "how come",
    "please tell me",
    "pls tell me",
    "can u",
    "could u",
    "do you know",
    "do u know",
    "you know if",
    "any recommendations",
    "any suggestions",
    "how do i",
    "how can i",
    // Swedish.
    "vet någon",
    "vet nån",
    "någon som vet",
    "nån som vet",
    "någon som har",
    "nån som har",
    "undrar om",
    "undrar hur",
    "undrar vad",
    "undrar när",
    "undrar var",
    "undrar varför",
    "undrar vilken",
    "kan någon",
    "kan nån",
    "finns det någon",
    "hur gör man",
    "hur gör jag",
    "är det någon",
    "är det nån",
    "vet du",
    "vet ni",
    "kan du",
    "kan ni",
    "skulle du kunna",
    "skulle ni kunna",
];

const RHETORICAL: &[&str] = &[
    "who cares",
    "guess what",
    "guess who",
    "you know",
    "isn't it",
    "right",
    "eller hur",
    "vem bryr sig",
    "know what",
];

const EXCLAIM_ADJ: &[&str] = &[
    "cool",
    "awesome",
    "amazing",
    "great",
    "nice",
    "sad",
    "lucky",
    "sweet",
    "cute",
    "funny",
    "beautiful",
    "lovely",
    "crazy",
    "weird",
    "stupid",
    "dumb",
    "good",
    "bad",
    "fun",
    "wonderful",
    "perfect",
];

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn english_and_swedish_questions_with_and_without_mark() {
        for text in [
            "anyone know how to reset my password",
            "How do I export my data?",
            "is there a way to mute this thread",
            "hur gör jag för att byta lösenord",
            "vet någon om det finns parkering",
            "Kan ni skicka fakturan igen?",
            "Great talk! When is the next one?",
        ] {
            assert!(is_question(text), "{text}");
        }
    }

    #[test]
    fn statements_noise_and_urls_are_not_questions() {
        for text in [
            "?!?!",
            "Thanks for the help!",
            "Tack för hjälpen!",
            "See https://example.com/watch?v=abc&t=1 for details",
            "How awesome is that?!",
            "What a day!",
            "I know how to do it now.",
            "",
        ] {
            assert!(!is_question(text), "{text}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]
        #[test]
        fn never_panics_score_in_range(text in "\\PC{0,300}|[?!. a-zåäö\n]{0,200}") {
            let s = score(&text);
            prop_assert!((0.0..=1.0).contains(&s.score));
        }
    }
}
