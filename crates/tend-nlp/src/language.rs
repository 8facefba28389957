//! Language identification of short posts: which language a text is written in, with a
//! confidence, so the inbox can route, filter and pick the right sentiment model.
//!
//! Latin-script languages are scored by a character n-gram model (orders 1 to 5 within words,
//! naive Bayes over conditional probabilities, like lingua's high-accuracy mode). The model in
//! `data/language/ngrams.tsv` is derived from lingua's published n-gram tables (Apache-2.0,
//! trained by lingua's author on Leipzig news corpora): for each language the 20,000 most
//! frequent n-grams of each order 2 to 5 and the 400 most frequent letters, log-probabilities
//! quantised to 0.1 nat; see `data/language/README.md`. Other supported languages are decided by
//! script alone (Cyrillic → ru, Arabic → ar, kana → ja, Han → zh), since each is the only
//! candidate of its script. The evaluation never trains on the test sentences.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use serde::Serialize;

/// A detected language.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Language {
    /// ISO 639-1 code, e.g. `en`, `sv`, `nb`.
    pub code: &'static str,
    /// Posterior probability among the candidates, in [0, 1]. Short texts get lower values.
    pub confidence: f64,
}

/// Every language [`detect`] can answer.
pub const SUPPORTED: [&str; 19] = [
    "en", "sv", "da", "nb", "fi", "de", "fr", "es", "nl", "pt", "it", "pl", "is", "et", "tr", "ru",
    "ar", "zh", "ja",
];

/// Detects the language of `text`, or `None` if it has too few letters or is in a script
/// none of the [`SUPPORTED`] languages uses.
pub fn detect(text: &str) -> Option<Language> {
    detect_among(text, &SUPPORTED)
}

/// Like [`detect`], choosing only among `candidates` (ISO 639-1 codes; unknown codes are
/// ignored). A community that writes in two or three languages should pass them: the fewer
/// candidates, the better very short posts are told apart.
pub fn detect_among(text: &str, candidates: &[&str]) -> Option<Language> {
    let counts = script_counts(text);
    let letters =
        counts.latin + counts.cyrillic + counts.arabic + counts.han + counts.kana + counts.other;
    if letters == 0 {
        return None;
    }
    // Scripts with a single candidate: a clear majority of letters decides.
    let by_script = if counts.kana > 0 && (counts.kana + counts.han) * 2 >= letters {
        Some("ja")
    } else if counts.han * 2 >= letters {
        Some("zh")
    } else if counts.cyrillic * 2 >= letters {
        Some("ru")
    } else if counts.arabic * 2 >= letters {
        Some("ar")
    } else {
        None
    };
    if let Some(code) = by_script {
        if !candidates.contains(&code) {
            return None;
        }
        let share = letters.saturating_sub(counts.latin) as f64 / letters as f64;
        return Some(Language {
            code,
            confidence: share,
        });
    }
    if counts.latin < MIN_LETTERS || counts.latin * 2 < letters {
        return None;
    }
    let model = MODEL.as_ref().ok()?;
    let mut allowed = [false; NGRAM_LANGS];
    for (slot, code) in allowed.iter_mut().zip(&model.codes) {
        *slot = candidates.contains(code);
    }
    model.classify(text, &allowed)
}

/// Fewer Latin letters than this give no answer: a word or two of 1–2 letters is noise.
const MIN_LETTERS: usize = 3;

/// Letters scored per text: enough for a post; keeps hostile megabyte inputs cheap.
const MAX_LETTERS: usize = 1_000;

/// Latin-script languages of the n-gram model, in the model file's order.
const NGRAM_LANGS: usize = 15;

/// The parsed model, or why the embedded file could not be read (a build defect, caught by
/// the tests; `detect` then answers `None` for Latin-script text rather than panicking).
static MODEL: LazyLock<Result<Model, String>> =
    LazyLock::new(|| Model::parse(include_str!("../data/language/ngrams.tsv")));

struct Model {
    codes: Vec<&'static str>,
    /// Penalty (deci-nats) for an n-gram missing from a language's table, per order 1..=5.
    floors: [[u8; NGRAM_LANGS]; 6],
    /// n-gram hash → per language −ln P(last char | previous chars) in deci-nats (the floor
    /// where the language's table lacks it). Rows live inline in the table: scoring is bound
    /// by cache misses, and this makes one miss per n-gram instead of two.
    index: HashMap<u64, [u8; NGRAM_LANGS], BuildHasherDefault<PassThrough>>,
}

