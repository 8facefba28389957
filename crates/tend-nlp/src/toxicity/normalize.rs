//! Undoes the usual tricks for hiding abusive words from a filter, and splits text into tokens
//! that remember where they came from in the original string.
//!
//! Handled: zero-width and other invisible format characters, compatibility forms (fullwidth
//! `ｆｕｃｋ`, mathematical `𝐟𝐮𝐜𝐤`, ligatures) via NFKD, accents (combining marks dropped, except
//! that Swedish å/ä/ö are letters of their own and stay), Cyrillic and Greek look-alikes, l33t
//! digits and symbols inside words (`sh1t`, `@ss`, `a$$`), masking stars (`f**k`, matched later
//! as wildcards), and letters spelled out with spaces, dots or dashes (`f u c k`, `f.u.c.k`),
//! which become an extra joined token. Repeated letters (`fuuuuck`) are handled at lookup
//! time by squeezing runs, see [`squeeze`].

use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// One normalised word with its byte range in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// Normalised, lower-case form (may contain `*` for masked letters).
    pub text: String,
    /// Byte offset of the first original character.
    pub start: usize,
    /// Byte offset just past the last original character.
    pub end: usize,
}

/// The token sequence of a text plus extra tokens re-joined from spelled-out letters.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    /// Words in order.
    pub words: Vec<Token>,
    /// Joined spelled-out words (`f u c k` → `fuck`); looked up as single words only.
    pub joined: Vec<Token>,
}

/// Normalises and tokenises `text` (at most `max_chars` characters are read).
pub fn tokenize(text: &str, max_chars: usize) -> Tokens {
    let chars = normalize_chars(text, max_chars);
    let mut words = Vec::new();
    // Index into `chars` of each word's first and last character, to measure gaps later.
    let mut spans: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_word_char(chars[i].0) {
            i += 1;
            continue;
        }
        let begin = i;
        while i < chars.len() && is_word_char(chars[i].0) {
            i += 1;
        }
        if let Some((text, a, b)) = clean_word(&chars[begin..i]) {
            words.push(Token {
                text,
                start: chars[begin + a].1,
                end: chars[begin + b].2,
            });
            spans.push((begin + a, begin + b));
        }
    }
    let joined = join_spelled_out(&words, &spans, &chars);
    Tokens { words, joined }
}

/// Collapses every run of a repeated character to one (`fuuuck` → `fuck`, `ass` → `as`).
pub fn squeeze(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    let mut last = None;
    for c in word.chars() {
        if Some(c) != last {
            out.push(c);
        }
        last = Some(c);
    }
    out
}

/// Normalised characters, each with the original byte range it came from.
fn normalize_chars(text: &str, max_chars: usize) -> Vec<(char, usize, usize)> {
    let mut out = Vec::with_capacity(text.len().min(max_chars * 2));
    for (n, (start, c)) in text.char_indices().enumerate() {
        if n >= max_chars {
            break;
        }
        let end = start + c.len_utf8();
        if c.is_ascii() {
            out.push((c.to_ascii_lowercase(), start, end));
            continue;
        }
        if is_invisible(c) {
            continue;
        }
        if let Some(l) = swedish_letter(c) {
            out.push((l, start, end));
            continue;
        }
        decompose_compatible(c, |d| {
            if is_combining_mark(d) || is_invisible(d) {
                return;
            }
            if let Some(l) = confusable(d) {
                out.push((l, start, end));
            } else {
                for l in d.to_lowercase() {
                    out.push((confusable(l).unwrap_or(l), start, end));
                }
            }
        });
    }
    out
}

/// Characters that render as nothing and are used to split words invisibly.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180F}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Swedish å, ä, ö are distinct letters ("dö" is not "do"), so they are kept, lower-cased.
fn swedish_letter(c: char) -> Option<char> {
    match c {
        'å' | 'Å' => Some('å'),
        'ä' | 'Ä' => Some('ä'),
        'ö' | 'Ö' => Some('ö'),
        _ => None,
    }
}

/// Latin look-alikes of Cyrillic, Greek and a few other letters (visual confusables).
fn confusable(c: char) -> Option<char> {
    Some(match c {
        'а' | 'А' | 'α' | 'Α' | 'ɑ' => 'a',
        'в' | 'В' | 'β' | 'Β' | 'ь' => 'b',
        'с' | 'С' | 'ϲ' => 'c',
        'ԁ' | 'ɗ' | 'đ' | 'Đ' => 'd',
        'е' | 'Е' | 'ε' | 'Ε' | 'ё' | 'Ё' => 'e',
        'ɡ' => 'g',
        'н' | 'Н' | 'Η' => 'h',
        'і' | 'І' | 'ι' | 'Ι' | 'ı' | 'ӏ' | 'Ӏ' => 'i',
        'ј' | 'Ј' => 'j',
        'к' | 'К' | 'κ' | 'Κ' => 'k',
        'ł' | 'Ł' => 'l',
        'м' | 'М' | 'Μ' => 'm',
        'п' | 'η' | 'ո' | 'Ν' => 'n',
        'о' | 'О' | 'ο' | 'Ο' | 'σ' | 'ø' | 'Ø' => 'o',
        'р' | 'Р' | 'ρ' | 'Ρ' => 'p',
        'г' => 'r',
        'ѕ' | 'Ѕ' => 's',
        'т' | 'Т' | 'τ' | 'Τ' => 't',
        'υ' | 'ս' => 'u',
        'ν' => 'v',
        'ω' | 'ш' => 'w',
        'х' | 'Х' | 'χ' | 'Χ' => 'x',
        'у' | 'У' | 'γ' | 'Υ' => 'y',
        'Ζ' => 'z',
        _ => return None,
    })
}

