//! Tokenisation: folded text into words with positions.
//!
//! Words are found on Unicode word boundaries (UAX #29, `unicode-segmentation`), so
//! scripts without spaces still split (each Han ideograph is a word), and then each
//! boundary segment is cut at punctuation inside it: UAX #29 keeps `lumora's`,
//! `lumora.com` and `3.5` whole, but a search for `lumora` should find `Lumora's`, so they
//! become `lumora` `s`, `lumora` `com`, `3` `5` (a query term is cut the same way and then
//! searched as a phrase, so `lumora.com` still finds `lumora.com`). A word is a run of
//! letters, digits, `_` and combining marks with at least one letter or digit; punctuation,
//! symbols and emoji are not words and take no position.
//!
//! A word written right after `#` or `@` (which itself follows no word character, as in
//! twitter-text) carries that sigil, so a query can ask for `#lumora` in a phrase.

use unicode_normalization::char::is_combining_mark;
use unicode_segmentation::UnicodeSegmentation;

/// The sigil a word was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sigil {
    /// A plain word.
    None,
    /// Written as `#word`.
    Hash,
    /// Written as `@word`.
    At,
}

/// One word of a folded buffer: its byte range, its position (word count) and sigil.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Tok {
    pub start: u32,
    pub end: u32,
    pub pos: u32,
    pub sigil: Sigil,
}

impl Tok {
    /// The word's text in `buf`.
    pub fn text<'a>(&self, buf: &'a str) -> &'a str {
        buf.get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// Appends the words of the folded `buf[from..]` to `out`, numbering them from `*next_pos`
/// (which is left one past the last word). Byte offsets are into `buf`.
pub(crate) fn tokenize(buf: &str, from: usize, next_pos: &mut u32, out: &mut Vec<Tok>) {
    let Some(piece) = buf.get(from..) else {
        return;
    };
    if piece.is_ascii() {
        tokenize_ascii(buf, from, next_pos, out);
    } else {
        tokenize_unicode(buf, from, next_pos, out);
    }
}

/// The folded words of `text` (folded first), for tests and for cutting query terms.
pub(crate) fn words(folded: &str) -> Vec<(Sigil, String)> {
    let mut toks = Vec::new();
    let mut pos = 0;
    tokenize(folded, 0, &mut pos, &mut toks);
    toks.iter()
        .map(|t| (t.sigil, t.text(folded).to_owned()))
        .collect()
}

/// Whether `c` can be part of a word.
pub(crate) fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
        || c == '_'
        || c == '\u{200C}'
        || c == '\u{200D}'
        || (!c.is_ascii() && is_combining_mark(c))
}

/// For ASCII, UAX #29 never splits a run of letters, digits and `_`, and everything else
/// is cut away afterwards, so words are exactly the maximal runs of `[a-z0-9_]` (with a
/// letter or digit): the same result as [`tokenize_unicode`] without the segmenter's cost.
fn tokenize_ascii(buf: &str, from: usize, next_pos: &mut u32, out: &mut Vec<Tok>) {
    let bytes = buf.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        if !is_ascii_word_byte(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        let mut alnum = false;
        while i < bytes.len() && is_ascii_word_byte(bytes[i]) {
            alnum |= bytes[i] != b'_';
            i += 1;
        }
        if alnum {
            push(buf, from, start, i, next_pos, out);
        }
    }
}

fn is_ascii_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn tokenize_unicode(buf: &str, from: usize, next_pos: &mut u32, out: &mut Vec<Tok>) {
    let piece = &buf[from..];
    for (seg_start, segment) in piece.split_word_bound_indices() {
        if !segment.chars().any(char::is_alphanumeric) {
            continue;
        }
        let base = from + seg_start;
        let mut run_start: Option<usize> = None;
        let mut alnum = false;
        for (offset, c) in segment.char_indices() {
            if is_word_char(c) {
                if run_start.is_none() {
                    run_start = Some(base + offset);
                    alnum = false;
                }
                alnum |= c.is_alphanumeric();
            } else if let Some(start) = run_start.take()
                && alnum
            {
                push(buf, from, start, base + offset, next_pos, out);
            }
        }
        if let Some(start) = run_start
            && alnum
        {
            push(buf, from, start, base + segment.len(), next_pos, out);
        }
    }
}

