//! Folding: how text is made case- and accent-insensitive before it is compared.
//!
//! Queries and messages go through the same [`fold`], so whatever it does, a query word
//! and the same word in a message fold alike. The steps, per character:
//! 1. Unicode compatibility decomposition (NFKD): `é` becomes `e` + a combining accent,
//!    full-width `Ｌｕｍｏｒａ` becomes `Lumora`, the ligature `ﬁ` becomes `fi`.
//! 2. Lower case (`char::to_lowercase`), plus the few case foldings lower-casing misses:
//!    `ß`/`ẞ` → `ss`, final `ς` → `σ`.
//! 3. Combining marks are dropped after Latin, Greek, Cyrillic, Armenian, Hebrew and Arabic
//!    letters (accents, vowel points): `Café` → `cafe`, `ÅRE` → `are`. Marks after letters
//!    of other scripts are kept, because there they are vowels (Devanagari `कि`, Thai),
//!    not optional accents, and dropping them would merge different words.
//! 4. Letters with a stroke or a ligature that NFKD leaves alone: `ø` → `o`, `æ` → `ae`,
//!    `œ` → `oe`, `đ` → `d`, `ł` → `l`, dotless `ı` → `i`.
//!
//! Accent folding merges letters some languages count as distinct: Swedish `å`, `ä`, `ö`
//! fold to `a`, `a`, `o`, so `ara` finds `Åre` and `for` finds `för`. That is the usual
//! trade-off of listening tools: social text often drops these letters (foreign keyboards,
//! hashtags, handles), and missing a mention costs more than a stray match.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::{decompose_compatible, is_combining_mark};

/// Folds `text` into a new string (see the module documentation for what folding does).
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// Appends the folded `text` to `out`.
pub fn fold_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        // The common case in social text: ASCII needs no decomposition and no marks.
        out.extend(text.chars().map(|c| c.to_ascii_lowercase()));
        return;
    }
    let mut folder = Folder {
        out,
        strip_marks: false,
    };
    for c in text.nfkd() {
        folder.push(c);
    }
}

/// Folding state: whether marks after the last base character are dropped.
struct Folder<'a> {
    out: &'a mut String,
    strip_marks: bool,
}

impl Folder<'_> {
    fn push(&mut self, c: char) {
        if c.is_ascii() {
            self.base(c.to_ascii_lowercase());
            return;
        }
        if is_combining_mark(c) {
            if !self.strip_marks {
                self.out.push(c);
            }
            return;
        }
        match c {
            'ß' | 'ẞ' => self.out.push_str("ss"),
            'ς' => self.base('σ'),
            'ø' | 'Ø' => self.base('o'),
            'æ' | 'Æ' => self.out.push_str("ae"),
            'œ' | 'Œ' => self.out.push_str("oe"),
            'đ' | 'Đ' => self.base('d'),
            'ł' | 'Ł' => self.base('l'),
            'ı' => self.base('i'),
            _ => {
                // Lower-casing can produce characters that decompose again (`İ` → `i` +
                // dot above), so its output goes through decomposition once more.
                for lower in c.to_lowercase() {
                    decompose_compatible(lower, |d| {
                        if is_combining_mark(d) {
                            if !self.strip_marks {
                                self.out.push(d);
                            }
                        } else {
                            self.base(d);
                        }
                    });
                }
                return;
            }
        }
        self.strip_marks = true;
    }

    /// Pushes a base (non-mark) character and decides what happens to marks after it.
    fn base(&mut self, c: char) {
        self.out.push(c);
        self.strip_marks = strips_marks(c);
    }
}

/// Whether combining marks after `base` are accents to drop: Latin, Greek, Cyrillic,
/// Armenian, Hebrew and Arabic (below U+0700) and Latin/Greek extended (U+1E00–U+1FFF).
fn strips_marks(base: char) -> bool {
    let code = u32::from(base);
    code < 0x0700 || (0x1E00..=0x1FFF).contains(&code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_case_and_accents() {
        assert_eq!(fold("Café"), "cafe");
        assert_eq!(fold("Cafe\u{301}"), "cafe");
        assert_eq!(fold("ÅRE"), "are");
        assert_eq!(fold("Malmö Göteborg"), "malmo goteborg");
        assert_eq!(fold("Straße STRASSE"), "strasse strasse");
        assert_eq!(fold("Ｌｕｍｏｒａ"), "lumora");
        assert_eq!(fold("ﬁx"), "fix");
        assert_eq!(fold("İstanbul"), "istanbul");
        assert_eq!(fold("Ørsted Æble Łódź"), "orsted aeble lodz");
        assert_eq!(fold("ΣΟΦΟΣ σοφος"), "σοφοσ σοφοσ");
        assert_eq!(fold("LUMORA #LumoraNights"), "lumora #lumoranights");
    }

    #[test]
    fn keeps_vowel_signs_of_indic_scripts() {
        // किताब (book): the vowel sign ि is a combining mark that carries meaning.
        assert_eq!(fold("किताब"), "किताब");
        assert_ne!(fold("कि"), fold("क"));
    }

    #[test]
    fn folding_is_idempotent_on_examples() {
        for text in [
            "Café",
            "ÅRE",
            "Straße",
            "İ",
            "ǅ",
            "ﬃ",
            "Ⅻ",
            "㎒",
            "ẞ",
            "किताब",
            "Ｌ",
        ] {
            let once = fold(text);
            assert_eq!(fold(&once), once, "{text}");
        }
    }
}