impl Model {
    fn parse(text: &'static str) -> Result<Model, String> {
        let mut codes = Vec::new();
        let mut floors = [[0u8; NGRAM_LANGS]; 6];
        let mut index = HashMap::with_capacity_and_hasher(400_000, BuildHasherDefault::default());
        for (n, line) in text.lines().enumerate() {
            let bad = || format!("data/language/ngrams.tsv:{}: cannot parse", n + 1);
            if let Some(rest) = line.strip_prefix("# languages\t") {
                codes = rest.split(' ').collect();
                if codes.len() != NGRAM_LANGS {
                    return Err(bad());
                }
            } else if let Some(rest) = line.strip_prefix("# floor\t") {
                let (code, values) = rest.split_once('\t').ok_or_else(bad)?;
                let lang = codes.iter().position(|c| *c == code).ok_or_else(bad)?;
                for (order, v) in values.split(' ').enumerate() {
                    let slot = floors.get_mut(order + 1).ok_or_else(bad)?;
                    slot[lang] = v.parse().map_err(|_| bad())?;
                }
            } else {
                let (ngram, entries) = line.split_once('\t').ok_or_else(bad)?;
                let order = ngram.chars().count();
                let mut row = *floors.get(order).ok_or_else(bad)?;
                for entry in entries.split(',') {
                    let (lang, value) = entry.split_once(':').ok_or_else(bad)?;
                    let lang: usize = lang.parse().map_err(|_| bad())?;
                    *row.get_mut(lang).ok_or_else(bad)? = value.parse().map_err(|_| bad())?;
                }
                let mut hash = SEED;
                for c in ngram.chars() {
                    hash = mix(hash, c);
                }
                index.insert(hash, row);
            }
        }
        if codes.len() != NGRAM_LANGS || index.is_empty() {
            return Err("data/language/ngrams.tsv: no languages or no n-grams".to_owned());
        }
        Ok(Model {
            codes,
            floors,
            index,
        })
    }

    fn classify(&self, text: &str, allowed: &[bool; NGRAM_LANGS]) -> Option<Language> {
        let mut scores = [0u32; NGRAM_LANGS];
        let mut word: Vec<char> = Vec::with_capacity(32);
        let mut letters = 0usize;
        let mut chars = text.chars();
        loop {
            let next = chars.next();
            match next {
                Some(c) if c.is_alphabetic() && letters < MAX_LETTERS => {
                    letters += 1;
                    word.extend(c.to_lowercase().filter(|l| l.is_alphabetic()));
                }
                _ => {
                    self.score_word(&word, &mut scores);
                    word.clear();
                    if next.is_none() || letters >= MAX_LETTERS {
                        break;
                    }
                }
            }
        }
        let candidates = || {
            scores
                .iter()
                .zip(allowed)
                .enumerate()
                .filter(|(_, (_, ok))| **ok)
        };
        let (best, (best_score, _)) = candidates().min_by_key(|(_, (s, _))| **s)?;
        // Naive-Bayes posterior with a uniform prior; scores are −log-likelihoods in deci-nats.
        let total: f64 = candidates()
            .map(|(_, (s, _))| (-(f64::from(*s) - f64::from(*best_score)) / 10.0).exp())
            .sum();
        Some(Language {
            code: self.codes.get(best)?,
            confidence: 1.0 / total,
        })
    }

    fn score_word(&self, word: &[char], scores: &mut [u32; NGRAM_LANGS]) {
        for start in 0..word.len() {
            let mut hash = SEED;
            for (order, c) in word[start..].iter().take(5).enumerate() {
                hash = mix(hash, *c);
                let row = self.index.get(&hash).unwrap_or(&self.floors[order + 1]);
                for (score, value) in scores.iter_mut().zip(row) {
                    *score += u32::from(*value);
                }
            }
        }
    }
}