fn push(buf: &str, from: usize, start: usize, end: usize, next_pos: &mut u32, out: &mut Vec<Tok>) {
    out.push(Tok {
        start: start as u32,
        end: end as u32,
        pos: *next_pos,
        sigil: sigil_before(buf, from, start),
    });
    *next_pos += 1;
}

/// The sigil written right before `start`, if it is not itself glued to a word
/// (`a#b` and `mail@host` carry none). Only characters from `from` on count.
fn sigil_before(buf: &str, from: usize, start: usize) -> Sigil {
    let Some(before) = buf.get(from..start) else {
        return Sigil::None;
    };
    let mut chars = before.chars().rev();
    let sigil = match chars.next() {
        Some('#') => Sigil::Hash,
        Some('@') => Sigil::At,
        _ => return Sigil::None,
    };
    match chars.next() {
        Some(c) if is_word_char(c) => Sigil::None,
        _ => sigil,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fold::fold;
    use proptest::prelude::*;

    fn plain(text: &str) -> Vec<String> {
        words(&fold(text)).into_iter().map(|(_, w)| w).collect()
    }

    #[test]
    fn splits_on_word_boundaries_and_inner_punctuation() {
        assert_eq!(
            plain("Lumora's new hub: 3.5 stars, wi-fi ok!"),
            [
                "lumora", "s", "new", "hub", "3", "5", "stars", "wi", "fi", "ok"
            ]
        );
        assert_eq!(plain("visit lumora.com"), ["visit", "lumora", "com"]);
        assert_eq!(plain("snake_case __ _x"), ["snake_case", "_x"]);
        assert_eq!(plain("🔥🔥 great 👍"), ["great"]);
    }

    #[test]
    fn splits_han_ideographs_and_keeps_marks() {
        assert_eq!(plain("我爱Lumora"), ["我", "爱", "lumora"]);
        assert_eq!(plain("किताब पढ़ो"), ["किताब", "पढ\u{93c}ो"]);
    }

    #[test]
    fn words_after_hash_and_at_carry_their_sigil() {
        let w = words(&fold("Love #Lumora @lumora_support a#b mail@host ＃Glow"));
        assert_eq!(
            w,
            [
                (Sigil::None, "love".to_owned()),
                (Sigil::Hash, "lumora".to_owned()),
                (Sigil::At, "lumora_support".to_owned()),
                (Sigil::None, "a".to_owned()),
                (Sigil::None, "b".to_owned()),
                (Sigil::None, "mail".to_owned()),
                (Sigil::None, "host".to_owned()),
                (Sigil::Hash, "glow".to_owned()),
            ]
        );
    }

    proptest! {
        #[test]
        fn ascii_fast_path_equals_the_unicode_path(text in "[ -~]{0,60}") {
            let folded = fold(&text);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            let (mut pa, mut pb) = (0, 0);
            tokenize_ascii(&folded, 0, &mut pa, &mut a);
            tokenize_unicode(&folded, 0, &mut pb, &mut b);
            prop_assert_eq!(a, b);
            prop_assert_eq!(pa, pb);
        }

        #[test]
        fn a_word_tokenizes_to_itself(text in "\\PC{0,40}") {
            for (_, word) in words(&fold(&text)) {
                let again = words(&fold(&word));
                prop_assert_eq!(again, vec![(Sigil::None, word.clone())], "{}", word);
            }
        }

        #[test]
        fn folding_is_idempotent(text in "\\PC{0,40}") {
            let once = fold(&text);
            prop_assert_eq!(fold(&once), once);
        }
    }
}