/// Characters that can be part of a (possibly obfuscated) word.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '\'' | '’' | '@' | '$' | '!' | '*' | '|')
}

/// Trims, strips apostrophes and undoes l33t inside one raw word. Returns the word and the
/// indices (within `raw`) of its first and last kept characters.
fn clean_word(raw: &[(char, usize, usize)]) -> Option<(String, usize, usize)> {
    // Symbols at the edges are punctuation ("hello!", "*sigh*"), except a leading `@`/`$` and
    // a trailing `$` that spell letters ("@ss", "a$$").
    let mut a = 0;
    let mut b = raw.len();
    while a < b && matches!(raw[a].0, '\'' | '’' | '!' | '*' | '|') {
        a += 1;
    }
    while b > a && matches!(raw[b - 1].0, '\'' | '’' | '!' | '*' | '|' | '@') {
        b -= 1;
    }
    let kept = &raw[a..b];
    if kept.is_empty() {
        return None;
    }
    let has_letter = kept.iter().any(|&(c, ..)| c.is_alphabetic());
    let mut text = String::with_capacity(kept.len());
    for &(c, ..) in kept {
        // Without letters this is a number or a symbol run: keep only its digits.
        let c = if has_letter {
            leet(c)
        } else {
            Some(c).filter(|c| c.is_alphanumeric())
        };
        if let Some(c) = c {
            text.push(c);
        }
    }
    if text.is_empty() || !text.chars().any(|c| c.is_alphanumeric()) {
        return None;
    }
    Some((text, a, b - 1))
}

/// l33t substitutions inside a word that has letters; apostrophes vanish ("you're" → "youre").
fn leet(c: char) -> Option<char> {
    Some(match c {
        '\'' | '’' => return None,
        '0' => 'o',
        '1' | '!' | '|' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' => 't',
        '9' => 'g',
        other => other,
    })
}

/// Re-joins runs of three or more one-letter words separated by short gaps of punctuation or
/// spaces ("f u c k", "f.u.c.k", "f - u - c - k").
fn join_spelled_out(
    words: &[Token],
    spans: &[(usize, usize)],
    chars: &[(char, usize, usize)],
) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let mut j = i;
        while j < words.len() && words[j].text.chars().count() == 1 {
            let gap_ok = j == i || {
                let gap = &chars[spans[j - 1].1 + 1..spans[j].0];
                gap.len() <= 3 && !gap.iter().any(|&(c, ..)| c == '\n')
            };
            if !gap_ok {
                break;
            }
            j += 1;
        }
        if j - i >= 3 {
            let text: String = words[i..j].iter().map(|w| w.text.as_str()).collect();
            out.push(Token {
                text,
                start: words[i].start,
                end: words[j - 1].end,
            });
            i = j;
        } else {
            i = j.max(i + 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        tokenize(text, 10_000)
            .words
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    fn joined(text: &str) -> Vec<String> {
        tokenize(text, 10_000)
            .joined
            .into_iter()
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn leet_digits_and_symbols_inside_words_become_letters() {
        assert_eq!(
            words("sh1t @ss a$$ f4gg0t sh!t"),
            ["shit", "ass", "ass", "faggot", "shit"]
        );
    }

    #[test]
    fn plain_numbers_and_punctuation_are_left_alone() {
        assert_eq!(
            words("In 2005, wow! I paid $100."),
            ["in", "2005", "wow", "i", "paid", "100"]
        );
    }

    #[test]
    fn apostrophes_vanish() {
        assert_eq!(
            words("you're an idiot’s friend"),
            ["youre", "an", "idiots", "friend"]
        );
    }

    #[test]
    fn spaced_and_dotted_letters_are_joined() {
        assert_eq!(joined("f u c k you"), ["fuck"]);
        assert_eq!(joined("what the f.u.c.k."), ["fuck"]);
        assert_eq!(joined("s - h - i - t"), ["shit"]);
        assert!(joined("I am a cat").is_empty());
    }

    #[test]
    fn repeated_letters_squeeze() {
        assert_eq!(squeeze("fuuuuuck"), "fuck");
        assert_eq!(squeeze("idiooooot"), "idiot");
    }

    #[test]
    fn cyrillic_and_greek_look_alikes_become_latin() {
        // "fuck" with Cyrillic с and к; "idiot" with Cyrillic і and Greek ο.
        assert_eq!(words("fuс\u{043A}"), ["fuck"]);
        assert_eq!(words("\u{0456}di\u{03BF}t"), ["idiot"]);
    }

    #[test]
    fn fullwidth_and_math_letters_decompose() {
        assert_eq!(words("ｆｕｃｋ"), ["fuck"]);
        assert_eq!(words("\u{1D41F}\u{1D42E}\u{1D41C}\u{1D424}"), ["fuck"]);
    }

    #[test]
    fn accents_are_stripped_but_swedish_letters_kept() {
        assert_eq!(
            words("fück ídíöt JÄVLA dö"),
            ["fuck", "idiöt", "jävla", "dö"]
        );
    }

    #[test]
    fn zero_width_characters_are_removed() {
        assert_eq!(words("f\u{200B}u\u{200D}c\u{FEFF}k"), ["fuck"]);
        assert_eq!(words("id\u{00AD}iot"), ["idiot"]);
    }

    #[test]
    fn masking_stars_stay_inside_words_only() {
        assert_eq!(words("f**k *sigh*"), ["f**k", "sigh"]);
    }

    #[test]
    fn token_ranges_point_into_the_original() {
        let text = "Hi ｆｕｃｋ!";
        let t = tokenize(text, 100);
        assert_eq!(&text[t.words[1].start..t.words[1].end], "ｆｕｃｋ");
    }
}