const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// FxHash-style step over the n-gram's characters, so all orders starting at one position
/// are hashed in a single pass.
fn mix(hash: u64, c: char) -> u64 {
    (hash.rotate_left(5) ^ u64::from(u32::from(c))).wrapping_mul(0x517C_C1B7_2722_0A95)
}

/// The keys are already hashes; spread the high bits down for the table's bucket choice.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

#[derive(Default)]
struct ScriptCounts {
    latin: usize,
    cyrillic: usize,
    arabic: usize,
    han: usize,
    kana: usize,
    other: usize,
}

fn script_counts(text: &str) -> ScriptCounts {
    let mut counts = ScriptCounts::default();
    for c in text.chars().filter(|c| c.is_alphabetic()).take(MAX_LETTERS) {
        match u32::from(c) {
            0x0041..=0x024F | 0x1E00..=0x1EFF => counts.latin += 1,
            0x0400..=0x052F => counts.cyrillic += 1,
            0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => {
                counts.arabic += 1
            }
            0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF66..=0xFF9F => counts.kana += 1,
            0x4E00..=0x9FFF | 0x3400..=0x4DBF | 0x20000..=0x2FFFF | 0xF900..=0xFAFF => {
                counts.han += 1
            }
            _ => counts.other += 1,
        }
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(text: &str) -> Option<&'static str> {
        detect(text).map(|l| l.code)
    }

    #[test]
    fn model_loads() {
        assert!(
            MODEL.as_ref().is_ok_and(|m| m.index.len() > 100_000),
            "{:?}",
            MODEL.as_ref().err()
        );
    }

    #[test]
    fn short_posts() {
        assert_eq!(code("Tack för hjälpen!"), Some("sv"));
        assert_eq!(code("Thanks for the help!"), Some("en"));
        assert_eq!(code("Hur gör jag för att byta lösenord?"), Some("sv"));
        assert_eq!(code("Mange tak for hjælpen"), Some("da"));
        assert_eq!(code("Kiitos avusta!"), Some("fi"));
        assert_eq!(code("Vielen Dank für die schnelle Hilfe"), Some("de"));
        assert_eq!(code("Merci beaucoup pour votre aide"), Some("fr"));
        assert_eq!(code("Muchas gracias por la ayuda"), Some("es"));
        assert_eq!(code("Dank je wel voor de hulp"), Some("nl"));
        assert_eq!(code("Muito obrigado pela ajuda"), Some("pt"));
        assert_eq!(code("Grazie mille per l'aiuto"), Some("it"));
        assert_eq!(code("Dziękuję bardzo za pomoc"), Some("pl"));
        assert_eq!(code("Yardımınız için çok teşekkürler"), Some("tr"));
        assert_eq!(code("Takk for hjelpen, det fungerer nå"), Some("nb"));
        assert_eq!(code("Спасибо за помощь"), Some("ru"));
        assert_eq!(code("ありがとうございます"), Some("ja"));
        assert_eq!(code("谢谢你的帮助"), Some("zh"));
    }

    #[test]
    fn candidates_restrict_the_answer() {
        assert_eq!(
            detect_among("Tack så mycket", &["en", "sv"]).map(|l| l.code),
            Some("sv")
        );
        assert_eq!(
            detect_among("Mange tak for hjælpen", &["en", "sv"]).map(|l| l.code),
            Some("sv")
        );
        assert_eq!(detect_among("Спасибо", &["en", "sv"]), None);
        assert_eq!(detect_among("Thanks a lot", &[]), None);
    }

    #[test]
    fn no_answer_without_letters() {
        assert_eq!(detect(""), None);
        assert_eq!(detect("123 !!! 🎉🎉"), None);
        assert_eq!(detect("ok"), None);
    }

    #[test]
    fn confidence_grows_with_evidence() {
        let short = detect("Tack").map_or(0.0, |l| l.confidence);
        let long = detect("Tack så mycket för hjälpen igår, det fungerar nu utmärkt!")
            .map_or(0.0, |l| l.confidence);
        assert!(long > short && long > 0.9, "{short} {long}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn never_panics_confidence_in_range(text in "\\PC{0,300}") {
            if let Some(l) = detect(&text) {
                prop_assert!((0.0..=1.0).contains(&l.confidence));
                prop_assert!(SUPPORTED.contains(&l.code));
            }
        }
    }
}
